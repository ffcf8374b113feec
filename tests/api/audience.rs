//! Who hears what, checked against the published table: every branch of the
//! lifecycle is walked, and after each step the mail that went out is
//! compared, recipient by recipient, with what `/lifecycle/notifications`
//! says (its roles, less those not on the case yet, less the actor). On the
//! main path, webhooks of the employer, the mediator and the handlers are
//! checked the same way against what their standing lets them see.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::helpers::{TestApp, Token};
use crate::views::{Lodged, Page, State, View};
use crate::webhooks::{Inbox, start_receiver};
use crate::world::World;

const WORKER_EMAIL: &str = "lan.worker@example.org";

#[derive(Debug, Deserialize)]
struct Table {
    happenings: Vec<Row>,
}

impl View for Table {}

#[derive(Debug, Deserialize)]
struct Row {
    name: String,
    rule: String,
    told: Vec<String>,
    actor_told: bool,
}

#[derive(Debug, Deserialize)]
struct Sent {
    id: String,
    channel: String,
    notification: String,
    recipient: String,
    language: String,
}

impl View for Sent {}

/// Who is on the case, as the table's role names.
#[derive(Debug, Clone, Copy, Default)]
struct OnCase {
    advocate: bool,
    respondents: bool,
    mediator: bool,
}

impl OnCase {
    fn has(&self, role: &str) -> bool {
        match role {
            "worker" | "handler" => true,
            "advocate" => self.advocate,
            "employer" | "supervisor" => self.respondents,
            "mediator" => self.mediator,
            other => panic!("unknown role {other}"),
        }
    }
}

/// The mail sent so far, read through the admin outbox, and the table; and,
/// when following a case, what each registered webhook received.
struct Ledger<'w> {
    w: &'w World,
    table: HashMap<String, Row>,
    roles_by_address: HashMap<String, &'static str>,
    seen: HashSet<String>,
    followed: Option<String>,
    events_seen: usize,
    hooks: Vec<(&'static str, Inbox, usize)>,
}

impl<'w> Ledger<'w> {
    async fn new(w: &'w World) -> Self {
        let table: Table = w.app.read("/api/v1/lifecycle/notifications", None).await;
        let table = table.happenings.into_iter().map(|row| (row.name.clone(), row)).collect();
        let mut roles_by_address = HashMap::new();
        for (token, role) in [
            (&w.handler, "handler"),
            (&w.employer_staff, "employer"),
            (&w.supervisor_staff, "supervisor"),
            (&w.mediator, "mediator"),
            (&w.advocate, "advocate"),
        ] {
            roles_by_address.insert(w.app.me(token).await.email.unwrap(), role);
        }
        // The admin outbox shows a worker's address only by its domain.
        roles_by_address.insert("…@example.org".to_owned(), "worker");
        Self { w, table, roles_by_address, seen: HashSet::new(), followed: None, events_seen: 0, hooks: Vec::new() }
    }

    /// Registers a webhook for each of these staff, and checks from now on
    /// that each hears exactly the events of case `id` its standing lets it see.
    async fn follow(&mut self, id: &str, staff: [(&Token, &'static str); 3]) {
        for (token, role) in staff {
            let (url, inbox) = start_receiver();
            let response = self.w.app.post("/api/v1/webhooks", &json!({"url": url}), Some(token)).await;
            assert_eq!(response.status(), 201);
            self.hooks.push((role, inbox, 0));
        }
        self.followed = Some(id.to_owned());
        self.events_seen = self.w.case(&self.w.handler, id).await.timeline.len();
    }

    /// The followed case's events since the last look, as (kind, visibility).
    async fn new_events(&mut self) -> Vec<(String, String)> {
        let Some(id) = self.followed.clone() else { return Vec::new() };
        let seen = self.w.case(&self.w.handler, &id).await;
        let events = seen.raw["timeline"].as_array().unwrap()[self.events_seen..]
            .iter()
            .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["visibility"].as_str().unwrap().to_owned()))
            .collect();
        self.events_seen = seen.timeline.len();
        events
    }

