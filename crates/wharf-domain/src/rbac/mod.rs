//! Role-based access control as Kubernetes evaluates it, with OpenShift's default roles.
//!
//! - [`rule_allows`] and [`subject_matches`] are the Kubernetes RBAC authorizer's matching rules
//!   (`pkg/apis/rbac/v1/evaluation_helpers.go`, `plugin/pkg/auth/authorizer/rbac/rbac.go`):
//!   `*` verbs, groups and resources, `*/subresource`, resource names, non-resource URLs with a
//!   trailing `*`.
//! - [`Policy`] is a snapshot of the stored RBAC objects (ClusterRoles, Roles, their bindings and
//!   `user.openshift.io` Groups) that answers "may this user do this?", lists a user's rules and
//!   the projects a user may see, and names the default role that would grant a refused request.
//! - [`default_roles`] holds OpenShift's default cluster roles and bindings and the bindings every
//!   new project gets; [`scope`] parses and grants Docker registry token scopes.
//! - [`Attributes`] are the Kubernetes authorizer attributes, with constructors for what the
//!   registry checks (pull, push, delete, catalog) and the wording of a Kubernetes `Forbidden`.
//!
//! Wharf runs no aggregation controller: the default `admin`, `edit` and `view` roles carry their
//! rules flattened (Kubernetes' and OpenShift's `aggregate-to-*` pieces merged), and an
//! `aggregationRule` on a stored ClusterRole is ignored.
//!
//! Group membership is decided at authentication: [`Policy::allows`] trusts `UserInfo::groups`,
//! and [`Policy::with_groups`] adds the `user.openshift.io` Groups a user belongs to.

pub mod default_roles;
pub mod scope;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use default_roles::{
    default_cluster_role_bindings, default_cluster_roles, project_role_bindings,
};
pub use scope::{grant, parse_scope, Scope};

/// The API group of RBAC objects (`roleRef.apiGroup`, `User`/`Group` subjects).
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// The API group of image streams, images and the registry's `imagestreams/layers`.
pub const IMAGE_GROUP: &str = "image.openshift.io";
/// The user name of unauthenticated requests.
pub const ANONYMOUS_USER: &str = "system:anonymous";
/// The group of every unauthenticated request.
pub const UNAUTHENTICATED_GROUP: &str = "system:unauthenticated";
/// The group of every authenticated user, service accounts included.
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";
/// The group of users authenticated with an OAuth token (people, not service accounts).
pub const AUTHENTICATED_OAUTH_GROUP: &str = "system:authenticated:oauth";
/// The group of every service account.
pub const SERVICE_ACCOUNTS_GROUP: &str = "system:serviceaccounts";
/// Service account user names are `system:serviceaccount:<namespace>:<name>`.
pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// One rule of a Role or ClusterRole (`rbac.authorization.k8s.io/v1` PolicyRule).
///
/// `null` lists, as Go writes nil slices, read as empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default, deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub api_groups: Vec<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_names: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURLs",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

/// Who a binding grants its role to: `User`, `Group` or `ServiceAccount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub api_group: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// The role a binding grants: a `Role` of the binding's namespace or a `ClusterRole`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    #[serde(default, deserialize_with = "nullable")]
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

/// Who is asking. Service accounts are users named `system:serviceaccount:<ns>:<name>` with groups
/// `system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The user of unauthenticated requests: `system:anonymous`, group `system:unauthenticated`.
    pub fn anonymous() -> UserInfo {
        UserInfo {
            name: ANONYMOUS_USER.to_string(),
            groups: vec![UNAUTHENTICATED_GROUP.to_string()],
        }
    }

    /// The user of service account `name` in `namespace`, with the groups Kubernetes gives it.
    pub fn service_account(namespace: &str, name: &str) -> UserInfo {
        UserInfo {
            name: format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"),
            groups: vec![
                SERVICE_ACCOUNTS_GROUP.to_string(),
                format!("{SERVICE_ACCOUNTS_GROUP}:{namespace}"),
                AUTHENTICATED_GROUP.to_string(),
            ],
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.name == ANONYMOUS_USER
    }

    /// The namespace of a service account user (`system:serviceaccount:<ns>:<name>`), else `None`.
    pub fn service_account_namespace(&self) -> Option<&str> {
        let rest = self.name.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
        let (namespace, name) = rest.split_once(':')?;
        (!namespace.is_empty() && !name.is_empty() && !name.contains(':')).then_some(namespace)
    }
}

