//! An r2d2 pool of `DbConnection`s.

use std::time::Duration;

use diesel::RunQueryDsl;

use super::connection::{DatabaseTarget, DbConnection};

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    sqlite_busy_timeout_ms: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConnection, ManagerError> {
        Ok(self.target.connect(self.sqlite_busy_timeout_ms)?)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ManagerError> {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    }

    /// A connection whose transaction state is broken goes, not back to the pool.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// Builds the pool without connecting: the server starts (and reports
/// not-ready) even when the database is briefly down.
pub fn build_pool(target: DatabaseTarget, max_size: u32, timeout: Duration, sqlite_busy_timeout_ms: u32) -> DbPool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // One `SELECT 1` per checkout: a connection the server dropped (a
        // restart, a failover, a cut network) is replaced instead of failing
        // every request until the process restarts.
        .test_on_check_out(true)
        .error_handler(Box::new(LogConnectionErrors))
        .build_unchecked(ConnectionManager { target, sqlite_busy_timeout_ms })
}

#[derive(Debug)]
struct LogConnectionErrors;

impl r2d2::HandleError<ManagerError> for LogConnectionErrors {
    fn handle_error(&self, error: ManagerError) {
        tracing::warn!(error = %error, "database connection failed");
    }
}
