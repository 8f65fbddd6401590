//! The registry: OCI Distribution 1.1 and Docker Registry HTTP API v2 over the storage traits.
//!
//! [`router`] serves everything under `/v2`. Paths are parsed by [`route`]; each endpoint's
//! handler lives in the module of its resource ([`blobs`], [`uploads`], [`manifests`],
//! [`listing`]) and stays thin: validate the request, call storage, shape the response. Every
//! failure becomes an [`error::OciError`], the spec's JSON error body.
//!
//! The rules that make pushes safe live below this crate: the blob store verifies digests on
//! commit, and the metadata store checks a manifest's references and stores it in one
//! transaction. The only background work here is [`housekeeping`] (abandoned uploads).

pub mod blobs;
pub mod error;
pub mod housekeeping;
pub mod listing;
pub mod manifests;
pub mod range;
pub mod route;
pub mod uploads;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use wharf_domain::RepoName;
use wharf_storage::{BlobStore, MetaStore};

use crate::error::OciError;
use crate::route::Route;

pub const API_VERSION_HEADER: &str = "docker-distribution-api-version";

/// Limits on what clients may send.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest manifest accepted, in bytes.
    pub max_manifest_bytes: usize,
    /// Uploads one client may stream at the same time.
    pub max_uploads_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_manifest_bytes: 4 << 20,
            max_uploads_per_client: 32,
        }
    }
}

/// A manifest push, as the registry saw it, for whoever mirrors pushes into other state
/// (the image API: Images and ImageStream tags).
pub struct ManifestPush {
    pub repo: RepoName,
    /// `None` for a push by digest.
    pub tag: Option<wharf_domain::Tag>,
    pub digest: wharf_domain::Digest,
    pub media_type: String,
    pub manifest: bytes::Bytes,
    /// The config blob of an image manifest.
    pub config: Option<bytes::Bytes>,
    /// The registry's address as the client reached it (the `Host` header).
    pub host: String,
}

/// Turns a push into work on API objects, done in the push's own transaction: the push and
/// what it mirrors become visible together or not at all (design invariant 5).
pub trait PushObserver: Send + Sync + 'static {
    /// Whether pushes to `repo` concern API objects at all; when not, the registry skips the
    /// work of describing them (reading the config blob).
    fn mirrors(&self, repo: &RepoName) -> bool;
    /// The work for `push`, or `None` if the push concerns no API object.
    fn mirror(&self, push: ManifestPush) -> Option<wharf_storage::Mirror>;
    /// The work for a registry delete of a tag or of a manifest (and with it every tag
    /// pointing at it), done in the delete's transaction.
    fn mirror_delete(&self, repo: &RepoName, deleted: &Deleted) -> Option<wharf_storage::Mirror>;
}

/// What a registry delete removed.
pub enum Deleted {
    Tag(wharf_domain::Tag),
    Manifest(wharf_domain::Digest),
}

/// Serves what the registry does not hold but knows where to find: manifests and blobs of
/// images imported from other registries (spec §4, pull-through). Implemented by the image
/// API, which knows which stream tag names which remote image.
#[async_trait::async_trait]
pub trait PullThrough: Send + Sync + 'static {
    /// The manifest `reference` of `repo`, if an image stream imported one by that name.
    async fn manifest(
        &self,
        repo: &RepoName,
        reference: &wharf_domain::Reference,
    ) -> Result<Option<wharf_storage::StoredManifest>, OciError>;
    /// Makes blob `digest` readable in `repo` (fetched from its source registry, verified and
    /// kept, then linked) if an image of the stream references it; `false` if none does.
    async fn blob(&self, repo: &RepoName, digest: &wharf_domain::Digest) -> Result<bool, OciError>;
}

