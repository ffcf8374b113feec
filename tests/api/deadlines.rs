//! The deadline runner with an injected clock: one reminder and one expiry
//! per stage, even with two workers racing.

use std::sync::Arc;

use chrono::Duration;
use madoguchi::clock::ManualClock;
use madoguchi::service::deadlines::DeadlineReport;
use madoguchi::worker::OutboxWorker;
use serde_json::json;

use crate::helpers::TestApp;
use crate::views::State;
use crate::world::World;

/// The API runs on the real clock (tokens stay valid); this worker's clock
/// is moved by the test, as if days had passed.
struct Runner {
    worker: OutboxWorker,
    clock: ManualClock,
}

impl Runner {
    fn new(app: &TestApp) -> Self {
        let clock = ManualClock::new(chrono::Utc::now());
        let worker =
            OutboxWorker::new(app.pool.clone(), app.mailer.clone(), &app.settings, Arc::new(clock.clone())).unwrap();
        Self { worker, clock }
    }

    async fn run(&self) -> DeadlineReport {
        self.worker.run_deadlines().await.map_err(|e| format!("{e:#}")).unwrap()
    }

    /// Delivers what is due by this runner's clock.
    async fn deliver(&self) -> usize {
        let mut sent = 0;
        loop {
            let report = self.worker.run_once().await.unwrap();
            sent += report.sent;
            if report.claimed == 0 {
                return sent;
            }
        }
    }
}

async fn world_with_runner() -> (World, Runner) {
    let w = World::new().await;
    let runner = Runner::new(&w.app);
    (w, runner)
}

#[tokio::test]
async fn a_referral_unanswered_is_reminded_once_then_escalated_once_by_the_system() {
    let (w, runner) = world_with_runner().await;
    let clock = &runner.clock;
    let mut body = w.grievance();
    body["categories"] = json!(["unpaid_wages"]);
    body["identity"]["email"] = json!("worker@example.org");
    let id = w.case_from_in(&body, State::Referred).await.id;
    w.app.deliver_outbox().await;
    let before = w.app.mailer.sent().len();

    // Day 27: nothing is due yet.
    clock.advance(Duration::days(27));
    assert_eq!(runner.run().await.reminders, 0);

    // Day 28.5: the employer side is reminded, once, however many workers run.
    clock.advance(Duration::hours(36));
    let other = Runner { worker: runner.worker.clone(), clock: clock.clone() };
    let (a, b) = tokio::join!(runner.run(), other.run());
    assert_eq!(a.reminders + b.reminders, 1);
    assert_eq!(runner.run().await.reminders, 0);
    let case = w.case(&w.handler, &id).await;
    assert_eq!(case.events("deadline_reminder"), 1);
    runner.deliver().await;
    let reminded: Vec<String> = w.app.mailer.sent()[before..]
        .iter()
        .filter(|m| m.subject.contains(&case.reference))
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(reminded.len(), 2, "employer and supervising organisation: {reminded:?}");

    // Day 30 and a minute: the system escalates, once.
    clock.advance(Duration::hours(36) + Duration::minutes(1));
    let (a, b) = tokio::join!(runner.run(), other.run());
    assert_eq!(a.system_actions + b.system_actions, 1);
    assert_eq!(runner.run().await, Default::default());
    let case = w.case(&w.handler, &id).await;
    assert_eq!(case.state, State::Escalated);
    let escalation = case.timeline.iter().find(|e| e.to_state == Some(State::Escalated)).unwrap();
    assert_eq!(escalation.actor_role, "system");
    assert!(escalation.reason.as_deref().is_some_and(|r| r.contains("time frame")), "{escalation:?}");
    // The worker hears of the escalation.
    runner.deliver().await;
    let to_worker = w.app.mail_to("worker@example.org");
    assert_eq!(to_worker.len(), 4, "the receipt, acknowledged, referred, escalated");
}

#[tokio::test]
async fn an_unacknowledged_urgent_case_is_flagged_to_the_handlers_after_a_day() {
    let (w, runner) = world_with_runner().await;
    let clock = &runner.clock;
    let id = w.intake(&w.grievance()).await.id;
    w.app.deliver_outbox().await;
    clock.advance(Duration::hours(25));
    let report = runner.run().await;
    assert_eq!(report.expiry_notices, 1);
    assert_eq!(runner.run().await.expiry_notices, 0);
    let case = w.case(&w.handler, &id).await;
    assert_eq!(case.state, State::Submitted, "no system action: the handlers are told");
    assert_eq!(case.events("deadline_passed"), 1);
    assert_eq!(runner.deliver().await, 1, "one notice to the one handler");

    // Acknowledging starts a new stage with its own clock and notices.
    w.act(&w.handler, &id, json!({"action": "acknowledge"})).await;
    clock.advance(Duration::days(5) + Duration::hours(1));
    assert_eq!(runner.run().await.reminders, 1);
}

