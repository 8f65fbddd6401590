//! Server-side tables: when a client asks for `application/json;as=Table;g=meta.k8s.io;v=v1`
//! (kubectl always does), lists, gets and watch events come back as `meta.k8s.io/v1` Tables
//! with the columns `oc get` prints (spec §6.4). Rows carry the object's metadata
//! (`includeObject=Metadata`, the default), the whole object, or nothing.

use serde_json::{json, Value};
use wharf_domain::imagestream::{tags_up_to_width, NamedTagEventList};
use wharf_domain::time::{human_duration, parse_rfc3339, short_duration};

use crate::resources::ResourceType;

/// What a Table request asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// Whether the `Accept` header prefers a Table.
pub fn wants_table(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',')
            .next()
            .is_some_and(|first| first.contains("as=Table") && first.contains("g=meta.k8s.io"))
    })
}

pub fn include_object(param: Option<&str>) -> IncludeObject {
    match param {
        Some("None") => IncludeObject::None,
        Some("Object") => IncludeObject::Object,
        _ => IncludeObject::Metadata,
    }
}

fn column(name: &str, format: &str, description: &str) -> Value {
    json!({ "name": name, "type": "string", "format": format, "description": description, "priority": 0 })
}

/// A column `-o wide` adds.
fn wide(name: &str, description: &str) -> Value {
    let mut c = column(name, "", description);
    c["priority"] = 1.into();
    c
}

/// `<human duration> ago` since `t` (unix seconds), empty without a time.
fn ago_since(t: Option<i64>, now: i64) -> String {
    t.map_or(String::new(), |t| {
        format!("{} ago", human_duration(now - t))
    })
}

/// [`ago_since`] an RFC 3339 timestamp.
fn ago(timestamp: Option<&Value>, now: i64) -> Value {
    ago_since(
        timestamp.and_then(Value::as_str).and_then(parse_rfc3339),
        now,
    )
    .into()
}

fn columns(rt: &ResourceType) -> Vec<Value> {
    let name = column("Name", "name", "Name must be unique within a namespace.");
    match rt.plural {
        "imagestreams" => vec![
            name,
            column(
                "Image Repository",
                "",
                "The pull spec of the stream's repository.",
            ),
            column("Tags", "", "The most recently updated tags."),
            column("Updated", "", "When a tag last changed."),
        ],
        "namespaces" => vec![
            name,
            column("Status", "", "The namespace's phase."),
            column("Age", "", "Time since creation."),
        ],
        "imagestreamtags" => vec![
            name,
            column(
                "Image Reference",
                "",
                "The pull spec of the tag's current image.",
            ),
            column("Updated", "", "When the tag last changed."),
            wide("Image Name", "The name of the tag's current image."),
        ],
        "imagestreamimages" => vec![
            name,
            column("Updated", "", "When the image was created."),
            wide("Image Reference", "The pull spec of the image."),
            wide("Image Name", "The name of the image."),
        ],
        // OpenShift's column names; what the cells hold is Wharf's reading of them: the
        // source of the spec tag, the current image, the number of history entries.
        "imagetags" => vec![
            name,
            column("Spec", "", "The source of the tag."),
            column("Status", "", "The tag's current image."),
            column("History", "", "How many images the tag has pointed at."),
            column("Updated", "", "When the tag last changed."),
        ],
        "templates" => vec![
            name,
            column("Description", "", "Template description."),
            column(
                "Parameters",
                "",
                "Human readable list of template parameters.",
            ),
            column(
                "Objects",
                "",
                "Human readable list of objects in the template.",
            ),
        ],
        _ => vec![name, column("Age", "", "Time since creation.")],
    }
}

/// oc's template row: the description's first line cut to 80 characters, the parameters as
/// `N (M blank)`, `N (M generated)` or `N (all set)`, and the number of objects.
fn template_cells(obj: &Value) -> [String; 3] {
    const DESCRIPTION_WIDTH: usize = 80;
    let mut description = obj
        .pointer("/metadata/annotations/description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some((first, _)) = description.split_once('\n') {
        description = format!("{first}...");
    }
    if description.chars().count() > DESCRIPTION_WIDTH {
        let cut: String = description.chars().take(DESCRIPTION_WIDTH - 3).collect();
        description = format!("{}...", cut.trim());
    }
    let params = obj["parameters"].as_array().map_or(&[][..], Vec::as_slice);
    let set = |p: &Value, k: &str| p[k].as_str().is_some_and(|s| !s.is_empty());
    let blank = params
        .iter()
        .filter(|p| !set(p, "value") && !set(p, "generate"))
        .count();
    let generated = params
        .iter()
        .filter(|p| !set(p, "value") && set(p, "generate"))
        .count();
    let total = params.len();
    let parameters = if blank > 0 {
        format!("{total} ({blank} blank)")
    } else if generated > 0 {
        format!("{total} ({generated} generated)")
    } else {
        format!("{total} (all set)")
    };
    let objects = obj["objects"].as_array().map_or(0, Vec::len);
    [description, parameters, objects.to_string()]
}

