//! OpenAPI schemas of the served kinds, for `kubectl explain` and typed clients.
//!
//! The component schemas the real apiservers publish under `/openapi/v3/<gv>`, named as they
//! name them (`io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, `io.k8s.api.core.v1.Secret`,
//! `com.github.openshift.api.image.v1.ImageStream`), with OpenShift's and Kubernetes' field
//! descriptions. Each kind carries `x-kubernetes-group-version-kind`, which is how
//! `kubectl explain` finds it.
//!
//! No list carries `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`: once
//! kubectl has a schema for a kind, `kubectl apply` sends a strategic merge patch, and Wharf
//! applies those as JSON merge patches (lists replaced whole). Without merge keys kubectl's
//! strategic merge patch replaces lists too, so client and server agree.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

pub const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.";
pub const CORE: &str = "io.k8s.api.core.v1.";
pub const IMAGE: &str = "com.github.openshift.api.image.v1.";
pub const TEMPLATE: &str = "com.github.openshift.api.template.v1.";
pub const RBAC: &str = "io.k8s.api.rbac.v1.";
pub const AUTHORIZATION: &str = "io.k8s.api.authorization.v1.";
pub const PROJECT: &str = "com.github.openshift.api.project.v1.";

/// The schema name of `kind` in `group`/`version` (`""` for core), as the real servers name it:
/// Kubernetes' groups (`rbac.authorization.k8s.io`) under `io.k8s.api.<first label>`,
/// OpenShift's (`image.openshift.io`) under `com.github.openshift.api.<first label>`.
pub fn kind_schema_name(group: &str, version: &str, kind: &str) -> String {
    let short = group.split('.').next().unwrap_or(group);
    if group.is_empty() {
        format!("io.k8s.api.core.{version}.{kind}")
    } else if group.ends_with(".k8s.io") {
        format!("io.k8s.api.{short}.{version}.{kind}")
    } else {
        format!("com.github.openshift.api.{short}.{version}.{kind}")
    }
}

/// Every component schema Wharf knows, by full name.
pub fn schemas() -> &'static BTreeMap<String, Value> {
    static SCHEMAS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(build)
}

/// `roots` and every schema they reference, transitively.
pub fn closure<'a>(roots: impl IntoIterator<Item = &'a str>) -> Map<String, Value> {
    let all = schemas();
    let mut out = Map::new();
    let mut todo: Vec<String> = roots.into_iter().map(str::to_string).collect();
    while let Some(name) = todo.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(schema) = all.get(&name) else {
            continue;
        };
        refs(schema, &mut todo);
        out.insert(name, schema.clone());
    }
    out
}

/// Pushes the schema names `v` references (`$ref: #/components/schemas/<name>`) onto `out`.
pub fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/components/schemas/") {
                            out.push(name.to_string());
                        }
                    }
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

// ---- Field builders -------------------------------------------------------------------------

