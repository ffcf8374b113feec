//! Who hears what. Called inside the transaction of the change that causes
//! the notification, so the outbox row commits (or not) with it. Recipients
//! are drawn from the case's roles, so nobody hears of a case they may not
//! see; templates carry only the case reference, never the worker's identity.

use chrono::{DateTime, Utc};

use crate::db::{self, DbConnection, outbox::OutboxRow};
use crate::domain::case::{Case, PartyRole, Visibility};
use crate::domain::lifecycle::CaseRole;
use crate::domain::notification::{Channel, NotificationKind, OutboxTopic, Params};
use crate::domain::{LanguageTag, OrganisationId, Role, UserId};
use crate::service::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub address: String,
    pub language: LanguageTag,
}

fn params(case: &Case) -> Params {
    Params {
        reference: case.reference.to_string(),
        case_id: case.id.to_string(),
        state: Some(case.state.as_str().to_owned()),
        due: case.stage_due_at.map(|due| due.format("%Y-%m-%d").to_string()),
        priority: Some(case.priority.as_str().to_owned()),
    }
}

/// Queues one e-mail per distinct address.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: NotificationKind,
    case: &Case,
    recipients: Vec<Recipient>,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    enqueue_with(conn, kind, case, params(case), recipients, now)
}

fn enqueue_with(
    conn: &mut DbConnection,
    kind: NotificationKind,
    case: &Case,
    params: Params,
    mut recipients: Vec<Recipient>,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    recipients.sort_by(|a, b| a.address.cmp(&b.address));
    recipients.dedup_by(|a, b| a.address.eq_ignore_ascii_case(&b.address));
    let params = serde_json::to_string(&params)?;
    let at = db::timestamp(now);
    for recipient in &recipients {
        let row = OutboxRow::pending(
            Channel::Email,
            OutboxTopic::Notification(kind),
            Some(case.id),
            recipient.address.clone(),
            recipient.language.to_string(),
            params.clone(),
            at,
        );
        db::outbox::insert(conn, &row)?;
    }
    Ok(recipients.len())
}

fn to_recipients(rows: Vec<(String, LanguageTag)>) -> Vec<Recipient> {
    rows.into_iter().map(|(address, language)| Recipient { address, language }).collect()
}

fn handlers(conn: &mut DbConnection) -> Result<Vec<Recipient>, Error> {
    Ok(to_recipients(db::users::addresses(conn, Role::Handler, None)?))
}

/// The worker's address: their account's, or the one they gave on intake.
fn worker(conn: &mut DbConnection, case: &Case) -> Result<Vec<Recipient>, Error> {
    if let Some(user) = case.worker_user_id
        && let Some(row) = db::users::find(conn, user)?
        && let Some(email) = row.email
    {
        return Ok(vec![Recipient { address: email, language: row.preferred_language }]);
    }
    let identity = db::case_details::identity_of(conn, case.id)?;
    Ok(identity
        .and_then(|i| i.email)
        .map(|address| vec![Recipient { address, language: case.narrative_language.clone() }])
        .unwrap_or_default())
}

/// An organisation's contact address, or else its staff of the given role.
fn organisation(conn: &mut DbConnection, id: OrganisationId, staff: Role) -> Result<Vec<Recipient>, Error> {
    if let Some(row) = db::organisations::find(conn, id)?
        && let Some(address) = row.contact_email
    {
        return Ok(vec![Recipient { address, language: row.preferred_language }]);
    }
    Ok(to_recipients(db::users::addresses(conn, staff, Some(id))?))
}

fn mediator(conn: &mut DbConnection, user: Option<UserId>) -> Result<Vec<Recipient>, Error> {
    let Some(user) = user else { return Ok(Vec::new()) };
    Ok(db::users::find(conn, user)?
        .and_then(|row| row.email.map(|address| Recipient { address, language: row.preferred_language }))
        .into_iter()
        .collect())
}

fn worker_side(conn: &mut DbConnection, case: &Case) -> Result<Vec<Recipient>, Error> {
    let mut recipients = worker(conn, case)?;
    if let Some(advocate) = case.advocate_organisation_id {
        recipients.extend(organisation(conn, advocate, Role::Advocate)?);
    }
    Ok(recipients)
}

