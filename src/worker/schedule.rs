//! The worker's loop: delivers the outbox continuously, runs the deadline
//! checks (reminders, the system's action on expiry, remedy reminders; see
//! `service::deadlines`) every configured interval, and the retention run
//! (`service::erasure`) daily.

use std::time::Duration;

use anyhow::Context;

use super::outbox::OutboxWorker;
use crate::service::deadlines::{self, DeadlinePolicy, DeadlineReport};
use crate::service::erasure::{self, RetentionReport};

impl OutboxWorker {
    /// Runs the deadline checks once: reminders, system actions on expiry,
    /// notices to handlers, remedy reminders (see `service::deadlines`).
    pub async fn run_deadlines(&self) -> anyhow::Result<DeadlineReport> {
        let now = self.clock.now();
        let policy = DeadlinePolicy {
            remind_before: chrono::Duration::days(self.settings.reminder_days_before),
            check_in_days: self.settings.reprisal_check_in_days.clone(),
        };
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            deadlines::run(&pool, &policy, now)
                .map_err(|error| anyhow::Error::new(error).context("deadline run failed"))
        })
        .await
        .context("deadline task panicked")?
    }

    /// Runs the retention job once: erases the personal data of every case
    /// finished longer ago than the retention period, unless held.
    pub async fn run_retention(&self) -> anyhow::Result<RetentionReport> {
        let now = self.clock.now();
        let retention = chrono::Duration::days(self.privacy.retention_days_after_closure);
        let (pool, data_dir) = (self.pool.clone(), self.data_dir.clone());
        tokio::task::spawn_blocking(move || {
            erasure::run_retention(&pool, retention, &data_dir, now)
                .map_err(|error| anyhow::Error::new(error).context("retention run failed"))
        })
        .await
        .context("retention task panicked")?
    }

    /// Delivers, and checks deadlines and retention periodically, until `shutdown` turns true.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let idle = Duration::from_millis(self.settings.poll_interval_ms);
        let deadline_every = Duration::from_secs(self.settings.deadline_check_interval_seconds.max(1));
        let retention_every = Duration::from_secs(self.privacy.retention_check_interval_seconds.max(1));
        let mut next_deadline_check = tokio::time::Instant::now();
        let mut next_retention_run = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_retention_run {
                match self.run_retention().await {
                    Ok(report) if report.erased > 0 || report.deferred > 0 => {
                        tracing::info!(erased = report.erased, deferred = report.deferred, "retention run");
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!(error = format!("{error:#}"), "retention run failed"),
                }
                next_retention_run = tokio::time::Instant::now() + retention_every;
            }
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
}
