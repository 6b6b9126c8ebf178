//! Property tests of the exact visibility fans: against the room's own area, against
//! monotonicity under added occluders, and against brute-force point sampling.

use proptest::prelude::*;
use rampart_surveillance::geometry::{Point, Segment, edges, locate, signed_area};
use rampart_surveillance::visibility::{Occluders, Wedge};

/// A convex polygon: points on a circle at sorted random angles (counter-clockwise).
fn convex_room() -> impl Strategy<Value = Vec<Point>> {
    (
        prop::collection::vec(0.0f64..std::f64::consts::TAU, 3..12),
        3.0f64..30.0,
    )
        .prop_filter_map("needs area", |(mut angles, r)| {
            angles.sort_by(f64::total_cmp);
            angles.dedup_by(|a, b| (*a - *b).abs() < 0.05);
            let pts: Vec<Point> = angles
                .iter()
                .map(|a| Point::new(r * a.cos(), r * a.sin()))
                .collect();
            (pts.len() >= 3 && signed_area(&pts) > 1.0).then_some(pts)
        })
}

/// A point well inside a convex polygon: a weighted mean of its vertices.
fn inside(room: &[Point], weights: &[f64]) -> Point {
    let total: f64 = weights.iter().take(room.len()).sum();
    let mut p = Point::new(0.0, 0.0);
    for (v, w) in room.iter().zip(weights) {
        p = p.plus(v.scale(w / total));
    }
    p
}

fn wall_strategy() -> impl Strategy<Value = Segment> {
    (
        -30.0f64..30.0,
        -30.0f64..30.0,
        -30.0f64..30.0,
        -30.0f64..30.0,
    )
        .prop_filter("non-degenerate", |(a, b, c, d)| {
            (a - c).abs() + (b - d).abs() > 0.1
        })
        .prop_map(|(a, b, c, d)| Segment::new(Point::new(a, b), Point::new(c, d)))
}

fn fan_area(room: &[Point], walls: &[Segment], eye: Point, wedge: Wedge, r: f64) -> Option<f64> {
    let mut segs: Vec<Segment> = edges(room).collect();
    segs.extend(walls.iter().copied());
    let occ = Occluders::new(segs);
    if occ.touches(eye, 1e-6) {
        return None;
    }
    Some(occ.fan(eye).area(wedge, r))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn an_empty_convex_room_is_seen_whole(room in convex_room(), w in prop::collection::vec(0.1f64..1.0, 12)) {
        let eye = inside(&room, &w);
        let area = signed_area(&room);
        let seen = fan_area(&room, &[], eye, Wedge::FULL, f64::INFINITY).unwrap();
        prop_assert!((seen - area).abs() <= 1e-9 * area.max(1.0), "{} vs {}", seen, area);
        // Within a range that reaches every corner, still whole.
        let far = room.iter().map(|p| p.distance(eye)).fold(0.0, f64::max) + 1e-6;
        let seen_r = fan_area(&room, &[], eye, Wedge::FULL, far).unwrap();
        prop_assert!((seen_r - area).abs() <= 1e-9 * area.max(1.0));
    }

    #[test]
    fn visible_area_never_exceeds_the_room_and_walls_never_add_coverage(
        room in convex_room(),
        w in prop::collection::vec(0.1f64..1.0, 12),
        walls in prop::collection::vec(wall_strategy(), 0..8),
        extra in wall_strategy(),
        pan in 0.0f64..360.0,
        hfov in 10.0f64..360.0,
        r in 1.0f64..40.0,
    ) {
        let eye = inside(&room, &w);
        let area = signed_area(&room);
        let wedge = Wedge::of_camera(pan, hfov);
        let Some(before) = fan_area(&room, &walls, eye, wedge, r) else { return Ok(()) };
        prop_assert!(before <= area + 1e-9 * area.max(1.0), "{} > room {}", before, area);
        prop_assert!(before >= -1e-12);
        let mut more = walls.clone();
        more.push(extra);
        let Some(after) = fan_area(&room, &more, eye, wedge, r) else { return Ok(()) };
        prop_assert!(after <= before + 1e-9 * area.max(1.0), "adding a wall grew coverage {} -> {}", before, after);
        // Unlimited range sees at least as much as a limited one.
        let Some(unlimited) = fan_area(&room, &walls, eye, wedge, f64::INFINITY) else { return Ok(()) };
        prop_assert!(unlimited + 1e-9 >= before);
    }

    #[test]
    fn fan_area_with_or_without_a_blind_spot_agrees_with_point_sampling(
        room in convex_room(),
        w in prop::collection::vec(0.1f64..1.0, 12),
        walls in prop::collection::vec(wall_strategy(), 0..6),
        pan in 0.0f64..360.0,
        hfov in 10.0f64..360.0,
        r in 2.0f64..40.0,
    ) {
        let eye = inside(&room, &w);
        let mut segs: Vec<Segment> = edges(&room).collect();
        segs.extend(walls.iter().copied());
        let occ = Occluders::new(segs);
        prop_assume!(!occ.touches(eye, 1e-6));
        let fan = occ.fan(eye);
        let wedge = Wedge::of_camera(pan, hfov);
        // Half the time a blind spot: the band between `near` and `r`.
        let near = if w[0] < 0.5 { 0.0 } else { r * (w[1] - 0.1) / 1.5 };
        let exact = fan.area_band(wedge, near, r);
        // Sample a grid over the room's bounding box; every seen sample must be in the room.
        let n = 200;
        let (x0, x1) = room.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
        let (y0, y1) = room.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
        let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
        let mut count = 0usize;
        for i in 0..n {
            for j in 0..n {
                let q = Point::new(x0 + (i as f64 + 0.5) * dx, y0 + (j as f64 + 0.5) * dy);
                if fan.sees_band(q, wedge, near, r) {
                    prop_assert!(locate(&room, q, 1e-9) != rampart_surveillance::geometry::Containment::Outside);
                    count += 1;
                }
            }
        }
        let sampled = count as f64 * dx * dy;
        // Grid sampling errs only in cells that the region's boundary crosses: at most about
        // 2 L / cell of them for a boundary of length L (room edges, the arc, each wall and
        // the two shadow rays from its ends, the wedge's two sides).
        let diameter = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let room_perimeter: f64 = edges(&room).map(|e| e.length()).sum();
        let wall_lengths: f64 = walls.iter().map(|s| s.length() + 2.0 * diameter).sum();
        let boundary = room_perimeter + 2.0 * std::f64::consts::PI * (r + near) + wall_lengths + 2.0 * diameter;
        let perimeter_bound = 2.0 * boundary + 8.0 * dx.max(dy);
        prop_assert!((sampled - exact).abs() <= perimeter_bound * dx.max(dy), "sampled {} vs exact {}", sampled, exact);
    }
}
