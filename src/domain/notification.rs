//! Kinds of notification and whom each goes to (see `service::notifications`),
//! the channels they travel by, and what a template is filled with.

use serde::Deserialize;

use super::names::string_enum;

string_enum!(
    NotificationKind {
        /// A new case: to the operator's handlers.
        CaseSubmitted = "case_submitted",
        /// Any state change from acknowledgement on: to the worker and their advocate.
        CaseStateChanged = "case_state_changed",
        /// Referral: to each party organisation.
        CaseReferred = "case_referred",
        /// A new message: to those who may read it, except its author.
        MessagePosted = "message_posted",
        /// A stage's time frame ends soon: to whoever must act.
        DeadlineApproaching = "deadline_approaching",
        /// A stage's time frame passed with no system action: to the handlers.
        DeadlinePassed = "deadline_passed",
        /// An agreed remedy is due soon: to the responsible organisation.
        RemedyDueSoon = "remedy_due_soon",
    }
);

string_enum!(
    /// How an outbox row travels.
    Channel {
        Email = "email",
        Webhook = "webhook",
    }
);

/// What a template is filled with. `state` is a state name; it is shown as
/// its label in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Params {
    pub reference: String,
    pub case_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}
