//! Logging in: the bootstrap admin, htpasswd users, tokens (issued, expiring, revoked), failed
//! logins held back, `--auth=none`, and the Python `kubernetes` client with a bearer token
//! (kubectl sends tokens only over HTTPS: its test is in tls.rs).

mod common;

use common::auth::{basic, bearer, call, get_as};
use common::{peer_python, run, Cli, Server};

#[test]
fn the_first_start_makes_kubeadmin_with_a_private_password_file_and_never_logs_the_password() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut s = Server::start_on(&data, &["--auth=on"]);
    let file = data.join("kubeadmin-password");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let password = s.kubeadmin_password();
    let log = s.log();
    assert!(log.contains(&file.display().to_string()), "{log}");
    assert!(!log.contains(&password), "the password is never logged");
    let cli = Cli::as_kubeadmin(&s);
    assert_eq!(cli.wharf(&["whoami"]).trim(), "kube:admin");
    s.terminate();
    // A restart keeps the admin and says nothing about making one.
    let s = Server::start_on(&data, &["--auth=on"]);
    assert_eq!(s.kubeadmin_password(), password);
    assert!(
        !s.log().contains("created the cluster admin"),
        "{}",
        s.log()
    );
    s.token("kubeadmin", &password);
}

#[test]
fn login_whoami_and_logout_which_revokes_the_token() {
    let s = Server::start_secured(&[("alice", "wonderland")]);
    let cli = Cli::logged_in(&s, "alice", "wonderland");
    assert_eq!(cli.wharf(&["whoami"]).trim(), "alice");
    let token = cli.wharf(&["whoami", "-t"]).trim().to_string();
    assert!(token.starts_with("sha256~"), "{token}");
    // The token works on the API and, as a password, on the registry.
    let me = get_as(
        &s,
        "/apis/user.openshift.io/v1/users/~",
        Some(&bearer(&token)),
    );
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["metadata"]["name"], "alice");
    assert_eq!(get_as(&s, "/v2/", Some(&basic("any", &token))).status, 200);
    // The server keeps a hash, not the token.
    let admin = s.admin_token();
    let tokens = get_as(
        &s,
        "/apis/oauth.openshift.io/v1/oauthaccesstokens",
        Some(&bearer(&admin)),
    );
    assert!(
        tokens.body.contains("\"userName\":\"alice\""),
        "{}",
        tokens.body
    );
    assert!(!tokens.body.contains(&token[7..]), "no token in clear");
    let out = cli.wharf(&["logout"]);
    assert_eq!(
        out.trim(),
        format!("Logged \"alice\" out on \"{}\"", s.url(""))
    );
    for (what, answer) in [
        (
            "API",
            get_as(
                &s,
                "/apis/user.openshift.io/v1/users/~",
                Some(&bearer(&token)),
            ),
        ),
        ("registry", get_as(&s, "/v2/", Some(&basic("any", &token)))),
    ] {
        assert_eq!(
            answer.status, 401,
            "a revoked token on the {what}: {}",
            answer.body
        );
    }
    let e = cli.wharf_fails(&["get", "is"]);
    assert!(
        e.starts_with("error: You must be logged in to the server (Unauthorized)"),
        "{e}"
    );
}

#[test]
fn wrong_passwords_are_refused_and_then_held_back_per_user() {
    let s = Server::start_secured(&[("alice", "wonderland"), ("bob", "builder")]);
    let cli = Cli::new();
    let e = cli.wharf_fails(&["login", &s.url(""), "-u", "alice", "-p", "guess"]);
    assert!(e.contains("Login failed (401 Unauthorized)"), "{e}");
    let url = s.url("/oauth/authorize?response_type=token&client_id=openshift-challenging-client");
    for _ in 0..4 {
        assert_eq!(
            call("GET", &url, Some(&basic("alice", "guess")), None).status,
            401
        );
    }
    // Five failures: even the right password waits now, and the registry says the same.
    let held = call("GET", &url, Some(&basic("alice", "wonderland")), None);
    assert_eq!(held.status, 429, "{}", held.body);
    assert!(
        held.body.contains("too many failed logins"),
        "{}",
        held.body
    );
    let registry = get_as(&s, "/openshift/token", Some(&basic("alice", "wonderland")));
    assert_eq!(registry.status, 429);
    // Another user is not held back by alice's failures.
    s.token("bob", "builder");
}

#[test]
fn tokens_expire_after_the_configured_lifetime() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("wharf.yaml");
    std::fs::write(
        &config,
        "oauth:\n  tokenConfig:\n    accessTokenMaxAgeSeconds: 2\n",
    )
    .unwrap();
    let s = Server::start_secured_with(
        &[("alice", "wonderland")],
        &["--config", config.to_str().unwrap()],
    );
    let token = s.token("alice", "wonderland");
    let me = s.url("/apis/user.openshift.io/v1/users/~");
    assert_eq!(call("GET", &me, Some(&bearer(&token)), None).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let expired = call("GET", &me, Some(&bearer(&token)), None);
    assert_eq!(expired.status, 401, "{}", expired.body);
    assert!(expired.body.contains("log in again"), "{}", expired.body);
}

#[test]
fn auth_none_says_loudly_that_everyone_is_admin() {
    let s = Server::start_on(
        &tempfile::tempdir().unwrap().keep().join("d"),
        &["--auth=none"],
    );
    assert!(
        s.log().contains("authentication is off (--auth=none)"),
        "{}",
        s.log()
    );
    assert!(s.log().contains("is the cluster admin"));
    assert!(!s.data_dir.join("kubeadmin-password").exists());
    assert_eq!(get_as(&s, "/v2/_catalog", None).status, 200);
}

#[test]
fn the_python_client_uses_a_bearer_token() {
    let s = Server::start_secured(&[("alice", "wonderland")]);
    let cli = Cli::logged_in(&s, "alice", "wonderland");
    cli.wharf(&["new-project", "team"]);
    let token = cli.wharf(&["whoami", "-t"]).trim().to_string();
    if let Some(python) = peer_python() {
        let script = r#"
import sys, kubernetes
c = kubernetes.client.Configuration()
c.host = sys.argv[1]
c.api_key = {"authorization": "Bearer " + sys.argv[2]}
api = kubernetes.client.ApiClient(c)
objs = kubernetes.client.CustomObjectsApi(api)
objs.create_namespaced_custom_object("image.openshift.io", "v1", "team", "imagestreams",
    {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream", "metadata": {"name": "py"}})
got = objs.list_namespaced_custom_object("image.openshift.io", "v1", "team", "imagestreams")
assert [i["metadata"]["name"] for i in got["items"]] == ["py"], got
c.api_key = {"authorization": "Bearer sha256~" + "x" * 43}
try:
    kubernetes.client.CustomObjectsApi(kubernetes.client.ApiClient(c)).list_namespaced_custom_object(
        "image.openshift.io", "v1", "team", "imagestreams")
    sys.exit("a made-up token was accepted")
except kubernetes.client.exceptions.ApiException as e:
    assert e.status == 401, e.status
"#;
        run(std::process::Command::new(python)
            .arg("-c")
            .arg(script)
            .arg(s.url(""))
            .arg(&token));
    }
}
