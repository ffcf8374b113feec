//! Webhooks: signed, replay-safe, retried, and only for events the organisation may see.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};
use crate::views::{Lodged, State, body};
use crate::world::World;

#[derive(Clone, Default)]
pub struct Inbox {
    /// (signature header, body) of each delivery.
    pub received: Arc<Mutex<Vec<(String, String)>>>,
    /// The Standard Webhooks headers of each delivery: id, timestamp, signature.
    standard: Arc<Mutex<Vec<[String; 3]>>>,
    fail_next: Arc<AtomicUsize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, inbox: web::Data<Inbox>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let signature = header("madoguchi-signature");
    inbox.standard.lock().unwrap().push([
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ]);
    inbox.received.lock().unwrap().push((signature, String::from_utf8(body.to_vec()).unwrap()));
    if inbox.fail_next.load(Ordering::SeqCst) > 0 {
        inbox.fail_next.fetch_sub(1, Ordering::SeqCst);
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().finish()
}

/// A real HTTP endpoint on loopback that records what it is sent.
pub fn start_receiver() -> (String, Inbox) {
    let inbox = Inbox::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    let data = web::Data::new(inbox.clone());
    let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hook", web::post().to(receive)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    (url, inbox)
}

/// What a receiver does: recompute the signature and check the timestamp is fresh.
fn verify(secret: &str, header: &str, body: &str) -> bool {
    let Some(timestamp) = header.split(',').find_map(|p| p.strip_prefix("t=")).and_then(|t| t.parse::<i64>().ok())
    else {
        return false;
    };
    let fresh = (chrono::Utc::now().timestamp() - timestamp).abs() < 300;
    fresh && madoguchi::notify::webhook::sign(secret, timestamp, body) == header
}

/// What a Standard Webhooks receiver does, written from the specification
/// rather than with the server's code: the key is the base64 after `whsec_`,
/// the signed content `<id>.<timestamp>.<body>`, the signature `v1,<base64>`
/// (one of several, space-separated), and the timestamp must be fresh.
fn verify_standard(secret: &str, [id, timestamp, signature]: &[String; 3], body: &str) -> bool {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let Ok(key) = engine.decode(secret.strip_prefix("whsec_").unwrap_or(secret)) else { return false };
    let Ok(seconds) = timestamp.parse::<i64>() else { return false };
    let fresh = (chrono::Utc::now().timestamp() - seconds).abs() < 300;
    let expected = engine.encode(madoguchi::crypto::hmac_sha256(&key, format!("{id}.{timestamp}.{body}").as_bytes()));
    fresh && signature.split(' ').any(|candidate| candidate == format!("v1,{expected}"))
}

/// A webhook as created: the only time its secret is shown.
#[derive(serde::Deserialize)]
struct Hook {
    id: String,
    secret: String,
}

impl crate::views::View for Hook {}

#[tokio::test]
async fn an_employer_receives_signed_events_it_may_see_and_failures_are_retried() {
    let (url, inbox) = start_receiver();
    let app = TestApp::spawn_with(|s| {
        s.webhooks.allow_http = true;
        s.outbox.backoff_base_seconds = 0;
    })
    .await;
    let w = World::on(app).await;
    let response = w.app.post("/api/v1/webhooks", &json!({"url": url}), Some(&w.employer_staff)).await;
    assert_eq!(response.status(), 201);
    let hook: Hook = body(response).await;
    let secret = hook.secret;
    assert!(secret.starts_with("whsec_"));
    // Read raw: the secret must be absent from the list, not merely empty.
    let listed: Vec<Value> = w.app.read("/api/v1/webhooks", Some(&w.employer_staff)).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("secret").is_none(), "the secret is shown once");

    let lodged = w.intake(&w.grievance()).await;
    let Lodged { id, reference, receipt_code: receipt } = lodged.clone();
    w.walk(lodged, State::Acknowledged).await;
    w.app.deliver_outbox().await;
    assert!(inbox.received.lock().unwrap().is_empty(), "not a party yet: nothing");

