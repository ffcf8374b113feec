//! Notifications through the outbox: who hears what, retries, dead
//! messages, leases, and delivery through a real SMTP server.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use madoguchi::clock::ManualClock;
use madoguchi::config::{MailTransport, SmtpTls};
use madoguchi::notify::Mailer;
use madoguchi::worker::OutboxWorker;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, Token, assert_problem};
use crate::views::{Page, State};
use crate::world::World;

async fn email_of(app: &TestApp, token: &Token) -> String {
    app.me(token).await.email.unwrap_or_else(|| panic!("{token:?} has no email"))
}

/// A message in the outbox, as the admin API lists it.
#[derive(Debug, serde::Deserialize)]
struct Outgoing {
    id: String,
    message_id: String,
    recipient: String,
    attempts: i64,
    last_error: Option<String>,
}

fn grievance_with_contact(w: &World) -> Value {
    let mut body = w.grievance();
    body["identity"]["email"] = json!("lan.worker@example.org");
    body
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn a_message_dies_after_its_attempts_and_an_admin_requeues_it() {
    let port = closed_port();
    let app = TestApp::spawn_with(|s| {
        s.mail.transport = MailTransport::Smtp;
        s.mail.smtp.host = "127.0.0.1".into();
        s.mail.smtp.port = port;
        s.mail.smtp.tls = SmtpTls::None;
        s.mail.smtp.timeout_seconds = 2;
        s.outbox.max_attempts = 2;
        s.outbox.backoff_base_seconds = 0;
    })
    .await;
    let w = World::on(app).await;
    w.intake(&w.grievance()).await;
    assert_eq!(w.app.deliver_outbox().await, 0, "nobody listens on the SMTP port");

    let dead: Page<Outgoing> = w.app.read("/api/v1/admin/outbox?status=dead", Some(&w.admin)).await;
    let items = &dead.items;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].attempts, 2);
    assert!(items[0].last_error.as_deref().is_some_and(|e| e.contains("SMTP")), "{items:?}");
    let id = &items[0].id;
    let message_id = &items[0].message_id;

    let requeue = format!("/api/v1/admin/outbox/{id}/requeue");
    assert_problem(w.app.post(&requeue, &json!({}), Some(&w.handler)).await, 403, "forbidden").await;
    assert_eq!(w.app.post(&requeue, &json!({}), Some(&w.admin)).await.status(), 204);
    assert_problem(w.app.post(&requeue, &json!({}), Some(&w.admin)).await, 404, "not_found").await;

    // The mail server is back (here: a working transport on the same database).
    let mut settings = w.app.settings.clone();
    let pool = w.app.pool.clone();
    settings.mail.transport = MailTransport::Memory;
    let mailer = Mailer::from_settings(&settings.mail, &settings.storage.data_dir).unwrap();
    let worker = OutboxWorker::new(pool, mailer.clone(), &settings, Arc::new(madoguchi::clock::SystemClock)).unwrap();
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(&mailer.sent()[0].message_id, message_id, "the same Message-ID as before");
    let dead: Page<Outgoing> = w.app.read("/api/v1/admin/outbox?status=dead", Some(&w.admin)).await;
    assert!(dead.items.is_empty());

    let metrics = w.app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("outbox_messages{status=\"sent\"} 1"), "{metrics}");
    assert!(metrics.contains("outbox_failed_total"), "{metrics}");
}

/// The operator sees where mail to staff goes, but not a worker's contact:
/// only its domain, which is what delivery problems are diagnosed by.
#[tokio::test]
async fn the_admin_outbox_withholds_workers_addresses() {
    let w = World::new().await;
    let handler = email_of(&w.app, &w.handler).await;
    let employer = email_of(&w.app, &w.employer_staff).await;
    w.case_from_in(&grievance_with_contact(&w), State::Referred).await;
    // The happenings become messages when the worker fans them out.
    w.app.worker.fan_out().await.unwrap();
    let response = w.app.get("/api/v1/admin/outbox?status=pending", Some(&w.admin)).await;
    let raw = response.text().await.unwrap();
    assert!(!raw.contains("lan.worker"), "{raw}");
    let pending: Page<Outgoing> = serde_json::from_str(&raw).unwrap();
    let recipients: Vec<&str> = pending.items.iter().map(|m| m.recipient.as_str()).collect();
    assert!(recipients.contains(&handler.as_str()) && recipients.contains(&employer.as_str()), "{recipients:?}");
    let to_worker = recipients.iter().filter(|r| **r == "…@example.org").count();
    assert_eq!(to_worker, 3, "the receipt, acknowledged and referred to the worker: {recipients:?}");
}

