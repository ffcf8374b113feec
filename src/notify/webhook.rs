//! Webhook delivery: a JSON POST signed two ways.
//!
//! - The Standard Webhooks scheme (<https://www.standardwebhooks.com>), so
//!   receivers can verify with that specification's libraries: `webhook-id`
//!   (the event id, the same on every retry), `webhook-timestamp` (unix
//!   seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//!   "<id>.<timestamp>.<body>">`, keyed with the base64 part of the
//!   `whsec_…` secret.
//! - `Madoguchi-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//!   "<t>.<body>">`, keyed with the whole secret string, which receivers
//!   written before Standard Webhooks verify.
//!
//! A receiver rejects stale timestamps (replays) and de-duplicates by the id.

use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::{hex, hmac_sha256, sha256_hex};

pub const SIGNATURE_HEADER: &str = "Madoguchi-Signature";
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";

const SECRET_PREFIX: &str = "whsec_";

/// The `Madoguchi-Signature` header value for `body` at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let digest = hex(&hmac_sha256(secret.as_bytes(), format!("{timestamp}.{body}").as_bytes()));
    format!("t={timestamp},v1={digest}")
}

/// A new webhook secret in the Standard Webhooks form: `whsec_` and the
/// base64 of 32 random bytes.
pub fn new_secret() -> anyhow::Result<String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
}

/// The HMAC key of a secret: the bytes its base64 part stands for. Secrets
/// issued before Standard Webhooks signing are not base64; their own bytes
/// are the key, so their receivers' `Madoguchi-Signature` checks go on working.
fn standard_key(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).unwrap_or_else(|_| secret.as_bytes().to_vec())
}

/// The `webhook-signature` header value (`v1,<base64>`) for a message.
pub fn sign_standard(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let digest = hmac_sha256(&standard_key(secret), format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(digest))
}

/// The message id of a delivery: the payload's `event_id`, so that every
/// retry of an event carries the same id (a body without one, which the
/// service does not send, is named by its digest, equally stable).
pub fn message_id(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|payload| payload.get("event_id").and_then(|id| id.as_str()).map(|id| format!("evt_{id}")))
        .unwrap_or_else(|| format!("msg_{}", sha256_hex(body.as_bytes())))
}

#[derive(Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
}

impl WebhookSender {
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        // One process-wide TLS provider; a second installation attempt is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Madoguchi/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the webhook client")?;
        Ok(Self { client })
    }

    pub async fn post(
        &self,
        url: &str,
        secret: &str,
        body: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        let timestamp = now.timestamp();
        let id = message_id(body);
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(WEBHOOK_ID_HEADER, &id)
            .header(WEBHOOK_TIMESTAMP_HEADER, timestamp)
            .header(WEBHOOK_SIGNATURE_HEADER, sign_standard(secret, &id, timestamp, body))
            .header(SIGNATURE_HEADER, sign(secret, timestamp, body))
            .body(body.to_owned())
            .send()
            .await
            .context("webhook request failed")?;
        let status = response.status();
        if status.is_success() { Ok(()) } else { anyhow::bail!("webhook endpoint answered {status}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_depend_on_secret_time_and_body() {
        let a = sign("secret", 1_700_000_000, "{}");
        assert!(a.starts_with("t=1700000000,v1=") && a.len() == "t=1700000000,v1=".len() + 64);
        assert_ne!(a, sign("other", 1_700_000_000, "{}"));
        assert_ne!(a, sign("secret", 1_700_000_001, "{}"));
        assert_ne!(a, sign("secret", 1_700_000_000, "{ }"));
    }

    /// The specification's own example: matching it is what lets receivers
    /// use any Standard Webhooks library.
    #[test]
    fn standard_signatures_match_the_specifications_known_answer() {
        assert_eq!(
            sign_standard(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn new_secrets_are_whsec_base64_of_32_bytes_and_ids_stay_stable() {
        let secret = new_secret().unwrap();
        assert_eq!(STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap().len(), 32);
        assert_ne!(secret, new_secret().unwrap());
        let body = r#"{"type":"case.event","event_id":"0190aaaa-0000-7000-8000-000000000001"}"#;
        assert_eq!(message_id(body), "evt_0190aaaa-0000-7000-8000-000000000001");
        assert_eq!(message_id("{}"), message_id("{}"));
        // A secret from before (base64url, not base64) still signs, with its own bytes as the key.
        assert!(sign_standard("whsec_not-base64_x", "evt_1", 1, "{}").starts_with("v1,"));
    }
}
