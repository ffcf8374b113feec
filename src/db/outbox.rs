//! Queries on `outbox`: enqueue inside the caller's transaction; claim with
//! a lease, mark sent or failed, list and requeue dead messages.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use super::connection::DbConnection;
use super::schema::outbox;
use crate::domain::notification::{Channel, OutboxStatus, OutboxTopic};
use crate::domain::{CaseId, OutboxId};
use crate::seal::Place;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub channel: Channel,
    pub notification: OutboxTopic,
    pub case_id: Option<CaseId>,
    pub recipient: String,
    pub language: String,
    pub params: String,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl OutboxRow {
    /// A message due now, with a fresh id and a Message-ID that stays the same on every attempt.
    pub fn pending(
        channel: Channel,
        notification: OutboxTopic,
        case_id: Option<CaseId>,
        recipient: String,
        language: String,
        params: String,
        at: NaiveDateTime,
    ) -> Self {
        let id = OutboxId::new();
        Self {
            id,
            channel,
            notification,
            case_id,
            recipient,
            language,
            params,
            message_id: format!("<{}@madoguchi>", id.as_uuid().simple()),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: at,
            locked_until: None,
            locked_by: None,
            last_error: None,
            created_at: at,
            sent_at: None,
        }
    }
}

pub fn insert(conn: &mut DbConnection, row: &OutboxRow) -> QueryResult<()> {
    diesel::insert_into(outbox::table).values(row).execute(conn)?;
    Ok(())
}

/// Where a case notice's recipient is sealed: the address may be the
/// worker's own, from their identity.
pub fn recipient_place(outbox_id: &str) -> Place<'_> {
    Place { table: "outbox", column: "recipient", row: outbox_id }
}

/// The e-mail about a case, oldest first, as (id, recipient as stored,
/// Message-ID): the first to a recipient is the root of their thread. The
/// recipients are sealed, so they are compared once opened, not in SQL.
pub fn mail_about(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<Vec<(OutboxId, String, String)>> {
    outbox::table
        .filter(outbox::case_id.eq(case_id))
        .filter(outbox::channel.eq(Channel::Email))
        .select((outbox::id, outbox::recipient, outbox::message_id))
        .order(outbox::id.asc())
        .load(conn)
}

/// Leases up to `limit` due messages to `worker` until `lease_until`. A
/// message whose lease ran out (its worker died) is due again.
pub fn claim(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    // PostgreSQL: SKIP LOCKED lets concurrent workers take different rows
    // without waiting. SQLite serialises writers, so the plain form suffices.
    let lock = match conn {
        DbConnection::Postgresql(_) => "FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE outbox SET locked_until = $1, locked_by = $2 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE status = 'pending' AND next_attempt_at <= $3 \
                        AND (locked_until IS NULL OR locked_until < $3) \
                      ORDER BY next_attempt_at, id LIMIT $4 {lock}) \
         RETURNING *"
    );
    diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// Marks a message sent, if this worker still holds its lease.
pub fn mark_sent(conn: &mut DbConnection, id: OutboxId, worker: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::locked_by.eq(worker)))
        .set((
            outbox::status.eq(OutboxStatus::Sent),
            outbox::sent_at.eq(at),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Empties a sent message's parameters: what a code mail carried is not kept.
pub fn forget_params(conn: &mut DbConnection, id: OutboxId) -> QueryResult<()> {
    diesel::update(outbox::table.find(id)).set(outbox::params.eq("{}")).execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retry at `retry_at`, or give up (`dead`) when attempts run out.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: OutboxId,
    worker: &str,
    error: &str,
    retry_at: NaiveDateTime,
    max_attempts: i32,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, \
         locked_until = NULL, \
         status = CASE WHEN attempts + 1 >= $3 THEN 'dead' ELSE 'pending' END \
         WHERE id = $4 AND locked_by = $5",
    )
    .bind::<Text, _>(error)
    .bind::<Timestamp, _>(retry_at)
    .bind::<Integer, _>(max_attempts)
    .bind::<Text, _>(id)
    .bind::<Text, _>(worker)
    .execute(conn)?;
    Ok(())
}

/// Keyset page ordered by id, of messages in `status` (or in any status).
pub fn list(
    conn: &mut DbConnection,
    status: Option<OutboxStatus>,
    after_id: Option<OutboxId>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox::table.select(OutboxRow::as_select()).order(outbox::id.asc()).limit(limit).into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status));
    }
    if let Some(after) = after_id {
        query = query.filter(outbox::id.gt(after));
    }
    query.load(conn)
}

/// Gives a dead message a fresh set of attempts.
pub fn requeue(conn: &mut DbConnection, id: OutboxId, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(OutboxStatus::Dead)))
        .set((
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::locked_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
    pub oldest_pending: Option<NaiveDateTime>,
}

/// Messages by status, and the oldest pending one.
pub fn counts(conn: &mut DbConnection) -> QueryResult<OutboxCounts> {
    counts_among(conn, OutboxStatus::ALL)
}

/// What is still owed: pending and dead messages and the oldest pending one.
/// Unlike [`counts`], it reads only the unsent part of the status index, so
/// it stays cheap however many messages were sent (readiness runs it often).
pub fn backlog(conn: &mut DbConnection) -> QueryResult<OutboxCounts> {
    counts_among(conn, &[OutboxStatus::Pending, OutboxStatus::Dead])
}

fn counts_among(conn: &mut DbConnection, statuses: &[OutboxStatus]) -> QueryResult<OutboxCounts> {
    use diesel::dsl::{count_star, min};
    let rows: Vec<(OutboxStatus, i64, Option<NaiveDateTime>)> = outbox::table
        .filter(outbox::status.eq_any(statuses))
        .group_by(outbox::status)
        .select((outbox::status, count_star(), min(outbox::created_at)))
        .load(conn)?;
    let mut counts = OutboxCounts::default();
    for (status, count, oldest) in rows {
        match status {
            OutboxStatus::Pending => {
                counts.pending = count;
                counts.oldest_pending = oldest;
            }
            OutboxStatus::Sent => counts.sent = count,
            OutboxStatus::Dead => counts.dead = count,
        }
    }
    Ok(counts)
}
