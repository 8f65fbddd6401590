//! The referrers API: manifests with a `subject`, listed as an OCI index, filterable by
//! `artifactType`; `OCI-Subject` on the push.

mod common;

use axum::http::Method;
use common::{Harness, OCI_INDEX, OCI_MANIFEST};
use serde_json::json;
use wharf_domain::Digest;

async fn push_referrer(
    h: &Harness,
    repo: &str,
    subject: &Digest,
    artifact_type: &str,
    note: &str,
) -> (Digest, usize) {
    let empty = h.push_blob(repo, b"{}").await;
    let m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty.to_string(), "size": 2},
        "layers": [],
        "subject": {"mediaType": OCI_MANIFEST, "digest": subject.to_string(), "size": 100},
        "annotations": {"note": note}}).to_string();
    let d = Digest::sha256_of(m.as_bytes());
    let r = h
        .put_manifest(repo, &d.to_string(), OCI_MANIFEST, m.as_bytes())
        .await;
    r.expect(201, None);
    assert_eq!(r.header("oci-subject"), Some(subject.to_string().as_str()));
    (d, m.len())
}

#[tokio::test]
async fn referrers_of_a_subject_are_listed_as_an_index() {
    let h = Harness::new();
    let (subject, _) = h.push_image("r", "v1", OCI_MANIFEST, "subject").await;
    let (sig, sig_len) =
        push_referrer(&h, "r", &subject, "application/vnd.example.sig", "signed").await;
    let (sbom, _) = push_referrer(&h, "r", &subject, "application/vnd.example.sbom", "sbom").await;
    let r = h.get(&format!("/v2/r/referrers/{subject}")).await;
    r.expect(200, None);
    assert_eq!(r.header("content-type"), Some(OCI_INDEX));
    let body = r.json();
    assert_eq!(body["schemaVersion"], 2);
    assert_eq!(body["mediaType"], OCI_INDEX);
    let manifests = body["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 2);
    let sig_entry = manifests
        .iter()
        .find(|m| m["digest"] == sig.to_string())
        .unwrap();
    assert_eq!(sig_entry["artifactType"], "application/vnd.example.sig");
    assert_eq!(sig_entry["size"], sig_len);
    assert_eq!(sig_entry["mediaType"], OCI_MANIFEST);
    assert_eq!(sig_entry["annotations"]["note"], "signed");
    assert!(manifests.iter().any(|m| m["digest"] == sbom.to_string()));
}

#[tokio::test]
async fn referrers_filter_by_artifact_type() {
    let h = Harness::new();
    let (subject, _) = h.push_image("r", "v1", OCI_MANIFEST, "s").await;
    push_referrer(&h, "r", &subject, "application/vnd.example.sig", "a").await;
    let (sbom, _) = push_referrer(&h, "r", &subject, "application/vnd.example.sbom", "b").await;
    let r = h
        .get(&format!(
            "/v2/r/referrers/{subject}?artifactType=application/vnd.example.sbom"
        ))
        .await;
    assert_eq!(r.header("oci-filters-applied"), Some("artifactType"));
    let manifests = r.json()["manifests"].as_array().unwrap().clone();
    assert_eq!(manifests.len(), 1);
    assert_eq!(manifests[0]["digest"], sbom.to_string());
}

#[tokio::test]
async fn referrers_may_point_at_a_subject_not_pushed_yet() {
    let h = Harness::new();
    let future = Digest::sha256_of(b"pushed later");
    push_referrer(&h, "r", &future, "application/vnd.example.sig", "early").await;
    assert_eq!(
        h.get(&format!("/v2/r/referrers/{future}")).await.json()["manifests"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn no_referrers_is_an_empty_index_and_a_bad_digest_is_refused() {
    let h = Harness::new();
    let r = h
        .get(&format!(
            "/v2/r/referrers/{}",
            Digest::sha256_of(b"nothing")
        ))
        .await;
    r.expect(200, None);
    assert_eq!(r.json()["manifests"], json!([]));
    h.get("/v2/r/referrers/sha256:nothex")
        .await
        .expect(400, Some("DIGEST_INVALID"));
    h.send(
        Method::DELETE,
        &format!("/v2/r/referrers/{}", Digest::sha256_of(b"x")),
        &[],
        axum::body::Body::empty(),
    )
    .await
    .expect(405, Some("UNSUPPORTED"));
}
