//! Organisation commands: `init`, `import`, `export` and `demo`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use rampart_domain::Id;
use rampart_orgfile::Format;
use rampart_store::{ImportMode, ImportSummary, Store, export_document, import_document};

use super::{Context, block_on};

/// The demonstration organisation, built into the binary.
pub const DEMO_ORGANISATION: &str = include_str!("../../examples/demo-organisation.yaml");

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The organisation file (`.yaml`, `.yml` or `.json`).
    file: PathBuf,
    /// Replace the organisation if it is already in the store (in one
    /// transaction: on any error the old one stays).
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FileFormat {
    Yaml,
    Json,
}

/// `rampart export [ARGS]` writes the organisation file; `rampart export
/// oscal ...` writes OSCAL documents.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ExportCommand {
    #[command(flatten)]
    args: ExportArgs,
    #[command(subcommand)]
    sub: Option<ExportSub>,
}

#[derive(Debug, clap::Subcommand)]
enum ExportSub {
    /// Write OSCAL 1.0.6 documents: an audit's assessment results, a site's POA&M.
    ///
    /// Example: rampart export oscal poam --site dc -o dc-poam.json
    #[command(subcommand)]
    Oscal(super::compliance::OscalExport),
    /// Write a register as a spreadsheet (XLSX or CSV): risks, findings, the remediation
    /// plan, the device schedule or the audits.
    ///
    /// Example: rampart export sheet --register risks --site dc --format xlsx -o dc-risks.xlsx
    Sheet(super::sheets::SheetExport),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The organisation to export; may be left out when the store holds one.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Output format; by default taken from the output file's extension, else YAML.
    #[arg(long)]
    format: Option<FileFormat>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Reload the demonstration organisation even if it is already there.
    #[arg(long)]
    reset: bool,
    /// Only seed the store; do not start the web application.
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    serve: super::serve::ServeArgs,
}

pub fn init(ctx: &Context) -> Result<ExitCode> {
    let url = ctx.database_url()?;
    block_on(async { crate::db::open(&url).await })??;
    ctx.note(format!("store ready: {url}"));
    Ok(ExitCode::SUCCESS)
}

pub fn import(ctx: &Context, args: ImportArgs) -> Result<ExitCode> {
    let name = args.file.display().to_string();
    let text = read_limited(&args.file)?;
    let started = Instant::now();
    let spinner = ctx.spinner(format!("reading and checking {name}"));
    let doc = rampart_orgfile::parse(&name, &text, Format::from_name(&name));
    spinner.finish_and_clear();
    let doc = doc?;
    let parsed = started.elapsed().as_secs_f64();
    let mode = if args.replace {
        ImportMode::Replace
    } else {
        ImportMode::CreateOnly
    };
    let summary = block_on(async {
        let store = ctx.open_store().await?;
        let writing = Instant::now();
        let summary = write_document(ctx, store.as_ref(), &doc, &name, mode).await;
        summary.map(|s| (s, writing.elapsed().as_secs_f64()))
    })??;
    let (summary, written) = summary;
    report_import(ctx, &summary, started);
    ctx.note(format!(
        "  read and checked in {parsed:.2} s; written in {written:.2} s ({:.0} entities/s into the store)",
        summary.entities as f64 / written.max(1e-9)
    ));
    Ok(ExitCode::SUCCESS)
}

async fn write_document(
    ctx: &Context,
    store: &dyn Store,
    doc: &rampart_domain::OrgDocument,
    source: &str,
    mode: ImportMode,
) -> Result<ImportSummary> {
    check_engine_models(doc).with_context(|| format!("in {source}"))?;
    let bar = ctx.progress(doc.entity_count() as u64, "importing");
    let progress = |n: u64| bar.set_position(n);
    let summary = import_document(store, &ctx.actor, doc, mode, &progress).await;
    bar.finish_and_clear();
    Ok(summary?)
}

