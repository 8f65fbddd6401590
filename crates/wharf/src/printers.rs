//! The `-o` printers `wharf get` and `wharf process` share with kubectl and oc: `json` (Go's
//! `MarshalIndent`, four spaces), `yaml` (go-yaml v2, see [`crate::goyaml`]), `jsonpath=…`,
//! `jsonpath-file=…`, `go-template=…` (also `template=…`), `go-template-file=…` (also
//! `templatefile=…`), and `-o jsonpath|go-template|template --template …`. The callers print
//! `name`, `wide` and `describe` themselves.

use serde_json::Value;

use crate::client::{error, CliResult};

/// The formats [`print`] knows, for the error that lists them.
pub const FORMATS: &str =
    "go-template,go-template-file,json,jsonpath,jsonpath-file,template,templatefile,yaml";

/// Go's `json.MarshalIndent(v, "", "    ")` and a newline, as kubectl's and oc's JSON printer
/// writes.
pub fn go_json(v: &Value) -> String {
    wharf_domain::gofmt::marshal_indent(v) + "\n"
}

/// Prints `doc` as `output` asks, with `template` the `--template` flag; `None` when `output`
/// is not one of these printers' formats.
pub fn print(output: &str, template: Option<&str>, doc: &Value) -> Option<CliResult<String>> {
    let (format, inline) = match output.split_once('=') {
        Some((f, t)) => (f, Some(t)),
        None => (output, None),
    };
    let text = || -> CliResult<String> {
        match (inline, template) {
            (Some(t), _) | (None, Some(t)) if format.ends_with("file") => {
                std::fs::read_to_string(t)
                    .map_err(|e| error(format!("error reading --template {t}, {e}")))
            }
            (Some(t), _) | (None, Some(t)) => Ok(t.to_string()),
            (None, None) => Err(error("template format specified but no template given")),
        }
    };
    Some(match format {
        "json" if inline.is_none() => Ok(go_json(doc)),
        "yaml" if inline.is_none() => Ok(crate::goyaml::to_yaml(doc)),
        "jsonpath" | "jsonpath-file" => {
            text().and_then(|t| crate::jsonpath::print(&t, doc).map_err(error))
        }
        "go-template" | "go-template-file" | "template" | "templatefile" => {
            text().and_then(|t| crate::gotemplate::print(&t, doc).map_err(error))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_files_are_read_for_every_file_format() {
        let dir = tempfile::tempdir().unwrap();
        let go = dir.path().join("t.tmpl");
        std::fs::write(&go, "{{.kind}}").unwrap();
        let jp = dir.path().join("t.jsonpath");
        std::fs::write(&jp, "{.kind}").unwrap();
        let doc = json!({"kind": "List"});
        let (go, jp) = (go.to_str().unwrap(), jp.to_str().unwrap());
        for (format, file) in [
            ("go-template-file", go),
            ("templatefile", go),
            ("jsonpath-file", jp),
        ] {
            let inline = print(&format!("{format}={file}"), None, &doc).unwrap();
            assert_eq!(inline.unwrap(), "List", "{format}");
            let flag = print(format, Some(file), &doc).unwrap();
            assert_eq!(flag.unwrap(), "List", "{format} --template");
        }
        assert_eq!(
            print("template={{.kind}}", None, &doc).unwrap().unwrap(),
            "List"
        );
        assert!(print("wide", None, &doc).is_none());
    }
}
