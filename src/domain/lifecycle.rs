//! The case lifecycle (domain.md section 4): states, actions, who may take
//! each, and the clock of each stage. Pure data plus exhaustive matches, so
//! that the whole procedure is in one place and can be published to clients.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::names::string_enum;

string_enum!(
    /// Where a case stands.
    CaseState {
        Submitted = "submitted",
        Acknowledged = "acknowledged",
        Referred = "referred",
        Responded = "responded",
        InMediation = "in_mediation",
        RemedyProposed = "remedy_proposed",
        RemedyAgreed = "remedy_agreed",
        RemedyDelivered = "remedy_delivered",
        RemedyVerified = "remedy_verified",
        Escalated = "escalated",
        ReferredExternal = "referred_external",
        Closed = "closed",
        NotAdmissible = "not_admissible",
        Withdrawn = "withdrawn",
    }
);

string_enum!(
    /// What can be done to a case.
    Action {
        Acknowledge = "acknowledge",
        RejectNotAdmissible = "reject_not_admissible",
        Refer = "refer",
        Respond = "respond",
        Escalate = "escalate",
        StartMediation = "start_mediation",
        ProposeRemedy = "propose_remedy",
        CloseUnresolved = "close_unresolved",
        AcceptRemedy = "accept_remedy",
        RejectRemedy = "reject_remedy",
        MarkRemedyDelivered = "mark_remedy_delivered",
        ConfirmRemedy = "confirm_remedy",
        DisputeRemedy = "dispute_remedy",
        Close = "close",
        ReferBack = "refer_back",
        ReferExternal = "refer_external",
        Withdraw = "withdraw",
        Reopen = "reopen",
        /// During the reprisal watch the worker side reports retaliation: the case reopens as urgent.
        ReportReprisal = "report_reprisal",
    }
);

string_enum!(
    /// How an actor stands towards one case.
    CaseRole {
        /// The worker the case is about (by account or by receipt code).
        Worker = "worker",
        /// Staff of the NGO, union or legal-aid office acting for the worker.
        Advocate = "advocate",
        /// Staff of the operator.
        Handler = "handler",
        /// Staff of the employer named in the case, once referred.
        Employer = "employer",
        /// Staff of the employer's supervising or support organisation, once referred.
        Supervisor = "supervisor",
        /// The mediator assigned to the case.
        Mediator = "mediator",
        /// The system itself, when a clock runs out.
        System = "system",
    }
);

impl CaseState {
    /// Closed, not admissible and withdrawn cases are finished (but may be reopened).
    pub fn is_terminal(self) -> bool {
        match self {
            Self::Closed | Self::NotAdmissible | Self::Withdrawn => true,
            Self::Submitted
            | Self::Acknowledged
            | Self::Referred
            | Self::Responded
            | Self::InMediation
            | Self::RemedyProposed
            | Self::RemedyAgreed
            | Self::RemedyDelivered
            | Self::RemedyVerified
            | Self::Escalated
            | Self::ReferredExternal => false,
        }
    }

    pub fn open_states() -> impl Iterator<Item = CaseState> {
        Self::ALL.iter().copied().filter(|s| !s.is_terminal())
    }
}

/// One edge of the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: CaseState,
    pub to: CaseState,
    pub roles: &'static [CaseRole],
    /// Closing against the worker's will, inadmissibility and escalation need a reason.
    pub reason_required: bool,
}

const fn edge(from: CaseState, to: CaseState, roles: &'static [CaseRole], reason_required: bool) -> Transition {
    Transition { from, to, roles, reason_required }
}

use CaseRole as R;
use CaseState as S;

const HANDLER: &[CaseRole] = &[R::Handler];
const WORKER_SIDE: &[CaseRole] = &[R::Worker, R::Advocate];
const RESPONDENTS: &[CaseRole] = &[R::Employer, R::Supervisor];

