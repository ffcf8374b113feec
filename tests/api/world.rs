//! A populated installation for case tests: organisations and a user for
//! every role, plus helpers to lodge cases, walk them and act on them.

use serde_json::{Value, json};

use crate::helpers::{TestApp, Token};
use crate::views::{CaseSeen, Lodged, State, body};

pub struct World {
    pub app: TestApp,
    pub admin: Token,
    pub handler: Token,
    pub employer_id: uuid::Uuid,
    pub supervisor_id: uuid::Uuid,
    pub employer_staff: Token,
    pub supervisor_staff: Token,
    pub mediator: Token,
    pub mediator_id: uuid::Uuid,
    pub ngo_id: uuid::Uuid,
    pub advocate: Token,
    /// A worker registered with a username (not the lodger of any case).
    pub worker: Token,
    pub other_employer_staff: Token,
    pub other_advocate: Token,
    pub other_mediator: Token,
    pub analyst: Token,
}

/// A case walked to a state, with the receipt session of the worker who lodged it.
pub struct CaseAt {
    pub id: String,
    pub reference: String,
    /// The lodging worker, by reference and receipt code.
    pub worker: Token,
}

impl World {
    pub async fn new() -> Self {
        Self::on(TestApp::spawn().await).await
    }

    pub async fn on(app: TestApp) -> Self {
        let admin = app.admin_token().await.named("admin");
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
        let employer_id = body::<crate::views::Created>(response).await.id.parse().unwrap();
        let other_employer = app.create_organisation(&admin, "Fuji Metals", "employer").await;
        let mediation = app.create_organisation(&admin, "Bar ADR Centre", "mediation_body").await;
        let ngo_id = app.create_organisation(&admin, "Migrant Support Net", "ngo").await;
        let other_ngo = app.create_organisation(&admin, "Another NGO", "ngo").await;

        let user = |role: &'static str, organisation: uuid::Uuid, name: &'static str| {
            let (app, admin) = (&app, &admin);
            async move { app.user_token(admin, role, Some(organisation)).await.named(name) }
        };
        let handler = user("handler", operator, "handler").await;
        let employer_staff = user("employer_staff", employer_id, "employer_staff").await;
        let supervisor_staff = user("supervising_org_staff", supervisor_id, "supervisor_staff").await;
        let other_employer_staff = user("employer_staff", other_employer, "other_employer_staff").await;
        let mediator = user("mediator", mediation, "mediator").await;
        let mediator_id = app.me(&mediator).await.id.parse().unwrap();
        let other_mediator = user("mediator", mediation, "other_mediator").await;
        let advocate = user("advocate", ngo_id, "advocate").await;
        let other_advocate = user("advocate", other_ngo, "other_advocate").await;
        let analyst = user("analyst", ngo_id, "analyst").await;

        let username = format!("worker{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let worker = app.registered_worker(&username).await.named("registered worker");

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

    /// Lodges anonymously, which must succeed.
    pub async fn intake(&self, body: &Value) -> Lodged {
        let response = self.app.post("/api/v1/intake", body, None).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        crate::views::body(response).await
    }

    /// A fresh case (the usual grievance) walked through the API to `state`.
    pub async fn case_in(&self, state: State) -> CaseAt {
        self.case_from_in(&self.grievance(), state).await
    }

    /// A fresh case lodged with `body` and walked through the API to `state`
    /// (which must be on the main path), each step by its usual actor: the handler acknowledges and refers, the
    /// employer responds, the assigned mediator starts mediation and proposes
    /// one remedy, the worker accepts it, the employer delivers it, the
    /// worker confirms it and the handler closes the case.
    pub async fn case_from_in(&self, body: &Value, state: State) -> CaseAt {
        self.walk(self.intake(body).await, state).await
    }

    /// Walks a lodged case from `submitted` to `state`, as `case_from_in` does.
    pub async fn walk(&self, lodged: Lodged, state: State) -> CaseAt {
        let Lodged { id, reference, receipt_code } = lodged;
        let worker = self.receipt_session(&reference, &receipt_code).await;
        let mut seen = self.case(&self.handler, &id).await;
        let mut remedy = None;
        while seen.state != state {
            let (actor, action) = match seen.state {
                State::Submitted => (&self.handler, json!({"action": "acknowledge"})),
                State::Acknowledged => (&self.handler, json!({"action": "refer"})),
                State::Referred => (&self.employer_staff, json!({"action": "respond"})),
                State::Responded => {
                    let response = self
                        .command(&self.handler, &id, "mediator", json!({"mediator_user_id": self.mediator_id}))
                        .await;
                    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
                    (&self.mediator, json!({"action": "start_mediation"}))
                }
                State::InMediation => (
                    &self.mediator,
                    json!({"action": "propose_remedy", "remedies": [
                        {"type": "restitution", "description": "Return the passport", "responsible_organisation_id": self.employer_id}
                    ]}),
                ),
                State::RemedyProposed => (&worker, json!({"action": "accept_remedy"})),
                State::RemedyAgreed => (
                    &self.employer_staff,
                    json!({"action": "mark_remedy_delivered", "remedy_id": remedy, "reason": "Handed over"}),
                ),
                State::RemedyDelivered => (&worker, json!({"action": "confirm_remedy", "rating": 5})),
                State::RemedyVerified => (&self.handler, json!({"action": "close"})),
                other => panic!("case_in walks the main path only: from {other:?} it does not reach {state:?}"),
            };
            let before = seen.state;
            seen = self.act(actor, &id, action).await;
            assert_ne!(seen.state, before, "the walk to {state:?} is stuck in {before:?}");
            if let Some(first) = seen.remedies.first() {
                remedy = Some(first.id.clone());
            }
        }
        CaseAt { id, reference, worker }
    }

    /// A case-limited token from a reference and receipt code.
    pub async fn receipt_session(&self, reference: &str, receipt_code: &str) -> Token {
        let response = self
            .app
            .post("/api/v1/intake/session", &json!({"reference": reference, "receipt_code": receipt_code}), None)
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        let session: crate::views::ReceiptSession = body(response).await;
        Token::new(format!("receipt holder of {}", reference.to_uppercase()), session.access_token)
    }

    pub async fn case(&self, token: &Token, id: &str) -> CaseSeen {
        self.app.read(&format!("/api/v1/cases/{id}"), Some(token)).await
    }

    pub async fn version(&self, id: &str) -> i64 {
        self.case(&self.handler, id).await.version
    }

    /// Posts an action at the current version; returns the raw response.
    pub async fn try_act(&self, token: &Token, id: &str, mut body: Value) -> reqwest::Response {
        if body.get("version").is_none() {
            body["version"] = json!(self.version(id).await);
        }
        self.app.post(&format!("/api/v1/cases/{id}/actions"), &body, Some(token)).await
    }

    /// Takes an action that must succeed; returns the case as the actor now sees it.
    pub async fn act(&self, token: &Token, id: &str, body: Value) -> CaseSeen {
        let response = self.try_act(token, id, body.clone()).await;
        assert_eq!(response.status(), 200, "{body} by {token:?}: {}", response.text().await.unwrap());
        crate::views::body(response).await
    }

    /// Every other actor tries the action first and is refused (403 when the
    /// case is visible to them, 404 when it is not); then `allowed[0]` takes it.
    /// Actors are told apart by who holds the token, and must all be distinct.
    pub async fn act_only(&self, allowed: &[&Token], others: &[&Token], id: &str, body: Value) -> CaseSeen {
        let mut holders: Vec<&str> = others.iter().map(|t| t.holder()).collect();
        holders.sort_unstable();
        let count = holders.len();
        holders.dedup();
        assert_eq!(holders.len(), count, "two actors with the same name: {others:?}");
        for token in allowed {
            assert!(others.iter().any(|o| o.holder() == token.holder()), "{token:?} is not among {others:?}");
        }
        let before = self.version(id).await;
        for token in others.iter().filter(|t| !allowed.iter().any(|a| a.holder() == t.holder())) {
            let response = self.try_act(token, id, body.clone()).await;
            let status = response.status().as_u16();
            assert!(
                status == 403 || status == 404,
                "{body} by a wrong actor, {token:?}, gave {status}: {}",
                response.text().await.unwrap()
            );
        }
        assert_eq!(self.version(id).await, before, "refused attempts changed nothing");
        self.act(allowed[0], id, body).await
    }

    /// Every account of the world, for `act_only`.
    pub fn everyone(&self) -> Vec<&Token> {
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

    pub async fn command(&self, token: &Token, id: &str, path: &str, mut body: Value) -> reqwest::Response {
        body["version"] = json!(self.version(id).await);
        self.app.post(&format!("/api/v1/cases/{id}/{path}"), &body, Some(token)).await
    }
}
