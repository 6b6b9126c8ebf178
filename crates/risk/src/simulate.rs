//! Open FAIR Monte Carlo: draws every scenario's taxonomy trial by trial,
//! forms annual losses (per trial LEF x LM, or a compound Poisson sum of
//! per-event losses), and summarises each scenario and the portfolio
//! (per-trial sums across scenarios, so correlated totals stay right).
//!
//! Reproducibility: trials are cut into fixed chunks of [`CHUNK`] trials;
//! every (input, chunk) pair has its own four PCG streams (lanes, drawn in
//! turn) seeded from the run seed, the input's origin scenario, its node, the
//! chunk number and the lane. Chunk results
//! are combined in chunk order (moments) or with integer counts (sketches),
//! so the same seed gives the same numbers on 1 thread or 64. Because each
//! input has its own stream, fixing one input (tornado) or changing one
//! node (a control) leaves every other draw as it was: common random numbers.

use rand::Rng;
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::Serialize;

use crate::dist::{Distribution, FastCdf, LANES, Sampler};
use crate::fair::{Adjust, Adjustments, LossMode, NODE_COUNT, Node, Portfolio, Scenario};
use crate::quantiles::{LossQuantiles, QuantileMethod, QuantileSketch};

/// Trials per chunk: the unit of parallel work and of random streams.
pub const CHUNK: usize = 8192;

/// Above this many stored samples (trials x series), percentiles come from sketches.
pub const EXACT_LIMIT: u64 = 1 << 23;

/// The percentiles every summary reports.
pub const PERCENTILES: [f64; 6] = [0.05, 0.10, 0.50, 0.90, 0.95, 0.99];

/// How percentiles are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuantilePolicy {
    /// Exact when trials x series <= [`EXACT_LIMIT`], a sketch above.
    #[default]
    Auto,
    Exact,
    Sketch,
}

/// Run settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationOptions {
    pub trials: u64,
    pub seed: u64,
    pub quantiles: QuantilePolicy,
    /// Points on each loss exceedance curve.
    pub lec_points: usize,
    /// Confidence level of the reported value at risk.
    pub var_confidence: f64,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        Self {
            trials: 100_000,
            seed: 1,
            quantiles: QuantilePolicy::Auto,
            lec_points: 40,
            var_confidence: 0.95,
        }
    }
}

/// One point of a loss exceedance curve: P(annual loss > loss).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LecPoint {
    pub loss: f64,
    pub p_exceed: f64,
}

/// Summary of simulated annual losses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossSummary {
    pub mean: f64,
    pub sd: f64,
    /// Standard error of the mean: sd / sqrt(trials).
    pub standard_error: f64,
    pub p5: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    /// The `var_confidence` quantile of annual loss.
    pub value_at_risk: f64,
    pub var_confidence: f64,
    pub lec: Vec<LecPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioResult {
    pub id: String,
    pub mode: LossMode,
    pub ale: LossSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationResult {
    pub trials: u64,
    pub seed: u64,
    pub quantile_method: QuantileMethod,
    pub scenarios: Vec<ScenarioResult>,
    pub portfolio: LossSummary,
}

/// Problems a run can meet that validation cannot see.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    #[error("trials must be at least 1")]
    NoTrials,
    #[error("the portfolio has no scenarios")]
    NoScenarios,
    #[error("exact percentiles for {0} samples would need too much memory; use the sketch")]
    TooManyForExact(u64),
    #[error("var_confidence must lie in (0, 1), got {0}")]
    BadConfidence(f64),
    #[error("cannot start worker threads: {0}")]
    ThreadPool(String),
}

// ---------------------------------------------------------------------------
// Streams

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What a stream is for, so that the draws of different uses never overlap.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    Trial = 1,
    Event = 2,
    EventCount = 3,
    Set = 4,
}

fn stream_key(origin: &str, node: Node, purpose: Purpose, extra: u64) -> u64 {
    splitmix(
        fnv1a(origin)
            ^ splitmix((node.index() as u64) << 8 | purpose as u64)
            ^ splitmix(extra.wrapping_add(17)),
    )
}

/// Distinguish the lanes of an input's chunk (see `Sampler::fill_lanes`); lane 0 is the key itself.
const LANE_KEYS: [u64; LANES] = [
    0,
    0xA5A5_5A5A_C3C3_3C3C,
    0x3C96_0F1E_7B2D_4E81,
    0xD1B5_4A32_D192_ED03,
];