/// What is asked: the Kubernetes authorizer attributes.
///
/// A request is a resource request when `resource` is set; otherwise it is a non-resource request
/// for `path`. `namespace` is empty for cluster-scoped requests. As Kubernetes and OpenShift do, a
/// request for one namespace (or project) carries that namespace's name both as `namespace` and
/// as `name`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Attributes {
    pub verb: String,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    pub path: String,
}

impl Attributes {
    /// A resource request; `resource` may carry a subresource: `"imagestreams/layers"`.
    pub fn resource(
        verb: &str,
        api_group: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Attributes {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        Attributes {
            verb: verb.to_string(),
            api_group: api_group.to_string(),
            resource: resource.to_string(),
            subresource: subresource.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            path: String::new(),
        }
    }

    /// A non-resource request (`/version`, `/apis`, …).
    pub fn non_resource(verb: &str, path: &str) -> Attributes {
        Attributes {
            verb: verb.to_string(),
            path: path.to_string(),
            ..Attributes::default()
        }
    }

    /// What OpenShift's registry checks for a pull of `namespace/name`: `get` on
    /// `imagestreams/layers` (`image-registry` `server/auth.go`, `verifyImageStreamAccess`).
    pub fn registry_pull(namespace: &str, name: &str) -> Attributes {
        Attributes::resource("get", IMAGE_GROUP, "imagestreams/layers", namespace, name)
    }

    /// What OpenShift's registry checks for a push to `namespace/name`: `update` on
    /// `imagestreams/layers`.
    pub fn registry_push(namespace: &str, name: &str) -> Attributes {
        Attributes::resource(
            "update",
            IMAGE_GROUP,
            "imagestreams/layers",
            namespace,
            name,
        )
    }

    /// What OpenShift's registry checks for a `DELETE` in any repository: the registry maps the
    /// `delete` action (`*` before distribution v3) to its prune check, `delete` on `images` at
    /// the cluster scope (`verifyPruneAccess`). The repository plays no part, so only
    /// `system:image-pruner` and `cluster-admin` may delete; the arguments are taken for symmetry
    /// with the other registry checks.
    pub fn registry_delete(_namespace: &str, _name: &str) -> Attributes {
        Attributes::resource("delete", IMAGE_GROUP, "images", "", "")
    }

    /// What OpenShift's registry checks for `registry:catalog:*` (`GET /v2/_catalog`): `list` on
    /// `imagestreams` at the cluster scope (`verifyCatalogAccess`).
    pub fn registry_catalog() -> Attributes {
        Attributes::resource("list", IMAGE_GROUP, "imagestreams", "", "")
    }

    /// Whether this is a resource request (else a non-resource request for `path`).
    pub fn is_resource_request(&self) -> bool {
        !self.resource.is_empty()
    }

    /// The tail of the Kubernetes forbidden message (`User "alice" cannot …`), as the apiserver's
    /// `forbiddenMessage` builds it: `get resource "imagestreams/layers" in API group
    /// "image.openshift.io" in the namespace "p"`, `… at the cluster scope`, or `get path "/x"`.
    pub fn describe(&self) -> String {
        if !self.is_resource_request() {
            return format!("{} path {}", self.verb, crate::gofmt::quote(&self.path));
        }
        let scope = if self.namespace.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace {}", crate::gofmt::quote(&self.namespace))
        };
        format!(
            "{} resource {} in API group {} {scope}",
            self.verb,
            crate::gofmt::quote(&self.combined_resource()),
            crate::gofmt::quote(&self.api_group),
        )
    }

