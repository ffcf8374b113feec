//! Statistics for NGOs and the operator (domain.md section 8), with
//! small-cell suppression applied before anything leaves this module.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::policy::{self, Actor};
use crate::db::{self, DbConnection, reports::Dimension, reports::Milestone, reports::ReportFilter};
use crate::domain::catalogue::{self, Category, Framework};
use crate::domain::disclosure::{self, Cell};
use crate::domain::employer_name;
use crate::domain::remedy::RemedyStatus;
use crate::service::Error;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountCell {
    /// The value counted; `null` for cases where it is not known, and on the
    /// row of values withheld because each has too few cases to be named.
    pub value: Option<String>,
    /// A number (rounded), or `{"suppressed": true}` when it could identify people.
    pub count: Cell,
    /// True on the one row per dimension that gathers the employers,
    /// organisations, places, industries or nationalities with too few
    /// cases each to be named.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other_withheld: bool,
}

impl CountCell {
    fn new(value: Option<String>, count: Cell) -> Self {
        Self { value, count, other_withheld: false }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Partition {
    pub total: Cell,
    pub cells: Vec<CountCell>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timing {
    pub cases: Cell,
    /// Nearest-rank median, in days; absent for fewer cases than the threshold.
    pub median_days: Option<f64>,
    /// Nearest-rank 90th percentile, in days.
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
    /// Published counts are rounded to the nearest multiple of this (1: exact).
    pub rounding_base: u64,
    /// The filters this summary was computed with.
    pub filters: Vec<AppliedFilter>,
    /// True when the reader sees only cases their organisation is a party to.
    pub own_cases_only: bool,
    pub total_cases: Cell,
    /// One partition per dimension: each case counts once, and the cells add
    /// up to the total (before rounding). Employers, supervising
    /// organisations, prefectures, industries and nationalities with fewer
    /// cases than the threshold are not named: they share one
    /// `other_withheld` row.
    pub by_state: Partition,
    pub by_nationality: Partition,
    pub by_residence_status: Partition,
    pub by_prefecture: Partition,
    pub by_industry: Partition,
    pub by_employer: Partition,
    pub by_supervising_organisation: Partition,
    pub by_month: Partition,
    /// How the grievances came in: `online`, or recorded by a handler from
    /// `phone`, `letter`, `walk_in`, `chat_app` or `other`.
    pub by_channel: Partition,
    /// A case may have several categories and norms: no totals here.
    pub by_category: Vec<CountCell>,
    pub by_tokyo_declaration: Vec<CountCell>,
    pub by_dhaka_principle: Vec<CountCell>,
    pub by_forced_labour_indicator: Vec<CountCell>,
    pub time_to_acknowledgement: Timing,
    pub time_to_first_response: Timing,
    pub time_to_verified_remedy: Timing,
    /// Shares of all cases in the report, to whole percent.
    pub share_with_agreed_remedy: Option<f64>,
    pub share_with_remedy_verified_by_worker: Option<f64>,
    /// Cases whose worker had no outcome within three months of submission
    /// (the outer bound every case is held to).
    pub share_past_outer_bound: Option<f64>,
    pub satisfaction: Partition,
    pub satisfaction_average: Option<f64>,
    pub money_delivered: Vec<Money>,
    /// Open cases past their stage's time frame, per party organisation
    /// (organisations with fewer than the threshold share one row).
    pub overdue_by_organisation: Vec<CountCell>,
    /// Employers named in at least as many cases as the threshold.
    pub repeat_respondents: Vec<CountCell>,
}

/// What may be published: counts under `threshold` are withheld, the rest
/// rounded to a multiple of `rounding_base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    pub threshold: u64,
    pub rounding_base: u64,
}

impl Disclosure {
    pub fn from_settings(settings: &crate::config::ReportSettings) -> Self {
        Self { threshold: settings.suppression_threshold, rounding_base: settings.rounding_base }
    }
}

/// Statistics and exports take only a filter the access policy narrowed.
pub use crate::auth::policy::AuthorisedFilter;
pub use crate::domain::report::AppliedFilter;

/// Checks the caller may read statistics and narrows the filter to what
/// they may see; a norm filter becomes its categories (and indicator).
pub fn authorised_filter(
    actor: &Actor,
    mut filter: ReportFilter,
    norm: Option<&str>,
) -> Result<AuthorisedFilter, Error> {
    if let Some(field) = crate::domain::report::first_bound_not_a_month_start(&filter) {
        return Err(Error::validation(
            field,
            "not_a_month_start",
            "statistics cover whole calendar months: give the first day of a month at 00:00 UTC, such as 2026-04-01T00:00:00Z",
        ));
    }
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
    Ok(policy::authorise_report(actor, filter, norm.map(str::to_owned))?)
}

/// A remedy in any of these was agreed at some point.
const AGREED_AT_SOME_POINT: &[RemedyStatus] =
    &[RemedyStatus::Agreed, RemedyStatus::Delivered, RemedyStatus::Verified, RemedyStatus::Disputed];

/// The summary for a filter that `authorised_filter` produced. Every
/// figure comes from a grouped query, so memory does not grow with the cases.
pub fn summary(
    conn: &mut DbConnection,
    filter: &AuthorisedFilter,
    rules: Disclosure,
    now: DateTime<Utc>,
) -> Result<Summary, Error> {
    let assessment_visible = filter.assessment_visible();
    let (applied, own_cases_only) = (filter.described(), filter.own_cases_only());
    let filter_narrowed = filter.is_narrowed();
    let filter = filter.filter();
    let k = rules.threshold;
    let mut count_by = |dimension| db::reports::count_by(conn, dimension, filter);
    let states = pairs(count_by(Dimension::State)?);
    let exact_total: u64 = states.iter().map(|(_, n)| n).sum();
    let thin = filter_narrowed && exact_total < k;
    let by_state = rules.partition(states, Values::Catalogue);
    let by_nationality = rules.partition(pairs(count_by(Dimension::Nationality)?), Values::Open);
    let by_residence_status = rules.partition(pairs(count_by(Dimension::ResidenceStatus)?), Values::Catalogue);
    let by_prefecture = rules.partition(pairs(count_by(Dimension::Prefecture)?), Values::Open);
    let by_industry = rules.partition(pairs(count_by(Dimension::Industry)?), Values::Open);
    let by_supervising_organisation =
        rules.partition(pairs(count_by(Dimension::SupervisingOrganisation)?), Values::Open);
    let by_month = rules.partition(pairs(count_by(Dimension::Month)?), Values::Catalogue);
    let by_channel = rules.partition(pairs(count_by(Dimension::Channel)?), Values::Catalogue);
    let categories = pairs(count_by(Dimension::Category)?);
    let employers = Employers::group(count_by(Dimension::Employer)?).counts();
    let repeat_respondents = rules
        .each(employers.iter().filter(|(name, n)| name.is_some() && !disclosure::is_small(*n, k)).cloned().collect());
    let tag_sets = db::reports::count_by_tag_set(conn, filter)?;
    let quantiles = |conn: &mut DbConnection, milestone| db::reports::quantiles(conn, milestone, filter);
    let acknowledged = quantiles(conn, Milestone::Acknowledged)?;
    let responded = quantiles(conn, Milestone::FirstResponse)?;
    let verified = quantiles(conn, Milestone::RemedyVerified)?;
    let ratings = db::reports::ratings(conn, filter)?;
    let agreed = db::reports::cases_with_remedy(conn, AGREED_AT_SOME_POINT, filter)?;
    let past_outer_bound = db::reports::cases_past_outer_bound(conn, filter)?;
    let overdue = db::reports::overdue_by_party(conn, db::timestamp(now), filter)?;
    let money = money(db::reports::money_delivered(conn, filter)?, db::reports::cases_with_money(conn, filter)?, rules);
    let summary = Summary {
        generated_at: now,
        suppression_threshold: k,
        rounding_base: rules.rounding_base,
        filters: applied,
        own_cases_only,
        total_cases: by_state.total,
        by_nationality,
        by_residence_status,
        by_prefecture,
        by_industry,
        by_supervising_organisation,
        by_month,
        by_channel,
        by_employer: rules.partition(employers, Values::Open),
        by_state,
        by_category: rules.each(categories),
        by_tokyo_declaration: rules.each(norm_counts(&tag_sets, Framework::TokyoDeclaration, false)),
        by_dhaka_principle: rules.each(norm_counts(&tag_sets, Framework::DhakaPrinciples, false)),
        by_forced_labour_indicator: rules.each(norm_counts(&tag_sets, Framework::IloForcedLabour, assessment_visible)),
        time_to_acknowledgement: rules.timing(&acknowledged),
        time_to_first_response: rules.timing(&responded),
        time_to_verified_remedy: rules.timing(&verified),
        share_with_agreed_remedy: disclosure::share(agreed.max(0) as u64, exact_total, k),
        share_with_remedy_verified_by_worker: disclosure::share(verified.cases.max(0) as u64, exact_total, k),
        share_past_outer_bound: disclosure::share(past_outer_bound.max(0) as u64, exact_total, k),
        satisfaction: rules.satisfaction(&ratings),
        satisfaction_average: satisfaction_average(&ratings, k),
        money_delivered: money,
        overdue_by_organisation: rules.open_list(pairs(overdue)),
        repeat_respondents,
    };
    Ok(if thin { summary.withheld_entirely() } else { summary })
}

impl Summary {
    /// A filtered report on fewer cases than the threshold shows no number
    /// and no row that only its cases would bring (a state, a currency),
    /// not even a zero: otherwise it would tell whether anyone matched the
    /// filter (say, a prefecture or an employer asked for by name).
    fn withheld_entirely(mut self) -> Self {
        let withheld = Cell::withheld();
        let timing = |t: &mut Timing| *t = Timing { cases: withheld, median_days: None, p90_days: None };
        self.total_cases = withheld;
        for p in [
            &mut self.by_state,
            &mut self.by_nationality,
            &mut self.by_residence_status,
            &mut self.by_prefecture,
            &mut self.by_industry,
            &mut self.by_employer,
            &mut self.by_supervising_organisation,
            &mut self.by_month,
            &mut self.by_channel,
            &mut self.satisfaction,
        ] {
            *p = Partition { total: withheld, cells: Vec::new() };
        }
        self.by_category.clear();
        self.overdue_by_organisation.clear();
        self.repeat_respondents.clear();
        self.money_delivered.clear();
        // Norms are listed in full whatever the cases: only their counts go.
        for list in [&mut self.by_tokyo_declaration, &mut self.by_dhaka_principle, &mut self.by_forced_labour_indicator]
        {
            list.iter_mut().for_each(|c| c.count = withheld);
        }
        timing(&mut self.time_to_acknowledgement);
        timing(&mut self.time_to_first_response);
        timing(&mut self.time_to_verified_remedy);
        self.share_with_agreed_remedy = None;
        self.share_past_outer_bound = None;
        self.share_with_remedy_verified_by_worker = None;
        self.satisfaction_average = None;
        self
    }
}

/// Whether a dimension's values are a published list (states, categories,
/// months: naming one names no one) or open (names of employers, places,
/// industries, nationalities: naming one with a few cases says someone
/// there complained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Values {
    Catalogue,
    Open,
}

impl Disclosure {
    /// A partition (the cells add up to the total): open values under the
    /// threshold folded into one row, small cells withheld so that none can
    /// be solved for, then every published count rounded.
    fn partition(self, rows: Vec<(Option<String>, u64)>, values: Values) -> Partition {
        let (mut rows, other) = match values {
            Values::Catalogue => (rows, 0),
            Values::Open => disclosure::fold_small(rows, self.threshold),
        };
        let named = rows.len();
        if other > 0 {
            rows.push((None, other));
        }
        let counts: Vec<u64> = rows.iter().map(|r| r.1).collect();
        let (cells, total) = disclosure::suppress_partition(&counts, self.threshold);
        let cells = rows
            .into_iter()
            .zip(cells)
            .enumerate()
            .map(|(i, ((value, _), count))| CountCell {
                value,
                count: count.rounded(self.rounding_base),
                other_withheld: i >= named,
            })
            .collect();
        Partition { total: total.rounded(self.rounding_base), cells }
    }

