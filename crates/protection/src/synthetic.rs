//! Synthetic campuses for benchmarks and scale tests: a perimeter of fence segments and gates
//! around a ring of yard zones, each with buildings (lobby, a line of corridors, rooms, windows,
//! emergency exits, roof hatch, vents), and one data hall whose cage is the target.
//!
//! Element figures come from a small catalogue per element type with a few variants each, as in a
//! real site where most fence segments and doors share a specification. Generation is
//! deterministic in the seed. Nothing here is used by the analysis itself.

use crate::facility::DetectionLocation::{self, Beginning, End, Middle};
use crate::network::{Network, Stage};

/// Corridors per building and rooms per corridor.
const CORRIDORS: usize = 4;
const ROOMS: usize = 10;
/// Elements one building adds.
pub const ELEMENTS_PER_BUILDING: usize =
    2 + 2 + 2 * (CORRIDORS - 1) + 4 * CORRIDORS * ROOMS + 2 * CORRIDORS + 3;

type Spec = (f64, DetectionLocation, f64);

const FENCE: [Spec; 3] = [
    (0.5, Beginning, 10.0),
    (0.7, Beginning, 15.0),
    (0.3, Beginning, 8.0),
];
const VEHICLE_GATE: [Spec; 1] = [(0.6, Beginning, 30.0)];
const PEDESTRIAN_GATE: [Spec; 1] = [(0.9, Middle, 20.0)];
const OPEN_GROUND: [Spec; 2] = [(0.2, Middle, 45.0), (0.0, Middle, 40.0)];
const LOBBY_DOOR: [Spec; 1] = [(0.9, Beginning, 60.0)];
const EXIT_DOOR: [Spec; 1] = [(0.5, End, 5.0)];
const CORRIDOR_DOOR: [Spec; 2] = [(0.5, Middle, 30.0), (0.0, Middle, 10.0)];
const ROOM_DOOR: [Spec; 2] = [(0.3, End, 45.0), (0.0, Middle, 20.0)];
const WINDOW: [Spec; 2] = [(0.6, Beginning, 30.0), (0.2, Beginning, 20.0)];
const EMERGENCY_IN: [Spec; 1] = [(0.8, Beginning, 90.0)];
const EMERGENCY_OUT: [Spec; 1] = [(0.9, End, 5.0)];
const ROOF_HATCH: [Spec; 1] = [(0.4, Middle, 120.0)];
const VENT: [Spec; 2] = [(0.1, Middle, 180.0), (0.3, Middle, 150.0)];
const CAGE_DOOR: [Spec; 1] = [(0.9, Middle, 120.0)];
const CAGE_MESH: [Spec; 1] = [(0.5, Middle, 60.0)];

/// SplitMix64: a small deterministic generator, enough to pick catalogue variants.
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[(self.next() % from.len() as u64) as usize]
    }
}

#[derive(Debug)]
struct Builder {
    areas: Vec<String>,
    ids: Vec<String>,
    stages: Vec<Stage>,
    rng: SplitMix,
}

impl Builder {
    fn area(&mut self, name: String) -> u32 {
        self.areas.push(name);
        self.areas.len() as u32 - 1
    }

    fn element(&mut self, id: String, from: u32, to: u32, catalogue: &[Spec]) {
        let (p, location, mean) = self.rng.pick(catalogue);
        let mut s = Stage::task(p, location, mean, 0.3 * mean, 0.95);
        s.from = from;
        s.to = to;
        self.ids.push(id);
        self.stages.push(s);
    }

