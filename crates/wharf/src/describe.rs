//! `wharf describe`: oc's describe layouts (spec §6.3), as pure functions of API objects.
//!
//! Each public function renders the text `oc describe` prints for one object, byte for byte,
//! TAB padding included. The layouts follow openshift/oc `pkg/helpers/describe`
//! (`helpers.go`: `formatMeta`, `formatString`, `formatMapStringString`,
//! `formatImageStreamTags`; `describer.go`: `DescribeImageStream`, `DescribeImage`,
//! `describeDockerImage`): the text is first built with TAB-separated cells exactly as oc
//! writes it into its `text/tabwriter`, then aligned by [`tabwriter::format`], a port of Go's
//! `text/tabwriter` with oc's settings.
//!
//! Objects are read as loose JSON: any field may be missing, and a missing field reads as
//! Go's zero value (empty string, `false`, `0`, empty list or map, zero time).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;
use wharf_domain::time::{human_duration, parse_rfc3339};

/// What oc prints for an empty value (`emptyString` in oc's helpers.go).
const NONE: &str = "<none>";

/// The age oc prints for a missing timestamp: Go's zero `time.Time` makes `now.Sub(t)`
/// saturate at the largest `time.Duration` (about 292 years), which `HumanDuration` prints
/// as `292 years`.
const ZERO_TIME_AGE_SECS: i64 = i64::MAX / 1_000_000_000;

static NULL: Value = Value::Null;

/// Now, in unix seconds (ages are measured from it).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `wharf describe is/NAME`. `now` = unix seconds, for ages.
pub fn image_stream(stream: &Value, now: i64) -> String {
    let mut out = String::new();
    format_meta(&mut out, stream, now);
    let public = text(stream, "/status/publicDockerImageRepository");
    let repository = if public.is_empty() {
        text(stream, "/status/dockerImageRepository")
    } else {
        public
    };
    format_string(&mut out, "Image Repository", repository);
    let local = flag(stream, "/spec/lookupPolicy/local");
    format_string(&mut out, "Image Lookup", &format!("local={local}"));
    format_image_stream_tags(&mut out, &StreamView::new(stream), now);
    tabwriter::format(&out)
}

/// `wharf describe istag/IS:TAG` and `isimage/IS@ID`, from the object as the API returns it
/// (its `image` field holds the Image).
///
/// Like oc (`ImageStreamTagDescriber` and `ImageStreamImageDescriber` both call
/// `DescribeImage(&x.Image, x.Image.Name)`), the `Image Name:` line shows the *Image's*
/// name (its digest), not the istag's `<is>:<tag>`; this is also what the spec's §6.3
/// example shows (`Image Name:     sha256:aaa...`).
pub fn image_stream_tag(istag: &Value, now: i64) -> String {
    let image = field(istag, "/image");
    image_named(image, text(image, "/metadata/name"), now)
}

/// `wharf describe image sha256:…`: [`image_stream_tag`]'s layout without the `Image Name:`
/// line.
pub fn image(image: &Value, now: i64) -> String {
    image_named(image, "", now)
}

/// oc's `DescribeImage(image, imageName)`: the image layout with a first `Image Name:` line
/// when `image_name` is not empty. `oc import-image` prints each imported image this way,
/// named `<stream>:<tag>` (spec §7 case 39: `Image Name:\tfoo:latest`).
pub fn image_named(image: &Value, image_name: &str, now: i64) -> String {
    let mut out = String::new();
    describe_image(&mut out, image, image_name, now);
    tabwriter::format(&out)
}

// ---------------------------------------------------------------------------------------
// Loose JSON access: missing or mistyped fields read as Go's zero values.

/// The value at `pointer`, or JSON `null`.
fn field<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&NULL)
}

/// The string at `pointer`, or `""`.
fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The boolean at `pointer`, or `false`.
fn flag(v: &Value, pointer: &str) -> bool {
    v.pointer(pointer).and_then(Value::as_bool).unwrap_or(false)
}

/// The array at `pointer`, or an empty slice.
fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The strings of the array at `pointer` (a lone string counts as a one-element list).
fn strings(v: &Value, pointer: &str) -> Vec<String> {
    match v.pointer(pointer) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The keys of the object at `pointer`, sorted (Go's `sets.NewString(...).List()`).
fn sorted_keys(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect::<BTreeSet<_>>())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// A `map[string]string` (labels, annotations), sorted by key.
fn string_map(v: &Value, pointer: &str) -> BTreeMap<String, String> {
    let Some(map) = v.pointer(pointer).and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k.clone(), value)
        })
        .collect()
}

/// The timestamp at `pointer` as unix seconds, if present and readable.
fn timestamp(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

/// `HumanDuration(now - t)` for the timestamp at `pointer` (a missing one is Go's zero time).
fn age(v: &Value, pointer: &str, now: i64) -> String {
    human_duration(timestamp(v, pointer).map_or(ZERO_TIME_AGE_SECS, |t| now - t))
}

// ---------------------------------------------------------------------------------------
// oc's helpers.go writers. They append raw, TAB-separated text; alignment happens once at
// the end in `tabwriter::format`.

/// `formatString`: `<label>:` then `\t<line>\n` for each line of the value (`<none>` if
/// empty), so extra lines of a multi-line value start with an empty cell.
fn format_string(out: &mut String, label: &str, value: &str) {
    let value = if value.is_empty() { NONE } else { value };
    out.push_str(label);
    out.push(':');
    for line in value.split('\n') {
        out.push('\t');
        out.push_str(line);
        out.push('\n');
    }
}

/// `formatTime`: `<label>:\t<age> ago`.
fn format_time(out: &mut String, label: &str, elapsed: &str) {
    out.push_str(&format!("{label}:\t{elapsed} ago\n"));
}

/// `formatMapStringString`: `k=v` sorted by key, the first on the label's line, the others
/// on lines starting with an empty cell; `<none>` when empty.
fn format_map(out: &mut String, label: &str, items: &BTreeMap<String, String>) {
    if items.is_empty() {
        format_string(out, label, "");
        return;
    }
    for (i, (key, value)) in items.iter().enumerate() {
        if i == 0 {
            format_string(out, label, &format!("{key}={value}"));
        } else {
            out.push_str(&format!("\t{key}={value}\n"));
        }
    }
}

/// `formatAnnotations`: the `description` annotation as `Description:` (if set), the rest
/// as `Annotations:`.
fn format_annotations(out: &mut String, mut annotations: BTreeMap<String, String>) {
    let description = annotations.remove("description").unwrap_or_default();
    if !description.is_empty() {
        format_string(out, "Description", &description);
    }
    format_map(out, "Annotations", &annotations);
}

/// `formatMeta`: `Name:`, `Namespace:` (if set), `Created:` (if set), `Labels:`,
/// `Description:`/`Annotations:`.
fn format_meta(out: &mut String, object: &Value, now: i64) {
    format_string(out, "Name", text(object, "/metadata/name"));
    let namespace = text(object, "/metadata/namespace");
    if !namespace.is_empty() {
        format_string(out, "Namespace", namespace);
    }
    if timestamp(object, "/metadata/creationTimestamp").is_some() {
        format_time(
            out,
            "Created",
            &age(object, "/metadata/creationTimestamp", now),
        );
    }
    format_map(out, "Labels", &string_map(object, "/metadata/labels"));
    format_annotations(out, string_map(object, "/metadata/annotations"));
}

// ---------------------------------------------------------------------------------------
// Templates (oc's `TemplateDescriber`).

/// `wharf describe template NAME` and `wharf process -o describe`: the metadata, each
/// parameter (its value, or how it is generated), the template labels, the message, and one
/// `Kind[.group]<TAB>name` line per object.
pub fn template(template: &Value, now: i64) -> String {
    let mut meta = String::new();
    format_meta(&mut meta, template, now);
    let mut out = String::new();
    format_string(&mut out, "Parameters", " ");
    let indent = "    ";
    for p in list(template, "/parameters") {
        format_string(&mut out, &format!("{indent}Name"), text(p, "/name"));
        for (label, pointer) in [
            ("Display Name", "/displayName"),
            ("Description", "/description"),
        ] {
            if !text(p, pointer).is_empty() {
                format_string(&mut out, &format!("{indent}{label}"), text(p, pointer));
            }
        }
        format_string(
            &mut out,
            &format!("{indent}Required"),
            &flag(p, "/required").to_string(),
        );
        let (value, generate) = (text(p, "/value"), text(p, "/generate"));
        if generate.is_empty() {
            format_string(&mut out, &format!("{indent}Value"), value);
        } else {
            if value.is_empty() {
                format_string(&mut out, &format!("{indent}Generated"), generate);
            } else {
                format_string(&mut out, &format!("{indent}Value"), value);
                format_string(&mut out, &format!("{indent}Generated (ignored)"), generate);
            }
            format_string(&mut out, &format!("{indent}From"), text(p, "/from"));
        }
        out.push('\n');
    }
    out.push('\n');
    let labels: Vec<String> = string_map(template, "/labels")
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format_string(&mut out, "Object Labels", &labels.join(","));
    out.push('\n');
    format_string(&mut out, "Message", text(template, "/message"));
    out.push('\n');
    format_string(&mut out, "Objects", " ");
    for o in list(template, "/objects") {
        let kind = text(o, "/kind");
        let group_kind = match text(o, "/apiVersion").split_once('/') {
            Some((group, _)) => format!("{kind}.{group}"),
            None => kind.to_string(),
        };
        out.push_str(&format!(
            "{indent}{group_kind}\t{}\n",
            text(o, "/metadata/name")
        ));
    }
    format!("{}\n{}", tabwriter::format(&meta), tabwriter::format(&out))
}

// ---------------------------------------------------------------------------------------
// Image streams (oc's `formatImageStreamTags`).

/// The parts of an ImageStream the tag sections read.
struct StreamView<'a> {
    name: &'a str,
    namespace: &'a str,
    spec_tags: &'a [Value],
    status_tags: &'a [Value],
}

