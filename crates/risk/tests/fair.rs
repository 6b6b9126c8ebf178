//! Open FAIR Monte Carlo against independent values: the PRODUCT.md check
//! value, closed-form moments, analytic percentiles, seed reproducibility
//! across thread counts, and bad input.

use rampart_risk::dist::Distribution;
use rampart_risk::fair::ModelError;
use rampart_risk::quantiles::QuantileMethod;
use rampart_risk::simulate::{QuantilePolicy, SimulationOptions, simulate, tornado};
use rampart_risk::{Node, parse};

fn opts(trials: u64, seed: u64) -> SimulationOptions {
    SimulationOptions {
        trials,
        seed,
        ..Default::default()
    }
}

const CHECK_MODEL: &str = "
scenarios:
  - id: warehouse-theft
    lef: {pert: [20, 100, 900]}
    primary_loss: {pert: [3.0e6, 3.5e6, 5.0e6]}
    secondary_loss: {constant: 3.5e6}
";

#[test]
fn product_check_value_within_half_a_percent_at_one_million_trials() {
    let file = parse(CHECK_MODEL).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(1_000_000, 2026)).unwrap();
    let exact = 1_576_666_666.67;
    let mean = r.scenarios[0].ale.mean;
    assert!((mean / exact - 1.0).abs() < 0.005, "mean ALE {mean}");
    // The standard error says how far the estimate may honestly be off.
    assert!((mean - exact).abs() < 5.0 * r.scenarios[0].ale.standard_error);
    // One scenario: the portfolio is that scenario.
    assert_eq!(r.portfolio.mean, mean);
}

#[test]
fn per_trial_moments_match_closed_form() {
    // X ~ U(2, 10), Y ~ Tri(1000, 2000, 6000), independent:
    // E[XY] = E[X]E[Y]; Var(XY) = E[X²]E[Y²] - (E[X]E[Y])².
    let text = "
scenarios:
  - id: s
    lef: {uniform: [2, 10]}
    loss_magnitude: {triangular: [1000, 2000, 6000]}
";
    let file = parse(text).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(400_000, 7)).unwrap();
    let x = Distribution::uniform(2.0, 10.0).unwrap();
    let y = Distribution::triangular(1000.0, 2000.0, 6000.0).unwrap();
    let ex2 = x.variance() + x.mean().powi(2);
    let ey2 = y.variance() + y.mean().powi(2);
    let mean = x.mean() * y.mean();
    let var = ex2 * ey2 - mean * mean;
    let a = &r.scenarios[0].ale;
    assert!(
        (a.mean - mean).abs() < 4.0 * a.standard_error,
        "{} vs {mean}",
        a.mean
    );
    assert!(
        (a.sd / var.sqrt() - 1.0).abs() < 0.01,
        "{} vs {}",
        a.sd,
        var.sqrt()
    );
}

#[test]
fn compound_poisson_moments_match_closed_form() {
    // N ~ Poisson(3), L ~ PERT(1000, 2000, 9000): E[S] = λE[L], Var(S) = λE[L²].
    let text = "
scenarios:
  - id: s
    mode: compound_poisson
    lef: {constant: 3}
    loss_magnitude: {pert: [1000, 2000, 9000]}
";
    let file = parse(text).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(400_000, 11)).unwrap();
    let l = Distribution::pert(1000.0, 2000.0, 9000.0, 4.0).unwrap();
    let mean = 3.0 * l.mean();
    let var = 3.0 * (l.variance() + l.mean().powi(2));
    let a = &r.scenarios[0].ale;
    assert!(
        (a.mean - mean).abs() < 4.0 * a.standard_error,
        "{} vs {mean}",
        a.mean
    );
    assert!((a.sd / var.sqrt() - 1.0).abs() < 0.01);
    // P(S = 0) = P(N = 0) = e^-3: the first LEC point.
    let p0 = 1.0 - a.lec[0].p_exceed;
    assert!((p0 - (-3.0_f64).exp()).abs() < 0.003, "P(no loss) = {p0}");
}

