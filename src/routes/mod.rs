//! HTTP: thin handlers, request/response DTOs and their OpenAPI description,
//! grouped by resource. This file is only the router; the handlers' toolkit
//! is in `support`, the extractors in `extractor`, and what several resources
//! share in `common`.

pub mod admin;
pub mod auth;
pub mod cases;
pub mod common;
pub mod docs;
pub mod extract;
pub mod extractor;
pub mod health;
pub mod intake;
pub mod methods;
pub mod organisations;
pub mod outbox;
pub mod pages;
pub mod reference;
pub mod reports;
pub mod staff;
pub mod support;
pub mod webhooks;
pub mod window;

use actix_web::web;

pub use extractor::{AuthUser, Caller};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics)
        .configure(docs::configure)
        .configure(pages::configure)
        .service(
            web::scope("/api/v1")
                .configure(auth::configure)
                .configure(admin::configure)
                .configure(organisations::configure)
                .configure(outbox::configure)
                .configure(cases::configure)
                .configure(intake::configure)
                .configure(reference::configure)
                .configure(reports::configure)
                .configure(staff::configure)
                .configure(webhooks::configure),
        );
}