fn parties(
    conn: &mut DbConnection,
    parties: &[(OrganisationId, PartyRole)],
    except: Option<PartyRole>,
) -> Result<Vec<Recipient>, Error> {
    let mut recipients = Vec::new();
    for (org, role) in parties.iter().filter(|(_, role)| Some(*role) != except) {
        let staff = match role {
            PartyRole::Employer => Role::EmployerStaff,
            PartyRole::Supervisor => Role::SupervisingOrgStaff,
        };
        recipients.extend(organisation(conn, *org, staff)?);
    }
    Ok(recipients)
}

pub fn case_submitted(conn: &mut DbConnection, case: &Case, now: DateTime<Utc>) -> Result<(), Error> {
    let recipients = handlers(conn)?;
    enqueue(conn, NotificationKind::CaseSubmitted, case, recipients, now).map(drop)
}

/// After a transition: the worker side hears of every state change, and
/// referral is announced to each party.
pub fn state_changed(
    conn: &mut DbConnection,
    case: &Case,
    case_parties: &[(OrganisationId, PartyRole)],
    referred: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let recipients = worker_side(conn, case)?;
    enqueue(conn, NotificationKind::CaseStateChanged, case, recipients, now)?;
    if referred {
        let recipients = parties(conn, case_parties, None)?;
        enqueue(conn, NotificationKind::CaseReferred, case, recipients, now)?;
    }
    Ok(())
}

/// A new message: everyone who may read it, except its author's side.
pub fn message_posted(
    conn: &mut DbConnection,
    case: &Case,
    case_parties: &[(OrganisationId, PartyRole)],
    visibility: Visibility,
    author: CaseRole,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut recipients = Vec::new();
    if visibility.visible_to(CaseRole::Worker) && !matches!(author, CaseRole::Worker | CaseRole::Advocate) {
        recipients.extend(worker_side(conn, case)?);
    }
    if visibility.visible_to(CaseRole::Employer) {
        let except = match author {
            CaseRole::Employer => Some(PartyRole::Employer),
            CaseRole::Supervisor => Some(PartyRole::Supervisor),
            CaseRole::Worker | CaseRole::Advocate | CaseRole::Handler | CaseRole::Mediator | CaseRole::System => None,
        };
        recipients.extend(parties(conn, case_parties, except)?);
    }
    if author != CaseRole::Mediator {
        recipients.extend(mediator(conn, case.mediator_user_id)?);
    }
    if author != CaseRole::Handler {
        recipients.extend(handlers(conn)?);
    }
    enqueue(conn, NotificationKind::MessagePosted, case, recipients, now).map(drop)
}

/// A stage's time frame ends soon: tell whoever must act.
pub fn deadline_approaching(
    conn: &mut DbConnection,
    case: &Case,
    case_parties: &[(OrganisationId, PartyRole)],
    must_act: &[CaseRole],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut recipients = Vec::new();
    for role in must_act {
        match role {
            CaseRole::Handler => recipients.extend(handlers(conn)?),
            CaseRole::Worker | CaseRole::Advocate => recipients.extend(worker_side(conn, case)?),
            CaseRole::Employer => recipients.extend(parties(conn, case_parties, Some(PartyRole::Supervisor))?),
            CaseRole::Supervisor => recipients.extend(parties(conn, case_parties, Some(PartyRole::Employer))?),
            CaseRole::Mediator => recipients.extend(mediator(conn, case.mediator_user_id)?),
            CaseRole::System => {}
        }
    }
    enqueue(conn, NotificationKind::DeadlineApproaching, case, recipients, now)
}

/// A stage's time frame passed and the lifecycle gives the system nothing to do: tell the handlers.
pub fn deadline_passed(conn: &mut DbConnection, case: &Case, now: DateTime<Utc>) -> Result<usize, Error> {
    let recipients = handlers(conn)?;
    enqueue(conn, NotificationKind::DeadlinePassed, case, recipients, now)
}

/// An agreed remedy is due soon: tell the organisation responsible for it.
pub fn remedy_due_soon(
    conn: &mut DbConnection,
    case: &Case,
    case_parties: &[(OrganisationId, PartyRole)],
    responsible: OrganisationId,
    due: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let own: Vec<(OrganisationId, PartyRole)> =
        case_parties.iter().filter(|(org, _)| *org == responsible).copied().collect();
    let recipients = parties(conn, &own, None)?;
    let params = Params { due: Some(due.format("%Y-%m-%d").to_string()), ..params(case) };
    enqueue_with(conn, NotificationKind::RemedyDueSoon, case, params, recipients, now)
}
