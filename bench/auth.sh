#!/usr/bin/env bash
# What authentication costs a registry pull (and an API GET), by hand, on this machine. Never run
# in CI.
#
#   bench/auth.sh            full run: 3 rounds of 10 s wrk phases (~5 min + build)
#   bench/auth.sh --quick    smoke run: 1 round of 3 s phases (~1 min)
#   bench/auth.sh --help     all options
#
# Two Wharf servers run side by side: A with --auth=none (the baseline: no credentials, no
# checks), B with --auth=on (the default). Both get the same small image as bench/app:v1; the
# same wrk command then GETs its manifest from A anonymously and from B with each kind of
# credentials a client sends, and GETs the image stream through the API from both. The table
# goes to stdout and bench/results/auth-latest.md, the raw tool output to
# bench/results/auth-latest-raw.log. See bench/README.md ("auth.sh") for what each figure means.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() {
    cat <<'EOF'
usage: bench/auth.sh [options]
  --quick         smoke run: 1 round of 3 s wrk phases
  --duration S    seconds per wrk phase (default 10; quick 3)
  --rounds N      runs of every phase, interleaved A/B; the table shows medians (default 3; quick 1)
  --no-build      use the binaries already in target/release
  --keep          keep the scratch directory (data, server logs, raw output) under /tmp
  -h, --help      this text
EOF
}

# ---------------------------------------------------------------- options
QUICK=0 BUILD=1 KEEP=0
DUR='' ROUNDS=''
while (($#)); do
    case $1 in
    --quick) QUICK=1 ;;
    --duration) DUR=$2 && shift ;;
    --rounds) ROUNDS=$2 && shift ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
done
if ((QUICK)); then
    : "${DUR:=3}" "${ROUNDS:=1}"
else
    : "${DUR:=10}" "${ROUNDS:=3}"
fi
((ROUNDS >= 1)) || die "--rounds must be at least 1"
WRK=(wrk -t2 -c32 "-d${DUR}s" --latency)
BURST=32 # as many as wrk's connections
# The issue's target: an authorized pull costs less than 15 % of the unauthenticated rate.
TARGET=0.85
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
ACCEPT_OCI="Accept: $OCI_MANIFEST"
ACCEPT_JSON='Accept: application/json'
REPO=bench/app
MANIFEST_PATH=/v2/$REPO/manifests/v1
IS_PATH=/apis/image.openshift.io/v1/namespaces/bench/imagestreams/app

# ---------------------------------------------------------------- tools
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "tools"
need curl curl
need jq jq
need python3 python3
need wrk wrk

build_binaries

# ---------------------------------------------------------------- scratch, servers, cleanup
scratch_setup wharf-authbench

log "starting servers (scratch: $S)"
# Both pick their own port (port 0) and say which on stderr.
WHARF_NAME=wharf-a start_bench_wharf --auth=none
A=$W A_PID=$WHARF_PID A_LOG=$WHARF_LOG
WHARF_NAME=wharf-b start_bench_wharf --auth=on
B=$W B_PID=$WHARF_PID B_LOG=$WHARF_LOG B_DATA=$WHARF_DATA
# /healthz answers without credentials on both.
wait_http "http://$A/healthz" "$A_PID"
wait_http "http://$B/healthz" "$B_PID"
note "A  http://$A  --auth=none  (pid $A_PID)"
note "B  http://$B  --auth=on    (pid $B_PID)"

# ---------------------------------------------------------------- credentials for B
log "credentials for B: kubeadmin's password, an API token (OAuth, as oc login), a registry token"
[[ -s $B_DATA/kubeadmin-password ]] || die "B wrote no $B_DATA/kubeadmin-password"
PW=$(cat "$B_DATA/kubeadmin-password")
basic() { printf 'Authorization: Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }

# The challenging client's login: a 302 whose Location fragment carries the token.
loc=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "$(basic kubeadmin "$PW")" \
    "http://$B/oauth/authorize?response_type=token&client_id=openshift-challenging-client")
