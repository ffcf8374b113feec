//! The case lifecycle through the API, each step by the right role.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::helpers::{Token, assert_problem};
use crate::views::{CaseListed, CaseSeen, Lodged, Page, State, body};
use crate::world::World;

#[tokio::test]
async fn anonymous_intake_to_closed_with_a_verified_remedy() {
    use State::*;

    let w = World::new().await;
    let year_before = chrono::Utc::now().year();
    let Lodged { id, reference, receipt_code: receipt } = w.intake(&w.grievance()).await;
    let year_after = chrono::Utc::now().year();
    // The first case of the year on a fresh database, numbered by the year of
    // the application's clock (here the system clock, read around the intake).
    assert!(
        [year_before, year_after].iter().any(|year| reference == format!("MG-{year}-000001")),
        "{reference} is not MG-<{year_before}..={year_after}>-000001"
    );

    // The worker comes back with the reference and receipt code.
    let worker = w.receipt_session(&reference.to_lowercase(), &receipt.to_lowercase()).await;
    let case = w.case(&worker, &id).await;
    assert_eq!(reference, format!("MG-{}-000001", &case.created_at[..4]), "the year the case was lodged");
    assert_eq!(case.id, id);
    assert_eq!(case.state, Submitted);
    assert_eq!(case.your_role, "worker");
    assert_eq!(case.priority, "urgent", "passport retention is urgent");
    assert_eq!(case.raw["identity"]["full_name"], "Nguyen Van A");
    assert_eq!(case.narrative_language, "vi");
    let due = chrono::DateTime::parse_from_rfc3339(case.stage_due_at.as_deref().unwrap()).unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(&case.created_at).unwrap();
    assert_eq!((due - created).num_hours(), 24, "urgent cases are acknowledged within a day");

    let case = w.act(&w.handler, &id, json!({"action": "acknowledge"})).await;
    assert_eq!(case.state, Acknowledged);
    let case = w.act(&w.handler, &id, json!({"action": "refer"})).await;
    assert_eq!(case.state, Referred);
    let parties: Vec<(&str, &str)> =
        case.parties.iter().map(|p| (p.organisation_id.as_str(), p.party_role.as_str())).collect();
    assert_eq!(
        parties,
        [(w.employer_id.to_string().as_str(), "employer"), (w.supervisor_id.to_string().as_str(), "supervisor")]
    );

    let case = w
        .act(&w.employer_staff, &id, json!({"action": "respond", "reason": "We will return the passport and pay."}))
        .await;
    assert_eq!(case.state, Responded);
    assert_eq!(case.your_role, "employer");

    let response = w.command(&w.handler, &id, "mediator", json!({"mediator_user_id": w.mediator_id})).await;
    assert_eq!(response.status(), 200);
    let case = w.act(&w.mediator, &id, json!({"action": "start_mediation"})).await;
    assert_eq!(case.state, InMediation);

    let case = w
        .act(
            &w.mediator,
            &id,
            json!({"action": "propose_remedy", "remedies": [
                {"type": "restitution", "description": "Return the passport to the worker", "responsible_organisation_id": w.employer_id, "due_date": crate::helpers::days_from_today(30)},
                {"type": "financial_compensation", "description": "Back pay for October", "responsible_organisation_id": w.employer_id, "amount": "182000", "currency": "JPY"}
            ]}),
        )
        .await;
    assert_eq!(case.state, RemedyProposed);
    let remedies = case.remedy_ids();
    assert_eq!(remedies.len(), 2);

    let case = w.act(&worker, &id, json!({"action": "accept_remedy"})).await;
    assert_eq!(case.state, RemedyAgreed);
    assert!(case.remedies.iter().all(|r| r.status == "agreed"));

    // One remedy delivered: the case waits for the other.
    let case = w
        .act(&w.employer_staff, &id, json!({"action": "mark_remedy_delivered", "remedy_id": remedies[0], "reason": "Passport handed over on 2026-12-01, receipt signed"}))
        .await;
    assert_eq!(case.state, RemedyAgreed);
    let case = w
        .act(
            &w.employer_staff,
            &id,
            json!({"action": "mark_remedy_delivered", "remedy_id": remedies[1], "reason": "Bank transfer 2026-12-02"}),
        )
        .await;
    assert_eq!(case.state, RemedyDelivered);

    let case = w.act(&worker, &id, json!({"action": "confirm_remedy", "rating": 4, "comment": "Cảm ơn"})).await;
    assert_eq!(case.state, RemedyVerified);
    assert_eq!(case.satisfaction_rating, Some(4));
    assert!(case.remedies.iter().all(|r| r.status == "verified"));

    let case = w.act(&w.handler, &id, json!({"action": "close"})).await;
    assert_eq!(case.state, Closed);
    assert!(case.finished_at.is_some());
    assert_eq!(
        case.states(),
        [
            Acknowledged,
            Referred,
            Responded,
            InMediation,
            RemedyProposed,
            RemedyAgreed,
            RemedyAgreed,
            RemedyDelivered,
            RemedyVerified,
            Closed
        ]
    );
    // The worker sees the same story.
    let seen_by_worker = w.case(&worker, &id).await;
    assert_eq!(seen_by_worker.states(), case.states());
    // Closing started the reprisal watch.
    assert_eq!(seen_by_worker.allowed_actions, ["reopen", "report_reprisal"]);
}

