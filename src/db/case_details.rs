//! Queries on what hangs off a case: categories, forced-labour indicators,
//! parties and the worker's identity.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::DbConnection;
use super::schema::{case_categories, case_identities, case_indicators, case_parties};
use crate::domain::case::PartyRole;
use crate::domain::catalogue::Category;
use crate::domain::{CaseId, OrganisationId};
use crate::seal::{Place, SealError, Sealer};

pub fn insert_category(conn: &mut DbConnection, case_id: CaseId, category: Category) -> QueryResult<()> {
    diesel::insert_into(case_categories::table)
        .values((case_categories::case_id.eq(case_id), case_categories::category.eq(category)))
        .execute(conn)?;
    Ok(())
}

/// Adds several categories in one statement.
pub fn insert_categories(conn: &mut DbConnection, case_id: CaseId, categories: &[Category]) -> QueryResult<()> {
    if categories.is_empty() {
        return Ok(());
    }
    // Diesel's batch insert is not offered over MultiConnection: one
    // statement with a row of values per category instead.
    let values: Vec<String> = (0..categories.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
    let mut query =
        diesel::sql_query(format!("INSERT INTO case_categories (case_id, category) VALUES {}", values.join(", ")))
            .into_boxed::<super::connection::MultiBackend>();
    for category in categories {
        query = query
            .bind::<diesel::sql_types::Text, _>(case_id.to_string())
            .bind::<diesel::sql_types::Text, _>(category.as_str());
    }
    query.execute(conn)?;
    Ok(())
}

pub fn delete_categories(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<usize> {
    diesel::delete(case_categories::table.filter(case_categories::case_id.eq(case_id))).execute(conn)
}

/// (case id, value) pairs gathered per case, values in their original order.
pub fn by_case<K: Hash + Eq, V>(pairs: Vec<(K, V)>) -> HashMap<K, Vec<V>> {
    let mut grouped: HashMap<K, Vec<V>> = HashMap::new();
    for (case_id, value) in pairs {
        grouped.entry(case_id).or_default().push(value);
    }
    grouped
}

/// (case id, category) pairs for the given cases.
pub fn categories_of(conn: &mut DbConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, Category)>> {
    case_categories::table
        .filter(case_categories::case_id.eq_any(case_ids))
        .select((case_categories::case_id, case_categories::category))
        .order((case_categories::case_id, case_categories::category))
        .load(conn)
}

pub fn replace_indicators(conn: &mut DbConnection, case_id: CaseId, codes: &[String]) -> QueryResult<()> {
    diesel::delete(case_indicators::table.filter(case_indicators::case_id.eq(case_id))).execute(conn)?;
    for code in codes {
        diesel::insert_into(case_indicators::table)
            .values((case_indicators::case_id.eq(case_id), case_indicators::code.eq(code)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn indicators_of(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<Vec<String>> {
    case_indicators::table
        .filter(case_indicators::case_id.eq(case_id))
        .select(case_indicators::code)
        .order(case_indicators::code)
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_parties)]
pub struct PartyRow {
    pub case_id: CaseId,
    pub organisation_id: OrganisationId,
    pub party_role: PartyRole,
    pub added_at: NaiveDateTime,
}

/// Adds a party unless it already is one (a case can be referred twice).
pub fn add_party(
    conn: &mut DbConnection,
    case_id: CaseId,
    organisation_id: OrganisationId,
    party_role: PartyRole,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        case_parties::table
            .filter(case_parties::case_id.eq(case_id))
            .filter(case_parties::organisation_id.eq(organisation_id)),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(case_parties::table)
        .values((
            case_parties::case_id.eq(case_id),
            case_parties::organisation_id.eq(organisation_id),
            case_parties::party_role.eq(party_role),
            case_parties::added_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn parties_of(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<Vec<PartyRow>> {
    case_parties::table
        .filter(case_parties::case_id.eq(case_id))
        .select(PartyRow::as_select())
        .order((case_parties::added_at, case_parties::party_role))
        .load(conn)
}

#[derive(Debug, Clone, Default, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_identities)]
#[diesel(treat_none_as_null = true)]
pub struct IdentityRow {
    pub case_id: CaseId,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub residence_card_number: Option<String>,
    pub passport_number: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn insert_identity(conn: &mut DbConnection, row: &IdentityRow) -> QueryResult<()> {
    diesel::insert_into(case_identities::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update_identity(conn: &mut DbConnection, row: &IdentityRow) -> QueryResult<usize> {
    diesel::update(case_identities::table.find(&row.case_id)).set(row).execute(conn)
}

pub fn identity_of(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<Option<IdentityRow>> {
    case_identities::table.find(case_id).select(IdentityRow::as_select()).first(conn).optional()
}

impl IdentityRow {
    /// The identity, opened: every field is sealed, bound to its column and case.
    pub fn into_domain(self, sealer: &Sealer) -> Result<crate::domain::case::Identity, SealError> {
        let row = self.case_id.to_string();
        let open = |column, value: Option<String>| sealer.open_optional(identity_place(column, &row), value.as_deref());
        Ok(crate::domain::case::Identity {
            full_name: open("full_name", self.full_name)?,
            email: open("email", self.email)?,
            phone: open("phone", self.phone)?,
            address: open("address", self.address)?,
            residence_card_number: open("residence_card_number", self.residence_card_number)?,
            passport_number: open("passport_number", self.passport_number)?,
        })
    }

    /// The row to store: every field sealed under the current key.
    pub fn from_domain(
        case_id: CaseId,
        identity: crate::domain::case::Identity,
        at: NaiveDateTime,
        sealer: &Sealer,
    ) -> Result<Self, SealError> {
        let row = case_id.to_string();
        let seal = |column, value: Option<String>| sealer.seal_optional(identity_place(column, &row), value.as_deref());
        Ok(Self {
            case_id,
            full_name: seal("full_name", identity.full_name)?,
            email: seal("email", identity.email)?,
            phone: seal("phone", identity.phone)?,
            address: seal("address", identity.address)?,
            residence_card_number: seal("residence_card_number", identity.residence_card_number)?,
            passport_number: seal("passport_number", identity.passport_number)?,
            updated_at: at,
        })
    }
}

/// The sealed columns of `case_identities`.
pub const IDENTITY_COLUMNS: [&str; 6] =
    ["full_name", "email", "phone", "address", "residence_card_number", "passport_number"];

pub fn identity_place<'a>(column: &'static str, case_id: &'a str) -> Place<'a> {
    Place { table: "case_identities", column, row: case_id }
}

/// (case id, indicator code) pairs for the given cases.
pub fn indicators_of_many(conn: &mut DbConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, String)>> {
    case_indicators::table
        .filter(case_indicators::case_id.eq_any(case_ids))
        .select((case_indicators::case_id, case_indicators::code))
        .order((case_indicators::case_id, case_indicators::code))
        .load(conn)
}

/// What hangs off one case, read in one statement: its categories (by
/// name), its parties (in the order they were added) and its
/// forced-labour indicators (by code).
#[derive(Debug, Clone, Default)]
pub struct CaseSides {
    pub categories: Vec<Category>,
    pub parties: Vec<(OrganisationId, PartyRole)>,
    pub indicators: Vec<String>,
}

#[derive(QueryableByName)]
struct SideRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    extra: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    added_at: Option<NaiveDateTime>,
}

pub fn sides_of(conn: &mut DbConnection, case_id: CaseId) -> QueryResult<CaseSides> {
    use diesel::sql_types::Text;
    let rows: Vec<SideRow> = diesel::sql_query(
        "SELECT 'c' AS kind, category AS value, CAST(NULL AS TEXT) AS extra, CAST(NULL AS TIMESTAMP) AS added_at \
         FROM case_categories WHERE case_id = $1 \
         UNION ALL SELECT 'p', organisation_id, party_role, added_at FROM case_parties WHERE case_id = $2 \
         UNION ALL SELECT 'i', code, NULL, NULL FROM case_indicators WHERE case_id = $3",
    )
    .bind::<Text, _>(case_id.to_string())
    .bind::<Text, _>(case_id.to_string())
    .bind::<Text, _>(case_id.to_string())
    .load(conn)?;
    let bad = |what: &str| diesel::result::Error::DeserializationError(format!("unreadable {what}").into());
    let mut sides = CaseSides::default();
    let mut parties = Vec::new();
    for row in rows {
        match row.kind.as_str() {
            "c" => sides.categories.push(row.value.parse().map_err(|_| bad("category"))?),
            "p" => {
                let organisation: uuid::Uuid = row.value.parse().map_err(|_| bad("party"))?;
                let role: PartyRole =
                    row.extra.as_deref().unwrap_or_default().parse().map_err(|_| bad("party role"))?;
                parties.push((row.added_at, role, OrganisationId::from(organisation)));
            }
            _ => sides.indicators.push(row.value),
        }
    }
    sides.categories.sort_by_key(|category| category.as_str());
    sides.indicators.sort();
    parties.sort_by_key(|(added_at, role, _)| (*added_at, role.as_str()));
    sides.parties = parties.into_iter().map(|(_, role, organisation)| (organisation, role)).collect();
    Ok(sides)
}
