//! Create, get, update, patch and delete with Kubernetes conventions: server-stamped
//! metadata, resourceVersion preconditions, generations, dry runs, Status errors.

mod common;

use axum::http::Method;
use common::{Api, IS};
use serde_json::json;

#[tokio::test]
async fn create_stamps_metadata_and_get_returns_it() {
    let api = Api::new().await;
    let created = api.stream("app", json!({"team": "a"})).await;
    let b = &created.body;
    assert_eq!(b["kind"], "ImageStream");
    assert_eq!(b["apiVersion"], "image.openshift.io/v1");
    assert_eq!(b["metadata"]["namespace"], "demo");
    assert_eq!(b["metadata"]["generation"], 1);
    assert!(b["metadata"]["uid"].as_str().unwrap().len() >= 32);
    assert!(b["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(
        b["status"]["dockerImageRepository"], "registry.test:5000/demo/app",
        "spec 1.3: the stream's repository in the integrated registry"
    );
    let got = api.get(&format!("{IS}/app")).await;
    got.expect(200, None);
    assert_eq!(got.body, created.body);
}

#[tokio::test]
async fn duplicate_create_is_already_exists_and_missing_objects_are_not_found() {
    let api = Api::new().await;
    api.stream("app", json!({})).await;
    let r = api.post(IS, json!({"metadata": {"name": "app"}})).await;
    r.expect(409, Some("AlreadyExists"));
    assert_eq!(
        r.message(),
        "imagestreams.image.openshift.io \"app\" already exists"
    );
    let r = api.get(&format!("{IS}/nope")).await;
    r.expect(404, Some("NotFound"));
    assert_eq!(
        r.message(),
        "imagestreams.image.openshift.io \"nope\" not found"
    );
    assert_eq!(
        r.body["details"],
        json!({"name": "nope", "group": "image.openshift.io", "kind": "imagestreams"})
    );
    api.delete(&format!("{IS}/nope"))
        .await
        .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn objects_need_an_existing_namespace() {
    let api = Api::new().await;
    let r = api
        .post(
            "/apis/image.openshift.io/v1/namespaces/ghost/imagestreams",
            json!({"metadata": {"name": "x"}}),
        )
        .await;
    r.expect(404, Some("NotFound"));
    assert_eq!(r.message(), "namespaces \"ghost\" not found");
}

#[tokio::test]
async fn invalid_objects_get_invalid_with_causes() {
    let api = Api::new().await;
    let r = api
        .post(IS, json!({"metadata": {"name": "Not_Valid"}}))
        .await;
    r.expect(422, Some("Invalid"));
    assert!(r.message().starts_with("ImageStream.image.openshift.io \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\""), "{}", r.message());
    assert_eq!(r.body["details"]["causes"][0]["field"], "metadata.name");
    api.post(IS, json!({"metadata": {}}))
        .await
        .expect(422, Some("Invalid"));
    api.post(IS, json!({"kind": "Image", "metadata": {"name": "x"}}))
        .await
        .expect(400, Some("BadRequest"));
    api.post(IS, json!({"metadata": {"name": "x", "namespace": "other"}}))
        .await
        .expect(400, Some("BadRequest"));
    api.send(Method::POST, IS, None, None)
        .await
        .expect(400, Some("BadRequest"));
}

#[tokio::test]
async fn update_with_a_stale_resource_version_is_a_conflict() {
    let api = Api::new().await;
    let created = api.stream("app", json!({})).await;
    let stale = created.rv();
    let mut first = created.body.clone();
    first["spec"]["lookupPolicy"]["local"] = json!(true);
    let updated = api.put(&format!("{IS}/app"), first.clone()).await;
    updated.expect(200, None);
    assert_eq!(
        updated.body["metadata"]["generation"], 2,
        "a spec change bumps the generation"
    );
    assert_ne!(updated.rv(), stale);
    let r = api.put(&format!("{IS}/app"), first).await;
    r.expect(409, Some("Conflict"));
    assert!(r.message().contains("the object has been modified; please apply your changes to the latest version and try again"));
}

#[tokio::test]
async fn metadata_only_updates_keep_the_generation_and_status_is_its_own_subresource() {
    let api = Api::new().await;
    let mut obj = api.stream("app", json!({})).await.body.clone();
    obj["metadata"]["labels"] = json!({"x": "y"});
    obj["status"] = json!({"dockerImageRepository": "ignored"});
    obj["metadata"]["resourceVersion"] = json!(null);
    let r = api.put(&format!("{IS}/app"), obj).await;
    r.expect(200, None);
    assert_eq!(r.body["metadata"]["generation"], 1);
    assert_eq!(
        r.body["status"],
        json!({"dockerImageRepository": "registry.test:5000/demo/app"}),
        "status is the server's, never the client's, through the main resource"
    );
    let mut s = r.body.clone();
    s["status"] = json!({"dockerImageRepository": "reg/demo/app"});
    s["spec"] = json!({"ignored": true});
    let r = api.put(&format!("{IS}/app/status"), s).await;
    r.expect(200, None);
    assert_eq!(r.body["status"]["dockerImageRepository"], "reg/demo/app");
    assert_eq!(
        r.body["spec"],
        json!({"lookupPolicy": {"local": false}}),
        "status writes keep spec"
    );
}

#[tokio::test]
async fn merge_and_json_patches_apply_and_unknown_patch_types_are_refused() {
    let api = Api::new().await;
    api.stream("app", json!({"a": "1"})).await;
    let uri = format!("{IS}/app");
    let r = api
        .patch(
            &uri,
            "application/merge-patch+json",
            json!({"metadata": {"labels": {"b": "2", "a": null}}}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["metadata"]["labels"], json!({"b": "2"}));
    let r = api
        .patch(
            &uri,
            "application/strategic-merge-patch+json",
            json!({"spec": {"lookupPolicy": {"local": true}}}),
        )
        .await;
    assert_eq!(r.body["spec"]["lookupPolicy"]["local"], true);
    assert_eq!(r.body["metadata"]["generation"], 2);
    let r = api
        .patch(
            &uri,
            "application/json-patch+json",
            json!([{"op": "replace", "path": "/metadata/labels/b", "value": "3"}]),
        )
        .await;
    assert_eq!(r.body["metadata"]["labels"]["b"], "3");
    api.patch(
        &uri,
        "application/json-patch+json",
        json!([{"op": "remove", "path": "/nope/x"}]),
    )
    .await
    .expect(422, Some("Invalid"));
    api.patch(&uri, "text/plain", json!({}))
        .await
        .expect(415, Some("UnsupportedMediaType"));
    let stale = api
        .patch(
            &uri,
            "application/merge-patch+json",
            json!({"metadata": {"resourceVersion": "1"}}),
        )
        .await;
    stale.expect(409, Some("Conflict"));
    api.patch(
        &format!("{IS}/ghost"),
        "application/merge-patch+json",
        json!({}),
    )
    .await
    .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let api = Api::new().await;
    api.post(
        &format!("{IS}?dryRun=All"),
        json!({"metadata": {"name": "dry"}}),
    )
    .await
    .expect(201, None);
    api.get(&format!("{IS}/dry"))
        .await
        .expect(404, Some("NotFound"));
    api.stream("wet", json!({})).await;
    api.patch(
        &format!("{IS}/wet?dryRun=All"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"x": "y"}}}),
    )
    .await
    .expect(200, None);
    assert!(api.get(&format!("{IS}/wet")).await.body["metadata"]
        .get("labels")
        .is_none_or(|l| l.get("x").is_none()));
    api.send(Method::DELETE, &format!("{IS}/wet?dryRun=All"), None, None)
        .await
        .expect(200, None);
    api.get(&format!("{IS}/wet")).await.expect(200, None);
}

