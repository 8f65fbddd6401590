//! Lists (label and field selectors, limit/continue, all namespaces) and watches (initial
//! state, resume from a resourceVersion, 410 once compacted, selectors, timeout).

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::{Api, IS};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tower::ServiceExt;

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn lists_are_sorted_and_filtered_by_labels_and_fields() {
    let api = Api::new().await;
    for (n, team) in [("c", "x"), ("a", "x"), ("b", "y")] {
        api.stream(n, json!({"team": team})).await;
    }
    let all = api.get(IS).await;
    all.expect(200, None);
    assert_eq!(all.body["kind"], "ImageStreamList");
    assert_eq!(all.body["apiVersion"], "image.openshift.io/v1");
    assert_eq!(names(&all.body), ["a", "b", "c"]);
    assert!(
        all.body["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert_eq!(
        names(&api.get(&format!("{IS}?labelSelector=team%3Dx")).await.body),
        ["a", "c"]
    );
    assert_eq!(
        names(
            &api.get(&format!("{IS}?labelSelector=team%20in%20(y)"))
                .await
                .body
        ),
        ["b"]
    );
    assert_eq!(
        names(
            &api.get(&format!("{IS}?fieldSelector=metadata.name%3Db"))
                .await
                .body
        ),
        ["b"]
    );
    api.get(&format!("{IS}?fieldSelector=spec.x%3D1"))
        .await
        .expect(400, Some("BadRequest"));
}

#[tokio::test]
async fn limit_and_continue_page_through_everything_once() {
    let api = Api::new().await;
    for i in 0..7 {
        api.stream(&format!("s{i}"), json!({"odd": (i % 2).to_string()}))
            .await;
    }
    let mut seen = Vec::new();
    let mut uri = format!("{IS}?limit=3");
    loop {
        let page = api.get(&uri).await;
        page.expect(200, None);
        let got = names(&page.body);
        assert!(got.len() <= 3);
        seen.extend(got);
        match page.body["metadata"]["continue"].as_str() {
            Some(c) => uri = format!("{IS}?limit=3&continue={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["s0", "s1", "s2", "s3", "s4", "s5", "s6"]);
    // With a selector, pages are filled from further on.
    let odd = api
        .get(&format!("{IS}?limit=2&labelSelector=odd%3D1"))
        .await;
    assert_eq!(names(&odd.body), ["s1", "s3"]);
    let c = odd.body["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    let rest = api
        .get(&format!("{IS}?limit=2&labelSelector=odd%3D1&continue={c}"))
        .await;
    assert_eq!(names(&rest.body), ["s5"]);
    assert!(rest.body["metadata"].get("continue").is_none());
    api.get(&format!("{IS}?continue=zz"))
        .await
        .expect(400, Some("BadRequest"));
}

#[tokio::test]
async fn lists_across_namespaces() {
    let api = Api::new().await;
    api.post("/api/v1/namespaces", json!({"metadata": {"name": "other"}}))
        .await
        .expect(201, None);
    api.stream("mine", json!({})).await;
    api.post(
        "/apis/image.openshift.io/v1/namespaces/other/imagestreams",
        json!({"metadata": {"name": "theirs"}}),
    )
    .await
    .expect(201, None);
    let all = api.get("/apis/image.openshift.io/v1/imagestreams").await;
    assert_eq!(names(&all.body), ["mine", "theirs"]);
    assert_eq!(names(&api.get(IS).await.body), ["mine"]);
}

/// Reads watch events until `n` arrived or the stream ended.
async fn watch(server: &wharf_apiserver::ApiServer, uri: &str, n: usize) -> Vec<Value> {
    let resp = wharf_apiserver::router(server.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.into_body().into_data_stream();
    let mut buf = Vec::new();
    let mut events = Vec::new();
    while events.len() < n {
        match tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("watch event in time")
        {
            Some(chunk) => buf.extend_from_slice(&chunk.unwrap()),
            None => break,
        }
        while let Some(i) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=i).collect();
            events.push(serde_json::from_slice(&line).unwrap());
        }
    }
    events
}

#[tokio::test]
async fn a_watch_starts_with_the_current_state_then_follows_changes() {
    let api = Api::new().await;
    api.stream("before", json!({})).await;
    let watcher = {
        let api_server = api.server.clone();
        let uri = format!("{IS}?watch=1");
        tokio::spawn(async move { watch(&api_server, &uri, 4).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    api.stream("during", json!({})).await;
    api.patch(
        &format!("{IS}/during"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"x": "y"}}}),
    )
    .await;
    api.delete(&format!("{IS}/during")).await;
    let events = watcher.await.unwrap();
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().into(),
                e["object"]["metadata"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        summary,
        [
            s("ADDED", "before"),
            s("ADDED", "during"),
            s("MODIFIED", "during"),
            s("DELETED", "during")
        ]
    );
    assert!(events
        .iter()
        .all(|e| e["object"]["metadata"]["resourceVersion"].is_string()));
}

#[tokio::test]
async fn a_watch_resumes_after_a_resource_version_and_honours_selectors() {
    let api = Api::new().await;
    let rv = api.stream("old", json!({"k": "v"})).await.rv();
    api.stream("new", json!({"k": "v"})).await;
    api.stream("other", json!({"k": "w"})).await;
    let events = watch(
        &api.server,
        &format!("{IS}?watch=true&resourceVersion={rv}&labelSelector=k%3Dv&timeoutSeconds=1"),
        5,
    )
    .await;
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["object"]["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["new"],
        "only changes after {rv} that match the selector; the stream ends at the timeout"
    );
}

#[tokio::test]
async fn a_watch_from_a_compacted_version_ends_with_410_expired() {
    let api = Api::new().await;
    let rv = api.stream("a", json!({})).await.rv();
    api.stream("b", json!({})).await;
    api.stream("c", json!({})).await;
    api.server.store.compact_changes(1).await.unwrap();
    let events = watch(
        &api.server,
        &format!("{IS}?watch=1&resourceVersion={rv}"),
        1,
    )
    .await;
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    assert_eq!(events[0]["object"]["reason"], "Expired");
}

#[tokio::test]
async fn discovery_describes_groups_versions_and_resources() {
    let api = Api::new().await;
    let core = api.get("/api").await;
    assert_eq!(core.body["versions"], json!(["v1"]));
    let groups = api.get("/apis").await;
    assert_eq!(groups.body["groups"][0]["name"], "image.openshift.io");
    assert_eq!(
        groups.body["groups"][0]["preferredVersion"]["groupVersion"],
        "image.openshift.io/v1"
    );
    api.get("/apis/image.openshift.io").await.expect(200, None);
    let res = api.get("/apis/image.openshift.io/v1").await;
    let list = res.body["resources"].as_array().unwrap();
    let is = list.iter().find(|r| r["name"] == "imagestreams").unwrap();
    assert_eq!(is["kind"], "ImageStream");
    assert_eq!(is["namespaced"], true);
    assert_eq!(is["shortNames"], json!(["is"]));
    assert!(list.iter().any(|r| r["name"] == "imagestreams/status"));
    let images = list.iter().find(|r| r["name"] == "images").unwrap();
    assert_eq!(images["namespaced"], false);
    let v1 = api.get("/api/v1").await;
    assert!(v1.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "namespaces"));
    assert_eq!(api.get("/version").await.body["major"], "1");
    api.get("/apis/nope.example.com/v1")
        .await
        .expect(404, Some("NotFound"));
    api.get("/apis/image.openshift.io/v1/namespaces/demo/widgets")
        .await
        .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn openapi_v3_tells_kubectl_the_server_validates_fields() {
    let api = Api::new().await;
    let root = api.get("/openapi/v3").await;
    let url = root.body["paths"]["apis/image.openshift.io/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = api.get(&url).await;
    doc.expect(200, None);
    let patch = &doc.body["paths"]
        ["/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreams/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "ImageStream"
    );
    assert!(patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "fieldValidation"));
    api.get("/openapi/v3/apis/nope/v1")
        .await
        .expect(404, Some("NotFound"));
}

#[tokio::test]
async fn a_watch_delivers_every_existing_object_however_many() {
    let api = Api::new().await;
    for i in 0..150 {
        api.stream(&format!("s{i:03}"), json!({})).await;
    }
    let events = watch(&api.server, &format!("{IS}?watch=1&timeoutSeconds=2"), 150).await;
    assert_eq!(events.len(), 150);
    assert!(events.iter().all(|e| e["type"] == "ADDED"));
}

#[tokio::test]
async fn kubectl_style_requests_get_tables_with_ocs_columns() {
    let api = Api::new().await;
    api.stream("app", json!({})).await;
    let t = api.get_table(IS).await;
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["columnDefinitions"][1]["name"], "Image Repository");
    assert_eq!(t["rows"][0]["cells"][0], "app");
    assert!(t["metadata"]["resourceVersion"].is_string());
    let one = api.get_table(&format!("{IS}/app")).await;
    assert_eq!(one["rows"].as_array().unwrap().len(), 1);
}
