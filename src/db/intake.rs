//! Case references and idempotency keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::connection::DbConnection;
use super::schema::idempotency_keys;

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// Where reference numbers come from. On PostgreSQL a sequence: no row is
/// locked until commit, and a number once taken is never handed out again,
/// even when its lodging fails. On SQLite the one writer numbers them
/// itself, from the highest number of the year it found when it first
/// needed one; a number whose lodging fails is skipped, as a sequence would.
/// Cheap to clone; clones share their numbers.
#[derive(Debug, Clone, Default)]
pub struct ReferenceSource {
    sqlite_last: Arc<Mutex<HashMap<i32, i64>>>,
}

impl ReferenceSource {
    /// The next number for a reference of `year`, inside the caller's write transaction.
    pub fn next(&self, conn: &mut DbConnection, year: i32) -> QueryResult<i64> {
        match conn {
            // One sequence for all years: MG-<year>-<n> is unique all the same.
            DbConnection::Postgresql(_) => diesel::sql_query("SELECT nextval('case_reference_seq') AS value")
                .get_result::<Number>(conn)
                .map(|number| number.value),
            DbConnection::Sqlite(_) => {
                let mut last = self.sqlite_last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let current = match last.get(&year) {
                    Some(value) => *value,
                    None => highest_of_year(conn, year)?,
                };
                let next = current + 1;
                last.insert(year, next);
                Ok(next)
            }
        }
    }

    /// Forgets what this source knows, so that the next number is read from
    /// the cases again: after a reference turned out taken (another process
    /// wrote to the same SQLite file), the next lodging does not meet it too.
    pub fn resync(&self) {
        self.sqlite_last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// The highest reference number of `year` among the cases (SQLite; read once per year and process).
fn highest_of_year(conn: &mut DbConnection, year: i32) -> QueryResult<i64> {
    diesel::sql_query(
        "SELECT COALESCE(MAX(CAST(substr(reference, 9) AS INTEGER)), 0) AS value \
         FROM cases WHERE reference LIKE 'MG-' || $1 || '-%'",
    )
    .bind::<Text, _>(year.to_string())
    .get_result::<Number>(conn)
    .map(|number| number.value)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    pub case_id: crate::domain::CaseId,
    pub created_at: NaiveDateTime,
}

pub fn find_key(conn: &mut DbConnection, scope: &str, key: &str) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table.find((scope, key)).select(IdempotencyRow::as_select()).first(conn).optional()
}

pub fn insert_key(conn: &mut DbConnection, row: &IdempotencyRow) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table).values(row).execute(conn)?;
    Ok(())
}
