//! The registry with authentication on: anonymous callers challenged the way Docker clients
//! expect, projects kept apart (push, pull, mount, delete), registry tokens held to their
//! scopes and lifetime, hostile repository names refused, the catalog filtered, uploads per
//! client limited, and podman/skopeo logging in and copying with credentials.

mod common;

use std::io::Write as _;
use std::process::Command;

use common::auth::{basic, bearer, call, get_as, raw_status, registry_token};
use common::{push_image_as, require, run, Cli, Server};
use serde_json::json;

/// A server where alice owns project `alice-proj` (with `app:v1` pushed) and bob owns `bob-proj`.
struct Projects {
    s: Server,
    alice: String,
    bob: String,
    layer: String,
    manifest: String,
}

fn alice_and_bob(extra: &[&str]) -> Projects {
    let s = Server::start_secured_with(&[("alice", "wonderland"), ("bob", "builder")], extra);
    Cli::logged_in(&s, "alice", "wonderland").wharf(&["new-project", "alice-proj"]);
    Cli::logged_in(&s, "bob", "builder").wharf(&["new-project", "bob-proj"]);
    let alice = basic("alice", "wonderland");
    let pushed = push_image_as(
        &s,
        Some(&alice),
        "alice-proj/app",
        "v1",
        json!({}),
        b"alice's layer",
    );
    Projects {
        s,
        alice,
        bob: basic("bob", "builder"),
        layer: pushed.layer,
        manifest: pushed.manifest,
    }
}

#[test]
fn anonymous_requests_are_challenged_with_the_token_realm_and_the_scope_they_need() {
    let p = alice_and_bob(&[]);
    let realm = format!("Bearer realm=\"{}\"", p.s.url("/openshift/token"));
    let base = get_as(&p.s, "/v2/", None);
    assert_eq!(base.status, 401, "{}", base.body);
    assert!(base.challenge.starts_with(&realm), "{}", base.challenge);
    for method in ["HEAD", "GET"] {
        let blob = call(
            method,
            &p.s.url(&format!("/v2/alice-proj/app/blobs/{}", p.layer)),
            None,
            None,
        );
        assert_eq!(blob.status, 401, "{method} of a blob without credentials");
        assert!(
            blob.challenge
                .contains("scope=\"repository:alice-proj/app:pull\""),
            "{}",
            blob.challenge
        );
    }
    let manifest = get_as(&p.s, "/v2/alice-proj/app/manifests/v1", None);
    assert_eq!(manifest.status, 401);
    assert_eq!(manifest.json()["errors"][0]["code"], "UNAUTHORIZED");
    let push = call(
        "POST",
        &p.s.url("/v2/alice-proj/app/blobs/uploads/"),
        None,
        None,
    );
    assert_eq!(push.status, 401);
    assert!(
        push.challenge
            .contains("scope=\"repository:alice-proj/app:push\""),
        "{}",
        push.challenge
    );
    // A wrong password is not anonymous access: 401, not the anonymous user's rights.
    let wrong = get_as(
        &p.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&basic("alice", "not-her-password")),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.body);
}

