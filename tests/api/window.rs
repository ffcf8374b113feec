//! The worker's window: the HTML pages, through HTTP and in a real browser.
//!
//! The browser steps are in `.ci/browser/window.mjs` (playwright-core
//! driving Debian's chromium, axe-core for accessibility); this test runs
//! them in turn against a real server and acts as the handler, the
//! employer and the mediator through the API in between.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::views::{CaseSeen, State};
use crate::world::World;

const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const WORKER_EMAIL: &str = "hoa.worker@example.org";

/// A browser without a cookie jar: the cookies a page set, sent back by hand.
#[derive(Default)]
struct Cookies(Vec<(String, String)>);

impl Cookies {
    fn take(&mut self, response: &reqwest::Response) -> Vec<String> {
        let set: Vec<String> =
            response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for line in &set {
            let (pair, _) = line.split_once(';').unwrap_or((line, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.0.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.0.push((name.to_owned(), value.to_owned()));
            }
        }
        set
    }

    fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }
}

/// The value of the hidden field `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} in {page}")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

fn between<'a>(page: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\" class=\"code\">");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no #{id} in {page}")) + marker.len();
    page[start..].split('<').next().unwrap()
}

async fn get(app: &TestApp, path: &str, cookies: &mut Cookies) -> (reqwest::Response, Vec<String>) {
    let response = app.client.get(app.url(path)).header("cookie", cookies.header()).send().await.unwrap();
    let set = cookies.take(&response);
    (response, set)
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)], cookies: &mut Cookies) -> reqwest::Response {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let response = app
        .client
        .post(app.url(path))
        .header("cookie", cookies.header())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    cookies.take(&response);
    response
}

