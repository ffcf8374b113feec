//! The statistics summary as files for people: one CSV table, or a workbook
//! with an "About this file" sheet, a sheet per dimension (typed cells,
//! frozen header, fitted widths, autofilter) and charts.

use chrono::NaiveDate;
use rust_xlsxwriter::{Chart, ChartType, Format, Note, Workbook, Worksheet};

use super::about::About;
use super::words::Words;
use super::{BOM, FileOptions};
use crate::domain::catalogue;
use crate::domain::disclosure::Cell;
use crate::service::reports::{CountCell, Partition, Summary, Timing};

/// One published figure, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Count(Cell),
    /// Days; `None` when withheld.
    Days(Option<f64>),
    /// A share (0 to 1); `None` when withheld.
    Share(Option<f64>),
    /// An average rating; `None` when withheld.
    Average(Option<f64>),
    /// A decimal amount; `None` when withheld.
    Amount(Option<String>),
}

impl Figure {
    fn is_withheld(&self) -> bool {
        match self {
            Self::Count(cell) => cell.value().is_none(),
            Self::Days(v) | Self::Share(v) | Self::Average(v) => v.is_none(),
            Self::Amount(v) => v.is_none(),
        }
    }

    /// The figure as CSV text: empty when withheld.
    fn text(&self) -> String {
        match self {
            Self::Count(cell) => cell.value().map(|n| n.to_string()).unwrap_or_default(),
            Self::Days(v) | Self::Average(v) => v.map(|x| format!("{x:.2}")).unwrap_or_default(),
            Self::Share(v) => v.map(|x| format!("{x:.2}")).unwrap_or_default(),
            Self::Amount(v) => v.clone().unwrap_or_default(),
        }
    }
}

/// A row of a table: what it is about, and its figures.
#[derive(Debug, Clone)]
pub struct Line {
    /// The code behind the label (a state, a category, a prefecture, a month); none for a name.
    pub code: Option<String>,
    pub label: String,
    /// For the month table: the month, written as a date.
    pub month: Option<NaiveDate>,
    pub figures: Vec<Figure>,
}

/// How a table is drawn in the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawn {
    Plain,
    /// A line chart of the first figure over the months.
    MonthlyTrend,
    /// A bar chart of the first figure per row.
    Bars,
    /// A bar chart of every figure but the first (median and 90th percentile per milestone).
    Durations,
}

/// One section of the summary.
#[derive(Debug, Clone)]
pub struct Table {
    /// Stable code of the section, as in the JSON (`employer`, `month`, …).
    pub code: &'static str,
    pub title: String,
    /// The header of the first column (what the rows are).
    pub row_header: String,
    /// (code, header) of each figure column.
    pub columns: Vec<(&'static str, String)>,
    pub lines: Vec<Line>,
    pub drawn: Drawn,
}

/// A catalogue dimension's values are labelled from this group; others are names.
fn label_group(code: &str) -> Option<&'static str> {
    match code {
        "state" => Some("state"),
        "residence_status" => Some("residence_status"),
        "category" => Some("category"),
        "prefecture" => Some("prefecture"),
        "channel" => Some("channel"),
        _ => None,
    }
}

