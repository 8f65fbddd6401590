//! Pull-through (spec §4): the registry serves imported images it does not hold. A manifest
//! comes from the imported Image itself (`dockerImageManifest`, checked against its digest),
//! so it never needs the source again; a blob is fetched once from the source registry the
//! image was imported from, verified on commit, kept, and linked to the repository — later
//! pulls are local, and concurrent pulls of one blob wait for a single fetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use futures_util::StreamExt;
use serde_json::Value;
use wharf_domain::imagestream::{current_event, TagEvent};
use wharf_domain::import::credentials::{credential_for, credentials_from_secret};
use wharf_domain::import::{repository_path, with_defaults, ANNOTATION_INSECURE_REPOSITORY};
use wharf_domain::{reference, Digest, Reference, RepoName};
use wharf_import::{Endpoint, RegistryClient};
use wharf_registry::error::OciError;
use wharf_registry::PullThrough;
use wharf_storage::{BlobStore, StoredManifest};

use crate::mapping::{registry_secrets, stream_images, stream_images_where};
use crate::resources::find;
use crate::ApiServer;

/// The image API's [`PullThrough`].
pub struct ImagePullThrough {
    api: ApiServer,
    blobs: Arc<dyn BlobStore>,
    /// One lock per blob being fetched, so concurrent pulls fetch it once.
    fetching: Mutex<HashMap<Digest, Arc<tokio::sync::Mutex<()>>>>,
}

fn internal(e: impl std::fmt::Display) -> OciError {
    OciError::internal("pull-through", e)
}

fn source_failed(source: &str, e: impl std::fmt::Display) -> OciError {
    OciError::new(
        StatusCode::BAD_GATEWAY,
        "UNKNOWN",
        format!("cannot pull through from {source}: {e}"),
    )
}

impl ImagePullThrough {
    pub fn new(api: ApiServer, blobs: Arc<dyn BlobStore>) -> Self {
        ImagePullThrough {
            api,
            blobs,
            fetching: Mutex::new(HashMap::new()),
        }
    }

    /// The stream a `<namespace>/<name>` repository mirrors.
    async fn stream(&self, repo: &RepoName) -> Result<Option<Value>, OciError> {
        let Some((ns, name)) = repo.as_str().split_once('/') else {
            return Ok(None);
        };
        let streams = find("image.openshift.io", "v1", "imagestreams").expect("served");
        Ok(self
            .api
            .store
            .get_object(&streams.key(ns, name))
            .await
            .map_err(internal)?
            .map(|o| o.value))
    }

    async fn image(&self, digest: &str) -> Result<Option<Value>, OciError> {
        let images = find("image.openshift.io", "v1", "images").expect("served");
        Ok(self
            .api
            .store
            .get_object(&images.key("", digest))
            .await
            .map_err(internal)?
            .map(|o| o.value))
    }

