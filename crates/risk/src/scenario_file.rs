//! The scenario file (YAML or JSON), parsed from a string into validated
//! engine types. Reading the file from disk is the caller's business.
//!
//! ```yaml
//! mode: per_trial                       # default for every scenario
//! scenarios:
//!   - id: warehouse-theft
//!     lef: {pert: [20, 100, 900]}       # or tef + vulnerability, or deeper nodes
//!     primary_loss: {pert: [3.0e6, 3.5e6, 5.0e6]}
//!     secondary_loss: {constant: 3.5e6}
//!   - id: yard-theft
//!     mode: compound_poisson
//!     tef: {ref: warehouse-theft}       # the same draws as that scenario's tef
//!     vulnerability: {uniform: [0.1, 0.3]}
//!     loss_magnitude: {lognormal_90: [1.0e4, 2.0e5]}
//! controls:
//!   - id: cctv
//!     annual_cost: 40000
//!     status: proposed                  # or in_place
//!     effects:
//!       - {node: tef, multiply: 0.5, scenarios: [warehouse-theft]}
//!     requires: []
//!     excludes: []
//! appetite:                             # optional; most specific rule wins
//!   organisation: {max_ale: 5.0e6}
//!   rules:
//!     - {site: hq, category: theft, limit: {max_value_at_risk: 2.0e7}}
//! ```
//!
//! Scenarios may also carry `site:` and `category:`, which pick the appetite rule.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::assessment::RiskAppetite;
use crate::dist::{DEFAULT_PERT_GAMMA, Distribution, DistributionError};
use crate::fair::{
    Adjust, Control, ControlStatus, Effect, Input, LossMode, ModelError, Node, Portfolio, Scenario,
};

/// A parsed scenario file: the portfolio plus the run settings it may carry.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    pub portfolio: Portfolio,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    /// The organisation's risk appetite, if the file states it.
    pub appetite: Option<RiskAppetite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    mode: Option<LossMode>,
    #[serde(default)]
    trials: Option<u64>,
    #[serde(default)]
    seed: Option<u64>,
    scenarios: Vec<RawScenario>,
    #[serde(default)]
    controls: Vec<RawControl>,
    #[serde(default)]
    appetite: Option<RiskAppetite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: String,
    #[serde(default)]
    mode: Option<LossMode>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    lef: Option<RawDistribution>,
    #[serde(default)]
    tef: Option<RawDistribution>,
    #[serde(default)]
    contact_frequency: Option<RawDistribution>,
    #[serde(default)]
    probability_of_action: Option<RawDistribution>,
    #[serde(default)]
    vulnerability: Option<RawDistribution>,
    #[serde(default)]
    threat_capability: Option<RawDistribution>,
    #[serde(default)]
    resistance_strength: Option<RawDistribution>,
    #[serde(default)]
    loss_magnitude: Option<RawDistribution>,
    #[serde(default)]
    primary_loss: Option<RawDistribution>,
    #[serde(default)]
    secondary_loss: Option<RawDistribution>,
    #[serde(default)]
    secondary_loss_event_frequency: Option<RawDistribution>,
    #[serde(default)]
    secondary_loss_magnitude: Option<RawDistribution>,
}

impl RawScenario {
    fn nodes(&self) -> Vec<(Node, &RawDistribution)> {
        [
            (Node::Lef, &self.lef),
            (Node::Tef, &self.tef),
            (Node::ContactFrequency, &self.contact_frequency),
            (Node::ProbabilityOfAction, &self.probability_of_action),
            (Node::Vulnerability, &self.vulnerability),
            (Node::ThreatCapability, &self.threat_capability),
            (Node::ResistanceStrength, &self.resistance_strength),
            (Node::LossMagnitude, &self.loss_magnitude),
            (Node::PrimaryLoss, &self.primary_loss),
            (Node::SecondaryLoss, &self.secondary_loss),
            (
                Node::SecondaryLossEventFrequency,
                &self.secondary_loss_event_frequency,
            ),
            (Node::SecondaryLossMagnitude, &self.secondary_loss_magnitude),
        ]
        .into_iter()
        .filter_map(|(n, d)| d.as_ref().map(|d| (n, d)))
        .collect()
    }
}

