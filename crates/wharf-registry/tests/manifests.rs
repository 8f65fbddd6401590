//! Manifest push, pull, HEAD and delete for every manifest type, by tag and by digest.

mod common;

use axum::body::Body;
use axum::http::Method;
use common::{index, Harness, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use serde_json::json;
use wharf_domain::{Algorithm, Digest};
use wharf_registry::Limits;

async fn served_exactly(h: &Harness, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) {
    let d = Digest::sha256_of(bytes);
    for r in [reference.to_string(), d.to_string()] {
        let got = h.get(&format!("/v2/{repo}/manifests/{r}")).await;
        got.expect(200, None);
        assert_eq!(got.body, bytes, "served byte for byte");
        assert_eq!(got.header("content-type"), Some(media_type));
        assert_eq!(
            got.header("docker-content-digest"),
            Some(d.to_string().as_str())
        );
        let head = h
            .send(
                Method::HEAD,
                &format!("/v2/{repo}/manifests/{r}"),
                &[],
                Body::empty(),
            )
            .await;
        head.expect(200, None);
        assert!(head.body.is_empty());
        assert_eq!(
            head.header("content-length"),
            Some(bytes.len().to_string().as_str())
        );
        assert_eq!(
            head.header("docker-content-digest"),
            Some(d.to_string().as_str())
        );
    }
}

#[tokio::test]
async fn oci_and_docker_image_manifests_round_trip_unchanged() {
    let h = Harness::new();
    for (repo, mt) in [("oci/img", OCI_MANIFEST), ("docker/img", DOCKER_MANIFEST)] {
        let (d, bytes) = h.push_image(repo, "v1", mt, repo).await;
        served_exactly(&h, repo, "v1", mt, &bytes).await;
        // Ask for something else in Accept: still the same bytes, never converted.
        let r = h
            .send(
                Method::GET,
                &format!("/v2/{repo}/manifests/{d}"),
                &[(
                    "accept",
                    "application/vnd.docker.distribution.manifest.v1+prettyjws",
                )],
                Body::empty(),
            )
            .await;
        assert_eq!(r.body, bytes);
    }
}

#[tokio::test]
async fn put_returns_location_and_digest() {
    let h = Harness::new();
    let config = h.push_blob("r", b"{}").await;
    let m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.to_string(), "size": 2},
        "layers": []}).to_string();
    let r = h.put_manifest("r", "t", OCI_MANIFEST, m.as_bytes()).await;
    r.expect(201, None);
    let d = Digest::sha256_of(m.as_bytes());
    assert_eq!(
        r.header("docker-content-digest"),
        Some(d.to_string().as_str())
    );
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/r/manifests/{d}").as_str())
    );
}

#[tokio::test]
async fn oci_index_and_docker_manifest_list_round_trip() {
    let h = Harness::new();
    for (repo, list_type, child_type) in [
        ("multi/oci", OCI_INDEX, OCI_MANIFEST),
        ("multi/docker", DOCKER_LIST, DOCKER_MANIFEST),
    ] {
        let (amd, amd_bytes) = h
            .push_image(repo, "amd64", child_type, &format!("{repo}-amd64"))
            .await;
        let (arm, arm_bytes) = h
            .push_image(repo, "arm64", child_type, &format!("{repo}-arm64"))
            .await;
        let list = index(
            list_type,
            &[
                (&amd, amd_bytes.len(), child_type, "amd64"),
                (&arm, arm_bytes.len(), child_type, "arm64"),
            ],
        );
        h.put_manifest(repo, "multi", list_type, &list)
            .await
            .expect(201, None);
        served_exactly(&h, repo, "multi", list_type, &list).await;
    }
}

#[tokio::test]
async fn an_index_whose_children_are_missing_is_refused() {
    let h = Harness::new();
    let ghost = Digest::sha256_of(b"never pushed");
    let list = index(OCI_INDEX, &[(&ghost, 10, OCI_MANIFEST, "amd64")]);
    let r = h.put_manifest("r", "multi", OCI_INDEX, &list).await;
    r.expect(400, Some("MANIFEST_BLOB_UNKNOWN"));
    assert_eq!(
        r.json()["errors"][0]["detail"]["missing"][0],
        ghost.to_string()
    );
    h.get("/v2/r/manifests/multi")
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
}

