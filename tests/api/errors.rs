//! Every kind of bad input gets an RFC 9457 problem with a stable code.

use serde_json::json;

use crate::helpers::{LOGIN, TestApp, assert_problem};

#[tokio::test]
async fn bad_input_of_every_kind_is_a_problem_document() {
    let app = TestApp::spawn_with(|s| s.server.json_body_limit_bytes = 1024).await;
    // Bodies of every wrong shape, at the login endpoint.
    let login = app.url(LOGIN);
    let send = |body: &'static str, content_type: Option<&'static str>| {
        let mut request = app.client.post(&login).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };

    assert_problem(send("{\"email\": ", Some("application/json")).await.unwrap(), 400, "malformed_json").await;
    assert_problem(send("", Some("application/json")).await.unwrap(), 400, "malformed_json").await;
    assert_problem(send("{}", Some("text/plain")).await.unwrap(), 415, "unsupported_media_type").await;
    assert_problem(send("{}", None).await.unwrap(), 415, "unsupported_media_type").await;

    let problem = assert_problem(
        send(r#"{"email":"a@b.c","password":"x","admin":true}"#, Some("application/json")).await.unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(problem.error().field, "admin");
    assert_eq!(problem.error().code, "unknown_field");

    let problem = assert_problem(
        send(r#"{"email":"a@b.c","password":12}"#, Some("application/json")).await.unwrap(),
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(problem.error().field, "password");
    assert_eq!(problem.error().code, "invalid_type");

    let problem =
        assert_problem(send(r#"{"email":"a@b.c"}"#, Some("application/json")).await.unwrap(), 400, "invalid_body")
            .await;
    assert_eq!(problem.error().field, "password");
    assert_eq!(problem.error().code, "required");

    let big = format!(r#"{{"email":"a@b.c","password":"{}"}}"#, "x".repeat(2000));
    let response = app.client.post(&login).header("content-type", "application/json").body(big).send().await.unwrap();
    assert_problem(response, 413, "payload_too_large").await;

    // A chunked body with no declared length is cut off at the limit too.
    let chunks: Vec<Result<String, std::io::Error>> =
        vec![Ok("{\"password\":\"".into()), Ok("y".repeat(3000)), Ok("\"}".into())];
    let response = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn bad_path_and_query_parameters_and_unknown_routes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let problem =
        assert_problem(app.get("/api/v1/organisations/not-a-uuid", Some(&admin)).await, 400, "invalid_path_parameter")
            .await;
    assert_eq!(problem.error().field, "id");
    assert_problem(app.get("/api/v1/admin/users?limit=many", Some(&admin)).await, 400, "invalid_query_parameter").await;
    assert_problem(app.get("/api/v1/admin/users?colour=red", Some(&admin)).await, 400, "invalid_query_parameter").await;
    assert_problem(app.get("/api/v1/no-such-thing", None).await, 404, "not_found").await;
    assert_problem(app.get("/nowhere", None).await, 404, "not_found").await;
    let response = app.client.put(app.url("/health/live")).json(&json!({})).send().await.unwrap();
    assert!(response.status().is_client_error());
    assert_eq!(response.headers()["content-type"], "application/problem+json");
}

/// NUL (which PostgreSQL cannot store) and other control characters are
/// refused at the boundary with 422 naming the field, in bodies (nested
/// fields, list items, keys) and query parameters alike, with or without a
/// token, and nothing is stored.
#[tokio::test]
async fn text_with_control_characters_is_refused_with_422_naming_the_field() {
    let w = crate::world::World::new().await;
    let app = &w.app;
    let refused = |response: reqwest::Response, field: &'static str| async move {
        let problem = assert_problem(response, 422, "validation_failed").await;
        let named: Vec<(&str, &str)> = problem.errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert!(named.contains(&(field, "control_character")), "{field}: {}", problem.raw);
    };
    let login = json!({"email": "a\u{0}@x.org", "password": "wrong-password-1"});
    refused(app.post(LOGIN, &login, None).await, "email").await;
    let register = json!({"username": "rin\u{7}", "password": crate::helpers::PASSWORD});
    refused(app.post("/api/v1/auth/register", &register, None).await, "username").await;

    let cases_before = app.read::<crate::views::Page<serde_json::Value>>("/api/v1/cases", Some(&w.handler)).await;
    let with = |pointer: &str, text: &str| {
        let mut body = w.grievance();
        *body.pointer_mut(pointer).unwrap() = json!(text);
        body
    };
    for (pointer, field, text) in [
        ("/narrative", "narrative", "Công ty giữ hộ chiếu\u{0}"),
        ("/identity/full_name", "identity.full_name", "Nguyen\u{1b}[31m Van A"),
        ("/categories/0", "categories[0]", "unpaid_wages\u{0}"),
        ("/industry", "industry", "food\u{7f}"),
        ("/prefecture", "prefecture", "JP-23\u{85}"),
    ] {
        refused(app.post("/api/v1/intake", &with(pointer, text), None).await, field).await;
    }
    let mut keyed = w.grievance();
    keyed.as_object_mut().unwrap().insert("note\u{0}".into(), json!("x"));
    refused(app.post("/api/v1/intake", &keyed, None).await, "note\u{0}").await;
    let cases_after = app.read::<crate::views::Page<serde_json::Value>>("/api/v1/cases", Some(&w.handler)).await;
    assert_eq!(cases_before.items.len(), cases_after.items.len(), "no refused grievance was stored");

    let organisation = json!({"name": "\u{0}\u{0}", "kind": "ngo"});
    refused(app.post("/api/v1/admin/organisations", &organisation, Some(&w.admin)).await, "name").await;
    let case = w.case_in(crate::views::State::Submitted).await;
    let message = json!({"body": "Họp vào thứ Hai\u{0}", "visibility": "parties"});
    refused(app.post(&format!("/api/v1/cases/{}/messages", case.id), &message, Some(&w.handler)).await, "body").await;

    // Query parameters: a report filter and an evidence file name.
    refused(app.get("/api/v1/reports/summary?industry=food%00", Some(&w.analyst)).await, "industry").await;
    refused(app.get("/api/v1/reports/cases?format=csv&prefecture=JP%0013", Some(&w.analyst)).await, "prefecture").await;
    let upload = app
        .client
        .post(app.url(&format!(
            "/api/v1/cases/{}/messages/{}/evidence?file_name=pay%00slip.jpg",
            case.id,
            uuid::Uuid::new_v4()
        )))
        .bearer_auth(w.handler.bearer())
        .body(vec![0xff, 0xd8, 0xff])
        .send()
        .await
        .unwrap();
    refused(upload, "file_name").await;

    // Ordinary text with tabs, line breaks and every script still goes in.
    let fine = with("/narrative", "Dòng một\r\nDòng hai\t— 窓口 ✓");
    assert_eq!(app.post("/api/v1/intake", &fine, None).await.status(), 201);
}

/// Every response, success or problem, public or not, is neither cached,
/// sniffed, framed nor referred from.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let w = crate::world::World::new().await;
    let app = &w.app;
    let responses = [
        app.post(LOGIN, &json!({"email": "nobody@example.org", "password": "wrong-password-1"}), None).await,
        app.post("/api/v1/intake", &w.grievance(), None).await,
        app.get("/api/v1/auth/me", Some(&w.handler)).await,
        app.get("/api/v1/reports/cases?format=csv", Some(&w.analyst)).await,
        app.get("/api/v1/reports/summary?industry=%00", Some(&w.analyst)).await,
        app.get("/api/v1/no-such-route", None).await,
        app.get("/api/v1/openapi.json", None).await,
        app.get("/docs/", None).await,
        app.get("/health/ready", None).await,
    ];
    for response in responses {
        let (url, headers) = (response.url().to_string(), response.headers().clone());
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header("cache-control").as_deref(), Some("no-store"), "{url}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{url}");
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"), "{url}");
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{url}");
        assert!(header("content-security-policy").is_some_and(|csp| csp.contains("frame-ancestors 'none'")), "{url}");
        // The docs page has its strict policy; the API keeps the plain one
        // (a browser proves the page renders under it: .ci/docs-check).
        let csp = header("content-security-policy").unwrap();
        assert_eq!(csp == madoguchi::routes::docs::DOCS_CSP, url.contains("/docs/"), "{url}: {csp}");
    }
}

/// A known path with the wrong method is 405 with `Allow`, not 404; HEAD is
/// answered wherever GET is, without a body but with its length.
#[tokio::test]
async fn wrong_methods_get_405_with_allow_and_head_is_served_where_get_is() {
    let app = TestApp::spawn().await;
    let response = app.client.delete(app.url("/api/v1/cases")).send().await.unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST") && allow.contains("HEAD"), "{allow}");
    assert_problem(response, 405, "method_not_allowed").await;
    let case = format!("/api/v1/cases/{}", uuid::Uuid::new_v4());
    let response = app.client.put(app.url(&case)).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    assert_problem(response, 405, "method_not_allowed").await;
    assert_problem(app.client.delete(app.url("/api/v1/nothing-here")).send().await.unwrap(), 404, "not_found").await;

    let get = app.get("/api/v1/lifecycle", None).await;
    assert_eq!(get.status(), 200);
    let length = get.bytes().await.unwrap().len();
    let head = app.client.head(app.url("/api/v1/lifecycle")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"].to_str().unwrap(), length.to_string());
    assert!(head.bytes().await.unwrap().is_empty());
    let worker = app.registered_worker("header").await;
    let head = app.client.head(app.url("/api/v1/me")).bearer_auth(worker.bearer()).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(app.client.head(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
}

/// Labels come in the asked language, or its primary language, or English,
/// and `Content-Language` says which; a malformed tag is a 422, not English.
#[tokio::test]
async fn label_languages_are_told_and_malformed_tags_refused() {
    let app = TestApp::spawn().await;
    for (asked, served) in [("vi", "vi"), ("zh-Hant-TW", "zh"), ("de", "en"), ("", "en")] {
        let path =
            if asked.is_empty() { "/api/v1/categories".to_owned() } else { format!("/api/v1/categories?lang={asked}") };
        let response = app.get(&path, None).await;
        assert_eq!(response.status(), 200, "{asked}");
        assert_eq!(response.headers()["content-language"], served, "{asked}");
    }
    let vietnamese: serde_json::Value = app.get("/api/v1/lifecycle?lang=vi", None).await.json().await.unwrap();
    let english: serde_json::Value = app.get("/api/v1/lifecycle", None).await.json().await.unwrap();
    assert_ne!(vietnamese["states"][0]["label"], english["states"][0]["label"]);
    for path in ["/api/v1/categories?lang=not_a_tag!", "/api/v1/lifecycle?lang=12345678901"] {
        let problem = assert_problem(app.get(path, None).await, 422, "validation_failed").await;
        assert_eq!((problem.error().field.as_str(), problem.error().code.as_str()), ("lang", "invalid_language_tag"));
    }
}
