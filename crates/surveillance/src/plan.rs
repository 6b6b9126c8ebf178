//! Floor plans: the outer boundary of a floor, opaque obstacles and walls, openings, zones with
//! the level they require, the camera catalogue and the mounted cameras; read from the crate's
//! YAML plan format (from a `&str`) and validated into a [`FloorPlan`] whose every error names
//! the item at fault.
//!
//! The plan knows nothing about what a camera sees: that is [`crate::visibility`] and
//! [`crate::coverage`]. Reading files is left to the caller.
//!
//! The YAML format (metres and degrees; angles counter-clockwise from +x):
//!
//! ```yaml
//! boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]        # the floor's outline
//! obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]       # opaque polygons (columns, racks)
//! walls: [[[5, 0], [5, 3]]]                             # opaque segments
//! openings: [[[5, 3], [5, 4]]]                          # doorways: drawn, never occluding
//! target_height_m: 1.7                                  # face height the levels refer to
//! levels: {person: 50, plate: 300}                      # optional custom profile, px/m
//! zones: [{id: lobby, polygon: [[0, 0], [5, 0], [5, 10], [0, 10]], required: identify}]
//! models:                                               # the catalogue, for placement
//!   - {id: vf, sensor_width_mm: 4.8, focal_range_mm: [2.8, 12], resolution_h: 2560, ir_range_m: 30, price: 420}
//! cameras:                                              # optics inline, or from a model
//!   - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
//!   - {id: c2, position: [19, 9], pan_deg: 225, hfov_deg: 360, resolution_h: 2880}
//!   - {id: c3, position: [10, 0.2], pan_deg: 90, model: vf, focal_mm: 6}
//!   - {id: c4, position: [19, 1], pan_deg: 135, model: vf, tilt_deg: 25, vfov_deg: 30}
//! candidates: [[0.2, 0.2], [19.8, 9.8]]                 # mounting points for placement
//! placement: {grid_m: 2.0, pans: 8, models: [vf], height_m: 3.0, sample_m: 0.5, focal_steps: 3, night: false}
//! ```
//!
//! A zone's `required` is a level of the plan's profile, of either IEC profile, or a number
//! of px/m. `height_m` defaults to 3 m, `target_height_m` to 1.7 m.
//!
//! A camera may give `tilt_deg` (degrees below horizontal); its vertical field of view is its
//! `vfov_deg`, else its model's `vfov_deg` (when the camera sets no other focal length), else
//! the horizontal one scaled by the sensor's `sensor_height_mm` over its width, else by a
//! 16:9 sensor; a tilted panoramic lens must give `vfov_deg`. Without `tilt_deg` the vertical
//! view is not modelled (no blind spot, no far edge): plans without tilt keep their figures.
//! `ir_range_m` (camera or model) is the reach of the infrared illuminator, used at night.
//! `placement` may also give `tilt_deg` for its candidate cameras (their vertical view from
//! the model, as above); `focal_steps` tries each varifocal model at that many settings across
//! its range, and `night: true` places for the night.

use serde::Deserialize;
use thiserror::Error;

use crate::geometry::{Containment, Point, Segment, first_self_intersection, locate, signed_area};
use crate::levels::{LevelError, LevelProfile};
use crate::optics::{Optics, OpticsError};

/// Default height of the target whose face or body the levels refer to (a standing person).
pub const DEFAULT_TARGET_HEIGHT_M: f64 = 1.7;
/// Default mounting height when a camera does not give one.
pub const DEFAULT_MOUNTING_HEIGHT_M: f64 = 3.0;

/// What is wrong with a plan, naming the item ("zone lobby", "obstacle 2", "camera c1").
#[derive(Debug, Error, Clone, PartialEq)]
pub enum PlanError {
    #[error("plan is not valid YAML for a floor plan: {0}")]
    Syntax(String),
    #[error("{item}: a polygon needs at least 3 vertices, got {count}")]
    TooFewVertices { item: String, count: usize },
    #[error("{item}: coordinates must be finite numbers")]
    NonFinite { item: String },
    #[error("{item}: polygon is self-intersecting (edges {edge_a} and {edge_b} meet)")]
    SelfIntersecting {
        item: String,
        edge_a: usize,
        edge_b: usize,
    },
    #[error("{item}: polygon has no area")]
    ZeroArea { item: String },
    #[error("{item}: a wall needs two distinct end points")]
    DegenerateWall { item: String },
    #[error("camera {camera}: position ({x}, {y}) is outside the boundary")]
    CameraOutside { camera: String, x: f64, y: f64 },
    #[error("camera {camera}: position is inside obstacle {obstacle}")]
    CameraInObstacle { camera: String, obstacle: usize },
    #[error("{item}: {source}")]
    Optics { item: String, source: OpticsError },
    #[error("{item}: {source}")]
    Level { item: String, source: LevelError },
    #[error("camera {camera}: unknown model {model:?}")]
    UnknownModel { camera: String, model: String },
    #[error("{item}: the id is used twice")]
    Duplicate { item: String },
    #[error("{item}: {field} must be {expected}, got {value}")]
    BadNumber {
        item: String,
        field: &'static str,
        expected: &'static str,
        value: f64,
    },
}

