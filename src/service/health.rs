//! Operations: whether the database is ready to serve, and the outbox
//! figures the metrics endpoint publishes.

use crate::db::outbox::OutboxCounts;
use crate::db::{self, DbConnection};
use crate::service::Error;

/// `Ok` when the database answers and its schema is up to date.
pub fn check_ready(conn: &mut DbConnection) -> Result<(), Error> {
    let pending = db::migrations::has_pending(conn).map_err(|error| {
        tracing::warn!(error = %error, "readiness check failed");
        Error::Unavailable
    })?;
    if pending {
        tracing::warn!("readiness: migrations are pending");
        return Err(Error::Unavailable);
    }
    Ok(())
}

/// How many outbox messages are pending, sent and dead, and the oldest of each.
pub fn outbox_counts(conn: &mut DbConnection) -> Result<OutboxCounts, Error> {
    Ok(db::outbox::counts(conn)?)
}