fn stream(seed: u64, key: u64, chunk: u64) -> Pcg64Mcg {
    let a = splitmix(seed ^ splitmix(key ^ splitmix(chunk)));
    let b = splitmix(a ^ 0x5851_F42D_4C95_7F2D);
    Pcg64Mcg::new((u128::from(a) << 64) | u128::from(b))
}

/// The independent streams of one input's chunk.
fn lanes(seed: u64, key: u64, chunk: u64) -> [Pcg64Mcg; LANES] {
    LANE_KEYS.map(|k| stream(seed, key ^ k, chunk))
}

#[inline]
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

// ---------------------------------------------------------------------------
// A scenario prepared for drawing.

#[derive(Debug, Clone)]
enum Step {
    Multiply(f64),
    Add(f64),
    Set {
        sampler: Sampler,
        cdf: Box<FastCdf>,
        key: u64,
    },
}

#[derive(Debug, Clone)]
struct Given {
    distribution: Distribution,
    sampler: Sampler,
    /// Only threat capability needs its CDF.
    cdf: FastCdf,
    trial_key: u64,
    event_key: u64,
}

/// A scenario with its samplers, stream keys and control steps resolved.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    mode: LossMode,
    given: [Option<Given>; NODE_COUNT],
    active: [bool; NODE_COUNT],
    steps: [Vec<Step>; NODE_COUNT],
    count_key: u64,
    has_secondary: bool,
}

/// Post-order: children before parents.
const ORDER: [Node; NODE_COUNT] = [
    Node::ContactFrequency,
    Node::ProbabilityOfAction,
    Node::Tef,
    Node::ThreatCapability,
    Node::ResistanceStrength,
    Node::Vulnerability,
    Node::Lef,
    Node::PrimaryLoss,
    Node::SecondaryLossEventFrequency,
    Node::SecondaryLossMagnitude,
    Node::SecondaryLoss,
    Node::LossMagnitude,
];

impl Prepared {
    /// `overrides`: inputs replaced by a constant (tornado swings).
    pub(crate) fn new(
        scenario: &Scenario,
        adjust: &[Vec<Adjust>; NODE_COUNT],
        overrides: &[(Node, f64)],
    ) -> Self {
        let mut given: [Option<Given>; NODE_COUNT] = Default::default();
        let mut active = [false; NODE_COUNT];
        let mut steps: [Vec<Step>; NODE_COUNT] = Default::default();
        for node in Node::ALL {
            // Threat capability enters only through its CDF; an underived, ungiven node is absent.
            active[node.index()] = scenario.uses(node)
                && node != Node::ThreatCapability
                && (scenario.input(node).is_some() || !node.children().is_empty());
            if let Some(input) = scenario.input(node) {
                let distribution = match overrides.iter().find(|(n, _)| *n == node) {
                    Some(&(_, v)) => Distribution::Constant { value: v },
                    None => input.distribution.clone(),
                };
                given[node.index()] = Some(Given {
                    sampler: distribution.sampler(),
                    cdf: if node == Node::ThreatCapability {
                        FastCdf::new(&distribution)
                    } else {
                        FastCdf::Exact(Distribution::Constant { value: 0.0 })
                    },
                    distribution,
                    trial_key: stream_key(&input.origin, node, Purpose::Trial, 0),
                    event_key: stream_key(&input.origin, node, Purpose::Event, 0),
                });
            }
            steps[node.index()] = adjust[node.index()]
                .iter()
                .enumerate()
                .map(|(k, a)| match a {
                    Adjust::Multiply(m) => Step::Multiply(*m),
                    Adjust::Add(x) => Step::Add(*x),
                    Adjust::Set(d) => Step::Set {
                        sampler: d.sampler(),
                        cdf: Box::new(FastCdf::new(d)),
                        key: stream_key(&scenario.id, node, Purpose::Set, k as u64),
                    },
                })
                .collect();
        }
        let has_secondary = scenario.input(Node::SecondaryLoss).is_some()
            || scenario.input(Node::SecondaryLossEventFrequency).is_some();
        Prepared {
            mode: scenario.mode,
            given,
            active,
            steps,
            count_key: stream_key(&scenario.id, Node::Lef, Purpose::EventCount, 0),
            has_secondary,
        }
    }

    fn given(&self, node: Node) -> Option<&Given> {
        self.given[node.index()].as_ref()
    }

