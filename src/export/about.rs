//! The "About this file" sheet: when the file was made, what it covers, and
//! the rules that kept people out of it, in the reader's language.

use chrono::{DateTime, Datelike, Timelike, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::words::Words;
use crate::service::reports::{AppliedFilter, Disclosure};

/// What a file says about itself.
#[derive(Debug, Clone)]
pub struct About {
    pub generated_at: DateTime<Utc>,
    pub filters: Vec<AppliedFilter>,
    pub own_cases_only: bool,
    pub rules: Disclosure,
    /// Case-level files explain their pseudonyms.
    pub pseudonyms: bool,
}

pub fn excel_datetime(at: DateTime<Utc>) -> anyhow::Result<ExcelDateTime> {
    let date = ExcelDateTime::from_ymd(u16::try_from(at.year())?, u8::try_from(at.month())?, u8::try_from(at.day())?)?;
    Ok(date.and_hms(u16::try_from(at.hour())?, u8::try_from(at.minute())?, at.second())?)
}

impl About {
    /// Adds the sheet (first, so it is what a reader sees on opening).
    pub fn write(&self, workbook: &mut Workbook, words: Words) -> anyhow::Result<()> {
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss").set_align(rust_xlsxwriter::FormatAlign::Left);
        let number = Format::new().set_align(rust_xlsxwriter::FormatAlign::Left);
        let sheet = workbook.add_worksheet();
        sheet.set_name(super::summary::sheet_name(words.term("about")))?;
        sheet.set_column_width(0, 34)?;
        sheet.set_column_width(1, 90)?;
        let mut row = 0u32;
        sheet.write_string_with_format(row, 0, words.term("about"), &bold)?;
        row += 2;
        sheet.write_string_with_format(row, 0, words.term("generated_at"), &bold)?;
        sheet.write_datetime_with_format(row, 1, excel_datetime(self.generated_at)?, &when)?;
        row += 1;
        sheet.write_string_with_format(row, 0, words.term("language"), &bold)?;
        sheet.write_string(row, 1, words.language)?;
        row += 1;
        sheet.write_string_with_format(row, 0, words.term("scope"), &bold)?;
        sheet.write_string(row, 1, words.term(if self.own_cases_only { "scope_own" } else { "scope_all" }))?;
        row += 1;
        sheet.write_string_with_format(row, 0, words.term("filters"), &bold)?;
        if self.filters.is_empty() {
            sheet.write_string(row, 1, words.term("no_filters"))?;
            row += 1;
        }
        for filter in &self.filters {
            sheet.write_string(row, 1, format!("{} = {}", filter.name, filter.value))?;
            row += 1;
        }
        sheet.write_string_with_format(row, 0, words.term("threshold"), &bold)?;
        sheet.write_number_with_format(row, 1, self.rules.threshold as f64, &number)?;
        row += 1;
        sheet.write_string_with_format(row, 0, words.term("rounding_base"), &bold)?;
        sheet.write_number_with_format(row, 1, self.rules.rounding_base as f64, &number)?;
        row += 2;
        sheet.write_string_with_format(row, 0, words.term("rules"), &bold)?;
        for line in self.rule_lines(words) {
            sheet.write_string_with_format(row, 1, line, &wrap)?;
            row += 1;
        }
        Ok(())
    }

    /// The disclosure rules as sentences, with this file's numbers in them.
    pub fn rule_lines(&self, words: Words) -> Vec<String> {
        let k = self.rules.threshold.to_string();
        let mut lines = vec![
            words.about("rule_withhold", &k),
            words.about("rule_names", &k),
            words.about("rule_complement", ""),
            words.about("rule_rounding", &self.rules.rounding_base.to_string()),
            words.about("rule_months", ""),
            words.about("rule_figures", &k),
        ];
        if self.pseudonyms {
            lines.push(words.about("pseudonym_note", ""));
        }
        lines
    }
}
