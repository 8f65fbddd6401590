//! Who is asking, and what they may do: the one authentication and authorization seam every
//! API request ([`crate::router`]) and every registry request ([`registry::RegistryAccess`])
//! passes.
//!
//! - **Authentication** turns a request's `Authorization` header into a [`Caller`]: nothing
//!   is the anonymous user (`system:anonymous`, group `system:unauthenticated`); a Bearer or
//!   Basic password that is an API token is looked up by its hash ([`tokens`]); a Basic user
//!   and password is checked against `kubeadmin` and the htpasswd providers ([`htpasswd`]),
//!   with failed attempts limited per user and address ([`login_limits`]); a registry token
//!   is checked by its signature. Tokens and password checks are cached for a few seconds;
//!   any write to tokens, users or service accounts empties the cache.
//! - **Authorization** is Kubernetes RBAC over the stored Roles, ClusterRoles and their
//!   bindings (`wharf_domain::rbac`), evaluated on an in-memory snapshot that is rebuilt after
//!   any write to RBAC objects or groups (and at most a few seconds old otherwise, for writes
//!   by another server over the same store).
//!
//! With `--auth=none` every request is the cluster admin: [`Auth::disabled`].

pub mod bootstrap;
pub mod htpasswd;
pub mod http;
mod login_limits;
pub mod registry;
pub mod tokens;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::Digest as _;
use wharf_domain::rbac::{Attributes, Policy, Scope, UserInfo};
use wharf_storage::{ObjectKey, Selector};

pub use htpasswd::HtpasswdProvider;
pub use login_limits::LoginLimits;

use crate::status::ApiError;
use crate::ApiServer;

/// The user `kubeadmin` logs in as, as in OpenShift.
pub const KUBEADMIN_USER: &str = "kube:admin";
/// The login name of the bootstrap admin.
pub const KUBEADMIN_LOGIN: &str = "kubeadmin";
/// Where the bootstrap admin's bcrypt hash is kept (OpenShift's place: deleting this secret
/// disables `kubeadmin`).
pub const KUBEADMIN_SECRET: (&str, &str) = ("kube-system", "kubeadmin");

/// How long a token or password check is trusted without reading the store again.
const CACHE_TTL: Duration = Duration::from_secs(10);
/// How old the RBAC snapshot may be when nothing said it changed.
const POLICY_TTL: Duration = Duration::from_secs(2);
/// Verified registry tokens kept at most; beyond it expired ones go, then all.
const REGISTRY_TOKENS_KEPT: usize = 4096;

/// How authentication is configured.
pub struct AuthSettings {
    /// `false`: `--auth=none`, everyone is the cluster admin.
    pub enabled: bool,
    pub providers: Vec<HtpasswdProvider>,
    /// Lifetime of API tokens issued by login.
    pub access_token_max_age: Duration,
    /// Lifetime of registry tokens issued by `/openshift/token`.
    pub registry_token_ttl: Duration,
    pub login_limits: LoginLimits,
    /// Whether the server is reached over HTTPS (for the URLs it hands out).
    pub tls: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            enabled: true,
            providers: Vec::new(),
            access_token_max_age: Duration::from_secs(24 * 3600),
            registry_token_ttl: Duration::from_secs(300),
            login_limits: LoginLimits::default(),
            tls: false,
        }
    }
}

/// The authentication state a server shares across requests.
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

struct Inner {
    settings: AuthSettings,
    /// Set by [`bootstrap`] once the key is read from or written to the store.
    signer: OnceLock<tokens::Signer>,
    policy: Mutex<Option<(Instant, Arc<Policy>)>>,
    policy_dirty: AtomicBool,
    /// Held while the policy is rebuilt, so concurrent requests wait for one rebuild.
    policy_rebuild: tokio::sync::Mutex<()>,
    /// By OAuthAccessToken name: when checked, who it was, and when it expires (unix
    /// seconds; `i64::MAX` for never).
    tokens: Mutex<HashMap<String, (Instant, Caller, i64)>>,
    /// Registry tokens already verified, by the token: who it is and when it expires. A
    /// client sends the same token with every request of a pull; the signature, the claims'
    /// JSON and the scopes are checked once (bench/auth.sh measured them as most of what a
    /// token-authorized pull costs beyond an unauthenticated one).
    registry_tokens: Mutex<HashMap<String, (Caller, i64)>>,
    /// By sha256(user NUL password): when checked, and who it was.
    passwords: Mutex<HashMap<[u8; 32], (Instant, Caller)>>,
    /// One gate per password being checked: a bcrypt check costs a quarter of a second of
    /// CPU, and 32 clients sending the same password at a cache expiry would otherwise pay it
    /// 32 times; the later ones wait for the first and read its result from the cache.
    password_checks: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
    failed: login_limits::FailedLogins,
}

