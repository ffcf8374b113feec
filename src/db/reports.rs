//! Aggregate queries for statistics. Every query shares one filter, written
//! with a fixed list of nullable parameters (`$n IS NULL OR …`) so the same
//! SQL serves both backends and any combination of filters.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::connection::DbConnection;
use crate::domain::remedy::RemedyStatus;

pub use crate::domain::report::ReportFilter;

const WHERE: &str = "($1 IS NULL OR c.created_at >= $1) \
    AND ($2 IS NULL OR c.created_at < $2) \
    AND ($3 IS NULL OR c.state = $3) \
    AND ($4 IS NULL OR EXISTS (SELECT 1 FROM case_categories f4 WHERE f4.case_id = c.id AND f4.category = $4)) \
    AND ($5 IS NULL OR c.employer_organisation_id = $5) \
    AND ($6 IS NULL OR EXISTS (SELECT 1 FROM case_parties f6 WHERE f6.case_id = c.id AND f6.organisation_id = $6 AND f6.party_role = 'supervisor')) \
    AND ($7 IS NULL OR c.nationality = $7) \
    AND ($8 IS NULL OR c.residence_status = $8) \
    AND ($9 IS NULL OR c.prefecture = $9) \
    AND ($10 IS NULL OR c.industry = $10) \
    AND (($11 IS NULL AND $12 IS NULL) \
         OR EXISTS (SELECT 1 FROM case_categories f11 WHERE f11.case_id = c.id AND ',' || $11 || ',' LIKE '%,' || f11.category || ',%') \
         OR EXISTS (SELECT 1 FROM case_indicators f12 WHERE f12.case_id = c.id AND f12.code = $12)) \
    AND ($13 IS NULL OR EXISTS (SELECT 1 FROM case_parties f13 WHERE f13.case_id = c.id AND f13.organisation_id = $13))";

macro_rules! filtered {
    ($sql:expr, $filter:expr) => {
        diesel::sql_query($sql)
            .bind::<Nullable<Timestamp>, _>($filter.created_from.map(super::timestamp))
            .bind::<Nullable<Timestamp>, _>($filter.created_before.map(super::timestamp))
            .bind::<Nullable<Text>, _>($filter.state)
            .bind::<Nullable<Text>, _>($filter.category)
            .bind::<Nullable<Text>, _>($filter.employer_organisation_id)
            .bind::<Nullable<Text>, _>($filter.supervising_organisation_id)
            .bind::<Nullable<Text>, _>($filter.nationality.clone())
            .bind::<Nullable<Text>, _>($filter.residence_status)
            .bind::<Nullable<Text>, _>($filter.prefecture.clone())
            .bind::<Nullable<Text>, _>($filter.industry.clone())
            // Bound as one comma-separated list, matched with LIKE (see `WHERE`).
            .bind::<Nullable<Text>, _>(comma_list(&$filter.norm_categories))
            .bind::<Nullable<Text>, _>($filter.indicator.clone())
            .bind::<Nullable<Text>, _>($filter.party_organisation_id)
    };
}

