//! Tests of RBAC matching, the default roles, policy evaluation and registry token scopes.

use serde_json::{json, Value};

use super::*;

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        api_groups: groups.iter().map(|s| s.to_string()).collect(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

fn user(name: &str) -> UserInfo {
    UserInfo {
        name: name.to_string(),
        groups: vec![
            AUTHENTICATED_GROUP.to_string(),
            AUTHENTICATED_OAUTH_GROUP.to_string(),
        ],
    }
}

fn role_binding(namespace: &str, kind: &str, role: &str, subjects: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": format!("{role}-binding"), "namespace": namespace},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": kind, "name": role},
        "subjects": subjects,
    })
}

fn cluster_role_binding(role: &str, subjects: Value) -> Value {
    json!({
        "metadata": {"name": format!("{role}-binding")},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    })
}

/// The default roles and cluster bindings, plus the given RoleBindings.
fn defaults_with(role_bindings: &[Value]) -> Policy {
    let policy = Policy::from_objects(
        &default_cluster_roles(),
        &[],
        &default_cluster_role_bindings(),
        role_bindings,
        &[],
    );
    assert_eq!(policy.skipped(), 0);
    policy
}

/// alice holding the default ClusterRole `role` in namespace `p`, through the stored JSON.
fn alice_with(role: &str) -> (Policy, UserInfo) {
    let binding = role_binding(
        "p",
        "ClusterRole",
        role,
        json!([{"kind": "User", "name": "alice"}]),
    );
    (defaults_with(&[binding]), user("alice"))
}

fn can(role: &str, attrs: &Attributes) -> bool {
    let (policy, alice) = alice_with(role);
    policy.allows(&alice, attrs)
}

fn res(verb: &str, group: &str, resource: &str) -> Attributes {
    Attributes::resource(verb, group, resource, "p", "x")
}

// --- Kubernetes matching semantics ---

#[test]
fn stars_match_every_verb_group_and_resource_including_subresources() {
    let all = rule(&["*"], &["*"], &["*"]);
    assert!(rule_allows(
        &all,
        &res("escalate", "anything.io", "widgets")
    ));
    assert!(rule_allows(&all, &res("get", "", "pods/log")));
}

#[test]
fn a_resource_and_its_subresources_are_distinct() {
    let streams = rule(&["get"], &[IMAGE_GROUP], &["imagestreams"]);
    assert!(rule_allows(
        &streams,
        &res("get", IMAGE_GROUP, "imagestreams")
    ));
    assert!(!rule_allows(
        &streams,
        &res("get", IMAGE_GROUP, "imagestreams/layers")
    ));
    let layers = rule(&["get"], &[IMAGE_GROUP], &["imagestreams/layers"]);
    assert!(rule_allows(&layers, &Attributes::registry_pull("p", "x")));
    assert!(!rule_allows(
        &layers,
        &res("get", IMAGE_GROUP, "imagestreams")
    ));
}

#[test]
fn star_slash_subresource_matches_that_subresource_of_any_resource_only() {
    let scale = rule(&["update"], &["*"], &["*/scale"]);
    assert!(rule_allows(
        &scale,
        &res("update", "apps", "deployments/scale")
    ));
    assert!(rule_allows(
        &scale,
        &res("update", "", "replicationcontrollers/scale")
    ));
    assert!(!rule_allows(&scale, &res("update", "apps", "deployments")));
    assert!(!rule_allows(
        &scale,
        &res("update", "apps", "deployments/status")
    ));
    // resource/* is not a wildcard: it names a subresource called "*".
    let literal = rule(&["get"], &["*"], &["deployments/*"]);
    assert!(!rule_allows(
        &literal,
        &res("get", "apps", "deployments/scale")
    ));
}

#[test]
fn verb_and_group_must_match_unless_starred() {
    let r = rule(&["get", "list"], &[""], &["secrets"]);
    assert!(rule_allows(&r, &res("list", "", "secrets")));
    assert!(!rule_allows(&r, &res("delete", "", "secrets")));
    assert!(!rule_allows(&r, &res("get", IMAGE_GROUP, "secrets")));
    let any_verb = rule(&["*"], &[""], &["secrets"]);
    assert!(rule_allows(
        &any_verb,
        &res("deletecollection", "", "secrets")
    ));
}