impl Auth {
    pub fn new(settings: AuthSettings) -> Auth {
        let failed = login_limits::FailedLogins::new(settings.login_limits);
        Auth(Arc::new(Inner {
            settings,
            signer: OnceLock::new(),
            policy: Mutex::new(None),
            policy_dirty: AtomicBool::new(true),
            policy_rebuild: tokio::sync::Mutex::new(()),
            tokens: Mutex::default(),
            passwords: Mutex::default(),
            registry_tokens: Mutex::default(),
            password_checks: Mutex::default(),
            failed,
        }))
    }

    /// `--auth=none`: every request is the cluster admin.
    pub fn disabled() -> Auth {
        Auth::new(AuthSettings {
            enabled: false,
            ..Default::default()
        })
    }

    pub fn enabled(&self) -> bool {
        self.0.settings.enabled
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.0.settings
    }

    fn signer(&self) -> Result<&tokens::Signer, AuthError> {
        self.0
            .signer
            .get()
            .ok_or_else(|| AuthError::Internal("the registry token key is not loaded yet".into()))
    }

    /// Tells the caches that an object was written: RBAC objects and groups make the policy
    /// snapshot stale; tokens, users and service accounts empty the token cache.
    pub fn note_write(&self, key: &ObjectKey) {
        match (key.group.as_str(), key.resource.as_str()) {
            ("rbac.authorization.k8s.io", _) | ("user.openshift.io", "groups") => {
                self.0.policy_dirty.store(true, Ordering::Release);
            }
            ("oauth.openshift.io", _) | ("user.openshift.io", _) | ("", "serviceaccounts") => {
                lock(&self.0.tokens).clear();
                lock(&self.0.passwords).clear();
            }
            ("", "secrets") if (key.namespace.as_str(), key.name.as_str()) == KUBEADMIN_SECRET => {
                lock(&self.0.passwords).clear();
            }
            _ => {}
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Who made a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserInfo,
    /// The scopes of a registry token; `None` for every other way in.
    pub registry_scopes: Option<Arc<Vec<Scope>>>,
    /// The OAuthAccessToken name, when the caller came with an API token.
    pub token: Option<String>,
    /// What a registry token was asked for and not granted (see `RegistryClaims::refused`).
    pub registry_refused: Vec<Scope>,
}

impl Caller {
    fn new(user: UserInfo) -> Caller {
        Caller {
            user,
            registry_scopes: None,
            token: None,
            registry_refused: Vec::new(),
        }
    }

    pub fn anonymous() -> Caller {
        Caller::new(UserInfo::anonymous())
    }

    /// What every request is under `--auth=none`.
    pub fn unrestricted() -> Caller {
        Caller::new(UserInfo {
            name: "system:admin".into(),
            groups: vec![
                "system:cluster-admins".into(),
                "system:authenticated".into(),
            ],
        })
    }

    pub fn is_anonymous(&self) -> bool {
        self.user.is_anonymous()
    }
}

/// Credentials as a request carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    None,
    Basic { user: String, password: String },
    Bearer(String),
}

impl Credentials {
    pub fn of(headers: &HeaderMap) -> Result<Credentials, AuthError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(Credentials::None);
        };
        let bad = || {
            AuthError::Unauthorized(
                "the Authorization header is neither `Basic <base64 user:password>` nor `Bearer <token>`"
                    .into(),
            )
        };
        let value = value.to_str().map_err(|_| bad())?.trim();
        let (scheme, rest) = value.split_once(' ').ok_or_else(bad)?;
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            return Ok(Credentials::Bearer(rest.to_string()));
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| bad())?;
            let text = String::from_utf8(raw).map_err(|_| bad())?;
            let (user, password) = text.split_once(':').ok_or_else(bad)?;
            return Ok(Credentials::Basic {
                user: user.into(),
                password: password.into(),
            });
        }
        Err(bad())
    }
}

