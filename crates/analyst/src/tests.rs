use rampart_domain::{FacilityModel, FloorPlan, Id};
use rampart_server::analysis::{Analysis, CameraMove};
use serde_json::{Value, json};

use super::Analyst;

fn id(s: &str) -> Id {
    Id::new(s).expect("a valid id")
}

/// The EASI check of PRODUCT.md as a chain of six path elements.
fn product_check() -> FacilityModel {
    let tasks = [
        (0.0, 10.0),
        (0.0, 12.0),
        (0.9, 90.0),
        (0.0, 10.0),
        (0.9, 90.0),
        (0.0, 120.0),
    ];
    let elements: Vec<Value> = tasks
        .iter()
        .enumerate()
        .map(|(i, (pd, d))| {
            json!({"id": format!("t{}", i + 1), "type": "door", "from": format!("a{i}"),
                   "to": format!("a{}", i + 1), "p_detect": pd, "location": "B",
                   "delay_mean": d, "delay_sd": d * 0.3, "p_assessment": 1.0})
        })
        .collect();
    FacilityModel {
        id: id("check"),
        site: id("s"),
        name: "PRODUCT.md check".to_owned(),
        description: None,
        model: json!({
            "entries": ["a0"], "target": "a6", "p_communication": 0.95,
            "response": {"mean": 300, "sd": 90}, "elements": elements,
            "adversaries": [{"name": "outsider", "p_neutralization": 0.8}]
        }),
    }
}

#[test]
fn protection_view_carries_the_easi_check_value_and_its_diagram() {
    let view = Analyst.protection(&product_check()).expect("analysed");
    assert_eq!(view.adversaries.len(), 1);
    let a = &view.adversaries[0];
    assert!(a.exact);
    let worst = &a.paths[0];
    assert!(
        (worst.p_interruption - 0.476041).abs() < 5e-7,
        "P_I {}",
        worst.p_interruption
    );
    assert!((worst.p_effectiveness - 0.476041 * 0.8).abs() < 1e-6);
    assert_eq!(worst.elements, ["t1", "t2", "t3", "t4", "t5", "t6"]);
    assert_eq!(worst.areas.first().map(String::as_str), Some("a0"));
    assert_eq!(worst.areas.last().map(String::as_str), Some("a6"));
    // EASI's critical detection point: the last detecting element whose
    // remaining delay still exceeds the mean response time (t3: 90 + 10 + 90 + 120 = 310 > 300).
    assert_eq!(worst.critical_detection_point.as_deref(), Some("t3"));
    let svg = a.diagram_svg.as_deref().expect("a diagram");
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    for e in &worst.elements {
        assert!(svg.contains(e.as_str()), "diagram names {e}");
    }
    assert_eq!(view.response, "300 ± 90 s, P_C 0.95");
}

#[test]
fn the_table_round_trips_and_keeps_what_it_does_not_show() {
    let model = product_check();
    let table = Analyst.facility_table(&model).expect("a table");
    assert_eq!(table.elements.len(), 6);
    assert_eq!(table.elements[2].p_detect, 0.9);
    assert_eq!(table.elements[2].location, "B");
    assert_eq!(table.elements[2].kind, "door");
    assert!(table.kinds.iter().any(|k| k == "open-ground"));
    let same = Analyst
        .apply_facility_table(&model, &table)
        .expect("unchanged table applies");
    let again = FacilityModel {
        model: same.clone(),
        ..model.clone()
    };
    assert_eq!(
        Analyst.protection(&again).expect("analysed"),
        Analyst.protection(&model).expect("analysed")
    );
    // p_assessment is not a column: it survives the edit; adversaries too.
    assert_eq!(same["elements"][0]["p_assessment"], json!(1.0));
    assert_eq!(same["adversaries"][0]["p_neutralization"], json!(0.8));
}

