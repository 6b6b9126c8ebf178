//! The reports as Typst markup, for the PDF rendering (`pdf` feature). This
//! module only writes text: it needs no Typst library, so its output (and
//! its escaping) is tested without the feature.
//!
//! Every text from the model goes through [`escape_markup`] (in markup and
//! content blocks) or [`typst_string`] (in code, as a string literal), so a
//! name like `#import "@preview/x"` or `*bold*` prints as itself. The charts
//! are the SVG of [`crate::charts`], passed beside the source as files.

use std::fmt::Write as _;

use crate::model::{
    AcceptanceStatus, AuditReport, AuditResult, Coverage, Level, LossStats, Protection,
    RemediationReport, Report, Risk, Scope, Severity, StatusCount,
};
use crate::{amount, briefing, charts, money, summary};

/// A Typst source with the files it refers to, ready to compile.
#[derive(Debug, Clone, PartialEq)]
pub struct TypstDocument {
    /// The main source.
    pub source: String,
    /// Files the source reads (`image("/chart-1.svg")`): path and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// The document's date, `YYYY-MM-DD` (the report's as-of date).
    pub date: String,
    /// A stable identifier of the document (its reference).
    pub ident: String,
}

/// Escapes text for Typst markup (and content blocks): every ASCII
/// punctuation character is escaped with a backslash, line breaks become
/// spaces and other control characters U+FFFD. What results is plain text:
/// no markup, code, math, label, reference, comment or URL can start in it.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text as a Typst string literal (with its quotes), for code.
pub fn typst_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Short for [`escape_markup`].
fn m(s: &str) -> String {
    escape_markup(s)
}

/// A colour safe to give `rgb(...)`: `#rrggbb`, else grey.
fn colour(c: &str) -> &str {
    let hex = c.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        c
    } else {
        "#cccccc"
    }
}

fn ink(bg: &str) -> &'static str {
    let hex = bg.trim_start_matches('#');
    let v = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .map_or(255.0, f64::from)
    };
    if hex.len() == 6 && 0.299 * v(0) + 0.587 * v(2) + 0.114 * v(4) < 140.0 {
        "#ffffff"
    } else {
        "#000000"
    }
}

/// A column of a table: header text, width (Typst), alignment.
type Col<'a> = (&'a str, &'a str, &'a str);

/// The common frame of the reports: page, fonts, headings and helpers.
fn preamble(title: &str, author: &str, as_of: &str, header: &str, footer: &str) -> String {
    let (y, mo, d) = ymd(as_of);
    let date = match (y, mo, d) {
        (Some(y), Some(mo), Some(d)) => format!("datetime(year: {y}, month: {mo}, day: {d})"),
        _ => "none".to_owned(),
    };
    format!(
        r##"#set document(title: {title}, author: {author}, date: {date})
#let accent = rgb("#123c69")
#set page(paper: "a4", margin: (x: 1.8cm, top: 2cm, bottom: 1.8cm),
  header: context {{ if counter(page).get().first() > 1 {{ set text(size: 7.5pt, fill: luma(90)); [{header}] }} }},
  footer: context {{ set text(size: 7.5pt, fill: luma(90)); [{footer}]; h(1fr); counter(page).display("1 / 1", both: true) }})
#set text(font: "Libertinus Serif", size: 10pt, lang: "en")
#set par(justify: false, leading: 0.55em)
#show heading: set text(fill: accent)
#show heading.where(level: 1): it => {{ pagebreak(weak: true); block(width: 100%, stroke: (bottom: 1.2pt + accent), inset: (bottom: 3pt), below: 0.9em, text(size: 15pt, it.body)) }}
#show heading.where(level: 2): set text(size: 12pt)
#show heading.where(level: 3): set text(size: 10.5pt)
#set table(stroke: 0.4pt + luma(170), inset: (x: 4pt, y: 3pt))
#show table: set text(size: 8pt)
#show table.cell.where(y: 0): set text(weight: "bold")
#show figure.caption: set text(size: 8.5pt, fill: luma(70))
#let lvl(name, bg, fg) = box(fill: rgb(bg), inset: (x: 3pt, y: 1.5pt), outset: (y: 1pt), radius: 2pt, text(fill: rgb(fg), weight: "bold", name))
#let missing(body) = block(width: 100%, fill: rgb("#fff8e1"), stroke: (left: 3pt + rgb("#e0a800")), inset: 6pt, body)
#let out(body) = text(fill: rgb("#b00020"), weight: "bold", body)
#let met(body) = text(fill: rgb("#1b5e20"), weight: "bold", body)
"##,
        title = typst_string(title),
        author = typst_string(author),
        header = m(header),
        footer = m(footer),
    )
}

/// Parses `YYYY-MM-DD`.
fn ymd(s: &str) -> (Option<i32>, Option<u8>, Option<u8>) {
    let mut it = s.trim().splitn(3, '-');
    let y = it.next().and_then(|x| x.parse().ok());
    let mo = it
        .next()
        .and_then(|x| x.parse().ok())
        .filter(|m| (1..=12).contains(m));
    let d = it
        .next()
        .and_then(|x| x.parse().ok())
        .filter(|d| (1..=31).contains(d));
    (y, mo, d)
}

/// The document being written.
struct W {
    s: String,
    files: Vec<(String, Vec<u8>)>,
}

impl W {
    fn new(preamble: String) -> W {
        W {
            s: preamble,
            files: Vec::new(),
        }
    }

    fn raw(&mut self, markup: &str) {
        self.s.push_str(markup);
        self.s.push('\n');
    }

    fn heading(&mut self, level: usize, text: &str) {
        let _ = writeln!(self.s, "\n{} {}\n", "=".repeat(level), m(text));
    }

    fn p(&mut self, text: &str) {
        let _ = writeln!(self.s, "{}\n", m(text));
    }

    fn missing(&mut self, text: &str) {
        let _ = writeln!(self.s, "#missing[{}]\n", m(text));
    }

    fn bullets(&mut self, items: impl IntoIterator<Item = String>) {
        for i in items {
            let _ = writeln!(self.s, "- {}", m(&i));
        }
        self.s.push('\n');
    }

    /// A chart: the SVG becomes a file the source reads.
    fn chart(&mut self, svg: String, caption: &str, width: &str) {
        let path = format!("/chart-{}.svg", self.files.len() + 1);
        let _ = writeln!(
            self.s,
            "#figure(image({}, width: {width}), caption: [{}])\n",
            typst_string(&path),
            m(caption)
        );
        self.files.push((path, svg.into_bytes()));
    }

