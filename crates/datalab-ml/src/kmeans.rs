//! Our own k-means: greedy k-means++ seeding and Lloyd's iterations, the
//! algorithm scikit-learn runs. linfa's k-means counts the old centroid as a
//! point of its cluster and is several times slower per start (FIELD-NOTES,
//! BENCHMARKS.md), so it is not used.

use crate::rng::SplitMix64;
use crate::watch::Watch;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    pub clusters: usize,
    /// Independent starts; the one with the lowest inertia is kept.
    pub restarts: usize,
    pub max_iterations: usize,
    /// Relative to the mean feature variance, as in scikit-learn.
    pub tolerance: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KMeansError {
    #[error("{rows} rows are fewer than {clusters} clusters")]
    TooFewRows { rows: usize, clusters: usize },
    #[error(
        "it did not converge in {iterations} iterations (centroids still moved by {shift:.3e}); raise max_iterations"
    )]
    NotConverged { iterations: usize, shift: f64 },
    #[error("stopped")]
    Stopped,
}

/// Fitted centroids, row-major: `centroids[cluster * width + feature]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    width: usize,
    centroids: Vec<f64>,
    /// Sum of squared distances of the training rows to their centroid.
    pub inertia: f64,
}

impl KMeans {
    /// Fits from `params.restarts` seeded starts; `watch` is asked before
    /// each Lloyd iteration and hears each start done.
    pub fn fit(
        x: &Array2<f64>,
        params: &KMeansParams,
        seed: u64,
        watch: &Watch<'_>,
    ) -> Result<Self, KMeansError> {
        let (rows, width) = x.dim();
        let k = params.clusters;
        if rows < k || k == 0 {
            return Err(KMeansError::TooFewRows { rows, clusters: k });
        }
        let data: Vec<f64> = x.iter().copied().collect();
        let tolerance = params.tolerance * mean_variance(&data, rows, width);
        let mut seeds = SplitMix64::new(seed);
        let mut best: Option<KMeans> = None;
        let restarts = params.restarts.max(1);
        for restart in 0..restarts {
            watch.step(restart as u64, restarts as u64);
            let mut rng = SplitMix64::new(seeds.next_u64());
            let start = plus_plus(&data, width, k, &mut rng);
            let fitted = lloyd(&data, width, start, params.max_iterations, tolerance, watch)?;
            if best.as_ref().is_none_or(|b| fitted.inertia < b.inertia) {
                best = Some(fitted);
            }
        }
        best.ok_or(KMeansError::TooFewRows { rows, clusters: k })
    }

    pub fn clusters(&self) -> usize {
        self.centroids.len() / self.width.max(1)
    }

    /// The nearest centroid of every row.
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        x.outer_iter()
            .map(|row| {
                let row: Vec<f64> = row.iter().copied().collect();
                nearest(&row, &self.centroids, self.width).0
            })
            .collect()
    }
}

