//! `rampart synth-org`: a synthetic organisation of any size, for
//! benchmarks and for tests of large files. Deterministic for a given size.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use rampart_domain::*;

use super::Context;

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// Number of sites.
    #[arg(long, default_value_t = 100)]
    sites: usize,
    /// Number of assets, devices and risk scenarios together (a third each).
    #[arg(long, default_value_t = 100_000)]
    entities: usize,
    /// Output format.
    #[arg(long, default_value = "yaml")]
    format: String,
    /// Output file (standard output if left out).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn id(s: String) -> Result<Id> {
    Id::new(s).context("synthetic id")
}

fn rating(v: usize) -> Result<Rating> {
    Ok(Rating::new((v % 10 + 1) as i64)?)
}

/// Build the organisation: `sites` sites with ten zones each, twenty
/// threats, twenty controls, a hundred people, then assets, devices and
/// risks round-robin over the sites.
pub fn synthetic(sites: usize, entities: usize) -> Result<OrgDocument> {
    let sites = sites.max(1);
    let mut doc = OrgDocument::empty(Organisation {
        id: id("synthetic".into())?,
        name: format!("Synthetic organisation ({sites} sites, {entities} entities)"),
        sector: Some("Benchmark".into()),
        description: None,
        currency: "EUR".into(),
        risk_matrix: RiskMatrixScales::default(),
        risk_appetite: None,
    });
    for s in 0..sites {
        doc.sites.push(Site {
            id: id(format!("site-{s:04}"))?,
            name: format!("Site {s}"),
            kind: [SiteKind::Office, SiteKind::DataCentre, SiteKind::Warehouse][s % 3],
            address: Some(format!("{} Industrial Way, Unit {s}", 1 + s % 97)),
            coordinates: Some(Coordinates {
                lat: 50.0 + (s % 50) as f64 * 0.1,
                lon: -2.0 + (s % 40) as f64 * 0.1,
            }),
            facility_security_level: Some((s % 5 + 1) as u8),
            operating_hours: OperatingHours::Always,
            description: None,
        });
        for z in 0..10 {
            doc.zones.push(Zone {
                id: id(format!("site-{s:04}-z{z}"))?,
                site: id(format!("site-{s:04}"))?,
                parent: if z == 0 {
                    None
                } else {
                    Some(id(format!("site-{s:04}-z0"))?)
                },
                name: format!("Zone {z} of site {s}"),
                kind: if z == 0 {
                    ZoneKind::Building
                } else {
                    ZoneKind::Area
                },
                classification: [
                    Classification::Public,
                    Classification::Controlled,
                    Classification::Restricted,
                ][z % 3],
                description: None,
            });
        }
    }
    for p in 0..100 {
        doc.people.push(Person {
            id: id(format!("person-{p:03}"))?,
            name: format!("Person {p}"),
            kind: PersonKind::Staff,
            employer: None,
            email: Some(format!("person{p}@example.org")),
            roles: vec!["Asset owner".into()],
            sites: vec![id(format!("site-{:04}", p % sites))?],
            status: PersonStatus::Active,
        });
    }
    let categories = [
        ThreatCategory::Criminal,
        ThreatCategory::Insider,
        ThreatCategory::Terrorism,
        ThreatCategory::NaturalHazard,
        ThreatCategory::TechnicalFailure,
        ThreatCategory::Cyber,
    ];
    for t in 0..20 {
        doc.threats.push(Threat {
            id: id(format!("threat-{t:02}"))?,
            name: format!("Threat {t}"),
            category: categories[t % categories.len()],
            description: None,
            adversary: None,
            ratings: Vec::new(),
        });
        doc.controls.push(Control {
            id: id(format!("control-{t:02}"))?,
            name: format!("Countermeasure {t}"),
            function: [
                ControlFunction::Deter,
                ControlFunction::Detect,
                ControlFunction::Delay,
                ControlFunction::Respond,
            ][t % 4],
            kind: ControlKind::Physical,
            description: None,
            capex: 1000.0 * (t + 1) as f64,
            opex_annual: 100.0 * (t + 1) as f64,
            effectiveness: Some(0.5),
            lifetime_years: Some(10),
        });
    }
    let per_kind = entities / 3;
    let kinds = [
        DeviceKind::Camera,
        DeviceKind::CardReader,
        DeviceKind::DoorContact,
        DeviceKind::MotionSensor,
    ];
    for i in 0..per_kind {
        let s = i % sites;
        let site = id(format!("site-{s:04}"))?;
        let zone = id(format!("site-{s:04}-z{}", i % 10))?;
        doc.assets.push(Asset {
            id: id(format!("asset-{i:06}"))?,
            site: site.clone(),
            zone: Some(zone.clone()),
            name: format!("Asset {i}"),
            kind: AssetKind::Physical,
            value: rating(i)?,
            owner: Some(id(format!("person-{:03}", i % 100))?),
            replacement_cost: Some(1000.0 + i as f64),
            description: None,
        });
        doc.devices.push(Device {
            id: id(format!("device-{i:06}"))?,
            site: site.clone(),
            zone: Some(zone),
            kind: kinds[i % kinds.len()],
            name: None,
            make: Some("Acme".into()),
            model: Some("X1".into()),
            serial: Some(format!("SN{i:08}")),
            position: Some(PlanPosition {
                plan: None,
                x: (i % 100) as f64,
                y: (i % 37) as f64,
                heading_deg: None,
            }),
            install_date: None,
            status: DeviceStatus::Operational,
        });
    }
    for i in 0..entities - 2 * per_kind {
        let asset = i % per_kind.max(1);
        doc.risks.push(RiskScenario {
            id: id(format!("risk-{i:06}"))?,
            site: id(format!("site-{:04}", asset % sites))?,
            threat: id(format!("threat-{:02}", i % 20))?,
            asset: id(format!("asset-{asset:06}"))?,
            title: format!("Risk {i}"),
            description: None,
            assessment: Assessment::Fema452 {
                inherent: FemaInputs {
                    asset_value: rating(asset)?,
                    threat: rating(i)?,
                    vulnerability: rating(i / 7)?,
                },
                current: None,
                residual: None,
            },
            treatment: Treatment::Mitigate,
            owner: None,
            review_date: None,
            controls: Vec::new(),
        });
    }
    Ok(doc)
}

pub fn run(_ctx: &Context, args: SynthArgs) -> Result<ExitCode> {
    anyhow::ensure!(args.entities >= 3, "--entities must be at least 3");
    let doc = synthetic(args.sites, args.entities)?;
    let text = match args.format.as_str() {
        "json" => rampart_orgfile::to_json(&doc)?,
        "yaml" => rampart_orgfile::to_yaml(&doc)?,
        other => anyhow::bail!("--format is yaml or json, not {other:?}"),
    };
    match args.output {
        Some(p) => {
            std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
