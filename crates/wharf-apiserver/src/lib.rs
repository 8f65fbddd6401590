//! The Kubernetes-style API: discovery, and for every resource in [`resources`] get, list,
//! watch, create, update (PUT), patch (JSON merge, strategic merge, JSON patch) and delete,
//! with Kubernetes conventions — `resourceVersion` preconditions (stale → 409 Conflict),
//! `uid`, `creationTimestamp`, `generation`, label and field selectors, `limit`/`continue`,
//! `dryRun=All`, and every error a `Status` ([`status`]).
//!
//! Handlers are generic over JSON objects: [`meta`] holds what the server stamps and keeps,
//! [`watch`] streams the MetaStore's change log. Resource-specific semantics (image stream tags
//! and history, imports) build on this in later steps.

mod access;
pub mod auth;
pub mod discovery;
pub mod import;
mod istag;
mod mapping;
pub mod meta;
mod openapi;
pub mod pull_through;
pub mod push;
pub mod resources;
pub mod selectors;
pub mod status;
pub mod table;
mod templates;
pub mod watch;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use wharf_storage::{MetaStore, ObjectKey, StorageError, StoredObject};

use crate::meta::{prepare_create, prepare_update, served, Stamp};
use crate::resources::{find, namespaces, ResourceType};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiError;

/// Largest request body the API accepts.
pub const MAX_BODY: usize = 3 << 20;

#[derive(Clone)]
pub struct ApiServer {
    pub store: Arc<dyn MetaStore>,
    /// The integrated registry's address (`host:port`) that image streams' repositories and
    /// pull specs are named by.
    pub registry_hostname: String,
    /// Fetches images from external registries for imagestreamimports.
    pub importer: wharf_import::Importer,
    /// Who callers are and what they may do.
    pub auth: auth::Auth,
}

type Result<T, E = ApiError> = std::result::Result<T, E>;

pub fn router(api: ApiServer) -> Router {
    Router::new()
        .route(
            "/version",
            axum::routing::get(|| async { json_response(StatusCode::OK, &discovery::version()) }),
        )
        .route(
            "/openapi/v3",
            axum::routing::get(|| async {
                json_response(StatusCode::OK, discovery::openapi_v3_root())
            }),
        )
        .route("/openapi/v3/{*gv}", axum::routing::get(openapi_v3))
        .route("/api", axum::routing::any(dispatch))
        .route("/api/{*rest}", axum::routing::any(dispatch))
        .route("/apis", axum::routing::any(dispatch))
        .route("/apis/{*rest}", axum::routing::any(dispatch))
        .with_state(api.clone())
        .merge(auth::http::router(api))
}

async fn openapi_v3(axum::extract::Path(gv): axum::extract::Path<String>) -> Response {
    match discovery::openapi_v3(&gv) {
        Some(doc) => json_response(StatusCode::OK, doc),
        None => ApiError::path_not_found(&format!("/openapi/v3/{gv}")).into_response(),
    }
}

fn json_response(code: StatusCode, v: &Value) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

/// What a request path names.
enum Target {
    Doc(Value),
    Collection {
        rt: &'static ResourceType,
        namespace: Option<String>,
    },
    Item {
        rt: &'static ResourceType,
        namespace: String,
        name: String,
        status: bool,
    },
    /// `imagestreams/<name>/layers` or `/secrets`.
    StreamView {
        namespace: String,
        name: String,
        view: &'static str,
    },
    /// `serviceaccounts/<name>/token`.
    ServiceAccountToken {
        namespace: String,
        name: String,
    },
}

