//! Lodging each story's case and taking it, step by step, to its state.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::DemoCase;
use super::cast::{Cast, Employer};
use super::stories::{Against, By, Story};
use crate::auth::policy::Actor;
use crate::auth::receipts::ReceiptKeys;
use crate::db::DbConnection;
use crate::domain::case::{ExternalBody, Identity, LodgedVia};
use crate::domain::command::{CaseCommand, Instruction, Rating};
use crate::domain::lifecycle::{Action, CaseState};
use crate::domain::remedy::{Money, NewRemedy, RemedyType};
use crate::domain::{CaseId, LanguageTag, OrganisationId, RemedyId, UserId};
use crate::service::Error;
use crate::service::cases::act;
use crate::service::cases::commands::{self, Classification};
use crate::service::cases::lodge::{self, AdvocateConsent, EmployerInput, NewCaseInput};
use crate::service::cases::read::CaseView;

/// Lodges one story's case and drives it to its target state.
pub(super) fn tell(
    conn: &mut DbConnection,
    cast: &Cast,
    story: &Story,
    receipts: &ReceiptKeys,
    now: DateTime<Utc>,
) -> Result<DemoCase, Error> {
    let lodged_at = now - Duration::hours(story.lodged_hours_ago);
    let today = lodged_at.date_naive();
    let (worker_side, lodged_via) = match story.by {
        By::Intake => (None, LodgedVia::Intake),
        By::Worker => (Some(cast.worker.clone()), LodgedVia::Worker),
        By::Advocate => (Some(cast.advocate.clone()), LodgedVia::Advocate),
    };
    let (employer, employer_name) = match story.against {
        Against::Registered(index) => {
            let employer = employer(cast, index)?;
            (EmployerInput::Registered(employer.id), employer.name.to_owned())
        }
        Against::Named(name) => (EmployerInput::Named(name.to_owned()), name.to_owned()),
    };
    let input = NewCaseInput {
        categories: story.categories.to_vec(),
        narrative: story.narrative.to_owned(),
        narrative_language: LanguageTag::parse(story.language)?,
        incident_from: Some(today - Duration::days(60)),
        incident_to: Some(today - Duration::days(2)),
        prefecture: Some(story.prefecture.to_owned()),
        industry: Some(story.industry.to_owned()),
        employer,
        nationality: Some(story.nationality.to_owned()),
        residence_status: Some(story.residence_status),
        identity: Identity {
            full_name: story.worker_name.map(str::to_owned),
            phone: story.phone.map(str::to_owned),
            ..Identity::default()
        },
        disclose_identity: story.disclose_identity,
        advocate_consent: (story.by == By::Advocate).then(|| AdvocateConsent {
            method: "signed consent form in the worker's language, kept at the NGO office".to_owned(),
            obtained_on: today - Duration::days(1),
        }),
    };
    let lodged = lodge::lodge(conn, worker_side.as_ref(), input, None, receipts, lodged_at)?;
    let mut case = Running {
        id: lodged.case_id,
        version: 1,
        state: CaseState::Submitted,
        at: lodged_at,
        step: Duration::hours(story.step_hours),
        now,
        worker_side: worker_side.unwrap_or(Actor::CaseSession { case_id: lodged.case_id }),
    };
    drive(conn, cast, story, &mut case)?;
    if case.state != story.target {
        return Err(Error::internal(anyhow::anyhow!(
            "demo case {} ended {} instead of {}",
            lodged.reference,
            case.state,
            story.target
        )));
    }
    Ok(DemoCase {
        id: lodged.case_id,
        reference: lodged.reference.to_string(),
        state: case.state,
        lodged_via,
        language: story.language.to_owned(),
        employer: employer_name,
        receipt_code: (story.by == By::Intake).then_some(lodged.receipt_code),
    })
}

pub(super) fn employer(cast: &Cast, index: usize) -> Result<&Employer, Error> {
    cast.employers.get(index).ok_or_else(|| Error::internal(anyhow::anyhow!("no demo employer {index}")))
}