/// Why a caller could not be authenticated.
#[derive(Debug)]
pub enum AuthError {
    /// 401: wrong, expired or revoked credentials.
    Unauthorized(String),
    /// 429: too many failed logins; try again after this long.
    TooManyAttempts(Duration),
    /// 500: the store failed.
    Internal(String),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::Unauthorized(m) => ApiError::unauthorized(m),
            AuthError::TooManyAttempts(d) => ApiError::too_many_requests(format!(
                "too many failed logins: try again in {} seconds",
                d.as_secs().max(1)
            )),
            AuthError::Internal(m) => ApiError::internal(m),
        }
    }
}

/// A refusal by RBAC, in Kubernetes' words and with the role that would allow it.
#[derive(Debug)]
pub struct Forbidden {
    pub anonymous: bool,
    pub message: String,
}

impl From<Forbidden> for ApiError {
    fn from(f: Forbidden) -> ApiError {
        if f.anonymous {
            ApiError::unauthorized(f.message)
        } else {
            ApiError::forbidden(f.message)
        }
    }
}

/// `ns/name` of a registry repository as the namespace and image stream RBAC speaks of; a
/// one-component name belongs to no project, so only cluster-wide roles reach it.
pub fn repository_parts(repo: &str) -> (&str, &str) {
    match repo.split_once('/') {
        Some((ns, name)) => (ns, name),
        None => ("", repo),
    }
}

fn now_unix() -> i64 {
    crate::now_secs()
}

impl ApiServer {
    /// Who `creds` are. Anonymous when there are none.
    pub async fn authenticate(
        &self,
        creds: &Credentials,
        peer: Option<IpAddr>,
    ) -> Result<Caller, AuthError> {
        if !self.auth.enabled() {
            return Ok(Caller::unrestricted());
        }
        match creds {
            Credentials::None => Ok(Caller::anonymous()),
            Credentials::Bearer(t) => match self.registry_token_caller(t)? {
                Some(caller) => Ok(caller),
                None => self.token_caller(t).await,
            },
            Credentials::Basic { user, password } => {
                if tokens::looks_like_api_token(password) {
                    // Any user name with a token, as OpenShift's registry takes it.
                    self.token_caller(password).await
                } else {
                    self.password_caller(user, password, peer).await
                }
            }
        }
    }

    /// The caller an API token stands for, if it exists, has not expired, and its user or
    /// service account still exists (with the same uid: a user deleted and made again does
    /// not inherit the old tokens).
    /// The caller of a registry token (`None`: `token` is not one), from the cache of
    /// verified tokens or by checking its signature and expiry.
    fn registry_token_caller(&self, token: &str) -> Result<Option<Caller>, AuthError> {
        let now = now_unix();
        if let Some((caller, expires)) = lock(&self.auth.0.registry_tokens).get(token) {
            if *expires > now {
                return Ok(Some(caller.clone()));
            }
        }
        let claims = match self.auth.signer()?.verify(token, now) {
            None => return Ok(None),
            Some(Err(why)) => return Err(AuthError::Unauthorized(why.into())),
            Some(Ok(claims)) => claims,
        };
        let expires = claims.expires;
        let caller = Caller {
            user: UserInfo {
                name: claims.user,
                groups: claims.groups,
            },
            registry_scopes: Some(Arc::new(
                claims
                    .access
                    .iter()
                    .filter_map(|s| wharf_domain::rbac::scope::parse_scope(s).ok())
                    .collect(),
            )),
            token: None,
            registry_refused: claims
                .refused
                .iter()
                .filter_map(|s| wharf_domain::rbac::scope::parse_scope(s).ok())
                .collect(),
        };
        let mut kept = lock(&self.auth.0.registry_tokens);
        if kept.len() >= REGISTRY_TOKENS_KEPT {
            kept.retain(|_, (_, e)| *e > now);
            if kept.len() >= REGISTRY_TOKENS_KEPT {
                kept.clear();
            }
        }
        kept.insert(token.to_string(), (caller.clone(), expires));
        Ok(Some(caller))
    }