#[test]
fn resource_names_restrict_to_those_names_and_never_match_unnamed_requests() {
    let mut me = rule(&["get", "list"], &["user.openshift.io"], &["users"]);
    me.resource_names = vec!["~".to_string()];
    assert!(rule_allows(
        &me,
        &Attributes::resource("get", "user.openshift.io", "users", "", "~")
    ));
    assert!(!rule_allows(
        &me,
        &Attributes::resource("get", "user.openshift.io", "users", "", "bob")
    ));
    assert!(!rule_allows(
        &me,
        &Attributes::resource("list", "user.openshift.io", "users", "", "")
    ));
}

#[test]
fn non_resource_urls_match_exactly_or_by_a_trailing_star_prefix() {
    let r = PolicyRule {
        verbs: vec!["get".to_string()],
        non_resource_urls: vec!["/version".to_string(), "/apis/*".to_string()],
        ..PolicyRule::default()
    };
    assert!(rule_allows(
        &r,
        &Attributes::non_resource("get", "/version")
    ));
    assert!(rule_allows(&r, &Attributes::non_resource("get", "/apis/")));
    assert!(rule_allows(
        &r,
        &Attributes::non_resource("get", "/apis/image.openshift.io/v1")
    ));
    assert!(!rule_allows(&r, &Attributes::non_resource("get", "/apis")));
    assert!(!rule_allows(
        &r,
        &Attributes::non_resource("get", "/version/x")
    ));
    assert!(!rule_allows(
        &r,
        &Attributes::non_resource("post", "/version")
    ));
    // Resource rules never allow paths, URL rules never allow resources.
    assert!(!rule_allows(
        &rule(&["*"], &["*"], &["*"]),
        &Attributes::non_resource("get", "/version")
    ));
    let everything = PolicyRule {
        verbs: vec!["*".to_string()],
        non_resource_urls: vec!["*".to_string()],
        ..PolicyRule::default()
    };
    assert!(rule_allows(
        &everything,
        &Attributes::non_resource("delete", "/anything")
    ));
    assert!(!rule_allows(&everything, &res("get", "", "secrets")));
}

#[test]
fn attributes_split_the_subresource_off_the_resource() {
    let a = Attributes::resource("get", IMAGE_GROUP, "imagestreams/layers", "p", "x");
    assert_eq!(
        (a.resource.as_str(), a.subresource.as_str()),
        ("imagestreams", "layers")
    );
    assert_eq!(Attributes::registry_pull("p", "x"), a);
    assert_eq!(Attributes::registry_push("p", "x").verb, "update");
    assert!(!Attributes::non_resource("get", "/").is_resource_request());
}

#[test]
fn policy_rules_serialize_with_kubernetes_field_names_and_read_nulls_as_empty() {
    let mut r = rule(&["get"], &[""], &["users"]);
    r.resource_names = vec!["~".to_string()];
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"verbs": ["get"], "apiGroups": [""], "resources": ["users"], "resourceNames": ["~"]})
    );
    let urls: PolicyRule = serde_json::from_value(
        json!({"verbs": null, "nonResourceURLs": ["/x"], "apiGroups": null}),
    )
    .unwrap();
    assert_eq!(urls.non_resource_urls, ["/x"]);
    assert!(urls.verbs.is_empty() && urls.api_groups.is_empty());
}

// --- users and subjects ---

#[test]
fn service_accounts_and_anonymous_have_kubernetes_names_and_groups() {
    let sa = UserInfo::service_account("p", "builder");
    assert_eq!(sa.name, "system:serviceaccount:p:builder");
    assert_eq!(
        sa.groups,
        [
            "system:serviceaccounts",
            "system:serviceaccounts:p",
            "system:authenticated"
        ]
    );
    assert_eq!(sa.service_account_namespace(), Some("p"));
    assert_eq!(user("alice").service_account_namespace(), None);
    assert_eq!(
        user("system:serviceaccount:p").service_account_namespace(),
        None
    );
    let anonymous = UserInfo::anonymous();
    assert!(anonymous.is_anonymous() && !sa.is_anonymous());
    assert_eq!(anonymous.groups, [UNAUTHENTICATED_GROUP]);
}

