//! Rampart's reports. The security assessment report is rendered from a
//! [`model::Report`] as one standalone HTML document (inline CSS, no script,
//! a content security policy that allows nothing else), with charts as SVG
//! ([`charts`]) that a PDF rendering can share.
//!
//! Architecture invariant: this crate does no I/O and knows no store, SQL,
//! HTTP or engine. It takes a model and returns text. The output depends on
//! the model alone: no clock, no randomness, lists in the order given and
//! derived rankings with ties broken by id, so the same model gives the same
//! bytes.
//!
//! Every text that comes from the model is escaped ([`escape`]).

pub mod briefing;
pub mod charts;
mod html;
pub mod markup;
pub mod model;
#[cfg(feature = "pdf")]
mod pdf;
pub mod summary;

pub use html::{
    AUDIT_SECTIONS, REMEDIATION_SECTIONS, SECTIONS, assessment_html, audit_html, briefing_html,
    remediation_html,
};
#[cfg(feature = "pdf")]
pub use pdf::{PdfError, assessment_pdf, audit_pdf, briefing_pdf, pdf, remediation_pdf};

/// Escapes text for HTML and XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newlines are not XML.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An amount with thousands separators, rounded to a unit: `1,576,667`.
pub fn amount(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_owned();
    }
    let rounded = x.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if rounded < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// An amount in a currency: `GBP 1,576,667`.
pub fn money(currency: &str, x: f64) -> String {
    format!("{currency} {}", amount(x))
}

/// A short amount for chart axes: `250k`, `1.5M`.
pub fn short_amount(x: f64) -> String {
    let a = x.abs();
    if a >= 1e9 {
        format!("{}B", trim(x / 1e9))
    } else if a >= 1e6 {
        format!("{}M", trim(x / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(x / 1e3))
    } else {
        format!("{x:.0}")
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_typst;
