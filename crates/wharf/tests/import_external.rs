//! ImageStreamImport from real external registries: CNCF Distribution (anonymous and
//! htpasswd) and a second `wharf serve`, through the API and through `wharf import-image`.
//! Single images, manifest lists (Legacy and PreserveOriginal), whole repositories, dry runs,
//! and the failures OpenShift reports (not found, unauthorized, unreachable, HTTP-only,
//! tampered content, no known platform).

mod common;

use std::process::Command;

use common::distribution::Distribution;
use common::{get, get_json, http, require, run, sha256_digest, skopeo_copy, Cli, Layout, Server};
use serde_json::{json, Value};

const API: &str = "/apis/image.openshift.io/v1";

/// The skopeo peers this file needs besides docker-registry.
fn peers() -> bool {
    require("skopeo") && require("umoci")
}

/// POSTs an ImageStreamImport in `ns`; returns the answer (asserting 201).
fn post_isi(s: &Server, ns: &str, isi: Value) -> Value {
    let mut r = http()
        .post(&s.url(&format!("{API}/namespaces/{ns}/imagestreamimports")))
        .header("Content-Type", "application/json")
        .send(isi.to_string().as_bytes())
        .unwrap();
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap();
    assert_eq!(status, 201, "POST imagestreamimports: {body}");
    serde_json::from_str(&body).unwrap()
}

/// An ImageStreamImport of one tag `from` into `stream:tag`.
fn isi_one(stream: &str, tag: &str, from: &str, insecure: bool, import: bool) -> Value {
    json!({
        "kind": "ImageStreamImport", "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": stream},
        "spec": {"import": import, "images": [{
            "from": {"kind": "DockerImage", "name": from},
            "to": {"name": tag},
            "importPolicy": {"insecure": insecure},
            "referencePolicy": {"type": "Source"},
        }]},
    })
}

/// The ImageStreamImport's one image result.
fn only_image(isi: &Value) -> &Value {
    let images = isi["status"]["images"].as_array().expect("status.images");
    assert_eq!(images.len(), 1, "{isi:#}");
    &images[0]
}

