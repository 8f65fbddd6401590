//! `wharf adm samples install` against a running server: the openshift/library corpus and the
//! built-in set into the `openshift` namespace, idempotent re-runs, changed and deleted samples
//! put back, `--skip`, and errors that name the file and let the good files load.
//!
//! The corpus (`/work/shared/corpus`) is read in place; the expected sets are counted from its
//! files, not written down here.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{get_json, http, wharf_bin, Cli, Server};
use serde_json::{json, Value};

const STREAMS: &str = "/work/shared/corpus/imagestreams/openshift-library/community";
const TEMPLATES: &str = "/work/shared/corpus/templates/openshift-library";
const MANAGED_LABEL: &str = "samples.operator.openshift.io/managed";
const VERSION_ANNOTATION: &str = "samples.operator.openshift.io/version";
const IS: &str = "imagestream.image.openshift.io";
const TEMPLATE: &str = "template.template.openshift.io";

/// A client logged into `s` (no project: the samples make their own).
fn logged_in(s: &Server) -> Cli {
    let cli = Cli::new();
    cli.wharf(&["login", &s.url("")]);
    cli
}

/// Runs `wharf adm samples install ARGS`: (exit code, stdout, stderr).
fn install(cli: &Cli, args: &[&str]) -> (Option<i32>, String, String) {
    let out = cli
        .cmd(wharf_bin())
        .args(["adm", "samples", "install"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// The `<resource>/<name> <outcome>` lines of an install, as a map.
fn outcomes(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter(|l| l.starts_with(IS) || l.starts_with(TEMPLATE))
        .map(|l| {
            let (obj, outcome) = l.rsplit_once(' ').unwrap();
            (obj.to_string(), outcome.to_string())
        })
        .collect()
}

/// The summary line: the last line of stdout.
fn summary(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or("")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// The objects of `kind` in the corpus directory `dir`, by name.
fn corpus(dir: &str, kind: &str) -> BTreeMap<String, Value> {
    let mut files = Vec::new();
    json_files(Path::new(dir), &mut files);
    files
        .iter()
        .map(|f| serde_json::from_slice::<Value>(&std::fs::read(f).unwrap()).unwrap())
        .filter(|o| o["kind"] == kind)
        .map(|o| (o["metadata"]["name"].as_str().unwrap().to_string(), o))
        .collect()
}

fn names(cli: &Cli, kind: &str) -> BTreeSet<String> {
    cli.wharf(&["get", kind, "-n", "openshift", "-o", "name"])
        .lines()
        .map(|l| l.rsplit_once('/').unwrap().1.to_string())
        .collect()
}

fn stream(s: &Server, name: &str) -> Value {
    get_json(&s.url(&format!(
        "/apis/image.openshift.io/v1/namespaces/openshift/imagestreams/{name}"
    )))
}

fn template_path(name: &str) -> String {
    format!("/apis/template.openshift.io/v1/namespaces/openshift/templates/{name}")
}

fn spec_tag_names(stream: &Value) -> BTreeSet<String> {
    stream["spec"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// A write through the API, asserting success.
fn send(method: &str, url: &str, content_type: &str, body: &Value) {
    let agent = http();
    let body = body.to_string();
    let resp = match method {
        "PUT" => agent
            .put(url)
            .header("Content-Type", content_type)
            .send(&body),
        "PATCH" => agent
            .patch(url)
            .header("Content-Type", content_type)
            .send(&body),
        _ => unreachable!(),
    }
    .unwrap();
    assert_eq!(resp.status(), 200, "{method} {url}");
}

#[test]
fn installing_the_corpus_loads_every_stream_and_template_and_a_rerun_changes_nothing() {
    let s = Server::start();
    let cli = logged_in(&s);
    let streams = corpus(STREAMS, "ImageStream");
    let templates = corpus(TEMPLATES, "Template");
    assert!(!streams.is_empty() && !templates.is_empty());

    let (code, out, err) = install(&cli, &["--from", STREAMS, "--from", TEMPLATES]);
    let expected: BTreeMap<String, String> = streams
        .keys()
        .map(|n| format!("{IS}/{n}"))
        .chain(templates.keys().map(|n| format!("{TEMPLATE}/{n}")))
        .map(|o| (o, "created".to_string()))
        .collect();
    assert_eq!(outcomes(&out), expected, "{err}");
    assert!(out.starts_with("namespace/openshift created\n"), "{out}");
    let total = streams.len() + templates.len();
    assert_eq!(
        summary(&out),
        format!("{total} samples in project \"openshift\": {total} created, 0 configured, 0 unchanged, 0 skipped")
    );
    // Template labels holding parameters (nginx-example's `app: ${NAME}`) are accepted.
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");

    assert_eq!(names(&cli, "is"), streams.keys().cloned().collect());
    assert_eq!(
        names(&cli, "templates"),
        templates.keys().cloned().collect()
    );
    // Marked as the samples operator marks what it manages; the sample's content as written.
    let (name, sample) = streams.iter().next().unwrap();
    let live = stream(&s, name);
    assert_eq!(live["metadata"]["labels"][MANAGED_LABEL], "true");
    assert_eq!(
        live["metadata"]["annotations"][VERSION_ANNOTATION],
        env!("CARGO_PKG_VERSION")
    );
    for (k, v) in sample["metadata"]["annotations"].as_object().unwrap() {
        assert_eq!(&live["metadata"]["annotations"][k], v);
    }
    assert_eq!(spec_tag_names(&live), spec_tag_names(sample));
    let (tname, tsample) = templates.iter().next().unwrap();
    let live = get_json(&s.url(&template_path(tname)));
    assert_eq!(live["metadata"]["labels"][MANAGED_LABEL], "true");
    for f in ["objects", "parameters", "labels", "message"] {
        assert_eq!(live[f], tsample[f], "{tname} {f}");
    }

    // Again: nothing to do.
    let (code2, out2, err2) = install(&cli, &["--from", STREAMS, "--from", TEMPLATES]);
    assert_eq!((code2, err2.as_str()), (Some(0), ""));
    let again = outcomes(&out2);
    assert_eq!(again.len(), expected.len());
    assert!(again.values().all(|o| o == "unchanged"), "{out2}");
    assert!(!out2.contains("namespace/openshift"), "{out2}");
    assert_eq!(
        summary(&out2),
        format!("{total} samples in project \"openshift\": 0 created, 0 configured, {total} unchanged, 0 skipped")
    );
}

#[test]
fn a_changed_sample_is_put_back_and_a_deleted_one_is_recreated() {
    let s = Server::start();
    let cli = logged_in(&s);
    let family = format!("{TEMPLATES}/rails");
    let streams = corpus(STREAMS, "ImageStream");
    let templates = corpus(&family, "Template");
    let args = ["--from", STREAMS, "--from", family.as_str()];
    let (code, _, err) = install(&cli, &args);
    assert_eq!(code, Some(0), "{err}");

    // A new spec tag and someone else's annotation on ruby; the version mark removed from
    // python; perl deleted; the template's message and a parameter edited.
    let before = stream(&s, "ruby");
    cli.wharf(&[
        "tag",
        "docker.io/library/busybox:1.36",
        "ruby:extra",
        "-n",
        "openshift",
    ]);
    let ruby_url = s.url("/apis/image.openshift.io/v1/namespaces/openshift/imagestreams/ruby");
    send(
        "PATCH",
        &ruby_url,
        "application/merge-patch+json",
        &json!({"metadata": {"annotations": {"example.com/owner": "team-a"}}}),
    );
    send(
        "PATCH",
        &s.url("/apis/image.openshift.io/v1/namespaces/openshift/imagestreams/python"),
        "application/merge-patch+json",
        &json!({"metadata": {"annotations": {VERSION_ANNOTATION: null}}}),
    );
    cli.wharf(&["delete", "is", "perl", "-n", "openshift"]);
    let (tname, tsample) = templates.iter().next().unwrap();
    let turl = s.url(&template_path(tname));
    let mut edited = get_json(&turl);
    edited["message"] = "changed by hand".into();
    edited["parameters"][0]["value"] = "changed".into();
    send("PUT", &turl, "application/json", &edited);

    let (code, out, err) = install(&cli, &args);
    assert_eq!(code, Some(0), "{err}");
    let got = outcomes(&out);
    let mut expected: BTreeMap<String, String> = streams
        .keys()
        .map(|n| (format!("{IS}/{n}"), "unchanged".to_string()))
        .chain(
            templates
                .keys()
                .map(|n| (format!("{TEMPLATE}/{n}"), "unchanged".to_string())),
        )
        .collect();
    expected.insert(format!("{IS}/ruby"), "configured".into());
    expected.insert(format!("{IS}/python"), "configured".into());
    expected.insert(format!("{IS}/perl"), "created".into());
    expected.insert(format!("{TEMPLATE}/{tname}"), "configured".into());
    assert_eq!(got, expected);
    assert!(
        summary(&out).ends_with(&format!(
            ": 1 created, 3 configured, {} unchanged, 0 skipped",
            expected.len() - 4
        )),
        "{out}"
    );

    // Back to the sample, as a replacement of the same object: uid kept, others' annotation kept.
    let ruby = stream(&s, "ruby");
    assert_eq!(spec_tag_names(&ruby), spec_tag_names(&streams["ruby"]));
    assert_eq!(ruby["metadata"]["uid"], before["metadata"]["uid"]);
    assert_eq!(
        ruby["metadata"]["annotations"]["example.com/owner"],
        "team-a"
    );
    assert_eq!(
        stream(&s, "python")["metadata"]["annotations"][VERSION_ANNOTATION],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        spec_tag_names(&stream(&s, "perl")),
        spec_tag_names(&streams["perl"])
    );
    let t = get_json(&turl);
    assert_eq!(t["message"], tsample["message"]);
    assert_eq!(t["parameters"], tsample["parameters"]);

    // And settled.
    let (_, out, _) = install(&cli, &args);
    assert!(outcomes(&out).values().all(|o| o == "unchanged"), "{out}");
}

#[test]
fn skipped_samples_are_left_alone_even_when_changed_or_deleted() {
    let s = Server::start();
    let cli = logged_in(&s);
    let family = format!("{TEMPLATES}/rails");
    let streams = corpus(STREAMS, "ImageStream");
    let templates = corpus(&family, "Template");
    let tname = templates.keys().next().unwrap().clone();
    let args = ["--from", STREAMS, "--from", family.as_str()];
    assert_eq!(install(&cli, &args).0, Some(0));

    cli.wharf(&[
        "tag",
        "docker.io/library/busybox:1.36",
        "ruby:extra",
        "-n",
        "openshift",
    ]);
    cli.wharf(&["delete", "is", "perl", "-n", "openshift"]);
    cli.wharf(&["delete", "template", &tname, "-n", "openshift"]);

    let skip = format!("ruby,{tname}");
    let (code, out, err) = install(
        &cli,
        &[&args[..], &["--skip", &skip, "--skip", "perl"]].concat(),
    );
    assert_eq!(code, Some(0), "{err}");
    let got = outcomes(&out);
    for n in streams.keys() {
        let want = if n == "ruby" || n == "perl" {
            "skipped"
        } else {
            "unchanged"
        };
        assert_eq!(got[&format!("{IS}/{n}")], want, "{n}");
    }
    assert_eq!(got[&format!("{TEMPLATE}/{tname}")], "skipped");
    assert!(summary(&out).ends_with(" 3 skipped"), "{out}");

    // Never touched: the change stays, the deleted ones stay deleted.
    assert!(spec_tag_names(&stream(&s, "ruby")).contains("extra"));
    let is = names(&cli, "is");
    assert!(!is.contains("perl") && is.contains("ruby"));
    assert!(!names(&cli, "templates").contains(&tname));

    // A skip that names nothing in the set is worth a warning, not a failure.
    let (code, _, err) = install(
        &cli,
        &[
            &args[..],
            &["--skip", "ruby,perl,no-such-sample", "--skip", &tname],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0));
    assert_eq!(
        err,
        "warning: --skip no-such-sample: no image stream or template of that name in the sample set\n"
    );
}

#[test]
fn the_default_set_installs_into_the_openshift_project_and_leaves_other_objects_alone() {
    let s = Server::start();
    let cli = logged_in(&s);
    // The set that ships with Wharf, counted from its files.
    let builtin = corpus(
        concat!(env!("CARGO_MANIFEST_DIR"), "/samples"),
        "ImageStream",
    );
    assert!(builtin.len() >= 6);

    let (code, out, err) = install(&cli, &[]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert!(out.starts_with("namespace/openshift created\n"), "{out}");
    assert_eq!(
        outcomes(&out),
        builtin
            .keys()
            .map(|n| (format!("{IS}/{n}"), "created".to_string()))
            .collect()
    );
    assert_eq!(
        summary(&out),
        format!(
            "{0} samples in project \"openshift\": {0} created, 0 configured, 0 unchanged, 0 skipped",
            builtin.len()
        )
    );
    let table = cli.wharf(&["get", "is", "-n", "openshift"]);
    let listed: BTreeSet<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, builtin.keys().map(String::as_str).collect());
    for (name, sample) in &builtin {
        let live = stream(&s, name);
        for t in live["spec"]["tags"].as_array().unwrap() {
            assert_eq!(t["referencePolicy"]["type"], "Source", "{name}");
            assert_eq!(t["from"]["kind"], "DockerImage", "{name}");
        }
        assert_eq!(spec_tag_names(&live), spec_tag_names(sample));
    }

    // Someone else's stream in the namespace is not part of the set: never mentioned, kept.
    cli.wharf(&[
        "tag",
        "docker.io/library/busybox:1.36",
        "mine:1",
        "-n",
        "openshift",
    ]);
    let (code, out, _) = install(&cli, &[]);
    assert_eq!(code, Some(0));
    assert!(!out.contains("mine"), "{out}");
    assert!(outcomes(&out).values().all(|o| o == "unchanged"), "{out}");
    assert!(names(&cli, "is").contains("mine"));
}

#[test]
fn bad_paths_and_malformed_files_are_clear_errors_and_the_good_files_still_load() {
    let s = Server::start();
    let cli = logged_in(&s);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "app/imagestreams/app.json",
        r#"{"kind": "ImageStream", "apiVersion": "image.openshift.io/v1", "metadata": {"name": "app"},
            "spec": {"tags": [{"name": "1", "from": {"kind": "DockerImage", "name": "docker.io/library/busybox:1.36"}}]}}"#,
    );
    write(
        "app/templates/list.yaml",
        "kind: List\napiVersion: v1\nitems:\n- kind: Template\n  apiVersion: v1\n  metadata: {name: app-example}\n  objects: []\n- kind: Service\n  apiVersion: v1\n  metadata: {name: app}\n",
    );
    write("broken/templates/broken.json", "{\"kind\": \"Template\", ");
    write(
        "bad/imagestreams/bad.yaml",
        "kind: ImageStream\napiVersion: image.openshift.io/v1\nmetadata: {name: bad}\nspec:\n  tags:\n  - name: x\n    from: {kind: Elsewhere, name: y}\n",
    );
    write("README.md", "not a sample\n");
    let missing = root.join("no-such-dir");
    let (from, missing) = (root.to_str().unwrap(), missing.to_str().unwrap());

    let (code, out, err) = install(&cli, &["--from", from, "--from", missing]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(
        outcomes(&out),
        BTreeMap::from([
            (format!("{IS}/app"), "created".to_string()),
            (format!("{TEMPLATE}/app-example"), "created".to_string()),
        ])
    );
    assert!(
        summary(&out).ends_with(": 2 created, 0 configured, 0 unchanged, 0 skipped, 1 failed"),
        "{out}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert_eq!(
        lines[0],
        format!("warning: items[1] of {from}/app/templates/list.yaml is a Service, not an ImageStream or Template; left out")
    );
    assert!(
        lines[1].starts_with(&format!(
            "error: {from}/broken/templates/broken.json does not parse: "
        )),
        "{err}"
    );
    assert!(
        lines[2].starts_with(&format!("error: --from {missing}: No such file or directory"))
            && lines[2].ends_with("pass a directory laid out like openshift/library (<family>/imagestreams/*.json, <family>/templates/*.json)"),
        "{err}"
    );
    assert!(
        lines[3].starts_with(&format!("error: cannot install {IS}/bad from {from}/bad/imagestreams/bad.yaml: Error from server (Invalid): "))
            && lines[3].ends_with("; fix the sample, or leave it out with --skip bad"),
        "{err}"
    );

    // Nothing to install at all.
    let (code, out, err) = install(&cli, &["--from", missing]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "");
    assert!(
        err.ends_with(&format!("error: no image streams or templates to install from {missing}; pass a directory laid out like openshift/library (<family>/imagestreams/*.json, <family>/templates/*.json)\n")),
        "{err}"
    );
}
