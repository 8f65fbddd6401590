//! The API's side of the authorization seam: what each request asks (Kubernetes authorizer
//! attributes, [`attributes`]), lists narrowed to what the caller may see ([`visibility`]),
//! and the resources about the caller — `users/~`, selfsubjectaccessreviews, projects and
//! projectrequests, service-account tokens.

use std::sync::Arc;

use axum::http::Method;
use serde_json::{json, Value};
use wharf_domain::rbac::{Attributes, UserInfo};

use crate::auth::Caller;
use crate::resources::{find, namespaces, ResourceType};
use crate::status::ApiError;
use crate::{create_object, ApiServer, Result, Target};

/// Which namespaces (or, for namespaces and projects, which names) a list may show.
pub type Visible = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What a request asks, or `None` for documents everyone may read (discovery).
pub(crate) fn attributes(target: &Target, method: &Method, watch: bool) -> Option<Attributes> {
    let (rt, ns, name, sub) = match target {
        Target::Doc(_) => return None,
        Target::Collection { rt, namespace } => {
            let verb = match *method {
                Method::GET if watch => "watch",
                Method::GET => "list",
                Method::POST => "create",
                Method::DELETE => "deletecollection",
                _ => "unknown",
            };
            return Some(Attributes::resource(
                verb,
                rt.group,
                rt.plural,
                namespace.as_deref().unwrap_or(""),
                "",
            ));
        }
        Target::Item {
            rt,
            namespace,
            name,
            status,
        } => (
            *rt,
            namespace.as_str(),
            name.as_str(),
            status.then_some("status"),
        ),
        Target::StreamView {
            namespace,
            name,
            view,
        } => (
            find("image.openshift.io", "v1", "imagestreams")?,
            namespace.as_str(),
            name.as_str(),
            Some(*view),
        ),
        Target::ServiceAccountToken { namespace, name } => {
            return Some(Attributes::resource(
                "create",
                "",
                "serviceaccounts/token",
                namespace,
                name,
            ))
        }
    };
    let verb = match *method {
        Method::GET => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        Method::POST => "create",
        _ => "unknown",
    };
    let resource = match sub {
        Some(s) => format!("{}/{s}", rt.plural),
        None => rt.plural.to_string(),
    };
    // As Kubernetes does: a request for one namespace (or project) is in that namespace, so a
    // role binding there can allow it.
    let ns = if matches!(rt.plural, "namespaces" | "projects") {
        name
    } else {
        ns
    };
    Some(Attributes::resource(verb, rt.group, &resource, ns, name))
}

/// Whether a refused list can instead show the part the caller may see: lists across all
/// namespaces, and lists of namespaces and projects.
pub(crate) fn narrowable(target: &Target, method: &Method) -> bool {
    matches!(
        (target, method),
        (Target::Collection { rt, namespace: None }, &Method::GET)
            if rt.namespaced || matches!(rt.plural, "namespaces" | "projects")
    )
}

tokio::task_local! {
    /// The caller of the API request this task serves, set once authenticated. Rules deep in a
    /// write (a spec tag reading another namespace's stream) ask it through [`request_caller`]
    /// instead of every write path carrying it; controllers' writes run outside any request.
    static REQUEST_CALLER: std::cell::OnceCell<Caller>;
}

/// Runs `request` with a slot for its caller.
pub(crate) async fn with_caller_slot<F: std::future::Future>(request: F) -> F::Output {
    REQUEST_CALLER
        .scope(std::cell::OnceCell::new(), request)
        .await
}

/// Records who makes the request being served.
pub(crate) fn set_request_caller(caller: &Caller) {
    let _ = REQUEST_CALLER.try_with(|c| c.set(caller.clone()));
}

/// Who makes the API request being served; `None` for the server's own work.
pub(crate) fn request_caller() -> Option<Caller> {
    REQUEST_CALLER.try_with(|c| c.get().cloned()).ok().flatten()
}

/// A list (or watch) of projects, which shows each caller their own projects only.
pub(crate) fn lists_projects(target: &Target) -> bool {
    matches!(target, Target::Collection { rt, .. } if rt.plural == "projects")
}

/// The namespaces (or names) in which `attrs`, asked per namespace, is allowed.
pub(crate) async fn visibility(
    api: &ApiServer,
    caller: &Caller,
    attrs: &Attributes,
) -> Result<Visible> {
    let policy = api.policy().await?;
    let user = policy.with_groups(&caller.user);
    let attrs = attrs.clone();
    let per_name = matches!(attrs.resource.as_str(), "namespaces" | "projects");
    Ok(Arc::new(move |ns: &str| {
        let mut a = attrs.clone();
        a.namespace = ns.to_string();
        if per_name {
            // `list` becomes `get` of that one namespace, as OpenShift's project list asks.
            a.verb = "get".into();
            a.name = ns.to_string();
        }
        policy.allows(&user, &a)
    }))
}

