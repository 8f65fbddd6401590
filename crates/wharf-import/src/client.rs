//! One external registry, as an import, a pull-through or a mirror talks to it: which scheme it
//! speaks, who we are there, and manifests, blobs and tags fetched with every byte checked
//! against its digest. oci-client does the protocol (token and Basic auth, Accept headers,
//! digest checks); this module decides the scheme and says what went wrong in OpenShift's
//! words.

use std::sync::Once;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use tokio::sync::OnceCell;

/// Media types an import accepts, lists first (Distribution 404s an OCI manifest unless asked).
pub const ACCEPTED_MANIFESTS: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// Largest manifest or config accepted from a remote registry.
pub const MAX_DOCUMENT: u64 = 8 << 20;

/// What went wrong talking to a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The manifest, blob or repository does not exist there.
    NotFound,
    /// The registry refused us; `with_credentials` says whether we offered any.
    Unauthorized { with_credentials: bool },
    /// HTTPS was required but the registry speaks only HTTP.
    HttpOnly,
    /// Bytes that do not match their digest.
    Integrity { expected: String, actual: String },
    /// Anything else, as text.
    Other(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::NotFound => f.write_str("not found"),
            FetchError::Unauthorized { .. } => f.write_str("unauthorized"),
            FetchError::HttpOnly => f.write_str("the registry speaks only plain HTTP"),
            FetchError::Integrity { expected, actual } => {
                write!(
                    f,
                    "content integrity error: expected {expected}, got {actual}"
                )
            }
            FetchError::Other(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for FetchError {}

/// A manifest as the registry served it, verified.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub digest: String,
    pub media_type: String,
    pub bytes: Bytes,
}

/// How to reach a registry.
#[derive(Clone, Debug, Default)]
pub struct Endpoint {
    /// `host[:port]` as a pull spec names it (`docker.io` for Docker Hub).
    pub registry: String,
    /// Allow plain HTTP and unverified TLS.
    pub insecure: bool,
    /// User name and password (or token) for Basic auth or a token service.
    pub credentials: Option<(String, String)>,
}

impl Endpoint {
    /// GET `/v2/` over `scheme`: `Ok` if the registry answered at all (any status).
    async fn ping(&self, scheme: &str) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(self.insecure)
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let url = format!("{scheme}://{}/v2/", host_of(&self.registry));
        client
            .get(&url)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error_chain(&e))
    }

    /// An oci-client for this registry: HTTPS, or plain HTTP when HTTPS fails and insecure
    /// access is allowed (OpenShift's importer tries in the same order); `tune` adjusts the
    /// rest of the client's settings.
    pub(crate) async fn connect(
        &self,
        tune: impl FnOnce(&mut ClientConfig),
    ) -> Result<Client, FetchError> {
        let protocol = match self.ping("https").await {
            Ok(()) => ClientProtocol::Https,
            Err(e) => match self.ping("http").await {
                Ok(()) if self.insecure => {
                    ClientProtocol::HttpsExcept(vec![host_of(&self.registry).to_string()])
                }
                Ok(()) => return Err(FetchError::HttpOnly),
                Err(_) => return Err(FetchError::Other(e)),
            },
        };
        let mut config = ClientConfig {
            protocol,
            accept_invalid_certificates: self.insecure,
            connect_timeout: Some(std::time::Duration::from_secs(10)),
            read_timeout: Some(std::time::Duration::from_secs(60)),
            ..Default::default()
        };
        tune(&mut config);
        Ok(Client::new(config))
    }

    /// `repository` at `reference` (a tag, or a digest) in this registry.
    pub(crate) fn reference(&self, repository: &str, reference: &str) -> Reference {
        let registry = host_of(&self.registry).to_string();
        if reference.contains(':') {
            Reference::with_digest(registry, repository.into(), reference.into())
        } else {
            Reference::with_tag(registry, repository.into(), reference.into())
        }
    }

    /// Our identity there, as oci-client takes it.
    pub(crate) fn auth(&self) -> RegistryAuth {
        match &self.credentials {
            Some((u, p)) => RegistryAuth::Basic(u.clone(), p.clone()),
            None => RegistryAuth::Anonymous,
        }
    }
}

/// A registry client bound to one registry and one identity. The scheme is decided on first
/// use and kept.
pub struct RegistryClient {
    endpoint: Endpoint,
    auth: RegistryAuth,
    client: OnceCell<Result<Client, FetchError>>,
}

pub(crate) fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Already installed by someone else is fine: any provider works for a client.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The host oci-client and the ping talk to for a registry name.
pub(crate) fn host_of(registry: &str) -> &str {
    if wharf_domain::import::is_docker_hub(registry) {
        "index.docker.io"
    } else {
        registry
    }
}