/// The steps that bring each story to its state, each by the actor who may take it.
/// Exhaustive over states: a new state does not compile until it has a demo.
pub(super) fn drive(conn: &mut DbConnection, cast: &Cast, story: &Story, case: &mut Running) -> Result<(), Error> {
    let handler = &cast.handler;
    let mediator = &cast.mediator;
    let worker = case.worker_side.clone();
    let (tokai, musashino) = (employer(cast, 0)?, employer(cast, 1)?);
    match story.target {
        CaseState::Submitted => {}
        CaseState::Acknowledged => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-8", "FL-11"])?;
        }
        CaseState::Referred => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
        }
        CaseState::Responded => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.staff,
                Action::Respond,
                "We are checking the time records for the busy season and will report back within two weeks.",
            )?;
        }
        CaseState::InMediation => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-5", "FL-6"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.supervisor_staff,
                Action::Respond,
                "The cooperative interviewed the line leader and two co-workers; the accounts differ.",
            )?;
            case.assign_mediator(conn, handler, cast.mediator_id)?;
            case.take(conn, mediator, Action::StartMediation)?;
        }
        CaseState::RemedyProposed => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.staff,
                Action::Respond,
                "The 'management fee' was deducted in error; it is not in the contract.",
            )?;
            let due = case.due_in(30);
            case.propose(
                conn,
                &tokai.staff,
                vec![
                    remedy(
                        RemedyType::FinancialCompensation,
                        "Repay the 'management fee' deducted from April to September (6 × ¥30,000)",
                        tokai.id,
                        Some(("180000", "JPY")),
                        Some(due),
                    )?,
                    remedy(
                        RemedyType::Apology,
                        "A written apology in Vietnamese from the factory manager",
                        tokai.id,
                        None,
                        Some(due),
                    )?,
                ],
            )?;
        }
        CaseState::RemedyAgreed => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-9", "FL-2"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &musashino.staff,
                Action::Respond,
                "We did not know about the broker's fees and are ready to discuss reimbursement.",
            )?;
            case.assign_mediator(conn, handler, cast.mediator_id)?;
            case.take(conn, handler, Action::StartMediation)?;
            let (pay_by, change_by) = (case.due_in(45), case.due_in(60));
            case.propose(
                conn,
                mediator,
                vec![
                    remedy(
                        RemedyType::FinancialCompensation,
                        "Reimburse the recruitment fees the worker paid (NPR 650,000 at the day's rate)",
                        musashino.id,
                        Some(("620000", "JPY")),
                        Some(pay_by),
                    )?,
                    remedy(
                        RemedyType::NonRepetition,
                        "Adopt the employer-pays principle and stop working with brokers that charge workers fees",
                        musashino.supervisor,
                        None,
                        Some(change_by),
                    )?,
                ],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
        }
        CaseState::RemedyDelivered => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-7"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.staff,
                Action::Respond,
                "The passport was kept in the office safe; we will return it at once.",
            )?;
            let due = case.due_in(7);
            let remedies = case.propose(
                conn,
                &tokai.staff,
                vec![remedy(
                    RemedyType::Restitution,
                    "Return the passport and residence card to the worker in person",
                    tokai.id,
                    None,
                    Some(due),
                )?],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
            for id in remedies {
                case.deliver(
                    conn,
                    &tokai.staff,
                    id,
                    "Passport and residence card handed back in the presence of the cooperative's staff; \
                     the worker signed a receipt.",
                )?;
            }
        }
        CaseState::RemedyVerified => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-2"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &tokai.supervisor_staff,
                Action::Respond,
                "The cooperative confirms the contract was only given in Japanese.",
            )?;
            case.consent(conn, &worker)?;
            let due = case.due_in(21);
            let remedies = case.propose(
                conn,
                &tokai.supervisor_staff,
                vec![
                    remedy(
                        RemedyType::Restitution,
                        "Move the worker to packing work, as her contract states",
                        tokai.id,
                        None,
                        Some(due),
                    )?,
                    remedy(
                        RemedyType::NonRepetition,
                        "Give every trainee the contract and working conditions in their own language",
                        tokai.supervisor,
                        None,
                        Some(due),
                    )?,
                ],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
            for (id, by, evidence) in [
                (remedies.first(), &tokai.staff, "Transferred to the packing line; new work rota attached."),
                (
                    remedies.get(1),
                    &tokai.supervisor_staff,
                    "Vietnamese contracts handed to all 14 trainees; copies on file at the cooperative.",
                ),
            ] {
                let id = id.copied().ok_or_else(|| Error::internal(anyhow::anyhow!("a remedy is missing")))?;
                case.deliver(conn, by, id, evidence)?;
            }
            case.confirm(conn, &worker, 4, "Cảm ơn, tôi đã được chuyển sang bộ phận đóng gói.")?;
        }
        CaseState::Escalated => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-10", "FL-6"])?;
            case.take(conn, handler, Action::Refer)?;
            case.wait(Duration::days(31));
            case.take_because(
                conn,
                handler,
                Action::Escalate,
                "No response from the employer or the support organisation within 30 days of referral; \
                 the worker's injury was not reported as a workplace accident.",
            )?;
        }
        CaseState::ReferredExternal => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.classify(conn, handler, &["FL-6", "FL-7"])?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                handler,
                Action::Escalate,
                "The worker is to be sent home within a week; there is no time to wait for the employer.",
            )?;
            case.act(
                conn,
                handler,
                CaseCommand::ReferExternal { body: ExternalBody::Otit },
                Some(
                    "Reported to OTIT as a suspected forced return of a technical intern; the NGO accompanies the \
                     worker.",
                ),
            )?;
        }
        CaseState::Closed => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &musashino.staff,
                Action::Respond,
                "We will cooperate with the job change; the ¥300,000 'exit fee' will not be charged.",
            )?;
            case.assign_mediator(conn, handler, cast.mediator_id)?;
            case.take(conn, mediator, Action::StartMediation)?;
            let due = case.due_in(7);
            let remedies = case.propose(
                conn,
                mediator,
                vec![
                    remedy(
                        RemedyType::Restitution,
                        "Issue the certificate of employment and the documents needed for the job change",
                        musashino.id,
                        None,
                        Some(due),
                    )?,
                    remedy(
                        RemedyType::NonRepetition,
                        "Written guidance to the employer on specified skilled workers' right to change jobs",
                        musashino.supervisor,
                        None,
                        Some(due),
                    )?,
                ],
            )?;
            case.take(conn, &worker, Action::AcceptRemedy)?;
            for (id, by, evidence) in [
                (remedies.first(), &musashino.staff, "Certificate of employment sent by registered mail."),
                (remedies.get(1), &musashino.supervisor_staff, "Guidance letter sent; copy shared with the mediator."),
            ] {
                let id = id.copied().ok_or_else(|| Error::internal(anyhow::anyhow!("a remedy is missing")))?;
                case.deliver(conn, by, id, evidence)?;
            }
            case.confirm(conn, &worker, 5, "I started at my new company. Thank you.")?;
            case.take(conn, handler, Action::Close)?;
        }
        CaseState::NotAdmissible => {
            case.take_because(
                conn,
                handler,
                Action::RejectNotAdmissible,
                "A visa question from a former trainee, not a grievance about work in Japan; referred to the \
                 Immigration Services Agency's information centre.",
            )?;
        }
        CaseState::Withdrawn => {
            case.take(conn, handler, Action::Acknowledge)?;
            case.take(conn, handler, Action::Refer)?;
            case.take_because(
                conn,
                &worker,
                Action::Withdraw,
                "Công ty đã bỏ giờ giới nghiêm sau buổi họp với nghiệp đoàn. Tôi không muốn tiếp tục.",
            )?;
        }
    }
    Ok(())
}

