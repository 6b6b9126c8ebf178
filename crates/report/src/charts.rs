//! SVG charts shared by the HTML report and a PDF rendering: the risk heat
//! map, the loss exceedance curve, the annual-loss percentile bars and the
//! adversary sequence diagram. Each returns a complete `<svg>` element with
//! a `<title>`, every text escaped, coordinates with two decimals.

use std::fmt::Write as _;

pub use crate::model::FrontierPoint;
use crate::model::{AdversaryPath, Grid, LossStats};
use crate::{escape, short_amount};

/// Colours of the series of a loss exceedance curve.
const SERIES: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];
const FONT: &str = r#"font-family="Helvetica, Arial, sans-serif""#;

fn open(out: &mut String, w: f64, h: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" {FONT} font-size="12" role="img"><title>{}</title>"#,
        escape(title)
    );
}

/// Black or white text, whichever reads on `bg` (`#rrggbb`).
fn ink(bg: &str) -> &'static str {
    let hex = bg.trim_start_matches('#');
    let c = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .map_or(0.0, f64::from)
    };
    if hex.len() == 6 && 0.299 * c(0) + 0.587 * c(2) + 0.114 * c(4) < 140.0 {
        "#ffffff"
    } else {
        "#000000"
    }
}

/// A colour safe to put in an attribute: `#rrggbb` or `#rgb`, else grey.
fn colour(c: &str) -> &str {
    let hex = c.strip_prefix('#').unwrap_or("");
    if matches!(hex.len(), 3 | 6) && hex.chars().all(|ch| ch.is_ascii_hexdigit()) {
        c
    } else {
        "#cccccc"
    }
}

/// The heat map of a grid: likelihood rows (highest at the top) by impact
/// columns, each cell in its level's colour with the number of risks in it.
pub fn heat_map(grid: &Grid, counts: &[Vec<u32>], title: &str) -> String {
    let (nl, ni) = (grid.likelihood.len(), grid.impact.len());
    let (cell, left, top) = (64.0, 120.0, 10.0);
    let w = left + cell * ni as f64 + 10.0;
    let h = top + cell * nl as f64 + 60.0;
    let mut s = String::new();
    open(&mut s, w, h, title);
    for l in 0..nl {
        let y = top + cell * (nl - 1 - l) as f64;
        let _ = write!(
            s,
            r#"<text x="{:.2}" y="{:.2}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            left - 6.0,
            y + cell / 2.0,
            escape(&grid.likelihood[l])
        );
        for i in 0..ni {
            let x = left + cell * i as f64;
            let fill = grid
                .colours
                .get(l)
                .and_then(|r| r.get(i))
                .map_or("#cccccc", |c| colour(c));
            let n = counts.get(l).and_then(|r| r.get(i)).copied().unwrap_or(0);
            let _ = write!(
                s,
                r##"<g><title>{} likelihood, {} impact: {n}</title><rect x="{x:.2}" y="{y:.2}" width="{cell:.2}" height="{cell:.2}" fill="{fill}" stroke="#ffffff" stroke-width="2"/><text x="{:.2}" y="{:.2}" text-anchor="middle" dominant-baseline="middle" font-size="{}" font-weight="bold" fill="{}" data-count="{n}">{}</text></g>"##,
                escape(&grid.likelihood[l]),
                escape(&grid.impact[i]),
                x + cell / 2.0,
                y + cell / 2.0,
                if n > 0 { 20 } else { 12 },
                ink(fill),
                if n > 0 {
                    n.to_string()
                } else {
                    "·".to_owned()
                }
            );
        }
    }
    for i in 0..ni {
        let x = left + cell * i as f64 + cell / 2.0;
        let y = top + cell * nl as f64 + 8.0;
        let _ = write!(
            s,
            r#"<text x="{x:.2}" y="{y:.2}" text-anchor="middle" dominant-baseline="hanging" font-size="10">{}</text>"#,
            escape(&grid.impact[i])
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="middle">Impact →</text><text x="12" y="{:.2}" transform="rotate(-90 12 {:.2})" text-anchor="middle">Likelihood →</text></svg>"#,
        left + cell * ni as f64 / 2.0,
        h - 10.0,
        top + cell * nl as f64 / 2.0,
        top + cell * nl as f64 / 2.0,
    );
    s
}

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten.
fn nice_ceiling(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= x * (1.0 - 1e-12) {
            return m * p;
        }
    }
    10.0 * p
}