#[tokio::test]
async fn a_manifest_whose_blobs_are_missing_is_refused_and_invisible() {
    let h = Harness::new();
    let config = h.push_blob("r", b"{}").await;
    let missing = Digest::sha256_of(b"layer never uploaded");
    let m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.to_string(), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": missing.to_string(), "size": 5}]}).to_string();
    h.put_manifest("r", "v1", OCI_MANIFEST, m.as_bytes())
        .await
        .expect(400, Some("MANIFEST_BLOB_UNKNOWN"));
    h.get("/v2/r/manifests/v1")
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
    h.get("/v2/r/tags/list").await.expect(200, None);
    assert_eq!(h.get("/v2/r/tags/list").await.json()["tags"], json!([]));
    // The same blob in another repository does not count.
    h.push_blob("other", b"layer never uploaded").await;
    h.put_manifest("r", "v1", OCI_MANIFEST, m.as_bytes())
        .await
        .expect(400, Some("MANIFEST_BLOB_UNKNOWN"));
}

#[tokio::test]
async fn artifacts_with_custom_config_and_artifact_type_are_stored() {
    let h = Harness::new();
    let empty = h.push_blob("art", b"{}").await;
    let file = h.push_blob("art", b"payload").await;
    let m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.sbom",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty.to_string(), "size": 2},
        "layers": [{"mediaType": "text/plain", "digest": file.to_string(), "size": 7}]}).to_string();
    h.put_manifest("art", "sbom", OCI_MANIFEST, m.as_bytes())
        .await
        .expect(201, None);
    served_exactly(&h, "art", "sbom", OCI_MANIFEST, m.as_bytes()).await;
    let custom = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.unknown.config.v1+json", "digest": empty.to_string(), "size": 2},
        "layers": []}).to_string();
    h.put_manifest("art", "custom", OCI_MANIFEST, custom.as_bytes())
        .await
        .expect(201, None);
}

#[tokio::test]
async fn put_by_digest_must_match_the_content() {
    let h = Harness::new();
    let (_, bytes) = h.push_image("r", "v1", OCI_MANIFEST, "d").await;
    let good = Digest::sha256_of(&bytes);
    h.put_manifest("r", &good.to_string(), OCI_MANIFEST, &bytes)
        .await
        .expect(201, None);
    let wrong = Digest::sha256_of(b"other");
    h.put_manifest("r", &wrong.to_string(), OCI_MANIFEST, &bytes)
        .await
        .expect(400, Some("DIGEST_INVALID"));
    let sha512 = Digest::of(Algorithm::Sha512, &bytes);
    let r = h
        .put_manifest("r", &sha512.to_string(), OCI_MANIFEST, &bytes)
        .await;
    r.expect(201, None);
    assert_eq!(
        r.header("docker-content-digest"),
        Some(sha512.to_string().as_str())
    );
    assert_eq!(
        h.get(&format!("/v2/r/manifests/{sha512}")).await.body,
        bytes
    );
}

