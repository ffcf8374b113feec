//! Exports that protect workers: the statistics summary as JSON, CSV or
//! XLSX, and case-level rows under stable pseudonyms (no names, contacts,
//! document numbers or narratives; dates to the day) as CSV, JSON lines or
//! XLSX. Case rows are produced page by page, so memory stays flat.
//! Files are for people: headers and values in the reader's language, with
//! the codes kept in their own columns, and a UTF-8 byte-order mark on CSV
//! so that Excel on Japanese Windows does not read it as CP932.

pub mod about;
pub mod cases;
pub mod pseudonym;
pub mod summary;
pub mod words;

use std::str::FromStr;

/// How a file is written for its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileOptions {
    /// One of `labels::REQUIRED_LANGUAGES`, from `labels::served_language`.
    pub language: &'static str,
    /// Start a CSV file with the UTF-8 byte-order mark.
    pub bom: bool,
}

impl Default for FileOptions {
    fn default() -> Self {
        Self { language: "en", bom: true }
    }
}

/// The UTF-8 byte-order mark: tells spreadsheet programs the encoding.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file formats on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Jsonl,
    Csv,
    Xlsx,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Jsonl => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

impl Format {
    /// The formats the statistics summary comes in.
    pub fn for_summary(self) -> Result<SummaryFormat, UnsupportedFormat> {
        match self {
            Self::Json => Ok(SummaryFormat::Json),
            Self::Csv => Ok(SummaryFormat::Csv),
            Self::Xlsx => Ok(SummaryFormat::Xlsx),
            Self::Jsonl => Err(UnsupportedFormat("the summary comes as json, csv or xlsx")),
        }
    }

    /// The formats case rows come in.
    pub fn for_cases(self) -> Result<CaseFormat, UnsupportedFormat> {
        match self {
            Self::Csv => Ok(CaseFormat::Csv),
            Self::Jsonl => Ok(CaseFormat::Jsonl),
            Self::Xlsx => Ok(CaseFormat::Xlsx),
            Self::Json => Err(UnsupportedFormat("case rows come as csv, jsonl or xlsx")),
        }
    }
}

/// A format the statistics summary can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Json,
    Csv,
    Xlsx,
}

/// A format case rows can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFormat {
    Csv,
    Jsonl,
    Xlsx,
}

impl From<CaseFormat> for Format {
    fn from(format: CaseFormat) -> Self {
        match format {
            CaseFormat::Csv => Self::Csv,
            CaseFormat::Jsonl => Self::Jsonl,
            CaseFormat::Xlsx => Self::Xlsx,
        }
    }
}

/// A format asked for where it is not offered; says which ones are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnsupportedFormat(&'static str);

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "jsonl" => Ok(Self::Jsonl),
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(format!("unknown format `{other}`: use json, jsonl, csv or xlsx")),
        }
    }
}
