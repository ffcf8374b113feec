//! The deadline runner (UNGP 31: a predictable procedure). A periodic job
//! of the outbox worker: it reminds whoever must act before a stage's time
//! frame ends, takes the system's action when it has passed (for example
//! `referred` → `escalated`) or tells the handlers, and reminds the
//! organisation responsible for a remedy before it is due. Each notice is
//! recorded once per stage entry, so several workers never repeat one.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::cases::act::act_on;
use super::cases::{load_for, record_event};
use super::notifications;
use crate::auth::policy::Actor;
use crate::db::{self, DbConnection};
use crate::domain::CaseId;
use crate::domain::case::Visibility;
use crate::domain::command::{CaseCommand, Instruction};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::{self, CaseRole, OnExpiry};
use crate::domain::notification::NoticeKind;
use crate::service::{Conflict, Error};

/// How many cases or remedies one run looks at.
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

#[tracing::instrument(skip_all)]
pub fn run(conn: &mut DbConnection, remind_before: Duration, now: DateTime<Utc>) -> Result<DeadlineReport, Error> {
    let mut report = DeadlineReport::default();
    for id in db::deadlines::cases_due_before(conn, db::timestamp(now + remind_before), BATCH)? {
        let outcome = db::write_transaction(conn, |conn| check_case(conn, id, remind_before, now));
        report.add(tolerate_races(outcome)?);
    }
    let today = now.date_naive();
    let until = (now + remind_before).date_naive();
    for (remedy, case_id, responsible, due) in db::deadlines::remedies_due_by(conn, until, BATCH)? {
        if due < today {
            continue;
        }
        let outcome = db::write_transaction(conn, |conn| {
            if db::deadlines::notice_given(conn, &remedy.to_string(), NoticeKind::RemedyDueSoon, &due.to_string())? {
                return Ok(Outcome::Nothing);
            }
            db::deadlines::record_notice(
                conn,
                &remedy.to_string(),
                NoticeKind::RemedyDueSoon,
                &due.to_string(),
                db::timestamp(now),
            )?;
            let loaded = load_for(conn, &Actor::System, case_id)?;
            let details = json!({"remedy_id": remedy, "due_date": due});
            record_event(
                conn,
                loaded.case.id,
                &Actor::System,
                CaseRole::System,
                &NewEvent::note(EventKind::RemedyReminder, Visibility::Parties, details),
                now,
            )?;
            notifications::remedy_due_soon(conn, &loaded.case, &loaded.access.parties, responsible, due, now)?;
            Ok(Outcome::RemedyReminder)
        });
        report.add(tolerate_races(outcome)?);
    }
    Ok(report)
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