/// A case whose worker accepted the employer's restitution, due on `due`.
async fn case_with_agreed_remedy(w: &World, due: chrono::NaiveDate) -> crate::world::CaseAt {
    let case = w.case_in(State::Responded).await;
    let remedy = json!({"type": "restitution", "description": "Return the passport", "responsible_organisation_id": w.employer_id, "due_date": due});
    w.act(&w.employer_staff, &case.id, json!({"action": "propose_remedy", "remedies": [remedy]})).await;
    w.act(&case.worker, &case.id, json!({"action": "accept_remedy"})).await;
    case
}

#[tokio::test]
async fn the_responsible_organisation_is_reminded_before_a_remedy_is_due() {
    let (w, runner) = world_with_runner().await;
    let clock = &runner.clock;
    let due = (clock.now_utc() + Duration::days(10)).date_naive();
    let case = case_with_agreed_remedy(&w, due).await;
    let id = &case.id;
    w.app.deliver_outbox().await;
    let before = w.app.mailer.sent().len();

    clock.advance(Duration::days(7));
    assert_eq!(runner.run().await.remedy_reminders, 0);
    clock.advance(Duration::days(2));
    let report = runner.run().await;
    assert_eq!(report.remedy_reminders, 1);
    assert_eq!(runner.run().await.remedy_reminders, 0);
    runner.deliver().await;
    let sent = &w.app.mailer.sent()[before..];
    let employer_staff = w.app.me(&w.employer_staff).await.email.unwrap();
    assert!(sent.iter().any(|m| m.to == employer_staff && m.text.contains(&due.to_string())), "{sent:?}");
    assert_eq!(w.case(&w.handler, id).await.events("remedy_reminder"), 1);
}

/// A withdrawn case owes nobody anything: its agreed remedy is not reminded.
#[tokio::test]
async fn a_withdrawn_cases_remedy_is_not_reminded() {
    let (w, runner) = world_with_runner().await;
    let clock = &runner.clock;
    let due = (clock.now_utc() + Duration::days(3)).date_naive();
    let case = case_with_agreed_remedy(&w, due).await;
    let (id, worker) = (&case.id, &case.worker);
    w.act(worker, id, json!({"action": "withdraw", "reason": "I found another job"})).await;
    clock.advance(Duration::days(2));
    assert_eq!(runner.run().await.remedy_reminders, 0);
}

/// A backlog several times the runner's page (500): one pass reminds every
/// case exactly once, even with two workers racing, and the next pass finds
/// nothing left to do.
#[tokio::test]
async fn a_backlog_of_thousands_of_due_cases_is_each_reminded_exactly_once() {
    const CASES: usize = 2_000;
    let (w, runner) = world_with_runner().await;
    let mut body = w.grievance();
    body["categories"] = json!(["unpaid_wages"]);
    for _ in 0..CASES {
        w.intake(&body).await;
    }

    // Day 6 of a 7-day stage: every case is within the reminder window.
    runner.clock.advance(Duration::days(6));
    let other = Runner { worker: runner.worker.clone(), clock: runner.clock.clone() };
    let (a, b) = tokio::join!(runner.run(), other.run());
    assert_eq!(a.reminders + b.reminders, CASES);
    assert_eq!(a.expiry_notices + b.expiry_notices + a.system_actions + b.system_actions, 0);
    assert_eq!(runner.run().await, DeadlineReport::default());
}

