use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use madoguchi::auth::tokens::TokenKeys;
use madoguchi::domain::{Role, SessionFamilyId, UserId};
use serde_json::{Value, json};

use crate::helpers::{LOGIN, Login, PASSWORD, TestApp, Token, assert_problem};
use crate::views::{Me, Tokens, body};

async fn register(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/api/v1/auth/register", &body, None).await
}

#[tokio::test]
async fn a_worker_registers_with_only_a_username_and_logs_in() {
    let app = TestApp::spawn().await;
    let response =
        register(&app, json!({"username": "Nguyen.Van.A", "password": PASSWORD, "preferred_language": "vi"})).await;
    assert_eq!(response.status(), 201);
    // Read raw: what a new account is sent, and what it is not.
    let user: Value = body(response).await;
    assert_eq!(user["role"], "worker");
    assert_eq!(user["username"], "nguyen.van.a");
    assert_eq!(user["preferred_language"], "vi");
    let mut fields: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["created_at", "id", "preferred_language", "role", "username"], "{user}");

    // Usernames are case-insensitive.
    let tokens: Tokens = app.login(&Login::username("NGUYEN.VAN.A")).await;
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    let access = Token::new("nguyen.van.a", tokens.access_token);

    let me: Me = app.me(&access).await;
    assert_eq!(user["id"], me.id.as_str());
    assert_eq!(me.role, "worker");
    assert!(me.organisation_kind.is_none());
}

/// The code in an account mail: the line it stands on alone, indented.
fn mailed_code(app: &TestApp, address: &str) -> String {
    let mail = app.mail_to(address).pop().unwrap_or_else(|| panic!("no mail to {address}"));
    let line = mail.text.lines().find(|line| line.starts_with("    ")).unwrap_or_else(|| panic!("{}", mail.text));
    line.trim().to_owned()
}

