//! Which cases a report or an export covers.

use chrono::{DateTime, Utc};

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