const WITHDRAW_EDGES: [Transition; 11] = [
    edge(S::Submitted, S::Withdrawn, WORKER_SIDE, false),
    edge(S::Acknowledged, S::Withdrawn, WORKER_SIDE, false),
    edge(S::Referred, S::Withdrawn, WORKER_SIDE, false),
    edge(S::Responded, S::Withdrawn, WORKER_SIDE, false),
    edge(S::InMediation, S::Withdrawn, WORKER_SIDE, false),
    edge(S::RemedyProposed, S::Withdrawn, WORKER_SIDE, false),
    edge(S::RemedyAgreed, S::Withdrawn, WORKER_SIDE, false),
    edge(S::RemedyDelivered, S::Withdrawn, WORKER_SIDE, false),
    edge(S::RemedyVerified, S::Withdrawn, WORKER_SIDE, false),
    edge(S::Escalated, S::Withdrawn, WORKER_SIDE, false),
    edge(S::ReferredExternal, S::Withdrawn, WORKER_SIDE, false),
];

const REOPEN_ROLES: &[CaseRole] = &[R::Worker, R::Advocate, R::Handler];

/// Every edge an action can take. Exhaustive over actions: adding one does
/// not compile until its edges are decided.
pub fn transitions(action: Action) -> &'static [Transition] {
    match action {
        Action::Acknowledge => const { &[edge(S::Submitted, S::Acknowledged, HANDLER, false)] },
        Action::RejectNotAdmissible => const { &[edge(S::Submitted, S::NotAdmissible, HANDLER, true)] },
        Action::Refer => const { &[edge(S::Acknowledged, S::Referred, HANDLER, false)] },
        Action::Respond => const { &[edge(S::Referred, S::Responded, RESPONDENTS, false)] },
        Action::Escalate => {
            const {
                &[
                    edge(S::Referred, S::Escalated, &[R::Handler, R::System], true),
                    // The system escalates when the three-month outer bound passes in mediation.
                    edge(S::InMediation, S::Escalated, &[R::Handler, R::Mediator, R::System], true),
                ]
            }
        }
        Action::StartMediation => const { &[edge(S::Responded, S::InMediation, &[R::Handler, R::Mediator], false)] },
        Action::ProposeRemedy => {
            const {
                &[
                    edge(S::Responded, S::RemedyProposed, &[R::Employer, R::Supervisor, R::Mediator], false),
                    edge(S::InMediation, S::RemedyProposed, &[R::Mediator], false),
                ]
            }
        }
        Action::CloseUnresolved => const { &[edge(S::InMediation, S::Closed, &[R::Mediator], true)] },
        Action::AcceptRemedy => const { &[edge(S::RemedyProposed, S::RemedyAgreed, WORKER_SIDE, false)] },
        Action::RejectRemedy => const { &[edge(S::RemedyProposed, S::InMediation, WORKER_SIDE, false)] },
        Action::MarkRemedyDelivered => const { &[edge(S::RemedyAgreed, S::RemedyDelivered, RESPONDENTS, false)] },
        Action::ConfirmRemedy => const { &[edge(S::RemedyDelivered, S::RemedyVerified, WORKER_SIDE, false)] },
        Action::DisputeRemedy => const { &[edge(S::RemedyDelivered, S::RemedyAgreed, WORKER_SIDE, true)] },
        Action::Close => {
            const {
                &[
                    edge(S::RemedyVerified, S::Closed, HANDLER, false),
                    // Closing without a remedy the worker verified: say why.
                    edge(S::ReferredExternal, S::Closed, HANDLER, true),
                ]
            }
        }
        Action::ReferBack => const { &[edge(S::Escalated, S::Referred, HANDLER, false)] },
        Action::ReferExternal => const { &[edge(S::Escalated, S::ReferredExternal, HANDLER, true)] },
        Action::Withdraw => &WITHDRAW_EDGES,
        Action::Reopen => {
            const {
                &[
                    edge(S::Closed, S::Acknowledged, REOPEN_ROLES, true),
                    edge(S::NotAdmissible, S::Acknowledged, REOPEN_ROLES, true),
                    edge(S::Withdrawn, S::Acknowledged, REOPEN_ROLES, true),
                ]
            }
        }
        // The reason is the worker's account of what was done to them.
        Action::ReportReprisal => {
            const {
                &[
                    edge(S::RemedyVerified, S::Acknowledged, WORKER_SIDE, true),
                    edge(S::Closed, S::Acknowledged, WORKER_SIDE, true),
                ]
            }
        }
    }
}

