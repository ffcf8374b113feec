//! Case request and response bodies, and their conversion to and from the domain.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::domain::case::{
    self as case_rules, ExternalBody, Identity, IdentityPatch, IntakeChannel, PartyRole, Priority, ResidenceStatus,
    Visibility,
};
use crate::domain::catalogue::Category;
use crate::domain::command::{CaseCommand, Instruction, Rating};
use crate::domain::event::EventKind;
use crate::domain::lifecycle::{self, Action, CaseRole, CaseState};
use crate::domain::remedy::{Money, NewRemedy, Remedy, RemedyStatus, RemedyType};
use crate::domain::{FieldError, FieldErrors, LanguageTag};
use crate::routes::cases::messages::EvidenceDto;
use crate::routes::common::{paged, valid_language};
use crate::service::cases::lodge::{AdvocateConsent, EmployerInput, NewCaseInput};
use crate::service::cases::messages::EvidenceInfo;
use crate::service::cases::read::{CaseSummary, CaseView};

fn valid_prefecture(value: &str) -> Result<(), ValidationError> {
    case_rules::valid_prefecture(value).then_some(()).ok_or_else(|| {
        ValidationError::new("invalid_prefecture").with_message("must be an ISO 3166-2:JP code, JP-01 to JP-47".into())
    })
}

fn valid_nationality(value: &str) -> Result<(), ValidationError> {
    case_rules::valid_nationality(value).then_some(()).ok_or_else(|| {
        ValidationError::new("invalid_country").with_message("must be an ISO 3166-1 alpha-2 code such as VN".into())
    })
}

/// The worker's identity. Shown only to the worker side, handlers and the
/// mediator, and to the employer side only with the worker's consent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityDto {
    #[validate(length(min = 1, max = 200))]
    pub full_name: Option<String>,
    #[validate(email)]
    pub email: Option<String>,
    #[validate(length(min = 5, max = 32))]
    pub phone: Option<String>,
    #[validate(length(min = 1, max = 500))]
    pub address: Option<String>,
    #[validate(length(min = 4, max = 32))]
    pub residence_card_number: Option<String>,
    #[validate(length(min = 4, max = 32))]
    pub passport_number: Option<String>,
}

impl From<IdentityDto> for Identity {
    fn from(dto: IdentityDto) -> Self {
        Self {
            full_name: dto.full_name,
            email: dto.email.map(|e| e.trim().to_lowercase()),
            phone: dto.phone,
            address: dto.address,
            residence_card_number: dto.residence_card_number,
            passport_number: dto.passport_number,
        }
    }
}

impl From<Identity> for IdentityDto {
    fn from(identity: Identity) -> Self {
        Self {
            full_name: identity.full_name,
            email: identity.email,
            phone: identity.phone,
            address: identity.address,
            residence_card_number: identity.residence_card_number,
            passport_number: identity.passport_number,
        }
    }
}

/// How an advocate obtained the worker's consent to act for them.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerConsentDto {
    /// For example "signed consent form" or "verbal, recorded by phone".
    #[validate(length(min = 3, max = 500))]
    pub method: String,
    pub obtained_on: NaiveDate,
}

