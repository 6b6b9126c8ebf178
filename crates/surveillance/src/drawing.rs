//! SVG drawing of a floor plan: boundary, obstacles, walls, openings, zones, cameras with their
//! field of view, and (given a coverage report) the floor seen at each level, coloured from
//! the lowest level (pale) to the highest (dark).
//!
//! Returns the SVG as a string; writing it or rendering it to PNG is left to the caller.

use std::fmt::Write;

use crate::coverage::CoverageReport;
use crate::geometry::{Bounds, Point};
use crate::plan::FloorPlan;
use crate::region::Region;

/// Colours for coverage levels, lowest first (`visible`, then the profile's levels).
const LEVEL_COLOURS: [&str; 8] = [
    "#d9d9d9", "#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e", "#365c8d", "#46327e",
];
const ZONE_COLOUR: &str = "#d62728";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Frame {
    origin: Point,
    height: f64,
    scale: f64,
    margin: f64,
}

impl Frame {
    fn x(&self, p: Point) -> f64 {
        self.margin + (p.x - self.origin.x) * self.scale
    }
    fn y(&self, p: Point) -> f64 {
        // Plans have y up; SVG has y down.
        self.margin + (self.height - (p.y - self.origin.y)) * self.scale
    }
    fn path(&self, contour: &[Point]) -> String {
        let mut d = String::new();
        for (i, p) in contour.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.2},{:.2}",
                if i == 0 { "M" } else { "L" },
                self.x(*p),
                self.y(*p)
            );
        }
        d.push('Z');
        d
    }
    fn region_path(&self, r: &Region) -> String {
        let mut d = String::new();
        for shape in r {
            for c in shape {
                let pts: Vec<Point> = c.iter().map(|p| Point::from(*p)).collect();
                d.push_str(&self.path(&pts));
            }
        }
        d
    }
}