#[test]
fn derived_nodes_follow_the_taxonomy() {
    // TEF = 20 x 0.5 = 10; vulnerability = P(U(0,100) > 30) = 0.7; LEF = 7;
    // LM = 1e4 + 0.2 x 1e5 = 3e4 per event; ALE = 2.1e5 with no randomness left.
    let text = "
scenarios:
  - id: s
    contact_frequency: {constant: 20}
    probability_of_action: {constant: 0.5}
    threat_capability: {uniform: [0, 100]}
    resistance_strength: {constant: 30}
    primary_loss: {constant: 1.0e4}
    secondary_loss_event_frequency: {constant: 0.2}
    secondary_loss_magnitude: {constant: 1.0e5}
";
    let file = parse(text).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(10_000, 1)).unwrap();
    let a = &r.scenarios[0].ale;
    assert!((a.mean - 2.1e5).abs() < 1e-6, "{}", a.mean);
    assert!(a.sd < 1e-6);
    // In compound Poisson mode the expectation is the same.
    let compound = text.replace("  - id: s\n", "  - id: s\n    mode: compound_poisson\n");
    let file = parse(&compound).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(200_000, 1)).unwrap();
    let a = &r.scenarios[0].ale;
    assert!(
        (a.mean - 2.1e5).abs() < 4.0 * a.standard_error,
        "{}",
        a.mean
    );
}

#[test]
fn percentiles_match_the_analytic_lognormal() {
    // LEF = 1 exactly, so annual loss is the lognormal itself.
    let text = "
scenarios:
  - id: s
    lef: {constant: 1}
    loss_magnitude: {lognormal_90: [1.0e3, 1.0e5]}
";
    let file = parse(text).unwrap();
    let d = Distribution::lognormal_90(1e3, 1e5).unwrap();
    for policy in [QuantilePolicy::Exact, QuantilePolicy::Sketch] {
        let o = SimulationOptions {
            quantiles: policy,
            ..opts(400_000, 3)
        };
        let r = simulate(&file.portfolio, &[], &o).unwrap();
        let a = &r.scenarios[0].ale;
        for (p, got) in [
            (0.05, a.p5),
            (0.10, a.p10),
            (0.5, a.p50),
            (0.9, a.p90),
            (0.95, a.p95),
            (0.99, a.p99),
        ] {
            let want = d.quantile(p);
            assert!(
                (got / want - 1.0).abs() < 0.02,
                "{policy:?} p{p}: {got} vs {want}"
            );
        }
        assert_eq!(a.value_at_risk, a.p95);
        // The LEC is a survival function: it falls, and matches 1 - CDF.
        for w in a.lec.windows(2) {
            assert!(w[1].p_exceed <= w[0].p_exceed);
        }
        for pt in &a.lec[1..] {
            assert!(
                (pt.p_exceed - (1.0 - d.cdf(pt.loss))).abs() < 0.01,
                "{policy:?} {pt:?}"
            );
        }
    }
}

#[test]
fn percentiles_match_the_analytic_pert() {
    let text = "
scenarios:
  - id: s
    lef: {constant: 1}
    loss_magnitude: {pert: [1.0e5, 2.0e5, 9.0e5], gamma: 6}
";
    let file = parse(text).unwrap();
    let d = Distribution::pert(1e5, 2e5, 9e5, 6.0).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(400_000, 5)).unwrap();
    let a = &r.scenarios[0].ale;
    for (p, got) in [(0.05, a.p5), (0.5, a.p50), (0.95, a.p95), (0.99, a.p99)] {
        let want = d.quantile(p);
        assert!((got / want - 1.0).abs() < 0.01, "p{p}: {got} vs {want}");
    }
    assert!((a.mean / d.mean() - 1.0).abs() < 0.005);
}

const PORTFOLIO: &str = "
scenarios:
  - id: theft
    tef: {pert: [5, 20, 60]}
    vulnerability: {uniform: [0.1, 0.4]}
    primary_loss: {lognormal_90: [2.0e4, 4.0e5]}
  - id: fire
    mode: compound_poisson
    lef: {pert: [0.1, 0.5, 3]}
    primary_loss: {pert: [1.0e5, 5.0e5, 5.0e6]}
    secondary_loss_event_frequency: {uniform: [0.1, 0.5]}
    secondary_loss_magnitude: {triangular: [1.0e5, 2.0e5, 1.0e6]}
  - id: yard-theft
    tef: {ref: theft}
    vulnerability: {pert: [0.05, 0.1, 0.3]}
    loss_magnitude: {normal: [5.0e4, 1.0e4]}