/// A zone and the level the specialist requires in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    pub id: String,
    pub polygon: Vec<Point>,
    /// The requirement as written (a level name or a px/m figure).
    pub required: String,
    /// The pixel density the requirement stands for.
    pub required_ppm: f64,
}

/// A camera model from the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraModel {
    pub id: String,
    pub resolution_h: f64,
    pub sensor_width_mm: Option<f64>,
    /// Fixed focal length, or the setting used when none is given for a varifocal lens.
    pub focal_mm: Option<f64>,
    /// Varifocal range (shortest, longest).
    pub focal_range_mm: Option<(f64, f64)>,
    pub hfov_deg: Option<f64>,
    /// Vertical field of view, degrees (else from the sensor's height, else 16:9).
    pub vfov_deg: Option<f64>,
    pub sensor_height_mm: Option<f64>,
    /// Reach of the built-in infrared illuminator, metres (slant distance).
    pub ir_range_m: Option<f64>,
    pub price: f64,
}

impl CameraModel {
    /// The focal length used when a camera sets none: the fixed one, else the shortest of
    /// the varifocal range.
    pub fn default_focal(&self) -> Option<f64> {
        self.focal_mm.or(self.focal_range_mm.map(|r| r.0))
    }

    /// The vertical field of view at a lens setting with horizontal field of view
    /// `hfov_deg`: the model's `vfov_deg` at its default setting, else from the sensor's height
    /// over its width, else from a 16:9 sensor; `None` for a panoramic lens without `vfov_deg`.
    pub fn vfov_deg(&self, hfov_deg: f64, focal_mm: Option<f64>) -> Option<f64> {
        if let Some(v) = self.vfov_deg
            && (focal_mm.is_none() || focal_mm == self.default_focal())
        {
            return Some(v);
        }
        if hfov_deg >= 180.0 {
            return None;
        }
        let ratio = match (self.sensor_height_mm, self.sensor_width_mm) {
            (Some(h), Some(w)) => h / w,
            _ => 9.0 / 16.0,
        };
        Some(crate::optics::vertical_fov_deg(hfov_deg, ratio))
    }

    /// `steps` focal settings spread evenly in ratio over a varifocal range (shortest and
    /// longest included), for placement to try; the default setting alone for a fixed lens,
    /// a lens given by its field of view, or `steps <= 1`.
    pub fn focal_settings(&self, steps: u32) -> Vec<Option<f64>> {
        match (self.focal_range_mm, self.sensor_width_mm) {
            (Some((lo, hi)), Some(_)) if steps > 1 && hi > lo => (0..steps)
                .map(|k| {
                    Some(match k {
                        0 => lo,
                        k if k == steps - 1 => hi,
                        k => lo * (hi / lo).powf(f64::from(k) / f64::from(steps - 1)),
                    })
                })
                .collect(),
            _ => vec![None],
        }
    }

    /// Optics at a focal setting (or the model's default setting).
    pub fn optics(&self, focal_mm: Option<f64>) -> Result<Optics, OpticsError> {
        let focal = focal_mm.or(self.default_focal());
        let hfov = if focal_mm.is_some() && self.sensor_width_mm.is_some() {
            None
        } else {
            self.hfov_deg
        };
        Optics::from_parts(self.sensor_width_mm, focal, hfov, self.resolution_h)
    }
}

/// A camera mounted on the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Camera {
    pub id: String,
    pub position: Point,
    pub height_m: f64,
    /// Direction of the optical axis, degrees counter-clockwise from +x.
    pub pan_deg: f64,
    pub optics: Optics,
    pub model: Option<String>,
    /// The focal length the lens is set to, when known (sensor and focal given, or a model's
    /// setting).
    pub focal_mm: Option<f64>,
    /// Tilt and vertical field of view; `None` (no `tilt_deg` in the plan) leaves the vertical
    /// view unmodelled: no blind spot below the camera and no far edge, as before tilt existed.
    pub tilt: Option<Tilt>,
    /// Reach of the camera's infrared illumination (slant distance, metres), for night
    /// coverage; `None`: no illuminator.
    pub ir_range_m: Option<f64>,
}

/// How a camera is tilted: degrees below horizontal, and its vertical field of view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tilt {
    pub tilt_deg: f64,
    pub vfov_deg: f64,
}

