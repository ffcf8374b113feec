//! The people and paths around a case: grievances recorded by handlers from
//! a phone call or a letter, the worker's advocate, receipt codes renewed
//! and replaced, remedy evidence, organisations and users kept up to date,
//! and the labels of every catalogue.

use serde_json::{Value, json};

use crate::helpers::{TestApp, Token, assert_problem};
use crate::views::{CaseSeen, Lodged, Page, State, body};
use crate::world::World;

fn events<'a>(case: &'a CaseSeen, kind: &str) -> Vec<&'a Value> {
    case.raw["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).collect()
}

async fn record(w: &World, token: Option<&Token>, channel: &str) -> reqwest::Response {
    w.app.post("/api/v1/intake/recorded", &json!({"channel": channel, "grievance": w.grievance()}), token).await
}

async fn org_id(w: &World, token: &Token) -> String {
    w.app.me(token).await.organisation_id.unwrap()
}

#[tokio::test]
async fn a_handler_records_a_phone_grievance_that_the_worker_then_follows_by_receipt_code() {
    let w = World::new().await;
    let response = record(&w, Some(&w.handler), "phone").await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let lodged: Lodged = body(response).await;
    assert_eq!(location, format!("/api/v1/cases/{}", lodged.id));
    assert_eq!(lodged.receipt_code.len(), 23, "a receipt code for the handler to pass on");

    // The worker, told the reference and code over the phone, opens the case.
    let worker = w.receipt_session(&lodged.reference, &lodged.receipt_code).await;
    let seen = w.case(&worker, &lodged.id).await;
    assert_eq!(seen.raw["channel"], "phone");
    assert_eq!(seen.your_role, "worker");
    assert_eq!(seen.state, State::Submitted);
    let lodging = events(&seen, "lodged");
    assert_eq!(lodging.len(), 1);
    assert_eq!(lodging[0]["actor_role"], "handler", "the audit trail says who recorded it");
    assert_eq!(lodging[0]["details"]["channel"], "phone");
    assert_eq!(lodging[0]["details"]["lodged_via"], "intake");
    let handler_sees = w.case(&w.handler, &lodged.id).await;
    assert_eq!(handler_sees.raw["identity"]["full_name"], "Nguyen Van A");

    // Every other channel too; online is for the worker's own lodging.
    for channel in ["letter", "walk_in", "chat_app", "other"] {
        assert_eq!(record(&w, Some(&w.handler), channel).await.status(), 201, "{channel}");
    }
    let problem = assert_problem(record(&w, Some(&w.handler), "online").await, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "channel");
    assert_eq!(record(&w, Some(&w.handler), "fax").await.status(), 400, "not a channel");
    let mut grievance = w.grievance();
    grievance["worker_consent"] = json!({"method": "signed form", "obtained_on": "2026-11-01"});
    let response = w
        .app
        .post("/api/v1/intake/recorded", &json!({"channel": "letter", "grievance": grievance}), Some(&w.handler))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "grievance.worker_consent");
    let mut grievance = w.grievance();
    grievance["employer_name"] = json!("Sakura Foods");
    let response = w
        .app
        .post("/api/v1/intake/recorded", &json!({"channel": "letter", "grievance": grievance}), Some(&w.handler))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "grievance.employer_organisation_id");

    // Nobody but handlers records for a worker.
    for token in [&w.admin, &w.advocate, &w.worker, &w.employer_staff, &w.supervisor_staff, &w.mediator, &w.analyst] {
        assert_problem(record(&w, Some(token), "phone").await, 403, "forbidden").await;
    }
    assert_problem(record(&w, Some(&worker), "phone").await, 403, "forbidden").await;
    assert_problem(record(&w, None, "phone").await, 401, "missing_token").await;
}

