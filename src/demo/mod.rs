//! Demo data for newcomers (`madoguchi admin seed-demo`): organisations, a
//! user for every role, and a case in every lifecycle state, all made through
//! the same services the API uses, each step by the actor who may take it.
//!
//! It only fills an empty database, so demo accounts never mix with real ones.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::auth::policy::Actor;
use crate::auth::receipts::ReceiptKeys;
use crate::db::DbConnection;
use crate::domain::case::LodgedVia;
use crate::domain::lifecycle::CaseState;
use crate::domain::{CaseId, OrganisationId, OrganisationKind, Role, UserId};
use crate::service::organisations;
use crate::service::users::{self, UserListFilter};
use crate::service::{Conflict, Error};

mod cast;
mod drive;
mod stories;

/// What was created: enough for a newcomer to log in and find their way.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub organisations: Vec<DemoOrganisation>,
    pub logins: Vec<DemoLogin>,
    pub cases: Vec<DemoCase>,
}

#[derive(Debug, Clone)]
pub struct DemoOrganisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

/// One account: log in with `{"<login_field>": login, "password": password}`.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub user_id: UserId,
    pub role: Role,
    /// `email` or `username`.
    pub login_field: &'static str,
    pub login: String,
    pub password: String,
    pub organisation: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DemoCase {
    pub id: CaseId,
    pub reference: String,
    pub state: CaseState,
    pub lodged_via: LodgedVia,
    pub language: String,
    pub employer: String,
    /// Shown for cases lodged without an account, to try `POST /api/v1/intake/session`.
    pub receipt_code: Option<String>,
}

/// Fills an empty database with demo data; refuses if any organisation or user exists.
#[tracing::instrument(skip_all)]
pub fn seed(
    conn: &mut DbConnection,
    receipts: &ReceiptKeys,
    sealer: &crate::seal::Sealer,
    now: DateTime<Utc>,
) -> Result<DemoReport, Error> {
    require_empty(conn)?;
    let setup_at = now - Duration::days(90);
    let mut report = DemoReport { organisations: Vec::new(), logins: Vec::new(), cases: Vec::new() };
    let cast = cast::create_cast(conn, &mut report, setup_at)?;
    let references = crate::db::intake::ReferenceSource::default();
    let keys = crate::service::cases::lodge::Intake { receipts, references: &references, sealer };
    for story in stories::STORIES {
        report.cases.push(drive::tell(conn, &cast, story, keys, now)?);
    }
    Ok(report)
}

fn require_empty(conn: &mut DbConnection) -> Result<(), Error> {
    let organisations = organisations::list(conn, &Actor::System, None, None, Some(1))?;
    let users = users::list(conn, &Actor::System, UserListFilter::default(), None, Some(1))?;
    if organisations.items.is_empty() && users.items.is_empty() {
        Ok(())
    } else {
        Err(Error::Conflict(Conflict::DatabaseNotEmpty))
    }
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Demo data created: {} organisations, {} users, {} cases (one in every lifecycle state).",
            self.organisations.len(),
            self.logins.len(),
            self.cases.len()
        )?;
        writeln!(f, "The passwords are random and shown only now. Demo data only: do not use it in production.")?;
        writeln!(f)?;
        writeln!(
            f,
            "Logins: POST /api/v1/auth/login with {{\"<login with>\": \"<login>\", \"password\": \"<password>\"}}"
        )?;
        let rows = self
            .logins
            .iter()
            .map(|l| {
                vec![
                    l.role.as_str().to_owned(),
                    l.login_field.to_owned(),
                    l.login.clone(),
                    l.password.clone(),
                    l.organisation.clone().unwrap_or_else(|| "-".to_owned()),
                ]
            })
            .collect::<Vec<_>>();
        write_table(f, &["ROLE", "LOGIN WITH", "LOGIN", "PASSWORD", "ORGANISATION"], &rows)?;
        writeln!(f)?;
        writeln!(f, "Organisations: GET /api/v1/admin/organisations (as the admin)")?;
        let rows = self
            .organisations
            .iter()
            .map(|o| vec![o.id.to_string(), o.kind.as_str().to_owned(), o.name.clone()])
            .collect::<Vec<_>>();
        write_table(f, &["ID", "KIND", "NAME"], &rows)?;
        writeln!(f)?;
        writeln!(f, "Cases: GET /api/v1/cases (the handler sees them all)")?;
        let rows = self
            .cases
            .iter()
            .map(|c| {
                vec![
                    c.reference.clone(),
                    c.state.as_str().to_owned(),
                    c.lodged_via.as_str().to_owned(),
                    c.language.clone(),
                    c.employer.clone(),
                ]
            })
            .collect::<Vec<_>>();
        write_table(f, &["REFERENCE", "STATE", "LODGED VIA", "LANGUAGE", "EMPLOYER"], &rows)?;
        writeln!(f)?;
        writeln!(
            f,
            "Receipt codes: POST /api/v1/intake/session with {{\"reference\": \"<reference>\", \"receipt_code\": \"<receipt code>\"}}"
        )?;
        let rows = self
            .cases
            .iter()
            .filter_map(|c| {
                c.receipt_code.as_ref().map(|code| vec![c.reference.clone(), code.clone(), c.state.as_str().to_owned()])
            })
            .collect::<Vec<_>>();
        write_table(f, &["REFERENCE", "RECEIPT CODE", "STATE"], &rows)
    }
}

