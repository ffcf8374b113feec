//! Case values: references, receipt codes, priority, residence status,
//! places and nationalities, visibility of what is said on a case.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::lifecycle::CaseRole;
use super::names::string_enum;

string_enum!(
    Priority {
        Normal = "normal",
        Urgent = "urgent",
    }
);

string_enum!(
    /// The worker's residence status in Japan.
    ResidenceStatus {
        /// 技能実習
        TechnicalIntern = "technical_intern",
        /// 特定技能
        SpecifiedSkilledWorker = "specified_skilled_worker",
        Student = "student",
        Dispatched = "dispatched",
        Other = "other",
    }
);

string_enum!(
    /// Who may read a message, an event or evidence on a case.
    Visibility {
        /// Everyone on the case, including the employer and supervising organisation.
        Parties = "parties",
        /// The worker, their advocate, handlers and the mediator.
        WorkerSide = "worker_side",
        /// Handlers and the mediator only.
        Internal = "internal",
    }
);

string_enum!(
    /// Why an organisation is a party to a case.
    PartyRole {
        /// The employer named in the case.
        Employer = "employer",
        /// The employer's supervising or registered support organisation.
        Supervisor = "supervisor",
    }
);

string_enum!(
    /// How a case came in.
    LodgedVia {
        Worker = "worker",
        Advocate = "advocate",
        Intake = "intake",
    }
);

string_enum!(
    /// How a grievance reached the mechanism. Workers and advocates lodge
    /// `online` (through the API: the web form or an app); handlers record
    /// the others for the worker (JP-MIRAI and OTIT take most consultations
    /// by phone).
    IntakeChannel {
        Online = "online",
        Phone = "phone",
        Letter = "letter",
        WalkIn = "walk_in",
        /// LINE, WhatsApp, Facebook Messenger, Viber and the like.
        ChatApp = "chat_app",
        Other = "other",
    }
);

impl IntakeChannel {
    /// Whether a handler records grievances received this way (online ones
    /// the worker lodges themselves).
    pub fn recorded_by_staff(self) -> bool {
        match self {
            Self::Online => false,
            Self::Phone | Self::Letter | Self::WalkIn | Self::ChatApp | Self::Other => true,
        }
    }
}

string_enum!(
    /// Outside bodies a handler can refer an escalated case to.
    ExternalBody {
        /// Organization for Technical Intern Training (外国人技能実習機構).
        Otit = "otit",
        LabourStandardsInspectionOffice = "labour_standards_inspection_office",
        ImmigrationServicesAgency = "immigration_services_agency",
        LegalAffairsBureau = "legal_affairs_bureau",
        Police = "police",
        Embassy = "embassy",
        Court = "court",
        LegalAid = "legal_aid",
    }
);

impl Visibility {
    pub fn visible_to(self, role: CaseRole) -> bool {
        match self {
            Self::Parties => true,
            Self::WorkerSide => match role {
                CaseRole::Worker | CaseRole::Advocate | CaseRole::Handler | CaseRole::Mediator | CaseRole::System => {
                    true
                }
                CaseRole::Employer | CaseRole::Supervisor => false,
            },
            Self::Internal => match role {
                CaseRole::Handler | CaseRole::Mediator | CaseRole::System => true,
                CaseRole::Worker | CaseRole::Advocate | CaseRole::Employer | CaseRole::Supervisor => false,
            },
        }
    }
}

/// A human-readable case reference, for example `MG-2026-000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaseReference(String);

impl CaseReference {
    pub fn new(year: i32, sequence: i64) -> Self {
        Self(format!("MG-{year}-{sequence:06}"))
    }

