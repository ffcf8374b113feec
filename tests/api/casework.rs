//! Case work for staff: the directory (organisations, mediators, handlers),
//! finding cases by every filter, owning them, and assigning mediators with
//! their languages, workload and declared conflicts of interest.

use serde_json::{Value, json};

use crate::helpers::{Login, PASSWORD, Token, assert_problem};
use crate::views::{CaseListed, Created, Lodged, Page, State, body};
use crate::world::World;

/// A member of staff created by the admin, with a display name and a language.
struct Staff {
    token: Token,
    id: String,
    email: String,
}

async fn staff(w: &World, role: &str, organisation: &str, display_name: &str, language: &str) -> Staff {
    let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
    let response = w
        .app
        .post(
            "/api/v1/admin/users",
            &json!({"email": email, "password": PASSWORD, "role": role, "organisation_id": organisation,
                    "display_name": display_name, "preferred_language": language}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let id = body::<Created>(response).await.id;
    let token = w.app.token(&Login::email(&email)).await.named(display_name);
    Staff { token, id, email }
}

async fn organisation_of(w: &World, token: &Token) -> String {
    w.app.me(token).await.organisation_id.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

/// A grievance naming an employer that is not registered.
fn named_grievance(w: &World, employer_name: &str) -> Value {
    let mut grievance = w.grievance();
    grievance.as_object_mut().unwrap().remove("employer_organisation_id");
    grievance["employer_name"] = json!(employer_name);
    grievance
}

#[tokio::test]
async fn a_handler_finds_the_employer_by_name_and_links_the_case_to_it() {
    let w = World::new().await;
    let app = &w.app;
    let lodged = w.intake(&named_grievance(&w, "さくらフーズ (Sakura Foods)")).await;

    // By kind and a part of the name, in any letter case; with the employer's supervisor.
    let found: Value = app.read("/api/v1/staff/organisations?kind=employer&q=SAKURA", Some(&w.handler)).await;
    assert_eq!(names(&found), ["Sakura Foods"]);
    let employer = &found["items"][0];
    assert_eq!(employer["kind"], "employer");
    assert_eq!(employer["supervising_organisation"]["id"], w.supervisor_id.to_string());
    assert_eq!(employer["supervising_organisation"]["name"], "Kanto Kumiai");
    assert!(employer.get("contact_email").is_none(), "only what case work needs: {employer}");
    let everyone: Value = app.read("/api/v1/staff/organisations?kind=employer", Some(&w.handler)).await;
    assert_eq!(names(&everyone), ["Sakura Foods", "Fuji Metals"]);
    let fuji = &everyone["items"][1];
    assert!(fuji["supervising_organisation"].is_null(), "{fuji}");
    // A LIKE wildcard is a character like any other.
    let wildcard: Value = app.read("/api/v1/staff/organisations?q=%25", Some(&w.handler)).await;
    assert!(names(&wildcard).is_empty(), "{wildcard}");

    // Keyset pages over the NGOs, for admins too.
    let first: Value = app.read("/api/v1/staff/organisations?kind=ngo&limit=1", Some(&w.admin)).await;
    assert_eq!(names(&first), ["Migrant Support Net"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value =
        app.read(&format!("/api/v1/staff/organisations?kind=ngo&limit=1&cursor={cursor}"), Some(&w.admin)).await;
    assert_eq!(names(&second), ["Another NGO"]);
    assert!(second["next_cursor"].is_null());

    // The id found is the one the link takes; the supervisor follows onto the case.
    let employer_id = employer["id"].as_str().unwrap();
    let response =
        w.command(&w.handler, &lodged.id, "employer", json!({"employer_organisation_id": employer_id})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let supervised: Page<CaseListed> =
        app.read(&format!("/api/v1/cases?supervising_organisation_id={}", w.supervisor_id), Some(&w.handler)).await;
    assert_eq!(supervised.ids(), std::slice::from_ref(&lodged.id));
    let by_employer: Page<CaseListed> =
        app.read(&format!("/api/v1/cases?employer_organisation_id={employer_id}"), Some(&w.handler)).await;
    assert_eq!(by_employer.ids(), std::slice::from_ref(&lodged.id));
    // And the case is found by the registered name now, in another spelling.
    let by_name: Page<CaseListed> = app.read("/api/v1/cases?q=sakura%20foods%20co.,%20ltd.", Some(&w.handler)).await;
    assert_eq!(by_name.ids(), std::slice::from_ref(&lodged.id));

    // When an admin renames the employer or changes its supervisor, its cases follow.
    let new_supervisor = app.create_organisation(&w.admin, "Tokai Support Centre", "support_org").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/organisations/{employer_id}")))
        .bearer_auth(w.admin.bearer())
        .json(&json!({"name": "Hikari Foods", "supervising_organisation_id": new_supervisor}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let supervised: Page<CaseListed> =
        app.read(&format!("/api/v1/cases?supervising_organisation_id={new_supervisor}"), Some(&w.handler)).await;
    assert_eq!(supervised.ids(), std::slice::from_ref(&lodged.id));
    let old: Page<CaseListed> =
        app.read(&format!("/api/v1/cases?supervising_organisation_id={}", w.supervisor_id), Some(&w.handler)).await;
    assert!(old.items.is_empty());
    let renamed: Page<CaseListed> = app.read("/api/v1/cases?q=hikari", Some(&w.handler)).await;
    assert_eq!(renamed.ids(), [lodged.id]);
    assert!(app.read::<Page<CaseListed>>("/api/v1/cases?q=sakura", Some(&w.handler)).await.items.is_empty());

    // The directory is not for the other roles, nor for receipt holders.
    for token in [&w.employer_staff, &w.supervisor_staff, &w.mediator, &w.advocate, &w.worker, &w.analyst] {
        for path in ["/api/v1/staff/organisations", "/api/v1/staff/mediators", "/api/v1/staff/handlers"] {
            assert_problem(app.get(path, Some(token)).await, 403, "forbidden").await;
        }
    }
}

#[tokio::test]
async fn mediators_are_listed_with_languages_workload_and_conflicts_and_only_admins_see_addresses() {
    let w = World::new().await;
    let app = &w.app;
    let mediation = organisation_of(&w, &w.mediator).await;
    let hoa = staff(&w, "mediator", &mediation, "Nguyen Thi Hoa", "vi").await;

    // Hoa mediates in Japanese and Nepali too; a bad tag is refused by its position.
    let response = app
        .client
        .put(app.url("/api/v1/staff/mediators/me/languages"))
        .bearer_auth(hoa.token.bearer())
        .json(&json!({"languages": ["ne", "not a tag"]}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "languages[1]");
    let response = app
        .client
        .put(app.url("/api/v1/staff/mediators/me/languages"))
        .bearer_auth(hoa.token.bearer())
        .json(&json!({"languages": ["ne", "ja", "ne"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(body::<Value>(response).await["languages"], json!(["ja", "ne"]));

    // The world's mediator has a case; Hoa has none.
    w.case_in(State::InMediation).await;
    let by_language = |language: &'static str| {
        let app = &w.app;
        let token = w.handler.clone();
        async move { app.read::<Value>(&format!("/api/v1/staff/mediators?language={language}"), Some(&token)).await }
    };
    assert_eq!(ids(&by_language("vi").await), std::slice::from_ref(&hoa.id), "her account's language");
    assert_eq!(
        ids(&by_language("ne-NP").await),
        std::slice::from_ref(&hoa.id),
        "a declared language, by its primary subtag"
    );
    let english = by_language("en").await;
    assert_eq!(ids(&english).len(), 2, "the world's mediators speak English: {english}");
    assert!(!ids(&english).contains(&hoa.id));
    let busy = english["items"].as_array().unwrap().iter().find(|m| m["id"] == w.mediator_id.to_string()).unwrap();
    assert_eq!(busy["open_cases"], 1);
    assert_eq!(busy["organisation"]["name"], "Bar ADR Centre");
    assert_problem(
        app.get("/api/v1/staff/mediators?language=not%20a%20tag", Some(&w.handler)).await,
        422,
        "validation_failed",
    )
    .await;

    // Hoa declares a conflict with the employer; it is listed with her.
    let response = app
        .post(
            "/api/v1/staff/mediators/me/conflicts",
            &json!({"organisation_id": w.employer_id, "reason": "My brother works at Sakura Foods"}),
            Some(&hoa.token),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let declared: Value = body(response).await;
    assert_eq!(declared["affected_case_ids"], json!([]), "she mediates none of its cases yet");

    let listed: Value = app.read("/api/v1/staff/mediators?q=hoa", Some(&w.handler)).await;
    assert_eq!(ids(&listed), std::slice::from_ref(&hoa.id), "found by a part of her name, in any case");
    let entry = &listed["items"][0];
    assert_eq!(entry["display_name"], "Nguyen Thi Hoa");
    assert_eq!(entry["languages"], json!(["vi", "ja", "ne"]));
    assert_eq!(entry["open_cases"], 0);
    assert_eq!(entry["conflicts"][0]["organisation_id"], w.employer_id.to_string());
    assert_eq!(entry["conflicts"][0]["reason"], "My brother works at Sakura Foods");
    assert!(entry["email"].is_null(), "handlers do not get staff addresses: {entry}");
    let as_admin: Value = app.read("/api/v1/staff/mediators?q=hoa", Some(&w.admin)).await;
    assert_eq!(as_admin["items"][0]["email"], hoa.email.as_str(), "admins manage the accounts");

    // Only mediators declare, and only for themselves.
    for token in [&w.handler, &w.admin, &w.employer_staff, &w.worker] {
        let response = app
            .post(
                "/api/v1/staff/mediators/me/conflicts",
                &json!({"organisation_id": w.employer_id, "reason": "probe"}),
                Some(token),
            )
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
    let response = app
        .post(
            "/api/v1/staff/mediators/me/conflicts",
            &json!({"organisation_id": w.employer_id, "case_id": w.employer_id, "reason": "both"}),
            Some(&hoa.token),
        )
        .await;
    assert_problem(response, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_mediator_with_a_declared_conflict_is_not_suggested_and_cannot_be_assigned() {
    let w = World::new().await;
    let app = &w.app;
    let mediation = organisation_of(&w, &w.mediator).await;
    // Speaks the worker's language (the grievance is in Vietnamese) and has no cases.
    let hoa = staff(&w, "mediator", &mediation, "Nguyen Thi Hoa", "vi").await;
    let minh = staff(&w, "mediator", &mediation, "Tran Van Minh", "ja").await;
    let response = app
        .client
        .put(app.url("/api/v1/staff/mediators/me/languages"))
        .bearer_auth(minh.token.bearer())
        .json(&json!({"languages": ["vi-VN"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Minh is busier: he mediates one case already.
    let busy = w.case_in(State::Responded).await;
    let response = w.command(&w.handler, &busy.id, "mediator", json!({"mediator_user_id": minh.id})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let case = w.case_in(State::Responded).await;
    let suggestions: Value =
        app.read(&format!("/api/v1/cases/{}/mediator-suggestions", case.id), Some(&w.handler)).await;
    assert_eq!(suggestions["workers_language"], "vi");
    let order: Vec<(String, bool, i64)> = suggestions["mediators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["mediator"]["id"].as_str().unwrap().to_owned(),
                s["speaks_workers_language"].as_bool().unwrap(),
                s["mediator"]["open_cases"].as_i64().unwrap(),
            )
        })
        .collect();
    let other_mediator = app.me(&w.other_mediator).await.id;
    let world_mediator = w.mediator_id.to_string();
    // Language first (Hoa, then the busier Minh), then the others by workload and age.
    assert_eq!(
        order,
        [
            (hoa.id.clone(), true, 0),
            (minh.id.clone(), true, 1),
            (world_mediator.clone(), false, 0),
            (other_mediator.clone(), false, 0)
        ]
    );

    // Hoa declares a conflict with the case's supervising organisation: she drops out…
    let response = app
        .post(
            "/api/v1/staff/mediators/me/conflicts",
            &json!({"organisation_id": w.supervisor_id, "reason": "I was on the board of Kanto Kumiai"}),
            Some(&hoa.token),
        )
        .await;
    assert_eq!(response.status(), 201);
    let suggestions: Value =
        app.read(&format!("/api/v1/cases/{}/mediator-suggestions", case.id), Some(&w.handler)).await;
    let suggested: Vec<&str> =
        suggestions["mediators"].as_array().unwrap().iter().map(|s| s["mediator"]["id"].as_str().unwrap()).collect();
    assert_eq!(suggested, [minh.id.as_str(), world_mediator.as_str(), other_mediator.as_str()]);
    // …and assigning her is refused, changing nothing.
    let version = w.version(&case.id).await;
    let response = w.command(&w.handler, &case.id, "mediator", json!({"mediator_user_id": hoa.id})).await;
    assert_problem(response, 409, "conflict_of_interest").await;
    assert_eq!(w.version(&case.id).await, version);
    let seen = w.case(&w.handler, &case.id).await;
    assert!(seen.raw["mediator_user_id"].is_null());

    // Minh, assigned, declares a conflict on this very case: every party reads it in the timeline.
    let response = w.command(&w.handler, &case.id, "mediator", json!({"mediator_user_id": minh.id})).await;
    assert_eq!(response.status(), 200);
    let response = app
        .post(
            "/api/v1/staff/mediators/me/conflicts",
            &json!({"case_id": case.id, "reason": "I once mediated for this worker's recruiter"}),
            Some(&minh.token),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let declared: Value = body(response).await;
    assert_eq!(declared["affected_case_ids"], json!([case.id]));
    for token in [&w.handler, &w.employer_staff, &w.supervisor_staff, &case.worker, &minh.token] {
        let seen = w.case(token, &case.id).await;
        assert_eq!(seen.events("conflict_declared"), 1, "{token:?}");
        let event = seen.raw["timeline"].as_array().unwrap().iter().find(|e| e["kind"] == "conflict_declared").unwrap();
        assert_eq!(event["details"]["reason"], "I once mediated for this worker's recruiter");
        assert_eq!(event["actor_role"], "mediator");
    }
    // An organisation conflict is recorded on the cases it touches that the mediator mediates.
    let response = app
        .post(
            "/api/v1/staff/mediators/me/conflicts",
            &json!({"organisation_id": w.employer_id, "reason": "Sakura Foods hired me as an adviser"}),
            Some(&minh.token),
        )
        .await;
    let declared: Value = body(response).await;
    let mut affected: Vec<String> =
        declared["affected_case_ids"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    affected.sort();
    let mut expected = vec![busy.id.clone(), case.id.clone()];
    expected.sort();
    assert_eq!(affected, expected);
    assert_eq!(w.case(&w.employer_staff, &busy.id).await.events("conflict_declared"), 1);
    // Not on another mediator's case.
    let response = app
        .post("/api/v1/staff/mediators/me/conflicts", &json!({"case_id": busy.id, "reason": "probe"}), Some(&hoa.token))
        .await;
    assert_problem(response, 404, "not_found").await;

    // Suggestions are for handlers: others on the case are refused, others off it do not see it.
    for token in [&w.employer_staff, &minh.token, &case.worker] {
        let response = app.get(&format!("/api/v1/cases/{}/mediator-suggestions", case.id), Some(token)).await;
        assert_problem(response, 403, "forbidden").await;
    }
    for token in [&w.other_employer_staff, &w.other_advocate, &w.analyst, &w.admin] {
        let response = app.get(&format!("/api/v1/cases/{}/mediator-suggestions", case.id), Some(token)).await;
        assert_problem(response, 404, "not_found").await;
    }
}

#[tokio::test]
async fn handlers_take_give_and_leave_cases_each_audited_and_the_new_owner_is_told() {
    let w = World::new().await;
    let app = &w.app;
    let operator = organisation_of(&w, &w.handler).await;
    let aiko = staff(&w, "handler", &operator, "Sato Aiko", "ja").await;
    let me = app.me(&w.handler).await;
    let case = w.case_in(State::Acknowledged).await;
    let assign = |token: &Token, handler: Value| {
        let (w, token, id) = (&w, token.clone(), case.id.clone());
        async move { w.command(&token, &id, "assignee", json!({"handler_user_id": handler})).await }
    };

    // The handler takes the case: audited, and nobody is told of their own act.
    app.deliver_outbox().await;
    let sent_before = app.mailer.sent().len();
    let response = assign(&w.handler, json!(me.id)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let seen: Value = body(response).await;
    assert_eq!(seen["assigned_handler_user_id"], me.id.as_str());
    app.deliver_outbox().await;
    assert_eq!(app.mailer.sent().len(), sent_before, "taking a case tells nobody");

    // My cases, and the workload.
    let mine: Page<CaseListed> = app.read("/api/v1/cases?assignee=me", Some(&w.handler)).await;
    assert_eq!(mine.ids(), std::slice::from_ref(&case.id));
    let hers: Page<CaseListed> = app.read("/api/v1/cases?assignee=me", Some(&aiko.token)).await;
    assert!(hers.items.is_empty());
    let workload = |token: Token| async move {
        let page: Value = app.read("/api/v1/staff/handlers", Some(&token)).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["id"].as_str().unwrap().to_owned(), h["open_cases"].as_i64().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(workload(w.handler.clone()).await, [(me.id.clone(), 1), (aiko.id.clone(), 0)]);

    // Given to Aiko, who is told by mail in her language.
    let response = assign(&w.handler, json!(aiko.id)).await;
    assert_eq!(response.status(), 200);
    app.deliver_outbox().await;
    let assigned = |mail: &madoguchi::notify::SentMail| mail.subject.contains("この案件の担当になりました");
    let told: Vec<_> = app.mail_to(&aiko.email).into_iter().filter(assigned).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].language, "ja");
    assert!(told[0].subject.contains(&case.reference), "{}", told[0].subject);
    assert!(told[0].subject.contains("この案件の担当になりました"), "{}", told[0].subject);
    assert_eq!(workload(w.admin.clone()).await, [(me.id.clone(), 0), (aiko.id.clone(), 1)]);

    // She leaves it unowned; triage finds it again.
    let response = assign(&aiko.token, Value::Null).await;
    assert_eq!(response.status(), 200);
    let unowned: Page<CaseListed> = app.read("/api/v1/cases?assignee=none", Some(&w.handler)).await;
    assert!(unowned.ids().contains(&case.id));
    app.deliver_outbox().await;
    assert_eq!(app.mail_to(&aiko.email).into_iter().filter(assigned).count(), 1, "leaving a case tells nobody");
    let to_me = app.mail_to(&me.email.clone().unwrap());
    assert!(!to_me.iter().any(|m| m.subject.contains("assigned to you")), "nobody is told of their own act");

    // Each change is in the internal timeline: staff see it, the worker's side and respondents do not.
    let seen = w.case(&w.handler, &case.id).await;
    assert_eq!((seen.events("handler_assigned"), seen.events("handler_unassigned")), (2, 1));
    let given = seen.raw["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == "handler_assigned").nth(1);
    assert_eq!(given.unwrap()["details"], json!({"from": me.id, "to": aiko.id}));
    let seen = w.case(&case.worker, &case.id).await;
    assert_eq!(seen.events("handler_assigned") + seen.events("handler_unassigned"), 0);
    assert!(seen.raw.get("assigned_handler_user_id").is_some_and(Value::is_null));

    // Only active handlers own cases, and only handlers assign them.
    let response = assign(&w.handler, json!(w.mediator_id)).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].code, "not_a_handler");
    assert_problem(assign(&case.worker, json!(me.id)).await, 403, "forbidden").await;
    for token in [&w.mediator, &w.other_employer_staff, &w.analyst, &w.admin] {
        assert_problem(assign(token, json!(me.id)).await, 404, "not_found").await;
    }
}

#[tokio::test]
async fn handlers_find_cases_by_every_filter_in_keyset_pages() {
    let w = World::new().await;
    let app = &w.app;
    let me = app.me(&w.handler).await.id;
    let other_employer = organisation_of(&w, &w.other_employer_staff).await;
    let sakura_a = w.intake(&w.grievance()).await;
    let mut midori = named_grievance(&w, "株式会社みどり農園（Nông trại Midori）");
    midori["categories"] = json!(["housing"]);
    let midori = w.intake(&midori).await;
    let mut fuji = w.grievance();
    fuji["employer_organisation_id"] = json!(other_employer);
    fuji["categories"] = json!(["harassment_violence"]);
    let fuji = w.intake(&fuji).await;
    let sakura_b = w.intake(&w.grievance()).await;
    let list = |query: &str| {
        let (app, token, query) = (&w.app, w.handler.clone(), query.to_owned());
        async move { app.read::<Page<CaseListed>>(&format!("/api/v1/cases?{query}"), Some(&token)).await.ids() }
    };
    let ids_of = |cases: &[&Lodged]| cases.iter().map(|c| c.id.clone()).collect::<Vec<_>>();

    for case in [&sakura_a, &sakura_b] {
        let response = w.command(&w.handler, &case.id, "assignee", json!({"handler_user_id": me})).await;
        assert_eq!(response.status(), 200);
    }
    w.act(&w.handler, &fuji.id, json!({"action": "acknowledge"})).await;
    let response = w.command(&w.handler, &fuji.id, "classification", json!({"priority": "normal"})).await;
    assert_eq!(response.status(), 200);

    // Owner, newest first.
    assert_eq!(list("assignee=me").await, ids_of(&[&sakura_b, &sakura_a]));
    assert_eq!(list(&format!("assignee={me}")).await, ids_of(&[&sakura_b, &sakura_a]));
    assert_eq!(list("assignee=none").await, ids_of(&[&fuji, &midori]));
    // Employer and supervising organisation.
    assert_eq!(list(&format!("employer_organisation_id={}", w.employer_id)).await, ids_of(&[&sakura_b, &sakura_a]));
    assert_eq!(list(&format!("employer_organisation_id={other_employer}")).await, ids_of(&[&fuji]));
    assert_eq!(
        list(&format!("supervising_organisation_id={}", w.supervisor_id)).await,
        ids_of(&[&sakura_b, &sakura_a])
    );
    // State, category, priority, overdue.
    assert_eq!(list("state=acknowledged").await, ids_of(&[&fuji]));
    assert_eq!(list("category=housing").await, ids_of(&[&midori]));
    assert_eq!(list("category=unpaid_wages").await, ids_of(&[&sakura_b, &sakura_a]));
    // Passport retention makes a case urgent on lodging; the handler lowered Fuji's.
    assert_eq!(list("priority=urgent").await, ids_of(&[&sakura_b, &sakura_a]));
    assert_eq!(list("priority=normal").await, ids_of(&[&fuji, &midori]));
    assert!(list("overdue=true").await.is_empty(), "nothing is late yet");
    // The lodged period.
    let all: Page<Value> = app.read("/api/v1/cases", Some(&w.handler)).await;
    let fuji_lodged = all.items.iter().find(|c| c["id"] == fuji.id.as_str()).unwrap()["created_at"].clone();
    let since = urlencoding(fuji_lodged.as_str().unwrap());
    assert_eq!(list(&format!("created_from={since}")).await, ids_of(&[&sakura_b, &fuji]));
    assert_eq!(list(&format!("created_before={since}")).await, ids_of(&[&midori, &sakura_a]));
    // Text: a reference (as typed), or the start of the employer's name in any spelling.
    assert_eq!(list(&format!("q={}", midori.reference.to_lowercase())).await, ids_of(&[&midori]));
    assert_eq!(list("q=%E3%81%BF%E3%81%A9%E3%82%8A").await, ids_of(&[&midori]), "みどり");
    assert_eq!(list("q=%28%E6%A0%AA%29%E3%81%BF%E3%81%A9%E3%82%8A%E8%BE%B2%E5%9C%92").await, ids_of(&[&midori]));
    assert_eq!(list("q=SAKURA").await, ids_of(&[&sakura_b, &sakura_a]));
    assert_eq!(list("q=fuji%20metals").await, ids_of(&[&fuji]));
    assert!(list("q=nobody%20by%20this%20name").await.is_empty());
    assert!(list("q=MG-1999-000001").await.is_empty());
    // Filters combine.
    assert!(list(&format!("q=sakura&assignee=none&employer_organisation_id={}", w.employer_id)).await.is_empty());
    assert_eq!(
        list("q=sakura&category=unpaid_wages&assignee=me&state=submitted").await,
        ids_of(&[&sakura_b, &sakura_a])
    );

    // Keyset pages under a filter.
    let first: Page<CaseListed> = app.read("/api/v1/cases?assignee=me&limit=1", Some(&w.handler)).await;
    assert_eq!(first.ids(), ids_of(&[&sakura_b]));
    let cursor = first.next_cursor.unwrap();
    let second: Page<CaseListed> =
        app.read(&format!("/api/v1/cases?assignee=me&limit=1&cursor={cursor}"), Some(&w.handler)).await;
    assert_eq!(second.ids(), ids_of(&[&sakura_a]));
    assert!(second.next_cursor.is_none());

    // The list shows the owner to staff only, and never the narrative.
    let listed: Page<Value> = app.read("/api/v1/cases?assignee=me", Some(&w.handler)).await;
    assert_eq!(listed.items[0]["assigned_handler_user_id"], me.as_str());
    assert!(listed.items[0].get("narrative").is_none());
    let advocate_case = {
        let mut grievance = w.grievance();
        grievance["worker_consent"] = json!({"method": "signed form", "obtained_on": "2026-11-01"});
        let response = app.post("/api/v1/cases", &grievance, Some(&w.advocate)).await;
        body::<Lodged>(response).await
    };
    let response = w.command(&w.handler, &advocate_case.id, "assignee", json!({"handler_user_id": me})).await;
    assert_eq!(response.status(), 200);
    let theirs: Page<Value> = app.read("/api/v1/cases", Some(&w.advocate)).await;
    assert_eq!(theirs.items.len(), 1);
    assert!(theirs.items[0]["assigned_handler_user_id"].is_null());

    // Filtering by owner is for handlers; a wrong owner filter is a field error.
    for token in [&w.advocate, &w.worker, &w.mediator, &w.employer_staff] {
        assert_problem(app.get("/api/v1/cases?assignee=me", Some(token)).await, 403, "forbidden").await;
    }
    let problem =
        assert_problem(app.get("/api/v1/cases?assignee=someone", Some(&w.handler)).await, 422, "validation_failed")
            .await;
    assert_eq!(problem.errors[0].field, "assignee");
}

/// `+` and `:` in a timestamp, for a query string.
fn urlencoding(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// Every filter of the case list is answered from an index on both
/// databases: the plans of the list's query shapes (as `db::cases::list`
/// builds them) never read the whole `cases` table. On PostgreSQL, with
/// sequential scans priced out, a filter without an index would still show
/// one; on SQLite, the plan says `SCAN cases` for a walk of the table.
#[tokio::test]
async fn every_case_list_filter_is_an_index_search_on_both_databases() {
    use diesel::RunQueryDsl;
    let w = World::new().await;
    w.intake(&w.grievance()).await;
    let columns = "cases.id, cases.reference, cases.state, cases.priority, cases.employer_organisation_id, \
                   cases.employer_name, cases.assigned_handler_user_id, cases.created_at, cases.stage_due_at";
    let id = "'0190a0a0-0000-7000-8000-000000000000'";
    let filters = [
        ("assignee", format!("cases.assigned_handler_user_id = {id}"), "cases.id DESC"),
        ("no owner", "cases.assigned_handler_user_id IS NULL".to_owned(), "cases.id DESC"),
        ("employer", format!("cases.employer_organisation_id = {id}"), "cases.id DESC"),
        ("supervisor", format!("cases.supervising_organisation_id = {id}"), "cases.id DESC"),
        ("reference", "cases.reference = 'MG-2026-000001'".to_owned(), "cases.id DESC"),
        ("employer name", "cases.employer_key >= 'sakura' AND cases.employer_key < 'sakurb'".to_owned(), "+cases.id DESC"),
        ("state", "cases.state = 'submitted'".to_owned(), "cases.id DESC"),
        ("priority", "cases.priority = 'urgent'".to_owned(), "cases.id DESC"),
        (
            "category",
            "cases.id IN (SELECT case_categories.case_id FROM case_categories WHERE case_categories.category = 'housing')"
                .to_owned(),
            "cases.id DESC",
        ),
        (
            "party",
            format!("cases.id IN (SELECT case_parties.case_id FROM case_parties WHERE case_parties.organisation_id = {id})"),
            "cases.id DESC",
        ),
        ("overdue", "cases.stage_due_at < '2026-12-01 00:00:00'".to_owned(), "+cases.id DESC"),
        (
            "lodged period",
            "cases.created_at >= '2026-11-01 00:00:00' AND cases.created_at < '2026-12-01 00:00:00'".to_owned(),
            "cases.id DESC",
        ),
    ];
    #[derive(diesel::QueryableByName)]
    struct PgPlan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    #[derive(diesel::QueryableByName)]
    struct SqlitePlan {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    let mut conn = w.app.pool.get().unwrap();
    let postgres = w.app.db.is_postgres();
    if postgres {
        diesel::sql_query("SET enable_seqscan = off").execute(&mut *conn).unwrap();
    }
    let mut scans = Vec::new();
    for (name, condition, order) in &filters {
        let plan: Vec<String> = if postgres {
            let order = order.trim_start_matches('+');
            let sql = format!("EXPLAIN SELECT {columns} FROM cases WHERE {condition} ORDER BY {order} LIMIT 51");
            diesel::sql_query(sql).load::<PgPlan>(&mut *conn).unwrap().into_iter().map(|p| p.line).collect()
        } else {
            let sql =
                format!("EXPLAIN QUERY PLAN SELECT {columns} FROM cases WHERE {condition} ORDER BY {order} LIMIT 51");
            diesel::sql_query(sql).load::<SqlitePlan>(&mut *conn).unwrap().into_iter().map(|p| p.detail).collect()
        };
        let scanned = plan.iter().any(|line| {
            // A walk of the primary key in id order reads every case too.
            if postgres {
                line.contains("Seq Scan on cases") || line.contains("Scan Backward using cases_pkey")
            } else {
                line.starts_with("SCAN cases")
            }
        });
        if scanned {
            scans.push(format!("{name}: {}", plan.join(" | ")));
        }
    }
    if postgres {
        diesel::sql_query("RESET enable_seqscan").execute(&mut *conn).unwrap();
    }
    assert!(scans.is_empty(), "filters that read the whole table:\n{}", scans.join("\n"));
}
