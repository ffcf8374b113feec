//! Exports that protect workers: the statistics summary as JSON, CSV or
//! XLSX, and case-level rows under stable pseudonyms (no names, contacts,
//! document numbers or narratives; dates to the day) as CSV, JSON lines or
//! XLSX. Case rows are produced page by page, so memory stays flat.

pub mod cases;
pub mod pseudonym;
pub mod summary;

use std::str::FromStr;

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
