//! Rampart's spreadsheets: registers (risks, findings, the remediation
//! plan, the device schedule) as typed tables, written as CSV or XLSX, and
//! XLSX files that a user filled in read back by header.
//!
//! **Architecture invariant: no I/O.** Tables go in, bytes come out; bytes
//! go in, rows and a list of problems come out. The crate knows nothing of
//! the domain, the store or the command line: the binary maps its records
//! to [`Table`]s and read rows back to records.
//!
//! - [`Table`]: a title, headers and rows of typed [`Cell`]s (text, number,
//!   money, date, percentage).
//! - [`to_csv`]: RFC 4180 with CRLF, and text that a spreadsheet would run
//!   as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//!   return) prefixed with `'`.
//! - [`to_xlsx`]: one worksheet, bold frozen header, autofilter, column
//!   widths, a number format per cell type. Text is written as text, so
//!   nothing in an XLSX cell becomes a formula.
//! - [`read_xlsx`]: the first worksheet, columns found by header name
//!   (case, spaces, `_` and `-` ignored), each cell converted to the type
//!   its column expects; every problem listed with its row and column.

mod csv;
mod read;
mod xlsx;

pub use csv::{csv_cell, to_csv};
pub use read::{CellProblem, ColumnSpec, ReadError, ReadRow, ReadSheet, read_xlsx};
pub use xlsx::{XlsxError, to_xlsx};

use jiff::civil::Date;

/// The type a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    /// An amount of money, two decimals.
    Money,
    Date,
    /// A fraction shown as a percentage (0.25 is 25 %).
    Percentage,
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Money(f64),
    Date(Date),
    /// A fraction: 0.25 is 25 %.
    Percentage(f64),
}

impl Cell {
    /// A text cell, or empty for an empty string.
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    /// A text cell from an optional value.
    pub fn opt_text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, Cell::text)
    }

    /// The text of a text cell (`None` for other kinds and empty cells).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a numeric cell (number, money, percentage).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Number(v) | Cell::Money(v) | Cell::Percentage(v) => Some(*v),
            _ => None,
        }
    }

    /// The cell as plain text, as CSV writes it (before defusing).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(v) => format_number(*v),
            Cell::Money(v) => format!("{v:.2}"),
            Cell::Date(d) => d.to_string(),
            Cell::Percentage(v) => format!("{}%", format_number(round(v * 100.0, 4))),
        }
    }
}

fn round(v: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (v * k).round() / k
}

/// A number without a trailing `.0`, and never in exponent form for the
/// sizes a register holds.
fn format_number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A register: a title (the worksheet's name), headers, and rows of cells,
/// one per header.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Table {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row; short rows are padded with empty cells, long ones cut to
    /// the headers.
    pub fn push(&mut self, mut row: Vec<Cell>) {
        row.resize(self.headers.len(), Cell::Empty);
        self.rows.push(row);
    }
}

/// How header names compare: case, whitespace, `_` and `-` ignored.
pub fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_by_kind() {
        assert_eq!(Cell::Number(12.0).display(), "12");
        assert_eq!(Cell::Number(2.5).display(), "2.5");
        assert_eq!(Cell::Money(1234.5).display(), "1234.50");
        assert_eq!(Cell::Percentage(0.255).display(), "25.5%");
        assert_eq!(
            Cell::Date(jiff::civil::date(2026, 3, 5)).display(),
            "2026-03-05"
        );
        assert_eq!(Cell::text(""), Cell::Empty);
    }

    #[test]
    fn headers_match_loosely() {
        assert_eq!(header_key(" Review date "), header_key("review_date"));
        assert_eq!(header_key("Risk-ID"), "riskid");
        assert_ne!(header_key("Owner"), header_key("Owners"));
    }
}
