//! The rules for an ImageStream's spec on create and update (spec §1.3, §2.1, §2.7): stream
//! name and tag validation with OpenShift's texts, spec tags as a map (sorted, last duplicate
//! wins, defaults), and the generation bookkeeping that tells imports what changed.

use serde_json::{json, Value};

use crate::reference;

/// One validation failure, as Kubernetes reports it: `<field>: <message>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: &'static str,
    pub message: String,
}

pub(crate) fn invalid(field: String, value: &str, detail: &str) -> FieldError {
    FieldError {
        field,
        reason: "FieldValueInvalid",
        message: format!("Invalid value: \"{value}\": {detail}"),
    }
}

pub(crate) fn required(field: String, detail: &str) -> FieldError {
    let message = if detail.is_empty() {
        "Required value".to_string()
    } else {
        format!("Required value: {detail}")
    };
    FieldError {
        field,
        reason: "FieldValueRequired",
        message,
    }
}

const NAME_PATTERN: &str = "[a-z0-9]+(?:[._-][a-z0-9]+)*";

fn matches_name_pattern(name: &str) -> bool {
    !name.is_empty()
        && name.split(['.', '_', '-']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The problem with an image stream name, if any.
pub fn name_problem(name: &str) -> Option<String> {
    if name.contains('/') {
        Some("may not contain '/'".into())
    } else if name.contains('%') {
        Some("may not contain '%'".into())
    } else if name == "." || name == ".." {
        Some(format!("may not be '{name}'"))
    } else if !matches_name_pattern(name) {
        Some(format!("must match \"{NAME_PATTERN}\""))
    } else {
        None
    }
}

/// Validates a stream's name (with its namespace) and spec.
pub fn validate(stream: &Value, namespace: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = stream
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(p) = name_problem(name) {
        errors.push(invalid("metadata.name".into(), name, &p));
    } else if namespace.len() + 1 + name.len() > 255 {
        errors.push(invalid(
            "metadata.name".into(),
            name,
            "'namespace/name' cannot be longer than 255 characters",
        ));
    }
    if let Some(repo) = stream
        .pointer("/spec/dockerImageRepository")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
    {
        match reference::parse(repo) {
            Err(e) => errors.push(invalid("spec.dockerImageRepository".into(), repo, e)),
            Ok(r) if !r.tag.is_empty() => errors.push(invalid(
                "spec.dockerImageRepository".into(),
                repo,
                "the repository name may not contain a tag",
            )),
            Ok(r) if !r.id.is_empty() => errors.push(invalid(
                "spec.dockerImageRepository".into(),
                repo,
                "the repository name may not contain an ID",
            )),
            Ok(_) => {}
        }
    }
    for tag in stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate_tag(tag, &mut errors);
    }
    errors
}

fn validate_tag(tag: &Value, errors: &mut Vec<FieldError>) {
    let t = tag["name"].as_str().unwrap_or("");
    let path = |f: &str| format!("spec.tags[{t}].{f}");
    if let Some(from) = tag.get("from").filter(|f| !f.is_null()) {
        let kind = from["kind"].as_str().unwrap_or("");
        let name = from["name"].as_str().unwrap_or("");
        if name.is_empty() {
            errors.push(required(path("from.name"), ""));
        }
        match kind {
            "DockerImage" if !name.is_empty() => {
                if let Err(e) = reference::parse(name) {
                    errors.push(invalid(path("from.name"), name, e));
                }
            }
            "DockerImage" => {}
            "ImageStreamTag" | "ImageStreamImage" => {
                if tag
                    .pointer("/importPolicy/scheduled")
                    .and_then(Value::as_bool)
                    == Some(true)
                {
                    errors.push(FieldError {
                        field: path("importPolicy.scheduled"),
                        reason: "FieldValueInvalid",
                        message: "Invalid value: true: only tags pointing to Docker repositories may be scheduled for background import".into(),
                    });
                }
            }
            _ => {
                errors.push(required(
                    path("from.kind"),
                    "valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag'",
                ));
                errors.push(invalid(
                    path("from.name"),
                    name,
                    "must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>",
                ));
            }
        }
    }
    match tag.pointer("/referencePolicy/type").and_then(Value::as_str) {
        None | Some("") | Some("Source") | Some("Local") => {}
        Some(other) => errors.push(invalid(
            path("referencePolicy.type"),
            other,
            "valid values are \"Source\", \"Local\"",
        )),
    }
    match tag
        .pointer("/importPolicy/importMode")
        .and_then(Value::as_str)
    {
        None | Some("") | Some("Legacy") | Some("PreserveOriginal") => {}
        Some(other) => errors.push(invalid(
            path("importPolicy.importMode"),
            other,
            "invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'",
        )),
    }
}

/// Spec tags are a map: sorted by name, a repeated name keeps its last entry; defaults filled
/// (`referencePolicy.type: Source`, `importPolicy.importMode: Legacy`).
pub fn normalize_tags(stream: &mut Value) {
    let Some(Value::Array(tags)) = stream.pointer_mut("/spec/tags") else {
        return;
    };
    let mut by_name = std::collections::BTreeMap::new();
    for mut t in tags.drain(..) {
        if !t.is_object() {
            continue;
        }
        if t.pointer("/referencePolicy/type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            t["referencePolicy"] = json!({ "type": "Source" });
        }
        if !t.get("importPolicy").is_some_and(Value::is_object) {
            t["importPolicy"] = json!({});
        }
        if t.pointer("/importPolicy/importMode")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            t["importPolicy"]["importMode"] = "Legacy".into();
        }
        let name = t["name"].as_str().unwrap_or("").to_string();
        by_name.insert(name, t);
    }
    tags.extend(by_name.into_values());
}

