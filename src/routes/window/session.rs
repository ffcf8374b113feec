//! The window's cookies and form tokens.
//!
//! Two cookies, both HttpOnly and SameSite=Strict (and Secure in
//! production): `mg_form`, a random value that the CSRF token of every form
//! is an HMAC of, and `mg_session`, the same access token the API would hand
//! out (a receipt-code session or a staff login), checked exactly as a
//! bearer token is.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, web};
use secrecy::ExposeSecret;

use crate::config::Profile;
use crate::crypto::{hex, hmac_sha256};
use crate::routes::AuthUser;
use crate::routes::extractor::authenticate;
use crate::state::AppState;

pub const FORM_COOKIE: &str = "mg_form";
pub const SESSION_COOKIE: &str = "mg_session";

/// A cookie the scripts on the page cannot read and other sites cannot send.
pub fn cookie(state: &AppState, name: &'static str, value: String, path: &str) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(if path.is_empty() { "/".to_owned() } else { path.to_owned() })
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.profile == Profile::Production)
        .finish()
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(state: &AppState, name: &'static str, path: &str) -> Cookie<'static> {
    let mut cookie = cookie(state, name, String::new(), path);
    cookie.make_removal();
    cookie
}

/// The form cookie's value: the one the browser sent, or a new one to set.
pub struct FormCookie {
    pub value: String,
    pub is_new: bool,
}

impl FormCookie {
    pub fn of(req: &HttpRequest) -> anyhow::Result<Self> {
        match req.cookie(FORM_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 64) {
            Some(value) => Ok(Self { value, is_new: false }),
            None => Ok(Self { value: random_hex()?, is_new: true }),
        }
    }
}

pub fn random_hex() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(hex(&bytes))
}

/// The token a form carries: an HMAC of the form cookie under a sub-key of
/// the server's secret, so another site can neither read nor forge it.
pub fn csrf_token(state: &AppState, form_cookie: &str) -> String {
    let key = hmac_sha256(state.settings.auth.jwt_secret.expose_secret().as_bytes(), b"madoguchi window csrf v1");
    hex(&hmac_sha256(&key, form_cookie.as_bytes()))
}

/// Whether a posted form came from one of our pages in this browser.
pub fn csrf_holds(req: &HttpRequest, state: &AppState, presented: Option<&str>) -> bool {
    let (Some(cookie), Some(presented)) = (req.cookie(FORM_COOKIE), presented) else {
        return false;
    };
    let expected = csrf_token(state, cookie.value());
    expected.len() == presented.len()
        && expected.bytes().zip(presented.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The caller behind the session cookie, if it holds a live session.
pub async fn session_user(req: &HttpRequest, state: &web::Data<AppState>) -> Option<AuthUser> {
    let token = req.cookie(SESSION_COOKIE)?.value().to_owned();
    authenticate(state, &token).await.ok()
}

/// A posted form (`application/x-www-form-urlencoded`), keeping repeated fields.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The field's first value, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_and_blanks_are_absent() {
        let form = Form::parse(b"categories=a&categories=b&narrative=+hi+&empty=+");
        assert_eq!(form.all("categories").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(form.get("narrative"), Some("hi"));
        assert_eq!(form.get("empty"), None);
        assert_eq!(form.get("missing"), None);
    }
}
