//! Role bindings and questions about them, as `oc` has them:
//! `wharf policy add-role-to-user|remove-role-from-user|add-role-to-group|remove-role-from-group`,
//! `wharf adm policy add-cluster-role-to-user|remove-cluster-role-from-user|add-cluster-role-to-group`,
//! `wharf auth can-i`, `wharf create serviceaccount` and `wharf create token`.
//!
//! Adding a role works as oc's does: the first binding of that role (in the project, or
//! cluster-wide) whose subjects can take one more gets the subject; with none, a binding named
//! after the role is made (`<role>`, else `<role>-0`, `-1`, …). Removing takes the subject out
//! of every binding of the role.

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::cli::{context, Global};
use crate::client::{error, CliResult, Client};

#[derive(Subcommand, Debug)]
pub enum PolicyWhat {
    /// Grant a role in the project to users: wharf policy add-role-to-user ROLE USER... -n NS
    AddRoleToUser(RoleArgs),
    /// Take a role in the project away from users
    RemoveRoleFromUser(RoleArgs),
    /// Grant a role in the project to groups
    AddRoleToGroup(RoleArgs),
    /// Take a role in the project away from groups
    RemoveRoleFromGroup(RoleArgs),
}

#[derive(Subcommand, Debug)]
pub enum AdmPolicyWhat {
    /// Grant a cluster role everywhere to users: wharf adm policy add-cluster-role-to-user ROLE USER...
    AddClusterRoleToUser(RoleArgs),
    /// Take a cluster role away from users
    RemoveClusterRoleFromUser(RoleArgs),
    /// Grant a cluster role everywhere to groups
    AddClusterRoleToGroup(RoleArgs),
    /// Take a cluster role away from groups
    RemoveClusterRoleFromGroup(RoleArgs),
}

#[derive(Args, Debug)]
pub struct RoleArgs {
    /// The role: a cluster role (admin, edit, view, registry-viewer, system:image-puller, …),
    /// or a role of the project with --role-namespace
    pub role: String,
    /// Users (or groups); `system:serviceaccount:NS:NAME` names a service account
    pub names: Vec<String>,
    /// Service accounts of the project (or NS:NAME)
    #[arg(short = 'z', long = "serviceaccount")]
    pub service_accounts: Vec<String>,
    /// The namespace of a Role to bind instead of the cluster role of that name
    #[arg(long)]
    pub role_namespace: Option<String>,
}

#[derive(Args, Debug)]
pub struct CanIArgs {
    /// The verb: get, list, watch, create, update, patch, delete
    pub verb: String,
    /// The resource type, optionally with a name: imagestreams, is/NAME, secrets
    pub resource: String,
    /// A subresource, e.g. layers
    #[arg(long)]
    pub subresource: Option<String>,
    /// Ask about every namespace at once
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Print nothing; answer by exit code
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct CreateTokenArgs {
    /// The service account
    pub name: String,
    /// How long the token lasts, e.g. 1h, 24h, 30d [default: 1h]
    #[arg(long)]
    pub duration: Option<String>,
}

/// A RoleBinding subject from a name as oc reads one.
fn subject(kind: &str, name: &str, namespace: &str) -> Value {
    if kind == "User" {
        if let Some(rest) = name.strip_prefix("system:serviceaccount:") {
            if let Some((ns, sa)) = rest.split_once(':') {
                return json!({ "kind": "ServiceAccount", "name": sa, "namespace": ns });
            }
        }
    }
    if kind == "ServiceAccount" {
        let (ns, sa) = name.split_once(':').unwrap_or((namespace, name));
        return json!({ "kind": "ServiceAccount", "name": sa, "namespace": ns });
    }
    json!({ "kind": kind, "apiGroup": "rbac.authorization.k8s.io", "name": name })
}

fn same_subject(a: &Value, b: &Value) -> bool {
    a["kind"] == b["kind"]
        && a["name"] == b["name"]
        && (a["kind"] != "ServiceAccount" || a["namespace"] == b["namespace"])
}

/// Where bindings of a role live: a project's rolebindings or the clusterrolebindings.
struct Bindings<'a> {
    client: &'a Client,
    /// `None`: cluster role bindings.
    namespace: Option<&'a str>,
}

impl Bindings<'_> {
    fn collection(&self) -> String {
        match self.namespace {
            Some(ns) => {
                format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings")
            }
            None => "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings".into(),
        }
    }

    fn of_role(&self, role_ref: &Value) -> CliResult<Vec<Value>> {
        let list = self.client.get(&self.collection(), "application/json")?;
        Ok(list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| {
                b["roleRef"]["kind"] == role_ref["kind"] && b["roleRef"]["name"] == role_ref["name"]
            })
            .cloned()
            .collect())
    }
}

