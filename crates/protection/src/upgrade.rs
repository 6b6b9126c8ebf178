//! Recommending improvements: which candidate upgrades (a sensor that raises P_D, hardening that
//! raises delay, a faster response force) to buy, and how sensitive the most vulnerable path is
//! to each element.
//!
//! The objective is the design basis threat's weakest point: the minimum P_E over every
//! adversary profile and every path. Both selections are exact: every subset of candidates is
//! considered (upgrades need not help monotonically, because adding delay variance can lower
//! P_I), which is why the candidate list is limited to [`MAX_CANDIDATES`]. Ties go to the lower
//! cost, then fewer upgrades, then the earlier candidates in the file.
//!
//! Upgrades set values, they never lower them: when two chosen upgrades touch the same field the
//! higher P_D, P_A or delay wins, and the faster response time wins.

use crate::analysis::analyze_network;
use crate::facility::{Facility, FacilityError};
use crate::network::Network;
use crate::search::{SearchOptions, most_vulnerable_paths};

/// The most candidates the exact selection accepts (2^16 subsets).
pub const MAX_CANDIDATES: usize = 16;

/// Why an upgrade question has no answer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum UpgradeError {
    #[error(transparent)]
    Facility(#[from] FacilityError),
    #[error("{count} upgrade candidates: the exact selection takes at most {max}")]
    TooManyCandidates { count: usize, max: usize },
    #[error("{field} is {value}; {expected}")]
    InvalidGoal {
        field: &'static str,
        value: f64,
        expected: &'static str,
    },
}

/// A set of upgrades and what it achieves.
#[derive(Clone, Debug, PartialEq)]
pub struct UpgradePlan {
    /// Upgrade ids, in the file's order.
    pub upgrades: Vec<String>,
    pub cost: f64,
    /// The minimum P_E over adversaries and paths before any upgrade.
    pub p_effectiveness_before: f64,
    /// The minimum P_E over adversaries and paths with these upgrades.
    pub p_effectiveness_after: f64,
    /// The adversary profile that sets the minimum after the upgrades (none if unreachable).
    pub weakest_adversary: Option<String>,
}

/// The facility with the chosen upgrades (indices into `facility.upgrades`) applied.
pub fn apply_upgrades(facility: &Facility, chosen: &[usize]) -> Facility {
    let mut f = facility.clone();
    for &i in chosen {
        let Some(u) = facility.upgrades.get(i) else {
            continue;
        };
        match &u.element {
            Some(id) => {
                if let Some(e) = f.elements.iter_mut().find(|e| &e.id == id) {
                    raise(&mut e.p_detect, u.p_detect);
                    raise(&mut e.delay_mean, u.delay_mean);
                    raise(&mut e.delay_sd, u.delay_sd);
                    if let Some(p) = u.p_assessment {
                        e.p_assessment = Some(e.p_assessment.map_or(p, |q| q.max(p)));
                    }
                }
            }
            None => {
                if let Some(m) = u.response_mean {
                    f.response.mean = f.response.mean.min(m);
                }
                if let Some(s) = u.response_sd {
                    f.response.sd = f.response.sd.min(s);
                }
            }
        }
    }
    f
}

fn raise(value: &mut f64, to: Option<f64>) {
    if let Some(t) = to {
        *value = value.max(t);
    }
}

/// The minimum P_E over every adversary profile, with the profile that sets it (`None` when no
/// adversary can reach a target, in which case P_E is 1).
pub fn min_p_effectiveness(
    facility: &Facility,
    options: &SearchOptions,
) -> Result<(f64, Option<String>), FacilityError> {
    let mut worst = (1.0, None);
    for a in &facility.adversaries {
        let net = Network::new(facility, a)?;
        let analysis = analyze_network(&net, &a.name, options);
        if analysis.most_vulnerable().is_some() && analysis.min_p_effectiveness() < worst.0 {
            worst = (analysis.min_p_effectiveness(), Some(a.name.clone()));
        }
    }
    Ok(worst)
}

fn plan(
    facility: &Facility,
    chosen: &[usize],
    before: f64,
    after: (f64, Option<String>),
) -> UpgradePlan {
    UpgradePlan {
        upgrades: chosen
            .iter()
            .map(|&i| facility.upgrades[i].id.clone())
            .collect(),
        cost: chosen.iter().map(|&i| facility.upgrades[i].cost).sum(),
        p_effectiveness_before: before,
        p_effectiveness_after: after.0,
        weakest_adversary: after.1,
    }
}

