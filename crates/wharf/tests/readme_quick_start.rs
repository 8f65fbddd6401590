//! The README's quick start with authentication, step by step as a user types it: read the
//! admin password, `wharf login`, `podman login -u kubeadmin -p $(wharf whoami -t)`, push;
//! then a second user, with no role in the project, is refused and told which role is missing.

mod common;

use common::{require, run, Cli, ContainersStorage, Server};

#[test]
fn the_readme_quick_start_pushes_as_kubeadmin_and_refuses_a_user_without_a_role() {
    if !require("podman") {
        return;
    }
    let s = Server::start_secured(&[("alice", "secret")]);
    let r = &s.addr;
    let password_file = s.data_dir.join("kubeadmin-password");
    assert!(
        s.log().contains(&password_file.display().to_string()),
        "the log says where the password is: {}",
        s.log()
    );
    let password = std::fs::read_to_string(&password_file).unwrap();
    let admin = Cli::new();
    let out = admin.wharf(&[
        "login",
        &s.url(""),
        "-u",
        "kubeadmin",
        "-p",
        password.trim(),
    ]);
    assert!(out.contains("Login successful."), "{out}");
    admin.wharf(&["new-project", "demo"]);
    let token = admin.wharf(&["whoami", "-t"]).trim().to_string();

    let store = ContainersStorage::new();
    let tmp = tempfile::tempdir().unwrap();
    let podman_login = |authfile: &std::path::Path, user: &str, token: &str| {
        let out = run(store
            .cmd("podman")
            .args(["login", "--tls-verify=false", "-u", user, "-p", token])
            .arg("--authfile")
            .arg(authfile)
            .arg(r));
        assert!(out.contains("Login Succeeded"), "{out}");
    };
    let admin_auth = tmp.path().join("admin.json");
    podman_login(&admin_auth, "kubeadmin", &token);
    // Any local image will do: one imported from a tarball of one file.
    let rootfs = tmp.path().join("rootfs");
    std::fs::create_dir_all(&rootfs).unwrap();
    std::fs::write(rootfs.join("hello.txt"), "hello").unwrap();
    let tarball = tmp.path().join("rootfs.tar");
    run(std::process::Command::new("tar")
        .arg("-cf")
        .arg(&tarball)
        .arg("-C")
        .arg(&rootfs)
        .arg("."));
    let image = format!("{r}/demo/app:v1");
    run(store
        .cmd("podman")
        .args(["import", "-q"])
        .arg(&tarball)
        .arg(&image));
    run(store
        .cmd("podman")
        .args(["push", "-q", "--tls-verify=false", "--authfile"])
        .arg(&admin_auth)
        .arg(&image));
    let tags = admin.wharf(&["get", "istag", "-o", "name"]);
    assert_eq!(tags.trim(), "imagestreamtag.image.openshift.io/app:v1");

    // A second user: logs in, but has no role in demo.
    let alice = Cli::new();
    alice.wharf(&["login", &s.url(""), "-u", "alice", "-p", "secret"]);
    let alice_token = alice.wharf(&["whoami", "-t"]).trim().to_string();
    let alice_auth = tmp.path().join("alice.json");
    podman_login(&alice_auth, "alice", &alice_token);
    let refused = store
        .cmd("podman")
        .args(["push", "--tls-verify=false", "--authfile"])
        .arg(&alice_auth)
        .arg(format!("{r}/demo/app:v1"))
        .arg(format!("docker://{r}/demo/app:v2"))
        .output()
        .unwrap();
    assert!(!refused.status.success(), "alice pushed into demo");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("system:image-pusher role in project \"demo\""),
        "the refusal names the missing role: {stderr}"
    );
}