    async fn token_caller(&self, token: &str) -> Result<Caller, AuthError> {
        let invalid = || {
            AuthError::Unauthorized(
                "the token is invalid, expired or revoked: log in again (wharf login)".into(),
            )
        };
        let name = tokens::object_name(token).ok_or_else(invalid)?;
        if let Some((at, caller, expires)) = lock(&self.auth.0.tokens).get(&name) {
            if at.elapsed() < CACHE_TTL && *expires > now_unix() {
                return Ok(caller.clone());
            }
        }
        let stored = self
            .store
            .get_object(&ObjectKey::new(
                "oauth.openshift.io",
                "oauthaccesstokens",
                "",
                &name,
            ))
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?
            .ok_or_else(invalid)?;
        let t = &stored.value;
        let expires = token_expiry(t).ok_or_else(invalid)?;
        if expires <= now_unix() {
            return Err(invalid());
        }
        let user_name = t.get("userName").and_then(Value::as_str).unwrap_or("");
        let user_uid = t.get("userUID").and_then(Value::as_str).unwrap_or("");
        let user = self
            .token_user(user_name, user_uid)
            .await?
            .ok_or_else(invalid)?;
        let caller = Caller {
            user,
            registry_scopes: None,
            token: Some(name.clone()),
            registry_refused: Vec::new(),
        };
        lock(&self.auth.0.tokens).insert(name, (Instant::now(), caller.clone(), expires));
        Ok(caller)
    }

