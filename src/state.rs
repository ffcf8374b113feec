//! What every request handler can reach: built once at start-up.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::live_sessions::LiveSessions;
use crate::auth::rate_limit::RateLimits;
use crate::auth::receipts::ReceiptKeys;
use crate::auth::tokens::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub pool: DbPool,
    pub clock: Arc<dyn Clock>,
    pub tokens: TokenKeys,
    pub receipts: ReceiptKeys,
    pub references: crate::db::intake::ReferenceSource,
    pub rate_limits: RateLimits,
    pub live_sessions: LiveSessions,
    pub metrics: PrometheusHandle,
    /// Seals and opens personal data at rest.
    pub sealer: Arc<crate::seal::Sealer>,
}