    /// Each webhook heard exactly the new events its standing may see:
    /// never an internal one; respondents only what everyone on the case sees.
    fn check_hooks(&mut self, events: &[(String, String)], on_case: OnCase) {
        for (role, inbox, heard) in &mut self.hooks {
            let received = inbox.received.lock().unwrap().clone();
            let mut got: Vec<String> = received[*heard..]
                .iter()
                .map(|(_, body)| serde_json::from_str::<Value>(body).unwrap()["kind"].as_str().unwrap().to_owned())
                .collect();
            *heard = received.len();
            let mut expected: Vec<String> = events
                .iter()
                .filter(|_| on_case.has(role))
                .filter(|(_, visibility)| match visibility.as_str() {
                    "parties" => true,
                    "worker_side" => !matches!(*role, "employer" | "supervisor"),
                    _ => false,
                })
                .map(|(kind, _)| kind.clone())
                .collect();
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "the {role}'s webhook after {events:?}");
        }
    }

    /// Delivers what is due and returns (happening, role) for each new mail.
    async fn told(&mut self) -> BTreeSet<(String, String)> {
        self.w.app.deliver_outbox().await;
        let mut new = BTreeSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/api/v1/admin/outbox?status=sent&limit=100".to_owned();
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let page: Page<Sent> = self.w.app.read(&path, Some(&self.w.admin)).await;
            for sent in page.items.into_iter().filter(|s| s.channel == "email") {
                if self.seen.insert(sent.id.clone()) {
                    let role = self
                        .roles_by_address
                        .get(&sent.recipient)
                        .unwrap_or_else(|| panic!("{} was told of {}", sent.recipient, sent.notification));
                    let expected_language = if *role == "worker" { "vi" } else { "en" };
                    assert_eq!(sent.language, expected_language, "{sent:?}");
                    new.insert((sent.notification, (*role).to_owned()));
                }
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        new
    }

    /// After a step, exactly those the table names were told of `happening`.
    async fn expect(&mut self, happening: &str, on_case: OnCase, actor: &str) {
        let row = self.table.get(happening).unwrap_or_else(|| panic!("{happening} is not in the table"));
        assert_eq!(row.rule, "roles", "{happening}");
        let expected: BTreeSet<(String, String)> = row
            .told
            .iter()
            .filter(|role| on_case.has(role))
            .filter(|role| row.actor_told || role.as_str() != actor)
            .map(|role| (happening.to_owned(), role.clone()))
            .collect();
        assert!(!expected.is_empty(), "{happening}: a step nobody hears of is not a test of it");
        let told = self.told().await;
        assert_eq!(told, expected, "{happening} by {actor}");
        let events = self.new_events().await;
        self.check_hooks(&events, on_case);
    }
}

fn grievance(w: &World) -> Value {
    let mut body = w.grievance();
    body["identity"]["email"] = json!(WORKER_EMAIL);
    body
}

async fn act(w: &World, token: &Token, id: &str, body: Value) {
    w.act(token, id, body).await;
}

