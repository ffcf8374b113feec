//! `/intake`: lodging without an account, and coming back with a receipt code.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::dto::{LodgeCaseRequest, LodgedResponse};
use super::cases::lodge_for;
use super::extract::ApiJson;
use super::support::{limit_by_ip, limit_key, with_conn};
use crate::error::ApiError;
use crate::service::cases::commands;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(intake).service(open_session);
}

/// Lodge a grievance without an account
///
/// Keep the reference and the receipt code from the answer: together they
/// open the case later (`POST /api/v1/intake/session`). Name the employer with
/// exactly one of `employer_organisation_id` and `employer_name`. Send an
/// `Idempotency-Key` so a retry after a lost answer does not lodge twice.
/// Rate limited per client address.
#[utoipa::path(
    tag = "intake",
    operation_id = "intake_create",
    request_body = LodgeCaseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 printable ASCII characters, for example a UUID; retrying with the same key and body returns the first answer")),
    responses(
        (status = 201, description = "Lodged; keep the reference and receipt code, the code is shown only now", body = LodgedResponse, headers(
            ("Location" = String, description = "The case's URL (open a receipt-code session to read it)"),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same key"),
        )),
        (status = 409, description = "The `Idempotency-Key` was used for another request (`idempotency_key_reused`)"),
        (status = 422, description = "A field breaks a rule, for example both or neither employer field (`validation_failed`)"),
        (status = 429, description = "Too many grievances from this address; see `Retry-After` (`rate_limited`)"),
    )
)]
#[post("/intake")]
pub async fn intake(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LodgeCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_ip(&req, &state, &state.rate_limits.intake_by_ip)?;
    if body.0.worker_consent.is_some() {
        return Err(ApiError::validation(
            "worker_consent",
            "not_applicable",
            "advocates lodge through POST /api/v1/cases while logged in",
        ));
    }
    lodge_for(&req, &state, None, body.0).await
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptSessionRequest {
    #[validate(length(min = 1, max = 40))]
    #[schema(example = "MG-2026-000123")]
    pub reference: String,
    #[validate(length(min = 1, max = 64))]
    #[schema(example = "ACDEF-GHJKM-NPQRT-UVWXY")]
    pub receipt_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptSessionResponse {
    /// A bearer token that works for this one case only.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_in: i64,
    pub case_id: uuid::Uuid,
}

/// Open a case with its receipt code
///
/// Exchanges the case reference and receipt code for a bearer token that
/// lets the worker read the case and its worker-visible timeline, write
/// messages, upload evidence and answer remedy proposals, for this case only.
/// Rate limited per client address and per reference.
#[utoipa::path(
    tag = "intake",
    operation_id = "intake_session_create",
    request_body = ReceiptSessionRequest,
    responses(
        (status = 200, description = "A token for this case", body = ReceiptSessionResponse),
        (status = 401, description = "Wrong reference or code, the same answer for both (`invalid_receipt`)"),
        (status = 422, description = "An empty or overlong field (`validation_failed`)"),
        (status = 429, description = "Too many attempts; see `Retry-After` (`rate_limited`)"),
    )
)]
#[post("/intake/session")]
pub async fn open_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<ReceiptSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    limit_by_ip(&req, &state, &state.rate_limits.receipt_by_ip)?;
    limit_key(&req, &state, &state.rate_limits.receipt_by_reference, &body.reference.trim().to_ascii_uppercase())?;
    let state_for_block = state.clone();
    let reference = body.reference.clone();
    let case_id = with_conn(&state, move |conn| {
        commands::open_receipt_session(conn, &state_for_block.receipts, &reference, &body.receipt_code)
    })
    .await?;
    let ttl = chrono::Duration::seconds(state.settings.auth.case_session_ttl_seconds);
    let token = state.tokens.issue_case_session(case_id, ttl, state.clock.now()).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(ReceiptSessionResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: ttl.num_seconds(),
        case_id: case_id.as_uuid(),
    }))
}
