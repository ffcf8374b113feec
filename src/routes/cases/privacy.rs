//! Personal data on cases (APPI): the worker side asks for erasure, a
//! handler approves or refuses it, a handler sets or clears a legal hold,
//! and a worker downloads everything held about them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::dto::CaseResponse;
use super::messages::{EvidenceDto, MessageDto};
use super::run_command;
use crate::error::ApiError;
use crate::routes::Caller;
use crate::routes::extract::ApiJson;
use crate::routes::support::with_reader;
use crate::service::cases::messages::EvidenceInfo;
use crate::service::erasure::{self, HoldChange};
use crate::service::personal_data::{self, HeldCase};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(request_erasure)
        .service(approve_erasure)
        .service(refuse_erasure)
        .service(set_legal_hold)
        .service(clear_legal_hold)
        .service(download_personal_data);
}

/// The case's version, as read.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    pub version: i32,
}

/// A refusal, with the reason the worker reads in the case's timeline.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRefusalRequest {
    pub version: i32,
    #[validate(length(min = 3, max = 2000))]
    pub reason: String,
}

/// Why the case is held (or no longer held), for the audit trail.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldRequest {
    pub version: i32,
    /// For example "labour tribunal claim pending, Tokyo District Court".
    #[validate(length(min = 3, max = 2000))]
    pub reason: String,
}

/// Ask for erasure
///
/// The worker (in their account or receipt-code session) or their advocate
/// asks for the personal data on a finished case to be erased: the
/// identity, narrative, messages and evidence. The handlers are told; a
/// handler approves or refuses. An open case must be withdrawn first.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_erasure_request",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = ErasureRequest,
    responses(
        (status = 200, description = "The case after the request", body = CaseResponse),
        (status = 403, description = "Only the worker or their advocate asks (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "The case is open: withdraw it first (`case_still_open`); already asked (`erasure_already_requested`) or erased (`already_erased`); a stale version (`stale_version`)"),
    )
)]
#[post("/cases/{id}/erasure-request")]
pub async fn request_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ErasureRequest>,
) -> Result<HttpResponse, ApiError> {
    let version = body.0.version;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        erasure::request(conn, sealer, actor, id, version, now)
    })
    .await
}

/// Approve erasure
///
/// A handler approves the worker side's request: the case's personal data
/// is erased at once (identity, narrative, messages, evidence files, the
/// texts of remedies and of the timeline, queued notices) and its receipt
/// code stops working. The anonymous statistical record stays.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_erasure_approve",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = ErasureRequest,
    responses(
        (status = 200, description = "The case after erasure", body = CaseResponse),
        (status = 403, description = "Only handlers decide (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "Nobody asked (`erasure_not_requested`); the case is held (`legal_hold`) or open again (`case_still_open`); a stale version (`stale_version`)"),
    )
)]
#[post("/cases/{id}/erasure-request/approve")]
pub async fn approve_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ErasureRequest>,
) -> Result<HttpResponse, ApiError> {
    let version = body.0.version;
    let data_dir = state.settings.storage.data_dir.clone();
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        erasure::approve(conn, sealer, actor, id, version, &data_dir, now)
    })
    .await
}

/// Refuse erasure
///
/// A handler refuses the worker side's request, with a reason the worker
/// reads in the case's timeline (`erasure_refused`); the worker side is told.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_erasure_refuse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = ErasureRefusalRequest,
    responses(
        (status = 200, description = "The case after the refusal", body = CaseResponse),
        (status = 403, description = "Only handlers decide (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "Nobody asked (`erasure_not_requested`) or already erased (`already_erased`); a stale version (`stale_version`)"),
        (status = 422, description = "No reason given (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/erasure-request/refuse")]
pub async fn refuse_erasure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ErasureRefusalRequest>,
) -> Result<HttpResponse, ApiError> {
    let ErasureRefusalRequest { version, reason } = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        erasure::refuse(conn, sealer, actor, id, version, reason.trim().to_owned(), now)
    })
    .await
}

/// Set a legal hold
///
/// A handler keeps the case's personal data past its retention period, for
/// example while a claim is before a court or the labour inspectorate; a
/// held case is neither erased by the retention run nor on request.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_legal_hold_set",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = LegalHoldRequest,
    responses(
        (status = 200, description = "The case, held", body = CaseResponse),
        (status = 403, description = "Only handlers hold cases (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "Already erased (`already_erased`); a stale version (`stale_version`)"),
        (status = 422, description = "No reason given (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/legal-hold")]
pub async fn set_legal_hold(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<LegalHoldRequest>,
) -> Result<HttpResponse, ApiError> {
    let LegalHoldRequest { version, reason } = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        erasure::set_legal_hold(conn, sealer, actor, id, version, HoldChange::Set(reason.trim().to_owned()), now)
    })
    .await
}

