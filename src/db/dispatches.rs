//! Queries on `dispatches`: one row per happening, written inside the
//! caller's transaction, taken (and deleted) by the outbox worker when it
//! fans them out into deliveries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::connection::DbConnection;
use super::schema::dispatches;
use crate::domain::CaseId;

#[derive(Insertable)]
#[diesel(table_name = dispatches)]
struct NewDispatch<'a> {
    case_id: CaseId,
    payload: &'a str,
    created_at: NaiveDateTime,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DispatchRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub payload: String,
}

pub fn insert(conn: &mut DbConnection, case_id: CaseId, payload: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(dispatches::table).values(NewDispatch { case_id, payload, created_at: at }).execute(conn)?;
    Ok(())
}

/// The oldest `limit` rows, in the order they were written, locked for the
/// caller's transaction. PostgreSQL: SKIP LOCKED lets several workers take
/// different rows; SQLite's one writer needs no lock.
pub fn take(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<DispatchRow>> {
    let lock = match conn {
        DbConnection::Postgresql(_) => "FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    diesel::sql_query(format!("SELECT id, payload FROM dispatches ORDER BY id LIMIT $1 {lock}"))
        .bind::<BigInt, _>(limit)
        .load(conn)
}

pub fn delete(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(dispatches::table.filter(dispatches::id.eq_any(ids))).execute(conn)?;
    Ok(())
}
