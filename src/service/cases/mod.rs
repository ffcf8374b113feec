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
use crate::db::organisations::OrganisationRow;
use crate::db::{
    self, DbConnection, case_details::IdentityRow, case_events::EventRow, cases::CaseChanges, cases::CaseRow,
};
use crate::domain::case::Case;
use crate::domain::event::NewEvent;
use crate::domain::lifecycle::CaseRole;
use crate::domain::{CaseId, EventId, OrganisationId, OrganisationKind};
use crate::service::{Conflict, Error};

/// A case as loaded for one caller.
pub(crate) struct Loaded {
    pub case: Case,
    pub role: CaseRole,
    pub access: CaseAccess,
    /// The worker's identity row, when it was read with the case (`Some(None)`: there is none).
    pub identity: Option<Option<IdentityRow>>,
    /// The handlers' forced-labour indicators.
    pub indicators: Vec<String>,
    /// The narrative as stored (sealed), opened only for a view.
    pub sealed_narrative: String,
}

/// Loads a case for `actor`; a case that is none of their business is "not found".
/// Two statements: the case with the identity, and what hangs off it.
pub(crate) fn load_for(conn: &mut DbConnection, actor: &Actor, id: CaseId) -> Result<Loaded, Error> {
    let (row, identity) = db::cases::find_with_identity(conn, id)?.ok_or(Error::NotFound)?;
    let mut loaded = load_row(conn, actor, row)?;
    loaded.identity = Some(identity);
    Ok(loaded)
}

pub(crate) fn load_row(conn: &mut DbConnection, actor: &Actor, row: CaseRow) -> Result<Loaded, Error> {
    let sides = db::case_details::sides_of(conn, row.id)?;
    let sealed_narrative = row.narrative.clone();
    let case = row.into_domain(sides.categories)?;
    let access = CaseAccess {
        case_id: case.id,
        worker_user_id: case.worker_user_id,
        advocate_organisation_id: case.advocate_organisation_id,
        mediator_user_id: case.mediator_user_id,
        parties: sides.parties,
    };
    let role = policy::case_role(actor, &access).ok_or(Error::NotFound)?;
    Ok(Loaded { case, role, access, identity: None, indicators: sides.indicators, sealed_narrative })
}

/// What a declared conflict of interest is checked against: the case and
/// every organisation standing on it.
pub(crate) fn touches(loaded: &Loaded) -> crate::domain::casework::CaseTouches {
    let case = &loaded.case;
    let mut organisations: Vec<OrganisationId> =
        [case.employer_organisation_id, case.supervising_organisation_id, case.advocate_organisation_id]
            .into_iter()
            .flatten()
            .chain(loaded.access.parties.iter().map(|(org, _)| *org))
            .collect();
    organisations.sort_by_key(|org| org.to_string());
    organisations.dedup();
    crate::domain::casework::CaseTouches { case_id: case.id, organisations }
}

/// The organisation a case names as its employer exists and is an employer;
/// answers its record.
pub(crate) fn check_employer(conn: &mut DbConnection, id: OrganisationId) -> Result<OrganisationRow, Error> {
    let field = "employer_organisation_id";
    let row = db::organisations::find(conn, id)?
        .ok_or_else(|| Error::validation(field, "unknown_organisation", "no organisation has this id"))?;
    if row.kind != OrganisationKind::Employer {
        return Err(Error::validation(field, "not_an_employer", "this organisation is not an employer"));
    }
    if !row.active {
        return Err(Error::validation(field, "organisation_inactive", "this organisation has been deactivated"));
    }
    Ok(row)
}

pub(crate) fn stale_version() -> Error {
    Error::Conflict(Conflict::StaleVersion)
}

/// Writes `changes` if nobody changed the case since `expected_version`.
pub(crate) fn save(
    conn: &mut DbConnection,
    loaded: &Loaded,
    expected_version: i32,
    changes: &CaseChanges,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if loaded.case.version != expected_version {
        return Err(stale_version());
    }
    if db::cases::update_versioned(conn, loaded.case.id, expected_version, db::timestamp(now), changes)? {
        Ok(())
    } else {
        Err(stale_version())
    }
}

/// Appends a case event, with its one dispatch row for the webhooks that may
/// hear of it.
pub(crate) fn record_event(
    conn: &mut DbConnection,
    case_id: CaseId,
    actor: &Actor,
    role: CaseRole,
    event: &NewEvent,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    record_event_telling(conn, case_id, actor, role, event, None, now)
}

/// Appends a case event and tells whoever hears of `news`, in ONE dispatch
/// row for both the webhooks and the mail.
pub(crate) fn record_event_telling(
    conn: &mut DbConnection,
    case_id: CaseId,
    actor: &Actor,
    role: CaseRole,
    event: &NewEvent,
    news: Option<&crate::service::notifications::News<'_>>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let row = EventRow {
        id: EventId::new(),
        case_id,
        occurred_at: db::timestamp(now),
        actor_user_id: actor.user_id(),
        actor_role: role,
        kind: event.kind,
        action: event.action,
        from_state: event.from,
        to_state: event.to,
        reason: event.reason.clone(),
        details: event.details.to_string(),
        visibility: event.visibility,
    };
    db::case_events::insert(conn, &row)?;
    // Organisations with webhooks hear of the events they may see: queued in
    // the same transaction, fanned out by the outbox worker.
    crate::service::notifications::record(conn, &row, news, now)
}
