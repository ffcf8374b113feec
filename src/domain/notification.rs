//! Kinds of notification, and whom each goes to (see `service::notifications`).

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
