//! The connection pools. On PostgreSQL, one r2d2 pool serves reads and
//! writes. On SQLite, which lets one writer at a time hold its file, writes
//! go to a single writer connection (a pool of one: writers queue for it, in
//! the process, instead of sleeping in `busy_timeout` against each other)
//! beside a pool of read-only connections, which WAL lets read while the
//! writer writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;

use super::connection::{ConnectionOptions, DatabaseTarget, DbConnection};
use super::fault::{FaultWatch, StorageFault};

pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// How long after its last answer a connection is trusted without a ping.
const UNPINGED_AFTER_ANSWER: Duration = Duration::from_millis(250);

/// The writer and the readers. `get` hands out a connection that may write
/// (the only one on SQLite); `read` one for reads only.
#[derive(Clone)]
pub struct DbPool {
    writer: r2d2::Pool<ConnectionManager>,
    readers: r2d2::Pool<ConnectionManager>,
    /// Whether the readers are a pool of their own (SQLite).
    separate_readers: bool,
    statements: Arc<AtomicU64>,
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool").field("separate_readers", &self.separate_readers).finish_non_exhaustive()
    }
}

/// How full the pools are, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub connections: u32,
    pub idle_connections: u32,
    pub max_size: u32,
}

impl DbPool {
    /// A connection that may write: on SQLite the one writer, waited for
    /// (in turn) up to the pool timeout.
    pub fn get(&self) -> Result<PooledConnection, r2d2::Error> {
        self.writer.get()
    }

    /// A connection for reads only. On SQLite it refuses to write
    /// (`query_only`), so it never takes the write lock.
    pub fn read(&self) -> Result<PooledConnection, r2d2::Error> {
        self.readers.get()
    }

    pub fn state(&self) -> PoolState {
        let writer = self.writer.state();
        let mut state = PoolState {
            connections: writer.connections,
            idle_connections: writer.idle_connections,
            max_size: self.writer.max_size(),
        };
        if self.separate_readers {
            let readers = self.readers.state();
            state.connections += readers.connections;
            state.idle_connections += readers.idle_connections;
            state.max_size += self.readers.max_size();
        }
        state
    }

    /// How many statements this pool's connections have sent, leaving out
    /// transaction control (BEGIN, COMMIT, ROLLBACK, savepoints) and the
    /// pool's own checkout ping. Tests read it to hold each operation to its
    /// budget of round trips.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    options: ConnectionOptions,
    statements: Arc<AtomicU64>,
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
        Ok(self.target.connect_counted(self.options, self.statements.clone())?)
    }

    /// Idle connections can carry a fault too (opened read-only, never yet
    /// returned), so checkout looks at the fault before the round trip.
    /// A connection the server answered without error within the last
    /// `UNPINGED_AFTER_ANSWER` is handed out unpinged: under load that saves
    /// a round trip per request, and a server that went away since would
    /// have had to restart faster than that (the failed statement then
    /// makes the next checkout ping again).
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ManagerError> {
        if let Some(fault) = storage_fault_seen(conn) {
            return Err(ManagerError::StorageFault(fault));
        }
        if answered_at(conn).is_some_and(|at| at.elapsed() < UNPINGED_AFTER_ANSWER) {
            return Ok(());
        }
        set_pinging(conn, true);
        let pinged = diesel::sql_query("SELECT 1").execute(conn);
        set_pinging(conn, false);
        pinged?;
        Ok(())
    }

    /// A connection whose transaction state is broken goes, not back to the
    /// pool; so does one that met a storage fault, to be opened afresh.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn) || storage_fault_seen(conn).is_some()
    }
}

/// Builds the pools without connecting: the server starts (and reports
/// not-ready) even when the database is briefly down.
pub fn build_pool(target: DatabaseTarget, max_size: u32, timeout: Duration, options: ConnectionOptions) -> DbPool {
    let statements = Arc::new(AtomicU64::new(0));
    let build = |size: u32, options: ConnectionOptions| {
        r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .connection_timeout(timeout)
            // A `SELECT 1` on checkout (unless just answered, see `is_valid`):
            // a connection the server dropped (a restart, a failover, a cut
            // network) is replaced instead of failing every request until the
            // process restarts.
            .test_on_check_out(true)
            .error_handler(Box::new(LogConnectionErrors))
            .build_unchecked(ConnectionManager { target: target.clone(), options, statements: statements.clone() })
    };
    match target {
        DatabaseTarget::Postgres(_) => {
            let pool = build(max_size, options);
            DbPool { writer: pool.clone(), readers: pool, separate_readers: false, statements }
        }
        DatabaseTarget::Sqlite(_) => DbPool {
            writer: build(1, ConnectionOptions { read_only: false, ..options }),
            readers: build(max_size, ConnectionOptions { read_only: true, ..options }),
            separate_readers: true,
            statements,
        },
    }
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

fn answered_at(conn: &mut DbConnection) -> Option<Instant> {
    match conn {
        DbConnection::Postgresql(conn) => FaultWatch::answered_at(conn),
        DbConnection::Sqlite(conn) => FaultWatch::answered_at(conn),
    }
}

fn set_pinging(conn: &mut DbConnection, pinging: bool) {
    match conn {
        DbConnection::Postgresql(conn) => FaultWatch::set_pinging(conn, pinging),
        DbConnection::Sqlite(conn) => FaultWatch::set_pinging(conn, pinging),
    }
}
