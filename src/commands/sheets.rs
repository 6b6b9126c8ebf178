//! Spreadsheet commands: `export sheet` (the risk register, findings, the
//! remediation plan, the device schedule, audits as XLSX or CSV) and
//! `import risks` (a risk register a user filled in, read by header).
//!
//! The registers are built here from stored records and the engines'
//! ratings, as `rampart_sheets::Table`s; the sheets crate writes and reads
//! the bytes.
//!
//! **Assessment cells.** The Inherent, Current and Residual columns of the
//! risk register hold the method's inputs joined by `×`, then the result:
//! `3 × 4 = 12` (matrix: likelihood × impact), `4 × 5 × 3 = 60 (Low)` (FEMA
//! 452: asset value × threat × vulnerability), `high × moderate × very high
//! (High)` (NIST SP 800-30: initiation × adverse impact × impact). An import
//! reads the inputs and ignores what follows `=` or `(`, so an exported
//! register can be edited and read back. Open FAIR risks keep their model.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use jiff::civil::Date;
use rampart_compliance::Outcome;
use rampart_compliance::finding::FindingSource;
use rampart_domain::{
    Assessment, Audit, Device, FemaInputs, Framework, Id, MatrixInputs, NistInputs,
    QualitativeLevel, Rating, RiskScenario, Treatment,
};
use rampart_sheets::{Cell, ColumnSpec, Kind, Table};
use rampart_store::{ListQuery, Store, Stored};

use super::{Context, block_on};

/// The largest spreadsheet read.
pub const MAX_SHEET_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Register {
    /// The risk register: method, inherent / current / residual, owner, treatment.
    Risks,
    /// The findings of the stored audits.
    Findings,
    /// The remediation plan (POA&M items) of the stored audits.
    Poam,
    /// The device schedule (bill of materials).
    Devices,
    /// The audits: dates, status, score.
    Audits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SheetFormat {
    Xlsx,
    Csv,
}

/// `rampart export sheet ...`
#[derive(Debug, clap::Args)]
pub struct SheetExport {
    /// Which register.
    #[arg(long, value_enum)]
    register: Register,
    /// Only this site's entries.
    #[arg(long, value_name = "ID")]
    site: Option<String>,
    /// XLSX or CSV; by default from the output file's extension.
    #[arg(long, value_enum)]
    format: Option<SheetFormat>,
    /// The file to write (atomically).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The workbook's creation date (default: today), so the same data and date give the
    /// same bytes.
    #[arg(long, value_name = "DATE")]
    as_of: Option<Date>,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

/// `rampart import [FILE]` loads an organisation file; `rampart import risks FILE.xlsx` a
/// risk register.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportCommand {
    /// Absent only with a subcommand (clap requires FILE otherwise).
    #[command(flatten)]
    args: Option<super::org::ImportArgs>,
    #[command(subcommand)]
    sub: Option<ImportSub>,
}

#[derive(Debug, clap::Subcommand)]
enum ImportSub {
    /// Read a risk register from an XLSX workbook (as `export sheet --register risks` writes
    /// it, or filled in by hand): columns are matched by header, whatever their order or case.
    /// A row whose ID is stored updates that risk, keeping what the row leaves empty (a row
    /// that gives a Method or a stage replaces the whole assessment: stages left empty are
    /// cleared); a new ID adds one (Site, Threat, Asset, Title, Method and Inherent are then
    /// required). Assessment cells are the method's inputs joined by `×`, as the export
    /// writes them: `3 × 4` (matrix), `4 × 5 × 3` (FEMA 452), `high × moderate × high`
    /// (NIST SP 800-30). Every bad row is listed (row, column, problem) and nothing is
    /// written unless every row is good.
    ///
    /// Example: rampart import risks risk-register.xlsx --dry-run
    Risks(RiskImportArgs),
}

#[derive(Debug, clap::Args)]
struct RiskImportArgs {
    /// The workbook (`.xlsx`); its first worksheet is read.
    file: PathBuf,
    /// Check every row and say what would change, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The organisation, when the store holds several.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

pub fn import(ctx: &Context, cmd: ImportCommand) -> Result<std::process::ExitCode> {
    match cmd.sub {
        Some(ImportSub::Risks(args)) => {
            import_risks(ctx, args)?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        None => match cmd.args {
            Some(args) => super::org::import(ctx, args),
            None => bail!("rampart import: give the organisation file, or `risks FILE.xlsx`"),
        },
    }
}

fn format_of(args: &SheetExport) -> Result<SheetFormat> {
    if let Some(f) = args.format {
        return Ok(f);
    }
    match args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => Ok(SheetFormat::Xlsx),
        Some("csv") => Ok(SheetFormat::Csv),
        _ => bail!(
            "{}: say --format xlsx or --format csv (the name does not end in .xlsx or .csv)",
            args.output.display()
        ),
    }
}

pub fn export(ctx: &Context, args: SheetExport) -> Result<()> {
    let format = format_of(&args)?;
    let created = args.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
    let table = block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        let query = match &args.site {
            Some(s) => {
                ListQuery::site(&Id::new(s.as_str()).with_context(|| format!("--site {s:?}"))?)
            }
            None => ListQuery::all(),
        };
        let table = match args.register {
            Register::Risks => risk_register(store.as_ref(), &org, &query).await?,
            Register::Findings => findings_register(store.as_ref(), &org, &query).await?,
            Register::Poam => poam_register(store.as_ref(), &org, &query).await?,
            Register::Devices => device_register(store.as_ref(), &org, &query).await?,
            Register::Audits => audit_register(store.as_ref(), &org, &query).await?,
        };
        anyhow::Ok(table)
    })??;
    let bytes = match format {
        SheetFormat::Csv => rampart_sheets::to_csv(&table).into_bytes(),
        SheetFormat::Xlsx => rampart_sheets::to_xlsx(&table, created)
            .with_context(|| format!("writing {}", args.output.display()))?,
    };
    super::org::write_atomically(&args.output, &bytes)?;
    ctx.note(format!(
        "wrote {} ({}, {} rows)",
        args.output.display(),
        table.title,
        table.rows.len()
    ));
    Ok(())
}

