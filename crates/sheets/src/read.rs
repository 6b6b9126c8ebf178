//! XLSX in: the first worksheet of a workbook a user filled in. The first
//! non-empty row is the header; columns are found by name (see
//! [`crate::header_key`]), so their order and extra columns do not matter.
//! Each cell is converted to the kind its column expects, and every problem
//! is collected with its row number (as the spreadsheet shows it) and
//! column, rather than stopping at the first: the user fixes them all at
//! once. Wholly empty rows are skipped.

use crate::{Cell, Kind, header_key};
use calamine::{Data, Reader, Xlsx};
use jiff::civil::Date;
use std::fmt;
use std::io::Cursor;
use thiserror::Error;

/// A column the reader looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The header as written by the export.
    pub name: &'static str,
    /// Other headers accepted for it.
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// Whether every row must have a value.
    pub required: bool,
}

impl ColumnSpec {
    pub const fn new(name: &'static str, kind: Kind, required: bool) -> ColumnSpec {
        ColumnSpec {
            name,
            aliases: &[],
            kind,
            required,
        }
    }

    fn matches(&self, header: &str) -> bool {
        let k = header_key(header);
        !k.is_empty()
            && (k == header_key(self.name) || self.aliases.iter().any(|a| header_key(a) == k))
    }
}

/// A data row: its number in the sheet, and one cell per [`ColumnSpec`]
/// (empty where the column is absent or the value bad).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRow {
    pub row: u32,
    pub cells: Vec<Cell>,
}

/// A problem with one cell (or, on the header row, with a column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    /// The row as the spreadsheet numbers it (the header is usually 1).
    pub row: u32,
    /// The column's header (the spec's name).
    pub column: String,
    pub problem: String,
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column {:?}: {}",
            self.row, self.column, self.problem
        )
    }
}

/// What was read: good and bad rows alike (bad cells left empty), and the
/// problems. A caller that writes all or nothing writes only when
/// `problems` is empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadSheet {
    pub rows: Vec<ReadRow>,
    pub problems: Vec<CellProblem>,
}

/// Why the file could not be read at all.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("not an XLSX workbook: {0}")]
    NotXlsx(String),
    #[error("the workbook has no worksheet")]
    NoSheet,
    #[error("the first worksheet is empty (no header row)")]
    Empty,
}

/// Read the first worksheet of an XLSX workbook by `columns`.
pub fn read_xlsx(bytes: &[u8], columns: &[ColumnSpec]) -> Result<ReadSheet, ReadError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ReadError::NotXlsx(e.to_string()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or(ReadError::NoSheet)?
        .map_err(|e| ReadError::NotXlsx(e.to_string()))?;
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i as u32 + 1, cells))
        .skip_while(|(_, cells)| cells.iter().all(is_blank));
    let (header_row, header) = rows.next().ok_or(ReadError::Empty)?;

    let mut out = ReadSheet::default();
    // Where each spec's column is.
    let mut at: Vec<Option<usize>> = Vec::with_capacity(columns.len());
    for spec in columns {
        let found: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| spec.matches(&text_of(h)))
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [] => {
                if spec.required {
                    out.problems.push(CellProblem {
                        row: header_row,
                        column: spec.name.to_owned(),
                        problem: "no column with this header".into(),
                    });
                }
                at.push(None);
            }
            [one] => at.push(Some(*one)),
            [first, ..] => {
                out.problems.push(CellProblem {
                    row: header_row,
                    column: spec.name.to_owned(),
                    problem: format!("{} columns have this header", found.len()),
                });
                at.push(Some(*first));
            }
        }
    }

    for (row, cells) in rows {
        if cells.iter().all(is_blank) {
            continue;
        }
        let mut values = Vec::with_capacity(columns.len());
        for (spec, col) in columns.iter().zip(&at) {
            let data = col.and_then(|c| cells.get(c)).unwrap_or(&Data::Empty);
            let cell = match convert(data, spec.kind) {
                Ok(c) => c,
                Err(problem) => {
                    out.problems.push(CellProblem {
                        row,
                        column: spec.name.to_owned(),
                        problem,
                    });
                    Cell::Empty
                }
            };
            if cell == Cell::Empty && spec.required && col.is_some() && is_blank(data) {
                out.problems.push(CellProblem {
                    row,
                    column: spec.name.to_owned(),
                    problem: "empty, but a value is required".into(),
                });
            }
            values.push(cell);
        }
        out.rows.push(ReadRow { row, cells: values });
    }
    Ok(out)
}

fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn text_of(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => Cell::Number(*f).display(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_date(dt.as_f64(), false)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// A date from an Excel serial day number (1900 system: day 1 is
/// 1900-01-01, and Excel's phantom 1900-02-29 is day 60).
fn excel_serial_date(serial: f64, is_1904: bool) -> Option<Date> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let (epoch, days) = if is_1904 {
        (jiff::civil::date(1904, 1, 1), days)
    } else if days < 60 {
        (jiff::civil::date(1899, 12, 31), days)
    } else {
        // Day 61 is 1900-03-01: counting from 1899-12-30 skips the phantom day.
        (jiff::civil::date(1899, 12, 30), days)
    };
    epoch.checked_add(jiff::Span::new().days(days)).ok()
}

/// A number as people type it: `1,234.5`, `$ 1 200`, `€12`.
fn parse_number(s: &str) -> Option<f64> {
    let cleaned: String = s
        .trim()
        .trim_start_matches(['$', '€', '£', '¥'])
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_'))
        .collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn convert(d: &Data, kind: Kind) -> Result<Cell, String> {
    if is_blank(d) {
        return Ok(Cell::Empty);
    }
    if let Data::Error(e) = d {
        return Err(format!("the cell holds an error ({e})"));
    }
    let found = || format!("{:?}", text_of(d));
    match kind {
        Kind::Text => Ok(Cell::Text(text_of(d))),
        Kind::Number | Kind::Money => {
            let v = match d {
                Data::Int(i) => Some(*i as f64),
                Data::Float(f) => Some(*f),
                Data::String(s) => parse_number(s),
                _ => None,
            }
            .ok_or_else(|| format!("expected a number, found {}", found()))?;
            Ok(if kind == Kind::Money {
                Cell::Money(v)
            } else {
                Cell::Number(v)
            })
        }
        Kind::Percentage => {
            let v = match d {
                Data::Int(i) => Some(*i as f64),
                Data::Float(f) => Some(*f),
                Data::String(s) => match s.trim().strip_suffix('%') {
                    Some(p) => parse_number(p).map(|v| v / 100.0),
                    None => parse_number(s),
                },
                _ => None,
            }
            .ok_or_else(|| format!("expected a percentage, found {}", found()))?;
            Ok(Cell::Percentage(v))
        }
        Kind::Date => {
            let date = match d {
                Data::DateTime(dt) if dt.is_datetime() => {
                    let (y, m, day, ..) = dt.to_ymd_hms_milli();
                    Date::new(y as i16, m as i8, day as i8).ok()
                }
                Data::Int(i) => excel_serial_date(*i as f64, false),
                Data::Float(f) => excel_serial_date(*f, false),
                Data::String(s) | Data::DateTimeIso(s) => {
                    let s = s.trim();
                    let day = s.get(..10).unwrap_or(s);
                    day.parse::<Date>().ok()
                }
                _ => None,
            }
            .ok_or_else(|| format!("expected a date (YYYY-MM-DD), found {}", found()))?;
            Ok(Cell::Date(date))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn excel_serials_by_hand() {
        // Excel: 1 = 1900-01-01, 59 = 1900-02-28, 61 = 1900-03-01,
        // 45658 = 2025-01-01 (DATE(2025,1,1) in any spreadsheet).
        assert_eq!(excel_serial_date(1.0, false), Some(date(1900, 1, 1)));
        assert_eq!(excel_serial_date(59.0, false), Some(date(1900, 2, 28)));
        assert_eq!(excel_serial_date(61.0, false), Some(date(1900, 3, 1)));
        assert_eq!(excel_serial_date(45658.0, false), Some(date(2025, 1, 1)));
        assert_eq!(excel_serial_date(45658.75, false), Some(date(2025, 1, 1)));
        assert_eq!(excel_serial_date(0.0, false), None);
        assert_eq!(excel_serial_date(f64::NAN, false), None);
    }

    #[test]
    fn numbers_as_typed() {
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number(" $ 1 200 "), Some(1200.0));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(
            convert(&Data::String("25%".into()), Kind::Percentage),
            Ok(Cell::Percentage(0.25))
        );
        assert!(
            convert(&Data::String("soon".into()), Kind::Date)
                .unwrap_err()
                .contains("\"soon\"")
        );
    }
}
