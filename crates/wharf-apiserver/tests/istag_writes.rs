//! Writing ImageStreamTags (spec §1.4): POST adds a spec tag, PUT replaces one, both create
//! the stream when it is missing; `wharf tag` is built on these.

mod common;

use common::{Api, IS};
use serde_json::{json, Value};

const ISTAG: &str = "/apis/image.openshift.io/v1/namespaces/demo/imagestreamtags";
const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn docker_tag(from: &str) -> Value {
    json!({"from": {"kind": "DockerImage", "name": from}, "referencePolicy": {"type": "Source"}})
}

/// Records image D1 as `python:3.6` through an ImageStreamMapping.
async fn python_with_image(api: &Api) {
    api.stream("python", json!({})).await;
    api.post(
        "/apis/image.openshift.io/v1/namespaces/demo/imagestreammappings",
        json!({"metadata": {"name": "python"}, "tag": "3.6",
               "image": {"metadata": {"name": D1}, "dockerImageReference": format!("docker.io/library/python@{D1}")}}),
    )
    .await
    .expect(201, None);
}

#[tokio::test]
async fn put_creates_the_stream_and_its_spec_tag() {
    let api = Api::new().await;
    let r = api
        .put(
            &format!("{ISTAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6"}, "tag": docker_tag("docker.io/python:3.6.0")}),
        )
        .await;
    r.expect(201, None);
    assert_eq!(r.body["kind"], "ImageStreamTag");
    assert_eq!(r.body["tag"]["name"], "3.6");
    assert_eq!(r.body["tag"]["from"]["name"], "docker.io/python:3.6.0");
    let s = api.get(&format!("{IS}/python")).await;
    s.expect(200, None);
    assert_eq!(s.body["spec"]["tags"][0]["name"], "3.6");
    assert_eq!(s.body["metadata"]["generation"], 1);
    api.get(&format!("{ISTAG}/python:3.6"))
        .await
        .expect(404, Some("NotFound"));
    let again = api
        .put(
            &format!("{ISTAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6"}, "tag": docker_tag("docker.io/python:3.6.1")}),
        )
        .await;
    again.expect(200, None);
    assert_eq!(again.body["tag"]["from"]["name"], "docker.io/python:3.6.1");
}

#[tokio::test]
async fn post_adds_a_spec_tag_once_and_needs_stream_colon_tag() {
    let api = Api::new().await;
    let body = json!({"metadata": {"name": "ruby:2.0"}, "tag": docker_tag("docker.io/ruby:2.0")});
    api.post(ISTAG, body.clone()).await.expect(201, None);
    let dup = api.post(ISTAG, body).await;
    dup.expect(409, Some("AlreadyExists"));
    assert_eq!(
        dup.message(),
        "imagestreamtags.image.openshift.io \"ruby:2.0\" already exists"
    );
    let bad = api
        .post(
            ISTAG,
            json!({"metadata": {"name": "ruby"}, "tag": docker_tag("x")}),
        )
        .await;
    bad.expect(400, Some("BadRequest"));
    assert_eq!(
        bad.message(),
        "\"ruby\" must be of the form <stream_name>:<tag>"
    );
}

#[tokio::test]
async fn a_stale_resource_version_is_a_conflict_naming_the_current_one() {
    let api = Api::new().await;
    api.stream("python", json!({})).await;
    let current = api.get(&format!("{IS}/python")).await.rv();
    let r = api
        .put(
            &format!("{ISTAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6", "resourceVersion": "1"}, "tag": docker_tag("x:1")}),
        )
        .await;
    r.expect(409, Some("Conflict"));
    assert_eq!(
        r.message(),
        format!("Operation cannot be fulfilled on imagestreamtags.image.openshift.io \"python:3.6\": another caller has updated the resource version to {current}")
    );
}

#[tokio::test]
async fn a_null_tag_updates_only_annotations_of_an_existing_spec_tag() {
    let api = Api::new().await;
    api.stream("python", json!({})).await;
    let missing = api
        .put(
            &format!("{ISTAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6"}, "tag": null}),
        )
        .await;
    missing.expect(400, Some("BadRequest"));
    assert_eq!(
        missing.message(),
        "imagestreamtag 3.6 is not a spec tag in imagestream demo/python, cannot be updated"
    );
    api.put(
        &format!("{ISTAG}/python:3.6"),
        json!({"metadata": {"name": "python:3.6"}, "tag": docker_tag("docker.io/python:3.6")}),
    )
    .await
    .expect(201, None);
    let r = api
        .put(
            &format!("{ISTAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6", "annotations": {"description": "Python 3.6"}}, "tag": null}),
        )
        .await;
    r.expect(200, None);
    let s = api.get(&format!("{IS}/python")).await;
    assert_eq!(
        s.body["spec"]["tags"][0]["annotations"]["description"],
        "Python 3.6"
    );
    assert_eq!(
        s.body["spec"]["tags"][0]["from"]["name"], "docker.io/python:3.6",
        "the source is kept"
    );
}

