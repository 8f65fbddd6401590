//! kubectl (v1.32, preinstalled) against a running `wharf serve`, unmodified: create -f,
//! get (table, -o json, -o jsonpath, -A), apply, patch, delete, get -w, and explain.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{kubectl, require, run, Server};

fn kubectl_stdin(s: &Server, args: &[&str], stdin: &str) -> String {
    let out = common::output_with_stdin(kubectl(s).args(args), stdin);
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const STREAM: &str = "apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: app\n  namespace: demo\n  labels:\n    team: TEAM\nspec:\n  lookupPolicy:\n    local: false\n";

#[test]
fn kubectl_creates_gets_applies_patches_and_deletes_image_streams() {
    if !require("kubectl") {
        return;
    }
    let s = Server::start();
    kubectl_stdin(
        &s,
        &["create", "-f", "-"],
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n",
    );
    let out = kubectl_stdin(&s, &["create", "-f", "-"], &STREAM.replace("TEAM", "a"));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app created");

    let table = run(kubectl(&s).args(["get", "imagestreams", "-n", "demo"]));
    let header = common::table_cells(table.lines().next().unwrap());
    assert_eq!(
        header,
        ["NAME", "IMAGE REPOSITORY", "TAGS", "UPDATED"],
        "oc's columns, from the server's Table"
    );
    assert!(
        table.lines().nth(1).is_some_and(|l| l.starts_with("app ")),
        "{table}"
    );
    let short = run(kubectl(&s).args(["get", "is", "-A", "-o", "name"]));
    assert_eq!(short.trim(), "imagestream.image.openshift.io/app");
    let json: serde_json::Value = serde_json::from_str(&run(
        kubectl(&s).args(["get", "is", "app", "-n", "demo", "-o", "json"])
    ))
    .unwrap();
    assert_eq!(json["metadata"]["labels"]["team"], "a");
    assert_eq!(json["metadata"]["generation"], 1);

    let out = kubectl_stdin(&s, &["apply", "-f", "-"], &STREAM.replace("TEAM", "b"));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app configured");
    let team = run(kubectl(&s).args([
        "get",
        "is",
        "app",
        "-n",
        "demo",
        "-o",
        "jsonpath={.metadata.labels.team}",
    ]));
    assert_eq!(team, "b");

    let out = run(kubectl(&s).args([
        "patch",
        "is",
        "app",
        "-n",
        "demo",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"lookupPolicy":{"local":true}}}"#,
    ]));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app patched");
    let got = run(kubectl(&s).args([
        "get",
        "is",
        "app",
        "-n",
        "demo",
        "-o",
        "jsonpath={.spec.lookupPolicy.local} {.metadata.generation}",
    ]));
    assert_eq!(got, "true 2");

    let out = run(kubectl(&s).args(["delete", "is", "app", "-n", "demo"]));
    assert_eq!(out.trim(), "imagestream.image.openshift.io \"app\" deleted");
    let err = kubectl(&s)
        .args(["get", "is", "app", "-n", "demo"])
        .output()
        .unwrap();
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr)
        .contains("imagestreams.image.openshift.io \"app\" not found"));
}

