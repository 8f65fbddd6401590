//! Object metadata and the per-resource rules for create and update: what the server stamps
//! (uid, creationTimestamp, generation), what a client may not change, and name validation.
//! Pure functions over JSON; the clock and the uid are passed in.

use serde_json::{json, Map, Value};

use wharf_domain::stream_spec;

use crate::resources::ResourceType;
use crate::status::{ApiError, Cause};

/// What the server decides for a new object.
pub struct Stamp {
    pub uid: String,
    pub now: String,
}

pub fn name_of(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/name").and_then(Value::as_str)
}

pub fn namespace_of(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/namespace").and_then(Value::as_str)
}

pub fn resource_version_of(obj: &Value) -> Result<Option<u64>, ApiError> {
    match obj
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
    {
        None | Some("") => Ok(None),
        Some(rv) => rv.parse().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid resourceVersion {rv:?}: expected one read from this server"
            ))
        }),
    }
}

fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("metadata is an object")
}

/// DNS-1123 subdomain (most names), label (namespaces), or path segment (images).
fn name_problem(rt: &ResourceType, name: &str) -> Option<String> {
    if rt.plural == "imagestreams" {
        return wharf_domain::stream_spec::name_problem(name);
    }
    // Image names are manifest digests (`sha256:…`), role names have colons
    // (`system:image-puller`), users `kube:admin`, tokens `sha256~…`: these are checked as
    // path segment names only, as Kubernetes and OpenShift do.
    let path_segment = rt.plural == "images"
        || matches!(
            rt.group,
            "rbac.authorization.k8s.io" | "user.openshift.io" | "oauth.openshift.io"
        );
    if path_segment {
        return match name {
            "" => Some("name or generateName is required".into()),
            "." | ".." => Some(format!("may not be '{name}'")),
            _ if name.contains('/') => Some("may not contain '/'".into()),
            _ if name.contains('%') => Some("may not contain '%'".into()),
            _ => None,
        };
    }
    let label = rt.plural == "namespaces";
    let max = if label { 63 } else { 253 };
    let b = name.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ok = !b.is_empty()
        && b.len() <= max
        && alnum(b[0])
        && alnum(b[b.len() - 1])
        && b.iter()
            .all(|&c| alnum(c) || c == b'-' || (!label && c == b'.'));
    if ok {
        return None;
    }
    Some(if label {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".into()
    } else {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into()
    })
}

/// Whether `name` is a valid name for `rt`.
pub fn valid_name(rt: &ResourceType, name: &str) -> bool {
    name_problem(rt, name).is_none()
}

/// Checks kind/apiVersion against the endpoint and fills them in when absent.
pub fn check_type(rt: &ResourceType, obj: &mut Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    for (field, want) in [
        ("kind", rt.kind.to_string()),
        ("apiVersion", rt.api_version()),
    ] {
        match obj.get(field).and_then(Value::as_str) {
            None | Some("") => obj[field] = want.into(),
            Some(got) if got == want => {}
            // Legacy OpenShift manifests (`apiVersion: v1`, `kind: Template`) are the group's.
            Some("v1")
                if field == "apiVersion"
                    && wharf_domain::template::legacy_kind_group(rt.kind) == Some(rt.group) =>
            {
                obj[field] = want.into()
            }
            Some(got) => {
                return Err(ApiError::bad_request(format!(
                    "the API version or kind in the request body ({got}) does not match the endpoint ({want})"
                )))
            }
        }
    }
    Ok(())
}

