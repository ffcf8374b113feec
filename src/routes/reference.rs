//! `/lifecycle` and `/categories`: the published procedure and catalogues,
//! with labels in the caller's language.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::policy::mail_content;
use crate::domain::LanguageTag;
use crate::domain::case::{ExternalBody, IntakeChannel, ResidenceStatus};
use crate::domain::catalogue::{self, Category, Framework};
use crate::domain::labels::{self, label};
use crate::domain::lifecycle::{self, Action, CaseRole, CaseState, ClockStart, OnExpiry};
use crate::domain::notification::{Audience, Content, Happening};
use crate::domain::remedy::RemedyType;
use crate::error::{ApiError, ProblemCode};
use crate::notify::templates;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(lifecycle_table)
        .service(notifications_table)
        .service(categories)
        .service(remedy_types)
        .service(residence_statuses)
        .service(channels)
        .service(external_bodies)
        .service(errors);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LanguageQuery {
    /// BCP 47 tag for labels (`vi`, `zh-Hant`, …); English when missing or
    /// when there are no labels in that language. `Content-Language` says
    /// which language was served; a malformed tag is a 422.
    pub lang: Option<String>,
}

impl LanguageQuery {
    /// The language the labels will be in.
    fn served(&self) -> Result<&'static str, ApiError> {
        let Some(raw) = self.lang.as_deref() else { return Ok("en") };
        let tag = LanguageTag::parse(raw).map_err(|_| {
            ApiError::validation("lang", "invalid_language_tag", "not a BCP 47 language tag such as vi or zh-Hant")
        })?;
        Ok(labels::served_language(&tag))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockDto {
    /// Days the stage may take.
    pub days: i64,
    /// Days for urgent cases, if shorter.
    pub urgent_days: Option<i64>,
    pub starts: ClockStart,
    /// Who must act before the clock runs out.
    pub must_act: Vec<CaseRole>,
    /// The action the system takes when the clock runs out; absent when handlers are told instead.
    pub on_expiry_action: Option<Action>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateDto {
    pub name: CaseState,
    pub label: String,
    pub terminal: bool,
    pub clock: Option<ClockDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionDto {
    pub from: CaseState,
    pub to: CaseState,
    pub roles: Vec<CaseRole>,
    pub reason_required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionDto {
    pub name: Action,
    /// What a button for it says, in the asked language.
    pub label: String,
    pub transitions: Vec<TransitionDto>,
}

/// The case procedure: states, who may take which action, and each stage's time frame.
#[derive(Debug, Serialize, ToSchema)]
pub struct LifecycleDto {
    pub states: Vec<StateDto>,
    pub actions: Vec<ActionDto>,
    pub roles: Vec<CaseRole>,
    /// A worker may reopen a finished case within this many days.
    pub reopen_window_days: i64,
    /// Every worker hears back within this many days of submission.
    pub feedback_outer_bound_days: i64,
    /// After a verified remedy or closure, reprisals are watched for this many
    /// days: the worker side can report retaliation (`report_reprisal`).
    pub reprisal_watch_days: i64,
    /// Days into the watch on which the worker is asked whether all is well.
    pub reprisal_check_in_days: Vec<i64>,
}

/// The published lifecycle
///
/// The case procedure (UNGP 31: a clear and known procedure with a time
/// frame for each stage): every state with its label and clock, every action
/// with the states it leaves, where it leads, who may take it and whether it
/// needs a reason.
#[utoipa::path(
    tag = "reference",
    operation_id = "lifecycle_get",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The lifecycle table", body = LifecycleDto, headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/lifecycle")]
pub async fn lifecycle_table(
    state: web::Data<AppState>,
    query: web::Query<LanguageQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = query.served()?;
    let states = CaseState::ALL
        .iter()
        .map(|&state| StateDto {
            name: state,
            label: label("state", state.as_str(), lang).to_owned(),
            terminal: state.is_terminal(),
            clock: lifecycle::clock(state).map(|clock| ClockDto {
                days: clock.days,
                urgent_days: clock.urgent_days,
                starts: clock.starts,
                must_act: clock.must_act.to_vec(),
                on_expiry_action: match clock.on_expiry {
                    OnExpiry::SystemAction(action) => Some(action),
                    OnExpiry::NotifyHandlers => None,
                },
            }),
        })
        .collect();
    let actions = Action::ALL
        .iter()
        .map(|&action| ActionDto {
            name: action,
            label: label("action", action.as_str(), lang).to_owned(),
            transitions: lifecycle::transitions(action)
                .iter()
                .map(|t| TransitionDto {
                    from: t.from,
                    to: t.to,
                    roles: t.roles.to_vec(),
                    reason_required: t.reason_required,
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, lang)).json(LifecycleDto {
        states,
        actions,
        roles: CaseRole::ALL.to_vec(),
        reopen_window_days: lifecycle::REOPEN_WINDOW_DAYS,
        feedback_outer_bound_days: lifecycle::FEEDBACK_OUTER_BOUND_DAYS,
        reprisal_watch_days: lifecycle::REPRISAL_WATCH_DAYS,
        reprisal_check_in_days: state.settings.outbox.reprisal_check_in_days.clone(),
    }))
}

/// How the audience of a happening is drawn.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudienceRule {
    /// The roles in `told`, as they stand on the case (respondents once
    /// referred, the mediator once assigned).
    Roles,
    /// Whoever the stage's clock says must act (`must_act` in `/lifecycle`).
    WhoeverMustAct,
    /// The organisation responsible for the remedy.
    ResponsibleOrganisation,
    /// The handler who owns the case (told unless they took it themselves).
    AssignedHandler,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HappeningDto {
    pub name: Happening,
    /// What it is called in notices, in the asked language.
    pub label: String,
    pub rule: AudienceRule,
    /// Who is told by e-mail, when `rule` is `roles`.
    pub told: Vec<CaseRole>,
    /// Whether the actor is told of their own act (the worker's receipt).
    pub actor_told: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContentDto {
    pub role: CaseRole,
    pub content: Content,
}

/// Who hears what: every happening on a case, who is told of it by e-mail,
/// and what a notice may say to each role.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsDto {
    pub happenings: Vec<HappeningDto>,
    /// What an e-mail may say to each role (`news_only`: that there is news
    /// and how to open it; `summary`: what happened, the stage and its dates,
    /// never the narrative, the identity or a message's text).
    pub content: Vec<ContentDto>,
    /// Webhooks carry the case events an organisation's standing on the case
    /// lets it see, never an internal one.
    pub webhooks: String,
}

/// Who hears what
///
/// The who-hears-what table the dispatcher follows: for every happening on
/// a case, who is told by e-mail, and what a notice may say to each role.
#[utoipa::path(
    tag = "reference",
    operation_id = "notifications_get",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The who-hears-what table", body = NotificationsDto, headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/lifecycle/notifications")]
pub async fn notifications_table(
    state: web::Data<AppState>,
    query: web::Query<LanguageQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = query.served()?;
    let happenings = Happening::ALL
        .iter()
        .map(|&happening| {
            let (rule, told) = match happening.audience() {
                Audience::Roles(roles) => (AudienceRule::Roles, roles.to_vec()),
                Audience::WhoMustAct => (AudienceRule::WhoeverMustAct, Vec::new()),
                Audience::ResponsibleOrganisation => (AudienceRule::ResponsibleOrganisation, Vec::new()),
                Audience::AssignedHandler => (AudienceRule::AssignedHandler, vec![CaseRole::Handler]),
            };
            HappeningDto {
                name: happening,
                label: templates::what(happening, lang),
                rule,
                told,
                actor_told: happening.tells_the_actor(),
            }
        })
        .collect();
    let worker_details = state.settings.mail.worker_details;
    let content = CaseRole::ALL
        .iter()
        .filter(|role| **role != CaseRole::System)
        .map(|&role| ContentDto { role, content: mail_content(role, worker_details) })
        .collect();
    let webhooks = "An organisation's webhook hears the case events its standing on the case lets it see \
                    (employer, supervising organisation, advocate, mediator, handler), when registered by \
                    staff of that standing; internal events never leave by webhook."
        .to_owned();
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, lang)).json(NotificationsDto {
        happenings,
        content,
        webhooks,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NormDto {
    pub code: String,
    pub framework: Framework,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    pub name: Category,
    pub label: String,
    pub urgent_by_default: bool,
    pub norms: Vec<NormDto>,
}

/// The grievance categories
///
/// Every category with its label in the asked language, whether it makes a
/// case urgent by default, and the norms it maps to (Tokyo Declaration,
/// Dhaka Principles, ILO forced-labour indicators).
#[utoipa::path(
    tag = "reference",
    operation_id = "categories_list",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The categories", body = [CategoryDto], headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/categories")]
