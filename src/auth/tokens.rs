//! Access tokens (JWT, HS256, algorithm pinned) and opaque refresh tokens
//! (random, stored only as SHA-256).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::AuthFailure;
use crate::config::AuthSettings;
use crate::domain::{CaseId, OrganisationId, Role, SessionFamilyId, UserId};

pub const AUDIENCE: &str = "madoguchi-api";

/// How a receipt session's `sid` begins; the receipt code's fingerprint follows.
const RECEIPT_SESSION: &str = "receipt:";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The login session (refresh-token family) this token belongs to.
    pub sid: String,
    /// Set on receipt-code sessions: the one case this token may act on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Who an access token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedIdentity {
    User {
        user_id: UserId,
        role: Role,
        organisation_id: Option<OrganisationId>,
        session_id: SessionFamilyId,
    },
    /// A worker without an account, holding a case's receipt code.
    CaseSession {
        case_id: CaseId,
        /// Which receipt code opened it (`ReceiptKeys::session_fingerprint`):
        /// the session ends when the code is replaced.
        receipt: String,
    },
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    access_ttl: chrono::Duration,
}

impl TokenKeys {
    pub fn from_settings(settings: &AuthSettings) -> Self {
        let secret = settings.jwt_secret.expose_secret().as_bytes();
        // Only HS256 is accepted: a token claiming `none` or another algorithm fails.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        // Expiry is checked against the injected clock in `verify`.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.jwt_issuer.clone(),
            access_ttl: chrono::Duration::seconds(settings.access_token_ttl_seconds),
        }
    }

    pub fn access_ttl(&self) -> chrono::Duration {
        self.access_ttl
    }

    pub fn issue(
        &self,
        user_id: UserId,
        role: Role,
        organisation_id: Option<OrganisationId>,
        session: SessionFamilyId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            org: organisation_id.map(|id| id.to_string()),
            sid: session.to_string(),
            case: None,
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<VerifiedIdentity, AuthFailure> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|error| {
                match error.kind() {
                    ErrorKind::ExpiredSignature => AuthFailure::ExpiredToken,
                    _ => AuthFailure::InvalidToken,
                }
            })?;
        let claims = data.claims;
        if claims.exp <= now.timestamp() {
            return Err(AuthFailure::ExpiredToken);
        }
        if let Some(case) = claims.case {
            let case_id = case.parse().map_err(|_| AuthFailure::InvalidToken)?;
            let receipt = claims.sid.strip_prefix(RECEIPT_SESSION).ok_or(AuthFailure::InvalidToken)?.to_owned();
            return Ok(VerifiedIdentity::CaseSession { case_id, receipt });
        }
        let user_id = claims.sub.parse().map_err(|_| AuthFailure::InvalidToken)?;
        let organisation_id =
            claims.org.as_deref().map(str::parse).transpose().map_err(|_| AuthFailure::InvalidToken)?;
        let session_id = claims.sid.parse().map_err(|_| AuthFailure::InvalidToken)?;
        Ok(VerifiedIdentity::User { user_id, role: claims.role, organisation_id, session_id })
    }

    /// A token limited to one case, for a worker who holds its receipt code
    /// (named by its fingerprint, so that replacing the code ends the session).
    pub fn issue_case_session(
        &self,
        case_id: CaseId,
        receipt: &str,
        ttl: chrono::Duration,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: format!("case:{case_id}"),
            role: Role::Worker,
            org: None,
            sid: format!("{RECEIPT_SESSION}{receipt}"),
            case: Some(case_id.to_string()),
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored for a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    crate::crypto::sha256_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::from_settings(&AuthSettings::for_tests(secret))
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let keys = keys(&"s".repeat(40));
        let now = Utc::now();
        let user = UserId::new();
        let token = keys.issue(user, Role::Handler, None, SessionFamilyId::new(), now).unwrap();
        let VerifiedIdentity::User { user_id, role, .. } = keys.verify(&token, now).unwrap() else {
            panic!("not a user token");
        };
        assert_eq!(user_id, user);
        assert_eq!(role, Role::Handler);
        assert_eq!(keys.verify(&token, now + chrono::Duration::seconds(901)), Err(AuthFailure::ExpiredToken));
    }

    #[test]
    fn case_sessions_name_their_case() {
        let keys = keys(&"s".repeat(40));
        let now = Utc::now();
        let case_id = CaseId::new();
        let token = keys.issue_case_session(case_id, "0123abcd", chrono::Duration::minutes(30), now).unwrap();
        assert_eq!(
            keys.verify(&token, now),
            Ok(VerifiedIdentity::CaseSession { case_id, receipt: "0123abcd".to_owned() })
        );
        assert_eq!(keys.verify(&token, now + chrono::Duration::minutes(31)), Err(AuthFailure::ExpiredToken));
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let now = Utc::now();
        let token = keys(&"a".repeat(40)).issue(UserId::new(), Role::Admin, None, SessionFamilyId::new(), now).unwrap();
        assert_eq!(keys(&"b".repeat(40)).verify(&token, now), Err(AuthFailure::InvalidToken));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token().unwrap();
        let b = new_refresh_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_refresh_token(&a).len(), 64);
        assert_ne!(hash_refresh_token(&a), a);
    }
}
