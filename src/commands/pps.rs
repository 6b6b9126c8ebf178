//! Protection-system commands: `pps analyze` (the most vulnerable adversary paths through a
//! facility) and `pps upgrade` (which upgrades to buy). Reads the facility file, calls the
//! `rampart-protection` engine and prints text or the JSON shapes defined here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use rampart_protection::search::SearchOptions;
use rampart_protection::upgrade::{self, UpgradePlan};
use rampart_protection::{Analysis, Facility, PathElement, Stage, analyze};
use serde::Serialize;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: PpsCommand,
}

#[derive(clap::Subcommand, Debug)]
enum PpsCommand {
    /// Find the most vulnerable adversary paths through a facility (EASI).
    ///
    /// Reads a facility file (areas, one-way path elements with detection and delay, entries,
    /// targets, response force, adversary profiles) and prints the path of minimum probability
    /// of interruption, exactly, with its critical detection point, P_E = P_I x P_N, the FEMA 452
    /// vulnerability rating and the next most vulnerable paths.
    ///
    /// Example: rampart pps analyze tests/data/pps/data-centre.yaml --top 5 --adversary cutting-team
    Analyze(AnalyzeArgs),

    /// Choose upgrades: the cheapest set that lifts the minimum P_E to a target, or the best
    /// set within a budget.
    ///
    /// The facility file lists candidate upgrades with their costs; the minimum P_E is taken
    /// over every adversary profile and every path.
    ///
    /// Example: rampart pps upgrade tests/data/pps/data-centre.yaml --budget 60000
    Upgrade(UpgradeArgs),
}

#[derive(clap::Args, Debug)]
struct AnalyzeArgs {
    /// The facility file (YAML); or, with `--site`, the stored model.
    #[arg(required_unless_present = "site")]
    file: Option<PathBuf>,
    /// Analyse the facility model stored for this site (`--db` chooses the store).
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    site: Option<String>,
    /// With `--site`: which of the site's facility models, when it has several.
    #[arg(long, value_name = "ID", requires = "site")]
    model: Option<String>,
    /// With `--site`: the organisation, when the store holds several.
    #[arg(long, value_name = "ID", requires = "site")]
    org: Option<String>,
    /// How many of the most vulnerable paths to list.
    #[arg(long, value_name = "K", default_value_t = 5)]
    top: usize,
    /// The adversary profile to analyse; by default the first in the file.
    #[arg(long, value_name = "NAME")]
    adversary: Option<String>,
    /// Print JSON: {"most_vulnerable": {...}, "paths": [...]}.
    #[arg(long)]
    json: bool,
    /// Also show how the minimum P_I answers a small improvement of each element
    /// (P_D + 0.1, delay + 10 %), largest effect first (text output only).
    #[arg(long, conflicts_with = "json")]
    sensitivity: bool,
}

#[derive(clap::Args, Debug)]
struct UpgradeArgs {
    /// The facility file (YAML) with its `upgrades:` candidates.
    file: PathBuf,
    #[command(flatten)]
    goal: Goal,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
struct Goal {
    /// Spend at most this much and maximise the minimum P_E.
    #[arg(long, value_name = "B")]
    budget: Option<f64>,
    /// Reach at least this minimum P_E at the lowest cost.
    #[arg(long, value_name = "X")]
    target_pe: Option<f64>,
}

pub fn run(ctx: &super::Context, args: Args) -> Result<()> {
    match args.command {
        PpsCommand::Analyze(a) => {
            let facility = match (&a.file, &a.site) {
                (Some(path), _) => read_facility(path)?,
                (None, Some(site)) => {
                    stored_facility(ctx, a.org.as_deref(), site, a.model.as_deref())?
                }
                (None, None) => anyhow::bail!("give a facility file or --site"),
            };
            run_analyze(a, facility)
        }
        PpsCommand::Upgrade(u) => run_upgrade(u),
    }
}

fn read_facility(path: &Path) -> Result<Facility> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read facility file {}", path.display()))?;
    Facility::from_yaml(&text).with_context(|| format!("in facility file {}", path.display()))
}

#[derive(Serialize)]
struct AnalyzeJson {
    most_vulnerable: Option<MostVulnerableJson>,
    paths: Vec<PathJson>,
}

#[derive(Serialize)]
struct MostVulnerableJson {
    path: Vec<String>,
    p_interruption: f64,
    p_effectiveness: f64,
    critical_detection_point: Option<String>,
}

#[derive(Serialize)]
struct PathJson {
    path: Vec<String>,
    p_interruption: f64,
}

/// The facility model stored for a site.
fn stored_facility(
    ctx: &super::Context,
    org: Option<&str>,
    site: &str,
    model: Option<&str>,
) -> Result<Facility> {
    let stored = super::stored_at_site::<rampart_domain::FacilityModel>(ctx, org, site)?;
    let chosen = stored.choose(model, "facility model", "--model")?;
    Facility::from_yaml(&chosen.model.to_string())
        .with_context(|| format!("in facility model {} of site {}", chosen.id, stored.site))
}