#[test]
fn subjects_match_users_by_name_groups_by_membership_and_service_accounts_by_namespace() {
    let subject = |v: Value| -> Subject { serde_json::from_value(v).unwrap() };
    let alice = user("alice");
    assert!(subject_matches(
        &subject(json!({"kind": "User", "name": "alice"})),
        &alice
    ));
    assert!(!subject_matches(
        &subject(json!({"kind": "User", "name": "bob"})),
        &alice
    ));
    assert!(subject_matches(
        &subject(json!({"kind": "Group", "name": AUTHENTICATED_GROUP})),
        &alice
    ));
    assert!(!subject_matches(
        &subject(json!({"kind": "Group", "name": "alice"})),
        &alice
    ));
    let sa = UserInfo::service_account("p", "builder");
    let sa_subject = json!({"kind": "ServiceAccount", "name": "builder", "namespace": "p"});
    assert!(subject_matches(&subject(sa_subject), &sa));
    assert!(!subject_matches(
        &subject(json!({"kind": "ServiceAccount", "name": "builder", "namespace": "q"})),
        &sa
    ));
    assert!(!subject_matches(
        &subject(json!({"kind": "ServiceAccount", "name": "builder"})),
        &sa
    ));
    assert!(!subject_matches(
        &subject(json!({"kind": "Robot", "name": "alice"})),
        &alice
    ));
}

// --- the default roles against the registry and the API ---

#[test]
fn image_puller_pulls_but_cannot_push() {
    assert!(can(
        "system:image-puller",
        &Attributes::registry_pull("p", "app")
    ));
    assert!(!can(
        "system:image-puller",
        &Attributes::registry_push("p", "app")
    ));
    assert!(!can(
        "system:image-puller",
        &res("get", IMAGE_GROUP, "imagestreams")
    ));
}

#[test]
fn image_pusher_pushes_and_pulls() {
    assert!(can(
        "system:image-pusher",
        &Attributes::registry_push("p", "app")
    ));
    assert!(can(
        "system:image-pusher",
        &Attributes::registry_pull("p", "app")
    ));
    assert!(!can(
        "system:image-pusher",
        &res("create", IMAGE_GROUP, "imagestreams")
    ));
}

#[test]
fn image_builder_pushes_and_creates_the_stream_it_pushes_to() {
    assert!(can(
        "system:image-builder",
        &Attributes::registry_push("p", "app")
    ));
    assert!(can(
        "system:image-builder",
        &res("create", IMAGE_GROUP, "imagestreams")
    ));
    assert!(!can(
        "system:image-builder",
        &res("delete", IMAGE_GROUP, "imagestreams")
    ));
}

#[test]
fn registry_viewer_pulls_and_reads_streams_but_cannot_push() {
    assert!(can(
        "registry-viewer",
        &Attributes::registry_pull("p", "app")
    ));
    assert!(can(
        "registry-viewer",
        &res("list", IMAGE_GROUP, "imagestreamtags")
    ));
    assert!(can(
        "registry-viewer",
        &Attributes::resource("get", "", "namespaces", "p", "p")
    ));
    assert!(!can(
        "registry-viewer",
        &Attributes::registry_push("p", "app")
    ));
    assert!(!can("registry-viewer", &res("get", "", "secrets")));
}

#[test]
fn registry_editor_pushes_and_manages_secrets_but_not_membership() {
    assert!(can(
        "registry-editor",
        &Attributes::registry_push("p", "app")
    ));
    assert!(can("registry-editor", &res("create", "", "secrets")));
    assert!(can(
        "registry-editor",
        &res("create", IMAGE_GROUP, "imagestreamimports")
    ));
    assert!(!can(
        "registry-editor",
        &res("create", RBAC_GROUP, "rolebindings")
    ));
}

#[test]
fn registry_admin_also_manages_membership() {
    assert!(can(
        "registry-admin",
        &Attributes::registry_push("p", "app")
    ));
    assert!(can(
        "registry-admin",
        &res("create", RBAC_GROUP, "rolebindings")
    ));
    assert!(can(
        "registry-admin",
        &Attributes::resource("delete", "project.openshift.io", "projects", "p", "p")
    ));
}

#[test]
fn view_reads_streams_and_templates_but_neither_secrets_nor_layers() {
    assert!(can("view", &res("get", IMAGE_GROUP, "imagestreams")));
    assert!(can("view", &res("watch", IMAGE_GROUP, "imagetags")));
    assert!(can(
        "view",
        &res("list", "template.openshift.io", "templates")
    ));
    assert!(!can("view", &res("get", "", "secrets")));
    assert!(!can("view", &res("list", "", "secrets")));
    // OpenShift's aggregate-to-view leaves pulling out ("TODO let them pull images?").
    assert!(!can("view", &Attributes::registry_pull("p", "app")));
    assert!(!can(
        "view",
        &res("create", "template.openshift.io", "processedtemplates")
    ));
}

