//! Notifications: templates in the reader's language, mail transports and
//! webhook signing. The worker that delivers what services queued is in `crate::worker`.

pub mod templates;
pub mod transport;
pub mod webhook;

pub use transport::{Mailer, SentMail};