#[test]
fn another_project_cannot_be_pulled_pushed_or_deleted_and_the_refusal_names_the_role() {
    let p = alice_and_bob(&[]);
    let url = |path: &str| p.s.url(path);
    let pull = call(
        "GET",
        &url("/v2/alice-proj/app/manifests/v1"),
        Some(&p.bob),
        None,
    );
    assert_eq!(pull.status, 403, "{}", pull.body);
    assert_eq!(pull.json()["errors"][0]["code"], "DENIED");
    let message = pull.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("system:image-puller") && message.contains("\"alice-proj\""),
        "{message}"
    );
    let blob = call(
        "GET",
        &url(&format!("/v2/alice-proj/app/blobs/{}", p.layer)),
        Some(&p.bob),
        None,
    );
    assert_eq!(blob.status, 403, "a blob is as private as its repository");
    let push = call(
        "POST",
        &url("/v2/alice-proj/app/blobs/uploads/"),
        Some(&p.bob),
        None,
    );
    assert_eq!(push.status, 403, "{}", push.body);
    assert!(push.body.contains("system:image-pusher"), "{}", push.body);
    let delete = call(
        "DELETE",
        &url(&format!("/v2/alice-proj/app/manifests/{}", p.manifest)),
        Some(&p.bob),
        None,
    );
    assert_eq!(delete.status, 403, "{}", delete.body);
    // Nothing was lost: alice still pulls her image.
    let mine = call(
        "GET",
        &url("/v2/alice-proj/app/manifests/v1"),
        Some(&p.alice),
        None,
    );
    assert_eq!(mine.status, 200, "{}", mine.body);
    // And the API agrees: bob cannot read alice's image stream.
    let is = call(
        "GET",
        &url("/apis/image.openshift.io/v1/namespaces/alice-proj/imagestreams/app"),
        Some(&bearer(&p.s.token("bob", "builder"))),
        None,
    );
    assert_eq!(is.status, 403, "{}", is.body);
    assert_eq!(is.json()["kind"], "Status");
    assert_eq!(is.json()["reason"], "Forbidden");

    // Once alice grants bob the puller role, he pulls (and still cannot push).
    Cli::logged_in(&p.s, "alice", "wonderland").wharf(&[
        "policy",
        "add-role-to-user",
        "system:image-puller",
        "bob",
        "-n",
        "alice-proj",
    ]);
    let granted = call(
        "GET",
        &url("/v2/alice-proj/app/manifests/v1"),
        Some(&p.bob),
        None,
    );
    assert_eq!(granted.status, 200, "{}", granted.body);
    let still = call(
        "POST",
        &url("/v2/alice-proj/app/blobs/uploads/"),
        Some(&p.bob),
        None,
    );
    assert_eq!(still.status, 403, "{}", still.body);
}

#[test]
fn a_mount_from_a_repository_the_caller_cannot_read_starts_an_upload_instead() {
    let p = alice_and_bob(&[]);
    let mount = |auth: &str, into: &str| {
        call(
            "POST",
            &p.s.url(&format!(
                "/v2/{into}/blobs/uploads/?mount={}&from=alice-proj/app",
                p.layer
            )),
            Some(auth),
            None,
        )
    };
    let refused = mount(&p.bob, "bob-proj/app");
    assert_eq!(
        refused.status, 202,
        "no mount, a fresh upload: {}",
        refused.body
    );
    let head = call(
        "HEAD",
        &p.s.url(&format!("/v2/bob-proj/app/blobs/{}", p.layer)),
        Some(&p.bob),
        None,
    );
    assert_eq!(
        head.status, 404,
        "bob's repository did not get alice's blob"
    );
    // alice may read the source, so her mount into another repository of hers happens.
    let mounted = mount(&p.alice, "alice-proj/other");
    assert_eq!(mounted.status, 201, "{}", mounted.body);
}

#[test]
fn a_registry_token_is_held_to_its_repository_and_actions() {
    let p = alice_and_bob(&[]);
    let (token, granted) = registry_token(
        &p.s,
        Some(&p.alice),
        &[
            "repository:alice-proj/app:pull",
            "repository:bob-proj/app:pull,push",
        ],
    );
    assert_eq!(
        granted,
        json!(["repository:alice-proj/app:pull"]),
        "nothing of bob's project is granted to alice"
    );
    let auth = bearer(&token);
    let pull = get_as(&p.s, "/v2/alice-proj/app/manifests/v1", Some(&auth));
    assert_eq!(pull.status, 200, "{}", pull.body);
    let push = call(
        "POST",
        &p.s.url("/v2/alice-proj/app/blobs/uploads/"),
        Some(&auth),
        None,
    );
    assert_eq!(
        push.status, 401,
        "a pull token does not push: {}",
        push.body
    );
    assert!(
        push.challenge.contains("error=\"insufficient_scope\""),
        "{}",
        push.challenge
    );
    let other = get_as(&p.s, "/v2/alice-proj/other/manifests/v1", Some(&auth));
    assert_eq!(
        other.status, 401,
        "a token for one repository used on another"
    );
    assert!(
        other
            .challenge
            .contains("scope=\"repository:alice-proj/other:pull\""),
        "{}",
        other.challenge
    );
    // A token granting nothing of what was asked says, in the challenge clients show, which
    // role is missing for what the client wanted (a push, though its first request is a HEAD).
    let (bobs, granted) =
        registry_token(&p.s, Some(&p.bob), &["repository:alice-proj/app:pull,push"]);
    assert_eq!(granted, json!([]));
    let head = call(
        "HEAD",
        &p.s.url(&format!("/v2/alice-proj/app/blobs/{}", p.layer)),
        Some(&bearer(&bobs)),
        None,
    );
    assert_eq!(head.status, 401);
    assert!(
        head.challenge.contains(
            "error_description=\"User \\\"bob\\\" cannot update resource \\\"imagestreams/layers\\\""
        ) && head.challenge.contains("the system:image-pusher role in project \\\"alice-proj\\\""),
        "{}",
        head.challenge
    );
    // A registry token cannot be traded for a wider one.
    let traded = get_as(
        &p.s,
        "/openshift/token?service=wharf&scope=repository%3Aalice-proj%2Fother%3Apull",
        Some(&auth),
    );
    assert_eq!(traded.status, 401, "{}", traded.body);
    // A forged token (payload altered) is refused.
    let mut forged = token.clone();
    forged.insert(12, 'x');
    let f = get_as(
        &p.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&bearer(&forged)),
    );
    assert_eq!(f.status, 401, "{}", f.body);
}

