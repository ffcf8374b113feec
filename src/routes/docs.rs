//! The OpenAPI document (generated from the handlers' annotations, then
//! completed with the error contract) and the offline Swagger UI.
//!
//! Handlers document their successes and the errors of their own logic
//! (`(status = 403, description = "…")`: the problem+json body is added
//! here). The errors that come from the shared machinery are added here from
//! the operation's shape, exactly as the machinery produces them: 401 for a
//! bearer operation (the `AuthUser` extractor), 400/413/415 for a JSON body
//! (`ApiJson`), 400 for path and query parameters (their error handlers), 503
//! for anything that needs the database (`with_conn`), and 500 everywhere.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::error::{PROBLEM_JSON, ProblemCode};

pub const SPEC_PATH: &str = "/api/v1/openapi.json";
pub const UI_PATH: &str = "/docs/";

/// The name of the bearer security scheme.
const BEARER: &str = "bearer";

/// Operations that never touch the database, so never answer 503.
const WITHOUT_DATABASE: &[&str] = &[
    "health_live",
    "metrics_get",
    "lifecycle_get",
    "notifications_get",
    "categories_list",
    "remedy_types_list",
    "residence_statuses_list",
    "channels_list",
    "external_bodies_list",
    "errors_list",
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Madoguchi API",
        description = "Grievance and remedy mechanism for migrant workers in Japan.\n\n\
            Errors are RFC 9457 `application/problem+json` documents with a stable `code`; the catalogue of \
            codes, with what each means and what a client should do, is at `GET /api/v1/errors`. \
            Every response carries an `X-Request-Id` (echoed when the request sent a valid one). \
            Access tokens are short-lived JWTs sent as `Authorization: Bearer …`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
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
        super::auth::change_password,
        super::auth::confirm_email,
        super::auth::request_password_reset,
        super::auth::reset_password,
        super::admin::create_organisation,
        super::admin::list_organisations,
        super::admin::create_user,
        super::admin::list_users,
        super::admin::get_user,
        super::admin::deactivate_user,
        super::admin::reactivate_user,
        super::admin::update_user,
        super::admin::update_organisation,
        super::admin::deactivate_organisation,
        super::admin::reactivate_organisation,
        super::outbox::list_outbox,
        super::outbox::requeue,
        super::organisations::get_organisation,
        super::cases::lodge_case,
        super::cases::list_cases,
        super::cases::get_case,
        super::cases::get_case_by_reference,
        super::cases::take_action,
        super::cases::set_consent,
        super::cases::assign_mediator,
        super::cases::assign_handler,
        super::cases::mediator_suggestions,
        super::cases::link_employer,
        super::cases::classify,
        super::cases::update_identity,
        super::cases::set_advocate,
        super::cases::remove_advocate,
        super::cases::replace_receipt_code,
        super::cases::privacy::request_erasure,
        super::cases::privacy::approve_erasure,
        super::cases::privacy::refuse_erasure,
        super::cases::privacy::set_legal_hold,
        super::cases::privacy::clear_legal_hold,
        super::cases::privacy::download_personal_data,
        super::cases::messages::list_messages,
        super::cases::messages::post_message,
        super::cases::messages::upload_evidence,
        super::cases::messages::upload_remedy_evidence,
        super::cases::messages::download_evidence,
        super::intake::intake,
        super::intake::record,
        super::intake::open_session,
        super::intake::renew_session,
        super::webhooks::register,
        super::webhooks::list,
        super::webhooks::remove,
        super::staff::list_organisations,
        super::staff::list_mediators,
        super::staff::list_handlers,
        super::staff::set_languages,
        super::staff::declare_conflict,
        super::reports::summary,
        super::reports::cases,
        super::reference::lifecycle_table,
        super::reference::notifications_table,
        super::reference::categories,
        super::reference::remedy_types,
        super::reference::residence_statuses,
        super::reference::channels,
        super::reference::external_bodies,
        super::reference::errors,
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::ProblemCode,
        crate::domain::FieldError,
        crate::domain::notification::OutboxStatus,
        crate::export::Format,
        crate::service::webhooks::CaseEventPayload,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Registration, login and sessions"),
        (name = "admin", description = "Organisations, users and the outbox (admins only)"),
        (name = "organisations", description = "Organisation records"),
        (name = "staff", description = "The directory for case work, and what mediators declare about themselves"),
        (name = "cases", description = "Grievances: lodging, reading, lifecycle actions"),
        (name = "messages", description = "The conversation on a case, and evidence files"),
        (name = "intake", description = "Lodging and following a case without an account"),
        (name = "webhooks", description = "Signed case events for an organisation's systems"),
        (name = "reports", description = "Statistics with small-cell suppression, and pseudonymised exports"),
        (name = "reference", description = "The published lifecycle, catalogues and error codes"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login` or `/auth/refresh`, or a receipt-code \
                         session token from `POST /api/v1/intake/session`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as served: full paths, the error contract, servers and webhooks.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // The API paths live under `/api/v1` but the document names them in full.
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| {
            let full = if path.starts_with("/health") || path == "/metrics" { path } else { format!("/api/v1{path}") };
            (full, item)
        })
        .collect();
    doc.servers = Some(vec![
        ServerBuilder::new()
            .url("/")
            .description(Some("The server that serves this document (paths start with /api/v1)"))
            .build(),
    ]);
    let mut components = doc.components.take().unwrap_or_default();
    for (name, response) in problem_responses() {
        components.responses.insert(name.to_owned(), RefOr::T(response));
    }
    let mut used = BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            complete_operation(operation, &mut used);
        }
    }
    // Only the shared responses some operation refers to are published.
    components.responses.retain(|name, _| used.contains(name.as_str()));
    doc.components = Some(components);
    doc.webhooks = Some(super::webhooks::documented_webhooks());
    doc
}

/// The operations of a path item, whichever methods it has.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.options, &mut item.head]
        .into_iter()
        .filter_map(Option::as_mut)
}

/// The reusable error responses, one per status, named for `#/components/responses/…`.
/// Each lists the codes it may carry, read from `ProblemCode`.
fn problem_responses() -> BTreeMap<&'static str, Response> {
    let mut by_status: BTreeMap<u16, Vec<ProblemCode>> = BTreeMap::new();
    for &code in ProblemCode::ALL {
        by_status.entry(code.status().as_u16()).or_default().push(code);
    }
    by_status
        .into_iter()
        .filter_map(|(status, codes)| {
            let status = StatusCode::from_u16(status).ok()?;
            Some((response_name(status)?, problem_response(status, &codes, None)))
        })
        .collect()
}

/// The component name of the shared response for an error status.
fn response_name(status: StatusCode) -> Option<&'static str> {
    Some(match status.as_u16() {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "ValidationFailed",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        _ => return None,
    })
}