    /// The user a token names, if it still exists with that uid.
    async fn token_user(&self, name: &str, uid: &str) -> Result<Option<UserInfo>, AuthError> {
        let get = |key: ObjectKey| async move {
            self.store
                .get_object(&key)
                .await
                .map_err(|e| AuthError::Internal(e.to_string()))
        };
        let uid_of = |v: &Value| {
            v.pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if let Some(rest) = name.strip_prefix("system:serviceaccount:") {
            let Some((ns, sa)) = rest.split_once(':') else {
                return Ok(None);
            };
            let found = get(ObjectKey::new("", "serviceaccounts", ns, sa)).await?;
            return Ok(found
                .filter(|o| uid_of(&o.value) == uid)
                .map(|_| UserInfo::service_account(ns, sa)));
        }
        if name == KUBEADMIN_USER {
            let (ns, secret) = KUBEADMIN_SECRET;
            let found = get(ObjectKey::new("", "secrets", ns, secret)).await?;
            return Ok(found.map(|_| kubeadmin()));
        }
        let found = get(ObjectKey::new("user.openshift.io", "users", "", name)).await?;
        Ok(found
            .filter(|o| uid_of(&o.value) == uid)
            .map(|_| oauth_user(name)))
    }

    /// A user name and password, checked against kubeadmin and the htpasswd providers.
    async fn password_caller(
        &self,
        user: &str,
        password: &str,
        peer: Option<IpAddr>,
    ) -> Result<Caller, AuthError> {
        let key: [u8; 32] = sha2::Sha256::new()
            .chain_update(user.as_bytes())
            .chain_update([0])
            .chain_update(password.as_bytes())
            .finalize()
            .into();
        let cached = || {
            lock(&self.auth.0.passwords)
                .get(&key)
                .filter(|(at, _)| at.elapsed() < CACHE_TTL)
                .map(|(_, caller)| caller.clone())
        };
        if let Some(caller) = cached() {
            return Ok(caller);
        }
        let gate = lock(&self.auth.0.password_checks)
            .entry(key)
            .or_default()
            .clone();
        let turn = gate.lock().await;
        let result = match cached() {
            Some(caller) => Ok(caller),
            None => self.check_uncached(user, password, peer, key).await,
        };
        drop(turn);
        let mut gates = lock(&self.auth.0.password_checks);
        // Ours and the map's: nobody else waits at this gate (taking one needs this lock).
        if Arc::strong_count(&gate) == 2 {
            gates.remove(&key);
        }
        result
    }

    /// [`Self::password_caller`] past the cache: the check itself, cached when it succeeds.
    async fn check_uncached(
        &self,
        user: &str,
        password: &str,
        peer: Option<IpAddr>,
        key: [u8; 32],
    ) -> Result<Caller, AuthError> {
        let failed = &self.auth.0.failed;
        if let Some(wait) = failed.wait(user, peer, Instant::now()) {
            return Err(AuthError::TooManyAttempts(wait));
        }
        let login = self.check_password(user, password).await?;
        let Some(login) = login else {
            failed.failed(user, peer, Instant::now());
            tracing::info!(user, address = ?peer, "login failed");
            return Err(AuthError::Unauthorized(format!(
                "Login failed (401 Unauthorized): the user name or password for {user:?} is wrong"
            )));
        };
        let caller = Caller::new(login);
        lock(&self.auth.0.passwords).insert(key, (Instant::now(), caller.clone()));
        Ok(caller)
    }

    /// The user behind a correct password, creating the User object on a provider user's
    /// first login (OpenShift's "claim" mapping); `None` when the password is wrong.
    async fn check_password(
        &self,
        user: &str,
        password: &str,
    ) -> Result<Option<UserInfo>, AuthError> {
        if user == KUBEADMIN_LOGIN {
            let (ns, name) = KUBEADMIN_SECRET;
            let secret = self
                .store
                .get_object(&ObjectKey::new("", "secrets", ns, name))
                .await
                .map_err(|e| AuthError::Internal(e.to_string()))?;
            if let Some(hash) = secret
                .as_ref()
                .and_then(|s| bootstrap::kubeadmin_hash(&s.value))
            {
                let password = password.to_string();
                let ok = tokio::task::spawn_blocking(move || {
                    bcrypt::verify(password, &hash).unwrap_or(false)
                })
                .await
                .unwrap_or(false);
                return Ok(ok.then(kubeadmin));
            }
        }
        let auth = self.auth.clone();
        let (u, p) = (user.to_string(), password.to_string());
        let provider = tokio::task::spawn_blocking(move || {
            auth.0
                .settings
                .providers
                .iter()
                .position(|prov| prov.verify(&u, &p))
        })
        .await
        .unwrap_or(None);
        let Some(i) = provider else {
            return Ok(None);
        };
        let provider_name = self.auth.0.settings.providers[i].name.clone();
        self.ensure_user(user, &provider_name).await?;
        Ok(Some(oauth_user(user)))
    }

    /// The User object of a provider's user, made on first login.
    async fn ensure_user(&self, user: &str, provider: &str) -> Result<Value, AuthError> {
        let rt = crate::resources::find("user.openshift.io", "v1", "users")
            .ok_or_else(|| AuthError::Internal("users are not served".into()))?;
        if let Some(o) = self
            .store
            .get_object(&rt.key("", user))
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?
        {
            return Ok(o.value);
        }
        let obj = json!({
            "apiVersion": "user.openshift.io/v1",
            "kind": "User",
            "metadata": { "name": user },
            "identities": [format!("{provider}:{user}")],
            "groups": null,
        });
        match crate::create_object(self, rt, "", obj, false).await {
            Ok(v) => Ok(v),
            // Two first logins at once: the other made it.
            Err(e) if e.code == StatusCode::CONFLICT => self
                .store
                .get_object(&rt.key("", user))
                .await
                .map_err(|e| AuthError::Internal(e.to_string()))?
                .map(|o| o.value)
                .ok_or_else(|| AuthError::Internal(e.message.clone())),
            Err(e) => Err(AuthError::Internal(e.message)),
        }
    }

    /// Issues an API token for `user` (an OAuthAccessToken stored under its hash).
    pub async fn issue_token(
        &self,
        user: &UserInfo,
        client: &str,
        lifetime: Duration,
    ) -> Result<String, ApiError> {
        let user_uid = self.user_uid(&user.name).await?;
        let token = tokens::new_api_token();
        let name = tokens::object_name(&token).expect("a fresh token has the token shape");
        let rt = crate::resources::find("oauth.openshift.io", "v1", "oauthaccesstokens")
            .expect("oauthaccesstokens are served");
        let obj = json!({
            "apiVersion": "oauth.openshift.io/v1",
            "kind": "OAuthAccessToken",
            "metadata": { "name": name },
            "clientName": client,
            "expiresIn": lifetime.as_secs(),
            "scopes": ["user:full"],
            "userName": user.name,
            "userUID": user_uid,
        });
        crate::create_object(self, rt, "", obj, false).await?;
        Ok(token)
    }

    /// The uid tokens of `name` are bound to: its User's or ServiceAccount's; empty for
    /// kubeadmin, who has no object.
    async fn user_uid(&self, name: &str) -> Result<String, ApiError> {
        let key = if let Some(rest) = name.strip_prefix("system:serviceaccount:") {
            let (ns, sa) = rest.split_once(':').unwrap_or(("", rest));
            ObjectKey::new("", "serviceaccounts", ns, sa)
        } else if name == KUBEADMIN_USER {
            return Ok(String::new());
        } else {
            ObjectKey::new("user.openshift.io", "users", "", name)
        };
        let o = self
            .store
            .get_object(&key)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| {
                ApiError::bad_request(format!("no such user or service account {name:?}"))
            })?;
        Ok(o.value
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string())
    }

