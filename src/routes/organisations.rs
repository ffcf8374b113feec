//! `/organisations/{id}`: an organisation's record, for those who may see it.

use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use super::AuthUser;
use super::common::OrganisationResponse;
use super::support::with_reader;
use crate::error::ApiError;
use crate::service::organisations;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_organisation);
}

/// One organisation
///
/// Visible to its members, handlers and admins; to anyone else it does not exist.
#[utoipa::path(
    tag = "organisations",
    operation_id = "organisations_get",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationResponse),
        (status = 404, description = "No such organisation, or not visible to you (`not_found`)"),
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
    let organisation = with_reader(&state, move |conn| organisations::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(OrganisationResponse::from(organisation)))
}
