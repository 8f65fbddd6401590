#!/usr/bin/env bash
# Template processing speed, run by hand: the rails-postgresql-example template from the
# corpus (openshift/library), processed
#   1. in-process (wharf-domain's engine, the work one processedtemplates request does),
#   2. as a whole `wharf process --local -f` command (start, read, process, print, exit),
#   3. as a whole `wharf process -f` command against a running `wharf serve` (the server
#      processes it), and as `wharf process NAME` of the same template stored on the server.
# No oc is available here to run beside it, so the figures stand alone; hyperfine times the
# commands. Results go to bench/results/templates-latest.md.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$repo_root/bench/lib.sh"
BUILD=${BUILD:-1}
KEEP=${KEEP:-0}
RAILS=${RAILS:-$repo_root/../shared/corpus/templates/openshift-library/rails/rails-postgresql-example.json}
[[ -r $RAILS ]] || die "cannot read $RAILS (set RAILS=path/to/rails-postgresql-example.json)"
need hyperfine hyperfine

if ((BUILD)); then
    log "building wharf and the throughput example (release)"
    (cd "$repo_root" && cargo build --release -q -p wharf --bin wharf && cargo build --release -q -p wharf-domain --example template_throughput)
fi
WHARF_BIN=$repo_root/target/release/wharf
THROUGHPUT=$repo_root/target/release/examples/template_throughput
scratch_setup wharf-templates

log "in-process (5 s)"
inproc=$("$THROUGHPUT" "$RAILS" 5 NAME=x | tee -a "$RAW")
note "$inproc"

start_bench_wharf
export KUBECONFIG=$S/kubeconfig
"$WHARF_BIN" login "http://$W" >/dev/null
"$WHARF_BIN" new-project bench >/dev/null
"$WHARF_BIN" create -f "$RAILS" >/dev/null

log "whole commands (hyperfine)"
hyperfine --warmup 5 --runs 100 --export-markdown "$S/hyperfine.md" \
    -n 'wharf process --local -f rails' "$WHARF_BIN process --local -f $RAILS -p NAME=x" \
    -n 'wharf process -f rails (server)' "$WHARF_BIN process -f $RAILS -p NAME=x" \
    -n 'wharf process rails (stored)' "$WHARF_BIN process rails-postgresql-example -p NAME=x" \
    >>"$RAW" 2>&1 || problem "hyperfine failed (see $RAW)"

out=$repo_root/bench/results/templates-latest.md
{
    echo "# Template processing ($(date -u +%Y-%m-%d), $(git -C "$repo_root" rev-parse --short HEAD))"
    echo
    echo "rails-postgresql-example.json (openshift/library), NAME=x, generators on."
    echo
    echo "In-process: $inproc"
    echo
    cat "$S/hyperfine.md"
} >"$out"
cat "$out"
((${#PROBLEMS[@]} == 0)) || die "${#PROBLEMS[@]} problem(s), see above"
