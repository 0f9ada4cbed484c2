//! The metrics, shared by local runs and vendor evaluations so both are
//! scored by the same code. Classes are 0-based indices into a label list.

use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class): rows are the truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    pub fn new(truth: &[usize], predicted: &[usize], classes: usize) -> Self {
        let mut counts = vec![vec![0u64; classes]; classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            if t < classes && p < classes {
                counts[t][p] += 1;
            }
        }
        ConfusionMatrix { counts }
    }

    /// The rows whose true class is `class`.
    pub fn support(&self, class: usize) -> f64 {
        self.counts[class].iter().sum::<u64>() as f64
    }
}

/// A curve as points; for ROC (false positive rate, true positive rate),
/// for precision-recall (recall, precision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    pub accuracy: f64,
    pub precision_macro: f64,
    pub recall_macro: f64,
    pub f1_macro: f64,
    pub precision_weighted: f64,
    pub recall_weighted: f64,
    pub f1_weighted: f64,
    /// Binary: of class 1. Multi-class: the macro average of one-vs-rest.
    /// None without probabilities, or when a class is absent from the truth.
    pub roc_auc: Option<f64>,
    pub log_loss: Option<f64>,
    pub confusion: ConfusionMatrix,
    /// Binary only: class 1 against class 0.
    pub roc_curve: Option<Curve>,
    pub pr_curve: Option<Curve>,
    /// Binary only: the positive class's precision, recall and F1 (class 1
    /// unless a decision threshold names another), and the threshold it was
    /// decided at, when there is one. Absent in runs scored before issue 16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<Box<PositiveClass>>,
}

/// One class's scores against the rest, for binary tasks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PositiveClass {
    pub class: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

impl PositiveClass {
    /// `class`'s scores against the rest in `confusion` (zero where
    /// undefined, as scikit-learn's zero_division=0): what every class's
    /// macro and weighted averages are made of too.
    pub fn of(confusion: &ConfusionMatrix, class: usize, threshold: Option<f64>) -> Self {
        let tp = confusion.counts[class][class] as f64;
        let predicted = confusion.counts.iter().map(|row| row[class]).sum::<u64>() as f64;
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, confusion.support(class));
        PositiveClass {
            class,
            precision,
            recall,
            f1: ratio(2.0 * precision * recall, precision + recall),
            threshold,
        }
    }
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}

/// Scores class predictions; `probabilities[row][class]` when the model gives them.
pub fn classification(
    truth: &[usize],
    predicted: &[usize],
    probabilities: Option<&[Vec<f64>]>,
    classes: usize,
) -> ClassificationMetrics {
    let confusion = ConfusionMatrix::new(truth, predicted, classes);
    let n = truth.len() as f64;
    let correct: u64 = (0..classes).map(|c| confusion.counts[c][c]).sum();
    let mut macro_sums = (0.0, 0.0, 0.0);
    let mut weighted_sums = (0.0, 0.0, 0.0);
    for c in 0..classes {
        let PositiveClass {
            precision,
            recall,
            f1,
            ..
        } = PositiveClass::of(&confusion, c, None);
        let support = confusion.support(c);
        macro_sums = (
            macro_sums.0 + precision,
            macro_sums.1 + recall,
            macro_sums.2 + f1,
        );
        weighted_sums = (
            weighted_sums.0 + precision * support,
            weighted_sums.1 + recall * support,
            weighted_sums.2 + f1 * support,
        );
    }
    let k = classes.max(1) as f64;
    let (roc_auc, log_loss, roc_curve, pr_curve) = match probabilities {
        Some(p) if p.len() == truth.len() && !p.is_empty() => {
            let auc = if classes == 2 {
                let scores: Vec<f64> = p
                    .iter()
                    .map(|row| row.get(1).copied().unwrap_or(0.0))
                    .collect();
                let positive: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
                binary_auc(&scores, &positive)
            } else {
                let per_class: Option<Vec<f64>> = (0..classes)
                    .map(|c| {
                        let scores: Vec<f64> = p
                            .iter()
                            .map(|row| row.get(c).copied().unwrap_or(0.0))
                            .collect();
                        let positive: Vec<bool> = truth.iter().map(|&t| t == c).collect();
                        binary_auc(&scores, &positive)
                    })
                    .collect();
                per_class.map(|aucs| aucs.iter().sum::<f64>() / aucs.len() as f64)
            };
            let loss = truth
                .iter()
                .zip(p)
                .map(|(&t, row)| -row.get(t).copied().unwrap_or(0.0).clamp(1e-15, 1.0).ln())
                .sum::<f64>()
                / n;
            let curves = if classes == 2 {
                let scores: Vec<f64> = p
                    .iter()
                    .map(|row| row.get(1).copied().unwrap_or(0.0))
                    .collect();
                let positive: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
                curves(&scores, &positive)
            } else {
                None
            };
            let (roc, pr) = curves.unzip();
            (auc, Some(loss), roc, pr)
        }
        _ => (None, None, None, None),
    };
    ClassificationMetrics {
        accuracy: ratio(correct as f64, n),
        precision_macro: macro_sums.0 / k,
        recall_macro: macro_sums.1 / k,
        f1_macro: macro_sums.2 / k,
        precision_weighted: ratio(weighted_sums.0, n),
        recall_weighted: ratio(weighted_sums.1, n),
        f1_weighted: ratio(weighted_sums.2, n),
        roc_auc,
        log_loss,
        positive: (classes == 2).then(|| Box::new(PositiveClass::of(&confusion, 1, None))),
        confusion,
        roc_curve,
        pr_curve,
    }
}

