//! Lifecycle actions: the published procedure, applied in one transaction
//! with its case event.

use chrono::{DateTime, NaiveTime, Utc};
use serde_json::json;

use super::read::{CaseView, allowed_for, view};
use super::{Loaded, NewEvent, load_for, record_event, save};
use crate::auth::policy::Actor;
use crate::db::{self, DbConnection, cases::CaseChanges, remedies::RemedyRow};
use crate::domain::case::{ExternalBody, PartyRole, Visibility};
use crate::domain::lifecycle::{self, Action, CaseRole, CaseState, LifecycleError};
use crate::domain::remedy::{NewRemedy, RemedyStatus};
use crate::domain::{CaseId, RemedyId};
use crate::error::AppError;
use crate::service::notifications;

/// An action and what it carries.
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub action: Action,
    pub expected_version: i32,
    pub reason: Option<String>,
    /// `propose_remedy`: the remedies proposed.
    pub remedies: Vec<NewRemedy>,
    /// `mark_remedy_delivered`: which remedy.
    pub remedy_id: Option<RemedyId>,
    /// `confirm_remedy`: the worker's satisfaction, 1 to 5, and a comment.
    pub rating: Option<i32>,
    pub comment: Option<String>,
    /// `refer_external`: where to.
    pub external_body: Option<ExternalBody>,
}

impl ActionInput {
    pub fn new(action: Action, expected_version: i32) -> Self {
        Self {
            action,
            expected_version,
            reason: None,
            remedies: Vec::new(),
            remedy_id: None,
            rating: None,
            comment: None,
            external_body: None,
        }
    }
}

#[tracing::instrument(skip_all, fields(case_id = %id, action = %input.action))]
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
    input: ActionInput,
    now: DateTime<Utc>,
) -> Result<CaseView, AppError> {
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        let before = loaded.case.state;
        apply_action(conn, actor, &loaded, &input, now)?;
        let reloaded = load_for(conn, actor, id)?;
        if reloaded.case.state != before {
            let referred = matches!(input.action, Action::Refer | Action::ReferBack);
            notifications::state_changed(conn, &reloaded.case, &reloaded.access.parties, referred, now)?;
        }
        view(conn, reloaded, now)
    })
}