#[tokio::test]
async fn a_retried_recording_with_the_same_key_records_once() {
    let w = World::new().await;
    let body = json!({"channel": "phone", "grievance": w.grievance()});
    let send = |body: Value| {
        w.app
            .client
            .post(w.app.url("/api/v1/intake/recorded"))
            .bearer_auth(w.handler.bearer())
            .header("Idempotency-Key", "call-2026-12-01-0001")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Lodged = crate::views::body(first).await;
    let again = send(body.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Lodged = crate::views::body(again).await;
    assert_eq!((again.id, again.receipt_code), (first.id, first.receipt_code));
    let mut other = body;
    other["channel"] = json!("letter");
    assert_problem(send(other).await.unwrap(), 409, "idempotency_key_reused").await;
}

#[tokio::test]
async fn cases_are_listed_by_channel_and_counted_by_channel_in_the_statistics() {
    let w = World::new().await;
    let mut phoned = Vec::new();
    for _ in 0..5 {
        let response = record(&w, Some(&w.handler), "phone").await;
        assert_eq!(response.status(), 201);
        phoned.push(body::<Lodged>(response).await.id);
    }
    let mut online = Vec::new();
    for _ in 0..5 {
        online.push(w.intake(&w.grievance()).await.id);
    }
    let listed = |query: &'static str| {
        let w = &w;
        async move {
            let page: Page = w.app.read(&format!("/api/v1/cases?limit=200&{query}"), Some(&w.handler)).await;
            let mut ids: Vec<String> = page.items.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
            ids.sort();
            (ids, page.items)
        }
    };
    let (ids, items) = listed("channel=phone").await;
    let mut expected = phoned.clone();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(items.iter().all(|c| c["channel"] == "phone"));
    let (ids, _) = listed("channel=online").await;
    let mut expected = online.clone();
    expected.sort();
    assert_eq!(ids, expected);
    assert!(listed("channel=letter").await.0.is_empty());
    assert_eq!(listed("channel=letter&state=submitted").await.0.len(), 0);
    assert_eq!(listed("channel=phone&state=submitted").await.0.len(), 5, "with the other filters");
    assert_eq!(w.app.get("/api/v1/cases?channel=fax", Some(&w.handler)).await.status(), 400);

    let summary: Value = w.app.get("/api/v1/reports/summary", Some(&w.handler)).await.json().await.unwrap();
    let count = |value: &str| {
        summary["by_channel"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"] == value)
            .map(|c| c["count"].clone())
    };
    assert_eq!(count("phone"), Some(json!(5)), "{}", summary["by_channel"]);
    assert_eq!(count("online"), Some(json!(5)));
    assert_eq!(summary["by_channel"]["total"], 10);

    // Case-level exports carry it too, as code and as label.
    let jsonl = w.app.get("/api/v1/reports/cases?format=jsonl", Some(&w.handler)).await.text().await.unwrap();
    let mut channels: Vec<String> = jsonl
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["channel"].as_str().unwrap().to_owned())
        .collect();
    channels.sort();
    assert_eq!(channels, [vec!["online".to_owned(); 5], vec!["phone".to_owned(); 5]].concat());
    let csv = w.app.get("/api/v1/reports/cases?format=csv&lang=ja", Some(&w.handler)).await.text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("受付経路"), "{header}");
    assert!(csv.contains("電話"), "the channel's label in the asked language");
}

