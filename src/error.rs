//! The HTTP error: a service error, or one the transport itself produced
//! (a malformed body, an unknown route, a rate limit), and its RFC 9457
//! problem+json form. This is the only place where HTTP status codes are chosen.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{FieldError, FieldErrors};
use crate::service;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] service::Error),
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body does not match the expected shape")]
    InvalidBody(Vec<FieldError>),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the upload was interrupted; send the file again")]
    UploadInterrupted,
    #[error("a path parameter is invalid")]
    InvalidPath(Vec<FieldError>),
    #[error("a query parameter is invalid: {0}")]
    InvalidQuery(String),
    #[error("no such endpoint")]
    UnknownRoute,
    #[error("too many requests; try again later")]
    RateLimited { retry_after: Duration },
}

impl ApiError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Service(service::Error::internal(error))
    }

    pub fn validation(field: &str, code: &str, message: &str) -> Self {
        Self::Service(service::Error::validation(field, code, message))
    }

    pub fn code(&self) -> &'static str {
        use service::Error as S;
        match self {
            Self::Service(error) => match error {
                S::NotFound => "not_found",
                S::Forbidden => "forbidden",
                S::Unauthenticated(failure) => failure.code(),
                S::Validation(_) => "validation_failed",
                S::InvalidTransition { .. } => "invalid_transition",
                S::Conflict(conflict) => conflict.code(),
                S::UnsupportedEvidenceType => "unsupported_evidence_type",
                S::Unavailable => "database_unavailable",
                S::StorageUnavailable(_) => "storage_unavailable",
                S::Internal(_) => "internal_error",
            },
            Self::MalformedJson(_) => "malformed_json",
            Self::InvalidBody(_) => "invalid_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UploadInterrupted => "upload_interrupted",
            Self::InvalidPath(_) => "invalid_path_parameter",
            Self::InvalidQuery(_) => "invalid_query_parameter",
            Self::UnknownRoute => "not_found",
            Self::RateLimited { .. } => "rate_limited",
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::InvalidBody(errors) | Self::InvalidPath(errors) => errors,
            Self::Service(service::Error::Validation(errors)) => &errors.0,
            _ => &[],
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::Service(errors.into())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self::Service(service::Error::Validation(field_errors_of(&errors)))
    }
}

/// RFC 9457 problem details, as sent to clients.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type; `urn:madoguchi:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, for example `validation_failed`.
    pub code: String,
    /// Offending fields, for validation and shape errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `invalid_transition`: the actions the caller may take instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: String, errors: Vec<FieldError>) -> Self {
        Self {
            problem_type: format!("urn:madoguchi:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            allowed_actions: None,
        }
    }

    pub fn into_response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status).content_type(PROBLEM_JSON).json(self)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        use service::Error as S;
        match self {
            Self::Service(error) => match error {
                S::NotFound => StatusCode::NOT_FOUND,
                S::Forbidden => StatusCode::FORBIDDEN,
                S::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                S::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                S::InvalidTransition { .. } | S::Conflict(_) => StatusCode::CONFLICT,
                S::UnsupportedEvidenceType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                S::Unavailable | S::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                S::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::MalformedJson(_)
            | Self::UploadInterrupted
            | Self::InvalidBody(_)
            | Self::InvalidPath(_)
            | Self::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnknownRoute => StatusCode::NOT_FOUND,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.problem().into_response();
        self.add_headers(response.headers_mut());
        response
    }
}

impl ApiError {
    /// The problem document this error is sent as.
    pub fn problem(&self) -> Problem {
        if let Self::Service(service::Error::Internal(cause)) = self {
            // Logged once, with its chain; never sent to the client.
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let detail = match self {
            Self::Service(service::Error::Internal(_)) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let mut problem = Problem::new(self.status_code(), self.code(), detail, self.field_errors().to_vec());
        if let Self::Service(service::Error::InvalidTransition { allowed, .. }) = self {
            problem.allowed_actions = Some(allowed.iter().map(|a| a.as_str().to_owned()).collect());
        }
        problem
    }

    /// The headers that tell a client how to go on: when to retry, how to authenticate.
    pub fn add_headers(&self, headers: &mut header::HeaderMap) {
        match self {
            Self::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            }
            Self::Service(service::Error::Unauthenticated(_)) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::Service(service::Error::Unavailable) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            // A full or read-only disk waits for an operator, not a reconnect.
            Self::Service(service::Error::StorageUnavailable(_)) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            _ => {}
        }
    }
}

/// Flattens the validator crate's nested errors into `field[index].inner` paths.
fn field_errors_of(errors: &validator::ValidationErrors) -> FieldErrors {
    let mut out = Vec::new();
    flatten(String::new(), errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    FieldErrors(out)
}

fn flatten(prefix: String, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message =
                        error.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| default_message(&error.code));
                    out.push(FieldError::new(path.clone(), error.code.to_string(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten(format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

fn default_message(code: &str) -> String {
    match code {
        "length" => "has an invalid length".to_owned(),
        "email" => "is not a valid email address".to_owned(),
        "range" => "is out of range".to_owned(),
        "required" => "is required".to_owned(),
        other => format!("is invalid ({other})"),
    }
}
