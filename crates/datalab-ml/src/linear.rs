//! Linear models of our own, where linfa's gave wrong answers on real data
//! (issue 16):
//!
//! - least squares that stays right when the design is singular (a one-hot
//!   column beside the intercept). linfa's QR has no pivoting, so its
//!   coefficients reached 1e14–1e18. Here the centred normal equations get a
//!   tiny ridge and iterative refinement: the solution converges to the
//!   minimum-norm least-squares one (what scikit-learn's `lstsq` gives),
//!   because every refinement step stays in the row space of the design;
//! - logistic regression by L-BFGS with a backtracking line search, on the
//!   loss averaged over rows, as scikit-learn's `lbfgs` solver. linfa's
//!   stalled on near-constant columns with the same gradient after 200 and
//!   10,000 iterations; this one converges there, so "raise max_iterations"
//!   is true advice when it is given.

use crate::watch::{Stopped, Watch};
use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

/// Ridge added to the normal equations, relative to their mean diagonal.
const RIDGE: f64 = 1e-10;
/// Refinement steps of the ridge solution towards least squares.
const REFINEMENTS: usize = 8;

/// `y ≈ x · coefficients + intercept`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeastSquares {
    pub coefficients: Vec<f64>,
    pub intercept: f64,
}

impl LeastSquares {
    pub fn fit(x: &Array2<f64>, y: &[f64]) -> Result<LeastSquares, String> {
        let (n, p) = x.dim();
        if n == 0 || y.len() != n {
            return Err("no training rows".into());
        }
        let means = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(p));
        let y_mean = y.iter().sum::<f64>() / n as f64;
        let centred = x - &means;
        let yc: Array1<f64> = y.iter().map(|v| v - y_mean).collect();
        let normal = centred.t().dot(&centred);
        let right = centred.t().dot(&yc);
        let scale = (0..p).map(|j| normal[[j, j]]).sum::<f64>() / p.max(1) as f64;
        let coefficients = if p == 0 || scale <= 0.0 {
            vec![0.0; p]
        } else {
            let mut damped = normal.clone();
            for j in 0..p {
                damped[[j, j]] += RIDGE * scale;
            }
            let factor = cholesky(&damped).ok_or_else(|| {
                "the normal equations could not be factored (a column holds NaN or infinity?)"
                    .to_string()
            })?;
            let mut w = factor.solve(right.as_slice().unwrap_or(&[]).to_vec());
            for _ in 0..REFINEMENTS {
                let residual = &right - &normal.dot(&Array1::from(w.clone()));
                let step = factor.solve(residual.to_vec());
                for (wi, si) in w.iter_mut().zip(step) {
                    *wi += si;
                }
            }
            w
        };
        let intercept = y_mean
            - means
                .iter()
                .zip(&coefficients)
                .map(|(m, w)| m * w)
                .sum::<f64>();
        Ok(LeastSquares {
            coefficients,
            intercept,
        })
    }

    pub fn predict(&self, x: &Array2<f64>) -> Vec<f64> {
        x.outer_iter()
            .map(|row| dot(row, &self.coefficients) + self.intercept)
            .collect()
    }
}

fn dot(row: ArrayView1<f64>, weights: &[f64]) -> f64 {
    row.iter().zip(weights).map(|(a, b)| a * b).sum()
}

/// The lower factor of a symmetric positive definite matrix.
struct Cholesky {
    lower: Array2<f64>,
}

fn cholesky(a: &Array2<f64>) -> Option<Cholesky> {
    let p = a.nrows();
    let mut lower = Array2::<f64>::zeros((p, p));
    for j in 0..p {
        let mut diagonal = a[[j, j]];
        for k in 0..j {
            diagonal -= lower[[j, k]] * lower[[j, k]];
        }
        if diagonal.is_nan() || diagonal <= 0.0 || !diagonal.is_finite() {
            return None;
        }
        let d = diagonal.sqrt();
        lower[[j, j]] = d;
        for i in j + 1..p {
            let mut v = a[[i, j]];
            for k in 0..j {
                v -= lower[[i, k]] * lower[[j, k]];
            }
            lower[[i, j]] = v / d;
        }
    }
    Some(Cholesky { lower })
}

