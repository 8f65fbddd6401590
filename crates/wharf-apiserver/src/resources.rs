//! The resource types the API serves, as discovery describes them.

use wharf_storage::{ObjectKey, Selector};

#[derive(Debug)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Whether `<plural>/status` is served (status-only writes).
    pub has_status: bool,
    /// What can be done; a view computed from other objects (not stored) has fewer verbs.
    pub verbs: &'static [&'static str],
    /// `false` for views computed from other objects (imagestreamtags), served by their own
    /// module rather than the generic handlers.
    pub stored: bool,
}

pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "get",
    "list",
    "patch",
    "update",
    "watch",
    "deletecollection",
];

pub static RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        has_status: true,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "secrets",
        singular: "secret",
        kind: "Secret",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "imagestreams",
        singular: "imagestream",
        kind: "ImageStream",
        namespaced: true,
        short_names: &["is"],
        has_status: true,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "images",
        singular: "image",
        kind: "Image",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "imagestreamtags",
        singular: "imagestreamtag",
        kind: "ImageStreamTag",
        namespaced: true,
        short_names: &["istag"],
        has_status: false,
        verbs: &["create", "delete", "get", "list", "update"],
        stored: false,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "imagetags",
        singular: "imagetag",
        kind: "ImageTag",
        namespaced: true,
        short_names: &["itag"],
        has_status: false,
        verbs: &["create", "delete", "get", "list", "update"],
        stored: false,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "imagestreamimages",
        singular: "imagestreamimage",
        kind: "ImageStreamImage",
        namespaced: true,
        short_names: &["isimage"],
        has_status: false,
        verbs: &["get"],
        stored: false,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "imagestreamimports",
        singular: "imagestreamimport",
        kind: "ImageStreamImport",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: &["create"],
        stored: false,
    },
    ResourceType {
        group: "image.openshift.io",
        version: "v1",
        plural: "imagestreammappings",
        singular: "imagestreammapping",
        kind: "ImageStreamMapping",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: &["create"],
        stored: false,
    },
    // Before templates: kubectl's REST mapper keeps the last resource of a kind, as it does
    // on OpenShift, where discovery lists them alphabetically.
    ResourceType {
        group: "template.openshift.io",
        version: "v1",
        plural: "processedtemplates",
        singular: "processedtemplate",
        kind: "Template",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: &["create"],
        stored: false,
    },
    ResourceType {
        group: "template.openshift.io",
        version: "v1",
        plural: "templates",
        singular: "template",
        kind: "Template",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        kind: "ServiceAccount",
        namespaced: true,
        short_names: &["sa"],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "clusterroles",
        singular: "clusterrole",
        kind: "ClusterRole",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "clusterrolebindings",
        singular: "clusterrolebinding",
        kind: "ClusterRoleBinding",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "roles",
        singular: "role",
        kind: "Role",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "rolebindings",
        singular: "rolebinding",
        kind: "RoleBinding",
        namespaced: true,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "authorization.k8s.io",
        version: "v1",
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        kind: "SelfSubjectAccessReview",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: &["create"],
        stored: false,
    },
    ResourceType {
        group: "user.openshift.io",
        version: "v1",
        plural: "users",
        singular: "user",
        kind: "User",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "user.openshift.io",
        version: "v1",
        plural: "groups",
        singular: "group",
        kind: "Group",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: VERBS,
        stored: true,
    },
    ResourceType {
        group: "oauth.openshift.io",
        version: "v1",
        plural: "oauthaccesstokens",
        singular: "oauthaccesstoken",
        kind: "OAuthAccessToken",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: &["delete", "get", "list", "watch"],
        stored: true,
    },
    ResourceType {
        group: "project.openshift.io",
        version: "v1",
        plural: "projects",
        singular: "project",
        kind: "Project",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: &["delete", "get", "list"],
        stored: false,
    },
    ResourceType {
        group: "project.openshift.io",
        version: "v1",
        plural: "projectrequests",
        singular: "projectrequest",
        kind: "ProjectRequest",
        namespaced: false,
        short_names: &[],
        has_status: false,
        verbs: &["create"],
        stored: false,
    },
];

/// The API groups other than core, with their versions.
pub static GROUPS: &[(&str, &str)] = &[
    ("image.openshift.io", "v1"),
    ("template.openshift.io", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("authorization.k8s.io", "v1"),
    ("user.openshift.io", "v1"),
    ("oauth.openshift.io", "v1"),
    ("project.openshift.io", "v1"),
];

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `imagestreams.image.openshift.io`, or `namespaces` for the core group, as Status
    /// messages name a resource.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `ImageStream.image.openshift.io`, as `Invalid` messages name a kind.
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    pub fn key(&self, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey::new(
            self.group,
            self.plural,
            if self.namespaced { namespace } else { "" },
            name,
        )
    }

    pub fn selector(&self, namespace: Option<&str>) -> Selector {
        Selector::new(
            self.group,
            self.plural,
            namespace.filter(|_| self.namespaced),
        )
    }
}

pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

pub fn namespaces() -> &'static ResourceType {
    find("", "v1", "namespaces").expect("namespaces is served")
}