/// A grievance.
///
/// Rules across fields (a 422 `validation_failed` names the field when one is broken):
/// - the employer: exactly one of `employer_organisation_id` (a registered
///   employer, from the worker's employer or `GET /api/v1/organisations/{id}`)
///   and `employer_name` (an employer not registered yet), never both, never neither;
/// - `incident_from` is not after `incident_to`, and neither is in the future;
/// - `worker_consent` is required when an advocate lodges for a worker, and
///   refused at `POST /api/v1/intake`.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LodgeCaseRequest {
    #[validate(length(min = 1, max = 15))]
    pub categories: Vec<Category>,
    /// In the worker's own words and language; kept as written.
    #[validate(length(min = 1, max = 20000))]
    pub narrative: String,
    /// BCP 47 tag of the narrative.
    #[validate(custom(function = "valid_language"))]
    #[schema(example = "vi")]
    pub narrative_language: String,
    /// When it began; not after `incident_to`, not in the future.
    pub incident_from: Option<NaiveDate>,
    /// When it ended (or last happened); not in the future.
    pub incident_to: Option<NaiveDate>,
    /// ISO 3166-2:JP code, `JP-01` to `JP-47`.
    #[validate(custom(function = "valid_prefecture"))]
    #[schema(example = "JP-23")]
    pub prefecture: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "food processing")]
    pub industry: Option<String>,
    /// The registered employer. Give this or `employer_name`, not both.
    pub employer_organisation_id: Option<Uuid>,
    /// The employer's name, when it is not (yet) registered. Give this or
    /// `employer_organisation_id`, not both.
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "Tokai Fresh Foods K.K.")]
    pub employer_name: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    #[validate(custom(function = "valid_nationality"))]
    #[schema(example = "VN")]
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    #[validate(nested)]
    pub identity: Option<IdentityDto>,
    /// Whether the employer and supervising organisation may see the identity. Default: no.
    #[serde(default)]
    pub disclose_identity_to_employer: bool,
    /// Required when an advocate lodges for a worker.
    #[validate(nested)]
    pub worker_consent: Option<WorkerConsentDto>,
}

impl LodgeCaseRequest {
    /// Cross-field rules the derive cannot express.
    pub fn into_input(self, today: NaiveDate) -> Result<NewCaseInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let employer = match (self.employer_organisation_id, self.employer_name) {
            (Some(id), None) => EmployerInput::Registered(id.into()),
            (None, Some(name)) if !name.trim().is_empty() => EmployerInput::Named(name.trim().to_owned()),
            _ => {
                errors.push(FieldError::new(
                    "employer_organisation_id",
                    "exactly_one_employer",
                    "give either employer_organisation_id or employer_name",
                ));
                EmployerInput::Named(String::new())
            }
        };
        if let (Some(from), Some(to)) = (self.incident_from, self.incident_to)
            && from > to
        {
            errors.push(FieldError::new("incident_to", "before_start", "must not be before incident_from"));
        }
        for (field, date) in [("incident_from", self.incident_from), ("incident_to", self.incident_to)] {
            if date.is_some_and(|d| d > today) {
                errors.push(FieldError::new(field, "in_future", "must not be in the future"));
            }
        }
        if self.narrative.trim().is_empty() {
            errors.push(FieldError::new("narrative", "required", "tell what happened"));
        }
        let narrative_language =
            LanguageTag::parse(&self.narrative_language).unwrap_or_else(|_| LanguageTag::english());
        errors.into_result()?;
        Ok(NewCaseInput {
            categories: self.categories,
            narrative: self.narrative,
            narrative_language,
            incident_from: self.incident_from,
            incident_to: self.incident_to,
            prefecture: self.prefecture,
            industry: self.industry.map(|i| i.trim().to_owned()),
            employer,
            nationality: self.nationality,
            residence_status: self.residence_status,
            identity: self.identity.map(Identity::from).unwrap_or_default(),
            disclose_identity: self.disclose_identity_to_employer,
            advocate_consent: self
                .worker_consent
                .map(|c| AdvocateConsent { method: c.method, obtained_on: c.obtained_on }),
        })
    }
}

/// The answer to lodging: keep the receipt code; it is shown only once.
#[derive(Debug, Serialize, ToSchema)]
pub struct LodgedResponse {
    pub case_id: Uuid,
    #[schema(example = "MG-2026-000123")]
    pub reference: String,
    /// With the reference, lets the worker follow the case without an account.
    /// Shown only in this answer (and to a retry with the same Idempotency-Key).
    #[schema(example = "ACDEF-GHJKM-NPQRT-UVWXY")]
    pub receipt_code: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemedyProposalDto {
    #[serde(rename = "type")]
    pub remedy_type: RemedyType,
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
    /// A party to the case.
    pub responsible_organisation_id: Uuid,
    /// Decimal string, for example "150000"; with `currency`.
    pub amount: Option<String>,
    /// ISO 4217, for example "JPY".
    pub currency: Option<String>,
    pub due_date: Option<NaiveDate>,
}

/// A lifecycle action. `version` (or an `If-Match` header) must be the
/// version the caller last read.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub action: Action,
    pub version: Option<i32>,
    /// Required to reject as not admissible, escalate, close unresolved,
    /// close without a verified remedy, refer externally, dispute or reopen.
    #[validate(length(max = 5000))]
    pub reason: Option<String>,
    /// `propose_remedy`.
    #[validate(nested)]
    #[serde(default)]
    pub remedies: Vec<RemedyProposalDto>,
    /// `mark_remedy_delivered`.
    pub remedy_id: Option<Uuid>,
    /// `confirm_remedy`: satisfaction from 1 to 5.
    #[validate(range(min = 1, max = 5))]
    pub rating: Option<i32>,
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
    /// `refer_external`.
    pub external_body: Option<ExternalBody>,
}

