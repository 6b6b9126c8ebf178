//! Camera placement: from candidate mounting points (marked by the user, on a grid, or the
//! plan's corners and wall ends) and pan directions, choose cameras so that every zone is seen
//! at its required level at least cost, or so that as much as possible is seen within a
//! budget; and the device schedule (bill of materials) of a set of cameras.
//!
//! Zones are discretised into sample points at the centres of a square grid; a candidate
//! covers a sample when it sees it (see [`crate::visibility`]) at the zone's required pixel
//! density. Minimum-cost cover is weighted set cover: the greedy choice of the best new
//! samples per unit price costs at most H(m) <= ln(m) + 1 times the optimum, m being the most
//! samples one candidate covers (Chvatal 1979). The exact mode is a branch and bound, for
//! small sites. The samples no candidate can cover are reported, never silently dropped.

use rayon::prelude::*;
use thiserror::Error;

use crate::coverage::{eye_of, reach};
use crate::geometry::{Bounds, Containment, Point, locate};
use crate::plan::{Camera, CameraModel, FloorPlan, PlanError, Tilt};
use crate::visibility::{Occluders, Wedge};

#[derive(Debug, Error, Clone, PartialEq)]
pub enum PlacementError {
    #[error("placement needs at least one camera model in the plan's `models`")]
    NoModels,
    #[error("no candidate positions: mark `candidates`, or set `placement.grid_m`")]
    NoCandidates,
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error(
        "exact placement is limited to {limit} candidates, this plan has {count}; use the greedy mode"
    )]
    TooLargeForExact { count: usize, limit: usize },
    #[error("the budget must be a non-negative number, got {0}")]
    BadBudget(f64),
    #[error(
        "{what}: {count} is more than the {limit} placement handles; coarsen the grid or the sampling"
    )]
    TooMany {
        what: &'static str,
        count: usize,
        limit: usize,
    },
}

/// Most candidate cameras (points x pans x models) placement evaluates.
pub const CANDIDATE_LIMIT: usize = 50_000;
/// Most zone sample points placement evaluates.
pub const SAMPLE_LIMIT: usize = 500_000;

/// What placement aims for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// Every zone at its required level (as far as any candidate can), at least cost.
    MeetRequirements,
    /// The largest sampled zone area at its required level for at most this cost.
    Budget(f64),
}

/// How placement searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Greedy, with the ln(m) + 1 guarantee (meet requirements) or the (1 - 1/e)/2 guarantee
    /// of the better of the greedy and the best single camera (budget; Khuller, Moss and Naor
    /// 1999).
    Greedy,
    /// Optimal, for small instances.
    Exact,
}

/// A candidate camera: a mounting point, a pan and a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub camera: Camera,
    pub price: f64,
}

/// One line of a device schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleLine {
    pub model: String,
    pub quantity: usize,
    pub unit_price: f64,
    pub total: f64,
}

/// Bill of materials for a set of cameras.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceSchedule {
    pub lines: Vec<ScheduleLine>,
    pub total: f64,
}

/// Group cameras by model, with unit and line totals. Cameras described without a model
/// appear as "(unspecified)" at no price.
pub fn device_schedule(cameras: &[Camera], models: &[CameraModel]) -> DeviceSchedule {
    let mut lines: Vec<ScheduleLine> = Vec::new();
    for c in cameras {
        let (name, price) = match &c.model {
            Some(m) => (
                m.clone(),
                models.iter().find(|x| &x.id == m).map_or(0.0, |x| x.price),
            ),
            None => ("(unspecified)".to_string(), 0.0),
        };
        match lines.iter_mut().find(|l| l.model == name) {
            Some(l) => {
                l.quantity += 1;
                l.total = l.unit_price * l.quantity as f64;
            }
            None => lines.push(ScheduleLine {
                model: name,
                quantity: 1,
                unit_price: price,
                total: price,
            }),
        }
    }
    lines.sort_by(|a, b| a.model.cmp(&b.model));
    let total = lines.iter().map(|l| l.total).sum();
    DeviceSchedule { lines, total }
}

/// A sample point of a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub zone: usize,
    pub point: Point,
    /// Floor area the sample stands for (the grid cell).
    pub weight: f64,
}

