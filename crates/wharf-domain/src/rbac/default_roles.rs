//! OpenShift's default cluster roles and bindings, and the bindings every new project gets.
//!
//! Sources, restricted to the API groups Wharf serves (`""`, `image.openshift.io`,
//! `template.openshift.io`, `rbac.authorization.k8s.io`, `authorization.k8s.io`,
//! `user.openshift.io`, `oauth.openshift.io`, `project.openshift.io`):
//!
//! - Kubernetes, `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`: `cluster-admin`,
//!   `system:basic-user`, `system:discovery`, and the `system:aggregate-to-{admin,edit,view}`
//!   pieces of `admin`, `edit` and `view`;
//! - OpenShift, `pkg/cmd/server/bootstrappolicy/policy.go` (openshift/origin, later
//!   openshift/openshift-apiserver): `system:openshift:aggregate-to-{admin,edit,view}`,
//!   `basic-user`, `self-provisioner`, `registry-{admin,editor,viewer}`,
//!   `system:image-{puller,pusher,builder,pruner}`, `system:oauth-token-deleter`, the cluster role
//!   bindings, and the per-project `system:image-pullers` / `system:image-builders` bindings;
//! - OpenShift's `system:openshift:useroauthaccesstoken-manager` (cluster-authentication-operator,
//!   as origin's `test/extended/authorization/rbac/groups_default_rules.go` expects it).
//!
//! OpenShift lists each of its rules under both its group and the legacy group `""`; Wharf serves
//! no legacy `/oapi`, so only the named group is kept. `imagetags` (OpenShift 4) is granted
//! wherever `imagestreamtags` is, as for the `openshift` namespace's shared resources.

use std::sync::OnceLock;

use serde_json::{json, Value};

use super::{
    PolicyRule, AUTHENTICATED_GROUP, AUTHENTICATED_OAUTH_GROUP, IMAGE_GROUP, RBAC_GROUP,
    SERVICE_ACCOUNTS_GROUP,
};

const CORE: &str = "";
const TEMPLATE: &str = "template.openshift.io";
const AUTHZ: &str = "authorization.k8s.io";
const USER: &str = "user.openshift.io";
const OAUTH: &str = "oauth.openshift.io";
const PROJECT: &str = "project.openshift.io";

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

const DESCRIPTION: &str = "openshift.io/description";

/// The order [`super::Policy::missing_role`] tries default roles in: the roles everyone holds,
/// then from the narrowest to the widest. `cluster-admin` is left out on purpose.
pub(super) const SUGGESTION_ORDER: &[&str] = &[
    "basic-user",
    "system:basic-user",
    "self-provisioner",
    "system:discovery",
    "system:oauth-token-deleter",
    "system:openshift:useroauthaccesstoken-manager",
    "system:image-puller",
    "system:image-pusher",
    "system:image-builder",
    "registry-viewer",
    "view",
    "registry-editor",
    "edit",
    "registry-admin",
    "admin",
    "system:image-pruner",
];

struct DefaultRole {
    name: &'static str,
    description: Option<&'static str>,
    rules: Vec<PolicyRule>,
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn rule(verbs: &[&str], group: &str, resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: vec![group.to_string()],
        resources: strings(resources),
        ..PolicyRule::default()
    }
}

fn named(mut rule: PolicyRule, names: &[&str]) -> PolicyRule {
    rule.resource_names = strings(names);
    rule
}

fn urls(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        non_resource_urls: strings(urls),
        ..PolicyRule::default()
    }
}

/// Image stream rules shared by `admin` and `edit` (OpenShift's aggregate-to-admin/edit).
fn image_editor_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            READ_WRITE,
            IMAGE_GROUP,
            &[
                "imagestreams",
                "imagestreammappings",
                "imagestreamtags",
                "imagetags",
                "imagestreamimages",
                "imagestreams/secrets",
            ],
        ),
        rule(READ, IMAGE_GROUP, &["imagestreams/status"]),
        // push and pull images
        rule(&["get", "update"], IMAGE_GROUP, &["imagestreams/layers"]),
        rule(&["create"], IMAGE_GROUP, &["imagestreamimports"]),
    ]
}

/// Core rules shared by `admin` and `edit` (Kubernetes' aggregate-to-edit and aggregate-to-view).
fn core_editor_rules() -> Vec<PolicyRule> {
    vec![
        // read on escalating resources
        rule(READ, CORE, &["secrets"]),
        rule(&["impersonate"], CORE, &["serviceaccounts"]),
        rule(WRITE, CORE, &["serviceaccounts", "secrets"]),
        rule(&["create"], CORE, &["serviceaccounts/token"]),
        rule(READ, CORE, &["serviceaccounts"]),
        // reading namespaces at the namespace scope: this one namespace
        rule(READ, CORE, &["namespaces"]),
    ]
}