#[test]
fn edit_reads_and_writes_secrets_pushes_and_processes_templates() {
    assert!(can("edit", &res("get", "", "secrets")));
    assert!(can("edit", &res("update", "", "secrets")));
    assert!(can("edit", &res("create", "", "serviceaccounts/token")));
    assert!(can("edit", &Attributes::registry_push("p", "app")));
    assert!(can(
        "edit",
        &res("create", "template.openshift.io", "processedtemplates")
    ));
    assert!(can("edit", &res("patch", IMAGE_GROUP, "imagestreamtags")));
    assert!(!can("edit", &res("create", RBAC_GROUP, "rolebindings")));
    assert!(!can(
        "edit",
        &res("update", IMAGE_GROUP, "imagestreams/status")
    ));
}

#[test]
fn admin_manages_rolebindings_in_its_namespace_only() {
    let (policy, alice) = alice_with("admin");
    assert!(policy.allows(&alice, &res("create", RBAC_GROUP, "rolebindings")));
    assert!(policy.allows(&alice, &res("delete", RBAC_GROUP, "roles")));
    let elsewhere = Attributes::resource("create", RBAC_GROUP, "rolebindings", "q", "x");
    assert!(!policy.allows(&alice, &elsewhere));
    let cluster_wide = Attributes::resource("create", RBAC_GROUP, "clusterrolebindings", "", "x");
    assert!(!policy.allows(&alice, &cluster_wide));
}

#[test]
fn nobody_but_cluster_admin_writes_clusterroles() {
    for verb in ["create", "update", "patch", "delete", "escalate", "bind"] {
        let attrs = Attributes::resource(verb, RBAC_GROUP, "clusterroles", "", "view");
        for role in default_cluster_roles() {
            let name = role["metadata"]["name"].as_str().unwrap().to_string();
            let rules: Vec<PolicyRule> = serde_json::from_value(role["rules"].clone()).unwrap();
            let allowed = rules.iter().any(|r| rule_allows(r, &attrs));
            assert_eq!(allowed, name == "cluster-admin", "{name} {verb}");
        }
    }
}

#[test]
fn only_the_pruner_and_cluster_admin_delete_through_the_registry() {
    let delete = Attributes::registry_delete("p", "app");
    assert_eq!(
        delete.describe(),
        r#"delete resource "images" in API group "image.openshift.io" at the cluster scope"#
    );
    for role in ["admin", "edit", "registry-admin", "system:image-builder"] {
        assert!(!can(role, &delete), "{role}");
    }
    let pruner = cluster_role_binding(
        "system:image-pruner",
        json!([{"kind": "User", "name": "pruner"}]),
    );
    let policy = Policy::from_objects(&default_cluster_roles(), &[], &[pruner], &[], &[]);
    assert!(policy.allows(&user("pruner"), &delete));
}

#[test]
fn the_catalog_needs_listing_image_streams_cluster_wide() {
    let catalog = Attributes::registry_catalog();
    assert_eq!(
        catalog.describe(),
        r#"list resource "imagestreams" in API group "image.openshift.io" at the cluster scope"#
    );
    // registry-viewer in one project is not enough; bound cluster-wide, it is.
    assert!(!can("registry-viewer", &catalog));
    let viewer = cluster_role_binding(
        "registry-viewer",
        json!([{"kind": "User", "name": "alice"}]),
    );
    let policy = Policy::from_objects(&default_cluster_roles(), &[], &[viewer], &[], &[]);
    assert!(policy.allows(&user("alice"), &catalog));
}

#[test]
fn default_cluster_roles_carry_the_bootstrap_annotation_and_label() {
    let roles = default_cluster_roles();
    for role in &roles {
        assert_eq!(role["kind"], "ClusterRole");
        assert_eq!(
            role["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"],
            "true"
        );
        assert_eq!(
            role["metadata"]["labels"]["kubernetes.io/bootstrapping"],
            "rbac-defaults"
        );
    }
    let names: Vec<&str> = roles
        .iter()
        .map(|r| r["metadata"]["name"].as_str().unwrap())
        .collect();
    for expected in [
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "basic-user",
        "self-provisioner",
        "registry-admin",
        "registry-editor",
        "registry-viewer",
        "system:image-puller",
        "system:image-pusher",
        "system:image-builder",
        "system:image-pruner",
    ] {
        assert!(names.contains(&expected), "{expected}");
    }
    for binding in default_cluster_role_bindings() {
        assert_eq!(
            binding["metadata"]["labels"]["kubernetes.io/bootstrapping"],
            "rbac-defaults"
        );
    }
}

