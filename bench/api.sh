#!/usr/bin/env bash
# Wharf's Kubernetes-style API (image.openshift.io/v1 ImageStreams), by hand, on this machine.
# Never run in CI.
#
#   bench/api.sh            full run: 1 000 streams, 10 s wrk phases, 100 watchers × 200 writes (~2 min + build)
#   bench/api.sh --quick    smoke run: 200 streams, 3 s phases, 20 watchers × 40 writes (~30 s)
#   bench/api.sh --help     all options
#
# There is no peer API server on this machine (no kube-apiserver/etcd), so the ceiling is the bare
# hyper "hello" server with the same wrk command, as in run.sh. The table goes to stdout and
# bench/results/api-latest.md, the raw tool output to bench/results/api-latest-raw.log.
# See bench/README.md ("api.sh") for what each figure means.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() {
    cat <<'EOF'
usage: bench/api.sh [options]
  --quick         smoke run: 200 streams, 3 s wrk phases, 20 watchers, 40 writes
  --streams N     image streams created in namespace bench (default 1000; quick 200)
  --duration S    seconds per wrk phase (default 10; quick 3)
  --watchers N    concurrent watch connections (default 100; quick 20)
  --writes N      merge-patches whose fan-out is timed (default 200; quick 40)
  --no-build      use the binaries already in target/release
  --keep          keep the scratch directory (data, server logs, raw output) under /tmp
  -h, --help      this text
EOF
}

# ---------------------------------------------------------------- options
QUICK=0 BUILD=1 KEEP=0
STREAMS='' DUR='' WATCHERS='' WRITES=''
while (($#)); do
    case $1 in
    --quick) QUICK=1 ;;
    --streams) STREAMS=$2 && shift ;;
    --duration) DUR=$2 && shift ;;
    --watchers) WATCHERS=$2 && shift ;;
    --writes) WRITES=$2 && shift ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
done
if ((QUICK)); then
    : "${STREAMS:=200}" "${DUR:=3}" "${WATCHERS:=20}" "${WRITES:=40}"
else
    : "${STREAMS:=1000}" "${DUR:=10}" "${WATCHERS:=100}" "${WRITES:=200}"
fi
((STREAMS >= 1 && STREAMS <= 9999)) || die "--streams must be 1..9999 (names are s0001…s9999)"
WRK=(wrk -t2 -c32 "-d${DUR}s" --latency)
# What kubectl get sends (it then receives a server-side Table instead of an ImageStreamList).
ACCEPT_TABLE='Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
ACCEPT_JSON='Accept: application/json'

# ---------------------------------------------------------------- tools
log "tools"
need curl curl
need jq jq
need python3 python3
need wrk wrk

build_binaries

# ---------------------------------------------------------------- scratch, servers, cleanup
scratch_setup wharf-apibench

log "starting servers (scratch: $S)"
# Both pick their own port (port 0) and say which on stderr.
start_bench_wharf

"$HELLO_BIN" 127.0.0.1:0 >"$S/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_for_line "$S/hello.log" 'listening on 127\.0\.0\.1:[0-9]+' "$HELLO_PID"
H=$(sed -nE 's/.*listening on (127\.0\.0\.1:[0-9]+).*/\1/p' "$S/hello.log" | head -1)

wait_http "http://$W/version" "$WHARF_PID"
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
RSS_START=$(mib "$(rss_kib "$WHARF_PID")")
note "wharf  http://$W  (pid $WHARF_PID, RSS $RSS_START MiB)"
note "hello  http://$H  (pid $HELLO_PID)"

NS_URL=http://$W/api/v1/namespaces
IS_PATH=/apis/image.openshift.io/v1/namespaces/bench/imagestreams
IS=http://$W$IS_PATH

