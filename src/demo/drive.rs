//! Lodging each story's case and walking it, step by step, to its state.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::DemoCase;
use super::cast::{Cast, Employer};
use super::stories::{Against, By, Party, RemedyPlan, Step, Story, Who};
use crate::auth::policy::Actor;
use crate::db::DbConnection;
use crate::domain::case::{ExternalBody, Identity, LodgedVia};
use crate::domain::command::{CaseCommand, Instruction, Rating};
use crate::domain::lifecycle::{Action, CaseState};
use crate::domain::remedy::{Money, NewRemedy};
use crate::domain::{CaseId, LanguageTag, RemedyId, UserId};
use crate::seal::Sealer;
use crate::service::Error;
use crate::service::cases::act;
use crate::service::cases::commands::{self, Classification};
use crate::service::cases::lodge::{self, AdvocateConsent, EmployerInput, NewCaseInput};
use crate::service::cases::read::CaseView;

/// Lodges one story's case and walks its steps to its target state.
pub(super) fn tell(
    conn: &mut DbConnection,
    cast: &Cast,
    story: &Story,
    keys: lodge::Intake<'_>,
    now: DateTime<Utc>,
) -> Result<DemoCase, Error> {
    let lodged_at = now - Duration::hours(story.lodged_hours_ago);
    let (worker_side, lodged_via) = match story.by {
        By::Intake => (None, LodgedVia::Intake),
        By::Worker => (Some(cast.worker.clone()), LodgedVia::Worker),
        By::Advocate => (Some(cast.advocate.clone()), LodgedVia::Advocate),
    };
    let (registered, employer_input, employer_name) = match story.against {
        Against::Registered(index) => {
            let employer = employer(cast, index)?;
            (Some(employer), EmployerInput::Registered(employer.id), employer.name)
        }
        Against::Named(name) => (None, EmployerInput::Named(name.to_owned()), name),
    };
    let input = case_input(story, employer_input, lodged_at.date_naive())?;
    let lodged = lodge::lodge(conn, worker_side.as_ref(), input, None, keys, lodged_at)?;
    let players = Players {
        cast,
        employer: registered,
        worker_side: worker_side.unwrap_or(Actor::CaseSession { case_id: lodged.case_id }),
    };
    let mut case = Running {
        id: lodged.case_id,
        version: 1,
        state: CaseState::Submitted,
        at: lodged_at,
        step: Duration::hours(story.step_hours),
        now,
        sealer: keys.sealer,
    };
    walk(conn, &players, story.steps, &mut case)?;
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
        employer: employer_name.to_owned(),
        receipt_code: (story.by == By::Intake).then_some(lodged.receipt_code),
    })
}

/// The grievance as its worker (or advocate) would lodge it on `today`.
fn case_input(story: &Story, employer: EmployerInput, today: NaiveDate) -> Result<NewCaseInput, Error> {
    Ok(NewCaseInput {
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
    })
}

fn employer(cast: &Cast, index: usize) -> Result<&Employer, Error> {
    cast.employers.get(index).ok_or_else(|| Error::internal(anyhow::anyhow!("no demo employer {index}")))
}

/// Takes each step by the actor it names; remedies are delivered in the order proposed.
fn walk(conn: &mut DbConnection, players: &Players<'_>, steps: &[Step], case: &mut Running) -> Result<(), Error> {
    let handler = &players.cast.handler;
    let mut undelivered = Vec::new().into_iter();
    for step in steps {
        match *step {
            Step::Take(who, action) => case.take(conn, players.actor(who)?, action, None)?,
            Step::TakeBecause(who, action, reason) => case.take(conn, players.actor(who)?, action, Some(reason))?,
            Step::Classify(indicators) => case.classify(conn, handler, indicators)?,
            Step::AssignMediator => case.assign_mediator(conn, handler, players.cast.mediator_id)?,
            Step::Consent => case.consent(conn, &players.worker_side)?,
            Step::Propose(who, plans) => {
                let remedies = plans
                    .iter()
                    .map(|plan| players.remedy(plan, case.due_in(plan.due_in_days)))
                    .collect::<Result<_, _>>()?;
                undelivered = case.propose(conn, players.actor(who)?, remedies)?.into_iter();
            }
            Step::Deliver(who, evidence) => {
                let remedy = undelivered
                    .next()
                    .ok_or_else(|| Error::internal(anyhow::anyhow!("no proposed remedy is left to deliver")))?;
                case.deliver(conn, players.actor(who)?, remedy, evidence)?;
            }
            Step::Confirm(rating, comment) => case.confirm(conn, &players.worker_side, rating, comment)?,
            Step::ReferExternal(body, reason) => case.refer_external(conn, handler, body, reason)?,
            Step::Wait(days) => case.wait(Duration::days(days)),
        }
    }
    Ok(())
}

/// Who a story's steps name: the cast, with the story's employer and worker side.
struct Players<'a> {
    cast: &'a Cast,
    /// `None` for an employer not registered in Madoguchi.
    employer: Option<&'a Employer>,
    /// The worker (by account or receipt session) or their advocate.
    worker_side: Actor,
}

