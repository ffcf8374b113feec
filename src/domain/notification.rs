//! Who hears what: each happening on a case and the roles told of it (the
//! table `Happening::audience`, published at `/lifecycle/notifications`),
//! what a notice may say to each, the channels notices travel by, and what
//! a template is filled with.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::case::Visibility;
use super::lifecycle::{Action, CaseRole};
use super::names::{UnknownName, string_enum};

string_enum!(
    /// Something that happened to a case that someone must hear of. Each has
    /// one row in the who-hears-what table (`audience`).
    Happening {
        /// A new case: a receipt to the worker where a contact exists, and the handlers.
        Lodged = "lodged",
        Acknowledged = "acknowledged",
        NotAdmissible = "not_admissible",
        /// Referred to the employer and its supervising organisation (also after an escalation).
        Referred = "referred",
        Responded = "responded",
        MediatorAssigned = "mediator_assigned",
        /// A handler was made the case's owner (by themselves or another handler).
        HandlerAssigned = "handler_assigned",
        MediationStarted = "mediation_started",
        RemedyProposed = "remedy_proposed",
        RemedyAccepted = "remedy_accepted",
        RemedyRejected = "remedy_rejected",
        RemedyDelivered = "remedy_delivered",
        RemedyDisputed = "remedy_disputed",
        /// The worker confirmed the remedy: the handlers can close the case.
        RemedyVerified = "remedy_verified",
        Escalated = "escalated",
        ReferredExternal = "referred_external",
        Closed = "closed",
        Withdrawn = "withdrawn",
        Reopened = "reopened",
        /// A message everyone on the case may read.
        MessageParties = "message_parties",
        /// A message for the worker side, the handlers and the mediator.
        MessageWorkerSide = "message_worker_side",
        /// A note among the handlers and the mediator.
        MessageInternal = "message_internal",
        /// A stage's time frame ends soon.
        StageReminder = "stage_reminder",
        /// A stage's time frame passed and the lifecycle gives the system nothing to do.
        StageExpired = "stage_expired",
        /// An agreed remedy is due soon.
        RemedyDueSoon = "remedy_due_soon",
        /// The three-month outer bound from submission ends soon with no outcome.
        OuterBoundApproaching = "outer_bound_approaching",
        /// The three-month outer bound passed with no outcome.
        OuterBoundPassed = "outer_bound_passed",
        /// During the reprisal watch: the worker is asked whether all is well.
        ReprisalCheckIn = "reprisal_check_in",
        /// The worker side reported retaliation: the case reopened as urgent.
        ReprisalReported = "reprisal_reported",
        /// The worker side asked for the case's personal data to be erased.
        ErasureRequested = "erasure_requested",
        /// A handler refused the request for erasure, with a reason.
        ErasureRefused = "erasure_refused",
        /// The case's personal data was erased (on request or after the retention period).
        PersonalDataErased = "personal_data_erased",
    }
);

/// Who hears of a happening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// These roles on the case (an employer or supervisor once referred, the mediator once assigned).
    Roles(&'static [CaseRole]),
    /// Whoever the stage's clock says must act.
    WhoMustAct,
    /// The organisation responsible for the remedy.
    ResponsibleOrganisation,
    /// The one handler who owns the case (not every handler).
    AssignedHandler,
}

use CaseRole as R;

const EVERYONE: &[CaseRole] = &[R::Worker, R::Advocate, R::Handler, R::Employer, R::Supervisor, R::Mediator];
const WORKER_SIDE_AND_STAFF: &[CaseRole] = &[R::Worker, R::Advocate, R::Handler, R::Mediator];

