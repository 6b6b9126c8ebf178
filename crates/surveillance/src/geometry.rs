//! Plane geometry on floor plans: points in metres, polygons, segments and the few predicates
//! the rest of the crate needs (areas, containment, crossings).
//!
//! Everything here is plain `f64` arithmetic with no notion of cameras or levels; polygon
//! booleans are left to `i_overlay` (see [`crate::region`]).

use serde::{Deserialize, Serialize};

/// A point on the floor plan, in metres. Written `[x, y]` in plan files.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f64; 2]", into = "[f64; 2]")]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl From<[f64; 2]> for Point {
    fn from([x, y]: [f64; 2]) -> Self {
        Point { x, y }
    }
}

impl From<Point> for [f64; 2] {
    fn from(p: Point) -> Self {
        [p.x, p.y]
    }
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    pub fn minus(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }

    pub fn plus(self, o: Point) -> Point {
        Point::new(self.x + o.x, self.y + o.y)
    }

    pub fn scale(self, k: f64) -> Point {
        Point::new(self.x * k, self.y * k)
    }

    pub fn dot(self, o: Point) -> f64 {
        self.x * o.x + self.y * o.y
    }

    /// z-component of the cross product: positive when `o` is counter-clockwise of `self`.
    pub fn cross(self, o: Point) -> f64 {
        self.x * o.y - self.y * o.x
    }

    pub fn norm(self) -> f64 {
        self.x.hypot(self.y)
    }

    pub fn distance(self, o: Point) -> f64 {
        self.minus(o).norm()
    }

    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }

    /// Unit vector at `angle` radians from +x, counter-clockwise.
    pub fn from_angle(angle: f64) -> Point {
        Point::new(angle.cos(), angle.sin())
    }
}

/// A straight segment between two points (a wall, or one edge of a polygon).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub a: Point,
    pub b: Point,
}

impl Segment {
    pub const fn new(a: Point, b: Point) -> Self {
        Segment { a, b }
    }

    pub fn length(&self) -> f64 {
        self.a.distance(self.b)
    }

    /// Distance from `p` to the closest point of the segment.
    pub fn distance_to(&self, p: Point) -> f64 {
        let d = self.b.minus(self.a);
        let len2 = d.dot(d);
        if len2 == 0.0 {
            return p.distance(self.a);
        }
        let t = (p.minus(self.a).dot(d) / len2).clamp(0.0, 1.0);
        p.distance(self.a.plus(d.scale(t)))
    }
}

/// Orientation of `c` relative to the directed line `a -> b`: > 0 left, < 0 right, 0 on it.
pub fn orient(a: Point, b: Point, c: Point) -> f64 {
    b.minus(a).cross(c.minus(a))
}

/// The parameters `(t, u)` at which segments `p + t r` and `q + u s` meet, when they are not
/// parallel. Both lie in [0, 1] when the segments intersect.
pub fn segment_params(p: &Segment, q: &Segment) -> Option<(f64, f64)> {
    let r = p.b.minus(p.a);
    let s = q.b.minus(q.a);
    let denom = r.cross(s);
    if denom == 0.0 {
        return None;
    }
    let qp = q.a.minus(p.a);
    Some((qp.cross(s) / denom, qp.cross(r) / denom))
}

/// Whether two segments cross or touch anywhere (collinear overlaps included).
pub fn segments_intersect(p: &Segment, q: &Segment) -> bool {
    let d1 = orient(q.a, q.b, p.a);
    let d2 = orient(q.a, q.b, p.b);
    let d3 = orient(p.a, p.b, q.a);
    let d4 = orient(p.a, p.b, q.b);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    let on = |a: Point, b: Point, c: Point, d: f64| {
        d == 0.0
            && c.x >= a.x.min(b.x)
            && c.x <= a.x.max(b.x)
            && c.y >= a.y.min(b.y)
            && c.y <= a.y.max(b.y)
    };
    on(q.a, q.b, p.a, d1) || on(q.a, q.b, p.b, d2) || on(p.a, p.b, q.a, d3) || on(p.a, p.b, q.b, d4)
}

