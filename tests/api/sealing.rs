//! Personal data at rest: known names, document numbers, phrases and file
//! bytes appear nowhere in plain text (the SQLite file and its WAL, or a
//! `pg_dump` of the test's PostgreSQL database, and the evidence folder),
//! before and after `rotate-key`; after it the data reads back under the new
//! key alone.

use std::path::{Path, PathBuf};

use madoguchi::seal::Sealer;
use madoguchi::startup::Application;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::helpers::Token;
use crate::views::{Created, State, body};
use crate::world::World;

const NARRATIVE: &str = "Quokkafield の社長が給料を払わず、寮費を二重に取りました";
const FULL_NAME: &str = "Tranquoc Sealwitness";
const EMAIL: &str = "sealwitness.proof@worker.example";
const PHONE: &str = "+81 90 7314 1592";
const ADDRESS: &str = "3-14-15 Zyxwcho, Minato";
const PASSPORT: &str = "PZ9182736";
const RESIDENCE_CARD: &str = "RQ55667788XZ";
const MESSAGE: &str = "The foreman Yamaquokka took my residence card";
const FILE_NAME: &str = "quokkafield-payslip.png";
const FILE_PATTERN: &[u8] = b"SEAL-PROOF-PATTERN-7f3a9c";

const NEW_KEY: &str = "k2:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA";

fn needles() -> Vec<Vec<u8>> {
    let texts = [NARRATIVE, FULL_NAME, EMAIL, PHONE, ADDRESS, PASSPORT, RESIDENCE_CARD, MESSAGE, FILE_NAME];
    let mut needles: Vec<Vec<u8>> = texts.iter().map(|text| text.as_bytes().to_vec()).collect();
    // A part of the narrative too, in case a copy was cut.
    needles.push("寮費を二重に".as_bytes().to_vec());
    needles.push(FILE_PATTERN.to_vec());
    needles
}

fn evidence_file() -> Vec<u8> {
    let mut png =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
            .to_vec();
    png.extend_from_slice(FILE_PATTERN);
    png
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Every file under `folder`, recursively.
fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// What an attacker with a copy of the storage would read: the database
/// file and its WAL, or a dump of the PostgreSQL database.
fn database_copy(url: &str) -> Vec<(String, Vec<u8>)> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut copies = Vec::new();
        for suffix in ["", "-wal", "-journal"] {
            let file = format!("{path}{suffix}");
            if let Ok(bytes) = std::fs::read(&file) {
                copies.push((file, bytes));
            }
        }
        assert!(!copies.is_empty(), "the SQLite file exists");
        copies
    } else {
        let dump = std::process::Command::new("pg_dump").arg("--no-owner").arg(url).output().expect("pg_dump runs");
        assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
        assert!(contains(&dump.stdout, b"COPY public.case_identities"), "the dump holds the identities table");
        vec![("pg_dump".to_owned(), dump.stdout)]
    }
}

fn assert_nothing_plain(url: &str, data_dir: &Path, when: &str) {
    let mut places = database_copy(url);
    let evidence = files_under(&data_dir.join("evidence"));
    assert!(!evidence.is_empty(), "the evidence folder holds the upload");
    for file in evidence {
        let bytes = std::fs::read(&file).unwrap();
        places.push((file.display().to_string(), bytes));
    }
    for (place, bytes) in &places {
        for needle in needles() {
            assert!(
                !contains(bytes, &needle),
                "{when}: {place} holds {:?} in plain text",
                String::from_utf8_lossy(&needle)
            );
        }
    }
}

async fn lodge_and_write(w: &World) -> (String, Token, String) {
    let mut grievance = w.grievance();
    grievance["narrative"] = json!(NARRATIVE);
    grievance["identity"] = json!({
        "full_name": FULL_NAME, "email": EMAIL, "phone": PHONE, "address": ADDRESS,
        "passport_number": PASSPORT, "residence_card_number": RESIDENCE_CARD,
    });
    let case = w.case_from_in(&grievance, State::Referred).await;
    let message = w
        .app
        .post(
            &format!("/api/v1/cases/{}/messages", case.id),
            &json!({"body": MESSAGE, "visibility": "worker_side"}),
            Some(&case.worker),
        )
        .await;
    assert_eq!(message.status(), 201);
    let message: Created = body(message).await;
    let upload = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/cases/{}/messages/{}/evidence?file_name={FILE_NAME}", case.id, message.id)))
        .bearer_auth(case.worker.bearer())
        .header("content-type", "application/octet-stream")
        .body(evidence_file())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201, "{}", upload.text().await.unwrap());
    let evidence: Value = body(upload).await;
    // Mail to the worker's address goes through the outbox too.
    w.app.deliver_outbox().await;
    (case.id, case.worker, evidence["id"].as_str().unwrap().to_owned())
}