impl Camera {
    /// The band `(near, far)` of horizontal distances at which a target's head at
    /// `target_height_m` is in the vertical field of view: `(0, inf)` for an untilted camera,
    /// `None` when the camera sees no head at all.
    pub fn floor_band(&self, target_height_m: f64) -> Option<(f64, f64)> {
        match self.tilt {
            None => Some((0.0, f64::INFINITY)),
            Some(t) => {
                crate::optics::vertical_band(self.height_m, target_height_m, t.tilt_deg, t.vfov_deg)
            }
        }
    }
}

/// How `place` generates candidate cameras when the plan asks for it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacementSettings {
    /// Spacing of the candidate grid, metres; `None` uses only the marked candidates.
    pub grid_m: Option<f64>,
    /// Number of pan directions tried at each candidate point.
    pub pans: u32,
    /// Catalogue models tried (all models when empty).
    pub models: Vec<String>,
    pub height_m: f64,
    /// Spacing of the sample points inside zones, metres.
    pub sample_m: f64,
    /// Focal settings tried across each varifocal model's range (1: its default setting).
    pub focal_steps: u32,
    /// Place for the night: each candidate reaches only its model's infrared range.
    pub night: bool,
    /// Tilt of the candidate cameras (degrees below horizontal); `None`: untilted.
    pub tilt_deg: Option<f64>,
}

/// A validated floor plan.
#[derive(Clone, Debug, PartialEq)]
pub struct FloorPlan {
    /// Outer boundary, counter-clockwise.
    pub boundary: Vec<Point>,
    /// Opaque obstacles (pillars, racks, buildings), counter-clockwise.
    pub obstacles: Vec<Vec<Point>>,
    pub walls: Vec<Segment>,
    /// Doorways and windows: drawn, never occluding.
    pub openings: Vec<Segment>,
    pub target_height_m: f64,
    pub zones: Vec<Zone>,
    pub models: Vec<CameraModel>,
    pub cameras: Vec<Camera>,
    /// Mounting points the user marked for placement.
    pub candidates: Vec<Point>,
    pub placement: PlacementSettings,
    /// The plan's own level profile, when it defines one.
    pub levels: Option<LevelProfile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanFile {
    pub(crate) boundary: Vec<[f64; 2]>,
    #[serde(default)]
    pub(crate) obstacles: Vec<Vec<[f64; 2]>>,
    #[serde(default)]
    pub(crate) walls: Vec<[[f64; 2]; 2]>,
    #[serde(default)]
    pub(crate) openings: Vec<[[f64; 2]; 2]>,
    target_height_m: Option<f64>,
    #[serde(default)]
    zones: Vec<ZoneFile>,
    #[serde(default)]
    models: Vec<ModelFile>,
    #[serde(default)]
    cameras: Vec<CameraFile>,
    #[serde(default)]
    candidates: Vec<[f64; 2]>,
    placement: Option<PlacementFile>,
    levels: Option<std::collections::BTreeMap<String, f64>>,
}

/// Everything of a plan but its geometry: zones, the catalogue, cameras and placement
/// settings, to put on a drawing read from elsewhere (a DXF file).
#[cfg(feature = "dxf")]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct DevicesFile {
    target_height_m: Option<f64>,
    #[serde(default)]
    zones: Vec<ZoneFile>,
    #[serde(default)]
    models: Vec<ModelFile>,
    #[serde(default)]
    cameras: Vec<CameraFile>,
    #[serde(default)]
    candidates: Vec<[f64; 2]>,
    placement: Option<PlacementFile>,
    levels: Option<std::collections::BTreeMap<String, f64>>,
}

#[cfg(feature = "dxf")]
impl PlanFile {
    /// Add a zone drawn elsewhere, with its requirement as a level name.
    pub(crate) fn push_zone(&mut self, id: String, polygon: Vec<[f64; 2]>, required: String) {
        self.zones.push(ZoneFile {
            id,
            polygon,
            required: RequiredFile::Name(required),
        });
    }

