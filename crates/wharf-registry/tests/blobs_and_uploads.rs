//! Blob reads and every way of uploading: monolithic, POST+PUT, chunked PATCH, resumable
//! status, cancel, cross-repository mount, empty blobs, sha512.

mod common;

use axum::body::Body;
use axum::http::Method;
use common::Harness;
use wharf_domain::{Algorithm, Digest};

#[tokio::test]
async fn monolithic_post_with_digest_stores_the_blob() {
    let h = Harness::new();
    let data = b"monolithic blob";
    let d = Digest::sha256_of(data);
    let r = h
        .send(
            Method::POST,
            &format!("/v2/a/b/blobs/uploads/?digest={d}"),
            &[],
            data.to_vec(),
        )
        .await;
    r.expect(201, None);
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/a/b/blobs/{d}").as_str())
    );
    assert_eq!(
        r.header("docker-content-digest"),
        Some(d.to_string().as_str())
    );
    let got = h.get(&format!("/v2/a/b/blobs/{d}")).await;
    got.expect(200, None);
    assert_eq!(got.body, data);
    assert_eq!(
        got.header("docker-content-digest"),
        Some(d.to_string().as_str())
    );
    assert_eq!(got.header("content-length"), Some("15"));
}

#[tokio::test]
async fn post_then_put_with_body_completes_an_upload() {
    let h = Harness::new();
    let start = h
        .send(Method::POST, "/v2/repo/blobs/uploads/", &[], Body::empty())
        .await;
    start.expect(202, None);
    let loc = start.header("location").unwrap().to_string();
    let uuid = start.header("docker-upload-uuid").unwrap();
    assert!(loc.ends_with(uuid));
    assert_eq!(start.header("range"), Some("0-0"));
    let d = Digest::sha256_of(b"put body");
    h.send(
        Method::PUT,
        &format!("{loc}?digest={d}"),
        &[],
        b"put body".to_vec(),
    )
    .await
    .expect(201, None);
    assert_eq!(
        h.get(&format!("/v2/repo/blobs/{d}")).await.body,
        b"put body"
    );
    // The session is gone once completed.
    h.get(&loc).await.expect(404, Some("BLOB_UPLOAD_UNKNOWN"));
}

