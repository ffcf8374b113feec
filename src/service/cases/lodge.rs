//! Lodging a grievance: by a worker, by an advocate with the worker's
//! consent, or without an account. Every case gets a receipt code, shown
//! once and stored only as a hash.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;

use super::{check_employer, record_event, record_event_telling};
use crate::auth::policy::{self, Actor, CaseAccess, Lodger};
use crate::auth::receipts::ReceiptKeys;
use crate::db::intake::{IdempotencyRow, ReferenceSource};
use crate::db::{self, DbConnection, case_details::IdentityRow, cases::CaseRow};
use crate::domain::case::{CaseReference, Identity, IntakeChannel, LodgedVia, Priority, ResidenceStatus, Visibility};
use crate::domain::catalogue::Category;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::{self, CaseRole, CaseState};
use crate::domain::notification::Happening;
use crate::domain::{CaseId, LanguageTag, OrganisationId, Role, UserId};
use crate::seal::Sealer;
use crate::service::notifications::News;
use crate::service::{Conflict, Error};

/// The employer named in a grievance: registered, or only a name for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployerInput {
    Registered(OrganisationId),
    Named(String),
}

/// How an advocate obtained the worker's consent to act for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvocateConsent {
    /// For example "signed form" or "verbal, witnessed by a colleague".
    pub method: String,
    pub obtained_on: NaiveDate,
}

/// A grievance, already parsed and checked field by field.
#[derive(Debug, Clone)]
pub struct NewCaseInput {
    pub categories: Vec<Category>,
    pub narrative: String,
    pub narrative_language: LanguageTag,
    pub incident_from: Option<NaiveDate>,
    pub incident_to: Option<NaiveDate>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    pub employer: EmployerInput,
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    pub identity: Identity,
    /// Whether the employer and supervising organisation may see the identity.
    pub disclose_identity: bool,
    pub advocate_consent: Option<AdvocateConsent>,
}

/// A client's retry key (`Idempotency-Key`) and a hash of what it sent.
#[derive(Debug, Clone)]
pub struct RetryKey {
    pub key: String,
    pub request_hash: String,
}

/// A retry key within the caller's own namespace, so that two callers'
/// keys never meet.
#[derive(Debug, Clone)]
struct IdempotencyInput {
    scope: String,
    key: String,
    request_hash: String,
}

#[derive(Debug)]
pub struct Lodged {
    pub case_id: CaseId,
    pub reference: CaseReference,
    pub receipt_code: String,
    /// True when this answers a retry of an earlier request.
    pub replayed: bool,
}

/// What lodging needs besides the database: the receipt-code keys, the
/// source of reference numbers and the sealer of personal data.
#[derive(Clone, Copy)]
pub struct Intake<'a> {
    pub receipts: &'a ReceiptKeys,
    pub references: &'a ReferenceSource,
    pub sealer: &'a Sealer,
}

/// Lodges a case: the one way in, for every intake path. One transaction.
#[tracing::instrument(skip_all)]
pub fn lodge(
    conn: &mut DbConnection,
    caller: Option<&Actor>,
    input: NewCaseInput,
    retry_key: Option<RetryKey>,
    keys: Intake<'_>,
    now: DateTime<Utc>,
) -> Result<Lodged, Error> {
    let lodger = policy::lodger(caller)?;
    lodge_as(conn, lodger, IntakeChannel::Online, input, retry_key, keys, now)
}

/// A handler records a grievance received by phone, letter, a visit, a chat
/// app or another channel, for a worker without an account: the receipt
/// code in the answer is for the handler to pass on to the worker.
#[tracing::instrument(skip_all, fields(channel = %channel))]
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    channel: IntakeChannel,
    input: NewCaseInput,
    retry_key: Option<RetryKey>,
    keys: Intake<'_>,
    now: DateTime<Utc>,
) -> Result<Lodged, Error> {
    let lodger = policy::recorder(actor)?;
    if !channel.recorded_by_staff() {
        return Err(Error::validation(
            "channel",
            "not_recorded_by_staff",
            "workers lodge online themselves; record phone, letter, walk_in, chat_app or other",
        ));
    }
    // The worker gave it themselves: no advocate acts here.
    let input = NewCaseInput { advocate_consent: None, ..input };
    lodge_as(conn, lodger, channel, input, retry_key, keys, now)
}

