//! Templates (`template.openshift.io/v1`): parameters, substitution and processing — what
//! `oc process` and the `processedtemplates` endpoint do (spec templates.md Part A).
//!
//! The engine works on the Template as JSON, in place, the way OpenShift works on unstructured
//! objects: [`inject_parameters`] sets user-supplied values (A.4), then [`process`] generates the
//! missing values (A.10), checks required parameters, substitutes `${NAME}` / `${{NAME}}` in the
//! message, the labels and every key and string of every object (A.6), applies the namespace
//! rules (A.7), the template labels (A.8) and legacy groupification (A.9).
//!
//! OpenShift's behaviour is replicated, quirks included, except for the deliberate divergences
//! marked `// Divergence from OpenShift:` (spec A.14).

mod expression;
mod validation;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use rand::RngCore;
use serde_json::{Map, Value};

pub use expression::{expression_warnings, generate_expression, ALPHABET, NUMERALS, SYMBOLS};
pub use validation::{validate_template_body, PARAMETER_NAME_PATTERN};

/// The only generator OpenShift registers (`generate: expression`).
pub const EXPRESSION_GENERATOR: &str = "expression";

/// The kind of a [`FieldError`], as k8s `field.ErrorType` names it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// `Required value`.
    Required,
    /// `Invalid value: <value>`; the offending value, already rendered as OpenShift prints it
    /// (strings quoted, numbers and booleans bare, a parameter as its JSON object).
    Invalid(String),
}

/// A field error as OpenShift words it: `<field>: <body>`, e.g.
/// `template.parameters[0]: Required value: template.parameters[0]: parameter NAME is required and must be specified`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field path (`template.parameters[1]`, `item[0].objects`, …).
    pub field: String,
    pub kind: ErrorKind,
    pub detail: String,
}

