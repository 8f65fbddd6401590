#!/usr/bin/env bash
# prep-blob.sh DIR SIZE_MIB [CHUNK_MIB]
# hyperfine --prepare step for the push benchmarks (not timed): writes a fresh random blob
# DIR/fresh.bin (so every run pushes a new digest), its digest DIR/fresh.digest, and, unless
# CHUNK_MIB is 0, the blob cut into CHUNK_MIB pieces DIR/fresh.part.NNN for the chunked upload.
set -euo pipefail
dir=$1 mib=$2 chunk=${3:-10}
mkdir -p "$dir"
rm -f "$dir"/fresh.*
head -c "$((mib * 1048576))" /dev/urandom >"$dir/fresh.bin"
printf 'sha256:%s\n' "$(sha256sum "$dir/fresh.bin" | cut -d' ' -f1)" >"$dir/fresh.digest"
[[ $chunk == 0 ]] || split -b "$((chunk * 1048576))" -d -a 3 "$dir/fresh.bin" "$dir/fresh.part."
# Flush these writes now, so that their write-back does not compete with the timed push.
sync
