//! Queries on `case_messages` and `evidence`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{case_messages, evidence};
use crate::domain::case::Visibility;
use crate::domain::lifecycle::CaseRole;
use crate::domain::{CaseId, EvidenceId, LanguageTag, MessageId, RemedyId, UserId};
use crate::seal::Place;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_messages)]
pub struct MessageRow {
    pub id: MessageId,
    pub case_id: CaseId,
    pub author_user_id: Option<UserId>,
    pub author_role: CaseRole,
    pub visibility: Visibility,
    pub body: String,
    pub language: Option<LanguageTag>,
    pub created_at: NaiveDateTime,
}

/// Where a message body is sealed (bound to its row).
pub fn body_place(message_id: &str) -> Place<'_> {
    Place { table: "case_messages", column: "body", row: message_id }
}

/// Where an evidence file's name is sealed.
pub fn file_name_place(evidence_id: &str) -> Place<'_> {
    Place { table: "evidence", column: "file_name", row: evidence_id }
}

pub fn insert(conn: &mut DbConnection, row: &MessageRow) -> QueryResult<()> {
    diesel::insert_into(case_messages::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, case_id: CaseId, id: MessageId) -> QueryResult<Option<MessageRow>> {
    case_messages::table
        .filter(case_messages::case_id.eq(case_id))
        .filter(case_messages::id.eq(id))
        .select(MessageRow::as_select())
        .first(conn)
        .optional()
}

/// Oldest first, keyset on id, limited to the given visibilities.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    visibilities: &[Visibility],
    after_id: Option<MessageId>,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let mut query = case_messages::table
        .filter(case_messages::case_id.eq(case_id))
        .filter(case_messages::visibility.eq_any(visibilities))
        .select(MessageRow::as_select())
        .order(case_messages::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(case_messages::id.gt(after));
    }
    query.load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evidence)]
pub struct EvidenceRow {
    pub id: EvidenceId,
    pub case_id: CaseId,
    pub message_id: Option<MessageId>,
    pub remedy_id: Option<RemedyId>,
    pub uploaded_by_user_id: Option<UserId>,
    pub uploader_role: CaseRole,
    pub visibility: Visibility,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_evidence(conn: &mut DbConnection, row: &EvidenceRow) -> QueryResult<()> {
    diesel::insert_into(evidence::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_evidence(conn: &mut DbConnection, case_id: CaseId, id: EvidenceId) -> QueryResult<Option<EvidenceRow>> {
    evidence::table
        .filter(evidence::case_id.eq(case_id))
        .filter(evidence::id.eq(id))
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()
}

pub fn evidence_of_messages(conn: &mut DbConnection, message_ids: &[MessageId]) -> QueryResult<Vec<EvidenceRow>> {
    // A nullable column compares with nullable values.
    let message_ids: Vec<Option<MessageId>> = message_ids.iter().copied().map(Some).collect();
    evidence::table
        .filter(evidence::message_id.eq_any(message_ids))
        .select(EvidenceRow::as_select())
        .order(evidence::id.asc())
        .load(conn)
}

/// Evidence of these remedies' delivery, oldest first.
pub fn evidence_of_remedies(conn: &mut DbConnection, remedy_ids: &[RemedyId]) -> QueryResult<Vec<EvidenceRow>> {
    if remedy_ids.is_empty() {
        return Ok(Vec::new());
    }
    let remedy_ids: Vec<Option<RemedyId>> = remedy_ids.iter().copied().map(Some).collect();
    evidence::table
        .filter(evidence::remedy_id.eq_any(remedy_ids))
        .select(EvidenceRow::as_select())
        .order(evidence::id.asc())
        .load(conn)
}

/// Evidence rows after `after` by id, for a pass over every stored file.
pub fn evidence_after(conn: &mut DbConnection, after: Option<EvidenceId>, limit: i64) -> QueryResult<Vec<EvidenceRow>> {
    let mut query =
        evidence::table.select(EvidenceRow::as_select()).order(evidence::id.asc()).limit(limit).into_boxed();
    if let Some(after) = after {
        query = query.filter(evidence::id.gt(after));
    }
    query.load(conn)
}
