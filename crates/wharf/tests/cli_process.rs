//! `wharf process`, stored templates and the template verbs: OpenShift's own `templates.sh`
//! (corpus `origin/templates.sh`), suite by suite, with the same inputs, exit codes and texts,
//! against a real `wharf serve`. Where templates.sh pipes the output into `oc create` of kinds
//! Wharf does not serve (Services, Pods, Users), the test reads the same value from the
//! processed output instead, and says so.

mod common;

use std::process::Command;

use common::{output_with_stdin, require, wharf_bin, Cli, Server};

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

/// A `wharf` client logged into its own server, in project `templates`.
struct Oc {
    cli: Cli,
    _server: Server,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Oc {
    fn new() -> Oc {
        let server = Server::start();
        Oc {
            cli: Cli::in_project(&server, "templates"),
            _server: server,
        }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Out {
        Out::from(output_with_stdin(
            self.cli.cmd(wharf_bin()).args(args),
            stdin,
        ))
    }

    /// `os::cmd::expect_success`; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.ok_stdin(args, "")
    }

    fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert_eq!(out.code, 0, "wharf {args:?}: {}", out.stderr);
        out.stdout
    }

    /// `os::cmd::expect_success_and_text` (the text on stdout or stderr).
    fn ok_with(&self, args: &[&str], text: &str) {
        self.ok_stdin_with(args, "", text);
    }