/// A problem+json response for `status`; `description` overrides the generic one.
fn problem_response(status: StatusCode, codes: &[ProblemCode], description: Option<&str>) -> Response {
    let listed: Vec<String> = codes.iter().map(|code| format!("`{}`", code.as_str())).collect();
    let generic = format!(
        "{}: the problem's `code` is one of {}.",
        status.canonical_reason().unwrap_or("Error"),
        listed.join(", ")
    );
    let mut response = ResponseBuilder::new()
        .description(description.map(str::to_owned).unwrap_or(generic))
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build();
    add_status_headers(status, &mut response);
    response
}

/// The headers the error machinery sets for a status (see `ApiError::error_response`).
fn add_status_headers(status: StatusCode, response: &mut Response) {
    let (name, description, integer) = match status {
        StatusCode::UNAUTHORIZED => ("WWW-Authenticate", "`Bearer`: the scheme to authenticate with.", false),
        StatusCode::TOO_MANY_REQUESTS => ("Retry-After", "Seconds to wait before trying again.", true),
        StatusCode::SERVICE_UNAVAILABLE => ("Retry-After", "Seconds to wait before trying again.", true),
        _ => return,
    };
    let schema = ObjectBuilder::new().schema_type(if integer { Type::Integer } else { Type::String });
    response
        .headers
        .entry(name.to_owned())
        .or_insert_with(|| RefOr::T(HeaderBuilder::new().schema(Some(schema)).description(Some(description)).build()));
}

