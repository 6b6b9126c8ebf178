//! CSV as RFC 4180 says: CRLF line ends, fields with a comma, a quote or a
//! line break quoted, quotes doubled. Text a spreadsheet would run as a
//! formula is defused first (OWASP's advice on CSV injection); the web
//! application applies the same rule to its CSV downloads.

use crate::{Cell, Table};

/// One CSV field for `text`: defused, then quoted if it must be.
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        let mut s = String::with_capacity(text.len() + 1);
        s.push('\'');
        s.push_str(text);
        s
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn field(c: &Cell) -> String {
    match c {
        // Only text is defused: a number's minus sign is a number's.
        Cell::Text(s) => csv_cell(s),
        other => other.display(),
    }
}

/// The table as CSV: a header line, then one line per row.
pub fn to_csv(table: &Table) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<String>| {
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(
        &mut out,
        table.headers.iter().map(|h| csv_cell(h)).collect(),
    );
    for row in &table.rows {
        line(&mut out, row.iter().map(field).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_table_by_hand() {
        let mut t = Table::new("Risks", &["ID", "Title", "Cost", "Due", "Done"]);
        t.push(vec![
            Cell::text("R-1"),
            Cell::text("Fence, north \"gap\""),
            Cell::Money(1500.0),
            Cell::Date(date(2026, 4, 1)),
            Cell::Percentage(0.5),
        ]);
        t.push(vec![
            Cell::text("=HYPERLINK(\"http://x\")"),
            Cell::text("two\nlines"),
            Cell::Number(-3.0),
        ]);
        assert_eq!(
            to_csv(&t),
            "ID,Title,Cost,Due,Done\r\n\
             R-1,\"Fence, north \"\"gap\"\"\",1500.00,2026-04-01,50%\r\n\
             \"'=HYPERLINK(\"\"http://x\"\")\",\"two\nlines\",-3,,\r\n"
        );
    }

    #[test]
    fn formula_starts_are_defused() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let c = csv_cell(s);
            let inner = c.trim_start_matches('"');
            assert!(inner.starts_with('\''), "{s:?} -> {c:?}");
        }
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell(""), "");
    }
}
