//! Synthetic sites for benchmarks and scale tests: a campus of buildings divided into rooms
//! with doorways, cameras in the rooms, and pillar halls for comparison with other visibility
//! engines. Deterministic for a given seed; no I/O.

use crate::geometry::{Point, Segment};
use crate::optics::Optics;
use crate::plan::{Camera, FloorPlan, PlacementSettings, Zone};

/// splitmix64: a tiny, well-mixed generator, enough to scatter cameras reproducibly.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// Shape of a synthetic campus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CampusSpec {
    pub site_w: f64,
    pub site_h: f64,
    pub buildings_x: usize,
    pub buildings_y: usize,
    pub rooms_x: usize,
    pub rooms_y: usize,
    pub cameras_per_building: usize,
    /// Freestanding walls scattered outside the buildings (fences, screens).
    pub loose_walls: usize,
    pub seed: u64,
}

impl CampusSpec {
    /// 400 m x 250 m (100,000 m^2), 25 buildings of 10 x 9 rooms with doorways (9,950 wall
    /// segments) plus 50 freestanding walls: 10,000 wall segments, 1,000 cameras.
    pub const BENCH: CampusSpec = CampusSpec {
        site_w: 400.0,
        site_h: 250.0,
        buildings_x: 5,
        buildings_y: 5,
        rooms_x: 10,
        rooms_y: 9,
        cameras_per_building: 40,
        loose_walls: 50,
        seed: 62676,
    };
}

/// Walls of one room side from `a` to `b`, with a 1 m doorway in the middle.
fn side_with_door(a: Point, b: Point, out: &mut Vec<Segment>) {
    let d = b.minus(a);
    let len = d.norm();
    let half_door = 0.5 / len;
    out.push(Segment::new(a, a.plus(d.scale(0.5 - half_door))));
    out.push(Segment::new(a.plus(d.scale(0.5 + half_door)), b));
}

/// A campus: buildings on a regular grid, each divided into rooms with a doorway in every
/// room side (outer walls included), cameras at random points of random rooms with random
/// pans, and one entrance zone per building that requires Identify.
pub fn campus(spec: &CampusSpec) -> FloorPlan {
    let mut rng = SplitMix::new(spec.seed);
    let cell_w = spec.site_w / spec.buildings_x as f64;
    let cell_h = spec.site_h / spec.buildings_y as f64;
    let (bw, bh) = (cell_w * 0.75, cell_h * 0.72);
    let (rw, rh) = (bw / spec.rooms_x as f64, bh / spec.rooms_y as f64);
    let mut walls = Vec::new();
    let mut cameras = Vec::new();
    let mut zones = Vec::new();
    let lens = [
        Optics::from_sensor(4.8, 2.8, 1920.0),
        Optics::from_sensor(4.8, 4.0, 1920.0),
        Optics::from_sensor(5.6, 6.0, 2688.0),
        Optics::from_hfov(360.0, 2880.0),
    ];
    for bx in 0..spec.buildings_x {
        for by in 0..spec.buildings_y {
            let ox = bx as f64 * cell_w + (cell_w - bw) / 2.0;
            let oy = by as f64 * cell_h + (cell_h - bh) / 2.0;
            for i in 0..=spec.rooms_x {
                for j in 0..spec.rooms_y {
                    let x = ox + i as f64 * rw;
                    side_with_door(
                        Point::new(x, oy + j as f64 * rh),
                        Point::new(x, oy + (j + 1) as f64 * rh),
                        &mut walls,
                    );
                }
            }
            for j in 0..=spec.rooms_y {
                for i in 0..spec.rooms_x {
                    let y = oy + j as f64 * rh;
                    side_with_door(
                        Point::new(ox + i as f64 * rw, y),
                        Point::new(ox + (i + 1) as f64 * rw, y),
                        &mut walls,
                    );
                }
            }
            for k in 0..spec.cameras_per_building {
                let i = (rng.next_u64() % spec.rooms_x as u64) as f64;
                let j = (rng.next_u64() % spec.rooms_y as u64) as f64;
                let p = Point::new(
                    ox + (i + rng.range(0.15, 0.85)) * rw,
                    oy + (j + rng.range(0.15, 0.85)) * rh,
                );
                let optics = lens[(rng.next_u64() % lens.len() as u64) as usize].clone();
                let Ok(optics) = optics else { continue };
                cameras.push(Camera {
                    id: format!("b{bx}{by}-c{k}"),
                    position: p,
                    height_m: 3.0,
                    pan_deg: rng.range(0.0, 360.0),
                    optics,
                    model: None,
                    focal_mm: None,
                    tilt: None,
                    ir_range_m: None,
                });
            }
            // The entrance hall: the two rooms at the building's lower left.
            zones.push(Zone {
                id: format!("b{bx}{by}-entrance"),
                polygon: vec![
                    Point::new(ox, oy),
                    Point::new(ox + 2.0 * rw, oy),
                    Point::new(ox + 2.0 * rw, oy + rh),
                    Point::new(ox, oy + rh),
                ],
                required: "identify".into(),
                required_ppm: 250.0,
            });
        }
    }
    for _ in 0..spec.loose_walls {
        // In the streets between buildings: along the lower edge of a grid cell.
        let bx = (rng.next_u64() % spec.buildings_x as u64) as f64;
        let by = (rng.next_u64() % spec.buildings_y as u64) as f64;
        let y = by * cell_h + rng.range(0.02, 0.12) * cell_h;
        let x = bx * cell_w + rng.range(0.1, 0.6) * cell_w;
        walls.push(Segment::new(
            Point::new(x, y),
            Point::new(x + rng.range(3.0, 15.0), y),
        ));
    }
    FloorPlan {
        boundary: vec![
            Point::new(0.0, 0.0),
            Point::new(spec.site_w, 0.0),
            Point::new(spec.site_w, spec.site_h),
            Point::new(0.0, spec.site_h),
        ],
        obstacles: Vec::new(),
        walls,
        openings: Vec::new(),
        target_height_m: crate::plan::DEFAULT_TARGET_HEIGHT_M,
        zones,
        models: Vec::new(),
        cameras,
        candidates: Vec::new(),
        placement: PlacementSettings {
            grid_m: None,
            pans: 8,
            models: Vec::new(),
            height_m: 3.0,
            sample_m: 0.5,
            focal_steps: 1,
            night: false,
            tilt_deg: None,
        },
        levels: None,
    }
}

