//! Unit tests: the inline cases of library-go `templateprocessing/template_test.go`
//! (TestProcessValue, TestEvaluateLabels, TestParameterGenerators, TestAddConfigLabels) and the
//! rules of spec A.5–A.9 and A.14.

use super::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

fn rng() -> StdRng {
    StdRng::seed_from_u64(1337)
}

fn run(mut t: Value) -> Value {
    process(&mut t, &mut rng()).unwrap_or_else(|e| panic!("unexpected errors: {e:?}"));
    t
}

fn run_err(mut t: Value) -> Vec<FieldError> {
    process(&mut t, &mut rng()).expect_err("expected errors")
}

fn param(name: &str, value: &str) -> Value {
    json!({"name": name, "value": value})
}

/// A template with one object and the given parameters (name, value).
fn with_object(object: Value, params: &[(&str, &str)]) -> Value {
    json!({
        "kind": "Template", "apiVersion": "template.openshift.io/v1",
        "objects": [object],
        "parameters": params.iter().map(|(n, v)| param(n, v)).collect::<Vec<_>>(),
    })
}

#[test]
fn test_process_value() {
    let t = json!({
        "kind": "Template", "apiVersion": "template.openshift.io/v1",
        "objects": [{
            "kind": "Service", "apiVersion": "v${VALUE}",
            "metadata": {"labels": {
                "i1": "${{INT_1}}",
                "invalidjsonmap": "${{INVALID_JSON_MAP}}",
                "invalidjsonarray": "${{INVALID_JSON_ARRAY}}",
                "key1": "${VALUE}",
                "key2": "$${VALUE}",
                "quoted_string": "${{STRING_1}}",
                "s1_s1": "${STRING_1}_${STRING_1}",
                "s1_s2": "${STRING_1}_${STRING_2}",
                "untouched": "a${{INT_1}}",
                "untouched2": "${{INT_1}}a",
                "untouched3": "${{INVALID_PARAMETER}}",
                "untouched4": "${{INVALID PARAMETER}}",
                "validjsonmap": "${{VALID_JSON_MAP}}",
                "validjsonarray": "${{VALID_JSON_ARRAY}}"
            }}
        }],
        "parameters": [
            param("VALUE", "1"),
            param("STRING_1", "string1"),
            param("STRING_2", "string2"),
            param("INT_1", "1"),
            param("VALID_JSON_MAP", "{\"key\":\"value\"}"),
            param("INVALID_JSON_MAP", "{\"key\":\"value\""),
            param("VALID_JSON_ARRAY", "[\"key\",\"value\"]"),
            param("INVALID_JSON_ARRAY", "[\"key\":\"value\""),
        ]
    });
    let out = run(t.clone());
    let expected: Value = serde_json::from_str(
        r#"{"apiVersion":"v1","kind":"Service","metadata":{"labels":{"i1":1,"invalidjsonarray":"[\"key\":\"value\"","invalidjsonmap":"{\"key\":\"value\"","key1":"1","key2":"$1","quoted_string":"string1","s1_s1":"string1_string1","s1_s2":"string1_string2","untouched":"a${{INT_1}}","untouched2":"${{INT_1}}a","untouched3":"${{INVALID_PARAMETER}}","untouched4":"${{INVALID PARAMETER}}","validjsonarray":["key","value"],"validjsonmap":{"key":"value"}}}}"#,
    )
    .unwrap();
    assert_eq!(out["objects"], json!([expected]));
    // Parameters are unchanged (all had values).
    assert_eq!(out["parameters"], t["parameters"]);
}

#[test]
fn positional_replacement_quirk() {
    // A="${B}": "${A}${B}" becomes "x${B}" (the first literal ${B} is the one just inserted).
    let out = run(with_object(
        json!({"kind": "ConfigMap", "apiVersion": "v1", "data": {"k": "${A}${B}", "u": "${UNKNOWN}-${A}"}}),
        &[("A", "${B}"), ("B", "x")],
    ));
    assert_eq!(out["objects"][0]["data"]["k"], "x${B}");
    assert_eq!(out["objects"][0]["data"]["u"], "${UNKNOWN}-${B}");
}

