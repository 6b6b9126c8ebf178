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
                    beta: Box::new(BetaTable::new(a, b)),
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
        beta: Box<BetaTable>,
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

/// Bins of the table sampler: a power of two, so one u64 gives the bin and the alias coin.
const BINS_LOG2: u32 = 9;
const BINS: usize = 1 << BINS_LOG2;

/// Exact Beta(a, b) sampling for a, b >= 1 (every PERT) by rejection from a
/// piecewise-constant envelope (the table method): [0, 1] is cut into 512
/// equal bins; the envelope is each bin's maximum density and the squeeze its
/// minimum (the density is unimodal, so both come from the bin's ends and the
/// mode). A bin is picked by Walker's alias method in proportion to its
/// envelope area, x uniformly inside it, and x is accepted if u * max <= min
/// (no density evaluation: ~99% of draws) or else if u * max <= density(x).
/// That is plain rejection sampling, so draws follow Beta(a, b) exactly up
/// to the resolution of the uniforms (x on a 2^-41 grid, u to 2^-32); it
/// costs two random words a draw, against two gamma variates (each a
/// normal, a uniform and often a logarithm) for the ratio method.
#[derive(Debug, Clone)]
pub struct BetaTable {
    a1: f64,
    b1: f64,
    /// log of the density's scale, so that the envelope's maximum is 1.
    ln_scale: f64,
    bins: Box<[Bin; BINS]>,
}

/// One bin: its alias entry, envelope height (max density) and squeeze
/// (min density / max density).
#[derive(Debug, Clone, Copy, Default)]
struct Bin {
    keep: f64,
    alias: u32,
    upper: f64,
    squeeze: f64,
}

impl BetaTable {
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
        let density = |x: f64| (ln_density(x) - ln_scale).exp();
        let width = 1.0 / BINS as f64;
        let mut bins = Box::new([Bin::default(); BINS]);
        let mut upper = Vec::with_capacity(BINS);
        for (i, bin) in bins.iter_mut().enumerate() {
            let (lo, hi) = (i as f64 * width, (i + 1) as f64 * width);
            let (f_lo, f_hi) = (density(lo), density(hi));
            let top = if lo <= mode && mode <= hi {
                1.0
            } else {
                f_lo.max(f_hi)
            };
            // Margins absorb rounding in the density so the envelope stays above it.
            bin.upper = top * (1.0 + 1e-9) + 1e-300;
            bin.squeeze = f_lo.min(f_hi) * (1.0 - 1e-9) / bin.upper;
            upper.push(bin.upper);
        }
        let (keep, alias) = alias_table(&upper);
        for (bin, (k, a)) in bins.iter_mut().zip(keep.into_iter().zip(alias)) {
            bin.keep = k;
            bin.alias = a;
        }
        BetaTable {
            a1,
            b1,
            ln_scale,
            bins,
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

    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        const SHIFT: u32 = 64 - BINS_LOG2;
        const TO_UNIT_32: f64 = 1.0 / 4_294_967_296.0;
        loop {
            let r = rng.next_u64();
            let i = (r >> SHIFT) as usize & (BINS - 1);
            // The other 55 bits, as a 53-bit uniform coin for the alias choice.
            let coin = ((r << BINS_LOG2) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            let entry = &self.bins[i];
            let bin = if coin < entry.keep {
                i
            } else {
                entry.alias as usize & (BINS - 1)
            };
            // One more word: 32 bits place x in the bin (a 2^-41 grid on [0, 1]),
            // 32 bits are the acceptance uniform.
            let w = rng.next_u64();
            let x = (bin as f64 + ((w >> 32) as f64 + 0.5) * TO_UNIT_32) * (1.0 / BINS as f64);
            let u = ((w & 0xffff_ffff) as f64 + 0.5) * TO_UNIT_32;
            let b = &self.bins[bin];
            if u <= b.squeeze || u * b.upper <= self.density(x) {
                return x;
            }
        }
    }
}

/// Walker's alias table (Vose's construction) for weights `w`.
fn alias_table(w: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let n = w.len();
    let total: f64 = w.iter().sum();
    let mut scaled: Vec<f64> = w.iter().map(|x| x * n as f64 / total).collect();
    let mut keep = vec![1.0; n];
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
    while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
        keep[s] = scaled[s];
        alias[s] = l as u32;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // Leftovers are 1 up to rounding.
    (keep, alias)
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

    /// Fills `out` with independent draws, even positions from `a` and odd
    /// ones from `b`: two independent dependency chains keep the CPU busy
    /// while one waits on its generator's multiply.
    pub fn fill_pair<R: Rng + ?Sized>(&self, a: &mut R, b: &mut R, out: &mut [f64]) {
        match self {
            Self::Pert { min, range, beta } => {
                let mut pairs = out.chunks_exact_mut(2);
                for pair in &mut pairs {
                    pair[0] = min + range * beta.sample(a);
                    pair[1] = min + range * beta.sample(b);
                }
                for x in pairs.into_remainder() {
                    *x = min + range * beta.sample(a);
                }
            }
            Self::Lognormal { .. } | Self::Normal { .. } => {
                let mut pairs = out.chunks_exact_mut(2);
                for pair in &mut pairs {
                    pair[0] = self.sample(a);
                    pair[1] = self.sample(b);
                }
                for x in pairs.into_remainder() {
                    *x = self.sample(a);
                }
            }
            _ => self.fill(a, out),
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
