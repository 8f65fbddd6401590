//! Blob uploads: `POST /v2/<name>/blobs/uploads/` (plain, monolithic with `?digest=`, or a
//! cross-repository mount with `?mount=&from=`), and `GET`/`PATCH`/`PUT`/`DELETE` on
//! `/v2/<name>/blobs/uploads/<id>`.
//!
//! An upload belongs to the repository it was started in; any other repository gets
//! `BLOB_UPLOAD_UNKNOWN`. Bytes go straight to the blob store, which hashes as it writes.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use wharf_domain::{Digest, RepoName};

use crate::error::OciError;
use crate::range::{chunk_range, upload_range};
use crate::{body_stream, now, Limits, Query, Registry, Result};

fn upload_location(name: &RepoName, id: &str) -> String {
    format!("/v2/{name}/blobs/uploads/{id}")
}

/// 202 with where to send the next bytes.
fn in_progress(name: &RepoName, id: &str, size: u64) -> Response {
    (
        StatusCode::ACCEPTED,
        [
            (header::LOCATION, upload_location(name, id)),
            (header::RANGE, upload_range(size)),
            (
                header::HeaderName::from_static("docker-upload-uuid"),
                id.to_string(),
            ),
            (header::CONTENT_LENGTH, "0".to_string()),
        ],
    )
        .into_response()
}

/// 201 for a blob now readable from `name`.
fn created(name: &RepoName, digest: &Digest) -> Response {
    (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/v2/{name}/blobs/{digest}")),
            (
                header::HeaderName::from_static("docker-content-digest"),
                digest.to_string(),
            ),
            (header::CONTENT_LENGTH, "0".to_string()),
        ],
    )
        .into_response()
}

async fn new_upload(reg: &Registry, name: &RepoName) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    // Blob store first: a crash in between leaves an orphan file that housekeeping sweeps,
    // never a record pointing at nothing.
    reg.blobs.create_upload(&id).await?;
    reg.meta.create_upload(&id, name, now()).await?;
    Ok(id)
}

/// Verifies the upload, makes the blob durable, then links it to the repository.
async fn commit(reg: &Registry, id: &str, digest: &Digest) -> Result<()> {
    match reg.blobs.commit_upload(id, digest).await {
        Ok(size) => Ok(reg.meta.finish_upload(id, Some((digest, size))).await?),
        Err(e) => {
            if matches!(e, wharf_storage::StorageError::DigestMismatch { .. }) {
                reg.meta.finish_upload(id, None).await?;
            }
            Err(e.into())
        }
    }
}

fn digest_param(query: &Query) -> Result<Digest> {
    let d = query.get("digest").ok_or_else(|| {
        OciError::digest_invalid("the digest query parameter is required to complete an upload")
    })?;
    Ok(d.parse()?)
}

/// `POST …/blobs/uploads/`. `mount_from` is the `from` repository of a mount request when
/// the caller may read it (see the registry's `mount_source`).
pub async fn start(
    reg: &Registry,
    name: &RepoName,
    query: &Query,
    mount_from: Option<&RepoName>,
    body: Body,
) -> Result<Response> {
    if let Some(mount) = query.get("mount") {
        let digest: Digest = mount.parse()?;
        if let Some(from) = mount_from {
            if let Some(size) = reg.meta.blob_link(from, &digest).await? {
                reg.meta.link_blob(name, &digest, size).await?;
                return Ok(created(name, &digest));
            }
        }
        // Not mountable: fall back to a plain upload, as the spec asks.
        let id = new_upload(reg, name).await?;
        return Ok(in_progress(name, &id, 0));
    }
    if query.get("digest").is_some() {
        let digest = digest_param(query)?;
        let id = new_upload(reg, name).await?;
        let appended = reg.blobs.append_upload(&id, 0, body_stream(body)).await;
        if let Err(e) = appended {
            let _ = reg.blobs.cancel_upload(&id).await;
            reg.meta.finish_upload(&id, None).await?;
            return Err(e.into());
        }
        commit(reg, &id, &digest).await?;
        return Ok(created(name, &digest));
    }
    let id = new_upload(reg, name).await?;
    Ok(in_progress(name, &id, 0))
}