impl Players<'_> {
    fn actor(&self, who: Who) -> Result<&Actor, Error> {
        Ok(match who {
            Who::Handler => &self.cast.handler,
            Who::Mediator => &self.cast.mediator,
            Who::WorkerSide => &self.worker_side,
            Who::EmployerStaff => &self.employer()?.staff,
            Who::SupervisorStaff => &self.employer()?.supervisor_staff,
        })
    }

    fn employer(&self) -> Result<&Employer, Error> {
        self.employer.ok_or_else(|| Error::internal(anyhow::anyhow!("the demo story's employer is not registered")))
    }

    fn remedy(&self, plan: &RemedyPlan, due_date: NaiveDate) -> Result<NewRemedy, Error> {
        let employer = self.employer()?;
        let money = plan
            .money
            .map(|(amount, currency)| Money::parse(amount, currency))
            .transpose()
            .map_err(|message| Error::internal(anyhow::anyhow!("demo remedy amount: {message}")))?;
        Ok(NewRemedy {
            remedy_type: plan.remedy_type,
            description: plan.description.to_owned(),
            responsible_organisation_id: match plan.responsible {
                Party::Employer => employer.id,
                Party::Supervisor => employer.supervisor,
            },
            money,
            due_date: Some(due_date),
        })
    }
}

/// A demo case on its way: its version and its own clock, which moves
/// forward a step per command and never past `now`.
struct Running<'s> {
    sealer: &'s Sealer,
    id: CaseId,
    version: i32,
    state: CaseState,
    at: DateTime<Utc>,
    step: Duration,
    now: DateTime<Utc>,
}

impl Running<'_> {
    fn tick(&mut self) -> DateTime<Utc> {
        self.at = (self.at + self.step).min(self.now);
        self.at
    }

    fn wait(&mut self, pause: Duration) {
        self.at = (self.at + pause).min(self.now);
    }

    /// A date `days` after the case's current time.
    fn due_in(&self, days: i64) -> NaiveDate {
        (self.at + Duration::days(days)).date_naive()
    }

    fn seen(&mut self, view: &CaseView) {
        self.version = view.case.version;
        self.state = view.case.state;
    }

    fn act(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        command: CaseCommand,
        reason: Option<&str>,
    ) -> Result<CaseView, Error> {
        let instruction = Instruction::new(command, reason.map(str::to_owned), self.version);
        let at = self.tick();
        let view = act::act(conn, self.sealer, actor, self.id, instruction, at)?;
        self.seen(&view);
        Ok(view)
    }

    /// A lifecycle action that needs no data.
    fn take(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        action: Action,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        let command = CaseCommand::plain(action)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("the demo takes {action} without its data")))?;
        self.act(conn, actor, command, reason).map(drop)
    }

    fn refer_external(
        &mut self,
        conn: &mut DbConnection,
        handler: &Actor,
        body: ExternalBody,
        reason: &str,
    ) -> Result<(), Error> {
        self.act(conn, handler, CaseCommand::ReferExternal { body }, Some(reason)).map(drop)
    }

    fn propose(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        remedies: Vec<NewRemedy>,
    ) -> Result<Vec<RemedyId>, Error> {
        let view = self.act(conn, actor, CaseCommand::ProposeRemedy { remedies }, None)?;
        Ok(view.remedies.iter().map(|r| r.id).collect())
    }

    fn deliver(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        remedy: RemedyId,
        evidence: &str,
    ) -> Result<(), Error> {
        let command = CaseCommand::MarkRemedyDelivered { remedy, evidence: evidence.to_owned() };
        self.act(conn, actor, command, None).map(drop)
    }

    fn confirm(&mut self, conn: &mut DbConnection, actor: &Actor, rating: i32, comment: &str) -> Result<(), Error> {
        let command = CaseCommand::ConfirmRemedy { rating: Rating::new(rating), comment: Some(comment.to_owned()) };
        self.act(conn, actor, command, None).map(drop)
    }

    fn assign_mediator(&mut self, conn: &mut DbConnection, handler: &Actor, mediator: UserId) -> Result<(), Error> {
        let at = self.tick();
        let view = commands::assign_mediator(conn, self.sealer, handler, self.id, self.version, mediator, at)?;
        self.seen(&view);
        Ok(())
    }

    fn classify(&mut self, conn: &mut DbConnection, handler: &Actor, indicators: &[&str]) -> Result<(), Error> {
        let classification = Classification {
            forced_labour_indicators: Some(indicators.iter().map(|code| (*code).to_owned()).collect()),
            ..Classification::default()
        };
        let at = self.tick();
        let view = commands::classify(conn, self.sealer, handler, self.id, self.version, classification, at)?;
        self.seen(&view);
        Ok(())
    }

    fn consent(&mut self, conn: &mut DbConnection, worker: &Actor) -> Result<(), Error> {
        let at = self.tick();
        let view = commands::set_disclosure_consent(conn, self.sealer, worker, self.id, self.version, true, at)?;
        self.seen(&view);
        Ok(())
    }
}
