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

/// The region covered by at least `k` of the polygons (each counter-clockwise, `k >= 1`): a
/// clockwise frame around everything lowers every winding number by `k - 1`, and the positive
/// fill rule keeps what is left above zero. One pass, whatever the number of polygons.
pub fn covered_at_least(polygons: &[Vec<Point>], k: usize) -> Region {
    let mut contours: Vec<Vec<[f64; 2]>> = polygons
        .iter()
        .filter(|p| p.len() >= 3)
        .map(|p| contour(p))
        .collect();
    if contours.len() < k || k == 0 {
        return Vec::new();
    }
    let Some(b) = crate::geometry::Bounds::of(polygons.iter().flatten().copied()) else {
        return Vec::new();
    };
    let pad = b.width().max(b.height()).max(1.0);
    let frame = vec![
        [b.min.x - pad, b.min.y - pad],
        [b.min.x - pad, b.max.y + pad],
        [b.max.x + pad, b.max.y + pad],
        [b.max.x + pad, b.min.y - pad],
    ];
    for _ in 1..k {
        contours.push(frame.clone());
    }
    FloatOverlay::with_subj(&contours).overlay(OverlayRule::Subject, FillRule::Positive)
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

/// `zone` intersected with the union of `polygons`, in one pass.
pub fn intersection_with_union(zone: &Region, polygons: &[Vec<Point>]) -> Region {
    let contours: Vec<Vec<[f64; 2]>> = polygons
        .iter()
        .filter(|p| p.len() >= 3)
        .map(|p| contour(p))
        .collect();
    if contours.is_empty() || zone.is_empty() {
        return Vec::new();
    }
    FloatOverlay::with_subj_and_clip(zone, &contours)
        .overlay(OverlayRule::Intersect, FillRule::NonZero)
}

/// `zone` less the union of `polygons`, in one pass.
pub fn difference_with_union(zone: &Region, polygons: &[Vec<Point>]) -> Region {
    let contours: Vec<Vec<[f64; 2]>> = polygons
        .iter()
        .filter(|p| p.len() >= 3)
        .map(|p| contour(p))
        .collect();
    if contours.is_empty() || zone.is_empty() {
        return zone.clone();
    }
    FloatOverlay::with_subj_and_clip(zone, &contours)
        .overlay(OverlayRule::Difference, FillRule::NonZero)
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
    // `+ 0.0` turns the empty sum's -0.0 into 0.0.
    0.0 + region
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
        .sum::<f64>()
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
        let c = rect(1.5, 0.0, 2.5, 3.0);
        assert!(
            (area(&covered_at_least(&[a.clone(), b.clone(), c.clone()], 1))
                - area(&union_of(&[a.clone(), b.clone(), c.clone()])))
            .abs()
                < 1e-6
        );
        // Seen twice: ab = [1,2]^2 (1), ac = [1.5,2]x[0,2] (1), bc = [1.5,2.5]x[1,3] (2); any
        // two of them meet exactly in abc = [1.5,2]x[1,2] (0.5): 4 - 3 x 0.5 + 0.5.
        let twice = area(&covered_at_least(&[a.clone(), b.clone(), c.clone()], 2));
        let by_hand = 4.0 - 1.5 + 0.5;
        assert!((twice - by_hand).abs() < 1e-6, "{twice} vs {by_hand}");
        let thrice = area(&covered_at_least(&[a, b, c], 3));
        assert!((thrice - 0.5).abs() < 1e-6, "{thrice}");
    }
}
