//! `wharf create -f`, `apply -f`, `delete`, `create secret docker-registry` and
//! `set image-lookup` against a running server (spec §6.5, acceptance case 45), and apply
//! taking turns with kubectl on the same object.

mod common;

use std::io::Write;

use common::{get_json, require, run, Cli, Server};
use serde_json::json;

const PYTHON: &str = "apiVersion: image.openshift.io/v1
kind: ImageStream
metadata:
  name: python
  labels:
    team: a
spec:
  tags:
  - name: '3.11'
    from:
      kind: DockerImage
      name: docker.io/library/python:3.11
---
apiVersion: v1
kind: ImageStream
metadata:
  name: legacy
";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    p.display().to_string()
}

#[test]
fn create_apply_and_delete_from_manifests() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "python.yaml", PYTHON);
    assert_eq!(
        cli.wharf(&["create", "-f", &f]),
        "imagestream.image.openshift.io/python created\nimagestream.image.openshift.io/legacy created\n"
    );
    assert_eq!(
        cli.wharf_fails(&["create", "-f", &f]),
        "Error from server (AlreadyExists): imagestreams.image.openshift.io \"python\" already exists\nError from server (AlreadyExists): imagestreams.image.openshift.io \"legacy\" already exists\n"
    );
    // apply over objects it did not create: configured, then unchanged.
    assert_eq!(
        cli.wharf(&["apply", "-f", &f]),
        "imagestream.image.openshift.io/python configured\nimagestream.image.openshift.io/legacy configured\n"
    );
    assert_eq!(
        cli.wharf(&["apply", "-f", &f]),
        "imagestream.image.openshift.io/python unchanged\nimagestream.image.openshift.io/legacy unchanged\n"
    );
    // A label dropped from the manifest is removed; one someone else added is kept.
    let url = s.url("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/python");
    let r = common::http()
        .patch(&url)
        .header("Content-Type", "application/merge-patch+json")
        .send(r#"{"metadata":{"labels":{"theirs":"x"}}}"#.as_bytes())
        .unwrap();
    assert_eq!(r.status(), 200);
    let edited = PYTHON.replace("    team: a\n", "    env: prod\n");
    let f2 = write(dir.path(), "python2.yaml", &edited);
    assert!(cli
        .wharf(&["apply", "-f", &f2])
        .starts_with("imagestream.image.openshift.io/python configured\n"));
    let stream = get_json(&url);
    assert_eq!(
        stream["metadata"]["labels"],
        json!({"env": "prod", "theirs": "x"})
    );
    assert_eq!(
        stream["spec"]["tags"][0]["from"]["name"],
        "docker.io/library/python:3.11"
    );

    if require("kubectl") {
        // kubectl reads the same last-applied record (it resends the spec tags list, which
        // wharf does not), and leaves the object as wharf's apply did.
        let only_python = edited.split("---").next().unwrap();
        let f3 = write(dir.path(), "python3.yaml", only_python);
        let out = run(cli.cmd("kubectl").args(["apply", "-f", &f3]));
        assert!(
            out.contains("imagestream.image.openshift.io/python"),
            "{out}"
        );
        assert_eq!(
            get_json(&url)["metadata"]["labels"],
            json!({"env": "prod", "theirs": "x"})
        );
        assert_eq!(
            cli.wharf(&["apply", "-f", &f3]),
            "imagestream.image.openshift.io/python unchanged\n"
        );
    }

    assert_eq!(
        cli.wharf(&["delete", "is", "python", "legacy"]),
        "imagestream.image.openshift.io \"python\" deleted\nimagestream.image.openshift.io \"legacy\" deleted\n"
    );
    assert_eq!(
        cli.wharf_fails(&["delete", "is/python"]),
        "Error from server (NotFound): imagestreams.image.openshift.io \"python\" not found\n"
    );
    cli.wharf(&["create", "-f", &f]);
    assert_eq!(
        cli.wharf(&["delete", "-f", &f]),
        "imagestream.image.openshift.io \"python\" deleted\nimagestream.image.openshift.io \"legacy\" deleted\n"
    );
    let bad = write(
        dir.path(),
        "bad.yaml",
        "kind: Widget\napiVersion: v9\nmetadata: {name: w}\n",
    );
    assert_eq!(
        cli.wharf_fails(&["create", "-f", &bad]),
        "error: no matches for kind \"Widget\" in version \"v9\"\n"
    );
}

#[test]
fn a_docker_registry_secret_holds_a_dockerconfigjson() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    assert_eq!(
        cli.wharf(&[
            "create",
            "secret",
            "docker-registry",
            "pull",
            "--docker-server=myreg:5000",
            "--docker-username=u",
            "--docker-password=p",
        ]),
        "secret/pull created\n"
    );
    let secret = get_json(&s.url("/api/v1/namespaces/demo/secrets/pull"));
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    use base64::Engine as _;
    let config = base64::engine::general_purpose::STANDARD
        .decode(secret["data"][".dockerconfigjson"].as_str().unwrap())
        .unwrap();
    let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
    assert_eq!(config["auths"]["myreg:5000"]["auth"], "dTpw");
    assert!(
        !s.log().contains("dTpw") && !s.log().contains("\"p\""),
        "secret data is never logged"
    );
}

#[test]
fn image_lookup_is_set_once_and_listed() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "mysql.json",
        r#"{"apiVersion":"image.openshift.io/v1","kind":"ImageStream","metadata":{"name":"mysql"}}"#,
    );
    cli.wharf(&["create", "-f", &f]);
    assert_eq!(
        cli.wharf(&["set", "image-lookup"]),
        "NAME   LOCAL\nmysql  false\n"
    );
    assert_eq!(
        cli.wharf(&["set", "image-lookup", "mysql"]),
        "imagestream.image.openshift.io/mysql image lookup updated\n"
    );
    assert_eq!(
        cli.wharf(&["set", "image-lookup", "mysql"]),
        "",
        "unchanged objects print nothing"
    );
    assert_eq!(
        cli.wharf(&["set", "image-lookup"]),
        "NAME   LOCAL\nmysql  true\n"
    );
    assert_eq!(
        cli.wharf(&["set", "image-lookup", "--all", "--enabled=false"]),
        "imagestream.image.openshift.io/mysql image lookup updated\n"
    );
    let stream = get_json(&s.url("/apis/image.openshift.io/v1/namespaces/demo/imagestreams/mysql"));
    assert_eq!(stream["spec"]["lookupPolicy"]["local"], false);
}
