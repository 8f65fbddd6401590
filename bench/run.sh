#!/usr/bin/env bash
# Wharf vs CNCF Distribution (docker-registry 2.8), by hand, on this machine. Never run in CI.
#
#   bench/run.sh            full run (10 s load phases, 100 MiB blobs, 1 GiB RSS push), ~5 min
#   bench/run.sh --quick    smoke run (3 s load phases, 10 MiB blobs, 100 MiB RSS push), ~1 min
#   bench/run.sh --help     all options
#
# Both registries and a bare hyper "hello" server (the request-rate ceiling) run side by side on
# free loopback ports; both registries are seeded identically; each figure is taken for Wharf and
# Distribution back to back. The table goes to stdout and bench/results/latest.md, the raw tool
# output to bench/results/latest-raw.log. See bench/README.md for what each figure means.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() {
    cat <<'EOF'
usage: bench/run.sh [options]
  --quick        short smoke run: 3 s load phases, 10 MiB blobs, 100 MiB RSS push, 3 hyperfine runs
  --duration S   seconds per wrk/ab phase (default 10; quick 3)
  --blob-mib N   size of the pushed/pulled blobs and of the skopeo layer (default 100; quick 10)
  --rss-mib N    size of the blob pushed while RSS is sampled (default 1024; quick 100)
  --runs N       hyperfine runs per push/pull figure (default 10; quick 3)
  --tags N       tags in the big tags/list repository (default 10000)
  --no-build     use the binaries already in target/release
  --no-push      skip the push, pull and skopeo figures (d, e, f)
  --no-rss       skip the RSS figure (g)
  --keep         keep the scratch directory (data, logs, raw output) under /tmp
  -h, --help     this text
EOF
}

# ---------------------------------------------------------------- options
QUICK=0 BUILD=1 DO_PUSH=1 DO_RSS=1 KEEP=0
DUR='' BLOB_MIB='' RSS_MIB='' RUNS='' TAGS=10000
while (($#)); do
    case $1 in
    --quick) QUICK=1 ;;
    --duration) DUR=$2 && shift ;;
    --blob-mib) BLOB_MIB=$2 && shift ;;
    --rss-mib) RSS_MIB=$2 && shift ;;
    --runs) RUNS=$2 && shift ;;
    --tags) TAGS=$2 && shift ;;
    --no-build) BUILD=0 ;;
    --no-push) DO_PUSH=0 ;;
    --no-rss) DO_RSS=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
done
if ((QUICK)); then
    : "${DUR:=3}" "${BLOB_MIB:=10}" "${RSS_MIB:=100}" "${RUNS:=3}"
else
    : "${DUR:=10}" "${BLOB_MIB:=100}" "${RSS_MIB:=1024}" "${RUNS:=10}"
fi
CHUNK_MIB=$(((BLOB_MIB + 9) / 10)) # the chunked push sends the blob in 10 PATCHes
WRK=(wrk -t2 -c32 "-d${DUR}s" --latency)

# ---------------------------------------------------------------- tools
log "tools"
need curl curl
need jq jq
need python3 python3
need wrk wrk
need ab apache2-utils
need hyperfine hyperfine
need docker-registry docker-registry
need skopeo skopeo
need umoci umoci

build_binaries

# ---------------------------------------------------------------- scratch, servers, cleanup
scratch_setup wharf-bench

log "starting servers (scratch: $S)"
# Wharf picks its own port (port 0) and says which on stderr.
start_bench_wharf

# Distribution: filesystem driver, delete enabled, warn logging, no access log.
mkdir -p "$S/dist/data"
D=127.0.0.1:$(free_port)
cat >"$S/dist/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $S/dist/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $D
  headers:
    X-Content-Type-Options: [nosniff]
EOF
# Started from the scratch dir, backgrounded on its own (not inside an && list) so that $! is
# the registry's PID and not a subshell's.
cd "$S"
docker-registry serve "$S/dist/config.yml" >"$S/dist.log" 2>&1 &
DIST_PID=$!
PIDS+=("$DIST_PID")
cd "$repo_root"

