//! Queries on `organisations`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::organisations;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub contact_email: Option<String>,
    pub supervising_organisation_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub preferred_language: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub contact_email: Option<&'a str>,
    pub supervising_organisation_id: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub preferred_language: &'a str,
}

pub fn insert(conn: &mut DbConnection, new: &NewOrganisation<'_>) -> QueryResult<()> {
    diesel::insert_into(organisations::table).values(new).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OrganisationRow>> {
    organisations::table.find(id).select(OrganisationRow::as_select()).first(conn).optional()
}

/// Keyset page ordered by id (UUIDv7, so by creation time).
pub fn list(
    conn: &mut DbConnection,
    kind: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut query = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind.to_owned()));
    }
    if let Some(after) = after_id {
        query = query.filter(organisations::id.gt(after.to_owned()));
    }
    query.load(conn)
}

impl OrganisationRow {
    pub fn into_domain(self) -> anyhow::Result<crate::domain::organisation::Organisation> {
        Ok(crate::domain::organisation::Organisation {
            id: self.id.parse()?,
            name: self.name,
            kind: self.kind.parse()?,
            contact_email: self.contact_email,
            supervising_organisation_id: self.supervising_organisation_id.as_deref().map(str::parse).transpose()?,
            preferred_language: crate::domain::LanguageTag::parse(&self.preferred_language)?,
            created_at: self.created_at.and_utc(),
        })
    }
}
