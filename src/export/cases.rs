//! Case-level pseudonymised rows, page by page.

use std::collections::HashMap;

use std::io::Write;

use serde::Serialize;

use super::pseudonym::pseudonym;
use crate::db::{self, DbConnection};
use crate::domain::CaseId;
use crate::service::Error;
use crate::service::reports::AuthorisedFilter;

const PAGE: i64 = 1000;

/// One case, as analysts may have it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub pseudonym: String,
    pub lodged_on: String,
    pub state: String,
    pub priority: String,
    /// Separated by `;`.
    pub categories: String,
    /// The handlers' assessment, `;`-separated; absent (the column too)
    /// where the reader may not see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced_labour_indicators: Option<String>,
    pub nationality: String,
    pub residence_status: String,
    pub prefecture: String,
    pub industry: String,
    pub employer: String,
    pub supervising_organisation: String,
    pub lodged_via: String,
    pub acknowledged_on: String,
    pub referred_on: String,
    pub first_response_on: String,
    pub remedy_verified_on: String,
    pub finished_on: String,
    pub satisfaction_rating: String,
}

pub const COLUMNS: [&str; 19] = [
    "pseudonym",
    "lodged_on",
    "state",
    "priority",
    "categories",
    "forced_labour_indicators",
    "nationality",
    "residence_status",
    "prefecture",
    "industry",
    "employer",
    "supervising_organisation",
    "lodged_via",
    "acknowledged_on",
    "referred_on",
    "first_response_on",
    "remedy_verified_on",
    "finished_on",
    "satisfaction_rating",
];

/// The header for a reader who may (or may not) see the assessment.
pub fn columns(assessment_visible: bool) -> Vec<&'static str> {
    COLUMNS.iter().copied().filter(|name| assessment_visible || *name != "forced_labour_indicators").collect()
}

impl CaseRow {
    /// The values in the order of `columns`, without the assessment where it was withheld.
    pub fn values(&self) -> Vec<&str> {
        let all: [Option<&str>; 19] = [
            Some(&self.pseudonym),
            Some(&self.lodged_on),
            Some(&self.state),
            Some(&self.priority),
            Some(&self.categories),
            self.forced_labour_indicators.as_deref(),
            Some(&self.nationality),
            Some(&self.residence_status),
            Some(&self.prefecture),
            Some(&self.industry),
            Some(&self.employer),
            Some(&self.supervising_organisation),
            Some(&self.lodged_via),
            Some(&self.acknowledged_on),
            Some(&self.referred_on),
            Some(&self.first_response_on),
            Some(&self.remedy_verified_on),
            Some(&self.finished_on),
            Some(&self.satisfaction_rating),
        ];
        all.into_iter().flatten().collect()
    }
}

