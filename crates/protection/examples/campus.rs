//! Times the exact most-vulnerable-path search on synthetic campuses, for `scripts/bench-pps`.
//!
//! Usage: `campus [--hardened] [ELEMENTS...]` (default 1000 10000 1000000). One line per campus.

use std::time::Instant;

use rampart_protection::search::{SearchOptions, most_vulnerable_paths};
use rampart_protection::synthetic::{campus, hardened_campus};

fn main() {
    let hardened = std::env::args().any(|a| a == "--hardened");
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000, 1_000_000]
    } else {
        sizes
    };
    println!(
        "elements\tareas\tbuild_s\tsearch_ms(best of runs)\truns\tlabels\tmin_p_i\texact\ttop5_ms"
    );
    for n in sizes {
        let t = Instant::now();
        let net = if hardened {
            hardened_campus(n, 42)
        } else {
            campus(n, 42)
        };
        let build = t.elapsed().as_secs_f64();
        let runs = if n <= 20_000 { 20 } else { 3 };
        let mut best = f64::INFINITY;
        let mut found = None;
        for _ in 0..runs {
            let t = Instant::now();
            let f = most_vulnerable_paths(&net, &SearchOptions::default());
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            found = Some(f);
        }
        let t = Instant::now();
        let top5 = most_vulnerable_paths(
            &net,
            &SearchOptions {
                top: 5,
                ..SearchOptions::default()
            },
        );
        let top5_ms = t.elapsed().as_secs_f64() * 1e3;
        let Some(found) = found else { continue };
        let p = found.paths.first().map_or(f64::NAN, |p| p.p_interruption);
        println!(
            "{}\t{}\t{build:.2}\t{best:.3}\t{runs}\t{}\t{p:.6}\t{}\t{top5_ms:.3} ({} paths)",
            net.stages().len(),
            net.area_count(),
            found.labels,
            found.exact,
            top5.paths.len(),
        );
        if let Some(path) = found.paths.first() {
            let ids: Vec<&str> = path
                .elements
                .iter()
                .map(|&e| net.element_id(e as usize))
                .collect();
            println!("  most vulnerable: {}", ids.join(" -> "));
        }
    }
}