fn ref_to(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn string(d: &str) -> Value {
    json!({ "type": "string", "description": d })
}

fn enum_string(d: &str, values: &[&str]) -> Value {
    json!({ "type": "string", "description": d, "enum": values })
}

fn bytes(d: &str) -> Value {
    json!({ "type": "string", "format": "byte", "description": d })
}

fn int64(d: &str) -> Value {
    json!({ "type": "integer", "format": "int64", "description": d })
}

fn int32(d: &str) -> Value {
    json!({ "type": "integer", "format": "int32", "description": d })
}

fn boolean(d: &str) -> Value {
    json!({ "type": "boolean", "description": d })
}

fn strings(d: &str) -> Value {
    json!({ "type": "array", "description": d, "items": { "type": "string", "default": "" } })
}

fn string_map(d: &str) -> Value {
    json!({ "type": "object", "description": d,
            "additionalProperties": { "type": "string", "default": "" } })
}

/// A field holding another schema; `allOf` so the field's own description is kept, as the
/// Kubernetes OpenAPI v3 builder writes it.
fn field(d: &str, name: &str) -> Value {
    json!({ "description": d, "default": {}, "allOf": [ref_to(name)] })
}

/// A `metav1.Time` field.
fn time(d: &str) -> Value {
    json!({ "description": d, "allOf": [ref_to(&format!("{META}Time"))] })
}

/// An array of another schema. Deliberately without patch merge keys (see the module doc).
fn list_of(d: &str, name: &str) -> Value {
    json!({ "type": "array", "description": d, "items": { "default": {}, "allOf": [ref_to(name)] } })
}

fn object(d: &str, required: &[&str], props: Vec<(&str, Value)>) -> Value {
    let mut s = json!({ "type": "object", "description": d });
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    let props: Map<String, Value> = props.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    s["properties"] = Value::Object(props);
    s
}

const API_VERSION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const OBJECT_META: &str = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_META: &str = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const COMPAT: &str = "\n\nCompatibility level 1: Stable within a major release for a minimum of 12 months or 3 minor releases (whichever is longer).";

/// A top-level kind: `apiVersion`, `kind`, `metadata` (ObjectMeta, or ListMeta for a list),
/// then `props`, tagged with its group-version-kind.
fn kind(
    group: &str,
    version: &str,
    kind: &str,
    d: &str,
    required: &[&str],
    props: Vec<(&str, Value)>,
) -> (String, Value) {
    let meta = if kind.ends_with("List") {
        field(LIST_META, &format!("{META}ListMeta"))
    } else {
        field(OBJECT_META, &format!("{META}ObjectMeta"))
    };
    let mut all = vec![
        ("apiVersion", string(API_VERSION)),
        ("kind", string(KIND)),
        ("metadata", meta),
    ];
    all.extend(props);
    let mut s = object(d, required, all);
    s["x-kubernetes-group-version-kind"] =
        json!([{ "group": group, "version": version, "kind": kind }]);
    (kind_schema_name(group, version, kind), s)
}

/// `<kind>List`: `items` of `<kind>`.
fn list_kind(group: &str, version: &str, of: &str, d: &str, items: &str) -> (String, Value) {
    let item = kind_schema_name(group, version, of);
    kind(
        group,
        version,
        &format!("{of}List"),
        d,
        &["items"],
        vec![("items", list_of(items, &item))],
    )
}

// ---- The schemas ----------------------------------------------------------------------------

fn build() -> BTreeMap<String, Value> {
    let mut s = BTreeMap::new();
    meta_schemas(&mut s);
    label_selector_schemas(&mut s);
    core_schemas(&mut s);
    image_schemas(&mut s);
    template_schemas(&mut s);
    rbac_schemas(&mut s);
    authorization_schemas(&mut s);
    user_schemas(&mut s);
    oauth_schemas(&mut s);
    project_schemas(&mut s);
    s
}

fn meta_schemas(s: &mut BTreeMap<String, Value>) {
    let m = |n: &str| format!("{META}{n}");
    s.insert(
        m("Time"),
        json!({ "type": "string", "format": "date-time",
                "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers." }),
    );
    s.insert(m("StatusCause"), object(
        "StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.",
        &[],
        vec![
            ("reason", string("A machine-readable description of the cause of the error. If this value is empty there is no information available.")),
            ("message", string("A human-readable description of the cause of the error.  This field may be presented as-is to a reader.")),
            ("field", string("The field of the resource that has caused this error, as named by its JSON serialization.")),
        ],
    ));
    s.insert(m("StatusDetails"), object(
        "StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.",
        &[],
        vec![
            ("name", string("The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).")),
            ("group", string("The group attribute of the resource associated with the status StatusReason.")),
            ("kind", string("The kind attribute of the resource associated with the status StatusReason.")),
            ("uid", string("UID of the resource. (when there is a single resource which can be described).")),
            ("causes", list_of("The Causes array includes more details associated with the StatusReason failure. Not all StatusReasons may provide detailed causes.", &m("StatusCause"))),
            ("retryAfterSeconds", int64("If specified, the time in seconds before the operation should be retried.")),
        ],
    ));
    s.insert(m("Status"), object(
        "Status is a return value for calls that don't return other objects.",
        &[],
        vec![
            ("apiVersion", string(API_VERSION)),
            ("kind", string(KIND)),
            ("metadata", field("Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds", &m("ListMeta"))),
            ("status", string("Status of the operation. One of: \"Success\" or \"Failure\".")),
            ("message", string("A human-readable description of the status of this operation.")),
            ("reason", string("A machine-readable description of why this operation is in the \"Failure\" status. If this value is empty there is no information available.")),
            ("details", field("Extended data associated with the reason.  Each reason may define its own extended details.", &m("StatusDetails"))),
            ("code", int64("Suggested HTTP return code for this status, 0 if not set.")),
        ],
    ));
    s.insert(m("ListMeta"), object(
        "ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.",
        &[],
        vec![
            ("resourceVersion", string("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only.")),
            ("continue", string("continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects.")),
            ("remainingItemCount", int64("remainingItemCount is the number of subsequent items in the list which are not included in this list response. If the list request contained label or field selectors, then the number of remaining items is unknown and the field will be left unset and omitted during serialization.")),
        ],
    ));
    s.insert(m("OwnerReference"), object(
        "OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.",
        &["apiVersion", "kind", "name", "uid"],
        vec![
            ("apiVersion", string("API version of the referent.")),
            ("kind", string("Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")),
            ("name", string("Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")),
            ("uid", string("UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids")),
            ("controller", boolean("If true, this reference points to the managing controller.")),
            ("blockOwnerDeletion", boolean("If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.")),
        ],
    ));
    s.insert(m("ObjectMeta"), object(
        "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        &[],
        vec![
            ("name", string("Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")),
            ("generateName", string("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. This value will also be combined with a unique suffix.")),
            ("namespace", string("Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty. Must be a DNS_LABEL. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces")),
            ("uid", string("UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations. Populated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids")),
            ("resourceVersion", string("An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Clients must treat these values as opaque and passed unmodified back to the server. Populated by the system. Read-only.")),
            ("generation", int64("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.")),
            ("creationTimestamp", time("CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC. Populated by the system. Read-only. Null for lists.")),
            ("deletionTimestamp", time("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client. Populated by the system when a graceful deletion is requested. Read-only.")),
            ("deletionGracePeriodSeconds", int64("Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only.")),
            ("labels", string_map("Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels")),
            ("annotations", string_map("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations")),
            ("ownerReferences", list_of("List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller.", &m("OwnerReference"))),
            ("finalizers", strings("Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. If the deletionTimestamp of the object is non-nil, entries in this list can only be removed.")),
        ],
    ));
}

fn label_selector_schemas(s: &mut BTreeMap<String, Value>) {
    let m = |n: &str| format!("{META}{n}");
    s.insert(m("LabelSelectorRequirement"), object(
        "A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
        &["key", "operator"],
        vec![
            ("key", string("key is the label key that the selector applies to.")),
            ("operator", string("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist.")),
            ("values", strings("values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. This array is replaced during a strategic merge patch.")),
        ],
    ));
    s.insert(m("LabelSelector"), object(
        "A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.",
        &[],
        vec![
            ("matchLabels", string_map("matchLabels is a map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions, whose key field is \"key\", the operator is \"In\", and the values array contains only \"value\". The requirements are ANDed.")),
            ("matchExpressions", list_of("matchExpressions is a list of label selector requirements. The requirements are ANDed.", &m("LabelSelectorRequirement"))),
        ],
    ));
}

fn core_schemas(s: &mut BTreeMap<String, Value>) {
    let c = |n: &str| format!("{CORE}{n}");
    s.insert(c("ObjectReference"), object(
        "ObjectReference contains enough information to let you inspect or modify the referred object.",
        &[],
        vec![
            ("kind", string("Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")),
            ("namespace", string("Namespace of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/")),
            ("name", string("Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names")),
            ("uid", string("UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#uids")),
            ("apiVersion", string("API version of the referent.")),
            ("resourceVersion", string("Specific resourceVersion to which this reference is made, if any. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency")),
            ("fieldPath", string("If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].")),
        ],
    ));
    s.insert(c("NamespaceSpec"), object(
        "NamespaceSpec describes the attributes on a Namespace.",
        &[],
        vec![("finalizers", strings("Finalizers is an opaque list of values that must be empty to permanently remove object from storage. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/"))],
    ));
    s.insert(
        c("NamespaceCondition"),
        object(
            "NamespaceCondition contains details about state of namespace.",
            &["type", "status"],
            vec![
                ("type", string("Type of namespace controller condition.")),
                (
                    "status",
                    string("Status of the condition, one of True, False, Unknown."),
                ),
                (
                    "lastTransitionTime",
                    time("Last time the condition transitioned from one status to another."),
                ),
                (
                    "reason",
                    string(
                        "Unique, one-word, CamelCase reason for the condition's last transition.",
                    ),
                ),
                (
                    "message",
                    string("Human-readable message indicating details about last transition."),
                ),
            ],
        ),
    );
    s.insert(c("NamespaceStatus"), object(
        "NamespaceStatus is information about the current status of a Namespace.",
        &[],
        vec![
            ("phase", enum_string("Phase is the current lifecycle phase of the namespace. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/", &["Active", "Terminating"])),
            ("conditions", list_of("Represents the latest available observations of a namespace's current state.", &c("NamespaceCondition"))),
        ],
    ));
    let (n, v) = kind("", "v1", "Namespace",
        "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
        &[],
        vec![
            ("spec", field("Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status", &c("NamespaceSpec"))),
            ("status", field("Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status", &c("NamespaceStatus"))),
        ]);
    s.insert(n, v);
    let (n, v) = kind("", "v1", "Secret",
        "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.",
        &[],
        vec![
            ("data", json!({ "type": "object",
                "description": "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
                "additionalProperties": { "type": "string", "format": "byte" } })),
            ("stringData", string_map("stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values. The stringData field is never output when reading from the API.")),
            ("type", string("Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types")),
            ("immutable", boolean("Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil.")),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind("", "v1", "Namespace",
        "NamespaceList is a list of Namespaces.",
        "Items is the list of Namespace objects in the list. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/");
    s.insert(n, v);
    let (n, v) = list_kind("", "v1", "Secret",
        "SecretList is a list of Secret.",
        "Items is a list of secret objects. More info: https://kubernetes.io/docs/concepts/configuration/secret");
    s.insert(n, v);
    let (n, v) = kind("", "v1", "ServiceAccount",
        "ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets",
        &[],
        vec![
            ("secrets", list_of("Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret", &c("ObjectReference"))),
            ("imagePullSecrets", list_of("ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount. ImagePullSecrets are distinct from Secrets because Secrets can be mounted in the pod, but ImagePullSecrets are only accessed by the kubelet. More info: https://kubernetes.io/docs/concepts/containers/images/#specifying-imagepullsecrets-on-a-pod", &c("LocalObjectReference"))),
            ("automountServiceAccountToken", boolean("AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted. Can be overridden at the pod level.")),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind("", "v1", "ServiceAccount",
        "ServiceAccountList is a list of ServiceAccount objects",
        "List of ServiceAccounts. More info: https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/");
    s.insert(n, v);
}

fn image_schemas(s: &mut BTreeMap<String, Value>) {
    let i = |n: &str| format!("{IMAGE}{n}");
    let (g, ver) = ("image.openshift.io", "v1");

    // Image and its parts.
    s.insert(i("ImageLayer"), object(
        "ImageLayer represents a single layer of the image. Some images may have multiple layers. Some may have none.",
        &["name", "size", "mediaType"],
        vec![
            ("name", string("Name of the layer as defined by the underlying store.")),
            ("size", int64("Size of the layer in bytes as defined by the underlying store.")),
            ("mediaType", string("MediaType of the referenced object.")),
        ],
    ));
    s.insert(i("ImageManifest"), object(
        "ImageManifest represents sub-manifests of a manifest list. The Digest field points to a regular Image object.",
        &["digest", "mediaType", "manifestSize", "architecture", "os"],
        vec![
            ("digest", string("Digest is the unique identifier for the manifest. It refers to an Image object.")),
            ("mediaType", string("MediaType defines the type of the manifest, possible values are application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json or application/vnd.docker.distribution.manifest.v1+json.")),
            ("manifestSize", int64("ManifestSize represents the size of the raw object contents, in bytes.")),
            ("architecture", string("Architecture specifies the supported CPU architecture, for example `amd64` or `ppc64le`.")),
            ("os", string("OS specifies the operating system, for example `linux`.")),
            ("variant", string("Variant is an optional field repreenting a variant of the CPU, for example v6 to specify a particular CPU variant of the ARM CPU.")),
        ],
    ));
    s.insert(i("SignatureCondition"), object(
        "SignatureCondition describes an image signature condition of particular kind at particular probe time.",
        &["type", "status"],
        vec![
            ("type", string("Type of signature condition, Complete or Failed.")),
            ("status", string("Status of the condition, one of True, False, Unknown.")),
            ("lastProbeTime", time("Last time the condition was checked.")),
            ("lastTransitionTime", time("Last time the condition transit from one status to another.")),
            ("reason", string("(brief) reason for the condition's last transition.")),
            ("message", string("Human readable message indicating details about last transition.")),
        ],
    ));
    let entity = |d: &str, extra: Vec<(&'static str, Value)>| {
        let mut props = vec![
            ("organization", string("Organization name.")),
            (
                "commonName",
                string("Common name (e.g. openshift-signing-service)."),
            ),
        ];
        props.extend(extra);
        object(d, &[], props)
    };
    s.insert(
        i("SignatureIssuer"),
        entity(
            "SignatureIssuer holds information about an issuer of signing certificate or key.",
            vec![],
        ),
    );
    s.insert(i("SignatureSubject"), entity(
        "SignatureSubject holds information about a person or entity who created the signature.",
        vec![("publicKeyID", string("If present, it is a human readable key id of public key belonging to the subject used to verify image signature. It should contain at least 64 lowest bits of public key's fingerprint (e.g. 0x685ebe62bf278440)."))],
    ));
    s.insert(i("ImageSignature"), object(
        "ImageSignature holds a signature of an image. It allows to verify image identity and possibly other claims as long as the signature is trusted. Based on this information it is possible to restrict runnable images to those matching cluster-wide policy. Mandatory fields should be parsed by clients doing image verification. The others are parsed from signature's content by the server. They serve just an informative purpose.",
        &["type", "content"],
        vec![
            ("apiVersion", string(API_VERSION)),
            ("kind", string(KIND)),
            ("metadata", field(OBJECT_META, &format!("{META}ObjectMeta"))),
            ("type", string("Required: Describes a type of stored blob.")),
            ("content", bytes("Required: An opaque binary string which is an image's signature.")),
            ("conditions", list_of("Conditions represent the latest available observations of a signature's current state.", &i("SignatureCondition"))),
            ("imageIdentity", string("A human readable string representing image's identity. It could be a product name and version, or an image pull spec (e.g. \"registry.access.redhat.com/rhel7/rhel:7.2\").")),
            ("signedClaims", string_map("Contains claims from the signature.")),
            ("created", time("If specified, it is the time of signature's creation.")),
            ("issuedBy", json!({ "description": "If specified, it holds information about an issuer of signing certificate or key (a person or entity who signed the signing certificate or key).", "allOf": [ref_to(&i("SignatureIssuer"))] })),
            ("issuedTo", json!({ "description": "If specified, it holds information about a subject of signing certificate or key (a person or entity who signed the image).", "allOf": [ref_to(&i("SignatureSubject"))] })),
        ],
    ));
    let (n, v) = kind(g, ver, "Image",
        &format!("Image is an immutable representation of a container image and metadata at a point in time. Images are named by taking a hash of their contents (metadata and content) and any change in format, content, or metadata results in a new name. The images resource is primarily for use by cluster administrators and integrations like the cluster image registry - end users instead access images via the imagestreamtags or imagestreamimages resources. While image metadata is stored in the API, any integration that implements the container image registry API must provide its own storage for the raw manifest data, image config, and layer contents.{COMPAT}"),
        &[],
        vec![
            ("dockerImageReference", string("DockerImageReference is the string that can be used to pull this image.")),
            ("dockerImageMetadata", json!({ "type": "object",
                "description": "DockerImageMetadata contains metadata about this image",
                "x-kubernetes-embedded-resource": true,
                "x-kubernetes-preserve-unknown-fields": true })),
            ("dockerImageMetadataVersion", string("DockerImageMetadataVersion conveys the version of the object, which if empty defaults to \"1.0\"")),
            ("dockerImageManifest", string("DockerImageManifest is the raw JSON of the manifest")),
            ("dockerImageLayers", list_of("DockerImageLayers represents the layers in the image. May not be set if the image does not define that data or if the image represents a manifest list.", &i("ImageLayer"))),
            ("signatures", list_of("Signatures holds all signatures of the image.", &i("ImageSignature"))),
            ("dockerImageSignatures", json!({ "type": "array",
                "description": "DockerImageSignatures provides the signatures as opaque blobs. This is a part of manifest schema v1.",
                "items": { "type": "string", "format": "byte" } })),
            ("dockerImageManifestMediaType", string("DockerImageManifestMediaType specifies the mediaType of manifest. This is a part of manifest schema v2.")),
            ("dockerImageConfig", string("DockerImageConfig is a JSON blob that the runtime uses to set up the container. This is a part of manifest schema v2. Will not be set when the image represents a manifest list.")),
            ("dockerImageManifests", list_of("DockerImageManifests holds information about sub-manifests when the image represents a manifest list. When this field is present, no DockerImageLayers should be specified.", &i("ImageManifest"))),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "Image",
        &format!("ImageList is a list of Image objects.{COMPAT}"),
        "Items is a list of images",
    );
    s.insert(n, v);

    // ImageStream: spec.
    s.insert(i("ImageLookupPolicy"), object(
        "ImageLookupPolicy describes how an image stream can be used to override the image references used by pods, builds, and other resources in a namespace.",
        &["local"],
        vec![("local", boolean("local will change the docker short image references (like \"mysql\" or \"php:latest\") on objects in this namespace to the image ID whenever they match this image stream, instead of reaching out to a remote registry. The name will be fully qualified to an image ID if found. The tag's referencePolicy is taken into account on the replaced value. Only works within the current namespace."))],
    ));
    s.insert(i("TagImportPolicy"), object(
        "TagImportPolicy controls how images related to this tag will be imported.",
        &[],
        vec![
            ("insecure", boolean("Insecure is true if the server may bypass certificate verification or connect directly over HTTP during image import.")),
            ("scheduled", boolean("Scheduled indicates to the server that this tag should be periodically checked to ensure it is up to date, and imported")),
            ("importMode", enum_string("ImportMode describes how to import an image manifest. Legacy imports a single manifest (for a manifest list, the one matching the importer's platform); PreserveOriginal keeps the whole manifest list.", &["Legacy", "PreserveOriginal"])),
        ],
    ));
    s.insert(i("TagReferencePolicy"), object(
        "TagReferencePolicy describes how pull-specs for images in this image stream tag are generated when image change triggers in deployment configs or builds are resolved. This allows the image stream author to control how images are accessed.",
        &["type"],
        vec![("type", enum_string("Type determines how the image pull spec should be transformed when the image stream tag is used in deployment config triggers or new builds. The default value is `Source`, indicating the original location of the image should be used (if imported). The user may also specify `Local`, indicating that the pull spec should point to the integrated container image registry and leverage the registry's ability to proxy the pull to an upstream registry. `Local` allows the credentials used to pull this image to be managed from the image stream's namespace, so others on the platform can access a remote image but have no access to the remote secret. It also allows the image layers to be mirrored into the local registry which the images can still be pulled even if the upstream registry is unavailable.", &["Source", "Local"]))],
    ));
    s.insert(i("TagReference"), object(
        "TagReference specifies optional annotations for images using this tag and an optional reference to an ImageStreamTag, ImageStreamImage, or DockerImage this tag should track.",
        &["name"],
        vec![
            ("name", string("Name of the tag")),
            ("annotations", string_map("Optional; if specified, annotations that are applied to images retrieved via ImageStreamTags.")),
            ("from", json!({ "description": "Optional; if specified, a reference to another image that this tag should point to. Valid values are ImageStreamTag, ImageStreamImage, and DockerImage.  ImageStreamTag references can only reference a tag within this same ImageStream.",
                             "allOf": [ref_to(&format!("{CORE}ObjectReference"))] })),
            ("reference", boolean("Reference states if the tag will be imported. Default value is false, which means the tag will be imported.")),
            ("generation", int64("Generation is a counter that tracks mutations to the spec tag (user intent). When a tag reference is changed the generation is set to match the current stream generation (which is incremented every time spec is changed). Other processes in the system like the image importer observe that the generation of spec tag is newer than the generation recorded in the status and use that as a trigger to import the newest remote tag. To trigger a new import, clients may set this value to zero which will reset the generation to the latest stream generation. Legacy clients will send this value as nil which will be merged with the current tag generation.")),
            ("importPolicy", field("ImportPolicy is information that controls how images may be imported by the server.", &i("TagImportPolicy"))),
            ("referencePolicy", field("ReferencePolicy defines how other components should consume the image.", &i("TagReferencePolicy"))),
        ],
    ));
    s.insert(i("ImageStreamSpec"), object(
        "ImageStreamSpec represents options for ImageStreams.",
        &[],
        vec![
            ("lookupPolicy", field("lookupPolicy controls how other resources reference images within this namespace.", &i("ImageLookupPolicy"))),
            ("dockerImageRepository", string("dockerImageRepository is optional, if specified this stream is backed by a container repository on this server Deprecated: This field is deprecated as of v3.7 and will be removed in a future release. Specify the source for the tags to be imported in each tag via the spec.tags.from reference instead.")),
            ("tags", list_of("tags map arbitrary string values to specific image locators", &i("TagReference"))),
        ],
    ));

    // ImageStream: status.
    s.insert(i("TagEvent"), object(
        "TagEvent is used by ImageStreamStatus to keep a historical record of images associated with a tag.",
        &["created", "dockerImageReference", "image", "generation"],
        vec![
            ("created", time("Created holds the time the TagEvent was created")),
            ("dockerImageReference", string("DockerImageReference is the string that can be used to pull this image")),
            ("image", string("Image is the image")),
            ("generation", int64("Generation is the spec tag generation that resulted in this tag being updated")),
        ],
    ));
    s.insert(i("TagEventCondition"), object(
        "TagEventCondition contains condition information for a tag event.",
        &["type", "status", "generation"],
        vec![
            ("type", string("Type of tag event condition, currently only ImportSuccess")),
            ("status", string("Status of the condition, one of True, False, Unknown.")),
            ("lastTransitionTime", time("LastTransitionTIme is the time the condition transitioned from one status to another.")),
            ("reason", string("Reason is a brief machine readable explanation for the condition's last transition.")),
            ("message", string("Message is a human readable description of the details about last transition, complementing reason.")),
            ("generation", int64("Generation is the spec tag generation that this status corresponds to")),
        ],
    ));
    s.insert(
        i("NamedTagEventList"),
        object(
            "NamedTagEventList relates a tag to its image history.",
            &["tag", "items"],
            vec![
                (
                    "tag",
                    string("Tag is the tag for which the history is recorded"),
                ),
                (
                    "items",
                    list_of("Standard object's metadata.", &i("TagEvent")),
                ),
                (
                    "conditions",
                    list_of(
                        "Conditions is an array of conditions that apply to the tag event list.",
                        &i("TagEventCondition"),
                    ),
                ),
            ],
        ),
    );
    s.insert(i("ImageStreamStatus"), object(
        "ImageStreamStatus contains information about the state of this image stream.",
        &["dockerImageRepository"],
        vec![
            ("dockerImageRepository", string("DockerImageRepository represents the effective location this stream may be accessed at. May be empty until the server determines where the repository is located")),
            ("publicDockerImageRepository", string("PublicDockerImageRepository represents the public location from where the image can be pulled outside the cluster. This field may be empty if the administrator has not exposed the integrated registry externally.")),
            ("tags", list_of("Tags are a historical record of images associated with each tag. The first entry in the TagEvent array is the currently tagged image.", &i("NamedTagEventList"))),
        ],
    ));
    let (n, v) = kind(g, ver, "ImageStream",
        &format!("An ImageStream stores a mapping of tags to images, metadata overrides that are applied when images are tagged in a stream, and an optional reference to a container image repository on a registry. Users typically update the spec.tags field to point to external images which are imported from container registries using credentials in your namespace with the pull secret type, or to existing image stream tags and images which are immediately accessible for tagging or pulling. The history of images applied to a tag is visible in the status.tags field and any user who can view an image stream is allowed to tag that image into their own image streams. Access to pull images from the integrated registry is granted by having the \"get imagestreams/layers\" permission on a given image stream. Users may remove a tag by deleting the imagestreamtag resource, which causes both spec and status for that tag to be removed. Image stream history is retained until an administrator runs the prune operation, which removes references that are no longer in use. To preserve a historical image, ensure there is a tag in spec pointing to that image by its digest.{COMPAT}"),
        &[],
        vec![
            ("spec", field("Spec describes the desired state of this stream", &i("ImageStreamSpec"))),
            ("status", field("Status describes the current state of this stream", &i("ImageStreamStatus"))),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "ImageStream",
        &format!("ImageStreamList is a list of ImageStream objects.{COMPAT}"),
        "Items is a list of imageStreams",
    );
    s.insert(n, v);

    // The views and the mapping.
    let (n, v) = kind(g, ver, "ImageStreamTag",
        &format!("ImageStreamTag represents an Image that is retrieved by tag name from an ImageStream. Use this resource to interact with the tags and images in an image stream by tag, or to see the image details for a particular tag. The image associated with this resource is the most recently successfully tagged, imported, or pushed image (as described in the image stream status.tags.items list for this tag). If an import is in progress or has failed the previous image will be shown. Deleting an image stream tag clears both the status and spec fields of an image stream. If no image can be retrieved for a given tag, a not found error will be returned.{COMPAT}"),
        &["tag", "generation", "lookupPolicy", "image"],
        vec![
            ("tag", json!({ "description": "tag is the spec tag associated with this image stream tag, and it may be null if only pushes have occurred to this image stream.",
                            "allOf": [ref_to(&i("TagReference"))] })),
            ("generation", int64("generation is the current generation of the tagged image - if tag is provided and this value is not equal to the tag generation, a user has requested an import that has not completed, or conditions will be filled out indicating any error.")),
            ("lookupPolicy", field("lookupPolicy indicates whether this tag will handle image references in this namespace.", &i("ImageLookupPolicy"))),
            ("conditions", list_of("conditions is an array of conditions that apply to the image stream tag.", &i("TagEventCondition"))),
            ("image", field("image associated with the ImageStream and tag.", &i("Image"))),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "ImageStreamTag",
        &format!("ImageStreamTagList is a list of ImageStreamTag objects.{COMPAT}"),
        "Items is the list of image stream tags",
    );
    s.insert(n, v);
    let (n, v) = kind(g, ver, "ImageTag",
        &format!("ImageTag represents a single tag within an image stream and includes the spec, the status history, and the currently referenced image (if any) of the provided tag. This type replaces the ImageStreamTag by providing a full view of the tag. ImageTags are returned for every spec or status tag present on the image stream. If no tag exists in either form a not found error will be returned by the API. A create operation will succeed if no spec tag has already been defined and the spec field is set. Delete will remove both spec and status elements from the image stream.{COMPAT}"),
        &["spec", "status", "image"],
        vec![
            ("spec", json!({ "description": "spec is the spec tag associated with this image stream tag, and it may be null if only pushes have occurred to this image stream.",
                             "allOf": [ref_to(&i("TagReference"))] })),
            ("status", json!({ "description": "status is the status tag details associated with this image stream tag, and it may be null if no push or import has been performed.",
                               "allOf": [ref_to(&i("NamedTagEventList"))] })),
            ("image", json!({ "description": "image is the details of the most recent image stream status tag, and it may be null if import has not completed or an administrator has deleted the image object. To verify this is the most recent image, you must verify the generation of the most recent status.items entry matches the spec tag (if a spec tag is set). This field will not be set when listing image tags.",
                              "allOf": [ref_to(&i("Image"))] })),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(g, ver, "ImageTag",
        &format!("ImageTagList is a list of ImageTag objects. When listing image tags, the image field is not populated. Tags are returned in alphabetical order by image stream and then tag.{COMPAT}"),
        "Items is the list of image stream tags");
    s.insert(n, v);
    let (n, v) = kind(g, ver, "ImageStreamImage",
        &format!("ImageStreamImage represents an Image that is retrieved by image name from an ImageStream. User interfaces and regular users can use this resource to access the metadata details of a tagged image in the image stream history for viewing, since Image resources are not directly accessible to end users. A not found error will be returned if no such image is referenced by a tag within the ImageStream. Images are created when spec tags are set on an image stream that represent an image in an external registry, when pushing to the integrated registry, or when tagging an existing image from one image stream to another. The name of an image stream image is in the form \"<STREAM>@<DIGEST>\", where the digest is the content addressible identifier for the image (sha256:xxxxx...). You can use ImageStreamImages as the from.kind of an image stream spec tag to reference an image exactly. The only operations supported on the imagestreamimage endpoint are retrieving the image.{COMPAT}"),
        &["image"],
        vec![("image", field("Image associated with the ImageStream and image name.", &i("Image")))]);
    s.insert(n, v);
    let obj_ref = format!("{CORE}ObjectReference");
    let local_ref = format!("{CORE}LocalObjectReference");
    s.insert(local_ref.clone(), object(
        "LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.",
        &[],
        vec![("name", string("Name of the referent."))],
    ));
    s.insert(i("ImageImportSpec"), object(
        "ImageImportSpec describes a request to import a specific image.",
        &["from"],
        vec![
            ("from", field("From is the source of an image to import; only kind DockerImage is allowed", &obj_ref)),
            ("to", field("To is a tag in the current image stream to assign the imported image to, if name is not specified the default tag from from.name will be used", &local_ref)),
            ("importPolicy", field("ImportPolicy is the policy controlling how the image is imported", &i("TagImportPolicy"))),
            ("referencePolicy", field("ReferencePolicy defines how other components should consume the image", &i("TagReferencePolicy"))),
            ("includeManifest", boolean("IncludeManifest determines if the manifest for each image is returned in the response")),
        ],
    ));
    s.insert(i("RepositoryImportSpec"), object(
        "RepositoryImportSpec describes a request to import images from a container image repository.",
        &["from"],
        vec![
            ("from", field("From is the source for the image repository to import; only kind DockerImage and a name of a container image repository is allowed", &obj_ref)),
            ("importPolicy", field("ImportPolicy is the policy controlling how the image is imported", &i("TagImportPolicy"))),
            ("referencePolicy", field("ReferencePolicy defines how other components should consume the image", &i("TagReferencePolicy"))),
            ("includeManifest", boolean("IncludeManifest determines if the manifest for each image is returned in the response")),
        ],
    ));
    s.insert(i("ImageStreamImportSpec"), object(
        "ImageStreamImportSpec defines what images should be imported.",
        &["import"],
        vec![
            ("import", boolean("Import indicates whether to perform an import - if so, the specified tags are set on the spec and status of the image stream defined by the type meta.")),
            ("repository", field("Repository is an optional import of an entire container image repository. A maximum limit on the number of tags imported this way is imposed by the server.", &i("RepositoryImportSpec"))),
            ("images", list_of("Images are a list of individual images to import.", &i("ImageImportSpec"))),
        ],
    ));
    s.insert(i("ImageImportStatus"), object(
        "ImageImportStatus describes the result of an image import.",
        &["status"],
        vec![
            ("status", field("Status is the status of the image import, including errors encountered while retrieving the image", &format!("{META}Status"))),
            ("image", field("Image is the metadata of that image, if the image was located", &i("Image"))),
            ("tag", string("Tag is the tag this image was located under, if any")),
            ("manifests", list_of("Manifests holds sub-manifests metadata when importing a manifest list", &i("Image"))),
        ],
    ));
    s.insert(i("RepositoryImportStatus"), object(
        "RepositoryImportStatus describes the result of an image repository import",
        &[],
        vec![
            ("status", field("Status reflects whether any failure occurred during import", &format!("{META}Status"))),
            ("images", list_of("Images is a list of images successfully retrieved by the import of the repository.", &i("ImageImportStatus"))),
            ("additionalTags", strings("AdditionalTags are tags that exist in the repository but were not imported because a maximum limit of automatic imports was applied.")),
        ],
    ));
    s.insert(i("ImageStreamImportStatus"), object(
        "ImageStreamImportStatus contains information about the status of an image stream import.",
        &[],
        vec![
            ("import", field("Import is the image stream that was successfully updated or created when 'to' was set.", &i("ImageStream"))),
            ("repository", field("Repository is set if spec.repository was set to the outcome of the import", &i("RepositoryImportStatus"))),
            ("images", list_of("Images is set with the result of importing spec.images", &i("ImageImportStatus"))),
        ],
    ));
    let (n, v) = kind(g, ver, "ImageStreamImport",
        &format!("The image stream import resource provides an easy way for a user to find and import container images from other container image registries into the server. Individual images or an entire image repository may be imported, and users may choose to see the results of the import prior to tagging the resulting images into the specified image stream.\n\nThis API is intended for end-user tools that need to see the metadata of the image prior to import (for instance, to generate an application from it). Clients that know the desired image can continue to create spec.tags directly into their image streams.{COMPAT}"),
        &["spec", "status"],
        vec![
            ("spec", field("spec is a description of the images that the user wishes to import", &i("ImageStreamImportSpec"))),
            ("status", field("status is the result of importing the image", &i("ImageStreamImportStatus"))),
        ]);
    s.insert(n, v);
    let (n, v) = kind(g, ver, "ImageStreamMapping",
        &format!("ImageStreamMapping represents a mapping from a single image stream tag to a container image as well as the reference to the container image stream the image came from. This resource is used by privileged integrators to create an image resource and to associate it with an image stream in the status tags field. Creating an ImageStreamMapping will allow any user who can view the image stream to tag or pull that image, so only create mappings where the user has proven they have access to the image contents directly. The only operation supported for this resource is create and the metadata name and namespace should be set to the image stream containing the tag that should be updated.{COMPAT}"),
        &["image", "tag"],
        vec![
            ("image", field("Image is a container image.", &i("Image"))),
            ("tag", string("Tag is a string value this image can be located with inside the stream.")),
        ]);
    s.insert(n, v);
}

fn template_schemas(s: &mut BTreeMap<String, Value>) {
    let t = |n: &str| format!("{TEMPLATE}{n}");
    let (g, ver) = ("template.openshift.io", "v1");
    s.insert(
        "io.k8s.apimachinery.pkg.runtime.RawExtension".into(),
        json!({ "type": "object",
                "description": "RawExtension is used to hold extensions in external versions.",
                "x-kubernetes-embedded-resource": true,
                "x-kubernetes-preserve-unknown-fields": true }),
    );
    s.insert(t("Parameter"), object(
        "Parameter defines a name/value variable that is to be processed during the Template to Config transformation.",
        &["name"],
        vec![
            ("name", string("Name must be set and it can be referenced in Template Items using ${PARAMETER_NAME}. Required.")),
            ("displayName", string("Optional: The name that will show in UI instead of parameter 'Name'")),
            ("description", string("Description of a parameter. Optional.")),
            ("value", string("Value holds the Parameter data. If specified, the generator will be ignored. The value replaces all occurrences of the Parameter ${Name} expression during the Template to Config transformation. Optional.")),
            ("generate", string("generate specifies the generator to be used to generate random string from an input value specified by From field. The result string is stored into Value field. If empty, no generator is being used, leaving the result Value untouched. Optional.\n\nThe only supported generator is \"expression\", which accepts a \"from\" value in the form of a simple regular expression containing the range expression \"[a-zA-Z0-9]\", and the length expression \"a{length}\".\n\nExamples:\n\nfrom             | value ----------------------------- \"test[0-9]{1}x\"  | \"test7x\" \"[0-1]{8}\"       | \"01001100\" \"0x[A-F0-9]{4}\"  | \"0xB3AF\" \"[a-zA-Z0-9]{8}\" | \"hW4yQU5i\"")),
            ("from", string("From is an input value for the generator. Optional.")),
            ("required", boolean("Optional: Indicates the parameter must have a value.  Defaults to false.")),
        ],
    ));
    let (n, v) = kind(g, ver, "Template",
        &format!("Template contains the inputs needed to produce a Config.{COMPAT}"),
        &["objects"],
        vec![
            ("message", string("message is an optional instructional message that will be displayed when this template is instantiated. This field should inform the user how to utilize the newly created resources. Parameter substitution will be performed on the message before being displayed so that generated credentials and other parameters can be included in the output.")),
            ("objects", list_of("objects is an array of resources to include in this template. If a namespace value is hardcoded in the object, it will be removed during template instantiation, however if the namespace value is, or contains, a ${PARAMETER_REFERENCE}, the resolved value after parameter substitution will be respected and the object will be created in that namespace.", "io.k8s.apimachinery.pkg.runtime.RawExtension")),
            ("parameters", list_of("parameters is an optional array of Parameters used during the Template to Config transformation.", &t("Parameter"))),
            ("labels", string_map("labels is a optional set of labels that are applied to every object during the Template to Config transformation.")),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "Template",
        &format!("TemplateList is a list of Template objects.{COMPAT}"),
        "Items is a list of templates",
    );
    s.insert(n, v);
}

fn rbac_schemas(s: &mut BTreeMap<String, Value>) {
    let r = |n: &str| format!("{RBAC}{n}");
    let (g, ver) = ("rbac.authorization.k8s.io", "v1");
    s.insert(r("PolicyRule"), object(
        "PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.",
        &["verbs"],
        vec![
            ("verbs", strings("Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.")),
            ("apiGroups", strings("APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. \"\" represents the core API group and \"*\" represents all API groups.")),
            ("resources", strings("Resources is a list of resources this rule applies to. '*' represents all resources.")),
            ("resourceNames", strings("ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.")),
            ("nonResourceURLs", strings("NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path Since non-resource URLs are not namespaced, this field is only applicable for ClusterRoles referenced from a ClusterRoleBinding. Rules can either apply to API resources (such as \"pods\" or \"secrets\") or non-resource URL paths (such as \"/api\"),  but not both.")),
        ],
    ));
    s.insert(r("Subject"), object(
        "Subject contains a reference to the object or user identities a role binding applies to.  This can either hold a direct API object reference, or a value for non-objects such as user and group names.",
        &["kind", "name"],
        vec![
            ("kind", string("Kind of object being referenced. Values defined by this API group are \"User\", \"Group\", and \"ServiceAccount\". If the Authorizer does not recognized the kind value, the Authorizer should report an error.")),
            ("apiGroup", string("APIGroup holds the API group of the referenced subject. Defaults to \"\" for ServiceAccount subjects. Defaults to \"rbac.authorization.k8s.io\" for User and Group subjects.")),
            ("name", string("Name of the object being referenced.")),
            ("namespace", string("Namespace of the referenced object.  If the object kind is non-namespace, such as \"User\" or \"Group\", and this value is not empty the Authorizer should report an error.")),
        ],
    ));
    s.insert(
        r("RoleRef"),
        object(
            "RoleRef contains information that points to the role being used",
            &["apiGroup", "kind", "name"],
            vec![
                (
                    "apiGroup",
                    string("APIGroup is the group for the resource being referenced"),
                ),
                (
                    "kind",
                    string("Kind is the type of resource being referenced"),
                ),
                (
                    "name",
                    string("Name is the name of resource being referenced"),
                ),
            ],
        ),
    );
    s.insert(r("AggregationRule"), object(
        "AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole",
        &[],
        vec![(
            "clusterRoleSelectors",
            list_of("ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added", &format!("{META}LabelSelector")),
        )],
    ));

    let (n, v) = kind(g, ver, "Role",
        "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.",
        &[],
        vec![("rules", list_of("Rules holds all the PolicyRules for this Role", &r("PolicyRule")))]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "Role",
        "RoleList is a collection of Roles",
        "Items is a list of Roles",
    );
    s.insert(n, v);
    let (n, v) = kind(g, ver, "ClusterRole",
        "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.",
        &[],
        vec![
            ("rules", list_of("Rules holds all the PolicyRules for this ClusterRole", &r("PolicyRule"))),
            ("aggregationRule", json!({ "description": "AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.",
                                        "allOf": [ref_to(&r("AggregationRule"))] })),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "ClusterRole",
        "ClusterRoleList is a collection of ClusterRoles",
        "Items is a list of ClusterRoles",
    );
    s.insert(n, v);
    let (n, v) = kind(g, ver, "RoleBinding",
        "RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.",
        &["roleRef"],
        vec![
            ("subjects", list_of("Subjects holds references to the objects the role applies to.", &r("Subject"))),
            ("roleRef", field("RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.", &r("RoleRef"))),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "RoleBinding",
        "RoleBindingList is a collection of RoleBindings",
        "Items is a list of RoleBindings",
    );
    s.insert(n, v);
    let (n, v) = kind(g, ver, "ClusterRoleBinding",
        "ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.",
        &["roleRef"],
        vec![
            ("subjects", list_of("Subjects holds references to the objects the role applies to.", &r("Subject"))),
            ("roleRef", field("RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.", &r("RoleRef"))),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "ClusterRoleBinding",
        "ClusterRoleBindingList is a collection of ClusterRoleBindings",
        "Items is a list of ClusterRoleBindings",
    );
    s.insert(n, v);
}

fn authorization_schemas(s: &mut BTreeMap<String, Value>) {
    let a = |n: &str| format!("{AUTHORIZATION}{n}");
    s.insert(a("ResourceAttributes"), object(
        "ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface",
        &[],
        vec![
            ("namespace", string("Namespace is the namespace of the action being requested.  Currently, there is no distinction between no namespace and all namespaces \"\" (empty) is defaulted for LocalSubjectAccessReviews \"\" (empty) is empty for cluster-scoped resources \"\" (empty) means \"all\" for namespace scoped resources from a SubjectAccessReview or SelfSubjectAccessReview")),
            ("verb", string("Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  \"*\" means all.")),
            ("group", string("Group is the API Group of the Resource.  \"*\" means all.")),
            ("version", string("Version is the API Version of the Resource.  \"*\" means all.")),
            ("resource", string("Resource is one of the existing resource types.  \"*\" means all.")),
            ("subresource", string("Subresource is one of the existing resource types.  \"\" means none.")),
            ("name", string("Name is the name of the resource being requested for a \"get\" or deleted for a \"delete\". \"\" (empty) means all.")),
        ],
    ));
    s.insert(a("NonResourceAttributes"), object(
        "NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface",
        &[],
        vec![
            ("path", string("Path is the URL path of the request")),
            ("verb", string("Verb is the standard HTTP verb")),
        ],
    ));
    s.insert(a("SelfSubjectAccessReviewSpec"), object(
        "SelfSubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set",
        &[],
        vec![
            ("resourceAttributes", json!({ "description": "ResourceAuthorizationAttributes describes information for a resource access request",
                                           "allOf": [ref_to(&a("ResourceAttributes"))] })),
            ("nonResourceAttributes", json!({ "description": "NonResourceAttributes describes information for a non-resource access request",
                                              "allOf": [ref_to(&a("NonResourceAttributes"))] })),
        ],
    ));
    s.insert(a("SubjectAccessReviewStatus"), object(
        "SubjectAccessReviewStatus",
        &["allowed"],
        vec![
            ("allowed", boolean("Allowed is required. True if the action would be allowed, false otherwise.")),
            ("denied", boolean("Denied is optional. True if the action would be denied, otherwise false. If both allowed is false and denied is false, then the authorizer has no opinion on whether to authorize the action. Denied may not be true if Allowed is true.")),
            ("reason", string("Reason is optional.  It indicates why a request was allowed or denied.")),
            ("evaluationError", string("EvaluationError is an indication that some error occurred during the authorization check. It is entirely possible to get an error and be able to continue determine authorization status in spite of it. For instance, RBAC can be missing a role, but enough roles are still present and bound to reason about the request.")),
        ],
    ));
    let (n, v) = kind("authorization.k8s.io", "v1", "SelfSubjectAccessReview",
        "SelfSubjectAccessReview checks whether or the current user can perform an action.  Not filling in a spec.namespace means \"in all namespaces\".  Self is a special case, because users should always be able to check whether they can perform an action",
        &["spec"],
        vec![
            ("spec", field("Spec holds information about the request being evaluated.  user and groups must be empty", &a("SelfSubjectAccessReviewSpec"))),
            ("status", field("Status is filled in by the server and indicates whether the request is allowed or not", &a("SubjectAccessReviewStatus"))),
        ]);
    s.insert(n, v);
}

fn user_schemas(s: &mut BTreeMap<String, Value>) {
    let (g, ver) = ("user.openshift.io", "v1");
    let (n, v) = kind(g, ver, "User",
        &format!("Upon log in, every user of the system receives a User and Identity resource. Administrators may directly manipulate the attributes of the users for their own tracking, or set groups via the API. The user name is unique and is chosen based on the value provided by the identity provider - if a user already exists with the incoming name, the user name may have a number appended to it depending on the configuration of the system.{COMPAT}"),
        &["groups"],
        vec![
            ("fullName", string("FullName is the full name of user")),
            ("identities", strings("Identities are the identities associated with this user")),
            ("groups", strings("Groups specifies group names this user is a member of. This field is deprecated and will be removed in a future release. Instead, create a Group object containing the name of this User.")),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "User",
        &format!("UserList is a collection of Users{COMPAT}"),
        "Items is the list of users",
    );
    s.insert(n, v);
    let (n, v) = kind(
        g,
        ver,
        "Group",
        &format!("Group represents a referenceable set of Users{COMPAT}"),
        &["users"],
        vec![(
            "users",
            strings("Users is the list of users in this group."),
        )],
    );
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "Group",
        &format!("GroupList is a collection of Groups{COMPAT}"),
        "Items is the list of groups",
    );
    s.insert(n, v);
}

fn oauth_schemas(s: &mut BTreeMap<String, Value>) {
    let (g, ver) = ("oauth.openshift.io", "v1");
    let (n, v) = kind(g, ver, "OAuthAccessToken",
        &format!("OAuthAccessToken describes an OAuth access token. The name of a token must be prefixed with a `sha256~` string, must not contain \"/\" or \"%\" characters and must be at least 32 characters long.\n\nThe name of the token is constructed from the actual token by sha256-hashing it and using URL-safe unpadded base64-encoding (as described in RFC4648) on the hashed result.{COMPAT}"),
        &[],
        vec![
            ("clientName", string("ClientName references the client that created this token.")),
            ("expiresIn", int64("ExpiresIn is the seconds from CreationTime before this token expires.")),
            ("scopes", strings("Scopes is an array of the requested scopes.")),
            ("redirectURI", string("RedirectURI is the redirection associated with the token.")),
            ("userName", string("UserName is the user name associated with this token")),
            ("userUID", string("UserUID is the unique UID associated with this token")),
            ("authorizeToken", string("AuthorizeToken contains the token that authorized this token")),
            ("refreshToken", string("RefreshToken is the value by which this token can be renewed. Can be blank.")),
            ("inactivityTimeoutSeconds", int32("InactivityTimeoutSeconds is the value in seconds, from the CreationTimestamp, after which this token can no longer be used. The value is automatically incremented when the token is used.")),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "OAuthAccessToken",
        &format!("OAuthAccessTokenList is a collection of OAuth access tokens{COMPAT}"),
        "Items is the list of OAuth access tokens",
    );
    s.insert(n, v);
}

fn project_schemas(s: &mut BTreeMap<String, Value>) {
    let p = |n: &str| format!("{PROJECT}{n}");
    let (g, ver) = ("project.openshift.io", "v1");
    s.insert(p("ProjectSpec"), object(
        "ProjectSpec describes the attributes on a Project",
        &[],
        vec![("finalizers", strings("Finalizers is an opaque list of values that must be empty to permanently remove object from storage"))],
    ));
    s.insert(p("ProjectStatus"), object(
        "ProjectStatus is information about the current status of a Project",
        &[],
        vec![
            ("phase", enum_string("Phase is the current lifecycle phase of the project", &["Active", "Terminating"])),
            ("conditions", list_of("Represents the latest available observations of the project current state.", &format!("{CORE}NamespaceCondition"))),
        ],
    ));
    let (n, v) = kind(g, ver, "Project",
        &format!("Projects are the unit of isolation and collaboration in OpenShift. A project has one or more members, a quota on the resources that the project may consume, and the security controls on the resources in the project. Within a project, members may have different roles - project administrators can set membership, editors can create and manage the resources, and viewers can see but not access running containers. In a normal cluster project administrators are not able to alter their quotas - that is restricted to cluster administrators.\n\nListing or watching projects will return only projects the user has the reader role on.\n\nAn OpenShift project is an alternative representation of a Kubernetes namespace. Projects are exposed as editable to end users while namespaces are not. Direct creation of a project is typically restricted to administrators, while end users should use the requestproject resource.{COMPAT}"),
        &[],
        vec![
            ("spec", field("Spec defines the behavior of the Namespace.", &p("ProjectSpec"))),
            ("status", field("Status describes the current status of a Namespace", &p("ProjectStatus"))),
        ]);
    s.insert(n, v);
    let (n, v) = list_kind(
        g,
        ver,
        "Project",
        &format!("ProjectList is a list of Project objects.{COMPAT}"),
        "Items is the list of projects",
    );
    s.insert(n, v);
    let (n, v) = kind(g, ver, "ProjectRequest",
        &format!("ProjectRequest is the set of options necessary to fully qualify a project request{COMPAT}"),
        &[],
        vec![
            ("displayName", string("DisplayName is the display name to apply to a project")),
            ("description", string("Description is the description to apply to a project")),
        ]);
    s.insert(n, v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_names_a_known_schema() {
        let all = schemas();
        for (name, schema) in all {
            let mut r = Vec::new();
            refs(schema, &mut r);
            for target in r {
                assert!(
                    all.contains_key(&target),
                    "{name} refers to unknown {target}"
                );
            }
        }
    }

    #[test]
    fn kinds_are_named_as_the_real_servers_name_them() {
        for ((group, kind), want) in [
            (("", "ServiceAccount"), "io.k8s.api.core.v1.ServiceAccount"),
            (
                ("rbac.authorization.k8s.io", "Role"),
                "io.k8s.api.rbac.v1.Role",
            ),
            (
                ("authorization.k8s.io", "SelfSubjectAccessReview"),
                "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
            ),
            (
                ("user.openshift.io", "User"),
                "com.github.openshift.api.user.v1.User",
            ),
            (
                ("oauth.openshift.io", "OAuthAccessToken"),
                "com.github.openshift.api.oauth.v1.OAuthAccessToken",
            ),
            (
                ("project.openshift.io", "Project"),
                "com.github.openshift.api.project.v1.Project",
            ),
        ] {
            assert_eq!(kind_schema_name(group, "v1", kind), want);
        }
    }

    #[test]
    fn every_served_kind_and_list_has_a_schema() {
        for rt in crate::resources::RESOURCES {
            let name = kind_schema_name(rt.group, rt.version, rt.kind);
            let schema = schemas().get(&name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(
                schema["x-kubernetes-group-version-kind"][0]["kind"], rt.kind,
                "{name}"
            );
            if rt.verbs.contains(&"list") {
                let list = kind_schema_name(rt.group, rt.version, &format!("{}List", rt.kind));
                assert!(schemas().contains_key(&list), "{list}");
            }
        }
    }

    #[test]
    fn no_list_has_a_patch_merge_key() {
        let text = serde_json::to_string(&schemas()).unwrap();
        assert!(!text.contains("x-kubernetes-patch"), "see the module doc");
    }

    #[test]
    fn closure_pulls_in_what_a_kind_references() {
        let got = closure([format!("{IMAGE}ImageStream").as_str()]);
        for n in [
            format!("{META}ObjectMeta"),
            format!("{META}Time"),
            format!("{IMAGE}TagReference"),
            format!("{CORE}ObjectReference"),
            format!("{IMAGE}TagEvent"),
        ] {
            assert!(got.contains_key(&n), "{n}");
        }
        assert!(!got.contains_key(&format!("{IMAGE}Image")));
    }
}
