//! Operations: whether the database is ready to serve, and the outbox
//! figures the metrics endpoint publishes.

use crate::db::outbox::OutboxCounts;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// `Ok` when the database answers and its schema is up to date.
pub fn check_ready(conn: &mut DbConnection) -> Result<(), AppError> {
    let pending = db::migrations::has_pending(conn).map_err(|error| {
        tracing::warn!(error = %error, "readiness check failed");
        AppError::DatabaseUnavailable
    })?;
    if pending {
        tracing::warn!("readiness: migrations are pending");
        return Err(AppError::DatabaseUnavailable);
    }
    Ok(())
}

/// How many outbox messages are pending, sent and dead, and the oldest of each.
pub fn outbox_counts(conn: &mut DbConnection) -> Result<OutboxCounts, AppError> {
    Ok(db::outbox::counts(conn)?)
}
