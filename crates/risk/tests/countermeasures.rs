//! Countermeasures: hand-computed reduction and ROSI, the optimiser against
//! brute force on small sets, and "more controls never raise residual risk".

use proptest::prelude::*;
use rampart_risk::countermeasures::{OptimiseOptions, SearchMethod, optimise};
use rampart_risk::fair::Portfolio;
use rampart_risk::parse;
use rampart_risk::simulate::{SimulationOptions, mean_annual_loss, simulate};

#[test]
fn reduction_and_rosi_by_hand() {
    // ALE = 10 x 1000 = 10,000 with no randomness. Halving LEF for 1,000 a year
    // saves 5,000: ROSI = (5,000 - 1,000) / 1,000 = 4. The lock in place already
    // takes LM from 1,250 to 1,000 (x 0.8).
    let text = "
scenarios:
  - id: s
    lef: {constant: 10}
    loss_magnitude: {constant: 1250}
controls:
  - id: lock
    status: in_place
    annual_cost: 300
    effects: [{node: loss_magnitude, multiply: 0.8}]
  - id: guard
    annual_cost: 1000
    effects: [{node: lef, multiply: 0.5}]
  - id: sign
    annual_cost: 0
    effects: [{node: lef, add: -1}]
";
    let file = parse(text).unwrap();
    let o = optimise(
        &file.portfolio,
        &OptimiseOptions {
            budget: 1000.0,
            trials: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(o.inherent_ale, 12_500.0);
    assert_eq!(o.current_ale, 10_000.0);
    let guard = o.controls.iter().find(|c| c.id == "guard").unwrap();
    assert_eq!(guard.risk_reduction, 5_000.0);
    assert_eq!(guard.rosi, Some(4.0));
    let sign = o.controls.iter().find(|c| c.id == "sign").unwrap();
    assert_eq!((sign.risk_reduction, sign.rosi), (1_000.0, None));
    // Both fit the budget: LEF (10 x 0.5) - 1 = 4 -> residual 4,000.
    assert_eq!(
        o.best.controls,
        vec!["guard".to_string(), "sign".to_string()]
    );
    assert_eq!(o.best.residual_ale, 4_000.0);
    assert!(matches!(
        o.method,
        SearchMethod::BranchAndBound {
            proven_optimal: true,
            ..
        }
    ));
    // Frontier: free sign first, then both.
    let costs: Vec<f64> = o.frontier.iter().map(|p| p.annual_cost).collect();
    assert_eq!(costs, vec![0.0, 1000.0]);
    // In-place controls shape current risk in the simulation too.
    let r = simulate(
        &file.portfolio,
        &file.portfolio.in_place(),
        &SimulationOptions {
            trials: 100,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.portfolio.mean, 10_000.0);
}

const MODEL: &str = "
scenarios:
  - id: theft
    tef: {pert: [5, 20, 60]}
    threat_capability: {pert: [20, 50, 90]}
    resistance_strength: {uniform: [30, 70]}
    primary_loss: {lognormal_90: [2.0e4, 4.0e5]}
  - id: fire
    lef: {pert: [0.1, 0.5, 3]}
    primary_loss: {pert: [1.0e5, 5.0e5, 5.0e6]}
    secondary_loss_event_frequency: {uniform: [0.1, 0.5]}
    secondary_loss_magnitude: {triangular: [1.0e5, 2.0e5, 1.0e6]}
  - id: fraud
    mode: compound_poisson
    contact_frequency: {pert: [10, 40, 100]}
    probability_of_action: {uniform: [0.05, 0.2]}
    vulnerability: {pert: [0.1, 0.3, 0.6]}
    loss_magnitude: {lognormal_90: [1.0e3, 5.0e4]}
";

/// Nodes each scenario of MODEL uses, for generated effects.
const TARGETS: [(&str, &str); 9] = [
    ("theft", "tef"),
    ("theft", "resistance_strength"),
    ("theft", "threat_capability"),
    ("theft", "primary_loss"),
    ("fire", "lef"),
    ("fire", "secondary_loss_event_frequency"),
    ("fraud", "probability_of_action"),
    ("fraud", "vulnerability"),
    ("fraud", "loss_magnitude"),
];

#[derive(Debug, Clone)]
struct GenControl {
    target: usize,
    factor: f64,
    cost: u32,
    requires: Option<usize>,
    excludes: Option<usize>,
    set: bool,
}

fn model_with(controls: &[GenControl]) -> Portfolio {
    let mut text = format!("{MODEL}controls:\n");
    for (i, c) in controls.iter().enumerate() {
        let (scenario, node) = TARGETS[c.target];
        let effect = if c.set {
            format!(
                "set: {{constant: {}}}",
                if node == "resistance_strength" {
                    60.0
                } else {
                    0.05
                }
            )
        } else if node == "resistance_strength" {
            format!("add: {}", (1.0 - c.factor) * 30.0)
        } else {
            format!("multiply: {}", c.factor)
        };
        text.push_str(&format!(
            "  - id: c{i}\n    annual_cost: {}\n    effects: [{{node: {node}, {effect}, scenarios: [{scenario}]}}]\n",
            c.cost
        ));
        if let Some(r) = c.requires.filter(|&r| r != i && r < controls.len()) {
            text.push_str(&format!("    requires: [c{r}]\n"));
        }
        if let Some(x) = c.excludes.filter(|&x| x != i && x < controls.len()) {
            text.push_str(&format!("    excludes: [c{x}]\n"));
        }
    }
    parse(&text).expect("generated model parses").portfolio
}

fn gen_control(n: usize, allow_set: bool) -> impl Strategy<Value = GenControl> {
    (
        0..TARGETS.len(),
        0.2f64..1.0,
        1u32..50,
        proptest::option::weighted(0.2, 0..n),
        proptest::option::weighted(0.2, 0..n),
        proptest::bool::weighted(if allow_set { 0.2 } else { 0.0 }),
    )
        .prop_map(
            |(target, factor, cost, requires, excludes, set)| GenControl {
                target,
                factor: (factor * 100.0).round() / 100.0,
                cost: cost * 1000,
                requires,
                excludes,
                set,
            },
        )
}

/// Residual ALE of a set by direct evaluation: the oracle for the optimiser.
fn residual(p: &Portfolio, set: &[usize], trials: u64, seed: u64) -> f64 {
    (0..p.scenarios.len())
        .map(|s| {
            mean_annual_loss(
                &p.scenarios[s],
                &p.scenario_adjustments(s, set),
                &[],
                trials,
                seed,
            )
        })
        .sum()
}

fn feasible(p: &Portfolio, set: &[usize], budget: f64) -> bool {
    let ids: Vec<&str> = set.iter().map(|&i| p.controls[i].id.as_str()).collect();
    let cost: f64 = set.iter().map(|&i| p.controls[i].annual_cost).sum();
    cost <= budget
        && set.iter().all(|&i| {
            let c = &p.controls[i];
            c.requires.iter().all(|r| ids.contains(&r.as_str()))
                && c.excludes.iter().all(|x| !ids.contains(&x.as_str()))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn optimiser_matches_brute_force(
        controls in proptest::collection::vec(gen_control(7, true), 1..=7),
        budget_frac in 0.0f64..1.0,
    ) {
        let p = model_with(&controls);
        let total: f64 = p.controls.iter().map(|c| c.annual_cost).sum();
        let budget = (total * budget_frac).round();
        let (trials, seed) = (2_000, 42);
        let o = optimise(&p, &OptimiseOptions { budget, trials, seed, frontier_points: 4 }).unwrap();
        let n = p.controls.len();
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << n) {
            let set: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            if feasible(&p, &set, budget) {
                best = best.min(residual(&p, &set, trials, seed));
            }
        }
        let proven = matches!(o.method, SearchMethod::BranchAndBound { proven_optimal: true, .. });
        prop_assert!(proven, "{:?}", o.method);
        prop_assert!((o.best.residual_ale - best).abs() <= 1e-9 * best.abs(), "{} vs {}", o.best.residual_ale, best);
        let chosen: Vec<usize> = o.best.controls.iter().map(|id| p.control_index(id).unwrap()).collect();
        prop_assert!(feasible(&p, &chosen, budget));
        // The frontier never spends more for more risk.
        for w in o.frontier.windows(2) {
            prop_assert!(w[1].annual_cost > w[0].annual_cost && w[1].residual_ale < w[0].residual_ale);
        }
    }

    #[test]
    fn more_controls_never_raise_residual_risk(
        controls in proptest::collection::vec(gen_control(6, false), 2..=6),
        subset_mask in 0u32..64,
        extra_mask in 0u32..64,
    ) {
        let p = model_with(&controls);
        let n = p.controls.len();
        let small: Vec<usize> = (0..n).filter(|i| subset_mask & (1 << i) != 0).collect();
        let large: Vec<usize> = (0..n).filter(|i| (subset_mask | extra_mask) & (1 << i) != 0).collect();
        let o = SimulationOptions { trials: 3_000, seed: 5, ..Default::default() };
        // Per scenario in the simulation proper (per-trial scenarios), and by the optimiser's measure.
        let a = simulate(&p, &small, &o).unwrap();
        let b = simulate(&p, &large, &o).unwrap();
        for (x, y) in a.scenarios.iter().zip(&b.scenarios).filter(|(x, _)| x.mode.name() == "per_trial") {
            prop_assert!(y.ale.mean <= x.ale.mean * (1.0 + 1e-12), "{}: {} -> {}", x.id, x.ale.mean, y.ale.mean);
        }
        prop_assert!(residual(&p, &large, 3_000, 5) <= residual(&p, &small, 3_000, 5) * (1.0 + 1e-12));
    }
}

#[test]
fn beyond_forty_candidates_the_greedy_approximation_is_stated_and_feasible() {
    let controls: Vec<GenControl> = (0..45)
        .map(|i| GenControl {
            target: i % TARGETS.len(),
            factor: 0.5 + f64::from(i as u32 % 7) * 0.07,
            cost: 1000 + (i as u32 * 7919) % 20_000,
            requires: if i % 11 == 3 { Some(i - 1) } else { None },
            excludes: if i % 13 == 5 { Some(i + 1) } else { None },
            set: false,
        })
        .collect();
    let p = model_with(&controls);
    let budget = 60_000.0;
    let o = optimise(
        &p,
        &OptimiseOptions {
            budget,
            trials: 1_000,
            seed: 3,
            frontier_points: 3,
        },
    )
    .unwrap();
    assert!(matches!(o.method, SearchMethod::Greedy { .. }));
    let chosen: Vec<usize> = o
        .best
        .controls
        .iter()
        .map(|id| p.control_index(id).unwrap())
        .collect();
    assert!(feasible(&p, &chosen, budget));
    // At least as good as any single affordable control.
    let best_single = o
        .controls
        .iter()
        .filter(|c| c.annual_cost <= budget)
        .map(|c| c.ale_after)
        .fold(f64::INFINITY, f64::min);
    assert!(o.best.residual_ale <= best_single);
}

#[test]
fn set_effects_replace_a_node_in_both_modes() {
    // Vulnerability U(0.2, 0.4) set to 0.1 by the control: ALE = 10 x 0.1 x 1,000 = 1,000.
    let text = "
scenarios:
  - id: a
    tef: {constant: 10}
    vulnerability: {uniform: [0.2, 0.4]}
    loss_magnitude: {constant: 1000}
  - id: b
    mode: compound_poisson
    tef: {ref: a}
    vulnerability: {uniform: [0.2, 0.4]}
    loss_magnitude: {constant: 1000}
controls:
  - id: turnstiles
    annual_cost: 100
    effects: [{node: vulnerability, set: {constant: 0.1}}]
";
    let p = parse(text).unwrap().portfolio;
    let o = SimulationOptions {
        trials: 200_000,
        ..Default::default()
    };
    let before = simulate(&p, &[], &o).unwrap();
    let after = simulate(&p, &[0], &o).unwrap();
    assert!((before.scenarios[0].ale.mean / 3_000.0 - 1.0).abs() < 0.005);
    assert_eq!(after.scenarios[0].ale.mean, 1_000.0);
    // Compound Poisson: N ~ Poisson(1) events of 1,000 each.
    let b = &after.scenarios[1].ale;
    assert!(
        (b.mean - 1_000.0).abs() < 4.0 * b.standard_error,
        "{}",
        b.mean
    );
    assert!((b.sd / 1_000.0 - 1.0).abs() < 0.01, "{}", b.sd);
}
