//! The HTTP error: a service error, or one the transport itself produced
//! (a malformed body, an unknown route, a rate limit), and its RFC 9457
//! problem+json form. This is the only place where HTTP status codes are chosen.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::auth::AuthFailure;
use crate::domain::lifecycle::Action;
use crate::domain::privacy::ErasureRefusal;
use crate::domain::{FieldError, FieldErrors};
use crate::service::{self, Conflict};

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
    #[error("this endpoint takes only {}", crate::routes::methods::allow_header(.allowed))]
    MethodNotAllowed { allowed: Vec<actix_web::http::Method> },
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

    pub fn code(&self) -> ProblemCode {
        use service::Error as S;
        match self {
            Self::Service(error) => match error {
                S::NotFound => ProblemCode::NotFound,
                S::Forbidden => ProblemCode::Forbidden,
                S::Unauthenticated(failure) => auth_failure_code(*failure),
                S::Validation(_) => ProblemCode::ValidationFailed,
                S::InvalidTransition { .. } => ProblemCode::InvalidTransition,
                S::Conflict(conflict) => conflict_code(conflict),
                S::UnsupportedEvidenceType => ProblemCode::UnsupportedEvidenceType,
                S::Unavailable => ProblemCode::DatabaseUnavailable,
                S::Busy => ProblemCode::DatabaseBusy,
                S::StorageUnavailable(_) => ProblemCode::StorageUnavailable,
                S::Internal(_) => ProblemCode::InternalError,
            },
            Self::MalformedJson(_) => ProblemCode::MalformedJson,
            Self::InvalidBody(_) => ProblemCode::InvalidBody,
            Self::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            Self::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            Self::UploadInterrupted => ProblemCode::UploadInterrupted,
            Self::InvalidPath(_) => ProblemCode::InvalidPathParameter,
            Self::InvalidQuery(_) => ProblemCode::InvalidQueryParameter,
            Self::UnknownRoute => ProblemCode::NotFound,
            Self::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            Self::RateLimited { .. } => ProblemCode::RateLimited,
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

/// Declares `ProblemCode` from one table: each stable code with its HTTP
/// status, what it means and what a client should do about it. The status
/// mapping, the `code` enum of the OpenAPI document and the published error
/// catalogue (`GET /api/v1/errors`, `docs/errors.md`) are all read from it,
/// so a code added here appears everywhere at once.
macro_rules! problem_codes {
    ($($variant:ident = $code:literal, $status:ident, $meaning:literal, $action:literal;)*) => {
        /// A stable, machine-readable error code, sent as a problem's `code`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode { $($variant,)* }

        impl ProblemCode {
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(Self::$variant => StatusCode::$status,)* }
            }

            /// The problem's `type` URI.
            pub fn problem_type(self) -> String {
                format!("urn:madoguchi:problem:{}", self.as_str())
            }

            /// What happened, in a sentence.
            pub fn meaning(self) -> &'static str {
                match self { $(Self::$variant => $meaning,)* }
            }

            /// What a client should do about it.
            pub fn client_action(self) -> &'static str {
                match self { $(Self::$variant => $action,)* }
            }
        }
    };
}