    /// Counts that overlap (a case has several categories), each suppressed on its own and rounded.
    fn each(self, rows: Vec<(Option<String>, u64)>) -> Vec<CountCell> {
        let counts: Vec<u64> = rows.iter().map(|r| r.1).collect();
        rows.into_iter()
            .zip(disclosure::suppress_each(&counts, self.threshold))
            .map(|((value, _), count)| CountCell::new(value, count.rounded(self.rounding_base)))
            .collect()
    }

    /// Overlapping counts of open values (a case counts for each of its
    /// parties): the small ones share one row, whose count is withheld
    /// because it adds up parties, not cases.
    fn open_list(self, rows: Vec<(Option<String>, u64)>) -> Vec<CountCell> {
        let (named, other) = disclosure::fold_small(rows, self.threshold);
        let mut cells = self.each(named);
        if other > 0 {
            cells.push(CountCell { value: None, count: Cell::withheld(), other_withheld: true });
        }
        cells
    }

    /// Days from lodging to a milestone: the median and 90th percentile
    /// describe at least `threshold` cases or are not given.
    fn timing(self, q: &db::reports::Quantiles) -> Timing {
        let cases = q.cases.max(0) as u64;
        let enough = cases >= self.threshold;
        let days = |seconds: Option<i64>| seconds.filter(|_| enough).map(|s| s as f64 / 86_400.0);
        Timing {
            cases: disclosure::suppress_each(&[cases], self.threshold)[0].rounded(self.rounding_base),
            median_days: days(q.median_seconds),
            p90_days: days(q.p90_seconds),
        }
    }