/// Reads the case, its messages and the file through the API at `base`.
async fn assert_reads_back(client: &reqwest::Client, base: &str, handler: &Token, id: &str, evidence: &str) {
    let get = |path: String| client.get(format!("{base}{path}")).bearer_auth(handler.bearer()).send();
    let case: Value = get(format!("/api/v1/cases/{id}")).await.unwrap().json().await.unwrap();
    assert_eq!(case["narrative"], NARRATIVE);
    assert_eq!(case["identity"]["full_name"], FULL_NAME);
    assert_eq!(case["identity"]["email"], EMAIL);
    assert_eq!(case["identity"]["phone"], PHONE);
    assert_eq!(case["identity"]["address"], ADDRESS);
    assert_eq!(case["identity"]["passport_number"], PASSPORT);
    assert_eq!(case["identity"]["residence_card_number"], RESIDENCE_CARD);
    let messages: Value = get(format!("/api/v1/cases/{id}/messages")).await.unwrap().json().await.unwrap();
    assert_eq!(messages["items"][0]["body"], MESSAGE);
    assert_eq!(messages["items"][0]["evidence"][0]["file_name"], FILE_NAME);
    let file = get(format!("/api/v1/cases/{id}/evidence/{evidence}")).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), evidence_file().as_slice());
}

#[tokio::test]
async fn personal_data_is_nowhere_in_plain_text_before_or_after_a_key_rotation() {
    let w = World::new().await;
    let (id, worker, evidence) = lodge_and_write(&w).await;
    let data_dir = w.app.settings.storage.data_dir.clone();
    assert!(!w.app.mail_to(EMAIL).is_empty(), "the worker was told at the address they gave");
    assert_nothing_plain(&w.app.db.url, &data_dir, "sealed under the development key");
    assert_reads_back(&w.app.client, &w.app.address, &w.handler, &id, &evidence).await;

    // Rotate to a new key while the service runs: the old key still opens.
    let development = madoguchi::config::PrivacySettings::development_key_file(&data_dir);
    let old_key = std::fs::read_to_string(&development).unwrap();
    let old_key = old_key.lines().find(|line| !line.starts_with('#')).unwrap().to_owned();
    let mut rotated = w.app.settings.clone();
    rotated.privacy.keys = SecretString::from(format!("{NEW_KEY},{old_key}"));
    let (sealer, _) = Sealer::from_settings(&rotated).unwrap();
    let mut conn = w.app.pool.get().unwrap();
    let report = madoguchi::service::sealing::rotate(&mut conn, &sealer, &data_dir, 2).unwrap();
    assert!(report.values_resealed >= 9, "{report:?}");
    assert_eq!(report.files_resealed, 1, "{report:?}");
    assert_eq!((report.values_left, report.files_left), (0, 0), "{report:?}");
    // A second run finds nothing to do.
    let again = madoguchi::service::sealing::rotate(&mut conn, &sealer, &data_dir, 2).unwrap();
    assert_eq!((again.values_resealed, again.files_resealed), (0, 0), "{again:?}");
    drop(conn);
    assert_nothing_plain(&w.app.db.url, &data_dir, "after rotate-key");
    // The service still running under the old keyring cannot open what is
    // under the new key; it answers 500 rather than ciphertext.
    let stale = w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.handler)).await;
    assert_eq!(stale.status(), 500);

    // Restarted with the new key ALONE, everything reads back.
    let mut restarted = w.app.settings.clone();
    restarted.privacy.keys = SecretString::from(NEW_KEY.to_owned());
    let app = Application::build(restarted).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let stop = app.stop_handle();
    let running = tokio::spawn(app.run_until_stopped());
    assert_reads_back(&w.app.client, &base, &w.handler, &id, &evidence).await;
    let own: Value = w
        .app
        .client
        .get(format!("{base}/api/v1/cases/{id}"))
        .bearer_auth(worker.bearer())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own["identity"]["passport_number"], PASSPORT, "the worker sees their own identity");
    stop.stop(true).await;
    running.await.unwrap().unwrap();
}

#[tokio::test]
async fn rows_written_before_sealing_are_sealed_by_rotate_key() {
    use diesel::RunQueryDsl;
    let w = World::new().await;
    let (id, _, evidence) = lodge_and_write(&w).await;
    let data_dir = w.app.settings.storage.data_dir.clone();
    // As an older release stored them: plaintext columns and a file named by its hash.
    let mut conn = w.app.pool.get().unwrap();
    diesel::sql_query("UPDATE cases SET narrative = $1 WHERE id = $2")
        .bind::<diesel::sql_types::Text, _>(NARRATIVE)
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut *conn)
        .unwrap();
    diesel::sql_query("UPDATE case_identities SET passport_number = $1 WHERE case_id = $2")
        .bind::<diesel::sql_types::Text, _>(PASSPORT)
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut *conn)
        .unwrap();
    let sealed_path =
        madoguchi::service::cases::messages::evidence_path(&data_dir, evidence.parse::<uuid::Uuid>().unwrap().into());
    let sha = madoguchi::crypto::sha256_hex(&evidence_file());
    let legacy = madoguchi::service::cases::messages::legacy_evidence_path(&data_dir, &sha);
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    std::fs::write(&legacy, evidence_file()).unwrap();
    std::fs::remove_file(&sealed_path).unwrap();
    // Until then they still read (plaintext passes through).
    assert_reads_back(&w.app.client, &w.app.address, &w.handler, &id, &evidence).await;

    let (sealer, _) = Sealer::from_settings(&w.app.settings).unwrap();
    let report = madoguchi::service::sealing::rotate(&mut conn, &sealer, &data_dir, 500).unwrap();
    drop(conn);
    assert_eq!((report.values_resealed, report.files_resealed, report.legacy_files_removed), (2, 1, 1), "{report:?}");
    assert!(!legacy.exists());
    assert_nothing_plain(&w.app.db.url, &data_dir, "after sealing the old rows");
    assert_reads_back(&w.app.client, &w.app.address, &w.handler, &id, &evidence).await;
}