fn template_rules(verbs: &[&str]) -> PolicyRule {
    rule(
        verbs,
        TEMPLATE,
        &[
            "templates",
            "templateconfigs",
            "processedtemplates",
            "templateinstances",
        ],
    )
}

fn build_default_roles() -> Vec<DefaultRole> {
    let admin = {
        // Kubernetes aggregate-to-admin: the power to grant permissions in the namespace.
        let mut rules = vec![
            rule(&["create"], AUTHZ, &["localsubjectaccessreviews"]),
            rule(READ_WRITE, RBAC_GROUP, &["roles", "rolebindings"]),
        ];
        rules.extend(core_editor_rules());
        // OpenShift aggregate-to-admin.
        rules.extend(image_editor_rules());
        rules.push(rule(
            &["get", "patch", "update", "delete"],
            PROJECT,
            &["projects"],
        ));
        rules.push(template_rules(READ_WRITE));
        rules
    };
    let edit = {
        // Kubernetes aggregate-to-edit and aggregate-to-view.
        let mut rules = core_editor_rules();
        // OpenShift aggregate-to-edit.
        rules.extend(image_editor_rules());
        rules.push(rule(&["get"], PROJECT, &["projects"]));
        rules.push(template_rules(READ_WRITE));
        rules
    };
    let view = vec![
        // Kubernetes aggregate-to-view.
        rule(READ, CORE, &["serviceaccounts"]),
        rule(READ, CORE, &["namespaces"]),
        // OpenShift aggregate-to-view: no secrets, no imagestreams/layers (view cannot pull).
        rule(
            READ,
            IMAGE_GROUP,
            &[
                "imagestreams",
                "imagestreammappings",
                "imagestreamtags",
                "imagetags",
                "imagestreamimages",
            ],
        ),
        rule(READ, IMAGE_GROUP, &["imagestreams/status"]),
        rule(&["get"], PROJECT, &["projects"]),
        template_rules(READ),
    ];
    let registry_images = |verbs: &[&str]| {
        rule(
            verbs,
            IMAGE_GROUP,
            &[
                "imagestreamimages",
                "imagestreammappings",
                "imagestreams",
                "imagestreams/secrets",
                "imagestreamtags",
                "imagetags",
            ],
        )
    };

    vec![
        // Kubernetes and OpenShift: the super-user.
        DefaultRole {
            name: "cluster-admin",
            description: Some(
                "A super-user that can perform any action in the cluster. When granted to a user \
                 within a project, they have full control over quota and membership and can \
                 perform every action on every resource in the project.",
            ),
            rules: vec![rule(&["*"], "*", &["*"]), urls(&["*"], &["*"])],
        },
        DefaultRole {
            name: "admin",
            description: Some(
                "A user that has edit rights within the project and can change the project's \
                 membership.",
            ),
            rules: admin,
        },
        DefaultRole {
            name: "edit",
            description: Some(
                "A user that can create and edit most objects in a project, but can not update \
                 the project's membership.",
            ),
            rules: edit,
        },
        DefaultRole {
            name: "view",
            description: Some(
                "A user who can view but not edit any resources within the project. They can not \
                 view secrets or membership.",
            ),
            rules: view,
        },
        // OpenShift basic-user (its selfsubjectrulesreviews are authorization.openshift.io's,
        // which Wharf does not serve; system:basic-user grants authorization.k8s.io's).
        DefaultRole {
            name: "basic-user",
            description: Some("A user that can get basic information about projects."),
            rules: vec![
                named(rule(&["get"], USER, &["users"]), &["~"]),
                rule(&["list"], PROJECT, &["projectrequests"]),
                rule(READ, RBAC_GROUP, &["clusterroles"]),
                rule(&["list", "watch"], PROJECT, &["projects"]),
                rule(&["create"], AUTHZ, &["selfsubjectaccessreviews"]),
            ],
        },
        // Kubernetes system:basic-user.
        DefaultRole {
            name: "system:basic-user",
            description: None,
            rules: vec![rule(
                &["create"],
                AUTHZ,
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            )],
        },
        // OpenShift self-provisioner.
        DefaultRole {
            name: "self-provisioner",
            description: Some("A user that can request projects."),
            rules: vec![rule(&["create"], PROJECT, &["projectrequests"])],
        },
        // Kubernetes system:discovery.
        DefaultRole {
            name: "system:discovery",
            description: None,
            rules: vec![urls(
                &["get"],
                &[
                    "/livez",
                    "/readyz",
                    "/healthz",
                    "/version",
                    "/version/",
                    "/openapi",
                    "/openapi/*",
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                ],
            )],
        },
        // OpenShift system:oauth-token-deleter (`oc logout`).
        DefaultRole {
            name: "system:oauth-token-deleter",
            description: None,
            rules: vec![rule(
                &["delete"],
                OAUTH,
                &["oauthaccesstokens", "oauthauthorizetokens"],
            )],
        },
        // OpenShift 4 (cluster-authentication-operator): people list and revoke their own tokens.
        DefaultRole {
            name: "system:openshift:useroauthaccesstoken-manager",
            description: None,
            rules: vec![rule(
                &["get", "list", "watch", "delete"],
                OAUTH,
                &["useroauthaccesstokens"],
            )],
        },
        // OpenShift registry-admin.
        DefaultRole {
            name: "registry-admin",
            description: None,
            rules: vec![
                rule(READ_WRITE, CORE, &["serviceaccounts", "secrets"]),
                registry_images(READ_WRITE),
                rule(&["create"], IMAGE_GROUP, &["imagestreamimports"]),
                rule(&["get", "update"], IMAGE_GROUP, &["imagestreams/layers"]),
                rule(READ_WRITE, RBAC_GROUP, &["roles", "rolebindings"]),
                rule(&["create"], AUTHZ, &["localsubjectaccessreviews"]),
                rule(&["get"], CORE, &["namespaces"]),
                rule(&["get", "delete"], PROJECT, &["projects"]),
            ],
        },
        // OpenShift registry-editor.
        DefaultRole {
            name: "registry-editor",
            description: None,
            rules: vec![
                rule(READ_WRITE, CORE, &["serviceaccounts", "secrets"]),
                registry_images(READ_WRITE),
                rule(&["create"], IMAGE_GROUP, &["imagestreamimports"]),
                rule(&["get", "update"], IMAGE_GROUP, &["imagestreams/layers"]),
                rule(&["get"], CORE, &["namespaces"]),
                rule(&["get"], PROJECT, &["projects"]),
            ],
        },
        // OpenShift registry-viewer.
        DefaultRole {
            name: "registry-viewer",
            description: None,
            rules: vec![
                rule(
                    READ,
                    IMAGE_GROUP,
                    &[
                        "imagestreamimages",
                        "imagestreammappings",
                        "imagestreams",
                        "imagestreamtags",
                        "imagetags",
                    ],
                ),
                rule(&["get"], IMAGE_GROUP, &["imagestreams/layers"]),
                rule(&["get"], CORE, &["namespaces"]),
                rule(&["get"], PROJECT, &["projects"]),
            ],
        },
        // OpenShift system:image-puller.
        DefaultRole {
            name: "system:image-puller",
            description: Some("Grants the right to pull images from within a project."),
            rules: vec![rule(&["get"], IMAGE_GROUP, &["imagestreams/layers"])],
        },
        // OpenShift system:image-pusher.
        DefaultRole {
            name: "system:image-pusher",
            description: Some("Grants the right to push and pull images from within a project."),
            rules: vec![rule(
                &["get", "update"],
                IMAGE_GROUP,
                &["imagestreams/layers"],
            )],
        },
        // OpenShift system:image-builder (its build.openshift.io rules are left out).
        DefaultRole {
            name: "system:image-builder",
            description: Some(
                "Grants the right to build, push and pull images from within a project.  Used \
                 primarily with service accounts for builds.",
            ),
            rules: vec![
                rule(&["get", "update"], IMAGE_GROUP, &["imagestreams/layers"]),
                // auto-provisioning a stream on the first push
                rule(&["create"], IMAGE_GROUP, &["imagestreams"]),
            ],
        },
        // OpenShift system:image-pruner (its rules on pods, builds and deployments are left out).
        DefaultRole {
            name: "system:image-pruner",
            description: None,
            rules: vec![
                rule(&["delete"], IMAGE_GROUP, &["images"]),
                rule(READ, IMAGE_GROUP, &["images", "imagestreams"]),
                rule(&["update"], IMAGE_GROUP, &["imagestreams/status"]),
            ],
        },
    ]
}

