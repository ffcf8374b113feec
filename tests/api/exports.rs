//! Exports: readable by standard tools, pseudonymous, free of identities
//! and narratives, stable, and only for those who may read statistics.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{TestApp, Token, assert_problem};
use crate::views::State;
use crate::world::World;

const SECRETS: [&str; 5] = ["Nguyen Van A", "C1234567", "AB12345678CD", "+81 90 1111 2222", "hộ chiếu"];

async fn fetch(w: &World, token: &Token, path: &str) -> reqwest::Response {
    let response = w.app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}");
    response
}

/// `n` cases, the first three acknowledged, the others submitted.
async fn lodge_some(w: &World, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let state = if i < 3 { State::Acknowledged } else { State::Submitted };
        ids.push(w.case_in(state).await.id);
    }
    ids
}

/// Opens an XLSX file with openpyxl and returns {sheet: [[cell, …], …]}.
fn read_xlsx(bytes: &[u8]) -> Value {
    crate::helpers::require_python_module("openpyxl");
    // openpyxl goes by the file's extension.
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let script = "import json, sys, openpyxl\n\
        book = openpyxl.load_workbook(sys.argv[1], read_only=True)\n\
        print(json.dumps({s.title: [[c for c in row] for row in s.iter_rows(values_only=True)] for s in book.worksheets}))";
    let output = Command::new("python3").args(["-c", script]).arg(file.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn case_rows_are_pseudonymous_stable_and_readable_by_standard_tools() {
    let w = World::new().await;
    lodge_some(&w, 6).await;

    let csv_text = fetch(&w, &w.analyst, "/api/v1/reports/cases").await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "pseudonym");
    assert!(!headers.iter().any(|h| h.contains("name") && h != "employer" || h == "narrative"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 6);
    let pseudonyms: Vec<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    assert!(pseudonyms.iter().all(|p| p.starts_with("P-") && p.len() == 18));
    let lodged_on = headers.iter().position(|h| h == "lodged_on").unwrap();
    assert_eq!(rows[0][lodged_on].len(), 10, "dates to the day only");

    // The same cases get the same pseudonyms in every format.
    let jsonl = fetch(&w, &w.handler, "/api/v1/reports/cases?format=jsonl").await.text().await.unwrap();
    #[derive(serde::Deserialize)]
    struct Row {
        pseudonym: String,
    }
    let from_jsonl: Vec<String> = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Row>(l).unwrap_or_else(|e| panic!("{e}: {l}")).pseudonym)
        .collect();
    assert_eq!(from_jsonl, pseudonyms);
    let xlsx = fetch(&w, &w.admin, "/api/v1/reports/cases?format=xlsx").await.bytes().await.unwrap();
    let book = read_xlsx(&xlsx);
    let sheet: Vec<Vec<Value>> = serde_json::from_value(book["cases"].clone()).unwrap();
    assert_eq!(sheet[0][0], "pseudonym");
    let from_xlsx: Vec<Value> = sheet[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(from_xlsx, pseudonyms);

    for text in [&csv_text, &jsonl, &String::from_utf8_lossy(&xlsx).into_owned(), &book.to_string()] {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} in an export");
        }
    }
}

#[tokio::test]
async fn another_installation_gives_other_pseudonyms() {
    let w = World::on(
        TestApp::spawn_with(|s| {
            s.reports.pseudonym_key = secrecy::SecretString::from("another-installation-key".to_owned())
        })
        .await,
    )
    .await;
    let id = w.intake(&w.grievance()).await.id;
    let csv_text = fetch(&w, &w.analyst, "/api/v1/reports/cases").await.text().await.unwrap();
    let ours = madoguchi::export::pseudonym::pseudonym(b"madoguchi-development-pseudonym-key", &id);
    let theirs = madoguchi::export::pseudonym::pseudonym(b"another-installation-key", &id);
    assert!(csv_text.contains(&theirs) && !csv_text.contains(&ours));
}

#[tokio::test]
async fn the_summary_downloads_as_csv_and_as_a_workbook_with_a_sheet_per_dimension() {
    let w = World::new().await;
    lodge_some(&w, 6).await;
    let csv_text = fetch(&w, &w.analyst, "/api/v1/reports/summary?format=csv").await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().any(|r| &r[0] == "total" && &r[2] == "6"));
    assert!(rows.iter().any(|r| &r[0] == "state" && &r[1] == "acknowledged" && &r[2] == "suppressed"));

    let response = fetch(&w, &w.analyst, "/api/v1/reports/summary?format=xlsx").await;
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("summary.xlsx"));
    let book = read_xlsx(&response.bytes().await.unwrap());
    for sheet in ["total", "state", "nationality", "category", "tokyo_declaration", "forced_labour_indicators", "month"]
    {
        assert!(book.get(sheet).is_some(), "sheet {sheet}");
    }
    assert_eq!(book["total"][1], json!(["cases", 6]));
    for secret in SECRETS {
        assert!(!book.to_string().contains(secret) && !csv_text.contains(secret));
    }
}

#[tokio::test]
async fn exports_follow_the_same_access_rules() {
    let w = World::new().await;
    let ids = lodge_some(&w, 6).await;
    w.act(&w.handler, &ids[0], json!({"action": "refer"})).await;
    let own = fetch(&w, &w.employer_staff, "/api/v1/reports/cases").await.text().await.unwrap();
    assert_eq!(own.lines().count(), 2, "header and the one case referred to the employer");
    let other = fetch(&w, &w.other_employer_staff, "/api/v1/reports/cases").await.text().await.unwrap();
    assert_eq!(other.lines().count(), 1, "header only");
    for token in [&w.worker, &w.advocate] {
        assert_problem(w.app.get("/api/v1/reports/cases", Some(token)).await, 403, "forbidden").await;
    }
    assert_problem(
        w.app.get("/api/v1/reports/cases?format=json", Some(&w.analyst)).await,
        400,
        "invalid_query_parameter",
    )
    .await;
}

#[test]
fn the_command_line_writes_the_same_files() {
    let db = crate::helpers::TestDatabase::create();
    let data_dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_madoguchi"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("MADOGUCHI_PROFILE", "test")
            .env("DATABASE_URL", &db.url)
            .env("MADOGUCHI__STORAGE__DATA_DIR", data_dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let seeded = run(&["admin", "seed-demo"]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let out = data_dir.path().join("cases.csv");
    let exported = run(&["export", "cases", "--format", "csv", "--output", out.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let rows = csv::Reader::from_path(&out).unwrap().records().count();
    assert_eq!(rows, 14, "one row per demo case");
    let summary = data_dir.path().join("summary.xlsx");
    let exported = run(&["export", "summary", "--format", "xlsx", "--output", summary.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let book = read_xlsx(&std::fs::read(&summary).unwrap());
    assert_eq!(book["total"][1], json!(["cases", 14]));
}

#[tokio::test]
async fn a_format_a_download_does_not_come_in_is_a_clear_400() {
    let w = World::new().await;
    for path in ["/api/v1/reports/summary?format=jsonl", "/api/v1/reports/cases?format=json"] {
        let problem = assert_problem(w.app.get(path, Some(&w.handler)).await, 400, "invalid_query_parameter").await;
        assert!(problem.detail.contains("come"), "{path}: {}", problem.detail);
    }
}