/// On create: stream generation 1, every spec tag generation 1.
pub fn generations_on_create(stream: &mut Value) {
    stream["metadata"]["generation"] = 1.into();
    if let Some(Value::Array(tags)) = stream.pointer_mut("/spec/tags") {
        for t in tags {
            t["generation"] = 1.into();
        }
    }
}

/// Whether a tag changed in a way that asks for a new import: its source (effective
/// namespace, name), `reference`, or import mode.
fn tag_changed(old: &Value, new: &Value, namespace: &str) -> bool {
    let ns = |t: &Value| {
        t.pointer("/from/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(namespace)
            .to_string()
    };
    let field = |t: &Value, p: &str| t.pointer(p).cloned().unwrap_or(Value::Null);
    ns(old) != ns(new)
        || field(old, "/from/name") != field(new, "/from/name")
        || field(old, "/reference").as_bool().unwrap_or(false)
            != field(new, "/reference").as_bool().unwrap_or(false)
        || field(old, "/importPolicy/importMode") != field(new, "/importPolicy/importMode")
}

fn without_generations(spec: Option<&Value>) -> Value {
    let mut spec = spec.cloned().unwrap_or(json!({}));
    if let Some(Value::Array(tags)) = spec.get_mut("tags") {
        for t in tags {
            if let Some(o) = t.as_object_mut() {
                o.remove("generation");
            }
        }
    }
    spec
}

/// On a spec update: a tag's generation is the stored one, unless the tag is new, changed,
/// or sent as 0 — then it takes the stream's next generation; the stream's generation moves
/// on iff the spec changed.
pub fn generations_on_update(old: &Value, new: &mut Value, namespace: &str) {
    let current = old
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let next = current + 1;
    let old_tags: Vec<Value> = old
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut bumped = false;
    if let Some(Value::Array(tags)) = new.pointer_mut("/spec/tags") {
        for t in tags.iter_mut() {
            let prior = old_tags.iter().find(|o| o["name"] == t["name"]);
            let sent_zero = t["generation"].as_i64() == Some(0);
            t["generation"] = match prior {
                Some(p) if !sent_zero && !tag_changed(p, t, namespace) => p["generation"].clone(),
                _ => {
                    bumped = true;
                    next.into()
                }
            };
        }
    }
    let changed =
        bumped || without_generations(old.get("spec")) != without_generations(new.get("spec"));
    new["metadata"]["generation"] = if changed { next } else { current }.into();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(tags: Value) -> Value {
        json!({"metadata": {"name": "python", "generation": 1}, "spec": {"tags": tags}})
    }

    fn messages(s: &Value) -> Vec<String> {
        validate(s, "demo")
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }

    #[test]
    fn acceptance_15_stream_names() {
        assert_eq!(
            name_problem("Foo").unwrap(),
            "must match \"[a-z0-9]+(?:[._-][a-z0-9]+)*\""
        );
        assert_eq!(name_problem("foo/bar").unwrap(), "may not contain '/'");
        assert_eq!(name_problem("a%b").unwrap(), "may not contain '%'");
        assert_eq!(name_problem("..").unwrap(), "may not be '..'");
        assert!(name_problem("my_app.v2-x").is_none());
    }

    #[test]
    fn acceptance_13_unknown_kind() {
        let s = stream(json!([{"name": "x", "from": {"kind": "Foo", "name": "a"}}]));
        assert_eq!(messages(&s), [
            "spec.tags[x].from.kind: Required value: valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag'",
            "spec.tags[x].from.name: Invalid value: \"a\": must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>",
        ]);
    }

    #[test]
    fn acceptance_14_and_16_policies() {
        let s = stream(
            json!([{"name": "x", "from": {"kind": "ImageStreamTag", "name": "a:b"}, "importPolicy": {"scheduled": true}}]),
        );
        assert_eq!(messages(&s), ["spec.tags[x].importPolicy.scheduled: Invalid value: true: only tags pointing to Docker repositories may be scheduled for background import"]);
        let s = stream(
            json!([{"name": "x", "referencePolicy": {"type": "Other"}, "importPolicy": {"importMode": "X"}}]),
        );
        assert_eq!(messages(&s), [
            "spec.tags[x].referencePolicy.type: Invalid value: \"Other\": valid values are \"Source\", \"Local\"",
            "spec.tags[x].importPolicy.importMode: Invalid value: \"X\": invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'",
        ]);
    }

    #[test]
    fn docker_image_sources_must_parse() {
        let s = stream(
            json!([{"name": "x", "from": {"kind": "DockerImage", "name": "Bad Name"}}, {"name": "y", "from": {"kind": "DockerImage"}}]),
        );
        assert_eq!(messages(&s), [
            "spec.tags[x].from.name: Invalid value: \"Bad Name\": repository name must be lowercase",
            "spec.tags[y].from.name: Required value",
        ]);
        let mut s = stream(json!([]));
        s["spec"]["dockerImageRepository"] = "docker.io/library/python:3.11".into();
        assert_eq!(messages(&s), ["spec.dockerImageRepository: Invalid value: \"docker.io/library/python:3.11\": the repository name may not contain a tag"]);
    }

    #[test]
    fn tags_are_a_map_with_defaults() {
        let mut s = stream(
            json!([{"name": "b", "reference": false}, {"name": "a"}, {"name": "b", "reference": true}]),
        );
        normalize_tags(&mut s);
        let tags = s["spec"]["tags"].as_array().unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0]["name"], "a");
        assert_eq!(tags[1]["reference"], true, "the last duplicate wins");
        assert_eq!(tags[0]["referencePolicy"]["type"], "Source");
        assert_eq!(tags[0]["importPolicy"]["importMode"], "Legacy");
    }

    #[test]
    fn acceptance_1_create_sets_generation_one_everywhere() {
        let mut s = stream(
            json!([{"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"}, "generation": 9}]),
        );
        generations_on_create(&mut s);
        assert_eq!(s["metadata"]["generation"], 1);
        assert_eq!(s["spec"]["tags"][0]["generation"], 1);
    }

    fn tag(gen: i64, scheduled: bool) -> Value {
        json!({"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"}, "generation": gen,
               "importPolicy": {"scheduled": scheduled, "importMode": "Legacy"}, "referencePolicy": {"type": "Source"}})
    }

    #[test]
    fn acceptance_6_only_scheduled_changes_keeps_the_tag_generation() {
        let old = json!({"metadata": {"generation": 2}, "spec": {"tags": [tag(2, false)]}});
        let mut new = json!({"metadata": {}, "spec": {"tags": [tag(2, true)]}});
        generations_on_update(&old, &mut new, "demo");
        assert_eq!(new["spec"]["tags"][0]["generation"], 2);
        assert_eq!(new["metadata"]["generation"], 3);
    }

    #[test]
    fn acceptance_7_tag_generation_is_only_settable_to_zero() {
        let old = json!({"metadata": {"generation": 2}, "spec": {"tags": [tag(2, false)]}});
        let mut seven = json!({"metadata": {}, "spec": {"tags": [tag(7, false)]}});
        generations_on_update(&old, &mut seven, "demo");
        assert_eq!(
            seven["spec"]["tags"][0]["generation"], 2,
            "7 is replaced by the stored value"
        );
        assert_eq!(seven["metadata"]["generation"], 2, "nothing changed");
        let mut zero = json!({"metadata": {}, "spec": {"tags": [tag(0, false)]}});
        generations_on_update(&old, &mut zero, "demo");
        assert_eq!(zero["spec"]["tags"][0]["generation"], 3);
        assert_eq!(zero["metadata"]["generation"], 3);
    }

    #[test]
    fn new_or_resourced_tags_take_the_next_generation() {
        let old = json!({"metadata": {"generation": 4}, "spec": {"tags": [tag(2, false)]}});
        let mut moved = tag(2, false);
        moved["from"]["name"] = "docker.io/library/python:3.12".into();
        let mut new = json!({"metadata": {}, "spec": {"tags": [moved, {"name": "new"}]}});
        generations_on_update(&old, &mut new, "demo");
        assert_eq!(new["spec"]["tags"][0]["generation"], 5);
        assert_eq!(new["spec"]["tags"][1]["generation"], 5);
        assert_eq!(new["metadata"]["generation"], 5);
    }
}
