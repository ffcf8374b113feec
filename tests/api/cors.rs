//! Browsers on other origins: answered only from the configured allow-list.

use reqwest::Method;

use crate::helpers::TestApp;

const ALLOWED: &str = "https://app.example.org";

async fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/api/v1/cases"))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_and_its_requests_carry_cors_headers() {
    let app = TestApp::spawn_with(|s| {
        s.server.cors_allowed_origins = vec![ALLOWED.to_owned(), "http://localhost:*".to_owned()];
    })
    .await;
    let response = preflight(&app, ALLOWED, "POST", "authorization, content-type, idempotency-key").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(ALLOWED));
    let methods = header(&response, "access-control-allow-methods").unwrap().to_ascii_uppercase();
    assert!(methods.contains("POST") && methods.contains("GET") && methods.contains("DELETE"), "{methods}");
    let allowed_headers = header(&response, "access-control-allow-headers").unwrap().to_ascii_lowercase();
    for name in ["authorization", "content-type", "idempotency-key", "if-match"] {
        assert!(allowed_headers.contains(name), "{allowed_headers}");
    }
    assert!(header(&response, "access-control-max-age").is_some());

    // Any port of a host allowed with `:*`.
    let response = preflight(&app, "http://localhost:5173", "GET", "authorization").await;
    assert_eq!(header(&response, "access-control-allow-origin"), Some("http://localhost:5173"));

    // The real request: the browser may read the answer and its headers, errors included.
    let response = app.client.get(app.url("/api/v1/cases")).header("origin", ALLOWED).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(ALLOWED));
    let exposed = header(&response, "access-control-expose-headers").unwrap().to_ascii_lowercase();
    for name in ["etag", "location", "retry-after", "x-request-id", "www-authenticate"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    assert!(header(&response, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("origin")));
}

#[tokio::test]
async fn a_disallowed_origin_gets_no_cors_headers_but_other_clients_are_served() {
    let app = TestApp::spawn_with(|s| s.server.cors_allowed_origins = vec![ALLOWED.to_owned()]).await;
    for origin in ["https://evil.example", "https://app.example.org.evil.example", "http://app.example.org"] {
        let response = preflight(&app, origin, "POST", "authorization").await;
        assert!(header(&response, "access-control-allow-origin").is_none(), "{origin}");
        crate::helpers::assert_problem(response, 400, "cors_refused").await;
    }
    // A method or header outside the list is refused too.
    let response = preflight(&app, ALLOWED, "PUT", "authorization").await;
    assert!(header(&response, "access-control-allow-origin").is_none());

    // Without a browser in the way, the origin changes nothing: CORS is the browser's rule.
    let response =
        app.client.get(app.url("/api/v1/lifecycle")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(header(&response, "access-control-allow-origin").is_none());
}

#[tokio::test]
async fn by_default_no_origin_is_allowed_and_no_cors_header_is_sent() {
    let app = TestApp::spawn().await;
    assert!(app.settings.server.cors_allowed_origins.is_empty());
    let response = preflight(&app, "http://localhost:3000", "GET", "authorization").await;
    assert!(response.status().is_client_error());
    assert!(response.headers().keys().all(|name| !name.as_str().starts_with("access-control-")), "{response:?}");
    let response =
        app.client.get(app.url("/api/v1/lifecycle")).header("origin", "http://localhost:3000").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().keys().all(|name| !name.as_str().starts_with("access-control-")));
}