/// `GET users/~`: the caller, with the groups they belong to.
pub(crate) async fn whoami(api: &ApiServer, caller: &Caller) -> Result<Value> {
    if caller.is_anonymous() && api.auth.enabled() {
        return Err(ApiError::unauthorized(
            "you are not logged in: wharf login SERVER -u USER -p PASSWORD",
        ));
    }
    let user = match api.auth.enabled() {
        true => api.policy().await?.with_groups(&caller.user),
        false => caller.user.clone(),
    };
    let rt = find("user.openshift.io", "v1", "users").expect("users are served");
    let stored = api
        .store
        .get_object(&rt.key("", &user.name))
        .await
        .map_err(ApiError::internal)?;
    let mut obj = match stored {
        Some(o) => crate::meta::served(o.value, o.resource_version),
        None => json!({
            "kind": "User",
            "apiVersion": "user.openshift.io/v1",
            "metadata": { "name": user.name },
            "identities": null,
        }),
    };
    obj["groups"] = json!(user.groups);
    Ok(obj)
}

/// `POST selfsubjectaccessreviews`: may the caller do what the review describes?
pub(crate) async fn access_review(
    api: &ApiServer,
    caller: &Caller,
    mut review: Value,
) -> Result<Value> {
    let spec = review.get("spec").cloned().unwrap_or(Value::Null);
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let attrs = if let Some(r) = spec.get("resourceAttributes") {
        let mut resource = s(r, "resource");
        let sub = s(r, "subresource");
        if !sub.is_empty() {
            resource = format!("{resource}/{sub}");
        }
        Attributes::resource(
            &s(r, "verb"),
            &s(r, "group"),
            &resource,
            &s(r, "namespace"),
            &s(r, "name"),
        )
    } else if let Some(n) = spec.get("nonResourceAttributes") {
        Attributes::non_resource(&s(n, "verb"), &s(n, "path"))
    } else {
        return Err(ApiError::bad_request(
            "spec.resourceAttributes or spec.nonResourceAttributes is required",
        ));
    };
    let status = match api.authorize(caller, &attrs).await {
        Ok(()) => json!({ "allowed": true }),
        Err(e) if matches!(e.code.as_u16(), 401 | 403) => {
            json!({ "allowed": false, "reason": e.message })
        }
        Err(e) => return Err(e),
    };
    review["status"] = status;
    review["apiVersion"] = "authorization.k8s.io/v1".into();
    review["kind"] = "SelfSubjectAccessReview".into();
    Ok(review)
}

/// A namespace as an OpenShift Project.
pub(crate) fn project_of(mut ns: Value) -> Value {
    ns["kind"] = "Project".into();
    ns["apiVersion"] = "project.openshift.io/v1".into();
    if ns.get("spec").is_none() {
        ns["spec"] = json!({ "finalizers": ["kubernetes"] });
    }
    ns["status"] = json!({ "phase": "Active" });
    ns
}

/// `POST projectrequests`: a new namespace whose creator becomes its admin, with OpenShift's
/// per-project role bindings.
pub(crate) async fn request_project(api: &ApiServer, caller: &Caller, req: Value) -> Result<Value> {
    let name = crate::meta::name_of(&req)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("metadata.name is required: the name of the project"))?
        .to_string();
    let mut annotations = serde_json::Map::new();
    let creator = (api.auth.enabled() && !caller.is_anonymous()).then(|| caller.user.name.clone());
    if let Some(c) = &creator {
        annotations.insert("openshift.io/requester".into(), c.clone().into());
    }
    for (field, key) in [
        ("displayName", "openshift.io/display-name"),
        ("description", "openshift.io/description"),
    ] {
        if let Some(v) = req
            .get(field)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            annotations.insert(key.into(), v.into());
        }
    }
    let ns = create_object(
        api,
        namespaces(),
        "",
        json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": { "name": name, "annotations": annotations },
        }),
        false,
    )
    .await
    .map_err(|e| match e.code.as_u16() {
        409 => ApiError {
            message: format!("project.project.openshift.io \"{name}\" already exists"),
            ..e
        },
        _ => e,
    })?;
    let bindings =
        find("rbac.authorization.k8s.io", "v1", "rolebindings").expect("rolebindings are served");
    for b in wharf_domain::rbac::default_roles::project_role_bindings(&name, creator.as_deref()) {
        create_object(api, bindings, &name, b, false).await?;
    }
    Ok(project_of(ns))
}

/// `POST serviceaccounts/<name>/token`: an API token for the service account, as a
/// TokenRequest. Lifetimes run from 10 minutes (Kubernetes' minimum) to a year; 1 hour when
/// not asked.
pub(crate) async fn service_account_token(
    api: &ApiServer,
    ns: &str,
    name: &str,
    req: Value,
) -> Result<Value> {
    let rt: &ResourceType = find("", "v1", "serviceaccounts").expect("serviceaccounts are served");
    api.store
        .get_object(&rt.key(ns, name))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(rt, name))?;
    let seconds = req
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    if !(600..=366 * 24 * 3600).contains(&seconds) {
        return Err(ApiError::bad_request(format!(
            "spec.expirationSeconds must be between 600 (10 minutes) and 31622400 (a year), not {seconds}"
        )));
    }
    let sa = UserInfo::service_account(ns, name);
    let token = api
        .issue_token(
            &sa,
            "serviceaccount",
            std::time::Duration::from_secs(seconds as u64),
        )
        .await?;
    let now = crate::now_secs();
    Ok(json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": { "name": name, "namespace": ns, "creationTimestamp": null },
        "spec": { "audiences": [], "expirationSeconds": seconds, "boundObjectRef": null },
        "status": {
            "token": token,
            "expirationTimestamp": wharf_domain::time::rfc3339(now + seconds),
        },
    }))
}
