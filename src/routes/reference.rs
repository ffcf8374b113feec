//! `/lifecycle` and `/categories`: the published procedure and catalogues,
//! with labels in the caller's language.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::LanguageTag;
use crate::domain::catalogue::{self, Category, Framework};
use crate::domain::labels::{self, label};
use crate::domain::lifecycle::{self, Action, CaseRole, CaseState, ClockStart, OnExpiry};
use crate::error::{ApiError, ProblemCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(lifecycle_table).service(categories).service(errors);
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
    /// After a verified remedy, reprisals are watched for this many days.
    pub reprisal_watch_days: i64,
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
pub async fn lifecycle_table(query: web::Query<LanguageQuery>) -> Result<HttpResponse, ApiError> {
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