    /// The RBAC snapshot, rebuilt when stale.
    pub async fn policy(&self) -> Result<Arc<Policy>, ApiError> {
        let inner = &self.auth.0;
        let fresh = || {
            if inner.policy_dirty.load(Ordering::Acquire) {
                return None;
            }
            lock(&inner.policy)
                .as_ref()
                .filter(|(at, _)| at.elapsed() < POLICY_TTL)
                .map(|(_, p)| p.clone())
        };
        if let Some(p) = fresh() {
            return Ok(p);
        }
        let _rebuild = inner.policy_rebuild.lock().await;
        // Another request may have rebuilt it while this one waited.
        if let Some(p) = fresh() {
            return Ok(p);
        }
        // Clear the flag before reading, so a write during the read marks it again.
        inner.policy_dirty.store(false, Ordering::Release);
        let all = |group: &'static str, resource: &'static str| async move {
            self.store
                .list_objects(&Selector::new(group, resource, None), None, None)
                .await
                .map(|l| l.items.into_iter().map(|o| o.value).collect::<Vec<_>>())
                .map_err(ApiError::internal)
        };
        const RBAC: &str = "rbac.authorization.k8s.io";
        let read = async {
            Ok::<_, ApiError>(Policy::from_objects(
                &all(RBAC, "clusterroles").await?,
                &all(RBAC, "roles").await?,
                &all(RBAC, "clusterrolebindings").await?,
                &all(RBAC, "rolebindings").await?,
                &all("user.openshift.io", "groups").await?,
            ))
        };
        let policy = match read.await {
            Ok(p) => Arc::new(p),
            Err(e) => {
                // The write that made it dirty is still unseen.
                inner.policy_dirty.store(true, Ordering::Release);
                return Err(e);
            }
        };
        *lock(&inner.policy) = Some((Instant::now(), policy.clone()));
        Ok(policy)
    }

    /// Whether `caller` may do `attrs`; a refusal names the role that would allow it.
    pub async fn authorize(&self, caller: &Caller, attrs: &Attributes) -> Result<(), ApiError> {
        if !self.auth.enabled() {
            return Ok(());
        }
        if caller.registry_scopes.is_some() {
            return Err(ApiError::unauthorized(
                "a registry token is only good for the registry (/v2): use an API token (wharf whoami -t)",
            ));
        }
        let policy = self.policy().await?;
        let user = policy.with_groups(&caller.user);
        if policy.allows(&user, attrs) {
            return Ok(());
        }
        let mut refused = forbidden(&caller.user, attrs, policy.missing_role(attrs));
        if !attrs.resource.is_empty() {
            // Kubernetes' prefix: `imagestreams.image.openshift.io "x" is forbidden: …`.
            let what = if attrs.api_group.is_empty() {
                attrs.resource.clone()
            } else {
                format!("{}.{}", attrs.resource, attrs.api_group)
            };
            let name = if attrs.name.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", attrs.name)
            };
            refused.message = format!("{what}{name} is forbidden: {}", refused.message);
            let mut e = ApiError::from(refused);
            // Kubernetes' details: what was refused, so clients need not parse the message.
            let mut details =
                serde_json::json!({ "group": attrs.api_group, "kind": attrs.resource });
            if !attrs.name.is_empty() {
                details["name"] = attrs.name.clone().into();
            }
            e.details = Some(details);
            return Err(e);
        }
        Err(refused.into())
    }
}

