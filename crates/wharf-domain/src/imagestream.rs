//! ImageStream status tags and their history (spec §2.2, OpenShift's
//! `AddTagEventToImageStream`): `items[0]` is the current event, older ones follow.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry of a tag's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagEvent {
    pub created: String,
    pub docker_image_reference: String,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub generation: i64,
}

/// A status tag: its history, newest first, and its conditions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedTagEventList {
    pub tag: String,
    /// `null` when only conditions exist.
    pub items: Option<Vec<TagEvent>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Value>,
}

/// Adds `next` as the newest event of `tag` in `tags` (kept sorted by tag name). Returns
/// whether anything changed:
/// - no history: `[next]`;
/// - same reference, image and generation as the current event: no change;
/// - same reference and image: the current event takes `next`'s generation;
/// - same reference only: the current event takes `next`'s image and generation;
/// - same image only: the current event takes `next`'s reference and generation;
/// - otherwise `next` is prepended.
///
/// Any change clears the tag's conditions.
pub fn add_tag_event(tags: &mut Vec<NamedTagEventList>, tag: &str, next: TagEvent) -> bool {
    let i = match tags.binary_search_by(|t| t.tag.as_str().cmp(tag)) {
        Ok(i) => i,
        Err(i) => {
            tags.insert(
                i,
                NamedTagEventList {
                    tag: tag.to_string(),
                    items: Some(vec![next]),
                    conditions: Vec::new(),
                },
            );
            return true;
        }
    };
    let entry = &mut tags[i];
    let items = entry.items.get_or_insert_with(Vec::new);
    let changed = match items.first_mut() {
        None => {
            items.push(next);
            true
        }
        Some(cur) => {
            let same_ref = cur.docker_image_reference == next.docker_image_reference;
            let same_image = cur.image == next.image;
            if same_ref && same_image && cur.generation == next.generation {
                false
            } else if same_ref && same_image {
                cur.generation = next.generation;
                true
            } else if same_ref {
                cur.image = next.image;
                cur.generation = next.generation;
                true
            } else if same_image {
                cur.docker_image_reference = next.docker_image_reference;
                cur.generation = next.generation;
                true
            } else {
                items.insert(0, next);
                true
            }
        }
    };
    if changed {
        entry.conditions.clear();
    }
    changed
}

/// Status tags newest first by their current event's `created` (to the second), ties by name
/// (OpenShift's `SortStatusTags`).
pub fn tags_newest_first(tags: &[NamedTagEventList]) -> Vec<&str> {
    let created = |t: &NamedTagEventList| {
        t.items
            .as_ref()
            .and_then(|i| i.first())
            .and_then(|e| crate::time::parse_rfc3339(&e.created))
            .unwrap_or(i64::MIN)
    };
    let mut v: Vec<(&str, i64)> = tags.iter().map(|t| (t.tag.as_str(), created(t))).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().map(|(t, _)| t).collect()
}

/// oc's TAGS column: tags newest first, comma-joined, within about `width` characters; the
/// first tag is always shown; a tag that overflows by at most 10 characters is still shown;
/// the rest are counted as ` + N more...`.
pub fn tags_up_to_width(tags: &[NamedTagEventList], width: i64) -> String {
    let sorted = tags_newest_first(tags);
    let mut remaining = width;
    let mut shown = Vec::new();
    for (i, tag) in sorted.iter().enumerate() {
        let len = tag.len() as i64;
        remaining -= len + 1;
        if remaining >= 0 || (i > 0 && 10 < remaining + len && 10 >= -remaining) {
            shown.push(*tag);
            continue;
        }
        if i == 0 {
            shown.push(*tag);
        }
        break;
    }
    let hidden = sorted.len() - shown.len();
    let mut out = shown.join(",");
    if hidden > 0 {
        out.push_str(&format!(" + {hidden} more..."));
    }
    out
}

/// A stream's (name, namespace).
pub fn identity(stream: &Value) -> (&str, &str) {
    let field = |p: &str| stream.pointer(p).and_then(Value::as_str).unwrap_or("");
    (field("/metadata/name"), field("/metadata/namespace"))
}

/// The (tag, current image) pairs of a stream's status: the tags a registry serves for it
/// (spec §4).
pub fn current_images(stream: &Value) -> Vec<(crate::Tag, crate::Digest)> {
    status_tags(stream)
        .iter()
        .filter_map(|t| {
            let image = t.items.as_ref()?.first()?.image.parse().ok()?;
            Some((t.tag.parse().ok()?, image))
        })
        .collect()
}

/// Reads a stream's status tags (empty if absent or unreadable).
pub fn status_tags(stream: &Value) -> Vec<NamedTagEventList> {
    stream
        .pointer("/status/tags")
        .cloned()
        .and_then(|t| serde_json::from_value(t).ok())
        .unwrap_or_default()
}

/// Writes a stream's status tags.
pub fn set_status_tags(stream: &mut Value, tags: &[NamedTagEventList]) {
    if !stream.get("status").is_some_and(Value::is_object) {
        stream["status"] = serde_json::json!({});
    }
    if tags.is_empty() {
        if let Some(status) = stream["status"].as_object_mut() {
            status.remove("tags");
        }
    } else {
        stream["status"]["tags"] = serde_json::to_value(tags).expect("tag events serialize");
    }
}

/// The current event of `tag`, if any.
pub fn current_event<'a>(tags: &'a [NamedTagEventList], tag: &str) -> Option<&'a TagEvent> {
    tags.iter().find(|t| t.tag == tag)?.items.as_ref()?.first()
}