    /// Accepts what a worker types: any case, stray spaces.
    pub fn parse(raw: &str) -> Option<Self> {
        let upper = raw.trim().to_ascii_uppercase();
        let mut parts = upper.split('-');
        let (Some("MG"), Some(year), Some(number), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let valid = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && number.len() >= 6
            && number.bytes().all(|b| b.is_ascii_digit());
        valid.then_some(Self(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Receipt codes are read aloud and typed on phones: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
const RECEIPT_ALPHABET: &[u8; 26] = b"ACDEFGHJKMNPQRTUVWXY345679";
/// 20 symbols of a 26-letter alphabet: about 94 bits.
const RECEIPT_SYMBOLS: usize = 20;

/// Formats bytes as a receipt code, `XXXXX-XXXXX-XXXXX-XXXXX`.
pub fn receipt_code_from_bytes(bytes: &[u8; 32]) -> String {
    let symbols: Vec<char> = bytes
        .iter()
        .take(RECEIPT_SYMBOLS)
        .map(|b| RECEIPT_ALPHABET[usize::from(*b) % RECEIPT_ALPHABET.len()] as char)
        .collect();
    symbols.chunks(5).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The canonical form of a typed receipt code: upper case, no separators.
pub fn normalise_receipt_code(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Prefectures as ISO 3166-2:JP codes `JP-01` (Hokkaido) to `JP-47` (Okinawa).
pub fn valid_prefecture(code: &str) -> bool {
    code.strip_prefix("JP-")
        .and_then(|n| (n.len() == 2).then(|| n.parse::<u8>().ok()).flatten())
        .is_some_and(|n| (1..=47).contains(&n))
}

/// Nationalities as ISO 3166-1 alpha-2 codes (`VN`, `NP`, `MM`, …).
pub fn valid_nationality(code: &str) -> bool {
    code.len() == 2 && isocountry::CountryCode::for_alpha2(code).is_ok()
}

/// ISO 4217 currency codes in use (`JPY`, `VND`, `USD`, …), from the
/// `iso_currency` list; `JPN` is a country, not a currency.
pub fn valid_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) && code.parse::<iso_currency::Currency>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_4217_codes() {
        for code in ["JPY", "VND", "USD", "NPR", "MMK", "PHP", "IDR"] {
            assert!(valid_currency(code), "{code}");
        }
        for code in ["JPN", "jpy", "XYZ", "YEN", "JP", "JPYY", ""] {
            assert!(!valid_currency(code), "{code}");
        }
    }

    #[test]
    fn a_patch_changes_only_the_fields_it_names() {
        let identity = Identity {
            full_name: Some("Nguyen Van A".into()),
            email: Some("a@example.org".into()),
            phone: Some("+81 90 1111 2222".into()),
            ..Identity::default()
        };
        let patch = IdentityPatch {
            phone: Some(Some("+81 80 3333 4444".into())),
            email: Some(None),
            ..IdentityPatch::default()
        };
        let patched = identity.patched(patch);
        assert_eq!(patched.full_name.as_deref(), Some("Nguyen Van A"), "left out: kept");
        assert_eq!(patched.email, None, "null: cleared");
        assert_eq!(patched.phone.as_deref(), Some("+81 80 3333 4444"), "given: set");
    }

    #[test]
    fn references_format_and_parse() {
        let reference = CaseReference::new(2026, 123);
        assert_eq!(reference.as_str(), "MG-2026-000123");
        assert_eq!(CaseReference::parse(" mg-2026-000123 "), Some(reference));
        assert_eq!(CaseReference::parse("MG-2026-1234567").unwrap().as_str(), "MG-2026-1234567");
        for bad in ["", "MG-26-000001", "XX-2026-000001", "MG-2026-12", "MG-2026-000001-1"] {
            assert_eq!(CaseReference::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn receipt_codes_are_unambiguous_and_typable() {
        let code = receipt_code_from_bytes(&[7u8; 32]);
        assert_eq!(code.len(), 23);
        assert_eq!(code.matches('-').count(), 3);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalise_receipt_code(&typed), code.replace('-', ""));
        for c in ['0', 'O', '1', 'I', 'L', 'B', '8'] {
            assert!(!RECEIPT_ALPHABET.contains(&(c as u8)), "{c}");
        }
    }

    #[test]
    fn handlers_record_every_channel_but_online() {
        for channel in IntakeChannel::ALL {
            assert_eq!(channel.recorded_by_staff(), *channel != IntakeChannel::Online, "{channel}");
        }
    }

    #[test]
    fn places_and_nationalities() {
        assert!(valid_prefecture("JP-13") && valid_prefecture("JP-01") && valid_prefecture("JP-47"));
        assert!(!valid_prefecture("JP-48") && !valid_prefecture("JP-1") && !valid_prefecture("Tokyo"));
        assert!(valid_nationality("VN") && valid_nationality("NP") && valid_nationality("MM"));
        assert!(!valid_nationality("XX") && !valid_nationality("vn") && !valid_nationality("VNM"));
    }

    #[test]
    fn respondents_see_only_what_is_meant_for_all_parties() {
        for role in [CaseRole::Employer, CaseRole::Supervisor] {
            assert!(Visibility::Parties.visible_to(role));
            assert!(!Visibility::WorkerSide.visible_to(role));
            assert!(!Visibility::Internal.visible_to(role));
        }
        assert!(Visibility::WorkerSide.visible_to(CaseRole::Worker));
        assert!(!Visibility::Internal.visible_to(CaseRole::Advocate));
        assert!(Visibility::Internal.visible_to(CaseRole::Mediator));
    }
}

/// A grievance case as the services see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: super::CaseId,
    pub reference: CaseReference,
    pub state: super::lifecycle::CaseState,
    pub version: i32,
    pub priority: Priority,
    pub categories: Vec<super::catalogue::Category>,
    pub narrative_language: super::LanguageTag,
    pub incident_from: Option<chrono::NaiveDate>,
    pub incident_to: Option<chrono::NaiveDate>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    pub employer_organisation_id: Option<super::OrganisationId>,
    pub employer_name: Option<String>,
    /// The employer's supervising or support organisation (from its record).
    pub supervising_organisation_id: Option<super::OrganisationId>,
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    pub lodged_via: LodgedVia,
    pub channel: IntakeChannel,
    pub worker_user_id: Option<super::UserId>,
    pub advocate_organisation_id: Option<super::OrganisationId>,
    pub mediator_user_id: Option<super::UserId>,
    /// The handler who owns the case, if one does.
    pub assigned_handler_user_id: Option<super::UserId>,
    pub identity_disclosure_consent: bool,
    pub satisfaction_rating: Option<i32>,
    pub satisfaction_comment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub stage_entered_at: chrono::DateTime<chrono::Utc>,
    pub stage_due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub acknowledged_at: Option<chrono::DateTime<chrono::Utc>>,
    pub referred_at: Option<chrono::DateTime<chrono::Utc>>,
    pub first_response_at: Option<chrono::DateTime<chrono::Utc>>,
    pub remedy_verified_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Until when retaliation can be reported (after a verified remedy or closure).
    pub reprisal_watch_until: Option<chrono::DateTime<chrono::Utc>>,
    /// When the three-month outer bound passed without an outcome, if it did.
    pub outer_bound_passed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which cases a caller's list is drawn from (decided by the access policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseScope {
    All,
    Worker(super::UserId),
    AdvocateOrganisation(super::OrganisationId),
    Mediator(super::UserId),
    Party(super::OrganisationId, PartyRole),
    OneCase(super::CaseId),
}

/// The worker's identity, stored apart from the narrative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub residence_card_number: Option<String>,
    pub passport_number: Option<String>,
}

impl Identity {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// This identity with `patch` applied: fields the patch leaves out stay.
    pub fn patched(self, patch: IdentityPatch) -> Self {
        let keep = |current: Option<String>, change: Option<Option<String>>| change.unwrap_or(current);
        Self {
            full_name: keep(self.full_name, patch.full_name),
            email: keep(self.email, patch.email),
            phone: keep(self.phone, patch.phone),
            address: keep(self.address, patch.address),
            residence_card_number: keep(self.residence_card_number, patch.residence_card_number),
            passport_number: keep(self.passport_number, patch.passport_number),
        }
    }
}

/// A change to an identity, field by field: `None` keeps the field,
/// `Some(None)` clears it, `Some(Some(value))` sets it (JSON merge patch).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPatch {
    pub full_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub residence_card_number: Option<Option<String>>,
    pub passport_number: Option<Option<String>>,
}

/// One entry of a case's audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEvent {
    pub id: super::EventId,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub actor_role: super::lifecycle::CaseRole,
    pub kind: super::event::EventKind,
    pub action: Option<super::lifecycle::Action>,
    pub from_state: Option<super::lifecycle::CaseState>,
    pub to_state: Option<super::lifecycle::CaseState>,
    pub reason: Option<String>,
    pub details: serde_json::Value,
    pub visibility: Visibility,
}
