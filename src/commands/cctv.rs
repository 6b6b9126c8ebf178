//! `rampart cctv`: camera calculations, coverage of a floor plan, and camera placement, on the
//! `rampart-surveillance` engine. This module reads the plan file, writes drawings, and owns
//! the JSON shapes printed with `--json`; the engine knows none of that.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use serde::ser::Serializer;

use rampart_surveillance::coverage::{self, CoverageOptions};
use rampart_surveillance::dxf_import::{self, DxfLayers};
use rampart_surveillance::placement::{self, Goal, Method};
use rampart_surveillance::{FloorPlan, LevelProfile, Optics, drawing, optics};

/// Camera design: field of view and distances per level, coverage of a plan, placement.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CctvCommand,
}

#[derive(clap::Subcommand, Debug)]
enum CctvCommand {
    /// Horizontal field of view and the furthest distance for each IEC 62676-4 level.
    ///
    /// The distance is along the line of sight to the target (d = N f / (w PPM)); give
    /// --height-m to also get the reach on the floor for a target of --target-height-m.
    ///
    /// Example: rampart cctv calc --sensor-width-mm 4.8 --focal-mm 4 --resolution-h 1920
    Calc(CalcArgs),

    /// Coverage of a floor plan (YAML, or DXF with a devices file): area and fraction seen per
    /// level, each zone against its required level, overlap, and the design-review findings
    /// (zones short of their requirement); walls and obstacles occlude.
    ///
    /// Example: rampart cctv coverage site.yaml --profile iec62676-2025 --svg site.svg
    ///
    /// Example: rampart cctv coverage site.dxf --devices cameras.yaml --night
    Coverage(CoverageArgs),

    /// Choose cameras from the plan's candidate points and models: every zone at its
    /// required level at least cost, or the most coverage within a budget; with the device
    /// schedule.
    ///
    /// Example: rampart cctv place site.yaml --meet-requirements
    Place(PlaceArgs),
}

#[derive(clap::Args, Debug)]
struct CalcArgs {
    /// Sensor width in millimetres.
    #[arg(
        long,
        value_name = "MM",
        requires = "focal_mm",
        conflicts_with = "hfov_deg"
    )]
    sensor_width_mm: Option<f64>,
    /// Focal length in millimetres.
    #[arg(long, value_name = "MM", requires = "sensor_width_mm")]
    focal_mm: Option<f64>,
    /// Horizontal field of view in degrees, instead of sensor and focal length (180 or more:
    /// a panoramic lens).
    #[arg(long, value_name = "DEG", required_unless_present = "sensor_width_mm")]
    hfov_deg: Option<f64>,
    /// Horizontal resolution in pixels.
    #[arg(long, value_name = "PX")]
    resolution_h: f64,
    /// Level profile: iec62676-2015 or iec62676-2025.
    #[arg(long, default_value = "iec62676-2015")]
    profile: String,
    /// Mounting height in metres (adds the reach on the floor).
    #[arg(long, value_name = "M")]
    height_m: Option<f64>,
    /// Height of the target's face above the floor, in metres.
    #[arg(long, value_name = "M", default_value_t = 1.7)]
    target_height_m: f64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The plan file's format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PlanFormat {
    Yaml,
    Dxf,
}

/// How a plan file is read: YAML, or a DXF drawing's named layers plus a devices file.
#[derive(clap::Args, Debug)]
struct PlanSource {
    /// The plan file's format (default: `dxf` for a `.dxf` file, else `yaml`).
    #[arg(long, value_enum)]
    format: Option<PlanFormat>,
    /// DXF: cameras, models, named zones and settings, in the YAML plan format without the
    /// geometry (`boundary`, `obstacles`, `walls`, `openings`).
    #[arg(long, value_name = "FILE")]
    devices: Option<PathBuf>,
    /// DXF: layer of the closed polyline outlining the floor.
    #[arg(long, value_name = "LAYER", default_value = "BOUNDARY")]
    boundary_layer: String,
    /// DXF: layer of the walls (lines and polylines).
    #[arg(long, value_name = "LAYER", default_value = "WALLS")]
    walls_layer: String,
    /// DXF: layer of the doorways (drawn, never occluding).
    #[arg(long, value_name = "LAYER", default_value = "DOORS")]
    doors_layer: String,
    /// DXF: layer of the obstacles (closed polylines).
    #[arg(long, value_name = "LAYER", default_value = "OBSTACLES")]
    obstacles_layer: String,
    /// DXF: zones are closed polylines on layers named this and the level, as ZONES-IDENTIFY.
    #[arg(long, value_name = "LAYER", default_value = "ZONES")]
    zones_layer: String,
}

