//! `wharf adm samples install`: sample image streams and templates into the `openshift`
//! namespace, as the Cluster Samples Operator keeps them.
//!
//! The set is the one that ships with Wharf (`crates/wharf/samples/`, embedded), or the
//! directories given with `--from`, laid out like openshift/library
//! (`<family>/imagestreams/*.json`, `<family>/templates/*.json`): they are walked recursively
//! and every JSON/YAML file is classified by its `kind` — ImageStream, Template, or a List of
//! them; anything else is reported and left out.
//!
//! Each sample is reconciled on its own, as the operator does: missing → created; equal in the
//! fields the samples own → unchanged; different → replaced (the live resourceVersion, the
//! server-owned metadata, other writers' labels and annotations and a stream's status kept) →
//! configured; named by `--skip` → skipped, never touched. Samples carry the operator's
//! `samples.operator.openshift.io/managed` label and `samples.operator.openshift.io/version`
//! annotation. Objects in the namespace that are not in the set are left alone.
//!
//! The fields a sample owns: for a stream its `spec` (compared after the server's own
//! normalization of spec tags, without their generations) and its labels and annotations; for
//! a template `objects`, `parameters`, `labels`, `message` and its labels and annotations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Map, Value};

use crate::client::{CliError, CliResult, Client, Resource};

/// The namespace samples live in.
pub const NAMESPACE: &str = "openshift";
/// The operator's mark on a sample it manages.
pub const MANAGED_LABEL: &str = "samples.operator.openshift.io/managed";
/// The operator's record of the release that wrote a sample.
pub const VERSION_ANNOTATION: &str = "samples.operator.openshift.io/version";
/// The release written into [`VERSION_ANNOTATION`].
const VERSION: &str = env!("CARGO_PKG_VERSION");

const LAYOUT: &str =
    "a directory laid out like openshift/library (<family>/imagestreams/*.json, <family>/templates/*.json)";

/// The default set, as (path under `crates/wharf/samples/`, content).
const BUILTIN: &[(&str, &str)] = &[
    (
        "alpine/imagestreams/alpine.json",
        include_str!("../samples/alpine/imagestreams/alpine.json"),
    ),
    (
        "busybox/imagestreams/busybox.json",
        include_str!("../samples/busybox/imagestreams/busybox.json"),
    ),
    (
        "debian/imagestreams/debian.json",
        include_str!("../samples/debian/imagestreams/debian.json"),
    ),
    (
        "nodejs/imagestreams/nodejs.json",
        include_str!("../samples/nodejs/imagestreams/nodejs.json"),
    ),
    (
        "postgresql/imagestreams/postgresql.json",
        include_str!("../samples/postgresql/imagestreams/postgresql.json"),
    ),
    (
        "python/imagestreams/python.json",
        include_str!("../samples/python/imagestreams/python.json"),
    ),
    (
        "ubi/imagestreams/ubi9.json",
        include_str!("../samples/ubi/imagestreams/ubi9.json"),
    ),
    (
        "ubi/imagestreams/ubi9-minimal.json",
        include_str!("../samples/ubi/imagestreams/ubi9-minimal.json"),
    ),
];

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// A directory laid out like openshift/library, walked recursively (repeatable; default:
    /// the set that ships with Wharf)
    #[arg(long, value_name = "DIR")]
    pub from: Vec<PathBuf>,
    /// Names of streams or templates to leave alone (repeatable, or comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub skip: Vec<String>,
}

/// The two kinds of sample, in the order they are installed (templates name streams).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    ImageStream,
    Template,
}

impl Kind {
    fn of(kind: &str) -> Option<Kind> {
        match kind {
            "ImageStream" => Some(Kind::ImageStream),
            "Template" => Some(Kind::Template),
            _ => None,
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Kind::ImageStream => "image.openshift.io/v1",
            Kind::Template => "template.openshift.io/v1",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::ImageStream => "ImageStream",
            Kind::Template => "Template",
        }
    }

    /// The top-level fields a sample of this kind owns besides its labels and annotations.
    fn owned_fields(self) -> &'static [&'static str] {
        match self {
            Kind::ImageStream => &["spec"],
            Kind::Template => &["objects", "parameters", "labels", "message"],
        }
    }
}

