//! Comparing models over several datasets (Demšar 2006): each dataset ranks
//! the models (1 is best, ties share the mean of their ranks), the Friedman
//! test asks whether the mean ranks differ more than chance would make
//! them, and the Nemenyi critical difference says which pairs do.
//!
//! Scores on different datasets are not comparable, ranks are: that is why
//! the test is on ranks. A model without a score on a dataset leaves that
//! dataset out of the test (the test needs every model on every dataset);
//! the table still shows it.

use serde::{Deserialize, Serialize};

/// The outcome of ranking `k` models on `n` datasets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RankTest {
    /// Datasets the test used (those where every model has a score).
    pub datasets_used: usize,
    /// Each used dataset's ranks, in model order (1 is best).
    pub ranks: Vec<Vec<f64>>,
    /// Each model's mean rank over the used datasets.
    pub mean_ranks: Vec<f64>,
    /// Friedman's statistic, χ² with k − 1 degrees of freedom.
    pub friedman_chi2: f64,
    pub friedman_p: f64,
    /// Iman and Davenport's F form of it, less conservative (Demšar's choice),
    /// with k − 1 and (k − 1)(n − 1) degrees of freedom.
    pub iman_davenport_f: f64,
    pub iman_davenport_p: f64,
    /// Two models whose mean ranks differ by at least this differ at `alpha`
    /// (Nemenyi's test).
    pub critical_difference: f64,
    pub alpha: f64,
}

/// The ranks of `scores` (1 for the best; ties get the mean of the ranks
/// they span).
pub fn rank(scores: &[f64], higher_is_better: bool) -> Vec<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (scores[a], scores[b]);
        if higher_is_better {
            y.total_cmp(&x)
        } else {
            x.total_cmp(&y)
        }
    });
    let mut ranks = vec![0.0; scores.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share ranks start+1 ..= end.
        let shared = (start + 1 + end) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = shared;
        }
        start = end;
    }
    ranks
}

/// Ranks `k` models on each dataset (`scores[dataset][model]`, `None` where
/// a model has no score) and tests the ranks. None when fewer than two
/// datasets or two models are complete.
pub fn rank_test(
    scores: &[Vec<Option<f64>>],
    higher_is_better: bool,
    alpha: f64,
) -> Option<RankTest> {
    let complete: Vec<Vec<f64>> = scores
        .iter()
        .filter_map(|row| {
            row.iter()
                .map(|s| s.filter(|v| v.is_finite()))
                .collect::<Option<Vec<f64>>>()
        })
        .collect();
    let k = complete.first().map_or(0, Vec::len);
    let n = complete.len();
    if n < 2 || k < 2 {
        return None;
    }
    let ranks: Vec<Vec<f64>> = complete
        .iter()
        .map(|row| rank(row, higher_is_better))
        .collect();
    let mean_ranks: Vec<f64> = (0..k)
        .map(|model| ranks.iter().map(|row| row[model]).sum::<f64>() / n as f64)
        .collect();
    let (kf, nf) = (k as f64, n as f64);
    let sum_sq: f64 = mean_ranks.iter().map(|r| r * r).sum();
    let chi2 = 12.0 * nf / (kf * (kf + 1.0)) * (sum_sq - kf * (kf + 1.0).powi(2) / 4.0);
    let chi2 = chi2.max(0.0);
    let friedman_p = chi_square_upper(chi2, kf - 1.0);
    let (d1, d2) = (kf - 1.0, (kf - 1.0) * (nf - 1.0));
    let denominator = nf * (kf - 1.0) - chi2;
    let (f, f_p) = if denominator > 0.0 {
        let f = (nf - 1.0) * chi2 / denominator;
        (f, f_upper(f, d1, d2))
    } else {
        // Every dataset ranks the models the same way: as far from chance as it gets.
        (f64::INFINITY, 0.0)
    };
    Some(RankTest {
        datasets_used: n,
        ranks,
        mean_ranks,
        friedman_chi2: chi2,
        friedman_p,
        iman_davenport_f: f,
        iman_davenport_p: f_p,
        critical_difference: studentized_range_quantile(1.0 - alpha, k) / 2f64.sqrt()
            * (kf * (kf + 1.0) / (6.0 * nf)).sqrt(),
        alpha,
    })
}

/// P(X > x) for X ~ χ² with `df` degrees of freedom.
pub fn chi_square_upper(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_incomplete_gamma(df / 2.0, x / 2.0)
}

/// P(X > x) for X ~ F(d1, d2).
pub fn f_upper(x: f64, d1: f64, d2: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    crate::stats::regularized_incomplete_beta(d2 / (d2 + d1 * x), d2 / 2.0, d1 / 2.0)
}

/// Q(a, x), the regularized upper incomplete gamma function: a series
/// below a + 1, Lentz's continued fraction above (Numerical Recipes 6.2).
fn upper_incomplete_gamma(a: f64, x: f64) -> f64 {
    let ln_front = a * x.ln() - x - crate::stats::ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..500 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * ln_front.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (ln_front.exp() * h).clamp(0.0, 1.0)
    }
}

/// The standard normal distribution function, from erfc (W. J. Cody's
/// rational approximations are more than this needs; this is Numerical
/// Recipes' erfc, relative error below 1.2e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = -z / 2f64.sqrt();
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    erfc / 2.0
}