    /// P(threat capability > x) under the (possibly adjusted) capability distribution.
    fn capability_exceeds(&self, x: f64) -> f64 {
        let Some(g) = self.given(Node::ThreatCapability) else {
            return 0.0;
        };
        // Walk the affine steps backwards: P(f(T) > x) = P(T > f⁻¹(x)); a Set restarts from its distribution.
        let steps = &self.steps[Node::ThreatCapability.index()];
        let mut y = x;
        for step in steps.iter().rev() {
            match step {
                Step::Add(a) => y -= a,
                Step::Multiply(m) => {
                    if *m == 0.0 {
                        return if 0.0 > y { 1.0 } else { 0.0 };
                    }
                    y /= m;
                }
                Step::Set { cdf, .. } => return 1.0 - cdf.cdf(y),
            }
        }
        1.0 - g.cdf.cdf(y)
    }

    fn apply_steps(&self, node: Node, seed: u64, chunk: u64, buf: &mut [f64]) {
        let steps = &self.steps[node.index()];
        for step in steps {
            match step {
                Step::Multiply(m) => buf.iter_mut().for_each(|x| *x *= m),
                Step::Add(a) => buf.iter_mut().for_each(|x| *x += a),
                Step::Set { sampler, key, .. } => sampler.fill(&mut stream(seed, *key, chunk), buf),
            }
        }
        if node.kind() != crate::fair::NodeKind::Capability {
            buf.iter_mut().for_each(|x| *x = node.clamp(*x));
        }
    }

    fn apply_steps_one<R: Rng>(&self, node: Node, rng: &mut R, mut x: f64) -> f64 {
        for step in &self.steps[node.index()] {
            x = match step {
                Step::Multiply(m) => x * m,
                Step::Add(a) => x + a,
                Step::Set { sampler, .. } => sampler.sample(rng),
            };
        }
        node.clamp(x)
    }

    /// Per-trial values of every active node for one chunk; `bufs[node]` hold them.
    fn draw_nodes(&self, seed: u64, chunk: u64, bufs: &mut [Vec<f64>], n: usize) {
        for node in ORDER {
            let i = node.index();
            if !self.active[i] {
                continue;
            }
            bufs[i].resize(n, 0.0);
            if let Some(g) = self.given(node) {
                let mut lanes = lanes(seed, g.trial_key, chunk);
                g.sampler.fill_lanes(&mut lanes, &mut bufs[i][..n]);
            } else {
                match node {
                    Node::Vulnerability => {
                        let rs = std::mem::take(&mut bufs[Node::ResistanceStrength.index()]);
                        for (v, r) in bufs[i][..n].iter_mut().zip(&rs[..n]) {
                            *v = self.capability_exceeds(*r);
                        }
                        bufs[Node::ResistanceStrength.index()] = rs;
                    }
                    Node::SecondaryLoss if !self.has_secondary => bufs[i][..n].fill(0.0),
                    _ => {
                        let [a, b] = [node.children()[0].index(), node.children()[1].index()];
                        let left = std::mem::take(&mut bufs[a]);
                        let right = std::mem::take(&mut bufs[b]);
                        let out = &mut bufs[i][..n];
                        if node == Node::LossMagnitude {
                            for ((o, x), y) in out.iter_mut().zip(&left[..n]).zip(&right[..n]) {
                                *o = x + y;
                            }
                        } else {
                            for ((o, x), y) in out.iter_mut().zip(&left[..n]).zip(&right[..n]) {
                                *o = x * y;
                            }
                        }
                        bufs[a] = left;
                        bufs[b] = right;
                    }
                }
            }
            // A given node with no steps needs no clamping: its domain was checked,
            // except for the normal's tails.
            let needs_clamp = !self.steps[i].is_empty()
                || matches!(
                    self.given(node),
                    Some(Given {
                        distribution: Distribution::Normal { .. },
                        ..
                    })
                );
            if needs_clamp || self.given(node).is_none() {
                self.apply_steps(node, seed, chunk, &mut bufs[i][..n]);
            }
        }
    }