#[tokio::test]
async fn invalid_manifests_are_manifest_invalid() {
    let h = Harness::new();
    for (ct, body) in [
        (OCI_MANIFEST, &b"{not json"[..]),
        (OCI_MANIFEST, br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#),
        (DOCKER_MANIFEST, br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:aa","size":1},"layers":[]}"#),
        ("application/vnd.docker.distribution.manifest.v1+prettyjws", br#"{"schemaVersion":1,"name":"r","tag":"v1"}"#),
        ("text/plain", br#"{"schemaVersion":2,"mediaType":"text/plain"}"#),
        (OCI_MANIFEST, b"[]"),
        (OCI_MANIFEST, b""),
    ] {
        h.put_manifest("r", "bad", ct, body).await.expect(400, Some("MANIFEST_INVALID"));
    }
}

#[tokio::test]
async fn manifests_over_the_size_limit_are_refused() {
    let h = Harness::with_limits(Limits {
        max_manifest_bytes: 1024,
        ..Limits::default()
    });
    let big = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "annotations": {"pad": "x".repeat(2000)}}).to_string();
    h.put_manifest("r", "big", OCI_MANIFEST, big.as_bytes())
        .await
        .expect(413, Some("SIZE_INVALID"));
}

#[tokio::test]
async fn retagging_moves_the_tag_and_keeps_the_old_manifest_by_digest() {
    let h = Harness::new();
    let (one, _) = h.push_image("r", "latest", OCI_MANIFEST, "one").await;
    let (two, _) = h.push_image("r", "latest", OCI_MANIFEST, "two").await;
    assert_eq!(
        h.get("/v2/r/manifests/latest")
            .await
            .header("docker-content-digest"),
        Some(two.to_string().as_str())
    );
    h.get(&format!("/v2/r/manifests/{one}"))
        .await
        .expect(200, None);
}

#[tokio::test]
async fn delete_by_tag_removes_only_the_tag() {
    let h = Harness::new();
    let (d, _) = h.push_image("r", "v1", OCI_MANIFEST, "t").await;
    h.send(Method::DELETE, "/v2/r/manifests/v1", &[], Body::empty())
        .await
        .expect(202, None);
    h.get("/v2/r/manifests/v1")
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
    h.get(&format!("/v2/r/manifests/{d}"))
        .await
        .expect(200, None);
    h.send(Method::DELETE, "/v2/r/manifests/v1", &[], Body::empty())
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
}

#[tokio::test]
async fn delete_by_digest_removes_the_manifest_and_its_tags() {
    let h = Harness::new();
    let (d, _) = h.push_image("a/b/c", "v1", OCI_MANIFEST, "del").await;
    h.send(
        Method::DELETE,
        &format!("/v2/a/b/c/manifests/{d}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(202, None);
    h.get(&format!("/v2/a/b/c/manifests/{d}"))
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
    h.get("/v2/a/b/c/manifests/v1")
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
    h.send(
        Method::DELETE,
        &format!("/v2/a/b/c/manifests/{d}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(404, Some("MANIFEST_UNKNOWN"));
}

#[tokio::test]
async fn a_child_listed_by_an_index_cannot_be_deleted_before_the_index() {
    // Distribution allows this and leaves the index pointing at nothing; Wharf refuses.
    let h = Harness::new();
    let (child, bytes) = h.push_image("r", "amd64", OCI_MANIFEST, "c").await;
    let list = index(OCI_INDEX, &[(&child, bytes.len(), OCI_MANIFEST, "amd64")]);
    h.put_manifest("r", "multi", OCI_INDEX, &list)
        .await
        .expect(201, None);
    h.send(
        Method::DELETE,
        &format!("/v2/r/manifests/{child}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(409, Some("DENIED"));
    let ix = Digest::sha256_of(&list);
    h.send(
        Method::DELETE,
        &format!("/v2/r/manifests/{ix}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(202, None);
    h.send(
        Method::DELETE,
        &format!("/v2/r/manifests/{child}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(202, None);
}

#[tokio::test]
async fn the_same_manifest_in_two_repositories_is_independent() {
    let h = Harness::new();
    let (d, bytes) = h.push_image("one", "v1", OCI_MANIFEST, "shared").await;
    h.get(&format!("/v2/two/manifests/{d}"))
        .await
        .expect(404, Some("MANIFEST_UNKNOWN"));
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    for key in ["config", "layers"] {
        let ds: Vec<String> = if key == "config" {
            vec![v[key]["digest"].as_str().unwrap().into()]
        } else {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["digest"].as_str().unwrap().into())
                .collect()
        };
        for b in ds {
            h.send(
                Method::POST,
                &format!("/v2/two/blobs/uploads/?mount={b}&from=one"),
                &[],
                Body::empty(),
            )
            .await
            .expect(201, None);
        }
    }
    h.put_manifest("two", "v1", OCI_MANIFEST, &bytes)
        .await
        .expect(201, None);
    h.send(
        Method::DELETE,
        &format!("/v2/one/manifests/{d}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(202, None);
    assert_eq!(h.get(&format!("/v2/two/manifests/{d}")).await.body, bytes);
}
