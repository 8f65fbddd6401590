//! Importing images from external registries (spec §3): what an ImageStreamImport asks for,
//! which streams need one, which credentials apply, which tags a repository import takes,
//! which manifest of a list Legacy mode keeps, and how a result changes an ImageStream.
//! No I/O: the fetching is `wharf-import`'s, the writing the API server's.

pub mod credentials;
pub mod platform;
pub mod tag_order;

use serde_json::{json, Value};

use crate::imagestream::{add_tag_event, set_status_tags, status_tags, TagEvent};
use crate::reference::{self, DockerImageReference};
use crate::stream_spec::{invalid, name_problem, required, FieldError};

/// Annotation recording when a stream was last imported (spec §1.10).
pub const ANNOTATION_REPOSITORY_CHECK: &str = "openshift.io/image.dockerRepositoryCheck";
/// Annotation asking that a stream's repository be fetched without TLS verification.
pub const ANNOTATION_INSECURE_REPOSITORY: &str = "openshift.io/image.insecureRepository";
/// How many tags a repository import takes (`maxImagesBulkImportedPerRepository`).
pub const MAX_IMAGES_BULK_IMPORTED: usize = 50;

/// How a manifest list is imported (`importPolicy.importMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// One entry of a list, chosen by [`platform::choose_legacy_entry`].
    #[default]
    Legacy,
    /// The list itself and every entry.
    PreserveOriginal,
}

impl ImportMode {
    /// The mode an `importPolicy` asks for (`""` and absent are Legacy).
    pub fn of_policy(policy: &Value) -> ImportMode {
        match policy["importMode"].as_str() {
            Some("PreserveOriginal") => ImportMode::PreserveOriginal,
            _ => ImportMode::Legacy,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Legacy => "Legacy",
            ImportMode::PreserveOriginal => "PreserveOriginal",
        }
    }
}

/// Validates an ImageStreamImport (OpenShift's `ValidateImageStreamImport`).
pub fn validate(isi: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let images = isi.pointer("/spec/images").and_then(Value::as_array);
    for (i, spec) in images.into_iter().flatten().enumerate() {
        let path = |p: &str| format!("spec.images[{i}].{p}");
        let kind = spec
            .pointer("/from/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        if kind != "DockerImage" {
            errors.push(invalid(
                path("from.kind"),
                kind,
                "only DockerImage is supported",
            ));
            continue;
        }
        if spec.get("to").is_some_and(Value::is_object)
            && spec
                .pointer("/to/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
        {
            errors.push(invalid(
                path("to.name"),
                "",
                "the name of the target tag must be specified",
            ));
        }
        let from = spec
            .pointer("/from/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if from.is_empty() {
            errors.push(required(path("from.name"), ""));
            continue;
        }
        match reference::parse(from) {
            Err(e) => errors.push(invalid(path("from.name"), from, e)),
            Ok(r)
                if !r.id.is_empty()
                    && spec.pointer("/importPolicy/scheduled") == Some(&json!(true)) =>
            {
                errors.push(invalid(
                    path("from.name"),
                    from,
                    "only tags can be scheduled for import",
                ))
            }
            Ok(_) => {}
        }
        if let Some(mode) = spec
            .pointer("/importPolicy/importMode")
            .and_then(Value::as_str)
        {
            if !matches!(mode, "" | "Legacy" | "PreserveOriginal") {
                errors.push(invalid(
                    path("importPolicy.importMode"),
                    mode,
                    "invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'",
                ));
            }
        }
    }
    if let Some(repo) = isi.pointer("/spec/repository").filter(|r| r.is_object()) {
        let kind = repo
            .pointer("/from/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let from = repo
            .pointer("/from/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if kind != "DockerImage" {
            errors.push(invalid(
                "spec.repository.from.kind".into(),
                kind,
                "only DockerImage is supported",
            ));
        } else if from.is_empty() {
            errors.push(required(
                "spec.repository.from.name".into(),
                "container image references require a name",
            ));
        } else {
            match reference::parse(from) {
                Err(e) => errors.push(invalid("spec.repository.from.name".into(), from, e)),
                Ok(r) if !r.id.is_empty() || !r.tag.is_empty() => errors.push(invalid(
                    "spec.repository.from.name".into(),
                    from,
                    "you must specify an image repository, not a tag or ID",
                )),
                Ok(_) => {}
            }
        }
    }
    let has_repository = isi
        .pointer("/spec/repository")
        .is_some_and(Value::is_object);
    if images.is_none_or(|i| i.is_empty()) && !has_repository {
        errors.push(invalid(
            "spec.images".into(),
            "null",
            "you must specify at least one image or a repository import",
        ));
    }
    let name = isi
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        errors.push(required(
            "metadata.name".into(),
            "name or generateName is required",
        ));
    } else if let Some(problem) = name_problem(name) {
        errors.push(invalid("metadata.name".into(), name, &problem));
    }
    errors
}

/// A reference with the client defaults applied: Docker Hub for no registry, `library/` for
/// a Hub name with no namespace, `latest` for no tag and no digest (library-go's
/// `DockerClientDefaults`). This is what error messages and fetches name.
pub fn with_defaults(mut r: DockerImageReference) -> DockerImageReference {
    if r.registry.is_empty() {
        r.registry = "docker.io".into();
    }
    if is_docker_hub(&r.registry) && r.namespace.is_empty() {
        r.namespace = "library".into();
    }
    if r.tag.is_empty() && r.id.is_empty() {
        r.tag = "latest".into();
    }
    r
}

/// Whether a registry host names Docker Hub.
pub fn is_docker_hub(registry: &str) -> bool {
    matches!(
        registry,
        "" | "docker.io" | "index.docker.io" | "registry-1.docker.io"
    )
}

/// `<registry>/<namespace>/<name>` of a defaulted reference: the repository a fetch names.
pub fn repository_path(r: &DockerImageReference) -> String {
    if r.namespace.is_empty() {
        r.name.clone()
    } else {
        format!("{}/{}", r.namespace, r.name)
    }
}

/// library-go's `MostSpecific().Exact()` of `pull_spec` with `id`: a digest replaces the tag.
pub fn most_specific(pull_spec: &str, id: &str) -> String {
    match reference::parse(pull_spec) {
        Ok(mut r) => {
            if !id.is_empty() {
                r.id = id.to_string();
                r.tag.clear();
            }
            r.exact()
        }
        Err(_) => pull_spec.to_string(),
    }
}

/// What one import request for a tag asked for, and how it ended.
#[derive(Clone, Debug)]
pub struct TagImport {
    /// The stream tag written.
    pub tag: String,
    /// `from.name` as requested (written into a new spec tag).
    pub from: String,
    pub import_policy: Value,
    pub reference_policy: Value,
    pub outcome: Result<ImportedImage, ImportFailure>,
}

/// The Image an import produced (for a list imported whole: the list's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedImage {
    /// The digest.
    pub name: String,
    /// `dockerImageReference` of the Image.
    pub reference: String,
}

