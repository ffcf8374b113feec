//! Statistics: correct counts on a known dataset, suppression that cannot be
//! undone, no name of a small group anywhere, no differencing, the same
//! percentiles on both databases, and who may read them.

use diesel::RunQueryDsl;
use diesel::sql_types::{Text, Timestamp};
use serde_json::{Value, json};

use crate::exports::{read_csv, read_workbook};
use crate::helpers::{TestApp, Token, assert_problem};
use crate::views::{Lodged, State};
use crate::world::World;

/// 12 cases: 7 Vietnamese (unpaid wages), 3 Nepali (passport and wages), 2 Burmese (housing).
async fn dataset(w: &World) -> Vec<Lodged> {
    let mut ids = Vec::new();
    let groups: [(&str, Value, &str, usize); 3] = [
        ("VN", json!(["unpaid_wages"]), "technical_intern", 7),
        ("NP", json!(["passport_id_retention", "unpaid_wages"]), "specified_skilled_worker", 3),
        ("MM", json!(["housing"]), "student", 2),
    ];
    for (nationality, categories, status, n) in groups {
        for _ in 0..n {
            let mut body = w.grievance();
            body["nationality"] = json!(nationality);
            body["categories"] = categories.clone();
            body["residence_status"] = json!(status);
            ids.push(w.intake(&body).await);
        }
    }
    ids
}

fn cell(partition: &Value, value: &str) -> Value {
    partition["cells"]
        .as_array()
        .or(partition.as_array())
        .unwrap()
        .iter()
        .find(|c| c["value"] == value)
        .map(|c| c["count"].clone())
        .unwrap_or(Value::Null)
}

const SUPPRESSED: &str = r#"{"suppressed":true}"#;

/// No withheld cell of a partition can be solved for from the others and the total.
fn assert_not_derivable(summary: &Value) {
    for (name, part) in summary.as_object().unwrap() {
        let Some(cells) = part.get("cells").and_then(Value::as_array) else { continue };
        let unknown = cells.iter().filter(|c| !c["count"].is_u64()).count();
        let total_known = part["total"].is_u64();
        assert!(!(total_known && unknown == 1), "{name}: one withheld cell and a visible total: {part}");
        for c in cells.iter().filter(|c| c["count"].is_u64()) {
            let n = c["count"].as_u64().unwrap();
            assert!(n == 0 || n >= summary["suppression_threshold"].as_u64().unwrap(), "{name}: small count shown");
        }
    }
}

async fn summary(w: &World, token: &Token, query: &str) -> Value {
    w.app.read(&format!("/api/v1/reports/summary{query}"), Some(token)).await
}

