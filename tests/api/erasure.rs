//! Retention, legal hold, erasure on request and access on request (APPI):
//! personal data goes from every table and the evidence folder, the
//! anonymous statistical record stays, and the statistics do not change.

use std::sync::Arc;

use chrono::Duration;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, Token, assert_problem};
use crate::views::{CaseSeen, State, body};
use crate::world::World;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

/// What the grievance and its conversation hold that must go.
const PERSONAL: &[&str] =
    &["Nguyen Van A", "C1234567", "AB12345678CD", "1111 2222", "hộ chiếu", "bich.ngoc", "boss shouted"];

/// A world on a clock the test moves, with exact statistics (no suppression
/// or rounding), so a changed count after erasure would show.
async fn world() -> (World, madoguchi::clock::ManualClock) {
    let clock = madoguchi::clock::ManualClock::new(chrono::Utc::now());
    let app = TestApp::spawn_on(
        TestDatabase::create(),
        |s| {
            s.reports.suppression_threshold = 1;
            s.reports.rounding_base = 1;
        },
        Arc::new(clock.clone()),
    )
    .await;
    (World::on(app).await, clock)
}

/// The usual grievance with an e-mail address, lodged and walked to
/// `referred`; the worker writes a message with a photo; then withdraws.
/// Answers the case, the receipt code and the photo's evidence id.
async fn finished_case(w: &World) -> (crate::world::CaseAt, String, String) {
    let mut grievance = w.grievance();
    grievance["identity"]["email"] = json!("bich.ngoc@mail.example");
    let lodged = w.intake(&grievance).await;
    let receipt_code = lodged.receipt_code.clone();
    let case = w.walk(lodged, State::Referred).await;
    let sha = message_with_photo(w, &case.worker, &case.id).await;
    w.act(&case.worker, &case.id, json!({"action": "withdraw", "reason": "I found another job"})).await;
    (case, receipt_code, sha)
}

async fn message_with_photo(w: &World, token: &Token, id: &str) -> String {
    let body_json = json!({"body": "The boss shouted at me again", "visibility": "worker_side"});
    let response = w.app.post(&format!("/api/v1/cases/{id}/messages"), &body_json, Some(token)).await;
    assert_eq!(response.status(), 201);
    let message: Value = body(response).await;
    let message_id = message["id"].as_str().unwrap();
    let response = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/cases/{id}/messages/{message_id}/evidence?file_name=bruise.png")))
        .bearer_auth(token.bearer())
        .header("content-type", "application/octet-stream")
        .body(PNG)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let evidence: Value = body(response).await;
    evidence["id"].as_str().unwrap().to_owned()
}

