//! The deadline runner (UNGP 31: a predictable procedure). A periodic job
//! of the outbox worker: it reminds whoever must act before a stage's time
//! frame ends, takes the system's action when it has passed (for example
//! `referred` → `escalated`) or tells the handlers, reminds the
//! organisation responsible for a remedy before it is due, holds every case
//! to the three-month outer bound, and checks in with the worker during the
//! reprisal watch. Each notice is recorded once (per stage entry, due date,
//! or check-in day), so several workers never repeat one.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::cases::act::act_on;
use super::cases::{Loaded, save};
use super::cases::{load_for, record_event};
use super::notifications::{self, News};
use crate::auth::policy::Actor;
use crate::db::cases::CaseChanges;
use crate::db::{self, DbConnection, DbPool};
use crate::domain::case::Visibility;
use crate::domain::command::{CaseCommand, Instruction};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::{self, Action, CaseRole, CaseState, OnExpiry};
use crate::domain::notification::{Happening, NoticeKind};
use crate::domain::{CaseId, OrganisationId, RemedyId};
use crate::service::{Conflict, Error};

/// How many cases or remedies one page of a pass holds.
const BATCH: i64 = 500;

/// A check-in this many days late is skipped; the next one will come.
const CHECK_IN_GRACE_DAYS: i64 = 7;

/// What the runner is configured to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// Remind this long before a time frame ends.
    pub remind_before: Duration,
    /// Days into the reprisal watch on which the worker is asked whether all is well.
    pub check_in_days: Vec<i64>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineReport {
    pub reminders: usize,
    pub system_actions: usize,
    pub expiry_notices: usize,
    pub remedy_reminders: usize,
    pub outer_bound_reminders: usize,
    pub outer_bound_passed: usize,
    pub reprisal_check_ins: usize,
    /// Cases or remedies left for the next pass because the database was
    /// busy with another worker's writes.
    pub deferred: usize,
}

enum Outcome {
    Nothing,
    Reminder,
    SystemAction,
    ExpiryNotice,
    RemedyReminder,
    OuterBoundReminder,
    OuterBoundPassed,
    ReprisalCheckIn,
    Deferred,
}

impl DeadlineReport {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Nothing => {}
            Outcome::Reminder => self.reminders += 1,
            Outcome::SystemAction => self.system_actions += 1,
            Outcome::ExpiryNotice => self.expiry_notices += 1,
            Outcome::RemedyReminder => self.remedy_reminders += 1,
            Outcome::OuterBoundReminder => self.outer_bound_reminders += 1,
            Outcome::OuterBoundPassed => self.outer_bound_passed += 1,
            Outcome::ReprisalCheckIn => self.reprisal_check_ins += 1,
            Outcome::Deferred => self.deferred += 1,
        }
    }
}

