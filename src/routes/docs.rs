//! The OpenAPI document (generated from the handlers) and the offline Swagger UI.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

pub const SPEC_PATH: &str = "/api/v1/openapi.json";
pub const UI_PATH: &str = "/docs/";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Madoguchi API",
        description = "Grievance and remedy mechanism for migrant workers in Japan. \
            Errors are RFC 9457 problem+json documents with a stable `code`.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        super::health::live,
        super::health::ready,
        super::health::metrics,
        super::auth::register,
        super::auth::login,
        super::auth::refresh,
        super::auth::logout,
        super::auth::me,
        super::admin::create_organisation,
        super::admin::list_organisations,
        super::admin::create_user,
        super::admin::list_users,
        super::admin::get_user,
        super::outbox::list_outbox,
        super::outbox::requeue,
        super::organisations::get_organisation,
        super::cases::lodge_case,
        super::cases::list_cases,
        super::cases::get_case,
        super::cases::take_action,
        super::cases::set_consent,
        super::cases::assign_mediator,
        super::cases::link_employer,
        super::cases::classify,
        super::cases::update_identity,
        super::cases::messages::list_messages,
        super::cases::messages::post_message,
        super::cases::messages::upload_evidence,
        super::cases::messages::download_evidence,
        super::intake::intake,
        super::intake::open_session,
        super::webhooks::register,
        super::webhooks::list,
        super::webhooks::remove,
        super::reports::summary,
        super::reports::cases,
        super::reference::lifecycle_table,
        super::reference::categories,
    ),
    components(schemas(crate::error::Problem, crate::domain::FieldError, crate::domain::notification::OutboxStatus, crate::export::Format)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, login and sessions"),
        (name = "admin", description = "Organisations and users (admins only)"),
        (name = "organisations", description = "Organisation records"),
        (name = "cases", description = "Grievances: lodging, reading, lifecycle actions"),
        (name = "messages", description = "The conversation on a case, and evidence files"),
        (name = "intake", description = "Lodging and following a case without an account"),
        (name = "webhooks", description = "Signed case events for an organisation's systems"),
        (name = "reports", description = "Statistics with small-cell suppression"),
        (name = "reference", description = "The published lifecycle and catalogues"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The API paths live under `/api/v1` but the document names them in full.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| {
            let full = if path.starts_with("/health") || path == "/metrics" { path } else { format!("/api/v1{path}") };
            (full, item)
        })
        .collect();
    doc
}

/// The `/docs` UI, and the document at `SPEC_PATH` (served by the UI's service).
/// Register before the `/api/v1` scope, which would otherwise claim the path.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/docs",
        web::get().to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", UI_PATH)).finish() }),
    )
    .service(SwaggerUi::new("/docs/{_:.*}").url(SPEC_PATH, document()));
}
