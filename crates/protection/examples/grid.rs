//! The search on open ground: a k x k grid of yard cells with two-way moves of low detection,
//! fence segments into every border cell and the target behind a door in the centre. Simple
//! paths through a grid are exponentially many; this shows how far the bound carries.
//!
//! Usage: `grid [K...]` (default 4 8 14 20 30 40). One line per grid.

use std::time::Instant;

use rampart_protection::search::{SearchOptions, most_vulnerable_paths};
use rampart_protection::{DetectionLocation, Network, Stage};

fn grid(k: usize) -> Network {
    let n = k * k + 2;
    let cell = |r: usize, c: usize| (1 + r * k + c) as u32;
    let element = |from: u32, to: u32, p: f64, mean: f64| {
        let mut s = Stage::task(p, DetectionLocation::Middle, mean, 0.3 * mean, 0.95);
        (s.from, s.to) = (from, to);
        s
    };
    let mut stages = Vec::new();
    for r in 0..k {
        for c in 0..k {
            let h = ((r * 7 + c * 13) % 5) as f64;
            if r + 1 < k {
                let (p, m) = (0.025 * h, 20.0 + 5.0 * h);
                stages.push(element(cell(r, c), cell(r + 1, c), p, m));
                stages.push(element(cell(r + 1, c), cell(r, c), p, m));
            }
            if c + 1 < k {
                let (p, m) = (0.05 * h, 25.0 + 3.0 * h);
                stages.push(element(cell(r, c), cell(r, c + 1), p, m));
                stages.push(element(cell(r, c + 1), cell(r, c), p, m));
            }
            if r == 0 || c == 0 || r == k - 1 || c == k - 1 {
                stages.push(element(0, cell(r, c), 0.5 + 0.05 * h, 10.0));
            }
        }
    }
    stages.push(element(cell(k / 2, k / 2), (n - 1) as u32, 0.9, 120.0));
    let mut is_entry = vec![false; n];
    let mut is_target = vec![false; n];
    is_entry[0] = true;
    is_target[n - 1] = true;
    Network::from_parts(
        (0..n).map(|i| format!("a{i}")).collect(),
        (0..stages.len()).map(|i| format!("e{i}")).collect(),
        stages,
        is_entry,
        is_target,
        300.0,
        90.0,
        1.0,
    )
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![4, 8, 14, 20, 30, 40]
    } else {
        sizes
    };
    println!("grid\telements\tsearch_ms\tlabels\texact\tmin_p_i\tlower_bound");
    for k in sizes {
        let net = grid(k);
        let t = Instant::now();
        let found = most_vulnerable_paths(
            &net,
            &SearchOptions {
                top: 1,
                label_limit: 5_000_000,
            },
        );
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let p = found.paths.first().map_or(f64::NAN, |p| p.p_interruption);
        println!(
            "{k}x{k}\t{}\t{ms:.1}\t{}\t{}\t{p:.6}\t{:.6}",
            net.stages().len(),
            found.labels,
            found.exact,
            found.lower_bound
        );
    }
}
