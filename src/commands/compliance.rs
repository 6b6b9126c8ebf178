//! Compliance commands: `framework import` and `framework list` (the
//! framework library), `audit list`, `audit calendar` (an iCalendar feed of
//! the planned audits), and `export oscal` (an audit as OSCAL assessment
//! results, a site's remediation as an OSCAL POA&M). Frameworks
//! and audits are stored as domain records whose content is the compliance
//! engine's; this module is where the two meet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use rampart_compliance::export::{self, ExportOptions};
use rampart_compliance::oscal::{self, CatalogSources};
use rampart_compliance::stored::{AuditContent, AuditHeader};
use rampart_compliance::{Criticality, RemediationPlan, checklist};
use rampart_domain::{Audit, AuditStatus, Framework, Id, OrgDocument};
use rampart_sheets::{ColumnSpec, Kind};
use rampart_store::{ListQuery, Store};
use serde::Serialize;

use super::{Context, block_on};

/// The largest framework file read: the full SP 800-53 rev5 catalog is
/// about 10 MB of JSON, a resolved baseline 4 MB.
pub const MAX_FRAMEWORK_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, clap::Subcommand)]
pub enum FrameworkCommand {
    /// Store an OSCAL catalog, a resolved OSCAL profile or a Rampart checklist (YAML) as a
    /// framework of the organisation.
    ///
    /// JSON files are read as OSCAL: a catalog, or a profile, which is resolved against the
    /// catalog given with `--catalog` (selections, parameters, alterations). YAML files are
    /// read as Rampart checklists (see docs/orgfile.md). The count printed is every control
    /// and enhancement (or checklist item). Nothing is stored if the file is refused.
    ///
    /// Example: rampart framework import NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json --id nist-moderate --json
    Import(ImportArgs),
    /// List the organisation's frameworks.
    ///
    /// Example: rampart framework list --json
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The OSCAL catalog or profile (`.json`), or a checklist: YAML (`.yaml`, `.yml`) or a
    /// spreadsheet (`.xlsx`, first worksheet, one item per row, columns by header: Section,
    /// Section title, ID, Title, Requirement, Look for, How to test, Criticality, Maps as
    /// `FRAMEWORK: CONTROL, CONTROL; ...`).
    file: PathBuf,
    /// For a profile: the catalog it imports (OSCAL JSON).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// The framework's id; by default the checklist's id, or one made from the file name.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Replace a framework of the same id.
    #[arg(long)]
    replace: bool,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Print `{"framework": ID, "controls": N}`.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// List the organisation's audits: site, framework and status.
    ///
    /// Example: rampart audit list --site dc --json
    List(AuditListArgs),
    /// Write an iCalendar (RFC 5545) feed of the audits, recurring inspections and planned
    /// acceptance tests coming up: each an all-day event (an audit over its planned dates),
    /// with a reminder. Subscribe to the file in a calendar application; the same audit keeps
    /// its UID, so a rewritten feed updates events rather than adding copies. Audits already
    /// overdue (planned end passed, not completed), inspections not done by their date and
    /// acceptance tests planned in the past and not signed off are listed on stderr.
    ///
    /// Example: rampart audit calendar --site dc --days 90 -o audits.ics
    Calendar(CalendarArgs),
    /// Review a site's design from the stored model and print the findings:
    /// every exterior door (of the facility models) has a reader or an alarm
    /// contact; every critical asset (value 8 or more) has an applied
    /// control in place; every risk above the appetite has a treatment and
    /// an owner; every zone of the floor plans meets its camera level.
    /// Exits 0 whatever it finds; the findings are the answer.
    ///
    /// Example: rampart audit review --site dc --json
    Review(ReviewArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The site to review.
    #[arg(long, value_name = "ID")]
    site: String,
    /// The date the review speaks for (default: today).
    #[arg(long, value_name = "DATE")]
    as_of: Option<jiff::civil::Date>,
    /// Trials of the FAIR Monte Carlo that decides whether a FAIR risk is
    /// above the organisation's annual-loss appetite.
    #[arg(long, default_value_t = rampart_analyst::report::DEFAULT_TRIALS)]
    trials: u64,
    /// Print JSON: {"site", "checked": {...}, "findings": [{"id", "severity", "title", "description", "controls"}], "problems"}.
    #[arg(long)]
    json: bool,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CalendarArgs {
    /// Only the audits of this site.
    #[arg(long, value_name = "ID")]
    site: Option<String>,
    /// How many days ahead to look (audits under way today are included).
    #[arg(long, value_name = "N", default_value_t = 90)]
    days: u32,
    /// Remind this many days before an audit starts.
    #[arg(long, value_name = "N", default_value_t = 7)]
    remind_days: u32,
    /// The day to count from (default: today); also the feed's timestamp, so the same
    /// store and date give the same bytes.
    #[arg(long, value_name = "DATE")]
    as_of: Option<jiff::civil::Date>,
    /// The file to write (atomically).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AuditListArgs {
    /// Only the audits of this site.
    #[arg(long, value_name = "ID")]
    site: Option<String>,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Print a JSON list of `{"id", "site", "framework", "status"}`.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum OscalExport {
    /// An audit as OSCAL 1.0.6 assessment results (JSON).
    ///
    /// Example: rampart export oscal assessment-results --audit dc-800-53-2025 -o dc-ar.json
    AssessmentResults {
        /// The audit.
        #[arg(long, value_name = "ID")]
        audit: String,
        /// The file to write (atomically).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// The organisation, when the store holds several.
        #[arg(long, value_name = "ID")]
        org: Option<String>,
    },
    /// The remediation plan of a site's audits as an OSCAL 1.0.6 plan of action and
    /// milestones (JSON).
    ///
    /// Example: rampart export oscal poam --site dc -o dc-poam.json
    Poam {
        /// The site.
        #[arg(long, value_name = "ID")]
        site: String,
        /// The file to write (atomically).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// The organisation, when the store holds several.
        #[arg(long, value_name = "ID")]
        org: Option<String>,
    },
}

pub fn framework(ctx: &Context, cmd: FrameworkCommand) -> Result<()> {
    match cmd {
        FrameworkCommand::Import(args) => import(ctx, args),
        FrameworkCommand::List(args) => list(ctx, args),
    }
}

/// A framework read from a file, with the count to report.
struct Read {
    framework: rampart_compliance::Framework,
    controls: usize,
}

/// The bytes of a framework file, within the size a framework may be.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    super::read_limited(path, MAX_FRAMEWORK_BYTES, "a framework file")
}

fn read_text(path: &Path) -> Result<String> {
    super::read_limited_text(path, MAX_FRAMEWORK_BYTES, "a framework file")
}

/// An id from a file name: lower case, characters an id may not hold as
/// `-`, at most 64 long.
fn id_from_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    id.truncate(64);
    let id = id.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    if id.is_empty() {
        "framework".to_owned()
    } else {
        id.to_owned()
    }
}

/// The columns of a checklist written as a spreadsheet, one item per row.
const CHECKLIST_COLUMNS: [ColumnSpec; 9] = [
    ColumnSpec {
        name: "Section",
        aliases: &["Section id"],
        kind: Kind::Text,
        required: true,
    },
    ColumnSpec::new("Section title", Kind::Text, false),
    ColumnSpec {
        name: "ID",
        aliases: &["Item", "Item id"],
        kind: Kind::Text,
        required: true,
    },
    ColumnSpec::new("Title", Kind::Text, true),
    ColumnSpec {
        name: "Requirement",
        aliases: &["Text"],
        kind: Kind::Text,
        required: false,
    },
    ColumnSpec {
        name: "Look for",
        aliases: &["What to look for"],
        kind: Kind::Text,
        required: false,
    },
    ColumnSpec::new("How to test", Kind::Text, false),
    ColumnSpec::new("Criticality", Kind::Text, false),
    ColumnSpec {
        name: "Maps",
        aliases: &["Mappings"],
        kind: Kind::Text,
        required: false,
    },
];

/// `nist-sp-800-53-rev5: pe-3, pe-6; iso-27001: A.7.1` as mappings.
fn parse_maps(text: &str) -> std::result::Result<BTreeMap<String, Vec<String>>, String> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((fw, controls)) = part.split_once(':') else {
            return Err(format!(
                "{part:?}: write FRAMEWORK: CONTROL, CONTROL; FRAMEWORK: ..."
            ));
        };
        let fw = fw.trim();
        if fw.is_empty() {
            return Err(format!("{part:?}: the framework is missing"));
        }
        out.entry(fw.to_owned()).or_default().extend(
            controls
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(out)
}

/// A checklist from the first worksheet of an XLSX workbook, one item per
/// row, columns by header (`CHECKLIST_COLUMNS`); every problem is listed
/// with its row before anything is stored.
fn read_checklist_xlsx(args: &ImportArgs, name: &str) -> Result<Read> {
    let bytes = read_bytes(&args.file)?;
    let sheet =
        rampart_sheets::read_xlsx(&bytes, &CHECKLIST_COLUMNS).with_context(|| name.to_owned())?;
    let mut problems: Vec<String> = sheet.problems.iter().map(ToString::to_string).collect();
    let mut rows = Vec::with_capacity(sheet.rows.len());
    for r in &sheet.rows {
        let text = |i: usize| r.cells[i].as_text().unwrap_or("").trim().to_owned();
        let criticality = match text(7).to_ascii_lowercase().as_str() {
            "" | "medium" => Criticality::Medium,
            "low" => Criticality::Low,
            "high" => Criticality::High,
            "critical" => Criticality::Critical,
            other => {
                problems.push(format!(
                    "row {}, column \"Criticality\": {other:?} is not low, medium, high or critical",
                    r.row
                ));
                Criticality::Medium
            }
        };
        let maps = parse_maps(&text(8)).unwrap_or_else(|e| {
            problems.push(format!("row {}, column \"Maps\": {e}", r.row));
            BTreeMap::new()
        });
        let requirement = text(4);
        rows.push(checklist::ChecklistRow {
            section: text(0),
            section_title: text(1),
            id: text(2),
            title: text(3),
            text: (!requirement.is_empty()).then_some(requirement),
            look_for: text(5),
            how_to_test: text(6),
            criticality,
            maps,
        });
    }
    if !problems.is_empty() {
        bail!(
            "{name}: {} problem(s), nothing stored:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    let id = args.id.clone().unwrap_or_else(|| id_from_name(&args.file));
    let title = args
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '_'], " "))
        .unwrap_or_else(|| id.clone());
    let framework = checklist::checklist_from_rows(&id, &title, "", rows)
        .with_context(|| format!("{name}: not a checklist"))?;
    let controls = framework.len();
    Ok(Read {
        framework,
        controls,
    })
}

