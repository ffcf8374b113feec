//! The append-only audit trail of a case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::case_events;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_events)]
pub struct EventRow {
    pub id: String,
    pub case_id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_role: String,
    pub kind: String,
    pub action: Option<String>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    /// JSON object.
    pub details: String,
    pub visibility: String,
}

pub fn insert(conn: &mut DbConnection, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(case_events::table).values(row).execute(conn)?;
    Ok(())
}

/// A case's events in the order they happened, limited to the given visibilities.
pub fn for_case(conn: &mut DbConnection, case_id: &str, visibilities: &[&str]) -> QueryResult<Vec<EventRow>> {
    case_events::table
        .filter(case_events::case_id.eq(case_id))
        .filter(case_events::visibility.eq_any(visibilities))
        .select(EventRow::as_select())
        .order(case_events::id.asc())
        .load(conn)
}

impl EventRow {
    pub fn into_domain(self) -> anyhow::Result<crate::domain::case::CaseEvent> {
        Ok(crate::domain::case::CaseEvent {
            id: self.id.parse()?,
            occurred_at: self.occurred_at.and_utc(),
            actor_role: self.actor_role.parse()?,
            kind: self.kind,
            action: self.action.as_deref().map(str::parse).transpose()?,
            from_state: self.from_state.as_deref().map(str::parse).transpose()?,
            to_state: self.to_state.as_deref().map(str::parse).transpose()?,
            reason: self.reason,
            details: serde_json::from_str(&self.details)?,
            visibility: self.visibility.parse()?,
        })
    }
}
