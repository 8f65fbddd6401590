//! `wharf tag` (oc tag, spec §6.1): point stream tags at a container image, another tag or an
//! image, or delete them. Planning is pure ([`plan`], [`resolve_tag_source`], [`request`]); the
//! verb itself ([`run`]) only reads the source stream and writes ImageStreamTags.

use clap::Args;
use serde_json::{json, Value};
use wharf_domain::reference::{self, DockerImageReference};

use crate::client::{error, CliError, CliResult, Client};

#[derive(Args, Debug, Default)]
pub struct TagArgs {
    /// SOURCE DEST... or, with -d, DEST...; DEST is [NAMESPACE/]STREAM:TAG
    pub args: Vec<String>,
    /// The kind of SOURCE: imagestreamtag (istag), imagestreamimage (isimage) or docker (dockerimage)
    #[arg(long)]
    pub source: Option<String>,
    /// Delete the DEST tags
    #[arg(short = 'd', long)]
    pub delete: bool,
    /// Make DEST follow SOURCE as it moves, instead of copying its current image
    #[arg(long)]
    pub alias: bool,
    /// Only point at SOURCE; never import it
    #[arg(long)]
    pub reference: bool,
    /// Re-import SOURCE periodically (container images only)
    #[arg(long)]
    pub scheduled: bool,
    /// Allow plain HTTP or unverified TLS when importing SOURCE
    #[arg(long)]
    pub insecure: bool,
    /// source (pull from where the image lives) or local (pull through the integrated registry)
    #[arg(long)]
    pub reference_policy: Option<String>,
    /// Legacy (one image of a manifest list) or PreserveOriginal (the whole list)
    #[arg(long)]
    pub import_mode: Option<String>,
}

/// The source kinds `--source` accepts, as oc lists them.
const VALID_SOURCES: &str = "docker, dockerimage, imagestreamimage, imagestreamtag, isimage, istag";

/// A DEST: the namespace and `stream:tag`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dest {
    pub namespace: String,
    pub name_and_tag: String,
}

/// What the arguments ask for.
#[derive(Debug, PartialEq)]
pub enum Plan {
    Delete(Vec<Dest>),
    Set {
        /// `DockerImage`, `ImageStreamTag` or `ImageStreamImage`.
        kind: &'static str,
        source: DockerImageReference,
        /// SOURCE as the user wrote it (error messages quote it).
        written: String,
        dests: Vec<Dest>,
    },
}

fn usage(msg: &str) -> CliError {
    CliError(format!(
        "error: {msg}\nSee 'wharf tag -h' for help and examples"
    ))
}

fn source_kind(flag: &str) -> Option<&'static str> {
    match flag.to_ascii_lowercase().as_str() {
        "imagestreamtag" | "istag" => Some("ImageStreamTag"),
        "imagestreamimage" | "isimage" => Some("ImageStreamImage"),
        "docker" | "dockerimage" => Some("DockerImage"),
        _ => None,
    }
}

/// `[ns/]stream:tag` with the current namespace as default (oc's parseStreamName).
fn parse_dest(current: &str, arg: &str) -> CliResult<Dest> {
    let parts: Vec<&str> = arg.split('/').collect();
    let (namespace, name_and_tag) = match parts.as_slice() {
        [one] => (current, *one),
        [ns, rest] => (*ns, *rest),
        _ => return Err(error(format!("invalid image stream {arg:?}"))),
    };
    if namespace.is_empty() {
        return Err(error(format!(
            "invalid namespace {namespace:?} for image stream {arg:?}"
        )));
    }
    if name_and_tag.is_empty() {
        return Err(error(format!(
            "invalid name {name_and_tag:?} for image stream {arg:?}"
        )));
    }
    Ok(Dest {
        namespace: namespace.into(),
        name_and_tag: name_and_tag.into(),
    })
}

/// `stream:tag` split at its one `:`, or oc's error.
fn split_stream_tag(name_and_tag: &str) -> CliResult<(&str, &str)> {
    match name_and_tag.split_once(':') {
        Some((s, t)) if !s.is_empty() && !t.contains(':') && !name_and_tag.contains('@') => {
            Ok((s, t))
        }
        _ => Err(error(format!(
            "{name_and_tag:?} must be of the form <stream_name>:<tag>"
        ))),
    }
}