/// Why an action cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("`{action}` is not possible while the case is `{state}`")]
    NotAllowedInState {
        state: CaseState,
        action: Action,
        /// What this actor could do instead.
        allowed: Vec<Action>,
    },
    #[error("a {role} may not `{action}` this case")]
    RoleNotAllowed { action: Action, role: CaseRole },
    #[error("`{action}` needs a reason")]
    ReasonRequired { action: Action },
}

/// Decides one step. The state check comes first: an action that makes no
/// sense now is a conflict (409) whoever asks; a real step by the wrong role is forbidden (403).
pub fn apply(
    state: CaseState,
    action: Action,
    role: CaseRole,
    reason: Option<&str>,
) -> Result<Transition, LifecycleError> {
    let Some(transition) = transitions(action).iter().find(|t| t.from == state) else {
        return Err(LifecycleError::NotAllowedInState { state, action, allowed: allowed_actions(state, role) });
    };
    if !transition.roles.contains(&role) {
        return Err(LifecycleError::RoleNotAllowed { action, role });
    }
    let has_reason = reason.is_some_and(|r| !r.trim().is_empty());
    if transition.reason_required && !has_reason {
        return Err(LifecycleError::ReasonRequired { action });
    }
    Ok(*transition)
}

/// Whether the system itself may take `action` in `state` (when a clock runs out).
pub fn system_may(state: CaseState, action: Action) -> bool {
    transitions(action).iter().any(|t| t.from == state && t.roles.contains(&CaseRole::System))
}

/// The actions `role` may take in `state`.
pub fn allowed_actions(state: CaseState, role: CaseRole) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|action| transitions(*action).iter().any(|t| t.from == state && t.roles.contains(&role)))
        .collect()
}

/// A worker may reopen a finished case for this long; a handler at any time.
pub const REOPEN_WINDOW_DAYS: i64 = 90;
/// After a verified remedy or closure, reprisals are watched for this long.
pub const REPRISAL_WATCH_DAYS: i64 = 90;
/// Default days into the watch on which the worker is asked whether all is well.
pub const REPRISAL_CHECK_IN_DAYS: [i64; 3] = [30, 60, 90];
/// Every worker hears back within three months of submission, whatever happens.
pub const FEEDBACK_OUTER_BOUND_DAYS: i64 = 90;

/// Verifying a remedy and closing a case start (or restart) the reprisal watch.
pub fn starts_reprisal_watch(action: Action) -> bool {
    match action {
        Action::ConfirmRemedy | Action::Close | Action::CloseUnresolved => true,
        Action::Acknowledge
        | Action::RejectNotAdmissible
        | Action::Refer
        | Action::Respond
        | Action::Escalate
        | Action::StartMediation
        | Action::ProposeRemedy
        | Action::AcceptRemedy
        | Action::RejectRemedy
        | Action::MarkRemedyDelivered
        | Action::DisputeRemedy
        | Action::ReferBack
        | Action::ReferExternal
        | Action::Withdraw
        | Action::Reopen
        | Action::ReportReprisal => false,
    }
}

/// Whether the worker has an outcome (a remedy agreed, the case handed to an
/// outside body, or finished), which the three-month outer bound asks for.
pub fn outcome_reached(state: CaseState) -> bool {
    match state {
        S::RemedyAgreed
        | S::RemedyDelivered
        | S::RemedyVerified
        | S::ReferredExternal
        | S::Closed
        | S::NotAdmissible
        | S::Withdrawn => true,
        S::Submitted
        | S::Acknowledged
        | S::Referred
        | S::Responded
        | S::InMediation
        | S::RemedyProposed
        | S::Escalated => false,
    }
}

/// When the three-month outer bound of a case lodged at `submitted_at` passes.
pub fn outer_bound_at(submitted_at: DateTime<Utc>) -> DateTime<Utc> {
    submitted_at + Duration::days(FEEDBACK_OUTER_BOUND_DAYS)
}

pub fn reopen_allowed(role: CaseRole, finished_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    match role {
        CaseRole::Handler => true,
        CaseRole::Worker | CaseRole::Advocate => now - finished_at <= Duration::days(REOPEN_WINDOW_DAYS),
        CaseRole::Employer | CaseRole::Supervisor | CaseRole::Mediator | CaseRole::System => false,
    }
}