    /// `resource/subresource`, or `resource` alone.
    fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// Whether `rule` allows `attrs`, with Kubernetes' semantics: the verb must match (`*` matches
/// all); a resource request then needs the group (`*`), the resource (`*`, exact
/// `resource/subresource`, or `*/subresource`) and, when the rule lists names, the name; a
/// non-resource request needs the path (`*`, exact, or a prefix ending in `*`).
pub fn rule_allows(rule: &PolicyRule, attrs: &Attributes) -> bool {
    if !matches_or_star(&rule.verbs, &attrs.verb) {
        return false;
    }
    if !attrs.is_resource_request() {
        return rule.non_resource_urls.iter().any(|url| {
            url == "*"
                || *url == attrs.path
                || (url.ends_with('*') && attrs.path.starts_with(url.trim_end_matches('*')))
        });
    }
    let combined = attrs.combined_resource();
    matches_or_star(&rule.api_groups, &attrs.api_group)
        && rule.resources.iter().any(|resource| {
            resource == "*"
                || *resource == combined
                || (!attrs.subresource.is_empty()
                    && resource.strip_prefix("*/") == Some(attrs.subresource.as_str()))
        })
        && (rule.resource_names.is_empty() || rule.resource_names.contains(&attrs.name))
}

/// Whether `subject` names `user`: a `User` by name, a `Group` by membership, a `ServiceAccount`
/// by its namespace and name. A ServiceAccount subject without a namespace matches nobody here;
/// [`Policy`] gives it the namespace of its RoleBinding.
pub fn subject_matches(subject: &Subject, user: &UserInfo) -> bool {
    applies(subject, user, "")
}

/// [`subject_matches`], with `default_namespace` for ServiceAccount subjects that name none
/// (Kubernetes' `appliesToUser`).
fn applies(subject: &Subject, user: &UserInfo, default_namespace: &str) -> bool {
    match subject.kind.as_str() {
        "User" => user.name == subject.name,
        "Group" => user.groups.contains(&subject.name),
        "ServiceAccount" => {
            let namespace = match subject.namespace.as_deref() {
                Some(ns) if !ns.is_empty() => ns,
                _ => default_namespace,
            };
            !namespace.is_empty()
                && user
                    .name
                    .strip_prefix(SERVICE_ACCOUNT_PREFIX)
                    .and_then(|rest| rest.split_once(':'))
                    == Some((namespace, subject.name.as_str()))
        }
        _ => false,
    }
}

/// Which namespaces a user may see, for filtering project lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamespaceAccess {
    /// A ClusterRoleBinding grants `get` on `namespaces` everywhere.
    All,
    /// The namespaces where a RoleBinding grants `get` on the namespace itself.
    Some(BTreeSet<String>),
}

impl NamespaceAccess {
    pub fn contains(&self, namespace: &str) -> bool {
        match self {
            NamespaceAccess::All => true,
            NamespaceAccess::Some(namespaces) => namespaces.contains(namespace),
        }
    }
}

/// A binding, cluster-wide or of one namespace.
#[derive(Clone, Debug)]
struct Binding {
    role_ref: RoleRef,
    subjects: Vec<Subject>,
}

impl Binding {
    fn applies_to(&self, user: &UserInfo, namespace: &str) -> bool {
        self.subjects.iter().any(|s| applies(s, user, namespace))
    }
}

/// A snapshot of all RBAC objects, built from their stored JSON.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    cluster_roles: HashMap<String, Vec<PolicyRule>>,
    /// namespace → role name → rules.
    roles: HashMap<String, HashMap<String, Vec<PolicyRule>>>,
    cluster_role_bindings: Vec<Binding>,
    /// namespace → its RoleBindings.
    role_bindings: BTreeMap<String, Vec<Binding>>,
    /// user name → the `user.openshift.io` Groups listing it.
    group_members: HashMap<String, BTreeSet<String>>,
    skipped: usize,
}