impl FieldError {
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            kind: ErrorKind::Required,
            detail: detail.into(),
        }
    }

    /// An `Invalid value` error whose bad value is `value`, rendered as Go renders it.
    pub fn invalid(field: impl Into<String>, value: &Value, detail: impl Into<String>) -> Self {
        Self::invalid_rendered(field, render_bad_value(value), detail)
    }

    /// An `Invalid value` error whose bad value is already rendered.
    pub fn invalid_rendered(
        field: impl Into<String>,
        rendered: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            kind: ErrorKind::Invalid(rendered.into()),
            detail: detail.into(),
        }
    }

    /// k8s `ErrorBody()`: `Required value: <detail>` or `Invalid value: <value>: <detail>`, the
    /// value printed as Go does (strings quoted, numbers and booleans bare, objects as JSON).
    pub fn body(&self) -> String {
        let mut s = match &self.kind {
            ErrorKind::Required => "Required value".to_string(),
            ErrorKind::Invalid(v) => format!("Invalid value: {v}"),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

fn render_bad_value(v: &Value) -> String {
    match v {
        Value::String(s) => crate::gofmt::quote(s),
        other => go_json(other),
    }
}

fn go_json(v: &Value) -> String {
    crate::gofmt::marshal(v)
}

impl Parameter {
    /// The parameter as Go's `json.Marshal` writes a `templatev1.Parameter` (field order, `omitempty`).
    pub fn to_go_json(&self) -> String {
        let mut fields = vec![format!(
            "\"name\":{}",
            go_json(&Value::String(self.name.clone()))
        )];
        for (key, value) in [
            ("displayName", &self.display_name),
            ("description", &self.description),
            ("value", &self.value),
            ("generate", &self.generate),
            ("from", &self.from),
        ] {
            if !value.is_empty() {
                fields.push(format!(
                    "\"{key}\":{}",
                    go_json(&Value::String(value.clone()))
                ));
            }
        }
        if self.required {
            fields.push("\"required\":true".to_string());
        }
        format!("{{{}}}", fields.join(","))
    }
}

/// The message `oc process --local` prints for processing errors (A.12, kubectl `CheckErr` on an
/// Invalid status): `The Template "<name>" is invalid: <field>: <body>` for one error,
/// `The Template "<name>" is invalid: \n* <field>: <body>\n* …` for several.
pub fn invalid_template_message(name: &str, errors: &[FieldError]) -> String {
    let head = format!("The Template {} is invalid", crate::gofmt::quote(name));
    match errors {
        [] => head,
        [one] => format!("{head}: {one}"),
        many => {
            let mut s = format!("{head}: ");
            for e in many {
                s.push_str("\n* ");
                s.push_str(&e.to_string());
            }
            s
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/// A parameter as the processor reads it (`template.parameters[i]`); absent and `null` string
/// fields read as `""`, as Go's decoder leaves them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub value: String,
    pub generate: String,
    pub from: String,
    pub required: bool,
}

/// Reads `template.parameters` the way Go's decoder does, reporting wrongly typed fields (Go
/// would refuse to decode the Template at all).
pub fn parameters(template: &Value) -> Result<Vec<Parameter>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let params = read_parameters(template, &mut errors);
    if errors.is_empty() {
        Ok(params)
    } else {
        sort_errors(&mut errors);
        Err(errors)
    }
}

fn read_parameters(template: &Value, errors: &mut Vec<FieldError>) -> Vec<Parameter> {
    let list = match template.get("parameters") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => {
            errors.push(FieldError::invalid(
                "template.parameters",
                other,
                "must be a list of parameters",
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        let path = format!("template.parameters[{i}]");
        let Some(obj) = p.as_object() else {
            errors.push(FieldError::invalid(path, p, "must be a parameter object"));
            out.push(Parameter::default());
            continue;
        };
        let mut string = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                errors.push(FieldError::invalid(
                    format!("{path}.{key}"),
                    other,
                    "must be a string",
                ));
                String::new()
            }
        };
        let name = string("name");
        let display_name = string("displayName");
        let description = string("description");
        let value = string("value");
        let generate = string("generate");
        let from = string("from");
        let required = match obj.get("required") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                errors.push(FieldError::invalid(
                    format!("{path}.required"),
                    other,
                    "must be a boolean",
                ));
                false
            }
        };
        out.push(Parameter {
            name,
            display_name,
            description,
            value,
            generate,
            from,
            required,
        });
    }
    out
}

/// Sets parameter values into `template.parameters` the way `oc process` does before processing
/// (A.3 step 11, `injectUserVars`): the first parameter with a given name gets `value`, and its
/// `generate` is cleared (so `-p PASSWORD=` yields an empty, non-generated value that then fails
/// `required`). Names the template does not declare are returned, sorted and without
/// duplicates, for the caller to report (`unknown parameter name %q`) or ignore
/// (`--ignore-unknown-parameters`). When a name is given twice the last value wins.
pub fn inject_parameters(template: &mut Value, values: &[(String, String)]) -> Vec<String> {
    let mut unknown: Vec<String> = Vec::new();
    for (name, value) in values {
        let slot = template
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .and_then(|list| {
                list.iter_mut()
                    .filter_map(Value::as_object_mut)
                    .find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
            });
        match slot {
            Some(p) => {
                p.insert("value".into(), Value::String(value.clone()));
                // Go clears the field; with `omitempty` it disappears from the output.
                p.remove("generate");
            }
            None => unknown.push(name.clone()),
        }
    }
    // Divergence from OpenShift: unknown names come back sorted (Go reports them in map order).
    unknown.sort();
    unknown.dedup();
    unknown
}

/// GenerateParameterValues (A.5 step 1): fills in generated values, then checks `required`.
fn generate_parameter_values(
    template: &mut Value,
    params: &mut [Parameter],
    rng: &mut dyn RngCore,
    errors: &mut Vec<FieldError>,
) {
    for (i, param) in params.iter_mut().enumerate() {
        if !param.value.is_empty() {
            continue;
        }
        let path = format!("template.parameters[{i}]");
        if !param.generate.is_empty() {
            if param.generate != EXPRESSION_GENERATOR {
                errors.push(FieldError::invalid(
                    path,
                    &Value::String(param.generate.clone()),
                    format!(
                        "Unknown generator name '{}' for parameter {}",
                        param.generate, param.name
                    ),
                ));
                continue;
            }
            match generate_expression(&param.from, rng) {
                Ok(v) => {
                    param.value = v;
                    if !param.value.is_empty() {
                        if let Some(p) = template
                            .get_mut("parameters")
                            .and_then(|l| l.get_mut(i))
                            .and_then(Value::as_object_mut)
                        {
                            p.insert("value".into(), Value::String(param.value.clone()));
                        }
                    }
                }
                Err(e) => {
                    errors.push(FieldError::invalid_rendered(path, param.to_go_json(), e));
                    continue;
                }
            }
        }
        if param.value.is_empty() && param.required {
            errors.push(FieldError::required(
                path.clone(),
                format!(
                    "{path}: parameter {} is required and must be specified",
                    param.name
                ),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Substitution (A.6)
// ---------------------------------------------------------------------------------------------

type Params = HashMap<String, String>;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The NAME of a whole-string `${{NAME}}` (Go `^\$\{\{([a-zA-Z0-9\_]+)\}\}$`).
fn non_string_reference(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("${{")?.strip_suffix("}}")?;
    (!inner.is_empty() && inner.bytes().all(is_name_byte)).then_some(inner)
}

/// Every `${NAME}` in `s` (Go `\$\{([a-zA-Z0-9\_]+?)\}`, leftmost, non-overlapping), as
/// (whole match, NAME).
fn string_references(s: &str) -> Vec<(&str, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut p = 0;
    while p + 1 < b.len() {
        if b[p] == b'$' && b[p + 1] == b'{' {
            let mut i = p + 2;
            while i < b.len() && is_name_byte(b[i]) {
                i += 1;
            }
            if i > p + 2 && i < b.len() && b[i] == b'}' {
                out.push((&s[p..=i], &s[p + 2..i]));
                p = i + 1;
                continue;
            }
        }
        p += 1;
    }
    out
}

/// True if `s` holds a `${NAME}` reference (known or not), the test of the namespace rule.
fn has_string_reference(s: &str) -> bool {
    !string_references(s).is_empty()
}

/// EvaluateParameterSubstitution: the substituted text, and whether it is a string (`false` for
/// a `${{NAME}}` of a known parameter, whose value is then read as JSON).
fn evaluate(params: &Params, input: &str) -> (String, bool) {
    if let Some(name) = non_string_reference(input) {
        if let Some(v) = params.get(name) {
            return (v.clone(), false);
        }
    }
    let mut out = input.to_string();
    for (whole, name) in string_references(input) {
        if let Some(v) = params.get(name) {
            // Go: strings.Replace(out, match, value, 1) — the first literal occurrence in the
            // current output, which may be one a previous value inserted.
            out = out.replacen(whole, v, 1);
        }
    }
    (out, true)
}

/// Substitutes a string that is a field value; `Err` when the result cannot stand in a JSON
/// document the way OpenShift would have it.
fn substitute_string(params: &Params, s: &str) -> Result<Option<Value>, String> {
    let (out, as_string) = evaluate(params, s);
    if as_string {
        return Ok((out != s).then_some(Value::String(out)));
    }
    // Divergence from OpenShift: JSON numbers are kept as decoded by serde_json (integers within the 64-bit range stay exact) instead of going through float64 (where 9223372036854775807 becomes 9223372036854775808).
    match serde_json::from_str::<Value>(&out) {
        // Divergence from OpenShift: a `${{X}}` whose value is `null` is an error; Go deletes the map entry, or panics inside a list.
        Ok(Value::Null) => Err(format!(
            "parameter {} is null, which cannot replace {s}",
            non_string_reference(s).unwrap_or_default()
        )),
        Ok(v) => Ok(Some(v)),
        // Not JSON: the value stays a plain string.
        Err(_) => Ok(Some(Value::String(out))),
    }
}

/// Substitutes a map key; keys stay strings.
fn substitute_key(params: &Params, k: &str) -> Result<String, String> {
    let (out, as_string) = evaluate(params, k);
    if as_string {
        return Ok(out);
    }
    match serde_json::from_str::<Value>(&out) {
        Ok(Value::String(s)) => Ok(s),
        Err(_) => Ok(out),
        // Divergence from OpenShift: a map key that `${{X}}` turns into a non-string JSON value is an error; Go panics.
        Ok(_) => Err(format!(
            "parameter {} is not a string and cannot be used as the key {k}",
            non_string_reference(k).unwrap_or_default()
        )),
    }
}

/// A substitution failure inside an object: its JSON path, the original text, the reason.
struct SubstError {
    path: String,
    original: String,
    reason: String,
}

/// Visits every map key and string, recursively (object.go `visitValue`). Keys are substituted
/// before their values; the entry moves to the new key.
fn substitute_value(params: &Params, v: &mut Value, path: &mut String, errs: &mut Vec<SubstError>) {
    match v {
        Value::String(s) => match substitute_string(params, s) {
            Ok(Some(new)) => *v = new,
            Ok(None) => {}
            Err(reason) => errs.push(SubstError {
                path: path.clone(),
                original: s.clone(),
                reason,
            }),
        },
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                substitute_value(params, item, path, errs);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut val) in old {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&k);
                let key = match substitute_key(params, &k) {
                    Ok(key) => key,
                    Err(reason) => {
                        errs.push(SubstError {
                            path: path.clone(),
                            original: k.clone(),
                            reason,
                        });
                        k
                    }
                };
                substitute_value(params, &mut val, path, errs);
                path.truncate(len);
                // Divergence from OpenShift: when two keys of a map substitute to the same key, the one visited later wins — keys are visited in serde_json map order, i.e. sorted (Go: map order, i.e. random).
                map.insert(key, val);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Object rules: namespace (A.7), groupification (A.9), labels (A.8)
// ---------------------------------------------------------------------------------------------

/// `stripNamespace`, evaluated before substitution.
fn strip_namespace(obj: &mut Map<String, Value>) {
    // meta.Accessor branch: a non-empty string namespace without `${…}` is removed.
    if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
        if let Some(Value::String(ns)) = meta.get("namespace") {
            if !ns.is_empty() && !has_string_reference(ns) {
                meta.remove("namespace");
                return;
            }
        }
    }
    let keeps = |ns: &Value| matches!(ns, Value::String(s) if has_string_reference(s));
    match obj.get_mut("metadata") {
        Some(Value::Object(meta)) => {
            if let Some(ns) = meta.get_mut("namespace") {
                if !keeps(ns) {
                    *ns = Value::String(String::new());
                }
            }
        }
        Some(_) => {}
        None => {
            if let Some(ns) = obj.get_mut("namespace") {
                if !keeps(ns) {
                    *ns = Value::String(String::new());
                }
            }
        }
    }
}

/// The OpenShift API group of a legacy (group-less) kind (`oapiKindsToGroup`).
pub fn legacy_kind_group(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "DeploymentConfigRollback"
        | "DeploymentConfig"
        | "DeploymentConfigList"
        | "DeploymentLog"
        | "DeploymentRequest" => "apps.openshift.io",
        "ClusterRoleBinding"
        | "ClusterRoleBindingList"
        | "ClusterRole"
        | "ClusterRoleList"
        | "Role"
        | "RoleList"
        | "RoleBinding"
        | "RoleBindingList"
        | "RoleBindingRestriction"
        | "RoleBindingRestrictionList"
        | "SubjectRulesReview"
        | "SelfSubjectRulesReview"
        | "ResourceAccessReview"
        | "LocalResourceAccessReview"
        | "SubjectAccessReview"
        | "LocalSubjectAccessReview" => "authorization.openshift.io",
        "Build"
        | "BuildList"
        | "BuildConfig"
        | "BuildConfigList"
        | "BuildLog"
        | "BuildRequest"
        | "BinaryBuildRequestOptions" => "build.openshift.io",
        "Image" | "ImageList" | "ImageSignature" | "ImageStream" | "ImageStreamList"
        | "ImageStreamImage" | "ImageStreamImport" | "ImageStreamMapping" | "ImageStreamTag"
        | "ImageStreamTagList" => "image.openshift.io",
        "ClusterNetwork"
        | "ClusterNetworkList"
        | "EgressNetworkPolicy"
        | "EgressNetworkPolicyList"
        | "HostSubnet"
        | "HostSubnetList"
        | "NetNamespace"
        | "NetNamespaceList" => "network.openshift.io",
        "OAuthAccessToken"
        | "OAuthAccessTokenList"
        | "OAuthAuthorizeToken"
        | "OAuthAuthorizeTokenList"
        | "OAuthClient"
        | "OAuthClientList"
        | "OAuthClientAuthorization"
        | "OAuthClientAuthorizationList" => "oauth.openshift.io",
        "Project" | "ProjectList" | "ProjectRequest" => "project.openshift.io",
        "ClusterResourceQuota"
        | "ClusterResourceQuotaList"
        | "AppliedClusterResourceQuota"
        | "AppliedClusterResourceQuotaList" => "quota.openshift.io",
        "Route" | "RouteList" => "route.openshift.io",
        "SecurityContextConstraints"
        | "SecurityContextConstraintsList"
        | "PodSecurityPolicySubjectReview"
        | "PodSecurityPolicySelfSubjectReview"
        | "PodSecurityPolicyReview" => "security.openshift.io",
        "Template" | "TemplateList" => "template.openshift.io",
        "Group"
        | "GroupList"
        | "Identity"
        | "IdentityList"
        | "User"
        | "UserList"
        | "UserIdentityMapping" => "user.openshift.io",
        _ => return None,
    })
}

/// `schema.ParseGroupVersion`: `None` when the text has more than one `/`.
fn parse_group_version(api_version: &str) -> Option<(&str, &str)> {
    match api_version.matches('/').count() {
        0 => Some(("", api_version)),
        1 => api_version.split_once('/'),
        _ => None,
    }
}

/// Reads the object's GVK after substitution, groupifies it and writes it back, as
/// `SetGroupVersionKind` does (which also normalises `apiVersion`/`kind` to strings).
fn groupify(obj: &mut Map<String, Value>) {
    let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let (mut group, version, kind) = match parse_group_version(api) {
        Some((g, v)) => (g.to_string(), v.to_string(), kind.to_string()),
        // Go's Unstructured.GroupVersionKind() returns an empty GVK on a parse error.
        None => (String::new(), String::new(), String::new()),
    };
    if group.is_empty() {
        if let Some(g) = legacy_kind_group(&kind) {
            group = g.to_string();
        }
    }
    let api_version = if group.is_empty() {
        version
    } else {
        format!("{group}/{version}")
    };
    obj.insert("apiVersion".into(), Value::String(api_version));
    obj.insert("kind".into(), Value::String(kind));
}

/// `addObjectLabels`: top-level `metadata.labels` only, template labels overwrite.
fn add_object_labels(obj: &mut Map<String, Value>, labels: &Map<String, Value>) {
    let meta = match obj.entry("metadata") {
        serde_json::map::Entry::Vacant(e) => e.insert(Value::Object(Map::new())),
        serde_json::map::Entry::Occupied(e) => e.into_mut(),
    };
    // Go's SetNestedField fails silently when `metadata` is not a map.
    let Value::Object(meta) = meta else { return };
    // GetLabels: nil unless a map of strings — then the object's own labels are replaced.
    let mut merged = match meta.get("labels") {
        Some(Value::Object(existing)) if existing.values().all(Value::is_string) => {
            existing.clone()
        }
        _ => Map::new(),
    };
    for (k, v) in labels {
        merged.insert(k.clone(), v.clone());
    }
    meta.insert("labels".into(), Value::Object(merged));
}

// ---------------------------------------------------------------------------------------------
// Process (A.5)
// ---------------------------------------------------------------------------------------------

/// A compact JSON rendering of a value, for error texts.
fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks the parts of the Template that Go's decoder would refuse (`message` and `labels`
/// values must be strings, `objects` a list).
fn check_shape(template: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    match template.get("message") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(other) => errors.push(FieldError::invalid(
            "template.message",
            other,
            "must be a string",
        )),
    }
    match template.get("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if !v.is_string() {
                    errors.push(FieldError::invalid(
                        format!("template.labels[{k}]"),
                        v,
                        "must be a string",
                    ));
                }
            }
        }
        Some(other) => errors.push(FieldError::invalid(
            "template.labels",
            other,
            "must be a map of strings",
        )),
    }
    match template.get("objects") {
        None | Some(Value::Null) | Some(Value::Array(_)) => {}
        Some(other) => errors.push(FieldError::invalid(
            "template.objects",
            other,
            "must be a list of objects",
        )),
    }
}

