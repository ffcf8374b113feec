//! `TestApp`: a running server on a fresh database, and typed helpers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use diesel::{Connection, PgConnection, RunQueryDsl};
use madoguchi::auth::Actor;
use madoguchi::clock::{Clock, SystemClock};
use madoguchi::config::{LoadOptions, Settings};
use madoguchi::domain::{LanguageTag, Role};
use madoguchi::service::users::{self, NewUserInput};
use madoguchi::startup::Application;
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::views::{Created, Me, Problem, Tokens, View, body, view};

pub const PASSWORD: &str = "a long enough password";

/// A database owned by one test.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub fn create() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                madoguchi::db::connection::init_tls();
                let mut conn = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}"));
                SWEEP.call_once(|| sweep_leftover_databases(&mut conn));
                let created = chrono::Utc::now().timestamp();
                let name = format!("{TEST_DATABASE_PREFIX}{created}_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
                let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
                Self { url: format!("{base}/{name}"), postgres: Some((admin_url.clone(), name)), _dir: dir }
            }
            _ => Self {
                url: format!("sqlite://{}", dir.path().join("madoguchi.db").display()),
                postgres: None,
                _dir: dir,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// PostgreSQL only: the server ends every connection to this database.
    pub fn terminate_connections(&self) {
        let (admin_url, name) = self.postgres.as_ref().expect("a PostgreSQL test database");
        let mut conn = PgConnection::establish(admin_url).unwrap();
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut conn)
        .unwrap();
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

/// Test databases are named `madoguchi_test_<unix seconds>_<uuid>`, so that
/// their age can be read from the name.
const TEST_DATABASE_PREFIX: &str = "madoguchi_test_";
/// Older than this, a test database is a crashed run's leftover.
const LEFTOVER_AFTER_SECONDS: i64 = 60 * 60;
static SWEEP: std::sync::Once = std::sync::Once::new();

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops the test databases that crashed runs left behind, once per test
/// process. Other test processes (CI, other engineers) share the server, so
/// only databases whose name says they were created over an hour ago are
/// dropped, and without FORCE: a database somebody is still connected to is
/// left alone. Names without a creation time (older test runs) are never
/// touched. Best effort: a failure here fails no test.
fn sweep_leftover_databases(conn: &mut PgConnection) {
    let Ok(names) = diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'madoguchi\\_test\\_%'")
        .load::<DatabaseName>(conn)
    else {
        return;
    };
    let cutoff = chrono::Utc::now().timestamp() - LEFTOVER_AFTER_SECONDS;
    for DatabaseName { datname } in names {
        let created = datname
            .strip_prefix(TEST_DATABASE_PREFIX)
            .and_then(|rest| rest.split_once('_'))
            .filter(|(_, id)| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|(seconds, _)| seconds.parse::<i64>().ok());
        if created.is_some_and(|created| created < cutoff) {
            match diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname}")).execute(conn) {
                Ok(_) => eprintln!("dropped {datname}, left behind by a crashed test run"),
                Err(e) => eprintln!("left {datname} alone: {e}"),
            }
        }
    }
}