"$HELLO_BIN" 127.0.0.1:0 >"$S/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_for_line "$S/hello.log" 'listening on 127\.0\.0\.1:[0-9]+' "$HELLO_PID"
H=$(sed -nE 's/.*listening on (127\.0\.0\.1:[0-9]+).*/\1/p' "$S/hello.log" | head -1)

wait_http "http://$W/v2/" "$WHARF_PID"
wait_http "http://$D/v2/" "$DIST_PID"
# Resident memory with nothing stored yet (for the RSS figure).
W_RSS0=$(awk -v k="$(rss_kib "$WHARF_PID")" 'BEGIN{printf "%.1f", k/1024}')
D_RSS0=$(awk -v k="$(rss_kib "$DIST_PID")" 'BEGIN{printf "%.1f", k/1024}')
note "wharf        http://$W  (pid $WHARF_PID)"
note "distribution http://$D  (pid $DIST_PID)"
note "hello        http://$H  (pid $HELLO_PID)"

# ---------------------------------------------------------------- images (offline, umoci)
log "building OCI layouts with umoci"
# small: one layer holding a short text file (its manifest is what the request-rate tests GET).
umoci init --layout "$S/oci/small"
umoci new --image "$S/oci/small:v1"
mkdir -p "$S/src-small" && echo hello >"$S/src-small/hello.txt"
umoci insert --image "$S/oci/small:v1" "$S/src-small" /etc >/dev/null
umoci config --image "$S/oci/small:v1" --os linux --architecture amd64 >/dev/null
# big: one layer holding BLOB_MIB random bytes (gzip cannot shrink it), for skopeo copy.
if ((DO_PUSH)); then
    umoci init --layout "$S/oci/big"
    umoci new --image "$S/oci/big:v1"
    mkdir -p "$S/src-big" && head -c "$((BLOB_MIB * 1048576))" /dev/urandom >"$S/src-big/random.bin"
    umoci insert --image "$S/oci/big:v1" "$S/src-big" /data >/dev/null
    umoci config --image "$S/oci/big:v1" --os linux --architecture amd64 >/dev/null
    rm -rf "$S/src-big"
fi

# ---------------------------------------------------------------- seeding (same for both)
# bench/small:v1          the small image (skopeo push)
# bench/many/tags10k:tNNNNN  the same manifest under TAGS tag names (curl PUTs, 16 in flight);
#                           three path components, so it is registry-only (no ImageStream)
# bench/blob              one BLOB_MIB random blob for the pull test
rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
seed() {
    local name=$1 reg=$2 mode=$3 t0 mt cfg n
    log "seeding $name"
    skopeo copy -q --dest-tls-verify=false "oci:$S/oci/small:v1" "docker://$reg/bench/small:v1"
    skopeo copy -q --dest-tls-verify=false "oci:$S/oci/small:v1" "docker://$reg/bench/many/tags10k:t00000"
    # The manifest as stored, and its type from Content-Type (umoci's manifests have no mediaType field).
    mt=$(curl -sSf -D - -H "$ACCEPT_MANIFESTS" -o "$S/manifest-$name.json" "http://$reg/v2/bench/small/manifests/v1" |
        awk 'tolower($1)=="content-type:" {print $2}' | tr -d '\r')
    # One curl process, keep-alive, 16 PUTs in flight: a config file with one url/upload-file/output
    # triple per tag. -w prints one status code per request so failures are counted, not hidden.
    cfg=$S/tags-$name.curl
    for ((n = 1; n < TAGS; n++)); do
        printf 'url = "http://%s/v2/bench/many/tags10k/manifests/t%05d"\nupload-file = "%s"\noutput = "/dev/null"\n' \
            "$reg" "$n" "$S/manifest-$name.json"
    done >"$cfg"
    t0=$(date +%s.%N)
    curl -sS -Z --parallel-max 16 -X PUT -H "Content-Type: $mt" -H 'Expect:' -w '%{http_code}\n' -K "$cfg" \
        >"$S/tags-$name.codes" 2>>"$RAW" || true
    note "$((TAGS - 1)) manifest PUTs in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
    n=$(grep -cx 201 "$S/tags-$name.codes" || true)
    if ((n != TAGS - 1)); then
        problem "$name: only $n of $((TAGS - 1)) tag PUTs answered 201 ($(sort "$S/tags-$name.codes" | uniq -c | tr -s ' \n' ' '))"
    fi
    n=$(curl -sSf "http://$reg/v2/bench/many/tags10k/tags/list" | jq '.tags | length')
    [[ $n == "$TAGS" ]] || problem "$name: tags/list on bench/many/tags10k lists $n tags, expected $TAGS"
    if ((DO_PUSH)); then
        "$here/push-mono.sh" "$mode" "$reg" bench/blob "$S/getblob"
    fi
}
((DO_PUSH)) && "$here/prep-blob.sh" "$S/getblob" "$BLOB_MIB" 0
seed wharf "$W" single
seed distribution "$D" postput