/// Prepares a new object: name (or generateName), namespace, server-owned metadata, the
/// resource's rules. `suffix` completes a generateName.
pub fn prepare_create(
    rt: &ResourceType,
    namespace: &str,
    obj: &mut Value,
    stamp: &Stamp,
    suffix: &str,
) -> Result<String, ApiError> {
    check_type(rt, obj)?;
    if let Some(ns) = namespace_of(obj) {
        if rt.namespaced && !ns.is_empty() && ns != namespace {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    let generate = obj
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = match (name_of(obj).filter(|n| !n.is_empty()), generate) {
        (Some(n), _) => n.to_string(),
        (None, Some(g)) if !g.is_empty() => format!("{g}{suffix}"),
        _ => {
            return Err(ApiError::invalid(
                rt,
                "",
                vec![Cause::required("metadata.name")],
            ))
        }
    };
    if let Some(problem) = name_problem(rt, &name) {
        return Err(ApiError::invalid(
            rt,
            &name,
            vec![Cause::invalid("metadata.name", &name, &problem)],
        ));
    }
    let md = metadata_mut(obj);
    md.insert("name".into(), name.clone().into());
    if rt.namespaced {
        md.insert("namespace".into(), namespace.into());
    } else {
        md.remove("namespace");
    }
    md.insert("uid".into(), stamp.uid.clone().into());
    md.insert("creationTimestamp".into(), stamp.now.clone().into());
    md.remove("resourceVersion");
    md.remove("deletionTimestamp");
    md.remove("selfLink");
    if rt.has_status && rt.plural != "namespaces" {
        md.insert("generation".into(), 1.into());
        // A client cannot create status; the server derives it.
        obj["status"] = json!({});
    }
    if rt.plural == "namespaces" {
        obj["status"] = json!({ "phase": "Active" });
        if !obj.get("spec").is_some_and(Value::is_object) {
            obj["spec"] = json!({ "finalizers": ["kubernetes"] });
        }
    }
    if is_image_stream(rt) {
        stream_spec::normalize_tags(obj);
        stream_spec::generations_on_create(obj);
        check_stream(rt, namespace, obj)?;
    }
    check_template(rt, obj)?;
    Ok(name)
}

fn is_template(rt: &ResourceType) -> bool {
    rt.group == "template.openshift.io" && rt.kind == "Template"
}

/// The server's Template rules (parameter names, labels), as an `Invalid` error.
pub fn check_template(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if !is_template(rt) {
        return Ok(());
    }
    let errors = wharf_domain::template::validate_template_body(obj);
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid_fields(
        rt,
        name_of(obj).unwrap_or_default(),
        &errors,
    ))
}

fn is_image_stream(rt: &ResourceType) -> bool {
    rt.group == "image.openshift.io" && rt.plural == "imagestreams"
}

/// The image-stream rules of spec §2.7, as an `Invalid` error.
fn check_stream(rt: &ResourceType, namespace: &str, obj: &Value) -> Result<(), ApiError> {
    let errors = stream_spec::validate(obj, namespace);
    if errors.is_empty() {
        return Ok(());
    }
    let causes = errors.into_iter().map(Cause::from).collect();
    Err(ApiError::invalid(
        rt,
        name_of(obj).unwrap_or_default(),
        causes,
    ))
}

/// Prepares a replacement of `old` by `new` through the main resource (`status == false`) or
/// the status subresource. Server-owned metadata is kept; the other half of the object is kept.
pub fn prepare_update(
    rt: &ResourceType,
    old: &Value,
    new: &mut Value,
    status: bool,
) -> Result<(), ApiError> {
    check_type(rt, new)?;
    let name = name_of(old).unwrap_or_default().to_string();
    match name_of(new) {
        Some(n) if n == name => {}
        None | Some("") => {
            metadata_mut(new).insert("name".into(), name.clone().into());
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({other}) does not match the name on the URL ({name})"
            )))
        }
    }
    if status {
        // Status writes change only status.
        let new_status = new.get("status").cloned().unwrap_or(json!({}));
        *new = old.clone();
        new["status"] = new_status;
        return Ok(());
    }
    let md = metadata_mut(new);
    for field in ["uid", "creationTimestamp", "namespace", "generation"] {
        match old.pointer(&format!("/metadata/{field}")) {
            Some(v) => md.insert(field.into(), v.clone()),
            None => md.remove(field),
        };
    }
    md.remove("resourceVersion");
    if is_image_stream(rt) {
        new["status"] = old.get("status").cloned().unwrap_or(json!({}));
        let namespace = old
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        stream_spec::normalize_tags(new);
        stream_spec::generations_on_update(old, new, &namespace);
        return check_stream(rt, &namespace, new);
    }
    check_template(rt, new)?;
    if rt.has_status {
        new["status"] = old.get("status").cloned().unwrap_or(json!({}));
        if rt.plural != "namespaces" && old.get("spec") != new.get("spec") {
            let generation = old
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                + 1;
            metadata_mut(new).insert("generation".into(), generation.into());
        }
    }
    Ok(())
}

