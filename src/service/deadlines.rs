//! The deadline runner (UNGP 31: a predictable procedure). A periodic job
//! of the outbox worker: it reminds whoever must act before a stage's time
//! frame ends, takes the system's action when it has passed (for example
//! `referred` → `escalated`) or tells the handlers, and reminds the
//! organisation responsible for a remedy before it is due. Each notice is
//! recorded once per stage entry, so several workers never repeat one.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::cases::act::act_on;
use super::cases::{load_for, record_event};
use super::notifications;
use crate::auth::policy::Actor;
use crate::db::{self, DbConnection};
use crate::domain::case::Visibility;
use crate::domain::command::{CaseCommand, Instruction};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::{self, CaseRole, OnExpiry};
use crate::domain::notification::NoticeKind;
use crate::domain::{CaseId, OrganisationId, RemedyId};
use crate::service::{Conflict, Error};

/// How many cases or remedies one page of a pass holds.
const BATCH: i64 = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineReport {
    pub reminders: usize,
    pub system_actions: usize,
    pub expiry_notices: usize,
    pub remedy_reminders: usize,
}

enum Outcome {
    Nothing,
    Reminder,
    SystemAction,
    ExpiryNotice,
    RemedyReminder,
}

impl DeadlineReport {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Nothing => {}
            Outcome::Reminder => self.reminders += 1,
            Outcome::SystemAction => self.system_actions += 1,
            Outcome::ExpiryNotice => self.expiry_notices += 1,
            Outcome::RemedyReminder => self.remedy_reminders += 1,
        }
    }
}

/// One pass over everything due: every case and remedy whose time comes
/// within `remind_before`, in keyset pages, so a backlog of any size is
/// worked through (what is already done costs a notice lookup, nothing more).
#[tracing::instrument(skip_all)]
pub fn run(conn: &mut DbConnection, remind_before: Duration, now: DateTime<Utc>) -> Result<DeadlineReport, Error> {
    let mut report = DeadlineReport::default();
    let until = db::timestamp(now + remind_before);
    let mut after = None;
    loop {
        let page = db::deadlines::cases_due_before(conn, until, after, BATCH)?;
        for &(_, id) in &page {
            let outcome = db::write_transaction(conn, |conn| check_case(conn, id, remind_before, now));
            report.add(tolerate_races(outcome)?);
        }
        match page.last() {
            Some(last) if page.len() as i64 == BATCH => after = Some(*last),
            _ => break,
        }
    }
    let today = now.date_naive();
    let until = (now + remind_before).date_naive();
    let mut after = None;
    loop {
        // Past its due date the case's own clock has taken over: only remedies still to come.
        let page = db::deadlines::remedies_due_between(conn, today, until, after, BATCH)?;
        for &(remedy, case_id, responsible, due) in &page {
            let outcome =
                db::write_transaction(conn, |conn| remind_remedy(conn, remedy, case_id, responsible, due, now));
            report.add(tolerate_races(outcome)?);
        }
        match page.last() {
            Some(&(remedy, _, _, due)) if page.len() as i64 == BATCH => after = Some((due, remedy)),
            _ => break,
        }
    }
    Ok(report)
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
    notifications::remedy_due_soon(conn, &loaded.case, &loaded.access.parties, responsible, due, now)?;
    Ok(Outcome::RemedyReminder)
}

/// Another worker got there first: its notice row (or the case's version) says so.
fn tolerate_races(outcome: Result<Outcome, Error>) -> Result<Outcome, Error> {
    match outcome {
        Err(Error::Conflict(Conflict::Duplicate | Conflict::StaleVersion)) => Ok(Outcome::Nothing),
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
        // Stages without a published clock (an agreed remedy's due date) get remedy reminders instead.
        let Some(clock) = lifecycle::clock(case.state) else { return Ok(Outcome::Nothing) };
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
        notifications::deadline_approaching(conn, case, &loaded.access.parties, must_act, now)?;
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
            notifications::deadline_passed(conn, case, now)?;
            Ok(Outcome::ExpiryNotice)
        }
    }
}
