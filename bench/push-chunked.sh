#!/usr/bin/env bash
# push-chunked.sh HOST:PORT REPO DIR
# Chunked upload of the pieces DIR/fresh.part.NNN (made by prep-blob.sh): POST to open the upload,
# one PATCH per piece with Content-Range: START-END (following the Location each answer gives),
# then PUT <Location>&digest=D without a body. Fails on any unexpected status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
reg=$1 repo=$2 dir=$3
digest=$(cat "$dir/fresh.digest")
url=$(start_upload "$reg" "$repo")
offset=0
for part in "$dir"/fresh.part.*; do
    size=$(stat -c %s "$part")
    hdrs=$(curl -sS -D - -o /dev/null -X PATCH -H 'Expect:' \
        -H 'Content-Type: application/octet-stream' \
        -H "Content-Range: $offset-$((offset + size - 1))" -T "$part" "$url")
    code=$(printf '%s\n' "$hdrs" | awk 'NR==1 {print $2}')
    [[ $code == 202 ]] || die "PATCH $part at $offset to $reg/$repo: HTTP $code (want 202)"
    url=$(abs_location "$reg" "$(printf '%s\n' "$hdrs" | awk 'tolower($1)=="location:" {print $2}')")
    offset=$((offset + size))
done
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Length: 0' "$(with_query "$url" "digest=$digest")")
[[ $code == 201 ]] || die "closing PUT to $reg/$repo: HTTP $code (want 201)"