fn id_cell(id: &Id) -> Cell {
    Cell::text(id.as_str())
}

fn opt_date(d: Option<Date>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

/// A serde enum's name as words: `out_of_service` -> `out of service`.
fn words<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        _ => String::new(),
    }
}

// ---- the risk register ----------------------------------------------------

/// The risk register's columns, for export and import alike.
pub const RISK_COLUMNS: [ColumnSpec; 13] = [
    ColumnSpec::new("ID", Kind::Text, true),
    ColumnSpec::new("Site", Kind::Text, false),
    ColumnSpec::new("Title", Kind::Text, false),
    ColumnSpec::new("Threat", Kind::Text, false),
    ColumnSpec::new("Asset", Kind::Text, false),
    ColumnSpec::new("Method", Kind::Text, false),
    ColumnSpec::new("Inherent", Kind::Text, false),
    ColumnSpec::new("Current", Kind::Text, false),
    ColumnSpec::new("Residual", Kind::Text, false),
    ColumnSpec::new("Owner", Kind::Text, false),
    ColumnSpec::new("Treatment", Kind::Text, false),
    ColumnSpec::new("Review date", Kind::Date, false),
    ColumnSpec::new("Description", Kind::Text, false),
];

const RISK_EXTRA: [&str; 1] = ["Controls"];

fn method_token(a: &Assessment) -> &'static str {
    a.method_name()
}

fn nist_name(l: QualitativeLevel) -> &'static str {
    match l {
        QualitativeLevel::VeryLow => "very low",
        QualitativeLevel::Low => "low",
        QualitativeLevel::Moderate => "moderate",
        QualitativeLevel::High => "high",
        QualitativeLevel::VeryHigh => "very high",
    }
}

fn nist_level(l: QualitativeLevel) -> rampart_risk::qualitative::NistLevel {
    use rampart_risk::qualitative::NistLevel as N;
    match l {
        QualitativeLevel::VeryLow => N::VeryLow,
        QualitativeLevel::Low => N::Low,
        QualitativeLevel::Moderate => N::Moderate,
        QualitativeLevel::High => N::High,
        QualitativeLevel::VeryHigh => N::VeryHigh,
    }
}

fn matrix_text(m: &MatrixInputs) -> String {
    format!(
        "{} × {} = {}",
        m.likelihood,
        m.impact,
        u32::from(m.likelihood) * u32::from(m.impact)
    )
}

