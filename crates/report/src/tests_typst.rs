//! The Typst rendering: escaping, and (with the `pdf` feature) the PDF.
#![allow(clippy::unwrap_used)]

use crate::markup::{assessment_typst, audit_typst, briefing_typst, escape_markup, typst_string};
use crate::model::*;
use crate::tests::{HOSTILE, audit, model};

/// Texts that mean something in Typst markup or code.
const NASTY: [&str; 12] = [
    "#import \"@preview/cetz:0.3.0\": *",
    "*bold* _emph_ `raw` $x^2$ ]",
    "back\\slash \\ and \\u{41} and \\",
    "= Heading\n- list\n+ enum\n/ term: x",
    "<label> @ref https://example.com // comment /* block",
    "#{panic(\"x\")} #let x = 1; #x",
    "[content] {code} (paren) ~ -- --- ... 'single' \"double\"",
    "#set page(width: 1cm)",
    "a\tb\rc",
    "#read(\"/etc/passwd\")",
    "1. first",
    HOSTILE,
];

#[test]
fn escaped_markup_has_a_backslash_before_every_ascii_punctuation() {
    // Worked by hand.
    assert_eq!(
        escape_markup("#import \"@p/x\": *"),
        "\\#import \\\"\\@p\\/x\\\"\\: \\*"
    );
    assert_eq!(escape_markup("a]\\b"), "a\\]\\\\b");
    assert_eq!(escape_markup("line\nbreak"), "line break");
    assert_eq!(escape_markup("£ 1 – é"), "£ 1 – é");
    for text in NASTY {
        let e = escape_markup(text);
        let mut chars = e.chars();
        while let Some(c) = chars.next() {
            assert!(!c.is_control(), "{e:?}");
            if c == '\\' {
                // An escape: the next character is the punctuation itself.
                let next = chars.next().unwrap();
                assert!(next.is_ascii_punctuation(), "{e:?}");
            } else {
                assert!(!c.is_ascii_punctuation(), "{c} unescaped in {e:?}");
            }
        }
    }
}

