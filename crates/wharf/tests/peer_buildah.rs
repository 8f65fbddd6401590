//! buildah against a running `wharf serve`: images built from scratch, pushed singly and as
//! manifest lists with `manifest push --all`, both as an OCI index and `--format v2s2`.

mod common;

use common::{get_json, require, run, served_media_type, ContainersStorage, Server};

fn build(store: &ContainersStorage, name: &str, arch: &str, format: &str, file: &std::path::Path) {
    let ctr = format!("ctr-{name}-{arch}-{format}");
    run(store
        .cmd("buildah")
        .args(["from", "--name", &ctr, "scratch"]));
    run(store
        .cmd("buildah")
        .arg("copy")
        .arg(&ctr)
        .arg(file)
        .arg("/etc/hello.txt"));
    run(store.cmd("buildah").args([
        "config",
        "--os",
        "linux",
        "--arch",
        arch,
        "--label",
        &format!("arch={arch}"),
        &ctr,
    ]));
    run(store.cmd("buildah").args([
        "commit",
        "-q",
        "--format",
        format,
        &ctr,
        &format!("localhost/{name}:{arch}"),
    ]));
}

#[test]
fn buildah_pushes_images_and_manifest_lists_in_both_formats() {
    if !require("buildah") {
        return;
    }
    let s = Server::start();
    let store = ContainersStorage::new();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("hello.txt");
    std::fs::write(&file, "hello from buildah\n").unwrap();
    let r = &s.addr;

    for (name, format, list_format, expect) in [
        (
            "bo",
            "oci",
            "oci",
            "application/vnd.oci.image.index.v1+json",
        ),
        (
            "bd",
            "docker",
            "v2s2",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        ),
    ] {
        build(&store, name, "amd64", format, &file);
        build(&store, name, "arm64", format, &file);
        run(store.cmd("buildah").args([
            "push",
            "-q",
            "--tls-verify=false",
            &format!("localhost/{name}:amd64"),
            &format!("docker://{r}/bh/{name}:amd64"),
        ]));
        let list = format!("localhost/{name}:list");
        run(store.cmd("buildah").args(["manifest", "create", &list]));
        for arch in ["amd64", "arm64"] {
            run(store.cmd("buildah").args([
                "manifest",
                "add",
                "--arch",
                arch,
                &list,
                &format!("localhost/{name}:{arch}"),
            ]));
        }
        run(store.cmd("buildah").args([
            "manifest",
            "push",
            "-q",
            "--all",
            "--format",
            list_format,
            "--tls-verify=false",
            &list,
            &format!("docker://{r}/bh/{name}:list"),
        ]));
        assert_eq!(served_media_type(&s, &format!("bh/{name}"), "list"), expect);
        let index = get_json(&s.url(&format!("/v2/bh/{name}/manifests/list")));
        let children = index["manifests"].as_array().unwrap();
        assert_eq!(children.len(), 2);
        for child in children {
            let digest = child["digest"].as_str().unwrap();
            let m = get_json(&s.url(&format!("/v2/bh/{name}/manifests/{digest}")));
            let config = m["config"]["digest"].as_str().unwrap();
            let (status, _, _) = common::get(&s.url(&format!("/v2/bh/{name}/blobs/{config}")));
            assert_eq!(status, 200);
        }
    }
}
