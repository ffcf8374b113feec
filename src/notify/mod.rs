//! Notifications: templates in the reader's language, mail transports and
//! webhook signing. The background worker delivers what services queued.

mod smtp;
pub mod templates;
pub mod transport;
pub mod webhook;

pub use transport::{Mailer, SentMail};