    /// A building of zone `zone` whose emergency exits lead into zone `next`; returns the areas
    /// of its rooms.
    fn building(&mut self, name: &str, zone: u32, next: u32) -> Vec<u32> {
        let lobby = self.area(format!("{name}/lobby"));
        let corridors: Vec<u32> = (0..CORRIDORS)
            .map(|c| self.area(format!("{name}/corridor-{c}")))
            .collect();
        self.element(format!("{name}/lobby-door-1"), zone, lobby, &LOBBY_DOOR);
        self.element(format!("{name}/lobby-door-2"), zone, lobby, &LOBBY_DOOR);
        self.element(format!("{name}/lobby-exit"), lobby, zone, &EXIT_DOOR);
        self.element(
            format!("{name}/lobby-corridor"),
            lobby,
            corridors[0],
            &CORRIDOR_DOOR,
        );
        for c in 1..CORRIDORS {
            let (a, b) = (corridors[c - 1], corridors[c]);
            self.element(format!("{name}/corridor-door-{c}-in"), a, b, &CORRIDOR_DOOR);
            self.element(
                format!("{name}/corridor-door-{c}-out"),
                b,
                a,
                &CORRIDOR_DOOR,
            );
        }
        let mut rooms = Vec::with_capacity(CORRIDORS * ROOMS);
        for (c, &corridor) in corridors.iter().enumerate() {
            for r in 0..ROOMS {
                let room = self.area(format!("{name}/room-{c}-{r}"));
                rooms.push(room);
                self.element(
                    format!("{name}/room-door-{c}-{r}-in"),
                    corridor,
                    room,
                    &ROOM_DOOR,
                );
                self.element(
                    format!("{name}/room-door-{c}-{r}-out"),
                    room,
                    corridor,
                    &ROOM_DOOR,
                );
                self.element(format!("{name}/window-{c}-{r}-a"), zone, room, &WINDOW);
                self.element(format!("{name}/window-{c}-{r}-b"), zone, room, &WINDOW);
            }
            self.element(
                format!("{name}/emergency-door-{c}"),
                zone,
                corridor,
                &EMERGENCY_IN,
            );
            self.element(
                format!("{name}/emergency-exit-{c}"),
                corridor,
                next,
                &EMERGENCY_OUT,
            );
        }
        let top = corridors[CORRIDORS - 1];
        self.element(format!("{name}/roof-hatch"), zone, top, &ROOF_HATCH);
        self.element(format!("{name}/vent-1"), zone, top, &VENT);
        self.element(format!("{name}/vent-2"), zone, corridors[0], &VENT);
        rooms
    }
}

/// A campus of about `elements` path elements (at least one zone with one building).
/// Response 300 ± 90 s, P_C 0.95; every delay sd is 30 % of its mean.
pub fn campus(elements: usize, seed: u64) -> Network {
    let zones = (elements / 60_000).clamp(2, 64);
    let per_zone = elements / zones;
    let fence = (per_zone / 5).max(4);
    let buildings = ((per_zone.saturating_sub(fence + 4)) / ELEMENTS_PER_BUILDING).max(1);
    campus_of(zones, buildings, fence, seed)
}

/// A campus with `zones` yard zones in a ring, `buildings` per zone, `fence` fence segments per
/// zone.
pub fn campus_of(zones: usize, buildings: usize, fence: usize, seed: u64) -> Network {
    let mut b = Builder {
        areas: Vec::new(),
        ids: Vec::new(),
        stages: Vec::new(),
        rng: SplitMix(seed),
    };
    let offsite = b.area("offsite".to_owned());
    let zone_areas: Vec<u32> = (0..zones).map(|z| b.area(format!("zone-{z}"))).collect();
    let mut data_hall = None;
    for (z, &zone) in zone_areas.iter().enumerate() {
        let next = zone_areas[(z + 1) % zones];
        for f in 0..fence {
            b.element(format!("zone-{z}/fence-{f}"), offsite, zone, &FENCE);
        }
        b.element(
            format!("zone-{z}/vehicle-gate"),
            offsite,
            zone,
            &VEHICLE_GATE,
        );
        b.element(
            format!("zone-{z}/pedestrian-gate"),
            offsite,
            zone,
            &PEDESTRIAN_GATE,
        );
        if zones > 1 {
            b.element(format!("zone-{z}/ground-next"), zone, next, &OPEN_GROUND);
            b.element(format!("zone-{z}/ground-back"), next, zone, &OPEN_GROUND);
        }
        for k in 0..buildings {
            let rooms = b.building(&format!("zone-{z}/building-{k}"), zone, next);
            if data_hall.is_none() {
                // The data hall is a room on the second corridor of the first building.
                data_hall = rooms.get(ROOMS + ROOMS / 2).copied();
            }
        }
    }
    let cage = b.area("cage".to_owned());
    if let Some(hall) = data_hall {
        // A data hall has no windows: the only way in is its door from the corridor.
        let keep: Vec<bool> = b
            .stages
            .iter()
            .map(|s| !(s.to == hall && s.from == zone_areas[0]))
            .collect();
        let mut k = keep.iter();
        b.ids.retain(|_| k.next().copied().unwrap_or(true));
        let mut k = keep.iter();
        b.stages.retain(|_| k.next().copied().unwrap_or(true));
        b.element("cage-door".to_owned(), hall, cage, &CAGE_DOOR);
        b.element("cage-mesh".to_owned(), hall, cage, &CAGE_MESH);
    }
    let n = b.areas.len();
    let mut is_entry = vec![false; n];
    let mut is_target = vec![false; n];
    is_entry[offsite as usize] = true;
    is_target[cage as usize] = true;
    Network::from_parts(
        b.areas, b.ids, b.stages, is_entry, is_target, 300.0, 90.0, 0.9,
    )
}