fn read_framework(args: &ImportArgs) -> Result<Read> {
    let path = &args.file;
    let name = path.display().to_string();
    if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        return read_checklist_xlsx(args, &name);
    }
    let text = read_text(path)?;
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    if yaml {
        let mut framework = checklist::parse_checklist(&text)
            .with_context(|| format!("{name}: not a checklist"))?;
        if let Some(id) = &args.id {
            framework.id.clone_from(id);
        }
        let controls = framework.len();
        return Ok(Read {
            framework,
            controls,
        });
    }
    let id = args.id.clone().unwrap_or_else(|| id_from_name(path));
    // A profile, or else a catalog (whose parser says what is wrong with
    // anything else). Only the top-level keys are read here.
    let is_profile = serde_json::from_str::<BTreeMap<String, serde::de::IgnoredAny>>(&text)
        .is_ok_and(|keys| keys.contains_key("profile"));
    let catalog = if is_profile {
        let profile = oscal::parse_profile(&text).with_context(|| name.clone())?;
        let Some(catalog_path) = &args.catalog else {
            let hrefs: Vec<&str> = profile.imports.iter().map(|i| i.href.as_str()).collect();
            bail!(
                "{name}: an OSCAL profile, which imports {}; give the catalog with --catalog FILE",
                hrefs.join(", ")
            );
        };
        let catalog_name = catalog_path.display().to_string();
        let catalog = read_text(catalog_path)
            .and_then(|t| oscal::parse_catalog(&t).with_context(|| catalog_name.clone()))
            .with_context(|| format!("{name}: the profile's catalog"))?;
        // The catalog given answers every import of the profile.
        let mut sources = CatalogSources::new();
        for i in &profile.imports {
            sources = sources.with(i.href.clone(), &catalog);
        }
        oscal::resolve(&profile, &sources)
            .with_context(|| format!("{name}: resolving against {catalog_name}"))?
    } else {
        oscal::parse_catalog(&text).with_context(|| name.clone())?
    };
    if catalog.count().total() == 0 {
        bail!("{name}: the catalog holds no control");
    }
    Ok(Read {
        framework: rampart_compliance::Framework::from_catalog(&id, &catalog),
        controls: catalog.count().total(),
    })
}

