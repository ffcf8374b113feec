//! Queries on `webhooks`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{organisations, webhooks};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub organisation_id: String,
    pub url: String,
    pub secret: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> QueryResult<()> {
    diesel::insert_into(webhooks::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn).optional()
}

pub fn for_organisation(conn: &mut DbConnection, organisation_id: &str) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::organisation_id.eq(organisation_id))
        .filter(webhooks::active.eq(true))
        .select(WebhookRow::as_select())
        .order(webhooks::id.asc())
        .load(conn)
}

pub fn deactivate(conn: &mut DbConnection, id: &str, organisation_id: &str) -> QueryResult<bool> {
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

/// Ids of the operator organisations (they see every case).
pub fn operator_organisations(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    organisations::table.filter(organisations::kind.eq("operator")).select(organisations::id).load(conn)
}
