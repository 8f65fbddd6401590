//! skopeo against a running `wharf serve`: copy (single image and `--all` with a multi-arch
//! index), inspect, list-tags, delete, sync between two Wharf servers, pull back byte-identical;
//! and the referrers API for a hand-made artifact whose `subject` is a skopeo-pushed image.

mod common;

use std::process::Command;

use common::{get, get_json, require, run, skopeo_copy, Layout, Server};
use serde_json::Value;

fn inspect(args: &[&str], target: &str) -> String {
    run(Command::new("skopeo")
        .args(["inspect", "--tls-verify=false"])
        .args(args)
        .arg(target))
}

#[test]
fn skopeo_copies_inspects_and_lists_tags() {
    if !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(256 * 1024);
    let s = Server::start();
    let repo = format!("docker://{}/ns/app", s.addr);
    skopeo_copy(false, &layout.image("amd64"), &format!("{repo}:v1"));
    skopeo_copy(true, &layout.image("multi"), &format!("{repo}:multi"));

    let info: Value = serde_json::from_str(&inspect(&[], &format!("{repo}:v1"))).unwrap();
    assert_eq!(
        info["Digest"],
        layout.descriptor("amd64")["digest"],
        "the pushed manifest is served unchanged"
    );
    assert_eq!(info["Architecture"], "amd64");

    let raw: Value = serde_json::from_str(&inspect(&["--raw"], &format!("{repo}:multi"))).unwrap();
    assert_eq!(raw["mediaType"], "application/vnd.oci.image.index.v1+json");
    assert_eq!(raw["manifests"].as_array().unwrap().len(), 2);
    let arm = inspect(
        &["--override-arch", "arm64", "--format", "{{.Architecture}}"],
        &format!("{repo}:multi"),
    );
    assert_eq!(
        arm.trim(),
        "arm64",
        "skopeo picks the arm64 child of the index"
    );
    let config: Value =
        serde_json::from_str(&inspect(&["--config"], &format!("{repo}:v1"))).unwrap();
    assert_eq!(config["architecture"], "amd64");

    let tags: Value = serde_json::from_str(&run(Command::new("skopeo").args([
        "list-tags",
        "--tls-verify=false",
        &repo,
    ])))
    .unwrap();
    assert_eq!(tags["Tags"], serde_json::json!(["multi", "v1"]));
}

#[test]
fn skopeo_pulls_back_byte_identical_content() {
    if !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(1024 * 1024);
    let s = Server::start();
    let dest = format!("docker://{}/pull/back:v1", s.addr);
    skopeo_copy(false, &layout.image("amd64"), &dest);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("pulled");
    skopeo_copy(false, &dest, &format!("dir:{}", dir.display()));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for layer in manifest["layers"].as_array().unwrap() {
        let digest = layer["digest"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(digest.trim_start_matches("sha256:"))).unwrap();
        assert_eq!(common::sha256_digest(&bytes), digest);
        assert_eq!(bytes.len() as u64, layer["size"].as_u64().unwrap());
    }
}

#[test]
fn skopeo_delete_removes_the_manifest_and_its_tag() {
    if !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(64 * 1024);
    let s = Server::start();
    let image = format!("docker://{}/del/app:gone", s.addr);
    skopeo_copy(false, &layout.image("arm64"), &image);
    run(Command::new("skopeo").args(["delete", "--tls-verify=false", &image]));
    let digest = layout.descriptor("arm64")["digest"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(&s.url(&format!("/v2/del/app/manifests/{digest}"))).0,
        404
    );
    assert_eq!(get(&s.url("/v2/del/app/manifests/gone")).0, 404);
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", &image])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn skopeo_sync_mirrors_a_repository_between_two_servers() {
    if !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(64 * 1024);
    let (a, b) = (Server::start(), Server::start());
    skopeo_copy(
        false,
        &layout.image("amd64"),
        &format!("docker://{}/src/app:v1", a.addr),
    );
    skopeo_copy(
        true,
        &layout.image("multi"),
        &format!("docker://{}/src/app:multi", a.addr),
    );
    run(Command::new("skopeo").args([
        "sync",
        "--all",
        "--src",
        "docker",
        "--dest",
        "docker",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        &format!("{}/src/app", a.addr),
        &format!("{}/mirror", b.addr),
    ]));
    let tags = get_json(&b.url("/v2/mirror/app/tags/list"));
    assert_eq!(tags["tags"], serde_json::json!(["multi", "v1"]));
    for tag in ["v1", "multi"] {
        let (_, _, left) = get(&a.url(&format!("/v2/src/app/manifests/{tag}")));
        let (_, _, right) = get(&b.url(&format!("/v2/mirror/app/manifests/{tag}")));
        assert_eq!(left, right, "{tag} mirrored byte for byte");
    }
}

#[test]
fn referrers_list_a_hand_made_artifact_for_a_skopeo_pushed_image() {
    if !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(16 * 1024);
    let s = Server::start();
    skopeo_copy(
        false,
        &layout.image("amd64"),
        &format!("docker://{}/sig/app:v1", s.addr),
    );
    let subject = layout.descriptor("amd64");
    let agent = common::http();
    // The empty config blob, then an artifact manifest whose subject is the image.
    let empty = common::sha256_digest(b"{}");
    let r = agent
        .post(&s.url(&format!("/v2/sig/app/blobs/uploads/?digest={empty}")))
        .send(&b"{}"[..])
        .unwrap();
    assert_eq!(r.status(), 201);
    let artifact = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2}],
        "subject": {"mediaType": subject["mediaType"], "digest": subject["digest"], "size": subject["size"]},
    })
    .to_string();
    let digest = common::sha256_digest(artifact.as_bytes());
    let r = agent
        .put(&s.url(&format!("/v2/sig/app/manifests/{digest}")))
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .send(artifact.as_bytes())
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers().get("oci-subject").unwrap().to_str().unwrap(),
        subject["digest"].as_str().unwrap()
    );
    let index = get_json(&s.url(&format!(
        "/v2/sig/app/referrers/{}",
        subject["digest"].as_str().unwrap()
    )));
    assert_eq!(index["manifests"][0]["digest"], digest);
    assert_eq!(
        index["manifests"][0]["artifactType"],
        "application/vnd.example.signature"
    );
    // skopeo still sees the image itself unchanged.
    let info: Value =
        serde_json::from_str(&inspect(&[], &format!("docker://{}/sig/app:v1", s.addr))).unwrap();
    assert_eq!(info["Digest"], subject["digest"]);
}
