//! The Open FAIR taxonomy as validated engine types: which nodes a scenario
//! gives directly, which are derived from their children, and the
//! countermeasures that change them. Parsing the scenario file is in
//! `scenario_file`; drawing samples is in `simulate`.
//!
//! Risk = LEF x LM; LEF = TEF x Vulnerability; TEF = Contact Frequency x
//! Probability of Action; Vulnerability = P(Threat Capability > Resistance
//! Strength); LM = Primary + Secondary; Secondary = SLEF x SLM, where SLEF is
//! the fraction of loss events that bring secondary losses (a probability).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dist::{Distribution, DistributionError};

/// A node of the FAIR taxonomy, named as in the scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    Lef,
    Tef,
    ContactFrequency,
    ProbabilityOfAction,
    Vulnerability,
    ThreatCapability,
    ResistanceStrength,
    LossMagnitude,
    PrimaryLoss,
    SecondaryLoss,
    SecondaryLossEventFrequency,
    SecondaryLossMagnitude,
}

/// Most events a year (at the 99.9999th percentile) a compound Poisson scenario may draw.
pub const MAX_COMPOUND_EVENTS: f64 = 1e6;

/// Number of taxonomy nodes.
pub const NODE_COUNT: usize = 12;

/// What values a node may take, which decides its checks and clamping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Events per year: never negative.
    Frequency,
    /// A probability in [0, 1].
    Probability,
    /// Money per event: never negative.
    Magnitude,
    /// Threat capability and resistance strength share an analyst-chosen scale.
    Capability,
}

impl Node {
    pub const ALL: [Node; NODE_COUNT] = [
        Node::Lef,
        Node::Tef,
        Node::ContactFrequency,
        Node::ProbabilityOfAction,
        Node::Vulnerability,
        Node::ThreatCapability,
        Node::ResistanceStrength,
        Node::LossMagnitude,
        Node::PrimaryLoss,
        Node::SecondaryLoss,
        Node::SecondaryLossEventFrequency,
        Node::SecondaryLossMagnitude,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Node::Lef => "lef",
            Node::Tef => "tef",
            Node::ContactFrequency => "contact_frequency",
            Node::ProbabilityOfAction => "probability_of_action",
            Node::Vulnerability => "vulnerability",
            Node::ThreatCapability => "threat_capability",
            Node::ResistanceStrength => "resistance_strength",
            Node::LossMagnitude => "loss_magnitude",
            Node::PrimaryLoss => "primary_loss",
            Node::SecondaryLoss => "secondary_loss",
            Node::SecondaryLossEventFrequency => "secondary_loss_event_frequency",
            Node::SecondaryLossMagnitude => "secondary_loss_magnitude",
        }
    }

    pub fn from_name(name: &str) -> Option<Node> {
        Node::ALL.into_iter().find(|n| n.name() == name)
    }

    pub fn kind(self) -> NodeKind {
        match self {
            Node::Lef | Node::Tef | Node::ContactFrequency => NodeKind::Frequency,
            Node::ProbabilityOfAction | Node::Vulnerability | Node::SecondaryLossEventFrequency => {
                NodeKind::Probability
            }
            Node::ThreatCapability | Node::ResistanceStrength => NodeKind::Capability,
            Node::LossMagnitude
            | Node::PrimaryLoss
            | Node::SecondaryLoss
            | Node::SecondaryLossMagnitude => NodeKind::Magnitude,
        }
    }

    /// The children a node is derived from, if it is not given.
    pub fn children(self) -> &'static [Node] {
        match self {
            Node::Lef => &[Node::Tef, Node::Vulnerability],
            Node::Tef => &[Node::ContactFrequency, Node::ProbabilityOfAction],
            Node::Vulnerability => &[Node::ThreatCapability, Node::ResistanceStrength],
            Node::LossMagnitude => &[Node::PrimaryLoss, Node::SecondaryLoss],
            Node::SecondaryLoss => &[
                Node::SecondaryLossEventFrequency,
                Node::SecondaryLossMagnitude,
            ],
            _ => &[],
        }
    }

    /// The node this one helps derive.
    pub fn parent(self) -> Option<Node> {
        Node::ALL.into_iter().find(|p| p.children().contains(&self))
    }

    /// Whether a larger value of this node means more risk (all but resistance strength).
    pub fn raises_risk(self) -> bool {
        self != Node::ResistanceStrength
    }

    /// Clamps a drawn or adjusted value into the node's domain.
    #[inline]
    pub fn clamp(self, x: f64) -> f64 {
        match self.kind() {
            NodeKind::Frequency | NodeKind::Magnitude => x.max(0.0),
            NodeKind::Probability => x.clamp(0.0, 1.0),
            NodeKind::Capability => x,
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a scenario turns frequencies and magnitudes into an annual loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossMode {
    /// Annual loss = LEF x LM, one draw of each per trial.
    #[default]
    PerTrial,
    /// Annual loss = sum over N ~ Poisson(LEF) events of independent per-event losses.
    CompoundPoisson,
}

impl LossMode {
    pub fn name(self) -> &'static str {
        match self {
            LossMode::PerTrial => "per_trial",
            LossMode::CompoundPoisson => "compound_poisson",
        }
    }
}

/// A node value given directly: its distribution, and whose random draws it
/// uses (its own, or those of the scenario it references, so that shared
/// inputs stay correlated across scenarios).
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub distribution: Distribution,
    /// The scenario whose stream of draws this input uses.
    pub origin: String,
}

