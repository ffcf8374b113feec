//! Round trips per operation: every statement an operation sends to the
//! database is counted (transaction control and the pool's checkout ping
//! left out), so that the figure cannot creep back. The budgets are issue
//! 16's: a lodge in at most 6 statements, a transition in at most 7.

use serde_json::json;

use crate::views::Lodged;
use crate::world::World;

/// Statements the application sends while `f` runs.
async fn counted<R>(w: &World, f: impl std::future::Future<Output = R>) -> (u64, R) {
    let before = w.app.pool.statements();
    let result = f.await;
    (w.app.pool.statements() - before, result)
}

fn named_employer_grievance() -> serde_json::Value {
    json!({
        "categories": ["unpaid_wages"],
        "narrative": "Công ty không trả lương tháng 10.",
        "narrative_language": "vi",
        "employer_name": "Tanaka Foods",
        "identity": {"full_name": "Nguyen Van A", "email": "a.nguyen@example.org"}
    })
}

#[tokio::test]
async fn a_lodge_takes_at_most_six_statements_and_a_transition_seven() {
    let w = World::new().await;
    // The first lodge of a process on SQLite reads the year's highest
    // reference once; the figure held to the budget is the steady one.
    w.intake(&named_employer_grievance()).await;

    let (lodge, lodged) = counted(&w, w.intake(&named_employer_grievance())).await;
    eprintln!("lodge (anonymous, named employer, one category): {lodge} statements");
    assert!(lodge <= 6, "a lodge took {lodge} statements");

    let mut two = named_employer_grievance();
    two["categories"] = json!(["unpaid_wages", "passport_id_retention", "harassment_violence"]);
    let (three_categories, _) = counted(&w, w.intake(&two)).await;
    assert_eq!(three_categories, lodge, "categories are written in one statement, however many");

    let keyed = async {
        let response = w
            .app
            .client
            .post(w.app.url("/api/v1/cases"))
            .bearer_auth(w.worker.bearer())
            .header("Idempotency-Key", "statements-1")
            .json(&named_employer_grievance())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    };
    // The worker's session is confirmed first, so the request pays no session check.
    w.app.me(&w.worker).await;
    let (with_key, ()) = counted(&w, keyed).await;
    eprintln!("lodge by a worker with an Idempotency-Key: {with_key} statements");
    assert!(with_key <= lodge + 2, "the key costs its lookup and its row: {with_key}");

    let Lodged { id: case_id, .. } = lodged;
    let version = w.version(&case_id).await;
    let (path, body) =
        (format!("/api/v1/cases/{case_id}/actions"), json!({"action": "acknowledge", "version": version}));
    let act = w.app.post(&path, &body, Some(&w.handler));
    let (transition, response) = counted(&w, act).await;
    assert_eq!(response.status(), 200);
    eprintln!("transition (acknowledge, by the handler, with the case view): {transition} statements");
    assert!(transition <= 7, "a transition took {transition} statements");
}

/// Many lodgings at once: on SQLite they queue for the one writer (none is
/// refused as busy), and every one gets its own reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lodgings_queue_for_the_writer_and_each_gets_its_own_reference() {
    let w = World::new().await;
    let body = named_employer_grievance();
    let lodgings = (0..24).map(|_| w.app.post("/api/v1/intake", &body, None));
    let responses = futures_util::future::join_all(lodgings).await;
    let mut references = std::collections::BTreeSet::new();
    for response in responses {
        assert_eq!(response.status(), 201);
        let lodged: Lodged = crate::views::body(response).await;
        references.insert(lodged.reference);
    }
    assert_eq!(references.len(), 24, "distinct references: {references:?}");
}
