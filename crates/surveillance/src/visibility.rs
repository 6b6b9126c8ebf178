//! Exact visibility: the part of the floor in line of sight of a point, as a star-shaped fan of
//! triangles around it, and the exact area of that fan within a field-of-view wedge and a
//! distance disc.
//!
//! The fan is computed by an angular sweep over the end points of the occluding segments
//! (boundary edges, obstacle edges, walls), after splitting the segments where they cross so
//! that the nearest segment cannot change between two consecutive end-point angles. Only the
//! segments inside a square around the eye are swept; the square doubles until no ray reaches
//! its sides, so a camera in a small room of a large site sweeps only its neighbourhood.
//!
//! Areas against a disc are closed-form (triangle and circular-sector pieces), never a
//! polygonised circle. Unions across cameras are left to [`crate::region`].

use std::f64::consts::TAU;

use crate::geometry::{Bounds, Point, Segment, segment_params};

/// The opaque segments of a plan, split where they cross and indexed on a uniform grid.
#[derive(Clone, Debug)]
pub struct Occluders {
    segments: Vec<Segment>,
    grid: Grid,
    bounds: Bounds,
}

#[derive(Clone, Debug)]
struct Grid {
    origin: Point,
    cell: f64,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<u32>>,
}

impl Grid {
    fn new(bounds: Bounds, segments: &[Segment]) -> Grid {
        let w = bounds.width().max(1e-9);
        let h = bounds.height().max(1e-9);
        // About two segments per cell on average, at most 2^20 cells.
        let target = (segments.len().max(1) as f64 / 2.0).clamp(1.0, (1u64 << 20) as f64);
        let cell = (w * h / target).sqrt().max(w.max(h) / 1024.0).max(1e-6);
        let cols = ((w / cell).ceil() as usize).max(1);
        let rows = ((h / cell).ceil() as usize).max(1);
        let mut grid = Grid {
            origin: bounds.min,
            cell,
            cols,
            rows,
            cells: vec![Vec::new(); cols * rows],
        };
        for (i, s) in segments.iter().enumerate() {
            let (c0, r0, c1, r1) = grid.range(&Bounds::of([s.a, s.b]).unwrap_or(bounds));
            for r in r0..=r1 {
                for c in c0..=c1 {
                    grid.cells[r * grid.cols + c].push(i as u32);
                }
            }
        }
        grid
    }

    fn range(&self, b: &Bounds) -> (usize, usize, usize, usize) {
        let clampc = |v: f64| {
            ((v - self.origin.x) / self.cell)
                .floor()
                .clamp(0.0, (self.cols - 1) as f64) as usize
        };
        let clampr = |v: f64| {
            ((v - self.origin.y) / self.cell)
                .floor()
                .clamp(0.0, (self.rows - 1) as f64) as usize
        };
        (
            clampc(b.min.x),
            clampr(b.min.y),
            clampc(b.max.x),
            clampr(b.max.y),
        )
    }
}

