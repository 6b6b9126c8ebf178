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
    assert_eq!(top, ["cameras", "levels", "zones"]);
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
        out.contains("characterise") && out.contains("lobby: identify covers 19.2%"),
        "{out}"
    );
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
