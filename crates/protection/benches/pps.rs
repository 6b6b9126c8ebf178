//! Benchmarks of the protection engine: EASI on one path, the exact most-vulnerable-path search on
//! synthetic campuses, the example data centre, and exhaustive enumeration (the oracle) for scale.

use divan::{Bencher, black_box};
use rampart_protection::search::{SearchOptions, exhaustive_paths, most_vulnerable_paths};
use rampart_protection::synthetic::{campus, campus_of};
use rampart_protection::upgrade::best_for_budget;
use rampart_protection::{DetectionLocation, Facility, Stage, analyze, easi};

const DATA_CENTRE: &str = include_str!("../../../tests/data/pps/data-centre.yaml");

fn main() {
    divan::main();
}

#[divan::bench]
fn easi_six_tasks(b: Bencher) {
    let tasks: Vec<Stage> = [
        (0.0, 10.0),
        (0.0, 12.0),
        (0.9, 90.0),
        (0.0, 10.0),
        (0.9, 90.0),
        (0.0, 120.0),
    ]
    .iter()
    .map(|&(p, m)| Stage::task(p, DetectionLocation::Beginning, m, 0.3 * m, 0.95))
    .collect();
    b.bench(|| easi::evaluate(black_box(&tasks), 300.0, 90.0));
}

#[divan::bench(args = [1_000, 10_000, 100_000])]
fn min_p_i_campus(b: Bencher, elements: usize) {
    let net = campus(elements, 42);
    b.bench(|| most_vulnerable_paths(black_box(&net), &SearchOptions::default()));
}

#[divan::bench(args = [1_000, 10_000])]
fn top5_campus(b: Bencher, elements: usize) {
    let net = campus(elements, 42);
    let options = SearchOptions {
        top: 5,
        ..SearchOptions::default()
    };
    b.bench(|| most_vulnerable_paths(black_box(&net), &options));
}

/// The smallest campus (2 zones, 1 building each, 3 fence segments): search against enumerating
/// every one of its simple paths.
#[divan::bench]
fn small_campus_search(b: Bencher) {
    let net = campus_of(2, 1, 3, 7);
    b.bench(|| most_vulnerable_paths(black_box(&net), &SearchOptions::default()));
}

#[divan::bench(sample_count = 10)]
fn small_campus_enumeration(b: Bencher) {
    let net = campus_of(2, 1, 3, 7);
    b.bench(|| exhaustive_paths(black_box(&net), 100_000_000));
}

#[divan::bench]
fn data_centre_parse_and_analyze(b: Bencher) {
    b.bench(|| {
        let f = Facility::from_yaml(black_box(DATA_CENTRE)).map_err(|e| e.to_string())?;
        analyze(
            &f,
            None,
            &SearchOptions {
                top: 5,
                ..SearchOptions::default()
            },
        )
        .map_err(|e| e.to_string())
    });
}

#[divan::bench(sample_count = 10)]
fn data_centre_best_for_budget(b: Bencher) {
    let f = Facility::from_yaml(DATA_CENTRE).map_err(|e| e.to_string());
    b.bench(|| {
        f.as_ref()
            .ok()
            .map(|f| best_for_budget(f, 60_000.0, &SearchOptions::default()))
    });
}
