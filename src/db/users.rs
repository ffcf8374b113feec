//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub organisation_id: Option<String>,
    pub preferred_language: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<&'a str>,
    pub preferred_language: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table).values(new).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
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
#[derive(Debug, Default)]
pub struct UserFilter<'a> {
    pub role: Option<&'a str>,
    pub organisation_id: Option<&'a str>,
}

/// Keyset page ordered by id (UUIDv7, so by creation time).
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter<'_>,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).order(users::id.asc()).limit(limit).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.to_owned()));
    }
    if let Some(organisation_id) = filter.organisation_id {
        query = query.filter(users::organisation_id.eq(organisation_id.to_owned()));
    }
    if let Some(after) = after_id {
        query = query.filter(users::id.gt(after.to_owned()));
    }
    query.load(conn)
}

impl UserRow {
    pub fn into_domain(self) -> anyhow::Result<crate::domain::user::User> {
        Ok(crate::domain::user::User {
            id: self.id.parse()?,
            email: self.email,
            username: self.username,
            phone: self.phone,
            display_name: self.display_name,
            role: self.role.parse()?,
            organisation_id: self.organisation_id.as_deref().map(str::parse).transpose()?,
            preferred_language: crate::domain::LanguageTag::parse(&self.preferred_language)?,
            created_at: self.created_at.and_utc(),
        })
    }
}

/// (email, preferred language) of users with `role`, optionally in one organisation.
pub fn addresses(
    conn: &mut DbConnection,
    role: &str,
    organisation_id: Option<&str>,
) -> QueryResult<Vec<(String, String)>> {
    let mut query = users::table
        .filter(users::role.eq(role.to_owned()))
        .filter(users::email.is_not_null())
        .select((users::email.assume_not_null(), users::preferred_language))
        .order(users::id.asc())
        .into_boxed();
    if let Some(organisation) = organisation_id {
        query = query.filter(users::organisation_id.eq(organisation.to_owned()));
    }
    query.load(conn)
}
