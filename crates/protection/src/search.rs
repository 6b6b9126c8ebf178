//! The most vulnerable paths: the simple paths from any entry to any target with the lowest EASI
//! probability of interruption, found exactly by best-first branch and bound, and the exhaustive
//! enumeration that serves as its oracle on small facilities.
//!
//! A path is a sequence of elements whose areas are all distinct (a simple path); it starts in an
//! entry area and stops at the first target area it reaches. This module ranks paths by P_I only;
//! turning a path into a report (names, P_E, critical detection point) is [`crate::analysis`]'s.
//!
//! # Why not a shortest path
//!
//! P_I is not a sum over elements: each detection's chance of being in time depends on the whole
//! delay that lies after it. So the search runs **backwards from the target**, where the future
//! is known. A *label* is a suffix of a path, from some area `a` to a target, summarised by
//! `(M, V, P)`: the mean and variance of its total delay and its own P_I. Putting an element
//! `e` (from `b` to `a`) in front of it gives, exactly,
//!
//! ```text
//! M' = M + μ_e,  V' = V + σ_e²,
//! P' = c_e d_e Φ((w_e μ_e + M − μ_R) / √(σ_R² + w_e² σ_e² + V)) + (1 − d_e) P
//! ```
//!
//! (d = P_D·P_A, c = P_C), which is EASI's sum read from the end. A label that reaches an entry
//! is a complete path and `P` is its P_I.
//!
//! # The search
//!
//! Search nodes are simple *area* sequences from a target back to some area; each node holds the
//! labels of the element choices along that area sequence that are still worth extending.
//! Nodes are expanded best-first by a lower bound on the P_I of any completion; the search stops
//! when the best remaining bound is no better than the K-th best complete path found. Simplicity
//! is enforced on every extension (an area already on the node's sequence is never added), so the
//! search space is finite and the search terminates on cycles.
//!
//! # Soundness of the pruning
//!
//! Two prunings are used; both only discard labels that cannot lead to a path better than ones
//! already kept, so the result equals exhaustive enumeration. Property tests check this on
//! thousands of random facilities (`tests/search_matches_enumeration.rs`), and check the bound and
//! the dominance rule directly against actual prefixes (this module's tests); loosening either
//! rule makes them fail.
//!
//! **Lower bound.** Any completion of a label `(M, V, P)` at area `a` puts a prefix (a path from
//! an entry to `a`) in front. Its P_I is `F + S·P`, where `S = Π(1 − d)` over the prefix and `F`
//! is the prefix's own detections: `F = Σ_i c_i d_i S_{i−1} Φ(z_i)`. Every `z_i` has numerator
//! `T_i^pre + M − μ_R` with `T_i^pre ≥ 0` (the prefix's delay after detection i) and variance
//! `σ_R² + V_i^pre + V`. If `M < μ_R`, `z_i ≥ (M − μ_R)/√(σ_R² + V)`: a negative numerator only
//! moves towards zero as `T^pre` or `V^pre` grow, and a non-negative one is larger anyway. If
//! `M ≥ μ_R` the numerator is `t + M − μ_R ≥ 0` with `t = T_i^pre`, and `V_i^pre ≤ (k t)²`,
//! where `k` is the largest delay sd / mean ratio of any element (a sum of squares is at most
//! the square of the sum, and each term's sd is at most k times its mean). The function
//! `(t + c)/√(A + k²t²)` with `c ≥ 0` rises then falls towards `1/k`, so over `t ≥ 0` it is at
//! least `min(c/√A, 1/k)`. Hence `Φ(z_i) ≥ φ` with `φ = Φ((M − μ_R)/√(σ_R² + V))` when
//! `M < μ_R` and `φ = Φ(min((M − μ_R)/√(σ_R² + V), 1/k))` otherwise (`1/k = 0` when some element
//! has spread but no mean). With the usual 30 % spread, `1/k ≈ 3.3`: once the suffix alone
//! outlasts the response, any earlier detection interrupts almost surely, which is what prunes
//! wandering through open ground. With `c_min` the smallest P_C among detecting
//! elements and `Σ d_i S_{i−1} = 1 − S`, `F ≥ c_min φ (1 − S)`, so
//! `P_I ≥ c_min φ + S (P − c_min φ)`, linear in `S`. `S` lies in `[0, S_max(a)]`, where
//! `S_max(a)` is the largest non-detection probability of any walk from an entry to `a` (a
//! Dijkstra pass on −ln(1 − d); walks include all simple prefixes). So the bound is
//! `c_min φ` when `P ≥ c_min φ`, else `c_min φ + S_max(a)(P − c_min φ)`; it is at most `P`.
//!
//! **Dominance.** Two labels in the same node have the same area sequence, hence admit exactly
//! the same prefixes. Label 1 dominates label 2 when, for every prefix, its completion is at
//! least as vulnerable. Since `S` and the prefix's `c_i d_i S_{i−1}` are common, it suffices that
//! `P_1 ≤ P_2` and that every prefix term's argument is no larger for label 1:
//! `(x + M_1)/√(a + V_1) ≤ (x + M_2)/√(a + V_2)` for all `x = T^pre − μ_R ∈ [−μ_R, D − μ_R]` and
//! `a ≥ σ_R²`, where `D` bounds the delay of any simple prefix (each area is entered at most once,
//! so `D = Σ_areas max incoming μ`). For `M_1 ≤ M_2`, when both numerators have one sign the
//! difference only grows with `a` (the coefficient of `a` after squaring has the sign that
//! makes `a = σ_R²` the worst case), and mixed signs satisfy the inequality outright. At
//! `a = σ_R²` the difference is linear in `x`, so checking both ends of the interval suffices
//! (the upper end is not needed when `V_1 ≥ V_2`). A label is dropped when at least K kept
//! labels of its node dominate it: each gives, for every prefix, a distinct path at least as
//! vulnerable, so the dropped label can never be needed among the K best.
//!
//! Labels from parallel elements of the same kind and figures (fence segments) are identical, so
//! dominance keeps one per kind; that is what keeps large perimeters cheap.
//!
//! # Limits and the fast mode
//!
//! The problem contains longest-path-like cases (a path can be made *more* vulnerable by adding
//! delay variance when detection is already late), so no polynomial bound is claimed. The search
//! stores at most [`SearchOptions::label_limit`] labels; when it stops there the answer is marked
//! not exact and carries a certified lower bound: the true minimum P_I lies in
//! `[lower_bound, best found]`.
//!
//! Ties: paths are reported in order of (P_I, element indices in path order). Among paths whose
//! P_I ties exactly with the K-th, which ones are listed follows the search's fixed order.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};