problem_codes! {
    // 400
    MalformedJson = "malformed_json", BAD_REQUEST,
        "The body is not valid JSON.",
        "Fix the client's serialisation; do not retry unchanged.";
    InvalidBody = "invalid_body", BAD_REQUEST,
        "The JSON does not have the expected shape: an unknown field, a missing one or a wrong type; `errors` names it.",
        "Correct the named field; the schema of the request body says what is expected.";
    InvalidPathParameter = "invalid_path_parameter", BAD_REQUEST,
        "A path parameter does not parse, for example an id that is not a UUID; `errors` names it.",
        "Send a well-formed value.";
    InvalidQueryParameter = "invalid_query_parameter", BAD_REQUEST,
        "A query parameter is unknown, does not parse, or asks for something not offered (such as a report format).",
        "Send only the documented parameters, with valid values.";
    UploadInterrupted = "upload_interrupted", BAD_REQUEST,
        "The upload's body ended before it was complete.",
        "Send the file again.";
    CorsRefused = "cors_refused", BAD_REQUEST,
        "A browser's CORS preflight came from an origin that is not allowed, or asked for a method or header the API does not accept.",
        "Ask the operator to add the web application's origin to `server.cors_allowed_origins`.";
    BadRequest = "bad_request", BAD_REQUEST,
        "The request could not be understood.",
        "Check the request against the API description.";
    // 401
    MissingToken = "missing_token", UNAUTHORIZED,
        "The endpoint needs a bearer access token and none was sent.",
        "Log in (or open a receipt-code session) and send `Authorization: Bearer <access_token>`.";
    InvalidToken = "invalid_token", UNAUTHORIZED,
        "The access token is not one this server issued, or it was altered.",
        "Log in again.";
    TokenExpired = "token_expired", UNAUTHORIZED,
        "The access token has expired (they live minutes).",
        "Exchange the refresh token at `POST /api/v1/auth/refresh` and retry with the new access token.";
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED,
        "The login name or the password is wrong (the answer does not say which).",
        "Ask the user to check both; repeated failures are rate limited.";
    InvalidRefreshToken = "invalid_refresh_token", UNAUTHORIZED,
        "The refresh token is unknown, expired or its session has ended.",
        "Log in again.";
    RefreshTokenReused = "refresh_token_reused", UNAUTHORIZED,
        "A refresh token was presented a second time; the whole login session has been ended, as it may have been stolen.",
        "Log in again; make sure the client stores only the newest refresh token.";
    SessionEnded = "session_ended", UNAUTHORIZED,
        "The access token is genuine but its session has ended: the user logged out, changed their password, or the account was deactivated or deleted.",
        "Log in again (do not refresh: the refresh token ended with the session).";
    AccountDisabled = "account_disabled", UNAUTHORIZED,
        "The password is right but an admin has deactivated the account.",
        "Tell the user to contact the organisation that runs the service; do not retry.";
    InvalidReceipt = "invalid_receipt", UNAUTHORIZED,
        "The case reference or the receipt code is wrong (the answer does not say which).",
        "Ask the worker to check both, exactly as they were shown at lodging.";
    // 403
    Forbidden = "forbidden", FORBIDDEN,
        "The caller is known but their role or organisation may not do this.",
        "Do not retry; offer the action only to those allowed (see `allowed_actions` on a case, or `GET /api/v1/lifecycle`).";
    // 404
    NotFound = "not_found", NOT_FOUND,
        "There is no such resource, or the caller may not know it exists, or no such endpoint.",
        "Check the id; a case that is not yours looks exactly like one that does not exist.";
    // 405
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED,
        "The endpoint exists but not with this HTTP method; `Allow` lists the ones it takes.",
        "Use one of the methods in `Allow`.";
    // 409
    InvalidTransition = "invalid_transition", CONFLICT,
        "The lifecycle action is not possible in the case's current state; `allowed_actions` lists what the caller may do instead.",
        "Reload the case and offer only its `allowed_actions`.";
    StaleVersion = "stale_version", CONFLICT,
        "The case changed since the caller read it (the `version` or `If-Match` sent is old).",
        "Reload the case, show the user what changed, and send the action again with the new version.";
    Duplicate = "duplicate", CONFLICT,
        "A record with the same unique value already exists.",
        "Do not retry unchanged; use the existing record or choose another value.";
    IdempotencyKeyReused = "idempotency_key_reused", CONFLICT,
        "This `Idempotency-Key` was already used for a different request body.",
        "Use a new key for a new request; reuse a key only to retry the very same request.";
    MediatorNotAssigned = "mediator_not_assigned", CONFLICT,
        "Mediation cannot start before a mediator is assigned.",
        "A handler assigns one at `POST /api/v1/cases/{id}/mediator` first.";
    EmployerNotLinked = "employer_not_linked", CONFLICT,
        "The case names an employer that is not registered, so it cannot be referred.",
        "A handler links a registered employer at `POST /api/v1/cases/{id}/employer` first.";
    ReopenWindowPassed = "reopen_window_passed", CONFLICT,
        "The worker's window for reopening a finished case has passed.",
        "Ask a handler, who may still reopen it.";
    ReprisalWatchOver = "reprisal_watch_over", CONFLICT,
        "Retaliation can be reported as an action only during the reprisal watch that follows a verified remedy or closure.",
        "Post a message to the handlers on the case, or lodge a new case about the retaliation.";
    RemedyNotOwed = "remedy_not_owed", CONFLICT,
        "The remedy is not in the agreed state, so it cannot be marked delivered.",
        "Reload the case; deliver only remedies whose status is `agreed`.";
    AlreadyReferred = "already_referred", CONFLICT,
        "The case has been referred to its employer, whose identity can no longer change.",
        "Nothing for the client to fix: the employer of a referred case stays as it is.";
    ConflictOfInterest = "conflict_of_interest", CONFLICT,
        "The mediator declared a conflict of interest with this case, or with an organisation standing on it (UNGP 31: a legitimate mechanism).",
        "Assign another mediator; `GET /api/v1/cases/{id}/mediator-suggestions` lists only those without a conflict.";
    EmailTaken = "email_taken", CONFLICT,
        "An account with this email address already exists (only admins creating users are told; self-registration never says).",
        "Log in instead, or use another address.";
    UsernameTaken = "username_taken", CONFLICT,
        "The username is taken.",
        "Choose another username.";
    DatabaseNotEmpty = "database_not_empty", CONFLICT,
        "Demo data goes only into an empty database.",
        "Use a fresh database for the demo.";
    CaseStillOpen = "case_still_open", CONFLICT,
        "The personal data of an open case cannot be erased, nor its erasure asked for.",
        "Withdraw the case first (`POST /api/v1/cases/{id}/actions` with `withdraw`), then ask for erasure.";
    LegalHold = "legal_hold", CONFLICT,
        "A handler holds the case for legal reasons, so its personal data is kept.",
        "A handler clears the hold (`POST /api/v1/cases/{id}/legal-hold/clear`) before approving the erasure.";
    AlreadyErased = "already_erased", CONFLICT,
        "The personal data on this case has already been erased.",
        "Nothing left to do: the case remains only as an anonymous statistical record.";
    ErasureAlreadyRequested = "erasure_already_requested", CONFLICT,
        "Erasure of this case's personal data has already been asked for.",
        "Wait for a handler's decision; it appears in the case's timeline.";
    ErasureNotRequested = "erasure_not_requested", CONFLICT,
        "Nobody has asked for this case's personal data to be erased, so there is nothing to decide.",
        "Reload the case; decide only a pending request (`erasure_requested` in its privacy status).";
    // 414
    UriTooLong = "uri_too_long", URI_TOO_LONG,
        "The request line is longer than the server reads (answered by the edge proxy, `deploy/nginx`).",
        "Send long values in the body, not the URL.";
    // 413
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE,
        "The body is larger than this endpoint accepts (`server.json_body_limit_bytes` for JSON, `storage.evidence_max_bytes` for evidence).",
        "Send a smaller body; for evidence, a smaller file.";
    // 415
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        "The endpoint takes JSON and the body was sent with another `Content-Type`.",
        "Send `Content-Type: application/json`.";
    UnsupportedEvidenceType = "unsupported_evidence_type", UNSUPPORTED_MEDIA_TYPE,
        "The evidence file is not a photo, PDF, audio or video file (recognised by its content, not its name).",
        "Convert the file to a photo or PDF and upload that.";
    // 431
    RequestHeadTooLarge = "request_head_too_large", REQUEST_HEADER_FIELDS_TOO_LARGE,
        "The request's headers are larger than the server reads (answered by the edge proxy, `deploy/nginx`).",
        "Send fewer or smaller headers and cookies.";
    // 422
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY,
        "The request is well-formed but breaks a rule; `errors` names each field with its own code and message.",
        "Show each message next to its field and let the user correct it.";
    // 429
    RateLimited = "rate_limited", TOO_MANY_REQUESTS,
        "Too many requests of this kind from this address or for this account.",
        "Wait the number of seconds in `Retry-After`, then retry.";
    // 500
    InternalError = "internal_error", INTERNAL_SERVER_ERROR,
        "Something failed inside the server; it has been logged with the request id.",
        "Retry later; if it persists, report the `X-Request-Id` of the response.";
    // 503
    DatabaseUnavailable = "database_unavailable", SERVICE_UNAVAILABLE,
        "The database cannot be reached or is not migrated; nothing was changed.",
        "Wait the number of seconds in `Retry-After`, then retry the same request (with the same `Idempotency-Key` for lodging).";
    DatabaseBusy = "database_busy", SERVICE_UNAVAILABLE,
        "Too many writes reached the database at once and this one waited too long; nothing was changed.",
        "Wait the number of seconds in `Retry-After`, then retry the same request (with the same `Idempotency-Key` for lodging).";
    StorageUnavailable = "storage_unavailable", SERVICE_UNAVAILABLE,
        "The database answers but cannot write: its disk is full, or its files or file system are read-only. Nothing from the request was saved.",
        "Wait the number of seconds in `Retry-After` (an operator must act), then retry the same request.";
    // 502
    ServiceUnreachable = "service_unreachable", BAD_GATEWAY,
        "The edge proxy (`deploy/nginx`) could not reach the service, or it did not answer in time; the request may not have arrived.",
        "Retry the same request later (with the same `Idempotency-Key` for lodging, so it is not lodged twice).";
}

