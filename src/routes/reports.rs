//! `/reports`: statistics that never expose a worker.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::with_conn;
use crate::auth::AuthUser;
use crate::db::reports::ReportFilter;
use crate::domain::case::ResidenceStatus;
use crate::domain::catalogue::Category;
use crate::domain::lifecycle::CaseState;
use crate::error::{AppError, Problem};
use crate::service::reports::{self, Summary};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(summary);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Cases lodged on or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Cases lodged before this time.
    pub created_before: Option<DateTime<Utc>>,
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    /// A norm code: `TD-1`…`TD-13`, `DP-A`, `DP-B`, `DP-1`…`DP-10`, `FL-1`…`FL-11`.
    pub norm: Option<String>,
    pub employer_organisation_id: Option<Uuid>,
    pub supervising_organisation_id: Option<Uuid>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub residence_status: Option<ResidenceStatus>,
    /// ISO 3166-2:JP.
    pub prefecture: Option<String>,
    pub industry: Option<String>,
}

/// Counts by every dimension, by norm, time to each milestone, remedy
/// shares, satisfaction, money delivered, overdue and repeat respondents.
/// Any count under the suppression threshold (default 5) is withheld, with
/// whatever would let it be recomputed. Analysts, handlers and admins see all
/// cases; employer and supervising-organisation staff their own cases only.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(SummaryQuery),
    responses(
        (status = 200, body = Summary),
        (status = 403, description = "Workers, advocates and mediators do not read statistics", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let filter = ReportFilter {
        created_from: q.created_from.map(crate::db::timestamp),
        created_before: q.created_before.map(crate::db::timestamp),
        state: q.state.map(|s| s.as_str().to_owned()),
        category: q.category.map(|c| c.as_str().to_owned()),
        employer_organisation_id: q.employer_organisation_id.map(|o| o.to_string()),
        supervising_organisation_id: q.supervising_organisation_id.map(|o| o.to_string()),
        nationality: q.nationality,
        residence_status: q.residence_status.map(|r| r.as_str().to_owned()),
        prefecture: q.prefecture,
        industry: q.industry,
        ..ReportFilter::default()
    };
    let actor = auth.actor();
    let threshold = state.settings.reports.suppression_threshold;
    let now = state.clock.now();
    let norm = q.norm;
    let body =
        with_conn(&state, move |conn| reports::summary(conn, &actor, filter, norm.as_deref(), threshold, now)).await?;
    Ok(HttpResponse::Ok().json(body))
}
