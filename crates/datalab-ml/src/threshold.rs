//! Decision thresholds for binary classifiers: instead of the most probable
//! class, a row is positive when the positive class's probability reaches a
//! threshold chosen for a goal (the best F1, or the best recall at a
//! precision the user needs).
//!
//! The threshold is chosen from out-of-fold probabilities, never from the
//! rows it is scored on: fold k is scored at the threshold the *other*
//! folds' probabilities choose (cross-fitting, so the fold metrics stay
//! honest), and the model a run keeps decides at the threshold all folds'
//! probabilities choose together.

use crate::models::Predictions;
use serde::{Deserialize, Serialize};

/// What a threshold is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMetric {
    /// The highest F1 of the positive class.
    F1,
    /// The highest recall of the positive class whose precision is at least
    /// `precision`.
    RecallAtPrecision,
}

/// A spec's `[task.threshold]`: how a binary classifier decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    pub metric: ThresholdMetric,
    /// The precision to reach, for `recall_at_precision` (above 0, at most 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// The positive class's label; by default the second label in sorted
    /// order (the class ROC and PR curves are drawn for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
}

/// How a fitted binary classifier decides: `positive` (a class index) when
/// its probability is at least `threshold`, else the other class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Decision {
    pub positive: usize,
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    #[error(
        "a decision threshold is for two classes, but the target has {classes}: remove [task.threshold]"
    )]
    NotBinary { classes: usize },
    #[error("the positive class {label:?} is not a class of the target (its classes: {labels})")]
    UnknownPositive { label: String, labels: String },
    #[error(
        "{model} gives no probabilities, and a decision threshold needs them: choose a model that does, or remove [task.threshold]"
    )]
    NoProbabilities { model: String },
    #[error("the out-of-fold rows hold no row of the positive class {label:?}")]
    NoPositives { label: String },
    #[error(
        "no threshold reaches precision {wanted} on the out-of-fold rows (the best is {best:.4}): lower the precision, or choose another model"
    )]
    UnreachablePrecision { wanted: f64, best: f64 },
}

impl ThresholdRule {
    /// What is wrong with the rule, said for the spec's author.
    pub fn problem(&self) -> Option<String> {
        match (self.metric, self.precision) {
            (ThresholdMetric::F1, Some(_)) => Some(
                "task.threshold.precision is for metric = \"recall_at_precision\"; remove it, or change the metric".into(),
            ),
            (ThresholdMetric::RecallAtPrecision, None) => Some(
                "task.threshold.metric = \"recall_at_precision\" needs a precision, such as precision = 0.9".into(),
            ),
            (ThresholdMetric::RecallAtPrecision, Some(p)) if !(p > 0.0 && p <= 1.0) => Some(format!(
                "task.threshold.precision must be above 0 and at most 1, not {p}"
            )),
            _ => None,
        }
    }

    /// The metric the rule optimises: what a search over models should
    /// optimise too.
    pub fn objective(&self) -> &'static str {
        match self.metric {
            ThresholdMetric::F1 => "f1",
            ThresholdMetric::RecallAtPrecision => "recall",
        }
    }

    /// The positive class's index among the target's (sorted) `labels`.
    pub fn positive_of(&self, labels: &[String]) -> Result<usize, ThresholdError> {
        if labels.len() != 2 {
            return Err(ThresholdError::NotBinary {
                classes: labels.len(),
            });
        }
        match &self.positive {
            None => Ok(1),
            Some(label) => labels.iter().position(|l| l == label).ok_or_else(|| {
                ThresholdError::UnknownPositive {
                    label: label.clone(),
                    labels: labels.join(", "),
                }
            }),
        }
    }

    /// The threshold for `scored` rows, each the positive class's
    /// probability and whether the row is positive. A row is decided
    /// positive when its probability is at least the threshold; the
    /// threshold lies halfway between the probabilities it separates, so
    /// rows near it are not decided by the last digit.
    pub fn choose(&self, scored: &[(f64, bool)], positive: &str) -> Result<f64, ThresholdError> {
        let positives = scored.iter().filter(|(_, p)| *p).count();
        if positives == 0 {
            return Err(ThresholdError::NoPositives {
                label: positive.to_string(),
            });
        }
        let mut order: Vec<(f64, bool)> = scored.to_vec();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut tp, mut fp) = (0usize, 0usize);
        // The best (score, threshold) so far; the first best wins, which is
        // the highest threshold among equals.
        let mut best: Option<(f64, f64)> = None;
        let mut best_precision = 0.0f64;
        let mut i = 0;
        while i < order.len() {
            let value = order[i].0;
            while i < order.len() && order[i].0 == value {
                if order[i].1 {
                    tp += 1;
                } else {
                    fp += 1;
                }
                i += 1;
            }
            let threshold = order.get(i).map_or(value, |next| (value + next.0) / 2.0);
            let precision = tp as f64 / (tp + fp) as f64;
            best_precision = best_precision.max(precision);
            let score = match self.metric {
                ThresholdMetric::F1 => 2.0 * tp as f64 / (tp + fp + positives) as f64,
                ThresholdMetric::RecallAtPrecision => {
                    let wanted = self.precision.unwrap_or(1.0);
                    // A tolerance for precisions such as 0.9 that are not exact in binary.
                    if precision + 1e-12 < wanted {
                        continue;
                    }
                    tp as f64 / positives as f64
                }
            };
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, threshold));
            }
        }
        best.map(|(_, t)| t)
            .ok_or(ThresholdError::UnreachablePrecision {
                wanted: self.precision.unwrap_or(1.0),
                best: best_precision,
            })
    }
}