/// A given address is attached once its owner enters the code mailed
/// there; before that it cannot be used to log in.
#[tokio::test]
async fn registration_with_email_attaches_it_once_the_mailed_code_is_entered() {
    let app = TestApp::spawn().await;
    let response = register(
        &app,
        json!({"username": "siti", "password": PASSWORD, "email": "Siti@Example.ORG", "phone": "+81 90 1234 5678", "preferred_language": "id"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let user: Value = body(response).await;
    assert_eq!(user["preferred_language"], "id");
    let siti = app.token(&Login::username("siti")).await;
    let me = app.me(&siti).await;
    assert_eq!((me.email, me.email_pending.as_deref()), (None, Some("siti@example.org")));
    assert_eq!(app.try_login(&Login::email("siti@example.org")).await.status(), 401);

    app.deliver_outbox().await;
    let mail = app.mail_to("siti@example.org").pop().unwrap();
    assert_eq!(mail.language, "id");
    assert_eq!(mail.subject, "Konfirmasi alamat e-mail Anda");
    let code = mailed_code(&app, "siti@example.org");
    assert!(mail.text.contains(&format!("/account/confirm-email?lang=id#code={code}")), "{}", mail.text);
    assert!(mail.html.contains(&code));

    // Typed loosely on a phone: lower case, no dashes.
    let typed = code.replace('-', " ").to_lowercase();
    assert_eq!(app.post("/api/v1/auth/email/confirm", &json!({"code": typed}), None).await.status(), 204);
    let by_email = app.token(&Login::email("SITI@example.org")).await;
    let me = app.me(&by_email).await;
    assert_eq!((me.email.as_deref(), me.email_pending), (Some("siti@example.org"), None));

    // Once only.
    let again = app.post("/api/v1/auth/email/confirm", &json!({"code": code}), None).await;
    let problem = assert_problem(again, 422, "validation_failed").await;
    assert_eq!(problem.errors[0].field, "code");
}

/// A code expires, and a newer one voids the older; the address is then attached by the newest only.
#[tokio::test]
async fn confirmation_codes_expire() {
    let (app, clock) = TestApp::spawn_with_manual_clock().await;
    register(&app, json!({"username": "bishal", "password": PASSWORD, "email": "bishal@mail.example"})).await;
    app.deliver_outbox().await;
    let code = mailed_code(&app, "bishal@mail.example");
    clock.advance(chrono::Duration::hours(73));
    let late = app.post("/api/v1/auth/email/confirm", &json!({"code": code}), None).await;
    assert_problem(late, 422, "validation_failed").await;
    let bishal = app.token(&Login::username("bishal")).await;
    assert_eq!(app.me(&bishal).await.email_pending, None, "an expired request is no longer pending");
}

/// Registering with someone else's address answers exactly as with a new
/// one (same status, same fields, the password hashed either way), and the
/// new account reads the same in `GET /me`, so an outsider cannot learn who
/// is registered. The address's owner is told and keeps it; the outsider
/// never gets a code for it.
#[tokio::test]
async fn registration_does_not_reveal_whether_an_email_is_registered() {
    let app = TestApp::spawn().await;
    app.create_user_directly(Role::Worker, "owner@ngo.example", None);
    let attempt = |username: &str, email: &str| {
        let request = json!({"username": username, "password": PASSWORD, "email": email, "preferred_language": "ne"});
        let app = &app;
        async move {
            let response = register(app, request).await;
            let status = response.status().as_u16();
            let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
            let mut user: Value = body(response).await;
            let object = user.as_object_mut().unwrap();
            // What differs between any two registrations.
            for varying in ["id", "username", "created_at"] {
                assert!(object.remove(varying).is_some(), "{varying}");
            }
            (status, content_type, user)
        }
    };
    let taken = attempt("outsider", "Owner@NGO.example").await;
    let new = attempt("newcomer", "newcomer@mail.example").await;
    assert_eq!(taken, new);
    assert_eq!(taken.0, 201);

    // Both accounts read alike: no address yet, the one given pending.
    let outsider = app.me(&app.token(&Login::username("outsider")).await).await;
    let newcomer = app.me(&app.token(&Login::username("newcomer")).await).await;
    assert_eq!((outsider.email, outsider.email_pending.as_deref()), (None, Some("owner@ngo.example")));
    assert_eq!((newcomer.email, newcomer.email_pending.as_deref()), (None, Some("newcomer@mail.example")));

    // The owner is told, with no code to spend; the newcomer gets a code.
    app.deliver_outbox().await;
    let told = app.mail_to("owner@ngo.example");
    assert_eq!(told.len(), 1);
    assert!(!told[0].text.lines().any(|line| line.starts_with("    ")), "{}", told[0].text);
    assert!(told[0].text.contains("already belongs to your account"), "{}", told[0].text);
    assert!(!mailed_code(&app, "newcomer@mail.example").is_empty());
    let owner = app.token(&Login::email("owner@ngo.example")).await;
    assert_eq!(app.me(&owner).await.email.as_deref(), Some("owner@ngo.example"));

    // A username in use is still refused: the worker must choose another.
    assert_problem(register(&app, json!({"username": "Outsider", "password": PASSWORD})).await, 409, "username_taken")
        .await;
}

#[tokio::test]
async fn registration_refuses_taken_names_and_invalid_fields() {
    let app = TestApp::spawn().await;
    assert_eq!(register(&app, json!({"username": "bayar", "password": PASSWORD})).await.status(), 201);
    assert_problem(register(&app, json!({"username": "Bayar", "password": PASSWORD})).await, 409, "username_taken")
        .await;

    let problem = assert_problem(
        register(
            &app,
            json!({"username": "x", "password": "short", "email": "not-an-email", "preferred_language": "not a tag"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<(&str, &str)> = problem.errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("email", "email"),
            ("password", "weak_password"),
            ("preferred_language", "invalid_language_tag"),
            ("username", "invalid_username"),
        ]
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer_in_similar_time() {
    let app = TestApp::spawn().await;
    register(&app, json!({"username": "maria", "password": PASSWORD})).await;

    let login = |username: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let response = app.try_login(&Login::username(username).with_password("wrong password!")).await;
            (started.elapsed(), response)
        }
    };
    let mut wrong_password = Vec::new();
    let mut unknown_user = Vec::new();
    for _ in 0..3 {
        let (elapsed, response) = login("maria").await;
        let wrong = assert_problem(response, 401, "invalid_credentials").await;
        wrong_password.push(elapsed);
        let (elapsed, response) = login("nobody-here").await;
        let unknown = assert_problem(response, 401, "invalid_credentials").await;
        unknown_user.push(elapsed);
        assert_eq!(wrong, unknown, "identical bodies");
    }
    wrong_password.sort();
    unknown_user.sort();
    // Both paths run one Argon2 verification; without the dummy verification
    // the unknown-user path would be an order of magnitude faster.
    let (wrong, unknown) = (wrong_password[1], unknown_user[1]);
    assert!(unknown * 3 > wrong, "unknown user {unknown:?} much faster than wrong password {wrong:?}");
}

#[tokio::test]
async fn login_needs_exactly_one_login_name() {
    let app = TestApp::spawn().await;
    for body in
        [json!({"password": PASSWORD}), json!({"email": "a@example.org", "username": "a", "password": PASSWORD})]
    {
        assert_problem(app.post(LOGIN, &body, None).await, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn missing_expired_tampered_and_unsigned_tokens_are_refused() {
    let app = TestApp::spawn().await;
    register(&app, json!({"username": "tester", "password": PASSWORD})).await;
    assert_problem(app.get("/api/v1/me", None).await, 401, "missing_token").await;

    let keys = TokenKeys::from_settings(&app.settings.auth);
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let expired = Token::new(
        "expired",
        keys.issue(UserId::new(), Role::Admin, None, SessionFamilyId::new(), an_hour_ago).unwrap(),
    );
    assert_problem(app.get("/api/v1/me", Some(&expired)).await, 401, "token_expired").await;

    let valid = keys.issue(UserId::new(), Role::Worker, None, SessionFamilyId::new(), chrono::Utc::now()).unwrap();
    let parts: Vec<&str> = valid.split('.').collect();

    // Promote oneself to admin without re-signing.
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let tampered = Token::new("tampered", format!("{}.{}.{}", parts[0], forged_payload, parts[2]));
    assert_problem(app.get("/api/v1/me", Some(&tampered)).await, 401, "invalid_token").await;

    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    for unsigned in [format!("{none_header}.{forged_payload}."), format!("{none_header}.{forged_payload}")] {
        let unsigned = Token::new("unsigned", unsigned);
        assert_problem(app.get("/api/v1/me", Some(&unsigned)).await, 401, "invalid_token").await;
    }

    let response =
        app.client.get(app.url("/api/v1/me")).header("Authorization", "Basic dXNlcjpwYXNz").send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_problem(response, 401, "missing_token").await;

    let foreign = TokenKeys::from_settings(&madoguchi::config::AuthSettings {
        jwt_secret: secrecy::SecretString::from("x".repeat(48)),
        ..app.settings.auth.clone()
    })
    .issue(UserId::new(), Role::Admin, None, SessionFamilyId::new(), chrono::Utc::now())
    .unwrap();
    let foreign = Token::new("signed by another installation", foreign);
    assert_problem(app.get("/api/v1/me", Some(&foreign)).await, 401, "invalid_token").await;
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post("/api/v1/auth/refresh", &json!({"refresh_token": token}), None).await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    register(&app, json!({"username": "rotator", "password": PASSWORD})).await;
    let first = app.login(&Login::username("rotator")).await.refresh_token;

    let response = refresh(&app, &first).await;
    assert_eq!(response.status(), 200);
    let rotated: Tokens = body(response).await;
    let second = rotated.refresh_token;
    assert_ne!(first, second);
    let access = Token::new("rotator", rotated.access_token);
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status(), 200);

    // The first token was copied by someone: presenting it again ends the session.
    assert_problem(refresh(&app, &first).await, 401, "refresh_token_reused").await;
    assert_problem(refresh(&app, &second).await, 401, "invalid_refresh_token").await;

    // Another login is a separate family and still works.
    let again = app.login(&Login::username("rotator")).await;
    assert_eq!(refresh(&app, &again.refresh_token).await.status(), 200);

    assert_problem(refresh(&app, "made-up-token").await, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    register(&app, json!({"username": "leaver", "password": PASSWORD})).await;
    let login = app.login(&Login::username("leaver")).await;
    let token = login.refresh_token.as_str();
    let response = app.post("/api/v1/auth/logout", &json!({"refresh_token": token}), None).await;
    assert_eq!(response.status(), 204);
    assert_problem(refresh(&app, token).await, 401, "invalid_refresh_token").await;
    let access = Token::new("leaver", login.access_token.clone());
    assert_problem(app.get("/api/v1/me", Some(&access)).await, 401, "session_ended").await;
    // Logging out twice is harmless.
    let response = app.post("/api/v1/auth/logout", &json!({"refresh_token": token}), None).await;
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn login_is_rate_limited_per_client_address() {
    let app = TestApp::spawn_with(|s| s.rate_limit.login_per_ip_per_minute = 3).await;
    for i in 0..3 {
        let response = app.try_login(&Login::username(&format!("user{i}")).with_password("whatever1234")).await;
        assert_eq!(response.status(), 401);
    }
    let response = app.try_login(&Login::username("user9").with_password("whatever1234")).await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_problem(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    let app = TestApp::spawn_with(|s| s.rate_limit.login_per_account_per_minute = 2).await;
    register(&app, json!({"username": "target", "password": PASSWORD})).await;
    for _ in 0..2 {
        let response = app.try_login(&Login::username("target").with_password("guess guess guess")).await;
        assert_eq!(response.status(), 401);
    }
    // Even the right password waits now: the account is being attacked.
    let response = app.try_login(&Login::username("TARGET")).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "rate_limited").await;
    // Other accounts from the same address are unaffected.
    let response = app.try_login(&Login::username("someone-else")).await;
    assert_eq!(response.status(), 401);
}

/// One allowance per account, whichever of its names is tried; spent from
/// one address it does not lock the owner out from theirs; and a slower cap
/// over all addresses still stops guessing from many.
#[tokio::test]
async fn login_limits_count_the_account_and_cannot_be_spent_to_lock_its_owner_out() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limit.login_per_account_per_minute = 2;
        s.rate_limit.login_per_account_per_hour = 5;
        s.server.trust_forwarded_headers = true;
    })
    .await;
    let body = json!({"username": "owner", "email": "owner@example.org", "password": PASSWORD});
    assert_eq!(register(&app, body).await.status(), 201);
    app.deliver_outbox().await;
    let confirm = json!({"code": mailed_code(&app, "owner@example.org")});
    assert_eq!(app.post("/api/v1/auth/email/confirm", &confirm, None).await.status(), 204);
    let attempt = |login: Value, from: &'static str| {
        let request = app.client.post(app.url(LOGIN)).header("X-Forwarded-For", from).json(&login);
        async move { request.send().await.unwrap() }
    };
    let guess = |field: &str, name: &str| json!({field: name, "password": "guess guess guess"});
    assert_eq!(attempt(guess("username", "owner"), "203.0.113.7").await.status(), 401);
    assert_eq!(attempt(guess("email", "OWNER@example.org"), "203.0.113.7").await.status(), 401);
    let third = attempt(guess("username", "owner"), "203.0.113.7").await;
    assert_problem(third, 429, "rate_limited").await;
    // The owner, from their own address, still gets in.
    let own = attempt(json!({"username": "owner", "password": PASSWORD}), "198.51.100.20").await;
    assert_eq!(own.status(), 200);
    // Guessing from many addresses meets the hourly cap (3 of 5 used so far).
    assert_eq!(attempt(guess("username", "owner"), "192.0.2.1").await.status(), 401);
    assert_eq!(attempt(guess("username", "owner"), "192.0.2.2").await.status(), 401);
    assert_problem(attempt(guess("username", "owner"), "192.0.2.3").await, 429, "rate_limited").await;
}

#[tokio::test]
async fn registration_is_rate_limited_per_client_address() {
    let app = TestApp::spawn_with(|s| s.rate_limit.register_per_ip_per_minute = 2).await;
    for name in ["one", "two"] {
        assert_eq!(register(&app, json!({"username": name, "password": PASSWORD})).await.status(), 201);
    }
    assert_problem(register(&app, json!({"username": "three", "password": PASSWORD})).await, 429, "rate_limited").await;
}

#[tokio::test]
async fn access_tokens_carry_role_and_organisation() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let employer = app.create_organisation(&admin, "Sakura Foods", "employer").await;
    let staff = app.user_token(&admin, "employer_staff", Some(employer)).await;
    let me = app.me(&staff).await;
    assert_eq!(me.role, "employer_staff");
    assert_eq!(me.organisation_id, Some(employer.to_string()));
    assert_eq!(me.organisation_kind.as_deref(), Some("employer"));
}

/// A deactivated account's tokens stop at once, it cannot log in (and only
/// someone with its password learns why), and reactivation lets it log in again.
#[tokio::test]
async fn deactivation_ends_every_session_at_once_and_reactivation_restores_login() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let handler =
        app.user_token(&admin, "handler", Some(app.create_organisation(&admin, "Operator", "operator").await)).await;
    let me = app.me(&handler).await;
    let email = me.email.clone().unwrap();
    let second_device = app.token(&Login::email(&email)).await;
    assert_eq!(app.get("/api/v1/cases", Some(&handler)).await.status(), 200);

    let deactivate = format!("/api/v1/admin/users/{}/deactivate", me.id);
    assert_problem(app.post(&deactivate, &json!({}), Some(&handler)).await, 403, "forbidden").await;
    let response = app.post(&deactivate, &json!({}), Some(&admin)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["active"], false);
    for token in [&handler, &second_device] {
        assert_problem(app.get("/api/v1/cases", Some(token)).await, 401, "session_ended").await;
    }
    assert_problem(app.try_login(&Login::email(&email)).await, 401, "account_disabled").await;
    let wrong = Login::email(&email).with_password("not the password at all");
    assert_problem(app.try_login(&wrong).await, 401, "invalid_credentials").await;

    let admin_id = app.me(&admin).await.id;
    let own = format!("/api/v1/admin/users/{admin_id}/deactivate");
    assert_problem(app.post(&own, &json!({}), Some(&admin)).await, 403, "forbidden").await;

    let reactivate = format!("/api/v1/admin/users/{}/reactivate", me.id);
    assert_eq!(app.post(&reactivate, &json!({}), Some(&admin)).await.status(), 200);
    assert_problem(app.get("/api/v1/cases", Some(&handler)).await, 401, "session_ended").await;
    let fresh = app.token(&Login::email(&email)).await;
    assert_eq!(app.get("/api/v1/cases", Some(&fresh)).await.status(), 200);
    let missing = format!("/api/v1/admin/users/{}/deactivate", uuid::Uuid::new_v4());
    assert_problem(app.post(&missing, &json!({}), Some(&admin)).await, 404, "not_found").await;
}

/// A password change ends every other session at once and keeps the caller's.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    register(&app, json!({"username": "changer", "password": PASSWORD})).await;
    let here = app.token(&Login::username("changer")).await;
    let elsewhere = app.login(&Login::username("changer")).await;
    let new_password = "a new and longer password";
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let response = app.post("/api/v1/auth/password", &change("wrong password!", new_password), Some(&here)).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem.error().field, "current_password");
    let response = app.post("/api/v1/auth/password", &change(PASSWORD, "short"), Some(&here)).await;
    assert_eq!(assert_problem(response, 422, "validation_failed").await.error().field, "new_password");

    assert_eq!(app.post("/api/v1/auth/password", &change(PASSWORD, new_password), Some(&here)).await.status(), 204);
    assert_eq!(app.get("/api/v1/me", Some(&here)).await.status(), 200, "the caller's own session stays");
    let other = Token::new("elsewhere", elsewhere.access_token);
    assert_problem(app.get("/api/v1/me", Some(&other)).await, 401, "session_ended").await;
    assert_problem(refresh(&app, &elsewhere.refresh_token).await, 401, "invalid_refresh_token").await;
    assert_problem(app.try_login(&Login::username("changer")).await, 401, "invalid_credentials").await;
    assert_eq!(app.try_login(&Login::username("changer").with_password(new_password)).await.status(), 200);
}

/// A receipt-code session has no account, so no password to change.
#[tokio::test]
async fn a_receipt_session_has_no_password_to_change() {
    let w = crate::world::World::new().await;
    let case = w.case_in(crate::views::State::Submitted).await;
    let body = json!({"current_password": PASSWORD, "new_password": "a new and longer password"});
    let response = w.app.post("/api/v1/auth/password", &body, Some(&case.worker)).await;
    assert_problem(response, 403, "forbidden").await;
    assert_problem(w.app.post("/api/v1/auth/password", &body, None).await, 401, "missing_token").await;
}

/// An account removed from the database itself (not through this process)
/// takes its sessions with it within `auth.session_check_seconds`.
#[tokio::test]
async fn a_deleted_accounts_access_token_stops_working() {
    use diesel::RunQueryDsl;
    let (app, clock) = TestApp::spawn_with_manual_clock().await;
    let admin = app.admin_token().await;
    let other_admin = app.user_token(&admin, "admin", None).await;
    assert_eq!(app.get("/api/v1/admin/users", Some(&other_admin)).await.status(), 200);
    let id = app.me(&other_admin).await.id;
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("DELETE FROM users WHERE id = '{id}'")).execute(&mut conn).unwrap();
    drop(conn);
    clock.advance(chrono::Duration::seconds(i64::from(app.settings.auth.session_check_seconds)));
    assert_problem(app.get("/api/v1/admin/users", Some(&other_admin)).await, 401, "session_ended").await;
}

