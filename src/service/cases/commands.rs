//! Case commands outside the lifecycle: disclosure consent, mediator
//! assignment, linking the employer, classification, the worker's identity,
//! and opening a receipt-code session.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::read::{CaseView, view};
use super::{Loaded, check_employer, load_for, load_row, record_event, save};
use crate::auth::AuthFailure;
use crate::auth::policy::{self, Actor, CaseAmendment};
use crate::auth::receipts::{self, ReceiptKeys};
use crate::db::{self, DbConnection, case_details::IdentityRow, cases::CaseChanges};
use crate::domain::case::{CaseReference, IdentityPatch, Priority, Visibility};
use crate::domain::catalogue::{self, Category};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::notification::Happening;
use crate::domain::{CaseId, OrganisationId, Role, UserId};
use crate::seal::Sealer;
use crate::service::notifications::{self, News};
use crate::service::{Conflict, Error};

/// What an amendment writes besides its own rows: the case's columns, the
/// audit entry, and the news it is to those who hear of it.
struct Amended {
    changes: CaseChanges,
    event: NewEvent,
    news: Option<Happening>,
}

/// Runs an amendment in one transaction: the policy's check, the
/// amendment's own writes, the versioned save and its audit entry; answers
/// with the case as the caller now sees it.
fn amend<F>(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    (id, expected_version): (CaseId, i32),
    amendment: CaseAmendment,
    now: DateTime<Utc>,
    f: F,
) -> Result<CaseView, Error>
where
    F: FnOnce(&mut DbConnection, &Loaded) -> Result<Amended, Error>,
{
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        if !policy::may_amend(loaded.role, amendment) {
            return Err(Error::Forbidden);
        }
        // A stale version is answered before the amendment's own checks (and `save` checks again, atomically).
        if loaded.case.version != expected_version {
            return Err(super::stale_version());
        }
        let Amended { changes, event, news } = f(conn, &loaded)?;
        save(conn, &loaded, expected_version, &changes, now)?;
        record_event(conn, id, actor, loaded.role, &event, now)?;
        let reloaded = load_for(conn, actor, id)?;
        if let Some(happening) = news {
            let news = News::new(happening, &reloaded.case, &reloaded.access.parties, loaded.role);
            notifications::tell(conn, &news, now)?;
        }
        view(conn, sealer, reloaded, now)
    })
}

/// The worker (or their advocate) consents to the employer and supervising
/// organisation seeing their identity, or withdraws that consent.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn set_disclosure_consent(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    disclose: bool,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::DisclosureConsent, now, |_, _| {
        let kind = if disclose { EventKind::DisclosureConsentGiven } else { EventKind::DisclosureConsentWithdrawn };
        Ok(Amended {
            changes: CaseChanges { identity_disclosure_consent: Some(disclose), ..CaseChanges::default() },
            event: NewEvent::note(kind, Visibility::Parties, json!({})),
            news: None,
        })
    })
}

/// A handler assigns the mediator (by language and workload).
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn assign_mediator(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    mediator: UserId,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::AssignMediator, now, |conn, loaded| {
        let user = db::users::find(conn, mediator)?
            .ok_or_else(|| Error::validation("mediator_user_id", "unknown_user", "no user has this id"))?;
        if user.role != Role::Mediator {
            return Err(Error::validation("mediator_user_id", "not_a_mediator", "this user is not a mediator"));
        }
        if !user.active {
            return Err(Error::validation("mediator_user_id", "inactive_user", "this account is deactivated"));
        }
        let touches = super::touches(loaded);
        let declared = db::casework::conflicts_touching(conn, Some(mediator), id, &touches.organisations)?;
        let touching = |row: &db::casework::ConflictRow| {
            crate::service::casework::subject_of(row).is_some_and(|subject| subject.touches(&touches))
        };
        if declared.iter().any(touching) {
            return Err(Error::Conflict(Conflict::ConflictOfInterest));
        }
        let details = json!({"mediator_user_id": mediator.to_string()});
        Ok(Amended {
            changes: CaseChanges { mediator_user_id: Some(Some(mediator)), ..CaseChanges::default() },
            event: NewEvent::note(EventKind::MediatorAssigned, Visibility::Parties, details),
            news: Some(Happening::MediatorAssigned),
        })
    })
}