async fn message(w: &World, token: &Token, id: &str, visibility: &str) {
    let body = json!({"body": format!("A note for {visibility}"), "visibility": visibility});
    let response = w.app.post(&format!("/api/v1/cases/{id}/messages"), &body, Some(token)).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

fn remedy(w: &World) -> Value {
    json!({"action": "propose_remedy", "remedies": [
        {"type": "restitution", "description": "Return the passport", "responsible_organisation_id": w.employer_id}
    ]})
}

#[tokio::test]
async fn the_main_path_and_its_loops_tell_exactly_whom_the_table_names() {
    let w = World::on(TestApp::spawn_with(|s| s.webhooks.allow_http = true).await).await;
    let mut ledger = Ledger::new(&w).await;
    let alone = OnCase::default();
    let referred = OnCase { respondents: true, ..alone };
    let mediated = OnCase { mediator: true, ..referred };

    let Lodged { id, reference, receipt_code } = w.intake(&grievance(&w)).await;
    ledger.follow(&id, [(&w.employer_staff, "employer"), (&w.mediator, "mediator"), (&w.handler, "handler")]).await;
    ledger.expect("lodged", alone, "worker").await;
    let worker = w.receipt_session(&reference, &receipt_code).await;
    act(&w, &w.handler, &id, json!({"action": "acknowledge"})).await;
    ledger.expect("acknowledged", alone, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "refer"})).await;
    ledger.expect("referred", referred, "handler").await;
    act(&w, &w.employer_staff, &id, json!({"action": "respond"})).await;
    ledger.expect("responded", referred, "employer").await;
    let response = w.command(&w.handler, &id, "mediator", json!({"mediator_user_id": w.mediator_id})).await;
    assert_eq!(response.status(), 200);
    ledger.expect("mediator_assigned", mediated, "handler").await;
    act(&w, &w.mediator, &id, json!({"action": "start_mediation"})).await;
    ledger.expect("mediation_started", mediated, "mediator").await;

    message(&w, &w.supervisor_staff, &id, "parties").await;
    ledger.expect("message_parties", mediated, "supervisor").await;
    message(&w, &w.handler, &id, "worker_side").await;
    ledger.expect("message_worker_side", mediated, "handler").await;
    message(&w, &w.mediator, &id, "internal").await;
    ledger.expect("message_internal", mediated, "mediator").await;

    act(&w, &w.mediator, &id, remedy(&w)).await;
    ledger.expect("remedy_proposed", mediated, "mediator").await;
    act(&w, &worker, &id, json!({"action": "reject_remedy"})).await;
    ledger.expect("remedy_rejected", mediated, "worker").await;
    act(&w, &w.mediator, &id, remedy(&w)).await;
    ledger.expect("remedy_proposed", mediated, "mediator").await;
    act(&w, &worker, &id, json!({"action": "accept_remedy"})).await;
    ledger.expect("remedy_accepted", mediated, "worker").await;
    let owed = w.case(&w.handler, &id).await.remedies.iter().find(|r| r.status == "agreed").unwrap().id.clone();
    let deliver = json!({"action": "mark_remedy_delivered", "remedy_id": owed, "reason": "Handed over"});
    act(&w, &w.employer_staff, &id, deliver.clone()).await;
    ledger.expect("remedy_delivered", mediated, "employer").await;
    act(&w, &worker, &id, json!({"action": "dispute_remedy", "reason": "Still not returned"})).await;
    ledger.expect("remedy_disputed", mediated, "worker").await;
    act(&w, &w.employer_staff, &id, deliver).await;
    ledger.expect("remedy_delivered", mediated, "employer").await;
    act(&w, &worker, &id, json!({"action": "confirm_remedy", "rating": 4})).await;
    ledger.expect("remedy_verified", mediated, "worker").await;
    act(&w, &w.handler, &id, json!({"action": "close"})).await;
    ledger.expect("closed", mediated, "handler").await;

    // Closing started the reprisal watch: retaliation reopens the case as urgent.
    let reason = "My supervisor said I would be sent home for complaining";
    act(&w, &worker, &id, json!({"action": "report_reprisal", "reason": reason})).await;
    ledger.expect("reprisal_reported", mediated, "worker").await;
    let seen = w.case(&w.handler, &id).await;
    assert_eq!((seen.state, seen.priority.as_str()), (State::Acknowledged, "urgent"));
    assert!(seen.categories.contains(&"reprisal".to_owned()), "{:?}", seen.categories);
    assert!(seen.raw["finished_at"].is_null() && seen.raw["reprisal_watch_until"].is_null());
    // The respondents learn nothing of the report from the case.
    let employer_view = w.app.get(&format!("/api/v1/cases/{id}"), Some(&w.employer_staff)).await.text().await.unwrap();
    assert!(!employer_view.contains("\"reprisal\"") && !employer_view.contains(reason), "{employer_view}");
    let listed = w.app.get("/api/v1/cases?category=reprisal", Some(&w.employer_staff)).await.text().await.unwrap();
    assert!(!listed.contains(&reference), "{listed}");
    let problem = w.try_act(&worker, &id, json!({"action": "report_reprisal", "reason": "again"})).await;
    assert_eq!(problem.status(), 409);

    act(&w, &worker, &id, json!({"action": "withdraw"})).await;
    ledger.expect("withdrawn", mediated, "worker").await;
    act(&w, &w.handler, &id, json!({"action": "reopen", "reason": "The worker asked us to continue"})).await;
    ledger.expect("reopened", mediated, "handler").await;

    // The webhooks heard something, and the respondents less than the staff.
    let heard: HashMap<&str, usize> = ledger.hooks.iter().map(|(role, _, n)| (*role, *n)).collect();
    assert!(heard["employer"] > 5 && heard["employer"] < heard["handler"], "{heard:?}");
    assert!(heard["mediator"] > 5, "{heard:?}");

    // Mail to the worker says only that there is news, in their language.
    let to_worker = w.app.mail_to(WORKER_EMAIL);
    assert!(to_worker.len() > 10);
    for mail in &to_worker {
        assert_eq!(mail.language, "vi");
        assert!(!mail.subject.contains(&reference), "{}", mail.subject);
        for secret in ["Nguyen Van A", "C1234567", "hộ chiếu", "Return the passport", reason, "Sakura"] {
            assert!(!mail.text.contains(secret) && !mail.html.contains(secret), "{secret} in {}", mail.subject);
        }
    }
    let all = w.app.mailer.sent();
    let ids: HashSet<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "every message has its own Message-ID");
    // The HTML part says its language, and mail to one person about one case is one thread.
    assert!(to_worker.iter().all(|m| m.html.contains("<html lang=\"vi\">")));
    let (roots, answers): (Vec<_>, Vec<_>) = to_worker.iter().partition(|m| m.thread.is_none());
    assert_eq!(roots.len(), 1, "{to_worker:?}");
    assert!(answers.iter().all(|m| m.thread.as_ref() == Some(&roots[0].message_id)), "{to_worker:?}");
}