";

#[test]
fn same_seed_same_results_on_one_two_and_four_threads() {
    let file = parse(PORTFOLIO).unwrap();
    for policy in [QuantilePolicy::Exact, QuantilePolicy::Sketch] {
        let o = SimulationOptions {
            quantiles: policy,
            ..opts(50_000, 99)
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| simulate(&file.portfolio, &[], &o).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2), "{policy:?}");
        assert_eq!(one, run(4), "{policy:?}");
        // A different seed gives different draws.
        let other = simulate(
            &file.portfolio,
            &[],
            &SimulationOptions {
                seed: 100,
                ..o.clone()
            },
        )
        .unwrap();
        assert_ne!(one.portfolio.mean, other.portfolio.mean);
    }
}

#[test]
fn portfolio_sums_trials_across_scenarios() {
    let file = parse(PORTFOLIO).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(100_000, 4)).unwrap();
    let sum: f64 = r.scenarios.iter().map(|s| s.ale.mean).sum();
    assert!((r.portfolio.mean / sum - 1.0).abs() < 1e-9);
    // theft and yard-theft share TEF draws: the portfolio variance exceeds the sum of variances.
    let var_sum: f64 = r.scenarios.iter().map(|s| s.ale.sd * s.ale.sd).sum();
    assert!(r.portfolio.sd * r.portfolio.sd > var_sum);
    assert_eq!(r.quantile_method, QuantileMethod::Exact);
    assert_eq!(r.scenarios[1].mode.name(), "compound_poisson");
}

#[test]
fn big_runs_switch_to_the_sketch() {
    let file = parse(PORTFOLIO).unwrap();
    let r = simulate(&file.portfolio, &[], &opts(3_000_000, 4)).unwrap();
    assert!(
        matches!(r.quantile_method, QuantileMethod::Sketch { relative_error } if relative_error <= 0.005 + 1e-12)
    );
}

#[test]
fn tornado_swings_each_input_between_its_p10_and_p90() {
    let file = parse(CHECK_MODEL).unwrap();
    let s = &file.portfolio.scenarios[0];
    let bars = tornado(s, &Default::default(), 100_000, 8);
    assert_eq!(bars.len(), 2, "the constant secondary loss does not swing");
    assert_eq!(bars[0].node, Node::Lef, "LEF is the widest bar");
    let lef = Distribution::pert(20.0, 100.0, 900.0, 4.0).unwrap();
    let lm_mean = Distribution::pert(3e6, 3.5e6, 5e6, 4.0).unwrap().mean() + 3.5e6;
    assert!((bars[0].input_p10 - lef.quantile(0.1)).abs() < 1e-6);
    assert!((bars[0].ale_at_p10 / (lef.quantile(0.1) * lm_mean) - 1.0).abs() < 0.005);
    assert!((bars[0].ale_at_p90 / (lef.quantile(0.9) * lm_mean) - 1.0).abs() < 0.005);
    assert!(bars[0].swing >= bars[1].swing);
}