#[test]
fn an_edit_changes_the_analysis() {
    let model = product_check();
    let mut table = Analyst.facility_table(&model).expect("a table");
    // Detect at the first fence too: more chances to interrupt.
    table.elements[0].p_detect = 0.5;
    let edited = FacilityModel {
        model: Analyst
            .apply_facility_table(&model, &table)
            .expect("applies"),
        ..model.clone()
    };
    let before =
        Analyst.protection(&model).expect("analysed").adversaries[0].paths[0].p_interruption;
    let after =
        Analyst.protection(&edited).expect("analysed").adversaries[0].paths[0].p_interruption;
    assert!(after > before, "{after} > {before}");
    // Faster response: also better.
    let mut faster = table.clone();
    faster.response_mean = 100.0;
    let quick = FacilityModel {
        model: Analyst
            .apply_facility_table(&model, &faster)
            .expect("applies"),
        ..model
    };
    let quicker =
        Analyst.protection(&quick).expect("analysed").adversaries[0].paths[0].p_interruption;
    assert!(quicker > after);
}

#[test]
fn a_bad_table_names_the_row_and_field() {
    let model = product_check();
    let mut table = Analyst.facility_table(&model).expect("a table");
    table.elements[3].id = "t1".to_owned();
    let errors = Analyst
        .apply_facility_table(&model, &table)
        .expect_err("duplicate id");
    assert_eq!(errors[0].row, Some(3));
    assert_eq!(errors[0].field, "id");

    let mut table = Analyst.facility_table(&model).expect("a table");
    table.elements[4].from = "a4".to_owned();
    table.elements[4].to = "a4".to_owned();
    let errors = Analyst
        .apply_facility_table(&model, &table)
        .expect_err("a self loop");
    assert_eq!(errors[0].row, Some(4), "{errors:?}");
    assert!(errors[0].message.contains("t5"), "{errors:?}");
}

fn pillar_room() -> FloorPlan {
    FloorPlan {
        id: id("room"),
        site: id("s"),
        zone: None,
        name: "Room with a pillar".to_owned(),
        plan: json!({
            "boundary": [[0, 0], [20, 0], [20, 10], [0, 10]],
            "obstacles": [[[9, 4], [11, 4], [11, 6], [9, 6]]],
            "zones": [{"id": "far-end", "polygon": [[15, 0], [20, 0], [20, 10], [15, 10]], "required": "detect"}],
            "cameras": [{"id": "c1", "position": [1, 5], "height_m": 3.0, "pan_deg": 0,
                          "hfov_deg": 360, "resolution_h": 1920}]
        }),
    }
}

#[test]
fn coverage_view_has_the_exact_visible_area() {
    let view = Analyst.coverage(&pillar_room(), &[]).expect("analysed");
    let (level, area, _) = &view.levels[0];
    assert_eq!(level, "visible");
    // PRODUCT.md / issue 6: 200 m² less the pillar (4) less its shadow (33.125).
    assert!((area - 162.875).abs() < 1e-6, "{area}");
    assert_eq!(view.bounds, [0.0, 0.0, 20.0, 10.0]);
    assert_eq!(view.cameras[0].id, "c1");
    assert!(view.drawing_svg.starts_with("<svg"));
    // The pillar's shadow reaches the far end: the zone misses Detect there.
    assert_eq!(view.findings.len(), 1, "{:?}", view.findings);
    assert!(view.findings[0].starts_with("zone far-end: Detect covers "));
}

#[test]
fn moving_a_camera_changes_the_coverage_and_is_checked() {
    let room = pillar_room();
    let before = Analyst.coverage(&room, &[]).expect("analysed");
    // From the middle of the far wall, the pillar hides less of the room.
    let m = CameraMove {
        id: "c1".to_owned(),
        x: 10.0,
        y: 9.0,
        pan_deg: 270.0,
    };
    let after = Analyst
        .coverage(&room, std::slice::from_ref(&m))
        .expect("analysed");
    assert!(after.levels[0].1 > before.levels[0].1);
    assert_eq!(after.cameras[0].x, 10.0);
    let moved = Analyst
        .move_cameras(&room, std::slice::from_ref(&m))
        .expect("moved");
    assert_eq!(moved["cameras"][0]["position"], json!([10.0, 9.0]));
    assert_eq!(moved["cameras"][0]["hfov_deg"], json!(360));
    // Into the pillar, or out of the room: refused.
    for (x, y) in [(10.0, 5.0), (25.0, 5.0)] {
        let bad = CameraMove { x, y, ..m.clone() };
        assert!(
            Analyst
                .move_cameras(&room, std::slice::from_ref(&bad))
                .is_err(),
            "({x}, {y})"
        );
    }
    let unknown = CameraMove {
        id: "c9".to_owned(),
        ..m
    };
    assert!(Analyst.coverage(&room, &[unknown]).is_err());
}