/// Processes the Template in place (A.5): generates values with `rng` (A.10), checks required
/// parameters, substitutes `${X}`/`${{X}}` in the `message`, the `labels` and every key and string
/// of every object (A.6), applies the namespace rules (A.7), legacy groupification (A.9) and the
/// template labels (A.8).
///
/// On error the Template may be partly processed. Errors are all collected (parameter errors stop
/// processing before the objects, as in OpenShift; object errors do not stop the other objects)
/// and returned sorted by field, then text.
pub fn process(template: &mut Value, rng: &mut dyn RngCore) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(obj) = template.as_object() else {
        return Err(vec![FieldError::invalid(
            "template",
            &Value::String(json_type_name(template).into()),
            "a Template must be a JSON object",
        )]);
    };
    check_shape(obj, &mut errors);
    let mut params = read_parameters(template, &mut errors);
    if errors.is_empty() {
        generate_parameter_values(template, &mut params, rng, &mut errors);
    }
    if !errors.is_empty() {
        sort_errors(&mut errors);
        return Err(errors);
    }

    // Later duplicates win, as in Go's map fill.
    let map: Params = params.into_iter().map(|p| (p.name, p.value)).collect();

    let Some(obj) = template.as_object_mut() else {
        return Err(errors);
    };

    if let Some(Value::String(message)) = obj.get_mut("message") {
        // `${{X}}` yields the raw value here: the message stays a string.
        *message = evaluate(&map, message).0;
    }

    let labels = match obj.get_mut("labels") {
        Some(Value::Object(labels)) => {
            let old = std::mem::take(labels);
            for (k, v) in old {
                let k = evaluate(&map, &k).0;
                let v = match v {
                    Value::String(s) => Value::String(evaluate(&map, &s).0),
                    other => other,
                };
                // Divergence from OpenShift: template label keys that collide after substitution resolve in sorted key order, the later winning (Go: map order, i.e. random).
                labels.insert(k, v);
            }
            Some(labels.clone())
        }
        _ => None,
    };

    if let Some(Value::Array(objects)) = obj.get_mut("objects") {
        for (i, item) in objects.iter_mut().enumerate() {
            let path = format!("item[{i}].objects");
            let kind_ok = item
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| !k.is_empty());
            let Some(o) = item.as_object_mut().filter(|_| kind_ok) else {
                let reason = match &*item {
                    Value::Object(_) | Value::Null => {
                        format!("Object 'Kind' is missing in '{}'", compact(item))
                    }
                    other => format!(
                        "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                        json_type_name(other)
                    ),
                };
                errors.push(FieldError::invalid(
                    path,
                    item,
                    format!("unable to handle object: {reason}"),
                ));
                continue;
            };
            strip_namespace(o);
            let mut subst_errors = Vec::new();
            let mut value = Value::Object(std::mem::take(o));
            substitute_value(&map, &mut value, &mut String::new(), &mut subst_errors);
            *item = value;
            for e in subst_errors {
                errors.push(FieldError::invalid(
                    path.clone(),
                    &Value::String(e.original),
                    format!("at {}: {}", e.path, e.reason),
                ));
            }
            if let Some(o) = item.as_object_mut() {
                groupify(o);
                if let Some(labels) = &labels {
                    add_object_labels(o, labels);
                }
            }
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        sort_errors(&mut errors);
        Err(errors)
    }
}