fn error_of(text: &str) -> ModelError {
    match parse(text) {
        Ok(_) => panic!("accepted bad input:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn bad_input_names_the_scenario_and_field() {
    let cases = [
        (
            "  - id: a\n    lef: {pert: [5, 3, 9]}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"a\", field lef: min (5) > mode (3)",
        ),
        (
            "  - id: b\n    lef: {uniform: [-1, 3]}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"b\", field lef: a frequency cannot be negative",
        ),
        (
            "  - id: c\n    tef: {constant: 3}\n    vulnerability: {uniform: [0.5, 1.5]}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"c\", field vulnerability: a probability must lie in [0, 1]",
        ),
        (
            "  - id: d\n    tef: {constant: 3}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"d\": missing node vulnerability",
        ),
        (
            "  - id: e\n    lef: {constant: 3}\n",
            "scenario \"e\": missing node primary_loss",
        ),
        (
            "  - id: f\n    lef: {ref: g}\n    loss_magnitude: {constant: 1}\n  - id: g\n    lef: {ref: f}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"f\", field lef: cycle of references f -> g -> f",
        ),
        (
            "  - id: h\n    lef: {ref: nowhere}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"h\", field lef: reference to \"nowhere\"",
        ),
        (
            "  - id: i\n    lef: {constant: 3}\n    tef: {constant: 3}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"i\", field tef: given, but lef is also given",
        ),
        (
            "  - id: j\n    lef: {pert: [1, 2]}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"j\", field lef: pert takes 3 numbers",
        ),
        (
            "  - id: k\n    lef: {constant: 1, uniform: [1, 2]}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"k\", field lef: give exactly one of",
        ),
        (
            "  - id: l\n    lef: {poisson: -2}\n    loss_magnitude: {constant: 1}\n",
            "scenario \"l\", field lef: lambda must not be negative",
        ),
        (
            "  - id: m\n    lef: {constant: 1}\n    primary_loss: {constant: 1}\n    secondary_loss_magnitude: {constant: 1}\n",
            "scenario \"m\": missing node secondary_loss_event_frequency",
        ),
    ];
    let cases = cases.into_iter().chain([(
        "  - id: n\n    mode: compound_poisson\n    lef: {lognormal_90: [1.0e5, 1.0e6]}\n    loss_magnitude: {constant: 1}\n",
        "scenario \"n\", field lef: compound_poisson simulates every event",
    )]);
    for (body, want) in cases {
        let text = format!("scenarios:\n{body}");
        let got = error_of(&text).to_string();
        assert!(got.starts_with(want), "got {got:?}\nwant {want:?}");
    }
    // Unknown fields are syntax errors that name the field.
    let e = error_of("scenarios:\n  - id: z\n    leff: {constant: 1}\n").to_string();
    assert!(e.contains("leff"), "{e}");
    let e = error_of(
        "scenarios:\n  - id: a\n    lef: {constant: 1}\n    loss_magnitude: {constant: 1}\n  - id: a\n    lef: {constant: 1}\n    loss_magnitude: {constant: 1}\n",
    );
    assert_eq!(e, ModelError::DuplicateScenario("a".into()));
}

#[test]
fn json_and_yaml_give_the_same_portfolio() {
    let json = r#"{"scenarios": [{"id": "warehouse-theft", "lef": {"pert": [20, 100, 900]},
        "primary_loss": {"pert": [3.0e6, 3.5e6, 5.0e6]}, "secondary_loss": {"constant": 3.5e6}}]}"#;
    assert_eq!(parse(json).unwrap(), parse(CHECK_MODEL).unwrap());
}

#[test]
fn vulnerability_is_the_chance_capability_exceeds_resistance() {
    // Resistance fixed at 50: vulnerability = 1 - F_TCap(50) in every trial.
    let text = "
scenarios:
  - id: s
    tef: {constant: 10}
    threat_capability: {pert: [20, 50, 90]}
    resistance_strength: {constant: 50}
    loss_magnitude: {constant: 1}
";
    let tcap = Distribution::pert(20.0, 50.0, 90.0, 4.0).unwrap();
    let r = simulate(&parse(text).unwrap().portfolio, &[], &opts(1_000, 1)).unwrap();
    assert!((r.scenarios[0].ale.mean - 10.0 * (1.0 - tcap.cdf(50.0))).abs() < 1e-7);

    // Resistance U(30, 70): E[vulnerability] = mean over r of 1 - F_TCap(r) (Simpson's rule).
    let text = text.replace(
        "resistance_strength: {constant: 50}",
        "resistance_strength: {uniform: [30, 70]}",
    );
    let r = simulate(&parse(&text).unwrap().portfolio, &[], &opts(200_000, 2)).unwrap();
    let n = 2_000;
    let h = 40.0 / f64::from(n);
    let simpson: f64 = (0..=n)
        .map(|k| {
            let w = if k == 0 || k == n {
                1.0
            } else if k % 2 == 1 {
                4.0
            } else {
                2.0
            };
            w * (1.0 - tcap.cdf(30.0 + h * f64::from(k)))
        })
        .sum::<f64>()
        * h
        / 3.0
        / 40.0;
    let a = &r.scenarios[0].ale;
    assert!(
        (a.mean - 10.0 * simpson).abs() < 4.0 * a.standard_error,
        "{} vs {}",
        a.mean,
        10.0 * simpson
    );
}
