#!/usr/bin/env bash
# skopeo-push.sh HOST:PORT OCI_LAYOUT_REF
# skopeo copy of a local OCI layout image to a repository name never used before
# (bench/sk-<nanoseconds>:v1), so the registry cannot already have the blobs linked there.
# Run `rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb` before each run, or skopeo
# mounts blobs it pushed earlier instead of uploading them.
set -euo pipefail
reg=$1 src=$2
exec skopeo copy -q --dest-tls-verify=false "oci:$src" "docker://$reg/bench/sk-$(date +%s%N):v1"