    /// A table; cells are markup (escape text with `m`).
    fn table(&mut self, cols: &[Col<'_>], rows: &[Vec<String>], foot: Option<&[String]>) {
        let widths: Vec<&str> = cols.iter().map(|c| c.1).collect();
        let aligns: Vec<&str> = cols.iter().map(|c| c.2).collect();
        let _ = write!(
            self.s,
            "#table(columns: ({},), align: ({},),\n  table.header(",
            widths.join(", "),
            aligns.join(", ")
        );
        for c in cols {
            let _ = write!(self.s, "[{}], ", m(c.0));
        }
        self.s.push_str("),\n");
        for r in rows {
            self.s.push_str("  ");
            for (i, _) in cols.iter().enumerate() {
                let _ = write!(self.s, "[{}], ", r.get(i).map_or("", String::as_str));
            }
            self.s.push('\n');
        }
        if let Some(f) = foot {
            self.s.push_str("  table.footer(repeat: false, ");
            for (i, _) in cols.iter().enumerate() {
                let _ = write!(self.s, "[*{}*], ", f.get(i).map_or("", String::as_str));
            }
            self.s.push_str("),\n");
        }
        self.s.push_str(")\n\n");
    }

    fn finish(self, date: &str, ident: &str) -> TypstDocument {
        TypstDocument {
            source: self.s,
            files: self.files,
            date: date.to_owned(),
            ident: ident.to_owned(),
        }
    }
}

fn level(l: Option<&Level>) -> String {
    match l {
        None => "—".to_owned(),
        Some(l) => {
            let bg = colour(&l.colour);
            format!(
                "#lvl({}, {}, {}){}",
                typst_string(&l.name),
                typst_string(bg),
                typst_string(ink(bg)),
                l.score
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" {}", m(s)))
            )
        }
    }
}

fn severity(s: Severity) -> String {
    format!(
        "#lvl({}, {}, {})",
        typst_string(s.name()),
        typst_string(s.colour()),
        typst_string(ink(s.colour()))
    )
}

fn appetite(r: &Risk) -> String {
    match &r.out_of_appetite {
        Some(why) => format!("#out[Outside] {}", m(why)),
        None => "Within".to_owned(),
    }
}

