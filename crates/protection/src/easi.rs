//! EASI (Estimate of Adversary Sequence Interruption, Garcia) for one path, and the
//! deterministic critical-detection-point (timely detection) method beside it.
//!
//! Along tasks i = 1..n:
//! P_I = Σ_i P_C,i · P_D,i · Π_{j<i}(1 − P_D,j) · Φ((T_i − μ_R) / √(σ_R² + V_i)),
//! T_i = w_i μ_i + Σ_{k>i} μ_k, V_i = w_i² σ_i² + Σ_{k>i} σ_k², with w = 1, ½, 0 for detection at
//! the beginning, middle or end of task i. P_C,i is the facility's P_C unless the element gives
//! its own (with one P_C this is exactly the textbook formula, P_C factored out).
//!
//! The timely-detection method treats times as certain: a detection counts when the time left,
//! T_i, is at least the mean response time. The last element where that holds is the critical
//! detection point (T_i never grows along a path, so the timely elements are a prefix).
//!
//! Which path to evaluate is [`crate::search`]'s business.

use crate::network::Stage;
use crate::normal::standard_normal_cdf;

/// EASI's figures for one path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathEvaluation {
    /// P_I by EASI.
    pub p_interruption: f64,
    /// P_I by timely detection: the sum over elements up to the critical detection point.
    pub p_interruption_timely: f64,
    /// Index in the path of the critical detection point: the last element where detection
    /// still leaves at least the mean response time. `None` when no element does.
    pub critical_detection_point: Option<usize>,
    /// Total mean delay along the path.
    pub delay_mean: f64,
}

/// Evaluates a path given as its stages in the adversary's order.
pub fn evaluate<'a>(
    path: impl IntoIterator<Item = &'a Stage>,
    response_mean: f64,
    response_sd: f64,
) -> PathEvaluation {
    let path: Vec<&Stage> = path.into_iter().collect();
    let response_var = response_sd * response_sd;
    // Delay still ahead after each task: suffix sums.
    let n = path.len();
    let mut after_mean = vec![0.0; n];
    let mut after_var = vec![0.0; n];
    for i in (0..n.saturating_sub(1)).rev() {
        after_mean[i] = after_mean[i + 1] + path[i + 1].delay_mean;
        after_var[i] = after_var[i + 1] + path[i + 1].delay_var;
    }
    let mut p_interruption = 0.0;
    let mut p_timely = 0.0;
    let mut critical = None;
    let mut undetected = 1.0;
    for (i, s) in path.iter().enumerate() {
        let w = s.remaining_share;
        let t = w * s.delay_mean + after_mean[i];
        let v = w * w * s.delay_var + after_var[i];
        let first_detection = s.p_communication * s.p_detect * undetected;
        p_interruption += first_detection * phi_ratio(t - response_mean, response_var + v);
        if t >= response_mean {
            p_timely += first_detection;
            critical = Some(i);
        }
        undetected *= 1.0 - s.p_detect;
    }
    PathEvaluation {
        p_interruption,
        p_interruption_timely: p_timely,
        critical_detection_point: critical,
        delay_mean: path.iter().map(|s| s.delay_mean).sum(),
    }
}

/// Φ(x / √var), with a degenerate (zero-variance) race decided by the sign of x: a tie goes to
/// the response force, as in the timely-detection method.
pub(crate) fn phi_ratio(x: f64, var: f64) -> f64 {
    if var > 0.0 {
        standard_normal_cdf(x / var.sqrt())
    } else if x >= 0.0 {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DetectionLocation::{self, Beginning, End, Middle};

    fn task(p: f64, loc: DetectionLocation, mean: f64, sd: f64, pc: f64) -> Stage {
        Stage::task(p, loc, mean, sd, pc)
    }

    /// PRODUCT.md's check value: six tasks detected at the beginning, sd = 30 % of the mean,
    /// P_C = 0.95, response 300 ± 90 s.
    #[test]
    fn product_check_value() {
        let tasks: Vec<Stage> = [
            (0.0, 10.0),
            (0.0, 12.0),
            (0.9, 90.0),
            (0.0, 10.0),
            (0.9, 90.0),
            (0.0, 120.0),
        ]
        .iter()
        .map(|&(p, m)| task(p, Beginning, m, 0.3 * m, 0.95))
        .collect();
        let e = evaluate(&tasks, 300.0, 90.0);
        assert!(
            (e.p_interruption - 0.476041).abs() < 5e-7,
            "{}",
            e.p_interruption
        );
        // Timely detection: task 3 leaves 90+10+90+120 = 310 s ≥ 300 s; task 5 leaves 210 s.
        assert_eq!(e.critical_detection_point, Some(2));
        assert!((e.p_interruption_timely - 0.95 * 0.9).abs() < 1e-15);
        assert_eq!(e.delay_mean, 332.0);
    }

    /// One detecting task followed by a plain delay: P_I = P_C P_D Φ((T − μ_R)/√(σ_R² + V)) with
    /// T and V worked out by hand for each detection location.
    #[test]
    fn beginning_middle_end_by_hand() {
        let cases = [
            // location, T = w·100 + 200, V = w²·30² + 40²
            (Beginning, 300.0, 900.0 + 1600.0),
            (Middle, 250.0, 225.0 + 1600.0),
            (End, 200.0, 1600.0),
        ];
        for (loc, t, v) in cases {
            let path = [
                task(0.8, loc, 100.0, 30.0, 0.9),
                task(0.0, End, 200.0, 40.0, 0.9),
            ];
            let e = evaluate(&path, 240.0, 60.0);
            let want = 0.9 * 0.8 * standard_normal_cdf((t - 240.0) / (3600.0_f64 + v).sqrt());
            assert!((e.p_interruption - want).abs() < 1e-15, "{loc:?}");
            assert_eq!(e.critical_detection_point.is_some(), t >= 240.0, "{loc:?}");
        }
        // Middle detection: Φ((250 − 240)/√(3600 + 225 + 1600)) = Φ(0.135768...) = 0.553998...
        let path = [
            task(0.8, Middle, 100.0, 30.0, 0.9),
            task(0.0, End, 200.0, 40.0, 0.9),
        ];
        let e = evaluate(&path, 240.0, 60.0);
        assert!((e.p_interruption - 0.72 * 0.553_998_0).abs() < 1e-6);
    }

    /// Two detecting tasks: the second only counts when the first missed.
    #[test]
    fn second_detection_weighs_by_first_miss() {
        let path = [
            task(0.5, End, 0.0, 0.0, 1.0),
            task(0.6, Beginning, 100.0, 0.0, 1.0),
        ];
        // Response 50 s with no spread: both detections leave 100 s ≥ 50 s.
        let e = evaluate(&path, 50.0, 0.0);
        assert!((e.p_interruption - (0.5 + 0.5 * 0.6)).abs() < 1e-15);
        assert_eq!(e.critical_detection_point, Some(1));
        // Response 150 s: neither is timely.
        let e = evaluate(&path, 150.0, 0.0);
        assert_eq!(e.p_interruption, 0.0);
        assert_eq!(e.critical_detection_point, None);
    }

    #[test]
    fn empty_and_undetected_paths_are_never_interrupted() {
        assert_eq!(evaluate(&[], 300.0, 90.0).p_interruption, 0.0);
        let path = [task(0.0, Beginning, 1000.0, 10.0, 1.0)];
        assert_eq!(evaluate(&path, 300.0, 90.0).p_interruption, 0.0);
    }
}
