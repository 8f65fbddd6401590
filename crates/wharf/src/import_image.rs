//! `wharf import-image` (oc import-image, spec §6.2): import a tag or a whole repository from
//! an external registry into a stream. Planning the ImageStreamImport from the arguments and
//! the stream is pure ([`plan`]); [`run`] reads the stream, posts, and prints what oc prints.

use clap::Args;
use serde_json::{json, Value};
use wharf_domain::reference;

use crate::client::{error, CliError, CliResult};

#[derive(Args, Debug, Default, Clone)]
pub struct ImportImageArgs {
    /// IMAGESTREAM[:TAG], or a pull spec whose last path component names the stream
    pub image: Option<String>,
    /// The container image to import (default: the tag's source, or IMAGESTREAM itself)
    #[arg(long)]
    pub from: Option<String>,
    /// Create the stream if it does not exist, or change what it imports
    #[arg(long)]
    pub confirm: bool,
    /// Import every tag of the repository (up to 50; the rest are listed)
    #[arg(long)]
    pub all: bool,
    /// Re-import the tag periodically
    #[arg(long)]
    pub scheduled: bool,
    /// Allow plain HTTP and unverified TLS to the source registry
    #[arg(long)]
    pub insecure: Option<Option<bool>>,
    /// source (pull from the source registry) or local (pull through this registry)
    #[arg(long, default_value = "source")]
    pub reference_policy: String,
    /// Legacy (one image of a manifest list) or PreserveOriginal (the list and every image)
    #[arg(long, default_value = "Legacy")]
    pub import_mode: String,
    /// Fetch and show, but change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Output the ImageStreamImport: json or yaml
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

const BAD_NAME: &str = "the image name must be a valid container image pull spec or reference to an image stream (e.g. myregistry/myteam/image:tag)";

/// What the arguments name: the stream, the tag (None with --all) and the pull spec given.
#[derive(Debug, PartialEq)]
pub struct Target {
    pub stream: String,
    pub tag: Option<String>,
    pub written: String,
}

/// Parses IMAGESTREAM[:TAG] (or a pull spec) as oc does.
pub fn target(a: &ImportImageArgs) -> CliResult<Target> {
    let written = a
        .image
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| error(BAD_NAME))?;
    let r = reference::parse(&written).map_err(|_| error(BAD_NAME))?;
    if r.name.is_empty() {
        return Err(error(BAD_NAME));
    }
    if !r.id.is_empty() {
        return Err(error("to import images by ID, use the 'tag' command"));
    }
    let stream = r.name.rsplit('/').next().unwrap_or(&r.name).to_string();
    let tag = match (a.all, r.tag.is_empty()) {
        (true, false) => {
            return Err(error(format!(
                "cannot specify a tag {written:?} as well as --all"
            )));
        }
        (true, true) => None,
        (false, true) => Some("latest".to_string()),
        (false, false) => Some(r.tag.clone()),
    };
    Ok(Target {
        stream,
        tag,
        written,
    })
}

fn reference_policy(a: &ImportImageArgs) -> CliResult<&'static str> {
    match a.reference_policy.to_ascii_lowercase().as_str() {
        "source" => Ok("Source"),
        "local" => Ok("Local"),
        _ => Err(error("valid reference policy values are source or local")),
    }
}

fn import_mode(a: &ImportImageArgs) -> CliResult<&'static str> {
    match a.import_mode.as_str() {
        "Legacy" => Ok("Legacy"),
        "PreserveOriginal" => Ok("PreserveOriginal"),
        _ => Err(error(
            "valid ImportMode values are Legacy or PreserveOriginal",
        )),
    }
}

/// The spec tag named `tag`.
fn spec_tag<'a>(stream: &'a Value, tag: &str) -> Option<&'a Value> {
    stream
        .pointer("/spec/tags")?
        .as_array()?
        .iter()
        .find(|t| t["name"].as_str() == Some(tag))
}

/// Follows same-stream ImageStreamTag references from `tag` to the final tag (oc's
/// followTagReference): `(final tag, its spec, whether a reference was followed)`.
fn follow(stream: &Value, tag: &str) -> CliResult<Option<(String, Value, bool)>> {
    let own = stream
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let own_ns = stream
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut seen = vec![tag.to_string()];
    let mut current = tag.to_string();
    loop {
        let Some(spec) = spec_tag(stream, &current) else {
            return if seen.len() == 1 {
                Ok(None)
            } else {
                Err(error(format!(
                    "tag {tag:?} points to an invalid imagestreamtag"
                )))
            };
        };
        if spec.pointer("/from/kind").and_then(Value::as_str) != Some("ImageStreamTag") {
            return Ok(Some((current, spec.clone(), seen.len() > 1)));
        }
        let ns = spec
            .pointer("/from/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !ns.is_empty() && ns != own_ns {
            return Err(error(format!(
                "tag {tag:?} points to an imagestreamtag from another ImageStream"
            )));
        }
        let name = spec
            .pointer("/from/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let next = match name.split_once(':') {
            Some((s, t)) if s == own => t.to_string(),
            Some(_) => {
                return Err(error(format!(
                    "tag {tag:?} points to an imagestreamtag from another ImageStream"
                )));
            }
            None if !name.is_empty() => name.to_string(),
            None => {
                return Err(error(format!(
                    "tag {tag:?} points to an invalid imagestreamtag"
                )))
            }
        };
        if seen.contains(&next) {
            return Err(error(format!(
                "tag {tag:?} on the image stream is a reference to same tag"
            )));
        }
        seen.push(next.clone());
        current = next;
    }
}

