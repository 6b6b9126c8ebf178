//! A site's countermeasures under a budget: the applied controls not yet in
//! place are the candidates for the site's FAIR-assessed risks; the page
//! shows what each would buy alone, the best set for the budget and the
//! efficient frontier (residual annual loss against annual spend). The
//! figures come from the risk engine through [`crate::analysis::Analysis`].

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use rampart_domain::{AppliedControl, Control, EntityKind, RiskScenario, Site};

use super::pages::{Figure, input_key, load, load_one, organisation};
use super::{Cell, Layout, PAGE_TRIALS, PageResult, PageUser, Table, html, money};
use crate::access::Action;
use crate::analysis::{CountermeasureInput, PlanView};
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/sites/{id}/countermeasures", get(countermeasures))
}

#[derive(Template)]
#[template(path = "countermeasures.html")]
struct CountermeasuresPage {
    layout: Layout,
    site_id: String,
    site_name: String,
    /// The budget as typed (or as used when none was typed).
    budget: String,
    budget_error: Option<String>,
    /// One-line figures: (label, value).
    facts: Vec<(&'static str, String)>,
    recommended: Option<String>,
    candidates: Table,
    frontier: Table,
    figure: Option<Figure>,
    left_out: Vec<String>,
    /// Why there is nothing to show, when there is not.
    note: String,
}

/// The budget field: empty for "every candidate", else a non-negative amount.
fn parse_budget(raw: &str) -> Result<Option<f64>, String> {
    let t = raw.trim().replace([',', '_', ' '], "");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(b) if b.is_finite() && (0.0..=1e15).contains(&b) => Ok(Some(b)),
        Ok(_) => Err("an amount from 0 to 1,000,000,000,000,000".to_owned()),
        Err(_) => Err(format!("a number (an annual amount), got {:?}", raw.trim())),
    }
}

async fn countermeasures(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult {
    resource::require(&p, EntityKind::Risk, Action::Read)?;
    resource::require(&p, EntityKind::AppliedControl, Action::Read)?;
    let org = organisation(&state, &p).await?;
    let site = load_one::<Site>(&state, &p, &id).await?;
    let here = Some(vec![site.value.id.clone()]);
    let (risks, applied, catalogue) = tokio::try_join!(
        load::<RiskScenario>(&state, &p, here.clone()),
        load::<AppliedControl>(&state, &p, here),
        load::<Control>(&state, &p, None),
    )?;
    let raw = q.get("budget").map(String::as_str).unwrap_or("");
    let cur = org.currency.clone();
    let mut page = CountermeasuresPage {
        layout: Layout::new(
            &p,
            format!("Countermeasures: {}", site.value.name),
            "/sites",
        ),
        site_id: site.value.id.to_string(),
        site_name: site.value.name.clone(),
        budget: raw.trim().to_owned(),
        budget_error: None,
        facts: Vec::new(),
        recommended: None,
        candidates: Table::new(
            "Each candidate alone, on top of the controls in place",
            &[
                "Control",
                "Annual cost",
                "Risk reduction",
                "ROSI",
                "In the recommended set",
            ],
            "No candidate: every applied control that treats these risks is in place, or none has a cost and an effectiveness.",
        ),
        frontier: Table::new(
            "Efficient frontier: the least residual annual loss for each spend",
            &[
                "Annual cost",
                "Residual annual loss",
                "Reduction",
                "Controls",
            ],
            "",
        ),
        figure: None,
        left_out: Vec::new(),
        note: String::new(),
    };
    let budget = match parse_budget(raw) {
        Ok(b) => b,
        Err(e) => {
            page.budget_error = Some(e);
            return Ok(html(StatusCode::BAD_REQUEST, &page));
        }
    };
    let input = CountermeasureInput {
        risks: risks.into_iter().map(|r| r.value).collect(),
        applied: applied.into_iter().map(|a| a.value).collect(),
        catalogue: catalogue.into_iter().map(|c| c.value).collect(),
        currency: cur.clone(),
        budget,
        trials: PAGE_TRIALS,
        seed: 1,
    };
    let view = match plan(&state, input).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            page.note = "No risk of this site is assessed with the FAIR method: countermeasures are chosen by the annual loss they remove, so they need quantified risks.".to_owned();
            return Ok(html(StatusCode::OK, &page));
        }
        Err(e) => {
            page.note = format!("The countermeasures could not be computed: {}", e.detail);
            return Ok(html(StatusCode::OK, &page));
        }
    };
    if page.budget.is_empty() {
        page.budget = format!("{:.0}", view.budget);
    }
    fill(&mut page, &view, &cur);
    Ok(html(StatusCode::OK, &page))
}

