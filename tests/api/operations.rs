//! Start-up, health, metrics, request ids and the API description.

use std::sync::Arc;

use madoguchi::clock::SystemClock;
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, assert_problem};
use crate::proxy::TcpProxy;
use crate::tmpfs::Tmpfs;
use crate::world::World;

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

/// The server ends every connection of the application (an administrator's
/// `pg_terminate_backend`, a failover, an idle timeout). A request in the
/// next moment may meet a connection the pool trusted without a ping (it
/// had just answered): it gets a 503 to retry, never a 500; from then on
/// every checkout pings, so the pool replaces the dead connections and the
/// API carries on without a restart.
#[tokio::test]
async fn connections_the_server_ended_are_replaced_without_a_restart() {
    use std::time::Duration;

    let db = TestDatabase::create();
    if !db.is_postgres() {
        eprintln!("SQLite has no server to end its connections");
        return;
    }
    let app = TestApp::spawn_on(db, |_| {}, Arc::new(SystemClock)).await;
    let worker = app.registered_worker("ren").await;
    assert_eq!(app.get("/api/v1/me", Some(&worker)).await.status(), 200);

    app.db.terminate_connections();
    let right_after = app.get("/api/v1/me", Some(&worker)).await;
    if right_after.status() != 200 {
        assert!(right_after.headers().contains_key("retry-after"));
        assert_problem(right_after, 503, "database_unavailable").await;
    }
    // Past the pool's trust in a recent answer (a quarter of a second of
    // real time, which no manual clock governs), every checkout pings.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/me", Some(&worker)).await.status(), 200);
    }
    assert_eq!(app.get("/health/ready", None).await.status(), 200);
}

/// SQLite on a small file system of its own, which the test fills up and
/// then makes read-only. Each fault is a 503 `storage_unavailable` with
/// Retry-After, never a 500; readiness says which fault; nothing accepted
/// before is lost; and once the fault is repaired the very next write
/// succeeds, with no restart (connections opened read-only are replaced).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_or_read_only_disk_answers_503_and_heals_when_repaired() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        eprintln!("PostgreSQL's disk is its server's; this fault test is SQLite's");
        return;
    }
    let Some(volume) = Tmpfs::mount(8 * 1024 * 1024) else { return };
    let url = format!("sqlite://{}", volume.path().join("madoguchi.db").display());
    let folder = volume.path().to_path_buf();
    let app = TestApp::spawn_with(move |s| {
        s.database.url = secrecy::SecretString::from(url);
        s.storage.data_dir = folder;
        s.database.sqlite_min_free_bytes = 512 * 1024;
    })
    .await;
    let w = World::on(app).await;
    let mut accepted = vec![w.intake(&w.grievance()).await.id];
    let ready: Value = w.app.get("/health/ready", None).await.json().await.unwrap();
    assert_eq!(ready["checks"]["storage"], "writable", "{ready}");
    assert!(ready["checks"]["free_bytes"].as_u64().unwrap() > 512 * 1024, "{ready}");
    assert_eq!(ready["outbox"]["dead"], 0, "{ready}");

    // Disk full. Writes may still fit in log space SQLite already holds, so
    // lodge until one is refused.
    let filler = volume.fill();
    let not_ready = w.app.get("/health/ready", None).await;
    assert!(not_ready.headers().contains_key("retry-after"));
    let body: Value = not_ready.json().await.unwrap();
    assert_eq!((body["status"].as_u64(), body["code"].as_str()), (Some(503), Some("storage_unavailable")), "{body}");
    assert!(["low_space", "disk_full"].contains(&body["checks"]["storage"].as_str().unwrap()), "{body}");
    let mut refused = false;
    for _ in 0..2_000 {
        let response = w.app.post("/api/v1/intake", &w.grievance(), None).await;
        if response.status() == 201 {
            accepted.push(crate::views::body::<crate::views::Lodged>(response).await.id);
            continue;
        }
        assert_eq!(response.headers()["retry-after"], "30");
        assert_problem(response, 503, "storage_unavailable").await;
        refused = true;
        break;
    }
    assert!(refused, "a full disk never refused a write");
    std::fs::remove_file(filler).unwrap();
    assert_eq!(w.app.get("/health/ready", None).await.status(), 200);
    accepted.push(w.intake(&w.grievance()).await.id);

    // Read-only files. Connections already open keep writing, as the
    // operating system allows; a second instance started meanwhile opens
    // every connection read-only, and must heal once the files are writable.
    volume.set_read_only(true);
    let (url, folder) = (w.app.settings.database.url.clone(), volume.path().to_path_buf());
    let second = TestApp::spawn_with(move |s| {
        s.database.url = url;
        s.storage.data_dir = folder;
        s.database.run_migrations_on_start = false;
        s.database.sqlite_min_free_bytes = 512 * 1024;
    })
    .await;
    let response = second.post("/api/v1/intake", &w.grievance(), None).await;
    assert_problem(response, 503, "storage_unavailable").await;
    let body: Value = second.get("/health/ready", None).await.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["checks"]["storage"].as_str()),
        (Some("storage_unavailable"), Some("read_only")),
        "{body}"
    );
    volume.set_read_only(false);
    for _ in 0..10 {
        let response = second.post("/api/v1/intake", &w.grievance(), None).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        accepted.push(crate::views::body::<crate::views::Lodged>(response).await.id);
    }
    let ready = second.get("/health/ready", None).await;
    assert_eq!(ready.status(), 200, "{}", ready.text().await.unwrap());

    for id in &accepted {
        let response = w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.handler)).await;
        assert_eq!(response.status(), 200, "case {id}, accepted before a fault, is there after it");
    }
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