fn opt(s: Option<&String>) -> String {
    s.map_or_else(String::new, |v| m(v))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn scope_line(r: &Report) -> String {
    match &r.scope {
        Scope::Organisation => format!("{} (all sites)", r.organisation.name),
        Scope::Site { name, .. } => format!("{name}, {}", r.organisation.name),
    }
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "not scored".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

// ================================================================ assessment

/// The security assessment report as a Typst document.
pub fn assessment_typst(r: &Report) -> TypstDocument {
    let scope = scope_line(r);
    let d = &r.document;
    let mut w = W::new(preamble(
        &format!("Security assessment report: {scope}"),
        &d.prepared_by,
        &r.as_of,
        &format!("{} — {}", d.reference, d.classification),
        &format!("{} — as of {}", d.generator, r.as_of),
    ));
    cover(&mut w, r, &scope);
    executive_summary(&mut w, r);
    scope_and_method(&mut w, r);
    site_description(&mut w, r);
    threats(&mut w, r);
    risk_register(&mut w, r);
    quantitative(&mut w, r);
    protection(&mut w, r);
    surveillance(&mut w, r);
    audits(&mut w, r);
    recommendations(&mut w, r);
    appendix_assets(&mut w, r);
    appendix_devices(&mut w, r);
    w.finish(&r.as_of, &d.reference)
}

fn section(w: &mut W, index: usize) {
    w.heading(1, crate::html::SECTIONS[index].1);
}

fn cover(w: &mut W, r: &Report, scope: &str) {
    let d = &r.document;
    let _ = write!(
        w.s,
        "#text(size: 9pt, fill: luma(80))[{}]\n\n#v(2.5cm)\n#text(size: 26pt, weight: \"bold\", fill: accent)[Security assessment report]\n\n#text(size: 15pt)[{}]\n\nScope: {} \\\nAs of {}\n\n#v(1cm)\n",
        m(&d.classification),
        m(&r.organisation.name),
        m(scope),
        m(&r.as_of)
    );
    w.raw("#text(size: 12pt, weight: \"bold\", fill: accent)[Document control]\n");
    let rows: Vec<Vec<String>> = [
        ("Reference", &d.reference),
        ("Version", &d.version),
        ("Date (as of)", &r.as_of),
        ("Classification", &d.classification),
        ("Prepared by", &d.prepared_by),
        ("Produced by", &d.generator),
        ("Data source", &d.source),
    ]
    .iter()
    .map(|(k, v)| vec![format!("*{}*", m(k)), m(v)])
    .collect();
    w.table(
        &[("Field", "auto", "left"), ("Value", "1fr", "left")],
        &rows,
        None,
    );
    w.p("Every figure in this report is computed from the stored data and Rampart's engines when the report is made; none is typed in.");
    w.raw("#pagebreak()\n#outline(title: [Contents], depth: 1)\n");
}

fn executive_summary(w: &mut W, r: &Report) {
    section(w, 0);
    let cur = &r.organisation.currency;
    w.heading(2, "Overall posture");
    let _ = writeln!(
        w.s,
        "#block(width: 100%, fill: rgb(\"#f3f6fa\"), stroke: 0.5pt + rgb(\"#d5dde8\"), inset: 8pt)[{}]\n",
        m(&summary::posture_paragraph(r))
    );
    if let Some(g) = r.grids.first() {
        let counts = summary::heat_counts(r, 0, &r.sites);
        let n: u32 = counts.iter().flatten().sum();
        if n > 0 {
            w.chart(
                charts::heat_map(
                    g,
                    &counts,
                    &format!("{}: present risk, whole scope", g.title),
                ),
                &format!(
                    "Present risk (current, else inherent) of the {n} risks rated on the {}.",
                    g.title
                ),
                "55%",
            );
        }
    }
    w.heading(2, "Top risks");
    let top = summary::top_risks(r, 5);
    if top.is_empty() {
        w.missing("No risk scenario in this scope has a qualitative rating yet: add risks to the register to see the top risks.");
    } else {
        let rows: Vec<Vec<String>> = top
            .iter()
            .enumerate()
            .map(|(i, (s, risk))| {
                vec![
                    (i + 1).to_string(),
                    format!("{} ({})", m(&risk.title), m(&risk.id)),
                    m(&s.name),
                    m(&risk.method),
                    level(summary::present(risk)),
                    appetite(risk),
                ]
            })
            .collect();
        w.table(
            &[
                ("#", "auto", "right"),
                ("Risk", "2fr", "left"),
                ("Site", "1fr", "left"),
                ("Method", "1fr", "left"),
                ("Present risk", "1.2fr", "left"),
                ("Appetite", "1.5fr", "left"),
            ],
            &rows,
            None,
        );
    }
    w.heading(2, "Recommended investment");
    if r.recommendations.is_empty() {
        w.missing(
            "No control is proposed or planned in this scope, so no investment is recommended yet.",
        );
    } else {
        let (capex, opex) = summary::investment(r);
        w.p(&format!(
            "{} measures are recommended (section 10), for {} to put in place and {} a year to run. The first three:",
            r.recommendations.len(),
            money(cur, capex),
            money(cur, opex)
        ));
        for (i, rec) in r.recommendations.iter().take(3).enumerate() {
            let _ = writeln!(
                w.s,
                "+ {}",
                m(&format!(
                    "{} ({}): {} capital, {} a year. {}",
                    rec.title,
                    rec.site,
                    money(cur, rec.capex),
                    money(cur, rec.opex_annual),
                    rec.rationale
                ))
            );
            let _ = i;
        }
        w.s.push('\n');
    }
}

fn scope_and_method(w: &mut W, r: &Report) {
    section(w, 1);
    let org = &r.organisation;
    w.heading(2, "Scope");
    w.p(&format!(
        "{}{}{}",
        org.name,
        org.sector
            .as_ref()
            .map_or_else(String::new, |s| format!(" ({s})")),
        org.description
            .as_ref()
            .map_or_else(String::new, |d| format!(": {d}"))
    ));
    match &r.scope {
        Scope::Organisation => w.p(&format!(
            "This report covers the whole organisation: {}.",
            plural(r.sites.len(), "site", "sites")
        )),
        Scope::Site { id, name } => w.p(&format!("This report covers one site: {name} ({id}).")),
    }
    w.bullets(r.sites.iter().map(|s| {
        format!(
            "{} ({}): {} zones, {} assets, {} rated threats, {} risk scenarios, {} devices, {}",
            s.name,
            s.id,
            s.zones.len(),
            s.assets.len(),
            s.threats.len(),
            s.risks.len(),
            s.devices.len(),
            plural(s.audits.len(), "audit", "audits")
        )
    }));
    w.heading(2, "Method");
    for p in &r.method.paragraphs {
        w.p(p);
    }
    if let Some(f) = &r.method.fair {
        w.p(&format!(
            "Open FAIR Monte Carlo: {} trials (simulated years), seed {}.",
            amount(f.trials as f64),
            f.seed
        ));
        for n in &f.notes {
            w.p(n);
        }
    }
    w.heading(2, "Scales");
    for sc in &r.method.scales {
        w.heading(3, &sc.name);
        let rows: Vec<Vec<String>> = sc
            .levels
            .iter()
            .map(|l| {
                let lv = Level {
                    name: l.name.clone(),
                    colour: l.colour.clone(),
                    rank: 0,
                    levels: 1,
                    score: None,
                    value: None,
                };
                vec![level(Some(&lv)), m(&l.meaning)]
            })
            .collect();
        w.table(
            &[("Level", "auto", "left"), ("Meaning", "1fr", "left")],
            &rows,
            None,
        );
    }
    w.heading(2, "Risk appetite");
    if org.appetite.is_empty() {
        w.missing(
            "The organisation has not stated a risk appetite: no risk is judged against one.",
        );
    } else {
        w.bullets(org.appetite.iter().cloned());
    }
}

fn no_sites(w: &mut W, r: &Report) -> bool {
    if r.sites.is_empty() {
        w.missing("The organisation has no site yet: add sites to assess them.");
        true
    } else {
        false
    }
}

fn site_description(w: &mut W, r: &Report) {
    section(w, 2);
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        let rows = vec![
            vec!["*Kind*".to_owned(), m(&s.kind)],
            vec![
                "*Address*".to_owned(),
                s.address
                    .as_ref()
                    .map_or_else(|| "not recorded".to_owned(), |a| m(a)),
            ],
            vec![
                "*Facility security level*".to_owned(),
                s.facility_security_level
                    .map_or_else(|| "not recorded".to_owned(), |l| l.to_string()),
            ],
            vec!["*Operating hours*".to_owned(), m(&s.operating_hours)],
        ];
        w.table(
            &[("Fact", "auto", "left"), ("", "1fr", "left")],
            &rows,
            None,
        );
        if let Some(d) = &s.description {
            w.p(d);
        }
        if s.zones.is_empty() {
            w.missing(&format!(
                "No zones are recorded for {} yet: add its perimeter, buildings and rooms to describe the layers of protection.",
                s.name
            ));
        } else {
            let rows: Vec<Vec<String>> = s
                .zones
                .iter()
                .map(|z| {
                    vec![
                        format!("{} ({})", m(&z.name), m(&z.id)),
                        m(&z.kind),
                        m(&z.classification),
                        opt(z.parent.as_ref()),
                    ]
                })
                .collect();
            w.table(
                &[
                    ("Zone", "2fr", "left"),
                    ("Kind", "1fr", "left"),
                    ("Classification", "1fr", "left"),
                    ("Within", "1.5fr", "left"),
                ],
                &rows,
                None,
            );
        }
    }
}

fn threats(w: &mut W, r: &Report) {
    section(w, 3);
    w.p("Threat ratings are 1 (lowest) to 10 (highest) per site, from the threat assessment; the design-basis adversary is given where the threat has one.");
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.threats.is_empty() {
            w.missing(&format!(
                "No threat has been rated for {} yet: rate the catalogue's threats for this site to complete the threat assessment.",
                s.name
            ));
            continue;
        }
        let rows: Vec<Vec<String>> = s
            .threats
            .iter()
            .map(|t| {
                vec![
                    format!("{} ({})", m(&t.name), m(&t.id)),
                    m(&t.category),
                    t.rating.to_string(),
                    opt(t.adversary.as_ref()),
                    opt(t.rationale.as_ref()),
                ]
            })
            .collect();
        w.table(
            &[
                ("Threat", "1.5fr", "left"),
                ("Category", "1fr", "left"),
                ("Rating", "auto", "right"),
                ("Design-basis adversary", "1.5fr", "left"),
                ("Rationale", "2fr", "left"),
            ],
            &rows,
            None,
        );
    }
}

