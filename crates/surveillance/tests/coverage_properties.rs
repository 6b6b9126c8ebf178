//! Property tests of the whole coverage pipeline (fans, polygons, unions) on small rooms.

use proptest::prelude::*;
use rampart_surveillance::coverage::{CoverageOptions, VISIBLE, coverage};
use rampart_surveillance::plan::Tilt;
use rampart_surveillance::{FloorPlan, LevelProfile};

fn with_height(mut plan: FloorPlan, height: f64) -> FloorPlan {
    for c in &mut plan.cameras {
        c.height_m = height;
    }
    plan
}

fn plan(cameras: &[(f64, f64, f64, f64)], pillar: Option<(f64, f64, f64)>) -> Option<FloorPlan> {
    let mut text = String::from(
        "boundary: [[0, 0], [30, 0], [30, 20], [0, 20]]\nwalls: [[[12, 0], [12, 8]], [[12, 12], [12, 20]]]\n",
    );
    if let Some((x, y, s)) = pillar {
        text.push_str(&format!(
            "obstacles: [[[{x}, {y}], [{}, {y}], [{}, {}], [{x}, {}]]]\n",
            x + s,
            x + s,
            y + s,
            y + s
        ));
    }
    text.push_str("cameras:\n");
    for (i, (x, y, pan, hfov)) in cameras.iter().enumerate() {
        text.push_str(&format!(
            "  - {{id: c{i}, position: [{x}, {y}], height_m: 3, pan_deg: {pan}, hfov_deg: {hfov}, resolution_h: 1920}}\n"
        ));
    }
    FloorPlan::from_yaml(&text).ok()
}

/// A level's union area and the bound on what the chords replacing its arcs miss.
fn level_and_bound(plan: &FloorPlan, name: &str) -> (f64, f64) {
    let r = coverage(
        plan,
        &LevelProfile::iec62676_2015(),
        CoverageOptions::default(),
    );
    r.levels
        .iter()
        .find(|l| l.level == name)
        .map(|l| (l.area_m2, l.area_error_bound_m2))
        .unwrap_or((0.0, 0.0))
}

fn level(plan: &FloorPlan, name: &str) -> f64 {
    level_and_bound(plan, name).0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn adding_an_obstacle_never_adds_coverage_and_nothing_exceeds_the_floor(
        cams in prop::collection::vec((0.5f64..29.5, 0.5f64..19.5, 0.0f64..360.0, 20.0f64..360.0), 1..5),
        pillar in (2.0f64..26.0, 2.0f64..16.0, 0.5f64..3.0),
    ) {
        let Some(open) = plan(&cams, None) else { return Ok(()) };
        // Cameras inside the pillar make the plan invalid: skip those cases.
        let Some(blocked) = plan(&cams, Some(pillar)) else { return Ok(()) };
        for name in [VISIBLE, "detect", "identify"] {
            // Exactly, a pillar only takes coverage away; the union of chorded polygons may
            // gain up to its stated bound where the pillar splits an arc into shorter chords.
            let a = level(&open, name);
            let (b, bound) = level_and_bound(&blocked, name);
            prop_assert!(b <= a + bound + 1e-6, "{}: {} -> {} (bound {}) after adding a pillar", name, a, b, bound);
            prop_assert!(a <= 600.0 + 1e-6);
        }
        // Each camera's own areas are exact: there the pillar never adds, to rounding.
        let profile = LevelProfile::iec62676_2015();
        let (ro, rb) = (
            coverage(&open, &profile, CoverageOptions::default()),
            coverage(&blocked, &profile, CoverageOptions::default()),
        );
        for (co, cb) in ro.cameras.iter().zip(&rb.cameras) {
            prop_assert!(cb.visible_area_m2 <= co.visible_area_m2 + 1e-9 * co.visible_area_m2.max(1.0));
            for (lo, lb) in co.levels.iter().zip(&cb.levels) {
                prop_assert!(lb.area_m2 <= lo.area_m2 + 1e-9 * lo.area_m2.max(1.0), "{} {}: {} -> {}", co.id, lo.level, lo.area_m2, lb.area_m2);
            }
        }
        // Levels are nested: a higher level never covers more.
        prop_assert!(level(&open, "identify") <= level(&open, "detect") + 1e-6);
        prop_assert!(level(&open, "detect") <= level(&open, VISIBLE) + 1e-6);
    }

    #[test]
    fn adding_tilt_never_adds_coverage(
        cams in prop::collection::vec((0.5f64..29.5, 0.5f64..19.5, 0.0f64..360.0, 20.0f64..179.0), 1..4),
        height in 1.0f64..8.0,
        tilts in prop::collection::vec((-30.0f64..90.0, 5.0f64..120.0), 4),
    ) {
        let base = plan(&cams, None).map(|p| with_height(p, height));
        let Some(base) = base else { return Ok(()) };
        let mut tilted = base.clone();
        for (c, (t, v)) in tilted.cameras.iter_mut().zip(&tilts) {
            c.tilt = Some(Tilt { tilt_deg: *t, vfov_deg: *v });
        }
        let profile = LevelProfile::iec62676_2015();
        let (rb, rt) = (
            coverage(&base, &profile, CoverageOptions::default()),
            coverage(&tilted, &profile, CoverageOptions::default()),
        );
        // Each camera's exact areas: a tilt only cuts the fan to a band.
        for (cb, ct) in rb.cameras.iter().zip(&rt.cameras) {
            prop_assert!(ct.visible_area_m2 <= cb.visible_area_m2 + 1e-9 * cb.visible_area_m2.max(1.0));
            for (lb, lt) in cb.levels.iter().zip(&ct.levels) {
                prop_assert!(lt.area_m2 <= lb.area_m2 + 1e-9 * lb.area_m2.max(1.0), "{} {}: {} -> {}", cb.id, lb.level, lb.area_m2, lt.area_m2);
            }
        }
        // The unions, up to what the untilted union's chords miss.
        for (lb, lt) in rb.levels.iter().zip(&rt.levels) {
            prop_assert!(lt.area_m2 <= lb.area_m2 + lb.area_error_bound_m2 + 1e-6, "{}: {} -> {}", lb.level, lb.area_m2, lt.area_m2);
        }
    }
}
