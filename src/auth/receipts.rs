//! Receipt codes: how a worker without an account comes back to their case.
//!
//! A code is shown once and stored only as a SHA-256 hash (it carries about
//! 94 bits, so a fast hash suffices). When the client sent an
//! `Idempotency-Key`, the code is derived from it with a server key, so a
//! retried request can be answered with the same code without storing it.

use secrecy::ExposeSecret;

use crate::config::AuthSettings;
use crate::crypto::{hmac_sha256, sha256_hex};
use crate::domain::case::{normalise_receipt_code, receipt_code_from_bytes};

pub struct ReceiptKeys {
    key: [u8; 32],
}

impl ReceiptKeys {
    pub fn from_settings(settings: &AuthSettings) -> Self {
        // A sub-key of the signing secret, so one secret configures both.
        Self { key: hmac_sha256(settings.jwt_secret.expose_secret().as_bytes(), b"madoguchi receipt codes v1") }
    }

    pub fn random_code(&self) -> anyhow::Result<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
        Ok(receipt_code_from_bytes(&bytes))
    }

    pub fn code_for_retry_key(&self, scope: &str, key: &str) -> String {
        let message = format!("{scope}\u{0}{key}");
        receipt_code_from_bytes(&hmac_sha256(&self.key, message.as_bytes()))
    }

    /// What is stored, and what a typed code is compared by.
    pub fn hash(&self, code: &str) -> String {
        sha256_hex(normalise_receipt_code(code).as_bytes())
    }
}

/// What a receipt session carries of the code that opened it: enough to
/// tell whether that code is still the case's, nothing to find the code by.
pub fn session_fingerprint(receipt_code_hash: &str) -> String {
    let mut digest = sha256_hex(format!("madoguchi receipt session\u{0}{receipt_code_hash}").as_bytes());
    digest.truncate(16);
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> ReceiptKeys {
        ReceiptKeys::from_settings(&AuthSettings::for_tests(secret))
    }

    #[test]
    fn retry_keys_give_the_same_code_and_servers_differ() {
        let a = keys(&"a".repeat(40));
        assert_eq!(a.code_for_retry_key("intake", "k1"), a.code_for_retry_key("intake", "k1"));
        assert_ne!(a.code_for_retry_key("intake", "k1"), a.code_for_retry_key("intake", "k2"));
        assert_ne!(a.code_for_retry_key("intake", "k1"), keys(&"b".repeat(40)).code_for_retry_key("intake", "k1"));
        assert_ne!(a.random_code().unwrap(), a.random_code().unwrap());
    }

    #[test]
    fn a_session_fingerprint_follows_the_code_and_reveals_nothing_of_it() {
        let k = keys(&"a".repeat(40));
        let (one, two) = (k.hash(&k.random_code().unwrap()), k.hash(&k.random_code().unwrap()));
        assert_eq!(session_fingerprint(&one), session_fingerprint(&one));
        assert_ne!(session_fingerprint(&one), session_fingerprint(&two));
        assert_eq!(session_fingerprint(&one).len(), 16);
        assert!(!one.contains(&session_fingerprint(&one)));
    }

    #[test]
    fn hashes_ignore_how_the_code_was_typed() {
        let k = keys(&"a".repeat(40));
        let code = k.random_code().unwrap();
        assert_eq!(k.hash(&code), k.hash(&code.to_lowercase().replace('-', " ")));
        assert_ne!(k.hash(&code), code);
    }
}