    /// Verified remedies per rating the worker gave, 1 to 5, zeros included.
    fn satisfaction(self, ratings: &[db::reports::RatingCount]) -> Partition {
        let rows = (1..=5)
            .map(|r| {
                let count = ratings.iter().filter(|x| x.rating == r).map(|x| x.count.max(0) as u64).sum();
                (Some(r.to_string()), count)
            })
            .collect();
        self.partition(rows, Values::Catalogue)
    }
}

fn satisfaction_average(ratings: &[db::reports::RatingCount], k: u64) -> Option<f64> {
    let n: i64 = ratings.iter().map(|r| r.count).sum();
    let sum: i64 = ratings.iter().map(|r| r.rating * r.count).sum();
    (n > 0 && n as u64 >= k).then(|| (sum as f64 / n as f64 * 100.0).round() / 100.0)
}

fn pairs(rows: Vec<db::reports::ValueCount>) -> Vec<(Option<String>, u64)> {
    rows.into_iter().map(|r| (r.value, r.count.max(0) as u64)).collect()
}

/// Employers as statistics count them: a linked organisation is one
/// employer (whatever its name); a name typed by a worker counts under its
/// `employer_name::key`, together with the registered employer of the same
/// key if there is one, and is shown in its most frequent spelling.
#[derive(Debug, Default)]
pub struct Employers {
    /// Group → (cases, spellings seen with their cases).
    groups: BTreeMap<String, (u64, BTreeMap<String, u64>)>,
    /// Registered employer's group, by the key of its name.
    registered: HashMap<String, String>,
}

impl Employers {
    /// From rows of (organisation id or none, name, cases).
    pub fn group(rows: Vec<db::reports::ValueCount>) -> Self {
        let mut employers = Self::default();
        let (linked, typed): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.key.is_some());
        for row in linked.iter() {
            if let (Some(id), Some(name)) = (&row.key, &row.value) {
                employers.registered.entry(employer_name::key(name)).or_insert_with(|| format!("org:{id}"));
            }
        }
        for row in linked.into_iter().chain(typed) {
            let group = employers.group_of(row.key.as_deref(), row.value.as_deref());
            let entry = employers.groups.entry(group).or_default();
            entry.0 += row.count.max(0) as u64;
            if let Some(name) = row.value {
                // A registered name always wins the display over typed spellings.
                let weight = if row.key.is_some() { u64::MAX / 2 } else { row.count.max(0) as u64 };
                *entry.1.entry(name).or_default() += weight;
            }
        }
        employers
    }

