//! RBAC through the CLI and the API: a project's creator administers it, everyone else is
//! refused with the role to ask for; `policy` and `adm policy` grant and take back roles (to
//! users, groups and service accounts); `auth can-i` answers; lists show only what the caller
//! may see; service-account tokens stay in their project; secrets stay out of logs and away
//! from viewers.

mod common;

use common::auth::{basic, bearer, call, get_as};
use common::{push_image_as, Cli, Server};
use serde_json::json;

struct Team {
    s: Server,
    alice: Cli,
    bob: Cli,
}

/// alice owns `alice-proj` (with image stream `app`), bob owns `bob-proj`.
fn team() -> Team {
    team_with(&[])
}

/// The same, with extra `serve` arguments.
fn team_with(extra: &[&str]) -> Team {
    let s = Server::start_secured_with(&[("alice", "wonderland"), ("bob", "builder")], extra);
    let alice = Cli::logged_in(&s, "alice", "wonderland");
    alice.wharf(&["new-project", "alice-proj"]);
    let bob = Cli::logged_in(&s, "bob", "builder");
    bob.wharf(&["new-project", "bob-proj"]);
    push_image_as(
        &s,
        Some(&basic("alice", "wonderland")),
        "alice-proj/app",
        "v1",
        json!({}),
        b"layer",
    );
    Team { s, alice, bob }
}

