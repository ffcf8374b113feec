//! `/cases`: lodging, reading, lifecycle actions and other case commands.

pub mod dto;
pub mod messages;
pub mod privacy;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use self::dto::*;
use super::extract::ApiJson;
use super::support::{with_conn, with_reader};
use super::{AuthUser, Caller};
use crate::auth::Actor;
use crate::domain::CaseId;
use crate::error::ApiError;
use crate::service::cases::act;
use crate::service::cases::commands;
use crate::service::cases::lodge::{self, RetryKey};
use crate::service::cases::read::{self, AssigneeFilter, CaseFilter};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(lodge_case)
        .service(list_cases)
        .service(get_case)
        .service(get_case_by_reference)
        .service(take_action)
        .service(set_consent)
        .service(assign_mediator)
        .service(assign_handler)
        .service(mediator_suggestions)
        .service(link_employer)
        .service(classify)
        .service(update_identity)
        .service(set_advocate)
        .service(remove_advocate)
        .service(replace_receipt_code)
        .configure(messages::configure)
        .configure(privacy::configure);
}

/// Reads an optional `Idempotency-Key` header.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "must be 1 to 255 printable ASCII characters, for example a UUID",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Lodges for whoever is calling; shared by `/cases` and `/intake`.
pub async fn lodge_for(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    caller: Option<Actor>,
    body: LodgeCaseRequest,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(req)?;
    let lodged = lodge_with_key(state, caller, body, key).await?;
    Ok(lodged_response(lodged))
}

/// Lodges with an optional retry key, however it arrived (the API's
/// `Idempotency-Key` header, the window's one-time form key).
pub async fn lodge_with_key(
    state: &web::Data<AppState>,
    caller: Option<Actor>,
    body: LodgeCaseRequest,
    key: Option<String>,
) -> Result<lodge::Lodged, ApiError> {
    let request_hash = crate::crypto::sha256_hex(&serde_json::to_vec(&body).map_err(ApiError::internal)?);
    let now = state.clock.now();
    let input = body.into_input(now.date_naive())?;
    let retry_key = key.map(|key| RetryKey { key, request_hash });
    let state_for_block = state.clone();
    with_conn(state, move |conn| {
        let keys = lodge::Intake {
            receipts: &state_for_block.receipts,
            references: &state_for_block.references,
            sealer: &state_for_block.sealer,
        };
        lodge::lodge(conn, caller.as_ref(), input, retry_key, keys, now)
    })
    .await
}

/// `201 Created` with the case's URL, the reference and the receipt code.
pub fn lodged_response(lodged: lodge::Lodged) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/cases/{}", lodged.case_id)));
    if lodged.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(LodgedResponse {
        case_id: lodged.case_id.as_uuid(),
        reference: lodged.reference.to_string(),
        receipt_code: lodged.receipt_code,
    })
}

/// Lodge a grievance
///
/// As a worker, for yourself; or as an advocate, for a worker who consented
/// (`worker_consent` says how). Name the employer with exactly one of
/// `employer_organisation_id` (a registered employer) and `employer_name`.
/// Send an `Idempotency-Key` so that a retry after a lost answer does not
/// lodge twice. Workers without an account lodge at `POST /api/v1/intake`.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_create",
    security(("bearer" = [])),
    request_body = LodgeCaseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 printable ASCII characters, for example a UUID; retrying with the same key and body returns the first answer")),
    responses(
        (status = 201, description = "Lodged; keep the receipt code, it is shown only now", body = LodgedResponse, headers(
            ("Location" = String, description = "The case's URL"),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same key"),
        )),
        (status = 403, description = "Only workers and advocates lodge here (`forbidden`)"),
        (status = 409, description = "The `Idempotency-Key` was used for another request (`idempotency_key_reused`)"),
        (status = 422, description = "A field breaks a rule, for example both or neither employer field, or an unknown employer (`validation_failed`)"),
    )
)]
#[post("/cases")]
pub async fn lodge_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    body: ApiJson<LodgeCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    lodge_for(&req, &state, Some(auth.actor()), body.0).await
}