fn risk_register(w: &mut W, r: &Report) {
    section(w, 4);
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.risks.is_empty() {
            w.missing(&format!(
                "No risk scenario is recorded for {} yet: add risks (a threat against an asset, assessed by a method) to build its register.",
                s.name
            ));
            continue;
        }
        w.p(&format!(
            "{} at this site.",
            plural(s.risks.len(), "risk scenario", "risk scenarios")
        ));
        for (gi, g) in r.grids.iter().enumerate() {
            let counts = summary::heat_counts(r, gi, std::slice::from_ref(s));
            let n: u32 = counts.iter().flatten().sum();
            if n > 0 {
                w.chart(
                    charts::heat_map(g, &counts, &format!("{}: {}", g.title, s.name)),
                    &format!(
                        "Heat map, {}: the {n} present risks of {} rated on it.",
                        g.title, s.name
                    ),
                    "40%",
                );
            }
        }
        let rows: Vec<Vec<String>> = s
            .risks
            .iter()
            .map(|risk| {
                vec![
                    format!("{} ({})", m(&risk.title), m(&risk.id)),
                    format!("{} → {}", m(&risk.threat), m(&risk.asset)),
                    m(&risk.method),
                    level(risk.inherent.as_ref()),
                    level(risk.current.as_ref()),
                    level(risk.residual.as_ref()),
                    m(&risk.treatment),
                    appetite(risk),
                ]
            })
            .collect();
        w.table(
            &[
                ("Risk", "1.5fr", "left"),
                ("Threat → asset", "1.3fr", "left"),
                ("Method", "1fr", "left"),
                ("Inherent", "1fr", "left"),
                ("Current", "1fr", "left"),
                ("Residual", "1fr", "left"),
                ("Treatment", "0.8fr", "left"),
                ("Appetite", "1.1fr", "left"),
            ],
            &rows,
            None,
        );
    }
}

fn quantitative(w: &mut W, r: &Report) {
    section(w, 5);
    let cur = &r.organisation.currency;
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if let Some(p) = &s.fair_problem {
            w.missing(&format!(
                "The quantitative analysis of {} could not run: {p}",
                s.name
            ));
            continue;
        }
        let Some(f) = &s.fair else {
            w.missing(&format!(
                "No risk scenario at {} is assessed with Open FAIR yet: give a scenario calibrated ranges (frequency and magnitude of loss) to see annual losses and a loss exceedance curve.",
                s.name
            ));
            continue;
        };
        let row = |name: &str, st: &LossStats| {
            vec![
                m(name),
                m(&money(cur, st.mean)),
                amount(st.p10),
                amount(st.p50),
                amount(st.p90),
                amount(st.p95),
                amount(st.p99),
            ]
        };
        let rows: Vec<Vec<String>> = f
            .scenarios
            .iter()
            .map(|sc| row(&format!("{} ({})", sc.title, sc.id), &sc.loss))
            .collect();
        let foot = row("All scenarios of the site", &f.total);
        w.table(
            &[
                ("Scenario", "2fr", "left"),
                ("Mean ALE", "auto", "right"),
                ("p10", "auto", "right"),
                ("Median", "auto", "right"),
                ("p90", "auto", "right"),
                ("p95", "auto", "right"),
                ("p99", "auto", "right"),
            ],
            &rows,
            Some(&foot),
        );
        let mut series: Vec<(&str, &[(f64, f64)])> = f
            .scenarios
            .iter()
            .map(|sc| (sc.id.as_str(), sc.loss.lec.as_slice()))
            .collect();
        if f.scenarios.len() > 1 {
            series.push(("all scenarios", f.total.lec.as_slice()));
        }
        w.chart(
            charts::loss_exceedance(&series, cur, &format!("Loss exceedance curve: {}", s.name)),
            &format!(
                "Loss exceedance curve, {}: the probability that a year's loss exceeds each amount.",
                s.name
            ),
            "90%",
        );
        let mut bars: Vec<(&str, &LossStats)> = f
            .scenarios
            .iter()
            .map(|sc| (sc.id.as_str(), &sc.loss))
            .collect();
        if f.scenarios.len() > 1 {
            bars.push(("all scenarios", &f.total));
        }
        w.chart(
            charts::percentile_bars(&bars, cur, &format!("Annual loss percentiles: {}", s.name)),
            &format!("Annual loss percentiles, {}.", s.name),
            "90%",
        );
    }
}

fn protection(w: &mut W, r: &Report) {
    section(w, 6);
    w.p("EASI (Estimate of Adversary Sequence Interruption): P_I is the probability that the response force is alerted in time to interrupt the adversary on the path; P_E = P_I × P_N, with P_N the probability that the response neutralises the adversary. The most vulnerable path is the path of least P_I from outside to the target, found exactly.");
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.protection.is_empty() {
            w.missing(&format!(
                "No facility model is recorded for {} yet: describe its areas, path elements (detection and delay) and response force to evaluate its protection system.",
                s.name
            ));
            continue;
        }
        for p in &s.protection {
            protection_model(w, p);
        }
    }
}

fn protection_model(w: &mut W, p: &Protection) {
    w.heading(3, &format!("{} ({})", p.name, p.id));
    w.p(&format!("Response force: {}.", p.response));
    if let Some(problem) = &p.problem {
        w.missing(&format!(
            "This facility model could not be analysed: {problem}"
        ));
        return;
    }
    let rows: Vec<Vec<String>> = p
        .adversaries
        .iter()
        .map(|a| match &a.path {
            Some(path) => vec![
                m(&a.adversary),
                format!("{:.4}", path.p_interruption),
                format!("{:.2}", a.p_neutralization),
                format!("{:.4}", path.p_effectiveness),
                a.vulnerability_rating.to_string(),
                m(&format!(
                    "{}{}",
                    path.steps
                        .iter()
                        .map(|st| st.element.as_str())
                        .collect::<Vec<_>>()
                        .join(" › "),
                    if a.exact {
                        ""
                    } else {
                        " (search limit reached: not proven minimal)"
                    }
                )),
            ],
            None => vec![
                m(&a.adversary),
                String::new(),
                format!("{:.2}", a.p_neutralization),
                String::new(),
                String::new(),
                "No path reaches the target.".to_owned(),
            ],
        })
        .collect();
    w.table(
        &[
            ("Adversary", "1fr", "left"),
            ("P_I", "auto", "right"),
            ("P_N", "auto", "right"),
            ("P_E", "auto", "right"),
            ("FEMA 452 vulnerability", "auto", "right"),
            ("Most vulnerable path", "2fr", "left"),
        ],
        &rows,
        None,
    );
    let weakest = p
        .adversaries
        .iter()
        .filter_map(|a| a.path.as_ref().map(|path| (a, path)))
        .min_by(|x, y| {
            x.1.p_effectiveness
                .total_cmp(&y.1.p_effectiveness)
                .then_with(|| x.0.adversary.cmp(&y.0.adversary))
        });
    if let Some((a, path)) = weakest {
        w.chart(
            charts::adversary_sequence(
                path,
                &format!("Adversary sequence: {} ({})", p.name, a.adversary),
            ),
            &format!(
                "Adversary sequence of the most vulnerable path of the weakest case ({}): P_I {:.4}, P_E {:.4}, total mean delay {:.0} s. The critical detection point is drawn in red.",
                a.adversary, path.p_interruption, path.p_effectiveness, path.delay_s
            ),
            "100%",
        );
    }
    if let Some(u) = &p.upgrade {
        w.p(&format!(
            "Upgrades ({}): {} for {}; the minimum P_E over every adversary goes from {:.4} to {:.4}.",
            u.goal,
            if u.upgrades.is_empty() {
                "none helps".to_owned()
            } else {
                u.upgrades.join(", ")
            },
            amount(u.cost),
            u.p_effectiveness_before,
            u.p_effectiveness_after
        ));
    }
}

