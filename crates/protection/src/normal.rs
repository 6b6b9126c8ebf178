//! The standard normal distribution function, Φ, as EASI needs it.
//!
//! Φ(x) = erfc(−x/√2)/2. `erfc` comes from the `libm` crate (a port of the fdlibm/musl routine,
//! accurate to about one unit in the last place), so Φ is accurate to about 1e-16 in absolute
//! terms and keeps its relative accuracy deep in the lower tail, where `1 − erf` would not.

/// Φ(x), the probability that a standard normal variable is at most `x`.
///
/// Φ(±∞) is 1 or 0; Φ(NaN) is NaN.
pub fn standard_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::standard_normal_cdf as phi;

    /// Reference values of Φ to 17 significant figures (Abramowitz & Stegun, table 26.1, and
    /// the well-known tail values).
    #[test]
    fn matches_tabulated_values() {
        let cases = [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.0, 0.158_655_253_931_457_05),
            (1.959_963_984_540_054, 0.975),
            (2.0, 0.977_249_868_051_820_8),
            (-3.0, 0.001_349_898_031_630_094_6),
            (0.5, 0.691_462_461_274_013_1),
            (-0.5, 0.308_537_538_725_986_9),
        ];
        for (x, want) in cases {
            let got = phi(x);
            assert!((got - want).abs() < 2e-16, "Phi({x}) = {got}, want {want}");
        }
        // Deep tail: relative accuracy is kept.
        let tail = phi(-10.0);
        let want = 7.619_853_024_160_527e-24;
        assert!(((tail - want) / want).abs() < 1e-13, "{tail}");
    }

    #[test]
    fn is_symmetric_and_monotone() {
        let mut last = 0.0;
        for i in -800..=800 {
            let x = f64::from(i) / 100.0;
            let p = phi(x);
            assert!(p >= last);
            assert!((p + phi(-x) - 1.0).abs() < 1e-15);
            last = p;
        }
        assert_eq!(phi(f64::INFINITY), 1.0);
        assert_eq!(phi(f64::NEG_INFINITY), 0.0);
    }
}
