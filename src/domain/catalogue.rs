//! Reference data as data: norms (Tokyo Declaration, Dhaka Principles, ILO
//! forced-labour indicators), grievance categories and how each maps to norms.
//! Wording lives here and in `labels.toml`, never scattered through logic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A norm a grievance can be tied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Norm {
    pub code: &'static str,
    pub framework: Framework,
    pub title: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    /// ASSC Tokyo Declaration 2020 on Responsible Acceptance of Foreign Workers.
    TokyoDeclaration,
    /// Dhaka Principles for Migration with Dignity.
    DhakaPrinciples,
    /// ILO indicators of forced labour.
    IloForcedLabour,
}

const fn norm(code: &'static str, framework: Framework, title: &'static str) -> Norm {
    Norm { code, framework, title }
}

use Framework::{DhakaPrinciples as DP, IloForcedLabour as FL, TokyoDeclaration as TD};

pub const NORMS: &[Norm] = &[
    norm("TD-1", TD, "Fair wages, conditions and environment; no discrimination"),
    norm("TD-2", TD, "Employers and recruiters have and apply human-rights and recruitment policies"),
    norm("TD-3", TD, "Workers bear no recruitment fees or related costs"),
    norm("TD-4", TD, "Contract and conditions in the mother tongue, in writing, agreed before travel"),
    norm("TD-5", TD, "All work-related rights guaranteed"),
    norm("TD-6", TD, "Identity documents stay under the worker's own control"),
    norm("TD-7", TD, "Wages paid properly on the agreed dates"),
    norm("TD-8", TD, "Safe, healthy workplace with safety training in the mother tongue"),
    norm("TD-9", TD, "Safe, sanitary living conditions"),
    norm("TD-10", TD, "No restriction on leaving dormitories or on home visits during leave"),
    norm("TD-11", TD, "The worker's free will on job change and resignation"),
    // Not yet verified against the published text; kept editable here.
    norm("TD-12", TD, "(to be verified)"),
    norm("TD-13", TD, "Travel costs borne by the employer"),
    norm("DP-A", DP, "Equality of treatment; no discrimination"),
    norm("DP-B", DP, "A legally recognised employment relationship with an identifiable employer"),
    norm("DP-1", DP, "No fees charged to workers"),
    norm("DP-2", DP, "Clear, transparent contracts in a language the worker understands"),
    norm("DP-3", DP, "Inclusive policies and procedures"),
    norm("DP-4", DP, "No retention of passports or identity documents"),
    norm("DP-5", DP, "Wages paid regularly, directly and on time"),
    norm("DP-6", DP, "Right to worker representation respected"),
    norm("DP-7", DP, "Safe and decent working conditions"),
    norm("DP-8", DP, "Safe and decent living conditions"),
    norm("DP-9", DP, "Access to remedy"),
    norm("DP-10", DP, "Freedom to change employment, and safe, timely return"),
    norm("FL-1", FL, "Abuse of vulnerability"),
    norm("FL-2", FL, "Deception"),
    norm("FL-3", FL, "Restriction of movement"),
    norm("FL-4", FL, "Isolation"),
    norm("FL-5", FL, "Physical and sexual violence"),
    norm("FL-6", FL, "Intimidation and threats"),
    norm("FL-7", FL, "Retention of identity documents"),
    norm("FL-8", FL, "Withholding of wages"),
    norm("FL-9", FL, "Debt bondage"),
    norm("FL-10", FL, "Abusive working and living conditions"),
    norm("FL-11", FL, "Excessive overtime"),
];

pub fn norm_by_code(code: &str) -> Option<&'static Norm> {
    NORMS.iter().find(|n| n.code == code)
}

/// Whether `code` names an ILO forced-labour indicator (the set handlers assess).
pub fn is_forced_labour_indicator(code: &str) -> bool {
    norm_by_code(code).is_some_and(|n| n.framework == Framework::IloForcedLabour)
}

