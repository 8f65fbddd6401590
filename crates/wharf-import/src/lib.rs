//! Talking to external registries: the fetching half of an ImageStreamImport (spec §3.2–§3.6),
//! and the client pull-through and mirroring use.
//!
//! - [`client`]: one registry — scheme, identity, verified manifests, blobs and tags;
//! - [`image`]: one pull spec imported into Image objects, or the failure OpenShift reports;
//! - [`Importer`] (here): a whole request — the credentials each registry gets, one client per
//!   registry and identity, a bounded number of fetches at once, the anonymous retry after
//!   refused credentials, and repository imports (which tags, which are left over).
//!
//! Plain logic (credential matching, tag order, platform choice, how results change a stream)
//! is in `wharf_domain::import`; nothing here writes anything.

pub mod client;
pub mod image;
pub mod push;

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use wharf_domain::import::credentials::{credential_for, Credential};
use wharf_domain::import::platform::Platform;
use wharf_domain::import::tag_order::prioritize_tags;
use wharf_domain::import::{repository_path, with_defaults, ImportFailure, ImportMode};
use wharf_domain::reference::DockerImageReference;

pub use client::{Endpoint, FetchError, Manifest, RegistryClient};
pub use image::{import_image, ImageRequest, Imported};

/// One image to import.
#[derive(Clone, Debug)]
pub struct ImageJob {
    pub request: ImageRequest,
    pub insecure: bool,
}

/// A whole repository to import (`spec.repository`).
#[derive(Clone, Debug)]
pub struct RepositoryJob {
    /// The repository as requested (no tag, no digest).
    pub from: DockerImageReference,
    pub insecure: bool,
    pub mode: ImportMode,
    /// How many tags to import; the rest are reported as additional tags.
    pub max_images: usize,
}

/// What a repository import found.
#[derive(Debug)]
pub struct RepositoryOutcome {
    /// Listing the tags failed: nothing else was tried.
    pub failure: Option<ImportFailure>,
    /// `(remote tag, result)`, in import priority order.
    pub images: Vec<(String, Result<Imported, ImportFailure>)>,
    /// Tags beyond `max_images`.
    pub additional_tags: Vec<String>,
}

/// Runs imports. Cheap to clone; holds no connections between requests.
#[derive(Clone, Debug)]
pub struct Importer {
    /// The platform Legacy imports prefer after the tag's own preference.
    pub own_platform: Platform,
    /// Fetches in flight at once, per request.
    pub concurrency: usize,
    /// How many tags a repository import takes (OpenShift's
    /// `maxImagesBulkImportedPerRepository`); the rest are reported, not imported.
    pub max_images_per_repository: usize,
}

impl Default for Importer {
    fn default() -> Self {
        Importer {
            own_platform: Platform::own(),
            concurrency: 4,
            max_images_per_repository: wharf_domain::import::MAX_IMAGES_BULK_IMPORTED,
        }
    }
}

/// (registry, insecure, the credential's key): what a client is made for.
type ClientKey = (String, bool, Option<String>);

/// Registry clients of one request, one per [`ClientKey`].
struct Clients<'a> {
    credentials: &'a [Credential],
    anonymous: bool,
    made: std::sync::Mutex<HashMap<ClientKey, Arc<RegistryClient>>>,
}

impl<'a> Clients<'a> {
    fn new(credentials: &'a [Credential], anonymous: bool) -> Self {
        Clients {
            credentials,
            anonymous,
            made: Default::default(),
        }
    }

    fn for_reference(&self, r: &DockerImageReference, insecure: bool) -> Arc<RegistryClient> {
        let defaulted = with_defaults(r.clone());
        let credential = if self.anonymous {
            None
        } else {
            credential_for(
                self.credentials,
                &defaulted.registry,
                &repository_path(&defaulted),
            )
        };
        let key = (
            defaulted.registry.clone(),
            insecure,
            credential.map(|c| c.key.clone()),
        );
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        made.entry(key)
            .or_insert_with(|| {
                Arc::new(RegistryClient::new(Endpoint {
                    registry: defaulted.registry.clone(),
                    insecure,
                    credentials: credential.map(|c| (c.username.clone(), c.password.clone())),
                }))
            })
            .clone()
    }
}

fn refused_credentials(r: &Result<Imported, ImportFailure>) -> bool {
    matches!(r, Err(f) if f.reason == "Unauthorized" && f.message.to_lowercase().contains("username or password"))
}

impl Importer {
    /// Imports every job; results in job order. If credentials were refused anywhere, the
    /// whole request is fetched again anonymously (registries answer 401 to a wrong secret
    /// even for public images); a result that is still Unauthorized keeps the first message.
    pub async fn import_images(
        &self,
        jobs: &[ImageJob],
        credentials: &[Credential],
        now: &str,
    ) -> Vec<Result<Imported, ImportFailure>> {
        let first = self
            .run_images(jobs, &Clients::new(credentials, false), now)
            .await;
        if !first.iter().any(refused_credentials) {
            return first;
        }
        let again = self
            .run_images(jobs, &Clients::new(credentials, true), now)
            .await;
        again
            .into_iter()
            .zip(first)
            .map(|(second, first)| match (&second, first) {
                (Err(f), Err(original)) if f.reason == "Unauthorized" => Err(original),
                _ => second,
            })
            .collect()
    }

    async fn run_images(
        &self,
        jobs: &[ImageJob],
        clients: &Clients<'_>,
        now: &str,
    ) -> Vec<Result<Imported, ImportFailure>> {
        // Owned futures: borrowing closures in a buffered stream trip rustc's higher-ranked
        // `Send` check when the caller is an axum handler.
        let fetches: Vec<_> = jobs
            .iter()
            .map(|job| {
                let client = clients.for_reference(&job.request.from, job.insecure);
                let (request, own, now) = (
                    job.request.clone(),
                    self.own_platform.clone(),
                    now.to_string(),
                );
                async move { import_image(&client, &request, &own, &now).await }
            })
            .collect();
        futures_util::stream::iter(fetches)
            .buffered(self.concurrency.max(1))
            .collect()
            .await
    }

    /// Imports a repository: its tags in priority order, the first `max_images` of them.
    pub async fn import_repository(
        &self,
        job: &RepositoryJob,
        credentials: &[Credential],
        now: &str,
    ) -> RepositoryOutcome {
        let clients = Clients::new(credentials, false);
        let client = clients.for_reference(&job.from, job.insecure);
        let defaulted = with_defaults(job.from.clone());
        let repository = repository_path(&defaulted);
        let tags = match client.tags(&repository).await {
            Ok(t) => t,
            Err(e) => {
                let mut name = defaulted.clone();
                name.tag.clear();
                return RepositoryOutcome {
                    failure: Some(image::failure(
                        &e,
                        &name.exact(),
                        &format!("{}/{repository}", defaulted.registry),
                    )),
                    images: Vec::new(),
                    additional_tags: Vec::new(),
                };
            }
        };
        let mut ordered = prioritize_tags(&tags);
        let additional_tags = ordered.split_off(job.max_images.min(ordered.len()));
        let jobs: Vec<ImageJob> = ordered
            .iter()
            .map(|tag| ImageJob {
                request: ImageRequest {
                    from: DockerImageReference {
                        tag: tag.clone(),
                        id: String::new(),
                        ..job.from.clone()
                    },
                    mode: job.mode,
                    preferred: None,
                },
                insecure: job.insecure,
            })
            .collect();
        let results = self.import_images(&jobs, credentials, now).await;
        RepositoryOutcome {
            failure: None,
            images: ordered.into_iter().zip(results).collect(),
            additional_tags,
        }
    }
}
