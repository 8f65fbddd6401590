"""oras-py against a running Wharf: push an artifact monolithically and in chunks, list tags,
read the manifest, pull, and compare the files byte for byte. Exits non-zero on any mismatch.

Usage: python oras_push_pull.py HOST:PORT WORKDIR
"""
import os
import sys

import oras.client

host, work = sys.argv[1], sys.argv[2]
os.chdir(work)
with open("small.txt", "w") as f:
    f.write("hello from oras\n")
with open("big.bin", "wb") as f:
    f.write(os.urandom(3 * 1024 * 1024 + 17))

c = oras.client.OrasClient(hostname=host, insecure=True)
repo = f"{host}/oras/artifact"
r = c.push(target=f"{repo}:mono", files=["small.txt", "big.bin"], disable_path_validation=True)
assert r.status_code == 201, r.text
r = c.push(target=f"{repo}:chunked", files=["big.bin"], do_chunked=True, chunk_size=1024 * 1024,
           disable_path_validation=True)
assert r.status_code == 201, r.text
tags = sorted(c.get_tags(repo))
assert tags == ["chunked", "mono"], tags
manifest = c.get_manifest(f"{repo}:mono")
assert manifest["config"]["mediaType"] == "application/vnd.unknown.config.v1+json", manifest
for tag, names in [("mono", ["small.txt", "big.bin"]), ("chunked", ["big.bin"])]:
    out = os.path.join(work, "out-" + tag)
    c.pull(target=f"{repo}:{tag}", outdir=out)
    for name in names:
        with open(name, "rb") as a, open(os.path.join(out, name), "rb") as b:
            assert a.read() == b.read(), f"{tag}/{name} differs"
print("oras ok")
