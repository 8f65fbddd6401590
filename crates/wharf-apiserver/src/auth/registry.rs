//! The registry's side of the seam: [`RegistryAccess`] answers the registry's
//! [`AccessControl`] question with the same authentication and RBAC as the API.
//!
//! A caller without credentials who may not do something gets 401 and Docker's Bearer
//! challenge pointing at `/openshift/token`, so clients know where to log in; a registry token
//! is held to its scopes; anyone else refused gets 403 `DENIED` naming the missing role.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode};
use wharf_domain::rbac::scope::Scope;
use wharf_domain::rbac::{Attributes, UserInfo};
use wharf_domain::RepoName;
use wharf_registry::error::OciError;
use wharf_registry::{Access, AccessControl, Grant};

use super::http::{base_url, registry_attributes};
use super::{forbidden, repository_parts, AuthError, Credentials};
use crate::ApiServer;

pub struct RegistryAccess {
    pub api: ApiServer,
}

/// Docker's challenge, with the scope the request needed.
fn challenge(
    api: &ApiServer,
    headers: &HeaderMap,
    scope: Option<String>,
    message: &str,
    insufficient: bool,
) -> OciError {
    let base = base_url(api, headers);
    let service = base.split("://").nth(1).unwrap_or(&base).to_string();
    let mut value = format!("Bearer realm=\"{base}/openshift/token\",service=\"{service}\"");
    if let Some(s) = scope {
        value.push_str(&format!(",scope=\"{s}\""));
    }
    if insufficient {
        // RFC 6750's error and description: Docker's and podman's clients show the
        // description, the one place a bodiless HEAD can say why it was refused.
        let description = message.replace('\\', "\\\\").replace('"', "\\\"");
        value.push_str(&format!(
            ",error=\"insufficient_scope\",error_description=\"{description}\""
        ));
    }
    OciError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
        .with_header(header::WWW_AUTHENTICATE, value)
}

fn action(access: Access<'_>) -> Option<(&'static str, &RepoName)> {
    match access {
        Access::Pull(r) => Some(("pull", r)),
        Access::Push(r) => Some(("push", r)),
        Access::Delete(r) => Some(("delete", r)),
        Access::Base | Access::Catalog => None,
    }
}

fn scope_of(access: Access<'_>) -> Option<String> {
    match access {
        Access::Catalog => Some("registry:catalog:*".into()),
        _ => action(access).map(|(a, r)| format!("repository:{r}:{a}")),
    }
}

fn in_scopes(scopes: &[Scope], access: Access<'_>) -> bool {
    let has = |actions: &[String], a: &str| actions.iter().any(|x| x == a || x == "*");
    match access {
        Access::Base => true,
        Access::Catalog => scopes
            .iter()
            .any(|s| matches!(s, Scope::Registry { name, actions } if name == "catalog" && has(actions, "*"))),
        _ => {
            let (a, repo) = action(access).expect("a repository access");
            scopes.iter().any(|s| {
                matches!(s, Scope::Repository { name, actions } if name == repo.as_str() && has(actions, a))
            })
        }
    }
}