/// When a stage's clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    /// When the case entered the stage.
    StageEntry,
    /// When the case was (last) referred to the responsible parties.
    Referral,
}

/// What happens when a stage's clock runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExpiry {
    /// The system takes this action.
    SystemAction(Action),
    /// The handlers are told.
    NotifyHandlers,
}

/// The published time frame of one stage (UNGP 31: "an indicative time frame for each stage").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageClock {
    pub days: i64,
    /// A shorter time frame for urgent cases, if any.
    pub urgent_days: Option<i64>,
    pub starts: ClockStart,
    pub must_act: &'static [CaseRole],
    pub on_expiry: OnExpiry,
}

/// The clock of each stage. Exhaustive over states.
pub fn clock(state: CaseState) -> Option<StageClock> {
    let stage = |days, urgent_days, starts, must_act, on_expiry| {
        Some(StageClock { days, urgent_days, starts, must_act, on_expiry })
    };
    match state {
        S::Submitted => stage(7, Some(1), ClockStart::StageEntry, HANDLER, OnExpiry::NotifyHandlers),
        S::Acknowledged => stage(7, None, ClockStart::StageEntry, HANDLER, OnExpiry::NotifyHandlers),
        S::Referred => stage(30, None, ClockStart::StageEntry, RESPONDENTS, OnExpiry::SystemAction(Action::Escalate)),
        S::Responded => {
            stage(45, None, ClockStart::Referral, &[R::Employer, R::Supervisor, R::Mediator], OnExpiry::NotifyHandlers)
        }
        S::InMediation => stage(30, None, ClockStart::StageEntry, &[R::Mediator], OnExpiry::NotifyHandlers),
        S::RemedyProposed => stage(14, None, ClockStart::StageEntry, WORKER_SIDE, OnExpiry::NotifyHandlers),
        // The earliest due date of the agreed remedies, when they have one.
        S::RemedyAgreed => stage(30, None, ClockStart::StageEntry, RESPONDENTS, OnExpiry::NotifyHandlers),
        S::RemedyDelivered => stage(30, None, ClockStart::StageEntry, WORKER_SIDE, OnExpiry::NotifyHandlers),
        S::RemedyVerified => stage(7, None, ClockStart::StageEntry, HANDLER, OnExpiry::NotifyHandlers),
        S::Escalated => stage(14, None, ClockStart::StageEntry, HANDLER, OnExpiry::NotifyHandlers),
        S::ReferredExternal => stage(30, None, ClockStart::StageEntry, HANDLER, OnExpiry::NotifyHandlers),
        S::Closed | S::NotAdmissible | S::Withdrawn => None,
    }
}

/// When the current stage is due, if it has a clock.
pub fn stage_due_at(
    state: CaseState,
    urgent: bool,
    entered_at: DateTime<Utc>,
    referred_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let clock = clock(state)?;
    let days = match (urgent, clock.urgent_days) {
        (true, Some(days)) => days,
        _ => clock.days,
    };
    let start = match clock.starts {
        ClockStart::StageEntry => entered_at,
        ClockStart::Referral => referred_at.unwrap_or(entered_at),
    };
    Some(start + Duration::days(days))
}

