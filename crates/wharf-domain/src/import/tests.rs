use serde_json::{json, Value};

use super::*;

fn messages(isi: Value) -> Vec<String> {
    validate(&isi)
        .into_iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect()
}

#[test]
fn validation_texts_are_openshifts() {
    assert_eq!(
        messages(json!({"metadata": {"name": "is"}, "spec": {}})),
        ["spec.images: Invalid value: \"null\": you must specify at least one image or a repository import"]
    );
    assert_eq!(
        messages(json!({"metadata": {"name": "is"}, "spec": {"images": [
            {"from": {"kind": "ImageStreamTag", "name": "x:1"}},
            {"from": {"kind": "DockerImage", "name": ""}, "to": {"name": ""}},
            {"from": {"kind": "DockerImage", "name": "a@sha256:0123456789abcdef0123456789abcdef"}, "importPolicy": {"scheduled": true}},
            {"from": {"kind": "DockerImage", "name": "a:1"}, "importPolicy": {"importMode": "Bogus"}},
        ]}})),
        [
            "spec.images[0].from.kind: Invalid value: \"ImageStreamTag\": only DockerImage is supported",
            "spec.images[1].to.name: Invalid value: \"\": the name of the target tag must be specified",
            "spec.images[1].from.name: Required value",
            "spec.images[2].from.name: Invalid value: \"a@sha256:0123456789abcdef0123456789abcdef\": only tags can be scheduled for import",
            "spec.images[3].importPolicy.importMode: Invalid value: \"Bogus\": invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'",
        ]
    );
    assert_eq!(
        messages(json!({"metadata": {"name": "Bad"}, "spec": {"repository": {"from": {"kind": "DockerImage", "name": "quay.io/a/b:1"}}}})),
        [
            "spec.repository.from.name: Invalid value: \"quay.io/a/b:1\": you must specify an image repository, not a tag or ID",
            "metadata.name: Invalid value: \"Bad\": must match \"[a-z0-9]+(?:[._-][a-z0-9]+)*\"",
        ]
    );
    assert!(messages(json!({"metadata": {"name": "is"}, "spec": {"images": [{"from": {"kind": "DockerImage", "name": "busybox"}}]}})).is_empty());
}

#[test]
fn defaults_name_docker_hub_library_and_latest() {
    let r = with_defaults(reference::parse("busybox").unwrap());
    assert_eq!(r.exact(), "docker.io/library/busybox:latest");
    let r = with_defaults(
        reference::parse("quay.io/a/b@sha256:0123456789abcdef0123456789abcdef").unwrap(),
    );
    assert_eq!(
        r.exact(),
        "quay.io/a/b@sha256:0123456789abcdef0123456789abcdef"
    );
    assert_eq!(repository_path(&r), "a/b");
    let d = "sha256:0123456789abcdef0123456789abcdef";
    assert_eq!(
        most_specific("quay.io/a/b:1", d),
        format!("quay.io/a/b@{d}")
    );
}

fn ok(tag: &str, digest: &str) -> TagImport {
    TagImport {
        tag: tag.into(),
        from: format!("src.example/app:{tag}"),
        import_policy: json!({"importMode": "Legacy"}),
        reference_policy: json!({"type": "Source"}),
        outcome: Ok(ImportedImage {
            name: digest.into(),
            reference: format!("src.example/app@{digest}"),
        }),
    }
}

fn failed(tag: &str, reason: &str, message: &str) -> TagImport {
    TagImport {
        outcome: Err(ImportFailure::new(reason, message)),
        ..ok(tag, "sha256:unused")
    }
}

fn stream() -> Value {
    json!({"metadata": {"name": "app", "namespace": "ns", "generation": 1}, "spec": {}, "status": {}})
}