/// Spec §2.4: when status tag `tag` of `stream` gets a new current event, every spec tag of the
/// same stream that tracks it (`from.kind: ImageStreamTag`, own namespace, `from.name` `tag` or
/// `<stream>:tag`) receives the same event. One level only.
pub fn update_tracking_tags(
    stream: &Value,
    tags: &mut Vec<NamedTagEventList>,
    tag: &str,
    event: &TagEvent,
) {
    let (own, own_ns) = identity(stream);
    let qualified = format!("{own}:{tag}");
    let trackers: Vec<(String, i64)> = stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.pointer("/from/kind").and_then(Value::as_str) == Some("ImageStreamTag"))
        .filter(|t| {
            t.pointer("/from/namespace")
                .and_then(Value::as_str)
                .is_none_or(|n| n.is_empty() || n == own_ns)
        })
        .filter(|t| {
            t.pointer("/from/name")
                .and_then(Value::as_str)
                .is_some_and(|n| n == tag || n == qualified)
        })
        .filter_map(|t| {
            Some((
                t["name"].as_str()?.to_string(),
                t["generation"].as_i64().unwrap_or(0),
            ))
        })
        .filter(|(name, _)| name != tag)
        .collect();
    for (name, generation) in trackers {
        add_tag_event(
            tags,
            &name,
            TagEvent {
                generation,
                ..event.clone()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tag: &str, created: &str) -> NamedTagEventList {
        NamedTagEventList {
            tag: tag.into(),
            items: Some(vec![TagEvent {
                created: created.into(),
                docker_image_reference: "r".into(),
                image: "i".into(),
                generation: 1,
            }]),
            conditions: Vec::new(),
        }
    }

    #[test]
    fn tags_column_is_newest_first_and_bounded() {
        let tags = vec![
            at("3.11", "2026-01-01T00:00:00Z"),
            at("latest", "2026-01-02T00:00:00Z"),
            at("a", "2026-01-02T00:00:00Z"),
        ];
        assert_eq!(
            tags_up_to_width(&tags, 40),
            "a,latest,3.11",
            "newest first, ties by name"
        );
        let many: Vec<_> = (0..20)
            .map(|i| at(&format!("tag-{i:02}"), &format!("2026-01-01T00:00:{i:02}Z")))
            .collect();
        let col = tags_up_to_width(&many, 40);
        assert!(col.starts_with("tag-19,tag-18,"), "{col}");
        assert!(col.ends_with(" more..."), "{col}");
        let shown = col.split(" + ").next().unwrap().split(',').count();
        assert_eq!(
            col,
            format!(
                "{} + {} more...",
                col.split(" + ").next().unwrap(),
                20 - shown
            )
        );
        let long = vec![
            at(&"x".repeat(60), "2026-01-01T00:00:00Z"),
            at("b", "2025-01-01T00:00:00Z"),
        ];
        assert_eq!(
            tags_up_to_width(&long, 40),
            format!("{} + 1 more...", "x".repeat(60)),
            "the first tag is always shown"
        );
        assert_eq!(tags_up_to_width(&[], 40), "");
    }

    fn ev(r: &str, image: &str, generation: i64) -> TagEvent {
        TagEvent {
            created: "t".into(),
            docker_image_reference: r.into(),
            image: image.into(),
            generation,
        }
    }

    fn items<'a>(tags: &'a [NamedTagEventList], tag: &str) -> &'a [TagEvent] {
        tags.iter()
            .find(|t| t.tag == tag)
            .unwrap()
            .items
            .as_deref()
            .unwrap()
    }

    #[test]
    fn a_new_tag_gets_one_event_and_tags_stay_sorted() {
        let mut tags = Vec::new();
        assert!(add_tag_event(&mut tags, "v2", ev("r@a", "a", 1)));
        assert!(add_tag_event(&mut tags, "v1", ev("r@a", "a", 1)));
        assert_eq!(
            tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
            ["v1", "v2"]
        );
    }

    #[test]
    fn history_follows_the_openshift_rules() {
        let mut tags = Vec::new();
        add_tag_event(&mut tags, "t", ev("r@a", "a", 1));
        assert!(
            !add_tag_event(&mut tags, "t", ev("r@a", "a", 1)),
            "identical: no change"
        );
        assert!(add_tag_event(&mut tags, "t", ev("r@a", "a", 2)));
        assert_eq!(
            items(&tags, "t"),
            [ev("r@a", "a", 2)],
            "same ref and image: generation only"
        );
        assert!(add_tag_event(&mut tags, "t", ev("r@a", "b", 3)));
        assert_eq!(
            items(&tags, "t"),
            [ev("r@a", "b", 3)],
            "same ref: image and generation replaced"
        );
        assert!(add_tag_event(&mut tags, "t", ev("other@b", "b", 4)));
        assert_eq!(
            items(&tags, "t"),
            [ev("other@b", "b", 4)],
            "same image: reference replaced"
        );
        assert!(add_tag_event(&mut tags, "t", ev("r@c", "c", 5)));
        assert_eq!(
            items(&tags, "t"),
            [ev("r@c", "c", 5), ev("other@b", "b", 4)],
            "new image: prepended"
        );
    }

    #[test]
    fn a_change_clears_conditions_and_fills_a_conditions_only_tag() {
        let mut tags = vec![NamedTagEventList {
            tag: "t".into(),
            items: None,
            conditions: vec![serde_json::json!({"type": "ImportSuccess"})],
        }];
        assert!(add_tag_event(&mut tags, "t", ev("r@a", "a", 1)));
        assert!(tags[0].conditions.is_empty());
        assert_eq!(items(&tags, "t").len(), 1);
    }
}