fn fill(page: &mut CountermeasuresPage, v: &PlanView, cur: &str) {
    let ratio = |x: f64| {
        if x == 0.0 {
            "free".to_owned()
        } else {
            format!("{x:.2}")
        }
    };
    page.facts = vec![
        ("Annual budget", money(v.budget, cur)),
        (
            "Inherent annual loss (no controls)",
            money(v.inherent_ale, cur),
        ),
        (
            "Current annual loss (controls in place)",
            money(v.current_ale, cur),
        ),
        (
            "Simulation",
            format!(
                "{} trials per set, seed {}, common random numbers",
                v.trials, v.seed
            ),
        ),
        ("Search", v.search.clone()),
    ];
    let r = &v.recommended;
    page.recommended = Some(if r.controls.is_empty() {
        format!(
            "Nothing within {}: no candidate both fits the budget and lowers the annual loss.",
            money(v.budget, cur)
        )
    } else {
        format!(
            "{}: {} a year, residual annual loss {} (down {} from {}), ROSI {}.",
            r.controls
                .iter()
                .map(|c| v.label_of(c))
                .collect::<Vec<_>>()
                .join(", "),
            money(r.annual_cost, cur),
            money(r.residual_ale, cur),
            money(r.risk_reduction, cur),
            money(v.current_ale, cur),
            r.rosi.map_or_else(|| "free".to_owned(), ratio)
        )
    });
    for c in &v.candidates {
        let chosen = r.controls.contains(&c.id);
        page.candidates.rows.push(vec![
            Cell::text(c.label.clone()),
            Cell::num(money(c.annual_cost, cur)),
            Cell::num(money(c.risk_reduction, cur)),
            Cell::num(c.rosi.map_or_else(|| "free".to_owned(), ratio)),
            if chosen {
                Cell::text("Yes").class("status-ok")
            } else {
                Cell::text("No")
            },
        ]);
    }
    for s in &v.frontier {
        page.frontier.rows.push(vec![
            Cell::num(money(s.annual_cost, cur)),
            Cell::num(money(s.residual_ale, cur)),
            Cell::num(money(s.risk_reduction, cur)),
            Cell::text(if s.controls.is_empty() {
                "Nothing more".to_owned()
            } else {
                s.controls.join(", ")
            }),
        ]);
    }
    page.figure = Some(Figure {
        svg: v.frontier_svg.clone(),
        caption: "Each dot is the best set of controls for its annual cost; the ringed dot is the recommended set and the dashed line the budget.".to_owned(),
    });
    page.left_out = v.left_out.clone();
}

/// The engine's answer, cached by its inputs (the optimiser runs the
/// Monte Carlo once per set it evaluates).
async fn plan(
    state: &AppState,
    input: CountermeasureInput,
) -> Result<Option<Arc<PlanView>>, Problem> {
    let bytes = |v: serde_json::Result<Vec<u8>>| v.unwrap_or_default();
    let key = input_key(
        "countermeasures",
        input
            .risks
            .iter()
            .map(|r| bytes(serde_json::to_vec(r)))
            .chain(input.applied.iter().map(|a| bytes(serde_json::to_vec(a))))
            .chain(input.catalogue.iter().map(|c| bytes(serde_json::to_vec(c))))
            .chain([format!(
                "{}|{:?}|{}|{}",
                input.currency, input.budget, input.trials, input.seed
            )
            .into_bytes()]),
    );
    if let Some(hit) = state.cached::<Option<Arc<PlanView>>>(&key) {
        return Ok((*hit).clone());
    }
    let analysis = state.analysis.clone();
    let view = tokio::task::spawn_blocking(move || analysis.countermeasures(&input))
        .await
        .map_err(|e| Problem::internal("choosing countermeasures", e))?
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e))?
        .map(Arc::new);
    state.cache(key, Arc::new(view.clone()));
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::parse_budget;

    #[test]
    fn the_budget_field() {
        assert_eq!(parse_budget(""), Ok(None));
        assert_eq!(parse_budget("  "), Ok(None));
        assert_eq!(parse_budget("60000"), Ok(Some(60_000.0)));
        assert_eq!(parse_budget("60,000"), Ok(Some(60_000.0)));
        assert_eq!(parse_budget("1e5"), Ok(Some(100_000.0)));
        assert!(parse_budget("-1").unwrap_err().contains("from 0"));
        assert!(parse_budget("NaN").is_err());
        assert!(parse_budget("inf").is_err());
        assert!(parse_budget("lots").unwrap_err().contains("\"lots\""));
    }
}
