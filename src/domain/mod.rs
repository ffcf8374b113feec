//! Pure domain types and rules. No I/O lives here.

pub mod account_code;
pub mod case;
pub mod casework;
pub mod catalogue;
pub mod command;
pub mod decision;
pub mod disclosure;
pub mod employer_name;
pub mod event;
pub mod ids;
pub mod labels;
pub mod language;
pub mod lifecycle;
pub mod names;
pub mod notification;
pub mod organisation;
pub mod privacy;
pub mod remedy;
pub mod report;
pub mod user;
pub mod validation;

pub use ids::{
    AccountCodeId, CaseId, ConflictId, EventId, EvidenceId, MessageId, OrganisationId, OutboxId, RefreshTokenId,
    RemedyId, SessionFamilyId, UserId, WebhookId,
};
pub use language::LanguageTag;
pub use organisation::OrganisationKind;
pub use user::Role;
pub use validation::{FieldError, FieldErrors};
