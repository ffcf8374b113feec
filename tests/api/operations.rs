//! Start-up, health, metrics, request ids and the API description.

use std::sync::Arc;

use madoguchi::clock::SystemClock;
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, assert_problem};
use crate::proxy::TcpProxy;

#[tokio::test]
async fn starts_on_an_empty_database_and_reports_ready() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health/live", None).await.status(), 200);
    let response = app.get("/health/ready", None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let expected = if app.db.is_postgres() { "postgresql" } else { "sqlite" };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn ready_is_503_while_the_database_is_unreachable() {
    let app = TestApp::spawn_on(
        TestDatabase::create(),
        |s| {
            // Nothing listens on port 1.
            s.database.url = secrecy::SecretString::from("postgres://postgres@127.0.0.1:1/none".to_owned());
            s.database.run_migrations_on_start = false;
            s.database.pool_timeout_seconds = 1;
        },
        Arc::new(SystemClock),
    )
    .await;
    assert_eq!(app.get("/health/live", None).await.status(), 200);
    let response = app.get("/health/ready", None).await;
    assert!(response.headers().contains_key("retry-after"));
    let problem = assert_problem(response, 503, "database_unavailable").await;
    let detail = problem.detail;
    assert!(!detail.contains("127.0.0.1") && !detail.contains("postgres"), "no internals: {detail}");
}

/// PostgreSQL goes away and comes back (a proxy between the application and
/// the server is cut, then restored). Meanwhile every request is a quick 503;
/// afterwards the API and the outbox worker carry on by themselves.
// Several threads: start-up blocks on the database while the proxy must forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_get_503_while_postgres_is_away_and_all_heals_when_it_is_back() {
    use std::time::{Duration, Instant};

    let db = TestDatabase::create();
    if !db.is_postgres() {
        eprintln!("SQLite is a file inside the process: there is no server to lose");
        return;
    }
    let (head, rest) = db.url.split_once('@').unwrap();
    let (upstream, database) = rest.split_once('/').unwrap();
    let proxy = TcpProxy::start(upstream.to_owned()).await;
    let proxied = format!("{head}@127.0.0.1:{}/{database}", proxy.port);
    let app = TestApp::spawn_on(
        db,
        |s| {
            s.database.url = secrecy::SecretString::from(proxied);
            s.database.pool_timeout_seconds = 1;
        },
        Arc::new(SystemClock),
    )
    .await;
    let worker = app.registered_worker("rin").await;
    assert_eq!(app.get("/api/v1/cases", Some(&worker)).await.status(), 200);

    proxy.cut();
    let asked = Instant::now();
    let response = app.get("/api/v1/cases", Some(&worker)).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "database_unavailable").await;
    assert_problem(app.get("/health/ready", None).await, 503, "database_unavailable").await;
    assert!(asked.elapsed() < Duration::from_secs(5), "answers come within the pool timeout");
    assert!(app.worker.run_once().await.is_err(), "nothing to claim from while the database is away");

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.get("/health/ready", None).await.status() != 200 {
        assert!(Instant::now() < deadline, "not ready 10 s after the database came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.get("/api/v1/cases", Some(&worker)).await.status(), 200);
    app.worker.run_once().await.expect("the outbox worker recovers without a restart");
}

#[tokio::test]
async fn ready_is_503_while_migrations_are_pending() {
    let app = TestApp::spawn_with(|s| s.database.run_migrations_on_start = false).await;
    assert_problem(app.get("/health/ready", None).await, 503, "database_unavailable").await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let response =
        app.client.get(app.url("/health/live")).header("x-request-id", "trace-abc-123").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");
    let response = app.get("/health/live", None).await;
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    // A caller cannot inject garbage into logs through the id.
    let response =
        app.client.get(app.url("/health/live")).header("x-request-id", "bad id\twith spaces").send().await.unwrap();
    assert_ne!(response.headers()["x-request-id"], "bad id\twith spaces");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get("/health/live", None).await;
    app.get("/api/v1/organisations/00000000-0000-0000-0000-000000000000", None).await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{method="GET",route="/health/live",status="200"}"#), "{text}");
    // The route pattern, not the concrete path, labels the series.
    assert!(text.contains(r#"route="/api/v1/organisations/{id}",status="401""#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"db_pool_connections{state="in_use"}"#), "{text}");
}

#[tokio::test]
async fn docs_are_served_offline() {
    let app = TestApp::spawn().await;
    let response = app.get("/docs", None).await;
    assert!(response.status().is_redirection());
    let response = app.get("/docs/", None).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(!html.contains("cdn") && !html.contains("unpkg"), "no CDN in the page");
    let response = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(response.status(), 200, "the UI's script is served from the binary");
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_complete() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3.1"), "{}", spec.openapi);

    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {reference}");
    }

    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/health/live",
        "/health/ready",
        "/metrics",
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/admin/organisations",
        "/api/v1/admin/users",
        "/api/v1/admin/users/{id}",
        "/api/v1/organisations/{id}",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/actions",
        "/api/v1/cases/{id}/consent",
        "/api/v1/cases/{id}/mediator",
        "/api/v1/cases/{id}/employer",
        "/api/v1/cases/{id}/classification",
        "/api/v1/cases/{id}/identity",
        "/api/v1/cases/{id}/messages",
        "/api/v1/cases/{id}/messages/{message_id}/evidence",
        "/api/v1/cases/{id}/evidence/{evidence_id}",
        "/api/v1/intake",
        "/api/v1/intake/session",
        "/api/v1/lifecycle",
        "/api/v1/categories",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
        "/api/v1/admin/outbox",
        "/api/v1/admin/outbox/{id}/requeue",
    ] {
        assert!(paths.contains_key(expected), "missing {expected}");
    }
    // Every documented path is really served (none falls through to 404 "unmatched").
    for path in paths.keys() {
        let zero = "00000000-0000-0000-0000-000000000000";
        let concrete = path.replace("{id}", zero).replace("{message_id}", zero).replace("{evidence_id}", zero);
        for (method, _) in paths[path].as_object().unwrap() {
            let request = match method.as_str() {
                "get" => app.client.get(app.url(&concrete)),
                "post" => app.client.post(app.url(&concrete)).json(&serde_json::json!({})),
                "delete" => app.client.delete(app.url(&concrete)),
                other => panic!("unexpected method {other}"),
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            if status == 404 {
                let body: Value = response.json().await.unwrap();
                assert_ne!(body["detail"], "no such endpoint", "{method} {path} is not routed");
            }
        }
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    out.push(inner.as_str().unwrap().to_owned());
                } else {
                    collect_refs(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}
