//! Following a case with its reference and receipt code: the login form,
//! the case in plain words, and its forms (actions, messages, consent).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;
use validator::Validate;

use super::session::{self, Form, SESSION_COOKIE};
use super::view::{self, Words};
use super::{PageError, Window, render};
use crate::auth::Actor;
use crate::auth::tokens::VerifiedIdentity;
use crate::domain::LanguageTag;
use crate::domain::case::Visibility;
use crate::domain::lifecycle::Action;
use crate::error::ApiError;
use crate::routes::cases::dto::{ActionRequest, CaseResponse, RemedyProposalDto};
use crate::routes::cases::messages::MessageDto;
use crate::routes::support::{limit_by_ip, limit_key, with_conn, with_reader};
use crate::service::cases::messages::{self, NewMessage};
use crate::service::cases::{act, commands, read};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    let at = |path: &str| format!("{prefix}{path}");
    cfg.route(&at("/follow"), web::get().to(follow))
        .route(&at("/case/{reference}"), web::get().to(from_mail))
        .route(&at("/follow/login"), web::post().to(login))
        .route(&at("/follow/logout"), web::post().to(logout))
        .route(&at("/follow/act"), web::post().to(take_action))
        .route(&at("/follow/message"), web::post().to(post_message))
        .route(&at("/follow/consent"), web::post().to(set_consent));
}

#[derive(Serialize)]
struct LoginForm {
    reference: String,
}

/// The case behind this browser's receipt-code session, if any.
async fn case_session(req: &HttpRequest, state: &web::Data<AppState>) -> Option<Actor> {
    let user = session::session_user(req, state).await?;
    matches!(user.0, VerifiedIdentity::CaseSession { .. }).then(|| user.actor())
}

async fn follow(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let window = Window::of(&req, &state, Window::query_language(&req).as_deref())?;
    match case_session(&req, &state).await {
        Some(actor) => case_page(&window, &state, actor).await,
        None => window.page(&state, StatusCode::OK, "login.html", LoginForm { reference: String::new() }),
    }
}

/// Where the worker's link in mail lands: the login form with the reference filled in.
async fn from_mail(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let window = Window::of(&req, &state, Window::query_language(&req).as_deref())?;
    let reference = crate::domain::case::CaseReference::parse(&reference)
        .ok_or_else(|| window.fail(ApiError::UnknownRoute))?
        .to_string();
    window.page(&state, StatusCode::OK, "login.html", LoginForm { reference })
}

