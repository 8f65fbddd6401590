//! Verbs over objects from manifests and names: `create -f`, `apply -f`, `delete`, and
//! `create secret docker-registry`. Manifests are JSON or YAML (several documents, or a
//! `List`), read from files, directories or stdin (`-`).
//!
//! `apply` is kubectl's client-side apply in its JSON-merge-patch form (what kubectl uses for
//! types it has no strategic-merge schema for, such as OpenShift's): the last applied manifest
//! is kept in the `kubectl.kubernetes.io/last-applied-configuration` annotation, and a
//! three-way patch ([`three_way_merge_patch`]) removes what the manifest dropped and sets what
//! it changed, leaving fields other writers own (status, defaults) alone. kubectl and wharf
//! can apply the same objects in turn.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::client::{error, CliError, CliResult, Client, Resource};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Reads every object in `sources` (files, directories of .json/.yaml/.yml, or `-`).
pub fn read_manifests(sources: &[String]) -> CliResult<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for source in sources {
        let path = Path::new(source);
        let files: Vec<std::path::PathBuf> = if source == "-" {
            vec![path.to_path_buf()]
        } else if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| error(format!("cannot read {source}: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
                })
                .collect();
            entries.sort();
            entries
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let shown = file.display().to_string();
            let mut text = String::new();
            let read = if source == "-" {
                std::io::stdin().read_to_string(&mut text)
            } else {
                std::fs::File::open(&file).and_then(|mut f| f.read_to_string(&mut text))
            };
            read.map_err(|e| error(format!("the path \"{shown}\" cannot be read: {e}")))?;
            for doc in
                parse_documents(&text).map_err(|e| error(format!("error parsing {shown}: {e}")))?
            {
                flatten_list(doc, &shown, &mut out);
            }
        }
    }
    Ok(out)
}

/// JSON, or YAML with any number of `---`-separated documents (empty ones skipped).
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text)
            .map(|v| vec![v])
            .map_err(|e| e.to_string());
    }
    let mut docs = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let v = Value::deserialize(de).map_err(|e| e.to_string())?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

fn flatten_list(doc: Value, source: &str, out: &mut Vec<(String, Value)>) {
    let is_list =
        doc["kind"].as_str().is_some_and(|k| k.ends_with("List")) && doc["items"].is_array();
    if is_list {
        for item in doc["items"].as_array().into_iter().flatten() {
            flatten_list(item.clone(), source, out);
        }
    } else {
        out.push((source.to_string(), doc));
    }
}

/// The resource of a manifest's object and the namespace it goes to.
fn target(
    client: &Client,
    current: &str,
    obj: &mut Value,
    source: &str,
) -> CliResult<(Resource, Option<String>, String)> {
    let kind = obj["kind"].as_str().unwrap_or("").to_string();
    let api_version = obj["apiVersion"].as_str().unwrap_or("").to_string();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind.is_empty() || api_version.is_empty() {
        return Err(error(format!(
            "error validating \"{source}\": error validating data: [apiVersion not set, kind not set]; an object needs both"
        )));
    }
    let r = client.resource_for_kind(&api_version, &kind)?;
    obj["apiVersion"] = r.api_version().into();
    let ns = if r.namespaced {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(current)
            .to_string();
        Some(ns)
    } else {
        None
    };
    Ok((r, ns, name))
}

/// `wharf create -f`: POSTs each object; prints `<kind>.<group>/<name> created`.
pub fn create(client: &Client, current: &str, files: &[String]) -> CliResult<()> {
    let mut failed = Vec::new();
    for (source, mut obj) in read_manifests(files)? {
        let result = target(client, current, &mut obj, &source).and_then(|(r, ns, _)| {
            let made = client.post(&r.path(ns.as_deref()), &obj)?;
            let name = made["metadata"]["name"].as_str().unwrap_or("").to_string();
            println!("{}/{name} created", r.qualified_singular());
            Ok(())
        });
        if let Err(e) = result {
            failed.push(e.0);
        }
    }
    finish(failed)
}

/// Like kubectl: every object is tried; the errors are printed at the end and exit 1.
fn finish(failed: Vec<String>) -> CliResult<()> {
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError(failed.join("\n")))
    }
}

