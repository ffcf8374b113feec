//! Case commands outside the lifecycle: disclosure consent, mediator
//! assignment, linking the employer, classification, the worker's identity,
//! and opening a receipt-code session.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::read::{CaseView, view};
use super::{Loaded, load_for, load_row, record_event, save};
use crate::auth::AuthFailure;
use crate::auth::policy::Actor;
use crate::auth::receipts::ReceiptKeys;
use crate::db::{self, DbConnection, case_details::IdentityRow, cases::CaseChanges};
use crate::domain::case::{CaseReference, Identity, Priority, Visibility};
use crate::domain::catalogue::{self, Category};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::CaseRole;
use crate::domain::{CaseId, OrganisationId, OrganisationKind, Role, UserId};
use crate::service::{Conflict, Error};

/// Runs a command in one transaction and returns the case as the caller now sees it.
fn command<F>(conn: &mut DbConnection, actor: &Actor, id: CaseId, now: DateTime<Utc>, f: F) -> Result<CaseView, Error>
where
    F: FnOnce(&mut DbConnection, &Loaded) -> Result<(), Error>,
{
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        f(conn, &loaded)?;
        let reloaded = load_for(conn, actor, id)?;
        view(conn, reloaded, now)
    })
}

fn require_role(loaded: &Loaded, allowed: &[CaseRole]) -> Result<(), Error> {
    if allowed.contains(&loaded.role) { Ok(()) } else { Err(Error::Forbidden) }
}

/// The worker (or their advocate) consents to the employer and supervising
/// organisation seeing their identity, or withdraws that consent.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn set_disclosure_consent(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    disclose: bool,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    command(conn, actor, id, now, |conn, loaded| {
        require_role(loaded, &[CaseRole::Worker, CaseRole::Advocate])?;
        let changes = CaseChanges { identity_disclosure_consent: Some(disclose), ..CaseChanges::default() };
        save(conn, loaded, expected_version, &changes, now)?;
        let kind = if disclose { EventKind::DisclosureConsentGiven } else { EventKind::DisclosureConsentWithdrawn };
        record_event(
            conn,
            loaded.case.id,
            actor,
            loaded.role,
            &NewEvent::note(kind, Visibility::Parties, json!({})),
            now,
        )
    })
}

/// A handler assigns the mediator (by language and workload).
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn assign_mediator(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    mediator: UserId,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    command(conn, actor, id, now, |conn, loaded| {
        require_role(loaded, &[CaseRole::Handler])?;
        let user = db::users::find(conn, mediator)?
            .ok_or_else(|| Error::validation("mediator_user_id", "unknown_user", "no user has this id"))?;
        if user.role != Role::Mediator {
            return Err(Error::validation("mediator_user_id", "not_a_mediator", "this user is not a mediator"));
        }
        let changes = CaseChanges { mediator_user_id: Some(Some(mediator)), ..CaseChanges::default() };
        save(conn, loaded, expected_version, &changes, now)?;
        let details = json!({"mediator_user_id": mediator.to_string()});
        record_event(
            conn,
            loaded.case.id,
            actor,
            loaded.role,
            &NewEvent::note(EventKind::MediatorAssigned, Visibility::Parties, details),
            now,
        )
    })
}

/// A handler links a case that named an unregistered employer to its record.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn link_employer(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    employer: OrganisationId,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    command(conn, actor, id, now, |conn, loaded| {
        require_role(loaded, &[CaseRole::Handler])?;
        if !loaded.access.parties.is_empty() {
            return Err(Error::Conflict(Conflict::AlreadyReferred));
        }
        let row = db::organisations::find(conn, employer)?.ok_or_else(|| {
            Error::validation("employer_organisation_id", "unknown_organisation", "no organisation has this id")
        })?;
        if row.kind != OrganisationKind::Employer {
            return Err(Error::validation(
                "employer_organisation_id",
                "not_an_employer",
                "this organisation is not an employer",
            ));
        }
        let changes = CaseChanges { employer_organisation_id: Some(Some(employer)), ..CaseChanges::default() };
        save(conn, loaded, expected_version, &changes, now)?;
        let details = json!({"employer_organisation_id": employer.to_string()});
        record_event(
            conn,
            loaded.case.id,
            actor,
            loaded.role,
            &NewEvent::note(EventKind::EmployerLinked, Visibility::Internal, details),
            now,
        )
    })
}

