//! `/organisations/{id}`: an organisation's record, for those who may see it.

use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use super::AuthUser;
use super::common::OrganisationResponse;
use super::support::with_conn;
use crate::error::{ApiError, Problem};
use crate::service::organisations;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_organisation);
}

/// An organisation: visible to its members, handlers and admins; 404 to anyone else.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, body = OrganisationResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let id = id.into_inner().into();
    let organisation = with_conn(&state, move |conn| organisations::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(OrganisationResponse::from(organisation)))
}