[[ ${loc%% *} == 302 ]] || die "B: /oauth/authorize answered ${loc%% *}, expected 302"
API_TOKEN=$(printf '%s' "${loc#* }" | sed -nE 's/.*[#&]access_token=([^&]+).*/\1/p')
[[ $API_TOKEN == sha256~* ]] || die "B: no sha256~ access_token in the login redirect: ${loc#* }"
note "API token sha256~…${API_TOKEN: -4} (kubeadmin)"

# The same login as wharf's CLI (its own kubeconfig per server), then the project on both.
export KUBECONFIG=$S/kubeconfig-a
"$WHARF_BIN" login "http://$A" >/dev/null 2>>"$RAW" || die "wharf login on A failed (see $RAW)"
"$WHARF_BIN" new-project bench >/dev/null 2>>"$RAW" || die "wharf new-project bench on A failed (see $RAW)"
export KUBECONFIG=$S/kubeconfig-b
"$WHARF_BIN" login "http://$B" -u kubeadmin -p "$PW" >/dev/null 2>>"$RAW" || die "wharf login on B failed (see $RAW)"
"$WHARF_BIN" new-project bench >/dev/null 2>>"$RAW" || die "wharf new-project bench on B failed (see $RAW)"
unset KUBECONFIG
note "project bench made on A and B (wharf login, wharf new-project)"

# ---------------------------------------------------------------- the image
log "image: one layer (a tar.gz of a 1 KiB random file), OCI config, OCI manifest"
IMG=$S/img
mkdir -p "$IMG/root"
head -c 1024 /dev/urandom >"$IMG/root/data.bin"
tar -C "$IMG/root" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$IMG/layer.tar" data.bin
gzip -n -c "$IMG/layer.tar" >"$IMG/layer"
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$(sha "$IMG/layer.tar")" >"$IMG/config"
printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$OCI_MANIFEST" "$(sha "$IMG/config")" "$(size "$IMG/config")" "$(sha "$IMG/layer")" "$(size "$IMG/layer")" >"$IMG/manifest"
MANIFEST_DIGEST=sha256:$(sha "$IMG/manifest")
note "layer $(size "$IMG/layer") B, config $(size "$IMG/config") B, manifest $(size "$IMG/manifest") B ($MANIFEST_DIGEST)"

# push_image HOST:PORT [CURL ARGS...]: config and layer as one POST ?digest= each, then the
# manifest PUT as $REPO:v1; every answer must be 201.
push_image() {
    local reg=$1 f code
    shift
    for f in layer config; do
        code=$(send_file POST "http://$reg/v2/$REPO/blobs/uploads/?digest=sha256:$(sha "$IMG/$f")" "$IMG/$f" \
            -o "$S/push.out" -w '%{http_code}' "$@") || code=000
        [[ $code == 201 ]] || die "$reg: $f blob push answered $code: $(head -c 300 "$S/push.out")"
    done
    code=$(curl -sS -o "$S/push.out" -w '%{http_code}' -X PUT -H "Content-Type: $OCI_MANIFEST" \
        --data-binary @"$IMG/manifest" "$@" "http://$reg$MANIFEST_PATH") || code=000
    [[ $code == 201 ]] || die "$reg: manifest PUT answered $code: $(head -c 300 "$S/push.out")"
}
push_image "$A"
note "pushed $REPO:v1 to A (no credentials)"
push_image "$B" -H "$(basic kubeadmin "$API_TOKEN")"
note "pushed $REPO:v1 to B (Basic kubeadmin:<API token>)"

# The registry token podman/skopeo get: Basic user:<API token> to /openshift/token, pull scope.
curl -sS -o "$S/rt.json" -H "$(basic kubeadmin "$API_TOKEN")" \
    "http://$B/openshift/token?service=$B&scope=repository:$REPO:pull" || die "B: /openshift/token failed"