#[test]
fn string_literals_escape_quotes_backslashes_and_controls() {
    assert_eq!(typst_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    assert_eq!(typst_string("\u{7}"), "\"\\u{7}\"");
}

#[test]
fn every_model_text_in_the_assessment_source_is_escaped() {
    let doc = assessment_typst(&model());
    // The hostile text never appears raw; only its escaped form does.
    assert!(!doc.source.contains(HOSTILE));
    assert!(doc.source.contains(&escape_markup(HOSTILE)));
    // No import, no read: the source reads nothing but its charts.
    assert!(!doc.source.contains("#import"));
    assert!(!doc.source.contains("read("));
    // Every chart of the HTML is a file of the document.
    for (path, bytes) in &doc.files {
        assert!(doc.source.contains(&format!("image(\"{path}\"")));
        assert!(bytes.starts_with(b"<svg"));
    }
    // Heat map (summary) + heat map (site) + LEC + percentiles + sequence + drawing.
    assert_eq!(doc.files.len(), 6);
    assert_eq!(doc.date, "2026-05-01");
    // The audit section is there, with the engine's figures.
    assert!(
        doc.source
            .contains(&escape_markup("Overall score 70.0% over 5 items in scope"))
    );
}

#[test]
fn a_site_without_data_says_what_is_missing_in_the_pdf_too() {
    let doc = assessment_typst(&model());
    for what in [
        "No zones are recorded for Empty site yet",
        "No threat has been rated for Empty site yet",
        "No risk scenario is recorded for Empty site yet",
        "No risk scenario at Empty site is assessed with Open FAIR yet",
        "No facility model is recorded for Empty site yet",
        "No floor plan is recorded for Empty site yet",
        "No audit of Empty site is recorded yet",
        "No asset is recorded for Empty site yet.",
        "No security device is recorded for Empty site yet.",
    ] {
        assert!(
            doc.source
                .contains(&format!("#missing[{}", escape_markup(what))),
            "{what}"
        );
    }
}

#[test]
fn the_briefing_and_audit_sources_carry_their_figures() {
    let b = briefing_typst(&model());
    assert!(b.source.contains(&escape_markup("Top 5 risks")));
    // C/H/M/L of the audit: no critical, one high, no medium, one low.
    assert!(b.source.contains(&escape_markup("0/1/0/1")));
    assert!(
        b.source
            .contains(&escape_markup("0 settled, 1 open, 1 overdue"))
    );
    let r = AuditReport {
        organisation: model().organisation,
        as_of: "2026-05-01".into(),
        document: model().document,
        site: "Warehouse".into(),
        audit: audit(),
    };
    let a = audit_typst(&r);
    for title in crate::AUDIT_SECTIONS.map(|s| s.1) {
        assert!(a.source.contains(&escape_markup(title)), "{title}");
    }
    assert!(a.source.contains(&escape_markup(
        "2 findings: 0 critical, 1 high, 0 medium, 1 low."
    )));
    assert!(!a.source.contains(HOSTILE));
}

#[cfg(feature = "pdf")]
mod pdf {
    use super::*;
    use crate::pdf::{pages_of, text_of};

    /// Typst's text of a page, without the spaces it lays out as gaps.
    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn hostile_text_prints_as_itself() {
        for text in NASTY {
            let expected = squash(&text.replace(['\n', '\r', '\t'], " "));
            let got = squash(&text_of(&escape_markup(text)).unwrap());
            assert_eq!(got, expected, "markup of {text:?}");
            let got = squash(&text_of(&format!("#text({})", typst_string(text))).unwrap());
            let expected_code: String = squash(text);
            assert_eq!(got, expected_code, "string of {text:?}");
        }
    }

    #[test]
    fn the_assessment_pdf_is_made_and_the_same_model_gives_the_same_bytes() {
        let m = model();
        let a = crate::assessment_pdf(&m).unwrap();
        let b = crate::assessment_pdf(&m.clone()).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
        // The document's date is the as-of date, not today.
        let text = String::from_utf8_lossy(&a);
        assert!(text.contains("D:20260501"), "no creation date from as-of");
        let mut later = m;
        later.as_of = "2026-06-01".into();
        let c = crate::assessment_pdf(&later).unwrap();
        assert!(String::from_utf8_lossy(&c).contains("D:20260601"));
    }

    #[test]
    fn the_briefing_is_one_page_even_for_a_large_portfolio() {
        let mut m = model();
        assert_eq!(pages_of(&briefing_typst(&m)).unwrap(), 1);
        // Forty sites, each with the hostile site's risks, audits and long texts.
        let site = m.sites[0].clone();
        for i in 0..40 {
            let mut s = site.clone();
            s.id = format!("s{i}");
            s.name = format!("{} {i} {}", "Long site name".repeat(5), HOSTILE);
            for r in &mut s.risks {
                r.title = "A very long risk title ".repeat(12);
            }
            m.sites.push(s);
        }
        for _ in 0..30 {
            let mut rec = m.recommendations[0].clone();
            rec.rationale = "Treats a long list of risks; ".repeat(30);
            rec.title = "A long measure ".repeat(10);
            m.recommendations.push(rec);
        }
        assert_eq!(pages_of(&briefing_typst(&m)).unwrap(), 1);
    }

    #[test]
    fn a_bad_date_is_an_error_not_a_panic() {
        let mut m = model();
        m.as_of = "someday".into();
        assert_eq!(
            crate::assessment_pdf(&m),
            Err(crate::PdfError::Date("someday".into()))
        );
    }
}

#[test]
fn every_model_text_in_the_remediation_source_is_escaped() {
    let doc = crate::markup::remediation_typst(&crate::tests::remediation_model());
    assert!(!doc.source.contains(HOSTILE));
    assert!(doc.source.contains(&escape_markup(HOSTILE)));
    assert!(doc.source.contains("Remediation plan status"));
}
