//! `/admin/*`: organisations and users, for admins.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::{
    OrganisationPage, OrganisationResponse, UserPage, UserResponse, language_or_default, present, valid_language,
    valid_password, valid_username,
};
use super::extract::ApiJson;
use super::support::{with_conn, with_reader};
use super::{AuthUser, Caller};
use crate::domain::{FieldErrors, LanguageTag, OrganisationKind, Role};
use crate::error::ApiError;
use crate::service::organisations::{self, NewOrganisationInput, OrganisationPatch};
use crate::service::users::{self, NewUserInput, UserListFilter, UserPatch};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_organisation)
        .service(list_organisations)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(deactivate_user)
        .service(reactivate_user)
        .service(update_user)
        .service(update_organisation)
        .service(deactivate_organisation)
        .service(reactivate_organisation);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisationRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "Sakura Foods K.K.")]
    pub name: String,
    pub kind: OrganisationKind,
    /// Where notifications for this organisation go.
    #[validate(email)]
    pub contact_email: Option<String>,
    /// For employers: their supervising organisation (監理団体) or registered
    /// support organisation (登録支援機関), which becomes a party to their cases.
    pub supervising_organisation_id: Option<Uuid>,
    /// BCP 47 tag for this organisation's notifications; defaults to `ja`.
    #[validate(custom(function = "valid_language"))]
    pub preferred_language: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[validate(email)]
    pub email: Option<String>,
    #[validate(custom(function = "valid_username"))]
    pub username: Option<String>,
    #[validate(length(min = 5, max = 32))]
    pub phone: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub display_name: Option<String>,
    #[validate(custom(function = "valid_password"))]
    pub password: String,
    pub role: Role,
    /// Required for every role but worker and admin; must match the role.
    pub organisation_id: Option<Uuid>,
    /// BCP 47 tag; defaults to `en`.
    #[validate(custom(function = "valid_language"))]
    pub preferred_language: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganisationListQuery {
    pub kind: Option<OrganisationKind>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    pub organisation_id: Option<Uuid>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
}

/// Create an organisation
///
/// An employer, a supervising or support organisation, an advocate (NGO,
/// union, lawyers), a mediator's body, an analyst's body or the operator of
/// the mechanism. An employer's supervising organisation becomes a party to
/// its cases.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_organisations_create",
    security(("bearer" = [])),
    request_body = CreateOrganisationRequest,
    responses(
        (status = 201, description = "Created", body = OrganisationResponse),
        (status = 403, description = "Only admins create organisations (`forbidden`)"),
        (status = 422, description = "A field breaks a rule, for example an unknown supervising organisation (`validation_failed`)"),
    )
)]
#[post("/admin/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<CreateOrganisationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let input = NewOrganisationInput {
        name: body.name.trim().to_owned(),
        kind: body.kind,
        contact_email: body.contact_email.map(|e| e.trim().to_lowercase()),
        supervising_organisation_id: body.supervising_organisation_id.map(Into::into),
        preferred_language: body
            .preferred_language
            .as_deref()
            .and_then(|tag| LanguageTag::parse(tag).ok())
            .unwrap_or_else(|| LanguageTag::parse("ja").unwrap_or_else(|_| LanguageTag::english())),
    };
    let Caller { actor, now } = caller;
    let organisation = with_conn(&state, move |conn| organisations::create(conn, &actor, input, now)).await?;
    Ok(HttpResponse::Created().json(OrganisationResponse::from(organisation)))
}

/// List organisations
///
/// Oldest first, in keyset pages: pass `next_cursor` back as `cursor`.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_organisations_list",
    security(("bearer" = [])),
    params(OrganisationListQuery),
    responses(
        (status = 200, description = "A page of organisations", body = OrganisationPage),
        (status = 403, description = "Only admins list organisations (`forbidden`)"),
    )
)]
#[get("/admin/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<OrganisationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let actor = auth.actor();
    let page = with_reader(&state, move |conn| {
        organisations::list(conn, &actor, query.kind, query.cursor.map(Into::into), query.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(OrganisationPage::from(page)))
}

/// Create a user of any role
///
/// Every role but worker and admin belongs to an organisation of the kind
/// the role needs (an employer's staff to an employer, and so on).
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_users_create",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 403, description = "Only admins create users (`forbidden`)"),
        (status = 409, description = "The email (`email_taken`) or username (`username_taken`) is taken"),
        (status = 422, description = "A field breaks a rule, for example an organisation of the wrong kind (`validation_failed`)"),
    )
)]
#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = FieldErrors::default();
    let preferred_language = language_or_default(body.preferred_language.as_deref(), &mut errors);
    errors.into_result()?;
    let input = NewUserInput {
        email: body.email,
        username: body.username,
        phone: body.phone,
        display_name: body.display_name,
        password: body.password,
        role: body.role,
        organisation_id: body.organisation_id.map(Into::into),
        preferred_language,
    };
    let Caller { actor, now } = caller;
    let user = with_conn(&state, move |conn| users::create(conn, &actor, input, now)).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(user)))
}

