//! Calibrated-estimate distributions of Open FAIR inputs: their checks,
//! moments, CDFs, quantiles and fast samplers. Which node a distribution
//! feeds, and what that node means, is left to `fair`.

use rand::Rng;
use rand_distr::Distribution as _;
use serde::Serialize;

use crate::special;

/// z of the 95th percentile: a 90% interval spans ±1.6448536 sd.
pub const Z_90: f64 = 1.644_853_6;

/// PERT's default shape parameter (the classic "4"; peers such as pyfair use 4 too).
pub const DEFAULT_PERT_GAMMA: f64 = 4.0;

/// A distribution as the analyst wrote it, already checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Beta-PERT on [min, max] with the given mode:
    /// alpha = 1 + g(m-a)/(b-a), beta = 1 + g(b-m)/(b-a).
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        gamma: f64,
    },
    /// Lognormal whose 5th and 95th percentiles are `lo` and `hi`.
    Lognormal90 {
        lo: f64,
        hi: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    Poisson {
        lambda: f64,
    },
    Constant {
        value: f64,
    },
}

/// What is wrong with a distribution's parameters (the caller adds which
/// scenario and field it was).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistributionError {
    #[error("{0} must be a finite number")]
    NotFinite(&'static str),
    #[error("min ({min}) > mode ({mode})")]
    MinAboveMode { min: f64, mode: f64 },
    #[error("mode ({mode}) > max ({max})")]
    ModeAboveMax { mode: f64, max: f64 },
    #[error("min ({min}) > max ({max})")]
    MinAboveMax { min: f64, max: f64 },
    #[error("lognormal_90 needs 0 < lo < hi, got lo = {lo}, hi = {hi}")]
    BadInterval { lo: f64, hi: f64 },
    #[error("{what} must be positive, got {value}")]
    NotPositive { what: &'static str, value: f64 },
    #[error("{what} must not be negative, got {value}")]
    Negative { what: &'static str, value: f64 },
}

fn finite(what: &'static str, v: f64) -> Result<f64, DistributionError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(DistributionError::NotFinite(what))
    }
}

fn ordered(min: f64, mode: f64, max: f64) -> Result<(), DistributionError> {
    finite("min", min)?;
    finite("mode", mode)?;
    finite("max", max)?;
    if min > mode {
        return Err(DistributionError::MinAboveMode { min, mode });
    }
    if mode > max {
        return Err(DistributionError::ModeAboveMax { mode, max });
    }
    Ok(())
}

impl Distribution {
    pub fn pert(min: f64, mode: f64, max: f64, gamma: f64) -> Result<Self, DistributionError> {
        ordered(min, mode, max)?;
        if !(gamma.is_finite() && gamma > 0.0) {
            return Err(DistributionError::NotPositive {
                what: "gamma",
                value: gamma,
            });
        }
        Ok(Self::Pert {
            min,
            mode,
            max,
            gamma,
        })
    }

    pub fn lognormal_90(lo: f64, hi: f64) -> Result<Self, DistributionError> {
        finite("lo", lo)?;
        finite("hi", hi)?;
        if !(lo > 0.0 && hi > lo) {
            return Err(DistributionError::BadInterval { lo, hi });
        }
        Ok(Self::Lognormal90 { lo, hi })
    }

    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, DistributionError> {
        ordered(min, mode, max)?;
        Ok(Self::Triangular { min, mode, max })
    }

    pub fn uniform(min: f64, max: f64) -> Result<Self, DistributionError> {
        finite("min", min)?;
        finite("max", max)?;
        if min > max {
            return Err(DistributionError::MinAboveMax { min, max });
        }
        Ok(Self::Uniform { min, max })
    }

    pub fn normal(mean: f64, sd: f64) -> Result<Self, DistributionError> {
        finite("mean", mean)?;
        finite("sd", sd)?;
        if sd < 0.0 {
            return Err(DistributionError::Negative {
                what: "sd",
                value: sd,
            });
        }
        Ok(Self::Normal { mean, sd })
    }

    pub fn poisson(lambda: f64) -> Result<Self, DistributionError> {
        finite("lambda", lambda)?;
        if lambda < 0.0 {
            return Err(DistributionError::Negative {
                what: "lambda",
                value: lambda,
            });
        }
        Ok(Self::Poisson { lambda })
    }

    pub fn constant(value: f64) -> Result<Self, DistributionError> {
        Ok(Self::Constant {
            value: finite("constant", value)?,
        })
    }

    /// Smallest value the distribution can take (−∞ for the normal).
    pub fn lower_bound(&self) -> f64 {
        match *self {
            Self::Pert { min, .. } | Self::Triangular { min, .. } | Self::Uniform { min, .. } => {
                min
            }
            Self::Lognormal90 { .. } | Self::Poisson { .. } => 0.0,
            Self::Normal { sd, mean } => {
                if sd == 0.0 {
                    mean
                } else {
                    f64::NEG_INFINITY
                }
            }
            Self::Constant { value } => value,
        }
    }

    /// Largest value the distribution can take (+∞ for unbounded ones).
    pub fn upper_bound(&self) -> f64 {
        match *self {
            Self::Pert { max, .. } | Self::Triangular { max, .. } | Self::Uniform { max, .. } => {
                max
            }
            Self::Lognormal90 { .. } | Self::Poisson { .. } => f64::INFINITY,
            Self::Normal { sd, mean } => {
                if sd == 0.0 {
                    mean
                } else {
                    f64::INFINITY
                }
            }
            Self::Constant { value } => value,
        }
    }

    pub(crate) fn pert_shape(min: f64, mode: f64, max: f64, gamma: f64) -> (f64, f64) {
        let range = max - min;
        (
            1.0 + gamma * (mode - min) / range,
            1.0 + gamma * (max - mode) / range,
        )
    }

    fn lognormal_params(lo: f64, hi: f64) -> (f64, f64) {
        let mu = 0.5 * (lo.ln() + hi.ln());
        let sigma = (hi.ln() - lo.ln()) / (2.0 * Z_90);
        (mu, sigma)
    }

    pub fn mean(&self) -> f64 {
        match *self {
            Self::Pert {
                min,
                mode,
                max,
                gamma,
            } => (min + gamma * mode + max) / (gamma + 2.0),
            Self::Lognormal90 { lo, hi } => {
                let (mu, sigma) = Self::lognormal_params(lo, hi);
                (mu + 0.5 * sigma * sigma).exp()
            }
            Self::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Self::Uniform { min, max } => 0.5 * (min + max),
            Self::Normal { mean, .. } => mean,
            Self::Poisson { lambda } => lambda,
            Self::Constant { value } => value,
        }
    }

    pub fn variance(&self) -> f64 {
        match *self {
            Self::Pert {
                min,
                mode,
                max,
                gamma,
            } => {
                if max == min {
                    return 0.0;
                }
                let (a, b) = Self::pert_shape(min, mode, max, gamma);
                let r = max - min;
                a * b / ((a + b) * (a + b) * (a + b + 1.0)) * r * r
            }
            Self::Lognormal90 { lo, hi } => {
                let (mu, sigma) = Self::lognormal_params(lo, hi);
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * (2.0 * mu + s2).exp()
            }
            Self::Triangular {
                min: a,
                mode: m,
                max: b,
            } => (a * a + m * m + b * b - a * m - a * b - m * b) / 18.0,
            Self::Uniform { min, max } => (max - min) * (max - min) / 12.0,
            Self::Normal { sd, .. } => sd * sd,
            Self::Poisson { lambda } => lambda,
            Self::Constant { .. } => 0.0,
        }
    }

    /// P(X <= x).
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            Self::Pert {
                min,
                mode,
                max,
                gamma,
            } => {
                if max == min {
                    return if x >= min { 1.0 } else { 0.0 };
                }
                let (a, b) = Self::pert_shape(min, mode, max, gamma);
                special::beta_cdf((x - min) / (max - min), a, b)
            }
            Self::Lognormal90 { lo, hi } => {
                if x <= 0.0 {
                    return 0.0;
                }
                let (mu, sigma) = Self::lognormal_params(lo, hi);
                special::normal_cdf((x.ln() - mu) / sigma)
            }
            Self::Triangular {
                min: a,
                mode: m,
                max: b,
            } => {
                if x <= a {
                    0.0
                } else if x >= b {
                    1.0
                } else if x <= m {
                    (x - a) * (x - a) / ((b - a) * (m - a))
                } else {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - m))
                }
            }
            Self::Uniform { min, max } => {
                if x < min {
                    0.0
                } else if x >= max {
                    1.0
                } else {
                    (x - min) / (max - min)
                }
            }
            Self::Normal { mean, sd } => {
                if sd == 0.0 {
                    return if x >= mean { 1.0 } else { 0.0 };
                }
                special::normal_cdf((x - mean) / sd)
            }
            Self::Poisson { lambda } => special::poisson_cdf(x, lambda),
            Self::Constant { value } => {
                if x >= value {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The p-quantile (inverse CDF), p in [0, 1].
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        match *self {
            Self::Pert {
                min,
                mode,
                max,
                gamma,
            } => {
                if max == min {
                    return min;
                }
                let (a, b) = Self::pert_shape(min, mode, max, gamma);
                min + (max - min) * special::beta_quantile(p, a, b)
            }
            Self::Lognormal90 { lo, hi } => {
                let (mu, sigma) = Self::lognormal_params(lo, hi);
                (mu + sigma * special::normal_quantile(p)).exp()
            }
            Self::Triangular {
                min: a,
                mode: m,
                max: b,
            } => triangular_inverse(a, m, b, p),
            Self::Uniform { min, max } => min + p * (max - min),
            Self::Normal { mean, sd } => mean + sd * special::normal_quantile(p),
            Self::Poisson { lambda } => special::poisson_quantile(p, lambda),
            Self::Constant { value } => value,
        }
    }

    /// A sampler with its parameters prepared once.
    pub fn sampler(&self) -> Sampler {
        match *self {
            Self::Pert {
                min,
                mode,
                max,
                gamma,
            } => {
                if max == min {
                    return Sampler::Constant(min);
                }
                let (a, b) = Self::pert_shape(min, mode, max, gamma);
                Sampler::Pert {
                    min,
                    range: max - min,
                    beta: BetaTable::shared(a, b),
                }
            }
            Self::Lognormal90 { lo, hi } => {
                let (mu, sigma) = Self::lognormal_params(lo, hi);
                Sampler::Lognormal { mu, sigma }
            }
            Self::Triangular { min, mode, max } => {
                if max == min {
                    Sampler::Constant(min)
                } else {
                    Sampler::Triangular { min, mode, max }
                }
            }
            Self::Uniform { min, max } => Sampler::Uniform {
                min,
                range: max - min,
            },
            Self::Normal { mean, sd } => Sampler::Normal { mean, sd },
            Self::Poisson { lambda } => {
                if lambda <= 0.0 {
                    return Sampler::Constant(0.0);
                }
                match rand_distr::Poisson::new(lambda) {
                    Ok(p) => Sampler::Poisson(p),
                    Err(_) => Sampler::Constant(lambda),
                }
            }
            Self::Constant { value } => Sampler::Constant(value),
        }
    }
}

