//! Logging (tracing) and the per-request context: a request id taken from
//! `X-Request-Id` or generated, a span carrying it, and one log line per request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::field::{Field, Visit};
use tracing::{Event, Instrument, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::config::{LogFormat, LogSettings};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Installs the global subscriber once. `RUST_LOG` wins over the setting.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = match settings.format {
        LogFormat::Human => builder.event_format(ClientFaultsAtWarn::human()).try_init(),
        LogFormat::Json => builder
            .json()
            .event_format(ClientFaultsAtWarn::json(
                tracing_subscriber::fmt::format().json().flatten_event(true).with_current_span(true),
            ))
            .try_init(),
    };
}

/// actix-http answers a request it cannot parse (a malformed request line
/// or header, a head over its 128 KiB buffer) itself, in its HTTP/1
/// dispatcher, before any middleware or error handler runs: a bare 400 or
/// 431 with an empty body, which no hook of actix-web can turn into
/// problem+json. It then logs the client's mistake as an ERROR
/// (`stream error: …`). Those lines are shown here at WARN, as the client's
/// fault they are; every other event is shown as it is.
struct ClientFaultsAtWarn<F> {
    inner: F,
    json: bool,
}

impl ClientFaultsAtWarn<tracing_subscriber::fmt::format::Format> {
    fn human() -> Self {
        Self { inner: tracing_subscriber::fmt::format(), json: false }
    }
}

impl<F> ClientFaultsAtWarn<F> {
    fn json(inner: F) -> Self {
        Self { inner, json: true }
    }
}

/// The message of an actix-http event that reports a client's protocol error.
fn client_fault(event: &Event<'_>) -> Option<String> {
    struct Message(Option<String>);
    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }
    let meta = event.metadata();
    if *meta.level() != tracing::Level::ERROR || meta.target() != "actix_http::h1::dispatcher" {
        return None;
    }
    let mut message = Message(None);
    event.record(&mut message);
    // "stream error" is what the dispatcher says of a connection the client
    // broke (parse errors, I/O errors, slow heads); its other errors are the server's.
    message.0.filter(|m| m.starts_with("stream error:"))
}

impl<S, N, F> FormatEvent<S, N> for ClientFaultsAtWarn<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let Some(message) = client_fault(event) else {
            return self.inner.format_event(ctx, writer, event);
        };
        let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let target = event.metadata().target();
        if self.json {
            let line =
                serde_json::json!({"timestamp": timestamp, "level": "WARN", "message": message, "target": target});
            writeln!(writer, "{line}")
        } else {
            writeln!(writer, "{timestamp}  WARN {target}: {message}")
        }
    }
}

/// The request id of the current request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id only if it is short and printable, so it cannot
/// forge log lines or bloat headers.
fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "http_request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(status, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request finished");
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}