#[tokio::test]
async fn the_side_branches_tell_exactly_whom_the_table_names_and_end_what_is_owed() {
    let w = World::new().await;
    let mut ledger = Ledger::new(&w).await;
    let alone = OnCase::default();
    let referred = OnCase { respondents: true, ..alone };

    // Not admissible.
    let lodged = w.intake(&grievance(&w)).await;
    ledger.expect("lodged", alone, "worker").await;
    act(&w, &w.handler, &lodged.id, json!({"action": "reject_not_admissible", "reason": "Not in Japan"})).await;
    ledger.expect("not_admissible", alone, "handler").await;

    // Escalated, referred back, escalated again and handed to an outside body.
    let lodged = w.intake(&grievance(&w)).await;
    let id = lodged.id.clone();
    ledger.expect("lodged", alone, "worker").await;
    act(&w, &w.handler, &id, json!({"action": "acknowledge"})).await;
    ledger.expect("acknowledged", alone, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "refer"})).await;
    ledger.expect("referred", referred, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "escalate", "reason": "No answer by phone"})).await;
    ledger.expect("escalated", referred, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "refer_back"})).await;
    ledger.expect("referred", referred, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "escalate", "reason": "Still nothing"})).await;
    ledger.expect("escalated", referred, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "refer_external", "external_body": "otit", "reason": "OTIT"})).await;
    ledger.expect("referred_external", referred, "handler").await;
    act(&w, &w.handler, &id, json!({"action": "close", "reason": "OTIT took it over"})).await;
    ledger.expect("closed", referred, "handler").await;

    // An advocate lodges; the worker's side withdraws with a remedy still owed.
    let mut body = grievance(&w);
    body["worker_consent"] = json!({"method": "signed consent form", "obtained_on": "2026-11-20"});
    let response = w.app.post("/api/v1/cases", &body, Some(&w.advocate)).await;
    assert_eq!(response.status(), 201);
    let advocated: Lodged = crate::views::body(response).await;
    let with_advocate = OnCase { advocate: true, ..alone };
    ledger.expect("lodged", with_advocate, "advocate").await;
    let case = w.walk(advocated, State::RemedyAgreed).await;
    ledger.told().await;
    act(&w, &w.advocate, &case.id, json!({"action": "withdraw"})).await;
    let everyone = OnCase { advocate: true, respondents: true, mediator: true };
    ledger.expect("withdrawn", everyone, "advocate").await;
    let seen = w.case(&w.handler, &case.id).await;
    assert_eq!(seen.remedies.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["cancelled"]);
    assert!(seen.raw["allowed_actions"].as_array().unwrap().iter().all(|a| a != "report_reprisal"));
}

