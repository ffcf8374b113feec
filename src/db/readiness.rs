//! The one-row table readiness writes to, to prove the database takes a
//! committed write.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::readiness_probe;

/// Rewrites the probe row in its own (autocommit) transaction.
pub fn record_probe(conn: &mut DbConnection, at: NaiveDateTime) -> QueryResult<()> {
    let updated =
        diesel::update(readiness_probe::table.find(1)).set(readiness_probe::checked_at.eq(at)).execute(conn)?;
    if updated == 0 {
        // The row is the migration's; a database restored without it gets it back.
        diesel::insert_into(readiness_probe::table)
            .values((readiness_probe::id.eq(1), readiness_probe::checked_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}