fn fema_text(f: &FemaInputs) -> String {
    let (a, t, v) = (
        u32::from(f.asset_value.get()),
        u32::from(f.threat.get()),
        u32::from(f.vulnerability.get()),
    );
    let level = rampart_risk::qualitative::fema_rate(
        a,
        t,
        v,
        &rampart_risk::qualitative::FemaBands::default(),
    )
    .map(|r| format!(" ({})", r.level))
    .unwrap_or_default();
    format!("{a} × {t} × {v} = {}{level}", a * t * v)
}

fn nist_text(n: &NistInputs) -> String {
    let r = rampart_risk::qualitative::nist_rate(
        nist_level(n.initiation),
        nist_level(n.adverse_impact),
        nist_level(n.impact),
    );
    format!(
        "{} × {} × {} ({})",
        nist_name(n.initiation),
        nist_name(n.adverse_impact),
        nist_name(n.impact),
        r.level
    )
}

/// (inherent, current, residual) as register cells.
fn stage_cells(a: &Assessment) -> [Cell; 3] {
    fn three<T>(i: &T, c: Option<&T>, r: Option<&T>, f: impl Fn(&T) -> String) -> [Cell; 3] {
        [
            Cell::text(f(i)),
            Cell::opt_text(c.map(&f)),
            Cell::opt_text(r.map(&f)),
        ]
    }
    match a {
        Assessment::Matrix {
            inherent,
            current,
            residual,
        } => three(inherent, current.as_ref(), residual.as_ref(), matrix_text),
        Assessment::Fema452 {
            inherent,
            current,
            residual,
        } => three(inherent, current.as_ref(), residual.as_ref(), fema_text),
        Assessment::Nist80030 {
            inherent,
            current,
            residual,
        } => three(inherent, current.as_ref(), residual.as_ref(), nist_text),
        Assessment::Fair { .. } => [
            Cell::text("Open FAIR model (see rampart risk)"),
            Cell::Empty,
            Cell::Empty,
        ],
    }
}