/// A pillar hall: a `w` x `h` rectangle with `pillars` square pillars of side 0.5..2 m that do
/// not overlap (a pillar that would is skipped), and an eye at a free point. Returns the hall,
/// the pillars (counter-clockwise) and the eye.
pub fn pillar_hall(
    rng: &mut SplitMix,
    w: f64,
    h: f64,
    pillars: usize,
) -> (Vec<Point>, Vec<Vec<Point>>, Point) {
    let hall = vec![
        Point::new(0.0, 0.0),
        Point::new(w, 0.0),
        Point::new(w, h),
        Point::new(0.0, h),
    ];
    let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
    for _ in 0..pillars * 4 {
        if boxes.len() == pillars {
            break;
        }
        let s = rng.range(0.5, 2.0);
        let x = rng.range(1.0, w - 1.0 - s);
        let y = rng.range(1.0, h - 1.0 - s);
        let b = (x - 0.3, y - 0.3, x + s + 0.3, y + s + 0.3);
        if boxes
            .iter()
            .all(|o| b.2 < o.0 || o.2 < b.0 || b.3 < o.1 || o.3 < b.1)
        {
            boxes.push(b);
        }
    }
    let pillars: Vec<Vec<Point>> = boxes
        .iter()
        .map(|&(x0, y0, x1, y1)| {
            let (x0, y0, x1, y1) = (x0 + 0.3, y0 + 0.3, x1 - 0.3, y1 - 0.3);
            vec![
                Point::new(x0, y0),
                Point::new(x1, y0),
                Point::new(x1, y1),
                Point::new(x0, y1),
            ]
        })
        .collect();
    // An eye outside every pillar's margin.
    let mut eye = Point::new(0.5, 0.5);
    for _ in 0..1000 {
        let p = Point::new(rng.range(0.2, w - 0.2), rng.range(0.2, h - 0.2));
        if boxes
            .iter()
            .all(|&(x0, y0, x1, y1)| p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1)
        {
            eye = p;
            break;
        }
    }
    (hall, pillars, eye)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_campus_has_the_sizes_the_issue_asks_for() {
        let plan = campus(&CampusSpec::BENCH);
        assert_eq!(plan.walls.len(), 10_000);
        assert_eq!(plan.cameras.len(), 1_000);
        let area = crate::geometry::signed_area(&plan.boundary);
        assert_eq!(area, 100_000.0);
        for c in &plan.cameras {
            assert!(plan.check_mounting_point(&c.id, c.position).is_ok());
        }
    }

    #[test]
    fn local_sweeps_agree_with_sweeping_the_whole_campus() {
        use crate::visibility::{Occluders, Wedge};
        let spec = CampusSpec {
            buildings_x: 2,
            buildings_y: 2,
            site_w: 160.0,
            site_h: 100.0,
            ..CampusSpec::BENCH
        };
        let plan = campus(&spec);
        let occ = Occluders::of_plan(&plan);
        let whole = Occluders::new(occ.segments().to_vec());
        for c in plan.cameras.iter().take(60) {
            let local = occ.fan(c.position).area(Wedge::FULL, f64::INFINITY);
            let reference = whole.fan_whole(c.position).area(Wedge::FULL, f64::INFINITY);
            assert!(
                (local - reference).abs() < 1e-6 * reference.max(1.0),
                "{}: {local} vs {reference}",
                c.id
            );
        }
    }
}