#[test]
fn keys_are_substituted_too() {
    let out = run(with_object(
        json!({"kind": "ConfigMap", "apiVersion": "v1", "data": {"${K}": "${V}", "${{K}}": "x", "${{QUOTED}}": "q", "${{NOTJSON}}": "n"}}),
        &[
            ("K", "key"),
            ("V", "value"),
            ("QUOTED", "\"quoted\""),
            ("NOTJSON", "plain text"),
        ],
    ));
    // `${K}` and `${{K}}` both become `key`: the later key in key order (`${{K}}`) wins.
    assert_eq!(
        out["objects"][0]["data"],
        json!({"key": "x", "quoted": "q", "plain text": "n"})
    );
}

#[test]
fn non_string_values_and_precision() {
    let out = run(with_object(
        json!({"kind": "Pod", "apiVersion": "v1", "spec": {
            "max": "${{MAX}}", "i32": "${{I32}}", "n": "${{N}}", "b": "${{B}}", "f": "${{F}}",
            "empty": "${{EMPTY}}", "abc": "${{ABC}}", "huge": "${{HUGE}}", "big": "${{BIG}}",
            "list": ["${{N}}", "${X}", 5, null, true],
            "literal": 9223372036854775807i64, "literal2": 2147483647, "literal3": 1000030003,
            "neg": -9223372036854775807i64
        }}),
        &[
            ("MAX", "9223372036854775807"),
            ("I32", "2147483647"),
            ("N", "1000030003"),
            ("B", "true"),
            ("F", "1.5"),
            ("EMPTY", ""),
            ("ABC", "abc"),
            ("HUGE", "1e400"),
            ("BIG", "18446744073709551615"),
            ("X", "x"),
        ],
    ));
    let spec = &out["objects"][0]["spec"];
    let text = serde_json::to_string(spec).unwrap();
    assert!(text.contains("\"max\":9223372036854775807"), "{text}");
    assert!(text.contains("\"literal\":9223372036854775807"), "{text}");
    assert!(text.contains("\"i32\":2147483647"), "{text}");
    assert!(text.contains("\"literal2\":2147483647"), "{text}");
    assert!(text.contains("\"n\":1000030003"), "{text}");
    assert!(text.contains("\"literal3\":1000030003"), "{text}");
    assert!(text.contains("\"big\":18446744073709551615"), "{text}");
    assert_eq!(spec["b"], true);
    assert_eq!(spec["f"], 1.5);
    assert_eq!(spec["empty"], "");
    assert_eq!(spec["abc"], "abc");
    assert_eq!(spec["huge"], "1e400");
    assert_eq!(spec["list"], json!([1000030003, "x", 5, null, true]));
}

#[test]
fn null_values_and_non_string_keys_are_errors() {
    let errs = run_err(with_object(
        json!({"kind": "Pod", "apiVersion": "v1", "spec": {"a": "${{NULL}}", "l": ["${{NULL}}"], "${{NUM}}": 1}}),
        &[("NULL", "null"), ("NUM", "5")],
    ));
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs.iter().all(|e| e.field == "item[0].objects"));
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("at spec.a: parameter NULL is null")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("at spec.l[0]: parameter NULL is null")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.starts_with("item[0].objects: Invalid value: \"${{NUM}}\": at spec.${{NUM}}: parameter NUM is not a string")),
        "{text:?}"
    );
}

fn labels_case(input_object: Value, labels: Option<Value>, params: &[(&str, &str)]) -> Value {
    let mut t = with_object(input_object, params);
    if let Some(l) = labels {
        t["labels"] = l;
    }
    run(t)
}