fn triangular_inverse(a: f64, m: f64, b: f64, u: f64) -> f64 {
    if b == a {
        return a;
    }
    let fc = (m - a) / (b - a);
    if u < fc {
        a + (u * (b - a) * (m - a)).sqrt()
    } else {
        b - ((1.0 - u) * (b - a) * (b - m)).sqrt()
    }
}

/// A distribution ready to draw from; `fill` draws a whole chunk with one
/// dispatch so that the per-trial loop has no branching on the kind.
#[derive(Debug, Clone)]
pub enum Sampler {
    Pert {
        min: f64,
        range: f64,
        beta: std::sync::Arc<BetaTable>,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Uniform {
        min: f64,
        range: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    Poisson(rand_distr::Poisson<f64>),
    Constant(f64),
}

/// A CDF for evaluating once per trial (vulnerability = P(threat capability >
/// resistance strength)). The incomplete beta behind a PERT CDF costs about a
/// microsecond, so PERT uses a cubic Hermite table of it (1,024 intervals,
/// slopes from the exact density): the error is O(h^4), below 1e-9 away from
/// the ends; in the first and last interval, where the density may not be
/// smooth (shape between 1 and 2), it stays below about 1e-5. Other
/// distributions use their exact CDF.
#[derive(Debug, Clone)]
pub enum FastCdf {
    Table {
        min: f64,
        range: f64,
        values: Vec<f64>,
        slopes: Vec<f64>,
    },
    Exact(Distribution),
}

const CDF_INTERVALS: usize = 1024;

impl FastCdf {
    pub fn new(d: &Distribution) -> Self {
        match *d {
            Distribution::Pert {
                min,
                mode,
                max,
                gamma,
            } if max > min => {
                let (a, b) = Distribution::pert_shape(min, mode, max, gamma);
                let ln_norm =
                    special::ln_gamma(a + b) - special::ln_gamma(a) - special::ln_gamma(b);
                let density = |x: f64| {
                    if (x <= 0.0 && a > 1.0) || (x >= 1.0 && b > 1.0) {
                        return 0.0;
                    }
                    let la = if a == 1.0 { 0.0 } else { (a - 1.0) * x.ln() };
                    let lb = if b == 1.0 {
                        0.0
                    } else {
                        (b - 1.0) * (1.0 - x).ln()
                    };
                    (ln_norm + la + lb).exp()
                };
                let knots = (0..=CDF_INTERVALS).map(|k| k as f64 / CDF_INTERVALS as f64);
                let values = knots.clone().map(|x| special::beta_cdf(x, a, b)).collect();
                let slopes = knots.map(density).collect();
                FastCdf::Table {
                    min,
                    range: max - min,
                    values,
                    slopes,
                }
            }
            _ => FastCdf::Exact(d.clone()),
        }
    }

    #[inline]
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            FastCdf::Exact(d) => d.cdf(x),
            FastCdf::Table {
                min,
                range,
                values,
                slopes,
            } => {
                let t = (x - min) / range;
                if t <= 0.0 {
                    return 0.0;
                }
                if t >= 1.0 {
                    return 1.0;
                }
                let pos = t * CDF_INTERVALS as f64;
                let k = (pos as usize).min(CDF_INTERVALS - 1);
                let (u, h) = (pos - k as f64, 1.0 / CDF_INTERVALS as f64);
                let (p0, p1, m0, m1) = (values[k], values[k + 1], slopes[k] * h, slopes[k + 1] * h);
                let (u2, u3) = (u * u, u * u * u);
                let v = (2.0 * u3 - 3.0 * u2 + 1.0) * p0
                    + (u3 - 2.0 * u2 + u) * m0
                    + (-2.0 * u3 + 3.0 * u2) * p1
                    + (u3 - u2) * m1;
                v.clamp(0.0, 1.0)
            }
        }
    }
}