/// Left-aligned columns, two spaces apart; the last column is not padded.
fn write_table(f: &mut fmt::Formatter<'_>, headers: &[&str], rows: &[Vec<String>]) -> fmt::Result {
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter().filter_map(|row| row.get(i)).map(|cell| cell.chars().count()).chain([h.chars().count()]).max()
        })
        .map(|width| width.unwrap_or(0))
        .collect();
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let width = widths.get(i).copied().unwrap_or(0);
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cast::{PASSWORD_ALPHABET, new_password};
    use super::stories::{Against, By, STORIES, Step, Story, Who};
    use crate::domain::LanguageTag;
    use crate::domain::case::{valid_nationality, valid_prefecture};
    use crate::domain::command::CaseCommand;
    use crate::domain::lifecycle::{self, Action, CaseRole, CaseState};

    #[test]
    fn every_lifecycle_state_has_exactly_one_story() {
        for state in CaseState::ALL {
            let count = STORIES.iter().filter(|s| s.target == *state).count();
            assert_eq!(count, 1, "{state}");
        }
        assert_eq!(STORIES.len(), CaseState::ALL.len());
    }

    /// What the lifecycle makes of a story's steps (the integration test runs them for real).
    fn lifecycle_end(story: &Story) -> CaseState {
        let worker_side = if story.by == By::Advocate { CaseRole::Advocate } else { CaseRole::Worker };
        let registered = matches!(story.against, Against::Registered(_));
        let role = |who: Who| match who {
            Who::Handler => CaseRole::Handler,
            Who::Mediator => CaseRole::Mediator,
            Who::WorkerSide => worker_side,
            Who::EmployerStaff | Who::SupervisorStaff if !registered => {
                panic!("{}: no registered employer", story.target)
            }
            Who::EmployerStaff => CaseRole::Employer,
            Who::SupervisorStaff => CaseRole::Supervisor,
        };
        let (mut state, mut mediator, mut proposed, mut delivered) = (CaseState::Submitted, false, 0, 0);
        for step in story.steps {
            let (who, action, reason) = match *step {
                Step::Take(who, action) => (who, action, None),
                Step::TakeBecause(who, action, reason) => (who, action, Some(reason)),
                Step::Propose(who, plans) => {
                    assert!(registered, "{}: remedies owed by no registered employer", story.target);
                    proposed = plans.len();
                    (who, Action::ProposeRemedy, None)
                }
                Step::Deliver(who, evidence) => {
                    delivered += 1;
                    (who, Action::MarkRemedyDelivered, Some(evidence))
                }
                Step::Confirm(..) => (Who::WorkerSide, Action::ConfirmRemedy, None),
                Step::ReferExternal(_, reason) => (Who::Handler, Action::ReferExternal, Some(reason)),
                Step::AssignMediator => {
                    mediator = true;
                    continue;
                }
                Step::Classify(_) | Step::Consent | Step::Wait(_) => continue,
            };
            if let Step::Take(..) | Step::TakeBecause(..) = step {
                assert!(CaseCommand::plain(action).is_some(), "{}: {action} needs its data", story.target);
            }
            assert!(mediator || action != Action::StartMediation, "{}: no mediator yet", story.target);
            let to = lifecycle::apply(state, action, role(who), reason)
                .unwrap_or_else(|error| panic!("{}: {step:?}: {error}", story.target))
                .to;
            // The case is delivered once the last proposed remedy is.
            if action != Action::MarkRemedyDelivered || delivered == proposed {
                state = to;
            }
        }
        assert!(delivered <= proposed, "{}", story.target);
        state
    }

    #[test]
    fn each_story_steps_reach_its_state_each_by_a_role_that_may_take_it() {
        for story in STORIES {
            assert_eq!(lifecycle_end(story), story.target);
        }
    }

    #[test]
    fn stories_are_valid_grievances_in_many_languages() {
        let mut languages = std::collections::BTreeSet::new();
        for story in STORIES {
            assert!(valid_prefecture(story.prefecture), "{}", story.prefecture);
            assert!(valid_nationality(story.nationality), "{}", story.nationality);
            assert!(LanguageTag::parse(story.language).is_ok(), "{}", story.language);
            assert!(!story.categories.is_empty() && !story.narrative.trim().is_empty());
            assert!(story.narrative.chars().count() <= 20_000);
            assert!(story.lodged_hours_ago > 0 && story.step_hours > 0);
            languages.insert(story.language);
        }
        for language in ["vi", "ne", "id", "my", "zh", "en"] {
            assert!(languages.contains(language), "{language}");
        }
        for by in [By::Intake, By::Worker, By::Advocate] {
            assert!(STORIES.iter().any(|s| s.by == by), "{by:?}");
        }
    }

    #[test]
    fn passwords_are_random_readable_and_long_enough() {
        let first = new_password().unwrap();
        let second = new_password().unwrap();
        assert_ne!(first, second);
        assert!(crate::domain::user::check_password(&first).is_ok());
        assert_eq!(first.len(), 19);
        assert!(first.split('-').all(|group| group.len() == 4));
        assert!(first.bytes().all(|b| b == b'-' || PASSWORD_ALPHABET.contains(&b)), "{first}");
    }
}