# The digest of the small manifest, per registry (the same bytes were pushed, so it must match).
digest_of() {
    curl -sSf -I -H "$ACCEPT_MANIFESTS" "http://$1/v2/bench/small/manifests/v1" |
        awk 'tolower($1)=="docker-content-digest:" {print $2}' | tr -d '\r'
}
WD=$(digest_of "$W")
DD=$(digest_of "$D")
[[ -n $WD && $WD == "$DD" ]] || problem "manifest digest differs: wharf '$WD' vs distribution '$DD'"

# Sanity: every URL the load tests hit answers 200 once, before thousands of times.
check200() {
    local label=$1 code
    shift
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@")
    [[ $code == 200 ]] || problem "$label answered HTTP $code before the load test"
}
for r in "$W" "$D"; do
    check200 "GET $r manifest by tag" -H "$ACCEPT_MANIFESTS" "http://$r/v2/bench/small/manifests/v1"
    check200 "GET $r manifest by digest" -H "$ACCEPT_MANIFESTS" "http://$r/v2/bench/small/manifests/$WD"
    check200 "HEAD $r manifest by tag" -I -H "$ACCEPT_MANIFESTS" "http://$r/v2/bench/small/manifests/v1"
    check200 "GET $r tags/list" "http://$r/v2/bench/many/tags10k/tags/list"
done
if ((DO_PUSH)); then
    GET_DIGEST=$(cat "$S/getblob/fresh.digest")
    for r in "$W" "$D"; do
        got=sha256:$(curl -sSf "http://$r/v2/bench/blob/blobs/$GET_DIGEST" | sha256sum | cut -d' ' -f1)
        [[ $got == "$GET_DIGEST" ]] || problem "GET blob from $r returned other bytes ($got)"
    done
fi

# ---------------------------------------------------------------- measurement helpers
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }
# ok_mark VALUE OP TARGET: "met" / "**missed**" / "n/a" for the target column.
ok_mark() { if cmp "$1" "$2" "$3"; then echo "met"; elif [[ $1 == n/a ]]; then echo "n/a"; else echo "**missed**"; fi; }

# run_wrk LABEL URL [wrk args...]: one wrk phase; sets RPS and P99 (ms), flags non-2xx and socket errors.
run_wrk() {
    local label=$1 url=$2 out=$S/wrk.out n
    shift 2
    note "wrk   $label"
    if ! "${WRK[@]}" "$@" "$url" >"$out" 2>&1; then problem "$label: wrk failed"; fi
    { printf '\n### wrk %s\n$ %s %s %s\n' "$label" "${WRK[*]}" "$*" "$url"; cat "$out"; } >>"$RAW"
    RPS=$(wrk_field "$out" rps)
    P99=$(wrk_field "$out" p99)
    : "${RPS:=n/a}" "${P99:=n/a}"
    n=$(wrk_field "$out" non2xx)
    ((n == 0)) || problem "$label: wrk saw $n non-2xx/3xx responses"
    n=$(wrk_field "$out" errors)
    ((n == 0)) || problem "$label: wrk socket errors: $(grep 'Socket errors' "$out" | sed 's/^ *//')"
    note "      $RPS req/s, p99 $P99 ms"
}

