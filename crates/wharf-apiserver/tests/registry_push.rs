//! Registry pushes mirrored into the image API in the same transaction (spec §4, acceptance
//! cases 27 and 28): Images, ImageStreams, status tag history; the registry's tag list and
//! the stream's status tags agree.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wharf_apiserver::push::ImageStreamMirror;
use wharf_apiserver::ApiServer;
use wharf_domain::Digest;
use wharf_registry::{Limits, Registry};
use wharf_storage::fs::FsBlobStore;
use wharf_storage::sqlite::SqliteMetaStore;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const HOST: &str = "registry.example:5000";

struct Both {
    registry: Registry,
    api: ApiServer,
    _dir: tempfile::TempDir,
}

async fn call(
    router: axum::Router,
    method: Method,
    uri: &str,
    ct: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", HOST);
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    let resp = router
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

impl Both {
    fn new() -> Both {
        let dir = tempfile::tempdir().unwrap();
        let meta: Arc<dyn wharf_storage::MetaStore> =
            Arc::new(SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap());
        let registry = Registry {
            observer: Some(Arc::new(ImageStreamMirror {
                registry_hostname: None,
            })),
            ..Registry::new(
                Arc::new(FsBlobStore::open(dir.path()).unwrap()),
                meta.clone(),
                Limits::default(),
            )
        };
        Both {
            registry,
            api: ApiServer {
                store: meta,
                registry_hostname: HOST.into(),
                importer: Default::default(),
                auth: wharf_apiserver::auth::Auth::disabled(),
            },
            _dir: dir,
        }
    }

    async fn v2(&self, method: Method, uri: &str, ct: Option<&str>, body: Vec<u8>) -> (u16, Value) {
        call(
            wharf_registry::router(self.registry.clone()),
            method,
            uri,
            ct,
            body,
        )
        .await
    }

    async fn api(&self, uri: &str) -> (u16, Value) {
        call(
            wharf_apiserver::router(self.api.clone()),
            Method::GET,
            uri,
            None,
            Vec::new(),
        )
        .await
    }

    async fn blob(&self, repo: &str, data: &[u8]) -> Digest {
        let d = Digest::sha256_of(data);
        let (status, _) = self
            .v2(
                Method::POST,
                &format!("/v2/{repo}/blobs/uploads/?digest={d}"),
                None,
                data.to_vec(),
            )
            .await;
        assert_eq!(status, 201);
        d
    }

    /// Pushes an image (config + one layer) to `repo` under `reference`; returns its digest.
    async fn push(&self, repo: &str, reference: &str, seed: &str) -> Digest {
        let config =
            json!({"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
            "config": {"Entrypoint": ["/bin/app"], "Labels": {"seed": seed}}})
            .to_string();
        let layer = format!("layer {seed}");
        let c = self.blob(repo, config.as_bytes()).await;
        let l = self.blob(repo, layer.as_bytes()).await;
        let m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c.to_string(), "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": l.to_string(), "size": layer.len()}]})
        .to_string();
        let (status, body) = self
            .v2(
                Method::PUT,
                &format!("/v2/{repo}/manifests/{reference}"),
                Some(OCI_MANIFEST),
                m.clone().into_bytes(),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        Digest::sha256_of(m.as_bytes())
    }

    async fn stream(&self, ns: &str, name: &str) -> Value {
        let (status, body) = self
            .api(&format!(
                "/apis/image.openshift.io/v1/namespaces/{ns}/imagestreams/{name}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn history(stream: &Value, tag: &str) -> Vec<Value> {
    stream["status"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tag"] == tag)
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_push_by_tag_creates_the_namespace_stream_status_tag_and_image() {
    let b = Both::new();
    let d = b.push("demo/app", "v1", "one").await;
    let (status, _) = b.api("/api/v1/namespaces/demo").await;
    assert_eq!(status, 200, "the namespace is created on first push");
    let s = b.stream("demo", "app").await;
    assert_eq!(s["metadata"]["generation"], 1);
    assert_eq!(
        s["spec"],
        json!({"lookupPolicy": {"local": false}}),
        "no spec tag is made"
    );
    assert_eq!(
        s["status"]["dockerImageRepository"],
        format!("{HOST}/demo/app")
    );
    let items = history(&s, "v1");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["image"], d.to_string());
    assert_eq!(
        items[0]["dockerImageReference"],
        format!("{HOST}/demo/app@{d}")
    );
    assert_eq!(items[0]["generation"], 1);
    let (status, image) = b
        .api(&format!("/apis/image.openshift.io/v1/images/{d}"))
        .await;
    assert_eq!(status, 200);
    for a in [
        "openshift.io/image.managed",
        "image.openshift.io/manifestBlobStored",
    ] {
        assert_eq!(image["metadata"]["annotations"][a], "true");
    }
    assert_eq!(
        image["metadata"]["annotations"]["image.openshift.io/dockerLayersOrder"],
        "ascending"
    );
    assert_eq!(
        image["dockerImageMetadata"]["Config"]["Entrypoint"],
        json!(["/bin/app"])
    );
    assert_eq!(image["dockerImageLayers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn pushing_a_new_image_to_a_tag_prepends_history_and_same_digest_elsewhere_gets_its_own_reference(
) {
    let b = Both::new();
    let d1 = b.push("demo/app", "v1", "one").await;
    let d2 = b.push("demo/app", "v1", "two").await;
    let items = history(&b.stream("demo", "app").await, "v1");
    assert_eq!(
        items
            .iter()
            .map(|i| i["image"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [d2.to_string(), d1.to_string()]
    );
    // The same content pushed to another stream: its event points at that stream.
    let d3 = b.push("demo/other", "x", "one").await;
    assert_eq!(d3, d1);
    let other = history(&b.stream("demo", "other").await, "x");
    assert_eq!(
        other[0]["dockerImageReference"],
        format!("{HOST}/demo/other@{d1}")
    );
    // Re-pushing the current image changes nothing.
    let rv = b.stream("demo", "app").await["metadata"]["resourceVersion"].clone();
    b.push("demo/app", "v1", "two").await;
    assert_eq!(
        b.stream("demo", "app").await["metadata"]["resourceVersion"],
        rv
    );
}

#[tokio::test]
async fn a_push_by_digest_records_the_image_and_leaves_streams_alone() {
    let b = Both::new();
    let config = b"{}";
    let c = b.blob("demo/bydigest", config).await;
    let m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c.to_string(), "size": 2}, "layers": []})
    .to_string();
    let d = Digest::sha256_of(m.as_bytes());
    let (status, _) = b
        .v2(
            Method::PUT,
            &format!("/v2/demo/bydigest/manifests/{d}"),
            Some(OCI_MANIFEST),
            m.into_bytes(),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        b.api(&format!("/apis/image.openshift.io/v1/images/{d}"))
            .await
            .0,
        200
    );
    assert_eq!(
        b.api("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/bydigest")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn repositories_that_are_not_namespace_and_name_stay_registry_only() {
    let b = Both::new();
    b.push("a/b/c", "v1", "deep").await;
    b.push("single", "v1", "single").await;
    let (_, list) = b.api("/apis/image.openshift.io/v1/imagestreams").await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn the_registry_tag_list_and_the_stream_status_tags_agree() {
    let b = Both::new();
    for tag in ["v2", "latest", "v1"] {
        b.push("demo/app", tag, tag).await;
    }
    let (_, tags) = b
        .v2(Method::GET, "/v2/demo/app/tags/list", None, Vec::new())
        .await;
    let status_tags: Vec<Value> = b.stream("demo", "app").await["status"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].clone())
        .collect();
    assert_eq!(tags["tags"], Value::Array(status_tags));
}

impl Both {
    async fn api_write(
        &self,
        method: Method,
        uri: &str,
        ct: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        call(
            wharf_apiserver::router(self.api.clone()),
            method,
            uri,
            ct,
            body.to_string().into_bytes(),
        )
        .await
    }

    async fn registry_tags(&self, repo: &str) -> Value {
        let (status, body) = self
            .v2(
                Method::GET,
                &format!("/v2/{repo}/tags/list"),
                None,
                Vec::new(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["tags"].clone()
    }
}

const APP: &str = "/apis/image.openshift.io/v1/namespaces/demo/imagestreams/app";

#[tokio::test]
async fn removing_a_status_tag_through_the_api_removes_the_registry_tag() {
    let b = Both::new();
    let d1 = b.push("demo/app", "v1", "one").await;
    b.push("demo/app", "v2", "two").await;
    let mut s = b.stream("demo", "app").await;
    let kept: Vec<Value> = s["status"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["tag"] != "v1")
        .cloned()
        .collect();
    s["status"]["tags"] = Value::Array(kept);
    let (status, body) = b
        .api_write(Method::PUT, &format!("{APP}/status"), None, s)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(b.registry_tags("demo/app").await, json!(["v2"]));
    let (status, _) = b
        .v2(Method::GET, "/v2/demo/app/manifests/v1", None, Vec::new())
        .await;
    assert_eq!(status, 404);
    let (status, _) = b
        .v2(
            Method::GET,
            &format!("/v2/demo/app/manifests/{d1}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(status, 200, "the manifest stays pullable by digest");
}

#[tokio::test]
async fn deleting_the_stream_or_its_namespace_leaves_the_repository_without_tags() {
    let b = Both::new();
    b.push("demo/app", "v1", "one").await;
    b.push("demo/other", "x", "two").await;
    let (status, _) = b.api_write(Method::DELETE, APP, None, Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(b.registry_tags("demo/app").await, json!([]));
    assert_eq!(b.registry_tags("demo/other").await, json!(["x"]));
    let (status, _) = b
        .api_write(Method::DELETE, "/api/v1/namespaces/demo", None, Value::Null)
        .await;
    assert_eq!(status, 200);
    assert_eq!(b.registry_tags("demo/other").await, json!([]));
    // Pushing again recreates namespace, stream and tag together.
    b.push("demo/app", "v3", "three").await;
    assert_eq!(b.registry_tags("demo/app").await, json!(["v3"]));
    assert_eq!(history(&b.stream("demo", "app").await, "v3").len(), 1);
}

#[tokio::test]
async fn spec_edits_through_the_api_keep_the_registry_tags() {
    let b = Both::new();
    b.push("demo/app", "v1", "one").await;
    let (status, body) = b
        .api_write(
            Method::PATCH,
            APP,
            Some("application/merge-patch+json"),
            json!({"spec": {"lookupPolicy": {"local": true}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(b.registry_tags("demo/app").await, json!(["v1"]));
}

#[tokio::test]
async fn registry_deletes_remove_the_status_tags_they_remove_from_the_registry() {
    let b = Both::new();
    b.push("demo/app", "v1", "one").await;
    let d2 = b.push("demo/app", "v2", "two").await;
    b.push("demo/app", "also-two", "two").await;
    let (status, _) = b
        .v2(
            Method::DELETE,
            "/v2/demo/app/manifests/v1",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(status, 202);
    let tags = |s: &Value| {
        s["status"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tag"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(tags(&b.stream("demo", "app").await), ["also-two", "v2"]);
    let (status, _) = b
        .v2(
            Method::DELETE,
            &format!("/v2/demo/app/manifests/{d2}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        tags(&b.stream("demo", "app").await),
        Vec::<String>::new(),
        "every tag whose image was deleted"
    );
    assert_eq!(b.registry_tags("demo/app").await, json!([]));
}

const ISTAGS: &str = "/apis/image.openshift.io/v1/namespaces/demo/imagestreamtags";

#[tokio::test]
async fn an_image_stream_tag_is_the_tag_with_its_current_image() {
    let b = Both::new();
    let d = b.push("demo/app", "v1", "one").await;
    let (status, istag) = b.api(&format!("{ISTAGS}/app:v1")).await;
    assert_eq!(status, 200, "{istag}");
    assert_eq!(istag["kind"], "ImageStreamTag");
    assert_eq!(istag["metadata"]["name"], "app:v1");
    assert_eq!(istag["image"]["metadata"]["name"], d.to_string());
    assert_eq!(
        istag["image"]["dockerImageReference"],
        format!("{HOST}/demo/app@{d}")
    );
    assert_eq!(istag["tag"], Value::Null, "a pushed tag has no spec tag");
    assert_eq!(istag["generation"], 1);
    let stream = b.stream("demo", "app").await;
    assert_eq!(
        istag["metadata"]["creationTimestamp"],
        history(&stream, "v1")[0]["created"]
    );
    assert_eq!(istag["metadata"]["uid"], stream["metadata"]["uid"]);
    // The escaped form kubectl may send.
    assert_eq!(b.api(&format!("{ISTAGS}/app%3Av1")).await.0, 200);
}

#[tokio::test]
async fn image_stream_tags_list_and_errors_read_like_openshift() {
    let b = Both::new();
    b.push("demo/app", "v1", "one").await;
    b.push("demo/app", "v2", "two").await;
    b.push("demo/other", "x", "three").await;
    let (_, list) = b.api(ISTAGS).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app:v1", "app:v2", "other:x"]);
    let (status, e) = b.api(&format!("{ISTAGS}/app")).await;
    assert_eq!(
        (status, e["message"].as_str().unwrap()),
        (400, "ImageStreamTags must be retrieved with <name>:<tag>")
    );
    let (status, e) = b.api(&format!("{ISTAGS}/app:nope")).await;
    assert_eq!(
        (status, e["message"].as_str().unwrap()),
        (
            404,
            "imagestreamtags.image.openshift.io \"app:nope\" not found"
        )
    );
}

#[tokio::test]
async fn deleting_an_image_stream_tag_removes_it_from_the_registry_and_keeps_the_image() {
    let b = Both::new();
    let d = b.push("demo/app", "v1", "one").await;
    b.push("demo/app", "v2", "two").await;
    let (status, body) = b
        .api_write(
            Method::DELETE,
            &format!("{ISTAGS}/app:v1"),
            None,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "Success");
    assert_eq!(b.registry_tags("demo/app").await, json!(["v2"]));
    assert_eq!(b.api(&format!("{ISTAGS}/app:v1")).await.0, 404);
    assert_eq!(
        b.api(&format!("/apis/image.openshift.io/v1/images/{d}"))
            .await
            .0,
        200,
        "the Image stays"
    );
    let (status, _) = b
        .api_write(
            Method::DELETE,
            &format!("{ISTAGS}/app:v1"),
            None,
            Value::Null,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_alias_follows_its_source_tag_in_the_stream_and_in_the_registry() {
    let b = Both::new();
    let d1 = b.push("demo/app", "v1", "one").await;
    // `oc tag --alias app:v1 app:latest`: a spec tag tracking v1.
    let (status, body) = b
        .api_write(
            Method::PATCH,
            APP,
            Some("application/merge-patch+json"),
            json!({"spec": {"tags": [
            {"name": "latest", "from": {"kind": "ImageStreamTag", "name": "app:v1"}}]}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        history(&body, "latest")[0]["image"],
        d1.to_string(),
        "resolved at once (acceptance 8)"
    );
    assert_eq!(b.registry_tags("demo/app").await, json!(["latest", "v1"]));
    let d2 = b.push("demo/app", "v1", "two").await;
    let s = b.stream("demo", "app").await;
    assert_eq!(
        history(&s, "latest")[0]["image"],
        d2.to_string(),
        "the alias follows a push (spec 2.4)"
    );
    let (_, latest) = b
        .v2(
            Method::GET,
            "/v2/demo/app/manifests/latest",
            None,
            Vec::new(),
        )
        .await;
    let (_, moved) = b
        .v2(
            Method::GET,
            &format!("/v2/demo/app/manifests/{d2}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(latest, moved, "the registry's latest moved with the alias");
    assert_eq!(b.registry_tags("demo/app").await, json!(["latest", "v1"]));
}

#[tokio::test]
async fn a_tag_copied_from_another_stream_is_resolved_once_and_missing_sources_are_refused() {
    let b = Both::new();
    let d1 = b.push("demo/base", "1", "base").await;
    b.push("demo/app", "v1", "one").await;
    let (status, body) = b
        .api_write(
            Method::PATCH,
            APP,
            Some("application/merge-patch+json"),
            json!({"spec": {"tags": [
            {"name": "from-base", "from": {"kind": "ImageStreamTag", "name": "base:1"}}]}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let event = &history(&body, "from-base")[0];
    assert_eq!(event["image"], d1.to_string());
    assert_eq!(
        event["dockerImageReference"],
        format!("{HOST}/demo/app@{d1}"),
        "rewritten to this stream's repository (acceptance 11)"
    );
    let (status, body) = b
        .api_write(
            Method::PATCH,
            APP,
            Some("application/merge-patch+json"),
            json!({"spec": {"tags": [
            {"name": "ghost", "from": {"kind": "ImageStreamTag", "name": "nosuch:1"}}]}}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["message"],
        "ImageStream.image.openshift.io \"app\" is invalid: : Internal error: imagestreams \"app\" is invalid: spec.tags[ghost].from.name: Not found: \"nosuch\""
    );
}

#[tokio::test]
async fn an_image_stream_image_is_found_by_a_prefix_of_its_id() {
    let b = Both::new();
    let d = b.push("demo/app", "v1", "one").await;
    let short = &d.hex()[..12];
    let (status, isimage) = b
        .api(&format!(
            "/apis/image.openshift.io/v1/namespaces/demo/imagestreamimages/app@{short}"
        ))
        .await;
    assert_eq!(status, 200, "{isimage}");
    assert_eq!(
        isimage["metadata"]["name"],
        format!("app@{short}"),
        "the name echoes the id as given (acceptance 18)"
    );
    assert_eq!(isimage["image"]["metadata"]["name"], d.to_string());
    let (status, full) = b
        .api(&format!(
            "/apis/image.openshift.io/v1/namespaces/demo/imagestreamimages/app@{d}"
        ))
        .await;
    assert_eq!(status, 200, "{full}");
    let (status, e) = b
        .api("/apis/image.openshift.io/v1/namespaces/demo/imagestreamimages/app")
        .await;
    assert_eq!(
        (status, e["message"].as_str().unwrap()),
        (400, "ImageStreamImages must be retrieved with <name>@<id>")
    );
    let (status, _) = b
        .api("/apis/image.openshift.io/v1/namespaces/demo/imagestreamimages/app@ffffffffffff")
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_image_stream_mapping_records_an_image_into_a_tag() {
    let b = Both::new();
    let d = b.push("demo/app", "v1", "one").await;
    let mapping = json!({"kind": "ImageStreamMapping", "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": "app", "namespace": "demo"}, "tag": "mapped",
        "image": {"metadata": {"name": d.to_string()}, "dockerImageReference": ""}});
    let (status, body) = b
        .api_write(
            Method::POST,
            "/apis/image.openshift.io/v1/namespaces/demo/imagestreammappings",
            None,
            mapping.clone(),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (201, Some("Success")),
        "{body}"
    );
    let s = b.stream("demo", "app").await;
    let event = &history(&s, "mapped")[0];
    assert_eq!(event["image"], d.to_string());
    assert_eq!(
        event["dockerImageReference"],
        format!("{HOST}/demo/app@{d}"),
        "a managed image is referenced through the stream"
    );
    assert_eq!(
        b.registry_tags("demo/app").await,
        json!(["mapped", "v1"]),
        "the registry serves the mapped tag"
    );
    let mut missing = mapping.clone();
    missing["metadata"]["name"] = "nostream".into();
    let (status, _) = b
        .api_write(
            Method::POST,
            "/apis/image.openshift.io/v1/namespaces/demo/imagestreammappings",
            None,
            missing,
        )
        .await;
    assert_eq!(status, 404);
    let mut untagged = mapping;
    untagged["tag"] = "".into();
    let (status, e) = b
        .api_write(
            Method::POST,
            "/apis/image.openshift.io/v1/namespaces/demo/imagestreammappings",
            None,
            untagged,
        )
        .await;
    assert_eq!(status, 422, "{e}");
}

#[tokio::test]
async fn a_stream_lists_the_layers_of_its_images_and_its_pull_secrets() {
    let b = Both::new();
    let d = b.push("demo/app", "v1", "one").await;
    let (status, layers) = b
        .api("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/app/layers")
        .await;
    assert_eq!(status, 200, "{layers}");
    assert_eq!(layers["kind"], "ImageStreamLayers");
    let image = &layers["images"][d.to_string()];
    let layer = image["layers"][0].as_str().unwrap();
    assert_eq!(layers["blobs"][layer]["size"], "layer one".len());
    let config = image["config"].as_str().unwrap();
    assert!(layers["blobs"][config].is_object(), "{layers}");
    assert_eq!(layers["blobs"][d.to_string()]["mediaType"], OCI_MANIFEST);

    let secret = |name: &str, kind: &str, exclude: bool| {
        let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": kind, "data": {}});
        if exclude {
            s["metadata"]["annotations"] = json!({"openshift.io/image.excludeSecret": "true"});
        }
        s
    };
    for s in [
        secret("pull", "kubernetes.io/dockerconfigjson", false),
        secret("legacy", "kubernetes.io/dockercfg", false),
        secret("opaque", "Opaque", false),
        secret("hidden", "kubernetes.io/dockerconfigjson", true),
    ] {
        let (status, body) = b
            .api_write(Method::POST, "/api/v1/namespaces/demo/secrets", None, s)
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, secrets) = b
        .api("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/app/secrets")
        .await;
    assert_eq!(status, 200, "{secrets}");
    let names: Vec<&str> = secrets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["legacy", "pull"]);
    let (status, _) = b
        .api("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/ghost/layers")
        .await;
    assert_eq!(status, 404);
}
