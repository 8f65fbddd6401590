//! The login endpoints, outside the resource API:
//!
//! - `/.well-known/oauth-authorization-server` and `/oauth/authorize`: OpenShift's OAuth
//!   server as `oc login` drives it. The "challenging client" sends Basic credentials to
//!   `/oauth/authorize?response_type=token&client_id=openshift-challenging-client` and gets a
//!   redirect whose fragment carries the new API token.
//! - `/openshift/token`: the registry's token endpoint (Docker's token protocol). Basic
//!   credentials are a user and password, or any user name and an API token; no credentials is
//!   the anonymous user. Each requested scope is granted only as far as RBAC allows.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;
use wharf_domain::rbac::scope::{grant, parse_scope, Scope};
use wharf_domain::rbac::{Attributes, UserInfo};

use super::{repository_parts, tokens, AuthError, Caller, Credentials};
use crate::status::ApiError;
use crate::ApiServer;

/// The OAuth client `oc login` (and `wharf login`) uses with Basic credentials.
pub const CHALLENGING_CLIENT: &str = "openshift-challenging-client";

pub fn router(api: ApiServer) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            axum::routing::get(metadata),
        )
        .route("/oauth/authorize", axum::routing::get(authorize))
        .route(
            "/oauth/token/implicit",
            axum::routing::get(|| async {
                "You are logged in: the token is in this page's address, after #access_token=.\n"
            }),
        )
        .route("/openshift/token", axum::routing::get(registry_token))
        .with_state(api)
}

/// The scheme and host a client reached us at, for URLs we hand back.
pub fn base_url(api: &ApiServer, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or(&api.registry_hostname);
    let scheme = if api.auth.settings().tls {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

pub fn peer(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

async fn metadata(State(api): State<ApiServer>, headers: HeaderMap) -> Response {
    let base = base_url(&api, &headers);
    crate::json_response(
        StatusCode::OK,
        &json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}/oauth/authorize"),
            "token_endpoint": format!("{base}/oauth/token"),
            "scopes_supported": ["user:full"],
            "response_types_supported": ["token"],
            "grant_types_supported": ["implicit"],
            "code_challenge_methods_supported": [],
        }),
    )
}

fn basic_challenge(message: String) -> Response {
    let mut r = ApiError::unauthorized(message).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"openshift\""),
    );
    r
}

/// `GET /oauth/authorize` for the challenging client: a password login that answers with a
/// redirect carrying a new API token.
async fn authorize(State(api): State<ApiServer>, req: Request) -> Response {
    let query: Vec<(String, String)> = axum::extract::Query::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if param("response_type") != Some("token") || param("client_id") != Some(CHALLENGING_CLIENT) {
        return ApiError::bad_request(format!(
            "only response_type=token with client_id={CHALLENGING_CLIENT} is served: log in with `wharf login SERVER -u USER -p PASSWORD`"
        ))
        .into_response();
    }
    if !api.auth.enabled() {
        return ApiError::bad_request(
            "this server runs with --auth=none: there is nothing to log in to, every request is the cluster admin",
        )
        .into_response();
    }
    let peer = peer(&req);
    let headers = req.headers();
    let (user, password) = match Credentials::of(headers) {
        Ok(Credentials::Basic { user, password }) if !tokens::looks_like_api_token(&password) => {
            (user, password)
        }
        Ok(_) => {
            return basic_challenge(
                "a user name and password are required (Basic authentication)".into(),
            )
        }
        Err(AuthError::Unauthorized(m)) => return basic_challenge(m),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let caller = match api
        .authenticate(&Credentials::Basic { user, password }, peer)
        .await
    {
        Ok(c) => c,
        Err(AuthError::Unauthorized(m)) => return basic_challenge(m),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let lifetime = api.auth.settings().access_token_max_age;
    let token = match api
        .issue_token(&caller.user, CHALLENGING_CLIENT, lifetime)
        .await
    {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    tracing::info!(user = caller.user.name, "issued an API token");
    let location = format!(
        "{}/oauth/token/implicit#access_token={token}&expires_in={}&scope=user%3Afull&token_type=Bearer",
        base_url(&api, headers),
        lifetime.as_secs()
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The Docker registry's error body.
fn registry_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"errors": [{"code": code, "message": message}]}).to_string(),
    )
        .into_response()
}

/// Scopes from `scope=` parameters (repeatable, each space-separated).
fn requested_scopes(req: &Request) -> Result<Vec<Scope>, String> {
    let query: Vec<(String, String)> = axum::extract::Query::try_from_uri(req.uri())
        .map(|q| q.0)
        .map_err(|e| format!("invalid query: {e}"))?;
    query
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' ').filter(|s| !s.is_empty()))
        .map(parse_scope)
        .collect()
}