/// One sample: its kind, name, the file it came from, and the object as written there.
#[derive(Debug)]
struct Sample {
    kind: Kind,
    name: String,
    source: String,
    object: Value,
}

/// A sample set as read: the samples, the errors (bad files) and the warnings (files or
/// objects that are not samples).
#[derive(Debug, Default)]
struct Loaded {
    samples: Vec<Sample>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl Loaded {
    /// Adds the objects of one file's text.
    fn add_text(&mut self, source: &str, text: &str) {
        match crate::objects::parse_documents(text) {
            Err(e) => self.errors.push(format!(
                "error: {source} does not parse: {e}; fix the file or move it out of the directory"
            )),
            Ok(docs) if docs.is_empty() => self
                .warnings
                .push(format!("warning: {source} holds no objects; left out")),
            Ok(docs) => {
                for doc in docs {
                    self.classify(doc, source, "");
                }
            }
        }
    }

    /// Files a document as a sample, recursing into Lists; `within` says where in a List.
    fn classify(&mut self, doc: Value, source: &str, within: &str) {
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.ends_with("List") && doc.get("items").is_some_and(Value::is_array) {
            let Value::Object(mut doc) = doc else { return };
            let Some(Value::Array(items)) = doc.remove("items") else {
                return;
            };
            for (i, item) in items.into_iter().enumerate() {
                self.classify(item, source, &format!("{within}items[{i}] of "));
            }
            return;
        }
        let Some(k) = Kind::of(kind) else {
            let what = if kind.is_empty() {
                "an object without a kind".to_string()
            } else {
                format!("a {kind}")
            };
            self.warnings.push(format!(
                "warning: {within}{source} is {what}, not an ImageStream or Template; left out"
            ));
            return;
        };
        let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if !["", "v1", k.api_version()].contains(&api_version) {
            self.warnings.push(format!(
                "warning: {within}{source} is a {kind} of {api_version}, not of {}; left out",
                k.api_version()
            ));
            return;
        }
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            self.errors.push(format!(
                "error: {within}{source}: the {kind} has no metadata.name; name it in the file"
            ));
            return;
        }
        self.samples.push(Sample {
            kind: k,
            name,
            source: source.to_string(),
            object: doc,
        });
    }

    /// Sorts the samples (streams first, then by name) and keeps the first of each kind and
    /// name, reporting the others: installing both would flip the object on every run.
    fn settle(&mut self) {
        self.samples
            .sort_by(|a, b| (a.kind, &a.name, &a.source).cmp(&(b.kind, &b.name, &b.source)));
        let mut kept: Vec<Sample> = Vec::with_capacity(self.samples.len());
        for s in std::mem::take(&mut self.samples) {
            match kept.last() {
                Some(first) if first.kind == s.kind && first.name == s.name => {
                    self.errors.push(format!(
                        "error: {} defines {} \"{}\" again (first in {}); the first is installed: install one tier or architecture at a time, or remove one of the files",
                        s.source,
                        s.kind.name(),
                        s.name,
                        first.source
                    ));
                }
                _ => kept.push(s),
            }
        }
        self.samples = kept;
    }
}

/// The set that ships with Wharf.
fn load_builtin() -> Loaded {
    let mut loaded = Loaded::default();
    for (path, text) in BUILTIN {
        loaded.add_text(&format!("(built-in) {path}"), text);
    }
    loaded.settle();
    loaded
}

/// Walks `roots` recursively (sorted, hidden entries left out) and reads every .json, .yaml
/// and .yml file. A root may also be a single file.
fn load_dirs(roots: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    for root in roots {
        match std::fs::metadata(root) {
            Err(e) => loaded.errors.push(format!(
                "error: --from {}: {e}; pass {LAYOUT}",
                root.display()
            )),
            Ok(m) if m.is_file() => read_file(root, &mut loaded),
            Ok(_) => {
                let before = loaded.samples.len();
                walk(root, 0, &mut loaded);
                if loaded.samples.len() == before {
                    loaded.warnings.push(format!(
                        "warning: --from {}: no image streams or templates found; expected {LAYOUT}",
                        root.display()
                    ));
                }
            }
        }
    }
    loaded.settle();
    loaded
}

/// Directory depth at which the walk stops (symbolic links can make cycles).
const MAX_DEPTH: usize = 16;

