//! A facility's most vulnerable paths for one adversary, reported in the specialist's terms:
//! element ids, P_I by EASI and by timely detection, the critical detection point, P_E and the
//! FEMA 452 vulnerability rating.
//!
//! The search is [`crate::search`]'s; this module only names and combines its results.

use crate::facility::{Facility, FacilityError};
use crate::network::{Network, Stage};
use crate::rating::vulnerability_rating;
use crate::search::{SearchOptions, evaluate_path, most_vulnerable_paths};

/// One adversary path as the specialist reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct PathReport {
    /// Element ids in the adversary's order.
    pub elements: Vec<String>,
    /// Areas passed, from the entry to the target.
    pub areas: Vec<String>,
    pub p_interruption: f64,
    /// P_I by the timely-detection (critical detection point) method.
    pub p_interruption_timely: f64,
    /// P_E = P_I x P_N.
    pub p_effectiveness: f64,
    /// The last element where detection still leaves the mean response time.
    pub critical_detection_point: Option<String>,
    /// Total mean delay along the path, in seconds.
    pub delay_mean: f64,
    /// Each element's detection (P_D x P_A) and delay as this adversary meets them.
    pub stages: Vec<Stage>,
}

/// The path analysis of a facility for one adversary.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub adversary: String,
    pub p_neutralization: f64,
    /// The most vulnerable paths, lowest P_I first; empty when no target can be reached.
    pub paths: Vec<PathReport>,
    /// Whether the paths are proven the most vulnerable (false only past the search's limit).
    pub exact: bool,
    /// Certified lower bound on the minimum P_I (equals it when exact); none when unreachable.
    pub lower_bound_p_interruption: Option<f64>,
    /// FEMA 452 vulnerability rating (1..10) from the most vulnerable path's P_E.
    pub vulnerability_rating: u8,
}

impl Analysis {
    /// The path of minimum P_I, or `None` when the target is unreachable.
    pub fn most_vulnerable(&self) -> Option<&PathReport> {
        self.paths.first()
    }

    /// P_E of the most vulnerable path; 1 when no path reaches a target.
    pub fn min_p_effectiveness(&self) -> f64 {
        self.most_vulnerable().map_or(1.0, |p| p.p_effectiveness)
    }
}

/// Analyses the facility for the named adversary (the first profile when `None`).
pub fn analyze(
    facility: &Facility,
    adversary: Option<&str>,
    options: &SearchOptions,
) -> Result<Analysis, FacilityError> {
    let profile = facility.adversary(adversary)?;
    let net = Network::new(facility, profile)?;
    Ok(analyze_network(&net, &profile.name, options))
}

/// Analyses the facility for every adversary profile of the design basis threat.
pub fn analyze_all(
    facility: &Facility,
    options: &SearchOptions,
) -> Result<Vec<Analysis>, FacilityError> {
    facility
        .adversaries
        .iter()
        .map(|a| analyze(facility, Some(&a.name), options))
        .collect()
}

/// Analyses a compiled network.
pub fn analyze_network(net: &Network, adversary: &str, options: &SearchOptions) -> Analysis {
    let found = most_vulnerable_paths(net, options);
    let p_n = net.p_neutralization();
    let paths: Vec<PathReport> = found
        .paths
        .iter()
        .map(|p| {
            let eval = evaluate_path(net, &p.elements);
            let stages = net.stages();
            let mut areas = Vec::with_capacity(p.elements.len() + 1);
            if let Some(&first) = p.elements.first() {
                areas.push(net.area_name(stages[first as usize].from).to_owned());
            }
            areas.extend(
                p.elements
                    .iter()
                    .map(|&e| net.area_name(stages[e as usize].to).to_owned()),
            );
            PathReport {
                elements: p
                    .elements
                    .iter()
                    .map(|&e| net.element_id(e as usize).to_owned())
                    .collect(),
                areas,
                p_interruption: p.p_interruption,
                p_interruption_timely: eval.p_interruption_timely,
                p_effectiveness: p.p_interruption * p_n,
                critical_detection_point: eval
                    .critical_detection_point
                    .map(|i| net.element_id(p.elements[i] as usize).to_owned()),
                delay_mean: eval.delay_mean,
                stages: p.elements.iter().map(|&e| stages[e as usize]).collect(),
            }
        })
        .collect();
    let rating = paths
        .first()
        .map_or(1, |p| vulnerability_rating(p.p_effectiveness));
    Analysis {
        adversary: adversary.to_owned(),
        p_neutralization: p_n,
        exact: found.exact,
        lower_bound_p_interruption: found.lower_bound.is_finite().then_some(found.lower_bound),
        paths,
        vulnerability_rating: rating,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_WAYS: &str = "
entries: [street]
target: safe-room
p_neutralization: 0.8
response: {mean: 120, sd: 30}
elements:
  - {id: front, type: door, from: street, to: hall, p_detect: 0.9, location: B, delay_mean: 60, delay_sd: 18}
  - {id: back, type: door, from: street, to: hall, p_detect: 0.2, location: B, delay_mean: 60, delay_sd: 18}
  - {id: safe-door, type: door, from: hall, to: safe-room, p_detect: 0.5, location: E, delay_mean: 90, delay_sd: 27}
  - {id: cellar, from: cellar, to: safe-room, p_detect: 0.0, delay_mean: 10}
";

    #[test]
    fn reports_the_weaker_of_two_doors() {
        let f = Facility::from_yaml(TWO_WAYS).unwrap();
        let a = analyze(
            &f,
            None,
            &SearchOptions {
                top: 5,
                ..SearchOptions::default()
            },
        )
        .unwrap();
        // Two paths only (the cellar is not reachable from the street).
        assert_eq!(a.paths.len(), 2);
        let best = a.most_vulnerable().unwrap();
        assert_eq!(best.elements, ["back", "safe-door"]);
        assert_eq!(best.areas, ["street", "hall", "safe-room"]);
        // By hand: the back door leaves 60 + 90 s against 120 ± 30 s; the safe door detects at
        // its end, with nothing left.
        let z = (150.0 - 120.0) / (900.0_f64 + 324.0 + 729.0).sqrt();
        let want = 0.2 * crate::normal::standard_normal_cdf(z)
            + 0.8 * 0.5 * crate::normal::standard_normal_cdf(-120.0 / 30.0);
        assert!((best.p_interruption - want).abs() < 1e-15);
        assert!((best.p_effectiveness - 0.8 * want).abs() < 1e-15);
        assert_eq!(best.critical_detection_point.as_deref(), Some("back"));
        assert_eq!(best.p_interruption_timely, 0.2);
        assert_eq!(a.vulnerability_rating, vulnerability_rating(0.8 * want));
        assert!(a.exact);
    }

    #[test]
    fn an_unreachable_target_is_an_answer() {
        let text = TWO_WAYS.replace("entries: [street]", "entries: [cellar]").replace(
            "  - {id: cellar, from: cellar, to: safe-room, p_detect: 0.0, delay_mean: 10}\n",
            "  - {id: cellar, from: cellar, to: street, p_detect: 0.0, delay_mean: 10}\n  - {id: hatch-down, from: attic, to: safe-room}\n",
        );
        let f = Facility::from_yaml(&text.replace("target: safe-room", "target: attic")).unwrap();
        let a = analyze(&f, None, &SearchOptions::default()).unwrap();
        assert!(a.most_vulnerable().is_none());
        assert!(a.exact);
        assert_eq!(a.min_p_effectiveness(), 1.0);
        assert_eq!(a.vulnerability_rating, 1);
        assert_eq!(a.lower_bound_p_interruption, None);
    }
}