fn age(obj: &Value, now: i64) -> String {
    obj.pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .map_or_else(|| "<unknown>".into(), |t| short_duration(now - t))
}

fn cells(rt: &ResourceType, obj: &Value, now: i64) -> Vec<Value> {
    let name = obj
        .pointer("/metadata/name")
        .cloned()
        .unwrap_or(Value::Null);
    match rt.plural {
        "imagestreams" => {
            let str_at = |p: &str| {
                obj.pointer(p)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            let repo = str_at("/status/publicDockerImageRepository")
                .or_else(|| str_at("/spec/dockerImageRepository"))
                .or_else(|| str_at("/status/dockerImageRepository"))
                .unwrap_or("");
            let tags: Vec<NamedTagEventList> = obj
                .pointer("/status/tags")
                .cloned()
                .and_then(|t| serde_json::from_value(t).ok())
                .unwrap_or_default();
            let latest = tags
                .iter()
                .filter_map(|t| {
                    t.items
                        .as_ref()?
                        .first()
                        .and_then(|e| parse_rfc3339(&e.created))
                })
                .max();
            vec![
                name,
                repo.into(),
                tags_up_to_width(&tags, 40).into(),
                ago_since(latest, now).into(),
            ]
        }
        "imagestreamtags" | "imagestreamimages" => {
            let updated = ago(obj.pointer("/metadata/creationTimestamp"), now);
            let reference = obj
                .pointer("/image/dockerImageReference")
                .cloned()
                .unwrap_or(json!(""));
            let image = obj
                .pointer("/image/metadata/name")
                .cloned()
                .unwrap_or(json!(""));
            if rt.plural == "imagestreamtags" {
                vec![name, reference, updated, image]
            } else {
                vec![name, updated, reference, image]
            }
        }
        "imagetags" => {
            let from = obj.pointer("/spec/from");
            let spec = match from {
                Some(f) => match (f["namespace"].as_str(), obj.pointer("/metadata/namespace")) {
                    (Some(ns), Some(own)) if !ns.is_empty() && own != ns => {
                        format!("{ns}/{}", f["name"].as_str().unwrap_or(""))
                    }
                    _ => f["name"].as_str().unwrap_or("").to_string(),
                },
                None => String::new(),
            };
            let items = obj.pointer("/status/items").and_then(Value::as_array);
            let first = items.and_then(|i| i.first());
            vec![
                name,
                spec.into(),
                first.map_or(json!(""), |e| e["image"].clone()),
                items.map_or(0, Vec::len).into(),
                ago(first.and_then(|e| e.get("created")), now),
            ]
        }
        "namespaces" => vec![
            name,
            obj.pointer("/status/phase")
                .cloned()
                .unwrap_or(json!("Active")),
            age(obj, now).into(),
        ],
        "templates" => {
            let [description, parameters, objects] = template_cells(obj);
            vec![name, description.into(), parameters.into(), objects.into()]
        }
        _ => vec![name, age(obj, now).into()],
    }
}

fn row(rt: &ResourceType, obj: Value, include: IncludeObject, now: i64) -> Value {
    let cells = cells(rt, &obj, now);
    match include {
        IncludeObject::None => json!({ "cells": cells }),
        IncludeObject::Object => json!({ "cells": cells, "object": obj }),
        IncludeObject::Metadata => json!({
            "cells": cells,
            "object": { "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] },
        }),
    }
}

/// A Table of `items`. `with_columns` is false for watch events after the first.
pub fn table(
    rt: &ResourceType,
    items: Vec<Value>,
    metadata: Value,
    include: IncludeObject,
    with_columns: bool,
    now: i64,
) -> Value {
    let rows: Vec<Value> = items
        .into_iter()
        .map(|o| row(rt, o, include, now))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": if with_columns { columns(rt) } else { Vec::new() },
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::find;

    #[test]
    fn kubectl_accept_headers_ask_for_tables() {
        assert!(wants_table(Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")));
        assert!(!wants_table(Some("application/json")));
        assert!(!wants_table(None));
    }

    #[test]
    fn image_stream_rows_have_ocs_columns() {
        let rt = find("image.openshift.io", "v1", "imagestreams").unwrap();
        let now = parse_rfc3339("2026-11-23T10:01:30Z").unwrap();
        let is = json!({"metadata": {"name": "python", "creationTimestamp": "2026-11-23T10:00:00Z"},
            "status": {"dockerImageRepository": "reg/demo/python", "tags": [
                {"tag": "3.11", "items": [{"created": "2026-11-23T09:00:00Z", "dockerImageReference": "r", "image": "a", "generation": 1}]},
                {"tag": "latest", "items": [{"created": "2026-11-23T10:00:00Z", "dockerImageReference": "r", "image": "a", "generation": 1}]}]}});
        let t = table(rt, vec![is], json!({}), IncludeObject::Metadata, true, now);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Image Repository", "Tags", "Updated"]);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "python",
                "reg/demo/python",
                "latest,3.11",
                "About a minute ago"
            ])
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }
}