    /// The group a case counts under, from its linked organisation or typed name.
    pub fn group_of(&self, organisation_id: Option<&str>, name: Option<&str>) -> String {
        match (organisation_id, name) {
            (Some(id), _) => format!("org:{id}"),
            (None, Some(name)) => {
                let key = employer_name::key(name);
                self.registered.get(&key).cloned().unwrap_or_else(|| format!("name:{key}"))
            }
            (None, None) => "unknown".to_owned(),
        }
    }

    /// Cases in a group (0 for a group not seen).
    pub fn cases(&self, group: &str) -> u64 {
        self.groups.get(group).map_or(0, |g| g.0)
    }

    /// The name a group is shown under: its registered name, or its most frequent spelling.
    pub fn display(&self, group: &str) -> Option<String> {
        let spellings = &self.groups.get(group)?.1;
        spellings.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(name, _)| name.clone())
    }

    /// (name, cases) per employer, ordered by name; `None` for cases naming no employer.
    fn counts(&self) -> Vec<(Option<String>, u64)> {
        let mut rows: Vec<(Option<String>, u64)> =
            self.groups.iter().map(|(group, (cases, _))| (self.display(group), *cases)).collect();
        rows.sort();
        rows
    }
}

/// What a case-level file shows for an employer, organisation, place,
/// industry or nationality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Named(String),
    Unknown,
    /// Fewer cases than the threshold carry it: it is not named.
    Withheld,
}

