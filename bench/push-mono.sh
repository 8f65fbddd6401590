#!/usr/bin/env bash
# push-mono.sh single|postput HOST:PORT REPO DIR
# Monolithic upload of DIR/fresh.bin (digest in DIR/fresh.digest), the body streamed from the file:
#   single  - one request: POST /v2/REPO/blobs/uploads/?digest=D with the body (Wharf);
#   postput - POST /v2/REPO/blobs/uploads/, then PUT <Location>&digest=D with the body
#             (Distribution 2.8 does not store a single-request POST body).
# Fails unless the registry answers 201.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
mode=$1 reg=$2 repo=$3 dir=$4
digest=$(cat "$dir/fresh.digest")
case $mode in
single)
    method=POST
    url="http://$reg/v2/$repo/blobs/uploads/?digest=$digest"
    ;;
postput)
    method=PUT
    url=$(start_upload "$reg" "$repo")
    url=$(with_query "$url" "digest=$digest")
    ;;
*) die "mode must be single or postput" ;;
esac
code=$(send_file "$method" "$url" "$dir/fresh.bin" -o /dev/null -w '%{http_code}')
[[ $code == 201 ]] || die "$mode upload to $reg/$repo: HTTP $code (want 201)"
