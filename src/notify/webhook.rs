//! Webhook delivery: a JSON POST signed with HMAC-SHA256 over
//! "<timestamp>.<body>", sent as `Madoguchi-Signature: t=<unix seconds>,v1=<hex>`.
//! A receiver recomputes the signature with its secret, rejects stale
//! timestamps (replays), and de-duplicates by `event_id`.

use std::time::Duration;

use anyhow::Context;

use crate::crypto::{hex, hmac_sha256};

pub const SIGNATURE_HEADER: &str = "Madoguchi-Signature";

/// The signature header value for `body` at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let digest = hex(&hmac_sha256(secret.as_bytes(), format!("{timestamp}.{body}").as_bytes()));
    format!("t={timestamp},v1={digest}")
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
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign(secret, now.timestamp(), body))
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
}