impl Serialize for ProblemCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl utoipa::PartialSchema for ProblemCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Self::ALL.iter().map(|code| code.as_str())))
            .description(Some("Stable machine-readable code; the catalogue at `GET /api/v1/errors` says what each means and what to do."))
            .into()
    }
}

impl utoipa::ToSchema for ProblemCode {}

/// RFC 9457 problem details, as sent to clients with the media type
/// `application/problem+json`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:madoguchi:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:madoguchi:problem:validation_failed")]
    pub problem_type: String,
    /// The HTTP status's reason phrase.
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    /// The HTTP status code, repeated.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong with this request, for people; not stable, do not parse it.
    pub detail: String,
    pub code: ProblemCode,
    /// The offending fields, for validation and shape errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `invalid_transition`: the actions the caller may take instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<Action>>,
}

impl Problem {
    pub fn new(code: ProblemCode, detail: String, errors: Vec<FieldError>) -> Self {
        let status = code.status();
        Self {
            problem_type: code.problem_type(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code,
            errors,
            allowed_actions: None,
        }
    }

    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(self.code.status()).content_type(PROBLEM_JSON).json(self)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
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
        let mut problem = Problem::new(self.code(), detail, self.field_errors().to_vec());
        if let Self::Service(service::Error::InvalidTransition { allowed, .. }) = self {
            problem.allowed_actions = Some(allowed.clone());
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
            Self::Service(service::Error::Busy) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::MethodNotAllowed { allowed } => {
                if let Ok(value) = HeaderValue::from_str(&crate::routes::methods::allow_header(allowed)) {
                    headers.insert(header::ALLOW, value);
                }
            }
            // A full or read-only disk waits for an operator, not a reconnect.
            Self::Service(service::Error::StorageUnavailable(_)) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            _ => {}
        }
    }
}