fn import(ctx: &Context, args: ImportArgs) -> Result<()> {
    let read = read_framework(&args)?;
    let f = &read.framework;
    let id = Id::new(f.id.as_str()).with_context(|| {
        format!(
            "{}: {:?} cannot be a framework id (choose one with --id)",
            args.file.display(),
            f.id
        )
    })?;
    let entity = Framework {
        id: id.clone(),
        title: f.title.clone(),
        version: f.version.clone(),
        source: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        content: serde_json::to_value(f)?,
    };
    block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        let existing = store.get::<Framework>(&org, &id).await?;
        match existing {
            Some(old) if args.replace => {
                store.update(&ctx.actor, &org, &entity, old.version).await?;
            }
            Some(_) => bail!(
                "organisation {org} already has a framework {id} (use --replace, or --id to choose another id)"
            ),
            None => {
                store.create(&ctx.actor, &org, &entity).await?;
            }
        }
        anyhow::Ok(())
    })??;
    if args.json {
        #[derive(Serialize)]
        struct Imported<'a> {
            framework: &'a str,
            controls: usize,
        }
        let line = Imported {
            framework: id.as_str(),
            controls: read.controls,
        };
        println!("{}", serde_json::to_string(&line)?);
    } else {
        println!(
            "framework {id}: {} ({} controls and enhancements, {} sections)",
            f.title,
            read.controls,
            f.sections.len()
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct FrameworkLine {
    id: String,
    title: String,
    version: String,
    source: String,
    items: usize,
}

fn list(ctx: &Context, args: ListArgs) -> Result<()> {
    let frameworks = block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        let list = store.list::<Framework>(&org, &ListQuery::all()).await?;
        anyhow::Ok(list.into_iter().map(|s| s.value).collect::<Vec<_>>())
    })??;
    let mut lines = Vec::new();
    for f in &frameworks {
        lines.push(FrameworkLine {
            id: f.id.to_string(),
            title: f.title.clone(),
            version: f.version.clone(),
            source: f.source.clone(),
            items: engine_framework(f)?.len(),
        });
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else if lines.is_empty() {
        println!("no frameworks");
    } else {
        for l in &lines {
            println!(
                "{:<32} {:>5} items  {} {} ({})",
                l.id, l.items, l.title, l.version, l.source
            );
        }
    }
    Ok(())
}

pub fn audit(ctx: &Context, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::List(args) => audit_list(ctx, args),
        AuditCommand::Calendar(args) => audit_calendar(ctx, args),
        AuditCommand::Review(args) => audit_review(ctx, args),
    }
}

