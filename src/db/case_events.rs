//! The append-only audit trail of a case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::case_events;
use crate::domain::case::Visibility;
use crate::domain::event::EventKind;
use crate::domain::lifecycle::{Action, CaseRole, CaseState};
use crate::domain::{CaseId, EventId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_events)]
pub struct EventRow {
    pub id: EventId,
    pub case_id: CaseId,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_role: CaseRole,
    pub kind: EventKind,
    pub action: Option<Action>,
    pub from_state: Option<CaseState>,
    pub to_state: Option<CaseState>,
    pub reason: Option<String>,
    /// JSON object.
    pub details: String,
    pub visibility: Visibility,
}

pub fn insert(conn: &mut DbConnection, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(case_events::table).values(row).execute(conn)?;
    Ok(())
}

/// A case's events in the order they happened, limited to the given visibilities.
pub fn for_case(conn: &mut DbConnection, case_id: CaseId, visibilities: &[Visibility]) -> QueryResult<Vec<EventRow>> {
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
            id: self.id,
            occurred_at: self.occurred_at.and_utc(),
            actor_role: self.actor_role,
            kind: self.kind,
            action: self.action,
            from_state: self.from_state,
            to_state: self.to_state,
            reason: self.reason,
            details: serde_json::from_str(&self.details)?,
            visibility: self.visibility,
        })
    }
}
