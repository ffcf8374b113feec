//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use actix_web::ResponseError;

use super::support::{block, with_reader};
use crate::error::{ApiError, PROBLEM_JSON};
use crate::service::health;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: String,
    /// `sqlite` or `postgresql` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// What readiness checked (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<ReadinessChecks>,
    /// The outbox's backlog (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxBacklog>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadinessChecks {
    /// `ok`, `unreachable` or `migrations_pending`.
    pub database: &'static str,
    /// `writable` (a write was committed), `low_space`, `disk_full`,
    /// `read_only`, `io_error`, or `untested` when the database is away.
    pub storage: &'static str,
    /// Free space on the SQLite database's file system (SQLite only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_bytes: Option<u64>,
    /// Below this much free space the service reports not ready (SQLite only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_free_bytes: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxBacklog {
    pub pending: i64,
    /// Messages that ran out of attempts; an operator requeues them.
    pub dead: i64,
    /// How long the oldest pending message has waited.
    pub oldest_pending_age_seconds: Option<i64>,
}

/// A 503 from readiness: the problem, and what each check found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotReady {
    #[serde(flatten)]
    pub problem: crate::error::Problem,
    pub checks: ReadinessChecks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxBacklog>,
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
    HttpResponse::Ok().json(HealthStatus { status: "ok".into(), database: None, checks: None, outbox: None })
}

/// The service can take work
///
/// The database answers, is migrated and commits a write, and the SQLite
/// disk has room; the answer also reports the outbox backlog. For a
/// readiness probe: while this answers 503, send no traffic.
#[utoipa::path(
    tag = "operations",
    operation_id = "health_ready",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable or not migrated (`database_unavailable`), or cannot write (`storage_unavailable`); `checks` says which", body = NotReady, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let target = state.settings.database_target().map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    let (pool, now, min_free) = (state.pool.clone(), state.clock.now(), state.settings.database.sqlite_min_free_bytes);
    let probed = target.clone();
    let report = block(move || Ok(health::check_ready(&pool, &probed, min_free, now))).await?;
    let checks = ReadinessChecks {
        database: report.database.as_str(),
        storage: report.storage.as_str(),
        free_bytes: report.free_bytes,
        min_free_bytes: report.free_bytes.map(|_| min_free),
    };
    let outbox = report.outbox.map(|counts| OutboxBacklog {
        pending: counts.pending,
        dead: counts.dead,
        oldest_pending_age_seconds: counts.oldest_pending.map(|at| (now.naive_utc() - at).num_seconds().max(0)),
    });
    match report.verdict() {
        Ok(()) => Ok(HttpResponse::Ok().json(HealthStatus {
            status: "ok".into(),
            database: Some(target.backend_name().into()),
            checks: Some(checks),
            outbox,
        })),
        Err(error) => {
            let error = ApiError::from(error);
            let mut response = HttpResponse::build(error.status_code()).content_type(PROBLEM_JSON).json(NotReady {
                problem: error.problem(),
                checks,
                outbox,
            });
            error.add_headers(response.headers_mut());
            Ok(response)
        }
    }
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
    if let Ok(target) = state.settings.database_target() {
        crate::metrics::record_storage_free(&target);
    }
    let now = state.clock.now();
    match with_reader(&state, health::outbox_counts).await {
        Ok(counts) => crate::metrics::record_outbox(&counts, now),
        // Metrics stay available while the database is not.
        Err(error) => tracing::warn!(error = %error, "outbox metrics unavailable"),
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}