impl<'a> StreamView<'a> {
    fn new(stream: &'a Value) -> Self {
        let (name, namespace) = wharf_domain::imagestream::identity(stream);
        StreamView {
            name,
            namespace,
            spec_tags: list(stream, "/spec/tags"),
            status_tags: list(stream, "/status/tags"),
        }
    }

    /// `imageutil.SpecHasTag`: the first spec tag with that name.
    fn spec_tag(&self, tag: &str) -> Option<&'a Value> {
        self.spec_tags.iter().find(|t| text(t, "/name") == tag)
    }

    /// `imageutil.StatusHasTag`: the first status tag with that name.
    fn status_tag(&self, tag: &str) -> Option<&'a Value> {
        self.status_tags.iter().find(|t| text(t, "/tag") == tag)
    }

    /// oc's `FollowTagReference`: follows same-stream `ImageStreamTag` spec tags from `tag`
    /// to the spec tag that ends the chain. `Some((final tag, followed at least one
    /// reference))`, or `None` for a missing tag, a cycle, or a reference to another stream.
    fn follow_tag_reference(&self, tag: &str) -> Option<(String, bool)> {
        let mut tag = tag.to_string();
        let mut multiple = false;
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(tag.clone()) {
                return None;
            }
            let spec = self.spec_tag(&tag)?;
            let Some(from) = source(spec) else {
                return Some((tag, multiple));
            };
            if text(from, "/kind") != "ImageStreamTag" {
                return Some((tag, multiple));
            }
            let from_namespace = text(from, "/namespace");
            if !from_namespace.is_empty() && from_namespace != self.namespace {
                return None;
            }
            let from_name = text(from, "/name");
            tag = match from_name.split_once(':') {
                // `imageutil.SplitImageStreamTag`: an empty tag means `latest`.
                Some((stream, _)) if stream != self.name => return None,
                Some((_, "")) => "latest".to_string(),
                Some((_, t)) => t.to_string(),
                None => from_name.to_string(),
            };
            multiple = true;
        }
    }
}

/// A spec tag's `from`, if it is set (Go: a non-nil `*ObjectReference`).
fn source(spec_tag: &Value) -> Option<&Value> {
    spec_tag.get("from").filter(|f| f.is_object())
}

/// `Unique Images:` as oc counts it: distinct history `image` values, where every event
/// without an image but with a reference adds the key `""` (oc's map insert uses
/// `item.Image`, so all reference-only events count as one image together).
fn unique_images(status_tags: &[Value]) -> usize {
    let mut images: HashSet<&str> = HashSet::new();
    for event in status_tags.iter().flat_map(|t| list(t, "/items")) {
        let image = text(event, "/image");
        let reference = text(event, "/dockerImageReference");
        if !image.is_empty() {
            images.insert(image);
        } else if !reference.is_empty() && !images.contains(reference) {
            images.insert("");
        }
    }
    images.len()
}

/// oc's `formatImageStreamTags`: the `Unique Images:`/`Tags:` lines and one section per
/// tag, or just `Tags:\t<none>` for a stream without spec or status tags.
fn format_image_stream_tags(out: &mut String, stream: &StreamView, now: i64) {
    if stream.status_tags.is_empty() && stream.spec_tags.is_empty() {
        out.push_str("Tags:\t<none>\n");
        return;
    }
    // Status tags in status order, then spec-only tags in spec order; the count includes
    // the tracking tags that get no section of their own.
    let mut tags: Vec<String> = stream
        .status_tags
        .iter()
        .map(|t| text(t, "/tag").to_string())
        .collect();
    let mut trackers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut tracking: HashSet<String> = HashSet::new();
    for spec in stream.spec_tags {
        let name = text(spec, "/name");
        if let Some((target, true)) = stream.follow_tag_reference(name) {
            tracking.insert(name.to_string());
            trackers.entry(target).or_default().insert(name.to_string());
        }
        if stream.status_tag(name).is_none() {
            tags.push(name.to_string());
        }
    }
    out.push_str(&format!(
        "Unique Images:\t{}\nTags:\t{}\n\n",
        unique_images(stream.status_tags),
        tags.len()
    ));
    tag_order::prioritize(&mut tags);
    let sections = tags.iter().filter(|t| !tracking.contains(t.as_str()));
    for (i, tag) in sections.enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut followers: Vec<String> = trackers
            .get(tag)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        tag_order::prioritize(&mut followers);
        tag_section(out, stream, tag, &followers, now);
    }
}

