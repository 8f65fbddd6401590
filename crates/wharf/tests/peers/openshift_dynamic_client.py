"""The PyPI `openshift` DynamicClient (over the official `kubernetes` client) against a running
Wharf: discover image.openshift.io/v1 ImageStreams, create, list, patch, read back, delete.
Exits non-zero on any mismatch.

Usage: python openshift_dynamic_client.py http://HOST:PORT
"""
import json
import sys

import kubernetes
from openshift.dynamic import DynamicClient
from openshift.dynamic.exceptions import NotFoundError

config = kubernetes.client.Configuration()
config.host = sys.argv[1]
api = kubernetes.client.ApiClient(config)
client = DynamicClient(api)

namespaces = client.resources.get(api_version="v1", kind="Namespace")
namespaces.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "py"}})

streams = client.resources.get(api_version="image.openshift.io/v1", kind="ImageStream")
assert streams.namespaced, "ImageStream is namespaced"
assert streams.name == "imagestreams", streams.name
streams.create(namespace="py", body={
    "apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
    "metadata": {"name": "app", "labels": {"team": "a"}},
    "spec": {"lookupPolicy": {"local": False}},
})
listed = streams.get(namespace="py", label_selector="team=a")
assert [i.metadata.name for i in listed.items] == ["app"], listed
patched = streams.patch(namespace="py", name="app", body={"spec": {"lookupPolicy": {"local": True}}},
                        content_type="application/merge-patch+json")
assert patched.spec.lookupPolicy.local is True, patched
assert patched.metadata.generation == 2, patched.metadata
got = streams.get(namespace="py", name="app")
assert got.metadata.resourceVersion == patched.metadata.resourceVersion
streams.delete(namespace="py", name="app")
try:
    streams.get(namespace="py", name="app")
    sys.exit("the deleted stream is still there")
except NotFoundError as e:
    status = json.loads(e.body)
    assert status["reason"] == "NotFound", status
    assert status["message"] == 'imagestreams.image.openshift.io "app" not found', status
print("openshift client ok")