impl RegistryClient {
    pub fn new(endpoint: Endpoint) -> Self {
        install_crypto_provider();
        let auth = endpoint.auth();
        RegistryClient {
            endpoint,
            auth,
            client: OnceCell::new(),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn has_credentials(&self) -> bool {
        self.endpoint.credentials.is_some()
    }

    /// The oci-client for this registry, over HTTPS, or HTTP when HTTPS fails and insecure
    /// access is allowed (OpenShift's importer tries in the same order).
    async fn client(&self) -> Result<&Client, FetchError> {
        let made = self
            .client
            .get_or_init(|| self.endpoint.connect(|_| {}))
            .await;
        made.as_ref().map_err(Clone::clone)
    }

    fn reference(&self, repository: &str, reference: &str) -> Reference {
        self.endpoint.reference(repository, reference)
    }

    fn classify(&self, e: OciDistributionError) -> FetchError {
        classify(e, self.has_credentials())
    }

    /// The manifest `reference` (a tag or a digest) of `repository`, verified against the
    /// digest asked for and the one the registry announced.
    pub async fn manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<Manifest, FetchError> {
        let client = self.client().await?;
        let r = self.reference(repository, reference);
        let (bytes, digest) = client
            .pull_manifest_raw(&r, &self.auth, ACCEPTED_MANIFESTS)
            .await
            .map_err(|e| self.classify(e))?;
        if bytes.len() as u64 > MAX_DOCUMENT {
            return Err(FetchError::Other(format!(
                "the manifest is {} bytes, more than the {MAX_DOCUMENT} accepted",
                bytes.len()
            )));
        }
        let media_type = media_type_of(&bytes);
        Ok(Manifest {
            digest,
            media_type,
            bytes,
        })
    }

    /// A small blob (an image config) read whole, verified against `digest`.
    pub async fn small_blob(
        &self,
        repository: &str,
        digest: &str,
        size: i64,
    ) -> Result<Bytes, FetchError> {
        if size as u64 > MAX_DOCUMENT {
            return Err(FetchError::Other(format!(
                "the config {digest} is {size} bytes, more than the {MAX_DOCUMENT} accepted"
            )));
        }
        let client = self.client().await?;
        let r = self.reference(repository, digest);
        client
            .store_auth_if_needed(r.resolve_registry(), &self.auth)
            .await;
        let mut out = Vec::with_capacity(size.max(0) as usize);
        let descriptor = OciDescriptor {
            digest: digest.into(),
            size,
            ..Default::default()
        };
        client
            .pull_blob(&r, &descriptor, &mut out)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(out.into())
    }

    /// A blob as a stream of chunks, with its length when the registry says it. The caller
    /// verifies the digest as the bytes pass (they are too large to hold).
    pub async fn blob_stream(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<
        (
            Option<u64>,
            impl Stream<Item = Result<Bytes, FetchError>> + Send + use<>,
        ),
        FetchError,
    > {
        let client = self.client().await?;
        let r = self.reference(repository, digest);
        client
            .store_auth_if_needed(r.resolve_registry(), &self.auth)
            .await;
        let descriptor = OciDescriptor {
            digest: digest.into(),
            ..Default::default()
        };
        let has_credentials = self.has_credentials();
        let sized = client
            .pull_blob_stream(&r, &descriptor)
            .await
            .map_err(|e| self.classify(e))?;
        let length = sized.content_length;
        Ok((
            length,
            sized.stream.map(move |chunk| {
                chunk.map_err(|e| classify(OciDistributionError::IoError(e), has_credentials))
            }),
        ))
    }

    /// Every tag of `repository`.
    pub async fn tags(&self, repository: &str) -> Result<Vec<String>, FetchError> {
        let client = self.client().await?;
        let r = self.reference(repository, "latest");
        let response = client
            .list_tags(&r, &self.auth, None, None)
            .await
            .map_err(|e| self.classify(e))?;
        Ok(response.tags)
    }
}

/// The `mediaType` a manifest declares; without one (old Docker manifests), what its shape
/// says.
fn media_type_of(bytes: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    if let Some(mt) = v["mediaType"].as_str() {
        return mt.to_string();
    }
    if v.get("manifests").is_some() {
        "application/vnd.oci.image.index.v1+json".into()
    } else if v["schemaVersion"] == 1 {
        "application/vnd.docker.distribution.manifest.v1+json".into()
    } else {
        "application/vnd.oci.image.manifest.v1+json".into()
    }
}

/// An error with its causes, as one line (reqwest hides the useful part in `source()`).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        cause = c.source();
    }
    text
}

pub(crate) fn classify(e: OciDistributionError, with_credentials: bool) -> FetchError {
    use OciDistributionError as E;
    let by_status = |code: u16, message: String| match code {
        404 => FetchError::NotFound,
        401 | 403 => FetchError::Unauthorized { with_credentials },
        _ => FetchError::Other(format!("the registry answered {code}: {}", message.trim())),
    };
    match e {
        E::UnauthorizedError { .. } | E::AuthenticationFailure(_) => {
            FetchError::Unauthorized { with_credentials }
        }
        E::ImageManifestNotFoundError(_) => FetchError::NotFound,
        E::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            if codes.iter().any(|c| {
                matches!(
                    c,
                    OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::BlobUnknown
                        | OciErrorCode::NotFound
                )
            }) {
                FetchError::NotFound
            } else if codes
                .iter()
                .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
            {
                FetchError::Unauthorized { with_credentials }
            } else {
                let text: Vec<String> = envelope
                    .errors
                    .iter()
                    .map(|e| format!("{:?}: {}", e.code, e.message))
                    .collect();
                FetchError::Other(text.join("; "))
            }
        }
        E::ServerError { code, message, .. } => by_status(code, message),
        E::DigestError(oci_client::errors::DigestError::VerificationError { expected, actual }) => {
            FetchError::Integrity { expected, actual }
        }
        E::RequestError(e) => FetchError::Other(error_chain(&e)),
        other => FetchError::Other(error_chain(&other)),
    }
}