/// One tag's section: header, source lines, blank line, annotation block, pending import,
/// failed imports, history.
fn tag_section(out: &mut String, stream: &StreamView, tag: &str, followers: &[String], now: i64) {
    let status = stream.status_tag(tag);
    let spec = stream.spec_tag(tag);
    let from = spec.and_then(source);

    if followers.is_empty() {
        out.push_str(&format!("{tag}\n"));
    } else {
        out.push_str(&format!("{tag} ({})\n", followers.join(", ")));
    }
    out.push_str(&source_line(stream, spec, from));
    if let (Some(spec), Some(_)) = (spec, from) {
        if flag(spec, "/importPolicy/insecure") {
            out.push_str("    will use insecure HTTPS or HTTP connections\n");
        }
    }
    if spec.is_some_and(|s| text(s, "/referencePolicy/type") == "Local") {
        out.push_str("    prefer registry pullthrough when referencing this tag\n");
    }
    out.push('\n');

    if let Some(spec) = spec {
        format_tag_annotations(out, &string_map(spec, "/annotations"));
    }
    if let (Some(spec), Some(_)) = (spec, from) {
        if import_pending(spec, status) {
            out.push_str("  ~ importing latest image ...\n");
        }
    }
    let Some(status) = status else {
        return;
    };
    for condition in list(status, "/conditions") {
        if text(condition, "/type") == "ImportSuccess" && text(condition, "/status") == "False" {
            out.push_str(&format!(
                "  ! error: Import failed ({}): {}\n      {} ago\n",
                text(condition, "/reason"),
                text(condition, "/message"),
                age(condition, "/lastTransitionTime", now)
            ));
        }
    }
    format_history(out, list(status, "/items"), now);
}

/// The line saying where a tag comes from, for each kind and reference/scheduled flag.
fn source_line(stream: &StreamView, spec: Option<&Value>, from: Option<&Value>) -> String {
    let (Some(spec), Some(from)) = (spec, from) else {
        return if spec.is_none() {
            "  no spec tag\n".into()
        } else {
            "  tag without source image\n".into()
        };
    };
    let namespace = text(from, "/namespace");
    let name = if !namespace.is_empty() && namespace != stream.namespace {
        format!("{namespace}/{}", text(from, "/name"))
    } else {
        text(from, "/name").to_string()
    };
    let reference = flag(spec, "/reference");
    let scheduled = flag(spec, "/importPolicy/scheduled");
    let line = match text(from, "/kind") {
        "ImageStreamTag" if reference => format!("reference to {name}"),
        "ImageStreamTag" if scheduled => format!("updates automatically from {name}"),
        "DockerImage" if reference => format!("reference to registry {name}"),
        "DockerImage" if scheduled => format!("updates automatically from registry {name}"),
        "ImageStreamImage" if reference => format!("reference to image {name}"),
        "ImageStreamTag" | "DockerImage" | "ImageStreamImage" => format!("tagged from {name}"),
        kind if reference => format!("reference to {kind} {name}"),
        kind => format!("updates from {kind} {name}"),
    };
    format!("  {line}\n")
}

/// The tag annotations oc shows (`description`, `tags`, `supports`, `sampleRepo`), then a
/// blank line if any was shown.
fn format_tag_annotations(out: &mut String, annotations: &BTreeMap<String, String>) {
    let get = |key: &str| annotations.get(key).map_or("", String::as_str);
    let joined = |key: &str| get(key).split(',').collect::<Vec<_>>().join(", ");
    let mut shown = false;
    if !get("description").is_empty() {
        out.push_str(&format!("  {}\n", get("description")));
        shown = true;
    }
    if !get("tags").is_empty() {
        out.push_str(&format!("  Tags: {}\n", joined("tags")));
        shown = true;
    }
    if !get("supports").is_empty() {
        out.push_str(&format!("  Supports: {}\n", joined("supports")));
        shown = true;
    }
    if !get("sampleRepo").is_empty() {
        out.push_str(&format!("  Example Repo: {}\n", get("sampleRepo")));
        shown = true;
    }
    if shown {
        out.push('\n');
    }
}

/// Spec §2.1: a non-reference spec tag whose generation is newer than what the controller
/// observed (oc: `!Reference && Generation != nil && *Generation > observed`).
fn import_pending(spec: &Value, status: Option<&Value>) -> bool {
    let generation = spec.get("generation").and_then(Value::as_i64);
    !flag(spec, "/reference") && generation.is_some_and(|g| g > latest_observed_generation(status))
}