/// List cases
///
/// The cases the caller may see, newest first, in keyset pages (pass
/// `next_cursor` back as `cursor`): a worker their own, an advocate those of
/// their organisation, the employer side those it is a party to, a mediator
/// those assigned, handlers all.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_list",
    security(("bearer" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "A page of case summaries", body = CasePage),
        (status = 403, description = "Analysts and admins do not read cases (`forbidden`)"),
    )
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CaseListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let Caller { actor, now } = caller;
    let assignee = query.assignee.as_deref().map(parse_assignee).transpose()?;
    let filter = CaseFilter {
        state: query.state,
        category: query.category,
        priority: query.priority,
        party_organisation_id: query.organisation_id.map(Into::into),
        overdue: query.overdue.unwrap_or(false),
        channel: query.channel,
        created_from: query.created_from,
        created_before: query.created_before,
        assignee,
        employer_organisation_id: query.employer_organisation_id.map(Into::into),
        supervising_organisation_id: query.supervising_organisation_id.map(Into::into),
        text: query.q,
    };
    let page = with_reader(&state, move |conn| {
        read::list(conn, &actor, &filter, query.cursor.map(Into::into), query.limit, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CasePage::from_page(page, |s| CaseSummaryDto::from_summary(s, now))))
}

/// `assignee=me`, `none`, or a user id.
fn parse_assignee(raw: &str) -> Result<AssigneeFilter, ApiError> {
    match raw.trim() {
        "me" => Ok(AssigneeFilter::Me),
        "none" => Ok(AssigneeFilter::Nobody),
        other => other
            .parse::<Uuid>()
            .map(|id| AssigneeFilter::Handler(id.into()))
            .map_err(|_| ApiError::validation("assignee", "invalid_assignee", "`me`, `none` or a handler's user id")),
    }
}

/// Runs a case command for the caller and answers with the case as they now see it.
pub(super) async fn run_command<F>(
    state: &web::Data<AppState>,
    caller: Caller,
    id: Uuid,
    command: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(
            &mut crate::db::DbConnection,
            &crate::seal::Sealer,
            &crate::auth::Actor,
            CaseId,
            DateTime<Utc>,
        ) -> Result<read::CaseView, crate::service::Error>
        + Send
        + 'static,
{
    let Caller { actor, now } = caller;
    let sealer = state.sealer.clone();
    let view = with_conn(state, move |conn| command(conn, &sealer, &actor, id.into(), now)).await?;
    Ok(case_response(view, now))
}

fn case_response(view: read::CaseView, now: chrono::DateTime<chrono::Utc>) -> HttpResponse {
    let version = view.case.version;
    HttpResponse::Ok().insert_header((header::ETAG, format!("\"{version}\""))).json(CaseResponse::from_view(view, now))
}

/// One case
///
/// The case as the caller may see it: the worker's identity only where the
/// caller may see it, the timeline of events visible to them, and the
/// actions they may take now (`allowed_actions`).
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_get",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
    )
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let id = id.into_inner().into();
    let sealer = state.sealer.clone();
    let view = with_reader(&state, move |conn| read::get(conn, &sealer, &actor, id, now)).await?;
    Ok(case_response(view, now))
}

/// One case, by reference
///
/// The same as `GET /cases/{id}`, found by the reference printed on the
/// worker's receipt (`MG-2026-000042`, any letter case), within the caller's
/// scope: a handler on the phone with a worker finds the case by what the
/// worker reads out.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_get_by_reference",
    security(("bearer" = [])),
    params(("reference" = String, Path, description = "Case reference, for example MG-2026-000042")),
    responses(
        (status = 200, description = "The case", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 404, description = "No case with this reference visible to the caller (`not_found`)"),
    )
)]
#[get("/case-references/{reference}")]
pub async fn get_case_by_reference(
    state: web::Data<AppState>,
    caller: Caller,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let reference = reference.into_inner();
    let sealer = state.sealer.clone();
    let view = with_reader(&state, move |conn| read::get_by_reference(conn, &sealer, &actor, &reference, now)).await?;
    Ok(case_response(view, now))
}

/// The version the caller last read: the body's `version`, else `If-Match`.
fn expected_version(req: &HttpRequest, body_version: Option<i32>) -> Result<i32, ApiError> {
    if let Some(version) = body_version {
        return Ok(version);
    }
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::validation("version", "required", "send the case version you last read (or an If-Match header)")
        })
}