/// One pass over everything due: every case and remedy whose time comes
/// within `remind_before`, in keyset pages, so a backlog of any size is
/// worked through (what is already done costs a notice lookup, nothing more).
#[tracing::instrument(skip_all)]
pub fn run(pool: &DbPool, policy: &DeadlinePolicy, now: DateTime<Utc>) -> Result<DeadlineReport, Error> {
    let remind_before = policy.remind_before;
    let mut report = DeadlineReport::default();
    let until = db::timestamp(now + remind_before);
    each_due(
        pool,
        &mut report,
        |conn, after| Ok(db::deadlines::cases_due_before(conn, until, after, BATCH)?),
        |&row| row,
        |conn, (_, id)| check_case(conn, id, remind_before, now),
    )?;
    let (today, until) = (now.date_naive(), (now + remind_before).date_naive());
    each_due(
        pool,
        &mut report,
        // Past its due date the case's own clock has taken over: only remedies still to come.
        |conn, after| Ok(db::deadlines::remedies_due_between(conn, today, until, after, BATCH)?),
        |&(remedy, _, _, due)| (due, remedy),
        |conn, (remedy, case_id, responsible, due)| remind_remedy(conn, remedy, case_id, responsible, due, now),
    )?;
    let bound = Duration::days(lifecycle::FEEDBACK_OUTER_BOUND_DAYS);
    for (notice, lodged_before) in
        [(NoticeKind::OuterBoundReminder, now + remind_before - bound), (NoticeKind::OuterBoundPassed, now - bound)]
    {
        let lodged_before = db::timestamp(lodged_before);
        each_due(
            pool,
            &mut report,
            |conn, after| {
                Ok(db::deadlines::cases_without_outcome_lodged_before(conn, lodged_before, notice, after, BATCH)?)
            },
            |&row| row,
            |conn, (_, id)| outer_bound(conn, id, notice, now),
        )?;
    }
    let watch = Duration::days(lifecycle::REPRISAL_WATCH_DAYS);
    for &day in &policy.check_in_days {
        // The check-in of `day` is due when the watch, which ends `watch` after it began, is `day` old.
        let due_end = now + watch - Duration::days(day);
        let (from, until) = (db::timestamp(due_end - Duration::days(CHECK_IN_GRACE_DAYS)), db::timestamp(due_end));
        each_due(
            pool,
            &mut report,
            |conn, after| Ok(db::deadlines::watches_ending_between(conn, from, until, after, BATCH)?),
            |&row| row,
            |conn, (until, id)| check_in(conn, id, until, day, now),
        )?;
    }
    Ok(report)
}

/// Works through everything `fetch` pages out, `BATCH` rows at a time after
/// the keyset `key` of the last row, each row in its own write transaction,
/// so a backlog of any size is worked through and a race with another
/// worker costs one row, not the pass. Each page and each row takes the
/// (writer) connection afresh, so on SQLite requests' writes queue between
/// rows, not behind the whole pass.
fn each_due<R: Copy, K: Copy>(
    pool: &DbPool,
    report: &mut DeadlineReport,
    mut fetch: impl FnMut(&mut DbConnection, Option<K>) -> Result<Vec<R>, Error>,
    key: impl Fn(&R) -> K,
    mut act: impl FnMut(&mut DbConnection, R) -> Result<Outcome, Error>,
) -> Result<(), Error> {
    let mut after = None;
    loop {
        let page = fetch(&mut *pool.get()?, after)?;
        for &row in &page {
            let mut conn = pool.get()?;
            let outcome = db::write_transaction(&mut conn, |conn| act(conn, row));
            report.add(tolerate_races(outcome)?);
        }
        match page.last() {
            Some(last) if page.len() as i64 == BATCH => after = Some(key(last)),
            _ => return Ok(()),
        }
    }
}

