//! Operating the outbox: admins list messages by status and requeue dead ones.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Page, fetch_page};
use crate::auth::policy::{self, Actor, Permission};
use crate::db::{self, DbConnection, outbox::OutboxRow};
use crate::domain::notification::{Channel, OutboxStatus, OutboxTopic};
use crate::domain::user as user_rules;
use crate::domain::{CaseId, OutboxId};
use crate::seal::Sealer;
use crate::service::Error;

/// An outbox message as an operator sees it: where it goes and how its
/// delivery went, not its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: OutboxId,
    pub channel: Channel,
    pub topic: OutboxTopic,
    pub case_id: Option<CaseId>,
    /// An e-mail address, or a webhook's id.
    pub recipient: String,
    pub language: String,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl OutboxEntry {
    /// A worker's contact is not the operator's to read (identities are for
    /// the worker, their advocate, handlers and the case's mediator): only
    /// the domain stays, which is what delivery problems are diagnosed by,
    /// and the address is cut from the error text too.
    fn withheld(mut self) -> Self {
        let domain = self.recipient.rsplit_once('@').map(|(_, domain)| domain).unwrap_or("");
        let masked = format!("…@{domain}");
        if let Some(error) = &mut self.last_error {
            *error = error.replace(&self.recipient, &masked);
        }
        self.recipient = masked;
        self
    }
}

impl From<OutboxRow> for OutboxEntry {
    fn from(row: OutboxRow) -> Self {
        Self {
            id: row.id,
            channel: row.channel,
            topic: row.notification,
            case_id: row.case_id,
            recipient: row.recipient,
            language: row.language,
            message_id: row.message_id,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at.and_utc(),
            last_error: row.last_error,
            created_at: row.created_at.and_utc(),
            sent_at: row.sent_at.map(|t| t.and_utc()),
        }
    }
}

pub fn list(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    status: OutboxStatus,
    cursor: Option<OutboxId>,
    limit: Option<u32>,
) -> Result<Page<OutboxEntry>, Error> {
    policy::require(actor, Permission::OperateOutbox)?;
    let (mut rows, has_more) = fetch_page(limit, |limit| db::outbox::list(conn, Some(status), cursor, limit))?;
    for row in rows.iter_mut().filter(|row| row.channel == Channel::Email) {
        row.recipient = sealer.open(db::outbox::recipient_place(&row.id.to_string()), &row.recipient)?;
    }
    let emails: Vec<String> = rows
        .iter()
        .filter(|row| row.channel == Channel::Email)
        .map(|row| user_rules::normalise_email(&row.recipient))
        .collect();
    let staff: HashSet<String> = db::users::staff_emails_among(conn, &emails)?.into_iter().collect();
    let items = rows
        .into_iter()
        .map(OutboxEntry::from)
        .map(|entry| match entry.channel {
            Channel::Email
                if !policy::operator_sees_recipient(staff.contains(&user_rules::normalise_email(&entry.recipient))) =>
            {
                entry.withheld()
            }
            Channel::Email | Channel::Webhook => entry,
        })
        .collect();
    Ok(Page::new(items, has_more, |entry| entry.id.to_string()))
}

/// A dead message gets a fresh set of attempts, due now.
pub fn requeue(conn: &mut DbConnection, actor: &Actor, id: OutboxId, now: DateTime<Utc>) -> Result<(), Error> {
    policy::require(actor, Permission::OperateOutbox)?;
    if db::outbox::requeue(conn, id, db::timestamp(now))? { Ok(()) } else { Err(Error::NotFound) }
}