fn other_row(partition: &Value) -> Value {
    partition["cells"].as_array().unwrap().iter().find(|c| c["other_withheld"] == true).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn counts_are_right_and_small_cells_are_withheld_beyond_recomputation() {
    let w = World::new().await;
    let ids = dataset(&w).await;
    for case in ids.into_iter().take(6) {
        w.walk(case, State::Acknowledged).await;
    }
    let s = summary(&w, &w.analyst, "").await;
    assert_eq!((s["suppression_threshold"].as_u64(), s["rounding_base"].as_u64()), (Some(5), Some(5)));
    // 12 cases are published as 10: counts are rounded to the nearest 5.
    assert_eq!(s["total_cases"], 10);
    assert_eq!(cell(&s["by_nationality"], "VN"), 5, "7, rounded");
    // Nepal (3) and Myanmar (2) are too few to be named: one row holds their 5.
    assert_eq!(cell(&s["by_nationality"], "NP"), Value::Null);
    assert_eq!(cell(&s["by_nationality"], "MM"), Value::Null);
    assert_eq!(other_row(&s["by_nationality"])["count"], 5);
    assert_eq!(cell(&s["by_state"], "submitted"), 5);
    assert_eq!(cell(&s["by_state"], "acknowledged"), 5);
    assert_eq!(cell(&s["by_residence_status"], "technical_intern"), 5);
    assert_eq!(cell(&s["by_residence_status"], "student").to_string(), SUPPRESSED, "a catalogue row keeps its label");
    assert_eq!(cell(&s["by_category"], "unpaid_wages"), 10);
    assert_eq!(cell(&s["by_category"], "passport_id_retention").to_string(), SUPPRESSED);
    // Each case counts once per norm, even when two of its categories map to it.
    assert_eq!(cell(&s["by_tokyo_declaration"], "TD-7"), 10);
    assert_eq!(cell(&s["by_tokyo_declaration"], "TD-1"), 10);
    assert_eq!(cell(&s["by_forced_labour_indicator"], "FL-8"), 10);
    assert_eq!(cell(&s["by_dhaka_principle"], "DP-4").to_string(), SUPPRESSED);
    assert_eq!(cell(&s["by_dhaka_principle"], "DP-10"), 0, "zero is safe to show");
    assert_eq!(s["time_to_acknowledgement"]["cases"], 5);
    assert!(s["time_to_acknowledgement"]["median_days"].is_number());
    assert!(s["time_to_verified_remedy"]["median_days"].is_null());
    assert_eq!(cell(&s["by_employer"], "Sakura Foods"), 10);
    assert_eq!(cell(&s["repeat_respondents"], "Sakura Foods"), 10);
    assert_not_derivable(&s);

    // One small row alone would be recomputable from the total: its smallest neighbour is withheld too.
    let s = summary(&w, &w.handler, "?category=unpaid_wages").await;
    assert_eq!(s["total_cases"], 10);
    assert_eq!(other_row(&s["by_nationality"])["count"].to_string(), SUPPRESSED, "Nepal's 3, unnamed");
    assert_eq!(cell(&s["by_nationality"], "VN").to_string(), SUPPRESSED, "complementary suppression");
    assert!(!s.to_string().contains("\"NP\""), "{}", s["by_nationality"]);
    assert_not_derivable(&s);

    // A filter that leaves a handful withholds everything, the total included.
    let s = summary(&w, &w.admin, "?norm=DP-4").await;
    assert_eq!(s["total_cases"].to_string(), SUPPRESSED);
    assert_eq!(s["filters"], json!([{"name": "norm", "value": "DP-4"}]));
    assert_not_derivable(&s);
    let s = summary(&w, &w.analyst, "?norm=FL-8&nationality=VN").await;
    assert_eq!(s["total_cases"], 5);

    // No identity or narrative anywhere.
    let text = summary(&w, &w.analyst, "").await.to_string();
    for secret in ["Nguyen Van A", "C1234567", "hộ chiếu", "+81 90"] {
        assert!(!text.contains(secret), "{secret}");
    }
}

#[tokio::test]
async fn respondents_see_their_own_cases_and_workers_see_no_statistics() {
    let w = World::new().await;
    let ids = dataset(&w).await;
    for case in ids.into_iter().take(5) {
        w.walk(case, State::Referred).await;
    }
    let s = summary(&w, &w.employer_staff, "").await;
    assert_eq!(s["total_cases"], 5, "only cases referred to the employer");
    let s = summary(&w, &w.other_employer_staff, "").await;
    assert_eq!(s["total_cases"], 0);
    assert_eq!(summary(&w, &w.supervisor_staff, "").await["total_cases"], 5);
    for token in [&w.worker, &w.advocate, &w.mediator] {
        assert_problem(w.app.get("/api/v1/reports/summary", Some(token)).await, 403, "forbidden").await;
    }
    assert_problem(w.app.get("/api/v1/reports/summary", None).await, 401, "missing_token").await;
    assert_problem(w.app.get("/api/v1/reports/summary?norm=XX-1", Some(&w.analyst)).await, 422, "validation_failed")
        .await;
}

#[tokio::test]
async fn the_threshold_and_the_rounding_are_configurable() {
    let w = World::on(
        TestApp::spawn_with(|s| {
            s.reports.suppression_threshold = 2;
            s.reports.rounding_base = 1;
        })
        .await,
    )
    .await;
    dataset(&w).await;
    let s = summary(&w, &w.analyst, "").await;
    assert_eq!(s["suppression_threshold"], 2);
    assert_eq!(s["total_cases"], 12, "exact");
    assert_eq!(cell(&s["by_nationality"], "NP"), 3);
    assert_eq!(cell(&s["by_nationality"], "MM"), 2);
    assert_not_derivable(&s);
}

/// The handlers' forced-labour assessment is hidden from the employer side
/// on the case, so it stays out of that side's statistics and exports too:
/// no column, no count, and no filter that would reveal it.
#[tokio::test]
async fn the_forced_labour_assessment_never_reaches_the_employer_side() {
    let w = World::on(
        TestApp::spawn_with(|s| {
            s.reports.suppression_threshold = 2;
            s.reports.rounding_base = 1;
        })
        .await,
    )
    .await;
    for _ in 0..3 {
        let mut body = w.grievance();
        body["categories"] = json!(["other"]);
        let case = w.intake(&body).await;
        let assessed = json!({"forced_labour_indicators": ["FL-3"]});
        assert_eq!(w.command(&w.handler, &case.id, "classification", assessed).await.status(), 200);
        w.walk(case, State::Referred).await;
    }
    let analyst = summary(&w, &w.analyst, "").await;
    assert_eq!(cell(&analyst["by_forced_labour_indicator"], "FL-3"), 3, "{analyst}");
    assert_eq!(summary(&w, &w.analyst, "?norm=FL-3").await["total_cases"], 3);
    for staff in [&w.employer_staff, &w.supervisor_staff] {
        let own = summary(&w, staff, "").await;
        assert_eq!(own["total_cases"], 3, "{own}");
        assert_eq!(cell(&own["by_forced_labour_indicator"], "FL-3"), 0, "{own}");
        let filtered = summary(&w, staff, "?norm=FL-3").await;
        assert_eq!(filtered["total_cases"].to_string(), SUPPRESSED, "a filter must not reveal it, not even as a zero");
        let jsonl = w.app.get("/api/v1/reports/cases?format=jsonl", Some(staff)).await.text().await.unwrap();
        assert_eq!(jsonl.lines().count(), 3);
        assert!(!jsonl.contains("forced_labour") && !jsonl.contains("FL-3"), "{jsonl}");
        let csv = w.app.get("/api/v1/reports/cases?format=csv", Some(staff)).await.text().await.unwrap();
        assert!(!csv.contains("Forced-labour") && !csv.contains("FL-3"), "{csv}");
    }
    let csv = w.app.get("/api/v1/reports/cases?format=csv", Some(&w.analyst)).await.text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains("Forced-labour indicators") && csv.contains("FL-3"), "{csv}");
}

