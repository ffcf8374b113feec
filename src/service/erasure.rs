//! Retention and erasure on request (APPI): a handler's legal hold, the
//! worker side's request, a handler's decision, and the daily retention
//! run. Every path ends in [`erase`], which wipes the case's personal data
//! (see `db::erasure::wipe_case`) and records an audit entry naming the
//! kinds of data erased and why, never their content, in one transaction.
//! Evidence files go from the store after that transaction commits, since a
//! file cannot be rolled back.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::cases::read::{self, CaseView};
use super::cases::{Loaded, load_for, record_event_telling, save};
use super::notifications::News;
use crate::auth::policy::{self, Actor, CaseAmendment};
use crate::db::{self, DbConnection, DbPool, cases::CaseChanges, erasure::Wiped};
use crate::domain::CaseId;
use crate::domain::case::Visibility;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::notification::Happening;
use crate::domain::privacy::{self, ErasedKind, ErasureReason, ErasureRefusal, PrivacyStatus};
use crate::seal::Sealer;
use crate::service::{Conflict, Error};

/// How many cases one page of the retention run holds.
const BATCH: i64 = 200;

fn refused(refusal: ErasureRefusal) -> Error {
    Error::Conflict(Conflict::Erasure(refusal))
}

fn status_of(conn: &mut DbConnection, id: CaseId) -> Result<PrivacyStatus, Error> {
    let row = db::erasure::privacy_of(conn, id)?;
    Ok(PrivacyStatus {
        legal_hold: row.legal_hold_reason.is_some(),
        erasure_requested: row.erasure_requested_at.is_some(),
        erased: row.erased_at.is_some(),
    })
}

/// Loads the case for a privacy command: the caller's role allows it and
/// the version is the one they read.
fn load_checked(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    amendment: CaseAmendment,
) -> Result<Loaded, Error> {
    let loaded = load_for(conn, actor, id)?;
    if !policy::may_amend(loaded.role, amendment) {
        return Err(Error::Forbidden);
    }
    if loaded.case.version != expected_version {
        return Err(super::cases::stale_version());
    }
    Ok(loaded)
}

/// Bumps the case's version (a privacy command changes what the case is),
/// records the event and tells whoever hears of `happening`.
fn commit(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    event: &NewEvent,
    happening: Option<Happening>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    save(conn, loaded, loaded.case.version, &CaseChanges::default(), now)?;
    let news = happening.map(|h| News::new(h, &loaded.case, &loaded.access.parties, loaded.role));
    record_event_telling(conn, loaded.case.id, actor, loaded.role, event, news.as_ref(), now)
}

/// The worker (in their account or receipt session) or their advocate asks
/// for the case's personal data to be erased; the handlers hear of it.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn request(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    db::write_transaction(conn, |conn| {
        let loaded = load_checked(conn, actor, id, expected_version, CaseAmendment::RequestErasure)?;
        privacy::may_request(loaded.case.state, status_of(conn, id)?).map_err(refused)?;
        db::erasure::set_erasure_requested(conn, id, Some(db::timestamp(now)))?;
        let event = NewEvent::note(EventKind::ErasureRequested, Visibility::WorkerSide, json!({}));
        commit(conn, actor, &loaded, &event, Some(Happening::ErasureRequested), now)?;
        read::get(conn, sealer, actor, id, now)
    })
}

/// A handler refuses a request, with a reason the worker reads in the
/// case's timeline; the worker side hears of it.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn refuse(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    reason: String,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    db::write_transaction(conn, |conn| {
        let loaded = load_checked(conn, actor, id, expected_version, CaseAmendment::DecideErasure)?;
        privacy::may_decide(status_of(conn, id)?).map_err(refused)?;
        db::erasure::set_erasure_requested(conn, id, None)?;
        let event = NewEvent {
            reason: Some(reason),
            ..NewEvent::note(EventKind::ErasureRefused, Visibility::WorkerSide, json!({}))
        };
        commit(conn, actor, &loaded, &event, Some(Happening::ErasureRefused), now)?;
        read::get(conn, sealer, actor, id, now)
    })
}

/// A handler approves a request: the data is erased at once, in the same
/// transaction as the approval, so there is no approved-but-kept state to
/// track and the worker is not made to wait for the next retention run.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn approve(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    data_dir: &Path,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    let (view, wiped) = db::write_transaction(conn, |conn| {
        let loaded = load_checked(conn, actor, id, expected_version, CaseAmendment::DecideErasure)?;
        privacy::may_decide(status_of(conn, id)?).map_err(refused)?;
        let wiped = erase(conn, actor, &loaded, ErasureReason::Request, now)?;
        Ok::<_, Error>((read::get(conn, sealer, actor, id, now)?, wiped))
    })?;
    delete_files(conn, data_dir, id, &wiped);
    Ok(view)
}

/// A legal hold set or cleared, each with the handler's reason.
#[derive(Debug, Clone)]
pub enum HoldChange {
    Set(String),
    Clear(String),
}

/// A handler sets or clears a legal hold; a held case is kept past its
/// retention period and cannot be erased on request.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub fn set_legal_hold(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    expected_version: i32,
    change: HoldChange,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    db::write_transaction(conn, |conn| {
        let loaded = load_checked(conn, actor, id, expected_version, CaseAmendment::LegalHold)?;
        privacy::may_hold(status_of(conn, id)?).map_err(refused)?;
        let at = db::timestamp(now);
        let (kind, reason, held) = match change {
            HoldChange::Set(reason) => (EventKind::LegalHoldSet, reason, true),
            HoldChange::Clear(reason) => (EventKind::LegalHoldCleared, reason, false),
        };
        db::erasure::set_legal_hold(conn, id, held.then_some((reason.as_str(), at)))?;
        let event = NewEvent { reason: Some(reason), ..NewEvent::note(kind, Visibility::Internal, json!({})) };
        commit(conn, actor, &loaded, &event, None, now)?;
        read::get(conn, sealer, actor, id, now)
    })
}