/// Bins of the table sampler (a power of two).
const BINS_LOG2: u32 = 10;
const BINS: usize = 1 << BINS_LOG2;
/// Regions: each bin's lower rectangle (even) and its cap (odd).
const REGIONS_LOG2: u32 = BINS_LOG2 + 1;
const REGIONS: usize = 1 << REGIONS_LOG2;
/// Bits of the alias coin: a draw's word holds the region (11 bits), the
/// coin (21 bits) and the position inside the bin (32 bits).
const COIN_BITS: u32 = 32 - REGIONS_LOG2;
const COIN: u64 = 1 << COIN_BITS;
/// Integer weights of the regions sum to this (so every alias entry has COIN).
const TOTAL_WEIGHT: u64 = (REGIONS as u64) << COIN_BITS;

/// Exact Beta(a, b) sampling for a, b >= 1 (every PERT) by rejection from a
/// piecewise-constant envelope (the table method), arranged so that most
/// draws cost one random word and no density evaluation.
///
/// [0, 1] is cut into 1,024 equal bins. Over each bin the envelope is the
/// bin's maximum density and the squeeze its minimum (the density is
/// unimodal, so both come from the bin's ends and the mode, with a 1e-9
/// margin for rounding). Each bin gives two regions: the rectangle under
/// the squeeze and the cap between squeeze and envelope. The 2,048 regions
/// get integer weights (summing to 2^32, rounded so that the lower
/// rectangles never exceed the squeeze and rectangle + cap always cover the
/// envelope), and Walker's alias method, built in integers, picks a region
/// with exactly those weights. x is uniform inside the region's bin. A point
/// of a lower rectangle is accepted at once (no further randomness: ~99.5%
/// of draws); a point of a cap is accepted with probability
/// (s f(x) - W_lower) / W_cap, which makes the accepted density proportional
/// to f exactly, whatever the rounding of the weights. So draws follow
/// Beta(a, b) exactly up to the resolution of the uniforms (x on a 2^-42
/// grid, the cap's acceptance uniform to 2^-53) and floating-point rounding
/// of the density. Cost: one 64-bit word, one 4-byte table load and a
/// compare for most draws, against two gamma variates for the ratio method.
#[derive(Debug, Clone)]
pub struct BetaTable {
    a1: f64,
    b1: f64,
    /// log of the density's scale, so that the envelope's maximum is 1.
    ln_scale: f64,
    /// Per region: alias coin threshold << REGIONS_LOG2 | alias region.
    alias: Box<[u32; REGIONS]>,
    /// Per bin: integer weights (lower rectangle, cap); a cap point is
    /// accepted when u W_cap < s f(x) - W_lower.
    caps: Box<[(u32, u32); BINS]>,
    /// s: weight units per unit of (scaled) density.
    scale: f64,
}

