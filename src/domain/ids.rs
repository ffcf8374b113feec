//! Typed identifiers. UUIDv7 keeps ids roughly time-ordered, which makes them
//! good keys for keyset pagination.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Hyphenated lower case: the form stored in TEXT columns.
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

typed_id!(UserId);
typed_id!(OrganisationId);
typed_id!(CaseId);
typed_id!(EventId);
typed_id!(MessageId);
typed_id!(EvidenceId);
typed_id!(RemedyId);
typed_id!(WebhookId);
typed_id!(OutboxId);
typed_id!(RefreshTokenId);
typed_id!(ConflictId);
// A code mailed for an account (confirm an address, reset a password).
typed_id!(AccountCodeId);
// A login session: the family of refresh tokens one login starts.
typed_id!(SessionFamilyId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = UserId::new();
        let parsed: UserId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
    }

    #[test]
    fn later_ids_sort_after_earlier_ones_as_text() {
        let first = OrganisationId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = OrganisationId::new();
        assert!(first.to_string() < second.to_string());
    }
}