/// A validated loss scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub mode: LossMode,
    /// Where and what kind of risk it is: picks the risk appetite that applies.
    pub site: Option<String>,
    pub category: Option<String>,
    inputs: [Option<Input>; NODE_COUNT],
}

impl Scenario {
    pub fn input(&self, node: Node) -> Option<&Input> {
        self.inputs[node.index()].as_ref()
    }

    pub fn inputs(&self) -> impl Iterator<Item = (Node, &Input)> {
        Node::ALL
            .into_iter()
            .filter_map(|n| self.input(n).map(|i| (n, i)))
    }

    /// Whether `node` takes part in computing this scenario's loss (given, or
    /// derived on the way from a given node up to LEF and LM).
    pub fn uses(&self, node: Node) -> bool {
        fn walk(s: &Scenario, at: Node, target: Node) -> bool {
            if at == target {
                return true;
            }
            if s.input(at).is_some() {
                return false;
            }
            at.children().iter().any(|&c| walk(s, c, target))
        }
        walk(self, Node::Lef, node) || walk(self, Node::LossMagnitude, node)
    }

    /// Builds a scenario from given nodes, checking that the taxonomy is
    /// complete (every needed node given or derivable) and unambiguous.
    pub fn new(id: &str, mode: LossMode, given: BTreeMap<Node, Input>) -> Result<Self, ModelError> {
        let mut inputs: [Option<Input>; NODE_COUNT] = Default::default();
        for (node, input) in given {
            check_domain(id, node, &input.distribution)?;
            inputs[node.index()] = Some(input);
        }
        let scenario = Scenario {
            id: id.to_string(),
            mode,
            site: None,
            category: None,
            inputs,
        };
        for root in [Node::Lef, Node::LossMagnitude] {
            if let Some(missing) = scenario.first_missing(root) {
                let how = match missing {
                    Node::Lef => "give lef, or tef and vulnerability",
                    Node::Tef => "give tef, or contact_frequency and probability_of_action",
                    Node::Vulnerability => {
                        "give vulnerability, or threat_capability and resistance_strength"
                    }
                    Node::LossMagnitude | Node::PrimaryLoss => {
                        "give loss_magnitude, or primary_loss (and optionally secondary_loss)"
                    }
                    Node::SecondaryLossEventFrequency | Node::SecondaryLossMagnitude => {
                        "secondary_loss_event_frequency and secondary_loss_magnitude go together"
                    }
                    _ => "it is needed to derive its parent",
                };
                return Err(ModelError::MissingNode {
                    scenario: id.to_string(),
                    field: missing,
                    how: how.to_string(),
                });
            }
        }
        // Compound Poisson draws every event: bound the work per trial.
        if mode == LossMode::CompoundPoisson {
            let frequency = [Node::Lef, Node::Tef, Node::ContactFrequency]
                .into_iter()
                .find_map(|n| scenario.input(n).map(|i| (n, i)));
            if let Some((node, input)) = frequency {
                let high = input.distribution.quantile(0.999_999);
                if high > MAX_COMPOUND_EVENTS {
                    return Err(ModelError::OutOfDomain {
                        scenario: id.to_string(),
                        field: node,
                        problem: format!(
                            "compound_poisson simulates every event, and this allows {high:.3e} a year \
                             (limit {MAX_COMPOUND_EVENTS:.0e}): use mode per_trial"
                        ),
                    });
                }
            }
        }
        // Anything given below a given ancestor would be silently ignored.
        for node in Node::ALL {
            if scenario.input(node).is_none() {
                continue;
            }
            let mut up = node.parent();
            while let Some(ancestor) = up {
                if scenario.input(ancestor).is_some() {
                    return Err(ModelError::Shadowed {
                        scenario: id.to_string(),
                        field: node,
                        by: ancestor,
                    });
                }
                up = ancestor.parent();
            }
        }
        Ok(scenario)
    }

