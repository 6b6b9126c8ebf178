//! Countermeasures under a budget for a site's stored register: the
//! applied controls not yet in place become the optimiser's candidates.
//! Shared by `rampart risk optimize --site` and the countermeasures page.

use rampart_domain::{AppliedControl, Assessment, Control, ControlStatus, RiskScenario};
use rampart_report::charts;
use rampart_report::model::FrontierPoint;
use rampart_risk::countermeasures::{OptimiseOptions, SearchMethod, Selection, optimise};
use rampart_server::analysis::{CandidateView, CountermeasureInput, PlanView, SelectionView};
use serde_json::json;

/// A scenario file (JSON) of a site's FAIR-assessed risks with, as proposed
/// controls, the applied controls not yet in place that treat them: each
/// multiplies the loss event frequency of the risks it treats by
/// (1 - effectiveness) and costs opex + capex / lifetime a year. `None` when
/// no risk is FAIR-assessed; with it, the applied controls left out and why.
pub fn fair_register_text(
    risks: &[RiskScenario],
    applied: &[AppliedControl],
    catalogue: &[Control],
) -> Option<(String, Vec<String>)> {
    let fair: Vec<&RiskScenario> = risks
        .iter()
        .filter(|r| matches!(r.assessment, Assessment::Fair { .. }))
        .collect();
    let scenarios = crate::fair_scenarios(fair.iter().copied());
    if scenarios.is_empty() {
        return None;
    }
    let mut controls = Vec::new();
    let mut skipped = Vec::new();
    for a in applied {
        if a.status.in_place() || a.status == ControlStatus::Retired {
            continue;
        }
        let treated: Vec<String> = fair
            .iter()
            .filter(|r| r.controls.contains(&a.id) || a.protects.contains(&r.asset))
            .map(|r| r.id.to_string())
            .collect();
        if treated.is_empty() {
            continue;
        }
        let Some(c) = catalogue.iter().find(|c| c.id == a.control) else {
            skipped.push(format!(
                "{}: catalogue control {} not found",
                a.id, a.control
            ));
            continue;
        };
        let Some(effectiveness) = a.effectiveness.or(c.effectiveness) else {
            skipped.push(format!(
                "{}: no effectiveness (neither the instance nor {} states one)",
                a.id, c.id
            ));
            continue;
        };
        let years = f64::from(c.lifetime_years.unwrap_or(1).max(1));
        let annual_cost =
            a.opex_annual.unwrap_or(c.opex_annual) + a.capex.unwrap_or(c.capex) / years;
        controls.push(json!({
            "id": a.id.to_string(),
            "annual_cost": annual_cost,
            "effects": [{
                "node": "lef",
                "multiply": (1.0 - effectiveness).clamp(0.0, 1.0),
                "scenarios": treated,
            }],
        }));
    }
    let text = json!({ "scenarios": scenarios, "controls": controls }).to_string();
    Some((text, skipped))
}

/// The optimiser's search, in words.
pub fn search_text(m: &SearchMethod) -> String {
    match m {
        SearchMethod::BranchAndBound {
            proven_optimal,
            nodes,
            bounded,
        } => format!(
            "exact branch and bound, {nodes} nodes{}{}",
            if *bounded {
                ""
            } else {
                ", no bound (a control sets a value)"
            },
            if *proven_optimal {
                ": proven optimal"
            } else {
                "; node limit reached: the best found, not proven optimal"
            }
        ),
        SearchMethod::Greedy { note } => format!("greedy approximation: {note}"),
    }
}

fn selection(s: &Selection) -> SelectionView {
    SelectionView {
        controls: s.controls.clone(),
        annual_cost: s.annual_cost,
        residual_ale: s.residual_ale,
        risk_reduction: s.risk_reduction,
        rosi: s.rosi,
    }
}

pub(crate) fn plan(input: &CountermeasureInput) -> Result<Option<PlanView>, String> {
    let Some((text, left_out)) = fair_register_text(&input.risks, &input.applied, &input.catalogue)
    else {
        return Ok(None);
    };
    let file = rampart_risk::parse(&text).map_err(|e| e.to_string())?;
    let p = &file.portfolio;
    let everything: f64 = p
        .proposed()
        .iter()
        .map(|&i| p.controls[i].annual_cost)
        .sum();
    let options = OptimiseOptions {
        budget: input.budget.unwrap_or(everything),
        trials: input.trials,
        seed: input.seed,
        ..OptimiseOptions::default()
    };
    let o = optimise(&file.portfolio, &options).map_err(|e| e.to_string())?;
    let label = |id: &str| {
        let name = input
            .applied
            .iter()
            .find(|a| a.id.as_str() == id)
            .and_then(|a| input.catalogue.iter().find(|c| c.id == a.control))
            .map(|c| c.name.clone());
        match name {
            Some(n) => format!("{n} ({id})"),
            None => id.to_owned(),
        }
    };
    let points: Vec<FrontierPoint> = o
        .frontier
        .iter()
        .map(|s| FrontierPoint {
            label: if s.controls.is_empty() {
                "Nothing more".to_owned()
            } else {
                s.controls.join(", ")
            },
            annual_cost: s.annual_cost,
            residual_ale: s.residual_ale,
        })
        .collect();
    let chosen = o
        .frontier
        .iter()
        .position(|s| s.controls == o.best.controls);
    let frontier_svg = charts::frontier(
        &points,
        chosen,
        o.budget,
        &input.currency,
        "Efficient frontier: the least residual annual loss for each annual spend",
    );
    Ok(Some(PlanView {
        budget: o.budget,
        trials: o.trials,
        seed: o.seed,
        inherent_ale: o.inherent_ale,
        current_ale: o.current_ale,
        candidates: o
            .controls
            .iter()
            .map(|c| CandidateView {
                id: c.id.clone(),
                label: label(&c.id),
                annual_cost: c.annual_cost,
                risk_reduction: c.risk_reduction,
                rosi: c.rosi,
            })
            .collect(),
        recommended: selection(&o.best),
        search: search_text(&o.method),
        proven_optimal: matches!(
            o.method,
            SearchMethod::BranchAndBound {
                proven_optimal: true,
                ..
            }
        ),
        frontier: o.frontier.iter().map(selection).collect(),
        frontier_svg,
        left_out,
    }))
}
