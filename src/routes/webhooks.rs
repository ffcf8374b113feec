//! `/webhooks`: an organisation's endpoints for case events.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::extract::ApiJson;
use super::support::{with_conn, with_reader};
use super::{AuthUser, Caller};
use crate::domain::WebhookId;
use crate::error::ApiError;
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
    /// The signing secret, `whsec_<base64 key>` as Standard Webhooks libraries take it; shown only when registering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn response(webhook: Webhook, secret: Option<String>) -> WebhookResponse {
    WebhookResponse { id: webhook.id.as_uuid(), url: webhook.url, created_at: webhook.created_at, secret }
}

/// Register an endpoint for your organisation
///
/// Every case event your organisation may see is POSTed to the URL as a
/// `CaseEventPayload` (see the `caseEvent` webhook), signed in the Standard
/// Webhooks format (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
/// with the secret returned here, once, so any Standard Webhooks library
/// verifies it. Staff of any organisation may register; workers may not.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "webhooks_create",
    security(("bearer" = [])),
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Registered; keep the `secret`, it is not shown again", body = WebhookResponse),
        (status = 403, description = "Only staff of an organisation register webhooks (`forbidden`)"),
        (status = 422, description = "Not an HTTPS URL (`validation_failed`, field `url`)"),
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
    let secret = crate::notify::webhook::new_secret().map_err(ApiError::internal)?;
    let Caller { actor, now } = caller;
    let shown = secret.clone();
    let webhook = with_conn(&state, move |conn| webhooks::register(conn, &actor, &url, secret, now)).await?;
    Ok(HttpResponse::Created().json(response(webhook, Some(shown))))
}

/// Your organisation's active endpoints
///
/// The endpoints registered for the caller's organisation that have not been
/// removed. Secrets are never shown again.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "webhooks_list",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The active endpoints, oldest first", body = [WebhookResponse]),
        (status = 403, description = "Only staff of an organisation have webhooks (`forbidden`)"),
    )
)]
#[get("/webhooks")]
pub async fn list(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let hooks = with_reader(&state, move |conn| webhooks::list(conn, &actor)).await?;
    let body: Vec<_> = hooks.into_iter().map(|hook| response(hook, None)).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Stop sending to an endpoint
///
/// Deliveries still queued for it are dropped. Only the endpoint's own
/// organisation may remove it; to anyone else it does not exist.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "webhooks_delete",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Only staff of an organisation have webhooks (`forbidden`)"),
        (status = 404, description = "No such webhook for your organisation (`not_found`)"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn remove(state: web::Data<AppState>, auth: AuthUser, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let id = WebhookId::from(id.into_inner());
    with_conn(&state, move |conn| webhooks::remove(conn, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The `webhooks` section of the OpenAPI document: what Madoguchi POSTs to a
/// registered endpoint, and how the receiver verifies it.
pub fn documented_webhooks() -> utoipa::openapi::path::Paths {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};

    let header = |name: &str, pattern: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern))))
            .description(Some(description))
            .build()
    };
    let headers = [
        header(
            crate::notify::webhook::WEBHOOK_ID_HEADER,
            "^evt_[0-9a-f-]{36}$",
            "The message id: `evt_<event_id>`, the same on every retry. De-duplicate by it.",
        ),
        header(
            crate::notify::webhook::WEBHOOK_TIMESTAMP_HEADER,
            "^[0-9]+$",
            "When this attempt was signed, in unix seconds. Reject one more than five minutes from your clock (a replay).",
        ),
        header(
            crate::notify::webhook::WEBHOOK_SIGNATURE_HEADER,
            "^v1,[A-Za-z0-9+/=]+$",
            "Standard Webhooks: `v1,<base64 HMAC-SHA256 of \"<webhook-id>.<webhook-timestamp>.<raw body>\">`, keyed \
             with the base64-decoded part of the `whsec_…` secret after the prefix. Any Standard Webhooks \
             library verifies it given the secret; compare in constant time.",
        ),
        header(
            crate::notify::webhook::SIGNATURE_HEADER,
            "^t=[0-9]+,v1=[0-9a-f]{64}$",
            "The earlier scheme, still sent: `t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`, keyed \
             with the whole secret string as bytes.",
        ),
    ];
    let operation = OperationBuilder::new()
        .operation_id(Some("webhooks_case_event"))
        .tag("webhooks")
        .summary(Some("A case event your organisation may see"))
        .description(Some(
            "Sent to every active endpoint of each organisation that may see the event, after the change \
             that caused it has been committed. Answer any 2xx within `webhooks.timeout_seconds` (10 s by \
             default) to acknowledge it; anything else, or no answer, is retried with exponential backoff \
             until the outbox gives up (`outbox.max_attempts`). Deliveries can repeat and arrive out of \
             order: de-duplicate by `event_id` and order by `occurred_at`.",
        ))
        .parameters(Some(headers))
        .request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("CaseEventPayload"))).build(),
                )
                .required(Some(Required::True))
                .build(),
        ))
        .response("2XX", ResponseBuilder::new().description("Received; not sent again").build())
        .response("default", ResponseBuilder::new().description("Not received; retried with backoff").build())
        .securities(Some(Vec::<utoipa::openapi::security::SecurityRequirement>::new()))
        .build();
    let mut paths = utoipa::openapi::path::Paths::new();
    paths.paths.insert("caseEvent".to_owned(), PathItem::new(HttpMethod::Post, operation));
    paths
}
