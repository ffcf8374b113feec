//! Operating the outbox: admins list messages by status and requeue dead ones.

use chrono::{DateTime, Utc};

use super::{Page, fetch_page};
use crate::auth::policy::{self, Actor, Permission};
use crate::db::{self, DbConnection, outbox::OutboxRow};
use crate::domain::notification::{Channel, OutboxStatus, OutboxTopic};
use crate::domain::{CaseId, OutboxId};
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
    actor: &Actor,
    status: OutboxStatus,
    cursor: Option<OutboxId>,
    limit: Option<u32>,
) -> Result<Page<OutboxEntry>, Error> {
    policy::require(actor, Permission::OperateOutbox)?;
    let (rows, has_more) = fetch_page(limit, |limit| db::outbox::list(conn, Some(status), cursor, limit))?;
    let items = rows.into_iter().map(OutboxEntry::from).collect();
    Ok(Page::new(items, has_more, |entry| entry.id.to_string()))
}

/// A dead message gets a fresh set of attempts, due now.
pub fn requeue(conn: &mut DbConnection, actor: &Actor, id: OutboxId, now: DateTime<Utc>) -> Result<(), Error> {
    policy::require(actor, Permission::OperateOutbox)?;
    if db::outbox::requeue(conn, id, db::timestamp(now))? { Ok(()) } else { Err(Error::NotFound) }
}
