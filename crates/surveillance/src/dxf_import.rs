//! Floor plans from DXF drawings (feature `dxf`): the outer boundary, walls, doors,
//! obstacles and zones are read from named layers through the `dxf` crate, then validated like
//! a YAML plan. A zone is a closed polyline on a layer named after the zones layer and the
//! level it requires (`ZONES-IDENTIFY`, `ZONES-OBSERVE`), numbered `zone-1`, `zone-2`, ... in
//! drawing order. Cameras, the catalogue and named zones come from a devices text in the YAML
//! plan format without the geometry ([`plan_from_dxf_with`]).
//!
//! Lines and polylines are read (arcs in polylines are taken as their chords); the caller
//! supplies the file's bytes.

use std::io::Cursor;

use dxf::Drawing;
use dxf::entities::{EntityType, LwPolyline};
use thiserror::Error;

use crate::plan::{FloorPlan, PlanError, PlanFile};

/// Which layers hold what (matched without regard to case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DxfLayers {
    /// A closed polyline: the floor's outer boundary.
    pub boundary: String,
    /// Lines and polylines that occlude.
    pub walls: String,
    /// Lines across doorways: drawn, never occluding.
    pub doors: String,
    /// Closed polylines: opaque obstacles (columns, racks).
    pub obstacles: String,
    /// Closed polylines on `<zones>-<level>`: zones requiring that level.
    pub zones: String,
}

impl Default for DxfLayers {
    fn default() -> Self {
        DxfLayers {
            boundary: "BOUNDARY".into(),
            walls: "WALLS".into(),
            doors: "DOORS".into(),
            obstacles: "OBSTACLES".into(),
            zones: "ZONES".into(),
        }
    }
}

#[derive(Debug, Error)]
pub enum DxfImportError {
    #[error("not a readable DXF drawing: {0}")]
    Read(String),
    #[error("the drawing has no closed polyline on layer {layer:?} (layers found: {found})")]
    NoBoundary { layer: String, found: String },
    #[error("the drawing has nothing on layer {layer:?} (layers found: {found})")]
    MissingLayer { layer: String, found: String },
    #[error(
        "zone on layer {layer:?} needs its required level in the layer's name, as {layer}-IDENTIFY"
    )]
    ZoneWithoutLevel { layer: String },
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("in the devices file: {0}")]
    Devices(PlanError),
}

fn polyline_points(p: &LwPolyline) -> Vec<[f64; 2]> {
    p.vertices.iter().map(|v| [v.x, v.y]).collect()
}

/// Read the plan geometry (and zones) of a DXF drawing.
pub fn plan_from_dxf(bytes: &[u8], layers: &DxfLayers) -> Result<FloorPlan, DxfImportError> {
    plan_from_dxf_with(bytes, layers, None)
}

/// The zone level named by a layer `<zones>-<level>` (`Ok(None)`: not a zones layer).
fn zone_level(layer: &str, zones: &str) -> Result<Option<String>, DxfImportError> {
    if layer.eq_ignore_ascii_case(zones) {
        return Err(DxfImportError::ZoneWithoutLevel {
            layer: layer.to_string(),
        });
    }
    let n = zones.len();
    match (layer.get(..n), layer.get(n..)) {
        (Some(head), Some(tail)) if head.eq_ignore_ascii_case(zones) => {
            let level = tail.trim_start_matches(['-', '_', ' ']);
            if level.is_empty() {
                Err(DxfImportError::ZoneWithoutLevel {
                    layer: layer.to_string(),
                })
            } else {
                Ok(Some(level.to_ascii_lowercase()))
            }
        }
        _ => Ok(None),
    }
}