#[test]
fn registry_tokens_expire_and_a_revoked_api_token_stops_working_on_the_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("wharf.yaml");
    std::fs::write(&config, "auth:\n  registryTokenLifetime: 1s\n").unwrap();
    let p = alice_and_bob(&["--config", config.to_str().unwrap()]);
    let (token, _) = registry_token(&p.s, Some(&p.alice), &["repository:alice-proj/app:pull"]);
    let manifest = p.s.url("/v2/alice-proj/app/manifests/v1");
    assert_eq!(
        call("GET", &manifest, Some(&bearer(&token)), None).status,
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let expired = call("GET", &manifest, Some(&bearer(&token)), None);
    assert_eq!(expired.status, 401, "{}", expired.body);
    assert!(
        expired.challenge.starts_with("Bearer realm="),
        "{}",
        expired.challenge
    );

    // An API token used as the registry password stops working once revoked.
    let cli = Cli::logged_in(&p.s, "alice", "wonderland");
    let api_token = cli.wharf(&["whoami", "-t"]).trim().to_string();
    let as_password = basic("alice", &api_token);
    assert_eq!(call("GET", &manifest, Some(&as_password), None).status, 200);
    cli.wharf(&["logout"]);
    let revoked = call("GET", &manifest, Some(&as_password), None);
    assert_eq!(revoked.status, 401, "{}", revoked.body);
    let exchanged = get_as(
        &p.s,
        "/openshift/token?service=wharf&scope=repository%3Aalice-proj%2Fapp%3Apull",
        Some(&as_password),
    );
    assert_eq!(
        exchanged.status, 401,
        "a revoked token buys no registry token"
    );
}

#[test]
fn anonymous_pulls_only_where_the_project_lets_system_unauthenticated_pull() {
    let p = alice_and_bob(&[]);
    let manifest = p.s.url("/v2/alice-proj/app/manifests/v1");
    assert_eq!(call("GET", &manifest, None, None).status, 401);
    Cli::logged_in(&p.s, "alice", "wonderland").wharf(&[
        "policy",
        "add-role-to-group",
        "system:image-puller",
        "system:unauthenticated",
        "-n",
        "alice-proj",
    ]);
    let public = call("GET", &manifest, None, None);
    assert_eq!(public.status, 200, "{}", public.body);
    let blob = get_as(&p.s, &format!("/v2/alice-proj/app/blobs/{}", p.layer), None);
    assert_eq!(blob.body, "alice's layer");
    // Pulling is all: anonymous pushes are still challenged, and bob's project stays closed.
    assert_eq!(
        call(
            "POST",
            &p.s.url("/v2/alice-proj/app/blobs/uploads/"),
            None,
            None
        )
        .status,
        401
    );
    assert_eq!(get_as(&p.s, "/v2/bob-proj/app/tags/list", None).status, 401);
    // A registry token for anonymous carries the public pull only.
    let (_, granted) = registry_token(
        &p.s,
        None,
        &[
            "repository:alice-proj/app:pull,push",
            "repository:bob-proj/app:pull",
        ],
    );
    assert_eq!(granted, json!(["repository:alice-proj/app:pull"]));
}

