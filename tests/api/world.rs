//! A populated installation for case tests: organisations and a user for
//! every role, plus helpers to lodge cases and act on them.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

pub struct World {
    pub app: TestApp,
    pub admin: String,
    pub handler: String,
    pub employer_id: uuid::Uuid,
    pub supervisor_id: uuid::Uuid,
    pub employer_staff: String,
    pub supervisor_staff: String,
    pub mediator: String,
    pub mediator_id: uuid::Uuid,
    pub ngo_id: uuid::Uuid,
    pub advocate: String,
    pub worker: String,
    pub other_employer_staff: String,
    pub other_advocate: String,
    pub other_mediator: String,
    pub analyst: String,
}

impl World {
    pub async fn new() -> Self {
        Self::on(TestApp::spawn().await).await
    }

    pub async fn on(app: TestApp) -> Self {
        let admin = app.admin_token().await;
        let operator = app.create_organisation(&admin, "Madoguchi Platform", "operator").await;
        let supervisor_id = app.create_organisation(&admin, "Kanto Kumiai", "supervising_org").await;
        let response = app
            .post(
                "/api/v1/admin/organisations",
                &json!({"name": "Sakura Foods", "kind": "employer", "supervising_organisation_id": supervisor_id}),
                Some(&admin),
            )
            .await;
        assert_eq!(response.status(), 201);
        let employer_id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().parse().unwrap();
        let other_employer = app.create_organisation(&admin, "Fuji Metals", "employer").await;
        let mediation = app.create_organisation(&admin, "Bar ADR Centre", "mediation_body").await;
        let ngo_id = app.create_organisation(&admin, "Migrant Support Net", "ngo").await;
        let other_ngo = app.create_organisation(&admin, "Another NGO", "ngo").await;

        let handler = app.user_token(&admin, "handler", Some(operator)).await;
        let employer_staff = app.user_token(&admin, "employer_staff", Some(employer_id)).await;
        let supervisor_staff = app.user_token(&admin, "supervising_org_staff", Some(supervisor_id)).await;
        let other_employer_staff = app.user_token(&admin, "employer_staff", Some(other_employer)).await;
        let mediator = app.user_token(&admin, "mediator", Some(mediation)).await;
        let mediator_id = me(&app, &mediator).await;
        let other_mediator = app.user_token(&admin, "mediator", Some(mediation)).await;
        let advocate = app.user_token(&admin, "advocate", Some(ngo_id)).await;
        let other_advocate = app.user_token(&admin, "advocate", Some(other_ngo)).await;
        let analyst = app.user_token(&admin, "analyst", Some(ngo_id)).await;

        let username = format!("worker{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let response =
            app.post("/api/v1/auth/register", &json!({"username": username, "password": PASSWORD}), None).await;
        assert_eq!(response.status(), 201);
        let login: Value = app
            .post("/api/v1/auth/login", &json!({"username": username, "password": PASSWORD}), None)
            .await
            .json()
            .await
            .unwrap();
        let worker = login["access_token"].as_str().unwrap().to_owned();

        Self {
            app,
            admin,
            handler,
            employer_id,
            supervisor_id,
            employer_staff,
            supervisor_staff,
            mediator,
            mediator_id,
            ngo_id,
            advocate,
            worker,
            other_employer_staff,
            other_advocate,
            other_mediator,
            analyst,
        }
    }

    /// A grievance against the registered employer.
    pub fn grievance(&self) -> Value {
        json!({
            "categories": ["passport_id_retention", "unpaid_wages"],
            "narrative": "Công ty giữ hộ chiếu của tôi và không trả lương tháng 10.",
            "narrative_language": "vi",
            "incident_from": "2026-09-01",
            "incident_to": "2026-10-31",
            "prefecture": "JP-23",
            "industry": "food processing",
            "employer_organisation_id": self.employer_id,
            "nationality": "VN",
            "residence_status": "technical_intern",
            "identity": {
                "full_name": "Nguyen Van A",
                "phone": "+81 90 1111 2222",
                "passport_number": "C1234567",
                "residence_card_number": "AB12345678CD"
            }
        })
    }

    /// Lodges anonymously; returns (case id, reference, receipt code).
    pub async fn intake(&self, body: &Value) -> (String, String, String) {
        let response = self.app.post("/api/v1/intake", body, None).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let lodged: Value = response.json().await.unwrap();
        (
            lodged["case_id"].as_str().unwrap().to_owned(),
            lodged["reference"].as_str().unwrap().to_owned(),
            lodged["receipt_code"].as_str().unwrap().to_owned(),
        )
    }

    /// A case-limited token from a reference and receipt code.
    pub async fn receipt_session(&self, reference: &str, receipt_code: &str) -> String {
        let response = self
            .app
            .post("/api/v1/intake/session", &json!({"reference": reference, "receipt_code": receipt_code}), None)
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn case(&self, token: &str, id: &str) -> Value {
        let response = self.app.get(&format!("/api/v1/cases/{id}"), Some(token)).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    pub async fn version(&self, id: &str) -> i64 {
        self.case(&self.handler, id).await["version"].as_i64().unwrap()
    }

    /// Posts an action at the current version; returns the raw response.
    pub async fn try_act(&self, token: &str, id: &str, mut body: Value) -> reqwest::Response {
        if body.get("version").is_none() {
            body["version"] = json!(self.version(id).await);
        }
        self.app.post(&format!("/api/v1/cases/{id}/actions"), &body, Some(token)).await
    }

    /// Takes an action that must succeed; returns the case as the actor now sees it.
    pub async fn act(&self, token: &str, id: &str, body: Value) -> Value {
        let response = self.try_act(token, id, body.clone()).await;
        assert_eq!(response.status(), 200, "{body}: {}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    /// Every other actor tries the action first and is refused (403 when the
    /// case is visible to them, 404 when it is not); then `allowed` takes it.
    pub async fn act_only(&self, allowed: &[&str], others: &[&str], id: &str, body: Value) -> Value {
        let before = self.version(id).await;
        for token in others.iter().filter(|t| !allowed.contains(t)) {
            let response = self.try_act(token, id, body.clone()).await;
            let status = response.status().as_u16();
            assert!(
                status == 403 || status == 404,
                "{body} by a wrong actor gave {status}: {}",
                response.text().await.unwrap()
            );
        }
        assert_eq!(self.version(id).await, before, "refused attempts changed nothing");
        self.act(allowed[0], id, body).await
    }

    /// Every account of the world, for `act_only`.
    pub fn everyone(&self) -> Vec<&str> {
        vec![
            &self.admin,
            &self.handler,
            &self.employer_staff,
            &self.supervisor_staff,
            &self.mediator,
            &self.advocate,
            &self.worker,
            &self.other_employer_staff,
            &self.other_advocate,
            &self.other_mediator,
            &self.analyst,
        ]
    }

    pub async fn command(&self, token: &str, id: &str, path: &str, mut body: Value) -> reqwest::Response {
        body["version"] = json!(self.version(id).await);
        self.app.post(&format!("/api/v1/cases/{id}/{path}"), &body, Some(token)).await
    }
}

async fn me(app: &TestApp, token: &str) -> uuid::Uuid {
    let me: Value = app.get("/api/v1/me", Some(token)).await.json().await.unwrap();
    me["id"].as_str().unwrap().parse().unwrap()
}
