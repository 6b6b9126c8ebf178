//! `rampart cctv` end to end: the camera calculator, coverage of plans (JSON shape, the
//! issue's check values, the SVG drawing), placement, and refusals of bad plans.

use crate::util::{assert_ok, rampart, root, stderr, stdout};

fn data(name: &str) -> String {
    root()
        .join("tests/data/cctv")
        .join(name)
        .display()
        .to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = rampart(args);
    assert_ok(&out);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

fn close(v: &serde_json::Value, expected: f64, tol: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - expected).abs() <= tol, "{got} vs {expected}");
}

#[test]
fn calc_gives_the_product_brief_example() {
    let v = json(&[
        "cctv",
        "calc",
        "--sensor-width-mm",
        "4.8",
        "--focal-mm",
        "4",
        "--resolution-h",
        "1920",
        "--json",
    ]);
    close(&v["hfov_deg"], 61.93, 0.005);
    let d = &v["max_distance_m"];
    close(&d["detect"], 64.0, 1e-9);
    close(&d["observe"], 25.6, 1e-9);
    close(&d["recognise"], 12.8, 1e-9);
    close(&d["identify"], 6.4, 1e-9);
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6);

    let text = rampart(&[
        "cctv",
        "calc",
        "--sensor-width-mm",
        "4.8",
        "--focal-mm",
        "4",
        "--resolution-h",
        "1920",
    ]);
    assert_ok(&text);
    assert!(stdout(&text).contains("61.93°"), "{}", stdout(&text));
}

#[test]
fn calc_under_the_2025_profile_and_with_a_mounting_height() {
    let v = json(&[
        "cctv",
        "calc",
        "--hfov-deg",
        "360",
        "--resolution-h",
        "2880",
        "--profile",
        "iec62676-2025",
        "--height-m",
        "4.7",
        "--json",
    ]);
    assert_eq!(v["panoramic"], true);
    let d = v["max_distance_m"].as_object().unwrap();
    assert_eq!(d.len(), 7);
    // Panoramic: d = N / (hfov_rad x PPM) = 2880 / (2 pi x 20).
    close(
        &v["max_distance_m"]["overview"],
        2880.0 / (std::f64::consts::TAU * 20.0),
        1e-9,
    );
    // Scrutinise (1500 px/m) reaches 0.306 m: less than the 3 m drop to the target's head.
    assert!(v["floor_reach_m"]["scrutinise"].is_null());
    let dv = 2880.0 / (std::f64::consts::TAU * 125.0);
    close(
        &v["floor_reach_m"]["perceive"],
        (dv * dv - 9.0_f64).sqrt(),
        1e-9,
    );
}

#[test]
fn coverage_of_the_pillar_room_is_162_875_square_metres() {
    let v = json(&["cctv", "coverage", &data("pillar-360.yaml"), "--json"]);
    close(&v["levels"]["visible"]["area_m2"], 162.875, 1e-6);
    close(&v["levels"]["visible"]["fraction"], 162.875 / 196.0, 1e-6);
    assert_eq!(v["cameras"][0]["id"], "dome");
    close(&v["cameras"][0]["hfov_deg"], 360.0, 1e-12);
}

