//! Request extractors: `AuthUser`, a verified bearer access token or a 401,
//! and `Caller`, the request context most handlers need (who, and when).

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};

use crate::auth::AuthFailure;
use crate::auth::policy::Actor;
use crate::auth::tokens::VerifiedIdentity;
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AuthUser(pub VerifiedIdentity);

impl AuthUser {
    pub fn actor(&self) -> Actor {
        match &self.0 {
            VerifiedIdentity::User { user_id, role, organisation_id, .. } => {
                Actor::User { id: *user_id, role: *role, organisation_id: *organisation_id }
            }
            VerifiedIdentity::CaseSession { case_id } => Actor::CaseSession { case_id: *case_id },
        }
    }

    /// The account behind the token; receipt-code sessions have none.
    pub fn user_id(&self) -> Result<crate::domain::UserId, service::Error> {
        match &self.0 {
            VerifiedIdentity::User { user_id, .. } => Ok(*user_id),
            VerifiedIdentity::CaseSession { .. } => Err(service::Error::Forbidden),
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(app_state(req).and_then(|state| authenticate(req, state)))
    }
}

/// Who is calling (authenticated as `AuthUser` is) and the time this request
/// is served at, read once from the application's clock.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(app_state(req).and_then(|state| {
            let auth = authenticate(req, state)?;
            Ok(Caller { actor: auth.actor(), now: state.clock.now() })
        }))
    }
}

fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

fn authenticate(req: &HttpRequest, state: &AppState) -> Result<AuthUser, ApiError> {
    let token = bearer_token(req).ok_or(service::Error::Unauthenticated(AuthFailure::MissingToken))?;
    let identity = state.tokens.verify(token, state.clock.now()).map_err(service::Error::Unauthenticated)?;
    Ok(AuthUser(identity))
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}