fn comma_list(categories: &[crate::domain::catalogue::Category]) -> Option<String> {
    (!categories.is_empty()).then(|| categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ValueCount {
    /// What tells one value from another: the organisation id where there is
    /// one, otherwise the value itself.
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    /// What a reader is shown: a code, a month, or a name.
    #[diesel(sql_type = Nullable<Text>)]
    pub value: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// What a dimension groups by, as a SQL expression over `c` (cases) and
/// its joins. Fixed strings only: never built from input.
#[derive(Debug, Clone, Copy)]
pub enum Dimension {
    State,
    Nationality,
    ResidenceStatus,
    Prefecture,
    Industry,
    /// The registered employer's name, or the name the worker gave.
    Employer,
    /// Through referral parties; cases not referred count as none.
    SupervisingOrganisation,
    Month,
    /// A case may count under several categories.
    Category,
    /// How the grievance came in (online, phone, letter, …).
    Channel,
}

fn grouping_sql(conn: &DbConnection, dimension: Dimension) -> String {
    // Month formatting is the one place the dialects differ.
    let month = match conn {
        DbConnection::Postgresql(_) => "to_char(c.created_at, 'YYYY-MM')",
        DbConnection::Sqlite(_) => "strftime('%Y-%m', c.created_at)",
    };
    let cases = "cases c";
    let (key, expr, from) = match dimension {
        Dimension::State => ("c.state", "c.state", cases),
        Dimension::Nationality => ("c.nationality", "c.nationality", cases),
        Dimension::ResidenceStatus => ("c.residence_status", "c.residence_status", cases),
        Dimension::Prefecture => ("c.prefecture", "c.prefecture", cases),
        Dimension::Industry => ("c.industry", "c.industry", cases),
        // Free-text names are grouped as typed here and merged by their key in the service.
        Dimension::Employer => (
            "c.employer_organisation_id",
            "COALESCE(o.name, c.employer_name)",
            "cases c LEFT JOIN organisations o ON o.id = c.employer_organisation_id",
        ),
        Dimension::SupervisingOrganisation => (
            "s.id",
            "s.name",
            "cases c LEFT JOIN case_parties sp ON sp.case_id = c.id AND sp.party_role = 'supervisor' \
             LEFT JOIN organisations s ON s.id = sp.organisation_id",
        ),
        Dimension::Month => (month, month, cases),
        Dimension::Channel => ("c.channel", "c.channel", cases),
        Dimension::Category => ("cc.category", "cc.category", "cases c JOIN case_categories cc ON cc.case_id = c.id"),
    };
    format!(
        "SELECT {key} AS key, {expr} AS value, COUNT(*) AS count FROM {from} WHERE {WHERE} \
         GROUP BY {key}, {expr} ORDER BY {expr}, {key}"
    )
}

pub fn count_by(conn: &mut DbConnection, dimension: Dimension, filter: &ReportFilter) -> QueryResult<Vec<ValueCount>> {
    let sql = grouping_sql(conn, dimension);
    filtered!(sql, filter).load(conn)
}

/// A moment in a case's life that durations are measured to, from lodging.
#[derive(Debug, Clone, Copy)]
pub enum Milestone {
    Acknowledged,
    FirstResponse,
    RemedyVerified,
}

impl Milestone {
    fn column(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged_at",
            Self::FirstResponse => "first_response_at",
            Self::RemedyVerified => "remedy_verified_at",
        }
    }
}

/// How many cases reached a milestone, and the median and 90th percentile
/// of the whole seconds it took them.
#[derive(Debug, Clone, QueryableByName)]
pub struct Quantiles {
    #[diesel(sql_type = BigInt)]
    pub cases: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub median_seconds: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub p90_seconds: Option<i64>,
}

/// The median and 90th percentile of the time to `milestone`, computed in
/// the database so memory does not grow with the cases. The definition is
/// the nearest rank, the same on both backends: of n durations in order,
/// the q-quantile is the one at rank ceil(q * n), here in integer arithmetic
/// ((n + 1) / 2 and (9n + 9) / 10), so no floating point can move a rank.
pub fn quantiles(conn: &mut DbConnection, milestone: Milestone, filter: &ReportFilter) -> QueryResult<Quantiles> {
    let column = milestone.column();
    // Whole seconds between two timestamps: each is truncated to its second first, on both backends alike.
    let seconds = match conn {
        DbConnection::Postgresql(_) => format!(
            "CAST(EXTRACT(EPOCH FROM date_trunc('second', c.{column})) AS BIGINT) \
             - CAST(EXTRACT(EPOCH FROM date_trunc('second', c.created_at)) AS BIGINT)"
        ),
        DbConnection::Sqlite(_) => {
            format!("CAST(strftime('%s', c.{column}) AS INTEGER) - CAST(strftime('%s', c.created_at) AS INTEGER)")
        }
    };
    let sql = format!(
        "SELECT COUNT(*) AS cases, \
         MAX(CASE WHEN rn = (n + 1) / 2 THEN d END) AS median_seconds, \
         MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN d END) AS p90_seconds \
         FROM (SELECT d, ROW_NUMBER() OVER (ORDER BY d) AS rn, COUNT(*) OVER () AS n \
               FROM (SELECT {seconds} AS d FROM cases c WHERE {WHERE} AND c.{column} IS NOT NULL) AS durations) AS ranked"
    );
    filtered!(sql, filter).get_result(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct RatingCount {
    #[diesel(sql_type = BigInt)]
    pub rating: i64,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Cases per satisfaction rating the worker gave (1 to 5).
pub fn ratings(conn: &mut DbConnection, filter: &ReportFilter) -> QueryResult<Vec<RatingCount>> {
    let sql = format!(
        "SELECT CAST(c.satisfaction_rating AS BIGINT) AS rating, COUNT(*) AS count FROM cases c \
         WHERE {WHERE} AND c.satisfaction_rating IS NOT NULL GROUP BY c.satisfaction_rating"
    );
    filtered!(sql, filter).load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CaseCount {
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Cases the filter covers.
pub fn count(conn: &mut DbConnection, filter: &ReportFilter) -> QueryResult<i64> {
    let sql = format!("SELECT COUNT(*) AS count FROM cases c WHERE {WHERE}");
    filtered!(sql, filter).get_result::<CaseCount>(conn).map(|c| c.count)
}

/// Cases whose three-month outer bound passed without an outcome.
pub fn cases_past_outer_bound(conn: &mut DbConnection, filter: &ReportFilter) -> QueryResult<i64> {
    let sql = format!("SELECT COUNT(*) AS count FROM cases c WHERE {WHERE} AND c.outer_bound_passed_at IS NOT NULL");
    filtered!(sql, filter).get_result::<CaseCount>(conn).map(|c| c.count)
}

/// Cases with at least one remedy in one of `statuses`.
pub fn cases_with_remedy(
    conn: &mut DbConnection,
    statuses: &[RemedyStatus],
    filter: &ReportFilter,
) -> QueryResult<i64> {
    // The names are the enum's own fixed strings, never input.
    let statuses = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT COUNT(*) AS count FROM cases c WHERE {WHERE} AND EXISTS \
         (SELECT 1 FROM remedies r WHERE r.case_id = c.id AND r.status IN ({statuses}))"
    );
    filtered!(sql, filter).get_result::<CaseCount>(conn).map(|c| c.count)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MoneyRow {
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Text)]
    pub amount: String,
    /// Remedies delivered with exactly this amount.
    #[diesel(sql_type = BigInt)]
    pub remedies: i64,
}

/// Money delivered to workers (delivered or verified remedies), one row per
/// currency and distinct amount, so memory follows the amounts, not the cases.
pub fn money_delivered(conn: &mut DbConnection, filter: &ReportFilter) -> QueryResult<Vec<MoneyRow>> {
    let sql = format!(
        "SELECT r.currency, r.amount, COUNT(*) AS remedies FROM remedies r JOIN cases c ON c.id = r.case_id \
         WHERE {WHERE} AND r.amount IS NOT NULL AND r.status IN ('delivered', 'verified') \
         GROUP BY r.currency, r.amount"
    );
    filtered!(sql, filter).load(conn)
}

/// Cases with money delivered, per currency.
pub fn cases_with_money(conn: &mut DbConnection, filter: &ReportFilter) -> QueryResult<Vec<ValueCount>> {
    let sql = format!(
        "SELECT r.currency AS key, r.currency AS value, COUNT(DISTINCT r.case_id) AS count \
         FROM remedies r JOIN cases c ON c.id = r.case_id \
         WHERE {WHERE} AND r.amount IS NOT NULL AND r.status IN ('delivered', 'verified') GROUP BY r.currency"
    );
    filtered!(sql, filter).load(conn)
}

/// Overdue open cases per party organisation (a case counts for each party).
pub fn overdue_by_party(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    filter: &ReportFilter,
) -> QueryResult<Vec<ValueCount>> {
    let sql = format!(
        "SELECT o.id AS key, o.name AS value, COUNT(*) AS count FROM cases c \
         JOIN case_parties p ON p.case_id = c.id JOIN organisations o ON o.id = p.organisation_id \
         WHERE {WHERE} AND c.stage_due_at < $14 AND c.state NOT IN ('closed', 'not_admissible', 'withdrawn') \
         GROUP BY o.id, o.name ORDER BY o.name, o.id"
    );
    filtered!(sql, filter).bind::<Timestamp, _>(now).load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ExportRow {
    #[diesel(sql_type = Text)]
    pub id: crate::domain::CaseId,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub priority: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub nationality: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub residence_status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub prefecture: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub industry: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub employer_organisation_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub employer: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub supervising_organisation_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub supervising_organisation: Option<String>,
    #[diesel(sql_type = Text)]
    pub lodged_via: String,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub acknowledged_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub referred_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub first_response_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub remedy_verified_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub finished_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub satisfaction_rating: Option<i64>,
}

/// One page of case-level rows (no narrative, no identity), keyset on id.
pub fn export_page(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    after_id: &str,
    limit: i64,
) -> QueryResult<Vec<ExportRow>> {
    // PostgreSQL merges the page with the supervisor parties from the first
    // party on, for every page (quadratic over an export) unless told that
    // the parties start at the page too. SQLite joins each case by index and
    // numbers `$n` parameters by first appearance, so it goes without.
    let parties_from = match conn {
        DbConnection::Postgresql(_) => "AND sp.case_id > $14",
        DbConnection::Sqlite(_) => "",
    };
    let sql = format!(
        "SELECT c.id, c.created_at, c.state, c.priority, c.nationality, c.residence_status, c.prefecture, \
         c.industry, c.employer_organisation_id, COALESCE(o.name, c.employer_name) AS employer, \
         s.id AS supervising_organisation_id, s.name AS supervising_organisation, \
         c.lodged_via, c.channel, c.acknowledged_at, c.referred_at, c.first_response_at, c.remedy_verified_at, \
         c.finished_at, CAST(c.satisfaction_rating AS BIGINT) AS satisfaction_rating \
         FROM cases c LEFT JOIN organisations o ON o.id = c.employer_organisation_id \
         LEFT JOIN case_parties sp ON sp.case_id = c.id AND sp.party_role = 'supervisor' {parties_from} \
         LEFT JOIN organisations s ON s.id = sp.organisation_id \
         WHERE {WHERE} AND c.id > $14 ORDER BY c.id LIMIT $15"
    );
    filtered!(sql, filter).bind::<Text, _>(after_id).bind::<BigInt, _>(limit).load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct TagSetCount {
    /// The case's categories, comma-separated in order.
    #[diesel(sql_type = Nullable<Text>)]
    pub categories: Option<String>,
    /// The case's forced-labour indicators, comma-separated in order.
    #[diesel(sql_type = Nullable<Text>)]
    pub indicators: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Cases counted by their set of categories and indicators: few distinct
/// sets, from which per-norm counts follow exactly (each case once per norm).
pub fn count_by_tag_set(conn: &mut DbConnection, filter: &ReportFilter) -> QueryResult<Vec<TagSetCount>> {
    // Ordered string aggregation is spelt differently by each backend.
    let (categories, indicators) = match conn {
        DbConnection::Postgresql(_) => (
            "(SELECT string_agg(t.category, ',' ORDER BY t.category) FROM case_categories t WHERE t.case_id = c.id)",
            "(SELECT string_agg(t.code, ',' ORDER BY t.code) FROM case_indicators t WHERE t.case_id = c.id)",
        ),
        DbConnection::Sqlite(_) => (
            "(SELECT group_concat(category, ',') FROM (SELECT t.category FROM case_categories t WHERE t.case_id = c.id ORDER BY t.category))",
            "(SELECT group_concat(code, ',') FROM (SELECT t.code FROM case_indicators t WHERE t.case_id = c.id ORDER BY t.code))",
        ),
    };
    let sql = format!(
        "SELECT categories, indicators, COUNT(*) AS count FROM \
         (SELECT {categories} AS categories, {indicators} AS indicators FROM cases c WHERE {WHERE}) AS tagged \
         GROUP BY categories, indicators"
    );
    filtered!(sql, filter).load(conn)
}