fn check_size(facility: &Facility) -> Result<usize, UpgradeError> {
    let count = facility.upgrades.len();
    if count > MAX_CANDIDATES {
        return Err(UpgradeError::TooManyCandidates {
            count,
            max: MAX_CANDIDATES,
        });
    }
    Ok(count)
}

fn members(mask: u32, count: usize) -> Vec<usize> {
    (0..count).filter(|i| mask & (1 << i) != 0).collect()
}

/// The cheapest set of upgrades that lifts the minimum P_E to at least `target`; `None` when
/// even every upgrade together does not.
pub fn cheapest_to_reach(
    facility: &Facility,
    target: f64,
    options: &SearchOptions,
) -> Result<Option<UpgradePlan>, UpgradeError> {
    if !(0.0..=1.0).contains(&target) {
        return Err(UpgradeError::InvalidGoal {
            field: "target P_E",
            value: target,
            expected: "it must lie in [0, 1]",
        });
    }
    let count = check_size(facility)?;
    let before = min_p_effectiveness(facility, options)?.0;
    // Subsets in order of (cost, size, members): the first that reaches the target is the answer.
    let mut order: Vec<(f64, Vec<usize>)> = (0..1u32 << count)
        .map(|mask| {
            let m = members(mask, count);
            (m.iter().map(|&i| facility.upgrades[i].cost).sum(), m)
        })
        .collect();
    order.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(a.1.len().cmp(&b.1.len()))
            .then_with(|| a.1.cmp(&b.1))
    });
    for (_, chosen) in order {
        let after = min_p_effectiveness(&apply_upgrades(facility, &chosen), options)?;
        if after.0 >= target {
            return Ok(Some(plan(facility, &chosen, before, after)));
        }
    }
    Ok(None)
}

/// The set of upgrades within `budget` that maximises the minimum P_E.
pub fn best_for_budget(
    facility: &Facility,
    budget: f64,
    options: &SearchOptions,
) -> Result<UpgradePlan, UpgradeError> {
    if !(budget.is_finite() && budget >= 0.0) {
        return Err(UpgradeError::InvalidGoal {
            field: "budget",
            value: budget,
            expected: "it must be a finite amount of at least zero",
        });
    }
    check_size(facility)?;
    let before = min_p_effectiveness(facility, options)?;
    let mut best = plan(facility, &[], before.0, before.clone());
    let mut chosen = Vec::new();
    within_budget(facility, options, budget, 0, 0.0, &mut chosen, &mut best)?;
    Ok(best)
}

/// Depth-first over subsets in member order, never past the budget.
fn within_budget(
    facility: &Facility,
    options: &SearchOptions,
    budget: f64,
    next: usize,
    cost: f64,
    chosen: &mut Vec<usize>,
    best: &mut UpgradePlan,
) -> Result<(), FacilityError> {
    for i in next..facility.upgrades.len() {
        let c = cost + facility.upgrades[i].cost;
        if c > budget {
            continue;
        }
        chosen.push(i);
        let after = min_p_effectiveness(&apply_upgrades(facility, chosen), options)?;
        let candidate = plan(facility, chosen, best.p_effectiveness_before, after);
        if better(&candidate, best, facility) {
            *best = candidate;
        }
        within_budget(facility, options, budget, i + 1, c, chosen, best)?;
        chosen.pop();
    }
    Ok(())
}

fn better(a: &UpgradePlan, b: &UpgradePlan, facility: &Facility) -> bool {
    let index = |p: &UpgradePlan| -> Vec<usize> {
        p.upgrades
            .iter()
            .filter_map(|id| facility.upgrades.iter().position(|u| &u.id == id))
            .collect()
    };
    a.p_effectiveness_after
        .total_cmp(&b.p_effectiveness_after)
        .reverse()
        .then(a.cost.total_cmp(&b.cost))
        .then(a.upgrades.len().cmp(&b.upgrades.len()))
        .then_with(|| index(a).cmp(&index(b)))
        .is_lt()
}

/// How the minimum P_I answers a small improvement of one element.
#[derive(Clone, Debug, PartialEq)]
pub struct ElementSensitivity {
    pub element: String,
    /// Whether the element lies on the current most vulnerable path.
    pub on_most_vulnerable_path: bool,
    /// Minimum P_I with this element's P_D (as the adversary meets it) raised by 0.1, capped at 1.
    pub p_interruption_detect_up: f64,
    /// Minimum P_I with this element's delay mean and sd raised by 10 %.
    pub p_interruption_delay_up: f64,
}