#[tokio::test]
async fn the_worker_names_and_removes_an_advocate_who_gains_and_loses_the_case_at_once() {
    let w = World::new().await;
    let case = w.case_in(State::Acknowledged).await;
    let (id, worker) = (&case.id, &case.worker);
    let ngo = w.ngo_id.to_string();
    let other_ngo = org_id(&w, &w.other_advocate).await;
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.advocate)).await.status(), 404);

    // The worker names an NGO: its advocates see the case from the next request.
    let response = w.command(worker, id, "advocate", json!({"advocate_organisation_id": ngo})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let seen: CaseSeen = body(response).await;
    assert_eq!(seen.advocate_organisation_id.as_deref(), Some(ngo.as_str()));
    let advocate_sees = w.case(&w.advocate, id).await;
    assert_eq!(advocate_sees.your_role, "advocate");
    assert_eq!(advocate_sees.raw["identity"]["full_name"], "Nguyen Van A", "the advocate acts for the worker");
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.other_advocate)).await.status(), 404);
    let added = events(&seen, "advocate_added");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["actor_role"], "worker");
    assert_eq!(added[0]["details"]["advocate_organisation_id"], ngo.as_str());
    assert_eq!(added[0]["visibility"], "worker_side");

    // A handler replaces it only with the worker's recorded consent.
    let response = w.command(&w.handler, id, "advocate", json!({"advocate_organisation_id": other_ngo})).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "worker_consent");
    let consent = json!({"method": "the worker asked by phone", "obtained_on": "2026-11-20"});
    let response = w
        .command(&w.handler, id, "advocate", json!({"advocate_organisation_id": other_ngo, "worker_consent": consent}))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.advocate)).await.status(), 404, "replaced");
    assert_eq!(w.case(&w.other_advocate, id).await.your_role, "advocate");
    let seen = w.case(&w.handler, id).await;
    let replaced = events(&seen, "advocate_added");
    assert_eq!(replaced[1]["details"]["previous_advocate_organisation_id"], ngo.as_str());
    assert_eq!(replaced[1]["details"]["worker_consent"]["method"], "the worker asked by phone");

    // An advocate does not dismiss itself or appoint another; respondents and others cannot either.
    let before = w.version(id).await;
    for token in [&w.other_advocate, &w.mediator, &w.analyst, &w.admin, &w.employer_staff, &w.advocate] {
        let response = w.command(token, id, "advocate/removal", json!({"worker_consent": consent})).await;
        let status = response.status().as_u16();
        assert!(status == 403 || status == 404, "{token:?}: {status}");
        let response = w.command(token, id, "advocate", json!({"advocate_organisation_id": ngo})).await;
        let status = response.status().as_u16();
        assert!(status == 403 || status == 404, "{token:?}: {status}");
    }
    assert_eq!(w.version(id).await, before, "refused attempts changed nothing");

    // The worker removes it: the advocate loses the case at once.
    let response = w.command(worker, id, "advocate/removal", json!({})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let seen: CaseSeen = body(response).await;
    assert_eq!(seen.advocate_organisation_id, None);
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.other_advocate)).await.status(), 404);
    let page: Page = w.app.read("/api/v1/cases", Some(&w.other_advocate)).await;
    assert!(page.items.is_empty(), "nor in its list");
    let removed = events(&seen, "advocate_removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["details"]["previous_advocate_organisation_id"], other_ngo.as_str());
    let problem =
        assert_problem(w.command(worker, id, "advocate/removal", json!({})).await, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].code, "no_advocate");

    // Only an NGO advocates; a stale version is refused.
    let employer = w.employer_id.to_string();
    let problem = assert_problem(
        w.command(worker, id, "advocate", json!({"advocate_organisation_id": employer})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].code, "not_an_advocate");
    let stale = json!({"version": 99, "advocate_organisation_id": ngo});
    assert_problem(
        w.app.post(&format!("/api/v1/cases/{id}/advocate"), &stale, Some(worker)).await,
        409,
        "stale_version",
    )
    .await;
}