    /// The image of the stream that references blob `digest`, if any. Images pushed to this
    /// very repository are skipped without being read: their blobs are linked here already,
    /// so a miss (every HEAD a pushing client makes) costs one read of the stream.
    async fn image_with_blob(
        &self,
        stream: &Value,
        digest: &str,
    ) -> Result<Option<Value>, OciError> {
        let own = stream
            .pointer("/status/dockerImageRepository")
            .and_then(Value::as_str)
            .map(|r| format!("{r}@"))
            .unwrap_or_default();
        let pushed_here =
            |e: &TagEvent| !own.is_empty() && e.docker_image_reference.starts_with(&own);
        let ids = stream_images_where(&self.api, stream, |e| !pushed_here(e))
            .await
            .map_err(|e| internal(e.message))?;
        for id in ids {
            let Some(image) = self.image(&id).await? else {
                continue;
            };
            let in_layers = image["dockerImageLayers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| l["name"].as_str() == Some(digest));
            let is_config = image
                .pointer("/dockerImageMetadata/Id")
                .and_then(Value::as_str)
                == Some(digest);
            if in_layers || is_config {
                return Ok(Some(image));
            }
        }
        Ok(None)
    }

    /// Whether the stream asks for plain HTTP or unverified TLS to `registry`.
    fn insecure(stream: &Value, registry: &str) -> bool {
        let annotation = stream
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(ANNOTATION_INSECURE_REPOSITORY))
            .and_then(Value::as_str)
            == Some("true");
        annotation
            || stream
                .pointer("/spec/tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|t| t.pointer("/importPolicy/insecure") == Some(&Value::Bool(true)))
                .filter_map(|t| t.pointer("/from/name").and_then(Value::as_str))
                .filter_map(|n| reference::parse(n).ok())
                .any(|r| with_defaults(r).registry == registry)
    }

    async fn fetch(
        &self,
        repo: &RepoName,
        stream: &Value,
        image: &Value,
        digest: &Digest,
    ) -> Result<(), OciError> {
        let source = image["dockerImageReference"].as_str().unwrap_or("");
        let r = reference::parse(source)
            .map(with_defaults)
            .map_err(|e| source_failed(source, e))?;
        let ns = repo.as_str().split('/').next().unwrap_or("");
        let (secrets, _) = registry_secrets(&self.api, ns)
            .await
            .map_err(|e| internal(e.message))?;
        let credentials: Vec<_> = secrets.iter().flat_map(credentials_from_secret).collect();
        let path = repository_path(&r);
        let credential = credential_for(&credentials, &r.registry, &path);
        let client = RegistryClient::new(Endpoint {
            registry: r.registry.clone(),
            insecure: Self::insecure(stream, &r.registry),
            credentials: credential.map(|c| (c.username.clone(), c.password.clone())),
        });
        let (_, body) = client
            .blob_stream(&path, &digest.to_string())
            .await
            .map_err(|e| source_failed(source, e))?;
        let body: wharf_storage::ByteStream =
            Box::pin(body.map(|chunk| chunk.map_err(std::io::Error::other)));
        let id = uuid::Uuid::new_v4().to_string();
        self.blobs.create_upload(&id).await.map_err(internal)?;
        let stored = async {
            self.blobs.append_upload(&id, 0, body).await?;
            self.blobs.commit_upload(&id, digest).await
        }
        .await;
        match stored {
            Ok(size) => {
                tracing::info!(%repo, %digest, size, source, "pulled through");
                Ok(())
            }
            Err(e) => {
                let _ = self.blobs.cancel_upload(&id).await;
                Err(source_failed(source, e))
            }
        }
    }
}

#[async_trait::async_trait]
impl PullThrough for ImagePullThrough {
    async fn manifest(
        &self,
        repo: &RepoName,
        reference: &Reference,
    ) -> Result<Option<StoredManifest>, OciError> {
        let Some(stream) = self.stream(repo).await? else {
            return Ok(None);
        };
        let digest = match reference {
            Reference::Tag(t) => {
                let tags = wharf_domain::imagestream::status_tags(&stream);
                match current_event(&tags, t.as_str()) {
                    Some(e) => e.image.clone(),
                    None => return Ok(None),
                }
            }
            Reference::Digest(d) => {
                let d = d.to_string();
                let ids = stream_images(&self.api, &stream)
                    .await
                    .map_err(|e| internal(e.message))?;
                if !ids.contains(&d) {
                    return Ok(None);
                }
                d
            }
        };
        let Some(image) = self.image(&digest).await? else {
            return Ok(None);
        };
        let Some(manifest) = image["dockerImageManifest"].as_str() else {
            return Ok(None);
        };
        let Ok(expected) = digest.parse::<Digest>() else {
            return Ok(None);
        };
        let content = bytes::Bytes::copy_from_slice(manifest.as_bytes());
        if Digest::of(expected.algorithm(), &content) != expected {
            // Stored bytes that are not what their name says are never served.
            return Err(internal(format!(
                "the stored manifest of image {digest} does not match its digest"
            )));
        }
        let media_type = image["dockerImageManifestMediaType"]
            .as_str()
            .unwrap_or("")
            .to_string();
        Ok(Some(StoredManifest {
            digest: expected,
            media_type,
            content,
        }))
    }

    async fn blob(&self, repo: &RepoName, digest: &Digest) -> Result<bool, OciError> {
        let Some(stream) = self.stream(repo).await? else {
            return Ok(false);
        };
        let Some(image) = self.image_with_blob(&stream, &digest.to_string()).await? else {
            return Ok(false);
        };
        let lock = {
            let mut fetching = self.fetching.lock().unwrap_or_else(|e| e.into_inner());
            fetching.entry(digest.clone()).or_default().clone()
        };
        let result = async {
            let _guard = lock.lock().await;
            if self.blobs.stat(digest).await.map_err(internal)?.is_none() {
                self.fetch(repo, &stream, &image, digest).await?;
            }
            let size = self
                .blobs
                .stat(digest)
                .await
                .map_err(internal)?
                .ok_or_else(|| internal(format!("{digest} vanished after it was fetched")))?;
            self.api
                .store
                .link_blob(repo, digest, size)
                .await
                .map_err(internal)
        }
        .await;
        {
            let mut fetching = self.fetching.lock().unwrap_or_else(|e| e.into_inner());
            if Arc::strong_count(&lock) <= 2 {
                fetching.remove(digest);
            }
        }
        result.map(|()| true)
    }
}
