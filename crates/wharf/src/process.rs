//! `wharf process` (oc process, spec templates.md A.3, A.4, A.11, A.12): turn a Template into
//! the list of objects it describes. Parameter parsing, parameter files, labels and what oc
//! prints of a processed Template (a List, `-o name`, `-o describe`) are here; the other
//! printers are `crate::printers`, the processing itself is `wharf_domain::template`.
//!
//! Without `--local` the template goes to the server's `processedtemplates` (stored templates
//! are read from the server first), as oc does; with it, the same engine runs here.

use std::collections::BTreeMap;
use std::io::Read;

use clap::Args;
use serde_json::{json, Value};

use crate::cli::{context, Ctx, Global};
use crate::client::{error, CliError, CliResult};

#[derive(Args, Debug, Default)]
pub struct ProcessArgs {
    /// KEY=VALUE parameters, and at most one stored template name
    pub args: Vec<String>,
    /// The template file, or - for stdin
    #[arg(short = 'f', long = "filename")]
    pub filename: Option<String>,
    /// A parameter, KEY=VALUE (repeatable)
    #[arg(short = 'p', long = "param")]
    pub param: Vec<String>,
    /// A file of KEY=VALUE lines (repeatable; - for stdin); the command line wins over files,
    /// and the first file over later ones
    #[arg(long = "param-file")]
    pub param_file: Vec<String>,
    /// Skip parameters the template does not declare instead of failing
    #[arg(long)]
    pub ignore_unknown_parameters: bool,
    /// Process without a server
    #[arg(long)]
    pub local: bool,
    /// List the template's parameters instead of processing it
    #[arg(long)]
    pub parameters: bool,
    /// Labels to add to every object: KEY=VALUE[,KEY=VALUE]
    #[arg(short = 'l', long)]
    pub labels: Option<String>,
    /// Print each object on its own instead of a List
    #[arg(long)]
    pub raw: bool,
    /// json (default), yaml, name, describe, jsonpath=…, jsonpath-file=…, go-template=…,
    /// go-template-file=…
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    /// The template for -o jsonpath, -o go-template or -o template
    #[arg(long)]
    pub template: Option<String>,
}

fn usage(msg: &str) -> CliError {
    CliError(format!(
        "error: {msg}\nSee 'wharf process -h' for help and examples"
    ))
}

/// Kubernetes' `IsEnvVarName`: `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not `.`, `..` or `..*`.
fn env_var_name_problem(key: &str) -> Option<String> {
    let mut chars = key.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_'));
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if !(first_ok && rest_ok) {
        return Some("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')".into());
    }
    match key {
        "." => Some("must not be '.'".into()),
        ".." => Some("must not be '..'".into()),
        k if k.starts_with("..") => Some("must not start with '..'".into()),
        _ => None,
    }
}

/// `KEY=VALUE` from the command line (oc's ParseEnvironment).
pub fn parse_assignment(s: &str) -> CliResult<(String, String)> {
    let (key, value) = match s.split_once('=') {
        Some((k, v)) => (k, v),
        None => return Err(error(format!("invalid parameter assignment in {s:?}, []"))),
    };
    if let Some(problem) = env_var_name_problem(key) {
        return Err(error(format!(
            "invalid parameter assignment in {s:?}, [{problem}]"
        )));
    }
    Ok((key.to_string(), value.to_string()))
}