/// Area under the ROC curve as the Mann-Whitney statistic: the chance that a
/// positive row scores above a negative one, ties counting half.
fn binary_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut positives) = (0.0, 0u64);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Tied scores share the mean of their ranks (1-based).
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        for &row in &order[i..=j] {
            if positive[row] {
                rank_sum += mean_rank;
                positives += 1;
            }
        }
        i = j + 1;
    }
    let negatives = scores.len() as u64 - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let (p, q) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// ROC and precision-recall points, one per distinct threshold, highest first.
fn curves(scores: &[f64], positive: &[bool]) -> Option<(Curve, Curve)> {
    let total_positive = positive.iter().filter(|&&p| p).count() as f64;
    let total_negative = positive.len() as f64 - total_positive;
    if total_positive == 0.0 || total_negative == 0.0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut roc = Curve {
        x: vec![0.0],
        y: vec![0.0],
    };
    let mut pr = Curve {
        x: vec![0.0],
        y: vec![1.0],
    };
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &row) in order.iter().enumerate() {
        if positive[row] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_threshold = order
            .get(k + 1)
            .is_none_or(|&next| scores[next] != scores[row]);
        if last_of_threshold {
            roc.x.push(fp / total_negative);
            roc.y.push(tp / total_positive);
            pr.x.push(tp / total_positive);
            pr.y.push(tp / (tp + fp));
        }
    }
    Some((roc, pr))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub rmse: f64,
    pub mae: f64,
    /// 1 - residual sum of squares / total sum of squares (can be negative).
    pub r2: f64,
    /// Truth minus prediction, per test row (in the order of the predictions).
    #[serde(default)]
    pub residuals: Vec<f64>,
}

/// Scores numeric predictions.
pub fn regression(truth: &[f64], predicted: &[f64]) -> RegressionMetrics {
    let n = truth.len().max(1) as f64;
    let mean = truth.iter().sum::<f64>() / n;
    let (mut squared, mut absolute, mut total) = (0.0, 0.0, 0.0);
    for (&t, &p) in truth.iter().zip(predicted) {
        squared += (t - p) * (t - p);
        absolute += (t - p).abs();
        total += (t - mean) * (t - mean);
    }
    RegressionMetrics {
        rmse: (squared / n).sqrt(),
        mae: absolute / n,
        r2: if total == 0.0 {
            0.0
        } else {
            1.0 - squared / total
        },
        residuals: truth.iter().zip(predicted).map(|(t, p)| t - p).collect(),
    }
}

