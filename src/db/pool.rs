//! An r2d2 pool of `DbConnection`s.

use std::time::Duration;

use diesel::RunQueryDsl;

use super::connection::{ConnectionOptions, DatabaseTarget, DbConnection};
use super::fault::{FaultWatch, StorageFault};

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    options: ConnectionOptions,
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("the connection met a storage fault ({0}) and is replaced")]
    StorageFault(StorageFault),
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConnection, ManagerError> {
        Ok(self.target.connect(self.options)?)
    }

    /// Idle connections can carry a fault too (opened read-only, never yet
    /// returned), so checkout looks at the fault before the round trip.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ManagerError> {
        if let Some(fault) = storage_fault_seen(conn) {
            return Err(ManagerError::StorageFault(fault));
        }
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    }

    /// A connection whose transaction state is broken goes, not back to the
    /// pool; so does one that met a storage fault, to be opened afresh.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn) || storage_fault_seen(conn).is_some()
    }
}

/// Builds the pool without connecting: the server starts (and reports
/// not-ready) even when the database is briefly down.
pub fn build_pool(target: DatabaseTarget, max_size: u32, timeout: Duration, options: ConnectionOptions) -> DbPool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // One `SELECT 1` per checkout: a connection the server dropped (a
        // restart, a failover, a cut network) is replaced instead of failing
        // every request until the process restarts.
        .test_on_check_out(true)
        .error_handler(Box::new(LogConnectionErrors))
        .build_unchecked(ConnectionManager { target, options })
}

#[derive(Debug)]
struct LogConnectionErrors;

impl r2d2::HandleError<ManagerError> for LogConnectionErrors {
    fn handle_error(&self, error: ManagerError) {
        tracing::warn!(error = %error, "database connection failed");
    }
}

/// The storage fault a connection has met, if any.
pub fn storage_fault_seen(conn: &mut DbConnection) -> Option<StorageFault> {
    match conn {
        DbConnection::Postgresql(conn) => FaultWatch::seen_on(conn),
        DbConnection::Sqlite(conn) => FaultWatch::seen_on(conn),
    }
}
