//! Queries for case work: the languages staff speak, mediators' declared
//! conflicts of interest, and the staff and organisation directory.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{conflict_declarations, organisations, user_languages, users};
use super::users::UserRow;
use crate::domain::{CaseId, ConflictId, LanguageTag, OrganisationId, Role, UserId};

pub fn languages_of(conn: &mut DbConnection, users: &[UserId]) -> QueryResult<Vec<(UserId, LanguageTag)>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    user_languages::table
        .filter(user_languages::user_id.eq_any(users))
        .select((user_languages::user_id, user_languages::language))
        .order((user_languages::user_id.asc(), user_languages::language.asc()))
        .load(conn)
}

/// Replaces the languages a user declared (one statement per language;
/// the caller owns the transaction).
pub fn replace_languages(conn: &mut DbConnection, user: UserId, languages: &[LanguageTag]) -> QueryResult<()> {
    diesel::delete(user_languages::table.filter(user_languages::user_id.eq(user))).execute(conn)?;
    for language in languages {
        diesel::insert_into(user_languages::table)
            .values((user_languages::user_id.eq(user), user_languages::language.eq(language)))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = conflict_declarations)]
pub struct ConflictRow {
    pub id: ConflictId,
    pub mediator_user_id: UserId,
    pub organisation_id: Option<OrganisationId>,
    pub case_id: Option<CaseId>,
    pub reason: String,
    pub declared_at: NaiveDateTime,
}

pub fn insert_conflict(conn: &mut DbConnection, row: &ConflictRow) -> QueryResult<()> {
    diesel::insert_into(conflict_declarations::table).values(row).execute(conn)?;
    Ok(())
}

/// The declarations of these mediators, oldest first.
pub fn conflicts_of(conn: &mut DbConnection, mediators: &[UserId]) -> QueryResult<Vec<ConflictRow>> {
    if mediators.is_empty() {
        return Ok(Vec::new());
    }
    conflict_declarations::table
        .filter(conflict_declarations::mediator_user_id.eq_any(mediators))
        .select(ConflictRow::as_select())
        .order(conflict_declarations::id.asc())
        .load(conn)
}

/// Declarations that touch a case (on it, or on one of `organisations`),
/// of one mediator or of all.
pub fn conflicts_touching(
    conn: &mut DbConnection,
    mediator: Option<UserId>,
    case_id: CaseId,
    organisations: &[OrganisationId],
) -> QueryResult<Vec<ConflictRow>> {
    let mut query = conflict_declarations::table
        .filter(
            conflict_declarations::case_id
                .eq(case_id)
                .or(conflict_declarations::organisation_id.eq_any(organisations.iter().copied().map(Some))),
        )
        .select(ConflictRow::as_select())
        .order(conflict_declarations::id.asc())
        .into_boxed();
    if let Some(mediator) = mediator {
        query = query.filter(conflict_declarations::mediator_user_id.eq(mediator));
    }
    query.load(conn)
}

/// (id, name) of these organisations.
pub fn organisation_names(
    conn: &mut DbConnection,
    ids: &[OrganisationId],
) -> QueryResult<Vec<(OrganisationId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((organisations::id, organisations::name))
        .load(conn)
}

/// Active staff of a role, optionally speaking a language (declared, or as
/// their account's language) and whose display name contains `text`; keyset by id.
pub fn search_staff(
    conn: &mut DbConnection,
    role: Role,
    language: Option<&str>,
    text: Option<&str>,
    after_id: Option<UserId>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .filter(users::role.eq(role))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(language) = language {
        // The primary subtag: `vi` finds `vi` and `vi-VN`.
        let family = format!("{}-%", language.replace(['%', '_'], ""));
        query = query.filter(
            users::preferred_language.eq(language.to_owned()).or(users::preferred_language.like(family.clone())).or(
                diesel::dsl::exists(user_languages::table.filter(user_languages::user_id.eq(users::id)).filter(
                    user_languages::language.eq(language.to_owned()).or(user_languages::language.like(family)),
                )),
            ),
        );
    }
    if let Some(text) = text {
        query = query.filter(
            super::lower(users::display_name.assume_not_null()).like(super::contains_pattern(text)).escape('\\'),
        );
    }
    if let Some(after) = after_id {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn)
}

/// Every active mediator (to rank for a case; mediators are few).
pub fn active_mediators(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::role.eq(Role::Mediator))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .order(users::id.asc())
        .load(conn)
}
