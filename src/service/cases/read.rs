//! Reading cases: one case as its caller may see it, and keyset-paged lists.

use chrono::{DateTime, Utc};

use super::messages::{EvidenceInfo, to_evidence};
use super::{Loaded, load_for};
use crate::auth::policy::{self, Actor, Projection};
use crate::db::{self, DbConnection, cases::Assignee, cases::ListFilter, cases::TextQuery};
use crate::domain::case::{Case, CaseEvent, CaseReference, Identity, IntakeChannel, PartyRole, Priority, Visibility};
use crate::domain::casework;
use crate::domain::catalogue::Category;
use crate::domain::decision;
use crate::domain::lifecycle::{Action, CaseRole, CaseState};
use crate::domain::remedy::Remedy;
use crate::domain::{CaseId, OrganisationId, RemedyId, UserId};
use crate::seal::Sealer;
use crate::service::Error;
use crate::service::{Page, fetch_page};

/// A case as one caller may see it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    /// What happened, in the worker's words (opened from its sealed column).
    pub narrative: String,
    pub role: CaseRole,
    /// What this caller may do next.
    pub allowed_actions: Vec<Action>,
    /// `None` when hidden from this caller.
    pub identity: Option<Identity>,
    /// Handlers' assessment; `None` when hidden from this caller (respondents).
    pub forced_labour_indicators: Option<Vec<String>>,
    pub parties: Vec<(OrganisationId, PartyRole)>,
    pub remedies: Vec<Remedy>,
    /// Files attached to the remedies' delivery, each with its remedy.
    pub remedy_evidence: Vec<(RemedyId, EvidenceInfo)>,
    pub timeline: Vec<CaseEvent>,
}

pub fn get(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    let loaded = load_for(conn, actor, id)?;
    view(conn, sealer, loaded, now)
}

/// A case by its reference (as printed on the worker's receipt), within the
/// caller's scope; a malformed reference is simply not found.
pub fn get_by_reference(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    let reference = CaseReference::parse(reference).ok_or(Error::NotFound)?;
    let row = db::cases::find_by_reference(conn, reference.as_str())?.ok_or(Error::NotFound)?;
    let loaded = super::load_row(conn, actor, row)?;
    view(conn, sealer, loaded, now)
}

pub(crate) fn view(
    conn: &mut DbConnection,
    sealer: &Sealer,
    loaded: Loaded,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    view_with(conn, sealer, loaded, None, now)
}

/// The view, with the remedies when the caller has just read them (and
/// nothing changed them since).
pub(crate) fn view_with(
    conn: &mut DbConnection,
    sealer: &Sealer,
    loaded: Loaded,
    remedies: Option<Vec<Remedy>>,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    let Loaded { mut case, role, access, identity, indicators, sealed_narrative } = loaded;
    let narrative = sealer.open(db::cases::narrative_place(&case.id.to_string()), &sealed_narrative)?;
    let seen = Projection::of(role, case.identity_disclosure_consent);
    case.categories.retain(|category| seen.sees_category(*category));
    if !policy::sees_assignee(role) {
        case.assigned_handler_user_id = None;
    }
    let id = case.id;
    let identity = if seen.identity {
        let row = match identity {
            Some(row) => row,
            None => db::case_details::identity_of(conn, id)?,
        };
        row.map(|row| row.into_domain(sealer)).transpose()?
    } else {
        None
    };
    let forced_labour_indicators = seen.assessment.then_some(indicators);
    let visibilities: Vec<Visibility> = Visibility::ALL.iter().copied().filter(|v| seen.sees(*v)).collect();
    let timeline = db::case_events::for_case(conn, id, &visibilities)?
        .into_iter()
        .map(|row| row.into_domain())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let remedies: Vec<Remedy> = match remedies {
        Some(remedies) => remedies,
        None => db::remedies::for_case(conn, case.id)?.into_iter().map(db::remedies::RemedyRow::into_domain).collect(),
    };
    let remedy_ids: Vec<RemedyId> = remedies.iter().map(|r| r.id).collect();
    // No remedies, no evidence of them: most views skip the query.
    let remedy_evidence = if remedy_ids.is_empty() {
        Default::default()
    } else {
        db::messages::evidence_of_remedies(conn, &remedy_ids)?
            .into_iter()
            .filter(|row| seen.sees(row.visibility))
            .filter_map(|row| row.remedy_id.map(|remedy| to_evidence(row, sealer).map(|info| (remedy, info))))
            .collect::<Result<_, _>>()?
    };
    let allowed_actions = decision::allowed_for(&case, role, now);
    Ok(CaseView {
        case,
        narrative,
        role,
        allowed_actions,
        identity,
        forced_labour_indicators,
        parties: access.parties,
        remedies,
        remedy_evidence,
        timeline,
    })
}

