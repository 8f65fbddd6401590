//! `HEAD`/`GET`/`DELETE /v2/<name>/blobs/<digest>`.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use wharf_domain::{Digest, RepoName};
use wharf_storage::Removal;

use crate::error::OciError;
use crate::range::{blob_range, RangeRequest};
use crate::{Registry, Result};

/// The size of a blob `name` may read, or `BLOB_UNKNOWN`.
pub(crate) async fn readable_size(reg: &Registry, name: &RepoName, digest: &Digest) -> Result<u64> {
    reg.meta
        .blob_link(name, digest)
        .await?
        .ok_or_else(|| OciError::blob_unknown(digest))
}

/// The size of a blob `name` may read, pulled through from its source registry if an
/// imported image of the repository references it; else `BLOB_UNKNOWN`.
async fn readable_or_pulled(reg: &Registry, name: &RepoName, digest: &Digest) -> Result<u64> {
    if let Some(size) = reg.meta.blob_link(name, digest).await? {
        return Ok(size);
    }
    match &reg.pull_through {
        Some(p) if p.blob(name, digest).await? => readable_size(reg, name, digest).await,
        _ => Err(OciError::blob_unknown(digest)),
    }
}

pub async fn get(
    reg: &Registry,
    name: &RepoName,
    digest: &Digest,
    headers: &HeaderMap,
    with_body: bool,
) -> Result<Response> {
    let size = readable_or_pulled(reg, name, digest).await?;
    let range = match blob_range(crate::header(headers, header::RANGE), size) {
        RangeRequest::Whole => None,
        RangeRequest::Part(r) => Some(r),
        RangeRequest::Unsatisfiable => {
            return Err(OciError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "BLOB_UNKNOWN",
                format!("requested range is outside the blob's {size} bytes"),
            )
            .with_header(header::CONTENT_RANGE, format!("bytes */{size}")))
        }
    };
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("docker-content-digest", digest.to_string())
        .header(header::ETAG, format!("\"{digest}\""))
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "max-age=31536000");
    let (status, span, builder) = match range {
        None => (StatusCode::OK, 0..size, builder),
        Some(r) => {
            let cr = format!("bytes {}-{}/{size}", r.start, r.end - 1);
            (
                StatusCode::PARTIAL_CONTENT,
                r,
                builder.header(header::CONTENT_RANGE, cr),
            )
        }
    };
    let builder = builder
        .status(status)
        .header(header::CONTENT_LENGTH, span.end - span.start);
    if !with_body {
        return Ok(builder.body(Body::empty()).expect("valid response"));
    }
    if reg.blobs.stat(digest).await?.is_none() {
        // Linked but missing on disk: report it rather than fail mid-stream.
        return Err(OciError::internal(
            "blob read",
            format!("{digest} is linked but absent from the blob store"),
        ));
    }
    let stream = reg.blobs.read(digest, span).await?;
    Ok(builder
        .body(Body::from_stream(stream))
        .expect("valid response"))
}

pub async fn delete(reg: &Registry, name: &RepoName, digest: &Digest) -> Result<Response> {
    match reg.meta.unlink_blob(name, digest).await? {
        Removal::Removed => Ok((
            StatusCode::ACCEPTED,
            [("docker-content-digest", digest.to_string())],
        )
            .into_response()),
        Removal::NotFound => Err(OciError::blob_unknown(digest)),
        Removal::ReferencedBy(m) => Err(OciError::new(
            StatusCode::CONFLICT,
            "DENIED",
            format!(
                "blob is referenced by manifest {m} in this repository: delete that manifest first"
            ),
        )),
    }
}
