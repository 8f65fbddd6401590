#!/usr/bin/env python3
"""push-chunked.py HOST:PORT REPO DIR

Chunked upload of the pieces DIR/fresh.part.NNN (made by prep-blob.sh): POST to open the
upload, one PATCH per piece with Content-Range: START-END (following the Location each answer
gives), then PUT <Location>&digest=D without a body, all on one keep-alive connection from one
process, so the figure is the registry's and not the cost of starting a client per request.
Exits non-zero on any unexpected status.
"""
import glob
import http.client
import os
import sys
from urllib.parse import urlsplit

reg, repo, work = sys.argv[1:4]
host, port = reg.rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), blocksize=1 << 20)


def call(method, target, expect, body=None, headers=None):
    headers = dict(headers or {})
    if body is None:
        headers["Content-Length"] = "0"
    conn.request(method, target, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != expect:
        sys.exit(f"{method} {target} on {reg}: HTTP {r.status} (want {expect})")
    loc = r.getheader("Location") or ""
    parts = urlsplit(loc)
    return parts.path + (f"?{parts.query}" if parts.query else "")


digest = open(os.path.join(work, "fresh.digest")).read().strip()
target = call("POST", f"/v2/{repo}/blobs/uploads/", 202)
offset = 0
for part in sorted(glob.glob(os.path.join(work, "fresh.part.*"))):
    size = os.path.getsize(part)
    with open(part, "rb") as f:
        target = call("PATCH", target, 202, body=f, headers={
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{offset}-{offset + size - 1}",
        })
    offset += size
sep = "&" if "?" in target else "?"
call("PUT", f"{target}{sep}digest={digest}", 201)