fn risk_row(r: &RiskScenario) -> Vec<Cell> {
    let [inherent, current, residual] = stage_cells(&r.assessment);
    vec![
        id_cell(&r.id),
        id_cell(&r.site),
        Cell::text(r.title.clone()),
        id_cell(&r.threat),
        id_cell(&r.asset),
        Cell::text(method_token(&r.assessment)),
        inherent,
        current,
        residual,
        Cell::opt_text(r.owner.as_ref().map(|o| o.as_str())),
        Cell::text(words(&r.treatment)),
        opt_date(r.review_date),
        Cell::opt_text(r.description.clone()),
        Cell::text(
            r.controls
                .iter()
                .map(Id::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]
}

async fn risk_register(store: &dyn Store, org: &Id, query: &ListQuery) -> Result<Table> {
    let risks = store.list::<RiskScenario>(org, query).await?;
    let headers: Vec<&str> = RISK_COLUMNS
        .iter()
        .map(|c| c.name)
        .chain(RISK_EXTRA)
        .collect();
    let mut t = Table::new("Risk register", &headers);
    for r in &risks {
        t.push(risk_row(&r.value));
    }
    Ok(t)
}

// ---- findings, remediation, audits ------------------------------------------

async fn audits_with_content(
    store: &dyn Store,
    org: &Id,
    query: &ListQuery,
) -> Result<Vec<(Audit, rampart_compliance::stored::AuditContent)>> {
    let audits = store.list::<Audit>(org, query).await?;
    audits
        .into_iter()
        .map(|a| {
            let content = super::compliance::audit_content(&a.value)?;
            Ok((a.value, content))
        })
        .collect()
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Compliant => "compliant",
        Outcome::PartiallyCompliant => "partially compliant",
        Outcome::NonCompliant => "non-compliant",
        Outcome::NotApplicable => "not applicable",
    }
}

async fn findings_register(store: &dyn Store, org: &Id, query: &ListQuery) -> Result<Table> {
    let mut t = Table::new(
        "Findings",
        &[
            "Audit",
            "Site",
            "ID",
            "Title",
            "Severity",
            "Item",
            "Zone",
            "Outcome",
            "Owner",
            "Due",
            "Risk scenario",
            "Controls",
            "Description",
        ],
    );
    for (a, content) in audits_with_content(store, org, query).await? {
        for f in &content.findings {
            let (item, zone, outcome) = match &f.source {
                FindingSource::Audit {
                    item,
                    zone,
                    outcome,
                    ..
                } => (
                    item.clone(),
                    zone.clone(),
                    Cell::text(outcome_words(*outcome)),
                ),
                FindingSource::DesignReview { check, subject } => (
                    format!("design review: {check}"),
                    Some(subject.clone()),
                    Cell::Empty,
                ),
            };
            t.push(vec![
                id_cell(&a.id),
                id_cell(&a.site),
                Cell::text(f.id.clone()),
                Cell::text(f.title.clone()),
                Cell::text(f.severity.as_str()),
                Cell::text(item),
                Cell::opt_text(zone),
                outcome,
                Cell::opt_text(f.owner.clone()),
                opt_date(f.due),
                Cell::opt_text(f.risk_scenario.clone()),
                Cell::text(f.controls.join(", ")),
                Cell::text(f.description.clone()),
            ]);
        }
    }
    Ok(t)
}

async fn poam_register(store: &dyn Store, org: &Id, query: &ListQuery) -> Result<Table> {
    let mut t = Table::new(
        "Remediation plan",
        &[
            "Audit",
            "Site",
            "ID",
            "Finding",
            "Title",
            "Severity",
            "Status",
            "Owner",
            "Due",
            "Milestones done",
            "Next milestone",
            "Next milestone due",
            "Re-test",
            "Re-test result",
            "Acceptance",
            "Risk scenario",
        ],
    );
    for (a, content) in audits_with_content(store, org, query).await? {
        let Some(plan) = &content.remediation else {
            continue;
        };
        for i in &plan.items {
            let total = i.milestones.len();
            let done = i.milestones.iter().filter(|m| m.done.is_some()).count();
            let next = i.milestones.iter().find(|m| m.done.is_none());
            t.push(vec![
                id_cell(&a.id),
                id_cell(&a.site),
                Cell::text(i.id.clone()),
                Cell::text(i.finding.clone()),
                Cell::text(i.title.clone()),
                Cell::text(i.severity.as_str()),
                Cell::text(words(&i.status)),
                Cell::opt_text(i.owner.clone()),
                opt_date(i.due),
                if total == 0 {
                    Cell::Empty
                } else {
                    Cell::Percentage(done as f64 / total as f64)
                },
                Cell::opt_text(next.map(|m| m.title.clone())),
                opt_date(next.map(|m| m.due)),
                opt_date(i.retest.as_ref().map(|r| r.date)),
                Cell::opt_text(i.retest.as_ref().map(|r| outcome_words(r.outcome))),
                Cell::opt_text(i.acceptance.clone()),
                Cell::opt_text(i.risk_scenario.clone()),
            ]);
        }
    }
    Ok(t)
}

async fn audit_register(store: &dyn Store, org: &Id, query: &ListQuery) -> Result<Table> {
    let frameworks: HashMap<Id, Framework> = store
        .list::<Framework>(org, &ListQuery::all())
        .await?
        .into_iter()
        .map(|f| (f.value.id.clone(), f.value))
        .collect();
    let mut engines = HashMap::new();
    let mut t = Table::new(
        "Audits",
        &[
            "ID",
            "Site",
            "Framework",
            "Title",
            "Status",
            "Planned start",
            "Planned end",
            "Auditors",
            "Score",
            "Findings",
            "Open remediation items",
        ],
    );
    for (a, content) in audits_with_content(store, org, query).await? {
        if !engines.contains_key(&a.framework)
            && let Some(f) = frameworks.get(&a.framework)
        {
            engines.insert(a.framework.clone(), super::compliance::engine_framework(f)?);
        }
        let score = engines
            .get(&a.framework)
            .and_then(|fw| content.audit(&super::compliance::header(&a)).score(fw).ok())
            .and_then(|s| s.overall);
        let open = content.remediation.as_ref().map_or(0, |p| {
            p.items
                .iter()
                .filter(|i| {
                    !matches!(
                        i.status,
                        rampart_compliance::RemediationStatus::Closed
                            | rampart_compliance::RemediationStatus::RiskAccepted
                    )
                })
                .count()
        });
        t.push(vec![
            id_cell(&a.id),
            id_cell(&a.site),
            id_cell(&a.framework),
            Cell::text(a.title.clone()),
            Cell::text(words(&a.status)),
            Cell::Date(a.planned_start),
            Cell::Date(a.planned_end),
            Cell::text(
                a.auditors
                    .iter()
                    .map(Id::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            score.map_or(Cell::Empty, Cell::Percentage),
            Cell::Number(content.findings.len() as f64),
            Cell::Number(open as f64),
        ]);
    }
    Ok(t)
}

async fn device_register(store: &dyn Store, org: &Id, query: &ListQuery) -> Result<Table> {
    let devices = store.list::<Device>(org, query).await?;
    let mut t = Table::new(
        "Device schedule",
        &[
            "ID",
            "Site",
            "Zone",
            "Kind",
            "Name",
            "Make",
            "Model",
            "Serial",
            "Install date",
            "Status",
            "Plan",
            "X (m)",
            "Y (m)",
        ],
    );
    for Stored { value: d, .. } in &devices {
        let pos = d.position.as_ref();
        t.push(vec![
            id_cell(&d.id),
            id_cell(&d.site),
            Cell::opt_text(d.zone.as_ref().map(Id::as_str)),
            Cell::text(words(&d.kind)),
            Cell::opt_text(d.name.clone()),
            Cell::opt_text(d.make.clone()),
            Cell::opt_text(d.model.clone()),
            Cell::opt_text(d.serial.clone()),
            opt_date(d.install_date),
            Cell::text(words(&d.status)),
            Cell::opt_text(pos.and_then(|p| p.plan.clone())),
            pos.map_or(Cell::Empty, |p| Cell::Number(p.x)),
            pos.map_or(Cell::Empty, |p| Cell::Number(p.y)),
        ]);
    }
    Ok(t)
}

// ---- import of a risk register ------------------------------------------------

/// One problem of the import, located in the sheet.
struct Problem {
    row: u32,
    column: &'static str,
    problem: String,
}

/// The `×`-separated inputs of an assessment cell, the result after `=` or
/// `(` left out.
fn inputs(text: &str) -> Vec<String> {
    let head = text.split(['=', '(']).next().unwrap_or_default();
    head.split(['×', '*'])
        .flat_map(|p| {
            // `3 x 4` as people type it.
            p.split(" x ").map(str::to_owned).collect::<Vec<_>>()
        })
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_matrix(text: &str) -> Result<MatrixInputs, String> {
    let parts = inputs(text);
    let num = |s: &str| -> Result<u8, String> {
        s.trim_start_matches(['l', 'i'])
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| format!("{s:?} is not a level (a whole number from 1)"))
    };
    match parts.as_slice() {
        [l, i] => Ok(MatrixInputs {
            likelihood: num(l)?,
            impact: num(i)?,
        }),
        _ => Err(format!(
            "a matrix assessment is likelihood × impact (`3 × 4`), got {text:?}"
        )),
    }
}

fn parse_fema(text: &str) -> Result<FemaInputs, String> {
    let parts = inputs(text);
    let rating = |s: &str| -> Result<Rating, String> {
        let v: i64 = s
            .trim_start_matches(['a', 't', 'v'])
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a rating from 1 to 10"))?;
        Rating::new(v).map_err(|e| e.to_string())
    };
    match parts.as_slice() {
        [a, t, v] => Ok(FemaInputs {
            asset_value: rating(a)?,
            threat: rating(t)?,
            vulnerability: rating(v)?,
        }),
        _ => Err(format!(
            "a FEMA 452 assessment is asset value × threat × vulnerability (`4 × 5 × 3`), got {text:?}"
        )),
    }
}

fn parse_level(s: &str) -> Result<QualitativeLevel, String> {
    let k: String = s
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(match k.as_str() {
        "verylow" => QualitativeLevel::VeryLow,
        "low" => QualitativeLevel::Low,
        "moderate" | "medium" => QualitativeLevel::Moderate,
        "high" => QualitativeLevel::High,
        "veryhigh" => QualitativeLevel::VeryHigh,
        _ => {
            return Err(format!(
                "{s:?} is not a NIST level (very low, low, moderate, high, very high)"
            ));
        }
    })
}

fn parse_nist(text: &str) -> Result<NistInputs, String> {
    match inputs(text).as_slice() {
        [i, a, m] => Ok(NistInputs {
            initiation: parse_level(i)?,
            adverse_impact: parse_level(a)?,
            impact: parse_level(m)?,
        }),
        _ => Err(format!(
            "a NIST SP 800-30 assessment is initiation × adverse impact × impact (`high × moderate × high`), got {text:?}"
        )),
    }
}

fn parse_treatment(s: &str) -> Result<Treatment, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "" | "undecided" => Treatment::Undecided,
        "mitigate" => Treatment::Mitigate,
        "accept" => Treatment::Accept,
        "transfer" => Treatment::Transfer,
        "avoid" => Treatment::Avoid,
        _ => {
            return Err(format!(
                "{s:?} is not a treatment (undecided, mitigate, accept, transfer, avoid)"
            ));
        }
    })
}

