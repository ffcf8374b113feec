//! The command line: `serve` (the default), `worker`, `migrate`, `admin create-user`,
//! `admin seed-demo`, `export`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::auth::Actor;
use crate::auth::receipts::ReceiptKeys;
use crate::config::{LoadOptions, Settings};
use crate::db::DatabaseTarget;
use crate::demo;
use crate::domain::{LanguageTag, Role};
use crate::service::users::{self, NewUserInput};
use crate::startup::{self, Application};

#[derive(Debug, Parser)]
#[command(name = "madoguchi", version, about = "Grievance and remedy backend for migrant workers in Japan")]
pub struct Cli {
    /// Folder holding default.toml and <profile>.toml.
    #[arg(long, env = "MADOGUCHI_CONFIG_DIR", default_value = "config", global = true)]
    pub config_dir: PathBuf,
    /// Settings profile: development, test or production.
    #[arg(long, env = "MADOGUCHI_PROFILE", default_value = "development", global = true)]
    pub profile: String,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (the default when no command is given).
    Serve(ServeArgs),
    /// Deliver queued notifications (outbox) until stopped; safe to run in several copies.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write statistics or pseudonymised case rows to a file (all cases; as an analyst would see them).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// `summary` (statistics with small-cell suppression) or `cases` (pseudonymised rows).
    #[arg(value_parser = ["summary", "cases"])]
    pub what: String,
    /// summary: json, csv or xlsx; cases: csv, jsonl or xlsx.
    #[arg(long, default_value = "csv")]
    pub format: crate::export::Format,
    /// Where to write; the file is replaced.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Do not apply pending migrations at start.
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user (for example the first admin). The password is read from standard input.
    CreateUser(CreateUserArgs),
    /// Fill an EMPTY database with demo data and print the logins.
    ///
    /// Creates an operator, two employers (each with a supervising or registered support organisation),
    /// an NGO and a mediation body; a user for every role, each with a random password; and a case in
    /// every lifecycle state, lodged in several languages and driven through the same services the API
    /// uses. Prints every login (email or username, password, role), the case references, and the
    /// receipt codes of the cases lodged without an account. Refuses to run if the database already has
    /// any organisation or user, so demo data never mixes with real data.
    SeedDemo,
    /// Re-seal personal data under the current key (the first in `privacy.keys`).
    ///
    /// Re-encrypts every identity field, narrative, message body, evidence file name and evidence file
    /// not yet under the current key, and seals plaintext written before sealing existed. Runs while the
    /// service runs, a batch per committed transaction; a rerun continues where the last stopped. Keep
    /// the old keys in the keyring until this reports nothing left.
    RotateKey(RotateKeyArgs),
}

#[derive(Debug, Args)]
pub struct RotateKeyArgs {
    /// Rows per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch: i64,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// worker, advocate, handler, employer_staff, supervising_org_staff, mediator, analyst or admin.
    #[arg(long)]
    pub role: Role,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub username: Option<String>,
    /// Organisation id (required for staff roles).
    #[arg(long)]
    pub organisation_id: Option<uuid::Uuid>,
    #[arg(long)]
    pub display_name: Option<String>,
    /// Preferred language, a BCP 47 tag.
    #[arg(long, default_value = "en")]
    pub language: String,
    /// Read the password from standard input (one line). Required, so it never appears in shell history.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Errors from loading settings exit with a distinct code.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ConfigFailure(#[from] pub crate::config::ConfigError);

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(&LoadOptions::from_process(&cli.config_dir, &cli.profile)).map_err(ConfigFailure)?;
    crate::telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(settings, args).await,
        Command::Worker => worker(settings).await,
        Command::Migrate => migrate(settings),
        // The export writes through a channel with blocking sends: keep it off the async threads.
        Command::Export(args) => {
            tokio::task::spawn_blocking(move || export(settings, args)).await.context("the export task failed")?
        }
        Command::Admin(AdminCommand::CreateUser(args)) => create_user(settings, args),
        Command::Admin(AdminCommand::SeedDemo) => seed_demo(settings),
        Command::Admin(AdminCommand::RotateKey(args)) => {
            tokio::task::spawn_blocking(move || rotate_key(settings, args)).await.context("the rotation task failed")?
        }
    }
}

