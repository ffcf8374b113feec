//! Queries for the deadline runner: cases and remedies coming due, cases
//! near their outer bound, reprisal watches, and the record of notices already given.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{cases, deadline_notices, remedies};
use crate::domain::lifecycle::{self, CaseState};
use crate::domain::notification::NoticeKind;
use crate::domain::remedy::RemedyStatus;
use crate::domain::{CaseId, OrganisationId, RemedyId};

/// Open cases whose current stage is due before `until`, soonest first,
/// `limit` at a time after the `after` key (due time, id).
pub fn cases_due_before(
    conn: &mut DbConnection,
    until: NaiveDateTime,
    after: Option<(NaiveDateTime, CaseId)>,
    limit: i64,
) -> QueryResult<Vec<(NaiveDateTime, CaseId)>> {
    let finished: Vec<CaseState> = CaseState::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
    let mut query = cases::table
        .filter(cases::stage_due_at.lt(until))
        .filter(cases::state.ne_all(finished))
        .select((cases::stage_due_at.assume_not_null(), cases::id))
        .order((cases::stage_due_at.asc(), cases::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((due, id)) = after {
        query = query.filter(cases::stage_due_at.gt(due).or(cases::stage_due_at.eq(due).and(cases::id.gt(id))));
    }
    query.load(conn)
}

/// Owed remedies due from `from` to `until` (both included), `limit` at a time after
/// the `after` key (due date, id): (remedy id, case id, responsible organisation, due date).
pub fn remedies_due_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    until: NaiveDate,
    after: Option<(NaiveDate, RemedyId)>,
    limit: i64,
) -> QueryResult<Vec<(RemedyId, CaseId, OrganisationId, NaiveDate)>> {
    let owed: Vec<RemedyStatus> = RemedyStatus::ALL.iter().copied().filter(|s| s.is_owed()).collect();
    // A withdrawn or closed case owes nobody a reminder.
    let finished: Vec<CaseState> = CaseState::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
    let mut query = remedies::table
        .inner_join(cases::table)
        .filter(cases::state.ne_all(finished))
        .filter(remedies::status.eq_any(owed))
        .filter(remedies::due_date.ge(from))
        .filter(remedies::due_date.le(until))
        .select((
            remedies::id,
            remedies::case_id,
            remedies::responsible_organisation_id,
            remedies::due_date.assume_not_null(),
        ))
        .order((remedies::due_date.asc(), remedies::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((due, id)) = after {
        query = query.filter(remedies::due_date.gt(due).or(remedies::due_date.eq(due).and(remedies::id.gt(id))));
    }
    query.load(conn)
}

/// Open cases without an outcome lodged before `lodged_before` whose outer
/// bound has not been marked passed and that have no `notice` yet, oldest
/// first, `limit` at a time after the `after` key (lodged time, id).
pub fn cases_without_outcome_lodged_before(
    conn: &mut DbConnection,
    lodged_before: NaiveDateTime,
    notice: NoticeKind,
    after: Option<(NaiveDateTime, CaseId)>,
    limit: i64,
) -> QueryResult<Vec<(NaiveDateTime, CaseId)>> {
    let waiting: Vec<CaseState> = CaseState::ALL.iter().copied().filter(|s| !lifecycle::outcome_reached(*s)).collect();
    let noticed = deadline_notices::table
        .filter(deadline_notices::subject_id.eq(cases::id))
        .filter(deadline_notices::kind.eq(notice))
        .filter(deadline_notices::stage_key.eq(OUTER_BOUND));
    let mut query = cases::table
        .filter(cases::outer_bound_passed_at.is_null())
        .filter(cases::created_at.lt(lodged_before))
        .filter(cases::state.eq_any(waiting))
        .filter(diesel::dsl::not(diesel::dsl::exists(noticed)))
        .select((cases::created_at, cases::id))
        .order((cases::created_at.asc(), cases::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((lodged, id)) = after {
        query = query.filter(cases::created_at.gt(lodged).or(cases::created_at.eq(lodged).and(cases::id.gt(id))));
    }
    query.load(conn)
}

/// The stage key of outer-bound notices: a case has one outer bound.
pub const OUTER_BOUND: &str = "outer_bound";

/// Cases whose reprisal watch ends within `from ..= until`, `limit` at a time
/// after the `after` key (watch end, id).
pub fn watches_ending_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
    after: Option<(NaiveDateTime, CaseId)>,
    limit: i64,
) -> QueryResult<Vec<(NaiveDateTime, CaseId)>> {
    let mut query = cases::table
        .filter(cases::reprisal_watch_until.ge(from))
        .filter(cases::reprisal_watch_until.le(until))
        .select((cases::reprisal_watch_until.assume_not_null(), cases::id))
        .order((cases::reprisal_watch_until.asc(), cases::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((end, id)) = after {
        query = query
            .filter(cases::reprisal_watch_until.gt(end).or(cases::reprisal_watch_until.eq(end).and(cases::id.gt(id))));
    }
    query.load(conn)
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