# run_ab LABEL URL: HEAD load with ab -i (wrk cannot do HEAD); sets RPS, flags failures.
run_ab() {
    local label=$1 url=$2 out=$S/ab.out n
    note "ab    $label"
    if ! ab -i -k -c32 -t "$DUR" -n 1000000 -H "$ACCEPT_MANIFESTS" "$url" >"$out" 2>&1; then
        problem "$label: ab failed: $(tail -1 "$out")"
    fi
    { printf '\n### ab %s\n$ ab -i -k -c32 -t %s -n 1000000 -H <Accept> %s\n' "$label" "$DUR" "$url"; cat "$out"; } >>"$RAW"
    RPS=$(ab_field "$out" rps)
    P99=$(ab_field "$out" p99)
    : "${RPS:=n/a}" "${P99:=n/a}"
    n=$(ab_field "$out" failed)
    ((n == 0)) || problem "$label: ab Failed requests: $n ($(grep -A1 '^Failed requests' "$out" | tail -1 | sed 's/^ *//'))"
    n=$(ab_field "$out" non2xx)
    ((n == 0)) || problem "$label: ab Non-2xx responses: $n"
    note "      $RPS req/s, p99 $P99 ms"
}

# run_hf LABEL RUNS WARMUP PREPARE COMMAND: hyperfine (no shell); sets MEAN/SD (s) or n/a on failure.
run_hf() {
    local label=$1 runs=$2 warm=$3 prep=$4 cmd=$5 json=$S/hf.json args=()
    note "hyperfine $label"
    [[ -n $prep ]] && args+=(--prepare "$prep")
    rm -f "$json"
    if hyperfine -N --style basic --runs "$runs" --warmup "$warm" "${args[@]}" \
        --export-json "$json" -n "$label" "$cmd" >"$S/hf.out" 2>&1; then
        MEAN=$(hf_field "$json" mean)
        SD=$(hf_field "$json" stddev)
        note "      $(ms "$MEAN") ± $(ms "$SD") ms"
    else
        MEAN=n/a SD=n/a
        problem "$label: hyperfine failed: $(grep -v '^\s*$' "$S/hf.out" | tail -3 | tr '\n' ' ')"
    fi
    { printf '\n### hyperfine %s\n$ %s\n' "$label" "$cmd"; cat "$S/hf.out"; } >>"$RAW"
}

# ---------------------------------------------------------------- (a) manifest GET, (h) ceiling
# wrk -t2 -c32 with the Accept header: requests per second and the 99th percentile latency.
log "(a) manifest GET, (h) hello ceiling: wrk -t2 -c32 -d${DUR}s"
for ref in v1 "$WD"; do
    kind=tag
    [[ $ref == v1 ]] || kind=digest
    run_wrk "wharf GET manifest by $kind" "http://$W/v2/bench/small/manifests/$ref" -H "$ACCEPT_MANIFESTS"
    w_rps=$RPS w_p99=$P99
    run_wrk "distribution GET manifest by $kind" "http://$D/v2/bench/small/manifests/$ref" -H "$ACCEPT_MANIFESTS"
    d_rps=$RPS d_p99=$P99
    x=$(div "$w_rps" "$d_rps" 1)
    [[ $kind == tag ]] && W_TAG_RPS=$w_rps
    row "(a) manifest GET by $kind, req/s" "$w_rps" "$d_rps" "${x}×" "≥ 10×: $(ok_mark "$x" '>=' 10)"
    row "(a) manifest GET by $kind, p99 ms" "$w_p99" "$d_p99" "$(div "$w_p99" "$d_p99" 2)×" ""
done
run_wrk "hello ceiling" "http://$H/" -H "$ACCEPT_MANIFESTS"
HELLO_RPS=$RPS HELLO_P99=$P99

# ---------------------------------------------------------------- (b) manifest HEAD
log "(b) manifest HEAD: ab -i -k -c32 -t$DUR"
run_ab "wharf HEAD manifest by tag" "http://$W/v2/bench/small/manifests/v1"
w_rps=$RPS w_p99=$P99
run_ab "distribution HEAD manifest by tag" "http://$D/v2/bench/small/manifests/v1"
d_rps=$RPS d_p99=$P99
row "(b) manifest HEAD by tag, req/s" "$w_rps" "$d_rps" "$(div "$w_rps" "$d_rps" 1)×" ""
row "(b) manifest HEAD by tag, p99 ms (ab: whole ms)" "$w_p99" "$d_p99" "$(div "$w_p99" "$d_p99" 2)×" ""

