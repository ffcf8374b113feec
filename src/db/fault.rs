//! Storage faults: the database is reachable but cannot write, because its
//! disk is full, its files or file system are read-only, or the file system
//! fails. They are recognised from the database's own error, and remembered
//! on the connection that met one, so the pool replaces that connection: a
//! SQLite connection opened while its file was read-only stays read-only
//! after the fault is repaired.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::result::Error as DieselError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    DiskFull,
    ReadOnly,
    Io,
}

impl StorageFault {
    /// The fault a database error reports, if it is one. SQLite's messages
    /// are its fixed per-code texts (`sqlite3_errstr`); diesel does not pass
    /// PostgreSQL's SQLSTATE on, so its messages are matched too.
    pub fn of(error: &DieselError) -> Option<Self> {
        let DieselError::DatabaseError(_, info) = error else {
            return None;
        };
        Self::of_message(info.message())
    }

    fn of_message(message: &str) -> Option<Self> {
        const DISK_FULL: [&str; 3] = ["database or disk is full", "No space left on device", "could not extend file"];
        const READ_ONLY: [&str; 3] =
            ["attempt to write a readonly database", "read-only transaction", "Read-only file system"];
        const IO: [&str; 2] = ["disk I/O error", "unable to open database file"];
        let has = |texts: &[&str]| texts.iter().any(|text| message.contains(text));
        if has(&DISK_FULL) {
            Some(Self::DiskFull)
        } else if has(&READ_ONLY) {
            Some(Self::ReadOnly)
        } else if has(&IO) {
            Some(Self::Io)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DiskFull => "disk_full",
            Self::ReadOnly => "read_only",
            Self::Io => "io_error",
        }
    }
}

impl fmt::Display for StorageFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Installed on every pooled connection: notes the first storage fault its
/// queries meet (the pool reads it back to discard the connection), when
/// the server last answered a statement without error (so that a
/// connection in steady use skips the checkout ping), and counts the
/// statements sent into the pool's counter, leaving out transaction control
/// and the pool's checkout ping.
#[derive(Debug, Default)]
pub struct FaultWatch {
    seen: Option<StorageFault>,
    statements: Option<Arc<AtomicU64>>,
    pinging: bool,
    answered_at: Option<Instant>,
}

impl FaultWatch {
    pub fn already(fault: StorageFault) -> Self {
        Self { seen: Some(fault), ..Self::default() }
    }

    /// Counts this connection's statements into `counter`.
    pub fn counting(mut self, counter: Arc<AtomicU64>) -> Self {
        self.statements = Some(counter);
        self
    }

    /// While set, statements are not counted (the pool's own ping).
    pub fn set_pinging(conn: &mut impl diesel::Connection, pinging: bool) {
        if let Some(watch) = conn.instrumentation().downcast_mut::<Self>() {
            watch.pinging = pinging;
        }
    }

    /// The fault a connection has met, if any.
    pub fn seen_on(conn: &mut impl diesel::Connection) -> Option<StorageFault> {
        conn.instrumentation().downcast_ref::<Self>().and_then(|watch| watch.seen)
    }

    /// When the server last answered a statement on this connection, if its
    /// last statement did not fail.
    pub fn answered_at(conn: &mut impl diesel::Connection) -> Option<Instant> {
        conn.instrumentation().downcast_ref::<Self>().and_then(|watch| watch.answered_at)
    }
}

impl FaultWatch {
    fn count(&self, delta: i64) {
        if let Some(counter) = &self.statements {
            if delta >= 0 {
                counter.fetch_add(delta.unsigned_abs(), Ordering::Relaxed);
            } else {
                counter.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
            }
        }
    }
}

impl Instrumentation for FaultWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::FinishQuery { error: Some(error), .. } => {
                // Any error, a dropped connection's included, makes the next
                // checkout ask the server again.
                self.answered_at = None;
                if self.seen.is_none() {
                    self.seen = StorageFault::of(error);
                }
            }
            InstrumentationEvent::FinishQuery { error: None, .. } => self.answered_at = Some(Instant::now()),
            InstrumentationEvent::StartQuery { .. } if !self.pinging => self.count(1),
            // Diesel announces each BEGIN, COMMIT and ROLLBACK (and savepoint)
            // before it sends it as a query: those are not counted.
            InstrumentationEvent::BeginTransaction { .. }
            | InstrumentationEvent::CommitTransaction { .. }
            | InstrumentationEvent::RollbackTransaction { .. } => self.count(-1),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_messages_are_recognised() {
        let cases = [
            ("database or disk is full", Some(StorageFault::DiskFull)),
            ("could not extend file \"base/16384/2619\": No space left on device", Some(StorageFault::DiskFull)),
            ("attempt to write a readonly database", Some(StorageFault::ReadOnly)),
            ("cannot execute INSERT in a read-only transaction", Some(StorageFault::ReadOnly)),
            ("disk I/O error", Some(StorageFault::Io)),
            ("UNIQUE constraint failed: users.email", None),
            ("database is locked", None),
        ];
        for (message, expected) in cases {
            assert_eq!(StorageFault::of_message(message), expected, "{message}");
        }
    }

    #[test]
    fn only_database_errors_are_faults() {
        assert_eq!(StorageFault::of(&DieselError::NotFound), None);
        assert_eq!(StorageFault::of(&DieselError::RollbackTransaction), None);
    }
}