/// oc's `latestObservedTagGeneration`: the larger of the current event's generation and the
/// first `ImportSuccess` condition's; 0 for a tag without status.
fn latest_observed_generation(status: Option<&Value>) -> i64 {
    let Some(status) = status else {
        return 0;
    };
    let current = list(status, "/items")
        .first()
        .and_then(|e| e.get("generation"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let condition = list(status, "/conditions")
        .iter()
        .find(|c| text(c, "/type") == "ImportSuccess")
        .and_then(|c| c.get("generation"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    current.max(condition).max(0)
}

/// The history: `  * <ref>` for the current event, `    <ref>` for older ones, each with
/// `      <age> ago`, plus `\t<image>` when the reference's ID is not the event's image.
fn format_history(out: &mut String, items: &[Value], now: i64) {
    for (i, event) in items.iter().enumerate() {
        let reference = text(event, "/dockerImageReference");
        let marker = if i == 0 { "  * " } else { "    " };
        out.push_str(&format!("{marker}{reference}\n"));
        let image = text(event, "/image");
        let differs = !image.is_empty()
            && wharf_domain::reference::parse(reference).is_ok_and(|r| r.id != image);
        let elapsed = age(event, "/created", now);
        if differs {
            out.push_str(&format!("      {elapsed} ago\t{image}\n"));
        } else {
            out.push_str(&format!("      {elapsed} ago\n"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Images (oc's `DescribeImage` and `describeDockerImage`).

fn describe_image(out: &mut String, image: &Value, image_name: &str, now: i64) {
    if !image_name.is_empty() {
        format_string(out, "Image Name", image_name);
    }
    format_string(out, "Docker Image", text(image, "/dockerImageReference"));
    format_string(out, "Name", text(image, "/metadata/name"));
    if timestamp(image, "/metadata/creationTimestamp").is_some() {
        format_time(
            out,
            "Created",
            &age(image, "/metadata/creationTimestamp", now),
        );
    }
    let labels = string_map(image, "/metadata/labels");
    if !labels.is_empty() {
        format_map(out, "Labels", &labels);
    }
    let annotations = string_map(image, "/metadata/annotations");
    if !annotations.is_empty() {
        format_annotations(out, annotations);
    }

    let metadata = field(image, "/dockerImageMetadata");
    let size = metadata.get("Size").and_then(Value::as_f64).unwrap_or(0.0);
    let layers = list(image, "/dockerImageLayers");
    if layers.is_empty() {
        format_string(out, "Layer Size", &human_size(size));
    } else {
        format_string(
            out,
            "Image Size",
            &format!("{} in {} layers", human_size(size), layers.len()),
        );
        let lines: Vec<String> = layers
            .iter()
            .map(|l| {
                let layer_size = l.get("size").and_then(Value::as_f64).unwrap_or(0.0);
                format!("{}\t{}", human_size(layer_size), text(l, "/name"))
            })
            .collect();
        format_string(out, "Layers", &lines.join("\n"));
    }
    for signature in list(image, "/signatures") {
        format_string(out, "Image Signatures", " ");
        describe_signature(out, signature);
    }
    format_time(out, "Image Created", &age(metadata, "/Created", now));
    format_string(out, "Author", text(metadata, "/Author"));
    format_string(out, "Arch", text(metadata, "/Architecture"));
    format_manifests(out, list(image, "/dockerImageManifests"));
    describe_docker_config(out, field(metadata, "/Config"));
}

/// `describeImageSignature`: nested `\tName:`, `\tType:`, `\tStatus:` lines.
fn describe_signature(out: &mut String, signature: &Value) {
    format_string(out, "\tName", text(signature, "/name"));
    format_string(out, "\tType", text(signature, "/type"));
    let Some(issued_by) = signature.get("issuedBy").filter(|v| v.is_object()) else {
        format_string(out, "\tStatus", "Unverified");
        return;
    };
    format_string(out, "\tStatus", "Verified");
    format_string(out, "\tIssued By", text(issued_by, "/commonName"));
    for condition in list(signature, "/conditions") {
        // oc prints `metav1.Time` with Go's `time.Time.String()` in the local zone; we
        // print UTC in that format (a guess for the zone: Wharf verifies no signatures, so
        // `issuedBy` is never set by the server).
        let probed = timestamp(condition, "/lastProbeTime").map_or_else(
            || "0001-01-01 00:00:00 +0000 UTC".to_string(),
            |t| {
                let iso = wharf_domain::time::rfc3339(t);
                format!(
                    "{} +0000 UTC",
                    iso.trim_end_matches('Z').replacen('T', " ", 1)
                )
            },
        );
        format_string(
            out,
            "\t",
            &format!(
                "Signature is {} ({} on {probed})",
                text(condition, "/type"),
                text(condition, "/message")
            ),
        );
    }
}

/// `Manifests:` for manifest lists: `<os>/<arch>\t<digest>` per entry, laid out like
/// `Layers:`. The oc sources we could read (describer.go @1091d776) predate this line, so
/// its text and place (after `Arch:`) follow the spec §6.3 list; the variant is not shown
/// because the spec's form has none (a guess).
fn format_manifests(out: &mut String, manifests: &[Value]) {
    if manifests.is_empty() {
        return;
    }
    let platform = |m: &Value, key: &str| -> String {
        let flat = text(m, &format!("/{key}"));
        if flat.is_empty() {
            text(m, &format!("/platform/{key}")).to_string()
        } else {
            flat.to_string()
        }
    };
    let lines: Vec<String> = manifests
        .iter()
        .map(|m| {
            format!(
                "{}/{}\t{}",
                platform(m, "os"),
                platform(m, "architecture"),
                text(m, "/digest")
            )
        })
        .collect();
    format_string(out, "Manifests", &lines.join("\n"));
}

/// `describeDockerImage`: the container config. As in oc, `Command:` is printed when `Cmd`
/// is set, or as `<none>` when neither `Entrypoint` nor `Cmd` is (so an image with only an
/// entrypoint has no `Command:` line); `Environment:` and `Volumes:` only when non-empty.
fn describe_docker_config(out: &mut String, config: &Value) {
    let entrypoint = strings(config, "/Entrypoint");
    let command = strings(config, "/Cmd");
    if !entrypoint.is_empty() {
        format_string(out, "Entrypoint", &entrypoint.join(" "));
    }
    if !command.is_empty() {
        format_string(out, "Command", &command.join(" "));
    }
    if entrypoint.is_empty() && command.is_empty() {
        format_string(out, "Command", "");
    }
    format_string(out, "Working Dir", text(config, "/WorkingDir"));
    format_string(out, "User", text(config, "/User"));
    format_string(
        out,
        "Exposes Ports",
        &sorted_keys(config, "/ExposedPorts").join(", "),
    );
    format_map(out, "Docker Labels", &string_map(config, "/Labels"));
    continued_lines(out, "Environment", &strings(config, "/Env"));
    continued_lines(out, "Volumes", &sorted_keys(config, "/Volumes"));
}

/// The first value on the label's line (via `formatString`), the others as `\t<value>`.
fn continued_lines(out: &mut String, label: &str, values: &[String]) {
    for (i, value) in values.iter().enumerate() {
        if i == 0 {
            format_string(out, label, value);
        } else {
            out.push_str(&format!("\t{value}\n"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Sizes.

/// go-units `HumanSize`: 1000-based units, `%.4g` (4 significant digits, trailing zeros
/// dropped), no space: `372.6MB`, `299MB`, `0B`.
pub(crate) fn human_size(bytes: f64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", format_g(size, 4), UNITS[unit])
}

/// Go's `%.<precision>g` for finite numbers: rounded to `precision` significant digits
/// (ties to even, like Go and Rust's exact formatting), trailing zeros dropped, exponent
/// form (`1.5e+04`) when the decimal exponent is < -4 or >= `precision`.
fn format_g(x: f64, precision: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, x.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if x < 0.0 { "-" } else { "" };
    if exponent < -4 || exponent >= precision as i32 {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{exp_sign}{:02}", exponent.abs());
    }
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exponent as usize + 1;
    if digits.len() <= int_len {
        format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        let (int, frac) = digits.split_at(int_len);
        format!("{sign}{int}.{frac}")
    }
}

// ---------------------------------------------------------------------------------------

/// library-go's `imageutil.PrioritizeTags`, the order oc lists tag sections in (spec §3.6):
/// `latest`; minor versions (`5.1`, `v5.1`, `5.1-rc1`) newest first; full semantic versions
/// newest first; other tags lexically; on equal versions the unprefixed tag first.
mod tag_order {
    use std::cmp::Ordering;

    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Priority {
        Latest,
        Minor,
        Full,
        Other,
    }

    struct Prioritized {
        tag: String,
        priority: Priority,
        version: Version,
        prefix: &'static str,
    }

    /// Orders `tags` in place. Go sorts with `sort.Sort`, which is stable for the short
    /// lists describe sees (insertion sort below 13 items); a stable sort matches it.
    pub fn prioritize(tags: &mut [String]) {
        let mut ranked: Vec<Prioritized> = tags.iter().map(String::as_str).map(rank).collect();
        ranked.sort_by(compare);
        for (slot, ranked) in tags.iter_mut().zip(ranked) {
            *slot = ranked.tag;
        }
    }

    fn rank(tag: &str) -> Prioritized {
        let make = |priority, version, prefix| Prioritized {
            tag: tag.to_string(),
            priority,
            version,
            prefix,
        };
        if tag == "latest" {
            return make(Priority::Latest, Version::default(), "");
        }
        let (prefix, short) = match tag.strip_prefix('v') {
            Some(short) => ("v", short),
            None => ("", tag),
        };
        if let Some(v) = Version::parse(short) {
            return make(Priority::Full, v, prefix);
        }
        // `^\d+\.\d+$`, compared as `<short>.0`.
        if is_minor(short) {
            if let Some(v) = Version::parse(&format!("{short}.0")) {
                return make(Priority::Minor, v, prefix);
            }
        }
        // `^(\d+\.\d+)-\w+$`, compared as `<minor>.0-<rest>`.
        if let Some((minor, rest)) = short.split_once('-') {
            let word =
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if is_minor(minor) && word {
                if let Some(v) = Version::parse(&format!("{minor}.0-{rest}")) {
                    return make(Priority::Minor, v, prefix);
                }
            }
        }
        make(Priority::Other, Version::default(), prefix)
    }

    fn is_minor(s: &str) -> bool {
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        s.split_once('.')
            .is_some_and(|(major, minor)| digits(major) && digits(minor))
    }

    /// library-go's `Less`, as an ordering: newer versions first, then `""` before `"v"`.
    fn compare(a: &Prioritized, b: &Prioritized) -> Ordering {
        if a.priority != b.priority {
            return a.priority.cmp(&b.priority);
        }
        if a.priority == Priority::Other {
            return a.tag.cmp(&b.tag);
        }
        b.version
            .cmp_semver(&a.version)
            .then_with(|| a.prefix.cmp(b.prefix))
    }

    /// A semantic version as blang/semver v3 parses and compares it (build metadata is
    /// validated but ignored in comparisons).
    #[derive(Default)]
    struct Version {
        major: u64,
        minor: u64,
        patch: u64,
        pre: Vec<Pre>,
    }

    enum Pre {
        Num(u64),
        Str(String),
    }

    fn numeric(s: &str) -> Option<u64> {
        let leading_zero = s.len() > 1 && s.starts_with('0');
        if leading_zero || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }

    fn alphanumeric(s: &str) -> bool {
        s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }

    impl Version {
        fn parse(s: &str) -> Option<Version> {
            let mut parts = s.splitn(3, '.');
            let (major, minor, rest) = (parts.next()?, parts.next()?, parts.next()?);
            let (rest, build) = match rest.split_once('+') {
                Some((r, b)) => (r, Some(b)),
                None => (rest, None),
            };
            let (patch, pre) = match rest.split_once('-') {
                Some((p, pre)) => (p, Some(pre)),
                None => (rest, None),
            };
            let mut version = Version {
                major: numeric(major)?,
                minor: numeric(minor)?,
                patch: numeric(patch)?,
                pre: Vec::new(),
            };
            for part in pre.into_iter().flat_map(|p| p.split('.')) {
                if part.is_empty() {
                    return None;
                }
                let value = if part.bytes().all(|b| b.is_ascii_digit()) {
                    Pre::Num(numeric(part)?)
                } else if alphanumeric(part) {
                    Pre::Str(part.to_string())
                } else {
                    return None;
                };
                version.pre.push(value);
            }
            for part in build.into_iter().flat_map(|b| b.split('.')) {
                if part.is_empty() || !alphanumeric(part) {
                    return None;
                }
            }
            Some(version)
        }

        /// blang/semver `Compare`: a version without pre-release parts is newer than one
        /// with; pre-release parts compare numbers below strings.
        fn cmp_semver(&self, other: &Version) -> Ordering {
            let core =
                (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
            if core != Ordering::Equal {
                return core;
            }
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Greater,
                (false, true) => return Ordering::Less,
                (false, false) => {}
            }
            for (a, b) in self.pre.iter().zip(&other.pre) {
                let order = match (a, b) {
                    (Pre::Num(x), Pre::Num(y)) => x.cmp(y),
                    (Pre::Str(x), Pre::Str(y)) => x.cmp(y),
                    (Pre::Num(_), Pre::Str(_)) => Ordering::Less,
                    (Pre::Str(_), Pre::Num(_)) => Ordering::Greater,
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            self.pre.len().cmp(&other.pre.len())
        }
    }
}

// ---------------------------------------------------------------------------------------

/// Go's `text/tabwriter` as oc configures it: `Init(buf, 0, 8, 1, '\t', 0)` (minwidth 0,
/// tabwidth 8, padding 1, pad character TAB, no flags).
///
/// Hand-written rather than taken from the `tabwriter` crate: that crate only pads with
/// spaces, while Go with pad character `'\t'` rounds each column width up to a multiple of
/// the tab width and writes TABs, which is what oc's output contains byte for byte.
///
/// Go's rules, reproduced here: a line is split into cells at `\t`; the text after a line's
/// last TAB is not a column cell. Column `k` is laid out in blocks: a block is a run of
/// consecutive lines that all have a cell in column `k` (a line without a TAB ends every
/// block), and inside a block column `k+1` forms its own nested blocks. A block's width is
/// its widest cell (in runes) + padding, rounded up to a multiple of 8; each cell is
/// followed by as many TABs as it takes to reach that width. (Go's `\v`, `\f` and escape
/// handling are not needed by oc's describers and are not implemented.)
mod tabwriter {
    const MIN_WIDTH: usize = 0;
    const TAB_WIDTH: usize = 8;
    const PADDING: usize = 1;

    /// Aligns `text`; a last line without a newline is written without one, as Go does.
    pub fn format(text: &str) -> String {
        let mut pieces: Vec<&str> = text.split('\n').collect();
        let partial = pieces.pop().unwrap_or("");
        let mut lines: Vec<Vec<&str>> = pieces.iter().map(|l| l.split('\t').collect()).collect();
        let ends_with_newline = partial.is_empty();
        if !ends_with_newline {
            lines.push(partial.split('\t').collect());
        }
        let mut writer = Writer {
            lines: &lines,
            ends_with_newline,
            out: String::with_capacity(text.len() * 2),
        };
        writer.format(&mut Vec::new(), 0, lines.len());
        writer.out
    }

    struct Writer<'a> {
        lines: &'a [Vec<&'a str>],
        ends_with_newline: bool,
        out: String,
    }

    fn width(cell: &str) -> usize {
        cell.chars().count()
    }

    /// Whether `line` has a cell in `column` (its last cell does not count).
    fn has_cell(line: &[&str], column: usize) -> bool {
        column + 1 < line.len()
    }

    impl Writer<'_> {
        /// Go's `format`: lays out column `widths.len()` for lines `line0..line1`, recursing
        /// into the next column for each block.
        fn format(&mut self, widths: &mut Vec<usize>, mut line0: usize, line1: usize) {
            let column = widths.len();
            let mut this = line0;
            while this < line1 {
                if !has_cell(&self.lines[this], column) {
                    this += 1;
                    continue;
                }
                self.write_lines(widths, line0, this);
                line0 = this;
                let mut block_width = MIN_WIDTH;
                while this < line1 && has_cell(&self.lines[this], column) {
                    block_width = block_width.max(width(self.lines[this][column]) + PADDING);
                    this += 1;
                }
                widths.push(block_width);
                self.format(widths, line0, this);
                widths.pop();
                line0 = this;
            }
            self.write_lines(widths, line0, line1);
        }

        /// Go's `writeLines`: each cell followed by its column's padding, then the newline.
        fn write_lines(&mut self, widths: &[usize], line0: usize, line1: usize) {
            let lines = self.lines;
            for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
                for (j, cell) in line.iter().enumerate() {
                    self.out.push_str(cell);
                    if j < widths.len() {
                        self.pad(width(cell), widths[j]);
                    }
                }
                if i + 1 < lines.len() || self.ends_with_newline {
                    self.out.push('\n');
                }
            }
        }

        /// Go's `writePadding` with pad character TAB.
        fn pad(&mut self, text_width: usize, cell_width: usize) {
            let cell_width = cell_width.div_ceil(TAB_WIDTH) * TAB_WIDTH;
            let tabs = (cell_width - text_width).div_ceil(TAB_WIDTH);
            self.out.extend(std::iter::repeat_n('\t', tabs));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wharf_domain::time::rfc3339;

    const NOW: i64 = 1_795_415_951;
    const REGISTRY: &str = "image-registry.openshift-image-registry.svc:5000";

    /// spec §6.3, `describe is/python` example, verbatim (`sha256:aaa...` = a digest).
    const SPEC_IS_EXAMPLE: &str = r#"Name:                   python
Namespace:              demo
Created:                5 minutes ago
Labels:                 <none>
Annotations:            openshift.io/image.dockerRepositoryCheck=2024-05-01T10:00:00Z
Image Repository:       image-registry.openshift-image-registry.svc:5000/demo/python
Image Lookup:           local=false
Unique Images:          1
Tags:                   2

latest
  tagged from python@sha256:aaa...

  * docker.io/library/python@sha256:aaa...
      About a minute ago

3.11
  tagged from docker.io/library/python:3.11

  * docker.io/library/python@sha256:aaa...
      5 minutes ago
"#;

    /// spec §6.3, image example, verbatim.
    const SPEC_IMAGE_EXAMPLE: &str = r#"Image Name:     sha256:aaa...
Docker Image:   docker.io/library/python@sha256:aaa...
Name:           sha256:aaa...
Created:        5 minutes ago
Annotations:    image.openshift.io/dockerLayersOrder=ascending
Image Size:     372.6MB in 3 layers
Layers:         49.56MB sha256:111...
                24.05MB sha256:222...
                299MB   sha256:333...
Image Created:  2 weeks ago
Author:         <none>
Arch:           amd64
Command:        python3
Working Dir:    <none>
User:           <none>
Exposes Ports:  <none>
Docker Labels:  <none>
Environment:    PATH=/usr/local/bin:/usr/bin
                LANG=C.UTF-8
"#;

    /// The RFC 3339 time `secs` before `NOW`.
    fn ago(secs: i64) -> String {
        rfc3339(NOW - secs)
    }

    fn digest(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    /// Renders TABs at 8-column stops, as a terminal shows them.
    fn expand_tabs(s: &str) -> String {
        let mut out = String::new();
        for line in s.split_inclusive('\n') {
            let mut col = 0;
            for c in line.chars() {
                if c == '\t' {
                    let n = 8 - col % 8;
                    out.push_str(&" ".repeat(n));
                    col += n;
                } else {
                    out.push(c);
                    col += 1;
                }
            }
        }
        out
    }

    fn stream(spec_tags: Value, status_tags: Value) -> Value {
        json!({
            "kind": "ImageStream",
            "metadata": {"name": "python", "namespace": "demo", "creationTimestamp": ago(300)},
            "spec": {"lookupPolicy": {"local": false}, "tags": spec_tags},
            "status": {"dockerImageRepository": format!("{REGISTRY}/demo/python"), "tags": status_tags},
        })
    }

    fn event(reference: &str, image: &str, created_secs_ago: i64, generation: i64) -> Value {
        json!({"created": ago(created_secs_ago), "dockerImageReference": reference, "image": image, "generation": generation})
    }

    /// The text after the `Tags:` line and its blank line.
    fn sections(out: &str) -> &str {
        out.split_once("\n\n").map_or("", |(_, rest)| rest)
    }

    #[test]
    fn describe_is_python_matches_the_spec_example_byte_for_byte() {
        let d = digest('a');
        let pulled = format!("docker.io/library/python@{d}");
        let mut s = stream(
            json!([
                {"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"},
                 "generation": 1, "importPolicy": {"importMode": "Legacy"}, "referencePolicy": {"type": "Source"}},
                {"name": "latest", "from": {"kind": "ImageStreamImage", "name": format!("python@{d}")},
                 "generation": 3, "importPolicy": {"importMode": "Legacy"}, "referencePolicy": {"type": "Source"}},
            ]),
            json!([
                {"tag": "3.11", "items": [event(&pulled, &d, 300, 2)]},
                {"tag": "latest", "items": [event(&pulled, &d, 90, 3)]},
            ]),
        );
        s["metadata"]["annotations"] =
            json!({"openshift.io/image.dockerRepositoryCheck": "2024-05-01T10:00:00Z"});
        let out = image_stream(&s, NOW);
        let expected = format!(
            "Name:\t\t\tpython\n\
             Namespace:\t\tdemo\n\
             Created:\t\t5 minutes ago\n\
             Labels:\t\t\t<none>\n\
             Annotations:\t\topenshift.io/image.dockerRepositoryCheck=2024-05-01T10:00:00Z\n\
             Image Repository:\t{REGISTRY}/demo/python\n\
             Image Lookup:\t\tlocal=false\n\
             Unique Images:\t\t1\n\
             Tags:\t\t\t2\n\
             \n\
             latest\n  tagged from python@{d}\n\n  * {pulled}\n      About a minute ago\n\
             \n\
             3.11\n  tagged from docker.io/library/python:3.11\n\n  * {pulled}\n      5 minutes ago\n"
        );
        assert_eq!(out, expected);
        // As a terminal shows it: the spec's example, verbatim.
        let spec = SPEC_IS_EXAMPLE.replace("sha256:aaa...", &d);
        assert_eq!(expand_tabs(&out), spec);
    }

    fn python_image() -> Value {
        json!({
            "kind": "Image",
            "metadata": {
                "name": digest('a'),
                "creationTimestamp": ago(300),
                "annotations": {"image.openshift.io/dockerLayersOrder": "ascending"},
            },
            "dockerImageReference": format!("docker.io/library/python@{}", digest('a')),
            "dockerImageMetadata": {
                "kind": "DockerImage", "apiVersion": "1.0",
                "Created": ago(15 * 86_400),
                "Architecture": "amd64",
                "Size": 372_620_000u64,
                "Config": {"Cmd": ["python3"], "Env": ["PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8"]},
            },
            "dockerImageLayers": [
                {"name": digest('1'), "size": 49_557_123u64, "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"},
                {"name": digest('2'), "size": 24_049_876u64, "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"},
                {"name": digest('3'), "size": 299_012_345u64, "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"},
            ],
        })
    }

    #[test]
    fn describe_istag_matches_the_spec_image_example_byte_for_byte() {
        let istag = json!({"kind": "ImageStreamTag", "metadata": {"name": "python:3.11"}, "image": python_image()});
        let (a, l1, l2, l3) = (digest('a'), digest('1'), digest('2'), digest('3'));
        let expected = format!(
            "Image Name:\t{a}\n\
             Docker Image:\tdocker.io/library/python@{a}\n\
             Name:\t\t{a}\n\
             Created:\t5 minutes ago\n\
             Annotations:\timage.openshift.io/dockerLayersOrder=ascending\n\
             Image Size:\t372.6MB in 3 layers\n\
             Layers:\t\t49.56MB\t{l1}\n\
             \t\t24.05MB\t{l2}\n\
             \t\t299MB\t{l3}\n\
             Image Created:\t2 weeks ago\n\
             Author:\t\t<none>\n\
             Arch:\t\tamd64\n\
             Command:\tpython3\n\
             Working Dir:\t<none>\n\
             User:\t\t<none>\n\
             Exposes Ports:\t<none>\n\
             Docker Labels:\t<none>\n\
             Environment:\tPATH=/usr/local/bin:/usr/bin\n\
             \t\tLANG=C.UTF-8\n"
        );
        let out = image_stream_tag(&istag, NOW);
        assert_eq!(out, expected);
        let spec = SPEC_IMAGE_EXAMPLE
            .replace("sha256:aaa...", &a)
            .replace("sha256:111...", &l1)
            .replace("sha256:222...", &l2)
            .replace("sha256:333...", &l3);
        assert_eq!(expand_tabs(&out), spec, "as a terminal shows it");
        // `describe image` is the same without the first line.
        assert_eq!(
            image(&python_image(), NOW),
            expected.replacen(&format!("Image Name:\t{a}\n"), "", 1)
        );
    }

    #[test]
    fn an_image_named_for_import_image_shows_that_name() {
        let out = image_named(&python_image(), "foo:latest", NOW);
        assert!(out.starts_with("Image Name:\tfoo:latest\n"), "{out}");
    }

    #[test]
    fn a_stream_without_tags_prints_only_tags_none() {
        let mut s = stream(json!([]), json!([]));
        s["status"].as_object_mut().unwrap().remove("tags");
        s["spec"].as_object_mut().unwrap().remove("tags");
        let out = image_stream(&s, NOW);
        assert!(
            out.ends_with("Image Lookup:\t\tlocal=false\nTags:\t\t\t<none>\n"),
            "{out}"
        );
        assert!(!out.contains("Unique Images"));
    }

    #[test]
    fn tags_tracking_a_spec_tag_are_listed_on_its_header() {
        let d = digest('a');
        let pulled = format!("docker.io/library/python@{d}");
        let ist = |name: &str| json!({"kind": "ImageStreamTag", "name": name});
        let s = stream(
            json!([
                {"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"}, "generation": 1},
                {"name": "latest", "from": ist("3.11"), "generation": 2},
                {"name": "stable", "from": ist("python:3.11"), "generation": 3},
                {"name": "newest", "from": ist("latest"), "generation": 4},
                {"name": "copy", "from": ist("other:3.11"), "generation": 5},
            ]),
            json!([
                {"tag": "3.11", "items": [event(&pulled, &d, 300, 2)]},
                {"tag": "latest", "items": [event(&pulled, &d, 300, 2)]},
                {"tag": "stable", "items": [event(&pulled, &d, 300, 3)]},
            ]),
        );
        let out = image_stream(&s, NOW);
        assert!(
            out.contains("Unique Images:\t\t1\nTags:\t\t\t5\n\n"),
            "trackers still count: {out}"
        );
        assert_eq!(
            sections(&out),
            format!(
                "3.11 (latest, newest, stable)\n  tagged from docker.io/library/python:3.11\n\n  * {pulled}\n      5 minutes ago\n\
                 \n\
                 copy\n  tagged from other:3.11\n\n  ~ importing latest image ...\n"
            )
        );
    }

    #[test]
    fn a_failed_import_shows_the_error_and_keeps_the_history() {
        let (d1, d2) = (digest('a'), digest('b'));
        let mut s = stream(
            json!([{"name": "3.11", "from": {"kind": "DockerImage", "name": "docker.io/library/python:3.11"}, "generation": 0}]),
            json!([{"tag": "3.11",
                "items": [event(&format!("docker.io/library/python@{d2}"), &d2, 3600, 3),
                          event(&format!("docker.io/library/python@{d1}"), &d1, 7200, 2)],
                "conditions": [{"type": "ImportSuccess", "status": "False", "reason": "NotFound",
                    "message": "dockerimage.image.openshift.io \"docker.io/library/python:3.11\" not found",
                    "lastTransitionTime": ago(120), "generation": 4}]}]),
        );
        s["metadata"]["labels"] = json!({"team": "web", "app": "py"});
        let out = image_stream(&s, NOW);
        assert!(
            out.contains("Labels:\t\t\tapp=py\n\t\t\tteam=web\n"),
            "{out}"
        );
        assert!(out.contains("Unique Images:\t\t2\n"));
        assert_eq!(
            sections(&out),
            format!(
                "3.11\n  tagged from docker.io/library/python:3.11\n\n\
                 \x20 ! error: Import failed (NotFound): dockerimage.image.openshift.io \"docker.io/library/python:3.11\" not found\n\
                 \x20     2 minutes ago\n\
                 \x20 * docker.io/library/python@{d2}\n      About an hour ago\n\
                 \x20   docker.io/library/python@{d1}\n      2 hours ago\n"
            )
        );
    }

    #[test]
    fn a_reference_only_docker_image_tag_says_reference_to_registry() {
        let from = "docker.io/library/nginx:1.25";
        let s = stream(
            json!([{"name": "1.25", "from": {"kind": "DockerImage", "name": from}, "reference": true, "generation": 7}]),
            json!([{"tag": "1.25", "items": [event(from, "", 60, 7)]}]),
        );
        let out = image_stream(&s, NOW);
        assert!(
            out.contains("Unique Images:\t\t1\nTags:\t\t\t1\n\n"),
            "{out}"
        );
        assert_eq!(
            sections(&out),
            format!(
                "1.25\n  reference to registry {from}\n\n  * {from}\n      About a minute ago\n"
            )
        );
    }

    #[test]
    fn source_lines_cover_each_kind_and_flag() {
        let tag = |name: &str, extra: Value| {
            let mut t = json!({"name": name, "generation": 1});
            for (k, v) in extra.as_object().unwrap() {
                t[k] = v.clone();
            }
            t
        };
        let s = stream(
            json!([
                tag(
                    "a",
                    json!({"from": {"kind": "DockerImage", "name": "quay.io/x/y:1"}, "importPolicy": {"scheduled": true, "insecure": true}, "referencePolicy": {"type": "Local"}})
                ),
                tag(
                    "b",
                    json!({"from": {"kind": "ImageStreamTag", "name": "base:1", "namespace": "team"}, "reference": true})
                ),
                tag(
                    "c",
                    json!({"from": {"kind": "ImageStreamImage", "name": "base@sha256:abc", "namespace": "demo"}, "reference": true})
                ),
                tag(
                    "d",
                    json!({"annotations": {"description": "Python 3", "tags": "builder,python", "supports": "python:3,python", "sampleRepo": "https://example.com/app.git"}})
                ),
                tag("e", json!({"from": {"kind": "Foo", "name": "bar"}})),
            ]),
            json!([{"tag": "f", "items": [event("quay.io/x/y@sha256:0000000000000000000000000000000000000000000000000000000000000000", &digest('c'), 30, 1)]}]),
        );
        let out = sections(&image_stream(&s, NOW)).to_string();
        let c = digest('c');
        assert_eq!(
            out,
            format!(
                "a\n  updates automatically from registry quay.io/x/y:1\n    will use insecure HTTPS or HTTP connections\n    prefer registry pullthrough when referencing this tag\n\n  ~ importing latest image ...\n\
                 \nb\n  reference to team/base:1\n\n\
                 \nc\n  reference to image base@sha256:abc\n\n\
                 \nd\n  tag without source image\n\n  Python 3\n  Tags: builder, python\n  Supports: python:3, python\n  Example Repo: https://example.com/app.git\n\n\
                 \ne\n  updates from Foo bar\n\n  ~ importing latest image ...\n\
                 \nf\n  no spec tag\n\n  * quay.io/x/y@sha256:0000000000000000000000000000000000000000000000000000000000000000\n      30 seconds ago\t{c}\n"
            )
        );
    }

    #[test]
    fn a_manifest_list_image_lists_its_manifests() {
        let list = json!({
            "metadata": {"name": digest('f')},
            "dockerImageReference": format!("{REGISTRY}/demo/app@{}", digest('f')),
            "dockerImageMetadata": {"kind": "DockerImage", "apiVersion": "1.0", "Id": digest('f'), "Created": ago(10)},
            "dockerImageManifests": [
                {"digest": digest('1'), "mediaType": "application/vnd.oci.image.manifest.v1+json", "manifestSize": 500, "architecture": "amd64", "os": "linux", "variant": ""},
                {"digest": digest('2'), "mediaType": "application/vnd.oci.image.manifest.v1+json", "manifestSize": 500, "architecture": "arm64", "os": "linux", "variant": "v8"},
            ],
        });
        let out = image(&list, NOW);
        let (f, m1, m2) = (digest('f'), digest('1'), digest('2'));
        assert_eq!(
            out,
            format!(
                "Docker Image:\t{REGISTRY}/demo/app@{f}\n\
                 Name:\t\t{f}\n\
                 Layer Size:\t0B\n\
                 Image Created:\t10 seconds ago\n\
                 Author:\t\t<none>\n\
                 Arch:\t\t<none>\n\
                 Manifests:\tlinux/amd64\t{m1}\n\
                 \t\tlinux/arm64\t{m2}\n\
                 Command:\t<none>\n\
                 Working Dir:\t<none>\n\
                 User:\t\t<none>\n\
                 Exposes Ports:\t<none>\n\
                 Docker Labels:\t<none>\n"
            )
        );
    }

    #[test]
    fn image_config_fields_follow_oc() {
        let mut img = python_image();
        img["dockerImageMetadata"]["Config"] = json!({
            "Entrypoint": ["/entry", "-x"], "WorkingDir": "/app", "User": "1001",
            "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}}, "Labels": {"b": "2", "a": "1"},
            "Volumes": {"/data": {}, "/cache": {}},
        });
        img["dockerImageMetadata"]["Author"] = json!("me");
        let out = expand_tabs(&image(&img, NOW));
        assert!(
            out.ends_with(
                "Author:         me\n\
                 Arch:           amd64\n\
                 Entrypoint:     /entry -x\n\
                 Working Dir:    /app\n\
                 User:           1001\n\
                 Exposes Ports:  443/tcp, 8080/tcp\n\
                 Docker Labels:  a=1\n\
                 \x20               b=2\n\
                 Volumes:        /cache\n\
                 \x20               /data\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn an_image_with_missing_fields_still_renders() {
        let out = image(&json!({}), NOW);
        assert!(out.starts_with("Docker Image:\t<none>\nName:\t\t<none>\nLayer Size:\t0B\nImage Created:\t292 years ago\n"), "{out}");
        let out = image_stream_tag(&json!({"image": null}), NOW);
        assert!(out.starts_with("Docker Image:\t<none>\n"), "{out}");
        let out = image_stream(
            &json!({"spec": {"tags": [{"name": "x", "from": null}]}}),
            NOW,
        );
        assert!(out.ends_with("x\n  tag without source image\n\n"), "{out}");
    }

    #[test]
    fn tabwriter_pads_with_tabs_to_multiples_of_eight() {
        // Go: w.Init(out, 0, 8, 1, '\t', 0) on "a\tb\tc\td\t." / "123\t12345\t1234567\t123456789\t."
        assert_eq!(
            tabwriter::format("a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n"),
            "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n"
        );
        // A 7-rune cell needs 8 columns (one TAB); an 8-rune one needs 16 (still one TAB,
        // since it is padded from its own end); 16 runes -> 24.
        assert_eq!(tabwriter::format("1234567\tx\n"), "1234567\tx\n");
        assert_eq!(
            tabwriter::format("12345678\tx\nab\ty\n"),
            "12345678\tx\nab\t\ty\n"
        );
        assert_eq!(
            tabwriter::format("1234567890123456\tx\nab\ty\n"),
            "1234567890123456\tx\nab\t\t\ty\n"
        );
    }

    #[test]
    fn tabwriter_nests_blocks_and_lines_without_tabs_end_them() {
        // A header with one TAB, then lines with two: column 0 spans all four lines,
        // column 1 only the two nested ones.
        let text = "a:\tx\n\tName:\tfoo\n\tLongerName:\tbar\nbb:\ty\nend\nzz\tq\n";
        assert_eq!(
            tabwriter::format(text),
            "a:\tx\n\tName:\t\tfoo\n\tLongerName:\tbar\nbb:\ty\nend\nzz\tq\n"
        );
        // Without the blank line both cells share one column; with it they do not.
        assert_eq!(
            tabwriter::format("a\tb\nlonger-cell-xx\tc\n"),
            "a\t\tb\nlonger-cell-xx\tc\n"
        );
        assert_eq!(
            tabwriter::format("a\tb\n\nlonger-cell-xx\tc\n"),
            "a\tb\n\nlonger-cell-xx\tc\n"
        );
        // Empty leading cells are padded like any other; widths count runes, not bytes.
        assert_eq!(
            tabwriter::format("Environment:\tA=1\n\tB=2\n"),
            "Environment:\tA=1\n\t\tB=2\n"
        );
        assert_eq!(
            tabwriter::format("ééééééé\tx\nab\ty\n"),
            "ééééééé\tx\nab\ty\n"
        );
        // A last line without a newline stays without one.
        assert_eq!(tabwriter::format("a\tb\nc\td"), "a\tb\nc\td");
        assert_eq!(tabwriter::format(""), "");
    }

    #[test]
    fn human_size_matches_go_units() {
        for (bytes, want) in [
            (0.0, "0B"),
            (999.0, "999B"),
            (1000.0, "1kB"),
            (12_125.0, "12.12kB"),
            (999_999.0, "1000kB"),
            (49_557_123.0, "49.56MB"),
            (24_049_876.0, "24.05MB"),
            (299_012_345.0, "299MB"),
            (372_620_000.0, "372.6MB"),
            (1_500_000_000.0, "1.5GB"),
            (1e28, "1e+04YB"),
            (1.5e28, "1.5e+04YB"),
        ] {
            assert_eq!(human_size(bytes), want, "{bytes}");
        }
        assert_eq!(format_g(0.5, 4), "0.5");
        assert_eq!(format_g(0.000_012_34, 4), "1.234e-05");
        assert_eq!(format_g(-2.5, 4), "-2.5");
    }

    #[test]
    fn tags_are_ordered_latest_then_versions_then_others() {
        let mut tags: Vec<String> = [
            "other", "v5.1", "5.1.3", "5.1", "abc", "latest", "5.2", "5.1-rc1", "v",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        tag_order::prioritize(&mut tags);
        assert_eq!(
            tags,
            ["latest", "5.2", "5.1", "v5.1", "5.1-rc1", "5.1.3", "abc", "other", "v"]
        );
        let mut tags: Vec<String> = [
            "1.0.0-alpha",
            "1.0.0",
            "1.0.0-alpha.1",
            "1.0.0-1",
            "2.0.0",
            "01.0.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        tag_order::prioritize(&mut tags);
        assert_eq!(
            tags,
            [
                "2.0.0",
                "1.0.0",
                "1.0.0-alpha.1",
                "1.0.0-alpha",
                "1.0.0-1",
                "01.0.0"
            ]
        );
    }
}