/// The same campus with hardened buildings: alarmed, barred windows, alarmed room doors and
/// fitted vents, so that the weakest way in is long and the search has to look much further.
pub fn hardened_campus(elements: usize, seed: u64) -> Network {
    let mut net = campus(elements, seed);
    for (id, s) in net.element_ids.iter().zip(net.stages.iter_mut()) {
        let (p, mean) = if id.contains("/window-") {
            (0.9, 120.0)
        } else if id.contains("/room-door-") {
            (0.6, 60.0)
        } else if id.contains("/vent-") {
            (0.8, 240.0)
        } else {
            continue;
        };
        s.p_detect = p;
        s.delay_mean = mean;
        s.delay_var = (0.3 * mean) * (0.3 * mean);
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{SearchOptions, exhaustive_paths, most_vulnerable_paths};

    #[test]
    fn sizes_are_close_to_the_request() {
        for n in [1_000, 10_000, 100_000] {
            let net = campus(n, 1);
            let got = net.stages().len();
            assert!(
                got as f64 > 0.8 * n as f64 && (got as f64) < 1.2 * n as f64,
                "{n}: {got}"
            );
        }
    }

    /// Stopped early, the search says so and brackets the true minimum.
    #[test]
    fn a_label_limit_gives_a_certified_bracket() {
        let net = hardened_campus(2_000, 3);
        let exact = most_vulnerable_paths(&net, &SearchOptions::default());
        assert!(exact.exact);
        let min = exact.paths[0].p_interruption;
        for limit in [0, 5, 20, 60] {
            let fast = most_vulnerable_paths(
                &net,
                &SearchOptions {
                    top: 1,
                    label_limit: limit,
                },
            );
            if fast.exact {
                assert!((fast.paths[0].p_interruption - min).abs() < 1e-12);
                continue;
            }
            assert!(fast.lower_bound <= min + 1e-12, "limit {limit}");
            if let Some(p) = fast.paths.first() {
                assert!(p.p_interruption >= min - 1e-12);
            }
        }
        let none = most_vulnerable_paths(
            &net,
            &SearchOptions {
                top: 1,
                label_limit: 0,
            },
        );
        assert!(!none.exact);
    }

    /// On a campus small enough to enumerate, the search agrees with every path evaluated.
    #[test]
    fn search_agrees_with_enumeration_on_a_small_campus() {
        let net = campus_of(2, 1, 3, 7);
        let all = exhaustive_paths(&net, 5_000_000).unwrap();
        let found = most_vulnerable_paths(
            &net,
            &SearchOptions {
                top: 5,
                ..SearchOptions::default()
            },
        );
        assert!(found.exact);
        assert!(all.len() > 1000, "{} paths", all.len());
        for (got, want) in found.paths.iter().zip(&all) {
            assert!((got.p_interruption - want.p_interruption).abs() < 1e-12);
        }
    }
}