impl Cholesky {
    fn solve(&self, mut b: Vec<f64>) -> Vec<f64> {
        let p = b.len();
        for i in 0..p {
            let (done, rest) = b.split_at_mut(i);
            let v = rest[0]
                - done
                    .iter()
                    .enumerate()
                    .map(|(k, bk)| self.lower[[i, k]] * bk)
                    .sum::<f64>();
            rest[0] = v / self.lower[[i, i]];
        }
        for i in (0..p).rev() {
            let (head, done) = b.split_at_mut(i + 1);
            let v = head[i]
                - done
                    .iter()
                    .enumerate()
                    .map(|(k, bk)| self.lower[[i + 1 + k, i]] * bk)
                    .sum::<f64>();
            head[i] = v / self.lower[[i, i]];
        }
        b
    }
}

/// Logistic regression: one weight vector (binary) or one per class
/// (multinomial, softmax), intercepts not penalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// `(features + 1) × outputs`; the last row holds the intercepts.
    weights: Array2<f64>,
    /// The classes the outputs stand for (classes absent from the training
    /// rows get probability 0).
    present: Vec<usize>,
    classes: usize,
    /// Solver iterations used.
    pub iterations: usize,
}

/// Why a logistic fit gave no model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogisticError {
    #[error(
        "did not converge in {iterations} iterations (largest gradient {gradient:.3e}, \
         tolerance {tolerance:.1e}); raise max_iterations"
    )]
    IterationLimit {
        iterations: usize,
        gradient: f64,
        tolerance: f64,
    },
    #[error(
        "the loss stopped decreasing with the largest gradient still {gradient:.3e}: \
         features are nearly collinear or badly scaled; raise alpha"
    )]
    Stalled { gradient: f64 },
    #[error("a feature holds NaN or infinity")]
    NotFinite,
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

/// Largest gradient entry at which the averaged loss counts as minimised,
/// unless a fit says otherwise (scikit-learn's `tol` defaults to 1e-4).
pub const LOGISTIC_TOLERANCE: f64 = 1e-8;

/// How a logistic regression is fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticSettings<'a> {
    /// L2 strength: the penalty is `alpha / (2n) × ‖w‖²` (`C = 1 / alpha`).
    pub alpha: f64,
    pub max_iterations: usize,
    /// Largest gradient entry at which the fit stops.
    pub tolerance: f64,
    /// `class_weights[class]` weighs each row of a class.
    pub class_weights: Option<&'a [f64]>,
}

impl Default for LogisticSettings<'_> {
    fn default() -> Self {
        LogisticSettings {
            alpha: 1.0,
            max_iterations: 1_000,
            tolerance: LOGISTIC_TOLERANCE,
            class_weights: None,
        }
    }
}
/// Past L-BFGS steps remembered.
const HISTORY: usize = 10;

struct LogisticProblem<'a> {
    /// The features, row-major (`p` a row).
    x: &'a [f64],
    p: usize,
    /// Compact class of each row, into `present`.
    y: Vec<usize>,
    /// Each row's weight (1 without class weights).
    weights: Vec<f64>,
    outputs: usize,
    alpha: f64,
}

impl LogisticProblem<'_> {
    /// Averaged loss and its gradient at `w` (flattened `(p+1) × outputs`:
    /// row j holds feature j's weight per output, the last row the
    /// intercepts). One pass over the rows: each row's scores, then its
    /// residuals added into the gradient, in row order (no matrix product,
    /// which would copy `x` into blocks at every evaluation).
    fn evaluate(&self, w: &[f64]) -> (f64, Vec<f64>) {
        let p = self.p;
        let m = self.outputs;
        // By output: each output's feature weights contiguous.
        let by_output: Vec<Vec<f64>> = (0..m)
            .map(|k| (0..p).map(|j| w[j * m + k]).collect())
            .collect();
        let mut gradient_by_output = vec![vec![0.0; p + 1]; m];
        let mut scores = vec![0.0; m];
        let mut loss = 0.0;
        for (i, (&label, &weight)) in self.y.iter().zip(&self.weights).enumerate() {
            let row = &self.x[i * p..(i + 1) * p];
            for (k, score) in scores.iter_mut().enumerate() {
                *score = dot_blocked(row, &by_output[k]) + w[p * m + k];
            }
            if m == 1 {
                let z = scores[0];
                // log(1 + e^z) - y z, stably.
                let softplus = if z > 0.0 {
                    z + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                };
                loss += weight * (softplus - if label == 1 { z } else { 0.0 });
                scores[0] = weight * (1.0 / (1.0 + (-z).exp()) - f64::from(label == 1));
            } else {
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = scores.iter().map(|z| (z - max).exp()).sum();
                let log_total = max + total.ln();
                loss += weight * (log_total - scores[label]);
                for (k, z) in scores.iter_mut().enumerate() {
                    *z = weight * ((*z - log_total).exp() - f64::from(k == label));
                }
            }
            // scores are now weighted residuals: probability minus indicator.
            for (residual, gradient) in scores.iter().zip(gradient_by_output.iter_mut()) {
                for (g, x) in gradient.iter_mut().zip(row) {
                    *g += residual * x;
                }
                gradient[p] += residual;
            }
        }
        // Averaged over the weights' sum, as scikit-learn's objective.
        let scale = 1.0 / self.weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let mut gradient = vec![0.0; (p + 1) * m];
        for (k, by_feature) in gradient_by_output.iter().enumerate() {
            for (j, g) in by_feature.iter().enumerate() {
                gradient[j * m + k] = g * scale;
            }
        }
        let mut penalty = 0.0;
        for (g, v) in gradient.iter_mut().zip(w).take(p * m) {
            penalty += v * v;
            *g += self.alpha * scale * v;
        }
        (loss * scale + 0.5 * self.alpha * scale * penalty, gradient)
    }
}