pub async fn categories(query: web::Query<LanguageQuery>) -> Result<HttpResponse, ApiError> {
    let lang = query.served()?;
    let body: Vec<CategoryDto> = Category::ALL
        .iter()
        .map(|&category| CategoryDto {
            name: category,
            label: label("category", category.as_str(), lang).to_owned(),
            urgent_by_default: category.urgent_by_default(),
            norms: category
                .norms()
                .iter()
                .filter_map(|code| catalogue::norm_by_code(code))
                .map(|norm| NormDto {
                    code: norm.code.to_owned(),
                    framework: norm.framework,
                    title: norm.title.to_owned(),
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, lang)).json(body))
}

/// A catalogue entry and its label.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelledDto<T: ToSchema> {
    pub name: T,
    pub label: String,
}

/// The forms of remedy
///
/// The forms of remedy of the commentary to UNGP 25 (apology, restitution,
/// rehabilitation, compensation, sanction, non-repetition), with labels in
/// the asked language.
#[utoipa::path(
    tag = "reference",
    operation_id = "remedy_types_list",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The forms of remedy", body = [LabelledDto<RemedyType>], headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/remedy-types")]
pub async fn remedy_types(query: web::Query<LanguageQuery>) -> Result<HttpResponse, ApiError> {
    let lang = query.served()?;
    let body: Vec<LabelledDto<RemedyType>> = RemedyType::ALL
        .iter()
        .map(|&name| LabelledDto { name, label: label("remedy_type", name.as_str(), lang).to_owned() })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, lang)).json(body))
}