/// One line of a parameter file (the godotenv rules oc uses).
fn parse_env_line(line: &str) -> Result<Option<(String, String)>, String> {
    let line = line.trim_matches(|c| c == ' ' || c == '\n' || c == '\t' || c == '\r');
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let eq = line.find('=');
    let colon = line.find(':');
    let split = match (eq, colon) {
        (Some(e), Some(c)) if c < e => c,
        (Some(e), _) => e,
        (None, Some(c)) => c,
        (None, None) => return Err("Can't separate key from value".into()),
    };
    let key = line[..split].trim().to_string();
    let raw = line[split + 1..].trim();
    let quoted = raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    let value = if quoted {
        let inner = &raw[1..raw.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        // An inline comment ends an unquoted value.
        match raw.find(" #") {
            Some(i) => raw[..i].trim_end().to_string(),
            None => raw.to_string(),
        }
    };
    Ok(Some((key, value)))
}

/// An I/O error in Go's words (`no such file or directory`), which scripts grep for.
fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Reads a `--param-file` (`-` = stdin).
pub fn read_param_file(path: &str) -> CliResult<Vec<(String, String)>> {
    let text = if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| error(format!("Cannot read variables from \"stdin\": {e}")))?;
        s
    } else {
        let meta = std::fs::metadata(path).map_err(|e| {
            error(format!(
                "Cannot stat {path:?}: stat {path}: {}",
                go_io_error(&e)
            ))
        })?;
        if meta.is_dir() {
            return Err(error(format!(
                "Cannot read variables from {path:?}: is a directory"
            )));
        }
        std::fs::read_to_string(path)
            .map_err(|e| error(format!("Cannot read variables from {path:?}: {e}")))?
    };
    let shown = if path == "-" { "stdin" } else { path };
    let mut out = Vec::new();
    for line in text.lines() {
        match parse_env_line(line) {
            Ok(Some((k, v))) => {
                if env_var_name_problem(&k).is_some() {
                    return Err(error(format!("invalid parameter assignment in {k}={v}")));
                }
                out.push((k, v));
            }
            Ok(None) => {}
            Err(e) => {
                return Err(error(format!(
                    "Cannot read variables from file {shown:?}: {e}"
                )))
            }
        }
    }
    Ok(out)
}

/// kubectl's ParseLabels: `k=v[,k=v]`.
pub fn parse_labels(spec: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for part in spec.split(',') {
        let kv: Vec<&str> = part.split('=').collect();
        if kv.len() != 2 {
            return Err(format!("unexpected label spec: {part}"));
        }
        if kv[0].is_empty() {
            return Err("unexpected empty label key".into());
        }
        out.insert(kv[0].to_string(), kv[1].to_string());
    }
    Ok(out)
}

/// The parameters in effect: command line first (duplicates there are an error), then files
/// in order, each value from a file ignored (with a warning) when already set.
fn collect_parameters(a: &ProcessArgs, cli: &[String]) -> CliResult<Vec<(String, String)>> {
    let mut from_cli: Vec<(String, String)> = Vec::new();
    let mut deferred: Option<CliError> = None;
    let comma_list = |v: &str| {
        let parts: Vec<&str> = v.split(',').collect();
        parts.len() > 1 && v.contains('=') && parts.iter().skip(1).any(|p| p.contains('='))
    };
    for p in &a.param {
        if comma_list(p) {
            eprintln!("warning: --param no longer accepts comma-separated lists of values. \"{p}\" will be treated as a single key-value pair.");
        }
    }
    for s in a.param.iter().chain(cli) {
        match parse_assignment(s) {
            Ok(kv) => from_cli.push(kv),
            Err(e) => {
                deferred.get_or_insert(e);
            }
        }
    }
    let mut seen = BTreeMap::new();
    for (k, _) in &from_cli {
        *seen.entry(k.clone()).or_insert(0) += 1;
    }
    let dups: Vec<&str> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k.as_str())
        .collect();
    if !dups.is_empty() {
        return Err(usage(&format!(
            "The following parameters were provided more than once: {}",
            dups.join(", ")
        )));
    }
    if let Some(e) = deferred {
        return Err(e);
    }
    let mut all = from_cli;
    for file in &a.param_file {
        let shown = if file == "-" { "stdin" } else { file.as_str() };
        for (k, v) in read_param_file(file)? {
            if all.iter().any(|(known, _)| *known == k) {
                eprintln!(
                    "warning: Template parameter {k:?} already defined, ignoring value from file {shown:?}"
                );
            } else {
                all.push((k, v));
            }
        }
    }
    Ok(all)
}