fn parse_path(path: &str) -> Result<Target> {
    let not_found = || ApiError::path_not_found(path);
    let decoded = wharf_domain::name::percent_decode(path).ok_or_else(not_found)?;
    let segs: Vec<&str> = decoded.trim_end_matches('/').split('/').skip(1).collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api"] => return Ok(Target::Doc(discovery::core_versions())),
        ["apis"] => return Ok(Target::Doc(discovery::groups())),
        ["apis", g] => return discovery::group(g).map(Target::Doc).ok_or_else(not_found),
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(not_found()),
    };
    let rt = |plural: &str| find(group, version, plural).ok_or_else(not_found);
    let item = |rt: &'static ResourceType, ns: &str, name: &str, sub: Option<&str>| match sub {
        None => Ok(Target::Item {
            rt,
            namespace: ns.into(),
            name: name.into(),
            status: false,
        }),
        Some("status") if rt.has_status => Ok(Target::Item {
            rt,
            namespace: ns.into(),
            name: name.into(),
            status: true,
        }),
        // Read-only views of an image stream (spec §1.9).
        Some(view @ ("layers" | "secrets")) if rt.plural == "imagestreams" => {
            Ok(Target::StreamView {
                namespace: ns.into(),
                name: name.into(),
                view: if view == "layers" {
                    "layers"
                } else {
                    "secrets"
                },
            })
        }
        Some("token") if rt.plural == "serviceaccounts" => Ok(Target::ServiceAccountToken {
            namespace: ns.into(),
            name: name.into(),
        }),
        Some(_) => Err(not_found()),
    };
    match rest {
        [] => discovery::resources(group, version)
            .map(Target::Doc)
            .ok_or_else(not_found),
        ["namespaces", ns, plural] if rt(plural)?.namespaced => Ok(Target::Collection {
            rt: rt(plural)?,
            namespace: Some(ns.to_string()),
        }),
        ["namespaces", ns, plural, name] if rt(plural)?.namespaced => {
            item(rt(plural)?, ns, name, None)
        }
        ["namespaces", ns, plural, name, sub] if rt(plural)?.namespaced => {
            item(rt(plural)?, ns, name, Some(sub))
        }
        [plural] => Ok(Target::Collection {
            rt: rt(plural)?,
            namespace: None,
        }),
        [plural, name] if !rt(plural)?.namespaced => item(rt(plural)?, "", name, None),
        [plural, name, sub] if !rt(plural)?.namespaced => item(rt(plural)?, "", name, Some(sub)),
        _ => Err(not_found()),
    }
}

/// Query parameters, first value wins.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("1" | "true"))
    }

    fn dry_run(&self) -> bool {
        self.get("dryRun") == Some("All")
    }
}