/// When a stored OAuthAccessToken stops working (Unix seconds): its creation plus
/// `expiresIn`, or never when that is 0; `None` when it has no readable creation time.
fn token_expiry(t: &Value) -> Option<i64> {
    let created = t
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(wharf_domain::time::parse_rfc3339)?;
    Some(match t.get("expiresIn").and_then(Value::as_i64) {
        Some(n) if n > 0 => created + n,
        _ => i64::MAX,
    })
}

impl ApiServer {
    /// Deletes the API tokens that have expired (they authenticate nobody, but would pile
    /// up in the store and in `oauthaccesstokens` lists); returns how many went.
    pub async fn sweep_expired_tokens(&self) -> Result<usize, ApiError> {
        let rt = crate::resources::find("oauth.openshift.io", "v1", "oauthaccesstokens")
            .expect("oauthaccesstokens are served");
        let list = self
            .store
            .list_objects(&rt.selector(None), None, None)
            .await
            .map_err(ApiError::internal)?;
        let now = now_unix();
        let mut swept = 0;
        for o in list.items {
            if token_expiry(&o.value).is_some_and(|e| e > now) {
                continue;
            }
            match crate::write(self, rt, o.key, crate::Write::Delete(None)).await {
                Ok(_) => swept += 1,
                Err(wharf_storage::StorageError::NotFound) => {}
                Err(e) => return Err(ApiError::internal(e)),
            }
        }
        Ok(swept)
    }
}

/// Sweeps expired API tokens every `every`, for as long as the server runs.
pub async fn run_token_sweeper(api: ApiServer, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match api.sweep_expired_tokens().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(tokens = n, "deleted expired API tokens"),
            Err(e) => tracing::warn!(error = e.message, "sweeping expired API tokens failed"),
        }
    }
}

/// Kubernetes' forbidden message, and what to ask for.
pub fn forbidden(user: &UserInfo, attrs: &Attributes, role: Option<&str>) -> Forbidden {
    let mut message = format!("User \"{}\" cannot {}", user.name, attrs.describe());
    if user.is_anonymous() {
        message.push_str(": log in first (wharf login SERVER -u USER -p PASSWORD)");
        return Forbidden {
            anonymous: true,
            message,
        };
    }
    match role {
        Some(role) if !attrs.namespace.is_empty() => message.push_str(&format!(
            ": the {role} role in project \"{ns}\" allows it (a project admin can grant it: wharf policy add-role-to-user {role} {user} -n {ns})",
            ns = attrs.namespace,
            user = user.name,
        )),
        Some(role) => message.push_str(&format!(
            ": the {role} cluster role allows it (a cluster admin can grant it: wharf adm policy add-cluster-role-to-user {role} {user})",
            user = user.name,
        )),
        None => message.push_str(": only a cluster admin may"),
    }
    Forbidden {
        anonymous: user.is_anonymous(),
        message,
    }
}

/// The bootstrap admin, in OpenShift's group of cluster admins.
fn kubeadmin() -> UserInfo {
    UserInfo {
        name: KUBEADMIN_USER.into(),
        groups: vec![
            "system:cluster-admins".into(),
            "system:authenticated".into(),
            "system:authenticated:oauth".into(),
        ],
    }
}

/// A user who logged in through an identity provider.
fn oauth_user(name: &str) -> UserInfo {
    UserInfo {
        name: name.into(),
        groups: vec![
            "system:authenticated".into(),
            "system:authenticated:oauth".into(),
        ],
    }
}