#[tokio::test]
async fn the_table_is_published_and_every_link_in_mail_opens_a_page() {
    let w = World::new().await;
    let table: Value = w.app.read("/api/v1/lifecycle/notifications?lang=ja", None).await;
    let lodged = table["happenings"].as_array().unwrap().iter().find(|h| h["name"] == "lodged").unwrap();
    assert_eq!(lodged["told"], json!(["worker", "advocate", "handler"]));
    assert_eq!(lodged["label"], "新しい苦情が申し立てられました");
    assert!(table["content"].as_array().unwrap().contains(&json!({"role": "worker", "content": "news_only"})));

    let case = w.case_from_in(&grievance(&w), State::Responded).await;
    w.app.deliver_outbox().await;
    let sent = w.app.mailer.sent();
    assert!(sent.len() >= 5);
    let mut followed = 0;
    for mail in &sent {
        let links: Vec<&str> = mail.text.split_whitespace().filter(|word| word.starts_with("http")).collect();
        assert_eq!(links.len(), 1, "{}", mail.text);
        // The service's public address is configured; the test server listens on a port of its own.
        let base = w.app.settings.mail.base_url.trim_end_matches('/');
        assert!(links[0].starts_with(base), "{}", links[0]);
        let response = reqwest::get(links[0].replacen(base, &w.app.address, 1)).await.unwrap();
        assert_eq!(response.status(), 200, "{}", links[0]);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let page = response.text().await.unwrap();
        if mail.to == WORKER_EMAIL {
            assert!(page.contains(&case.reference) && page.contains("<html lang=\"vi\">"), "{page}");
        }
        followed += 1;
    }
    assert_eq!(followed, sent.len());
    // A page reveals nothing a made-up link would not: it never reads the database.
    let made_up = w.app.get("/case/MG-2026-999999", None).await;
    assert_eq!(made_up.status(), 200);
    assert_eq!(w.app.get("/case/not-a-reference", None).await.status(), 404);
}

/// Statistics count reprisal reports per employer and supervising
/// organisation: the summary filtered by the `reprisal` category.
#[tokio::test]
async fn reprisal_reports_are_counted_per_employer_and_supervising_organisation() {
    let app = TestApp::spawn_with(|s| {
        s.reports.suppression_threshold = 1;
        s.reports.rounding_base = 1;
    })
    .await;
    let w = World::on(app).await;
    let case = w.case_in(State::Closed).await;
    act(&w, &case.worker, &case.id, json!({"action": "report_reprisal", "reason": "I was threatened"})).await;
    w.case_in(State::Closed).await;
    let summary: Value = w.app.read("/api/v1/reports/summary?category=reprisal", Some(&w.analyst)).await;
    assert_eq!(summary["total_cases"], 1, "{summary}");
    let named = |dimension: &str| -> Vec<(String, Value)> {
        summary[dimension]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["value"].as_str().unwrap_or_default().to_owned(), c["count"].clone()))
            .collect()
    };
    assert_eq!(named("by_employer"), [("Sakura Foods".to_owned(), json!(1))], "{summary}");
    assert_eq!(named("by_supervising_organisation"), [("Kanto Kumiai".to_owned(), json!(1))], "{summary}");
    let all: Value = w.app.read("/api/v1/reports/summary", Some(&w.analyst)).await;
    let reprisal = all["by_category"].as_array().unwrap().iter().find(|c| c["value"] == "reprisal").unwrap();
    assert_eq!(reprisal["count"], 1, "{all}");
}