/// Why an import of one image failed: a Kubernetes Status reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFailure {
    pub reason: String,
    pub message: String,
}

impl ImportFailure {
    pub fn new(reason: &str, message: impl Into<String>) -> Self {
        ImportFailure {
            reason: reason.into(),
            message: message.into(),
        }
    }
}

fn spec_tags_mut(stream: &mut Value) -> &mut Vec<Value> {
    if !stream.get("spec").is_some_and(Value::is_object) {
        stream["spec"] = json!({});
    }
    if !stream["spec"].get("tags").is_some_and(Value::is_array) {
        stream["spec"]["tags"] = json!([]);
    }
    stream["spec"]["tags"]
        .as_array_mut()
        .expect("just made an array")
}

fn spec_tag_index(stream: &Value, tag: &str) -> Option<usize> {
    stream
        .pointer("/spec/tags")?
        .as_array()?
        .iter()
        .position(|t| t["name"].as_str() == Some(tag))
}

/// OpenShift's `ensureSpecTag`: the spec tag of `tag` imports `from` at the next generation
/// (0 here, which the update rules turn into the stream's next generation). An existing tag
/// is left alone unless `reset`; its reference policy survives either way.
fn ensure_spec_tag(stream: &mut Value, t: &TagImport, reset: bool) {
    let existing = spec_tag_index(stream, &t.tag);
    if existing.is_some() && !reset {
        return;
    }
    let tags = spec_tags_mut(stream);
    let mut spec = existing
        .map(|i| tags[i].clone())
        .unwrap_or_else(|| json!({ "name": t.tag }));
    spec["from"] = json!({ "kind": "DockerImage", "name": t.from });
    spec["generation"] = 0.into();
    spec["importPolicy"] = t.import_policy.clone();
    if spec
        .pointer("/referencePolicy/type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        spec["referencePolicy"] = t.reference_policy.clone();
    }
    match existing {
        Some(i) => tags[i] = spec,
        None => {
            let at = tags.partition_point(|x| x["name"].as_str().unwrap_or("") < t.tag.as_str());
            tags.insert(at, spec);
        }
    }
}

