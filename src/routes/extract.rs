//! Request extraction that fails with problem+json: a JSON body extractor
//! that names the offending field, and error handlers for actix's own
//! path and query extractors.

use actix_web::error::{PathError, PayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::domain::{FieldError, FieldErrors, validation};
use crate::error::ApiError;

/// A JSON body, deserialised (unknown fields refused by the DTO) and validated.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// The largest JSON body accepted; registered as app data at start-up.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<JsonLimit>().copied().unwrap_or(JsonLimit(65_536)).0;
        let is_json = is_json_content_type(req);
        let declared_too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|length| length > limit);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_too_large {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let bytes = body.await.map_err(|error| match error.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
                _ => ApiError::MalformedJson("the body could not be read".to_owned()),
            })?;
            if let Some(errors) = control_characters(&bytes) {
                return Err(errors.into());
            }
            let value: T = parse(&bytes)?;
            value.validate()?;
            Ok(ApiJson(value))
        })
    }
}

/// Every string in the body (and every key) carrying a control character,
/// by path. Almost no body has one, so the bytes are scanned first and only
/// a suspect body is parsed a second time to find where.
fn control_characters(bytes: &[u8]) -> Option<FieldErrors> {
    if !may_hold_control_character(bytes) {
        return None;
    }
    // Not JSON: `parse` reports the syntax error.
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut errors = FieldErrors::default();
    collect_control_characters(&value, String::new(), &mut errors);
    (!errors.is_empty()).then_some(errors)
}

/// Whether the raw JSON may decode to a control character: an escape such
/// as `\u0000`, `\b` or `\f`, or a raw DEL or C1 character (JSON itself
/// refuses raw C0 characters inside strings).
fn may_hold_control_character(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'\\', Some(b'b' | b'f')) | (0x7f, _) | (0xc2, Some(0x80..=0x9f)) => return true,
            (b'\\', Some(b'u')) => {
                let code = bytes.get(i + 2..i + 6).and_then(|hex| std::str::from_utf8(hex).ok());
                let decoded = code.and_then(|hex| u32::from_str_radix(hex, 16).ok()).and_then(char::from_u32);
                if decoded.is_some_and(validation::is_forbidden_character) {
                    return true;
                }
                i += 6;
            }
            (b'\\', Some(_)) => i += 2,
            _ => i += 1,
        }
    }
    false
}

fn collect_control_characters(value: &serde_json::Value, path: String, errors: &mut FieldErrors) {
    use serde_json::Value;
    match value {
        Value::String(text) if validation::has_forbidden_character(text) => {
            errors.push(validation::forbidden_character_error(path));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_control_characters(item, format!("{path}[{index}]"), errors);
            }
        }
        Value::Object(fields) => {
            for (name, item) in fields {
                let inner = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                if validation::has_forbidden_character(name) {
                    errors.push(validation::forbidden_character_error(inner));
                } else {
                    collect_control_characters(item, inner, errors);
                }
            }
        }
        _ => {}
    }
}

/// Query parameters carrying a control character (a file name, a report
/// filter), refused with 422 for every route before any handler runs.
pub async fn refuse_control_characters_in_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let query = req.query_string();
    if query.contains('%') || query.bytes().any(|b| b == 0x7f) {
        let mut errors = FieldErrors::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if validation::has_forbidden_character(&name) || validation::has_forbidden_character(&value) {
                errors.push(validation::forbidden_character_error(name.into_owned()));
            }
        }
        if !errors.is_empty() {
            // A response, not an error, so the outer middleware (security
            // headers, request ids) still see it.
            return Ok(req.error_response(ApiError::from(errors)).map_into_right_body());
        }
    }
    next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_left_body)
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::MalformedJson(inner.to_string())
        } else {
            ApiError::InvalidBody(vec![shape_error(&path, &inner)])
        }
    })?;
    deserializer.end().map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    Ok(value)
}

/// Names the field a shape error is about. For an unknown or missing field
/// serde reports the enclosing object, so the field name is taken from the message.
fn shape_error(path: &str, error: &serde_json::Error) -> FieldError {
    let message = error.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    let quoted = message.split('`').nth(1).map(str::to_owned);
    let join = |name: String| {
        if path == "." || path.is_empty() {
            name
        } else if path.rsplit('.').next() == Some(name.as_str()) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, code) = if message.starts_with("unknown field") {
        (quoted.map(join).unwrap_or_else(|| path.to_owned()), "unknown_field")
    } else if message.starts_with("missing field") {
        (quoted.map(join).unwrap_or_else(|| path.to_owned()), "required")
    } else {
        (path.to_owned(), "invalid_type")
    };
    let field = if field == "." { String::new() } else { field };
    FieldError::new(field, code, message)
}

pub fn path_error(error: PathError, req: &HttpRequest) -> actix_web::Error {
    let errors = req.match_info().iter().map(|(name, _)| FieldError::new(name, "invalid", error.to_string())).collect();
    ApiError::InvalidPath(errors).into()
}

pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::InvalidQuery(error.to_string()).into()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialised")]
    struct Inner {
        amount: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialised")]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    fn field_of(body: &str) -> (String, String) {
        match parse::<Outer>(body.as_bytes()) {
            Err(ApiError::InvalidBody(errors)) => (errors[0].field.clone(), errors[0].code.clone()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_the_offending_field() {
        assert_eq!(field_of(r#"{"name":"a","items":[],"extra":1}"#), ("extra".into(), "unknown_field".into()));
        assert_eq!(field_of(r#"{"items":[]}"#), ("name".into(), "required".into()));
        assert_eq!(
            field_of(r#"{"name":"a","items":[{"amount":"x"}]}"#),
            ("items[0].amount".into(), "invalid_type".into())
        );
    }

    #[test]
    fn control_characters_are_found_by_path_in_escapes_and_raw() {
        let paths = |body: &str| -> Vec<String> {
            control_characters(body.as_bytes()).map(|e| e.0.into_iter().map(|e| e.field).collect()).unwrap_or_default()
        };
        assert_eq!(paths(r#"{"name":"a\u0000","items":[]}"#), ["name"]);
        assert_eq!(
            paths(r#"{"name":"a","items":[{"note":"\u001B"}, {"note":"\b"}]}"#),
            ["items[0].note", "items[1].note"]
        );
        assert_eq!(paths("{\"name\":\"a\u{7f}\"}"), ["name"]);
        assert_eq!(paths("{\"name\":\"a\u{85}\"}"), ["name"]);
        assert_eq!(paths(r#"{"na\fme":"x"}"#), ["na\u{c}me"]);
        // Escaped backslashes, tabs, line breaks and other escapes are text.
        assert!(paths(r#"{"name":"C:\\b\\u0000 \t\n\r \u00e9 \"q\""}"#).is_empty());
        assert!(!may_hold_control_character(br#"{"name":"C:\\b"}"#));
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        assert!(matches!(parse::<Outer>(b"{\"name\":"), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse::<Outer>(br#"{"name":"a","items":[]} trailing"#), Err(ApiError::MalformedJson(_))));
    }
}