fn valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    chars.next().is_some_and(word)
        && tag.len() <= 128
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// Checks flags and arguments and decides the source kind, as oc's Complete and Validate do
/// (same checks, same order where it shows).
pub fn plan(a: &TagArgs, current: &str) -> CliResult<Plan> {
    if a.args.len() < 2 && (a.args.is_empty() || !a.delete) {
        return Err(usage(
            "you must specify a source and at least one destination or one or more tags to delete",
        ));
    }
    if let Some(p) = &a.reference_policy {
        if !matches!(p.to_ascii_lowercase().as_str(), "source" | "local") {
            return Err(error("reference policy must be set to 'source' or 'local'"));
        }
    }
    if a.delete {
        if a.alias {
            return Err(error("--alias and --delete may not be both specified"));
        }
        if a.source.is_some() {
            return Err(error("cannot specify a source kind when deleting"));
        }
        if a.scheduled || a.insecure {
            return Err(error(
                "cannot set flags for importing images when deleting a tag",
            ));
        }
        if a.import_mode.is_some() {
            return Err(error("cannot specify an import mode when deleting"));
        }
        let dests = a
            .args
            .iter()
            .map(|d| parse_dest(current, d))
            .collect::<CliResult<_>>()?;
        return Ok(Plan::Delete(dests));
    }
    let written = a.args[0].clone();
    let explicit = match &a.source {
        Some(s) => Some(source_kind(s).ok_or_else(|| {
            usage(&format!(
                "invalid source {s:?}; valid values are {VALID_SOURCES}"
            ))
        })?),
        None => None,
    };
    let mut source =
        reference::parse(&written).map_err(|e| error(format!("invalid SOURCE: {e}")))?;
    let kind = match explicit {
        Some(k @ ("ImageStreamTag" | "ImageStreamImage")) => {
            if !source.registry.is_empty() {
                return Err(error(
                    "server in SOURCE is only allowed when providing a container image",
                ));
            }
            if source.namespace == "library" {
                source.namespace = current.into();
            }
            if k == "ImageStreamTag" && source.tag.is_empty() {
                return Err(error(
                    "--source=ImageStreamTag requires a valid <name>:<tag> in SOURCE",
                ));
            }
            if k == "ImageStreamImage" && source.id.is_empty() {
                return Err(error(
                    "--source=ImageStreamImage requires a valid <name>@<id> in SOURCE",
                ));
            }
            k
        }
        Some(k) => k,
        None if !source.registry.is_empty() => "DockerImage",
        None if !source.id.is_empty() => "ImageStreamImage",
        None if !source.tag.is_empty() => "ImageStreamTag",
        None => "DockerImage",
    };
    let dests: Vec<Dest> = a.args[1..]
        .iter()
        .map(|d| parse_dest(current, d))
        .collect::<CliResult<_>>()?;
    if kind != "DockerImage" && (a.scheduled || a.insecure) {
        return Err(error("only container images can have importing flags set"));
    }
    if a.alias {
        if a.scheduled || a.insecure {
            return Err(error(
                "cannot set a container image tag as an alias and also set import flags",
            ));
        }
        let crosses = dests.iter().any(|d| {
            let stream = d.name_and_tag.split(':').next().unwrap_or("");
            d.namespace != current || stream != source.name
        });
        if crosses {
            return Err(error("cannot set alias across different Image Streams"));
        }
    }
    if let Some(m) = &a.import_mode {
        if !matches!(m.as_str(), "Legacy" | "PreserveOriginal") {
            return Err(error(
                "valid ImportMode values are Legacy or PreserveOriginal",
            ));
        }
    }
    Ok(Plan::Set {
        kind,
        source,
        written,
        dests,
    })
}

/// Without `--alias`, an ImageStreamTag source is copied as what it points at now (spec
/// §6.1): its current image (`stream@digest`), or, for an event without an image, the pull
/// spec it records. `stream` is the source's ImageStream.
pub fn resolve_tag_source(
    source: &DockerImageReference,
    written: &str,
    stream: &Value,
) -> CliResult<(&'static str, DockerImageReference)> {
    let event = wharf_domain::imagestream::status_tags(stream)
        .into_iter()
        .find(|t| t.tag == source.tag)
        .and_then(|t| t.items.and_then(|i| i.into_iter().next()));
    let Some(event) = event else {
        return Err(error(format!(
            "{written:?} is not currently pointing to an image, cannot use it as the source of a tag"
        )));
    };
    if event.image.is_empty() {
        let r = reference::parse(&event.docker_image_reference).map_err(|e| {
            error(format!(
                "the image stream tag {written:?} has an invalid pull spec and cannot be used to tag: {e}"
            ))
        })?;
        return Ok(("DockerImage", r));
    }
    let mut r = source.clone();
    r.id = event.image;
    r.tag.clear();
    Ok(("ImageStreamImage", r))
}

