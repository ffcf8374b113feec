//! Queries on `account_codes`. Only SHA-256 hashes of codes are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::account_codes;
use crate::domain::account_code::CodePurpose;
use crate::domain::{AccountCodeId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_codes)]
pub struct AccountCodeRow {
    pub id: AccountCodeId,
    pub user_id: UserId,
    pub purpose: CodePurpose,
    /// The address the code was sent to (for a confirmation, the one to attach).
    pub email: String,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &AccountCodeRow) -> QueryResult<()> {
    diesel::insert_into(account_codes::table).values(row).execute(conn)?;
    Ok(())
}

/// An unused, unexpired code of `purpose` with this hash.
pub fn find_live(
    conn: &mut DbConnection,
    purpose: CodePurpose,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<AccountCodeRow>> {
    account_codes::table
        .filter(account_codes::code_hash.eq(code_hash))
        .filter(account_codes::purpose.eq(purpose))
        .filter(account_codes::used_at.is_null())
        .filter(account_codes::expires_at.gt(now))
        .select(AccountCodeRow::as_select())
        .first(conn)
        .optional()
}

/// Spends a code; false if it was spent meanwhile.
pub fn mark_used(conn: &mut DbConnection, id: AccountCodeId, at: NaiveDateTime) -> QueryResult<bool> {
    let spent = diesel::update(account_codes::table.find(id))
        .filter(account_codes::used_at.is_null())
        .set(account_codes::used_at.eq(at))
        .execute(conn)?;
    Ok(spent == 1)
}

/// Voids every unused code of `purpose` for a user: only the newest one sent works.
pub fn void_unused(
    conn: &mut DbConnection,
    user: UserId,
    purpose: CodePurpose,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(account_codes::table)
        .filter(account_codes::user_id.eq(user))
        .filter(account_codes::purpose.eq(purpose))
        .filter(account_codes::used_at.is_null())
        .set(account_codes::used_at.eq(at))
        .execute(conn)
}

/// The address a user asked to attach and has not yet confirmed.
pub fn pending_email(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<Option<String>> {
    account_codes::table
        .filter(account_codes::user_id.eq(user))
        .filter(account_codes::purpose.eq(CodePurpose::ConfirmEmail))
        .filter(account_codes::used_at.is_null())
        .filter(account_codes::expires_at.gt(now))
        .order(account_codes::created_at.desc())
        .select(account_codes::email)
        .first(conn)
        .optional()
}