fn auth_failure_code(failure: AuthFailure) -> ProblemCode {
    match failure {
        AuthFailure::MissingToken => ProblemCode::MissingToken,
        AuthFailure::InvalidToken => ProblemCode::InvalidToken,
        AuthFailure::ExpiredToken => ProblemCode::TokenExpired,
        AuthFailure::InvalidCredentials => ProblemCode::InvalidCredentials,
        AuthFailure::InvalidRefreshToken => ProblemCode::InvalidRefreshToken,
        AuthFailure::RefreshTokenReused => ProblemCode::RefreshTokenReused,
        AuthFailure::InvalidReceipt => ProblemCode::InvalidReceipt,
        AuthFailure::SessionEnded => ProblemCode::SessionEnded,
        AuthFailure::AccountDisabled => ProblemCode::AccountDisabled,
    }
}

fn conflict_code(conflict: &Conflict) -> ProblemCode {
    match conflict {
        Conflict::StaleVersion => ProblemCode::StaleVersion,
        Conflict::Duplicate => ProblemCode::Duplicate,
        Conflict::IdempotencyKeyReused => ProblemCode::IdempotencyKeyReused,
        Conflict::MediatorNotAssigned => ProblemCode::MediatorNotAssigned,
        Conflict::EmployerNotLinked => ProblemCode::EmployerNotLinked,
        Conflict::ReopenWindowPassed { .. } => ProblemCode::ReopenWindowPassed,
        Conflict::RemedyNotOwed(_) => ProblemCode::RemedyNotOwed,
        Conflict::ReprisalWatchOver => ProblemCode::ReprisalWatchOver,
        Conflict::AlreadyReferred => ProblemCode::AlreadyReferred,
        Conflict::ConflictOfInterest => ProblemCode::ConflictOfInterest,
        Conflict::EmailTaken => ProblemCode::EmailTaken,
        Conflict::UsernameTaken => ProblemCode::UsernameTaken,
        Conflict::DatabaseNotEmpty => ProblemCode::DatabaseNotEmpty,
        Conflict::Erasure(refusal) => match refusal {
            ErasureRefusal::CaseStillOpen => ProblemCode::CaseStillOpen,
            ErasureRefusal::LegalHold => ProblemCode::LegalHold,
            ErasureRefusal::AlreadyErased => ProblemCode::AlreadyErased,
            ErasureRefusal::AlreadyRequested => ProblemCode::ErasureAlreadyRequested,
            ErasureRefusal::NotRequested => ProblemCode::ErasureNotRequested,
        },
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

/// The error catalogue as Markdown, as published in `docs/errors.md`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         <!-- Generated from `ProblemCode` in src/error.rs; a test fails when this file is out of date.\n     \
         Regenerate: MADOGUCHI_WRITE_DOCS=1 cargo test --lib error::tests -->\n\n\
         Every error is an RFC 9457 `application/problem+json` document:\n\n\
         ```json\n\
         {\"type\": \"urn:madoguchi:problem:stale_version\", \"title\": \"Conflict\", \"status\": 409,\n \
         \"detail\": \"the case changed since you last read it; reload it and try again\", \"code\": \"stale_version\"}\n\
         ```\n\n\
         Branch on `code` (stable) and never on `detail` (for people, may change). Validation and shape errors \
         add `errors: [{field, code, message}]`; `invalid_transition` adds `allowed_actions`. `429` and `503` \
         come with `Retry-After` (seconds), `401` with `WWW-Authenticate: Bearer`. The same table is served at \
         `GET /api/v1/errors`.\n\n\
         | code | status | meaning | what the client should do |\n\
         |---|---|---|---|\n",
    );
    for &code in ProblemCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            code.as_str(),
            code.status().as_u16(),
            code.meaning().replace('|', "\\|"),
            code.client_action().replace('|', "\\|")
        ));
    }
    out
}

