//! Building the application: database, state, middleware, routes, listener.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::rate_limit::RateLimits;
use crate::auth::tokens::TokenKeys;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::{self, DatabaseTarget, DbPool};
use crate::notify::Mailer;
use crate::routes::{self, extract};
use crate::state::AppState;
use crate::worker::OutboxWorker;

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    mailer: Mailer,
    worker: OutboxWorker,
    run_worker: bool,
}

impl Application {
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock))
    }

    /// Binds the listener (port 0 picks a free port) and prepares the server.
    pub fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let pool = open_database(&settings)?;
        let (sealer, key_source) = crate::seal::Sealer::from_settings(&settings)?;
        tracing::info!(key_id = sealer.current_key_id(), source = ?key_source, "personal data sealed");
        let sealer = Arc::new(sealer);
        let mailer = Mailer::from_settings(&settings.mail, &settings.storage.data_dir)?;
        let worker = OutboxWorker::new(pool.clone(), mailer.clone(), &settings, clock.clone())?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.server.host, settings.server.port))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            tokens: TokenKeys::from_settings(&settings.auth),
            receipts: crate::auth::receipts::ReceiptKeys::from_settings(&settings.auth),
            references: db::intake::ReferenceSource::default(),
            rate_limits: RateLimits::from_settings(&settings.rate_limit),
            live_sessions: crate::auth::live_sessions::LiveSessions::new(settings.auth.session_check_seconds),
            metrics: crate::metrics::handle()?,
            settings: Arc::new(settings.clone()),
            pool: pool.clone(),
            clock,
            sealer: sealer.clone(),
        });
        let json_limit = settings.server.json_body_limit_bytes;
        let cors_origins = crate::cors::parse_origins(&settings.server.cors_allowed_origins)
            .map_err(|message| anyhow::anyhow!("invalid setting `server.cors_allowed_origins`: {message}"))?;
        let route_methods = web::Data::new(routes::methods::RouteMethods::from_document(&routes::docs::document()));
        let window_settings = settings.window.clone();
        let mut server = HttpServer::new(move || {
            let cors = crate::cors::middleware(cors_origins.clone());
            App::new()
                .wrap(from_fn(extract::refuse_control_characters_in_query))
                // Inside ErrorHandlers, so that its refusals become problem+json;
                // outside the query check, so a browser can read that refusal.
                .wrap(Condition::new(cors.is_some(), cors.unwrap_or_default()))
                .wrap(
                    ErrorHandlers::new()
                        .default_handler_client(routes::support::problem_for_bare_errors)
                        .default_handler_server(routes::support::problem_for_bare_errors),
                )
                .wrap(from_fn(crate::metrics::record_requests))
                .wrap(from_fn(crate::telemetry::request_context))
                .wrap(from_fn(routes::docs::docs_csp))
                .wrap(routes::support::security_headers())
                .wrap(from_fn(routes::methods::serve_head_as_get))
                .app_data(state.clone())
                .app_data(extract::JsonLimit(json_limit))
                .app_data(route_methods.clone())
                .app_data(web::PayloadConfig::new(json_limit))
                .app_data(web::PathConfig::default().error_handler(extract::path_error))
                .app_data(web::QueryConfig::default().error_handler(extract::query_error))
                .configure(|cfg| routes::window::configure(cfg, &window_settings))
                .configure(routes::configure)
                .default_service(web::to(routes::support::not_found))
        })
        // Signals are handled by the caller (`madoguchi serve`), which stops the server gracefully.
        .disable_signals()
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        Ok(Self { port, server: server.run(), pool, mailer, worker, run_worker: settings.outbox.run_in_serve })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server gracefully: in-flight requests finish, then `run_until_stopped` returns.
    pub fn stop_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    pub fn mailer(&self) -> Mailer {
        self.mailer.clone()
    }

    /// The outbox worker this application would run (tests drive it by hand).
    pub fn worker(&self) -> OutboxWorker {
        self.worker.clone()
    }

    /// Serves until stopped; delivers the outbox alongside unless configured not to.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = self.run_worker.then(|| tokio::spawn(self.worker.run(stopped)));
        let result = self.server.await;
        let _ = stop.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        result
    }
}

/// Creates the data folder, builds the pool and, unless disabled, migrates.
pub fn open_database(settings: &Settings) -> anyhow::Result<DbPool> {
    let target =
        settings.database_target().map_err(|message| anyhow::anyhow!("invalid setting `database.url`: {message}"))?;
    if let DatabaseTarget::Sqlite(_) = target {
        std::fs::create_dir_all(&settings.storage.data_dir)
            .with_context(|| format!("cannot create the data folder {}", settings.storage.data_dir.display()))?;
    }
    let pool = db::build_pool(
        target,
        settings.database.pool_max_size,
        Duration::from_secs(settings.database.pool_timeout_seconds),
        db::ConnectionOptions {
            sqlite_busy_timeout_ms: settings.database.sqlite_busy_timeout_ms,
            sqlite_synchronous: settings.database.sqlite_synchronous,
            read_only: false,
        },
    );
    if settings.database.run_migrations_on_start {
        migrate(&pool)?;
    }
    Ok(pool)
}

pub fn migrate(pool: &DbPool) -> anyhow::Result<Vec<String>> {
    let mut conn = pool.get().context("cannot connect to the database")?;
    let applied = db::migrations::run_pending(&mut conn)?;
    for version in &applied {
        tracing::info!(%version, "migration applied");
    }
    Ok(applied)
}
