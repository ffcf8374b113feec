//! Entries of a case's audit trail, as a command drafts them.

use super::case::Visibility;
use super::lifecycle::{Action, CaseState};
use super::names::string_enum;

string_enum!(
    /// What an entry of the audit trail records.
    EventKind {
        Lodged = "lodged",
        /// An advocate lodged with the worker's consent: how and when it was obtained.
        AdvocateConsentRecorded = "advocate_consent_recorded",
        /// A lifecycle action moved (or, for a partial delivery, kept) the case.
        Transition = "transition",
        MessagePosted = "message_posted",
        EvidenceAttached = "evidence_attached",
        MediatorAssigned = "mediator_assigned",
        /// A handler took the case, or was given it (details: `from`, `to`).
        HandlerAssigned = "handler_assigned",
        /// The case's handler gave it up, or was taken off it (details: `from`).
        HandlerUnassigned = "handler_unassigned",
        /// The case's mediator declared a conflict of interest touching it.
        ConflictDeclared = "conflict_declared",
        EmployerLinked = "employer_linked",
        Classified = "classified",
        IdentityUpdated = "identity_updated",
        DisclosureConsentGiven = "disclosure_consent_given",
        DisclosureConsentWithdrawn = "disclosure_consent_withdrawn",
        DeadlineReminder = "deadline_reminder",
        DeadlinePassed = "deadline_passed",
        RemedyReminder = "remedy_reminder",
        /// The three-month outer bound ends soon with no outcome: the handlers were reminded.
        OuterBoundReminder = "outer_bound_reminder",
        /// The three-month outer bound passed with no outcome.
        OuterBoundPassed = "outer_bound_passed",
        /// The worker was asked, during the reprisal watch, whether all is well.
        ReprisalCheckIn = "reprisal_check_in",
        /// An advocate organisation now acts for the worker (replacing any other).
        AdvocateAdded = "advocate_added",
        /// The advocate organisation no longer acts for the worker.
        AdvocateRemoved = "advocate_removed",
        /// A handler issued a new receipt code after checking the worker's identity; the old one ended.
        ReceiptCodeReplaced = "receipt_code_replaced",
        /// A handler holds the case past its retention period (reason: why).
        LegalHoldSet = "legal_hold_set",
        LegalHoldCleared = "legal_hold_cleared",
        /// The worker side asked for the case's personal data to be erased.
        ErasureRequested = "erasure_requested",
        /// A handler refused a request for erasure (reason: why, shown to the worker).
        ErasureRefused = "erasure_refused",
        /// The case's personal data was erased (details: the reason and the kinds of data, never content).
        PersonalDataErased = "personal_data_erased",
    }
);

/// One entry for the audit trail, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub action: Option<Action>,
    pub from: Option<CaseState>,
    pub to: Option<CaseState>,
    pub reason: Option<String>,
    pub details: serde_json::Value,
    pub visibility: Visibility,
}

impl NewEvent {
    /// An entry that records a fact about the case, not a transition.
    pub fn note(kind: EventKind, visibility: Visibility, details: serde_json::Value) -> Self {
        Self { kind, action: None, from: None, to: None, reason: None, details, visibility }
    }
}
