//! Settings: built-in defaults, then `config/default.toml`, `config/<profile>.toml`,
//! then `MADOGUCHI__SECTION__KEY` environment variables, then `DATABASE_URL`.
//! Loaded once at start, validated, and passed explicitly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::db::DatabaseTarget;

/// The development JWT secret shipped in `config/default.toml`.
pub const DEVELOPMENT_JWT_SECRET: &str = "madoguchi-development-secret-do-not-use-in-production";

/// The development pseudonym key shipped in `config/default.toml`.
pub const DEVELOPMENT_PSEUDONYM_KEY: &str = "madoguchi-development-pseudonym-key";

const BUILT_IN_DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub profile: Profile,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub storage: StorageSettings,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    pub log: LogSettings,
    pub mail: MailSettings,
    pub outbox: OutboxSettings,
    pub webhooks: WebhookSettings,
    pub reports: ReportSettings,
    pub privacy: PrivacySettings,
    pub window: WindowSettings,
}

/// Personal data at rest and its lifetime: the keys that seal it (see
/// `crate::seal`) and how long it is kept after a case ends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// `id:base64-of-32-bytes`, comma-separated, the first sealing new data
    /// (MADOGUCHI__PRIVACY__KEYS). Empty: the keys are read from `key_file`.
    pub keys: SecretString,
    /// A file of such keys, one a line. Unset (and `keys` empty): outside
    /// production, a development key generated under the data folder.
    pub key_file: Option<PathBuf>,
    /// Days after a case is closed, withdrawn or found not admissible until
    /// the retention run erases its personal data (README, "Personal data").
    pub retention_days_after_closure: i64,
    /// How often the worker runs the retention job.
    pub retention_check_interval_seconds: u64,
}

impl PrivacySettings {
    /// Where the development key is generated when no key is configured.
    pub fn development_key_file(data_dir: &Path) -> PathBuf {
        data_dir.join("development-sealing-keys")
    }
}

/// The worker's window: the HTML pages served by this binary.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSettings {
    pub enabled: bool,
    /// Where the pages live: `""` for the site's root, or a path such as `"/window"`.
    pub prefix: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Counts under this are withheld from statistics (small cells identify people).
    pub suppression_threshold: u64,
    /// Published counts are rounded to a multiple of this, so subtracting two
    /// reports cannot give the exact few cases between them (1: exact counts).
    pub rounding_base: u64,
    /// Keys the case pseudonyms in exports: stable within an installation,
    /// unlinkable across installations.
    pub pseudonym_key: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Accept plain http:// endpoints (local testing only).
    pub allow_http: bool,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The sender, for example `Madoguchi <no-reply@example.org>`.
    pub from: String,
    /// The service's public address, `{base_url}` in the link templates.
    pub base_url: String,
    /// Where a worker's link leads; `{base_url}`, `{reference}` and `{case_id}` are filled in.
    pub worker_link: String,
    /// Where staff links lead (handlers, advocates, employers, mediators).
    pub staff_link: String,
    /// Where the link in a mailed account code leads; `{base_url}`,
    /// `{page}` (`confirm-email`, `reset-password`), `{code}` and `{lang}`.
    pub account_link: String,
    /// Message-IDs and thread ids are under this domain; empty: the domain of `from`.
    pub message_id_domain: String,
    /// Mail to workers names what happened and the stage, instead of only
    /// saying that there is news. Off by default: on a shared or inspected
    /// phone a subject that names a grievance is itself a reprisal risk.
    pub worker_details: bool,
    pub smtp: SmtpSettings,
}

