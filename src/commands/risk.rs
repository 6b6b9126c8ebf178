//! `rampart risk`: Open FAIR simulation and countermeasure selection on a
//! scenario file. Reads the file, calls `rampart-risk`, prints text or the
//! JSON shapes defined here (the engine's types are not the wire format).
//! With `--site`, both commands read the stored register instead of a file:
//! the site's risks assessed with the FAIR method become the scenarios, and
//! (for `optimize`) the site's applied controls that treat them become the
//! candidate countermeasures (see `rampart_analyst::countermeasures::fair_register_text`).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use rampart_risk::assessment::{RiskAppetite, RiskMeasure};
use rampart_risk::countermeasures::{
    Optimisation, OptimiseOptions, SearchMethod, Selection, optimise,
};
use rampart_risk::quantiles::QuantileMethod;
use rampart_risk::simulate::{
    LossSummary, SimulationOptions, SimulationResult, TornadoBar, simulate, tornado,
};
use rampart_risk::{ScenarioFile, parse};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RiskCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RiskCommand {
    /// Run the Open FAIR Monte Carlo on a scenario file (YAML or JSON).
    ///
    /// Annual loss per scenario and for the portfolio (per-trial sums):
    /// mean, standard deviation, percentiles, value at risk and the loss
    /// exceedance curve. Controls marked `in_place` are applied (current
    /// risk); add proposed ones with `--with`, or none with `--inherent`.
    /// The same seed gives the same numbers whatever the thread count.
    ///
    /// Example: rampart risk simulate scenarios.yaml --trials 1000000 --seed 7 --json
    Simulate(SimulateArgs),

    /// Choose the proposed controls that lower the mean annual loss most
    /// within an annual budget, with each control's risk reduction and ROSI
    /// and the efficient frontier of residual risk against spend.
    ///
    /// With `--site`, on the stored register: the site's FAIR-assessed risks,
    /// taken as they stand (current risk), and as candidates the site's
    /// applied controls not yet in place (proposed, planned, in progress)
    /// that treat them (listed in the risk's `controls` or protecting its
    /// asset). A candidate multiplies the loss event frequency of those risks
    /// by (1 - effectiveness) (the instance's, else the catalogue's) and
    /// costs its yearly cost plus its capital cost spread over its lifetime
    /// (in full when no lifetime is known).
    ///
    /// Example: rampart risk optimize scenarios.yaml --budget 250000 --json
    /// Example: rampart risk optimize --site whs --budget 60000
    Optimize(OptimizeArgs),
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// The scenario file; or, with `--site`, the stored register.
    #[arg(required_unless_present = "site")]
    file: Option<PathBuf>,
    /// Simulate the FAIR-assessed risk scenarios of this site in the store
    /// instead of a file (`--db` chooses the store).
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    site: Option<String>,
    /// With `--site`: the organisation, when the store holds several.
    #[arg(long, value_name = "ID", requires = "site")]
    org: Option<String>,
    /// Trials (simulated years); default: the file's `trials`, else 100,000.
    #[arg(long)]
    trials: Option<u64>,
    /// Random seed; default: the file's `seed`, else 1.
    #[arg(long)]
    seed: Option<u64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Ignore every control, including those in place (inherent risk).
    #[arg(long, conflicts_with = "with")]
    inherent: bool,
    /// Also apply this proposed control (repeatable): residual risk.
    #[arg(long, value_name = "CONTROL")]
    with: Vec<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Confidence level of the value at risk.
    #[arg(long, default_value_t = 0.95)]
    var_confidence: f64,
    /// Also compute each scenario's tornado: its mean annual loss with each
    /// input fixed at its 10th and 90th percentile (up to 100,000 trials each).
    #[arg(long)]
    tornado: bool,
}

