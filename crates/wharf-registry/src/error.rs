//! The distribution spec's error body, `{"errors":[{"code","message","detail"}]}`, with the
//! HTTP status each code goes with. Every failure of the `/v2` API leaves through [`OciError`].

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use wharf_domain::{Digest, DigestError, ManifestError, NameError};
use wharf_storage::StorageError;

#[derive(Debug)]
pub struct OciError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub detail: Option<Value>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl OciError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        OciError {
            status,
            code,
            message: message.into(),
            detail: None,
            headers: Vec::new(),
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: String) -> Self {
        if let Ok(v) = HeaderValue::from_str(&value) {
            self.headers.push((name, v));
        }
        self
    }

    pub fn blob_unknown(d: &Digest) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "BLOB_UNKNOWN",
            "blob unknown to registry",
        )
        .with_detail(json!({ "digest": d.to_string() }))
    }

    pub fn blob_upload_unknown() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "BLOB_UPLOAD_UNKNOWN",
            "blob upload unknown to registry: start a new upload with POST /v2/<name>/blobs/uploads/",
        )
    }

    pub fn blob_upload_invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BLOB_UPLOAD_INVALID", message)
    }

    pub fn digest_invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "DIGEST_INVALID", message)
    }

    pub fn manifest_invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MANIFEST_INVALID", message)
    }

    pub fn manifest_unknown(reference: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "manifest unknown to registry",
        )
        .with_detail(json!({ "reference": reference }))
    }

    pub fn name_unknown(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
        )
        .with_detail(json!({ "name": name }))
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "UNSUPPORTED", message)
    }

    /// A storage failure that no request input can explain: logged, and reported without
    /// internals.
    pub fn internal(context: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN",
            format!("{context}: storage failure, see the server log"),
        )
    }
}

impl From<NameError> for OciError {
    fn from(e: NameError) -> Self {
        match e {
            NameError::Repository(_) => {
                Self::new(StatusCode::BAD_REQUEST, "NAME_INVALID", e.to_string())
            }
            NameError::Tag(_) => Self::new(StatusCode::BAD_REQUEST, "TAG_INVALID", e.to_string()),
            NameError::Digest(d) => d.into(),
        }
    }
}

impl From<DigestError> for OciError {
    fn from(e: DigestError) -> Self {
        Self::digest_invalid(e.to_string())
    }
}

impl From<ManifestError> for OciError {
    fn from(e: ManifestError) -> Self {
        Self::manifest_invalid(e.to_string())
    }
}

impl From<StorageError> for OciError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::UploadUnknown => Self::blob_upload_unknown(),
            StorageError::DigestMismatch { actual } => Self::digest_invalid(format!(
                "provided digest did not match uploaded content: the content hashes to {actual}"
            )),
            StorageError::MissingReferences(missing) => Self::new(
                StatusCode::BAD_REQUEST,
                "MANIFEST_BLOB_UNKNOWN",
                format!(
                    "manifest references {} blob(s) or manifest(s) not present in this repository: push them first",
                    missing.len()
                ),
            )
            .with_detail(json!({ "missing": missing.iter().map(ToString::to_string).collect::<Vec<_>>() })),
            StorageError::BodyInterrupted(e) => {
                Self::blob_upload_invalid(format!("the request body broke off ({e}); read the upload's Range and resume"))
            }
            StorageError::OffsetMismatch { current } => Self::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "BLOB_UPLOAD_INVALID",
                format!("chunk out of order: the upload holds {current} bytes, send the chunk starting at {current}"),
            )
            .with_header(axum::http::header::RANGE, crate::range::upload_range(current)),
            // The object errors come from the API objects a push mirrors into; the registry
            // layer itself never asks for them, so seeing one is a server fault.
            e @ (StorageError::Io(_)
            | StorageError::Backend(_)
            | StorageError::AlreadyExists
            | StorageError::NotFound
            | StorageError::Conflict { .. }
            | StorageError::Compacted { .. }) => Self::internal("storage", e),
        }
    }
}

impl IntoResponse for OciError {
    fn into_response(self) -> Response {
        let mut entry = json!({ "code": self.code, "message": self.message });
        if let Some(d) = self.detail {
            entry["detail"] = d;
        }
        let body = json!({ "errors": [entry] }).to_string();
        let mut resp = (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        for (k, v) in self.headers {
            resp.headers_mut().insert(k, v);
        }
        resp
    }
}
