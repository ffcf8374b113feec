//! `madoguchi admin rotate-key`: re-seals every sealed column and evidence
//! file not yet under the current key (including plaintext written before
//! sealing existed), a batch per transaction, while the service runs. A
//! rerun continues where the last one stopped: only values not under the
//! current key are read, so nothing is done twice.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::db::sealed::{SEALED_COLUMNS, SealedColumn};
use crate::db::{self, DbConnection};
use crate::domain::EvidenceId;
use crate::seal::{Place, Sealer};
use crate::service::Error;
use crate::service::cases::messages::{
    evidence_path, evidence_place, legacy_evidence_path, read_evidence_file, write_file,
};

/// What one run did, and what is left under other keys (zero everywhere:
/// the old keys may leave the keyring).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub values_resealed: u64,
    /// Values a request rewrote between read and write (already current).
    pub values_skipped: u64,
    pub files_resealed: u64,
    /// Files stored before sealing, named by their plaintext hash, removed.
    pub legacy_files_removed: u64,
    pub values_left: u64,
    pub files_left: u64,
}

/// Re-seals everything not under the current key, `batch` rows per
/// committed transaction.
pub fn rotate(conn: &mut DbConnection, sealer: &Sealer, data_dir: &Path, batch: i64) -> Result<RotationReport, Error> {
    let mut report = RotationReport::default();
    let prefix = format!("mg1:{}:", sealer.current_key_id());
    db::sealed::zero_freed_space(conn)?;
    for sealed in SEALED_COLUMNS {
        let mut after = String::new();
        loop {
            let (last, resealed, skipped) =
                db::write_transaction(conn, |conn| reseal_batch(conn, sealer, sealed, &prefix, &after, batch))?;
            report.values_resealed += resealed;
            report.values_skipped += skipped;
            match last {
                Some(last) => after = last,
                None => break,
            }
            tracing::info!(table = sealed.table, column = sealed.column, resealed, "batch re-sealed");
        }
    }
    reseal_files(conn, sealer, data_dir, batch, &mut report)?;
    db::sealed::checkpoint(conn)?;
    for sealed in SEALED_COLUMNS {
        report.values_left += u64::try_from(db::sealed::count_not_under_key(conn, sealed, &prefix)?).unwrap_or(0);
    }
    report.files_left = count_files_left(conn, sealer, data_dir, batch)?;
    Ok(report)
}

/// One batch: the id of its last row (`None`: the column is done), how many
/// values were re-sealed and how many had changed meanwhile.
fn reseal_batch(
    conn: &mut DbConnection,
    sealer: &Sealer,
    sealed: SealedColumn,
    prefix: &str,
    after: &str,
    batch: i64,
) -> Result<(Option<String>, u64, u64), Error> {
    let rows = db::sealed::not_under_key(conn, sealed, prefix, after, batch)?;
    let (mut resealed, mut skipped) = (0, 0);
    for row in &rows {
        let place = Place { table: sealed.table, column: sealed.column, row: &row.id };
        let plaintext = sealer.open(place, &row.value)?;
        let fresh = sealer.seal(place, &plaintext)?;
        if db::sealed::replace_if_unchanged(conn, sealed, &row.id, &row.value, &fresh)? {
            resealed += 1;
        } else {
            skipped += 1;
        }
    }
    Ok((rows.last().map(|row| row.id.clone()), resealed, skipped))
}

/// Every evidence file not under the current key is re-sealed in place (a
/// whole new file, renamed over the old). Files from before sealing are
/// sealed under their row's id; their old hash-named copies are removed
/// once every row has its own sealed file.
fn reseal_files(
    conn: &mut DbConnection,
    sealer: &Sealer,
    data_dir: &Path,
    batch: i64,
    report: &mut RotationReport,
) -> Result<(), Error> {
    let mut legacy: BTreeSet<PathBuf> = BTreeSet::new();
    let mut after: Option<EvidenceId> = None;
    loop {
        let rows = db::messages::evidence_after(conn, after, batch)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for row in &rows {
            let path = evidence_path(data_dir, row.id);
            let current = std::fs::read(&path).ok().is_some_and(|stored| !sealer.file_needs_resealing(&stored));
            if !current {
                let plaintext = read_evidence_file(data_dir, sealer, row)?;
                let sealed = sealer.seal_file(evidence_place(&row.id.to_string()), &plaintext)?;
                write_file(&path, &sealed).map_err(Error::internal)?;
                report.files_resealed += 1;
            }
            let old = legacy_evidence_path(data_dir, &row.sha256);
            if old.exists() {
                legacy.insert(old);
            }
        }
    }
    for path in legacy {
        std::fs::remove_file(&path).map_err(Error::internal)?;
        report.legacy_files_removed += 1;
    }
    Ok(())
}

fn count_files_left(conn: &mut DbConnection, sealer: &Sealer, data_dir: &Path, batch: i64) -> Result<u64, Error> {
    let mut left = 0;
    let mut after: Option<EvidenceId> = None;
    loop {
        let rows = db::messages::evidence_after(conn, after, batch)?;
        let Some(last) = rows.last() else { return Ok(left) };
        after = Some(last.id);
        for row in &rows {
            let current = std::fs::read(evidence_path(data_dir, row.id))
                .ok()
                .is_some_and(|stored| !sealer.file_needs_resealing(&stored));
            left += u64::from(!current);
        }
    }
}