/// Holds a case to the three-month outer bound: reminds the handlers before
/// it passes; when it passes, escalates where the lifecycle lets the system,
/// marks the case and tells whoever hears of it.
fn outer_bound(conn: &mut DbConnection, id: CaseId, notice: NoticeKind, now: DateTime<Utc>) -> Result<Outcome, Error> {
    let case_id = id.to_string();
    if db::deadlines::notice_given(conn, &case_id, notice, db::deadlines::OUTER_BOUND)? {
        return Ok(Outcome::Nothing);
    }
    let loaded = load_for(conn, &Actor::System, id)?;
    if lifecycle::outcome_reached(loaded.case.state) || loaded.case.outer_bound_passed_at.is_some() {
        return Ok(Outcome::Nothing);
    }
    db::deadlines::record_notice(conn, &case_id, notice, db::deadlines::OUTER_BOUND, db::timestamp(now))?;
    let bound_at = lifecycle::outer_bound_at(loaded.case.created_at);
    if notice != NoticeKind::OuterBoundPassed {
        let details = json!({"outer_bound_at": bound_at, "state": loaded.case.state.as_str()});
        let event = NewEvent::note(EventKind::OuterBoundReminder, Visibility::Internal, details);
        record_event(conn, id, &Actor::System, CaseRole::System, &event, now)?;
        tell(conn, Happening::OuterBoundApproaching, &loaded, now)?;
        return Ok(Outcome::OuterBoundReminder);
    }
    let escalates = lifecycle::system_may(loaded.case.state, Action::Escalate);
    let loaded = if escalates {
        let reason = "Three months have passed since the case was lodged without an outcome.".to_owned();
        let instruction = Instruction::new(CaseCommand::Escalate, Some(reason), loaded.case.version);
        act_on(conn, &Actor::System, &loaded, &instruction, now)?
    } else {
        loaded
    };
    let changes = CaseChanges { outer_bound_passed_at: Some(db::timestamp(now)), ..CaseChanges::default() };
    save(conn, &loaded, loaded.case.version, &changes, now)?;
    let details = json!({"outer_bound_at": bound_at, "state": loaded.case.state.as_str(), "escalated": escalates});
    let event = NewEvent::note(EventKind::OuterBoundPassed, Visibility::WorkerSide, details);
    record_event(conn, id, &Actor::System, CaseRole::System, &event, now)?;
    tell(conn, Happening::OuterBoundPassed, &loaded, now)?;
    Ok(Outcome::OuterBoundPassed)
}

/// Asks the worker, `day` days into the reprisal watch that ends at `until`, whether all is well.
fn check_in(
    conn: &mut DbConnection,
    id: CaseId,
    until: chrono::NaiveDateTime,
    day: i64,
    now: DateTime<Utc>,
) -> Result<Outcome, Error> {
    let (case_id, stage) = (id.to_string(), format!("{}:{day}", until.and_utc().to_rfc3339()));
    if db::deadlines::notice_given(conn, &case_id, NoticeKind::ReprisalCheckIn, &stage)? {
        return Ok(Outcome::Nothing);
    }
    db::deadlines::record_notice(conn, &case_id, NoticeKind::ReprisalCheckIn, &stage, db::timestamp(now))?;
    let loaded = load_for(conn, &Actor::System, id)?;
    let details = json!({"day": day, "watch_until": until.and_utc()});
    let event = NewEvent::note(EventKind::ReprisalCheckIn, Visibility::WorkerSide, details);
    record_event(conn, id, &Actor::System, CaseRole::System, &event, now)?;
    tell(conn, Happening::ReprisalCheckIn, &loaded, now)?;
    Ok(Outcome::ReprisalCheckIn)
}

fn tell(conn: &mut DbConnection, happening: Happening, loaded: &Loaded, now: DateTime<Utc>) -> Result<(), Error> {
    notifications::tell(conn, &News::new(happening, &loaded.case, &loaded.access.parties, CaseRole::System), now)
}