/// Moves a case's lodging (and acknowledgement) to given UTC times: the
/// past, which the API rightly cannot write.
fn set_times(app: &TestApp, id: &str, created: &str, acknowledged: Option<&str>) {
    let at = |text: &str| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query("UPDATE cases SET created_at = $1, acknowledged_at = $2 WHERE id = $3")
        .bind::<Timestamp, _>(at(created))
        .bind::<diesel::sql_types::Nullable<Timestamp>, _>(acknowledged.map(at))
        .bind::<Text, _>(id)
        .execute(&mut *conn)
        .unwrap();
}

/// Every string anywhere in a JSON document.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// 14 cases. Named (at least 5 cases): Sakura Foods (6, registered, JP-13,
/// food processing), Midori farm (5, typed two ways, JP-01, agriculture),
/// Vietnam (11). Too few to name: Tiny Pearl Farm (1, JP-47, pearl farming,
/// Mongolia), Kobe Steelworks (2, JP-28, steel, Nepal), and Kanto Kumiai,
/// supervisor of the 2 Sakura cases that were referred.
async fn small_and_large_groups(w: &World) {
    for i in 0..6 {
        let mut body = w.grievance();
        body["prefecture"] = json!("JP-13");
        let case = w.intake(&body).await;
        if i < 2 {
            w.walk(case, State::Referred).await;
        }
    }
    let typed = |name: &str, prefecture: &str, industry: &str, nationality: &str| {
        let mut body = w.grievance();
        body.as_object_mut().unwrap().remove("employer_organisation_id");
        body["employer_name"] = json!(name);
        body["prefecture"] = json!(prefecture);
        body["industry"] = json!(industry);
        body["nationality"] = json!(nationality);
        body
    };
    for name in ["株式会社みどり農園（Nông trại Midori）", "みどり農園"] {
        let count = if name == "みどり農園" { 2 } else { 3 };
        for _ in 0..count {
            w.intake(&typed(name, "JP-01", "agriculture", "VN")).await;
        }
    }
    w.intake(&typed("Tiny Pearl Farm", "JP-47", "pearl farming", "MN")).await;
    for _ in 0..2 {
        w.intake(&typed("Kobe Steelworks", "JP-28", "steel", "NP")).await;
    }
}