macro_rules! categories {
    ($( $variant:ident = $name:literal, urgent: $urgent:literal, norms: [$($norm:literal),*] ;)*) => {
        /// Grievance categories (domain.md section 3).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Category { $($variant,)* }

        impl Category {
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $name,)* }
            }

            /// Urgent categories set the case's priority and shorten its first clock.
            pub fn urgent_by_default(self) -> bool {
                match self { $(Category::$variant => $urgent,)* }
            }

            /// The norms this category maps to, for counting by norm.
            pub fn norms(self) -> &'static [&'static str] {
                match self { $(Category::$variant => &[$($norm),*],)* }
            }
        }
    };
}

categories! {
    PassportIdRetention = "passport_id_retention", urgent: true, norms: ["TD-6", "DP-4", "FL-7", "FL-3"];
    RecruitmentFeesDebt = "recruitment_fees_debt", urgent: false, norms: ["TD-3", "TD-13", "DP-1", "FL-9", "FL-2"];
    ContractDeception = "contract_deception", urgent: false, norms: ["TD-4", "DP-2", "FL-2"];
    UnpaidWages = "unpaid_wages", urgent: false, norms: ["TD-7", "TD-1", "DP-5", "DP-A", "FL-8"];
    ExcessiveHours = "excessive_hours", urgent: false, norms: ["TD-5", "TD-8", "DP-7", "FL-11"];
    UnsafeWork = "unsafe_work", urgent: false, norms: ["TD-8", "DP-7", "FL-10"];
    Housing = "housing", urgent: false, norms: ["TD-9", "DP-8", "FL-10"];
    RestrictionOfMovement = "restriction_of_movement", urgent: true, norms: ["TD-10", "DP-4", "FL-3", "FL-4"];
    HarassmentViolence = "harassment_violence", urgent: true, norms: ["TD-5", "TD-1", "DP-7", "FL-5", "FL-6"];
    Discrimination = "discrimination", urgent: false, norms: ["TD-1", "DP-A", "FL-1"];
    ForcedReturnOrDismissal = "forced_return_or_dismissal", urgent: true, norms: ["TD-11", "TD-5", "DP-10", "DP-B", "FL-6"];
    JobChangeObstructed = "job_change_obstructed", urgent: false, norms: ["TD-11", "DP-10", "FL-3", "FL-1"];
    Representation = "representation", urgent: false, norms: ["TD-5", "DP-6", "FL-6"];
    PolicyAbsence = "policy_absence", urgent: false, norms: ["TD-2", "DP-3"];
    Other = "other", urgent: false, norms: ["DP-9"];
    // Retaliation for having complained, reported during the reprisal watch.
    Reprisal = "reprisal", urgent: true, norms: ["TD-5", "DP-9", "FL-6"];
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown category `{0}`")]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_category_maps_only_to_known_norms() {
        for category in Category::ALL {
            assert!(!category.norms().is_empty(), "{category}");
            for code in category.norms() {
                assert!(norm_by_code(code).is_some(), "{category} → {code}");
            }
            assert_eq!(category.as_str().parse::<Category>().unwrap(), *category);
        }
    }

    #[test]
    fn norm_codes_are_unique_and_complete() {
        let codes: HashSet<_> = NORMS.iter().map(|n| n.code).collect();
        assert_eq!(codes.len(), NORMS.len());
        assert_eq!(NORMS.iter().filter(|n| n.framework == Framework::TokyoDeclaration).count(), 13);
        assert_eq!(NORMS.iter().filter(|n| n.framework == Framework::DhakaPrinciples).count(), 12);
        assert_eq!(NORMS.iter().filter(|n| n.framework == Framework::IloForcedLabour).count(), 11);
        assert!(is_forced_labour_indicator("FL-9"));
        assert!(!is_forced_labour_indicator("TD-9"));
    }

    #[test]
    fn the_urgent_categories_are_those_of_the_domain() {
        let urgent: Vec<_> = Category::ALL.iter().filter(|c| c.urgent_by_default()).map(|c| c.as_str()).collect();
        assert_eq!(
            urgent,
            [
                "passport_id_retention",
                "restriction_of_movement",
                "harassment_violence",
                "forced_return_or_dismissal",
                "reprisal"
            ]
        );
    }
}