fn truthy(v: Option<&Value>) -> bool {
    v == Some(&json!(true))
}

/// The ImageStreamImport for the arguments (naming `t`), given the stream (None: it does not
/// exist) and the namespace.
pub fn plan(
    a: &ImportImageArgs,
    t: &Target,
    stream: Option<&Value>,
    namespace: &str,
) -> CliResult<Value> {
    let policy = reference_policy(a)?;
    let mode = import_mode(a)?;
    let annotation_insecure = stream
        .and_then(|s| s.pointer("/metadata/annotations/openshift.io~1image.insecureRepository"))
        .and_then(Value::as_str)
        == Some("true");
    // The flag overrides the stream's annotation only when given.
    let insecure_base = match a.insecure {
        Some(flag) => flag.unwrap_or(true),
        None => annotation_insecure,
    };
    let image = |from: &str, tag: &str, existing: Option<&Value>| {
        let insecure =
            insecure_base || existing.is_some_and(|e| truthy(e.pointer("/importPolicy/insecure")));
        let scheduled =
            a.scheduled || existing.is_some_and(|e| truthy(e.pointer("/importPolicy/scheduled")));
        json!({
            "from": { "kind": "DockerImage", "name": from },
            "to": { "name": tag },
            "importPolicy": { "insecure": insecure, "scheduled": scheduled, "importMode": mode },
            "referencePolicy": { "type": policy },
        })
    };
    let repository = |from: &str| {
        json!({
            "from": { "kind": "DockerImage", "name": from },
            "importPolicy": { "insecure": insecure_base, "scheduled": a.scheduled, "importMode": mode },
            "referencePolicy": { "type": policy },
        })
    };
    let mut metadata = json!({ "name": t.stream, "namespace": namespace });
    let spec = match stream {
        None => {
            if !a.confirm {
                return Err(error(format!(
                    "no image stream named {:?} exists, pass --confirm to create and import",
                    t.stream
                )));
            }
            let from = a.from.clone().unwrap_or_else(|| t.written.clone());
            match &t.tag {
                None => json!({ "repository": repository(&from) }),
                Some(tag) => json!({ "images": [image(&from, tag, None)] }),
            }
        }
        Some(s) => {
            metadata["resourceVersion"] = s["metadata"]["resourceVersion"].clone();
            let docker_repository = s
                .pointer("/spec/dockerImageRepository")
                .and_then(Value::as_str)
                .unwrap_or("");
            match &t.tag {
                None => {
                    let from = a
                        .from
                        .clone()
                        .unwrap_or_else(|| docker_repository.to_string());
                    if from.is_empty() {
                        let images: Vec<Value> = s
                            .pointer("/spec/tags")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter(|t| {
                                t.pointer("/from/kind").and_then(Value::as_str)
                                    == Some("DockerImage")
                            })
                            .map(|t| {
                                image(
                                    t.pointer("/from/name")
                                        .and_then(Value::as_str)
                                        .unwrap_or(""),
                                    t["name"].as_str().unwrap_or(""),
                                    Some(t),
                                )
                            })
                            .collect();
                        if images.is_empty() {
                            return Err(error("image stream does not have tags pointing to external container images"));
                        }
                        json!({ "images": images })
                    } else {
                        if from != docker_repository && !a.confirm {
                            return Err(error(if docker_repository.is_empty() {
                                "the image stream does not currently import an entire Docker repository, pass --confirm to update".to_string()
                            } else {
                                format!("the image stream has a different import spec {docker_repository:?}, pass --confirm to update")
                            }));
                        }
                        json!({ "repository": repository(&from) })
                    }
                }
                Some(tag) => {
                    let from = a.from.clone().unwrap_or_default();
                    match follow(s, tag)? {
                        None => {
                            let from = if from.is_empty() && tag == "latest" {
                                docker_repository.to_string()
                            } else {
                                from
                            };
                            if from.is_empty() {
                                return Err(error(format!("the tag {tag:?} does not exist on the image stream - choose an existing tag to import or use the 'tag' command to create a new tag")));
                            }
                            json!({ "images": [image(&from, tag, None)] })
                        }
                        Some((final_tag, existing, followed)) => {
                            let kind = existing.pointer("/from/kind").and_then(Value::as_str);
                            let source = existing.pointer("/from/name").and_then(Value::as_str);
                            match (kind, source) {
                                (Some("DockerImage"), Some(source)) => {
                                    if !from.is_empty() && from != source {
                                        return Err(error(if followed {
                                            format!("the tag {tag:?} points to the tag {final_tag:?} which points to {source:?} - use the 'tag' command if you want to change the source to {from:?}")
                                        } else {
                                            format!("the tag {tag:?} points to {source:?} - use the 'tag' command if you want to change the source to {from:?}")
                                        }));
                                    }
                                    json!({ "images": [image(source, &final_tag, Some(&existing))] })
                                }
                                (Some(kind), Some(source)) => {
                                    return Err(error(format!("tag {tag:?} points to existing {kind} {source:?}, it cannot be re-imported")));
                                }
                                _ => {
                                    return Err(error(format!("tag {tag:?} already exists - you must use the 'tag' command if you want to change the source to {from:?}")));
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut spec = spec;
    spec["import"] = (!a.dry_run).into();
    Ok(json!({
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": metadata,
        "spec": spec,
    }))
}

/// What oc prints for a finished import: `(stdout, stderr lines, failed?)`.
pub fn report(isi: &Value, dry_run: bool, now: i64) -> (String, Vec<String>, bool) {
    let name = isi
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let failed = |s: &Value| s.pointer("/status/status").and_then(Value::as_str) != Some("Success");
    let images = isi
        .pointer("/status/images")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let repository = isi.pointer("/status/repository");
    let repo_images = repository
        .and_then(|r| r["images"].as_array())
        .cloned()
        .unwrap_or_default();
    let failures = |entries: &[Value], what: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|i| failed(i))
            .map(|i| {
                let message = i
                    .pointer("/status/message")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                format!(
                    "error: {what} {} failed: {message}",
                    i["tag"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let mut errors = failures(&images, "tag");
    errors.extend(failures(&repo_images, "repository tag"));
    if let Some(r) =
        repository.filter(|r| failed(r) && r["images"].as_array().is_none_or(|i| i.is_empty()))
    {
        let message = r
            .pointer("/status/message")
            .and_then(Value::as_str)
            .unwrap_or("");
        errors.push(format!("error: {message}"));
    }
    let mut out = format!(
        "imagestream.image.openshift.io/{name} {}{}\n\n",
        if errors.is_empty() {
            "imported"
        } else {
            "imported with errors"
        },
        if dry_run { " (dry run)" } else { "" }
    );
    if let Some(stream) = isi.pointer("/status/import") {
        out.push_str(&crate::describe::image_stream(stream, now));
        out.push('\n');
    }
    for i in images.iter().chain(&repo_images) {
        if let Some(image) = i.get("image").filter(|i| i.is_object()) {
            let tag = i["tag"].as_str().unwrap_or("");
            out.push_str(&crate::describe::image_named(
                image,
                &format!("{name}:{tag}"),
                now,
            ));
            out.push('\n');
        }
    }
    let additional: Vec<&str> = repository
        .and_then(|r| r["additionalTags"].as_array())
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !additional.is_empty() {
        out.push_str(&format!(
            "\ninfo: The remote repository contained {} additional tags which were not imported: {}\n",
            additional.len(),
            additional.join(", ")
        ));
    }
    let failed = !errors.is_empty();
    (out, errors, failed)
}

/// `wharf import-image`.
pub fn run(a: &ImportImageArgs, g: &crate::cli::Global) -> CliResult<()> {
    if let Some(o) = a
        .output
        .as_deref()
        .filter(|o| !matches!(*o, "json" | "yaml"))
    {
        return Err(error(format!("unable to match a printer suitable for the output format {o:?}, allowed formats are: json,yaml")));
    }
    let t = target(a)?;
    let ctx = crate::cli::context(g, None)?;
    let base = format!("/apis/image.openshift.io/v1/namespaces/{}", ctx.namespace);
    let stream = match ctx.client.get(
        &format!("{base}/imagestreams/{}", t.stream),
        "application/json",
    ) {
        Ok(s) => Some(s),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    let isi = plan(a, &t, stream.as_ref(), &ctx.namespace)?;
    let result = ctx
        .client
        .post(&format!("{base}/imagestreamimports"), &isi)?;
    if let Some(format) = a.output.as_deref() {
        let text = crate::printers::print(format, None, &result)
            .unwrap_or_else(|| Err(error("unknown output format")))?;
        print!("{text}");
        return Ok(());
    }
    let (out, errors, failed) = report(&result, a.dry_run, crate::describe::now_secs());
    print!("{out}");
    for e in &errors {
        eprintln!("{e}");
    }
    if failed {
        return Err(CliError("error: imported completed with errors".into()));
    }
    Ok(())
}
