//! Request extractors: `AuthUser`, a verified bearer access token or a 401,
//! and `Caller`, the request context most handlers need (who, and when).

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;

use super::support::with_reader;
use crate::auth::AuthFailure;
use crate::auth::policy::Actor;
use crate::auth::tokens::VerifiedIdentity;
use crate::error::ApiError;
use crate::service::cases::commands;
use crate::service::{self, sessions};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AuthUser(pub VerifiedIdentity);

impl AuthUser {
    pub fn actor(&self) -> Actor {
        match &self.0 {
            VerifiedIdentity::User { user_id, role, organisation_id, .. } => {
                Actor::User { id: *user_id, role: *role, organisation_id: *organisation_id }
            }
            VerifiedIdentity::CaseSession { case_id, .. } => Actor::CaseSession { case_id: *case_id },
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
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let verified = app_state(req).and_then(|state| Ok((verify(req, state)?, state.clone())));
        Box::pin(async move {
            let (auth, state) = verified?;
            require_live_session(&state, &auth).await?;
            Ok(auth)
        })
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
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticated = AuthUser::from_request(req, payload);
        let state = app_state(req).cloned();
        Box::pin(async move {
            let (auth, state) = (authenticated.await?, state?);
            Ok(Caller { actor: auth.actor(), now: state.clock.now() })
        })
    }
}

fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

/// The token's signature, audience and expiry: no database needed.
fn verify(req: &HttpRequest, state: &AppState) -> Result<AuthUser, ApiError> {
    let token = bearer_token(req).ok_or(service::Error::Unauthenticated(AuthFailure::MissingToken))?;
    verify_token(state, token)
}

fn verify_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let identity = state.tokens.verify(token, state.clock.now()).map_err(service::Error::Unauthenticated)?;
    Ok(AuthUser(identity))
}

/// What `AuthUser` checks of a bearer header, for a token carried another
/// way (the window's session cookie): the same signature, expiry and live
/// session.
pub async fn authenticate(state: &web::Data<AppState>, token: &str) -> Result<AuthUser, ApiError> {
    let auth = verify_token(state, token)?;
    require_live_session(state, &auth).await?;
    Ok(auth)
}

/// A genuine access token whose session has ended (logout, a password
/// change, a deactivated or deleted account; for a receipt session, a
/// replaced receipt code) stops here, at once, rather than when it expires.
async fn require_live_session(state: &web::Data<AppState>, auth: &AuthUser) -> Result<(), ApiError> {
    let (user_id, session_id) = match &auth.0 {
        VerifiedIdentity::User { user_id, session_id, .. } => (user_id, session_id),
        VerifiedIdentity::CaseSession { case_id, receipt } => {
            let (case_id, receipt) = (*case_id, receipt.clone());
            with_reader(state, move |conn| commands::require_live_receipt_session(conn, case_id, &receipt)).await?;
            return Ok(());
        }
    };
    let (user, family, now) = (*user_id, *session_id, state.clock.now());
    if state.live_sessions.recently_confirmed(family, now) {
        return Ok(());
    }
    with_reader(state, move |conn| sessions::require_live_session(conn, family, user)).await?;
    state.live_sessions.confirm(family, now);
    Ok(())
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}