/// The calendar day in Japan (UTC+9, no daylight saving), by which due
/// dates are agreed.
pub fn japan_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    (at + Duration::hours(9)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference table of domain.md section 4, written out independently:
    /// (from, action, to, roles). Every other (state, action, role) must fail.
    fn expected() -> Vec<(CaseState, Action, CaseState, Vec<CaseRole>)> {
        use Action as A;
        let mut table = vec![
            (S::Submitted, A::Acknowledge, S::Acknowledged, vec![R::Handler]),
            (S::Submitted, A::RejectNotAdmissible, S::NotAdmissible, vec![R::Handler]),
            (S::Acknowledged, A::Refer, S::Referred, vec![R::Handler]),
            (S::Referred, A::Respond, S::Responded, vec![R::Employer, R::Supervisor]),
            (S::Referred, A::Escalate, S::Escalated, vec![R::Handler, R::System]),
            (S::Responded, A::StartMediation, S::InMediation, vec![R::Handler, R::Mediator]),
            (S::Responded, A::ProposeRemedy, S::RemedyProposed, vec![R::Employer, R::Supervisor, R::Mediator]),
            (S::InMediation, A::ProposeRemedy, S::RemedyProposed, vec![R::Mediator]),
            (S::InMediation, A::Escalate, S::Escalated, vec![R::Handler, R::Mediator, R::System]),
            (S::InMediation, A::CloseUnresolved, S::Closed, vec![R::Mediator]),
            (S::RemedyProposed, A::AcceptRemedy, S::RemedyAgreed, vec![R::Worker, R::Advocate]),
            (S::RemedyProposed, A::RejectRemedy, S::InMediation, vec![R::Worker, R::Advocate]),
            (S::RemedyAgreed, A::MarkRemedyDelivered, S::RemedyDelivered, vec![R::Employer, R::Supervisor]),
            (S::RemedyDelivered, A::ConfirmRemedy, S::RemedyVerified, vec![R::Worker, R::Advocate]),
            (S::RemedyDelivered, A::DisputeRemedy, S::RemedyAgreed, vec![R::Worker, R::Advocate]),
            (S::RemedyVerified, A::Close, S::Closed, vec![R::Handler]),
            (S::Escalated, A::ReferBack, S::Referred, vec![R::Handler]),
            (S::Escalated, A::ReferExternal, S::ReferredExternal, vec![R::Handler]),
            (S::ReferredExternal, A::Close, S::Closed, vec![R::Handler]),
            (S::RemedyVerified, A::ReportReprisal, S::Acknowledged, vec![R::Worker, R::Advocate]),
            (S::Closed, A::ReportReprisal, S::Acknowledged, vec![R::Worker, R::Advocate]),
        ];
        for state in CaseState::open_states() {
            table.push((state, A::Withdraw, S::Withdrawn, vec![R::Worker, R::Advocate]));
        }
        for state in [S::Closed, S::NotAdmissible, S::Withdrawn] {
            table.push((state, A::Reopen, S::Acknowledged, vec![R::Worker, R::Advocate, R::Handler]));
        }
        table
    }

    #[test]
    fn every_state_action_and_role_follows_the_reference_table() {
        let table = expected();
        let mut checked = 0;
        for &state in CaseState::ALL {
            for &action in Action::ALL {
                let row = table.iter().find(|(from, a, _, _)| *from == state && *a == action);
                for &role in CaseRole::ALL {
                    let result = apply(state, action, role, Some("a reason"));
                    match row {
                        Some((_, _, to, roles)) if roles.contains(&role) => {
                            assert_eq!(result.map(|t| t.to), Ok(*to), "{state} {action} {role}");
                        }
                        Some(_) => assert_eq!(
                            result,
                            Err(LifecycleError::RoleNotAllowed { action, role }),
                            "{state} {action} {role}"
                        ),
                        None => assert!(
                            matches!(result, Err(LifecycleError::NotAllowedInState { .. })),
                            "{state} {action} {role}: {result:?}"
                        ),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, CaseState::ALL.len() * Action::ALL.len() * CaseRole::ALL.len());
    }

    #[test]
    fn a_conflict_lists_what_the_actor_could_do_instead() {
        let error = apply(S::Submitted, Action::Refer, R::Handler, None).unwrap_err();
        assert_eq!(
            error,
            LifecycleError::NotAllowedInState {
                state: S::Submitted,
                action: Action::Refer,
                allowed: vec![Action::Acknowledge, Action::RejectNotAdmissible],
            }
        );
    }

    #[test]
    fn closing_against_the_worker_rejecting_and_escalating_need_reasons() {
        let cases = [
            (S::Submitted, Action::RejectNotAdmissible, R::Handler),
            (S::Referred, Action::Escalate, R::Handler),
            (S::InMediation, Action::CloseUnresolved, R::Mediator),
            (S::ReferredExternal, Action::Close, R::Handler),
        ];
        for (state, action, role) in cases {
            for reason in [None, Some("  ")] {
                assert_eq!(
                    apply(state, action, role, reason),
                    Err(LifecycleError::ReasonRequired { action }),
                    "{state} {action}"
                );
            }
            assert!(apply(state, action, role, Some("why")).is_ok());
        }
        assert!(apply(S::RemedyVerified, Action::Close, R::Handler, None).is_ok());
    }

    #[test]
    fn every_transition_goes_somewhere_reachable_and_terminal_states_only_reopen_or_report_reprisal() {
        for &action in Action::ALL {
            for t in transitions(action) {
                assert_ne!(t.from, t.to, "{action} loops");
                assert!(!t.roles.is_empty());
            }
        }
        for state in [S::Closed, S::NotAdmissible, S::Withdrawn] {
            for &role in CaseRole::ALL {
                for action in allowed_actions(state, role) {
                    assert!(matches!(action, Action::Reopen | Action::ReportReprisal), "{state} {action}");
                }
            }
        }
    }

    #[test]
    fn clocks_follow_the_published_time_frames() {
        let t0 = DateTime::parse_from_rfc3339("2026-04-01T09:00:00Z").unwrap().with_timezone(&Utc);
        let days = |n| t0 + Duration::days(n);
        assert_eq!(stage_due_at(S::Submitted, false, t0, None), Some(days(7)));
        assert_eq!(stage_due_at(S::Submitted, true, t0, None), Some(days(1)));
        assert_eq!(stage_due_at(S::Acknowledged, true, t0, None), Some(days(7)));
        assert_eq!(stage_due_at(S::Referred, false, t0, Some(t0)), Some(days(30)));
        // The remedy plan is due 45 days after referral, not after the response.
        assert_eq!(stage_due_at(S::Responded, false, days(20), Some(t0)), Some(days(45)));
        assert_eq!(stage_due_at(S::RemedyProposed, false, t0, Some(t0)), Some(days(14)));
        assert_eq!(stage_due_at(S::RemedyDelivered, false, t0, Some(t0)), Some(days(30)));
        assert_eq!(stage_due_at(S::InMediation, false, t0, Some(t0)), Some(days(30)));
        assert_eq!(stage_due_at(S::Escalated, false, t0, Some(t0)), Some(days(14)));
        // Every open state has a clock; finished ones have none.
        for &state in CaseState::ALL {
            assert_eq!(stage_due_at(state, false, t0, Some(t0)).is_none(), state.is_terminal(), "{state}");
        }
        assert_eq!(clock(S::Referred).unwrap().on_expiry, OnExpiry::SystemAction(Action::Escalate));
        // The system's expiry action must be one the lifecycle lets it take.
        for &state in CaseState::ALL {
            if let Some(StageClock { on_expiry: OnExpiry::SystemAction(action), .. }) = clock(state) {
                assert!(apply(state, action, R::System, Some("clock ran out")).is_ok(), "{state}");
            }
        }
    }

    #[test]
    fn the_outer_bound_asks_for_an_outcome_and_the_system_can_escalate_where_one_is_missing() {
        let t0 = DateTime::parse_from_rfc3339("2026-04-01T09:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(outer_bound_at(t0), t0 + Duration::days(90));
        for &state in CaseState::ALL {
            if state.is_terminal() {
                assert!(outcome_reached(state), "{state}");
            }
        }
        for state in [S::Referred, S::InMediation] {
            assert!(!outcome_reached(state));
            assert!(system_may(state, Action::Escalate), "{state}");
        }
        assert!(!system_may(S::Responded, Action::Escalate));
        assert!(starts_reprisal_watch(Action::ConfirmRemedy) && starts_reprisal_watch(Action::Close));
        assert!(!starts_reprisal_watch(Action::Withdraw));
    }

    #[test]
    fn workers_reopen_within_ninety_days_handlers_any_time() {
        let closed = Utc::now() - Duration::days(91);
        assert!(!reopen_allowed(R::Worker, closed, Utc::now()));
        assert!(reopen_allowed(R::Worker, Utc::now() - Duration::days(30), Utc::now()));
        assert!(reopen_allowed(R::Handler, closed, Utc::now()));
        assert!(!reopen_allowed(R::Employer, Utc::now(), Utc::now()));
    }
}
