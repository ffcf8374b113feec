//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::support::with_conn;
use crate::error::ApiError;
use crate::service::health;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: String,
    /// `sqlite` or `postgresql` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// The process is up
///
/// Answers as long as the process serves HTTP, whatever the database does:
/// for a liveness probe.
#[utoipa::path(
    tag = "operations",
    operation_id = "health_live",
    responses((status = 200, description = "The process is up", body = HealthStatus))
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok".into(), database: None })
}

/// The database answers and its schema is up to date
///
/// For a readiness probe: while this answers 503, send no traffic.
#[utoipa::path(
    tag = "operations",
    operation_id = "health_ready",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable or not migrated (`database_unavailable`)"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let backend = state.settings.database_target().map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    with_conn(&state, health::check_ready).await?;
    Ok(HttpResponse::Ok().json(HealthStatus { status: "ok".into(), database: Some(backend.backend_name().into()) }))
}

/// Prometheus metrics
///
/// Request counts and durations by route and status, database pool use, and
/// the outbox (pending, sent and dead messages, the oldest pending one's age),
/// in the Prometheus text exposition format. Stays available while the
/// database is not (the outbox figures are then left as they were).
#[utoipa::path(
    tag = "operations",
    operation_id = "metrics_get",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    crate::metrics::record_pool_state(&state.pool);
    let now = state.clock.now();
    match with_conn(&state, health::outbox_counts).await {
        Ok(counts) => crate::metrics::record_outbox(&counts, now),
        // Metrics stay available while the database is not.
        Err(error) => tracing::warn!(error = %error, "outbox metrics unavailable"),
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}