/// Names and codes of the small groups, in the languages of the outputs checked.
const NEVER: [&str; 13] = [
    "Tiny Pearl",
    "Steelworks",
    "pearl farming",
    "steel",
    "JP-47",
    "JP-28",
    "Okinawa",
    "沖縄",
    "Hyogo",
    "兵庫",
    "Kanto Kumiai",
    "\"MN\"",
    "\"NP\"",
];

/// Reads a workbook back into one JSON text: every cell, note and title.
fn workbook_text(bytes: &[u8]) -> String {
    read_workbook(bytes).to_string()
}

#[tokio::test]
async fn no_output_names_an_employer_organisation_place_or_group_with_fewer_than_k_cases() {
    let w = World::new().await;
    small_and_large_groups(&w).await;

    // The summary: small employers, places, industries and nationalities share one row.
    let s = summary(&w, &w.analyst, "").await;
    assert_eq!(cell(&s["by_employer"], "Sakura Foods"), 5, "6, rounded");
    // Two spellings, one employer of 5 cases: named, but its count is withheld with the
    // other row's 3, which the total would otherwise give away.
    assert_eq!(cell(&s["by_employer"], "株式会社みどり農園（Nông trại Midori）").to_string(), SUPPRESSED);
    assert_eq!(s["by_employer"]["cells"].as_array().unwrap().len(), 3, "Sakura, Midori, other: {}", s["by_employer"]);
    assert_eq!(other_row(&s["by_employer"])["count"].to_string(), SUPPRESSED, "3 cases, withheld");
    assert_eq!(s["by_employer"]["total"], 15, "14, rounded");
    assert_eq!(cell(&s["by_prefecture"], "JP-13"), 5);
    assert_eq!(
        cell(&s["by_prefecture"], "JP-01").to_string(),
        SUPPRESSED,
        "named, its count withheld with the other row"
    );
    assert!(other_row(&s["by_supervising_organisation"]).is_object(), "{}", s["by_supervising_organisation"]);
    assert_eq!(cell(&s["repeat_respondents"], "Sakura Foods"), 5);
    assert_not_derivable(&s);

    let mut outputs: Vec<(String, String)> = Vec::new();
    for query in ["", "?nationality=VN", "?prefecture=JP-13", "?category=unpaid_wages", "?state=submitted"] {
        let json = summary(&w, &w.analyst, query).await;
        outputs.push((format!("summary{query}"), strings(&json).iter().map(|s| format!("\"{s}\"")).collect()));
        outputs.push((format!("summary{query} (raw)"), json.to_string()));
    }
    for lang in ["en", "ja"] {
        let get = |path: String| {
            let w = &w;
            async move {
                let response = w.app.get(&path, Some(&w.analyst)).await;
                assert_eq!(response.status(), 200, "{path}");
                response.bytes().await.unwrap()
            }
        };
        let csv = get(format!("/api/v1/reports/summary?format=csv&lang={lang}")).await;
        outputs.push((format!("summary.csv {lang}"), quoted_cells(&read_csv(&csv))));
        let xlsx = get(format!("/api/v1/reports/summary?format=xlsx&lang={lang}")).await;
        outputs.push((format!("summary.xlsx {lang}"), workbook_text(&xlsx)));
        let cases = get(format!("/api/v1/reports/cases?lang={lang}")).await;
        let table = read_csv(&cases);
        assert_eq!(table.len(), 15, "every case is listed, only the small names are withheld");
        outputs.push((format!("cases.csv {lang}"), quoted_cells(&table)));
        let xlsx = get(format!("/api/v1/reports/cases?format=xlsx&lang={lang}")).await;
        outputs.push((format!("cases.xlsx {lang}"), workbook_text(&xlsx)));
    }
    let jsonl = w.app.get("/api/v1/reports/cases?format=jsonl", Some(&w.analyst)).await.text().await.unwrap();
    assert!(jsonl.contains("(other, withheld)"), "{jsonl}");
    outputs.push(("cases.jsonl".to_owned(), jsonl));
    // A filter down to a small group shows nothing, and nothing tells it from an empty one.
    let narrow = summary(&w, &w.analyst, "?industry=steel").await;
    let empty = summary(&w, &w.analyst, "?industry=glassworks").await;
    assert_eq!(narrow["total_cases"].to_string(), SUPPRESSED);
    let without_time = |mut s: Value| {
        s.as_object_mut().unwrap().remove("generated_at");
        s["filters"] = json!([]);
        s
    };
    assert_eq!(without_time(narrow), without_time(empty), "a small group reads exactly as no group");
    let rows =
        read_csv(&w.app.get("/api/v1/reports/cases?industry=steel", Some(&w.analyst)).await.bytes().await.unwrap());
    assert_eq!(rows.len(), 1, "the header only: {rows:?}");

    for (output, text) in &outputs {
        for name in NEVER {
            assert!(!text.contains(name), "{output} names {name}");
        }
    }
    // And the test can see names at all: the large groups are there.
    for (output, text) in &outputs {
        if output.starts_with("summary?") || output.contains("(raw)") {
            continue;
        }
        assert!(text.contains("Sakura Foods") && text.contains("みどり農園"), "{output}");
        assert!(text.contains("Tokyo") || text.contains("東京都") || text.contains("JP-13"), "{output}");
    }
}

