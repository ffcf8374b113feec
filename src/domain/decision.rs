//! The pure decision step of a lifecycle command: given the case as it is,
//! the caller's role and the command, what changes. The service loads the
//! facts, calls `decide`, and persists the `Decision` in one transaction.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::json;

use super::case::{Case, PartyRole, Priority, Visibility};
use super::catalogue::Category;
use super::command::{CaseCommand, Instruction};
use super::event::{EventKind, NewEvent};
use super::lifecycle::{self, Action, CaseRole, CaseState, LifecycleError};
use super::remedy::{NewRemedy, Remedy, RemedyStatus, RemedyStep};
use super::{OrganisationId, RemedyId};

/// What `decide` needs to know about a case.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub case: &'a Case,
    /// Organisations made parties by referral.
    pub parties: &'a [(OrganisationId, PartyRole)],
    pub remedies: &'a [Remedy],
    /// The employer's supervising organisation, when the command refers the case.
    pub employer_supervisor: Option<OrganisationId>,
}

/// Columns of the case a decision sets; `None` leaves one alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseUpdate {
    pub state: Option<CaseState>,
    pub stage_entered_at: Option<DateTime<Utc>>,
    pub stage_due_at: Option<Option<DateTime<Utc>>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub referred_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub remedy_verified_at: Option<DateTime<Utc>>,
    pub finished_at: Option<Option<DateTime<Utc>>>,
    /// The worker's rating and comment on confirming a remedy.
    pub satisfaction: Option<(Option<i32>, Option<String>)>,
    pub priority: Option<Priority>,
    pub reprisal_watch_until: Option<Option<DateTime<Utc>>>,
    /// Categories the case gains (a reprisal report adds `reprisal`).
    pub added_categories: Vec<Category>,
}

