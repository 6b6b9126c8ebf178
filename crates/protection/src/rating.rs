//! The FEMA 426/452 vulnerability rating (1..10) derived from a protection system's
//! effectiveness, so that the risk engine (Risk = Asset x Threat x Vulnerability) can use the path
//! analysis. The risk arithmetic itself is the risk engine's.
//!
//! Mapping: the rating falls by one for every tenth of P_E, V = 10 − ⌊10 · P_E⌋, kept within
//! 1..10. So P_E < 0.1 (the adversary is almost never stopped) is 10, "very high" in FEMA 452's
//! scale; P_E ≥ 0.9 is 1, "very low". A target no path reaches is rated 1.

/// The FEMA 452 vulnerability rating for a probability of system effectiveness.
pub fn vulnerability_rating(p_effectiveness: f64) -> u8 {
    if p_effectiveness.is_nan() {
        return 10;
    }
    let tenths = (p_effectiveness.clamp(0.0, 1.0) * 10.0).floor() as u8;
    (10 - tenths).clamp(1, 10)
}

#[cfg(test)]
mod tests {
    use super::vulnerability_rating as v;

    #[test]
    fn bands_of_a_tenth() {
        assert_eq!(v(0.0), 10);
        assert_eq!(v(0.099), 10);
        assert_eq!(v(0.1), 9);
        assert_eq!(v(0.476), 6);
        assert_eq!(v(0.899), 2);
        assert_eq!(v(0.9), 1);
        assert_eq!(v(1.0), 1);
        assert_eq!(v(f64::NAN), 10);
        // Never increases with effectiveness.
        let mut last = 10;
        for i in 0..=1000 {
            let r = v(f64::from(i) / 1000.0);
            assert!(r <= last && (1..=10).contains(&r));
            last = r;
        }
    }
}
