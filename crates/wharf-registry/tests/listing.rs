//! Tag lists and the catalog: sorted, paged with `n`/`last`, `Link` to the next page.

mod common;

use axum::body::Body;
use axum::http::Method;
use common::{Harness, OCI_MANIFEST};
use serde_json::json;

#[tokio::test]
async fn tags_are_listed_sorted() {
    let h = Harness::new();
    for t in ["v2", "latest", "v10", "A"] {
        h.push_image("ns/app", t, OCI_MANIFEST, "same").await;
    }
    let r = h.get("/v2/ns/app/tags/list").await;
    r.expect(200, None);
    assert_eq!(
        r.json(),
        json!({"name": "ns/app", "tags": ["A", "latest", "v10", "v2"]})
    );
    assert!(r.header("link").is_none());
}

#[tokio::test]
async fn tags_page_with_n_last_and_link() {
    let h = Harness::new();
    for t in ["a", "b", "c", "d", "e"] {
        h.push_image("p", t, OCI_MANIFEST, "same").await;
    }
    let r = h.get("/v2/p/tags/list?n=2").await;
    assert_eq!(r.json()["tags"], json!(["a", "b"]));
    assert_eq!(
        r.header("link"),
        Some(r#"</v2/p/tags/list?last=b&n=2>; rel="next""#)
    );
    let r = h.get("/v2/p/tags/list?n=2&last=b").await;
    assert_eq!(r.json()["tags"], json!(["c", "d"]));
    let r = h.get("/v2/p/tags/list?n=2&last=d").await;
    assert_eq!(r.json()["tags"], json!(["e"]));
    assert!(r.header("link").is_none());
    let r = h.get("/v2/p/tags/list?n=0").await;
    assert_eq!(r.json()["tags"], json!([]));
    h.get("/v2/p/tags/list?n=-1")
        .await
        .expect(400, Some("PAGINATION_NUMBER_INVALID"));
}

#[tokio::test]
async fn tags_of_an_unknown_repository_are_name_unknown() {
    let h = Harness::new();
    h.get("/v2/nobody/tags/list")
        .await
        .expect(404, Some("NAME_UNKNOWN"));
}

#[tokio::test]
async fn catalog_lists_repositories_sorted_and_paged() {
    let h = Harness::new();
    for repo in ["zeta", "alpha/one", "alpha/two", "mid"] {
        h.push_blob(repo, repo.as_bytes()).await;
    }
    let r = h.get("/v2/_catalog").await;
    r.expect(200, None);
    assert_eq!(
        r.json(),
        json!({"repositories": ["alpha/one", "alpha/two", "mid", "zeta"]})
    );
    let r = h.get("/v2/_catalog?n=3").await;
    assert_eq!(
        r.json()["repositories"],
        json!(["alpha/one", "alpha/two", "mid"])
    );
    assert_eq!(
        r.header("link"),
        Some(r#"</v2/_catalog?last=mid&n=3>; rel="next""#)
    );
    let r = h.get("/v2/_catalog?n=2&last=alpha%2Ftwo").await;
    assert_eq!(r.json()["repositories"], json!(["mid", "zeta"]));
}

#[tokio::test]
async fn base_endpoint_answers_with_the_api_version() {
    let h = Harness::new();
    for uri in ["/v2/", "/v2"] {
        let r = h.get(uri).await;
        r.expect(200, None);
        assert_eq!(r.body, b"{}");
    }
    h.send(Method::POST, "/v2/", &[], Body::empty())
        .await
        .expect(405, Some("UNSUPPORTED"));
}
