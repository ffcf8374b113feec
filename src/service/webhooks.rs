//! Webhooks: organisations register endpoints and receive, through the
//! outbox, the case events they may see (a minimal payload: no narrative,
//! no identity, no free text; the API holds the rest).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::{self, Actor};
use crate::db::{self, DbConnection, case_events::EventRow, outbox::OutboxRow, webhooks::WebhookRow};
use crate::domain::case::PartyRole;
use crate::domain::event::EventKind;
use crate::domain::lifecycle::{Action, CaseRole, CaseState};
use crate::domain::notification::{Channel, OutboxTopic};
use crate::domain::{OrganisationId, WebhookId};
use crate::service::Error;

/// What a webhook endpoint receives for each case event: identifiers and
/// states only, never a narrative, an identity or free text (read the case
/// through the API for those). The same event may arrive more than once
/// (deliveries are retried): de-duplicate by `event_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct CaseEventPayload {
    #[serde(rename = "type")]
    pub payload_type: CaseEventType,
    pub event_id: Uuid,
    pub case_id: Uuid,
    #[schema(example = "MG-2026-000123")]
    pub reference: String,
    pub kind: EventKind,
    /// For `transition` events: the lifecycle action taken.
    pub action: Option<Action>,
    pub from_state: Option<CaseState>,
    pub to_state: Option<CaseState>,
    pub occurred_at: DateTime<Utc>,
}

/// The kind of webhook payload; only case events so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub enum CaseEventType {
    #[serde(rename = "case.event")]
    CaseEvent,
}

impl CaseEventPayload {
    pub fn of(event: &EventRow, reference: String) -> Self {
        Self {
            payload_type: CaseEventType::CaseEvent,
            event_id: event.id.as_uuid(),
            case_id: event.case_id.as_uuid(),
            reference,
            kind: event.kind,
            action: event.action,
            from_state: event.from_state,
            to_state: event.to_state,
            occurred_at: event.occurred_at.and_utc(),
        }
    }
}

/// A registered endpoint. Its secret is shown once, by whoever registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    pub created_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self { id: row.id, url: row.url, created_at: row.created_at.and_utc() }
    }
}

pub fn register(
    conn: &mut DbConnection,
    actor: &Actor,
    url: &str,
    secret: String,
    now: DateTime<Utc>,
) -> Result<Webhook, Error> {
    let (organisation, role) = policy::webhook_owner(actor)?;
    let row = WebhookRow {
        id: WebhookId::new(),
        organisation_id: organisation,
        url: url.to_owned(),
        secret,
        active: true,
        created_at: db::timestamp(now),
        role,
    };
    db::webhooks::insert(conn, &row)?;
    Ok(row.into())
}

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<Webhook>, Error> {
    let (organisation, _) = policy::webhook_owner(actor)?;
    Ok(db::webhooks::for_organisation(conn, organisation)?.into_iter().map(Webhook::from).collect())
}

pub fn remove(conn: &mut DbConnection, actor: &Actor, id: WebhookId) -> Result<(), Error> {
    let (organisation, _) = policy::webhook_owner(actor)?;
    if db::webhooks::deactivate(conn, id, organisation)? { Ok(()) } else { Err(Error::NotFound) }
}

/// Queues the event for every webhook whose registrant's role may see it
/// (`policy::webhook_hears`). Runs when the event's dispatch row is fanned out.
pub(crate) fn enqueue_for_event(
    conn: &mut DbConnection,
    payload: &CaseEventPayload,
    visibility: crate::domain::case::Visibility,
    case: crate::service::notifications::Webhooked<'_>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if !db::webhooks::any_active(conn)? {
        return Ok(());
    }
    // Each organisation with its standing on the case.
    let mut audience: Vec<(OrganisationId, CaseRole)> = Vec::new();
    for (organisation, party) in case.parties {
        let role = match party {
            PartyRole::Employer => CaseRole::Employer,
            PartyRole::Supervisor => CaseRole::Supervisor,
        };
        audience.push((*organisation, role));
    }
    if let Some(advocate) = case.advocate {
        audience.push((advocate, CaseRole::Advocate));
    }
    if let Some(mediator) = case.mediator
        && let Some(organisation) = db::users::find(conn, mediator)?.and_then(|u| u.organisation_id)
    {
        audience.push((organisation, CaseRole::Mediator));
    }
    for operator in db::organisations::operators(conn)? {
        audience.push((operator, CaseRole::Handler));
    }
    let case_id = crate::domain::CaseId::from(payload.case_id);
    let event = payload;
    let payload = serde_json::to_string(event)?;
    let at = db::timestamp(now);
    let mut queued: Vec<WebhookId> = Vec::new();
    for (organisation, standing) in audience {
        for hook in db::webhooks::for_organisation(conn, organisation)? {
            // An endpoint registered after the event was recorded did not exist when it happened.
            let registered_later = hook.created_at.and_utc() > event.occurred_at;
            if registered_later || !policy::webhook_hears(hook.role, standing, visibility) || queued.contains(&hook.id)
            {
                continue;
            }
            // The recipient column holds the webhook's id; the worker looks it up.
            let row = OutboxRow::pending(
                Channel::Webhook,
                OutboxTopic::CaseEvent,
                Some(case_id),
                hook.id.to_string(),
                "en".to_owned(),
                payload.clone(),
                at,
            );
            db::outbox::insert(conn, &row)?;
            queued.push(hook.id);
        }
    }
    Ok(())
}