# ---------------------------------------------------------------- seeding
log "seeding: namespace bench, $STREAMS image streams (xargs -P 8 curl)"
code=$(curl -sS -o "$S/ns.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"metadata":{"name":"bench"}}' "$NS_URL")
[[ $code == 201 ]] || die "creating namespace bench answered $code: $(head -c 300 "$S/ns.json")"

# One curl process per stream, 8 at a time; each prints its status code, so failures are counted.
t0=$(date +%s.%N)
seq -f 's%04g' 1 "$STREAMS" |
    xargs -P 8 -I{} curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
        -d '{"metadata":{"name":"{}"},"spec":{"lookupPolicy":{"local":false}}}' "$IS" \
        >"$S/create.codes" 2>>"$RAW" || true
CREATE_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
n=$(grep -cx 201 "$S/create.codes" || true)
CREATE_RATE=$(div "$STREAMS" "$CREATE_S" 0)
note "$n of $STREAMS creates answered 201 in $CREATE_S s ($CREATE_RATE/s, one curl process each)"
((n == STREAMS)) || problem "only $n of $STREAMS ImageStream creates answered 201 ($(sort "$S/create.codes" | uniq -c | tr -s ' \n' ' '))"
RSS_SEEDED=$(mib "$(rss_kib "$WHARF_PID")")
note "RSS after seeding: $RSS_SEEDED MiB"

# ---------------------------------------------------------------- sanity (once, before the load)
# fetch LABEL OUT URL [CURL ARGS]: one GET; sets CODE and SIZE (bytes), flags a non-200.
fetch() {
    local label=$1 out=$2 url=$3 res
    shift 3
    res=$(curl -sS -o "$out" -w '%{http_code} %{size_download}' "$@" "$url") || res="000 0"
    CODE=${res% *} SIZE=${res#* }
    [[ $CODE == 200 ]] || problem "$label answered HTTP $CODE before the load test: $(head -c 200 "$out")"
}
log "sanity checks"
fetch "GET imagestream s0001" "$S/get.json" "$IS/s0001" -H "$ACCEPT_JSON"
GET_SIZE=$SIZE
[[ $(jq -r '.metadata.name' "$S/get.json" 2>/dev/null) == s0001 ]] || problem "GET s0001 did not return s0001"

fetch "LIST imagestreams" "$S/list.json" "$IS" -H "$ACCEPT_JSON"
LIST_SIZE=$SIZE
n=$(jq '.items | length' "$S/list.json" 2>/dev/null || echo '?')
[[ $(jq -r .kind "$S/list.json" 2>/dev/null) == ImageStreamList && $n == "$STREAMS" ]] ||
    problem "LIST returned kind $(jq -r .kind "$S/list.json" 2>/dev/null) with $n items, expected ImageStreamList with $STREAMS"
LIST_RV=$(jq -r .metadata.resourceVersion "$S/list.json")

fetch "LIST as Table" "$S/table.json" "$IS" -H "$ACCEPT_TABLE"
TABLE_SIZE=$SIZE
n=$(jq '.rows | length' "$S/table.json" 2>/dev/null || echo '?')
[[ $(jq -r .kind "$S/table.json" 2>/dev/null) == Table && $n == "$STREAMS" ]] ||
    problem "Table LIST returned kind $(jq -r .kind "$S/table.json" 2>/dev/null) with $n rows, expected Table with $STREAMS"

PAGE=100
((STREAMS > PAGE)) || PAGE=$(((STREAMS + 1) / 2))
fetch "LIST ?limit=$PAGE" "$S/page.json" "$IS?limit=$PAGE" -H "$ACCEPT_JSON"
PAGE_SIZE=$SIZE
n=$(jq '.items | length' "$S/page.json" 2>/dev/null || echo '?')
[[ $n == "$PAGE" ]] || problem "LIST ?limit=$PAGE returned $n items"
[[ -n $(jq -r '.metadata.continue // empty' "$S/page.json") ]] || problem "LIST ?limit=$PAGE has no continue token"
# A page from the middle: walk the pages once, keep the token that starts at the middle of the list
# (and check the walk covers every stream exactly once).
MID_TOKEN='' seen=0 token='' pages=0
while :; do
    url="$IS?limit=$PAGE"
    [[ -n $token ]] && url="$url&continue=$token"
    curl -sS -f -H "$ACCEPT_JSON" -o "$S/walk.json" "$url" || { problem "paged walk: GET $url failed"; break; }
    seen=$((seen + $(jq '.items | length' "$S/walk.json")))
    pages=$((pages + 1))
    token=$(jq -r '.metadata.continue // empty' "$S/walk.json")
    [[ -z $MID_TOKEN && -n $token && $seen -ge $((STREAMS / 2)) ]] && MID_TOKEN=$token
    [[ -n $token && $pages -lt 10000 ]] || break
done
[[ $seen == "$STREAMS" ]] || problem "paging with limit=$PAGE walked $seen items in $pages pages, expected $STREAMS"
note "paging: $pages pages of $PAGE cover $seen streams"

# kubectl itself, once: it asks for a Table with ?limit=500 and follows continue tokens.
KUBECTL_ROWS=n/a KUBECTL_S=n/a
if command -v kubectl >/dev/null 2>&1; then
    t0=$(date +%s.%N)
    if kubectl -s "http://$W" --cache-dir "$S/kubecache" get imagestreams -n bench --no-headers >"$S/kubectl.out" 2>"$S/kubectl.err"; then
        KUBECTL_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
        KUBECTL_ROWS=$(wc -l <"$S/kubectl.out")
        [[ $KUBECTL_ROWS == "$STREAMS" ]] || problem "kubectl get imagestreams printed $KUBECTL_ROWS rows, expected $STREAMS"
    else
        problem "kubectl get imagestreams failed: $(head -c 200 "$S/kubectl.err")"
    fi
    note "kubectl get imagestreams: $KUBECTL_ROWS rows in $KUBECTL_S s (incl. discovery)"
fi

# ---------------------------------------------------------------- measurement helpers
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); }

