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

/// Opens an XLSX file with openpyxl (and its zip for the charts, which
/// openpyxl does not read back) and returns, in order, every sheet with
/// its typed cells (dates as `{"date": iso}`), notes, frozen panes,
/// autofilter and column widths, plus the kinds of chart drawn.
pub fn read_workbook(bytes: &[u8]) -> Value {
    crate::helpers::require_python_module("openpyxl");
    // openpyxl goes by the file's extension.
    let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let script = r#"
import datetime, json, sys, zipfile, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
def typed(v):
    return {"date": v.isoformat()} if isinstance(v, (datetime.datetime, datetime.date)) else v
sheets = []
for s in book.worksheets:
    rows = [[typed(c.value) for c in row] for row in s.iter_rows()]
    notes = {c.coordinate: c.comment.text for row in s.iter_rows() for c in row if c.comment}
    widths = {k: d.width for k, d in s.column_dimensions.items() if d.width}
    sheets.append({"title": s.title, "rows": rows, "notes": notes, "freeze": s.freeze_panes,
                   "filter": s.auto_filter.ref, "widths": widths})
charts = []
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in sorted(z.namelist()):
        if name.startswith("xl/charts/chart"):
            xml = z.read(name).decode()
            charts.append("line" if "<c:lineChart" in xml else "column" if 'barDir val="col"' in xml else "bar")
print(json.dumps({"sheets": sheets, "charts": charts}))
"#;
    let output = Command::new("python3").args(["-c", script]).arg(file.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A sheet of `read_workbook`'s answer, by title.
pub fn sheet<'a>(book: &'a Value, title: &str) -> &'a Value {
    let sheets = book["sheets"].as_array().unwrap();
    sheets.iter().find(|s| s["title"] == title).unwrap_or_else(|| {
        let titles: Vec<&Value> = sheets.iter().map(|s| &s["title"]).collect();
        panic!("no sheet {title:?} in {titles:?}")
    })
}

/// The rows of a sheet.
pub fn cells_of(book: &Value, title: &str) -> Vec<Vec<Value>> {
    serde_json::from_value(sheet(book, title)["rows"].clone()).unwrap()
}

/// Reads CSV bytes as people's spreadsheets would, with Python's csv module
/// decoding `utf-8-sig` (which drops a byte-order mark); every row as strings.
pub fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let script = "import csv, json, sys\n\
        print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))";
    let output = Command::new("python3").args(["-c", script]).arg(file.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

pub const BOM: &[u8] = b"\xEF\xBB\xBF";

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
}

#[tokio::test]
async fn case_rows_are_pseudonymous_stable_and_readable_by_standard_tools() {
    let w = World::new().await;
    lodge_some(&w, 6).await;

    let csv_bytes = fetch(&w, &w.analyst, "/api/v1/reports/cases").await.bytes().await.unwrap();
    assert!(csv_bytes.starts_with(BOM), "CSV starts with a byte-order mark for Excel");
    let csv_text = String::from_utf8(csv_bytes[BOM.len()..].to_vec()).unwrap();
    let table = read_csv(&csv_bytes);
    let (header, rows) = (&table[0], &table[1..]);
    assert_eq!(header[0], "Pseudonym", "the BOM is not part of the first header: {header:?}");
    assert!(!header.iter().any(|h| h.contains("Name") || h.contains("Narrative")), "{header:?}");
    assert_eq!(rows.len(), 6);
    let pseudonyms: Vec<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    assert!(pseudonyms.iter().all(|p| p.starts_with("P-") && p.len() == 18));
    let lodged_on = column(header, "Lodged on");
    assert_eq!(rows[0][lodged_on].len(), 10, "dates to the day only");
    // Coded values are labelled, with their codes in their own column.
    let (state, state_code) = (column(header, "State"), column(header, "State (code)"));
    let submitted = rows.iter().find(|r| r[state_code] == "submitted").unwrap();
    assert_eq!(submitted[state], madoguchi::domain::labels::label("state", "submitted", "en"));
    let prefecture = column(header, "Prefecture");
    assert_eq!(rows[0][prefecture], "Aichi");
    assert_eq!(rows[0][prefecture + 1], "JP-23");

    // The same cases get the same pseudonyms in every format.
    let jsonl = fetch(&w, &w.handler, "/api/v1/reports/cases?format=jsonl").await.text().await.unwrap();
    #[derive(serde::Deserialize)]
    struct Row {
        pseudonym: String,
        state: String,
    }
    let from_jsonl: Vec<Row> =
        jsonl.lines().map(|l| serde_json::from_str::<Row>(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(from_jsonl.iter().map(|r| r.pseudonym.clone()).collect::<Vec<_>>(), pseudonyms);
    assert!(from_jsonl.iter().all(|r| ["submitted", "acknowledged"].contains(&r.state.as_str())), "codes for programs");
    let xlsx = fetch(&w, &w.admin, "/api/v1/reports/cases?format=xlsx").await.bytes().await.unwrap();
    let book = read_workbook(&xlsx);
    assert_eq!(book["sheets"][0]["title"], "About this file");
    let sheet_rows = cells_of(&book, "Cases");
    assert_eq!(sheet_rows[0][0], "Pseudonym");
    let from_xlsx: Vec<Value> = sheet_rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(from_xlsx, pseudonyms);

    for text in [&csv_text, &jsonl, &String::from_utf8_lossy(&xlsx).into_owned(), &book.to_string()] {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} in an export");
        }
    }
}