/// P(range of `k` standard normals ≤ w): k ∫ φ(z) [Φ(z + w) − Φ(z)]^(k−1) dz,
/// by Simpson's rule over ±8.
fn range_cdf(w: f64, k: usize) -> f64 {
    let steps = 2_000;
    let (low, high) = (-8.0, 8.0);
    let h = (high - low) / steps as f64;
    let f = |z: f64| {
        let density = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        density
            * (normal_cdf(z + w) - normal_cdf(z))
                .max(0.0)
                .powi(k as i32 - 1)
    };
    let mut sum = f(low) + f(high);
    for i in 1..steps {
        let weight = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += weight * f(low + i as f64 * h);
    }
    (k as f64 * sum * h / 3.0).clamp(0.0, 1.0)
}

/// The `p` quantile of the studentized range of `k` means with infinite
/// degrees of freedom, by bisection (Nemenyi's q is this over √2).
pub fn studentized_range_quantile(p: f64, k: usize) -> f64 {
    let (mut low, mut high) = (0.0, 20.0);
    for _ in 0..60 {
        let mid = (low + high) / 2.0;
        if range_cdf(mid, k) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
    (low + high) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(rank(&[0.9, 0.8, 0.9, 0.7], true), vec![1.5, 3.0, 1.5, 4.0]);
        assert_eq!(rank(&[3.0, 1.0, 2.0], false), vec![3.0, 1.0, 2.0]);
    }

    #[test]
    fn nemenyi_q_matches_demsar_table_5() {
        // Demšar (2006), table 5(a): q at α = 0.05 for 2 to 10 classifiers.
        let table = [
            1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164,
        ];
        for (k, expected) in (2..=10).zip(table) {
            let q = studentized_range_quantile(0.95, k) / 2f64.sqrt();
            assert!((q - expected).abs() < 2e-3, "k = {k}: {q} vs {expected}");
        }
        // α = 0.10, table 5(b).
        let q = studentized_range_quantile(0.90, 4) / 2f64.sqrt();
        assert!((q - 2.291).abs() < 2e-3, "{q}");
    }

    #[test]
    fn chi_square_tails_match_known_quantiles() {
        // χ²(0.95) quantiles: 3.841 for 1 df, 5.991 for 2, 7.815 for 3.
        for (x, df) in [(3.841, 1.0), (5.991, 2.0), (7.815, 3.0), (18.307, 10.0)] {
            let p = chi_square_upper(x, df);
            assert!((p - 0.05).abs() < 5e-4, "{x}, {df}: {p}");
        }
    }

    #[test]
    fn demsars_worked_example_is_reproduced() {
        // Demšar (2006), section 3.2.2: four C4.5 variants on fourteen
        // datasets, mean ranks 3.143, 2.000, 2.893 and 1.964, χ²F = 9.28,
        // FF = 3.69, CD = 1.25 at α = 0.05. These scores rank the same way
        // as his table 6 (the statistics depend on the ranks alone).
        let auc = [
            [0.763, 0.768, 0.771, 0.798],
            [0.599, 0.591, 0.590, 0.569],
            [0.954, 0.971, 0.968, 0.967],
            [0.628, 0.661, 0.654, 0.657],
            [0.882, 0.888, 0.886, 0.898],
            [0.936, 0.931, 0.916, 0.931],
            [0.661, 0.668, 0.609, 0.685],
            [0.583, 0.583, 0.563, 0.625],
            [0.775, 0.838, 0.866, 0.866],
            [1.000, 1.000, 1.000, 1.000],
            [0.940, 0.962, 0.965, 0.962],
            [0.619, 0.666, 0.614, 0.669],
            [0.972, 0.981, 0.975, 0.975],
            [0.957, 0.978, 0.946, 0.970],
        ];
        let scores: Vec<Vec<Option<f64>>> = auc
            .iter()
            .map(|row| row.iter().map(|&v| Some(v)).collect())
            .collect();
        let Some(test) = rank_test(&scores, true, 0.05) else {
            panic!("no test");
        };
        let expected = [3.143, 2.000, 2.893, 1.964];
        for (got, want) in test.mean_ranks.iter().zip(expected) {
            assert!((got - want).abs() < 1e-3, "{:?}", test.mean_ranks);
        }
        assert!(
            (test.friedman_chi2 - 9.28).abs() < 0.01,
            "{}",
            test.friedman_chi2
        );
        assert!(
            (test.iman_davenport_f - 3.69).abs() < 0.01,
            "{}",
            test.iman_davenport_f
        );
        // F(3, 39) at α = 0.05 is 2.85: the test rejects.
        assert!(test.iman_davenport_p < 0.05);
        assert!(
            (test.critical_difference - 1.25).abs() < 0.01,
            "{}",
            test.critical_difference
        );
    }

    #[test]
    fn a_dataset_missing_a_score_is_left_out_of_the_test() {
        let scores = vec![
            vec![Some(0.9), Some(0.8)],
            vec![Some(0.7), None],
            vec![Some(0.6), Some(0.5)],
        ];
        let test = rank_test(&scores, true, 0.05);
        assert_eq!(test.map(|t| t.datasets_used), Some(2));
        assert!(rank_test(&scores[..2], true, 0.05).is_none());
    }
}