#[tokio::test]
async fn at_every_step_of_the_path_every_other_actor_is_refused() {
    let w = World::new().await;
    let Lodged { id, reference, receipt_code } = w.intake(&w.grievance()).await;
    let worker = w.receipt_session(&reference, &receipt_code).await;
    let mut everyone = w.everyone();
    everyone.push(&worker);

    w.act_only(&[&w.handler], &everyone, &id, json!({"action": "acknowledge"})).await;
    w.act_only(&[&w.handler], &everyone, &id, json!({"action": "refer"})).await;
    w.act_only(&[&w.employer_staff, &w.supervisor_staff], &everyone, &id, json!({"action": "respond"})).await;
    let response = w.command(&w.handler, &id, "mediator", json!({"mediator_user_id": w.mediator_id})).await;
    assert_eq!(response.status(), 200);
    w.act_only(&[&w.mediator, &w.handler], &everyone, &id, json!({"action": "start_mediation"})).await;
    let propose = json!({"action": "propose_remedy", "remedies": [
        {"type": "restitution", "description": "Return the passport", "responsible_organisation_id": w.employer_id}
    ]});
    let case = w.act_only(&[&w.mediator], &everyone, &id, propose).await;
    let remedy = case.remedies[0].id.clone();
    w.act_only(&[&worker], &everyone, &id, json!({"action": "accept_remedy"})).await;
    let deliver = json!({"action": "mark_remedy_delivered", "remedy_id": remedy, "reason": "Handed over"});
    w.act_only(&[&w.employer_staff], &everyone, &id, deliver).await;
    w.act_only(&[&worker], &everyone, &id, json!({"action": "confirm_remedy", "rating": 5})).await;
    let case = w.act_only(&[&w.handler], &everyone, &id, json!({"action": "close"})).await;
    assert_eq!(case.state, State::Closed);
}

