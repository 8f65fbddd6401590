//! Importing one image (spec §3.3): fetch the manifest a pull spec names, resolve a list by the
//! import mode, fetch configs, and turn what came back into Image objects — or into the
//! Status reason and message OpenShift reports for the failure.

use serde_json::Value;
use wharf_domain::image::{imported_image_object, PushedManifest};
use wharf_domain::import::platform::{choose_legacy_entry, Platform};
use wharf_domain::import::{repository_path, with_defaults, ImportFailure, ImportMode};
use wharf_domain::manifest::{
    DOCKER_MANIFEST_LIST, DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED, OCI_INDEX,
};
use wharf_domain::reference::DockerImageReference;

use crate::client::{FetchError, Manifest, RegistryClient};

/// What an import of one pull spec produced.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The Image the tag points at: the chosen entry (Legacy) or the list (PreserveOriginal).
    pub image: Value,
    /// With PreserveOriginal, an Image per entry of the list.
    pub manifests: Vec<Value>,
}

/// How one import is to be done.
#[derive(Clone, Debug)]
pub struct ImageRequest {
    /// The pull spec as requested (`busybox`, `quay.io/a/b:1`, `host:5000/x@sha256:…`).
    pub from: DockerImageReference,
    pub mode: ImportMode,
    /// The platform the destination tag prefers (its prefer-os/-arch annotations).
    pub preferred: Option<Platform>,
}

fn is_list(media_type: &str) -> bool {
    matches!(media_type, OCI_INDEX | DOCKER_MANIFEST_LIST)
}

/// A registry's failure, in the words OpenShift's importer uses for the image `name`
/// (the defaulted pull spec) of repository `repository` (`host/path`).
pub fn failure(e: &FetchError, name: &str, repository: &str) -> ImportFailure {
    match e {
        FetchError::NotFound => {
            ImportFailure::new("NotFound", format!("dockerimage.image.openshift.io \"{name}\" not found"))
        }
        FetchError::Unauthorized {
            with_credentials: true,
        } => ImportFailure::new(
            "Unauthorized",
            format!("incorrect username or password for image \"{name}\""),
        ),
        FetchError::Unauthorized { .. } => ImportFailure::new(
            "Unauthorized",
            format!("you may not have access to the container image \"{name}\""),
        ),
        FetchError::HttpOnly => ImportFailure::new(
            "BadRequest",
            format!("the repository {repository} is HTTP only and requires the insecure flag to import"),
        ),
        FetchError::Integrity { expected, actual } => ImportFailure::new(
            "InternalError",
            format!(
                "Internal error occurred: {name}: content integrity error: the content retrieved for digest {expected} does not match the digest calculated from the content {actual}"
            ),
        ),
        FetchError::Other(text) => {
            ImportFailure::new("InternalError", format!("Internal error occurred: {name}: {text}"))
        }
    }
}

/// Imports `request.from` through `client` (which must be for its registry). `own` is the
/// server's platform, `now` RFC 3339 (list Images have no creation time of their own).
pub async fn import_image(
    client: &RegistryClient,
    request: &ImageRequest,
    own: &Platform,
    now: &str,
) -> Result<Imported, ImportFailure> {
    let defaulted = with_defaults(request.from.clone());
    let name = defaulted.exact();
    let repository = repository_path(&defaulted);
    let fail = |e: FetchError| failure(&e, &name, &format!("{}/{repository}", defaulted.registry));
    let wanted = if defaulted.id.is_empty() {
        defaulted.tag.clone()
    } else {
        defaulted.id.clone()
    };
    let top = client.manifest(&repository, &wanted).await.map_err(fail)?;
    // The Image names what the request wrote, so `busybox` stays `busybox@sha256:…`.
    let written = request.from.repository();
    if !is_list(&top.media_type) {
        let image = image_of(client, &repository, &top, &written, now)
            .await
            .map_err(fail)?;
        return Ok(Imported {
            image,
            manifests: Vec::new(),
        });
    }
    let list: Value = serde_json::from_slice(&top.bytes).map_err(|e| {
        fail(FetchError::Other(format!(
            "the manifest list is not JSON: {e}"
        )))
    })?;
    // Entries of an unknown platform are attestations and signatures (BuildKit writes them as
    // `unknown/unknown`), never images to run: a list of nothing else has nothing to import.
    // OpenShift would take the first entry; that imports an attestation as an image, which
    // nobody wants.
    let entries: Vec<Value> = list["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e.pointer("/platform/os").and_then(Value::as_str) != Some("unknown")
                && e.pointer("/platform/architecture").and_then(Value::as_str) != Some("unknown")
        })
        .cloned()
        .collect();
    if entries.is_empty() {
        let why = if list["manifests"].as_array().is_none_or(|m| m.is_empty()) {
            "no manifests in manifest list"
        } else {
            "no manifests in manifest list are for a known platform"
        };
        return Err(fail(FetchError::Other(why.into())));
    }
    match request.mode {
        ImportMode::Legacy => {
            let i = choose_legacy_entry(&entries, request.preferred.as_ref(), own)
                .expect("entries is not empty");
            let digest = entries[i]["digest"].as_str().unwrap_or("");
            let child = client.manifest(&repository, digest).await.map_err(fail)?;
            let image = image_of(client, &repository, &child, &written, now)
                .await
                .map_err(fail)?;
            Ok(Imported {
                image,
                manifests: Vec::new(),
            })
        }
        ImportMode::PreserveOriginal => {
            let mut manifests = Vec::new();
            for e in list["manifests"].as_array().into_iter().flatten() {
                let digest = e["digest"].as_str().unwrap_or("");
                let child = client.manifest(&repository, digest).await.map_err(fail)?;
                if is_list(&child.media_type) {
                    return Err(fail(FetchError::Other(format!(
                        "the manifest list entry {digest} is itself a list"
                    ))));
                }
                manifests.push(
                    image_of(client, &repository, &child, &written, now)
                        .await
                        .map_err(fail)?,
                );
            }
            let image = image_of(client, &repository, &top, &written, now)
                .await
                .map_err(fail)?;
            Ok(Imported { image, manifests })
        }
    }
}

/// The Image of one fetched manifest, its config fetched (and verified) for an image manifest.
async fn image_of(
    client: &RegistryClient,
    repository: &str,
    m: &Manifest,
    written: &str,
    now: &str,
) -> Result<Value, FetchError> {
    if matches!(
        m.media_type.as_str(),
        DOCKER_SCHEMA1 | DOCKER_SCHEMA1_SIGNED
    ) {
        return Err(FetchError::Other(
            "Docker schema 1 manifests are not supported; push the image again with a current client".into(),
        ));
    }
    let parsed: Value = serde_json::from_slice(&m.bytes)
        .map_err(|e| FetchError::Other(format!("the manifest is not JSON: {e}")))?;
    let config = match parsed.pointer("/config/digest").and_then(Value::as_str) {
        Some(d) if !is_list(&m.media_type) => {
            let size = parsed
                .pointer("/config/size")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            Some(client.small_blob(repository, d, size).await?)
        }
        _ => None,
    };
    let digest: wharf_domain::Digest = m
        .digest
        .parse()
        .map_err(|e| FetchError::Other(format!("the registry sent digest {}: {e}", m.digest)))?;
    let reference = format!("{written}@{}", m.digest);
    imported_image_object(&PushedManifest {
        digest: &digest,
        media_type: &m.media_type,
        manifest: &m.bytes,
        config: config.as_deref(),
        reference: &reference,
        now,
    })
    .map_err(|e| FetchError::Other(format!("the manifest {} cannot be read: {e}", m.digest)))
}