    fn any_given(&self, node: Node) -> bool {
        self.input(node).is_some() || node.children().iter().any(|&c| self.any_given(c))
    }

    fn complete(&self, node: Node) -> bool {
        if self.input(node).is_some() {
            return true;
        }
        match node {
            // Secondary loss is optional: absent means none.
            Node::LossMagnitude => {
                self.complete(Node::PrimaryLoss)
                    && (self.complete(Node::SecondaryLoss) || !self.any_given(Node::SecondaryLoss))
            }
            _ => !node.children().is_empty() && node.children().iter().all(|&c| self.complete(c)),
        }
    }

    /// The most specific node that is needed but neither given nor derivable.
    fn first_missing(&self, node: Node) -> Option<Node> {
        if self.complete(node) {
            return None;
        }
        if self.any_given(node) || node == Node::LossMagnitude {
            for &child in node.children() {
                if child == Node::SecondaryLoss && !self.any_given(child) {
                    continue;
                }
                if !self.complete(child) {
                    return self.first_missing(child).or(Some(child));
                }
            }
        }
        Some(node)
    }
}

fn check_domain(scenario: &str, node: Node, d: &Distribution) -> Result<(), ModelError> {
    let bad = |problem: String| ModelError::OutOfDomain {
        scenario: scenario.to_string(),
        field: node,
        problem,
    };
    // A normal has unbounded tails: its mean must be in the domain, and draws are clamped.
    let (lo, hi) = match d {
        Distribution::Normal { mean, .. } => (*mean, *mean),
        _ => (d.lower_bound(), d.upper_bound()),
    };
    match node.kind() {
        NodeKind::Frequency if lo < 0.0 => Err(bad(format!(
            "a frequency cannot be negative (lowest value {lo})"
        ))),
        NodeKind::Magnitude if lo < 0.0 => Err(bad(format!(
            "a loss cannot be negative (lowest value {lo})"
        ))),
        NodeKind::Probability if lo < 0.0 || hi > 1.0 => Err(bad(format!(
            "a probability must lie in [0, 1] (values from {lo} to {hi})"
        ))),
        _ => Ok(()),
    }
}

/// A change a countermeasure makes to a node's value, applied to every draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjust {
    Multiply(f64),
    Add(f64),
    /// Replace the node's value by a new distribution (drawn from the node's own stream).
    Set(Distribution),
}