/// The summary's tables in the reader's language.
pub fn tables(summary: &Summary, words: Words) -> Vec<Table> {
    let cases = || vec![("cases", words.term("cases").to_owned())];
    let line = |code: &'static str, cell: &CountCell| {
        let (value_code, label) = match (&cell.value, cell.other_withheld) {
            (_, true) => (None, words.term("other_withheld").to_owned()),
            (None, false) => (None, words.term("unknown").to_owned()),
            (Some(value), false) => match label_group(code) {
                Some(group) => (Some(value.clone()), words.value(group, value).to_owned()),
                None if code.ends_with("declaration") || code.ends_with("principles") || code.contains("indicator") => {
                    let title = catalogue::norm_by_code(value).map_or(value.as_str(), |n| n.title);
                    (Some(value.clone()), title.to_owned())
                }
                None if code == "month" || code == "satisfaction" => (Some(value.clone()), value.clone()),
                None => (None, value.clone()),
            },
        };
        let month = (code == "month")
            .then(|| value_code.as_deref().and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()))
            .flatten();
        Line { code: value_code, label, month, figures: vec![Figure::Count(cell.count)] }
    };
    let list = |code: &'static str, title_key: &'static str, cells: &[CountCell], drawn: Drawn| Table {
        code,
        title: words.term(title_key).to_owned(),
        row_header: words.term(title_key).to_owned(),
        columns: cases(),
        lines: cells.iter().map(|c| line(code, c)).collect(),
        drawn,
    };
    let partition = |code: &'static str, title_key: &'static str, p: &Partition, drawn: Drawn| {
        let mut table = list(code, title_key, &p.cells, drawn);
        table.lines.push(Line {
            code: Some("total".to_owned()),
            label: words.term("total").to_owned(),
            month: None,
            figures: vec![Figure::Count(p.total)],
        });
        table
    };
    let timing = |code: &'static str, t: &Timing| Line {
        code: Some(code.to_owned()),
        label: words.term(code).to_owned(),
        month: None,
        figures: vec![Figure::Count(t.cases), Figure::Days(t.median_days), Figure::Days(t.p90_days)],
    };
    let measure = |code: &'static str, figure: Figure| Line {
        code: Some(code.to_owned()),
        label: words.term(code).to_owned(),
        month: None,
        figures: vec![figure],
    };
    vec![
        Table {
            code: "outcomes",
            title: words.term("outcomes").to_owned(),
            row_header: words.term("value").to_owned(),
            columns: vec![("figure", words.term("figure").to_owned())],
            lines: vec![
                measure("total", Figure::Count(summary.total_cases)),
                measure("share_with_agreed_remedy", Figure::Share(summary.share_with_agreed_remedy)),
                measure(
                    "share_with_remedy_verified_by_worker",
                    Figure::Share(summary.share_with_remedy_verified_by_worker),
                ),
                measure("share_past_outer_bound", Figure::Share(summary.share_past_outer_bound)),
                measure("satisfaction_average", Figure::Average(summary.satisfaction_average)),
            ],
            drawn: Drawn::Plain,
        },
        Table {
            code: "time_to_milestones",
            title: words.term("time_to_milestones").to_owned(),
            row_header: words.term("time_to_milestones").to_owned(),
            columns: vec![
                ("cases", words.term("cases").to_owned()),
                ("median_days", words.term("median_days").to_owned()),
                ("p90_days", words.term("p90_days").to_owned()),
            ],
            lines: vec![
                timing("acknowledgement", &summary.time_to_acknowledgement),
                timing("first_response", &summary.time_to_first_response),
                timing("verified_remedy", &summary.time_to_verified_remedy),
            ],
            drawn: Drawn::Durations,
        },
        partition("month", "month", &summary.by_month, Drawn::MonthlyTrend),
        list("category", "category", &summary.by_category, Drawn::Bars),
        partition("state", "state", &summary.by_state, Drawn::Plain),
        partition("nationality", "nationality", &summary.by_nationality, Drawn::Plain),
        partition("residence_status", "residence_status", &summary.by_residence_status, Drawn::Plain),
        partition("channel", "channel", &summary.by_channel, Drawn::Plain),
        partition("prefecture", "prefecture", &summary.by_prefecture, Drawn::Plain),
        partition("industry", "industry", &summary.by_industry, Drawn::Plain),
        partition("employer", "employer", &summary.by_employer, Drawn::Plain),
        partition(
            "supervising_organisation",
            "supervising_organisation",
            &summary.by_supervising_organisation,
            Drawn::Plain,
        ),
        list("tokyo_declaration", "tokyo_declaration", &summary.by_tokyo_declaration, Drawn::Plain),
        list("dhaka_principles", "dhaka_principles", &summary.by_dhaka_principle, Drawn::Plain),
        list("forced_labour_indicators", "forced_labour_indicators", &summary.by_forced_labour_indicator, Drawn::Plain),
        partition("satisfaction", "satisfaction", &summary.satisfaction, Drawn::Plain),
        Table {
            code: "money_delivered",
            title: words.term("money_delivered").to_owned(),
            row_header: words.term("currency").to_owned(),
            columns: vec![("cases", words.term("cases").to_owned()), ("amount", words.term("amount").to_owned())],
            lines: summary
                .money_delivered
                .iter()
                .map(|m| Line {
                    code: Some(m.currency.clone()),
                    label: m.currency.clone(),
                    month: None,
                    figures: vec![Figure::Count(m.cases), Figure::Amount(m.amount.clone())],
                })
                .collect(),
            drawn: Drawn::Plain,
        },
        list("overdue_by_organisation", "overdue_by_organisation", &summary.overdue_by_organisation, Drawn::Plain),
        list("repeat_respondents", "repeat_respondents", &summary.repeat_respondents, Drawn::Plain),
    ]
}