/// Take a lifecycle action
///
/// Moves the case on: acknowledge, refer, respond, propose and accept
/// remedies, mark them delivered, confirm, close, reopen… `GET
/// /api/v1/lifecycle` publishes who may take which action in which state.
/// Send the version you last read (`version` or `If-Match`).
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_act",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = Option<String>, Header, description = "The case version (its `ETag`), if not given in the body"),
    ),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "The case after the action", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Your role may not take this action, or the remedy is not yours to deliver (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`); an action not possible now (`invalid_transition`, with `allowed_actions`); or a precondition missing (`mediator_not_assigned`, `employer_not_linked`, `reopen_window_passed`, `remedy_not_owed`)"),
        (status = 422, description = "The action lacks what it needs, for example a reason, remedies or a rating (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/actions")]
pub async fn take_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let version = expected_version(&req, body.version)?;
    let instruction = body.into_instruction(version)?;
    let Caller { actor, now } = caller;
    let id = id.into_inner().into();
    let sealer = state.sealer.clone();
    let view = with_conn(&state, move |conn| act::act(conn, &sealer, &actor, id, instruction, now)).await?;
    Ok(case_response(view, now))
}

/// Give or withdraw consent to disclose the identity
///
/// The worker (or their advocate) decides whether the employer and the
/// supervising organisation may see the worker's identity. Withdrawing hides
/// it again at once.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_consent_set",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = ConsentRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only the worker's side decides (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
    )
)]
#[post("/cases/{id}/consent")]
pub async fn set_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::set_disclosure_consent(conn, sealer, actor, id, body.version, body.disclose_identity_to_employer, now)
    })
    .await
}

/// Assign the mediator
///
/// Handlers choose the case's mediator, a user with the mediator role, who
/// may then start mediation.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_mediator_assign",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AssignMediatorRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only handlers assign mediators (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
        (status = 422, description = "The user is not a mediator (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/mediator")]
pub async fn assign_mediator(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AssignMediatorRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::assign_mediator(conn, sealer, actor, id, body.version, body.mediator_user_id.into(), now)
    })
    .await
}

/// Assign the case's handler
///
/// Handlers take a case (send your own user id), give it to another
/// handler, or leave it without an owner (`null`). Each change is in the
/// case's internal timeline; the new owner is told by e-mail unless they
/// took the case themselves. `GET /cases?assignee=me` lists your cases.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_assignee_set",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AssignHandlerRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only handlers assign handlers (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
        (status = 422, description = "The user is not an active handler (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/assignee")]
pub async fn assign_handler(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AssignHandlerRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::assign_handler(conn, sealer, actor, id, body.version, body.handler_user_id.map(Into::into), now)
    })
    .await
}

/// Mediators suggested for a case
///
/// For handlers choosing a mediator: active mediators who speak the
/// worker's language (the language of the narrative) first, then the least
/// loaded (open cases). Mediators who declared a conflict of interest with
/// the case or an organisation on it are left out, since assigning them is
/// refused (`conflict_of_interest`).
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_mediator_suggestions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Mediators, best first", body = MediatorSuggestions),
        (status = 403, description = "Only handlers assign mediators (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
    )
)]
#[get("/cases/{id}/mediator-suggestions")]
pub async fn mediator_suggestions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, .. } = caller;
    let id = id.into_inner().into();
    let (language, suggestions) =
        with_conn(&state, move |conn| crate::service::casework::suggest_mediators(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(MediatorSuggestions {
        workers_language: language.to_string(),
        mediators: suggestions
            .into_iter()
            .map(|s| MediatorSuggestionDto {
                speaks_workers_language: s.speaks_workers_language,
                mediator: crate::routes::staff::StaffDto::from(s.entry),
            })
            .collect(),
    }))
}

/// Link a registered employer
///
/// Handlers link a case lodged with an employer's name to the registered
/// employer, before referring it; its supervising organisation becomes a
/// party too.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_employer_link",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = LinkEmployerRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only handlers link employers (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`), or the case was already referred (`already_referred`)"),
        (status = 422, description = "The organisation is not an employer (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/employer")]
pub async fn link_employer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<LinkEmployerRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::link_employer(conn, sealer, actor, id, body.version, body.employer_organisation_id.into(), now)
    })
    .await
}

