//! Retention and erasure of a case's personal data: the `case_privacy` row
//! (legal hold, a pending request, when the data went), the cases the
//! retention period has passed, and the one function that wipes a case's
//! personal data from every table that holds a copy, leaving the anonymous
//! statistical record (categories, indicators, norms, states, dates,
//! remedies' kinds, amounts and outcomes) as it was.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::connection::DbConnection;
use super::schema::{
    case_events, case_identities, case_messages, case_privacy, cases, dispatches, evidence, idempotency_keys, outbox,
    remedies,
};
use crate::domain::lifecycle::CaseState;
use crate::domain::{CaseId, EvidenceId};

#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = case_privacy)]
pub struct PrivacyRow {
    pub legal_hold_reason: Option<String>,
    pub legal_hold_set_at: Option<NaiveDateTime>,
    pub erasure_requested_at: Option<NaiveDateTime>,
    pub erased_at: Option<NaiveDateTime>,
}

/// The case's privacy record; the default (nothing held, asked or erased) when it has none.
pub fn privacy_of(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<PrivacyRow> {
    Ok(case_privacy::table
        .filter(case_privacy::case_id.eq(case_id))
        .select(PrivacyRow::as_select())
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Makes sure the case has a privacy row, so the setters below can update it.
fn ensure_row(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<()> {
    // The same upsert syntax on both backends (the query builder's cannot go through the enum).
    diesel::sql_query("INSERT INTO case_privacy (case_id) VALUES ($1) ON CONFLICT (case_id) DO NOTHING")
        .bind::<Text, _>(case_id.to_string())
        .execute(conn)?;
    Ok(())
}

/// Sets (`Some`) or clears (`None`) the legal hold.
pub fn set_legal_hold(
    conn: &mut DbConnection,
    case_id: CaseId,
    hold: Option<(&str, NaiveDateTime)>,
) -> QueryResult<()> {
    ensure_row(conn, case_id)?;
    diesel::update(case_privacy::table.filter(case_privacy::case_id.eq(case_id)))
        .set((
            case_privacy::legal_hold_reason.eq(hold.map(|(reason, _)| reason.to_owned())),
            case_privacy::legal_hold_set_at.eq(hold.map(|(_, at)| at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records (`Some`) or clears (`None`, after a decision) a pending request for erasure.
pub fn set_erasure_requested(conn: &mut DbConnection, case_id: CaseId, at: Option<NaiveDateTime>) -> QueryResult<()> {
    ensure_row(conn, case_id)?;
    diesel::update(case_privacy::table.filter(case_privacy::case_id.eq(case_id)))
        .set(case_privacy::erasure_requested_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Closed, not admissible or withdrawn before `finished_before`, not yet
/// erased and not held: the retention period has passed. Keyset on id.
pub fn retention_due(
    conn: &mut DbConnection,
    finished_before: NaiveDateTime,
    after: Option<CaseId>,
    limit: i64,
) -> QueryResult<Vec<CaseId>> {
    let terminal: Vec<CaseState> = CaseState::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
    let mut query = cases::table
        .left_join(case_privacy::table)
        .filter(cases::state.eq_any(terminal))
        .filter(cases::finished_at.lt(finished_before))
        .filter(case_privacy::erased_at.is_null())
        .filter(case_privacy::legal_hold_reason.is_null())
        .select(cases::id)
        .order(cases::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(cases::id.gt(after));
    }
    query.load(conn)
}

/// What an erasure removed, by kind and number: never the content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wiped {
    pub identity: bool,
    pub narrative: bool,
    pub messages: usize,
    pub evidence: usize,
    pub remedy_texts: usize,
    pub event_texts: usize,
    pub satisfaction_comment: bool,
    pub notifications: usize,
    pub retry_keys: usize,
    /// The erased evidence rows, whose sealed files (one per row) the caller
    /// deletes from the evidence store once this commits.
    pub evidence_files: Vec<EvidenceId>,
    /// Content hashes of files stored before sealing (named by hash, shared
    /// between rows) that no row refers to any more: deleted likewise.
    pub orphaned_legacy_files: Vec<String>,
}

/// Wipes the personal data of one case, in the caller's transaction: the
/// identity row, the narrative and satisfaction comment, the messages and
/// evidence rows, the texts of remedies and of audit entries, mail and
/// webhook rows and queued happenings about the case (which copy its
/// facts), retry keys (which hash the lodged body), and the link to the
/// worker's account. `unusable_receipt_hash` replaces the receipt code's
/// hash, so no code opens the case and its sessions end.
pub fn wipe_case(conn: &mut DbConnection, case_id: CaseId, unusable_receipt_hash: &str) -> QueryResult<Wiped> {
    let mut wiped = Wiped::default();
    let case = || cases::table.filter(cases::id.eq(case_id));
    let (narrative, comment): (String, Option<String>) =
        case().select((cases::narrative, cases::satisfaction_comment)).first(conn)?;
    wiped.narrative = !narrative.is_empty();
    wiped.satisfaction_comment = comment.is_some();
    diesel::update(case())
        .set((
            cases::narrative.eq(""),
            cases::satisfaction_comment.eq(None::<String>),
            cases::worker_user_id.eq(None::<String>),
            cases::lodged_by_user_id.eq(None::<String>),
            cases::identity_disclosure_consent.eq(false),
            cases::receipt_code_hash.eq(unusable_receipt_hash),
        ))
        .execute(conn)?;
    wiped.identity =
        diesel::delete(case_identities::table.filter(case_identities::case_id.eq(case_id))).execute(conn)? > 0;

    let files: Vec<(EvidenceId, String)> =
        evidence::table.filter(evidence::case_id.eq(case_id)).select((evidence::id, evidence::sha256)).load(conn)?;
    wiped.evidence = diesel::delete(evidence::table.filter(evidence::case_id.eq(case_id))).execute(conn)?;
    let hashes: Vec<String> = files.iter().map(|(_, hash)| hash.clone()).collect();
    // A file from before sealing is named by its content: one another case also holds stays.
    let still_held: Vec<String> =
        evidence::table.filter(evidence::sha256.eq_any(&hashes)).select(evidence::sha256).distinct().load(conn)?;
    wiped.orphaned_legacy_files = hashes.into_iter().filter(|hash| !still_held.contains(hash)).collect();
    wiped.orphaned_legacy_files.dedup();
    wiped.evidence_files = files.into_iter().map(|(id, _)| id).collect();
    wiped.messages = diesel::delete(case_messages::table.filter(case_messages::case_id.eq(case_id))).execute(conn)?;

    wiped.remedy_texts = diesel::update(remedies::table.filter(remedies::case_id.eq(case_id)))
        .set((remedies::description.eq(""), remedies::delivery_note.eq(None::<String>)))
        .execute(conn)?;
    // The only update the audit trail's trigger lets through: blanking texts.
    wiped.event_texts = diesel::update(
        case_events::table
            .filter(case_events::case_id.eq(case_id))
            .filter(case_events::reason.is_not_null().or(case_events::details.ne("{}"))),
    )
    .set((case_events::reason.eq(None::<String>), case_events::details.eq("{}")))
    .execute(conn)?;

    wiped.notifications = diesel::delete(outbox::table.filter(outbox::case_id.eq(case_id))).execute(conn)?
        + diesel::delete(dispatches::table.filter(dispatches::case_id.eq(case_id))).execute(conn)?;
    wiped.retry_keys =
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::case_id.eq(case_id))).execute(conn)?;

    ensure_row(conn, case_id)?;
    Ok(wiped)
}

/// Marks the case erased (and any request as answered).
pub fn mark_erased(conn: &mut DbConnection, case_id: CaseId, at: NaiveDateTime) -> QueryResult<()> {
    ensure_row(conn, case_id)?;
    diesel::update(case_privacy::table.filter(case_privacy::case_id.eq(case_id)))
        .set((case_privacy::erased_at.eq(Some(at)), case_privacy::erasure_requested_at.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Whether any evidence row still points to the file with this hash.
pub fn file_still_held(conn: &mut DbConnection, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(evidence::table.filter(evidence::sha256.eq(sha256)))).get_result(conn)
}