# run_wrk LABEL URL [wrk args...]: one wrk phase; sets RPS, P50, P99 (ms), flags non-2xx and socket errors.
run_wrk() {
    local label=$1 url=$2 out=$S/wrk.out n
    shift 2
    note "wrk   $label"
    if ! "${WRK[@]}" "$@" "$url" >"$out" 2>&1; then problem "$label: wrk failed"; fi
    { printf '\n### wrk %s\n$ %s %s %s\n' "$label" "${WRK[*]}" "$*" "$url"; cat "$out"; } >>"$RAW"
    RPS=$(wrk_field "$out" rps)
    P50=$(wrk_field "$out" p50)
    P99=$(wrk_field "$out" p99)
    : "${RPS:=n/a}" "${P50:=n/a}" "${P99:=n/a}"
    n=$(wrk_field "$out" non2xx)
    ((n == 0)) || problem "$label: wrk saw $n non-2xx/3xx responses"
    n=$(wrk_field "$out" errors)
    ((n == 0)) || problem "$label: wrk socket errors: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
    note "      $RPS req/s, p50 $P50 ms, p99 $P99 ms"
}
kib() { awk -v b="$1" 'BEGIN{ if (b == "" || b == "n/a") print "n/a"; else printf "%.1f KiB", b/1024 }'; }
# MiB/s of response body a request rate moves.
mibps() { awk -v r="$1" -v b="$2" 'BEGIN{ if (r == "n/a" || b == "") print "n/a"; else printf "%.0f MiB/s", r*b/1048576 }'; }

# ---------------------------------------------------------------- 1-4: wrk phases, 6: ceiling
log "request rates: ${WRK[*]}"
run_wrk "hello ceiling" "http://$H/" -H "$ACCEPT_JSON"
HELLO_RPS=$RPS HELLO_P50=$P50 HELLO_P99=$P99

run_wrk "GET imagestream s0001" "$IS/s0001" -H "$ACCEPT_JSON"
GET_RPS=$RPS
row "1 ImageStream GET by name: req/s" "$RPS" "$(div "$RPS" "$HELLO_RPS" 2)" "$(kib "$GET_SIZE") per response"
row "1 ImageStream GET by name: p50 / p99 ms" "$P50 / $P99" "" ""

run_wrk "LIST $STREAMS imagestreams (JSON List)" "$IS" -H "$ACCEPT_JSON"
row "2 LIST all $STREAMS (ImageStreamList): req/s" "$RPS" "$(div "$RPS" "$HELLO_RPS" 3)" "$(kib "$LIST_SIZE") per response, $(mibps "$RPS" "$LIST_SIZE")"
row "2 LIST all $STREAMS (ImageStreamList): p50 / p99 ms" "$P50 / $P99" "" ""