/// One table of every figure: section, value, their codes, the figure
/// (empty when withheld) and a note saying why it is empty.
pub fn csv(summary: &Summary, options: FileOptions) -> anyhow::Result<Vec<u8>> {
    let words = Words::new(options.language);
    let mut out = Vec::new();
    if options.bom {
        out.extend_from_slice(BOM);
    }
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        words.term("section").to_owned(),
        words.code_header("section"),
        words.term("value").to_owned(),
        words.code_header("value"),
        words.term("figure").to_owned(),
        words.term("note").to_owned(),
    ])?;
    let withheld = words.term("withheld");
    for table in tables(summary, words) {
        for line in &table.lines {
            for (figure, (column, header)) in line.figures.iter().zip(&table.columns) {
                // A row with several figures is written once per figure, each named by its column.
                let (label, code) = match table.columns.len() {
                    1 => (line.label.clone(), line.code.clone().unwrap_or_default()),
                    _ => (
                        format!("{}: {header}", line.label),
                        format!("{}.{column}", line.code.as_deref().unwrap_or_default()),
                    ),
                };
                let note = if figure.is_withheld() { withheld } else { "" };
                writer.write_record([table.title.as_str(), table.code, &label, &code, &figure.text(), note])?;
            }
        }
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// Excel's rules for a sheet name: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(title: &str) -> String {
    title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

/// Cell formats of the summary workbook.
struct Formats {
    header: Format,
    month: Format,
    count: Format,
    days: Format,
    share: Format,
    average: Format,
    amount: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold().set_text_wrap(),
            month: Format::new().set_num_format("yyyy-mm").set_align(rust_xlsxwriter::FormatAlign::Left),
            count: Format::new().set_num_format("#,##0"),
            days: Format::new().set_num_format("0.0"),
            share: Format::new().set_num_format("0%"),
            average: Format::new().set_num_format("0.00"),
            amount: Format::new().set_num_format("#,##0.###"),
        }
    }
}

