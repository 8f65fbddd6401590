//! `/openapi/v3`: each group-version document is self-contained (every `$ref` resolves inside
//! it), tags every served kind with `x-kubernetes-group-version-kind`, and describes fields
//! with OpenShift's and Kubernetes' descriptions — what `kubectl explain` reads.

mod common;

use common::Api;
use serde_json::Value;

/// Every served document, by group-version path (`api/v1`, `apis/image.openshift.io/v1`).
async fn documents(api: &Api) -> Vec<(String, Value)> {
    let root = api.get("/openapi/v3").await;
    root.expect(200, None);
    let mut out = Vec::new();
    for (gv, entry) in root.body["paths"].as_object().unwrap() {
        let url = entry["serverRelativeURL"].as_str().unwrap();
        let doc = api.get(url).await;
        doc.expect(200, None);
        out.push((gv.clone(), doc.body));
    }
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "$ref" {
                    out.push(v.as_str().unwrap().to_string());
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The schema `r` (`#/components/schemas/<name>`) names in `doc`.
fn resolve<'a>(doc: &'a Value, r: &str) -> &'a Value {
    let name = r
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("{r} is not a component schema reference"));
    &doc["components"]["schemas"][name]
}

/// The schema of property `field` of `schema`, following `allOf`/`$ref` and array items.
fn property<'a>(doc: &'a Value, schema: &'a Value, field: &str) -> &'a Value {
    let mut p = &schema["properties"][field];
    assert!(!p.is_null(), "no property {field} in {schema}");
    if p["type"] == "array" {
        p = &p["items"];
    }
    if let Some(r) = p["allOf"][0]["$ref"].as_str().or(p["$ref"].as_str()) {
        p = resolve(doc, r);
    }
    p
}

fn schema_of_kind<'a>(doc: &'a Value, group: &str, kind: &str) -> Option<&'a Value> {
    doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .find(|s| {
            s["x-kubernetes-group-version-kind"]
                .as_array()
                .is_some_and(|gvks| {
                    gvks.iter()
                        .any(|g| g["group"] == group && g["version"] == "v1" && g["kind"] == kind)
                })
        })
}

#[tokio::test]
async fn every_reference_in_each_served_document_resolves_inside_it() {
    let api = Api::new().await;
    let docs = documents(&api).await;
    assert_eq!(
        docs.len(),
        8,
        "api/v1 and the image, template, rbac, authorization, user, oauth and project groups"
    );
    for (gv, doc) in &docs {
        let mut refs = Vec::new();
        collect_refs(doc, &mut refs);
        assert!(!refs.is_empty(), "{gv}");
        for r in refs {
            assert!(resolve(doc, &r).is_object(), "{gv}: {r} does not resolve");
        }
    }
}

#[tokio::test]
async fn every_served_kind_has_a_schema_with_its_group_version_kind_and_object_meta() {
    let api = Api::new().await;
    let docs = documents(&api).await;
    for (discovery, gv, group) in [
        ("/api/v1", "api/v1", ""),
        (
            "/apis/image.openshift.io/v1",
            "apis/image.openshift.io/v1",
            "image.openshift.io",
        ),
        (
            "/apis/template.openshift.io/v1",
            "apis/template.openshift.io/v1",
            "template.openshift.io",
        ),
    ] {
        let doc = &docs.iter().find(|(g, _)| g == gv).unwrap().1;
        let list = api.get(discovery).await;
        let mut kinds = 0;
        for r in list.body["resources"].as_array().unwrap() {
            if r["name"].as_str().unwrap().contains('/') {
                continue;
            }
            kinds += 1;
            let kind = r["kind"].as_str().unwrap();
            let schema = schema_of_kind(doc, group, kind)
                .unwrap_or_else(|| panic!("{gv}: no schema tagged with kind {kind}"));
            assert_eq!(schema["type"], "object", "{kind}");
            assert!(schema["description"].as_str().unwrap().len() > 20, "{kind}");
            for f in ["apiVersion", "kind"] {
                assert_eq!(schema["properties"][f]["type"], "string", "{kind}.{f}");
            }
            assert_eq!(
                schema["properties"]["metadata"]["allOf"][0]["$ref"],
                "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                "{kind}"
            );
            if r["verbs"].as_array().unwrap().iter().any(|v| v == "list") {
                let list = schema_of_kind(doc, group, &format!("{kind}List"))
                    .unwrap_or_else(|| panic!("{gv}: no {kind}List"));
                assert_eq!(
                    list["properties"]["metadata"]["allOf"][0]["$ref"],
                    "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
                );
            }
        }
        assert!(kinds >= 1, "{gv}");
    }
}

