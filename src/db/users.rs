//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::users;
use crate::domain::language::InvalidLanguageTag;
use crate::domain::user::User;
use crate::domain::{LanguageTag, OrganisationId, Role, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub preferred_language: LanguageTag,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub preferred_language: &'a LanguageTag,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table).values(new).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::email.eq(email)).select(UserRow::as_select()).first(conn).optional()
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::username.eq(username)).select(UserRow::as_select()).first(conn).optional()
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::email.eq(email)))).get_result(conn)
}

pub fn username_taken(conn: &mut DbConnection, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::username.eq(username)))).get_result(conn)
}

/// Filters for listing users; all optional.
#[derive(Debug, Default, Clone, Copy)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub organisation_id: Option<OrganisationId>,
}

/// Keyset page ordered by id (UUIDv7, so by creation time).
pub fn list(
    conn: &mut DbConnection,
    filter: UserFilter,
    after_id: Option<UserId>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).order(users::id.asc()).limit(limit).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(organisation_id) = filter.organisation_id {
        query = query.filter(users::organisation_id.eq(organisation_id));
    }
    if let Some(after) = after_id {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn)
}

impl UserRow {
    pub fn into_domain(self) -> Result<User, InvalidLanguageTag> {
        Ok(User {
            id: self.id,
            email: self.email,
            username: self.username,
            phone: self.phone,
            display_name: self.display_name,
            role: self.role,
            organisation_id: self.organisation_id,
            preferred_language: self.preferred_language,
            created_at: self.created_at.and_utc(),
            active: self.active,
        })
    }
}

/// (email, preferred language) of users with `role`, optionally in one organisation.
pub fn addresses(
    conn: &mut DbConnection,
    role: Role,
    organisation_id: Option<OrganisationId>,
) -> QueryResult<Vec<(String, LanguageTag)>> {
    let mut query = users::table
        .filter(users::role.eq(role))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select((users::email.assume_not_null(), users::preferred_language))
        .order(users::id.asc())
        .into_boxed();
    if let Some(organisation) = organisation_id {
        query = query.filter(users::organisation_id.eq(organisation));
    }
    query.load(conn)
}

/// Which of `addresses` (normalised e-mails) belong to staff accounts, not workers.
pub fn staff_emails_among(conn: &mut DbConnection, addresses: &[String]) -> QueryResult<Vec<String>> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::email.eq_any(addresses))
        .filter(users::role.ne(Role::Worker))
        .select(users::email.assume_not_null())
        .load(conn)
}

/// Activates or deactivates an account; returns whether it exists.
pub fn set_active(conn: &mut DbConnection, id: UserId, active: bool, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(users::table.find(id))
        .set((users::active.eq(active), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Attaches a confirmed e-mail address.
pub fn set_email(conn: &mut DbConnection, id: UserId, email: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set((users::email.eq(email), users::updated_at.eq(at))).execute(conn)?;
    Ok(())
}

pub fn set_password_hash(conn: &mut DbConnection, id: UserId, hash: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// The accounts belonging to an organisation.
pub fn members_of(conn: &mut DbConnection, organisation: OrganisationId) -> QueryResult<Vec<UserId>> {
    users::table.filter(users::organisation_id.eq(organisation)).select(users::id).load(conn)
}

/// What an admin's edit changes on an account; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<Option<String>>,
    pub username: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub display_name: Option<Option<String>>,
    pub preferred_language: Option<LanguageTag>,
}

/// Applies `changes`; returns whether the account exists.
pub fn update(conn: &mut DbConnection, id: UserId, changes: &UserChanges, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(users::table.find(id)).set((changes, users::updated_at.eq(at))).execute(conn)?;
    Ok(updated == 1)
}

/// Whether another account than `id` has this e-mail address.
pub fn email_taken_by_other(conn: &mut DbConnection, email: &str, id: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::email.eq(email)).filter(users::id.ne(id))))
        .get_result(conn)
}

/// Whether another account than `id` has this username.
pub fn username_taken_by_other(conn: &mut DbConnection, username: &str, id: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::username.eq(username)).filter(users::id.ne(id))))
        .get_result(conn)
}