#[test]
fn test_evaluate_labels() {
    let svc = json!({"kind": "Service", "apiVersion": "v1", "metadata": {"labels": {"key1": "v1", "key2": "v2"}}});
    // no labels
    let out = labels_case(svc.clone(), None, &[]);
    assert_eq!(out["objects"][0], svc);
    assert!(out.get("labels").is_none());
    // one different label
    let out = labels_case(svc.clone(), Some(json!({"key3": "v3"})), &[]);
    assert_eq!(
        out["objects"][0]["metadata"]["labels"],
        json!({"key1": "v1", "key2": "v2", "key3": "v3"})
    );
    assert_eq!(out["labels"], json!({"key3": "v3"}));
    // when the root object has labels and metadata
    let out = labels_case(
        json!({"kind": "Service", "apiVersion": "v1", "metadata": {}, "labels": {"key1": "v1", "key2": "v2"}}),
        Some(json!({"key3": "v3"})),
        &[],
    );
    assert_eq!(
        out["objects"][0],
        json!({"apiVersion": "v1", "kind": "Service", "labels": {"key1": "v1", "key2": "v2"}, "metadata": {"labels": {"key3": "v3"}}})
    );
    // overwrites label
    let out = labels_case(svc.clone(), Some(json!({"key2": "v3"})), &[]);
    assert_eq!(
        out["objects"][0]["metadata"]["labels"],
        json!({"key1": "v1", "key2": "v3"})
    );
    // parameterised labels
    let out = labels_case(
        svc,
        Some(json!({"${KEY}": "${VALUE}"})),
        &[("KEY", "key"), ("VALUE", "value")],
    );
    assert_eq!(
        out["objects"][0]["metadata"]["labels"],
        json!({"key": "value", "key1": "v1", "key2": "v2"})
    );
    assert_eq!(out["labels"], json!({"key": "value"}));
}

#[test]
fn test_add_config_labels() {
    let cases: Vec<(Value, Option<Value>, Option<Value>)> = vec![
        // [0] nil + nil => nil
        (json!({"kind": "Pod", "apiVersion": "v1"}), None, None),
        // [1] nil + empty => empty
        (
            json!({"kind": "Pod", "apiVersion": "v1"}),
            Some(json!({})),
            Some(json!({})),
        ),
        // [2] obj.Labels + nil => obj.Labels
        (
            json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"labels": {"foo": "bar"}}}),
            None,
            Some(json!({"foo": "bar"})),
        ),
        // [3] obj.Labels + empty => obj.Labels
        (
            json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"labels": {"foo": "bar"}}}),
            Some(json!({})),
            Some(json!({"foo": "bar"})),
        ),
        // [4] nil + addLabels => addLabels
        (
            json!({"kind": "Pod", "apiVersion": "v1"}),
            Some(json!({"foo": "bar"})),
            Some(json!({"foo": "bar"})),
        ),
        // [5] obj.labels + addLabels => union
        (
            json!({"kind": "Service", "apiVersion": "v1", "metadata": {"labels": {"baz": ""}}}),
            Some(json!({"foo": "bar"})),
            Some(json!({"foo": "bar", "baz": ""})),
        ),
        // [6] conflicting keys, same value
        (
            json!({"kind": "Service", "apiVersion": "v1", "metadata": {"labels": {"foo": "same value"}}}),
            Some(json!({"foo": "same value"})),
            Some(json!({"foo": "same value"})),
        ),
        // [7] conflicting keys, different value
        (
            json!({"kind": "Service", "apiVersion": "v1", "metadata": {"labels": {"foo": "first value"}}}),
            Some(json!({"foo": "second value"})),
            Some(json!({"foo": "second value"})),
        ),
    ];
    for (i, (obj, add, expected)) in cases.into_iter().enumerate() {
        let out = labels_case(obj, add, &[]);
        assert_eq!(
            out["objects"][0]
                .get("metadata")
                .and_then(|m| m.get("labels")),
            expected.as_ref(),
            "case {i}"
        );
    }
}

#[test]
fn labels_are_never_nested() {
    // [8]/[9]: RC and DC pod templates are not labelled (unstructured objects).
    for kind in ["ReplicationController", "DeploymentConfig", "Deployment"] {
        let out = labels_case(
            json!({"kind": kind, "apiVersion": "v1", "metadata": {"labels": {"foo": "first value"}},
                   "spec": {"selector": {"foo": "first value"}, "template": {"metadata": {"labels": {"foo": "first value"}}}}}),
            Some(json!({"bar": "second value"})),
            &[],
        );
        let o = &out["objects"][0];
        assert_eq!(
            o["metadata"]["labels"],
            json!({"foo": "first value", "bar": "second value"})
        );
        assert_eq!(
            o["spec"]["template"]["metadata"]["labels"],
            json!({"foo": "first value"})
        );
        assert_eq!(o["spec"]["selector"], json!({"foo": "first value"}));
    }
}