#[tokio::test]
async fn image_stream_spec_tags_carry_openshift_field_descriptions() {
    let api = Api::new().await;
    let docs = documents(&api).await;
    let doc = &docs
        .iter()
        .find(|(g, _)| g == "apis/image.openshift.io/v1")
        .unwrap()
        .1;
    let stream = schema_of_kind(doc, "image.openshift.io", "ImageStream").unwrap();
    let spec = property(doc, stream, "spec");
    let tag = property(doc, spec, "tags");
    assert!(tag["description"]
        .as_str()
        .unwrap()
        .starts_with("TagReference specifies optional annotations"));
    assert_eq!(tag["required"], serde_json::json!(["name"]));
    let from = property(doc, tag, "from");
    assert!(from["properties"]["kind"].is_object(), "{from}");
    let import = property(doc, tag, "importPolicy");
    for f in ["insecure", "scheduled", "importMode"] {
        assert!(import["properties"][f].is_object(), "{f}");
    }
    assert_eq!(property(doc, tag, "referencePolicy")["required"][0], "type");
    let status = property(doc, stream, "status");
    let event = property(doc, property(doc, status, "tags"), "items");
    for f in ["created", "dockerImageReference", "image", "generation"] {
        assert!(event["properties"][f].is_object(), "{f}");
    }
    let created = property(doc, event, "created");
    assert_eq!(created["format"], "date-time");

    let image = schema_of_kind(doc, "image.openshift.io", "Image").unwrap();
    let md = &image["properties"]["dockerImageMetadata"];
    assert_eq!(md["x-kubernetes-preserve-unknown-fields"], true);
    let manifest = property(doc, image, "dockerImageManifests");
    for f in [
        "digest",
        "mediaType",
        "manifestSize",
        "architecture",
        "os",
        "variant",
    ] {
        assert!(manifest["properties"][f].is_object(), "{f}");
    }
    let meta = property(doc, image, "metadata");
    for f in [
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "labels",
        "annotations",
        "ownerReferences",
    ] {
        assert!(meta["properties"][f].is_object(), "ObjectMeta.{f}");
    }
}

#[tokio::test]
async fn no_list_carries_a_patch_merge_key() {
    // kubectl would then merge lists by key while Wharf replaces them whole.
    let api = Api::new().await;
    for (gv, doc) in documents(&api).await {
        assert!(!doc.to_string().contains("x-kubernetes-patch"), "{gv}");
    }
}

#[tokio::test]
async fn root_urls_carry_a_hash_of_each_document() {
    let api = Api::new().await;
    let root = api.get("/openapi/v3").await.body;
    let again = api.get("/openapi/v3").await.body;
    assert_eq!(root, again, "stable while the content is");
    let hashes: Vec<String> = root["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| {
            let url = e["serverRelativeURL"].as_str().unwrap();
            url.split_once("?hash=").unwrap().1.to_string()
        })
        .collect();
    assert_eq!(hashes.len(), 8);
    let distinct: std::collections::BTreeSet<&String> = hashes.iter().collect();
    assert_eq!(distinct.len(), 8, "each document hashes its own content");
    assert!(hashes
        .iter()
        .all(|h| h.len() >= 16 && h.chars().all(|c| c.is_ascii_hexdigit())));
}
