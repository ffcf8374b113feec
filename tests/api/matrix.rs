//! The authorization matrix. Every operation the served OpenAPI document
//! lists is called by every kind of caller, once on a case (or record) of
//! their own and once on another organisation's, and the status must be the
//! one `TABLE` gives. An operation the document gains without a row fails
//! the test, as does a row for an operation it no longer has.
//!
//! Then every body each caller received is searched for what that caller
//! may not see: the workers' names, e-mails, phone, passport and
//! residence-card numbers, the narratives, the worker-side and internal
//! messages, and the handlers' forced-labour assessment.
//!
//! The requests are built so that the matrix changes nothing that a later
//! cell depends on: commands on a case carry a stale version (so the
//! status tells the access decision, 403 or 404, from the version check,
//! 409, reached only when access is granted), the lifecycle action is an
//! escalation without its required reason (422 for whoever may escalate),
//! and records that a call consumes (a refresh token, a webhook to delete)
//! are made afresh for each call.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::helpers::{Login, PASSWORD, Token};
use crate::views::{Created, Lodged, State, body};
use crate::world::World;

/// Expected statuses. Columns are callers; a cell `A|B` is the status on the
/// caller's own case or record (A) and on another organisation's (B); a
/// single status is both. What "own" and "other" mean for each operation is
/// said in `Matrix::call`: for case operations, own is the case the caller
/// stands on (the worker's own case, for the others a case lodged by the
/// advocate, referred to the employer and its supervising organisation,
/// with the mediator assigned, and held by the receipt session) and other is
/// a case of another employer, advocate and mediator. Analysts and admins
/// have no standing on any case.
const TABLE: &str = "
operation                   worker   advocate handler  employer supervisor mediator analyst admin    receipt  none
health_live                 200      200      200      200      200        200      200     200      200      200
health_ready                200      200      200      200      200        200      200     200      200      200
metrics_get                 200      200      200      200      200        200      200     200      200      200
lifecycle_get               200      200      200      200      200        200      200     200      200      200
notifications_get           200      200      200      200      200        200      200     200      200      200
categories_list             200      200      200      200      200        200      200     200      200      200
remedy_types_list           200      200      200      200      200        200      200     200      200      200
residence_statuses_list     200      200      200      200      200        200      200     200      200      200
channels_list               200      200      200      200      200        200      200     200      200      200
external_bodies_list        200      200      200      200      200        200      200     200      200      200
errors_list                 200      200      200      200      200        200      200     200      200      200
auth_register               201      201      201      201      201        201      201     201      201      201
auth_login                  200      200      200      200      200        200      200     200      200      200
auth_refresh                200      200      200      200      200        200      200     200      200      200
auth_logout                 204      204      204      204      204        204      204     204      204      204
auth_password_change        204      204      204      204      204        204      204     204      403      401
auth_email_confirm          422      422      422      422      422        422      422     422      422      422
auth_password_reset_request 202      202      202      202      202        202      202     202      202      202
auth_password_reset_complete 422     422      422      422      422        422      422     422      422      422
me_get                      200      200      200      200      200        200      200     200      403      401
admin_organisations_create  403      403      403      403      403        403      403     201      403      401
admin_organisations_list    403      403      403      403      403        403      403     200      403      401
admin_users_create          403      403      403      403      403        403      403     201      403      401
admin_users_list            403      403      403      403      403        403      403     200      403      401
admin_users_get             200|403  200|403  200|403  200|403  200|403    200|403  200|403 200      403      401
admin_users_deactivate      403      403      403      403      403        403      403     403|200  403      401
admin_users_reactivate      403      403      403      403      403        403      403     403|200  403      401
admin_users_update          403      403      403      403      403        403      403     200      403      401
admin_organisations_update  403      403      403      403      403        403      403     200      403      401
admin_organisations_deactivate 403   403      403      403      403        403      403     200      403      401
admin_organisations_reactivate 403   403      403      403      403        403      403     200      403      401
admin_outbox_list           403      403      403      403      403        403      403     200      403      401
admin_outbox_requeue        403      403      403      403      403        403      403     204|404  403      401
organisations_get           404      200|404  200      200|404  200|404    200|404  200|404 200      404      401
cases_create                201      201      403      403      403        403      403     403      403      401
cases_list                  200      200      200      200      200        200      403     403      200      401
cases_get                   200|404  200|404  200      200|404  200|404    200|404  404     404      200|404  401
cases_get_by_reference      200|404  200|404  200      200|404  200|404    200|404  404     404      200|404  401
cases_act                   403|404  403|404  422      403|404  403|404    403|404  404     404      403|404  401
cases_consent_set           409|404  409|404  403      403|404  403|404    403|404  404     404      409|404  401
cases_mediator_assign       403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_employer_link         403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_assignee_set          403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_mediator_suggestions  403|404  403|404  200      403|404  403|404    403|404  404     404      403|404  401
cases_classify              403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_identity_update       409|404  409|404  409      403|404  403|404    403|404  404     404      409|404  401
cases_advocate_set          409|404  403|404  409      403|404  403|404    403|404  404     404      409|404  401
cases_advocate_remove       409|404  403|404  409      403|404  403|404    403|404  404     404      409|404  401
cases_receipt_code_replace  403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_erasure_request       409|404  409|404  403      403|404  403|404    403|404  404     404      409|404  401
cases_erasure_approve       403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_erasure_refuse        403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_legal_hold_set        403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
cases_legal_hold_clear      403|404  403|404  409      403|404  403|404    403|404  404     404      403|404  401
personal_data_download      200      403      403      403      403        403      403     403      200      401
messages_list               200|404  200|404  200      200|404  200|404    200|404  404     404      200|404  401
messages_create             201|404  201|404  201      422|404  422|404    201|404  404     404      201|404  401
evidence_upload             403|404  403|404  201      403|404  403|404    403|404  404     404      403|404  401
remedy_evidence_upload      404      403|404  403|404  201|404  403|404    403|404  404     404      404      401
evidence_download           200|404  200|404  200      404      404        200|404  404     404      200|404  401
intake_create               201      201      201      201      201        201      201     201      201      201
intake_session_create       200      200      200      200      200        200      200     200      200      200
intake_session_renew        403      403      403      403      403        403      403     403      200      401
intake_recorded_create      403      403      201      403      403        403      403     403      403      401
webhooks_create             403      201      201      201      201        201      403     403      403      401
webhooks_list               403      200      200      200      200        200      403     403      403      401
webhooks_delete             403      204|404  204|404  204|404  204|404    204|404  403     403      403      401
staff_organisations_list    403      403      200      403      403        403      403     200      403      401
staff_mediators_list        403      403      200      403      403        403      403     200      403      401
staff_handlers_list         403      403      200      403      403        403      403     200      403      401
staff_mediator_languages_set 403     403      403      403      403        200      403     403      403      401
staff_mediator_conflicts_create 403  403      403      403      403        201|404  403     403      403      401
reports_summary             403      403      200      200      200        403      200     200      403      401
reports_cases_export        403      403      200      200      200        403      200     200      403      401
";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Worker,
    Advocate,
    Handler,
    Employer,
    Supervisor,
    Mediator,
    Analyst,
    Admin,
    Receipt,
    Anonymous,
}