/// Guessing the current password through a password change meets the
/// account's login limits.
#[tokio::test]
async fn password_change_guesses_are_rate_limited_like_logins() {
    let app = TestApp::spawn_with(|s| s.rate_limit.login_per_account_per_minute = 2).await;
    register(&app, json!({"username": "guessed", "password": PASSWORD})).await;
    let token = app.token(&Login::username("guessed")).await;
    let guess = json!({"current_password": "guess guess guess", "new_password": "a new and longer password"});
    // The login spent one attempt of the two; this guess spends the other.
    let response = app.post("/api/v1/auth/password", &guess, Some(&token)).await;
    assert_problem(response, 422, "validation_failed").await;
    let response = app.post("/api/v1/auth/password", &guess, Some(&token)).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "rate_limited").await;
}

/// A forgotten password is replaced with a code mailed to the account's
/// confirmed address. The request answers alike for any address; the code
/// works once, within the hour, and ends every session of the account.
#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_mailed_code_that_ends_every_session() {
    let (app, clock) = TestApp::spawn_with_manual_clock().await;
    let admin = app.admin_token().await;
    let operator = app.create_organisation(&admin, "Reset Desk", "operator").await;
    let handler = app.user_token(&admin, "handler", Some(operator)).await;
    let address = app.me(&handler).await.email.unwrap();
    let ask = |email: String| {
        let app = &app;
        async move { app.post("/api/v1/auth/password-reset", &json!({"email": email}), None).await }
    };

    let known = ask(address.to_uppercase()).await;
    let unknown = ask("nobody@nowhere.example".into()).await;
    assert_eq!((known.status(), unknown.status()), (reqwest::StatusCode::ACCEPTED, reqwest::StatusCode::ACCEPTED));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    app.deliver_outbox().await;
    assert!(app.mail_to("nobody@nowhere.example").is_empty());
    let code = mailed_code(&app, &address);
    assert_eq!(app.mail_to(&address).pop().unwrap().subject, "Set a new password");

    // A weak password is refused and the code is not spent.
    let complete = |code: &str, password: &str| {
        let body = json!({"code": code, "new_password": password});
        let app = &app;
        async move { app.post("/api/v1/auth/password-reset/complete", &body, None).await }
    };
    let weak = assert_problem(complete(&code, "short").await, 422, "validation_failed").await;
    assert_eq!(weak.errors[0].field, "new_password");
    assert_eq!(complete(&code, "a new passphrase 2026").await.status(), 204);

    assert_problem(app.get("/api/v1/me", Some(&handler)).await, 401, "session_ended").await;
    assert_eq!(app.try_login(&Login::email(&address)).await.status(), 401, "the old password no longer works");
    assert_eq!(app.try_login(&Login::email(&address).with_password("a new passphrase 2026")).await.status(), 200);
    let reused = assert_problem(complete(&code, "another passphrase 1").await, 422, "validation_failed").await;
    assert_eq!(reused.errors[0].field, "code");

    // Within the hour only; a newer code voids the one before.
    ask(address.clone()).await;
    app.deliver_outbox().await;
    let first = mailed_code(&app, &address);
    ask(address.clone()).await;
    app.deliver_outbox().await;
    let second = mailed_code(&app, &address);
    assert_problem(complete(&first, "a third passphrase 3").await, 422, "validation_failed").await;
    clock.advance(chrono::Duration::minutes(61));
    assert_problem(complete(&second, "a third passphrase 3").await, 422, "validation_failed").await;

    // A sent code lives on only in the mailbox, not in the outbox.
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Params {
        #[diesel(sql_type = diesel::sql_types::Text)]
        params: String,
    }
    let mut conn = app.pool.get().unwrap();
    let kept: Vec<Params> =
        diesel::sql_query("SELECT params FROM outbox WHERE notification LIKE 'account.%'").load(&mut conn).unwrap();
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|row| row.params == "{}"), "{:?}", kept.iter().map(|r| &r.params).collect::<Vec<_>>());
}

/// A deactivated account gets no reset code: deactivation is not undone by mail.
#[tokio::test]
async fn a_deactivated_account_gets_no_reset_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ngo = app.create_organisation(&admin, "Quiet NGO", "ngo").await;
    let advocate = app.user_token(&admin, "advocate", Some(ngo)).await;
    let me = app.me(&advocate).await;
    let deactivate = app.post(&format!("/api/v1/admin/users/{}/deactivate", me.id), &json!({}), Some(&admin)).await;
    assert_eq!(deactivate.status(), 200);
    let address = me.email.unwrap();
    let asked = app.post("/api/v1/auth/password-reset", &json!({"email": address}), None).await;
    assert_eq!(asked.status(), 202);
    app.deliver_outbox().await;
    assert!(app.mail_to(&address).is_empty());
}

/// The page a mailed code's link opens says where to enter it, in the reader's language.
#[tokio::test]
async fn the_account_code_page_speaks_the_readers_language() {
    let app = TestApp::spawn().await;
    let page = app.get("/account/reset-password?lang=vi", None).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-language"], "vi");
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">") && html.contains("Đặt mật khẩu mới"), "{html}");
    assert_eq!(app.get("/account/somewhere", None).await.status(), 404);
}
