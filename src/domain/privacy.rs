//! Retention and erasure of a worker's personal data (APPI: the right to
//! have it deleted): when a case may be erased, asked to be, or decided on.
//! Pure rules over the case's state and its privacy record.

use super::lifecycle::CaseState;
use super::names::string_enum;

string_enum!(
    /// Why a case's personal data was erased.
    ErasureReason {
        /// The retention period after the case finished passed.
        Retention = "retention",
        /// The worker (or their advocate) asked, and a handler approved.
        Request = "request",
    }
);

string_enum!(
    /// The kinds of personal data an erasure removes, as the audit entry lists them.
    ErasedKind {
        Identity = "identity",
        Narrative = "narrative",
        Messages = "messages",
        Evidence = "evidence",
        RemedyTexts = "remedy_texts",
        EventTexts = "event_texts",
        SatisfactionComment = "satisfaction_comment",
        Notifications = "notifications",
        RetryKeys = "retry_keys",
        ReceiptCode = "receipt_code",
        AccountLink = "account_link",
    }
);

/// Where a case stands towards erasure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrivacyStatus {
    pub legal_hold: bool,
    pub erasure_requested: bool,
    pub erased: bool,
}

/// Why an erasure (or a request for one) cannot go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureRefusal {
    /// The case is open: it must be withdrawn (or closed) first.
    CaseStillOpen,
    /// A handler holds the case for legal reasons.
    LegalHold,
    AlreadyErased,
    AlreadyRequested,
    /// A decision was asked for, but nobody asked for erasure.
    NotRequested,
}

/// Whether the worker side may ask for erasure now.
pub fn may_request(state: CaseState, status: PrivacyStatus) -> Result<(), ErasureRefusal> {
    if status.erased {
        return Err(ErasureRefusal::AlreadyErased);
    }
    if !state.is_terminal() {
        return Err(ErasureRefusal::CaseStillOpen);
    }
    if status.erasure_requested {
        return Err(ErasureRefusal::AlreadyRequested);
    }
    Ok(())
}

/// Whether a handler may decide a request now (approve or refuse).
pub fn may_decide(status: PrivacyStatus) -> Result<(), ErasureRefusal> {
    if status.erased {
        return Err(ErasureRefusal::AlreadyErased);
    }
    if !status.erasure_requested {
        return Err(ErasureRefusal::NotRequested);
    }
    Ok(())
}

/// Whether the case's personal data may be erased now, for either reason.
pub fn may_erase(state: CaseState, status: PrivacyStatus) -> Result<(), ErasureRefusal> {
    if status.erased {
        return Err(ErasureRefusal::AlreadyErased);
    }
    if !state.is_terminal() {
        return Err(ErasureRefusal::CaseStillOpen);
    }
    if status.legal_hold {
        return Err(ErasureRefusal::LegalHold);
    }
    Ok(())
}

/// Whether a legal hold may be set or cleared: not on erased data.
pub fn may_hold(status: PrivacyStatus) -> Result<(), ErasureRefusal> {
    if status.erased { Err(ErasureRefusal::AlreadyErased) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses() -> Vec<PrivacyStatus> {
        let mut all = Vec::new();
        for legal_hold in [false, true] {
            for erasure_requested in [false, true] {
                for erased in [false, true] {
                    all.push(PrivacyStatus { legal_hold, erasure_requested, erased });
                }
            }
        }
        all
    }

    #[test]
    fn only_a_finished_case_not_yet_erased_nor_asked_may_be_asked_for() {
        for &state in CaseState::ALL {
            for status in statuses() {
                let expected = if status.erased {
                    Err(ErasureRefusal::AlreadyErased)
                } else if !state.is_terminal() {
                    Err(ErasureRefusal::CaseStillOpen)
                } else if status.erasure_requested {
                    Err(ErasureRefusal::AlreadyRequested)
                } else {
                    Ok(())
                };
                assert_eq!(may_request(state, status), expected, "{state:?} {status:?}");
            }
        }
    }

    #[test]
    fn an_open_or_held_case_is_never_erased() {
        for &state in CaseState::ALL {
            for status in statuses() {
                let allowed = may_erase(state, status).is_ok();
                assert_eq!(
                    allowed,
                    state.is_terminal() && !status.legal_hold && !status.erased,
                    "{state:?} {status:?}"
                );
            }
        }
        assert_eq!(may_erase(CaseState::Referred, PrivacyStatus::default()), Err(ErasureRefusal::CaseStillOpen));
        let held = PrivacyStatus { legal_hold: true, ..PrivacyStatus::default() };
        assert_eq!(may_erase(CaseState::Closed, held), Err(ErasureRefusal::LegalHold));
    }

    #[test]
    fn a_decision_needs_a_pending_request() {
        for status in statuses() {
            let allowed = may_decide(status).is_ok();
            assert_eq!(allowed, status.erasure_requested && !status.erased, "{status:?}");
        }
    }

    #[test]
    fn erased_data_cannot_be_held() {
        for status in statuses() {
            assert_eq!(may_hold(status).is_ok(), !status.erased, "{status:?}");
        }
    }
}
