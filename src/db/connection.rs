//! The connection enum and how a database URL selects its backend.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use diesel::connection::SimpleConnection;
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use serde::Deserialize;

use super::fault::{FaultWatch, StorageFault};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL points at. Chosen from the scheme ourselves, because
/// the derived `establish` tries each backend in turn and discards the errors.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() {
            return Err("is empty; use sqlite://path/to/file.db or postgres://…".to_owned());
        }
        if path == ":memory:" || path.contains("mode=memory") {
            // Each pooled connection would get its own empty database.
            return Err("in-memory SQLite cannot be shared by a pool; use a file path".to_owned());
        }
        if path.contains("://") {
            return Err("has an unsupported scheme; use sqlite:// or postgres://".to_owned());
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgresql",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// Opens one connection with the per-connection settings applied.
    pub fn connect(&self, options: ConnectionOptions) -> Result<DbConnection, ConnectionError> {
        self.connect_counted(options, Arc::new(AtomicU64::new(0)))
    }

    /// Opens one connection whose statements are counted into `statements`.
    pub fn connect_counted(
        &self,
        options: ConnectionOptions,
        statements: Arc<AtomicU64>,
    ) -> Result<DbConnection, ConnectionError> {
        match self {
            Self::Postgres(url) => {
                init_tls();
                let mut conn = PgConnection::establish(url)?;
                // Timestamps are stored as UTC `timestamp` columns; make NOW() agree.
                conn.batch_execute("SET TIME ZONE 'UTC'").map_err(ConnectionError::CouldntSetupConfiguration)?;
                conn.set_instrumentation(FaultWatch::default().counting(statements));
                Ok(DbConnection::Postgresql(conn))
            }
            Self::Sqlite(path) => {
                let parent_exists = path.parent().map(|p| p.as_os_str().is_empty() || p.is_dir()).unwrap_or(true);
                if !parent_exists {
                    return Err(ConnectionError::BadConnection(format!(
                        "the folder of SQLite database {} does not exist",
                        path.display()
                    )));
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // A reader never writes, so whether it could does not matter;
                // testing it would take the write lock from the writer.
                let refused = if options.read_only { None } else { sqlite_write_refused(&mut conn) };
                let watch = match refused {
                    // Reads still work; the first write answers 503 and the
                    // connection is then replaced.
                    Some(fault) => FaultWatch::already(fault),
                    None => FaultWatch::default(),
                };
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA foreign_keys = ON;
                     PRAGMA synchronous = {};
                     PRAGMA query_only = {};",
                    options.sqlite_busy_timeout_ms,
                    options.sqlite_synchronous.pragma_value(),
                    if options.read_only { "ON" } else { "OFF" },
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                conn.set_instrumentation(watch.counting(statements));
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// Free space on the file system that holds a SQLite database; `None`
    /// for PostgreSQL, whose disk is its server's business.
    pub fn free_bytes(&self) -> Option<std::io::Result<u64>> {
        let Self::Sqlite(path) = self else {
            return None;
        };
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        Some(
            rustix::fs::statvfs(folder)
                .map(|stats| stats.f_bavail.saturating_mul(stats.f_frsize))
                .map_err(std::io::Error::from),
        )
    }
}

/// SQLite opens a file it may not write read-only, silently, and the
/// connection stays so after the file is writable again. A write transaction
/// tells: it is refused at once on a read-only connection, before any lock
/// is waited for (busy_timeout is still 0 here, so a busy database answers
/// at once too, and busy means writable).
fn sqlite_write_refused(conn: &mut SqliteConnection) -> Option<StorageFault> {
    match conn.batch_execute("BEGIN IMMEDIATE") {
        Ok(()) => {
            let _ = conn.batch_execute("ROLLBACK");
            None
        }
        Err(error) => StorageFault::of(&error),
    }
}

/// What every new connection is set up with.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionOptions {
    pub sqlite_busy_timeout_ms: u32,
    pub sqlite_synchronous: SqliteSynchronous,
    /// A SQLite reader: `query_only`, so it never takes the write lock.
    pub read_only: bool,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        Self { sqlite_busy_timeout_ms: 5000, sqlite_synchronous: SqliteSynchronous::Full, read_only: false }
    }
}

/// SQLite's `synchronous` setting in WAL mode. `full` syncs the log on
/// every commit, so a case answered 201 survives a power cut; `normal`
/// syncs only at checkpoints, and the last commits before a power cut
/// (not a process crash) can be lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    #[default]
    Full,
    Normal,
}

impl SqliteSynchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Never print a PostgreSQL URL: it may carry a password.
impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(_) => f.write_str("Postgres(<redacted>)"),
            Self::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
        }
    }
}

/// Initialises OpenSSL, which libpq uses for TLS, without its exit-time
/// cleanup. With that cleanup registered (as libpq's own first use does), a
/// process that exits while another thread still has a TLS connection to
/// PostgreSQL open (a pool's connections, a background worker) can crash
/// inside OpenSSL after `main` has returned. Idempotent; it must run before
/// the first PostgreSQL connection to take effect.
pub fn init_tls() {
    openssl_sys::init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_selects_the_backend() {
        assert!(matches!(DatabaseTarget::parse("postgres://u:p@h/db").unwrap(), DatabaseTarget::Postgres(_)));
        assert!(matches!(DatabaseTarget::parse("postgresql://h/db").unwrap(), DatabaseTarget::Postgres(_)));
        assert_eq!(DatabaseTarget::parse("sqlite://data/m.db").unwrap(), DatabaseTarget::Sqlite("data/m.db".into()));
        assert_eq!(
            DatabaseTarget::parse("sqlite:///var/lib/m.db").unwrap(),
            DatabaseTarget::Sqlite("/var/lib/m.db".into())
        );
        assert_eq!(DatabaseTarget::parse("m.db").unwrap(), DatabaseTarget::Sqlite("m.db".into()));
    }

    #[test]
    fn refuses_what_cannot_work() {
        for url in ["", "sqlite::memory:", "mysql://h/db", "file:x?mode=memory&cache=shared"] {
            assert!(DatabaseTarget::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn debug_hides_postgres_credentials() {
        let target = DatabaseTarget::parse("postgres://u:hunter2@h/db").unwrap();
        assert!(!format!("{target:?}").contains("hunter2"));
    }

    #[test]
    fn sqlite_in_a_missing_folder_is_refused_with_the_reason() {
        let target = DatabaseTarget::parse("/nonexistent-folder/x/m.db").unwrap();
        let Err(error) = target.connect(ConnectionOptions::default()) else {
            panic!("connected to a database in a missing folder");
        };
        assert!(error.to_string().contains("does not exist"), "{error}");
    }
}
