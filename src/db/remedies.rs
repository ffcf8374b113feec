//! Queries on `remedies`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::remedies;
use crate::domain::remedy::{Money, Remedy};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = remedies)]
pub struct RemedyRow {
    pub id: String,
    pub case_id: String,
    pub remedy_type: String,
    pub description: String,
    pub responsible_organisation_id: String,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub proposed_by_user_id: Option<String>,
    pub proposed_at: NaiveDateTime,
    pub agreed_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub delivery_note: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &RemedyRow) -> QueryResult<()> {
    diesel::insert_into(remedies::table).values(row).execute(conn)?;
    Ok(())
}

pub fn for_case(conn: &mut DbConnection, case_id: &str) -> QueryResult<Vec<RemedyRow>> {
    remedies::table
        .filter(remedies::case_id.eq(case_id))
        .select(RemedyRow::as_select())
        .order(remedies::id.asc())
        .load(conn)
}

/// Moves every remedy of a case in `from` status to `to`, stamping the time column given.
pub fn set_status_where(
    conn: &mut DbConnection,
    case_id: &str,
    from: &[&str],
    to: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let target = remedies::table.filter(remedies::case_id.eq(case_id)).filter(remedies::status.eq_any(from));
    match to {
        "agreed" => diesel::update(target).set((remedies::status.eq(to), remedies::agreed_at.eq(at))).execute(conn),
        "verified" => diesel::update(target).set((remedies::status.eq(to), remedies::verified_at.eq(at))).execute(conn),
        _ => diesel::update(target).set(remedies::status.eq(to)).execute(conn),
    }
}

pub fn mark_delivered(conn: &mut DbConnection, id: &str, note: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(remedies::table.find(id))
        .set((remedies::status.eq("delivered"), remedies::delivered_at.eq(at), remedies::delivery_note.eq(note)))
        .execute(conn)
}

impl RemedyRow {
    pub fn into_domain(self) -> anyhow::Result<Remedy> {
        let money = match (self.amount, self.currency) {
            (Some(amount), Some(currency)) => Some(Money { amount, currency }),
            _ => None,
        };
        Ok(Remedy {
            id: self.id.parse()?,
            case_id: self.case_id.parse()?,
            remedy_type: self.remedy_type.parse()?,
            description: self.description,
            responsible_organisation_id: self.responsible_organisation_id.parse()?,
            money,
            due_date: self.due_date,
            status: self.status.parse()?,
            proposed_at: self.proposed_at.and_utc(),
            agreed_at: self.agreed_at.map(|t| t.and_utc()),
            delivered_at: self.delivered_at.map(|t| t.and_utc()),
            delivery_note: self.delivery_note,
            verified_at: self.verified_at.map(|t| t.and_utc()),
        })
    }
}