fn mean_variance(data: &[f64], rows: usize, width: usize) -> f64 {
    if rows == 0 || width == 0 {
        return 0.0;
    }
    let mut total = 0.0;
    for j in 0..width {
        let column = data.iter().skip(j).step_by(width);
        let mean = column.clone().sum::<f64>() / rows as f64;
        total += column.map(|v| (v - mean) * (v - mean)).sum::<f64>() / rows as f64;
    }
    total / width as f64
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index and squared distance of the centroid nearest to `row` (ties: the lower index).
fn nearest(row: &[f64], centroids: &[f64], width: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, centroid) in centroids.chunks_exact(width.max(1)).enumerate() {
        let d = squared_distance(row, centroid);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's 2 + ln k
/// candidates per step): each new centroid is the candidate, drawn with
/// probability proportional to the squared distance to the nearest chosen
/// centroid, that lowers the total the most.
fn plus_plus(data: &[f64], width: usize, k: usize, rng: &mut SplitMix64) -> Vec<f64> {
    let rows = data.len() / width.max(1);
    let row = |i: usize| &data[i * width..(i + 1) * width];
    let mut centroids = Vec::with_capacity(k * width);
    centroids.extend_from_slice(row(rng.below(rows as u64) as usize));
    let mut closest: Vec<f64> = (0..rows)
        .map(|i| squared_distance(row(i), &centroids[..width]))
        .collect();
    let candidates = 2 + (k as f64).ln() as usize;
    for _ in 1..k {
        let total: f64 = closest.iter().sum();
        let mut best: Option<(f64, Vec<f64>, usize)> = None;
        for _ in 0..candidates {
            let chosen = if total > 0.0 {
                let mut target = rng.unit() * total;
                let mut chosen = rows - 1;
                for (i, d) in closest.iter().enumerate() {
                    target -= d;
                    if target < 0.0 {
                        chosen = i;
                        break;
                    }
                }
                chosen
            } else {
                rng.below(rows as u64) as usize
            };
            let candidate = row(chosen);
            let updated: Vec<f64> = closest
                .iter()
                .enumerate()
                .map(|(i, &d)| d.min(squared_distance(row(i), candidate)))
                .collect();
            let potential: f64 = updated.iter().sum();
            if best.as_ref().is_none_or(|b| potential < b.0) {
                best = Some((potential, updated, chosen));
            }
        }
        if let Some((_, updated, chosen)) = best {
            centroids.extend_from_slice(row(chosen));
            closest = updated;
        }
    }
    centroids
}

fn lloyd(
    data: &[f64],
    width: usize,
    mut centroids: Vec<f64>,
    max_iterations: usize,
    tolerance: f64,
    watch: &Watch<'_>,
) -> Result<KMeans, KMeansError> {
    let rows = data.len() / width.max(1);
    let k = centroids.len() / width.max(1);
    let mut labels = vec![usize::MAX; rows];
    let mut distances = vec![0.0; rows];
    let mut sums = vec![0.0; k * width];
    let mut counts = vec![0usize; k];
    let mut shift = f64::INFINITY;
    for _ in 0..max_iterations.max(1) {
        if watch.stopped() {
            return Err(KMeansError::Stopped);
        }
        let mut changed = false;
        sums.iter_mut().for_each(|s| *s = 0.0);
        counts.iter_mut().for_each(|c| *c = 0);
        for (i, row) in data.chunks_exact(width).enumerate() {
            let (c, d) = nearest(row, &centroids, width);
            changed |= labels[i] != c;
            labels[i] = c;
            distances[i] = d;
            counts[c] += 1;
            for (s, v) in sums[c * width..(c + 1) * width].iter_mut().zip(row) {
                *s += v;
            }
        }
        if !changed {
            return Ok(finish(data, width, centroids));
        }
        // An empty cluster takes the row farthest from its centroid, as scikit-learn does.
        for c in 0..k {
            if counts[c] == 0 {
                let far = (0..rows)
                    .filter(|&i| counts[labels[i]] > 1)
                    .max_by(|&a, &b| distances[a].total_cmp(&distances[b]).then(b.cmp(&a)));
                if let Some(i) = far {
                    let row = &data[i * width..(i + 1) * width];
                    let old = labels[i];
                    counts[old] -= 1;
                    for (s, v) in sums[old * width..(old + 1) * width].iter_mut().zip(row) {
                        *s -= v;
                    }
                    sums[c * width..(c + 1) * width].copy_from_slice(row);
                    counts[c] = 1;
                    labels[i] = c;
                    distances[i] = 0.0;
                }
            }
        }
        shift = 0.0;
        for c in 0..k {
            let n = counts[c].max(1) as f64;
            for j in 0..width {
                let next = sums[c * width + j] / n;
                let old = &mut centroids[c * width + j];
                shift += (next - *old) * (next - *old);
                *old = next;
            }
        }
        if shift <= tolerance {
            return Ok(finish(data, width, centroids));
        }
    }
    Err(KMeansError::NotConverged {
        iterations: max_iterations,
        shift,
    })
}

fn finish(data: &[f64], width: usize, centroids: Vec<f64>) -> KMeans {
    let inertia = data
        .chunks_exact(width)
        .map(|row| nearest(row, &centroids, width).1)
        .sum();
    KMeans {
        width,
        centroids,
        inertia,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn blobs() -> Array2<f64> {
        // Three tight groups around (0,0), (10,0) and (0,10).
        let mut rng = SplitMix64::new(3);
        let centers = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)];
        let mut values = Vec::new();
        for i in 0..300 {
            let (cx, cy) = centers[i % 3];
            values.push(cx + rng.unit() - 0.5);
            values.push(cy + rng.unit() - 0.5);
        }
        Array2::from_shape_vec((300, 2), values).unwrap_or_default()
    }

    fn params(clusters: usize) -> KMeansParams {
        KMeansParams {
            clusters,
            restarts: 3,
            max_iterations: 300,
            tolerance: 1e-4,
        }
    }

    #[test]
    fn finds_separated_groups() -> TestResult {
        let x = blobs();
        assert_eq!(x.nrows(), 300);
        let model = KMeans::fit(&x, &params(3), 1, &Watch::unwatched())?;
        let labels = model.predict(&x);
        for group in 0..3 {
            let first = labels[group];
            assert!(labels.iter().skip(group).step_by(3).all(|&l| l == first));
        }
        assert_ne!(labels[0], labels[1]);
        assert_ne!(labels[1], labels[2]);
        assert_ne!(labels[0], labels[2]);
        // Uniform noise of width 1 in two dimensions: 300 × 2 × 1/12 = 50 expected.
        assert!(model.inertia < 70.0, "inertia {}", model.inertia);
        Ok(())
    }

    #[test]
    fn same_seed_same_centroids() -> TestResult {
        let x = blobs();
        let a = KMeans::fit(&x, &params(4), 9, &Watch::unwatched())?;
        let b = KMeans::fit(&x, &params(4), 9, &Watch::unwatched())?;
        assert_eq!(a, b);
        assert_eq!(a.clusters(), 4);
        Ok(())
    }

    #[test]
    fn refuses_more_clusters_than_rows_and_reports_non_convergence() {
        let x = blobs();
        assert!(matches!(
            KMeans::fit(
                &x.select(ndarray::Axis(0), &[0, 1]),
                &params(3),
                1,
                &Watch::unwatched()
            ),
            Err(KMeansError::TooFewRows {
                rows: 2,
                clusters: 3
            })
        ));
        let mut one = params(8);
        one.max_iterations = 1;
        one.tolerance = 0.0;
        assert!(matches!(
            KMeans::fit(&x, &one, 1, &Watch::unwatched()),
            Err(KMeansError::NotConverged { iterations: 1, .. })
        ));
    }
}