# ---------------------------------------------------------------- (c) tags/list
# Both answer the whole list (TAGS names) here: Distribution ignores n/last, so no paging is asked.
log "(c) tags/list on the $TAGS-tag repository: wrk"
run_wrk "wharf tags/list ($TAGS tags)" "http://$W/v2/bench/many/tags10k/tags/list"
w_rps=$RPS w_p99=$P99
run_wrk "distribution tags/list ($TAGS tags)" "http://$D/v2/bench/many/tags10k/tags/list"
d_rps=$RPS d_p99=$P99
row "(c) tags/list, all $TAGS tags, req/s" "$w_rps" "$d_rps" "$(div "$w_rps" "$d_rps" 1)×" ""
row "(c) tags/list, all $TAGS tags, p99 ms" "$w_p99" "$d_p99" "$(div "$w_p99" "$d_p99" 2)×" ""
# Wharf only: one page of 100 (what a paging client asks for); Distribution would ignore n.
run_wrk "wharf tags/list?n=100&last=t05000" "http://$W/v2/bench/many/tags10k/tags/list?n=100&last=t05000"
row "(c) tags/list?n=100&last=t05000 (Wharf only), req/s" "$RPS" "–" "" ""

# ---------------------------------------------------------------- (d) push, (e) pull, (f) skopeo
if ((DO_PUSH)); then
    PREP="$here/prep-blob.sh $S/push $BLOB_MIB $CHUNK_MIB"
    log "(d) ${BLOB_MIB} MiB blob push: hyperfine, fresh random blob per run (--prepare)"
    # Monolithic: Wharf takes the whole blob in one POST ?digest=; Distribution needs POST, then
    # PUT ?digest= with the body. Both stream the body from a file with curl.
    run_hf "wharf push monolithic (POST ?digest=)" "$RUNS" 1 "$PREP" "$here/push-mono.sh single $W bench/mono $S/push"
    w_mean=$MEAN w_sd=$SD
    run_hf "distribution push monolithic (POST, PUT ?digest=)" "$RUNS" 1 "$PREP" "$here/push-mono.sh postput $D bench/mono $S/push"
    d_mean=$MEAN d_sd=$SD
    x=$(div "$w_mean" "$d_mean" 2)
    row "(d) push ${BLOB_MIB} MiB monolithic, mean ms" "$(ms "$w_mean") ± $(ms "$w_sd")" "$(ms "$d_mean") ± $(ms "$d_sd")" "${x}×" "≤ 0.6×: $(ok_mark "$x" '<=' 0.6)"
    # Chunked: POST, 10 PATCHes with Content-Range, PUT ?digest= (the same on both).
    run_hf "wharf push chunked (POST, 10×PATCH, PUT)" "$RUNS" 1 "$PREP" "$here/push-chunked.py $W bench/chunked $S/push"
    w_mean=$MEAN w_sd=$SD
    run_hf "distribution push chunked (POST, 10×PATCH, PUT)" "$RUNS" 1 "$PREP" "$here/push-chunked.py $D bench/chunked $S/push"
    d_mean=$MEAN d_sd=$SD
    x=$(div "$w_mean" "$d_mean" 2)
    row "(d) push ${BLOB_MIB} MiB chunked (${CHUNK_MIB} MiB PATCHes), mean ms" "$(ms "$w_mean") ± $(ms "$w_sd")" "$(ms "$d_mean") ± $(ms "$d_sd")" "${x}×" "≤ 0.6×: $(ok_mark "$x" '<=' 0.6)"

    log "(e) ${BLOB_MIB} MiB blob GET: hyperfine curl -o /dev/null"
    bytes=$((BLOB_MIB * 1048576))
    run_hf "wharf GET blob" "$RUNS" 2 "" "curl -sSf -o /dev/null http://$W/v2/bench/blob/blobs/$GET_DIGEST"
    w_mean=$MEAN w_sd=$SD w_gbs=$(div "$bytes" "$(awk -v m="$MEAN" 'BEGIN{ if (m=="n/a") print "n/a"; else print m*1e9 }')" 2)
    run_hf "distribution GET blob" "$RUNS" 2 "" "curl -sSf -o /dev/null http://$D/v2/bench/blob/blobs/$GET_DIGEST"
    d_mean=$MEAN d_sd=$SD d_gbs=$(div "$bytes" "$(awk -v m="$MEAN" 'BEGIN{ if (m=="n/a") print "n/a"; else print m*1e9 }')" 2)
    # What one curl start and a trivial request cost (against the hello server): the client's
    # share of every hyperfine figure in (d) and (e).
    run_hf "curl start + GET hello" "$RUNS" 2 "" "curl -sSf -o /dev/null http://$H/"
    c_mean=$MEAN
    net_gbs() { awk -v b="$bytes" -v m="$1" -v c="$c_mean" 'BEGIN{ if (m=="n/a" || c=="n/a" || m<=c) print "n/a"; else printf "%.2f", b/(m-c)/1e9 }'; }
    row "(e) GET ${BLOB_MIB} MiB blob, mean ms" "$(ms "$w_mean") ± $(ms "$w_sd")" "$(ms "$d_mean") ± $(ms "$d_sd")" "$(div "$w_mean" "$d_mean" 2)×" ""
    row "(e) GET ${BLOB_MIB} MiB blob, GB/s" "$w_gbs" "$d_gbs" "$(div "$w_gbs" "$d_gbs" 2)×" "Wharf ≥ 1.5 GB/s: $(ok_mark "$w_gbs" '>=' 1.5)"
    row "(e) GET ${BLOB_MIB} MiB blob, GB/s net of curl start ($(ms "$c_mean") ms)" "$(net_gbs "$w_mean")" "$(net_gbs "$d_mean")" "" "(for reading only)"

    log "(f) skopeo copy of a ${BLOB_MIB} MiB image to a new repository: hyperfine"
    CACHE_RM='rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb'
    run_hf "wharf skopeo copy" "$RUNS" 1 "$CACHE_RM" "$here/skopeo-push.sh $W $S/oci/big:v1"
    w_mean=$MEAN w_sd=$SD
    run_hf "distribution skopeo copy" "$RUNS" 1 "$CACHE_RM" "$here/skopeo-push.sh $D $S/oci/big:v1"
    d_mean=$MEAN d_sd=$SD
    row "(f) skopeo copy ${BLOB_MIB} MiB image, mean ms" "$(ms "$w_mean") ± $(ms "$w_sd")" "$(ms "$d_mean") ± $(ms "$d_sd")" "$(div "$w_mean" "$d_mean" 2)×" ""
    rm -rf "$S/push"