fn stream_of(s: &Server, ns: &str, name: &str) -> (u16, Value) {
    let (status, _, body) = get(&s.url(&format!("{API}/namespaces/{ns}/imagestreams/{name}")));
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The current image of `tag` in the stream's status.
fn current_image(stream: &Value, tag: &str) -> Value {
    stream["status"]["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["tag"] == tag)
        .map(|t| t["items"][0]["image"].clone())
        .unwrap_or(Value::Null)
}

fn image_status(s: &Server, digest: &str) -> u16 {
    get(&s.url(&format!("{API}/images/{digest}"))).0
}

fn digest_of(layout: &Layout, tag: &str) -> String {
    layout.descriptor(tag)["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn layout_blob(layout: &Layout, digest: &str) -> Vec<u8> {
    std::fs::read(
        layout
            .dir
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
    .unwrap()
}

/// The manifest digest skopeo reports for `docker://REF` (plain HTTP, optional creds).
fn skopeo_digest(reference: &str, creds: Option<&str>) -> String {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some(c) = creds {
        cmd.args(["--creds", c]);
    }
    let raw = run(cmd.arg(format!("docker://{reference}")));
    sha256_digest(raw.as_bytes())
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn assert_failure(result: &Value, reason: &str, message_contains: &str) {
    let st = &result["status"];
    assert_eq!(st["status"], "Failure", "{result:#}");
    assert_eq!(st["reason"], reason, "{result:#}");
    let message = st["message"].as_str().unwrap_or("");
    assert!(
        message.contains(message_contains),
        "message {message:?} should contain {message_contains:?}"
    );
}

#[test]
fn importing_a_tag_from_distribution_through_the_api_records_image_and_tag() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(64 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let digest = skopeo_digest(&format!("{}/team/app:v1", d.addr), None);
    assert_eq!(digest, digest_of(&layout, "amd64"));

    let s = Server::start();
    let _cli = Cli::in_project(&s, "demo");
    let from = format!("{}/team/app:v1", d.addr);
    let isi = post_isi(&s, "demo", isi_one("app", "v1", &from, true, true));
    let result = only_image(&isi);
    assert_eq!(result["status"]["status"], "Success", "{isi:#}");
    let image = &result["image"];
    assert_eq!(image["metadata"]["name"], digest.as_str());
    assert_eq!(
        image["dockerImageReference"],
        format!("{}/team/app@{digest}", d.addr)
    );
    assert_eq!(image["dockerImageMetadata"]["Architecture"], "amd64");
    assert_eq!(
        current_image(&isi["status"]["import"], "v1"),
        digest.as_str()
    );

    let (status, stream) = stream_of(&s, "demo", "app");
    assert_eq!(status, 200, "the import created the stream");
    assert_eq!(current_image(&stream, "v1"), digest.as_str());
    let stored = get_json(&s.url(&format!("{API}/images/{digest}")));
    assert_eq!(
        stored["dockerImageReference"],
        format!("{}/team/app@{digest}", d.addr)
    );
    let istag = get_json(&s.url(&format!("{API}/namespaces/demo/imagestreamtags/app:v1")));
    assert_eq!(istag["image"]["metadata"]["name"], digest.as_str());
}

#[test]
fn import_image_cli_creates_the_stream_from_distribution() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(64 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let digest = skopeo_digest(&format!("{}/team/app:v1", d.addr), None);

    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let from = format!("--from={}/team/app:v1", d.addr);
    let out = cli.wharf(&["import-image", "app:v1", &from, "--confirm", "--insecure"]);
    let reference = format!("{}/team/app@{digest}", d.addr);
    assert!(
        out.starts_with("imagestream.image.openshift.io/app imported\n"),
        "{out}"
    );
    assert!(out.contains(&reference), "{out}");

    let istag: Value =
        serde_json::from_str(&cli.wharf(&["get", "istag", "app:v1", "-o", "json"])).unwrap();
    assert_eq!(istag["image"]["metadata"]["name"], digest.as_str());
    assert_eq!(istag["image"]["dockerImageReference"], reference.as_str());

    let described = cli.wharf(&["describe", "is", "app"]);
    assert!(described.contains("v1"), "{described}");
    assert!(described.contains(&reference), "{described}");
}

#[test]
fn import_image_without_confirm_refuses_a_missing_stream() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let err = cli.wharf_fails(&["import-image", "x:v1", "--from=127.0.0.1:1/a/b:v1"]);
    assert!(
        err.contains(r#"no image stream named "x" exists, pass --confirm to create and import"#),
        "{err}"
    );
    assert_eq!(stream_of(&s, "demo", "x").0, 404);
}

#[test]
fn legacy_import_of_a_manifest_list_takes_the_amd64_child() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(32 * 1024);
    d.push(true, &layout.image("multi"), "team/app:multi");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let from = format!("--from={}/team/app:multi", d.addr);
    cli.wharf(&["import-image", "app:v1", &from, "--confirm", "--insecure"]);
    let istag: Value =
        serde_json::from_str(&cli.wharf(&["get", "istag", "app:v1", "-o", "json"])).unwrap();
    let amd64 = digest_of(&layout, "amd64");
    assert_eq!(istag["image"]["metadata"]["name"], amd64.as_str());
    assert_eq!(
        istag["image"]["dockerImageReference"],
        format!("{}/team/app@{amd64}", d.addr)
    );
    assert_eq!(
        current_image(&stream_of(&s, "demo", "app").1, "v1"),
        amd64.as_str()
    );
    assert_eq!(
        image_status(&s, &digest_of(&layout, "multi")),
        404,
        "Legacy does not keep the list"
    );
}

#[test]
fn preserve_original_import_keeps_the_list_and_both_children() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(32 * 1024);
    d.push(true, &layout.image("multi"), "team/app:multi");
    let list = digest_of(&layout, "multi");
    assert_eq!(
        skopeo_digest(&format!("{}/team/app:multi", d.addr), None),
        list
    );
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let from = format!("--from={}/team/app:multi", d.addr);
    let out = cli.wharf(&[
        "import-image",
        "app:v1",
        &from,
        "--confirm",
        "--insecure",
        "--import-mode=PreserveOriginal",
        "-o",
        "json",
    ]);
    let isi: Value = serde_json::from_str(&out).unwrap();
    let result = only_image(&isi);
    assert_eq!(result["status"]["status"], "Success", "{isi:#}");
    assert_eq!(result["image"]["metadata"]["name"], list.as_str());
    let manifests = result["image"]["dockerImageManifests"]
        .as_array()
        .expect("dockerImageManifests");
    assert_eq!(manifests.len(), 2, "{manifests:#?}");
    let children = [digest_of(&layout, "amd64"), digest_of(&layout, "arm64")];
    for child in &children {
        assert!(
            manifests.iter().any(|m| m["digest"] == child.as_str()),
            "{child} in {manifests:#?}"
        );
        let image = get_json(&s.url(&format!("{API}/images/{child}")));
        assert_eq!(
            image["dockerImageReference"],
            format!("{}/team/app@{child}", d.addr)
        );
    }
    let child_results = result["manifests"].as_array().expect("status manifests");
    assert_eq!(child_results.len(), 2);

    let istag: Value =
        serde_json::from_str(&cli.wharf(&["get", "istag", "app:v1", "-o", "json"])).unwrap();
    assert_eq!(istag["image"]["metadata"]["name"], list.as_str());
    assert_eq!(
        get_json(&s.url(&format!("{API}/images/{list}")))["dockerImageManifests"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn private_registry_imports_only_with_the_right_docker_registry_secret() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start_with_htpasswd("alice", "s3cret") else {
        return;
    };
    let layout = Layout::build(32 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let reference = format!("{}/team/app:v1", d.addr);
    let digest = skopeo_digest(&reference, Some("alice:s3cret"));
    let s = Server::start();
    let server = format!("--docker-server={}", d.addr);
    let cli = Cli::in_project(&s, "nocreds");
    let secret = |password: &str| {
        let password = format!("--docker-password={password}");
        let args = [
            "create",
            "secret",
            "docker-registry",
            "creds",
            &server,
            "--docker-username=alice",
            &password,
        ];
        cli.wharf(&args);
    };

    let result = post_isi(&s, "nocreds", isi_one("app", "v1", &reference, true, true));
    assert_failure(
        only_image(&result),
        "Unauthorized",
        &format!("you may not have access to the container image \"{reference}\""),
    );

    cli.wharf(&["new-project", "wrong"]);
    secret("nope");
    let result = post_isi(&s, "wrong", isi_one("app", "v1", &reference, true, true));
    assert_failure(
        only_image(&result),
        "Unauthorized",
        &format!("incorrect username or password for image \"{reference}\""),
    );

    cli.wharf(&["new-project", "right"]);
    secret("s3cret");
    let out = cli.wharf(&[
        "import-image",
        "app:v1",
        &format!("--from={reference}"),
        "--confirm",
        "--insecure",
    ]);
    assert!(out.contains(&digest), "{out}");
    assert_eq!(
        current_image(&stream_of(&s, "right", "app").1, "v1"),
        digest.as_str()
    );
}

#[test]
fn another_wharf_server_is_an_import_source() {
    if !peers() {
        return;
    }
    let layout = Layout::build(32 * 1024);
    let source = Server::start();
    skopeo_copy(
        false,
        &layout.image("arm64"),
        &format!("docker://{}/src/app:v1", source.addr),
    );
    let digest = digest_of(&layout, "arm64");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let from = format!("--from={}/src/app:v1", source.addr);
    cli.wharf(&["import-image", "app:v1", &from, "--confirm", "--insecure"]);
    let istag: Value =
        serde_json::from_str(&cli.wharf(&["get", "istag", "app:v1", "-o", "json"])).unwrap();
    assert_eq!(istag["image"]["metadata"]["name"], digest.as_str());
    assert_eq!(
        istag["image"]["dockerImageReference"],
        format!("{}/src/app@{digest}", source.addr)
    );
    assert_eq!(
        istag["image"]["dockerImageMetadata"]["Architecture"],
        "arm64"
    );
}

#[test]
fn unknown_tag_fails_with_not_found_and_exit_code_1() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(16 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let reference = format!("{}/team/app:nope", d.addr);
    let result = post_isi(&s, "demo", isi_one("app", "nope", &reference, true, true));
    assert_failure(
        only_image(&result),
        "NotFound",
        &format!("dockerimage.image.openshift.io \"{reference}\" not found"),
    );
    assert_eq!(only_image(&result)["status"]["code"], 404);

    let from = format!("--from={}/team/app:v9", d.addr);
    let err = cli.wharf_fails(&["import-image", "app:v9", &from, "--confirm", "--insecure"]);
    assert!(
        err.contains(&format!(
            "error: tag v9 failed: dockerimage.image.openshift.io \"{}/team/app:v9\" not found",
            d.addr
        )),
        "{err}"
    );
    assert!(
        err.contains("error: imported completed with errors"),
        "{err}"
    );
}

#[test]
fn unreachable_registry_fails_with_internal_error() {
    let s = Server::start();
    let _cli = Cli::in_project(&s, "demo");
    let reference = format!("127.0.0.1:{}/team/app:v1", closed_port());
    let result = post_isi(&s, "demo", isi_one("app", "v1", &reference, true, true));
    assert_failure(
        only_image(&result),
        "InternalError",
        &format!("Internal error occurred: {reference}: "),
    );
    assert_eq!(only_image(&result)["status"]["code"], 500);
}

#[test]
fn plain_http_registry_without_insecure_is_a_bad_request() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(16 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let reference = format!("{}/team/app:v1", d.addr);
    let result = post_isi(&s, "demo", isi_one("app", "v1", &reference, false, true));
    let expected = format!(
        "the repository {}/team/app is HTTP only and requires the insecure flag to import",
        d.addr
    );
    assert_failure(only_image(&result), "BadRequest", &expected);

    let err = cli.wharf_fails(&[
        "import-image",
        "app:v1",
        &format!("--from={reference}"),
        "--confirm",
    ]);
    assert!(
        err.contains(&format!("error: tag v1 failed: {expected}")),
        "{err}"
    );
}

#[test]
fn tampered_config_blob_fails_the_content_integrity_check() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(16 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let manifest: Value =
        serde_json::from_slice(&layout_blob(&layout, &digest_of(&layout, "amd64"))).unwrap();
    let config = manifest["config"]["digest"].as_str().unwrap();
    let path = d.blob_path(config);
    let mut bytes = std::fs::read(&path).expect("config blob in Distribution's storage");
    // Same length, other bytes: a registry serving corrupted content.
    for b in bytes.iter_mut() {
        if *b == b'a' {
            *b = b'b';
        } else if *b == b'b' {
            *b = b'a';
        }
    }
    assert_ne!(sha256_digest(&bytes), config);
    std::fs::write(&path, &bytes).unwrap();

    let s = Server::start();
    let _cli = Cli::in_project(&s, "demo");
    let reference = format!("{}/team/app:v1", d.addr);
    let result = post_isi(&s, "demo", isi_one("app", "v1", &reference, true, true));
    assert_failure(
        only_image(&result),
        "InternalError",
        "content integrity error",
    );
    assert_eq!(
        image_status(&s, &digest_of(&layout, "amd64")),
        404,
        "no Image from corrupted content"
    );
}

#[test]
fn a_list_with_only_unknown_platforms_fails() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(16 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:a");
    d.push(false, &layout.image("arm64"), "team/app:b");
    let manifests: Vec<Value> = ["amd64", "arm64"]
        .iter()
        .map(|t| {
            let desc = layout.descriptor(t);
            json!({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"],
                   "platform": {"os": "unknown", "architecture": "unknown"}})
        })
        .collect();
    let index = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests})
    .to_string();
    let r = http()
        .put(&d.url("/v2/team/app/manifests/unknown"))
        .header("Content-Type", "application/vnd.oci.image.index.v1+json")
        .send(index.as_bytes())
        .unwrap();
    assert_eq!(r.status(), 201, "PUT index to Distribution");

    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let reference = format!("{}/team/app:unknown", d.addr);
    let result = post_isi(&s, "demo", isi_one("app", "v1", &reference, true, true));
    assert_failure(
        only_image(&result),
        "InternalError",
        "no manifests in manifest list are for a known platform",
    );
    let err = cli.wharf_fails(&[
        "import-image",
        "app:v1",
        &format!("--from={reference}"),
        "--confirm",
        "--insecure",
    ]);
    assert!(
        err.contains("error: tag v1 failed: ")
            && err.contains("no manifests in manifest list are for a known platform"),
        "{err}"
    );
}

#[test]
fn repository_import_with_all_imports_every_tag() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(16 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    d.push(false, &layout.image("arm64"), "team/app:v2");
    d.push(false, &layout.image("amd64"), "team/app:v3");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let from = format!("--from={}/team/app", d.addr);
    let out = cli.wharf(&[
        "import-image",
        "app",
        "--all",
        &from,
        "--confirm",
        "--insecure",
    ]);
    assert!(
        out.starts_with("imagestream.image.openshift.io/app imported\n"),
        "{out}"
    );
    let (status, stream) = stream_of(&s, "demo", "app");
    assert_eq!(status, 200);
    let amd64 = digest_of(&layout, "amd64");
    let arm64 = digest_of(&layout, "arm64");
    assert_eq!(current_image(&stream, "v1"), amd64.as_str());
    assert_eq!(current_image(&stream, "v2"), arm64.as_str());
    assert_eq!(current_image(&stream, "v3"), amd64.as_str());
    let mut tags: Vec<&str> = stream["status"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_str().unwrap())
        .collect();
    tags.sort();
    assert_eq!(tags, ["v1", "v2", "v3"]);
}

#[test]
fn dry_run_writes_nothing() {
    if !peers() {
        return;
    }
    let Some(d) = Distribution::start() else {
        return;
    };
    let layout = Layout::build(16 * 1024);
    d.push(false, &layout.image("amd64"), "team/app:v1");
    let digest = digest_of(&layout, "amd64");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let from = format!("--from={}/team/app:v1", d.addr);
    let out = cli.wharf(&[
        "import-image",
        "app:v1",
        &from,
        "--confirm",
        "--insecure",
        "--dry-run",
    ]);
    assert!(
        out.starts_with("imagestream.image.openshift.io/app imported (dry run)\n"),
        "{out}"
    );
    assert!(
        out.contains(&digest),
        "the dry run still reports the image:\n{out}"
    );
    assert_eq!(stream_of(&s, "demo", "app").0, 404, "no stream written");
    assert_eq!(image_status(&s, &digest), 404, "no Image written");

    let isi = post_isi(
        &s,
        "demo",
        isi_one("app", "v1", &format!("{}/team/app:v1", d.addr), true, false),
    );
    assert_eq!(only_image(&isi)["status"]["status"], "Success", "{isi:#}");
    assert_eq!(stream_of(&s, "demo", "app").0, 404, "spec.import=false");
    assert_eq!(image_status(&s, &digest), 404);
}
