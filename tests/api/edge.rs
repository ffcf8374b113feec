//! The edge proxy (`deploy/nginx/madoguchi.conf`) run for real in front of
//! the service: requests too malformed or too large for the HTTP layer get
//! the catalogue's problem documents, and everything else passes through.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem};

/// nginx, running the shipped configuration against one upstream port.
struct Edge {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

fn nginx_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join("nginx")).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain([PathBuf::from("/usr/sbin/nginx")]).find(|path| path.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Edge {
    /// Where nginx is not installed, says why and returns `None`, unless
    /// `MADOGUCHI_REQUIRE_NGINX=1` (which `.ci/run` sets): then it fails.
    fn start(upstream_port: u16) -> Option<Self> {
        let Some(nginx) = nginx_binary() else {
            assert!(std::env::var("MADOGUCHI_REQUIRE_NGINX").is_err(), "nginx is not installed");
            eprintln!("not run: nginx is not installed (apt install nginx-core); .ci/run runs it");
            return None;
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx");
        let shipped = std::fs::read_to_string(root.join("madoguchi.conf")).unwrap();
        let port = free_port();
        // The shipped file as a deployment uses it; only where it listens,
        // the upstream's address and where the problem files are differ.
        let site = shipped
            .replace("server app:8080;", &format!("server 127.0.0.1:{upstream_port};"))
            .replace("listen 8080 default_server;", &format!("listen 127.0.0.1:{port} default_server;"))
            .replace("/etc/nginx/madoguchi-problems/", &format!("{}/", root.join("problems").display()));
        assert!(site.contains(&format!("127.0.0.1:{upstream_port}")) && site.contains("/problems/"), "{site}");
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().display().to_string();
        std::fs::write(dir.path().join("site.conf"), site).unwrap();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n  \
             fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n  \
             include {prefix}/site.conf;\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        let child = Command::new(nginx)
            .args(["-p", &prefix, "-c", &format!("{prefix}/nginx.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let edge = Self { port, child, _dir: dir };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nginx did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(edge)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends raw bytes, as a broken client would, and reads the whole answer.
    fn raw(&self, request: &[u8]) -> (u16, String, Value) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // A refused request may close before all of it is written.
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no answer: {answer:?}"));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{head}"));
        let content_type = head
            .lines()
            .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_owned()))
            .unwrap_or_default();
        (status, content_type, serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}")))
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn app_port(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// Each refusal is a problem document of the catalogue, with its status.
fn assert_edge_problem((status, content_type, problem): (u16, String, Value), expected: u16, code: &str) {
    assert_eq!((status, content_type.as_str()), (expected, "application/problem+json"), "{problem}");
    assert_eq!(problem["code"], code);
    assert_eq!(problem["status"], expected);
    assert_eq!(problem["type"], format!("urn:madoguchi:problem:{code}"));
}

#[tokio::test]
async fn the_edge_proxy_answers_protocol_errors_with_problem_documents_and_passes_the_rest() {
    let app = TestApp::spawn_with(|s| {
        s.server.trust_forwarded_headers = true;
        s.rate_limit.login_per_ip_per_minute = 2;
    })
    .await;
    let Some(edge) = Edge::start(app_port(&app)) else { return };
    let edge = std::sync::Arc::new(edge);

    // Through the proxy, the service answers as it does directly, its own
    // problems included.
    let client = reqwest::Client::new();
    let lifecycle = client.get(edge.url("/api/v1/lifecycle")).send().await.unwrap();
    assert_eq!(lifecycle.status(), 200);
    assert_problem(client.get(edge.url("/api/v1/cases")).send().await.unwrap(), 401, "missing_token").await;
    let catalogue: Value = client.get(edge.url("/api/v1/errors")).send().await.unwrap().json().await.unwrap();

    let refusals = tokio::task::spawn_blocking({
        let edge = edge.clone();
        move || {
            let big_header = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(40_000));
            let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(40_000));
            [
                (edge.raw(b"GARBAGE\r\n\r\n"), 400, "bad_request"),
                (edge.raw(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400, "bad_request"),
                (edge.raw(big_header.as_bytes()), 431, "request_head_too_large"),
                (edge.raw(long_uri.as_bytes()), 414, "uri_too_long"),
                (
                    edge.raw(b"POST /api/v1/intake HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 50000000\r\n\r\n"),
                    413,
                    "payload_too_large",
                ),
            ]
        }
    })
    .await
    .unwrap();
    for (answer, status, code) in refusals {
        assert_edge_problem(answer, status, code);
        let listed = catalogue.as_array().unwrap().iter().any(|entry| entry["code"] == code);
        assert!(listed, "{code} is in the served catalogue");
    }

    // The proxy sets X-Forwarded-For itself: a client cannot choose the
    // address its login attempts are counted under.
    let login = json!({"username": "nobody", "password": PASSWORD});
    for spoofed in ["203.0.113.1", "203.0.113.2"] {
        let response =
            client.post(edge.url("/api/v1/auth/login")).header("X-Forwarded-For", spoofed).json(&login).send();
        assert_eq!(response.await.unwrap().status(), 401);
    }
    let third = client.post(edge.url("/api/v1/auth/login")).header("X-Forwarded-For", "203.0.113.3").json(&login);
    assert_problem(third.send().await.unwrap(), 429, "rate_limited").await;
}

/// A service that is down is a problem document too, that says the request may not have arrived.
#[tokio::test]
async fn the_edge_proxy_says_when_the_service_cannot_be_reached() {
    let Some(edge) = Edge::start(free_port()) else { return };
    let answer = tokio::task::spawn_blocking(move || {
        edge.raw(b"GET /api/v1/lifecycle HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    });
    assert_edge_problem(answer.await.unwrap(), 502, "service_unreachable");
}
