//! Percentiles and exceedance probabilities of simulated losses, either
//! exactly (all samples kept and sorted) or from a streaming sketch whose
//! memory does not grow with the number of trials.
//!
//! The sketch is a relative-error log-bucket histogram (the DDSketch idea).
//! Buckets are equal steps w of a cheap, monotone stand-in for log2 read
//! from the float's bits, L(x) = e + (m - 1) for x = m 2^e, m in [1, 2).
//! Because dL/dlog2(x) = m ln 2 >= ln 2, a bucket of width w = ln 2 log2(γ)
//! spans a ratio hi/lo <= γ = (1+α)/(1-α); reporting 2 lo hi / (lo + hi)
//! for its values is then within a factor (1 ± α) of any of them. So every
//! quantile returned is within ±α (relative) of the sample quantile of the
//! same rank, whatever the distribution. Magnitudes below f64::MIN_POSITIVE
//! count as zero.
//! Counts are integers, so merging sketches in any order gives identical
//! results: that is what keeps percentiles independent of the thread count.

use serde::Serialize;

/// Relative accuracy of the streaming sketch: 0.5%.
pub const SKETCH_RELATIVE_ERROR: f64 = 0.005;

/// Buckets [offset, offset + counts.len()); it grows with slack, so two
/// stores with the same counts compare equal whatever their layout.
#[derive(Debug, Clone, Default)]
struct Store {
    offset: i64,
    counts: Vec<u64>,
}

impl Store {
    #[inline]
    fn add(&mut self, index: i64, n: u64) {
        if let Some(c) = usize::try_from(index - self.offset)
            .ok()
            .and_then(|at| self.counts.get_mut(at))
        {
            *c += n;
            return;
        }
        self.grow_and_add(index, n);
    }

    #[cold]
    fn grow_and_add(&mut self, index: i64, n: u64) {
        // Room for half as many buckets again (at least 32) beyond the new one,
        // so that a stream of new extremes costs O(log) copies, not one each.
        let slack = (self.counts.len() as i64 / 2).max(32);
        if self.counts.is_empty() {
            self.offset = index - slack;
            self.counts = vec![0; 2 * slack as usize + 1];
        }
        if index < self.offset {
            let new_offset = index - slack;
            let grow = usize::try_from(self.offset - new_offset).unwrap_or(0);
            let mut counts = vec![0; grow];
            counts.extend_from_slice(&self.counts);
            self.counts = counts;
            self.offset = new_offset;
        }
        let at = usize::try_from(index - self.offset).unwrap_or(0);
        if at >= self.counts.len() {
            self.counts.resize(at + 1 + slack as usize, 0);
        }
        self.counts[at] += n;
    }

    fn merge(&mut self, other: &Store) {
        let (Some(first), Some(last)) = (
            other.counts.iter().position(|&c| c > 0),
            other.counts.iter().rposition(|&c| c > 0),
        ) else {
            return;
        };
        let (lo, hi) = (other.offset + first as i64, other.offset + last as i64);
        // Make room once for the other's used range; then add slice to slice.
        self.add(lo, 0);
        self.add(hi, 0);
        let at = usize::try_from(lo - self.offset).unwrap_or(0);
        let theirs = &other.counts[first..=last];
        if let Some(ours) = self.counts.get_mut(at..at + theirs.len()) {
            ours.iter_mut().zip(theirs).for_each(|(a, b)| *a += b);
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (i64, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| (self.offset + i as i64, *c))
    }
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// A mergeable relative-error quantile sketch.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSketch {
    /// 2^96 / w in fixed point (w: the bucket width in L units), rounded
    /// up so that the width used, 2^44 / k, never exceeds w.
    k: u64,
    width: f64,
    alpha: f64,
    positive: Store,
    negative: Store,
    zeros: u64,
    count: u64,
}

impl Default for QuantileSketch {
    fn default() -> Self {
        Self::new(SKETCH_RELATIVE_ERROR)
    }
}

impl QuantileSketch {
    /// A sketch with relative accuracy `alpha` (0 < alpha < 1).
    pub fn new(alpha: f64) -> Self {
        let gamma = (1.0 + alpha) / (1.0 - alpha);
        let wanted = std::f64::consts::LN_2 * gamma.log2();
        // The bits of a float are below 2^63, so bits x k fits in 128 bits.
        let k = ((1u64 << 44) as f64 / wanted).ceil() as u64;
        Self {
            k,
            width: (1u64 << 44) as f64 / k as f64,
            alpha,
            positive: Store::default(),
            negative: Store::default(),
            zeros: 0,
            count: 0,
        }
    }

