//! `/reports`: statistics that never expose a worker.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::Caller;
use super::support::with_reader;
use crate::domain::case::ResidenceStatus;
use crate::domain::catalogue::Category;
use crate::domain::lifecycle::CaseState;
use crate::domain::report::ReportFilter;
use crate::domain::{LanguageTag, labels};
use crate::error::ApiError;
use crate::export::{self, FileOptions, Format, SummaryFormat, UnsupportedFormat};
use crate::service::reports::{self, Disclosure, Summary};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(summary).service(cases);
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
    /// `json` (default), `csv` or `xlsx` for the summary; `csv` (default), `jsonl` or `xlsx` for cases.
    pub format: Option<Format>,
    /// BCP 47 tag for the headers and values of CSV and XLSX files (`ja`,
    /// `vi`, …); English when missing or when there are no labels in that
    /// language. Codes stay in their own columns. A malformed tag is a 422.
    pub lang: Option<String>,
    /// CSV only: start with a UTF-8 byte-order mark (default `true`), so
    /// Excel reads Japanese and Vietnamese text correctly.
    pub bom: Option<bool>,
}

impl SummaryQuery {
    fn filter(&self) -> ReportFilter {
        ReportFilter {
            created_from: self.created_from,
            created_before: self.created_before,
            state: self.state,
            category: self.category,
            employer_organisation_id: self.employer_organisation_id.map(Into::into),
            supervising_organisation_id: self.supervising_organisation_id.map(Into::into),
            nationality: self.nationality.clone(),
            residence_status: self.residence_status,
            prefecture: self.prefecture.clone(),
            industry: self.industry.clone(),
            ..ReportFilter::default()
        }
    }
}

impl SummaryQuery {
    /// How files are written: the served language and the byte-order mark.
    fn file_options(&self) -> Result<FileOptions, ApiError> {
        let language = match self.lang.as_deref() {
            None => "en",
            Some(raw) => {
                let tag = LanguageTag::parse(raw).map_err(|_| {
                    ApiError::validation(
                        "lang",
                        "invalid_language_tag",
                        "not a BCP 47 language tag such as vi or zh-Hant",
                    )
                })?;
                labels::served_language(&tag)
            }
        };
        Ok(FileOptions { language, bom: self.bom.unwrap_or(true) })
    }
}

fn not_offered(error: UnsupportedFormat) -> ApiError {
    ApiError::InvalidQuery(error.to_string())
}

fn attachment(name: &str, format: Format) -> (header::HeaderName, String) {
    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{}\"", format.extension()))
}

/// Statistics
///
/// Counts by every dimension, by norm, time to each milestone (median and
/// 90th percentile), remedy shares, satisfaction, money delivered, overdue
/// and repeat respondents. Any count under the suppression threshold
/// (default 5) is withheld, with whatever would let it be recomputed; an
/// employer, organisation, prefecture, industry or nationality with fewer
/// cases is not named but counted in one `other_withheld` row; published
/// counts are rounded to the nearest 5; periods are whole calendar months
/// (a bound that is not the first of a month at 00:00 UTC is a 422).
/// Analysts, handlers and admins see all cases; employer and
/// supervising-organisation staff their own cases only. `format` chooses
/// JSON (default), CSV (with a byte-order mark unless `bom=false`) or an XLSX
/// workbook (an "About this file" sheet, a sheet per dimension, charts);
/// `lang` the language of their headers and values.
#[utoipa::path(
    tag = "reports",
    operation_id = "reports_summary",
    security(("bearer" = [])),
    params(SummaryQuery),
    responses(
        (status = 200, description = "The statistics, in the format asked for", content(
            (Summary = "application/json"),
            (String = "text/csv"),
            (crate::routes::common::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ), headers(
            ("Content-Disposition" = String, description = "For CSV and XLSX: `attachment; filename=\"summary.<ext>\"`"),
        )),
        (status = 400, description = "A format the summary does not come in, or a malformed parameter (`invalid_query_parameter`)"),
        (status = 403, description = "Workers, advocates and mediators do not read statistics (`forbidden`)"),
        (status = 422, description = "An unknown norm code, a period bound that is not the start of a month, or a malformed `lang` (`validation_failed`)"),
    )
)]
#[get("/reports/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let Caller { actor, now } = caller;
    let filter = reports::authorised_filter(&actor, q.filter(), q.norm.as_deref())?;
    // A format the summary does not come in is refused before the queries run.
    let format = q.format.unwrap_or(Format::Json).for_summary().map_err(not_offered)?;
    let options = q.file_options()?;
    let rules = Disclosure::from_settings(&state.settings.reports);
    let body = with_reader(&state, move |conn| reports::summary(conn, &filter, rules, now)).await?;
    match format {
        SummaryFormat::Json => Ok(HttpResponse::Ok().json(body)),
        SummaryFormat::Csv => Ok(HttpResponse::Ok()
            .content_type(Format::Csv.content_type())
            .insert_header(attachment("summary", Format::Csv))
            .body(export::summary::csv(&body, options).map_err(ApiError::internal)?)),
        SummaryFormat::Xlsx => Ok(HttpResponse::Ok()
            .content_type(Format::Xlsx.content_type())
            .insert_header(attachment("summary", Format::Xlsx))
            .body(export::summary::xlsx(&body, options).map_err(ApiError::internal)?)),
    }
}

/// Export pseudonymised cases
///
/// Case-level rows under stable pseudonyms: no names, contacts, document
/// numbers or narratives; dates to the day. Streamed page by page, so any
/// number of cases can be exported. An employer, organisation, prefecture,
/// industry or nationality that fewer cases than the threshold carry (among
/// all the reader may see) reads "other (withheld)". `format` chooses CSV
/// (default; people's headers in `lang`, coded values beside their codes, a
/// byte-order mark unless `bom=false`), JSON lines (codes under fixed keys,
/// for programs) or an XLSX workbook (dates as dates, an "About this file"
/// sheet). Same access and period rules as the statistics.
#[utoipa::path(
    tag = "reports",
    operation_id = "reports_cases_export",
    security(("bearer" = [])),
    params(SummaryQuery),
    responses(
        (status = 200, description = "The case rows, in the format asked for", content(
            (String = "text/csv"),
            (String = "application/x-ndjson"),
            (crate::routes::common::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ), headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"cases.<ext>\"`"),
        )),
        (status = 400, description = "A format case rows do not come in, or a malformed parameter (`invalid_query_parameter`)"),
        (status = 403, description = "Workers, advocates and mediators do not export cases (`forbidden`)"),
        (status = 422, description = "An unknown norm code, a period bound that is not the start of a month, or a malformed `lang` (`validation_failed`)"),
    )
)]
#[get("/reports/cases")]
pub async fn cases(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let Caller { actor, now } = caller;
    let filter = reports::authorised_filter(&actor, q.filter(), q.norm.as_deref())?;
    let format = q.format.unwrap_or(Format::Csv).for_cases().map_err(not_offered)?;
    let options = q.file_options()?;
    let rules = Disclosure::from_settings(&state.settings.reports);
    let key = state.settings.reports.pseudonym_key.expose_secret().as_bytes().to_vec();
    let pool = state.pool.clone();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let export = export::cases::CaseExport { format, options, key: &key, rules, now };
        if let Err(error) = export::cases::stream(&pool, &filter, export, &sender) {
            tracing::error!(error = format!("{error:#}"), "case export failed");
            // Cut the stream short so the client sees an incomplete download, not a silently truncated file.
            let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk.map(web::Bytes::from), receiver))
    });
    let format = Format::from(format);
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(attachment("cases", format))
        .streaming(body))
}
