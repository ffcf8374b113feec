//! Queries on `refresh_tokens`. Only SHA-256 hashes of tokens are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::refresh_tokens;
use crate::domain::{RefreshTokenId, SessionFamilyId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: RefreshTokenId,
    pub family_id: SessionFamilyId,
    pub user_id: UserId,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub id: RefreshTokenId,
    pub family_id: SessionFamilyId,
    pub user_id: UserId,
    pub token_hash: &'a str,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewRefreshToken<'_>) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table).values(new).execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a token used if nobody else has; returns whether this call won.
pub fn mark_used(conn: &mut DbConnection, id: RefreshTokenId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes every token of a login session (a token family).
pub fn revoke_family(conn: &mut DbConnection, family_id: SessionFamilyId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
}

/// Whether a login session still stands: its family has a token not
/// revoked, for this user. Logout, deactivation, a password change and a
/// deleted account (its tokens go with it) all end it.
pub fn session_is_live(conn: &mut DbConnection, family_id: SessionFamilyId, user_id: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    ))
    .get_result(conn)
}

/// Revokes every session of a user, except `keep` (the caller's own, when
/// they change their password).
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    keep: Option<SessionFamilyId>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut query = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(refresh_tokens::family_id.ne(keep));
    }
    query.set(refresh_tokens::revoked_at.eq(at)).execute(conn)
}