    /// Add the zones, catalogue, cameras and settings of a devices file (YAML, the plan
    /// format without `boundary`, `obstacles`, `walls` and `openings`); its zones come after
    /// those already there.
    pub(crate) fn add_devices(&mut self, yaml: &str) -> Result<(), PlanError> {
        let d: DevicesFile =
            serde_saphyr::from_str(yaml).map_err(|e| PlanError::Syntax(e.to_string()))?;
        self.zones.extend(d.zones);
        self.models.extend(d.models);
        self.cameras.extend(d.cameras);
        self.candidates.extend(d.candidates);
        self.target_height_m = d.target_height_m.or(self.target_height_m);
        self.placement = d.placement.or(self.placement.take());
        self.levels = d.levels.or(self.levels.take());
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneFile {
    id: String,
    polygon: Vec<[f64; 2]>,
    required: RequiredFile,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RequiredFile {
    Name(String),
    Density(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    id: String,
    resolution_h: f64,
    sensor_width_mm: Option<f64>,
    focal_mm: Option<f64>,
    focal_range_mm: Option<[f64; 2]>,
    hfov_deg: Option<f64>,
    vfov_deg: Option<f64>,
    sensor_height_mm: Option<f64>,
    ir_range_m: Option<f64>,
    #[serde(default)]
    price: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CameraFile {
    id: String,
    position: [f64; 2],
    height_m: Option<f64>,
    #[serde(default)]
    pan_deg: f64,
    model: Option<String>,
    sensor_width_mm: Option<f64>,
    focal_mm: Option<f64>,
    hfov_deg: Option<f64>,
    resolution_h: Option<f64>,
    tilt_deg: Option<f64>,
    vfov_deg: Option<f64>,
    sensor_height_mm: Option<f64>,
    ir_range_m: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacementFile {
    grid_m: Option<f64>,
    pans: Option<u32>,
    #[serde(default)]
    models: Vec<String>,
    height_m: Option<f64>,
    sample_m: Option<f64>,
    focal_steps: Option<u32>,
    #[serde(default)]
    night: bool,
    tilt_deg: Option<f64>,
}

fn points(item: &str, raw: &[[f64; 2]]) -> Result<Vec<Point>, PlanError> {
    let pts: Vec<Point> = raw.iter().map(|p| Point::from(*p)).collect();
    if pts.iter().any(|p| !p.is_finite()) {
        return Err(PlanError::NonFinite {
            item: item.to_string(),
        });
    }
    Ok(pts)
}

/// A simple polygon, returned counter-clockwise; a repeated closing vertex is dropped.
fn polygon(item: &str, raw: &[[f64; 2]]) -> Result<Vec<Point>, PlanError> {
    let mut pts = points(item, raw)?;
    if pts.len() > 3 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return Err(PlanError::TooFewVertices {
            item: item.to_string(),
            count: pts.len(),
        });
    }
    if let Some((a, b)) = first_self_intersection(&pts) {
        return Err(PlanError::SelfIntersecting {
            item: item.to_string(),
            edge_a: a + 1,
            edge_b: b + 1,
        });
    }
    let area = signed_area(&pts);
    if area == 0.0 {
        return Err(PlanError::ZeroArea {
            item: item.to_string(),
        });
    }
    if area < 0.0 {
        pts.reverse();
    }
    Ok(pts)
}

fn segment(item: &str, raw: &[[f64; 2]; 2]) -> Result<Segment, PlanError> {
    let pts = points(item, raw)?;
    if pts[0] == pts[1] {
        return Err(PlanError::DegenerateWall {
            item: item.to_string(),
        });
    }
    Ok(Segment::new(pts[0], pts[1]))
}

fn positive(item: &str, field: &'static str, v: f64) -> Result<f64, PlanError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(PlanError::BadNumber {
            item: item.to_string(),
            field,
            expected: "a positive number",
            value: v,
        })
    }
}

fn vfov(item: &str, v: f64) -> Result<f64, PlanError> {
    if v.is_finite() && v > 0.0 && v < 180.0 {
        Ok(v)
    } else {
        Err(PlanError::BadNumber {
            item: item.to_string(),
            field: "vfov_deg",
            expected: "above 0 and below 180",
            value: v,
        })
    }
}

fn tilt_deg(item: &str, t: f64) -> Result<f64, PlanError> {
    if t.is_finite() && (-90.0..=90.0).contains(&t) {
        Ok(t)
    } else {
        Err(PlanError::BadNumber {
            item: item.to_string(),
            field: "tilt_deg",
            expected: "between -90 and 90 (degrees below horizontal)",
            value: t,
        })
    }
}

/// The vertical field of view of a tilted camera: its own `vfov_deg`; else its model's (when
/// the camera does not set another focal length); else from the sensor's height over its
/// width (the camera's or the model's sensor), else from a 16:9 sensor. A panoramic lens must
/// give `vfov_deg`.
fn camera_vfov(
    item: &str,
    c: &CameraFile,
    model: Option<&CameraModel>,
    optics: &Optics,
) -> Result<f64, PlanError> {
    if let Some(v) = c.vfov_deg {
        return vfov(item, v);
    }
    if let Some(v) = model.and_then(|m| m.vfov_deg)
        && c.focal_mm.is_none()
    {
        return vfov(item, v);
    }
    if optics.is_panoramic() {
        return Err(PlanError::BadNumber {
            item: item.to_string(),
            field: "vfov_deg",
            expected: "given for a tilted panoramic lens",
            value: f64::NAN,
        });
    }
    let height = c
        .sensor_height_mm
        .or(model.and_then(|m| m.sensor_height_mm));
    let width = c.sensor_width_mm.or(model.and_then(|m| m.sensor_width_mm));
    let ratio = match (height, width) {
        (Some(h), Some(w)) => positive(item, "sensor_height_mm", h)? / w,
        _ => 9.0 / 16.0,
    };
    vfov(
        item,
        crate::optics::vertical_fov_deg(optics.hfov_deg, ratio),
    )
}

/// Tolerance (metres) under which a camera on the boundary counts as on it, not outside.
const ON_EDGE_M: f64 = 1e-9;

impl FloorPlan {
    /// Parse and validate a plan written in the crate's YAML format.
    pub fn from_yaml(text: &str) -> Result<FloorPlan, PlanError> {
        let file: PlanFile =
            serde_saphyr::from_str(text).map_err(|e| PlanError::Syntax(e.to_string()))?;
        FloorPlan::from_file(file)
    }

    pub(crate) fn from_file(file: PlanFile) -> Result<FloorPlan, PlanError> {
        let boundary = polygon("boundary", &file.boundary)?;
        let obstacles = file
            .obstacles
            .iter()
            .enumerate()
            .map(|(i, o)| polygon(&format!("obstacle {}", i + 1), o))
            .collect::<Result<Vec<_>, _>>()?;
        let walls = file
            .walls
            .iter()
            .enumerate()
            .map(|(i, w)| segment(&format!("wall {}", i + 1), w))
            .collect::<Result<Vec<_>, _>>()?;
        let openings = file
            .openings
            .iter()
            .enumerate()
            .map(|(i, w)| segment(&format!("opening {}", i + 1), w))
            .collect::<Result<Vec<_>, _>>()?;
        let target_height_m = match file.target_height_m {
            None => DEFAULT_TARGET_HEIGHT_M,
            Some(h) if h.is_finite() && h >= 0.0 => h,
            Some(h) => {
                return Err(PlanError::BadNumber {
                    item: "plan".into(),
                    field: "target_height_m",
                    expected: "a non-negative number",
                    value: h,
                });
            }
        };
        let levels = match &file.levels {
            None => None,
            Some(map) => {
                let pairs: Vec<(String, f64)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
                Some(
                    LevelProfile::custom("plan", &pairs).map_err(|source| PlanError::Level {
                        item: "levels".into(),
                        source,
                    })?,
                )
            }
        };
        let resolver = levels.clone().unwrap_or_else(LevelProfile::iec62676_2015);

        let mut zones: Vec<Zone> = Vec::with_capacity(file.zones.len());
        for z in &file.zones {
            let item = format!("zone {}", z.id);
            if zones.iter().any(|o| o.id == z.id) {
                return Err(PlanError::Duplicate { item });
            }
            let polygon = polygon(&item, &z.polygon)?;
            let (required, required_ppm) = match &z.required {
                RequiredFile::Name(n) => {
                    let ppm = resolver
                        .required_ppm(n)
                        .map_err(|source| PlanError::Level {
                            item: item.clone(),
                            source,
                        })?;
                    (n.trim().to_ascii_lowercase(), ppm)
                }
                RequiredFile::Density(p) => (format!("{p} px/m"), positive(&item, "required", *p)?),
            };
            zones.push(Zone {
                id: z.id.clone(),
                polygon,
                required,
                required_ppm,
            });
        }

        let mut models: Vec<CameraModel> = Vec::with_capacity(file.models.len());
        for m in &file.models {
            let item = format!("model {}", m.id);
            if models.iter().any(|o| o.id == m.id) {
                return Err(PlanError::Duplicate { item });
            }
            if !(m.price.is_finite() && m.price >= 0.0) {
                return Err(PlanError::BadNumber {
                    item,
                    field: "price",
                    expected: "a non-negative number",
                    value: m.price,
                });
            }
            let focal_range_mm = match m.focal_range_mm {
                None => None,
                Some([lo, hi]) => {
                    positive(&item, "focal_range_mm", lo)?;
                    positive(&item, "focal_range_mm", hi)?;
                    Some((lo.min(hi), lo.max(hi)))
                }
            };
            let model = CameraModel {
                id: m.id.clone(),
                resolution_h: m.resolution_h,
                sensor_width_mm: m.sensor_width_mm,
                focal_mm: m.focal_mm,
                focal_range_mm,
                hfov_deg: m.hfov_deg,
                vfov_deg: m.vfov_deg,
                sensor_height_mm: m.sensor_height_mm,
                ir_range_m: m.ir_range_m,
                price: m.price,
            };
            if let Some(r) = m.ir_range_m {
                positive(&item, "ir_range_m", r)?;
            }
            if let Some(h) = m.sensor_height_mm {
                positive(&item, "sensor_height_mm", h)?;
            }
            if let Some(v) = m.vfov_deg {
                vfov(&item, v)?;
            }
            model.optics(None).map_err(|source| PlanError::Optics {
                item: item.clone(),
                source,
            })?;
            models.push(model);
        }

        let mut cameras: Vec<Camera> = Vec::with_capacity(file.cameras.len());
        for c in &file.cameras {
            let item = format!("camera {}", c.id);
            if cameras.iter().any(|o| o.id == c.id) {
                return Err(PlanError::Duplicate { item });
            }
            let position = points(&item, &[c.position])?[0];
            let height_m = positive(
                &item,
                "height_m",
                c.height_m.unwrap_or(DEFAULT_MOUNTING_HEIGHT_M),
            )?;
            if !c.pan_deg.is_finite() {
                return Err(PlanError::NonFinite { item });
            }
            let model = match &c.model {
                None => None,
                Some(name) => Some(models.iter().find(|m| &m.id == name).ok_or_else(|| {
                    PlanError::UnknownModel {
                        camera: c.id.clone(),
                        model: name.clone(),
                    }
                })?),
            };
            let optics = match model {
                Some(model) => {
                    if let (Some(f), Some((lo, hi))) = (c.focal_mm, model.focal_range_mm)
                        && (f < lo || f > hi)
                    {
                        return Err(PlanError::BadNumber {
                            item,
                            field: "focal_mm",
                            expected: "within the model's focal range",
                            value: f,
                        });
                    }
                    model.optics(c.focal_mm)
                }
                None => Optics::from_parts(
                    c.sensor_width_mm,
                    c.focal_mm,
                    c.hfov_deg,
                    c.resolution_h.unwrap_or(f64::NAN),
                ),
            }
            .map_err(|source| PlanError::Optics {
                item: item.clone(),
                source,
            })?;
            let tilt = match c.tilt_deg {
                None => None,
                Some(t) => Some(Tilt {
                    tilt_deg: tilt_deg(&item, t)?,
                    vfov_deg: camera_vfov(&item, c, model, &optics)?,
                }),
            };
            let ir_range_m = match c.ir_range_m.or(model.and_then(|m| m.ir_range_m)) {
                None => None,
                Some(r) => Some(positive(&item, "ir_range_m", r)?),
            };
            cameras.push(Camera {
                id: c.id.clone(),
                position,
                height_m,
                pan_deg: c.pan_deg,
                optics,
                model: c.model.clone(),
                focal_mm: match model {
                    Some(m) if m.sensor_width_mm.is_some() => c.focal_mm.or(m.default_focal()),
                    Some(_) => None,
                    None => c.focal_mm.filter(|_| c.hfov_deg.is_none()),
                },
                tilt,
                ir_range_m,
            });
        }

        let candidates = points("candidates", &file.candidates)?;
        let placement = match file.placement {
            None => PlacementSettings {
                grid_m: None,
                pans: 8,
                models: Vec::new(),
                height_m: DEFAULT_MOUNTING_HEIGHT_M,
                sample_m: 0.5,
                focal_steps: 1,
                night: false,
                tilt_deg: None,
            },
            Some(p) => {
                let grid_m = match p.grid_m {
                    None => None,
                    Some(g) => Some(positive("placement", "grid_m", g)?),
                };
                let pans = p.pans.unwrap_or(8);
                if pans == 0 || pans > 360 {
                    return Err(PlanError::BadNumber {
                        item: "placement".into(),
                        field: "pans",
                        expected: "between 1 and 360",
                        value: f64::from(pans),
                    });
                }
                for m in &p.models {
                    if !models.iter().any(|o| &o.id == m) {
                        return Err(PlanError::UnknownModel {
                            camera: "placement".into(),
                            model: m.clone(),
                        });
                    }
                }
                PlacementSettings {
                    grid_m,
                    pans,
                    models: p.models,
                    height_m: positive(
                        "placement",
                        "height_m",
                        p.height_m.unwrap_or(DEFAULT_MOUNTING_HEIGHT_M),
                    )?,
                    sample_m: positive("placement", "sample_m", p.sample_m.unwrap_or(0.5))?,
                    night: p.night,
                    tilt_deg: match p.tilt_deg {
                        None => None,
                        Some(t) => Some(tilt_deg("placement", t)?),
                    },
                    focal_steps: match p.focal_steps.unwrap_or(1) {
                        n @ 1..=16 => n,
                        n => {
                            return Err(PlanError::BadNumber {
                                item: "placement".into(),
                                field: "focal_steps",
                                expected: "between 1 and 16",
                                value: f64::from(n),
                            });
                        }
                    },
                }
            }
        };

        let plan = FloorPlan {
            boundary,
            obstacles,
            walls,
            openings,
            target_height_m,
            zones,
            models,
            cameras,
            candidates,
            placement,
            levels,
        };
        for c in &plan.cameras {
            plan.check_mounting_point(&format!("camera {}", c.id), c.position)?;
        }
        Ok(plan)
    }

    /// A camera may stand inside the boundary or on it, never outside nor inside an obstacle.
    pub fn check_mounting_point(&self, item: &str, p: Point) -> Result<(), PlanError> {
        let camera = item.trim_start_matches("camera ").to_string();
        if locate(&self.boundary, p, ON_EDGE_M) == Containment::Outside {
            return Err(PlanError::CameraOutside {
                camera,
                x: p.x,
                y: p.y,
            });
        }
        for (i, o) in self.obstacles.iter().enumerate() {
            if locate(o, p, ON_EDGE_M) == Containment::Inside {
                return Err(PlanError::CameraInObstacle {
                    camera,
                    obstacle: i + 1,
                });
            }
        }
        Ok(())
    }

    /// Floor area: inside the boundary, less the obstacles (assumed inside the boundary and
    /// apart from one another, as validated plans are drawn).
    pub fn floor_area(&self) -> f64 {
        crate::region::area(&crate::region::floor(self))
    }

    /// The level profile a plan is judged against by default: its own, else IEC 62676-4:2015.
    pub fn default_profile(&self) -> LevelProfile {
        self.levels
            .clone()
            .unwrap_or_else(LevelProfile::iec62676_2015)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const ISSUE_PLAN: &str = "\
boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]
walls: [[[5, 0], [5, 3]]]
target_height_m: 1.7
zones: [{id: lobby, polygon: [[0, 0], [5, 0], [5, 10], [0, 10]], required: identify}]
cameras:
  - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
";

    /// The example in this module's documentation, verbatim.
    const DOCUMENTED: &str = r#"boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]        # the floor's outline
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]       # opaque polygons (columns, racks)
walls: [[[5, 0], [5, 3]]]                             # opaque segments
openings: [[[5, 3], [5, 4]]]                          # doorways: drawn, never occluding
target_height_m: 1.7                                  # face height the levels refer to
levels: {person: 50, plate: 300}                      # optional custom profile, px/m
zones: [{id: lobby, polygon: [[0, 0], [5, 0], [5, 10], [0, 10]], required: identify}]
models:                                               # the catalogue, for placement
  - {id: vf, sensor_width_mm: 4.8, focal_range_mm: [2.8, 12], resolution_h: 2560, ir_range_m: 30, price: 420}
cameras:                                              # optics inline, or from a model
  - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
  - {id: c2, position: [19, 9], pan_deg: 225, hfov_deg: 360, resolution_h: 2880}
  - {id: c3, position: [10, 0.2], pan_deg: 90, model: vf, focal_mm: 6}
  - {id: c4, position: [19, 1], pan_deg: 135, model: vf, tilt_deg: 25, vfov_deg: 30}
candidates: [[0.2, 0.2], [19.8, 9.8]]                 # mounting points for placement
placement: {grid_m: 2.0, pans: 8, models: [vf], height_m: 3.0, sample_m: 0.5, focal_steps: 3, night: false}
"#;

    #[test]
    fn the_documented_format_parses() {
        let plan = FloorPlan::from_yaml(DOCUMENTED).unwrap();
        assert_eq!(plan.cameras.len(), 4);
        let c4 = &plan.cameras[3];
        assert_eq!(
            c4.tilt,
            Some(Tilt {
                tilt_deg: 25.0,
                vfov_deg: 30.0
            })
        );
        assert_eq!(c4.ir_range_m, Some(30.0));
        assert_eq!(plan.cameras[0].tilt, None);
        assert_eq!(plan.openings.len(), 1);
        assert!(plan.cameras[1].optics.is_panoramic());
        assert_eq!(plan.cameras[2].height_m, DEFAULT_MOUNTING_HEIGHT_M);
        assert_eq!(plan.placement.grid_m, Some(2.0));
        assert_eq!(plan.levels.as_ref().map(|l| l.levels().len()), Some(2));
        // "identify" is not in the plan's own profile but resolves through IEC 62676-4.
        assert_eq!(plan.zones[0].required_ppm, 250.0);
    }

    #[test]
    fn the_issue_plan_parses() {
        let plan = FloorPlan::from_yaml(ISSUE_PLAN).unwrap();
        assert_eq!(plan.boundary.len(), 4);
        assert_eq!(plan.obstacles.len(), 1);
        assert_eq!(plan.walls.len(), 1);
        assert_eq!(plan.zones[0].required_ppm, 250.0);
        assert!((plan.cameras[0].optics.hfov_deg - 61.927).abs() < 1e-3);
        assert!((plan.floor_area() - 196.0).abs() < 1e-9);
    }

    fn with(old: &str, new: &str) -> String {
        assert!(ISSUE_PLAN.contains(old));
        ISSUE_PLAN.replace(old, new)
    }

    #[test]
    fn bad_input_is_refused_naming_the_item() {
        let bow = with(
            "[[9, 4], [11, 4], [11, 6], [9, 6]]",
            "[[9, 4], [11, 6], [11, 4], [9, 6]]",
        );
        assert_eq!(
            FloorPlan::from_yaml(&bow),
            Err(PlanError::SelfIntersecting {
                item: "obstacle 1".into(),
                edge_a: 1,
                edge_b: 3
            })
        );
        let outside = with("position: [1, 5]", "position: [25, 5]");
        assert!(
            matches!(FloorPlan::from_yaml(&outside), Err(PlanError::CameraOutside { camera, .. }) if camera == "c1")
        );
        let in_pillar = with("position: [1, 5]", "position: [10, 5]");
        assert_eq!(
            FloorPlan::from_yaml(&in_pillar),
            Err(PlanError::CameraInObstacle {
                camera: "c1".into(),
                obstacle: 1
            })
        );
        let zero_focal = with("focal_mm: 4", "focal_mm: 0");
        let e = FloorPlan::from_yaml(&zero_focal).unwrap_err();
        assert_eq!(
            e.to_string(),
            "camera c1: focal_mm must be a positive number, got 0"
        );
        let level = with("required: identify", "required: identifyy");
        let e = FloorPlan::from_yaml(&level).unwrap_err();
        assert_eq!(e.to_string(), "zone lobby: unknown level \"identifyy\"");
        let syntax = with("boundary:", "boundry:");
        assert!(matches!(
            FloorPlan::from_yaml(&syntax),
            Err(PlanError::Syntax(_))
        ));
    }

    #[test]
    fn a_camera_on_the_boundary_is_accepted() {
        let on_wall = with("position: [1, 5]", "position: [0, 5]");
        assert!(FloorPlan::from_yaml(&on_wall).is_ok());
    }

    #[test]
    fn models_give_optics_and_varifocal_settings_are_checked() {
        let text = format!(
            "{ISSUE_PLAN}  - {{id: c2, position: [15, 5], model: vf, focal_mm: 8}}\nmodels:\n  - {{id: vf, sensor_width_mm: 4.8, focal_range_mm: [2.8, 12], resolution_h: 2560, price: 420}}\n"
        );
        let plan = FloorPlan::from_yaml(&text).unwrap();
        let c2 = &plan.cameras[1];
        assert!((c2.optics.max_distance(250.0) - 2560.0 * 8.0 / (4.8 * 250.0)).abs() < 1e-9);
        let too_long = text.replace("focal_mm: 8}", "focal_mm: 20}");
        assert!(matches!(
            FloorPlan::from_yaml(&too_long),
            Err(PlanError::BadNumber {
                field: "focal_mm",
                ..
            })
        ));
        let unknown = text.replace("model: vf,", "model: nope,");
        assert!(matches!(
            FloorPlan::from_yaml(&unknown),
            Err(PlanError::UnknownModel { .. })
        ));
    }

    #[test]
    fn the_vertical_view_comes_from_the_sensor_or_a_16_by_9_frame() {
        // 4.8 mm wide sensor, 4 mm lens: tan(HFOV / 2) = 0.6.
        let tilted = with("resolution_h: 1920}", "resolution_h: 1920, tilt_deg: 30}");
        let plan = FloorPlan::from_yaml(&tilted).unwrap();
        // 16:9: tan(VFOV / 2) = 0.6 x 9 / 16 = 0.3375, VFOV = 37.2991 degrees.
        let v = plan.cameras[0].tilt.unwrap().vfov_deg;
        assert!((v - 37.2991).abs() < 1e-3, "{v}");
        // A 3.6 mm tall sensor: tan(VFOV / 2) = 3.6 / 8 = 0.45, VFOV = 48.4555 degrees.
        let tall = tilted.replace("tilt_deg: 30", "tilt_deg: 30, sensor_height_mm: 3.6");
        let v = FloorPlan::from_yaml(&tall).unwrap().cameras[0]
            .tilt
            .unwrap()
            .vfov_deg;
        assert!((v - 48.4555).abs() < 1e-3, "{v}");
        let e = FloorPlan::from_yaml(&tilted.replace("tilt_deg: 30", "tilt_deg: 95")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "camera c1: tilt_deg must be between -90 and 90 (degrees below horizontal), got 95"
        );
        let e = FloorPlan::from_yaml(&tilted.replace("tilt_deg: 30", "tilt_deg: 30, vfov_deg: 0"))
            .unwrap_err();
        assert!(e.to_string().starts_with("camera c1: vfov_deg"), "{e}");
        let e = FloorPlan::from_yaml(&with(
            "resolution_h: 1920}",
            "resolution_h: 1920, ir_range_m: -1}",
        ))
        .unwrap_err();
        assert!(e.to_string().starts_with("camera c1: ir_range_m"), "{e}");
    }
}