impl BetaTable {
    /// The table of Beta(a, b), shared with every other live sampler of the
    /// same shape. A PERT's shape does not depend on its scale, so a
    /// portfolio's scenarios often share a few shapes; one 16 KiB table per
    /// shape, rather than per scenario, stays in the cache and is built
    /// once. The draws are the same either way: a table depends only on
    /// (a, b). Tables are held by their samplers; the index keeps only weak
    /// references, pruned as it grows.
    pub fn shared(a: f64, b: f64) -> std::sync::Arc<BetaTable> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock, Weak};
        type Index = Mutex<HashMap<(u64, u64), Weak<BetaTable>>>;
        static INDEX: OnceLock<Index> = OnceLock::new();
        let key = (a.to_bits(), b.to_bits());
        let index = INDEX.get_or_init(Index::default);
        let found = index
            .lock()
            .ok()
            .and_then(|m| m.get(&key).and_then(Weak::upgrade));
        if let Some(t) = found {
            return t;
        }
        // Built outside the lock: two threads may both build the same
        // table, and one of the two equal tables is kept.
        let table = Arc::new(BetaTable::new(a, b));
        if let Ok(mut m) = index.lock() {
            if let Some(t) = m.get(&key).and_then(Weak::upgrade) {
                return t;
            }
            if m.len() >= 1024 {
                m.retain(|_, w| w.strong_count() > 0);
            }
            m.insert(key, Arc::downgrade(&table));
        }
        table
    }

    pub fn new(a: f64, b: f64) -> Self {
        let (a1, b1) = (a - 1.0, b - 1.0);
        let ln_density = |x: f64| -> f64 {
            let la = if a1 == 0.0 {
                0.0
            } else if x <= 0.0 {
                f64::NEG_INFINITY
            } else {
                a1 * x.ln()
            };
            let lb = if b1 == 0.0 {
                0.0
            } else if x >= 1.0 {
                f64::NEG_INFINITY
            } else {
                b1 * (1.0 - x).ln()
            };
            la + lb
        };
        let mode = if a1 + b1 > 0.0 { a1 / (a1 + b1) } else { 0.5 };
        let ln_scale = ln_density(mode);
        let width = 1.0 / BINS as f64;
        // The density at the bin edges i / BINS, from logarithms shared by every table
        // (ln(1 - i/BINS) = ln((BINS - i)/BINS) exactly).
        let ln_edge = ln_edges();
        let edge_density = |i: usize| {
            let la = if a1 == 0.0 { 0.0 } else { a1 * ln_edge[i] };
            let lb = if b1 == 0.0 {
                0.0
            } else {
                b1 * ln_edge[BINS - i]
            };
            (la + lb - ln_scale).exp()
        };
        // Envelope (upper) and squeeze (lower) heights of each bin.
        let mut edges = (0..=BINS).map(edge_density);
        let mut left = edges.next().unwrap_or(0.0);
        let bounds: Vec<(f64, f64)> = edges
            .enumerate()
            .map(|(i, right)| {
                let (lo, hi) = (i as f64 * width, (i + 1) as f64 * width);
                let top = if lo <= mode && mode <= hi {
                    1.0
                } else {
                    left.max(right)
                };
                let bottom = left.min(right);
                left = right;
                (bottom * (1.0 - 1e-9), top * (1.0 + 1e-9) + 1e-300)
            })
            .collect();
        // Integer weights: scale s leaves room for rounding each cap up.
        let upper_sum: f64 = bounds.iter().map(|b| b.1).sum();
        let s = (TOTAL_WEIGHT - 2 * BINS as u64) as f64 / upper_sum;
        let mut weights = vec![0u64; REGIONS];
        for (i, &(lower, upper)) in bounds.iter().enumerate() {
            // Truncation is the floor here (non-negative values); +1 bounds the ceiling.
            let wl = (lower * s) as u64;
            let wc = ((upper * s) as u64 + 1).saturating_sub(wl);
            weights[2 * i] = wl;
            weights[2 * i + 1] = wc;
        }
        // What rounding left over goes to the caps, spread evenly (it only lowers acceptance).
        let used: u64 = weights.iter().sum();
        let spare = TOTAL_WEIGHT.saturating_sub(used);
        for (i, w) in weights.iter_mut().skip(1).step_by(2).enumerate() {
            let i = i as u64;
            *w += spare / BINS as u64 + u64::from(i < spare % BINS as u64);
        }
        let mut caps = Box::new([(0u32, 0u32); BINS]);
        for (i, cap) in caps.iter_mut().enumerate() {
            // Every weight is below 2^32: they sum to 2^32 and there are 2,048 of them.
            *cap = (weights[2 * i] as u32, weights[2 * i + 1] as u32);
        }
        BetaTable {
            a1,
            b1,
            ln_scale,
            scale: s,
            alias: Box::new(integer_alias_table(&weights)),
            caps,
        }
    }

    fn density(&self, x: f64) -> f64 {
        let la = if self.a1 == 0.0 {
            0.0
        } else {
            self.a1 * x.ln()
        };
        let lb = if self.b1 == 0.0 {
            0.0
        } else {
            self.b1 * (1.0 - x).ln()
        };
        (la + lb - self.ln_scale).exp()
    }

    /// The region a word picks, and the point in its bin as an integer t
    /// on a grid of 2^-32 bins: the point is (t + 0.5) 2^-32, scaled by
    /// 2^BINS_LOG2. One integer converts to one float, exactly (t < 2^42).
    #[inline(always)]
    fn propose(&self, r: u64) -> (usize, u64) {
        let region = (r >> (64 - REGIONS_LOG2)) as usize & (REGIONS - 1);
        let coin = ((r >> 32) & (COIN - 1)) as u32;
        let entry = self.alias[region];
        let chosen = if coin < entry >> REGIONS_LOG2 {
            region
        } else {
            entry as usize & (REGIONS - 1)
        };
        let t = ((chosen as u64 >> 1) << 32) | (r & 0xFFFF_FFFF);
        (chosen, t)
    }

    /// The point t names, scaled by 2^BINS_LOG2.
    #[inline(always)]
    fn point(t: u64) -> f64 {
        const TO_UNIT_32: f64 = 1.0 / 4_294_967_296.0;
        (t as f64 + 0.5) * TO_UNIT_32
    }

    /// Whether a cap point x (scaled by 2^BINS_LOG2) in bin `bin` is accepted.
    #[cold]
    fn accept_cap<R: Rng + ?Sized>(&self, bin: usize, x: f64, rng: &mut R) -> bool {
        let (lower, cap) = self.caps[bin & (BINS - 1)];
        let u = unit(rng);
        u * f64::from(cap) < self.density(x * (1.0 / BINS as f64)) * self.scale - f64::from(lower)
    }

    /// One draw on [0, 1].
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let (region, t) = self.propose(rng.next_u64());
            let x = Self::point(t);
            if region & 1 == 0 || self.accept_cap(region >> 1, x, rng) {
                return x * (1.0 / BINS as f64);
            }
        }
    }

    /// `out[j] = offset + scale * draw`, word j taken from stream j mod 4:
    /// four independent generators keep the CPU busy while each waits on its
    /// multiply. The rare cap tests and redraws use the same stream.
    pub fn fill_scaled<R: Rng>(
        &self,
        lanes: &mut [R; LANES],
        offset: f64,
        scale: f64,
        out: &mut [f64],
    ) {
        const BLOCK: usize = 256;
        // offset + scale x / BINS for x = (t + 0.5) 2^-32, as one multiply and one add.
        let scale_bin = scale * (1.0 / BINS as f64);
        let step = scale_bin * (1.0 / 4_294_967_296.0);
        let start = offset + 0.5 * step;
        let mut words = [0u64; BLOCK];
        for block in out.chunks_mut(BLOCK) {
            let words = &mut words[..block.len()];
            let mut quads = words.chunks_exact_mut(LANES);
            for q in &mut quads {
                for (w, lane) in q.iter_mut().zip(lanes.iter_mut()) {
                    *w = lane.next_u64();
                }
            }
            for (w, lane) in quads.into_remainder().iter_mut().zip(lanes.iter_mut()) {
                *w = lane.next_u64();
            }
            for (j, (o, &w)) in block.iter_mut().zip(words.iter()).enumerate() {
                let (region, t) = self.propose(w);
                *o = if region & 1 == 0 {
                    start + step * t as f64
                } else {
                    let rng = &mut lanes[j % LANES];
                    if self.accept_cap(region >> 1, Self::point(t), rng) {
                        start + step * t as f64
                    } else {
                        offset + scale * self.sample(rng)
                    }
                };
            }
        }
    }
}

