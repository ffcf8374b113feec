//! Queries on `cases`: insert, find, versioned update, keyset listing.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::seal::{Place, SealError, Sealer};

use super::connection::DbConnection;
use super::schema::{case_categories, case_parties, cases};
use super::timestamp;
use crate::domain::case::{Case, CaseReference, CaseScope, IntakeChannel, LodgedVia, Priority, ResidenceStatus};
use crate::domain::catalogue::Category;
use crate::domain::decision::CaseUpdate;
use crate::domain::lifecycle::CaseState;
use crate::domain::{CaseId, LanguageTag, OrganisationId, UserId, employer_name};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: CaseId,
    pub reference: String,
    pub state: CaseState,
    pub version: i32,
    pub priority: Priority,
    pub narrative: String,
    pub narrative_language: LanguageTag,
    pub incident_from: Option<NaiveDate>,
    pub incident_to: Option<NaiveDate>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    pub employer_organisation_id: Option<OrganisationId>,
    pub employer_name: Option<String>,
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    pub lodged_via: LodgedVia,
    pub lodged_by_user_id: Option<UserId>,
    pub worker_user_id: Option<UserId>,
    pub advocate_organisation_id: Option<OrganisationId>,
    pub mediator_user_id: Option<UserId>,
    pub receipt_code_hash: String,
    pub identity_disclosure_consent: bool,
    pub satisfaction_rating: Option<i32>,
    pub satisfaction_comment: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub stage_entered_at: NaiveDateTime,
    pub stage_due_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub referred_at: Option<NaiveDateTime>,
    pub first_response_at: Option<NaiveDateTime>,
    pub remedy_verified_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub reprisal_watch_until: Option<NaiveDateTime>,
    pub outer_bound_passed_at: Option<NaiveDateTime>,
    pub channel: IntakeChannel,
    pub assigned_handler_user_id: Option<UserId>,
    /// Denormalised from the employer's record, for the list filter.
    pub supervising_organisation_id: Option<OrganisationId>,
    /// `employer_name::key` of the employer's name, for the text search.
    pub employer_key: Option<String>,
}

/// The employer columns of a case, with what is denormalised from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerColumns {
    pub organisation_id: Option<OrganisationId>,
    pub name: Option<String>,
    pub supervising_organisation_id: Option<OrganisationId>,
    pub key: String,
}

impl EmployerColumns {
    /// A registered employer: its supervisor and its name's key come along.
    pub fn linked(organisation: &super::organisations::OrganisationRow) -> Self {
        Self {
            organisation_id: Some(organisation.id),
            name: None,
            supervising_organisation_id: organisation.supervising_organisation_id,
            key: employer_name::key(&organisation.name),
        }
    }

    /// An employer known only by the name the worker gave.
    pub fn named(name: &str) -> Self {
        Self {
            organisation_id: None,
            name: Some(name.to_owned()),
            supervising_organisation_id: None,
            key: employer_name::key(name),
        }
    }
}

/// What a command changes on a case; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub state: Option<CaseState>,
    pub priority: Option<Priority>,
    pub stage_entered_at: Option<NaiveDateTime>,
    pub stage_due_at: Option<Option<NaiveDateTime>>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub referred_at: Option<NaiveDateTime>,
    pub first_response_at: Option<NaiveDateTime>,
    pub remedy_verified_at: Option<NaiveDateTime>,
    pub finished_at: Option<Option<NaiveDateTime>>,
    pub employer_organisation_id: Option<Option<OrganisationId>>,
    pub mediator_user_id: Option<Option<UserId>>,
    pub advocate_organisation_id: Option<Option<OrganisationId>>,
    pub receipt_code_hash: Option<String>,
    pub identity_disclosure_consent: Option<bool>,
    pub satisfaction_rating: Option<Option<i32>>,
    pub satisfaction_comment: Option<Option<String>>,
    pub reprisal_watch_until: Option<Option<NaiveDateTime>>,
    pub outer_bound_passed_at: Option<NaiveDateTime>,
    pub assigned_handler_user_id: Option<Option<UserId>>,
    pub supervising_organisation_id: Option<Option<OrganisationId>>,
    pub employer_key: Option<Option<String>>,
}