/// Read a DXF drawing's plan, and add the zones, catalogue, cameras and settings of a devices
/// text (the YAML plan format without `boundary`, `obstacles`, `walls` and `openings`).
pub fn plan_from_dxf_with(
    bytes: &[u8],
    layers: &DxfLayers,
    devices_yaml: Option<&str>,
) -> Result<FloorPlan, DxfImportError> {
    let drawing =
        Drawing::load(&mut Cursor::new(bytes)).map_err(|e| DxfImportError::Read(e.to_string()))?;
    let on = |e: &dxf::entities::Entity, layer: &str| e.common.layer.eq_ignore_ascii_case(layer);
    let mut found: Vec<String> = drawing.entities().map(|e| e.common.layer.clone()).collect();
    found.sort();
    found.dedup();
    let found = found.join(", ");

    let mut file = PlanFile::default();
    let mut best_area = 0.0;
    let mut saw_walls = false;
    let mut zone_count = 0usize;
    for e in drawing.entities() {
        let poly: Option<(Vec<[f64; 2]>, bool)> = match &e.specific {
            EntityType::LwPolyline(p) => Some((polyline_points(p), p.is_closed())),
            EntityType::Polyline(p) => Some((
                p.vertices().map(|v| [v.location.x, v.location.y]).collect(),
                p.is_closed(),
            )),
            _ => None,
        };
        if let Some((pts, closed)) = poly {
            if on(e, &layers.boundary) && closed {
                let area = crate::geometry::signed_area(
                    &pts.iter().map(|q| (*q).into()).collect::<Vec<_>>(),
                )
                .abs();
                if area > best_area {
                    best_area = area;
                    file.boundary = pts;
                }
            } else if on(e, &layers.obstacles) && closed {
                file.obstacles.push(pts);
            } else if closed && let Some(level) = zone_level(&e.common.layer, &layers.zones)? {
                zone_count += 1;
                file.push_zone(format!("zone-{zone_count}"), pts, level);
            } else if on(e, &layers.walls) || on(e, &layers.doors) {
                let mut segs: Vec<[[f64; 2]; 2]> = pts.windows(2).map(|w| [w[0], w[1]]).collect();
                if closed && let (Some(first), Some(last)) = (pts.first(), pts.last()) {
                    segs.push([*last, *first]);
                }
                if on(e, &layers.walls) {
                    saw_walls = true;
                    file.walls.extend(segs);
                } else {
                    file.openings.extend(segs);
                }
            }
            continue;
        }
        if let EntityType::Line(l) = &e.specific {
            let seg = [[l.p1.x, l.p1.y], [l.p2.x, l.p2.y]];
            if on(e, &layers.walls) {
                saw_walls = true;
                file.walls.push(seg);
            } else if on(e, &layers.doors) {
                file.openings.push(seg);
            }
        }
    }
    if file.boundary.is_empty() {
        return Err(DxfImportError::NoBoundary {
            layer: layers.boundary.clone(),
            found,
        });
    }
    if !saw_walls {
        return Err(DxfImportError::MissingLayer {
            layer: layers.walls.clone(),
            found,
        });
    }
    if let Some(yaml) = devices_yaml {
        file.add_devices(yaml).map_err(DxfImportError::Devices)?;
    }
    Ok(FloorPlan::from_file(file)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visibility::{Occluders, Wedge};
    use dxf::entities::{Entity, Line, LwPolyline};
    use dxf::{LwPolylineVertex, Point as DxfPoint};

    fn polyline(layer: &str, pts: &[(f64, f64)], closed: bool) -> Entity {
        let mut p = LwPolyline::default();
        for &(x, y) in pts {
            p.vertices.push(LwPolylineVertex {
                x,
                y,
                ..Default::default()
            });
        }
        p.set_is_closed(closed);
        let mut e = Entity::new(EntityType::LwPolyline(p));
        e.common.layer = layer.into();
        e
    }

    fn line(layer: &str, a: (f64, f64), b: (f64, f64)) -> Entity {
        let mut e = Entity::new(EntityType::Line(Line::new(
            DxfPoint::new(a.0, a.1, 0.0),
            DxfPoint::new(b.0, b.1, 0.0),
        )));
        e.common.layer = layer.into();
        e
    }

    /// A 20 x 10 m floor split by a wall at x = 10 with a 2 m door from y = 4 to 6, and a
    /// 1 x 1 m column at (15, 2): drawn with the dxf crate, saved, and read back.
    fn drawn(with_walls: bool) -> Vec<u8> {
        let mut d = Drawing::new();
        // Lightweight polylines need R14 or later.
        d.header.version = dxf::enums::AcadVersion::R2004;
        d.add_entity(polyline(
            "Boundary",
            &[(0.0, 0.0), (20.0, 0.0), (20.0, 10.0), (0.0, 10.0)],
            true,
        ));
        if with_walls {
            d.add_entity(line("WALLS", (10.0, 0.0), (10.0, 4.0)));
            d.add_entity(polyline("walls", &[(10.0, 6.0), (10.0, 10.0)], false));
        }
        d.add_entity(line("DOORS", (10.0, 4.0), (10.0, 6.0)));
        d.add_entity(polyline(
            "OBSTACLES",
            &[(15.0, 2.0), (16.0, 2.0), (16.0, 3.0), (15.0, 3.0)],
            true,
        ));
        d.add_entity(line("FURNITURE", (1.0, 1.0), (2.0, 1.0)));
        d.add_entity(polyline(
            "Zones-Identify",
            &[(0.0, 0.0), (4.0, 0.0), (4.0, 10.0), (0.0, 10.0)],
            true,
        ));
        let mut out = Vec::new();
        d.save(&mut out).unwrap();
        out
    }

    #[test]
    fn a_plan_drawn_with_the_dxf_crate_reads_back() {
        let plan = plan_from_dxf(&drawn(true), &DxfLayers::default()).unwrap();
        assert!((crate::geometry::signed_area(&plan.boundary) - 200.0).abs() < 1e-9);
        assert_eq!(plan.walls.len(), 2);
        assert_eq!(plan.openings.len(), 1);
        assert_eq!(plan.obstacles.len(), 1);
        assert_eq!(plan.zones.len(), 1);
        assert_eq!(plan.zones[0].id, "zone-1");
        assert_eq!(plan.zones[0].required_ppm, 250.0);
        // From (5, 5) in the left room, a 360-degree view: the left room (100 m^2) and, through
        // the door, the wedge between the rays over (10, 4) and (10, 6) out to x = 20, whose
        // width grows from 2 m at x = 10 to 6 m at x = 20: (2 + 6) / 2 x 10 = 40 m^2. The lower
        // ray, y = 5 - (x - 5) / 5, grazes the column's corner (15, 3) and passes under its top
        // edge, so the column hides the wedge's part inside it (x 15..16 between the ray and
        // y = 3: 0.1 m^2) and its shadow up to the ray over (16, 3), slope -2/11: the integral
        // of (x - 5)/55 from 16 to 20, 104/110 m^2.
        let expected = 140.0 - 0.1 - 104.0 / 110.0;
        let occ = Occluders::of_plan(&plan);
        let area = occ
            .fan(crate::geometry::Point::new(5.0, 5.0))
            .area(Wedge::FULL, f64::INFINITY);
        assert!((area - expected).abs() < 1e-9, "{area} vs {expected}");
    }

    #[test]
    fn a_drawing_without_the_wall_layer_is_refused_naming_it() {
        let e = plan_from_dxf(&drawn(false), &DxfLayers::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("\"WALLS\"") && msg.contains("FURNITURE"),
            "{msg}"
        );
        let e = plan_from_dxf(
            &drawn(true),
            &DxfLayers {
                boundary: "OUTLINE".into(),
                ..DxfLayers::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, DxfImportError::NoBoundary { .. }), "{e}");
        assert!(matches!(
            plan_from_dxf(b"not a drawing", &DxfLayers::default()),
            Err(DxfImportError::Read(_))
        ));
    }

    #[test]
    fn cameras_come_from_a_devices_text_and_zone_layers_need_a_level() {
        let devices = "cameras: [{id: c, position: [5, 5], hfov_deg: 360, resolution_h: 2880}]\n\
                       zones: [{id: store, polygon: [[16, 6], [20, 6], [20, 10], [16, 10]], required: observe}]\n";
        let plan = plan_from_dxf_with(&drawn(true), &DxfLayers::default(), Some(devices)).unwrap();
        assert_eq!(plan.cameras.len(), 1);
        let ids: Vec<&str> = plan.zones.iter().map(|z| z.id.as_str()).collect();
        assert_eq!(ids, ["zone-1", "store"]);
        let e = plan_from_dxf_with(&drawn(true), &DxfLayers::default(), Some("boundary: []"))
            .unwrap_err();
        assert!(e.to_string().starts_with("in the devices file:"), "{e}");
        let e = plan_from_dxf(
            &drawn(true),
            &DxfLayers {
                zones: "ZONES-IDENTIFY".into(),
                ..DxfLayers::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "zone on layer \"Zones-Identify\" needs its required level in the layer's name, as Zones-Identify-IDENTIFY"
        );
        assert_eq!(
            zone_level("ZONES_observe", "zones").unwrap(),
            Some("observe".into())
        );
        assert_eq!(zone_level("WALLS", "zones").unwrap(), None);
    }
}
