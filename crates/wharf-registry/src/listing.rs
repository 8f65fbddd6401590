//! Listings: `GET /v2/<name>/tags/list`, `GET /v2/_catalog` (both sorted, with `n`/`last`
//! paging and a `Link` header to the next page) and `GET /v2/<name>/referrers/<digest>`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use wharf_domain::manifest::OCI_INDEX;
use wharf_domain::{Digest, RepoName};

use crate::error::OciError;
use crate::{Query, Registry, RepositoryFilter, Result};

/// `n` and `last` of a paged listing.
fn paging(query: &Query) -> Result<(Option<usize>, Option<String>)> {
    let n = match query.get("n") {
        None | Some("") => None,
        Some(n) => Some(n.parse::<usize>().map_err(|_| {
            OciError::new(
                StatusCode::BAD_REQUEST,
                "PAGINATION_NUMBER_INVALID",
                format!("invalid n={n:?}: n must be a non-negative integer"),
            )
        })?),
    };
    Ok((
        n,
        query
            .get("last")
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    ))
}

/// Fetches one more item than asked to learn whether a next page exists; answers with the
/// page and, if there is more, a `Link` header built by `next`.
async fn paged<F, Fut>(
    n: Option<usize>,
    fetch: F,
    next: impl Fn(&str, usize) -> String,
) -> Result<(Vec<String>, Option<String>)>
where
    F: FnOnce(Option<usize>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<String>>>,
{
    let mut items = fetch(n.map(|n| n + 1)).await?;
    let link = match n {
        Some(n) if items.len() > n => {
            items.truncate(n);
            items
                .last()
                .map(|last| format!("<{}>; rel=\"next\"", next(last, n)))
        }
        _ => None,
    };
    Ok((items, link))
}

fn json_response(body: Value, link: Option<String>) -> Response {
    let mut resp = (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(l) = link.and_then(|l| l.parse().ok()) {
        resp.headers_mut().insert(header::LINK, l);
    }
    resp
}

fn encode(s: &str) -> String {
    // Tags and names are [A-Za-z0-9._/-]; only '/' is worth escaping in a query value.
    s.replace('/', "%2F")
}

pub async fn tags(reg: &Registry, name: &RepoName, query: &Query) -> Result<Response> {
    let (n, last) = paging(query)?;
    let (tags, link) = paged(
        n,
        |limit| async move {
            reg.meta
                .tags(name, last.as_deref(), limit)
                .await?
                .ok_or_else(|| OciError::name_unknown(name.as_str()))
        },
        |last, n| format!("/v2/{name}/tags/list?last={}&n={n}", encode(last)),
    )
    .await?;
    Ok(json_response(
        json!({ "name": name.as_str(), "tags": tags }),
        link,
    ))
}

/// `GET /v2/_catalog`: the repositories `visible` lets the caller see (all when `None`).
pub async fn catalog(
    reg: &Registry,
    query: &Query,
    visible: Option<RepositoryFilter>,
) -> Result<Response> {
    let (n, last) = paging(query)?;
    let (repos, link) = paged(
        n,
        |limit| async move {
            let Some(visible) = visible else {
                return Ok(reg.meta.repositories(last.as_deref(), limit).await?);
            };
            // Filtered: read the store a page at a time until `limit` visible names are found.
            const PAGE: usize = 500;
            let want = limit.unwrap_or(usize::MAX);
            let mut found = Vec::new();
            let mut after = last;
            while found.len() < want {
                let page = reg.meta.repositories(after.as_deref(), Some(PAGE)).await?;
                let done = page.len() < PAGE;
                after = page.last().cloned();
                found.extend(page.into_iter().filter(|r| visible(r)));
                if done {
                    break;
                }
            }
            found.truncate(want);
            Ok(found)
        },
        |last, n| format!("/v2/_catalog?last={}&n={n}", encode(last)),
    )
    .await?;
    Ok(json_response(json!({ "repositories": repos }), link))
}

pub async fn referrers(
    reg: &Registry,
    name: &RepoName,
    digest: &str,
    query: &Query,
) -> Result<Response> {
    let subject: Digest = digest.parse()?;
    let filter = query.get("artifactType").filter(|t| !t.is_empty());
    let manifests: Vec<Value> = reg
        .meta
        .referrers(name, &subject)
        .await?
        .into_iter()
        .filter(|r| filter.is_none() || r.artifact_type.as_deref() == filter)
        .map(|r| {
            let mut d = Map::new();
            d.insert("mediaType".into(), r.media_type.into());
            d.insert("digest".into(), r.digest.to_string().into());
            d.insert("size".into(), r.size.into());
            if let Some(t) = r.artifact_type {
                d.insert("artifactType".into(), t.into());
            }
            if !r.annotations.is_empty() {
                d.insert("annotations".into(), json!(r.annotations));
            }
            Value::Object(d)
        })
        .collect();
    let body =
        json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests }).to_string();
    let mut resp = ([(header::CONTENT_TYPE, OCI_INDEX)], body).into_response();
    if filter.is_some() {
        resp.headers_mut().insert(
            "oci-filters-applied",
            header::HeaderValue::from_static("artifactType"),
        );
    }
    Ok(resp)
}
