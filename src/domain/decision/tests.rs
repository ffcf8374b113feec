//! `decide`, table-tested like the lifecycle: every (state, command, role)
//! agrees with the lifecycle table, and each action's own rules hold.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::*;
use crate::domain::case::{CaseReference, ExternalBody, IntakeChannel, LodgedVia};
use crate::domain::command::Rating;
use crate::domain::remedy::RemedyType;
use crate::domain::{CaseId, LanguageTag, UserId};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-04-01T09:00:00Z").unwrap().with_timezone(&Utc)
}

fn case_in(state: CaseState) -> Case {
    Case {
        id: CaseId::new(),
        reference: CaseReference::parse("MG-2026-000001").unwrap(),
        state,
        version: 3,
        priority: Priority::Normal,
        categories: Vec::new(),
        narrative_language: LanguageTag::parse("vi").unwrap(),
        incident_from: None,
        incident_to: None,
        prefecture: None,
        industry: None,
        employer_organisation_id: Some(employer()),
        employer_name: None,
        supervising_organisation_id: None,
        nationality: None,
        residence_status: None,
        lodged_via: LodgedVia::Worker,
        channel: IntakeChannel::Online,
        worker_user_id: None,
        advocate_organisation_id: None,
        mediator_user_id: Some(UserId::new()),
        assigned_handler_user_id: None,
        identity_disclosure_consent: false,
        satisfaction_rating: None,
        satisfaction_comment: None,
        created_at: t0(),
        updated_at: t0(),
        stage_entered_at: t0(),
        stage_due_at: None,
        acknowledged_at: None,
        referred_at: Some(t0()),
        first_response_at: None,
        remedy_verified_at: None,
        finished_at: state.is_terminal().then(t0),
        // Closed and verified cases are in their reprisal watch.
        reprisal_watch_until: matches!(state, CaseState::Closed | CaseState::RemedyVerified)
            .then(|| t0() + Duration::days(60)),
        outer_bound_passed_at: None,
    }
}

fn employer() -> OrganisationId {
    uuid::Uuid::from_u128(1).into()
}

fn supervisor() -> OrganisationId {
    uuid::Uuid::from_u128(2).into()
}

fn parties() -> Vec<(OrganisationId, PartyRole)> {
    vec![(employer(), PartyRole::Employer), (supervisor(), PartyRole::Supervisor)]
}

fn new_remedy(due: Option<NaiveDate>) -> NewRemedy {
    NewRemedy {
        remedy_type: RemedyType::Restitution,
        description: "return the passport".into(),
        responsible_organisation_id: employer(),
        money: None,
        due_date: due,
    }
}

fn remedy(status: RemedyStatus, due: Option<NaiveDate>) -> Remedy {
    let new = new_remedy(due);
    Remedy {
        id: RemedyId::new(),
        case_id: CaseId::new(),
        remedy_type: new.remedy_type,
        description: new.description,
        responsible_organisation_id: new.responsible_organisation_id,
        money: None,
        due_date: due,
        status,
        proposed_at: t0(),
        agreed_at: None,
        delivered_at: None,
        delivery_note: None,
        verified_at: None,
    }
}

/// A command for `action` that carries valid data for the situation.
fn command_for(action: Action, remedies: &[Remedy]) -> CaseCommand {
    CaseCommand::plain(action).unwrap_or_else(|| match action {
        Action::ProposeRemedy => CaseCommand::ProposeRemedy { remedies: vec![new_remedy(None)] },
        Action::MarkRemedyDelivered => CaseCommand::MarkRemedyDelivered {
            remedy: remedies.first().map(|r| r.id).unwrap_or_default(),
            evidence: "handed over".into(),
        },
        Action::ConfirmRemedy => CaseCommand::ConfirmRemedy { rating: Rating::new(4), comment: None },
        Action::ReferExternal => CaseCommand::ReferExternal { body: ExternalBody::Otit },
        other => unreachable!("{other} is plain"),
    })
}