impl Happening {
    /// What a lifecycle action is, as news. Exhaustive over actions.
    pub fn of_action(action: Action) -> Self {
        match action {
            Action::Acknowledge => Self::Acknowledged,
            Action::RejectNotAdmissible => Self::NotAdmissible,
            Action::Refer | Action::ReferBack => Self::Referred,
            Action::Respond => Self::Responded,
            Action::Escalate => Self::Escalated,
            Action::StartMediation => Self::MediationStarted,
            Action::ProposeRemedy => Self::RemedyProposed,
            Action::CloseUnresolved | Action::Close => Self::Closed,
            Action::AcceptRemedy => Self::RemedyAccepted,
            Action::RejectRemedy => Self::RemedyRejected,
            Action::MarkRemedyDelivered => Self::RemedyDelivered,
            Action::ConfirmRemedy => Self::RemedyVerified,
            Action::DisputeRemedy => Self::RemedyDisputed,
            Action::ReferExternal => Self::ReferredExternal,
            Action::Withdraw => Self::Withdrawn,
            Action::Reopen => Self::Reopened,
            Action::ReportReprisal => Self::ReprisalReported,
        }
    }

    pub fn of_message(visibility: Visibility) -> Self {
        match visibility {
            Visibility::Parties => Self::MessageParties,
            Visibility::WorkerSide => Self::MessageWorkerSide,
            Visibility::Internal => Self::MessageInternal,
        }
    }

    /// The who-hears-what table. The actor never hears of their own act,
    /// except the worker's receipt for a case they lodged.
    pub fn audience(self) -> Audience {
        let roles = Audience::Roles;
        match self {
            Self::Lodged => roles(&[R::Worker, R::Advocate, R::Handler]),
            Self::Acknowledged | Self::NotAdmissible => roles(&[R::Worker, R::Advocate]),
            Self::Referred => roles(&[R::Worker, R::Advocate, R::Employer, R::Supervisor, R::Mediator]),
            Self::MediatorAssigned => roles(&[R::Mediator, R::Worker, R::Advocate, R::Employer, R::Supervisor]),
            Self::HandlerAssigned => Audience::AssignedHandler,
            Self::Responded
            | Self::MediationStarted
            | Self::RemedyProposed
            | Self::RemedyAccepted
            | Self::RemedyRejected
            | Self::RemedyDisputed
            | Self::RemedyVerified
            | Self::Escalated
            | Self::ReferredExternal
            | Self::Closed
            | Self::Withdrawn
            | Self::Reopened
            | Self::MessageParties => roles(EVERYONE),
            Self::RemedyDelivered | Self::MessageWorkerSide => roles(WORKER_SIDE_AND_STAFF),
            Self::MessageInternal => roles(&[R::Handler, R::Mediator]),
            Self::StageReminder => Audience::WhoMustAct,
            Self::StageExpired | Self::OuterBoundApproaching => roles(&[R::Handler]),
            Self::RemedyDueSoon => Audience::ResponsibleOrganisation,
            Self::OuterBoundPassed => roles(WORKER_SIDE_AND_STAFF),
            Self::ReprisalCheckIn => roles(&[R::Worker, R::Advocate]),
            // Not the respondents: the handlers decide what they are told, and when.
            Self::ReprisalReported => roles(WORKER_SIDE_AND_STAFF),
            Self::ErasureRequested => roles(&[R::Handler]),
            // Only those who may hear of it once the identity is gone: an account or the advocate.
            Self::ErasureRefused | Self::PersonalDataErased => roles(&[R::Worker, R::Advocate]),
        }
    }

    /// Whether the actor hears of their own act: a worker's receipt for the case they lodged.
    pub fn tells_the_actor(self) -> bool {
        self == Self::Lodged
    }
}

/// What a notice may say (`auth::policy::mail_content` decides it per reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// "There is news on your case", its reference and a link.
    NewsOnly,
    /// What happened, the stage, its due date and the priority; never the
    /// narrative, the identity or a message's text.
    Summary,
}

