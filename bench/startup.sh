#!/usr/bin/env bash
# Start-up time of `wharf serve` — on an empty data directory and on one holding 10 000
# manifests — beside CNCF Distribution on the same content, in the same run. Run by hand.
# "Ready" means GET /v2/ answered 200. Each start is measured 5 times; the median is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
N=${N:-10000}
work=$(mktemp -d /tmp/wharf-startup.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q -p wharf
WHARF=target/release/wharf
command -v docker-registry >/dev/null || { apt-get update -qq && apt-get install -y -qq docker-registry >/dev/null; }

start_wharf() { # data_dir port
  "$WHARF" serve --data-dir "$1" --listen "127.0.0.1:$2" --log-level warn >/dev/null 2>>"$work/wharf.log" &
  echo $!
}
start_distribution() { # data_dir port
  cat > "$work/dist.yml" <<YAML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $1}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}
http: {addr: 127.0.0.1:$2}
YAML
  docker-registry serve "$work/dist.yml" >/dev/null 2>>"$work/dist.log" &
  echo $!
}

# Milliseconds from process start to the first 200 on /v2/.
time_to_ready() { # starter data_dir
  local port pid t0 t1
  port=$(free_port)
  t0=$(date +%s%N)
  pid=$($1 "$2" "$port")
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/"; do sleep 0.005; done
  t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(( (t1 - t0) / 1000000 ))
}

median5() { # starter data_dir
  local xs=()
  for _ in 1 2 3 4 5; do xs+=("$(time_to_ready "$1" "$2")"); sleep 0.3; done
  printf '%s\n' "${xs[@]}" | sort -n | sed -n 3p
}

# Fill a registry with N manifests (same config and layer, a distinct annotation each).
fill() { # port
  local reg="127.0.0.1:$1" repo=bench/startup f digest
  printf '{"architecture":"amd64","os":"linux"}' > "$work/config.json"
  head -c 1024 /dev/urandom > "$work/layer"
  for f in config.json layer; do
    digest=sha256:$(sha256sum "$work/$f" | cut -d' ' -f1)
    send_file PUT "$(with_query "$(start_upload "$reg" "$repo")" "digest=$digest")" "$work/$f" -o /dev/null -f
  done
  export base="http://$reg" repo
  export cd="sha256:$(sha256sum "$work/config.json" | cut -d' ' -f1)" cs=$(stat -c %s "$work/config.json")
  export ld="sha256:$(sha256sum "$work/layer" | cut -d' ' -f1)" ls=$(stat -c %s "$work/layer")
  seq 1 "$N" | xargs -P 8 -I{} sh -c 'printf "%s" "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$cd\",\"size\":$cs},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$ld\",\"size\":$ls}],\"annotations\":{\"n\":\"{}\"}}" | curl -sf -o /dev/null -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @- "$base/v2/$repo/manifests/t{}"'
}

fill_with() { # starter data_dir
  local port pid
  port=$(free_port)
  pid=$($1 "$2" "$port")
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/"; do sleep 0.01; done
  fill "$port"
  local count
  count=$(curl -sf "http://127.0.0.1:$port/v2/bench/startup/tags/list" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tags"]))')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$count"
}

echo "start-up, median of 5 (ms to first 200 on /v2/)"
we=$(median5 start_wharf "$work/wharf-empty")
de=$(median5 start_distribution "$work/dist-empty")
echo "filling both with $N manifests..."
wc=$(fill_with start_wharf "$work/wharf-full")
dc=$(fill_with start_distribution "$work/dist-full")
wf=$(median5 start_wharf "$work/wharf-full")
df=$(median5 start_distribution "$work/dist-full")
printf '| data dir | Wharf | Distribution |\n|---|---|---|\n'
printf '| empty | %s ms | %s ms |\n' "$we" "$de"
printf '| %s manifests (Wharf holds %s tags, Distribution %s) | %s ms | %s ms |\n' "$N" "$wc" "$dc" "$wf" "$df"
