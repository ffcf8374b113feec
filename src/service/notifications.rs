//! The dispatcher: turns a happening on a case into mail rows, from the
//! who-hears-what table in the domain (`Happening::audience`). Called inside
//! the transaction of the change that causes it, so the outbox rows commit
//! (or not) with it. Recipients are drawn from the case's roles, so nobody
//! hears of a case they may not see; notices carry only the reference, the
//! stage and its dates, never the worker's identity or narrative.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{self, DbConnection, outbox::OutboxRow};
use crate::domain::case::{Case, PartyRole};
use crate::domain::lifecycle::CaseRole;
use crate::domain::notification::{Audience, Channel, Happening, OutboxTopic, Params};
use crate::domain::{LanguageTag, OrganisationId, Role, UserId};
use crate::service::Error;

/// One happening, with what the table needs to resolve its audience.
#[derive(Debug, Clone, Copy)]
pub struct News<'a> {
    pub happening: Happening,
    pub case: &'a Case,
    pub parties: &'a [(OrganisationId, PartyRole)],
    /// Who caused it; they are not told of their own act.
    pub actor: CaseRole,
    /// For a stage reminder: who must act.
    pub must_act: &'a [CaseRole],
    /// For a remedy reminder: the organisation that owes it, and when.
    pub remedy: Option<(OrganisationId, NaiveDate)>,
}