fn surveillance(w: &mut W, r: &Report) {
    section(w, 7);
    w.p("Each zone of a floor plan requires a camera level (IEC 62676-4 pixel density); walls and obstacles occlude. A zone meets its requirement when all of it is seen at that level or better.");
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.surveillance.is_empty() {
            w.missing(&format!(
                "No floor plan is recorded for {} yet: add a plan with its cameras and the level each zone requires to assess video coverage.",
                s.name
            ));
            continue;
        }
        for c in &s.surveillance {
            coverage(w, c);
        }
    }
}

fn coverage(w: &mut W, c: &Coverage) {
    w.heading(3, &format!("{} ({})", c.name, c.id));
    if let Some(problem) = &c.problem {
        w.missing(&format!("This floor plan could not be analysed: {problem}"));
        return;
    }
    w.p(&format!(
        "Profile {}; floor {:.1} m²; {}.",
        c.profile,
        c.floor_area_m2,
        plural(c.cameras, "camera", "cameras")
    ));
    if c.zones.is_empty() {
        w.missing("The plan sets no zone requirement, so no zone can be judged.");
    } else {
        let rows: Vec<Vec<String>> = c
            .zones
            .iter()
            .map(|z| {
                vec![
                    m(&z.id),
                    m(&z.required),
                    format!("{:.1}%", z.covered_fraction * 100.0),
                    format!("{:.1} m²", z.shortfall_m2),
                    if z.met {
                        "#met[Met]".to_owned()
                    } else {
                        "#out[Not met]".to_owned()
                    },
                ]
            })
            .collect();
        w.table(
            &[
                ("Zone", "1.5fr", "left"),
                ("Required level", "1fr", "left"),
                ("Covered", "auto", "right"),
                ("Short", "auto", "right"),
                ("Verdict", "auto", "left"),
            ],
            &rows,
            None,
        );
    }
    if let Some(svg) = &c.drawing_svg {
        w.chart(
            svg.clone(),
            &format!(
                "Coverage of {}: the floor seen at each level, zones that miss their requirement hatched.",
                c.name
            ),
            "85%",
        );
    }
}

fn audits(w: &mut W, r: &Report) {
    section(w, 8);
    w.p("Audits score each item of their framework compliant (1), partially compliant (0.5) or non-compliant (0); not applicable items are not scored. A section's score is the mean over its scored results. Findings are raised on failed items, their severity from the item's criticality.");
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.audits.is_empty() {
            w.missing(&format!(
                "No audit of {} is recorded yet: plan an audit against a framework to see its scores and findings.",
                s.name
            ));
            continue;
        }
        for a in &s.audits {
            w.heading(3, &format!("{} ({})", a.title, a.id));
            audit_summary(w, a);
        }
    }
    acceptance(w, r);
}

/// The acceptance tests of new systems, site by site: a table where a site
/// has any.
fn acceptance(w: &mut W, r: &Report) {
    if r.sites.iter().all(|s| s.acceptance.is_empty()) {
        return;
    }
    w.heading(2, "Acceptance of new systems");
    w.p("Systems newly installed or changed are accepted from the installer when every test of their acceptance plan has passed its latest run.");
    let rows: Vec<Vec<String>> = r
        .sites
        .iter()
        .flat_map(|s| {
            s.acceptance.iter().map(move |a| {
                vec![
                    m(&s.name),
                    format!("{} ({})", m(&a.title), m(&a.id)),
                    m(&a.status),
                    a.passed.to_string(),
                    a.failed.to_string(),
                    a.not_run.to_string(),
                    m(a.signed_off.as_deref().unwrap_or("")),
                ]
            })
        })
        .collect();
    w.table(
        &[
            ("Site", "1fr", "left"),
            ("Plan", "2fr", "left"),
            ("Status", "1fr", "left"),
            ("Passed", "auto", "right"),
            ("Failed", "auto", "right"),
            ("To run", "auto", "right"),
            ("Signed off", "1.5fr", "left"),
        ],
        &rows,
        None,
    );
}

/// An audit's score, findings by severity and remediation status.
fn audit_summary(w: &mut W, a: &AuditResult) {
    w.p(&format!(
        "Framework {}; {}; planned {} to {}.",
        a.framework, a.status, a.planned_start, a.planned_end
    ));
    if let Some(p) = &a.problem {
        w.missing(&format!("This audit could not be scored: {p}"));
        return;
    }
    let (settled, open, overdue) = a.remediation_status();
    w.p(&format!(
        "Overall score {} over {} in scope ({} compliant, {} partially compliant, {} non-compliant, {} not applicable, {} not yet assessed). {}: {}. Remediation: {} settled, {} open, {} overdue.",
        percent(a.overall),
        plural(a.items_in_scope, "item", "items"),
        a.tally.compliant,
        a.tally.partially_compliant,
        a.tally.non_compliant,
        a.tally.not_applicable,
        a.tally.unassessed,
        plural(a.findings.len(), "finding", "findings"),
        Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {}", a.findings_of(*s), s.name().to_lowercase()))
            .collect::<Vec<_>>()
            .join(", "),
        settled,
        open,
        overdue
    ));
}