/// `{pert: [min, mode, max], gamma: 4}`, `{lognormal_90: [lo, hi]}`, ...,
/// or `{ref: scenario-id}`: exactly one kind per node.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistribution {
    #[serde(default)]
    pert: Option<Vec<f64>>,
    #[serde(default)]
    gamma: Option<f64>,
    #[serde(default)]
    lognormal_90: Option<Vec<f64>>,
    #[serde(default)]
    triangular: Option<Vec<f64>>,
    #[serde(default)]
    uniform: Option<Vec<f64>>,
    #[serde(default)]
    normal: Option<Vec<f64>>,
    #[serde(default)]
    poisson: Option<f64>,
    #[serde(default)]
    constant: Option<f64>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
}

enum Spec {
    Distribution(Distribution),
    Reference(String),
}

impl RawDistribution {
    fn spec(&self) -> Result<Spec, String> {
        let kinds = [
            self.pert.is_some(),
            self.lognormal_90.is_some(),
            self.triangular.is_some(),
            self.uniform.is_some(),
            self.normal.is_some(),
            self.poisson.is_some(),
            self.constant.is_some(),
            self.reference.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err("give exactly one of pert, lognormal_90, triangular, uniform, normal, poisson, constant, ref"
                .to_string());
        }
        if self.gamma.is_some() && self.pert.is_none() {
            return Err("gamma applies to pert only".to_string());
        }
        let arity = |what: &str, v: &[f64], n: usize| -> Result<(), String> {
            if v.len() == n {
                Ok(())
            } else {
                Err(format!("{what} takes {n} numbers, got {}", v.len()))
            }
        };
        let err = |e: DistributionError| e.to_string();
        let d = if let Some(v) = &self.pert {
            arity("pert", v, 3)?;
            Distribution::pert(v[0], v[1], v[2], self.gamma.unwrap_or(DEFAULT_PERT_GAMMA))
                .map_err(err)?
        } else if let Some(v) = &self.lognormal_90 {
            arity("lognormal_90", v, 2)?;
            Distribution::lognormal_90(v[0], v[1]).map_err(err)?
        } else if let Some(v) = &self.triangular {
            arity("triangular", v, 3)?;
            Distribution::triangular(v[0], v[1], v[2]).map_err(err)?
        } else if let Some(v) = &self.uniform {
            arity("uniform", v, 2)?;
            Distribution::uniform(v[0], v[1]).map_err(err)?
        } else if let Some(v) = &self.normal {
            arity("normal", v, 2)?;
            Distribution::normal(v[0], v[1]).map_err(err)?
        } else if let Some(l) = self.poisson {
            Distribution::poisson(l).map_err(err)?
        } else if let Some(c) = self.constant {
            Distribution::constant(c).map_err(err)?
        } else if let Some(r) = &self.reference {
            return Ok(Spec::Reference(r.clone()));
        } else {
            return Err("no distribution given".to_string());
        };
        Ok(Spec::Distribution(d))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    #[serde(default)]
    annual_cost: f64,
    #[serde(default)]
    status: ControlStatus,
    #[serde(default)]
    effects: Vec<RawEffect>,
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEffect {
    node: String,
    #[serde(default)]
    multiply: Option<f64>,
    #[serde(default)]
    add: Option<f64>,
    #[serde(default)]
    set: Option<RawDistribution>,
    #[serde(default)]
    scenarios: Option<Vec<String>>,
}

/// Parses and validates a scenario file; JSON if it starts with `{`, YAML otherwise.
pub fn parse(text: &str) -> Result<ScenarioFile, ModelError> {
    let raw: RawFile = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| ModelError::Syntax(e.to_string()))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| ModelError::Syntax(e.to_string()))?
    };
    let default_mode = raw.mode.unwrap_or_default();

    // First pass: each node's own distribution or reference.
    let mut specs: HashMap<(String, Node), Spec> = HashMap::new();
    let mut order: Vec<(&RawScenario, Vec<Node>)> = Vec::new();
    for s in &raw.scenarios {
        if s.id.trim().is_empty() {
            return Err(ModelError::BadField {
                scenario: s.id.clone(),
                field: "id".into(),
                problem: "a scenario needs a non-empty id".into(),
            });
        }
        let mut nodes = Vec::new();
        for (node, rd) in s.nodes() {
            let spec = rd.spec().map_err(|problem| ModelError::BadField {
                scenario: s.id.clone(),
                field: node.name().into(),
                problem,
            })?;
            specs.insert((s.id.clone(), node), spec);
            nodes.push(node);
        }
        order.push((s, nodes));
    }

    // Second pass: follow references to a distribution, refusing cycles.
    let mut scenarios = Vec::new();
    for (raw_scenario, nodes) in &order {
        let id = &raw_scenario.id;
        let mut given = BTreeMap::new();
        for &node in nodes {
            let input = resolve(&specs, id, node)?;
            given.insert(node, input);
        }
        let mut scenario = Scenario::new(id, raw_scenario.mode.unwrap_or(default_mode), given)?;
        scenario.site = raw_scenario.site.clone();
        scenario.category = raw_scenario.category.clone();
        scenarios.push(scenario);
    }

    let mut controls = Vec::new();
    for c in raw.controls {
        let mut effects = Vec::new();
        for e in c.effects {
            let node = Node::from_name(&e.node).ok_or_else(|| ModelError::BadControl {
                control: c.id.clone(),
                problem: format!("unknown node {:?}", e.node),
            })?;
            let bad = |problem: String| ModelError::BadControl {
                control: c.id.clone(),
                problem,
            };
            let adjust = match (e.multiply, e.add, &e.set) {
                (Some(k), None, None) if k.is_finite() && k >= 0.0 => Adjust::Multiply(k),
                (Some(k), None, None) => {
                    return Err(bad(format!(
                        "multiply must be a non-negative number, got {k}"
                    )));
                }
                (None, Some(a), None) if a.is_finite() => Adjust::Add(a),
                (None, None, Some(rd)) => {
                    match rd.spec().map_err(|p| bad(format!("set on {node}: {p}")))? {
                        Spec::Distribution(d) => Adjust::Set(d),
                        Spec::Reference(_) => return Err(bad("set cannot be a reference".into())),
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "effect on {node}: give exactly one of multiply, add, set"
                    )));
                }
            };
            effects.push(Effect {
                node,
                adjust,
                scenarios: e.scenarios,
            });
        }
        controls.push(Control {
            id: c.id,
            annual_cost: c.annual_cost,
            status: c.status,
            effects,
            requires: c.requires,
            excludes: c.excludes,
        });
    }
    Ok(ScenarioFile {
        portfolio: Portfolio::new(scenarios, controls)?,
        trials: raw.trials,
        seed: raw.seed,
        appetite: raw.appetite,
    })
}

fn resolve(
    specs: &HashMap<(String, Node), Spec>,
    id: &str,
    node: Node,
) -> Result<Input, ModelError> {
    let mut path = vec![id.to_string()];
    let mut at = id.to_string();
    // A chain longer than the number of specs must revisit one: that bounds the walk.
    for _ in 0..=specs.len() {
        match specs.get(&(at.clone(), node)) {
            Some(Spec::Distribution(d)) => {
                return Ok(Input {
                    distribution: d.clone(),
                    origin: at,
                });
            }
            Some(Spec::Reference(target)) => {
                if path.contains(target) {
                    path.push(target.clone());
                    return Err(ModelError::ReferenceCycle {
                        scenario: id.to_string(),
                        field: node,
                        cycle: path.join(" -> "),
                    });
                }
                path.push(target.clone());
                at = target.clone();
            }
            None => {
                return Err(ModelError::BadReference {
                    scenario: id.to_string(),
                    field: node,
                    target: at,
                    problem: format!("which has no {node} of its own (missing node)"),
                });
            }
        }
    }
    Err(ModelError::ReferenceCycle {
        scenario: id.to_string(),
        field: node,
        cycle: path.join(" -> "),
    })
}