#[test]
fn a_success_writes_the_spec_tag_and_a_tag_event() {
    let mut s = stream();
    apply(&mut s, &[ok("1", "sha256:aa")], 2, "2026-11-23T00:00:00Z");
    assert_eq!(
        s["spec"]["tags"][0]["from"],
        json!({"kind": "DockerImage", "name": "src.example/app:1"})
    );
    assert_eq!(
        s["spec"]["tags"][0]["generation"], 0,
        "the update rules make it the next generation"
    );
    assert_eq!(s["spec"]["tags"][0]["referencePolicy"]["type"], "Source");
    let events = &s["status"]["tags"][0];
    assert_eq!(events["tag"], "1");
    assert_eq!(
        events["items"][0]["dockerImageReference"],
        "src.example/app@sha256:aa"
    );
    assert_eq!(events["items"][0]["generation"], 2);
}

#[test]
fn an_unchanged_reimport_adds_no_event_but_sets_the_import_policy() {
    let mut s = stream();
    apply(&mut s, &[ok("1", "sha256:aa")], 2, "t1");
    s["spec"]["tags"][0]["generation"] = 2.into();
    s["spec"]["tags"][0]["referencePolicy"] = json!({"type": "Local"});
    let mut again = ok("1", "sha256:aa");
    again.import_policy = json!({"importMode": "Legacy", "scheduled": true});
    apply(&mut s, &[again], 3, "t2");
    assert_eq!(s["status"]["tags"][0]["items"].as_array().unwrap().len(), 1);
    assert_eq!(s["status"]["tags"][0]["items"][0]["created"], "t1");
    assert_eq!(
        s["spec"]["tags"][0]["generation"], 2,
        "nothing new to import"
    );
    assert_eq!(s["spec"]["tags"][0]["importPolicy"]["scheduled"], true);
    assert_eq!(s["spec"]["tags"][0]["referencePolicy"]["type"], "Local");
}

#[test]
fn a_new_digest_is_a_new_event_and_keeps_the_reference_policy() {
    let mut s = stream();
    apply(&mut s, &[ok("1", "sha256:aa")], 2, "t1");
    s["spec"]["tags"][0]["generation"] = 2.into();
    s["spec"]["tags"][0]["referencePolicy"] = json!({"type": "Local"});
    apply(&mut s, &[ok("1", "sha256:bb")], 3, "t2");
    let items = s["status"]["tags"][0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["image"], "sha256:bb");
    assert_eq!(s["spec"]["tags"][0]["referencePolicy"]["type"], "Local");
}

#[test]
fn a_failure_records_a_condition_once_and_keeps_history() {
    let mut s = stream();
    apply(&mut s, &[ok("1", "sha256:aa")], 2, "t1");
    s["spec"]["tags"][0]["generation"] = 2.into();
    apply(&mut s, &[failed("1", "NotFound", "gone")], 3, "t2");
    let tag = &s["status"]["tags"][0];
    assert_eq!(
        tag["items"][0]["image"], "sha256:aa",
        "the last good image stays"
    );
    assert_eq!(tag["conditions"][0]["type"], "ImportSuccess");
    assert_eq!(tag["conditions"][0]["status"], "False");
    assert_eq!(tag["conditions"][0]["reason"], "NotFound");
    assert_eq!(tag["conditions"][0]["generation"], 3);
    assert_eq!(s["spec"]["tags"][0]["generation"], 0);
    s["spec"]["tags"][0]["generation"] = 3.into();
    let before = s.clone();
    apply(&mut s, &[failed("1", "NotFound", "gone")], 4, "t3");
    assert_eq!(s, before, "the same failure again changes nothing");
    assert!(import_request(&json!({"metadata": {"annotations": {ANNOTATION_REPOSITORY_CHECK: "t"}}, "spec": s["spec"], "status": s["status"]})).is_none());
    apply(&mut s, &[ok("1", "sha256:aa")], 4, "t4");
    assert!(
        s["status"]["tags"][0].get("conditions").is_none(),
        "success clears conditions"
    );
}