// --- policies ---

#[test]
fn authenticated_people_get_basic_user_and_self_provisioner_by_default() {
    let policy = defaults_with(&[]);
    let alice = user("alice");
    let me = Attributes::resource("get", "user.openshift.io", "users", "", "~");
    assert!(policy.allows(&alice, &me));
    assert!(!policy.allows(
        &alice,
        &Attributes::resource("get", "user.openshift.io", "users", "", "bob")
    ));
    assert!(policy.allows(
        &alice,
        &Attributes::resource("list", "project.openshift.io", "projects", "", "")
    ));
    let request = Attributes::resource("create", "project.openshift.io", "projectrequests", "", "");
    assert!(policy.allows(&alice, &request));
    let review = Attributes::resource(
        "create",
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        "",
        "",
    );
    assert!(policy.allows(&alice, &review));
    assert!(policy.allows(
        &alice,
        &Attributes::non_resource("get", "/apis/image.openshift.io")
    ));
    // Service accounts are authenticated, but not through OAuth: no project requests.
    assert!(!policy.allows(&UserInfo::service_account("p", "default"), &request));
    // Nothing is granted to anonymous requests.
    assert!(!policy.allows(&UserInfo::anonymous(), &me));
    assert!(!policy.allows(
        &UserInfo::anonymous(),
        &Attributes::non_resource("get", "/version")
    ));
    assert!(!policy.allows(&alice, &Attributes::registry_pull("p", "app")));
}

#[test]
fn cluster_admins_and_system_admin_may_do_anything() {
    let policy = defaults_with(&[]);
    let attrs = Attributes::resource("delete", RBAC_GROUP, "clusterroles", "", "admin");
    assert!(policy.allows(
        &UserInfo {
            name: "system:admin".to_string(),
            groups: vec![]
        },
        &attrs
    ));
    let admin = UserInfo {
        name: "root".to_string(),
        groups: vec!["system:cluster-admins".to_string()],
    };
    assert!(policy.allows(&admin, &attrs));
    assert!(policy.allows(&admin, &Attributes::non_resource("get", "/metrics")));
    assert_eq!(policy.namespaces_with_access(&admin), NamespaceAccess::All);
    assert!(!policy.allows(&user("alice"), &attrs));
}

#[test]
fn a_role_binding_in_one_namespace_grants_nothing_in_another() {
    let (policy, alice) = alice_with("edit");
    assert!(policy.allows(&alice, &Attributes::registry_push("p", "app")));
    assert!(!policy.allows(&alice, &Attributes::registry_push("q", "app")));
    assert!(!policy.allows(
        &alice,
        &Attributes::resource("get", "", "secrets", "q", "s")
    ));
    assert!(!policy.allows(&alice, &Attributes::resource("list", "", "secrets", "", "")));
}

#[test]
fn a_role_binding_may_refer_to_a_role_of_its_own_namespace() {
    let role = |namespace: &str| {
        json!({
            "metadata": {"name": "puller", "namespace": namespace},
            "rules": [{"verbs": ["get"], "apiGroups": [IMAGE_GROUP], "resources": ["imagestreams/layers"]}],
        })
    };
    let alice = json!([{"kind": "User", "name": "alice"}]);
    let bindings = [
        role_binding("p", "Role", "puller", alice.clone()),
        // q has no Role named puller: p's is not used.
        role_binding("q", "Role", "puller", alice),
    ];
    let policy = Policy::from_objects(&[], &[role("p"), role("r")], &[], &bindings, &[]);
    assert_eq!(policy.skipped(), 0);
    assert!(policy.allows(&user("alice"), &Attributes::registry_pull("p", "app")));
    assert!(!policy.allows(&user("alice"), &Attributes::registry_pull("q", "app")));
    assert!(!policy.allows(&user("alice"), &Attributes::registry_pull("r", "app")));
}