/// A handler takes a case (`handler` is themselves), gives it to another
/// handler, or leaves it unowned (`None`). The new owner is told, unless
/// they took it themselves.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn assign_handler(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    handler: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::AssignHandler, now, |conn, loaded| {
        let field = "handler_user_id";
        if let Some(handler) = handler {
            let user = db::users::find(conn, handler)?
                .ok_or_else(|| Error::validation(field, "unknown_user", "no user has this id"))?;
            if user.role != Role::Handler {
                return Err(Error::validation(field, "not_a_handler", "this user is not a handler"));
            }
            if !user.active {
                return Err(Error::validation(field, "inactive_user", "this account is deactivated"));
            }
        }
        let previous = loaded.case.assigned_handler_user_id;
        let id_text = |user: Option<UserId>| user.map(|u| u.to_string());
        let event = match handler {
            Some(_) => NewEvent::note(
                EventKind::HandlerAssigned,
                Visibility::Internal,
                json!({"from": id_text(previous), "to": id_text(handler)}),
            ),
            None => {
                NewEvent::note(EventKind::HandlerUnassigned, Visibility::Internal, json!({"from": id_text(previous)}))
            }
        };
        let tells = handler.is_some() && handler != actor.user_id() && handler != previous;
        Ok(Amended {
            changes: CaseChanges { assigned_handler_user_id: Some(handler), ..CaseChanges::default() },
            event,
            news: tells.then_some(Happening::HandlerAssigned),
        })
    })
}

/// A handler links a case that named an unregistered employer to its record.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn link_employer(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    employer: OrganisationId,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::LinkEmployer, now, |conn, loaded| {
        if !loaded.access.parties.is_empty() {
            return Err(Error::Conflict(Conflict::AlreadyReferred));
        }
        let organisation = check_employer(conn, employer)?;
        let details = json!({"employer_organisation_id": employer.to_string()});
        Ok(Amended {
            changes: CaseChanges::employer(&organisation),
            event: NewEvent::note(EventKind::EmployerLinked, Visibility::Internal, details),
            news: None,
        })
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
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    mut classification: Classification,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::Classify, now, |conn, _| {
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
            db::case_details::replace_indicators(conn, id, codes)?;
        }
        if let Some(categories) = &mut classification.categories {
            categories.sort();
            categories.dedup();
            if categories.is_empty() {
                return Err(Error::validation("categories", "required", "a case needs at least one category"));
            }
            db::case_details::delete_categories(conn, id)?;
            for category in categories.iter() {
                db::case_details::insert_category(conn, id, *category)?;
            }
        }
        let details = json!({
            "priority": classification.priority.map(Priority::as_str),
            "categories": classification.categories.map(|cs| cs.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            "forced_labour_indicators": classification.forced_labour_indicators,
        });
        Ok(Amended {
            changes: CaseChanges { priority: classification.priority, ..CaseChanges::default() },
            event: NewEvent::note(EventKind::Classified, Visibility::WorkerSide, details),
            news: None,
        })
    })
}

/// The worker side corrects or completes the worker's identity details.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn update_identity(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    patch: IdentityPatch,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::UpdateIdentity, now, |conn, _| {
        let current = db::case_details::identity_of(conn, id)?
            .map(|row| row.into_domain(sealer))
            .transpose()?
            .unwrap_or_default();
        let identity = current.patched(patch);
        db::case_details::update_identity(conn, &IdentityRow::from_domain(id, identity, db::timestamp(now), sealer)?)?;
        // The event says that, not what: identities stay out of the audit trail.
        Ok(Amended {
            changes: CaseChanges::default(),
            event: NewEvent::note(EventKind::IdentityUpdated, Visibility::WorkerSide, json!({})),
            news: None,
        })
    })
}

/// Checks a reference and receipt code; a wrong code and an unknown
/// reference get the same answer. Answers the case and the code's session
/// fingerprint.
pub fn open_receipt_session(
    conn: &mut DbConnection,
    receipts: &ReceiptKeys,
    reference: &str,
    receipt_code: &str,
) -> Result<(CaseId, String), Error> {
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
    let fingerprint = receipts::session_fingerprint(&row.receipt_code_hash);
    // The session must be able to read its own case.
    load_row(conn, &Actor::CaseSession { case_id }, row)?;
    Ok((case_id, fingerprint))
}