run_wrk "LIST $STREAMS imagestreams as Table (kubectl Accept)" "$IS" -H "$ACCEPT_TABLE"
row "3 LIST all $STREAMS as Table (kubectl's Accept): req/s" "$RPS" "$(div "$RPS" "$HELLO_RPS" 3)" "$(kib "$TABLE_SIZE") per response, $(mibps "$RPS" "$TABLE_SIZE")"
row "3 LIST all $STREAMS as Table: p50 / p99 ms" "$P50 / $P99" "" ""

run_wrk "LIST ?limit=$PAGE (first page)" "$IS?limit=$PAGE" -H "$ACCEPT_JSON"
row "4 LIST ?limit=$PAGE, first page: req/s" "$RPS" "$(div "$RPS" "$HELLO_RPS" 3)" "$(kib "$PAGE_SIZE") per response"
row "4 LIST ?limit=$PAGE, first page: p50 / p99 ms" "$P50 / $P99" "" ""
if [[ -n $MID_TOKEN ]]; then
    run_wrk "LIST ?limit=$PAGE&continue=<middle>" "$IS?limit=$PAGE&continue=$MID_TOKEN" -H "$ACCEPT_JSON"
    row "4 LIST ?limit=$PAGE&continue=(middle of the list): req/s; p99 ms" "$RPS; $P99" "$(div "$RPS" "$HELLO_RPS" 3)" ""
fi
# Resident memory after the load phases, before any watcher connects (allocator high-water marks
# from the big LIST responses show up here, not in the watch figure).
RSS_LOADED=$(mib "$(rss_kib "$WHARF_PID")")
note "RSS after the wrk phases: $RSS_LOADED MiB"

# ---------------------------------------------------------------- 5: watch fan-out
log "watch fan-out: $WATCHERS watchers from resourceVersion $LIST_RV, $WRITES sequential merge-patches"
# The list's resourceVersion moves only with writes; none were made since the sanity LIST.
rv_now=$(curl -sS -H "$ACCEPT_JSON" "$IS?limit=1" | jq -r .metadata.resourceVersion)
[[ $rv_now == "$LIST_RV" ]] || note "list resourceVersion moved from $LIST_RV to $rv_now; watching from $rv_now"
if python3 "$here/watch_fanout.py" "$W" --namespace bench --watchers "$WATCHERS" --writes "$WRITES" \
    --streams "$STREAMS" --rv "$rv_now" --pid "$WHARF_PID" --json "$S/watch.json" >"$S/watch.out" 2>&1; then
    { printf '\n### watch_fanout.py\n'; cat "$S/watch.out"; } >>"$RAW"
    wj() { jq -r "$1 // \"n/a\"" "$S/watch.json"; }
    DELIVERED=$(wj .delivered_events) EXPECTED=$(wj .expected_events)
    while IFS= read -r p; do if [[ -n $p ]]; then problem "watch: $p"; fi; done < <(jq -r '.problems[]' "$S/watch.json")
    mark=""
    [[ $DELIVERED == "$EXPECTED" ]] || mark=" **MISSING $((EXPECTED - DELIVERED))**"
    row "5 watch fan-out: MODIFIED events delivered / expected" "$DELIVERED / $EXPECTED$mark" "" "$WATCHERS watchers × $WRITES writes; $(wj .events_total_after_warmup) event lines in all, $(wj .duplicates) duplicates"
    row "5 watch fan-out, PATCH sent → all $WATCHERS watchers have it: p50 / p99 / max ms" \
        "$(wj .fanout_ms.p50) / $(wj .fanout_ms.p99) / $(wj .fanout_ms.max)" "" "over $(wj .fanout_ms.n) writes that reached every watcher"
    row "5 watch, PATCH sent → first watcher has it: p50 / p99 ms" "$(wj .first_ms.p50) / $(wj .first_ms.p99)" "" ""
    row "5 PATCH (merge-patch, one label) round trip under $WATCHERS watchers: p50 / p99 / max ms" \
        "$(wj .patch_ms.p50) / $(wj .patch_ms.p99) / $(wj .patch_ms.max)" "" "sequential, one keep-alive connection"
    RSS_WATCH=$(mib "$(wj .rss_kib_watching)") RSS_END=$(mib "$(wj .rss_kib_end)")
    note "delivered $DELIVERED / $EXPECTED; fan-out p50 $(wj .fanout_ms.p50) ms, p99 $(wj .fanout_ms.p99) ms, max $(wj .fanout_ms.max) ms"