fn day(at: Option<chrono::NaiveDateTime>) -> String {
    at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// A case's values from a page's grouping, `;`-separated, each named by `name`.
fn joined<V>(grouped: &mut HashMap<CaseId, Vec<V>>, id: &CaseId, name: impl Fn(&V) -> &str) -> String {
    grouped.remove(id).map(|values| values.iter().map(name).collect::<Vec<_>>().join(";")).unwrap_or_default()
}

/// Calls `sink` with every page of rows, in id order. Only one page is in memory at a time.
pub fn for_each_page(
    conn: &mut DbConnection,
    filter: &AuthorisedFilter,
    key: &[u8],
    mut sink: impl FnMut(Vec<CaseRow>) -> anyhow::Result<()>,
) -> Result<usize, Error> {
    let assessment_visible = filter.assessment_visible();
    let filter = filter.filter();
    let mut after = String::new();
    let mut written = 0;
    loop {
        let page = db::reports::export_page(conn, filter, &after, PAGE)?;
        let Some(last) = page.last() else { return Ok(written) };
        after = last.id.to_string();
        let ids: Vec<CaseId> = page.iter().map(|r| r.id).collect();
        let mut categories = db::case_details::by_case(db::case_details::categories_of(conn, &ids)?);
        let mut indicators = match assessment_visible {
            true => db::case_details::by_case(db::case_details::indicators_of_many(conn, &ids)?),
            false => HashMap::new(),
        };
        let rows: Vec<CaseRow> = page
            .into_iter()
            .map(|r| CaseRow {
                pseudonym: pseudonym(key, &r.id.to_string()),
                lodged_on: day(Some(r.created_at)),
                categories: joined(&mut categories, &r.id, |c| c.as_str()),
                forced_labour_indicators: assessment_visible.then(|| joined(&mut indicators, &r.id, String::as_str)),
                state: r.state,
                priority: r.priority,
                nationality: r.nationality.unwrap_or_default(),
                residence_status: r.residence_status.unwrap_or_default(),
                prefecture: r.prefecture.unwrap_or_default(),
                industry: r.industry.unwrap_or_default(),
                employer: r.employer.unwrap_or_default(),
                supervising_organisation: r.supervising_organisation.unwrap_or_default(),
                lodged_via: r.lodged_via,
                acknowledged_on: day(r.acknowledged_at),
                referred_on: day(r.referred_at),
                first_response_on: day(r.first_response_at),
                remedy_verified_on: day(r.remedy_verified_at),
                finished_on: day(r.finished_at),
                satisfaction_rating: r.satisfaction_rating.map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect();
        written += rows.len();
        sink(rows).map_err(Error::internal)?;
    }
}

/// CSV bytes for one page; the header goes with the first.
pub fn csv_chunk(rows: &[CaseRow], header: Option<&[&str]>) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    if let Some(header) = header {
        writer.write_record(header)?;
    }
    for row in rows {
        writer.write_record(row.values())?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

pub fn jsonl_chunk(rows: &[CaseRow]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    Ok(out)
}

/// An XLSX workbook written in constant-memory mode to `path`.
pub struct XlsxCases {
    workbook: rust_xlsxwriter::Workbook,
    next_row: u32,
}

impl XlsxCases {
    pub fn new(header: &[&str]) -> anyhow::Result<Self> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name("cases")?;
        for (column, name) in header.iter().enumerate() {
            sheet.write_string(0, u16::try_from(column)?, *name)?;
        }
        Ok(Self { workbook, next_row: 1 })
    }

    pub fn append(&mut self, rows: &[CaseRow]) -> anyhow::Result<()> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for row in rows {
            for (column, value) in row.values().iter().enumerate() {
                sheet.write_string(self.next_row, u16::try_from(column)?, *value)?;
            }
            self.next_row += 1;
        }
        Ok(())
    }

    pub fn save(mut self, path: &std::path::Path) -> anyhow::Result<()> {
        self.workbook.save(path)?;
        Ok(())
    }
}

/// Writes every row in `format` to `sender`, chunk by chunk (blocking; run it
/// off the async threads). XLSX is assembled in a temporary file first.
pub fn stream(
    pool: &crate::db::DbPool,
    filter: &AuthorisedFilter,
    key: &[u8],
    format: super::CaseFormat,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) -> anyhow::Result<()> {
    use super::CaseFormat;
    let header = columns(filter.assessment_visible());
    let mut conn = pool.get()?;
    let send = |bytes: Vec<u8>| sender.blocking_send(Ok(bytes)).map_err(|_| anyhow::anyhow!("the client went away"));
    match format {
        CaseFormat::Csv => {
            let mut first = true;
            let written = for_each_page(&mut conn, filter, key, |rows| {
                let chunk = csv_chunk(&rows, first.then_some(header.as_slice()))?;
                first = false;
                send(chunk)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if written == 0 {
                send(csv_chunk(&[], Some(&header))?)?;
            }
        }
        CaseFormat::Jsonl => {
            for_each_page(&mut conn, filter, key, |rows| send(jsonl_chunk(&rows)?))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        CaseFormat::Xlsx => {
            let mut workbook = XlsxCases::new(&header)?;
            for_each_page(&mut conn, filter, key, |rows| workbook.append(&rows)).map_err(|e| anyhow::anyhow!("{e}"))?;
            drop(conn);
            let file = tempfile::NamedTempFile::new()?;
            workbook.save(file.path())?;
            let mut reader = std::io::BufReader::new(std::fs::File::open(file.path())?);
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let read = std::io::Read::read(&mut reader, &mut buffer)?;
                if read == 0 {
                    break;
                }
                send(buffer[..read].to_vec())?;
            }
        }
    }
    Ok(())
}