fn role_ref(args: &RoleArgs) -> Value {
    match &args.role_namespace {
        Some(_) => {
            json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": args.role })
        }
        None => {
            json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": args.role })
        }
    }
}

/// Adds or removes `subjects` to or from the role's bindings.
fn change(b: &Bindings<'_>, args: &RoleArgs, subjects: &[Value], add: bool) -> CliResult<()> {
    let rref = role_ref(args);
    let mut existing = b.of_role(&rref)?;
    if add {
        let missing: Vec<&Value> = subjects
            .iter()
            .filter(|s| {
                !existing.iter().any(|binding| {
                    binding["subjects"]
                        .as_array()
                        .is_some_and(|l| l.iter().any(|x| same_subject(x, s)))
                })
            })
            .collect();
        if !missing.is_empty() {
            match existing.first_mut() {
                Some(binding) => {
                    let list = binding["subjects"].as_array().cloned().unwrap_or_default();
                    binding["subjects"] = json!(list
                        .into_iter()
                        .chain(missing.into_iter().cloned())
                        .collect::<Vec<_>>());
                    let name = binding["metadata"]["name"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    b.client
                        .put(&format!("{}/{name}", b.collection()), binding)?;
                }
                None => {
                    let name = free_name(b, &args.role)?;
                    let mut metadata = json!({ "name": name });
                    if let Some(ns) = b.namespace {
                        metadata["namespace"] = ns.into();
                    }
                    let kind = if b.namespace.is_some() {
                        "RoleBinding"
                    } else {
                        "ClusterRoleBinding"
                    };
                    b.client.post(
                        &b.collection(),
                        &json!({
                            "apiVersion": "rbac.authorization.k8s.io/v1",
                            "kind": kind,
                            "metadata": metadata,
                            "roleRef": rref,
                            "subjects": missing,
                        }),
                    )?;
                }
            }
        }
    } else {
        let mut found = false;
        for mut binding in existing {
            let list = binding["subjects"].as_array().cloned().unwrap_or_default();
            let kept: Vec<Value> = list
                .iter()
                .filter(|x| !subjects.iter().any(|s| same_subject(x, s)))
                .cloned()
                .collect();
            if kept.len() == list.len() {
                continue;
            }
            found = true;
            let name = binding["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string();
            binding["subjects"] = json!(kept);
            b.client
                .put(&format!("{}/{name}", b.collection()), &binding)?;
        }
        if !found {
            return Err(error(format!(
                "{} is not bound to {} {}",
                role_name(args),
                if b.namespace.is_some() {
                    "anyone named here in this project"
                } else {
                    "anyone named here"
                },
                "— nothing to remove"
            )));
        }
    }
    let names: Vec<String> = subjects
        .iter()
        .map(|s| match s["kind"].as_str() {
            Some("ServiceAccount") => format!(
                "{}/{}",
                s["namespace"].as_str().unwrap_or(""),
                s["name"].as_str().unwrap_or("")
            ),
            _ => s["name"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let who = if quoted.len() == 1 {
        quoted[0].clone()
    } else {
        format!("[{}]", quoted.join(" "))
    };
    println!(
        "{} {}: {who}",
        role_name(args),
        if add { "added" } else { "removed" }
    );
    Ok(())
}

/// `clusterrole.rbac.authorization.k8s.io/NAME`, as oc prints it.
fn role_name(args: &RoleArgs) -> String {
    let kind = if args.role_namespace.is_some() {
        "role"
    } else {
        "clusterrole"
    };
    format!("{kind}.rbac.authorization.k8s.io/{}", args.role)
}

/// `<role>`, else `<role>-0`, `<role>-1`, … — the first binding name not taken.
fn free_name(b: &Bindings<'_>, role: &str) -> CliResult<String> {
    let list = b.client.get(&b.collection(), "application/json")?;
    let taken: Vec<&str> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    let mut name = role.to_string();
    let mut i = 0;
    while taken.contains(&name.as_str()) {
        name = format!("{role}-{i}");
        i += 1;
    }
    Ok(name)
}

fn subjects(args: &RoleArgs, kind: &str, namespace: &str) -> CliResult<Vec<Value>> {
    let mut out: Vec<Value> = args
        .names
        .iter()
        .map(|n| subject(kind, n, namespace))
        .collect();
    out.extend(
        args.service_accounts
            .iter()
            .map(|sa| subject("ServiceAccount", sa, namespace)),
    );
    if out.is_empty() {
        return Err(error(format!(
            "you must specify at least one {} (or -z SERVICEACCOUNT)",
            kind.to_lowercase()
        )));
    }
    Ok(out)
}

pub fn policy(g: &Global, what: &PolicyWhat) -> CliResult<()> {
    let ctx = context(g, None)?;
    let (args, kind, add) = match what {
        PolicyWhat::AddRoleToUser(a) => (a, "User", true),
        PolicyWhat::RemoveRoleFromUser(a) => (a, "User", false),
        PolicyWhat::AddRoleToGroup(a) => (a, "Group", true),
        PolicyWhat::RemoveRoleFromGroup(a) => (a, "Group", false),
    };
    if let Some(rn) = &args.role_namespace {
        if rn != &ctx.namespace {
            return Err(error(format!(
                "--role-namespace {rn} must be the project the binding is made in ({})",
                ctx.namespace
            )));
        }
    }
    let subjects = subjects(args, kind, &ctx.namespace)?;
    let b = Bindings {
        client: &ctx.client,
        namespace: Some(&ctx.namespace),
    };
    change(&b, args, &subjects, add)
}

pub fn adm_policy(g: &Global, what: &AdmPolicyWhat) -> CliResult<()> {
    let ctx = context(g, None)?;
    let (args, kind, add) = match what {
        AdmPolicyWhat::AddClusterRoleToUser(a) => (a, "User", true),
        AdmPolicyWhat::RemoveClusterRoleFromUser(a) => (a, "User", false),
        AdmPolicyWhat::AddClusterRoleToGroup(a) => (a, "Group", true),
        AdmPolicyWhat::RemoveClusterRoleFromGroup(a) => (a, "Group", false),
    };
    if args.role_namespace.is_some() {
        return Err(error(
            "--role-namespace is for project roles: use wharf policy",
        ));
    }
    let subjects = subjects(args, kind, &ctx.namespace)?;
    let b = Bindings {
        client: &ctx.client,
        namespace: None,
    };
    change(&b, args, &subjects, add)
}

/// `wharf auth can-i VERB RESOURCE[/NAME]`: `yes` (exit 0) or `no` (exit 1).
pub fn can_i(g: &Global, args: &CanIArgs) -> CliResult<bool> {
    let ctx = context(g, None)?;
    let (kind, name) = args
        .resource
        .split_once('/')
        .unwrap_or((args.resource.as_str(), ""));
    let (group, plural, namespaced) = match ctx.client.resource(kind) {
        Ok(r) => (r.group, r.plural, r.namespaced),
        // An unknown type is still a fair question (RBAC rules may name anything), as kubectl
        // asks it with a warning.
        Err(_) => {
            eprintln!("Warning: the server doesn't have a resource type '{kind}'");
            (String::new(), kind.to_string(), true)
        }
    };
    let namespace = if args.all_namespaces || !namespaced {
        String::new()
    } else {
        ctx.namespace.clone()
    };
    let review = json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": { "resourceAttributes": {
            "namespace": namespace, "verb": args.verb, "group": group, "resource": plural,
            "subresource": args.subresource.clone().unwrap_or_default(), "name": name,
        }},
    });
    let answer = ctx.client.post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &review,
    )?;
    let allowed = answer.pointer("/status/allowed") == Some(&Value::Bool(true));
    if !args.quiet {
        println!("{}", if allowed { "yes" } else { "no" });
    }
    Ok(allowed)
}