pub fn xlsx(summary: &Summary, options: FileOptions) -> anyhow::Result<Vec<u8>> {
    let words = Words::new(options.language);
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    About {
        generated_at: summary.generated_at,
        filters: summary.filters.clone(),
        own_cases_only: summary.own_cases_only,
        rules: crate::service::reports::Disclosure {
            threshold: summary.suppression_threshold,
            rounding_base: summary.rounding_base,
        },
        pseudonyms: false,
    }
    .write(&mut workbook, words)?;
    let note = Note::new(words.term_with("withheld_note", &summary.suppression_threshold.to_string()))
        .add_author_prefix(false);
    for table in tables(summary, words) {
        let name = sheet_name(&table.title);
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name)?;
        write_table(sheet, &table, &formats, &note, words)?;
        if let Some(chart) = chart(&table, &name, words) {
            let column = u16::try_from(table.columns.len() + 3)?;
            sheet.insert_chart(1, column, &chart)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// Header row, then one row per line: label, code, figures. Withheld figures
/// are empty cells carrying a note, so the numeric columns hold only numbers.
fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    formats: &Formats,
    note: &Note,
    words: Words,
) -> anyhow::Result<()> {
    sheet.write_string_with_format(0, 0, &table.row_header, &formats.header)?;
    sheet.write_string_with_format(0, 1, words.code_header("value"), &formats.header)?;
    for (i, (_, header)) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(i + 2)?, header, &formats.header)?;
    }
    for (index, line) in table.lines.iter().enumerate() {
        let row = u32::try_from(index + 1)?;
        match line.month {
            Some(month) => {
                let date = rust_xlsxwriter::ExcelDateTime::parse_from_str(&month.format("%Y-%m-%d").to_string())?;
                sheet.write_datetime_with_format(row, 0, &date, &formats.month)?
            }
            None => sheet.write_string(row, 0, &line.label)?,
        };
        if let Some(code) = &line.code {
            sheet.write_string(row, 1, code)?;
        }
        for (i, figure) in line.figures.iter().enumerate() {
            let column = u16::try_from(i + 2)?;
            let number = match figure {
                Figure::Count(cell) => cell.value().map(|n| (n as f64, &formats.count)),
                Figure::Days(v) => v.map(|x| (x, &formats.days)),
                Figure::Share(v) => v.map(|x| (x, &formats.share)),
                Figure::Average(v) => v.map(|x| (x, &formats.average)),
                Figure::Amount(v) => v.as_deref().and_then(|a| a.parse::<f64>().ok()).map(|x| (x, &formats.amount)),
            };
            match number {
                Some((number, format)) => sheet.write_number_with_format(row, column, number, format)?,
                None => sheet.insert_note(row, column, note)?,
            };
        }
    }
    let last_row = u32::try_from(table.lines.len())?;
    let last_column = u16::try_from(table.columns.len() + 1)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row.max(1), last_column)?;
    sheet.set_autofit_max_width(480).autofit();
    Ok(())
}

/// The trend, the categories and the times to remedy as charts beside their table.
fn chart(table: &Table, sheet: &str, words: Words) -> Option<Chart> {
    // Partitions end with their total, which is not drawn.
    let drawn_rows = match table.lines.last() {
        Some(last) if last.code.as_deref() == Some("total") => table.lines.len() - 1,
        _ => table.lines.len(),
    };
    let last = u32::try_from(drawn_rows).ok().filter(|n| *n > 0)?;
    let (kind, title, columns) = match table.drawn {
        Drawn::Plain => return None,
        Drawn::MonthlyTrend => (ChartType::Line, words.term("chart_month"), 2..=2),
        Drawn::Bars => (ChartType::Bar, words.term("chart_category"), 2..=2),
        Drawn::Durations => (ChartType::Column, words.term("chart_time"), 3..=4),
    };
    let mut chart = Chart::new(kind);
    chart.title().set_name(title);
    for column in columns {
        chart
            .add_series()
            .set_name((sheet, 0, column))
            .set_categories((sheet, 1, 0, last, 0))
            .set_values((sheet, 1, column, last, column));
    }
    if table.drawn != Drawn::Durations {
        chart.legend().set_hidden();
    }
    chart.set_width(640).set_height(360);
    Some(chart)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::labels::REQUIRED_LANGUAGES;

    #[test]
    fn sheet_names_are_valid_and_distinct_in_every_language() {
        let keys = [
            "about",
            "outcomes",
            "time_to_milestones",
            "month",
            "category",
            "state",
            "nationality",
            "residence_status",
            "prefecture",
            "industry",
            "employer",
            "supervising_organisation",
            "tokyo_declaration",
            "dhaka_principles",
            "forced_labour_indicators",
            "satisfaction",
            "money_delivered",
            "overdue_by_organisation",
            "repeat_respondents",
        ];
        for language in REQUIRED_LANGUAGES {
            let words = Words::new(language);
            let mut names: Vec<String> = keys.iter().map(|k| sheet_name(words.term(k)).to_lowercase()).collect();
            assert!(names.iter().all(|n| !n.is_empty() && n.chars().count() <= 31), "{language}: {names:?}");
            names.sort();
            names.dedup();
            assert_eq!(names.len(), keys.len(), "{language}: two sheets share a name");
        }
    }
}