#[tokio::test]
async fn tag_annotations_must_equal_the_object_annotations() {
    let api = Api::new().await;
    let mut tag = docker_tag("docker.io/python:3.6");
    tag["annotations"] = json!({"a": "b"});
    let r = api
        .put(
            &format!("{ISTAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6"}, "tag": tag}),
        )
        .await;
    r.expect(422, Some("Invalid"));
    assert!(
        r.message().contains("tag.annotations: Invalid value: \"map[a:b]\": tag annotations must not be provided or must be equal to the object meta annotations"),
        "{}",
        r.message()
    );
}

#[tokio::test]
async fn tagging_from_an_image_stream_image_records_the_image_at_once() {
    let api = Api::new().await;
    python_with_image(&api).await;
    let r = api
        .put(
            &format!("{ISTAG}/python:latest"),
            json!({"metadata": {"name": "python:latest"},
                   "tag": {"from": {"kind": "ImageStreamImage", "name": format!("python@{D1}")}}}),
        )
        .await;
    r.expect(201, None);
    assert_eq!(r.body["image"]["metadata"]["name"], D1, "{}", r.body);
    let got = api.get(&format!("{ISTAG}/python:latest")).await;
    got.expect(200, None);
    assert_eq!(
        got.body["image"]["dockerImageReference"],
        format!("docker.io/library/python@{D1}")
    );
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let api = Api::new().await;
    api.put(
        &format!("{ISTAG}/python:3.6?dryRun=All"),
        json!({"metadata": {"name": "python:3.6"}, "tag": docker_tag("docker.io/python:3.6")}),
    )
    .await
    .expect(201, None);
    api.get(&format!("{IS}/python"))
        .await
        .expect(404, Some("NotFound"));
}

const ITAG: &str = "/apis/image.openshift.io/v1/namespaces/demo/imagetags";

#[tokio::test]
async fn an_image_tag_exists_while_the_tag_has_a_spec_or_a_status() {
    let api = Api::new().await;
    python_with_image(&api).await;
    api.put(
        &format!("{ISTAG}/python:next"),
        json!({"metadata": {"name": "python:next"}, "tag": docker_tag("docker.io/python:3.13")}),
    )
    .await
    .expect(201, None);
    let spec_only = api.get(&format!("{ITAG}/python:next")).await;
    spec_only.expect(200, None);
    assert_eq!(spec_only.body["kind"], "ImageTag");
    assert_eq!(
        spec_only.body["spec"]["from"]["name"],
        "docker.io/python:3.13"
    );
    assert_eq!(spec_only.body["status"], Value::Null);
    let pushed = api.get(&format!("{ITAG}/python:3.6")).await;
    pushed.expect(200, None);
    assert_eq!(pushed.body["spec"], Value::Null);
    assert_eq!(pushed.body["status"]["items"][0]["image"], D1);
    assert_eq!(pushed.body["image"]["metadata"]["name"], D1);
    let list = api.get(ITAG).await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["python:3.6", "python:next"]);
    assert_eq!(
        list.body["items"][0]["image"],
        Value::Null,
        "LIST leaves images out"
    );
    api.get(&format!("{ITAG}/python:none"))
        .await
        .expect(404, Some("NotFound"));
    let bad = api.get(&format!("{ITAG}/python")).await;
    bad.expect(400, Some("BadRequest"));
    assert_eq!(
        bad.message(),
        "ImageTags must be retrieved with <name>:<tag>"
    );
}

#[tokio::test]
async fn image_tag_writes_need_a_matching_spec_and_null_removes_it() {
    let api = Api::new().await;
    python_with_image(&api).await;
    let missing = api
        .post(ITAG, json!({"metadata": {"name": "python:x"}}))
        .await;
    missing.expect(422, Some("Invalid"));
    assert!(
        missing
            .message()
            .ends_with("spec: Required value: spec is a required field during creation"),
        "{}",
        missing.message()
    );
    let mut spec = docker_tag("docker.io/python:3.13");
    spec["name"] = "other".into();
    let mismatch = api
        .post(
            ITAG,
            json!({"metadata": {"name": "python:x"}, "spec": spec}),
        )
        .await;
    mismatch.expect(422, Some("Invalid"));
    assert!(
        mismatch.message().contains("must match image tag name"),
        "{}",
        mismatch.message()
    );
    api.post(
        ITAG,
        json!({"metadata": {"name": "python:3.6"}, "spec": docker_tag("docker.io/python:3.6")}),
    )
    .await
    .expect(201, None);
    let cleared = api
        .put(
            &format!("{ITAG}/python:3.6"),
            json!({"metadata": {"name": "python:3.6"}, "spec": null}),
        )
        .await;
    cleared.expect(200, None);
    assert_eq!(cleared.body["spec"], Value::Null);
    assert_eq!(
        cleared.body["status"]["items"][0]["image"], D1,
        "the history stays"
    );
    api.delete(&format!("{ITAG}/python:3.6"))
        .await
        .expect(200, None);
    api.get(&format!("{ITAG}/python:3.6"))
        .await
        .expect(404, Some("NotFound"));
}