#[test]
fn hostile_repository_names_are_refused_and_never_reach_storage() {
    let p = alice_and_bob(&[]);
    let admin = basic("kubeadmin", &p.s.kubeadmin_password());
    let long = "a".repeat(300);
    let paths = [
        "/v2/../../etc/passwd/manifests/latest".to_string(),
        "/v2/alice-proj/../bob-proj/app/manifests/v1".to_string(),
        "/v2/alice-proj/%2e%2e/bob-proj/app/manifests/v1".to_string(),
        "/v2/%2e%2e/%2e%2e/etc/manifests/latest".to_string(),
        "/v2/alice-proj%2fapp/manifests/v1".to_string(),
        "/v2/alice-proj/app%2f..%2f..%2fx/manifests/v1".to_string(),
        "//v2/alice-proj/app/manifests/v1".to_string(),
        "/v2//etc/passwd/manifests/latest".to_string(),
        "/v2/alice-proj//app/manifests/v1".to_string(),
        format!("/v2/alice-proj/{long}/manifests/v1"),
        format!("/v2/{}/x/manifests/v1", "n".repeat(64)),
    ];
    for auth in [Some(admin.as_str()), Some(p.bob.as_str()), None] {
        for path in &paths {
            // Two names are hostile to bob and anonymous only: an encoded slash is decoded
            // once, before authorization and storage alike (as Distribution does), so the
            // admin reaches alice-proj/app through it; and a namespace that is not a valid
            // project name is plain registry content, which a cluster admin may push.
            let admin_may = path.starts_with("/v2/alice-proj%2fapp/") || path.contains("nnnn");
            if auth == Some(admin.as_str()) && admin_may {
                continue;
            }
            for (method, body) in [("GET", ""), ("PUT", "{}"), ("POST", "")] {
                let path = if method == "POST" {
                    path.replace("/manifests/v1", "/blobs/uploads/")
                        .replace("/manifests/latest", "/blobs/uploads/")
                } else {
                    path.clone()
                };
                let mut req = format!(
                    "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
                    p.s.addr,
                    body.len()
                );
                if let Some(a) = auth {
                    req.push_str(&format!("Authorization: {a}\r\n"));
                }
                req.push_str("\r\n");
                req.push_str(body);
                let status = raw_status(&p.s.addr, &req);
                assert!(
                    (400..500).contains(&status) && status != 429,
                    "{method} {path} as {auth:?} answered {status}"
                );
            }
        }
    }
    // Nothing was written outside the data directory, and alice's image is intact.
    let mut outside: Vec<_> = std::fs::read_dir(p.s.data_dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !n.ends_with(".log"))
        .collect();
    outside.sort();
    assert_eq!(outside, ["data", "users.htpasswd"], "the server log aside");
    let mine = get_as(&p.s, "/v2/alice-proj/app/manifests/v1", Some(&p.alice));
    assert_eq!(mine.status, 200);
}

#[test]
fn the_catalog_lists_only_repositories_the_caller_can_pull() {
    let p = alice_and_bob(&[]);
    push_image_as(
        &p.s,
        Some(&p.bob),
        "bob-proj/tool",
        "v1",
        json!({}),
        b"bob's layer",
    );
    let catalog = |auth: Option<&str>| {
        let r = get_as(&p.s, "/v2/_catalog", auth);
        (r.status, r.json()["repositories"].clone())
    };
    assert_eq!(catalog(Some(&p.alice)), (200, json!(["alice-proj/app"])));
    assert_eq!(catalog(Some(&p.bob)), (200, json!(["bob-proj/tool"])));
    let admin = basic("kubeadmin", &p.s.kubeadmin_password());
    assert_eq!(
        catalog(Some(&admin)),
        (200, json!(["alice-proj/app", "bob-proj/tool"]))
    );
    assert_eq!(catalog(None).0, 401);
}

#[test]
fn uploads_in_flight_are_limited_per_client() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("wharf.yaml");
    std::fs::write(&config, "limits:\n  maxUploadsPerClient: 2\n").unwrap();
    let p = alice_and_bob(&["--config", config.to_str().unwrap()]);
    // Two uploads whose bodies are still arriving hold alice's two slots.
    let mut held = Vec::new();
    for _ in 0..2 {
        let location = start_location(&p, &p.alice);
        let mut c = std::net::TcpStream::connect(&p.s.addr).unwrap();
        write!(
            c,
            "PATCH {location} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\npartial",
            p.s.addr, p.alice
        )
        .unwrap();
        c.flush().unwrap();
        held.push(c);
    }
    // The server sees the held requests once their headers arrive; give it a moment.
    let mut status = 0;
    for _ in 0..50 {
        status = call(
            "POST",
            &p.s.url("/v2/alice-proj/app/blobs/uploads/"),
            Some(&p.alice),
            None,
        )
        .status;
        if status == 429 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status, 429, "a third upload while two are in flight");
    // Another client is not held back by alice's uploads.
    let bob = call(
        "POST",
        &p.s.url("/v2/bob-proj/app/blobs/uploads/"),
        Some(&p.bob),
        None,
    );
    assert_eq!(bob.status, 202, "{}", bob.body);
    // Dropping the connections frees the slots.
    drop(held);
    let mut after = 0;
    for _ in 0..50 {
        after = call(
            "POST",
            &p.s.url("/v2/alice-proj/app/blobs/uploads/"),
            Some(&p.alice),
            None,
        )
        .status;
        if after == 202 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(after, 202);
}

