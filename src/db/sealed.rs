//! The sealed columns, scanned and rewritten by `madoguchi admin rotate-key`.
//! Table and column names come from [`SEALED_COLUMNS`], never from input.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::connection::{DbConnection, MultiBackend};

/// A text column holding sealed values, and the column naming its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub id: &'static str,
    pub column: &'static str,
}

/// Every column that holds sealed personal data.
pub const SEALED_COLUMNS: [SealedColumn; 9] = [
    SealedColumn { table: "cases", id: "id", column: "narrative" },
    SealedColumn { table: "case_identities", id: "case_id", column: "full_name" },
    SealedColumn { table: "case_identities", id: "case_id", column: "email" },
    SealedColumn { table: "case_identities", id: "case_id", column: "phone" },
    SealedColumn { table: "case_identities", id: "case_id", column: "address" },
    SealedColumn { table: "case_identities", id: "case_id", column: "residence_card_number" },
    SealedColumn { table: "case_identities", id: "case_id", column: "passport_number" },
    SealedColumn { table: "case_messages", id: "id", column: "body" },
    SealedColumn { table: "evidence", id: "id", column: "file_name" },
];

#[derive(Debug, QueryableByName)]
pub struct StoredValue {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub value: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// The condition "not sealed under the key whose prefix is `$n`": plaintext
/// or an older key (a prefix comparison, free of LIKE's wildcards).
fn not_under(column: &str, length: usize, prefix: usize) -> String {
    format!("{column} IS NOT NULL AND substr({column}, 1, ${length}) <> ${prefix}")
}

/// The next rows after `after_id` (by id) whose value is not sealed under `current_prefix`.
pub fn not_under_key(
    conn: &mut DbConnection,
    sealed: SealedColumn,
    current_prefix: &str,
    after_id: &str,
    limit: i64,
) -> QueryResult<Vec<StoredValue>> {
    let SealedColumn { table, id, column } = sealed;
    let condition = not_under(column, 1, 2);
    diesel::sql_query(format!(
        "SELECT {id} AS id, {column} AS value FROM {table} WHERE {condition} AND {id} > $3 ORDER BY {id} LIMIT $4"
    ))
    .into_boxed::<MultiBackend>()
    .bind::<Integer, _>(prefix_length(current_prefix))
    .bind::<Text, _>(current_prefix.to_owned())
    .bind::<Text, _>(after_id.to_owned())
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// How many values are not sealed under `current_prefix`.
pub fn count_not_under_key(conn: &mut DbConnection, sealed: SealedColumn, current_prefix: &str) -> QueryResult<i64> {
    let SealedColumn { table, column, .. } = sealed;
    let condition = not_under(column, 1, 2);
    let row: Count = diesel::sql_query(format!("SELECT COUNT(*) AS count FROM {table} WHERE {condition}"))
        .into_boxed::<MultiBackend>()
        .bind::<Integer, _>(prefix_length(current_prefix))
        .bind::<Text, _>(current_prefix.to_owned())
        .get_result(conn)?;
    Ok(row.count)
}

/// Replaces a value only if it is still the one read (a request may have
/// rewritten it meanwhile, already under the current key). `false`: left alone.
pub fn replace_if_unchanged(
    conn: &mut DbConnection,
    sealed: SealedColumn,
    row_id: &str,
    old: &str,
    new: &str,
) -> QueryResult<bool> {
    let SealedColumn { table, id, column } = sealed;
    let updated = diesel::sql_query(format!("UPDATE {table} SET {column} = $1 WHERE {id} = $2 AND {column} = $3"))
        .bind::<Text, _>(new)
        .bind::<Text, _>(row_id)
        .bind::<Text, _>(old)
        .execute(conn)?;
    Ok(updated == 1)
}

fn prefix_length(prefix: &str) -> i32 {
    // Key ids are at most 32 characters, so the prefix always fits.
    i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX)
}

/// SQLite keeps a rewritten value's old bytes in freed space and in the WAL;
/// with `secure_delete` this connection zeroes what it frees. (PostgreSQL
/// keeps old row versions until VACUUM; the README says to run it.)
pub fn zero_freed_space(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Sqlite(_) = conn {
        diesel::sql_query("PRAGMA secure_delete = ON").execute(conn)?;
    }
    Ok(())
}

/// Copies the WAL into the database file and empties it, so no older page
/// images stay behind on SQLite (readers still busy leave it for later).
pub fn checkpoint(conn: &mut DbConnection) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = Integer)]
        #[expect(dead_code, reason = "the pragma answers three columns")]
        busy: i32,
    }
    if let DbConnection::Sqlite(_) = conn {
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").load::<Checkpoint>(conn)?;
    }
    Ok(())
}