#[test]
fn coverage_json_has_the_issue_shape_and_judges_the_lobby() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("lobby.svg");
    let v = json(&[
        "cctv",
        "coverage",
        &data("lobby.yaml"),
        "--json",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    // serde_json sorts the keys: the issue's three, and what was added.
    assert_eq!(top, ["cameras", "findings", "levels", "lighting", "zones"]);
    // The lobby misses Identify over 40.4 of its 50 m^2: one finding.
    let f = &v["findings"][0];
    assert_eq!(f["zone"], "lobby");
    assert_eq!(
        f["message"],
        "zone lobby: Identify covers 19%, required 100%"
    );
    close(&f["covered_fraction"], 9.6 / 50.0, 1e-4);
    close(&f["required_fraction"], 1.0, 0.0);
    close(&f["uncovered_m2"], 40.4, 1e-3);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["lighting"], "day");
    let cam = &v["cameras"][0];
    assert_eq!(cam["id"], "c1");
    close(&cam["hfov_deg"], 61.93, 0.005);
    close(&cam["max_distance_m"]["identify"], 6.4, 1e-9);
    let levels = v["levels"].as_object().unwrap();
    for l in [
        "visible",
        "monitor",
        "detect",
        "observe",
        "recognise",
        "identify",
        "inspect",
    ] {
        let f = levels[l]["fraction"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&f), "{l}: {f}");
    }
    // Within the lobby (x <= 5) the camera at (1, 5) sees its wedge cut at x = 5: a triangle
    // of depth 4 m and half-width 4 x 0.6 m = 9.6 m^2 of the 50 m^2 lobby.
    let z = &v["zones"][0];
    assert_eq!(z["id"], "lobby");
    assert_eq!(z["required"], "identify");
    close(&z["covered_fraction"], 9.6 / 50.0, 1e-4);
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(drawing.starts_with("<svg") && drawing.contains(r#"data-camera="c1""#));

    // The same drawing as PNG, for reports: a real PNG image of the plan's width.
    let png = dir.path().join("lobby.png");
    let out = rampart(&[
        "cctv",
        "coverage",
        &data("lobby.yaml"),
        "--png",
        png.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    assert_eq!(width, 1200);

    let text = rampart(&[
        "cctv",
        "coverage",
        &data("lobby.yaml"),
        "--profile",
        "iec62676-2025",
    ]);
    assert_ok(&text);
    let out = stdout(&text);
    assert!(
        out.contains("characterise")
            && out.contains("lobby: identify covers 19.2%")
            && out.contains("zone lobby: Identify covers 19%, required 100% (40.4 m² uncovered)"),
        "{out}"
    );
    // A tolerance of 81% lets 19.2% pass.
    let lax = json(&[
        "cctv",
        "coverage",
        &data("lobby.yaml"),
        "--json",
        "--finding-tolerance-pct",
        "81",
    ]);
    assert_eq!(lax["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn placement_meets_the_requirements_and_prices_the_schedule() {
    let v = json(&[
        "cctv",
        "place",
        &data("warehouse.yaml"),
        "--meet-requirements",
        "--json",
    ]);
    let cams = v["cameras"].as_array().unwrap();
    assert!(!cams.is_empty());
    let cost = v["cost"].as_f64().unwrap();
    close(&v["schedule"]["total"], cost, 1e-9);
    let priced: f64 = cams
        .iter()
        .map(|c| match c["model"].as_str().unwrap() {
            "bullet-4mm" => 180.0,
            "fisheye" => 420.0,
            other => panic!("unknown model {other}"),
        })
        .sum();
    close(&v["cost"], priced, 1e-9);
    for c in cams {
        match c["model"].as_str().unwrap() {
            "bullet-4mm" => close(&c["focal_mm"], 4.0, 0.0),
            _ => assert!(c["focal_mm"].is_null(), "{c}"),
        }
    }
    // Every sample a candidate can see is seen: the zones reach the reachable share.
    let unreachable = v["unreachable_samples"].as_u64().unwrap();
    if unreachable == 0 {
        for z in v["zones"].as_array().unwrap() {
            close(&z["covered_fraction"], 1.0, 1e-12);
        }
    }

    let none = json(&[
        "cctv",
        "place",
        &data("warehouse.yaml"),
        "--budget",
        "100",
        "--json",
    ]);
    assert_eq!(
        none["cameras"].as_array().unwrap().len(),
        0,
        "nothing costs under 100"
    );
    let one = json(&[
        "cctv",
        "place",
        &data("warehouse.yaml"),
        "--budget",
        "450",
        "--json",
    ]);
    assert!(one["cost"].as_f64().unwrap() <= 450.0);

    let exact = rampart(&[
        "cctv",
        "place",
        &data("warehouse.yaml"),
        "--meet-requirements",
        "--exact",
    ]);
    assert!(!exact.status.success());
    assert!(
        stderr(&exact).contains("exact placement is limited to 20 candidates"),
        "{}",
        stderr(&exact)
    );
}

#[test]
fn bad_plans_are_refused_naming_the_item() {
    let out = rampart(&["cctv", "coverage", &data("bow-tie.yaml")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("zone yard") && err.contains("self-intersecting"),
        "{err}"
    );

    let missing = rampart(&["cctv", "place", &data("lobby.yaml")]);
    assert!(
        !missing.status.success(),
        "place needs --budget or --meet-requirements"
    );

    let zero = rampart(&[
        "cctv",
        "calc",
        "--sensor-width-mm",
        "4.8",
        "--focal-mm",
        "0",
        "--resolution-h",
        "1920",
    ]);
    assert!(!zero.status.success());
    assert!(stderr(&zero).contains("focal_mm"), "{}", stderr(&zero));
}

#[test]
fn coverage_reads_the_floor_plan_stored_for_a_site() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("s.db").display());
    assert_ok(&rampart(&["demo", "--no-serve", "--db", &db, "--quiet"]));
    // The demo's head-office lobby plan is the example lobby file.
    let stored = rampart(&["cctv", "coverage", "--db", &db, "--site", "hq", "--json"]);
    assert_ok(&stored);
    let file = rampart(&["cctv", "coverage", &data("lobby.yaml"), "--json"]);
    assert_ok(&file);
    assert_eq!(stdout(&stored), stdout(&file));

    let none = rampart(&["cctv", "coverage", "--db", &db, "--site", "whs"]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("site whs of northwind has no floor plan"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn a_tilted_camera_leaves_a_blind_spot_and_reaches_its_infrared_range_at_night() {
    // Lens 3 m up, head 1.7 m: 1.3 m between them. The image spans 30 - 17 = 13 to
    // 30 + 17 = 47 degrees below horizontal: the blind spot reaches 1.3 / tan 47 = 1.212270 m
    // and the top edge meets the head plane at 1.3 / tan 13 = 5.630919 m. The 90-degree wedge
    // of that annulus: (pi / 4)(5.630919^2 - 1.212270^2) = 23.748592 m^2. Identify: 1920 px over
    // 2 m per metre at 250 px/m is 3.84 m slant, sqrt(3.84^2 - 1.3^2) = 3.613253 m on the floor:
    // (pi / 4)(13.0556 - 1.469598) = 9.099625 m^2, all inside the zone "hall" (50 m^2).
    let v = json(&["cctv", "coverage", &data("tilted.yaml"), "--json"]);
    let band = &v["cameras"][0]["floor_band_m"];
    close(&band[0], 1.212270, 1e-5);
    close(&band[1], 5.630919, 1e-5);
    // Unions replace arcs by chords (0.002 m sagitta): they err low by at most 2/3 x 0.002 x
    // the arcs' length, here (pi / 2)(5.63 + 1.21) m plus a step: under 0.015 m^2.
    close(&v["levels"]["visible"]["area_m2"], 23.748592, 0.015);
    close(&v["levels"]["identify"]["area_m2"], 9.099625, 0.015);
    close(&v["zones"][0]["covered_fraction"], 9.099625 / 50.0, 2e-4);
    assert_eq!(
        v["findings"][0]["message"],
        "zone hall: Identify covers 18%, required 100%"
    );
    // At night the 4 m infrared range (slant) reaches sqrt(16 - 1.69) = 3.782856 m on the
    // floor: (pi / 4)(14.31 - 1.469598) = 10.084828 m^2 visible; Identify stops short of it.
    let n = json(&[
        "cctv",
        "coverage",
        &data("tilted.yaml"),
        "--json",
        "--night",
    ]);
    assert_eq!(n["lighting"], "night");
    close(&n["levels"]["visible"]["area_m2"], 10.084828, 0.015);
    close(&n["levels"]["identify"]["area_m2"], 9.099625, 0.015);
    let text = rampart(&["cctv", "coverage", &data("tilted.yaml"), "--night"]);
    assert_ok(&text);
    let out = stdout(&text);
    assert!(
        out.contains("night (infrared range only)")
            && out.contains("blind spot to 1.2 m, sees up to 3.8 m"),
        "{out}"
    );
}

#[test]
fn coverage_of_a_dxf_drawing_matches_its_yaml_twin() {
    // From (7.5, 10) the panoramic camera sees the left room (15 x 20 = 300 m^2) and, through
    // the 4 m doorway at x = 15 (y 8..12), the cone whose edges have slopes of +-2 / 7.5: at
    // the far wall x = 30 it spans 4 + 2 x 15 x 2 / 7.5 = 12 m (y 4..16), a trapezoid of
    // (4 + 12) / 2 x 15 = 120 m^2; the column at (22..24, 2..4) stays below the lower edge
    // (y = 6.13 at x = 22). Visible: 420 m^2.
    let dxf = data("two-rooms.dxf");
    let devices = data("two-rooms-devices.yaml");
    let v = json(&["cctv", "coverage", &dxf, "--devices", &devices, "--json"]);
    close(&v["levels"]["visible"]["area_m2"], 420.0, 1e-6);
    close(&v["levels"]["visible"]["fraction"], 420.0 / 596.0, 1e-6);
    // The zone drawn on ZONES-IDENTIFY is 3.5 m and more from the camera, whose Identify
    // reaches 2880 / (2 pi 250) = 1.83 m slant: not covered.
    assert_eq!(v["zones"][0]["id"], "zone-1");
    assert_eq!(v["zones"][0]["required"], "identify");
    assert_eq!(
        v["findings"][0]["message"],
        "zone zone-1: Identify covers 0%, required 100%"
    );
    let twin = json(&["cctv", "coverage", &data("two-rooms.yaml"), "--json"]);
    assert_eq!(v, twin);

    // --format dxf reads a drawing whatever its name; layer names are options.
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("plan.drawing");
    std::fs::copy(&dxf, &renamed).unwrap();
    let r = json(&[
        "cctv",
        "coverage",
        renamed.to_str().unwrap(),
        "--format",
        "dxf",
        "--devices",
        &devices,
        "--json",
    ]);
    assert_eq!(r, v);

    // A layer the drawing lacks is named in the error, with the layers it has.
    let out = rampart(&["cctv", "coverage", &dxf, "--walls-layer", "PARTITIONS"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("two-rooms.dxf")
            && err.contains("nothing on layer \"PARTITIONS\"")
            && err.contains("FURNITURE"),
        "{err}"
    );
    let out = rampart(&["cctv", "coverage", &dxf, "--boundary-layer", "OUTLINE"]);
    assert!(
        stderr(&out).contains("no closed polyline on layer \"OUTLINE\""),
        "{}",
        stderr(&out)
    );
    // A bad devices file is named.
    let bad = dir.path().join("devices.yaml");
    std::fs::write(
        &bad,
        "cameras: [{id: x, position: [50, 50], hfov_deg: 90, resolution_h: 100}]\n",
    )
    .unwrap();
    let out = rampart(&["cctv", "coverage", &dxf, "--devices", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("camera x: position (50, 50) is outside the boundary"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn placement_chooses_a_varifocal_setting_from_the_catalogue() {
    // 4.8 mm wide, 2560 px: Identify (250 px/m) reaches 2560 f / (4.8 x 250) = 2.1333 f m
    // slant. Of the three settings tried (2.8, sqrt(2.8 x 12) = 5.80 and 12 mm), only 12 mm
    // reaches the gate 13.5 m away on the floor (25.57 m); its HFOV is 2 atan(4.8 / 24)
    // = 22.62 degrees.
    let v = json(&[
        "cctv",
        "place",
        &data("gate-varifocal.yaml"),
        "--meet-requirements",
        "--json",
    ]);
    let cams = v["cameras"].as_array().unwrap();
    assert_eq!(cams.len(), 1);
    assert_eq!(cams[0]["model"], "vf");
    close(&cams[0]["focal_mm"], 12.0, 1e-12);
    close(&cams[0]["hfov_deg"], 22.6199, 1e-4);
    close(&v["cost"], 400.0, 0.0);
    assert_eq!(v["candidates"], 12);
    close(&v["zones"][0]["covered_fraction"], 1.0, 0.0);
    // The model has no infrared illuminator: at night nothing can see the gate.
    let night = json(&[
        "cctv",
        "place",
        &data("gate-varifocal.yaml"),
        "--meet-requirements",
        "--night",
        "--json",
    ]);
    assert_eq!(night["cameras"].as_array().unwrap().len(), 0);
    assert_eq!(night["unreachable_samples"], 16);
    assert_eq!(night["samples"], 16);
}