async fn serve(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    if args.no_migrate {
        settings.database.run_migrations_on_start = false;
    }
    let host = settings.server.host.clone();
    let database = describe_database(&settings);
    let stop = StopSignal::install()?;
    let app = Application::build(settings)?;
    let base = format!("http://{host}:{}", app.port());
    println!("Madoguchi is listening on {base} (database: {database})");
    println!("API documentation: {base}/docs/   OpenAPI document: {base}/api/v1/openapi.json");
    let stopper = app.stop_handle();
    let mut running = tokio::spawn(app.run_until_stopped());
    tokio::select! {
        finished = &mut running => return finished.context("the server task failed")?.context("the server stopped with an error"),
        signal = stop.received() => signal?,
    }
    // Graceful: finish in-flight requests, then the embedded outbox worker stops too.
    stopper.stop(true).await;
    running.await.context("the server task failed")?.context("the server stopped with an error")
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    let pool = startup::open_database(&settings)?;
    let mailer = crate::notify::Mailer::from_settings(&settings.mail, &settings.storage.data_dir)?;
    let clock = std::sync::Arc::new(crate::clock::SystemClock);
    let worker = crate::worker::OutboxWorker::new(pool, mailer, &settings, clock)?;
    let signal = StopSignal::install()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(stopped));
    println!(
        "Madoguchi outbox worker running (database: {}); SIGTERM or Ctrl-C stops it",
        describe_database(&settings)
    );
    signal.received().await?;
    // Stop claiming; what the worker holds it finishes (its leases end on their own if it cannot).
    let _ = stop.send(true);
    match tokio::time::timeout(WORKER_STOP_GRACE, running).await {
        Ok(joined) => joined.context("the worker stopped with an error"),
        Err(_) => {
            tracing::warn!("the worker did not stop in time; its leases will expire");
            Ok(())
        }
    }
}

/// How long a stopping worker may take to finish what it holds.
const WORKER_STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Ctrl-C (SIGINT) or SIGTERM, which `docker stop` and Kubernetes send.
/// Installed before the process says it is up, so no signal is missed.
struct StopSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn install() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn received(mut self) -> anyhow::Result<()> {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await.context("cannot listen for Ctrl-C")?;
        Ok(())
    }
}

fn export(settings: Settings, args: ExportArgs) -> anyhow::Result<()> {
    use crate::export::{self, SummaryFormat};
    use crate::service::reports;
    let pool = startup::open_database(&settings)?;
    let filter = reports::authorised_filter(&Actor::System, Default::default(), None).map_err(describe_app_error)?;
    let bytes_or_rows = match (args.what.as_str(), args.format) {
        ("summary", format) => {
            let mut conn = pool.get().context("cannot connect to the database")?;
            let rules = reports::Disclosure::from_settings(&settings.reports);
            let summary =
                reports::summary(&mut conn, &filter, rules, chrono::Utc::now()).map_err(describe_app_error)?;
            let bytes = match format.for_summary()? {
                SummaryFormat::Json => serde_json::to_vec_pretty(&summary)?,
                SummaryFormat::Csv => export::summary::csv(&summary, export::FileOptions::default())?,
                SummaryFormat::Xlsx => export::summary::xlsx(&summary, export::FileOptions::default())?,
            };
            std::fs::write(&args.output, &bytes).with_context(|| format!("cannot write {}", args.output.display()))?;
            format!("{} bytes", bytes.len())
        }
        (_, format) => {
            let key = settings.reports.pseudonym_key.expose_secret().as_bytes().to_vec();
            let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
            let path = args.output.clone();
            let writer = std::thread::spawn(move || -> anyhow::Result<u64> {
                use std::io::Write;
                let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
                let mut written = 0u64;
                while let Some(chunk) = receiver.blocking_recv() {
                    let chunk: Vec<u8> = chunk?;
                    file.write_all(&chunk)?;
                    written += chunk.len() as u64;
                }
                file.flush()?;
                Ok(written)
            });
            let export = export::cases::CaseExport {
                format: format.for_cases()?,
                options: export::FileOptions::default(),
                key: &key,
                rules: reports::Disclosure::from_settings(&settings.reports),
                now: chrono::Utc::now(),
            };
            export::cases::stream(&pool, &filter, export, &sender)?;
            drop(sender);
            let written = writer.join().map_err(|_| anyhow::anyhow!("the writer thread failed"))??;
            format!("{written} bytes")
        }
    };
    println!("wrote {} ({bytes_or_rows})", args.output.display());
    Ok(())
}