/// Every worker hears back within three months: the handlers are reminded
/// before the bound passes; when it passes, a case in mediation is escalated
/// by the system and every other case without an outcome is marked and told.
#[tokio::test]
async fn the_three_month_outer_bound_reminds_then_escalates_or_marks_once() {
    // Three cases: statistics shown here with no threshold.
    let w = World::on(TestApp::spawn_with(|s| s.reports.suppression_threshold = 1).await).await;
    let runner = Runner::new(&w.app);
    let clock = &runner.clock;
    let responded = w.case_in(State::Responded).await;
    let mediating = w.case_in(State::InMediation).await;
    let agreed = w.case_in(State::RemedyAgreed).await;
    runner.deliver().await;
    let before = w.app.mailer.sent().len();

    clock.advance(Duration::days(87));
    assert_eq!(runner.run().await.outer_bound_reminders, 0);
    clock.advance(Duration::days(1) + Duration::hours(12));
    let other = Runner { worker: runner.worker.clone(), clock: clock.clone() };
    let (a, b) = tokio::join!(runner.run(), other.run());
    assert_eq!(a.outer_bound_reminders + b.outer_bound_reminders, 2, "the two cases with no outcome");
    assert_eq!(runner.run().await.outer_bound_reminders, 0);

    clock.advance(Duration::days(1) + Duration::hours(13));
    let (a, b) = tokio::join!(runner.run(), other.run());
    assert_eq!(a.outer_bound_passed + b.outer_bound_passed, 2);
    assert_eq!(runner.run().await.outer_bound_passed, 0);

    let seen = w.case(&w.handler, &responded.id).await;
    assert_eq!(seen.state, State::Responded, "the system cannot escalate from here; it marks the case");
    assert!(seen.raw["outer_bound_passed_at"].is_string());
    assert_eq!((seen.events("outer_bound_reminder"), seen.events("outer_bound_passed")), (1, 1));
    let seen = w.case(&w.handler, &mediating.id).await;
    assert_eq!(seen.state, State::Escalated);
    let escalation = seen.timeline.iter().find(|e| e.to_state == Some(State::Escalated)).unwrap();
    assert_eq!(escalation.actor_role, "system");
    assert!(escalation.reason.as_deref().is_some_and(|r| r.contains("Three months")), "{escalation:?}");
    let seen = w.case(&w.handler, &agreed.id).await;
    assert!(seen.raw["outer_bound_passed_at"].is_null(), "an agreed remedy is an outcome");
    assert_eq!(seen.events("outer_bound_reminder"), 0);

    runner.deliver().await;
    let handler = w.app.me(&w.handler).await.email.unwrap();
    let told: Vec<String> = w.app.mailer.sent()[before..]
        .iter()
        .filter(|m| m.to == handler && m.subject.contains("three months have passed"))
        .map(|m| m.subject.clone())
        .collect();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told.iter().any(|s| s.contains(&responded.reference)) && told.iter().any(|s| s.contains(&mediating.reference))
    );
    // Statistics say how often the bound was missed: two cases of three.
    let summary: serde_json::Value = w.app.read("/api/v1/reports/summary", Some(&w.analyst)).await;
    assert_eq!(summary["share_past_outer_bound"], 0.67, "{summary}");
}

/// After closure the worker is asked, at 30, 60 and 90 days, whether all is
/// well; each check-in is sent once, and one missed by over a week is skipped.
#[tokio::test]
async fn the_reprisal_watch_checks_in_with_the_worker_on_its_days_once_each() {
    let (w, runner) = world_with_runner().await;
    let clock = &runner.clock;
    let mut body = w.grievance();
    body["identity"]["email"] = json!("watched@example.org");
    let closed = w.case_from_in(&body, State::Closed).await;
    let seen = w.case(&w.handler, &closed.id).await;
    assert!(seen.raw["reprisal_watch_until"].is_string());
    assert!(!seen.allowed_actions.contains(&"report_reprisal".to_owned()), "handlers do not report for the worker");
    assert!(w.case(&closed.worker, &closed.id).await.allowed_actions.contains(&"report_reprisal".to_owned()));
    w.app.deliver_outbox().await;
    let before = w.app.mail_to("watched@example.org").len();

    clock.advance(Duration::days(29));
    assert_eq!(runner.run().await.reprisal_check_ins, 0);
    clock.advance(Duration::days(1) + Duration::hours(1));
    for day in [30, 60, 90] {
        if day > 30 {
            clock.advance(Duration::days(30));
        }
        let other = Runner { worker: runner.worker.clone(), clock: clock.clone() };
        let (a, b) = tokio::join!(runner.run(), other.run());
        assert_eq!(a.reprisal_check_ins + b.reprisal_check_ins, 1, "day {day}");
        assert_eq!(runner.run().await.reprisal_check_ins, 0, "day {day}");
    }
    clock.advance(Duration::days(30));
    assert_eq!(runner.run().await.reprisal_check_ins, 0, "the watch is over");
    runner.deliver().await;
    let check_ins = &w.app.mail_to("watched@example.org")[before..];
    assert_eq!(check_ins.len(), 3);
    assert!(check_ins.iter().all(|m| m.language == "vi" && m.text.contains(&closed.reference)));
    assert_eq!(w.case(&w.handler, &closed.id).await.events("reprisal_check_in"), 3);
}
