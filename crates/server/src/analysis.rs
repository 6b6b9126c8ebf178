//! What the pages ask of the analysis engines, and the shapes of the
//! answers they show.
//!
//! The server knows no engine: the binary (through `rampart-analyst`)
//! implements [`Analysis`] and passes it in, as it passes the model check.
//! The answers are view models made for the pages: text, figures and SVG
//! drawings, never engine types. A server built without one (tests of the
//! HTTP layer) gets [`NoAnalysis`], and the pages say that analysis is not
//! available instead of failing.

use std::fmt::Debug;

use rampart_domain::{AppliedControl, Control, FacilityModel, FloorPlan, NistInputs, RiskScenario};

/// The engines, as the pages see them.
pub trait Analysis: Send + Sync + Debug {
    /// The protection-system analysis of a facility model: for each adversary
    /// of its design basis threat, the most vulnerable paths (EASI), with
    /// the adversary sequence diagram of the worst one.
    fn protection(&self, model: &FacilityModel) -> Result<ProtectionView, String>;

    /// A facility model's path elements and response force as an editable table.
    fn facility_table(&self, model: &FacilityModel) -> Result<FacilityTable, String>;

    /// The facility model with its elements and response force replaced by
    /// `table`'s, everything else (adversaries, upgrades, areas, targets)
    /// kept; `Err` lists what is wrong, by element row and field.
    fn apply_facility_table(
        &self,
        model: &FacilityModel,
        table: &FacilityTable,
    ) -> Result<serde_json::Value, Vec<TableError>>;

    /// Camera coverage of a floor plan, with the cameras moved as `moves` say.
    fn coverage(&self, plan: &FloorPlan, moves: &[CameraMove]) -> Result<CoverageView, String>;

    /// The floor plan's content with the cameras moved as `moves` say.
    fn move_cameras(
        &self,
        plan: &FloorPlan,
        moves: &[CameraMove],
    ) -> Result<serde_json::Value, String>;

    /// The Open FAIR Monte Carlo of the risks assessed with FAIR (the
    /// others are left out), with the controls in place; `None` when no
    /// risk is. CPU-bound: call it off the async threads.
    fn fair(
        &self,
        risks: &[RiskScenario],
        currency: &str,
        trials: u64,
        seed: u64,
    ) -> Result<Option<FairView>, String>;

    /// NIST SP 800-30 rev1: the overall likelihood (table G-5) and the
    /// risk level (table I-2) of one stage's inputs.
    fn nist(&self, inputs: &NistInputs) -> Option<NistView>;

    /// Countermeasures under an annual budget for the FAIR-assessed risks
    /// of one site: the applied controls not yet in place are the
    /// candidates; the best set for the budget and the efficient frontier.
    /// `None` when no risk is FAIR-assessed. CPU-bound: call it off the
    /// async threads.
    fn countermeasures(&self, input: &CountermeasureInput) -> Result<Option<PlanView>, String>;
}

/// What the countermeasures page asks about: one site's register.
#[derive(Debug, Clone, PartialEq)]
pub struct CountermeasureInput {
    pub risks: Vec<RiskScenario>,
    pub applied: Vec<AppliedControl>,
    /// The organisation's control catalogue (costs, lifetimes, effectiveness).
    pub catalogue: Vec<Control>,
    pub currency: String,
    /// The annual budget (operating cost plus capital spread over the
    /// lifetime); `None`: enough for every candidate.
    pub budget: Option<f64>,
    pub trials: u64,
    pub seed: u64,
}

/// The optimiser's answer, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    /// The budget used (the one asked for, or the cost of every candidate).
    pub budget: f64,
    pub trials: u64,
    pub seed: u64,
    /// Annual loss expected with no control at all, and with those in place.
    pub inherent_ale: f64,
    pub current_ale: f64,
    /// Each candidate alone, on top of the controls in place.
    pub candidates: Vec<CandidateView>,
    /// The best set within the budget.
    pub recommended: SelectionView,
    /// How it was searched, in words ("branch and bound, proven optimal, 9 nodes").
    pub search: String,
    pub proven_optimal: bool,
    /// Residual risk against spend, cheapest first.
    pub frontier: Vec<SelectionView>,
    pub frontier_svg: String,
    /// Applied controls that could not be candidates, and why.
    pub left_out: Vec<String>,
}