#[test]
fn a_failure_of_a_new_tag_creates_its_spec_tag() {
    let mut s = stream();
    apply(&mut s, &[failed("2", "Unauthorized", "")], 2, "t");
    assert_eq!(s["spec"]["tags"][0]["name"], "2");
    assert_eq!(
        s["status"]["tags"][0]["conditions"][0]["message"],
        "unknown error prevented import"
    );
    assert!(s["status"]["tags"][0]["items"].is_null());
}

#[test]
fn streams_needing_import_are_found_as_the_controller_finds_them() {
    let tags = json!([
        {"name": "a", "from": {"kind": "DockerImage", "name": "x:a"}, "generation": 1},
        {"name": "b", "from": {"kind": "ImageStreamTag", "name": "a"}, "generation": 1},
        {"name": "c", "from": {"kind": "DockerImage", "name": "x:c"}, "reference": true, "generation": 1},
    ]);
    let s = json!({"metadata": {"name": "s", "namespace": "n", "resourceVersion": "7", "uid": "u"}, "spec": {"tags": tags}});
    let isi = import_request(&s).expect("a pending importable tag");
    assert_eq!(isi["spec"]["images"].as_array().unwrap().len(), 1);
    assert_eq!(isi["spec"]["images"][0]["to"]["name"], "a");
    assert_eq!(isi["metadata"]["resourceVersion"], "7");
    assert!(isi["spec"].get("repository").is_none());

    let full = json!({"metadata": {"name": "s", "annotations": {ANNOTATION_INSECURE_REPOSITORY: "true"}}, "spec": {"dockerImageRepository": "reg/x"}});
    let isi = import_request(&full).unwrap();
    assert_eq!(isi["spec"]["repository"]["from"]["name"], "reg/x");
    assert_eq!(isi["spec"]["repository"]["importPolicy"]["insecure"], true);

    let mut seen = s.clone();
    seen["metadata"]["annotations"] = json!({ANNOTATION_REPOSITORY_CHECK: "t"});
    seen["status"] = json!({"tags": [{"tag": "a", "items": [{"created": "t", "dockerImageReference": "x@sha256:1", "image": "sha256:1", "generation": 1}]}]});
    assert!(
        import_request(&seen).is_none(),
        "imported at its generation"
    );
}

#[test]
fn scheduled_tags_skip_digests_already_imported() {
    let s = json!({"spec": {"tags": [
        {"name": "a", "from": {"kind": "DockerImage", "name": "x:a"}, "generation": 1, "importPolicy": {"scheduled": true}},
        {"name": "d", "from": {"kind": "DockerImage", "name": "x@sha256:0123456789abcdef0123456789abcdef"}, "generation": 1, "importPolicy": {"scheduled": true}},
        {"name": "n", "from": {"kind": "DockerImage", "name": "x:n"}, "generation": 1},
    ]}, "status": {"tags": [{"tag": "d", "items": [{"created": "t", "dockerImageReference": "x@sha256:0123456789abcdef0123456789abcdef", "image": "sha256:0123456789abcdef0123456789abcdef", "generation": 1}]}]}});
    assert_eq!(scheduled_tags(&s), ["a"]);
}

#[test]
fn a_push_notification_finds_the_tags_importing_that_image() {
    let s = json!({"spec": {"tags": [
        {"name": "a", "from": {"kind": "DockerImage", "name": "127.0.0.1:5101/team/app:v1"}},
        {"name": "b", "from": {"kind": "DockerImage", "name": "127.0.0.1:5101/team/app:v2"}},
        {"name": "c", "from": {"kind": "DockerImage", "name": "busybox"}},
        {"name": "d", "from": {"kind": "DockerImage", "name": "127.0.0.1:5101/team/app:v1"}, "reference": true},
    ]}});
    let names = |v: Vec<&Value>| {
        v.iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(tags_importing(&s, "127.0.0.1:5101", "team/app", "v1")),
        ["a"]
    );
    assert_eq!(
        names(tags_importing(&s, "docker.io", "library/busybox", "latest")),
        ["c"]
    );
    assert!(tags_importing(&s, "127.0.0.1:5102", "team/app", "v1").is_empty());
}
