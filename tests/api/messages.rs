//! Messages on a case, their visibility, and evidence files.

use serde_json::{Value, json};

use crate::helpers::{TestApp, Token, assert_problem};
use crate::views::{Created, Page, State, body};
use crate::world::World;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

async fn post(w: &World, token: &Token, id: &str, body: Value) -> reqwest::Response {
    w.app.post(&format!("/api/v1/cases/{id}/messages"), &body, Some(token)).await
}

#[derive(serde::Deserialize)]
struct MessageSeen {
    body: String,
}

async fn bodies(w: &World, token: &Token, id: &str) -> Vec<String> {
    let page: Page<MessageSeen> = w.app.read(&format!("/api/v1/cases/{id}/messages"), Some(token)).await;
    page.items.into_iter().map(|m| m.body).collect()
}

/// A referred case and the receipt session of the worker who lodged it.
async fn referred_case(w: &World) -> (String, Token) {
    let case = w.case_in(State::Referred).await;
    (case.id, case.worker)
}

#[tokio::test]
async fn each_side_reads_only_what_is_meant_for_it() {
    let w = World::new().await;
    let (id, worker) = referred_case(&w).await;

    let response = post(
        &w,
        &worker,
        &id,
        json!({"body": "Tôi sợ bị đuổi về nước", "visibility": "worker_side", "language": "vi"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let mine: Value = body(response).await;
    assert_eq!(mine["author_role"], "worker");
    assert_eq!(mine["mine"], true);
    assert_eq!(
        post(&w, &w.handler, &id, json!({"body": "Check the dormitory rules", "visibility": "internal"}))
            .await
            .status(),
        201
    );
    assert_eq!(
        post(&w, &w.employer_staff, &id, json!({"body": "We invite the worker to talk", "visibility": "parties"}))
            .await
            .status(),
        201
    );
    let problem = assert_problem(
        post(&w, &w.employer_staff, &id, json!({"body": "Only to the worker", "visibility": "worker_side"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().field, "visibility");
    assert_problem(
        post(&w, &worker, &id, json!({"body": "x", "visibility": "internal"})).await,
        422,
        "validation_failed",
    )
    .await;

    assert_eq!(
        bodies(&w, &w.handler, &id).await,
        ["Tôi sợ bị đuổi về nước", "Check the dormitory rules", "We invite the worker to talk"]
    );
    assert_eq!(bodies(&w, &worker, &id).await, ["Tôi sợ bị đuổi về nước", "We invite the worker to talk"]);
    assert_eq!(bodies(&w, &w.employer_staff, &id).await, ["We invite the worker to talk"]);
    assert_eq!(bodies(&w, &w.supervisor_staff, &id).await, ["We invite the worker to talk"]);
    assert_problem(
        w.app.get(&format!("/api/v1/cases/{id}/messages"), Some(&w.other_employer_staff)).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        post(&w, &w.other_employer_staff, &id, json!({"body": "x", "visibility": "parties"})).await,
        404,
        "not_found",
    )
    .await;

    // Every message is in the audit trail, with the message's visibility.
    assert_eq!(w.case(&w.employer_staff, &id).await.events("message_posted"), 1);
    assert_eq!(w.case(&w.handler, &id).await.events("message_posted"), 3);
}

async fn upload(
    w: &World,
    token: &Token,
    id: &str,
    message: &str,
    name: &str,
    bytes: &'static [u8],
) -> reqwest::Response {
    w.app
        .client
        .post(w.app.url(&format!("/api/v1/cases/{id}/messages/{message}/evidence?file_name={name}")))
        .bearer_auth(token.bearer())
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

#[derive(serde::Deserialize)]
struct Evidence {
    id: String,
    content_type: String,
    size_bytes: usize,
    sha256: String,
}

impl crate::views::View for Evidence {}

#[tokio::test]
async fn evidence_is_checked_by_content_stored_sealed_and_served_to_those_who_may_read_it() {
    let w = World::on(TestApp::spawn_with(|s| s.storage.evidence_max_bytes = 4096).await).await;
    let (id, worker) = referred_case(&w).await;
    let message: Created =
        body(post(&w, &worker, &id, json!({"body": "My payslip", "visibility": "worker_side"})).await).await;
    let message_id = message.id.as_str();

    let response = upload(&w, &worker, &id, message_id, "payslip.jpg", PNG).await;
    assert_eq!(response.status(), 201);
    let evidence: Evidence = body(response).await;
    assert_eq!(evidence.content_type, "image/png", "the content decides, not the name");
    assert_eq!(evidence.size_bytes, PNG.len());
    let sha = evidence.sha256.as_str();
    assert_eq!(sha.len(), 64);
    // Sealed on disk, under the evidence row's id (not its hash, which would tell which known file it is).
    let stored =
        w.app.settings.storage.data_dir.join("evidence").join(&evidence.id[evidence.id.len() - 2..]).join(&evidence.id);
    let stored = std::fs::read(stored).unwrap();
    assert!(stored.starts_with(b"MGF1") && !stored.windows(PNG.len()).any(|w| w == PNG));

    let download = format!("/api/v1/cases/{id}/evidence/{}", evidence.id);
    for reader in [&worker, &w.handler] {
        let response = w.app.get(&download, Some(reader)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    }
    // The employer side may not read worker-side messages, so not their files either.
    assert_problem(w.app.get(&download, Some(&w.employer_staff)).await, 404, "not_found").await;
    assert_problem(w.app.get(&download, Some(&w.other_advocate)).await, 404, "not_found").await;

    let listed: Page = w.app.read(&format!("/api/v1/cases/{id}/messages"), Some(&worker)).await;
    assert_eq!(listed.items[0]["evidence"][0]["file_name"], "payslip.jpg");

    assert_problem(
        upload(&w, &worker, &id, message_id, "notes.txt", b"just some text").await,
        415,
        "unsupported_evidence_type",
    )
    .await;
    static BIG: [u8; 5000] = [0u8; 5000];
    assert_problem(upload(&w, &worker, &id, message_id, "big.png", &BIG).await, 413, "payload_too_large").await;
    // Only the author attaches to a message.
    assert_problem(upload(&w, &w.handler, &id, message_id, "x.png", PNG).await, 403, "forbidden").await;
    assert_problem(upload(&w, &w.employer_staff, &id, message_id, "x.png", PNG).await, 404, "not_found").await;
    let problem = assert_problem(upload(&w, &worker, &id, message_id, "..", PNG).await, 422, "validation_failed").await;
    assert_eq!(problem.error().field, "file_name");
}