#[tokio::test]
async fn a_receipt_session_renews_while_valid_and_a_replaced_code_ends_the_old_code_and_its_sessions() {
    let clock = madoguchi::clock::ManualClock::new(chrono::Utc::now());
    let short = |s: &mut madoguchi::config::Settings| s.auth.case_session_ttl_seconds = 120;
    let app =
        TestApp::spawn_on(crate::helpers::TestDatabase::create(), short, std::sync::Arc::new(clock.clone())).await;
    let w = World::on(app).await;
    let lodged = w.intake(&w.grievance()).await;
    let id = lodged.id.clone();
    let first = w.receipt_session(&lodged.reference, &lodged.receipt_code).await;

    // Renewal while valid: a fresh token for the same case.
    clock.advance(chrono::Duration::seconds(100));
    let response = w.app.post("/api/v1/intake/session/renewal", &json!({}), Some(&first)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let renewed: Value = response.json().await.unwrap();
    assert_eq!(renewed["case_id"], id.as_str());
    assert_eq!(renewed["expires_in"], w.app.settings.auth.case_session_ttl_seconds);
    let renewed = Token::new("renewed receipt session", renewed["access_token"].as_str().unwrap());
    clock.advance(chrono::Duration::seconds(40));
    assert_problem(w.app.get(&format!("/api/v1/cases/{id}"), Some(&first)).await, 401, "token_expired").await;
    assert_problem(w.app.post("/api/v1/intake/session/renewal", &json!({}), Some(&first)).await, 401, "token_expired")
        .await;
    assert_eq!(w.case(&renewed, &id).await.your_role, "worker", "the renewed one lives on");
    for token in [&w.worker, &w.handler, &w.advocate] {
        assert_problem(w.app.post("/api/v1/intake/session/renewal", &json!({}), Some(token)).await, 403, "forbidden")
            .await;
    }
    assert_problem(w.app.post("/api/v1/intake/session/renewal", &json!({}), None).await, 401, "missing_token").await;

    // Only a handler replaces the code, and says how the worker's identity was checked.
    let check = json!({"identity_check": "phone call; date of birth, employer and passport number confirmed"});
    for token in [&renewed, &w.advocate, &w.employer_staff, &w.mediator, &w.analyst, &w.admin, &w.worker] {
        let status = w.command(token, &id, "receipt-code", check.clone()).await.status().as_u16();
        assert!(status == 403 || status == 404, "{token:?}: {status}");
    }
    let problem = assert_problem(
        w.command(&w.handler, &id, "receipt-code", json!({"identity_check": ""})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "identity_check");
    let stale = json!({"version": 99, "identity_check": "asked"});
    let response = w.app.post(&format!("/api/v1/cases/{id}/receipt-code"), &stale, Some(&w.handler)).await;
    assert_problem(response, 409, "stale_version").await;
    let response = w.command(&w.handler, &id, "receipt-code", check).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let replaced: Value = response.json().await.unwrap();
    let new_code = replaced["receipt_code"].as_str().unwrap().to_owned();
    assert_ne!(new_code, lodged.receipt_code);
    assert_eq!(replaced["reference"], lodged.reference.as_str());

    // The old code and every session it opened stop working at once; the new code works.
    assert_problem(w.app.get(&format!("/api/v1/cases/{id}"), Some(&renewed)).await, 401, "session_ended").await;
    assert_problem(
        w.app.post("/api/v1/intake/session/renewal", &json!({}), Some(&renewed)).await,
        401,
        "session_ended",
    )
    .await;
    let old = json!({"reference": lodged.reference, "receipt_code": lodged.receipt_code});
    assert_problem(w.app.post("/api/v1/intake/session", &old, None).await, 401, "invalid_receipt").await;
    let worker = w.receipt_session(&lodged.reference, &new_code).await;
    let seen = w.case(&worker, &id).await;
    let replacements = events(&seen, "receipt_code_replaced");
    assert_eq!(replacements.len(), 1, "the worker sees that the code was replaced");
    assert_eq!(replacements[0]["actor_role"], "handler");
    assert!(replacements[0]["details"]["identity_check"].as_str().unwrap().contains("date of birth"));
    assert!(!seen.raw.to_string().contains(&new_code), "the code is not kept in the trail");
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.employer_staff)).await.status(), 404);
}

#[tokio::test]
async fn channels_and_outside_bodies_are_served_with_labels_in_the_asked_language() {
    let app = TestApp::spawn().await;
    let get = |path: &'static str| {
        let app = &app;
        async move {
            let response = app.get(path, None).await;
            assert_eq!(response.status(), 200, "{path}");
            let language = response.headers()["content-language"].to_str().unwrap().to_owned();
            let entries: Vec<Value> = response.json().await.unwrap();
            (language, entries)
        }
    };
    let label = |entries: &[Value], name: &str| {
        entries.iter().find(|e| e["name"] == name).map(|e| e["label"].as_str().unwrap().to_owned()).unwrap()
    };
    let (language, channels) = get("/api/v1/channels?lang=ja").await;
    assert_eq!(language, "ja");
    let names: Vec<&str> = channels.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["online", "phone", "letter", "walk_in", "chat_app", "other"]);
    assert_eq!(label(&channels, "phone"), "電話");
    let (_, channels) = get("/api/v1/channels?lang=vi").await;
    assert_eq!(label(&channels, "walk_in"), "Đến trực tiếp");
    let (language, bodies) = get("/api/v1/external-bodies?lang=ne-NP").await;
    assert_eq!(language, "ne");
    assert_eq!(bodies.len(), 8);
    assert_eq!(label(&bodies, "police"), "प्रहरी");
    let (language, bodies) = get("/api/v1/external-bodies?lang=de").await;
    assert_eq!(language, "en", "English when there are no labels in the language");
    assert_eq!(label(&bodies, "labour_standards_inspection_office"), "Labour Standards Inspection Office");
    let (_, bodies) = get("/api/v1/external-bodies").await;
    assert_eq!(label(&bodies, "otit"), "Organization for Technical Intern Training (OTIT)");
    for path in ["/api/v1/channels?lang=%21%21", "/api/v1/external-bodies?lang=%21%21"] {
        assert_problem(app.get(path, None).await, 422, "validation_failed").await;
    }
    // Every state and action of the lifecycle is labelled in every language too.
    for lang in ["ja", "en", "vi", "zh", "id", "fil", "ne", "my", "km", "th", "mn"] {
        let lifecycle: Value = app.get(&format!("/api/v1/lifecycle?lang={lang}"), None).await.json().await.unwrap();
        for entry in lifecycle["states"].as_array().unwrap().iter().chain(lifecycle["actions"].as_array().unwrap()) {
            assert_ne!(entry["label"], entry["name"], "{lang}: {} has no label", entry["name"]);
        }
    }
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