#[test]
fn a_service_account_subject_without_namespace_takes_the_bindings() {
    let subjects = json!([{"kind": "ServiceAccount", "name": "deployer"}]);
    let policy = defaults_with(&[role_binding(
        "p",
        "ClusterRole",
        "system:image-pusher",
        subjects.clone(),
    )]);
    assert!(policy.allows(
        &UserInfo::service_account("p", "deployer"),
        &Attributes::registry_push("p", "a")
    ));
    assert!(!policy.allows(
        &UserInfo::service_account("q", "deployer"),
        &Attributes::registry_push("p", "a")
    ));
    // In a ClusterRoleBinding there is no namespace to take: it matches nobody.
    let crb = cluster_role_binding("system:image-pusher", subjects);
    let policy = Policy::from_objects(&default_cluster_roles(), &[], &[crb], &[], &[]);
    assert!(!policy.allows(
        &UserInfo::service_account("p", "deployer"),
        &Attributes::registry_push("p", "a")
    ));
}

#[test]
fn openshift_group_membership_grants_the_groups_roles() {
    let groups = [
        json!({"metadata": {"name": "devs"}, "users": ["alice", "carol"]}),
        json!({"metadata": {"name": "ops"}, "users": null}),
    ];
    let binding = role_binding(
        "p",
        "ClusterRole",
        "edit",
        json!([{"kind": "Group", "name": "devs"}]),
    );
    let policy = Policy::from_objects(&default_cluster_roles(), &[], &[], &[binding], &groups);
    assert_eq!(policy.skipped(), 0);
    let alice = policy.with_groups(&user("alice"));
    assert!(alice.groups.contains(&"devs".to_string()));
    assert_eq!(policy.with_groups(&alice), alice);
    assert!(policy.allows(&alice, &Attributes::registry_push("p", "app")));
    // Membership comes from with_groups, at authentication.
    assert!(!policy.allows(&user("alice"), &Attributes::registry_push("p", "app")));
    assert!(!policy.allows(
        &policy.with_groups(&user("bob")),
        &Attributes::registry_push("p", "app")
    ));
}

#[test]
fn binding_system_unauthenticated_to_image_puller_enables_anonymous_pulls() {
    let public = role_binding(
        "p",
        "ClusterRole",
        "system:image-puller",
        json!([{"kind": "Group", "apiGroup": RBAC_GROUP, "name": UNAUTHENTICATED_GROUP}]),
    );
    let anonymous = UserInfo::anonymous();
    assert!(!defaults_with(&[]).allows(&anonymous, &Attributes::registry_pull("p", "app")));
    let policy = defaults_with(&[public]);
    assert!(policy.allows(&anonymous, &Attributes::registry_pull("p", "app")));
    assert!(!policy.allows(&anonymous, &Attributes::registry_push("p", "app")));
    assert!(!policy.allows(&anonymous, &Attributes::registry_pull("q", "app")));
}

