//! Chart maths: what a run's charts show, ready to draw (the confusion
//! matrix summed over folds, the ROC and precision-recall curves of each
//! fold, residuals), with long series downsampled by
//! Largest-Triangle-Three-Buckets (LTTB), so a chart never receives more
//! points than it has pixels to draw them.

use crate::models::Predictions;
use crate::trial::{FoldResult, Metrics};
use serde::{Deserialize, Serialize};

/// The most points a series keeps on its way to a chart.
pub const MAX_CHART_POINTS: usize = 2_000;

/// One line of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Series {
    pub name: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Points before downsampling.
    pub points: usize,
}

impl Series {
    /// The series, downsampled to at most `max_points` with LTTB.
    pub fn downsampled(name: impl Into<String>, x: &[f64], y: &[f64], max_points: usize) -> Self {
        let keep = lttb(x, y, max_points);
        Series {
            name: name.into(),
            x: keep.iter().map(|&i| x[i]).collect(),
            y: keep.iter().map(|&i| y[i]).collect(),
            points: x.len().min(y.len()),
        }
    }
}

/// What a run's charts show, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Charts {
    /// Class names, in the confusion matrix's order (classifiers only).
    pub classes: Vec<String>,
    /// `confusion[truth][predicted]`, summed over the folds.
    pub confusion: Option<Vec<Vec<u64>>>,
    /// One curve per fold (binary and multiclass: one-vs-rest micro average, as metrics computes it).
    pub roc: Vec<Series>,
    pub precision_recall: Vec<Series>,
    /// Regressors: residual (truth − prediction) by prediction, one series per
    /// fold, sorted by prediction and downsampled keeping the extremes.
    pub residuals: Vec<Series>,
}

/// Indices of the points LTTB keeps: the first, the last, and from each of
/// `threshold - 2` buckets the point making the largest triangle with the
/// previous kept point and the next bucket's average. All points when there
/// are no more than `threshold` (or `threshold` < 3).
pub fn lttb(x: &[f64], y: &[f64], threshold: usize) -> Vec<usize> {
    let n = x.len().min(y.len());
    if threshold >= n || threshold < 3 {
        return (0..n).collect();
    }
    let every = (n - 2) as f64 / (threshold - 2) as f64;
    let mut kept = Vec::with_capacity(threshold);
    kept.push(0);
    let mut a = 0;
    for bucket in 0..threshold - 2 {
        // This bucket's candidates, and the next bucket, whose average is the third corner.
        let start = (bucket as f64 * every) as usize + 1;
        let end = (((bucket + 1) as f64 * every) as usize + 1).min(n - 1);
        let next_end = (((bucket + 2) as f64 * every) as usize + 1).min(n);
        let next = end..next_end.max(end + 1);
        let count = next.len() as f64;
        let (sum_x, sum_y) = next.fold((0.0, 0.0), |(sx, sy), i| (sx + x[i], sy + y[i]));
        let (avg_x, avg_y) = (sum_x / count, sum_y / count);
        let (ax, ay) = (x[a], y[a]);
        let mut best = start;
        let mut best_area = -1.0;
        for i in start..end.max(start + 1) {
            let area = ((ax - avg_x) * (y[i] - ay) - (ax - x[i]) * (avg_y - ay)).abs();
            if area > best_area {
                best_area = area;
                best = i;
            }
        }
        kept.push(best);
        a = best;
    }
    kept.push(n - 1);
    kept
}

/// The charts of a run's folds: confusion matrices summed, curves and
/// residuals downsampled to [`MAX_CHART_POINTS`].
pub fn charts_of(folds: &[FoldResult], classes: Vec<String>) -> Charts {
    let mut confusion: Option<Vec<Vec<u64>>> = None;
    let mut roc = Vec::new();
    let mut precision_recall = Vec::new();
    let mut residuals = Vec::new();
    for fold in folds {
        if let (Metrics::Regression(m), Predictions::Values(predicted)) =
            (&fold.metrics, &fold.predictions)
        {
            let mut points: Vec<(f64, f64)> = predicted
                .iter()
                .copied()
                .zip(m.residuals.iter().copied())
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (x, y): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
            residuals.push(Series::downsampled(
                format!("fold {}", fold.fold),
                &x,
                &y,
                MAX_CHART_POINTS,
            ));
        }
        let Metrics::Classification(m) = &fold.metrics else {
            continue;
        };
        let counts = &m.confusion.counts;
        let total = confusion.get_or_insert_with(|| vec![vec![0; counts.len()]; counts.len()]);
        for (row, add) in total.iter_mut().zip(counts) {
            for (cell, value) in row.iter_mut().zip(add) {
                *cell += value;
            }
        }
        let name = format!("fold {}", fold.fold);
        if let Some(curve) = &m.roc_curve {
            roc.push(Series::downsampled(
                name.clone(),
                &curve.x,
                &curve.y,
                MAX_CHART_POINTS,
            ));
        }
        if let Some(curve) = &m.pr_curve {
            precision_recall.push(Series::downsampled(
                name,
                &curve.x,
                &curve.y,
                MAX_CHART_POINTS,
            ));
        }
    }
    Charts {
        classes,
        confusion,
        roc,
        precision_recall,
        residuals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lttb_keeps_the_ends_and_the_peaks() {
        let n = 100_000;
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut y: Vec<f64> = x.iter().map(|v| (v / 1000.0).sin()).collect();
        y[54_321] = 50.0; // a spike a chart must not lose
        let kept = lttb(&x, &y, 500);
        assert_eq!(kept.len(), 500);
        assert_eq!(kept.first(), Some(&0));
        assert_eq!(kept.last(), Some(&(n - 1)));
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        assert!(kept.contains(&54_321));
    }

    #[test]
    fn short_series_are_kept_whole() {
        let x = [0.0, 1.0, 2.0];
        assert_eq!(lttb(&x, &x, 500), vec![0, 1, 2]);
        assert_eq!(lttb(&x, &x, 2), vec![0, 1, 2]);
        let s = Series::downsampled("s", &x, &[1.0, 2.0, 3.0], 10);
        assert_eq!((s.x.len(), s.points), (3, 3));
    }
}
