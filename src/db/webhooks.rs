//! Queries on `webhooks`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::webhooks;
use crate::domain::{OrganisationId, Role, WebhookId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: WebhookId,
    pub organisation_id: OrganisationId,
    pub url: String,
    pub secret: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    /// The registrant's role: what the endpoint may hear.
    pub role: Role,
}

pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> QueryResult<()> {
    diesel::insert_into(webhooks::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: WebhookId) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn).optional()
}

pub fn for_organisation(conn: &mut DbConnection, organisation_id: OrganisationId) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::organisation_id.eq(organisation_id))
        .filter(webhooks::active.eq(true))
        .select(WebhookRow::as_select())
        .order(webhooks::id.asc())
        .load(conn)
}

pub fn deactivate(conn: &mut DbConnection, id: WebhookId, organisation_id: OrganisationId) -> QueryResult<bool> {
    let updated = diesel::update(
        webhooks::table.filter(webhooks::id.eq(id)).filter(webhooks::organisation_id.eq(organisation_id)),
    )
    .set(webhooks::active.eq(false))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Cheap test before working out recipients: most installations have none.
pub fn any_active(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(webhooks::table.filter(webhooks::active.eq(true)))).get_result(conn)
}