#[tokio::test]
async fn case_files_are_typed_localised_and_say_what_they_are() {
    let w = World::new().await;
    lodge_some(&w, 5).await;
    let label = |group: &str, key: &str| madoguchi::domain::labels::label(group, key, "ja").to_owned();

    // Japanese headers and values, the codes beside them; the BOM can be turned off.
    let plain = fetch(&w, &w.analyst, "/api/v1/reports/cases?lang=ja&bom=false").await.bytes().await.unwrap();
    assert!(!plain.starts_with(BOM));
    let table = read_csv(&plain);
    let header = &table[0];
    assert_eq!(header[0], label("report", "pseudonym"));
    let state = column(header, &label("report", "state"));
    assert_eq!(header[state + 1], "状態（コード）");
    let acknowledged = table[1..].iter().find(|r| r[state + 1] == "acknowledged").unwrap();
    assert_eq!(acknowledged[state], label("state", "acknowledged"));
    let prefecture = column(header, &label("report", "prefecture"));
    assert_eq!(table[1][prefecture], "愛知県");
    let categories = column(header, &label("report", "categories"));
    assert_eq!(table[1][categories + 1], "passport_id_retention;unpaid_wages");
    assert_eq!(
        table[1][categories],
        format!("{}; {}", label("category", "passport_id_retention"), label("category", "unpaid_wages"))
    );
    assert_problem(
        w.app.get("/api/v1/reports/cases?lang=not%20a%20tag", Some(&w.analyst)).await,
        422,
        "validation_failed",
    )
    .await;

    // The workbook: dates are dates, the header is frozen and filtered, and an About sheet.
    let xlsx = fetch(&w, &w.analyst, "/api/v1/reports/cases?format=xlsx&lang=ja").await.bytes().await.unwrap();
    let book = read_workbook(&xlsx);
    let cases_title = label("report", "cases_sheet");
    let cases = sheet(&book, &cases_title);
    let sheet_rows = cells_of(&book, &cases_title);
    let lodged_on = sheet_rows[0].iter().position(|h| *h == label("report", "lodged_on")).unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(sheet_rows[1][lodged_on]["date"], format!("{today}T00:00:00"), "a date cell, not text");
    let acknowledged_on = sheet_rows[0].iter().position(|h| *h == label("report", "acknowledged_on")).unwrap();
    assert!(sheet_rows[1..].iter().any(|r| r[acknowledged_on].is_null()), "no date is an empty cell");
    assert_eq!(cases["freeze"], "B2");
    assert_eq!(cases["filter"], format!("A1:{}6", column_letter(sheet_rows[0].len())));
    assert!(!cases["widths"].as_object().unwrap().is_empty(), "widths are set: {}", cases["widths"]);
    let about_title = label("report", "about");
    assert_eq!(book["sheets"][0]["title"], about_title.as_str(), "the About sheet comes first");
    let about = cells_of(&book, &about_title);
    let value_of = |key: &str| about.iter().find(|r| r[0] == label("report", key)).map(|r| r[1].clone()).unwrap();
    assert!(value_of("generated_at")["date"].as_str().unwrap().starts_with(&today));
    assert_eq!(value_of("threshold"), 5);
    assert_eq!(value_of("rounding_base"), 5);
    assert_eq!(value_of("filters"), label("report", "no_filters").as_str());
    assert!(about.iter().any(|r| r[1].as_str().is_some_and(|t| t.contains("仮名ID（P-…）"))), "the pseudonym note");
}

