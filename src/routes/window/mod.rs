//! The worker's window: HTML pages served by this binary, for workers on a
//! cheap phone (no JavaScript needed, a few kilobytes a page) and for staff
//! following a link from mail. The pages call the same services, with the
//! same rate limits and access policy, as the JSON API.

pub mod follow;
pub mod lodge;
pub mod render;
pub mod session;
pub mod view;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use self::render::Frame;
use self::session::{FORM_COOKIE, FormCookie};
use crate::auth::AuthFailure;
use crate::config::WindowSettings;
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

/// No script, no inline style, nothing from elsewhere; forms post only here.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                            frame-ancestors 'none'; base-uri 'none'";

/// Registers the pages under the configured prefix; nothing when turned off.
pub fn configure(cfg: &mut web::ServiceConfig, settings: &WindowSettings) {
    if !settings.enabled {
        return;
    }
    let prefix = settings.prefix.trim_end_matches('/').to_owned();
    // Routes, not a scope: a scope at the root would claim every path, `/api/v1` too.
    cfg.app_data(web::Data::new(Base(prefix.clone())))
        .route(&format!("{prefix}/"), web::get().to(home))
        .route(&format!("{prefix}/window.css"), web::get().to(stylesheet))
        .route(&format!("{prefix}/favicon.svg"), web::get().to(icon));
    lodge::configure(cfg, &prefix);
    follow::configure(cfg, &prefix);
}

/// Where the window lives: `""` or a path such as `/window`.
#[derive(Debug, Clone)]
pub struct Base(pub String);

/// What a page handler knows before it starts: the reader's language, the
/// window's address and this browser's form cookie.
pub struct Window {
    pub lang: &'static str,
    pub base: String,
    form: FormCookie,
    csrf: String,
}

impl Window {
    pub fn of(req: &HttpRequest, state: &AppState, requested_language: Option<&str>) -> Result<Self, PageError> {
        let lang = render::served_language(requested_language);
        let base = req.app_data::<web::Data<Base>>().map(|b| b.0.clone()).unwrap_or_default();
        let form = FormCookie::of(req).map_err(|e| PageError::new(lang, &base, ApiError::internal(e)))?;
        let csrf = session::csrf_token(state, &form.value);
        Ok(Self { lang, base, form, csrf })
    }

    /// The language asked for in the query (`?lang=`).
    pub fn query_language(req: &HttpRequest) -> Option<String> {
        form_urlencoded::parse(req.query_string().as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned())
    }

    pub fn frame(&self) -> Frame<'_> {
        Frame { lang: self.lang, base: &self.base, csrf: &self.csrf }
    }

    pub fn fail(&self, error: impl Into<ApiError>) -> PageError {
        PageError::new(self.lang, &self.base, error.into())
    }

    /// A page, with the form cookie set when the browser had none.
    pub fn page(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        values: impl serde::Serialize,
    ) -> Result<HttpResponse, PageError> {
        let html = render::page(template, &self.frame(), values).map_err(|e| self.fail(ApiError::internal(e)))?;
        let mut response = html_response(status, self.lang, html);
        if self.form.is_new {
            let cookie = session::cookie(state, FORM_COOKIE, self.form.value.clone(), &self.base);
            response.add_cookie(&cookie).map_err(|e| self.fail(ApiError::internal(e)))?;
        }
        Ok(response)
    }

    /// After a form: back to `path` in the reader's language (303, so a
    /// reload does not post again).
    pub fn see_other(&self, path: &str) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{}{path}?lang={}", self.base, self.lang)))
            .finish()
    }
}

fn html_response(status: StatusCode, lang: &str, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, lang.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .body(html)
}

async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let window = Window::of(&req, &state, Window::query_language(&req).as_deref())?;
    window.page(&state, StatusCode::OK, "home.html", ())
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(render::STYLESHEET)
}

/// The window's icon, so that browsers do not ask for a missing `/favicon.ico`.
async fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(render::ICON)
}

/// A failure shown as a page in the reader's language, never as JSON: what
/// went wrong in plain words, and the way back.
#[derive(Debug)]
pub struct PageError {
    lang: &'static str,
    base: String,
    error: ApiError,
}

impl PageError {
    pub fn new(lang: &'static str, base: &str, error: ApiError) -> Self {
        Self { lang, base: base.to_owned(), error }
    }

    /// A form that did not come from our page in this browser.
    pub fn forged(lang: &'static str, base: &str) -> Self {
        Self::new(lang, base, service::Error::Unauthenticated(AuthFailure::MissingToken).into())
    }

    fn meaning(&self) -> (StatusCode, &'static str) {
        use service::Error as E;
        match &self.error {
            ApiError::Service(E::Validation(_))
            | ApiError::InvalidBody(_)
            | ApiError::MalformedJson(_)
            | ApiError::PayloadTooLarge { .. }
            | ApiError::InvalidQuery(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error_input"),
            ApiError::Service(E::Unauthenticated(AuthFailure::InvalidReceipt)) => {
                (StatusCode::UNAUTHORIZED, "error_receipt")
            }
            ApiError::Service(E::Unauthenticated(AuthFailure::InvalidCredentials)) => {
                (StatusCode::UNAUTHORIZED, "error_input")
            }
            ApiError::Service(E::Unauthenticated(_)) => (StatusCode::FORBIDDEN, "error_session"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "error_busy"),
            ApiError::Service(E::NotFound) | ApiError::UnknownRoute | ApiError::InvalidPath(_) => {
                (StatusCode::NOT_FOUND, "error_not_found")
            }
            ApiError::Service(E::Forbidden | E::InvalidTransition { .. } | E::Conflict(_)) => {
                (StatusCode::CONFLICT, "error_changed")
            }
            ApiError::Service(E::UnsupportedEvidenceType) | ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "error_file")
            }
            ApiError::UploadInterrupted | ApiError::MethodNotAllowed { .. } => (StatusCode::BAD_REQUEST, "error_input"),
            ApiError::Service(E::Unavailable | E::Busy | E::StorageUnavailable(_)) => {
                (StatusCode::SERVICE_UNAVAILABLE, "error_general")
            }
            ApiError::Service(E::Internal(_)) => (StatusCode::INTERNAL_SERVER_ERROR, "error_general"),
        }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.meaning().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, phrase) = self.meaning();
        if status.is_server_error() {
            tracing::error!(error = %self.error, "a window page failed");
        }
        let frame = Frame { lang: self.lang, base: &self.base, csrf: "" };
        let html = render::page("error.html", &frame, serde_json::json!({ "phrase": phrase })).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the error page does not render");
            String::from("<!DOCTYPE html><html lang=\"en\"><title>Error</title><p>Error</p></html>")
        });
        let mut response = html_response(status, self.lang, html);
        if let ApiError::RateLimited { retry_after } = &self.error
            && let Ok(value) = header::HeaderValue::from_str(&retry_after.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