/// Reads the template: the first document of the file (YAML or JSON).
fn read_template(path: &str) -> CliResult<Value> {
    let text = if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| error(format!("reading stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| error(format!("the path {path:?} cannot be read: {e}")))?
    };
    let docs = crate::objects::parse_documents(&text).map_err(|e| {
        error(format!(
            "failed to read input object (not a Template?): {e}"
        ))
    })?;
    if docs.len() > 1 {
        println!(
            "{} input templates found, but only the first will be processed",
            docs.len()
        );
    }
    let doc = docs.into_iter().next().ok_or_else(|| {
        error(format!(
            "failed to read input object (not a Template?): {path} holds no object"
        ))
    })?;
    let is_template = doc["kind"] == "Template"
        && matches!(
            doc["apiVersion"].as_str(),
            Some("template.openshift.io/v1" | "v1")
        );
    if !is_template {
        let kind = doc["kind"].as_str().unwrap_or("object");
        return Err(error(format!(
            "unable to parse {path:?}, not a valid Template but {kind}"
        )));
    }
    Ok(doc)
}

/// The `--parameters` table (tabwriter minwidth 20, padding 3, spaces).
pub fn parameters_table(template: &Value) -> String {
    let mut rows = vec![[
        "NAME".to_string(),
        "DESCRIPTION".into(),
        "GENERATOR".into(),
        "VALUE".into(),
    ]];
    for p in template["parameters"].as_array().into_iter().flatten() {
        let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
        let value = if s("generate").is_empty() {
            s("value")
        } else {
            s("from")
        };
        rows.push([s("name"), s("description"), s("generate"), value]);
    }
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count() + 3)
                .max()
                .unwrap_or(0)
                .max(20)
        })
        .collect();
    let mut out = String::new();
    for r in &rows {
        for (i, w) in widths.iter().enumerate() {
            out.push_str(&format!("{:<w$}", r[i]));
        }
        out.push_str(&r[3]);
        out.push('\n');
    }
    out
}

/// The `List` oc prints: its own fields in Go struct order (kind, apiVersion, metadata,
/// items), each item as [`crate::printers::go_json`] writes it (keys sorted), indented inside.
pub fn go_list_json(items: &[Value]) -> String {
    let mut out = String::from(
        "{\n    \"kind\": \"List\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n",
    );
    if items.is_empty() {
        out.push_str("    \"items\": []\n}\n");
        return out;
    }
    out.push_str("    \"items\": [\n");
    for (i, item) in items.iter().enumerate() {
        let text = crate::printers::go_json(item);
        let lines: Vec<&str> = text.lines().collect();
        for (j, line) in lines.iter().enumerate() {
            out.push_str("        ");
            out.push_str(line);
            if j + 1 == lines.len() && i + 1 < items.len() {
                out.push(',');
            }
            out.push('\n');
        }
    }
    out.push_str("    ]\n}\n");
    out
}

