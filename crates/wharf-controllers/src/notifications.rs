//! `POST /notifications`: CNCF Distribution's push notifications (its `notifications.endpoints`
//! config, envelope `application/vnd.docker.distribution.events.v1+json`). Every push of a tag
//! re-imports, at once, the stream tags that import that image, so users need not wait for
//! the next scheduled import. With authentication on, the notifier sends a token (Distribution's
//! endpoint `headers: {Authorization: ["Bearer <token>"]}`) of a caller allowed to create
//! image stream imports in every namespace.
//!
//! The envelope is `{"events": [{"action": "push", "target": {"repository", "tag", "url", …},
//! "request": {"host", …}}]}`; the registry is the request's host, else the target URL's.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use wharf_apiserver::auth::Credentials;
use wharf_apiserver::import::create_import;
use wharf_apiserver::meta::served;
use wharf_apiserver::status::ApiError;
use wharf_apiserver::ApiServer;
use wharf_domain::import::{tag_import_request, tags_importing};
use wharf_domain::rbac::Attributes;
use wharf_storage::Selector;

/// Largest notification body accepted.
const MAX_ENVELOPE: usize = 1 << 20;

pub fn router(api: ApiServer) -> Router {
    Router::new()
        .route("/notifications", post(receive))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_ENVELOPE))
        .with_state(api)
}

/// `(registry, repository, tag)` of each tag push in the envelope.
pub fn pushed_tags(envelope: &Value) -> Vec<(String, String, String)> {
    envelope["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "push")
        .filter_map(|e| {
            let target = &e["target"];
            let tag = target["tag"].as_str().filter(|t| !t.is_empty())?;
            let repository = target["repository"].as_str().filter(|r| !r.is_empty())?;
            let host = e
                .pointer("/request/host")
                .and_then(Value::as_str)
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .or_else(|| {
                    let url = target["url"].as_str()?;
                    let rest = url.split_once("://")?.1;
                    Some(rest.split('/').next()?.to_string())
                })?;
            Some((host, repository.to_string(), tag.to_string()))
        })
        .collect()
}

fn reply(code: StatusCode, body: Value) -> Response {
    (
        code,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Who may notify: with authentication on, a caller allowed to create image stream imports
/// in every namespace (a cluster admin, or a service account given such a cluster role),
/// since one notification re-imports tags across all projects.
async fn notifier_allowed(api: &ApiServer, headers: &HeaderMap) -> Result<(), ApiError> {
    if !api.auth.enabled() {
        return Ok(());
    }
    let caller = api.authenticate(&Credentials::of(headers)?, None).await?;
    let attrs = Attributes::resource("create", "image.openshift.io", "imagestreamimports", "", "");
    api.authorize(&caller, &attrs).await
}

async fn receive(State(api): State<ApiServer>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = notifier_allowed(&api, &headers).await {
        return e.into_response();
    }
    let Ok(envelope) = serde_json::from_slice::<Value>(&body) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({ "message": "the body is not a JSON notification envelope ({\"events\": [...]})" }),
        );
    };
    let pushed = pushed_tags(&envelope);
    if pushed.is_empty() {
        return reply(StatusCode::OK, json!({ "imported": [] }));
    }
    let list = match api
        .store
        .list_objects(
            &Selector::new("image.openshift.io", "imagestreams", None),
            None,
            None,
        )
        .await
    {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "notifications: cannot list streams");
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "message": "cannot read image streams; retry" }),
            );
        }
    };
    let mut imported = Vec::new();
    for o in list.items {
        let stream = served(o.value, o.resource_version);
        let mut tags: Vec<&Value> = pushed
            .iter()
            .flat_map(|(host, repo, tag)| tags_importing(&stream, host, repo, tag))
            .collect();
        tags.dedup_by(|a, b| a["name"] == b["name"]);
        if tags.is_empty() {
            continue;
        }
        let (name, ns) = wharf_domain::imagestream::identity(&stream);
        let (name, ns) = (name.to_string(), ns.to_string());
        let names: Vec<Value> = tags.iter().map(|t| t["name"].clone()).collect();
        let isi = tag_import_request(&stream, &tags);
        match create_import(&api, &ns, isi).await {
            Ok(_) => imported.push(json!({ "namespace": ns, "name": name, "tags": names })),
            Err(e) => {
                tracing::warn!(namespace = %ns, stream = %name, error = %e.message, "notification import failed")
            }
        }
    }
    reply(StatusCode::OK, json!({ "imported": imported }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tag_pushes_count_and_the_host_comes_from_the_request_or_the_url() {
        let envelope = json!({"events": [
            {"action": "push", "target": {"repository": "team/app", "tag": "v1", "url": "http://127.0.0.1:5101/v2/team/app/manifests/sha256:aa"}, "request": {"host": "reg.example:5000"}},
            {"action": "push", "target": {"repository": "team/app", "tag": "v2", "url": "http://127.0.0.1:5101/v2/team/app/manifests/sha256:bb"}},
            {"action": "push", "target": {"repository": "team/app", "mediaType": "application/octet-stream", "url": "http://127.0.0.1:5101/v2/team/app/blobs/sha256:cc"}},
            {"action": "pull", "target": {"repository": "team/app", "tag": "v3"}, "request": {"host": "x"}},
        ]});
        assert_eq!(
            pushed_tags(&envelope),
            [
                (
                    "reg.example:5000".to_string(),
                    "team/app".to_string(),
                    "v1".to_string()
                ),
                (
                    "127.0.0.1:5101".to_string(),
                    "team/app".to_string(),
                    "v2".to_string()
                ),
            ]
        );
        assert!(pushed_tags(&json!({"nothing": 1})).is_empty());
    }
}