/// The assessment a row describes, from its method and stage cells; the
/// stored one when the row leaves the method's stages alone.
fn row_assessment(
    method: Option<&str>,
    stages: [Option<&str>; 3],
    old: Option<&Assessment>,
    problems: &mut Vec<(&'static str, String)>,
) -> Option<Assessment> {
    let method = method
        .map(|m| m.trim().to_ascii_lowercase().replace([' ', '-', '_'], ""))
        .or_else(|| old.map(|a| a.method_name().replace('_', "")));
    let Some(method) = method else {
        problems.push(("Method", "empty, but a new risk needs one".into()));
        return None;
    };
    let [inherent, current, residual] = stages;
    macro_rules! stages {
        ($variant:ident, $parse:expr) => {{
            let mut go = |col: &'static str, s: Option<&str>| -> Option<Option<_>> {
                match s {
                    None => Some(None),
                    Some(t) => match $parse(t) {
                        Ok(v) => Some(Some(v)),
                        Err(e) => {
                            problems.push((col, e));
                            None
                        }
                    },
                }
            };
            let i = go("Inherent", inherent);
            let c = go("Current", current);
            let r = go("Residual", residual);
            let (Some(i), Some(current), Some(residual)) = (i, c, r) else {
                return None;
            };
            let Some(inherent) = i else {
                problems.push(("Inherent", "empty, but every assessment has one".into()));
                return None;
            };
            Some(Assessment::$variant {
                inherent,
                current,
                residual,
            })
        }};
    }
    match method.as_str() {
        "matrix" => stages!(Matrix, parse_matrix),
        "fema452" | "fema" => stages!(Fema452, parse_fema),
        "nist80030" | "nist" => stages!(Nist80030, parse_nist),
        "fair" | "openfair" => match old {
            Some(a @ Assessment::Fair { .. }) => Some(a.clone()),
            _ => {
                problems.push((
                    "Method",
                    "an Open FAIR risk needs its model: add it with the organisation file".into(),
                ));
                None
            }
        },
        other => {
            problems.push((
                "Method",
                format!("{other:?} is not a method (matrix, fema452, nist80030, fair)"),
            ));
            None
        }
    }
}