/// The ImageStreamTag written for one DEST, and the line printed once it is.
pub fn request(
    a: &TagArgs,
    kind: &str,
    source: &DockerImageReference,
    current: &str,
    dest: &Dest,
) -> CliResult<(Value, String)> {
    let (_, tag) = split_stream_tag(&dest.name_and_tag)?;
    if !valid_tag(tag) {
        return Err(error(format!("invalid tag {tag:?} format, tags must start with an alphanumeric character followed by alphanumeric, '.' or '-' characters, and have a maximum of 128 characters")));
    }
    let local = a
        .reference_policy
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("local"));
    let mut tag_ref = json!({
        "name": tag,
        "annotations": null,
        "from": { "kind": kind },
        "reference": a.reference,
        "importPolicy": {
            "insecure": a.insecure,
            "scheduled": a.scheduled,
            "importMode": a.import_mode.as_deref().unwrap_or("Legacy"),
        },
        "referencePolicy": { "type": if local { "Local" } else { "Source" } },
    });
    if kind == "DockerImage" {
        tag_ref["from"]["name"] = source.exact().into();
        // Generation 0 asks for a (re-)import even when the source did not change.
        tag_ref["generation"] = 0.into();
    } else {
        let mut name = source.clone();
        name.namespace.clear();
        tag_ref["from"]["name"] = name.name_string().into();
        let from_ns = if !source.namespace.is_empty() {
            source.namespace.as_str()
        } else if dest.namespace != current {
            current
        } else {
            ""
        };
        if !from_ns.is_empty() {
            tag_ref["from"]["namespace"] = from_ns.into();
        }
    }
    let body = json!({
        "kind": "ImageStreamTag",
        "apiVersion": "image.openshift.io/v1",
        "metadata": { "name": dest.name_and_tag, "namespace": dest.namespace },
        "tag": tag_ref,
    });
    let shown = if dest.namespace == current {
        dest.name_and_tag.clone()
    } else {
        format!("{}/{}", dest.namespace, dest.name_and_tag)
    };
    let exact = source.exact();
    let message = if a.alias {
        format!("Tag {shown} set up to track {exact}.")
    } else if a.scheduled && dest.namespace == current {
        format!("Tag {shown} set to import {exact} periodically.")
    } else if a.scheduled {
        format!("Tag {shown} set to {exact} periodically.")
    } else {
        format!("Tag {shown} set to {exact}.")
    };
    Ok((body, message))
}

fn istag_path(namespace: &str) -> String {
    format!("/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamtags")
}

fn stream_path(namespace: &str, name: &str) -> String {
    format!("/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreams/{name}")
}

pub fn run(client: &Client, current: &str, a: &TagArgs) -> CliResult<()> {
    let (kind, source, dests) = match plan(a, current)? {
        Plan::Delete(dests) => {
            for d in &dests {
                delete(client, d)?;
            }
            return Ok(());
        }
        Plan::Set {
            kind: "ImageStreamTag",
            source,
            written,
            dests,
        } if !a.alias => {
            let ns = if source.namespace.is_empty() {
                current
            } else {
                &source.namespace
            };
            let stream = client.get(&stream_path(ns, &source.name), "application/json")?;
            let (kind, source) = resolve_tag_source(&source, &written, &stream)?;
            (kind, source, dests)
        }
        Plan::Set {
            kind,
            source,
            dests,
            ..
        } => (kind, source, dests),
    };
    // Every DEST is checked before the first is written.
    let requests: Vec<(Value, String)> = dests
        .iter()
        .map(|d| request(a, kind, &source, current, d))
        .collect::<CliResult<_>>()?;
    for (d, (body, message)) in dests.iter().zip(requests) {
        let item = format!("{}/{}", istag_path(&d.namespace), d.name_and_tag);
        match client.put(&item, &body) {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {
                client.post(&istag_path(&d.namespace), &body)?;
            }
            Err(e) => return Err(e),
        }
        println!("{message}");
    }
    Ok(())
}