/// Warnings about the Template's generator expressions (see [`expression_warnings`]), one per
/// issue, naming the parameter. Processing is not affected.
pub fn template_warnings(template: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    read_parameters(template, &mut errors)
        .into_iter()
        .filter(|p| p.value.is_empty() && p.generate == EXPRESSION_GENERATOR)
        .flat_map(|p| {
            expression_warnings(&p.from)
                .into_iter()
                .map(move |w| format!("parameter {}: {w}", p.name))
        })
        .collect()
}

// Divergence from OpenShift: errors are sorted (field paths with indices compared numerically, then by text), so the report is deterministic.
fn sort_errors(errors: &mut [FieldError]) {
    errors.sort_by(|a, b| {
        natural_cmp(&a.field, &b.field)
            .then_with(|| a.detail.cmp(&b.detail))
            .then_with(|| a.to_string().cmp(&b.to_string()))
    });
}

/// Compares strings with embedded numbers numerically (`item[2]` < `item[10]`).
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (&a[..na], &b[..nb]);
                let ta = trim_zeros(da);
                let tb = trim_zeros(db);
                let ord = ta
                    .len()
                    .cmp(&tb.len())
                    .then_with(|| ta.cmp(tb))
                    .then_with(|| na.cmp(&nb));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let z = d.iter().take_while(|&&c| c == b'0').count();
    &d[z..]
}

#[cfg(test)]
mod tests;