/// The `Location` of a fresh upload session (a path).
fn start_location(p: &Projects, auth: &str) -> String {
    let r = common::http()
        .post(&p.s.url("/v2/alice-proj/app/blobs/uploads/"))
        .header("Authorization", auth)
        .send(&[][..])
        .unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    match location.find("/v2/") {
        Some(i) => location[i..].to_string(),
        None => location,
    }
}

#[test]
fn podman_and_skopeo_log_in_and_copy_with_credentials() {
    if !require("skopeo") || !require("podman") || !require("umoci") {
        return;
    }
    let p = alice_and_bob(&[]);
    let layout = common::Layout::build(64 * 1024);
    let tmp = tempfile::tempdir().unwrap();
    let authfile = tmp.path().join("auth.json");
    let token = Cli::logged_in(&p.s, "alice", "wonderland")
        .wharf(&["whoami", "-t"])
        .trim()
        .to_string();
    // podman login with the API token as password, as OpenShift's docs say.
    let storage = common::ContainersStorage::new();
    let out = run(storage
        .cmd("podman")
        .args(["login", "--tls-verify=false", "-u", "alice", "-p", &token])
        .arg("--authfile")
        .arg(&authfile)
        .arg(&p.s.addr));
    assert!(out.contains("Login Succeeded"), "{out}");
    // skopeo uses the same auth file to push and to inspect.
    let dest = format!("docker://{}/alice-proj/copied:v1", p.s.addr);
    run(Command::new("skopeo")
        .args(["copy", "-q", "--dest-tls-verify=false"])
        .arg("--authfile")
        .arg(&authfile)
        .args([&layout.image("amd64"), &dest]));
    let inspected = run(Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--authfile"])
        .arg(&authfile)
        .arg(&dest));
    assert!(
        inspected.contains("\"Architecture\": \"amd64\""),
        "{inspected}"
    );
    // skopeo login with a user's password, then --creds, --dest-creds and --src-creds.
    let skopeo_auth = tmp.path().join("skopeo-auth.json");
    let out = run(Command::new("skopeo")
        .args(["login", "--tls-verify=false", "-u", "bob", "-p", "builder"])
        .arg("--authfile")
        .arg(&skopeo_auth)
        .arg(&p.s.addr));
    assert!(out.contains("Login Succeeded"), "{out}");
    run(Command::new("skopeo")
        .args([
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--dest-creds",
            "bob:builder",
        ])
        .args([
            &layout.image("arm64"),
            &format!("docker://{}/bob-proj/copied:v1", p.s.addr),
        ]));
    let denied = Command::new("skopeo")
        .args([
            "copy",
            "-q",
            "--src-tls-verify=false",
            "--src-creds",
            "bob:builder",
        ])
        .arg(&dest)
        .arg(format!("oci:{}:stolen", tmp.path().join("out").display()))
        .output()
        .unwrap();
    assert!(!denied.status.success(), "bob copied alice's image");
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(
        stderr.contains("denied") || stderr.contains("unauthorized"),
        "{stderr}"
    );
    let listed = run(Command::new("skopeo")
        .args([
            "list-tags",
            "--tls-verify=false",
            "--creds",
            &format!("alice:{token}"),
        ])
        .arg(format!("docker://{}/alice-proj/copied", p.s.addr)));
    assert!(listed.contains("\"v1\""), "{listed}");
    // A wrong password fails podman login with the server's message.
    let wrong = storage
        .cmd("podman")
        .args(["login", "--tls-verify=false", "-u", "alice", "-p", "nope"])
        .arg("--authfile")
        .arg(tmp.path().join("wrong.json"))
        .arg(&p.s.addr)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}
