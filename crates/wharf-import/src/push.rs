//! The pushing half of talking to a registry, for `wharf image mirror`: does a blob exist,
//! mount it from another repository, stream a blob up, put a manifest. oci-client does the
//! protocol (token and Basic auth, upload sessions); the scheme is decided here as
//! [`crate::client::RegistryClient`] does it (HTTPS first, plain HTTP only when insecure).

pub use bytes::Bytes;
use bytes::BytesMut;
use futures_util::{Stream, StreamExt};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use tokio::sync::OnceCell;

use crate::client::{classify, Endpoint, FetchError};

/// Upload chunk size when the blob's length is unknown (a chunked upload, one PATCH each).
const CHUNK: usize = 4 << 20;

/// A client that writes to one registry as one identity.
pub struct Pusher {
    endpoint: Endpoint,
    auth: RegistryAuth,
    /// (client for monolithic streamed PUTs, whether the scheme is plain HTTP)
    client: OnceCell<Result<Client, FetchError>>,
}

impl Pusher {
    pub fn new(endpoint: Endpoint) -> Self {
        crate::client::install_crypto_provider();
        let auth = endpoint.auth();
        Pusher {
            endpoint,
            auth,
            client: OnceCell::new(),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn client(&self) -> Result<&Client, FetchError> {
        let made = self
            .client
            .get_or_init(|| {
                self.endpoint.connect(|config| {
                    // A known length goes up in one streamed PUT; unknown lengths use
                    // `push_blob_stream_chunked`, which ignores this.
                    config.use_monolithic_push = true;
                    config.read_timeout = Some(std::time::Duration::from_secs(120));
                })
            })
            .await;
        made.as_ref().map_err(Clone::clone)
    }

    fn reference(&self, repository: &str, reference: &str) -> Reference {
        self.endpoint.reference(repository, reference)
    }

    /// The client, with our identity stored and a push token fetched for `r`.
    async fn authed(&self, r: &Reference) -> Result<&Client, FetchError> {
        let client = self.client().await?;
        client
            .auth(r, &self.auth, RegistryOperation::Push)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(client)
    }

    fn classify(&self, e: OciDistributionError) -> FetchError {
        classify(e, self.endpoint.credentials.is_some())
    }

    /// Whether `repository` already has blob `digest` (HEAD).
    pub async fn blob_exists(&self, repository: &str, digest: &str) -> Result<bool, FetchError> {
        let r = self.reference(repository, digest);
        let client = self.authed(&r).await?;
        client
            .blob_exists(&r, digest)
            .await
            .map_err(|e| self.classify(e))
    }

    /// Asks the registry to mount `digest` from `from` (same registry) into `repository`;
    /// `Ok(false)` when it would not (the spec lets it start an upload instead).
    pub async fn mount_blob(
        &self,
        repository: &str,
        from: &str,
        digest: &str,
    ) -> Result<bool, FetchError> {
        let r = self.reference(repository, digest);
        let source = self.reference(from, digest);
        let client = self.authed(&r).await?;
        match client.mount_blob(&r, &source, digest).await {
            Ok(()) => Ok(true),
            // 202 with an upload location: not mounted.
            Err(OciDistributionError::SpecViolationError(_))
            | Err(OciDistributionError::ServerError { code: 202, .. }) => Ok(false),
            Err(e) => Err(self.classify(e)),
        }
    }

    /// Uploads blob `digest` from `data`, streamed: one PUT when `length` is known, chunked
    /// PATCHes of at most 4 MiB otherwise. The registry checks the digest when the upload
    /// is committed. `on_chunk` hears the length of every chunk as it is read (progress).
    pub async fn push_blob_stream(
        &self,
        repository: &str,
        digest: &str,
        length: Option<u64>,
        data: impl Stream<Item = Result<Bytes, FetchError>> + Send + 'static,
        mut on_chunk: impl FnMut(usize) + Send + 'static,
    ) -> Result<(), FetchError> {
        let r = self.reference(repository, digest);
        let client = self.authed(&r).await?;
        let data = data.map(move |chunk| match chunk {
            Ok(b) => {
                on_chunk(b.len());
                Ok(b)
            }
            Err(e) => Err(OciDistributionError::GenericError(Some(e.to_string()))),
        });
        match length {
            Some(n) => {
                client
                    .push_blob_stream(&r, data, digest, Some(n))
                    .await
                    .map_err(|e| self.classify(e))?;
            }
            None => {
                let pushed = client
                    .push_blob_stream_chunked(&r, rechunk(data))
                    .await
                    .map_err(|e| self.classify(e))?;
                if pushed.blob_digest != digest {
                    return Err(FetchError::Integrity {
                        expected: digest.into(),
                        actual: pushed.blob_digest,
                    });
                }
            }
        }
        Ok(())
    }

    /// Puts a manifest (its exact bytes) under `reference` (a tag or its digest).
    pub async fn push_manifest(
        &self,
        repository: &str,
        reference: &str,
        bytes: Bytes,
        media_type: &str,
    ) -> Result<(), FetchError> {
        let r = self.reference(repository, reference);
        let client = self.authed(&r).await?;
        let content_type = reqwest::header::HeaderValue::from_str(media_type)
            .map_err(|e| FetchError::Other(format!("media type {media_type:?}: {e}")))?;
        client
            .push_manifest_raw(&r, bytes, content_type)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(())
    }
}

/// Joins small chunks into pieces of up to [`CHUNK`] bytes, so a chunked upload is not one
/// PATCH per network read.
fn rechunk(
    data: impl Stream<Item = oci_client::errors::Result<Bytes>> + Send + 'static,
) -> impl Stream<Item = oci_client::errors::Result<Bytes>> + Send + 'static {
    let state = (Box::pin(data), BytesMut::new(), false);
    futures_util::stream::unfold(state, |(mut data, mut buf, done)| async move {
        if done {
            return None;
        }
        loop {
            match data.next().await {
                Some(Ok(b)) => {
                    buf.extend_from_slice(&b);
                    if buf.len() >= CHUNK {
                        let out = buf.split().freeze();
                        return Some((Ok(out), (data, buf, false)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), (data, buf, true))),
                None if buf.is_empty() => return None,
                None => {
                    let out = buf.split().freeze();
                    return Some((Ok(out), (data, buf, true)));
                }
            }
        }
    })
}
