//! Reading cases: one case as its caller may see it, and keyset-paged lists.

use chrono::{DateTime, Utc};

use super::{Loaded, load_for};
use crate::auth::policy::{self, Actor};
use crate::db::{self, DbConnection, cases::ListFilter};
use crate::domain::case::{Case, CaseEvent, CaseReference, Identity, PartyRole, Priority, Visibility};
use crate::domain::catalogue::Category;
use crate::domain::decision;
use crate::domain::lifecycle::{Action, CaseRole, CaseState};
use crate::domain::remedy::Remedy;
use crate::domain::{CaseId, OrganisationId};
use crate::service::Error;
use crate::service::{Page, fetch_page};

/// A case as one caller may see it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub role: CaseRole,
    /// What this caller may do next.
    pub allowed_actions: Vec<Action>,
    /// `None` when hidden from this caller.
    pub identity: Option<Identity>,
    /// Handlers' assessment; `None` when hidden from this caller (respondents).
    pub forced_labour_indicators: Option<Vec<String>>,
    pub parties: Vec<(OrganisationId, PartyRole)>,
    pub remedies: Vec<Remedy>,
    pub timeline: Vec<CaseEvent>,
}

pub fn get(conn: &mut DbConnection, actor: &Actor, id: CaseId, now: DateTime<Utc>) -> Result<CaseView, Error> {
    let loaded = load_for(conn, actor, id)?;
    view(conn, loaded, now)
}

/// A case by its reference (as printed on the worker's receipt), within the
/// caller's scope; a malformed reference is simply not found.
pub fn get_by_reference(
    conn: &mut DbConnection,
    actor: &Actor,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    let reference = CaseReference::parse(reference).ok_or(Error::NotFound)?;
    let row = db::cases::find_by_reference(conn, reference.as_str())?.ok_or(Error::NotFound)?;
    let loaded = super::load_row(conn, actor, row)?;
    view(conn, loaded, now)
}

pub(crate) fn view(conn: &mut DbConnection, loaded: Loaded, now: DateTime<Utc>) -> Result<CaseView, Error> {
    view_with(conn, loaded, None, now)
}

/// The view, with the remedies when the caller has just read them (and
/// nothing changed them since).
pub(crate) fn view_with(
    conn: &mut DbConnection,
    loaded: Loaded,
    remedies: Option<Vec<Remedy>>,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    let Loaded { mut case, role, access, identity, indicators } = loaded;
    case.categories.retain(|category| policy::sees_category(role, *category));
    let id = case.id;
    let identity = if policy::sees_identity(role, case.identity_disclosure_consent) {
        let row = match identity {
            Some(row) => row,
            None => db::case_details::identity_of(conn, id)?,
        };
        row.map(|row| row.into_domain())
    } else {
        None
    };
    let forced_labour_indicators = policy::sees_assessment(role).then_some(indicators);
    let visibilities: Vec<Visibility> = Visibility::ALL.iter().copied().filter(|v| policy::sees(role, *v)).collect();
    let timeline = db::case_events::for_case(conn, id, &visibilities)?
        .into_iter()
        .map(|row| row.into_domain())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let remedies = match remedies {
        Some(remedies) => remedies,
        None => db::remedies::for_case(conn, case.id)?.into_iter().map(db::remedies::RemedyRow::into_domain).collect(),
    };
    let allowed_actions = decision::allowed_for(&case, role, now);
    Ok(CaseView {
        case,
        role,
        allowed_actions,
        identity,
        forced_labour_indicators,
        parties: access.parties,
        remedies,
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
    pub created_at: DateTime<Utc>,
    pub stage_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    pub party_organisation_id: Option<OrganisationId>,
    pub overdue: bool,
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
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
    if filter.category.is_some_and(|category| !policy::scope_sees_category(scope, category)) {
        return Ok(Page::new(Vec::new(), false, |c: &CaseSummary| c.id.to_string()));
    }
    let db_filter = ListFilter {
        state: filter.state,
        category: filter.category,
        priority: filter.priority,
        party_organisation_id: filter.party_organisation_id,
        overdue_at: filter.overdue.then(|| db::timestamp(now)),
        created_from: filter.created_from.map(db::timestamp),
        created_before: filter.created_before.map(db::timestamp),
    };
    let (rows, has_more) = fetch_page(limit, |limit| db::cases::list(conn, scope, &db_filter, cursor, limit))?;
    let ids: Vec<CaseId> = rows.iter().map(|r| r.id).collect();
    let mut categories = db::case_details::by_case(db::case_details::categories_of(conn, &ids)?);
    let items = rows
        .into_iter()
        .map(|row| {
            let mut own = categories.remove(&row.id).unwrap_or_default();
            own.retain(|category| policy::scope_sees_category(scope, *category));
            let case = row.into_domain(own)?;
            Ok(CaseSummary {
                id: case.id,
                reference: case.reference.to_string(),
                state: case.state,
                priority: case.priority,
                categories: case.categories,
                employer_organisation_id: case.employer_organisation_id,
                employer_name: case.employer_name,
                created_at: case.created_at,
                stage_due_at: case.stage_due_at,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Page::new(items, has_more, |c| c.id.to_string()))
}
