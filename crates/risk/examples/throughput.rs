//! Times one simulation: `cargo run --release -p rampart-risk --example throughput -- SCENARIOS TRIALS [FILE]`.
//! The scenarios are shaped like the warehouse-theft model, or
//! SCENARIOS copies of each scenario of FILE.

use std::time::Instant;

use rampart_risk::parse;
use rampart_risk::simulate::{SimulationOptions, simulate};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let scenarios = args.first().copied().unwrap_or(1) as usize;
    let trials = args.get(1).copied().unwrap_or(1_000_000);
    let file = std::env::args()
        .nth(3)
        .and_then(|p| std::fs::read_to_string(p).ok());
    let mut text = String::from("scenarios:\n");
    if let Some(f) = &file {
        // Copies of the file's scenarios, renamed.
        let body = f.split_once("scenarios:\n").map_or("", |(_, b)| b);
        for i in 0..scenarios {
            text.push_str(&body.replace("- id: ", &format!("- id: c{i}-")));
        }
    }
    for i in 0..if file.is_some() { 0 } else { scenarios } {
        let k = 1.0 + (i % 17) as f64 / 10.0;
        text.push_str(&format!(
            "  - id: s{i}\n    lef: {{pert: [{}, {}, {}]}}\n    primary_loss: {{pert: [{}, {}, {}]}}\n    secondary_loss: {{constant: {}}}\n",
            20.0 * k, 100.0 * k, 900.0 * k, 3.0e6 * k, 3.5e6 * k, 5.0e6 * k, 3.5e6 * k
        ));
    }
    let portfolio = match parse(&text) {
        Ok(f) => f.portfolio,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let o = SimulationOptions {
        trials,
        seed: 1,
        ..Default::default()
    };
    let t = Instant::now();
    match simulate(&portfolio, &[], &o) {
        Ok(r) => {
            let s = t.elapsed().as_secs_f64();
            let n = trials as f64 * scenarios as f64;
            println!(
                "{scenarios} scenarios x {trials} trials: {s:.3} s, {:.1} M scenario-trials/s, portfolio mean {:.6e}, p99 {:.6e}",
                n / s / 1e6,
                r.portfolio.mean,
                r.portfolio.p99
            );
        }
        Err(e) => eprintln!("{e}"),
    }
}
