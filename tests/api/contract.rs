//! The OpenAPI document as a contract: valid OpenAPI 3.1 by a strict
//! validator, complete (names, descriptions, errors, security), and true:
//! what the API answers is what the document says it answers.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{TestApp, Token, require_python_module};

const SPEC: &str = "/api/v1/openapi.json";
const PROBLEM_JSON: &str = "application/problem+json";
const METHODS: &[&str] = &["get", "post", "delete", "put", "patch"];

async fn served_document(app: &TestApp) -> Value {
    let response = app.get(SPEC, None).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

/// A response, with a `$ref` to `#/components/responses/…` followed.
fn resolved<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(reference) => {
            doc.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling {reference}"))
        }
        None => response,
    }
}

/// `Problem`, or a schema that extends it (`allOf` with `Problem`, as
/// readiness's `NotReady` does with the checks it adds).
fn is_problem_schema(doc: &Value, schema: &Value) -> bool {
    const PROBLEM: &str = "#/components/schemas/Problem";
    match schema["$ref"].as_str() {
        Some(PROBLEM) => true,
        Some(reference) => doc
            .pointer(reference.trim_start_matches('#'))
            .and_then(|named| named["allOf"].as_array())
            .is_some_and(|parts| parts.iter().any(|part| part["$ref"] == PROBLEM)),
        None => false,
    }
}

fn documented_statuses(operation: &Value) -> BTreeSet<u16> {
    operation["responses"].as_object().unwrap().keys().filter_map(|status| status.parse().ok()).collect()
}

#[tokio::test]
async fn the_document_passes_a_strict_openapi_3_1_validator() {
    require_python_module("openapi_spec_validator");
    let app = TestApp::spawn().await;
    let doc = served_document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let output =
        std::process::Command::new("python3").arg("-m").arg("openapi_spec_validator").arg(&file).output().unwrap();
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn every_operation_is_named_described_secured_and_documents_its_errors() {
    let app = TestApp::spawn().await;
    let doc = served_document(&app).await;
    assert!(!doc["servers"].as_array().unwrap().is_empty(), "servers");

    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for reference in refs {
        let pointer = reference.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {reference}");
    }

    let tags: BTreeSet<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut operation_ids = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let name = format!("{method} {path}");
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{name}: no operationId"));
        assert!(
            id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && !id.starts_with('_'),
            "{name}: operationId `{id}` is not a snake_case method name"
        );
        assert!(operation_ids.insert(id.to_owned()), "operationId `{id}` used twice");
        for field in ["summary", "description"] {
            assert!(!operation[field].as_str().unwrap_or("").trim().is_empty(), "{name}: no {field}");
        }
        let operation_tags = operation["tags"].as_array().unwrap_or_else(|| panic!("{name}: no tags"));
        assert!(operation_tags.iter().all(|t| tags.contains(t.as_str().unwrap())), "{name}: undeclared tag");

        let security = operation["security"].as_array().unwrap_or_else(|| panic!("{name}: no explicit security"));
        let authenticated = security.iter().any(|requirement| requirement.get("bearer").is_some());
        let statuses = documented_statuses(&operation);
        if authenticated {
            assert!(statuses.contains(&401), "{name}: authenticated but 401 undocumented");
        }
        assert!(statuses.contains(&500), "{name}: 500 undocumented");
        for (status, response) in operation["responses"].as_object().unwrap() {
            let response = resolved(&doc, response);
            let description = response["description"].as_str().unwrap_or("");
            assert!(!description.trim().is_empty(), "{name} {status}: no description");
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    is_problem_schema(&doc, &response["content"][PROBLEM_JSON]["schema"]),
                    "{name} {status}: not a problem+json response"
                );
                assert_eq!(response["content"].as_object().unwrap().len(), 1, "{name} {status}: other media types");
            }
            if status == "429" || status == "503" {
                assert!(response["headers"]["Retry-After"].is_object(), "{name} {status}: Retry-After undocumented");
            }
        }
    }
    let expected: BTreeSet<String> = [
        "health_live",
        "health_ready",
        "metrics_get",
        "auth_register",
        "auth_login",
        "auth_refresh",
        "auth_logout",
        "auth_password_change",
        "auth_email_confirm",
        "auth_password_reset_request",
        "auth_password_reset_complete",
        "me_get",
        "admin_organisations_create",
        "admin_organisations_list",
        "admin_users_create",
        "admin_users_list",
        "admin_users_get",
        "admin_users_deactivate",
        "admin_users_reactivate",
        "admin_users_update",
        "admin_organisations_update",
        "admin_organisations_deactivate",
        "admin_organisations_reactivate",
        "admin_outbox_list",
        "admin_outbox_requeue",
        "organisations_get",
        "cases_create",
        "cases_list",
        "cases_get",
        "cases_get_by_reference",
        "cases_act",
        "cases_consent_set",
        "cases_mediator_assign",
        "cases_assignee_set",
        "cases_mediator_suggestions",
        "cases_employer_link",
        "cases_classify",
        "cases_identity_update",
        "cases_advocate_set",
        "cases_advocate_remove",
        "cases_receipt_code_replace",
        "cases_erasure_request",
        "cases_erasure_approve",
        "cases_erasure_refuse",
        "cases_legal_hold_set",
        "cases_legal_hold_clear",
        "personal_data_download",
        "messages_list",
        "messages_create",
        "evidence_upload",
        "remedy_evidence_upload",
        "evidence_download",
        "intake_create",
        "intake_session_create",
        "intake_session_renew",
        "intake_recorded_create",
        "webhooks_create",
        "webhooks_list",
        "webhooks_delete",
        "staff_organisations_list",
        "staff_mediators_list",
        "staff_handlers_list",
        "staff_mediator_languages_set",
        "staff_mediator_conflicts_create",
        "reports_summary",
        "reports_cases_export",
        "lifecycle_get",
        "notifications_get",
        "remedy_types_list",
        "residence_statuses_list",
        "channels_list",
        "external_bodies_list",
        "categories_list",
        "errors_list",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(operation_ids, expected, "the documented operations");
}