/// Mean silhouette coefficient of a clustering (Euclidean), over the rows
/// given; rows in a cluster of their own score 0, as in scikit-learn.
pub fn silhouette(points: &[Vec<f64>], labels: &[usize]) -> Option<f64> {
    let clusters = labels.iter().copied().max()? + 1;
    if clusters < 2 || points.len() < 2 {
        return None;
    }
    let distance = |a: &[f64], b: &[f64]| -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt()
    };
    let sizes = labels.iter().fold(vec![0usize; clusters], |mut s, &l| {
        s[l] += 1;
        s
    });
    let mut total = 0.0;
    for (i, point) in points.iter().enumerate() {
        let own = labels[i];
        if sizes[own] <= 1 {
            continue;
        }
        let mut sums = vec![0.0; clusters];
        for (j, other) in points.iter().enumerate() {
            if i != j {
                sums[labels[j]] += distance(point, other);
            }
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..clusters)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    Some(total / points.len() as f64)
}

/// Sum of squared distances of rows to their cluster's centroid (scikit-learn's inertia).
pub fn inertia(points: &[Vec<f64>], labels: &[usize]) -> f64 {
    let Some(clusters) = labels.iter().copied().max().map(|m| m + 1) else {
        return 0.0;
    };
    let width = points.first().map_or(0, |p| p.len());
    let mut centroids = vec![vec![0.0; width]; clusters];
    let mut sizes = vec![0usize; clusters];
    for (point, &label) in points.iter().zip(labels) {
        sizes[label] += 1;
        for (c, x) in centroids[label].iter_mut().zip(point) {
            *c += x;
        }
    }
    for (centroid, &size) in centroids.iter_mut().zip(&sizes) {
        for c in centroid.iter_mut() {
            *c /= size.max(1) as f64;
        }
    }
    points
        .iter()
        .zip(labels)
        .map(|(p, &l)| {
            p.iter()
                .zip(&centroids[l])
                .map(|(x, c)| (x - c) * (x - c))
                .sum::<f64>()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn classification_matches_scikit_learn() {
        // sklearn: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1]
        // precision_recall_fscore_support(average='macro') = (0.2222, 0.3333, 0.2667)
        let m = classification(&[0, 1, 2, 0, 1, 2], &[0, 2, 1, 0, 0, 1], None, 3);
        assert!(close(m.accuracy, 2.0 / 6.0));
        assert!(close(m.precision_macro, 2.0 / 9.0));
        assert!(close(m.recall_macro, 1.0 / 3.0));
        assert!(close(m.f1_macro, 0.8 / 3.0));
        assert_eq!(m.confusion.counts[0], vec![2, 0, 0]);
        assert_eq!(m.confusion.counts[1], vec![1, 0, 1]);
    }

    #[test]
    fn auc_and_log_loss_match_scikit_learn() {
        // sklearn: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) == 0.75
        let p: Vec<Vec<f64>> = [0.1, 0.4, 0.35, 0.8]
            .iter()
            .map(|&s| vec![1.0 - s, s])
            .collect();
        let m = classification(&[0, 0, 1, 1], &[0, 0, 0, 1], Some(&p), 2);
        assert!(m.roc_auc.is_some_and(|a| close(a, 0.75)), "{:?}", m.roc_auc);
        // log_loss([0,0,1,1], p) == 0.47228795...
        assert!(
            m.log_loss.is_some_and(|l| (l - 0.472_287_95).abs() < 1e-6),
            "{:?}",
            m.log_loss
        );
        let roc = m.roc_curve.unwrap_or(Curve {
            x: vec![],
            y: vec![],
        });
        assert_eq!(roc.x, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(roc.y, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn regression_matches_scikit_learn() {
        // sklearn: y_true=[3,-0.5,2,7], y_pred=[2.5,0,2,8]: r2 0.9486..., MAE 0.5, MSE 0.375
        let m = regression(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]);
        assert!((m.r2 - 0.948_608_137).abs() < 1e-8);
        assert!(close(m.mae, 0.5));
        assert!(close(m.rmse, 0.375f64.sqrt()));
    }

    #[test]
    fn clustering_scores() {
        let points = vec![vec![0.0], vec![1.0], vec![10.0], vec![11.0]];
        let labels = [0, 0, 1, 1];
        // a = 1, b = 10 (row 0: mean of 10 and 11 = 10.5; row 1: 9.5 ...)
        let s = silhouette(&points, &labels).unwrap_or(f64::NAN);
        let expected = ((1.0 - 1.0 / 10.5) + (1.0 - 1.0 / 9.5) * 2.0 + (1.0 - 1.0 / 10.5)) / 4.0;
        assert!(close(s, expected), "{s} vs {expected}");
        assert!(close(inertia(&points, &labels), 1.0));
    }
}