/// What a handler may reclassify; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    pub priority: Option<Priority>,
    pub categories: Option<Vec<Category>>,
    /// ILO forced-labour indicator codes (`FL-1` … `FL-11`).
    pub forced_labour_indicators: Option<Vec<String>>,
}

#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn classify(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    mut classification: Classification,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    command(conn, actor, id, now, |conn, loaded| {
        require_role(loaded, &[CaseRole::Handler])?;
        let case_id = loaded.case.id;
        if let Some(codes) = &mut classification.forced_labour_indicators {
            codes.sort();
            codes.dedup();
            if let Some(bad) = codes.iter().position(|c| !catalogue::is_forced_labour_indicator(c)) {
                return Err(Error::validation(
                    &format!("forced_labour_indicators[{bad}]"),
                    "unknown_indicator",
                    "not an ILO forced-labour indicator (FL-1 to FL-11)",
                ));
            }
            db::case_details::replace_indicators(conn, case_id, codes)?;
        }
        if let Some(categories) = &mut classification.categories {
            categories.sort();
            categories.dedup();
            if categories.is_empty() {
                return Err(Error::validation("categories", "required", "a case needs at least one category"));
            }
            db::case_details::delete_categories(conn, case_id)?;
            for category in categories.iter() {
                db::case_details::insert_category(conn, case_id, *category)?;
            }
        }
        let changes = CaseChanges { priority: classification.priority, ..CaseChanges::default() };
        save(conn, loaded, expected_version, &changes, now)?;
        let details = json!({
            "priority": classification.priority.map(Priority::as_str),
            "categories": classification.categories.map(|cs| cs.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            "forced_labour_indicators": classification.forced_labour_indicators,
        });
        record_event(
            conn,
            loaded.case.id,
            actor,
            loaded.role,
            &NewEvent::note(EventKind::Classified, Visibility::WorkerSide, details),
            now,
        )
    })
}

/// The worker side corrects or completes the worker's identity details.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn update_identity(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    identity: Identity,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    command(conn, actor, id, now, |conn, loaded| {
        require_role(loaded, &[CaseRole::Worker, CaseRole::Advocate, CaseRole::Handler])?;
        save(conn, loaded, expected_version, &CaseChanges::default(), now)?;
        let row = IdentityRow::from_domain(loaded.case.id, identity, db::timestamp(now));
        db::case_details::update_identity(conn, &row)?;
        // The event says that, not what: identities stay out of the audit trail.
        record_event(
            conn,
            loaded.case.id,
            actor,
            loaded.role,
            &NewEvent::note(EventKind::IdentityUpdated, Visibility::WorkerSide, json!({})),
            now,
        )
    })
}

/// Checks a reference and receipt code; a wrong code and an unknown
/// reference get the same answer.
pub fn open_receipt_session(
    conn: &mut DbConnection,
    receipts: &ReceiptKeys,
    reference: &str,
    receipt_code: &str,
) -> Result<CaseId, Error> {
    let refused = Error::Unauthenticated(AuthFailure::InvalidReceipt);
    let Some(reference) = CaseReference::parse(reference) else {
        return Err(refused);
    };
    let presented = receipts.hash(receipt_code);
    let Some(row) = db::cases::find_by_reference(conn, reference.as_str())? else {
        return Err(refused);
    };
    if !constant_time_eq(presented.as_bytes(), row.receipt_code_hash.as_bytes()) {
        return Err(refused);
    }
    let case_id = row.id;
    // The session must be able to read its own case.
    load_row(conn, &Actor::CaseSession { case_id }, row)?;
    Ok(case_id)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