fn recommendations(w: &mut W, r: &Report) {
    section(w, 9);
    let cur = &r.organisation.currency;
    if r.recommendations.is_empty() {
        w.missing("No control is proposed or planned in this scope: record proposed controls (with their costs) against the risks they treat to see recommendations.");
        return;
    }
    w.p("Controls proposed or planned but not yet in place, most urgent first: by the highest present risk each treats, then by the reduction it is assessed to buy.");
    let rows: Vec<Vec<String>> = r
        .recommendations
        .iter()
        .enumerate()
        .map(|(i, rec)| {
            vec![
                (i + 1).to_string(),
                format!("{} ({})", m(&rec.title), m(&rec.reference)),
                m(&rec.site),
                m(&rec.status),
                amount(rec.capex),
                amount(rec.opex_annual),
                opt(rec.due.as_ref()),
                m(&rec.rationale),
            ]
        })
        .collect();
    let (capex, opex) = summary::investment(r);
    let foot = vec![
        String::new(),
        "Total".to_owned(),
        String::new(),
        String::new(),
        amount(capex),
        amount(opex),
        String::new(),
        String::new(),
    ];
    let capital = format!("Capital ({cur})");
    let annual = format!("Annual ({cur})");
    w.table(
        &[
            ("#", "auto", "right"),
            ("Measure", "1.5fr", "left"),
            ("Site", "1fr", "left"),
            ("Status", "auto", "left"),
            (&capital, "auto", "right"),
            (&annual, "auto", "right"),
            ("Due", "auto", "left"),
            ("Why, and what it buys", "2fr", "left"),
        ],
        &rows,
        Some(&foot),
    );
    for site in &r.sites {
        let Some(f) = &site.frontier else { continue };
        w.heading(2, &format!("What the proposed controls buy: {}", site.name));
        w.p(&crate::html::frontier_text(f, cur));
        w.chart(
            charts::frontier(
                &f.points,
                None,
                0.0,
                cur,
                &format!("Efficient frontier: {}", site.name),
            ),
            &format!(
                "Efficient frontier, {}: the least residual annual loss for each annual spend on the proposed controls.",
                site.name
            ),
            "80%",
        );
        let rows: Vec<Vec<String>> = f
            .points
            .iter()
            .map(|p| vec![amount(p.annual_cost), amount(p.residual_ale), m(&p.label)])
            .collect();
        let cost = format!("Annual cost ({cur})");
        let residual = format!("Residual annual loss ({cur})");
        w.table(
            &[
                (&cost, "auto", "right"),
                (&residual, "auto", "right"),
                ("Controls", "1fr", "left"),
            ],
            &rows,
            None,
        );
    }
}

fn appendix_assets(w: &mut W, r: &Report) {
    section(w, 10);
    let cur = &r.organisation.currency;
    if no_sites(w, r) {
        return;
    }
    let replacement = format!("Replacement ({cur})");
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.assets.is_empty() {
            w.missing(&format!("No asset is recorded for {} yet.", s.name));
            continue;
        }
        let rows: Vec<Vec<String>> = s
            .assets
            .iter()
            .map(|a| {
                vec![
                    format!("{} ({})", m(&a.name), m(&a.id)),
                    m(&a.kind),
                    a.value.to_string(),
                    opt(a.zone.as_ref()),
                    opt(a.owner.as_ref()),
                    a.replacement_cost.map_or_else(String::new, amount),
                ]
            })
            .collect();
        w.table(
            &[
                ("Asset", "2fr", "left"),
                ("Kind", "1fr", "left"),
                ("Value (1–10)", "auto", "right"),
                ("Zone", "1fr", "left"),
                ("Owner", "1fr", "left"),
                (&replacement, "auto", "right"),
            ],
            &rows,
            None,
        );
    }
}

fn appendix_devices(w: &mut W, r: &Report) {
    section(w, 11);
    if no_sites(w, r) {
        return;
    }
    for s in &r.sites {
        w.heading(2, &s.name);
        if s.devices.is_empty() {
            w.missing(&format!(
                "No security device is recorded for {} yet.",
                s.name
            ));
            continue;
        }
        w.p(&format!(
            "{}.",
            plural(s.devices.len(), "device", "devices")
        ));
        let rows: Vec<Vec<String>> = s
            .devices
            .iter()
            .map(|d| {
                vec![
                    m(&d.id),
                    m(&d.kind),
                    m(&d.make_model),
                    opt(d.zone.as_ref()),
                    m(&d.status),
                    opt(d.install_date.as_ref()),
                ]
            })
            .collect();
        w.table(
            &[
                ("Device", "1fr", "left"),
                ("Kind", "1fr", "left"),
                ("Make and model", "1.5fr", "left"),
                ("Zone", "1fr", "left"),
                ("Status", "auto", "left"),
                ("Installed", "auto", "left"),
            ],
            &rows,
            None,
        );
    }
}

// ================================================================ briefing

/// The one-page executive briefing as a Typst document.
pub fn briefing_typst(r: &Report) -> TypstDocument {
    let b = briefing::Briefing::of(r);
    let scope = scope_line(r);
    let d = &r.document;
    let mut w = W::new(preamble(
        &format!("Executive security briefing: {scope}"),
        &d.prepared_by,
        &r.as_of,
        "",
        &format!("{} — {} — {}", d.reference, d.classification, d.generator),
    ));
    w.raw("#set text(size: 9pt)\n#set page(margin: (x: 1.5cm, top: 1.3cm, bottom: 1.5cm))\n#show table: set text(size: 7.5pt)");
    let _ = writeln!(
        w.s,
        "#text(size: 17pt, weight: \"bold\", fill: accent)[Executive security briefing] #h(1fr) #text(size: 8pt)[{}]\n\n#text(size: 11pt)[{}] — as of {}\n",
        m(&d.classification),
        m(&scope),
        m(&r.as_of)
    );
    w.heading(2, "Overall posture");
    let _ = writeln!(
        w.s,
        "#block(width: 100%, fill: rgb(\"#f3f6fa\"), stroke: 0.5pt + rgb(\"#d5dde8\"), inset: 6pt)[{}]\n",
        m(&b.posture)
    );
    w.heading(2, "Top 5 risks");
    if b.top.is_empty() {
        w.missing("No risk scenario in this scope has a qualitative rating yet.");
    } else {
        let rows: Vec<Vec<String>> = b
            .top
            .iter()
            .enumerate()
            .map(|(i, t)| {
                vec![
                    (i + 1).to_string(),
                    format!("{} ({})", m(&t.title), m(&t.id)),
                    m(&t.site),
                    level(t.level.as_ref()),
                    if t.outside {
                        "#out[Outside]".to_owned()
                    } else {
                        "Within".to_owned()
                    },
                ]
            })
            .collect();
        w.table(
            &[
                ("#", "auto", "right"),
                ("Risk", "2.5fr", "left"),
                ("Site", "1.2fr", "left"),
                ("Present risk", "1.2fr", "left"),
                ("Appetite", "auto", "left"),
            ],
            &rows,
            None,
        );
    }
    w.heading(2, "Recommended investment");
    match &b.investment {
        None => w.missing(
            "No control is proposed or planned in this scope, so no investment is recommended yet.",
        ),
        Some(inv) => {
            w.p(&inv.headline);
            let rows: Vec<Vec<String>> = inv
                .first
                .iter()
                .map(|(title, cost, buys)| vec![m(title), m(cost), m(buys)])
                .collect();
            w.table(
                &[
                    ("Measure", "1.3fr", "left"),
                    ("Cost", "auto", "left"),
                    ("What it buys", "2.2fr", "left"),
                ],
                &rows,
                None,
            );
        }
    }
    w.heading(2, "Audit status");
    if b.audits.is_empty() {
        w.missing("No audit is recorded in this scope yet.");
    } else {
        let rows: Vec<Vec<String>> = b
            .audits
            .iter()
            .map(|a| {
                vec![
                    format!("{} ({})", m(&a.title), m(&a.site)),
                    m(&a.status),
                    m(&a.score),
                    m(&a.findings),
                    m(&a.remediation),
                ]
            })
            .collect();
        w.table(
            &[
                ("Audit", "2fr", "left"),
                ("Status", "auto", "left"),
                ("Score", "auto", "right"),
                ("Findings (C/H/M/L)", "auto", "left"),
                ("Remediation", "1.3fr", "left"),
            ],
            &rows,
            None,
        );
        if let Some(more) = &b.more_audits {
            w.p(more);
        }
    }
    w.finish(&r.as_of, &format!("{}-briefing", d.reference))
}

