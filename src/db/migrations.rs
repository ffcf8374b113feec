//! Migrations embedded per backend; the two trees carry the same versions.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// An arbitrary constant: serialises migrations when several instances start at once.
const POSTGRES_MIGRATION_LOCK: i64 = 0x6d61_646f_6775_6368;

/// Applies pending migrations and returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Postgresql(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({POSTGRES_MIGRATION_LOCK})")).execute(pg)?;
            let result =
                pg.run_pending_migrations(POSTGRES).map(|versions| versions.iter().map(ToString::to_string).collect());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({POSTGRES_MIGRATION_LOCK})")).execute(pg)?;
            result
        }
        DbConnection::Sqlite(sqlite) => {
            // WAL lets readers proceed during writes; it is persistent, so set it once here.
            diesel::sql_query("PRAGMA journal_mode = WAL").execute(sqlite)?;
            sqlite.run_pending_migrations(SQLITE).map(|versions| versions.iter().map(ToString::to_string).collect())
        }
    };
    applied.map_err(|error| anyhow::anyhow!("migration failed: {error}"))
}

/// Whether any migration is still to be applied (used by readiness).
pub fn has_pending(conn: &mut DbConnection) -> anyhow::Result<bool> {
    let pending = match conn {
        DbConnection::Postgresql(pg) => pg.has_pending_migration(POSTGRES),
        DbConnection::Sqlite(sqlite) => sqlite.has_pending_migration(SQLITE),
    };
    pending.map_err(|error| anyhow::anyhow!("could not read migration state: {error}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn versions(dir: &str) -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        std::fs::read_dir(root)
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.path().is_dir())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let postgres = versions("migrations/postgres");
        let sqlite = versions("migrations/sqlite");
        assert!(!postgres.is_empty());
        assert_eq!(postgres, sqlite);
        for version in &postgres {
            for file in ["up.sql", "down.sql"] {
                for tree in ["migrations/postgres", "migrations/sqlite"] {
                    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(tree).join(version).join(file);
                    assert!(path.is_file(), "missing {}", path.display());
                }
            }
        }
    }
}
