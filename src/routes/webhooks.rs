//! `/webhooks`: an organisation's endpoints for case events.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::extract::ApiJson;
use super::support::with_conn;
use super::{AuthUser, Caller};
use crate::domain::WebhookId;
use crate::error::{ApiError, Problem};
use crate::service::webhooks::{self, Webhook};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register).service(list).service(remove);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// An HTTPS URL that accepts POSTed JSON.
    #[validate(url, length(max = 2000))]
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: Uuid,
    pub url: String,
    pub created_at: DateTime<Utc>,
    /// The HMAC-SHA256 key for verifying `Madoguchi-Signature`; shown only when registering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn response(webhook: Webhook, secret: Option<String>) -> WebhookResponse {
    WebhookResponse { id: webhook.id.as_uuid(), url: webhook.url, created_at: webhook.created_at, secret }
}

/// Register an endpoint for your organisation. Every case event your
/// organisation may see is POSTed to it, signed: `Madoguchi-Signature:
/// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = WebhookRequest,
    responses(
        (status = 201, body = WebhookResponse),
        (status = 403, description = "Only staff of an organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an HTTPS URL", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let url = body.0.url;
    let allowed = url.starts_with("https://") || (state.settings.webhooks.allow_http && url.starts_with("http://"));
    if !allowed {
        return Err(ApiError::validation("url", "https_required", "webhook endpoints must use https://"));
    }
    let secret = format!("whsec_{}", crate::auth::tokens::new_refresh_token().map_err(ApiError::internal)?);
    let Caller { actor, now } = caller;
    let shown = secret.clone();
    let webhook = with_conn(&state, move |conn| webhooks::register(conn, &actor, &url, secret, now)).await?;
    Ok(HttpResponse::Created().json(response(webhook, Some(shown))))
}

/// Your organisation's active endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses((status = 200, body = [WebhookResponse]), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/webhooks")]
pub async fn list(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let hooks = with_conn(&state, move |conn| webhooks::list(conn, &actor)).await?;
    let body: Vec<_> = hooks.into_iter().map(|hook| response(hook, None)).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Stop sending to an endpoint.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[delete("/webhooks/{id}")]
pub async fn remove(state: web::Data<AppState>, auth: AuthUser, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let id = WebhookId::from(id.into_inner());
    with_conn(&state, move |conn| webhooks::remove(conn, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
