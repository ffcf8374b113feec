//! Remedies (commentary to UNGP 25): what is owed to the worker, by whom,
//! by when, and whether the worker confirmed it.

use chrono::{DateTime, NaiveDate, Utc};

use super::names::string_enum;
use super::{CaseId, OrganisationId, RemedyId};

string_enum!(
    RemedyType {
        Apology = "apology",
        /// For example a passport returned or a job restored.
        Restitution = "restitution",
        /// Medical, psychological or shelter support.
        Rehabilitation = "rehabilitation",
        /// Repaid fees, back pay, damages: amount plus ISO 4217 currency.
        FinancialCompensation = "financial_compensation",
        NonFinancialCompensation = "non_financial_compensation",
        /// Disciplinary or administrative action against those responsible.
        Sanction = "sanction",
        /// Policy or practice change, training, monitoring.
        NonRepetition = "non_repetition",
    }
);

string_enum!(
    RemedyStatus {
        Proposed = "proposed",
        Agreed = "agreed",
        Delivered = "delivered",
        Verified = "verified",
        /// The worker says it was not (fully) delivered; it is owed again.
        Disputed = "disputed",
        /// The worker turned the proposal down.
        Rejected = "rejected",
        /// No longer owed: the case was withdrawn, closed or found not admissible.
        Cancelled = "cancelled",
    }
);

/// What can happen to a remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemedyStep {
    /// The worker accepts the proposal.
    Agree,
    /// The worker turns the proposal down.
    Reject,
    /// The responsible organisation says it was delivered.
    Deliver,
    /// The worker confirms delivery.
    Verify,
    /// The worker says it was not (fully) delivered.
    Dispute,
    /// The case ended before the remedy was delivered.
    Cancel,
}

impl RemedyStep {
    pub const ALL: &'static [RemedyStep] =
        &[Self::Agree, Self::Reject, Self::Deliver, Self::Verify, Self::Dispute, Self::Cancel];
}

impl RemedyStatus {
    /// Agreed (or disputed) and not yet delivered: still owed.
    pub fn is_owed(self) -> bool {
        match self {
            Self::Agreed | Self::Disputed => true,
            Self::Proposed | Self::Delivered | Self::Verified | Self::Rejected | Self::Cancelled => false,
        }
    }

    /// The remedy lifecycle: proposed → agreed (or rejected) → delivered →
    /// verified, or disputed and owed again; a proposal or an owed remedy is
    /// cancelled when the case ends. `None` where `step` does not apply to a
    /// remedy in this status.
    pub fn after(self, step: RemedyStep) -> Option<RemedyStatus> {
        use RemedyStep as Step;
        match self {
            Self::Proposed => match step {
                Step::Agree => Some(Self::Agreed),
                Step::Reject => Some(Self::Rejected),
                Step::Cancel => Some(Self::Cancelled),
                Step::Deliver | Step::Verify | Step::Dispute => None,
            },
            Self::Agreed | Self::Disputed => match step {
                Step::Deliver => Some(Self::Delivered),
                Step::Cancel => Some(Self::Cancelled),
                Step::Agree | Step::Reject | Step::Verify | Step::Dispute => None,
            },
            Self::Delivered => match step {
                Step::Verify => Some(Self::Verified),
                Step::Dispute => Some(Self::Disputed),
                // Delivered is the organisation's word; only the worker can settle it.
                Step::Agree | Step::Reject | Step::Deliver | Step::Cancel => None,
            },
            Self::Verified | Self::Rejected | Self::Cancelled => None,
        }
    }
}

/// An amount of money as a decimal string (no floating point) and its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

impl Money {
    /// A positive decimal with at most three decimal places, for example `150000` or `1200.50`.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, &'static str> {
        let amount = amount.trim();
        let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
        let well_formed = !whole.is_empty()
            && whole.len() <= 15
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.len() <= 3
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && !(amount.contains('.') && fraction.is_empty());
        if !well_formed {
            return Err("must be a positive decimal number such as 150000 or 1200.50");
        }
        if amount.bytes().all(|b| b == b'0' || b == b'.') {
            return Err("must be more than zero");
        }
        if !super::case::valid_currency(currency) {
            return Err("currency must be an ISO 4217 code such as JPY");
        }
        Ok(Self { amount: amount.to_owned(), currency: currency.to_owned() })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRemedy {
    pub remedy_type: RemedyType,
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub money: Option<Money>,
    pub due_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub id: RemedyId,
    pub case_id: CaseId,
    pub remedy_type: RemedyType,
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub money: Option<Money>,
    pub due_date: Option<NaiveDate>,
    pub status: RemedyStatus,
    pub proposed_at: DateTime<Utc>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub delivery_note: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_step_follows_the_remedy_table() {
        use RemedyStatus as S;
        use RemedyStep as T;
        let table = [
            (S::Proposed, T::Agree, S::Agreed),
            (S::Proposed, T::Reject, S::Rejected),
            (S::Agreed, T::Deliver, S::Delivered),
            (S::Disputed, T::Deliver, S::Delivered),
            (S::Delivered, T::Verify, S::Verified),
            (S::Delivered, T::Dispute, S::Disputed),
            (S::Proposed, T::Cancel, S::Cancelled),
            (S::Agreed, T::Cancel, S::Cancelled),
            (S::Disputed, T::Cancel, S::Cancelled),
        ];
        for &status in S::ALL {
            for &step in T::ALL {
                let expected = table.iter().find(|(from, s, _)| *from == status && *s == step).map(|(_, _, to)| *to);
                assert_eq!(status.after(step), expected, "{status} {step:?}");
            }
        }
    }

    #[test]
    fn only_an_agreed_or_disputed_remedy_is_owed_and_only_it_can_be_delivered() {
        for &status in RemedyStatus::ALL {
            assert_eq!(status.is_owed(), status.after(RemedyStep::Deliver).is_some(), "{status}");
        }
    }

    #[test]
    fn money_is_a_positive_decimal_with_a_currency() {
        assert!(Money::parse("150000", "JPY").is_ok());
        assert!(Money::parse("1200.50", "USD").is_ok());
        for bad in ["", "0", "0.00", "-5", "1e5", "12.", ".5", "1,000", "12.3456"] {
            assert!(Money::parse(bad, "JPY").is_err(), "{bad}");
        }
        assert!(Money::parse("100", "yen").is_err());
    }
}