/// Where the photo's sealed file lives: one file per evidence row, named by its id.
fn evidence_file(w: &World, evidence_id: &str) -> std::path::PathBuf {
    let id: uuid::Uuid = evidence_id.parse().unwrap();
    madoguchi::service::cases::messages::evidence_path(&w.app.settings.storage.data_dir, id.into())
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many rows of the case's tables still hold `needle`, read straight from the database.
fn rows_holding(w: &World, case_id: &str, needle: &str) -> i64 {
    let mut conn = w.app.pool.get().unwrap();
    let like = format!("%{needle}%");
    let queries = [
        "SELECT COUNT(*) AS n FROM cases WHERE id = $1 AND (narrative LIKE $2 OR COALESCE(satisfaction_comment, '') LIKE $2)",
        "SELECT COUNT(*) AS n FROM case_identities WHERE case_id = $1 AND $2 IS NOT NULL",
        "SELECT COUNT(*) AS n FROM case_messages WHERE case_id = $1 AND body LIKE $2",
        "SELECT COUNT(*) AS n FROM case_events WHERE case_id = $1 AND (details LIKE $2 OR COALESCE(reason, '') LIKE $2)",
        "SELECT COUNT(*) AS n FROM outbox WHERE case_id = $1 AND (params LIKE $2 OR recipient LIKE $2)",
        "SELECT COUNT(*) AS n FROM dispatches WHERE case_id = $1 AND payload LIKE $2",
        "SELECT COUNT(*) AS n FROM remedies WHERE case_id = $1 AND (description LIKE $2 OR COALESCE(delivery_note, '') LIKE $2)",
    ];
    queries
        .iter()
        .map(|sql| {
            let rows: Vec<Count> = diesel::sql_query(*sql)
                .bind::<diesel::sql_types::Text, _>(case_id)
                .bind::<diesel::sql_types::Text, _>(&like)
                .load(&mut *conn)
                .unwrap();
            rows[0].n
        })
        .sum()
}

fn evidence_rows(w: &World, case_id: &str) -> i64 {
    let mut conn = w.app.pool.get().unwrap();
    let rows: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM evidence WHERE case_id = $1")
        .bind::<diesel::sql_types::Text, _>(case_id)
        .load(&mut *conn)
        .unwrap();
    rows[0].n
}

/// The statistics and the case-level export, as an analyst reads them.
async fn statistics(w: &World, analyst: &Token) -> (Value, String) {
    let mut summary: Value = w.app.read("/api/v1/reports/summary", Some(analyst)).await;
    // When it was made is not a statistic.
    summary.as_object_mut().unwrap().remove("generated_at");
    let response = w.app.get("/api/v1/reports/cases?format=jsonl", Some(analyst)).await;
    assert_eq!(response.status(), 200);
    (summary, response.text().await.unwrap())
}

/// Fresh staff tokens, after the clock has moved past the old ones' expiry.
async fn fresh_staff(w: &World) -> (Token, Token) {
    let admin = w.app.admin_token().await;
    let operator = w.app.create_organisation(&admin, "Madoguchi Night Shift", "operator").await;
    let handler = w.app.user_token(&admin, "handler", Some(operator)).await;
    (handler, w.app.user_token(&admin, "analyst", Some(operator)).await)
}

/// Checks that nothing personal of the case is left anywhere, and that the
/// audit trail says why it went (and lists kinds, not content).
async fn assert_erased(w: &World, handler: &Token, case_id: &str, sha: &str, reason: &str) {
    for needle in PERSONAL {
        assert_eq!(rows_holding(w, case_id, needle), 0, "{needle} is still held");
    }
    assert_eq!(evidence_rows(w, case_id), 0);
    assert!(!evidence_file(w, sha).exists(), "the evidence file is still in the store");
    let seen = w.case(handler, case_id).await;
    assert_eq!(seen.raw["narrative"], "");
    assert!(seen.raw["identity"].is_null(), "{}", seen.raw["identity"]);
    assert_eq!(seen.events("personal_data_erased"), 1);
    let erased = seen.raw["timeline"].as_array().unwrap().iter().find(|e| e["kind"] == "personal_data_erased").unwrap();
    assert_eq!(erased["details"]["reason"], reason);
    let kinds: Vec<&str> =
        erased["details"]["erased"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    for kind in ["identity", "narrative", "messages", "evidence", "receipt_code"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let messages: Value = w.app.read(&format!("/api/v1/cases/{case_id}/messages"), Some(handler)).await;
    assert_eq!(messages["items"], json!([]));
    // The anonymous record stays: categories, state and dates.
    assert_eq!(seen.state, State::Withdrawn);
    assert_eq!(seen.categories.len(), 2);
    assert!(seen.finished_at.is_some());
}

#[tokio::test]
async fn retention_erases_a_finished_case_after_the_period_and_not_before() {
    let (w, clock) = world().await;
    let (case, receipt_code, sha) = finished_case(&w).await;
    w.app.deliver_outbox().await;
    let before = statistics(&w, &w.analyst).await;
    let period = Duration::days(w.app.settings.privacy.retention_days_after_closure);

    clock.advance(period - Duration::days(1));
    assert_eq!(w.app.worker.run_retention().await.unwrap().erased, 0, "not before the period");
    assert!(rows_holding(&w, &case.id, "Nguyen Van A") > 0);
    assert!(evidence_file(&w, &sha).exists());

    clock.advance(Duration::days(2));
    assert_eq!(w.app.worker.run_retention().await.unwrap().erased, 1);
    let (handler, analyst) = fresh_staff(&w).await;
    assert_erased(&w, &handler, &case.id, &sha, "retention").await;
    assert_eq!(statistics(&w, &analyst).await, before, "statistics change with erasure");
    assert_eq!(w.app.worker.run_retention().await.unwrap().erased, 0, "erased once");

    // The receipt code opens nothing any more.
    let session = json!({"reference": case.reference, "receipt_code": receipt_code});
    let response = w.app.post("/api/v1/intake/session", &session, None).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_case_under_legal_hold_is_kept_until_the_hold_is_cleared() {
    let (w, clock) = world().await;
    let (case, _, sha) = finished_case(&w).await;
    let hold = json!({"reason": "Claim before the Nagoya labour tribunal"});
    assert_problem(w.command(&case.worker, &case.id, "legal-hold", hold.clone()).await, 403, "forbidden").await;
    let response = w.command(&w.handler, &case.id, "legal-hold", hold).await;
    assert_eq!(response.status(), 200);
    let held: CaseSeen = body(response).await;
    assert_eq!(held.events("legal_hold_set"), 1);

    clock.advance(Duration::days(w.app.settings.privacy.retention_days_after_closure + 1));
    assert_eq!(w.app.worker.run_retention().await.unwrap().erased, 0, "a held case is kept");
    assert!(evidence_file(&w, &sha).exists());
    assert!(rows_holding(&w, &case.id, "Nguyen Van A") > 0);

    let (handler, _) = fresh_staff(&w).await;
    let version = w.case(&handler, &case.id).await.version;
    let clear = json!({"version": version, "reason": "The tribunal decided"});
    let path = format!("/api/v1/cases/{}/legal-hold/clear", case.id);
    assert_eq!(w.app.post(&path, &clear, Some(&handler)).await.status(), 200);
    assert_eq!(w.app.worker.run_retention().await.unwrap().erased, 1);
    assert_erased(&w, &handler, &case.id, &sha, "retention").await;
}

#[tokio::test]
async fn erasure_on_request_needs_a_withdrawn_case_and_a_handlers_approval() {
    let (w, _clock) = world().await;
    let mut grievance = w.grievance();
    grievance["identity"]["email"] = json!("bich.ngoc@mail.example");
    let case = w.case_from_in(&grievance, State::Referred).await;
    let sha = message_with_photo(&w, &case.worker, &case.id).await;

    let open =
        assert_problem(w.command(&case.worker, &case.id, "erasure-request", json!({})).await, 409, "case_still_open")
            .await;
    assert!(open.detail.contains("withdraw"), "{}", open.detail);
    assert_problem(w.command(&w.employer_staff, &case.id, "erasure-request", json!({})).await, 403, "forbidden").await;
    assert_problem(
        w.command(&w.handler, &case.id, "erasure-request/approve", json!({})).await,
        409,
        "erasure_not_requested",
    )
    .await;

    w.act(&case.worker, &case.id, json!({"action": "withdraw"})).await;
    w.app.deliver_outbox().await;
    let before = statistics(&w, &w.analyst).await;
    let response = w.command(&case.worker, &case.id, "erasure-request", json!({})).await;
    assert_eq!(response.status(), 200);
    let asked: CaseSeen = body(response).await;
    assert_eq!(asked.events("erasure_requested"), 1);
    assert_problem(
        w.command(&case.worker, &case.id, "erasure-request", json!({})).await,
        409,
        "erasure_already_requested",
    )
    .await;
    // The handlers hear of the request.
    w.app.worker.fan_out().await.unwrap();
    assert!(notices(&w, &case.id, "erasure_requested") > 0, "no handler was told");

    assert_problem(w.command(&case.worker, &case.id, "erasure-request/approve", json!({})).await, 403, "forbidden")
        .await;
    let response = w.command(&w.handler, &case.id, "erasure-request/approve", json!({})).await;
    assert_eq!(response.status(), 200);
    assert_erased(&w, &w.handler, &case.id, &sha, "request").await;
    assert_eq!(statistics(&w, &w.analyst).await, before, "statistics change with erasure");
    assert_problem(w.app.get(&format!("/api/v1/cases/{}", case.id), Some(&case.worker)).await, 401, "session_ended")
        .await;
}

/// How many notices of a happening about the case are in the outbox.
fn notices(w: &World, case_id: &str, happening: &str) -> i64 {
    let mut conn = w.app.pool.get().unwrap();
    let rows: Vec<Count> =
        diesel::sql_query("SELECT COUNT(*) AS n FROM outbox WHERE case_id = $1 AND notification = $2")
            .bind::<diesel::sql_types::Text, _>(case_id)
            .bind::<diesel::sql_types::Text, _>(happening)
            .load(&mut *conn)
            .unwrap();
    rows[0].n
}

#[tokio::test]
async fn a_refused_request_shows_its_reason_to_the_worker() {
    let (w, _clock) = world().await;
    let (case, _, sha) = finished_case(&w).await;
    assert_eq!(w.command(&case.worker, &case.id, "erasure-request", json!({})).await.status(), 200);
    let reason = "The labour inspectorate asked us to keep the file until its inquiry ends";
    assert_problem(
        w.command(&w.employer_staff, &case.id, "erasure-request/refuse", json!({"reason": reason})).await,
        403,
        "forbidden",
    )
    .await;
    let response = w.command(&w.handler, &case.id, "erasure-request/refuse", json!({"reason": reason})).await;
    assert_eq!(response.status(), 200);

    let seen = w.case(&case.worker, &case.id).await;
    let refusal = seen.timeline.iter().find(|e| e.kind == "erasure_refused").expect("the worker sees the refusal");
    assert_eq!(refusal.reason.as_deref(), Some(reason));
    assert!(evidence_file(&w, &sha).exists(), "nothing was erased");
    assert!(rows_holding(&w, &case.id, "Nguyen Van A") > 0);
    w.app.worker.fan_out().await.unwrap();
    assert!(notices(&w, &case.id, "erasure_refused") > 0, "the worker was not told");
    // The worker may ask again.
    assert_eq!(w.command(&case.worker, &case.id, "erasure-request", json!({})).await.status(), 200);
}

#[tokio::test]
async fn the_access_download_holds_the_workers_data_and_nothing_of_anyone_else() {
    let (w, _clock) = world().await;
    let (case, _, _) = finished_case(&w).await;
    let mut other = w.grievance();
    other["narrative"] = json!("Another worker's story about Fuji Metals");
    other["identity"] = json!({"full_name": "Tran Thi B"});
    let other = w.intake(&other).await;

    let response = w.app.get("/api/v1/me/personal-data", Some(&case.worker)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let data: Value = body(response).await;
    let text = data.to_string();
    assert!(data["account"].is_null(), "a receipt session has no account");
    assert_eq!(data["cases"].as_array().unwrap().len(), 1);
    let held = &data["cases"][0];
    assert_eq!(held["case"]["id"], case.id);
    assert_eq!(held["case"]["identity"]["full_name"], "Nguyen Van A");
    assert!(held["case"]["narrative"].as_str().unwrap().contains("hộ chiếu"));
    assert_eq!(held["messages"][0]["body"], "The boss shouted at me again");
    let download = held["evidence"][0]["download"].as_str().unwrap();
    let file = w.app.get(download, Some(&case.worker)).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), PNG);
    assert!(!text.contains("Tran Thi B") && !text.contains("Another worker") && !text.contains(&other.id));

    // In an account: the account and every case of theirs.
    let response = w.app.post("/api/v1/cases", &w.grievance(), Some(&w.worker)).await;
    assert_eq!(response.status(), 201);
    let own: Value = body(response).await;
    let data: Value = w.app.read("/api/v1/me/personal-data", Some(&w.worker)).await;
    assert!(data["account"]["id"].is_string());
    let ids: Vec<&str> = data["cases"].as_array().unwrap().iter().map(|c| c["case"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![own["case_id"].as_str().unwrap()]);

    for staff in [&w.handler, &w.advocate, &w.employer_staff, &w.analyst] {
        assert_problem(w.app.get("/api/v1/me/personal-data", Some(staff)).await, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn a_worker_with_an_account_is_told_of_the_erasure_and_loses_the_empty_case() {
    let (w, _clock) = world().await;
    w.app.create_user_directly(madoguchi::domain::Role::Worker, "an.worker@mail.example", None);
    let worker = w.app.token(&crate::helpers::Login::email("an.worker@mail.example")).await;
    let response = w.app.post("/api/v1/cases", &w.grievance(), Some(&worker)).await;
    assert_eq!(response.status(), 201);
    let lodged: Value = body(response).await;
    let id = lodged["case_id"].as_str().unwrap().to_owned();
    w.act(&worker, &id, json!({"action": "withdraw"})).await;
    assert_eq!(w.command(&worker, &id, "erasure-request", json!({})).await.status(), 200);
    assert_eq!(w.command(&w.handler, &id, "erasure-request/approve", json!({})).await.status(), 200);

    w.app.worker.fan_out().await.unwrap();
    assert_eq!(notices(&w, &id, "personal_data_erased"), 1, "the worker's account hears of it");
    // The anonymous record is no longer the worker's: not in their list, not theirs to read.
    let listed: Value = w.app.read("/api/v1/cases", Some(&worker)).await;
    assert_eq!(listed["items"], json!([]));
    assert_problem(w.app.get(&format!("/api/v1/cases/{id}"), Some(&worker)).await, 404, "not_found").await;
    let data: Value = w.app.read("/api/v1/me/personal-data", Some(&worker)).await;
    assert_eq!(data["cases"], json!([]));
}