    /// One event's loss magnitude in compound Poisson mode.
    fn event_loss(&self, rngs: &mut EventStreams) -> f64 {
        let draw = |node: Node, rng: &mut Pcg64Mcg| -> f64 {
            let base = self.given(node).map_or(0.0, |g| g.sampler.sample(rng));
            self.apply_steps_one(node, rng, base)
        };

        if self.given(Node::LossMagnitude).is_some() {
            draw(Node::LossMagnitude, &mut rngs.lm)
        } else {
            let primary = draw(Node::PrimaryLoss, &mut rngs.primary);
            let secondary = if self.given(Node::SecondaryLoss).is_some() {
                draw(Node::SecondaryLoss, &mut rngs.secondary)
            } else if self.has_secondary {
                let slef = draw(Node::SecondaryLossEventFrequency, &mut rngs.slef);
                let happens = unit(&mut rngs.slef) < slef;
                let slm = draw(Node::SecondaryLossMagnitude, &mut rngs.slm);
                let sl = if happens { slm } else { 0.0 };
                self.apply_steps_one(Node::SecondaryLoss, &mut rngs.secondary, sl)
            } else {
                0.0
            };
            self.apply_steps_one(Node::LossMagnitude, &mut rngs.lm, primary + secondary)
        }
    }

    fn event_streams(&self, seed: u64, chunk: u64) -> EventStreams {
        let key = |node: Node| {
            self.given(node)
                .map_or(stream_key("", node, Purpose::Event, 1), |g| g.event_key)
        };
        EventStreams {
            count: stream(seed, self.count_key, chunk),
            lm: stream(seed, key(Node::LossMagnitude), chunk),
            primary: stream(seed, key(Node::PrimaryLoss), chunk),
            secondary: stream(seed, key(Node::SecondaryLoss), chunk),
            slef: stream(seed, key(Node::SecondaryLossEventFrequency), chunk),
            slm: stream(seed, key(Node::SecondaryLossMagnitude), chunk),
        }
    }

    /// Annual losses of one chunk into `out` (length n).
    pub(crate) fn annual_losses(
        &self,
        seed: u64,
        chunk: u64,
        bufs: &mut [Vec<f64>],
        out: &mut [f64],
        mode: Option<LossMode>,
    ) {
        let n = out.len();
        self.draw_nodes(seed, chunk, bufs, n);
        let lef = &bufs[Node::Lef.index()][..n];
        match mode.unwrap_or(self.mode) {
            LossMode::PerTrial => {
                let lm = &bufs[Node::LossMagnitude.index()][..n];
                for ((o, f), m) in out.iter_mut().zip(lef).zip(lm) {
                    *o = f * m;
                }
            }
            LossMode::CompoundPoisson => {
                let mut rngs = self.event_streams(seed, chunk);
                for (o, &f) in out.iter_mut().zip(lef) {
                    let events = poisson_count(&mut rngs.count, f);
                    let mut total = 0.0;
                    for _ in 0..events {
                        total += self.event_loss(&mut rngs);
                    }
                    *o = total;
                }
            }
        }
    }
}

#[derive(Debug)]
struct EventStreams {
    count: Pcg64Mcg,
    lm: Pcg64Mcg,
    primary: Pcg64Mcg,
    secondary: Pcg64Mcg,
    slef: Pcg64Mcg,
    slm: Pcg64Mcg,
}

fn poisson_count(rng: &mut Pcg64Mcg, lambda: f64) -> u64 {
    use rand_distr::Distribution as _;
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    match rand_distr::Poisson::new(lambda) {
        Ok(p) => {
            let k: f64 = p.sample(rng);
            k as u64
        }
        Err(_) => 0,
    }
}

pub(crate) fn scratch() -> Vec<Vec<f64>> {
    (0..NODE_COUNT).map(|_| Vec::with_capacity(CHUNK)).collect()
}

pub(crate) fn chunks(trials: u64) -> u64 {
    trials.div_ceil(CHUNK as u64)
}

pub(crate) fn chunk_len(trials: u64, chunk: u64) -> usize {
    let start = chunk * CHUNK as u64;
    (trials - start).min(CHUNK as u64) as usize
}

// ---------------------------------------------------------------------------
// Moments

/// Σ f(x) with eight partial sums (a fixed order, so deterministic), which
/// lets the loop use vector adds instead of one long dependency chain.
#[inline]
fn sum8(xs: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut blocks = xs.chunks_exact(8);
    for b in &mut blocks {
        for (a, &x) in acc.iter_mut().zip(b) {
            *a += f(x);
        }
    }
    let tail: f64 = blocks.remainder().iter().map(|&x| f(x)).sum();
    fold8(&acc, tail)
}

