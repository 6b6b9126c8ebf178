//! Coverage of a floor plan by its cameras, level by level: what each camera sees (exact
//! areas), the floor and zone areas seen at each level or better by any camera, the parts of
//! each zone that miss its requirement, and the floor seen by two cameras or more.
//!
//! A camera sees a point of the floor at a level when the point is in line of sight (walls and
//! obstacles occlude), inside the field-of-view wedge, and close enough that a target of the
//! plan's target height standing there is seen at the level's pixel density: the slant
//! distance from the lens to the target's head, `sqrt(d_h^2 + (h - t)^2)`, is at most the
//! level's `d_max`. The floor disc of a level therefore has radius
//! `sqrt(d_max^2 - (h - t)^2)`; the pure formula `d_max = N f / (w PPM)` is the special case of
//! a camera at target height. The level `visible` is line of sight within the wedge, with no
//! distance limit.
//!
//! A camera with a tilt (`tilt_deg` in the plan) sees a target's head only between two
//! horizontal distances, `near` (the blind spot under the camera, where the head is below the
//! image's bottom edge) and `far` (the image's top edge; unbounded when that edge looks level
//! or upwards), see [`crate::optics::vertical_band`]: its visible region and every level's
//! region are the fan cut to that annulus piece. A camera without a tilt keeps the plain
//! model (no blind spot, no far edge), so plans written before tilt existed give the same
//! figures. Pixel density still comes from the slant distance. At night
//! ([`CoverageOptions::night`]) each camera reaches no further than its infrared range (a
//! slant distance, like the levels' distances); a camera without an illuminator sees nothing.
//!
//! Per-camera areas are exact. Union areas (floor, zones, overlap) go through polygon booleans
//! with arcs replaced by inscribed chords of sagitta at most `arc_tolerance_m` (and blind-spot
//! circles by circumscribed polygons within the same distance); they err low, by
//! at most the reported `area_error_bound_m2`.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::geometry::{Bounds, Containment, Point, clip_polygon_to_box, locate};
use crate::levels::LevelProfile;
use crate::optics::horizontal_reach;
use crate::plan::{Camera, FloorPlan};
use crate::region::{self, Region};
use crate::visibility::{Occluders, VisibilityFan, Wedge};

/// The name of the level that counts line of sight whatever the pixel density.
pub const VISIBLE: &str = "visible";

/// Settings of a coverage computation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoverageOptions {
    /// Largest gap (metres) between a distance circle and the chords that replace it in
    /// unions.
    pub arc_tolerance_m: f64,
    /// Whether to compute the overlap (floor seen by two cameras or more).
    pub overlap: bool,
    /// Night: each camera reaches only as far as its infrared illumination.
    pub night: bool,
}

impl Default for CoverageOptions {
    fn default() -> Self {
        CoverageOptions {
            arc_tolerance_m: 0.002,
            overlap: true,
            night: false,
        }
    }
}

/// What one camera reaches at one level.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraLevel {
    pub level: String,
    pub min_ppm: f64,
    /// Furthest slant distance to the target, `N f / (w PPM)`.
    pub max_distance_m: f64,
    /// Furthest distance on the floor plan, given mounting and target heights, the tilt's far
    /// edge and, at night, the infrared range (`None`: nothing is seen at this level).
    pub floor_reach_m: Option<f64>,
    /// Exact area this camera alone sees at this level or better.
    pub area_m2: f64,
}

/// One camera's part of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraCoverage {
    pub id: String,
    pub hfov_deg: f64,
    pub panoramic: bool,
    /// Exact area in line of sight within the field of view.
    pub visible_area_m2: f64,
    /// The band of floor distances the vertical view allows: `(0, inf)` untilted, `None` when
    /// no target's head is in view (or, at night, no illumination).
    pub floor_band_m: Option<(f64, f64)>,
    pub levels: Vec<CameraLevel>,
}

/// The floor seen at one level or better by at least one camera.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelCoverage {
    pub level: String,
    /// `None` for `visible`.
    pub min_ppm: Option<f64>,
    pub area_m2: f64,
    /// Of the floor area.
    pub fraction: f64,
    /// The union area errs low by at most this much (arcs replaced by chords).
    pub area_error_bound_m2: f64,
}

