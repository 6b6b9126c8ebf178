//! `rampart report`: the security assessment report, the briefing, the
//! audit report and the remediation plan status. Reads the organisation from the store, has
//! `rampart_analyst::report` build the model (the engines run on what the
//! store holds) and `rampart-report` render it, and writes the file.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use jiff::civil::Date;
use rampart_analyst::report::{
    DEFAULT_SEED, DEFAULT_TRIALS, Format, Kind, Provenance, Settings, audit_report, build,
    remediation_report, render, render_audit, render_remediation,
};
use rampart_domain::{Id, OrgDocument};

use super::{Context, block_on};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ReportCommand {
    /// The security assessment report of the organisation, or of one site.
    ///
    /// Cover and document control, executive summary, scope and method,
    /// site description, threat assessment, risk register with heat maps,
    /// quantitative results (FAIR), protection-path analysis (EASI),
    /// surveillance coverage, prioritised recommendations with costs, and
    /// the asset list and device schedule. Every figure is computed from the
    /// store by the engines; the same data and `--as-of` give the same bytes.
    ///
    /// Example: rampart report assessment --site dc --format html -o dc-assessment.html --as-of 2026-05-01
    Assessment(AssessmentArgs),
    /// A one-page executive briefing of the organisation, or of one site.
    ///
    /// The overall posture, the top five risks, the recommended investment
    /// and what it buys, and the status of the audits: every figure from the
    /// store and the engines, as in the assessment report.
    ///
    /// Example: rampart report briefing --format pdf -o briefing.pdf --as-of 2026-05-01
    Briefing(AssessmentArgs),
    /// The report of one audit: its scope, the score of each section and the
    /// overall score (by the compliance engine), the findings by severity and
    /// the status of the remediation plan.
    ///
    /// Example: rampart report audit --audit hq-inspection-2025 --format pdf -o hq-audit.pdf
    Audit(AuditArgs),
    /// The status of the remediation plans (plans of action and milestones)
    /// of the organisation, or of one site: items by severity and status,
    /// the overdue items, each owner's open work, the risk acceptances and
    /// when they expire, then every plan item by item.
    ///
    /// Example: rampart report remediation --site dc --format pdf -o dc-remediation.pdf --as-of 2026-05-01
    Remediation(RemediationArgs),
}

#[derive(Debug, clap::Args)]
struct RemediationArgs {
    /// Report on this site only (default: the whole organisation).
    #[arg(long, value_name = "ID")]
    site: Option<String>,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Output format.
    #[arg(long)]
    format: ReportFormat,
    /// The file to write.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The date the report speaks for, which decides what is overdue and
    /// which acceptances have expired (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<Date>,
}

#[derive(Debug, clap::Args)]
struct AuditArgs {
    /// The audit.
    #[arg(long, value_name = "ID")]
    audit: String,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Output format.
    #[arg(long)]
    format: ReportFormat,
    /// The file to write.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The date the report speaks for, which decides what is overdue (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    Html,
    Pdf,
}

#[derive(Debug, clap::Args)]
struct AssessmentArgs {
    /// Report on this site only (default: the whole organisation).
    #[arg(long, value_name = "ID")]
    site: Option<String>,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Output format.
    #[arg(long)]
    format: ReportFormat,
    /// The file to write.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The date the report speaks for (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<Date>,
    /// Trials of the FAIR Monte Carlo (simulated years).
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    trials: u64,
    /// Seed of the FAIR Monte Carlo.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    match args.command {
        ReportCommand::Assessment(a) => whole(ctx, &a, Kind::Assessment),
        ReportCommand::Briefing(a) => whole(ctx, &a, Kind::Briefing),
        ReportCommand::Audit(a) => {
            let as_of = a.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
            let doc = load(ctx, a.org.as_deref())?;
            let model = audit_report(&provenance(ctx), &doc, &a.audit, as_of)?;
            write(ctx, &a.output, &render_audit(&model, format(a.format))?)
        }
        ReportCommand::Remediation(a) => {
            let as_of = a.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
            let doc = load(ctx, a.org.as_deref())?;
            let model = remediation_report(&provenance(ctx), &doc, a.site.as_deref(), as_of)?;
            write(
                ctx,
                &a.output,
                &render_remediation(&model, format(a.format))?,
            )
        }
    }
}

