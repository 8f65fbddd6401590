#!/usr/bin/env bash
# Imports and pull-through, by hand, side by side with a peer in the same run. Never run in CI.
#
#  1. Import of a 200-tag repository from CNCF Distribution: `wharf import-image --all` (200 tags:
#     manifests and configs fetched, Images and tag events written) vs `skopeo sync` of the same
#     repository to a directory (manifests, configs and layers copied). Not the same work — the
#     comparison the issue asks for: how long a user waits to have the repository "in".
#  2. Pull-through of a 100 MiB image: first and second pull through Wharf (an imported tag,
#     referencePolicy Local) vs through Distribution in proxy mode, both in front of the same
#     upstream Distribution. Pulls are `skopeo copy` to a fresh directory.
#
# Usage: bench/import.sh            (writes bench/results/import-latest.md)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

need docker-registry docker-registry
need skopeo skopeo
need umoci umoci
need hyperfine hyperfine
cargo build --release -q -p wharf
W=$PWD/target/release/wharf

S=$(mktemp -d /tmp/wharf-bench-import.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$S"
}
trap cleanup EXIT

# distribution NAME PORT [EXTRA_YAML]: starts Distribution with its own storage.
distribution() {
    local name=$1 port=$2 extra=${3:-}
    mkdir -p "$S/$name"
    cat >"$S/$name/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $S/$name/data
http:
  addr: 127.0.0.1:$port
$extra
EOF
    docker-registry serve "$S/$name/config.yml" >"$S/$name.log" 2>&1 </dev/null &
    PIDS+=($!)
    wait_http "http://127.0.0.1:$port/v2/" "$!"
}

# wharf_server NAME: starts `wharf serve` on a free port; sets WH to its host:port. (Not a
# command substitution: the server would hold its stdout open and the substitution never end.)
wharf_server() {
    local name=$1
    printf 'imageImport:\n  maxImagesBulkImportedPerRepository: -1\n' >"$S/$name.yml"
    "$W" serve --data-dir "$S/$name" --listen 127.0.0.1:0 --config "$S/$name.yml" >/dev/null 2>"$S/$name.log" &
    PIDS+=($!)
    wait_for_line "$S/$name.log" 'listening on' "$!"
    WH=$(sed -n 's/.*listening on \([^,]*\),.*/\1/p' "$S/$name.log" | head -1)
}

UP=$(free_port)
distribution upstream "$UP"

log "1. a 200-tag repository"
note "pushing 200 small images (one shared layer, distinct configs)"
python3 - "$UP" <<'EOF'
import hashlib, json, sys, urllib.request
reg = f"http://127.0.0.1:{sys.argv[1]}"
def blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    req = urllib.request.Request(f"{reg}/v2/team/app/blobs/uploads/", method="POST", data=b"")
    loc = urllib.request.urlopen(req).headers["Location"]
    sep = "&" if "?" in loc else "?"
    urllib.request.urlopen(urllib.request.Request(f"{loc}{sep}digest={d}", method="PUT", data=data,
        headers={"Content-Type": "application/octet-stream"}))
    return d, len(data)
layer = bytes(range(256)) * 64
ld, ls = blob(layer)
for i in range(200):
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"n": str(i)}},
                      "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
    cd, cs = blob(cfg)
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}]}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{reg}/v2/team/app/manifests/v{i // 10}.{i % 10}.0",
        method="PUT", data=m, headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))
EOF
wharf_server import
export KUBECONFIG=$S/kubeconfig
"$W" login "http://$WH" >/dev/null
"$W" new-project bench >/dev/null
hyperfine -w 1 -r 5 --export-json "$S/import.json" \
    -p "$W delete is app >/dev/null 2>&1 || true" \
    -n "wharf import-image --all (200 tags)" "$W import-image app --all --from=127.0.0.1:$UP/team/app --confirm --insecure >/dev/null" \
    -p "rm -rf $S/sync" \
    -n "skopeo sync (200 tags)" "skopeo sync --src docker --dest dir --src-tls-verify=false 127.0.0.1:$UP/team/app $S/sync >/dev/null 2>&1"
tags=$("$W" get is app -o jsonpath='{range .status.tags[*]}{.tag}{"\n"}{end}' | wc -l)
note "tags imported: $tags"

log "2. pull-through of a 100 MiB image"
L=$S/layout
umoci init --layout "$L" >/dev/null
umoci new --image "$L:big" >/dev/null
mkdir -p "$S/src"
head -c $((100 << 20)) /dev/urandom >"$S/src/payload.bin"
umoci insert --image "$L:big" "$S/src" /data >/dev/null
umoci config --image "$L:big" --os linux --architecture amd64 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$L:big" "docker://127.0.0.1:$UP/team/big:v1"
PROXY=$(free_port)
distribution proxy "$PROXY" "proxy:
  remoteurl: http://127.0.0.1:$UP"
"$W" import-image big:v1 --from="127.0.0.1:$UP/team/big:v1" --confirm --insecure --reference-policy=local >/dev/null
pull() { rm -rf "$S/out"; skopeo copy -q --src-tls-verify=false "docker://$1" "dir:$S/out"; }
t() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
wharf_first=$(t pull "$WH/bench/big:v1")
dist_first=$(t pull "127.0.0.1:$PROXY/team/big:v1")
hyperfine -w 1 -r 5 --export-json "$S/pull.json" \
    -n "wharf second pull" "rm -rf $S/out && skopeo copy -q --src-tls-verify=false docker://$WH/bench/big:v1 dir:$S/out" \
    -n "distribution proxy second pull" "rm -rf $S/out && skopeo copy -q --src-tls-verify=false docker://127.0.0.1:$PROXY/team/big:v1 dir:$S/out"

mean() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.3f' % d['results'][int(sys.argv[2])]['mean'])" "$@"; }
wi=$(mean "$S/import.json" 0); si=$(mean "$S/import.json" 1)
ws=$(mean "$S/pull.json" 0); ds=$(mean "$S/pull.json" 1)
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
mkdir -p bench/results
cat >bench/results/import-latest.md <<EOF
# Imports and pull-through ($(date -u +%F), $(nproc) cores)

Peers: $(dpkg-query -W -f '${Package} ${Version}' docker-registry 2>/dev/null), $(skopeo --version).
Ratios are peer time / Wharf time: above 1, Wharf is faster.

| what | Wharf | peer | ratio |
|---|---|---|---|
| 200-tag repository: \`import-image --all\` vs \`skopeo sync\` to dir | ${wi} s | ${si} s | $(ratio "$si" "$wi") |
| 100 MiB image, first pull (fetch from upstream) | ${wharf_first} s | ${dist_first} s | $(ratio "$dist_first" "$wharf_first") |
| 100 MiB image, second pull (cached) | ${ws} s | ${ds} s | $(ratio "$ds" "$ws") |

Tags imported: $tags. First pulls are one run each (a second run would be cached).
EOF
cat bench/results/import-latest.md
