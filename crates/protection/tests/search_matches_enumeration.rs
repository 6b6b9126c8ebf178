//! The branch-and-bound search must return exactly what exhaustive enumeration of every simple
//! path returns, on thousands of random small facilities: layered and random, with lateral and
//! backward moves (cycles), parallel and identical elements, several entries and targets,
//! zero-detection elements, per-element P_C and degenerate (zero-spread) times.

use proptest::prelude::*;
use rampart_protection::search::{SearchOptions, evaluate_path, exhaustive_paths};
use rampart_protection::{DetectionLocation, Network, Stage, most_vulnerable_paths};

#[derive(Clone, Debug)]
struct ElementSpec {
    from: usize,
    to: usize,
    two_way: bool,
    p_detect: f64,
    location: DetectionLocation,
    delay_mean: f64,
    sd_share: f64,
    p_communication: f64,
    copies: usize,
}

#[derive(Clone, Debug)]
struct FacilitySpec {
    areas: usize,
    layered: bool,
    elements: Vec<ElementSpec>,
    extra_entries: Vec<usize>,
    extra_targets: Vec<usize>,
    response_mean: f64,
    response_sd: f64,
}

fn p_detect() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(0.5), Just(0.9), Just(1.0), (0.0..=1.0f64),]
}

fn location() -> impl Strategy<Value = DetectionLocation> {
    prop_oneof![
        Just(DetectionLocation::Beginning),
        Just(DetectionLocation::Middle),
        Just(DetectionLocation::End),
    ]
}

fn element(areas: usize) -> impl Strategy<Value = ElementSpec> {
    (
        0..areas,
        0..areas,
        any::<bool>(),
        p_detect(),
        location(),
        prop_oneof![Just(0.0), Just(30.0), (0.0..400.0f64)],
        prop_oneof![Just(0.3), Just(0.0), (0.0..1.5f64)],
        prop_oneof![Just(1.0), Just(0.95), (0.5..=1.0f64)],
        prop_oneof![4 => Just(1usize), 1 => Just(2usize), 1 => Just(3usize)],
    )
        .prop_map(
            |(
                from,
                to,
                two_way,
                p_detect,
                location,
                delay_mean,
                sd_share,
                p_communication,
                copies,
            )| {
                ElementSpec {
                    from,
                    to,
                    two_way,
                    p_detect,
                    location,
                    delay_mean,
                    sd_share,
                    p_communication,
                    copies,
                }
            },
        )
}

fn facility() -> impl Strategy<Value = FacilitySpec> {
    (3usize..=7)
        .prop_flat_map(|areas| {
            (
                Just(areas),
                any::<bool>(),
                prop::collection::vec(element(areas), 1..12),
                prop::collection::vec(0..areas, 0..2),
                prop::collection::vec(0..areas, 0..2),
                prop_oneof![Just(300.0), (0.0..600.0f64)],
                prop_oneof![Just(90.0), Just(0.0), (0.0..200.0f64)],
            )
        })
        .prop_map(
            |(
                areas,
                layered,
                elements,
                extra_entries,
                extra_targets,
                response_mean,
                response_sd,
            )| {
                FacilitySpec {
                    areas,
                    layered,
                    elements,
                    extra_entries,
                    extra_targets,
                    response_mean,
                    response_sd,
                }
            },
        )
}