fn id_of(s: &str, column: &'static str, problems: &mut Vec<(&'static str, String)>) -> Option<Id> {
    match Id::new(s) {
        Ok(id) => Some(id),
        Err(e) => {
            problems.push((column, format!("{s:?} cannot be an id: {e}")));
            None
        }
    }
}

/// The risk a row describes, or its problems.
fn risk_from_row(
    cells: &[Cell],
    old: Option<&RiskScenario>,
) -> Result<RiskScenario, Vec<(&'static str, String)>> {
    let text = |i: usize| cells.get(i).and_then(Cell::as_text);
    let mut problems = Vec::new();
    let id = text(0).and_then(|s| id_of(s, "ID", &mut problems));
    let mut need = |i: usize, col: &'static str, old: Option<&Id>| -> Option<Id> {
        match text(i) {
            Some(s) => id_of(s, col, &mut problems),
            None => {
                if old.is_none() {
                    problems.push((col, "empty, but a new risk needs one".into()));
                }
                old.cloned()
            }
        }
    };
    let site = need(1, "Site", old.map(|r| &r.site));
    let threat = need(3, "Threat", old.map(|r| &r.threat));
    let asset = need(4, "Asset", old.map(|r| &r.asset));
    let title = text(2)
        .map(str::to_owned)
        .or_else(|| old.map(|r| r.title.clone()));
    if title.is_none() {
        problems.push(("Title", "empty, but a new risk needs one".into()));
    }
    // A stored risk keeps what the row leaves empty; its assessment is
    // replaced only when the row gives a method or a stage.
    let assessment = match (old, [text(5), text(6), text(7), text(8)]) {
        (Some(o), [None, None, None, None]) => Some(o.assessment.clone()),
        _ => row_assessment(
            text(5),
            [text(6), text(7), text(8)],
            old.map(|r| &r.assessment),
            &mut problems,
        ),
    };
    let owner = match text(9) {
        Some(s) => id_of(s, "Owner", &mut problems),
        None => old.and_then(|r| r.owner.clone()),
    };
    let treatment = match (text(10), old) {
        (None, Some(o)) => o.treatment,
        (t, _) => match parse_treatment(t.unwrap_or_default()) {
            Ok(t) => t,
            Err(e) => {
                problems.push(("Treatment", e));
                Treatment::Undecided
            }
        },
    };
    let review_date = match cells.get(11) {
        Some(Cell::Date(d)) => Some(*d),
        _ => old.and_then(|r| r.review_date),
    };
    let (Some(id), Some(site), Some(threat), Some(asset), Some(title), Some(assessment)) =
        (id, site, threat, asset, title, assessment)
    else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(RiskScenario {
        id,
        site,
        threat,
        asset,
        title,
        description: text(12)
            .map(str::to_owned)
            .or_else(|| old.and_then(|r| r.description.clone())),
        assessment,
        treatment,
        owner,
        review_date,
        controls: old.map(|r| r.controls.clone()).unwrap_or_default(),
    })
}