impl Policy {
    /// Builds the snapshot from full Kubernetes objects (`metadata.name`/`namespace`, `rules`,
    /// `subjects`, `roleRef`) and `user.openshift.io` Groups (`metadata.name`, `users`).
    ///
    /// An object that does not parse, lacks a name (or, for namespaced objects, a namespace), or
    /// whose `roleRef.kind` its kind of binding cannot refer to is skipped and counted in
    /// [`Policy::skipped`].
    pub fn from_objects(
        cluster_roles: &[Value],
        roles: &[Value],
        cluster_role_bindings: &[Value],
        role_bindings: &[Value],
        groups: &[Value],
    ) -> Policy {
        let mut policy = Policy::default();
        for value in cluster_roles {
            let Some(role) = policy.parse::<RoleObject>(value) else {
                continue;
            };
            if role.metadata.name.is_empty() {
                policy.skipped += 1;
                continue;
            }
            policy.cluster_roles.insert(role.metadata.name, role.rules);
        }
        for value in roles {
            let Some(role) = policy.parse::<RoleObject>(value) else {
                continue;
            };
            let ObjectMeta { name, namespace } = role.metadata;
            if name.is_empty() || namespace.is_empty() {
                policy.skipped += 1;
                continue;
            }
            policy
                .roles
                .entry(namespace)
                .or_default()
                .insert(name, role.rules);
        }
        for value in cluster_role_bindings {
            let Some(binding) = policy.parse::<BindingObject>(value) else {
                continue;
            };
            if binding.role_ref.kind != "ClusterRole" || binding.role_ref.name.is_empty() {
                policy.skipped += 1;
                continue;
            }
            policy.cluster_role_bindings.push(Binding {
                role_ref: binding.role_ref,
                subjects: binding.subjects,
            });
        }
        for value in role_bindings {
            let Some(binding) = policy.parse::<BindingObject>(value) else {
                continue;
            };
            let kind_ok = matches!(binding.role_ref.kind.as_str(), "Role" | "ClusterRole");
            if !kind_ok || binding.role_ref.name.is_empty() || binding.metadata.namespace.is_empty()
            {
                policy.skipped += 1;
                continue;
            }
            policy
                .role_bindings
                .entry(binding.metadata.namespace)
                .or_default()
                .push(Binding {
                    role_ref: binding.role_ref,
                    subjects: binding.subjects,
                });
        }
        for value in groups {
            let Some(group) = policy.parse::<GroupObject>(value) else {
                continue;
            };
            if group.metadata.name.is_empty() {
                policy.skipped += 1;
                continue;
            }
            for user in group.users {
                let groups = policy.group_members.entry(user).or_default();
                groups.insert(group.metadata.name.clone());
            }
        }
        policy
    }

    /// How many objects [`Policy::from_objects`] skipped as malformed.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// `user` with the `user.openshift.io` Groups it is a member of added to its groups.
    pub fn with_groups(&self, user: &UserInfo) -> UserInfo {
        let mut user = user.clone();
        for group in self.group_members.get(&user.name).into_iter().flatten() {
            if !user.groups.contains(group) {
                user.groups.push(group.clone());
            }
        }
        user
    }

    /// Whether any role bound to `user` allows `attrs`: ClusterRoleBindings everywhere, and the
    /// RoleBindings of `attrs.namespace` (to a ClusterRole, or a Role of that namespace).
    pub fn allows(&self, user: &UserInfo, attrs: &Attributes) -> bool {
        self.bound_rules(user, &attrs.namespace)
            .any(|rule| rule_allows(rule, attrs))
    }