/// Draw `plan` at about `width_px` pixels wide, with coverage if a report is given.
pub fn svg(plan: &FloorPlan, report: Option<&CoverageReport>, width_px: f64) -> String {
    let b = Bounds::of(plan.boundary.iter().copied()).unwrap_or(Bounds {
        min: Point::new(0.0, 0.0),
        max: Point::new(1.0, 1.0),
    });
    let margin = 20.0;
    let scale = (width_px - 2.0 * margin).max(50.0) / b.width().max(1e-9);
    let f = Frame {
        origin: b.min,
        height: b.height(),
        scale,
        margin,
    };
    let (w, h) = (
        b.width() * scale + 2.0 * margin,
        b.height() * scale + 2.0 * margin + 24.0,
    );
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.2} {h:.2}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r##"<path d="{}" fill="#f7f7f7" stroke="none"/>"##,
        f.path(&plan.boundary)
    );
    if let Some(r) = report {
        let _ = writeln!(
            s,
            r#"<g id="coverage" fill-rule="evenodd" fill-opacity="0.75">"#
        );
        for (i, (level, region)) in r.levels.iter().zip(&r.regions).enumerate() {
            let colour = LEVEL_COLOURS[i.min(LEVEL_COLOURS.len() - 1)];
            let _ = writeln!(
                s,
                r#"<path data-level="{}" d="{}" fill="{colour}" stroke="none"><title>{} {:.1} m² ({:.1}%)</title></path>"#,
                escape(&level.level),
                f.region_path(region),
                escape(&level.level),
                level.area_m2,
                level.fraction * 100.0
            );
        }
        let _ = writeln!(s, "</g>");
    }
    if let Some(r) = report {
        // The parts of zones that miss their requirement, hatched in the zone colour.
        let _ = writeln!(
            s,
            r#"<defs><pattern id="short" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="{ZONE_COLOUR}" stroke-width="2"/></pattern></defs>"#
        );
        for z in r.zones.iter().filter(|z| z.uncovered_m2 > 0.0) {
            let _ = writeln!(
                s,
                r#"<path data-uncovered="{}" d="{}" fill="url(#short)" fill-rule="evenodd" stroke="none"><title>{}: {:.1} m² short of {}</title></path>"#,
                escape(&z.id),
                f.region_path(&z.uncovered),
                escape(&z.id),
                z.uncovered_m2,
                escape(&z.required)
            );
        }
    }
    for (i, o) in plan.obstacles.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<path data-obstacle="{}" d="{}" fill="#555555" stroke="#222222"/>"##,
            i + 1,
            f.path(o)
        );
    }
    let _ = writeln!(
        s,
        r##"<path d="{}" fill="none" stroke="#000000" stroke-width="3"/>"##,
        f.path(&plan.boundary)
    );
    for w in &plan.walls {
        let _ = writeln!(
            s,
            r##"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="#000000" stroke-width="3"/>"##,
            f.x(w.a),
            f.y(w.a),
            f.x(w.b),
            f.y(w.b)
        );
    }
    for o in &plan.openings {
        let _ = writeln!(
            s,
            r##"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="#8c564b" stroke-width="2" stroke-dasharray="4 3"/>"##,
            f.x(o.a),
            f.y(o.a),
            f.x(o.b),
            f.y(o.b)
        );
    }
    for z in &plan.zones {
        let _ = writeln!(
            s,
            r#"<path data-zone="{}" d="{}" fill="none" stroke="{ZONE_COLOUR}" stroke-width="1.5" stroke-dasharray="6 3"/>"#,
            escape(&z.id),
            f.path(&z.polygon)
        );
        let c = z
            .polygon
            .iter()
            .fold(Point::new(0.0, 0.0), |a, p| a.plus(*p))
            .scale(1.0 / z.polygon.len() as f64);
        let _ = writeln!(
            s,
            r#"<text x="{:.2}" y="{:.2}" fill="{ZONE_COLOUR}" text-anchor="middle">{} ({})</text>"#,
            f.x(c),
            f.y(c),
            escape(&z.id),
            escape(&z.required)
        );
    }
    for c in &plan.cameras {
        let (x, y) = (f.x(c.position), f.y(c.position));
        if c.optics.hfov_deg < 360.0 {
            let len = 24.0;
            for side in [-0.5, 0.5] {
                let a = (c.pan_deg + side * c.optics.hfov_deg).to_radians();
                let _ = writeln!(
                    s,
                    r##"<line x1="{x:.2}" y1="{y:.2}" x2="{:.2}" y2="{:.2}" stroke="#1f77b4" stroke-width="1.5"/>"##,
                    x + len * a.cos(),
                    y - len * a.sin()
                );
            }
        }
        let _ = writeln!(
            s,
            r##"<circle data-camera="{}" cx="{x:.2}" cy="{y:.2}" r="5" fill="#1f77b4" stroke="#ffffff"/>"##,
            escape(&c.id)
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.2}" y="{:.2}" fill="#1f77b4">{}</text>"##,
            x + 7.0,
            y - 7.0,
            escape(&c.id)
        );
    }
    if let Some(r) = report {
        let mut x = margin;
        let y = h - 8.0;
        for (i, l) in r.levels.iter().enumerate() {
            let colour = LEVEL_COLOURS[i.min(LEVEL_COLOURS.len() - 1)];
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#,
                y - 11.0
            );
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{y:.1}">{}</text>"#,
                x + 15.0,
                escape(&l.level)
            );
            x += 20.0 + 7.5 * l.level.len() as f64;
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Why a drawing could not be rendered to PNG.
#[cfg(feature = "png")]
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the SVG could not be read: {0}")]
    Svg(String),
    #[error("the drawing is empty or too large to render")]
    Size,
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// Render an SVG drawing (as made by [`svg`]) to a pixmap. Text is left out: rendering it
/// would need fonts the crate does not carry.
#[cfg(feature = "png")]
fn pixmap(svg: &str) -> Result<resvg::tiny_skia::Pixmap, RenderError> {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .map_err(|e| RenderError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or(RenderError::Size)?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// Render an SVG drawing to PNG bytes, for reports.
#[cfg(feature = "png")]
pub fn png(svg: &str) -> Result<Vec<u8>, RenderError> {
    pixmap(svg)?
        .encode_png()
        .map_err(|e| RenderError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CoverageOptions, LevelProfile, coverage};

    #[test]
    fn drawing_shows_every_item_and_each_level() {
        let text = "\
boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]
walls: [[[5, 0], [5, 3]]]
openings: [[[5, 3], [5, 4]]]
zones: [{id: lobby, polygon: [[0, 0], [5, 0], [5, 10], [0, 10]], required: identify}]
cameras:
  - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        let svg = svg(&plan, Some(&r), 800.0);
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        for needle in [
            r#"data-camera="c1""#,
            r#"data-zone="lobby""#,
            r#"data-obstacle="1""#,
            r#"data-uncovered="lobby""#,
            "stroke-dasharray=\"4 3\"",
        ] {
            assert!(svg.contains(needle), "{needle}");
        }
        for l in [
            "visible",
            "monitor",
            "detect",
            "observe",
            "recognise",
            "identify",
            "inspect",
        ] {
            assert!(svg.contains(&format!(r#"data-level="{l}""#)), "{l}");
        }
        // 760 px for 20 m: 38 px/m after a 20 px margin; y is flipped (10 - 5 m from the top).
        assert!(svg.contains(r#"cx="58.00" cy="210.00""#), "{svg}");
    }

    #[cfg(feature = "png")]
    #[test]
    fn the_png_shows_the_pillar_and_the_coverage() {
        let text = "\
boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]
cameras:
  - {id: c1, position: [1, 5], height_m: 3.0, pan_deg: 0, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let r = coverage(
            &plan,
            &LevelProfile::iec62676_2015(),
            CoverageOptions::default(),
        );
        let drawing = svg(&plan, Some(&r), 800.0);
        let pm = pixmap(&drawing).unwrap();
        let at = |x: f64, y: f64| {
            // Plan metres to pixels: 38 px/m after a 20 px margin, y flipped.
            let (px, py) = ((20.0 + x * 38.0) as u32, (20.0 + (10.0 - y) * 38.0) as u32);
            let c = pm.pixel(px, py).unwrap();
            (c.red(), c.green(), c.blue())
        };
        assert_eq!(at(10.0, 5.0), (0x55, 0x55, 0x55), "the pillar");
        // Just in front of the camera: Inspect (the darkest level colour, over the others).
        let near = at(1.3, 5.0);
        assert!(near.2 > near.0 && near.2 > near.1, "{near:?}");
        // Behind the camera: outside its field of view, the bare floor.
        assert_eq!(at(0.5, 9.0), (0xf7, 0xf7, 0xf7));
        let bytes = png(&drawing).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
}