// ================================================================ audit report

/// The audit report as a Typst document.
pub fn audit_typst(r: &AuditReport) -> TypstDocument {
    let a = &r.audit;
    let d = &r.document;
    let mut w = W::new(preamble(
        &format!("Audit report: {}", a.title),
        &d.prepared_by,
        &r.as_of,
        &format!("{} — {}", d.reference, d.classification),
        &format!("{} — as of {}", d.generator, r.as_of),
    ));
    let _ = writeln!(
        w.s,
        "#text(size: 9pt, fill: luma(80))[{}]\n\n#text(size: 22pt, weight: \"bold\", fill: accent)[Audit report]\n\n#text(size: 14pt)[{}]\n\n{} — {} — as of {}\n",
        m(&d.classification),
        m(&a.title),
        m(&r.organisation.name),
        m(&r.site),
        m(&r.as_of)
    );
    for (i, (_, title)) in crate::html::AUDIT_SECTIONS.iter().enumerate() {
        w.heading(2, title);
        match i {
            0 => audit_scope(&mut w, r),
            1 => audit_scores(&mut w, a),
            2 => audit_findings(&mut w, a),
            _ => audit_remediation(&mut w, a),
        }
    }
    w.finish(&r.as_of, &d.reference)
}

fn audit_scope(w: &mut W, r: &AuditReport) {
    let a = &r.audit;
    let rows: Vec<Vec<String>> = [
        ("Audit", format!("{} ({})", a.title, a.id)),
        ("Site", r.site.clone()),
        ("Framework", a.framework.clone()),
        ("Status", a.status.clone()),
        (
            "Planned",
            format!("{} to {}", a.planned_start, a.planned_end),
        ),
        ("Auditors", a.auditors.join(", ")),
        ("Items in scope", a.items_in_scope.to_string()),
        ("Reference", r.document.reference.clone()),
        ("Produced by", r.document.generator.clone()),
    ]
    .iter()
    .map(|(k, v)| vec![format!("*{}*", m(k)), m(v)])
    .collect();
    w.table(
        &[("Field", "auto", "left"), ("Value", "1fr", "left")],
        &rows,
        None,
    );
    w.bullets(a.scope.iter().cloned());
}

fn audit_scores(w: &mut W, a: &AuditResult) {
    if let Some(p) = &a.problem {
        w.missing(&format!("This audit could not be scored: {p}"));
        return;
    }
    w.p(&format!(
        "Overall score: {} ({} compliant, {} partially compliant, {} non-compliant, {} not applicable, {} not yet assessed). Compliant counts 1, partially compliant 0.5, non-compliant 0; not applicable is not scored.",
        percent(a.overall),
        a.tally.compliant,
        a.tally.partially_compliant,
        a.tally.non_compliant,
        a.tally.not_applicable,
        a.tally.unassessed
    ));
    let rows: Vec<Vec<String>> = a
        .sections
        .iter()
        .map(|s| {
            vec![
                format!("{} ({})", m(&s.title), m(&s.id)),
                m(&percent(s.score)),
                s.tally.compliant.to_string(),
                s.tally.partially_compliant.to_string(),
                s.tally.non_compliant.to_string(),
                s.tally.not_applicable.to_string(),
                s.tally.unassessed.to_string(),
            ]
        })
        .collect();
    let foot = vec![
        "Overall".to_owned(),
        m(&percent(a.overall)),
        a.tally.compliant.to_string(),
        a.tally.partially_compliant.to_string(),
        a.tally.non_compliant.to_string(),
        a.tally.not_applicable.to_string(),
        a.tally.unassessed.to_string(),
    ];
    w.table(
        &[
            ("Section", "2fr", "left"),
            ("Score", "auto", "right"),
            ("Compliant", "auto", "right"),
            ("Partial", "auto", "right"),
            ("Non-compliant", "auto", "right"),
            ("N/A", "auto", "right"),
            ("Not assessed", "auto", "right"),
        ],
        &rows,
        Some(&foot),
    );
}

