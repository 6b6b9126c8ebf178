//! What the report derives from its model: heat-map counts, the top risks,
//! the overall posture and the recommended investment. Pure functions of the
//! model, so a reader (or a test) can recompute every figure.

use crate::model::{AdversaryResult, Level, Report, Risk, Site};
use crate::{amount, money};

/// The present risk: current where assessed, else inherent.
pub fn present(r: &Risk) -> Option<&Level> {
    r.current.as_ref().or(r.inherent.as_ref())
}

/// The number of risks of `sites` in each cell of grid `grid`: `counts[l][i]`.
pub fn heat_counts<'a>(
    report: &Report,
    grid: usize,
    sites: impl IntoIterator<Item = &'a Site>,
) -> Vec<Vec<u32>> {
    let Some(g) = report.grids.get(grid) else {
        return Vec::new();
    };
    let mut counts = vec![vec![0u32; g.impact.len()]; g.likelihood.len()];
    for site in sites {
        for r in &site.risks {
            if let Some(p) = r.position
                && p.grid == grid
                && let Some(cell) = counts
                    .get_mut(p.likelihood)
                    .and_then(|row| row.get_mut(p.impact))
            {
                *cell += 1;
            }
        }
    }
    counts
}

/// The `n` highest present risks with their site: by severity on their
/// method's scale, then score, then site and risk id.
pub fn top_risks(report: &Report, n: usize) -> Vec<(&Site, &Risk)> {
    let mut all: Vec<(&Site, &Risk, &Level)> = report
        .sites
        .iter()
        .flat_map(|s| {
            s.risks
                .iter()
                .filter_map(move |r| present(r).map(|l| (s, r, l)))
        })
        .collect();
    all.sort_by(|a, b| {
        b.2.severity()
            .total_cmp(&a.2.severity())
            .then(
                b.1.out_of_appetite
                    .is_some()
                    .cmp(&a.1.out_of_appetite.is_some()),
            )
            .then(
                b.2.value
                    .unwrap_or(0.0)
                    .total_cmp(&a.2.value.unwrap_or(0.0)),
            )
            .then_with(|| a.0.id.cmp(&b.0.id))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    all.into_iter().take(n).map(|(s, r, _)| (s, r)).collect()
}

/// Severity bands across methods: a level in the top third of its scale is
/// high, in the bottom third low.
pub fn band(l: &Level) -> usize {
    let s = l.severity();
    if s > 2.0 / 3.0 - 1e-9 {
        2
    } else if s > 1.0 / 3.0 - 1e-9 {
        1
    } else {
        0
    }
}

/// Present risks per band (low, medium, high) over the report's sites.
pub fn band_counts(report: &Report) -> [usize; 3] {
    let mut c = [0; 3];
    for r in report.sites.iter().flat_map(|s| &s.risks) {
        if let Some(l) = present(r) {
            c[band(l)] += 1;
        }
    }
    c
}

/// The sum of the sites' mean annual losses (quantified scenarios).
pub fn total_ale(report: &Report) -> Option<f64> {
    let v: Vec<f64> = report
        .sites
        .iter()
        .filter_map(|s| s.fair.as_ref().map(|f| f.total.mean))
        .collect();
    (!v.is_empty()).then(|| v.iter().sum())
}

/// The weakest protection result: the adversary path of lowest P_E, with its site and model.
pub fn weakest_path(report: &Report) -> Option<(&Site, &str, &AdversaryResult)> {
    let mut best: Option<(&Site, &str, &AdversaryResult, f64)> = None;
    for s in &report.sites {
        for p in &s.protection {
            for a in &p.adversaries {
                if let Some(path) = &a.path
                    && best.as_ref().is_none_or(|b| path.p_effectiveness < b.3)
                {
                    best = Some((s, p.name.as_str(), a, path.p_effectiveness));
                }
            }
        }
    }
    best.map(|(s, n, a, _)| (s, n, a))
}

/// (zones that miss their required camera level, zones with a requirement).
pub fn zones_short(report: &Report) -> (usize, usize) {
    let zones: Vec<bool> = report
        .sites
        .iter()
        .flat_map(|s| &s.surveillance)
        .flat_map(|c| &c.zones)
        .map(|z| z.met)
        .collect();
    (zones.iter().filter(|m| !**m).count(), zones.len())
}

/// (capital cost, annual cost) of every recommendation.
pub fn investment(report: &Report) -> (f64, f64) {
    report
        .recommendations
        .iter()
        .fold((0.0, 0.0), |(c, o), r| (c + r.capex, o + r.opex_annual))
}

/// The overall posture in one word, by a stated rule: **weak** when a
/// quarter or more of the present risks are high, or the weakest adversary
/// path has P_E below 0.5; **fair** when any risk is outside the appetite,
/// the quantified loss exceeds it, or a camera zone misses its level;
/// **good** otherwise. `None` when nothing has been assessed.
pub fn posture(report: &Report) -> Option<&'static str> {
    let bands = band_counts(report);
    let total: usize = bands.iter().sum();
    let weakest =
        weakest_path(report).and_then(|(_, _, a)| a.path.as_ref().map(|p| p.p_effectiveness));
    let ale = total_ale(report);
    if total == 0 && weakest.is_none() && ale.is_none() && zones_short(report).1 == 0 {
        return None;
    }
    let out = report
        .sites
        .iter()
        .flat_map(|s| &s.risks)
        .filter(|r| r.out_of_appetite.is_some())
        .count();
    let over_loss =
        matches!((ale, report.organisation.max_annual_loss), (Some(a), Some(m)) if a > m);
    if (total > 0 && bands[2] * 4 >= total) || weakest.is_some_and(|p| p < 0.5) {
        Some("weak")
    } else if out > 0 || over_loss || zones_short(report).0 > 0 {
        Some("fair")
    } else {
        Some("good")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The overall posture in one paragraph, every figure from the model.
pub fn posture_paragraph(report: &Report) -> String {
    let cur = &report.organisation.currency;
    let Some(word) = posture(report) else {
        return "Nothing has been assessed in this scope yet: there are no rated risks, \
                quantified scenarios, facility models or floor plans, so no posture can be given."
            .to_owned();
    };
    let risks: usize = report.sites.iter().map(|s| s.risks.len()).sum();
    let bands = band_counts(report);
    let out = report
        .sites
        .iter()
        .flat_map(|s| &s.risks)
        .filter(|r| r.out_of_appetite.is_some())
        .count();
    let mut p = format!(
        "The overall security posture is {word}. Across {} the register holds {}; \
         with the controls in place, {} high, {} medium and {} low on their method's scale, \
         and {} outside the organisation's risk appetite.",
        plural(report.sites.len(), "site", "sites"),
        plural(risks, "risk scenario", "risk scenarios"),
        bands[2],
        bands[1],
        bands[0],
        plural(out, "risk is", "risks are"),
    );
    if let Some(ale) = total_ale(report) {
        p.push_str(&format!(
            " The quantified scenarios carry a mean annual loss of {}",
            money(cur, ale)
        ));
        match report.organisation.max_annual_loss {
            Some(m) if ale > m => {
                p.push_str(&format!(", above the appetite of {}.", money(cur, m)))
            }
            Some(m) => p.push_str(&format!(", within the appetite of {}.", money(cur, m))),
            None => p.push('.'),
        }
    }
    if let Some((site, model, a)) = weakest_path(report)
        && let Some(path) = &a.path
    {
        p.push_str(&format!(
            " The weakest adversary path ({} against {} at {}) is interrupted with probability {:.2} \
             and neutralised with probability {:.2} (P_E).",
            a.adversary, model, site.name, path.p_interruption, path.p_effectiveness
        ));
    }
    let (short, zones) = zones_short(report);
    if zones > 0 {
        p.push_str(&format!(
            " {} of {} with a camera requirement {} it.",
            short,
            plural(zones, "zone", "zones"),
            if short == 1 { "misses" } else { "miss" }
        ));
    }
    let (capex, opex) = investment(report);
    if !report.recommendations.is_empty() {
        p.push_str(&format!(
            " The {} recommended cost {} to put in place and {} a year to run.",
            plural(report.recommendations.len(), "measure", "measures"),
            money(cur, capex),
            money(cur, opex)
        ));
    }
    p
}

/// `12 of 30` style ratio used in the text.
pub fn of(n: usize, total: usize) -> String {
    format!("{} of {}", amount(n as f64), amount(total as f64))
}