/// The eight partial sums and the tail, always added in this order.
#[inline]
fn fold8(acc: &[f64; 8], tail: f64) -> f64 {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn of(xs: &[f64]) -> Self {
        Self::with_sum(xs, sum8(xs, |x| x))
    }

    /// The moments of `xs`, whose sum is `sum`: the squared deviations in a
    /// second pass, from the mean.
    fn with_sum(xs: &[f64], sum: f64) -> Self {
        if xs.is_empty() {
            return Self::default();
        }
        let mean = sum / xs.len() as f64;
        let m2 = sum8(xs, |x| (x - mean) * (x - mean));
        Moments {
            n: xs.len() as u64,
            mean,
            m2,
        }
    }

    /// The moments of `xs`, adding each value to the same trial's `total`
    /// on the way (the portfolio's per-trial sum), in the same pass.
    fn of_adding_to(xs: &[f64], total: &mut [f64]) -> Self {
        let n = xs.len().min(total.len());
        let (xs, total) = (&xs[..n], &mut total[..n]);
        let mut acc = [0.0f64; 8];
        let mut blocks = xs.chunks_exact(8);
        let mut totals = total.chunks_exact_mut(8);
        for (b, t) in (&mut blocks).zip(&mut totals) {
            for ((a, &x), t) in acc.iter_mut().zip(b).zip(t) {
                *a += x;
                *t += x;
            }
        }
        let mut tail = 0.0;
        for (&x, t) in blocks.remainder().iter().zip(totals.into_remainder()) {
            tail += x;
            *t += x;
        }
        // The same order of additions as `sum8`, so the same mean as `of`.
        Self::with_sum(xs, fold8(&acc, tail))
    }

    /// Chan et al.'s pairwise combination.
    fn combine(self, b: Moments) -> Moments {
        if self.n == 0 {
            return b;
        }
        if b.n == 0 {
            return self;
        }
        let n = (self.n + b.n) as f64;
        let delta = b.mean - self.mean;
        Moments {
            n: self.n + b.n,
            mean: self.mean + delta * b.n as f64 / n,
            m2: self.m2 + b.m2 + delta * delta * self.n as f64 * b.n as f64 / n,
        }
    }
}

// ---------------------------------------------------------------------------
// The run

struct Accumulator {
    moments: Vec<(u64, Vec<Moments>)>,
    quantiles: Vec<LossQuantiles>,
    bufs: Vec<Vec<f64>>,
    losses: Vec<f64>,
    total: Vec<f64>,
}

impl Accumulator {
    fn new(series: usize, exact: bool) -> Self {
        Accumulator {
            moments: Vec::new(),
            quantiles: (0..series)
                .map(|_| {
                    if exact {
                        LossQuantiles::Exact(Vec::new())
                    } else {
                        LossQuantiles::Sketch(QuantileSketch::default())
                    }
                })
                .collect(),
            bufs: Vec::new(),
            losses: Vec::new(),
            total: Vec::new(),
        }
    }

    fn merge(mut self, other: Accumulator) -> Accumulator {
        self.moments.extend(other.moments);
        for (a, b) in self.quantiles.iter_mut().zip(other.quantiles) {
            match (a, b) {
                (LossQuantiles::Exact(x), LossQuantiles::Exact(y)) => x.extend(y),
                (LossQuantiles::Sketch(x), LossQuantiles::Sketch(y)) => x.merge(&y),
                _ => {}
            }
        }
        self
    }
}

fn record(q: &mut LossQuantiles, xs: &[f64]) {
    match q {
        LossQuantiles::Exact(v) => v.extend_from_slice(xs),
        LossQuantiles::Sketch(s) => s.add_all(xs),
    }
}

/// Simulates every scenario of the portfolio with the given controls applied.
pub fn simulate(
    portfolio: &Portfolio,
    applied_controls: &[usize],
    options: &SimulationOptions,
) -> Result<SimulationResult, SimulationError> {
    let adjustments = portfolio.adjustments(applied_controls);
    simulate_with(&portfolio.scenarios, &adjustments, options)
}