/// A zone against its requirement.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneCoverage {
    pub id: String,
    pub required: String,
    pub required_ppm: f64,
    /// Floor area of the zone (obstacles excluded).
    pub area_m2: f64,
    pub covered_m2: f64,
    pub covered_fraction: f64,
    /// Fraction of the zone seen at each level of the profile or better, and `visible`.
    pub level_fractions: Vec<(String, f64)>,
    /// The parts of the zone not seen at the required level.
    pub uncovered: Region,
    pub uncovered_m2: f64,
}

/// The coverage of a plan under a level profile.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageReport {
    pub profile: String,
    pub floor_area_m2: f64,
    pub cameras: Vec<CameraCoverage>,
    /// `visible` first, then the profile's levels from lowest to highest density.
    pub levels: Vec<LevelCoverage>,
    pub zones: Vec<ZoneCoverage>,
    /// Floor seen (line of sight within a field of view) by two cameras or more.
    pub overlap_m2: Option<f64>,
    /// The union regions per level, in the order of `levels`, for drawings.
    pub regions: Vec<Region>,
}

/// Where the sweep looks from. A camera mounted on a wall or boundary edge would see through
/// it (a segment through the eye blocks nothing), so the eye is moved a micrometre off the
/// wall, towards where the camera looks.
pub fn eye_of(position: Point, pan_deg: f64, plan: &FloorPlan, occ: &Occluders) -> Point {
    const TOUCH: f64 = 1e-7;
    const STEP: f64 = 1e-6;
    if !occ.touches(position, TOUCH) {
        return position;
    }
    for k in 0..16 {
        let ang = pan_deg.to_radians() + f64::from(k) * std::f64::consts::TAU / 16.0;
        let p = position.plus(Point::from_angle(ang).scale(STEP));
        let free = locate(&plan.boundary, p, 0.0) == Containment::Inside
            && plan
                .obstacles
                .iter()
                .all(|o| locate(o, p, 0.0) == Containment::Outside)
            && !occ.touches(p, TOUCH);
        if free {
            return p;
        }
    }
    position
}

/// The visibility fan of each camera, in the order of `cameras`.
pub fn fans(plan: &FloorPlan, occ: &Occluders, cameras: &[Camera]) -> Vec<VisibilityFan> {
    cameras
        .par_iter()
        .map(|c| occ.fan(eye_of(c.position, c.pan_deg, plan, occ)))
        .collect()
}

/// The horizontal distances `(near, far)` at which camera `c` sees a target's head at
/// `target_height_m` at pixel density `ppm` or better (`None`: line of sight only), within its
/// vertical view and, at `night`, within its infrared range. `None` when it sees no such point.
pub fn reach(
    c: &Camera,
    ppm: Option<f64>,
    target_height_m: f64,
    night: bool,
) -> Option<(f64, f64)> {
    let (near, mut far) = c.floor_band(target_height_m)?;
    if let Some(p) = ppm {
        far = far.min(horizontal_reach(
            c.optics.max_distance(p),
            c.height_m,
            target_height_m,
        )?);
    }
    if night {
        far = far.min(horizontal_reach(
            c.ir_range_m?,
            c.height_m,
            target_height_m,
        )?);
    }
    (far > near).then_some((near, far))
}

/// A contour with its bounding box.
type Bounded = (Vec<Point>, Bounds);

/// What the cameras see at one density: each camera's polygon (with its bounding box), their
/// union, and the bound on the area the chords miss.
struct SeenAt {
    polys: Vec<(Vec<Point>, Bounds)>,
    union: Region,
    bound: f64,
}

impl SeenAt {
    /// The polygons cut to the box `near`: what a zone needs, without carrying the whole
    /// site through its booleans.
    fn near(&self, near: &Bounds) -> Vec<Vec<Point>> {
        self.polys
            .iter()
            .filter(|(_, b)| b.overlaps(near))
            .map(|(p, _)| clip_polygon_to_box(p, near))
            .filter(|p| p.len() >= 3)
            .collect()
    }
}

