//! Building the application: database, state, middleware, routes, listener.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::rate_limit::RateLimits;
use crate::auth::tokens::TokenKeys;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::{self, DatabaseTarget, DbPool};
use crate::routes::{self, extract};
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock))
    }

    /// Binds the listener (port 0 picks a free port) and prepares the server.
    pub fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let pool = open_database(&settings)?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.server.host, settings.server.port))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            tokens: TokenKeys::from_settings(&settings.auth),
            receipts: crate::auth::receipts::ReceiptKeys::from_settings(&settings.auth),
            rate_limits: RateLimits::from_settings(&settings.rate_limit),
            metrics: crate::metrics::handle()?,
            settings: Arc::new(settings.clone()),
            pool,
            clock,
        });
        let json_limit = settings.server.json_body_limit_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(
                    ErrorHandlers::new()
                        .default_handler_client(routes::problem_for_bare_errors)
                        .default_handler_server(routes::problem_for_bare_errors),
                )
                .wrap(from_fn(crate::metrics::record_requests))
                .wrap(from_fn(crate::telemetry::request_context))
                .app_data(state.clone())
                .app_data(extract::JsonLimit(json_limit))
                .app_data(web::PayloadConfig::new(json_limit))
                .app_data(web::PathConfig::default().error_handler(extract::path_error))
                .app_data(web::QueryConfig::default().error_handler(extract::query_error))
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        Ok(Self { port, server: server.run() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
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
        settings.database.sqlite_busy_timeout_ms,
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
