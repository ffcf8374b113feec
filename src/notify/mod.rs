//! Notifications: templates in the reader's language, mail transports, and
//! the outbox worker that delivers what services queued.

pub mod templates;
pub mod transport;
pub mod webhook;
pub mod worker;

pub use transport::{Mailer, SentMail};
pub use worker::OutboxWorker;
