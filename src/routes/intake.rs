//! `/intake`: lodging without an account, and coming back with a receipt code.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::dto::{LodgeCaseRequest, LodgedResponse};
use super::cases::{idempotency_key, lodge_for, lodged_response};
use super::extract::ApiJson;
use super::support::{limit_by_ip, limit_key, with_conn};
use super::{AuthUser, Caller};
use crate::auth::tokens::VerifiedIdentity;
use crate::domain::CaseId;
use crate::domain::FieldError;
use crate::domain::case::IntakeChannel;
use crate::error::ApiError;
use crate::service::cases::commands;
use crate::service::cases::lodge::{self, RetryKey};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(intake).service(record).service(open_session).service(renew_session);
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

/// A grievance a handler received outside the API and records for the worker.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedGrievanceRequest {
    /// How the worker gave it: `phone`, `letter`, `walk_in`, `chat_app` or
    /// `other` (`online` is for workers lodging themselves).
    pub channel: IntakeChannel,
    /// The grievance as the worker told it: the narrative in the worker's
    /// words and language, the worker's identity as they gave it.
    /// `worker_consent` does not apply.
    #[validate(nested)]
    pub grievance: LodgeCaseRequest,
}

/// Record a grievance received by phone, letter, visit or chat
///
/// A handler records, for a worker without an account, a grievance the
/// worker gave by phone, letter, in person or through a chat app; the case
/// stores the channel, and the answer carries the reference and the
/// receipt code, shown only now, for the handler to pass on to the worker
/// (who then follows the case at `POST /api/v1/intake/session`). Send an
/// `Idempotency-Key` so that a retry does not record it twice.
#[utoipa::path(
    tag = "intake",
    operation_id = "intake_recorded_create",
    security(("bearer" = [])),
    request_body = RecordedGrievanceRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 printable ASCII characters, for example a UUID; retrying with the same key and body returns the first answer")),
    responses(
        (status = 201, description = "Recorded; pass the reference and receipt code on to the worker, the code is shown only now", body = LodgedResponse, headers(
            ("Location" = String, description = "The case's URL"),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same key"),
        )),
        (status = 403, description = "Only handlers record grievances for workers (`forbidden`)"),
        (status = 409, description = "The `Idempotency-Key` was used for another request (`idempotency_key_reused`)"),
        (status = 422, description = "A field breaks a rule, for example the channel `online`, both or neither employer field, or an unknown employer (`validation_failed`)"),
    )
)]
#[post("/intake/recorded")]
pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<RecordedGrievanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    if body.grievance.worker_consent.is_some() {
        return Err(ApiError::validation(
            "grievance.worker_consent",
            "not_applicable",
            "the worker told you themselves; advocates lodge through POST /api/v1/cases",
        ));
    }
    let key = idempotency_key(&req)?;
    let request_hash = crate::crypto::sha256_hex(&serde_json::to_vec(&body).map_err(ApiError::internal)?);
    let Caller { actor, now } = caller;
    let input = body.grievance.into_input(now.date_naive()).map_err(|mut errors| {
        errors.0 = errors.0.into_iter().map(|e| FieldError { field: format!("grievance.{}", e.field), ..e }).collect();
        errors
    })?;
    let (channel, retry_key) = (body.channel, key.map(|key| RetryKey { key, request_hash }));
    let state_for_block = state.clone();
    let lodged = with_conn(&state, move |conn| {
        let keys = lodge::Intake {
            receipts: &state_for_block.receipts,
            references: &state_for_block.references,
            sealer: &state_for_block.sealer,
        };
        lodge::record(conn, &actor, channel, input, retry_key, keys, now)
    })
    .await?;
    Ok(lodged_response(lodged))
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
    let (case_id, receipt) = with_conn(&state, move |conn| {
        commands::open_receipt_session(conn, &state_for_block.receipts, &reference, &body.receipt_code)
    })
    .await?;
    receipt_session(&state, case_id, &receipt)
}

fn receipt_session(state: &AppState, case_id: CaseId, receipt: &str) -> Result<HttpResponse, ApiError> {
    let ttl = chrono::Duration::seconds(state.settings.auth.case_session_ttl_seconds);
    let token =
        state.tokens.issue_case_session(case_id, receipt, ttl, state.clock.now()).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(ReceiptSessionResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: ttl.num_seconds(),
        case_id: case_id.as_uuid(),
    }))
}

/// Renew a receipt-code session
///
/// While a receipt-code session is valid, exchanges its token for a fresh
/// one with a full lifetime (`auth.case_session_ttl_seconds`), so a worker
/// writing a long message is not sent back to the code. An expired session,
/// or one whose receipt code was replaced, cannot be renewed: open a new
/// one with the code.
#[utoipa::path(
    tag = "intake",
    operation_id = "intake_session_renew",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A fresh token for the same case", body = ReceiptSessionResponse),
        (status = 403, description = "Not a receipt-code session: accounts refresh at `POST /api/v1/auth/refresh` (`forbidden`)"),
    )
)]
#[post("/intake/session/renewal")]
pub async fn renew_session(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let VerifiedIdentity::CaseSession { case_id, receipt } = &auth.0 else {
        return Err(crate::service::Error::Forbidden.into());
    };
    receipt_session(&state, *case_id, receipt)
}
