//! Case-level pseudonymised rows, page by page. JSON lines carry the codes
//! under fixed keys, for programs; CSV and XLSX are for people: headers and
//! values in the reader's language, each coded value beside its code, dates
//! as dates in the workbook. Names carried by fewer cases than the
//! threshold read "other (withheld)" in every format.

use std::collections::HashMap;

use std::io::Write;

use serde::Serialize;

use super::about::About;
use super::pseudonym::pseudonym;
use super::words::Words;
use super::{BOM, FileOptions};
use crate::db::{self, DbConnection};
use crate::domain::CaseId;
use crate::service::Error;
use crate::service::reports::{AuthorisedFilter, Nameable, Open, Shown};

/// What a case row holds in place of a name too few cases carry.
pub const OTHER_WITHHELD: &str = "(other, withheld)";

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
    pub channel: String,
    pub acknowledged_on: String,
    pub referred_on: String,
    pub first_response_on: String,
    pub remedy_verified_on: String,
    pub finished_on: String,
    pub satisfaction_rating: String,
}

pub const COLUMNS: [&str; 20] = [
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
    "channel",
    "acknowledged_on",
    "referred_on",
    "first_response_on",
    "remedy_verified_on",
    "finished_on",
    "satisfaction_rating",
];

/// How a column is written for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A day, `YYYY-MM-DD`.
    Date,
    Number,
    /// A code with labels in this group: written as the label, then the code.
    Coded(&'static str),
    /// `;`-separated codes with labels in this group.
    CodedList(&'static str),
    /// A name that may be withheld.
    Name,
}

fn kind(column: &str) -> Kind {
    match column {
        "lodged_on" | "acknowledged_on" | "referred_on" | "first_response_on" | "remedy_verified_on"
        | "finished_on" => Kind::Date,
        "satisfaction_rating" => Kind::Number,
        "state" => Kind::Coded("state"),
        "priority" => Kind::Coded("priority"),
        "residence_status" => Kind::Coded("residence_status"),
        "prefecture" => Kind::Coded("prefecture"),
        "lodged_via" => Kind::Coded("lodged_via"),
        "channel" => Kind::Coded("channel"),
        "categories" => Kind::CodedList("category"),
        "nationality" | "industry" | "employer" | "supervising_organisation" => Kind::Name,
        _ => Kind::Text,
    }
}

/// The column keys for a reader who may (or may not) see the assessment.
pub fn columns(assessment_visible: bool) -> Vec<&'static str> {
    COLUMNS.iter().copied().filter(|name| assessment_visible || *name != "forced_labour_indicators").collect()
}

/// The header people read: each column in their language, a coded column followed by its code column.
pub fn header(columns: &[&'static str], words: Words) -> Vec<String> {
    columns
        .iter()
        .flat_map(|column| match kind(column) {
            Kind::Coded(_) | Kind::CodedList(_) => vec![words.term(column).to_owned(), words.code_header(column)],
            _ => vec![words.term(column).to_owned()],
        })
        .collect()
}

/// One cell of a file for people.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Text(String),
    Date(Option<chrono::NaiveDate>),
    Number(Option<f64>),
}

impl Out {
    fn text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Date(date) => date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            Self::Number(n) => n.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

impl CaseRow {
    /// The values in the order of `columns`, without the assessment where it was withheld.
    pub fn values(&self) -> Vec<&str> {
        let all: [Option<&str>; 20] = [
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
            Some(&self.channel),
            Some(&self.acknowledged_on),
            Some(&self.referred_on),
            Some(&self.first_response_on),
            Some(&self.remedy_verified_on),
            Some(&self.finished_on),
            Some(&self.satisfaction_rating),
        ];
        all.into_iter().flatten().collect()
    }