/// The outcome of a placement.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub cameras: Vec<Camera>,
    pub cost: f64,
    pub method: Method,
    pub samples: usize,
    /// Samples no candidate can cover at the zone's level.
    pub unreachable: usize,
    pub covered: usize,
    /// Per zone: (id, fraction of its sampled area covered at its required level).
    pub zone_fractions: Vec<(String, f64)>,
    pub schedule: DeviceSchedule,
    pub candidates: usize,
}

/// Sample points of each zone at the centres of a `spacing` grid, on the floor only.
pub fn samples(plan: &FloorPlan, spacing: f64) -> Vec<Sample> {
    let mut out = Vec::new();
    let spacing = spacing.max(1e-3);
    for (zi, z) in plan.zones.iter().enumerate() {
        let Some(b) = Bounds::of(z.polygon.iter().copied()) else {
            continue;
        };
        let nx = ((b.width() / spacing).ceil() as usize).clamp(1, 1000);
        let ny = ((b.height() / spacing).ceil() as usize).clamp(1, 1000);
        let (sx, sy) = (b.width() / nx as f64, b.height() / ny as f64);
        for i in 0..nx {
            for j in 0..ny {
                let p = Point::new(
                    b.min.x + (i as f64 + 0.5) * sx,
                    b.min.y + (j as f64 + 0.5) * sy,
                );
                let on_floor = locate(&z.polygon, p, 0.0) == Containment::Inside
                    && locate(&plan.boundary, p, 0.0) == Containment::Inside
                    && plan
                        .obstacles
                        .iter()
                        .all(|o| locate(o, p, 0.0) == Containment::Outside);
                if on_floor {
                    out.push(Sample {
                        zone: zi,
                        point: p,
                        weight: sx * sy,
                    });
                }
            }
        }
    }
    out
}

/// Candidate cameras: each candidate point, at each pan, with each allowed model.
pub fn candidates(plan: &FloorPlan) -> Result<Vec<Candidate>, PlacementError> {
    let settings = &plan.placement;
    let models: Vec<&CameraModel> = if settings.models.is_empty() {
        plan.models.iter().collect()
    } else {
        plan.models
            .iter()
            .filter(|m| settings.models.contains(&m.id))
            .collect()
    };
    if models.is_empty() {
        return Err(PlacementError::NoModels);
    }
    // Each model at each of its focal settings.
    let lenses: usize = models
        .iter()
        .map(|m| m.focal_settings(settings.focal_steps).len())
        .sum();
    let mut points: Vec<Point> = plan.candidates.clone();
    for (i, p) in points.iter().enumerate() {
        plan.check_mounting_point(&format!("candidate {}", i + 1), *p)?;
    }
    if let (Some(g), Some(b)) = (settings.grid_m, Bounds::of(plan.boundary.iter().copied())) {
        let nx = ((b.width() / g).floor() as usize).min(100_000);
        let ny = ((b.height() / g).floor() as usize).min(100_000);
        let count = (nx + 1) * (ny + 1) * settings.pans as usize * lenses;
        if count > CANDIDATE_LIMIT {
            return Err(PlacementError::TooMany {
                what: "candidate cameras on the grid",
                count,
                limit: CANDIDATE_LIMIT,
            });
        }
        for i in 0..=nx {
            for j in 0..=ny {
                let p = Point::new(b.min.x + i as f64 * g, b.min.y + j as f64 * g);
                if plan.check_mounting_point("grid", p).is_ok() {
                    points.push(p);
                }
            }
        }
    }
    if points.is_empty() {
        return Err(PlacementError::NoCandidates);
    }
    let count = points.len() * settings.pans as usize * lenses;
    if count > CANDIDATE_LIMIT {
        return Err(PlacementError::TooMany {
            what: "candidate cameras",
            count,
            limit: CANDIDATE_LIMIT,
        });
    }
    let mut out = Vec::new();
    for (pi, p) in points.iter().enumerate() {
        for k in 0..settings.pans {
            let pan = f64::from(k) * 360.0 / f64::from(settings.pans);
            for (m, focal) in models.iter().flat_map(|m| {
                m.focal_settings(settings.focal_steps)
                    .into_iter()
                    .map(move |f| (*m, f))
            }) {
                let optics = m.optics(focal).map_err(|source| PlanError::Optics {
                    item: format!("model {}", m.id),
                    source,
                })?;
                // A panoramic camera looks all round: one pan is enough.
                if optics.hfov_deg >= 360.0 && k > 0 {
                    continue;
                }
                let lens = focal.map_or(String::new(), |f| format!("@{f:.1}mm"));
                let tilt = match settings.tilt_deg {
                    None => None,
                    Some(t) => Some(Tilt {
                        tilt_deg: t,
                        vfov_deg: m.vfov_deg(optics.hfov_deg, focal).ok_or_else(|| {
                            PlanError::BadNumber {
                                item: format!("model {}", m.id),
                                field: "vfov_deg",
                                expected: "given for a panoramic lens placed with a tilt",
                                value: f64::NAN,
                            }
                        })?,
                    }),
                };
                out.push(Candidate {
                    camera: Camera {
                        id: format!("p{}-{}-{}{lens}", pi + 1, pan.round(), m.id),
                        position: *p,
                        height_m: settings.height_m,
                        pan_deg: pan,
                        optics,
                        model: Some(m.id.clone()),
                        focal_mm: focal
                            .or(m.default_focal().filter(|_| m.sensor_width_mm.is_some())),
                        tilt,
                        ir_range_m: m.ir_range_m,
                    },
                    price: m.price,
                });
            }
        }
    }
    Ok(out)
}