/// Signed area of a closed polygon (shoelace): positive when counter-clockwise.
pub fn signed_area(points: &[Point]) -> f64 {
    let n = points.len();
    if n < 3 {
        return 0.0;
    }
    let mut twice = 0.0;
    for i in 0..n {
        twice += points[i].cross(points[(i + 1) % n]);
    }
    twice / 2.0
}

/// Where a point lies relative to a polygon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Containment {
    Inside,
    OnEdge,
    Outside,
}

/// Point-in-polygon by ray crossing, with points within `tolerance` of an edge reported as
/// [`Containment::OnEdge`].
pub fn locate(points: &[Point], p: Point, tolerance: f64) -> Containment {
    let n = points.len();
    let mut inside = false;
    for i in 0..n {
        let a = points[i];
        let b = points[(i + 1) % n];
        if Segment::new(a, b).distance_to(p) <= tolerance {
            return Containment::OnEdge;
        }
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    if inside {
        Containment::Inside
    } else {
        Containment::Outside
    }
}

/// The polygon's edges, closing back to the first vertex.
pub fn edges(points: &[Point]) -> impl Iterator<Item = Segment> + '_ {
    let n = points.len();
    (0..n).map(move |i| Segment::new(points[i], points[(i + 1) % n]))
}

/// The first pair of edges `(i, j)` that meet although they are not neighbours, or that
/// overlap along a line although they are: a polygon with such a pair is not simple.
/// Quadratic, which is fine for the hand-drawn polygons of a floor plan.
pub fn first_self_intersection(points: &[Point]) -> Option<(usize, usize)> {
    let n = points.len();
    let es: Vec<Segment> = edges(points).collect();
    for i in 0..n {
        for j in (i + 1)..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                // Neighbours share a vertex; they are wrong only if they fold back onto each other.
                let (e, f) = (&es[i], &es[j]);
                let shared = if j == i + 1 { e.b } else { e.a };
                let u = if j == i + 1 { e.a } else { e.b }.minus(shared);
                let v = if j == i + 1 { f.b } else { f.a }.minus(shared);
                if u.cross(v) == 0.0 && u.dot(v) > 0.0 {
                    return Some((i, j));
                }
                continue;
            }
            if segments_intersect(&es[i], &es[j]) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Axis-aligned bounding box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub min: Point,
    pub max: Point,
}

impl Bounds {
    pub fn of(points: impl IntoIterator<Item = Point>) -> Option<Bounds> {
        let mut it = points.into_iter();
        let first = it.next()?;
        let mut b = Bounds {
            min: first,
            max: first,
        };
        for p in it {
            b.min.x = b.min.x.min(p.x);
            b.min.y = b.min.y.min(p.y);
            b.max.x = b.max.x.max(p.x);
            b.max.y = b.max.y.max(p.y);
        }
        Some(b)
    }

    pub fn width(&self) -> f64 {
        self.max.x - self.min.x
    }

    pub fn height(&self) -> f64 {
        self.max.y - self.min.y
    }

    pub fn overlaps(&self, o: &Bounds) -> bool {
        self.min.x <= o.max.x
            && o.min.x <= self.max.x
            && self.min.y <= o.max.y
            && o.min.y <= self.max.y
    }

    pub fn contains(&self, o: &Bounds) -> bool {
        self.min.x <= o.min.x
            && self.min.y <= o.min.y
            && self.max.x >= o.max.x
            && self.max.y >= o.max.y
    }
}