#[tokio::test]
async fn lodging_and_following_through_the_pages_alone() {
    let w = World::new().await;
    let app = &w.app;
    let mut cookies = Cookies::default();
    let (form, set) = get(app, "/lodge?lang=vi", &mut cookies).await;
    assert_eq!(form.status(), 200);
    assert_eq!(form.headers()["content-security-policy"], CSP);
    assert_eq!(form.headers()["content-language"], "vi");
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(set[0].starts_with("mg_form=") && set[0].contains("HttpOnly") && set[0].contains("SameSite=Strict"));
    assert!(!set[0].contains("Secure"), "not in the test profile: {}", set[0]);
    let page = form.text().await.unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"), "{page}");
    assert!(page.contains("Bị giữ hộ chiếu hoặc thẻ cư trú"), "category labels in Vietnamese");
    assert!(!page.contains("<script"), "no script at all");
    let (csrf, form_key) = (hidden(&page, "csrf"), hidden(&page, "form_key"));
    let filled = [
        ("lang", "vi"),
        ("categories", "unpaid_wages"),
        ("categories", "passport_id_retention"),
        ("narrative", "Công ty không trả lương tháng 10."),
        ("employer_name", "Sakura Foods"),
        ("form_key", form_key.as_str()),
    ];
    let with_token = |token: &'static str| [filled.as_slice(), &[("csrf", token)]].concat();
    let proper = [filled.as_slice(), &[("csrf", csrf.as_str())]].concat();

    // Without the form's token, or from a browser without the cookie: refused, as a page.
    let refused = post_form(app, "/lodge", &with_token("0000"), &mut cookies).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(refused.text().await.unwrap().contains("<html lang=\"vi\">"));
    let stranger = post_form(app, "/lodge", &proper, &mut Cookies::default()).await;
    assert_eq!(stranger.status(), 403);

    // Nothing chosen: a page in plain words, not a 500 and not JSON.
    let empty = [("lang", "vi"), ("csrf", &csrf), ("form_key", &form_key), ("narrative", " "), ("employer_name", "x")];
    let invalid = post_form(app, "/lodge", &empty, &mut cookies).await;
    assert_eq!(invalid.status(), 422);
    assert!(invalid.text().await.unwrap().contains("Biểu mẫu còn thiếu"));

    let lodged = post_form(app, "/lodge", &proper, &mut cookies).await;
    assert_eq!(lodged.status(), 201);
    let receipt = lodged.text().await.unwrap();
    let (reference, code) = (between(&receipt, "reference").to_owned(), between(&receipt, "receipt-code").to_owned());
    assert!(reference.starts_with("MG-"), "{reference}");
    // A double tap, or a reload that posts again: the same case, the same code.
    let again = post_form(app, "/lodge", &proper, &mut cookies).await;
    assert_eq!(again.status(), 200);
    let again = again.text().await.unwrap();
    assert_eq!((between(&again, "reference"), between(&again, "receipt-code")), (reference.as_str(), code.as_str()));
    let listed: Value = app.read("/api/v1/cases", Some(&w.handler)).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "one case for two posts");

    // The receipt opened the session: the case shows at once, in plain words.
    let (case, _) = get(app, "/follow?lang=vi", &mut cookies).await;
    let case = case.text().await.unwrap();
    assert!(case.contains("id=\"stage-label\">Đã nhận<"), "{case}");
    assert!(case.contains("nhân viên tiếp nhận"), "the handler acts next: {case}");

    // Another browser logs in with the code; a wrong code is a page, and rate limited as the API is.
    let mut other = Cookies::default();
    let (login, _) = get(app, &format!("/case/{reference}?lang=vi"), &mut other).await;
    let login = login.text().await.unwrap();
    assert!(login.contains(&format!("value=\"{reference}\"")), "the reference from the link is filled in");
    let csrf = hidden(&login, "csrf");
    let wrong = post_form(
        app,
        "/follow/login",
        &[("csrf", &csrf), ("lang", "vi"), ("reference", &reference), ("receipt_code", "AAAAA-AAAAA-AAAAA-AAAAA")],
        &mut other,
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.unwrap().contains("Mã hồ sơ hoặc mã xác nhận chưa đúng"));
    let right = post_form(
        app,
        "/follow/login",
        &[("csrf", &csrf), ("lang", "vi"), ("reference", &reference.to_lowercase()), ("receipt_code", &code)],
        &mut other,
    )
    .await;
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/follow?lang=vi");
    assert!(other.0.iter().any(|(name, _)| name == "mg_session"));
    assert!(!other.header().contains(&code), "no receipt code in a cookie");

    // A message from the worker's page reaches the handler through the same service.
    let message = post_form(
        app,
        "/follow/message",
        &[("csrf", &csrf), ("lang", "vi"), ("body", "Tôi có phiếu lương."), ("visibility", "worker_side")],
        &mut other,
    )
    .await;
    assert_eq!(message.status(), 303);
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let messages: Value = app.read(&format!("/api/v1/cases/{id}/messages"), Some(&w.handler)).await;
    assert_eq!(messages["items"][0]["body"], "Tôi có phiếu lương.");
    assert_eq!(messages["items"][0]["author_role"], "worker");

    // Consent given and withdrawn from the page.
    let version = w.version(&id).await.to_string();
    let given = post_form(
        app,
        "/follow/consent",
        &[("csrf", &csrf), ("lang", "vi"), ("version", &version), ("disclose", "yes")],
        &mut other,
    )
    .await;
    assert_eq!(given.status(), 303);
    assert_eq!(w.case(&w.handler, &id).await.raw["identity_disclosure_consent"], true);
    let stale = post_form(
        app,
        "/follow/consent",
        &[("csrf", &csrf), ("lang", "vi"), ("version", &version), ("disclose", "no")],
        &mut other,
    )
    .await;
    assert_eq!(stale.status(), 409, "an old version is a page saying the case changed");

    // Withdrawing the case from the page: a lifecycle action by its generated form.
    let (case, _) = get(app, "/follow?lang=vi", &mut other).await;
    let case = case.text().await.unwrap();
    assert!(case.contains("id=\"action-withdraw\""), "{case}");
    let version = w.version(&id).await.to_string();
    let withdrawn = post_form(
        app,
        "/follow/act",
        &[("csrf", &csrf), ("lang", "vi"), ("version", &version), ("action", "withdraw"), ("reason", "")],
        &mut other,
    )
    .await;
    assert_eq!(withdrawn.status(), 303);
    assert_eq!(w.case(&w.handler, &id).await.state, State::Withdrawn);

    // Logging out ends the page session.
    let out = post_form(app, "/follow/logout", &[("csrf", &csrf), ("lang", "vi")], &mut other).await;
    assert_eq!(out.status(), 303);
    let (login_again, _) = get(app, "/follow?lang=vi", &mut other).await;
    assert!(login_again.text().await.unwrap().contains("id=\"receipt_code\""));
}

