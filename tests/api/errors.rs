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