    w.act(&w.handler, &id, json!({"action": "refer"})).await;
    w.app.deliver_outbox().await;
    let received = inbox.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (signature, body) = &received[0];
    assert!(verify(&secret, signature, body), "{signature}");
    assert!(!verify("whsec_wrong", signature, body));
    let standard = inbox.standard.lock().unwrap().clone();
    assert!(verify_standard(&secret, &standard[0], body), "{standard:?}");
    assert!(!verify_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &standard[0], body), "another key fails");
    assert!(!verify_standard(&secret, &standard[0], &body.replace("referred", "closed")), "a changed body fails");
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(standard[0][0], format!("evt_{}", event["event_id"].as_str().unwrap()));
    assert_eq!(event["to_state"], "referred");
    assert_eq!(event["reference"], reference.as_str());
    for secret_text in ["Nguyen", "C1234567", "hộ chiếu"] {
        assert!(!body.contains(secret_text), "{secret_text} in the payload");
    }

    // The endpoint fails once; the same event is delivered again.
    inbox.fail_next.store(1, Ordering::SeqCst);
    w.act(&w.employer_staff, &id, json!({"action": "respond"})).await;
    w.app.deliver_outbox().await;
    let received = inbox.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let first: Value = serde_json::from_str(&received[1].1).unwrap();
    let retry: Value = serde_json::from_str(&received[2].1).unwrap();
    assert_eq!(first["event_id"], retry["event_id"], "a retry carries the same event id");
    assert!(verify(&secret, &received[2].0, &received[2].1));
    let standard = inbox.standard.lock().unwrap().clone();
    assert_eq!(standard[1][0], standard[2][0], "a retry carries the same webhook-id");
    assert!(verify_standard(&secret, &standard[2], &received[2].1));

    // A worker-side message is not the employer's business.
    let worker = w.receipt_session(&reference, &receipt).await;
    let response = w
        .app
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            &json!({"body": "private", "visibility": "worker_side"}),
            Some(&worker),
        )
        .await;
    assert_eq!(response.status(), 201);
    w.app.deliver_outbox().await;
    assert_eq!(inbox.received.lock().unwrap().len(), 3);

    // Removed endpoints receive nothing more.
    let hook_id = hook.id;
    assert_problem(
        w.app
            .client
            .delete(w.app.url(&format!("/api/v1/webhooks/{hook_id}")))
            .bearer_auth(w.other_employer_staff.bearer())
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let response = w
        .app
        .client
        .delete(w.app.url(&format!("/api/v1/webhooks/{hook_id}")))
        .bearer_auth(w.employer_staff.bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    w.act(&w.employer_staff, &id, json!({"action": "propose_remedy", "remedies": [{"type": "apology", "description": "Apology", "responsible_organisation_id": w.employer_id}]})).await;
    w.app.deliver_outbox().await;
    assert_eq!(inbox.received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn endpoints_must_be_https_and_belong_to_an_organisation() {
    let w = World::new().await;
    let problem = assert_problem(
        w.app.post("/api/v1/webhooks", &json!({"url": "http://example.org/hook"}), Some(&w.employer_staff)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().code, "https_required");
    assert_problem(
        w.app.post("/api/v1/webhooks", &json!({"url": "not a url"}), Some(&w.employer_staff)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_problem(
        w.app.post("/api/v1/webhooks", &json!({"url": "https://example.org/hook"}), Some(&w.worker)).await,
        403,
        "forbidden",
    )
    .await;
    let response = w.app.post("/api/v1/webhooks", &json!({"url": "https://example.org/hook"}), Some(&w.advocate)).await;
    assert_eq!(response.status(), 201);
}

/// A webhook hears what its registrant's role may see, and internal events
/// never leave the service: the operator's endpoint gets the lifecycle but
/// not the handlers' internal notes; analysts and admins, who follow no
/// cases, cannot register one.
#[tokio::test]
async fn webhooks_follow_the_registrants_role_and_internal_events_stay_in() {
    let (url, inbox) = start_receiver();
    let w = World::on(TestApp::spawn_with(|s| s.webhooks.allow_http = true).await).await;
    for outsider in [&w.analyst, &w.admin] {
        let response =
            w.app.post("/api/v1/webhooks", &json!({"url": "https://example.org/hook"}), Some(outsider)).await;
        assert_problem(response, 403, "forbidden").await;
    }
    let response = w.app.post("/api/v1/webhooks", &json!({"url": url}), Some(&w.handler)).await;
    assert_eq!(response.status(), 201);

    let mut grievance = w.grievance();
    grievance.as_object_mut().unwrap().remove("employer_organisation_id");
    grievance["employer_name"] = json!("Sakura Foods");
    let Lodged { id, .. } = w.intake(&grievance).await;
    let version = w.version(&id).await;
    let link = json!({"version": version, "employer_organisation_id": w.employer_id});
    assert_eq!(w.command(&w.handler, &id, "employer", link).await.status(), 200);
    let note = json!({"body": "Employer known to us from 2024", "visibility": "internal"});
    let response = w.app.post(&format!("/api/v1/cases/{id}/messages"), &note, Some(&w.handler)).await;
    assert_eq!(response.status(), 201);
    w.act(&w.handler, &id, json!({"action": "acknowledge"})).await;
    w.app.deliver_outbox().await;

    let kinds: Vec<String> = inbox
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_str::<Value>(body).unwrap()["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"transition".to_owned()), "the lifecycle is heard: {kinds:?}");
    assert!(!kinds.contains(&"employer_linked".to_owned()), "an internal event left the service: {kinds:?}");
    let bodies = inbox.received.lock().unwrap().clone();
    assert!(bodies.iter().all(|(_, body)| !body.contains("internal")), "{bodies:?}");
}
