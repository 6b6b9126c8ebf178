//! Draws the small DXF floor plan the `rampart cctv` integration tests read
//! (`tests/data/cctv/two-rooms.dxf`) with the `dxf` crate, and writes it to standard output.
//!
//! Usage: `cargo run -p rampart-surveillance --features dxf --example draw_dxf > two-rooms.dxf`
//!
//! A 30 x 20 m floor split by a wall at x = 15 with a 4 m doorway from y = 8 to 12, a 2 x 2 m
//! column at (22, 2), a 4 x 4 m zone requiring Identify in the left room's corner, and a
//! furniture layer that the import ignores.

use dxf::entities::{Entity, EntityType, Line, LwPolyline};
use dxf::{Drawing, LwPolylineVertex, Point};

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
        Point::new(a.0, a.1, 0.0),
        Point::new(b.0, b.1, 0.0),
    )));
    e.common.layer = layer.into();
    e
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut d = Drawing::new();
    // Lightweight polylines need R14 or later.
    d.header.version = dxf::enums::AcadVersion::R2004;
    d.add_entity(polyline(
        "BOUNDARY",
        &[(0.0, 0.0), (30.0, 0.0), (30.0, 20.0), (0.0, 20.0)],
        true,
    ));
    d.add_entity(line("WALLS", (15.0, 0.0), (15.0, 8.0)));
    d.add_entity(polyline("WALLS", &[(15.0, 12.0), (15.0, 20.0)], false));
    d.add_entity(line("DOORS", (15.0, 8.0), (15.0, 12.0)));
    d.add_entity(polyline(
        "OBSTACLES",
        &[(22.0, 2.0), (24.0, 2.0), (24.0, 4.0), (22.0, 4.0)],
        true,
    ));
    d.add_entity(polyline(
        "ZONES-IDENTIFY",
        &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)],
        true,
    ));
    d.add_entity(line("FURNITURE", (2.0, 18.0), (6.0, 18.0)));
    let mut out = std::io::stdout().lock();
    d.save(&mut out)?;
    Ok(())
}