/// Loss exceedance curves: P(annual loss > x) against x, one line per series.
pub fn loss_exceedance(series: &[(&str, &[(f64, f64)])], currency: &str, title: &str) -> String {
    let (w, h) = (640.0, 340.0);
    let (left, right, top, bottom) = (64.0, 170.0, 16.0, 46.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    // The axis ends where the curves have fallen to 1 in 200 years, so
    // that the far tail does not squeeze the body of the curve.
    let max_x = nice_ceiling(
        series
            .iter()
            .map(|(_, pts)| {
                pts.iter()
                    .filter(|p| p.0.is_finite())
                    .find(|p| p.1 <= 0.005)
                    .or_else(|| pts.iter().rfind(|p| p.0.is_finite()))
                    .map_or(0.0, |p| p.0)
            })
            .fold(0.0, f64::max),
    );
    let x_of = |x: f64| left + pw * (x / max_x).clamp(0.0, 1.0);
    let y_of = |p: f64| top + ph * (1.0 - p.clamp(0.0, 1.0));
    let mut s = String::new();
    open(&mut s, w, h, title);
    let _ = write!(
        s,
        r##"<rect x="{left:.2}" y="{top:.2}" width="{pw:.2}" height="{ph:.2}" fill="#fafafa" stroke="#999999"/>"##
    );
    for k in 0..=5 {
        let f = f64::from(k) / 5.0;
        let (gx, gy) = (left + pw * f, y_of(f));
        let _ = write!(
            s,
            r##"<line x1="{gx:.2}" y1="{top:.2}" x2="{gx:.2}" y2="{:.2}" stroke="#e0e0e0"/><text x="{gx:.2}" y="{:.2}" text-anchor="middle" font-size="10">{}</text><line x1="{left:.2}" y1="{gy:.2}" x2="{:.2}" y2="{gy:.2}" stroke="#e0e0e0"/><text x="{:.2}" y="{gy:.2}" text-anchor="end" dominant-baseline="middle" font-size="10">{:.0}%</text>"##,
            top + ph,
            top + ph + 14.0,
            escape(&short_amount(max_x * f)),
            left + pw,
            left - 6.0,
            f * 100.0
        );
    }
    for (k, (name, pts)) in series.iter().enumerate() {
        let c = SERIES[k % SERIES.len()];
        let mut d = String::new();
        for (i, (x, p)) in pts
            .iter()
            .filter(|(x, p)| x.is_finite() && p.is_finite() && *x <= max_x)
            .enumerate()
        {
            let _ = write!(
                d,
                "{}{:.2},{:.2}",
                if i == 0 { "M" } else { "L" },
                x_of(*x),
                y_of(*p)
            );
        }
        if !d.is_empty() {
            let _ = write!(
                s,
                r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="2"><title>{}</title></path>"#,
                escape(name)
            );
        }
        let ly = top + 8.0 + 18.0 * k as f64;
        let _ = write!(
            s,
            r#"<line x1="{:.2}" y1="{ly:.2}" x2="{:.2}" y2="{ly:.2}" stroke="{c}" stroke-width="3"/><text x="{:.2}" y="{ly:.2}" dominant-baseline="middle" font-size="10">{}</text>"#,
            left + pw + 10.0,
            left + pw + 28.0,
            left + pw + 32.0,
            escape(&clip(name, 22))
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="middle">Annual loss ({})</text><text x="14" y="{:.2}" transform="rotate(-90 14 {:.2})" text-anchor="middle">Probability of exceeding</text></svg>"#,
        left + pw / 2.0,
        h - 8.0,
        escape(currency),
        top + ph / 2.0,
        top + ph / 2.0
    );
    s
}

/// The efficient frontier: residual annual loss against annual spend, as a
/// staircase (spending more buys nothing until the next point), each point
/// a set of controls; `chosen` (an index into `points`) is ringed, and the
/// budget is a dashed vertical line.
pub fn frontier(
    points: &[FrontierPoint],
    chosen: Option<usize>,
    budget: f64,
    currency: &str,
    title: &str,
) -> String {
    let (w, h) = (640.0, 320.0);
    let (left, right, top, bottom) = (64.0, 20.0, 16.0, 46.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let finite = |x: &f64| x.is_finite();
    let max_x = nice_ceiling(
        points
            .iter()
            .map(|p| p.annual_cost)
            .chain([budget])
            .filter(finite)
            .fold(0.0, f64::max),
    );
    let max_y = nice_ceiling(
        points
            .iter()
            .map(|p| p.residual_ale)
            .filter(finite)
            .fold(0.0, f64::max),
    );
    let x_of = |x: f64| left + pw * (x / max_x).clamp(0.0, 1.0);
    let y_of = |y: f64| top + ph * (1.0 - (y / max_y).clamp(0.0, 1.0));
    let mut s = String::new();
    open(&mut s, w, h, title);
    let _ = write!(
        s,
        r##"<rect x="{left:.2}" y="{top:.2}" width="{pw:.2}" height="{ph:.2}" fill="#fafafa" stroke="#999999"/>"##
    );
    for k in 0..=5 {
        let f = f64::from(k) / 5.0;
        let (gx, gy) = (left + pw * f, top + ph * (1.0 - f));
        let _ = write!(
            s,
            r##"<line x1="{gx:.2}" y1="{top:.2}" x2="{gx:.2}" y2="{:.2}" stroke="#e0e0e0"/><text x="{gx:.2}" y="{:.2}" text-anchor="middle" font-size="10">{}</text><line x1="{left:.2}" y1="{gy:.2}" x2="{:.2}" y2="{gy:.2}" stroke="#e0e0e0"/><text x="{:.2}" y="{gy:.2}" text-anchor="end" dominant-baseline="middle" font-size="10">{}</text>"##,
            top + ph,
            top + ph + 14.0,
            escape(&short_amount(max_x * f)),
            left + pw,
            left - 6.0,
            escape(&short_amount(max_y * f)),
        );
    }
    let pts: Vec<&FrontierPoint> = points
        .iter()
        .filter(|p| p.annual_cost.is_finite() && p.residual_ale.is_finite())
        .collect();
    let mut d = String::new();
    for (i, p) in pts.iter().enumerate() {
        let (x, y) = (x_of(p.annual_cost), y_of(p.residual_ale));
        if i == 0 {
            let _ = write!(d, "M{x:.2},{y:.2}");
        } else {
            let _ = write!(d, "H{x:.2}V{y:.2}");
        }
    }
    if let Some(last) = pts.last() {
        let _ = write!(d, "H{:.2}", x_of(max_x.max(last.annual_cost)));
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#1f77b4" stroke-width="2"/>"##
        );
    }
    if budget.is_finite() && budget > 0.0 {
        let bx = x_of(budget);
        let _ = write!(
            s,
            r##"<line x1="{bx:.2}" y1="{top:.2}" x2="{bx:.2}" y2="{:.2}" stroke="#d62728" stroke-dasharray="5 4"><title>budget {}</title></line><text x="{:.2}" y="{:.2}" font-size="10" fill="#d62728">budget</text>"##,
            top + ph,
            escape(&short_amount(budget)),
            bx + 4.0,
            top + 12.0,
        );
    }
    for (i, p) in points.iter().enumerate() {
        if !(p.annual_cost.is_finite() && p.residual_ale.is_finite()) {
            continue;
        }
        let (x, y) = (x_of(p.annual_cost), y_of(p.residual_ale));
        let ring = if chosen == Some(i) {
            format!(
                r##"<circle cx="{x:.2}" cy="{y:.2}" r="8" fill="none" stroke="#d62728" stroke-width="2"/>"##
            )
        } else {
            String::new()
        };
        let _ = write!(
            s,
            r##"<g><title>{}: {} a year, residual {}</title><circle cx="{x:.2}" cy="{y:.2}" r="4" fill="#1f77b4"/>{ring}</g>"##,
            escape(&p.label),
            escape(&short_amount(p.annual_cost)),
            escape(&short_amount(p.residual_ale)),
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="middle">Annual cost of the controls ({})</text><text x="14" y="{:.2}" transform="rotate(-90 14 {:.2})" text-anchor="middle">Residual annual loss</text></svg>"#,
        left + pw / 2.0,
        h - 8.0,
        escape(currency),
        top + ph / 2.0,
        top + ph / 2.0
    );
    s
}

/// The first `n` characters of a label, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Annual-loss percentiles, one bar per row: the 10th to 90th percentile as
/// a bar, the median as a bold tick, the mean as a dot and a whisker to the
/// 99th percentile.
pub fn percentile_bars(rows: &[(&str, &LossStats)], currency: &str, title: &str) -> String {
    let row_h = 30.0;
    let (left, right, top) = (190.0, 20.0, 10.0);
    let w = 640.0;
    let pw = w - left - right;
    let h = top + row_h * rows.len().max(1) as f64 + 44.0;
    let max_x = nice_ceiling(
        rows.iter()
            .map(|(_, s)| s.p99)
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max),
    );
    let x_of = |x: f64| left + pw * (x / max_x).clamp(0.0, 1.0);
    let mut s = String::new();
    open(&mut s, w, h, title);
    let base = top + row_h * rows.len().max(1) as f64;
    for k in 0..=5 {
        let f = f64::from(k) / 5.0;
        let gx = left + pw * f;
        let _ = write!(
            s,
            r##"<line x1="{gx:.2}" y1="{top:.2}" x2="{gx:.2}" y2="{base:.2}" stroke="#e0e0e0"/><text x="{gx:.2}" y="{:.2}" text-anchor="middle" font-size="10">{}</text>"##,
            base + 14.0,
            escape(&short_amount(max_x * f))
        );
    }
    for (k, (name, st)) in rows.iter().enumerate() {
        let y = top + row_h * k as f64 + row_h / 2.0;
        let (x10, x50, x90, x99, xm) = (
            x_of(st.p10),
            x_of(st.p50),
            x_of(st.p90),
            x_of(st.p99),
            x_of(st.mean),
        );
        let _ = write!(
            s,
            r##"<g><title>{}: p10 {}, median {}, mean {}, p90 {}, p99 {}</title><text x="{:.2}" y="{y:.2}" text-anchor="end" dominant-baseline="middle" font-size="11">{}</text><line x1="{x90:.2}" y1="{y:.2}" x2="{x99:.2}" y2="{y:.2}" stroke="#555555"/><line x1="{x99:.2}" y1="{:.2}" x2="{x99:.2}" y2="{:.2}" stroke="#555555"/><rect x="{x10:.2}" y="{:.2}" width="{:.2}" height="14" fill="#9ecae1" stroke="#3182bd"/><line x1="{x50:.2}" y1="{:.2}" x2="{x50:.2}" y2="{:.2}" stroke="#08306b" stroke-width="3"/><circle cx="{xm:.2}" cy="{y:.2}" r="4" fill="#d62728"/></g>"##,
            escape(name),
            short_amount(st.p10),
            short_amount(st.p50),
            short_amount(st.mean),
            short_amount(st.p90),
            short_amount(st.p99),
            left - 8.0,
            escape(&clip(name, 28)),
            y - 5.0,
            y + 5.0,
            y - 7.0,
            (x90 - x10).max(1.0),
            y - 9.0,
            y + 9.0,
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.2}" y="{:.2}" text-anchor="middle" font-size="11">Annual loss ({}): bar p10–p90, tick median, dot mean, whisker to p99</text></svg>"##,
        left + pw / 2.0,
        h - 8.0,
        escape(currency)
    );
    s
}

/// The adversary sequence: the areas passed from top to bottom, each
/// crossing labelled with its element, detection and delay; the critical
/// detection point is drawn in red.
pub fn adversary_sequence(path: &AdversaryPath, title: &str) -> String {
    let step_h = 58.0;
    let (w, box_w, box_h, top) = (620.0, 190.0, 26.0, 10.0);
    let n = path.steps.len();
    let h = top + step_h * n as f64 + box_h + 20.0;
    let bx = 20.0;
    let cx = bx + box_w / 2.0;
    let mut s = String::new();
    open(&mut s, w, h, title);
    let area = |s: &mut String, y: f64, name: &str, target: bool| {
        let _ = write!(
            s,
            r##"<rect x="{bx:.2}" y="{y:.2}" width="{box_w:.2}" height="{box_h:.2}" rx="4" fill="{}" stroke="#333333"/><text x="{cx:.2}" y="{:.2}" text-anchor="middle" dominant-baseline="middle">{}</text>"##,
            if target { "#fde0dd" } else { "#f0f0f0" },
            y + box_h / 2.0,
            escape(&clip(name, 28))
        );
    };
    for (k, st) in path.steps.iter().enumerate() {
        let y = top + step_h * k as f64;
        area(&mut s, y, &st.from, false);
        let (y1, y2) = (y + box_h, y + step_h);
        let stroke = if st.critical { "#d62728" } else { "#333333" };
        let _ = write!(
            s,
            r#"<line x1="{cx:.2}" y1="{y1:.2}" x2="{cx:.2}" y2="{:.2}" stroke="{stroke}" stroke-width="{}"/><path d="M{:.2},{:.2}L{:.2},{:.2}L{cx:.2},{y2:.2}Z" fill="{stroke}"/><text x="{:.2}" y="{:.2}" dominant-baseline="middle" fill="{stroke}"{}>{}. {} — P_D {:.2}, delay {:.0} s{}</text>"#,
            y2 - 8.0,
            if st.critical { 3.0 } else { 1.5 },
            cx - 5.0,
            y2 - 8.0,
            cx + 5.0,
            y2 - 8.0,
            cx + 14.0,
            (y1 + y2) / 2.0,
            if st.critical {
                r#" font-weight="bold""#
            } else {
                ""
            },
            k + 1,
            escape(&clip(&st.element, 30)),
            st.p_detect,
            st.delay_s,
            if st.critical {
                " (critical detection point)"
            } else {
                ""
            }
        );
    }
    if let Some(last) = path.steps.last() {
        area(&mut s, top + step_h * n as f64, &last.to, true);
    }
    s.push_str("</svg>");
    s
}
