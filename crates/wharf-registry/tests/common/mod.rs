//! In-process HTTP harness: a registry on temp-dir stores, driven through the axum router
//! without a socket.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wharf_domain::Digest;
use wharf_registry::{Limits, Registry};
use wharf_storage::fs::FsBlobStore;
use wharf_storage::sqlite::SqliteMetaStore;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

pub struct Harness {
    pub registry: Registry,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The first error code of an OCI error body.
    pub fn code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Asserts the status, and that an error reply carries the spec's error body with `code`.
    pub fn expect(&self, status: u16, code: Option<&str>) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if let Some(code) = code {
            assert_eq!(
                self.code(),
                code,
                "body: {}",
                String::from_utf8_lossy(&self.body)
            );
            assert!(self.json()["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
        }
        assert_eq!(
            self.header("docker-distribution-api-version"),
            Some("registry/2.0")
        );
        self
    }
}

impl Harness {
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(
            Arc::new(FsBlobStore::open(dir.path()).unwrap()),
            Arc::new(SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap()),
            limits,
        );
        Harness {
            registry,
            _dir: dir,
        }
    }

    /// The same stores, with a fresh blob store instance: what a restarted server sees
    /// (in-memory caches gone, files and database kept).
    pub fn restarted(&self) -> Registry {
        Registry::new(
            Arc::new(FsBlobStore::open(self._dir.path()).unwrap()),
            self.registry.meta.clone(),
            self.registry.limits.clone(),
        )
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> Reply {
        send_to(&self.registry, method, uri, headers, body).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Method::GET, uri, &[], Body::empty()).await
    }

    /// Starts an upload in `repo`; returns its Location.
    pub async fn start_upload(&self, repo: &str) -> String {
        let r = self
            .send(
                Method::POST,
                &format!("/v2/{repo}/blobs/uploads/"),
                &[],
                Body::empty(),
            )
            .await;
        r.expect(202, None);
        r.header("location").unwrap().to_string()
    }

    /// Pushes a blob monolithically; returns its digest.
    pub async fn push_blob(&self, repo: &str, data: &[u8]) -> Digest {
        let d = Digest::sha256_of(data);
        self.send(
            Method::POST,
            &format!("/v2/{repo}/blobs/uploads/?digest={d}"),
            &[],
            data.to_vec(),
        )
        .await
        .expect(201, None);
        d
    }

    /// Pushes a manifest; returns the reply.
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        body: &[u8],
    ) -> Reply {
        self.send(
            Method::PUT,
            &format!("/v2/{repo}/manifests/{reference}"),
            &[("content-type", media_type)],
            body.to_vec(),
        )
        .await
    }

    /// Pushes a config and one layer, then an image manifest of `media_type` tagged `tag`.
    /// Returns (manifest digest, manifest bytes).
    pub async fn push_image(
        &self,
        repo: &str,
        tag: &str,
        media_type: &str,
        seed: &str,
    ) -> (Digest, Vec<u8>) {
        let config = json!({"architecture": "amd64", "os": "linux", "seed": seed}).to_string();
        let layer = format!("layer-{seed}");
        let c = self.push_blob(repo, config.as_bytes()).await;
        let l = self.push_blob(repo, layer.as_bytes()).await;
        let (config_type, layer_type) = if media_type == DOCKER_MANIFEST {
            (
                "application/vnd.docker.container.image.v1+json",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
            )
        } else {
            (
                "application/vnd.oci.image.config.v1+json",
                "application/vnd.oci.image.layer.v1.tar",
            )
        };
        let m = json!({
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {"mediaType": config_type, "digest": c.to_string(), "size": config.len()},
            "layers": [{"mediaType": layer_type, "digest": l.to_string(), "size": layer.len()}],
        })
        .to_string()
        .into_bytes();
        let reply = self.put_manifest(repo, tag, media_type, &m).await;
        reply.expect(201, None);
        (Digest::sha256_of(&m), m)
    }
}

/// An index of `media_type` listing `children` (digest, size, media type, architecture).
pub fn index(media_type: &str, children: &[(&Digest, usize, &str, &str)]) -> Vec<u8> {
    let manifests: Vec<Value> = children
        .iter()
        .map(|(d, size, mt, arch)| {
            json!({"mediaType": mt, "digest": d.to_string(), "size": size,
                   "platform": {"architecture": arch, "os": "linux"}})
        })
        .collect();
    json!({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests})
        .to_string()
        .into_bytes()
}

/// Sends one request through the router of `registry`.
pub async fn send_to(
    registry: &Registry,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = wharf_registry::router(registry.clone())
        .oneshot(req.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}