fn audit_review(ctx: &Context, args: ReviewArgs) -> Result<()> {
    let doc = block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        anyhow::Ok(rampart_store::export_document(store.as_ref(), &org).await?)
    })??;
    let as_of = args.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
    let settings = rampart_analyst::report::Settings {
        trials: args.trials,
        seed: rampart_analyst::report::DEFAULT_SEED,
        note: None,
    };
    let spinner = ctx.spinner("running the engines on the stored site".to_owned());
    let r = rampart_analyst::design_review::design_review(&doc, &args.site, as_of, &settings);
    spinner.finish_and_clear();
    let r = r?;
    if args.json {
        let findings: Vec<serde_json::Value> = r
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "id": f.id,
                    "severity": f.severity,
                    "title": f.title,
                    "description": f.description,
                    "controls": f.controls,
                })
            })
            .collect();
        let out = serde_json::json!({
            "site": args.site,
            "checked": {
                "exterior_doors": r.checked[0],
                "critical_assets": r.checked[1],
                "risks": r.checked[2],
                "zones": r.checked[3],
            },
            "findings": findings,
            "problems": r.problems,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "design review of {}: {} exterior door(s), {} critical asset(s), {} risk(s), {} zone(s) with a camera level checked",
        r.site, r.checked[0], r.checked[1], r.checked[2], r.checked[3]
    );
    for p in &r.problems {
        println!("  not checked: {p}");
    }
    if r.findings.is_empty() {
        println!("no findings");
    }
    for f in &r.findings {
        println!(
            "{:<9} {:<40} {}",
            format!("{:?}", f.severity).to_lowercase(),
            f.id,
            f.title
        );
    }
    Ok(())
}

