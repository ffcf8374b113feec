//! `/admin/outbox`: notifications that could not be delivered.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::common::paged;
use super::support::with_conn;
use super::{AuthUser, Caller};
use crate::db::outbox::OutboxRow;
use crate::error::{AppError, Problem};
use crate::service::outbox;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_outbox).service(requeue);
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Pending,
    Sent,
    Dead,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Default `dead`.
    pub status: Option<OutboxStatus>,
    pub cursor: Option<Uuid>,
    pub limit: Option<u32>,
}

/// An outbox message. The recipient is shown; the content is rendered only when sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    pub channel: String,
    pub notification: String,
    pub case_id: Option<String>,
    pub recipient: String,
    pub language: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(row: OutboxRow) -> Self {
        Self {
            id: row.id,
            channel: row.channel,
            notification: row.notification,
            case_id: row.case_id,
            recipient: row.recipient,
            language: row.language,
            message_id: row.message_id,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at.and_utc(),
            last_error: row.last_error,
            created_at: row.created_at.and_utc(),
            sent_at: row.sent_at.map(|t| t.and_utc()),
        }
    }
}

paged!(OutboxPage, OutboxMessage);

/// Outbox messages by status (admins); dead ones by default.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, body = OutboxPage), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/admin/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let status = match query.status.unwrap_or(OutboxStatus::Dead) {
        OutboxStatus::Pending => "pending",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Dead => "dead",
    };
    let actor = auth.actor();
    let page = with_conn(&state, move |conn| {
        outbox::list(conn, &actor, status, query.cursor.map(|c| c.to_string()), query.limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(OutboxPage::from(page)))
}

/// Give a dead message a fresh set of attempts (admins).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Outbox message id")),
    responses(
        (status = 204, description = "Queued again"),
        (status = 404, description = "No dead message with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/outbox/{id}/requeue")]
pub async fn requeue(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let Caller { actor, now } = caller;
    let id = id.into_inner().to_string();
    with_conn(&state, move |conn| outbox::requeue(conn, &actor, &id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
