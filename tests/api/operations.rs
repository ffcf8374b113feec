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
async fn docs_are_served_offline_and_send_nothing_to_an_outside_validator() {
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
    // Swagger UI posts the document's URL to validator.swagger.io unless told not to.
    let initializer = app.get("/docs/swagger-initializer.js", None).await.text().await.unwrap();
    assert!(
        initializer.contains(r#""validatorUrl": "none""#) || initializer.contains(r#""validatorUrl":"none""#),
        "{initializer}"
    );
}