impl RemedyProposalDto {
    pub fn into_domain(self, index: usize) -> Result<NewRemedy, FieldErrors> {
        let money = match (&self.amount, &self.currency) {
            (None, None) => None,
            (Some(amount), Some(currency)) => Some(Money::parse(amount, currency).map_err(|message| {
                FieldErrors::single(&format!("remedies[{index}].amount"), "invalid_money", message)
            })?),
            _ => {
                return Err(FieldErrors::single(
                    &format!("remedies[{index}].currency"),
                    "amount_and_currency",
                    "give both amount and currency, or neither",
                ));
            }
        };
        if self.remedy_type == RemedyType::FinancialCompensation && money.is_none() {
            return Err(FieldErrors::single(
                &format!("remedies[{index}].amount"),
                "required",
                "financial compensation needs an amount and currency",
            ));
        }
        Ok(NewRemedy {
            remedy_type: self.remedy_type,
            description: self.description,
            responsible_organisation_id: self.responsible_organisation_id.into(),
            money,
            due_date: self.due_date,
        })
    }
}

impl ActionRequest {
    /// The one place the flat wire form becomes a typed command: what each
    /// action needs must be there, or the field is named in a 422.
    pub fn into_instruction(self, version: i32) -> Result<Instruction, FieldErrors> {
        let required = |field: &str, message: &str| FieldErrors::single(field, "required", message);
        let command = match self.action {
            Action::ProposeRemedy => {
                let mut errors = FieldErrors::default();
                let mut remedies = Vec::new();
                for (index, remedy) in self.remedies.into_iter().enumerate() {
                    match remedy.into_domain(index) {
                        Ok(remedy) => remedies.push(remedy),
                        Err(more) => errors.0.extend(more.0),
                    }
                }
                errors.into_result()?;
                if remedies.is_empty() {
                    return Err(required("remedies", "propose at least one remedy"));
                }
                CaseCommand::ProposeRemedy { remedies }
            }
            Action::MarkRemedyDelivered => {
                let remedy = self.remedy_id.ok_or_else(|| required("remedy_id", "say which remedy was delivered"))?;
                let evidence = self
                    .reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| required("reason", "describe how the remedy was delivered (the evidence)"))?;
                CaseCommand::MarkRemedyDelivered { remedy: remedy.into(), evidence: evidence.to_owned() }
            }
            Action::ConfirmRemedy => {
                let rating = match self.rating {
                    Some(value) => Some(
                        Rating::new(value)
                            .ok_or_else(|| FieldErrors::single("rating", "range", "must be from 1 to 5"))?,
                    ),
                    None => None,
                };
                CaseCommand::ConfirmRemedy { rating, comment: self.comment }
            }
            Action::ReferExternal => {
                let body = self
                    .external_body
                    .ok_or_else(|| required("external_body", "say which outside body the case goes to"))?;
                CaseCommand::ReferExternal { body }
            }
            plain => CaseCommand::plain(plain).ok_or_else(|| required("action", "this action carries data"))?,
        };
        Ok(Instruction::new(command, self.reason, version))
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    pub version: i32,
    /// True to let the employer and supervising organisation see the worker's identity; false to withdraw.
    pub disclose_identity_to_employer: bool,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignMediatorRequest {
    pub version: i32,
    pub mediator_user_id: Uuid,
}

/// Who owns the case from now on.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignHandlerRequest {
    pub version: i32,
    /// A handler's user id (your own to take the case); `null` leaves the case without an owner.
    pub handler_user_id: Option<Uuid>,
}

