//! The example data centre (tests/data/pps/data-centre.yaml): the analysis for every adversary
//! agrees with exhaustive enumeration, and upgrades agree with trying every subset.

use rampart_protection::search::{SearchOptions, exhaustive_paths};
use rampart_protection::upgrade::{
    apply_upgrades, best_for_budget, cheapest_to_reach, min_p_effectiveness,
};
use rampart_protection::{Facility, Network, analyze};

const DATA_CENTRE: &str = include_str!("../../../tests/data/pps/data-centre.yaml");

fn facility() -> Facility {
    Facility::from_yaml(DATA_CENTRE).expect("the example facility is valid")
}

#[test]
fn every_adversary_gets_the_enumerated_most_vulnerable_paths() {
    let f = facility();
    let options = SearchOptions {
        top: 5,
        ..SearchOptions::default()
    };
    for profile in &f.adversaries {
        let analysis = analyze(&f, Some(&profile.name), &options).unwrap();
        let net = Network::new(&f, profile).unwrap();
        let all = exhaustive_paths(&net, 1_000_000).unwrap();
        assert!(analysis.exact);
        assert_eq!(analysis.paths.len(), 5.min(all.len()));
        for (got, want) in analysis.paths.iter().zip(&all) {
            assert!(
                (got.p_interruption - want.p_interruption).abs() < 1e-12,
                "{}",
                profile.name
            );
            assert!(
                (got.p_effectiveness - got.p_interruption * net.p_neutralization()).abs() < 1e-15
            );
        }
        let best = analysis.most_vulnerable().unwrap();
        assert_eq!(best.areas.first().map(String::as_str), Some("offsite"));
        assert_eq!(best.areas.last().map(String::as_str), Some("cage"));
        assert_eq!(best.areas.len(), best.elements.len() + 1);
    }
}

#[test]
fn the_technicians_badge_changes_the_weak_path() {
    let f = facility();
    let outsider = analyze(&f, Some("outsider"), &SearchOptions::default()).unwrap();
    let technician = analyze(&f, Some("technician"), &SearchOptions::default()).unwrap();
    let o = outsider.most_vulnerable().unwrap();
    let t = technician.most_vulnerable().unwrap();
    // Walking in with a badge leaves less detection on the way: a weaker interruption.
    assert!(t.p_interruption < o.p_interruption);
    assert!(
        t.elements
            .iter()
            .any(|e| e == "turnstile" || e == "main-entrance")
    );
}

#[test]
fn upgrades_match_every_subset() {
    let f = facility();
    let options = SearchOptions::default();
    let n = f.upgrades.len();
    let subsets: Vec<(f64, f64)> = (0..1u32 << n)
        .map(|mask| {
            let chosen: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            let cost: f64 = chosen.iter().map(|&i| f.upgrades[i].cost).sum();
            (
                cost,
                min_p_effectiveness(&apply_upgrades(&f, &chosen), &options)
                    .unwrap()
                    .0,
            )
        })
        .collect();
    for budget in [10_000.0, 30_000.0, 60_000.0, 100_000.0] {
        let plan = best_for_budget(&f, budget, &options).unwrap();
        let want = subsets
            .iter()
            .filter(|s| s.0 <= budget)
            .map(|s| s.1)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            (plan.p_effectiveness_after - want).abs() < 1e-12,
            "budget {budget}"
        );
        assert!(plan.cost <= budget);
    }
    for target in [0.5, 0.6, 0.7, 0.8] {
        let want = subsets
            .iter()
            .filter(|s| s.1 >= target)
            .map(|s| s.0)
            .fold(f64::INFINITY, f64::min);
        match cheapest_to_reach(&f, target, &options).unwrap() {
            Some(plan) => assert_eq!(plan.cost, want, "target {target}"),
            None => assert!(want.is_infinite()),
        }
    }
}
