//! Regions of the floor as sets of polygons with holes, and the boolean operations between
//! them (union, intersection, difference), delegated to `i_overlay`.
//!
//! This is where exactness stops: the inputs are polygons (circular arcs already replaced by
//! chords, see [`crate::visibility::VisibilityFan::polygon`]) and `i_overlay` snaps them to an
//! integer grid spanning the inputs' bounding box (about 2^-30 of its size).

use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::float::overlay::FloatOverlay;

use crate::geometry::Point;
use crate::plan::FloorPlan;

/// A region: shapes, each an outer contour (counter-clockwise) followed by its holes.
pub type Region = Vec<Vec<Vec<[f64; 2]>>>;

pub fn contour(points: &[Point]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [p.x, p.y]).collect()
}

/// The region covered by any of the polygons (each counter-clockwise).
pub fn union_of(polygons: &[Vec<Point>]) -> Region {
    let contours: Vec<Vec<[f64; 2]>> = polygons
        .iter()
        .filter(|p| p.len() >= 3)
        .map(|p| contour(p))
        .collect();
    if contours.is_empty() {
        return Vec::new();
    }
    FloatOverlay::with_subj(&contours).overlay(OverlayRule::Subject, FillRule::NonZero)
}

fn binary(a: &Region, b: &Region, rule: OverlayRule) -> Region {
    if a.is_empty() {
        return match rule {
            OverlayRule::Union => b.clone(),
            _ => Vec::new(),
        };
    }
    if b.is_empty() {
        return match rule {
            OverlayRule::Intersect => Vec::new(),
            _ => a.clone(),
        };
    }
    FloatOverlay::with_subj_and_clip(a, b).overlay(rule, FillRule::NonZero)
}

pub fn intersection(a: &Region, b: &Region) -> Region {
    binary(a, b, OverlayRule::Intersect)
}

pub fn difference(a: &Region, b: &Region) -> Region {
    binary(a, b, OverlayRule::Difference)
}

pub fn union(a: &Region, b: &Region) -> Region {
    binary(a, b, OverlayRule::Union)
}

fn contour_area(c: &[[f64; 2]]) -> f64 {
    let n = c.len();
    let mut twice = 0.0;
    for i in 0..n {
        let (p, q) = (c[i], c[(i + 1) % n]);
        twice += p[0] * q[1] - p[1] * q[0];
    }
    twice / 2.0
}

/// Area of a region: outer contours count positive, holes negative.
pub fn area(region: &Region) -> f64 {
    region
        .iter()
        .map(|shape| {
            shape
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        contour_area(c).abs()
                    } else {
                        -contour_area(c).abs()
                    }
                })
                .sum::<f64>()
        })
        .sum()
}

/// The floor: inside the boundary, outside every obstacle.
pub fn floor(plan: &FloorPlan) -> Region {
    let boundary: Region = vec![vec![contour(&plan.boundary)]];
    if plan.obstacles.is_empty() {
        return boundary;
    }
    difference(&boundary, &union_of(&plan.obstacles))
}

/// A single polygon as a region.
pub fn polygon(points: &[Point]) -> Region {
    if points.len() < 3 {
        return Vec::new();
    }
    vec![vec![contour(points)]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<Point> {
        vec![
            Point::new(x0, y0),
            Point::new(x1, y0),
            Point::new(x1, y1),
            Point::new(x0, y1),
        ]
    }

    #[test]
    fn booleans_on_overlapping_squares() {
        let a = rect(0.0, 0.0, 2.0, 2.0);
        let b = rect(1.0, 1.0, 3.0, 3.0);
        assert!((area(&union_of(&[a.clone(), b.clone()])) - 7.0).abs() < 1e-6);
        assert!((area(&intersection(&polygon(&a), &polygon(&b))) - 1.0).abs() < 1e-6);
        assert!((area(&difference(&polygon(&a), &polygon(&b))) - 3.0).abs() < 1e-6);
        let holed = difference(
            &polygon(&rect(0.0, 0.0, 4.0, 4.0)),
            &polygon(&rect(1.0, 1.0, 2.0, 2.0)),
        );
        assert!((area(&holed) - 15.0).abs() < 1e-6);
        assert_eq!(union_of(&[]), Region::new());
    }
}