/// Settings for a test: the `test` profile, a fresh database, port 0,
/// and rate limits high enough not to interfere (tests of limits lower them).
pub fn test_settings(db: &TestDatabase, data_dir: PathBuf) -> Settings {
    let options = LoadOptions {
        config_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
        profile: "test".into(),
        env: HashMap::new(),
    };
    let mut settings = Settings::load(&options).expect("test settings load");
    settings.database.url = SecretString::from(db.url.clone());
    settings.storage.data_dir = data_dir;
    settings.server.port = 0;
    settings.rate_limit.login_per_ip_per_minute = 10_000;
    settings.rate_limit.login_per_account_per_minute = 10_000;
    settings.rate_limit.login_per_account_per_hour = 10_000;
    settings.rate_limit.receipt_per_reference_per_hour = 10_000;
    settings.rate_limit.register_per_ip_per_minute = 10_000;
    // Mail is kept in memory and the outbox is delivered when a test says so.
    settings.mail.transport = madoguchi::config::MailTransport::Memory;
    settings.outbox.run_in_serve = false;
    settings.rate_limit.intake_per_ip_per_minute = 10_000;
    settings.rate_limit.receipt_per_ip_per_minute = 10_000;
    settings.rate_limit.receipt_per_reference_per_minute = 10_000;
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub mailer: madoguchi::notify::Mailer,
    pub worker: madoguchi::worker::OutboxWorker,
    /// The application's own pool, for fixtures and for checks below the API.
    pub pool: madoguchi::db::DbPool,
    pub db: TestDatabase,
    _data_dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(customise: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_on(TestDatabase::create(), customise, Arc::new(SystemClock)).await
    }

    /// An application whose clock the test moves by hand.
    pub async fn spawn_with_manual_clock() -> (Self, madoguchi::clock::ManualClock) {
        let clock = madoguchi::clock::ManualClock::new(chrono::Utc::now());
        (Self::spawn_on(TestDatabase::create(), |_| {}, Arc::new(clock.clone())).await, clock)
    }

    pub async fn spawn_on(db: TestDatabase, customise: impl FnOnce(&mut Settings), clock: Arc<dyn Clock>) -> Self {
        let data_dir = tempfile::tempdir().expect("data dir");
        let mut settings = test_settings(&db, data_dir.path().to_path_buf());
        customise(&mut settings);
        let app = Application::build_with_clock(settings.clone(), clock).expect("application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (mailer, worker, pool) = (app.mailer(), app.worker(), app.pool());
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            // Idle connections are dropped before the server's keep-alive
            // (5 s) closes them: on a loaded machine, reusing one the server
            // is closing fails the request with "incomplete message".
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .unwrap(),
            settings,
            mailer,
            worker,
            pool,
            db,
            _data_dir: data_dir,
        }
    }

    /// Delivers everything due in the outbox, batch by batch.
    pub async fn deliver_outbox(&self) -> usize {
        let mut sent = 0;
        loop {
            let report = self.worker.run_once().await.expect("outbox step");
            sent += report.sent;
            if report.claimed == 0 {
                return sent;
            }
        }
    }

    /// Mail delivered so far, to one address.
    pub fn mail_to(&self, address: &str) -> Vec<madoguchi::notify::SentMail> {
        self.mailer.sent().into_iter().filter(|m| m.to == address).collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&Token>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token.bearer());
        }
        request.send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&Token>) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token.bearer());
        }
        request.send().await.expect("request sent")
    }

    /// GETs a document that must be there (200) and reads it as `T`.
    pub async fn read<T: View>(&self, path: &str, token: Option<&Token>) -> T {
        let response = self.get(path, token).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
        view(serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON: {e}: {text}")))
    }

    /// Who the token's holder is.
    pub async fn me(&self, token: &Token) -> Me {
        self.read("/api/v1/me", Some(token)).await
    }

    /// Creates a user directly through the service, as the command line does.
    pub fn create_user_directly(&self, role: Role, email: &str, organisation_id: Option<uuid::Uuid>) {
        let mut conn = self.pool.get().unwrap();
        users::create(
            &mut conn,
            &Actor::System,
            NewUserInput {
                email: Some(email.into()),
                username: None,
                phone: None,
                display_name: None,
                password: PASSWORD.into(),
                role,
                organisation_id: organisation_id.map(Into::into),
                preferred_language: LanguageTag::english(),
            },
            chrono::Utc::now(),
        )
        .unwrap();
    }

    /// Posts a login; the answer is the test's to judge.
    pub async fn try_login(&self, login: &Login) -> Response {
        self.post(LOGIN, &login.body(), None).await
    }

    /// Logs in, which must succeed; the tokens are named after the login.
    pub async fn login(&self, login: &Login) -> Tokens {
        let response = self.try_login(login).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "login of {}: {text}", login.name);
        view(serde_json::from_str(&text).unwrap())
    }

    /// The access token of a login that must succeed.
    pub async fn token(&self, login: &Login) -> Token {
        Token::new(login.name.clone(), self.login(login).await.access_token)
    }

    /// An admin's access token.
    pub async fn admin_token(&self) -> Token {
        let email = format!("admin-{}@example.org", uuid::Uuid::new_v4().simple());
        self.create_user_directly(Role::Admin, &email, None);
        self.token(&Login::email(&email)).await
    }

    pub async fn create_organisation(&self, admin: &Token, name: &str, kind: &str) -> uuid::Uuid {
        let response =
            self.post("/api/v1/admin/organisations", &json!({"name": name, "kind": kind}), Some(admin)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        body::<Created>(response).await.id.parse().unwrap()
    }

    /// Creates a user through the admin API and returns their access token.
    pub async fn user_token(&self, admin: &Token, role: &str, organisation_id: Option<uuid::Uuid>) -> Token {
        let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
        let response = self
            .post(
                "/api/v1/admin/users",
                &json!({"email": email, "password": PASSWORD, "role": role, "organisation_id": organisation_id}),
                Some(admin),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
        self.token(&Login::email(&email)).await
    }

    /// Registers a worker by username (which must succeed) and logs them in.
    pub async fn registered_worker(&self, username: &str) -> Token {
        let response =
            self.post("/api/v1/auth/register", &json!({"username": username, "password": PASSWORD}), None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
        self.token(&Login::username(username)).await
    }
}

pub const LOGIN: &str = "/api/v1/auth/login";

/// A login name and a password, as `POST /auth/login` takes them.
#[derive(Debug, Clone)]
pub struct Login {
    /// `email` or `username`.
    field: String,
    name: String,
    password: String,
}

impl Login {
    pub fn email(email: &str) -> Self {
        Self::by("email", email, PASSWORD)
    }

    pub fn username(username: &str) -> Self {
        Self::by("username", username, PASSWORD)
    }

    pub fn by(field: &str, name: &str, password: &str) -> Self {
        Self { field: field.to_owned(), name: name.to_owned(), password: password.to_owned() }
    }

    pub fn with_password(self, password: &str) -> Self {
        Self { password: password.to_owned(), ..self }
    }

    pub fn body(&self) -> Value {
        json!({self.field.as_str(): self.name, "password": self.password})
    }
}

/// An access token and who holds it. Tests tell actors apart by who they
/// are, never by comparing token strings; `Debug` shows only the holder.
#[derive(Clone)]
pub struct Token {
    holder: String,
    bearer: String,
}

impl Token {
    pub fn new(holder: impl Into<String>, bearer: impl Into<String>) -> Self {
        Self { holder: holder.into(), bearer: bearer.into() }
    }

    /// The same token under the name a test knows its holder by.
    pub fn named(self, holder: &str) -> Self {
        Self { holder: holder.to_owned(), ..self }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// What goes after `Authorization: Bearer`.
    pub fn bearer(&self) -> &str {
        &self.bearer
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({})", self.holder)
    }
}

/// Makes sure Python can import `module` (a real SMTP server, an XLSX
/// reader). Tests install nothing: `.ci/run` installs both up front, and a
/// missing module fails the test with the command that installs it.
pub fn require_python_module(module: &str) {
    let available = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        available,
        "these tests need Python 3 with the module `{module}`, which cannot be imported; \
         install the test tools with: python3 -m pip install aiosmtpd openpyxl openapi-spec-validator"
    );
}

/// Asserts an RFC 9457 problem with the given status and code; returns it.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Problem {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(content_type, "application/problem+json");
    let problem: Problem = body(response).await;
    assert_eq!(problem.code, code, "{}", problem.raw);
    assert_eq!(problem.status, status, "{}", problem.raw);
    assert_eq!(problem.problem_type, format!("urn:madoguchi:problem:{code}"));
    assert!(problem.raw["title"].is_string() && problem.raw["detail"].is_string(), "{}", problem.raw);
    problem
}

/// A due date `days` from today, as the API takes it (tests must not age).
pub fn days_from_today(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).date_naive().to_string()
}