/// Write a report's bytes (atomically) and say where.
fn write(ctx: &Context, output: &Path, bytes: &[u8]) -> Result<()> {
    super::org::write_atomically(output, bytes)?;
    ctx.note(format!("wrote {}", output.display()));
    Ok(())
}

/// Who made a report and from what store (the URL without its password).
fn provenance(ctx: &Context) -> Provenance {
    Provenance {
        prepared_by: ctx.actor.clone(),
        source: ctx.database_url().map(|u| u.redacted()).unwrap_or_default(),
    }
}

fn format(f: ReportFormat) -> Format {
    match f {
        ReportFormat::Html => Format::Html,
        ReportFormat::Pdf => Format::Pdf,
    }
}

/// The assessment report or the briefing, of the organisation or one site.
fn whole(ctx: &Context, a: &AssessmentArgs, kind: Kind) -> Result<()> {
    let as_of = a.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
    let settings = Settings {
        trials: a.trials,
        seed: a.seed,
        note: None,
    };
    let doc = load(ctx, a.org.as_deref())?;
    let spinner = ctx.spinner("running the engines on the stored data".to_owned());
    let model = build(&provenance(ctx), &doc, a.site.as_deref(), as_of, &settings);
    spinner.finish_and_clear();
    write(ctx, &a.output, &render(&model?, kind, format(a.format))?)
}

fn load(ctx: &Context, org: Option<&str>) -> Result<OrgDocument> {
    block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), org).await?;
        anyhow::Ok(rampart_store::export_document(store.as_ref(), &org).await?)
    })?
}

/// The demo organisation's report, written beside the store (for SQLite)
/// or in the current directory; returns where.
pub fn demo_report(ctx: &Context, url: &rampart_store::DatabaseUrl, org: &Id) -> Result<PathBuf> {
    let dir = sqlite_dir(url).unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join("northwind-assessment-report.html");
    let started = std::time::Instant::now();
    let doc = load(ctx, Some(org.as_str()))?;
    let settings = Settings {
        trials: DEMO_TRIALS,
        seed: DEFAULT_SEED,
        note: (DEMO_TRIALS != DEFAULT_TRIALS).then(|| {
            format!(
                "This report was written by `rampart demo` with {} trials to keep the demo quick; \
                 `rampart report assessment` runs {} by default.",
                rampart_report::amount(DEMO_TRIALS as f64),
                rampart_report::amount(DEFAULT_TRIALS as f64)
            )
        }),
    };
    let model = build(
        &provenance(ctx),
        &doc,
        None,
        jiff::Zoned::now().date(),
        &settings,
    )?;
    super::org::write_atomically(&path, rampart_report::assessment_html(&model).as_bytes())?;
    let pdf_path = path.with_extension("pdf");
    let pdf = rampart_report::assessment_pdf(&model).context("the PDF of the demo's report")?;
    super::org::write_atomically(&pdf_path, &pdf)?;
    ctx.note(format!(
        "assessment report: {} and {} ({:.2} s)",
        path.display(),
        pdf_path.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(path)
}

/// Trials of the demo's report.
/// The full count: the demo's report takes well under a second in release.
pub const DEMO_TRIALS: u64 = DEFAULT_TRIALS;

/// The directory of an SQLite store's file.
fn sqlite_dir(url: &rampart_store::DatabaseUrl) -> Option<PathBuf> {
    if url.backend() != Some(rampart_store::Backend::Sqlite) {
        return None;
    }
    let s = url.expose();
    let path = s
        .strip_prefix("sqlite://")
        .or_else(|| s.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    let parent = Path::new(path).parent()?;
    Some(if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent.to_path_buf()
    })
}
