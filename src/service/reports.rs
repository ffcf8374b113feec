//! Statistics for NGOs and the operator (domain.md section 8), with
//! small-cell suppression applied before anything leaves this module.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::policy::{self, Actor};
use crate::db::{self, DbConnection, reports::Dimension, reports::ReportFilter};
use crate::domain::catalogue::{self, Category, Framework};
use crate::domain::disclosure::{self, Cell};
use crate::domain::remedy::RemedyStatus;
use crate::service::Error;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountCell {
    /// The value counted; `null` for cases where it is not known.
    pub value: Option<String>,
    /// A number, or `{"suppressed": true}` when it could identify people.
    pub count: Cell,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Partition {
    pub total: Cell,
    pub cells: Vec<CountCell>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timing {
    pub cases: Cell,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Money {
    pub currency: String,
    pub cases: Cell,
    /// Decimal string; absent when suppressed.
    pub amount: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub generated_at: DateTime<Utc>,
    /// Counts under this are withheld.
    pub suppression_threshold: u64,
    pub total_cases: Cell,
    /// One partition per dimension: each case counts once, and the cells add up to the total.
    pub by_state: Partition,
    pub by_nationality: Partition,
    pub by_residence_status: Partition,
    pub by_prefecture: Partition,
    pub by_industry: Partition,
    pub by_employer: Partition,
    pub by_supervising_organisation: Partition,
    pub by_month: Partition,
    /// A case may have several categories and norms: no totals here.
    pub by_category: Vec<CountCell>,
    pub by_tokyo_declaration: Vec<CountCell>,
    pub by_dhaka_principle: Vec<CountCell>,
    pub by_forced_labour_indicator: Vec<CountCell>,
    pub time_to_acknowledgement: Timing,
    pub time_to_first_response: Timing,
    pub time_to_verified_remedy: Timing,
    /// Shares of all cases in the report.
    pub share_with_agreed_remedy: Option<f64>,
    pub share_with_remedy_verified_by_worker: Option<f64>,
    pub satisfaction: Partition,
    pub satisfaction_average: Option<f64>,
    pub money_delivered: Vec<Money>,
    /// Open cases past their stage's time frame, per party organisation.
    pub overdue_by_organisation: Vec<CountCell>,
    /// Employers named in more than one case.
    pub repeat_respondents: Vec<CountCell>,
}

/// Statistics and exports take only a filter the access policy narrowed.
pub use crate::auth::policy::AuthorisedFilter;

/// Checks the caller may read statistics and narrows the filter to what
/// they may see; a norm filter becomes its categories (and indicator).
pub fn authorised_filter(
    actor: &Actor,
    mut filter: ReportFilter,
    norm: Option<&str>,
) -> Result<AuthorisedFilter, Error> {
    if let Some(code) = norm {
        let Some(found) = catalogue::norm_by_code(code) else {
            return Err(Error::validation("norm", "unknown_norm", "not a norm code such as TD-6, DP-4 or FL-7"));
        };
        filter.norm_categories = Category::ALL.iter().copied().filter(|c| c.norms().contains(&found.code)).collect();
        // The policy drops this for callers who may not see the assessment.
        if found.framework == Framework::IloForcedLabour {
            filter.indicator = Some(found.code.to_owned());
        }
    }
    Ok(policy::authorise_report(actor, filter)?)
}

/// A remedy in any of these was agreed at some point.
const AGREED_AT_SOME_POINT: &[RemedyStatus] =
    &[RemedyStatus::Agreed, RemedyStatus::Delivered, RemedyStatus::Verified, RemedyStatus::Disputed];

/// The summary for a filter that `authorised_filter` produced.
pub fn summary(
    conn: &mut DbConnection,
    filter: &AuthorisedFilter,
    threshold: u64,
    now: DateTime<Utc>,
) -> Result<Summary, Error> {
    let assessment_visible = filter.assessment_visible();
    let filter = filter.filter();
    let k = threshold;
    let mut count_by = |dimension| db::reports::count_by(conn, dimension, filter);
    let by_state = partition(count_by(Dimension::State)?, k);
    let by_nationality = partition(count_by(Dimension::Nationality)?, k);
    let by_residence_status = partition(count_by(Dimension::ResidenceStatus)?, k);
    let by_prefecture = partition(count_by(Dimension::Prefecture)?, k);
    let by_industry = partition(count_by(Dimension::Industry)?, k);
    let by_supervising_organisation = partition(count_by(Dimension::SupervisingOrganisation)?, k);
    let by_month = partition(count_by(Dimension::Month)?, k);
    let categories = pairs(count_by(Dimension::Category)?);
    let employers = count_by(Dimension::Employer)?;
    let repeat_respondents = each(pairs(employers.iter().filter(|r| r.count > 1).cloned().collect()), k);
    let tag_sets = db::reports::count_by_tag_set(conn, filter)?;
    let milestones = db::reports::milestones(conn, filter)?;
    let outcomes = Outcomes::of(&milestones, k);
    let agreed = db::reports::cases_with_remedy(conn, AGREED_AT_SOME_POINT, filter)?;
    let total = milestones.len() as u64;
    Ok(Summary {
        generated_at: now,
        suppression_threshold: k,
        total_cases: by_state.total,
        by_nationality,
        by_residence_status,
        by_prefecture,
        by_industry,
        by_supervising_organisation,
        by_month,
        by_employer: partition(employers, k),
        by_state,
        by_category: each(categories, k),
        by_tokyo_declaration: each(norm_counts(&tag_sets, Framework::TokyoDeclaration, false), k),
        by_dhaka_principle: each(norm_counts(&tag_sets, Framework::DhakaPrinciples, false), k),
        by_forced_labour_indicator: each(norm_counts(&tag_sets, Framework::IloForcedLabour, assessment_visible), k),
        time_to_acknowledgement: timing(&milestones, k, |m| m.acknowledged_at),
        time_to_first_response: timing(&milestones, k, |m| m.first_response_at),
        time_to_verified_remedy: timing(&milestones, k, |m| m.remedy_verified_at),
        share_with_agreed_remedy: disclosure::share(agreed.max(0) as u64, total, k),
        share_with_remedy_verified_by_worker: disclosure::share(outcomes.verified, total, k),
        satisfaction: outcomes.satisfaction,
        satisfaction_average: outcomes.satisfaction_average,
        money_delivered: money(db::reports::money_delivered(conn, filter)?, k),
        overdue_by_organisation: each(pairs(db::reports::overdue_by_party(conn, db::timestamp(now), filter)?), k),
        repeat_respondents,
    })
}

/// A partition (the cells add up to the total), suppressed so no withheld cell can be solved for.
fn partition(rows: Vec<db::reports::ValueCount>, k: u64) -> Partition {
    let counts: Vec<u64> = rows.iter().map(|r| r.count.max(0) as u64).collect();
    let (cells, total) = disclosure::suppress_partition(&counts, k);
    Partition {
        total,
        cells: rows.into_iter().zip(cells).map(|(r, count)| CountCell { value: r.value, count }).collect(),
    }
}

/// Counts that overlap (a case has several categories), each suppressed on its own.
fn each(rows: Vec<(Option<String>, u64)>, k: u64) -> Vec<CountCell> {
    let counts: Vec<u64> = rows.iter().map(|r| r.1).collect();
    rows.into_iter()
        .zip(disclosure::suppress_each(&counts, k))
        .map(|((value, _), count)| CountCell { value, count })
        .collect()
}

fn pairs(rows: Vec<db::reports::ValueCount>) -> Vec<(Option<String>, u64)> {
    rows.into_iter().map(|r| (r.value, r.count.max(0) as u64)).collect()
}

/// Days from lodging to the milestone `pick` reads, as median and p90 over the cases that reached it.
fn timing(
    milestones: &[db::reports::Milestones],
    k: u64,
    pick: impl Fn(&db::reports::Milestones) -> Option<chrono::NaiveDateTime>,
) -> Timing {
    let mut days: Vec<f64> =
        milestones.iter().filter_map(|m| pick(m).map(|t| (t - m.created_at).num_seconds() as f64 / 86_400.0)).collect();
    let cases = days.len() as u64;
    let median_days = disclosure::quantile(&mut days, 0.5, k);
    let p90_days = disclosure::quantile(&mut days, 0.9, k);
    Timing { cases: disclosure::suppress_each(&[cases], k)[0], median_days, p90_days }
}

/// What the workers said of the outcome: verified remedies and their ratings.
struct Outcomes {
    verified: u64,
    satisfaction: Partition,
    satisfaction_average: Option<f64>,
}

impl Outcomes {
    fn of(milestones: &[db::reports::Milestones], k: u64) -> Self {
        let ratings: Vec<i64> = milestones.iter().filter_map(|m| m.satisfaction_rating).collect();
        let per_rating = (1..=5)
            .map(|r| db::reports::ValueCount {
                value: Some(r.to_string()),
                count: ratings.iter().filter(|x| **x == r).count() as i64,
            })
            .collect();
        Self {
            verified: milestones.iter().filter(|m| m.remedy_verified_at.is_some()).count() as u64,
            satisfaction: partition(per_rating, k),
            satisfaction_average: (ratings.len() as u64 >= k && !ratings.is_empty())
                .then(|| ratings.iter().sum::<i64>() as f64 / ratings.len() as f64),
        }
    }
}

/// Cases per norm, each case once: a case counts for a norm when one of
/// its categories maps to it or (ILO indicators, where the caller may see
/// the assessment) the handlers assessed it.
fn norm_counts(
    tag_sets: &[db::reports::TagSetCount],
    framework: Framework,
    with_assessment: bool,
) -> Vec<(Option<String>, u64)> {
    catalogue::NORMS
        .iter()
        .filter(|norm| norm.framework == framework)
        .map(|norm| {
            let count =
                tag_sets
                    .iter()
                    .filter(|set| {
                        let by_category =
                            set.categories.as_deref().unwrap_or("").split(',').any(|c| {
                                c.parse::<Category>().is_ok_and(|category| category.norms().contains(&norm.code))
                            });
                        let by_indicator = with_assessment
                            && framework == Framework::IloForcedLabour
                            && set.indicators.as_deref().unwrap_or("").split(',').any(|code| code == norm.code);
                        by_category || by_indicator
                    })
                    .map(|set| set.count.max(0) as u64)
                    .sum();
            (Some(norm.code.to_owned()), count)
        })
        .collect()
}

/// Sums decimal amounts per currency without floating point (three decimals kept).
fn money(rows: Vec<db::reports::MoneyRow>, k: u64) -> Vec<Money> {
    let mut per_currency: BTreeMap<String, (i128, Vec<String>)> = BTreeMap::new();
    for row in rows {
        let (whole, fraction) = row.amount.split_once('.').unwrap_or((&row.amount, ""));
        let fraction = format!("{fraction:0<3}");
        let Ok(milli) = format!("{whole}{}", &fraction[..3]).parse::<i128>() else { continue };
        let entry = per_currency.entry(row.currency).or_default();
        entry.0 += milli;
        entry.1.push(row.case_id);
    }
    per_currency
        .into_iter()
        .map(|(currency, (milli, mut cases))| {
            cases.sort();
            cases.dedup();
            let count = cases.len() as u64;
            let suppressed = disclosure::is_small(count, k);
            let amount = format!("{}.{:03}", milli / 1000, milli % 1000);
            let amount = amount.trim_end_matches('0').trim_end_matches('.').to_owned();
            Money {
                currency,
                cases: disclosure::suppress_each(&[count], k)[0],
                amount: (!suppressed).then_some(amount),
            }
        })
        .collect()
}