#[tokio::test]
async fn delete_returns_the_object_and_honours_preconditions() {
    let api = Api::new().await;
    let rv = api.stream("app", json!({})).await.rv();
    api.patch(
        &format!("{IS}/app"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"x": "y"}}}),
    )
    .await;
    let stale = json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": rv}});
    api.send(Method::DELETE, &format!("{IS}/app"), None, Some(stale))
        .await
        .expect(409, Some("Conflict"));
    let r = api.delete(&format!("{IS}/app")).await;
    r.expect(200, None);
    assert_eq!(r.body["metadata"]["name"], "app");
    api.get(&format!("{IS}/app"))
        .await
        .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn deleting_a_namespace_deletes_what_is_in_it() {
    let api = Api::new().await;
    api.stream("app", json!({})).await;
    api.delete("/api/v1/namespaces/demo")
        .await
        .expect(200, None);
    api.get(&format!("{IS}/app"))
        .await
        .expect(404, Some("NotFound"));
    api.post("/api/v1/namespaces", json!({"metadata": {"name": "demo"}}))
        .await
        .expect(201, None);
    assert_eq!(api.get(IS).await.body["items"], json!([]));
}

#[tokio::test]
async fn cluster_scoped_resources_ignore_namespaces() {
    let api = Api::new().await;
    let digest = format!("sha256:{}", "a".repeat(64));
    let r = api
        .post(
            "/apis/image.openshift.io/v1/images",
            json!({"metadata": {"name": digest, "namespace": "demo"}}),
        )
        .await;
    r.expect(201, None);
    assert!(r.body["metadata"].get("namespace").is_none());
    api.get(&format!("/apis/image.openshift.io/v1/images/{digest}"))
        .await
        .expect(200, None);
    api.post(
        "/apis/image.openshift.io/v1/images",
        json!({"metadata": {"name": "a/b"}}),
    )
    .await
    .expect(422, Some("Invalid"));
    api.post(
        "/apis/image.openshift.io/v1/images",
        json!({"metadata": {"name": "img1"}}),
    )
    .await
    .expect(201, None);
    api.get("/apis/image.openshift.io/v1/images/img1")
        .await
        .expect(200, None);
    api.get("/apis/image.openshift.io/v1/namespaces/demo/images/img1")
        .await
        .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn protobuf_bodies_get_a_clear_unsupported_media_type() {
    let api = Api::new().await;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/namespaces")
        .header("content-type", "application/vnd.kubernetes.protobuf")
        .body(axum::body::Body::from(&b"k8s\0\x0a\x0f"[..]))
        .unwrap();
    use tower::ServiceExt;
    let resp = wharf_apiserver::router(api.server.clone())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
}

#[tokio::test]
async fn image_stream_spec_tags_are_validated_and_generations_kept_as_openshift_does() {
    let api = Api::new().await;
    // Acceptance 1: tag from DockerImage, generation 1 everywhere, no status tag.
    let created = api
        .post(IS, json!({"metadata": {"name": "python"}, "spec": {"tags": [
            {"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"}, "generation": 5}]}}))
        .await;
    created.expect(201, None);
    let tag = &created.body["spec"]["tags"][0];
    assert_eq!(
        (
            tag["generation"].as_i64(),
            created.body["metadata"]["generation"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(tag["referencePolicy"]["type"], "Source");
    // Acceptance 6: only `scheduled` changes → tag generation kept, stream generation +1.
    let r = api
        .patch(&format!("{IS}/python"), "application/merge-patch+json", json!({"spec": {"tags": [
            {"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"}, "importPolicy": {"scheduled": true}}]}}))
        .await;
    r.expect(200, None);
    assert_eq!(r.body["spec"]["tags"][0]["generation"], 1);
    assert_eq!(r.body["metadata"]["generation"], 2);
    // Acceptance 13: an unknown kind.
    let r = api
        .patch(
            &format!("{IS}/python"),
            "application/merge-patch+json",
            json!({"spec": {"tags": [{"name": "x", "from": {"kind": "Foo", "name": "a"}}]}}),
        )
        .await;
    r.expect(422, Some("Invalid"));
    assert_eq!(
        r.message(),
        "ImageStream.image.openshift.io \"python\" is invalid: [spec.tags[x].from.kind: Required value: valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag', spec.tags[x].from.name: Invalid value: \"a\": must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>]"
    );
    // Acceptance 15: names.
    let r = api.post(IS, json!({"metadata": {"name": "Foo"}})).await;
    r.expect(422, Some("Invalid"));
    assert!(
        r.message().ends_with(
            "metadata.name: Invalid value: \"Foo\": must match \"[a-z0-9]+(?:[._-][a-z0-9]+)*\""
        ),
        "{}",
        r.message()
    );
}