/// Completes one operation's contract: explicit security, a problem+json body
/// and a description for every error it lists, and the errors the shared
/// machinery can add.
fn complete_operation(operation: &mut Operation, used: &mut BTreeSet<&'static str>) {
    // Public operations say so explicitly (an empty list), rather than inheriting.
    let security = operation.security.get_or_insert_with(Vec::new);
    let authenticated = !security.is_empty();

    let codes_by_status = {
        let mut map: BTreeMap<u16, Vec<ProblemCode>> = BTreeMap::new();
        for &code in ProblemCode::ALL {
            map.entry(code.status().as_u16()).or_default().push(code);
        }
        map
    };
    for (status, response) in operation.responses.responses.iter_mut() {
        let Some(status) = status.parse::<u16>().ok().and_then(|s| StatusCode::from_u16(s).ok()) else { continue };
        if !(status.is_client_error() || status.is_server_error()) {
            continue;
        }
        if let RefOr::T(inline) = response {
            if inline.content.is_empty() && inline.description.is_empty() {
                if let Some(name) = response_name(status) {
                    *response = RefOr::Ref(Ref::from_response_name(name));
                    used.insert(name);
                }
            } else if inline.content.is_empty() {
                let codes = codes_by_status.get(&status.as_u16()).map(Vec::as_slice).unwrap_or_default();
                *inline = problem_response(status, codes, Some(&inline.description));
            } else {
                add_status_headers(status, inline);
            }
        }
    }

    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_path_or_query = parameters.iter().any(|parameter| match parameter {
        RefOr::T(parameter) => matches!(parameter.parameter_in, ParameterIn::Path | ParameterIn::Query),
        RefOr::Ref(_) => false,
    });
    let body_types: Vec<&str> = match &operation.request_body {
        Some(RefOr::T(body)) => body.content.keys().map(String::as_str).collect(),
        Some(RefOr::Ref(_)) | None => Vec::new(),
    };
    let json_body = body_types.iter().any(|t| t.contains("json"));
    let raw_body = body_types.iter().any(|t| !t.contains("json"));
    let uses_database = !operation.operation_id.as_deref().is_some_and(|id| WITHOUT_DATABASE.contains(&id));

    let mut implied = Vec::new();
    if has_path_or_query || json_body || raw_body {
        implied.push(StatusCode::BAD_REQUEST);
    }
    if authenticated {
        implied.push(StatusCode::UNAUTHORIZED);
    }
    if json_body || raw_body {
        implied.push(StatusCode::PAYLOAD_TOO_LARGE);
    }
    if json_body {
        implied.push(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    implied.push(StatusCode::INTERNAL_SERVER_ERROR);
    if uses_database {
        implied.push(StatusCode::SERVICE_UNAVAILABLE);
    }
    for status in implied {
        if let Some(name) = response_name(status)
            && let Entry::Vacant(entry) = operation.responses.responses.entry(status.as_u16().to_string())
        {
            entry.insert(RefOr::Ref(Ref::from_response_name(name)));
            used.insert(name);
        }
    }
}

/// The content security policy of the docs page. Swagger UI is served from
/// the binary (no inline script: its start-up is `swagger-initializer.js`),
/// so everything may come from this origin only: no third-party script,
/// style, font or connection, no plugins, no forms, and no framing.
/// Images may also be `data:` URIs (the stylesheet's icons). The one inline
/// style, in Swagger UI's logo, is allowed by its hash (`LOGO_STYLE`); a
/// Swagger UI upgrade that changes it fails `.ci/docs-check`, which names
/// the new hash.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The `<style>` that Swagger UI 5.32's logo (an inline SVG) carries.
#[cfg(test)]
const LOGO_STYLE: &str = ".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}";

/// Gives the docs pages their strict policy; every other response keeps the
/// default one (`frame-ancestors 'none'`, from `support::security_headers`).
pub async fn docs_csp(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let docs = req.path() == "/docs" || req.path().starts_with(UI_PATH);
    let mut response = next.call(req).await?;
    if docs {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    }
    Ok(response)
}

/// The `/docs` UI, and the document at `SPEC_PATH` (served by the UI's service).
/// Register before the `/api/v1` scope, which would otherwise claim the path.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/docs",
        web::get().to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", UI_PATH)).finish() }),
    )
    .service(
        SwaggerUi::new("/docs/{_:.*}")
            .url(SPEC_PATH, document())
            // Swagger UI would otherwise send the document's URL to an outside validator.
            .config(Config::from(SPEC_PATH).validator_url("none")),
    );
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::Digest;

    use super::*;

    #[test]
    fn the_docs_policy_allows_nothing_inline_but_the_logos_hashed_style() {
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(LOGO_STYLE.as_bytes()));
        let directives: Vec<&str> = DOCS_CSP.split(';').map(str::trim).collect();
        assert!(directives.contains(&format!("style-src 'self' 'sha256-{hash}'").as_str()), "{DOCS_CSP}");
        for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"] {
            assert!(directives.contains(&directive), "{directive}");
        }
        assert!(!DOCS_CSP.contains("unsafe") && !DOCS_CSP.contains("http") && !DOCS_CSP.contains('*'));
    }
}
