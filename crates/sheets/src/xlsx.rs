//! XLSX out: one worksheet named after the table, a bold header row frozen
//! at the top with an autofilter, columns as wide as their content (within
//! limits), and a number format for each kind of cell.
//!
//! The document's creation date is the caller's: `rust_xlsxwriter` would
//! otherwise stamp the time of writing, and the same table should give the
//! same bytes.

use crate::{Cell, Table};
use jiff::civil::Date;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use thiserror::Error;

/// Why a table could not be written as XLSX.
#[derive(Debug, Error)]
pub enum XlsxError {
    #[error("{0} rows is more than a worksheet holds (1,048,575 below the header)")]
    TooManyRows(usize),
    #[error("{0} columns is more than a worksheet holds (16,384)")]
    TooManyColumns(usize),
    #[error("date {0} is outside what a spreadsheet can show (1900 to 9999)")]
    DateOutOfRange(Date),
    #[error("writing the workbook: {0}")]
    Writer(#[from] rust_xlsxwriter::XlsxError),
}

/// Excel's limits.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLS: usize = 16_384;
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 60.0;

/// A worksheet name Excel accepts: at most 31 characters, none of
/// `[]:*?/\`, not starting or ending with `'`, not empty.
pub fn sheet_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('\'').trim();
    let name: String = trimmed.chars().take(31).collect();
    let name = name.trim().to_owned();
    if name.is_empty() || name.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        name
    }
}

fn excel_date(d: Date) -> Result<ExcelDateTime, XlsxError> {
    let (Ok(y), Ok(m), Ok(day)) = (
        u16::try_from(d.year()),
        u8::try_from(d.month()),
        u8::try_from(d.day()),
    ) else {
        return Err(XlsxError::DateOutOfRange(d));
    };
    if y < 1900 {
        return Err(XlsxError::DateOutOfRange(d));
    }
    ExcelDateTime::from_ymd(y, m, day).map_err(|_| XlsxError::DateOutOfRange(d))
}

/// The table as an XLSX workbook, created on `created`.
pub fn to_xlsx(table: &Table, created: Date) -> Result<Vec<u8>, XlsxError> {
    if table.rows.len() >= MAX_ROWS {
        return Err(XlsxError::TooManyRows(table.rows.len()));
    }
    if table.headers.len() > MAX_COLS {
        return Err(XlsxError::TooManyColumns(table.headers.len()));
    }
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(table.title.as_str())
            .set_creation_datetime(&excel_date(created)?),
    );
    let header = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let percent = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&table.title))?;
    let mut widths: Vec<f64> = table
        .headers
        .iter()
        .map(|h| h.chars().count() as f64 + 2.0)
        .collect();
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate().take(table.headers.len()) {
            let col = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    ws.write_string(r, col, s)?;
                }
                Cell::Number(v) => {
                    ws.write_number(r, col, *v)?;
                }
                Cell::Money(v) => {
                    ws.write_number_with_format(r, col, *v, &money)?;
                }
                Cell::Date(d) => {
                    ws.write_datetime_with_format(r, col, excel_date(*d)?, &date)?;
                }
                Cell::Percentage(v) => {
                    ws.write_number_with_format(r, col, *v, &percent)?;
                }
            }
            // The longest line of the cell, as shown.
            let shown = cell.display();
            let len = shown.lines().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
            if let Some(w) = widths.get_mut(c) {
                *w = w.max(len + 2.0);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, w.clamp(MIN_WIDTH, MAX_WIDTH))?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !table.headers.is_empty() {
        let last_col = (table.headers.len() - 1) as u16;
        ws.autofilter(0, 0, table.rows.len() as u32, last_col)?;
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_excel_accepts() {
        assert_eq!(sheet_name("Risks: HQ/DC [2026]"), "Risks  HQ DC  2026");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name("''"), "Sheet1");
        assert_eq!(sheet_name("History"), "Sheet1");
    }

    #[test]
    fn same_table_same_bytes() {
        let mut t = Table::new("Risks", &["ID", "Due"]);
        t.push(vec![
            Cell::text("R-1"),
            Cell::Date(jiff::civil::date(2026, 4, 1)),
        ]);
        let created = jiff::civil::date(2026, 3, 5);
        let a = to_xlsx(&t, created).unwrap();
        assert!(a.starts_with(b"PK\x03\x04"));
        assert_eq!(a, to_xlsx(&t, created).unwrap());
        t.push(vec![Cell::Date(jiff::civil::date(1800, 1, 1))]);
        assert!(matches!(
            to_xlsx(&t, created),
            Err(XlsxError::DateOutOfRange(_))
        ));
    }
}