fn report_import(ctx: &Context, summary: &ImportSummary, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    let org = summary.organisation.as_ref().map_or("?", Id::as_str);
    ctx.note(format!(
        "{} organisation {org}: {} entities in {secs:.2} s ({:.0}/s)",
        if summary.replaced {
            "replaced"
        } else {
            "imported"
        },
        summary.entities,
        summary.entities as f64 / secs.max(1e-9),
    ));
    if summary.replaced {
        ctx.note(format!(
            "  kept the organisation's {} user account(s) (users are not in the file)",
            summary.users_kept
        ));
    }
    // Said even with --quiet: an account lost access to something.
    for change in &summary.user_changes {
        eprintln!("warning: {change}");
    }
}

pub fn export(ctx: &Context, cmd: ExportCommand) -> Result<ExitCode> {
    let args = match cmd.sub {
        Some(ExportSub::Oscal(oscal)) => {
            super::compliance::export_oscal(ctx, oscal)?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(ExportSub::Sheet(sheet)) => {
            super::sheets::export(ctx, sheet)?;
            return Ok(ExitCode::SUCCESS);
        }
        None => cmd.args,
    };
    let format = match (args.format, &args.output) {
        (Some(FileFormat::Json), _) => Format::Json,
        (Some(FileFormat::Yaml), _) => Format::Yaml,
        (None, Some(path)) => Format::from_name(&path.display().to_string()),
        (None, None) => Format::Yaml,
    };
    let doc = block_on(async {
        let store = ctx.open_store().await?;
        let org = pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        anyhow::Ok(export_document(store.as_ref(), &org).await?)
    })??;
    let text = match format {
        Format::Yaml => rampart_orgfile::to_yaml(&doc).context("cannot write YAML")?,
        Format::Json => rampart_orgfile::to_json(&doc).context("cannot write JSON")? + "\n",
    };
    match args.output {
        Some(path) => {
            write_atomically(&path, text.as_bytes())?;
            ctx.note(format!(
                "wrote {} ({} entities)",
                path.display(),
                doc.entity_count()
            ));
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn demo(ctx: &Context, args: DemoArgs) -> Result<ExitCode> {
    let url = ctx.database_url()?;
    let doc = rampart_orgfile::parse("demo-organisation.yaml", DEMO_ORGANISATION, Format::Yaml)
        .map_err(|e| anyhow::anyhow!("the built-in demo organisation is invalid: {e}"))?;
    let started = Instant::now();
    let outcome = block_on(async {
        let store = crate::db::open(&url).await?;
        if !args.reset && store.organisation(&doc.organisation.id).await?.is_some() {
            return anyhow::Ok(None);
        }
        let mode = if args.reset {
            ImportMode::Replace
        } else {
            ImportMode::CreateOnly
        };
        Ok(Some(
            write_document(
                ctx,
                store.as_ref(),
                &doc,
                "the built-in demo organisation",
                mode,
            )
            .await?,
        ))
    })??;
    match outcome {
        Some(summary) => report_import(ctx, &summary, started),
        None => ctx.note(format!(
            "the demo organisation {} is already in {url} (use --reset to reload it)",
            doc.organisation.id
        )),
    }
    ctx.note(format!(
        "\n{} — {} sites, {} zones, {} assets, {} threats, {} controls, {} devices, {} risk scenarios, {} audits\n\
         store: {url}\n\n\
         Next:\n  rampart export --db '{url}' --org {}      the organisation as YAML\n  \
         rampart audit list --db '{url}'            audits and inspections of the sites\n  \
         rampart audit-log verify --db '{url}'      check the audit trail",
        doc.organisation.name,
        doc.sites.len(),
        doc.zones.len(),
        doc.assets.len(),
        doc.threats.len(),
        doc.controls.len(),
        doc.devices.len(),
        doc.risks.len(),
        doc.audits.len(),
        doc.organisation.id,
    ));
    // The demo organisation's assessment report, beside the store.
    super::report::demo_report(ctx, &url, &doc.organisation.id)?;
    let serve = (!args.no_serve).then_some(args.serve);
    super::serve::demo_serve(ctx, &doc.organisation.id, serve)?;
    Ok(ExitCode::SUCCESS)
}

/// The models that engines read (FAIR scenarios, facility models, floor
/// plans, frameworks and audits) are kept as written by the domain; check each with its engine
/// before anything is stored, so that a broken one is refused at import and
/// not found at the first analysis.
pub(crate) fn check_engine_models(doc: &rampart_domain::OrgDocument) -> Result<()> {
    // One record at a time, so that the error names the one that is wrong.
    for r in &doc.risks {
        check_risk_model(r)?;
    }
    for f in &doc.facility_models {
        check_facility_model(f)?;
    }
    for p in &doc.floor_plans {
        check_floor_plan(p)?;
    }
    super::compliance::check_document(doc)?;
    Ok(())
}

fn check_risk_model(r: &rampart_domain::RiskScenario) -> Result<()> {
    if let Some(text) = rampart_analyst::fair_scenario_text([r]) {
        rampart_risk::parse(&text).with_context(|| format!("risk {}: its FAIR model", r.id))?;
    }
    Ok(())
}

fn check_facility_model(f: &rampart_domain::FacilityModel) -> Result<()> {
    rampart_protection::Facility::from_yaml(&f.model.to_string())
        .with_context(|| format!("facility model {} (site {})", f.id, f.site))?;
    Ok(())
}

fn check_floor_plan(p: &rampart_domain::FloorPlan) -> Result<()> {
    rampart_surveillance::FloorPlan::from_yaml(&p.plan.to_string())
        .with_context(|| format!("floor plan {} (site {})", p.id, p.site))?;
    Ok(())
}

/// The same checks for one record written through the web application,
/// given as its JSON: the hook the server calls, since it knows no engine.
pub(crate) fn check_engine_model(
    kind: rampart_domain::EntityKind,
    value: &serde_json::Value,
) -> Result<(), String> {
    use rampart_domain::EntityKind as K;
    let outcome = match kind {
        K::Risk => serde_json::from_value(value.clone())
            .map_err(anyhow::Error::from)
            .and_then(|r| check_risk_model(&r)),
        K::FacilityModel => serde_json::from_value(value.clone())
            .map_err(anyhow::Error::from)
            .and_then(|f| check_facility_model(&f)),
        K::FloorPlan => serde_json::from_value(value.clone())
            .map_err(anyhow::Error::from)
            .and_then(|p| check_floor_plan(&p)),
        K::Framework => serde_json::from_value(value.clone())
            .map_err(anyhow::Error::from)
            .and_then(|f| super::compliance::check_framework(&f)),
        K::Audit => serde_json::from_value(value.clone())
            .map_err(anyhow::Error::from)
            .and_then(|a| super::compliance::check_audit_shape(&a)),
        _ => Ok(()),
    };
    outcome.map_err(|e| format!("{e:#}"))
}

/// The organisation named, or the only one in the store.
pub(crate) async fn pick_organisation(store: &dyn Store, named: Option<&str>) -> Result<Id> {
    if let Some(s) = named {
        return Id::new(s).with_context(|| format!("--org {s:?}"));
    }
    let orgs = store.organisations().await?;
    match orgs.as_slice() {
        [] => bail!(
            "the store holds no organisation yet: run `rampart import FILE` or `rampart demo`"
        ),
        [one] => Ok(one.value.id.clone()),
        many => bail!(
            "the store holds {} organisations ({}); choose one with --org",
            many.len(),
            many.iter()
                .map(|o| o.value.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Read a file, refusing ones too large to be an organisation file.
fn read_limited(path: &Path) -> Result<String> {
    super::read_limited_text(
        path,
        rampart_orgfile::MAX_FILE_BYTES as u64,
        "an organisation file",
    )
}

/// Write to a temporary file beside `path`, then rename: a reader never
/// sees half a file, and a failure leaves the old one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path.file_name().context("the output path names no file")?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}
