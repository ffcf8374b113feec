//! What a use case can answer besides success. Transport concerns (bad JSON,
//! unknown routes, rate limits) are not here: the HTTP layer's error adds
//! them and maps both to problem+json.

use crate::auth::AuthFailure;
use crate::auth::policy::Denied;
use crate::domain::FieldErrors;
use crate::domain::decision::Refusal;
use crate::domain::lifecycle::{Action, REOPEN_WINDOW_DAYS};
use crate::domain::privacy::ErasureRefusal;
use crate::domain::remedy::RemedyStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the resource does not exist or is not visible to you")]
    NotFound,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{}", .0.detail())]
    Unauthenticated(AuthFailure),
    #[error("the request failed validation")]
    Validation(FieldErrors),
    /// A lifecycle action that makes no sense in the case's current state.
    #[error("{detail}")]
    InvalidTransition { detail: String, allowed: Vec<Action> },
    #[error("{}", .0.detail())]
    Conflict(Conflict),
    #[error("evidence must be a photo, PDF, audio or video file (recognised by its content)")]
    UnsupportedEvidenceType,
    #[error("the database is unavailable")]
    Unavailable,
    /// SQLite's one write lock stayed taken for longer than `busy_timeout`.
    #[error("the database is busy with other writes; nothing from this request was saved, try again in a moment")]
    Busy,
    /// The database answers but cannot write; the transaction was rolled back.
    #[error("the service cannot store anything right now ({0}); nothing from this request was saved, try again later")]
    StorageUnavailable(crate::db::StorageFault),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Why a command clashes with what is already there; each has its own stable
/// code (`crate::error::ProblemCode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    StaleVersion,
    Duplicate,
    IdempotencyKeyReused,
    MediatorNotAssigned,
    EmployerNotLinked,
    ReopenWindowPassed {
        days: i64,
    },
    ReprisalWatchOver,
    RemedyNotOwed(RemedyStatus),
    AlreadyReferred,
    /// The mediator declared a conflict of interest touching the case.
    ConflictOfInterest,
    EmailTaken,
    UsernameTaken,
    DatabaseNotEmpty,
    /// Erasure (or a request for it) on a case that is still open.
    Erasure(ErasureRefusal),
}

impl Conflict {
    pub fn detail(&self) -> String {
        match self {
            Self::StaleVersion => "the case changed since you last read it; reload it and try again".to_owned(),
            Self::Duplicate => "a record with the same unique value already exists".to_owned(),
            Self::IdempotencyKeyReused => {
                "this Idempotency-Key was used for a different request; use a new key".to_owned()
            }
            Self::MediatorNotAssigned => "assign a mediator before starting mediation".to_owned(),
            Self::EmployerNotLinked => "link the case to a registered employer before referring it".to_owned(),
            Self::ReopenWindowPassed { days } => {
                format!("a case can be reopened by the worker within {days} days; ask a handler")
            }
            Self::ReprisalWatchOver => {
                "retaliation is reported here during the reprisal watch after closure; it is over (or the case is open again), so write to the handlers in a message or lodge a new case".to_owned()
            }
            Self::RemedyNotOwed(status) => format!("this remedy is {status}, not agreed"),
            Self::AlreadyReferred => "the case has been referred; its employer can no longer change".to_owned(),
            Self::ConflictOfInterest => {
                "this mediator declared a conflict of interest with this case or an organisation on it; choose another (see the case's mediator suggestions)".to_owned()
            }
            Self::EmailTaken => "an account with this email address already exists".to_owned(),
            Self::UsernameTaken => "this username is taken; choose another".to_owned(),
            Self::DatabaseNotEmpty => {
                "the database already has organisations or users; seed-demo fills only an empty database".to_owned()
            }
            Self::Erasure(refusal) => match refusal {
                ErasureRefusal::CaseStillOpen => {
                    "the case is still open: withdraw it first (action `withdraw`), then ask for erasure".to_owned()
                }
                ErasureRefusal::LegalHold => {
                    "a handler holds this case for legal reasons; the hold must be cleared before its data can be erased"
                        .to_owned()
                }
                ErasureRefusal::AlreadyErased => "the personal data on this case has already been erased".to_owned(),
                ErasureRefusal::AlreadyRequested => "erasure has already been asked for; a handler will decide".to_owned(),
                ErasureRefusal::NotRequested => "nobody has asked for this case's data to be erased".to_owned(),
            },
        }
    }
}