/// The upload's size, if it exists and belongs to `name`.
async fn owned_size(reg: &Registry, name: &RepoName, id: &str) -> Result<u64> {
    match reg.meta.upload(id).await? {
        Some(rec) if &rec.repo == name => {}
        _ => return Err(OciError::blob_upload_unknown()),
    }
    reg.blobs
        .upload_size(id)
        .await?
        .ok_or_else(OciError::blob_upload_unknown)
}

pub async fn status(reg: &Registry, name: &RepoName, id: &str) -> Result<Response> {
    let size = owned_size(reg, name, id).await?;
    let mut resp = in_progress(name, id, size);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

/// Appends the request body at the offset `Content-Range` names (or at the end without one).
async fn append(
    reg: &Registry,
    name: &RepoName,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<u64> {
    let size = owned_size(reg, name, id).await?;
    let offset = match crate::header(headers, header::CONTENT_RANGE) {
        None => size,
        Some(cr) => {
            let (start, end) = chunk_range(cr).ok_or_else(|| {
                OciError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "BLOB_UPLOAD_INVALID",
                    format!("malformed Content-Range {cr:?}: expected <start>-<end>"),
                )
                .with_header(header::RANGE, upload_range(size))
            })?;
            let len =
                crate::header(headers, header::CONTENT_LENGTH).and_then(|l| l.parse::<u64>().ok());
            if len.is_some_and(|l| l != end - start + 1) {
                return Err(OciError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "BLOB_UPLOAD_INVALID",
                    format!(
                        "Content-Range {cr:?} does not match Content-Length {}",
                        len.unwrap_or(0)
                    ),
                )
                .with_header(header::RANGE, upload_range(size)));
            }
            start
        }
    };
    Ok(reg
        .blobs
        .append_upload(id, offset, body_stream(body))
        .await?)
}

pub async fn patch(
    reg: &Registry,
    name: &RepoName,
    id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response> {
    let size = append(reg, name, id, headers, body).await?;
    Ok(in_progress(name, id, size))
}

pub async fn finish(
    reg: &Registry,
    name: &RepoName,
    id: &str,
    query: &Query,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response> {
    let digest = digest_param(query)?;
    append(reg, name, id, headers, body).await?;
    commit(reg, id, &digest).await?;
    Ok(created(name, &digest))
}

pub async fn cancel(reg: &Registry, name: &RepoName, id: &str) -> Result<Response> {
    owned_size(reg, name, id).await?;
    reg.blobs.cancel_upload(id).await?;
    reg.meta.finish_upload(id, None).await?;
    Ok((StatusCode::NO_CONTENT, [(header::CONTENT_LENGTH, "0")]).into_response())
}

/// Uploads in flight per client (PATCH, PUT and monolithic POST bodies being received), so
/// one client cannot hold every connection and disk stream of the server.
#[derive(Debug)]
pub struct InFlight {
    max_per_client: usize,
    counts: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

impl InFlight {
    pub fn new(max_per_client: usize) -> InFlight {
        InFlight {
            max_per_client,
            counts: Default::default(),
        }
    }

    /// A slot for `client` until the guard drops, or TOOMANYREQUESTS when it holds them all.
    pub fn enter(self: &std::sync::Arc<Self>, client: &str) -> Result<InFlightSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(client.to_string()).or_default();
        if *n >= self.max_per_client {
            return Err(OciError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOOMANYREQUESTS",
                format!(
                    "too many uploads in flight for this client (at most {}): wait for one to finish",
                    self.max_per_client
                ),
            )
            .with_header(header::RETRY_AFTER, "1".into()));
        }
        *n += 1;
        Ok(InFlightSlot {
            owner: self.clone(),
            client: client.to_string(),
        })
    }
}

impl Default for InFlight {
    fn default() -> Self {
        InFlight::new(Limits::default().max_uploads_per_client)
    }
}

/// One upload in flight; dropping it frees the slot.
pub struct InFlightSlot {
    owner: std::sync::Arc<InFlight>,
    client: String,
}

impl Drop for InFlightSlot {
    fn drop(&mut self) {
        let mut counts = self.owner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.client);
            }
        }
    }
}