impl MailSettings {
    /// The domain of Message-IDs: the configured one, or that of the sender.
    pub fn message_id_domain(&self) -> anyhow::Result<String> {
        if !self.message_id_domain.is_empty() {
            return Ok(self.message_id_domain.clone());
        }
        let from: lettre::message::Mailbox = anyhow::Context::context(self.from.parse(), "mail.from")?;
        Ok(from.email.domain().to_owned())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `.eml` files under `<data_dir>/mail`.
    File,
    Smtp,
    /// Kept in memory (tests).
    Memory,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection (only for a local relay or a test server).
    None,
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Deliver from inside `serve`; turn off when running `madoguchi worker` separately.
    pub run_in_serve: bool,
    pub poll_interval_ms: u64,
    pub batch_size: i64,
    /// How long a worker holds the messages it claimed.
    pub lease_seconds: i64,
    /// Attempts before a message is marked dead.
    pub max_attempts: i32,
    /// Attempt n waits base × 2^(n-1) seconds, capped.
    pub backoff_base_seconds: i64,
    pub backoff_max_seconds: i64,
    /// Remind whoever must act this many days before a stage's time frame ends.
    pub reminder_days_before: i64,
    /// Days into the 90-day reprisal watch on which the worker is asked whether all is well.
    pub reprisal_check_in_days: Vec<i64>,
    /// How often the deadline runner looks for due stages and remedies.
    pub deadline_check_interval_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Development,
    Test,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub json_body_limit_bytes: usize,
    pub trust_forwarded_headers: bool,
    /// Web applications (origins) whose browsers may call the API:
    /// `https://app.example.org`, or `http://localhost:*` for any port.
    pub cors_allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May carry a password, hence secret.
    pub url: SecretString,
    pub pool_max_size: u32,
    pub pool_timeout_seconds: u64,
    pub run_migrations_on_start: bool,
    pub sqlite_busy_timeout_ms: u32,
    /// `full` (durable on power loss, the default) or `normal`.
    pub sqlite_synchronous: crate::db::SqliteSynchronous,
    /// Readiness fails when the SQLite database's file system has less free
    /// space than this.
    pub sqlite_min_free_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    pub data_dir: PathBuf,
    /// Largest evidence file accepted, in bytes.
    pub evidence_max_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    pub jwt_issuer: String,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_days: i64,
    /// How long a session confirmed live is trusted without asking the
    /// database again (0: ask on every request). Revocations made through
    /// this process take effect at once regardless.
    pub session_check_seconds: u32,
    pub case_session_ttl_seconds: i64,
}

#[cfg(test)]
impl AuthSettings {
    /// The defaults' lifetimes with the given secret, for unit tests of keys.
    pub fn for_tests(secret: &str) -> Self {
        Self {
            jwt_secret: SecretString::from(secret.to_owned()),
            jwt_issuer: "madoguchi".into(),
            access_token_ttl_seconds: 900,
            refresh_token_ttl_days: 30,
            session_check_seconds: 2,
            case_session_ttl_seconds: 3600,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub login_per_ip_per_minute: u32,
    /// Attempts on one account from one address.
    pub login_per_account_per_minute: u32,
    /// Attempts on one account from all addresses together: slow enough to
    /// stop guessing, high enough that an outsider cannot lock a worker out.
    pub login_per_account_per_hour: u32,
    pub register_per_ip_per_minute: u32,
    pub intake_per_ip_per_minute: u32,
    pub receipt_per_ip_per_minute: u32,
    /// Attempts on one case reference from one address.
    pub receipt_per_reference_per_minute: u32,
    /// Attempts on one case reference from all addresses together.
    pub receipt_per_reference_per_hour: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// One clear line naming the offending key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration error: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid setting `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

/// Where settings come from. The environment is passed in rather than read
/// globally so tests can exercise overrides without touching the process.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub config_dir: PathBuf,
    pub profile: String,
    pub env: HashMap<String, String>,
}

impl LoadOptions {
    pub fn from_process(config_dir: impl Into<PathBuf>, profile: impl Into<String>) -> Self {
        Self { config_dir: config_dir.into(), profile: profile.into(), env: std::env::vars().collect() }
    }
}

impl Settings {
    pub fn load(options: &LoadOptions) -> Result<Settings, ConfigError> {
        let profile = options.profile.trim().to_lowercase();
        let dir = &options.config_dir;
        let settings: Settings = config::Config::builder()
            .add_source(config::File::from_str(BUILT_IN_DEFAULTS, config::FileFormat::Toml))
            .add_source(optional_file(dir, "default"))
            .add_source(optional_file(dir, &profile))
            .add_source(
                config::Environment::with_prefix("MADOGUCHI")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    // MADOGUCHI__SERVER__CORS_ALLOWED_ORIGINS="https://a.example,https://b.example"
                    .list_separator(",")
                    .with_list_parse_key("server.cors_allowed_origins")
                    .source(Some(options.env.clone().into_iter().collect())),
            )
            .set_override("profile", profile.clone())?
            .set_override_option("database.url", options.env.get("DATABASE_URL").cloned())?
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: &str| Err(ConfigError::Invalid { key, message: message.to_owned() });
        let secret = self.auth.jwt_secret.expose_secret();
        if self.profile == Profile::Production && weak_secret(secret, DEVELOPMENT_JWT_SECRET) {
            return invalid(
                "auth.jwt_secret",
                "is the development secret, derived from it, or too uniform for production; set \
                 MADOGUCHI__AUTH__JWT_SECRET to a random value (openssl rand -hex 32)",
            );
        }
        if secret.len() < 32 {
            return invalid("auth.jwt_secret", "must be at least 32 bytes long");
        }
        if self.auth.access_token_ttl_seconds < 30 || self.auth.access_token_ttl_seconds > 86_400 {
            return invalid("auth.access_token_ttl_seconds", "must be between 30 and 86400");
        }
        if self.auth.refresh_token_ttl_days < 1 || self.auth.refresh_token_ttl_days > 365 {
            return invalid("auth.refresh_token_ttl_days", "must be between 1 and 365");
        }
        if self.auth.case_session_ttl_seconds < 60 || self.auth.case_session_ttl_seconds > 86_400 {
            return invalid("auth.case_session_ttl_seconds", "must be between 60 and 86400");
        }
        if self.database.pool_max_size == 0 {
            return invalid("database.pool_max_size", "must be at least 1");
        }
        if self.server.json_body_limit_bytes < 1024 {
            return invalid("server.json_body_limit_bytes", "must be at least 1024");
        }
        let rates = [
            ("rate_limit.login_per_ip_per_minute", self.rate_limit.login_per_ip_per_minute),
            ("rate_limit.login_per_account_per_minute", self.rate_limit.login_per_account_per_minute),
            ("rate_limit.login_per_account_per_hour", self.rate_limit.login_per_account_per_hour),
            ("rate_limit.receipt_per_reference_per_hour", self.rate_limit.receipt_per_reference_per_hour),
            ("rate_limit.register_per_ip_per_minute", self.rate_limit.register_per_ip_per_minute),
            ("rate_limit.intake_per_ip_per_minute", self.rate_limit.intake_per_ip_per_minute),
            ("rate_limit.receipt_per_ip_per_minute", self.rate_limit.receipt_per_ip_per_minute),
            ("rate_limit.receipt_per_reference_per_minute", self.rate_limit.receipt_per_reference_per_minute),
        ];
        for (key, value) in rates {
            if value == 0 {
                return invalid(key, "must be at least 1");
            }
        }
        if let Err(message) = crate::cors::parse_origins(&self.server.cors_allowed_origins) {
            return invalid("server.cors_allowed_origins", &message);
        }
        if let Err(message) = DatabaseTarget::parse(self.database.url.expose_secret()) {
            return invalid("database.url", &message);
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid("mail.from", "is not a mail address such as `Madoguchi <no-reply@example.org>`");
        }
        if !(self.mail.base_url.starts_with("http://") || self.mail.base_url.starts_with("https://")) {
            return invalid("mail.base_url", "must start with http:// or https://");
        }
        for (key, link) in [
            ("mail.worker_link", &self.mail.worker_link),
            ("mail.staff_link", &self.mail.staff_link),
            ("mail.account_link", &self.mail.account_link),
        ] {
            let filled = link.replace("{base_url}", &self.mail.base_url);
            if !(filled.starts_with("http://") || filled.starts_with("https://")) {
                return invalid(key, "must be an http(s) URL template, for example {base_url}/case/{reference}");
            }
        }
        let domain = &self.mail.message_id_domain;
        if domain.chars().any(|c| c.is_whitespace() || c.is_control() || "<>@\"".contains(c)) {
            return invalid("mail.message_id_domain", "must be a domain name such as mail.example.org");
        }
        let watch = crate::domain::lifecycle::REPRISAL_WATCH_DAYS;
        // Erasing sooner would empty a case the worker may still reopen, or one still under the reprisal watch.
        let keep_at_least = crate::domain::lifecycle::REOPEN_WINDOW_DAYS.max(watch);
        if self.privacy.retention_days_after_closure < keep_at_least {
            return invalid(
                "privacy.retention_days_after_closure",
                "must be at least 90: the worker's reopening window and the reprisal watch",
            );
        }
        if self.privacy.retention_check_interval_seconds == 0 {
            return invalid("privacy.retention_check_interval_seconds", "must be at least 1");
        }
        if self.outbox.reprisal_check_in_days.iter().any(|day| !(1..=watch).contains(day)) {
            return invalid("outbox.reprisal_check_in_days", "each day must be within the 90-day reprisal watch");
        }
        if self.outbox.max_attempts < 1 || self.outbox.batch_size < 1 || self.outbox.lease_seconds < 1 {
            return invalid("outbox", "max_attempts, batch_size and lease_seconds must be at least 1");
        }
        if self.profile == Profile::Production
            && weak_secret(self.reports.pseudonym_key.expose_secret(), DEVELOPMENT_PSEUDONYM_KEY)
        {
            return invalid(
                "reports.pseudonym_key",
                "is the development key, derived from it, or too uniform for production; set \
                 MADOGUCHI__REPORTS__PSEUDONYM_KEY to a random value (openssl rand -hex 32)",
            );
        }
        if self.profile == Profile::Production
            && self.privacy.keys.expose_secret().trim().is_empty()
            && self.privacy.key_file.is_none()
        {
            return invalid(
                "privacy.keys",
                "no key seals personal data; set MADOGUCHI__PRIVACY__KEYS to `id:<openssl rand -base64 32>` \
                 (or privacy.key_file), kept apart from the database and backed up on its own: a lost key \
                 makes every sealed name, document number, narrative, message and file unrecoverable, and \
                 a development key generated beside the data would protect nothing",
            );
        }
        if !self.privacy.keys.expose_secret().trim().is_empty()
            && let Err(error) = crate::seal::Keyring::parse(self.privacy.keys.expose_secret())
        {
            return invalid("privacy.keys", &error.to_string());
        }
        if self.profile == Profile::Production && self.webhooks.allow_http {
            return invalid(
                "webhooks.allow_http",
                "plain-HTTP webhooks would send case events unencrypted; not in production",
            );
        }
        if self.reports.pseudonym_key.expose_secret().len() < 16 {
            return invalid("reports.pseudonym_key", "must be at least 16 bytes long");
        }
        if self.reports.suppression_threshold < 2 {
            return invalid("reports.suppression_threshold", "must be at least 2");
        }
        if self.reports.rounding_base == 0 {
            return invalid("reports.rounding_base", "must be at least 1 (1 publishes exact counts)");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return invalid("log.level", "is not a valid tracing filter (try `info` or `madoguchi=debug`)");
        }
        Ok(())
    }

    pub fn database_target(&self) -> Result<DatabaseTarget, String> {
        DatabaseTarget::parse(self.database.url.expose_secret())
    }
}

fn optional_file(dir: &Path, name: &str) -> config::File<config::FileSourceFile, config::FileFormat> {
    config::File::from(dir.join(format!("{name}.toml"))).required(false)
}

/// A production secret must not be the shipped development value, nor one
/// made from it (padded, upper-cased, extended), nor so uniform that it is
/// guessable (`aaaa…`, `abab…`): fewer than 8 distinct characters.
fn weak_secret(secret: &str, development: &str) -> bool {
    let normalised = secret.trim().to_lowercase();
    let distinct: std::collections::BTreeSet<char> = normalised.chars().collect();
    normalised.contains(development) || development.contains(normalised.as_str()) || distinct.len() < 8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(env: &[(&str, &str)]) -> LoadOptions {
        LoadOptions {
            config_dir: PathBuf::from("/nonexistent"),
            profile: "development".into(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn built_in_defaults_give_a_sqlite_database_under_data() {
        let settings = Settings::load(&options(&[])).unwrap();
        assert_eq!(settings.server.port, 8080);
        assert!(matches!(settings.database_target().unwrap(), DatabaseTarget::Sqlite(_)));
    }

    #[test]
    fn environment_overrides_and_database_url() {
        let settings = Settings::load(&options(&[
            ("MADOGUCHI__SERVER__PORT", "9001"),
            ("DATABASE_URL", "postgres://u@localhost/db"),
        ]))
        .unwrap();
        assert_eq!(settings.server.port, 9001);
        assert!(matches!(settings.database_target().unwrap(), DatabaseTarget::Postgres(_)));
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let error = Settings::load(&options(&[("MADOGUCHI__SERVER__PORT", "eighty")])).unwrap_err();
        assert!(error.to_string().contains("server.port"), "{error}");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let error = Settings::load(&options(&[("MADOGUCHI__SERVER__PROT", "1")])).unwrap_err();
        assert!(error.to_string().contains("prot"), "{error}");
    }

    #[test]
    fn cors_origins_come_from_the_profile_or_a_comma_separated_variable() {
        let mut opts = options(&[]);
        opts.config_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
        let development = Settings::load(&opts).unwrap();
        assert_eq!(development.server.cors_allowed_origins, ["http://localhost:*", "http://127.0.0.1:*"]);
        opts.profile = "test".into();
        assert!(Settings::load(&opts).unwrap().server.cors_allowed_origins.is_empty(), "none by default");

        let settings = Settings::load(&options(&[(
            "MADOGUCHI__SERVER__CORS_ALLOWED_ORIGINS",
            "https://app.example.org,http://localhost:*",
        )]))
        .unwrap();
        assert_eq!(settings.server.cors_allowed_origins, ["https://app.example.org", "http://localhost:*"]);
        let error =
            Settings::load(&options(&[("MADOGUCHI__SERVER__CORS_ALLOWED_ORIGINS", "https://x.org/app")])).unwrap_err();
        assert!(error.to_string().contains("server.cors_allowed_origins"), "{error}");
    }

    #[test]
    fn production_refuses_the_development_secret() {
        let mut opts = options(&[]);
        opts.profile = "production".into();
        let error = Settings::load(&opts).unwrap_err();
        assert!(error.to_string().contains("auth.jwt_secret"), "{error}");

        let development = format!(" {} ", DEVELOPMENT_JWT_SECRET.to_uppercase());
        for weak in ["a".repeat(40), "ab".repeat(20), development, format!("{DEVELOPMENT_JWT_SECRET}-2")] {
            opts.env.insert("MADOGUCHI__AUTH__JWT_SECRET".into(), weak.clone());
            let error = Settings::load(&opts).unwrap_err();
            assert!(error.to_string().contains("auth.jwt_secret"), "{weak:?}: {error}");
        }
        opts.env
            .insert("MADOGUCHI__AUTH__JWT_SECRET".into(), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c".into());
        let error = Settings::load(&opts).unwrap_err();
        assert!(error.to_string().contains("reports.pseudonym_key"), "{error}");
        opts.env.insert("MADOGUCHI__REPORTS__PSEUDONYM_KEY".into(), "p".repeat(40));
        let error = Settings::load(&opts).unwrap_err();
        assert!(error.to_string().contains("reports.pseudonym_key"), "{error}");
        opts.env.insert("MADOGUCHI__REPORTS__PSEUDONYM_KEY".into(), "60303ae22b998861bce3b28f33eec1be".into());
        let error = Settings::load(&opts).unwrap_err();
        assert!(error.to_string().contains("privacy.keys") && error.to_string().contains("unrecoverable"), "{error}");
        opts.env.insert("MADOGUCHI__PRIVACY__KEYS".into(), "k1:too-short".into());
        let error = Settings::load(&opts).unwrap_err();
        assert!(error.to_string().contains("privacy.keys"), "{error}");
        opts.env.insert("MADOGUCHI__PRIVACY__KEYS".into(), "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8".into());
        assert!(Settings::load(&opts).is_ok());
        opts.env.insert("MADOGUCHI__WEBHOOKS__ALLOW_HTTP".into(), "true".into());
        let error = Settings::load(&opts).unwrap_err();
        assert!(error.to_string().contains("webhooks.allow_http"), "{error}");
    }
}
