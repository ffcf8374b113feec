//! Cross-origin requests from browsers: which web applications may call the
//! API (`server.cors_allowed_origins`), and the `actix-cors` middleware that
//! answers their preflights. No origins are allowed unless configured; the
//! development profile allows `http://localhost:*` and `http://127.0.0.1:*`.

use actix_cors::Cors;
use actix_web::http::Method;

/// How long a browser may cache a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE_SECONDS: usize = 3600;

/// Request headers a browser client may send beyond the CORS-safelisted ones.
const ALLOWED_REQUEST_HEADERS: &[&str] =
    &["authorization", "content-type", "idempotency-key", "if-match", "x-request-id"];

/// Response headers a browser client may read beyond the CORS-safelisted ones.
const EXPOSED_RESPONSE_HEADERS: &[&str] = &[
    "etag",
    "location",
    "retry-after",
    "www-authenticate",
    "content-disposition",
    "idempotent-replayed",
    "x-request-id",
];

/// One allowed origin: `https://app.example.org`, or `http://localhost:*`
/// for any port of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    /// `None` for any port (written `:*`).
    port: Option<PortRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortRule {
    /// No port in the origin: the scheme's default.
    Default,
    Exactly(u16),
}

impl OriginPattern {
    /// Parses a configured origin; the message says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw == "*" {
            return Err(
                "`*` is not accepted; list the web applications' origins, for example https://app.example.org".into()
            );
        }
        let (scheme, rest) = raw
            .split_once("://")
            .filter(|(scheme, _)| *scheme == "http" || *scheme == "https")
            .ok_or_else(|| format!("`{raw}` is not an origin: it must start with http:// or https://"))?;
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!("`{raw}` is not an origin: give only scheme, host and port, with no path"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, "*")) => (host, None),
            Some((host, port)) => {
                let port = port.parse::<u16>().map_err(|_| format!("`{raw}` has an invalid port"))?;
                (host, Some(PortRule::Exactly(port)))
            }
            None => (rest, Some(PortRule::Default)),
        };
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
            return Err(format!("`{raw}` has an invalid host"));
        }
        Ok(Self { scheme: scheme.to_owned(), host: host.to_ascii_lowercase(), port })
    }

    /// Whether a request's `Origin` header value is this one.
    pub fn matches(&self, origin: &str) -> bool {
        let Some((scheme, rest)) = origin.split_once("://") else { return false };
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => (host, Some(port)),
                Err(_) => return false,
            },
            None => (rest, None),
        };
        let port_matches = match (&self.port, port) {
            (None, _) => true,
            (Some(PortRule::Default), None) => true,
            (Some(PortRule::Exactly(expected)), Some(port)) => *expected == port,
            (Some(_), _) => false,
        };
        scheme == self.scheme && host.eq_ignore_ascii_case(&self.host) && port_matches
    }
}

/// Parses every configured origin (empty entries, as an empty environment
/// variable gives, are skipped).
pub fn parse_origins(configured: &[String]) -> Result<Vec<OriginPattern>, String> {
    configured.iter().filter(|raw| !raw.trim().is_empty()).map(|raw| OriginPattern::parse(raw)).collect()
}

/// The CORS middleware for these origins, or `None` when none are allowed,
/// in which case no CORS header is ever sent.
pub fn middleware(origins: Vec<OriginPattern>) -> Option<Cors> {
    if origins.is_empty() {
        return None;
    }
    let cors = Cors::default()
        .allowed_origin_fn(move |origin, _request| {
            origin.to_str().is_ok_and(|origin| origins.iter().any(|pattern| pattern.matches(origin)))
        })
        .allowed_methods([Method::GET, Method::POST, Method::DELETE])
        .allowed_headers(ALLOWED_REQUEST_HEADERS.iter().copied())
        .expose_headers(EXPOSED_RESPONSE_HEADERS.iter().copied())
        .max_age(PREFLIGHT_MAX_AGE_SECONDS)
        // Requests from other origins (curl, servers, a same-origin page's
        // POST) are served as usual, only without CORS headers: the browser
        // is the one that enforces CORS.
        .block_on_origin_mismatch(false);
    Some(cors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_origins_match_only_themselves() {
        let pattern = OriginPattern::parse("https://App.example.org").unwrap();
        assert!(pattern.matches("https://app.example.org"));
        assert!(!pattern.matches("http://app.example.org"));
        assert!(!pattern.matches("https://app.example.org:8443"));
        assert!(!pattern.matches("https://evil.app.example.org"));
        assert!(!pattern.matches("https://app.example.org.evil.com"));
        assert!(!pattern.matches("null"));
    }

    #[test]
    fn a_port_wildcard_matches_any_port_of_that_host() {
        let pattern = OriginPattern::parse("http://localhost:*").unwrap();
        assert!(pattern.matches("http://localhost:5173"));
        assert!(pattern.matches("http://localhost"));
        assert!(!pattern.matches("https://localhost:5173"));
        assert!(!pattern.matches("http://localhost.evil.com:5173"));
        let pattern = OriginPattern::parse("http://localhost:3000").unwrap();
        assert!(pattern.matches("http://localhost:3000") && !pattern.matches("http://localhost:3001"));
    }

    #[test]
    fn what_is_not_an_origin_is_refused_with_a_reason() {
        for bad in ["*", "localhost:3000", "ftp://x.org", "https://x.org/app", "https://", "https://x.org:port"] {
            assert!(OriginPattern::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_origins(&["".into(), " ".into()]).unwrap(), vec![]);
    }
}