/// Name the advocate organisation acting for the worker.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvocateRequest {
    pub version: i32,
    /// An NGO, union or legal-aid office; replaces any advocate the case has.
    pub advocate_organisation_id: Uuid,
    /// Required when a handler acts for the worker: how and when the worker asked for it.
    #[validate(nested)]
    pub worker_consent: Option<WorkerConsentDto>,
}

/// Remove the advocate organisation acting for the worker.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvocateRemovalRequest {
    pub version: i32,
    /// Required when a handler acts for the worker: how and when the worker asked for it.
    #[validate(nested)]
    pub worker_consent: Option<WorkerConsentDto>,
}

impl WorkerConsentDto {
    pub fn into_recorded(self) -> crate::service::cases::commands::RecordedConsent {
        crate::service::cases::commands::RecordedConsent { method: self.method, obtained_on: self.obtained_on }
    }
}

/// Issue a new receipt code for a worker who lost theirs.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCodeRequest {
    pub version: i32,
    /// How you checked that the caller is the worker, for the audit trail,
    /// for example "phone call; confirmed date of birth, employer and passport number".
    #[validate(length(min = 3, max = 500))]
    pub identity_check: String,
}

/// A new receipt code: pass it on to the worker; it is shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCodeResponse {
    pub case_id: Uuid,
    #[schema(example = "MG-2026-000123")]
    pub reference: String,
    #[schema(example = "ACDEF-GHJKM-NPQRT-UVWXY")]
    pub receipt_code: String,
    /// The case's version after the change.
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkEmployerRequest {
    pub version: i32,
    pub employer_organisation_id: Uuid,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationRequest {
    pub version: i32,
    pub priority: Option<Priority>,
    #[validate(length(min = 1, max = 15))]
    pub categories: Option<Vec<Category>>,
    /// ILO forced-labour indicator codes, `FL-1` to `FL-11`.
    #[validate(length(max = 11))]
    pub forced_labour_indicators: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityUpdateRequest {
    pub version: i32,
    #[validate(nested)]
    pub identity: IdentityPatchDto,
}

/// Changes to the worker's identity (JSON merge patch): a field left out
/// stays as it is, `null` clears it, a value replaces it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityPatchDto {
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub residence_card_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub passport_number: Option<Option<String>>,
}

/// A field that is present, whether `null` or a value: `Some(None)` or
/// `Some(Some(value))` (a missing field stays `None` through `default`).
fn given<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl IdentityPatchDto {
    /// The values it sets, to be checked by the rules of a whole identity.
    fn values(&self) -> IdentityDto {
        IdentityDto {
            full_name: self.full_name.clone().flatten(),
            email: self.email.clone().flatten(),
            phone: self.phone.clone().flatten(),
            address: self.address.clone().flatten(),
            residence_card_number: self.residence_card_number.clone().flatten(),
            passport_number: self.passport_number.clone().flatten(),
        }
    }
}

impl Validate for IdentityPatchDto {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        self.values().validate()
    }
}