use crate::easi::{self, PathEvaluation, phi_ratio};
use crate::network::{Network, Stage};
use crate::normal::standard_normal_cdf;

const NONE: u32 = u32::MAX;

/// How far the search goes.
#[derive(Clone, Copy, Debug)]
pub struct SearchOptions {
    /// How many of the most vulnerable paths to return.
    pub top: usize,
    /// The most labels the search may store (about 40 bytes each) before it gives up exactness.
    pub label_limit: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            top: 1,
            label_limit: 5_000_000,
        }
    }
}

/// A path with its P_I: element indices in the adversary's order.
#[derive(Clone, Debug, PartialEq)]
pub struct RankedPath {
    pub elements: Vec<u32>,
    pub p_interruption: f64,
}

/// What the search found.
#[derive(Clone, Debug)]
pub struct PathSearch {
    /// The most vulnerable paths, best (lowest P_I) first; empty when no target is reachable.
    pub paths: Vec<RankedPath>,
    /// Whether the paths are proven the K most vulnerable.
    pub exact: bool,
    /// A certified lower bound on the minimum P_I (equal to the first path's P_I when exact).
    pub lower_bound: f64,
    /// Labels stored, a measure of the work done.
    pub labels: usize,
}

#[derive(Clone, Copy, Debug)]
struct Label {
    mean: f64,
    var: f64,
    p: f64,
    element: u32,
    parent: u32,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    area: u32,
    parent: u32,
    first_label: u32,
    label_count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Key(f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Facility-wide facts the bounds need, computed once per search.
#[derive(Debug)]
struct Bounds {
    /// Reachable from an entry without passing through a target.
    reachable: Vec<bool>,
    /// Largest non-detection probability of a walk from an entry.
    s_max: Vec<f64>,
    /// Has at least one entering element from a reachable, non-target area.
    extendable: Vec<bool>,
    c_min: f64,
    response_mean: f64,
    response_var: f64,
    /// Upper end of x = T_pre − μ_R.
    x_max: f64,
    /// 1 / k, k the largest delay sd / mean of any element (0 when some element has spread but
    /// no mean, infinite when no element has spread).
    inverse_spread_ratio: f64,
}

impl Bounds {
    fn new(net: &Network) -> Self {
        let n = net.area_count();
        let stages = net.stages();
        let mut out_start = vec![0usize; n + 1];
        for s in stages {
            out_start[s.from as usize + 1] += 1;
        }
        for a in 0..n {
            out_start[a + 1] += out_start[a];
        }
        let mut fill = out_start.clone();
        let mut out = vec![0u32; stages.len()];
        for (i, s) in stages.iter().enumerate() {
            out[fill[s.from as usize]] = i as u32;
            fill[s.from as usize] += 1;
        }
        let mut reachable = vec![false; n];
        let mut queue = VecDeque::new();
        for a in 0..n as u32 {
            if net.is_entry(a) {
                reachable[a as usize] = true;
                queue.push_back(a);
            }
        }
        while let Some(a) = queue.pop_front() {
            if net.is_target(a) {
                continue;
            }
            for &e in &out[out_start[a as usize]..out_start[a as usize + 1]] {
                let to = stages[e as usize].to;
                if !reachable[to as usize] {
                    reachable[to as usize] = true;
                    queue.push_back(to);
                }
            }
        }
        // Dijkstra on −ln(1 − d): the least detection along any walk from an entry.
        let mut cost = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::new();
        for a in 0..n as u32 {
            if net.is_entry(a) {
                cost[a as usize] = 0.0;
                heap.push(Reverse((Key(0.0), a)));
            }
        }
        while let Some(Reverse((Key(c), a))) = heap.pop() {
            if c > cost[a as usize] || net.is_target(a) {
                continue;
            }
            for &e in &out[out_start[a as usize]..out_start[a as usize + 1]] {
                let s = &stages[e as usize];
                let next = c - (-s.p_detect).ln_1p();
                if next < cost[s.to as usize] {
                    cost[s.to as usize] = next;
                    heap.push(Reverse((Key(next), s.to)));
                }
            }
        }
        // Rounding in exp(−cost) could push the bound a hair above the true product; nudge up.
        let s_max = cost
            .iter()
            .map(|&c| ((-c).exp() * (1.0 + 1e-12)).min(1.0))
            .collect();
        let extendable = (0..n as u32)
            .map(|a| {
                net.stages_into(a).iter().any(|&e| {
                    let from = stages[e as usize].from;
                    reachable[from as usize] && !net.is_target(from)
                })
            })
            .collect();
        let c_min = stages
            .iter()
            .filter(|s| s.p_detect > 0.0)
            .map(|s| s.p_communication)
            .fold(1.0, f64::min);
        let mut max_in = vec![0.0f64; n];
        for s in stages {
            max_in[s.to as usize] = max_in[s.to as usize].max(s.delay_mean);
        }
        let (response_mean, response_var) = net.response();
        let spread_ratio = stages
            .iter()
            .filter(|s| s.delay_var > 0.0)
            .map(|s| s.delay_var.sqrt() / s.delay_mean)
            .fold(0.0, f64::max);
        Self {
            inverse_spread_ratio: 1.0 / spread_ratio,
            reachable,
            s_max,
            extendable,
            c_min,
            response_mean,
            response_var,
            x_max: max_in.iter().sum::<f64>() - response_mean,
        }
    }

    /// Lower bound on the P_I of any completion of `l` at `area` (see the module docs).
    fn lower_bound(&self, area: u32, l: &Label) -> f64 {
        let slack = l.mean - self.response_mean;
        let spread = (self.response_var + l.var).sqrt();
        let phi = if slack < 0.0 {
            if spread > 0.0 {
                standard_normal_cdf(slack / spread)
            } else {
                0.0
            }
        } else {
            // A prefix adding t seconds adds at most (k t)² of variance: the argument is at least
            // min(slack / spread, 1 / k).
            let at_zero = if spread > 0.0 {
                slack / spread
            } else {
                f64::INFINITY
            };
            standard_normal_cdf(at_zero.min(self.inverse_spread_ratio))
        };
        let floor = self.c_min * phi;
        let lb = if l.p >= floor {
            floor
        } else {
            floor + self.s_max[area as usize] * (l.p - floor)
        };
        // Guard against rounding making the bound exceed the value it bounds.
        lb * (1.0 - 1e-12)
    }

    /// Whether label `a` is at least as vulnerable as `b` under every prefix (module docs).
    fn dominates(&self, a: &Label, b: &Label) -> bool {
        if a.p > b.p || a.mean > b.mean {
            return false;
        }
        let sa = (self.response_var + a.var).sqrt();
        let sb = (self.response_var + b.var).sqrt();
        if sa == 0.0 || sb == 0.0 {
            // No spread anywhere: only identical delays are safely comparable.
            return a.mean == b.mean && a.var == b.var;
        }
        let gap = |x: f64| (x + b.mean) / sb - (x + a.mean) / sa;
        gap(-self.response_mean) >= 0.0 && (a.var >= b.var || gap(self.x_max) >= 0.0)
    }
}

/// Puts stage `s` in front of the suffix summarised by `l`.
fn prepend(s: &Stage, l: &Label, response_mean: f64, response_var: f64) -> (f64, f64, f64) {
    let w = s.remaining_share;
    let z = phi_ratio(
        w * s.delay_mean + l.mean - response_mean,
        response_var + w * w * s.delay_var + l.var,
    );
    let p = s.p_communication * s.p_detect * z + (1.0 - s.p_detect) * l.p;
    (l.mean + s.delay_mean, l.var + s.delay_var, p)
}

/// The K most vulnerable simple paths from any entry to any target.
pub fn most_vulnerable_paths(net: &Network, options: &SearchOptions) -> PathSearch {
    let top = options.top.max(1);
    let bounds = Bounds::new(net);
    let stages = net.stages();
    let mut labels: Vec<Label> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(Key, u32)>> = BinaryHeap::new();
    // The K best complete labels, by P_I.
    let mut best: Vec<(f64, u32)> = Vec::with_capacity(top + 1);
    let cutoff = |best: &Vec<(f64, u32)>| {
        if best.len() == top {
            best[top - 1].0
        } else {
            f64::INFINITY
        }
    };

    for t in 0..net.area_count() as u32 {
        if net.is_target(t) && bounds.extendable[t as usize] {
            labels.push(Label {
                mean: 0.0,
                var: 0.0,
                p: 0.0,
                element: NONE,
                parent: NONE,
            });
            let id = nodes.len() as u32;
            nodes.push(Node {
                area: t,
                parent: NONE,
                first_label: labels.len() as u32 - 1,
                label_count: 1,
            });
            heap.push(Reverse((Key(0.0), id)));
        }
    }

    // Per group of parallel elements, the first K of each set of identical ones (see
    // `distinct_up_to`), built when the group is first expanded.
    let mut classes: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut candidates: Vec<Label> = Vec::new();
    let mut kept: Vec<Label> = Vec::new();
    let mut exact = true;
    let mut lower_bound = f64::INFINITY;
    while let Some(Reverse((Key(bound), node_id))) = heap.pop() {
        if bound >= cutoff(&best) {
            break;
        }
        if labels.len() > options.label_limit {
            exact = false;
            lower_bound = bound;
            break;
        }
        let node = nodes[node_id as usize];
        let into = net.stages_into(node.area);
        let mut i = 0;
        while i < into.len() {
            let from = stages[into[i] as usize].from;
            let mut j = i;
            while j < into.len() && stages[into[j] as usize].from == from {
                j += 1;
            }
            let group_start = i;
            i = j;
            if !bounds.reachable[from as usize]
                || net.is_target(from)
                || on_sequence(&nodes, node_id, from)
            {
                continue;
            }
            let group: &[u32] = classes
                .entry((u64::from(node.area) << 32) | group_start as u64)
                .or_insert_with(|| distinct_up_to(stages, &into[group_start..j], top));
            candidates.clear();
            for li in node.first_label..node.first_label + node.label_count {
                let l = labels[li as usize];
                for &e in group {
                    let (mean, var, p) = prepend(
                        &stages[e as usize],
                        &l,
                        bounds.response_mean,
                        bounds.response_var,
                    );
                    candidates.push(Label {
                        mean,
                        var,
                        p,
                        element: e,
                        parent: li,
                    });
                }
            }
            candidates.sort_by(|a, b| {
                a.p.total_cmp(&b.p)
                    .then(a.mean.total_cmp(&b.mean))
                    .then(b.var.total_cmp(&a.var))
                    .then(a.element.cmp(&b.element))
                    .then(a.parent.cmp(&b.parent))
            });
            kept.clear();
            for c in &candidates {
                let dominators = kept
                    .iter()
                    .filter(|k| bounds.dominates(k, c))
                    .take(top)
                    .count();
                if dominators < top {
                    kept.push(*c);
                }
            }
            let first = labels.len() as u32;
            for k in &kept {
                let id = labels.len() as u32;
                labels.push(*k);
                if net.is_entry(from) {
                    record(&mut best, top, k.p, id);
                }
            }
            if !bounds.extendable[from as usize] {
                continue;
            }
            // Keep only labels whose completions could still enter the K best.
            let limit = cutoff(&best);
            let mut node_bound = f64::INFINITY;
            let mut write = first;
            for read in first..labels.len() as u32 {
                let l = labels[read as usize];
                let lb = bounds.lower_bound(from, &l);
                if lb < limit {
                    node_bound = node_bound.min(lb);
                    // Completed labels must stay where `best` points; only move when unmoved.
                    if write != read && !net.is_entry(from) {
                        labels[write as usize] = l;
                    }
                    write += 1;
                }
            }
            if net.is_entry(from) {
                // Recorded labels are referenced by index: keep them all in place.
                write = labels.len() as u32;
            } else {
                labels.truncate(write as usize);
            }
            if node_bound.is_finite() {
                let id = nodes.len() as u32;
                nodes.push(Node {
                    area: from,
                    parent: node_id,
                    first_label: first,
                    label_count: write - first,
                });
                heap.push(Reverse((Key(node_bound), id)));
            }
        }
    }
    if exact {
        lower_bound = best.first().map_or(f64::INFINITY, |b| b.0);
    } else {
        lower_bound = lower_bound.min(best.first().map_or(f64::INFINITY, |b| b.0));
    }
    let mut paths: Vec<RankedPath> = best
        .iter()
        .map(|&(p, id)| RankedPath {
            elements: trace(&labels, id),
            p_interruption: p,
        })
        .collect();
    sort_paths(&mut paths);
    PathSearch {
        paths,
        exact,
        lower_bound,
        labels: labels.len(),
    }
}

/// The elements of a group of parallel elements, keeping at most `top` of each set with identical
/// figures (the lowest indices). Identical elements give identical labels; K of them already give
/// K distinct paths as vulnerable as any further copy, so the copies can never be needed.
fn distinct_up_to(stages: &[Stage], group: &[u32], top: usize) -> Vec<u32> {
    let mut seen: HashMap<[u64; 5], usize> = HashMap::new();
    group
        .iter()
        .copied()
        .filter(|&e| {
            let s = &stages[e as usize];
            let key = [
                s.p_detect.to_bits(),
                s.p_communication.to_bits(),
                s.remaining_share.to_bits(),
                s.delay_mean.to_bits(),
                s.delay_var.to_bits(),
            ];
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            *n <= top
        })
        .collect()
}

fn record(best: &mut Vec<(f64, u32)>, top: usize, p: f64, id: u32) {
    let at = best.partition_point(|b| b.0 <= p);
    if at < top {
        best.insert(at, (p, id));
        best.truncate(top);
    }
}

fn on_sequence(nodes: &[Node], mut node: u32, area: u32) -> bool {
    while node != NONE {
        let n = &nodes[node as usize];
        if n.area == area {
            return true;
        }
        node = n.parent;
    }
    false
}

/// Element indices of a complete label, in the adversary's order (entry first).
fn trace(labels: &[Label], mut id: u32) -> Vec<u32> {
    let mut path = Vec::new();
    while id != NONE {
        let l = &labels[id as usize];
        if l.element == NONE {
            break;
        }
        path.push(l.element);
        id = l.parent;
    }
    path
}

fn sort_paths(paths: &mut [RankedPath]) {
    paths.sort_by(|a, b| {
        a.p_interruption
            .total_cmp(&b.p_interruption)
            .then_with(|| a.elements.cmp(&b.elements))
    });
}

/// EASI's figures for a path of element indices on this network.
pub fn evaluate_path(net: &Network, path: &[u32]) -> PathEvaluation {
    let (mean, var) = net.response();
    easi::evaluate(
        path.iter().map(|&e| &net.stages()[e as usize]),
        mean,
        var.sqrt(),
    )
}

/// Every simple path from an entry to a target, best first, evaluated one by one with EASI:
/// the oracle the search is checked against. `None` when there are more than `max_paths`.
pub fn exhaustive_paths(net: &Network, max_paths: usize) -> Option<Vec<RankedPath>> {
    let n = net.area_count();
    let mut out: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, s) in net.stages().iter().enumerate() {
        out[s.from as usize].push(i as u32);
    }
    let mut found = Vec::new();
    let mut visited = vec![false; n];
    let mut path = Vec::new();
    for entry in 0..n as u32 {
        if net.is_entry(entry) {
            visited[entry as usize] = true;
            if !walk(
                net,
                &out,
                entry,
                &mut visited,
                &mut path,
                &mut found,
                max_paths,
            ) {
                return None;
            }
            visited[entry as usize] = false;
        }
    }
    sort_paths(&mut found);
    Some(found)
}

fn walk(
    net: &Network,
    out: &[Vec<u32>],
    area: u32,
    visited: &mut [bool],
    path: &mut Vec<u32>,
    found: &mut Vec<RankedPath>,
    max_paths: usize,
) -> bool {
    for &e in &out[area as usize] {
        let to = net.stages()[e as usize].to;
        if visited[to as usize] {
            continue;
        }
        path.push(e);
        if net.is_target(to) {
            if found.len() == max_paths {
                return false;
            }
            found.push(RankedPath {
                p_interruption: evaluate_path(net, path).p_interruption,
                elements: path.clone(),
            });
        } else {
            visited[to as usize] = true;
            let ok = walk(net, out, to, visited, path, found, max_paths);
            visited[to as usize] = false;
            if !ok {
                return false;
            }
        }
        path.pop();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DetectionLocation;
    use proptest::prelude::*;

    fn stage() -> impl Strategy<Value = Stage> {
        (
            prop_oneof![Just(0.0), Just(0.9), 0.0..=1.0f64],
            prop_oneof![
                Just(DetectionLocation::Beginning),
                Just(DetectionLocation::Middle),
                Just(DetectionLocation::End)
            ],
            prop_oneof![Just(0.0), 0.0..400.0f64],
            prop_oneof![Just(0.3), 0.0..0.6f64],
            prop_oneof![Just(1.0), 0.5..=1.0f64],
        )
            .prop_map(|(p, loc, mean, share, pc)| Stage::task(p, loc, mean, share * mean, pc))
    }

    /// A chain of areas `prefix` from the entry (area 0) to area `a`, then two disjoint suffixes
    /// from `a` to the target. Returns the network, `a`, and the element indices of each part.
    fn chain(
        prefix: &[Stage],
        one: &[Stage],
        two: &[Stage],
        response: (f64, f64),
    ) -> (Network, u32, [Vec<u32>; 3]) {
        let mut stages = Vec::new();
        let mut parts: [Vec<u32>; 3] = Default::default();
        let a = prefix.len() as u32;
        let target = a + 1;
        let mut next_area = target + 1;
        for (k, s) in prefix.iter().enumerate() {
            let mut s = *s;
            (s.from, s.to) = (k as u32, k as u32 + 1);
            parts[0].push(stages.len() as u32);
            stages.push(s);
        }
        for (part, suffix) in [(1, one), (2, two)] {
            let mut at = a;
            for (k, s) in suffix.iter().enumerate() {
                let mut s = *s;
                let to = if k + 1 == suffix.len() {
                    target
                } else {
                    next_area += 1;
                    next_area - 1
                };
                (s.from, s.to) = (at, to);
                at = to;
                parts[part].push(stages.len() as u32);
                stages.push(s);
            }
        }
        let n = next_area as usize;
        let mut is_entry = vec![false; n];
        let mut is_target = vec![false; n];
        is_entry[0] = true;
        is_target[target as usize] = true;
        let net = Network::from_parts(
            (0..n).map(|i| format!("a{i}")).collect(),
            (0..stages.len()).map(|i| format!("e{i}")).collect(),
            stages,
            is_entry,
            is_target,
            response.0,
            response.1,
            1.0,
        );
        (net, a, parts)
    }

    fn label_of(net: &Network, suffix: &[u32]) -> Label {
        let (mean, var) = net.response();
        let mut l = Label {
            mean: 0.0,
            var: 0.0,
            p: 0.0,
            element: NONE,
            parent: NONE,
        };
        for &e in suffix.iter().rev() {
            let (m, v, p) = prepend(&net.stages()[e as usize], &l, mean, var);
            l = Label {
                mean: m,
                var: v,
                p,
                element: e,
                parent: NONE,
            };
        }
        l
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// The bound never exceeds the P_I of an actual completion, and a dominating label's
        /// completion is never less vulnerable than the dominated one's.
        #[test]
        fn bound_and_dominance_hold_for_actual_prefixes(
            prefix in prop::collection::vec(stage(), 1..6),
            one in prop::collection::vec(stage(), 1..4),
            two in prop::collection::vec(stage(), 1..4),
            response_mean in prop_oneof![Just(300.0), 0.0..800.0f64],
            response_sd in prop_oneof![Just(90.0), Just(0.0), 0.0..200.0f64],
        ) {
            let (net, a, [pre, s1, s2]) = chain(&prefix, &one, &two, (response_mean, response_sd));
            let bounds = Bounds::new(&net);
            let (l1, l2) = (label_of(&net, &s1), label_of(&net, &s2));
            let whole = |suffix: &[u32]| {
                let path: Vec<u32> = pre.iter().chain(suffix).copied().collect();
                evaluate_path(&net, &path).p_interruption
            };
            let (p1, p2) = (whole(&s1), whole(&s2));
            prop_assert!(bounds.lower_bound(a, &l1) <= p1 + 1e-12, "{} > {}", bounds.lower_bound(a, &l1), p1);
            prop_assert!(bounds.lower_bound(a, &l2) <= p2 + 1e-12);
            // Every shorter prefix ending at the entry side is a completion too: the label alone.
            prop_assert!((label_of(&net, &s1).p - evaluate_path(&net, &s1).p_interruption).abs() < 1e-12);
            if bounds.dominates(&l1, &l2) {
                prop_assert!(p1 <= p2 + 1e-12, "dominance: {} > {}", p1, p2);
            }
            if bounds.dominates(&l2, &l1) {
                prop_assert!(p2 <= p1 + 1e-12, "dominance: {} > {}", p2, p1);
            }
        }
    }
}