    pub fn relative_error(&self) -> f64 {
        self.alpha
    }

    /// Bucket i holds L(x) + 1023 in [(i-1) w, i w): L + 1023 is the
    /// float's bit pattern read as an integer and divided by 2^52, so the
    /// index is one integer multiply, a shift and an add (bits x k / 2^96).
    #[inline]
    fn index(&self, magnitude: f64) -> i64 {
        ((u128::from(magnitude.to_bits()) * u128::from(self.k)) >> 96) as i64 + 1
    }

    #[inline]
    pub fn add(&mut self, x: f64) {
        self.count += 1;
        let magnitude = x.abs();
        if magnitude.is_nan() || magnitude < f64::MIN_POSITIVE {
            self.zeros += 1;
        } else if x > 0.0 {
            let i = self.index(magnitude);
            self.positive.add(i, 1);
        } else {
            let i = self.index(magnitude);
            self.negative.add(i, 1);
        }
    }

    /// Adds every value of `xs` (the same as `add` on each). Positive
    /// normal values, nearly all of them in a loss simulation, go straight
    /// to their bucket; the rest take `add`.
    pub fn add_all(&mut self, xs: &[f64]) {
        for &x in xs {
            // NaN and negatives fail the test.
            if x >= f64::MIN_POSITIVE {
                let i = self.index(x);
                self.positive.add(i, 1);
                self.count += 1;
            } else {
                self.add(x);
            }
        }
    }

    pub fn merge(&mut self, other: &QuantileSketch) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.zeros += other.zeros;
        self.count += other.count;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The harmonic midpoint of bucket `index`'s bounds.
    fn value(&self, index: i64) -> f64 {
        let lo = exp2_ish((index - 1) as f64 * self.width - 1023.0);
        let hi = exp2_ish(index as f64 * self.width - 1023.0);
        2.0 * lo * hi / (lo + hi)
    }

    /// The value of rank ⌊p (n-1)⌋ (0-based), to within the relative error.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let rank = (p.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let mut seen = 0u64;
        for (i, c) in self.negative.iter().rev() {
            seen += c;
            if seen > rank {
                return -self.value(i);
            }
        }
        seen += self.zeros;
        if seen > rank {
            return 0.0;
        }
        for (i, c) in self.positive.iter() {
            seen += c;
            if seen > rank {
                return self.value(i);
            }
        }
        self.positive
            .iter()
            .last()
            .map_or(0.0, |(i, _)| self.value(i))
    }

    /// P(X > x), resolved to the bucket that holds x.
    pub fn exceedance(&self, x: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let above: u64 = if x >= 0.0 {
            let from = if x > 0.0 { self.index(x) } else { i64::MIN };
            self.positive
                .iter()
                .filter(|(i, _)| *i > from)
                .map(|(_, c)| c)
                .sum()
        } else {
            let to = self.index(-x);
            let neg: u64 = self
                .negative
                .iter()
                .filter(|(i, _)| *i < to)
                .map(|(_, c)| c)
                .sum();
            neg + self.zeros + self.positive.iter().map(|(_, c)| c).sum::<u64>()
        };
        above as f64 / self.count as f64
    }
}

/// The inverse of L(x) = e + (m - 1) for x = m 2^e (see the module docs).
fn exp2_ish(v: f64) -> f64 {
    let e = v.floor();
    (1.0 + (v - e)) * 2f64.powi(e as i32)
}

/// How percentiles were obtained, stated in every result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum QuantileMethod {
    /// Every sample kept and sorted; percentiles interpolate linearly between order statistics.
    Exact,
    /// Streaming sketch: each percentile is within ±relative_error of the sample percentile.
    Sketch { relative_error: f64 },
}

