//! podman against a running `wharf serve`: pull (single and by architecture from an index),
//! push (OCI and `--format v2s2`), and `manifest create/add/push --all`.

mod common;

use common::{require, run, served_media_type, skopeo_copy, ContainersStorage, Layout, Server};

#[test]
fn podman_pulls_pushes_and_pushes_manifest_lists() {
    if !require("podman") || !require("skopeo") || !require("umoci") {
        return;
    }
    let layout = Layout::build(128 * 1024);
    let s = Server::start();
    let store = ContainersStorage::new();
    let r = &s.addr;
    skopeo_copy(
        false,
        &layout.image("amd64"),
        &format!("docker://{r}/ns/base:v1"),
    );
    skopeo_copy(
        true,
        &layout.image("multi"),
        &format!("docker://{r}/ns/base:multi"),
    );

    run(store.cmd("podman").args([
        "pull",
        "-q",
        "--tls-verify=false",
        &format!("{r}/ns/base:v1"),
    ]));
    run(store.cmd("podman").args([
        "pull",
        "-q",
        "--tls-verify=false",
        "--arch",
        "arm64",
        &format!("{r}/ns/base:multi"),
    ]));
    let arch = run(store.cmd("podman").args([
        "image",
        "inspect",
        "--format",
        "{{.Architecture}}",
        &format!("{r}/ns/base:multi"),
    ]));
    assert_eq!(arch.trim(), "arm64");

    run(store.cmd("podman").args([
        "tag",
        &format!("{r}/ns/base:v1"),
        &format!("{r}/ns/podman:retag"),
    ]));
    run(store.cmd("podman").args([
        "push",
        "-q",
        "--tls-verify=false",
        &format!("{r}/ns/podman:retag"),
    ]));
    assert_eq!(
        served_media_type(&s, "ns/podman", "retag"),
        "application/vnd.oci.image.manifest.v1+json"
    );
    run(store.cmd("podman").args([
        "push",
        "-q",
        "--tls-verify=false",
        "--format",
        "v2s2",
        &format!("{r}/ns/podman:retag"),
        &format!("docker://{r}/ns/podman:v2s2"),
    ]));
    assert_eq!(
        served_media_type(&s, "ns/podman", "v2s2"),
        "application/vnd.docker.distribution.manifest.v2+json"
    );

    let list = format!("{r}/ns/podman:list");
    run(store.cmd("podman").args(["manifest", "create", &list]));
    run(store.cmd("podman").args([
        "manifest",
        "add",
        "--tls-verify=false",
        &list,
        &format!("docker://{r}/ns/base:v1"),
    ]));
    run(store.cmd("podman").args([
        "manifest",
        "push",
        "-q",
        "--all",
        "--tls-verify=false",
        &list,
        &format!("docker://{list}"),
    ]));
    let ct = served_media_type(&s, "ns/podman", "list");
    assert!(ct.contains("index") || ct.contains("list"), "{ct}");

    // And back: pull what podman pushed.
    let fresh = ContainersStorage::new();
    run(fresh.cmd("podman").args([
        "pull",
        "-q",
        "--tls-verify=false",
        &format!("{r}/ns/podman:v2s2"),
    ]));
}

#[test]
fn a_podman_push_shows_up_to_kubectl_and_wharf_describe() {
    if !require("podman") || !require("skopeo") || !require("umoci") || !require("kubectl") {
        return;
    }
    let layout = Layout::build(64 * 1024);
    let s = Server::start();
    let store = ContainersStorage::new();
    let r = &s.addr;
    skopeo_copy(
        false,
        &layout.image("amd64"),
        &format!("docker://{r}/seed/base:v1"),
    );
    run(store.cmd("podman").args([
        "pull",
        "-q",
        "--tls-verify=false",
        &format!("{r}/seed/base:v1"),
    ]));
    run(store.cmd("podman").args([
        "tag",
        &format!("{r}/seed/base:v1"),
        &format!("{r}/demo/app:v1"),
    ]));
    run(store.cmd("podman").args([
        "push",
        "-q",
        "--tls-verify=false",
        &format!("{r}/demo/app:v1"),
    ]));
    let digest = common::get(&s.url("/v2/demo/app/manifests/v1"));
    let digest = common::sha256_digest(&digest.2);
    let kubectl = |args: &[&str]| run(common::kubectl(&s).args(args));
    let image = kubectl(&[
        "get",
        "is",
        "app",
        "-n",
        "demo",
        "-o",
        "jsonpath={.status.tags[0].tag} {.status.tags[0].items[0].image}",
    ]);
    assert_eq!(image, format!("v1 {digest}"));
    let reference = kubectl(&[
        "get",
        "is",
        "app",
        "-n",
        "demo",
        "-o",
        "jsonpath={.status.tags[0].items[0].dockerImageReference}",
    ]);
    assert_eq!(reference, format!("{r}/demo/app@{digest}"));
    let arch = kubectl(&[
        "get",
        "images",
        &digest,
        "-o",
        "jsonpath={.dockerImageMetadata.Architecture}",
    ]);
    assert_eq!(arch, "amd64");
    let istag = kubectl(&[
        "get",
        "istag",
        "app:v1",
        "-n",
        "demo",
        "-o",
        "jsonpath={.image.metadata.name}",
    ]);
    assert_eq!(istag, digest);
    // `wharf describe` shows the pushed tag, its history and the image, as oc would.
    let cli = common::Cli::new();
    let server = s.url("");
    let describe = cli.wharf(&["describe", "is/app", "-n", "demo", "--server", &server]);
    assert!(
        describe.starts_with("Name:\t\t\tapp\nNamespace:\t\tdemo\n"),
        "{describe}"
    );
    assert!(
        describe.contains("Unique Images:\t\t1\nTags:\t\t\t1\n"),
        "{describe}"
    );
    assert!(
        describe.contains(&format!(
            "\nv1\n  no spec tag\n\n  * {r}/demo/app@{digest}\n"
        )),
        "{describe}"
    );
    let image = cli.wharf(&[
        "describe",
        "istag/app:v1",
        "-n",
        "demo",
        "--server",
        &server,
    ]);
    assert!(image.contains("in 1 layers\nLayers:\t\t"), "{image}");
    assert!(image.contains("\nArch:\t\tamd64\n"), "{image}");
    let out = kubectl(&["delete", "istag", "app:v1", "-n", "demo"]);
    assert_eq!(
        out.trim(),
        "imagestreamtag.image.openshift.io \"app:v1\" deleted"
    );
    assert_eq!(
        common::get_json(&s.url("/v2/demo/app/tags/list"))["tags"],
        serde_json::json!([]),
        "gone from the registry too"
    );
    let pull = store
        .cmd("podman")
        .args([
            "pull",
            "-q",
            "--tls-verify=false",
            &format!("{r}/demo/app:v1"),
        ])
        .output()
        .unwrap();
    assert!(!pull.status.success(), "a deleted tag is not pullable");
}