#[derive(Debug, clap::Args)]
struct OptimizeArgs {
    /// The scenario file, with its `controls`; or, with `--site`, the stored register.
    #[arg(required_unless_present = "site")]
    file: Option<PathBuf>,
    /// Optimise the stored register of this site instead of a file (`--db`
    /// chooses the store).
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    site: Option<String>,
    /// With `--site`: the organisation, when the store holds several.
    #[arg(long, value_name = "ID", requires = "site")]
    org: Option<String>,
    /// Annual budget for proposed controls.
    #[arg(long)]
    budget: f64,
    /// Trials per evaluated set of controls.
    #[arg(long, default_value_t = 20_000)]
    trials: u64,
    /// Random seed; default: the file's `seed`, else 1.
    #[arg(long)]
    seed: Option<u64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(ctx: &super::Context, args: Args) -> Result<()> {
    match args.command {
        RiskCommand::Simulate(a) => {
            let threads = a.threads;
            let (file, source) = match (&a.file, &a.site) {
                (Some(path), _) => (load(path)?, path.display().to_string()),
                (None, Some(site)) => stored_register(ctx, a.org.as_deref(), site)?,
                (None, None) => anyhow::bail!("give a scenario file or --site"),
            };
            with_threads(threads, || simulate_command(a, file, &source))
        }
        RiskCommand::Optimize(a) => {
            let threads = a.threads;
            let (file, source) = match (&a.file, &a.site) {
                (Some(path), _) => (load(path)?, path.display().to_string()),
                (None, Some(site)) => {
                    let (file, source, skipped) =
                        stored_register_with_controls(ctx, a.org.as_deref(), site)?;
                    for note in skipped {
                        ctx.note(format!("not a candidate: {note}"));
                    }
                    (file, source)
                }
                (None, None) => anyhow::bail!("give a scenario file or --site"),
            };
            with_threads(threads, || optimize_command(a, file, &source))
        }
    }
}

fn with_threads(threads: Option<usize>, f: impl FnOnce() -> Result<()> + Send) -> Result<()> {
    match threads {
        Some(n) => rampart_risk::simulate::on_threads(n, f)?,
        None => f(),
    }
}

fn load(path: &PathBuf) -> Result<ScenarioFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

// ---------------------------------------------------------------------------
// simulate

#[derive(Debug, Serialize)]
struct SimulateJson {
    trials: u64,
    seed: u64,
    /// How percentiles were computed: exact, or a sketch with its relative error.
    quantiles: QuantileMethod,
    scenarios: Vec<ScenarioJson>,
    portfolio: PortfolioJson,
}

#[derive(Debug, Serialize)]
struct ScenarioJson {
    id: String,
    /// per_trial (LEF x LM) or compound_poisson.
    mode: &'static str,
    ale: AleJson,
    lec: Vec<LecJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appetite: Option<AppetiteJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tornado: Option<Vec<TornadoJson>>,
}

#[derive(Debug, Serialize)]
struct PortfolioJson {
    ale: AleJson,
    lec: Vec<LecJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appetite: Option<AppetiteJson>,
}

#[derive(Debug, Serialize)]
struct AppetiteJson {
    out_of_appetite: bool,
    /// Which limit applied: organisation, site, category, or site and category.
    applied: &'static str,
    reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
struct TornadoJson {
    node: &'static str,
    input_p10: f64,
    input_p90: f64,
    ale_at_p10: f64,
    ale_at_p90: f64,
    swing: f64,
}

#[derive(Debug, Serialize)]
struct AleJson {
    mean: f64,
    sd: f64,
    standard_error: f64,
    p5: f64,
    p10: f64,
    p50: f64,
    p90: f64,
    p95: f64,
    p99: f64,
    value_at_risk: f64,
    var_confidence: f64,
}

#[derive(Debug, Serialize)]
struct LecJson {
    loss: f64,
    p_exceed: f64,
}

impl From<&LossSummary> for AleJson {
    fn from(s: &LossSummary) -> Self {
        AleJson {
            mean: s.mean,
            sd: s.sd,
            standard_error: s.standard_error,
            p5: s.p5,
            p10: s.p10,
            p50: s.p50,
            p90: s.p90,
            p95: s.p95,
            p99: s.p99,
            value_at_risk: s.value_at_risk,
            var_confidence: s.var_confidence,
        }
    }
}

fn lec(s: &LossSummary) -> Vec<LecJson> {
    s.lec
        .iter()
        .map(|p| LecJson {
            loss: p.loss,
            p_exceed: p.p_exceed,
        })
        .collect()
}

/// The appetite verdict for one summary, when the file states an appetite.
fn verdict(
    appetite: Option<&RiskAppetite>,
    site: Option<&str>,
    category: Option<&str>,
    s: &LossSummary,
) -> Result<Option<AppetiteJson>> {
    let Some(appetite) = appetite else {
        return Ok(None);
    };
    let v = appetite.judge(
        site,
        category,
        RiskMeasure::Loss {
            ale: s.mean,
            value_at_risk: s.value_at_risk,
        },
    )?;
    Ok(Some(AppetiteJson {
        out_of_appetite: v.out_of_appetite,
        applied: v.applied,
        reasons: v.reasons,
    }))
}

fn simulate_json(
    r: &SimulationResult,
    file: &ScenarioFile,
    tornadoes: &[Vec<TornadoBar>],
) -> Result<SimulateJson> {
    let appetite = file.appetite.as_ref();
    let mut scenarios = Vec::with_capacity(r.scenarios.len());
    for (i, (s, model)) in r
        .scenarios
        .iter()
        .zip(&file.portfolio.scenarios)
        .enumerate()
    {
        scenarios.push(ScenarioJson {
            id: s.id.clone(),
            mode: s.mode.name(),
            ale: (&s.ale).into(),
            lec: lec(&s.ale),
            appetite: verdict(
                appetite,
                model.site.as_deref(),
                model.category.as_deref(),
                &s.ale,
            )?,
            tornado: tornadoes.get(i).map(|bars| {
                bars.iter()
                    .map(|b| TornadoJson {
                        node: b.node.name(),
                        input_p10: b.input_p10,
                        input_p90: b.input_p90,
                        ale_at_p10: b.ale_at_p10,
                        ale_at_p90: b.ale_at_p90,
                        swing: b.swing,
                    })
                    .collect()
            }),
        });
    }
    Ok(SimulateJson {
        trials: r.trials,
        seed: r.seed,
        quantiles: r.quantile_method,
        scenarios,
        portfolio: PortfolioJson {
            ale: (&r.portfolio).into(),
            lec: lec(&r.portfolio),
            appetite: verdict(appetite, None, None, &r.portfolio)?,
        },
    })
}

/// The FAIR-assessed risk scenarios of a stored site, as a scenario file:
/// each stored model becomes a scenario under the risk's id.
fn stored_register(
    ctx: &super::Context,
    org: Option<&str>,
    site: &str,
) -> Result<(ScenarioFile, String)> {
    let stored = super::stored_at_site::<rampart_domain::RiskScenario>(ctx, org, site)?;
    let (org, site) = (&stored.org, &stored.site);
    let text = rampart_analyst::fair_scenario_text(&stored.items).with_context(|| {
        format!("site {site} of {org} has no risk scenario assessed with the FAIR method")
    })?;
    let source = format!("the stored register of site {site}");
    let file = parse(&text).with_context(|| format!("in {source}"))?;
    Ok((file, source))
}

/// The stored register of a site with its candidate controls, as a scenario
/// file, its name for messages, and the applied controls left out (why).
fn stored_register_with_controls(
    ctx: &super::Context,
    org: Option<&str>,
    site: &str,
) -> Result<(ScenarioFile, String, Vec<String>)> {
    use rampart_domain::{AppliedControl, Control, RiskScenario};
    let risks = super::stored_at_site::<RiskScenario>(ctx, org, site)?;
    let (org, site) = (&risks.org, &risks.site);
    let applied = super::stored_at_site::<AppliedControl>(ctx, Some(org.as_str()), site.as_str())?;
    let catalogue: Vec<Control> = super::block_on(async {
        let store = ctx.open_store().await?;
        let all = store
            .list::<Control>(org, &rampart_store::ListQuery::all())
            .await?;
        anyhow::Ok(all.into_iter().map(|c| c.value).collect())
    })??;
    let (text, skipped) = rampart_analyst::countermeasures::fair_register_text(
        &risks.items,
        &applied.items,
        &catalogue,
    )
    .with_context(|| {
        format!("site {site} of {org} has no risk scenario assessed with the FAIR method")
    })?;
    let source = format!("the stored register of site {site}");
    let file = parse(&text).with_context(|| format!("in {source}"))?;
    Ok((file, source, skipped))
}

fn simulate_command(a: SimulateArgs, file: ScenarioFile, source: &str) -> Result<()> {
    let p = &file.portfolio;
    let mut controls = if a.inherent { Vec::new() } else { p.in_place() };
    for id in &a.with {
        let i = p
            .control_index(id)
            .with_context(|| format!("--with {id}: no such control in {source}"))?;
        controls.push(i);
    }
    let options = SimulationOptions {
        trials: a.trials.or(file.trials).unwrap_or(100_000),
        seed: a.seed.or(file.seed).unwrap_or(1),
        var_confidence: a.var_confidence,
        ..Default::default()
    };
    let result = simulate(p, &controls, &options)?;
    let tornadoes: Vec<Vec<TornadoBar>> = if a.tornado {
        let adjustments = p.adjustments(&controls);
        p.scenarios
            .iter()
            .zip(&adjustments)
            .map(|(s, adj)| tornado(s, adj, options.trials.min(100_000), options.seed))
            .collect()
    } else {
        Vec::new()
    };
    let out = simulate_json(&result, &file, &tornadoes)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let applied: Vec<&str> = controls
        .iter()
        .map(|&i| p.controls[i].id.as_str())
        .collect();
    println!(
        "{} trials, seed {}, controls applied: {}",
        result.trials,
        result.seed,
        if applied.is_empty() {
            "none".to_string()
        } else {
            applied.join(", ")
        }
    );
    match result.quantile_method {
        QuantileMethod::Exact => println!("percentiles: exact"),
        QuantileMethod::Sketch { relative_error } => {
            println!(
                "percentiles: streaming sketch, within ±{:.1}% of the sample percentile",
                relative_error * 100.0
            )
        }
    }
    println!();
    let width = result
        .scenarios
        .iter()
        .map(|s| s.id.len())
        .max()
        .unwrap_or(9)
        .max(9);
    println!(
        "{:<width$}  {:<16}  {:>14}  {:>14}  {:>14}  {:>14}  {:>14}",
        "scenario", "mode", "mean ALE", "p10", "p50", "p90", "p99"
    );
    let row = |name: &str, mode: &str, s: &LossSummary| {
        println!(
            "{:<width$}  {:<16}  {:>14}  {:>14}  {:>14}  {:>14}  {:>14}",
            name,
            mode,
            money(s.mean),
            money(s.p10),
            money(s.p50),
            money(s.p90),
            money(s.p99)
        );
    };
    for s in &result.scenarios {
        row(&s.id, s.mode.name(), &s.ale);
    }
    row("portfolio", "", &result.portfolio);
    println!(
        "\nportfolio: standard error of the mean {}, value at risk ({:.0}%) {}",
        money(result.portfolio.standard_error),
        result.portfolio.var_confidence * 100.0,
        money(result.portfolio.value_at_risk)
    );
    for s in out
        .scenarios
        .iter()
        .map(|s| (&s.id, &s.appetite))
        .chain([(&"portfolio".to_string(), &out.portfolio.appetite)])
    {
        if let (id, Some(v)) = s
            && v.out_of_appetite
        {
            println!(
                "OUT OF APPETITE: {id} ({} limit): {}",
                v.applied,
                v.reasons.join("; ")
            );
        }
    }
    for s in &out.scenarios {
        if let Some(bars) = &s.tornado {
            println!(
                "\ntornado, {} (mean ALE with the input at its p10 / p90):",
                s.id
            );
            for b in bars {
                println!(
                    "  {:<32} {:>14} / {:>14}",
                    b.node,
                    money(b.ale_at_p10),
                    money(b.ale_at_p90)
                );
            }
            if bars.is_empty() {
                println!("  (every input is a constant)");
            }
        }
    }
    Ok(())
}

fn money(x: f64) -> String {
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

// ---------------------------------------------------------------------------
// optimize

#[derive(Debug, Serialize)]
struct OptimizeJson {
    budget: f64,
    trials: u64,
    seed: u64,
    inherent_ale: f64,
    current_ale: f64,
    controls: Vec<ControlJson>,
    best: SelectionJson,
    search: SearchJson,
    /// The best set at evenly spaced budget levels up to the budget, dominated points dropped.
    frontier: Vec<SelectionJson>,
    frontier_proven_optimal: bool,
}

#[derive(Debug, Serialize)]
struct ControlJson {
    id: String,
    annual_cost: f64,
    ale_before: f64,
    ale_after: f64,
    risk_reduction: f64,
    rosi: Option<f64>,
}

#[derive(Debug, Serialize)]
struct SelectionJson {
    controls: Vec<String>,
    annual_cost: f64,
    residual_ale: f64,
    risk_reduction: f64,
    rosi: Option<f64>,
}

#[derive(Debug, Serialize)]
struct SearchJson {
    method: &'static str,
    proven_optimal: bool,
    note: String,
}

impl From<&Selection> for SelectionJson {
    fn from(s: &Selection) -> Self {
        SelectionJson {
            controls: s.controls.clone(),
            annual_cost: s.annual_cost,
            residual_ale: s.residual_ale,
            risk_reduction: s.risk_reduction,
            rosi: s.rosi,
        }
    }
}

fn search_json(m: &SearchMethod) -> SearchJson {
    match m {
        SearchMethod::BranchAndBound {
            proven_optimal,
            nodes,
            bounded,
        } => SearchJson {
            method: "branch_and_bound",
            proven_optimal: *proven_optimal,
            note: format!(
                "{nodes} nodes{}{}",
                if *bounded {
                    ""
                } else {
                    ", no bound (a control sets a value)"
                },
                if *proven_optimal {
                    ""
                } else {
                    "; node limit reached: best found, not proven optimal"
                }
            ),
        },
        SearchMethod::Greedy { note } => SearchJson {
            method: "greedy",
            proven_optimal: false,
            note: (*note).to_string(),
        },
    }
}

impl From<&Optimisation> for OptimizeJson {
    fn from(o: &Optimisation) -> Self {
        OptimizeJson {
            budget: o.budget,
            trials: o.trials,
            seed: o.seed,
            inherent_ale: o.inherent_ale,
            current_ale: o.current_ale,
            controls: o
                .controls
                .iter()
                .map(|c| ControlJson {
                    id: c.id.clone(),
                    annual_cost: c.annual_cost,
                    ale_before: c.ale_before,
                    ale_after: c.ale_after,
                    risk_reduction: c.risk_reduction,
                    rosi: c.rosi,
                })
                .collect(),
            best: (&o.best).into(),
            search: search_json(&o.method),
            frontier: o.frontier.iter().map(Into::into).collect(),
            frontier_proven_optimal: o.frontier_proven_optimal,
        }
    }
}

fn optimize_command(a: OptimizeArgs, file: ScenarioFile, source: &str) -> Result<()> {
    let options = OptimiseOptions {
        budget: a.budget,
        trials: a.trials,
        seed: a.seed.or(file.seed).unwrap_or(1),
        ..Default::default()
    };
    let o = optimise(&file.portfolio, &options).with_context(|| format!("optimising {source}"))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&OptimizeJson::from(&o))?);
        return Ok(());
    }
    println!(
        "{source}: budget {} a year; {} trials per evaluation, seed {}",
        money(o.budget),
        o.trials,
        o.seed
    );
    println!(
        "inherent ALE {}; current ALE (controls in place) {}",
        money(o.inherent_ale),
        money(o.current_ale)
    );
    println!(
        "\n{:<20}  {:>12}  {:>14}  {:>10}",
        "proposed control", "annual cost", "reduction", "ROSI"
    );
    for c in &o.controls {
        let rosi = c.rosi.map_or("free".to_string(), |r| format!("{:.2}", r));
        println!(
            "{:<20}  {:>12}  {:>14}  {:>10}",
            c.id,
            money(c.annual_cost),
            money(c.risk_reduction),
            rosi
        );
    }
    let s = search_json(&o.method);
    println!(
        "\nrecommended: {} (cost {}, residual ALE {}, reduction {})",
        if o.best.controls.is_empty() {
            "nothing".to_string()
        } else {
            o.best.controls.join(", ")
        },
        money(o.best.annual_cost),
        money(o.best.residual_ale),
        money(o.best.risk_reduction)
    );
    println!("search: {} ({})", s.method, s.note);
    println!(
        "\nefficient frontier:\n{:>12}  {:>14}  controls",
        "spend", "residual ALE"
    );
    for p in &o.frontier {
        println!(
            "{:>12}  {:>14}  {}",
            money(p.annual_cost),
            money(p.residual_ale),
            p.controls.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(1_576_666_666.7), "1,576,666,667");
        assert_eq!(money(999.4), "999");
        assert_eq!(money(-1234.0), "-1,234");
        assert_eq!(money(0.0), "0");
    }
}
