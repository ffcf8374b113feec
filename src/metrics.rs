//! Prometheus metrics: requests by route and status, a latency histogram,
//! and the state of the connection pool.

use std::sync::Mutex;
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::DbPool;

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The `metrics` facade has one global recorder per process; install it once
/// and hand out its handle (tests build many applications in one process).
pub fn handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut slot = HANDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(handle) = slot.as_ref() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), LATENCY_BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .map_err(|error| anyhow::anyhow!("another metrics recorder is installed: {error}"))?;
    // The recorder keeps every histogram sample until the next scrape or
    // upkeep: unscraped, each request's latency stayed in memory for good
    // (tens of MB per million requests). Upkeep folds them into the buckets.
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })
        .map_err(|error| anyhow::anyhow!("cannot start the metrics upkeep: {error}"))?;
    *slot = Some(handle.clone());
    Ok(handle)
}

pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let response = next.call(req).await?;
    // The route pattern, not the path, so ids do not explode the label set.
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// Called before rendering, so the gauges are current.
pub fn record_pool_state(pool: &DbPool) {
    let state = pool.state();
    let in_use = state.connections.saturating_sub(state.idle_connections);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(state.idle_connections));
    metrics::gauge!("db_pool_max_size").set(f64::from(state.max_size));
}

/// Outbox gauges: messages by status and the age of the oldest pending one.
pub fn record_outbox(counts: &crate::db::outbox::OutboxCounts, now: chrono::DateTime<chrono::Utc>) {
    metrics::gauge!("outbox_messages", "status" => "pending").set(counts.pending as f64);
    metrics::gauge!("outbox_messages", "status" => "sent").set(counts.sent as f64);
    metrics::gauge!("outbox_messages", "status" => "dead").set(counts.dead as f64);
    let age = counts.oldest_pending.map(|oldest| (now.naive_utc() - oldest).num_milliseconds() as f64 / 1000.0);
    metrics::gauge!("outbox_oldest_pending_age_seconds").set(age.unwrap_or(0.0).max(0.0));
}

/// Free space on the SQLite database's file system (absent for PostgreSQL).
pub fn record_storage_free(target: &crate::db::DatabaseTarget) {
    if let Some(Ok(bytes)) = target.free_bytes() {
        metrics::gauge!("storage_free_bytes").set(bytes as f64);
    }
}

/// Storage faults met by requests, by kind (`disk_full`, `read_only`, `io_error`).
pub fn record_storage_fault(fault: crate::db::StorageFault) {
    metrics::counter!("storage_faults_total", "kind" => fault.as_str()).increment(1);
}