async fn upload_remedy_evidence(w: &World, token: &Token, id: &str, remedy: &str, bytes: &[u8]) -> reqwest::Response {
    w.app
        .client
        .post(w.app.url(&format!("/api/v1/cases/{id}/remedies/{remedy}/evidence?file_name=signed-receipt.png")))
        .bearer_auth(token.bearer())
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn remedy_delivery_evidence_comes_from_the_responsible_organisation_and_is_seen_by_all_who_see_the_remedy() {
    let w = World::new().await;
    let case = w.case_in(State::RemedyAgreed).await;
    let (id, worker) = (&case.id, &case.worker);
    let remedy = w.case(&w.handler, id).await.remedies[0].id.clone();

    // Only the responsible organisation's staff attach it; the others are refused and nothing is stored.
    for token in [&w.handler, &w.supervisor_staff, &w.mediator, worker] {
        assert_problem(upload_remedy_evidence(&w, token, id, &remedy, PNG).await, 403, "forbidden").await;
    }
    for token in [&w.other_employer_staff, &w.advocate, &w.analyst, &w.admin] {
        assert_problem(upload_remedy_evidence(&w, token, id, &remedy, PNG).await, 404, "not_found").await;
    }
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_problem(upload_remedy_evidence(&w, &w.employer_staff, id, &unknown, PNG).await, 404, "not_found").await;
    let text = b"just some words, not a photo";
    let response = upload_remedy_evidence(&w, &w.employer_staff, id, &remedy, text).await;
    assert_problem(response, 415, "unsupported_evidence_type").await;
    assert!(w.case(&w.handler, id).await.raw["remedies"][0]["evidence"].as_array().unwrap().is_empty());

    let response = upload_remedy_evidence(&w, &w.employer_staff, id, &remedy, PNG).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["content_type"], "image/png");
    assert_eq!(stored["file_name"], "signed-receipt.png");
    let evidence = stored["id"].as_str().unwrap().to_owned();

    // Everyone who sees the remedy sees the file on it, and can download it.
    for token in [&w.employer_staff, &w.supervisor_staff, &w.mediator, &w.handler, worker] {
        let seen = w.case(token, id).await;
        let files = seen.raw["remedies"][0]["evidence"].as_array().unwrap().clone();
        assert_eq!(files.len(), 1, "{token:?}");
        assert_eq!(files[0]["id"], evidence.as_str());
        let response = w.app.get(&format!("/api/v1/cases/{id}/evidence/{evidence}"), Some(token)).await;
        assert_eq!(response.status(), 200, "{token:?}");
        assert_eq!(response.headers()["content-type"], "image/png");
        assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    }
    for token in [&w.other_employer_staff, &w.analyst] {
        let response = w.app.get(&format!("/api/v1/cases/{id}/evidence/{evidence}"), Some(token)).await;
        assert_eq!(response.status(), 404, "{token:?}");
    }
    let seen = w.case(&w.employer_staff, id).await;
    let attached = events(&seen, "evidence_attached");
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0]["details"]["remedy_id"], remedy.as_str());
    assert_eq!(attached[0]["actor_role"], "employer");

    // Still after marking it delivered; no more once the worker has verified it.
    w.act(
        &w.employer_staff,
        id,
        json!({"action": "mark_remedy_delivered", "remedy_id": remedy, "reason": "Handed over"}),
    )
    .await;
    assert_eq!(upload_remedy_evidence(&w, &w.employer_staff, id, &remedy, PNG).await.status(), 201);
    w.act(worker, id, json!({"action": "confirm_remedy", "rating": 4})).await;
    let response = upload_remedy_evidence(&w, &w.employer_staff, id, &remedy, PNG).await;
    assert_problem(response, 409, "remedy_not_owed").await;
    assert_eq!(w.case(worker, id).await.raw["remedies"][0]["evidence"].as_array().unwrap().len(), 2);

    // A remedy only proposed is not yet owed.
    let proposed = w.case_in(State::RemedyProposed).await;
    let remedy = w.case(&w.handler, &proposed.id).await.remedies[0].id.clone();
    let response = upload_remedy_evidence(&w, &w.employer_staff, &proposed.id, &remedy, PNG).await;
    assert_problem(response, 409, "remedy_not_owed").await;
}

