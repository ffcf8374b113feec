//! Roles and the rules for user identity fields.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::organisation::OrganisationKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A foreign worker; belongs to no organisation.
    Worker,
    /// NGO, union or legal-aid staff acting for workers.
    Advocate,
    /// Staff of the operator who triage and route cases.
    Handler,
    /// Staff of a host company.
    EmployerStaff,
    /// Staff of a supervising or registered support organisation.
    SupervisingOrgStaff,
    /// Independent mediator.
    Mediator,
    /// Researcher who reads statistics and pseudonymised exports.
    Analyst,
    /// Operator of the installation.
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::Worker,
        Self::Advocate,
        Self::Handler,
        Self::EmployerStaff,
        Self::SupervisingOrgStaff,
        Self::Mediator,
        Self::Analyst,
        Self::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Advocate => "advocate",
            Self::Handler => "handler",
            Self::EmployerStaff => "employer_staff",
            Self::SupervisingOrgStaff => "supervising_org_staff",
            Self::Mediator => "mediator",
            Self::Analyst => "analyst",
            Self::Admin => "admin",
        }
    }

    /// Which organisation a user of this role must (or must not) belong to.
    pub fn organisation_rule(self) -> OrganisationRule {
        use OrganisationKind as K;
        match self {
            Self::Worker => OrganisationRule::None,
            Self::Advocate => OrganisationRule::OneOf(&[K::Ngo]),
            Self::Handler => OrganisationRule::OneOf(&[K::Operator]),
            Self::EmployerStaff => OrganisationRule::OneOf(&[K::Employer]),
            Self::SupervisingOrgStaff => OrganisationRule::OneOf(&[K::SupervisingOrg, K::SupportOrg]),
            Self::Mediator => OrganisationRule::OneOf(&[K::MediationBody]),
            Self::Analyst => OrganisationRule::OneOf(&[K::Ngo, K::Operator]),
            // The bootstrap admin is created before any organisation exists.
            Self::Admin => OrganisationRule::Optional(&[K::Operator]),
        }
    }
}

/// The organisation constraint attached to a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationRule {
    /// The user belongs to no organisation.
    None,
    /// The user must belong to an organisation of one of these kinds.
    OneOf(&'static [OrganisationKind]),
    /// The user may belong to no organisation, or to one of these kinds.
    Optional(&'static [OrganisationKind]),
}

impl OrganisationRule {
    pub fn allows(self, kind: Option<OrganisationKind>) -> bool {
        match (self, kind) {
            (Self::None, None) | (Self::Optional(_), None) => true,
            (Self::None, Some(_)) | (Self::OneOf(_), None) => false,
            (Self::OneOf(kinds), Some(kind)) | (Self::Optional(kinds), Some(kind)) => kinds.contains(&kind),
        }
    }

    pub fn describe(self) -> String {
        let names = |kinds: &[OrganisationKind]| kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" or ");
        match self {
            Self::None => "must not belong to an organisation".to_owned(),
            Self::OneOf(kinds) => {
                format!("must belong to an organisation of kind {}", names(kinds))
            }
            Self::Optional(kinds) => {
                format!("may belong only to an organisation of kind {}", names(kinds))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Usernames are how workers without email log in: short, case-insensitive,
/// any script (a Vietnamese or Nepali worker may want their own).
pub fn normalise_username(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim().to_lowercase();
    let length = name.chars().count();
    if !(3..=64).contains(&length) {
        return Err("must be 3 to 64 characters long");
    }
    if name.contains('@') {
        return Err("must not contain `@` (that is for email addresses)");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err("may contain only letters, digits, `.`, `_` and `-`");
    }
    Ok(name)
}

/// Email addresses are compared case-insensitively.
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Length is what makes a password strong; no composition rules (NIST SP 800-63B).
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < PASSWORD_MIN_CHARS {
        return Err("must be at least 10 characters long");
    }
    if length > PASSWORD_MAX_CHARS {
        return Err("must be at most 256 characters long");
    }
    Ok(())
}

/// A user account. The password hash never leaves the persistence and
/// session layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: super::UserId,
    pub email: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub organisation_id: Option<super::OrganisationId>,
    pub preferred_language: super::LanguageTag,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// A deactivated account cannot log in.
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrganisationKind as K;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
    }

    #[test]
    fn organisation_rules_per_role() {
        let cases: &[(Role, Option<K>, bool)] = &[
            (Role::Worker, None, true),
            (Role::Worker, Some(K::Employer), false),
            (Role::Advocate, Some(K::Ngo), true),
            (Role::Advocate, None, false),
            (Role::Advocate, Some(K::Employer), false),
            (Role::Handler, Some(K::Operator), true),
            (Role::Handler, Some(K::Ngo), false),
            (Role::EmployerStaff, Some(K::Employer), true),
            (Role::EmployerStaff, Some(K::SupervisingOrg), false),
            (Role::SupervisingOrgStaff, Some(K::SupervisingOrg), true),
            (Role::SupervisingOrgStaff, Some(K::SupportOrg), true),
            (Role::SupervisingOrgStaff, Some(K::Employer), false),
            (Role::Mediator, Some(K::MediationBody), true),
            (Role::Mediator, None, false),
            (Role::Analyst, Some(K::Ngo), true),
            (Role::Analyst, Some(K::Operator), true),
            (Role::Analyst, Some(K::Recruiter), false),
            (Role::Admin, None, true),
            (Role::Admin, Some(K::Operator), true),
            (Role::Admin, Some(K::Employer), false),
        ];
        for &(role, kind, expected) in cases {
            assert_eq!(role.organisation_rule().allows(kind), expected, "{role} {kind:?}");
        }
        // No role may belong to a recruiter: recruiters are respondents, not users.
        for role in Role::ALL {
            assert!(!role.organisation_rule().allows(Some(K::Recruiter)), "{role}");
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(normalise_username("  Nguyen.Van_A ").unwrap(), "nguyen.van_a");
        assert!(normalise_username("ngườilaođộng").is_ok());
        assert!(normalise_username("ab").is_err());
        assert!(normalise_username("a@b.c").is_err());
        assert!(normalise_username("has space").is_err());
    }

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(257)).is_err());
    }
}