/// Erases the case's personal data and records why and what kinds went,
/// in the caller's transaction. Refused for an open or held case.
fn erase(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    reason: ErasureReason,
    now: DateTime<Utc>,
) -> Result<Wiped, Error> {
    let id = loaded.case.id;
    privacy::may_erase(loaded.case.state, status_of(conn, id)?).map_err(refused)?;
    // Not a hash of any code, so no receipt code opens the case again and its sessions end.
    let unusable_receipt = format!("erased:{}", uuid::Uuid::new_v4().simple());
    let wiped = db::erasure::wipe_case(conn, id, &unusable_receipt)?;
    db::erasure::mark_erased(conn, id, db::timestamp(now))?;
    save(conn, loaded, loaded.case.version, &CaseChanges::default(), now)?;
    let details = json!({
        "reason": reason.as_str(),
        "erased": erased_kinds(&wiped, loaded.case.worker_user_id.is_some()),
        "counts": {
            "messages": wiped.messages,
            "evidence": wiped.evidence,
            "remedy_texts": wiped.remedy_texts,
            "event_texts": wiped.event_texts,
            "notifications": wiped.notifications,
        },
    });
    let event = NewEvent::note(EventKind::PersonalDataErased, Visibility::WorkerSide, details);
    // Told from the case as it was: a worker with an account, and the advocate, can still be reached.
    let news = News::new(Happening::PersonalDataErased, &loaded.case, &loaded.access.parties, loaded.role);
    record_event_telling(conn, id, actor, loaded.role, &event, Some(&news), now)?;
    Ok(wiped)
}

fn erased_kinds(wiped: &Wiped, had_account: bool) -> Vec<&'static str> {
    let kinds = [
        (ErasedKind::Identity, wiped.identity),
        (ErasedKind::Narrative, wiped.narrative),
        (ErasedKind::Messages, wiped.messages > 0),
        (ErasedKind::Evidence, wiped.evidence > 0),
        (ErasedKind::RemedyTexts, wiped.remedy_texts > 0),
        (ErasedKind::EventTexts, wiped.event_texts > 0),
        (ErasedKind::SatisfactionComment, wiped.satisfaction_comment),
        (ErasedKind::Notifications, wiped.notifications > 0),
        (ErasedKind::RetryKeys, wiped.retry_keys > 0),
        (ErasedKind::ReceiptCode, true),
        (ErasedKind::AccountLink, had_account),
    ];
    kinds.into_iter().filter(|(_, erased)| *erased).map(|(kind, _)| kind.as_str()).collect()
}

/// Deletes the erased rows' evidence files, and the files from before
/// sealing (named by content) that no row refers to any more: checked again
/// here, after the commit, since an identical file may have been uploaded
/// meanwhile to another case.
fn delete_files(conn: &mut DbConnection, data_dir: &Path, case_id: CaseId, wiped: &Wiped) {
    let sealed = wiped.evidence_files.iter().map(|&id| super::cases::messages::evidence_path(data_dir, id));
    let mut paths: Vec<_> = sealed.collect();
    for hash in &wiped.orphaned_legacy_files {
        match db::erasure::file_still_held(conn, hash) {
            Ok(false) => paths.push(super::cases::messages::legacy_evidence_path(data_dir, hash)),
            Ok(true) => {}
            Err(error) => tracing::warn!(%case_id, error = %error, "could not check an erased evidence file; it stays"),
        }
    }
    for path in paths {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::error!(%case_id, error = %error, "an erased case's evidence file could not be deleted")
            }
        }
    }
}

/// What a retention run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RetentionReport {
    pub erased: usize,
    /// Cases left for the next run: the database was busy, or the case changed meanwhile.
    pub deferred: usize,
}

/// The daily retention run: erases, each in its own transaction, every case
/// that finished more than `retention` ago and is neither held nor erased.
#[tracing::instrument(skip_all)]
pub fn run_retention(
    pool: &DbPool,
    retention: Duration,
    data_dir: &Path,
    now: DateTime<Utc>,
) -> Result<RetentionReport, Error> {
    let mut report = RetentionReport::default();
    let finished_before = db::timestamp(now - retention);
    let mut after = None;
    loop {
        let page = db::erasure::retention_due(&mut *pool.get()?, finished_before, after, BATCH)?;
        for &id in &page {
            let mut conn = pool.get()?;
            let outcome = db::write_transaction(&mut conn, |conn| {
                let loaded = load_for(conn, &Actor::System, id)?;
                erase(conn, &Actor::System, &loaded, ErasureReason::Retention, now)
            });
            match outcome {
                Ok(wiped) => {
                    report.erased += 1;
                    delete_files(&mut conn, data_dir, id, &wiped);
                }
                // Reopened, held or erased by a request meanwhile, or a busy database: the next run sees it again.
                Err(Error::Conflict(_) | Error::Busy) => report.deferred += 1,
                Err(other) => return Err(other),
            }
        }
        match page.last() {
            Some(&last) if page.len() as i64 == BATCH => after = Some(last),
            _ => return Ok(report),
        }
    }
}