#[tokio::test]
async fn wrong_roles_are_forbidden_and_strangers_do_not_see_the_case() {
    let w = World::new().await;
    let Lodged { id, reference, receipt_code } = w.intake(&w.grievance()).await;
    let worker = w.receipt_session(&reference, &receipt_code).await;
    let acknowledge = json!({"action": "acknowledge"});

    // Before referral only the worker side and handlers know the case exists.
    for stranger in [
        &w.employer_staff,
        &w.supervisor_staff,
        &w.other_employer_staff,
        &w.mediator,
        &w.advocate,
        &w.analyst,
        &w.admin,
    ] {
        assert_problem(w.app.get(&format!("/api/v1/cases/{id}"), Some(stranger)).await, 404, "not_found").await;
        assert_problem(w.try_act(stranger, &id, acknowledge.clone()).await, 404, "not_found").await;
    }
    assert_problem(w.try_act(&worker, &id, acknowledge.clone()).await, 403, "forbidden").await;
    let problem =
        assert_problem(w.try_act(&w.handler, &id, json!({"action": "refer"})).await, 409, "invalid_transition").await;
    assert_eq!(
        problem.allowed_actions.as_deref(),
        Some(&["acknowledge".to_owned(), "reject_not_admissible".to_owned()][..])
    );

    w.act(&w.handler, &id, acknowledge).await;
    w.act(&w.handler, &id, json!({"action": "refer"})).await;
    // Referral made the employer and supervisor parties; other employers still see nothing.
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.employer_staff)).await.status(), 200);
    assert_eq!(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.supervisor_staff)).await.status(), 200);
    for stranger in [&w.other_employer_staff, &w.other_advocate, &w.other_mediator] {
        assert_problem(w.try_act(stranger, &id, json!({"action": "respond"})).await, 404, "not_found").await;
    }
    for wrong in [&worker, &w.handler] {
        assert_problem(w.try_act(wrong, &id, json!({"action": "respond"})).await, 403, "forbidden").await;
    }
    w.act(&w.supervisor_staff, &id, json!({"action": "respond", "reason": "Investigating with the employer"})).await;
    // Mediation needs a mediator.
    assert_problem(
        w.try_act(&w.handler, &id, json!({"action": "start_mediation"})).await,
        409,
        "mediator_not_assigned",
    )
    .await;
    // Only handlers assign mediators.
    let response = w.command(&w.employer_staff, &id, "mediator", json!({"mediator_user_id": w.mediator_id})).await;
    assert_problem(response, 403, "forbidden").await;

    w.act(
        &w.employer_staff,
        &id,
        json!({"action": "propose_remedy", "remedies": [{"type": "apology", "description": "Written apology", "responsible_organisation_id": w.employer_id}]}),
    )
    .await;
    // The employer cannot accept its own proposal.
    assert_problem(w.try_act(&w.employer_staff, &id, json!({"action": "accept_remedy"})).await, 403, "forbidden").await;
    w.act(&worker, &id, json!({"action": "reject_remedy", "reason": "An apology is not enough"})).await;
    let case = w.case(&w.handler, &id).await;
    assert_eq!(case.state, State::InMediation);
    assert_eq!(case.remedies[0].status, "rejected");

    // Closing unresolved is the mediator's, with a reason.
    let response = w.command(&w.handler, &id, "mediator", json!({"mediator_user_id": w.mediator_id})).await;
    assert_eq!(response.status(), 200);
    assert_problem(
        w.try_act(&w.handler, &id, json!({"action": "close_unresolved", "reason": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    let problem = assert_problem(
        w.try_act(&w.mediator, &id, json!({"action": "close_unresolved"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().field, "reason");
}

#[tokio::test]
async fn only_the_responsible_party_marks_a_remedy_delivered_and_the_worker_may_dispute() {
    let w = World::new().await;
    let case = w.case_in(State::Responded).await;
    let (id, worker) = (&case.id, &case.worker);
    let due = crate::helpers::days_from_today(60);
    let seen = w
        .act(
            &w.supervisor_staff,
            id,
            json!({"action": "propose_remedy", "remedies": [{"type": "non_repetition", "description": "Passport policy and training", "responsible_organisation_id": w.supervisor_id, "due_date": due}]}),
        )
        .await;
    let remedy = seen.remedies[0].id.clone();
    // A remedy's responsible organisation must be a party.
    let response = w
        .try_act(
            &w.mediator,
            id,
            json!({"action": "propose_remedy", "remedies": [{"type": "apology", "description": "x", "responsible_organisation_id": uuid::Uuid::now_v7()}]}),
        )
        .await;
    assert_eq!(response.status(), 404, "the unassigned mediator does not see the case");

    let seen = w.act(worker, id, json!({"action": "accept_remedy"})).await;
    let end_of_due_day = chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap().succ_opt().unwrap();
    let expected = format!("{end_of_due_day}T00:00:00Z");
    assert_eq!(seen.stage_due_at.as_deref(), Some(expected.as_str()), "an agreed remedy's due date is the clock");
    let deliver = json!({"action": "mark_remedy_delivered", "remedy_id": remedy, "reason": "Training held"});
    assert_problem(w.try_act(&w.employer_staff, id, deliver.clone()).await, 403, "forbidden").await;
    let problem = assert_problem(
        w.try_act(&w.supervisor_staff, id, json!({"action": "mark_remedy_delivered", "remedy_id": remedy})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().field, "reason");
    w.act(&w.supervisor_staff, id, deliver.clone()).await;

    let seen = w.act(worker, id, json!({"action": "dispute_remedy", "reason": "No training happened"})).await;
    assert_eq!(seen.state, State::RemedyAgreed);
    assert_eq!(seen.remedies[0].status, "disputed");
    let seen = w.act(&w.supervisor_staff, id, deliver).await;
    assert_eq!(seen.state, State::RemedyDelivered);
    let problem = assert_problem(
        w.try_act(worker, id, json!({"action": "confirm_remedy", "rating": 9})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().field, "rating");
}

#[tokio::test]
async fn identity_is_hidden_from_the_employer_until_consent_and_after_withdrawal() {
    let w = World::new().await;
    let case = w.case_in(State::Referred).await;
    let (id, worker) = (&case.id, &case.worker);

    // What the respondents are sent, read raw: a hidden identity is no field at all.
    for respondent in [&w.employer_staff, &w.supervisor_staff] {
        let seen = w.case(respondent, id).await;
        assert!(seen.raw["identity"].is_null(), "{}", seen.raw);
        assert!(seen.identity_hidden);
        assert!(seen.raw["forced_labour_indicators"].is_null());
        let text = seen.raw.to_string();
        assert!(!text.contains("Nguyen Van A") && !text.contains("C1234567"));
    }
    assert_eq!(w.case(&w.handler, id).await.raw["identity"]["passport_number"], "C1234567");

    // Only the worker side gives consent.
    let response = w.command(&w.employer_staff, id, "consent", json!({"disclose_identity_to_employer": true})).await;
    assert_problem(response, 403, "forbidden").await;
    let response = w.command(worker, id, "consent", json!({"disclose_identity_to_employer": true})).await;
    assert_eq!(response.status(), 200);
    for respondent in [&w.employer_staff, &w.supervisor_staff] {
        assert_eq!(w.case(respondent, id).await.raw["identity"]["full_name"], "Nguyen Van A");
    }

    let response = w.command(worker, id, "consent", json!({"disclose_identity_to_employer": false})).await;
    assert_eq!(response.status(), 200);
    let seen = w.case(&w.employer_staff, id).await;
    assert!(seen.raw["identity"].is_null());
    let kinds: Vec<&str> = seen.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"disclosure_consent_given") && kinds.contains(&"disclosure_consent_withdrawn"),
        "{kinds:?}"
    );
    // Analysts never see cases at all.
    assert_problem(w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.analyst)).await, 404, "not_found").await;
    assert_problem(w.app.get("/api/v1/cases", Some(&w.analyst)).await, 403, "forbidden").await;
}

#[tokio::test]
async fn two_actions_on_the_same_version_one_wins() {
    let w = World::new().await;
    let id = w.intake(&w.grievance()).await.id;
    let version = w.version(&id).await;
    let path = format!("/api/v1/cases/{id}/actions");
    let acknowledge = json!({"action": "acknowledge", "version": version});
    let reject = json!({"action": "reject_not_admissible", "version": version, "reason": "duplicate"});
    let (a, b) =
        tokio::join!(w.app.post(&path, &acknowledge, Some(&w.handler)), w.app.post(&path, &reject, Some(&w.handler)));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "exactly one wins");
    let loser = if a.status() == 409 { a } else { b };
    assert_problem(loser, 409, "stale_version").await;
    let case = w.case(&w.handler, &id).await;
    assert_eq!(case.version, version + 1);
    assert_eq!(case.states().len(), 1, "one transition recorded");

    // A stale version is refused even when the action itself would be fine; If-Match works too.
    let response = w
        .app
        .client
        .post(w.app.url(&path))
        .bearer_auth(w.handler.bearer())
        .header("if-match", format!("\"{version}\""))
        .json(&json!({"action": "refer"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "stale_version").await;
}

#[tokio::test]
async fn intake_is_idempotent_per_key() {
    let w = World::new().await;
    let send = |key: &'static str, body: Value| {
        let w = &w;
        async move {
            w.app
                .client
                .post(w.app.url("/api/v1/intake"))
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send("3f1c-retry-key", w.grievance()).await;
    assert_eq!(first.status(), 201);
    let first: Value = body(first).await;
    let again = send("3f1c-retry-key", w.grievance()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = body(again).await;
    assert_eq!(first, again, "same case, same reference, same receipt code");
    let first: Lodged = crate::views::view(first);

    // Retries racing each other still make one case.
    let (x, y) = tokio::join!(send("race-key", w.grievance()), send("race-key", w.grievance()));
    let (x, y): (Lodged, Lodged) = (body(x).await, body(y).await);
    assert_eq!(x.id, y.id);

    let list: Page<CaseListed> = w.app.read("/api/v1/cases", Some(&w.handler)).await;
    assert_eq!(list.items.len(), 2);

    let mut different = w.grievance();
    different["narrative"] = json!("something else");
    assert_problem(send("3f1c-retry-key", different).await, 409, "idempotency_key_reused").await;

    // The receipt code replayed still opens the case.
    w.receipt_session(&first.reference, &first.receipt_code).await;
}

#[tokio::test]
async fn a_receipt_code_opens_only_its_own_case() {
    let w = World::new().await;
    let Lodged { id: mine, reference, receipt_code: receipt } = w.intake(&w.grievance()).await;
    let Lodged { id: theirs, reference: other_reference, .. } = w.intake(&w.grievance()).await;
    let token = w.receipt_session(&reference, &receipt).await;

    assert_eq!(w.app.get(&format!("/api/v1/cases/{mine}"), Some(&token)).await.status(), 200);
    assert_problem(w.app.get(&format!("/api/v1/cases/{theirs}"), Some(&token)).await, 404, "not_found").await;
    let list: Page<CaseListed> = w.app.read("/api/v1/cases", Some(&token)).await;
    assert_eq!(list.ids(), [mine.as_str()]);
    assert_problem(w.app.get("/api/v1/me", Some(&token)).await, 403, "forbidden").await;
    assert_problem(w.app.get("/api/v1/admin/users", Some(&token)).await, 403, "forbidden").await;
    let response = w.app.post("/api/v1/cases", &w.grievance(), Some(&token)).await;
    assert_problem(response, 403, "forbidden").await;

    // A wrong code and an unknown reference get the same answer.
    let wrong = |reference: String, code: String| {
        let w = &w;
        async move {
            w.app.post("/api/v1/intake/session", &json!({"reference": reference, "receipt_code": code}), None).await
        }
    };
    let a = assert_problem(wrong(other_reference, receipt.clone()).await, 401, "invalid_receipt").await;
    let b = assert_problem(wrong("MG-2026-999999".into(), receipt.clone()).await, 401, "invalid_receipt").await;
    let c = assert_problem(wrong("not a reference".into(), receipt).await, 401, "invalid_receipt").await;
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[tokio::test]
async fn receipt_sessions_are_rate_limited_per_reference() {
    let w = World::on(crate::helpers::TestApp::spawn_with(|s| s.rate_limit.receipt_per_reference_per_minute = 3).await)
        .await;
    let Lodged { reference, receipt_code: receipt, .. } = w.intake(&w.grievance()).await;
    for _ in 0..3 {
        let response = w
            .app
            .post(
                "/api/v1/intake/session",
                &json!({"reference": reference, "receipt_code": "AAAAA-AAAAA-AAAAA-AAAAA"}),
                None,
            )
            .await;
        assert_eq!(response.status(), 401);
    }
    let response =
        w.app.post("/api/v1/intake/session", &json!({"reference": reference, "receipt_code": receipt}), None).await;
    assert_problem(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn workers_and_advocates_lodge_and_see_their_own_cases() {
    let w = World::new().await;
    let response = w.app.post("/api/v1/cases", &w.grievance(), Some(&w.worker)).await;
    assert_eq!(response.status(), 201);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/api/v1/cases/"));
    let own: Lodged = body(response).await;
    assert!(own.receipt_code.len() >= 20);

    // An advocate needs the worker's recorded consent.
    let problem =
        assert_problem(w.app.post("/api/v1/cases", &w.grievance(), Some(&w.advocate)).await, 422, "validation_failed")
            .await;
    assert_eq!(problem.error().field, "worker_consent");
    let mut with_consent = w.grievance();
    with_consent["worker_consent"] = json!({"method": "signed consent form", "obtained_on": "2026-11-20"});
    let response = w.app.post("/api/v1/cases", &with_consent, Some(&w.advocate)).await;
    assert_eq!(response.status(), 201);
    let advocated: Lodged = body(response).await;
    let case = w.case(&w.advocate, &advocated.id).await;
    assert_eq!(case.your_role, "advocate");
    assert_eq!(case.advocate_organisation_id, Some(w.ngo_id.to_string()));
    assert!(case.events("advocate_consent_recorded") > 0);
    assert_problem(
        w.app.get(&format!("/api/v1/cases/{}", advocated.id), Some(&w.other_advocate)).await,
        404,
        "not_found",
    )
    .await;

    // Each sees only their own.
    let list: Page<CaseListed> = w.app.read("/api/v1/cases", Some(&w.worker)).await;
    assert_eq!(list.ids(), [own.id.as_str()]);
    let list: Page<CaseListed> = w.app.read("/api/v1/cases", Some(&w.advocate)).await;
    assert_eq!(list.items.len(), 1);
    let list: Page<CaseListed> = w.app.read("/api/v1/cases", Some(&w.handler)).await;
    assert_eq!(list.items.len(), 2);

    // Staff of other roles do not lodge.
    for token in [&w.handler, &w.employer_staff, &w.mediator, &w.analyst, &w.admin] {
        assert_problem(w.app.post("/api/v1/cases", &w.grievance(), Some(token)).await, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn lodging_validates_every_field() {
    let w = World::new().await;
    let body = json!({
        "categories": [],
        "narrative": "",
        "narrative_language": "not a language",
        "prefecture": "Tokyo",
        "nationality": "Vietnam",
        "identity": {"email": "nope", "passport_number": "1"}
    });
    let problem = assert_problem(w.app.post("/api/v1/intake", &body, None).await, 422, "validation_failed").await;
    assert_eq!(
        problem.fields(),
        [
            "categories",
            "identity.email",
            "identity.passport_number",
            "narrative",
            "narrative_language",
            "nationality",
            "prefecture"
        ]
    );

    let mut body = w.grievance();
    body["employer_name"] = json!("Also named");
    body["incident_from"] = json!("2026-11-01");
    body["incident_to"] = json!("2026-10-01");
    let problem = assert_problem(w.app.post("/api/v1/intake", &body, None).await, 422, "validation_failed").await;
    assert_eq!(problem.fields(), ["employer_organisation_id", "incident_to"]);

    let mut body = w.grievance();
    body["categories"] = json!(["wage_theft"]);
    let problem = assert_problem(w.app.post("/api/v1/intake", &body, None).await, 400, "invalid_body").await;
    assert_eq!(problem.error().field, "categories[0]");

    let mut body = w.grievance();
    body["employer_organisation_id"] = json!(w.ngo_id);
    let problem = assert_problem(w.app.post("/api/v1/intake", &body, None).await, 422, "validation_failed").await;
    assert_eq!(problem.error().code, "not_an_employer");

    // Nothing half-done was kept.
    let list: Page<CaseListed> = w.app.read("/api/v1/cases", Some(&w.handler)).await;
    assert!(list.items.is_empty());
}

#[tokio::test]
async fn an_unregistered_employer_is_linked_before_referral() {
    let w = World::new().await;
    let mut body = w.grievance();
    body["employer_organisation_id"] = Value::Null;
    body["employer_name"] = json!("さくら食品");
    let id = w.case_from_in(&body, State::Acknowledged).await.id;
    assert_problem(w.try_act(&w.handler, &id, json!({"action": "refer"})).await, 409, "employer_not_linked").await;
    let response = w.command(&w.handler, &id, "employer", json!({"employer_organisation_id": w.employer_id})).await;
    assert_eq!(response.status(), 200);
    let case = w.act(&w.handler, &id, json!({"action": "refer"})).await;
    assert_eq!(case.parties.len(), 2);
    // The link is an internal note: the employer does not see who linked it or how.
    let seen = w.case(&w.employer_staff, &id).await;
    assert_eq!(seen.events("employer_linked"), 0);
    let response = w.command(&w.handler, &id, "employer", json!({"employer_organisation_id": w.employer_id})).await;
    assert_problem(response, 409, "already_referred").await;
}

#[tokio::test]
async fn handlers_classify_and_reasons_are_required_where_the_lifecycle_says() {
    let w = World::new().await;
    let mut body = w.grievance();
    body["categories"] = json!(["housing"]);
    let Lodged { id, reference, receipt_code } = w.intake(&body).await;
    assert_eq!(w.case(&w.handler, &id).await.priority, "normal");
    let response = w
        .command(
            &w.handler,
            &id,
            "classification",
            json!({"priority": "urgent", "categories": ["housing", "restriction_of_movement"], "forced_labour_indicators": ["FL-3", "FL-4"]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let case: CaseSeen = crate::views::body(response).await;
    assert_eq!(case.priority, "urgent");
    assert_eq!(case.categories, ["housing", "restriction_of_movement"]);
    assert_eq!(case.raw["forced_labour_indicators"], json!(["FL-3", "FL-4"]));
    let response = w.command(&w.handler, &id, "classification", json!({"forced_labour_indicators": ["TD-1"]})).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.error().field, "forced_labour_indicators[0]");
    let worker = w.receipt_session(&reference, &receipt_code).await;
    assert_problem(w.command(&worker, &id, "classification", json!({"priority": "normal"})).await, 403, "forbidden")
        .await;

    let problem = assert_problem(
        w.try_act(&w.handler, &id, json!({"action": "reject_not_admissible", "reason": "  "})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().field, "reason");
    let case = w
        .act(&w.handler, &id, json!({"action": "reject_not_admissible", "reason": "Outside the platform's scope"}))
        .await;
    assert_eq!(case.state, State::NotAdmissible);
    // The worker may reopen it within 90 days.
    let case = w.act(&worker, &id, json!({"action": "reopen", "reason": "I have new evidence"})).await;
    assert_eq!(case.state, State::Acknowledged);
    assert!(case.finished_at.is_none());
    let case = w.act(&worker, &id, json!({"action": "withdraw"})).await;
    assert_eq!(case.state, State::Withdrawn);
}

#[tokio::test]
async fn pages_have_no_duplicates_or_gaps_while_cases_are_added() {
    let w = World::new().await;
    let mut lodged = Vec::new();
    for _ in 0..7 {
        lodged.push(w.intake(&w.grievance()).await.id);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added_meanwhile = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=3&cursor={c}"),
            None => "/api/v1/cases?limit=3".to_owned(),
        };
        let page: Page<CaseListed> = w.app.read(&path, Some(&w.handler)).await;
        seen.extend(page.ids());
        // New cases arrive between page requests.
        added_meanwhile.push(w.intake(&w.grievance()).await.id);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    lodged.reverse();
    assert_eq!(seen, lodged, "newest first, each exactly once");
    // The newcomers are at the top of a fresh first page.
    let page: Page<CaseListed> = w.app.read("/api/v1/cases?limit=1", Some(&w.handler)).await;
    assert_eq!(&page.items[0].id, added_meanwhile.last().unwrap());
}

#[tokio::test]
async fn lists_filter_by_state_category_priority_party_and_overdue() {
    let w = World::new().await;
    let urgent = w.intake(&w.grievance()).await.id;
    let mut housing = w.grievance();
    housing["categories"] = json!(["housing"]);
    let normal = w.case_from_in(&housing, State::Referred).await.id;

    let ids = |query: String, token: &Token| {
        let (w, token) = (&w, token.clone());
        let path = if query.is_empty() { "/api/v1/cases".to_owned() } else { format!("/api/v1/cases?{query}") };
        async move { w.app.read::<Page<CaseListed>>(&path, Some(&token)).await.ids() }
    };
    let get = |query: &'static str| ids(query.to_owned(), &w.handler);
    assert_eq!(get("state=referred").await, [normal.as_str()]);
    assert_eq!(get("priority=urgent").await, [urgent.as_str()]);
    assert_eq!(get("category=housing").await, [normal.as_str()]);
    assert_eq!(get("category=unpaid_wages").await, [urgent.as_str()]);
    assert_eq!(ids(format!("organisation_id={}", w.employer_id), &w.handler).await, [normal.as_str()]);
    assert!(get("overdue=true").await.is_empty());
    assert_eq!(get("created_from=2000-01-01T00:00:00Z&created_before=2100-01-01T00:00:00Z").await.len(), 2);
    assert!(get("created_before=2000-01-01T00:00:00Z").await.is_empty());
    assert_eq!(ids(String::new(), &w.employer_staff).await, [normal]);
    assert_problem(w.app.get("/api/v1/cases?state=lost", Some(&w.handler)).await, 400, "invalid_query_parameter").await;
}

/// The published procedure, as far as the test below reads it.
#[derive(serde::Deserialize)]
struct Lifecycle {
    states: Vec<StateEntry>,
    actions: Vec<ActionEntry>,
}

#[derive(serde::Deserialize)]
struct StateEntry {
    name: State,
    label: String,
    clock: Option<Value>,
}

#[derive(serde::Deserialize)]
struct ActionEntry {
    name: String,
    transitions: Vec<Value>,
}

#[derive(serde::Deserialize)]
struct CategoryEntry {
    name: String,
    label: String,
    urgent_by_default: bool,
    norms: Vec<Norm>,
}

#[derive(serde::Deserialize)]
struct Norm {
    code: String,
}

impl crate::views::View for Lifecycle {}

#[tokio::test]
async fn the_lifecycle_and_categories_are_published_with_labels() {
    let w = World::new().await;
    let lifecycle: Lifecycle = w.app.read("/api/v1/lifecycle?lang=vi", None).await;
    let submitted = &lifecycle.states[0];
    assert_eq!(submitted.name, State::Submitted);
    let clock = submitted.clock.as_ref().unwrap();
    assert_eq!(clock["days"], 7);
    assert_eq!(clock["urgent_days"], 1);
    assert_ne!(submitted.label, "Received", "a Vietnamese label");
    let referred = lifecycle.states.iter().find(|s| s.name == State::Referred).unwrap();
    assert_eq!(referred.clock.as_ref().unwrap()["on_expiry_action"], "escalate");
    let escalate = lifecycle.actions.iter().find(|a| a.name == "escalate").unwrap();
    assert_eq!(escalate.transitions[0]["roles"], json!(["handler", "system"]));
    assert_eq!(escalate.transitions[0]["reason_required"], true);

    let categories: Vec<CategoryEntry> = w.app.read("/api/v1/categories?lang=ja", None).await;
    let passport = &categories[0];
    assert_eq!(passport.name, "passport_id_retention");
    assert!(passport.urgent_by_default);
    let codes: Vec<&str> = passport.norms.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["TD-6", "DP-4", "FL-7", "FL-3"]);
    assert!(!passport.label.is_ascii(), "a Japanese label");

    // Actions, forms of remedy and residence statuses have labels too.
    let vietnamese: Value = w.app.read("/api/v1/lifecycle?lang=vi", None).await;
    let withdraw = vietnamese["actions"].as_array().unwrap().iter().find(|a| a["name"] == "withdraw").unwrap();
    assert_eq!(withdraw["label"], "Rút lại hồ sơ");
    let remedy_types: Value = w.app.read("/api/v1/remedy-types?lang=ja", None).await;
    let names: Vec<&str> = remedy_types.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 7);
    assert!(names.contains(&"restitution") && names.contains(&"non_repetition"));
    assert!(remedy_types.as_array().unwrap().iter().all(|r| !r["label"].as_str().unwrap().is_ascii()));
    let response = w.app.get("/api/v1/residence-statuses?lang=mn", None).await;
    assert_eq!(response.headers()["content-language"], "mn");
    let statuses: Value = response.json().await.unwrap();
    let intern = statuses.as_array().unwrap().iter().find(|s| s["name"] == "technical_intern").unwrap();
    assert!(!intern["label"].as_str().unwrap().is_ascii(), "{intern}");
    let bad = w.app.get("/api/v1/remedy-types?lang=not_a_tag!", None).await;
    assert_problem(bad, 422, "validation_failed").await;
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten_even_in_the_database() {
    use diesel::RunQueryDsl;

    let w = World::new().await;
    let id = w.case_in(State::Acknowledged).await.id;
    let mut conn = w.app.pool.get().unwrap();
    let update = diesel::sql_query("UPDATE case_events SET reason = 'rewritten'").execute(&mut *conn);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = diesel::sql_query("DELETE FROM case_events").execute(&mut *conn);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(w.case(&w.handler, &id).await.states(), [State::Acknowledged]);
    // And the API offers no way to change events.
    let events = w.app.get(&format!("/api/v1/cases/{id}/events"), Some(&w.handler)).await;
    assert_eq!(events.status(), 404);
}

#[tokio::test]
async fn remedies_are_due_today_or_later_and_in_a_real_currency() {
    let w = World::new().await;
    let case = w.case_in(State::Responded).await;
    let remedy = |due: String, currency: &str| {
        json!({"action": "propose_remedy", "remedies": [
            {"type": "restitution", "description": "Return the passport", "responsible_organisation_id": w.employer_id, "due_date": crate::helpers::days_from_today(5)},
            {"type": "financial_compensation", "description": "Back pay", "responsible_organisation_id": w.employer_id, "amount": "182000", "currency": currency, "due_date": due}
        ]})
    };
    let response = w.try_act(&w.employer_staff, &case.id, remedy(crate::helpers::days_from_today(-2), "JPY")).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        (problem.error().field.as_str(), problem.error().code.as_str()),
        ("remedies[1].due_date", "in_the_past")
    );
    let response = w.try_act(&w.employer_staff, &case.id, remedy(crate::helpers::days_from_today(5), "JPN")).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert!(problem.errors.iter().any(|e| e.field.starts_with("remedies[1]")), "{}", problem.raw);
    let response = w.try_act(&w.employer_staff, &case.id, remedy(crate::helpers::days_from_today(5), "JPY")).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// Editing the identity changes only the fields sent: a field left out
/// stays, `null` clears it, and the rules of a new identity still apply.
#[tokio::test]
async fn an_identity_edit_changes_only_the_fields_it_sends() {
    let w = World::new().await;
    let mut body = w.grievance();
    body["identity"]["email"] = json!("lan.worker@example.org");
    let case = w.case_from_in(&body, State::Acknowledged).await;
    let id = &case.id;
    let response = w.command(&w.handler, id, "identity", json!({"identity": {"phone": "+81 80 3333 4444"}})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let identity = w.case(&w.handler, id).await.raw["identity"].clone();
    assert_eq!(identity["phone"], "+81 80 3333 4444");
    assert_eq!(identity["full_name"], "Nguyen Van A", "left out, kept: {identity}");
    assert_eq!(identity["email"], "lan.worker@example.org", "left out, kept: {identity}");
    assert_eq!(identity["passport_number"], "C1234567");

    let response = w.command(&case.worker, id, "identity", json!({"identity": {"email": null}})).await;
    assert_eq!(response.status(), 200);
    let identity = w.case(&w.handler, id).await.raw["identity"].clone();
    assert!(identity["email"].is_null() && identity["full_name"] == "Nguyen Van A", "{identity}");

    let response = w.command(&w.handler, id, "identity", json!({"identity": {"email": "nope"}})).await;
    assert_eq!(assert_problem(response, 422, "validation_failed").await.error().field, "identity.email");
    let response = w.command(&w.handler, id, "identity", json!({"identity": {"nickname": "x"}})).await;
    assert_eq!(response.status(), 400, "unknown fields are still refused");
}

/// A handler on the phone finds the case by the reference the worker reads
/// out; nobody finds by reference a case they could not open by id.
#[tokio::test]
async fn a_case_is_found_by_its_reference_within_the_callers_scope() {
    let w = World::new().await;
    let case = w.case_in(State::Acknowledged).await;
    let by_reference = |reference: &str| format!("/api/v1/case-references/{reference}");
    for reference in [case.reference.clone(), case.reference.to_lowercase()] {
        let seen: CaseSeen = w.app.read(&by_reference(&reference), Some(&w.handler)).await;
        assert_eq!(seen.id, case.id);
    }
    let seen: CaseSeen = w.app.read(&by_reference(&case.reference), Some(&case.worker)).await;
    assert_eq!(seen.your_role, "worker");
    // Not yet referred: the employer does not see it, by id or by reference.
    for token in [&w.employer_staff, &w.other_employer_staff, &w.other_advocate, &w.mediator] {
        assert_problem(w.app.get(&by_reference(&case.reference), Some(token)).await, 404, "not_found").await;
    }
    assert_problem(w.app.get(&by_reference("MG-2026-999999"), Some(&w.handler)).await, 404, "not_found").await;
    assert_problem(w.app.get(&by_reference("not-a-reference"), Some(&w.handler)).await, 404, "not_found").await;
    assert_eq!(w.app.get(&by_reference(&case.reference), None).await.status(), 401);
}