fn delete(client: &Client, d: &Dest) -> CliResult<()> {
    let (stream, _) = split_stream_tag(&d.name_and_tag)?;
    match client.delete(&format!("{}/{}", istag_path(&d.namespace), d.name_and_tag)) {
        Ok(_) => {
            println!("Deleted tag {}/{}.", d.namespace, d.name_and_tag);
            Ok(())
        }
        Err(e) if e.is_not_found() => {
            // oc's wording for what is missing: the stream, or the tag in it.
            match client.get(&stream_path(&d.namespace, stream), "application/json") {
                Err(e) if e.is_not_found() => {
                    Err(error(format!("Image stream {stream:?} does not exist.")))
                }
                _ => Err(error(format!(
                    "destination tag {}/{} does not exist.",
                    d.namespace, d.name_and_tag
                ))),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> TagArgs {
        TagArgs {
            args: words.iter().map(|s| s.to_string()).collect(),
            ..TagArgs::default()
        }
    }

    fn set(a: &TagArgs) -> (&'static str, DockerImageReference, Vec<Dest>) {
        match plan(a, "demo").unwrap() {
            Plan::Set {
                kind,
                source,
                dests,
                ..
            } => (kind, source, dests),
            p => panic!("{p:?}"),
        }
    }

    fn err(a: &TagArgs) -> String {
        plan(a, "demo").unwrap_err().0
    }

    #[test]
    fn the_source_kind_follows_from_how_the_source_is_written() {
        assert_eq!(
            set(&args(&["docker.io/python:3.6.0", "python:3.6"])).0,
            "DockerImage"
        );
        assert_eq!(
            set(&args(&["python:3.6", "python:latest"])).0,
            "ImageStreamTag"
        );
        assert_eq!(
            set(&args(&[
                "python@sha256:0123456789abcdef0123456789abcdef",
                "p:x"
            ]))
            .0,
            "ImageStreamImage"
        );
        assert_eq!(
            set(&args(&["ruby", "ruby:x"])).0,
            "DockerImage",
            "a bare name is Docker Hub's"
        );
        let mut a = args(&["library/python:3.6", "python:x"]);
        a.source = Some("istag".into());
        let (kind, source, _) = set(&a);
        assert_eq!(
            (kind, source.namespace.as_str()),
            ("ImageStreamTag", "demo")
        );
    }

    #[test]
    fn usage_and_flag_errors_read_like_oc() {
        assert_eq!(err(&args(&["python:3.6"])), "error: you must specify a source and at least one destination or one or more tags to delete\nSee 'wharf tag -h' for help and examples");
        let mut a = args(&["x:1", "y:1"]);
        a.source = Some("foo".into());
        assert!(err(&a).starts_with("error: invalid source \"foo\"; valid values are docker, dockerimage, imagestreamimage, imagestreamtag, isimage, istag\nSee"));
        let mut a = args(&["python:3.6", "python:x"]);
        a.scheduled = true;
        assert_eq!(
            err(&a),
            "error: only container images can have importing flags set"
        );
        let mut a = args(&["python:3.6", "other:latest"]);
        a.alias = true;
        assert_eq!(
            err(&a),
            "error: cannot set alias across different Image Streams"
        );
        let mut a = args(&["python:3.6"]);
        a.delete = true;
        a.alias = true;
        assert_eq!(
            err(&a),
            "error: --alias and --delete may not be both specified"
        );
        let mut a = args(&["python:3.6"]);
        a.delete = true;
        a.import_mode = Some("Legacy".into());
        assert_eq!(
            err(&a),
            "error: cannot specify an import mode when deleting"
        );
        let mut a = args(&["docker.io/x:1", "python:x"]);
        a.import_mode = Some("Bad".into());
        assert_eq!(
            err(&a),
            "error: valid ImportMode values are Legacy or PreserveOriginal"
        );
        let mut a = args(&["docker.io/x:1", "python:x"]);
        a.reference_policy = Some("other".into());
        assert_eq!(
            err(&a),
            "error: reference policy must be set to 'source' or 'local'"
        );
        let mut a = args(&["quay.io/x:1", "python:x"]);
        a.source = Some("istag".into());
        assert_eq!(
            err(&a),
            "error: server in SOURCE is only allowed when providing a container image"
        );
        assert_eq!(
            err(&args(&["x:1", "a/b/c:1"])),
            "error: invalid image stream \"a/b/c:1\""
        );
        assert_eq!(
            err(&args(&["x:1", "/c:1"])),
            "error: invalid namespace \"\" for image stream \"/c:1\""
        );
    }

    #[test]
    fn a_docker_image_tag_is_sent_as_written_with_generation_zero() {
        let a = args(&["docker.io/python:3.6.0", "python:3.6"]);
        let (kind, source, dests) = set(&a);
        let (body, msg) = request(&a, kind, &source, "demo", &dests[0]).unwrap();
        assert_eq!(msg, "Tag python:3.6 set to docker.io/python:3.6.0.");
        assert_eq!(
            body["tag"]["from"],
            json!({"kind": "DockerImage", "name": "docker.io/python:3.6.0"})
        );
        assert_eq!(body["tag"]["generation"], 0);
        assert_eq!(body["tag"]["referencePolicy"]["type"], "Source");
    }

    #[test]
    fn scheduled_messages_differ_by_namespace() {
        let mut a = args(&["docker.io/python:3.6.0", "python:3.6", "other/python:3.6"]);
        a.scheduled = true;
        let (kind, source, dests) = set(&a);
        let here = request(&a, kind, &source, "demo", &dests[0]).unwrap().1;
        let there = request(&a, kind, &source, "demo", &dests[1]).unwrap().1;
        assert_eq!(
            here,
            "Tag python:3.6 set to import docker.io/python:3.6.0 periodically."
        );
        assert_eq!(
            there,
            "Tag other/python:3.6 set to docker.io/python:3.6.0 periodically."
        );
    }

    #[test]
    fn a_tag_source_is_copied_as_its_current_image_or_alias_tracks_it() {
        let d = format!("sha256:{}", "a".repeat(64));
        let stream = json!({"status": {"tags": [
            {"tag": "3.6", "items": [{"image": d, "dockerImageReference": format!("x@{d}"), "created": "2026-01-01T00:00:00Z", "generation": 1}]},
            {"tag": "ref", "items": [{"image": "", "dockerImageReference": "quay.io/a/b:1", "created": "2026-01-01T00:00:00Z", "generation": 1}]}]}});
        let source = reference::parse("python:3.6").unwrap();
        let (kind, resolved) = resolve_tag_source(&source, "python:3.6", &stream).unwrap();
        assert_eq!(
            (kind, resolved.exact().as_str()),
            ("ImageStreamImage", format!("python@{d}").as_str())
        );
        let a = args(&["python:3.6", "python:latest"]);
        let (body, msg) = request(&a, kind, &resolved, "demo", &set(&a).2[0]).unwrap();
        assert_eq!(msg, format!("Tag python:latest set to python@{d}."));
        assert_eq!(
            body["tag"]["from"],
            json!({"kind": "ImageStreamImage", "name": format!("python@{d}")})
        );
        let r = reference::parse("python:ref").unwrap();
        assert_eq!(
            resolve_tag_source(&r, "python:ref", &stream)
                .unwrap()
                .1
                .exact(),
            "quay.io/a/b:1"
        );
        let missing = reference::parse("python:missing").unwrap();
        assert_eq!(
            resolve_tag_source(&missing, "python:missing", &stream).unwrap_err().0,
            "error: \"python:missing\" is not currently pointing to an image, cannot use it as the source of a tag"
        );
        let mut alias = args(&["python:3.6", "python:latest"]);
        alias.alias = true;
        let (kind, source, dests) = set(&alias);
        let (body, msg) = request(&alias, kind, &source, "demo", &dests[0]).unwrap();
        assert_eq!(msg, "Tag python:latest set up to track python:3.6.");
        assert_eq!(
            body["tag"]["from"],
            json!({"kind": "ImageStreamTag", "name": "python:3.6"})
        );
    }

    #[test]
    fn destination_tags_are_checked_before_anything_is_written() {
        let a = args(&["docker.io/x:1", "python:bad tag"]);
        let (kind, source, dests) = set(&a);
        assert!(request(&a, kind, &source, "demo", &dests[0])
            .unwrap_err()
            .0
            .starts_with("error: invalid tag \"bad tag\" format, tags must start with an alphanumeric character"));
        let a = args(&["docker.io/x:1", "python"]);
        let (kind, source, dests) = set(&a);
        assert_eq!(
            request(&a, kind, &source, "demo", &dests[0]).unwrap_err().0,
            "error: \"python\" must be of the form <stream_name>:<tag>"
        );
    }
}