impl<'a> News<'a> {
    pub fn new(
        happening: Happening,
        case: &'a Case,
        parties: &'a [(OrganisationId, PartyRole)],
        actor: CaseRole,
    ) -> Self {
        Self { happening, case, parties, actor, must_act: &[], remedy: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Recipient {
    address: String,
    language: LanguageTag,
    /// How they stand towards the case: the renderer decides from it what the notice may say.
    role: CaseRole,
}

/// Queues one e-mail per distinct address among those the table tells.
pub fn tell(conn: &mut DbConnection, news: &News<'_>, now: DateTime<Utc>) -> Result<usize, Error> {
    let audience = news.happening.audience();
    let roles: &[CaseRole] = match audience {
        Audience::Roles(roles) => roles,
        Audience::WhoMustAct => news.must_act,
        Audience::ResponsibleOrganisation | Audience::AssignedHandler => &[],
    };
    let mut recipients = Vec::new();
    for &role in roles {
        if role == news.actor && !news.happening.tells_the_actor() {
            continue;
        }
        recipients.extend(of_role(conn, news, role)?);
    }
    if let (Audience::ResponsibleOrganisation, Some((responsible, _))) = (audience, news.remedy) {
        for (org, party) in news.parties.iter().filter(|(org, _)| *org == responsible) {
            recipients.extend(organisation(conn, *org, party_staff(*party), party_case_role(*party))?);
        }
    }
    // The command tells of an assignment only when the actor gave the case to someone else.
    if audience == Audience::AssignedHandler {
        recipients.extend(handler(conn, news.case.assigned_handler_user_id)?);
    }
    // The first role an address is reached in wins: the worker comes first, so
    // a shared address never gets more than the worker may be sent.
    let mut seen = std::collections::HashSet::new();
    recipients.retain(|r| seen.insert(r.address.to_lowercase()));
    let base = Params {
        reference: news.case.reference.to_string(),
        case_id: news.case.id.to_string(),
        state: Some(news.case.state.as_str().to_owned()),
        due: news
            .remedy
            .map(|(_, due)| due.format("%Y-%m-%d").to_string())
            .or_else(|| news.case.stage_due_at.map(|due| due.format("%Y-%m-%d").to_string())),
        priority: Some(news.case.priority.as_str().to_owned()),
        role: None,
    };
    let at = db::timestamp(now);
    for recipient in &recipients {
        let params = Params { role: Some(recipient.role), ..base.clone() };
        let row = OutboxRow::pending(
            Channel::Email,
            OutboxTopic::Notification(news.happening),
            Some(news.case.id),
            recipient.address.clone(),
            recipient.language.to_string(),
            serde_json::to_string(&params)?,
            at,
        );
        db::outbox::insert(conn, &row)?;
    }
    Ok(recipients.len())
}

fn of_role(conn: &mut DbConnection, news: &News<'_>, role: CaseRole) -> Result<Vec<Recipient>, Error> {
    let case = news.case;
    match role {
        CaseRole::Worker => worker(conn, case),
        CaseRole::Advocate => match case.advocate_organisation_id {
            Some(advocate) => organisation(conn, advocate, Role::Advocate, CaseRole::Advocate),
            None => Ok(Vec::new()),
        },
        CaseRole::Handler => Ok(tagged(db::users::addresses(conn, Role::Handler, None)?, CaseRole::Handler)),
        CaseRole::Employer | CaseRole::Supervisor => {
            let mut recipients = Vec::new();
            for (org, party) in news.parties.iter().filter(|(_, party)| party_case_role(*party) == role) {
                recipients.extend(organisation(conn, *org, party_staff(*party), role)?);
            }
            Ok(recipients)
        }
        CaseRole::Mediator => mediator(conn, case.mediator_user_id),
        CaseRole::System => Ok(Vec::new()),
    }
}

fn party_staff(party: PartyRole) -> Role {
    match party {
        PartyRole::Employer => Role::EmployerStaff,
        PartyRole::Supervisor => Role::SupervisingOrgStaff,
    }
}

fn party_case_role(party: PartyRole) -> CaseRole {
    match party {
        PartyRole::Employer => CaseRole::Employer,
        PartyRole::Supervisor => CaseRole::Supervisor,
    }
}

fn tagged(rows: Vec<(String, LanguageTag)>, role: CaseRole) -> Vec<Recipient> {
    rows.into_iter().map(|(address, language)| Recipient { address, language, role }).collect()
}

/// The worker's address: their account's, or the one they gave on intake.
fn worker(conn: &mut DbConnection, case: &Case) -> Result<Vec<Recipient>, Error> {
    let role = CaseRole::Worker;
    if let Some(user) = case.worker_user_id
        && let Some(row) = db::users::find(conn, user)?
        && row.active
        && let Some(email) = row.email
    {
        return Ok(vec![Recipient { address: email, language: row.preferred_language, role }]);
    }
    let identity = db::case_details::identity_of(conn, case.id)?;
    Ok(identity
        .and_then(|i| i.email)
        .map(|address| vec![Recipient { address, language: case.narrative_language.clone(), role }])
        .unwrap_or_default())
}

/// An organisation's contact address, or else its active staff of the given role.
fn organisation(
    conn: &mut DbConnection,
    id: OrganisationId,
    staff: Role,
    role: CaseRole,
) -> Result<Vec<Recipient>, Error> {
    if let Some(row) = db::organisations::find(conn, id)?
        && let Some(address) = row.contact_email
    {
        return Ok(vec![Recipient { address, language: row.preferred_language, role }]);
    }
    Ok(tagged(db::users::addresses(conn, staff, Some(id))?, role))
}

fn mediator(conn: &mut DbConnection, user: Option<UserId>) -> Result<Vec<Recipient>, Error> {
    one_user(conn, user, CaseRole::Mediator)
}

fn handler(conn: &mut DbConnection, user: Option<UserId>) -> Result<Vec<Recipient>, Error> {
    one_user(conn, user, CaseRole::Handler)
}

/// One active account's address, told in the given role.
fn one_user(conn: &mut DbConnection, user: Option<UserId>, role: CaseRole) -> Result<Vec<Recipient>, Error> {
    let Some(user) = user else { return Ok(Vec::new()) };
    Ok(db::users::find(conn, user)?
        .filter(|row| row.active)
        .and_then(|row| row.email.map(|address| Recipient { address, language: row.preferred_language, role }))
        .into_iter()
        .collect())
}
