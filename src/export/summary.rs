//! The statistics summary as a table (CSV) or a workbook with one sheet per dimension (XLSX).

use crate::domain::disclosure::Cell;
use crate::service::reports::{CountCell, Partition, Summary};

/// (sheet, value, count) rows: every count of the summary, withheld ones marked.
pub fn tables(summary: &Summary) -> Vec<(&'static str, Vec<(String, String)>)> {
    let show = |cell: Cell| cell.value().map(|n| n.to_string()).unwrap_or_else(|| "suppressed".to_owned());
    let cells = |list: &[CountCell]| -> Vec<(String, String)> {
        list.iter().map(|c| (c.value.clone().unwrap_or_else(|| "unknown".to_owned()), show(c.count))).collect()
    };
    let partition = |p: &Partition| -> Vec<(String, String)> {
        let mut rows = cells(&p.cells);
        rows.push(("total".to_owned(), show(p.total)));
        rows
    };
    let number = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "suppressed".to_owned());
    let timing = |name: &str, t: &crate::service::reports::Timing| {
        vec![
            (format!("{name}_cases"), show(t.cases)),
            (format!("{name}_median_days"), number(t.median_days)),
            (format!("{name}_p90_days"), number(t.p90_days)),
        ]
    };
    let mut outcomes = timing("acknowledgement", &summary.time_to_acknowledgement);
    outcomes.extend(timing("first_response", &summary.time_to_first_response));
    outcomes.extend(timing("verified_remedy", &summary.time_to_verified_remedy));
    outcomes.push(("share_with_agreed_remedy".into(), number(summary.share_with_agreed_remedy)));
    outcomes
        .push(("share_with_remedy_verified_by_worker".into(), number(summary.share_with_remedy_verified_by_worker)));
    outcomes.push(("satisfaction_average".into(), number(summary.satisfaction_average)));
    let money = summary
        .money_delivered
        .iter()
        .map(|m| (m.currency.clone(), m.amount.clone().unwrap_or_else(|| "suppressed".to_owned())))
        .collect();
    vec![
        ("total", vec![("cases".to_owned(), show(summary.total_cases))]),
        ("state", partition(&summary.by_state)),
        ("nationality", partition(&summary.by_nationality)),
        ("residence_status", partition(&summary.by_residence_status)),
        ("prefecture", partition(&summary.by_prefecture)),
        ("industry", partition(&summary.by_industry)),
        ("employer", partition(&summary.by_employer)),
        ("supervising_organisation", partition(&summary.by_supervising_organisation)),
        ("month", partition(&summary.by_month)),
        ("category", cells(&summary.by_category)),
        ("tokyo_declaration", cells(&summary.by_tokyo_declaration)),
        ("dhaka_principles", cells(&summary.by_dhaka_principle)),
        ("forced_labour_indicators", cells(&summary.by_forced_labour_indicator)),
        ("outcomes", outcomes),
        ("satisfaction", partition(&summary.satisfaction)),
        ("money_delivered", money),
        ("overdue_by_organisation", cells(&summary.overdue_by_organisation)),
        ("repeat_respondents", cells(&summary.repeat_respondents)),
    ]
}

pub fn csv(summary: &Summary) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["dimension", "value", "count"])?;
    for (sheet, rows) in tables(summary) {
        for (value, count) in rows {
            writer.write_record([sheet, value.as_str(), count.as_str()])?;
        }
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

pub fn xlsx(summary: &Summary) -> anyhow::Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for (sheet_name, rows) in tables(summary) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name)?;
        sheet.write_string(0, 0, "value")?;
        sheet.write_string(0, 1, "count")?;
        for (index, (value, count)) in rows.iter().enumerate() {
            let row = u32::try_from(index + 1)?;
            sheet.write_string(row, 0, value)?;
            match count.parse::<f64>() {
                Ok(number) => sheet.write_number(row, 1, number)?,
                Err(_) => sheet.write_string(row, 1, count)?,
            };
        }
    }
    Ok(workbook.save_to_buffer()?)
}