fn lodge_as(
    conn: &mut DbConnection,
    lodger: Lodger,
    channel: IntakeChannel,
    mut input: NewCaseInput,
    retry_key: Option<RetryKey>,
    keys: Intake<'_>,
    now: DateTime<Utc>,
) -> Result<Lodged, Error> {
    let Intake { receipts, references, sealer } = keys;
    let scope = match lodger {
        Lodger::Worker(user) | Lodger::Advocate { user, .. } => format!("cases:{user}"),
        Lodger::Handler { user, .. } => format!("recorded:{user}"),
        Lodger::Anonymous => "intake".to_owned(),
    };
    let idempotency = retry_key.map(|RetryKey { key, request_hash }| IdempotencyInput { scope, key, request_hash });
    input.categories.sort();
    input.categories.dedup();
    if matches!(lodger, Lodger::Advocate { .. }) && input.advocate_consent.is_none() {
        return Err(Error::validation(
            "worker_consent",
            "required",
            "an advocate lodges only with the worker's recorded consent",
        ));
    }
    let receipt_code = match &idempotency {
        Some(key) => receipts.code_for_retry_key(&key.scope, &key.key),
        None => receipts.random_code()?,
    };
    let attempt = db::write_transaction(conn, |conn| {
        if let Some(key) = &idempotency
            && let Some(earlier) = replay(conn, key, &receipt_code)?
        {
            return Ok(earlier);
        }
        insert_case(
            conn,
            (references, sealer),
            (lodger, channel),
            &input,
            idempotency.as_ref(),
            receipts.hash(&receipt_code),
            now,
        )
        .map(|(case_id, reference)| Lodged {
            case_id,
            reference,
            receipt_code: receipt_code.clone(),
            replayed: false,
        })
    });
    match (attempt, &idempotency) {
        // Two retries raced on PostgreSQL: the loser's insert hit the key's
        // primary key. The winner has committed; answer as it did.
        (Err(Error::Conflict(Conflict::Duplicate)), Some(key)) => match replay(conn, key, &receipt_code)? {
            Some(earlier) => Ok(earlier),
            None => {
                // Not a retry: the reference was taken by another writer.
                references.resync();
                Err(Error::Conflict(Conflict::Duplicate))
            }
        },
        (Err(Error::Conflict(Conflict::Duplicate)), None) => {
            references.resync();
            Err(Error::Conflict(Conflict::Duplicate))
        }
        (result, _) => result,
    }
}

/// The answer to an earlier request with the same key, if there was one.
fn replay(conn: &mut DbConnection, key: &IdempotencyInput, receipt_code: &str) -> Result<Option<Lodged>, Error> {
    let Some(row) = db::intake::find_key(conn, &key.scope, &key.key)? else {
        return Ok(None);
    };
    if row.request_hash != key.request_hash {
        return Err(Error::Conflict(Conflict::IdempotencyKeyReused));
    }
    let case = db::cases::find(conn, row.case_id)?.ok_or(Error::NotFound)?;
    Ok(Some(Lodged {
        case_id: case.id,
        reference: CaseReference::parse(&case.reference)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("malformed reference")))?,
        receipt_code: receipt_code.to_owned(),
        replayed: true,
    }))
}

fn insert_case(
    conn: &mut DbConnection,
    (references, sealer): (&ReferenceSource, &Sealer),
    (lodger, channel): (Lodger, IntakeChannel),
    input: &NewCaseInput,
    idempotency: Option<&IdempotencyInput>,
    receipt_hash: String,
    now: DateTime<Utc>,
) -> Result<(CaseId, CaseReference), Error> {
    let employer = match &input.employer {
        EmployerInput::Registered(id) => db::cases::EmployerColumns::linked(&check_employer(conn, *id)?),
        EmployerInput::Named(name) => db::cases::EmployerColumns::named(name),
    };
    let id = CaseId::new();
    let at = db::timestamp(now);
    let reference = CaseReference::new(now.year(), references.next(conn, now.year())?);
    let lodging = Lodging::of(lodger, id, channel);
    let mut row = case_row(id, &reference, input, &lodging, employer, receipt_hash, now);
    row.narrative = sealer.seal(db::cases::narrative_place(&id.to_string()), &input.narrative)?;
    let priority = row.priority;
    db::cases::insert(conn, &row)?;
    db::case_details::insert_categories(conn, id, &input.categories)?;
    db::case_details::insert_identity(conn, &IdentityRow::from_domain(id, input.identity.clone(), at, sealer)?)?;
    if let Some(key) = idempotency {
        let IdempotencyInput { scope, key, request_hash } = key.clone();
        db::intake::insert_key(conn, &IdempotencyRow { scope, key, request_hash, case_id: id, created_at: at })?;
    }
    // The case as stored, without reading it back: it has no parties yet.
    let case = row.into_domain(input.categories.clone())?;
    let access = CaseAccess {
        case_id: id,
        worker_user_id: case.worker_user_id,
        advocate_organisation_id: case.advocate_organisation_id,
        mediator_user_id: case.mediator_user_id,
        parties: Vec::new(),
    };
    // The lodger must be able to read what they lodged.
    if policy::case_role(&lodging.actor, &access).is_none() {
        return Err(Error::internal(anyhow::anyhow!("the lodger cannot see the case they lodged")));
    }
    let details = json!({
        "categories": input.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "priority": priority.as_str(),
        "lodged_via": lodging.via.as_str(),
        "channel": channel.as_str(),
        "identity_disclosed": input.disclose_identity,
    });
    let lodged = NewEvent { to: Some(case.state), ..NewEvent::note(EventKind::Lodged, Visibility::Parties, details) };
    let news = News::new(Happening::Lodged, &case, &[], lodging.role);
    record_event_telling(conn, id, &lodging.actor, lodging.role, &lodged, Some(&news), now)?;
    if let Some(consent) = &input.advocate_consent {
        let details = json!({"method": consent.method, "obtained_on": consent.obtained_on});
        let recorded = NewEvent::note(EventKind::AdvocateConsentRecorded, Visibility::WorkerSide, details);
        record_event(conn, id, &lodging.actor, lodging.role, &recorded, now)?;
    }
    Ok((id, reference))
}

