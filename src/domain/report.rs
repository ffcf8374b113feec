//! Which cases a report or an export covers.

use chrono::{DateTime, Datelike, Utc};

use super::OrganisationId;
use super::case::ResidenceStatus;
use super::catalogue::Category;
use super::lifecycle::CaseState;

/// `None` (or empty) means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    pub employer_organisation_id: Option<OrganisationId>,
    pub supervising_organisation_id: Option<OrganisationId>,
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    /// The categories mapped to a requested norm (any of them matches).
    pub norm_categories: Vec<Category>,
    /// A requested forced-labour indicator (also matched through categories).
    pub indicator: Option<String>,
    /// Limits a respondent's report to cases where its organisation is a party.
    pub party_organisation_id: Option<OrganisationId>,
}

/// Statistics cover whole calendar months (UTC): a period that could start
/// or end at any second would let two reports differ by one chosen case.
/// Returns the first bound that is not the start of a month.
pub fn first_bound_not_a_month_start(filter: &ReportFilter) -> Option<&'static str> {
    let is_month_start = |at: DateTime<Utc>| {
        use chrono::Timelike;
        at.day() == 1 && at.num_seconds_from_midnight() == 0 && at.nanosecond() == 0
    };
    [("created_from", filter.created_from), ("created_before", filter.created_before)]
        .into_iter()
        .find_map(|(name, bound)| bound.filter(|at| !is_month_start(*at)).map(|_| name))
}

impl ReportFilter {
    /// The filters a reader asked for, as `(parameter, value)` pairs, for a
    /// file to say what it covers. Codes and ids only: never a name.
    pub fn described(&self) -> Vec<(&'static str, String)> {
        fn shown<T: std::fmt::Display>(value: &Option<T>) -> Option<String> {
            value.as_ref().map(ToString::to_string)
        }
        let month = |at: Option<DateTime<Utc>>| at.map(|t| t.format("%Y-%m").to_string());
        [
            ("created_from", month(self.created_from)),
            ("created_before", month(self.created_before)),
            ("state", shown(&self.state)),
            ("category", shown(&self.category)),
            ("employer_organisation_id", shown(&self.employer_organisation_id)),
            ("supervising_organisation_id", shown(&self.supervising_organisation_id)),
            ("nationality", self.nationality.clone()),
            ("residence_status", shown(&self.residence_status)),
            ("prefecture", self.prefecture.clone()),
            ("industry", self.industry.clone()),
            ("indicator", self.indicator.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
    }
}

/// A filter a report was asked for, as given (codes and ids, never names).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AppliedFilter {
    pub name: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn periods_are_whole_months() {
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single();
        let mut filter = ReportFilter {
            created_from: at(2026, 1, 1, 0),
            created_before: at(2026, 3, 1, 0),
            ..ReportFilter::default()
        };
        assert_eq!(first_bound_not_a_month_start(&filter), None);
        filter.created_before = at(2026, 3, 2, 0);
        assert_eq!(first_bound_not_a_month_start(&filter), Some("created_before"));
        filter.created_from = at(2026, 1, 1, 9);
        assert_eq!(first_bound_not_a_month_start(&filter), Some("created_from"));
    }

    #[test]
    fn a_description_names_months_and_codes() {
        let filter = ReportFilter {
            created_from: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).single(),
            state: Some(CaseState::Closed),
            ..ReportFilter::default()
        };
        assert_eq!(filter.described(), vec![("created_from", "2026-04".to_owned()), ("state", "closed".to_owned())]);
    }
}
