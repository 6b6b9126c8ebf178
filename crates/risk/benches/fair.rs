//! FAIR Monte Carlo throughput: the single-scenario model, a
//! portfolio, the quantile sketch and the optimiser.
//! Run: `cargo bench -p rampart-risk --bench fair`.

use divan::counter::ItemsCount;
use rampart_risk::countermeasures::{OptimiseOptions, optimise};
use rampart_risk::quantiles::QuantileSketch;
use rampart_risk::simulate::{QuantilePolicy, SimulationOptions, simulate};
use rampart_risk::{Portfolio, parse};

fn main() {
    divan::main();
}

const SINGLE: &str = "
scenarios:
  - id: warehouse-theft
    lef: {pert: [20, 100, 900]}
    primary_loss: {pert: [3.0e6, 3.5e6, 5.0e6]}
    secondary_loss: {constant: 3.5e6}
";

/// `n` scenarios shaped like the model with varied parameters.
pub fn portfolio(n: usize) -> Portfolio {
    let mut text = String::from("scenarios:\n");
    for i in 0..n {
        let k = 1.0 + (i % 17) as f64 / 10.0;
        text.push_str(&format!(
            "  - id: s{i}\n    lef: {{pert: [{}, {}, {}]}}\n    primary_loss: {{pert: [{}, {}, {}]}}\n    secondary_loss: {{constant: {}}}\n",
            2.0 * k, 10.0 * k, 90.0 * k, 3.0e5 * k, 3.5e5 * k, 5.0e5 * k, 3.5e5 * k
        ));
    }
    match parse(&text) {
        Ok(f) => f.portfolio,
        Err(e) => panic!("bench model: {e}"),
    }
}

#[divan::bench(args = [1_000_000u64])]
fn single_scenario(bencher: divan::Bencher, trials: u64) {
    let p = match parse(SINGLE) {
        Ok(f) => f.portfolio,
        Err(e) => panic!("{e}"),
    };
    let o = SimulationOptions {
        trials,
        seed: 1,
        quantiles: QuantilePolicy::Sketch,
        ..Default::default()
    };
    bencher
        .counter(ItemsCount::new(trials))
        .bench(|| simulate(&p, &[], &o).map(|r| r.portfolio.mean));
}

#[divan::bench(args = [100usize])]
fn portfolio_10k_trials(bencher: divan::Bencher, scenarios: usize) {
    let p = portfolio(scenarios);
    let trials = 10_000u64;
    let o = SimulationOptions {
        trials,
        seed: 1,
        quantiles: QuantilePolicy::Sketch,
        ..Default::default()
    };
    bencher
        .counter(ItemsCount::new(trials * scenarios as u64))
        .bench(|| simulate(&p, &[], &o).map(|r| r.portfolio.mean));
}

#[divan::bench]
fn sketch_insert(bencher: divan::Bencher) {
    let xs: Vec<f64> = (0..100_000).map(|i| 1.0e3 + f64::from(i) * 37.5).collect();
    bencher.counter(ItemsCount::new(xs.len())).bench(|| {
        let mut s = QuantileSketch::default();
        xs.iter().for_each(|&x| s.add(x));
        s.quantile(0.99)
    });
}

#[divan::bench]
fn optimise_twelve_controls(bencher: divan::Bencher) {
    let mut text = String::from(
        "scenarios:\n  - id: a\n    tef: {pert: [5, 20, 60]}\n    vulnerability: {uniform: [0.1, 0.4]}\n    primary_loss: {lognormal_90: [2.0e4, 4.0e5]}\n  - id: b\n    lef: {pert: [0.1, 0.5, 3]}\n    primary_loss: {pert: [1.0e5, 5.0e5, 5.0e6]}\ncontrols:\n",
    );
    let nodes = ["tef", "vulnerability", "primary_loss"];
    for i in 0..12 {
        let (scenario, node) = if i % 4 == 3 {
            ("b", "lef")
        } else {
            ("a", nodes[i % 3])
        };
        text.push_str(&format!(
            "  - id: c{i}\n    annual_cost: {}\n    effects: [{{node: {node}, multiply: {}, scenarios: [{scenario}]}}]\n",
            1000 + i * 700,
            0.5 + (i % 5) as f64 * 0.1
        ));
    }
    let p = match parse(&text) {
        Ok(f) => f.portfolio,
        Err(e) => panic!("{e}"),
    };
    bencher.bench(|| {
        optimise(
            &p,
            &OptimiseOptions {
                budget: 20_000.0,
                trials: 10_000,
                seed: 1,
                frontier_points: 10,
            },
        )
        .map(|o| o.best.residual_ale)
    });
}
