//! Case references and idempotency keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use super::connection::DbConnection;
use super::schema::idempotency_keys;

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = BigInt)]
    last_value: i64,
}

/// The next number in `year`'s reference sequence. The upsert takes a row
/// lock, so concurrent lodgings get distinct numbers on both backends.
pub fn next_reference_number(conn: &mut DbConnection, year: i32) -> QueryResult<i64> {
    diesel::sql_query(
        "INSERT INTO case_reference_counters (year, last_value) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_value = case_reference_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind::<Integer, _>(year)
    .get_result::<Counter>(conn)
    .map(|counter| counter.last_value)
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
