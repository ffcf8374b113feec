//! `/organisations/{id}`: an organisation's record, for those who may see it.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::with_conn;
use crate::auth::AuthUser;
use crate::domain::OrganisationKind;
use crate::domain::organisation::Organisation;
use crate::error::{AppError, Problem};
use crate::service::organisations;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_organisation);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationResponse {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub contact_email: Option<String>,
    pub supervising_organisation_id: Option<Uuid>,
    pub preferred_language: String,
    pub created_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationResponse {
    fn from(organisation: Organisation) -> Self {
        Self {
            id: organisation.id.as_uuid(),
            name: organisation.name,
            kind: organisation.kind,
            contact_email: organisation.contact_email,
            supervising_organisation_id: organisation.supervising_organisation_id.map(|o| o.as_uuid()),
            preferred_language: organisation.preferred_language.to_string(),
            created_at: organisation.created_at,
        }
    }
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
) -> Result<HttpResponse, AppError> {
    let actor = auth.actor();
    let id = id.into_inner().into();
    let organisation = with_conn(&state, move |conn| organisations::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(OrganisationResponse::from(organisation)))
}
