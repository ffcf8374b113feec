//! Queries on `remedies`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::remedies;
use crate::domain::remedy::{Money, NewRemedy, Remedy, RemedyStatus, RemedyType};
use crate::domain::{CaseId, OrganisationId, RemedyId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = remedies)]
pub struct RemedyRow {
    pub id: RemedyId,
    pub case_id: CaseId,
    pub remedy_type: RemedyType,
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: RemedyStatus,
    pub proposed_by_user_id: Option<UserId>,
    pub proposed_at: NaiveDateTime,
    pub agreed_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub delivery_note: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
}

pub fn for_case(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<Vec<RemedyRow>> {
    remedies::table
        .filter(remedies::case_id.eq(case_id))
        .select(RemedyRow::as_select())
        .order(remedies::id.asc())
        .load(conn)
}

/// Records a proposed remedy.
pub fn insert_proposed(
    conn: &mut DbConnection,
    id: RemedyId,
    case_id: CaseId,
    remedy: &NewRemedy,
    proposed_by: Option<UserId>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let row = RemedyRow {
        id,
        case_id,
        remedy_type: remedy.remedy_type,
        description: remedy.description.clone(),
        responsible_organisation_id: remedy.responsible_organisation_id,
        amount: remedy.money.as_ref().map(|m| m.amount.clone()),
        currency: remedy.money.as_ref().map(|m| m.currency.clone()),
        due_date: remedy.due_date,
        status: RemedyStatus::Proposed,
        proposed_by_user_id: proposed_by,
        proposed_at: at,
        agreed_at: None,
        delivered_at: None,
        delivery_note: None,
        verified_at: None,
    };
    diesel::insert_into(remedies::table).values(&row).execute(conn)?;
    Ok(())
}

/// Moves one remedy from `from` to `to` (0 rows when it has moved on since),
/// stamping the time column of the status it enters.
pub fn move_status(
    conn: &mut DbConnection,
    id: RemedyId,
    from: RemedyStatus,
    to: RemedyStatus,
    evidence: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let target = remedies::table.filter(remedies::id.eq(id.to_string())).filter(remedies::status.eq(from.as_str()));
    let status = remedies::status.eq(to.as_str());
    match to {
        RemedyStatus::Agreed => diesel::update(target).set((status, remedies::agreed_at.eq(at))).execute(conn),
        RemedyStatus::Delivered => diesel::update(target)
            .set((status, remedies::delivered_at.eq(at), remedies::delivery_note.eq(evidence)))
            .execute(conn),
        RemedyStatus::Verified => diesel::update(target).set((status, remedies::verified_at.eq(at))).execute(conn),
        RemedyStatus::Proposed | RemedyStatus::Disputed | RemedyStatus::Rejected | RemedyStatus::Cancelled => {
            diesel::update(target).set(status).execute(conn)
        }
    }
}

impl RemedyRow {
    pub fn into_domain(self) -> Remedy {
        let money = match (self.amount, self.currency) {
            (Some(amount), Some(currency)) => Some(Money { amount, currency }),
            _ => None,
        };
        Remedy {
            id: self.id,
            case_id: self.case_id,
            remedy_type: self.remedy_type,
            description: self.description,
            responsible_organisation_id: self.responsible_organisation_id,
            money,
            due_date: self.due_date,
            status: self.status,
            proposed_at: self.proposed_at.and_utc(),
            agreed_at: self.agreed_at.map(|t| t.and_utc()),
            delivered_at: self.delivered_at.map(|t| t.and_utc()),
            delivery_note: self.delivery_note,
            verified_at: self.verified_at.map(|t| t.and_utc()),
        }
    }
}
