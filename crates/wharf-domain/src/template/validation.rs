//! What the server checks of a Template before it stores or processes one
//! (openshift-apiserver `template/apis/template/validation`): parameter names match `^[a-zA-Z0-9_]+$`, and the template labels are valid Kubernetes labels.
//! `oc process --local` skips these checks; the server does not.

use serde_json::Value;

use super::{check_shape, parameters, FieldError};

/// The server's parameter name rule (`ParameterNameRegexp`).
pub const PARAMETER_NAME_PATTERN: &str = "^[a-zA-Z0-9_]+$";

/// `ValidateProcessedTemplate`: the checks of the Template's body (parameters and labels),
/// made before a Template is processed or stored.
pub fn validate_template_body(template: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(map) = template.as_object() {
        check_shape(map, &mut errors);
    }
    match parameters(template) {
        Err(mut decode) => errors.append(&mut decode),
        Ok(params) => {
            for (i, p) in params.iter().enumerate() {
                let field = format!("parameters[{i}].name");
                if p.name.is_empty() {
                    errors.push(FieldError::required(field, ""));
                } else if !is_parameter_name(&p.name) {
                    errors.push(FieldError::invalid(
                        field,
                        &Value::String(p.name.clone()),
                        format!("does not match {PARAMETER_NAME_PATTERN}"),
                    ));
                }
            }
        }
    }
    // Template labels may hold parameter references (OpenShift 3.8, origin#16605): those are
    // checked as they would read with a plain value in their place.
    if let Some(labels) = template.get("labels").and_then(Value::as_object) {
        for (key, value) in labels {
            for problem in label_key_problems(&without_references(key)) {
                errors.push(FieldError::invalid(
                    "labels",
                    &Value::String(key.clone()),
                    problem,
                ));
            }
            let problem = value
                .as_str()
                .and_then(|v| label_value_problem(&without_references(v)));
            if let Some(problem) = problem {
                errors.push(FieldError::invalid("labels", value, problem));
            }
        }
    }
    errors
}

/// `text` with each `${NAME}` reference replaced by `x`.
fn without_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if end > 0 && is_parameter_name(&after[..end]) => {
                out.push_str(&rest[..start]);
                out.push('x');
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_parameter_name(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

const QUALIFIED_NAME_FORMAT: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_FORMAT: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const DNS1123_SUBDOMAIN_FORMAT: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, non-empty.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(|label| {
        let b = label.as_bytes();
        match (b.first(), b.last()) {
            (Some(f), Some(l)) => {
                let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
                alnum(f) && alnum(l) && b.iter().all(|c| alnum(c) || *c == b'-')
            }
            _ => false,
        }
    })
}

/// Kubernetes `IsQualifiedName`: `[prefix/]name`.
pub fn label_key_problems(key: &str) -> Vec<String> {
    let parts: Vec<&str> = key.split('/').collect();
    let (prefix, name) = match parts.as_slice() {
        [name] => (None, *name),
        [prefix, name] => (Some(*prefix), *name),
        _ => {
            return vec![format!("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
        }
    };
    let mut problems = Vec::new();
    match prefix {
        Some("") => problems.push("prefix part must be non-empty".to_string()),
        Some(p) => {
            if p.len() > 253 {
                problems.push("prefix part must be no more than 253 characters".into());
            }
            if !is_dns1123_subdomain(p) {
                problems.push(format!("prefix part {DNS1123_SUBDOMAIN_FORMAT}"));
            }
        }
        None => {}
    }
    if name.is_empty() {
        problems.push("name part must be non-empty".into());
    } else {
        if name.len() > 63 {
            problems.push("name part must be no more than 63 characters".into());
        }
        if !is_qualified_name_part(name) {
            problems.push(QUALIFIED_NAME_FORMAT.into());
        }
    }
    problems
}

/// Kubernetes `IsValidLabelValue` (the first problem).
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    (!value.is_empty() && !is_qualified_name_part(value)).then(|| LABEL_VALUE_FORMAT.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bodies(t: &Value) -> Vec<String> {
        validate_template_body(t)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn parameter_names_must_match_the_server_pattern() {
        let t = json!({"parameters": [{"name": "OK_1"}, {"name": "x-y"}, {"name": ""}]});
        assert_eq!(
            bodies(&t),
            [
                "parameters[1].name: Invalid value: \"x-y\": does not match ^[a-zA-Z0-9_]+$",
                "parameters[2].name: Required value",
            ]
        );
    }

    #[test]
    fn template_labels_must_be_kubernetes_labels() {
        let t = json!({"labels": {"app": "ok", "example.com/x": "fine", "bad key": "v", "k": "${NAME}-", "${KEY}": "${NAME}"}});
        let errors = bodies(&t);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("labels: Invalid value: \"bad key\": name part must consist"));
        assert!(errors[1].starts_with("labels: Invalid value: \"${NAME}-\": a valid label must be"));
        assert!(bodies(&json!({"labels": {"a/b/c": "v"}}))[0].contains("a qualified name"));
        assert!(
            bodies(&json!({"labels": {"/x": "v"}}))[0].contains("prefix part must be non-empty")
        );
    }
}
