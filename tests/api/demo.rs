//! `admin seed-demo`: an empty database filled with demo data a newcomer can
//! log in to and explore at once, through the real binary and the API.

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use madoguchi::clock::SystemClock;
use madoguchi::domain::lifecycle::CaseState;
use serde_json::json;

use crate::helpers::{TestApp, TestDatabase, Token};
use crate::views::{CaseListed, Page, ReceiptSession, Tokens, body};

fn seed_demo(url: &str, data_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MADOGUCHI_PROFILE", "test")
        .env("DATABASE_URL", url)
        .env("MADOGUCHI__STORAGE__DATA_DIR", data_dir)
        .args(["admin", "seed-demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

struct Login {
    role: String,
    field: String,
    login: String,
    password: String,
}

struct PrintedCase {
    reference: String,
    state: String,
    lodged_via: String,
}

/// What the command printed: logins, cases and receipt codes, read from its tables.
#[derive(Default)]
struct Printed {
    logins: Vec<Login>,
    cases: Vec<PrintedCase>,
    receipts: Vec<(String, String)>,
}

fn parse(stdout: &str) -> Printed {
    let mut printed = Printed::default();
    let mut section = "";
    for line in stdout.lines() {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if line.trim().is_empty() {
            section = "";
        } else if line.starts_with("Logins:") {
            section = "logins";
        } else if line.starts_with("Cases:") {
            section = "cases";
        } else if line.starts_with("Receipt codes:") {
            section = "receipts";
        } else if !(line.starts_with("ROLE") || line.starts_with("REFERENCE")) {
            match (section, cells.as_slice()) {
                ("logins", [role, field, login, password, ..]) => printed.logins.push(Login {
                    role: (*role).to_owned(),
                    field: (*field).to_owned(),
                    login: (*login).to_owned(),
                    password: (*password).to_owned(),
                }),
                ("cases", [reference, state, lodged_via, ..]) => printed.cases.push(PrintedCase {
                    reference: (*reference).to_owned(),
                    state: (*state).to_owned(),
                    lodged_via: (*lodged_via).to_owned(),
                }),
                ("receipts", [reference, code, ..]) => {
                    printed.receipts.push(((*reference).to_owned(), (*code).to_owned()));
                }
                _ => {}
            }
        }
    }
    printed
}

async fn log_in(app: &TestApp, login: &Login) -> Token {
    let credentials = crate::helpers::Login::by(&login.field, &login.login, &login.password);
    let tokens: Tokens = app.login(&credentials).await;
    Token::new(format!("{} {}", login.role, login.login), tokens.access_token)
}

async fn list_cases(app: &TestApp, token: &Token) -> Vec<CaseListed> {
    app.read::<Page<CaseListed>>("/api/v1/cases?limit=200", Some(token)).await.items
}

fn references(items: &[CaseListed]) -> BTreeSet<String> {
    items.iter().map(|c| c.reference.clone()).collect()
}

#[tokio::test]
async fn seed_demo_fills_an_empty_database_a_newcomer_can_explore() {
    let db = TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let output = seed_demo(&db.url, data_dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    let printed = parse(&stdout);

    // A login for every role, the worker by username.
    let roles: BTreeSet<&str> = printed.logins.iter().map(|l| l.role.as_str()).collect();
    let all_roles =
        ["admin", "handler", "employer_staff", "supervising_org_staff", "mediator", "advocate", "analyst", "worker"];
    assert_eq!(roles, all_roles.into_iter().collect(), "{stdout}");
    let by_role = |role: &str| printed.logins.iter().filter(|l| l.role == role).collect::<Vec<_>>();
    let worker = by_role("worker")[0];
    assert_eq!(worker.field, "username");
    let employer_staff = by_role("employer_staff");
    assert_eq!(employer_staff.len(), 2, "one per employer");
    let states: BTreeSet<&str> = printed.cases.iter().map(|c| c.state.as_str()).collect();
    assert_eq!(states.len(), CaseState::ALL.len(), "{stdout}");
    assert!(!printed.receipts.is_empty(), "{stdout}");

    let app = TestApp::spawn_on(db, |_| {}, Arc::new(SystemClock)).await;
    // Every printed login works.
    for login in &printed.logins {
        log_in(&app, login).await;
    }

    // The handler sees a case in every state.
    let handler = log_in(&app, by_role("handler")[0]).await;
    let all = list_cases(&app, &handler).await;
    let listed: BTreeSet<&str> = all.iter().map(|c| c.state.as_str()).collect();
    let expected: BTreeSet<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(listed, expected);
    assert_eq!(references(&all), printed.cases.iter().map(|c| c.reference.clone()).collect());

    // The worker sees exactly the cases they lodged.
    let token = log_in(&app, worker).await;
    let mine = references(&list_cases(&app, &token).await);
    let lodged: BTreeSet<String> =
        printed.cases.iter().filter(|c| c.lodged_via == "worker").map(|c| c.reference.clone()).collect();
    assert!(!lodged.is_empty());
    assert_eq!(mine, lodged);

    // Each employer's staff see only cases naming their own company, and none of the other's.
    let mut seen_by_employers = Vec::new();
    for staff in &employer_staff {
        let token = log_in(&app, staff).await;
        let me = app.me(&token).await;
        assert!(me.organisation_id.is_some(), "{me:?}");
        let items = list_cases(&app, &token).await;
        assert!(!items.is_empty(), "{}", staff.login);
        for case in &items {
            assert_eq!(case.employer_organisation_id, me.organisation_id, "{case:?}");
        }
        assert!(items.len() < all.len());
        seen_by_employers.push(references(&items));
    }
    assert!(seen_by_employers[0].is_disjoint(&seen_by_employers[1]));

    // A printed reference and receipt code open a session on that case alone.
    let (reference, code) = &printed.receipts[0];
    let response =
        app.post("/api/v1/intake/session", &json!({"reference": reference, "receipt_code": code}), None).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let session = Token::new("receipt holder", body::<ReceiptSession>(response).await.access_token);
    assert_eq!(references(&list_cases(&app, &session).await), BTreeSet::from([reference.clone()]));

    // A second run refuses, with one clear line, and changes nothing.
    let again = seed_demo(&app.db.url, data_dir.path());
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{stderr}");
    assert!(error_lines[0].contains("already has organisations or users"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(again.stdout.is_empty());
    assert_eq!(list_cases(&app, &handler).await.len(), all.len());
}

#[test]
fn seed_demo_has_help() {
    let output = Command::new(env!("CARGO_BIN_EXE_madoguchi")).args(["admin", "seed-demo", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("Usage") && help.contains("EMPTY database"), "{help}");
}
