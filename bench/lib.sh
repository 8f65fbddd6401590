# shellcheck shell=bash
# Helpers shared by bench/run.sh and the small push scripts. Source it; it defines functions only.

# The Accept header every manifest request sends: Distribution 2.8 answers 404 for an OCI
# manifest unless the client says it accepts OCI types (see /work/shared/peers.md §1).
# shellcheck disable=SC2034 # used by the scripts that source this file
ACCEPT_MANIFESTS='Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'

log() { printf '\n== %s\n' "$*" >&2; }
note() { printf '   %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# need CMD PACKAGE: installs PACKAGE with apt-get when CMD is missing (apt-get update only if the
# plain install fails, e.g. on a machine with empty package lists).
need() {
    local cmd=$1 pkg=$2
    command -v "$cmd" >/dev/null 2>&1 && return 0
    note "installing $pkg (for $cmd)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null; } ||
        die "cannot install $pkg"
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing $pkg"
}

# free_port: a loopback port that was free a moment ago (for servers that cannot bind port 0
# and report it, i.e. Distribution).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for_line FILE REGEX PID [SECONDS]: waits until FILE has a line matching REGEX; fails if
# PID exits first or the time runs out.
wait_for_line() {
    local file=$1 re=$2 pid=$3 secs=${4:-30} i
    for ((i = 0; i < secs * 10; i++)); do
        grep -Eq "$re" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; die "process $pid exited while starting"; }
        sleep 0.1
    done
    cat "$file" >&2
    die "timed out waiting for /$re/ in $file"
}

# wait_http URL PID [SECONDS]: waits until URL answers 200.
wait_http() {
    local url=$1 pid=$2 secs=${3:-30} i
    for ((i = 0; i < secs * 10; i++)); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]] && return 0
        kill -0 "$pid" 2>/dev/null || die "process $pid exited while starting"
        sleep 0.1
    done
    die "timed out waiting for $url"
}