impl Adjust {
    #[inline]
    pub fn apply(&self, x: f64) -> f64 {
        match self {
            Adjust::Multiply(k) => x * k,
            Adjust::Add(a) => x + a,
            Adjust::Set(_) => x,
        }
    }

    /// Whether this change can only lower (or keep) the risk on `node`, for
    /// any value the node may take: what the exact optimiser's bound needs.
    pub fn never_raises_risk(&self, node: Node) -> bool {
        match (self, node.raises_risk()) {
            (Adjust::Multiply(k), true) => (0.0..=1.0).contains(k),
            (Adjust::Multiply(k), false) => *k >= 1.0,
            (Adjust::Add(a), true) => *a <= 0.0,
            (Adjust::Add(a), false) => *a >= 0.0,
            (Adjust::Set(_), _) => false,
        }
    }
}

/// One effect of a control: on which node, how, and for which scenarios
/// (`None`: every scenario whose loss uses that node).
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub node: Node,
    pub adjust: Adjust,
    pub scenarios: Option<Vec<String>>,
}

/// Whether a control already operates (part of current risk) or is proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    InPlace,
    #[default]
    Proposed,
}

/// A countermeasure: its annual cost, what it changes, and its constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: String,
    pub annual_cost: f64,
    pub status: ControlStatus,
    pub effects: Vec<Effect>,
    /// Ids of controls that must be chosen with this one.
    pub requires: Vec<String>,
    /// Ids of controls that cannot be chosen with this one.
    pub excludes: Vec<String>,
}

/// Scenarios and the controls that act on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    pub scenarios: Vec<Scenario>,
    pub controls: Vec<Control>,
}

/// Per scenario and node, the changes a set of controls makes, in order.
pub type Adjustments = Vec<[Vec<Adjust>; NODE_COUNT]>;