/// Tells the organisation responsible for an owed remedy that it is due soon, once per due date.
fn remind_remedy(
    conn: &mut DbConnection,
    remedy: RemedyId,
    case_id: CaseId,
    responsible: OrganisationId,
    due: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Outcome, Error> {
    let (subject, stage) = (remedy.to_string(), due.to_string());
    if db::deadlines::notice_given(conn, &subject, NoticeKind::RemedyDueSoon, &stage)? {
        return Ok(Outcome::Nothing);
    }
    db::deadlines::record_notice(conn, &subject, NoticeKind::RemedyDueSoon, &stage, db::timestamp(now))?;
    let loaded = load_for(conn, &Actor::System, case_id)?;
    let details = json!({"remedy_id": remedy, "due_date": due});
    let event = NewEvent::note(EventKind::RemedyReminder, Visibility::Parties, details);
    record_event(conn, loaded.case.id, &Actor::System, CaseRole::System, &event, now)?;
    let news = News {
        remedy: Some((responsible, due)),
        ..News::new(Happening::RemedyDueSoon, &loaded.case, &loaded.access.parties, CaseRole::System)
    };
    notifications::tell(conn, &news, now)?;
    Ok(Outcome::RemedyReminder)
}

/// Another worker got there first: its notice row (or the case's version)
/// says so. A database busy with another worker's writes leaves the case to
/// the next pass (or to that worker), rather than abandoning this one.
fn tolerate_races(outcome: Result<Outcome, Error>) -> Result<Outcome, Error> {
    match outcome {
        Err(Error::Conflict(Conflict::Duplicate | Conflict::StaleVersion)) => Ok(Outcome::Nothing),
        Err(Error::Busy) => Ok(Outcome::Deferred),
        other => other,
    }
}

fn check_case(
    conn: &mut DbConnection,
    id: CaseId,
    remind_before: Duration,
    now: DateTime<Utc>,
) -> Result<Outcome, Error> {
    let loaded = load_for(conn, &Actor::System, id)?;
    let case = &loaded.case;
    let Some(due) = case.stage_due_at else { return Ok(Outcome::Nothing) };
    if case.state.is_terminal() || due - remind_before > now {
        return Ok(Outcome::Nothing);
    }
    let case_id = case.id.to_string();
    let stage = case.stage_entered_at.to_rfc3339();
    let at = db::timestamp(now);
    if due > now {
        let Some(clock) = lifecycle::clock(case.state) else { return Ok(Outcome::Nothing) };
        // Agreed remedies with due dates get remedy reminders instead.
        if case.state == CaseState::RemedyAgreed && has_dated_remedy(conn, id)? {
            return Ok(Outcome::Nothing);
        }
        if db::deadlines::notice_given(conn, &case_id, NoticeKind::Reminder, &stage)? {
            return Ok(Outcome::Nothing);
        }
        db::deadlines::record_notice(conn, &case_id, NoticeKind::Reminder, &stage, at)?;
        let must_act = clock.must_act;
        let details = json!({"state": case.state.as_str(), "due": due, "must_act": must_act});
        record_event(
            conn,
            case.id,
            &Actor::System,
            CaseRole::System,
            &NewEvent::note(EventKind::DeadlineReminder, Visibility::Parties, details),
            now,
        )?;
        let news =
            News { must_act, ..News::new(Happening::StageReminder, case, &loaded.access.parties, CaseRole::System) };
        notifications::tell(conn, &news, now)?;
        return Ok(Outcome::Reminder);
    }
    if db::deadlines::notice_given(conn, &case_id, NoticeKind::Expired, &stage)? {
        return Ok(Outcome::Nothing);
    }
    db::deadlines::record_notice(conn, &case_id, NoticeKind::Expired, &stage, at)?;
    match lifecycle::clock(case.state).map(|clock| clock.on_expiry) {
        Some(OnExpiry::SystemAction(action)) => {
            let command = CaseCommand::plain(action)
                .ok_or_else(|| anyhow::anyhow!("the system's expiry action {action} needs data it cannot have"))?;
            let reason = "The published time frame for this stage has passed.".to_owned();
            act_on(conn, &Actor::System, &loaded, &Instruction::new(command, Some(reason), case.version), now)?;
            Ok(Outcome::SystemAction)
        }
        Some(OnExpiry::NotifyHandlers) | None => {
            let details = json!({"state": case.state.as_str(), "due": due});
            record_event(
                conn,
                loaded.case.id,
                &Actor::System,
                CaseRole::System,
                &NewEvent::note(EventKind::DeadlinePassed, Visibility::Parties, details),
                now,
            )?;
            tell(conn, Happening::StageExpired, &loaded, now)?;
            Ok(Outcome::ExpiryNotice)
        }
    }
}

fn has_dated_remedy(conn: &mut DbConnection, id: CaseId) -> Result<bool, Error> {
    Ok(db::remedies::for_case(conn, id)?.iter().any(|r| r.status.is_owed() && r.due_date.is_some()))
}