/// The object as served: the stored JSON with its resourceVersion.
pub fn served(mut value: Value, resource_version: u64) -> Value {
    metadata_mut(&mut value).insert(
        "resourceVersion".into(),
        resource_version.to_string().into(),
    );
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::find;

    fn stamp() -> Stamp {
        Stamp {
            uid: "u-1".into(),
            now: "2026-11-23T00:00:00Z".into(),
        }
    }

    #[test]
    fn create_stamps_metadata_and_discards_status() {
        let rt = find("image.openshift.io", "v1", "imagestreams").unwrap();
        let mut obj = json!({"metadata": {"name": "app", "resourceVersion": "9"}, "spec": {}, "status": {"tags": []}});
        assert_eq!(
            prepare_create(rt, "demo", &mut obj, &stamp(), "x").unwrap(),
            "app"
        );
        assert_eq!(obj["kind"], "ImageStream");
        assert_eq!(obj["apiVersion"], "image.openshift.io/v1");
        assert_eq!(obj["metadata"]["namespace"], "demo");
        assert_eq!(obj["metadata"]["generation"], 1);
        assert_eq!(obj["metadata"]["uid"], "u-1");
        assert!(obj["metadata"].get("resourceVersion").is_none());
        assert_eq!(obj["status"], json!({}));
    }

    #[test]
    fn generate_name_and_invalid_names() {
        let rt = find("image.openshift.io", "v1", "imagestreams").unwrap();
        let mut obj = json!({"metadata": {"generateName": "app-"}});
        assert_eq!(
            prepare_create(rt, "demo", &mut obj, &stamp(), "abcde").unwrap(),
            "app-abcde"
        );
        let e = prepare_create(
            rt,
            "demo",
            &mut json!({"metadata": {"name": "Bad_Name"}}),
            &stamp(),
            "",
        )
        .unwrap_err();
        assert_eq!(e.code, 422);
        assert!(e.message.starts_with("ImageStream.image.openshift.io \"Bad_Name\" is invalid: metadata.name: Invalid value"), "{}", e.message);
        let e = prepare_create(rt, "demo", &mut json!({"metadata": {}}), &stamp(), "").unwrap_err();
        assert!(
            e.message.contains("metadata.name: Required value"),
            "{}",
            e.message
        );
        let e = prepare_create(
            rt,
            "demo",
            &mut json!({"kind": "Image", "metadata": {"name": "a"}}),
            &stamp(),
            "",
        )
        .unwrap_err();
        assert_eq!(e.code, 400);
    }

    #[test]
    fn spec_changes_bump_generation_and_status_is_kept() {
        let rt = find("image.openshift.io", "v1", "imagestreams").unwrap();
        let old = json!({"kind": "ImageStream", "apiVersion": "image.openshift.io/v1",
            "metadata": {"name": "app", "uid": "u", "generation": 3, "creationTimestamp": "t"},
            "spec": {"tags": []}, "status": {"tags": [1]}});
        let mut same = json!({"metadata": {"name": "app"}, "spec": {"tags": []}, "status": {}});
        prepare_update(rt, &old, &mut same, false).unwrap();
        assert_eq!(same["metadata"]["generation"], 3);
        assert_eq!(same["status"], json!({"tags": [1]}));
        assert_eq!(same["metadata"]["uid"], "u");
        let mut changed = json!({"metadata": {"name": "app"}, "spec": {"tags": [{"name": "x"}]}});
        prepare_update(rt, &old, &mut changed, false).unwrap();
        assert_eq!(changed["metadata"]["generation"], 4);
        let mut status_only = json!({"metadata": {"name": "app"}, "spec": {"changed": true}, "status": {"tags": [2]}});
        prepare_update(rt, &old, &mut status_only, true).unwrap();
        assert_eq!(status_only["spec"], json!({"tags": []}));
        assert_eq!(status_only["status"], json!({"tags": [2]}));
        assert!(
            prepare_update(rt, &old, &mut json!({"metadata": {"name": "other"}}), false).is_err()
        );
    }
}
