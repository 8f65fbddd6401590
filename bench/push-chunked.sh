#!/usr/bin/env bash
# push-chunked.sh HOST:PORT REPO DIR
# Chunked upload of the pieces DIR/fresh.part.NNN (made by prep-blob.sh): POST to open the upload,
# one PATCH per piece with Content-Range: START-END (following the Location each answer gives),
# then PUT <Location>&digest=D without a body. Fails on any unexpected status.
# Besides the requests, the time includes one curl start per request (~10 ms each here); the loop
# itself uses shell builtins only, so that the harness adds as little as possible.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
reg=$1 repo=$2 dir=$3
digest=$(<"$dir/fresh.digest")
url=$(start_upload "$reg" "$repo")
parts=("$dir"/fresh.part.*)
# All pieces have the first one's size except possibly the last.
mapfile -t sizes < <(stat -c %s "$dir/fresh.bin" "${parts[0]}")
total=${sizes[0]} chunk=${sizes[1]}
hdrs=$dir/patch.headers
offset=0
for part in "${parts[@]}"; do
    size=$((total - offset < chunk ? total - offset : chunk))
    curl -sS -o /dev/null -D "$hdrs" -X PATCH -H 'Expect:' -H 'Transfer-Encoding:' \
        -H "Content-Length: $size" -H 'Content-Type: application/octet-stream' \
        -H "Content-Range: $offset-$((offset + size - 1))" -T - "$url" <"$part"
    code='' loc=''
    while IFS=$' \r' read -r key value _; do
        [[ -z $code ]] && code=$value && continue
        [[ ${key,,} == location: ]] && loc=$value
    done <"$hdrs"
    [[ $code == 202 ]] || die "PATCH $part at $offset to $reg/$repo: HTTP $code (want 202)"
    case $loc in
    http://*) url=$loc ;;
    /*) url=http://$reg$loc ;;
    *) die "PATCH answer without a usable Location: '$loc'" ;;
    esac
    offset=$((offset + size))
done
case $url in *\?*) url="$url&digest=$digest" ;; *) url="$url?digest=$digest" ;; esac
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Length: 0' "$url")
[[ $code == 201 ]] || die "closing PUT to $reg/$repo: HTTP $code (want 201)"