/// Simulates scenarios with explicit per-node adjustments.
pub fn simulate_with(
    scenarios: &[Scenario],
    adjustments: &Adjustments,
    options: &SimulationOptions,
) -> Result<SimulationResult, SimulationError> {
    if options.trials == 0 {
        return Err(SimulationError::NoTrials);
    }
    if scenarios.is_empty() {
        return Err(SimulationError::NoScenarios);
    }
    if !(options.var_confidence > 0.0 && options.var_confidence < 1.0) {
        return Err(SimulationError::BadConfidence(options.var_confidence));
    }
    let prepared: Vec<Prepared> = scenarios
        .par_iter()
        .enumerate()
        .map(|(i, s)| Prepared::new(s, adjustments.get(i).unwrap_or(&Default::default()), &[]))
        .collect();
    let with_portfolio = scenarios.len() > 1;
    let series = scenarios.len() + usize::from(with_portfolio);
    let stored = options.trials.saturating_mul(series as u64);
    let exact = match options.quantiles {
        QuantilePolicy::Auto => stored <= EXACT_LIMIT,
        QuantilePolicy::Exact if stored > 64 * EXACT_LIMIT => {
            return Err(SimulationError::TooManyForExact(stored));
        }
        QuantilePolicy::Exact => true,
        QuantilePolicy::Sketch => false,
    };
    let seed = options.seed;
    let trials = options.trials;

    let acc = (0..chunks(trials))
        .into_par_iter()
        .fold(
            || Accumulator::new(series, exact),
            |mut acc, chunk| {
                if acc.bufs.is_empty() {
                    acc.bufs = scratch();
                }
                let n = chunk_len(trials, chunk);
                acc.losses.resize(n, 0.0);
                acc.total.clear();
                acc.total.resize(n, 0.0);
                let mut moments = Vec::with_capacity(series);
                for (si, p) in prepared.iter().enumerate() {
                    p.annual_losses(seed, chunk, &mut acc.bufs, &mut acc.losses[..n], None);
                    moments.push(if with_portfolio {
                        Moments::of_adding_to(&acc.losses[..n], &mut acc.total[..n])
                    } else {
                        Moments::of(&acc.losses[..n])
                    });
                    record(&mut acc.quantiles[si], &acc.losses[..n]);
                }
                if with_portfolio {
                    moments.push(Moments::of(&acc.total[..n]));
                    record(&mut acc.quantiles[series - 1], &acc.total[..n]);
                }
                acc.moments.push((chunk, moments));
                acc
            },
        )
        .reduce(|| Accumulator::new(series, exact), Accumulator::merge);

    let Accumulator {
        mut moments,
        mut quantiles,
        ..
    } = acc;
    moments.sort_by_key(|(c, _)| *c);
    let mut totals = vec![Moments::default(); series];
    for (_, m) in &moments {
        for (t, x) in totals.iter_mut().zip(m) {
            *t = t.combine(*x);
        }
    }
    quantiles.iter_mut().for_each(LossQuantiles::finish);
    let summaries: Vec<LossSummary> = totals
        .par_iter()
        .zip(&quantiles)
        .map(|(m, q)| summarise(m, q, options))
        .collect();
    let method = quantiles[0].method();
    let portfolio = summaries[series - 1].clone();
    Ok(SimulationResult {
        trials,
        seed,
        quantile_method: method,
        scenarios: scenarios
            .iter()
            .zip(summaries)
            .map(|(s, ale)| ScenarioResult {
                id: s.id.clone(),
                mode: s.mode,
                ale,
            })
            .collect(),
        portfolio,
    })
}

fn summarise(m: &Moments, q: &LossQuantiles, options: &SimulationOptions) -> LossSummary {
    let variance = if m.n > 1 {
        m.m2 / (m.n - 1) as f64
    } else {
        0.0
    };
    let sd = variance.sqrt();
    let p = |x: f64| q.quantile(x);
    LossSummary {
        mean: m.mean,
        sd,
        standard_error: sd / (m.n as f64).sqrt(),
        p5: p(PERCENTILES[0]),
        p10: p(PERCENTILES[1]),
        p50: p(PERCENTILES[2]),
        p90: p(PERCENTILES[3]),
        p95: p(PERCENTILES[4]),
        p99: p(PERCENTILES[5]),
        value_at_risk: p(options.var_confidence),
        var_confidence: options.var_confidence,
        lec: loss_exceedance_curve(q, options.lec_points),
    }
}