impl CaseChanges {
    /// Links the registered employer, with its denormalised columns.
    pub fn employer(organisation: &super::organisations::OrganisationRow) -> Self {
        let columns = EmployerColumns::linked(organisation);
        Self {
            employer_organisation_id: Some(columns.organisation_id),
            supervising_organisation_id: Some(columns.supervising_organisation_id),
            employer_key: Some(Some(columns.key)),
            ..Self::default()
        }
    }
}

impl From<&CaseUpdate> for CaseChanges {
    fn from(update: &CaseUpdate) -> Self {
        let (satisfaction_rating, satisfaction_comment) = match &update.satisfaction {
            Some((rating, comment)) => (Some(*rating), Some(comment.clone())),
            None => (None, None),
        };
        Self {
            state: update.state,
            stage_entered_at: update.stage_entered_at.map(timestamp),
            stage_due_at: update.stage_due_at.map(|due| due.map(timestamp)),
            acknowledged_at: update.acknowledged_at.map(timestamp),
            referred_at: update.referred_at.map(timestamp),
            first_response_at: update.first_response_at.map(timestamp),
            remedy_verified_at: update.remedy_verified_at.map(timestamp),
            finished_at: update.finished_at.map(|at| at.map(timestamp)),
            priority: update.priority,
            reprisal_watch_until: update.reprisal_watch_until.map(|until| until.map(timestamp)),
            satisfaction_rating,
            satisfaction_comment,
            ..Self::default()
        }
    }
}