/// Phrases of the page's language, for the view.
pub struct PagePhrases(pub &'static str);

impl Words for PagePhrases {
    fn phrase(&self, key: &str) -> String {
        render::phrase(self.0, key)
    }
}

/// The case as `actor` may see it, with its messages, as a page.
pub async fn case_page(window: &Window, state: &web::Data<AppState>, actor: Actor) -> Result<HttpResponse, PageError> {
    let id = match &actor {
        Actor::CaseSession { case_id } => *case_id,
        Actor::User { .. } | Actor::System => return Err(window.fail(crate::service::Error::NotFound)),
    };
    staff_or_worker_page(window, state, actor, id, "/follow".to_owned()).await
}

pub async fn staff_or_worker_page(
    window: &Window,
    state: &web::Data<AppState>,
    actor: Actor,
    id: crate::domain::CaseId,
    form_path: String,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let sealer = state.sealer.clone();
    let (view, messages) = with_reader(state, move |conn| {
        let view = read::get(conn, &sealer, &actor, id, now)?;
        let messages = messages::list(conn, &sealer, &actor, id, None, Some(100))?;
        Ok((view, messages))
    })
    .await
    .map_err(|e| window.fail(e))?;
    let case = CaseResponse::from_view(view, now);
    let messages = messages.items.into_iter().map(MessageDto::from).collect();
    let page = view::case_page(case, messages, window.lang, &PagePhrases(window.lang), form_path);
    window.page(state, StatusCode::OK, "case.html", page)
}

/// Reads a posted form after checking its CSRF token.
pub fn checked_form(req: &HttpRequest, state: &AppState, body: &[u8]) -> Result<(Form, Window), PageError> {
    let form = Form::parse(body);
    let window = Window::of(req, state, form.get("lang"))?;
    if !session::csrf_holds(req, state, form.get("csrf")) {
        return Err(PageError::forged(window.lang, &window.base));
    }
    Ok((form, window))
}

async fn login(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, PageError> {
    let (form, window) = checked_form(&req, &state, &body)?;
    let reference = form.get("reference").unwrap_or_default().to_owned();
    let code = form.get("receipt_code").unwrap_or_default().to_owned();
    if reference.len() > 40 || code.len() > 64 {
        return Err(window.fail(ApiError::validation("reference", "too_long", "too long")));
    }
    // The same allowances as `POST /api/v1/intake/session`.
    limit_by_ip(&req, &state, &state.rate_limits.receipt_by_ip).map_err(|e| window.fail(e))?;
    limit_key(&req, &state, &state.rate_limits.receipt_by_reference, &reference.to_ascii_uppercase())
        .map_err(|e| window.fail(e))?;
    let state_for_block = state.clone();
    let (case_id, receipt) = with_conn(&state, move |conn| {
        commands::open_receipt_session(conn, &state_for_block.receipts, &reference, &code)
    })
    .await
    .map_err(|e| window.fail(e))?;
    let ttl = chrono::Duration::seconds(state.settings.auth.case_session_ttl_seconds);
    let token = state
        .tokens
        .issue_case_session(case_id, &receipt, ttl, state.clock.now())
        .map_err(|e| window.fail(ApiError::internal(e)))?;
    let mut response = window.see_other("/follow");
    response
        .add_cookie(&session::cookie(&state, SESSION_COOKIE, token, &window.base))
        .map_err(|e| window.fail(ApiError::internal(e)))?;
    Ok(response)
}

async fn logout(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, PageError> {
    let (_, window) = checked_form(&req, &state, &body)?;
    let mut response = window.see_other("/");
    response
        .add_cookie(&session::removal(&state, SESSION_COOKIE, &window.base))
        .map_err(|e| window.fail(ApiError::internal(e)))?;
    Ok(response)
}

/// The receipt-code session a worker's form needs, or the "session ended" page.
async fn worker(req: &HttpRequest, state: &web::Data<AppState>, window: &Window) -> Result<Actor, PageError> {
    case_session(req, state)
        .await
        .ok_or_else(|| window.fail(crate::service::Error::Unauthenticated(crate::auth::AuthFailure::SessionEnded)))
}

fn case_of(actor: &Actor, window: &Window) -> Result<crate::domain::CaseId, PageError> {
    match actor {
        Actor::CaseSession { case_id } => Ok(*case_id),
        Actor::User { .. } | Actor::System => Err(window.fail(crate::service::Error::NotFound)),
    }
}

fn version(form: &Form, window: &Window) -> Result<i32, PageError> {
    form.get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| window.fail(ApiError::validation("version", "required", "reload the page")))
}

/// An action's posted form as the API's action request, checked by the same rules.
pub fn action_request(form: &Form) -> Result<ActionRequest, ApiError> {
    let unknown = || ApiError::validation("action", "unknown_action", "not an action");
    let action: Action = form.get("action").ok_or_else(unknown)?.parse().map_err(|_| unknown())?;
    let uuid = |name: &str| -> Result<Option<Uuid>, ApiError> {
        form.get(name)
            .map(|raw| raw.parse().map_err(|_| ApiError::validation(name, "invalid", "choose from the list")))
            .transpose()
    };
    let remedies = match action {
        Action::ProposeRemedy => vec![RemedyProposalDto {
            remedy_type: parse_choice(form, "remedy_type")?,
            description: form.get("description").unwrap_or_default().to_owned(),
            responsible_organisation_id: uuid("responsible_organisation_id")?
                .ok_or_else(|| ApiError::validation("responsible_organisation_id", "required", "choose"))?,
            amount: form.get("amount").map(str::to_owned),
            currency: form.get("amount").map(|_| "JPY".to_owned()),
            due_date: form.get("due_date").and_then(|d| d.parse().ok()),
        }],
        _ => vec![],
    };
    let request = ActionRequest {
        action,
        version: None,
        reason: form.get("reason").map(str::to_owned),
        remedies,
        remedy_id: uuid("remedy_id")?,
        rating: form
            .get("rating")
            .map(|r| r.parse().map_err(|_| ApiError::validation("rating", "range", "1 to 5")))
            .transpose()?,
        comment: form.get("comment").map(str::to_owned),
        external_body: form.get("external_body").map(|_| parse_choice(form, "external_body")).transpose()?,
    };
    request.validate()?;
    Ok(request)
}

fn parse_choice<T: serde::de::DeserializeOwned>(form: &Form, name: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(form.get(name).unwrap_or_default().to_owned()))
        .map_err(|_| ApiError::validation(name, "invalid", "choose from the list"))
}

/// Runs a lifecycle action for `actor` from a posted form.
pub async fn act_from_form(
    state: &web::Data<AppState>,
    window: &Window,
    actor: Actor,
    id: crate::domain::CaseId,
    form: &Form,
) -> Result<(), PageError> {
    let version = version(form, window)?;
    let instruction = action_request(form)
        .and_then(|request| request.into_instruction(version).map_err(ApiError::from))
        .map_err(|e| window.fail(e))?;
    let now = state.clock.now();
    let sealer = state.sealer.clone();
    with_conn(state, move |conn| act::act(conn, &sealer, &actor, id, instruction, now))
        .await
        .map_err(|e| window.fail(e))?;
    Ok(())
}

async fn take_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (form, window) = checked_form(&req, &state, &body)?;
    let actor = worker(&req, &state, &window).await?;
    let id = case_of(&actor, &window)?;
    act_from_form(&state, &window, actor, id, &form).await?;
    Ok(window.see_other("/follow"))
}

