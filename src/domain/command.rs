//! Lifecycle commands: one variant per action, carrying exactly what that
//! action needs. The API converts its flat wire form into these once, so
//! nothing below it checks at run time which fields an action needs.

use super::RemedyId;
use super::case::ExternalBody;
use super::lifecycle::Action;
use super::remedy::NewRemedy;

/// A satisfaction rating from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    pub fn new(value: i32) -> Option<Self> {
        u8::try_from(value).ok().filter(|v| (1..=5).contains(v)).map(Self)
    }

    pub fn get(self) -> i32 {
        i32::from(self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseCommand {
    Acknowledge,
    RejectNotAdmissible,
    Refer,
    Respond,
    Escalate,
    StartMediation,
    /// At least one remedy (the constructor of the wire form makes sure).
    ProposeRemedy {
        remedies: Vec<NewRemedy>,
    },
    CloseUnresolved,
    AcceptRemedy,
    RejectRemedy,
    /// `evidence` says how it was delivered; it is the event's reason.
    MarkRemedyDelivered {
        remedy: RemedyId,
        evidence: String,
    },
    ConfirmRemedy {
        rating: Option<Rating>,
        comment: Option<String>,
    },
    DisputeRemedy,
    Close,
    ReferBack,
    ReferExternal {
        body: ExternalBody,
    },
    Withdraw,
    Reopen,
    /// The reason is the worker side's account of the retaliation.
    ReportReprisal,
}

impl CaseCommand {
    /// The commands that carry nothing but their action.
    pub fn plain(action: Action) -> Option<Self> {
        match action {
            Action::Acknowledge => Some(Self::Acknowledge),
            Action::RejectNotAdmissible => Some(Self::RejectNotAdmissible),
            Action::Refer => Some(Self::Refer),
            Action::Respond => Some(Self::Respond),
            Action::Escalate => Some(Self::Escalate),
            Action::StartMediation => Some(Self::StartMediation),
            Action::CloseUnresolved => Some(Self::CloseUnresolved),
            Action::AcceptRemedy => Some(Self::AcceptRemedy),
            Action::RejectRemedy => Some(Self::RejectRemedy),
            Action::DisputeRemedy => Some(Self::DisputeRemedy),
            Action::Close => Some(Self::Close),
            Action::ReferBack => Some(Self::ReferBack),
            Action::Withdraw => Some(Self::Withdraw),
            Action::Reopen => Some(Self::Reopen),
            Action::ReportReprisal => Some(Self::ReportReprisal),
            Action::ProposeRemedy | Action::MarkRemedyDelivered | Action::ConfirmRemedy | Action::ReferExternal => None,
        }
    }

    pub fn action(&self) -> Action {
        match self {
            Self::Acknowledge => Action::Acknowledge,
            Self::RejectNotAdmissible => Action::RejectNotAdmissible,
            Self::Refer => Action::Refer,
            Self::Respond => Action::Respond,
            Self::Escalate => Action::Escalate,
            Self::StartMediation => Action::StartMediation,
            Self::ProposeRemedy { .. } => Action::ProposeRemedy,
            Self::CloseUnresolved => Action::CloseUnresolved,
            Self::AcceptRemedy => Action::AcceptRemedy,
            Self::RejectRemedy => Action::RejectRemedy,
            Self::MarkRemedyDelivered { .. } => Action::MarkRemedyDelivered,
            Self::ConfirmRemedy { .. } => Action::ConfirmRemedy,
            Self::DisputeRemedy => Action::DisputeRemedy,
            Self::Close => Action::Close,
            Self::ReferBack => Action::ReferBack,
            Self::ReferExternal { .. } => Action::ReferExternal,
            Self::Withdraw => Action::Withdraw,
            Self::Reopen => Action::Reopen,
            Self::ReportReprisal => Action::ReportReprisal,
        }
    }
}

/// A command as given: what, why, and against which version of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub command: CaseCommand,
    /// Trimmed and non-empty when present; some edges require one.
    pub reason: Option<String>,
    pub expected_version: i32,
}

impl Instruction {
    pub fn new(command: CaseCommand, reason: Option<String>, expected_version: i32) -> Self {
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        Self { command, reason, expected_version }
    }

    /// What the audit trail records as the reason: for a delivery, its evidence.
    pub fn recorded_reason(&self) -> Option<&str> {
        match &self.command {
            CaseCommand::MarkRemedyDelivered { evidence, .. } => Some(evidence),
            _ => self.reason.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_a_plain_command_or_carries_data_and_maps_back() {
        for &action in Action::ALL {
            if let Some(command) = CaseCommand::plain(action) {
                assert_eq!(command.action(), action);
            }
        }
        let carrying = Action::ALL.iter().filter(|a| CaseCommand::plain(**a).is_none()).count();
        assert_eq!(carrying, 4);
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert_eq!(Rating::new(0), None);
        assert_eq!(Rating::new(6), None);
        assert_eq!(Rating::new(-1), None);
        assert_eq!(Rating::new(3).map(Rating::get), Some(3));
    }

    #[test]
    fn blank_reasons_are_no_reasons() {
        let instruction = Instruction::new(CaseCommand::Withdraw, Some("   ".into()), 1);
        assert_eq!(instruction.reason, None);
        let instruction = Instruction::new(CaseCommand::Withdraw, Some(" moved home ".into()), 1);
        assert_eq!(instruction.recorded_reason(), Some("moved home"));
    }
}
