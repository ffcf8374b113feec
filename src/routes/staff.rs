//! `/staff/*`: the directory for case work (handlers and admins), and what
//! mediators declare about themselves (their languages, their conflicts of
//! interest).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::paged;
use super::extract::ApiJson;
use super::support::with_conn;
use super::{AuthUser, Caller};
use crate::domain::casework::ConflictSubject;
use crate::domain::{FieldError, FieldErrors, LanguageTag, OrganisationKind, Role};
use crate::error::ApiError;
use crate::service::casework::{self, Declaration, DirectoryOrganisation, StaffEntry};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_organisations)
        .service(list_mediators)
        .service(list_handlers)
        .service(set_languages)
        .service(declare_conflict);
}

/// An organisation reference: its id and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: Uuid,
    pub name: String,
}

/// An organisation as case work needs it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryOrganisationDto {
    /// Pass it as `employer_organisation_id` to `POST /cases/{id}/employer`.
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    /// For an employer: its supervising organisation (監理団体) or registered
    /// support organisation (登録支援機関).
    pub supervising_organisation: Option<OrganisationRef>,
}

paged!(DirectoryOrganisationPage, DirectoryOrganisationDto);

impl From<DirectoryOrganisation> for DirectoryOrganisationDto {
    fn from(o: DirectoryOrganisation) -> Self {
        Self {
            id: o.id.as_uuid(),
            name: o.name,
            kind: o.kind,
            supervising_organisation: o
                .supervising_organisation
                .map(|(id, name)| OrganisationRef { id: id.as_uuid(), name }),
        }
    }
}

/// A declared conflict of interest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictDto {
    pub id: Uuid,
    pub mediator_user_id: Uuid,
    /// The organisation it is with (every case it stands on), or
    pub organisation_id: Option<Uuid>,
    /// the one case it is on.
    pub case_id: Option<Uuid>,
    pub reason: String,
    pub declared_at: DateTime<Utc>,
}

impl From<Declaration> for ConflictDto {
    fn from(d: Declaration) -> Self {
        let (organisation_id, case_id) = match d.subject {
            ConflictSubject::Organisation(org) => (Some(org.as_uuid()), None),
            ConflictSubject::Case(case) => (None, Some(case.as_uuid())),
        };
        Self {
            id: d.id.as_uuid(),
            mediator_user_id: d.mediator_user_id.as_uuid(),
            organisation_id,
            case_id,
            reason: d.reason,
            declared_at: d.declared_at,
        }
    }
}

/// A mediator or handler as the case-work directory shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDto {
    pub id: Uuid,
    pub display_name: Option<String>,
    /// Admins only; handlers reach staff through the cases.
    pub email: Option<String>,
    pub organisation: Option<OrganisationRef>,
    /// BCP 47 tags: the account's language first, then those declared.
    pub languages: Vec<String>,
    /// Unfinished cases assigned to them.
    pub open_cases: i64,
    /// For mediators: the conflicts of interest they declared.
    pub conflicts: Vec<ConflictDto>,
}

paged!(StaffPage, StaffDto);