async fn patch(app: &TestApp, path: &str, body: Value, token: Option<&Token>) -> reqwest::Response {
    let mut request = app.client.patch(app.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token.bearer());
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn admins_edit_organisations_and_a_deactivated_one_is_named_on_nothing_and_its_members_are_locked_out() {
    let w = World::new().await;
    let app = &w.app;
    let employer = w.employer_id.to_string();
    let path = format!("/api/v1/admin/organisations/{employer}");

    let response =
        patch(app, &path, json!({"name": " Sakura Foods K.K. ", "contact_email": "HR@Sakura.example"}), Some(&w.admin))
            .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["name"], "Sakura Foods K.K.");
    assert_eq!(edited["contact_email"], "hr@sakura.example");
    assert_eq!(edited["supervising_organisation_id"], w.supervisor_id.to_string(), "left out: kept");
    assert_eq!(edited["kind"], "employer");
    let response = patch(app, &path, json!({"contact_email": null, "preferred_language": "vi"}), Some(&w.admin)).await;
    let edited: Value = response.json().await.unwrap();
    assert_eq!((edited["contact_email"].clone(), edited["name"].clone()), (Value::Null, json!("Sakura Foods K.K.")));
    assert_eq!(edited["preferred_language"], "vi");
    let problem =
        assert_problem(patch(app, &path, json!({"name": ""}), Some(&w.admin)).await, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "name");
    let ngo = w.ngo_id.to_string();
    let response = patch(app, &path, json!({"supervising_organisation_id": ngo}), Some(&w.admin)).await;
    assert_eq!(assert_problem(response, 422, "validation_failed").await.errors[0].code, "not_a_supervisor");
    assert_problem(patch(app, &path, json!({"kind": "ngo"}), Some(&w.admin)).await, 400, "invalid_body").await;
    let nobody = format!("/api/v1/admin/organisations/{}", uuid::Uuid::new_v4());
    assert_problem(patch(app, &nobody, json!({"name": "X"}), Some(&w.admin)).await, 404, "not_found").await;
    for token in [&w.handler, &w.employer_staff, &w.advocate, &w.analyst, &w.worker] {
        assert_problem(patch(app, &path, json!({"name": "Taken over"}), Some(token)).await, 403, "forbidden").await;
        let response = app.post(&format!("{path}/deactivate"), &json!({}), Some(token)).await;
        assert_problem(response, 403, "forbidden").await;
    }
    assert_problem(patch(app, &path, json!({"name": "X"}), None).await, 401, "missing_token").await;

    // Deactivated: its staff are locked out at once, and it is named on no new case.
    let staff_login = crate::helpers::Login::email("hr-lockout@example.org");
    app.create_user_directly(madoguchi::domain::Role::EmployerStaff, "hr-lockout@example.org", Some(w.employer_id));
    let tokens = app.login(&staff_login).await;
    let response = app.post(&format!("{path}/deactivate"), &json!({}), Some(&w.admin)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["active"], false);
    assert_problem(app.get("/api/v1/me", Some(&w.employer_staff)).await, 401, "session_ended").await;
    assert_problem(app.try_login(&staff_login).await, 401, "account_disabled").await;
    let refresh = json!({"refresh_token": tokens.refresh_token});
    assert_problem(app.post("/api/v1/auth/refresh", &refresh, None).await, 401, "invalid_refresh_token").await;
    let response = app.post("/api/v1/intake", &w.grievance(), None).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        (problem.errors[0].field.as_str(), problem.errors[0].code.as_str()),
        ("employer_organisation_id", "organisation_inactive")
    );
    let user = json!({"email": "new-hr@example.org", "password": crate::helpers::PASSWORD, "role": "employer_staff", "organisation_id": employer});
    let problem =
        assert_problem(app.post("/api/v1/admin/users", &user, Some(&w.admin)).await, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].code, "organisation_inactive");

    // Reactivated: named again, and its staff log in again (old sessions stay ended).
    let response = app.post(&format!("{path}/reactivate"), &json!({}), Some(&w.admin)).await;
    assert_eq!(response.json::<Value>().await.unwrap()["active"], true);
    assert_eq!(app.try_login(&staff_login).await.status(), 200);
    assert_problem(app.post("/api/v1/auth/refresh", &refresh, None).await, 401, "invalid_refresh_token").await;
    w.intake(&w.grievance()).await;

    // An admin does not deactivate their own organisation.
    let operator = org_id(&w, &w.handler).await;
    let operator_admin = app.user_token(&w.admin, "admin", Some(operator.parse().unwrap())).await;
    let response = app
        .post(&format!("/api/v1/admin/organisations/{operator}/deactivate"), &json!({}), Some(&operator_admin))
        .await;
    assert_problem(response, 403, "forbidden").await;
    let response =
        app.post(&format!("/api/v1/admin/organisations/{operator}/deactivate"), &json!({}), Some(&w.admin)).await;
    assert_eq!(response.status(), 200, "another admin may");
}