fi

# ---------------------------------------------------------------- (g) RSS during a big push
if ((DO_RSS)); then
    log "(g) server RSS while a ${RSS_MIB} MiB blob is pushed (VmRSS sampled every 100 ms)"
    "$here/prep-blob.sh" "$S/rss" "$RSS_MIB" 0
    # measure_rss NAME PID PUSH-ARGS...: sets RSS_BASE/RSS_MAX (MiB) and PUSH_S (seconds).
    measure_rss() {
        local name=$1 pid=$2 flag=$S/rss.flag samples=$S/rss-$1.samples sampler t0
        shift 2
        RSS_BASE=$(awk -v k="$(rss_kib "$pid")" 'BEGIN{printf "%.1f", k/1024}')
        touch "$flag"
        (while [[ -e $flag ]]; do rss_kib "$pid"; sleep 0.1; done) >"$samples" &
        sampler=$!
        t0=$(date +%s.%N)
        "$@" || problem "$name: ${RSS_MIB} MiB push failed"
        PUSH_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
        rm -f "$flag"
        wait "$sampler" || true
        rss_kib "$pid" >>"$samples"
        RSS_MAX=$(sort -n "$samples" | tail -1 | awk '{printf "%.1f", $1/1024}')
        note "      $name: RSS $RSS_BASE MiB before, max $RSS_MAX MiB during; push took $PUSH_S s ($(wc -l <"$samples") samples)"
        printf '\n### RSS %s: before %s MiB, max %s MiB, push %s s\n' "$name" "$RSS_BASE" "$RSS_MAX" "$PUSH_S" >>"$RAW"
    }
    measure_rss wharf "$WHARF_PID" "$here/push-mono.sh" single "$W" bench/rss "$S/rss"
    w_base=$RSS_BASE w_max=$RSS_MAX w_s=$PUSH_S
    measure_rss distribution "$DIST_PID" "$here/push-mono.sh" postput "$D" bench/rss "$S/rss"
    d_base=$RSS_BASE d_max=$RSS_MAX d_s=$PUSH_S
    row "(g) max RSS during ${RSS_MIB} MiB push, MiB (before)" "$w_max ($w_base)" "$d_max ($d_base)" "$(div "$w_max" "$d_max" 2)×" "Wharf < 100 MiB: $(ok_mark "$w_max" '<' 100)"
    row "(g) RSS just after start, MiB (for scale)" "$W_RSS0" "$D_RSS0" "" ""
    row "(g) ${RSS_MIB} MiB monolithic push (one try), s" "$w_s" "$d_s" "$(div "$w_s" "$d_s" 2)×" ""
    rm -rf "$S/rss"