fn run_analyze(args: AnalyzeArgs, facility: Facility) -> Result<()> {
    let source = match (&args.file, &args.site) {
        (Some(path), _) => path.display().to_string(),
        (None, site) => format!("site {}", site.as_deref().unwrap_or("?")),
    };
    let options = SearchOptions {
        top: args.top.max(1),
        ..SearchOptions::default()
    };
    let analysis = analyze(&facility, args.adversary.as_deref(), &options)?;
    if args.json {
        let json = AnalyzeJson {
            most_vulnerable: analysis.most_vulnerable().map(|p| MostVulnerableJson {
                path: p.elements.clone(),
                p_interruption: p.p_interruption,
                p_effectiveness: p.p_effectiveness,
                critical_detection_point: p.critical_detection_point.clone(),
            }),
            paths: analysis
                .paths
                .iter()
                .map(|p| PathJson {
                    path: p.elements.clone(),
                    p_interruption: p.p_interruption,
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let others = if args.adversary.is_none() {
        facility
            .adversaries
            .iter()
            .skip(1)
            .map(|a| analyze(&facility, Some(&a.name), &SearchOptions::default()))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    print!("{}", analysis_text(&facility, &source, &analysis, &others));
    if args.sensitivity {
        print!(
            "{}",
            sensitivity_text(&facility, args.adversary.as_deref())?
        );
    }
    Ok(())
}

fn sensitivity_text(facility: &Facility, adversary: Option<&str>) -> Result<String> {
    let (base, mut rows) = upgrade::sensitivity(facility, adversary, &SearchOptions::default())?;
    let mut out = String::new();
    let Some(base) = base else {
        return Ok(out);
    };
    let gain = |r: &upgrade::ElementSensitivity| {
        (r.p_interruption_detect_up - base).max(r.p_interruption_delay_up - base)
    };
    rows.sort_by(|a, b| {
        gain(b)
            .total_cmp(&gain(a))
            .then_with(|| a.element.cmp(&b.element))
    });
    let _ = writeln!(
        out,
        "Sensitivity of the minimum P_I ({base:.4}) to each element:"
    );
    let _ = writeln!(
        out,
        "  {:<22} {:>12} {:>12}  on path",
        "element", "P_D + 0.1", "delay + 10%"
    );
    for r in rows.iter().filter(|r| gain(r) > 1e-9) {
        let _ = writeln!(
            out,
            "  {:<22} {:>+12.4} {:>+12.4}  {}",
            r.element,
            r.p_interruption_detect_up - base,
            r.p_interruption_delay_up - base,
            if r.on_most_vulnerable_path { "yes" } else { "" }
        );
    }
    let unchanged = rows.iter().filter(|r| gain(r) <= 1e-9).count();
    if unchanged > 0 {
        let _ = writeln!(out, "  ({unchanged} elements: no effect on their own)");
    }
    Ok(out)
}

fn analysis_text(
    facility: &Facility,
    file: &str,
    analysis: &Analysis,
    others: &[Analysis],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: adversary `{}` (P_N {:.2}), response {:.0} ± {:.0} s",
        file,
        analysis.adversary,
        analysis.p_neutralization,
        facility.response.mean,
        facility.response.sd,
    );
    let Some(best) = analysis.most_vulnerable() else {
        if !analysis.exact {
            let _ = writeln!(
                out,
                "The search reached its limit before finding a complete path."
            );
            return out;
        }
        let _ = writeln!(
            out,
            "Target unreachable: no path leads from an entry ({}) to a target ({}).",
            facility.entries.join(", "),
            facility.targets.join(", ")
        );
        return out;
    };
    let exact = match (analysis.exact, analysis.lower_bound_p_interruption) {
        (true, _) => String::new(),
        (false, Some(lb)) => {
            format!(" (search limit reached: the minimum P_I lies between {lb:.4} and this)")
        }
        (false, None) => " (search limit reached: not proven minimal)".to_owned(),
    };
    let _ = writeln!(
        out,
        "Most vulnerable path{exact}: P_I {:.4}, P_E {:.4}, FEMA 452 vulnerability {}",
        best.p_interruption, best.p_effectiveness, analysis.vulnerability_rating
    );
    let _ = writeln!(
        out,
        "  (detection P_D x P_A and delay as this adversary meets them)"
    );
    for (i, id) in best.elements.iter().enumerate() {
        let (Some(e), Some(stage)) = (
            facility.elements.iter().find(|e| &e.id == id),
            best.stages.get(i),
        ) else {
            continue;
        };
        let marker = if best.critical_detection_point.as_deref() == Some(id.as_str()) {
            "  <- critical detection point"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:>2}. {:<14} -> {:<14} {:<22} {}{marker}",
            i + 1,
            best.areas[i],
            best.areas[i + 1],
            id,
            element_figures(e, stage)
        );
    }
    let _ = writeln!(
        out,
        "  total delay {:.0} s; P_I by timely detection {:.4}{}",
        best.delay_mean,
        best.p_interruption_timely,
        if best.critical_detection_point.is_none() {
            " (no detection is timely)"
        } else {
            ""
        }
    );
    if analysis.paths.len() > 1 {
        let _ = writeln!(out, "Most vulnerable paths:");
        for (i, p) in analysis.paths.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>2}. P_I {:.4}  {}",
                i + 1,
                p.p_interruption,
                p.elements.join(" > ")
            );
        }
    }
    for o in others {
        match o.most_vulnerable() {
            Some(p) => {
                let _ = writeln!(
                    out,
                    "Adversary `{}`: minimum P_I {:.4}, P_E {:.4} (--adversary {} for its paths)",
                    o.adversary, p.p_interruption, p.p_effectiveness, o.adversary
                );
            }
            None => {
                let _ = writeln!(out, "Adversary `{}`: target unreachable", o.adversary);
            }
        }
    }
    out
}