impl Caller {
    /// In the order of the table's columns.
    const ALL: [Caller; 10] = [
        Self::Worker,
        Self::Advocate,
        Self::Handler,
        Self::Employer,
        Self::Supervisor,
        Self::Mediator,
        Self::Analyst,
        Self::Admin,
        Self::Receipt,
        Self::Anonymous,
    ];

    fn column(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Advocate => "advocate",
            Self::Handler => "handler",
            Self::Employer => "employer",
            Self::Supervisor => "supervisor",
            Self::Mediator => "mediator",
            Self::Analyst => "analyst",
            Self::Admin => "admin",
            Self::Receipt => "receipt",
            Self::Anonymous => "none",
        }
    }

    fn has_account(self) -> bool {
        !matches!(self, Self::Receipt | Self::Anonymous)
    }
}

/// The table, read: operation → caller → (own, other).
fn expected_statuses() -> BTreeMap<String, BTreeMap<Caller, (u16, u16)>> {
    let mut lines = TABLE.lines().map(str::trim).filter(|line| !line.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let columns: Vec<&str> = Caller::ALL.iter().map(|c| c.column()).collect();
    assert_eq!(header[1..], columns[..], "the table's columns");
    let mut table = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.len(), columns.len() + 1, "row `{line}`");
        let row = Caller::ALL
            .iter()
            .zip(&cells[1..])
            .map(|(caller, cell)| {
                let (own, other) = cell.split_once('|').unwrap_or((cell, cell));
                (*caller, (own.parse().unwrap(), other.parse().unwrap()))
            })
            .collect();
        assert!(table.insert(cells[0].to_owned(), row).is_none(), "{} has two rows", cells[0]);
    }
    table
}