/// The organisation's audits, of one site or all.
fn stored_audits(ctx: &Context, org: Option<&str>, site: Option<&str>) -> Result<(Id, Vec<Audit>)> {
    stored_of::<Audit>(ctx, org, site)
}

/// The organisation's records of one site-bound kind, of one site or all.
fn stored_of<E: rampart_domain::Entity>(
    ctx: &Context,
    org: Option<&str>,
    site: Option<&str>,
) -> Result<(Id, Vec<E>)> {
    block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), org).await?;
        let list = values_of::<E>(store.as_ref(), &org, site).await?;
        anyhow::Ok((org, list))
    })?
}

/// The values of one site-bound kind, of one site or all.
async fn values_of<E: rampart_domain::Entity>(
    store: &dyn Store,
    org: &Id,
    site: Option<&str>,
) -> Result<Vec<E>> {
    let query = match site {
        Some(s) => ListQuery::site(&Id::new(s).with_context(|| format!("--site {s:?}"))?),
        None => ListQuery::all(),
    };
    let list = store.list::<E>(org, &query).await?;
    Ok(list.into_iter().map(|s| s.value).collect())
}

fn audit_calendar(ctx: &Context, args: CalendarArgs) -> Result<()> {
    use rampart_compliance::{ical, schedule};
    use rampart_domain::{AcceptancePlan, Inspection};
    // Everything the feed holds, read with one store.
    let site = args.site.as_deref();
    let (org, audits, plans, stored_inspections) = block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        let store = store.as_ref();
        let audits = values_of::<Audit>(store, &org, site).await?;
        let plans = values_of::<AcceptancePlan>(store, &org, site).await?;
        let inspections = values_of::<Inspection>(store, &org, site).await?;
        anyhow::Ok((org, audits, plans, inspections))
    })??;
    let (today, stamp) = match args.as_of {
        Some(d) => (
            d,
            d.to_zoned(jiff::tz::TimeZone::UTC)
                .with_context(|| format!("--as-of {d}"))?
                .timestamp(),
        ),
        None => (jiff::Zoned::now().date(), jiff::Timestamp::now()),
    };
    let planned: Vec<schedule::PlannedAudit> = audits
        .iter()
        .map(|a| schedule::PlannedAudit {
            kind: schedule::OccurrenceKind::Audit,
            id: a.id.to_string(),
            title: a.title.clone(),
            site: Some(a.site.to_string()),
            start: a.planned_start,
            end: a.planned_end,
            state: if a.status == AuditStatus::Completed {
                schedule::PlanState::Completed
            } else {
                schedule::PlanState::Open
            },
            reminder_days: args.remind_days,
        })
        .collect();
    // Acceptance tests planned for a day, until the plan is signed off.
    let mut planned = planned;
    planned.extend(plans.iter().filter_map(|p| {
        let day = p.planned?;
        Some(schedule::PlannedAudit {
            kind: schedule::OccurrenceKind::AcceptanceTest,
            id: p.id.to_string(),
            title: format!("Acceptance tests: {}", p.title),
            site: Some(p.site.to_string()),
            start: day,
            end: day,
            state: if p.sign_off.is_some() {
                schedule::PlanState::Completed
            } else {
                schedule::PlanState::Open
            },
            reminder_days: args.remind_days,
        })
    }));
    let inspections: Vec<schedule::InspectionSchedule> = stored_inspections
        .iter()
        .map(rampart_analyst::audits::schedule_of)
        .collect();
    let agenda = schedule::agenda(&inspections, &planned, today, args.days)?;
    let name = match &args.site {
        Some(s) => format!("Rampart audits and inspections: {org}, site {s}"),
        None => format!("Rampart audits and inspections: {org}"),
    };
    let text = ical::feed(&name, &agenda.upcoming, stamp);
    super::org::write_atomically(&args.output, text.as_bytes())?;
    let count =
        |k: schedule::OccurrenceKind| agenda.upcoming.iter().filter(|o| o.kind == k).count();
    ctx.note(format!(
        "wrote {} ({} upcoming audit(s), {} inspection(s) and {} acceptance test day(s) in the next {} days from {today})",
        args.output.display(),
        count(schedule::OccurrenceKind::Audit),
        count(schedule::OccurrenceKind::Inspection),
        count(schedule::OccurrenceKind::AcceptanceTest),
        args.days
    ));
    for o in &agenda.overdue {
        if o.kind == schedule::OccurrenceKind::AcceptanceTest {
            ctx.note(format!(
                "  overdue: acceptance tests {} at site {} (planned {}, not signed off)",
                o.source,
                o.site.as_deref().unwrap_or("?"),
                o.start
            ));
        } else if o.kind == schedule::OccurrenceKind::Audit {
            ctx.note(format!(
                "  overdue: audit {} at site {} (planned {} to {})",
                o.source,
                o.site.as_deref().unwrap_or("?"),
                o.start,
                o.end
            ));
        } else {
            ctx.note(format!(
                "  overdue: inspection {} at site {} (due {})",
                o.source,
                o.site.as_deref().unwrap_or("?"),
                o.start
            ));
        }
    }
    Ok(())
}