#[derive(clap::Args, Debug)]
struct CoverageArgs {
    /// The floor plan (YAML or DXF); or, with `--site`, a stored floor plan.
    #[arg(required_unless_present = "site")]
    file: Option<PathBuf>,
    #[command(flatten)]
    source: PlanSource,
    /// Night: each camera reaches only as far as its infrared illumination (`ir_range_m`);
    /// a camera without one sees nothing.
    #[arg(long)]
    night: bool,
    /// A zone is reported as a finding when its required level covers less than 100% minus
    /// this many percent of it.
    #[arg(long, value_name = "PCT", default_value_t = 0.0)]
    finding_tolerance_pct: f64,
    /// Use the floor plan stored for this site (`--db` chooses the store).
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    site: Option<String>,
    /// With `--site`: which of the site's floor plans, when it has several.
    #[arg(long, value_name = "ID", requires = "site")]
    plan: Option<String>,
    /// With `--site`: the organisation, when the store holds several.
    #[arg(long, value_name = "ID", requires = "site")]
    org: Option<String>,
    /// Level profile: iec62676-2015 or iec62676-2025 (default: the plan's own `levels`, else
    /// iec62676-2015).
    #[arg(long)]
    profile: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Write an SVG drawing of the plan and its coverage.
    #[arg(long, value_name = "OUT")]
    svg: Option<PathBuf>,
    /// Write the same drawing as a PNG image (for reports).
    #[arg(long, value_name = "OUT")]
    png: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("goal").required(true).args(["budget", "meet_requirements"]))]
struct PlaceArgs {
    /// The floor plan (YAML or DXF), with `models` and `candidates` (or `placement.grid_m`).
    file: PathBuf,
    #[command(flatten)]
    source: PlanSource,
    /// Spend at most this much, seeing as much of the zones as possible.
    #[arg(long, value_name = "B")]
    budget: Option<f64>,
    /// See every zone at its required level, at least cost.
    #[arg(long)]
    meet_requirements: bool,
    /// Search for the optimum (small sites only) instead of the greedy choice.
    #[arg(long)]
    exact: bool,
    /// Place for the night: each candidate reaches only its model's infrared range
    /// (`ir_range_m`); as `placement: {night: true}` in the plan.
    #[arg(long)]
    night: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// A JSON object whose keys keep the order given (levels from lowest to highest).
#[derive(Debug)]
struct Ordered<T>(Vec<(String, T)>);

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Debug, Serialize)]
struct CalcOut {
    hfov_deg: f64,
    panoramic: bool,
    profile: String,
    max_distance_m: Ordered<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    floor_reach_m: Option<Ordered<Option<f64>>>,
}

#[derive(Debug, Serialize)]
struct CameraOut {
    id: String,
    hfov_deg: f64,
    max_distance_m: Ordered<f64>,
    /// Tilted cameras: the floor distances between the blind spot and the image's top edge
    /// (`null` far edge: unbounded); `null` when no target is in view.
    #[serde(skip_serializing_if = "Option::is_none")]
    floor_band_m: Option<Option<[Option<f64>; 2]>>,
}

#[derive(Debug, Serialize)]
struct FindingOut {
    zone: String,
    required: String,
    covered_fraction: f64,
    required_fraction: f64,
    uncovered_m2: f64,
    message: String,
}

#[derive(Debug, Serialize)]
struct LevelOut {
    area_m2: f64,
    fraction: f64,
}

#[derive(Debug, Serialize)]
struct ZoneOut {
    id: String,
    required: String,
    covered_fraction: f64,
}

#[derive(Debug, Serialize)]
struct CoverageOut {
    cameras: Vec<CameraOut>,
    levels: Ordered<LevelOut>,
    zones: Vec<ZoneOut>,
    findings: Vec<FindingOut>,
    lighting: &'static str,
}

#[derive(Debug, Serialize)]
struct PlacedCamera {
    id: String,
    model: Option<String>,
    position: [f64; 2],
    pan_deg: f64,
    height_m: f64,
    /// The lens setting (varifocal models: the one placement chose).
    focal_mm: Option<f64>,
    hfov_deg: f64,
}

#[derive(Debug, Serialize)]
struct PlacedZone {
    id: String,
    covered_fraction: f64,
}

#[derive(Debug, Serialize)]
struct ScheduleLineOut {
    model: String,
    quantity: usize,
    unit_price: f64,
    total: f64,
}