fn element_figures(e: &PathElement, stage: &Stage) -> String {
    let location = match e.location {
        rampart_protection::DetectionLocation::Beginning => "B",
        rampart_protection::DetectionLocation::Middle => "M",
        rampart_protection::DetectionLocation::End => "E",
    };
    format!(
        "{}, P_D {:.2} {location}, delay {:.0} ± {:.0} s",
        e.kind,
        stage.p_detect,
        stage.delay_mean,
        stage.delay_var.sqrt()
    )
}

#[derive(Serialize)]
struct UpgradeJson {
    goal: GoalJson,
    reached: bool,
    upgrades: Vec<String>,
    cost: f64,
    p_effectiveness_before: f64,
    p_effectiveness_after: f64,
    weakest_adversary: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum GoalJson {
    Budget(f64),
    TargetPe(f64),
}

fn run_upgrade(args: UpgradeArgs) -> Result<()> {
    let facility = read_facility(&args.file)?;
    let options = SearchOptions::default();
    let (goal, plan): (GoalJson, Option<UpgradePlan>) =
        match (args.goal.budget, args.goal.target_pe) {
            (Some(b), _) => (
                GoalJson::Budget(b),
                Some(upgrade::best_for_budget(&facility, b, &options)?),
            ),
            (None, Some(x)) => (
                GoalJson::TargetPe(x),
                upgrade::cheapest_to_reach(&facility, x, &options)?,
            ),
            (None, None) => anyhow::bail!("give --budget or --target-pe"),
        };
    let before = match &plan {
        Some(p) => p.p_effectiveness_before,
        None => upgrade::min_p_effectiveness(&facility, &options)?.0,
    };
    let json = UpgradeJson {
        reached: match goal {
            GoalJson::Budget(_) => true,
            GoalJson::TargetPe(_) => plan.is_some(),
        },
        goal,
        upgrades: plan
            .as_ref()
            .map(|p| p.upgrades.clone())
            .unwrap_or_default(),
        cost: plan.as_ref().map_or(0.0, |p| p.cost),
        p_effectiveness_before: before,
        p_effectiveness_after: plan.as_ref().map_or(before, |p| p.p_effectiveness_after),
        weakest_adversary: plan.as_ref().and_then(|p| p.weakest_adversary.clone()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} candidate upgrades",
        args.file.display(),
        facility.upgrades.len()
    );
    let _ = writeln!(
        out,
        "Minimum P_E over every adversary and path now: {:.4}",
        json.p_effectiveness_before
    );
    match (&json.goal, json.reached) {
        (GoalJson::TargetPe(x), false) => {
            let _ = writeln!(
                out,
                "No combination of the candidates lifts the minimum P_E to {x}."
            );
        }
        (goal, _) => {
            let what = match goal {
                GoalJson::Budget(b) => format!("Best set within a budget of {b}"),
                GoalJson::TargetPe(x) => format!("Cheapest set reaching P_E {x}"),
            };
            if json.upgrades.is_empty() {
                let _ = writeln!(out, "{what}: no upgrade needed or none affordable.");
            } else {
                let _ = writeln!(
                    out,
                    "{what}: {} (cost {})",
                    json.upgrades.join(", "),
                    json.cost
                );
            }
            let _ = writeln!(
                out,
                "Minimum P_E afterwards: {:.4}{}",
                json.p_effectiveness_after,
                json.weakest_adversary
                    .as_deref()
                    .map(|a| format!(" (weakest against `{a}`)"))
                    .unwrap_or_default()
            );
        }
    }
    print!("{out}");
    Ok(())
}