REG_TOKEN=$(jq -r '.token // empty' "$S/rt.json")
[[ $REG_TOKEN == wharf-rt.* ]] || die "B: /openshift/token gave no wharf-rt. token: $(head -c 300 "$S/rt.json")"
# Its payload (base64url JSON between the prefix and the signature): the scopes it grants.
granted=$(python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; print(" ".join(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["acc"]))' "$REG_TOKEN")
note "registry token for kubeadmin, expires in $(jq -r .expires_in "$S/rt.json") s, grants: $granted"
[[ $granted == "repository:$REPO:pull" ]] || problem "the registry token grants \"$granted\", expected repository:$REPO:pull alone"

# ---------------------------------------------------------------- sanity (once, before the load)
log "sanity checks"
# check LABEL WANT URL [CURL ARGS...]: one GET; flags a status other than WANT; sets CODE, HDRS.
check() {
    local label=$1 want=$2 url=$3
    shift 3
    CODE=$(curl -sS -D "$S/check.hdr" -o "$S/check.out" -w '%{http_code}' "$@" "$url") || CODE=000
    HDRS=$(tr -d '\r' <"$S/check.hdr")
    if [[ $CODE == "$want" ]]; then
        note "$label: $CODE"
    else
        problem "$label answered $CODE, expected $want: $(head -c 200 "$S/check.out")"
    fi
}
# digest_is LABEL: after a check that answered 200, the manifest's digest must be the pushed one.
digest_is() {
    local d
    [[ $CODE == 200 ]] || return 0
    d=$(printf '%s\n' "$HDRS" | awk 'tolower($1)=="docker-content-digest:" {print $2}')
    [[ $d == "$MANIFEST_DIGEST" ]] || problem "$1: Docker-Content-Digest is '$d', expected $MANIFEST_DIGEST"
}
# B must refuse a manifest GET without credentials (else we would not be measuring the auth path).
check "B manifest GET, no credentials" 401 "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI"
printf '%s\n' "$HDRS" | grep -qi '^www-authenticate: Bearer realm=' ||
    problem "B's 401 has no Bearer challenge: $(printf '%s\n' "$HDRS" | grep -i '^www-authenticate' || echo none)"
check "B manifest GET, a forged registry token" 401 "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" \
    -H "Authorization: Bearer wharf-rt.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check "B image stream GET, no credentials" 401 "http://$B$IS_PATH" -H "$ACCEPT_JSON"

# The credentials of the phases.
AUTH_BEARER_RT="Authorization: Bearer $REG_TOKEN"
AUTH_BASIC_TOKEN=$(basic bench-user "$API_TOKEN")
AUTH_BASIC_PW=$(basic kubeadmin "$PW")
AUTH_BEARER_API="Authorization: Bearer $API_TOKEN"
check "A manifest GET, no credentials" 200 "http://$A$MANIFEST_PATH" -H "$ACCEPT_OCI"
digest_is "A manifest GET"
check "B manifest GET, Bearer registry token" 200 "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" -H "$AUTH_BEARER_RT"
digest_is "B manifest GET (Bearer)"
check "B manifest GET, Basic bench-user:<API token>" 200 "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" -H "$AUTH_BASIC_TOKEN"
digest_is "B manifest GET (Basic token)"
check "B manifest GET, Basic kubeadmin:<password>" 200 "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" -H "$AUTH_BASIC_PW"
digest_is "B manifest GET (Basic password)"
PW_LAST=$(date +%s.%N) # when kubeadmin's password last reached B (its cached check is younger)
check "A image stream GET, no credentials" 200 "http://$A$IS_PATH" -H "$ACCEPT_JSON"
cp "$S/check.out" "$S/is-a.json"
check "B image stream GET, Bearer API token" 200 "http://$B$IS_PATH" -H "$ACCEPT_JSON" -H "$AUTH_BEARER_API"
cp "$S/check.out" "$S/is-b.json"
for x in a b; do
    tag=$(jq -r '[.status.tags[]? | select(.tag=="v1") | .items[0].image] | first // empty' "$S/is-$x.json")
    [[ $tag == "$MANIFEST_DIGEST" ]] || problem "image stream app on ${x^^} has v1 → '$tag', expected $MANIFEST_DIGEST"
done
IS_SIZE_B=$(size "$S/is-b.json")

# ---------------------------------------------------------------- measurement helpers
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $8 |"); }
now() { date +%s.%N; }

# cpu_ticks PID: the user+system CPU time PID has used, in clock ticks (CLK_TCK a second).
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_s() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t / hz}'; }
# settle PID: waits until PID used less than 20 ms of CPU in half a second (at most 60 s), so
# work a phase left behind (e.g. password checks whose clients are gone) does not land in the
# next phase; sets SETTLE_S, the seconds it stayed busy.
settle() {
    local pid=$1 t0 a b i
    t0=$(now)
    for ((i = 0; i < 120; i++)); do
        a=$(cpu_ticks "$pid")
        sleep 0.5
        b=$(cpu_ticks "$pid")
        ((b - a > CLK_TCK / 50)) || break
    done
    ((i < 120)) || problem "wharf (pid $pid) still busy 60 s after a phase"
    SETTLE_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{s = b - a - 0.5; printf "%.1f", (s < 0 ? 0 : s)}')
}
# expire_passwords: waits until B's cached check of kubeadmin's password (10 s, CACHE_TTL in
# crates/wharf-apiserver/src/auth/mod.rs) has expired.
expire_passwords() {
    local left
    left=$(awk -v last="$PW_LAST" -v t="$(now)" 'BEGIN{l = last + 10.5 - t; printf "%.1f", (l > 0 ? l : 0)}')
    note "waiting ${left} s for B's cached password check to expire"
    sleep "$left"
}

