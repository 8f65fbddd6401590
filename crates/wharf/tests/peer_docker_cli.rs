//! The docker CLI's registry-direct commands (no engine here): `docker manifest inspect`,
//! `create` and `push --insecure` against a running `wharf serve`.

mod common;

use std::process::Command;

use common::{require, run, served_media_type, skopeo_copy, Layout, Server};

#[test]
fn docker_manifest_inspect_create_and_push() {
    if !require("docker") || !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(32 * 1024);
    let s = Server::start();
    let cfg = tempfile::tempdir().unwrap();
    let docker = || {
        let mut c = Command::new("docker");
        c.env("DOCKER_CONFIG", cfg.path());
        c
    };
    let r = &s.addr;
    // Docker schema2 images (the docker CLI builds Docker manifest lists from them).
    for arch in ["amd64", "arm64"] {
        run(Command::new("skopeo").args([
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--format",
            "v2s2",
            &layout.image(arch),
            &format!("docker://{r}/dk/app:{arch}"),
        ]));
    }
    skopeo_copy(
        true,
        &layout.image("multi"),
        &format!("docker://{r}/dk/app:multi"),
    );

    let inspected: serde_json::Value = serde_json::from_str(&run(docker().args([
        "manifest",
        "inspect",
        "--insecure",
        &format!("{r}/dk/app:multi"),
    ])))
    .unwrap();
    assert_eq!(inspected["manifests"].as_array().unwrap().len(), 2);

    let list = format!("{r}/dk/app:dlist");
    run(docker().args([
        "manifest",
        "create",
        "--insecure",
        &list,
        &format!("{r}/dk/app:amd64"),
        &format!("{r}/dk/app:arm64"),
    ]));
    run(docker().args(["manifest", "push", "--insecure", &list]));
    assert_eq!(
        served_media_type(&s, "dk/app", "dlist"),
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    let pushed: serde_json::Value = serde_json::from_str(&run(docker().args([
        "manifest",
        "inspect",
        "--insecure",
        &list,
    ])))
    .unwrap();
    let archs: Vec<&str> = pushed["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["platform"]["architecture"].as_str().unwrap())
        .collect();
    assert_eq!(archs, ["amd64", "arm64"]);
}