/// Who lodged, as the case records it and as the audit trail names them.
struct Lodging {
    via: LodgedVia,
    channel: IntakeChannel,
    lodged_by: Option<UserId>,
    worker: Option<UserId>,
    advocate_organisation: Option<OrganisationId>,
    role: CaseRole,
    actor: Actor,
}

impl Lodging {
    fn of(lodger: Lodger, case_id: CaseId, channel: IntakeChannel) -> Self {
        match lodger {
            Lodger::Worker(user) => Self {
                via: LodgedVia::Worker,
                channel,
                lodged_by: Some(user),
                worker: Some(user),
                advocate_organisation: None,
                role: CaseRole::Worker,
                actor: Actor::User { id: user, role: Role::Worker, organisation_id: None },
            },
            Lodger::Advocate { user, organisation } => Self {
                via: LodgedVia::Advocate,
                channel,
                lodged_by: Some(user),
                worker: None,
                advocate_organisation: Some(organisation),
                role: CaseRole::Advocate,
                actor: Actor::User { id: user, role: Role::Advocate, organisation_id: Some(organisation) },
            },
            // Recorded for a worker without an account, who follows it with the receipt code.
            Lodger::Handler { user, organisation } => Self {
                via: LodgedVia::Intake,
                channel,
                lodged_by: Some(user),
                worker: None,
                advocate_organisation: None,
                role: CaseRole::Handler,
                actor: Actor::User { id: user, role: Role::Handler, organisation_id: organisation },
            },
            Lodger::Anonymous => Self {
                via: LodgedVia::Intake,
                channel,
                lodged_by: None,
                worker: None,
                advocate_organisation: None,
                role: CaseRole::Worker,
                actor: Actor::CaseSession { case_id },
            },
        }
    }
}

/// A submitted case as stored: its first stage's clock starts now.
fn case_row(
    id: CaseId,
    reference: &CaseReference,
    input: &NewCaseInput,
    lodging: &Lodging,
    employer: db::cases::EmployerColumns,
    receipt_code_hash: String,
    now: DateTime<Utc>,
) -> CaseRow {
    let at = db::timestamp(now);
    let urgent = input.categories.iter().any(|c| c.urgent_by_default());
    let state = CaseState::Submitted;
    CaseRow {
        id,
        reference: reference.to_string(),
        state,
        version: 1,
        priority: if urgent { Priority::Urgent } else { Priority::Normal },
        // Sealed by the caller before the row is written.
        narrative: input.narrative.clone(),
        narrative_language: input.narrative_language.clone(),
        incident_from: input.incident_from,
        incident_to: input.incident_to,
        prefecture: input.prefecture.clone(),
        industry: input.industry.clone(),
        employer_organisation_id: employer.organisation_id,
        employer_name: employer.name,
        nationality: input.nationality.clone(),
        residence_status: input.residence_status,
        lodged_via: lodging.via,
        channel: lodging.channel,
        lodged_by_user_id: lodging.lodged_by,
        worker_user_id: lodging.worker,
        advocate_organisation_id: lodging.advocate_organisation,
        mediator_user_id: None,
        receipt_code_hash,
        identity_disclosure_consent: input.disclose_identity,
        satisfaction_rating: None,
        satisfaction_comment: None,
        created_at: at,
        updated_at: at,
        stage_entered_at: at,
        stage_due_at: lifecycle::stage_due_at(state, urgent, now, None).map(db::timestamp),
        acknowledged_at: None,
        referred_at: None,
        first_response_at: None,
        remedy_verified_at: None,
        finished_at: None,
        reprisal_watch_until: None,
        outer_bound_passed_at: None,
        assigned_handler_user_id: None,
        supervising_organisation_id: employer.supervising_organisation_id,
        employer_key: Some(employer.key),
    }
}
