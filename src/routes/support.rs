//! The handlers' toolkit: running diesel off the async threads, the caller's
//! address and the rate-limit guard, and the fallbacks that keep every error
//! in problem+json.

use std::hash::Hash;
use std::net::IpAddr;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::rate_limit::{KeyLimit, Limiter};
use crate::db::DbConnection;
use crate::error::{ApiError, PROBLEM_JSON, Problem, ProblemCode};
use crate::service;
use crate::state::AppState;

/// Runs `f` on the blocking thread pool inside the caller's tracing span, so
/// what it logs still carries the request's id.
pub async fn block<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, service::Error> + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    let result = web::block(move || span.in_scope(f)).await.map_err(ApiError::internal)?;
    Ok(result?)
}

/// Runs `f` on a connection that may write (on SQLite: the one writer,
/// waited for in turn) on the blocking thread pool, so no connection is ever
/// held across an `.await`.
pub async fn with_conn<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, service::Error> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
}

/// Like [`with_conn`], for reads only: on SQLite a reader, which neither
/// waits for the writer nor holds it up.
pub async fn with_reader<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, service::Error> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    block(move || {
        let mut conn = pool.read()?;
        f(&mut conn)
    })
    .await
}

/// The rate-limit guard: a 429 (with `Retry-After`) once the caller's address
/// has used up `limiter`'s allowance. Callers with no known address pass.
pub fn limit_by_ip(req: &HttpRequest, state: &AppState, limiter: &Limiter<IpAddr>) -> Result<(), ApiError> {
    match client_ip(req, state.settings.server.trust_forwarded_headers) {
        Some(ip) => limit(limiter, &ip),
        None => Ok(()),
    }
}

/// A 429 (with `Retry-After`) once `key` has used up either allowance of
/// `limiter`: the one for the caller's address, or the one for everywhere.
pub fn limit_key(req: &HttpRequest, state: &AppState, limiter: &KeyLimit, key: &str) -> Result<(), ApiError> {
    let address = client_ip(req, state.settings.server.trust_forwarded_headers);
    limiter.check(address, key).map_err(|retry_after| ApiError::RateLimited { retry_after })
}

/// A 429 (with `Retry-After`) once `key` has used up `limiter`'s allowance.
pub fn limit<K: Hash + Eq + Clone>(limiter: &Limiter<K>, key: &K) -> Result<(), ApiError> {
    limiter.check(key).map_err(|retry_after| ApiError::RateLimited { retry_after })
}

/// The caller's address, for rate limiting. Forwarded headers are believed
/// only when configured (behind a trusted reverse proxy).
pub fn client_ip(req: &HttpRequest, trust_forwarded: bool) -> Option<IpAddr> {
    if trust_forwarded
        && let Some(ip) = req.connection_info().realip_remote_addr().and_then(|addr| {
            addr.parse::<IpAddr>().ok().or_else(|| addr.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        })
    {
        return Some(ip);
    }
    req.peer_addr().map(|addr| addr.ip())
}

/// Fallback for unknown routes.
pub async fn not_found(
    req: HttpRequest,
    routes: web::Data<super::methods::RouteMethods>,
) -> Result<HttpResponse, ApiError> {
    match routes.allowed(req.path()) {
        Some(allowed) if !allowed.contains(req.method()) => Err(ApiError::MethodNotAllowed { allowed }),
        _ => Err(ApiError::UnknownRoute),
    }
}

/// Turns error responses that actix produced itself (405, an unmatched
/// route) into problem+json, leaving ours untouched.
pub fn problem_for_bare_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_problem = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // The window's pages answer errors with a page in the reader's language.
    let is_page =
        res.response().headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if already_problem || is_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let is_preflight = res.request().method() == actix_web::http::Method::OPTIONS
        && res.request().headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let code = match status.as_u16() {
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        413 => ProblemCode::PayloadTooLarge,
        415 => ProblemCode::UnsupportedMediaType,
        // The CORS middleware refused a preflight (an origin, method or header not allowed).
        400 if is_preflight => ProblemCode::CorsRefused,
        s if s >= 500 => ProblemCode::InternalError,
        _ => ProblemCode::BadRequest,
    };
    let detail = match code {
        ProblemCode::NotFound => ApiError::UnknownRoute.to_string(),
        ProblemCode::MethodNotAllowed => "this method is not allowed on this resource".to_owned(),
        ProblemCode::CorsRefused => "this origin, method or header is not allowed for cross-origin requests".to_owned(),
        ProblemCode::InternalError => "an internal error occurred; it has been logged".to_owned(),
        ProblemCode::PayloadTooLarge | ProblemCode::UnsupportedMediaType => code.meaning().to_owned(),
        _ => status.canonical_reason().unwrap_or("bad request").to_lowercase(),
    };
    let (req, original) = res.into_parts();
    let mut response: HttpResponse<BoxBody> = Problem::new(code, detail, vec![]).into_response();
    // Keep what the inner layers said about the response (`Allow`, CORS, `Vary`), not its body's headers.
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    let response: HttpResponse<EitherBody<B>> = response.map_into_right_body();
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response)))
}

/// Headers on every response, unless a handler set its own: nothing is
/// cached (responses carry tokens, receipt codes, identities and exports),
/// nothing is sniffed, framed, or told where the reader came from.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"))
}