impl From<StaffEntry> for StaffDto {
    fn from(s: StaffEntry) -> Self {
        Self {
            id: s.id.as_uuid(),
            display_name: s.display_name,
            email: s.email,
            organisation: s.organisation.map(|(id, name)| OrganisationRef { id: id.as_uuid(), name }),
            languages: s.languages.iter().map(ToString::to_string).collect(),
            open_cases: s.open_cases,
            conflicts: s.conflicts.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryOrganisationQuery {
    pub kind: Option<OrganisationKind>,
    /// A part of the name, in any letter case.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// Only those who speak this language (BCP 47; `vi` also finds `vi-VN`).
    pub language: Option<String>,
    /// A part of the display name, in any letter case.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
}

/// Organisations for case work
///
/// Organisations by kind and a part of their name, oldest first in keyset
/// pages, each with its supervising organisation: how a handler finds the
/// employer to link a case to (`POST /cases/{id}/employer`). Handlers and admins.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_organisations_list",
    security(("bearer" = [])),
    params(DirectoryOrganisationQuery),
    responses(
        (status = 200, description = "A page of organisations", body = DirectoryOrganisationPage),
        (status = 403, description = "Only handlers and admins (`forbidden`)"),
    )
)]
#[get("/staff/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<DirectoryOrganisationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let actor = auth.actor();
    let page = with_conn(&state, move |conn| {
        casework::organisations(conn, &actor, query.kind, query.q, query.cursor.map(Into::into), query.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DirectoryOrganisationPage::from(page)))
}

fn language_param(raw: Option<&str>) -> Result<Option<LanguageTag>, ApiError> {
    raw.map(|tag| {
        LanguageTag::parse(tag).map_err(|_| {
            ApiError::validation("language", "invalid_language_tag", "is not a BCP 47 language tag (for example `vi`)")
        })
    })
    .transpose()
}

/// Mediators
///
/// Active mediators, optionally by a language they speak, with their
/// organisation, languages, open cases and declared conflicts of interest.
/// For a case, `GET /cases/{id}/mediator-suggestions` ranks them. Handlers and admins.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_mediators_list",
    security(("bearer" = [])),
    params(StaffQuery),
    responses(
        (status = 200, description = "A page of mediators", body = StaffPage),
        (status = 403, description = "Only handlers and admins (`forbidden`)"),
        (status = 422, description = "`language` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/staff/mediators")]
pub async fn list_mediators(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<StaffQuery>,
) -> Result<HttpResponse, ApiError> {
    staff_page(state, auth, query.into_inner(), Role::Mediator).await
}

/// Handlers and their workload
///
/// Active handlers with their open cases: whom to give a case to. Handlers and admins.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_handlers_list",
    security(("bearer" = [])),
    params(StaffQuery),
    responses(
        (status = 200, description = "A page of handlers", body = StaffPage),
        (status = 403, description = "Only handlers and admins (`forbidden`)"),
        (status = 422, description = "`language` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/staff/handlers")]
pub async fn list_handlers(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<StaffQuery>,
) -> Result<HttpResponse, ApiError> {
    staff_page(state, auth, query.into_inner(), Role::Handler).await
}

async fn staff_page(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: StaffQuery,
    role: Role,
) -> Result<HttpResponse, ApiError> {
    let language = language_param(query.language.as_deref())?;
    let actor = auth.actor();
    let page = with_conn(&state, move |conn| {
        casework::staff(conn, &actor, role, language, query.q, query.cursor.map(Into::into), query.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(StaffPage::from(page)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguagesRequest {
    /// BCP 47 tags of the languages you mediate in, besides your account's.
    #[schema(example = json!(["vi", "ne"]))]
    pub languages: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LanguagesResponse {
    pub languages: Vec<String>,
}

/// Declare your languages
///
/// A mediator says which languages they mediate in, besides their
/// account's; the list replaces the previous one. Suggestions for a case
/// match them with the worker's language. Mediators only.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_mediator_languages_set",
    security(("bearer" = [])),
    request_body = LanguagesRequest,
    responses(
        (status = 200, description = "The languages now declared", body = LanguagesResponse),
        (status = 403, description = "Only mediators (`forbidden`)"),
        (status = 422, description = "A tag is not a language tag, or more than 20 (`validation_failed`)"),
    )
)]
#[put("/staff/mediators/me/languages")]
pub async fn set_languages(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: ApiJson<LanguagesRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let mut languages = Vec::new();
    for (i, raw) in body.0.languages.iter().enumerate() {
        match LanguageTag::parse(raw) {
            Ok(tag) => languages.push(tag),
            Err(_) => errors.push(FieldError::new(
                format!("languages[{i}]"),
                "invalid_language_tag",
                "is not a BCP 47 language tag (for example `vi`, `ne`, `pt-BR`)",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Service(crate::service::Error::Validation(errors)));
    }
    let actor = auth.actor();
    let declared = with_conn(&state, move |conn| casework::set_languages(conn, &actor, languages)).await?;
    Ok(HttpResponse::Ok().json(LanguagesResponse { languages: declared.iter().map(ToString::to_string).collect() }))
}

/// A conflict of interest, as a mediator declares it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictRequest {
    /// An organisation you have a conflict with (every case it stands on), or
    pub organisation_id: Option<Uuid>,
    /// one of your cases. Exactly one of the two.
    pub case_id: Option<Uuid>,
    /// Why; all parties of the affected cases read it.
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeclaredConflict {
    #[serde(flatten)]
    pub conflict: ConflictDto,
    /// Your cases it touches: their timelines now show it to all parties.
    pub affected_case_ids: Vec<Uuid>,
}

/// Declare a conflict of interest
///
/// A mediator declares a conflict with an organisation, or on one of their
/// cases, with a reason. The declaration stays on record (it is listed with
/// the mediator in the directory); each of the mediator's cases it touches
/// shows it in its timeline to all parties; and no handler can assign the
/// mediator to a case it touches (`conflict_of_interest`). Mediators only.
#[utoipa::path(
    tag = "staff",
    operation_id = "staff_mediator_conflicts_create",
    security(("bearer" = [])),
    request_body = ConflictRequest,
    responses(
        (status = 201, description = "Declared", body = DeclaredConflict),
        (status = 403, description = "Only mediators (`forbidden`)"),
        (status = 404, description = "The case is not one of yours (`not_found`)"),
        (status = 422, description = "Neither or both of `organisation_id` and `case_id`, an unknown organisation, or no reason (`validation_failed`)"),
    )
)]
#[post("/staff/mediators/me/conflicts")]
pub async fn declare_conflict(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<ConflictRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let subject = match (body.organisation_id, body.case_id) {
        (Some(org), None) => ConflictSubject::Organisation(org.into()),
        (None, Some(case)) => ConflictSubject::Case(case.into()),
        _ => {
            return Err(ApiError::validation(
                "organisation_id",
                "exactly_one",
                "give exactly one of `organisation_id` and `case_id`",
            ));
        }
    };
    let Caller { actor, now } = caller;
    let (declaration, affected) =
        with_conn(&state, move |conn| casework::declare_conflict(conn, &actor, subject, body.reason, now)).await?;
    Ok(HttpResponse::Created().json(DeclaredConflict {
        conflict: declaration.into(),
        affected_case_ids: affected.iter().map(|c| c.as_uuid()).collect(),
    }))
}
