//! Spec §2.3: when a spec tag is new or changed, what it points at right now — before any
//! import. Pure: the streams a tag names are handed in by the caller.

use serde_json::Value;

use crate::imagestream::{
    add_tag_event, current_event, identity, set_status_tags, status_tags, update_tracking_tags,
    TagEvent,
};
use crate::stream_spec::FieldError;

/// Looks up a stream by (namespace, name).
pub type Streams<'a> = dyn Fn(&str, &str) -> Option<Value> + 'a;

/// The (namespace, stream) a spec tag's `from` names, for the caller to fetch beforehand:
/// `ImageStreamTag`/`ImageStreamImage` sources in other streams.
pub fn sources(stream: &Value) -> Vec<(String, String)> {
    let (own, own_ns) = identity(stream);
    let mut out = Vec::new();
    for t in stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some((ns, name, _)) = source_of(t, own, own_ns) {
            if (ns.as_str(), name.as_str()) != (own_ns, own) {
                out.push((ns, name));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The spec tags new or changed on this write (their generation is the stream's) whose
/// `from` is a stream in another namespace, as (tag, namespace, stream): reading through them
/// needs `get imagestreams/layers` there, which the caller checks before resolving.
pub fn changed_foreign_sources(stream: &Value) -> Vec<(String, String, String)> {
    let (own, own_ns) = identity(stream);
    let generation = stream
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t["generation"].as_i64() == Some(generation))
        .filter_map(|t| {
            let (ns, name, _) = source_of(t, own, own_ns)?;
            let tag = t["name"].as_str().unwrap_or("").to_string();
            (ns != own_ns).then_some((tag, ns, name))
        })
        .collect()
}

/// For an IST/ISI `from`: (namespace, stream, tag-or-id).
fn source_of(tag: &Value, own: &str, own_ns: &str) -> Option<(String, String, String)> {
    let kind = tag.pointer("/from/kind")?.as_str()?;
    let name = tag.pointer("/from/name")?.as_str()?;
    let ns = tag
        .pointer("/from/namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(own_ns);
    let sep = match kind {
        "ImageStreamTag" => ':',
        "ImageStreamImage" => '@',
        _ => return None,
    };
    let (stream, rest) = match name.split_once(sep) {
        Some((s, r)) => (s, r),
        None => (own, name),
    };
    Some((ns.to_string(), stream.to_string(), rest.to_string()))
}

fn not_found(tag: &str, name: &str) -> FieldError {
    FieldError {
        field: format!("spec.tags[{tag}].from.name"),
        reason: "FieldValueNotFound",
        message: format!("Not found: \"{name}\""),
    }
}

/// Resolves the spec tags whose generation equals the stream's (new or changed on this write)
/// into status events, then lets tracking tags follow. Errors are returned, not applied.
pub fn resolve_spec_tags(stream: &mut Value, now: &str, streams: &Streams) -> Vec<FieldError> {
    let (own, own_ns) = identity(stream);
    let (own, own_ns) = (own.to_string(), own_ns.to_string());
    let generation = stream
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let own_repo = stream
        .pointer("/status/dockerImageRepository")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let spec_tags: Vec<Value> = stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut tags = status_tags(stream);
    let mut errors = Vec::new();
    let mut changed = false;
    for t in spec_tags
        .iter()
        .filter(|t| t["generation"].as_i64() == Some(generation))
    {
        let name = t["name"].as_str().unwrap_or("").to_string();
        let kind = t
            .pointer("/from/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let from_name = t
            .pointer("/from/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let reference = t["reference"].as_bool().unwrap_or(false);
        let event = match kind {
            "DockerImage" if reference => Some(TagEvent {
                created: now.into(),
                docker_image_reference: from_name.into(),
                image: String::new(),
                generation,
            }),
            "ImageStreamTag" | "ImageStreamImage" => {
                let Some((ns, src_name, what)) = source_of(t, &own, &own_ns) else {
                    continue;
                };
                let same = ns == own_ns && src_name == own;
                let source = if same {
                    Some(stream.clone())
                } else {
                    streams(&ns, &src_name)
                };
                let Some(source) = source else {
                    errors.push(not_found(&name, &src_name));
                    continue;
                };
                let src_tags = if same {
                    tags.clone()
                } else {
                    status_tags(&source)
                };
                let found = if kind == "ImageStreamTag" {
                    current_event(&src_tags, &what).cloned()
                } else {
                    src_tags
                        .iter()
                        .flat_map(|l| l.items.iter().flatten())
                        .find(|e| {
                            !e.image.is_empty()
                                && (e.image.starts_with(&what)
                                    || e.image
                                        .split_once(':')
                                        .is_some_and(|(_, h)| h.starts_with(&what)))
                        })
                        .map(|e| TagEvent {
                            created: now.into(),
                            ..e.clone()
                        })
                };
                found.map(|mut e| {
                    e.generation = generation;
                    // An image in the source stream's integrated-registry repository is pulled
                    // through this stream's own repository.
                    let src_repo = source
                        .pointer("/status/dockerImageRepository")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if !reference
                        && !src_repo.is_empty()
                        && !own_repo.is_empty()
                        && e.docker_image_reference
                            .starts_with(&format!("{src_repo}@"))
                    {
                        e.docker_image_reference = format!("{own_repo}@{}", e.image);
                    }
                    e
                })
            }
            _ => None,
        };
        if let Some(e) = event {
            if add_tag_event(&mut tags, &name, e.clone()) {
                update_tracking_tags(stream, &mut tags, &name, &e);
                changed = true;
            }
        }
    }
    if changed {
        set_status_tags(stream, &tags);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stream(spec_tags: Value, status_tags: Value) -> Value {
        json!({"metadata": {"name": "python", "namespace": "demo", "generation": 2},
               "spec": {"tags": spec_tags},
               "status": {"dockerImageRepository": "R/demo/python", "tags": status_tags}})
    }

    fn d1() -> String {
        format!("sha256:{}", "1".repeat(64))
    }

    fn none(_: &str, _: &str) -> Option<Value> {
        None
    }

    #[test]
    fn only_changed_tags_from_other_namespaces_need_a_look_at_the_source() {
        let s = stream(
            json!([
                {"name": "a", "generation": 2, "from": {"kind": "ImageStreamTag", "namespace": "team", "name": "base:1"}},
                {"name": "b", "generation": 1, "from": {"kind": "ImageStreamTag", "namespace": "team", "name": "base:1"}},
                {"name": "c", "generation": 2, "from": {"kind": "ImageStreamTag", "name": "other:1"}},
                {"name": "d", "generation": 2, "from": {"kind": "ImageStreamImage", "namespace": "ops", "name": "tool@sha256:ab"}},
                {"name": "e", "generation": 2, "from": {"kind": "DockerImage", "name": "quay.io/x/y:1"}}
            ]),
            json!([]),
        );
        assert_eq!(
            changed_foreign_sources(&s),
            [
                ("a".to_string(), "team".to_string(), "base".to_string()),
                ("d".to_string(), "ops".to_string(), "tool".to_string())
            ]
        );
    }

    #[test]
    fn acceptance_8_latest_from_a_tag_copies_its_event_with_the_same_created() {
        let mut s = stream(
            json!([{"name": "latest", "from": {"kind": "ImageStreamTag", "name": "3.11"}, "generation": 2}]),
            json!([{"tag": "3.11", "items": [{"created": "2026-01-01T00:00:00Z", "dockerImageReference": format!("docker.io/library/python@{}", d1()), "image": d1(), "generation": 1}]}]),
        );
        assert!(resolve_spec_tags(&mut s, "now", &none).is_empty());
        let tags = status_tags(&s);
        let latest = current_event(&tags, "latest").unwrap();
        assert_eq!(
            (
                latest.image.as_str(),
                latest.created.as_str(),
                latest.generation
            ),
            (d1().as_str(), "2026-01-01T00:00:00Z", 2)
        );
    }

    #[test]
    fn acceptance_12_reference_tags_get_their_event_at_once() {
        let mut s = stream(
            json!([{"name": "ref", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1"}, "reference": true, "generation": 2}]),
            json!([]),
        );
        resolve_spec_tags(&mut s, "now", &none);
        let e = current_event(&status_tags(&s), "ref").cloned().unwrap();
        assert_eq!(
            (
                e.docker_image_reference.as_str(),
                e.image.as_str(),
                e.created.as_str()
            ),
            ("quay.io/a/b:1", "", "now")
        );
        // A non-reference DockerImage tag waits for the import.
        let mut s = stream(
            json!([{"name": "imp", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1"}, "generation": 2}]),
            json!([]),
        );
        resolve_spec_tags(&mut s, "now", &none);
        assert!(current_event(&status_tags(&s), "imp").is_none());
    }

    #[test]
    fn acceptance_11_sources_in_the_integrated_registry_are_rewritten_to_this_stream() {
        let base = json!({"metadata": {"name": "base", "namespace": "team"}, "status": {"dockerImageRepository": "R/team/base",
            "tags": [{"tag": "1", "items": [{"created": "c", "dockerImageReference": format!("R/team/base@{}", d1()), "image": d1(), "generation": 1}]}]}});
        let lookup = |ns: &str, n: &str| (ns == "team" && n == "base").then(|| base.clone());
        let mut s = stream(
            json!([{"name": "x", "from": {"kind": "ImageStreamTag", "namespace": "team", "name": "base:1"}, "generation": 2}]),
            json!([]),
        );
        assert!(resolve_spec_tags(&mut s, "now", &lookup).is_empty());
        assert_eq!(
            current_event(&status_tags(&s), "x")
                .unwrap()
                .docker_image_reference,
            format!("R/demo/python@{}", d1())
        );
        let mut r = stream(
            json!([{"name": "x", "from": {"kind": "ImageStreamTag", "namespace": "team", "name": "base:1"}, "reference": true, "generation": 2}]),
            json!([]),
        );
        resolve_spec_tags(&mut r, "now", &lookup);
        assert_eq!(
            current_event(&status_tags(&r), "x")
                .unwrap()
                .docker_image_reference,
            format!("R/team/base@{}", d1())
        );
        assert_eq!(sources(&s), [("team".to_string(), "base".to_string())]);
    }

    #[test]
    fn image_ids_resolve_by_prefix_and_missing_streams_are_not_found() {
        let status = json!([{"tag": "3.11", "items": [{"created": "old", "dockerImageReference": "docker.io/p@x", "image": d1(), "generation": 1}]}]);
        let mut s = stream(
            json!([{"name": "pinned", "from": {"kind": "ImageStreamImage", "name": "python@111111111111"}, "generation": 2}]),
            status,
        );
        assert!(resolve_spec_tags(&mut s, "now", &none).is_empty());
        let e = current_event(&status_tags(&s), "pinned").cloned().unwrap();
        assert_eq!((e.image, e.created), (d1(), "now".to_string()));
        let mut s = stream(
            json!([{"name": "x", "from": {"kind": "ImageStreamTag", "name": "ghost:1"}, "generation": 2}]),
            json!([]),
        );
        let errors = resolve_spec_tags(&mut s, "now", &none);
        assert_eq!(
            format!("{}: {}", errors[0].field, errors[0].message),
            "spec.tags[x].from.name: Not found: \"ghost\""
        );
    }

    #[test]
    fn tracking_tags_follow_their_source_one_level() {
        let s = stream(
            json!([{"name": "latest", "from": {"kind": "ImageStreamTag", "name": "python:3.11"}, "generation": 1}]),
            json!([]),
        );
        let mut tags = Vec::new();
        let e = TagEvent {
            created: "c".into(),
            docker_image_reference: "r@x".into(),
            image: "x".into(),
            generation: 3,
        };
        add_tag_event(&mut tags, "3.11", e.clone());
        update_tracking_tags(&s, &mut tags, "3.11", &e);
        assert_eq!(current_event(&tags, "latest").unwrap().image, "x");
        assert_eq!(
            current_event(&tags, "latest").unwrap().generation,
            1,
            "the tracking tag keeps its own generation"
        );
    }
}
