//! Outbox delivery: claims due messages with a lease, sends them outside
//! any transaction, then marks them sent, or schedules a retry with
//! exponential backoff until they are dead. Safe to run in several copies:
//! a message is only ever held by one lease at a time, and one whose worker
//! died is picked up again when its lease ends.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;

use crate::clock::Clock;
use crate::config::{OutboxSettings, PrivacySettings, Settings};
use crate::db::{self, DbConnection, DbPool, outbox::OutboxRow};
use crate::domain::notification::{AccountParams, Channel, OutboxTopic, Params};
use crate::domain::{OutboxId, WebhookId};
use crate::notify::message_id_under;
use crate::notify::templates::{self, Links};
use crate::notify::transport::{Mailer, OutgoingMail};
use crate::notify::webhook::WebhookSender;
use crate::seal::Sealer;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchReport {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct OutboxWorker {
    pub(super) pool: DbPool,
    mailer: Mailer,
    webhooks: WebhookSender,
    from: Mailbox,
    links: Links,
    message_id_domain: String,
    worker_details: bool,
    pub(super) settings: OutboxSettings,
    pub(super) privacy: PrivacySettings,
    /// Where evidence files live, for the retention run to delete them.
    pub(super) data_dir: std::path::PathBuf,
    pub(super) clock: Arc<dyn Clock>,
    /// Opens the worker's sealed address when a notice is fanned out.
    sealer: Arc<Sealer>,
    id: String,
}

impl OutboxWorker {
    pub fn new(pool: DbPool, mailer: Mailer, settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let (sealer, _) = Sealer::from_settings(settings)?;
        Ok(Self {
            sealer: Arc::new(sealer),
            pool,
            mailer,
            webhooks: WebhookSender::new(Duration::from_secs(settings.webhooks.timeout_seconds))?,
            from: settings.mail.from.parse().context("mail.from")?,
            links: Links {
                base_url: settings.mail.base_url.clone(),
                worker: settings.mail.worker_link.clone(),
                staff: settings.mail.staff_link.clone(),
                account: settings.mail.account_link.clone(),
            },
            message_id_domain: settings.mail.message_id_domain()?,
            worker_details: settings.mail.worker_details,
            settings: settings.outbox.clone(),
            privacy: settings.privacy.clone(),
            data_dir: settings.storage.data_dir.clone(),
            clock,
            id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
        })
    }

    /// Turns every queued happening into its mail and webhook rows (see
    /// `service::notifications::fan_out`), batch by batch; returns how many.
    pub async fn fan_out(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            let (pool, now, batch) = (self.pool.clone(), self.clock.now(), self.settings.batch_size);
            let sealer = self.sealer.clone();
            let done = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().context("no database connection")?;
                crate::service::notifications::fan_out(&mut conn, &sealer, batch, now)
                    .map_err(|error| anyhow::Error::new(error).context("fanning out notices failed"))
            })
            .await
            .context("fan-out task panicked")??;
            total += done;
            if done == 0 {
                return Ok(total);
            }
        }
    }

    /// Fans out what is queued, then claims one batch and delivers it.
    #[tracing::instrument(skip_all, fields(worker = %self.id))]
    pub async fn run_once(&self) -> anyhow::Result<BatchReport> {
        self.fan_out().await?;
        let now = self.clock.now();
        let lease_until = now + chrono::Duration::seconds(self.settings.lease_seconds);
        let (worker, batch) = (self.id.clone(), self.settings.batch_size);
        let claimed = self
            .blocking(move |conn| {
                db::write_transaction(conn, |conn| {
                    db::outbox::claim(conn, &worker, db::timestamp(now), db::timestamp(lease_until), batch)
                })
            })
            .await?;
        let mut report = BatchReport { claimed: claimed.len(), ..BatchReport::default() };
        for row in claimed {
            match self.deliver(&row).await {
                Ok(()) => {
                    let (id, worker, at) = (row.id, self.id.clone(), db::timestamp(self.clock.now()));
                    self.blocking(move |conn| db::outbox::mark_sent(conn, id, &worker, at)).await?;
                    if matches!(row.notification, OutboxTopic::Account(mail) if mail.carries_code()) {
                        // A sent code lives on only in the recipient's mailbox.
                        self.blocking(move |conn| db::outbox::forget_params(conn, id)).await?;
                    }
                    metrics::counter!("outbox_sent_total").increment(1);
                    report.sent += 1;
                }
                Err(error) => {
                    let message = self.without_address(&row, format!("{error:#}"));
                    tracing::warn!(outbox_id = %row.id, attempts = row.attempts + 1, error = %message, "delivery failed");
                    let retry_at = db::timestamp(self.clock.now() + self.backoff(row.attempts));
                    let (id, worker, max) = (row.id, self.id.clone(), self.settings.max_attempts);
                    self.blocking(move |conn| db::outbox::mark_failed(conn, id, &worker, &message, retry_at, max))
                        .await?;
                    metrics::counter!("outbox_failed_total").increment(1);
                    if row.attempts + 1 >= self.settings.max_attempts {
                        metrics::counter!("outbox_dead_total").increment(1);
                    }
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Attempt n (counting from 0 failures) waits base × 2^n, capped.
    fn backoff(&self, failures_so_far: i32) -> chrono::Duration {
        let exponent = u32::try_from(failures_so_far.clamp(0, 20)).unwrap_or(20);
        let seconds = self.settings.backoff_base_seconds.saturating_mul(2_i64.saturating_pow(exponent));
        chrono::Duration::seconds(seconds.min(self.settings.backoff_max_seconds))
    }

    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<()> {
        match row.channel {
            Channel::Email => self.send_email(row).await,
            Channel::Webhook => self.send_webhook(row).await,
        }
    }

    async fn send_webhook(&self, row: &OutboxRow) -> anyhow::Result<()> {
        // A webhook row's recipient is the webhook's id.
        let id: WebhookId = row.recipient.parse().context("webhook outbox recipient")?;
        let hook = self.blocking(move |conn| db::webhooks::find(conn, id)).await?;
        match hook {
            Some(hook) if hook.active => {
                self.webhooks.post(&hook.url, &hook.secret, &row.params, self.clock.now()).await
            }
            // Removed since the event was queued: nothing to deliver.
            _ => Ok(()),
        }
    }

    async fn send_email(&self, row: &OutboxRow) -> anyhow::Result<()> {
        let rendered = match row.notification {
            OutboxTopic::Notification(kind) => {
                let params: Params = serde_json::from_str(&row.params).context("outbox params")?;
                templates::render(kind, &row.language, &params, &self.links, self.worker_details)
                    .with_context(|| format!("rendering the {kind} notice"))?
            }
            OutboxTopic::Account(mail) => {
                let params: AccountParams = serde_json::from_str(&row.params).context("outbox params")?;
                templates::render_account(mail, &row.language, &params, &self.links)
                    .with_context(|| format!("rendering the {mail} mail"))?
            }
            OutboxTopic::CaseEvent => anyhow::bail!("{} is not sent by e-mail", row.notification),
        };
        let recipient = self.sealer.open(db::outbox::recipient_place(&row.id.to_string()), &row.recipient)?;
        let thread = match row.case_id {
            Some(case_id) => {
                let earlier = self.blocking(move |conn| db::outbox::mail_about(conn, case_id)).await?;
                self.first_to(&recipient, earlier)?
            }
            None => None,
        };
        let message_id = message_id_under(&row.message_id, &self.message_id_domain);
        let thread = thread
            .filter(|first| *first != row.message_id)
            .map(|first| message_id_under(&first, &self.message_id_domain));
        let mail = OutgoingMail {
            to: recipient,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id,
            thread,
            language: rendered.language,
        };
        self.mailer.send(&self.from, &mail).await
    }

    /// A delivery error as stored and logged: a sealed recipient's address is
    /// cut out (an SMTP error may quote it), leaving its domain.
    fn without_address(&self, row: &OutboxRow, message: String) -> String {
        if row.channel != Channel::Email || crate::seal::text_key_id(&row.recipient).is_none() {
            return message;
        }
        match self.sealer.open(db::outbox::recipient_place(&row.id.to_string()), &row.recipient) {
            Ok(address) => {
                let domain = address.rsplit_once('@').map(|(_, domain)| domain).unwrap_or("");
                message.replace(&address, &format!("…@{domain}"))
            }
            Err(_) => message,
        }
    }

    /// The Message-ID of the first of `mail` (a case's, oldest first) to `recipient`.
    fn first_to(&self, recipient: &str, mail: Vec<(OutboxId, String, String)>) -> anyhow::Result<Option<String>> {
        for (id, stored, message_id) in mail {
            if self.sealer.open(db::outbox::recipient_place(&id.to_string()), &stored)? == recipient {
                return Ok(Some(message_id));
            }
        }
        Ok(None)
    }

    async fn blocking<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().context("no database connection")?;
            f(&mut conn).context("outbox query failed")
        })
        .await
        .context("outbox task panicked")?
    }
}