/// Which case a secret belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseKey {
    /// Lodged by the advocate; the case of every caller but the worker.
    Advocates,
    /// Lodged by the worker's own account.
    Workers,
    /// Another employer's, advocate's and mediator's.
    Other,
}

/// What kind of thing a secret is, which decides who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Name, contacts, document numbers: the worker, advocate, handlers and
    /// mediator; respondents only with consent (never given here).
    Identity,
    /// The grievance's narrative: everyone standing on the case; never
    /// analysts (exports carry no free text).
    Narrative,
    /// A message to everyone on the case.
    PartiesMessage,
    /// A message the respondents do not see.
    WorkerSideMessage,
    /// A message for handlers and the mediator.
    InternalMessage,
    /// The handlers' forced-labour indicators: never the respondents; analysts
    /// and admins see them in statistics and exports.
    Assessment,
}

struct Secret {
    text: String,
    case: CaseKey,
    kind: Kind,
}

/// How a caller stands on a case, as far as what they may see goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    WorkerSide,
    Handler,
    Respondent,
    Mediator,
}

impl Caller {
    fn standing(self, case: CaseKey) -> Option<Standing> {
        use CaseKey::*;
        match (self, case) {
            (Self::Worker, Workers) | (Self::Advocate | Self::Receipt, Advocates) => Some(Standing::WorkerSide),
            (Self::Handler, _) => Some(Standing::Handler),
            // The worker's case is referred to the same employer and mediated by the same mediator.
            (Self::Employer | Self::Supervisor, Advocates | Workers) => Some(Standing::Respondent),
            (Self::Mediator, Advocates | Workers) => Some(Standing::Mediator),
            _ => None,
        }
    }

    /// Whether the matrix asks this caller about the case at all (their own, and the other).
    fn visits(self, case: CaseKey) -> bool {
        match case {
            CaseKey::Other => true,
            CaseKey::Workers => self == Self::Worker,
            CaseKey::Advocates => self != Self::Worker,
        }
    }

    fn may_see(self, secret: &Secret) -> bool {
        if secret.kind == Kind::Assessment && matches!(self, Self::Analyst | Self::Admin) {
            return true;
        }
        let Some(standing) = self.standing(secret.case) else { return false };
        match secret.kind {
            Kind::Narrative | Kind::PartiesMessage => true,
            Kind::Identity | Kind::WorkerSideMessage | Kind::Assessment => standing != Standing::Respondent,
            Kind::InternalMessage => matches!(standing, Standing::Handler | Standing::Mediator),
        }
    }
}

/// Operations whose bodies are the same for everyone (catalogues and
/// metrics), which name indicator codes as reference data.
const REFERENCE: &[&str] = &["lifecycle_get", "categories_list", "errors_list", "metrics_get", "reports_summary"];

/// A case seeded for the matrix.
struct Seeded {
    id: String,
    reference: String,
    receipt_code: String,
    /// Written by the handler to everyone on the case; evidence goes here.
    parties_message: String,
    /// Evidence on a worker-side message.
    worker_side_evidence: String,
}

struct Matrix {
    w: World,
    /// A worker with an account, who lodged `workers`.
    worker: Token,
    receipt: Token,
    advocates: Seeded,
    workers: Seeded,
    other: Seeded,
    /// Who each account is, and their organisation.
    ids: BTreeMap<Caller, (String, Option<String>)>,
    other_organisation: String,
    /// A user the admin deactivates and reactivates.
    victim: String,
    /// An organisation the admin edits, deactivates and reactivates.
    victim_organisation: String,
    /// A case walked to an agreed remedy (responsible: the employer), with
    /// the advocate's NGO named by the worker: (case id, remedy id).
    remedied: (String, String),
    dead_outbox_row: String,
    /// A webhook of an organisation none of the callers belongs to.
    foreign_webhook: String,
    /// An account for the session operations (login, refresh, logout).
    session_login: Login,
    secrets: Vec<Secret>,
    counter: AtomicUsize,
}