/// Losses spaced evenly on a log scale from the 1st percentile (or 1e-6 of
/// the maximum, if that is larger) to the maximum, with P(loss > 0) first.
fn loss_exceedance_curve(q: &LossQuantiles, points: usize) -> Vec<LecPoint> {
    let max = q.max();
    let mut out = vec![LecPoint {
        loss: 0.0,
        p_exceed: q.exceedance(0.0),
    }];
    if max.is_nan() || max <= 0.0 || points < 2 {
        return out;
    }
    let lo = q.quantile(0.01).max(max * 1e-6);
    let (a, b) = (lo.ln(), max.ln());
    for k in 0..points {
        let loss = (a + (b - a) * k as f64 / (points - 1) as f64).exp();
        out.push(LecPoint {
            loss,
            p_exceed: q.exceedance(loss),
        });
    }
    out
}

/// Mean annual loss of one scenario, by per-trial LEF x LM draws (the
/// expected value is the same in compound Poisson mode), with given
/// adjustments and inputs fixed by `overrides`. Deterministic for a seed.
pub fn mean_annual_loss(
    scenario: &Scenario,
    adjust: &[Vec<Adjust>; NODE_COUNT],
    overrides: &[(Node, f64)],
    trials: u64,
    seed: u64,
) -> f64 {
    let prepared = Prepared::new(scenario, adjust, overrides);
    prepared.mean_loss(trials, seed)
}

impl Prepared {
    pub(crate) fn mean_loss(&self, trials: u64, seed: u64) -> f64 {
        if trials == 0 {
            return f64::NAN;
        }
        let sums: Vec<f64> = (0..chunks(trials))
            .into_par_iter()
            .map_init(
                || (scratch(), Vec::with_capacity(CHUNK)),
                |(bufs, losses), chunk| {
                    let n = chunk_len(trials, chunk);
                    losses.resize(n, 0.0);
                    self.annual_losses(
                        seed,
                        chunk,
                        bufs,
                        &mut losses[..n],
                        Some(LossMode::PerTrial),
                    );
                    losses[..n].iter().sum::<f64>()
                },
            )
            .collect();
        sums.iter().sum::<f64>() / trials as f64
    }
}

/// One bar of a tornado chart: the scenario's mean annual loss with one input
/// fixed at its 10th and at its 90th percentile, all other draws unchanged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoBar {
    pub node: Node,
    pub input_p10: f64,
    pub input_p90: f64,
    pub ale_at_p10: f64,
    pub ale_at_p90: f64,
    /// |ale_at_p90 - ale_at_p10|
    pub swing: f64,
}

/// Tornado sensitivity of one scenario's mean annual loss, widest swing first.
pub fn tornado(
    scenario: &Scenario,
    adjust: &[Vec<Adjust>; NODE_COUNT],
    trials: u64,
    seed: u64,
) -> Vec<TornadoBar> {
    let mut bars: Vec<TornadoBar> = scenario
        .inputs()
        .filter(|(_, input)| !matches!(input.distribution, Distribution::Constant { .. }))
        .map(|(node, input)| {
            let lo = input.distribution.quantile(0.10);
            let hi = input.distribution.quantile(0.90);
            let at_lo = mean_annual_loss(scenario, adjust, &[(node, lo)], trials, seed);
            let at_hi = mean_annual_loss(scenario, adjust, &[(node, hi)], trials, seed);
            TornadoBar {
                node,
                input_p10: lo,
                input_p90: hi,
                ale_at_p10: at_lo,
                ale_at_p90: at_hi,
                swing: (at_hi - at_lo).abs(),
            }
        })
        .collect();
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.node.cmp(&b.node)));
    bars
}

/// Runs `f` on a pool of `threads` workers (results of this crate do not
/// depend on the number; this is for benchmarks and for sharing a machine).
pub fn on_threads<T: Send>(
    threads: usize,
    f: impl FnOnce() -> T + Send,
) -> Result<T, SimulationError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map(|pool| pool.install(f))
        .map_err(|e| SimulationError::ThreadPool(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_adding_to_the_total_equal_the_plain_moments() {
        for n in [0usize, 1, 7, 8, 9, 100, 8191] {
            let xs: Vec<f64> = (0..n)
                .map(|i| ((i * 37) % 101) as f64 * 1.5e6 + 0.25)
                .collect();
            let mut total: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let m = Moments::of_adding_to(&xs, &mut total);
            assert_eq!(m, Moments::of(&xs), "n = {n}");
            for (i, t) in total.iter().enumerate() {
                assert_eq!(*t, i as f64 + xs[i], "n = {n}, trial {i}");
            }
        }
    }
}