/// The letter of the `n`th column (1-based), for the short sheets of these tests.
fn column_letter(n: usize) -> String {
    let n = n - 1;
    match n / 26 {
        0 => ((b'A' + n as u8) as char).to_string(),
        high => format!("{}{}", (b'A' + high as u8 - 1) as char, (b'A' + (n % 26) as u8) as char),
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
async fn the_summary_downloads_as_a_csv_table_and_a_workbook_for_people() {
    let w = World::new().await;
    lodge_some(&w, 6).await;
    let csv_bytes = fetch(&w, &w.analyst, "/api/v1/reports/summary?format=csv").await.bytes().await.unwrap();
    assert!(csv_bytes.starts_with(BOM));
    let table = read_csv(&csv_bytes);
    assert_eq!(table[0], ["Section", "Section (code)", "Value", "Value (code)", "Figure", "Note"]);
    let row = |section: &str, value: &str| {
        table.iter().find(|r| r[1] == section && r[3] == value).unwrap_or_else(|| panic!("{section}/{value}")).clone()
    };
    assert_eq!(row("outcomes", "total")[4], "5", "6 cases, rounded to 5");
    let acknowledged = row("state", "acknowledged");
    assert_eq!(
        (acknowledged[2].as_str(), acknowledged[4].as_str(), acknowledged[5].as_str()),
        ("Acknowledged", "", "Withheld")
    );
    assert_eq!(row("time_to_milestones", "acknowledgement.cases")[5], "Withheld");
    let ja =
        read_csv(&fetch(&w, &w.analyst, "/api/v1/reports/summary?format=csv&lang=ja").await.bytes().await.unwrap());
    assert_eq!(ja[0][0], "区分");
    assert!(ja.iter().any(|r| r[1] == "state" && r[3] == "submitted" && r[2] == "受付済み"));

    let response = fetch(&w, &w.analyst, "/api/v1/reports/summary?format=xlsx").await;
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("summary.xlsx"));
    let book = read_workbook(&response.bytes().await.unwrap());
    let titles: Vec<&str> = book["sheets"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(titles[..4], ["About this file", "Outcomes", "Time to milestones", "Month"]);
    for expected in
        ["State", "Nationality", "Employer", "Prefecture", "Category", "Tokyo Declaration", "Forced-labour indicators"]
    {
        assert!(titles.contains(&expected), "sheet {expected} in {titles:?}");
    }
    // Numbers are numbers; a withheld figure is an empty cell with a note.
    let outcomes = cells_of(&book, "Outcomes");
    assert_eq!(outcomes[0], [json!("Value"), json!("Value (code)"), json!("Figure")]);
    assert_eq!(outcomes[1], [json!("Total"), json!("total"), json!(5)]);
    let state = sheet(&book, "State");
    let state_rows = cells_of(&book, "State");
    let (index, acknowledged) = state_rows.iter().enumerate().find(|(_, r)| r[1] == "acknowledged").unwrap();
    assert!(acknowledged[2].is_null(), "{acknowledged:?}");
    assert!(state["notes"][format!("C{}", index + 1)].as_str().unwrap().starts_with("Withheld: fewer than 5 cases"));
    assert_eq!(state_rows.last().unwrap()[..2], [json!("Total"), json!("total")]);
    assert_eq!(
        (state["freeze"].as_str(), state["filter"].as_str()),
        (Some("A2"), Some(format!("A1:C{}", state_rows.len()).as_str()))
    );
    assert!(state["widths"]["A"].as_f64().unwrap() > 8.0, "fitted: {}", state["widths"]);
    // Months are dates; the trend, the categories and the times to remedy are drawn.
    let month = cells_of(&book, "Month");
    let this_month = chrono::Utc::now().format("%Y-%m-01T00:00:00").to_string();
    assert_eq!(month[1][0]["date"], this_month.as_str());
    assert_eq!(month[1][2], 5);
    assert_eq!(book["charts"], json!(["column", "line", "bar"]), "in sheet order");
    let about = cells_of(&book, "About this file");
    assert!(about.iter().any(|r| r[0] == "Counts under this are withheld" && r[1] == 5));
    for secret in SECRETS {
        assert!(!book.to_string().contains(secret) && !String::from_utf8_lossy(&csv_bytes).contains(secret));
    }
}

#[tokio::test]
async fn exports_follow_the_same_access_rules() {
    let w = World::new().await;
    let ids = lodge_some(&w, 6).await;
    w.act(&w.handler, &ids[0], json!({"action": "refer"})).await;
    let own = read_csv(&fetch(&w, &w.employer_staff, "/api/v1/reports/cases").await.bytes().await.unwrap());
    assert_eq!(own.len(), 2, "header and the one case referred to the employer");
    let other = read_csv(&fetch(&w, &w.other_employer_staff, "/api/v1/reports/cases").await.bytes().await.unwrap());
    assert_eq!(other.len(), 1, "header only");
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
    let rows = read_csv(&std::fs::read(&out).unwrap());
    assert_eq!(rows.len() - 1, 14, "one row per demo case");
    let summary = data_dir.path().join("summary.xlsx");
    let exported = run(&["export", "summary", "--format", "xlsx", "--output", summary.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let book = read_workbook(&std::fs::read(&summary).unwrap());
    assert_eq!(cells_of(&book, "Outcomes")[1], [json!("Total"), json!("total"), json!(15)], "14, rounded");
}

#[tokio::test]
async fn a_format_a_download_does_not_come_in_is_a_clear_400() {
    let w = World::new().await;
    for path in ["/api/v1/reports/summary?format=jsonl", "/api/v1/reports/cases?format=json"] {
        let problem = assert_problem(w.app.get(path, Some(&w.handler)).await, 400, "invalid_query_parameter").await;
        assert!(problem.detail.contains("come"), "{path}: {}", problem.detail);
    }
}