pub(super) fn remedy(
    remedy_type: RemedyType,
    description: &str,
    responsible: OrganisationId,
    money: Option<(&str, &str)>,
    due_date: Option<NaiveDate>,
) -> Result<NewRemedy, Error> {
    let money = money
        .map(|(amount, currency)| Money::parse(amount, currency))
        .transpose()
        .map_err(|message| Error::internal(anyhow::anyhow!("demo remedy amount: {message}")))?;
    Ok(NewRemedy {
        remedy_type,
        description: description.to_owned(),
        responsible_organisation_id: responsible,
        money,
        due_date,
    })
}

/// A demo case on its way: its version and its own clock, which moves
/// forward a step per command and never past `now`.
pub(super) struct Running {
    pub(super) id: CaseId,
    pub(super) version: i32,
    pub(super) state: CaseState,
    pub(super) at: DateTime<Utc>,
    pub(super) step: Duration,
    pub(super) now: DateTime<Utc>,
    /// The worker (by account or receipt session) or their advocate.
    pub(super) worker_side: Actor,
}

impl Running {
    pub(super) fn tick(&mut self) -> DateTime<Utc> {
        self.at = (self.at + self.step).min(self.now);
        self.at
    }

    pub(super) fn wait(&mut self, pause: Duration) {
        self.at = (self.at + pause).min(self.now);
    }