fn audit_list(ctx: &Context, args: AuditListArgs) -> Result<()> {
    let (_, audits) = stored_audits(ctx, args.org.as_deref(), args.site.as_deref())?;
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a str,
        site: &'a str,
        framework: &'a str,
        status: &'a str,
    }
    let lines: Vec<Line<'_>> = audits
        .iter()
        .map(|a| Line {
            id: a.id.as_str(),
            site: a.site.as_str(),
            framework: a.framework.as_str(),
            status: a.status.as_str(),
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
    } else if lines.is_empty() {
        println!("no audits");
    } else {
        for (l, a) in lines.iter().zip(&audits) {
            println!(
                "{:<24} {:<6} {:<32} {:<12} {} to {}  {}",
                l.id, l.site, l.framework, l.status, a.planned_start, a.planned_end, a.title
            );
        }
    }
    Ok(())
}

/// The compliance engine's framework for a stored one: its content, or the
/// built-in framework its source names; under the stored id. The reading
/// is `rampart_analyst::audits`', shared with the web application.
pub(crate) fn engine_framework(f: &Framework) -> Result<rampart_compliance::Framework> {
    Ok(rampart_analyst::audits::engine_framework(f)?)
}

/// The header the compliance engine needs, from the stored audit.
pub(crate) fn header(a: &Audit) -> AuditHeader {
    rampart_analyst::audits::header(a)
}

