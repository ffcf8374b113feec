//! The binary: bootstrap an admin from the command line, configuration errors.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use madoguchi::clock::SystemClock;
use serde_json::json;

use crate::helpers::{Login, PASSWORD, TestApp, TestDatabase, assert_problem};

fn madoguchi(db: &TestDatabase, data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MADOGUCHI_PROFILE", "test")
        .env("DATABASE_URL", &db.url)
        .env("MADOGUCHI__STORAGE__DATA_DIR", data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[tokio::test]
async fn an_admin_created_on_the_command_line_runs_the_admin_api() {
    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();

    let mut child = madoguchi(&db, data_dir.path())
        .args(["admin", "create-user", "--role", "admin", "--email", "root@example.org", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("created admin user"));

    let app = TestApp::spawn_on(db, |_| {}, Arc::new(SystemClock)).await;
    let admin = app.token(&Login::email("root@example.org")).await;
    let employer = app.create_organisation(&admin, "Sakura Foods", "employer").await;
    let response = app
        .post(
            "/api/v1/admin/users",
            &json!({"email": "staff@sakura.example", "password": PASSWORD, "role": "employer_staff", "organisation_id": employer}),
            Some(&admin),
        )
        .await;
    assert_eq!(response.status(), 201);
    let staff = app.token(&Login::email("staff@sakura.example")).await;
    assert_problem(app.get("/api/v1/admin/users", Some(&staff)).await, 403, "forbidden").await;
    assert_eq!(app.me(&staff).await.organisation_kind.as_deref(), Some("employer"));
}

#[test]
fn create_user_refuses_a_password_on_the_command_line_and_bad_input() {
    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let output = madoguchi(&db, data_dir.path())
        .args(["admin", "create-user", "--role", "admin", "--email", "a@example.org"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password-stdin"));

    let mut child = madoguchi(&db, data_dir.path())
        .args(["admin", "create-user", "--role", "admin", "--email", "a@example.org", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("password"), "{stderr}");

    let output = madoguchi(&db, data_dir.path())
        .args(["admin", "create-user", "--role", "boss", "--email", "a@example.org", "--password-stdin"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown role"));
}

/// A bad setting: one line naming the key, a non-zero exit, no panic.
fn assert_config_error(output: std::process::Output, key: &str) {
    assert_eq!(output.status.code(), Some(2), "exit code");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(key), "names `{key}`: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn invalid_settings_exit_with_one_clear_line() {
    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let output =
        madoguchi(&db, data_dir.path()).env("MADOGUCHI__SERVER__PORT", "eighty").arg("migrate").output().unwrap();
    assert_config_error(output, "server.port");

    let output = madoguchi(&db, data_dir.path())
        .env("MADOGUCHI__AUTH__ACCESS_TOKEN_TTL_SECONDS", "5")
        .arg("migrate")
        .output()
        .unwrap();
    assert_config_error(output, "auth.access_token_ttl_seconds");

    let output = madoguchi(&db, data_dir.path()).env("DATABASE_URL", "mysql://db/x").arg("migrate").output().unwrap();
    assert_config_error(output, "database.url");

    let output =
        madoguchi(&db, data_dir.path()).env("MADOGUCHI_PROFILE", "production").arg("migrate").output().unwrap();
    assert_config_error(output, "auth.jwt_secret");

    // Production will not seal personal data under a key it made up beside the data.
    let output = madoguchi(&db, data_dir.path())
        .env("MADOGUCHI_PROFILE", "production")
        .env("MADOGUCHI__AUTH__JWT_SECRET", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c")
        .env("MADOGUCHI__REPORTS__PSEUDONYM_KEY", "60303ae22b998861bce3b28f33eec1be")
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(stderr.contains("unrecoverable"), "{stderr}");
    assert_config_error(output, "privacy.keys");
}

#[test]
fn rotate_key_seals_under_the_configured_key_and_reports_nothing_left() {
    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let output = madoguchi(&db, data_dir.path())
        .env("MADOGUCHI__PRIVACY__KEYS", "k9:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        .args(["admin", "rotate-key", "--batch", "10"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("under key k9: 0 values, 0 files"), "{stdout}");
    assert!(stdout.contains("nothing is left under other keys"), "{stdout}");
}

#[test]
fn migrate_applies_the_schema_once() {
    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let output = madoguchi(&db, data_dir.path()).arg("migrate").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let applied: usize = stdout.split(' ').next().unwrap().parse().unwrap();
    assert!(applied >= 1, "{stdout}");
    let output = madoguchi(&db, data_dir.path()).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("0 migration(s) applied"));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "create-user", "--help"],
        vec!["admin", "rotate-key", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_madoguchi")).args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage"), "{args:?}");
    }
}

/// Starts `args` as a child, waits for the line that says it is up, sends
/// SIGTERM (what `docker stop` and Kubernetes send) and expects a clean exit.
fn stops_cleanly_on_sigterm(args: &[&str], up: &str) {
    use std::io::BufRead;
    use std::time::{Duration, Instant};

    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = madoguchi(&db, data_dir.path())
        .args(args)
        .env("MADOGUCHI__SERVER__PORT", "0")
        .env("MADOGUCHI__MAIL__TRANSPORT", "file")
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let started = lines.by_ref().map_while(Result::ok).any(|line| line.contains(up));
    assert!(started, "{args:?} never said {up:?}");
    // Keep reading, so the child can go on writing to its stdout.
    std::thread::spawn(move || lines.for_each(drop));

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success(), "kill failed");
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "{args:?} still running 20 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(exit.success(), "{args:?} exited with {exit} after SIGTERM: {stderr}");
}

#[test]
fn the_worker_stops_cleanly_on_sigterm() {
    stops_cleanly_on_sigterm(&["worker"], "outbox worker running");
}

#[test]
fn the_server_stops_cleanly_on_sigterm() {
    stops_cleanly_on_sigterm(&["serve"], "is listening on");
}

/// actix-http answers a request it cannot parse itself, in its HTTP/1
/// dispatcher, before any of the application runs: a bare 400 (431 for an
/// oversized head) with an empty body, which cannot be made problem+json.
/// What can be done is done: the log line says it was the client's fault,
/// at WARN instead of actix-http's ERROR. A well-formed request with a bad
/// body reaches the application and is problem+json.
#[test]
fn protocol_errors_are_bare_400s_logged_at_warn_not_error() {
    use std::io::{BufRead, Read};

    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = madoguchi(&db, data_dir.path())
        .arg("serve")
        .env("MADOGUCHI__SERVER__PORT", "0")
        .env("MADOGUCHI__MAIL__TRANSPORT", "file")
        .env("MADOGUCHI__LOG__FORMAT", "json")
        .env("MADOGUCHI__LOG__LEVEL", "warn")
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = lines.by_ref().map_while(Result::ok).find(|line| line.contains("is listening on")).unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let address = listening.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();

    let raw = |request: &[u8]| {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        stream.write_all(request).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    let garbage = raw(b"NOT HTTP AT ALL\r\n\r\n");
    assert!(garbage.starts_with("HTTP/1.1 400 "), "{garbage}");
    assert!(garbage.contains("content-length: 0"), "actix-http's own answer: {garbage}");
    let bad_header = raw(b"GET /health/live HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n");
    assert!(bad_header.starts_with("HTTP/1.1 400 "), "{bad_header}");
    let mut oversized = b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Padding: ".to_vec();
    oversized.extend(std::iter::repeat_n(b'a', 140 * 1024));
    oversized.extend(b"\r\n\r\n");
    let oversized = raw(&oversized);
    assert!(oversized.starts_with("HTTP/1.1 431 "), "{}", &oversized[..oversized.len().min(200)]);
    let body = b"{\"email\": ";
    let mut bad_json = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bad_json.extend(body);
    let bad_json = raw(&bad_json);
    assert!(bad_json.starts_with("HTTP/1.1 400 ") && bad_json.contains("application/problem+json"), "{bad_json}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let events: Vec<serde_json::Value> = stderr.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let parse_errors: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["message"].as_str().is_some_and(|m| m.contains("request parse error"))).collect();
    assert_eq!(parse_errors.len(), 3, "one line per refused request: {stderr}");
    assert!(parse_errors.iter().all(|e| e["level"] == "WARN"), "{stderr}");
    assert!(events.iter().all(|e| e["level"] != "ERROR"), "nothing the client did is an ERROR: {stderr}");
}