#[test]
fn label_quirks() {
    // Non-string existing labels (from `${{}}`): GetLabels is nil, so they are replaced.
    let out = labels_case(
        json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"labels": {"n": "${{N}}", "s": "x"}}}),
        Some(json!({"app": "a"})),
        &[("N", "5")],
    );
    assert_eq!(out["objects"][0]["metadata"]["labels"], json!({"app": "a"}));
    // Non-map metadata: labels are silently not applied.
    let out = labels_case(
        json!({"kind": "Pod", "apiVersion": "v1", "metadata": "odd"}),
        Some(json!({"app": "a"})),
        &[],
    );
    assert_eq!(out["objects"][0]["metadata"], "odd");
    // `${{X}}` in template labels yields the raw value as a string.
    let out = labels_case(
        json!({"kind": "Pod", "apiVersion": "v1"}),
        Some(json!({"n": "${{N}}"})),
        &[("N", "5")],
    );
    assert_eq!(out["objects"][0]["metadata"]["labels"], json!({"n": "5"}));
}

#[test]
fn test_parameter_generators() {
    let gen = |p: Value| {
        let mut t = json!({"kind": "Template", "apiVersion": "v1", "parameters": [p]});
        let r = process(&mut t, &mut rng());
        (r, t)
    };
    // Empty generator, should pass (name not validated locally).
    let (r, t) = gen(json!({"name": "PARAM-pass-empty-gen", "value": "X"}));
    assert!(r.is_ok());
    assert_eq!(t["parameters"][0]["value"], "X");
    // Expression generator, should pass (value generated, generate/from kept).
    let (r, t) = gen(json!({"name": "P", "generate": "expression", "from": "foo[a-c]{2}"}));
    assert!(r.is_ok());
    let v = t["parameters"][0]["value"].as_str().unwrap();
    assert!(v.starts_with("foo") && v.len() == 5 && v[3..].chars().all(|c| c == 'a' || c == 'b'));
    assert_eq!(t["parameters"][0]["generate"], "expression");
    // A value set: generator ignored.
    let (r, t) = gen(json!({"name": "P", "value": "set", "generate": "nope", "from": "[abc]{3}"}));
    assert!(r.is_ok());
    assert_eq!(t["parameters"][0]["value"], "set");
    // Unknown generator, should fail.
    let (r, _) = gen(json!({"name": "PARAM-fail-foo-gen", "generate": "foo"}));
    let e = r.unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "template.parameters[0]");
    assert_eq!(
        e[0].to_string(),
        "template.parameters[0]: Invalid value: \"foo\": Unknown generator name 'foo' for parameter PARAM-fail-foo-gen"
    );
    // Generator error, should fail; the bad value is the parameter as JSON.
    let (r, _) = gen(json!({"name": "P", "generate": "expression", "from": "[abc]{3}"}));
    let e = r.unwrap_err();
    assert_eq!(
        e[0].to_string(),
        r#"template.parameters[0]: Invalid value: {"name":"P","generate":"expression","from":"[abc]{3}"}: malformed expresion syntax: [abc]"#
    );
    // Required parameter, no value.
    let (r, _) = gen(json!({"name": "PARAM-fail-no-val", "required": true}));
    let e = r.unwrap_err();
    assert_eq!(e[0].kind, ErrorKind::Required);
    assert_eq!(
        e[0].to_string(),
        "template.parameters[0]: Required value: template.parameters[0]: parameter PARAM-fail-no-val is required and must be specified"
    );
    // Required parameter, no value from the generator.
    let (r, _) = gen(
        json!({"name": "PARAM-fail-no-val-from-gen", "required": true, "generate": "expression", "from": ""}),
    );
    let e = r.unwrap_err();
    assert_eq!(e[0].kind, ErrorKind::Required);
    assert_eq!(e[0].field, "template.parameters[0]");
}

