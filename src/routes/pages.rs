//! The pages that links in mail land on when the worker's window
//! (`routes::window`) is turned off or moved: `/case/{reference}` for
//! workers, `/staff/cases/{case_id}` for staff and `/account/{page}` for
//! mailed codes. They read nothing from the database, so they cannot tell a
//! real reference from a made-up one, and say only what the link already
//! carried. With the window on at the root, it registers first and answers
//! `/case/{reference}` with its login form; `/staff/cases/{case_id}` and
//! `/account/{page}` are still these placeholders.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::domain::account_code::CodePurpose;
use crate::domain::case::CaseReference;
use crate::domain::{CaseId, LanguageTag};
use crate::error::ApiError;
use crate::notify::templates::{self, Landing};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(worker_case).service(staff_case).service(account_code);
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

impl PageQuery {
    /// The requested language when it is a well-formed tag; English otherwise
    /// (a page a worker was sent to never fails for its language).
    fn language(&self) -> String {
        self.lang.as_deref().and_then(|raw| LanguageTag::parse(raw).ok()).map_or("en".to_owned(), |t| t.to_string())
    }
}

#[get("/case/{reference}")]
async fn worker_case(path: web::Path<String>, query: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let reference = CaseReference::parse(&path).ok_or(ApiError::UnknownRoute)?;
    page(Landing::Worker, &query.language(), reference.as_str())
}

#[get("/staff/cases/{case_id}")]
async fn staff_case(path: web::Path<String>, query: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let case_id: CaseId = path.parse().map_err(|_| ApiError::UnknownRoute)?;
    page(Landing::Staff, &query.language(), &case_id.to_string())
}

/// Where a mailed account code's link lands. The code follows `#` and so
/// never reaches this handler.
#[get("/account/{page}")]
async fn account_code(path: web::Path<String>, query: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let purpose = CodePurpose::of_page(&path).ok_or(ApiError::UnknownRoute)?;
    let (served, html) = templates::account_page(purpose, &query.language()).map_err(ApiError::internal)?;
    Ok(html_page(served, html))
}

fn page(landing: Landing, language: &str, subject: &str) -> Result<HttpResponse, ApiError> {
    let (served, html) = templates::landing_page(landing, language, subject).map_err(ApiError::internal)?;
    Ok(html_page(served, html))
}

fn html_page(served: &str, html: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, served))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .body(html)
}
