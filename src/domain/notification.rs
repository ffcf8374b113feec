//! Kinds of notification and whom each goes to (see `service::notifications`),
//! the channels they travel by, and what a template is filled with.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::names::{UnknownName, string_enum};

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
    /// A deadline notice, given once per stage entry (or remedy due date).
    NoticeKind {
        /// A stage's time frame ends soon.
        Reminder = "reminder",
        /// A stage's time frame has passed.
        Expired = "expired",
        /// An owed remedy is due soon.
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

string_enum!(
    /// Where an outbox row is in its delivery.
    OutboxStatus {
        /// Due for (another) attempt.
        Pending = "pending",
        Sent = "sent",
        /// Out of attempts; an admin may requeue it.
        Dead = "dead",
    }
);

/// What an outbox row carries (its `notification` column): a templated
/// notification, sent by e-mail, or a case event, POSTed to a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxTopic {
    Notification(NotificationKind),
    CaseEvent,
}

impl OutboxTopic {
    const CASE_EVENT: &'static str = "case_event";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification(kind) => kind.as_str(),
            Self::CaseEvent => Self::CASE_EVENT,
        }
    }
}

impl FromStr for OutboxTopic {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == Self::CASE_EVENT { Ok(Self::CaseEvent) } else { s.parse().map(Self::Notification) }
    }
}

impl fmt::Display for OutboxTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outbox_topic_round_trips_through_its_name() {
        let topics =
            NotificationKind::ALL.iter().copied().map(OutboxTopic::Notification).chain([OutboxTopic::CaseEvent]);
        for topic in topics {
            assert_eq!(topic.to_string().parse::<OutboxTopic>(), Ok(topic));
        }
        assert!("case_evnt".parse::<OutboxTopic>().is_err());
    }
}