impl Decision {
    /// The class decided for a row with these class probabilities.
    pub fn decide(&self, probabilities: &[f64]) -> usize {
        let p = probabilities.get(self.positive).copied().unwrap_or(0.0);
        if p >= self.threshold {
            self.positive
        } else {
            1 - self.positive.min(1)
        }
    }

    /// Decides every row of `predictions` that has class probabilities.
    pub fn apply(&self, predictions: &mut Predictions) {
        if let Predictions::Classes {
            predicted,
            probabilities: Some(probabilities),
        } = predictions
        {
            *predicted = probabilities.iter().map(|p| self.decide(p)).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(metric: ThresholdMetric, precision: Option<f64>) -> ThresholdRule {
        ThresholdRule {
            metric,
            precision,
            positive: None,
        }
    }

    /// Descending: 0.9 P, 0.8 N, 0.7 P, 0.4 P, 0.2 N, 0.1 N.
    const SCORED: [(f64, bool); 6] = [
        (0.9, true),
        (0.8, false),
        (0.7, true),
        (0.4, true),
        (0.2, false),
        (0.1, false),
    ];

    #[test]
    fn the_f1_threshold_separates_the_rows_that_give_the_best_f1() -> Result<(), ThresholdError> {
        // Taking the top three gives tp 2, fp 1: F1 4/6; the top four tp 3,
        // fp 1: F1 6/7.
        let t = rule(ThresholdMetric::F1, None).choose(&SCORED, "yes")?;
        assert!((t - 0.3).abs() < 1e-12, "{t}");
        Ok(())
    }

    #[test]
    fn recall_at_precision_keeps_the_precision_and_says_when_it_cannot() {
        let scored = SCORED;
        let full = rule(ThresholdMetric::RecallAtPrecision, Some(1.0));
        let near = |got: Result<f64, ThresholdError>, want: f64| {
            got.is_ok_and(|t| (t - want).abs() < 1e-12)
        };
        assert!(near(full.choose(&scored, "yes"), 0.85));
        let three_quarters = rule(ThresholdMetric::RecallAtPrecision, Some(0.75));
        assert!(near(three_quarters.choose(&scored, "yes"), 0.3));
        let none = [(0.9, false), (0.5, true)];
        assert_eq!(
            full.choose(&none, "yes"),
            Err(ThresholdError::UnreachablePrecision {
                wanted: 1.0,
                best: 0.5
            })
        );
    }

    #[test]
    fn tied_probabilities_are_decided_together() -> Result<(), ThresholdError> {
        let scored = [(0.5, true), (0.5, false), (0.5, true), (0.1, false)];
        let t = rule(ThresholdMetric::F1, None).choose(&scored, "yes")?;
        assert!((t - 0.3).abs() < 1e-12);
        let decision = Decision {
            positive: 0,
            threshold: t,
        };
        assert_eq!(decision.decide(&[0.5, 0.5]), 0);
        assert_eq!(decision.decide(&[0.1, 0.9]), 1);
        Ok(())
    }

    #[test]
    fn a_rule_says_what_is_wrong_with_it() {
        assert!(rule(ThresholdMetric::F1, Some(0.9)).problem().is_some());
        assert!(
            rule(ThresholdMetric::RecallAtPrecision, None)
                .problem()
                .is_some()
        );
        assert!(
            rule(ThresholdMetric::RecallAtPrecision, Some(1.5))
                .problem()
                .is_some()
        );
        assert!(
            rule(ThresholdMetric::RecallAtPrecision, Some(0.9))
                .problem()
                .is_none()
        );
        let labels = ["no".to_string(), "yes".to_string()];
        let named = ThresholdRule {
            positive: Some("maybe".into()),
            ..rule(ThresholdMetric::F1, None)
        };
        assert!(matches!(
            named.positive_of(&labels),
            Err(ThresholdError::UnknownPositive { .. })
        ));
        assert_eq!(rule(ThresholdMetric::F1, None).positive_of(&labels), Ok(1));
    }
}
