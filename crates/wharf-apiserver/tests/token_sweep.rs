//! Expired API tokens are deleted by the sweep; live and never-expiring ones stay.

mod common;

use common::Api;
use serde_json::json;
use wharf_storage::ObjectKey;

fn token(name: &str, created: &str, expires_in: i64) -> serde_json::Value {
    json!({"apiVersion": "oauth.openshift.io/v1", "kind": "OAuthAccessToken",
        "metadata": {"name": name, "creationTimestamp": created},
        "userName": "alice", "userUID": "u1", "clientName": "openshift-challenging-client",
        "expiresIn": expires_in, "scopes": ["user:full"]})
}

#[tokio::test]
async fn the_sweep_deletes_expired_tokens_only() {
    let api = Api::new().await;
    let now = wharf_domain::time::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let key = |n: &str| ObjectKey::new("oauth.openshift.io", "oauthaccesstokens", "", n);
    for (name, created, expires_in) in [
        ("sha256~expired", "2020-01-01T00:00:00Z", 86400),
        ("sha256~live", now.as_str(), 86400),
        ("sha256~forever", "2020-01-01T00:00:00Z", 0),
    ] {
        api.server
            .store
            .create_object(&key(name), token(name, created, expires_in))
            .await
            .unwrap();
    }
    assert_eq!(api.server.sweep_expired_tokens().await.unwrap(), 1);
    let listed = api
        .get("/apis/oauth.openshift.io/v1/oauthaccesstokens")
        .await;
    let mut names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["metadata"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["sha256~forever", "sha256~live"]);
    assert_eq!(api.server.sweep_expired_tokens().await.unwrap(), 0);
}