fn read_limited(path: &Path) -> Result<Vec<u8>> {
    super::read_limited(path, MAX_SHEET_BYTES, "a spreadsheet")
}

fn import_risks(ctx: &Context, args: RiskImportArgs) -> Result<()> {
    let name = args.file.display().to_string();
    let bytes = read_limited(&args.file)?;
    let sheet = rampart_sheets::read_xlsx(&bytes, &RISK_COLUMNS).with_context(|| name.clone())?;
    let mut problems: Vec<Problem> = sheet
        .problems
        .iter()
        .map(|p| Problem {
            row: p.row,
            column: RISK_COLUMNS
                .iter()
                .find(|c| c.name == p.column)
                .map_or("?", |c| c.name),
            problem: p.problem.clone(),
        })
        .collect();
    let (created, updated) = block_on(async {
        let store = ctx.open_store().await?;
        let org = super::org::pick_organisation(store.as_ref(), args.org.as_deref()).await?;
        let mut doc = rampart_store::export_document(store.as_ref(), &org).await?;
        let stored: BTreeMap<Id, Stored<RiskScenario>> = store
            .list::<RiskScenario>(&org, &ListQuery::all())
            .await?
            .into_iter()
            .map(|s| (s.value.id.clone(), s))
            .collect();
        let mut seen: HashMap<Id, u32> = HashMap::new();
        let mut changes: Vec<(u32, RiskScenario)> = Vec::new();
        for row in &sheet.rows {
            let old = row
                .cells
                .first()
                .and_then(Cell::as_text)
                .and_then(|s| Id::new(s).ok())
                .and_then(|id| stored.get(&id))
                .map(|s| &s.value);
            match risk_from_row(&row.cells, old) {
                Ok(r) => {
                    if let Some(first) = seen.insert(r.id.clone(), row.row) {
                        problems.push(Problem {
                            row: row.row,
                            column: "ID",
                            problem: format!("risk {} is already on row {first}", r.id),
                        });
                    }
                    changes.push((row.row, r));
                }
                Err(ps) => problems.extend(ps.into_iter().map(|(column, problem)| Problem {
                    row: row.row,
                    column,
                    problem,
                })),
            }
        }
        // The whole organisation as it would be, checked by the rules an
        // organisation file import applies (references, ranges, engines).
        if problems.is_empty() {
            for (_, r) in &changes {
                match doc.risks.iter_mut().find(|x| x.id == r.id) {
                    Some(x) => *x = r.clone(),
                    None => doc.risks.push(r.clone()),
                }
            }
            let row_of: HashMap<&Id, u32> = changes.iter().map(|(n, r)| (&r.id, *n)).collect();
            for p in doc.validate() {
                let row = p.id.as_ref().and_then(|id| row_of.get(id)).copied();
                problems.push(Problem {
                    row: row.unwrap_or(0),
                    column: p.field.map_or("-", |f| match f {
                        "site" => "Site",
                        "threat" => "Threat",
                        "asset" => "Asset",
                        "owner" => "Owner",
                        "title" => "Title",
                        _ => "Inherent",
                    }),
                    problem: p.to_string(),
                });
            }
            if problems.is_empty() {
                for (n, r) in &changes {
                    if let Err(e) = super::org::check_engine_models(&OneRisk(r).doc(&doc)) {
                        problems.push(Problem {
                            row: *n,
                            column: "Method",
                            problem: format!("{e:#}"),
                        });
                    }
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.row);
            let mut msg = format!(
                "{name}: {} problem(s); nothing was written:",
                problems.len()
            );
            for p in &problems {
                if p.row == 0 {
                    msg.push_str(&format!("\n  {}", p.problem));
                } else {
                    msg.push_str(&format!(
                        "\n  row {}, column {:?}: {}",
                        p.row, p.column, p.problem
                    ));
                }
            }
            bail!(msg);
        }
        let new = changes
            .iter()
            .filter(|(_, r)| !stored.contains_key(&r.id))
            .count();
        let changed = changes.len() - new;
        if args.dry_run {
            return anyhow::Ok((new, changed));
        }
        // Every row has passed every check: write them all in one
        // transaction, so that a store failure (someone else's edit in
        // between, a database error) leaves every risk as it was.
        let mut batch = store.batch();
        for (n, r) in &changes {
            let added = match stored.get(&r.id) {
                Some(old) if old.value == *r => continue,
                Some(old) => batch.update(r, old.version).map(|_| ()),
                None => batch.create(r).map(|_| ()),
            };
            added.with_context(|| format!("{name}: row {n}: risk {}", r.id))?;
        }
        if let Err(e) = batch.commit(&ctx.actor, &org).await {
            let row = failed_write(&e)
                .and_then(|id| changes.iter().find(|(_, r)| r.id == *id))
                .map(|(n, r)| format!(" (row {n}, risk {})", r.id))
                .unwrap_or_default();
            return Err(anyhow::Error::new(e).context(format!(
                "{name}: writing the risks failed{row}; nothing was written"
            )));
        }
        anyhow::Ok((new, changed))
    })??;
    ctx.note(format!(
        "{name}: {} row(s) checked: {created} new risk(s), {updated} updated{}",
        sheet.rows.len(),
        if args.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    ));
    Ok(())
}

/// The record a failed batch write names, when the failure is about one.
fn failed_write(e: &rampart_store::StoreError) -> Option<&Id> {
    use rampart_store::StoreError as E;
    match e {
        E::NotFound { id, .. }
        | E::AlreadyExists { id, .. }
        | E::Conflict { id, .. }
        | E::DanglingReference { id, .. } => Some(id),
        _ => None,
    }
}

/// A document holding one risk, for the engine checks (which name the
/// first bad record, so one at a time says which row).
struct OneRisk<'a>(&'a RiskScenario);