/// The part of a polygon inside an axis-aligned box (Sutherland-Hodgman). Exact; for a
/// non-convex polygon the result may run along the box's sides in zero-width bridges, which
/// carry no area.
pub fn clip_polygon_to_box(poly: &[Point], b: &Bounds) -> Vec<Point> {
    let mut out: Vec<Point> = poly.to_vec();
    // The box's four sides in turn: left, right, bottom, top.
    for side in 0..4 {
        let inside = |p: Point| match side {
            0 => p.x >= b.min.x,
            1 => p.x <= b.max.x,
            2 => p.y >= b.min.y,
            _ => p.y <= b.max.y,
        };
        let cut = |p: Point, q: Point| {
            if side < 2 {
                let x = if side == 0 { b.min.x } else { b.max.x };
                Point::new(x, p.y + (x - p.x) / (q.x - p.x) * (q.y - p.y))
            } else {
                let y = if side == 2 { b.min.y } else { b.max.y };
                Point::new(p.x + (y - p.y) / (q.y - p.y) * (q.x - p.x), y)
            }
        };
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        let n = input.len();
        for i in 0..n {
            let (p, q) = (input[(i + n - 1) % n], input[i]);
            match (inside(p), inside(q)) {
                (true, true) => out.push(q),
                (true, false) => out.push(cut(p, q)),
                (false, true) => {
                    out.push(cut(p, q));
                    out.push(q);
                }
                (false, false) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<Point> {
        vec![
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(2.0, 2.0),
            Point::new(0.0, 2.0),
        ]
    }

    #[test]
    fn shoelace_area_of_a_square_and_its_orientation() {
        let mut sq = square();
        assert_eq!(signed_area(&sq), 4.0);
        sq.reverse();
        assert_eq!(signed_area(&sq), -4.0);
    }

    #[test]
    fn containment_of_points() {
        let sq = square();
        assert_eq!(locate(&sq, Point::new(1.0, 1.0), 1e-9), Containment::Inside);
        assert_eq!(locate(&sq, Point::new(2.0, 1.0), 1e-9), Containment::OnEdge);
        assert_eq!(
            locate(&sq, Point::new(3.0, 1.0), 1e-9),
            Containment::Outside
        );
    }

    #[test]
    fn a_bow_tie_is_self_intersecting_and_a_square_is_not() {
        assert_eq!(first_self_intersection(&square()), None);
        let bow = vec![
            Point::new(0.0, 0.0),
            Point::new(2.0, 2.0),
            Point::new(2.0, 0.0),
            Point::new(0.0, 2.0),
        ];
        assert_eq!(first_self_intersection(&bow), Some((0, 2)));
        let spike = vec![
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(1.0, 0.0),
            Point::new(1.0, 1.0),
        ];
        assert!(first_self_intersection(&spike).is_some());
    }

    #[test]
    fn clipping_to_a_box_keeps_the_inside_area() {
        // An L-shaped polygon (area 3) clipped to [0.5, 2] x [0, 1.5]: by hand 1.5 + 0.25.
        let l = vec![
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(2.0, 1.0),
            Point::new(1.0, 1.0),
            Point::new(1.0, 2.0),
            Point::new(0.0, 2.0),
        ];
        let b = Bounds {
            min: Point::new(0.5, 0.0),
            max: Point::new(2.0, 1.5),
        };
        let c = clip_polygon_to_box(&l, &b);
        assert!(
            (signed_area(&c) - 1.75).abs() < 1e-12,
            "{}",
            signed_area(&c)
        );
        let away = Bounds {
            min: Point::new(5.0, 5.0),
            max: Point::new(6.0, 6.0),
        };
        assert!(clip_polygon_to_box(&l, &away).is_empty());
    }

    #[test]
    fn crossing_and_touching_segments() {
        let s = Segment::new(Point::new(0.0, 0.0), Point::new(2.0, 2.0));
        let t = Segment::new(Point::new(0.0, 2.0), Point::new(2.0, 0.0));
        let u = Segment::new(Point::new(3.0, 0.0), Point::new(3.0, 5.0));
        let touching = Segment::new(Point::new(1.0, 1.0), Point::new(5.0, 0.0));
        assert!(segments_intersect(&s, &t));
        assert!(!segments_intersect(&s, &u));
        assert!(segments_intersect(&s, &touching));
        let (a, b) = segment_params(&s, &t).unwrap();
        assert!((a - 0.5).abs() < 1e-12 && (b - 0.5).abs() < 1e-12);
    }
}