fn audit_findings(w: &mut W, a: &AuditResult) {
    w.p(&format!(
        "{}: {}.",
        plural(a.findings.len(), "finding", "findings"),
        Severity::DESCENDING
            .iter()
            .map(|s| format!("{} {}", a.findings_of(*s), s.name().to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for sev in Severity::DESCENDING {
        let list: Vec<_> = a.findings.iter().filter(|f| f.severity == sev).collect();
        if list.is_empty() {
            continue;
        }
        w.heading(3, &format!("{} ({})", sev.name(), list.len()));
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|f| {
                vec![
                    format!("{} ({})", m(&f.title), m(&f.id)),
                    severity(f.severity),
                    opt(f.item.as_ref()),
                    opt(f.owner.as_ref()),
                    opt(f.due.as_ref()),
                    opt(f.risk.as_ref()),
                ]
            })
            .collect();
        w.table(
            &[
                ("Finding", "2fr", "left"),
                ("Severity", "auto", "left"),
                ("Item", "1fr", "left"),
                ("Owner", "1fr", "left"),
                ("Due", "auto", "left"),
                ("Risk", "1fr", "left"),
            ],
            &rows,
            None,
        );
    }
}

fn audit_remediation(w: &mut W, a: &AuditResult) {
    if a.remediation.is_empty() {
        w.missing("The audit has no remediation plan yet: plan the remediation of its findings to track them.");
        return;
    }
    let (settled, open, overdue) = a.remediation_status();
    w.p(&format!(
        "{}: {} settled (closed or risk-accepted), {} open, {} overdue.",
        plural(a.remediation.len(), "item", "items"),
        settled,
        open,
        overdue
    ));
    remediation_table(w, &a.remediation);
}

/// The items of a remediation plan as a table.
fn remediation_table(w: &mut W, items: &[crate::model::RemediationItem]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|it| {
            vec![
                format!("{} ({})", m(&it.title), m(&it.id)),
                m(&it.finding),
                severity(it.severity),
                if it.overdue {
                    format!("{} #out[overdue]", m(&it.status))
                } else {
                    m(&it.status)
                },
                opt(it.owner.as_ref()),
                opt(it.due.as_ref()),
                format!("{} / {}", it.milestones_done, it.milestones),
            ]
        })
        .collect();
    w.table(
        &[
            ("Item", "2fr", "left"),
            ("Finding", "auto", "left"),
            ("Severity", "auto", "left"),
            ("Status", "auto", "left"),
            ("Owner", "1fr", "left"),
            ("Due", "auto", "left"),
            ("Milestones", "auto", "right"),
        ],
        &rows,
        None,
    );
}

/// The remediation plan status report as Typst markup.
pub fn remediation_typst(r: &RemediationReport) -> TypstDocument {
    let d = &r.document;
    let mut w = W::new(preamble(
        &format!("Remediation plan status: {}", r.organisation.name),
        &d.prepared_by,
        &r.as_of,
        &format!("{} — {}", d.reference, d.classification),
        &format!("{} — as of {}", d.generator, r.as_of),
    ));
    let _ = writeln!(
        w.s,
        "#text(size: 9pt, fill: luma(80))[{}]\n\n#text(size: 22pt, weight: \"bold\", fill: accent)[Remediation plan status]\n\n#text(size: 14pt)[{}]\n\n{} — as of {}\n",
        m(&d.classification),
        m(&r.organisation.name),
        m(&r.scope),
        m(&r.as_of)
    );
    for (i, (_, title)) in crate::html::REMEDIATION_SECTIONS.iter().enumerate() {
        w.heading(2, title);
        match i {
            0 => remediation_summary(&mut w, r),
            1 => remediation_overdue(&mut w, r),
            2 => remediation_owners(&mut w, r),
            3 => remediation_acceptances(&mut w, r),
            _ => {
                if r.plans.is_empty() {
                    w.missing("No plan to show.");
                }
                for p in &r.plans {
                    w.heading(3, &format!("{} ({})", p.title, p.id));
                    w.p(&format!("Audit {} at {}.", p.audit, p.site));
                    remediation_table(&mut w, &p.items);
                }
            }
        }
    }
    w.finish(&r.as_of, &d.reference)
}

fn remediation_summary(w: &mut W, r: &RemediationReport) {
    for p in &r.problems {
        w.missing(p);
    }
    if r.plans.is_empty() {
        w.missing("No audit in scope has a remediation plan yet: plan the remediation of an audit's findings to track it here.");
        return;
    }
    w.p(&crate::html::remediation_summary(r));
    let row = |name: String, c: &StatusCount| {
        vec![
            name,
            c.total.to_string(),
            c.settled.to_string(),
            c.open.to_string(),
            c.overdue.to_string(),
            format!("{} / {}", c.milestones_done, c.milestones),
        ]
    };
    let rows: Vec<Vec<String>> = r
        .by_severity()
        .iter()
        .map(|(s, c)| row(severity(*s), c))
        .collect();
    let foot = row("All".to_owned(), &r.totals());
    w.table(
        &[
            ("Severity", "1fr", "left"),
            ("Items", "auto", "right"),
            ("Settled", "auto", "right"),
            ("Open", "auto", "right"),
            ("Overdue", "auto", "right"),
            ("Milestones done", "auto", "right"),
        ],
        &rows,
        Some(&foot),
    );
}

fn remediation_overdue(w: &mut W, r: &RemediationReport) {
    let overdue = r.overdue();
    if overdue.is_empty() {
        w.p(&format!("No item is overdue on {}.", r.as_of));
        return;
    }
    let rows: Vec<Vec<String>> = overdue
        .iter()
        .map(|(p, it)| {
            vec![
                format!("{} ({})", m(&it.title), m(&it.id)),
                m(&p.site),
                severity(it.severity),
                m(&it.status),
                opt(it.owner.as_ref()),
                opt(it.due.as_ref()),
            ]
        })
        .collect();
    w.table(
        &[
            ("Item", "2fr", "left"),
            ("Site", "1fr", "left"),
            ("Severity", "auto", "left"),
            ("Status", "auto", "left"),
            ("Owner", "1fr", "left"),
            ("Due", "auto", "left"),
        ],
        &rows,
        None,
    );
}

fn remediation_owners(w: &mut W, r: &RemediationReport) {
    let owners = r.by_owner();
    if owners.is_empty() {
        w.p("No item is open.");
        return;
    }
    let rows: Vec<Vec<String>> = owners
        .iter()
        .map(|o| {
            vec![
                m(&o.owner),
                o.open.to_string(),
                o.overdue.to_string(),
                opt(o.next_due.as_ref()),
            ]
        })
        .collect();
    w.table(
        &[
            ("Owner", "2fr", "left"),
            ("Open", "auto", "right"),
            ("Overdue", "auto", "right"),
            ("Next due", "auto", "left"),
        ],
        &rows,
        None,
    );
}

fn remediation_acceptances(w: &mut W, r: &RemediationReport) {
    if r.acceptances.is_empty() {
        w.p("No risk has been accepted in the audits in scope.");
        return;
    }
    w.p(&format!(
        "{}, {} expired or expiring within {} days.",
        plural(r.acceptances.len(), "acceptance", "acceptances"),
        r.acceptances_needing_attention(),
        AcceptanceStatus::WARN_DAYS
    ));
    let rows: Vec<Vec<String>> = r
        .acceptances
        .iter()
        .map(|a| {
            let state = m(&a.state());
            vec![
                m(&a.id),
                m(&a.audit),
                m(&a.finding),
                m(&a.approver),
                m(&a.approved_on),
                m(&a.expires),
                if a.days_left <= AcceptanceStatus::WARN_DAYS {
                    format!("#out[{state}]")
                } else {
                    state
                },
            ]
        })
        .collect();
    w.table(
        &[
            ("Acceptance", "1fr", "left"),
            ("Audit", "1fr", "left"),
            ("Finding", "1fr", "left"),
            ("Approver", "1fr", "left"),
            ("Approved", "auto", "left"),
            ("Expires", "auto", "left"),
            ("State", "auto", "left"),
        ],
        &rows,
        None,
    );
}