/// One request: method, concrete path, and body.
struct Call {
    method: reqwest::Method,
    path: String,
    body: Option<(&'static str, Vec<u8>)>,
}

const STALE: i64 = 999_999;
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

impl Matrix {
    async fn new() -> Self {
        let w = World::new().await;
        let app = &w.app;
        let me = |token: Token| async move {
            let me = app.me(&token).await;
            (me.id, me.organisation_id)
        };
        let mut ids = BTreeMap::new();
        for (caller, token) in [
            (Caller::Advocate, &w.advocate),
            (Caller::Handler, &w.handler),
            (Caller::Employer, &w.employer_staff),
            (Caller::Supervisor, &w.supervisor_staff),
            (Caller::Mediator, &w.mediator),
            (Caller::Analyst, &w.analyst),
            (Caller::Admin, &w.admin),
        ] {
            ids.insert(caller, me(token.clone()).await);
        }
        let other_employer = me(w.other_employer_staff.clone()).await.1.unwrap();
        let other_mediator = me(w.other_mediator.clone()).await.0;

        // The worker's own account, with an e-mail of its own (account data, not the case's identity).
        let username = format!("matrixworker{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let response = app
            .post(
                "/api/v1/auth/register",
                &json!({"username": username, "password": PASSWORD, "email": format!("{username}@example.org")}),
                None,
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let worker = app.token(&Login::username(&username)).await.named("matrix worker");
        ids.insert(Caller::Worker, me(worker.clone()).await);

        let mut secrets = Vec::new();
        let mut secret = |text: &str, case, kind| {
            secrets.push(Secret { text: text.to_owned(), case, kind });
            text.to_owned()
        };
        let grievance = |narrative: String, identity: Value, employer: &str| {
            json!({
                "categories": ["passport_id_retention", "unpaid_wages"],
                "narrative": narrative,
                "narrative_language": "en",
                "prefecture": "JP-23",
                "employer_organisation_id": employer,
                "nationality": "VN",
                "residence_status": "technical_intern",
                "identity": identity,
            })
        };
        let employer = w.employer_id.to_string();
        let identity = |secret: &mut dyn FnMut(&str, CaseKey, Kind) -> String, case, values: [&str; 5]| {
            json!({
                "full_name": secret(values[0], case, Kind::Identity),
                "email": secret(values[1], case, Kind::Identity),
                "phone": secret(values[2], case, Kind::Identity),
                "passport_number": secret(values[3], case, Kind::Identity),
                "residence_card_number": secret(values[4], case, Kind::Identity),
            })
        };

        // The advocate's case, with the worker's consent, and its receipt session.
        let mut lodging = grievance(
            secret(
                "The supervisor locked our passports in the office safe at the Sakura dormitory",
                CaseKey::Advocates,
                Kind::Narrative,
            ),
            identity(
                &mut secret,
                CaseKey::Advocates,
                ["Tran Thi Bich Ngoc", "bich.ngoc.tran@mail.example", "+81 80 3141 5926", "P31415926", "RC31415926AB"],
            ),
            &employer,
        );
        lodging["worker_consent"] = json!({"method": "signed consent form", "obtained_on": "2026-11-01"});
        let response = app.post("/api/v1/cases", &lodging, Some(&w.advocate)).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let advocates: Lodged = body_of(response).await;

        let response = app
            .post(
                "/api/v1/cases",
                &grievance(
                    secret(
                        "My October wages were paid two weeks late and cut by a dormitory fee",
                        CaseKey::Workers,
                        Kind::Narrative,
                    ),
                    identity(
                        &mut secret,
                        CaseKey::Workers,
                        [
                            "Le Van Hoang Minh",
                            "hoang.minh.le@mail.example",
                            "+81 90 2718 2818",
                            "P27182818",
                            "RC27182818CD",
                        ],
                    ),
                    &employer,
                ),
                Some(&worker),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let workers: Lodged = body_of(response).await;

        let other = w
            .intake(&grievance(
                secret(
                    "The foreman at the metal plant shouted at me and pushed me against the press",
                    CaseKey::Other,
                    Kind::Narrative,
                ),
                identity(
                    &mut secret,
                    CaseKey::Other,
                    ["Pham Thi Lan Anh", "lan.anh.pham@mail.example", "+81 70 1618 0339", "P16180339", "RC16180339EF"],
                ),
                &other_employer.to_string(),
            ))
            .await;

        // Each case acknowledged, referred, mediated, assessed, and given a conversation.
        let mut seeded = Vec::new();
        for (lodged, case, mediator) in [
            (advocates, CaseKey::Advocates, ids[&Caller::Mediator].0.clone()),
            (workers, CaseKey::Workers, ids[&Caller::Mediator].0.clone()),
            (other, CaseKey::Other, other_mediator.clone()),
        ] {
            let id = lodged.id.clone();
            w.act(&w.handler, &id, json!({"action": "acknowledge"})).await;
            w.act(&w.handler, &id, json!({"action": "refer"})).await;
            let response = w.command(&w.handler, &id, "mediator", json!({"mediator_user_id": mediator})).await;
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            // One indicator per case, none implied by the cases' categories, so that finding one names its case.
            let indicators = match case {
                CaseKey::Advocates => ["FL-4"],
                CaseKey::Workers => ["FL-9"],
                CaseKey::Other => ["FL-5"],
            };
            secrets.push(Secret { text: indicators[0].to_owned(), case, kind: Kind::Assessment });
            let response =
                w.command(&w.handler, &id, "classification", json!({"forced_labour_indicators": indicators})).await;
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            assert_eq!(w.case(&w.handler, &id).await.state, State::Referred);

            let tag = match case {
                CaseKey::Advocates => "Sakura dormitory",
                CaseKey::Workers => "October payslip",
                CaseKey::Other => "metal plant",
            };
            let mut post = |text: String, visibility: &'static str, kind| {
                secrets.push(Secret { text: text.clone(), case, kind });
                let (app, handler, id) = (&w.app, &w.handler, id.clone());
                async move {
                    let response = app
                        .post(
                            &format!("/api/v1/cases/{id}/messages"),
                            &json!({"body": text, "visibility": visibility}),
                            Some(handler),
                        )
                        .await;
                    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
                    body::<Created>(response).await.id
                }
            };
            let parties_message =
                post(format!("Please send the rules of the {tag} in Vietnamese"), "parties", Kind::PartiesMessage)
                    .await;
            let worker_side =
                post(format!("The advocate keeps copies of the {tag} papers"), "worker_side", Kind::WorkerSideMessage)
                    .await;
            post(format!("Handler note: two earlier complaints about the {tag}"), "internal", Kind::InternalMessage)
                .await;
            let response = w
                .app
                .client
                .post(w.app.url(&format!("/api/v1/cases/{id}/messages/{worker_side}/evidence?file_name=copy.png")))
                .bearer_auth(w.handler.bearer())
                .header("content-type", "application/octet-stream")
                .body(PNG)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            let worker_side_evidence = body::<Created>(response).await.id;
            seeded.push(Seeded {
                id,
                reference: lodged.reference,
                receipt_code: lodged.receipt_code,
                parties_message,
                worker_side_evidence,
            });
        }
        let other = seeded.pop().unwrap();
        let workers = seeded.pop().unwrap();
        let advocates = seeded.pop().unwrap();
        let receipt = w.receipt_session(&advocates.reference, &advocates.receipt_code).await;

        let other_organisation = other_employer.to_string();
        let victim_email = format!("victim-{}@example.org", uuid::Uuid::new_v4().simple());
        let response = app
            .post(
                "/api/v1/admin/users",
                &json!({"email": victim_email, "password": PASSWORD, "role": "analyst", "organisation_id": w.ngo_id}),
                Some(&w.admin),
            )
            .await;
        assert_eq!(response.status(), 201);
        let victim = body::<Created>(response).await.id;

        let session_email = format!("sessions-{}@example.org", uuid::Uuid::new_v4().simple());
        let response = app
            .post(
                "/api/v1/admin/users",
                &json!({"email": session_email, "password": PASSWORD, "role": "analyst", "organisation_id": w.ngo_id}),
                Some(&w.admin),
            )
            .await;
        assert_eq!(response.status(), 201);

        let response = app
            .post("/api/v1/webhooks", &json!({"url": "https://hooks.example.org/another-ngo"}), Some(&w.other_advocate))
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let foreign_webhook = body::<Created>(response).await.id;

        w.app.worker.fan_out().await.unwrap();
        let dead_outbox_row = kill_one_outbox_row(&w);
        let victim_organisation = app.create_organisation(&w.admin, "Victim Organisation", "ngo").await.to_string();
        let remedied = w.case_in(State::RemedyAgreed).await;
        let response =
            w.command(&remedied.worker, &remedied.id, "advocate", json!({"advocate_organisation_id": w.ngo_id})).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        let remedy = w.case(&w.handler, &remedied.id).await.remedies[0].id.clone();
        let remedied = (remedied.id, remedy);

        Self {
            worker,
            receipt,
            advocates,
            workers,
            other,
            ids,
            other_organisation,
            victim,
            victim_organisation,
            remedied,
            dead_outbox_row,
            foreign_webhook,
            session_login: Login::email(&session_email),
            secrets,
            counter: AtomicUsize::new(0),
            w,
        }
    }

    fn token(&self, caller: Caller) -> Option<&Token> {
        let w = &self.w;
        Some(match caller {
            Caller::Worker => &self.worker,
            Caller::Advocate => &w.advocate,
            Caller::Handler => &w.handler,
            Caller::Employer => &w.employer_staff,
            Caller::Supervisor => &w.supervisor_staff,
            Caller::Mediator => &w.mediator,
            Caller::Analyst => &w.analyst,
            Caller::Admin => &w.admin,
            Caller::Receipt => &self.receipt,
            Caller::Anonymous => return None,
        })
    }

    fn unique(&self) -> usize {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    fn case(&self, caller: Caller, own: bool) -> &Seeded {
        match (own, caller) {
            (false, _) => &self.other,
            (true, Caller::Worker) => &self.workers,
            (true, _) => &self.advocates,
        }
    }

    fn grievance(&self) -> Value {
        let mut grievance = self.w.grievance();
        grievance["identity"] = json!({"full_name": "Probe Worker"});
        grievance
    }

    /// The request for `operation` (documented as `method path`) by `caller`
    /// on their own record or another organisation's.
    async fn call(&self, operation: &str, method: &str, path: &str, caller: Caller, own: bool) -> Call {
        let case = self.case(caller, own);
        let (self_id, own_org) = self.ids.get(&caller).cloned().unwrap_or_default();
        let mut id = None;
        let json_body = |value: Value| Some(("application/json", serde_json::to_vec(&value).unwrap()));
        let body = match operation {
            "health_live"
            | "health_ready"
            | "metrics_get"
            | "lifecycle_get"
            | "notifications_get"
            | "categories_list"
            | "remedy_types_list"
            | "residence_statuses_list"
            | "channels_list"
            | "external_bodies_list"
            | "intake_session_renew"
            | "errors_list"
            | "me_get"
            | "personal_data_download"
            | "admin_organisations_list"
            | "admin_users_list"
            | "cases_list"
            | "messages_list"
            | "webhooks_list"
            | "reports_summary"
            | "reports_cases_export"
            | "cases_get"
            | "cases_get_by_reference"
            | "evidence_download"
            | "admin_outbox_list"
            | "cases_mediator_suggestions"
            | "staff_organisations_list"
            | "staff_mediators_list"
            | "staff_handlers_list" => None,
            "auth_register" => json_body(json!({"username": format!("probe{}", self.unique()), "password": PASSWORD})),
            "auth_login" => json_body(self.session_login.body()),
            "auth_refresh" | "auth_logout" => {
                let tokens = self.w.app.login(&self.session_login).await;
                json_body(json!({"refresh_token": tokens.refresh_token}))
            }
            // The same password again: the change succeeds and nothing else depends on it.
            "auth_password_change" => json_body(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
            // Codes nobody was sent: what a caller without the mail can do is be refused.
            "auth_email_confirm" => json_body(json!({"code": "AAAA-BBBB-CCCC-DDDD"})),
            "auth_password_reset_complete" => {
                json_body(json!({"code": "AAAA-BBBB-CCCC-DDDD", "new_password": PASSWORD}))
            }
            "auth_password_reset_request" => json_body(json!({"email": "probe@example.org"})),
            "admin_organisations_create" => {
                json_body(json!({"name": format!("Probe Org {}", self.unique()), "kind": "ngo"}))
            }
            "admin_users_create" => json_body(json!({
                "email": format!("probe-{}@example.org", self.unique()), "password": PASSWORD, "role": "worker"
            })),
            // Own: the caller's own account; other: someone else's.
            "admin_users_get" | "admin_users_deactivate" | "admin_users_reactivate" => {
                id = Some(if own && caller.has_account() { self_id } else { self.victim.clone() });
                None
            }
            // Own: the caller's own account; other: someone else's. Clearing a phone nobody has changes nothing.
            "admin_users_update" => {
                id = Some(if own && caller.has_account() { self_id } else { self.victim.clone() });
                json_body(json!({"phone": null}))
            }
            // Own: the caller's organisation (callers without one: the victim); other: the victim.
            "admin_organisations_update" | "admin_organisations_deactivate" | "admin_organisations_reactivate" => {
                id = Some(match (own, own_org) {
                    (true, Some(org)) => org,
                    _ => self.victim_organisation.clone(),
                });
                (operation == "admin_organisations_update").then(|| json!({"contact_email": null})).and_then(json_body)
            }
            // Own: the remedied case's remedy; other: a remedy that does not exist on another's case.
            "remedy_evidence_upload" => {
                if own {
                    id = Some(self.remedied.0.clone());
                }
                Some(("application/octet-stream", PNG.to_vec()))
            }
            // Own: a dead message; other: one that does not exist.
            "admin_outbox_requeue" => {
                id = Some(if own { self.dead_outbox_row.clone() } else { uuid::Uuid::new_v4().to_string() });
                None
            }
            // Own: the caller's organisation (callers without one read the other).
            "organisations_get" => {
                id = Some(match (own, own_org) {
                    (true, Some(org)) => org,
                    _ => self.other_organisation.clone(),
                });
                None
            }
            "cases_create" => {
                let mut grievance = self.grievance();
                if caller == Caller::Advocate {
                    grievance["worker_consent"] = json!({"method": "verbal, recorded", "obtained_on": "2026-11-01"});
                }
                json_body(grievance)
            }
            "intake_create" => json_body(self.grievance()),
            "intake_session_create" => {
                json_body(json!({"reference": case.reference, "receipt_code": case.receipt_code}))
            }
            // Escalation needs a reason: whoever may escalate gets 422, and nothing moves.
            "cases_act" => json_body(json!({"action": "escalate", "version": self.w.version(&case.id).await})),
            "cases_consent_set" => json_body(json!({"version": STALE, "disclose_identity_to_employer": true})),
            "cases_mediator_assign" => json_body(json!({"version": STALE, "mediator_user_id": self.w.mediator_id})),
            "cases_employer_link" => {
                json_body(json!({"version": STALE, "employer_organisation_id": self.w.employer_id}))
            }
            "cases_assignee_set" => {
                json_body(json!({"version": STALE, "handler_user_id": self.ids[&Caller::Handler].0}))
            }
            "staff_mediator_languages_set" => json_body(json!({"languages": ["vi", "ne"]})),
            // Own: a conflict with another employer, which none of the caller's cases touches (so no
            // later cell changes); other: one on another mediator's case, which is not the caller's.
            "staff_mediator_conflicts_create" => json_body(if own {
                json!({"organisation_id": self.other_organisation, "reason": "I advised Fuji Metals until 2025"})
            } else {
                json!({"case_id": self.other.id, "reason": "A probe of the matrix"})
            }),
            "cases_classify" => json_body(json!({"version": STALE, "priority": "urgent"})),
            "cases_identity_update" => json_body(json!({"version": STALE, "identity": {"phone": "+81 70 0000 0000"}})),
            // With the worker's consent, which a handler needs (the worker needs none).
            "cases_advocate_set" => json_body(json!({
                "version": STALE, "advocate_organisation_id": self.w.ngo_id,
                "worker_consent": {"method": "asked by phone", "obtained_on": "2026-11-01"}
            })),
            "cases_advocate_remove" => json_body(json!({
                "version": STALE, "worker_consent": {"method": "asked by phone", "obtained_on": "2026-11-01"}
            })),
            "cases_receipt_code_replace" => {
                json_body(json!({"version": STALE, "identity_check": "date of birth and employer, by phone"}))
            }
            // A stale version: the status tells the access decision, and nothing is asked, decided or held.
            "cases_erasure_request" | "cases_erasure_approve" => json_body(json!({"version": STALE})),
            "cases_erasure_refuse" | "cases_legal_hold_set" | "cases_legal_hold_clear" => {
                json_body(json!({"version": STALE, "reason": "A probe of the matrix"}))
            }
            "intake_recorded_create" => json_body(json!({"channel": "phone", "grievance": self.grievance()})),
            // Respondents may not write where they could not read.
            "messages_create" => json_body(json!({"body": "A probe of the matrix", "visibility": "worker_side"})),
            "evidence_upload" => Some(("application/octet-stream", PNG.to_vec())),
            "webhooks_create" => json_body(json!({"url": format!("https://hooks.example.org/{}", self.unique())})),
            // Own: a webhook the caller's organisation has just registered; other: another organisation's.
            "webhooks_delete" => {
                let mut target = self.foreign_webhook.clone();
                if own && let Some(token) = self.token(caller) {
                    let response = self
                        .w
                        .app
                        .post("/api/v1/webhooks", &json!({"url": "https://hooks.example.org/own"}), Some(token))
                        .await;
                    if response.status() == 201 {
                        target = body::<Created>(response).await.id;
                    }
                }
                id = Some(target);
                None
            }
            other => panic!("no request for `{other}`: add it to `Matrix::call` and a row to `TABLE`"),
        };
        let mut concrete =
            path.replace("{message_id}", &case.parties_message).replace("{evidence_id}", &case.worker_side_evidence);
        concrete = concrete.replace("{id}", id.as_deref().unwrap_or(&case.id)).replace("{reference}", &case.reference);
        let remedy = if own { self.remedied.1.clone() } else { uuid::Uuid::new_v4().to_string() };
        concrete = concrete.replace("{remedy_id}", &remedy);
        if operation == "evidence_upload" || operation == "remedy_evidence_upload" {
            concrete.push_str("?file_name=probe.png");
        }
        if operation == "admin_outbox_list" {
            concrete.push_str("?status=pending&limit=200");
        }
        Call { method: method.to_uppercase().parse().unwrap(), path: concrete, body }
    }
}

/// Marks one pending e-mail to a worker's identity address dead, as the
/// worker would after its attempts ran out; returns its id.
fn kill_one_outbox_row(w: &World) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Recipient {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        recipient: String,
    }
    let mut conn = w.app.pool.get().unwrap();
    // Recipients of case notices are sealed: compared once opened.
    let (sealer, _) = madoguchi::seal::Sealer::from_settings(&w.app.settings).unwrap();
    let rows: Vec<Recipient> =
        diesel::sql_query("SELECT id, recipient FROM outbox WHERE channel = 'email' ORDER BY id")
            .load(&mut *conn)
            .unwrap();
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|row| {
            let place = madoguchi::db::outbox::recipient_place(&row.id);
            sealer.open(place, &row.recipient).unwrap() == "bich.ngoc.tran@mail.example"
        })
        .map(|row| Row { id: row.id })
        .collect();
    let id = rows.first().expect("the advocate's case queued mail to the worker").id.clone();
    diesel::sql_query(format!("UPDATE outbox SET status = 'dead' WHERE id = '{id}'")).execute(&mut *conn).unwrap();
    id
}

async fn body_of<T: crate::views::View>(response: reqwest::Response) -> T {
    body(response).await
}

#[tokio::test]
async fn every_operation_by_every_caller_answers_as_the_table_says_and_shows_nothing_forbidden() {
    let m = Matrix::new().await;
    let response = m.w.app.get("/api/v1/openapi.json", None).await;
    let doc: Value = response.json().await.unwrap();
    let mut table = expected_statuses();
    let mut wrong = Vec::new();
    let mut bodies: BTreeMap<Caller, Vec<(String, String)>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let id = operation["operationId"].as_str().unwrap();
            let row = table.remove(id).unwrap_or_else(|| panic!("`{id}` ({method} {path}) has no row in TABLE"));
            for caller in Caller::ALL {
                for own in [true, false] {
                    let call = m.call(id, method, path, caller, own).await;
                    let mut request = m.w.app.client.request(call.method, m.w.app.url(&call.path));
                    if let Some(token) = m.token(caller) {
                        request = request.bearer_auth(token.bearer());
                    }
                    if let Some((content_type, bytes)) = call.body {
                        request = request.header("content-type", content_type).body(bytes);
                    }
                    let response = request.send().await.unwrap();
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap();
                    let expected = if own { row[&caller].0 } else { row[&caller].1 };
                    if status != expected {
                        let which = if own { "own" } else { "other" };
                        let detail: String = text.chars().take(200).collect();
                        wrong.push(format!("{id} by {caller:?} on {which}: {status}, table says {expected}: {detail}"));
                    }
                    bodies
                        .entry(caller)
                        .or_default()
                        .push((format!("{id} ({})", if own { "own" } else { "other" }), text));
                }
            }
        }
    }
    assert!(table.is_empty(), "rows for operations the document does not have: {:?}", table.keys());
    assert!(wrong.is_empty(), "{} cells differ from the table:\n{}", wrong.len(), wrong.join("\n"));

    let mut leaks = Vec::new();
    for (caller, seen) in &bodies {
        for secret in m.secrets.iter().filter(|secret| !caller.may_see(secret)) {
            for (operation, text) in seen {
                let reference_data =
                    secret.kind == Kind::Assessment && REFERENCE.iter().any(|r| operation.starts_with(r));
                if !reference_data && text.contains(&secret.text) {
                    leaks.push(format!(
                        "{caller:?} got {:?} `{}` of the {:?} case from {operation}",
                        secret.kind, secret.text, secret.case
                    ));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));

    // The search can find what it looks for: the callers who may see a
    // secret, and ask about its case, did see it somewhere.
    for secret in m.secrets.iter().filter(|s| Caller::ALL.iter().any(|c| c.may_see(s) && c.visits(s.case))) {
        let found = bodies
            .iter()
            .any(|(caller, seen)| caller.may_see(secret) && seen.iter().any(|(_, text)| text.contains(&secret.text)));
        assert!(found, "nobody saw {:?} `{}`: the search proves nothing for it", secret.kind, secret.text);
    }
}
