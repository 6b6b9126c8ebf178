//! `rampart acceptance`: the acceptance tests of newly installed systems.
//! List the plans and where they stand, show one test by test, record a
//! run in the field, and sign a plan off. The rules (a measurement decides
//! a test with a criterion, runs are kept oldest first, a plan is signed
//! off only when every test's latest run passed and is closed from then on)
//! are the domain's; this module reads and writes the store.

use anyhow::{Context as _, Result, bail};
use jiff::civil::Date;
use rampart_domain::{
    AcceptancePlan, Entity, Id, NewRun, PlanStatus, Refusal, RunOutcome, SignOff, TestState,
};
use rampart_store::{ListQuery, Store};
use serde::Serialize;

use super::{Context, block_on, org::pick_organisation};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the acceptance test plans: site, status and how many tests have passed, failed or
    /// are still to run.
    ///
    /// Example: rampart acceptance list --site dc --json
    List(ListArgs),
    /// Show one plan test by test: the procedure, what must happen, the criterion, every run,
    /// and what stands between the plan and its sign-off.
    ///
    /// Example: rampart acceptance show dc-duress-cctv-2025
    Show(ShowArgs),
    /// Record a run of one test. With a measurable criterion, give the measured value and the
    /// measurement decides the outcome (a contradicting --pass or --fail is refused); without
    /// one, give --pass or --fail. Earlier runs are kept: a re-test adds a run.
    ///
    /// Example: rampart acceptance record dc-duress-cctv-2025 retention --pass --by "Gareth Hughes"
    Record(RecordArgs),
    /// Sign a plan off: accepted from the installer. Refused unless every test's latest run
    /// passed; the plan is closed from then on.
    ///
    /// Example: rampart acceptance sign-off dc-duress-cctv-2025 --by "Adaeze Okafor"
    SignOff(SignOffArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only the plans of this site.
    #[arg(long, value_name = "ID")]
    site: Option<String>,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Print JSON: a list of {"id", "site", "title", "status", "passed", "failed", "not_run", "signed_off"}.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The plan's id.
    plan: String,
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Print the plan as stored, with its status and sign-off blockers.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The plan's id.
    plan: String,
    /// The test's id within the plan.
    test: String,
    /// The test passed.
    #[arg(long, conflicts_with = "fail")]
    pass: bool,
    /// The test failed.
    #[arg(long)]
    fail: bool,
    /// The measured value, in the criterion's unit.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    measured: Option<f64>,
    /// Who ran or witnessed the test.
    #[arg(long, value_name = "NAME")]
    by: String,
    /// The day of the run (default: today).
    #[arg(long, value_name = "DATE")]
    on: Option<Date>,
    /// What was seen.
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct SignOffArgs {
    /// The plan's id.
    plan: String,
    /// Who accepts the system.
    #[arg(long, value_name = "NAME")]
    by: String,
    /// The day of the sign-off (default: today).
    #[arg(long, value_name = "DATE")]
    on: Option<Date>,
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    match cmd {
        Command::List(a) => list(ctx, a),
        Command::Show(a) => show(ctx, a),
        Command::Record(a) => record(ctx, a),
        Command::SignOff(a) => sign_off(ctx, a),
    }
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

fn list(ctx: &Context, args: ListArgs) -> Result<()> {
    let plans = block_on(async {
        let store = ctx.open_store().await?;
        let org = pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        let query = match &args.site {
            Some(s) => {
                let site = Id::new(s).with_context(|| format!("--site {s:?}"))?;
                if store
                    .get::<rampart_domain::Site>(&org, &site)
                    .await?
                    .is_none()
                {
                    bail!("organisation {org} has no site {site}");
                }
                ListQuery::site(&site)
            }
            None => ListQuery::default(),
        };
        let plans = store.list::<AcceptancePlan>(&org, &query).await?;
        anyhow::Ok(plans.into_iter().map(|s| s.value).collect::<Vec<_>>())
    })??;
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a str,
        site: &'a str,
        title: &'a str,
        status: PlanStatus,
        passed: usize,
        failed: usize,
        not_run: usize,
        signed_off: Option<Date>,
    }
    let lines: Vec<Line<'_>> = plans
        .iter()
        .map(|p| {
            let c = p.counts();
            Line {
                id: p.id.as_str(),
                site: p.site.as_str(),
                title: &p.title,
                status: p.status(),
                passed: c.passed,
                failed: c.failed,
                not_run: c.not_run,
                signed_off: p.sign_off.as_ref().map(|s| s.on),
            }
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else if lines.is_empty() {
        println!("no acceptance test plans");
    } else {
        for (l, p) in lines.iter().zip(&plans) {
            println!(
                "{:<26} {:<6} {:<19} {} passed, {} failed, {} to run  {}",
                l.id,
                l.site,
                p.status().label(),
                l.passed,
                l.failed,
                l.not_run,
                l.title
            );
        }
    }
    Ok(())
}

async fn load(
    store: &dyn Store,
    org_wanted: Option<&str>,
    plan: &str,
) -> Result<(Id, rampart_store::Stored<AcceptancePlan>)> {
    let org = pick_organisation(store, org_wanted).await?;
    let id = Id::new(plan).with_context(|| format!("plan {plan:?}"))?;
    let Some(stored) = store.get::<AcceptancePlan>(&org, &id).await? else {
        bail!(
            "organisation {org} has no acceptance test plan {id} (see `rampart acceptance list`)"
        );
    };
    Ok((org, stored))
}

fn show(ctx: &Context, args: ShowArgs) -> Result<()> {
    let plan = block_on(async {
        let store = ctx.open_store().await?;
        anyhow::Ok(
            load(store.as_ref(), args.org.as_deref(), &args.plan)
                .await?
                .1,
        )
    })??
    .value;
    if args.json {
        #[derive(Serialize)]
        struct Shown<'a> {
            #[serde(flatten)]
            plan: &'a AcceptancePlan,
            status: PlanStatus,
            sign_off_blockers: Vec<String>,
        }
        let shown = Shown {
            plan: &plan,
            status: plan.status(),
            sign_off_blockers: if plan.sign_off.is_some() {
                Vec::new()
            } else {
                plan.sign_off_blockers()
            },
        };
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(());
    }
    println!("{} ({}, site {})", plan.title, plan.id, plan.site);
    if let Some(s) = &plan.system {
        println!("system: {s}");
    }
    if let Some(c) = &plan.contractor {
        println!("installer: {c}");
    }
    println!("status: {}", plan.status().label());
    for t in &plan.tests {
        let state = match t.state() {
            TestState::NotRun => "NOT RUN",
            TestState::Passed => "PASSED",
            TestState::Failed => "FAILED",
        };
        println!("\n[{state}] {}: {}", t.id, t.title);
        println!("  procedure: {}", t.procedure);
        println!("  expected:  {}", t.expected);
        if let Some(c) = &t.criterion {
            println!("  criterion: {}", c.describe());
        }
        for r in &t.results {
            let unit = t.criterion.as_ref().map_or("", |c| c.unit.as_str());
            let measured = r
                .measured
                .map(|m| format!(" ({m} {unit})").replace(" )", ")"))
                .unwrap_or_default();
            let outcome = match r.outcome {
                RunOutcome::Pass => "pass",
                RunOutcome::Fail => "fail",
            };
            let notes = r
                .notes
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            println!("  {} {outcome}{measured} by {}{notes}", r.on, r.by);
        }
    }
    println!();
    match &plan.sign_off {
        Some(s) => println!("signed off by {} on {}", s.by, s.on),
        None => {
            let blockers = plan.sign_off_blockers();
            if blockers.is_empty() {
                println!(
                    "ready for sign-off: rampart acceptance sign-off {} --by NAME",
                    plan.id
                );
            } else {
                println!("not yet signed off: {}", blockers.join("; "));
            }
        }
    }
    Ok(())
}

fn refused(plan: &str, r: Refusal) -> anyhow::Error {
    let flag = match r.field {
        "outcome" => "--pass or --fail",
        "measured" => "--measured",
        "on" => "--on",
        "by" => "--by",
        _ => "",
    };
    if flag.is_empty() {
        anyhow::anyhow!("plan {plan}: {}", r.message)
    } else {
        anyhow::anyhow!("plan {plan}: {} ({flag})", r.message)
    }
}

/// Reads the plan, applies `change`, checks the result against every rule
/// of the model and writes it with the version read: a plan changed in
/// between is reported, not overwritten.
fn change(
    ctx: &Context,
    org: Option<&str>,
    plan: &str,
    change: impl FnOnce(&mut AcceptancePlan) -> Result<String>,
) -> Result<String> {
    block_on(async {
        let store = ctx.open_store().await?;
        let (org, stored) = load(store.as_ref(), org, plan).await?;
        let mut p = stored.value;
        let said = change(&mut p)?;
        if let Some((field, _, m)) = p.check().into_iter().next() {
            bail!("plan {plan}: {field}: {m}");
        }
        store
            .update(&ctx.actor, &org, &p, stored.version)
            .await
            .with_context(|| format!("plan {plan}"))?;
        anyhow::Ok(said)
    })?
}

fn record(ctx: &Context, args: RecordArgs) -> Result<()> {
    let outcome = match (args.pass, args.fail) {
        (true, _) => Some(RunOutcome::Pass),
        (_, true) => Some(RunOutcome::Fail),
        _ => None,
    };
    let run = NewRun {
        on: args.on.unwrap_or_else(today),
        by: args.by.clone(),
        outcome,
        measured: args.measured,
        notes: args.notes.clone(),
    };
    if run.on > today() {
        bail!("--on {}: a run cannot be recorded in the future", run.on);
    }
    let plan_id = args.plan.clone();
    let said = change(ctx, args.org.as_deref(), &args.plan, |p| {
        let outcome = p
            .record(&args.test, run)
            .map_err(|r| refused(&plan_id, r))?;
        let word = match outcome {
            RunOutcome::Pass => "passed",
            RunOutcome::Fail => "failed",
        };
        Ok(format!(
            "recorded: {} {word}; the plan is now {}",
            args.test,
            p.status().label().to_lowercase()
        ))
    })?;
    println!("{said}");
    Ok(())
}

fn sign_off(ctx: &Context, args: SignOffArgs) -> Result<()> {
    let on = args.on.unwrap_or_else(today);
    if on > today() {
        bail!("--on {on}: a sign-off cannot be dated in the future");
    }
    let plan_id = args.plan.clone();
    let said = change(ctx, args.org.as_deref(), &args.plan, |p| {
        p.sign(SignOff {
            by: args.by.clone(),
            on,
            notes: args.notes.clone(),
        })
        .map_err(|r| refused(&plan_id, r))?;
        Ok(format!(
            "signed off: {} accepted by {} on {on}",
            p.title,
            args.by.trim()
        ))
    })?;
    println!("{said}");
    Ok(())
}