/// Classify the case
///
/// Handlers set the priority, correct the categories and record the ILO
/// forced-labour indicators they see. Fields left out stay as they are.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_classify",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = ClassificationRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only handlers classify (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
        (status = 422, description = "An unknown indicator code (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/classification")]
pub async fn classify(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ClassificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let classification = commands::Classification {
        priority: body.priority,
        categories: body.categories,
        forced_labour_indicators: body.forced_labour_indicators,
    };
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::classify(conn, sealer, actor, id, body.version, classification, now)
    })
    .await
}

/// Update the worker's identity
///
/// The worker's side and handlers correct or complete the identity; the
/// fields sent replace the stored ones.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_identity_update",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = IdentityUpdateRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only the worker's side and handlers (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),        (status = 422, description = "A field breaks a rule, for example an invalid email address (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/identity")]
pub async fn update_identity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<IdentityUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::update_identity(conn, sealer, actor, id, body.version, body.identity.into(), now)
    })
    .await
}

/// Name the worker's advocate
///
/// The worker names the advocate organisation (an NGO, union or legal-aid
/// office) acting for them on this case, replacing any other; a handler may
/// do it for the worker with the worker's recorded consent
/// (`worker_consent`). The advocate's staff see the case at once; a replaced
/// advocate no longer does.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_advocate_set",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AdvocateRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only the worker, or a handler for them, names the advocate (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
        (status = 422, description = "Not an active advocate organisation, or a handler without the worker's consent (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/advocate")]
pub async fn set_advocate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AdvocateRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let consent = body.worker_consent.map(WorkerConsentDto::into_recorded);
    let advocate = Some(body.advocate_organisation_id.into());
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::set_advocate(conn, sealer, actor, (id, body.version), advocate, consent, now)
    })
    .await
}

/// Remove the worker's advocate
///
/// The worker (or a handler for them, with the worker's recorded consent)
/// ends the advocate organisation's part in the case: its staff no longer
/// see it, from the next request on.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_advocate_remove",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AdvocateRemovalRequest,
    responses(
        (status = 200, description = "The case after the change", body = CaseResponse, headers(("ETag" = String, description = "The case's version, quoted; send it back as `If-Match` with the next action"))),
        (status = 403, description = "Only the worker, or a handler for them, removes the advocate (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
        (status = 422, description = "The case has no advocate, or a handler without the worker's consent (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/advocate/removal")]
pub async fn remove_advocate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AdvocateRemovalRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let consent = body.worker_consent.map(WorkerConsentDto::into_recorded);
    run_command(&state, caller, id.into_inner(), move |conn, sealer, actor, id, now| {
        commands::set_advocate(conn, sealer, actor, (id, body.version), None, consent, now)
    })
    .await
}

/// Replace a lost receipt code
///
/// A handler who has checked that the caller is the case's worker (say how
/// in `identity_check`, for the audit trail) issues a new receipt code. The
/// old code stops working, and every session it opened ends at once. The
/// new code is in this answer only: pass it on to the worker.
#[utoipa::path(
    tag = "cases",
    operation_id = "cases_receipt_code_replace",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = ReceiptCodeRequest,
    responses(
        (status = 200, description = "The new receipt code, shown only now", body = ReceiptCodeResponse),
        (status = 403, description = "Only handlers replace receipt codes (`forbidden`)"),
        (status = 404, description = "No such case, or not visible to the caller (`not_found`)"),
        (status = 409, description = "A stale version (`stale_version`)"),
        (status = 422, description = "No account of the identity check (`validation_failed`)"),
    )
)]
#[post("/cases/{id}/receipt-code")]
pub async fn replace_receipt_code(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ReceiptCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let Caller { actor, now } = caller;
    let id: CaseId = id.into_inner().into();
    let state_for_block = state.clone();
    let (view, receipt_code) = with_conn(&state, move |conn| {
        let check = body.identity_check.trim().to_owned();
        commands::replace_receipt_code(
            conn,
            &state_for_block.sealer,
            &actor,
            &state_for_block.receipts,
            (id, body.version),
            check,
            now,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, format!("\"{}\"", view.case.version))).json(
        ReceiptCodeResponse {
            case_id: view.case.id.as_uuid(),
            reference: view.case.reference.to_string(),
            receipt_code,
            version: view.case.version,
        },
    ))
}