impl Portfolio {
    /// Checks cross-references: unique ids, control targets and constraints.
    pub fn new(scenarios: Vec<Scenario>, controls: Vec<Control>) -> Result<Self, ModelError> {
        let mut seen = std::collections::BTreeSet::new();
        for s in &scenarios {
            if !seen.insert(s.id.as_str()) {
                return Err(ModelError::DuplicateScenario(s.id.clone()));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for c in &controls {
            if !ids.insert(c.id.as_str()) {
                return Err(ModelError::DuplicateControl(c.id.clone()));
            }
            if !(c.annual_cost.is_finite() && c.annual_cost >= 0.0) {
                return Err(ModelError::BadControl {
                    control: c.id.clone(),
                    problem: format!(
                        "annual_cost must be a non-negative number, got {}",
                        c.annual_cost
                    ),
                });
            }
        }
        for c in &controls {
            for other in c.requires.iter().chain(&c.excludes) {
                if !ids.contains(other.as_str()) {
                    return Err(ModelError::BadControl {
                        control: c.id.clone(),
                        problem: format!("refers to unknown control {other:?}"),
                    });
                }
            }
            for e in &c.effects {
                if let Adjust::Set(d) = &e.adjust {
                    // Setting a node to an impossible value is a domain error like any other.
                    check_domain(&format!("(set by control {})", c.id), e.node, d)?;
                }
                match &e.scenarios {
                    Some(list) => {
                        for sid in list {
                            let Some(s) = scenarios.iter().find(|s| &s.id == sid) else {
                                return Err(ModelError::BadControl {
                                    control: c.id.clone(),
                                    problem: format!("names unknown scenario {sid:?}"),
                                });
                            };
                            if !s.uses(e.node) {
                                return Err(ModelError::BadControl {
                                    control: c.id.clone(),
                                    problem: format!(
                                        "changes {} of scenario {sid:?}, which does not use that node",
                                        e.node
                                    ),
                                });
                            }
                        }
                    }
                    None => {
                        if !scenarios.iter().any(|s| s.uses(e.node)) {
                            return Err(ModelError::BadControl {
                                control: c.id.clone(),
                                problem: format!("changes {}, which no scenario uses", e.node),
                            });
                        }
                    }
                }
            }
        }
        Ok(Portfolio {
            scenarios,
            controls,
        })
    }

    pub fn control_index(&self, id: &str) -> Option<usize> {
        self.controls.iter().position(|c| c.id == id)
    }

    /// Indices of controls already in place.
    pub fn in_place(&self) -> Vec<usize> {
        (0..self.controls.len())
            .filter(|&i| self.controls[i].status == ControlStatus::InPlace)
            .collect()
    }

    /// Indices of proposed controls.
    pub fn proposed(&self) -> Vec<usize> {
        (0..self.controls.len())
            .filter(|&i| self.controls[i].status == ControlStatus::Proposed)
            .collect()
    }

    /// The per-node changes made by the given controls, applied in control order.
    pub fn adjustments(&self, controls: &[usize]) -> Adjustments {
        (0..self.scenarios.len())
            .map(|si| self.scenario_adjustments(si, controls))
            .collect()
    }

    /// The per-node changes the given controls make to one scenario, in control order.
    pub fn scenario_adjustments(
        &self,
        scenario: usize,
        controls: &[usize],
    ) -> [Vec<Adjust>; NODE_COUNT] {
        let mut out: [Vec<Adjust>; NODE_COUNT] = Default::default();
        let Some(s) = self.scenarios.get(scenario) else {
            return out;
        };
        let mut sorted = controls.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for ci in sorted {
            let Some(c) = self.controls.get(ci) else {
                continue;
            };
            for e in &c.effects {
                let applies = match &e.scenarios {
                    Some(list) => list.iter().any(|x| x == &s.id),
                    None => s.uses(e.node),
                };
                if applies {
                    out[e.node.index()].push(e.adjust.clone());
                }
            }
        }
        out
    }

    /// Which scenarios a control changes.
    pub fn scenarios_changed_by(&self, control: usize) -> Vec<usize> {
        let adj = self.adjustments(&[control]);
        (0..self.scenarios.len())
            .filter(|&s| adj[s].iter().any(|a| !a.is_empty()))
            .collect()
    }
}

/// A problem with the scenarios or controls, naming the scenario and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("scenario {scenario:?}, field {field}: {source}")]
    BadDistribution {
        scenario: String,
        field: String,
        source: DistributionError,
    },
    #[error("scenario {scenario:?}, field {field}: {problem}")]
    OutOfDomain {
        scenario: String,
        field: Node,
        problem: String,
    },
    #[error("scenario {scenario:?}: missing node {field} ({how})")]
    MissingNode {
        scenario: String,
        field: Node,
        how: String,
    },
    #[error(
        "scenario {scenario:?}, field {field}: given, but {by} is also given directly, so it would be ignored"
    )]
    Shadowed {
        scenario: String,
        field: Node,
        by: Node,
    },
    #[error("scenario {scenario:?}, field {field}: reference to {target:?}, {problem}")]
    BadReference {
        scenario: String,
        field: Node,
        target: String,
        problem: String,
    },
    #[error("scenario {scenario:?}, field {field}: cycle of references {cycle}")]
    ReferenceCycle {
        scenario: String,
        field: Node,
        cycle: String,
    },
    #[error("scenario {scenario:?}, field {field}: {problem}")]
    BadField {
        scenario: String,
        field: String,
        problem: String,
    },
    #[error("scenario {0:?} is defined twice")]
    DuplicateScenario(String),
    #[error("control {0:?} is defined twice")]
    DuplicateControl(String),
    #[error("control {control:?}: {problem}")]
    BadControl { control: String, problem: String },
    #[error("the scenario file does not parse: {0}")]
    Syntax(String),
}