/// A line in a case list.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: CaseId,
    pub reference: String,
    pub state: CaseState,
    pub priority: Priority,
    pub categories: Vec<Category>,
    pub employer_organisation_id: Option<OrganisationId>,
    pub employer_name: Option<String>,
    /// `None` when hidden from the caller (everyone but staff).
    pub assigned_handler_user_id: Option<UserId>,
    pub channel: IntakeChannel,
    pub created_at: DateTime<Utc>,
    pub stage_due_at: Option<DateTime<Utc>>,
}

/// Whose cases a list shows, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// The caller's own cases ("my cases").
    Me,
    Handler(UserId),
    /// Cases no handler owns yet.
    Nobody,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    pub party_organisation_id: Option<OrganisationId>,
    pub overdue: bool,
    pub channel: Option<IntakeChannel>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub assignee: Option<AssigneeFilter>,
    pub employer_organisation_id: Option<OrganisationId>,
    pub supervising_organisation_id: Option<OrganisationId>,
    /// A reference, or the start of an employer's name.
    pub text: Option<String>,
}

/// A text search read as a reference when it is one, else as the start of
/// an employer's name (by the key that counts spellings of one name together).
fn text_query(text: &str) -> Option<TextQuery> {
    if let Some(reference) = CaseReference::parse(text) {
        return Some(TextQuery::Reference(reference.to_string()));
    }
    let key = crate::domain::employer_name::key(text);
    casework::prefix_range(&key).map(|(from, to)| TextQuery::EmployerKey(from, to))
}

pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &CaseFilter,
    cursor: Option<CaseId>,
    limit: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Page<CaseSummary>, Error> {
    let scope = policy::case_scope(actor)?;
    let empty = || Ok(Page::new(Vec::new(), false, |c: &CaseSummary| c.id.to_string()));
    if filter.category.is_some_and(|category| !policy::scope_sees_category(scope, category)) {
        return empty();
    }
    let assignee = match filter.assignee {
        None => None,
        Some(_) if !policy::may_filter_by_assignee(scope) => return Err(Error::Forbidden),
        Some(AssigneeFilter::Me) => Some(Assignee::Handler(actor.user_id().ok_or(Error::Forbidden)?)),
        Some(AssigneeFilter::Handler(user)) => Some(Assignee::Handler(user)),
        Some(AssigneeFilter::Nobody) => Some(Assignee::Nobody),
    };
    let text = match casework::search_text(filter.text.as_deref()) {
        None => None,
        Some(text) => match text_query(&text) {
            Some(query) => Some(query),
            None => return empty(),
        },
    };
    let db_filter = ListFilter {
        state: filter.state,
        category: filter.category,
        priority: filter.priority,
        party_organisation_id: filter.party_organisation_id,
        overdue_at: filter.overdue.then(|| db::timestamp(now)),
        channel: filter.channel,
        created_from: filter.created_from.map(db::timestamp),
        created_before: filter.created_before.map(db::timestamp),
        assignee,
        employer_organisation_id: filter.employer_organisation_id,
        supervising_organisation_id: filter.supervising_organisation_id,
        text,
    };
    let (rows, has_more) = fetch_page(limit, |limit| db::cases::list(conn, scope, &db_filter, cursor, limit))?;
    let ids: Vec<CaseId> = rows.iter().map(|r| r.id).collect();
    let mut categories = db::case_details::by_case(db::case_details::categories_of(conn, &ids)?);
    let sees_assignee = policy::scope_sees_assignee(scope);
    let items = rows
        .into_iter()
        .map(|row| {
            let mut own = categories.remove(&row.id).unwrap_or_default();
            own.retain(|category| policy::scope_sees_category(scope, *category));
            CaseSummary {
                id: row.id,
                reference: row.reference,
                state: row.state,
                priority: row.priority,
                categories: own,
                employer_organisation_id: row.employer_organisation_id,
                employer_name: row.employer_name,
                channel: row.channel,
                assigned_handler_user_id: row.assigned_handler_user_id.filter(|_| sees_assignee),
                created_at: row.created_at.and_utc(),
                stage_due_at: row.stage_due_at.map(|t| t.and_utc()),
            }
        })
        .collect();
    Ok(Page::new(items, has_more, |c| c.id.to_string()))
}
