//! `wharf tag` against a running server: spec §7 acceptance cases 32–38 and the effect of
//! each form on the stream.

mod common;

use common::{get_json, push_image, Cli, Server};
use serde_json::{json, Value};

fn stream(s: &Server, ns: &str, name: &str) -> Value {
    get_json(&s.url(&format!(
        "/apis/image.openshift.io/v1/namespaces/{ns}/imagestreams/{name}"
    )))
}

fn spec_tag(stream: &Value, tag: &str) -> Value {
    stream["spec"]["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == tag)
        .cloned()
        .unwrap_or(Value::Null)
}

fn current_image(stream: &Value, tag: &str) -> Value {
    stream["status"]["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["tag"] == tag)
        .map(|t| t["items"][0]["image"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn tagging_a_container_image_records_the_source_as_written() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    cli.wharf(&["new-project", "other"]);
    cli.wharf(&["project", "demo"]);
    assert_eq!(
        cli.wharf(&["tag", "docker.io/python:3.6.0", "python:3.6"]),
        "Tag python:3.6 set to docker.io/python:3.6.0.\n"
    );
    let t = spec_tag(&stream(&s, "demo", "python"), "3.6");
    assert_eq!(
        t["from"],
        json!({"kind": "DockerImage", "name": "docker.io/python:3.6.0"})
    );
    assert_eq!(t["referencePolicy"]["type"], "Source");
    assert_eq!(
        cli.wharf(&["tag", "docker.io/python:3.6.0", "python:3.6", "--scheduled"]),
        "Tag python:3.6 set to import docker.io/python:3.6.0 periodically.\n"
    );
    assert_eq!(
        spec_tag(&stream(&s, "demo", "python"), "3.6")["importPolicy"]["scheduled"],
        true
    );
    assert_eq!(
        cli.wharf(&[
            "tag",
            "docker.io/python:3.6.0",
            "other/python:3.6",
            "--scheduled"
        ]),
        "Tag other/python:3.6 set to docker.io/python:3.6.0 periodically.\n"
    );
    cli.wharf(&[
        "tag",
        "quay.io/a/b:1",
        "python:ref",
        "--reference",
        "--reference-policy=local",
    ]);
    let t = spec_tag(&stream(&s, "demo", "python"), "ref");
    assert_eq!(
        (t["reference"].clone(), t["referencePolicy"]["type"].clone()),
        (json!(true), json!("Local"))
    );
}

#[test]
fn tagging_a_tag_copies_its_image_and_alias_tracks_it() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let d1 = push_image(
        &s,
        "demo/python",
        "3.6",
        json!({"Cmd": ["python3"]}),
        b"one",
    );
    assert_eq!(
        cli.wharf(&["tag", "python:3.6", "python:latest"]),
        format!("Tag python:latest set to python@{d1}.\n")
    );
    let st = stream(&s, "demo", "python");
    assert_eq!(
        spec_tag(&st, "latest")["from"],
        json!({"kind": "ImageStreamImage", "name": format!("python@{d1}")})
    );
    assert_eq!(current_image(&st, "latest"), json!(d1));
    assert_eq!(
        cli.wharf(&["tag", "--alias", "python:3.6", "python:follow"]),
        "Tag python:follow set up to track python:3.6.\n"
    );
    let d2 = push_image(
        &s,
        "demo/python",
        "3.6",
        json!({"Cmd": ["python3"]}),
        b"two",
    );
    let st = stream(&s, "demo", "python");
    assert_eq!(
        current_image(&st, "follow"),
        json!(d2),
        "the alias follows its source"
    );
    assert_eq!(current_image(&st, "latest"), json!(d1), "the copy does not");
    // The registry serves the new tags.
    let tags = get_json(&s.url("/v2/demo/python/tags/list"));
    assert_eq!(tags["tags"], json!(["3.6", "follow", "latest"]));
}

#[test]
fn tag_errors_read_like_oc() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    push_image(&s, "demo/python", "3.6", json!({}), b"one");
    assert_eq!(
        cli.wharf_fails(&["tag", "--alias", "python:3.6", "other:latest"]),
        "error: cannot set alias across different Image Streams\n"
    );
    assert_eq!(
        cli.wharf_fails(&["tag", "python:3.6", "python:x", "--scheduled"]),
        "error: only container images can have importing flags set\n"
    );
    assert_eq!(
        cli.wharf_fails(&["tag", "python:missing", "python:x"]),
        "error: \"python:missing\" is not currently pointing to an image, cannot use it as the source of a tag\n"
    );
    assert!(cli
        .wharf_fails(&["tag", "docker.io/x:1", "python:bad tag"])
        .starts_with(
            "error: invalid tag \"bad tag\" format, tags must start with an alphanumeric character"
        ));
    assert_eq!(
        cli.wharf_fails(&["tag", "python:3.6"]),
        "error: you must specify a source and at least one destination or one or more tags to delete\nSee 'wharf tag -h' for help and examples\n"
    );
    assert_eq!(
        cli.wharf_fails(&["tag", "ghost:1", "python:x"]),
        "Error from server (NotFound): imagestreams.image.openshift.io \"ghost\" not found\n"
    );
}

#[test]
fn tag_delete_removes_spec_and_history_and_says_what_is_missing() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    push_image(&s, "demo/python", "3.6", json!({}), b"one");
    assert_eq!(
        cli.wharf(&["tag", "-d", "python:3.6"]),
        "Deleted tag demo/python:3.6.\n"
    );
    assert_eq!(stream(&s, "demo", "python")["status"]["tags"], json!([]));
    let tags = get_json(&s.url("/v2/demo/python/tags/list"));
    assert_eq!(tags["tags"], json!([]), "the registry tag is gone too");
    assert_eq!(
        cli.wharf_fails(&["tag", "-d", "python:3.6"]),
        "error: destination tag demo/python:3.6 does not exist.\n"
    );
    assert_eq!(
        cli.wharf_fails(&["tag", "-d", "ghost:1"]),
        "error: Image stream \"ghost\" does not exist.\n"
    );
}