fn defaults() -> &'static [DefaultRole] {
    static DEFAULTS: OnceLock<Vec<DefaultRole>> = OnceLock::new();
    DEFAULTS.get_or_init(build_default_roles)
}

/// The rules of the built-in default role `name`.
pub(super) fn builtin_rules(name: &str) -> Option<&'static [PolicyRule]> {
    defaults()
        .iter()
        .find(|role| role.name == name)
        .map(|role| role.rules.as_slice())
}

fn bootstrap_metadata(name: &str, description: Option<&str>) -> Value {
    let mut annotations = json!({"rbac.authorization.kubernetes.io/autoupdate": "true"});
    if let Some(description) = description {
        annotations[DESCRIPTION] = json!(description);
    }
    json!({
        "name": name,
        "annotations": annotations,
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
    })
}

/// OpenShift's default cluster roles as full `rbac.authorization.k8s.io/v1` ClusterRole JSON
/// objects, each with annotation `rbac.authorization.kubernetes.io/autoupdate: "true"` and label
/// `kubernetes.io/bootstrapping: rbac-defaults`.
pub fn default_cluster_roles() -> Vec<Value> {
    defaults()
        .iter()
        .map(|role| {
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": bootstrap_metadata(role.name, role.description),
                "rules": role.rules,
            })
        })
        .collect()
}