pub(crate) fn audit_content(a: &Audit) -> Result<AuditContent> {
    Ok(rampart_analyst::audits::audit_content(a)?)
}

/// Check one stored framework (its content or built-in name).
pub(crate) fn check_framework(f: &Framework) -> Result<()> {
    engine_framework(f).map(|_| ())
}

/// Check one stored audit's content on its own (its shape), for single
/// records written through the web application.
pub(crate) fn check_audit_shape(a: &Audit) -> Result<()> {
    audit_content(a).map(|_| ())
}

/// Check the frameworks and audits of a document with the compliance
/// engine: each framework reads; each audit's work fits its framework
/// (known items, in scope, findings, remediation and acceptances that hold
/// together); findings name risk scenarios of the audit's site.
pub(crate) fn check_document(doc: &OrgDocument) -> Result<()> {
    let mut frameworks = BTreeMap::new();
    for f in &doc.frameworks {
        frameworks.insert(&f.id, engine_framework(f)?);
    }
    let risks: BTreeMap<&str, &Id> = doc.risks.iter().map(|r| (r.id.as_str(), &r.site)).collect();
    for a in &doc.audits {
        let content = audit_content(a)?;
        // A dangling framework is reported by the domain's validation.
        let Some(framework) = frameworks.get(&a.framework) else {
            continue;
        };
        content
            .check(&header(a), framework)
            .with_context(|| format!("audit {} (site {})", a.id, a.site))?;
        for f in &content.findings {
            if let Some(r) = &f.risk_scenario {
                match risks.get(r.as_str()) {
                    None => bail!(
                        "audit {}: finding {} feeds risk {r}, which does not exist",
                        a.id,
                        f.id
                    ),
                    Some(site) if **site != a.site => bail!(
                        "audit {}: finding {} feeds risk {r}, which is at site {site}, not {}",
                        a.id,
                        f.id,
                        a.site
                    ),
                    Some(_) => {}
                }
            }
        }
    }
    Ok(())
}

fn options(updated_at: &str, version: i64, href: String) -> ExportOptions {
    // The document's time is when the record last changed, so the same
    // record always exports to the same bytes.
    let last_modified = updated_at
        .parse::<jiff::Timestamp>()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ExportOptions {
        last_modified,
        version: version.to_string(),
        import_ap_href: href,
    }
}

async fn stored_framework(
    store: &dyn Store,
    org: &Id,
    id: &Id,
) -> Result<rampart_compliance::Framework> {
    let f = store
        .get::<Framework>(org, id)
        .await?
        .with_context(|| format!("organisation {org} has no framework {id}"))?;
    engine_framework(&f.value)
}