#[tokio::test]
async fn a_dead_workers_lease_runs_out_and_another_worker_sends_its_messages() {
    let (app, clock) = TestApp::spawn_with_manual_clock().await;
    let w = World::on(app).await;
    w.intake(&w.grievance()).await;

    // A worker claims the message and dies before sending it.
    w.app.worker.fan_out().await.unwrap();
    let settings = &w.app.settings;
    let mut conn = w.app.pool.get().unwrap();
    let now = madoguchi::db::timestamp(clock.now_utc());
    let lease = madoguchi::db::timestamp(clock.now_utc() + chrono::Duration::seconds(settings.outbox.lease_seconds));
    let claimed = madoguchi::db::outbox::claim(&mut conn, "doomed-worker", now, lease, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    // On SQLite this is the one writer connection: give it back meanwhile.
    drop(conn);

    assert_eq!(w.app.deliver_outbox().await, 0, "leased to someone else");
    clock.advance(chrono::Duration::seconds(settings.outbox.lease_seconds + 1));
    assert_eq!(w.app.deliver_outbox().await, 1, "the lease ran out");
    // The dead worker cannot mark it sent any more.
    let mut conn = w.app.pool.get().unwrap();
    assert!(!madoguchi::db::outbox::mark_sent(&mut conn, claimed[0].id, "doomed-worker", now).unwrap());
    assert_eq!(w.app.mailer.sent().len(), 1);
}

#[tokio::test]
async fn two_workers_racing_send_each_message_once() {
    let w = World::new().await;
    for _ in 0..6 {
        w.intake(&w.grievance()).await;
    }
    let mut settings = w.app.settings.clone();
    settings.outbox.batch_size = 2;
    let pool = w.app.pool.clone();
    let other =
        OutboxWorker::new(pool, w.app.mailer.clone(), &settings, Arc::new(madoguchi::clock::SystemClock)).unwrap();
    let (a, b) = tokio::join!(w.app.deliver_outbox(), async {
        let mut sent = 0;
        loop {
            let report = other.run_once().await.unwrap();
            sent += report.sent;
            if report.claimed == 0 {
                return sent;
            }
        }
    });
    assert_eq!(a + b, 6);
    let mut ids: Vec<String> = w.app.mailer.sent().into_iter().map(|m| m.message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "no message twice");
}

/// Python's aiosmtpd, a real SMTP server, storing what it receives in a Maildir.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> Self {
        crate::helpers::require_python_module("aiosmtpd");
        let maildir = tempfile::tempdir().unwrap();
        let port = closed_port();
        let child = Self::spawn(port, maildir.path());
        Self { child, port, maildir }
    }

    fn spawn(port: u16, maildir: &Path) -> Child {
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        child
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn restart(&mut self) {
        self.child = Self::spawn(self.port, self.maildir.path());
    }

    /// Every message received so far, as raw text.
    fn received(&self) -> Vec<String> {
        let folder = self.maildir.path().join("box").join("new");
        let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
        entries.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .take_while(|line| !line.is_empty())
        .find(|line| line.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())))
        .map(|line| line[name.len() + 1..].trim())
}