/// Applies the results of one import to `stream` (OpenShift's `createImages`: §3.4 for
/// successes, §3.5 for failures). `next_generation` is the stream's generation + 1, `now`
/// RFC 3339. Returns nothing: the caller compares the stream before and after.
pub fn apply(stream: &mut Value, results: &[TagImport], next_generation: i64, now: &str) {
    for t in results {
        match &t.outcome {
            Ok(image) => apply_success(stream, t, image, next_generation, now),
            Err(failure) => {
                apply_failure(stream, &t.tag, failure, next_generation, now);
                ensure_spec_tag(stream, t, false);
            }
        }
    }
}

fn apply_success(
    stream: &mut Value,
    t: &TagImport,
    image: &ImportedImage,
    generation: i64,
    now: &str,
) {
    let event = TagEvent {
        created: now.to_string(),
        docker_image_reference: most_specific(&image.reference, &image.name),
        image: image.name.clone(),
        generation,
    };
    let mut tags = status_tags(stream);
    let current = tags
        .iter()
        .find(|x| x.tag == t.tag)
        .and_then(|x| x.items.as_ref()?.first());
    let spec_generation = spec_tag_index(stream, &t.tag)
        .and_then(|i| stream["spec"]["tags"][i]["generation"].as_i64());
    let changed = match (current, spec_generation) {
        (Some(cur), Some(g)) => {
            cur.docker_image_reference != event.docker_image_reference
                || cur.image != event.image
                || g > cur.generation
        }
        _ => true,
    };
    if changed {
        ensure_spec_tag(stream, t, true);
        add_tag_event(&mut tags, &t.tag, event);
    }
    if let Some(i) = spec_tag_index(stream, &t.tag) {
        stream["spec"]["tags"][i]["importPolicy"] = t.import_policy.clone();
    }
    if let Some(entry) = tags.iter_mut().find(|x| x.tag == t.tag) {
        entry.conditions.clear();
    }
    set_status_tags(stream, &tags);
}

fn apply_failure(
    stream: &mut Value,
    tag: &str,
    failure: &ImportFailure,
    generation: i64,
    now: &str,
) {
    let message = if failure.message.is_empty() {
        "unknown error prevented import"
    } else {
        &failure.message
    };
    let mut tags = status_tags(stream);
    let same = tags.iter().find(|x| x.tag == tag).is_some_and(|x| {
        x.conditions.iter().any(|c| {
            c["type"] == "ImportSuccess"
                && c["status"] == "False"
                && c["reason"].as_str() == Some(&failure.reason)
                && c["message"].as_str() == Some(message)
        })
    });
    if same {
        return;
    }
    let condition = json!({
        "type": "ImportSuccess",
        "status": "False",
        "lastTransitionTime": now,
        "reason": failure.reason,
        "message": message,
        "generation": generation,
    });
    match tags.binary_search_by(|x| x.tag.as_str().cmp(tag)) {
        Ok(i) => tags[i].conditions = vec![condition],
        Err(i) => tags.insert(
            i,
            crate::imagestream::NamedTagEventList {
                tag: tag.to_string(),
                items: None,
                conditions: vec![condition],
            },
        ),
    }
    set_status_tags(stream, &tags);
    if let Some(i) = spec_tag_index(stream, tag) {
        stream["spec"]["tags"][i]["generation"] = 0.into();
    }
}

/// A spec tag an import can fetch: `from.kind: DockerImage` and not `reference`.
fn importable(tag: &Value) -> bool {
    tag.pointer("/from/kind").and_then(Value::as_str) == Some("DockerImage")
        && !tag["reference"].as_bool().unwrap_or(false)
}

/// The newest generation the status has seen for `tag`: its current event's, or a newer
/// ImportSuccess condition's.
fn observed_generation(stream: &Value, tag: &str) -> i64 {
    let tags = status_tags(stream);
    let Some(entry) = tags.iter().find(|t| t.tag == tag) else {
        return 0;
    };
    let mut latest = entry
        .items
        .as_ref()
        .and_then(|i| i.first())
        .map_or(0, |e| e.generation);
    for c in &entry.conditions {
        if c["type"] == "ImportSuccess" {
            latest = latest.max(c["generation"].as_i64().unwrap_or(0));
        }
    }
    latest
}

fn tag_needs_import(stream: &Value, tag: &Value, when_generation_missing: bool) -> bool {
    if !importable(tag) {
        return false;
    }
    match tag["generation"].as_i64() {
        None => when_generation_missing,
        Some(g) => g > observed_generation(stream, tag["name"].as_str().unwrap_or("")),
    }
}

