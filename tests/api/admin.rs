use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem};
use crate::views::{Created, Page, body};

#[tokio::test]
async fn admin_api_needs_a_token_and_the_admin_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let employer = app.create_organisation(&admin, "Sakura Foods", "employer").await;
    let operator = app.create_organisation(&admin, "Platform", "operator").await;
    let ngo = app.create_organisation(&admin, "Migrant Support Net", "ngo").await;
    let supervisor = app.create_organisation(&admin, "Kanto Kumiai", "supervising_org").await;
    let mediation = app.create_organisation(&admin, "Bar ADR Centre", "mediation_body").await;

    let mut non_admins = vec![
        app.user_token(&admin, "employer_staff", Some(employer)).await,
        app.user_token(&admin, "handler", Some(operator)).await,
        app.user_token(&admin, "advocate", Some(ngo)).await,
        app.user_token(&admin, "supervising_org_staff", Some(supervisor)).await,
        app.user_token(&admin, "mediator", Some(mediation)).await,
        app.user_token(&admin, "analyst", Some(ngo)).await,
    ];
    non_admins.push(app.registered_worker("worker1").await);

    let new_org = json!({"name": "Shadow Corp", "kind": "employer"});
    let new_user = json!({"email": "x@example.org", "password": PASSWORD, "role": "admin"});
    for token in &non_admins {
        assert_problem(app.post("/api/v1/admin/organisations", &new_org, Some(token)).await, 403, "forbidden").await;
        assert_problem(app.get("/api/v1/admin/organisations", Some(token)).await, 403, "forbidden").await;
        assert_problem(app.post("/api/v1/admin/users", &new_user, Some(token)).await, 403, "forbidden").await;
        assert_problem(app.get("/api/v1/admin/users", Some(token)).await, 403, "forbidden").await;
    }
    assert_problem(app.post("/api/v1/admin/organisations", &new_org, None).await, 401, "missing_token").await;
    assert_problem(app.get("/api/v1/admin/users", None).await, 401, "missing_token").await;
}

#[tokio::test]
async fn admins_create_and_list_organisations_with_keyset_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.create_organisation(&admin, &format!("Employer {i}"), "employer").await);
    }
    created.push(app.create_organisation(&admin, "NGO", "ngo").await);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/admin/organisations?limit=2&cursor={c}"),
            None => "/api/v1/admin/organisations?limit=2".to_owned(),
        };
        let page: Page<Created> = app.read(&path, Some(&admin)).await;
        seen.extend(page.items.iter().map(|item| item.id.parse::<uuid::Uuid>().unwrap()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, created, "every organisation once, in creation order");

    let ngos: Page = app.read("/api/v1/admin/organisations?kind=ngo", Some(&admin)).await;
    assert_eq!(ngos.items.len(), 1);
    assert_eq!(ngos.items[0]["name"], "NGO");

    assert_problem(
        app.get("/api/v1/admin/organisations?kind=bank", Some(&admin)).await,
        400,
        "invalid_query_parameter",
    )
    .await;
    let problem = assert_problem(
        app.post(
            "/api/v1/admin/organisations",
            &json!({"name": "", "kind": "employer", "contact_email": "nope"}),
            Some(&admin),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.errors.len(), 2);
}

#[tokio::test]
async fn users_must_belong_to_an_organisation_that_fits_their_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let employer = app.create_organisation(&admin, "Sakura Foods", "employer").await;
    let create = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.post("/api/v1/admin/users", &body, Some(&admin)).await }
    };

    let problem = assert_problem(
        create(json!({"email": "h@example.org", "password": PASSWORD, "role": "handler", "organisation_id": employer}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().field, "organisation_id");
    assert_eq!(problem.error().code, "organisation_mismatch");

    let problem = assert_problem(
        create(json!({"email": "e@example.org", "password": PASSWORD, "role": "employer_staff"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().code, "organisation_mismatch");

    let problem = assert_problem(
        create(json!({"email": "e@example.org", "password": PASSWORD, "role": "employer_staff", "organisation_id": uuid::Uuid::now_v7()}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem.error().code, "unknown_organisation");

    let response = create(json!({
        "email": "Staff@Sakura.example", "password": PASSWORD, "role": "employer_staff",
        "organisation_id": employer, "display_name": "Tanaka", "preferred_language": "ja"
    }))
    .await;
    assert_eq!(response.status(), 201);
    let user: Value = body(response).await;
    assert_eq!(user["email"], "staff@sakura.example");
    assert_eq!(user["preferred_language"], "ja");

    assert_problem(
        create(json!({"email": "staff@sakura.example", "password": PASSWORD, "role": "employer_staff", "organisation_id": employer}))
            .await,
        409,
        "email_taken",
    )
    .await;

    let problem =
        assert_problem(create(json!({"password": PASSWORD, "role": "worker"})).await, 422, "validation_failed").await;
    assert_eq!(problem.error().field, "username");

    let listed: Page<Created> =
        app.read(&format!("/api/v1/admin/users?organisation_id={employer}"), Some(&admin)).await;
    assert_eq!(listed.items.len(), 1);
    let id = &listed.items[0].id;
    // Read raw: the password hash must be absent, not merely empty.
    let one: Value = app.read(&format!("/api/v1/admin/users/{id}"), Some(&admin)).await;
    assert_eq!(one["display_name"], "Tanaka");
    assert!(one.get("password_hash").is_none());

    let admins: Page = app.read("/api/v1/admin/users?role=admin", Some(&admin)).await;
    assert_eq!(admins.items.len(), 1);
}

#[tokio::test]
async fn another_organisations_record_is_not_found_rather_than_forbidden() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let own = app.create_organisation(&admin, "Sakura Foods", "employer").await;
    let other = app.create_organisation(&admin, "Fuji Metals", "employer").await;
    let operator = app.create_organisation(&admin, "Platform", "operator").await;
    let staff = app.user_token(&admin, "employer_staff", Some(own)).await;
    let handler = app.user_token(&admin, "handler", Some(operator)).await;

    let response = app.get(&format!("/api/v1/organisations/{own}"), Some(&staff)).await;
    assert_eq!(response.status(), 200);
    let organisation: Value = body(response).await;
    assert_eq!(organisation["name"], "Sakura Foods");

    let hidden =
        assert_problem(app.get(&format!("/api/v1/organisations/{other}"), Some(&staff)).await, 404, "not_found").await;
    let missing = assert_problem(
        app.get(&format!("/api/v1/organisations/{}", uuid::Uuid::now_v7()), Some(&staff)).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(hidden, missing, "an existing organisation looks exactly like a missing one");

    assert_eq!(app.get(&format!("/api/v1/organisations/{other}"), Some(&handler)).await.status(), 200);
    assert_problem(
        app.get(&format!("/api/v1/admin/users/{}", uuid::Uuid::now_v7()), Some(&admin)).await,
        404,
        "not_found",
    )
    .await;
}