impl From<IdentityPatchDto> for IdentityPatch {
    fn from(dto: IdentityPatchDto) -> Self {
        Self {
            full_name: dto.full_name,
            email: dto.email.map(|email| email.map(|e| e.trim().to_lowercase())),
            phone: dto.phone,
            address: dto.address,
            residence_card_number: dto.residence_card_number,
            passport_number: dto.passport_number,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDto {
    pub organisation_id: Uuid,
    pub party_role: PartyRole,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyDto {
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemedyDto {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub remedy_type: RemedyType,
    pub description: String,
    pub responsible_organisation_id: Uuid,
    pub money: Option<MoneyDto>,
    pub due_date: Option<NaiveDate>,
    pub status: RemedyStatus,
    pub proposed_at: DateTime<Utc>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub delivery_note: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    /// Files attached to its delivery (download them at `GET /api/v1/cases/{id}/evidence/{evidence_id}`).
    pub evidence: Vec<EvidenceDto>,
}

impl RemedyDto {
    fn with_evidence(remedy: Remedy, evidence: &[(crate::domain::RemedyId, EvidenceInfo)]) -> Self {
        let id = remedy.id;
        let evidence =
            evidence.iter().filter(|(remedy, _)| *remedy == id).map(|(_, e)| EvidenceDto::from(e.clone())).collect();
        Self {
            evidence,
            id: remedy.id.as_uuid(),
            remedy_type: remedy.remedy_type,
            description: remedy.description,
            responsible_organisation_id: remedy.responsible_organisation_id.as_uuid(),
            money: remedy.money.map(|m| MoneyDto { amount: m.amount, currency: m.currency }),
            due_date: remedy.due_date,
            status: remedy.status,
            proposed_at: remedy.proposed_at,
            agreed_at: remedy.agreed_at,
            delivered_at: remedy.delivered_at,
            delivery_note: remedy.delivery_note,
            verified_at: remedy.verified_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_role: CaseRole,
    pub kind: EventKind,
    pub action: Option<Action>,
    pub from_state: Option<CaseState>,
    pub to_state: Option<CaseState>,
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub visibility: Visibility,
}

/// A case as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseResponse {
    pub id: Uuid,
    pub reference: String,
    pub state: CaseState,
    /// Send it back with actions (or as `If-Match`); also in the `ETag` header.
    pub version: i32,
    pub priority: Priority,
    pub categories: Vec<Category>,
    pub narrative: String,
    pub narrative_language: String,
    pub incident_from: Option<NaiveDate>,
    pub incident_to: Option<NaiveDate>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    pub employer_organisation_id: Option<Uuid>,
    pub employer_name: Option<String>,
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    /// How the grievance came in: `online`, or recorded by a handler from a
    /// phone call, a letter, a visit or a chat app.
    pub channel: IntakeChannel,
    pub advocate_organisation_id: Option<Uuid>,
    pub mediator_user_id: Option<Uuid>,
    /// The handler who owns the case; shown to handlers and the mediator only.
    pub assigned_handler_user_id: Option<Uuid>,
    pub identity_disclosure_consent: bool,
    pub satisfaction_rating: Option<i32>,
    pub satisfaction_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub stage_entered_at: DateTime<Utc>,
    /// When the current stage's published time frame ends.
    pub stage_due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub referred_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub remedy_verified_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Three months after submission: by then the worker must have an outcome.
    pub outer_bound_at: DateTime<Utc>,
    /// When the outer bound passed without an outcome, if it did.
    pub outer_bound_passed_at: Option<DateTime<Utc>>,
    /// Until when retaliation can be reported (`report_reprisal`), during the
    /// watch that follows a verified remedy or closure.
    pub reprisal_watch_until: Option<DateTime<Utc>>,
    /// How the caller stands towards this case.
    pub your_role: CaseRole,
    /// What the caller may do next.
    pub allowed_actions: Vec<Action>,
    /// Absent when hidden from the caller.
    pub identity: Option<IdentityDto>,
    pub identity_hidden: bool,
    /// The handlers' assessment; absent for the employer side.
    pub forced_labour_indicators: Option<Vec<String>>,
    pub parties: Vec<PartyDto>,
    pub remedies: Vec<RemedyDto>,
    /// The events the caller may see, oldest first.
    pub timeline: Vec<EventDto>,
}

impl CaseResponse {
    pub fn from_view(view: CaseView, now: DateTime<Utc>) -> Self {
        let case = view.case;
        let identity_hidden = view.identity.is_none();
        Self {
            id: case.id.as_uuid(),
            reference: case.reference.to_string(),
            state: case.state,
            version: case.version,
            priority: case.priority,
            categories: case.categories,
            narrative: view.narrative,
            narrative_language: case.narrative_language.to_string(),
            incident_from: case.incident_from,
            incident_to: case.incident_to,
            prefecture: case.prefecture,
            industry: case.industry,
            employer_organisation_id: case.employer_organisation_id.map(|o| o.as_uuid()),
            employer_name: case.employer_name,
            nationality: case.nationality,
            residence_status: case.residence_status,
            channel: case.channel,
            advocate_organisation_id: case.advocate_organisation_id.map(|o| o.as_uuid()),
            mediator_user_id: case.mediator_user_id.map(|u| u.as_uuid()),
            assigned_handler_user_id: case.assigned_handler_user_id.map(|u| u.as_uuid()),
            identity_disclosure_consent: case.identity_disclosure_consent,
            satisfaction_rating: case.satisfaction_rating,
            satisfaction_comment: case.satisfaction_comment,
            created_at: case.created_at,
            updated_at: case.updated_at,
            stage_entered_at: case.stage_entered_at,
            stage_due_at: case.stage_due_at,
            overdue: case.stage_due_at.is_some_and(|due| due < now),
            acknowledged_at: case.acknowledged_at,
            referred_at: case.referred_at,
            first_response_at: case.first_response_at,
            remedy_verified_at: case.remedy_verified_at,
            finished_at: case.finished_at,
            outer_bound_at: lifecycle::outer_bound_at(case.created_at),
            outer_bound_passed_at: case.outer_bound_passed_at,
            reprisal_watch_until: case.reprisal_watch_until,
            your_role: view.role,
            allowed_actions: view.allowed_actions,
            identity: view.identity.map(IdentityDto::from),
            identity_hidden,
            forced_labour_indicators: view.forced_labour_indicators,
            parties: view
                .parties
                .into_iter()
                .map(|(org, role)| PartyDto { organisation_id: org.as_uuid(), party_role: role })
                .collect(),
            remedies: view.remedies.into_iter().map(|r| RemedyDto::with_evidence(r, &view.remedy_evidence)).collect(),
            timeline: view
                .timeline
                .into_iter()
                .map(|e| EventDto {
                    id: e.id.as_uuid(),
                    occurred_at: e.occurred_at,
                    actor_role: e.actor_role,
                    kind: e.kind,
                    action: e.action,
                    from_state: e.from_state,
                    to_state: e.to_state,
                    reason: e.reason,
                    details: e.details,
                    visibility: e.visibility,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummaryDto {
    pub id: Uuid,
    pub reference: String,
    pub state: CaseState,
    pub priority: Priority,
    pub categories: Vec<Category>,
    pub employer_organisation_id: Option<Uuid>,
    pub employer_name: Option<String>,
    pub channel: IntakeChannel,
    /// The handler who owns the case; shown to handlers and mediators only.
    pub assigned_handler_user_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub stage_due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

impl CaseSummaryDto {
    pub fn from_summary(summary: CaseSummary, now: DateTime<Utc>) -> Self {
        Self {
            id: summary.id.as_uuid(),
            reference: summary.reference,
            state: summary.state,
            priority: summary.priority,
            categories: summary.categories,
            employer_organisation_id: summary.employer_organisation_id.map(|o| o.as_uuid()),
            employer_name: summary.employer_name,
            channel: summary.channel,
            assigned_handler_user_id: summary.assigned_handler_user_id.map(|u| u.as_uuid()),
            created_at: summary.created_at,
            stage_due_at: summary.stage_due_at,
            overdue: summary.stage_due_at.is_some_and(|due| due < now),
        }
    }
}

paged!(CasePage, CaseSummaryDto);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    /// Case state.
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    /// Cases where this organisation is a party.
    pub organisation_id: Option<Uuid>,
    /// Only cases whose current stage is past its time frame.
    pub overdue: Option<bool>,
    /// Only cases that came in this way (`online`, `phone`, …).
    pub channel: Option<IntakeChannel>,
    /// Lodged at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Lodged before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Handlers only: `me` (my cases), `none` (no owner yet) or a handler's user id.
    pub assignee: Option<String>,
    /// Cases against this registered employer.
    pub employer_organisation_id: Option<Uuid>,
    /// Cases whose employer this supervising or support organisation looks after.
    pub supervising_organisation_id: Option<Uuid>,
    /// A case reference (`MG-2026-000042`), or the start of the employer's
    /// name (any spelling of it: `株式会社` and `Co., Ltd.` are ignored).
    pub q: Option<String>,
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
}

/// Mediators for a case, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorSuggestions {
    /// The language the ranking matched: the language of the worker's narrative.
    pub workers_language: String,
    pub mediators: Vec<MediatorSuggestionDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorSuggestionDto {
    pub speaks_workers_language: bool,
    pub mediator: crate::routes::staff::StaffDto,
}