    /// A date `days` after the case's current time.
    pub(super) fn due_in(&self, days: i64) -> NaiveDate {
        (self.at + Duration::days(days)).date_naive()
    }

    pub(super) fn seen(&mut self, view: CaseView) -> CaseView {
        self.version = view.case.version;
        self.state = view.case.state;
        view
    }

    pub(super) fn act(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        command: CaseCommand,
        reason: Option<&str>,
    ) -> Result<CaseView, Error> {
        let instruction = Instruction::new(command, reason.map(str::to_owned), self.version);
        let at = self.tick();
        let view = act::act(conn, actor, self.id, instruction, at)?;
        Ok(self.seen(view))
    }

    /// A plain lifecycle action, with no reason given.
    pub(super) fn take(&mut self, conn: &mut DbConnection, actor: &Actor, action: Action) -> Result<CaseView, Error> {
        self.take_because_of(conn, actor, action, None)
    }

    pub(super) fn take_because(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        action: Action,
        reason: &str,
    ) -> Result<CaseView, Error> {
        self.take_because_of(conn, actor, action, Some(reason))
    }

    fn take_because_of(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        action: Action,
        reason: Option<&str>,
    ) -> Result<CaseView, Error> {
        let command = CaseCommand::plain(action)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("the demo takes {action} without its data")))?;
        self.act(conn, actor, command, reason)
    }

    pub(super) fn propose(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        remedies: Vec<NewRemedy>,
    ) -> Result<Vec<RemedyId>, Error> {
        let view = self.act(conn, actor, CaseCommand::ProposeRemedy { remedies }, None)?;
        Ok(view.remedies.iter().map(|r| r.id).collect())
    }

    pub(super) fn deliver(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        remedy: RemedyId,
        evidence: &str,
    ) -> Result<CaseView, Error> {
        self.act(conn, actor, CaseCommand::MarkRemedyDelivered { remedy, evidence: evidence.to_owned() }, None)
    }

    pub(super) fn confirm(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        rating: i32,
        comment: &str,
    ) -> Result<CaseView, Error> {
        let command = CaseCommand::ConfirmRemedy { rating: Rating::new(rating), comment: Some(comment.to_owned()) };
        self.act(conn, actor, command, None)
    }

    pub(super) fn assign_mediator(
        &mut self,
        conn: &mut DbConnection,
        handler: &Actor,
        mediator: UserId,
    ) -> Result<CaseView, Error> {
        let at = self.tick();
        let view = commands::assign_mediator(conn, handler, self.id, self.version, mediator, at)?;
        Ok(self.seen(view))
    }

    pub(super) fn classify(
        &mut self,
        conn: &mut DbConnection,
        handler: &Actor,
        indicators: &[&str],
    ) -> Result<CaseView, Error> {
        let classification = Classification {
            forced_labour_indicators: Some(indicators.iter().map(|code| (*code).to_owned()).collect()),
            ..Classification::default()
        };
        let at = self.tick();
        let view = commands::classify(conn, handler, self.id, self.version, classification, at)?;
        Ok(self.seen(view))
    }

    pub(super) fn consent(&mut self, conn: &mut DbConnection, worker: &Actor) -> Result<CaseView, Error> {
        let at = self.tick();
        let view = commands::set_disclosure_consent(conn, worker, self.id, self.version, true, at)?;
        Ok(self.seen(view))
    }
}
