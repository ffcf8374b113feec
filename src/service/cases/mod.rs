//! Cases: lodging, lifecycle actions, other commands on a case, reading.
//!
//! Every command loads the case, asks the access policy for the caller's
//! role on it (404 when none), checks the version, and in one transaction
//! writes the change and its case event.

pub mod act;
pub mod commands;
pub mod lodge;
pub mod messages;
pub mod read;

use chrono::{DateTime, Utc};

use crate::auth::policy::{self, Actor, CaseAccess};
use crate::db::{self, DbConnection, case_events::EventRow, cases::CaseChanges, cases::CaseRow};
use crate::domain::case::{Case, Visibility};
use crate::domain::lifecycle::{Action, CaseRole, CaseState};
use crate::domain::{CaseId, EventId};
use crate::error::AppError;

/// A case as loaded for one caller.
pub(crate) struct Loaded {
    pub case: Case,
    pub role: CaseRole,
    pub access: CaseAccess,
}

impl Loaded {
    pub fn id_text(&self) -> String {
        self.case.id.to_string()
    }
}

/// Loads a case for `actor`; a case that is none of their business is "not found".
pub(crate) fn load_for(conn: &mut DbConnection, actor: &Actor, id: CaseId) -> Result<Loaded, AppError> {
    let id_text = id.to_string();
    let row = db::cases::find(conn, &id_text)?.ok_or(AppError::NotFound)?;
    load_row(conn, actor, row)
}

pub(crate) fn load_row(conn: &mut DbConnection, actor: &Actor, row: CaseRow) -> Result<Loaded, AppError> {
    let parties = db::case_details::parties_of(conn, &row.id)?
        .into_iter()
        .map(|p| Ok((p.organisation_id.parse()?, p.party_role.parse()?)))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(AppError::internal)?;
    let categories = db::case_details::categories_of(conn, std::slice::from_ref(&row.id))?
        .into_iter()
        .map(|(_, category)| category)
        .collect();
    let case = row.into_domain(categories).map_err(AppError::internal)?;
    let access = CaseAccess {
        case_id: case.id,
        worker_user_id: case.worker_user_id,
        advocate_organisation_id: case.advocate_organisation_id,
        mediator_user_id: case.mediator_user_id,
        parties,
    };
    let role = policy::case_role(actor, &access).ok_or(AppError::NotFound)?;
    Ok(Loaded { case, role, access })
}

pub(crate) fn stale_version() -> AppError {
    AppError::Conflict {
        code: "stale_version",
        detail: "the case changed since you last read it; reload it and try again".to_owned(),
    }
}

/// Writes `changes` if nobody changed the case since `expected_version`.
pub(crate) fn save(
    conn: &mut DbConnection,
    loaded: &Loaded,
    expected_version: i32,
    changes: &CaseChanges,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if loaded.case.version != expected_version {
        return Err(stale_version());
    }
    if db::cases::update_versioned(conn, &loaded.id_text(), expected_version, db::timestamp(now), changes)? {
        Ok(())
    } else {
        Err(stale_version())
    }
}

/// One entry for the audit trail.
pub(crate) struct NewEvent<'a> {
    pub kind: &'static str,
    pub action: Option<Action>,
    pub from: Option<CaseState>,
    pub to: Option<CaseState>,
    pub reason: Option<&'a str>,
    pub details: serde_json::Value,
    pub visibility: Visibility,
}

impl NewEvent<'_> {
    pub fn note(kind: &'static str, visibility: Visibility, details: serde_json::Value) -> Self {
        Self { kind, action: None, from: None, to: None, reason: None, details, visibility }
    }
}

pub(crate) fn record_event(
    conn: &mut DbConnection,
    case_id: &str,
    actor: &Actor,
    role: CaseRole,
    event: NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let row = EventRow {
        id: EventId::new().to_string(),
        case_id: case_id.to_owned(),
        occurred_at: db::timestamp(now),
        actor_user_id: actor_user_id(actor),
        actor_role: role.as_str().to_owned(),
        kind: event.kind.to_owned(),
        action: event.action.map(|a| a.as_str().to_owned()),
        from_state: event.from.map(|s| s.as_str().to_owned()),
        to_state: event.to.map(|s| s.as_str().to_owned()),
        reason: event.reason.map(str::to_owned),
        details: event.details.to_string(),
        visibility: event.visibility.as_str().to_owned(),
    };
    db::case_events::insert(conn, &row)?;
    // Organisations with webhooks hear of the events they may see, in the same transaction.
    crate::service::webhooks::enqueue_for_event(conn, &row, now)?;
    Ok(())
}

pub(crate) fn actor_user_id(actor: &Actor) -> Option<String> {
    match actor {
        Actor::User { id, .. } => Some(id.to_string()),
        Actor::System | Actor::CaseSession { .. } => None,
    }
}
