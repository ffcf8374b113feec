//! Login sessions: password login, refresh-token rotation with reuse
//! detection, logout.
//!
//! Each login starts a token family. Refreshing marks the presented token
//! used and issues its successor in the same family. Presenting a used token
//! means it was copied: the whole family is revoked.

use chrono::{DateTime, Duration, Utc};

use crate::auth::AuthFailure;
use crate::auth::password;
use crate::auth::tokens::{self, TokenKeys};
use crate::db::{self, DbConnection, refresh_tokens::NewRefreshToken};
use crate::domain::user::User;
use crate::domain::user::{normalise_email, normalise_username};
use crate::domain::{OrganisationId, RefreshTokenId, Role, SessionFamilyId, UserId};
use crate::service::Error;

/// What a client logs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginName {
    Email(String),
    Username(String),
}

impl LoginName {
    /// The normalised name, also the key for per-account rate limiting.
    pub fn key(&self) -> String {
        match self {
            Self::Email(email) => format!("email:{}", normalise_email(email)),
            Self::Username(name) => {
                format!("username:{}", normalise_username(name).unwrap_or_else(|_| name.trim().to_lowercase()))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub access_expires_in: Duration,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

pub struct SessionPolicy<'a> {
    pub keys: &'a TokenKeys,
    pub refresh_ttl: Duration,
}

/// An account found by its login name, with what its password is checked against.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    password_hash: String,
    /// False when an admin has deactivated the account's organisation.
    organisation_active: bool,
}

/// Login, step 1 (needs the database): find the account.
pub fn find_account(conn: &mut DbConnection, name: &LoginName) -> Result<Option<Account>, Error> {
    let row = match name {
        LoginName::Email(email) => db::users::find_by_email(conn, &normalise_email(email))?,
        LoginName::Username(username) => match normalise_username(username) {
            Ok(username) => db::users::find_by_username(conn, &username)?,
            Err(_) => None,
        },
    };
    let Some(row) = row else { return Ok(None) };
    let organisation_active = organisation_active(conn, row.organisation_id)?;
    let password_hash = row.password_hash.clone();
    Ok(Some(Account { user: row.into_domain()?, password_hash, organisation_active }))
}

/// Whether an account's organisation (if it has one) is active.
fn organisation_active(conn: &mut DbConnection, organisation: Option<OrganisationId>) -> Result<bool, Error> {
    match organisation {
        None => Ok(true),
        Some(id) => Ok(db::organisations::find(conn, id)?.is_none_or(|row| row.active)),
    }
}

/// The key login attempts are counted under: the account itself when it
/// exists, so that its e-mail and its username share one allowance, and
/// otherwise the normalised name that was tried.
pub fn rate_limit_key(account: Option<&Account>, name_key: String) -> String {
    match account {
        Some(account) => format!("user:{}", account.user.id),
        None => name_key,
    }
}

/// Login, step 2 (CPU only, no connection held): check the password. An
/// unknown account costs the same work and gets the same answer.
pub fn check_password(account: Option<Account>, attempt: &str) -> Result<User, Error> {
    let refused = Error::Unauthenticated(AuthFailure::InvalidCredentials);
    match account {
        // Only someone who knows the password learns that the account is deactivated.
        Some(account) if password::verify(attempt, &account.password_hash) => {
            match account.user.active && account.organisation_active {
                true => Ok(account.user),
                false => Err(Error::Unauthenticated(AuthFailure::AccountDisabled)),
            }
        }
        Some(_) => Err(refused),
        None => {
            password::verify_against_dummy(attempt);
            Err(refused)
        }
    }
}

/// Login, step 3: start a session (a new refresh-token family).
#[tracing::instrument(skip_all)]
pub fn start_session(
    conn: &mut DbConnection,
    policy: &SessionPolicy<'_>,
    user: &User,
    now: DateTime<Utc>,
) -> Result<TokenPair, Error> {
    let family = SessionFamilyId::new();
    db::write_transaction(conn, |conn| issue_pair(conn, policy, user.id, user.role, user.organisation_id, family, now))
}

#[tracing::instrument(skip_all)]
pub fn refresh(
    conn: &mut DbConnection,
    policy: &SessionPolicy<'_>,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<TokenPair, Error> {
    let hash = tokens::hash_refresh_token(presented);
    let at = db::timestamp(now);
    // The reuse verdict must commit even though the request fails, so the
    // transaction returns it as a value rather than as an error.
    let outcome = db::write_transaction(conn, |conn| -> Result<Result<TokenPair, AuthFailure>, Error> {
        let Some(token) = db::refresh_tokens::find_by_hash(conn, &hash)? else {
            return Ok(Err(AuthFailure::InvalidRefreshToken));
        };
        if token.revoked_at.is_some() {
            return Ok(Err(AuthFailure::InvalidRefreshToken));
        }
        let reused =
            token.used_at.is_some() || (token.expires_at > at && !db::refresh_tokens::mark_used(conn, token.id, at)?);
        if reused {
            db::refresh_tokens::revoke_family(conn, token.family_id, at)?;
            tracing::warn!(family = %token.family_id, "refresh token reused; session revoked");
            return Ok(Err(AuthFailure::RefreshTokenReused));
        }
        if token.expires_at <= at {
            return Ok(Err(AuthFailure::InvalidRefreshToken));
        }
        let Some(user) = db::users::find(conn, token.user_id)?.filter(|user| user.active) else {
            return Ok(Err(AuthFailure::InvalidRefreshToken));
        };
        if !organisation_active(conn, user.organisation_id)? {
            return Ok(Err(AuthFailure::InvalidRefreshToken));
        }
        issue_pair(conn, policy, user.id, user.role, user.organisation_id, token.family_id, now).map(Ok)
    })?;
    outcome.map_err(Error::Unauthenticated)
}

/// Ends the session the refresh token belongs to. Unknown tokens are
/// ignored: logging out twice is not an error.
#[tracing::instrument(skip_all)]
pub fn logout(conn: &mut DbConnection, presented: &str, now: DateTime<Utc>) -> Result<(), Error> {
    let hash = tokens::hash_refresh_token(presented);
    db::write_transaction(conn, |conn| {
        if let Some(token) = db::refresh_tokens::find_by_hash(conn, &hash)? {
            db::refresh_tokens::revoke_family(conn, token.family_id, db::timestamp(now))?;
        }
        Ok(())
    })
}

fn issue_pair(
    conn: &mut DbConnection,
    policy: &SessionPolicy<'_>,
    user_id: UserId,
    role: Role,
    organisation_id: Option<OrganisationId>,
    family: SessionFamilyId,
    now: DateTime<Utc>,
) -> Result<TokenPair, Error> {
    let refresh_token = tokens::new_refresh_token()?;
    let refresh_expires_at = now + policy.refresh_ttl;
    db::refresh_tokens::insert(
        conn,
        &NewRefreshToken {
            id: RefreshTokenId::new(),
            family_id: family,
            user_id,
            token_hash: &tokens::hash_refresh_token(&refresh_token),
            issued_at: db::timestamp(now),
            expires_at: db::timestamp(refresh_expires_at),
        },
    )?;
    // The access token names its session in the `sid` claim, a string.
    let access_token = policy.keys.issue(user_id, role, organisation_id, family, now)?;
    Ok(TokenPair { access_token, access_expires_in: policy.keys.access_ttl(), refresh_token, refresh_expires_at })
}

/// Whether the login session behind an access token still stands (checked on
/// every request, so an ended session stops at once, not at token expiry).
pub fn require_live_session(conn: &mut DbConnection, family: SessionFamilyId, user: UserId) -> Result<(), Error> {
    match db::refresh_tokens::session_is_live(conn, family, user)? {
        true => Ok(()),
        false => Err(Error::Unauthenticated(AuthFailure::SessionEnded)),
    }
}
