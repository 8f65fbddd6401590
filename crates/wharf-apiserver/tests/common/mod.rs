//! In-process harness: the API router over a SQLite MetaStore in a temp dir.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wharf_apiserver::ApiServer;
use wharf_storage::sqlite::SqliteMetaStore;

pub struct Api {
    pub server: ApiServer,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// Asserts the status; for an error, that the body is a Status with `reason`.
    pub fn expect(&self, status: u16, reason: Option<&str>) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        if let Some(reason) = reason {
            assert_eq!(self.body["kind"], "Status", "{}", self.body);
            assert_eq!(self.body["status"], "Failure");
            assert_eq!(self.body["reason"], reason, "{}", self.body);
            assert_eq!(self.body["code"], status);
        }
        self
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }

    pub fn rv(&self) -> String {
        self.body["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

pub const IS: &str = "/apis/image.openshift.io/v1/namespaces/demo/imagestreams";

impl Api {
    pub async fn new() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap());
        let api = Api {
            server: ApiServer {
                store,
                registry_hostname: "registry.test:5000".into(),
                importer: Default::default(),
                auth: wharf_apiserver::auth::Auth::disabled(),
            },
            _dir: dir,
        };
        api.send(
            Method::POST,
            "/api/v1/namespaces",
            None,
            Some(json!({"metadata": {"name": "demo"}})),
        )
        .await
        .expect(201, None);
        api
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
        let resp = wharf_apiserver::router(self.server.clone())
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// A GET asking for a Table, as kubectl asks.
    pub async fn get_table(&self, uri: &str) -> Value {
        let req = Request::get(uri)
            .header(
                "accept",
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            )
            .body(Body::empty())
            .unwrap();
        let resp = wharf_apiserver::router(self.server.clone())
            .oneshot(req)
            .await
            .unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Method::GET, uri, None, None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.send(Method::POST, uri, None, Some(body)).await
    }

    pub async fn put(&self, uri: &str, body: Value) -> Reply {
        self.send(Method::PUT, uri, None, Some(body)).await
    }

    pub async fn patch(&self, uri: &str, content_type: &str, body: Value) -> Reply {
        self.send(Method::PATCH, uri, Some(content_type), Some(body))
            .await
    }

    pub async fn delete(&self, uri: &str) -> Reply {
        self.send(Method::DELETE, uri, None, None).await
    }

    /// Creates image stream `name` in `demo` with `labels`.
    pub async fn stream(&self, name: &str, labels: Value) -> Reply {
        let r = self.post(IS, json!({"metadata": {"name": name, "labels": labels}, "spec": {"lookupPolicy": {"local": false}}})).await;
        r.expect(201, None);
        r
    }
}
