//! Queries on `organisations`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::organisations;
use crate::domain::language::InvalidLanguageTag;
use crate::domain::organisation::Organisation;
use crate::domain::{LanguageTag, OrganisationId, OrganisationKind};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub contact_email: Option<String>,
    pub supervising_organisation_id: Option<OrganisationId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub preferred_language: LanguageTag,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub id: OrganisationId,
    pub name: &'a str,
    pub kind: OrganisationKind,
    pub contact_email: Option<&'a str>,
    pub supervising_organisation_id: Option<OrganisationId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub preferred_language: &'a LanguageTag,
}

pub fn insert(conn: &mut DbConnection, new: &NewOrganisation<'_>) -> QueryResult<()> {
    diesel::insert_into(organisations::table).values(new).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: OrganisationId) -> QueryResult<Option<OrganisationRow>> {
    organisations::table.find(id).select(OrganisationRow::as_select()).first(conn).optional()
}

/// Keyset page ordered by id (UUIDv7, so by creation time), by kind and by
/// a case-insensitive part of the name.
pub fn list(
    conn: &mut DbConnection,
    kind: Option<OrganisationKind>,
    text: Option<&str>,
    after_id: Option<OrganisationId>,
    limit: i64,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut query = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind));
    }
    if let Some(text) = text {
        query = query.filter(super::lower(organisations::name).like(super::contains_pattern(text)).escape('\\'));
    }
    if let Some(after) = after_id {
        query = query.filter(organisations::id.gt(after));
    }
    query.load(conn)
}

/// What an edit changes; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    pub contact_email: Option<Option<String>>,
    pub supervising_organisation_id: Option<Option<OrganisationId>>,
    pub preferred_language: Option<LanguageTag>,
}

/// Applies `changes`; returns whether the organisation exists.
pub fn update(
    conn: &mut DbConnection,
    id: OrganisationId,
    changes: &OrganisationChanges,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated =
        diesel::update(organisations::table.find(id)).set((changes, organisations::updated_at.eq(at))).execute(conn)?;
    Ok(updated == 1)
}

/// Activates or deactivates an organisation; returns whether it exists.
pub fn set_active(conn: &mut DbConnection, id: OrganisationId, active: bool, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(organisations::table.find(id))
        .set((organisations::active.eq(active), organisations::updated_at.eq(at)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Ids of the operator organisations (they see every case).
pub fn operators(conn: &mut DbConnection) -> QueryResult<Vec<OrganisationId>> {
    organisations::table.filter(organisations::kind.eq(OrganisationKind::Operator)).select(organisations::id).load(conn)
}

impl OrganisationRow {
    pub fn into_domain(self) -> Result<Organisation, InvalidLanguageTag> {
        Ok(Organisation {
            id: self.id,
            name: self.name,
            kind: self.kind,
            contact_email: self.contact_email,
            supervising_organisation_id: self.supervising_organisation_id,
            preferred_language: self.preferred_language,
            created_at: self.created_at.and_utc(),
            active: self.active,
        })
    }
}
