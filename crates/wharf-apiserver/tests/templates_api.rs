//! Templates (`template.openshift.io/v1`): stored like any namespaced object, checked by the
//! server's rules, listed with oc's columns; `processedtemplates` processes a posted Template.

mod common;

use common::Api;
use serde_json::{json, Value};

const TEMPLATES: &str = "/apis/template.openshift.io/v1/namespaces/demo/templates";
const PROCESS: &str = "/apis/template.openshift.io/v1/namespaces/demo/processedtemplates";

fn template(name: &str, parameters: Value) -> Value {
    json!({
        "apiVersion": "template.openshift.io/v1",
        "kind": "Template",
        "metadata": {"name": name, "annotations": {"description": "An example.\nSecond line."}},
        "objects": [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "${NAME}-svc"}}],
        "parameters": parameters,
        "labels": {"template": name},
    })
}

#[tokio::test]
async fn templates_are_stored_listed_and_deleted() {
    let api = Api::new().await;
    let created = api
        .post(
            TEMPLATES,
            template("app", json!([{"name": "NAME", "value": "web"}])),
        )
        .await;
    created.expect(201, None);
    assert_eq!(created.body["metadata"]["namespace"], "demo");
    let got = api.get(&format!("{TEMPLATES}/app")).await;
    got.expect(200, None);
    assert_eq!(got.body["objects"][0]["metadata"]["name"], "${NAME}-svc");
    let list = api.get(TEMPLATES).await;
    assert_eq!(list.body["kind"], "TemplateList");
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    api.delete(&format!("{TEMPLATES}/app"))
        .await
        .expect(200, None);
    api.get(&format!("{TEMPLATES}/app"))
        .await
        .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn legacy_v1_templates_are_accepted_as_the_group_version() {
    let api = Api::new().await;
    let mut t = template("old", json!([]));
    t["apiVersion"] = "v1".into();
    let created = api.post(TEMPLATES, t).await;
    created.expect(201, None);
    assert_eq!(created.body["apiVersion"], "template.openshift.io/v1");
    let mut image_stream =
        json!({"apiVersion": "v1", "kind": "Template", "metadata": {"name": "x"}});
    image_stream["kind"] = "ImageStream".into();
    api.post(TEMPLATES, image_stream)
        .await
        .expect(400, Some("BadRequest"));
}

#[tokio::test]
async fn the_server_refuses_parameter_names_outside_its_pattern() {
    let api = Api::new().await;
    let r = api
        .post(
            TEMPLATES,
            template("bad", json!([{"name": "x-y"}, {"name": ""}])),
        )
        .await;
    r.expect(422, Some("Invalid"));
    assert_eq!(
        r.message(),
        "Template.template.openshift.io \"bad\" is invalid: [parameters[0].name: Invalid value: \"x-y\": does not match ^[a-zA-Z0-9_]+$, parameters[1].name: Required value]"
    );
    assert_eq!(
        r.body["details"]["causes"][0]["field"],
        "parameters[0].name"
    );
    // The same rule on update.
    api.post(TEMPLATES, template("good", json!([])))
        .await
        .expect(201, None);
    let r = api
        .put(
            &format!("{TEMPLATES}/good"),
            template("good", json!([{"name": "a.b"}])),
        )
        .await;
    r.expect(422, Some("Invalid"));
}

#[tokio::test]
async fn the_table_has_oc_template_columns() {
    let api = Api::new().await;
    let params = json!([
        {"name": "NAME", "value": "web"},
        {"name": "PASSWORD", "generate": "expression", "from": "[a-z]{8}"},
    ]);
    api.post(TEMPLATES, template("app", params))
        .await
        .expect(201, None);
    let mut long = template(
        "long",
        json!([{"name": "EMPTY"}, {"name": "SET", "value": "x"}]),
    );
    long["metadata"]["annotations"]["description"] = "An example CakePHP application with a MySQL database. For more information about using this template".into();
    api.post(TEMPLATES, long).await.expect(201, None);
    api.post(TEMPLATES, template("none", json!([])))
        .await
        .expect(201, None);
    let table = api.get_table(TEMPLATES).await;
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Name", "Description", "Parameters", "Objects"]);
    let rows: Vec<Value> = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"].clone())
        .collect();
    assert_eq!(
        rows[0],
        json!(["app", "An example....", "2 (1 generated)", "1"])
    );
    assert_eq!(
        rows[1],
        json!([
            "long",
            "An example CakePHP application with a MySQL database. For more information ab...",
            "2 (1 blank)",
            "1"
        ])
    );
    assert_eq!(
        rows[2],
        json!(["none", "An example....", "0 (all set)", "1"])
    );
}

#[tokio::test]
async fn processedtemplates_returns_the_processed_template_and_stores_nothing() {
    let api = Api::new().await;
    let params = json!([
        {"name": "NAME", "value": "web"},
        {"name": "PASSWORD", "generate": "expression", "from": "[a-z]{8}"},
    ]);
    let r = api.post(PROCESS, template("app", params)).await;
    r.expect(201, None);
    assert_eq!(r.body["kind"], "Template");
    assert_eq!(r.body["objects"][0]["metadata"]["name"], "web-svc");
    assert_eq!(
        r.body["objects"][0]["metadata"]["labels"]["template"],
        "app"
    );
    let password = r.body["parameters"][1]["value"].as_str().unwrap();
    assert!(password.len() == 8 && password.bytes().all(|b| b.is_ascii_lowercase()));
    let list = api.get(TEMPLATES).await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn processing_errors_are_invalid_with_one_cause_each() {
    let api = Api::new().await;
    let params = json!([{"name": "NEEDED", "required": true}, {"name": "ALSO", "required": true}]);
    let r = api.post(PROCESS, template("app", params)).await;
    r.expect(422, Some("Invalid"));
    let causes: Vec<&str> = r.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        causes,
        [
            "Required value: template.parameters[0]: parameter NEEDED is required and must be specified",
            "Required value: template.parameters[1]: parameter ALSO is required and must be specified",
        ]
    );
    // The server's own checks come before processing.
    let r = api
        .post(
            PROCESS,
            template("app", json!([{"name": "A-B", "value": "x"}])),
        )
        .await;
    r.expect(422, Some("Invalid"));
    assert_eq!(
        r.body["details"]["causes"][0]["field"],
        "parameters[0].name"
    );
    // And a namespace that does not exist is NotFound.
    api.post(
        "/apis/template.openshift.io/v1/namespaces/ghost/processedtemplates",
        template("app", json!([])),
    )
    .await
    .expect(404, Some("NotFound"));
}
