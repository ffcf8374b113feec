//! The outbox worker: claims due messages with a lease, sends them outside
//! any transaction, then marks them sent, or schedules a retry with
//! exponential backoff until they are dead. Safe to run in several copies:
//! a message is only ever held by one lease at a time, and one whose worker
//! died is picked up again when its lease ends.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;

use super::templates::{self, Params};
use super::transport::{Mailer, OutgoingMail};
use super::webhook::WebhookSender;
use crate::clock::Clock;
use crate::config::{OutboxSettings, Settings};
use crate::db::{self, DbConnection, DbPool, outbox::OutboxRow};
use crate::domain::notification::NotificationKind;
use crate::service::deadlines::{self, DeadlineReport};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchReport {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct OutboxWorker {
    pool: DbPool,
    mailer: Mailer,
    webhooks: WebhookSender,
    from: Mailbox,
    base_url: String,
    settings: OutboxSettings,
    clock: Arc<dyn Clock>,
    id: String,
}

impl OutboxWorker {
    pub fn new(pool: DbPool, mailer: Mailer, settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            mailer,
            webhooks: WebhookSender::new(Duration::from_secs(settings.webhooks.timeout_seconds))?,
            from: settings.mail.from.parse().context("mail.from")?,
            base_url: settings.mail.base_url.clone(),
            settings: settings.outbox.clone(),
            clock,
            id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
        })
    }

    /// Claims one batch and delivers it.
    #[tracing::instrument(skip_all, fields(worker = %self.id))]
    pub async fn run_once(&self) -> anyhow::Result<BatchReport> {
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
                    let (id, worker, at) = (row.id.clone(), self.id.clone(), db::timestamp(self.clock.now()));
                    self.blocking(move |conn| db::outbox::mark_sent(conn, &id, &worker, at)).await?;
                    metrics::counter!("outbox_sent_total").increment(1);
                    report.sent += 1;
                }
                Err(error) => {
                    let message = format!("{error:#}");
                    tracing::warn!(outbox_id = %row.id, attempts = row.attempts + 1, error = %message, "delivery failed");
                    let retry_at = db::timestamp(self.clock.now() + self.backoff(row.attempts));
                    let (id, worker, max) = (row.id.clone(), self.id.clone(), self.settings.max_attempts);
                    self.blocking(move |conn| db::outbox::mark_failed(conn, &id, &worker, &message, retry_at, max))
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

    /// Runs the deadline checks once: reminders, system actions on expiry,
    /// notices to handlers, remedy reminders (see `service::deadlines`).
    pub async fn run_deadlines(&self) -> anyhow::Result<DeadlineReport> {
        let now = self.clock.now();
        let remind_before = chrono::Duration::days(self.settings.reminder_days_before);
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().context("no database connection")?;
            deadlines::run(&mut conn, remind_before, now)
                .map_err(|error| anyhow::anyhow!("deadline run failed: {error}"))
        })
        .await
        .context("deadline task panicked")?
    }

    /// Delivers, and checks deadlines periodically, until `shutdown` turns true.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let idle = Duration::from_millis(self.settings.poll_interval_ms);
        let deadline_every = Duration::from_secs(self.settings.deadline_check_interval_seconds.max(1));
        let mut next_deadline_check = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_deadline_check {
                if let Err(error) = self.run_deadlines().await {
                    tracing::error!(error = format!("{error:#}"), "deadline check failed");
                }
                next_deadline_check = tokio::time::Instant::now() + deadline_every;
            }
            let pause = match self.run_once().await {
                Ok(report) if report.claimed as i64 >= self.settings.batch_size => Duration::ZERO,
                Ok(_) => idle,
                Err(error) => {
                    tracing::error!(error = format!("{error:#}"), "outbox worker step failed");
                    idle
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    /// Attempt n (counting from 0 failures) waits base × 2^n, capped.
    fn backoff(&self, failures_so_far: i32) -> chrono::Duration {
        let exponent = u32::try_from(failures_so_far.clamp(0, 20)).unwrap_or(20);
        let seconds = self.settings.backoff_base_seconds.saturating_mul(2_i64.saturating_pow(exponent));
        chrono::Duration::seconds(seconds.min(self.settings.backoff_max_seconds))
    }

    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<()> {
        match row.channel.as_str() {
            "email" => self.send_email(row).await,
            "webhook" => self.send_webhook(row).await,
            other => anyhow::bail!("unknown outbox channel {other}"),
        }
    }

    async fn send_webhook(&self, row: &OutboxRow) -> anyhow::Result<()> {
        let id = row.recipient.clone();
        let hook = self.blocking(move |conn| db::webhooks::find(conn, &id)).await?;
        match hook {
            Some(hook) if hook.active => {
                self.webhooks.post(&hook.url, &hook.secret, &row.params, self.clock.now()).await
            }
            // Removed since the event was queued: nothing to deliver.
            _ => Ok(()),
        }
    }

    async fn send_email(&self, row: &OutboxRow) -> anyhow::Result<()> {
        let kind: NotificationKind = row.notification.parse()?;
        let params: Params = serde_json::from_str(&row.params).context("outbox params")?;
        let rendered = templates::render(kind, &row.language, &params, &self.base_url)
            .with_context(|| format!("no template for {kind}"))?;
        let mail = OutgoingMail {
            to: row.recipient.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: row.message_id.clone(),
            language: rendered.language,
        };
        self.mailer.send(&self.from, &mail).await
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