#[tokio::test]
async fn media_types_headers_webhooks_and_enums_are_typed() {
    let app = TestApp::spawn().await;
    let doc = served_document(&app).await;
    let operation = |path: &str, method: &str| doc["paths"][path][method].clone();

    let upload = operation("/api/v1/cases/{id}/messages/{message_id}/evidence", "post");
    let upload_schema = &upload["requestBody"]["content"]["application/octet-stream"]["schema"];
    let upload_schema = resolve_schema(&doc, upload_schema);
    assert_eq!((upload_schema["type"].as_str(), upload_schema["format"].as_str()), (Some("string"), Some("binary")));
    let download = operation("/api/v1/cases/{id}/evidence/{evidence_id}", "get");
    assert!(download["responses"]["200"]["content"]["application/octet-stream"].is_object());
    assert!(download["responses"]["200"]["headers"]["ETag"].is_object());

    let summary = &operation("/api/v1/reports/summary", "get")["responses"]["200"]["content"];
    for media_type in
        ["application/json", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    {
        assert!(summary[media_type].is_object(), "summary as {media_type}");
    }
    let export = &operation("/api/v1/reports/cases", "get")["responses"]["200"]["content"];
    for media_type in
        ["text/csv", "application/x-ndjson", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    {
        assert!(export[media_type].is_object(), "case export as {media_type}");
    }

    let lodged = &operation("/api/v1/intake", "post")["responses"]["201"]["headers"];
    assert!(lodged["Location"].is_object() && lodged["Idempotent-Replayed"].is_object());
    assert!(operation("/api/v1/cases/{id}", "get")["responses"]["200"]["headers"]["ETag"].is_object());
    let lodge = &doc["components"]["schemas"]["LodgeCaseRequest"]["description"];
    assert!(lodge.as_str().unwrap().contains("exactly one of `employer_organisation_id`"), "{lodge}");

    let webhook = &doc["webhooks"]["caseEvent"]["post"];
    assert_eq!(
        webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CaseEventPayload"
    );
    let headers: Vec<&Value> = webhook["parameters"].as_array().unwrap().iter().map(|p| &p["name"]).collect();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature", "Madoguchi-Signature"] {
        assert!(headers.contains(&&json!(name)), "{name} undocumented: {headers:?}");
    }

    // Codes and event kinds are enums, so generated clients get them as types.
    let codes = &doc["components"]["schemas"]["ProblemCode"]["enum"];
    assert_eq!(
        doc["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ProblemCode"
    );
    let catalogue: Vec<Value> = app.get("/api/v1/errors", None).await.json().await.unwrap();
    let catalogued: Vec<&Value> = catalogue.iter().map(|entry| &entry["code"]).collect();
    assert_eq!(
        codes.as_array().unwrap().iter().collect::<Vec<_>>(),
        catalogued,
        "the schema's codes are the catalogue's"
    );
    let kinds = doc["components"]["schemas"]["EventKind"]["enum"].as_array().unwrap();
    assert!(kinds.contains(&json!("lodged")) && kinds.contains(&json!("transition")), "{kinds:?}");
    assert_eq!(
        doc["components"]["schemas"]["CaseEventPayload"]["properties"]["kind"]["$ref"],
        "#/components/schemas/EventKind"
    );
}

#[tokio::test]
async fn the_error_catalogue_gives_every_code_its_status_meaning_and_remedy() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/errors", None).await;
    assert_eq!(response.status(), 200);
    let catalogue: Vec<Value> = response.json().await.unwrap();
    let mut seen = BTreeSet::new();
    for entry in &catalogue {
        let code = entry["code"].as_str().unwrap();
        assert!(seen.insert(code.to_owned()), "{code} twice");
        assert_eq!(entry["type"], format!("urn:madoguchi:problem:{code}"));
        let status = entry["status"].as_u64().unwrap();
        assert!((400..600).contains(&status), "{entry}");
        assert!(entry["meaning"].as_str().unwrap().len() > 10 && entry["client_action"].as_str().unwrap().len() > 5);
    }
    for code in ["validation_failed", "stale_version", "token_expired", "rate_limited", "database_unavailable"] {
        assert!(seen.contains(code), "{code} missing");
    }
}

/// Probes every documented operation the way a careless client would (no
/// token; a valid token with an empty body; a malformed body; the wrong
/// content type) and checks that each answer's status is one the document
/// lists for that operation, and every error is problem+json. A status the
/// document does not list is one a generated client cannot handle.
#[tokio::test]
async fn every_answer_of_every_operation_is_one_the_document_lists() {
    let app = TestApp::spawn().await;
    let doc = served_document(&app).await;
    let worker = app.registered_worker("probe-worker").await;
    let admin = app.admin_token().await;
    let zero = "00000000-0000-0000-0000-000000000000";
    let mut undocumented = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (method, path, operation) in operations(&doc) {
        let concrete = path
            .replace("{id}", zero)
            .replace("{message_id}", zero)
            .replace("{evidence_id}", zero)
            .replace("{remedy_id}", zero);
        let statuses = documented_statuses(&operation);
        let json_body = operation["requestBody"]["content"]["application/json"].is_object();
        let probes: Vec<Probe> = vec![
            ("no token", None, json_body.then_some(("application/json", "{}"))),
            ("worker, empty body", Some(&worker), json_body.then_some(("application/json", "{}"))),
            ("admin, empty body", Some(&admin), json_body.then_some(("application/json", "{}"))),
            ("malformed JSON", Some(&worker), json_body.then_some(("application/json", "{\"oops\": "))),
            ("wrong content type", Some(&worker), json_body.then_some(("text/plain", "{}"))),
        ];
        for (probe, token, body) in probes {
            let url = app.url(&concrete);
            let mut request = match method.as_str() {
                "get" => app.client.get(url),
                "post" => app.client.post(url),
                "put" => app.client.put(url),
                "delete" => app.client.delete(url),
                "patch" => app.client.patch(url),
                other => panic!("unexpected method {other}"),
            };
            if let Some(token) = token {
                request = request.bearer_auth(token.bearer());
            }
            if let Some((content_type, body)) = body {
                request = request.header("content-type", content_type).body(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            seen.insert(status);
            let content_type =
                response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            if status >= 400 {
                assert_eq!(content_type, PROBLEM_JSON, "{method} {path} ({probe}): {status} is not problem+json");
                let problem: Value = response.json().await.unwrap();
                assert_ne!(problem["detail"], "no such endpoint", "{method} {path} is not routed");
            }
            if !statuses.contains(&status) {
                undocumented.insert(format!("{method} {path} ({probe})"), status);
            }
        }
    }
    assert!(undocumented.is_empty(), "answers the document does not list: {undocumented:#?}");
    // The probes reach every layer: success, the extractors, the access policy and the lookups.
    for status in [200, 400, 401, 403, 404, 415] {
        assert!(seen.contains(&status), "no probe got {status}: {seen:?}");
    }
}

/// A careless client's request: its name, its token, and its body with the body's content type.
type Probe<'t> = (&'static str, Option<&'t Token>, Option<(&'static str, &'static str)>);

fn resolve_schema<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => doc.pointer(reference.trim_start_matches('#')).unwrap(),
        None => schema,
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    out.push(inner.as_str().unwrap().to_owned());
                } else {
                    collect_refs(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}