    /// The cells people read, in the order of `header`.
    pub fn people(&self, columns: &[&'static str], words: Words) -> Vec<Out> {
        let withheld = words.term("other_withheld");
        columns
            .iter()
            .zip(self.values())
            .flat_map(|(column, value)| match kind(column) {
                Kind::Text => vec![Out::Text(value.to_owned())],
                Kind::Date => vec![Out::Date(chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())],
                Kind::Number => vec![Out::Number(value.parse().ok())],
                Kind::Name if value == OTHER_WITHHELD => vec![Out::Text(withheld.to_owned())],
                Kind::Name => vec![Out::Text(value.to_owned())],
                Kind::Coded(_) if value == OTHER_WITHHELD => {
                    vec![Out::Text(withheld.to_owned()), Out::Text(String::new())]
                }
                Kind::Coded(group) => {
                    let label = if value.is_empty() { "" } else { words.value(group, value) };
                    vec![Out::Text(label.to_owned()), Out::Text(value.to_owned())]
                }
                Kind::CodedList(group) => {
                    let labels: Vec<&str> =
                        value.split(';').filter(|v| !v.is_empty()).map(|v| words.value(group, v)).collect();
                    vec![Out::Text(labels.join("; ")), Out::Text(value.to_owned())]
                }
            })
            .collect()
    }
}

/// A name as a case row holds it.
fn shown(name: Shown) -> String {
    match name {
        Shown::Named(name) => name,
        Shown::Unknown => String::new(),
        Shown::Withheld => OTHER_WITHHELD.to_owned(),
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
    threshold: u64,
    mut sink: impl FnMut(Vec<CaseRow>) -> anyhow::Result<()>,
) -> Result<usize, Error> {
    let names = Nameable::load(conn, filter, threshold)?;
    // A file filtered down to a few cases would single them out (and what
    // the filter names): it shows none, as if nothing matched.
    if filter.is_narrowed() && (db::reports::count(conn, filter.filter())?.max(0) as u64) < threshold {
        return Ok(0);
    }
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
                nationality: shown(names.value(Open::Nationality, r.nationality.as_deref(), r.nationality.as_deref())),
                residence_status: r.residence_status.unwrap_or_default(),
                prefecture: shown(names.value(Open::Prefecture, r.prefecture.as_deref(), r.prefecture.as_deref())),
                industry: shown(names.value(Open::Industry, r.industry.as_deref(), r.industry.as_deref())),
                employer: shown(names.employer(r.employer_organisation_id.as_deref(), r.employer.as_deref())),
                supervising_organisation: shown(names.value(
                    Open::SupervisingOrganisation,
                    r.supervising_organisation_id.as_deref(),
                    r.supervising_organisation.as_deref(),
                )),
                lodged_via: r.lodged_via,
                channel: r.channel,
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

/// CSV bytes for one page, for people; the header (and the byte-order mark) go with the first.
pub fn csv_chunk(
    rows: &[CaseRow],
    columns: &[&'static str],
    words: Words,
    first: Option<FileOptions>,
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    if first.is_some_and(|options| options.bom) {
        out.extend_from_slice(BOM);
    }
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    if first.is_some() {
        writer.write_record(header(columns, words))?;
    }
    for row in rows {
        writer.write_record(row.people(columns, words).iter().map(Out::text))?;
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

/// An XLSX workbook: the "About this file" sheet, then the cases in
/// constant-memory mode (rows go to a temporary file as they are written).
pub struct XlsxCases {
    workbook: rust_xlsxwriter::Workbook,
    columns: Vec<&'static str>,
    words: Words,
    width: u16,
    next_row: u32,
    date: rust_xlsxwriter::Format,
}

impl XlsxCases {
    pub fn new(columns: Vec<&'static str>, words: Words, about: &About) -> anyhow::Result<Self> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        about.write(&mut workbook, words)?;
        let header = header(&columns, words);
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(super::summary::sheet_name(words.term("cases_sheet")))?;
        // Rows stream out as they are written, so widths are set up front from the header.
        for (column, name) in header.iter().enumerate() {
            let width = (name.chars().count() as f64 * 1.3).clamp(12.0, 40.0);
            sheet.set_column_width(u16::try_from(column)?, width)?;
            sheet.write_string_with_format(0, u16::try_from(column)?, name, &bold)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        let width = u16::try_from(header.len())?;
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        Ok(Self { workbook, columns, words, width, next_row: 1, date })
    }

    pub fn append(&mut self, rows: &[CaseRow]) -> anyhow::Result<()> {
        let sheet = self.workbook.worksheet_from_index(1)?;
        for row in rows {
            for (column, cell) in row.people(&self.columns, self.words).iter().enumerate() {
                let column = u16::try_from(column)?;
                match cell {
                    Out::Text(text) if text.is_empty() => None,
                    Out::Text(text) => Some(sheet.write_string(self.next_row, column, text)),
                    Out::Date(Some(day)) => {
                        let date = rust_xlsxwriter::ExcelDateTime::parse_from_str(&day.format("%Y-%m-%d").to_string())?;
                        Some(sheet.write_datetime_with_format(self.next_row, column, &date, &self.date))
                    }
                    Out::Number(Some(n)) => Some(sheet.write_number(self.next_row, column, *n)),
                    Out::Date(None) | Out::Number(None) => None,
                }
                .transpose()?;
            }
            self.next_row += 1;
        }
        Ok(())
    }

    pub fn save(mut self, path: &std::path::Path) -> anyhow::Result<()> {
        let sheet = self.workbook.worksheet_from_index(1)?;
        sheet.autofilter(0, 0, self.next_row.saturating_sub(1).max(1), self.width.saturating_sub(1))?;
        self.workbook.save(path)?;
        Ok(())
    }
}

/// How a case export is asked for.
#[derive(Debug, Clone, Copy)]
pub struct CaseExport<'a> {
    pub format: super::CaseFormat,
    pub options: FileOptions,
    pub key: &'a [u8],
    pub rules: crate::service::reports::Disclosure,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Writes every row to `sender`, chunk by chunk (blocking; run it off the
/// async threads). XLSX is assembled in a temporary file first.
pub fn stream(
    pool: &crate::db::DbPool,
    filter: &AuthorisedFilter,
    export: CaseExport<'_>,
    sender: &tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) -> anyhow::Result<()> {
    use super::CaseFormat;
    let columns = columns(filter.assessment_visible());
    let words = Words::new(export.options.language);
    let threshold = export.rules.threshold;
    let key = export.key;
    let mut conn = pool.read()?;
    let send = |bytes: Vec<u8>| sender.blocking_send(Ok(bytes)).map_err(|_| anyhow::anyhow!("the client went away"));
    match export.format {
        CaseFormat::Csv => {
            let mut first = true;
            let written = for_each_page(&mut conn, filter, key, threshold, |rows| {
                let chunk = csv_chunk(&rows, &columns, words, first.then_some(export.options))?;
                first = false;
                send(chunk)
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if written == 0 {
                send(csv_chunk(&[], &columns, words, Some(export.options))?)?;
            }
        }
        CaseFormat::Jsonl => {
            for_each_page(&mut conn, filter, key, threshold, |rows| send(jsonl_chunk(&rows)?))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        CaseFormat::Xlsx => {
            let about = About {
                generated_at: export.now,
                filters: filter.described(),
                own_cases_only: filter.own_cases_only(),
                rules: export.rules,
                pseudonyms: true,
            };
            let mut workbook = XlsxCases::new(columns.clone(), words, &about)?;
            for_each_page(&mut conn, filter, key, threshold, |rows| workbook.append(&rows))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
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
