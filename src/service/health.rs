//! Operations: whether the service can take work (the database answers, is
//! migrated, and commits a write; the SQLite disk has room), and the outbox
//! figures that readiness and the metrics endpoint publish.

use chrono::{DateTime, Utc};

use crate::db::outbox::OutboxCounts;
use crate::db::{self, DatabaseTarget, DbConnection, DbPool, StorageFault};
use crate::service::Error;

/// What readiness found, check by check.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub database: DatabaseState,
    pub storage: StorageState,
    /// Free space of the SQLite file system; `None` for PostgreSQL.
    pub free_bytes: Option<u64>,
    /// Pending and dead messages (`sent` is not counted here); `None` when
    /// the database could not be asked.
    pub outbox: Option<OutboxCounts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseState {
    Ready,
    Unreachable,
    MigrationsPending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageState {
    Writable,
    /// A write was refused with this fault.
    Fault(StorageFault),
    /// Writes still succeed but the disk is about to fill.
    LowSpace,
    /// Not tried: the database could not be reached or is not migrated.
    Untested,
}

impl Readiness {
    /// `Ok` when the service can take work, otherwise the error its requests
    /// would meet.
    pub fn verdict(&self) -> Result<(), Error> {
        match (self.database, self.storage) {
            (DatabaseState::Unreachable | DatabaseState::MigrationsPending, _) => Err(Error::Unavailable),
            (DatabaseState::Ready, StorageState::Fault(fault)) => Err(Error::StorageUnavailable(fault)),
            (DatabaseState::Ready, StorageState::LowSpace) => Err(Error::StorageUnavailable(StorageFault::DiskFull)),
            (DatabaseState::Ready, StorageState::Writable | StorageState::Untested) => Ok(()),
        }
    }
}

impl StorageState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Writable => "writable",
            Self::Fault(fault) => fault.as_str(),
            Self::LowSpace => "low_space",
            Self::Untested => "untested",
        }
    }
}

impl DatabaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ok",
            Self::Unreachable => "unreachable",
            Self::MigrationsPending => "migrations_pending",
        }
    }
}

/// Runs every check; never fails, since its answer is the report itself.
pub fn check_ready(pool: &DbPool, target: &DatabaseTarget, min_free_bytes: u64, now: DateTime<Utc>) -> Readiness {
    let free_bytes = match target.free_bytes() {
        Some(Ok(bytes)) => Some(bytes),
        Some(Err(error)) => {
            tracing::warn!(error = %error, "cannot read the database file system's free space");
            None
        }
        None => None,
    };
    let mut report =
        Readiness { database: DatabaseState::Unreachable, storage: StorageState::Untested, free_bytes, outbox: None };
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(error = %error, "readiness: no database connection");
            return report;
        }
    };
    match db::migrations::has_pending(&mut conn) {
        Ok(false) => report.database = DatabaseState::Ready,
        Ok(true) => {
            tracing::warn!("readiness: migrations are pending");
            report.database = DatabaseState::MigrationsPending;
            return report;
        }
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            return report;
        }
    }
    report.storage = match db::readiness::record_probe(&mut conn, db::timestamp(now)) {
        Ok(()) if free_bytes.is_some_and(|free| free < min_free_bytes) => StorageState::LowSpace,
        Ok(()) => StorageState::Writable,
        Err(error) => match StorageFault::of(&error) {
            Some(fault) => StorageState::Fault(fault),
            None => {
                tracing::warn!(error = %error, "readiness: the probe write failed");
                report.database = DatabaseState::Unreachable;
                StorageState::Untested
            }
        },
    };
    if let StorageState::Fault(fault) = report.storage {
        tracing::warn!(%fault, "readiness: the database cannot write");
    }
    report.outbox = db::outbox::backlog(&mut conn)
        .inspect_err(|error| tracing::warn!(error = %error, "readiness: outbox counts unavailable"))
        .ok();
    report
}

/// How many outbox messages are pending, sent and dead, and the oldest of each.
pub fn outbox_counts(conn: &mut DbConnection) -> Result<OutboxCounts, Error> {
    Ok(db::outbox::counts(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(database: DatabaseState, storage: StorageState) -> Readiness {
        Readiness { database, storage, free_bytes: None, outbox: None }
    }

    #[test]
    fn the_verdict_names_what_requests_would_meet() {
        use DatabaseState::*;
        use StorageState::*;
        assert!(report(Ready, Writable).verdict().is_ok());
        assert!(matches!(report(Unreachable, Untested).verdict(), Err(Error::Unavailable)));
        assert!(matches!(report(MigrationsPending, Untested).verdict(), Err(Error::Unavailable)));
        assert!(matches!(
            report(Ready, Fault(StorageFault::ReadOnly)).verdict(),
            Err(Error::StorageUnavailable(StorageFault::ReadOnly))
        ));
        assert!(matches!(report(Ready, LowSpace).verdict(), Err(Error::StorageUnavailable(StorageFault::DiskFull))));
    }
}
