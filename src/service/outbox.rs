//! Operating the outbox: admins list messages by status and requeue dead ones.

use chrono::{DateTime, Utc};

use super::{Page, fetch_page};
use crate::auth::policy::{self, Actor, Permission};
use crate::db::{self, DbConnection, outbox::OutboxRow};
use crate::service::Error;

pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    status: &str,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<Page<OutboxRow>, Error> {
    policy::require(actor, Permission::OperateOutbox)?;
    let (items, has_more) =
        fetch_page(limit, |limit| db::outbox::list_by_status(conn, status, cursor.as_deref(), limit))?;
    Ok(Page::new(items, has_more, |row| row.id.clone()))
}

/// A dead message gets a fresh set of attempts, due now.
pub fn requeue(conn: &mut DbConnection, actor: &Actor, id: &str, now: DateTime<Utc>) -> Result<(), Error> {
    policy::require(actor, Permission::OperateOutbox)?;
    if db::outbox::requeue(conn, id, db::timestamp(now))? { Ok(()) } else { Err(Error::NotFound) }
}