/// A dot product summed in four interleaved parts (then added in a fixed
/// order): the same result every time, without one long chain of additions.
fn dot_blocked(a: &[f64], b: &[f64]) -> f64 {
    let mut parts = [0.0; 4];
    let chunks = a.len() / 4 * 4;
    for (x, y) in a[..chunks].chunks_exact(4).zip(b[..chunks].chunks_exact(4)) {
        for i in 0..4 {
            parts[i] += x[i] * y[i];
        }
    }
    let mut rest = 0.0;
    for (x, y) in a[chunks..].iter().zip(&b[chunks..]) {
        rest += x * y;
    }
    (parts[0] + parts[1]) + (parts[2] + parts[3]) + rest
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, g| m.max(g.abs()))
}

fn dot_v(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Logistic {
    /// Minimises the averaged log loss plus `alpha / (2n) × ‖w‖²` (scikit-learn's
    /// objective with `C = 1 / alpha`). `watch` is asked every iteration.
    pub fn fit(
        x: &Array2<f64>,
        y: &[usize],
        classes: usize,
        settings: &LogisticSettings<'_>,
        watch: &Watch<'_>,
    ) -> Result<Logistic, LogisticError> {
        let LogisticSettings {
            alpha,
            max_iterations,
            tolerance,
            class_weights,
        } = *settings;
        if x.iter().any(|v| !v.is_finite()) {
            return Err(LogisticError::NotFinite);
        }
        let mut present: Vec<usize> = y.to_vec();
        present.sort_unstable();
        present.dedup();
        let p = x.ncols();
        if present.len() <= 1 {
            // One class only: it is certain; nothing to fit.
            return Ok(Logistic {
                weights: Array2::zeros((p + 1, 0)),
                present,
                classes,
                iterations: 0,
            });
        }
        let compact: Vec<usize> = y
            .iter()
            .map(|c| present.binary_search(c).unwrap_or(0))
            .collect();
        let outputs = if present.len() == 2 { 1 } else { present.len() };
        let standard = x.as_standard_layout();
        let rows: std::borrow::Cow<'_, [f64]> = match standard.as_slice() {
            Some(rows) => std::borrow::Cow::Borrowed(rows),
            None => std::borrow::Cow::Owned(standard.iter().copied().collect()),
        };
        let problem = LogisticProblem {
            x: &rows,
            p,
            y: compact,
            weights: y
                .iter()
                .map(|&c| class_weights.map_or(1.0, |w| w[c]))
                .collect(),
            outputs,
            alpha,
        };
        let mut w = vec![0.0; (p + 1) * outputs];
        let (mut loss, mut gradient) = problem.evaluate(&w);
        let mut steps: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
            std::collections::VecDeque::with_capacity(HISTORY);
        let mut iterations = 0;
        loop {
            let largest = max_abs(&gradient);
            if largest <= tolerance {
                break;
            }
            if iterations >= max_iterations {
                return Err(LogisticError::IterationLimit {
                    iterations,
                    gradient: largest,
                    tolerance,
                });
            }
            watch.check()?;
            watch.step(iterations as u64, max_iterations as u64);
            iterations += 1;
            // Two-loop recursion: direction = -H·g.
            let mut q = gradient.clone();
            let mut alphas = Vec::with_capacity(steps.len());
            for (s, yv, rho) in steps.iter().rev() {
                let a = rho * dot_v(s, &q);
                for (qi, yi) in q.iter_mut().zip(yv) {
                    *qi -= a * yi;
                }
                alphas.push(a);
            }
            let gamma = steps.back().map_or(1.0 / largest.max(1.0), |(s, yv, _)| {
                dot_v(s, yv) / dot_v(yv, yv)
            });
            q.iter_mut().for_each(|v| *v *= gamma);
            for ((s, yv, rho), a) in steps.iter().zip(alphas.into_iter().rev()) {
                let b = rho * dot_v(yv, &q);
                for (qi, si) in q.iter_mut().zip(s) {
                    *qi += (a - b) * si;
                }
            }
            let direction: Vec<f64> = q.iter().map(|v| -v).collect();
            let mut slope = dot_v(&direction, &gradient);
            let direction = if slope < 0.0 {
                direction
            } else {
                // Not a descent direction (curvature lost): restart from the gradient.
                steps.clear();
                slope = -dot_v(&gradient, &gradient);
                gradient.iter().map(|g| -g / largest.max(1.0)).collect()
            };
            // Backtracking line search (Armijo).
            let mut step = 1.0;
            let mut accepted = None;
            for _ in 0..60 {
                let candidate: Vec<f64> = w
                    .iter()
                    .zip(&direction)
                    .map(|(a, d)| a + step * d)
                    .collect();
                let (value, next_gradient) = problem.evaluate(&candidate);
                if value.is_finite() && value <= loss + 1e-4 * step * slope {
                    accepted = Some((candidate, value, next_gradient));
                    break;
                }
                step *= 0.5;
            }
            let Some((candidate, value, next_gradient)) = accepted else {
                // No decrease is representable any more: the minimum within
                // double precision, unless the gradient says otherwise.
                if largest <= 1e-4 {
                    break;
                }
                return Err(LogisticError::Stalled { gradient: largest });
            };
            let s: Vec<f64> = candidate.iter().zip(&w).map(|(a, b)| a - b).collect();
            let yv: Vec<f64> = next_gradient
                .iter()
                .zip(&gradient)
                .map(|(a, b)| a - b)
                .collect();
            let curvature = dot_v(&s, &yv);
            if curvature > 1e-12 * dot_v(&s, &s).sqrt() * dot_v(&yv, &yv).sqrt() {
                if steps.len() == HISTORY {
                    steps.pop_front();
                }
                steps.push_back((s, yv, 1.0 / curvature));
            }
            let decrease = loss - value;
            w = candidate;
            loss = value;
            gradient = next_gradient;
            if decrease <= f64::EPSILON * loss.abs().max(1.0) && max_abs(&gradient) <= 1e-4 {
                break;
            }
        }
        Ok(Logistic {
            weights: Array2::from_shape_vec((p + 1, outputs), w)
                .unwrap_or_else(|_| Array2::zeros((p + 1, outputs))),
            present,
            classes,
            iterations,
        })
    }

    /// `probabilities[row][class]` over every class of the task.
    pub fn probabilities(&self, x: &Array2<f64>) -> Vec<Vec<f64>> {
        let p = self.weights.nrows().saturating_sub(1);
        let outputs = self.weights.ncols();
        x.outer_iter()
            .map(|row| {
                let mut out = vec![0.0; self.classes.max(self.present.len())];
                if outputs == 0 {
                    if let Some(&only) = self.present.first() {
                        out[only] = 1.0;
                    }
                    return out;
                }
                let scores: Vec<f64> = (0..outputs)
                    .map(|k| {
                        (0..p.min(row.len()))
                            .map(|j| row[j] * self.weights[[j, k]])
                            .sum::<f64>()
                            + self.weights[[p, k]]
                    })
                    .collect();
                if outputs == 1 {
                    let positive = 1.0 / (1.0 + (-scores[0]).exp());
                    out[self.present[0]] = 1.0 - positive;
                    out[self.present[1]] = positive;
                } else {
                    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let exp: Vec<f64> = scores.iter().map(|z| (z - max).exp()).collect();
                    let total: f64 = exp.iter().sum();
                    for (k, e) in exp.iter().enumerate() {
                        out[self.present[k]] = e / total;
                    }
                }
                out
            })
            .collect()
    }

    /// Every weight and intercept.
    pub fn parameters(&self) -> impl Iterator<Item = &f64> {
        self.weights.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_is_exact_on_a_full_rank_design() -> Result<(), String> {
        let x = Array2::from_shape_vec((4, 2), vec![1., 0., 2., 1., 3., 5., 4., 2.])
            .map_err(|e| e.to_string())?;
        let y: Vec<f64> = x
            .outer_iter()
            .map(|r| 2.0 * r[0] - 3.0 * r[1] + 0.5)
            .collect();
        let fit = LeastSquares::fit(&x, &y)?;
        assert!((fit.coefficients[0] - 2.0).abs() < 1e-9);
        assert!((fit.coefficients[1] + 3.0).abs() < 1e-9);
        assert!((fit.intercept - 0.5).abs() < 1e-9);
        Ok(())
    }

    /// Two one-hot columns that always sum to one, beside the intercept: the
    /// design is singular. The answer is the minimum-norm one (the two
    /// category effects equal and opposite), and predictions are the group means.
    #[test]
    fn a_singular_design_gives_the_minimum_norm_solution() -> Result<(), String> {
        let rows = [
            (1.0, 0.0, 10.0),
            (1.0, 0.0, 12.0),
            (0.0, 1.0, 20.0),
            (0.0, 1.0, 22.0),
        ];
        let x = Array2::from_shape_vec((4, 2), rows.iter().flat_map(|r| [r.0, r.1]).collect())
            .map_err(|e| e.to_string())?;
        let y: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let fit = LeastSquares::fit(&x, &y)?;
        assert!((fit.coefficients[0] + 5.0).abs() < 1e-6, "{fit:?}");
        assert!((fit.coefficients[1] - 5.0).abs() < 1e-6, "{fit:?}");
        let predicted = fit.predict(&x);
        for (p, want) in predicted.iter().zip([11.0, 11.0, 21.0, 21.0]) {
            assert!((p - want).abs() < 1e-6);
        }
        // A row with neither category (a missing value) gets the overall mean.
        let none = Array2::zeros((1, 2));
        assert!((fit.predict(&none)[0] - 16.0).abs() < 1e-6);
        Ok(())
    }

    /// A near-constant column (one row in 1,500 differs, so its standardised
    /// values reach 38) beside informative ones: L-BFGS converges.
    #[test]
    fn logistic_converges_with_a_near_constant_column() -> Result<(), LogisticError> {
        let mut rng = crate::rng::SplitMix64::new(1);
        let n = 1_500;
        let mut values = Vec::with_capacity(n * 3);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (rng.unit() * 2.0 - 1.0, rng.unit() * 2.0 - 1.0);
            let rare = if i == 7 { 38.7 } else { -0.026 };
            values.extend([a, b, rare]);
            y.push(usize::from(a + 0.5 * b + 0.3 * (rng.unit() - 0.5) > 0.0));
        }
        let x = Array2::from_shape_vec((n, 3), values).unwrap_or_else(|_| Array2::zeros((n, 3)));
        let fit = Logistic::fit(&x, &y, 2, &LogisticSettings::default(), &Watch::unwatched())?;
        assert!(fit.iterations < 1_000);
        let probabilities = fit.probabilities(&x);
        let correct = probabilities
            .iter()
            .zip(&y)
            .filter(|(p, label)| usize::from(p[1] > 0.5) == **label)
            .count();
        assert!(correct as f64 / n as f64 > 0.9);
        Ok(())
    }

    #[test]
    fn multinomial_probabilities_sum_to_one_and_absent_classes_get_none()
    -> Result<(), LogisticError> {
        let x = Array2::from_shape_vec((6, 1), vec![0., 0.1, 1., 1.1, 2., 2.1])
            .unwrap_or_else(|_| Array2::zeros((6, 1)));
        let y = [0, 0, 1, 1, 3, 3];
        let fit = Logistic::fit(
            &x,
            &y,
            4,
            &LogisticSettings {
                alpha: 0.1,
                ..LogisticSettings::default()
            },
            &Watch::unwatched(),
        )?;
        for (row, label) in fit.probabilities(&x).iter().zip(y) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(row[2], 0.0);
            let best = row
                .iter()
                .enumerate()
                .fold((0, -1.0), |b, (k, &p)| if p > b.1 { (k, p) } else { b });
            assert_eq!(best.0, label);
        }
        Ok(())
    }
}