string_enum!(
    /// A deadline notice, given once per stage entry (or remedy due date).
    NoticeKind {
        /// A stage's time frame ends soon.
        Reminder = "reminder",
        /// A stage's time frame has passed.
        Expired = "expired",
        /// An owed remedy is due soon.
        RemedyDueSoon = "remedy_due_soon",
        /// The three-month outer bound ends soon.
        OuterBoundReminder = "outer_bound_reminder",
        /// The three-month outer bound has passed.
        OuterBoundPassed = "outer_bound_passed",
        /// A check-in of the reprisal watch.
        ReprisalCheckIn = "reprisal_check_in",
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

string_enum!(
    /// Mail about an account rather than a case.
    AccountMail {
        /// A code that attaches the address to the account that asked for it.
        ConfirmEmail = "confirm_email",
        /// Someone asked to attach an address that another account already
        /// has: its owner is told, the asker learns nothing.
        AddressInUse = "address_in_use",
        /// A code that sets a new password.
        ResetPassword = "reset_password",
    }
);

impl AccountMail {
    /// Its name in the outbox's `notification` column, apart from happenings.
    fn topic(self) -> &'static str {
        match self {
            Self::ConfirmEmail => "account.confirm_email",
            Self::AddressInUse => "account.address_in_use",
            Self::ResetPassword => "account.reset_password",
        }
    }

    /// Whether the mail carries a code (which is cleared once it is sent).
    pub fn carries_code(self) -> bool {
        match self {
            Self::ConfirmEmail | Self::ResetPassword => true,
            Self::AddressInUse => false,
        }
    }
}

/// What an account mail is filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct AccountParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// What an outbox row carries (its `notification` column): a templated
/// notification or an account mail, sent by e-mail, or a case event,
/// POSTed to a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxTopic {
    Notification(Happening),
    Account(AccountMail),
    CaseEvent,
}

impl OutboxTopic {
    const CASE_EVENT: &'static str = "case_event";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification(kind) => kind.as_str(),
            Self::Account(mail) => mail.topic(),
            Self::CaseEvent => Self::CASE_EVENT,
        }
    }
}

impl FromStr for OutboxTopic {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == Self::CASE_EVENT {
            return Ok(Self::CaseEvent);
        }
        if let Some(mail) = AccountMail::ALL.iter().copied().find(|mail| mail.topic() == s) {
            return Ok(Self::Account(mail));
        }
        s.parse().map(Self::Notification)
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
    /// How the reader stands towards the case; it decides what the notice may say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<CaseRole>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outbox_topic_round_trips_through_its_name() {
        let topics = Happening::ALL
            .iter()
            .copied()
            .map(OutboxTopic::Notification)
            .chain(AccountMail::ALL.iter().copied().map(OutboxTopic::Account))
            .chain([OutboxTopic::CaseEvent]);
        for topic in topics {
            assert_eq!(topic.to_string().parse::<OutboxTopic>(), Ok(topic));
        }
        assert!("case_evnt".parse::<OutboxTopic>().is_err());
    }

    #[test]
    fn nobody_hears_of_what_they_may_not_see() {
        let visibility = |happening: Happening| match happening {
            Happening::MessageWorkerSide | Happening::ReprisalReported | Happening::ReprisalCheckIn => {
                Visibility::WorkerSide
            }
            Happening::MessageInternal | Happening::OuterBoundApproaching => Visibility::Internal,
            _ => Visibility::Parties,
        };
        for &happening in Happening::ALL {
            if let Audience::Roles(roles) = happening.audience() {
                assert!(!roles.is_empty(), "{happening}");
                for role in roles {
                    assert!(visibility(happening).visible_to(*role), "{happening} told to {role}");
                }
            }
        }
    }

    #[test]
    fn every_action_is_news_and_the_handlers_hear_what_needs_them() {
        for &action in Action::ALL {
            let happening = Happening::of_action(action);
            assert!(Happening::ALL.contains(&happening));
        }
        for happening in [
            Happening::Lodged,
            Happening::RemedyVerified,
            Happening::Escalated,
            Happening::StageExpired,
            Happening::OuterBoundPassed,
            Happening::ReprisalReported,
        ] {
            let Audience::Roles(roles) = happening.audience() else { panic!("{happening}") };
            assert!(roles.contains(&CaseRole::Handler), "{happening}");
        }
        assert_eq!(Happening::HandlerAssigned.audience(), Audience::AssignedHandler);
        let Audience::Roles(roles) = Happening::MediatorAssigned.audience() else { panic!() };
        assert!(roles.contains(&CaseRole::Mediator));
    }
}