fn walk(dir: &Path, depth: usize, loaded: &mut Loaded) {
    if depth > MAX_DEPTH {
        loaded.warnings.push(format!(
            "warning: {} is more than {MAX_DEPTH} directories deep (a symbolic link cycle?); not read",
            dir.display()
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            loaded.errors.push(format!(
                "error: cannot read the directory {}: {e}; check its permissions",
                dir.display()
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, depth + 1, loaded);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "json" | "yaml" | "yml"))
        {
            read_file(&p, loaded);
        }
    }
}

fn read_file(path: &Path, loaded: &mut Loaded) {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => loaded.add_text(&shown, &text),
        Err(e) => loaded.errors.push(format!(
            "error: cannot read {shown}: {e}; check the file, or move it out of the directory"
        )),
    }
}

/// The object a sample is stored as: its own content, the `openshift` namespace, the managed
/// label and the version annotation; no status, no other metadata.
fn desired(sample: &Sample, api_version: &str) -> Value {
    let mut obj = match &sample.object {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    obj.remove("status");
    obj.insert("apiVersion".into(), api_version.into());
    obj.insert("kind".into(), sample.kind.name().into());
    let meta = sample.object.get("metadata");
    let map_of = |field: &str| -> Map<String, Value> {
        meta.and_then(|m| m.get(field))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let mut labels = map_of("labels");
    labels.insert(MANAGED_LABEL.into(), "true".into());
    let mut annotations = map_of("annotations");
    annotations.insert(VERSION_ANNOTATION.into(), VERSION.into());
    obj.insert(
        "metadata".into(),
        json!({ "name": sample.name, "namespace": NAMESPACE, "labels": labels, "annotations": annotations }),
    );
    Value::Object(obj)
}

/// A stream spec as the server stores it, for comparison: spec tags sorted and defaulted as
/// the server does ([`wharf_domain::stream_spec::normalize_tags`]), without the generations the
/// server assigns.
fn comparable_spec(spec: Option<&Value>) -> Value {
    let mut stream = json!({ "spec": spec.cloned().unwrap_or(Value::Null) });
    wharf_domain::stream_spec::normalize_tags(&mut stream);
    if let Some(Value::Array(tags)) = stream.pointer_mut("/spec/tags") {
        for t in tags {
            if let Some(t) = t.as_object_mut() {
                t.remove("generation");
            }
        }
    }
    stream["spec"].take()
}

/// Whether `live` already is the sample `want` in the fields samples own.
fn up_to_date(kind: Kind, want: &Value, live: &Value) -> bool {
    let fields_equal = kind.owned_fields().iter().all(|f| {
        let (w, l) = (want.get(*f), live.get(*f));
        match kind {
            Kind::ImageStream => comparable_spec(w) == comparable_spec(l),
            Kind::Template => w.unwrap_or(&Value::Null) == l.unwrap_or(&Value::Null),
        }
    });
    let metadata_contained = ["labels", "annotations"].iter().all(|m| {
        let live_map = live.pointer(&format!("/metadata/{m}"));
        want.pointer(&format!("/metadata/{m}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .all(|(k, v)| live_map.and_then(|l| l.get(k)) == Some(v))
    });
    fields_equal && metadata_contained
}

/// The replacement of `live` by the sample `want`: the sample's fields, with the live
/// metadata (resourceVersion for a conditional write, uid, creation time, generation, and the
/// labels and annotations other writers added) under the sample's labels and annotations, and
/// the live status of a stream.
fn replacement(kind: Kind, want: &Value, live: &Value) -> Value {
    let mut out = want.clone();
    let mut meta = live
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for m in ["labels", "annotations"] {
        let mut merged = meta
            .get(m)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(w) = want
            .pointer(&format!("/metadata/{m}"))
            .and_then(Value::as_object)
        {
            merged.extend(w.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        meta.insert(m.into(), Value::Object(merged));
    }
    out["metadata"] = Value::Object(meta);
    if kind == Kind::ImageStream {
        if let Some(status) = live.get("status") {
            out["status"] = status.clone();
        }
    }
    out
}

/// What happened to one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Created,
    Configured,
    Unchanged,
    Skipped,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped",
        }
    }
}

/// Creates, replaces or leaves one sample. A replacement that loses a race with another
/// writer (409) is tried again on the newer object.
fn reconcile(
    client: &Client,
    r: &Resource,
    kind: Kind,
    want: &Value,
    name: &str,
) -> CliResult<Outcome> {
    let collection = r.path(Some(NAMESPACE));
    let item = format!("{collection}/{name}");
    let mut attempts = 0;
    loop {
        attempts += 1;
        let live = match client.get(&item, "application/json") {
            Ok(v) => v,
            Err(e) if e.is_not_found() => {
                client.post(&collection, want)?;
                return Ok(Outcome::Created);
            }
            Err(e) => return Err(e),
        };
        if up_to_date(kind, want, &live) {
            return Ok(Outcome::Unchanged);
        }
        match client.put(&item, &replacement(kind, want, &live)) {
            Ok(_) => return Ok(Outcome::Configured),
            Err(e) if attempts < 3 && e.is_conflict() => {}
            Err(e) => return Err(e),
        }
    }
}

/// Creates the `openshift` namespace if it is missing.
fn ensure_namespace(client: &Client) -> CliResult<()> {
    let path = format!("/api/v1/namespaces/{NAMESPACE}");
    match client.get(&path, "application/json") {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => {
            client.post(
                "/api/v1/namespaces",
                &json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": NAMESPACE } }),
            )?;
            println!("namespace/{NAMESPACE} created");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `wharf adm samples install [--from DIR]... [--skip NAME[,NAME]...]...`
pub fn install(client: &Client, args: &InstallArgs) -> CliResult<()> {
    let loaded = if args.from.is_empty() {
        load_builtin()
    } else {
        load_dirs(&args.from)
    };
    let Loaded {
        samples,
        mut errors,
        warnings,
    } = loaded;
    for w in &warnings {
        eprintln!("{w}");
    }
    let skip: BTreeSet<&str> = args
        .skip
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    for name in &skip {
        if !samples.iter().any(|s| s.name == *name) {
            eprintln!("warning: --skip {name}: no image stream or template of that name in the sample set");
        }
    }
    if samples.is_empty() {
        errors.push(match args.from.as_slice() {
            [] => "error: the built-in sample set is empty".to_string(),
            dirs => format!(
                "error: no image streams or templates to install from {}; pass {LAYOUT}",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        return Err(CliError(errors.join("\n")));
    }
    if let Err(e) = ensure_namespace(client) {
        errors.push(format!(
            "error: cannot create the namespace \"{NAMESPACE}\" the samples go to: {}",
            e.bare()
        ));
        return Err(CliError(errors.join("\n")));
    }
    let mut resources: BTreeMap<Kind, CliResult<Resource>> = BTreeMap::new();
    let mut counts: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut failed = 0;
    for sample in &samples {
        let r = match resources.entry(sample.kind).or_insert_with(|| {
            client.resource_for_kind(sample.kind.api_version(), sample.kind.name())
        }) {
            Ok(r) => r,
            Err(e) => {
                failed += 1;
                errors.push(format!(
                    "error: cannot install {} \"{}\" from {}: the server does not serve {}s ({}); pass --skip {} or upgrade the server",
                    sample.kind.name(),
                    sample.name,
                    sample.source,
                    sample.kind.name(),
                    e.bare(),
                    sample.name
                ));
                continue;
            }
        };
        let shown = format!("{}/{}", r.qualified_singular(), sample.name);
        let outcome = if skip.contains(sample.name.as_str()) {
            Ok(Outcome::Skipped)
        } else {
            let want = desired(sample, &r.api_version());
            reconcile(client, r, sample.kind, &want, &sample.name)
        };
        match outcome {
            Ok(o) => {
                println!("{shown} {}", o.word());
                *counts.entry(o).or_default() += 1;
            }
            Err(e) => {
                failed += 1;
                errors.push(format!(
                    "error: cannot install {shown} from {}: {}; fix the sample, or leave it out with --skip {}",
                    sample.source,
                    e.bare(),
                    sample.name
                ));
            }
        }
    }
    let count = |o| counts.get(&o).copied().unwrap_or(0);
    let mut summary = format!(
        "{} sample{} in project \"{NAMESPACE}\": {} created, {} configured, {} unchanged, {} skipped",
        samples.len(),
        if samples.len() == 1 { "" } else { "s" },
        count(Outcome::Created),
        count(Outcome::Configured),
        count(Outcome::Unchanged),
        count(Outcome::Skipped)
    );
    if failed > 0 {
        summary.push_str(&format!(", {failed} failed"));
    }
    println!("{summary}");
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError(errors.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: Kind, object: Value) -> Sample {
        Sample {
            kind,
            name: object["metadata"]["name"].as_str().unwrap().into(),
            source: "f".into(),
            object,
        }
    }

    #[test]
    fn files_are_classified_by_kind_and_lists_are_opened() {
        let mut l = Loaded::default();
        l.add_text(
            "a.yaml",
            "kind: ImageStream\napiVersion: v1\nmetadata: {name: ruby}\n---\nkind: List\nitems:\n- {kind: Template, apiVersion: template.openshift.io/v1, metadata: {name: t}}\n- {kind: Service, apiVersion: v1, metadata: {name: s}}\n",
        );
        l.add_text("b.json", "{\"kind\": ");
        l.add_text("c.yaml", "official: [a, b]\n");
        l.add_text("d.json", "{\"kind\": \"ImageStream\", \"apiVersion\": \"apps/v1\", \"metadata\": {\"name\": \"x\"}}");
        l.add_text("e.yaml", "kind: Template\nmetadata: {}\n");
        let names: Vec<(Kind, &str)> = l
            .samples
            .iter()
            .map(|s| (s.kind, s.name.as_str()))
            .collect();
        assert_eq!(names, [(Kind::ImageStream, "ruby"), (Kind::Template, "t")]);
        assert_eq!(l.warnings.len(), 3, "{:?}", l.warnings);
        assert!(l.warnings[0].contains("items[1] of a.yaml is a Service"));
        assert!(l.warnings[1].contains("c.yaml is an object without a kind"));
        assert!(l.warnings[2].contains("d.json is a ImageStream of apps/v1"));
        assert_eq!(l.errors.len(), 2, "{:?}", l.errors);
        assert!(l.errors[0].starts_with("error: b.json does not parse: "));
        assert!(l.errors[1].contains("e.yaml: the Template has no metadata.name"));
    }

    #[test]
    fn a_name_defined_twice_keeps_the_first_and_is_an_error() {
        let mut l = Loaded::default();
        l.add_text(
            "official/ruby.json",
            r#"{"kind": "ImageStream", "metadata": {"name": "ruby"}}"#,
        );
        l.add_text(
            "community/ruby.json",
            r#"{"kind": "ImageStream", "metadata": {"name": "ruby"}}"#,
        );
        l.add_text(
            "templates/ruby.json",
            r#"{"kind": "Template", "metadata": {"name": "ruby"}}"#,
        );
        l.settle();
        let kept: Vec<&str> = l.samples.iter().map(|s| s.source.as_str()).collect();
        assert_eq!(kept, ["community/ruby.json", "templates/ruby.json"]);
        assert_eq!(l.errors.len(), 1);
        assert!(l.errors[0].starts_with(
            "error: official/ruby.json defines ImageStream \"ruby\" again (first in community/ruby.json)"
        ));
    }

    #[test]
    fn the_built_in_set_is_valid_and_uses_source_references() {
        let l = load_builtin();
        assert!(l.errors.is_empty() && l.warnings.is_empty(), "{l:?}");
        assert!(l.samples.len() >= 6);
        for s in &l.samples {
            assert_eq!(s.kind, Kind::ImageStream);
            let want = desired(s, "image.openshift.io/v1");
            assert!(
                wharf_domain::stream_spec::validate(&want, NAMESPACE).is_empty(),
                "{}",
                s.name
            );
            for t in want["spec"]["tags"].as_array().unwrap() {
                assert_eq!(t["referencePolicy"]["type"], "Source", "{}", s.name);
                assert_eq!(t["from"]["kind"], "DockerImage", "{}", s.name);
                for a in [
                    "openshift.io/display-name",
                    "description",
                    "tags",
                    "iconClass",
                ] {
                    assert!(t["annotations"][a].is_string(), "{} {a}", s.name);
                }
            }
            assert!(s.object["metadata"]["annotations"]["openshift.io/display-name"].is_string());
        }
    }

    #[test]
    fn a_sample_is_stored_with_the_operators_marks_and_without_status() {
        let s = sample(
            Kind::ImageStream,
            json!({"kind": "ImageStream", "apiVersion": "v1",
                "metadata": {"name": "ruby", "namespace": "elsewhere", "creationTimestamp": null, "labels": {"a": "b"}},
                "spec": {"tags": []}, "status": {"dockerImageRepository": ""}}),
        );
        let d = desired(&s, "image.openshift.io/v1");
        assert_eq!(
            d,
            json!({"kind": "ImageStream", "apiVersion": "image.openshift.io/v1",
                "metadata": {"name": "ruby", "namespace": "openshift",
                    "labels": {"a": "b", MANAGED_LABEL: "true"},
                    "annotations": {VERSION_ANNOTATION: VERSION}},
                "spec": {"tags": []}})
        );
    }

    #[test]
    fn a_stream_stored_by_the_server_is_up_to_date_until_its_spec_or_marks_change() {
        let s = sample(
            Kind::ImageStream,
            json!({"kind": "ImageStream", "metadata": {"name": "ruby"},
                "spec": {"tags": [
                    {"name": "b", "from": {"kind": "DockerImage", "name": "x:b"}, "generation": null, "importPolicy": {}},
                    {"name": "a", "from": {"kind": "ImageStreamTag", "name": "b"}, "referencePolicy": {"type": "Local"}}]}}),
        );
        let want = desired(&s, "image.openshift.io/v1");
        // As the server stores it: sorted, defaulted, generations, server metadata, status.
        let mut live = want.clone();
        wharf_domain::stream_spec::normalize_tags(&mut live);
        wharf_domain::stream_spec::generations_on_create(&mut live);
        live["metadata"]["uid"] = "u".into();
        live["metadata"]["resourceVersion"] = "7".into();
        live["metadata"]["annotations"]["theirs"] = "x".into();
        live["status"] =
            json!({"dockerImageRepository": "r/openshift/ruby", "tags": [{"tag": "b"}]});
        assert!(up_to_date(Kind::ImageStream, &want, &live));

        let mut tagged = live.clone();
        tagged["spec"]["tags"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "c", "from": {"kind": "DockerImage", "name": "x:c"}}));
        assert!(!up_to_date(Kind::ImageStream, &want, &tagged));
        let mut unmarked = live.clone();
        unmarked["metadata"]["annotations"]
            .as_object_mut()
            .unwrap()
            .remove(VERSION_ANNOTATION);
        assert!(!up_to_date(Kind::ImageStream, &want, &unmarked));

        let put = replacement(Kind::ImageStream, &want, &tagged);
        assert_eq!(put["spec"], want["spec"]);
        assert_eq!(put["status"], live["status"]);
        assert_eq!(put["metadata"]["resourceVersion"], "7");
        assert_eq!(put["metadata"]["uid"], "u");
        assert_eq!(put["metadata"]["annotations"]["theirs"], "x");
        assert_eq!(put["metadata"]["labels"][MANAGED_LABEL], "true");
    }

    #[test]
    fn a_template_owns_objects_parameters_labels_and_message() {
        let s = sample(
            Kind::Template,
            json!({"kind": "Template", "metadata": {"name": "t", "annotations": {"description": "d"}},
                "objects": [{"kind": "Service"}], "parameters": [{"name": "P"}], "labels": {"app": "t"}}),
        );
        let want = desired(&s, "template.openshift.io/v1");
        let mut live = want.clone();
        live["metadata"]["uid"] = "u".into();
        assert!(up_to_date(Kind::Template, &want, &live));
        for (field, value) in [
            ("objects", json!([])),
            ("parameters", json!([{"name": "P", "value": "1"}])),
            ("labels", json!({"app": "u"})),
            ("message", json!("hello")),
        ] {
            let mut changed = live.clone();
            changed[field] = value;
            assert!(!up_to_date(Kind::Template, &want, &changed), "{field}");
            let put = replacement(Kind::Template, &want, &changed);
            assert_eq!(put.get(field), want.get(field), "{field}");
        }
        let mut described = live.clone();
        described["metadata"]["annotations"]["description"] = "other".into();
        assert!(!up_to_date(Kind::Template, &want, &described));
    }
}