/// Posts a message for `actor` from a posted form.
pub async fn message_from_form(
    state: &web::Data<AppState>,
    window: &Window,
    actor: Actor,
    id: crate::domain::CaseId,
    form: &Form,
) -> Result<(), PageError> {
    let body = form.get("body").unwrap_or_default().to_owned();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(window.fail(ApiError::validation("body", "length", "1 to 10000 characters")));
    }
    let visibility: Visibility = form
        .get("visibility")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| window.fail(ApiError::validation("visibility", "required", "choose who reads it")))?;
    let message = NewMessage { body, visibility, language: LanguageTag::parse(window.lang).ok() };
    let now = state.clock.now();
    let sealer = state.sealer.clone();
    with_conn(state, move |conn| messages::post(conn, &sealer, &actor, id, message, now))
        .await
        .map_err(|e| window.fail(e))?;
    Ok(())
}

async fn post_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (form, window) = checked_form(&req, &state, &body)?;
    let actor = worker(&req, &state, &window).await?;
    let id = case_of(&actor, &window)?;
    message_from_form(&state, &window, actor, id, &form).await?;
    Ok(window.see_other("/follow"))
}

async fn set_consent(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (form, window) = checked_form(&req, &state, &body)?;
    let actor = worker(&req, &state, &window).await?;
    let id = case_of(&actor, &window)?;
    let version = version(&form, &window)?;
    let disclose = form.get("disclose") == Some("yes");
    let now = state.clock.now();
    let sealer = state.sealer.clone();
    with_conn(&state, move |conn| commands::set_disclosure_consent(conn, &sealer, &actor, id, version, disclose, now))
        .await
        .map_err(|e| window.fail(e))?;
    Ok(window.see_other("/follow"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_form_becomes_the_api_request() {
        let form = Form::parse(b"action=confirm_remedy&version=7&rating=4&comment=C%E1%BA%A3m+%C6%A1n&reason=");
        let request = action_request(&form).unwrap();
        assert_eq!(request.action, Action::ConfirmRemedy);
        assert_eq!(request.rating, Some(4));
        assert_eq!(request.comment.as_deref(), Some("Cảm ơn"));
        assert_eq!(request.reason, None);
        assert!(request.into_instruction(7).is_ok());
    }

    #[test]
    fn bad_action_forms_are_refused() {
        assert!(action_request(&Form::parse(b"action=fly")).is_err());
        assert!(action_request(&Form::parse(b"action=confirm_remedy&rating=9")).is_err());
        assert!(action_request(&Form::parse(b"action=mark_remedy_delivered&remedy_id=nope")).is_err());
    }
}
