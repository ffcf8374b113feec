//! Notifications: templates in the reader's language, mail transports and
//! webhook signing. The background worker delivers what services queued.

mod smtp;
pub mod templates;
pub mod transport;
pub mod webhook;

pub use transport::{Mailer, SentMail};

/// A stored Message-ID (`<id@anything>`) under the configured domain; the
/// stored local part keeps it the same on every attempt.
pub fn message_id_under(stored: &str, domain: &str) -> String {
    let local = stored.trim_start_matches('<').split('@').next().unwrap_or_default();
    format!("<{local}@{domain}>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_ids_move_under_the_configured_domain() {
        assert_eq!(super::message_id_under("<0193abc@madoguchi>", "mail.example.org"), "<0193abc@mail.example.org>");
    }
}
