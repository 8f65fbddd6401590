//! `PUT`/`GET`/`HEAD`/`DELETE /v2/<name>/manifests/<reference>`.
//!
//! Manifests are stored and served byte for byte with the media type they were pushed with;
//! Wharf never converts. A push becomes visible only once everything it references is in the
//! repository (checked and stored in one metadata transaction).

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Limited};
use wharf_domain::{manifest, Digest, Reference, RepoName};
use wharf_storage::{NewManifest, Removal};

use crate::error::OciError;
use crate::{Registry, Result};

fn digest_header(d: &Digest) -> (header::HeaderName, String) {
    (
        header::HeaderName::from_static("docker-content-digest"),
        d.to_string(),
    )
}

pub async fn get(
    reg: &Registry,
    name: &RepoName,
    reference: &str,
    with_body: bool,
) -> Result<Response> {
    let reference: Reference = reference.parse()?;
    let m = match reg.meta.manifest(name, &reference).await? {
        Some(m) => m,
        None => match &reg.pull_through {
            Some(p) => p.manifest(name, &reference).await?,
            None => None,
        }
        .ok_or_else(|| OciError::manifest_unknown(&reference.to_string()))?,
    };
    let headers = [
        (header::CONTENT_TYPE, m.media_type.clone()),
        (header::CONTENT_LENGTH, m.content.len().to_string()),
        (header::ETAG, format!("\"{}\"", m.digest)),
        digest_header(&m.digest),
    ];
    if with_body {
        Ok((headers, m.content).into_response())
    } else {
        Ok((headers, Body::empty()).into_response())
    }
}

async fn read_limited(body: Body, limit: usize) -> Result<bytes::Bytes> {
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(OciError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "SIZE_INVALID",
                format!("manifest is larger than the registry's limit of {limit} bytes"),
            ))
        }
        Err(e) => Err(OciError::manifest_invalid(format!(
            "could not read the manifest body: {e}"
        ))),
    }
}

pub async fn put(
    reg: &Registry,
    name: &RepoName,
    reference: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response> {
    let reference: Reference = reference.parse()?;
    let content = read_limited(body, reg.limits.max_manifest_bytes).await?;
    let digest = match &reference {
        Reference::Digest(d) => {
            let actual = Digest::of(d.algorithm(), &content);
            if &actual != d {
                return Err(OciError::digest_invalid(format!(
                    "the manifest hashes to {actual}, not to the digest in the URL"
                )));
            }
            actual
        }
        Reference::Tag(_) => Digest::sha256_of(&content),
    };
    let parsed = manifest::parse(&content, crate::header(headers, header::CONTENT_TYPE))?;
    let tag = match &reference {
        Reference::Tag(t) => Some(t),
        Reference::Digest(_) => None,
    };
    let mirror = match &reg.observer {
        Some(observer) if observer.mirrors(name) => {
            let config = match (parsed.kind, parsed.blobs.first()) {
                (wharf_domain::ManifestKind::Image, Some(config)) => {
                    read_config(reg, name, config).await?
                }
                _ => None,
            };
            observer.mirror(crate::ManifestPush {
                repo: name.clone(),
                tag: tag.cloned(),
                digest: digest.clone(),
                media_type: parsed.media_type.clone(),
                manifest: content.clone(),
                config,
                host: crate::header(headers, header::HOST)
                    .unwrap_or("localhost")
                    .to_string(),
            })
        }
        _ => None,
    };
    reg.meta
        .put_manifest(
            name,
            NewManifest {
                digest: &digest,
                media_type: &parsed.media_type,
                content: &content,
                blobs: &parsed.blobs,
                manifests: &parsed.manifests,
                subject: parsed.subject.as_ref(),
                artifact_type: parsed.artifact_type.as_deref(),
                annotations: &parsed.annotations,
            },
            tag,
            mirror,
        )
        .await?;
    let mut resp = (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/v2/{name}/manifests/{digest}")),
            (header::CONTENT_LENGTH, "0".to_string()),
            digest_header(&digest),
        ],
    )
        .into_response();
    if let Some(subject) = &parsed.subject {
        if let Ok(v) = subject.to_string().parse() {
            resp.headers_mut().insert("oci-subject", v);
        }
    }
    Ok(resp)
}

/// The config blob of a pushed image manifest, if it is in the repository and small enough
/// to be a config (a missing one is reported by the reference check that follows).
async fn read_config(
    reg: &Registry,
    name: &RepoName,
    config: &Digest,
) -> Result<Option<bytes::Bytes>> {
    let Some(size) = reg.meta.blob_link(name, config).await? else {
        return Ok(None);
    };
    if size > reg.limits.max_manifest_bytes as u64 {
        return Ok(None);
    }
    let mut stream = reg.blobs.read(config, 0..size).await?;
    let mut buf = Vec::with_capacity(size as usize);
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        buf.extend_from_slice(&chunk.map_err(wharf_storage::StorageError::Io)?);
    }
    Ok(Some(buf.into()))
}

pub async fn delete(reg: &Registry, name: &RepoName, reference: &str) -> Result<Response> {
    let accepted = || (StatusCode::ACCEPTED, [(header::CONTENT_LENGTH, "0")]).into_response();
    match reference.parse::<Reference>()? {
        Reference::Tag(t) => {
            let mirror = reg.observer.as_ref().and_then(|o| o.mirror_delete(name, &crate::Deleted::Tag(t.clone())));
            if reg.meta.delete_tag(name, &t, mirror).await? {
                Ok(accepted())
            } else {
                Err(OciError::manifest_unknown(t.as_str()))
            }
        }
        Reference::Digest(d) => match reg
            .meta
            .delete_manifest(name, &d, reg.observer.as_ref().and_then(|o| o.mirror_delete(name, &crate::Deleted::Manifest(d.clone()))))
            .await?
        {
            Removal::Removed => Ok(accepted()),
            Removal::NotFound => Err(OciError::manifest_unknown(&d.to_string())),
            Removal::ReferencedBy(parent) => Err(OciError::new(
                StatusCode::CONFLICT,
                "DENIED",
                format!("manifest is listed by index {parent} in this repository: delete that index first"),
            )),
        },
    }
}