else
    { printf '\n### watch_fanout.py (failed)\n'; cat "$S/watch.out"; } >>"$RAW"
    problem "watch_fanout.py failed: $(tail -3 "$S/watch.out" | tr '\n' ' ')"
    row "5 watch fan-out" "failed" "" "see the raw log"
    RSS_WATCH=n/a RSS_END=$(mib "$(rss_kib "$WHARF_PID")")
fi

row "6 hello ceiling (bare hyper): req/s; p50 / p99 ms" "$HELLO_RPS; $HELLO_P50 / $HELLO_P99" "1.00" "same wrk command"
row "RSS, MiB: start / after $STREAMS creates / after the wrk phases / $WATCHERS watchers connected / end of watch test" \
    "$RSS_START / $RSS_SEEDED / $RSS_LOADED / $RSS_WATCH / $RSS_END" "" "VmRSS of the wharf process"
row "create $STREAMS streams, xargs -P 8 curl (one process each): s; creates/s" "$CREATE_S; $CREATE_RATE" "" "curl start-up dominates; for scale only"
[[ $KUBECTL_S == n/a ]] || row "kubectl get imagestreams (one try, fresh discovery cache): s" "$KUBECTL_S" "" "$KUBECTL_ROWS rows; kubectl pages with ?limit=500"

# ---------------------------------------------------------------- report
kill -0 "$WHARF_PID" 2>/dev/null || problem "wharf exited during the run"
# Errors Wharf logged during the run (it logs at warn): worth a look even when every status was right.
if grep -Eqi 'error|panic' "$S/wharf.log"; then
    problem "wharf.log has $(grep -Eci 'error|panic' "$S/wharf.log") error/panic lines, e.g.: $(grep -Ei 'error|panic' "$S/wharf.log" | head -1 | cut -c1-200)"
fi
n=$(grep -Eci 'warn' "$S/wharf.log" || true)
((n == 0)) || problem "wharf.log has $n warning lines, e.g.: $(grep -Ei 'warn' "$S/wharf.log" | head -1 | cut -c1-200)"

mode=full
((QUICK)) && mode=quick
rev=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_root" diff --quiet HEAD -- crates 2>/dev/null || rev="$rev (crates/ has uncommitted changes)"
report=$(
    cat <<EOF
# Wharf Kubernetes-style API — bench/api.sh ($mode)

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); Wharf commit $rev
- Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- $STREAMS ImageStreams in namespace bench; wrk phases ${DUR} s (\`${WRK[*]}\`, $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)); $WATCHERS watchers × $WRITES writes
- No peer API server here: "÷ hello" is the figure over the bare hyper hello server's req/s with the same wrk command.
- Noise: 2 shared cores; wrk (or the Python watch client) and the server compete for them, and other
  work on the machine moves figures by tens of percent. Compare only figures from the same run.

| Measurement | Wharf | ÷ hello | Notes |
|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

ImageStream GET by name runs at $(div "$GET_RPS" "$HELLO_RPS" 2) of the bare hyper ceiling ($HELLO_RPS req/s).

## Problems seen
$(if ((${#PROBLEMS[@]})); then printf -- '- %s\n' "${PROBLEMS[@]}"; else echo "- none (every create 201, no wrk non-2xx/socket errors, every watch event delivered once, nothing logged)"; fi)
EOF
)
mkdir -p "$here/results"
printf '%s\n' "$report" >"$here/results/api-latest.md"
cp "$RAW" "$here/results/api-latest-raw.log"
printf '\n%s\n\n(written to bench/results/api-latest.md; raw tool output in bench/results/api-latest-raw.log)\n' "$report"