/// Takes one action on a loaded case, inside the caller's transaction.
pub(crate) fn apply_action(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    input: &ActionInput,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let case = &loaded.case;
    if case.version != input.expected_version {
        return Err(super::stale_version());
    }
    let reason = input.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let transition = lifecycle::apply(case.state, input.action, loaded.role, reason).map_err(|error| match error {
        LifecycleError::NotAllowedInState { .. } => AppError::InvalidTransition {
            detail: error.to_string(),
            allowed: allowed_for(case, loaded.role, now).iter().map(|a| a.as_str().to_owned()).collect(),
        },
        LifecycleError::RoleNotAllowed { .. } => AppError::Forbidden,
        LifecycleError::ReasonRequired { .. } => {
            AppError::validation("reason", "required", "this action needs a reason")
        }
    })?;
    let case_id = case.id.to_string();
    let at = db::timestamp(now);
    let mut to = transition.to;
    let mut changes = CaseChanges::default();
    let mut details = json!({});

    match input.action {
        Action::Acknowledge => {
            changes.acknowledged_at = case.acknowledged_at.is_none().then_some(at);
        }
        Action::Refer | Action::ReferBack => {
            details["parties"] = refer(conn, loaded, at)?;
            changes.referred_at = Some(at);
        }
        Action::Respond => {
            changes.first_response_at = case.first_response_at.is_none().then_some(at);
        }
        Action::StartMediation => {
            if case.mediator_user_id.is_none() {
                return Err(AppError::Conflict {
                    code: "mediator_not_assigned",
                    detail: "assign a mediator before starting mediation".to_owned(),
                });
            }
        }
        Action::ProposeRemedy => {
            details["remedies"] = propose_remedies(conn, actor, loaded, &input.remedies, at)?;
        }
        Action::AcceptRemedy => {
            db::remedies::set_status_where(conn, &case_id, &["proposed"], "agreed", at)?;
        }
        Action::RejectRemedy => {
            db::remedies::set_status_where(conn, &case_id, &["proposed"], "rejected", at)?;
        }
        Action::MarkRemedyDelivered => {
            let (remedy_id, still_owed) = deliver_remedy(conn, loaded, input, reason, at)?;
            details["remedy_id"] = json!(remedy_id);
            if still_owed > 0 {
                // Other agreed remedies are still owed: the case stays where it is.
                to = case.state;
            }
        }
        Action::ConfirmRemedy => {
            if let Some(rating) = input.rating
                && !(1..=5).contains(&rating)
            {
                return Err(AppError::validation("rating", "range", "must be from 1 to 5"));
            }
            db::remedies::set_status_where(conn, &case_id, &["delivered"], "verified", at)?;
            changes.remedy_verified_at = Some(at);
            changes.satisfaction_rating = Some(input.rating);
            changes.satisfaction_comment = Some(input.comment.clone());
            details["rating"] = json!(input.rating);
        }
        Action::DisputeRemedy => {
            db::remedies::set_status_where(conn, &case_id, &["delivered"], "disputed", at)?;
        }
        Action::ReferExternal => {
            let body = input.external_body.ok_or_else(|| {
                AppError::validation("external_body", "required", "say which outside body the case goes to")
            })?;
            details["external_body"] = json!(body.as_str());
        }
        Action::Reopen => {
            let finished = case.finished_at.unwrap_or(case.updated_at);
            if !lifecycle::reopen_allowed(loaded.role, finished, now) {
                return Err(AppError::Conflict {
                    code: "reopen_window_passed",
                    detail: format!(
                        "a case can be reopened by the worker within {} days; ask a handler",
                        lifecycle::REOPEN_WINDOW_DAYS
                    ),
                });
            }
            changes.finished_at = Some(None);
        }
        Action::RejectNotAdmissible | Action::Escalate | Action::CloseUnresolved | Action::Close | Action::Withdraw => {
        }
    }

    if to != case.state {
        changes.state = Some(to.as_str().to_owned());
        changes.stage_entered_at = Some(at);
        changes.stage_due_at = Some(stage_due(
            conn,
            &case_id,
            to,
            case.priority,
            now,
            changes.referred_at.or(case.referred_at.map(db::timestamp)),
        )?);
        if to.is_terminal() {
            changes.finished_at = Some(Some(at));
        }
    }
    save(conn, loaded, input.expected_version, &changes, now)?;
    record_event(
        conn,
        &case_id,
        actor,
        loaded.role,
        NewEvent {
            kind: "transition",
            action: Some(input.action),
            from: Some(case.state),
            to: Some(to),
            reason,
            details,
            visibility: Visibility::Parties,
        },
        now,
    )
}

/// Makes the employer and its supervising or support organisation parties.
fn refer(conn: &mut DbConnection, loaded: &Loaded, at: chrono::NaiveDateTime) -> Result<serde_json::Value, AppError> {
    let case_id = loaded.case.id.to_string();
    let Some(employer) = loaded.case.employer_organisation_id else {
        return Err(AppError::Conflict {
            code: "employer_not_linked",
            detail: "link the case to a registered employer before referring it".to_owned(),
        });
    };
    let employer_text = employer.to_string();
    db::case_details::add_party(conn, &case_id, &employer_text, PartyRole::Employer.as_str(), at)?;
    let mut parties = vec![json!({"organisation_id": employer_text, "party_role": "employer"})];
    let supervisor = db::organisations::find(conn, &employer_text)?.and_then(|org| org.supervising_organisation_id);
    if let Some(supervisor) = supervisor {
        db::case_details::add_party(conn, &case_id, &supervisor, PartyRole::Supervisor.as_str(), at)?;
        parties.push(json!({"organisation_id": supervisor, "party_role": "supervisor"}));
    }
    Ok(json!(parties))
}

