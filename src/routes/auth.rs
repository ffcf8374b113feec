//! `/auth/*` and `/me`: registration, login, token refresh, logout, profile.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::AuthUser;
use super::common::{UserResponse, language_or_default, valid_language, valid_password, valid_username};
use super::extract::ApiJson;
use super::support::{block, limit_by_ip, limit_key, with_conn, with_reader};
use crate::auth::AuthFailure;
use crate::auth::tokens::VerifiedIdentity;
use crate::domain::{FieldErrors, OrganisationKind, Role};
use crate::error::ApiError;
use crate::service;
use crate::service::account_codes;
use crate::service::sessions::{self, LoginName, SessionPolicy, TokenPair};
use crate::service::users::{self, NewUserInput};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(confirm_email)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(change_password)
        .service(request_password_reset)
        .service(reset_password);
}

/// A worker's self-registration. Email and phone are optional: many workers
/// have neither a work email nor a Japanese number.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "nguyen.van.a")]
    #[validate(custom(function = "valid_username"))]
    pub username: String,
    #[validate(custom(function = "valid_password"))]
    pub password: String,
    #[validate(email)]
    pub email: Option<String>,
    #[validate(length(min = 5, max = 32))]
    pub phone: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub display_name: Option<String>,
    /// BCP 47 tag, for example `vi` or `ne-NP`. Defaults to `en`.
    #[schema(example = "vi")]
    #[validate(custom(function = "valid_language"))]
    pub preferred_language: Option<String>,
}

/// Log in with an email address or a username, never both.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: Option<String>,
    pub username: Option<String>,
    #[validate(length(min = 1, max = 256))]
    pub password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    pub refresh_token: String,
}

/// A new account, as registration answers. An e-mail address given is not
/// attached yet: a code is mailed to it, and `POST /auth/email/confirm`
/// attaches it. The answer is the same whoever holds the address.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredResponse {
    pub id: uuid::Uuid,
    pub username: Option<String>,
    pub role: Role,
    pub preferred_language: String,
    pub created_at: DateTime<Utc>,
}

impl From<crate::domain::user::User> for RegisteredResponse {
    fn from(user: crate::domain::user::User) -> Self {
        Self {
            id: user.id.as_uuid(),
            username: user.username,
            role: user.role,
            preferred_language: user.preferred_language.to_string(),
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque; exchange it at `/auth/refresh` for a new pair. Single use.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            token_type: "Bearer".into(),
            expires_in: pair.access_expires_in.num_seconds(),
            refresh_token: pair.refresh_token,
            refresh_expires_at: pair.refresh_expires_at,
        }
    }
}

/// Register as a worker
///
/// Workers sign themselves up with a username and a password; email and
/// phone are optional. Other roles are created by admins
/// (`POST /api/v1/admin/users`). Log in afterwards at `POST /api/v1/auth/login`.
/// An e-mail address given is attached only once its owner enters the code
/// mailed to it (`POST /api/v1/auth/email/confirm`); until then `GET /me`
/// shows it as `email_pending`. If another account already has the address,
/// that account's owner is told instead, and nothing here or in `GET /me`
/// differs: registration does not reveal who is registered.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_register",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; log in to get tokens", body = RegisteredResponse),
        (status = 409, description = "The username is taken (`username_taken`)"),
        (status = 422, description = "A field breaks a rule, for example a weak password (`validation_failed`)"),
        (status = 429, description = "Too many registrations from this address (`rate_limited`)"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_ip(&req, &state, &state.rate_limits.register_by_ip)?;
    let body = body.0;
    let mut errors = FieldErrors::default();
    let preferred_language = language_or_default(body.preferred_language.as_deref(), &mut errors);
    errors.into_result()?;
    let input = NewUserInput {
        email: body.email,
        username: Some(body.username),
        phone: body.phone,
        display_name: body.display_name,
        password: body.password,
        role: Role::Worker,
        organisation_id: None,
        preferred_language,
    };
    let now = state.clock.now();
    let user = with_conn(&state, move |conn| users::register_worker(conn, input, now)).await?;
    Ok(HttpResponse::Created().json(RegisteredResponse::from(user)))
}

