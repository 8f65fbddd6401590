//! Invariant 3: no input causes a panic or a 500. Every malformed request gets a 4xx with the
//! spec's error body.

mod common;

use axum::body::Body;
use axum::http::Method;
use common::{Harness, OCI_MANIFEST};

#[tokio::test]
async fn malformed_names_are_name_invalid() {
    let h = Harness::new();
    let long = format!("/v2/{}/tags/list", "a".repeat(300));
    for uri in [
        "/v2/UPPER/tags/list",
        "/v2/a..b/tags/list",
        "/v2/a//b/manifests/v1",
        "/v2/-a/blobs/uploads/",
        long.as_str(),
        "/v2/a%2F..%2Fb/tags/list",
    ] {
        let r = h.get(uri).await;
        assert!(r.status.is_client_error(), "{uri}: {}", r.status);
        if r.status == 400 {
            assert_eq!(r.code(), "NAME_INVALID", "{uri}");
        }
    }
}

#[tokio::test]
async fn malformed_digests_and_references_are_refused() {
    let h = Harness::new();
    for (uri, code) in [
        ("/v2/r/blobs/sha256:short", "DIGEST_INVALID"),
        ("/v2/r/blobs/md5:abcd", "DIGEST_INVALID"),
        ("/v2/r/blobs/notadigest", "DIGEST_INVALID"),
        ("/v2/r/manifests/sha256:zz", "DIGEST_INVALID"),
        ("/v2/r/manifests/-bad-tag", "TAG_INVALID"),
        (
            "/v2/r/blobs/uploads/?mount=nonsense&from=x",
            "DIGEST_INVALID",
        ),
    ] {
        let method = if uri.contains("uploads") {
            Method::POST
        } else {
            Method::GET
        };
        h.send(method, uri, &[], Body::empty())
            .await
            .expect(400, Some(code));
    }
    h.send(
        Method::POST,
        "/v2/r/blobs/uploads/?digest=sha256:1",
        &[],
        b"x".to_vec(),
    )
    .await
    .expect(400, Some("DIGEST_INVALID"));
}

#[tokio::test]
async fn malformed_upload_ids_are_unknown_uploads() {
    let h = Harness::new();
    for id in ["..", "..%2F..%2Fetc", "x%00y", &"z".repeat(500)] {
        let r = h.get(&format!("/v2/r/blobs/uploads/{id}")).await;
        assert!(r.status.is_client_error(), "{id}: {}", r.status);
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_are_4xx() {
    let h = Harness::new();
    for (m, uri) in [
        (Method::GET, "/v2/r/unknown/x"),
        (Method::POST, "/v2/r/manifests/v1"),
        (Method::PUT, "/v2/r/blobs/sha256:aa"),
        (Method::OPTIONS, "/v2/r/tags/list"),
        (Method::GET, "/v2/r/blobs/uploads/"),
    ] {
        let r = h.send(m.clone(), uri, &[], Body::empty()).await;
        assert!(r.status.is_client_error(), "{m} {uri}: {}", r.status);
        assert!(!r.code().is_empty(), "{m} {uri} has an error body");
    }
}

#[tokio::test]
async fn garbage_manifest_bodies_never_cause_a_server_error() {
    let h = Harness::new();
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00],
        b"null".to_vec(),
        b"{\"schemaVersion\": \"2\"}".to_vec(),
        b"{\"schemaVersion\": 2, \"manifests\": 7}".to_vec(),
        b"{\"schemaVersion\": 2, \"config\": {\"digest\": 5}}".to_vec(),
        b"{\"schemaVersion\": 2, \"mediaType\": 5}".to_vec(),
        format!("{}{}", "[".repeat(10000), "]".repeat(10000)).into_bytes(),
        b"{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.index.v1+json\", \"manifests\": [{\"mediaType\": \"x\", \"digest\": \"sha256:../../x\", \"size\": 1}]}".to_vec(),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        for ct in [OCI_MANIFEST, "application/json", ""] {
            let r = h.put_manifest("r", "t", ct, &body).await;
            assert_eq!(
                r.status,
                400,
                "body #{i} with {ct:?}: {}",
                String::from_utf8_lossy(&r.body)
            );
        }
    }
}

#[tokio::test]
async fn malformed_range_headers_never_cause_a_server_error() {
    let h = Harness::new();
    let d = h.push_blob("r", b"ranged").await;
    for range in [
        "bytes=",
        "bytes=x-y",
        "bytes=99999999999999999999-",
        "bytes=-99999999999999999999",
        "bytes=3-1",
        "bytes=0-0,1-1",
        "bytes=\t0-1",
    ] {
        let r = h
            .send(
                Method::GET,
                &format!("/v2/r/blobs/{d}"),
                &[("range", range)],
                Body::empty(),
            )
            .await;
        assert!(
            matches!(r.status.as_u16(), 200 | 206 | 416),
            "{range:?}: {}",
            r.status
        );
    }
    let loc = h.start_upload("r").await;
    for cr in [
        "",
        "-",
        "5-",
        "bytes */10",
        "18446744073709551615-18446744073709551615",
        "1-0",
    ] {
        let r = h
            .send(Method::PATCH, &loc, &[("content-range", cr)], b"x".to_vec())
            .await;
        assert!(r.status.is_client_error(), "{cr:?}: {}", r.status);
    }
}