# run_wrk LABEL PID URL [wrk args...]: one wrk phase against the server PID, after it settled;
# sets RPS, P50, P99 (ms), TIMEOUTS, SETTLE_S (how long PID stayed busy after wrk stopped),
# CPU_US (PID's user+system CPU per answered request, in µs);
# flags non-2xx and socket errors.
run_wrk() {
    local label=$1 pid=$2 url=$3 out=$S/wrk.out n
    shift 3
    settle "$A_PID"
    settle "$B_PID"
    note "wrk   $label"
    local ticks0
    ticks0=$(cpu_ticks "$pid")
    if ! "${WRK[@]}" "$@" "$url" >"$out" 2>&1; then problem "$label: wrk failed"; fi
    # The raw log gets the command with the credentials cut short.
    { printf '\n### wrk %s\n$ %s %s %s\n' "$label" "${WRK[*]}" "$(printf '%q ' "$@" | sed -E 's/(Basic|Bearer)\\ ([^\\ ]{12})[^ ]*/\1\\ \2…/g')" "$url"; cat "$out"; } >>"$RAW"
    RPS=$(wrk_field "$out" rps)
    P50=$(wrk_field "$out" p50)
    P99=$(wrk_field "$out" p99)
    : "${RPS:=n/a}" "${P50:=n/a}" "${P99:=n/a}"
    TIMEOUTS=$(awk '/Socket errors:/ {gsub(/,/, ""); n = $10} END {print n+0}' "$out")
    n=$(awk '/ requests in / {print $1}' "$out")
    ((${n:-0} > 0)) || problem "$label: no request was answered within the ${DUR} s phase (wrk counts none still in flight at the end)"
    n=$(wrk_field "$out" non2xx)
    ((n == 0)) || problem "$label: wrk saw $n non-2xx/3xx responses"
    n=$(wrk_field "$out" errors)
    ((n == 0)) || problem "$label: wrk socket errors: $(grep 'Socket errors' "$out" | sed 's/^ *//') (a timeout is a request unanswered after wrk's 2 s)"
    settle "$pid"
    # Server CPU per answered request, including what it finished after wrk stopped.
    n=$(awk '/ requests in / {print $1}' "$out")
    CPU_US=$(awk -v t="$(($(cpu_ticks "$pid") - ticks0))" -v hz="$CLK_TCK" -v n="${n:-0}" 'BEGIN{ if (n + 0 == 0) print "n/a"; else printf "%.1f", t * 1e6 / hz / n }')
    printf 'server busy for %s s after wrk stopped; server CPU %s µs per request\n' "$SETTLE_S" "$CPU_US" >>"$RAW"
    note "      $RPS req/s, p50 $P50 ms, p99 $P99 ms$( ((TIMEOUTS == 0)) || printf ', %s timeouts' "$TIMEOUTS"); server CPU $CPU_US µs/request; busy ${SETTLE_S} s after"
}
verdict() {
    if cmp "$1" ">=" "$TARGET"; then echo "yes"; else echo "**NO**"; fi
}

