//! `/admin/outbox`: notifications that could not be delivered.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::common::paged;
use super::support::{with_conn, with_reader};
use super::{AuthUser, Caller};
use crate::domain::OutboxId;
use crate::domain::notification::{Channel, OutboxStatus};
use crate::error::ApiError;
use crate::service::outbox::{self, OutboxEntry};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_outbox).service(requeue);
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
    pub id: Uuid,
    pub channel: Channel,
    pub notification: String,
    pub case_id: Option<Uuid>,
    pub recipient: String,
    pub language: String,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxEntry> for OutboxMessage {
    fn from(entry: OutboxEntry) -> Self {
        Self {
            id: entry.id.as_uuid(),
            channel: entry.channel,
            notification: entry.topic.to_string(),
            case_id: entry.case_id.map(|id| id.as_uuid()),
            recipient: entry.recipient,
            language: entry.language,
            message_id: entry.message_id,
            status: entry.status,
            attempts: entry.attempts,
            next_attempt_at: entry.next_attempt_at,
            last_error: entry.last_error,
            created_at: entry.created_at,
            sent_at: entry.sent_at,
        }
    }
}

paged!(OutboxPage, OutboxMessage);

/// List outbox messages
///
/// Notifications (mail and webhook deliveries) by status, dead ones by
/// default: those the worker gave up on after `outbox.max_attempts`. Admins only.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_outbox_list",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "A page of outbox messages", body = OutboxPage),
        (status = 403, description = "Only admins read the outbox (`forbidden`)"),
    )
)]
#[get("/admin/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let status = query.status.unwrap_or(OutboxStatus::Dead);
    let actor = auth.actor();
    let sealer = state.sealer.clone();
    let page = with_reader(&state, move |conn| {
        outbox::list(conn, &sealer, &actor, status, query.cursor.map(OutboxId::from), query.limit)
    })
    .await?;
    let mut page = OutboxPage::from(page);
    // As the message went out: under the configured domain.
    let domain = state.settings.mail.message_id_domain().map_err(ApiError::internal)?;
    for message in &mut page.items {
        message.message_id = crate::notify::message_id_under(&message.message_id, &domain);
    }
    Ok(HttpResponse::Ok().json(page))
}

/// Requeue a dead message
///
/// Gives a dead message a fresh set of attempts, due now, for example after
/// the mail server was fixed. Admins only.
#[utoipa::path(
    tag = "admin",
    operation_id = "admin_outbox_requeue",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Outbox message id")),
    responses(
        (status = 204, description = "Queued again"),
        (status = 403, description = "Only admins requeue (`forbidden`)"),
        (status = 404, description = "No dead message with this id (`not_found`)"),
    )
)]
#[post("/admin/outbox/{id}/requeue")]
pub async fn requeue(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let Caller { actor, now } = caller;
    let id = OutboxId::from(id.into_inner());
    with_conn(&state, move |conn| outbox::requeue(conn, &actor, id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