/// The step by which [`sensitivity`] raises P_D.
pub const DETECT_STEP: f64 = 0.1;
/// The factor by which [`sensitivity`] raises delay.
pub const DELAY_FACTOR: f64 = 1.1;

/// For each element, the minimum P_I after a small improvement of that element alone, with the
/// current minimum P_I (`None` when no target is reachable).
pub fn sensitivity(
    facility: &Facility,
    adversary: Option<&str>,
    options: &SearchOptions,
) -> Result<(Option<f64>, Vec<ElementSensitivity>), FacilityError> {
    let profile = facility.adversary(adversary)?;
    let net = Network::new(facility, profile)?;
    let base = most_vulnerable_paths(&net, options);
    let Some(best) = base.paths.first() else {
        return Ok((None, Vec::new()));
    };
    let min_p = |n: &Network| {
        most_vulnerable_paths(n, options)
            .paths
            .first()
            .map_or(1.0, |p| p.p_interruption)
    };
    let mut out = Vec::with_capacity(facility.elements.len());
    for (i, e) in facility.elements.iter().enumerate() {
        let mut up = net.clone();
        up.stages[i].p_detect = (up.stages[i].p_detect + DETECT_STEP).min(1.0);
        let detect = min_p(&up);
        let mut slow = net.clone();
        slow.stages[i].delay_mean *= DELAY_FACTOR;
        slow.stages[i].delay_var *= DELAY_FACTOR * DELAY_FACTOR;
        let delay = min_p(&slow);
        out.push(ElementSensitivity {
            element: e.id.clone(),
            on_most_vulnerable_path: best.elements.contains(&(i as u32)),
            p_interruption_detect_up: detect,
            p_interruption_delay_up: delay,
        });
    }
    Ok((Some(best.p_interruption), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two ways into the server room: a well-alarmed front and a weak back door.
    const SITE: &str = "
entries: [offsite]
target: server-room
p_communication: 0.95
p_neutralization: 0.9
response: {mean: 240, sd: 60}
elements:
  - {id: fence, type: fence, from: offsite, to: yard, p_detect: 0.6, location: B, delay_mean: 20, delay_sd: 6}
  - {id: front-door, type: door, from: yard, to: lobby, p_detect: 0.9, location: B, delay_mean: 60, delay_sd: 18}
  - {id: lobby-door, type: door, from: lobby, to: server-room, p_detect: 0.9, location: M, delay_mean: 120, delay_sd: 36}
  - {id: back-door, type: door, from: yard, to: corridor, p_detect: 0.3, location: E, delay_mean: 40, delay_sd: 12}
  - {id: corridor-door, type: door, from: corridor, to: server-room, p_detect: 0.5, location: E, delay_mean: 60, delay_sd: 18}
adversaries:
  - {name: outsider}
  - {name: cutting-team, p_neutralization: 0.8, rules: [{type: fence, delay_factor: 0.5}, {type: door, delay_factor: 0.7}]}
upgrades:
  - {id: back-door-contact, element: back-door, cost: 3000, p_detect: 0.9}
  - {id: harden-back-door, element: back-door, cost: 8000, delay_mean: 240, delay_sd: 60}
  - {id: corridor-sensor, element: corridor-door, cost: 5000, p_detect: 0.95}
  - {id: fence-sensor, element: fence, cost: 20000, p_detect: 0.95}
  - {id: faster-response, cost: 30000, response_mean: 120, response_sd: 30}
";

    fn site() -> Facility {
        Facility::from_yaml(SITE).unwrap()
    }

    fn all_plans(f: &Facility) -> Vec<(Vec<usize>, f64, f64)> {
        let options = SearchOptions::default();
        (0..1u32 << f.upgrades.len())
            .map(|mask| {
                let chosen = members(mask, f.upgrades.len());
                let cost = chosen.iter().map(|&i| f.upgrades[i].cost).sum();
                let pe = min_p_effectiveness(&apply_upgrades(f, &chosen), &options)
                    .unwrap()
                    .0;
                (chosen, cost, pe)
            })
            .collect()
    }

    #[test]
    fn budget_choice_matches_brute_force() {
        let f = site();
        let plans = all_plans(&f);
        for budget in [
            0.0, 2999.0, 3000.0, 8000.0, 11_000.0, 16_000.0, 40_000.0, 1e9,
        ] {
            let got = best_for_budget(&f, budget, &SearchOptions::default()).unwrap();
            let best_pe = plans
                .iter()
                .filter(|p| p.1 <= budget)
                .map(|p| p.2)
                .fold(f64::NEG_INFINITY, f64::max);
            assert!(
                (got.p_effectiveness_after - best_pe).abs() < 1e-12,
                "budget {budget}"
            );
            assert!(got.cost <= budget);
            let cheapest_at_best = plans
                .iter()
                .filter(|p| p.1 <= budget && p.2 == best_pe)
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min);
            assert_eq!(got.cost, cheapest_at_best, "budget {budget}");
        }
        let nothing = best_for_budget(&f, 0.0, &SearchOptions::default()).unwrap();
        assert!(nothing.upgrades.is_empty());
        assert_eq!(
            nothing.p_effectiveness_after,
            nothing.p_effectiveness_before
        );
    }

    #[test]
    fn cheapest_to_reach_matches_brute_force() {
        let f = site();
        let plans = all_plans(&f);
        let before = plans[0].2;
        for target in [0.0, before, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.99] {
            let got = cheapest_to_reach(&f, target, &SearchOptions::default()).unwrap();
            let want = plans
                .iter()
                .filter(|p| p.2 >= target)
                .map(|p| p.1)
                .fold(f64::INFINITY, f64::min);
            match got {
                Some(plan) => {
                    assert_eq!(plan.cost, want, "target {target}");
                    assert!(plan.p_effectiveness_after >= target);
                }
                None => assert!(want.is_infinite(), "target {target}"),
            }
        }
        // The weak back door is the way in: its contact alone is the cheapest first step.
        let first = cheapest_to_reach(&f, before + 1e-6, &SearchOptions::default())
            .unwrap()
            .unwrap();
        assert_eq!(first.upgrades, ["back-door-contact"]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 40, ..Default::default() })]

        /// With random costs, budgets and targets, both selections agree with trying every subset.
        #[test]
        fn selections_match_brute_force_for_random_costs(
            costs in proptest::collection::vec(0u32..20, 5),
            budget in 0u32..60,
            target in 0.3f64..0.95,
        ) {
            let mut f = site();
            for (u, c) in f.upgrades.iter_mut().zip(&costs) {
                u.cost = f64::from(*c) * 1000.0;
            }
            let budget = f64::from(budget) * 1000.0;
            let plans = all_plans(&f);
            let options = SearchOptions::default();
            let got = best_for_budget(&f, budget, &options).unwrap();
            let best_pe = plans.iter().filter(|p| p.1 <= budget).map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
            proptest::prop_assert!((got.p_effectiveness_after - best_pe).abs() < 1e-12);
            proptest::prop_assert!(got.cost <= budget);
            let cheapest = plans.iter().filter(|p| p.2 >= target).map(|p| p.1).fold(f64::INFINITY, f64::min);
            match cheapest_to_reach(&f, target, &options).unwrap() {
                Some(plan) => proptest::prop_assert_eq!(plan.cost, cheapest),
                None => proptest::prop_assert!(cheapest.is_infinite()),
            }
        }
    }

    #[test]
    fn bad_goals_and_too_many_candidates() {
        let f = site();
        let options = SearchOptions::default();
        assert!(matches!(
            best_for_budget(&f, -1.0, &options),
            Err(UpgradeError::InvalidGoal { .. })
        ));
        assert!(matches!(
            cheapest_to_reach(&f, 1.5, &options),
            Err(UpgradeError::InvalidGoal { .. })
        ));
        let mut many = f.clone();
        for i in 0..MAX_CANDIDATES {
            let mut u = many.upgrades[0].clone();
            u.id = format!("extra-{i}");
            many.upgrades.push(u);
        }
        assert!(matches!(
            best_for_budget(&many, 1.0, &options),
            Err(UpgradeError::TooManyCandidates { .. })
        ));
    }

    #[test]
    fn sensitivity_points_at_the_weak_path() {
        let f = site();
        let (base, rows) = sensitivity(&f, Some("outsider"), &SearchOptions::default()).unwrap();
        let base = base.unwrap();
        let row = |id: &str| rows.iter().find(|r| r.element == id).unwrap();
        // The most vulnerable path is fence, back door, corridor door.
        assert!(row("back-door").on_most_vulnerable_path);
        assert!(!row("front-door").on_most_vulnerable_path);
        // Improving an element off the weakest path cannot change the minimum.
        assert_eq!(row("front-door").p_interruption_detect_up, base);
        assert_eq!(row("lobby-door").p_interruption_delay_up, base);
        // Improving detection at the fence, which every path crosses first, raises it.
        assert!(row("fence").p_interruption_detect_up > base);
    }
}