/// ln(i / BINS) for i = 0..=BINS (−∞ at 0), computed once.
fn ln_edges() -> &'static [f64; BINS + 1] {
    static EDGES: std::sync::OnceLock<[f64; BINS + 1]> = std::sync::OnceLock::new();
    EDGES.get_or_init(|| std::array::from_fn(|i| (i as f64 / BINS as f64).ln()))
}

/// Independent generators a chunk's draws of one input are spread over.
pub const LANES: usize = 4;

/// Walker's alias table (Vose's construction) in integers: `w` sums to
/// REGIONS x COIN, and the table picks region r with probability exactly
/// w[r] / (REGIONS x COIN). Entry: threshold << REGIONS_LOG2 | alias.
fn integer_alias_table(w: &[u64]) -> [u32; REGIONS] {
    let mut scaled: Vec<u64> = w.to_vec();
    let mut table = [0u32; REGIONS];
    for (r, t) in table.iter_mut().enumerate() {
        // A full region keeps itself for every coin.
        *t = ((COIN as u32 - 1) << REGIONS_LOG2) | r as u32;
    }
    let (mut small, mut large): (Vec<usize>, Vec<usize>) =
        (0..REGIONS).partition(|&i| scaled[i] < COIN);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        table[s] = ((scaled[s] as u32) << REGIONS_LOG2) | l as u32;
        scaled[l] -= COIN - scaled[s];
        if scaled[l] < COIN {
            large.pop();
            small.push(l);
        }
    }
    table
}