    fn ok_stdin_with(&self, args: &[&str], stdin: &str, text: &str) {
        let out = self.run(args, stdin);
        assert_eq!(out.code, 0, "wharf {args:?}: {}", out.stderr);
        assert!(
            out.stdout.contains(text) || out.stderr.contains(text),
            "wharf {args:?} should print {text:?}:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }

    /// `os::cmd::expect_success_and_not_text`.
    fn ok_without(&self, args: &[&str], text: &str) {
        let out = self.run(args, "");
        assert_eq!(out.code, 0, "wharf {args:?}: {}", out.stderr);
        assert!(
            !out.stdout.contains(text) && !out.stderr.contains(text),
            "wharf {args:?} should not print {text:?}"
        );
    }

    /// `os::cmd::expect_failure_and_text`: exit code 1 and the text on stderr.
    fn fails_with(&self, args: &[&str], text: &str) {
        self.fails_stdin_with(args, "", text);
    }

    fn fails_stdin_with(&self, args: &[&str], stdin: &str, text: &str) {
        let out = self.run(args, stdin);
        assert_eq!(out.code, 1, "wharf {args:?} should fail: {}", out.stdout);
        assert!(
            out.stderr.contains(text),
            "wharf {args:?} should say {text:?}:\n{}",
            out.stderr
        );
    }
}

impl From<std::process::Output> for Out {
    fn from(o: std::process::Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// templates.sh `cmd/templates/basic`.
#[test]
fn stored_templates_are_created_listed_processed_described_and_deleted() {
    let oc = Oc::new();
    oc.ok(&["get", "templates"]);
    let file = corpus("origin/testdata/application-template-dockerbuild.json");
    oc.ok(&["create", "-f", &file]);
    let template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let objects = template["objects"].as_array().unwrap().len().to_string();
    let table = oc.ok(&["get", "templates"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("ruby-helloworld-sample"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(table.starts_with("NAME"), "{table}");
    assert_eq!(
        common::table_cells(row).last(),
        Some(&objects.as_str()),
        "OBJECTS counts the template's objects: {table}"
    );
    oc.ok(&["get", "templates", "ruby-helloworld-sample"]);
    let json = oc.ok(&["get", "template", "ruby-helloworld-sample", "-o", "json"]);
    oc.ok_stdin(&["process", "-f", "-"], &json);
    oc.ok(&["process", "ruby-helloworld-sample"]);
    let name = "ruby-helloworld-sample";
    for args in [
        &["-o", "template", "--template", "{{.kind}}"][..],
        &["-o", "go-template", "--template", "{{.kind}}"],
        &["-o", "go-template={{.kind}}"],
        &["-o", "jsonpath", "--template", "{.kind}"],
        &["-o", "jsonpath={.kind}"],
    ] {
        let mut all = vec!["process", name];
        all.extend_from_slice(args);
        oc.ok_with(&all, "List");
    }
    oc.ok(&["process", name, "-o", "go-template-file=/dev/null"]);
    oc.ok(&["process", name, "-o", "jsonpath-file=/dev/null"]);
    assert_eq!(
        oc.ok(&[
            "get",
            "templates",
            "-o",
            "go-template={{range .items}}{{.metadata.name}} {{len .objects}}{{end}}"
        ]),
        format!("{name} {objects}")
    );
    for output in ["describe", "json", "yaml", "name"] {
        oc.ok_with(&["process", name, "-o", output], "ruby-25-centos7");
    }
    let described = oc.ok(&["describe", "templates", name]);
    assert!(
        described
            .lines()
            .any(|l| l.contains("BuildConfig") && l.contains("ruby-sample-build")),
        "{described}"
    );
    oc.ok(&["delete", "templates", name]);
    oc.ok(&["get", "templates"]);
    oc.fails_with(
        &["process", name],
        "template \"ruby-helloworld-sample\" could not be found",
    );
}

/// templates.sh `cmd/templates/local-config`.
#[test]
fn local_and_server_processing_print_the_same() {
    let oc = Oc::new();
    let g = guestbook();
    oc.ok_with(
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
    let params = [
        "ADMIN_USERNAME=au",
        "ADMIN_PASSWORD=ap",
        "REDIS_PASSWORD=rp",
    ];
    let mut local = vec![
        "process",
        "-f",
        &g,
        "--local",
        "-l",
        "app=guestbook",
        "-o",
        "yaml",
    ];
    local.extend(params);
    let mut remote = vec!["process", "-f", &g, "-l", "app=guestbook", "-o", "yaml"];
    remote.extend(params);
    assert_eq!(oc.ok(&local), oc.ok(&remote));
    // JSON is Go's MarshalIndent of a List, items as in OpenShift's expected output.
    let json = oc.ok(&["process", "-f", &g]);
    assert!(json.starts_with("{\n    \"kind\": \"List\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n    \"items\": [\n        {\n            \"apiVersion\": "), "{json}");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus("origin/testdata/templates/guestbook_list.json")).unwrap(),
    )
    .unwrap();
    let got: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        got["items"].as_array().unwrap().len(),
        expected["objects"].as_array().unwrap().len()
    );
    oc.ok_with(
        &["process", "-f", &g, "-o", "name"],
        "service/frontend-service",
    );
    oc.ok_with(&["process", "-f", &g, "--parameters"], "ADMIN_USERNAME");
    // --local does not even try to reach the server.
    let out = Out::from(
        Command::new(wharf_bin())
            .env("KUBECONFIG", "/dev/null")
            .args([
                "process",
                "-f",
                &g,
                "--local",
                "-l",
                "app=guestbook",
                "-o",
                "yaml",
                "--server",
                "0.0.0.0:1",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("app: guestbook"));
    // Without --local and without a server, the error says what to do.
    let out = Out::from(
        Command::new(wharf_bin())
            .env("KUBECONFIG", "/dev/null")
            .args(["process", "-f", &g])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("error: no server") && out.stderr.contains("--local"),
        "{}",
        out.stderr
    );
}

/// templates.sh `cmd/templates/parameters`.
#[test]
fn parameters_from_arguments_files_and_stdin() {
    let oc = Oc::new();
    let g = guestbook();
    for args in [
        vec![
            "process",
            "-f",
            &g,
            "-p",
            "ADMIN_USERNAME=myuser",
            "-p",
            "ADMIN_PASSWORD=mypassword",
        ],
        vec![
            "process",
            "ADMIN_USERNAME=myuser",
            "ADMIN_PASSWORD=mypassword",
            "-f",
            &g,
        ],
        vec![
            "process",
            "-f",
            &g,
            "ADMIN_USERNAME=myuser",
            "ADMIN_PASSWORD=mypassword",
        ],
    ] {
        oc.ok_with(&args, "\"myuser\"");
        oc.ok_with(&args, "\"mypassword\"");
    }
    // Argument values with commas are honored.
    oc.ok(&[
        "create",
        "-f",
        &corpus("origin/testdata/application-template-stibuild.json"),
    ]);
    let name = "ruby-helloworld-sample";
    for args in [
        &[name, "MYSQL_USER=myself", "MYSQL_PASSWORD=my,1%pa=s"][..],
        &["MYSQL_USER=myself", "MYSQL_PASSWORD=my,1%pa=s", name],
        &[
            name,
            "-p",
            "MYSQL_USER=myself",
            "-p",
            "MYSQL_PASSWORD=my,1%pa=s",
        ],
        &[
            "-p",
            "MYSQL_USER=myself",
            "-p",
            "MYSQL_PASSWORD=my,1%pa=s",
            name,
        ],
    ] {
        let mut all = vec!["process"];
        all.extend_from_slice(args);
        oc.ok_with(&all, "\"myself\"");
        oc.ok_with(&all, "\"my,1%pa=s\"");
    }
    // Argument values can be read from a file, and from stdin.
    let env = corpus("origin/testdata/templates/guestbook.env");
    let param_file = format!("--param-file={env}");
    let env_text = std::fs::read_to_string(&env).unwrap();
    for text in ["\"root\"", "\"adminpass\"", "\"redispass\""] {
        oc.ok_with(&["process", "-f", &g, &param_file], text);
        oc.ok_stdin_with(&["process", "-f", &g, "--param-file=-"], &env_text, text);
    }
    // The command line wins over files.
    let with = |p: &'static str| vec!["process", "-f", g.as_str(), param_file.as_str(), "-p", p];
    oc.ok_with(&with("ADMIN_USERNAME=myuser"), "ignoring value from file");
    oc.ok_with(&with("ADMIN_USERNAME=myuser"), "\"myuser\"");
    oc.ok_with(&with("ADMIN_PASSWORD=mypassword"), "\"mypassword\"");
    oc.ok_with(&with("REDIS_PASSWORD=rrr"), "\"rrr\"");
    // Multi-line values from a parameter file.
    let r = required_params();
    let renv = format!(
        "--param-file={}",
        corpus("origin/testdata/templates/template_required_params.env")
    );
    let yaml = oc.ok(&["process", "-f", &r, &renv, "-o", "yaml"]);
    assert!(
        yaml.lines().any(|l| l.ends_with("first")),
        "a quoted \\n is a newline:\n{yaml}"
    );
    oc.ok(&["delete", "template", name]);
    // Parameter file failures.
    oc.fails_with(
        &["process", "-f", &r, "--param-file=does/not/exist"],
        "no such file or directory",
    );
    let dir = format!("--param-file={}", corpus("origin/testdata"));
    oc.fails_with(&["process", "-f", &r, &dir], "is a directory");
    oc.fails_with(
        &["process", "-f", &r, "--param-file=/dev/null"],
        "parameter required_param is required and must be specified",
    );
    oc.ok(&["process", "-f", &g, "--param-file=/dev/null", &param_file]);
    for bad in ["fo%(o=bar\n", "S P A C E S=test\n"] {
        oc.fails_stdin_with(
            &["process", "-f", &r, "--param-file=-"],
            bad,
            "invalid parameter assignment",
        );
    }
    // Absent parameters.
    oc.fails_with(
        &["process", "-f", &g, "-p", "ABSENT_PARAMETER=absent"],
        "unknown parameter name",
    );
    oc.ok(&[
        "process",
        "-f",
        &g,
        "-p",
        "ABSENT_PARAMETER=absent",
        "--ignore-unknown-parameters",
    ]);
}

/// templates.sh `cmd/templates/data-precision`. templates.sh creates the processed Pod and
/// patches it; Wharf serves no Pods, so the stored Template is what is read back and patched
/// (with kubectl, so the patch is a peer's).
#[test]
fn large_integers_survive_storing_processing_and_patching() {
    let oc = Oc::new();
    oc.ok(&[
        "create",
        "-f",
        &corpus("origin/testdata/templates/template-type-precision.json"),
    ]);
    let numbers = ["1000030003", "2147483647", "9223372036854775807"];
    for n in numbers {
        oc.ok_with(&["process", "template-type-precision"], n);
        oc.ok_with(
            &["get", "template/template-type-precision", "-o", "json"],
            n,
        );
    }
    if require("kubectl") {
        common::run(oc.cli.cmd("kubectl").args([
            "patch",
            "template",
            "template-type-precision",
            "-p",
            r#"{"metadata":{"annotations":{"comment":"patch comment"}}}"#,
        ]));
        oc.ok_with(
            &["get", "template/template-type-precision", "-o", "json"],
            "9223372036854775807",
        );
        oc.ok_with(
            &["get", "template/template-type-precision", "-o", "json"],
            "patch comment",
        );
    }
    oc.ok(&["delete", "template/template-type-precision"]);
}

/// templates.sh `cmd/templates/different-namespaces` (commented out there, for want of a
/// second user): every way of naming a template in another project.
#[test]
fn templates_in_another_project_are_named_by_namespace() {
    let oc = Oc::new();
    oc.ok(&["new-project", "openshift"]);
    oc.ok(&[
        "create",
        "-f",
        &corpus("origin/testdata/application-template-dockerbuild.json"),
        "-n",
        "openshift",
    ]);
    oc.ok(&["project", "templates"]);
    for name in [
        "openshift//ruby-helloworld-sample",
        "openshift/template/ruby-helloworld-sample",
        "openshift/templates/ruby-helloworld-sample",
    ] {
        oc.ok_with(&["process", name], "ruby-25-centos7");
    }
    oc.fails_with(
        &["process", "template/ruby-helloworld-sample"],
        "template \"ruby-helloworld-sample\" could not be found",
    );
    oc.ok(&[
        "create",
        "-f",
        &corpus("origin/testdata/application-template-dockerbuild.json"),
    ]);
    oc.ok(&["process", "template/ruby-helloworld-sample"]);
    oc.ok(&["process", "templates/ruby-helloworld-sample"]);
    oc.fails_with(
        &["process", "imagestreams/ruby-helloworld-sample"],
        "unable to process invalid resource \"imagestreams\"",
    );
    let yaml = oc.ok(&[
        "get",
        "template",
        "ruby-helloworld-sample",
        "-n",
        "openshift",
        "-o",
        "yaml",
    ]);
    oc.ok_stdin(&["process", "-f", "-"], &yaml);
}

/// templates.sh `cmd/templates/process`.
#[test]
fn process_usage_errors_and_required_parameters() {
    let oc = Oc::new();
    oc.fails_with(
        &["process", "name1", "name2"],
        "template name must be specified only once",
    );
    oc.fails_with(
        &["process"],
        "Must pass a filename or name of stored template",
    );
    for (args, flag) in [
        (&["--param=someval"][..], "param"),
        (&["-p", "someval"], "param"),
        (&["--labels=someval"], "labels"),
        (&["-l", "someval"], "labels"),
        (&["--output=yaml"], "output"),
        (&["-o", "yaml"], "output"),
        (&["--raw"], "raw"),
        (&["--template=someval"], "template"),
    ] {
        let mut all = vec!["process", "template-name", "--parameters"];
        all.extend_from_slice(args);
        oc.fails_with(
            &all,
            &format!(
                "--parameters flag does not process the template, can't be used with --{flag}"
            ),
        );
    }
    for (args, text) in [
        (
            &["key=value", "key=value"][..],
            "provided more than once: key",
        ),
        (
            &["--param=key=value", "--param=key=value"],
            "provided more than once: key",
        ),
        (
            &["key=value", "--param=key=value"],
            "provided more than once: key",
        ),
        (
            &[
                "key=value",
                "other=foo",
                "--param=key=value",
                "--param=other=baz",
            ],
            "provided more than once: key, other",
        ),
    ] {
        let mut all = vec!["process", "template-name"];
        all.extend_from_slice(args);
        oc.fails_with(&all, text);
    }
    let r = required_params();
    oc.fails_with(
        &[
            "process",
            "-f",
            &corpus("origin/testdata/templates/basic-users-binding.json"),
        ],
        "not a valid Template but",
    );
    oc.fails_with(
        &["process", "-f", &r],
        "parameter required_param is required and must be specified",
    );
    oc.ok(&["process", "-f", &r, "--param=required_param=someval"]);
    // templates.sh creates the Users these name; Wharf serves no Users, so the name is read
    // from the processed output.
    for (args, user) in [
        (&["-p", "required_param=someval"][..], "someval"),
        (&["required_param=someval=moreval"], "someval=moreval"),
        (
            &["-p", "required_param=someval=moreval2"],
            "someval=moreval2",
        ),
        (
            &["-p", "required_param=someval=moreval3"],
            "someval=moreval3",
        ),
    ] {
        let mut all = vec!["process", "-f", r.as_str()];
        all.extend_from_slice(args);
        all.extend(["-o", "jsonpath={.items[0].metadata.name}"]);
        assert_eq!(oc.ok(&all), user);
    }
    oc.fails_with(
        &[
            "process",
            "-f",
            &r,
            "--param=required_param=someval",
            "--param=other_param=otherval",
        ],
        "unknown parameter name \"other_param\"",
    );
    oc.fails_with(
        &[
            "process",
            "-f",
            &r,
            "--param=required_param=someval",
            "--param=optional_param",
        ],
        "invalid parameter assignment in",
    );
    oc.fails_with(
        &[
            "process",
            "-f",
            &r,
            "--param=required_param=someval",
            "--labels======",
        ],
        "error parsing labels",
    );
    oc.fails_with(
        &[
            "process",
            "-f",
            &r,
            "--param=optional_param=a,required_param=b",
        ],
        "parameter required_param is required and must be specified",
    );
    let comma = "no longer accepts comma-separated list";
    oc.ok_with(
        &["process", "-f", &r, "--param=required_param=a,b=c,d"],
        comma,
    );
    oc.ok_without(
        &["process", "-f", &r, "--param=required_param=a_b_c_d"],
        comma,
    );
    oc.ok_without(
        &["process", "-f", &r, "--param=required_param=a,b,c,d"],
        comma,
    );
    oc.ok_without(&["process", "-f", &r, "required_param=a,b=c,d"], comma);
    let multiline =
        std::fs::read_to_string(corpus("origin/testdata/templates/multiline.txt")).unwrap();
    oc.ok_with(
        &[
            "process",
            "-f",
            &r,
            &format!("--param=required_param={}", multiline.trim_end()),
        ],
        "also,with=commas",
    );
}

/// The server checks what `--local` does not: parameter names outside `^[a-zA-Z0-9_]+$`.
#[test]
fn server_side_processing_applies_the_servers_rules() {
    let oc = Oc::new();
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.json");
    std::fs::write(
        &t,
        r#"{"apiVersion": "template.openshift.io/v1", "kind": "Template", "metadata": {"name": "t"},
            "objects": [], "parameters": [{"name": "A-B", "value": "x"}]}"#,
    )
    .unwrap();
    let t = t.to_str().unwrap();
    oc.ok(&["process", "-f", t, "--local"]);
    let out = oc.run(&["process", "-f", t], "");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: unable to process template\n  Invalid value: \"A-B\": does not match ^[a-zA-Z0-9_]+$\n\n"
    );
    let r = required_params();
    let out = oc.run(&["process", "-f", &r], "");
    assert_eq!(
        out.stderr,
        "error: unable to process template\n  Required value: template.parameters[1]: parameter required_param is required and must be specified\n\n"
    );
}

/// The issue's demonstration: a processed library template goes through kubectl.
#[test]
fn a_processed_library_template_is_accepted_by_kubectl() {
    if !require("kubectl") {
        return;
    }
    let oc = Oc::new();
    let rails = corpus("openshift-library/rails/rails-postgresql-example.json");
    let out = oc.ok(&["process", "-f", &rails, "-p", "NAME=x"]);
    assert!(
        !out.contains("${NAME}"),
        "every known parameter is substituted"
    );
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|o| o["apiVersion"].is_string()
        && o["kind"].is_string()
        && o["metadata"]["name"].is_string()));
    // Every object reads as a Kubernetes object to kubectl without a server...
    let local = output_with_stdin(
        Command::new("kubectl")
            .env("KUBECONFIG", "/dev/null")
            .args(["label", "--local", "-f", "-", "checked=yes", "-o", "name"]),
        &out,
    );
    let names = String::from_utf8_lossy(&local.stdout);
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    assert_eq!(names.lines().count(), items.len(), "{names}");
    assert!(names.contains("route.route.openshift.io/x"), "{names}");
    // ...and an apply maps kinds through a server's discovery: Wharf serves the image kinds, so
    // the template's ImageStream goes through kubectl's client-side dry run against it
    // (Services, Routes and BuildConfigs need a cluster that serves them).
    let streams: String = items
        .iter()
        .filter(|o| o["kind"] == "ImageStream")
        .map(|o| format!("{o}\n"))
        .collect();
    assert!(!streams.is_empty());
    let result = output_with_stdin(
        oc.cli
            .cmd("kubectl")
            .args(["apply", "--dry-run=client", "-f", "-"]),
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
