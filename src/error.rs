//! The application error and its RFC 9457 problem+json form. This is the only
//! place where HTTP status codes are chosen.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{FieldError, FieldErrors};

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body does not match the expected shape")]
    InvalidBody(Vec<FieldError>),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("evidence must be a photo, PDF, audio or video file (recognised by its content)")]
    UnsupportedEvidenceType,
    #[error("the upload was interrupted; send the file again")]
    UploadInterrupted,
    #[error("a path parameter is invalid")]
    InvalidPath(Vec<FieldError>),
    #[error("a query parameter is invalid: {0}")]
    InvalidQuery(String),
    #[error("the request failed validation")]
    Validation(FieldErrors),
    #[error("{}", .0.detail())]
    Unauthenticated(AuthFailure),
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("the resource does not exist or is not visible to you")]
    NotFound,
    #[error("no such endpoint")]
    UnknownRoute,
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A lifecycle action that makes no sense in the case's current state.
    #[error("{detail}")]
    InvalidTransition { detail: String, allowed: Vec<String> },
    #[error("too many requests; try again later")]
    RateLimited { retry_after: Duration },
    #[error("the database is unavailable")]
    DatabaseUnavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Why a request was not authenticated; each has its own stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    MissingToken,
    InvalidToken,
    ExpiredToken,
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenReused,
    InvalidReceipt,
}

impl AuthFailure {
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidToken => "invalid_token",
            Self::ExpiredToken => "token_expired",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::InvalidReceipt => "invalid_receipt",
        }
    }

    fn detail(self) -> &'static str {
        match self {
            Self::MissingToken => "this endpoint needs a bearer access token",
            Self::InvalidToken => "the access token is not valid",
            Self::ExpiredToken => "the access token has expired; refresh it",
            Self::InvalidCredentials => "the login or password is wrong",
            Self::InvalidRefreshToken => "the refresh token is not valid or has expired; log in again",
            Self::InvalidReceipt => "the case reference or receipt code is wrong",
            Self::RefreshTokenReused => {
                "this refresh token was already used; the whole session has been ended for safety; log in again"
            }
        }
    }
}

impl AppError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    pub fn validation(field: &str, code: &str, message: &str) -> Self {
        Self::Validation(FieldErrors::single(field, code, message))
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "malformed_json",
            Self::InvalidBody(_) => "invalid_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedEvidenceType => "unsupported_evidence_type",
            Self::UploadInterrupted => "upload_interrupted",
            Self::InvalidPath(_) => "invalid_path_parameter",
            Self::InvalidQuery(_) => "invalid_query_parameter",
            Self::Validation(_) => "validation_failed",
            Self::Unauthenticated(failure) => failure.code(),
            Self::Forbidden => "forbidden",
            Self::NotFound | Self::UnknownRoute => "not_found",
            Self::Conflict { code, .. } => code,
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::RateLimited { .. } => "rate_limited",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::InvalidBody(errors) | Self::InvalidPath(errors) => errors,
            Self::Validation(errors) => &errors.0,
            _ => &[],
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::Conflict {
                code: "duplicate",
                detail: "a record with the same unique value already exists".to_owned(),
            },
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Self::DatabaseUnavailable,
            other => Self::Internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(error: r2d2::Error) -> Self {
        tracing::error!(error = %error, "no database connection available");
        Self::DatabaseUnavailable
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self::Validation(errors.into())
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

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_)
            | Self::UploadInterrupted
            | Self::InvalidBody(_)
            | Self::InvalidPath(_)
            | Self::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType | Self::UnsupportedEvidenceType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound | Self::UnknownRoute => StatusCode::NOT_FOUND,
            Self::Conflict { .. } | Self::InvalidTransition { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::Internal(cause) = self {
            // Logged once, with its chain; never sent to the client.
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let detail = match self {
            Self::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let mut problem = Problem::new(status, self.code(), detail, self.field_errors().to_vec());
        if let Self::InvalidTransition { allowed, .. } = self {
            problem.allowed_actions = Some(allowed.clone());
        }
        let mut response = problem.into_response();
        let headers = response.headers_mut();
        match self {
            Self::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            }
            Self::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::DatabaseUnavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}