#[test]
fn parameter_errors_stop_before_objects_and_are_sorted() {
    let mut t = json!({
        "kind": "Template", "apiVersion": "v1",
        "message": "${A}",
        "objects": [{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "${A}"}}],
        "parameters": (0..12).map(|i| json!({"name": format!("P{i}"), "required": true})).collect::<Vec<_>>(),
    });
    let before = t["objects"].clone();
    let errs = process(&mut t, &mut rng()).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    let expected: Vec<String> = (0..12)
        .map(|i| format!("template.parameters[{i}]"))
        .collect();
    assert_eq!(fields, expected);
    assert_eq!(t["objects"], before);
    assert_eq!(t["message"], "${A}");
    assert_eq!(
        invalid_template_message("t", &errs[..1]),
        "The Template \"t\" is invalid: template.parameters[0]: Required value: template.parameters[0]: parameter P0 is required and must be specified"
    );
    assert!(invalid_template_message("t", &errs[..2]).starts_with(
        "The Template \"t\" is invalid: \n* template.parameters[0]: Required value: "
    ));
}

#[test]
fn duplicate_parameters_later_wins() {
    let mut t = with_object(
        json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "${A}"}}),
        &[("A", "first"), ("A", "second")],
    );
    process(&mut t, &mut rng()).unwrap();
    assert_eq!(t["objects"][0]["metadata"]["name"], "second");
}

#[test]
fn message_is_substituted() {
    let mut t = with_object(
        json!({"kind": "Pod", "apiVersion": "v1"}),
        &[("A", "1"), ("J", "{\"a\":1}")],
    );
    t["message"] = json!("a=${A} j=${{J}} u=${U}");
    let out = run(t.clone());
    assert_eq!(out["message"], "a=1 j=${{J}} u=${U}");
    t["message"] = json!("${{J}}");
    assert_eq!(run(t)["message"], "{\"a\":1}");
}

#[test]
fn namespace_table() {
    let cases: Vec<(Option<Value>, Option<Value>)> = vec![
        (None, None),
        (Some(json!("STRIPPED")), None),
        (Some(json!("${SUBSTITUTED}")), Some(json!("substituted"))),
        (
            Some(json!("prefix-${SUBSTITUTED}")),
            Some(json!("prefix-substituted")),
        ),
        (Some(json!("${{SUBSTITUTED}}")), None),
        (Some(json!("prefix-${{SUBSTITUTED}}")), None),
        (Some(json!("${UNKNOWN}")), Some(json!("${UNKNOWN}"))),
        (Some(json!("")), Some(json!(""))),
        (Some(json!(5)), Some(json!(""))),
        (Some(Value::Null), Some(json!(""))),
    ];
    for (input, expected) in cases {
        let mut meta = json!({"name": "n"});
        if let Some(ns) = &input {
            meta["namespace"] = ns.clone();
        }
        let out = run(with_object(
            json!({"kind": "Service", "apiVersion": "v1", "metadata": meta}),
            &[("SUBSTITUTED", "substituted")],
        ));
        assert_eq!(
            out["objects"][0]["metadata"].get("namespace"),
            expected.as_ref(),
            "input {input:?}"
        );
    }
    // No metadata map: a top-level `namespace` is reset unless it holds `${…}`.
    let out = run(with_object(
        json!({"kind": "X", "apiVersion": "v1", "namespace": "lit", "spec": {"namespace": "keep"}}),
        &[],
    ));
    assert_eq!(out["objects"][0]["namespace"], "");
    assert_eq!(out["objects"][0]["spec"]["namespace"], "keep");
    let out = run(with_object(
        json!({"kind": "X", "apiVersion": "v1", "namespace": "${NS}"}),
        &[("NS", "ns")],
    ));
    assert_eq!(out["objects"][0]["namespace"], "ns");
    // Nested namespaces are ordinary strings.
    let out = run(with_object(
        json!({"kind": "BuildConfig", "apiVersion": "v1", "metadata": {"namespace": "${NS}"},
               "spec": {"strategy": {"sourceStrategy": {"from": {"namespace": "openshift"}}}}}),
        &[("NS", "ns")],
    ));
    assert_eq!(out["objects"][0]["metadata"]["namespace"], "ns");
    assert_eq!(
        out["objects"][0]["spec"]["strategy"]["sourceStrategy"]["from"]["namespace"],
        "openshift"
    );
}