impl PlanView {
    /// A candidate's label by its id (the id itself if it is not one).
    pub fn label_of(&self, id: &str) -> String {
        self.candidates
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.label.clone())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateView {
    /// The applied control's id.
    pub id: String,
    /// "Cage upgrade (ac-whs-cage)".
    pub label: String,
    pub annual_cost: f64,
    pub risk_reduction: f64,
    /// Return on security investment; `None` for a free control.
    pub rosi: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectionView {
    /// Applied control ids.
    pub controls: Vec<String>,
    pub annual_cost: f64,
    pub residual_ale: f64,
    pub risk_reduction: f64,
    pub rosi: Option<f64>,
}

/// A NIST SP 800-30 rating, in the publication's words.
#[derive(Debug, Clone, PartialEq)]
pub struct NistView {
    pub overall_likelihood: String,
    pub risk: String,
    /// 0 (Very Low) to 4 (Very High).
    pub rank: u8,
}

/// A server without engines.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoAnalysis;

const UNAVAILABLE: &str = "analysis is not available in this server";

impl Analysis for NoAnalysis {
    fn protection(&self, _: &FacilityModel) -> Result<ProtectionView, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn facility_table(&self, _: &FacilityModel) -> Result<FacilityTable, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn apply_facility_table(
        &self,
        _: &FacilityModel,
        _: &FacilityTable,
    ) -> Result<serde_json::Value, Vec<TableError>> {
        Err(vec![TableError {
            row: None,
            field: String::new(),
            message: UNAVAILABLE.to_owned(),
        }])
    }
    fn coverage(&self, _: &FloorPlan, _: &[CameraMove]) -> Result<CoverageView, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn move_cameras(&self, _: &FloorPlan, _: &[CameraMove]) -> Result<serde_json::Value, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn fair(
        &self,
        _: &[RiskScenario],
        _: &str,
        _: u64,
        _: u64,
    ) -> Result<Option<FairView>, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn nist(&self, _: &NistInputs) -> Option<NistView> {
        None
    }
    fn countermeasures(&self, _: &CountermeasureInput) -> Result<Option<PlanView>, String> {
        Err(UNAVAILABLE.to_owned())
    }
}

// ------------------------------------------------------------ protection

#[derive(Debug, Clone, PartialEq)]
pub struct ProtectionView {
    /// "240 ± 72 s, P_C 0.95".
    pub response: String,
    pub areas: usize,
    pub elements: usize,
    pub targets: Vec<String>,
    pub adversaries: Vec<AdversaryView>,
    pub upgrade: Option<UpgradeView>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdversaryView {
    pub name: String,
    /// "outsider" or "insider".
    pub kind: String,
    pub p_neutralization: f64,
    /// Whether the paths are proven the most vulnerable.
    pub exact: bool,
    /// FEMA 452 vulnerability rating (1..10) from the worst path's P_E.
    pub vulnerability_rating: u8,
    /// Lowest P_I first; empty when no target can be reached.
    pub paths: Vec<PathView>,
    /// The adversary sequence diagram of the most vulnerable path (SVG).
    pub diagram_svg: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathView {
    /// Element ids in order.
    pub elements: Vec<String>,
    /// Areas passed, one more than the elements.
    pub areas: Vec<String>,
    pub p_interruption: f64,
    pub p_effectiveness: f64,
    pub critical_detection_point: Option<String>,
    /// Total mean delay along the path, in seconds.
    pub delay_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpgradeView {
    pub upgrades: Vec<String>,
    pub cost: f64,
    pub p_effectiveness_before: f64,
    pub p_effectiveness_after: f64,
}

/// A facility model's editable part: one row per path element.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FacilityTable {
    pub response_mean: f64,
    pub response_sd: f64,
    pub p_communication: f64,
    pub elements: Vec<ElementRow>,
    /// The element types the engine knows, for the type select.
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElementRow {
    pub id: String,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub p_detect: f64,
    /// "B", "M" or "E": detection at the beginning, middle or end.
    pub location: String,
    pub delay_mean: f64,
    pub delay_sd: f64,
    pub badge_reader: bool,
}

/// A problem with an edited table: the row (0-based, `None` for the
/// response force) and the field it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct TableError {
    pub row: Option<usize>,
    pub field: String,
    pub message: String,
}

// ------------------------------------------------------------ surveillance

/// A camera moved on the plan (position in metres, pan in degrees, 0 along
/// +x, counter-clockwise).
#[derive(Debug, Clone, PartialEq)]
pub struct CameraMove {
    pub id: String,
    pub x: f64,
    pub y: f64,
    pub pan_deg: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoverageView {
    /// The level profile used (e.g. "iec62676-2015").
    pub profile: String,
    pub floor_area_m2: f64,
    /// The plan with walls, zones, cameras and coverage coloured by level.
    pub drawing_svg: String,
    pub cameras: Vec<CameraView>,
    /// Per level, best last: (level, area seen at it or better, fraction of the floor).
    pub levels: Vec<(String, f64, f64)>,
    pub zones: Vec<ZoneView>,
    /// Design-review findings: zones that miss their required level.
    pub findings: Vec<String>,
    /// Plan bounds (min x, min y, max x, max y), for the move form's limits.
    pub bounds: [f64; 4],
}

#[derive(Debug, Clone, PartialEq)]
pub struct CameraView {
    pub id: String,
    pub x: f64,
    pub y: f64,
    pub pan_deg: f64,
    pub hfov_deg: f64,
    pub height_m: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ZoneView {
    pub id: String,
    pub required: String,
    pub covered_fraction: f64,
    pub uncovered_m2: f64,
}

// ------------------------------------------------------------ quantitative risk

/// Annual loss of FAIR scenarios and of their sum, trial by trial.
#[derive(Debug, Clone, PartialEq)]
pub struct FairView {
    pub trials: u64,
    pub seed: u64,
    /// How percentiles were computed ("exact", or a sketch and its error).
    pub quantiles: String,
    pub scenarios: Vec<LossView>,
    /// The per-trial sum over the scenarios.
    pub portfolio: LossView,
    /// Loss exceedance curves (SVG), one per scenario and the total.
    pub lec_svg: String,
    /// Annual loss percentiles as bars (SVG).
    pub bars_svg: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LossView {
    /// The risk's id (the portfolio's is empty).
    pub id: String,
    /// "per_trial" or "compound_poisson".
    pub mode: String,
    pub mean: f64,
    pub sd: f64,
    pub p5: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub value_at_risk: f64,
    pub var_confidence: f64,
}