pub fn insert(conn: &mut DbConnection, row: &CaseRow) -> QueryResult<()> {
    diesel::insert_into(cases::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: CaseId) -> QueryResult<Option<CaseRow>> {
    cases::table.find(id).select(CaseRow::as_select()).first(conn).optional()
}

/// A case with the worker's identity, in one statement.
pub fn find_with_identity(
    conn: &mut DbConnection,
    id: CaseId,
) -> QueryResult<Option<(CaseRow, Option<super::case_details::IdentityRow>)>> {
    use super::schema::case_identities;
    cases::table
        .left_join(case_identities::table)
        .filter(cases::id.eq(id))
        .select((CaseRow::as_select(), Option::<super::case_details::IdentityRow>::as_select()))
        .first(conn)
        .optional()
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<CaseRow>> {
    cases::table.filter(cases::reference.eq(reference)).select(CaseRow::as_select()).first(conn).optional()
}

/// Applies `changes` only if the case is still at `expected_version`, and
/// bumps the version. `false` means someone else changed the case first.
pub fn update_versioned(
    conn: &mut DbConnection,
    id: CaseId,
    expected_version: i32,
    updated_at: NaiveDateTime,
    changes: &CaseChanges,
) -> QueryResult<bool> {
    let target = cases::table.filter(cases::id.eq(id)).filter(cases::version.eq(expected_version));
    let updated = diesel::update(target)
        .set((changes, cases::version.eq(expected_version + 1), cases::updated_at.eq(updated_at)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Whose cases a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Handler(UserId),
    /// Cases no handler owns yet.
    Nobody,
}

/// A text search over cases: a reference finds its case; anything else
/// finds cases whose employer's name key starts with the search's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextQuery {
    Reference(String),
    /// The half-open key range `[from, to)`.
    EmployerKey(String, String),
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    pub party_organisation_id: Option<OrganisationId>,
    /// Only cases whose stage was due before this time.
    pub overdue_at: Option<NaiveDateTime>,
    pub channel: Option<IntakeChannel>,
    pub created_from: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
    pub assignee: Option<Assignee>,
    pub employer_organisation_id: Option<OrganisationId>,
    pub supervising_organisation_id: Option<OrganisationId>,
    pub text: Option<TextQuery>,
}

/// The columns of a case list: no narrative, no satisfaction comment.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseListRow {
    pub id: CaseId,
    pub reference: String,
    pub state: CaseState,
    pub priority: Priority,
    pub employer_organisation_id: Option<OrganisationId>,
    pub employer_name: Option<String>,
    pub channel: IntakeChannel,
    pub assigned_handler_user_id: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub stage_due_at: Option<NaiveDateTime>,
}

/// Newest first, keyset on id (UUIDv7): a case added while a client pages
/// through sorts before the first page, so pages never shift.
///
/// Each filter has an index on both databases: `(column, id)` for state,
/// priority, assignee, employer, supervising organisation and employer key,
/// `case_categories (category, case_id)`, `case_parties (organisation_id,
/// case_id)`, the unique reference, and `(stage_due_at, id)` and
/// `(created_at, id)` for the time filters.
pub fn list(
    conn: &mut DbConnection,
    scope: CaseScope,
    filter: &ListFilter,
    before_id: Option<CaseId>,
    limit: i64,
) -> QueryResult<Vec<CaseListRow>> {
    let mut query = cases::table.select(CaseListRow::as_select()).limit(limit).into_boxed();
    // SQLite would walk the whole id index looking for the few cases a
    // range filter (overdue, an employer-name prefix) matches; `+id` stops
    // the ORDER BY from using it, so the range's index drives the query and
    // the (small) result is sorted. PostgreSQL's planner needs no hint.
    let range_filter = filter.overdue_at.is_some() || matches!(filter.text, Some(TextQuery::EmployerKey(..)));
    query = match (&*conn, range_filter) {
        (DbConnection::Sqlite(_), true) => query.order(diesel::dsl::sql::<diesel::sql_types::Text>("+cases.id DESC")),
        _ => query.order(cases::id.desc()),
    };
    query = match scope {
        CaseScope::All => query,
        CaseScope::Worker(user) => query.filter(cases::worker_user_id.eq(user)),
        CaseScope::AdvocateOrganisation(org) => query.filter(cases::advocate_organisation_id.eq(org)),
        CaseScope::Mediator(user) => query.filter(cases::mediator_user_id.eq(user)),
        CaseScope::Party(organisation, role) => query.filter(diesel::dsl::exists(
            case_parties::table
                .filter(case_parties::case_id.eq(cases::id))
                .filter(case_parties::organisation_id.eq(organisation))
                .filter(case_parties::party_role.eq(role)),
        )),
        CaseScope::OneCase(id) => query.filter(cases::id.eq(id)),
    };
    if let Some(state) = filter.state {
        query = query.filter(cases::state.eq(state));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(cases::priority.eq(priority));
    }
    // `id IN (…)` rather than a correlated EXISTS: SQLite then walks the
    // subquery's index (category or organisation first) and looks each case
    // up, in id order, instead of walking every case and probing.
    if let Some(category) = filter.category {
        query = query.filter(cases::id.eq_any(
            case_categories::table.filter(case_categories::category.eq(category)).select(case_categories::case_id),
        ));
    }
    if let Some(organisation) = filter.party_organisation_id {
        query = query.filter(cases::id.eq_any(
            case_parties::table.filter(case_parties::organisation_id.eq(organisation)).select(case_parties::case_id),
        ));
    }
    match filter.assignee {
        Some(Assignee::Handler(user)) => query = query.filter(cases::assigned_handler_user_id.eq(user)),
        Some(Assignee::Nobody) => query = query.filter(cases::assigned_handler_user_id.is_null()),
        None => {}
    }
    if let Some(employer) = filter.employer_organisation_id {
        query = query.filter(cases::employer_organisation_id.eq(employer));
    }
    if let Some(supervisor) = filter.supervising_organisation_id {
        query = query.filter(cases::supervising_organisation_id.eq(supervisor));
    }
    match &filter.text {
        Some(TextQuery::Reference(reference)) => query = query.filter(cases::reference.eq(reference.clone())),
        Some(TextQuery::EmployerKey(from, to)) => {
            query = query.filter(cases::employer_key.ge(from.clone())).filter(cases::employer_key.lt(to.clone()));
        }
        None => {}
    }
    if let Some(channel) = filter.channel {
        query = query.filter(cases::channel.eq(channel));
    }
    if let Some(at) = filter.overdue_at {
        query = query.filter(cases::stage_due_at.lt(at));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(cases::created_at.ge(from));
    }
    if let Some(before) = filter.created_before {
        query = query.filter(cases::created_at.lt(before));
    }
    if let Some(before) = before_id {
        query = query.filter(cases::id.lt(before));
    }
    query.load(conn)
}

/// After an employer's record changed (its name or its supervisor), its
/// cases' denormalised columns follow. Returns how many cases changed.
pub fn refresh_employer_columns(
    conn: &mut DbConnection,
    organisation: &super::organisations::OrganisationRow,
) -> QueryResult<usize> {
    let columns = EmployerColumns::linked(organisation);
    diesel::update(cases::table.filter(cases::employer_organisation_id.eq(organisation.id)))
        .set((
            cases::supervising_organisation_id.eq(columns.supervising_organisation_id),
            cases::employer_key.eq(Some(columns.key)),
        ))
        .execute(conn)
}

/// Open (unfinished) cases per handler, for those given.
pub fn open_cases_per_handler(conn: &mut DbConnection, handlers: &[UserId]) -> QueryResult<Vec<(UserId, i64)>> {
    if handlers.is_empty() {
        return Ok(Vec::new());
    }
    cases::table
        .filter(cases::finished_at.is_null())
        .filter(cases::assigned_handler_user_id.eq_any(handlers.iter().copied().map(Some)))
        .group_by(cases::assigned_handler_user_id)
        .select((cases::assigned_handler_user_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)
}

/// Open (unfinished) cases per mediator, for those given.
pub fn open_cases_per_mediator(conn: &mut DbConnection, mediators: &[UserId]) -> QueryResult<Vec<(UserId, i64)>> {
    if mediators.is_empty() {
        return Ok(Vec::new());
    }
    cases::table
        .filter(cases::finished_at.is_null())
        .filter(cases::mediator_user_id.eq_any(mediators.iter().copied().map(Some)))
        .group_by(cases::mediator_user_id)
        .select((cases::mediator_user_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)
}

/// The ids of cases a mediator is assigned to that touch an organisation
/// (as employer, supervising organisation, advocate or party), unfinished or not.
pub fn mediated_touching(
    conn: &mut DbConnection,
    mediator: UserId,
    organisation: OrganisationId,
) -> QueryResult<Vec<CaseId>> {
    cases::table
        .filter(cases::mediator_user_id.eq(mediator))
        .filter(
            cases::employer_organisation_id
                .eq(organisation)
                .or(cases::supervising_organisation_id.eq(organisation))
                .or(cases::advocate_organisation_id.eq(organisation))
                .or(diesel::dsl::exists(
                    case_parties::table
                        .filter(case_parties::case_id.eq(cases::id))
                        .filter(case_parties::organisation_id.eq(organisation)),
                )),
        )
        .select(cases::id)
        .order(cases::id.asc())
        .load(conn)
}

pub fn narrative_place(case_id: &str) -> Place<'_> {
    Place { table: "cases", column: "narrative", row: case_id }
}

impl CaseRow {
    /// The narrative, opened; it stays out of the domain's `Case`, which
    /// every command loads, and is opened only where it is shown.
    pub fn narrative(&self, sealer: &Sealer) -> Result<String, SealError> {
        sealer.open(narrative_place(&self.id.to_string()), &self.narrative)
    }

    pub fn into_domain(self, categories: Vec<Category>) -> anyhow::Result<Case> {
        Ok(Case {
            id: self.id,
            reference: CaseReference::parse(&self.reference)
                .ok_or_else(|| anyhow::anyhow!("malformed case reference {}", self.reference))?,
            state: self.state,
            version: self.version,
            priority: self.priority,
            categories,
            narrative_language: self.narrative_language,
            incident_from: self.incident_from,
            incident_to: self.incident_to,
            prefecture: self.prefecture,
            industry: self.industry,
            employer_organisation_id: self.employer_organisation_id,
            employer_name: self.employer_name,
            supervising_organisation_id: self.supervising_organisation_id,
            nationality: self.nationality,
            residence_status: self.residence_status,
            lodged_via: self.lodged_via,
            channel: self.channel,
            worker_user_id: self.worker_user_id,
            advocate_organisation_id: self.advocate_organisation_id,
            mediator_user_id: self.mediator_user_id,
            assigned_handler_user_id: self.assigned_handler_user_id,
            identity_disclosure_consent: self.identity_disclosure_consent,
            satisfaction_rating: self.satisfaction_rating,
            satisfaction_comment: self.satisfaction_comment,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            stage_entered_at: self.stage_entered_at.and_utc(),
            stage_due_at: self.stage_due_at.map(|t| t.and_utc()),
            acknowledged_at: self.acknowledged_at.map(|t| t.and_utc()),
            referred_at: self.referred_at.map(|t| t.and_utc()),
            first_response_at: self.first_response_at.map(|t| t.and_utc()),
            remedy_verified_at: self.remedy_verified_at.map(|t| t.and_utc()),
            finished_at: self.finished_at.map(|t| t.and_utc()),
            reprisal_watch_until: self.reprisal_watch_until.map(|t| t.and_utc()),
            outer_bound_passed_at: self.outer_bound_passed_at.map(|t| t.and_utc()),
        })
    }
}
