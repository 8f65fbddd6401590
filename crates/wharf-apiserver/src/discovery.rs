//! Discovery: `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`,
//! `/version` — what kubectl and client libraries read before anything else. Plain (not
//! aggregated) discovery documents; kubectl falls back to them.

use serde_json::{json, Value};

use crate::openapi;
use crate::resources::{ResourceType, GROUPS, RESOURCES};

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": concat!("v1.32.0-wharf-", env!("CARGO_PKG_VERSION")),
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

pub fn core_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    })
}

fn group_entry(group: &str, version: &str) -> Value {
    let gv = json!({ "groupVersion": format!("{group}/{version}"), "version": version });
    json!({ "name": group, "versions": [gv.clone()], "preferredVersion": gv })
}

pub fn groups() -> Value {
    let groups: Vec<Value> = GROUPS.iter().map(|(g, v)| group_entry(g, v)).collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

pub fn group(name: &str) -> Option<Value> {
    GROUPS.iter().find(|(g, _)| *g == name).map(|(g, v)| {
        let mut e = group_entry(g, v);
        e["kind"] = "APIGroup".into();
        e["apiVersion"] = "v1".into();
        e
    })
}

fn resource_entries(rt: &ResourceType) -> Vec<Value> {
    let mut out = vec![json!({
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": rt.verbs,
        "shortNames": rt.short_names,
    })];
    if rt.has_status {
        out.push(json!({
            "name": format!("{}/status", rt.plural),
            "singularName": "",
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": ["get", "patch", "update"],
        }));
    }
    if rt.group == "image.openshift.io" && rt.plural == "imagestreams" {
        for (sub, kind) in [("layers", "ImageStreamLayers"), ("secrets", "SecretList")] {
            out.push(json!({
                "name": format!("imagestreams/{sub}"),
                "singularName": "",
                "namespaced": true,
                "kind": kind,
                "verbs": ["get"],
            }));
        }
    }
    out
}

/// The resource list of `group`/`version` (`""` for core).
pub fn resources(group: &str, version: &str) -> Option<Value> {
    let served: Vec<&ResourceType> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if served.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = served.into_iter().flat_map(resource_entries).collect();
    Some(
        json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources }),
    )
}

/// The group-version path segment OpenAPI v3 uses: `api/v1` or `apis/<group>/<version>`.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The OpenAPI v3 documents by group-version path, built once: they follow from the static
/// resource tables, and kubectl reads the root on every command.
fn openapi_documents() -> &'static std::collections::BTreeMap<String, Value> {
    static DOCS: std::sync::OnceLock<std::collections::BTreeMap<String, Value>> =
        std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        let mut gvs: Vec<(&str, &str)> = RESOURCES.iter().map(|r| (r.group, r.version)).collect();
        gvs.sort_unstable();
        gvs.dedup();
        gvs.into_iter()
            .filter_map(|(g, v)| {
                let p = gv_path(g, v);
                build_openapi_v3(&p).map(|doc| (p, doc))
            })
            .collect()
    })
}

/// `/openapi/v3`: one document per group-version. Each URL carries a hash of its document, so
/// kubectl's cache (keyed by URL) refreshes whenever the content changes.
pub fn openapi_v3_root() -> &'static Value {
    static ROOT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let paths: serde_json::Map<String, Value> = openapi_documents()
            .iter()
            .map(|(p, doc)| {
                let url = format!("/openapi/v3/{p}?hash={}", content_hash(doc));
                (p.clone(), json!({ "serverRelativeURL": url }))
            })
            .collect();
        json!({ "paths": paths })
    })
}

/// `/openapi/v3/<api/v1 | apis/group/version>`, or `None` for a group-version not served.
pub fn openapi_v3(gv: &str) -> Option<&'static Value> {
    openapi_documents().get(gv)
}

/// FNV-1a (64-bit) of the document's JSON, in hex: stable across builds and platforms.
fn content_hash(doc: &Value) -> String {
    let text = doc.to_string();
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{h:016X}")
}

/// `/openapi/v3/<api/v1 | apis/group/version>`: the collection and item paths of each served
/// kind, with operations tagged `x-kubernetes-group-version-kind` and the query parameters the
/// server honours — among them `fieldValidation`, which tells kubectl to leave validation to
/// the server. `components.schemas` holds each served kind's full schema (and its list's) with
/// every schema they reference, so `kubectl explain` can describe every field.
fn build_openapi_v3(gv: &str) -> Option<Value> {
    let served: Vec<&ResourceType> = RESOURCES
        .iter()
        .filter(|r| gv_path(r.group, r.version) == gv)
        .collect();
    if served.is_empty() {
        return None;
    }
    let param = |name: &str| json!({ "name": name, "in": "query", "schema": { "type": "string" }, "uniqueItems": true });
    let write_params = json!([
        param("dryRun"),
        param("fieldManager"),
        param("fieldValidation")
    ]);
    let mut paths = serde_json::Map::new();
    let mut roots = Vec::new();
    for rt in served {
        let gvk = json!({ "group": rt.group, "version": rt.version, "kind": rt.kind });
        let op = |action: &str| {
            json!({
                "operationId": format!("{action}{}", rt.kind),
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk,
                "parameters": write_params,
                "responses": { "200": { "description": "OK" } },
            })
        };
        let base = if rt.namespaced {
            format!("/{gv}/namespaces/{{namespace}}/{}", rt.plural)
        } else {
            format!("/{gv}/{}", rt.plural)
        };
        paths.insert(
            base.clone(),
            json!({ "post": op("post"), "get": op("list") }),
        );
        paths.insert(
            format!("{base}/{{name}}"),
            json!({ "get": op("get"), "put": op("put"), "patch": op("patch"), "delete": op("delete") }),
        );
        roots.push(openapi::kind_schema_name(rt.group, rt.version, rt.kind));
        if rt.verbs.contains(&"list") {
            let list = format!("{}List", rt.kind);
            roots.push(openapi::kind_schema_name(rt.group, rt.version, &list));
        }
    }
    let schemas = openapi::closure(roots.iter().map(String::as_str));
    Some(json!({
        "openapi": "3.0.0",
        "info": { "title": "Wharf", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": { "schemas": schemas },
    }))
}