# ---------------------------------------------------------------- rounds of phases
# Per phase id, space-separated values, one per run: req/s, p50, p99, CPU µs/req, ratio.
declare -A V_RPS V_P50 V_P99 V_CPU V_RATIO V_TIMEOUTS V_BUSY
keep() { # keep ID: appends the last run_wrk's figures to phase ID's lists
    V_RPS[$1]+="$RPS " V_P50[$1]+="$P50 " V_P99[$1]+="$P99 " V_CPU[$1]+="$CPU_US "
    V_TIMEOUTS[$1]+="$TIMEOUTS " V_BUSY[$1]+="$SETTLE_S "
}
# median "X Y Z ...": the median of the numbers (n/a ignored; the mean of the middle two when even).
# shellcheck disable=SC2086 # the lists are split on purpose
median() {
    printf '%s\n' $1 | grep -v '^n/a$' | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# shellcheck disable=SC2086
sum() { printf '%s\n' $1 | awk '{n += $1} END {print n + 0}'; }
# shellcheck disable=SC2086
max() { printf '%s\n' $1 | grep -v '^n/a$' | sort -g | tail -1; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN{ if (v == "n/a" || v == "") print "n/a"; else printf "%.*f", d, v }'; }
# ratios ID BASE_ID: each run of ID over the mean of the baseline runs just before and after it.
ratios() {
    local -a runs bases
    read -ra runs <<<"${V_RPS[$1]}"
    read -ra bases <<<"${V_RPS[$2]}"
    local i
    for i in "${!runs[@]}"; do
        div "${runs[$i]}" "$(awk -v a="${bases[$i]}" -v b="${bases[$((i + 1))]}" 'BEGIN{ if (a == "n/a" || b == "n/a") print "n/a"; else print (a + b) / 2 }')" 2
        printf ' '
    done
}
# phase_row ID LABEL BASE_ID|"" TARGETED(1/0) EXTRA-NOTE: one table row from the medians of ID's runs.
phase_row() {
    local id=$1 label=$2 base=$3 targeted=$4 extra=$5 r notes=() t busy verdict_cell=""
    if [[ -n $base ]]; then
        V_RATIO[$id]=$(ratios "$id" "$base")
        r=$(fmt "$(median "${V_RATIO[$id]}")" 2)
        if ((targeted)); then verdict_cell=$(verdict "$r"); else verdict_cell="($(verdict "$r"))"; fi
        ((ROUNDS == 1)) || notes+=("ratio per round: $(echo "${V_RATIO[$id]}" | sed 's/ *$//; s/ /, /g')")
    else
        r=$(fmt "$(median "${V_RPS[$id]}")" 0)
        r=$(div "$r" "$r" 2)
        ((ROUNDS == 1)) || notes+=("req/s per run: $(echo "${V_RPS[$id]}" | sed 's/ *$//; s/ /, /g')")
    fi
    t=$(sum "${V_TIMEOUTS[$id]}")
    ((t == 0)) || notes+=("$t requests timed out (> 2 s)")
    busy=$(max "${V_BUSY[$id]}")
    if cmp "$busy" ">=" 1; then notes+=("server busy up to $busy s after wrk stopped"); fi
    [[ -z $extra ]] || notes+=("$extra")
    row "$label" "$(fmt "$(median "${V_RPS[$id]}")" 0)" "$(fmt "$(median "${V_P50[$id]}")" 2)" "$(fmt "$(median "${V_P99[$id]}")" 2)" \
        "$(fmt "$(median "${V_CPU[$id]}")" 1)" "$r" "$verdict_cell" "$( ((${#notes[@]} == 0)) || printf '%s\n' "${notes[@]}" | paste -sd';' | sed 's/;/; /g')"
}

# ---------------------------------------------------------------- registry: manifest GET
log "manifest GET $REPO:v1: $ROUNDS round(s) of ${WRK[*]}"
# A runs before every round and once more after the last: each B run is divided by the mean of
# the A runs around it, so a drift of the machine during the run cancels out.
for ((round = 1; round <= ROUNDS; round++)); do
    note "round $round of $ROUNDS"
    run_wrk "A no auth, anonymous (baseline)" "$A_PID" "http://$A$MANIFEST_PATH" -H "$ACCEPT_OCI" && keep base
    run_wrk "B Bearer registry token (pull scope)" "$B_PID" "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" -H "$AUTH_BEARER_RT" && keep bearer
    run_wrk "B Basic bench-user:<API token>" "$B_PID" "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" -H "$AUTH_BASIC_TOKEN" && keep basictoken
    # The password phase starts as the cached check expires, so it holds one expiry (and
    # whatever wait that causes), as every 10 s of a client sending the password does.
    expire_passwords
    run_wrk "B Basic kubeadmin:<password>, starting at a cache expiry" "$B_PID" "http://$B$MANIFEST_PATH" -H "$ACCEPT_OCI" -H "$AUTH_BASIC_PW" && keep password
    PW_LAST=$(now)
done
run_wrk "A no auth, anonymous (baseline)" "$A_PID" "http://$A$MANIFEST_PATH" -H "$ACCEPT_OCI" && keep base
read -ra runs <<<"${V_RPS[base]}"
DRIFT=$(awk -v a="${runs[0]}" -v b="${runs[-1]}" 'BEGIN{ if (a == "n/a" || b == "n/a" || a + 0 == 0) print "n/a"; else printf "%+.0f %%", (b - a) * 100 / a }')

phase_row base "1 A \`--auth=none\`, no credentials (baseline; $((ROUNDS + 1)) runs, around B's)" "" 0 "first to last run: $DRIFT"
phase_row bearer "2 B, \`Bearer\` registry token (pull scope): podman, skopeo" base 1 ""
phase_row basictoken "3 B, \`Basic\` any user : API token (\`skopeo --creds\`)" base 1 ""
phase_row password "4 B, \`Basic\` kubeadmin : password (bcrypt, cached 10 s; each run starts at an expiry)" base 1 ""
RT_RATIO=$(fmt "$(median "${V_RATIO[bearer]}")" 2)
BT_RATIO=$(fmt "$(median "${V_RATIO[basictoken]}")" 2)
BP_RATIO=$(fmt "$(median "${V_RATIO[password]}")" 2)

# ---------------------------------------------------------------- API: image stream GET
log "image stream GET bench/app: $ROUNDS round(s) of ${WRK[*]}"
for ((round = 1; round <= ROUNDS; round++)); do
    run_wrk "A API GET imagestream, anonymous (baseline)" "$A_PID" "http://$A$IS_PATH" -H "$ACCEPT_JSON" && keep api-base
    run_wrk "B API GET imagestream, Bearer API token" "$B_PID" "http://$B$IS_PATH" -H "$ACCEPT_JSON" -H "$AUTH_BEARER_API" && keep api
done
run_wrk "A API GET imagestream, anonymous (baseline)" "$A_PID" "http://$A$IS_PATH" -H "$ACCEPT_JSON" && keep api-base
phase_row api-base "5 A API GET image stream, no credentials (baseline; $((ROUNDS + 1)) runs, around B's)" "" 0 ""
phase_row api "6 B API GET image stream, \`Bearer\` API token" api-base 0 "the target is the registry's"

# ---------------------------------------------------------------- password check at a cache expiry
log "password check at a cache expiry: one request, then $BURST at once (each with its own connection)"
# One request with an expired cache: one bcrypt check (and its CPU).
expire_passwords
settle "$B_PID"
t0=$(cpu_ticks "$B_PID")
ONE_S=$(curl -sS -o /dev/null -w '%{time_total}' -H "$ACCEPT_OCI" -H "$AUTH_BASIC_PW" "http://$B$MANIFEST_PATH") || ONE_S=n/a
PW_LAST=$(now)
settle "$B_PID"
ONE_CPU=$(cpu_s $(($(cpu_ticks "$B_PID") - t0)))
ONE_MS=$(ms "$ONE_S")
note "one request: $ONE_MS ms, B used $ONE_CPU s of CPU"
# BURST requests that arrive together with an expired cache, as BURST keep-alive clients' next
# requests do at every expiry.
expire_passwords
settle "$B_PID"
t0=$(cpu_ticks "$B_PID")
python3 - "$B" "$MANIFEST_PATH" "${AUTH_BASIC_PW#Authorization: }" "$BURST" >"$S/burst.json" 2>>"$RAW" <<'EOF' ||
import http.client, json, sys, threading, time
addr, path, auth, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
host, port = addr.rsplit(":", 1)
conns = [http.client.HTTPConnection(host, int(port), timeout=300) for _ in range(n)]
for c in conns:
    c.connect()
start = threading.Barrier(n + 1)
res = [None] * n
def one(i):
    start.wait()
    t = time.monotonic()
    try:
        conns[i].request("GET", path, headers={"Authorization": auth, "Accept": "application/vnd.oci.image.manifest.v1+json"})
        r = conns[i].getresponse()
        r.read()
        res[i] = (r.status, time.monotonic() - t)
    except Exception as e:  # reported as status 0
        res[i] = (0, time.monotonic() - t)
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
start.wait()
t0 = time.monotonic()
for t in threads:
    t.join()
lat = sorted(r[1] for r in res)
print(json.dumps({"n": n, "ok": sum(1 for r in res if r[0] == 200), "wall_s": round(time.monotonic() - t0, 3),
                  "first_s": round(lat[0], 3), "median_s": round(lat[n // 2], 3), "last_s": round(lat[-1], 3)}))
EOF
    problem "the burst client failed (see the raw log)"
settle "$B_PID"
BURST_CPU=$(cpu_s $(($(cpu_ticks "$B_PID") - t0)))
{ printf '\n### %s requests at once, Basic kubeadmin:<password>, expired cache\n' "$BURST"; cat "$S/burst.json"; printf 'one request before: %s s; CPU one: %s s, burst: %s s\n' "$ONE_S" "$ONE_CPU" "$BURST_CPU"; } >>"$RAW"
bj() { jq -r "$1 // \"n/a\"" "$S/burst.json" 2>/dev/null || echo n/a; }
BURST_OK=$(bj .ok)
[[ $BURST_OK == "$BURST" ]] || problem "burst: only $BURST_OK of $BURST requests answered 200"
CHECKS=$(div "$BURST_CPU" "$ONE_CPU" 0)
note "$BURST requests: all answered after $(bj .last_s) s (first $(bj .first_s) s, median $(bj .median_s) s); B used $BURST_CPU s of CPU (≈ $CHECKS password checks)"

# ---------------------------------------------------------------- report
for pid in "$A_PID" "$B_PID"; do kill -0 "$pid" 2>/dev/null || problem "wharf (pid $pid) exited during the run"; done
# Errors Wharf logged during the run (it logs at warn): worth a look even when every status was right.
for f in "$A_LOG" "$B_LOG"; do
    if grep -Eqi 'error|panic' "$f"; then
        problem "$(basename "$f") has $(grep -Eci 'error|panic' "$f") error/panic lines, e.g.: $(grep -Ei 'error|panic' "$f" | head -1 | cut -c1-200)"
    fi
    n=$(grep -Eci 'warn' "$f" || true)
    ((n == 0)) || problem "$(basename "$f") has $n warning lines, e.g.: $(grep -Ei 'warn' "$f" | head -1 | cut -c1-200)"
done

met=0
for r in "$RT_RATIO" "$BT_RATIO" "$BP_RATIO"; do if cmp "$r" ">=" "$TARGET"; then met=$((met + 1)); fi; done
mode=full
((QUICK)) && mode=quick
# Read-only, and without taking the index lock (someone else may be working in this checkout).
rev=$(GIT_OPTIONAL_LOCKS=0 git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_OPTIONAL_LOCKS=0 git -C "$repo_root" diff --quiet HEAD -- crates 2>/dev/null || rev="$rev (crates/ has uncommitted changes)"
report=$(
    cat <<EOF
# What authentication costs — bench/auth.sh ($mode)

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); Wharf commit $rev
- Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Two servers side by side: A \`wharf serve --auth=none\`, B \`wharf serve --auth=on\` (the default); the same image
  \`$REPO:v1\` on both (one $(size "$IMG/layer") B layer, an OCI manifest of $(size "$IMG/manifest") B). Every phase is
  \`${WRK[*]}\` ($(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)), credentials in a fixed \`-H\` header, keep-alive; each
  starts once both servers are idle (< 20 ms of CPU in 0.5 s). $ROUNDS round(s): A, then B's phases, per round, and A
  once more at the end; the table shows the median of each phase's runs.
- Registry rows: \`GET $MANIFEST_PATH\` with \`$ACCEPT_OCI\`. Ratio = a B run's req/s ÷ the mean of the A runs just
  before and after it (median over the rounds). Target: an authorized pull costs < 15 %, i.e. ratio ≥ $TARGET.
- API rows: \`GET $IS_PATH\` (\`$ACCEPT_JSON\`, $IS_SIZE_B B), ratio computed the same way.
- Server CPU µs/req: the server's user+system CPU time from wrk's start until it is idle again, divided by the
  requests wrk counted: the cost of a request with less noise than req/s, which also depends on wrk's share of the 2 cores.
- Before measuring, B answered 401 to the manifest and image stream GETs without credentials and to a forged
  registry token, and every phase's request answered 200 (with the pushed manifest) once.
- B's caches (crates/wharf-apiserver/src/auth/mod.rs): an API-token or password check is trusted for 10 s from
  the check, the RBAC snapshot for 2 s. Each row-4 run starts as kubeadmin's cached password check expires, so
  it holds one expiry and whatever wait that causes (a client sending the password meets one every 10 s$( ((DUR >= 10)) || echo "; a ${DUR} s phase holds more than that share")).
  wrk corrects its latencies for coordinated omission, so a wait of all 32 connections weighs in p99 as the
  requests that would have been sent meanwhile.
- Noise: 2 shared cores; wrk and the servers compete for them, and other work on the machine moves figures by
  tens of percent (see the spread of the A runs). Compare only figures from the same run.

| Phase | req/s | p50 ms | p99 ms | server CPU µs/req | ÷ baseline (req/s) | ≥ $TARGET? | Notes |
|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

Registry phases meeting the < 15 % target: $met of 3 (Bearer registry token $RT_RATIO, Basic API token $BT_RATIO, Basic password $BP_RATIO).

### kubeadmin's password at a cache expiry

| | Requests | All answered after | B's CPU |
|---|---|---|---|
| one request (one bcrypt check, cost 12) | 1 | $ONE_MS ms | $ONE_CPU s |
| $BURST requests at once, each on its own connection | $BURST_OK of $BURST answered 200 | $(bj .last_s) s (first $(bj .first_s) s, median $(bj .median_s) s) | $BURST_CPU s ≈ $CHECKS checks |

## Problems seen
$(if ((${#PROBLEMS[@]})); then printf -- '- %s\n' "${PROBLEMS[@]}"; else echo "- none (B refused every request without credentials, every phase 2xx, no wrk socket errors, nothing logged)"; fi)
EOF
)
mkdir -p "$here/results"
printf '%s\n' "$report" >"$here/results/auth-latest.md"
cp "$RAW" "$here/results/auth-latest-raw.log"
printf '\n%s\n\n(written to bench/results/auth-latest.md; raw tool output in bench/results/auth-latest-raw.log)\n' "$report"