/// `GET /openshift/token`.
async fn registry_token(State(api): State<ApiServer>, req: Request) -> Response {
    let requested = match requested_scopes(&req) {
        Ok(s) => s,
        Err(e) => return registry_error(StatusCode::BAD_REQUEST, "UNSUPPORTED", &e),
    };
    let creds = match Credentials::of(req.headers()) {
        Ok(c) => c,
        Err(e) => return token_refusal(e),
    };
    if matches!(&creds, Credentials::Bearer(t) if !tokens::looks_like_api_token(t)) {
        return registry_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a registry token cannot be exchanged for another: send a user and password, or an API token, with Basic authentication",
        );
    }
    let caller = match api.authenticate(&creds, peer(&req)).await {
        Ok(c) => c,
        Err(e) => return token_refusal(e),
    };
    let granted = match granted_scopes(&api, &caller, &requested).await {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let ttl = api.auth.settings().registry_token_ttl;
    let now = crate::now_secs();
    let signer = match api.auth.signer() {
        Ok(s) => s,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let token = signer.sign(&tokens::RegistryClaims {
        user: caller.user.name.clone(),
        groups: caller.user.groups.clone(),
        access: granted.iter().map(ToString::to_string).collect(),
        refused: requested
            .iter()
            .filter(|s| matches!(s, Scope::Repository { .. }) && !granted.contains(s))
            .map(ToString::to_string)
            .collect(),
        expires: now + ttl.as_secs() as i64,
    });
    crate::json_response(
        StatusCode::OK,
        &json!({
            "token": token,
            "access_token": token,
            "expires_in": ttl.as_secs(),
            "issued_at": wharf_domain::time::rfc3339(now),
        }),
    )
}

fn token_refusal(e: AuthError) -> Response {
    match e {
        AuthError::Unauthorized(m) => {
            let mut r = registry_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &m);
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"openshift\""),
            );
            r
        }
        AuthError::TooManyAttempts(wait) => {
            let mut r = registry_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TOOMANYREQUESTS",
                &format!(
                    "too many failed logins: try again in {} seconds",
                    wait.as_secs().max(1)
                ),
            );
            if let Ok(v) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        AuthError::Internal(m) => ApiError::internal(m).into_response(),
    }
}

/// What RBAC lets `caller` have of `requested`: repository actions by the registry's RBAC
/// checks, the catalog for any authenticated caller (it lists only what they may pull).
async fn granted_scopes(
    api: &ApiServer,
    caller: &Caller,
    requested: &[Scope],
) -> Result<Vec<Scope>, ApiError> {
    if !api.auth.enabled() {
        return Ok(requested.to_vec());
    }
    let policy = api.policy().await?;
    let user: UserInfo = policy.with_groups(&caller.user);
    Ok(requested
        .iter()
        .filter_map(|s| {
            grant(s, |action| match s {
                Scope::Repository { name, .. } => {
                    let (ns, stream) = repository_parts(name);
                    registry_attributes(action, ns, stream)
                        .is_some_and(|a| policy.allows(&user, &a))
                }
                Scope::Registry { name, .. } => name == "catalog" && !caller.is_anonymous(),
            })
        })
        .collect())
}

/// The RBAC question behind a registry action.
pub fn registry_attributes(action: &str, ns: &str, name: &str) -> Option<Attributes> {
    match action {
        "pull" => Some(Attributes::registry_pull(ns, name)),
        "push" => Some(Attributes::registry_push(ns, name)),
        "delete" => Some(Attributes::registry_delete(ns, name)),
        _ => None,
    }
}