#[tokio::test]
async fn admins_edit_users_field_by_field_without_changing_their_role() {
    let w = World::new().await;
    let app = &w.app;
    let analyst = app.me(&w.analyst).await;
    let path = format!("/api/v1/admin/users/{}", analyst.id);
    let response =
        patch(app, &path, json!({"display_name": "Aiko Tanaka", "phone": "+81 90 5555 0000"}), Some(&w.admin)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let edited: Value = response.json().await.unwrap();
    assert_eq!(
        (edited["display_name"].as_str(), edited["phone"].as_str()),
        (Some("Aiko Tanaka"), Some("+81 90 5555 0000"))
    );
    assert_eq!(edited["email"], analyst.email.clone().unwrap().as_str(), "left out: kept");
    assert_eq!(edited["role"], "analyst");
    let response = patch(
        app,
        &path,
        json!({"phone": null, "email": "Aiko@NGO.example", "preferred_language": "ja"}),
        Some(&w.admin),
    )
    .await;
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["phone"], Value::Null, "null: cleared");
    assert_eq!(edited["email"], "aiko@ngo.example");
    assert_eq!(edited["preferred_language"], "ja");
    assert_eq!(edited["display_name"], "Aiko Tanaka");
    let relogin = crate::helpers::Login::email("aiko@ngo.example");
    assert_eq!(app.try_login(&relogin).await.status(), 200, "the new address logs in");

    let handler_email = app.me(&w.handler).await.email.unwrap();
    assert_problem(patch(app, &path, json!({"email": handler_email}), Some(&w.admin)).await, 409, "email_taken").await;
    let problem =
        assert_problem(patch(app, &path, json!({"email": null}), Some(&w.admin)).await, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "username", "an account keeps a login name");
    let problem = assert_problem(
        patch(app, &path, json!({"email": "not an address"}), Some(&w.admin)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors[0].field, "email");
    assert_problem(patch(app, &path, json!({"role": "admin"}), Some(&w.admin)).await, 400, "invalid_body").await;
    let nobody = format!("/api/v1/admin/users/{}", uuid::Uuid::new_v4());
    assert_problem(patch(app, &nobody, json!({"phone": null}), Some(&w.admin)).await, 404, "not_found").await;
    for token in [&w.handler, &w.employer_staff, &w.advocate, &w.analyst, &w.worker, &w.mediator] {
        assert_problem(patch(app, &path, json!({"display_name": "Mallory"}), Some(token)).await, 403, "forbidden")
            .await;
    }
    assert_eq!(app.me(&w.analyst).await.role, "analyst");
}