impl Error {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    pub fn validation(field: &str, code: &str, message: &str) -> Self {
        Self::Validation(FieldErrors::single(field, code, message))
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::StaleVersion => Conflict::StaleVersion.into(),
            Refusal::NotAllowedInState { detail, allowed } => Self::InvalidTransition { detail, allowed },
            Refusal::RoleNotAllowed | Refusal::NotResponsibleForRemedy => Self::Forbidden,
            Refusal::ReasonRequired => Self::validation("reason", "required", "this action needs a reason"),
            Refusal::MediatorNotAssigned => Conflict::MediatorNotAssigned.into(),
            Refusal::EmployerNotLinked => Conflict::EmployerNotLinked.into(),
            Refusal::ReopenWindowPassed => Conflict::ReopenWindowPassed { days: REOPEN_WINDOW_DAYS }.into(),
            Refusal::ResponsibleNotAParty { index } => Self::validation(
                &format!("remedies[{index}].responsible_organisation_id"),
                "not_a_party",
                "the responsible organisation must be a party to the case",
            ),
            Refusal::DueDateInThePast { index } => Self::validation(
                &format!("remedies[{index}].due_date"),
                "in_the_past",
                "the due date has passed; give today's date (in Japan) or a later one",
            ),
            Refusal::UnknownRemedy => Self::validation("remedy_id", "unknown_remedy", "no such remedy on this case"),
            Refusal::RemedyNotOwed(status) => Conflict::RemedyNotOwed(status).into(),
            Refusal::NotInReprisalWatch => Conflict::ReprisalWatchOver.into(),
        }
    }
}

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}

impl From<Denied> for Error {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Forbidden => Self::Forbidden,
            Denied::Hidden => Self::NotFound,
        }
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        if let Some(fault) = crate::db::StorageFault::of(&error) {
            tracing::error!(error = %error, "storage fault");
            crate::metrics::record_storage_fault(fault);
            return Self::StorageUnavailable(fault);
        }
        match error {
            Diesel::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::Conflict(Conflict::Duplicate),
            Diesel::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Self::Unavailable,
            // SQLITE_BUSY / SQLITE_LOCKED: contention, not a fault; the transaction was rolled back.
            Diesel::DatabaseError(_, ref info)
                if matches!(info.message(), "database is locked" | "database table is locked") =>
            {
                tracing::warn!(error = %error, "database busy");
                Self::Busy
            }
            other => Self::Internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(error: r2d2::Error) -> Self {
        tracing::error!(error = %error, "no database connection available");
        Self::Unavailable
    }
}

/// Failures that mean the code or the database is wrong, not the request:
/// a stored value that does not parse back, a payload that does not serialise.
macro_rules! internal_from {
    ($($source:ty => $context:literal,)*) => {$(
        impl From<$source> for Error {
            fn from(error: $source) -> Self {
                Self::Internal(anyhow::Error::new(error).context($context))
            }
        }
    )*};
}

internal_from! {
    crate::domain::names::UnknownName => "unreadable stored value",
    crate::domain::organisation::UnknownOrganisationKind => "unreadable stored organisation kind",
    crate::domain::language::InvalidLanguageTag => "unreadable stored language tag",
    uuid::Error => "unreadable stored id",
    serde_json::Error => "JSON (de)serialisation failed",
    crate::seal::SealError => "sealed personal data does not open or seal",
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    use super::Error;

    #[test]
    fn a_write_lock_held_too_long_is_busy_not_an_internal_error() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("busy.db");
        let url = path.to_string_lossy();
        let mut holder = SqliteConnection::establish(&url).unwrap();
        holder.batch_execute("CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);").unwrap();
        let mut waiter = SqliteConnection::establish(&url).unwrap();
        waiter.batch_execute("PRAGMA busy_timeout = 10;").unwrap();
        let refused = waiter.batch_execute("BEGIN IMMEDIATE").unwrap_err();
        assert!(matches!(Error::from(refused), Error::Busy));
    }
}