#[test]
fn groupification() {
    for (api, kind, expected) in [
        ("v1", "Route", "route.openshift.io/v1"),
        ("v1", "DeploymentConfig", "apps.openshift.io/v1"),
        ("v1", "BuildConfig", "build.openshift.io/v1"),
        ("v1", "ImageStream", "image.openshift.io/v1"),
        ("v1", "RoleBinding", "authorization.openshift.io/v1"),
        ("v1", "Role", "authorization.openshift.io/v1"),
        ("v1", "User", "user.openshift.io/v1"),
        ("v1", "Group", "user.openshift.io/v1"),
        ("v1", "Template", "template.openshift.io/v1"),
        ("v1", "Service", "v1"),
        ("v1", "Pod", "v1"),
        ("v1", "ReplicationController", "v1"),
        ("apps/v1", "Deployment", "apps/v1"),
        ("apps/v1", "DeploymentConfig", "apps/v1"),
        (
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            "rbac.authorization.k8s.io/v1",
        ),
        ("/v1", "Service", "v1"),
        ("", "Route", "route.openshift.io/"),
    ] {
        let out = run(with_object(json!({"kind": kind, "apiVersion": api}), &[]));
        assert_eq!(out["objects"][0]["apiVersion"], expected, "{api} {kind}");
        assert_eq!(out["objects"][0]["kind"], kind);
    }
    // Post-substitution GVK.
    let out = run(with_object(
        json!({"kind": "${K}", "apiVersion": "${V}"}),
        &[("K", "Route"), ("V", "v1")],
    ));
    assert_eq!(out["objects"][0]["apiVersion"], "route.openshift.io/v1");
    // Missing apiVersion is written as "" (SetGroupVersionKind); an unparsable one empties the GVK.
    let out = run(with_object(json!({"kind": "Pod"}), &[]));
    assert_eq!(out["objects"][0]["apiVersion"], "");
    let out = run(with_object(
        json!({"kind": "Pod", "apiVersion": "a/b/c"}),
        &[],
    ));
    assert_eq!(out["objects"][0]["apiVersion"], "");
    assert_eq!(out["objects"][0]["kind"], "");
}

#[test]
fn undecodable_objects_are_reported_and_others_processed() {
    let mut t = json!({
        "kind": "Template", "apiVersion": "v1",
        "objects": [
            {"apiVersion": "v1", "metadata": {"name": "${A}"}},
            "text",
            {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "${A}"}},
            {"kind": "", "apiVersion": "v1"}
        ],
        "parameters": [param("A", "a")]
    });
    let errs = process(&mut t, &mut rng()).unwrap_err();
    assert_eq!(errs.len(), 3);
    assert_eq!(
        errs[0].to_string(),
        r#"item[0].objects: Invalid value: {"apiVersion":"v1","metadata":{"name":"${A}"}}: unable to handle object: Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"${A}"}}'"#
    );
    assert_eq!(
        errs[1].to_string(),
        "item[1].objects: Invalid value: \"text\": unable to handle object: json: cannot unmarshal string into Go value of type map[string]interface {}"
    );
    assert_eq!(errs[2].field, "item[3].objects");
    assert_eq!(t["objects"][2]["metadata"]["name"], "a");
}

#[test]
fn malformed_template_shapes_are_errors() {
    let errs = process(&mut json!([]), &mut rng()).unwrap_err();
    assert_eq!(errs[0].field, "template");
    let errs = run_err(
        json!({"kind": "Template", "parameters": [{"name": "A", "value": 5, "required": "yes"}], "labels": {"a": 1}, "objects": {}, "message": 3}),
    );
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "template.labels[a]",
            "template.message",
            "template.objects",
            "template.parameters[0].required",
            "template.parameters[0].value"
        ]
    );
    let errs = run_err(json!({"kind": "Template", "parameters": "x"}));
    assert_eq!(errs[0].field, "template.parameters");
    // Absent parts are fine.
    run(json!({"kind": "Template"}));
    run(json!({"kind": "Template", "objects": null, "parameters": null, "labels": null}));
}