/// List users
///
/// Oldest first, optionally of one role or organisation, in keyset pages:
/// pass `next_cursor` back as `cursor`.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_users_list",
    security(("bearer" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 403, description = "Only admins list users (`forbidden`)"),
    )
)]
#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let actor = auth.actor();
    let filter = UserListFilter { role: query.role, organisation_id: query.organisation_id.map(Into::into) };
    let page =
        with_reader(&state, move |conn| users::list(conn, &actor, filter, query.cursor.map(Into::into), query.limit))
            .await?;
    Ok(HttpResponse::Ok().json(UserPage::from(page)))
}

/// One user
///
/// Admins read any user; everyone else only themselves.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_users_get",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 403, description = "Not an admin and not yourself (`forbidden`)"),
        (status = 404, description = "No such user (`not_found`)"),
    )
)]
#[get("/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let id = id.into_inner().into();
    let user = with_reader(&state, move |conn| users::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Deactivate a user
///
/// The account can no longer log in, and every session it has ends at
/// once: its access tokens stop working on their next request. Admins
/// only, and not their own account.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_users_deactivate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user, now inactive", body = UserResponse),
        (status = 403, description = "Not an admin, or your own account (`forbidden`)"),
        (status = 404, description = "No such user (`not_found`)"),
    )
)]
#[post("/admin/users/{id}/deactivate")]
pub async fn deactivate_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_active(caller, state, id.into_inner(), false).await
}

/// Reactivate a user
///
/// The account can log in again; sessions ended by the deactivation stay ended.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_users_reactivate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user, active again", body = UserResponse),
        (status = 403, description = "Not an admin, or your own account (`forbidden`)"),
        (status = 404, description = "No such user (`not_found`)"),
    )
)]
#[post("/admin/users/{id}/reactivate")]
pub async fn reactivate_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_active(caller, state, id.into_inner(), true).await
}

async fn set_active(
    caller: Caller,
    state: web::Data<AppState>,
    id: Uuid,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let user = with_conn(&state, move |conn| users::set_active(conn, &actor, id.into(), active, now)).await?;
    state.live_sessions.forget_all();
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Changes to an organisation (JSON merge patch): a field left out stays as
/// it is, `null` clears a clearable one, a value replaces it. The kind does
/// not change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisationRequest {
    #[schema(example = "Sakura Foods K.K.")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    /// For employers: their supervising or registered support organisation.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub supervising_organisation_id: Option<Option<Uuid>>,
    pub preferred_language: Option<String>,
}

/// The values an organisation edit sets, checked by the rules of a new one.
#[derive(Debug, Validate)]
struct OrganisationValues<'a> {
    #[validate(length(min = 1, max = 200))]
    name: Option<&'a str>,
    #[validate(email)]
    contact_email: Option<&'a str>,
    #[validate(custom(function = "valid_language"))]
    preferred_language: Option<&'a str>,
}

impl Validate for UpdateOrganisationRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        OrganisationValues {
            name: self.name.as_deref().map(str::trim),
            contact_email: self.contact_email.as_ref().and_then(|e| e.as_deref()),
            preferred_language: self.preferred_language.as_deref(),
        }
        .validate()
    }
}

