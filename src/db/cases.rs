//! Queries on `cases`: insert, find, versioned update, keyset listing.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{case_categories, case_parties, cases};
use super::timestamp;
use crate::domain::decision::CaseUpdate;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: String,
    pub reference: String,
    pub state: String,
    pub version: i32,
    pub priority: String,
    pub narrative: String,
    pub narrative_language: String,
    pub incident_from: Option<NaiveDate>,
    pub incident_to: Option<NaiveDate>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    pub employer_organisation_id: Option<String>,
    pub employer_name: Option<String>,
    pub nationality: Option<String>,
    pub residence_status: Option<String>,
    pub lodged_via: String,
    pub lodged_by_user_id: Option<String>,
    pub worker_user_id: Option<String>,
    pub advocate_organisation_id: Option<String>,
    pub mediator_user_id: Option<String>,
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
}

/// What a command changes on a case; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub state: Option<String>,
    pub priority: Option<String>,
    pub stage_entered_at: Option<NaiveDateTime>,
    pub stage_due_at: Option<Option<NaiveDateTime>>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub referred_at: Option<NaiveDateTime>,
    pub first_response_at: Option<NaiveDateTime>,
    pub remedy_verified_at: Option<NaiveDateTime>,
    pub finished_at: Option<Option<NaiveDateTime>>,
    pub employer_organisation_id: Option<Option<String>>,
    pub mediator_user_id: Option<Option<String>>,
    pub identity_disclosure_consent: Option<bool>,
    pub satisfaction_rating: Option<Option<i32>>,
    pub satisfaction_comment: Option<Option<String>>,
}

impl From<&CaseUpdate> for CaseChanges {
    fn from(update: &CaseUpdate) -> Self {
        let (satisfaction_rating, satisfaction_comment) = match &update.satisfaction {
            Some((rating, comment)) => (Some(*rating), Some(comment.clone())),
            None => (None, None),
        };
        Self {
            state: update.state.map(|s| s.as_str().to_owned()),
            stage_entered_at: update.stage_entered_at.map(timestamp),
            stage_due_at: update.stage_due_at.map(|due| due.map(timestamp)),
            acknowledged_at: update.acknowledged_at.map(timestamp),
            referred_at: update.referred_at.map(timestamp),
            first_response_at: update.first_response_at.map(timestamp),
            remedy_verified_at: update.remedy_verified_at.map(timestamp),
            finished_at: update.finished_at.map(|at| at.map(timestamp)),
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

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CaseRow>> {
    cases::table.find(id).select(CaseRow::as_select()).first(conn).optional()
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<CaseRow>> {
    cases::table.filter(cases::reference.eq(reference)).select(CaseRow::as_select()).first(conn).optional()
}

/// Applies `changes` only if the case is still at `expected_version`, and
/// bumps the version. `false` means someone else changed the case first.
pub fn update_versioned(
    conn: &mut DbConnection,
    id: &str,
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

/// Which cases a list is drawn from (see the access policy).
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    Worker(String),
    AdvocateOrganisation(String),
    Mediator(String),
    Party { organisation_id: String, party_role: String },
    OneCase(String),
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub state: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub party_organisation_id: Option<String>,
    /// Only cases whose stage was due before this time.
    pub overdue_at: Option<NaiveDateTime>,
    pub created_from: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
}

/// Newest first, keyset on id (UUIDv7): a case added while a client pages
/// through sorts before the first page, so pages never shift.
pub fn list(
    conn: &mut DbConnection,
    scope: Scope,
    filter: &ListFilter,
    before_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let mut query = cases::table.select(CaseRow::as_select()).limit(limit).into_boxed();
    // SQLite would walk the whole id index looking for the few overdue cases;
    // `+id` stops the ORDER BY from using it, so the due-date index drives the
    // query and the (small) result is sorted. PostgreSQL's planner needs no hint.
    query = match (&*conn, filter.overdue_at.is_some()) {
        (DbConnection::Sqlite(_), true) => query.order(diesel::dsl::sql::<diesel::sql_types::Text>("+cases.id DESC")),
        _ => query.order(cases::id.desc()),
    };
    query = match scope {
        Scope::All => query,
        Scope::Worker(user) => query.filter(cases::worker_user_id.eq(user)),
        Scope::AdvocateOrganisation(org) => query.filter(cases::advocate_organisation_id.eq(org)),
        Scope::Mediator(user) => query.filter(cases::mediator_user_id.eq(user)),
        Scope::Party { organisation_id, party_role } => query.filter(diesel::dsl::exists(
            case_parties::table
                .filter(case_parties::case_id.eq(cases::id))
                .filter(case_parties::organisation_id.eq(organisation_id))
                .filter(case_parties::party_role.eq(party_role)),
        )),
        Scope::OneCase(id) => query.filter(cases::id.eq(id)),
    };
    if let Some(state) = &filter.state {
        query = query.filter(cases::state.eq(state.clone()));
    }
    if let Some(priority) = &filter.priority {
        query = query.filter(cases::priority.eq(priority.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(diesel::dsl::exists(
            case_categories::table
                .filter(case_categories::case_id.eq(cases::id))
                .filter(case_categories::category.eq(category.clone())),
        ));
    }
    if let Some(organisation) = &filter.party_organisation_id {
        query = query.filter(diesel::dsl::exists(
            case_parties::table
                .filter(case_parties::case_id.eq(cases::id))
                .filter(case_parties::organisation_id.eq(organisation.clone())),
        ));
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
        query = query.filter(cases::id.lt(before.to_owned()));
    }
    query.load(conn)
}

impl CaseRow {
    pub fn into_domain(self, categories: Vec<String>) -> anyhow::Result<crate::domain::case::Case> {
        use crate::domain::case::{Case, CaseReference};
        Ok(Case {
            id: self.id.parse()?,
            reference: CaseReference::parse(&self.reference)
                .ok_or_else(|| anyhow::anyhow!("malformed case reference {}", self.reference))?,
            state: self.state.parse()?,
            version: self.version,
            priority: self.priority.parse()?,
            categories: categories.iter().map(|c| c.parse()).collect::<Result<_, _>>()?,
            narrative: self.narrative,
            narrative_language: crate::domain::LanguageTag::parse(&self.narrative_language)?,
            incident_from: self.incident_from,
            incident_to: self.incident_to,
            prefecture: self.prefecture,
            industry: self.industry,
            employer_organisation_id: parse_optional(self.employer_organisation_id)?,
            employer_name: self.employer_name,
            nationality: self.nationality,
            residence_status: self.residence_status.as_deref().map(str::parse).transpose()?,
            lodged_via: self.lodged_via.parse()?,
            worker_user_id: parse_optional(self.worker_user_id)?,
            advocate_organisation_id: parse_optional(self.advocate_organisation_id)?,
            mediator_user_id: parse_optional(self.mediator_user_id)?,
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
        })
    }
}

fn parse_optional<T: std::str::FromStr>(value: Option<String>) -> Result<Option<T>, T::Err> {
    value.as_deref().map(str::parse).transpose()
}
