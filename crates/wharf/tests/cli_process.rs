//! `wharf process` on template files: the local assertions of OpenShift's own
//! `templates.sh` (corpus `origin/templates.sh`, same inputs, same exit codes, same texts), and
//! a real library template accepted by `kubectl apply --dry-run=client`.

mod common;

use std::process::Command;

use common::{output_with_stdin, require, wharf_bin};

fn corpus(path: &str) -> String {
    format!(
        "{}/../../../shared/corpus/templates/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn guestbook() -> String {
    corpus("origin/testdata/templates/guestbook.json")
}

fn required_params() -> String {
    corpus("origin/testdata/templates/template_required_params.yaml")
}

/// Runs `wharf ARGS` with `stdin`; returns (exit code, stdout, stderr).
fn wharf(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = output_with_stdin(
        Command::new(wharf_bin())
            .args(args)
            .env("KUBECONFIG", "/dev/null"),
        stdin,
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn succeeds_with(args: &[&str], text: &str) {
    succeeds_with_stdin(args, "", text);
}

fn succeeds_with_stdin(args: &[&str], stdin: &str, text: &str) {
    let (code, out, err) = wharf(args, stdin);
    assert_eq!(code, 0, "wharf {args:?}: {err}");
    assert!(
        out.contains(text) || err.contains(text),
        "wharf {args:?} should print {text:?}:\n{out}\n{err}"
    );
}

fn fails_with(args: &[&str], stdin: &str, text: &str) {
    let (code, out, err) = wharf(args, stdin);
    assert_eq!(code, 1, "wharf {args:?} should fail: {out}");
    assert!(
        err.contains(text),
        "wharf {args:?} should say {text:?}:\n{err}"
    );
}

#[test]
fn labels_and_parameters_from_the_command_line() {
    let g = guestbook();
    succeeds_with(
        &[
            "process",
            "-f",
            &g,
            "--local",
            "-l",
            "app=guestbook",
            "-o",
            "yaml",
        ],
        "app: guestbook",
    );
    for p in [
        vec![
            "-p",
            "ADMIN_USERNAME=myuser",
            "-p",
            "ADMIN_PASSWORD=mypassword",
        ],
        vec!["ADMIN_USERNAME=myuser", "ADMIN_PASSWORD=mypassword"],
    ] {
        let mut args = vec!["process", "-f", g.as_str()];
        args.extend(p.iter().copied());
        succeeds_with(&args, "\"myuser\"");
        succeeds_with(&args, "\"mypassword\"");
    }
    fails_with(
        &["process", "-f", &g, "-p", "ABSENT_PARAMETER=absent"],
        "",
        "unknown parameter name",
    );
    succeeds_with(
        &[
            "process",
            "-f",
            &g,
            "-p",
            "ABSENT_PARAMETER=absent",
            "--ignore-unknown-parameters",
        ],
        "\"List\"",
    );
    fails_with(
        &["process", "-f", &g, "-p", "A=1", "A=2"],
        "",
        "The following parameters were provided more than once: A",
    );
    fails_with(
        &["process", "-f", &g, "-l", "bad"],
        "",
        "error parsing labels",
    );
    succeeds_with(
        &["process", "-f", &g, "-p", "ADMIN_USERNAME=a=1,b=2"],
        "no longer accepts comma-separated list",
    );
}

#[test]
fn parameter_files_and_their_precedence() {
    let g = guestbook();
    let env = corpus("origin/testdata/templates/guestbook.env");
    let params = format!("--param-file={env}");
    for text in ["\"root\"", "\"adminpass\"", "\"redispass\""] {
        succeeds_with(&["process", "-f", &g, &params], text);
        succeeds_with_stdin(
            &["process", "-f", &g, "--param-file=-"],
            &std::fs::read_to_string(&env).unwrap(),
            text,
        );
    }
    succeeds_with(
        &["process", "-f", &g, &params, "-p", "ADMIN_USERNAME=myuser"],
        "ignoring value from file",
    );
    succeeds_with(
        &["process", "-f", &g, &params, "-p", "ADMIN_USERNAME=myuser"],
        "\"myuser\"",
    );
    succeeds_with(
        &["process", "-f", &g, &params, "-p", "REDIS_PASSWORD=rrr"],
        "\"rrr\"",
    );
    succeeds_with(
        &["process", "-f", &g, "--param-file=/dev/null", &params],
        "\"List\"",
    );

    let r = required_params();
    let renv = format!(
        "--param-file={}",
        corpus("origin/testdata/templates/template_required_params.env")
    );
    let (code, out, err) = wharf(&["process", "-f", &r, &renv, "-o", "yaml"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(|l| l.ends_with("first")),
        "a quoted \\n is a newline:\n{out}"
    );
    fails_with(
        &["process", "-f", &r, "--param-file=does/not/exist"],
        "",
        "no such file or directory",
    );
    let dir = format!("--param-file={}", corpus("origin/testdata"));
    fails_with(&["process", "-f", &r, &dir], "", "is a directory");
    fails_with(
        &["process", "-f", &r, "--param-file=/dev/null"],
        "",
        "parameter required_param is required and must be specified",
    );
    fails_with(
        &["process", "-f", &r, "--param-file=-"],
        "fo%(o=bar\n",
        "invalid parameter assignment",
    );
    fails_with(
        &["process", "-f", &r, "--param-file=-"],
        "S P A C E S=test\n",
        "invalid parameter assignment",
    );
}

#[test]
fn outputs_and_usage_errors() {
    let g = guestbook();
    let (code, out, _) = wharf(&["process", "-f", &g], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("{\n    \"kind\": \"List\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n    \"items\": [\n        {\n            \"apiVersion\": "), "{out}");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus("origin/testdata/templates/guestbook_list.json")).unwrap(),
    )
    .unwrap();
    let got: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        got["items"].as_array().unwrap().len(),
        expected["objects"].as_array().unwrap().len()
    );
    succeeds_with(
        &["process", "-f", &g, "-o", "name"],
        "service/frontend-service",
    );
    succeeds_with(&["process", "-f", &g, "-o", "jsonpath={.kind}"], "List");
    succeeds_with(
        &[
            "process",
            "-f",
            &g,
            "-o",
            "jsonpath",
            "--template",
            "{.kind}",
        ],
        "List",
    );
    succeeds_with(&["process", "-f", &g, "--parameters"], "ADMIN_USERNAME");
    fails_with(
        &["process", "-f", &g, "--parameters", "-p", "A=b"],
        "",
        "The --parameters flag does not process the template, can't be used with --param",
    );
    fails_with(
        &["process"],
        "",
        "Must pass a filename or name of stored template",
    );
    fails_with(
        &[
            "process",
            "-f",
            &corpus("origin/testdata/templates/basic-users-binding.json"),
        ],
        "",
        "not a valid Template but",
    );
    let precision = corpus("origin/testdata/templates/template-type-precision.json");
    for n in ["1000030003", "2147483647", "9223372036854775807"] {
        succeeds_with(&["process", "-f", &precision], n);
    }
}

#[test]
fn a_processed_library_template_is_accepted_by_kubectl() {
    if !require("kubectl") {
        return;
    }
    let rails = corpus("openshift-library/rails/rails-postgresql-example.json");
    let (code, out, err) = wharf(&["process", "-f", &rails, "-p", "NAME=x"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("${NAME}"),
        "every known parameter is substituted"
    );
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|o| o["apiVersion"].is_string()
        && o["kind"].is_string()
        && o["metadata"]["name"].is_string()));
    // kubectl maps kinds through a server's discovery; Wharf serves the image kinds, so the
    // template's ImageStream goes through kubectl's client-side dry run against it (Services,
    // Routes and BuildConfigs need a cluster that serves them).
    let s = common::Server::start();
    let streams: String = items
        .iter()
        .filter(|o| o["kind"] == "ImageStream")
        .map(|o| format!("{o}\n"))
        .collect();
    assert!(!streams.is_empty());
    let result = output_with_stdin(
        common::kubectl(&s).args(["apply", "--dry-run=client", "-n", "default", "-f", "-"]),
        &streams,
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(
        stdout.contains("imagestream.image.openshift.io/x created (dry run)"),
        "{stdout}"
    );
}