/// What a registry request asks to do, for [`AccessControl`].
#[derive(Clone, Copy, Debug)]
pub enum Access<'a> {
    /// `GET /v2/`: only whether the caller is who they say (the version check).
    Base,
    /// `GET /v2/_catalog`.
    Catalog,
    /// Read manifests, blobs, tags or referrers of a repository.
    Pull(&'a RepoName),
    /// Upload blobs, put manifests.
    Push(&'a RepoName),
    /// Delete manifests, tags or blobs.
    Delete(&'a RepoName),
}

/// Who may see which repositories of a catalog.
pub type RepositoryFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What a granted request may see and who made it.
#[derive(Clone)]
pub struct Grant {
    /// For [`Access::Catalog`]: the repositories the caller may see; `None` when all.
    pub visible: Option<RepositoryFilter>,
    /// Who is asking, for per-client limits (a user name, or the address of an anonymous
    /// caller).
    pub client: String,
}

impl Grant {
    /// Everything, for a registry without access control.
    pub fn everything() -> Grant {
        Grant {
            visible: None,
            client: String::new(),
        }
    }
}

/// The one place a registry request is authenticated and authorized. Implemented by the image
/// API, which holds users, tokens and role bindings; the registry only says what a request
/// needs. A refusal is the error to answer: 401 with a `Www-Authenticate` challenge, 403
/// `DENIED` saying which role is missing, or 429.
#[async_trait::async_trait]
pub trait AccessControl: Send + Sync + 'static {
    async fn check(
        &self,
        headers: &HeaderMap,
        peer: Option<std::net::IpAddr>,
        access: Access<'_>,
    ) -> Result<Grant, OciError>;
}

/// Shared state of the registry: the two stores, the limits, who mirrors pushes, who serves
/// imported images, and who decides access (`None`: everyone may do everything).
#[derive(Clone)]
pub struct Registry {
    pub blobs: Arc<dyn BlobStore>,
    pub meta: Arc<dyn MetaStore>,
    pub limits: Limits,
    pub observer: Option<Arc<dyn PushObserver>>,
    pub pull_through: Option<Arc<dyn PullThrough>>,
    pub access: Option<Arc<dyn AccessControl>>,
    /// Uploads in flight per client.
    pub uploads_in_flight: Arc<uploads::InFlight>,
}

impl Registry {
    /// A registry over the two stores that mirrors nothing, pulls through nothing and lets
    /// everyone do everything; set the other fields to change that.
    pub fn new(blobs: Arc<dyn BlobStore>, meta: Arc<dyn MetaStore>, limits: Limits) -> Registry {
        Registry {
            blobs,
            meta,
            uploads_in_flight: Arc::new(uploads::InFlight::new(limits.max_uploads_per_client)),
            limits,
            observer: None,
            pull_through: None,
            access: None,
        }
    }
}

pub type Result<T, E = OciError> = std::result::Result<T, E>;

/// The `/v2` API as an axum router.
pub fn router(registry: Registry) -> Router {
    Router::new()
        .route("/v2", axum::routing::any(dispatch))
        .route("/v2/", axum::routing::any(dispatch))
        .route("/v2/{*rest}", axum::routing::any(dispatch))
        .with_state(registry)
}

fn repo(name: &str) -> Result<RepoName> {
    Ok(name.parse()?)
}

/// Query parameters of a request; repeated keys keep the first value.
pub struct Query(Vec<(String, String)>);

impl Query {
    fn of(req: &Request) -> Self {
        let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(req.uri())
            .map(|axum::extract::Query(v)| v)
            .unwrap_or_default();
        Query(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn header(
    headers: &HeaderMap,
    name: impl axum::http::header::AsHeaderName,
) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn dispatch(State(reg): State<Registry>, req: Request) -> Response {
    let mut resp = match route(&reg, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    resp.headers_mut()
        .insert(API_VERSION_HEADER, HeaderValue::from_static("registry/2.0"));
    resp
}

async fn route(reg: &Registry, req: Request) -> Result<Response> {
    let Some(route) = route::parse(req.uri().path()) else {
        return Err(OciError::new(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "no registry endpoint at this path: see the OCI distribution spec for /v2 paths",
        ));
    };
    let method = req.method().clone();
    let query = Query::of(&req);
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let grant = authorize(reg, &route, &method, &headers, peer).await?;
    let not_allowed =
        || OciError::unsupported(format!("{method} is not supported on this endpoint"));
    match route {
        Route::Base => match method {
            Method::GET | Method::HEAD => Ok((
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                "{}",
            )
                .into_response()),
            _ => Err(not_allowed()),
        },
        Route::Catalog => match method {
            Method::GET => listing::catalog(reg, &query, grant.visible).await,
            _ => Err(not_allowed()),
        },
        Route::Tags { name } => match method {
            Method::GET => listing::tags(reg, &repo(&name)?, &query).await,
            _ => Err(not_allowed()),
        },
        Route::Referrers { name, digest } => match method {
            Method::GET => listing::referrers(reg, &repo(&name)?, &digest, &query).await,
            _ => Err(not_allowed()),
        },
        Route::Manifest { name, reference } => {
            let name = repo(&name)?;
            match method {
                Method::GET => manifests::get(reg, &name, &reference, true).await,
                Method::HEAD => manifests::get(reg, &name, &reference, false).await,
                Method::PUT => manifests::put(reg, &name, &reference, &headers, body).await,
                Method::DELETE => manifests::delete(reg, &name, &reference).await,
                _ => Err(not_allowed()),
            }
        }
        Route::Blob { name, digest } => {
            let name = repo(&name)?;
            let digest = digest.parse()?;
            match method {
                Method::GET => blobs::get(reg, &name, &digest, &headers, true).await,
                Method::HEAD => blobs::get(reg, &name, &digest, &headers, false).await,
                Method::DELETE => blobs::delete(reg, &name, &digest).await,
                _ => Err(not_allowed()),
            }
        }
        Route::UploadStart { name } => match method {
            Method::POST => {
                let _slot = reg.uploads_in_flight.enter(&grant.client)?;
                let name = repo(&name)?;
                let mountable = mount_source(reg, &query, &headers, peer).await?;
                uploads::start(reg, &name, &query, mountable.as_ref(), body).await
            }
            _ => Err(not_allowed()),
        },
        Route::Upload { name, id } => {
            let name = repo(&name)?;
            match method {
                Method::GET => uploads::status(reg, &name, &id).await,
                Method::PATCH => {
                    let _slot = reg.uploads_in_flight.enter(&grant.client)?;
                    uploads::patch(reg, &name, &id, &headers, body).await
                }
                Method::PUT => {
                    let _slot = reg.uploads_in_flight.enter(&grant.client)?;
                    uploads::finish(reg, &name, &id, &query, &headers, body).await
                }
                Method::DELETE => uploads::cancel(reg, &name, &id).await,
                _ => Err(not_allowed()),
            }
        }
    }
}

/// What `route` needs of the caller, checked once, before any handler runs.
async fn authorize(
    reg: &Registry,
    route: &Route,
    method: &Method,
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
) -> Result<Grant> {
    let Some(access_control) = &reg.access else {
        return Ok(Grant::everything());
    };
    let name = match route {
        Route::Base | Route::Catalog => None,
        Route::Tags { name }
        | Route::Referrers { name, .. }
        | Route::Manifest { name, .. }
        | Route::Blob { name, .. }
        | Route::UploadStart { name }
        | Route::Upload { name, .. } => Some(repo(name)?),
    };
    let access = match (route, &name) {
        (Route::Base, _) => Access::Base,
        (Route::Catalog, _) => Access::Catalog,
        (Route::UploadStart { .. } | Route::Upload { .. }, Some(n)) => Access::Push(n),
        (Route::Manifest { .. }, Some(n)) if method == Method::PUT => Access::Push(n),
        (Route::Manifest { .. } | Route::Blob { .. }, Some(n)) if method == Method::DELETE => {
            Access::Delete(n)
        }
        (_, Some(n)) => Access::Pull(n),
        (_, None) => Access::Base,
    };
    access_control.check(headers, peer, access).await
}

/// The repository a `?mount=&from=` request may mount from: only one the caller may pull
/// from. Otherwise the request falls back to a plain upload, as the spec asks, so a blob of a
/// repository the caller cannot read is never linked.
async fn mount_source(
    reg: &Registry,
    query: &Query,
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
) -> Result<Option<RepoName>> {
    let (Some(_), Some(from)) = (query.get("mount"), query.get("from")) else {
        return Ok(None);
    };
    let from: RepoName = from.parse()?;
    if let Some(access_control) = &reg.access {
        if access_control
            .check(headers, peer, Access::Pull(&from))
            .await
            .is_err()
        {
            return Ok(None);
        }
    }
    Ok(Some(from))
}

/// A request body as the storage layer's byte stream.
pub(crate) fn body_stream(body: Body) -> wharf_storage::ByteStream {
    use futures_util::TryStreamExt;
    Box::pin(body.into_data_stream().map_err(std::io::Error::other))
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
