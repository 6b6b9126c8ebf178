//! Visibility and coverage benchmarks (divan). `scripts/bench-cctv` runs the full-size campus.

use rampart_surveillance::coverage::{self, CoverageOptions};
use rampart_surveillance::geometry::{Point, edges};
use rampart_surveillance::synthetic::{CampusSpec, campus};
use rampart_surveillance::visibility::{Occluders, Wedge};
use rampart_surveillance::{FloorPlan, LevelProfile};

fn main() {
    divan::main();
}

const PILLAR_ROOM: &str = "\
boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]
walls: [[[5, 0], [5, 3]]]
zones: [{id: lobby, polygon: [[0, 0], [5, 0], [5, 10], [0, 10]], required: identify}]
cameras:
  - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
";

#[divan::bench]
fn fan_in_the_pillar_room(bencher: divan::Bencher) {
    let mut segs: Vec<_> = edges(&[
        Point::new(0.0, 0.0),
        Point::new(20.0, 0.0),
        Point::new(20.0, 10.0),
        Point::new(0.0, 10.0),
    ])
    .collect();
    segs.extend(edges(&[
        Point::new(9.0, 4.0),
        Point::new(11.0, 4.0),
        Point::new(11.0, 6.0),
        Point::new(9.0, 6.0),
    ]));
    let occ = Occluders::new(segs);
    bencher.bench(|| {
        occ.fan(divan::black_box(Point::new(1.0, 5.0)))
            .area(Wedge::FULL, f64::INFINITY)
    });
}

#[divan::bench]
fn coverage_of_the_issue_plan(bencher: divan::Bencher) {
    let plan = FloorPlan::from_yaml(PILLAR_ROOM).expect("plan");
    let profile = LevelProfile::iec62676_2015();
    bencher.bench(|| coverage::coverage(&plan, &profile, CoverageOptions::default()));
}

#[divan::bench]
fn fans_of_one_campus_building(bencher: divan::Bencher) {
    let spec = CampusSpec {
        buildings_x: 1,
        buildings_y: 1,
        site_w: 80.0,
        site_h: 50.0,
        ..CampusSpec::BENCH
    };
    let plan = campus(&spec);
    let occ = Occluders::of_plan(&plan);
    bencher.bench(|| coverage::fans(&plan, &occ, &plan.cameras));
}

#[divan::bench(sample_count = 10)]
fn coverage_of_a_four_building_campus(bencher: divan::Bencher) {
    let spec = CampusSpec {
        buildings_x: 2,
        buildings_y: 2,
        site_w: 160.0,
        site_h: 100.0,
        ..CampusSpec::BENCH
    };
    let plan = campus(&spec);
    let profile = LevelProfile::iec62676_2015();
    bencher.bench(|| coverage::coverage(&plan, &profile, CoverageOptions::default()));
}
