//! Errors as Kubernetes `Status` objects, with the messages kubectl users know.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use wharf_storage::StorageError;

use crate::resources::ResourceType;

#[derive(Debug)]
pub struct ApiError {
    pub code: StatusCode,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// One cause of an `Invalid` error: field path, kind of failure, detail.
pub struct Cause {
    pub field: String,
    pub reason: &'static str,
    pub message: String,
}

impl From<wharf_domain::stream_spec::FieldError> for Cause {
    fn from(e: wharf_domain::stream_spec::FieldError) -> Cause {
        Cause {
            field: e.field,
            reason: e.reason,
            message: e.message,
        }
    }
}

impl Cause {
    pub fn invalid(field: &str, value: &str, detail: &str) -> Cause {
        Cause {
            field: field.into(),
            reason: "FieldValueInvalid",
            message: format!("Invalid value: \"{value}\": {detail}"),
        }
    }

    /// A template engine's field error, as the Kubernetes apiserver reports one.
    pub fn from_field_error(e: &wharf_domain::template::FieldError) -> Cause {
        Cause {
            field: e.field.clone(),
            reason: match e.kind {
                wharf_domain::template::ErrorKind::Required => "FieldValueRequired",
                wharf_domain::template::ErrorKind::Invalid(_) => "FieldValueInvalid",
            },
            message: e.body(),
        }
    }

    pub fn required(field: &str) -> Cause {
        Cause {
            field: field.into(),
            reason: "FieldValueRequired",
            message: "Required value".into(),
        }
    }
}

impl ApiError {
    pub(crate) fn new(code: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn with_details(mut self, rt: &ResourceType, name: &str) -> Self {
        let mut d = json!({ "name": name, "kind": rt.plural });
        if !rt.group.is_empty() {
            d["group"] = rt.group.into();
        }
        self.details = Some(d);
        self
    }

    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{} \"{name}\" not found", rt.group_resource()),
        )
        .with_details(rt, name)
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", rt.group_resource()),
        )
        .with_details(rt, name)
    }

    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        Self::conflict_because(rt, name, "the object has been modified; please apply your changes to the latest version and try again")
    }

    /// A 409 `Conflict` with its own reason, e.g. `another caller has updated the resource
    /// version to 42`.
    pub fn conflict_because(rt: &ResourceType, name: &str, why: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                rt.group_resource()
            ),
        )
        .with_details(rt, name)
    }

    pub fn invalid(rt: &ResourceType, name: &str, causes: Vec<Cause>) -> Self {
        let items: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let summary = if items.len() == 1 {
            items[0].clone()
        } else {
            format!("[{}]", items.join(", "))
        };
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            format!("{} \"{name}\" is invalid: {summary}", rt.group_kind()),
        );
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| json!({ "reason": c.reason, "message": c.message, "field": c.field }))
            .collect();
        e.details =
            Some(json!({ "name": name, "group": rt.group, "kind": rt.kind, "causes": causes }));
        e
    }

    /// `Invalid` with one cause per template engine field error.
    pub fn invalid_fields(
        rt: &ResourceType,
        name: &str,
        errors: &[wharf_domain::template::FieldError],
    ) -> Self {
        Self::invalid(
            rt,
            name,
            errors.iter().map(Cause::from_field_error).collect(),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", message)
    }

    pub fn unsupported_media_type(ct: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {ct:?})"),
        )
    }

    pub fn path_not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message)
    }

    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, "Expired", message)
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "API storage failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "Internal error occurred: storage failure, see the server log",
        )
    }

    /// A storage error about the object `name` of `rt`.
    pub fn storage(rt: &ResourceType, name: &str, e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found(rt, name),
            StorageError::AlreadyExists => Self::already_exists(rt, name),
            StorageError::Conflict { .. } => Self::conflict(rt, name),
            StorageError::Compacted { oldest } => Self::expired(format!(
                "too old resource version: the oldest kept is {oldest}"
            )),
            other => Self::internal(other),
        }
    }

    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code.as_u16(),
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.to_status().to_string();
        (
            self.code,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}