/// The patch that turns `current` into `modified`, deleting what `original` (the last applied
/// manifest) had and `modified` no longer has. Objects merge key by key; anything else
/// (lists included) is replaced whole, as JSON merge patch does, unless the manifest did not
/// change it since the last apply and the live value still contains it.
pub fn three_way_merge_patch(original: &Value, modified: &Value, current: &Value) -> Value {
    let mut patch = Map::new();
    if let (Some(m), Some(c)) = (modified.as_object(), current.as_object()) {
        let o = original.as_object();
        for (k, mv) in m {
            let ov = o.and_then(|o| o.get(k)).unwrap_or(&Value::Null);
            match c.get(k) {
                Some(cv) if cv == mv => {}
                // Unchanged since the last apply and still there, with whatever defaults the
                // server added (e.g. the generation of each spec tag): nothing to send.
                // kubectl would resend such a list on every apply.
                Some(cv) if ov == mv && contains(cv, mv) => {}
                Some(cv) if mv.is_object() && cv.is_object() => {
                    let sub = three_way_merge_patch(ov, mv, cv);
                    if sub.as_object().is_some_and(|s| !s.is_empty()) {
                        patch.insert(k.clone(), sub);
                    }
                }
                _ => {
                    patch.insert(k.clone(), mv.clone());
                }
            }
        }
        if let Some(o) = o {
            for k in o.keys() {
                if !m.contains_key(k) && c.contains_key(k) {
                    patch.insert(k.clone(), Value::Null);
                }
            }
        }
    }
    Value::Object(patch)
}

/// Whether `live` says everything `wanted` says: objects may have more keys, lists must have
/// the same length with each element containing the wanted one.
fn contains(live: &Value, wanted: &Value) -> bool {
    match (live, wanted) {
        (Value::Object(l), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| l.get(k).is_some_and(|lv| contains(lv, wv)) || wv.is_null()),
        (Value::Array(l), Value::Array(w)) => {
            l.len() == w.len() && l.iter().zip(w).all(|(lv, wv)| contains(lv, wv))
        }
        (l, w) => l == w,
    }
}

/// The object to send, carrying its own last-applied record in kubectl's form (metadata with
/// the namespace and an `annotations` map, keys sorted), so kubectl and wharf see each
/// other's records as equal.
fn with_last_applied(obj: &Value, ns: Option<&str>) -> Value {
    let mut recorded = obj.clone();
    if let Some(ns) = ns {
        recorded["metadata"]["namespace"] = ns.into();
    }
    if !recorded["metadata"]["annotations"].is_object() {
        recorded["metadata"]["annotations"] = json!({});
    }
    if let Some(a) = recorded["metadata"]["annotations"].as_object_mut() {
        a.remove(LAST_APPLIED);
    }
    let mut annotated = recorded.clone();
    annotated["metadata"]["annotations"][LAST_APPLIED] = format!("{recorded}\n").into();
    annotated
}

/// `wharf apply -f`: creates what is missing, patches what differs (three-way, against the
/// last applied manifest), and says `created`, `configured` or `unchanged` per object.
pub fn apply(client: &Client, current: &str, files: &[String]) -> CliResult<()> {
    let mut failed = Vec::new();
    for (source, mut obj) in read_manifests(files)? {
        let result = target(client, current, &mut obj, &source)
            .and_then(|(r, ns, name)| apply_one(client, &r, ns.as_deref(), &name, &obj));
        if let Err(e) = result {
            failed.push(e.0);
        }
    }
    finish(failed)
}