/// Log in
///
/// Exchanges an email address or a username (exactly one of them) and the
/// password for a short-lived access token and a single-use refresh token.
/// Attempts are rate limited per client address and per account.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong login or password (`invalid_credentials`)"),
        (status = 422, description = "Neither or both of `email` and `username` (`validation_failed`)"),
        (status = 429, description = "Too many attempts; see `Retry-After` (`rate_limited`)"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let name = match (body.email, body.username) {
        (Some(email), None) => LoginName::Email(email),
        (None, Some(username)) => LoginName::Username(username),
        _ => {
            return Err(ApiError::validation(
                "email",
                "exactly_one_login_name",
                "give either `email` or `username`, not both or neither",
            ));
        }
    };
    limit_by_ip(&req, &state, &state.rate_limits.login_by_ip)?;
    let name_key = name.key();
    let account = with_reader(&state, move |conn| sessions::find_account(conn, &name)).await?;
    let account_key = sessions::rate_limit_key(account.as_ref(), name_key);
    limit_key(&req, &state, &state.rate_limits.login_by_account, &account_key)?;

    // The password check is slow on purpose: no pooled connection is held during it.
    let password = body.password;
    let user = block(move || sessions::check_password(account, &password)).await?;
    let now = state.clock.now();
    let state_for_block = state.clone();
    let pair =
        with_conn(&state, move |conn| sessions::start_session(conn, &session_policy(&state_for_block), &user, now))
            .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

/// Refresh the tokens
///
/// Exchanges the refresh token for a new pair. The old refresh token stops
/// working; presenting it again ends the whole login session
/// (`refresh_token_reused`), so keep only the newest one.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_refresh",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "Invalid or expired (`invalid_refresh_token`) or reused (`refresh_token_reused`) refresh token"),        (status = 422, description = "An empty or overlong token (`validation_failed`)"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: ApiJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let state_for_block = state.clone();
    let pair = with_conn(&state, move |conn| {
        let policy = session_policy(&state_for_block);
        sessions::refresh(conn, &policy, &body.0.refresh_token, now)
    })
    .await
    .inspect_err(|error| {
        // A reused refresh token ended its whole session.
        if matches!(error, ApiError::Service(service::Error::Unauthenticated(AuthFailure::RefreshTokenReused))) {
            state.live_sessions.forget_all();
        }
    })?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

/// Log out
///
/// Ends the session the refresh token belongs to, and with it every access
/// token issued in it, at once. Logging out with an unknown
/// or already ended token also succeeds, so a client can always clear its state.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_logout",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out"),
        (status = 422, description = "An empty or overlong token (`validation_failed`)"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: ApiJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    with_conn(&state, move |conn| sessions::logout(conn, &body.0.refresh_token, now)).await?;
    state.live_sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    pub user: UserResponse,
    /// The kind of the caller's organisation, if any.
    pub organisation_kind: Option<OrganisationKind>,
    /// An address given but not confirmed yet with the code mailed to it.
    pub email_pending: Option<String>,
}

/// The caller's own profile
///
/// The account behind the access token, with the kind of its organisation.
/// Receipt-code sessions have no account and get 403.
#[utoipa::path(
    tag = "auth",
    operation_id = "me_get",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = MeResponse),
        (status = 403, description = "A receipt-code session has no account (`forbidden`)"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let actor = auth.actor();
    let user_id = auth.user_id()?;
    let now = state.clock.now();
    let (user, organisation, email_pending) = with_reader(&state, move |conn| {
        let user = users::get(conn, &actor, user_id)?;
        let organisation = match user.organisation_id {
            Some(id) => Some(crate::service::organisations::get(conn, &actor, id)?),
            None => None,
        };
        // Only an account without an address can have one pending: most
        // calls (staff, who always have one) cost no extra query.
        let pending = match user.email {
            Some(_) => None,
            None => account_codes::pending_email(conn, user_id, now)?,
        };
        Ok((user, organisation, pending))
    })
    .await?;
    Ok(HttpResponse::Ok().json(MeResponse {
        user: user.into(),
        organisation_kind: organisation.map(|o| o.kind),
        email_pending,
    }))
}

fn session_policy(state: &AppState) -> SessionPolicy<'_> {
    SessionPolicy {
        keys: &state.tokens,
        refresh_ttl: chrono::Duration::days(state.settings.auth.refresh_token_ttl_days),
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters.
    #[validate(custom(function = "valid_password"))]
    pub new_password: String,
}