/// Which samples each candidate covers at the sample's zone requirement, as bit sets.
pub fn cover_sets(plan: &FloorPlan, cands: &[Candidate], samples: &[Sample]) -> Vec<Vec<u64>> {
    let occ = Occluders::of_plan(plan);
    let words = samples.len().div_ceil(64);
    cands
        .par_iter()
        .map(|c| {
            let cam = &c.camera;
            let fan = occ.fan(eye_of(cam.position, cam.pan_deg, plan, &occ));
            let wedge = Wedge::of_camera(cam.pan_deg, cam.optics.hfov_deg);
            let mut bits = vec![0u64; words];
            for (i, s) in samples.iter().enumerate() {
                let ppm = plan.zones[s.zone].required_ppm;
                let Some((near, far)) =
                    reach(cam, Some(ppm), plan.target_height_m, plan.placement.night)
                else {
                    continue;
                };
                if fan.sees_band(s.point, wedge, near, far) {
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
            bits
        })
        .collect()
}

fn count_new(set: &[u64], covered: &[u64]) -> u32 {
    set.iter()
        .zip(covered)
        .map(|(s, c)| (s & !c).count_ones())
        .sum()
}

fn weight_new(set: &[u64], covered: &[u64], weights: &[f64]) -> f64 {
    let mut w = 0.0;
    for (k, (s, c)) in set.iter().zip(covered).enumerate() {
        let mut bits = s & !c;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            w += weights[k * 64 + b];
            bits &= bits - 1;
        }
    }
    w
}

fn or_into(dst: &mut [u64], src: &[u64]) {
    dst.iter_mut().zip(src).for_each(|(d, s)| *d |= s);
}

/// Greedy weighted set cover of everything coverable: repeatedly the candidate with the most
/// new samples per unit price (zero-priced candidates first).
pub fn greedy_cover(sets: &[Vec<u64>], prices: &[f64], target: &[u64]) -> Vec<usize> {
    let mut covered = vec![0u64; target.len()];
    let mut chosen = Vec::new();
    let goal: u32 = target.iter().map(|w| w.count_ones()).sum();
    let mut have = 0u32;
    // At most one pick per candidate: bounded.
    while have < goal && chosen.len() < sets.len() {
        let mut best: Option<(usize, f64)> = None;
        for (i, s) in sets.iter().enumerate() {
            let n = count_new(s, &covered);
            if n == 0 {
                continue;
            }
            let score = if prices[i] > 0.0 {
                f64::from(n) / prices[i]
            } else {
                f64::INFINITY
            };
            let better = match best {
                None => true,
                Some((bi, bs)) => score > bs || (score == bs && count_new(&sets[bi], &covered) < n),
            };
            if better {
                best = Some((i, score));
            }
        }
        let Some((i, _)) = best else { break };
        have += count_new(&sets[i], &covered);
        or_into(&mut covered, &sets[i]);
        chosen.push(i);
    }
    chosen
}

/// Minimum-cost cover of everything coverable, by branch and bound: branch on the uncovered
/// sample with the fewest candidates covering it. `None` when the search exceeds its node
/// budget (the instance is too large for the exact mode).
pub fn exact_cover(sets: &[Vec<u64>], prices: &[f64], target: &[u64]) -> Option<Vec<usize>> {
    let greedy = greedy_cover(sets, prices, target);
    let mut best_cost: f64 = greedy.iter().map(|&i| prices[i]).sum();
    let mut best = greedy;
    let nbits = target.len() * 64;
    let coverers: Vec<Vec<usize>> = (0..nbits)
        .map(|b| {
            (0..sets.len())
                .filter(|&i| sets[i][b / 64] >> (b % 64) & 1 == 1)
                .collect()
        })
        .collect();
    let mut nodes: u64 = 0;
    const NODE_LIMIT: u64 = 5_000_000;
    #[allow(clippy::too_many_arguments)]
    fn go(
        covered: &mut Vec<u64>,
        chosen: &mut Vec<usize>,
        cost: f64,
        sets: &[Vec<u64>],
        prices: &[f64],
        target: &[u64],
        coverers: &[Vec<usize>],
        best: &mut Vec<usize>,
        best_cost: &mut f64,
        nodes: &mut u64,
    ) -> bool {
        *nodes += 1;
        if *nodes > NODE_LIMIT {
            return false;
        }
        // The uncovered sample with the fewest coverers.
        let mut pick: Option<usize> = None;
        for (k, (t, c)) in target.iter().zip(covered.iter()).enumerate() {
            let mut bits = t & !c;
            while bits != 0 {
                let b = k * 64 + bits.trailing_zeros() as usize;
                if pick.is_none_or(|p| coverers[b].len() < coverers[p].len()) {
                    pick = Some(b);
                }
                bits &= bits - 1;
            }
        }
        let Some(b) = pick else {
            if cost < *best_cost {
                *best_cost = cost;
                *best = chosen.clone();
            }
            return true;
        };
        for &i in &coverers[b] {
            if cost + prices[i] >= *best_cost && !(prices[i] == 0.0 && cost < *best_cost) {
                continue;
            }
            let saved = covered.clone();
            or_into(covered, &sets[i]);
            chosen.push(i);
            let ok = go(
                covered,
                chosen,
                cost + prices[i],
                sets,
                prices,
                target,
                coverers,
                best,
                best_cost,
                nodes,
            );
            chosen.pop();
            *covered = saved;
            if !ok {
                return false;
            }
        }
        true
    }
    let mut covered = vec![0u64; target.len()];
    let mut chosen = Vec::new();
    let ok = go(
        &mut covered,
        &mut chosen,
        0.0,
        sets,
        prices,
        target,
        &coverers,
        &mut best,
        &mut best_cost,
        &mut nodes,
    );
    ok.then_some(best)
}

/// Budgeted maximum coverage, greedy: the better of (a) repeatedly the affordable candidate
/// with the most new sampled area per unit price and (b) the best single affordable candidate.
pub fn greedy_budget(
    sets: &[Vec<u64>],
    prices: &[f64],
    weights: &[f64],
    budget: f64,
) -> Vec<usize> {
    let words = sets.first().map_or(0, Vec::len);
    let mut covered = vec![0u64; words];
    let mut chosen: Vec<usize> = Vec::new();
    let mut spent = 0.0;
    while chosen.len() < sets.len() {
        let mut best: Option<(usize, f64)> = None;
        for (i, s) in sets.iter().enumerate() {
            if spent + prices[i] > budget || chosen.contains(&i) {
                continue;
            }
            let w = weight_new(s, &covered, weights);
            if w <= 0.0 {
                continue;
            }
            let score = if prices[i] > 0.0 {
                w / prices[i]
            } else {
                f64::INFINITY
            };
            if best.is_none_or(|(_, bs)| score > bs) {
                best = Some((i, score));
            }
        }
        let Some((i, _)) = best else { break };
        spent += prices[i];
        or_into(&mut covered, &sets[i]);
        chosen.push(i);
    }
    let zero = vec![0u64; words];
    let greedy_w = weight_new(&covered, &zero, weights);
    let single = (0..sets.len())
        .filter(|&i| prices[i] <= budget)
        .map(|i| (i, weight_new(&sets[i], &zero, weights)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match single {
        Some((i, w)) if w > greedy_w => vec![i],
        _ => chosen,
    }
}

/// Budgeted maximum coverage by enumeration of all subsets (small instances only).
pub fn exact_budget(sets: &[Vec<u64>], prices: &[f64], weights: &[f64], budget: f64) -> Vec<usize> {
    let n = sets.len();
    let words = sets.first().map_or(0, Vec::len);
    let zero = vec![0u64; words];
    let mut best: (f64, f64, Vec<usize>) = (0.0, 0.0, Vec::new());
    for mask in 0u64..(1u64 << n) {
        let cost: f64 = (0..n)
            .filter(|i| mask >> i & 1 == 1)
            .map(|i| prices[i])
            .sum();
        if cost > budget {
            continue;
        }
        let mut cov = vec![0u64; words];
        for i in (0..n).filter(|i| mask >> i & 1 == 1) {
            or_into(&mut cov, &sets[i]);
        }
        let w = weight_new(&cov, &zero, weights);
        if w > best.0 + 1e-12 || ((w - best.0).abs() <= 1e-12 && cost < best.1) {
            best = (w, cost, (0..n).filter(|i| mask >> i & 1 == 1).collect());
        }
    }
    best.2
}

/// Largest candidate count for the exact modes.
pub const EXACT_LIMIT: usize = 20;

/// Choose cameras for `plan` from its candidates.
pub fn place(plan: &FloorPlan, goal: Goal, method: Method) -> Result<Placement, PlacementError> {
    if let Goal::Budget(b) = goal
        && !(b.is_finite() && b >= 0.0)
    {
        return Err(PlacementError::BadBudget(b));
    }
    let cands = candidates(plan)?;
    if method == Method::Exact && cands.len() > EXACT_LIMIT {
        return Err(PlacementError::TooLargeForExact {
            count: cands.len(),
            limit: EXACT_LIMIT,
        });
    }
    let samples = samples(plan, plan.placement.sample_m);
    if samples.len() > SAMPLE_LIMIT {
        return Err(PlacementError::TooMany {
            what: "zone sample points",
            count: samples.len(),
            limit: SAMPLE_LIMIT,
        });
    }
    let sets = cover_sets(plan, &cands, &samples);
    let words = samples.len().div_ceil(64);
    let mut coverable = vec![0u64; words];
    for s in &sets {
        or_into(&mut coverable, s);
    }
    let prices: Vec<f64> = cands.iter().map(|c| c.price).collect();
    let weights: Vec<f64> = samples.iter().map(|s| s.weight).collect();
    let chosen = match (goal, method) {
        (Goal::MeetRequirements, Method::Greedy) => greedy_cover(&sets, &prices, &coverable),
        (Goal::MeetRequirements, Method::Exact) => {
            exact_cover(&sets, &prices, &coverable).ok_or(PlacementError::TooLargeForExact {
                count: cands.len(),
                limit: EXACT_LIMIT,
            })?
        }
        (Goal::Budget(b), Method::Greedy) => greedy_budget(&sets, &prices, &weights, b),
        (Goal::Budget(b), Method::Exact) => exact_budget(&sets, &prices, &weights, b),
    };
    let mut covered = vec![0u64; words];
    for &i in &chosen {
        or_into(&mut covered, &sets[i]);
    }
    let reachable: usize = coverable.iter().map(|w| w.count_ones() as usize).sum();
    let got: usize = covered.iter().map(|w| w.count_ones() as usize).sum();
    let zone_fractions = plan
        .zones
        .iter()
        .enumerate()
        .map(|(zi, z)| {
            let (mut all, mut seen) = (0.0, 0.0);
            for (i, s) in samples.iter().enumerate().filter(|(_, s)| s.zone == zi) {
                all += s.weight;
                if covered[i / 64] >> (i % 64) & 1 == 1 {
                    seen += s.weight;
                }
            }
            (z.id.clone(), if all > 0.0 { seen / all } else { 0.0 })
        })
        .collect();
    let cameras: Vec<Camera> = chosen
        .iter()
        .enumerate()
        .map(|(k, &i)| Camera {
            id: format!("new{}", k + 1),
            ..cands[i].camera.clone()
        })
        .collect();
    let schedule = device_schedule(&cameras, &plan.models);
    Ok(Placement {
        cost: chosen.iter().map(|&i| prices[i]).sum(),
        cameras,
        method,
        samples: samples.len(),
        unreachable: samples.len() - reachable,
        covered: got,
        zone_fractions,
        schedule,
        candidates: cands.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bits(n: usize, members: &[usize]) -> Vec<u64> {
        let mut v = vec![0u64; n.div_ceil(64)];
        for &m in members {
            v[m / 64] |= 1 << (m % 64);
        }
        v
    }

    fn brute_min_cover(sets: &[Vec<u64>], prices: &[f64], target: &[u64]) -> f64 {
        let n = sets.len();
        let mut best = f64::INFINITY;
        for mask in 0u64..(1 << n) {
            let mut cov = vec![0u64; target.len()];
            let mut cost = 0.0;
            for i in (0..n).filter(|i| mask >> i & 1 == 1) {
                or_into(&mut cov, &sets[i]);
                cost += prices[i];
            }
            if target.iter().zip(&cov).all(|(t, c)| t & !c == 0) {
                best = best.min(cost);
            }
        }
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        #[test]
        fn exact_cover_is_optimal_and_greedy_within_its_guarantee(
            members in prop::collection::vec(prop::collection::vec(0usize..30, 1..10), 1..11),
            prices in prop::collection::vec(1u32..20, 11),
        ) {
            let n = 30;
            let sets: Vec<Vec<u64>> = members.iter().map(|m| bits(n, m)).collect();
            let prices: Vec<f64> = prices.iter().take(sets.len()).map(|&p| f64::from(p)).collect();
            let mut target = vec![0u64; 1];
            for s in &sets { or_into(&mut target, s); }
            let opt = brute_min_cover(&sets, &prices, &target);
            let exact = exact_cover(&sets, &prices, &target).unwrap();
            let exact_cost: f64 = exact.iter().map(|&i| prices[i]).sum();
            prop_assert!((exact_cost - opt).abs() < 1e-9, "exact {} vs brute {}", exact_cost, opt);
            let greedy = greedy_cover(&sets, &prices, &target);
            let mut cov = vec![0u64; 1];
            for &i in &greedy { or_into(&mut cov, &sets[i]); }
            prop_assert_eq!(&cov, &target);
            let m = sets.iter().map(|s| s.iter().map(|w| w.count_ones()).sum::<u32>()).max().unwrap_or(1);
            let h: f64 = (1..=m).map(|k| 1.0 / f64::from(k)).sum();
            let g: f64 = greedy.iter().map(|&i| prices[i]).sum();
            prop_assert!(g <= h * opt + 1e-9, "greedy {} > H(m) {} x opt {}", g, h, opt);
            prop_assert!(h <= (f64::from(m)).ln() + 1.0 + 1e-12);
        }

        #[test]
        fn budget_greedy_is_within_its_guarantee_of_the_exact_optimum(
            members in prop::collection::vec(prop::collection::vec(0usize..30, 1..10), 1..10),
            prices in prop::collection::vec(1u32..20, 10),
            budget in 0u32..40,
        ) {
            let n = 30;
            let sets: Vec<Vec<u64>> = members.iter().map(|m| bits(n, m)).collect();
            let prices: Vec<f64> = prices.iter().take(sets.len()).map(|&p| f64::from(p)).collect();
            let weights = vec![1.0; 64];
            let b = f64::from(budget);
            let zero = vec![0u64; 1];
            let value = |chosen: &[usize]| {
                let mut cov = vec![0u64; 1];
                for &i in chosen { or_into(&mut cov, &sets[i]); }
                weight_new(&cov, &zero, &weights)
            };
            let ex = exact_budget(&sets, &prices, &weights, b);
            let gr = greedy_budget(&sets, &prices, &weights, b);
            prop_assert!(ex.iter().map(|&i| prices[i]).sum::<f64>() <= b);
            prop_assert!(gr.iter().map(|&i| prices[i]).sum::<f64>() <= b);
            let (ve, vg) = (value(&ex), value(&gr));
            prop_assert!(vg <= ve + 1e-9);
            let factor = (1.0 - (-1.0f64).exp()) / 2.0;
            prop_assert!(vg + 1e-9 >= factor * ve, "greedy {} < {} x {}", vg, factor, ve);
        }
    }

    const ROOM: &str = "\
boundary: [[0, 0], [20, 0], [20, 10], [0, 10]]
obstacles: [[[9, 4], [11, 4], [11, 6], [9, 6]]]
zones:
  - {id: hall, polygon: [[0, 0], [20, 0], [20, 10], [0, 10]], required: detect}
models:
  - {id: dome, hfov_deg: 360, resolution_h: 2880, price: 300}
  - {id: bullet, sensor_width_mm: 4.8, focal_mm: 4, resolution_h: 1920, price: 150}
candidates: [[0.5, 0.5], [19.5, 9.5], [10, 0.5], [10, 9.5], [0.5, 9.5], [19.5, 0.5]]
placement: {pans: 4, sample_m: 0.5}
";

    #[test]
    fn room_with_a_pillar_is_covered_and_exact_is_no_dearer_than_greedy() {
        let plan = FloorPlan::from_yaml(ROOM).unwrap();
        let g = place(&plan, Goal::MeetRequirements, Method::Greedy).unwrap();
        assert_eq!(g.unreachable, 0, "every sample is visible from some corner");
        assert_eq!(g.covered, g.samples);
        assert!((g.zone_fractions[0].1 - 1.0).abs() < 1e-12);
        let e = place(&plan, Goal::MeetRequirements, Method::Exact);
        // 6 points x (4 pans bullet + 1 dome) = 30 candidates: above the exact limit.
        assert!(matches!(
            e,
            Err(PlacementError::TooLargeForExact { count: 30, .. })
        ));
        // A single 360 camera cannot see behind the pillar: at least two cameras.
        assert!(g.cameras.len() >= 2);
        assert!((g.schedule.total - g.cost).abs() < 1e-9);
        let small = ROOM.replace("pans: 4", "pans: 2").replace(
            "candidates: [[0.5, 0.5], [19.5, 9.5], [10, 0.5], [10, 9.5], [0.5, 9.5], [19.5, 0.5]]",
            "candidates: [[0.5, 0.5], [19.5, 9.5], [10, 0.5], [10, 9.5]]",
        );
        let plan = FloorPlan::from_yaml(&small).unwrap();
        let g = place(&plan, Goal::MeetRequirements, Method::Greedy).unwrap();
        let e = place(&plan, Goal::MeetRequirements, Method::Exact).unwrap();
        assert!(e.cost <= g.cost + 1e-9);
        assert_eq!(e.covered, g.covered);
        let within = place(&plan, Goal::Budget(300.0), Method::Greedy).unwrap();
        assert!(within.cost <= 300.0);
        let nothing = place(&plan, Goal::Budget(0.0), Method::Greedy).unwrap();
        assert!(nothing.cameras.is_empty());
    }

    #[test]
    fn device_schedule_groups_by_model() {
        let plan = FloorPlan::from_yaml(ROOM).unwrap();
        let cands = candidates(&plan).unwrap();
        let cams: Vec<Camera> = cands.iter().take(3).map(|c| c.camera.clone()).collect();
        let s = device_schedule(&cams, &plan.models);
        let total: f64 = cands.iter().take(3).map(|c| c.price).sum();
        assert!((s.total - total).abs() < 1e-9);
        assert_eq!(s.lines.iter().map(|l| l.quantity).sum::<usize>(), 3);
    }

    #[test]
    fn varifocal_models_are_tried_across_their_focal_range() {
        // A 1 x 1 m gate 13.5 to 14.5 m from the only mounting point, 3 m up. A 4.8 mm wide,
        // 2560 px sensor reaches Identify (250 px/m) at 2560 f / (4.8 x 250) = 2.1333 f m
        // slant: 5.97 m at 2.8 mm, 12.37 m at the middle setting sqrt(2.8 x 12) = 5.797 mm
        // (12.30 m on the floor), 25.6 m at 12 mm (25.57 m on the floor). Only the long end
        // reaches the gate; its 22.6 degree view holds it (atan(0.5 / 13.5) = 2.1 degrees).
        let text = "\
boundary: [[0, 0], [30, 0], [30, 10], [0, 10]]
zones: [{id: gate, polygon: [[14, 4.5], [15, 4.5], [15, 5.5], [14, 5.5]], required: identify}]
models: [{id: vf, sensor_width_mm: 4.8, focal_range_mm: [2.8, 12], resolution_h: 2560, price: 400}]
candidates: [[0.5, 5]]
placement: {pans: 4, height_m: 3.0, sample_m: 0.25, focal_steps: 3}
";
        let plan = FloorPlan::from_yaml(text).unwrap();
        let model = &plan.models[0];
        let settings: Vec<f64> = model.focal_settings(3).into_iter().flatten().collect();
        assert_eq!(settings.len(), 3);
        assert!((settings[0] - 2.8).abs() < 1e-12 && (settings[2] - 12.0).abs() < 1e-12);
        assert!((settings[1] - 5.796551).abs() < 1e-6, "{}", settings[1]);
        let p = place(&plan, Goal::MeetRequirements, Method::Exact).unwrap();
        assert_eq!(p.candidates, 12);
        assert_eq!(p.cameras.len(), 1);
        assert_eq!(p.cameras[0].focal_mm, Some(12.0));
        assert_eq!(p.cameras[0].pan_deg, 0.0);
        assert_eq!(p.cost, 400.0);
        assert_eq!(p.unreachable, 0);
        assert_eq!(p.zone_fractions, vec![("gate".to_string(), 1.0)]);
        // At its default (shortest) setting alone, nothing reaches the gate.
        let fixed = FloorPlan::from_yaml(&text.replace(", focal_steps: 3", "")).unwrap();
        let p = place(&fixed, Goal::MeetRequirements, Method::Greedy).unwrap();
        assert!(p.cameras.is_empty());
        assert_eq!(p.unreachable, p.samples);
        assert_eq!(p.samples, 16);
        // At night a 10 m illuminator stops short of the gate (13.5 m and more on the floor);
        // a 30 m one (29.97 m on the floor) does not.
        let night = text
            .replace("price: 400}", "price: 400, ir_range_m: 10}")
            .replace("focal_steps: 3}", "focal_steps: 3, night: true}");
        let p = place(
            &FloorPlan::from_yaml(&night).unwrap(),
            Goal::MeetRequirements,
            Method::Exact,
        )
        .unwrap();
        assert!(p.cameras.is_empty() && p.unreachable == 16);
        let far = night.replace("ir_range_m: 10", "ir_range_m: 30");
        let p = place(
            &FloorPlan::from_yaml(&far).unwrap(),
            Goal::MeetRequirements,
            Method::Exact,
        )
        .unwrap();
        assert_eq!(p.cameras.len(), 1);
        // Tilted 20 degrees down, the 12 mm setting's vertical view, 2 atan(0.2 x 9 / 16)
        // = 12.84 degrees, spans 13.58 to 26.42 degrees down: from 1.3 / tan 26.42 = 2.62 m
        // to 1.3 / tan 13.58 = 5.38 m. The gate, 13.5 m away, is above the image.
        let tilted = text.replace("focal_steps: 3}", "focal_steps: 3, tilt_deg: 20}");
        let tilted = FloorPlan::from_yaml(&tilted).unwrap();
        let p = place(&tilted, Goal::MeetRequirements, Method::Exact).unwrap();
        assert!(p.cameras.is_empty() && p.unreachable == 16);
        // Tilted 2 degrees down the top edge looks above the head plane and the blind spot
        // ends at 1.3 / tan(2 + 6.42) = 8.78 m: the gate is seen.
        let level = text.replace("focal_steps: 3}", "focal_steps: 3, tilt_deg: 2}");
        let level = FloorPlan::from_yaml(&level).unwrap();
        let p = place(&level, Goal::MeetRequirements, Method::Exact).unwrap();
        assert_eq!(p.cameras.len(), 1);
        assert!(p.cameras[0].tilt.is_some());
    }
}