/// `kind[.group]/name`, as `-o name` prints it.
fn object_name(o: &Value) -> String {
    let kind = o["kind"].as_str().unwrap_or("").to_lowercase();
    let group = o["apiVersion"]
        .as_str()
        .and_then(|av| av.split_once('/'))
        .map(|(g, _)| g);
    let name = o
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    match group {
        Some(g) => format!("{kind}.{g}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

/// What `-o` prints of the processed Template: its objects as a List (or one by one with
/// `--raw` and `-o name`), or the Template itself described.
fn print(processed: &Value, a: &ProcessArgs) -> CliResult<String> {
    let objects = processed["objects"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let output = a.output.as_deref().unwrap_or("json");
    match output {
        "name" => return Ok(objects.iter().map(|o| object_name(o) + "\n").collect()),
        "describe" => {
            return Ok(crate::describe::template(
                processed,
                crate::describe::now_secs(),
            ))
        }
        "json" if !a.raw => return Ok(go_list_json(objects)),
        "yaml" if a.raw => {
            let docs: Vec<String> = objects.iter().map(crate::goyaml::to_yaml).collect();
            return Ok(docs.join("---\n"));
        }
        _ => {}
    }
    let template = a.template.as_deref();
    let printed = if a.raw {
        objects
            .iter()
            .map(|o| crate::printers::print(output, template, o))
            .collect::<Option<CliResult<Vec<String>>>>()
            .map(|r| r.map(|docs| docs.concat()))
    } else {
        let list = json!({ "kind": "List", "apiVersion": "v1", "metadata": {}, "items": objects });
        crate::printers::print(output, template, &list)
    };
    printed.unwrap_or_else(|| {
        Err(error(format!(
            "unable to match a printer suitable for the output format \"{output}\", allowed formats are: describe,{},name",
            crate::printers::FORMATS
        )))
    })
}

/// `NAME`, `template/NAME`, `templates/NAME`, `NS//NAME` or `NS/template/NAME` (oc's
/// `parseNamespaceResourceName`): the namespace and name of a stored template.
pub fn stored_template_name(arg: &str, namespace: &str) -> CliResult<(String, String)> {
    let parts: Vec<&str> = arg.trim().split('/').collect();
    let (ns, resource, name) = match parts.as_slice() {
        [name] => (namespace, "", *name),
        [resource, name] => (namespace, *resource, *name),
        [ns, resource, name] => (*ns, *resource, *name),
        _ => return Err(error(format!("invalid argument {arg:?}"))),
    };
    if !matches!(resource, "" | "template" | "templates") {
        return Err(error(format!(
            "unable to process invalid resource {resource:?}"
        )));
    }
    if name.is_empty() {
        return Err(error(format!("invalid value syntax {arg:?}")));
    }
    let ns = if ns.is_empty() { namespace } else { ns };
    Ok((ns.to_string(), name.to_string()))
}

/// Reads a stored template; oc stamps it as created now (what `-o describe` shows).
fn fetch_template(ctx: &Ctx, arg: &str) -> CliResult<Value> {
    let (ns, name) = stored_template_name(arg, &ctx.namespace)?;
    let path = format!("/apis/template.openshift.io/v1/namespaces/{ns}/templates/{name}");
    let mut template = ctx.client.get(&path, "application/json").map_err(|e| {
        if e.is_not_found() {
            error(format!("template {name:?} could not be found"))
        } else {
            e
        }
    })?;
    template["metadata"]["creationTimestamp"] =
        wharf_domain::time::rfc3339(crate::describe::now_secs()).into();
    Ok(template)
}

/// Sends the Template to the server's `processedtemplates`; a refusal reads as oc words it:
/// `unable to process template` and one indented line per cause.
fn process_on_server(ctx: &Ctx, template: &Value) -> CliResult<Value> {
    let path = format!(
        "/apis/template.openshift.io/v1/namespaces/{}/processedtemplates",
        ctx.namespace
    );
    match ctx.client.post_for_status(&path, template)? {
        Ok(processed) => Ok(processed),
        Err(status) => {
            let causes = status
                .pointer("/details/causes")
                .and_then(Value::as_array)
                .filter(|c| !c.is_empty());
            let Some(causes) = causes else {
                return Err(crate::client::status_error(&status));
            };
            let mut text = String::from("unable to process template\n");
            for c in causes {
                text.push_str(&format!("  {}\n", c["message"].as_str().unwrap_or("")));
            }
            Err(error(text))
        }
    }
}

/// Processes here, with a generator seeded from the OS.
fn process_locally(template: &mut Value) -> CliResult<()> {
    let name = template
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // ThreadRng: ChaCha seeded from the OS, a CSPRNG (generated values are often passwords).
    wharf_domain::template::process(template, &mut rand::rng()).map_err(|errors| {
        CliError(wharf_domain::template::invalid_template_message(
            &name, &errors,
        ))
    })
}

pub fn run(a: &ProcessArgs, g: &Global) -> CliResult<()> {
    let (assignments, names): (Vec<String>, Vec<String>) =
        a.args.iter().cloned().partition(|s| s.contains('='));
    if names.len() > 1 {
        return Err(usage(&format!(
            "template name must be specified only once: {}",
            names[1]
        )));
    }
    if a.parameters {
        let changed = [
            ("param", !a.param.is_empty() || !assignments.is_empty()),
            ("labels", a.labels.is_some()),
            ("output", a.output.is_some()),
            ("raw", a.raw),
            ("template", a.template.is_some()),
        ];
        if let Some((flag, _)) = changed.iter().find(|(_, c)| *c) {
            return Err(usage(&format!(
                "The --parameters flag does not process the template, can't be used with --{flag}"
            )));
        }
    }
    if a.local && !names.is_empty() {
        return Err(usage("You may only specify a local template file via -f when running this command with --local"));
    }
    let parameters = collect_parameters(a, &assignments)?;
    // oc connects before it reads the template; --local never does.
    let server = if a.local {
        None
    } else {
        Some(context(g, None).map_err(|e| {
            error(format!(
                "{}; or process the template here with --local",
                e.bare()
            ))
        })?)
    };
    let mut template = match (names.first(), &a.filename, &server) {
        (Some(name), _, Some(ctx)) => fetch_template(ctx, name)?,
        (None, Some(path), _) => read_template(path)?,
        _ => return Err(usage("Must pass a filename or name of stored template")),
    };
    if let Some(ctx) = &server {
        let ns = template
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !ns.is_empty() && ns != ctx.namespace {
            template["metadata"]["namespace"] = ctx.namespace.clone().into();
        }
    }
    if a.parameters {
        print!("{}", parameters_table(&template));
        return Ok(());
    }
    if let Some(spec) = a.labels.as_deref().filter(|l| !l.is_empty()) {
        let labels =
            parse_labels(spec).map_err(|e| error(format!("error parsing labels: {e}\n")))?;
        if !template["labels"].is_object() {
            template["labels"] = json!({});
        }
        for (k, v) in labels {
            template["labels"][k] = v.into();
        }
    }
    let unknown = wharf_domain::template::inject_parameters(&mut template, &parameters);
    if !unknown.is_empty() && !a.ignore_unknown_parameters {
        let lines: Vec<String> = unknown
            .iter()
            .map(|n| format!("unknown parameter name {n:?}\n"))
            .collect();
        return Err(if lines.len() == 1 {
            error(lines[0].clone())
        } else {
            CliError(lines.join("\n"))
        });
    }
    let processed = match &server {
        Some(ctx) => process_on_server(ctx, &template)?,
        None => {
            process_locally(&mut template)?;
            template
        }
    };
    print!("{}", print(&processed, a)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_assignments_follow_kubernetes_env_var_names() {
        assert_eq!(
            parse_assignment("A=b=c,d").unwrap(),
            ("A".to_string(), "b=c,d".to_string())
        );
        let e = parse_assignment("1A=x").unwrap_err().0;
        assert!(e.starts_with("error: invalid parameter assignment in \"1A=x\", [a valid environment variable name"), "{e}");
        assert_eq!(
            parse_assignment("novalue").unwrap_err().0,
            "error: invalid parameter assignment in \"novalue\", []"
        );
    }

    #[test]
    fn parameter_files_read_like_godotenv() {
        let cases = [
            ("A=b", Some(("A", "b"))),
            ("  # comment", None),
            ("export B = c # note", Some(("B", "c"))),
            ("C: d", Some(("C", "d"))),
            ("D=\"first\\nsecond\"", Some(("D", "first\nsecond"))),
            ("E='x # y'", Some(("E", "x # y"))),
            ("F=a:b", Some(("F", "a:b"))),
        ];
        for (line, want) in cases {
            let got = parse_env_line(line).unwrap();
            assert_eq!(
                got.as_ref().map(|(k, v)| (k.as_str(), v.as_str())),
                want,
                "{line}"
            );
        }
        assert_eq!(
            parse_env_line("novalue").unwrap_err(),
            "Can't separate key from value"
        );
    }

    #[test]
    fn labels_parse_like_kubectl() {
        assert_eq!(
            parse_labels("a=b,c=d").unwrap(),
            BTreeMap::from([("a".into(), "b".into()), ("c".into(), "d".into())])
        );
        assert_eq!(parse_labels("a").unwrap_err(), "unexpected label spec: a");
        assert_eq!(
            parse_labels("=b").unwrap_err(),
            "unexpected empty label key"
        );
    }

    #[test]
    fn json_output_is_go_marshal_indent() {
        let v = json!({"b": "<a&b>", "a": [1, {"c": true}], "e": {}});
        assert_eq!(
            crate::printers::go_json(&v),
            "{\n    \"a\": [\n        1,\n        {\n            \"c\": true\n        }\n    ],\n    \"b\": \"\\u003ca\\u0026b\\u003e\",\n    \"e\": {}\n}\n"
        );
    }

    #[test]
    fn the_list_keeps_go_struct_order_around_sorted_items() {
        let items = [json!({"b": 1, "a": 2}), json!({"k": "v"})];
        assert_eq!(
            go_list_json(&items),
            "{\n    \"kind\": \"List\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n    \"items\": [\n        {\n            \"a\": 2,\n            \"b\": 1\n        },\n        {\n            \"k\": \"v\"\n        }\n    ]\n}\n"
        );
        assert!(go_list_json(&[]).ends_with("    \"items\": []\n}\n"));
    }

    #[test]
    fn names_carry_the_group() {
        assert_eq!(
            object_name(
                &json!({"kind": "Route", "apiVersion": "route.openshift.io/v1", "metadata": {"name": "r"}})
            ),
            "route.route.openshift.io/r"
        );
        assert_eq!(
            object_name(&json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "s"}})),
            "service/s"
        );
    }

    #[test]
    fn the_parameters_table_pads_to_twenty() {
        let t = json!({"parameters": [{"name": "NAME", "description": "The name", "value": "x"},
            {"name": "PASSWORD", "generate": "expression", "from": "[a-z]{8}"}]});
        assert_eq!(
            parameters_table(&t),
            "NAME                DESCRIPTION         GENERATOR           VALUE\nNAME                The name                                x\nPASSWORD                                expression          [a-z]{8}\n"
        );
    }
}