/// A receipt session lives while the code that opened it is the case's:
/// a replaced code ends every session it opened, at once.
pub fn require_live_receipt_session(conn: &mut DbConnection, case_id: CaseId, receipt: &str) -> Result<(), Error> {
    let live = db::cases::find(conn, case_id)?.is_some_and(|row| {
        constant_time_eq(receipts::session_fingerprint(&row.receipt_code_hash).as_bytes(), receipt.as_bytes())
    });
    if live { Ok(()) } else { Err(Error::Unauthenticated(AuthFailure::SessionEnded)) }
}

/// A handler issues a new receipt code for a worker who lost theirs, after
/// checking the worker's identity (`identity_check` says how). The old code
/// stops working, and so does every session it opened. Answers the new
/// code, to be passed on to the worker; it is stored only as a hash.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn replace_receipt_code(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    receipts: &ReceiptKeys,
    (id, expected_version): (CaseId, i32),
    identity_check: String,
    now: DateTime<Utc>,
) -> Result<(CaseView, String), Error> {
    let code = receipts.random_code()?;
    let hash = receipts.hash(&code);
    let view = amend(conn, sealer, actor, (id, expected_version), CaseAmendment::ReplaceReceiptCode, now, |_, _| {
        // How the identity was checked is recorded; never the code.
        let details = json!({"identity_check": identity_check});
        Ok(Amended {
            changes: CaseChanges { receipt_code_hash: Some(hash), ..CaseChanges::default() },
            event: NewEvent::note(EventKind::ReceiptCodeReplaced, Visibility::WorkerSide, details),
            news: None,
        })
    })?;
    Ok((view, code))
}

/// The worker's consent, as recorded by whoever acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedConsent {
    pub method: String,
    pub obtained_on: chrono::NaiveDate,
}

/// The worker (or a handler, on the worker's recorded consent) names the
/// advocate organisation acting for them, replacing any other, or with
/// `None` removes it. The advocate's staff gain or lose the case at once.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn set_advocate(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    (id, expected_version): (CaseId, i32),
    advocate: Option<OrganisationId>,
    consent: Option<RecordedConsent>,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    amend(conn, sealer, actor, (id, expected_version), CaseAmendment::Advocate, now, |conn, loaded| {
        if policy::advocate_change_needs_consent(loaded.role) && consent.is_none() {
            return Err(Error::validation(
                "worker_consent",
                "required",
                "record how and when the worker asked for this change of advocate",
            ));
        }
        let previous = loaded.case.advocate_organisation_id;
        let kind = match advocate {
            Some(organisation) => {
                check_advocate(conn, organisation)?;
                EventKind::AdvocateAdded
            }
            None if previous.is_none() => {
                return Err(Error::validation(
                    "advocate_organisation_id",
                    "no_advocate",
                    "the case has no advocate to remove",
                ));
            }
            None => EventKind::AdvocateRemoved,
        };
        let details = json!({
            "advocate_organisation_id": advocate.map(|o| o.to_string()),
            "previous_advocate_organisation_id": previous.map(|o| o.to_string()),
            "worker_consent": consent.as_ref().map(|c| json!({"method": c.method, "obtained_on": c.obtained_on})),
        });
        Ok(Amended {
            changes: CaseChanges { advocate_organisation_id: Some(advocate), ..CaseChanges::default() },
            event: NewEvent::note(kind, Visibility::WorkerSide, details),
            news: None,
        })
    })
}

/// An advocate is an active organisation whose staff may hold the advocate role.
fn check_advocate(conn: &mut DbConnection, id: OrganisationId) -> Result<(), Error> {
    let field = "advocate_organisation_id";
    let row = db::organisations::find(conn, id)?
        .ok_or_else(|| Error::validation(field, "unknown_organisation", "no organisation has this id"))?;
    if !Role::Advocate.organisation_rule().allows(Some(row.kind)) {
        return Err(Error::validation(field, "not_an_advocate", "advocates are NGOs, unions and legal-aid offices"));
    }
    if !row.active {
        return Err(Error::validation(field, "organisation_inactive", "this organisation has been deactivated"));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