/// A uniform in [0, 1) from the top 53 bits.
#[inline]
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Sampler {
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Self::Pert { min, range, beta } => min + range * beta.sample(rng),
            Self::Lognormal { mu, sigma } => {
                let z: f64 = rand_distr::StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Self::Triangular { min, mode, max } => triangular_inverse(*min, *mode, *max, unit(rng)),
            Self::Uniform { min, range } => min + range * unit(rng),
            Self::Normal { mean, sd } => {
                let z: f64 = rand_distr::StandardNormal.sample(rng);
                mean + sd * z
            }
            Self::Poisson(p) => p.sample(rng),
            Self::Constant(v) => *v,
        }
    }

    /// Fills `out` with independent draws, position j from `lanes[j % 4]`
    /// (the rare extra words a draw needs come from the same lane): four
    /// independent dependency chains keep the CPU busy.
    pub fn fill_lanes<R: Rng>(&self, lanes: &mut [R; LANES], out: &mut [f64]) {
        match self {
            Self::Pert { min, range, beta } => beta.fill_scaled(lanes, *min, *range, out),
            Self::Lognormal { .. } | Self::Normal { .. } => {
                let mut quads = out.chunks_exact_mut(LANES);
                for q in &mut quads {
                    for (x, lane) in q.iter_mut().zip(lanes.iter_mut()) {
                        *x = self.sample(lane);
                    }
                }
                for (x, lane) in quads.into_remainder().iter_mut().zip(lanes.iter_mut()) {
                    *x = self.sample(lane);
                }
            }
            _ => self.fill(&mut lanes[0], out),
        }
    }

    /// Fills `out` with independent draws.
    pub fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        match self {
            Self::Pert { min, range, beta } => {
                for x in out {
                    *x = min + range * beta.sample(rng);
                }
            }
            Self::Lognormal { mu, sigma } => {
                for x in out {
                    let z: f64 = rand_distr::StandardNormal.sample(rng);
                    *x = (mu + sigma * z).exp();
                }
            }
            Self::Triangular { min, mode, max } => {
                for x in out {
                    *x = triangular_inverse(*min, *mode, *max, unit(rng));
                }
            }
            Self::Uniform { min, range } => {
                for x in out {
                    *x = min + range * unit(rng);
                }
            }
            Self::Normal { mean, sd } => {
                for x in out {
                    let z: f64 = rand_distr::StandardNormal.sample(rng);
                    *x = mean + sd * z;
                }
            }
            Self::Poisson(p) => {
                for x in out {
                    *x = p.sample(rng);
                }
            }
            Self::Constant(v) => out.fill(*v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pert_mean_is_the_weighted_three_point_estimate() {
        let d = Distribution::pert(20.0, 100.0, 900.0, 4.0).unwrap();
        assert!((d.mean() - 220.0).abs() < 1e-12);
    }

    #[test]
    fn lognormal_90_hits_its_interval() {
        let d = Distribution::lognormal_90(1_000.0, 100_000.0).unwrap();
        assert!((d.quantile(0.05) / 1_000.0 - 1.0).abs() < 1e-6);
        assert!((d.quantile(0.95) / 100_000.0 - 1.0).abs() < 1e-6);
        assert!((d.cdf(10_000.0) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert_eq!(
            Distribution::pert(5.0, 3.0, 9.0, 4.0),
            Err(DistributionError::MinAboveMode {
                min: 5.0,
                mode: 3.0
            })
        );
        assert!(Distribution::triangular(1.0, 9.0, 3.0).is_err());
        assert!(Distribution::lognormal_90(0.0, 3.0).is_err());
        assert!(Distribution::lognormal_90(5.0, 3.0).is_err());
        assert!(Distribution::normal(0.0, -1.0).is_err());
        assert!(Distribution::poisson(-1.0).is_err());
        assert!(Distribution::uniform(2.0, 1.0).is_err());
        assert!(Distribution::constant(f64::NAN).is_err());
        assert!(Distribution::pert(1.0, 2.0, 3.0, 0.0).is_err());
    }

    #[test]
    fn beta_table_draws_pass_kolmogorov_smirnov_against_the_beta_cdf() {
        use rand::SeedableRng;
        let n = 100_000;
        // Uniform, either edge at 1, the PRODUCT.md LEF shape, a very peaked one.
        for (a, b) in [
            (1.0, 1.0),
            (1.0, 5.0),
            (5.0, 1.0),
            (1.3636, 4.6364),
            (41.0, 3.0),
            (2.0, 2.0),
        ] {
            let table = BetaTable::new(a, b);
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
            let mut xs: Vec<f64> = (0..n).map(|_| table.sample(&mut rng)).collect();
            xs.sort_by(f64::total_cmp);
            let d = xs
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let f = special::beta_cdf(x, a, b);
                    (f - i as f64 / n as f64)
                        .abs()
                        .max(((i + 1) as f64 / n as f64 - f).abs())
                })
                .fold(0.0, f64::max);
            // 99.9% critical value of the KS statistic.
            assert!(d < 1.95 / (n as f64).sqrt(), "Beta({a}, {b}): D = {d}");
        }
    }

    /// The probability mass the alias table gives each region, in coin units.
    fn alias_masses(table: &[u32; REGIONS]) -> Vec<u64> {
        let mut mass = vec![0u64; REGIONS];
        for (r, &entry) in table.iter().enumerate() {
            let keep = u64::from(entry >> REGIONS_LOG2);
            mass[r] += keep;
            mass[entry as usize & (REGIONS - 1)] += COIN - keep;
        }
        mass
    }

    #[test]
    fn the_integer_alias_table_reproduces_its_weights_exactly() {
        use rand::SeedableRng;
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        // Equal weights (every region full), one region holding half, and random weights.
        let equal = vec![COIN; REGIONS];
        let mut half = vec![COIN / 2; REGIONS];
        half[7] += TOTAL_WEIGHT - half.iter().sum::<u64>();
        let mut random: Vec<u64> = (0..REGIONS).map(|_| rng.next_u64() % (3 * COIN)).collect();
        random[0] = 0;
        let sum: u64 = random.iter().sum();
        // Rescale to the total, putting the rounding remainder on the last region.
        for w in random.iter_mut() {
            *w = ((*w as u128 * TOTAL_WEIGHT as u128) / sum as u128) as u64;
        }
        random[REGIONS - 1] += TOTAL_WEIGHT - random.iter().sum::<u64>();
        for weights in [equal, half, random] {
            assert_eq!(weights.iter().sum::<u64>(), TOTAL_WEIGHT);
            assert_eq!(alias_masses(&integer_alias_table(&weights)), weights);
        }
    }

    #[test]
    fn beta_table_weights_bound_the_density_in_every_bin() {
        // Exactness needs, per bin: W_lower <= s min f and W_lower + W_cap >= s max f
        // (checked at 65 points of each bin against the density).
        for (a, b) in [(1.0, 1.0), (1.3636, 4.6364), (41.0, 3.0), (1.0, 5.0)] {
            let t = BetaTable::new(a, b);
            let masses = alias_masses(&t.alias);
            for (i, &(lower, cap)) in t.caps.iter().enumerate() {
                assert_eq!(masses[2 * i], u64::from(lower));
                assert_eq!(masses[2 * i + 1], u64::from(cap));
                for k in 0..=64 {
                    let x = (i as f64 + f64::from(k) / 64.0) / BINS as f64;
                    if x <= 0.0 || x >= 1.0 {
                        continue;
                    }
                    let f = t.density(x) * t.scale;
                    assert!(
                        f64::from(lower) <= f * (1.0 + 1e-12),
                        "Beta({a}, {b}) bin {i}"
                    );
                    assert!(
                        f64::from(lower) + f64::from(cap) >= f,
                        "Beta({a}, {b}) bin {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn perts_of_one_shape_share_a_table_and_draw_the_same() {
        use rand::SeedableRng;
        let table = |d: Distribution| match d.sampler() {
            Sampler::Pert { beta, .. } => beta,
            other => panic!("not a PERT sampler: {other:?}"),
        };
        // PERT(20, 100, 900) scaled by 2.5 has the same shape.
        let small = Distribution::pert(20.0, 100.0, 900.0, 4.0).unwrap();
        let big = Distribution::pert(50.0, 250.0, 2250.0, 4.0).unwrap();
        let other = Distribution::pert(20.0, 500.0, 900.0, 4.0).unwrap();
        let (a, b, c) = (table(small), table(big), table(other));
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        assert!(!std::sync::Arc::ptr_eq(&a, &c));
        // A shared table draws exactly what a table of its own would.
        let (sa, sb) = Distribution::pert_shape(20.0, 100.0, 900.0, 4.0);
        let own = BetaTable::new(sa, sb);
        let mut r1 = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let mut r2 = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        for _ in 0..10_000 {
            assert_eq!(a.sample(&mut r1).to_bits(), own.sample(&mut r2).to_bits());
        }
    }

    #[test]
    fn pert_draws_by_lanes_pass_kolmogorov_smirnov() {
        use rand::SeedableRng;
        let n = 100_000;
        for d in [
            Distribution::pert(20.0, 100.0, 900.0, 4.0).unwrap(),
            Distribution::pert(3.0e6, 3.5e6, 5.0e6, 4.0).unwrap(),
            Distribution::pert(0.0, 0.9, 1.0, 40.0).unwrap(),
        ] {
            let sampler = d.sampler();
            let mut lanes: [rand_pcg::Pcg64Mcg; LANES] =
                std::array::from_fn(|k| rand_pcg::Pcg64Mcg::seed_from_u64(11 + k as u64));
            let mut xs = vec![0.0; n];
            sampler.fill_lanes(&mut lanes, &mut xs);
            xs.sort_by(f64::total_cmp);
            let ks = xs
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let f = d.cdf(x);
                    (f - i as f64 / n as f64)
                        .abs()
                        .max(((i + 1) as f64 / n as f64 - f).abs())
                })
                .fold(0.0, f64::max);
            assert!(ks < 1.95 / (n as f64).sqrt(), "{d:?}: D = {ks}");
        }
    }

    #[test]
    fn the_pert_cdf_table_matches_the_incomplete_beta() {
        for d in [
            Distribution::pert(20.0, 50.0, 90.0, 4.0).unwrap(),
            Distribution::pert(0.0, 0.0, 100.0, 4.0).unwrap(),
            Distribution::pert(10.0, 80.0, 90.0, 20.0).unwrap(),
        ] {
            let fast = FastCdf::new(&d);
            let (lo, hi) = (d.lower_bound(), d.upper_bound());
            for k in 0..=2000 {
                let x = lo - 1.0 + (hi - lo + 2.0) * f64::from(k) / 2000.0;
                let err = (fast.cdf(x) - d.cdf(x)).abs();
                assert!(err < 2e-5, "{d:?} at {x}: {err}");
                let inner = x > lo + (hi - lo) / 1000.0 && x < hi - (hi - lo) / 1000.0;
                assert!(!inner || err < 1e-8, "{d:?} at {x}: {err}");
            }
        }
    }

    #[test]
    fn triangular_quantile_inverts_cdf() {
        let d = Distribution::triangular(2.0, 3.0, 10.0).unwrap();
        for p in [0.01, 0.1, 0.125, 0.5, 0.9] {
            assert!((d.cdf(d.quantile(p)) - p).abs() < 1e-12);
        }
    }
}