pub fn create_service_account(g: &Global, name: &str) -> CliResult<()> {
    let ctx = context(g, None)?;
    ctx.client.post(
        &format!("/api/v1/namespaces/{}/serviceaccounts", ctx.namespace),
        &json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": { "name": name } }),
    )?;
    println!("serviceaccount/{name} created");
    Ok(())
}

pub fn create_token(g: &Global, args: &CreateTokenArgs) -> CliResult<()> {
    let ctx = context(g, None)?;
    let mut spec = json!({ "audiences": [] });
    if let Some(d) = &args.duration {
        let secs = crate::config::parse_duration(d).map_err(error)?;
        spec["expirationSeconds"] = secs.as_secs().into();
    }
    let answer = ctx.client.post(
        &format!(
            "/api/v1/namespaces/{}/serviceaccounts/{}/token",
            ctx.namespace, args.name
        ),
        &json!({ "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec }),
    )?;
    println!(
        "{}",
        answer
            .pointer("/status/token")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_users_become_service_account_subjects() {
        assert_eq!(
            subject("User", "system:serviceaccount:ci:robot", "p"),
            json!({ "kind": "ServiceAccount", "name": "robot", "namespace": "ci" })
        );
        assert_eq!(
            subject("ServiceAccount", "robot", "p"),
            json!({ "kind": "ServiceAccount", "name": "robot", "namespace": "p" })
        );
        assert_eq!(
            subject("Group", "devs", "p"),
            json!({ "kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs" })
        );
    }
}
