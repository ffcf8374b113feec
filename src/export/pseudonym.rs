//! Stable pseudonyms for cases: a keyed hash of the case id, so the same
//! case has the same pseudonym in every export of one installation, and
//! different installations (different keys) cannot be linked.

use crate::crypto::{hex, hmac_sha256};

pub fn pseudonym(key: &[u8], case_id: &str) -> String {
    let digest = hmac_sha256(key, format!("case:{case_id}").as_bytes());
    format!("P-{}", hex(&digest[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_per_key_and_different_across_keys() {
        assert_eq!(pseudonym(b"k1", "case"), pseudonym(b"k1", "case"));
        assert_ne!(pseudonym(b"k1", "case"), pseudonym(b"k2", "case"));
        assert_ne!(pseudonym(b"k1", "case"), pseudonym(b"k1", "other"));
        assert!(!pseudonym(b"k1", "case").contains("case"));
    }
}