/// The open dimensions a case-level file folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Open {
    Nationality,
    Prefecture,
    Industry,
    /// By organisation id.
    SupervisingOrganisation,
}

/// Which names a case-level file may show: those that at least `threshold`
/// cases carry among all the cases the reader may see (not only the ones
/// filtered for, so narrowing a filter cannot change which names appear).
#[derive(Debug)]
pub struct Nameable {
    threshold: u64,
    employers: Employers,
    counts: HashMap<(Open, String), u64>,
}

impl Nameable {
    pub fn load(conn: &mut DbConnection, filter: &AuthorisedFilter, threshold: u64) -> Result<Self, Error> {
        let scope = filter.scope();
        let employers = Employers::group(db::reports::count_by(conn, Dimension::Employer, &scope)?);
        let mut counts = HashMap::new();
        for (open, dimension) in [
            (Open::Nationality, Dimension::Nationality),
            (Open::Prefecture, Dimension::Prefecture),
            (Open::Industry, Dimension::Industry),
            (Open::SupervisingOrganisation, Dimension::SupervisingOrganisation),
        ] {
            for row in db::reports::count_by(conn, dimension, &scope)? {
                if let Some(key) = row.key {
                    *counts.entry((open, key)).or_default() += row.count.max(0) as u64;
                }
            }
        }
        Ok(Self { threshold, employers, counts })
    }

    fn shown(&self, cases: u64, name: Option<String>) -> Shown {
        match name {
            None => Shown::Unknown,
            Some(_) if disclosure::is_small(cases, self.threshold) || cases == 0 => Shown::Withheld,
            Some(name) => Shown::Named(name),
        }
    }

    /// A case's employer: its group's name, or withheld.
    pub fn employer(&self, organisation_id: Option<&str>, name: Option<&str>) -> Shown {
        let group = self.employers.group_of(organisation_id, name);
        self.shown(self.employers.cases(&group), self.employers.display(&group))
    }

    /// A value of an open dimension (for a supervising organisation, `key`
    /// is its id and `name` what is shown).
    pub fn value(&self, open: Open, key: Option<&str>, name: Option<&str>) -> Shown {
        let Some(key) = key else { return Shown::Unknown };
        let cases = self.counts.get(&(open, key.to_owned())).copied().unwrap_or(0);
        self.shown(cases, name.map(str::to_owned))
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

/// Sums decimal amounts per currency without floating point (three
/// decimals kept), and publishes a currency's sum only when enough cases received it.
fn money(rows: Vec<db::reports::MoneyRow>, cases: Vec<db::reports::ValueCount>, rules: Disclosure) -> Vec<Money> {
    let mut per_currency: BTreeMap<String, i128> = BTreeMap::new();
    for row in rows {
        let (whole, fraction) = row.amount.split_once('.').unwrap_or((&row.amount, ""));
        let fraction = format!("{fraction:0<3}");
        let Ok(milli) = format!("{whole}{}", &fraction[..3]).parse::<i128>() else { continue };
        *per_currency.entry(row.currency).or_default() += milli * i128::from(row.remedies);
    }
    per_currency
        .into_iter()
        .map(|(currency, milli)| {
            let count =
                cases.iter().filter(|c| c.key.as_deref() == Some(&currency)).map(|c| c.count.max(0) as u64).sum();
            let suppressed = disclosure::is_small(count, rules.threshold);
            let amount = format!("{}.{:03}", milli / 1000, milli % 1000);
            let amount = amount.trim_end_matches('0').trim_end_matches('.').to_owned();
            Money {
                currency,
                cases: disclosure::suppress_each(&[count], rules.threshold)[0].rounded(rules.rounding_base),
                amount: (!suppressed).then_some(amount),
            }
        })
        .collect()
}
