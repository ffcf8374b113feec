//! Mail transports: SMTP (STARTTLS, TLS or plain, with authentication),
//! `.eml` files under the data folder (the zero-config default, so a
//! newcomer can read what would have been sent), and memory (tests).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::smtp::SmtpConnections;
use crate::config::{MailSettings, MailTransport, SmtpTls};

/// One e-mail, ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `<…@…>`, the same on every attempt.
    pub message_id: String,
    /// The Message-ID of the first mail of this case to this recipient, which
    /// this one answers (`In-Reply-To`, `References`): one thread per case.
    pub thread: Option<String>,
    pub language: String,
}

/// What the memory transport kept.
pub type SentMail = OutgoingMail;

#[derive(Clone)]
pub enum Mailer {
    /// Plain or STARTTLS: connections of our own (see `notify::smtp`).
    Smtp(Arc<SmtpConnections>),
    /// Implicit TLS (port 465): lettre's pooled transport.
    SmtpImplicitTls(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings, data_dir: &Path) -> anyhow::Result<Self> {
        match settings.transport {
            MailTransport::File => {
                let folder = data_dir.join("mail");
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("cannot create the mail folder {}", folder.display()))?;
                Ok(Self::File(AsyncFileTransport::new(folder)))
            }
            MailTransport::Memory => Ok(Self::Memory(Arc::default())),
            MailTransport::Smtp => {
                let smtp = &settings.smtp;
                let timeout = Duration::from_secs(smtp.timeout_seconds);
                let credentials = match (&smtp.username, &smtp.password) {
                    (Some(user), Some(password)) => {
                        Some(Credentials::new(user.clone(), password.expose_secret().to_owned()))
                    }
                    _ => None,
                };
                Ok(match smtp.tls {
                    SmtpTls::Tls => {
                        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?
                            .port(smtp.port)
                            .timeout(Some(timeout));
                        if let Some(credentials) = credentials {
                            builder = builder.credentials(credentials);
                        }
                        Self::SmtpImplicitTls(builder.build())
                    }
                    SmtpTls::Starttls | SmtpTls::None => Self::Smtp(Arc::new(SmtpConnections::new(
                        &smtp.host,
                        smtp.port,
                        smtp.tls == SmtpTls::Starttls,
                        timeout,
                        credentials,
                    ))),
                })
            }
        }
    }

    pub async fn send(&self, from: &Mailbox, mail: &OutgoingMail) -> anyhow::Result<()> {
        if let Self::Memory(sent) = self {
            sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(mail.clone());
            return Ok(());
        }
        let mut builder = Message::builder()
            .from(from.clone())
            .to(mail.to.parse().with_context(|| "invalid recipient address")?)
            .subject(&mail.subject)
            .message_id(Some(mail.message_id.clone()))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), mail.language.clone()))
            // RFC 3834: machine-written, so auto-responders stay quiet.
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
        if let Some(thread) = &mail.thread {
            builder = builder.in_reply_to(thread.clone()).references(thread.clone());
        }
        let message = builder.multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))?;
        match self {
            Self::Smtp(connections) => {
                connections.send(message.envelope(), &message.formatted()).await.context("SMTP delivery failed")
            }
            Self::SmtpImplicitTls(transport) => transport.send(message).await.map(drop).context("SMTP delivery failed"),
            Self::File(transport) => transport.send(message).await.map(drop).context("writing the .eml file failed"),
            Self::Memory(_) => Ok(()),
        }
    }

    /// What the memory transport has "sent" (empty for the others).
    pub fn sent(&self) -> Vec<SentMail> {
        match self {
            Self::Memory(sent) => sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone(),
            Self::Smtp(_) | Self::SmtpImplicitTls(_) | Self::File(_) => Vec::new(),
        }
    }
}
