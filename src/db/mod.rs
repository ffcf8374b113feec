//! Persistence: one connection type over PostgreSQL and SQLite, the pool,
//! embedded migrations, and query functions that take `&mut DbConnection`.
//! Callers own transactions.

pub mod account_codes;
pub mod case_details;
pub mod case_events;
pub mod cases;
pub mod casework;
pub mod connection;
pub mod deadlines;
pub mod dispatches;
pub mod erasure;
pub mod fault;
pub mod intake;
pub mod messages;
pub mod migrations;
pub mod organisations;
pub mod outbox;
pub mod pool;
pub mod readiness;
pub mod refresh_tokens;
pub mod remedies;
pub mod reports;
pub mod schema;
pub mod sealed;
mod sql_text;
pub mod transaction;
pub mod users;
pub mod webhooks;

pub use connection::{ConnectionOptions, DatabaseTarget, DbConnection, SqliteSynchronous};
pub use fault::StorageFault;
pub use pool::{DbPool, build_pool};
pub use transaction::write_transaction;

diesel::define_sql_function!(
    /// SQL `lower`, in both databases.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// `%text%` for LIKE, with the wildcards in `text` escaped by `\`.
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

/// A page of rows fetched by keyset pagination: one more row than asked for
/// is fetched to learn whether another page follows.
pub fn split_page<T>(mut rows: Vec<T>, limit: usize) -> (Vec<T>, bool) {
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    (rows, has_more)
}

/// Timestamps are stored as UTC at microsecond precision, the finest both
/// backends keep, so a value reads back exactly as written.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    at.trunc_subsecs(6).naive_utc()
}