/// The action to explain a refusal of `action` on `repo` by: `push` when the token was
/// asked for a push there (the client is pushing, though its first request only reads).
fn wanted_action(refused: &[Scope], repo: &str, action: &'static str) -> &'static str {
    let push_wanted = refused.iter().any(|s| {
        matches!(s, Scope::Repository { name, actions }
            if name == repo && actions.iter().any(|a| a == "push" || a == "*"))
    });
    if action == "pull" && push_wanted {
        "push"
    } else {
        action
    }
}

#[async_trait::async_trait]
impl AccessControl for RegistryAccess {
    async fn check(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        access: Access<'_>,
    ) -> Result<Grant, OciError> {
        let api = &self.api;
        let creds = Credentials::of(headers).map_err(|e| refusal(api, headers, access, e))?;
        let caller = api
            .authenticate(&creds, peer)
            .await
            .map_err(|e| refusal(api, headers, access, e))?;
        let client = if caller.is_anonymous() {
            peer.map(|p| p.to_string()).unwrap_or_default()
        } else {
            caller.user.name.clone()
        };
        if !api.auth.enabled() {
            return Ok(Grant {
                visible: None,
                client,
            });
        }
        if let Some(scopes) = &caller.registry_scopes {
            if !in_scopes(scopes, access) {
                // Say why: RBAC's refusal when the token's user may not do it at all (the
                // token endpoint grants what RBAC allows), else that the token is too narrow.
                let refused = match action(access) {
                    Some((a, repo)) => {
                        let a = wanted_action(&caller.registry_refused, repo.as_str(), a);
                        rbac_refusal(api, &caller.user, a, repo.as_str()).await?
                    }
                    None => None,
                };
                let message = refused.unwrap_or_else(|| {
                    format!(
                        "the registry token does not grant {}: ask /openshift/token for that scope",
                        scope_of(access).unwrap_or_default()
                    )
                });
                return Err(challenge(api, headers, scope_of(access), &message, true));
            }
        }
        match access {
            // The version check: only whether the caller is somebody.
            Access::Base if caller.is_anonymous() => Err(challenge(
                api,
                headers,
                None,
                "authentication required: log in (podman login -u USER -p $(wharf whoami -t))",
                false,
            )),
            Access::Base => Ok(Grant {
                visible: None,
                client,
            }),
            Access::Catalog if caller.is_anonymous() => Err(challenge(
                api,
                headers,
                scope_of(access),
                "authentication required to list the catalog",
                false,
            )),
            Access::Catalog => {
                let policy = api.policy().await.map_err(internal)?;
                let user = policy.with_groups(&caller.user);
                Ok(Grant {
                    visible: Some(Arc::new(move |repo: &str| {
                        let (ns, name) = repository_parts(repo);
                        policy.allows(&user, &Attributes::registry_pull(ns, name))
                    })),
                    client,
                })
            }
            _ => {
                let (a, repo) = action(access).expect("a repository access");
                let Some(refused) = rbac_refusal(api, &caller.user, a, repo.as_str()).await? else {
                    return Ok(Grant {
                        visible: None,
                        client,
                    });
                };
                if caller.is_anonymous() {
                    return Err(challenge(api, headers, scope_of(access), &refused, false));
                }
                tracing::info!(user = caller.user.name, repository = %repo, action = a, "registry access denied");
                Err(OciError::new(StatusCode::FORBIDDEN, "DENIED", refused))
            }
        }
    }
}

/// RBAC's refusal of `action` on `repo` for `user`, its message naming the role that is
/// missing; `None` when RBAC allows it.
async fn rbac_refusal(
    api: &ApiServer,
    user: &UserInfo,
    action: &str,
    repo: &str,
) -> Result<Option<String>, OciError> {
    let (ns, name) = repository_parts(repo);
    let attrs = registry_attributes(action, ns, name).expect("a registry action");
    let policy = api.policy().await.map_err(internal)?;
    if policy.allows(&policy.with_groups(user), &attrs) {
        return Ok(None);
    }
    Ok(Some(
        forbidden(user, &attrs, policy.missing_role(&attrs)).message,
    ))
}

fn internal(e: crate::status::ApiError) -> OciError {
    OciError::new(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", e.message)
}

fn refusal(api: &ApiServer, headers: &HeaderMap, access: Access<'_>, e: AuthError) -> OciError {
    match e {
        AuthError::Unauthorized(m) => challenge(api, headers, scope_of(access), &m, false),
        AuthError::TooManyAttempts(wait) => OciError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOOMANYREQUESTS",
            format!(
                "too many failed logins: try again in {} seconds",
                wait.as_secs().max(1)
            ),
        )
        .with_header(header::RETRY_AFTER, wait.as_secs().max(1).to_string()),
        AuthError::Internal(m) => OciError::new(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", m),
    }
}