/// What the cameras see at `ppm` or better (`None`: line of sight only).
fn seen_at(
    plan: &FloorPlan,
    cameras: &[Camera],
    fans: &[VisibilityFan],
    ppm: Option<f64>,
    options: CoverageOptions,
) -> SeenAt {
    let tol = options.arc_tolerance_m;
    // Each camera gives one contour, or (with a blind spot) the contours of its annulus piece:
    // outer ones counter-clockwise, holes clockwise, so that each camera adds a winding number
    // of 0 or 1 everywhere and the unions' fill rules count cameras as before.
    let parts: Vec<(Vec<Bounded>, f64)> = cameras
        .par_iter()
        .zip(fans.par_iter())
        .filter_map(|(c, f)| {
            let wedge = Wedge::of_camera(c.pan_deg, c.optics.hfov_deg);
            let (near, far) = reach(c, ppm, plan.target_height_m, options.night)?;
            if far <= 0.0 {
                return None;
            }
            let (contours, arc) = f.band_contours(wedge, near, far, tol);
            let with_bounds: Vec<Bounded> = contours
                .into_iter()
                .filter_map(|p| {
                    let b = Bounds::of(p.iter().copied())?;
                    Some((p, b))
                })
                .collect();
            Some((with_bounds, 2.0 / 3.0 * tol * arc))
        })
        .collect();
    let bound = parts.iter().map(|p| p.1).sum();
    let polys: Vec<(Vec<Point>, Bounds)> = parts.into_iter().flat_map(|p| p.0).collect();
    let only: Vec<Vec<Point>> = polys.iter().map(|p| p.0.clone()).collect();
    SeenAt {
        union: region::union_of(&only),
        polys,
        bound,
    }
}

/// Compute the coverage of `plan` under `profile`.
pub fn coverage(
    plan: &FloorPlan,
    profile: &LevelProfile,
    options: CoverageOptions,
) -> CoverageReport {
    let occ = Occluders::of_plan(plan);
    let fans = fans(plan, &occ, &plan.cameras);
    coverage_with(plan, profile, options, &fans)
}

/// Coverage when the fans are already known (they do not depend on the profile).
pub fn coverage_with(
    plan: &FloorPlan,
    profile: &LevelProfile,
    options: CoverageOptions,
    fans: &[VisibilityFan],
) -> CoverageReport {
    let floor = region::floor(plan);
    let floor_area = region::area(&floor);

    let cameras: Vec<CameraCoverage> = plan
        .cameras
        .par_iter()
        .zip(fans.par_iter())
        .map(|(c, f)| {
            let wedge = Wedge::of_camera(c.pan_deg, c.optics.hfov_deg);
            let target = plan.target_height_m;
            let band = reach(c, None, target, options.night);
            CameraCoverage {
                id: c.id.clone(),
                hfov_deg: c.optics.hfov_deg,
                panoramic: c.optics.is_panoramic(),
                visible_area_m2: band.map_or(0.0, |(n, r)| f.area_band(wedge, n, r)),
                floor_band_m: band,
                levels: profile
                    .levels()
                    .iter()
                    .map(|l| {
                        let band = reach(c, Some(l.min_ppm), target, options.night);
                        CameraLevel {
                            level: l.name.clone(),
                            min_ppm: l.min_ppm,
                            max_distance_m: c.optics.max_distance(l.min_ppm),
                            floor_reach_m: band.map(|b| b.1),
                            area_m2: band.map_or(0.0, |(n, r)| f.area_band(wedge, n, r)),
                        }
                    })
                    .collect(),
            }
        })
        .collect();

    // Every density the report needs: the profile's levels and the zones' requirements.
    let mut densities: Vec<Option<f64>> = vec![None];
    densities.extend(profile.levels().iter().map(|l| Some(l.min_ppm)));
    for z in &plan.zones {
        if !densities.contains(&Some(z.required_ppm)) {
            densities.push(Some(z.required_ppm));
        }
    }
    let unions: Vec<SeenAt> = densities
        .par_iter()
        .map(|d| seen_at(plan, &plan.cameras, fans, *d, options))
        .collect();
    let by_density: BTreeMap<u64, usize> = densities
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|p| (p.to_bits(), i)))
        .collect();

    let fraction = |a: f64, of: f64| if of > 0.0 { a / of } else { 0.0 };
    let mut levels = Vec::with_capacity(profile.levels().len() + 1);
    let mut regions = Vec::with_capacity(profile.levels().len() + 1);
    for (i, d) in densities
        .iter()
        .take(profile.levels().len() + 1)
        .enumerate()
    {
        let (r, bound) = (&unions[i].union, &unions[i].bound);
        let a = region::area(r);
        levels.push(LevelCoverage {
            level: match d {
                None => VISIBLE.to_string(),
                Some(_) => profile.levels()[i - 1].name.clone(),
            },
            min_ppm: *d,
            area_m2: a,
            fraction: fraction(a, floor_area),
            area_error_bound_m2: *bound,
        });
        regions.push(r.clone());
    }

    let zones = plan
        .zones
        .par_iter()
        .map(|z| {
            let zone_floor = region::intersection(&region::polygon(&z.polygon), &floor);
            let area = region::area(&zone_floor);
            let near = Bounds::of(z.polygon.iter().copied()).unwrap_or(Bounds {
                min: Point::new(0.0, 0.0),
                max: Point::new(0.0, 0.0),
            });
            let req = by_density.get(&z.required_ppm.to_bits()).map_or(0, |i| *i);
            let seen = unions[req].near(&near);
            let covered = region::area(&region::intersection_with_union(&zone_floor, &seen));
            let uncovered = region::difference_with_union(&zone_floor, &seen);
            let uncovered_m2 = region::area(&uncovered);
            let level_fractions = levels
                .iter()
                .zip(&unions)
                .map(|(l, u)| {
                    let seen = u.near(&near);
                    (
                        l.level.clone(),
                        fraction(
                            region::area(&region::intersection_with_union(&zone_floor, &seen)),
                            area,
                        ),
                    )
                })
                .collect();
            ZoneCoverage {
                id: z.id.clone(),
                required: z.required.clone(),
                required_ppm: z.required_ppm,
                area_m2: area,
                covered_m2: covered,
                covered_fraction: fraction(covered, area),
                level_fractions,
                uncovered,
                uncovered_m2,
            }
        })
        .collect();

    let overlap_m2 = options.overlap.then(|| {
        let visible: Vec<Vec<Point>> = unions[0].polys.iter().map(|p| p.0.clone()).collect();
        region::area(&region::covered_at_least(&visible, 2))
    });

    CoverageReport {
        profile: profile.name.clone(),
        floor_area_m2: floor_area,
        cameras,
        levels,
        zones,
        overlap_m2,
        regions,
    }
}

