//! Queries for the deadline runner: cases and remedies coming due, and the
//! record of notices already given.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{cases, deadline_notices, remedies};
use crate::domain::lifecycle::CaseState;
use crate::domain::notification::NoticeKind;
use crate::domain::remedy::RemedyStatus;
use crate::domain::{CaseId, OrganisationId, RemedyId};

/// Open cases whose current stage is due before `until`, soonest first.
pub fn cases_due_before(conn: &mut DbConnection, until: NaiveDateTime, limit: i64) -> QueryResult<Vec<CaseId>> {
    let finished: Vec<CaseState> = CaseState::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
    cases::table
        .filter(cases::stage_due_at.lt(until))
        .filter(cases::state.ne_all(finished))
        .select(cases::id)
        .order((cases::stage_due_at.asc(), cases::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Owed remedies due on or before `until`: (remedy id, case id, responsible organisation, due date).
pub fn remedies_due_by(
    conn: &mut DbConnection,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(RemedyId, CaseId, OrganisationId, NaiveDate)>> {
    let owed: Vec<RemedyStatus> = RemedyStatus::ALL.iter().copied().filter(|s| s.is_owed()).collect();
    remedies::table
        .filter(remedies::status.eq_any(owed))
        .filter(remedies::due_date.le(until))
        .select((
            remedies::id,
            remedies::case_id,
            remedies::responsible_organisation_id,
            remedies::due_date.assume_not_null(),
        ))
        .order(remedies::due_date.asc())
        .limit(limit)
        .load(conn)
}

pub fn notice_given(conn: &mut DbConnection, subject_id: &str, kind: NoticeKind, stage_key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        deadline_notices::table
            .filter(deadline_notices::subject_id.eq(subject_id))
            .filter(deadline_notices::kind.eq(kind))
            .filter(deadline_notices::stage_key.eq(stage_key)),
    ))
    .get_result(conn)
}

/// Records a notice; the primary key makes a second worker's attempt fail.
pub fn record_notice(
    conn: &mut DbConnection,
    subject_id: &str,
    kind: NoticeKind,
    stage_key: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(deadline_notices::table)
        .values((
            deadline_notices::subject_id.eq(subject_id),
            deadline_notices::kind.eq(kind),
            deadline_notices::stage_key.eq(stage_key),
            deadline_notices::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