/// CSV cells, each in quotes, so that a check for `"NP"` finds a cell, not a substring.
fn quoted_cells(table: &[Vec<String>]) -> String {
    table.iter().flatten().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",")
}

/// Every published number of a summary, by its path: the figures an attacker subtracts.
fn numbers(value: &Value, path: String, out: &mut Vec<(String, u64)>) {
    match value {
        Value::Number(n) if n.is_u64() => out.push((path, n.as_u64().unwrap())),
        Value::Array(items) => {
            for item in items {
                let key = item.get("value").map(|v| v.to_string()).unwrap_or_default();
                let other = if item.get("other_withheld").is_some() { "other" } else { "" };
                numbers(item, format!("{path}[{key}{other}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if key != "suppression_threshold" && key != "rounding_base" {
                    numbers(item, format!("{path}.{key}"), out);
                }
            }
        }
        _ => {}
    }
}

/// 11 cases lodged in February 2025 and one, the target, in January: the
/// attacker asks for January–February and for February alone, and
/// subtracts, hoping to learn the target's employer, place and nationality.
async fn a_month_apart(w: &World) {
    for i in 0..12 {
        let mut body = w.grievance();
        body["prefecture"] = json!("JP-13");
        body["categories"] = json!(["unpaid_wages"]);
        let case = w.intake(&body).await;
        let when = if i == 0 { "2025-01-20 10:00:00.0" } else { "2025-02-10 10:00:00.0" };
        set_times(&w.app, &case.id, when, None);
    }
}

async fn subtract(w: &World) -> Vec<(String, i64)> {
    let both = summary(w, &w.analyst, "?created_from=2025-01-01T00:00:00Z&created_before=2025-03-01T00:00:00Z").await;
    let february =
        summary(w, &w.analyst, "?created_from=2025-02-01T00:00:00Z&created_before=2025-03-01T00:00:00Z").await;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    numbers(&both, String::new(), &mut a);
    numbers(&february, String::new(), &mut b);
    a.into_iter()
        .filter_map(|(path, x)| {
            let y = b.iter().find(|(p, _)| *p == path).map_or(0, |(_, y)| *y);
            (!path.contains("by_month") && !path.contains("generated")).then(|| (path, x as i64 - y as i64))
        })
        .collect()
}

#[tokio::test]
async fn subtracting_two_reports_does_not_reveal_the_cases_between_them() {
    // The attack works where counts are exact: every cell the target is in goes up by one.
    let exact = World::on(TestApp::spawn_with(|s| s.reports.rounding_base = 1).await).await;
    a_month_apart(&exact).await;
    let differences = subtract(&exact).await;
    let revealed: Vec<&String> = differences.iter().filter(|(_, d)| *d == 1).map(|(p, _)| p).collect();
    assert!(revealed.iter().any(|p| p.contains("by_employer") && p.contains("Sakura")), "{differences:?}");
    assert!(revealed.iter().any(|p| p.contains("by_prefecture") && p.contains("JP-13")), "{differences:?}");

    // With counts rounded to 5 (the default), the same subtraction gives only multiples of 5,
    // never the target's 1; here (12 against 11, both published as 10) it gives nothing at all.
    let w = World::new().await;
    a_month_apart(&w).await;
    let differences = subtract(&w).await;
    assert!(differences.len() > 20, "the figures compared: {differences:?}");
    for (path, difference) in &differences {
        assert_eq!(difference % 5, 0, "{path}");
        assert_eq!(*difference, 0, "{path}: the subtraction shows the case between the two reports");
    }

    // A period that is not whole calendar months is refused, so no window can be cut around one case.
    for (query, field) in [
        ("created_from=2025-01-20T00:00:00Z", "created_from"),
        ("created_before=2025-02-01T00:00:01Z", "created_before"),
        ("created_from=2025-01-01T00:00:00%2B09:00", "created_from"),
    ] {
        for path in ["summary", "cases"] {
            let response = w.app.get(&format!("/api/v1/reports/{path}?{query}"), Some(&w.analyst)).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(problem.raw["errors"][0]["field"], field, "{}", problem.raw);
        }
    }
}

#[tokio::test]
async fn medians_and_90th_percentiles_are_computed_alike_on_both_databases() {
    // 30 cases acknowledged after 1, 2, … 30 days (and a fraction of a second, which is
    // ignored alike on both backends). By the nearest rank, the median is the 15th (15
    // days) and the 90th percentile the 27th: 27 days. (A floating-point rank, 0.9 × 30 =
    // 27.000000000000004 rounded up, would give 28: PostgreSQL's percentile_disc does so.)
    let w = World::new().await;
    for day in 1..=30u32 {
        let case = w.intake(&w.grievance()).await;
        let acknowledged = format!("2025-04-{day:02} 09:00:00.9");
        let created = "2025-03-31 09:00:00.7";
        set_times(&w.app, &case.id, created, Some(&acknowledged));
    }
    let s = summary(&w, &w.analyst, "").await;
    let timing = &s["time_to_acknowledgement"];
    assert_eq!(timing["cases"], 30);
    assert_eq!(timing["median_days"], 15.0, "{timing}");
    assert_eq!(timing["p90_days"], 27.0, "{timing}");
    // Fewer cases than the threshold: no median at all.
    let few = summary(&w, &w.analyst, "?state=acknowledged").await;
    assert!(few["time_to_acknowledgement"]["median_days"].is_null());
}