fn migrate(mut settings: Settings) -> anyhow::Result<()> {
    settings.database.run_migrations_on_start = false;
    let pool = startup::open_database(&settings)?;
    let applied = startup::migrate(&pool)?;
    println!("{} migration(s) applied to {}", applied.len(), describe_database(&settings));
    Ok(())
}

fn create_user(settings: Settings, args: CreateUserArgs) -> anyhow::Result<()> {
    if !args.password_stdin {
        anyhow::bail!("pass the password on standard input with --password-stdin");
    }
    if std::io::stdin().is_terminal() {
        eprintln!("Password (input is shown): ");
    }
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password).context("cannot read the password")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let preferred_language = LanguageTag::parse(&args.language)
        .map_err(|_| anyhow::anyhow!("--language `{}` is not a BCP 47 language tag", args.language))?;
    let input = NewUserInput {
        email: args.email,
        username: args.username,
        phone: None,
        display_name: args.display_name,
        password,
        role: args.role,
        organisation_id: args.organisation_id.map(Into::into),
        preferred_language,
    };
    let pool = startup::open_database(&settings)?;
    let mut conn = pool.get().context("cannot connect to the database")?;
    let user = users::create(&mut conn, &Actor::System, input, chrono::Utc::now()).map_err(describe_app_error)?;
    println!("created {} user {} ({})", user.role, user.id, user.email.or(user.username).unwrap_or_default());
    Ok(())
}

/// `admin rotate-key`: prints what was re-sealed and what is left.
pub fn rotate_key(settings: Settings, args: RotateKeyArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    let pool = startup::open_database(&settings)?;
    let mut conn = pool.get().context("cannot connect to the database")?;
    let (sealer, _) = crate::seal::Sealer::from_settings(&settings)?;
    let report = crate::service::sealing::rotate(&mut conn, &sealer, &settings.storage.data_dir, args.batch)
        .map_err(describe_app_error)?;
    println!(
        "re-sealed under key {}: {} values, {} files ({} changed meanwhile and were already current; {} unsealed old files removed)",
        sealer.current_key_id(),
        report.values_resealed,
        report.files_resealed,
        report.values_skipped,
        report.legacy_files_removed
    );
    if report.values_left == 0 && report.files_left == 0 {
        println!("nothing is left under other keys: older keys may now leave privacy.keys");
    } else {
        println!(
            "still under other keys: {} values, {} files; run again before removing any key",
            report.values_left, report.files_left
        );
    }
    Ok(())
}

fn seed_demo(settings: Settings) -> anyhow::Result<()> {
    let pool = startup::open_database(&settings)?;
    let mut conn = pool.get().context("cannot connect to the database")?;
    let receipts = ReceiptKeys::from_settings(&settings.auth);
    let (sealer, _) = crate::seal::Sealer::from_settings(&settings)?;
    let report = demo::seed(&mut conn, &receipts, &sealer, chrono::Utc::now()).map_err(describe_app_error)?;
    print!("{report}");
    Ok(())
}

/// One line for the terminal, including field errors.
fn describe_app_error(error: crate::service::Error) -> anyhow::Error {
    use crate::service::Error;
    match error {
        Error::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        ),
        Error::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}

fn describe_database(settings: &Settings) -> String {
    match settings.database_target() {
        Ok(DatabaseTarget::Sqlite(path)) => format!("sqlite {}", path.display()),
        Ok(DatabaseTarget::Postgres(url)) => format!("postgresql {}", redact(&url)),
        Err(_) => redact(settings.database.url.expose_secret()),
    }
}

/// Drops user information from a URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://…@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
