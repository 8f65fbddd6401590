//! Imports nobody asks for by hand: the image stream controller (a stream naming an external
//! repository or tag is imported within seconds), scheduled re-imports, Distribution's push
//! notifications, and pull-through of imported images — all against a real CNCF Distribution.

mod common;

use std::time::{Duration, Instant};

use common::distribution::Distribution;
use common::*;
use serde_json::Value;

/// Polls `check` until it returns `Some`, for at most `secs` seconds.
fn wait_for<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn stream(s: &Server, ns: &str, name: &str) -> Value {
    get_json(&s.url(&format!(
        "/apis/image.openshift.io/v1/namespaces/{ns}/imagestreams/{name}"
    )))
}

/// The history of status tag `tag` (image digests, newest first).
fn history(stream: &Value, tag: &str) -> Vec<String> {
    stream["status"]["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["tag"] == tag)
        .flat_map(|t| t["items"].as_array().cloned().unwrap_or_default())
        .map(|e| e["image"].as_str().unwrap_or("").to_string())
        .collect()
}

fn condition(stream: &Value, tag: &str) -> Option<Value> {
    stream["status"]["tags"]
        .as_array()?
        .iter()
        .find(|t| t["tag"] == tag)?
        .get("conditions")?
        .as_array()?
        .first()
        .cloned()
}

/// Copies layout tag `from` (amd64 or arm64) to `repo:tag` in Distribution; its digest.
fn push(layout: &Layout, d: &Distribution, from: &str, repo_tag: &str) -> String {
    d.push(false, &layout.image(from), repo_tag);
    layout.descriptor(from)["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn peers() -> bool {
    require("skopeo") && require("umoci") && require("docker-registry")
}

#[test]
fn a_stream_naming_an_external_repository_imports_its_tags() {
    if !peers() {
        return;
    }
    let d = Distribution::start().unwrap();
    let layout = Layout::build(256);
    let v1 = push(&layout, &d, "amd64", "team/app:v1");
    let v2 = push(&layout, &d, "arm64", "team/app:v2");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    // The seed's walk-through: spec.dockerImageRepository, and the stream fills itself in.
    let manifest = format!(
        "apiVersion: v1\nkind: ImageStream\nmetadata:\n  name: my-app\n  annotations:\n    openshift.io/image.insecureRepository: \"true\"\nspec:\n  dockerImageRepository: {}/team/app\n",
        d.addr
    );
    let out = output_with_stdin(cli.cmd(wharf_bin()).args(["create", "-f", "-"]), &manifest);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let is = wait_for(20, "both tags imported", || {
        let is = stream(&s, "demo", "my-app");
        (!history(&is, "v1").is_empty() && !history(&is, "v2").is_empty()).then_some(is)
    });
    assert_eq!(history(&is, "v1"), std::slice::from_ref(&v1));
    assert_eq!(history(&is, "v2"), [v2]);
    assert!(is["metadata"]["annotations"]["openshift.io/image.dockerRepositoryCheck"].is_string());
    let from_v1 = is["spec"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "v1")
        .unwrap();
    assert_eq!(from_v1["from"]["name"], format!("{}/team/app:v1", d.addr));
    let described = cli.wharf(&["describe", "is", "my-app"]);
    assert!(
        described.contains(&format!("tagged from {}/team/app:v1", d.addr)),
        "{described}"
    );
    assert!(
        described.contains(&format!("{}/team/app@{v1}", d.addr)),
        "{described}"
    );
}

#[test]
fn tagging_an_external_image_imports_it() {
    if !peers() {
        return;
    }
    let d = Distribution::start().unwrap();
    let layout = Layout::build(256);
    let v1 = push(&layout, &d, "amd64", "team/app:v1");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    cli.wharf(&[
        "tag",
        "--insecure",
        &format!("{}/team/app:v1", d.addr),
        "app:prod",
    ]);
    let is = wait_for(20, "the tag imported", || {
        let is = stream(&s, "demo", "app");
        (!history(&is, "prod").is_empty()).then_some(is)
    });
    assert_eq!(history(&is, "prod"), [v1]);
}

#[test]
fn scheduled_imports_follow_the_source_and_keep_history_when_it_disappears() {
    if !peers() {
        return;
    }
    let mut d = Distribution::start().unwrap();
    let layout = Layout::build(256);
    let first = push(&layout, &d, "amd64", "team/app:v1");
    let tmp = tempfile::tempdir().unwrap();
    let s = Server::start_on(
        &tmp.path().join("data"),
        &["--scheduled-import-interval", "2s"],
    );
    let cli = Cli::in_project(&s, "demo");
    cli.wharf(&[
        "import-image",
        "app:v1",
        &format!("--from={}/team/app:v1", d.addr),
        "--confirm",
        "--insecure",
        "--scheduled",
    ]);
    let second = push(&layout, &d, "arm64", "team/app:v1");
    let is = wait_for(30, "the new digest imported by schedule", || {
        let is = stream(&s, "demo", "app");
        (history(&is, "v1").len() == 2).then_some(is)
    });
    assert_eq!(
        history(&is, "v1"),
        [second.clone(), first.clone()],
        "a new digest is a new event"
    );
    d.stop();
    let (is, c) = wait_for(30, "the failure recorded", || {
        let is = stream(&s, "demo", "app");
        condition(&is, "v1").map(|c| (is, c))
    });
    assert_eq!(c["type"], "ImportSuccess");
    assert_eq!(c["status"], "False");
    assert_eq!(c["reason"], "InternalError");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{}/team/app:v1", d.addr)),
        "{c}"
    );
    assert_eq!(history(&is, "v1"), [second, first], "history is kept");
    let described = cli.wharf(&["describe", "is", "app"]);
    assert!(
        described.contains("error: Import failed (InternalError)"),
        "{described}"
    );
}

/// Pushes `team/app:v1` to `d`, imports it as `app:v1` with `cli` (in its project), pushes a
/// new `v1` and waits until the notification has re-imported it; `stream` reads `app`.
fn a_second_push_is_reimported(d: &Distribution, cli: &Cli, stream: impl Fn() -> Value) {
    let layout = Layout::build(256);
    let first = push(&layout, d, "amd64", "team/app:v1");
    cli.wharf(&[
        "import-image",
        "app:v1",
        &format!("--from={}/team/app:v1", d.addr),
        "--confirm",
        "--insecure",
    ]);
    let second = push(&layout, d, "arm64", "team/app:v1");
    let is = wait_for(20, "the pushed digest imported", || {
        let is = stream();
        (history(&is, "v1").len() == 2).then_some(is)
    });
    assert_eq!(history(&is, "v1"), [second, first]);
}

#[test]
fn a_push_notification_reimports_at_once() {
    if !peers() {
        return;
    }
    let s = Server::start(); // scheduled imports every 15 minutes: only the notification can do it
    let d = Distribution::start_notifying(&s.url("/notifications")).unwrap();
    let cli = Cli::in_project(&s, "demo");
    a_second_push_is_reimported(&d, &cli, || stream(&s, "demo", "app"));
}

#[test]
fn with_auth_on_only_a_notifier_with_a_cluster_wide_import_right_is_heard() {
    if !peers() {
        return;
    }
    let s = Server::start_secured(&[("alice", "wonderland")]);
    let envelope = r#"{"events": []}"#;
    let notify = |auth: Option<&str>| {
        auth::call(
            "POST",
            &s.url("/notifications"),
            auth,
            Some(("application/json", envelope.as_bytes())),
        )
    };
    let anonymous = notify(None);
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(anonymous.json()["kind"], "Status");
    let alice = notify(Some(&auth::bearer(&s.token("alice", "wonderland"))));
    assert_eq!(alice.status, 403, "{}", alice.body);
    assert!(alice.body.contains("imagestreamimports"), "{}", alice.body);

    // Distribution sends the admin's token with each notification, and is heard.
    let admin = Cli::as_kubeadmin(&s);
    let token = admin.wharf(&["whoami", "-t"]).trim().to_string();
    let d = Distribution::start_notifying_with_token(&s.url("/notifications"), &token).unwrap();
    admin.wharf(&["new-project", "demo"]);
    a_second_push_is_reimported(&d, &admin, || {
        serde_json::from_str(&admin.wharf(&["get", "is", "app", "-o", "json"])).unwrap()
    });
}

#[test]
fn a_notification_that_is_not_json_is_refused_with_a_clear_error() {
    let s = Server::start();
    let r = http()
        .post(&s.url("/notifications"))
        .send("{not json")
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = r.into_body().read_to_string().unwrap();
    assert!(body.contains("notification envelope"), "{body}");
    let r = http()
        .post(&s.url("/notifications"))
        .send(r#"{"events": []}"#)
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn pull_through_serves_an_imported_image_after_the_source_is_gone() {
    if !peers() || !require("podman") {
        return;
    }
    let mut d = Distribution::start().unwrap();
    let layout = Layout::build(64 * 1024);
    let digest = push(&layout, &d, "amd64", "team/app:v1");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    cli.wharf(&[
        "import-image",
        "app:v1",
        &format!("--from={}/team/app:v1", d.addr),
        "--confirm",
        "--insecure",
        "--reference-policy=local",
    ]);
    let image = format!("{}/demo/app:v1", s.addr);
    let pull = |storage: &ContainersStorage| {
        let out = storage
            .cmd("podman")
            .args(["pull", "-q", "--tls-verify=false", &image])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "podman pull {image}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = storage
            .cmd("podman")
            .args(["image", "inspect", "--format", "{{.Digest}}", &image])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(pull(&ContainersStorage::new()), digest);
    let fetched = s.log().matches("pulled through").count();
    assert!(
        fetched >= 2,
        "the config and the layer were fetched: {fetched}\n{}",
        s.log()
    );
    d.stop();
    assert_eq!(
        pull(&ContainersStorage::new()),
        digest,
        "a second pull needs no source"
    );
    assert_eq!(
        s.log().matches("pulled through").count(),
        fetched,
        "nothing fetched twice"
    );
}

#[test]
fn concurrent_pulls_of_an_imported_blob_fetch_it_once() {
    if !peers() {
        return;
    }
    let d = Distribution::start().unwrap();
    let layout = Layout::build(4 << 20);
    push(&layout, &d, "amd64", "team/app:v1");
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    cli.wharf(&[
        "import-image",
        "app:v1",
        &format!("--from={}/team/app:v1", d.addr),
        "--confirm",
        "--insecure",
    ]);
    let pulls: Vec<_> = (0..4)
        .map(|i| {
            let (addr, dir) = (s.addr.clone(), tempfile::tempdir().unwrap());
            std::thread::spawn(move || {
                skopeo_copy(
                    false,
                    &format!("docker://{addr}/demo/app:v1"),
                    &format!("oci:{}/out{i}:v1", dir.path().display()),
                );
            })
        })
        .collect();
    for p in pulls {
        p.join().unwrap();
    }
    let log = s.log();
    let mut digests: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("pulled through"))
        .filter_map(|l| l.split("digest=").nth(1)?.split_whitespace().next())
        .collect();
    let fetched = digests.len();
    digests.sort();
    digests.dedup();
    assert_eq!(
        fetched,
        digests.len(),
        "a blob was fetched more than once:\n{log}"
    );
    assert_eq!(fetched, 2, "the config and the layer:\n{log}");
}