#[tokio::test]
async fn the_window_can_be_moved_or_turned_off() {
    let moved = TestApp::spawn_with(|s| s.window.prefix = "/window".into()).await;
    assert_eq!(moved.get("/window/lodge?lang=ja", None).await.status(), 200);
    let page = moved.get("/window/?lang=ja", None).await.text().await.unwrap();
    assert!(page.contains("<html lang=\"ja\">") && page.contains("window.css"), "{page}");
    assert_eq!(moved.get("/window/window.css", None).await.status(), 200);
    assert_eq!(moved.get("/lodge", None).await.status(), 404);
    let off = TestApp::spawn_with(|s| s.window.enabled = false).await;
    assert_eq!(off.get("/lodge", None).await.status(), 404);
    assert_eq!(off.get("/api/v1/lifecycle", None).await.status(), 200);
}

/// Where the browser tests find what they need, or why they cannot run.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    if !root.join(".ci/browser/node_modules/playwright-core").is_dir()
        || !root.join(".ci/browser/node_modules/axe-core").is_dir()
    {
        return Err("playwright-core or axe-core is not installed: (cd .ci/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)".into());
    }
    let chromium = std::process::Command::new("sh")
        .args(["-c", "command -v chromium"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .ok_or("chromium is not installed (apt-get install chromium)")?;
    Ok((root, chromium))
}

struct Browser {
    root: PathBuf,
    chromium: PathBuf,
    out: PathBuf,
    docs: Option<PathBuf>,
    home: tempfile::TempDir,
    base: String,
}

impl Browser {
    /// Runs one step of window.mjs; answers its result.
    async fn step(&self, step: &str, input: Value) -> Value {
        let mut command = std::process::Command::new("node");
        command
            .arg(self.root.join(".ci/browser/window.mjs"))
            .arg(step)
            .env("WINDOW_BASE", &self.base)
            .env("WINDOW_CHROMIUM", &self.chromium)
            .env("WINDOW_OUT", &self.out)
            .env("WINDOW_INPUT", input.to_string())
            // Chromium writes its profile and crash files under HOME.
            .env("HOME", self.home.path());
        if let Some(docs) = &self.docs {
            command.env("WINDOW_DOCS", docs);
        }
        // Off the runtime's thread: the server under test runs on it.
        let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stdout.lines().filter(|l| l.starts_with("page-check ")) {
            println!("{line}");
        }
        assert!(output.status.success(), "window.mjs {step} failed:\n{stdout}\n{stderr}");
        let result = stdout.lines().find_map(|l| l.strip_prefix("result ")).expect("a result line");
        serde_json::from_str(result).unwrap()
    }
}

#[tokio::test]
async fn the_window_in_a_real_browser() {
    let (root, chromium) = match browser() {
        Ok(found) => found,
        Err(reason) if std::env::var("MADOGUCHI_REQUIRE_BROWSER").as_deref() != Ok("1") => {
            println!("skipped: {reason} (set MADOGUCHI_REQUIRE_BROWSER=1 to fail instead)");
            return;
        }
        Err(reason) => panic!("{reason}"),
    };
    let w = World::new().await;
    let database = if w.app.db.is_postgres() { "postgres" } else { "sqlite" };
    let out = root.join("target/window-screenshots").join(database);
    let _ = std::fs::remove_dir_all(&out);
    let write_docs = std::env::var("MADOGUCHI_WRITE_DOCS").as_deref() == Ok("1") && database == "sqlite";
    let browser = Browser {
        docs: write_docs.then(|| root.join("docs/screenshots")),
        root,
        chromium,
        out,
        home: tempfile::tempdir().unwrap(),
        base: w.app.address.clone(),
    };

    // 1. Lodge in Vietnamese, with an e-mail address for the news.
    let lodged = browser
        .step(
            "lodge",
            json!({"narrative": "Công ty giữ hộ chiếu của tôi và không trả lương tháng 10.", "employer_name": "Sakura Foods", "email": WORKER_EMAIL}),
        )
        .await;
    let (reference, code) = (lodged["reference"].as_str().unwrap(), lodged["receipt_code"].as_str().unwrap());
    let listed: Value = w.app.read("/api/v1/cases", Some(&w.handler)).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "the retried form lodged once");
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(w.case(&w.handler, &id).await.narrative_language, "vi");

    // 2. Log back in with the receipt code (in a fresh browser).
    let login = json!({"reference": reference, "receipt_code": code, "expect_stage": "Đã nhận", "expect_wrong_code": "Mã hồ sơ hoặc mã xác nhận chưa đúng"});
    let session = browser.step("login", login).await;
    assert_eq!(session["cookies"], json!(["mg_form", "mg_session"]));

    // 3. The handler acknowledges and writes; the worker reads and answers in the page.
    w.act(&w.handler, &id, json!({"action": "acknowledge"})).await;
    let asked = json!({"body": "Chào bạn, hãy gửi ảnh phiếu lương.", "visibility": "worker_side", "language": "vi"});
    let response = w.app.post(&format!("/api/v1/cases/{id}/messages"), &asked, Some(&w.handler)).await;
    assert_eq!(response.status(), 201);
    let reply = "Vâng, tôi sẽ gửi ngay.";
    browser.step("message", json!({"expect_message": "hãy gửi ảnh phiếu lương", "reply": reply})).await;
    let messages: Value = w.app.read(&format!("/api/v1/cases/{id}/messages"), Some(&w.handler)).await;
    let last = messages["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["body"].as_str(), last["author_role"].as_str()), (Some(reply), Some("worker")));

    // 4. Through mediation to a proposed remedy; the worker accepts it in the page.
    let linked = w.command(&w.handler, &id, "employer", json!({"employer_organisation_id": w.employer_id})).await;
    assert_eq!(linked.status(), 200, "{}", linked.text().await.unwrap());
    w.act(&w.handler, &id, json!({"action": "refer"})).await;
    w.act(&w.employer_staff, &id, json!({"action": "respond", "reason": "We will pay."})).await;
    let assigned = w.command(&w.handler, &id, "mediator", json!({"mediator_user_id": w.mediator_id})).await;
    assert_eq!(assigned.status(), 200);
    w.act(&w.mediator, &id, json!({"action": "start_mediation"})).await;
    let remedy = "Trả lương tháng 10";
    let proposed = w
        .act(
            &w.mediator,
            &id,
            json!({"action": "propose_remedy", "remedies": [{"type": "financial_compensation", "description": remedy, "responsible_organisation_id": w.employer_id, "amount": "182000", "currency": "JPY"}]}),
        )
        .await;
    browser.step("accept", json!({"expect_remedy": remedy, "expect_stage": "Đã đồng ý cách giải quyết"})).await;
    let agreed: CaseSeen = w.case(&w.handler, &id).await;
    assert_eq!(agreed.state, State::RemedyAgreed);

    // 5. The employer delivers; the worker confirms it, with a rating.
    let remedy_id = proposed.remedy_ids()[0].clone();
    w.act(
        &w.employer_staff,
        &id,
        json!({"action": "mark_remedy_delivered", "remedy_id": remedy_id, "reason": "Bank transfer on 2026-12-02"}),
    )
    .await;
    browser.step("confirm", json!({"comment": "Cảm ơn", "expect_stage": "Bạn đã xác nhận việc giải quyết"})).await;
    let verified = w.case(&w.handler, &id).await;
    assert_eq!(verified.state, State::RemedyVerified);
    assert_eq!(verified.satisfaction_rating, Some(4));

    // 6. A link from a rendered e-mail opens the window in the worker's language.
    w.app.deliver_outbox().await;
    let mail = w.app.mail_to(WORKER_EMAIL);
    let text = &mail.last().expect("news for the worker").text;
    let link = text.split_whitespace().find(|word| word.starts_with("http")).expect("a link");
    let base = w.app.settings.mail.base_url.trim_end_matches('/');
    let link = link.replacen(base, &w.app.address, 1);
    let input = json!({"link": link, "reference": reference, "receipt_code": code, "lang": "vi", "expect_stage": "Bạn đã xác nhận việc giải quyết"});
    browser.step("mail_link", input).await;
}