/// The problems the edge proxy (`deploy/nginx`) answers itself, before a
/// request reaches the service: malformed or oversized requests, and a
/// service that cannot be reached. actix-http answers the first kind with an
/// empty body and has no hook to change that, so deployments put the proxy in
/// front; its files are these documents, generated from the catalogue.
pub const EDGE_PROBLEMS: [ProblemCode; 5] = [
    ProblemCode::BadRequest,
    ProblemCode::UriTooLong,
    ProblemCode::PayloadTooLarge,
    ProblemCode::RequestHeadTooLarge,
    ProblemCode::ServiceUnreachable,
];

/// The body of an edge proxy's problem file for `code`.
pub fn edge_problem_json(code: ProblemCode) -> String {
    // The meaning without its note for operators, as a sentence for people.
    let meaning = code.meaning();
    let detail = meaning.split(" (").next().unwrap_or(meaning).trim_end_matches('.').to_lowercase();
    let mut json = serde_json::to_string_pretty(&Problem::new(code, detail, Vec::new())).unwrap_or_default();
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_code_is_unique_snake_case_and_an_error_status() {
        let mut seen = HashSet::new();
        for &code in ProblemCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", code.as_str());
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{}", code.as_str());
            assert!(code.meaning().ends_with('.') && code.client_action().ends_with('.'), "{}", code.as_str());
        }
    }

    #[test]
    fn the_status_sent_is_the_codes_status() {
        let conflict = ApiError::Service(service::Error::Conflict(Conflict::StaleVersion));
        assert_eq!(conflict.status_code(), StatusCode::CONFLICT);
        let response = ApiError::RateLimited { retry_after: Duration::from_millis(1500) }.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("2"));
        let unauthenticated = ApiError::Service(service::Error::Unauthenticated(AuthFailure::ExpiredToken));
        assert_eq!(unauthenticated.code(), ProblemCode::TokenExpired);
        assert_eq!(unauthenticated.status_code(), StatusCode::UNAUTHORIZED);
    }

    /// `docs/errors.md` is the catalogue, so the published page cannot drift from the code.
    #[test]
    fn docs_errors_md_is_the_catalogue() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
        let expected = catalogue_markdown();
        if std::env::var_os("MADOGUCHI_WRITE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let published = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            published == expected,
            "docs/errors.md is out of date with ProblemCode; regenerate it with: \
             MADOGUCHI_WRITE_DOCS=1 cargo test --lib error::tests"
        );
    }

    /// The edge proxy's problem files are the catalogue's documents.
    #[test]
    fn the_edge_proxys_problem_files_are_the_catalogue() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx/problems");
        for code in EDGE_PROBLEMS {
            let path = dir.join(format!("{}.json", code.as_str()));
            let expected = edge_problem_json(code);
            if std::env::var_os("MADOGUCHI_WRITE_DOCS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &expected).unwrap();
            }
            let published = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                published == expected,
                "{} is out of date; regenerate it with: MADOGUCHI_WRITE_DOCS=1 cargo test --lib error::tests",
                path.display()
            );
            let parsed: serde_json::Value = serde_json::from_str(&published).unwrap();
            assert_eq!(parsed["code"], code.as_str());
            assert_eq!(parsed["status"], code.status().as_u16());
        }
    }
}