/// The simulated annual losses of one scenario or of the portfolio, ready
/// for percentiles and the loss exceedance curve.
#[derive(Debug, Clone)]
pub enum LossQuantiles {
    Exact(Vec<f64>),
    Sketch(QuantileSketch),
}

impl LossQuantiles {
    /// Sorts exact samples; call once before asking for quantiles.
    pub fn finish(&mut self) {
        if let Self::Exact(v) = self {
            v.sort_unstable_by(f64::total_cmp);
        }
    }

    pub fn method(&self) -> QuantileMethod {
        match self {
            Self::Exact(_) => QuantileMethod::Exact,
            Self::Sketch(s) => QuantileMethod::Sketch {
                relative_error: s.relative_error(),
            },
        }
    }

    pub fn quantile(&self, p: f64) -> f64 {
        match self {
            Self::Exact(v) => exact_quantile(v, p),
            Self::Sketch(s) => s.quantile(p),
        }
    }

    pub fn exceedance(&self, x: f64) -> f64 {
        match self {
            Self::Exact(v) => {
                if v.is_empty() {
                    return f64::NAN;
                }
                let at_or_below = v.partition_point(|&y| y <= x);
                (v.len() - at_or_below) as f64 / v.len() as f64
            }
            Self::Sketch(s) => s.exceedance(x),
        }
    }

    pub fn max(&self) -> f64 {
        match self {
            Self::Exact(v) => v.last().copied().unwrap_or(f64::NAN),
            Self::Sketch(s) => s.quantile(1.0),
        }
    }
}

/// Linear interpolation between order statistics of sorted data (Hyndman & Fan type 7).
pub fn exact_quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sketch_quantiles_stay_within_the_stated_relative_error() {
        // 1..=100_000 with some zeros and negatives mixed in.
        let mut data: Vec<f64> = (1..=100_000).map(|i| f64::from(i) * 3.7).collect();
        data.extend((0..500).map(|_| 0.0));
        data.extend((1..=700).map(|i| -f64::from(i)));
        let mut s = QuantileSketch::default();
        for &x in &data {
            s.add(x);
        }
        data.sort_by(f64::total_cmp);
        for p in [0.0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 0.9, 0.99, 1.0] {
            let truth = data[(p * (data.len() - 1) as f64).floor() as usize];
            let got = s.quantile(p);
            assert!(
                (got - truth).abs() <= SKETCH_RELATIVE_ERROR * truth.abs() + 1e-12,
                "p = {p}: {got} vs {truth}"
            );
        }
    }

    #[test]
    fn merging_in_any_order_gives_the_same_sketch() {
        let parts: Vec<Vec<f64>> = (0..4)
            .map(|k| (0..1000).map(|i| f64::from(i * (k + 1)) + 0.5).collect())
            .collect();
        let build = |order: &[usize]| {
            let mut total = QuantileSketch::default();
            for &k in order {
                let mut s = QuantileSketch::default();
                parts[k].iter().for_each(|&x| s.add(x));
                total.merge(&s);
            }
            total
        };
        assert_eq!(build(&[0, 1, 2, 3]), build(&[3, 1, 0, 2]));
    }

    #[test]
    fn adding_a_slice_equals_adding_each_value() {
        // Blocks of positives only and blocks with zeros, negatives and NaN.
        let mut xs: Vec<f64> = (0..2000).map(|i| 1.5f64.powi(i % 90) * 0.37).collect();
        xs.extend([0.0, -3.0, f64::NAN, 1e-310, 7.0, f64::INFINITY]);
        xs.extend((0..700).map(|i| f64::from(i) + 0.25));
        let (mut one, mut all) = (QuantileSketch::default(), QuantileSketch::default());
        xs.iter().for_each(|&x| one.add(x));
        all.add_all(&xs);
        assert_eq!(one, all);
        assert_eq!(all.count(), xs.len() as u64);
    }

    #[test]
    fn exceedance_counts_values_strictly_above() {
        let mut v = LossQuantiles::Exact(vec![0.0, 0.0, 1.0, 2.0, 3.0]);
        v.finish();
        assert_eq!(v.exceedance(0.0), 0.6);
        assert_eq!(v.exceedance(2.0), 0.2);
        assert_eq!(v.quantile(0.5), 1.0);
        assert_eq!(v.quantile(0.625), 1.5);
    }
}