fn propose_remedies(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    remedies: &[NewRemedy],
    at: chrono::NaiveDateTime,
) -> Result<serde_json::Value, AppError> {
    if remedies.is_empty() {
        return Err(AppError::validation("remedies", "required", "propose at least one remedy"));
    }
    let mut ids = Vec::new();
    for (index, remedy) in remedies.iter().enumerate() {
        let responsible = remedy.responsible_organisation_id;
        if !loaded.access.parties.iter().any(|(org, _)| *org == responsible) {
            return Err(AppError::validation(
                &format!("remedies[{index}].responsible_organisation_id"),
                "not_a_party",
                "the responsible organisation must be a party to the case",
            ));
        }
        let id = RemedyId::new().to_string();
        db::remedies::insert(
            conn,
            &RemedyRow {
                id: id.clone(),
                case_id: loaded.case.id.to_string(),
                remedy_type: remedy.remedy_type.as_str().to_owned(),
                description: remedy.description.clone(),
                responsible_organisation_id: responsible.to_string(),
                amount: remedy.money.as_ref().map(|m| m.amount.clone()),
                currency: remedy.money.as_ref().map(|m| m.currency.clone()),
                due_date: remedy.due_date,
                status: RemedyStatus::Proposed.as_str().to_owned(),
                proposed_by_user_id: super::actor_user_id(actor),
                proposed_at: at,
                agreed_at: None,
                delivered_at: None,
                delivery_note: None,
                verified_at: None,
            },
        )?;
        ids.push(id);
    }
    Ok(json!(ids))
}

/// Marks one owed remedy delivered by its responsible organisation; returns
/// its id and how many remedies are still owed.
fn deliver_remedy(
    conn: &mut DbConnection,
    loaded: &Loaded,
    input: &ActionInput,
    note: Option<&str>,
    at: chrono::NaiveDateTime,
) -> Result<(String, usize), AppError> {
    let remedy_id = input
        .remedy_id
        .ok_or_else(|| AppError::validation("remedy_id", "required", "say which remedy was delivered"))?
        .to_string();
    let note = note.ok_or_else(|| {
        AppError::validation("reason", "required", "describe how the remedy was delivered (the evidence)")
    })?;
    let remedies = db::remedies::for_case(conn, &loaded.case.id.to_string())?;
    let remedy = remedies
        .iter()
        .find(|r| r.id == remedy_id)
        .ok_or_else(|| AppError::validation("remedy_id", "unknown_remedy", "no such remedy on this case"))?;
    let status: RemedyStatus = remedy.status.parse().map_err(AppError::internal)?;
    if !status.is_owed() {
        return Err(AppError::Conflict {
            code: "remedy_not_owed",
            detail: format!("this remedy is {status}, not agreed"),
        });
    }
    // Only the organisation responsible for a remedy can say it was delivered.
    let responsible_party = loaded.access.parties.iter().any(|(org, role)| {
        org.to_string() == remedy.responsible_organisation_id
            && match loaded.role {
                CaseRole::Employer => *role == PartyRole::Employer,
                CaseRole::Supervisor => *role == PartyRole::Supervisor,
                CaseRole::Worker | CaseRole::Advocate | CaseRole::Handler | CaseRole::Mediator | CaseRole::System => {
                    false
                }
            }
    });
    if !responsible_party {
        return Err(AppError::Forbidden);
    }
    db::remedies::mark_delivered(conn, &remedy_id, note, at)?;
    let still_owed = remedies
        .iter()
        .filter(|r| r.id != remedy_id && r.status.parse::<RemedyStatus>().is_ok_and(RemedyStatus::is_owed))
        .count();
    Ok((remedy_id, still_owed))
}

/// When the new stage is due. While remedies are owed, the earliest remedy
/// due date is the case's clock.
fn stage_due(
    conn: &mut DbConnection,
    case_id: &str,
    state: CaseState,
    priority: crate::domain::case::Priority,
    now: DateTime<Utc>,
    referred_at: Option<chrono::NaiveDateTime>,
) -> Result<Option<chrono::NaiveDateTime>, AppError> {
    if state == CaseState::RemedyAgreed {
        let earliest = db::remedies::for_case(conn, case_id)?
            .into_iter()
            .filter(|r| r.status.parse::<RemedyStatus>().is_ok_and(RemedyStatus::is_owed) || r.status == "proposed")
            .filter_map(|r| r.due_date)
            .min();
        return Ok(earliest.map(|date| date.and_time(NaiveTime::MIN) + chrono::Duration::days(1)));
    }
    let urgent = priority == crate::domain::case::Priority::Urgent;
    Ok(lifecycle::stage_due_at(state, urgent, now, referred_at.map(|t| t.and_utc())).map(db::timestamp))
}