fn user(name: &str) -> Value {
    json!({"kind": "User", "apiGroup": RBAC_GROUP, "name": name})
}

fn group(name: &str) -> Value {
    json!({"kind": "Group", "apiGroup": RBAC_GROUP, "name": name})
}

fn cluster_role_binding(name: &str, role: &str, subjects: Vec<Value>) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": bootstrap_metadata(name, None),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    })
}

/// The default ClusterRoleBindings: `cluster-admins` (group `system:cluster-admins`, user
/// `system:admin`) and Kubernetes' `cluster-admin` (group `system:masters`); `basic-users`,
/// `system:basic-user`, `system:discovery` and `system:oauth-token-deleters` for
/// `system:authenticated`; `self-provisioners` and the token manager for
/// `system:authenticated:oauth`.
///
/// Nothing is granted to `system:unauthenticated` (OpenShift also gives it discovery,
/// self-access reviews and token deletion), and `system:image-puller` is bound to nobody:
/// anonymous pulls need an explicit binding.
pub fn default_cluster_role_bindings() -> Vec<Value> {
    vec![
        cluster_role_binding(
            "cluster-admins",
            "cluster-admin",
            vec![group("system:cluster-admins"), user("system:admin")],
        ),
        cluster_role_binding(
            "cluster-admin",
            "cluster-admin",
            vec![group("system:masters")],
        ),
        cluster_role_binding(
            "basic-users",
            "basic-user",
            vec![group(AUTHENTICATED_GROUP)],
        ),
        cluster_role_binding(
            "system:basic-user",
            "system:basic-user",
            vec![group(AUTHENTICATED_GROUP)],
        ),
        cluster_role_binding(
            "self-provisioners",
            "self-provisioner",
            vec![group(AUTHENTICATED_OAUTH_GROUP)],
        ),
        cluster_role_binding(
            "system:discovery",
            "system:discovery",
            vec![group(AUTHENTICATED_GROUP)],
        ),
        cluster_role_binding(
            "system:oauth-token-deleters",
            "system:oauth-token-deleter",
            vec![group(AUTHENTICATED_GROUP)],
        ),
        cluster_role_binding(
            "system:openshift:useroauthaccesstoken-manager",
            "system:openshift:useroauthaccesstoken-manager",
            vec![group(AUTHENTICATED_OAUTH_GROUP)],
        ),
    ]
}

fn role_binding(
    namespace: &str,
    name: &str,
    role: &str,
    description: Option<&str>,
    subject: Value,
) -> Value {
    let mut metadata = json!({"name": name, "namespace": namespace});
    if let Some(description) = description {
        metadata["annotations"] = json!({DESCRIPTION: description});
    }
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata,
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    })
}

/// The RoleBindings of a new project: `admin` for its creator, when there is one (OpenShift's
/// default project request template), and the ones OpenShift's default-rolebindings controller
/// adds: `system:image-pullers` (every service account of the project may pull) and
/// `system:image-builders` (the `builder` service account may push). `system:deployers` is
/// omitted.
pub fn project_role_bindings(namespace: &str, creator: Option<&str>) -> Vec<Value> {
    let mut bindings = Vec::new();
    if let Some(creator) = creator {
        bindings.push(role_binding(
            namespace,
            "admin",
            "admin",
            None,
            user(creator),
        ));
    }
    bindings.push(role_binding(
        namespace,
        "system:image-pullers",
        "system:image-puller",
        Some(
            "Allows all pods in this namespace to pull images from this namespace.  It is \
             auto-managed by a controller; remove subjects to disable.",
        ),
        group(&format!("{SERVICE_ACCOUNTS_GROUP}:{namespace}")),
    ));
    bindings.push(role_binding(
        namespace,
        "system:image-builders",
        "system:image-builder",
        Some(
            "Allows builds in this namespace to push images to this namespace.  It is \
             auto-managed by a controller; remove subjects to disable.",
        ),
        json!({"kind": "ServiceAccount", "name": "builder", "namespace": namespace}),
    ));
    bindings
}