#[test]
fn kubectl_get_watch_sees_changes_as_they_happen() {
    if !require("kubectl") {
        return;
    }
    let s = Server::start();
    kubectl_stdin(
        &s,
        &["create", "-f", "-"],
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n",
    );
    let mut watcher = kubectl(&s)
        .args([
            "get",
            "is",
            "-n",
            "demo",
            "-w",
            "--output-watch-events",
            "--request-timeout",
            "30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watcher.stdout.take().unwrap()).lines();
    std::thread::sleep(Duration::from_millis(500));
    kubectl_stdin(&s, &["create", "-f", "-"], &STREAM.replace("TEAM", "a"));
    run(kubectl(&s).args(["label", "is", "app", "-n", "demo", "x=y"]));
    run(kubectl(&s).args(["delete", "is", "app", "-n", "demo"]));
    // A table with an EVENT column: the header, then one line per event.
    let header = lines.next().unwrap().unwrap();
    assert!(header.starts_with("EVENT"), "{header}");
    let seen: Vec<String> = (0..3)
        .map(|_| {
            lines
                .next()
                .unwrap()
                .unwrap()
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert_eq!(seen, ["ADDED app", "MODIFIED app", "DELETED app"]);
}

/// An image stream with spec tags `one` and, when `second`, `two`; labelled `team: <team>`.
fn tagged_stream(team: &str, second: bool) -> String {
    let tag = |name: &str, n: u8| {
        format!("  - name: {name}\n    from:\n      kind: DockerImage\n      name: quay.io/wharf/app:{n}\n")
    };
    let mut m = format!(
        "apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: app\n  namespace: demo\n  labels:\n    team: {team}\nspec:\n  tags:\n{}",
        tag("one", 1)
    );
    if second {
        m.push_str(&tag("two", 2));
    }
    m
}

#[test]
fn kubectl_apply_twice_keeps_every_spec_tag() {
    // With schemas published, kubectl may send a strategic merge patch; without patch merge
    // keys it replaces lists whole, as Wharf applies it, so no spec tag is lost or doubled.
    if !require("kubectl") {
        return;
    }
    let s = Server::start();
    kubectl_stdin(
        &s,
        &["apply", "-f", "-"],
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n",
    );
    let state = || {
        run(kubectl(&s).args([
            "get",
            "is",
            "app",
            "-n",
            "demo",
            "-o",
            "jsonpath={.spec.tags[*].name} {.spec.tags[*].from.name} {.metadata.labels.team}",
        ]))
    };
    let out = kubectl_stdin(&s, &["apply", "-f", "-"], &tagged_stream("a", false));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app created");
    assert_eq!(state(), "one quay.io/wharf/app:1 a");

    let out = kubectl_stdin(&s, &["apply", "-f", "-"], &tagged_stream("a", true));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app configured");
    assert_eq!(
        state(),
        "one two quay.io/wharf/app:1 quay.io/wharf/app:2 a",
        "the added tag joins the first"
    );

    let out = kubectl_stdin(&s, &["apply", "-f", "-"], &tagged_stream("b", true));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app configured");
    assert_eq!(
        state(),
        "one two quay.io/wharf/app:1 quay.io/wharf/app:2 b",
        "a label change leaves every spec tag in place"
    );

    let out = kubectl_stdin(&s, &["apply", "-f", "-"], &tagged_stream("b", false));
    assert_eq!(out.trim(), "imagestream.image.openshift.io/app configured");
    assert_eq!(
        state(),
        "one quay.io/wharf/app:1 b",
        "a tag dropped from the manifest goes"
    );
}

#[test]
fn kubectl_explain_describes_image_stream_fields() {
    if !require("kubectl") {
        return;
    }
    let s = Server::start();
    let tags = run(kubectl(&s).args(["explain", "imagestreams.spec.tags"]));
    assert!(tags.contains("GROUP:      image.openshift.io"), "{tags}");
    assert!(tags.contains("KIND:       ImageStream"), "{tags}");
    assert!(tags.contains("FIELD: tags <[]TagReference>"), "{tags}");
    for field in [
        "name\t<string> -required-",
        "from\t<ObjectReference>",
        "importPolicy\t<TagImportPolicy>",
        "referencePolicy\t<TagReferencePolicy>",
        "generation\t<integer>",
        "annotations\t<map[string]string>",
    ] {
        assert!(tags.contains(field), "{field} missing:\n{tags}");
    }
    assert!(
        tags.contains("tags map arbitrary string values to specific image locators"),
        "{tags}"
    );
    assert!(
        tags.contains("Reference states if the tag will be imported"),
        "{tags}"
    );

    let images = run(kubectl(&s).args(["explain", "images"]));
    assert!(images.contains("KIND:       Image\n"), "{images}");
    assert!(
        images.contains("Image is an immutable representation of a container image"),
        "{images}"
    );
    for field in [
        "dockerImageReference\t<string>",
        "dockerImageMetadata\t<Object>",
        "dockerImageLayers\t<[]ImageLayer>",
        "dockerImageManifests\t<[]ImageManifest>",
        "dockerImageManifestMediaType\t<string>",
        "metadata\t<ObjectMeta>",
    ] {
        assert!(images.contains(field), "{field} missing:\n{images}");
    }

    let from = run(kubectl(&s).args(["explain", "istag.tag.from"]));
    assert!(from.contains("KIND:       ImageStreamTag"), "{from}");
    assert!(
        from.contains("Valid values are ImageStreamTag, ImageStreamImage, and"),
        "{from}"
    );
    let md = run(kubectl(&s).args(["explain", "images.dockerImageMetadata"]));
    assert!(
        md.contains("DockerImageMetadata contains metadata about this image"),
        "{md}"
    );
}

#[test]
fn the_openshift_python_dynamic_client_discovers_lists_and_patches_image_streams() {
    let Some(python) = common::peer_python() else {
        return;
    };
    let s = Server::start();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers/openshift_dynamic_client.py");
    let out = run(Command::new(python).arg(script).arg(s.url("")));
    assert!(out.contains("openshift client ok"), "{out}");
}
