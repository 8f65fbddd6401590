//! Bodies over the limits are refused with 413 in each protocol's own error shape, and the
//! refusal costs nothing already stored.

mod common;

use common::auth::call;
use common::Server;

#[test]
fn oversized_bodies_get_413_on_the_api_and_the_registry() {
    let s = Server::start();
    let big = format!(
        r#"{{"apiVersion":"image.openshift.io/v1","kind":"ImageStream","metadata":{{"name":"big","annotations":{{"pad":"{}"}}}}}}"#,
        "x".repeat(4 << 20)
    );
    let api = call(
        "POST",
        &s.url("/apis/image.openshift.io/v1/namespaces/demo/imagestreams"),
        None,
        Some(("application/json", big.as_bytes())),
    );
    assert_eq!(api.status, 413, "{}", api.body);
    assert_eq!(api.json()["kind"], "Status");
    assert_eq!(api.json()["reason"], "RequestEntityTooLarge");
    let manifest = call(
        "PUT",
        &s.url("/v2/demo/big/manifests/v1"),
        None,
        Some((
            "application/vnd.oci.image.manifest.v1+json",
            &vec![b' '; 5 << 20],
        )),
    );
    assert_eq!(manifest.status, 413, "{}", manifest.body);
    assert!(
        manifest.json()["errors"][0]["code"].is_string(),
        "{}",
        manifest.body
    );
    // Nothing was stored, and the server still answers.
    let stream = call(
        "GET",
        &s.url("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/big"),
        None,
        None,
    );
    assert_eq!(stream.status, 404);
}