async fn dispatch(State(api): State<ApiServer>, req: Request) -> Response {
    match access::with_caller_slot(handle(&api, req)).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn handle(api: &ApiServer, req: Request) -> Result<Response> {
    let target = parse_path(req.uri().path())?;
    let params = Params(
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(req.uri())
            .map(|q| q.0)
            .map_err(|e| ApiError::bad_request(format!("invalid query: {e}")))?,
    );
    let method = req.method().clone();
    // The seam: who is asking, and whether they may.
    let caller = api
        .authenticate(
            &auth::Credentials::of(req.headers())?,
            auth::http::peer(&req),
        )
        .await?;
    access::set_request_caller(&caller);
    let mut visible = None;
    let is_whoami =
        matches!(&target, Target::Item { rt, name, .. } if rt.plural == "users" && name == "~");
    if let Some(attrs) = access::attributes(&target, &method, params.flag("watch")) {
        match api.authorize(&caller, &attrs).await {
            Ok(()) => {}
            Err(_) if is_whoami => {}
            Err(e) if access::narrowable(&target, &method) && e.code == StatusCode::FORBIDDEN => {
                visible = Some(access::visibility(api, &caller, &attrs).await?);
            }
            Err(e) => return Err(e),
        }
        // OpenShift lets every user list projects and answers with theirs alone.
        if visible.is_none() && api.auth.enabled() && access::lists_projects(&target) {
            visible = Some(access::visibility(api, &caller, &attrs).await?);
        }
    }
    let as_table = table::wants_table(
        req.headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    )
    .then(|| table::include_object(params.get("includeObject")));
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let body = || async {
        let bytes = http_body_util::Limited::new(req.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        format!("Request entity too large: limit is {MAX_BODY}"),
                    )
                } else {
                    ApiError::bad_request(format!("cannot read the request body: {e}"))
                }
            })?
            .to_bytes();
        Ok::<_, ApiError>(bytes)
    };
    if is_whoami && method == Method::GET {
        return Ok(json_response(
            StatusCode::OK,
            &access::whoami(api, &caller).await?,
        ));
    }
    match (&target, &method) {
        (Target::ServiceAccountToken { namespace, name }, &Method::POST) => {
            let v =
                access::service_account_token(api, namespace, name, parse_json(&body().await?)?)
                    .await?;
            return Ok(json_response(StatusCode::CREATED, &v));
        }
        (Target::Collection { rt, .. }, &Method::POST)
            if rt.plural == "selfsubjectaccessreviews" =>
        {
            let v = access::access_review(api, &caller, parse_json(&body().await?)?).await?;
            return Ok(json_response(StatusCode::CREATED, &v));
        }
        (Target::Collection { rt, .. }, &Method::POST) if rt.plural == "projectrequests" => {
            let v = access::request_project(api, &caller, parse_json(&body().await?)?).await?;
            return Ok(json_response(StatusCode::CREATED, &v));
        }
        (Target::Collection { rt, .. } | Target::Item { rt, .. }, _) if rt.plural == "projects" => {
            return projects(api, target, method, as_table, visible, &params).await;
        }
        _ => {}
    }
    if let Target::Collection { rt, .. } | Target::Item { rt, .. } = &target {
        if !rt.stored {
            return computed_view(api, target, method, as_table, params.dry_run(), body()).await;
        }
    }
    match (target, method) {
        (Target::Doc(doc), Method::GET) => Ok(json_response(StatusCode::OK, &doc)),
        (
            Target::StreamView {
                namespace,
                name,
                view,
            },
            Method::GET,
        ) => {
            let v = match view {
                "layers" => mapping::stream_layers(api, &namespace, &name).await?,
                _ => mapping::stream_secrets(api, &namespace, &name).await?,
            };
            Ok(json_response(StatusCode::OK, &v))
        }
        (Target::Collection { rt, namespace }, Method::GET) => {
            if params.flag("watch") {
                watch::serve(api.clone(), rt, namespace, &params, as_table, visible).await
            } else {
                list(api, rt, namespace.as_deref(), &params, as_table, visible).await
            }
        }
        (Target::Collection { rt, namespace }, Method::POST) => {
            let ns = match (rt.namespaced, namespace) {
                (true, Some(ns)) => ns,
                (true, None) => {
                    return Err(ApiError::method_not_allowed(format!(
                        "create {} in a namespace",
                        rt.plural
                    )))
                }
                (false, _) => String::new(),
            };
            create(api, rt, &ns, parse_json(&body().await?)?, &params).await
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                ..
            },
            Method::GET,
        ) => {
            let obj = get(api, rt, &namespace, &name).await?;
            match as_table {
                Some(include) => {
                    let t = table::table(rt, vec![obj], json!({}), include, true, now_secs());
                    Ok(json_response(StatusCode::OK, &t))
                }
                None => Ok(json_response(StatusCode::OK, &obj)),
            }
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status,
            },
            Method::PUT,
        ) => {
            update(
                api,
                rt,
                &namespace,
                &name,
                status,
                parse_json(&body().await?)?,
                &params,
            )
            .await
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status,
            },
            Method::PATCH,
        ) => {
            let patch = parse_json(&body().await?)?;
            patch_object(
                api,
                rt,
                &namespace,
                &name,
                status,
                &content_type,
                patch,
                &params,
            )
            .await
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status: false,
            },
            Method::DELETE,
        ) => delete(api, rt, &namespace, &name, &params, body().await?).await,
        (_, m) => Err(ApiError::method_not_allowed(format!(
            "{m} is not supported on this path"
        ))),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value> {
    if bytes.starts_with(b"k8s\0") {
        // The protobuf envelope: kubectl sends it for built-in kinds from generator commands.
        return Err(ApiError {
            code: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            reason: "UnsupportedMediaType",
            message: "Wharf's API speaks JSON, not protobuf: create the object from a manifest (kubectl create -f, kubectl apply -f) or with wharf (wharf new-project NAME)".into(),
            details: None,
        });
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

async fn get(api: &ApiServer, rt: &ResourceType, ns: &str, name: &str) -> Result<Value> {
    let key = rt.key(ns, name);
    match api.store.get_object(&key).await {
        Ok(Some(o)) => Ok(served(o.value, o.resource_version)),
        Ok(None) => Err(ApiError::not_found(rt, name)),
        Err(e) => Err(ApiError::storage(rt, name, e)),
    }
}

async fn require_namespace(api: &ApiServer, rt: &ResourceType, ns: &str) -> Result<()> {
    if rt.namespaced
        && api
            .store
            .get_object(&namespaces().key("", ns))
            .await
            .map_err(ApiError::internal)?
            .is_none()
    {
        return Err(ApiError::not_found(namespaces(), ns));
    }
    Ok(())
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn create(
    api: &ApiServer,
    rt: &ResourceType,
    ns: &str,
    obj: Value,
    params: &Params,
) -> Result<Response> {
    let stored = create_object(api, rt, ns, obj, params.dry_run()).await?;
    Ok(json_response(StatusCode::CREATED, &stored))
}

/// Creates an object with every rule of its resource (names, stamping, validation, spec tag
/// resolution); returns it as served. `dry_run` stops before the write.
pub(crate) async fn create_object(
    api: &ApiServer,
    rt: &ResourceType,
    ns: &str,
    mut obj: Value,
    dry_run: bool,
) -> Result<Value> {
    require_namespace(api, rt, ns).await?;
    let uid = uuid::Uuid::new_v4().to_string();
    let suffix: String = uid
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(5)
        .collect();
    let stamp = Stamp {
        uid,
        now: wharf_domain::time::rfc3339(now_secs()),
    };
    let name = prepare_create(rt, ns, &mut obj, &stamp, &suffix)?;
    resolve_spec_tags(api, rt, &mut obj, None).await?;
    if dry_run {
        return Ok(obj);
    }
    let stored = write(api, rt, rt.key(ns, &name), Write::Create(obj))
        .await
        .map_err(|e| ApiError::storage(rt, &name, e))?;
    Ok(served(stored.value, stored.resource_version))
}

async fn update(
    api: &ApiServer,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    status: bool,
    obj: Value,
    params: &Params,
) -> Result<Response> {
    let precondition = meta::resource_version_of(&obj)?;
    let old = api
        .store
        .get_object(&rt.key(ns, name))
        .await
        .map_err(|e| ApiError::storage(rt, name, e))?
        .ok_or_else(|| ApiError::not_found(rt, name))?;
    let stored = replace_object(api, rt, &old, obj, status, precondition, params.dry_run()).await?;
    Ok(json_response(StatusCode::OK, &stored))
}

/// Replaces `old` with `obj` under the resource's update rules; returns it as served. The
/// write is conditional on `old`'s resourceVersion even without a client precondition, so a
/// concurrent writer makes this fail visibly (409) rather than lose its update.
pub(crate) async fn replace_object(
    api: &ApiServer,
    rt: &ResourceType,
    old: &StoredObject,
    mut obj: Value,
    status: bool,
    precondition: Option<u64>,
    dry_run: bool,
) -> Result<Value> {
    let name = old.key.name.clone();
    prepare_replacement(api, rt, old, &mut obj, status, precondition).await?;
    if dry_run {
        return Ok(served(obj, old.resource_version));
    }
    let stored = write(
        api,
        rt,
        old.key.clone(),
        Write::Update(obj, Some(old.resource_version)),
    )
    .await
    .map_err(|e| ApiError::storage(rt, &name, e))?;
    Ok(served(stored.value, stored.resource_version))
}

/// What PUT and PATCH share: the client's resourceVersion must be the stored one; then the
/// resource's update rules, and for a spec change of an image stream, spec tag resolution.
async fn prepare_replacement(
    api: &ApiServer,
    rt: &ResourceType,
    old: &StoredObject,
    new: &mut Value,
    status: bool,
    precondition: Option<u64>,
) -> Result<()> {
    if precondition.is_some_and(|p| p != old.resource_version) {
        return Err(ApiError::conflict(
            rt,
            meta::name_of(&old.value).unwrap_or_default(),
        ));
    }
    prepare_update(rt, &old.value, new, status)?;
    if !status {
        resolve_spec_tags(api, rt, new, Some(&old.value)).await?;
    }
    Ok(())
}

/// Applies a patch of `content_type` to `doc`.
fn apply_patch(doc: &mut Value, content_type: &str, patch: Value) -> Result<()> {
    match content_type {
        // Strategic merge is applied as a JSON merge patch: Wharf's types declare no list
        // merge keys yet, and for maps the two are the same.
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            json_patch::merge(doc, &patch);
            Ok(())
        }
        "application/json-patch+json" => {
            let p: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
            json_patch::patch(doc, &p).map_err(|e| ApiError {
                code: StatusCode::UNPROCESSABLE_ENTITY,
                reason: "Invalid",
                message: format!("the JSON patch could not be applied: {e}"),
                details: None,
            })
        }
        other => Err(ApiError::unsupported_media_type(other)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn patch_object(
    api: &ApiServer,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    status: bool,
    content_type: &str,
    patch: Value,
    params: &Params,
) -> Result<Response> {
    let key = rt.key(ns, name);
    // Read, patch, write conditionally; retry when another writer got in between.
    for _ in 0..10 {
        let old = api
            .store
            .get_object(&key)
            .await
            .map_err(|e| ApiError::storage(rt, name, e))?
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        let mut doc = served(old.value.clone(), old.resource_version);
        apply_patch(&mut doc, content_type, patch.clone())?;
        let precondition = meta::resource_version_of(&doc)?;
        prepare_replacement(api, rt, &old, &mut doc, status, precondition).await?;
        if params.dry_run() {
            return Ok(json_response(
                StatusCode::OK,
                &served(doc, old.resource_version),
            ));
        }
        match write(
            api,
            rt,
            key.clone(),
            Write::Update(doc, Some(old.resource_version)),
        )
        .await
        {
            Ok(stored) => {
                return Ok(json_response(
                    StatusCode::OK,
                    &served(stored.value, stored.resource_version),
                ))
            }
            Err(StorageError::Conflict { .. }) => continue,
            Err(e) => return Err(ApiError::storage(rt, name, e)),
        }
    }
    Err(ApiError::conflict(rt, name))
}

async fn delete(
    api: &ApiServer,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    params: &Params,
    body: bytes::Bytes,
) -> Result<Response> {
    // DeleteOptions may carry preconditions.
    let precondition = if body.is_empty() {
        None
    } else {
        parse_json(&body)?
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(|rv| {
                rv.parse::<u64>().map_err(|_| {
                    ApiError::bad_request(format!("invalid precondition resourceVersion {rv:?}"))
                })
            })
            .transpose()?
    };
    let key = rt.key(ns, name);
    if params.dry_run() {
        let obj = get(api, rt, ns, name).await?;
        return Ok(json_response(StatusCode::OK, &obj));
    }
    let gone = write(api, rt, key, Write::Delete(precondition))
        .await
        .map_err(|e| ApiError::storage(rt, name, e))?;
    if rt.plural == "namespaces" {
        delete_namespace_contents(api, name).await?;
    }
    Ok(json_response(
        StatusCode::OK,
        &served(gone.value, gone.resource_version),
    ))
}

/// Deleting a namespace deletes what is in it.
async fn delete_namespace_contents(api: &ApiServer, ns: &str) -> Result<()> {
    for rt in resources::RESOURCES
        .iter()
        .filter(|r| r.namespaced && r.stored)
    {
        let list = api
            .store
            .list_objects(&rt.selector(Some(ns)), None, None)
            .await
            .map_err(ApiError::internal)?;
        for o in list.items {
            match write(api, rt, o.key, Write::Delete(None)).await {
                Ok(_) | Err(StorageError::NotFound) => {}
                Err(e) => return Err(ApiError::internal(e)),
            }
        }
    }
    Ok(())
}

/// `continue` tokens: the last (namespace, name) served, hex-encoded.
fn encode_continue(ns: &str, name: &str) -> String {
    hex::encode(format!("{ns}\0{name}"))
}

fn decode_continue(token: &str) -> Result<(String, String)> {
    let bad = || ApiError::bad_request(format!("invalid continue token {token:?}"));
    let raw = String::from_utf8(hex::decode(token).map_err(|_| bad())?).map_err(|_| bad())?;
    let (ns, name) = raw.split_once('\0').ok_or_else(bad)?;
    Ok((ns.into(), name.into()))
}

/// A list, of the objects `visible` lets through (by namespace; by name for namespaces).
async fn list(
    api: &ApiServer,
    rt: &ResourceType,
    ns: Option<&str>,
    params: &Params,
    as_table: Option<table::IncludeObject>,
    visible: Option<access::Visible>,
) -> Result<Response> {
    let labels = LabelSelector::parse(params.get("labelSelector").unwrap_or(""))?;
    let fields = FieldSelector::parse(params.get("fieldSelector").unwrap_or(""))?;
    let limit = match params.get("limit") {
        None | Some("") | Some("0") => None,
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?,
        ),
    };
    let mut after = params
        .get("continue")
        .filter(|c| !c.is_empty())
        .map(decode_continue)
        .transpose()?;
    let selector = rt.selector(ns);
    let mut items = Vec::new();
    let mut continue_token = None;
    // Pages are read until `limit` objects match or the store runs out; an object left over
    // after a full page means there is more, and the last object read is where to continue.
    let list_rv = loop {
        let page_size = limit.map(|l| l - items.len() + 1);
        let page = api
            .store
            .list_objects(
                &selector,
                after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                page_size,
            )
            .await
            .map_err(ApiError::internal)?;
        let exhausted = page_size.is_none_or(|n| page.items.len() < n);
        let mut more = false;
        for o in page.items {
            if limit.is_some_and(|l| items.len() == l) {
                more = true;
                break;
            }
            after = Some((o.key.namespace.clone(), o.key.name.clone()));
            let shown = visible.as_ref().is_none_or(|v| {
                v(if rt.namespaced {
                    &o.key.namespace
                } else {
                    &o.key.name
                })
            });
            if shown && labels.matches(&o.value) && fields.matches(&o.value) {
                items.push(served(o.value, o.resource_version));
            }
        }
        if more {
            continue_token = after.as_ref().map(|(a, b)| encode_continue(a, b));
        }
        if more || exhausted {
            break page.resource_version;
        }
    };
    let metadata = match &continue_token {
        Some(c) => json!({ "resourceVersion": list_rv.to_string(), "continue": c }),
        None => json!({ "resourceVersion": list_rv.to_string() }),
    };
    let body = match as_table {
        Some(include) => table::table(rt, items, metadata, include, true, now_secs()),
        None => json!({
            "kind": format!("{}List", rt.kind),
            "apiVersion": rt.api_version(),
            "metadata": metadata,
            "items": items,
        }),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// A write to one object.
enum Write {
    Create(Value),
    Update(Value, Option<u64>),
    Delete(Option<u64>),
}

/// The registry repository whose tags an object's status decides: `<namespace>/<name>` for
/// image streams (spec §4: the tags served are the status tags with a current image).
fn registry_view(rt: &ResourceType, key: &ObjectKey) -> Option<wharf_domain::RepoName> {
    (rt.group == "image.openshift.io" && rt.plural == "imagestreams")
        .then(|| format!("{}/{}", key.namespace, key.name).parse().ok())
        .flatten()
}

/// Writes one object. For an object the registry mirrors, the repository's tags are set from
/// the object in the same transaction, so the registry and the API never disagree (design
/// invariant 5); a deleted stream leaves its repository without tags.
async fn write(
    api: &ApiServer,
    rt: &ResourceType,
    key: ObjectKey,
    op: Write,
) -> Result<StoredObject, StorageError> {
    let written = write_object(api, rt, key.clone(), op).await;
    api.auth.note_write(&key);
    written
}

async fn write_object(
    api: &ApiServer,
    rt: &ResourceType,
    key: ObjectKey,
    op: Write,
) -> Result<StoredObject, StorageError> {
    let Some(repo) = registry_view(rt, &key) else {
        return match op {
            Write::Create(v) => {
                let rv = api.store.create_object(&key, v.clone()).await?;
                Ok(StoredObject {
                    key,
                    resource_version: rv,
                    value: v,
                })
            }
            Write::Update(v, p) => {
                let rv = api.store.update_object(&key, v.clone(), p).await?;
                Ok(StoredObject {
                    key,
                    resource_version: rv,
                    value: v,
                })
            }
            Write::Delete(p) => api.store.delete_object(&key, p).await,
        };
    };
    let result = Arc::new(std::sync::Mutex::new(None));
    let out = result.clone();
    api.store
        .transact(Box::new(move |tx| {
            let (stored, tags) = match op {
                Write::Create(v) => {
                    let rv = tx.create(&key, &v)?;
                    let tags = wharf_domain::imagestream::current_images(&v);
                    (
                        StoredObject {
                            key,
                            resource_version: rv,
                            value: v,
                        },
                        tags,
                    )
                }
                Write::Update(v, p) => {
                    let rv = tx.update(&key, &v, p)?;
                    let tags = wharf_domain::imagestream::current_images(&v);
                    (
                        StoredObject {
                            key,
                            resource_version: rv,
                            value: v,
                        },
                        tags,
                    )
                }
                Write::Delete(p) => (tx.delete(&key, p)?, Vec::new()),
            };
            tx.set_repository_tags(&repo, &tags)?;
            *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(stored);
            Ok(())
        }))
        .await?;
    let stored = result.lock().unwrap_or_else(|e| e.into_inner()).take();
    stored.ok_or_else(|| StorageError::Backend("the write transaction returned nothing".into()))
}

/// Resources computed from others: imagestreamtags and imagetags (get, list, create, update,
/// delete), imagestreamimages
/// (get), imagestreammappings (create).
async fn computed_view(
    api: &ApiServer,
    target: Target,
    method: Method,
    as_table: Option<table::IncludeObject>,
    dry_run: bool,
    body: impl std::future::Future<Output = Result<bytes::Bytes>>,
) -> Result<Response> {
    let respond = |rt: &ResourceType, items: Vec<Value>, metadata: Value, single: bool| {
        match as_table {
            Some(include) => json_response(
                StatusCode::OK,
                &table::table(rt, items, metadata, include, true, now_secs()),
            ),
            None if single => json_response(
                StatusCode::OK,
                &items.into_iter().next().unwrap_or(Value::Null),
            ),
            None => json_response(
                StatusCode::OK,
                &json!({ "kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(), "metadata": metadata, "items": items }),
            ),
        }
    };
    match (target, method) {
        (
            Target::Collection {
                rt,
                namespace: Some(ns),
            },
            Method::POST,
        ) if rt.plural == "processedtemplates" => {
            require_namespace(api, rt, &ns).await?;
            let template = parse_json(&body.await?)?;
            Ok(json_response(
                StatusCode::CREATED,
                &templates::process(rt, template)?,
            ))
        }
        (
            Target::Collection {
                rt,
                namespace: Some(ns),
            },
            Method::POST,
        ) if rt.plural == "imagestreamimports" => {
            let isi = parse_json(&body.await?)?;
            Ok(json_response(
                StatusCode::CREATED,
                &import::create_import(api, &ns, isi).await?,
            ))
        }
        (
            Target::Collection {
                rt,
                namespace: Some(ns),
            },
            Method::POST,
        ) if rt.plural == "imagestreammappings" => {
            let mapping = parse_json(&body.await?)?;
            Ok(json_response(
                StatusCode::CREATED,
                &mapping::create_mapping(api, &ns, mapping).await?,
            ))
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status: false,
            },
            Method::GET,
        ) if rt.plural == "imagestreamimages" => {
            let v = mapping::get_image(api, &namespace, &name).await?;
            Ok(respond(rt, vec![v], json!({}), true))
        }
        (Target::Collection { rt, namespace }, Method::GET) if is_tag_view(rt) => {
            let ns = namespace.as_deref();
            let (items, rv) = if rt.plural == "imagetags" {
                istag::list_itags(api, ns).await?
            } else {
                istag::list(api, ns).await?
            };
            Ok(respond(
                rt,
                items,
                json!({ "resourceVersion": rv.to_string() }),
                false,
            ))
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status: false,
            },
            Method::GET,
        ) if is_tag_view(rt) => {
            let v = if rt.plural == "imagetags" {
                istag::get_itag(api, &namespace, &name).await?
            } else {
                istag::get(api, &namespace, &name).await?
            };
            Ok(respond(rt, vec![v], json!({}), true))
        }
        (
            Target::Collection {
                rt,
                namespace: Some(ns),
            },
            Method::POST,
        ) if is_tag_view(rt) => {
            let body = parse_json(&body.await?)?;
            let v = if rt.plural == "imagetags" {
                istag::create_itag(api, &ns, body, dry_run).await?
            } else {
                istag::create(api, &ns, body, dry_run).await?
            };
            Ok(json_response(StatusCode::CREATED, &v))
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status: false,
            },
            Method::PUT,
        ) if is_tag_view(rt) => {
            let body = parse_json(&body.await?)?;
            let (v, created) = if rt.plural == "imagetags" {
                istag::update_itag(api, &namespace, &name, body, dry_run).await?
            } else {
                istag::update(api, &namespace, &name, body, dry_run).await?
            };
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(code, &v))
        }
        (
            Target::Item {
                rt,
                namespace,
                name,
                status: false,
            },
            Method::DELETE,
        ) if is_tag_view(rt) => Ok(json_response(
            StatusCode::OK,
            &istag::delete(api, rt, &namespace, &name).await?,
        )),
        (_, m) => Err(ApiError::method_not_allowed(format!(
            "{m} is not supported on this resource"
        ))),
    }
}

/// `projects`: namespaces as OpenShift Projects — get, list (of the projects the caller may
/// see) and delete (of the namespace).
async fn projects(
    api: &ApiServer,
    target: Target,
    method: Method,
    as_table: Option<table::IncludeObject>,
    visible: Option<access::Visible>,
    params: &Params,
) -> Result<Response> {
    let ns_rt = namespaces();
    let project_rt =
        resources::find("project.openshift.io", "v1", "projects").expect("projects are served");
    match (target, method) {
        (Target::Collection { .. }, Method::GET) => {
            let list_rv;
            let mut items = Vec::new();
            {
                let page = api
                    .store
                    .list_objects(&ns_rt.selector(None), None, None)
                    .await
                    .map_err(ApiError::internal)?;
                list_rv = page.resource_version;
                let labels = LabelSelector::parse(params.get("labelSelector").unwrap_or(""))?;
                for o in page.items {
                    if visible.as_ref().is_none_or(|v| v(&o.key.name)) && labels.matches(&o.value) {
                        items.push(access::project_of(served(o.value, o.resource_version)));
                    }
                }
            }
            let metadata = json!({ "resourceVersion": list_rv.to_string() });
            let body = match as_table {
                Some(include) => {
                    table::table(project_rt, items, metadata, include, true, now_secs())
                }
                None => {
                    json!({ "kind": "ProjectList", "apiVersion": "project.openshift.io/v1", "metadata": metadata, "items": items })
                }
            };
            Ok(json_response(StatusCode::OK, &body))
        }
        (Target::Item { name, .. }, Method::GET) => {
            let ns = get(api, ns_rt, "", &name)
                .await
                .map_err(|_| ApiError::not_found(project_rt, &name))?;
            let p = access::project_of(ns);
            match as_table {
                Some(include) => Ok(json_response(
                    StatusCode::OK,
                    &table::table(project_rt, vec![p], json!({}), include, true, now_secs()),
                )),
                None => Ok(json_response(StatusCode::OK, &p)),
            }
        }
        (Target::Item { name, .. }, Method::DELETE) => {
            delete(api, ns_rt, "", &name, params, bytes::Bytes::new()).await
        }
        (_, m) => Err(ApiError::method_not_allowed(format!(
            "{m} is not supported on projects"
        ))),
    }
}

/// Spec §2.3: a new or changed spec tag reading a stream in another namespace needs the
/// caller to be allowed `get imagestreams/layers` there (what a pull needs), or anyone could
/// copy another project's images into their own stream and pull them from there.
async fn foreign_sources_readable(api: &ApiServer, rt: &ResourceType, obj: &Value) -> Result<()> {
    let Some(caller) = access::request_caller() else {
        return Ok(());
    };
    let mut causes = Vec::new();
    for (tag, ns, name) in wharf_domain::tag_resolution::changed_foreign_sources(obj) {
        let attrs = wharf_domain::rbac::Attributes::registry_pull(&ns, &name);
        match api.authorize(&caller, &attrs).await {
            Ok(()) => {}
            Err(e) if matches!(e.code, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED) => causes
                .push(status::Cause {
                    field: format!("spec.tags[{tag}].from"),
                    reason: "FieldValueForbidden",
                    message: format!("Forbidden: {ns}/{name}: {:?} \"\"", e.message),
                }),
            Err(e) => return Err(e),
        }
    }
    if causes.is_empty() {
        return Ok(());
    }
    let name = meta::name_of(obj).unwrap_or_default().to_string();
    Err(ApiError::invalid(rt, &name, causes))
}

/// imagestreamtags and imagetags: two views of one stream tag.
fn is_tag_view(rt: &ResourceType) -> bool {
    matches!(rt.plural, "imagestreamtags" | "imagetags")
}

/// Spec §2.3 for an image stream being created or whose spec changed: new and changed spec
/// tags get their status events now (reference tags, tags copied from other tags or images);
/// the streams they name are read first, so the resolution itself stays pure.
async fn resolve_spec_tags(
    api: &ApiServer,
    rt: &ResourceType,
    obj: &mut Value,
    old: Option<&Value>,
) -> Result<()> {
    if !(rt.group == "image.openshift.io" && rt.plural == "imagestreams") {
        return Ok(());
    }
    // Spec §1.3: the stream's repository in the integrated registry.
    let (name, ns) = wharf_domain::imagestream::identity(obj);
    let repository = format!("{}/{ns}/{name}", api.registry_hostname);
    if !obj.get("status").is_some_and(Value::is_object) {
        obj["status"] = json!({});
    }
    obj["status"]["dockerImageRepository"] = repository.into();
    let generation = |v: &Value| {
        v.pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    if old.is_some_and(|o| generation(obj) <= generation(o)) {
        return Ok(());
    }
    foreign_sources_readable(api, rt, obj).await?;
    let mut fetched = std::collections::HashMap::new();
    for (ns, name) in wharf_domain::tag_resolution::sources(obj) {
        if let Some(o) = api
            .store
            .get_object(&rt.key(&ns, &name))
            .await
            .map_err(ApiError::internal)?
        {
            fetched.insert((ns, name), o.value);
        }
    }
    let lookup = |ns: &str, name: &str| fetched.get(&(ns.to_string(), name.to_string())).cloned();
    let now = wharf_domain::time::rfc3339(now_secs());
    let errors = wharf_domain::tag_resolution::resolve_spec_tags(obj, &now, &lookup);
    if errors.is_empty() {
        return Ok(());
    }
    let name = meta::name_of(obj).unwrap_or_default().to_string();
    let items: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    let inner = if items.len() == 1 {
        items[0].clone()
    } else {
        format!("[{}]", items.join(", "))
    };
    let cause = status::Cause {
        field: String::new(),
        reason: "InternalError",
        message: format!("Internal error: imagestreams \"{name}\" is invalid: {inner}"),
    };
    Err(ApiError::invalid(rt, &name, vec![cause]))
}