/// The names in the first column of a table, header aside.
fn names(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_creator_administers_a_project_and_others_are_told_which_role_they_lack() {
    let t = team();
    let mine = t.alice.wharf(&["get", "is", "-n", "alice-proj"]);
    assert_eq!(names(&mine), ["app"]);
    let refused = t.bob.wharf_fails(&["get", "is", "-n", "alice-proj"]);
    assert!(
        refused.starts_with("Error from server (Forbidden):"),
        "{refused}"
    );
    assert!(
        refused.contains(
            "User \"bob\" cannot list resource \"imagestreams\" in API group \"image.openshift.io\" in the namespace \"alice-proj\""
        ),
        "{refused}"
    );
    assert!(
        refused.contains("role in project \"alice-proj\""),
        "{refused}"
    );
    let delete = t
        .bob
        .wharf_fails(&["delete", "is", "app", "-n", "alice-proj"]);
    assert!(delete.contains("cannot delete resource"), "{delete}");
    assert_eq!(
        names(&t.alice.wharf(&["get", "is", "-n", "alice-proj"])),
        ["app"],
        "nothing was deleted"
    );
    // The API answers the same with a Kubernetes Status.
    let api = get_as(
        &t.s,
        "/apis/image.openshift.io/v1/namespaces/alice-proj/imagestreams/app",
        Some(&bearer(&t.s.token("bob", "builder"))),
    );
    assert_eq!(api.status, 403);
    assert_eq!(api.json()["kind"], "Status");
    assert_eq!(api.json()["code"], 403);
    assert_eq!(api.json()["details"]["name"], "app");
    // A project name is taken once.
    let taken = t.bob.wharf_fails(&["new-project", "alice-proj"]);
    assert!(taken.contains("\"alice-proj\" already exists"), "{taken}");
}

#[test]
fn lists_show_only_what_the_caller_may_see() {
    let t = team();
    push_image_as(
        &t.s,
        Some(&basic("bob", "builder")),
        "bob-proj/tool",
        "v1",
        json!({}),
        b"bob's",
    );
    assert_eq!(names(&t.alice.wharf(&["get", "projects"])), ["alice-proj"]);
    assert_eq!(names(&t.bob.wharf(&["get", "projects"])), ["bob-proj"]);
    let everywhere = t.bob.wharf(&["get", "is", "-A"]);
    assert!(
        everywhere.contains("tool") && !everywhere.contains("app"),
        "{everywhere}"
    );
    let admin = Cli::as_kubeadmin(&t.s);
    let all = names(&admin.wharf(&["get", "projects"]));
    assert!(
        all.contains(&"alice-proj".to_string()) && all.contains(&"bob-proj".to_string()),
        "{all:?}"
    );
    let all_streams = admin.wharf(&["get", "is", "-A"]);
    assert!(
        all_streams.contains("tool") && all_streams.contains("app"),
        "{all_streams}"
    );
}

#[test]
fn policy_grants_a_role_in_a_project_and_takes_it_back() {
    let t = team();
    let added = t.alice.wharf(&[
        "policy",
        "add-role-to-user",
        "view",
        "bob",
        "-n",
        "alice-proj",
    ]);
    assert_eq!(
        added.trim(),
        "clusterrole.rbac.authorization.k8s.io/view added: \"bob\""
    );
    assert_eq!(
        names(&t.bob.wharf(&["get", "is", "-n", "alice-proj"])),
        ["app"]
    );
    let can = |args: &[&str]| {
        let mut all = vec!["auth", "can-i"];
        all.extend_from_slice(args);
        let out = t.bob.cmd(common::wharf_bin()).args(&all).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )
    };
    assert_eq!(
        can(&["get", "imagestreams", "-n", "alice-proj"]),
        (Some(0), "yes".into())
    );
    assert_eq!(
        can(&["create", "imagestreams", "-n", "alice-proj"]),
        (Some(1), "no".into())
    );
    // view reads the API but, as in OpenShift, does not pull from the registry.
    let pull = get_as(
        &t.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&basic("bob", "builder")),
    );
    assert_eq!(pull.status, 403, "{}", pull.body);
    assert!(pull.body.contains("system:image-puller"), "{}", pull.body);
    // A viewer never sees secrets.
    let secret = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db", "namespace": "alice-proj"},
        "stringData": {"password": "hunter2"}});
    let out = common::output_with_stdin(
        t.alice.cmd(common::wharf_bin()).args(["apply", "-f", "-"]),
        &secret.to_string(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secrets = t.bob.wharf_fails(&["get", "secrets", "-n", "alice-proj"]);
    assert!(secrets.contains("Forbidden"), "{secrets}");
    let one = t
        .bob
        .wharf_fails(&["get", "secret", "db", "-n", "alice-proj", "-o", "yaml"]);
    assert!(
        !one.contains("aHVudGVyMg") && !one.contains("hunter2"),
        "{one}"
    );
    // A viewer cannot make themselves admin.
    let escalate = t.bob.wharf_fails(&[
        "policy",
        "add-role-to-user",
        "admin",
        "bob",
        "-n",
        "alice-proj",
    ]);
    assert!(escalate.contains("Forbidden"), "{escalate}");

    let removed = t.alice.wharf(&[
        "policy",
        "remove-role-from-user",
        "view",
        "bob",
        "-n",
        "alice-proj",
    ]);
    assert_eq!(
        removed.trim(),
        "clusterrole.rbac.authorization.k8s.io/view removed: \"bob\""
    );
    t.bob.wharf_fails(&["get", "is", "-n", "alice-proj"]);
    assert_eq!(
        can(&["get", "imagestreams", "-n", "alice-proj"]),
        (Some(1), "no".into())
    );
}

#[test]
fn a_role_bound_to_a_group_reaches_its_members_while_they_are_members() {
    let t = team();
    let admin = Cli::as_kubeadmin(&t.s);
    let group = |users: &[&str]| {
        json!({"apiVersion": "user.openshift.io/v1", "kind": "Group",
            "metadata": {"name": "reviewers"}, "users": users})
        .to_string()
    };
    let apply = |doc: String| {
        let out = common::output_with_stdin(
            admin.cmd(common::wharf_bin()).args(["apply", "-f", "-"]),
            &doc,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    apply(group(&["bob"]));
    let added = t.alice.wharf(&[
        "policy",
        "add-role-to-group",
        "view",
        "reviewers",
        "-n",
        "alice-proj",
    ]);
    assert_eq!(
        added.trim(),
        "clusterrole.rbac.authorization.k8s.io/view added: \"reviewers\""
    );
    assert_eq!(
        names(&t.bob.wharf(&["get", "is", "-n", "alice-proj"])),
        ["app"]
    );
    apply(group(&[]));
    let refused = t.bob.wharf_fails(&["get", "is", "-n", "alice-proj"]);
    assert!(refused.contains("Forbidden"), "{refused}");
}

#[test]
fn cluster_roles_are_granted_by_cluster_admins_only() {
    let t = team();
    let refused = t.alice.wharf_fails(&[
        "adm",
        "policy",
        "add-cluster-role-to-user",
        "cluster-admin",
        "alice",
    ]);
    assert!(refused.contains("Forbidden"), "{refused}");
    assert!(refused.contains("clusterrolebindings"), "{refused}");
    let admin = Cli::as_kubeadmin(&t.s);
    let added = admin.wharf(&[
        "adm",
        "policy",
        "add-cluster-role-to-user",
        "registry-viewer",
        "bob",
    ]);
    assert_eq!(
        added.trim(),
        "clusterrole.rbac.authorization.k8s.io/registry-viewer added: \"bob\""
    );
    // registry-viewer pulls in every project.
    let pull = get_as(
        &t.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&basic("bob", "builder")),
    );
    assert_eq!(pull.status, 200, "{}", pull.body);
    admin.wharf(&[
        "adm",
        "policy",
        "remove-cluster-role-from-user",
        "registry-viewer",
        "bob",
    ]);
    let again = get_as(
        &t.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&basic("bob", "builder")),
    );
    assert_eq!(again.status, 403, "{}", again.body);
}

#[test]
fn a_service_account_token_works_in_its_project_only_and_dies_with_the_account() {
    let t = team();
    t.alice
        .wharf(&["create", "serviceaccount", "pusher", "-n", "alice-proj"]);
    let added = t.alice.wharf(&[
        "policy",
        "add-role-to-user",
        "system:image-pusher",
        "-z",
        "pusher",
        "-n",
        "alice-proj",
    ]);
    assert_eq!(
        added.trim(),
        "clusterrole.rbac.authorization.k8s.io/system:image-pusher added: \"alice-proj/pusher\""
    );
    let token = t
        .alice
        .wharf(&["create", "token", "pusher", "-n", "alice-proj"])
        .trim()
        .to_string();
    let who = get_as(
        &t.s,
        "/apis/user.openshift.io/v1/users/~",
        Some(&bearer(&token)),
    );
    assert_eq!(
        who.json()["metadata"]["name"],
        "system:serviceaccount:alice-proj:pusher"
    );
    let as_sa = basic("pusher", &token);
    push_image_as(&t.s, Some(&as_sa), "alice-proj/app", "v2", json!({}), b"ci");
    let elsewhere = call(
        "POST",
        &t.s.url("/v2/bob-proj/app/blobs/uploads/"),
        Some(&as_sa),
        None,
    );
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    let api_elsewhere = get_as(
        &t.s,
        "/apis/image.openshift.io/v1/namespaces/bob-proj/imagestreams",
        Some(&bearer(&token)),
    );
    assert_eq!(api_elsewhere.status, 403, "{}", api_elsewhere.body);
    // bob cannot mint tokens for alice's service account.
    let stolen = t
        .bob
        .wharf_fails(&["create", "token", "pusher", "-n", "alice-proj"]);
    assert!(stolen.contains("Forbidden"), "{stolen}");

    t.alice
        .wharf(&["delete", "serviceaccount", "pusher", "-n", "alice-proj"]);
    let dead = get_as(&t.s, "/v2/alice-proj/app/manifests/v2", Some(&as_sa));
    assert_eq!(dead.status, 401, "{}", dead.body);
}

#[test]
fn passwords_and_tokens_never_reach_the_server_log() {
    // At the most talkative level.
    let t = team_with(&["--log-level", "trace"]);
    let token = t.alice.wharf(&["whoami", "-t"]).trim().to_string();
    let admin_password = t.s.kubeadmin_password();
    Cli::as_kubeadmin(&t.s).wharf(&["get", "projects"]);
    // A pull secret's password, written and refused to bob.
    t.alice.wharf(&[
        "create",
        "secret",
        "docker-registry",
        "pull",
        "--docker-server=quay.io",
        "--docker-username=robot",
        "--docker-password=pull-secret-456",
        "-n",
        "alice-proj",
    ]);
    t.bob
        .wharf_fails(&["get", "secret", "pull", "-n", "alice-proj", "-o", "yaml"]);
    // Refusals and failed logins are logged, without what was sent.
    t.bob.wharf_fails(&["get", "is", "-n", "alice-proj"]);
    get_as(
        &t.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&basic("bob", "wrong-password-123")),
    );
    get_as(
        &t.s,
        "/v2/alice-proj/app/manifests/v1",
        Some(&bearer(&format!("{token}x"))),
    );
    let log = t.s.log();
    assert!(
        log.contains("login failed user=\"bob\""),
        "the failure is logged: {log}"
    );
    for secret in [
        "wonderland",
        "builder",
        "wrong-password-123",
        "pull-secret-456",
        admin_password.as_str(),
        token.as_str(),
        token.trim_start_matches("sha256~"),
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}

#[test]
fn tagging_from_another_project_needs_the_right_to_pull_there() {
    let t = team();
    // The CLI reads the source tag first, and is refused there.
    let refused = t
        .bob
        .wharf_fails(&["tag", "alice-proj/app:v1", "bob-proj/copy:v1"]);
    assert!(refused.contains("Forbidden"), "{refused}");
    // The server holds the rule itself: a stream naming another project's tag is invalid.
    let bob = bearer(&t.s.token("bob", "builder"));
    let stream = json!({"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
        "metadata": {"name": "copy"},
        "spec": {"tags": [{"name": "v1",
            "from": {"kind": "ImageStreamTag", "namespace": "alice-proj", "name": "app:v1"}}]}})
    .to_string();
    let create = || {
        call(
            "POST",
            &t.s.url("/apis/image.openshift.io/v1/namespaces/bob-proj/imagestreams"),
            Some(&bob),
            Some(("application/json", stream.as_bytes())),
        )
    };
    let invalid = create();
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    let message = invalid.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("spec.tags[v1].from: Forbidden: alice-proj/app: "),
        "{message}"
    );
    assert!(message.contains("system:image-puller"), "{message}");
    let stream_url =
        t.s.url("/apis/image.openshift.io/v1/namespaces/bob-proj/imagestreams/copy");
    assert_eq!(call("GET", &stream_url, Some(&bob), None).status, 404);
    // Once bob may pull from alice's project, the tag resolves to her image.
    t.alice.wharf(&[
        "policy",
        "add-role-to-user",
        "system:image-puller",
        "bob",
        "-n",
        "alice-proj",
    ]);
    let created = create();
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.json()["status"]["tags"][0]["tag"],
        "v1",
        "{}",
        created.body
    );
}
