//! Organisation kinds (domain.md section 1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Host company (受入れ企業 / 実習実施者).
    Employer,
    /// Supervising organisation (監理団体, from 2027 監理支援機関).
    SupervisingOrg,
    /// Registered support organisation (登録支援機関) for specified skilled workers.
    SupportOrg,
    /// Sending or recruitment agency.
    Recruiter,
    /// NGO, union or legal-aid office.
    Ngo,
    /// Independent mediator or ADR body.
    MediationBody,
    /// The organisation that runs this grievance mechanism.
    Operator,
}

impl OrganisationKind {
    /// Kinds that can supervise or support an employer's foreign workers.
    pub fn can_supervise(self) -> bool {
        matches!(self, Self::SupervisingOrg | Self::SupportOrg)
    }

    pub const ALL: [OrganisationKind; 7] = [
        Self::Employer,
        Self::SupervisingOrg,
        Self::SupportOrg,
        Self::Recruiter,
        Self::Ngo,
        Self::MediationBody,
        Self::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employer => "employer",
            Self::SupervisingOrg => "supervising_org",
            Self::SupportOrg => "support_org",
            Self::Recruiter => "recruiter",
            Self::Ngo => "ngo",
            Self::MediationBody => "mediation_body",
            Self::Operator => "operator",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown organisation kind `{0}`")]
pub struct UnknownOrganisationKind(pub String);

impl FromStr for OrganisationKind {
    type Err = UnknownOrganisationKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == s).ok_or_else(|| UnknownOrganisationKind(s.to_owned()))
    }
}

impl fmt::Display for OrganisationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in OrganisationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganisationKind>().unwrap(), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}

/// An organisation as the rest of the system sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: super::OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub contact_email: Option<String>,
    /// For employers: the supervising or registered support organisation
    /// that becomes a party to their cases on referral.
    pub supervising_organisation_id: Option<super::OrganisationId>,
    /// The language its notifications are written in.
    pub preferred_language: super::LanguageTag,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `false` once an admin has deactivated it: it is named on no new case,
    /// and its members cannot log in.
    pub active: bool,
}