#[test]
fn inject_parameters_sets_values_and_clears_generate() {
    let mut t = json!({"kind": "Template", "parameters": [
        {"name": "A", "generate": "expression", "from": "[a-z]{3}"},
        {"name": "B", "value": "old"},
        {"name": "A", "value": "second A"},
        {"name": "R", "required": true, "generate": "expression", "from": "[a-z]{3}"}
    ]});
    let unknown = inject_parameters(
        &mut t,
        &[
            ("A".into(), "x=y,z".into()),
            ("Z".into(), "1".into()),
            ("B".into(), "new".into()),
            ("C".into(), "1".into()),
            ("Z".into(), "2".into()),
            ("R".into(), String::new()),
        ],
    );
    assert_eq!(unknown, ["C", "Z"]);
    assert_eq!(
        t["parameters"][0],
        json!({"name": "A", "from": "[a-z]{3}", "value": "x=y,z"})
    );
    assert_eq!(t["parameters"][1]["value"], "new");
    assert_eq!(t["parameters"][2]["value"], "second A");
    // `-p R=` makes R empty and non-generated: it then fails `required`.
    let errs = process(&mut t, &mut rng()).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "template.parameters[3]");
    assert!(errs[0].detail.contains("parameter R is required"));
    // No parameters at all: every name is unknown.
    let mut t = json!({"kind": "Template"});
    assert_eq!(
        inject_parameters(&mut t, &[("A".into(), "1".into())]),
        ["A"]
    );
}

#[test]
fn warnings_name_parameters() {
    let t = json!({"parameters": [
        {"name": "A", "generate": "expression", "from": "[a-zA-Z0-9_]{8}"},
        {"name": "B", "generate": "expression", "from": "[\\w]{8}"},
        {"name": "C", "value": "v", "generate": "expression", "from": "zzz"}
    ]});
    let w = template_warnings(&t);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("parameter A: "));
}

#[test]
fn string_reference_scanner() {
    assert_eq!(string_references("${A}"), [("${A}", "A")]);
    assert_eq!(
        string_references("$${A}x${B_1}"),
        [("${A}", "A"), ("${B_1}", "B_1")]
    );
    assert!(string_references("${{A}}").is_empty());
    assert!(string_references("${}").is_empty());
    assert!(string_references("${A-B}").is_empty());
    assert!(string_references("${A").is_empty());
    assert_eq!(string_references("${${A}}"), [("${A}", "A")]);
    assert_eq!(non_string_reference("${{A}}"), Some("A"));
    assert_eq!(non_string_reference("${{}}"), None);
    assert_eq!(non_string_reference("${{A B}}"), None);
    assert_eq!(non_string_reference(" ${{A}}"), None);
}

#[test]
fn field_error_rendering() {
    let e = FieldError::invalid("f", &json!("a\"b\n\u{1}é"), "d");
    assert_eq!(e.to_string(), "f: Invalid value: \"a\\\"b\\n\\x01é\": d");
    assert_eq!(
        FieldError::invalid("f", &json!(5), "d").to_string(),
        "f: Invalid value: 5: d"
    );
    assert_eq!(
        FieldError::invalid("f", &json!(true), "").to_string(),
        "f: Invalid value: true"
    );
    assert_eq!(
        FieldError::required("f", "d").to_string(),
        "f: Required value: d"
    );
}

#[test]
fn go_json_rendering() {
    assert_eq!(
        FieldError::invalid("f", &json!({"a": "<&>"}), "d").to_string(),
        r#"f: Invalid value: {"a":"\u003c\u0026\u003e"}: d"#
    );
    let p = Parameter {
        name: "N".into(),
        display_name: "D".into(),
        value: "v".into(),
        required: true,
        ..Parameter::default()
    };
    assert_eq!(
        p.to_go_json(),
        r#"{"name":"N","displayName":"D","value":"v","required":true}"#
    );
    assert_eq!(parameters(&json!({"parameters": [{"name": "N", "displayName": "D", "value": "v", "required": true}]})).unwrap(), [p]);
}

#[test]
fn natural_ordering() {
    assert_eq!(natural_cmp("item[2]", "item[10]"), Ordering::Less);
    assert_eq!(natural_cmp("item[10].a", "item[10].b"), Ordering::Less);
    assert_eq!(natural_cmp("a", "a"), Ordering::Equal);
    assert_eq!(natural_cmp("a1", "a01"), Ordering::Less);
    assert_eq!(natural_cmp("item", "item[0]"), Ordering::Less);
}
