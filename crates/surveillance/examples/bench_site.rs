//! Times coverage per level on the synthetic 100,000 m^2 campus (10,000 wall segments, 1,000
//! cameras), and visibility on pillar halls, writing what `scripts/bench-cctv` compares with
//! pyvispoly and shapely.
//!
//! Usage: `bench_site OUT_DIR [HALLS]`

use std::fmt::Write as _;
use std::time::Instant;

use rampart_surveillance::coverage::{self, CoverageOptions};
use rampart_surveillance::geometry::{Point, edges};
use rampart_surveillance::synthetic::{CampusSpec, SplitMix, campus, pillar_hall};
use rampart_surveillance::visibility::{Occluders, Wedge};
use rampart_surveillance::{LevelProfile, region};

fn points_json(ps: &[Point]) -> String {
    let inner: Vec<String> = ps.iter().map(|p| format!("[{},{}]", p.x, p.y)).collect();
    format!("[{}]", inner.join(","))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: bench_site OUT_DIR [HALLS]")?;
    let halls: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    std::fs::create_dir_all(&out)?;

    // 1. The campus: coverage per level, best of 3 runs.
    let plan = campus(&CampusSpec::BENCH);
    let profile = LevelProfile::iec62676_2015();
    let mut best = f64::INFINITY;
    let mut best_no_overlap = f64::INFINITY;
    let mut fans_s = f64::INFINITY;
    let mut report = None;
    for _ in 0..3 {
        let t = Instant::now();
        let occ = Occluders::of_plan(&plan);
        let fans = coverage::fans(&plan, &occ, &plan.cameras);
        fans_s = fans_s.min(t.elapsed().as_secs_f64());
        let opts = CoverageOptions {
            overlap: false,
            ..CoverageOptions::default()
        };
        let r = coverage::coverage_with(&plan, &profile, opts, &fans);
        best_no_overlap = best_no_overlap.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let occ = Occluders::of_plan(&plan);
        let fans = coverage::fans(&plan, &occ, &plan.cameras);
        let r2 = coverage::coverage_with(&plan, &profile, CoverageOptions::default(), &fans);
        best = best.min(t.elapsed().as_secs_f64());
        drop(r);
        report = Some(r2);
    }
    let report = report.ok_or("no run")?;

    // The same campus with every camera tilted 15 degrees down, its vertical view from a 16:9
    // sensor (a blind spot of 1.3 / tan(15 + VFOV / 2) m, no far edge for these lenses): each
    // camera's region at each level becomes its fan less the near disc (one boolean each).
    let mut tilted = plan.clone();
    for c in &mut tilted.cameras {
        let vfov = if c.optics.is_panoramic() {
            90.0
        } else {
            rampart_surveillance::optics::vertical_fov_deg(c.optics.hfov_deg, 9.0 / 16.0)
        };
        c.tilt = Some(rampart_surveillance::plan::Tilt {
            tilt_deg: 15.0,
            vfov_deg: vfov,
        });
    }
    let mut tilted_s = f64::INFINITY;
    let mut tilted_report = None;
    for _ in 0..3 {
        let t = Instant::now();
        let occ = Occluders::of_plan(&tilted);
        let fans = coverage::fans(&tilted, &occ, &tilted.cameras);
        let opts = CoverageOptions {
            overlap: false,
            ..CoverageOptions::default()
        };
        let r = coverage::coverage_with(&tilted, &profile, opts, &fans);
        tilted_s = tilted_s.min(t.elapsed().as_secs_f64());
        tilted_report = Some(r);
    }
    let tilted_report = tilted_report.ok_or("no run")?;
    let mut s = String::from("{\n");
    let _ = writeln!(s, "\"coverage_per_level_tilted_s\": {tilted_s},");
    let _ = writeln!(
        s,
        "\"tilted_visible_m2\": {}, \"tilted_identify_m2\": {},",
        tilted_report.levels[0].area_m2,
        tilted_report
            .levels
            .iter()
            .find(|l| l.level == "identify")
            .map_or(0.0, |l| l.area_m2)
    );
    let _ = writeln!(s, "\"threads\": {},", rayon::current_num_threads());
    let _ = writeln!(
        s,
        "\"walls\": {}, \"cameras\": {},",
        plan.walls.len(),
        plan.cameras.len()
    );
    let _ = writeln!(s, "\"floor_area_m2\": {},", report.floor_area_m2);
    let _ = writeln!(s, "\"fans_s\": {fans_s},");
    let _ = writeln!(s, "\"coverage_per_level_s\": {best_no_overlap},");
    let _ = writeln!(s, "\"coverage_with_overlap_s\": {best},");
    let _ = writeln!(s, "\"overlap_m2\": {},", report.overlap_m2.unwrap_or(0.0));
    let levels: Vec<String> = report
        .levels
        .iter()
        .map(|l| {
            format!(
                "{{\"level\": \"{}\", \"area_m2\": {}, \"fraction\": {}, \"bound_m2\": {}}}",
                l.level, l.area_m2, l.fraction, l.area_error_bound_m2
            )
        })
        .collect();
    let _ = writeln!(s, "\"levels\": [{}]", levels.join(",\n"));
    s.push_str("}\n");
    std::fs::write(format!("{out}/campus.json"), &s)?;
    print!("{s}");

    // The per-camera polygons of two levels, for shapely's union.
    let occ = Occluders::of_plan(&plan);
    let fans = coverage::fans(&plan, &occ, &plan.cameras);
    let mut polys = String::from("{");
    for (k, (name, ppm)) in [("visible", None), ("detect", Some(25.0))]
        .iter()
        .enumerate()
    {
        let mut list = Vec::new();
        let mut ours = Vec::new();
        for (c, f) in plan.cameras.iter().zip(&fans) {
            let wedge = Wedge::of_camera(c.pan_deg, c.optics.hfov_deg);
            let r = match ppm {
                None => f64::INFINITY,
                Some(p) => match rampart_surveillance::optics::horizontal_reach(
                    c.optics.max_distance(*p),
                    c.height_m,
                    plan.target_height_m,
                ) {
                    Some(r) => r,
                    None => continue,
                },
            };
            let poly = f.polygon(wedge, r, 0.002);
            list.push(points_json(&poly));
            ours.push(poly);
        }
        let t = Instant::now();
        let u = region::union_of(&ours);
        let union_s = t.elapsed().as_secs_f64();
        if k > 0 {
            polys.push(',');
        }
        let _ = write!(
            polys,
            "\"{name}\": {{\"union_area_m2\": {}, \"union_s\": {union_s}, \"polygons\": [{}]}}",
            region::area(&u),
            list.join(",")
        );
    }
    polys.push('}');
    std::fs::write(format!("{out}/campus_polygons.json"), polys)?;

    // 2. Pillar halls: exact visible area from one eye each.
    let mut rng = SplitMix::new(2025);
    let mut cases = Vec::new();
    for i in 0..halls {
        let (w, h) = (rng.range(10.0, 60.0), rng.range(8.0, 40.0));
        let n = 1 + (i % 20);
        cases.push(pillar_hall(&mut rng, w, h, n));
    }
    let t = Instant::now();
    let areas: Vec<f64> = cases
        .iter()
        .map(|(hall, pillars, eye)| {
            let mut segs: Vec<_> = edges(hall).collect();
            for p in pillars {
                segs.extend(edges(p));
            }
            Occluders::new(segs)
                .fan(*eye)
                .area(Wedge::FULL, f64::INFINITY)
        })
        .collect();
    let halls_s = t.elapsed().as_secs_f64();
    let mut hs = String::from("{");
    let _ = write!(hs, "\"seconds\": {halls_s}, \"halls\": [");
    for (k, ((hall, pillars, eye), a)) in cases.iter().zip(&areas).enumerate() {
        if k > 0 {
            hs.push(',');
        }
        let ps: Vec<String> = pillars.iter().map(|p| points_json(p)).collect();
        let _ = write!(
            hs,
            "{{\"hall\": {}, \"pillars\": [{}], \"eye\": [{},{}], \"area\": {a}}}",
            points_json(hall),
            ps.join(","),
            eye.x,
            eye.y
        );
    }
    hs.push_str("]}");
    std::fs::write(format!("{out}/halls.json"), hs)?;
    println!("halls: {} in {halls_s:.4} s", cases.len());
    Ok(())
}