/// Clear a legal hold
///
/// A handler ends the hold, with the reason; the case is again erased when
/// its retention period has passed (at the next daily run) or on request.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_legal_hold_clear",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = LegalHoldRequest,
    responses(
        (status = 200, description = "The case, no longer held", body = CaseResponse),
        (status = 403, description = "Only handlers hold cases (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "Already erased (`already_erased`); a stale version (`stale_version`)"),
        (status = 422, description = "No reason given (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/legal-hold/clear")]
pub async fn clear_legal_hold(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<LegalHoldRequest>,
) -> Result<HttpResponse, ApiError> {
    let LegalHoldRequest { version, reason } = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        erasure::set_legal_hold(conn, sealer, actor, id, version, HoldChange::Clear(reason.trim().to_owned()), now)
    })
    .await
}

/// The worker's account, as held.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDataDto {
    pub id: Uuid,
    pub username: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub preferred_language: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A file's record, with where to download it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldEvidenceDto {
    #[serde(flatten)]
    pub evidence: EvidenceDto,
    /// `GET` this path, with the same token, for the file itself.
    #[schema(
        example = "/api/v1/cases/0190f3a0-0000-7000-8000-000000000000/evidence/0190f3a0-0000-7000-8000-000000000001"
    )]
    pub download: String,
}

/// One case, as the worker may see it, with its whole conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldCaseDto {
    pub case: CaseResponse,
    pub messages: Vec<MessageDto>,
    /// Every file on the case the worker may read: on messages and on remedies' delivery.
    pub evidence: Vec<HeldEvidenceDto>,
}

/// Everything held about the worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataResponse {
    pub generated_at: DateTime<Utc>,
    /// The worker's account; absent in a receipt-code session.
    pub account: Option<AccountDataDto>,
    pub cases: Vec<HeldCaseDto>,
}

fn held_evidence(case_id: Uuid, evidence: EvidenceInfo) -> HeldEvidenceDto {
    let download = format!("/api/v1/cases/{case_id}/evidence/{}", evidence.id);
    HeldEvidenceDto { evidence: evidence.into(), download }
}

fn held_case(held: HeldCase, now: DateTime<Utc>) -> HeldCaseDto {
    let HeldCase { case, messages } = held;
    let case_id = case.case.id.as_uuid();
    let evidence = messages
        .iter()
        .flat_map(|message| message.evidence.iter().cloned())
        .chain(case.remedy_evidence.iter().map(|(_, evidence)| evidence.clone()))
        .map(|evidence| held_evidence(case_id, evidence))
        .collect();
    HeldCaseDto {
        case: CaseResponse::from_view(case, now),
        messages: messages.into_iter().map(Into::into).collect(),
        evidence,
    }
}

/// Download your personal data
///
/// Everything held about you, as JSON (APPI: access on request): in your
/// account, the account and every case of yours; in a receipt-code
/// session, that case. Each case comes with the identity and narrative you
/// gave, its timeline, remedies, messages and evidence files' records with
/// their download links. Corrections go through `POST /cases/{id}/identity`.
#[utoipa::path(
    tag = "cases",
    operation_id = "personal_data_download",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Everything held about you", body = PersonalDataResponse, headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"madoguchi-personal-data.json\"`"),
        )),
        (status = 403, description = "Only workers download their own data here (`forbidden`)"),
    )
)]
#[get("/me/personal-data")]
pub async fn download_personal_data(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let sealer = state.sealer.clone();
    let held = with_reader(&state, move |conn| personal_data::of_caller(conn, &sealer, &actor, now)).await?;
    let account = held.account.map(|user| AccountDataDto {
        id: user.id.as_uuid(),
        username: user.username,
        email: user.email,
        phone: user.phone,
        display_name: user.display_name,
        preferred_language: user.preferred_language.to_string(),
        created_at: user.created_at.and_utc(),
        updated_at: user.updated_at.and_utc(),
    });
    let cases = held.cases.into_iter().map(|case| held_case(case, now)).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"madoguchi-personal-data.json\""))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PersonalDataResponse { generated_at: now, account, cases }))
}