/// Builds the network. In a layered facility area i sits in layer i / 2, and an element either
/// moves one layer in (i to a later area) or laterally; random facilities keep the drawn ends.
fn build(spec: &FacilitySpec) -> Network {
    let n = spec.areas;
    let mut stages = Vec::new();
    let mut ids = Vec::new();
    for e in &spec.elements {
        let (mut from, mut to) = (e.from, e.to);
        if spec.layered && from / 2 > to / 2 {
            std::mem::swap(&mut from, &mut to);
        }
        if from == to {
            to = (from + 1) % n;
        }
        let sd = e.sd_share * e.delay_mean;
        let mut ends = vec![(from, to)];
        if e.two_way {
            ends.push((to, from));
        }
        for (a, b) in ends {
            for _ in 0..e.copies {
                let mut s =
                    Stage::task(e.p_detect, e.location, e.delay_mean, sd, e.p_communication);
                s.from = a as u32;
                s.to = b as u32;
                ids.push(format!("e{}", stages.len()));
                stages.push(s);
            }
        }
    }
    let mut is_entry = vec![false; n];
    let mut is_target = vec![false; n];
    is_entry[0] = true;
    is_target[n - 1] = true;
    for &t in &spec.extra_targets {
        if t != 0 {
            is_target[t] = true;
        }
    }
    for &a in &spec.extra_entries {
        if !is_target[a] {
            is_entry[a] = true;
        }
    }
    Network::from_parts(
        (0..n).map(|i| format!("a{i}")).collect(),
        ids,
        stages,
        is_entry,
        is_target,
        spec.response_mean,
        spec.response_sd,
        1.0,
    )
}

fn check_path_is_valid(net: &Network, path: &[u32]) {
    let stages = net.stages();
    assert!(!path.is_empty());
    let first = stages[path[0] as usize].from;
    assert!(net.is_entry(first));
    let mut seen = vec![first];
    for (k, &e) in path.iter().enumerate() {
        let s = stages[e as usize];
        assert_eq!(Some(&s.from), seen.last(), "path is connected");
        assert!(!seen.contains(&s.to), "path is simple");
        let last = k + 1 == path.len();
        assert_eq!(net.is_target(s.to), last, "stops at the first target");
        seen.push(s.to);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn search_equals_exhaustive_enumeration(spec in facility(), top in 1usize..=4) {
        let net = build(&spec);
        let all = exhaustive_paths(&net, 1_000_000).expect("small facility");
        let found = most_vulnerable_paths(&net, &SearchOptions { top, ..SearchOptions::default() });
        prop_assert!(found.exact);
        prop_assert_eq!(found.paths.len(), top.min(all.len()));
        for (got, want) in found.paths.iter().zip(&all) {
            prop_assert!(
                (got.p_interruption - want.p_interruption).abs() < 1e-12,
                "got {:?}, enumeration {:?}", got, &all[..top.min(all.len())]
            );
            check_path_is_valid(&net, &got.elements);
            let again = evaluate_path(&net, &got.elements).p_interruption;
            prop_assert!((again - got.p_interruption).abs() < 1e-12);
        }
        if let Some(best) = all.first() {
            prop_assert!((found.lower_bound - best.p_interruption).abs() < 1e-12);
        } else {
            prop_assert!(found.paths.is_empty());
        }
        // Deterministic: the same answer, in the same order, every time.
        let again = most_vulnerable_paths(&net, &SearchOptions { top, ..SearchOptions::default() });
        prop_assert_eq!(&again.paths, &found.paths);
    }
}

/// A facility whose only way in detects perfectly late, and a cycle the search must not loop on.
#[test]
fn terminates_on_cycles_and_reports_unreachable_targets() {
    let spec = FacilitySpec {
        areas: 4,
        layered: false,
        elements: vec![
            ElementSpec {
                from: 0,
                to: 1,
                two_way: true,
                p_detect: 0.5,
                location: DetectionLocation::Beginning,
                delay_mean: 10.0,
                sd_share: 0.3,
                p_communication: 1.0,
                copies: 1,
            },
            ElementSpec {
                from: 1,
                to: 2,
                two_way: true,
                p_detect: 0.0,
                location: DetectionLocation::Middle,
                delay_mean: 10.0,
                sd_share: 0.3,
                p_communication: 1.0,
                copies: 2,
            },
        ],
        extra_entries: vec![],
        extra_targets: vec![],
        response_mean: 300.0,
        response_sd: 90.0,
    };
    // Area 3, the target, has no way in.
    let net = build(&spec);
    let found = most_vulnerable_paths(&net, &SearchOptions::default());
    assert!(found.paths.is_empty());
    assert!(found.exact);
    assert_eq!(exhaustive_paths(&net, 1000).unwrap().len(), 0);
}