impl CaseUpdate {
    /// The case as this update leaves it (times at the microsecond the
    /// database keeps), so that a command need not read it back.
    pub fn apply_to(&self, case: &mut Case) {
        use chrono::SubsecRound;
        let at = |t: DateTime<Utc>| t.trunc_subsecs(6);
        if let Some(state) = self.state {
            case.state = state;
        }
        if let Some(entered) = self.stage_entered_at {
            case.stage_entered_at = at(entered);
        }
        if let Some(due) = self.stage_due_at {
            case.stage_due_at = due.map(at);
        }
        if let Some(t) = self.acknowledged_at {
            case.acknowledged_at = Some(at(t));
        }
        if let Some(t) = self.referred_at {
            case.referred_at = Some(at(t));
        }
        if let Some(t) = self.first_response_at {
            case.first_response_at = Some(at(t));
        }
        if let Some(t) = self.remedy_verified_at {
            case.remedy_verified_at = Some(at(t));
        }
        if let Some(finished) = self.finished_at {
            case.finished_at = finished.map(at);
        }
        if let Some((rating, comment)) = &self.satisfaction {
            case.satisfaction_rating = *rating;
            case.satisfaction_comment = comment.clone();
        }
        if let Some(priority) = self.priority {
            case.priority = priority;
        }
        if let Some(until) = self.reprisal_watch_until {
            case.reprisal_watch_until = until.map(at);
        }
        for category in &self.added_categories {
            if !case.categories.contains(category) {
                case.categories.push(*category);
            }
        }
        // As the database returns them: by name.
        case.categories.sort_by_key(|category| category.as_str());
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemedyChange {
    Propose { id: RemedyId, remedy: NewRemedy },
    Step { id: RemedyId, from: RemedyStatus, to: RemedyStatus, evidence: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub action: Action,
    pub from: CaseState,
    pub to: CaseState,
    pub update: CaseUpdate,
    pub remedies: Vec<RemedyChange>,
    /// Organisations that become parties (on referral).
    pub new_parties: Vec<(OrganisationId, PartyRole)>,
    pub event: NewEvent,
}

impl Decision {
    pub fn changes_state(&self) -> bool {
        self.from != self.to
    }

    /// Referral is announced to each party.
    pub fn announces_referral(&self) -> bool {
        matches!(self.action, Action::Refer | Action::ReferBack)
    }
}

/// Why a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the case changed since it was read")]
    StaleVersion,
    #[error("{detail}")]
    NotAllowedInState { detail: String, allowed: Vec<Action> },
    #[error("this role may not take this action")]
    RoleNotAllowed,
    #[error("this action needs a reason")]
    ReasonRequired,
    #[error("no mediator is assigned")]
    MediatorNotAssigned,
    #[error("no registered employer is linked")]
    EmployerNotLinked,
    #[error("the reopening window has passed")]
    ReopenWindowPassed,
    #[error("remedy {index}'s responsible organisation is not a party")]
    ResponsibleNotAParty { index: usize },
    #[error("remedy {index}'s due date has passed")]
    DueDateInThePast { index: usize },
    #[error("no such remedy on this case")]
    UnknownRemedy,
    #[error("the remedy is {0}, not owed")]
    RemedyNotOwed(RemedyStatus),
    #[error("only the responsible organisation marks a remedy delivered")]
    NotResponsibleForRemedy,
    #[error("the reprisal watch of this case is over")]
    NotInReprisalWatch,
}

/// The lifecycle's actions for this role, less a reopen whose window has passed.
pub fn allowed_for(case: &Case, role: CaseRole, now: DateTime<Utc>) -> Vec<Action> {
    lifecycle::allowed_actions(case.state, role)
        .into_iter()
        .filter(|action| match (action, case.finished_at) {
            (Action::Reopen, Some(finished)) => lifecycle::reopen_allowed(role, finished, now),
            (Action::ReportReprisal, _) => case.reprisal_watch_until.is_some_and(|until| now <= until),
            _ => true,
        })
        .collect()
}

/// Decides one lifecycle command. Checks come in a fixed order: the version,
/// the lifecycle table (state, then role, then reason), then the rules of
/// the action itself.
pub fn decide(
    situation: &Situation<'_>,
    role: CaseRole,
    instruction: &Instruction,
    now: DateTime<Utc>,
) -> Result<Decision, Refusal> {
    let case = situation.case;
    if case.version != instruction.expected_version {
        return Err(Refusal::StaleVersion);
    }
    let action = instruction.command.action();
    let reason = instruction.recorded_reason();
    let transition = lifecycle::apply(case.state, action, role, reason).map_err(|error| match error {
        LifecycleError::NotAllowedInState { .. } => {
            Refusal::NotAllowedInState { detail: error.to_string(), allowed: allowed_for(case, role, now) }
        }
        LifecycleError::RoleNotAllowed { .. } => Refusal::RoleNotAllowed,
        LifecycleError::ReasonRequired { .. } => Refusal::ReasonRequired,
    })?;
    let mut step = Step::default();
    step.apply(situation, role, &instruction.command, now)?;
    let Step { mut update, remedies, new_parties, details, keep_state } = step;
    let to = if keep_state { case.state } else { transition.to };
    if to != case.state {
        update.state = Some(to);
        update.stage_entered_at = Some(now);
        let referred_at = update.referred_at.or(case.referred_at);
        update.stage_due_at = Some(stage_due(to, case.priority, now, referred_at, situation.remedies, &remedies));
        if to.is_terminal() {
            update.finished_at = Some(Some(now));
        }
    }
    if lifecycle::starts_reprisal_watch(action) {
        update.reprisal_watch_until = Some(Some(now + Duration::days(lifecycle::REPRISAL_WATCH_DAYS)));
    }
    let event = NewEvent {
        kind: EventKind::Transition,
        action: Some(action),
        from: Some(case.state),
        to: Some(to),
        reason: reason.map(str::to_owned),
        details,
        visibility: transition_visibility(action),
    };
    Ok(Decision { action, from: case.state, to, update, remedies, new_parties, event })
}

/// What one command's own rules add to its lifecycle edge.
struct Step {
    update: CaseUpdate,
    remedies: Vec<RemedyChange>,
    new_parties: Vec<(OrganisationId, PartyRole)>,
    details: serde_json::Value,
    /// Other agreed remedies are still owed: the case stays where it is.
    keep_state: bool,
}

impl Default for Step {
    fn default() -> Self {
        Self {
            update: CaseUpdate::default(),
            remedies: Vec::new(),
            new_parties: Vec::new(),
            details: json!({}),
            keep_state: false,
        }
    }
}

impl Step {
    fn apply(
        &mut self,
        situation: &Situation<'_>,
        role: CaseRole,
        command: &CaseCommand,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let case = situation.case;
        match command {
            CaseCommand::Acknowledge => self.update.acknowledged_at = case.acknowledged_at.is_none().then_some(now),
            CaseCommand::Refer | CaseCommand::ReferBack => self.refer(situation, now)?,
            CaseCommand::Respond => {
                self.update.first_response_at = case.first_response_at.is_none().then_some(now);
            }
            CaseCommand::StartMediation => {
                if case.mediator_user_id.is_none() {
                    return Err(Refusal::MediatorNotAssigned);
                }
            }
            CaseCommand::ProposeRemedy { remedies } => self.propose(situation, remedies, now)?,
            CaseCommand::AcceptRemedy => self.step_all(situation, RemedyStatus::Proposed, RemedyStep::Agree),
            CaseCommand::RejectRemedy => self.step_all(situation, RemedyStatus::Proposed, RemedyStep::Reject),
            CaseCommand::MarkRemedyDelivered { remedy, evidence } => {
                self.deliver(situation, role, *remedy, evidence)?
            }
            CaseCommand::ConfirmRemedy { rating, comment } => {
                self.step_all(situation, RemedyStatus::Delivered, RemedyStep::Verify);
                let rating = rating.map(|r| r.get());
                self.update.remedy_verified_at = Some(now);
                self.update.satisfaction = Some((rating, comment.clone()));
                self.details["rating"] = json!(rating);
            }
            CaseCommand::DisputeRemedy => self.step_all(situation, RemedyStatus::Delivered, RemedyStep::Dispute),
            CaseCommand::ReferExternal { body } => self.details["external_body"] = json!(body.as_str()),
            CaseCommand::Reopen => {
                let finished = case.finished_at.unwrap_or(case.updated_at);
                if !lifecycle::reopen_allowed(role, finished, now) {
                    return Err(Refusal::ReopenWindowPassed);
                }
                self.update.finished_at = Some(None);
            }
            CaseCommand::ReportReprisal => self.report_reprisal(case, now)?,
            // A case that ends owes nothing more: open proposals and owed remedies are cancelled.
            CaseCommand::RejectNotAdmissible
            | CaseCommand::CloseUnresolved
            | CaseCommand::Close
            | CaseCommand::Withdraw => {
                for from in [RemedyStatus::Proposed, RemedyStatus::Agreed, RemedyStatus::Disputed] {
                    self.step_all(situation, from, RemedyStep::Cancel);
                }
            }
            CaseCommand::Escalate => {}
        }
        Ok(())
    }

    /// Retaliation reported during the watch reopens the case as urgent, with the `reprisal` category.
    fn report_reprisal(&mut self, case: &Case, now: DateTime<Utc>) -> Result<(), Refusal> {
        if case.reprisal_watch_until.is_none_or(|until| now > until) {
            return Err(Refusal::NotInReprisalWatch);
        }
        self.update.priority = Some(Priority::Urgent);
        if !case.categories.contains(&Category::Reprisal) {
            self.update.added_categories.push(Category::Reprisal);
        }
        self.update.finished_at = Some(None);
        // The case is open again: its watch restarts when it next closes.
        self.update.reprisal_watch_until = Some(None);
        Ok(())
    }

    /// The employer and its supervising organisation become parties.
    fn refer(&mut self, situation: &Situation<'_>, now: DateTime<Utc>) -> Result<(), Refusal> {
        let employer = situation.case.employer_organisation_id.ok_or(Refusal::EmployerNotLinked)?;
        self.new_parties.push((employer, PartyRole::Employer));
        if let Some(supervisor) = situation.employer_supervisor {
            self.new_parties.push((supervisor, PartyRole::Supervisor));
        }
        let parties: Vec<_> = self
            .new_parties
            .iter()
            .map(|(org, role)| json!({"organisation_id": org.to_string(), "party_role": role.as_str()}))
            .collect();
        self.details["parties"] = json!(parties);
        self.update.referred_at = Some(now);
        Ok(())
    }

    /// Each remedy is owed by an organisation that is a party to the case,
    /// and is due today or later (by the calendar in Japan).
    fn propose(
        &mut self,
        situation: &Situation<'_>,
        remedies: &[NewRemedy],
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let today = lifecycle::japan_date(now);
        let mut ids = Vec::new();
        for (index, remedy) in remedies.iter().enumerate() {
            let responsible = remedy.responsible_organisation_id;
            if !situation.parties.iter().any(|(org, _)| *org == responsible) {
                return Err(Refusal::ResponsibleNotAParty { index });
            }
            if remedy.due_date.is_some_and(|due| due < today) {
                return Err(Refusal::DueDateInThePast { index });
            }
            let id = RemedyId::new();
            ids.push(id.to_string());
            self.remedies.push(RemedyChange::Propose { id, remedy: remedy.clone() });
        }
        self.details["remedies"] = json!(ids);
        Ok(())
    }

    /// One owed remedy delivered by its responsible organisation; while
    /// others are still owed the case stays where it is.
    fn deliver(
        &mut self,
        situation: &Situation<'_>,
        role: CaseRole,
        remedy: RemedyId,
        evidence: &str,
    ) -> Result<(), Refusal> {
        let owed = situation.remedies.iter().find(|r| r.id == remedy).ok_or(Refusal::UnknownRemedy)?;
        let to = owed.status.after(RemedyStep::Deliver).ok_or(Refusal::RemedyNotOwed(owed.status))?;
        if !responsible_for(situation.parties, role, owed.responsible_organisation_id) {
            return Err(Refusal::NotResponsibleForRemedy);
        }
        let evidence = Some(evidence.to_owned());
        self.remedies.push(RemedyChange::Step { id: remedy, from: owed.status, to, evidence });
        self.details["remedy_id"] = json!(remedy.to_string());
        self.keep_state = situation.remedies.iter().any(|r| r.id != remedy && r.status.is_owed());
        Ok(())
    }

    /// Takes every remedy in status `from` one `step` on.
    fn step_all(&mut self, situation: &Situation<'_>, from: RemedyStatus, step: RemedyStep) {
        for remedy in situation.remedies.iter().filter(|r| r.status == from) {
            if let Some(to) = remedy.status.after(step) {
                self.remedies.push(RemedyChange::Step { id: remedy.id, from, to, evidence: None });
            }
        }
    }
}

/// Only the organisation responsible for a remedy, acting as that party, says it was delivered.
fn responsible_for(parties: &[(OrganisationId, PartyRole)], role: CaseRole, responsible: OrganisationId) -> bool {
    let acting_as = match role {
        CaseRole::Employer => PartyRole::Employer,
        CaseRole::Supervisor => PartyRole::Supervisor,
        CaseRole::Worker | CaseRole::Advocate | CaseRole::Handler | CaseRole::Mediator | CaseRole::System => {
            return false;
        }
    };
    parties.iter().any(|(org, party)| *org == responsible && *party == acting_as)
}

/// When the new stage is due. While remedies are owed, the day after the
/// earliest remedy due date is the case's clock.
fn stage_due(
    state: CaseState,
    priority: Priority,
    now: DateTime<Utc>,
    referred_at: Option<DateTime<Utc>>,
    remedies: &[Remedy],
    changes: &[RemedyChange],
) -> Option<DateTime<Utc>> {
    if state == CaseState::RemedyAgreed
        && let Some(due) = earliest_remedy_due(remedies, changes)
    {
        return Some(due);
    }
    lifecycle::stage_due_at(state, priority == Priority::Urgent, now, referred_at)
}

/// The day after the earliest due date of the remedies still proposed or owed once `changes` apply.
fn earliest_remedy_due(remedies: &[Remedy], changes: &[RemedyChange]) -> Option<DateTime<Utc>> {
    let status_after = |remedy: &Remedy| {
        changes
            .iter()
            .find_map(|change| match change {
                RemedyChange::Step { id, to, .. } if *id == remedy.id => Some(*to),
                RemedyChange::Step { .. } | RemedyChange::Propose { .. } => None,
            })
            .unwrap_or(remedy.status)
    };
    remedies
        .iter()
        .filter(|r| {
            let status = status_after(r);
            status.is_owed() || status == RemedyStatus::Proposed
        })
        .filter_map(|r| r.due_date)
        .min()
        .map(|date| date.and_time(NaiveTime::MIN).and_utc() + Duration::days(1))
}

/// A reprisal report stays with the worker side and the handlers: the
/// respondents must not learn of it from the case trail.
fn transition_visibility(action: Action) -> Visibility {
    match action {
        Action::ReportReprisal => Visibility::WorkerSide,
        Action::Acknowledge
        | Action::RejectNotAdmissible
        | Action::Refer
        | Action::Respond
        | Action::Escalate
        | Action::StartMediation
        | Action::ProposeRemedy
        | Action::CloseUnresolved
        | Action::AcceptRemedy
        | Action::RejectRemedy
        | Action::MarkRemedyDelivered
        | Action::ConfirmRemedy
        | Action::DisputeRemedy
        | Action::Close
        | Action::ReferBack
        | Action::ReferExternal
        | Action::Withdraw
        | Action::Reopen => Visibility::Parties,
    }
}

#[cfg(test)]
mod tests;