/// A design-review finding: a zone seen at its required level over less than all of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub zone: String,
    /// The requirement as the plan writes it (a level name, or "300 px/m").
    pub required: String,
    pub required_ppm: f64,
    /// Fraction of the zone's floor seen at the required level or better.
    pub covered_fraction: f64,
    /// The fraction asked for: all of the zone.
    pub required_fraction: f64,
    pub uncovered_m2: f64,
    /// The parts of the zone not seen at the required level, for drawings.
    pub uncovered: Region,
    /// One line for a reviewer: `zone lobby: Identify covers 62%, required 100%`.
    pub message: String,
}

/// The design-review findings of a coverage report: one for each zone (with floor to see)
/// whose required level covers less than `1 - tolerance` of it, in the plan's zone order.
/// The percentage in the message is rounded down, so a zone short of its requirement never
/// reads "100%".
pub fn findings(report: &CoverageReport, tolerance: f64) -> Vec<Finding> {
    let tolerance = if tolerance.is_finite() {
        tolerance.clamp(0.0, 1.0)
    } else {
        0.0
    };
    report
        .zones
        .iter()
        .filter(|z| z.area_m2 > 0.0 && z.covered_fraction < 1.0 - tolerance)
        .map(|z| {
            let mut level = z.required.clone();
            if let Some(first) = level.get(..1)
                && first.chars().all(|ch| ch.is_ascii_alphabetic())
            {
                level = format!("{}{}", first.to_ascii_uppercase(), &level[1..]);
            }
            let percent = (z.covered_fraction * 100.0).floor().max(0.0);
            Finding {
                zone: z.id.clone(),
                required: z.required.clone(),
                required_ppm: z.required_ppm,
                covered_fraction: z.covered_fraction,
                required_fraction: 1.0,
                uncovered_m2: z.uncovered_m2,
                uncovered: z.uncovered.clone(),
                message: format!("zone {}: {level} covers {percent:.0}%, required 100%", z.id),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visibility::Occluders;

    const ISSUE_PLAN: &str = "\
boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]
walls: [[[5, 0], [5, 3]]]
target_height_m: 1.7
zones: [{id: lobby, polygon: [[0, 0], [5, 0], [5, 10], [0, 10]], required: identify}]
cameras:
  - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
";

    fn level<'a>(r: &'a CoverageReport, name: &str) -> &'a LevelCoverage {
        r.levels.iter().find(|l| l.level == name).unwrap()
    }

    #[test]
    fn a_360_camera_in_the_pillar_room_sees_162_875() {
        let text = ISSUE_PLAN
            .replace("walls: [[[5, 0], [5, 3]]]\n", "")
            .replace("sensor_width_mm: 4.8, focal_mm: 4", "hfov_deg: 360");
        let plan = FloorPlan::from_yaml(&text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        assert!((r.cameras[0].visible_area_m2 - 162.875).abs() < 1e-9);
        let v = level(&r, VISIBLE);
        assert!((v.area_m2 - 162.875).abs() < 1e-6, "{}", v.area_m2);
        assert!((v.fraction - 162.875 / 196.0).abs() < 1e-6);
    }

    #[test]
    fn issue_plan_levels_are_nested_and_the_lobby_is_judged_at_identify() {
        // The wall shortened to y <= 2 so that it stays below the wedge (y >= 2.6 at x = 5).
        let text = ISSUE_PLAN.replace("[[5, 0], [5, 3]]", "[[5, 0], [5, 2]]");
        let plan = FloorPlan::from_yaml(&text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        let mut prev = f64::INFINITY;
        for l in &r.levels {
            assert!(l.area_m2 <= prev + 1e-9, "{} grows", l.level);
            prev = l.area_m2;
        }
        // Identify: slant 6.4 m, camera 1.3 m above the head: floor reach sqrt(6.4^2 - 1.3^2).
        let c = &r.cameras[0];
        let id = c.levels.iter().find(|l| l.level == "identify").unwrap();
        let reach = (6.4f64 * 6.4 - 1.3 * 1.3).sqrt();
        assert!((id.floor_reach_m.unwrap() - reach).abs() < 1e-9);
        // The camera at (1, 5) looks along +x with a 61.93 degree wedge; within the lobby
        // (x <= 5) nothing occludes, so the identify area in the lobby is the wedge cut at
        // x = 5: a triangle of depth 4 and half-width 4 tan(hfov/2).
        let half = (4.8f64 / 8.0).atan();
        let tri = 4.0 * 4.0 * half.tan();
        let z = &r.zones[0];
        assert!(
            (z.covered_m2 - tri).abs() < 1e-3,
            "{} vs {tri}",
            z.covered_m2
        );
        assert!((z.covered_fraction - tri / 50.0).abs() < 1e-4);
        assert!((z.uncovered_m2 - (50.0 - tri)).abs() < 1e-3);
        // Per-camera exact area at identify: the wedge of the disc of radius `reach`, cut by
        // nothing (the wall at x=5 spans y in [0, 3], below the wedge at x = 5: y >= 5 - 2.4).
        assert!((id.area_m2 - reach * reach * half).abs() < 1e-9);
    }

    #[test]
    fn overlap_of_two_cameras_facing_each_other() {
        let text = "\
boundary: [[0, 0], [10, 0], [10, 10], [0, 10]]
cameras:
  - {id: a, position: [0, 5], pan_deg: 0, hfov_deg: 180, resolution_h: 1000}
  - {id: b, position: [10, 5], pan_deg: 180, hfov_deg: 180, resolution_h: 1000}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        assert!((level(&r, VISIBLE).area_m2 - 100.0).abs() < 1e-6);
        let o = r.overlap_m2.unwrap();
        assert!((o - 100.0).abs() < 1e-3, "{o}");
        // Cameras on the boundary see only the inside of the room.
        assert!((r.cameras[0].visible_area_m2 - 100.0).abs() < 1e-3);
    }

    #[test]
    fn a_camera_on_a_wall_sees_the_side_it_faces_and_openings_do_not_occlude() {
        let text = "\
boundary: [[0, 0], [10, 0], [10, 10], [0, 10]]
walls: [[[5, 0], [5, 10]]]
openings: [[[7, 0], [7, 10]]]
cameras:
  - {id: w, position: [5, 5], pan_deg: 0, hfov_deg: 360, resolution_h: 2000}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        let a = r.cameras[0].visible_area_m2;
        assert!((a - 50.0).abs() < 1e-4, "{a}");
    }

    #[test]
    fn a_plan_may_bring_its_own_levels() {
        let text = "\
boundary: [[0, 0], [10, 0], [10, 10], [0, 10]]
levels: {person: 50, plate: 300}
zones: [{id: gate, polygon: [[0, 0], [2, 0], [2, 2], [0, 2]], required: plate}]
cameras:
  - {id: c, position: [1, 1], height_m: 1.7, hfov_deg: 360, resolution_h: 1885}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let profile = plan.default_profile();
        let r = coverage(&plan, &profile, CoverageOptions::default());
        let names: Vec<&str> = r.levels.iter().map(|l| l.level.as_str()).collect();
        assert_eq!(names, ["visible", "person", "plate"]);
        // Panoramic 1885 px at 300 px/m reaches 1885 / (2 pi 300) = 1.0001 m (the lens is at
        // target height): the disc around the gate's centre fills it but for slivers of
        // about 2e-6 m^2 beyond each side. The union errs low by at most the chord bound.
        let reach = 1885.0 / (std::f64::consts::TAU * 300.0);
        let z = &r.zones[0];
        let expected = std::f64::consts::PI * reach * reach;
        let bound = 2.0 / 3.0 * 0.002 * std::f64::consts::TAU * reach;
        assert!(
            z.covered_m2 <= expected && expected - z.covered_m2 <= bound + 1e-5,
            "{} vs {expected}",
            z.covered_m2
        );
    }

    #[test]
    fn zone_figures_from_nearby_cameras_match_the_whole_union() {
        let spec = crate::synthetic::CampusSpec {
            buildings_x: 2,
            buildings_y: 2,
            site_w: 160.0,
            site_h: 100.0,
            ..crate::synthetic::CampusSpec::BENCH
        };
        let plan = crate::synthetic::campus(&spec);
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        let floor = region::floor(&plan);
        let identify = r.levels.iter().position(|l| l.level == "identify").unwrap();
        for (z, zc) in plan.zones.iter().zip(&r.zones) {
            let zone_floor = region::intersection(&region::polygon(&z.polygon), &floor);
            let direct = region::area(&region::intersection(&zone_floor, &r.regions[identify]));
            assert!(
                (direct - zc.covered_m2).abs() < 1e-6,
                "{}: {direct} vs {}",
                z.id,
                zc.covered_m2
            );
            assert!((zc.covered_m2 + zc.uncovered_m2 - zc.area_m2).abs() < 1e-6);
            let visible = region::area(&region::intersection(&zone_floor, &r.regions[0]));
            let lf = zc.level_fractions[0].1 * zc.area_m2;
            assert!((visible - lf).abs() < 1e-6, "{}: {visible} vs {lf}", z.id);
        }
        assert!(r.zones.iter().any(|z| z.covered_m2 > 0.0));
    }

    #[test]
    fn the_2025_profile_reports_its_seven_levels() {
        let plan = FloorPlan::from_yaml(ISSUE_PLAN).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2025(),
            CoverageOptions::default(),
        );
        assert_eq!(r.levels.len(), 8);
        assert_eq!(r.levels[7].level, "scrutinise");
        // identify (250 px/m) equals characterise (250 px/m).
        let ch = level(&r, "characterise").area_m2;
        let z = &r.zones[0];
        let lf = z
            .level_fractions
            .iter()
            .find(|(n, _)| n == "characterise")
            .unwrap()
            .1;
        assert!((lf - z.covered_fraction).abs() < 1e-9);
        assert!(ch > 0.0);
    }

    /// A 90-degree camera in the middle of an empty 40 x 40 m hall, 3 m up, tilted 30 degrees
    /// down with a 34-degree vertical view (worked by hand below).
    const TILTED: &str = "\
boundary: [[0, 0], [40, 0], [40, 40], [0, 40]]
zones: [{id: hall, polygon: [[20, 15], [25, 15], [25, 25], [20, 25]], required: identify}]
cameras:
  - {id: t, position: [20, 20], height_m: 3.0, pan_deg: 0, hfov_deg: 90, resolution_h: 1920, tilt_deg: 30, vfov_deg: 34}
";

    #[test]
    fn a_tilted_camera_sees_an_annulus_piece_worked_by_hand() {
        // Head plane 1.3 m below the lens. Bottom edge of the image 30 + 17 = 47 degrees down:
        // near = 1.3 / tan 47 = 1.3 / 1.072369 = 1.212270 m (the blind spot). Top edge 13
        // degrees down: far = 1.3 / tan 13 = 1.3 / 0.230868 = 5.630919 m.
        // Visible: a quarter annulus, (pi / 4)(5.630919^2 - 1.212270^2)
        //   = 0.785398 x (31.707245 - 1.469598) = 23.748592 m^2.
        // Identify (250 px/m): a 90-degree rectilinear lens spreads 1920 px over 2 tan 45 = 2 m
        // per metre, so the slant reach is 1920 / (2 x 250) = 3.84 m and the floor reach
        // sqrt(3.84^2 - 1.3^2) = sqrt(13.0556) = 3.613253 m, inside the far edge:
        //   (pi / 4)(13.0556 - 1.469598) = 9.099625 m^2.
        let plan = FloorPlan::from_yaml(TILTED).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        let c = &r.cameras[0];
        let (near, far) = c.floor_band_m.unwrap();
        assert!((near - 1.212270).abs() < 1e-5 && (far - 5.630919).abs() < 1e-5);
        assert!(
            (c.visible_area_m2 - 23.748592).abs() < 1e-5,
            "{}",
            c.visible_area_m2
        );
        let id = c.levels.iter().find(|l| l.level == "identify").unwrap();
        assert!((id.floor_reach_m.unwrap() - 3.613253).abs() < 1e-5);
        assert!((id.area_m2 - 9.099625).abs() < 1e-5, "{}", id.area_m2);
        // Detect reaches 38.4 m slant: the far edge limits it to the visible band.
        let det = c.levels.iter().find(|l| l.level == "detect").unwrap();
        assert!((det.area_m2 - 23.748592).abs() < 1e-5);
        // The unions (chords outside, a circumscribed polygon inside) err low within bound.
        for (name, exact) in [(VISIBLE, 23.748592), ("identify", 9.099625)] {
            let l = level(&r, name);
            assert!(
                l.area_m2 <= exact + 1e-6 && exact - l.area_m2 <= l.area_error_bound_m2 + 1e-6,
                "{name}: {} vs {exact} (bound {})",
                l.area_m2,
                l.area_error_bound_m2
            );
        }
        // The zone [20, 25] x [15, 25] holds the quarter annulus' identify part whole (it
        // reaches 3.61 m from (20, 20)): 9.0996 of its 50 m^2, and the blind spot is not seen.
        let z = &r.zones[0];
        assert!((z.covered_m2 - 9.099625).abs() < 0.01, "{}", z.covered_m2);
        let f = findings(&r, 0.0);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "zone hall: Identify covers 18%, required 100%"
        );
        assert!((f[0].uncovered_m2 - (50.0 - z.covered_m2)).abs() < 1e-6);
        // Point checks on the camera's axis: in the blind spot, at identify, beyond.
        let occ = Occluders::of_plan(&plan);
        let fan = occ.fan(plan.cameras[0].position);
        let w = Wedge::of_camera(0.0, 90.0);
        let (n, fr) = reach(&plan.cameras[0], Some(250.0), 1.7, false).unwrap();
        assert!(!fan.sees_band(Point::new(21.0, 20.0), w, n, fr));
        assert!(fan.sees_band(Point::new(23.0, 20.0), w, n, fr));
        assert!(!fan.sees_band(Point::new(24.0, 20.0), w, n, fr));
    }

    #[test]
    fn without_tilt_the_figures_are_those_of_the_plain_model() {
        let tilted = FloorPlan::from_yaml(TILTED).unwrap();
        let plain =
            FloorPlan::from_yaml(&TILTED.replace(", tilt_deg: 30, vfov_deg: 34", "")).unwrap();
        assert_eq!(plain.cameras[0].tilt, None);
        let r = coverage(
            &plain,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        // No blind spot: a quarter disc of radius 3.613253 at identify.
        let id = r.cameras[0]
            .levels
            .iter()
            .find(|l| l.level == "identify")
            .unwrap();
        assert!((id.area_m2 - std::f64::consts::PI / 4.0 * 13.0556).abs() < 1e-6);
        assert_eq!(r.cameras[0].floor_band_m, Some((0.0, f64::INFINITY)));
        let rt = coverage(
            &tilted,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        assert!(rt.cameras[0].visible_area_m2 < r.cameras[0].visible_area_m2);
    }

    #[test]
    fn a_tilted_panoramic_camera_sees_a_ring_whose_hole_is_a_clockwise_contour() {
        let text = TILTED.replace("hfov_deg: 90", "hfov_deg: 360");
        let plan = FloorPlan::from_yaml(&text).unwrap();
        let occ = Occluders::of_plan(&plan);
        let fan = occ.fan(plan.cameras[0].position);
        let (near, far) = plan.cameras[0].floor_band(1.7).unwrap();
        let exact = fan.area_band(Wedge::FULL, near, far);
        // The full ring: pi (5.630919^2 - 1.212270^2) = 94.994370 m^2.
        assert!((exact - 94.994370).abs() < 1e-5, "{exact}");
        let (contours, arc) = fan.band_contours(Wedge::FULL, near, far, 0.002);
        assert_eq!(contours.len(), 2);
        let signed: f64 = contours
            .iter()
            .map(|c| crate::geometry::signed_area(c))
            .sum();
        assert!(
            signed <= exact && exact - signed <= 2.0 / 3.0 * 0.002 * arc,
            "{signed}"
        );
        // Without vfov_deg a tilted panoramic lens is refused, naming the field.
        let e = FloorPlan::from_yaml(&text.replace(", vfov_deg: 34", "")).unwrap_err();
        assert!(e.to_string().contains("camera t: vfov_deg"), "{e}");
    }

    #[test]
    fn at_night_each_camera_reaches_only_its_infrared_range() {
        let text = "\
boundary: [[0, 0], [40, 0], [40, 40], [0, 40]]
models: [{id: ir, hfov_deg: 360, resolution_h: 2880, ir_range_m: 10, price: 300}]
cameras:
  - {id: a, position: [20, 20], height_m: 3.0, model: ir}
  - {id: b, position: [5, 5], height_m: 3.0, hfov_deg: 360, resolution_h: 2880}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let night = CoverageOptions {
            night: true,
            ..CoverageOptions::default()
        };
        let profile = LevelProfile::iec62676_2015();
        let day = coverage(&plan, &profile, CoverageOptions::default());
        let r = coverage(&plan, &profile, night);
        // IR 10 m slant, head 1.3 m below the lens: sqrt(100 - 1.69) = 9.915140 m on the
        // floor, a disc of pi x 98.31 = 308.849974 m^2. The camera without IR sees nothing.
        assert!((r.cameras[0].visible_area_m2 - 308.849974).abs() < 1e-5);
        assert_eq!(r.cameras[1].visible_area_m2, 0.0);
        assert!(day.cameras[1].visible_area_m2 > 0.0);
        // Detect (25 px/m): 2880 / (2 pi 25) = 18.33 m slant, beyond the IR range: cut to it.
        let det = r.cameras[0]
            .levels
            .iter()
            .find(|l| l.level == "detect")
            .unwrap();
        assert!((det.floor_reach_m.unwrap() - 9.915140).abs() < 1e-5);
        // Identify (250 px/m): 1.83 m slant, within the IR range: unchanged by the night.
        let id_day = day.cameras[0]
            .levels
            .iter()
            .find(|l| l.level == "identify")
            .unwrap();
        let id_night = r.cameras[0]
            .levels
            .iter()
            .find(|l| l.level == "identify")
            .unwrap();
        assert_eq!(id_day.area_m2, id_night.area_m2);
        let v = level(&r, VISIBLE);
        assert!(v.area_m2 <= 308.849974 && 308.849974 - v.area_m2 <= v.area_error_bound_m2 + 1e-6);
    }

    #[test]
    fn findings_name_each_zone_short_of_its_requirement() {
        let text = ISSUE_PLAN.replace("[[5, 0], [5, 3]]", "[[5, 0], [5, 2]]");
        let plan = FloorPlan::from_yaml(&text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        // The lobby holds the identify triangle of depth 4 and half-width 4 x 0.6 (the
        // wedge's half angle has tangent 4.8 / 8): 9.6 m^2 of 50, 19.2%.
        let f = findings(&r, 0.0);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "zone lobby: Identify covers 19%, required 100%"
        );
        assert!((f[0].covered_fraction - 0.192).abs() < 1e-4);
        assert!((f[0].uncovered_m2 - 40.4).abs() < 1e-3);
        assert!(findings(&r, 0.85).is_empty());
        assert_eq!(findings(&r, 0.8).len(), 1);
    }
}