impl OneRisk<'_> {
    fn doc(&self, whole: &rampart_domain::OrgDocument) -> rampart_domain::OrgDocument {
        let mut d = rampart_domain::OrgDocument::empty(whole.organisation.clone());
        d.risks.push(self.0.clone());
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assessment_cells_read_back() {
        let m = MatrixInputs {
            likelihood: 3,
            impact: 4,
        };
        assert_eq!(parse_matrix(&matrix_text(&m)), Ok(m));
        assert_eq!(parse_matrix("3 x 4"), Ok(m));
        assert!(parse_matrix("3").is_err());
        let f = FemaInputs {
            asset_value: Rating::new(4).unwrap(),
            threat: Rating::new(5).unwrap(),
            vulnerability: Rating::new(3).unwrap(),
        };
        assert_eq!(
            fema_text(&f).split(" = ").nth(1).map(|s| &s[..2]),
            Some("60")
        );
        assert_eq!(parse_fema(&fema_text(&f)), Ok(f));
        assert!(parse_fema("4 × 5 × 11").unwrap_err().contains("1 to 10"));
        let n = NistInputs {
            initiation: QualitativeLevel::High,
            adverse_impact: QualitativeLevel::Moderate,
            impact: QualitativeLevel::VeryHigh,
        };
        assert_eq!(parse_nist(&nist_text(&n)), Ok(n));
        assert!(parse_nist("high × huge × low").is_err());
    }
}
