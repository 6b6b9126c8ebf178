//! What [`to_xlsx`] writes, [`read_xlsx`] reads back the same, with columns
//! found by header whatever their order, and every bad cell reported.

#![allow(clippy::unwrap_used)]

use jiff::civil::{Date, date};
use proptest::prelude::*;
use rampart_sheets::*;

const COLUMNS: [ColumnSpec; 5] = [
    ColumnSpec::new("ID", Kind::Text, true),
    ColumnSpec::new("Cost", Kind::Money, false),
    ColumnSpec::new("Due date", Kind::Date, false),
    ColumnSpec::new("Share", Kind::Percentage, false),
    ColumnSpec::new("Count", Kind::Number, false),
];

fn created() -> Date {
    date(2026, 3, 5)
}

#[test]
fn columns_are_found_by_header_in_any_order() {
    // Written in another order, with other spellings and an extra column.
    let mut t = Table::new(
        "Risks",
        &["count", "Notes", "due_DATE", " id ", "COST", "share"],
    );
    t.push(vec![
        Cell::Number(3.0),
        Cell::text("ignored"),
        Cell::Date(date(2026, 4, 1)),
        Cell::text("R-1"),
        Cell::Money(1500.25),
        Cell::Percentage(0.4),
    ]);
    t.push(vec![]); // an empty row is skipped
    t.push(vec![
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::text("R-2"),
    ]);
    let bytes = to_xlsx(&t, created()).unwrap();
    let read = read_xlsx(&bytes, &COLUMNS).unwrap();
    assert_eq!(read.problems, []);
    assert_eq!(read.rows.len(), 2);
    assert_eq!(read.rows[0].row, 2);
    assert_eq!(
        read.rows[0].cells,
        [
            Cell::text("R-1"),
            Cell::Money(1500.25),
            Cell::Date(date(2026, 4, 1)),
            Cell::Percentage(0.4),
            Cell::Number(3.0)
        ]
    );
    assert_eq!(read.rows[1].row, 4);
    assert_eq!(read.rows[1].cells[0], Cell::text("R-2"));
}

#[test]
fn every_bad_cell_is_listed_with_row_and_column() {
    let mut t = Table::new("Risks", &["ID", "Cost", "Due date", "Share", "Count"]);
    t.push(vec![
        Cell::text("R-1"),
        Cell::text("a lot"),
        Cell::text("2026-04-01"),
    ]);
    t.push(vec![
        Cell::text("R-2"),
        Cell::Money(5.0),
        Cell::text("next week"),
    ]);
    t.push(vec![Cell::Empty, Cell::Money(5.0)]);
    t.push(vec![
        Cell::text("R-4"),
        Cell::Empty,
        Cell::Empty,
        Cell::text("half"),
    ]);
    let bytes = to_xlsx(&t, created()).unwrap();
    let read = read_xlsx(&bytes, &COLUMNS).unwrap();
    let shown: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "row 2, column \"Cost\": expected a number, found \"a lot\"",
            "row 3, column \"Due date\": expected a date (YYYY-MM-DD), found \"next week\"",
            "row 4, column \"ID\": empty, but a value is required",
            "row 5, column \"Share\": expected a percentage, found \"half\"",
        ]
    );
    // A date typed as text is still a date.
    assert_eq!(read.rows[0].cells[2], Cell::Date(date(2026, 4, 1)));
}

#[test]
fn missing_and_doubled_headers_are_problems_of_the_header_row() {
    let mut t = Table::new("x", &["Cost", "cost"]);
    t.push(vec![Cell::Money(1.0), Cell::Money(2.0)]);
    let read = read_xlsx(&to_xlsx(&t, created()).unwrap(), &COLUMNS).unwrap();
    let shown: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "row 1, column \"ID\": no column with this header",
            "row 1, column \"Cost\": 2 columns have this header",
        ]
    );
}

#[test]
fn not_a_workbook_is_a_clear_error() {
    let e = read_xlsx(b"ID,Cost\r\nR-1,5\r\n", &COLUMNS).unwrap_err();
    assert!(e.to_string().starts_with("not an XLSX workbook"), "{e}");
}

fn cell_of(kind: Kind) -> BoxedStrategy<Cell> {
    match kind {
        Kind::Text => "[ -~é日]{1,40}"
            .prop_filter("not blank", |s| !s.trim().is_empty())
            .prop_map(|s| Cell::text(s.trim()))
            .boxed(),
        Kind::Money => (-100_000_000_i64..100_000_000)
            .prop_map(|c| Cell::Money(c as f64 / 100.0))
            .boxed(),
        Kind::Date => (0i32..40_000)
            .prop_map(|d| {
                Cell::Date(
                    date(1950, 1, 1)
                        .checked_add(jiff::Span::new().days(d))
                        .unwrap(),
                )
            })
            .boxed(),
        Kind::Percentage => (0u32..=1000)
            .prop_map(|p| Cell::Percentage(f64::from(p) / 1000.0))
            .boxed(),
        Kind::Number => any::<i32>()
            .prop_map(|n| Cell::Number(f64::from(n)))
            .boxed(),
    }
}

fn row() -> impl Strategy<Value = Vec<Cell>> {
    COLUMNS.iter().map(|c| cell_of(c.kind)).collect::<Vec<_>>()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn xlsx_round_trips(rows in proptest::collection::vec(row(), 1..20)) {
        let mut t = Table::new("Round trip", &COLUMNS.map(|c| c.name));
        for r in &rows {
            t.push(r.clone());
        }
        let read = read_xlsx(&to_xlsx(&t, created()).unwrap(), &COLUMNS).unwrap();
        prop_assert_eq!(read.problems, vec![]);
        let back: Vec<Vec<Cell>> = read.rows.into_iter().map(|r| r.cells).collect();
        prop_assert_eq!(back, rows);
    }

    #[test]
    fn csv_never_starts_a_field_with_a_formula(texts in proptest::collection::vec(any::<String>(), 1..8)) {
        let mut t = Table::new("x", &["a", "b", "c", "d", "e", "f", "g", "h"]);
        t.push(texts.iter().map(|s| Cell::text(s.clone())).collect());
        let csv = to_csv(&t);
        for s in &texts {
            let f = csv_cell(s);
            let inner = f.strip_prefix('"').unwrap_or(&f);
            prop_assert!(!inner.starts_with(['=', '+', '-', '@', '\t', '\r']), "{:?}", f);
            prop_assert!(csv.contains(&f));
        }
    }
}
