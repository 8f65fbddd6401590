//! The client verbs against a running `wharf serve`, with a kubeconfig that kubectl shares:
//! login, new-project, project(s), get (table, -o name/json/yaml), and their error texts.

mod common;

use common::{require, run, Cli, Server};

#[test]
fn login_new_project_and_get_work_like_oc_and_share_the_kubeconfig_with_kubectl() {
    let s = Server::start();
    let cli = Cli::new();
    let server = s.url("");
    assert!(cli
        .wharf_fails(&["get", "is"])
        .starts_with("error: no server: run `wharf login"));
    let out = cli.wharf(&["login", &server]);
    assert!(
        out.starts_with(&format!(
            "Logged into \"{server}\" as \"system:admin\" using existing credentials."
        )),
        "{out}"
    );
    assert!(out.contains("wharf new-project <projectname>"), "{out}");
    let out = cli.wharf(&["new-project", "demo"]);
    assert_eq!(
        out.trim(),
        format!("Now using project \"demo\" on server \"{server}\".")
    );
    assert_eq!(
        cli.wharf(&["project"]).trim(),
        format!("Using project \"demo\" on server \"{server}\".")
    );
    assert!(cli.wharf(&["projects"]).contains("  * demo"));
    let e = cli.wharf_fails(&["project", "nope"]);
    assert!(
        e.starts_with(&format!(
            "error: A project named \"nope\" does not exist on \"{server}\"."
        )),
        "{e}"
    );
    let e = cli.wharf_fails(&["new-project", "demo"]);
    assert_eq!(
        e.trim(),
        "Error from server (AlreadyExists): project.project.openshift.io \"demo\" already exists"
    );

    cli.wharf(&["new-project", "other"]);
    cli.wharf(&["project", "demo"]);
    let stream =
        r#"{"apiVersion":"image.openshift.io/v1","kind":"ImageStream","metadata":{"name":"app"}}"#;
    let created = common::http()
        .post(&s.url("/apis/image.openshift.io/v1/namespaces/demo/imagestreams"))
        .header("Content-Type", "application/json")
        .send(stream.as_bytes())
        .unwrap();
    assert_eq!(created.status(), 201);
    let table = cli.wharf(&["get", "is"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAME   IMAGE REPOSITORY"), "{table}");
    assert!(
        lines[1].starts_with("app    ") && lines[1].contains(&format!("{}/demo/app", s.addr)),
        "{table}"
    );
    assert_eq!(
        cli.wharf(&["get", "imagestreams", "-o", "name"]).trim(),
        "imagestream.image.openshift.io/app"
    );
    let json: serde_json::Value =
        serde_json::from_str(&cli.wharf(&["get", "is", "app", "-o", "json"])).unwrap();
    assert_eq!(json["metadata"]["namespace"], "demo");
    assert!(cli
        .wharf(&["get", "is", "app", "-o", "yaml"])
        .contains("kind: ImageStream"));
    let all = cli.wharf(&["get", "is", "-A"]);
    assert!(all.starts_with("NAMESPACE   NAME"), "{all}");
    assert_eq!(
        cli.wharf_fails(&["get", "widgets"]).trim(),
        "error: the server doesn't have a resource type \"widgets\""
    );
    let e = cli.wharf_fails(&["get", "is", "ghost"]);
    assert_eq!(
        e.trim(),
        "Error from server (NotFound): imagestreams.image.openshift.io \"ghost\" not found"
    );
    assert!(cli
        .wharf_fails(&["get", "is", "-o", "xml"])
        .contains("unable to match a printer"));

    if require("kubectl") {
        let out = run(cli.cmd("kubectl").args(["get", "is", "-o", "name"]));
        assert_eq!(
            out.trim(),
            "imagestream.image.openshift.io/app",
            "kubectl uses the context wharf wrote"
        );
    }
}