/// Edit an organisation
///
/// Changes its name, contact address, supervising organisation (employers
/// only) or notification language; fields left out stay as they are.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_organisations_update",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = UpdateOrganisationRequest,
    responses(
        (status = 200, description = "The organisation after the edit", body = OrganisationResponse),
        (status = 403, description = "Only admins edit organisations (`forbidden`)"),
        (status = 404, description = "No such organisation (`not_found`)"),
        (status = 422, description = "A field breaks a rule, for example a supervising organisation that is not one (`validation_failed`)"),
    )
)]
#[patch("/admin/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateOrganisationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let patch = OrganisationPatch {
        name: body.name.map(|n| n.trim().to_owned()),
        contact_email: body.contact_email.map(|e| e.map(|e| e.trim().to_lowercase())),
        supervising_organisation_id: body.supervising_organisation_id.map(|o| o.map(Into::into)),
        preferred_language: body.preferred_language.as_deref().and_then(|tag| LanguageTag::parse(tag).ok()),
    };
    let Caller { actor, now } = caller;
    let id = id.into_inner().into();
    let organisation = with_conn(&state, move |conn| organisations::update(conn, &actor, id, patch, now)).await?;
    Ok(HttpResponse::Ok().json(OrganisationResponse::from(organisation)))
}

/// Deactivate an organisation
///
/// Its members can no longer log in and their sessions end at once; it can
/// no longer be named as a case's employer, an advocate or a supervising
/// organisation, nor given new members. Its cases stay as they are. Admins
/// only, and not their own organisation.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_organisations_deactivate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation, now inactive", body = OrganisationResponse),
        (status = 403, description = "Not an admin, or your own organisation (`forbidden`)"),
        (status = 404, description = "No such organisation (`not_found`)"),
    )
)]
#[post("/admin/organisations/{id}/deactivate")]
pub async fn deactivate_organisation(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_organisation_active(caller, state, id.into_inner(), false).await
}

/// Reactivate an organisation
///
/// Its members can log in again (sessions ended by the deactivation stay
/// ended), and it can be named on cases again.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_organisations_reactivate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation, active again", body = OrganisationResponse),
        (status = 403, description = "Not an admin, or your own organisation (`forbidden`)"),
        (status = 404, description = "No such organisation (`not_found`)"),
    )
)]
#[post("/admin/organisations/{id}/reactivate")]
pub async fn reactivate_organisation(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_organisation_active(caller, state, id.into_inner(), true).await
}

async fn set_organisation_active(
    caller: Caller,
    state: web::Data<AppState>,
    id: Uuid,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let organisation =
        with_conn(&state, move |conn| organisations::set_active(conn, &actor, id.into(), active, now)).await?;
    state.live_sessions.forget_all();
    Ok(HttpResponse::Ok().json(OrganisationResponse::from(organisation)))
}

/// Changes to an account (JSON merge patch): a field left out stays as it
/// is, `null` clears it, a value replaces it. The role and organisation do
/// not change; an account keeps an email address or a username.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    /// BCP 47 tag.
    pub preferred_language: Option<String>,
}

/// The values an account edit sets, checked by the rules of a new account.
#[derive(Debug, Validate)]
struct UserValues<'a> {
    #[validate(email)]
    email: Option<&'a str>,
    #[validate(custom(function = "valid_username"))]
    username: Option<&'a str>,
    #[validate(length(min = 5, max = 32))]
    phone: Option<&'a str>,
    #[validate(length(min = 1, max = 200))]
    display_name: Option<&'a str>,
    #[validate(custom(function = "valid_language"))]
    preferred_language: Option<&'a str>,
}

impl Validate for UpdateUserRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        fn value(field: &Option<Option<String>>) -> Option<&str> {
            field.as_ref().and_then(|v| v.as_deref())
        }
        UserValues {
            email: value(&self.email),
            username: value(&self.username),
            phone: value(&self.phone),
            display_name: value(&self.display_name),
            preferred_language: self.preferred_language.as_deref(),
        }
        .validate()
    }
}

/// Edit a user
///
/// Changes an account's e-mail address, username, phone, display name or
/// language; fields left out stay as they are. Admins only.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_users_update",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The user after the edit", body = UserResponse),
        (status = 403, description = "Only admins edit users (`forbidden`)"),
        (status = 404, description = "No such user (`not_found`)"),
        (status = 409, description = "The email (`email_taken`) or username (`username_taken`) belongs to another account"),
        (status = 422, description = "A field breaks a rule, for example removing the last login name (`validation_failed`)"),
    )
)]
#[patch("/admin/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let patch = UserPatch {
        email: body.email,
        username: body.username,
        phone: body.phone,
        display_name: body.display_name,
        preferred_language: body.preferred_language.as_deref().and_then(|tag| LanguageTag::parse(tag).ok()),
    };
    let Caller { actor, now } = caller;
    let id = id.into_inner().into();
    let user = with_conn(&state, move |conn| users::update(conn, &actor, id, patch, now)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}