fn apply_one(
    client: &Client,
    r: &Resource,
    ns: Option<&str>,
    name: &str,
    obj: &Value,
) -> CliResult<()> {
    let shown = format!("{}/{name}", r.qualified_singular());
    let item = format!("{}/{name}", r.path(ns));
    let modified = with_last_applied(obj, ns);
    // As kubectl's apply: a write that lost a race (a controller updated the object between
    // our read and our write) is redone from a fresh read, a few times.
    const ATTEMPTS: usize = 5;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let live = match client.get(&item, "application/json") {
            Ok(v) => v,
            Err(e) if e.is_not_found() => {
                client.post(&r.path(ns), &modified)?;
                println!("{shown} created");
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let original = live
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(LAST_APPLIED))
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        let mut patch = three_way_merge_patch(&original, &modified, &live);
        if patch.as_object().is_some_and(Map::is_empty) {
            println!("{shown} unchanged");
            return Ok(());
        }
        // The write is conditional on what was read, so a concurrent change is not overwritten.
        patch["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
        match client.patch(&item, "application/merge-patch+json", &patch) {
            Ok(_) => {
                println!("{shown} configured");
                return Ok(());
            }
            Err(e) if e.is_conflict() && attempt < ATTEMPTS => continue,
            Err(e) => return Err(e),
        }
    }
}

/// `wharf delete TYPE NAME...`, `wharf delete TYPE/NAME...` or `wharf delete -f FILE`.
pub fn delete(client: &Client, current: &str, args: &[String], files: &[String]) -> CliResult<()> {
    let mut targets: Vec<(Resource, Option<String>, String)> = Vec::new();
    if !files.is_empty() {
        for (source, mut obj) in read_manifests(files)? {
            targets.push(target(client, current, &mut obj, &source)?);
        }
    } else {
        let typed: Vec<(String, String)> = match args {
            [] => return Err(error("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")),
            [kind, names @ ..] if !kind.contains('/') => {
                if names.is_empty() {
                    return Err(error(format!("resource(s) were provided, but no name was specified: name the {kind} to delete")));
                }
                names.iter().map(|n| (kind.clone(), n.clone())).collect()
            }
            all => all
                .iter()
                .map(|a| match a.split_once('/') {
                    Some((k, n)) if !n.is_empty() => Ok((k.to_string(), n.to_string())),
                    _ => Err(error(format!("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'wharf delete TYPE/NAME' instead of 'wharf delete TYPE TYPE/NAME'): {a}"))),
                })
                .collect::<CliResult<_>>()?,
        };
        for (kind, name) in typed {
            let r = client.resource(&kind)?;
            let ns = r.namespaced.then(|| current.to_string());
            targets.push((r, ns, name));
        }
    }
    let mut failed = Vec::new();
    for (r, ns, name) in targets {
        match client.delete(&format!("{}/{name}", r.path(ns.as_deref()))) {
            Ok(_) => println!("{} \"{name}\" deleted", r.qualified_singular()),
            Err(e) => failed.push(e.0),
        }
    }
    finish(failed)
}

/// The `.dockerconfigjson` of a docker-registry secret: one registry, its credentials and the
/// `auth` field registries and podman read (base64 of `user:password`).
pub fn docker_config_json(server: &str, username: &str, password: &str, email: &str) -> Value {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    let mut entry = json!({ "username": username, "password": password, "auth": auth });
    if !email.is_empty() {
        entry["email"] = email.into();
    }
    json!({ "auths": { server: entry } })
}

/// `wharf create secret docker-registry NAME --docker-server … --docker-username …`.
pub fn create_docker_registry_secret(
    client: &Client,
    namespace: &str,
    name: &str,
    config: &Value,
) -> CliResult<()> {
    let data = base64::engine::general_purpose::STANDARD.encode(config.to_string());
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": { "name": name, "namespace": namespace },
        "type": "kubernetes.io/dockerconfigjson",
        "data": { ".dockerconfigjson": data },
    });
    client.post(&format!("/api/v1/namespaces/{namespace}/secrets"), &secret)?;
    println!("secret/{name} created");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_streams_and_lists_become_single_objects() {
        let docs =
            parse_documents("a: 1\n---\n---\nkind: List\nitems: [{b: 2}, {c: 3}]\n").unwrap();
        let mut out = Vec::new();
        for d in docs {
            flatten_list(d, "f", &mut out);
        }
        let objs: Vec<Value> = out.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            objs,
            vec![json!({"a": 1}), json!({"b": 2}), json!({"c": 3})]
        );
        assert!(parse_documents("{\"a\": ").is_err());
    }

    #[test]
    fn the_three_way_patch_sets_changes_and_removes_only_what_the_manifest_dropped() {
        let original = json!({"metadata": {"labels": {"a": "1", "gone": "x"}}, "spec": {"lookupPolicy": {"local": false}}});
        let modified =
            json!({"metadata": {"labels": {"a": "2"}}, "spec": {"lookupPolicy": {"local": false}}});
        let current = json!({"metadata": {"labels": {"a": "1", "gone": "x", "theirs": "y"}, "uid": "u"},
            "spec": {"lookupPolicy": {"local": false}}, "status": {"tags": []}});
        assert_eq!(
            three_way_merge_patch(&original, &modified, &current),
            json!({"metadata": {"labels": {"a": "2", "gone": null}}})
        );
        assert_eq!(
            three_way_merge_patch(&modified, &modified, &current)["spec"],
            Value::Null
        );
        let tags = json!({"spec": {"tags": [{"name": "a"}]}});
        let defaulted = json!({"spec": {"tags": [{"name": "a", "generation": 1}]}});
        assert_eq!(
            three_way_merge_patch(&tags, &tags, &defaulted),
            json!({}),
            "defaults are not a change"
        );
        assert_eq!(
            three_way_merge_patch(&Value::Null, &tags, &defaulted),
            tags,
            "a first apply sends the list"
        );
        let two = json!({"spec": {"tags": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(three_way_merge_patch(&tags, &two, &defaulted), two);
    }

    #[test]
    fn a_docker_config_has_the_auth_field_podman_reads() {
        let c = docker_config_json("myreg:5000", "u", "p", "");
        assert_eq!(
            c,
            json!({"auths": {"myreg:5000": {"username": "u", "password": "p", "auth": "dTpw"}}})
        );
    }
}