#[derive(Debug, Serialize)]
struct ScheduleOut {
    lines: Vec<ScheduleLineOut>,
    total: f64,
}

#[derive(Debug, Serialize)]
struct PlaceOut {
    method: &'static str,
    cost: f64,
    cameras: Vec<PlacedCamera>,
    zones: Vec<PlacedZone>,
    candidates: usize,
    samples: usize,
    unreachable_samples: usize,
    schedule: ScheduleOut,
}

pub fn run(ctx: &super::Context, args: Args) -> Result<()> {
    match args.command {
        CctvCommand::Calc(a) => calc(a),
        CctvCommand::Coverage(a) => {
            let plan = match (&a.file, &a.site) {
                (Some(path), _) => read_plan(path, &a.source)?,
                (None, Some(site)) => stored_plan(ctx, a.org.as_deref(), site, a.plan.as_deref())?,
                (None, None) => anyhow::bail!("give a floor plan file or --site"),
            };
            coverage_cmd(a, plan)
        }
        CctvCommand::Place(a) => place_cmd(a),
    }
}

fn read_plan(path: &PathBuf, source: &PlanSource) -> Result<FloorPlan> {
    let is_dxf = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dxf"));
    let format = source.format.unwrap_or(if is_dxf {
        PlanFormat::Dxf
    } else {
        PlanFormat::Yaml
    });
    if format == PlanFormat::Yaml {
        if source.devices.is_some() {
            bail!("--devices goes with a DXF plan; a YAML plan lists its cameras itself");
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return FloorPlan::from_yaml(&text).with_context(|| format!("in {}", path.display()));
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let devices = match &source.devices {
        None => None,
        Some(d) => {
            Some(std::fs::read_to_string(d).with_context(|| format!("reading {}", d.display()))?)
        }
    };
    let layers = DxfLayers {
        boundary: source.boundary_layer.clone(),
        walls: source.walls_layer.clone(),
        doors: source.doors_layer.clone(),
        obstacles: source.obstacles_layer.clone(),
        zones: source.zones_layer.clone(),
    };
    dxf_import::plan_from_dxf_with(&bytes, &layers, devices.as_deref()).map_err(|e| {
        match (&e, &source.devices) {
            (dxf_import::DxfImportError::Devices(_), Some(d)) => {
                anyhow::anyhow!("in {}: {e}", d.display())
            }
            _ => anyhow::anyhow!("in {}: {e}", path.display()),
        }
    })
}

fn print_json<T: Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn calc(a: CalcArgs) -> Result<()> {
    let profile = LevelProfile::named(&a.profile)?;
    let optics = Optics::from_parts(a.sensor_width_mm, a.focal_mm, a.hfov_deg, a.resolution_h)?;
    let distances: Vec<(String, f64)> = profile
        .levels()
        .iter()
        .map(|l| (l.name.clone(), optics.max_distance(l.min_ppm)))
        .collect();
    let reach: Option<Vec<(String, Option<f64>)>> = a.height_m.map(|h| {
        distances
            .iter()
            .map(|(n, d)| {
                (
                    n.clone(),
                    optics::horizontal_reach(*d, h, a.target_height_m),
                )
            })
            .collect()
    });
    if a.json {
        return print_json(&CalcOut {
            hfov_deg: optics.hfov_deg,
            panoramic: optics.is_panoramic(),
            profile: profile.name.clone(),
            max_distance_m: Ordered(distances),
            floor_reach_m: reach.map(Ordered),
        });
    }
    let lens = if optics.is_panoramic() {
        "panoramic"
    } else {
        "rectilinear"
    };
    println!("Horizontal field of view: {:.2}° ({lens})", optics.hfov_deg);
    println!("Profile: {}", profile.name);
    match &reach {
        None => println!("{:<14} {:>8} {:>12}", "level", "px/m", "up to (m)"),
        Some(_) => println!(
            "{:<14} {:>8} {:>12} {:>14}",
            "level", "px/m", "up to (m)", "on floor (m)"
        ),
    }
    for (i, l) in profile.levels().iter().enumerate() {
        let d = distances[i].1;
        match &reach {
            None => println!("{:<14} {:>8} {:>12.2}", l.name, l.min_ppm, d),
            Some(r) => {
                let floor = r[i].1.map_or("—".to_string(), |v| format!("{v:.2}"));
                println!("{:<14} {:>8} {:>12.2} {:>14}", l.name, l.min_ppm, d, floor);
            }
        }
    }
    Ok(())
}

/// A floor plan stored for a site.
fn stored_plan(
    ctx: &super::Context,
    org: Option<&str>,
    site: &str,
    plan: Option<&str>,
) -> Result<FloorPlan> {
    let stored = super::stored_at_site::<rampart_domain::FloorPlan>(ctx, org, site)?;
    let chosen = stored.choose(plan, "floor plan", "--plan")?;
    FloorPlan::from_yaml(&chosen.plan.to_string())
        .with_context(|| format!("in floor plan {} of site {}", chosen.id, stored.site))
}

fn coverage_cmd(a: CoverageArgs, plan: FloorPlan) -> Result<()> {
    let profile = match &a.profile {
        Some(p) => LevelProfile::named(p)?,
        None => plan.default_profile(),
    };
    if !(a.finding_tolerance_pct.is_finite() && (0.0..=100.0).contains(&a.finding_tolerance_pct)) {
        bail!(
            "--finding-tolerance-pct must be between 0 and 100, got {}",
            a.finding_tolerance_pct
        );
    }
    let options = CoverageOptions {
        night: a.night,
        ..CoverageOptions::default()
    };
    let report = coverage::coverage(&plan, &profile, options);
    let findings = coverage::findings(&report, a.finding_tolerance_pct / 100.0);
    if a.svg.is_some() || a.png.is_some() {
        let svg = drawing::svg(&plan, Some(&report), 1200.0);
        if let Some(out) = &a.svg {
            std::fs::write(out, &svg).with_context(|| format!("writing {}", out.display()))?;
        }
        if let Some(out) = &a.png {
            let png = drawing::png(&svg).context("rendering the drawing as PNG")?;
            std::fs::write(out, png).with_context(|| format!("writing {}", out.display()))?;
        }
    }
    if a.json {
        let cameras = plan
            .cameras
            .iter()
            .map(|c| CameraOut {
                id: c.id.clone(),
                hfov_deg: c.optics.hfov_deg,
                max_distance_m: Ordered(
                    profile
                        .levels()
                        .iter()
                        .map(|l| (l.name.clone(), c.optics.max_distance(l.min_ppm)))
                        .collect(),
                ),
                floor_band_m: c.tilt.map(|_| {
                    c.floor_band(plan.target_height_m)
                        .map(|(n, f)| [Some(n), f.is_finite().then_some(f)])
                }),
            })
            .collect();
        let levels = Ordered(
            report
                .levels
                .iter()
                .map(|l| {
                    (
                        l.level.clone(),
                        LevelOut {
                            area_m2: l.area_m2,
                            fraction: l.fraction,
                        },
                    )
                })
                .collect(),
        );
        let zones = report
            .zones
            .iter()
            .map(|z| ZoneOut {
                id: z.id.clone(),
                required: z.required.clone(),
                covered_fraction: z.covered_fraction,
            })
            .collect();
        let findings = findings
            .iter()
            .map(|f| FindingOut {
                zone: f.zone.clone(),
                required: f.required.clone(),
                covered_fraction: f.covered_fraction,
                required_fraction: f.required_fraction,
                uncovered_m2: f.uncovered_m2,
                message: f.message.clone(),
            })
            .collect();
        return print_json(&CoverageOut {
            cameras,
            levels,
            zones,
            findings,
            lighting: if a.night { "night" } else { "day" },
        });
    }
    let n = report.cameras.len();
    println!(
        "Profile {}; floor {:.1} m²; {n} camera{}{}",
        report.profile,
        report.floor_area_m2,
        if n == 1 { "" } else { "s" },
        if a.night {
            "; night (infrared range only)"
        } else {
            ""
        }
    );
    println!();
    println!("{:<14} {:>10} {:>8}", "level", "area m²", "floor");
    for l in &report.levels {
        println!(
            "{:<14} {:>10.1} {:>7.1}%",
            l.level,
            l.area_m2,
            l.fraction * 100.0
        );
    }
    if let Some(o) = report.overlap_m2 {
        println!(
            "{:<14} {:>10.1} {:>7.1}%",
            "overlap (2+)",
            o,
            100.0 * o / report.floor_area_m2.max(f64::MIN_POSITIVE)
        );
    }
    if !report.zones.is_empty() {
        println!();
        println!("Zones");
        for z in &report.zones {
            let verdict = if z.uncovered_m2 <= 1e-6 {
                "meets its requirement".to_string()
            } else {
                format!("{:.1} m² short", z.uncovered_m2)
            };
            println!(
                "  {}: {} covers {:.1}% of {:.1} m², required 100%: {verdict}",
                z.id,
                z.required,
                z.covered_fraction * 100.0,
                z.area_m2
            );
        }
    }
    println!();
    if findings.is_empty() {
        println!("Findings: none, every zone meets its requirement");
    } else {
        println!("Findings");
        for f in &findings {
            println!("  {} ({:.1} m² uncovered)", f.message, f.uncovered_m2);
        }
    }
    println!();
    println!("Cameras");
    for c in &report.cameras {
        let reach: Vec<String> = c
            .levels
            .iter()
            .map(|l| {
                format!(
                    "{} {}",
                    l.level,
                    l.floor_reach_m
                        .map_or("—".to_string(), |r| format!("{r:.1} m"))
                )
            })
            .collect();
        let band = match c.floor_band_m {
            None => "; no target in view".to_string(),
            Some((near, far)) if near > 0.0 || far.is_finite() => format!(
                "; blind spot to {near:.1} m{}",
                if far.is_finite() {
                    format!(", sees up to {far:.1} m")
                } else {
                    String::new()
                }
            ),
            Some(_) => String::new(),
        };
        println!(
            "  {}: HFOV {:.1}°, sees {:.1} m²{band}; on the floor: {}",
            c.id,
            c.hfov_deg,
            c.visible_area_m2,
            reach.join(", ")
        );
    }
    for out in [&a.svg, &a.png].into_iter().flatten() {
        println!();
        println!("Drawing written to {}", out.display());
    }
    Ok(())
}

fn place_cmd(a: PlaceArgs) -> Result<()> {
    let mut plan = read_plan(&a.file, &a.source)?;
    plan.placement.night |= a.night;
    let goal = match (a.budget, a.meet_requirements) {
        (Some(b), false) => Goal::Budget(b),
        (None, true) => Goal::MeetRequirements,
        _ => bail!("give either --budget or --meet-requirements"),
    };
    let method = if a.exact {
        Method::Exact
    } else {
        Method::Greedy
    };
    let p = placement::place(&plan, goal, method)?;
    if a.json {
        return print_json(&PlaceOut {
            method: if a.exact { "exact" } else { "greedy" },
            cost: p.cost,
            cameras: p
                .cameras
                .iter()
                .map(|c| PlacedCamera {
                    id: c.id.clone(),
                    model: c.model.clone(),
                    position: [c.position.x, c.position.y],
                    pan_deg: c.pan_deg,
                    height_m: c.height_m,
                    focal_mm: c.focal_mm,
                    hfov_deg: c.optics.hfov_deg,
                })
                .collect(),
            zones: p
                .zone_fractions
                .iter()
                .map(|(id, f)| PlacedZone {
                    id: id.clone(),
                    covered_fraction: *f,
                })
                .collect(),
            candidates: p.candidates,
            samples: p.samples,
            unreachable_samples: p.unreachable,
            schedule: ScheduleOut {
                lines: p
                    .schedule
                    .lines
                    .iter()
                    .map(|l| ScheduleLineOut {
                        model: l.model.clone(),
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                        total: l.total,
                    })
                    .collect(),
                total: p.schedule.total,
            },
        });
    }
    println!(
        "{} placement from {} candidates: {} cameras, cost {:.2}",
        if a.exact { "Exact" } else { "Greedy" },
        p.candidates,
        p.cameras.len(),
        p.cost
    );
    for c in &p.cameras {
        let lens = c
            .focal_mm
            .map_or(String::new(), |f| format!(", {f:.1} mm lens"));
        println!(
            "  {} {} at ({:.2}, {:.2}), pan {:.0}°, {:.1} m high, HFOV {:.1}°{lens}",
            c.id,
            c.model.as_deref().unwrap_or("-"),
            c.position.x,
            c.position.y,
            c.pan_deg,
            c.height_m,
            c.optics.hfov_deg
        );
    }
    println!("Zones (share of sample points seen at the required level)");
    for (id, f) in &p.zone_fractions {
        println!("  {id}: {:.1}%", f * 100.0);
    }
    if p.unreachable > 0 {
        println!(
            "{} of {} sample points cannot be seen at their level from any candidate",
            p.unreachable, p.samples
        );
    }
    println!("Device schedule");
    for l in &p.schedule.lines {
        println!(
            "  {:<20} {:>4} x {:>10.2} = {:>12.2}",
            l.model, l.quantity, l.unit_price, l.total
        );
    }
    println!("  {:<20} {:>32.2}", "total", p.schedule.total);
    Ok(())
}