pub fn export_oscal(ctx: &Context, cmd: OscalExport) -> Result<()> {
    match cmd {
        OscalExport::AssessmentResults { audit, output, org } => {
            let (text, unanswered) = block_on(async {
                let db = crate::db::open_database(&ctx.database_url()?).await?;
                let store: &dyn Store = db.as_ref();
                let org = super::org::pick_organisation(store, org.as_deref()).await?;
                let id = Id::new(audit.as_str()).with_context(|| format!("--audit {audit:?}"))?;
                let stored = store
                    .get::<Audit>(&org, &id)
                    .await?
                    .with_context(|| format!("organisation {org} has no audit {id}"))?;
                let a = &stored.value;
                let framework = stored_framework(store, &org, &a.framework).await?;
                let content = audit_content(a)?;
                let mut engine_audit = content.audit(&header(a));
                // Files uploaded to the audit's items are evidence of their
                // results, beside what the results themselves name.
                let mut unanswered = Vec::new();
                let attachments = db.attachments_of(&org, &id).await?;
                for att in &attachments {
                    let evidence = rampart_compliance::audit::EvidenceRef {
                        sha256: rampart_compliance::Sha256::new(&att.sha256)
                            .map_err(|e| anyhow::anyhow!("stored evidence {}: {e}", att.sha256))?,
                        description: att.display_name.clone(),
                        media_type: Some(att.media_type.clone()),
                    };
                    if engine_audit.results.iter().any(|r| r.item == att.item) {
                        engine_audit.attach_evidence(&att.item, &evidence);
                    } else {
                        unanswered.push(format!("{} ({})", att.display_name, att.item));
                    }
                }
                // Attaching a file does not change the audit record: the
                // document changes with the record or its latest attachment.
                let latest = attachments
                    .iter()
                    .map(|a| a.attached_at.as_str())
                    .chain([stored.updated_at.as_str()])
                    .max()
                    .unwrap_or_default();
                let mut opts = options(
                    latest,
                    stored.version,
                    format!("urn:rampart:{org}:assessment-plan:{id}"),
                );
                if !attachments.is_empty() {
                    opts.version = format!("{}.{}", stored.version, attachments.len());
                }
                let text = export::assessment_results(&engine_audit, &framework, &opts)
                    .with_context(|| format!("audit {id}"))?;
                anyhow::Ok((text, unanswered))
            })??;
            if !unanswered.is_empty() {
                ctx.note(format!(
                    "not exported: evidence attached to items that have no result yet: {}",
                    unanswered.join(", ")
                ));
            }
            super::org::write_atomically(&output, text.as_bytes())?;
            ctx.note(format!(
                "wrote {} (OSCAL {} assessment results)",
                output.display(),
                export::OSCAL_VERSION
            ));
        }
        OscalExport::Poam { site, output, org } => {
            let (text, items) = block_on(async {
                let store = ctx.open_store().await?;
                let org = super::org::pick_organisation(store.as_ref(), org.as_deref()).await?;
                let site_id = Id::new(site.as_str()).with_context(|| format!("--site {site:?}"))?;
                let s = store
                    .get::<rampart_domain::Site>(&org, &site_id)
                    .await?
                    .with_context(|| format!("organisation {org} has no site {site_id}"))?;
                let audits = store
                    .list::<Audit>(&org, &ListQuery::site(&site_id))
                    .await?;
                let mut plan = RemediationPlan {
                    id: format!("{site_id}-poam"),
                    title: format!("Plan of action and milestones: {}", s.value.name),
                    site: Some(site_id.to_string()),
                    items: Vec::new(),
                };
                let (mut latest, mut version) = (String::new(), 0);
                for a in &audits {
                    let content = audit_content(&a.value)?;
                    if let Some(p) = content.remediation {
                        plan.items.extend(p.items);
                    }
                    latest = latest.max(a.updated_at.clone());
                    version += a.version;
                }
                if plan.items.is_empty() {
                    bail!(
                        "site {site_id} of {org} has no remediation items in its {} audit(s): nothing to export",
                        audits.len()
                    );
                }
                let opts = options(&latest, version, String::new());
                let n = plan.items.len();
                anyhow::Ok((export::poam(&plan, &opts), n))
            })??;
            super::org::write_atomically(&output, text.as_bytes())?;
            ctx.note(format!(
                "wrote {} (OSCAL {} POA&M, {items} items)",
                output.display(),
                export::OSCAL_VERSION
            ));
        }
    }
    Ok(())
}