fn decide_now(
    case: &Case,
    remedies: &[Remedy],
    role: CaseRole,
    command: CaseCommand,
    reason: Option<&str>,
) -> Result<Decision, Refusal> {
    let parties = parties();
    let situation = Situation { case, parties: &parties, remedies, employer_supervisor: Some(supervisor()) };
    decide(&situation, role, &Instruction::new(command, reason.map(str::to_owned), case.version), t0())
}

#[test]
fn every_state_command_and_role_agrees_with_the_lifecycle_table() {
    let mut checked = 0;
    for &state in CaseState::ALL {
        let case = case_in(state);
        let remedies = [remedy(RemedyStatus::Agreed, None)];
        for &action in Action::ALL {
            for &role in CaseRole::ALL {
                let result = decide_now(&case, &remedies, role, command_for(action, &remedies), Some("why"));
                let lifecycle = lifecycle::apply(state, action, role, Some("why"));
                match (lifecycle, &result) {
                    (Ok(transition), Ok(decision)) => {
                        assert_eq!(decision.to, transition.to, "{state} {action} {role}");
                        assert_eq!(decision.event.to, Some(transition.to));
                        assert_eq!(decision.update.state, Some(transition.to));
                    }
                    // The only extra rule that can refuse a valid edge here: who delivers a remedy.
                    (Ok(_), Err(Refusal::NotResponsibleForRemedy)) => {
                        assert_eq!((action, role), (Action::MarkRemedyDelivered, CaseRole::Supervisor));
                    }
                    (Err(LifecycleError::RoleNotAllowed { .. }), Err(Refusal::RoleNotAllowed)) => {}
                    (Err(LifecycleError::NotAllowedInState { .. }), Err(Refusal::NotAllowedInState { .. })) => {}
                    (expected, got) => panic!("{state} {action} {role}: lifecycle {expected:?}, decide {got:?}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, CaseState::ALL.len() * Action::ALL.len() * CaseRole::ALL.len());
}

#[test]
fn a_stale_version_is_refused_before_anything_else() {
    let case = case_in(CaseState::Submitted);
    let parties = parties();
    let situation = Situation { case: &case, parties: &parties, remedies: &[], employer_supervisor: None };
    let instruction = Instruction::new(CaseCommand::Refer, None, case.version - 1);
    assert_eq!(decide(&situation, CaseRole::Employer, &instruction, t0()), Err(Refusal::StaleVersion));
}

#[test]
fn an_action_the_state_does_not_allow_lists_what_the_role_could_do() {
    let case = case_in(CaseState::Submitted);
    let refused = decide_now(&case, &[], CaseRole::Handler, CaseCommand::Refer, None).unwrap_err();
    let Refusal::NotAllowedInState { allowed, .. } = refused else { panic!("{refused:?}") };
    assert_eq!(allowed, vec![Action::Acknowledge, Action::RejectNotAdmissible]);
}

#[test]
fn edges_that_need_a_reason_refuse_without_one() {
    let case = case_in(CaseState::Referred);
    assert_eq!(decide_now(&case, &[], CaseRole::Handler, CaseCommand::Escalate, None), Err(Refusal::ReasonRequired));
    assert_eq!(
        decide_now(&case, &[], CaseRole::Handler, CaseCommand::Escalate, Some("  ")),
        Err(Refusal::ReasonRequired)
    );
    let decision = decide_now(&case, &[], CaseRole::Handler, CaseCommand::Escalate, Some("no answer")).unwrap();
    assert_eq!(decision.event.reason.as_deref(), Some("no answer"));
}

#[test]
fn referral_makes_the_employer_and_its_supervisor_parties_and_needs_a_linked_employer() {
    let case = case_in(CaseState::Acknowledged);
    let decision = decide_now(&case, &[], CaseRole::Handler, CaseCommand::Refer, None).unwrap();
    assert_eq!(decision.new_parties, parties());
    assert_eq!(decision.update.referred_at, Some(t0()));
    assert!(decision.announces_referral());
    assert_eq!(decision.update.stage_due_at, Some(Some(t0() + Duration::days(30))));
    let unlinked = Case { employer_organisation_id: None, ..case };
    assert_eq!(
        decide_now(&unlinked, &[], CaseRole::Handler, CaseCommand::Refer, None),
        Err(Refusal::EmployerNotLinked)
    );
}

#[test]
fn acknowledging_and_responding_stamp_their_first_time_only() {
    let case = case_in(CaseState::Submitted);
    let decision = decide_now(&case, &[], CaseRole::Handler, CaseCommand::Acknowledge, None).unwrap();
    assert_eq!(decision.update.acknowledged_at, Some(t0()));
    let again = Case { acknowledged_at: Some(t0() - Duration::days(9)), ..case };
    let decision = decide_now(&again, &[], CaseRole::Handler, CaseCommand::Acknowledge, None).unwrap();
    assert_eq!(decision.update.acknowledged_at, None);
    let referred = case_in(CaseState::Referred);
    let decision = decide_now(&referred, &[], CaseRole::Employer, CaseCommand::Respond, None).unwrap();
    assert_eq!(decision.update.first_response_at, Some(t0()));
}

#[test]
fn mediation_needs_an_assigned_mediator() {
    let case = Case { mediator_user_id: None, ..case_in(CaseState::Responded) };
    assert_eq!(
        decide_now(&case, &[], CaseRole::Handler, CaseCommand::StartMediation, None),
        Err(Refusal::MediatorNotAssigned)
    );
}

#[test]
fn a_remedy_cannot_fall_due_before_today_in_japan() {
    let case = case_in(CaseState::Responded);
    let today_in_japan = crate::domain::lifecycle::japan_date(t0());
    let propose = |due| CaseCommand::ProposeRemedy { remedies: vec![new_remedy(None), new_remedy(Some(due))] };
    assert_eq!(
        decide_now(&case, &[], CaseRole::Employer, propose(today_in_japan.pred_opt().unwrap()), None),
        Err(Refusal::DueDateInThePast { index: 1 })
    );
    assert!(decide_now(&case, &[], CaseRole::Employer, propose(today_in_japan), None).is_ok());
    // 20:00 UTC is already the next day in Japan.
    let evening = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, 20, 0, 0).unwrap();
    assert_eq!(crate::domain::lifecycle::japan_date(evening), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
}

#[test]
fn a_remedy_is_proposed_only_for_an_organisation_that_is_a_party() {
    let case = case_in(CaseState::Responded);
    let outsider = NewRemedy { responsible_organisation_id: OrganisationId::new(), ..new_remedy(None) };
    let command = CaseCommand::ProposeRemedy { remedies: vec![new_remedy(None), outsider] };
    assert_eq!(
        decide_now(&case, &[], CaseRole::Employer, command, None),
        Err(Refusal::ResponsibleNotAParty { index: 1 })
    );
    let command = CaseCommand::ProposeRemedy { remedies: vec![new_remedy(None), new_remedy(None)] };
    let decision = decide_now(&case, &[], CaseRole::Employer, command, None).unwrap();
    assert_eq!(decision.remedies.len(), 2);
    assert!(decision.remedies.iter().all(|c| matches!(c, RemedyChange::Propose { .. })));
    assert_eq!(decision.event.details["remedies"].as_array().map(Vec::len), Some(2));
}

#[test]
fn accepting_agrees_every_proposal_and_the_earliest_due_date_sets_the_clock() {
    let case = case_in(CaseState::RemedyProposed);
    let early = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let late = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let remedies = [remedy(RemedyStatus::Proposed, Some(late)), remedy(RemedyStatus::Proposed, Some(early))];
    let decision = decide_now(&case, &remedies, CaseRole::Worker, CaseCommand::AcceptRemedy, None).unwrap();
    assert_eq!(decision.to, CaseState::RemedyAgreed);
    assert!(decision.remedies.iter().all(|c| matches!(
        c,
        RemedyChange::Step { from: RemedyStatus::Proposed, to: RemedyStatus::Agreed, evidence: None, .. }
    )));
    assert_eq!(decision.remedies.len(), 2);
    let due = early.and_time(NaiveTime::MIN).and_utc() + Duration::days(1);
    assert_eq!(decision.update.stage_due_at, Some(Some(due)));
    let decision = decide_now(&case, &remedies, CaseRole::Worker, CaseCommand::RejectRemedy, None).unwrap();
    assert!(decision.remedies.iter().all(|c| matches!(c, RemedyChange::Step { to: RemedyStatus::Rejected, .. })));
}

#[test]
fn only_the_responsible_party_delivers_an_owed_remedy_and_the_case_waits_for_the_rest() {
    let case = case_in(CaseState::RemedyAgreed);
    let first = remedy(RemedyStatus::Agreed, None);
    let second = remedy(RemedyStatus::Disputed, None);
    let done = remedy(RemedyStatus::Verified, None);
    let remedies = [first.clone(), second.clone(), done.clone()];
    let deliver = |id: RemedyId| CaseCommand::MarkRemedyDelivered { remedy: id, evidence: "receipt".into() };

    assert_eq!(
        decide_now(&case, &remedies, CaseRole::Employer, deliver(RemedyId::new()), None),
        Err(Refusal::UnknownRemedy)
    );
    assert_eq!(
        decide_now(&case, &remedies, CaseRole::Employer, deliver(done.id), None),
        Err(Refusal::RemedyNotOwed(RemedyStatus::Verified))
    );
    assert_eq!(
        decide_now(&case, &remedies, CaseRole::Supervisor, deliver(first.id), None),
        Err(Refusal::NotResponsibleForRemedy)
    );

    let partial = decide_now(&case, &remedies, CaseRole::Employer, deliver(first.id), None).unwrap();
    assert_eq!(partial.to, CaseState::RemedyAgreed);
    assert!(!partial.changes_state());
    assert_eq!(partial.update.state, None);
    assert_eq!(partial.event.reason.as_deref(), Some("receipt"));
    assert_eq!(
        partial.remedies,
        vec![RemedyChange::Step {
            id: first.id,
            from: RemedyStatus::Agreed,
            to: RemedyStatus::Delivered,
            evidence: Some("receipt".into())
        }]
    );

    let remaining = [Remedy { status: RemedyStatus::Delivered, ..first }, second.clone()];
    let last = decide_now(&case, &remaining, CaseRole::Employer, deliver(second.id), None).unwrap();
    assert_eq!(last.to, CaseState::RemedyDelivered);
    assert_eq!(last.update.stage_due_at, Some(Some(t0() + Duration::days(30))));
}

#[test]
fn confirming_verifies_what_was_delivered_and_records_the_rating() {
    let case = case_in(CaseState::RemedyDelivered);
    let remedies = [remedy(RemedyStatus::Delivered, None), remedy(RemedyStatus::Verified, None)];
    let command = CaseCommand::ConfirmRemedy { rating: Rating::new(5), comment: Some("thank you".into()) };
    let decision = decide_now(&case, &remedies, CaseRole::Worker, command, None).unwrap();
    assert_eq!(decision.to, CaseState::RemedyVerified);
    assert_eq!(decision.remedies.len(), 1);
    assert_eq!(decision.update.remedy_verified_at, Some(t0()));
    assert_eq!(decision.update.satisfaction, Some((Some(5), Some("thank you".into()))));
    assert_eq!(decision.event.details["rating"], 5);
}

#[test]
fn a_dispute_makes_the_remedy_owed_again_and_its_due_date_the_clock() {
    let case = case_in(CaseState::RemedyDelivered);
    let due = NaiveDate::from_ymd_opt(2026, 4, 20).unwrap();
    let remedies = [remedy(RemedyStatus::Delivered, Some(due))];
    let decision =
        decide_now(&case, &remedies, CaseRole::Worker, CaseCommand::DisputeRemedy, Some("not returned")).unwrap();
    assert_eq!(decision.to, CaseState::RemedyAgreed);
    assert!(matches!(decision.remedies[..], [RemedyChange::Step { to: RemedyStatus::Disputed, .. }]));
    assert_eq!(decision.update.stage_due_at, Some(Some(due.and_time(NaiveTime::MIN).and_utc() + Duration::days(1))));
}

#[test]
fn finishing_stamps_the_end_and_a_worker_reopens_only_within_the_window() {
    let decision =
        decide_now(&case_in(CaseState::Referred), &[], CaseRole::Worker, CaseCommand::Withdraw, None).unwrap();
    assert_eq!(decision.update.finished_at, Some(Some(t0())));
    assert_eq!(decision.update.stage_due_at, Some(None));

    let recently = Case { finished_at: Some(t0() - Duration::days(10)), ..case_in(CaseState::Withdrawn) };
    let decision = decide_now(&recently, &[], CaseRole::Worker, CaseCommand::Reopen, Some("back")).unwrap();
    assert_eq!(decision.to, CaseState::Acknowledged);
    assert_eq!(decision.update.finished_at, Some(None));

    let long_ago = Case { finished_at: Some(t0() - Duration::days(91)), ..case_in(CaseState::Closed) };
    assert_eq!(
        decide_now(&long_ago, &[], CaseRole::Worker, CaseCommand::Reopen, Some("back")),
        Err(Refusal::ReopenWindowPassed)
    );
    assert!(decide_now(&long_ago, &[], CaseRole::Handler, CaseCommand::Reopen, Some("back")).is_ok());
}

#[test]
fn a_referral_outside_records_the_body() {
    let case = case_in(CaseState::Escalated);
    let command = CaseCommand::ReferExternal { body: ExternalBody::LabourStandardsInspectionOffice };
    let decision = decide_now(&case, &[], CaseRole::Handler, command, Some("unpaid wages")).unwrap();
    assert_eq!(decision.event.details["external_body"], "labour_standards_inspection_office");
    assert_eq!(decision.event.kind, EventKind::Transition);
    assert_eq!(decision.event.visibility, Visibility::Parties);
}

#[test]
fn a_case_that_ends_cancels_what_it_still_owed_and_nothing_delivered() {
    let remedies = [
        remedy(RemedyStatus::Proposed, None),
        remedy(RemedyStatus::Agreed, None),
        remedy(RemedyStatus::Disputed, None),
        remedy(RemedyStatus::Delivered, None),
        remedy(RemedyStatus::Verified, None),
    ];
    let endings = [
        (CaseState::RemedyAgreed, CaseRole::Worker, CaseCommand::Withdraw),
        (CaseState::InMediation, CaseRole::Mediator, CaseCommand::CloseUnresolved),
        (CaseState::ReferredExternal, CaseRole::Handler, CaseCommand::Close),
        (CaseState::RemedyVerified, CaseRole::Handler, CaseCommand::Close),
    ];
    for (state, role, command) in endings {
        let decision = decide_now(&case_in(state), &remedies, role, command, Some("why")).unwrap();
        let cancelled: Vec<RemedyStatus> = decision
            .remedies
            .iter()
            .map(|change| match change {
                RemedyChange::Step { from, to: RemedyStatus::Cancelled, .. } => *from,
                other => panic!("{state}: unexpected {other:?}"),
            })
            .collect();
        assert_eq!(cancelled, [RemedyStatus::Proposed, RemedyStatus::Agreed, RemedyStatus::Disputed], "{state}");
    }
    // A case that goes on keeps its remedies.
    let escalated =
        decide_now(&case_in(CaseState::Referred), &remedies, CaseRole::Handler, CaseCommand::Escalate, Some("late"))
            .unwrap();
    assert!(escalated.remedies.is_empty());
}

#[test]
fn verifying_or_closing_starts_the_reprisal_watch() {
    let delivered = [remedy(RemedyStatus::Delivered, None)];
    let confirm = CaseCommand::ConfirmRemedy { rating: None, comment: None };
    let decision =
        decide_now(&case_in(CaseState::RemedyDelivered), &delivered, CaseRole::Worker, confirm, None).unwrap();
    let watch = Some(Some(t0() + Duration::days(lifecycle::REPRISAL_WATCH_DAYS)));
    assert_eq!(decision.update.reprisal_watch_until, watch);
    let closed = decide_now(&case_in(CaseState::RemedyVerified), &[], CaseRole::Handler, CaseCommand::Close, None);
    assert_eq!(closed.unwrap().update.reprisal_watch_until, watch);
    let withdrawn = decide_now(&case_in(CaseState::Referred), &[], CaseRole::Worker, CaseCommand::Withdraw, None);
    assert_eq!(withdrawn.unwrap().update.reprisal_watch_until, None);
}

#[test]
fn retaliation_reported_in_the_watch_reopens_the_case_as_urgent_for_the_worker_side_only() {
    let closed = case_in(CaseState::Closed);
    let report = |case: &Case, role| {
        decide_now(case, &[], role, CaseCommand::ReportReprisal, Some("my supervisor threatened me"))
    };
    let decision = report(&closed, CaseRole::Worker).unwrap();
    assert_eq!(decision.to, CaseState::Acknowledged);
    assert_eq!(decision.update.priority, Some(Priority::Urgent));
    assert_eq!(decision.update.added_categories, [Category::Reprisal]);
    assert_eq!(decision.update.finished_at, Some(None));
    assert_eq!(decision.update.reprisal_watch_until, Some(None));
    assert_eq!(decision.event.visibility, Visibility::WorkerSide);
    assert_eq!(decision.event.reason.as_deref(), Some("my supervisor threatened me"));
    // Once is enough for the category.
    let again = Case { categories: vec![Category::Reprisal], ..closed.clone() };
    assert!(report(&again, CaseRole::Advocate).unwrap().update.added_categories.is_empty());
    // After the watch, or with no watch, the worker writes to the handlers instead.
    let over = Case { reprisal_watch_until: Some(t0() - Duration::days(1)), ..closed.clone() };
    assert_eq!(report(&over, CaseRole::Worker).unwrap_err(), Refusal::NotInReprisalWatch);
    assert!(!allowed_for(&over, CaseRole::Worker, t0()).contains(&Action::ReportReprisal));
    assert!(allowed_for(&closed, CaseRole::Worker, t0()).contains(&Action::ReportReprisal));
    assert_eq!(report(&closed, CaseRole::Employer).unwrap_err(), Refusal::RoleNotAllowed);
}

/// A decision's update, applied in memory, leaves the case as the database
/// would hold it: what it sets is set (at microseconds), the rest kept, and
/// added categories sorted by name without duplicates.
#[test]
fn an_update_applied_in_memory_sets_what_it_says_and_keeps_the_rest() {
    let mut case = case_in(CaseState::Submitted);
    case.categories = vec![Category::UnpaidWages];
    let at = t0() + Duration::nanoseconds(1_234_567);
    let update = CaseUpdate {
        state: Some(CaseState::Acknowledged),
        stage_entered_at: Some(at),
        stage_due_at: Some(None),
        acknowledged_at: Some(at),
        priority: Some(Priority::Urgent),
        added_categories: vec![Category::Reprisal, Category::UnpaidWages],
        ..CaseUpdate::default()
    };
    let before = case.clone();
    update.apply_to(&mut case);
    assert_eq!(case.state, CaseState::Acknowledged);
    assert_eq!(case.stage_entered_at, t0() + Duration::microseconds(1_234));
    assert_eq!(case.acknowledged_at, Some(t0() + Duration::microseconds(1_234)));
    assert_eq!(case.stage_due_at, None);
    assert_eq!(case.priority, Priority::Urgent);
    assert_eq!(case.categories, vec![Category::Reprisal, Category::UnpaidWages], "by name, once each");
    assert_eq!((case.referred_at, case.finished_at, case.version), (before.referred_at, before.finished_at, 3));
}