/// Change your password
///
/// Needs the current password. Every other session of the account ends at
/// once (a phone left logged in elsewhere, a stolen token); this one stays.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_password_change",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 403, description = "A receipt-code session has no password (`forbidden`)"),
        (status = 422, description = "The current password is wrong, or the new one too short (`validation_failed`)"),
        (status = 429, description = "Too many attempts on this account; see `Retry-After` (`rate_limited`)"),
    )
)]
#[post("/auth/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    body: ApiJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let VerifiedIdentity::User { user_id, session_id, .. } = auth.0 else {
        return Err(service::Error::Forbidden.into());
    };
    // Guesses of the current password count against the account as login attempts do.
    limit_key(&req, &state, &state.rate_limits.login_by_account, &format!("user:{user_id}"))?;
    let now = state.clock.now();
    let PasswordChange { current_password, new_password } = body.0;
    // The hashing is slow on purpose: no pooled connection is held during it.
    let stored = with_conn(&state, move |conn| users::password_hash_of(conn, user_id)).await?;
    let hash = block(move || users::rehash_password(&stored, &current_password, &new_password)).await?;
    with_conn(&state, move |conn| users::change_password(conn, user_id, session_id, &hash, now)).await?;
    state.live_sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// A code mailed for an account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// As mailed, for example `CK35W-HE7FN-AJH3H-A4Q33`; letter case, spaces and dashes do not matter.
    #[validate(length(min = 1, max = 64))]
    pub code: String,
}

/// Confirm an e-mail address
///
/// Attaches the address that the code was mailed to, to the account that
/// gave it. A code works once, for 72 hours; a newer one voids the older.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_email_confirm",
    request_body = CodeRequest,
    responses(
        (status = 204, description = "The address is attached; it can now be used to log in"),
        (status = 409, description = "Another account took the address meanwhile (`email_taken`)"),
        (status = 422, description = "The code is wrong, used or expired (`validation_failed`, field `code`)"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    )
)]
#[post("/auth/email/confirm")]
pub async fn confirm_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_ip(&req, &state, &state.rate_limits.login_by_ip)?;
    let now = state.clock.now();
    let code = body.0.code;
    with_conn(&state, move |conn| account_codes::confirm_email(conn, &code, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[validate(email)]
    pub email: String,
}

/// Ask for a new password
///
/// Mails a code for setting a new password to the account with this
/// confirmed address, if one exists and is active. The answer is the same
/// either way, so it does not reveal who is registered.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_password_reset_request",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address belongs to an account, a code is on its way"),
        (status = 422, description = "Not an e-mail address (`validation_failed`)"),
        (status = 429, description = "Too many requests from this client or for this address (`rate_limited`)"),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    limit_by_ip(&req, &state, &state.rate_limits.login_by_ip)?;
    let email = body.0.email;
    // Its own bucket: resets asked by an outsider never use up the account's login allowance.
    limit_key(
        &req,
        &state,
        &state.rate_limits.login_by_account,
        &format!("reset:{}", crate::domain::user::normalise_email(&email)),
    )?;
    let now = state.clock.now();
    with_conn(&state, move |conn| account_codes::request_password_reset(conn, &email, now)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// As mailed; letter case, spaces and dashes do not matter.
    #[validate(length(min = 1, max = 64))]
    pub code: String,
    /// At least 10 characters.
    #[validate(custom(function = "valid_password"))]
    pub new_password: String,
}

/// Set a new password with a mailed code
///
/// A code works once, within the hour. Every session of the account ends,
/// so whoever held it before is out; log in with the new password.
#[utoipa::path(
    tag = "auth",
    operation_id = "auth_password_reset_complete",
    request_body = PasswordReset,
    responses(
        (status = 204, description = "The password is set; every session ended"),
        (status = 422, description = "The code is wrong, used or expired, or the password too weak (`validation_failed`)"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    )
)]
#[post("/auth/password-reset/complete")]
pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<PasswordReset>,
) -> Result<HttpResponse, ApiError> {
    limit_by_ip(&req, &state, &state.rate_limits.login_by_ip)?;
    let PasswordReset { code, new_password } = body.0;
    // The hashing is slow on purpose: no pooled connection is held during it.
    let hash = block(move || users::hash_new_password(&new_password)).await?;
    let now = state.clock.now();
    with_conn(&state, move |conn| account_codes::reset_password(conn, &code, &hash, now)).await?;
    state.live_sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}