/// The ImageStreamImport the image stream controller posts for `stream`, if it needs one
/// (spec §3.1, OpenShift's `needsImport` and `Process`): a full import of
/// `spec.dockerImageRepository` on a stream never checked, else the importable tags whose
/// spec generation is ahead of what the status has seen.
pub fn import_request(stream: &Value) -> Option<Value> {
    let checked = stream
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(ANNOTATION_REPOSITORY_CHECK))
        .and_then(Value::as_str)
        .is_some_and(|v| !v.is_empty());
    let repository = stream
        .pointer("/spec/dockerImageRepository")
        .and_then(Value::as_str)
        .unwrap_or("");
    let tags: Vec<&Value> = stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let full = !checked && !repository.is_empty();
    let pending: Vec<&Value> = tags
        .iter()
        .copied()
        .filter(|t| {
            if full {
                importable(t)
            } else {
                tag_needs_import(stream, t, true)
            }
        })
        .collect();
    if !full && pending.is_empty() {
        return None;
    }
    let insecure_repository = stream
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(ANNOTATION_INSECURE_REPOSITORY))
        .and_then(Value::as_str)
        == Some("true");
    let mut isi = tag_import_request(stream, &pending);
    isi["metadata"]["resourceVersion"] = stream["metadata"]["resourceVersion"].clone();
    isi["metadata"]["uid"] = stream["metadata"]["uid"].clone();
    if full {
        isi["spec"]["repository"] = json!({
            "from": { "kind": "DockerImage", "name": repository },
            "importPolicy": { "insecure": insecure_repository },
        });
    }
    Some(isi)
}

/// An ImageStreamImport of `stream` re-importing spec `tags` from their sources, with their
/// own import and reference policies.
pub fn tag_import_request(stream: &Value, tags: &[&Value]) -> Value {
    let images: Vec<Value> = tags
        .iter()
        .map(|t| {
            json!({
                "from": { "kind": "DockerImage", "name": t.pointer("/from/name").cloned().unwrap_or(Value::Null) },
                "to": { "name": t["name"] },
                "importPolicy": t.get("importPolicy").cloned().unwrap_or_else(|| json!({})),
                "referencePolicy": t.get("referencePolicy").cloned().unwrap_or_else(|| json!({})),
            })
        })
        .collect();
    let meta = &stream["metadata"];
    json!({
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": { "name": meta["name"], "namespace": meta["namespace"] },
        "spec": { "import": true, "images": images },
    })
}

/// The spec tags of `stream` that import exactly `registry/repository:tag` (a registry push
/// notification names these), Docker Hub names normalised on both sides.
pub fn tags_importing<'a>(
    stream: &'a Value,
    registry: &str,
    repository: &str,
    tag: &str,
) -> Vec<&'a Value> {
    let Ok(wanted) = reference::parse(&format!("{registry}/{repository}:{tag}")).map(with_defaults)
    else {
        return Vec::new();
    };
    stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| importable(t))
        .filter(|t| {
            t.pointer("/from/name")
                .and_then(Value::as_str)
                .and_then(|n| reference::parse(n).ok())
                .map(with_defaults)
                .is_some_and(|r| {
                    r.registry == wanted.registry
                        && repository_path(&r) == repository_path(&wanted)
                        && r.tag == wanted.tag
                        && r.id.is_empty()
                })
        })
        .collect()
}

/// Spec tags of `stream` that a scheduled import refreshes: importable, `scheduled`, and — for a
/// digest — not yet imported at their current generation (spec §3.7).
pub fn scheduled_tags(stream: &Value) -> Vec<String> {
    stream
        .pointer("/spec/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| importable(t) && t.pointer("/importPolicy/scheduled") == Some(&json!(true)))
        .filter(|t| {
            let by_digest = t
                .pointer("/from/name")
                .and_then(Value::as_str)
                .and_then(|n| reference::parse(n).ok())
                .is_some_and(|r| !r.id.is_empty());
            !by_digest || tag_needs_import(stream, t, true)
        })
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect()
}

/// The per-image Status of an import result, as `status.images[].status` carries it.
pub fn image_status(outcome: &Result<ImportedImage, ImportFailure>) -> Value {
    match outcome {
        Ok(_) => json!({ "metadata": {}, "status": "Success" }),
        Err(f) => json!({
            "metadata": {},
            "status": "Failure",
            "message": f.message,
            "reason": f.reason,
            "code": failure_code(&f.reason),
        }),
    }
}

/// The HTTP code Kubernetes gives a Status reason.
pub fn failure_code(reason: &str) -> u16 {
    match reason {
        "NotFound" => 404,
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "BadRequest" | "NotV2Registry" => 400,
        "Invalid" => 422,
        _ => 500,
    }
}

#[cfg(test)]
mod tests;