/// Split every segment at the points where others cross or touch its interior, so that the
/// resulting pieces meet only at end points.
fn split_at_crossings(segments: &[Segment], bounds: Bounds) -> Vec<Segment> {
    let grid = Grid::new(bounds, segments);
    let mut cuts: Vec<Vec<f64>> = vec![Vec::new(); segments.len()];
    let mut seen = vec![u32::MAX; segments.len()];
    for (i, s) in segments.iter().enumerate() {
        let Some(b) = Bounds::of([s.a, s.b]) else {
            continue;
        };
        let (c0, r0, c1, r1) = grid.range(&b);
        for r in r0..=r1 {
            for c in c0..=c1 {
                for &j in &grid.cells[r * grid.cols + c] {
                    let j = j as usize;
                    if j <= i || seen[j] == i as u32 {
                        continue;
                    }
                    seen[j] = i as u32;
                    if let Some((t, u)) = segment_params(s, &segments[j])
                        && (0.0..=1.0).contains(&t)
                        && (0.0..=1.0).contains(&u)
                    {
                        if t > 0.0 && t < 1.0 {
                            cuts[i].push(t);
                        }
                        if u > 0.0 && u < 1.0 {
                            cuts[j].push(u);
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::with_capacity(segments.len());
    for (s, mut ts) in segments.iter().zip(cuts) {
        if ts.is_empty() {
            out.push(*s);
            continue;
        }
        ts.sort_by(f64::total_cmp);
        let d = s.b.minus(s.a);
        let mut prev = s.a;
        for t in ts {
            let p = s.a.plus(d.scale(t));
            if p != prev {
                out.push(Segment::new(prev, p));
                prev = p;
            }
        }
        if prev != s.b {
            out.push(Segment::new(prev, s.b));
        }
    }
    out
}

/// One angular piece of a fan: the triangle between the eye and `p0`, `p1` (relative to the
/// eye), which lie on the segment blocking the view between angles `a0` and `a1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FanPiece {
    pub a0: f64,
    pub a1: f64,
    pub p0: Point,
    pub p1: Point,
}

impl FanPiece {
    /// The point of this piece's far edge in direction `angle` (within `a0..=a1`), relative
    /// to the eye.
    fn at(&self, angle: f64) -> Point {
        if angle == self.a0 {
            return self.p0;
        }
        if angle == self.a1 {
            return self.p1;
        }
        let u = Point::from_angle(angle);
        let d = self.p1.minus(self.p0);
        let den = u.cross(d);
        if den == 0.0 {
            return self.p0;
        }
        u.scale(self.p0.cross(d) / den)
    }
}

/// The region in line of sight of `eye`, as pieces covering the angles `start .. start + 2 pi`
/// counter-clockwise without gaps.
#[derive(Clone, Debug, PartialEq)]
pub struct VisibilityFan {
    pub eye: Point,
    pub pieces: Vec<FanPiece>,
}

impl Occluders {
    /// Occluders of a plan: its boundary, obstacles and walls (openings do not occlude).
    pub fn of_plan(plan: &crate::plan::FloorPlan) -> Occluders {
        let mut segs: Vec<Segment> = crate::geometry::edges(&plan.boundary).collect();
        for o in &plan.obstacles {
            segs.extend(crate::geometry::edges(o));
        }
        segs.extend(plan.walls.iter().copied());
        Occluders::new(segs)
    }

    pub fn new(segments: Vec<Segment>) -> Occluders {
        let bounds = Bounds::of(segments.iter().flat_map(|s| [s.a, s.b])).unwrap_or(Bounds {
            min: Point::new(0.0, 0.0),
            max: Point::new(1.0, 1.0),
        });
        let segments = split_at_crossings(&segments, bounds);
        let grid = Grid::new(bounds, &segments);
        Occluders {
            segments,
            grid,
            bounds,
        }
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether `p` lies on (within `tol` of) an occluding segment.
    pub fn touches(&self, p: Point, tol: f64) -> bool {
        let b = Bounds {
            min: Point::new(p.x - tol, p.y - tol),
            max: Point::new(p.x + tol, p.y + tol),
        };
        let (c0, r0, c1, r1) = self.grid.range(&b);
        (r0..=r1).any(|r| {
            (c0..=c1).any(|c| {
                self.grid.cells[r * self.grid.cols + c]
                    .iter()
                    .any(|&i| self.segments[i as usize].distance_to(p) <= tol)
            })
        })
    }

    /// The visibility fan of `eye`. The eye should not lie on a segment (see
    /// [`Occluders::touches`]): a segment through the eye has no angular extent and does not
    /// block.
    pub fn fan(&self, eye: Point) -> VisibilityFan {
        let span = self.bounds.width().max(self.bounds.height()).max(1e-6);
        let mut half = (4.0 * self.grid.cell).min(span * 2.0).max(1e-6);
        // Directions not yet settled (rays that reached the limiting square), as angle
        // intervals starting in [0, 2 pi). Only segments overlapping them matter next round.
        let mut open: Vec<(f64, f64)> = vec![(0.0, TAU)];
        let mut settled: Vec<FanPiece> = Vec::new();
        let mut seen = vec![false; self.segments.len()];
        let mut pool: Vec<usize> = Vec::new();
        let mut local: Vec<Segment> = Vec::new();
        let mut prev_range: Option<(usize, usize, usize, usize)> = None;
        loop {
            let square = Bounds {
                min: Point::new(eye.x - half, eye.y - half),
                max: Point::new(eye.x + half, eye.y + half),
            };
            let covers_all = square.contains(&self.bounds);
            // Segments met for the first time: those in cells outside the previous square.
            let (c0, r0, c1, r1) = self.grid.range(&square);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    if let Some((pc0, pr0, pc1, pr1)) = prev_range
                        && (pc0..=pc1).contains(&c)
                        && (pr0..=pr1).contains(&r)
                    {
                        continue;
                    }
                    for &i in &self.grid.cells[r * self.grid.cols + c] {
                        let i = i as usize;
                        if !seen[i] {
                            seen[i] = true;
                            pool.push(i);
                        }
                    }
                }
            }
            prev_range = Some((c0, r0, c1, r1));
            let first_round = open.len() == 1 && open[0] == (0.0, TAU);
            if !first_round {
                let windows = Windows::new(&open);
                pool.retain(|&i| windows.overlap(&self.segments[i], eye));
            }
            local.clear();
            local.extend(
                pool.iter()
                    .filter_map(|&i| clip_to(&self.segments[i], &square)),
            );
            let real = local.len();
            let (lo, hi) = (square.min, square.max);
            local.extend([
                Segment::new(Point::new(lo.x, lo.y), Point::new(hi.x, lo.y)),
                Segment::new(Point::new(hi.x, lo.y), Point::new(hi.x, hi.y)),
                Segment::new(Point::new(hi.x, hi.y), Point::new(lo.x, hi.y)),
                Segment::new(Point::new(lo.x, hi.y), Point::new(lo.x, lo.y)),
            ]);
            let pieces = sweep(eye, &local, real);
            let mut still_open: Vec<(f64, f64)> = Vec::new();
            for (piece, limited) in pieces {
                for part in clip_to_windows(&piece, &open) {
                    if limited && !covers_all {
                        match still_open.last_mut() {
                            Some(last) if last.1 == part.a0 => last.1 = part.a1,
                            _ => still_open.push((part.a0, part.a1)),
                        }
                    } else {
                        settled.push(part);
                    }
                }
            }
            if still_open.is_empty() {
                break;
            }
            open = still_open;
            half *= 2.0;
        }
        settled.sort_by(|a, b| a.a0.total_cmp(&b.a0));
        VisibilityFan {
            eye,
            pieces: settled,
        }
    }
}

impl Occluders {
    /// The fan from one sweep over every segment: slower than [`Occluders::fan`] on large
    /// sites, and the reference it is tested against.
    pub fn fan_whole(&self, eye: Point) -> VisibilityFan {
        let mut segs = self.segments.clone();
        let real = segs.len();
        let pad = self.bounds.width().max(self.bounds.height()).max(1.0);
        let (lo, hi) = (
            Point::new(
                self.bounds.min.x.min(eye.x) - pad,
                self.bounds.min.y.min(eye.y) - pad,
            ),
            Point::new(
                self.bounds.max.x.max(eye.x) + pad,
                self.bounds.max.y.max(eye.y) + pad,
            ),
        );
        segs.extend([
            Segment::new(Point::new(lo.x, lo.y), Point::new(hi.x, lo.y)),
            Segment::new(Point::new(hi.x, lo.y), Point::new(hi.x, hi.y)),
            Segment::new(Point::new(hi.x, hi.y), Point::new(lo.x, hi.y)),
            Segment::new(Point::new(lo.x, hi.y), Point::new(lo.x, lo.y)),
        ]);
        let mut pieces: Vec<FanPiece> = Vec::new();
        for (p, _) in sweep(eye, &segs, real) {
            pieces.extend(clip_to_windows(&p, &[(0.0, TAU)]));
        }
        pieces.sort_by(|a, b| a.a0.total_cmp(&b.a0));
        VisibilityFan { eye, pieces }
    }
}

/// An open window of directions, split into arcs narrower than pi, with their bounding unit
/// vectors, so that overlap tests need cross products only.
struct Windows {
    arcs: Vec<(Point, Point)>,
}

impl Windows {
    fn new(open: &[(f64, f64)]) -> Windows {
        let mut arcs = Vec::new();
        for &(s, e) in open {
            let parts = ((e - s) / 3.0).ceil().max(1.0) as usize;
            for k in 0..parts {
                let a = s + (e - s) * k as f64 / parts as f64;
                let b = s + (e - s) * (k + 1) as f64 / parts as f64;
                arcs.push((Point::from_angle(a), Point::from_angle(b)));
            }
        }
        Windows { arcs }
    }

    /// Whether the segment, seen from `eye`, covers a direction of some window. Two arcs
    /// narrower than pi meet exactly when one contains the start of the other.
    fn overlap(&self, s: &Segment, eye: Point) -> bool {
        let (mut a, mut b) = (s.a.minus(eye), s.b.minus(eye));
        let c = a.cross(b);
        if c == 0.0 {
            return false;
        }
        if c < 0.0 {
            std::mem::swap(&mut a, &mut b);
        }
        let within = |v: Point, lo: Point, hi: Point| lo.cross(v) >= 0.0 && v.cross(hi) >= 0.0;
        self.arcs
            .iter()
            .any(|&(ws, we)| within(a, ws, we) || within(ws, a, b))
    }
}

/// The parts of a piece within the open windows, with start angles brought into [0, 2 pi).
fn clip_to_windows(p: &FanPiece, open: &[(f64, f64)]) -> Vec<FanPiece> {
    let mut out = Vec::new();
    for &(ws, we) in open {
        for k in [-TAU, 0.0, TAU] {
            let (a0, a1) = (p.a0.max(ws + k), p.a1.min(we + k));
            if a1 > a0 {
                let mut q = FanPiece {
                    a0,
                    a1,
                    p0: p.at(a0),
                    p1: p.at(a1),
                };
                if q.a0 >= TAU {
                    q.a0 -= TAU;
                    q.a1 -= TAU;
                } else if q.a0 < 0.0 {
                    q.a0 += TAU;
                    q.a1 += TAU;
                }
                out.push(q);
            }
        }
    }
    out
}

/// Clip a segment to a closed axis-aligned box (Liang-Barsky).
fn clip_to(s: &Segment, b: &Bounds) -> Option<Segment> {
    let d = s.b.minus(s.a);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-d.x, s.a.x - b.min.x),
        (d.x, b.max.x - s.a.x),
        (-d.y, s.a.y - b.min.y),
        (d.y, b.max.y - s.a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let a = if t0 == 0.0 {
        s.a
    } else {
        s.a.plus(d.scale(t0))
    };
    let e = if t1 == 1.0 {
        s.b
    } else {
        s.a.plus(d.scale(t1))
    };
    if a == e {
        None
    } else {
        Some(Segment::new(a, e))
    }
}

fn angle_of(p: Point) -> f64 {
    let a = p.y.atan2(p.x);
    if a < 0.0 { a + TAU } else { a }
}

/// The angular sweep. Segments at index `real..` are the limiting square; each piece comes
/// with whether it ended on it.
fn sweep(eye: Point, segments: &[Segment], real: usize) -> Vec<(FanPiece, bool)> {
    // Each usable segment, relative to the eye, oriented counter-clockwise: (a, b, start, end).
    let mut segs: Vec<(Point, Point, f64, f64, usize)> = Vec::with_capacity(segments.len());
    for (i, s) in segments.iter().enumerate() {
        let (mut a, mut b) = (s.a.minus(eye), s.b.minus(eye));
        let c = a.cross(b);
        if c == 0.0 || c.abs() <= 1e-14 * a.norm() * b.norm() {
            continue; // collinear with the eye: no angular extent
        }
        if c < 0.0 {
            std::mem::swap(&mut a, &mut b);
        }
        let (sa, sb) = (angle_of(a), angle_of(b));
        if sa == sb {
            continue;
        }
        segs.push((a, b, sa, sb, i));
    }
    let mut angles: Vec<f64> = segs.iter().flat_map(|s| [s.2, s.3]).collect();
    angles.sort_by(f64::total_cmp);
    angles.dedup();
    let n = angles.len();
    if n == 0 {
        return Vec::new();
    }
    let index = |a: f64| angles.partition_point(|&x| x < a);
    let mut starts: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut ends: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut active: Vec<u32> = Vec::new();
    let mut slot: Vec<usize> = vec![usize::MAX; segs.len()];
    for (k, s) in segs.iter().enumerate() {
        let (si, ei) = (index(s.2), index(s.3));
        starts[si].push(k as u32);
        ends[ei].push(k as u32);
        if si > ei {
            slot[k] = active.len();
            active.push(k as u32);
        }
    }
    let mut pieces: Vec<(FanPiece, bool)> = Vec::with_capacity(n);
    let mut last_seg = usize::MAX;
    for i in 0..n {
        for &k in &ends[i] {
            let k = k as usize;
            let at = slot[k];
            if at != usize::MAX {
                active.swap_remove(at);
                if at < active.len() {
                    slot[active[at] as usize] = at;
                }
                slot[k] = usize::MAX;
            }
        }
        for &k in &starts[i] {
            let k = k as usize;
            if slot[k] == usize::MAX {
                slot[k] = active.len();
                active.push(k as u32);
            }
        }
        let a0 = angles[i];
        let a1 = if i + 1 < n {
            angles[i + 1]
        } else {
            angles[0] + TAU
        };
        let u = Point::from_angle(0.5 * (a0 + a1));
        let mut best = f64::INFINITY;
        let mut best_k = usize::MAX;
        for &k in &active {
            let (a, b, ..) = segs[k as usize];
            let d = b.minus(a);
            let den = u.cross(d);
            if den == 0.0 {
                continue;
            }
            let t = a.cross(d) / den;
            if t > 0.0 && t < best {
                best = t;
                best_k = k as usize;
            }
        }
        if best_k == usize::MAX {
            // Nothing blocks (cannot happen inside the limiting square); leave no gap.
            continue;
        }
        let (a, b, _, _, idx) = segs[best_k];
        let d = b.minus(a);
        let hit = |ang: f64| {
            let v = Point::from_angle(ang);
            let den = v.cross(d);
            if den == 0.0 {
                a
            } else {
                v.scale(a.cross(d) / den)
            }
        };
        if best_k == last_seg
            && let Some((prev, _)) = pieces.last_mut()
            && prev.a1 == a0
        {
            prev.a1 = a1;
            prev.p1 = hit(a1);
            continue;
        }
        pieces.push((
            FanPiece {
                a0,
                a1,
                p0: hit(a0),
                p1: hit(a1),
            },
            idx >= real,
        ));
        last_seg = best_k;
    }
    pieces
}

/// Area of the triangle (origin, `a`, `b`) inside the disc of radius `r` around the origin,
/// signed like the triangle (positive when `b` is counter-clockwise of `a`). Exact: the
/// triangle's far edge is cut where it crosses the circle, and each piece is either a triangle
/// (inside) or a circular sector (outside).
pub fn triangle_in_disc(a: Point, b: Point, r: f64) -> f64 {
    if r.is_infinite() {
        return a.cross(b) / 2.0;
    }
    if r <= 0.0 {
        return 0.0;
    }
    let d = b.minus(a);
    let (qa, qb, qc) = (d.dot(d), 2.0 * a.dot(d), a.dot(a) - r * r);
    let mut cuts: [f64; 4] = [0.0, 1.0, 1.0, 1.0];
    let mut m = 1;
    if qa > 0.0 {
        let disc = qb * qb - 4.0 * qa * qc;
        if disc > 0.0 {
            let s = disc.sqrt();
            for t in [(-qb - s) / (2.0 * qa), (-qb + s) / (2.0 * qa)] {
                if t > 0.0 && t < 1.0 {
                    cuts[m] = t;
                    m += 1;
                }
            }
        }
    }
    cuts[m] = 1.0;
    let mut total = 0.0;
    for w in cuts[..=m].windows(2) {
        let (p, q) = (a.plus(d.scale(w[0])), a.plus(d.scale(w[1])));
        let mid = a.plus(d.scale(0.5 * (w[0] + w[1])));
        if mid.dot(mid) <= r * r {
            total += p.cross(q) / 2.0;
        } else {
            total += r * r / 2.0 * p.cross(q).atan2(p.dot(q));
        }
    }
    total
}

/// A field-of-view wedge: directions from `from` counter-clockwise through `width` radians
/// (a full turn when `width >= 2 pi`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wedge {
    pub from: f64,
    pub width: f64,
}

impl Wedge {
    pub const FULL: Wedge = Wedge {
        from: 0.0,
        width: TAU,
    };

    /// The wedge of a camera panned to `pan_deg` with a horizontal field of view `hfov_deg`.
    pub fn of_camera(pan_deg: f64, hfov_deg: f64) -> Wedge {
        if hfov_deg >= 360.0 {
            return Wedge::FULL;
        }
        Wedge {
            from: (pan_deg - hfov_deg / 2.0).to_radians(),
            width: hfov_deg.to_radians(),
        }
    }

    /// The wedge as angle intervals within `[base, base + 2 pi)`.
    fn intervals(&self, base: f64) -> Vec<(f64, f64)> {
        if self.width >= TAU {
            return vec![(base, base + TAU)];
        }
        let s = base + (self.from - base).rem_euclid(TAU);
        let e = s + self.width;
        if e <= base + TAU {
            vec![(s, e)]
        } else {
            // Start-angle side first, so that the pieces run through the wedge in order.
            vec![(s, base + TAU), (base, e - TAU)]
        }
    }

    /// Whether a direction lies in the wedge.
    pub fn contains(&self, angle: f64) -> bool {
        self.width >= TAU || (angle - self.from).rem_euclid(TAU) <= self.width
    }
}

impl VisibilityFan {
    /// The pieces clipped to a wedge: each `(a0, a1, p0, p1)` with points relative to the eye.
    pub fn clipped(&self, wedge: Wedge) -> Vec<FanPiece> {
        let Some(first) = self.pieces.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (s, e) in wedge.intervals(first.a0) {
            for p in &self.pieces {
                let (a0, a1) = (p.a0.max(s), p.a1.min(e));
                if a1 > a0 {
                    out.push(FanPiece {
                        a0,
                        a1,
                        p0: p.at(a0),
                        p1: p.at(a1),
                    });
                }
            }
        }
        out
    }

    /// Exact area seen within a wedge and a distance `radius` (infinite for line of sight
    /// only).
    pub fn area(&self, wedge: Wedge, radius: f64) -> f64 {
        self.clipped(wedge)
            .iter()
            .map(|p| triangle_in_disc(p.p0, p.p1, radius))
            .sum()
    }

    /// Whether the point `q` is in line of sight, within the wedge and within `radius`.
    pub fn sees(&self, q: Point, wedge: Wedge, radius: f64) -> bool {
        let v = q.minus(self.eye);
        let dist = v.norm();
        if dist > radius {
            return false;
        }
        if dist == 0.0 {
            return true;
        }
        let ang = angle_of(v);
        if !wedge.contains(ang) {
            return false;
        }
        let Some(first) = self.pieces.first() else {
            return false;
        };
        let a = first.a0 + (ang - first.a0).rem_euclid(TAU);
        let i = self.pieces.partition_point(|p| p.a1 < a);
        let Some(p) = self.pieces.get(i) else {
            return false;
        };
        // Inside the triangle (eye, p0, p1): on the eye's side of the far edge.
        p.p1.minus(p.p0).cross(v.minus(p.p0)) >= 0.0
    }

    /// Exact area seen within a wedge between the distances `near` and `far` (the annulus
    /// piece left when the blind spot under a tilted camera is taken out): the fan is
    /// star-shaped around the eye, so this is the area within `far` less the area within
    /// `near`, both closed-form.
    pub fn area_band(&self, wedge: Wedge, near: f64, far: f64) -> f64 {
        if far <= near {
            return 0.0;
        }
        let outer = self.area(wedge, far);
        if near > 0.0 {
            (outer - self.area(wedge, near)).max(0.0)
        } else {
            outer
        }
    }

    /// Whether the point `q` is in line of sight, within the wedge and between the distances
    /// `near` and `far` from the eye.
    pub fn sees_band(&self, q: Point, wedge: Wedge, near: f64, far: f64) -> bool {
        (near <= 0.0 || q.minus(self.eye).norm() >= near) && self.sees(q, wedge, far)
    }

    /// The visible region within a wedge between the distances `near` and `far`, as contours
    /// (outer ones counter-clockwise, holes clockwise; one contour when `near` is 0), with the
    /// length of the circular arcs replaced by straight edges. The outer arc is replaced by
    /// inscribed chords and the near circle by a circumscribed polygon, both within
    /// `tolerance` of the circle, so the contours lie inside the exact region and miss at most
    /// 2/3 x `tolerance` x the returned length of it.
    pub fn band_contours(
        &self,
        wedge: Wedge,
        near: f64,
        far: f64,
        tolerance: f64,
    ) -> (Vec<Vec<Point>>, f64) {
        if far <= near {
            return (Vec::new(), 0.0);
        }
        let (outer, arc) = self.polygon_and_arc(wedge, far, tolerance);
        if near <= 0.0 || outer.len() < 3 {
            return (vec![outer], arc);
        }
        // A regular polygon around the near circle whose vertices stand at most `tolerance`
        // beyond it: r (sec(pi / n) - 1) <= tolerance.
        let half = (1.0 / (1.0 + tolerance / near)).clamp(-1.0, 1.0).acos();
        let n = ((std::f64::consts::PI / half.max(1e-4)).ceil() as usize).clamp(8, 1 << 16);
        let rv = near / (std::f64::consts::PI / n as f64).cos();
        let disc: Vec<Point> = (0..n)
            .map(|k| {
                self.eye
                    .plus(Point::from_angle(TAU * k as f64 / n as f64).scale(rv))
            })
            .collect();
        let region = crate::region::difference(
            &crate::region::polygon(&outer),
            &crate::region::polygon(&disc),
        );
        let contours = region
            .into_iter()
            .flatten()
            .map(|c| c.into_iter().map(Point::from).collect::<Vec<Point>>())
            .filter(|c| c.len() >= 3)
            .collect();
        // The near circle's arc inside the wedge, with a step's slack at either end.
        let near_arc = near * (wedge.width.min(TAU) + 2.0 * TAU / n as f64).min(TAU);
        (contours, arc + near_arc)
    }

    /// The visible region within a wedge and a distance, as a polygon whose circular arcs are
    /// replaced by inscribed chords with a sagitta of at most `tolerance` metres. The polygon
    /// lies inside the exact region, and misses at most 2/3 x `tolerance` x arc length of it.
    pub fn polygon(&self, wedge: Wedge, radius: f64, tolerance: f64) -> Vec<Point> {
        self.polygon_and_arc(wedge, radius, tolerance).0
    }

    /// [`VisibilityFan::polygon`], with the length of the circular arcs it replaced by chords
    /// (the area missed is at most 2/3 x `tolerance` x that length).
    pub fn polygon_and_arc(&self, wedge: Wedge, radius: f64, tolerance: f64) -> (Vec<Point>, f64) {
        let mut arc = 0.0;
        let pieces = self.clipped(wedge);
        let mut out: Vec<Point> = Vec::new();
        let full = wedge.width >= TAU;
        if !full {
            out.push(self.eye);
        }
        let max_step = if radius.is_finite() && radius > 0.0 {
            let c = (1.0 - tolerance / radius).clamp(-1.0, 1.0);
            (2.0 * c.acos()).clamp(1e-4, 0.25)
        } else {
            0.25
        };
        let push = |p: Point, out: &mut Vec<Point>| {
            let q = self.eye.plus(p);
            if out.last() != Some(&q) {
                out.push(q);
            }
        };
        for p in &pieces {
            if radius.is_infinite() {
                push(p.p0, &mut out);
                push(p.p1, &mut out);
                continue;
            }
            // Walk the far edge, replacing the parts beyond the radius by arc points.
            let d = p.p1.minus(p.p0);
            let (qa, qb, qc) = (
                d.dot(d),
                2.0 * p.p0.dot(d),
                p.p0.dot(p.p0) - radius * radius,
            );
            let mut ts = vec![0.0];
            if qa > 0.0 {
                let disc = qb * qb - 4.0 * qa * qc;
                if disc > 0.0 {
                    let s = disc.sqrt();
                    for t in [(-qb - s) / (2.0 * qa), (-qb + s) / (2.0 * qa)] {
                        if t > 0.0 && t < 1.0 {
                            ts.push(t);
                        }
                    }
                }
            }
            ts.push(1.0);
            for w in ts.windows(2) {
                let u = p.p0.plus(d.scale(w[0]));
                let v = p.p0.plus(d.scale(w[1]));
                let mid = p.p0.plus(d.scale(0.5 * (w[0] + w[1])));
                if mid.dot(mid) <= radius * radius {
                    push(u, &mut out);
                    push(v, &mut out);
                } else {
                    let (au, av) = (u.y.atan2(u.x), v.y.atan2(v.x));
                    let sweep = (av - au).rem_euclid(TAU);
                    arc += sweep * radius;
                    let steps = ((sweep / max_step).ceil() as usize).max(1);
                    for k in 0..=steps {
                        let ang = au + sweep * k as f64 / steps as f64;
                        push(Point::from_angle(ang).scale(radius), &mut out);
                    }
                }
            }
        }
        if out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
        (out, arc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::signed_area;
    use std::f64::consts::PI;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<Point> {
        vec![
            Point::new(x0, y0),
            Point::new(x1, y0),
            Point::new(x1, y1),
            Point::new(x0, y1),
        ]
    }

    fn room_with(obstacles: &[Vec<Point>], walls: &[Segment]) -> Occluders {
        let mut segs: Vec<Segment> = crate::geometry::edges(&rect(0.0, 0.0, 20.0, 10.0)).collect();
        for o in obstacles {
            segs.extend(crate::geometry::edges(o));
        }
        segs.extend(walls.iter().copied());
        Occluders::new(segs)
    }

    #[test]
    fn issue_check_pillar_shadow_in_a_20_by_10_room() {
        let occ = room_with(&[rect(9.0, 4.0, 11.0, 6.0)], &[]);
        let fan = occ.fan(Point::new(1.0, 5.0));
        let area = fan.area(Wedge::FULL, f64::INFINITY);
        assert!((area - 162.875).abs() < 1e-9, "{area}");
        let poly = fan.polygon(Wedge::FULL, f64::INFINITY, 0.001);
        assert!((signed_area(&poly) - 162.875).abs() < 1e-9);
    }

    #[test]
    fn an_empty_room_is_seen_whole_from_anywhere() {
        let occ = room_with(&[], &[]);
        for eye in [
            Point::new(1.0, 1.0),
            Point::new(19.5, 0.5),
            Point::new(10.0, 5.0),
        ] {
            let a = occ.fan(eye).area(Wedge::FULL, f64::INFINITY);
            assert!((a - 200.0).abs() < 1e-9, "{eye:?}: {a}");
        }
    }

    #[test]
    fn a_disc_inside_the_room_has_area_pi_r_squared_and_a_wedge_its_share() {
        let occ = room_with(&[], &[]);
        let fan = occ.fan(Point::new(10.0, 5.0));
        assert!((fan.area(Wedge::FULL, 3.0) - PI * 9.0).abs() < 1e-9);
        let w = Wedge::of_camera(30.0, 60.0);
        assert!((fan.area(w, 3.0) - PI * 9.0 / 6.0).abs() < 1e-9);
        // A wedge straddling angle zero.
        let w = Wedge::of_camera(0.0, 90.0);
        assert!((fan.area(w, 4.0) - PI * 16.0 / 4.0).abs() < 1e-9);
        let poly = fan.polygon(w, 4.0, 0.001);
        let exact = PI * 4.0;
        let pa = signed_area(&poly);
        let arc = 4.0 * PI / 2.0;
        assert!(
            pa <= exact && exact - pa <= 2.0 / 3.0 * 0.001 * arc + 1e-9,
            "{pa} vs {exact}"
        );
    }

    #[test]
    fn the_disc_reaching_past_the_walls_is_cut_by_them() {
        // From the corner region the disc of radius 5 around (1, 1) is clipped by two walls:
        // area = quarter disc + two strips + the 1 x 1 square, computed by hand below.
        let occ = room_with(&[], &[]);
        let fan = occ.fan(Point::new(1.0, 1.0));
        let r: f64 = 5.0;
        // Area of a disc of radius r centred at distance 1 from two perpendicular lines,
        // on the far side of both: integrate by pieces.
        let strip = |h: f64| {
            // area of the disc part with y in [-h, 0] relative to centre, x >= 0 ... symmetric
            // helper: region 0 <= y <= h, x >= 0 inside the disc
            let f = |y: f64| 0.5 * (y * (r * r - y * y).sqrt() + r * r * (y / r).asin());
            f(h) - f(0.0)
        };
        // Quadrant parts: x>=0,y>=0 quarter disc; x in [-1,0], y >= 0 strip; same for y;
        // and the 1 x 1 square.
        let expected = PI * r * r / 4.0 + 2.0 * strip(1.0) + 1.0;
        let got = fan.area(Wedge::FULL, r);
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    }

    #[test]
    fn walls_cast_shadows_and_crossing_walls_are_handled() {
        // A wall across the room at x = 10 from y = 0 to 8 leaves a gap at the top.
        let wall = Segment::new(Point::new(10.0, 0.0), Point::new(10.0, 8.0));
        let occ = room_with(&[], &[wall]);
        let eye = Point::new(5.0, 5.0);
        let fan = occ.fan(eye);
        // Seen: the left half (100) plus the triangle beyond the gap's lower edge line: from
        // (5,5) through (10,8), slope 3/5, reaching y = 10 at x = 5 + 25/3, so the lit region
        // right of the wall is the triangle (10,8) (10,10) (40/3,10) = 0.5*2*(10/3).
        let expected = 100.0 + 0.5 * 2.0 * (40.0 / 3.0 - 10.0);
        let got = fan.area(Wedge::FULL, f64::INFINITY);
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
        // Two walls crossing in an X in front of the eye.
        let x1 = Segment::new(Point::new(14.0, 2.0), Point::new(18.0, 8.0));
        let x2 = Segment::new(Point::new(14.0, 8.0), Point::new(18.0, 2.0));
        let occ2 = room_with(&[], &[x1, x2]);
        let fan2 = occ2.fan(Point::new(16.0, 9.5));
        let a = fan2.area(Wedge::FULL, f64::INFINITY);
        assert!(a < 200.0 && a > 0.0);
        // Brute-force check of the same fan by point sampling.
        let mut inside = 0usize;
        let n = 400;
        for i in 0..n {
            for j in 0..n / 2 {
                let q = Point::new(
                    (i as f64 + 0.5) * 20.0 / n as f64,
                    (j as f64 + 0.5) * 20.0 / n as f64,
                );
                if fan2.sees(q, Wedge::FULL, f64::INFINITY) {
                    inside += 1;
                }
            }
        }
        let sampled = inside as f64 * (20.0 / n as f64).powi(2);
        assert!((sampled - a).abs() < 1.0, "sampled {sampled} vs exact {a}");
    }

    #[test]
    fn triangle_in_disc_matches_hand_values() {
        let a = Point::new(1.0, 0.0);
        let b = Point::new(0.0, 1.0);
        assert!((triangle_in_disc(a, b, 10.0) - 0.5).abs() < 1e-12);
        // Far away edge: a quarter-disc sector of radius 1.
        let a = Point::new(10.0, 0.0);
        let b = Point::new(0.0, 10.0);
        assert!((triangle_in_disc(a, b, 1.0) - PI / 4.0).abs() < 1e-12);
        assert!((triangle_in_disc(b, a, 1.0) + PI / 4.0).abs() < 1e-12);
    }

    #[test]
    fn large_sites_sweep_only_the_neighbourhood_and_agree_with_a_full_sweep() {
        // A grid of small rooms; the fan from one room must equal that room.
        let mut segs = crate::geometry::edges(&rect(0.0, 0.0, 100.0, 100.0)).collect::<Vec<_>>();
        for k in 1..10 {
            let v = k as f64 * 10.0;
            // Walls with door gaps of 1 m in the middle of each room side.
            for m in 0..10 {
                let s = m as f64 * 10.0;
                segs.push(Segment::new(Point::new(v, s), Point::new(v, s + 4.5)));
                segs.push(Segment::new(
                    Point::new(v, s + 5.5),
                    Point::new(v, s + 10.0),
                ));
                segs.push(Segment::new(Point::new(s, v), Point::new(s + 4.5, v)));
                segs.push(Segment::new(
                    Point::new(s + 5.5, v),
                    Point::new(s + 10.0, v),
                ));
            }
        }
        let occ = Occluders::new(segs.clone());
        let eye = Point::new(42.0, 47.0);
        let local = occ.fan(eye).area(Wedge::FULL, f64::INFINITY);
        // Reference: sweep every segment at once with a limit square around the whole site.
        let mut all: Vec<Segment> = occ.segments().to_vec();
        let n = all.len();
        all.extend(crate::geometry::edges(&rect(-1.0, -1.0, 101.0, 101.0)));
        let pieces = sweep(eye, &all, n);
        assert!(pieces.iter().all(|(_, limited)| !limited));
        let full: f64 = pieces
            .iter()
            .map(|(p, _)| triangle_in_disc(p.p0, p.p1, f64::INFINITY))
            .sum();
        assert!((local - full).abs() < 1e-9, "{local} vs {full}");
        assert!(
            local > 100.0,
            "the doors let the camera see beyond its room: {local}"
        );
    }
}