fi

row "(h) hello ceiling (bare hyper), req/s; p99 ms" "$HELLO_RPS; $HELLO_P99" "–" "" ""
# Wharf's manifest GET as a share of the ceiling is in the notes below the table.

# ---------------------------------------------------------------- report
# Errors Wharf logged during the run (it logs at warn): worth a look even when every status was right.
if grep -Eqi 'error|panic' "$S/wharf.log"; then
    problem "wharf.log has $(grep -Eci 'error|panic' "$S/wharf.log") error/panic lines, e.g.: $(grep -Ei 'error|panic' "$S/wharf.log" | head -1 | cut -c1-200)"
fi
# Distribution logs every 404 at level=error; "blob unknown"/"manifest unknown" are clients' existence
# checks (skopeo HEADs each blob before pushing it), not failures. "broken pipe" / "connection reset"
# lines come from wrk closing its connections mid-response when a phase ends.
dist_errors=$(grep -Ei 'panic|level=error' "$S/dist.log" |
    grep -Ev 'err.code="(blob|manifest) unknown"|broken pipe|connection reset by peer' || true)
if [[ -n $dist_errors ]]; then
    problem "dist.log has $(wc -l <<<"$dist_errors") error lines, e.g.: $(head -1 <<<"$dist_errors" | cut -c1-200)"
fi

mode=full
((QUICK)) && mode=quick
rev=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_root" diff --quiet HEAD -- crates 2>/dev/null || rev="$rev (crates/ has uncommitted changes)"
report=$(
    cat <<EOF
# Wharf vs Distribution — bench/run.sh ($mode)

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); Wharf commit $rev
- Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Peer: $(dpkg-query -W -f '${Package} ${Version}' docker-registry 2>/dev/null) (filesystem driver); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(hyperfine --version); $(skopeo --version)
- Load phases ${DUR} s (\`${WRK[*]}\`, \`ab -i -k -c32 -t$DUR\`); blobs ${BLOB_MIB} MiB; hyperfine runs $RUNS; RSS push ${RSS_MIB} MiB; $TAGS tags
- Ratio = Wharf ÷ Distribution: higher is better for req/s and GB/s, lower is better for ms, s and MiB.
- Noise: 2 shared cores; wrk/ab/curl and the server compete for them, and other work on the machine
  moves figures by tens of percent. Compare only figures from the same run.

| Measurement | Wharf | Distribution | Ratio | Target |
|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

Wharf's manifest GET by tag runs at $(div "$W_TAG_RPS" "$HELLO_RPS" 2) of the bare hyper ceiling ($HELLO_RPS req/s, same wrk command).

## Problems seen
$(if ((${#PROBLEMS[@]})); then printf -- '- %s\n' "${PROBLEMS[@]}"; else echo "- none (no non-2xx responses, socket errors, failed requests or failed pushes)"; fi)
EOF
)
mkdir -p "$here/results"
printf '%s\n' "$report" >"$here/results/latest.md"
cp "$RAW" "$here/results/latest-raw.log"
printf '\n%s\n\n(written to bench/results/latest.md; raw tool output in bench/results/latest-raw.log)\n' "$report"