#[test]
fn a_new_project_makes_its_creator_admin_and_lets_its_service_accounts_pull_and_its_builder_push() {
    let bindings = project_role_bindings("p", Some("alice"));
    assert_eq!(bindings.len(), 3);
    assert_eq!(bindings[0]["metadata"]["name"], "admin");
    assert_eq!(bindings[0]["roleRef"]["name"], "admin");
    let policy = defaults_with(&bindings);
    assert!(policy.allows(&user("alice"), &res("create", RBAC_GROUP, "rolebindings")));
    let deployer = UserInfo::service_account("p", "default");
    assert!(policy.allows(&deployer, &Attributes::registry_pull("p", "app")));
    assert!(!policy.allows(&deployer, &Attributes::registry_push("p", "app")));
    let builder = UserInfo::service_account("p", "builder");
    assert!(policy.allows(&builder, &Attributes::registry_push("p", "app")));
    assert!(!policy.allows(
        &UserInfo::service_account("q", "default"),
        &Attributes::registry_pull("p", "app")
    ));
    let names: Vec<String> = project_role_bindings("p", None)
        .iter()
        .map(|b| b["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["system:image-pullers", "system:image-builders"]);
}

#[test]
fn rules_for_lists_cluster_and_namespace_rules_without_duplicates() {
    let alice = json!([{"kind": "User", "name": "alice"}]);
    let policy = defaults_with(&[
        role_binding("p", "ClusterRole", "system:image-puller", alice.clone()),
        role_binding("p", "ClusterRole", "system:image-pusher", alice.clone()),
        role_binding("p", "ClusterRole", "system:image-pusher", alice),
    ]);
    let cluster = policy.rules_for(&user("alice"), "");
    let in_p = policy.rules_for(&user("alice"), "p");
    assert!(cluster.iter().all(|r| in_p.contains(r)));
    assert_eq!(in_p.len(), cluster.len() + 2, "puller + pusher, once each");
    assert_eq!(policy.rules_for(&user("alice"), "q"), cluster);
}

#[test]
fn namespaces_with_access_are_those_whose_namespace_the_user_may_get() {
    let alice = || json!([{"kind": "User", "name": "alice"}]);
    let policy = defaults_with(&[
        role_binding("p", "ClusterRole", "admin", alice()),
        role_binding("q", "ClusterRole", "registry-viewer", alice()),
        role_binding("r", "ClusterRole", "system:image-puller", alice()),
        role_binding(
            "s",
            "ClusterRole",
            "view",
            json!([{"kind": "User", "name": "bob"}]),
        ),
    ]);
    let access = policy.namespaces_with_access(&user("alice"));
    assert_eq!(
        access,
        NamespaceAccess::Some(["p".to_string(), "q".to_string()].into())
    );
    assert!(access.contains("q") && !access.contains("r"));
    assert_eq!(
        policy.namespaces_with_access(&user("carol")),
        NamespaceAccess::Some(Default::default())
    );
}

#[test]
fn missing_role_names_the_narrowest_default_role() {
    let policy = Policy::default();
    let missing = |attrs: &Attributes| policy.missing_role(attrs);
    assert_eq!(
        missing(&Attributes::registry_pull("p", "a")),
        Some("system:image-puller")
    );
    assert_eq!(
        missing(&Attributes::registry_push("p", "a")),
        Some("system:image-pusher")
    );
    assert_eq!(
        missing(&res("create", IMAGE_GROUP, "imagestreams")),
        Some("system:image-builder")
    );
    assert_eq!(
        missing(&Attributes::registry_catalog()),
        Some("registry-viewer")
    );
    assert_eq!(
        missing(&Attributes::registry_delete("p", "a")),
        Some("system:image-pruner")
    );
    assert_eq!(
        missing(&res("get", "template.openshift.io", "templates")),
        Some("view")
    );
    assert_eq!(missing(&res("get", "", "secrets")), Some("registry-editor"));
    assert_eq!(
        missing(&res(
            "create",
            "template.openshift.io",
            "processedtemplates"
        )),
        Some("edit")
    );
    assert_eq!(
        missing(&res("create", RBAC_GROUP, "rolebindings")),
        Some("registry-admin")
    );
    assert_eq!(
        missing(&res("update", IMAGE_GROUP, "imagestreams/status")),
        Some("system:image-pruner")
    );
    let request = Attributes::resource("create", "project.openshift.io", "projectrequests", "", "");
    assert_eq!(missing(&request), Some("self-provisioner"));
    assert_eq!(
        missing(&Attributes::resource(
            "list",
            "project.openshift.io",
            "projects",
            "",
            ""
        )),
        Some("basic-user")
    );
    assert_eq!(
        missing(&Attributes::resource(
            "create",
            RBAC_GROUP,
            "clusterroles",
            "",
            ""
        )),
        None
    );
    assert_eq!(
        missing(&Attributes::resource(
            "list",
            "user.openshift.io",
            "users",
            "",
            ""
        )),
        None
    );
}

#[test]
fn describe_words_requests_as_the_kubernetes_forbidden_message_does() {
    assert_eq!(
        Attributes::registry_pull("p", "app").describe(),
        r#"get resource "imagestreams/layers" in API group "image.openshift.io" in the namespace "p""#
    );
    assert_eq!(
        Attributes::resource("list", "", "namespaces", "", "").describe(),
        r#"list resource "namespaces" in API group "" at the cluster scope"#
    );
    assert_eq!(
        Attributes::non_resource("get", "/metrics").describe(),
        r#"get path "/metrics""#
    );
    assert_eq!(
        Attributes::non_resource("get", "/a\"b\\c\n").describe(),
        r#"get path "/a\"b\\c\n""#
    );
}

#[test]
fn malformed_objects_are_skipped_and_counted_never_fatal() {
    let policy = Policy::from_objects(
        &[
            json!({"metadata": {"name": "bad"}, "rules": "everything"}),
            json!({"metadata": {}, "rules": []}),
            json!(42),
            json!({"metadata": {"name": "aggregated"}, "rules": null}),
            json!({"metadata": {"name": "puller"}, "rules": [{"verbs": ["get"], "apiGroups": [IMAGE_GROUP], "resources": ["imagestreams/layers"]}]}),
        ],
        &[json!({"metadata": {"name": "no-namespace"}, "rules": []})],
        &[
            json!({"metadata": {"name": "no-role-ref"}, "subjects": []}),
            json!({"metadata": {"name": "role-kind"}, "roleRef": {"kind": "Role", "name": "x"}}),
            json!({"metadata": {"name": "null-subjects"}, "roleRef": {"kind": "ClusterRole", "name": "x"}, "subjects": null}),
        ],
        &[
            json!({"metadata": {"name": "bogus", "namespace": "p"}, "roleRef": {"kind": "Bogus", "name": "x"}, "subjects": []}),
            json!({"metadata": {"name": "no-ns"}, "roleRef": {"kind": "ClusterRole", "name": "x"}, "subjects": []}),
            json!({"metadata": {"name": "bad-subject", "namespace": "p"}, "roleRef": {"kind": "ClusterRole", "name": "x"}, "subjects": [{"kind": "User"}]}),
            role_binding(
                "p",
                "ClusterRole",
                "puller",
                json!([{"kind": "User", "name": "alice"}]),
            ),
        ],
        &[
            json!({"metadata": {"name": "g"}, "users": 5}),
            json!({"users": ["alice"]}),
        ],
    );
    assert_eq!(policy.skipped(), 11);
    assert!(policy.allows(&user("alice"), &Attributes::registry_pull("p", "app")));
}

// --- registry token scopes ---

#[test]
fn scopes_parse_repository_and_registry_scopes() {
    assert_eq!(
        parse_scope("repository:p/app:pull,push"),
        Ok(Scope::Repository {
            name: "p/app".to_string(),
            actions: vec!["pull".to_string(), "push".to_string()]
        })
    );
    assert_eq!(
        parse_scope("registry:catalog:*"),
        Ok(Scope::Registry {
            name: "catalog".to_string(),
            actions: vec!["*".to_string()]
        })
    );
    // The name runs to the last colon: a registry port survives.
    let ported = parse_scope("repository:localhost:5000/p/app:pull").unwrap();
    assert_eq!(ported.name(), "localhost:5000/p/app");
    assert_eq!(ported.actions(), ["pull"]);
    assert_eq!(
        parse_scope("repository:p/app:pull,,push")
            .unwrap()
            .actions(),
        ["pull", "push"]
    );
}

#[test]
fn scopes_display_round_trips() {
    for s in [
        "repository:p/app:pull,push",
        "registry:catalog:*",
        "repository:h:5000/p/a:delete",
    ] {
        assert_eq!(parse_scope(s).unwrap().to_string(), s);
    }
}

#[test]
fn scopes_without_a_known_type_a_name_or_actions_are_errors() {
    for bad in [
        "",
        "repository",
        "repository:p/app",
        "repository::pull",
        "repository:p/app:",
        "repository:p/app:,",
        "image:p/app:pull",
        "repository(plugin):p/app:pull",
    ] {
        assert!(parse_scope(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn grant_keeps_only_the_actions_rbac_allows() {
    let requested = parse_scope("repository:p/app:pull,push,pull").unwrap();
    let pull_only = grant(&requested, |action| action == "pull").unwrap();
    assert_eq!(pull_only.to_string(), "repository:p/app:pull");
    assert_eq!(
        grant(&requested, |_| true).unwrap().to_string(),
        "repository:p/app:pull,push"
    );
    assert_eq!(grant(&requested, |_| false), None);
    let catalog = parse_scope("registry:catalog:*").unwrap();
    assert_eq!(
        grant(&catalog, |action| action == "*"),
        Some(catalog.clone())
    );
}

#[test]
fn grant_through_policy_gives_a_puller_pull_but_not_push() {
    let (policy, alice) = alice_with("system:image-puller");
    let requested = parse_scope("repository:p/app:pull,push").unwrap();
    let (namespace, name) = requested.name().split_once('/').unwrap();
    let granted = grant(&requested, |action| match action {
        "pull" => policy.allows(&alice, &Attributes::registry_pull(namespace, name)),
        "push" => policy.allows(&alice, &Attributes::registry_push(namespace, name)),
        _ => false,
    });
    assert_eq!(granted.unwrap().to_string(), "repository:p/app:pull");
}