# abs_location BASE LOCATION: Wharf answers relative Locations (/v2/...), Distribution absolute ones.
abs_location() {
    local base=$1 loc=$2
    loc=${loc%$'\r'}
    case $loc in
    http://* | https://*) printf '%s' "$loc" ;;
    /*) printf 'http://%s%s' "$base" "$loc" ;;
    *) die "unexpected Location: $loc" ;;
    esac
}

# with_query URL PARAM: appends ?PARAM or &PARAM.
with_query() {
    case $1 in
    *\?*) printf '%s&%s' "$1" "$2" ;;
    *) printf '%s?%s' "$1" "$2" ;;
    esac
}

# start_upload HOST:PORT REPO: POST /v2/REPO/blobs/uploads/ and print the absolute upload URL.
start_upload() {
    local reg=$1 repo=$2 hdrs loc
    hdrs=$(curl -sS -f -D - -o /dev/null -X POST -H 'Content-Length: 0' "http://$reg/v2/$repo/blobs/uploads/") ||
        die "POST upload on $reg/$repo failed"
    loc=$(printf '%s\n' "$hdrs" | awk 'tolower($1)=="location:" {print $2}')
    [[ -n $loc ]] || die "no Location in the POST answer from $reg"
    abs_location "$reg" "$loc"
}

# send_file METHOD URL FILE [CURL-ARGS...]: streams FILE as the request body with a Content-Length.
# Not `curl -T FILE URL`: curl appends FILE's name to a URL whose path ends in '/', which
# .../blobs/uploads/?digest= does. 'Expect:' stops curl waiting for "100 Continue" first.
# shellcheck disable=SC2094 # FILE is only read
send_file() {
    local method=$1 url=$2 file=$3
    shift 3
    curl -sS -X "$method" -H 'Expect:' -H 'Transfer-Encoding:' -H "Content-Length: $(stat -c %s "$file")" \
        -H 'Content-Type: application/octet-stream' "$@" -T - "$url" <"$file"
}

# rss_kib PID: the process's resident set size in KiB (0 if gone).
rss_kib() {
    awk '/^VmRSS:/ {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}

# ---------------------------------------------------------------- parsing tool output

# wrk_field FILE rps|p50|p99|non2xx|errors
#   rps: Requests/sec; p50/p99 in ms; non2xx: the "Non-2xx or 3xx responses" count (0 if absent);
#   errors: the sum of wrk's socket errors (connect+read+write+timeout, 0 if absent).
wrk_field() {
    local file=$1 what=$2
    case $what in
    rps) awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$file" ;;
    p50 | p99)
        awk -v want="${what#p}%" '$1==want {
                v=$2; unit=v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
                if (unit=="us") v/=1000; else if (unit=="s") v*=1000; else if (unit=="m") v*=60000;
                printf "%.2f", v }' "$file"
        ;;
    non2xx) awk '/Non-2xx or 3xx responses:/ {n=$NF} END {print n+0}' "$file" ;;
    errors)
        awk '/Socket errors:/ { gsub(/,/, ""); n = $4 + $6 + $8 + $10 } END {print n+0}' "$file"
        ;;
    esac
}

# ab_field FILE rps|failed|non2xx|complete
ab_field() {
    local file=$1 what=$2
    case $what in
    rps) awk '/^Requests per second:/ {printf "%.0f", $4}' "$file" ;;
    failed) awk '/^Failed requests:/ {n=$3} END {print n+0}' "$file" ;;
    non2xx) awk '/^Non-2xx responses:/ {n=$3} END {print n+0}' "$file" ;;
    complete) awk '/^Complete requests:/ {n=$3} END {print n+0}' "$file" ;;
    p99) awk '$1=="99%" {print $2}' "$file" ;;
    esac
}

# hf_field JSON mean|stddev|min|max [INDEX]: seconds, from hyperfine --export-json.
hf_field() {
    jq -r ".results[${3:-0}].$2" "$1"
}

# ---------------------------------------------------------------- arithmetic for the table

# div A B [DECIMALS]: A/B, or "n/a" when either is missing or B is 0.
div() {
    awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
        if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) { print "n/a"; exit }
        printf "%.*f", d, a / b }'
}

# ms SECONDS: seconds to milliseconds, no decimals.
ms() { awk -v s="$1" 'BEGIN { if (s == "" || s == "n/a") print "n/a"; else printf "%.0f", s * 1000 }'; }

# cmp A OP B: true when the numeric comparison holds (false when either side is n/a).
cmp() {
    awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
        if (a == "n/a" || b == "n/a" || a == "" || b == "") exit 1
        a += 0; b += 0
        if (op == ">=") exit !(a >= b); if (op == "<=") exit !(a <= b)
        if (op == "<") exit !(a < b); if (op == ">") exit !(a > b); exit 1 }'
}

# ---------------------------------------------------------------- shared set-up of bench scripts

# Builds (unless BUILD=0) and checks the release wharf and bench_hello; sets WHARF_BIN, HELLO_BIN.
build_binaries() {
    if ((BUILD)); then
        log "building wharf and bench_hello (release)"
        (cd "$repo_root" && cargo build --release -q -p wharf --bin wharf --example bench_hello)
    fi
    WHARF_BIN=$repo_root/target/release/wharf
    HELLO_BIN=$repo_root/target/release/examples/bench_hello
    [[ -x $WHARF_BIN && -x $HELLO_BIN ]] || die "missing $WHARF_BIN or $HELLO_BIN (build them, or drop --no-build)"
}

# A scratch directory /tmp/<prefix>.XXXXXX (S, with RAW its raw log), the PIDS every server
# started is added to, PROBLEMS gathered by problem(), and a cleanup on exit that stops the
# servers and removes S (unless KEEP=1).
scratch_setup() {
    S=$(mktemp -d "/tmp/$1.XXXXXX")
    RAW=$S/raw.log
    : >"$RAW"
    PIDS=()
    PROBLEMS=()
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

problem() {
    PROBLEMS+=("$*")
    printf '   !! %s\n' "$*" >&2
}

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if ((KEEP)); then
        printf 'scratch directory kept: %s\n' "$S" >&2
    else
        rm -rf "$S"
    fi
    exit "$rc"
}

# The two lines `wharf serve --auth=none` always prints (a tracing WARN and a banner on stderr):
# expected in a bench, so start_bench_wharf keeps them out of the server log (whose warnings
# the scripts count as problems) and puts them in <log>.auth-off instead.
AUTH_OFF_LINES='AUTHENTICATION IS OFF|authentication is off \(--auth=none\)'

# start_bench_wharf [SERVE-ARGS...]: starts wharf serve on a port of its choosing; sets WHARF_PID,
# W (host:port), WHARF_LOG and WHARF_DATA. Authentication is off (--auth=none) unless
# SERVE-ARGS has its own --auth (clap refuses a repeated --auth, so the default is left out
# then), e.g. `start_bench_wharf --auth=on`.
# Data in $S/$WHARF_NAME, log in $S/$WHARF_NAME.log; WHARF_NAME defaults to "wharf" (what the
# scripts have always used). To run two servers side by side, give each its own name and copy
# W and WHARF_PID before starting the next:
#   WHARF_NAME=wharf-a start_bench_wharf; A=$W
#   WHARF_NAME=wharf-b start_bench_wharf --auth=on; B=$W
# shellcheck disable=SC2120 # the arguments are optional
start_bench_wharf() {
    local name=${WHARF_NAME:-wharf} arg auth=(--auth=none)
    for arg in "$@"; do
        case $arg in --auth | --auth=*) auth=() ;; esac
    done
    WHARF_DATA=$S/$name
    WHARF_LOG=$S/$name.log
    mkdir -p "$WHARF_DATA"
    # sed -u: unbuffered, so wait_for_line sees the "listening" line at once; $! is wharf's PID.
    "$WHARF_BIN" serve --data-dir "$WHARF_DATA" --listen 127.0.0.1:0 --log-level warn "${auth[@]}" "$@" \
        > >(sed -u -E -e "/$AUTH_OFF_LINES/{w $WHARF_LOG.auth-off" -e 'd}' >"$WHARF_LOG") 2>&1 &
    WHARF_PID=$!
    PIDS+=("$WHARF_PID")
    wait_for_line "$WHARF_LOG" 'listening on 127\.0\.0\.1:[0-9]+' "$WHARF_PID"
    W=$(sed -nE 's/.*listening on (127\.0\.0\.1:[0-9]+).*/\1/p' "$WHARF_LOG" | head -1)
}
