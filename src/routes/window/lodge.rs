//! Lodging without an account: the form, and the receipt page that answers it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use validator::Validate;

use super::session::{self, Form, SESSION_COOKIE};
use super::{PageError, Window};
use crate::domain::catalogue::Category;
use crate::domain::labels;
use crate::error::ApiError;
use crate::routes::cases::dto::{IdentityDto, LodgeCaseRequest};
use crate::routes::cases::lodge_with_key;
use crate::routes::support::limit_by_ip;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    cfg.route(&format!("{prefix}/lodge"), web::get().to(form)).route(&format!("{prefix}/lodge"), web::post().to(lodge));
}

#[derive(Serialize)]
struct CategoryChoice {
    key: &'static str,
    label: &'static str,
    /// One plain sentence shown under the label (`category_hint` in labels.toml).
    hint: &'static str,
}

#[derive(Serialize)]
struct LodgeForm {
    categories: Vec<CategoryChoice>,
    /// Sent back as the intake's retry key: a double tap or a reload of the
    /// answer lodges once.
    form_key: String,
}

/// Reprisals are reported on the case they follow, not lodged anew.
fn offered_categories(lang: &str) -> Vec<CategoryChoice> {
    Category::ALL
        .iter()
        .filter(|c| **c != Category::Reprisal)
        .map(|c| CategoryChoice {
            key: c.as_str(),
            label: labels::label("category", c.as_str(), lang),
            hint: labels::label("category_hint", c.as_str(), lang),
        })
        .collect()
}

async fn form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let window = Window::of(&req, &state, Window::query_language(&req).as_deref())?;
    let form_key = uuid::Uuid::new_v4().to_string();
    window.page(
        &state,
        StatusCode::OK,
        "lodge.html",
        LodgeForm { categories: offered_categories(window.lang), form_key },
    )
}

#[derive(Serialize)]
struct Receipt {
    reference: String,
    receipt_code: String,
}

async fn lodge(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, PageError> {
    let form = Form::parse(&body);
    let window = Window::of(&req, &state, form.get("lang"))?;
    if !session::csrf_holds(&req, &state, form.get("csrf")) {
        return Err(PageError::forged(window.lang, &window.base));
    }
    let key = form
        .get("form_key")
        .filter(|k| k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| window.fail(ApiError::validation("form_key", "required", "reload the form")))?
        .to_owned();
    let request = lodge_request(&form, window.lang).map_err(|e| window.fail(e))?;
    limit_by_ip(&req, &state, &state.rate_limits.intake_by_ip).map_err(|e| window.fail(e))?;
    let lodged = lodge_with_key(&state, None, request, Some(key)).await.map_err(|e| window.fail(e))?;
    // The receipt page opens the case's session at once: "see my case" needs no typing.
    let ttl = chrono::Duration::seconds(state.settings.auth.case_session_ttl_seconds);
    let fingerprint = crate::auth::receipts::session_fingerprint(&state.receipts.hash(&lodged.receipt_code));
    let token = state
        .tokens
        .issue_case_session(lodged.case_id, &fingerprint, ttl, state.clock.now())
        .map_err(|e| window.fail(ApiError::internal(e)))?;
    let status = if lodged.replayed { StatusCode::OK } else { StatusCode::CREATED };
    let receipt = Receipt { reference: lodged.reference.to_string(), receipt_code: lodged.receipt_code };
    let mut response = window.page(&state, status, "receipt.html", receipt)?;
    response
        .add_cookie(&session::cookie(&state, SESSION_COOKIE, token, &window.base))
        .map_err(|e| window.fail(ApiError::internal(e)))?;
    Ok(response)
}

/// The form as the intake's request, checked by the same rules.
fn lodge_request(form: &Form, lang: &str) -> Result<LodgeCaseRequest, ApiError> {
    let categories = form
        .all("categories")
        .map(|raw| {
            serde_json::from_value::<Category>(serde_json::Value::String(raw.to_owned()))
                .map_err(|_| ApiError::validation("categories", "unknown_category", "choose from the list"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let identity = IdentityDto {
        full_name: form.get("full_name").map(str::to_owned),
        email: form.get("email").map(str::to_owned),
        phone: form.get("phone").map(str::to_owned),
        ..IdentityDto::default()
    };
    let has_identity = identity.full_name.is_some() || identity.email.is_some() || identity.phone.is_some();
    let request = LodgeCaseRequest {
        categories,
        narrative: form.get("narrative").unwrap_or_default().to_owned(),
        narrative_language: lang.to_owned(),
        incident_from: None,
        incident_to: None,
        prefecture: None,
        industry: None,
        employer_organisation_id: None,
        employer_name: form.get("employer_name").map(str::to_owned),
        nationality: None,
        residence_status: None,
        identity: has_identity.then_some(identity),
        disclose_identity_to_employer: form.get("disclose_identity") == Some("yes"),
        worker_consent: None,
    };
    request.validate()?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_form_is_a_valid_intake_request() {
        let form = Form::parse(
            "categories=unpaid_wages&categories=housing&narrative=Ch%C6%B0a+tr%E1%BA%A3+l%C6%B0%C6%A1ng&employer_name=Tokai&email=a%40example.org"
                .as_bytes(),
        );
        let request = lodge_request(&form, "vi").unwrap();
        assert_eq!(request.categories, [Category::UnpaidWages, Category::Housing]);
        assert_eq!(request.narrative, "Chưa trả lương");
        assert_eq!(request.narrative_language, "vi");
        assert_eq!(request.identity.unwrap().email.as_deref(), Some("a@example.org"));
        assert!(!request.disclose_identity_to_employer);
    }

    #[test]
    fn no_category_or_an_unknown_one_is_refused() {
        assert!(lodge_request(&Form::parse(b"narrative=x&employer_name=y"), "en").is_err());
        assert!(lodge_request(&Form::parse(b"categories=made_up&narrative=x&employer_name=y"), "en").is_err());
    }

    #[test]
    fn reprisal_is_not_offered_at_intake() {
        assert!(offered_categories("vi").iter().all(|c| c.key != "reprisal"));
        assert_eq!(offered_categories("vi").len(), Category::ALL.len() - 1);
    }
}
