//! Significance of a difference between two models measured on the same folds.
//!
//! Folds of k-fold share most of their training rows, so the plain paired
//! t-test is far too eager to call a difference significant. The corrected
//! resampled t-test (Nadeau and Bengio, 2003; as in Weka's Experimenter)
//! widens the variance by the ratio of test to training rows.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedTest {
    /// Mean of `a - b` over the folds.
    pub mean_difference: f64,
    pub t: f64,
    pub degrees_of_freedom: usize,
    /// Two-sided.
    pub p_value: f64,
}

/// Compares per-fold scores `a` and `b`; `test_over_train` is the ratio of
/// test to training rows in a fold (1/(k-1) for k-fold).
pub fn corrected_resampled_t_test(
    a: &[f64],
    b: &[f64],
    test_over_train: f64,
) -> Option<PairedTest> {
    let k = a.len();
    if k < 2 || b.len() != k {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / k as f64;
    let variance = d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1) as f64;
    let scale = ((1.0 / k as f64 + test_over_train) * variance).sqrt();
    let df = k - 1;
    let (t, p_value) = if scale == 0.0 {
        // Identical differences on every fold: no spread to test against.
        if mean == 0.0 {
            (0.0, 1.0)
        } else {
            (f64::INFINITY.copysign(mean), 0.0)
        }
    } else {
        let t = mean / scale;
        (t, student_t_two_sided(t, df as f64))
    };
    Some(PairedTest {
        mean_difference: mean,
        t,
        degrees_of_freedom: df,
        p_value,
    })
}

/// How one model fared against another on a metric over the same folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Win,
    Tie,
    Loss,
}

/// The significance level of a [`Verdict`].
pub const SIGNIFICANCE: f64 = 0.05;

/// One model's scores against another's, fold by fold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldComparison {
    /// Mean over folds of `a - b`.
    pub mean_difference: f64,
    /// Two-sided p-value of the corrected resampled t-test (None with one fold).
    pub p_value: Option<f64>,
    /// Significant at 5 % in `a`'s favour (win), against it (loss), or not (tie).
    pub verdict: Verdict,
}

/// Compares per-fold scores `a` and `b` of one metric, measured on the same
/// `folds`-fold validation (one fold: a holdout, never significant).
pub fn compare_folds(a: &[f64], b: &[f64], higher_is_better: bool) -> FoldComparison {
    let folds = a.len();
    let test_over_train = if folds > 1 {
        1.0 / (folds as f64 - 1.0)
    } else {
        0.0
    };
    let test = corrected_resampled_t_test(a, b, test_over_train);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mean_difference = test
        .as_ref()
        .map_or_else(|| mean(a) - mean(b), |t| t.mean_difference);
    let p_value = test.as_ref().map(|t| t.p_value);
    let better = if higher_is_better {
        mean_difference > 0.0
    } else {
        mean_difference < 0.0
    };
    let verdict = match p_value {
        Some(p) if p < SIGNIFICANCE && better => Verdict::Win,
        Some(p) if p < SIGNIFICANCE => Verdict::Loss,
        _ => Verdict::Tie,
    };
    FoldComparison {
        mean_difference,
        p_value,
        verdict,
    }
}

/// P(|T| >= |t|) for Student's t with `df` degrees of freedom.
fn student_t_two_sided(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    regularized_incomplete_beta(x, df / 2.0, 0.5).clamp(0.0, 1.0)
}

/// ln Γ(x) by the Lanczos approximation (g = 7, n = 9), good to ~1e-15.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula.
        std::f64::consts::PI.ln() - (std::f64::consts::PI * x).sin().ln() - ln_gamma(1.0 - x)
    } else {
        let x = x - 1.0;
        let mut sum = G[0];
        for (i, g) in G.iter().enumerate().skip(1) {
            sum += g / (x + i as f64);
        }
        let t = x + 7.5;
        0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
    }
}

/// I_x(a, b) by its continued fraction (modified Lentz), using the symmetry
/// I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly.
pub(crate) fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - regularized_incomplete_beta(1.0 - x, b, a);
    }
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        for coefficient in [
            even,
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + coefficient * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + coefficient / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * h / a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_matches_tables() {
        // Two-sided p for t = 2.262, df = 9 is 0.05; t = 3.250, df = 9 is 0.01.
        assert!((student_t_two_sided(2.262_157, 9.0) - 0.05).abs() < 1e-5);
        assert!((student_t_two_sided(3.249_836, 9.0) - 0.01).abs() < 1e-5);
        assert!((student_t_two_sided(0.0, 4.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn correction_widens_the_test() -> Result<(), String> {
        let a = [0.81, 0.83, 0.80, 0.84, 0.82, 0.83, 0.81, 0.85, 0.82, 0.84];
        let b = [0.80, 0.81, 0.80, 0.82, 0.80, 0.82, 0.80, 0.83, 0.81, 0.82];
        let plain = corrected_resampled_t_test(&a, &b, 0.0).ok_or("no test")?;
        let corrected = corrected_resampled_t_test(&a, &b, 1.0 / 9.0).ok_or("no test")?;
        assert!((plain.mean_difference - 0.014).abs() < 1e-12);
        // By hand: variance of the differences 440e-6 / 9; t = 0.014 / sqrt((1/10 + r) * var).
        assert!((plain.t - 6.3317).abs() < 1e-3, "{}", plain.t);
        assert!((corrected.t - 4.3578).abs() < 1e-3, "{}", corrected.t);
        assert!(corrected.p_value > plain.p_value);
        assert_eq!(corrected.degrees_of_freedom, 9);
        Ok(())
    }

    #[test]
    fn verdicts_follow_the_direction_of_the_metric() {
        let a = [0.81, 0.83, 0.80, 0.84, 0.82, 0.83, 0.81, 0.85, 0.82, 0.84];
        let b = [0.80, 0.81, 0.80, 0.82, 0.80, 0.82, 0.80, 0.83, 0.81, 0.82];
        let higher = compare_folds(&a, &b, true);
        assert_eq!(higher.verdict, Verdict::Win);
        assert!(higher.p_value.is_some_and(|p| p < SIGNIFICANCE));
        // The same numbers as errors (lower is better): a loses.
        assert_eq!(compare_folds(&a, &b, false).verdict, Verdict::Loss);
        assert_eq!(compare_folds(&b, &a, true).verdict, Verdict::Loss);
        // One fold (a holdout) is never significant, but keeps its difference.
        let single = compare_folds(&[0.9], &[0.8], true);
        assert_eq!((single.verdict, single.p_value), (Verdict::Tie, None));
        assert!((single.mean_difference - 0.1).abs() < 1e-12);
    }
}