#[tokio::test]
async fn chunked_patches_in_order_then_put() {
    let h = Harness::new();
    let loc = h.start_upload("chunky").await;
    let r = h
        .send(
            Method::PATCH,
            &loc,
            &[("content-range", "0-4"), ("content-length", "5")],
            b"hello".to_vec(),
        )
        .await;
    r.expect(202, None);
    assert_eq!(r.header("range"), Some("0-4"));
    let loc = r.header("location").unwrap().to_string();
    // Out of order: 416 with the current range.
    let bad = h
        .send(
            Method::PATCH,
            &loc,
            &[("content-range", "10-14"), ("content-length", "5")],
            b"xxxxx".to_vec(),
        )
        .await;
    bad.expect(416, Some("BLOB_UPLOAD_INVALID"));
    assert_eq!(bad.header("range"), Some("0-4"));
    // Status shows what is held.
    let st = h.get(&loc).await;
    st.expect(204, None);
    assert_eq!(st.header("range"), Some("0-4"));
    assert!(st.header("docker-upload-uuid").is_some());
    // A PATCH without Content-Range streams at the end.
    h.send(Method::PATCH, &loc, &[], b", world".to_vec())
        .await
        .expect(202, None);
    let d = Digest::sha256_of(b"hello, world");
    h.send(
        Method::PUT,
        &format!("{loc}?digest={d}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(201, None);
    assert_eq!(
        h.get(&format!("/v2/chunky/blobs/{d}")).await.body,
        b"hello, world"
    );
}

#[tokio::test]
async fn content_range_that_disagrees_with_content_length_is_refused() {
    let h = Harness::new();
    let loc = h.start_upload("r").await;
    h.send(
        Method::PATCH,
        &loc,
        &[("content-range", "0-9"), ("content-length", "3")],
        b"abc".to_vec(),
    )
    .await
    .expect(416, Some("BLOB_UPLOAD_INVALID"));
    h.send(
        Method::PATCH,
        &loc,
        &[("content-range", "garbage")],
        b"abc".to_vec(),
    )
    .await
    .expect(416, Some("BLOB_UPLOAD_INVALID"));
}

#[tokio::test]
async fn wrong_digest_on_completion_is_digest_invalid_and_stores_nothing() {
    let h = Harness::new();
    let claimed = Digest::sha256_of(b"something else");
    h.send(
        Method::POST,
        &format!("/v2/r/blobs/uploads/?digest={claimed}"),
        &[],
        b"actual".to_vec(),
    )
    .await
    .expect(400, Some("DIGEST_INVALID"));
    h.send(
        Method::HEAD,
        &format!("/v2/r/blobs/{claimed}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(404, None);
    let loc = h.start_upload("r").await;
    h.send(Method::PUT, &loc, &[], b"no digest".to_vec())
        .await
        .expect(400, Some("DIGEST_INVALID"));
}

#[tokio::test]
async fn cancelled_upload_is_gone() {
    let h = Harness::new();
    let loc = h.start_upload("r").await;
    h.send(Method::DELETE, &loc, &[], Body::empty())
        .await
        .expect(204, None);
    h.get(&loc).await.expect(404, Some("BLOB_UPLOAD_UNKNOWN"));
    h.send(Method::PATCH, &loc, &[], b"x".to_vec())
        .await
        .expect(404, Some("BLOB_UPLOAD_UNKNOWN"));
    h.send(Method::DELETE, &loc, &[], Body::empty())
        .await
        .expect(404, Some("BLOB_UPLOAD_UNKNOWN"));
}

#[tokio::test]
async fn an_upload_belongs_to_its_repository() {
    let h = Harness::new();
    let loc = h.start_upload("mine").await;
    let id = loc.rsplit('/').next().unwrap();
    h.get(&format!("/v2/theirs/blobs/uploads/{id}"))
        .await
        .expect(404, Some("BLOB_UPLOAD_UNKNOWN"));
}

#[tokio::test]
async fn mount_from_a_readable_repository_links_without_upload() {
    let h = Harness::new();
    let d = h.push_blob("src/repo", b"shared layer").await;
    let r = h
        .send(
            Method::POST,
            &format!("/v2/dst/repo/blobs/uploads/?mount={d}&from=src/repo"),
            &[],
            Body::empty(),
        )
        .await;
    r.expect(201, None);
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/dst/repo/blobs/{d}").as_str())
    );
    assert_eq!(
        h.get(&format!("/v2/dst/repo/blobs/{d}")).await.body,
        b"shared layer"
    );
}

#[tokio::test]
async fn mount_of_an_unreadable_blob_starts_an_upload_instead() {
    let h = Harness::new();
    let d = h.push_blob("src", b"private").await;
    for query in [format!("mount={d}&from=elsewhere"), format!("mount={d}")] {
        let r = h
            .send(
                Method::POST,
                &format!("/v2/dst/blobs/uploads/?{query}"),
                &[],
                Body::empty(),
            )
            .await;
        r.expect(202, None);
        assert!(r
            .header("location")
            .unwrap()
            .starts_with("/v2/dst/blobs/uploads/"));
    }
    h.get(&format!("/v2/dst/blobs/{d}"))
        .await
        .expect(404, Some("BLOB_UNKNOWN"));
}

#[tokio::test]
async fn empty_blob_and_sha512_blob() {
    let h = Harness::new();
    let empty = h.push_blob("r", b"").await;
    let got = h.get(&format!("/v2/r/blobs/{empty}")).await;
    got.expect(200, None);
    assert!(got.body.is_empty());
    let d = Digest::of(Algorithm::Sha512, b"five hundred twelve");
    h.send(
        Method::POST,
        &format!("/v2/r/blobs/uploads/?digest={d}"),
        &[],
        b"five hundred twelve".to_vec(),
    )
    .await
    .expect(201, None);
    assert_eq!(
        h.get(&format!("/v2/r/blobs/{d}")).await.body,
        b"five hundred twelve"
    );
}

#[tokio::test]
async fn blob_ranges_give_206_and_416() {
    let h = Harness::new();
    let d = h.push_blob("r", b"0123456789").await;
    let uri = format!("/v2/r/blobs/{d}");
    let r = h
        .send(Method::GET, &uri, &[("range", "bytes=2-5")], Body::empty())
        .await;
    r.expect(206, None);
    assert_eq!(r.body, b"2345");
    assert_eq!(r.header("content-range"), Some("bytes 2-5/10"));
    let r = h
        .send(Method::GET, &uri, &[("range", "bytes=-3")], Body::empty())
        .await;
    assert_eq!(r.body, b"789");
    let r = h
        .send(
            Method::GET,
            &uri,
            &[("range", "bytes=10-20")],
            Body::empty(),
        )
        .await;
    r.expect(416, None);
    assert_eq!(r.header("content-range"), Some("bytes */10"));
    let r = h
        .send(Method::GET, &uri, &[("range", "nonsense")], Body::empty())
        .await;
    r.expect(200, None);
    assert_eq!(r.body.len(), 10);
}

#[tokio::test]
async fn head_reports_size_and_digest_without_body() {
    let h = Harness::new();
    let d = h.push_blob("r", b"headed").await;
    let r = h
        .send(
            Method::HEAD,
            &format!("/v2/r/blobs/{d}"),
            &[],
            Body::empty(),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.header("content-length"), Some("6"));
    assert_eq!(
        r.header("docker-content-digest"),
        Some(d.to_string().as_str())
    );
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn blobs_are_only_readable_from_repositories_they_were_pushed_or_mounted_to() {
    let h = Harness::new();
    let d = h.push_blob("one", b"scoped").await;
    h.get(&format!("/v2/two/blobs/{d}"))
        .await
        .expect(404, Some("BLOB_UNKNOWN"));
}

#[tokio::test]
async fn blob_delete_unlinks_unless_a_manifest_needs_it() {
    let h = Harness::new();
    let loose = h.push_blob("r", b"loose").await;
    h.send(
        Method::DELETE,
        &format!("/v2/r/blobs/{loose}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(202, None);
    h.get(&format!("/v2/r/blobs/{loose}"))
        .await
        .expect(404, Some("BLOB_UNKNOWN"));
    h.send(
        Method::DELETE,
        &format!("/v2/r/blobs/{loose}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(404, Some("BLOB_UNKNOWN"));
    let (_, m) = h.push_image("r", "v1", common::OCI_MANIFEST, "x").await;
    let v: serde_json::Value = serde_json::from_slice(&m).unwrap();
    let layer = v["layers"][0]["digest"].as_str().unwrap();
    h.send(
        Method::DELETE,
        &format!("/v2/r/blobs/{layer}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(409, Some("DENIED"));
}

#[tokio::test]
async fn resuming_after_restart_rehashes_what_is_on_disk() {
    // The in-memory hash state is a cache: a fresh registry over the same stores must still
    // complete an upload begun by another.
    let h = Harness::new();
    let loc = h.start_upload("r").await;
    h.send(Method::PATCH, &loc, &[], b"part one, ".to_vec())
        .await
        .expect(202, None);
    let restarted = h.restarted();
    common::send_to(&restarted, Method::PATCH, &loc, &[], b"part two".to_vec())
        .await
        .expect(202, None);
    let d = Digest::sha256_of(b"part one, part two");
    common::send_to(
        &restarted,
        Method::PUT,
        &format!("{loc}?digest={d}"),
        &[],
        Body::empty(),
    )
    .await
    .expect(201, None);
    assert_eq!(
        common::send_to(
            &restarted,
            Method::GET,
            &format!("/v2/r/blobs/{d}"),
            &[],
            Body::empty()
        )
        .await
        .body,
        b"part one, part two"
    );
}
