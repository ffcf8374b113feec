//! The dispatcher: turns a happening on a case into mail rows, from the
//! who-hears-what table in the domain (`Happening::audience`), and a case
//! event into webhook deliveries.
//!
//! Inside the transaction of the change, a command writes ONE row to
//! `dispatches` per happening: what the table needs, copied from the case as
//! it stands after the change (its roles, parties, stage and dates). The
//! outbox worker later fans that row out ([`fan_out`]), resolving the
//! addresses of those the table tells, in its own transaction; so a command
//! pays one insert for its notices however many people hear of it, and the
//! row commits (or not) with the change. Recipients are drawn from the case's
//! roles, so nobody hears of a case they may not see; notices carry only the
//! reference, the stage and its dates, never the worker's identity or narrative.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::db::{self, DbConnection, case_events::EventRow, outbox::OutboxRow};
use crate::domain::case::{Case, PartyRole, Priority, Visibility};
use crate::domain::lifecycle::{CaseRole, CaseState};
use crate::domain::notification::{Audience, Channel, Happening, OutboxTopic, Params};
use crate::domain::{CaseId, LanguageTag, OrganisationId, Role, UserId};
use crate::seal::Sealer;
use crate::service::Error;
use crate::service::webhooks::CaseEventPayload;

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

/// What the dispatcher knows of a case: copied from it at the change.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CaseFacts {
    id: CaseId,
    reference: String,
    state: CaseState,
    priority: Priority,
    stage_due_at: Option<DateTime<Utc>>,
    narrative_language: LanguageTag,
    worker_user_id: Option<UserId>,
    advocate_organisation_id: Option<OrganisationId>,
    mediator_user_id: Option<UserId>,
    /// The handler who owns the case (told of an assignment).
    #[serde(default)]
    assigned_handler_user_id: Option<UserId>,
    parties: Vec<(OrganisationId, PartyRole)>,
}