/// The residence statuses
///
/// The statuses a worker may hold in Japan (technical intern trainee,
/// specified skilled worker, student, dispatched worker, other), with labels
/// in the asked language.
#[utoipa::path(
    tag = "reference",
    operation_id = "residence_statuses_list",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The residence statuses", body = [LabelledDto<ResidenceStatus>], headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/residence-statuses")]
pub async fn residence_statuses(query: web::Query<LanguageQuery>) -> Result<HttpResponse, ApiError> {
    let lang = query.served()?;
    let body: Vec<LabelledDto<ResidenceStatus>> = ResidenceStatus::ALL
        .iter()
        .map(|&name| LabelledDto { name, label: label("residence_status", name.as_str(), lang).to_owned() })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, lang)).json(body))
}

/// The intake channels
///
/// How a grievance can reach the mechanism: `online` (the worker or an
/// advocate through the API), or recorded by a handler from a phone call,
/// a letter, a visit, a chat app or another channel; with labels in the
/// asked language. Case lists filter by it (`channel`) and statistics count
/// by it (`by_channel`).
#[utoipa::path(
    tag = "reference",
    operation_id = "channels_list",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The intake channels", body = [LabelledDto<IntakeChannel>], headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/channels")]
pub async fn channels(query: web::Query<LanguageQuery>) -> Result<HttpResponse, ApiError> {
    labelled(&query, IntakeChannel::ALL, "channel", |c| c.as_str())
}

/// The outside bodies
///
/// The bodies a handler may refer an escalated case to (`refer_external`
/// with `external_body`): OTIT, the Labour Standards Inspection Office, the
/// Immigration Services Agency, the Legal Affairs Bureau, the police, an
/// embassy, a court, legal aid; with labels in the asked language.
#[utoipa::path(
    tag = "reference",
    operation_id = "external_bodies_list",
    params(LanguageQuery),
    responses(
        (status = 200, description = "The outside bodies", body = [LabelledDto<ExternalBody>], headers(("Content-Language" = String, description = "The language of the labels"))),
        (status = 422, description = "`lang` is not a language tag (`validation_failed`)"),
    )
)]
#[get("/external-bodies")]
pub async fn external_bodies(query: web::Query<LanguageQuery>) -> Result<HttpResponse, ApiError> {
    labelled(&query, ExternalBody::ALL, "external_body", |b| b.as_str())
}

/// A catalogue's entries with their labels from `group`, in the asked language.
fn labelled<T: ToSchema + Serialize + Copy>(
    query: &LanguageQuery,
    entries: &[T],
    group: &str,
    name: fn(T) -> &'static str,
) -> Result<HttpResponse, ApiError> {
    let lang = query.served()?;
    let body: Vec<LabelledDto<T>> = entries
        .iter()
        .map(|&entry| LabelledDto { name: entry, label: label(group, name(entry), lang).to_owned() })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, lang)).json(body))
}

/// One entry of the error catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorCodeDto {
    pub code: ProblemCode,
    /// The HTTP status it comes with.
    #[schema(example = 409)]
    pub status: u16,
    /// The problem's `type`.
    #[serde(rename = "type")]
    #[schema(example = "urn:madoguchi:problem:stale_version")]
    pub problem_type: String,
    /// What it means.
    pub meaning: String,
    /// What a client should do about it.
    pub client_action: String,
}

/// The error catalogue
///
/// Every stable `code` a problem+json answer can carry, with its HTTP
/// status, what it means and what a client should do about it. The same
/// table is published as `docs/errors.md`.
#[utoipa::path(
    tag = "reference",
    operation_id = "errors_list",
    responses((status = 200, description = "Every error code", body = [ErrorCodeDto]))
)]
#[get("/errors")]
pub async fn errors() -> HttpResponse {
    let body: Vec<ErrorCodeDto> = ProblemCode::ALL
        .iter()
        .map(|&code| ErrorCodeDto {
            code,
            status: code.status().as_u16(),
            problem_type: code.problem_type(),
            meaning: code.meaning().to_owned(),
            client_action: code.client_action().to_owned(),
        })
        .collect();
    HttpResponse::Ok().json(body)
}
