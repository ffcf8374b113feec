//! Statistics: correct counts on a known dataset, suppression that cannot be
//! undone, no identities, and who may read them.

use serde_json::{Value, json};

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

#[tokio::test]
async fn counts_are_right_and_small_cells_are_withheld_beyond_recomputation() {
    let w = World::new().await;
    let ids = dataset(&w).await;
    for case in ids.into_iter().take(6) {
        w.walk(case, State::Acknowledged).await;
    }
    let s = summary(&w, &w.analyst, "").await;
    assert_eq!(s["suppression_threshold"], 5);
    assert_eq!(s["total_cases"], 12);
    assert_eq!(cell(&s["by_nationality"], "VN"), 7);
    assert_eq!(cell(&s["by_nationality"], "NP").to_string(), SUPPRESSED);
    assert_eq!(cell(&s["by_nationality"], "MM").to_string(), SUPPRESSED);
    assert_eq!(cell(&s["by_state"], "submitted"), 6);
    assert_eq!(cell(&s["by_state"], "acknowledged"), 6);
    assert_eq!(cell(&s["by_residence_status"], "technical_intern"), 7);
    assert_eq!(cell(&s["by_category"], "unpaid_wages"), 10);
    assert_eq!(cell(&s["by_category"], "passport_id_retention").to_string(), SUPPRESSED);
    // Each case counts once per norm, even when two of its categories map to it.
    assert_eq!(cell(&s["by_tokyo_declaration"], "TD-7"), 10);
    assert_eq!(cell(&s["by_tokyo_declaration"], "TD-1"), 10);
    assert_eq!(cell(&s["by_forced_labour_indicator"], "FL-8"), 10);
    assert_eq!(cell(&s["by_dhaka_principle"], "DP-4").to_string(), SUPPRESSED);
    assert_eq!(cell(&s["by_dhaka_principle"], "DP-10"), 0, "zero is safe to show");
    assert_eq!(s["time_to_acknowledgement"]["cases"], 6);
    assert!(s["time_to_acknowledgement"]["median_days"].is_number());
    assert!(s["time_to_verified_remedy"]["median_days"].is_null());
    assert_eq!(cell(&s["by_employer"], "Sakura Foods"), 12);
    assert_eq!(cell(&s["repeat_respondents"], "Sakura Foods"), 12);
    assert_not_derivable(&s);

    // One small cell alone would be recomputable: its smallest neighbour is withheld too.
    let s = summary(&w, &w.handler, "?category=unpaid_wages").await;
    assert_eq!(s["total_cases"], 10);
    assert_eq!(cell(&s["by_nationality"], "NP").to_string(), SUPPRESSED);
    assert_eq!(cell(&s["by_nationality"], "VN").to_string(), SUPPRESSED, "complementary suppression");
    assert_not_derivable(&s);

    // A filter that leaves a handful withholds everything, the total included.
    let s = summary(&w, &w.admin, "?norm=DP-4").await;
    assert_eq!(s["total_cases"].to_string(), SUPPRESSED);
    assert_not_derivable(&s);
    let s = summary(&w, &w.analyst, "?norm=FL-8&nationality=VN").await;
    assert_eq!(s["total_cases"], 7);

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
async fn the_threshold_is_configurable() {
    let w = World::on(TestApp::spawn_with(|s| s.reports.suppression_threshold = 2).await).await;
    dataset(&w).await;
    let s = summary(&w, &w.analyst, "").await;
    assert_eq!(s["suppression_threshold"], 2);
    assert_eq!(cell(&s["by_nationality"], "NP"), 3);
    assert_eq!(cell(&s["by_nationality"], "MM"), 2);
    assert_not_derivable(&s);
}

/// The handlers' forced-labour assessment is hidden from the employer side
/// on the case, so it stays out of that side's statistics and exports too:
/// no column, no count, and no filter that would reveal it.
#[tokio::test]
async fn the_forced_labour_assessment_never_reaches_the_employer_side() {
    let w = World::on(TestApp::spawn_with(|s| s.reports.suppression_threshold = 2).await).await;
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
        assert_eq!(summary(&w, staff, "?norm=FL-3").await["total_cases"], 0, "a filter must not reveal it");
        let jsonl = w.app.get("/api/v1/reports/cases?format=jsonl", Some(staff)).await.text().await.unwrap();
        assert_eq!(jsonl.lines().count(), 3);
        assert!(!jsonl.contains("forced_labour") && !jsonl.contains("FL-3"), "{jsonl}");
        let csv = w.app.get("/api/v1/reports/cases?format=csv", Some(staff)).await.text().await.unwrap();
        assert!(!csv.contains("forced_labour") && !csv.contains("FL-3"), "{csv}");
    }
    let csv = w.app.get("/api/v1/reports/cases?format=csv", Some(&w.analyst)).await.text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains("forced_labour_indicators") && csv.contains("FL-3"), "{csv}");
}