    /// Every rule that applies to `user` in `namespace` (`""`: cluster-wide rules only), without
    /// duplicates — what a SelfSubjectRulesReview (`oc auth can-i --list`) reports.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> Vec<PolicyRule> {
        let mut rules: Vec<PolicyRule> = Vec::new();
        for rule in self.bound_rules(user, namespace) {
            if !rules.contains(rule) {
                rules.push(rule.clone());
            }
        }
        rules
    }

    /// The namespaces `user` may see, as OpenShift's project list decides: all of them when a
    /// ClusterRoleBinding grants `get` on `namespaces`; otherwise those where a RoleBinding grants
    /// `get` on the namespace itself (so `view`, `edit`, `admin` and the `registry-*` roles
    /// count, while e.g. `system:image-puller` alone does not).
    pub fn namespaces_with_access(&self, user: &UserInfo) -> NamespaceAccess {
        let everywhere = Attributes::resource("get", "", "namespaces", "", "");
        if self.allows(user, &everywhere) {
            return NamespaceAccess::All;
        }
        NamespaceAccess::Some(
            self.role_bindings
                .keys()
                .filter(|ns| {
                    self.allows(user, &Attributes::resource("get", "", "namespaces", ns, ns))
                })
                .cloned()
                .collect(),
        )
    }

    /// The least powerful default role whose rules allow `attrs`, for messages such as "ask a
    /// project admin for the system:image-pusher role"; `None` when only `cluster-admin` would.
    ///
    /// Candidates are taken, in a fixed order from the narrowest, from Wharf's built-in
    /// definitions ([`default_cluster_roles`]), not from the stored roles, so the advice does not
    /// depend on local edits. `cluster-admin` is never suggested.
    pub fn missing_role(&self, attrs: &Attributes) -> Option<&'static str> {
        default_roles::SUGGESTION_ORDER
            .iter()
            .copied()
            .find(|name| {
                default_roles::builtin_rules(name)
                    .is_some_and(|rules| rules.iter().any(|r| rule_allows(r, attrs)))
            })
    }

    /// The rules of every role bound to `user` that apply in `namespace`.
    fn bound_rules<'a>(
        &'a self,
        user: &'a UserInfo,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a PolicyRule> + 'a {
        let cluster = self
            .cluster_role_bindings
            .iter()
            .filter(move |b| b.applies_to(user, ""))
            .filter_map(move |b| self.role_rules("", &b.role_ref));
        let local = if namespace.is_empty() {
            None
        } else {
            self.role_bindings.get(namespace)
        };
        let local = local
            .into_iter()
            .flatten()
            .filter(move |b| b.applies_to(user, namespace))
            .filter_map(move |b| self.role_rules(namespace, &b.role_ref));
        cluster.chain(local).flatten()
    }

    /// The rules of the role `role_ref` names, seen from a binding in `namespace`.
    fn role_rules(&self, namespace: &str, role_ref: &RoleRef) -> Option<&[PolicyRule]> {
        let rules = match role_ref.kind.as_str() {
            "ClusterRole" => self.cluster_roles.get(&role_ref.name),
            "Role" => self.roles.get(namespace)?.get(&role_ref.name),
            _ => None,
        };
        rules.map(Vec::as_slice)
    }

    /// `value` as a `T`, or `None` with the object counted as skipped.
    fn parse<T: DeserializeOwned>(&mut self, value: &Value) -> Option<T> {
        let parsed = T::deserialize(value).ok();
        if parsed.is_none() {
            self.skipped += 1;
        }
        parsed
    }
}

#[derive(Deserialize)]
struct ObjectMeta {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    namespace: String,
}

#[derive(Deserialize)]
struct RoleObject {
    metadata: ObjectMeta,
    #[serde(default, deserialize_with = "nullable")]
    rules: Vec<PolicyRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindingObject {
    metadata: ObjectMeta,
    #[serde(default, deserialize_with = "nullable")]
    subjects: Vec<Subject>,
    role_ref: RoleRef,
}

#[derive(Deserialize)]
struct GroupObject {
    metadata: ObjectMeta,
    #[serde(default, deserialize_with = "nullable")]
    users: Vec<String>,
}

/// Reads `null` as the default value, as Go's encoding/json writes nil slices and maps.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Whether `values` holds `value` or `*`.
fn matches_or_star(values: &[String], value: &str) -> bool {
    values.iter().any(|v| v == "*" || v == value)
}
