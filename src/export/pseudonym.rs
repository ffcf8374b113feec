//! Stable pseudonyms for cases: a keyed hash of the case id, so the same
//! case has the same pseudonym in every export of one installation, and
//! different installations (different keys) cannot be linked.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub fn pseudonym(key: &[u8], case_id: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"case:");
    mac.update(case_id.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("P-{hex}")
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
