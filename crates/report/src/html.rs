//! The security assessment report as one standalone HTML document.

use std::fmt::Write as _;

use crate::charts;
use crate::model::{
    AcceptanceStatus, AuditReport, AuditResult, Coverage, Level, Protection, RemediationReport,
    Report, Risk, Scope, Severity, Site, StatusCount,
};
use crate::summary;
use crate::{amount, escape, money};

/// The sections, in order: (anchor, heading).
pub const SECTIONS: [(&str, &str); 12] = [
    ("summary", "1. Executive summary"),
    ("scope", "2. Scope, method and scales"),
    ("sites", "3. Site description"),
    ("threats", "4. Threat assessment"),
    ("risks", "5. Risk register"),
    ("quantitative", "6. Quantitative results"),
    ("protection", "7. Protection-path analysis"),
    ("surveillance", "8. Surveillance coverage"),
    ("audits", "9. Audit results and findings"),
    ("recommendations", "10. Prioritised recommendations"),
    ("appendix-assets", "Appendix A. Asset list"),
    ("appendix-devices", "Appendix B. Device schedule"),
];

const STYLE: &str = "
:root{--ink:#1a1a1a;--muted:#555;--rule:#ccc;--accent:#123c69}
*{box-sizing:border-box}
body{font-family:Georgia,'Times New Roman',serif;color:var(--ink);max-width:60rem;margin:0 auto;padding:1.5rem;line-height:1.45}
h1,h2,h3,h4,nav,table,.cover dl{font-family:Helvetica,Arial,sans-serif}
h1{font-size:2rem;color:var(--accent);margin:0 0 .5rem}
h2{font-size:1.45rem;color:var(--accent);border-bottom:2px solid var(--accent);padding-bottom:.2rem;margin-top:2.5rem;page-break-before:always}
h3{font-size:1.15rem;margin-top:1.8rem}
h4{font-size:1rem;margin-top:1.2rem}
.cover{border-bottom:4px solid var(--accent);padding-bottom:1rem}
.cover .org{font-size:1.4rem;margin:.2rem 0}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1rem;font-size:.85rem}
th,td{border:1px solid var(--rule);padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eef2f7}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot td{font-weight:bold;background:#f6f6f6}
.lvl{display:inline-block;padding:0 .35rem;border-radius:3px;font-weight:bold;white-space:nowrap}
.missing{border-left:4px solid #e0a800;background:#fff8e1;padding:.4rem .7rem}
.out{color:#b00020;font-weight:bold}
.met{color:#1b5e20;font-weight:bold}
.unmet{color:#b00020;font-weight:bold}
.posture{font-size:1.05rem;background:#f3f6fa;border:1px solid #d5dde8;padding:.7rem 1rem}
figure{margin:1rem 0}
figcaption{font-size:.85rem;color:var(--muted)}
svg,img.drawing{max-width:100%;height:auto}
nav ol{columns:2}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem}
dl.facts dt{font-weight:bold}
dl.facts dd{margin:0}
@media print{body{max-width:none;padding:0}nav{display:none}}
";

/// The report as a standalone HTML document.
pub fn assessment_html(r: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let org = &r.organisation;
    let scope = match &r.scope {
        Scope::Organisation => format!("{} (all sites)", org.name),
        Scope::Site { name, .. } => format!("{name}, {}", org.name),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>Security assessment report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&r.document.generator),
        escape(&scope)
    );
    cover(&mut h, r, &scope);
    h.push_str(
        "<nav aria-label=\"Contents\"><h2 style=\"page-break-before:avoid\">Contents</h2><ol>\n",
    );
    for (id, title) in SECTIONS {
        let _ = writeln!(h, "<li><a href=\"#{id}\">{}</a></li>", escape(title));
    }
    h.push_str("</ol></nav>\n");
    executive_summary(&mut h, r);
    scope_and_method(&mut h, r);
    site_description(&mut h, r);
    threat_assessment(&mut h, r);
    risk_register(&mut h, r);
    quantitative(&mut h, r);
    protection(&mut h, r);
    surveillance(&mut h, r);
    audits(&mut h, r);
    recommendations(&mut h, r);
    appendix_assets(&mut h, r);
    appendix_devices(&mut h, r);
    let _ = write!(
        h,
        "<footer><p><small>{} — {} — as of {} — {}</small></p></footer>\n</body>\n</html>\n",
        escape(&r.document.reference),
        escape(&r.document.classification),
        escape(&r.as_of),
        escape(&r.document.generator)
    );
    h
}

fn section(h: &mut String, index: usize) {
    let (id, title) = SECTIONS[index];
    let _ = write!(h, "<section id=\"{id}\">\n<h2>{}</h2>\n", escape(title));
}

fn end(h: &mut String) {
    h.push_str("</section>\n");
}

fn site_heading(h: &mut String, s: &Site) {
    let _ = writeln!(h, "<h3>{}</h3>", escape(&s.name));
}

fn missing(h: &mut String, text: &str) {
    let _ = writeln!(h, "<p class=\"missing\">{}</p>", escape(text));
}

fn opt(s: Option<&String>) -> String {
    s.map_or_else(String::new, |v| escape(v))
}

fn level_html(l: Option<&Level>) -> String {
    match l {
        None => "<span class=\"muted\">—</span>".to_owned(),
        Some(l) => {
            let bg = safe_colour(&l.colour);
            format!(
                "<span class=\"lvl\" style=\"background:{bg};color:{}\">{}</span>{}",
                if dark(bg) { "#fff" } else { "#000" },
                escape(&l.name),
                l.score
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" {}", escape(s)))
            )
        }
    }
}

fn safe_colour(c: &str) -> &str {
    let hex = c.strip_prefix('#').unwrap_or("");
    if matches!(hex.len(), 3 | 6) && hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        c
    } else {
        "#cccccc"
    }
}

fn dark(c: &str) -> bool {
    let hex = c.trim_start_matches('#');
    if hex.len() != 6 {
        return false;
    }
    let v = |i: usize| {
        u8::from_str_radix(&hex[i..i + 2], 16)
            .map(f64::from)
            .unwrap_or(255.0)
    };
    0.299 * v(0) + 0.587 * v(2) + 0.114 * v(4) < 140.0
}

fn figure(h: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        h,
        "<figure>{svg}<figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

// ---------------------------------------------------------------- cover

fn cover(h: &mut String, r: &Report, scope: &str) {
    let org = &r.organisation;
    let d = &r.document;
    let _ = write!(
        h,
        "<header class=\"cover\">\n<p>{}</p>\n<h1>Security assessment report</h1>\n<p class=\"org\">{}</p>\n\
         <p>Scope: {}<br>As of {}</p>\n<h2 style=\"page-break-before:avoid\">Document control</h2>\n<table>\n\
         <tr><th>Reference</th><td>{}</td></tr>\n<tr><th>Version</th><td>{}</td></tr>\n\
         <tr><th>Date (as of)</th><td>{}</td></tr>\n<tr><th>Classification</th><td>{}</td></tr>\n\
         <tr><th>Prepared by</th><td>{}</td></tr>\n<tr><th>Produced by</th><td>{}</td></tr>\n\
         <tr><th>Data source</th><td>{}</td></tr>\n</table>\n\
         <p><small>Every figure in this report is computed from the stored data and Rampart's engines when the report is made; none is typed in.</small></p>\n</header>\n",
        escape(&d.classification),
        escape(&org.name),
        escape(scope),
        escape(&r.as_of),
        escape(&d.reference),
        escape(&d.version),
        escape(&r.as_of),
        escape(&d.classification),
        escape(&d.prepared_by),
        escape(&d.generator),
        escape(&d.source)
    );
}

// ---------------------------------------------------------------- 1

fn executive_summary(h: &mut String, r: &Report) {
    section(h, 0);
    let cur = &r.organisation.currency;
    let _ = writeln!(
        h,
        "<h3>Overall posture</h3>\n<p class=\"posture\">{}</p>",
        escape(&summary::posture_paragraph(r))
    );
    // One picture: the present risks of the scope on the main grid.
    if let Some(g) = r.grids.first() {
        let counts = summary::heat_counts(r, 0, &r.sites);
        let n: u32 = counts.iter().flatten().sum();
        if n > 0 {
            figure(
                h,
                &charts::heat_map(
                    g,
                    &counts,
                    &format!("{}: present risk, whole scope", g.title),
                ),
                &format!(
                    "Present risk (current, else inherent) of the {n} risks rated on the {}.",
                    g.title
                ),
            );
        }
    }
    h.push_str("<h3>Top risks</h3>\n");
    let top = summary::top_risks(r, 5);
    if top.is_empty() {
        missing(
            h,
            "No risk scenario in this scope has a qualitative rating yet: add risks to the register to see the top risks.",
        );
    } else {
        h.push_str("<table>\n<thead><tr><th>#</th><th>Risk</th><th>Site</th><th>Method</th><th>Present risk</th><th>Appetite</th></tr></thead>\n<tbody>\n");
        for (i, (s, risk)) in top.iter().enumerate() {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                escape(&risk.title),
                escape(&risk.id),
                escape(&s.name),
                escape(&risk.method),
                level_html(summary::present(risk)),
                appetite_html(risk)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<h3>Recommended investment</h3>\n");
    if r.recommendations.is_empty() {
        missing(
            h,
            "No control is proposed or planned in this scope, so no investment is recommended yet.",
        );
    } else {
        let (capex, opex) = summary::investment(r);
        let _ = writeln!(
            h,
            "<p>{} measures are recommended (section 10), for {} to put in place and {} a year to run. The first three:</p>\n<ol>",
            r.recommendations.len(),
            escape(&money(cur, capex)),
            escape(&money(cur, opex))
        );
        for rec in r.recommendations.iter().take(3) {
            let _ = writeln!(
                h,
                "<li>{} ({}): {}. {}</li>",
                escape(&rec.title),
                escape(&rec.site),
                escape(&cost_text(cur, rec.capex, rec.opex_annual)),
                escape(&rec.rationale)
            );
        }
        h.push_str("</ol>\n");
    }
    end(h);
}

fn cost_text(cur: &str, capex: f64, opex: f64) -> String {
    format!("{} capital, {} a year", money(cur, capex), money(cur, opex))
}

fn appetite_html(r: &Risk) -> String {
    match &r.out_of_appetite {
        Some(why) => format!(
            "<span class=\"out\">Outside</span> <small>{}</small>",
            escape(why)
        ),
        None => "Within".to_owned(),
    }
}

// ---------------------------------------------------------------- 2

fn scope_and_method(h: &mut String, r: &Report) {
    section(h, 1);
    let org = &r.organisation;
    h.push_str("<h3>Scope</h3>\n");
    let _ = writeln!(
        h,
        "<p>{}{}{}</p>",
        escape(&org.name),
        org.sector
            .as_ref()
            .map_or_else(String::new, |s| format!(" ({})", escape(s))),
        org.description
            .as_ref()
            .map_or_else(String::new, |d| format!(": {}", escape(d)))
    );
    match &r.scope {
        Scope::Organisation => {
            let _ = writeln!(
                h,
                "<p>This report covers the whole organisation: {} site{}.</p>",
                r.sites.len(),
                if r.sites.len() == 1 { "" } else { "s" }
            );
        }
        Scope::Site { id, name } => {
            let _ = writeln!(
                h,
                "<p>This report covers one site: {} ({}).</p>",
                escape(name),
                escape(id)
            );
        }
    }
    if !r.sites.is_empty() {
        h.push_str("<ul>\n");
        for s in &r.sites {
            let _ = writeln!(
                h,
                "<li>{} ({}): {} zones, {} assets, {} rated threats, {} risk scenarios, {} devices</li>",
                escape(&s.name),
                escape(&s.id),
                s.zones.len(),
                s.assets.len(),
                s.threats.len(),
                s.risks.len(),
                s.devices.len()
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<h3>Method</h3>\n");
    for p in &r.method.paragraphs {
        let _ = writeln!(h, "<p>{}</p>", escape(p));
    }
    if let Some(f) = &r.method.fair {
        let _ = writeln!(
            h,
            "<p>Open FAIR Monte Carlo: {} trials (simulated years), seed {}.</p>",
            amount(f.trials as f64),
            f.seed
        );
        for n in &f.notes {
            let _ = writeln!(h, "<p>{}</p>", escape(n));
        }
    }
    h.push_str("<h3>Scales</h3>\n");
    for sc in &r.method.scales {
        let _ = writeln!(
            h,
            "<h4>{}</h4>\n<table>\n<thead><tr><th>Level</th><th>Meaning</th></tr></thead>\n<tbody>",
            escape(&sc.name)
        );
        for l in &sc.levels {
            let lvl = Level {
                name: l.name.clone(),
                colour: l.colour.clone(),
                rank: 0,
                levels: 1,
                score: None,
                value: None,
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                level_html(Some(&lvl)),
                escape(&l.meaning)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<h3>Risk appetite</h3>\n");
    if org.appetite.is_empty() {
        missing(
            h,
            "The organisation has not stated a risk appetite: no risk is judged against one.",
        );
    } else {
        h.push_str("<ul>\n");
        for a in &org.appetite {
            let _ = writeln!(h, "<li>{}</li>", escape(a));
        }
        h.push_str("</ul>\n");
    }
    end(h);
}

fn no_sites(h: &mut String, r: &Report) -> bool {
    if r.sites.is_empty() {
        missing(
            h,
            "The organisation has no site yet: add sites to assess them.",
        );
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------- 3

fn site_description(h: &mut String, r: &Report) {
    section(h, 2);
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            let _ = writeln!(
                h,
                "<dl class=\"facts\"><dt>Kind</dt><dd>{}</dd><dt>Address</dt><dd>{}</dd><dt>Facility security level</dt><dd>{}</dd><dt>Operating hours</dt><dd>{}</dd></dl>",
                escape(&s.kind),
                s.address
                    .as_ref()
                    .map_or_else(|| "not recorded".to_owned(), |a| escape(a)),
                s.facility_security_level
                    .map_or_else(|| "not recorded".to_owned(), |l| l.to_string()),
                escape(&s.operating_hours)
            );
            if let Some(d) = &s.description {
                let _ = writeln!(h, "<p>{}</p>", escape(d));
            }
            if s.zones.is_empty() {
                missing(
                    h,
                    &format!(
                        "No zones are recorded for {} yet: add its perimeter, buildings and rooms to describe the layers of protection.",
                        s.name
                    ),
                );
            } else {
                h.push_str("<table>\n<thead><tr><th>Zone</th><th>Kind</th><th>Classification</th><th>Within</th></tr></thead>\n<tbody>\n");
                for z in &s.zones {
                    let _ = writeln!(
                        h,
                        "<tr><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&z.name),
                        escape(&z.id),
                        escape(&z.kind),
                        escape(&z.classification),
                        opt(z.parent.as_ref())
                    );
                }
                h.push_str("</tbody>\n</table>\n");
            }
        }
    }
    end(h);
}

// ---------------------------------------------------------------- 4

fn threat_assessment(h: &mut String, r: &Report) {
    section(h, 3);
    h.push_str("<p>Threat ratings are 1 (lowest) to 10 (highest) per site, from the threat assessment; the design-basis adversary is given where the threat has one.</p>\n");
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.threats.is_empty() {
                missing(
                    h,
                    &format!(
                        "No threat has been rated for {} yet: rate the catalogue's threats for this site to complete the threat assessment.",
                        s.name
                    ),
                );
                continue;
            }
            h.push_str("<table>\n<thead><tr><th>Threat</th><th>Category</th><th class=\"num\">Rating</th><th>Design-basis adversary</th><th>Rationale</th></tr></thead>\n<tbody>\n");
            for t in &s.threats {
                let _ = writeln!(
                    h,
                    "<tr><td>{} <small>({})</small></td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&t.name),
                    escape(&t.id),
                    escape(&t.category),
                    t.rating,
                    opt(t.adversary.as_ref()),
                    opt(t.rationale.as_ref())
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    end(h);
}

// ---------------------------------------------------------------- 5

fn risk_register(h: &mut String, r: &Report) {
    section(h, 4);
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.risks.is_empty() {
                missing(
                    h,
                    &format!(
                        "No risk scenario is recorded for {} yet: add risks (a threat against an asset, assessed by a method) to build its register.",
                        s.name
                    ),
                );
                continue;
            }
            let _ = writeln!(
                h,
                "<p>{} risk scenario{} at this site.</p>",
                s.risks.len(),
                if s.risks.len() == 1 { "" } else { "s" }
            );
            for (gi, g) in r.grids.iter().enumerate() {
                let counts = summary::heat_counts(r, gi, std::slice::from_ref(s));
                let n: u32 = counts.iter().flatten().sum();
                if n > 0 {
                    figure(
                        h,
                        &charts::heat_map(g, &counts, &format!("{}: {}", g.title, s.name)),
                        &format!(
                            "Heat map, {}: the {n} present risks of {} rated on it.",
                            g.title, s.name
                        ),
                    );
                }
            }
            h.push_str("<table>\n<thead><tr><th>Risk</th><th>Threat → asset</th><th>Method</th><th>Inherent</th><th>Current</th><th>Residual</th><th>Treatment</th><th>Owner</th><th>Appetite</th></tr></thead>\n<tbody>\n");
            for risk in &s.risks {
                let _ = writeln!(
                    h,
                    "<tr id=\"risk-{}\"><td>{} <small>({})</small></td><td>{} → {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&risk.id),
                    escape(&risk.title),
                    escape(&risk.id),
                    escape(&risk.threat),
                    escape(&risk.asset),
                    escape(&risk.method),
                    level_html(risk.inherent.as_ref()),
                    level_html(risk.current.as_ref()),
                    level_html(risk.residual.as_ref()),
                    escape(&risk.treatment),
                    opt(risk.owner.as_ref()),
                    appetite_html(risk)
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    end(h);
}

// ---------------------------------------------------------------- 6

fn quantitative(h: &mut String, r: &Report) {
    section(h, 5);
    let cur = &r.organisation.currency;
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if let Some(p) = &s.fair_problem {
                missing(
                    h,
                    &format!("The quantitative analysis of {} could not run: {p}", s.name),
                );
                continue;
            }
            let Some(f) = &s.fair else {
                missing(
                    h,
                    &format!(
                        "No risk scenario at {} is assessed with Open FAIR yet: give a scenario calibrated ranges (frequency and magnitude of loss) to see annual losses and a loss exceedance curve.",
                        s.name
                    ),
                );
                continue;
            };
            let _ = writeln!(
                h,
                "<table>\n<thead><tr><th>Scenario</th><th class=\"num\">Mean ALE</th><th class=\"num\">p10</th><th class=\"num\">Median</th><th class=\"num\">p90</th><th class=\"num\">p95</th><th class=\"num\">p99</th></tr></thead>\n<tbody>"
            );
            let row = |h: &mut String, name: &str, st: &crate::model::LossStats, tag: &str| {
                let _ = writeln!(
                    h,
                    "<tr><{tag}>{}</{tag}><{tag} class=\"num\">{}</{tag}><{tag} class=\"num\">{}</{tag}><{tag} class=\"num\">{}</{tag}><{tag} class=\"num\">{}</{tag}><{tag} class=\"num\">{}</{tag}><{tag} class=\"num\">{}</{tag}></tr>",
                    escape(name),
                    escape(&money(cur, st.mean)),
                    amount(st.p10),
                    amount(st.p50),
                    amount(st.p90),
                    amount(st.p95),
                    amount(st.p99)
                );
            };
            for sc in &f.scenarios {
                row(h, &format!("{} ({})", sc.title, sc.id), &sc.loss, "td");
            }
            h.push_str("</tbody>\n<tfoot>\n");
            row(h, "All scenarios of the site", &f.total, "td");
            h.push_str("</tfoot>\n</table>\n");
            let mut series: Vec<(&str, &[(f64, f64)])> = f
                .scenarios
                .iter()
                .map(|sc| (sc.id.as_str(), sc.loss.lec.as_slice()))
                .collect();
            if f.scenarios.len() > 1 {
                series.push(("all scenarios", f.total.lec.as_slice()));
            }
            figure(
                h,
                &charts::loss_exceedance(
                    &series,
                    cur,
                    &format!("Loss exceedance curve: {}", s.name),
                ),
                &format!(
                    "Loss exceedance curve, {}: the probability that a year's loss exceeds each amount.",
                    s.name
                ),
            );
            let mut rows: Vec<(&str, &crate::model::LossStats)> = f
                .scenarios
                .iter()
                .map(|sc| (sc.id.as_str(), &sc.loss))
                .collect();
            if f.scenarios.len() > 1 {
                rows.push(("all scenarios", &f.total));
            }
            figure(
                h,
                &charts::percentile_bars(
                    &rows,
                    cur,
                    &format!("Annual loss percentiles: {}", s.name),
                ),
                &format!("Annual loss percentiles, {}.", s.name),
            );
        }
    }
    end(h);
}

// ---------------------------------------------------------------- 7

fn protection(h: &mut String, r: &Report) {
    section(h, 6);
    h.push_str("<p>EASI (Estimate of Adversary Sequence Interruption): P_I is the probability that the response force is alerted in time to interrupt the adversary on the path; P_E = P_I × P_N, with P_N the probability that the response neutralises the adversary. The most vulnerable path is the path of least P_I from outside to the target, found exactly.</p>\n");
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.protection.is_empty() {
                missing(
                    h,
                    &format!(
                        "No facility model is recorded for {} yet: describe its areas, path elements (detection and delay) and response force to evaluate its protection system.",
                        s.name
                    ),
                );
                continue;
            }
            for p in &s.protection {
                protection_model(h, p);
            }
        }
    }
    end(h);
}

fn protection_model(h: &mut String, p: &Protection) {
    let _ = writeln!(
        h,
        "<h4>{} <small>({})</small></h4>\n<p>Response force: {}.</p>",
        escape(&p.name),
        escape(&p.id),
        escape(&p.response)
    );
    if let Some(problem) = &p.problem {
        missing(
            h,
            &format!("This facility model could not be analysed: {problem}"),
        );
        return;
    }
    h.push_str("<table>\n<thead><tr><th>Adversary</th><th class=\"num\">P_I</th><th class=\"num\">P_N</th><th class=\"num\">P_E</th><th class=\"num\">FEMA 452 vulnerability</th><th>Most vulnerable path</th></tr></thead>\n<tbody>\n");
    for a in &p.adversaries {
        match &a.path {
            Some(path) => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{:.4}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.4}</td><td class=\"num\">{}</td><td>{}{}</td></tr>",
                    escape(&a.adversary),
                    path.p_interruption,
                    a.p_neutralization,
                    path.p_effectiveness,
                    a.vulnerability_rating,
                    escape(
                        &path
                            .steps
                            .iter()
                            .map(|st| st.element.as_str())
                            .collect::<Vec<_>>()
                            .join(" › ")
                    ),
                    if a.exact {
                        ""
                    } else {
                        " (search limit reached: not proven minimal)"
                    }
                );
            }
            None => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td colspan=\"5\">No path reaches the target.</td></tr>",
                    escape(&a.adversary)
                );
            }
        }
    }
    h.push_str("</tbody>\n</table>\n");
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
        figure(
            h,
            &charts::adversary_sequence(
                path,
                &format!("Adversary sequence: {} ({})", p.name, a.adversary),
            ),
            &format!(
                "Adversary sequence of the most vulnerable path of the weakest case ({}): P_I {:.4}, P_E {:.4}, total mean delay {:.0} s. The critical detection point is drawn in red.",
                a.adversary, path.p_interruption, path.p_effectiveness, path.delay_s
            ),
        );
    }
    if let Some(u) = &p.upgrade {
        let _ = writeln!(
            h,
            "<p>Upgrades ({}): {} for {}; the minimum P_E over every adversary goes from {:.4} to {:.4}.</p>",
            escape(&u.goal),
            if u.upgrades.is_empty() {
                "none helps".to_owned()
            } else {
                escape(&u.upgrades.join(", "))
            },
            amount(u.cost),
            u.p_effectiveness_before,
            u.p_effectiveness_after
        );
    }
}

// ---------------------------------------------------------------- 8

fn surveillance(h: &mut String, r: &Report) {
    section(h, 7);
    h.push_str("<p>Each zone of a floor plan requires a camera level (IEC 62676-4 pixel density); walls and obstacles occlude. A zone meets its requirement when all of it is seen at that level or better.</p>\n");
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.surveillance.is_empty() {
                missing(
                    h,
                    &format!(
                        "No floor plan is recorded for {} yet: add a plan with its cameras and the level each zone requires to assess video coverage.",
                        s.name
                    ),
                );
                continue;
            }
            for c in &s.surveillance {
                coverage(h, c);
            }
        }
    }
    end(h);
}

fn coverage(h: &mut String, c: &Coverage) {
    let _ = writeln!(
        h,
        "<h4>{} <small>({})</small></h4>",
        escape(&c.name),
        escape(&c.id)
    );
    if let Some(problem) = &c.problem {
        missing(
            h,
            &format!("This floor plan could not be analysed: {problem}"),
        );
        return;
    }
    let _ = writeln!(
        h,
        "<p>Profile {}; floor {:.1} m²; {} camera{}.</p>",
        escape(&c.profile),
        c.floor_area_m2,
        c.cameras,
        if c.cameras == 1 { "" } else { "s" }
    );
    if c.zones.is_empty() {
        missing(
            h,
            "The plan sets no zone requirement, so no zone can be judged.",
        );
    } else {
        h.push_str("<table>\n<thead><tr><th>Zone</th><th>Required level</th><th class=\"num\">Covered</th><th class=\"num\">Short</th><th>Verdict</th></tr></thead>\n<tbody>\n");
        for z in &c.zones {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}%</td><td class=\"num\">{:.1} m²</td><td>{}</td></tr>",
                escape(&z.id),
                escape(&z.required),
                z.covered_fraction * 100.0,
                z.shortfall_m2,
                if z.met {
                    "<span class=\"met\">Met</span>"
                } else {
                    "<span class=\"unmet\">Not met</span>"
                }
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if let Some(svg) = &c.drawing_svg {
        let _ = writeln!(
            h,
            "<figure><img class=\"drawing\" alt=\"{}\" src=\"data:image/svg+xml;base64,{}\"><figcaption>{}</figcaption></figure>",
            escape(&format!("Coverage drawing of {}", c.name)),
            base64(svg.as_bytes()),
            escape(&format!(
                "Coverage of {}: the floor seen at each level, zones that miss their requirement hatched.",
                c.name
            ))
        );
    }
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------- 9

fn audits(h: &mut String, r: &Report) {
    section(h, 8);
    h.push_str("<p>Audits score each item of their framework compliant (1), partially compliant (0.5) or non-compliant (0); not applicable items are not scored. A section's score is the mean over its scored results. Findings are raised on failed items, their severity from the item's criticality.</p>\n");
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.audits.is_empty() {
                missing(
                    h,
                    &format!(
                        "No audit of {} is recorded yet: plan an audit against a framework to see its scores and findings.",
                        s.name
                    ),
                );
                continue;
            }
            for a in &s.audits {
                let _ = writeln!(
                    h,
                    "<h4>{} <small>({})</small></h4>",
                    escape(&a.title),
                    escape(&a.id)
                );
                audit_summary(h, a);
            }
        }
        acceptance(h, r);
    }
    end(h);
}

/// The acceptance tests of new systems, site by site: a table where a site
/// has any.
fn acceptance(h: &mut String, r: &Report) {
    if r.sites.iter().all(|s| s.acceptance.is_empty()) {
        return;
    }
    h.push_str("<h3>Acceptance of new systems</h3>\n<p>Systems newly installed or changed are accepted from the installer when every test of their acceptance plan has passed its latest run.</p>\n");
    h.push_str("<table>\n<thead><tr><th>Site</th><th>Plan</th><th>Status</th><th class=\"num\">Passed</th><th class=\"num\">Failed</th><th class=\"num\">To run</th><th>Signed off</th></tr></thead>\n<tbody>\n");
    for s in &r.sites {
        for a in &s.acceptance {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{} <small>({})</small></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&s.name),
                escape(&a.title),
                escape(&a.id),
                escape(&a.status),
                a.passed,
                a.failed,
                a.not_run,
                opt(a.signed_off.as_ref())
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "not scored".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn by_severity(a: &AuditResult) -> String {
    Severity::DESCENDING
        .iter()
        .map(|s| format!("{} {}", a.findings_of(*s), s.name().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn audit_summary(h: &mut String, a: &AuditResult) {
    let _ = writeln!(
        h,
        "<p>Framework {}; {}; planned {} to {}.</p>",
        escape(&a.framework),
        escape(&a.status),
        escape(&a.planned_start),
        escape(&a.planned_end)
    );
    if let Some(p) = &a.problem {
        missing(h, &format!("This audit could not be scored: {p}"));
        return;
    }
    let (settled, open, overdue) = a.remediation_status();
    let _ = writeln!(
        h,
        "<p>Overall score {} over {} in scope ({} compliant, {} partially compliant, {} non-compliant, {} not applicable, {} not yet assessed). {}: {}. Remediation: {} settled, {} open, {} overdue.</p>",
        percent(a.overall),
        plural(a.items_in_scope, "item", "items"),
        a.tally.compliant,
        a.tally.partially_compliant,
        a.tally.non_compliant,
        a.tally.not_applicable,
        a.tally.unassessed,
        plural(a.findings.len(), "finding", "findings"),
        by_severity(a),
        settled,
        open,
        overdue
    );
}

fn severity_html(s: Severity) -> String {
    let bg = s.colour();
    format!(
        "<span class=\"lvl\" style=\"background:{bg};color:{}\">{}</span>",
        if dark(bg) { "#fff" } else { "#000" },
        s.name()
    )
}

// ---------------------------------------------------------------- 10

fn recommendations(h: &mut String, r: &Report) {
    section(h, 9);
    let cur = &r.organisation.currency;
    if r.recommendations.is_empty() {
        missing(
            h,
            "No control is proposed or planned in this scope: record proposed controls (with their costs) against the risks they treat to see recommendations.",
        );
        end(h);
        return;
    }
    h.push_str("<p>Controls proposed or planned but not yet in place, most urgent first: by the highest present risk each treats, then by the reduction it is assessed to buy.</p>\n");
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th class=\"num\">#</th><th>Measure</th><th>Site</th><th>Status</th><th class=\"num\">Capital ({0})</th><th class=\"num\">Annual ({0})</th><th>Due</th><th>Why, and what it buys</th></tr></thead>\n<tbody>",
        escape(cur)
    );
    for (i, rec) in r.recommendations.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&rec.title),
            escape(&rec.reference),
            escape(&rec.site),
            escape(&rec.status),
            amount(rec.capex),
            amount(rec.opex_annual),
            opt(rec.due.as_ref()),
            escape(&rec.rationale)
        );
    }
    let (capex, opex) = summary::investment(r);
    let _ = writeln!(
        h,
        "</tbody>\n<tfoot><tr><td></td><td colspan=\"3\">Total</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td colspan=\"2\"></td></tr></tfoot>\n</table>",
        amount(capex),
        amount(opex)
    );
    for site in &r.sites {
        let Some(f) = &site.frontier else { continue };
        let _ = writeln!(
            h,
            "<h3>What the proposed controls buy: {}</h3>\n<p>{}</p>",
            escape(&site.name),
            escape(&frontier_text(f, cur))
        );
        figure(
            h,
            &charts::frontier(
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
        );
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th class=\"num\">Annual cost ({0})</th><th class=\"num\">Residual annual loss ({0})</th><th>Controls</th></tr></thead>\n<tbody>",
            escape(cur)
        );
        for p in &f.points {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                amount(p.annual_cost),
                amount(p.residual_ale),
                escape(&p.label)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    end(h);
}

/// One sentence on a site's frontier: what the cheapest and the fullest
/// sets leave, against today's annual loss.
pub(crate) fn frontier_text(f: &crate::model::Frontier, cur: &str) -> String {
    let last = f.points.last();
    match last {
        Some(p) if f.points.len() > 1 => format!(
            "With the controls in place the quantified risks are expected to cost {cur} {} a year; every proposed control together ({cur} {} a year) would leave {cur} {}. Each step of the frontier is the best set for its spend ({}).",
            amount(f.current_ale),
            amount(p.annual_cost),
            amount(p.residual_ale),
            f.method
        ),
        _ => format!(
            "With the controls in place the quantified risks are expected to cost {cur} {} a year; no proposed control lowers that within its cost ({}).",
            amount(f.current_ale),
            f.method
        ),
    }
}

// ---------------------------------------------------------------- appendices

fn appendix_assets(h: &mut String, r: &Report) {
    section(h, 10);
    let cur = &r.organisation.currency;
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.assets.is_empty() {
                missing(h, &format!("No asset is recorded for {} yet.", s.name));
                continue;
            }
            let _ = writeln!(
                h,
                "<table>\n<thead><tr><th>Asset</th><th>Kind</th><th class=\"num\">Value (1–10)</th><th>Zone</th><th>Owner</th><th class=\"num\">Replacement ({})</th></tr></thead>\n<tbody>",
                escape(cur)
            );
            for a in &s.assets {
                let _ = writeln!(
                    h,
                    "<tr><td>{} <small>({})</small></td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                    escape(&a.name),
                    escape(&a.id),
                    escape(&a.kind),
                    a.value,
                    opt(a.zone.as_ref()),
                    opt(a.owner.as_ref()),
                    a.replacement_cost.map_or_else(String::new, amount)
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    end(h);
}

fn appendix_devices(h: &mut String, r: &Report) {
    section(h, 11);
    if !no_sites(h, r) {
        for s in &r.sites {
            site_heading(h, s);
            if s.devices.is_empty() {
                missing(
                    h,
                    &format!("No security device is recorded for {} yet.", s.name),
                );
                continue;
            }
            let _ = writeln!(
                h,
                "<p>{} device{}.</p>\n<table>\n<thead><tr><th>Device</th><th>Kind</th><th>Make and model</th><th>Zone</th><th>Status</th><th>Installed</th></tr></thead>\n<tbody>",
                s.devices.len(),
                if s.devices.len() == 1 { "" } else { "s" }
            );
            for d in &s.devices {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&d.id),
                    escape(&d.kind),
                    escape(&d.make_model),
                    opt(d.zone.as_ref()),
                    escape(&d.status),
                    opt(d.install_date.as_ref())
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    end(h);
}

// ================================================================ briefing

/// The one-page executive briefing as a standalone HTML document.
pub fn briefing_html(r: &Report) -> String {
    let b = crate::briefing::Briefing::of(r);
    let org = &r.organisation;
    let scope = match &r.scope {
        Scope::Organisation => format!("{} (all sites)", org.name),
        Scope::Site { name, .. } => format!("{name}, {}", org.name),
    };
    let mut h = String::with_capacity(16 * 1024);
    head(&mut h, r, &format!("Executive security briefing: {scope}"));
    let _ = writeln!(
        h,
        "<header class=\"cover\"><p>{}</p><h1>Executive security briefing</h1><p class=\"org\">{}</p><p>As of {}</p></header>",
        escape(&r.document.classification),
        escape(&scope),
        escape(&r.as_of)
    );
    let _ = writeln!(
        h,
        "<h3>Overall posture</h3>\n<p class=\"posture\">{}</p>\n<h3>Top 5 risks</h3>",
        escape(&b.posture)
    );
    if b.top.is_empty() {
        missing(
            &mut h,
            "No risk scenario in this scope has a qualitative rating yet.",
        );
    } else {
        h.push_str("<table>\n<thead><tr><th class=\"num\">#</th><th>Risk</th><th>Site</th><th>Present risk</th><th>Appetite</th></tr></thead>\n<tbody>\n");
        for (i, t) in b.top.iter().enumerate() {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                escape(&t.title),
                escape(&t.id),
                escape(&t.site),
                level_html(t.level.as_ref()),
                if t.outside {
                    "<span class=\"out\">Outside</span>"
                } else {
                    "Within"
                }
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("<h3>Recommended investment</h3>\n");
    match &b.investment {
        None => missing(
            &mut h,
            "No control is proposed or planned in this scope, so no investment is recommended yet.",
        ),
        Some(inv) => {
            let _ = writeln!(h, "<p>{}</p>", escape(&inv.headline));
            h.push_str("<table>\n<thead><tr><th>Measure</th><th>Cost</th><th>What it buys</th></tr></thead>\n<tbody>\n");
            for (title, cost, buys) in &inv.first {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(title),
                    escape(cost),
                    escape(buys)
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    h.push_str("<h3>Audit status</h3>\n");
    if b.audits.is_empty() {
        missing(&mut h, "No audit is recorded in this scope yet.");
    } else {
        h.push_str("<table>\n<thead><tr><th>Audit</th><th>Status</th><th class=\"num\">Score</th><th>Findings (C/H/M/L)</th><th>Remediation</th></tr></thead>\n<tbody>\n");
        for a in &b.audits {
            let _ = writeln!(
                h,
                "<tr><td>{} <small>({})</small></td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.title),
                escape(&a.site),
                escape(&a.status),
                escape(&a.score),
                escape(&a.findings),
                escape(&a.remediation)
            );
        }
        h.push_str("</tbody>\n</table>\n");
        if let Some(more) = &b.more_audits {
            let _ = writeln!(h, "<p>{}</p>", escape(more));
        }
    }
    foot(&mut h, &r.document, &r.as_of);
    h
}

fn head(h: &mut String, r: &Report, title: &str) {
    head_of(h, &r.document.generator, title);
}

fn head_of(h: &mut String, generator: &str, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(generator),
        escape(title)
    );
}

fn foot(h: &mut String, d: &crate::model::DocumentControl, as_of: &str) {
    let _ = write!(
        h,
        "<footer><p><small>{} — {} — as of {} — {}</small></p></footer>\n</body>\n</html>\n",
        escape(&d.reference),
        escape(&d.classification),
        escape(as_of),
        escape(&d.generator)
    );
}

// ================================================================ audit report

/// The sections of the audit report, in order: (anchor, heading).
pub const AUDIT_SECTIONS: [(&str, &str); 4] = [
    ("scope", "1. Scope"),
    ("scores", "2. Scores by section"),
    ("findings", "3. Findings by severity"),
    ("remediation", "4. Remediation plan status"),
];

/// The audit report as a standalone HTML document.
pub fn audit_html(r: &AuditReport) -> String {
    let a = &r.audit;
    let mut h = String::with_capacity(32 * 1024);
    head_of(
        &mut h,
        &r.document.generator,
        &format!("Audit report: {}", a.title),
    );
    let _ = writeln!(
        h,
        "<header class=\"cover\"><p>{}</p><h1>Audit report</h1><p class=\"org\">{}</p><p>{} — {} — as of {}</p></header>",
        escape(&r.document.classification),
        escape(&a.title),
        escape(&r.organisation.name),
        escape(&r.site),
        escape(&r.as_of)
    );
    let sec = |h: &mut String, i: usize| {
        let (id, title) = AUDIT_SECTIONS[i];
        let _ = write!(h, "<section id=\"{id}\">\n<h2>{}</h2>\n", escape(title));
    };
    // 1. Scope
    sec(&mut h, 0);
    let _ = writeln!(
        h,
        "<table>\n<tr><th>Audit</th><td>{} ({})</td></tr>\n<tr><th>Site</th><td>{}</td></tr>\n<tr><th>Framework</th><td>{}</td></tr>\n<tr><th>Status</th><td>{}</td></tr>\n<tr><th>Planned</th><td>{} to {}</td></tr>\n<tr><th>Auditors</th><td>{}</td></tr>\n<tr><th>Items in scope</th><td>{}</td></tr>\n<tr><th>Reference</th><td>{}</td></tr>\n<tr><th>Produced by</th><td>{}</td></tr>\n</table>",
        escape(&a.title),
        escape(&a.id),
        escape(&r.site),
        escape(&a.framework),
        escape(&a.status),
        escape(&a.planned_start),
        escape(&a.planned_end),
        escape(&a.auditors.join(", ")),
        a.items_in_scope,
        escape(&r.document.reference),
        escape(&r.document.generator)
    );
    if !a.scope.is_empty() {
        h.push_str("<ul>\n");
        for l in &a.scope {
            let _ = writeln!(h, "<li>{}</li>", escape(l));
        }
        h.push_str("</ul>\n");
    }
    end(&mut h);
    // 2. Scores
    sec(&mut h, 1);
    if let Some(p) = &a.problem {
        missing(&mut h, &format!("This audit could not be scored: {p}"));
    } else {
        let _ = writeln!(
            h,
            "<p>Overall score: {} ({} compliant, {} partially compliant, {} non-compliant, {} not applicable, {} not yet assessed). Compliant counts 1, partially compliant 0.5, non-compliant 0; not applicable is not scored.</p>",
            percent(a.overall),
            a.tally.compliant,
            a.tally.partially_compliant,
            a.tally.non_compliant,
            a.tally.not_applicable,
            a.tally.unassessed
        );
        h.push_str("<table>\n<thead><tr><th>Section</th><th class=\"num\">Score</th><th class=\"num\">Compliant</th><th class=\"num\">Partial</th><th class=\"num\">Non-compliant</th><th class=\"num\">N/A</th><th class=\"num\">Not assessed</th></tr></thead>\n<tbody>\n");
        let row = |h: &mut String, name: String, score: Option<f64>, t: &crate::model::Tally| {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                name,
                percent(score),
                t.compliant,
                t.partially_compliant,
                t.non_compliant,
                t.not_applicable,
                t.unassessed
            );
        };
        for s in &a.sections {
            row(
                &mut h,
                format!("{} <small>({})</small>", escape(&s.title), escape(&s.id)),
                s.score,
                &s.tally,
            );
        }
        h.push_str("</tbody>\n<tfoot>\n");
        row(&mut h, "Overall".to_owned(), a.overall, &a.tally);
        h.push_str("</tfoot>\n</table>\n");
    }
    end(&mut h);
    // 3. Findings
    sec(&mut h, 2);
    let _ = writeln!(
        h,
        "<p>{}: {}.</p>",
        plural(a.findings.len(), "finding", "findings"),
        by_severity(a)
    );
    for sev in Severity::DESCENDING {
        let list: Vec<_> = a.findings.iter().filter(|f| f.severity == sev).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(h, "<h3>{} ({})</h3>", sev.name(), list.len());
        h.push_str("<table>\n<thead><tr><th>Finding</th><th>Severity</th><th>Item</th><th>Owner</th><th>Due</th><th>Risk</th></tr></thead>\n<tbody>\n");
        for f in list {
            let _ = writeln!(
                h,
                "<tr><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&f.title),
                escape(&f.id),
                severity_html(f.severity),
                opt(f.item.as_ref()),
                opt(f.owner.as_ref()),
                opt(f.due.as_ref()),
                opt(f.risk.as_ref())
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    end(&mut h);
    // 4. Remediation
    sec(&mut h, 3);
    if a.remediation.is_empty() {
        missing(
            &mut h,
            "The audit has no remediation plan yet: plan the remediation of its findings to track them.",
        );
    } else {
        let (settled, open, overdue) = a.remediation_status();
        let _ = writeln!(
            h,
            "<p>{}: {} settled (closed or risk-accepted), {} open, {} overdue.</p>",
            plural(a.remediation.len(), "item", "items"),
            settled,
            open,
            overdue
        );
        remediation_table(&mut h, &a.remediation);
    }
    end(&mut h);
    foot(&mut h, &r.document, &r.as_of);
    h
}

/// The items of a remediation plan as a table.
fn remediation_table(h: &mut String, items: &[crate::model::RemediationItem]) {
    h.push_str("<table>\n<thead><tr><th>Item</th><th>Finding</th><th>Severity</th><th>Status</th><th>Owner</th><th>Due</th><th class=\"num\">Milestones</th></tr></thead>\n<tbody>\n");
    for it in items {
        let _ = writeln!(
            h,
            "<tr><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td class=\"num\">{} / {}</td></tr>",
            escape(&it.title),
            escape(&it.id),
            escape(&it.finding),
            severity_html(it.severity),
            escape(&it.status),
            if it.overdue {
                " <span class=\"out\">overdue</span>"
            } else {
                ""
            },
            opt(it.owner.as_ref()),
            opt(it.due.as_ref()),
            it.milestones_done,
            it.milestones
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
pub(crate) fn base64_for_tests(data: &[u8]) -> String {
    base64(data)
}

// ================================================================ remediation status

/// The sections of the remediation plan status report: (anchor, heading).
pub const REMEDIATION_SECTIONS: [(&str, &str); 5] = [
    ("summary", "1. Summary"),
    ("overdue", "2. Overdue items"),
    ("owners", "3. Open items by owner"),
    ("acceptances", "4. Risk acceptances"),
    ("plans", "5. Plans of action and milestones"),
];

/// The remediation plan status report as a standalone HTML document.
pub fn remediation_html(r: &RemediationReport) -> String {
    let mut h = String::with_capacity(32 * 1024);
    head_of(
        &mut h,
        &r.document.generator,
        &format!("Remediation plan status: {}", r.organisation.name),
    );
    let _ = writeln!(
        h,
        "<header class=\"cover\"><p>{}</p><h1>Remediation plan status</h1><p class=\"org\">{}</p><p>{} — as of {}</p></header>",
        escape(&r.document.classification),
        escape(&r.organisation.name),
        escape(&r.scope),
        escape(&r.as_of)
    );
    let sec = |h: &mut String, i: usize| {
        let (id, title) = REMEDIATION_SECTIONS[i];
        let _ = write!(h, "<section id=\"{id}\">\n<h2>{}</h2>\n", escape(title));
    };
    // 1. Summary
    sec(&mut h, 0);
    for p in &r.problems {
        missing(&mut h, p);
    }
    if r.plans.is_empty() {
        missing(
            &mut h,
            "No audit in scope has a remediation plan yet: plan the remediation of an audit's findings to track it here.",
        );
    } else {
        let _ = writeln!(h, "<p>{}</p>", escape(&remediation_summary(r)));
        h.push_str("<table>\n<thead><tr><th>Severity</th><th class=\"num\">Items</th><th class=\"num\">Settled</th><th class=\"num\">Open</th><th class=\"num\">Overdue</th><th class=\"num\">Milestones done</th></tr></thead>\n<tbody>\n");
        let row = |h: &mut String, name: String, c: &StatusCount| {
            let _ = writeln!(
                h,
                "<tr><td>{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td></tr>",
                c.total, c.settled, c.open, c.overdue, c.milestones_done, c.milestones
            );
        };
        for (s, c) in r.by_severity() {
            row(&mut h, severity_html(s), &c);
        }
        h.push_str("</tbody>\n<tfoot>\n");
        row(&mut h, "All".to_owned(), &r.totals());
        h.push_str("</tfoot>\n</table>\n");
    }
    end(&mut h);
    // 2. Overdue
    sec(&mut h, 1);
    let overdue = r.overdue();
    if overdue.is_empty() {
        let _ = writeln!(h, "<p>No item is overdue on {}.</p>", escape(&r.as_of));
    } else {
        h.push_str("<table>\n<thead><tr><th>Item</th><th>Plan</th><th>Severity</th><th>Status</th><th>Owner</th><th>Due</th></tr></thead>\n<tbody>\n");
        for (p, it) in overdue {
            let _ = writeln!(
                h,
                "<tr><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&it.title),
                escape(&it.id),
                escape(&p.site),
                severity_html(it.severity),
                escape(&it.status),
                opt(it.owner.as_ref()),
                opt(it.due.as_ref())
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    end(&mut h);
    // 3. Owners
    sec(&mut h, 2);
    let owners = r.by_owner();
    if owners.is_empty() {
        let _ = writeln!(h, "<p>No item is open.</p>");
    } else {
        h.push_str("<table>\n<thead><tr><th>Owner</th><th class=\"num\">Open</th><th class=\"num\">Overdue</th><th>Next due</th></tr></thead>\n<tbody>\n");
        for o in owners {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&o.owner),
                o.open,
                o.overdue,
                opt(o.next_due.as_ref())
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    end(&mut h);
    // 4. Acceptances
    sec(&mut h, 3);
    if r.acceptances.is_empty() {
        let _ = writeln!(
            h,
            "<p>No risk has been accepted in the audits in scope.</p>"
        );
    } else {
        let _ = writeln!(
            h,
            "<p>{}, {} expired or expiring within {} days.</p>",
            plural(r.acceptances.len(), "acceptance", "acceptances"),
            r.acceptances_needing_attention(),
            AcceptanceStatus::WARN_DAYS
        );
        h.push_str("<table>\n<thead><tr><th>Acceptance</th><th>Audit</th><th>Finding</th><th>Approver</th><th>Approved</th><th>Expires</th><th>State</th></tr></thead>\n<tbody>\n");
        for a in &r.acceptances {
            let state = escape(&a.state());
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.id),
                escape(&a.audit),
                escape(&a.finding),
                escape(&a.approver),
                escape(&a.approved_on),
                escape(&a.expires),
                if a.days_left <= AcceptanceStatus::WARN_DAYS {
                    format!("<span class=\"out\">{state}</span>")
                } else {
                    state
                }
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    end(&mut h);
    // 5. Plans
    sec(&mut h, 4);
    if r.plans.is_empty() {
        missing(&mut h, "No plan to show.");
    }
    for p in &r.plans {
        let _ = writeln!(
            h,
            "<h3>{} <small>({})</small></h3>\n<p>Audit {} at {}.</p>",
            escape(&p.title),
            escape(&p.id),
            escape(&p.audit),
            escape(&p.site)
        );
        remediation_table(&mut h, &p.items);
    }
    end(&mut h);
    foot(&mut h, &r.document, &r.as_of);
    h
}

/// The summary paragraph of the remediation status report (shared with the PDF).
pub(crate) fn remediation_summary(r: &RemediationReport) -> String {
    let t = r.totals();
    let settled_share = if t.total == 0 {
        0.0
    } else {
        t.settled as f64 / t.total as f64 * 100.0
    };
    format!(
        "{} in {}: {} settled (closed or risk-accepted, {:.0}%), {} open, of which {} overdue; {} of {} milestones done. {} of {} risk acceptances expired or expiring within {} days.",
        plural(t.total, "item", "items"),
        plural(r.plans.len(), "plan", "plans"),
        t.settled,
        settled_share,
        t.open,
        t.overdue,
        t.milestones_done,
        t.milestones,
        r.acceptances_needing_attention(),
        r.acceptances.len(),
        AcceptanceStatus::WARN_DAYS
    )
}