impl CaseFacts {
    fn of(case: &Case, parties: &[(OrganisationId, PartyRole)]) -> Self {
        Self {
            id: case.id,
            reference: case.reference.to_string(),
            state: case.state,
            priority: case.priority,
            stage_due_at: case.stage_due_at,
            narrative_language: case.narrative_language.clone(),
            worker_user_id: case.worker_user_id,
            advocate_organisation_id: case.advocate_organisation_id,
            mediator_user_id: case.mediator_user_id,
            assigned_handler_user_id: case.assigned_handler_user_id,
            parties: parties.to_vec(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct NewsFacts {
    happening: Happening,
    actor: CaseRole,
    must_act: Vec<CaseRole>,
    remedy: Option<(OrganisationId, NaiveDate)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EventFacts {
    payload: CaseEventPayload,
    visibility: Visibility,
}

/// A `dispatches` row: a happening to tell, an event for webhooks, or both.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Dispatch {
    case_id: CaseId,
    /// The case as the change left it; absent for an event recorded without
    /// news (its webhooks' audience is then read when it is fanned out).
    case: Option<CaseFacts>,
    news: Option<NewsFacts>,
    event: Option<EventFacts>,
}

/// Queues the news for whoever the table tells (one row, fanned out later).
pub fn tell(conn: &mut DbConnection, news: &News<'_>, now: DateTime<Utc>) -> Result<(), Error> {
    write(conn, news.case.id, Some(news), None, now)
}

/// Queues a recorded case event for the webhooks that may hear of it, and
/// the news it is, if any, in the same one row.
pub fn record(
    conn: &mut DbConnection,
    event: &EventRow,
    news: Option<&News<'_>>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    write(conn, event.case_id, news, Some(event), now)
}

fn write(
    conn: &mut DbConnection,
    case_id: CaseId,
    news: Option<&News<'_>>,
    event: Option<&EventRow>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let dispatch = Dispatch {
        case_id,
        case: news.map(|news| CaseFacts::of(news.case, news.parties)),
        news: news.map(|news| NewsFacts {
            happening: news.happening,
            actor: news.actor,
            must_act: news.must_act.to_vec(),
            remedy: news.remedy,
        }),
        event: event.map(|event| EventFacts {
            // The reference is filled in when the row is fanned out.
            payload: CaseEventPayload::of(event, news.map(|n| n.case.reference.to_string()).unwrap_or_default()),
            visibility: event.visibility,
        }),
    };
    db::dispatches::insert(conn, case_id, &serde_json::to_string(&dispatch)?, db::timestamp(now))?;
    Ok(())
}

/// Fans out up to `limit` queued happenings, oldest first, in one
/// transaction: their mail and webhook rows are written and the happenings
/// deleted together. Returns how many were fanned out.
pub fn fan_out(conn: &mut DbConnection, sealer: &Sealer, limit: i64, now: DateTime<Utc>) -> Result<usize, Error> {
    db::write_transaction(conn, |conn| {
        let rows = db::dispatches::take(conn, limit)?;
        for row in &rows {
            let dispatch: Dispatch = serde_json::from_str(&row.payload)?;
            deliver(conn, sealer, dispatch, now)?;
        }
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        db::dispatches::delete(conn, &ids)?;
        Ok(rows.len())
    })
}

fn deliver(conn: &mut DbConnection, sealer: &Sealer, dispatch: Dispatch, now: DateTime<Utc>) -> Result<(), Error> {
    let case = match dispatch.case {
        Some(case) => case,
        None => {
            // An event recorded without news: the case as it is now.
            let Some(row) = db::cases::find(conn, dispatch.case_id)? else { return Ok(()) };
            let parties = db::case_details::parties_of(conn, row.id)?
                .into_iter()
                .map(|p| (p.organisation_id, p.party_role))
                .collect::<Vec<_>>();
            let case = row.into_domain(Vec::new())?;
            CaseFacts::of(&case, &parties)
        }
    };
    if let Some(news) = &dispatch.news {
        mail(conn, sealer, &case, news, now)?;
    }
    if let Some(event) = dispatch.event {
        let mut payload = event.payload;
        payload.reference = case.reference.clone();
        crate::service::webhooks::enqueue_for_event(conn, &payload, event.visibility, Webhooked::of(&case), now)?;
    }
    Ok(())
}

/// The organisations that may hear of a case's events by webhook, with their standing.
pub(crate) struct Webhooked<'a> {
    pub parties: &'a [(OrganisationId, PartyRole)],
    pub advocate: Option<OrganisationId>,
    pub mediator: Option<UserId>,
}

impl<'a> Webhooked<'a> {
    fn of(case: &'a CaseFacts) -> Self {
        Self { parties: &case.parties, advocate: case.advocate_organisation_id, mediator: case.mediator_user_id }
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
fn mail(
    conn: &mut DbConnection,
    sealer: &Sealer,
    case: &CaseFacts,
    news: &NewsFacts,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let audience = news.happening.audience();
    let roles: &[CaseRole] = match audience {
        Audience::Roles(roles) => roles,
        Audience::WhoMustAct => &news.must_act,
        Audience::ResponsibleOrganisation | Audience::AssignedHandler => &[],
    };
    let mut recipients = Vec::new();
    for &role in roles {
        if role == news.actor && !news.happening.tells_the_actor() {
            continue;
        }
        recipients.extend(of_role(conn, sealer, case, role)?);
    }
    if let (Audience::ResponsibleOrganisation, Some((responsible, _))) = (audience, news.remedy) {
        for (org, party) in case.parties.iter().filter(|(org, _)| *org == responsible) {
            recipients.extend(organisation(conn, *org, party_staff(*party), party_case_role(*party))?);
        }
    }
    // The command tells of an assignment only when the actor gave the case to someone else.
    if audience == Audience::AssignedHandler {
        recipients.extend(handler(conn, case.assigned_handler_user_id)?);
    }
    // The first role an address is reached in wins: the worker comes first, so
    // a shared address never gets more than the worker may be sent.
    let mut seen = std::collections::HashSet::new();
    recipients.retain(|r| seen.insert(r.address.to_lowercase()));
    let base = Params {
        reference: case.reference.clone(),
        case_id: case.id.to_string(),
        state: Some(case.state.as_str().to_owned()),
        due: news
            .remedy
            .map(|(_, due)| due.format("%Y-%m-%d").to_string())
            .or_else(|| case.stage_due_at.map(|due| due.format("%Y-%m-%d").to_string())),
        priority: Some(case.priority.as_str().to_owned()),
        role: None,
    };
    let at = db::timestamp(now);
    for recipient in &recipients {
        let params = Params { role: Some(recipient.role), ..base.clone() };
        let mut row = OutboxRow::pending(
            Channel::Email,
            OutboxTopic::Notification(news.happening),
            Some(case.id),
            recipient.address.clone(),
            recipient.language.to_string(),
            serde_json::to_string(&params)?,
            at,
        );
        row.recipient = sealer.seal(db::outbox::recipient_place(&row.id.to_string()), &recipient.address)?;
        db::outbox::insert(conn, &row)?;
    }
    Ok(recipients.len())
}

fn of_role(
    conn: &mut DbConnection,
    sealer: &Sealer,
    case: &CaseFacts,
    role: CaseRole,
) -> Result<Vec<Recipient>, Error> {
    match role {
        CaseRole::Worker => worker(conn, sealer, case),
        CaseRole::Advocate => match case.advocate_organisation_id {
            Some(advocate) => organisation(conn, advocate, Role::Advocate, CaseRole::Advocate),
            None => Ok(Vec::new()),
        },
        CaseRole::Handler => Ok(tagged(db::users::addresses(conn, Role::Handler, None)?, CaseRole::Handler)),
        CaseRole::Employer | CaseRole::Supervisor => {
            let mut recipients = Vec::new();
            for (org, party) in case.parties.iter().filter(|(_, party)| party_case_role(*party) == role) {
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
fn worker(conn: &mut DbConnection, sealer: &Sealer, case: &CaseFacts) -> Result<Vec<Recipient>, Error> {
    let role = CaseRole::Worker;
    if let Some(user) = case.worker_user_id
        && let Some(row) = db::users::find(conn, user)?
        && row.active
        && let Some(email) = row.email
    {
        return Ok(vec![Recipient { address: email, language: row.preferred_language, role }]);
    }
    let identity = db::case_details::identity_of(conn, case.id)?.map(|row| row.into_domain(sealer)).transpose()?;
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