#[tokio::test]
async fn mail_goes_through_a_real_smtp_server_and_survives_its_outage() {
    let mut smtp = SmtpServer::start();
    let port = smtp.port;
    let clock = ManualClock::new(chrono::Utc::now());
    let app = TestApp::spawn_on(
        TestDatabase::create(),
        |s| {
            s.mail.transport = MailTransport::Smtp;
            s.mail.smtp.host = "127.0.0.1".into();
            s.mail.smtp.port = port;
            s.mail.smtp.tls = SmtpTls::None;
            s.mail.smtp.timeout_seconds = 5;
            s.outbox.backoff_base_seconds = 30;
        },
        Arc::new(clock.clone()),
    )
    .await;
    let w = World::on(app).await;
    let employer = email_of(&w.app, &w.employer_staff).await;
    let case = w.case_from_in(&grievance_with_contact(&w), State::Referred).await;
    let (id, reference) = (&case.id, &case.reference);
    assert_eq!(w.app.deliver_outbox().await, 6, "handler, worker thrice, employer, supervisor");

    let received = smtp.received();
    assert_eq!(received.len(), 6);
    let referral = received.iter().find(|m| header(m, "To") == Some(employer.as_str())).expect("the employer's mail");
    assert!(header(referral, "Subject").is_some());
    assert!(header(referral, "Message-ID").unwrap().ends_with("@madoguchi.localhost>"), "the domain of mail.from");
    assert_eq!(header(referral, "Content-Language"), Some("en"));
    assert_eq!(header(referral, "Auto-Submitted"), Some("auto-generated"));
    assert!(referral.contains(reference.as_str()));
    let to_worker: Vec<&String> =
        received.iter().filter(|m| header(m, "To") == Some("lan.worker@example.org")).collect();
    assert_eq!(to_worker.len(), 3);
    assert!(to_worker.iter().all(|m| header(m, "Content-Language") == Some("vi")));
    // One thread per case and recipient: later mail answers the first.
    let (roots, answers): (Vec<&&String>, Vec<&&String>) =
        to_worker.iter().partition(|m| header(m, "In-Reply-To").is_none());
    assert_eq!(roots.len(), 1, "{to_worker:?}");
    let first = header(roots[0], "Message-ID").unwrap();
    for later in answers {
        assert_eq!(header(later, "In-Reply-To"), Some(first));
        assert_eq!(header(later, "References"), Some(first));
    }
    // aiosmtpd records each message's client address and port: one connection carried them all.
    let mut connections: Vec<&str> = received.iter().map(|m| header(m, "X-Peer").unwrap()).collect();
    connections.dedup();
    assert_eq!(connections.len(), 1, "the SMTP connection is reused: {connections:?}");

    // The server restarts between two messages: the connection it dropped
    // is replaced at once, and the next message does not wait for a retry.
    smtp.stop();
    smtp.restart();
    let response = w
        .app
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            &json!({"body": "Minutes of the meeting attached", "visibility": "parties"}),
            Some(&w.supervisor_staff),
        )
        .await;
    assert_eq!(response.status(), 201);
    let fresh = w.app.deliver_outbox().await;
    let pending: Page<Outgoing> = w.app.read("/api/v1/admin/outbox?status=pending", Some(&w.admin)).await;
    assert!(fresh >= 1 && pending.items.is_empty(), "all sent at once, none waits for a retry: {pending:?}");
    assert_eq!(smtp.received().len(), 6 + fresh);

    // The mail server goes down; the case keeps moving and nothing is lost.
    smtp.stop();
    w.act(&w.employer_staff, id, json!({"action": "respond", "reason": "We are looking into it"})).await;
    let response = w
        .app
        .post(
            &format!("/api/v1/cases/{id}/messages"),
            &json!({"body": "Meeting on Monday", "visibility": "parties"}),
            Some(&w.supervisor_staff),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(w.app.deliver_outbox().await, 0);
    let pending: Page<Outgoing> = w.app.read("/api/v1/admin/outbox?status=pending", Some(&w.admin)).await;
    let waiting = pending.items.len();
    assert!(waiting >= 3, "{pending:?}");
    assert!(pending.items.iter().all(|m| m.attempts == 1), "{pending:?}");

    smtp.restart();
    clock.advance(chrono::Duration::seconds(31));
    assert_eq!(w.app.deliver_outbox().await, waiting);
    let received = smtp.received();
    assert_eq!(received.len(), 6 + fresh + waiting, "every message arrived");
    let mut ids: Vec<&str> = received.iter().map(|m| header(m, "Message-ID").unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "none twice");
}

#[tokio::test]
async fn the_zero_config_file_transport_leaves_readable_eml_files() {
    let app = TestApp::spawn_with(|s| s.mail.transport = MailTransport::File).await;
    let w = World::on(app).await;
    let reference = w.intake(&grievance_with_contact(&w)).await.reference;
    assert_eq!(w.app.deliver_outbox().await, 2, "the handler, and the worker's receipt");
    let folder = w.app.settings.storage.data_dir.join("mail");
    let files: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.extension().unwrap() == "eml"));
    let handler = email_of(&w.app, &w.handler).await;
    let raw = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .find(|raw| header(raw, "To") == Some(handler.as_str()))
        .expect("the handler's mail");
    assert!(header(&raw, "Message-ID").unwrap().ends_with("@madoguchi.localhost>"));
    assert_eq!(header(&raw, "Content-Language"), Some("en"));
    assert!(raw.contains("multipart/alternative"));
    assert!(header(&raw, "Subject").unwrap().contains(&reference), "an English subject is plain ASCII");
}
