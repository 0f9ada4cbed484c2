//! CART decision trees and random forests, written here rather than taken
//! from linfa: linfa-trees keeps class weights in a `HashMap`, so ties break
//! differently from run to run and the same data can give another tree
//! (FIELD-NOTES measured 679–683 leaves). Here every choice is ordered
//! (features by index, rows by value then index, classes by index), leaves
//! keep class distributions (so trees give probabilities) or means (for
//! regression), and forests draw their samples from our seeded generator.
//!
//! A forest is a random forest in Breiman's sense, as scikit-learn's: a
//! bootstrap sample per tree and a fresh random subset of the features at
//! every split (`max_features`). The split search sorts each feature's
//! values once per node into a reused buffer and scores every threshold in
//! constant time (running class counts, or running sums for regression), so
//! no threshold allocates.

use crate::rng::SplitMix64;
use crate::watch::{Stopped, Watch, thread_cpu};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitQuality {
    Gini,
    Entropy,
    /// Variance reduction, for regression.
    SquaredError,
}

/// What a tree learns: classes (leaves keep their distribution) or numbers
/// (leaves keep their mean).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Labels<'a> {
    /// `weights[class]` scale each row of a class (`balanced` class weights).
    Classes {
        values: &'a [usize],
        count: usize,
        weights: Option<&'a [f64]>,
    },
    Numbers(&'a [f64]),
}

impl Labels<'_> {
    /// Width of a leaf's value: the class count, or 1 for a mean.
    fn width(&self) -> usize {
        match self {
            Labels::Classes { count, .. } => *count,
            Labels::Numbers(_) => 1,
        }
    }
}

/// How many features a split looks at, as scikit-learn's `max_features`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    All,
    Sqrt,
    Log2,
    /// A share of the features, at least one.
    Fraction(f64),
}

impl MaxFeatures {
    /// Parses a catalog choice: `all`, `sqrt`, `log2`, or a share such as `0.33`.
    pub fn parse(text: &str) -> Option<MaxFeatures> {
        match text {
            "all" => Some(MaxFeatures::All),
            "sqrt" => Some(MaxFeatures::Sqrt),
            "log2" => Some(MaxFeatures::Log2),
            other => other
                .parse::<f64>()
                .ok()
                .filter(|f| *f > 0.0 && *f <= 1.0)
                .map(MaxFeatures::Fraction),
        }
    }

    /// Features looked at per split out of `width`.
    pub fn count(self, width: usize) -> usize {
        let n = width as f64;
        let k = match self {
            MaxFeatures::All => width,
            MaxFeatures::Sqrt => n.sqrt().floor() as usize,
            MaxFeatures::Log2 => n.log2().floor() as usize,
            MaxFeatures::Fraction(f) => (n * f).floor() as usize,
        };
        k.clamp(1, width.max(1))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeParams {
    pub quality: SplitQuality,
    /// None: grow until pure or too small.
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
    /// Features drawn at each split; `All` for a plain CART tree.
    #[serde(default = "all_features")]
    pub max_features: MaxFeatures,
}

fn all_features() -> MaxFeatures {
    MaxFeatures::All
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    /// Class distribution, or `[mean]` for regression.
    Leaf { distribution: Vec<f64> },
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
    /// 0 for a regression tree.
    classes: usize,
}

/// Running statistics of the rows on one side of a threshold, scored in
/// constant time per row moved.
#[derive(Debug, Clone)]
struct Side {
    rows: f64,
    /// Classification: count per class. Regression: unused.
    counts: Vec<f64>,
    /// Gini: Σ count². Entropy: Σ count·ln(count). Regression: Σ y.
    sum: f64,
}

impl Side {
    fn empty(width: usize) -> Side {
        Side {
            rows: 0.0,
            counts: vec![0.0; width],
            sum: 0.0,
        }
    }

    fn reset(&mut self) {
        self.rows = 0.0;
        self.counts.iter_mut().for_each(|c| *c = 0.0);
        self.sum = 0.0;
    }

    fn x_ln_x(v: f64) -> f64 {
        if v > 0.0 { v * v.ln() } else { 0.0 }
    }

    /// Adds (`amount` > 0) or removes (< 0) one row of class `class` or
    /// value `y`; `amount` is ± the row's weight.
    fn add(&mut self, quality: SplitQuality, class: usize, y: f64, amount: f64) {
        self.rows += amount;
        match quality {
            SplitQuality::Gini => {
                let before = self.counts[class];
                let after = before + amount;
                self.sum += after * after - before * before;
                self.counts[class] = after;
            }
            SplitQuality::Entropy => {
                let before = self.counts[class];
                let after = before + amount;
                self.sum += Side::x_ln_x(after) - Side::x_ln_x(before);
                self.counts[class] = after;
            }
            SplitQuality::SquaredError => self.sum += amount * y,
        }
    }

    /// Rows × impurity of this side (regression: minus Σy²/n; the constant Σy² is
    /// the same for every split of a node, so it is left out).
    fn weighted_impurity(&self, quality: SplitQuality) -> f64 {
        let n = self.rows;
        if n <= 0.0 {
            return 0.0;
        }
        match quality {
            SplitQuality::Gini => n - self.sum / n,
            SplitQuality::Entropy => (n * n.ln() - self.sum) / std::f64::consts::LN_2,
            SplitQuality::SquaredError => -self.sum * self.sum / n,
        }
    }
}

/// What every node of one tree is grown from.
struct Growing<'a> {
    x: &'a Array2<f64>,
    labels: Labels<'a>,
    features: &'a [usize],
    params: &'a TreeParams,
    watch: &'a Watch<'a>,
}

/// Buffers reused by every node of one tree.
struct Scratch {
    pairs: Vec<(f64, usize)>,
    features: Vec<usize>,
    left: Side,
    right: Side,
    rng: SplitMix64,
}

struct Best {
    feature: usize,
    threshold: f64,
    score: f64,
}

impl Tree {
    /// Grows a tree on `rows` of `x`, using only `features` (and, at each
    /// split, `params.max_features` of them drawn with `seed`); `watch` is
    /// asked before each node.
    pub fn fit(
        x: &Array2<f64>,
        labels: Labels<'_>,
        rows: &[usize],
        features: &[usize],
        params: &TreeParams,
        seed: u64,
        watch: &Watch<'_>,
    ) -> Result<Tree, Stopped> {
        let width = labels.width();
        let mut tree = Tree {
            nodes: Vec::new(),
            classes: match labels {
                Labels::Classes { count, .. } => count,
                Labels::Numbers(_) => 0,
            },
        };
        let growing = Growing {
            x,
            labels,
            features,
            params,
            watch,
        };
        let mut scratch = Scratch {
            pairs: Vec::with_capacity(rows.len()),
            features: features.to_vec(),
            left: Side::empty(width),
            right: Side::empty(width),
            rng: SplitMix64::new(seed),
        };
        tree.grow(&growing, &mut scratch, rows.to_vec(), 0)?;
        Ok(tree)
    }

    fn grow(
        &mut self,
        g: &Growing<'_>,
        scratch: &mut Scratch,
        rows: Vec<usize>,
        depth: usize,
    ) -> Result<usize, Stopped> {
        g.watch.check()?;
        let total = rows.len() as f64;
        let (leaf, pure) = match g.labels {
            Labels::Classes { values, count, .. } => {
                let mut counts = vec![0.0; count];
                for &r in &rows {
                    counts[values[r]] += label_of(g.labels, r).2;
                }
                let pure = counts.iter().filter(|&&c| c > 0.0).count() <= 1;
                let weighted: f64 = counts.iter().sum();
                (
                    counts
                        .iter()
                        .map(|c| if weighted > 0.0 { c / weighted } else { 0.0 })
                        .collect::<Vec<_>>(),
                    pure,
                )
            }
            Labels::Numbers(values) => {
                let mean = rows.iter().map(|&r| values[r]).sum::<f64>() / total.max(1.0);
                let first = rows.first().map(|&r| values[r]);
                let pure = rows.iter().all(|&r| Some(values[r]) == first);
                (vec![mean], pure)
            }
        };
        let index = self.nodes.len();
        self.nodes.push(Node::Leaf { distribution: leaf });
        let stop = pure
            || rows.len() < g.params.min_samples_split.max(2)
            || g.params.max_depth.is_some_and(|d| depth >= d);
        if stop {
            return Ok(index);
        }
        // As in scikit-learn, a split that does not lower the impurity is still
        // taken (XOR needs one); growth ends because each child is smaller.
        let Some(best) = best_split(g, scratch, &rows) else {
            return Ok(index);
        };
        let (left_rows, right_rows): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&r| g.x[[r, best.feature]] <= best.threshold);
        drop(rows);
        let left = self.grow(g, scratch, left_rows, depth + 1)?;
        let right = self.grow(g, scratch, right_rows, depth + 1)?;
        self.nodes[index] = Node::Split {
            feature: best.feature,
            threshold: best.threshold,
            left,
            right,
        };
        Ok(index)
    }

    /// The leaf `row` falls in: its class distribution, or `[mean]`.
    pub fn distribution(&self, row: ndarray::ArrayView1<f64>) -> &[f64] {
        let mut node = 0;
        loop {
            match &self.nodes[node] {
                Node::Leaf { distribution } => return distribution,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    node = if row[*feature] <= *threshold {
                        *left
                    } else {
                        *right
                    }
                }
            }
        }
    }

    /// A regression tree's prediction for `row`.
    pub fn value(&self, row: ndarray::ArrayView1<f64>) -> f64 {
        self.distribution(row).first().copied().unwrap_or(f64::NAN)
    }

    pub fn leaves(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Leaf { .. }))
            .count()
    }
}

/// The best threshold over the features a split may look at. Features are
/// visited in a random order (when `max_features` is below all) until that
/// many non-constant ones have been scored, as scikit-learn does.
fn best_split(g: &Growing<'_>, scratch: &mut Scratch, rows: &[usize]) -> Option<Best> {
    let quality = g.params.quality;
    let wanted = g.params.max_features.count(g.features.len());
    let Scratch {
        pairs,
        features,
        left,
        right,
        rng,
    } = scratch;
    if wanted < features.len() {
        features.copy_from_slice(g.features);
        rng.shuffle(features);
    }
    // Everything starts on the right; rows move left one by one.
    right.reset();
    for &r in rows {
        let (class, y, w) = label_of(g.labels, r);
        right.add(quality, class, y, w);
    }
    let full_right = right.clone();
    let total = rows.len() as f64;
    let mut best: Option<Best> = None;
    let mut scored = 0;
    for &feature in features.iter() {
        if scored >= wanted {
            break;
        }
        pairs.clear();
        pairs.extend(rows.iter().map(|&r| (g.x[[r, feature]], r)));
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if pairs.first().map(|p| p.0) == pairs.last().map(|p| p.0) {
            continue; // constant here: does not count towards max_features
        }
        scored += 1;
        left.reset();
        right.clone_from(&full_right);
        for k in 0..pairs.len() - 1 {
            let (value, row) = pairs[k];
            let (class, y, w) = label_of(g.labels, row);
            left.add(quality, class, y, w);
            right.add(quality, class, y, -w);
            let next = pairs[k + 1].0;
            if value == next {
                continue;
            }
            let score =
                (left.weighted_impurity(quality) + right.weighted_impurity(quality)) / total;
            if best.as_ref().is_none_or(|b| score < b.score - 1e-12) {
                best = Some(Best {
                    feature,
                    threshold: value + (next - value) / 2.0,
                    score,
                });
            }
        }
    }
    best
}

/// A row's class, value and weight.
fn label_of(labels: Labels<'_>, row: usize) -> (usize, f64, f64) {
    match labels {
        Labels::Classes {
            values, weights, ..
        } => {
            let class = values[row];
            (class, 0.0, weights.map_or(1.0, |w| w[class]))
        }
        Labels::Numbers(values) => (0, values[row], 1.0),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    pub trees: usize,
    pub tree: TreeParams,
    /// Rows drawn with replacement for each tree, as a share of the training rows.
    pub bootstrap_fraction: f64,
    /// Features each tree may use at all, as a share (drawn without
    /// replacement); each split then draws `tree.max_features` of those.
    pub feature_fraction: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    trees: Vec<Tree>,
    /// 0 for a regression forest.
    classes: usize,
}

impl Forest {
    /// Grows the trees on the cores: `watch` hears each tree grown, is
    /// asked before each node, and counts the CPU time of the threads.
    pub fn fit(
        x: &Array2<f64>,
        labels: Labels<'_>,
        rows: &[usize],
        params: &ForestParams,
        seed: u64,
        watch: &Watch<'_>,
    ) -> Result<Forest, Stopped> {
        let width = x.ncols();
        let draws = ((rows.len() as f64 * params.bootstrap_fraction).ceil() as usize).max(1);
        let feature_count =
            ((width as f64 * params.feature_fraction).ceil() as usize).clamp(1, width.max(1));
        // Each tree's sample comes from its own generator, so trees can grow in
        // parallel and still come out the same. The generators' seeds are drawn
        // from one seeded generator: seeds that differ by a multiple of
        // SplitMix64's increment would give overlapping sequences, i.e. nearly
        // the same bootstrap sample for many trees.
        let mut seeds = SplitMix64::new(seed);
        let tree_seeds: Vec<u64> = (0..params.trees).map(|_| seeds.next_u64()).collect();
        let samples: Vec<(Vec<usize>, Vec<usize>, u64)> = tree_seeds
            .iter()
            .map(|&tree_seed| {
                let mut rng = SplitMix64::new(tree_seed);
                let sample: Vec<usize> = (0..draws)
                    .map(|_| rows[rng.below(rows.len() as u64) as usize])
                    .collect();
                let mut features: Vec<usize> = (0..width).collect();
                rng.shuffle(&mut features);
                features.truncate(feature_count);
                features.sort_unstable();
                (sample, features, rng.next_u64())
            })
            .collect();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let chunk = samples.len().div_ceil(threads).max(1);
        let total = samples.len() as u64;
        let grown = std::sync::atomic::AtomicU64::new(0);
        let trees: Result<Vec<Vec<Tree>>, Stopped> = std::thread::scope(|scope| {
            let handles: Vec<_> = samples
                .chunks(chunk)
                .map(|part| {
                    let grown = &grown;
                    scope.spawn(move || {
                        let started = thread_cpu();
                        let trees = part
                            .iter()
                            .map(|(sample, features, split_seed)| {
                                let tree = Tree::fit(
                                    x,
                                    labels,
                                    sample,
                                    features,
                                    &params.tree,
                                    *split_seed,
                                    watch,
                                )?;
                                let done =
                                    grown.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                                watch.step(done, total);
                                Ok(tree)
                            })
                            .collect::<Result<Vec<_>, Stopped>>();
                        watch.add_helper_cpu(thread_cpu().saturating_sub(started));
                        trees
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        Ok(Forest {
            trees: trees?.into_iter().flatten().collect(),
            classes: match labels {
                Labels::Classes { count, .. } => count,
                Labels::Numbers(_) => 0,
            },
        })
    }

    /// The mean of the trees' leaf distributions (for regression, `[mean]`).
    pub fn distribution(&self, row: ndarray::ArrayView1<f64>) -> Vec<f64> {
        let mut sum = vec![0.0; self.classes.max(1)];
        for tree in &self.trees {
            for (s, p) in sum.iter_mut().zip(tree.distribution(row)) {
                *s += p;
            }
        }
        let n = self.trees.len().max(1) as f64;
        sum.iter().map(|s| s / n).collect()
    }

    /// A regression forest's prediction for `row`: the mean of its trees'.
    pub fn value(&self, row: ndarray::ArrayView1<f64>) -> f64 {
        self.distribution(row).first().copied().unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(y: &[usize]) -> Labels<'_> {
        Labels::Classes {
            values: y,
            count: 2,
            weights: None,
        }
    }

    fn xor() -> (Array2<f64>, Vec<usize>) {
        let x = Array2::from_shape_vec(
            (8, 2),
            vec![
                0., 0., 0., 1., 1., 0., 1., 1., 0., 0., 0., 1., 1., 0., 1., 1.,
            ],
        )
        .unwrap_or_else(|_| Array2::zeros((8, 2)));
        (x, vec![0, 1, 1, 0, 0, 1, 1, 0])
    }

    #[test]
    fn a_deep_tree_learns_xor() -> Result<(), Stopped> {
        let (x, y) = xor();
        let params = TreeParams {
            quality: SplitQuality::Gini,
            max_depth: None,
            min_samples_split: 2,
            max_features: MaxFeatures::All,
        };
        let rows: Vec<usize> = (0..8).collect();
        let tree = Tree::fit(
            &x,
            classes(&y),
            &rows,
            &[0, 1],
            &params,
            0,
            &Watch::unwatched(),
        )?;
        for (r, &label) in y.iter().enumerate() {
            assert_eq!(tree.distribution(x.row(r))[label], 1.0);
        }
        assert_eq!(tree.leaves(), 4);
        let stump = Tree::fit(
            &x,
            classes(&y),
            &rows,
            &[0, 1],
            &TreeParams {
                max_depth: Some(0),
                ..params
            },
            0,
            &Watch::unwatched(),
        )?;
        assert_eq!(stump.distribution(x.row(0)), &[0.5, 0.5]);
        Ok(())
    }

    #[test]
    fn a_forest_beats_its_trees_on_noisy_data() -> Result<(), Stopped> {
        // Two informative features with label noise: one deep tree overfits,
        // fifty bagged trees average the noise away (they must differ for that).
        let mut rng = SplitMix64::new(9);
        let n = 600;
        let mut values = Vec::with_capacity(n * 2);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let (a, b) = (
                (rng.below(1000) as f64) / 1000.0,
                (rng.below(1000) as f64) / 1000.0,
            );
            values.extend([a, b]);
            let clean = usize::from(a + b > 1.0);
            y.push(if rng.below(100) < 25 {
                1 - clean
            } else {
                clean
            });
        }
        let x = Array2::from_shape_vec((n, 2), values).unwrap_or_else(|_| Array2::zeros((n, 2)));
        let train: Vec<usize> = (0..400).collect();
        let tree_params = TreeParams {
            quality: SplitQuality::Gini,
            max_depth: None,
            min_samples_split: 2,
            max_features: MaxFeatures::All,
        };
        let accuracy = |predict: &dyn Fn(usize) -> Vec<f64>| {
            (400..n)
                .filter(|&r| {
                    let p = predict(r);
                    usize::from(p[1] > p[0]) == usize::from(x[[r, 0]] + x[[r, 1]] > 1.0)
                })
                .count() as f64
                / 200.0
        };
        let tree = Tree::fit(
            &x,
            classes(&y),
            &train,
            &[0, 1],
            &tree_params,
            0,
            &Watch::unwatched(),
        )?;
        let forest_params = ForestParams {
            trees: 50,
            tree: tree_params,
            bootstrap_fraction: 1.0,
            feature_fraction: 1.0,
        };
        let forest = Forest::fit(
            &x,
            classes(&y),
            &train,
            &forest_params,
            1,
            &Watch::unwatched(),
        )?;
        let single = accuracy(&|r| tree.distribution(x.row(r)).to_vec());
        let bagged = accuracy(&|r| forest.distribution(x.row(r)));
        assert!(bagged > single + 0.05, "forest {bagged} vs tree {single}");
        Ok(())
    }

    #[test]
    fn forests_are_reproducible() -> Result<(), Stopped> {
        let (x, y) = xor();
        let params = ForestParams {
            trees: 10,
            tree: TreeParams {
                quality: SplitQuality::Entropy,
                max_depth: Some(3),
                min_samples_split: 2,
                max_features: MaxFeatures::All,
            },
            bootstrap_fraction: 1.0,
            feature_fraction: 1.0,
        };
        let rows: Vec<usize> = (0..8).collect();
        let watch = Watch::unwatched();
        let a = Forest::fit(&x, classes(&y), &rows, &params, 5, &watch)?;
        let b = Forest::fit(&x, classes(&y), &rows, &params, 5, &watch)?;
        assert_eq!(a, b);
        assert_ne!(a, Forest::fit(&x, classes(&y), &rows, &params, 6, &watch)?);
        Ok(())
    }

    #[test]
    fn a_forest_stops_between_trees_when_asked() {
        let (x, y) = xor();
        let params = ForestParams {
            trees: 1_000,
            tree: TreeParams {
                quality: SplitQuality::Gini,
                max_depth: None,
                min_samples_split: 2,
                max_features: MaxFeatures::All,
            },
            bootstrap_fraction: 1.0,
            feature_fraction: 1.0,
        };
        let grown = std::sync::atomic::AtomicU64::new(0);
        let stop = || grown.load(std::sync::atomic::Ordering::SeqCst) >= 10;
        let step = |done: u64, _total: u64| {
            grown.fetch_max(done, std::sync::atomic::Ordering::SeqCst);
        };
        let rows: Vec<usize> = (0..8).collect();
        let stopped = Forest::fit(
            &x,
            classes(&y),
            &rows,
            &params,
            5,
            &Watch::new(&stop, &step),
        );
        assert_eq!(stopped, Err(Stopped));
        assert!(grown.load(std::sync::atomic::Ordering::SeqCst) < 1_000);
    }

    /// y = sin(3a) + b² on a grid: a regression tree must follow it closely,
    /// and a forest of such trees must do better than one tree on noisy copies.
    #[test]
    fn regression_trees_reduce_variance() -> Result<(), Stopped> {
        let mut rng = SplitMix64::new(3);
        let n = 800;
        let mut values = Vec::with_capacity(n * 2);
        let mut clean = Vec::with_capacity(n);
        let mut noisy = Vec::with_capacity(n);
        for _ in 0..n {
            let (a, b) = (rng.unit() * 2.0 - 1.0, rng.unit() * 2.0 - 1.0);
            values.extend([a, b]);
            let y = (3.0 * a).sin() + b * b;
            clean.push(y);
            noisy.push(y + (rng.unit() - 0.5));
        }
        let x = Array2::from_shape_vec((n, 2), values).unwrap_or_else(|_| Array2::zeros((n, 2)));
        let train: Vec<usize> = (0..600).collect();
        let params = TreeParams {
            quality: SplitQuality::SquaredError,
            max_depth: None,
            min_samples_split: 2,
            max_features: MaxFeatures::All,
        };
        let mse = |predict: &dyn Fn(usize) -> f64| {
            (600..n)
                .map(|r| (predict(r) - clean[r]).powi(2))
                .sum::<f64>()
                / 200.0
        };
        let exact = Tree::fit(
            &x,
            Labels::Numbers(&clean),
            &train,
            &[0, 1],
            &params,
            0,
            &Watch::unwatched(),
        )?;
        let variance = {
            let mean = (600..n).map(|r| clean[r]).sum::<f64>() / 200.0;
            (600..n).map(|r| (clean[r] - mean).powi(2)).sum::<f64>() / 200.0
        };
        let fitted = mse(&|r| exact.value(x.row(r)));
        assert!(
            fitted < 0.05 * variance,
            "mse {fitted}, variance {variance}"
        );
        // The mean of the training rows at depth 0.
        let stump = Tree::fit(
            &x,
            Labels::Numbers(&clean),
            &train,
            &[0, 1],
            &TreeParams {
                max_depth: Some(0),
                ..params.clone()
            },
            0,
            &Watch::unwatched(),
        )?;
        let mean = train.iter().map(|&r| clean[r]).sum::<f64>() / 600.0;
        assert!((stump.value(x.row(0)) - mean).abs() < 1e-12);
        let tree = Tree::fit(
            &x,
            Labels::Numbers(&noisy),
            &train,
            &[0, 1],
            &params,
            0,
            &Watch::unwatched(),
        )?;
        let forest = Forest::fit(
            &x,
            Labels::Numbers(&noisy),
            &train,
            &ForestParams {
                trees: 60,
                tree: params,
                bootstrap_fraction: 1.0,
                feature_fraction: 1.0,
            },
            7,
            &Watch::unwatched(),
        )?;
        let (single, averaged) = (
            mse(&|r| tree.value(x.row(r))),
            mse(&|r| forest.value(x.row(r))),
        );
        assert!(
            averaged < 0.6 * single,
            "forest {averaged} vs tree {single}"
        );
        Ok(())
    }

    /// With `max_features = 1` of two features, each split looks at one
    /// feature drawn at that split: the trees of a forest then split on both
    /// features at their roots, where a plain tree always picks the better one.
    #[test]
    fn features_are_drawn_at_every_split() -> Result<(), Stopped> {
        let (x, y) = xor();
        let rows: Vec<usize> = (0..8).collect();
        let params = TreeParams {
            quality: SplitQuality::Gini,
            max_depth: Some(1),
            min_samples_split: 2,
            max_features: MaxFeatures::Fraction(0.5),
        };
        let roots: std::collections::BTreeSet<usize> = (0..20)
            .filter_map(|seed| {
                let tree = Tree::fit(
                    &x,
                    classes(&y),
                    &rows,
                    &[0, 1],
                    &params,
                    seed,
                    &Watch::unwatched(),
                )
                .ok()?;
                match tree.nodes.first() {
                    Some(Node::Split { feature, .. }) => Some(*feature),
                    _ => None,
                }
            })
            .collect();
        assert_eq!(roots.into_iter().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(MaxFeatures::Sqrt.count(64), 8);
        assert_eq!(MaxFeatures::Log2.count(64), 6);
        assert_eq!(MaxFeatures::Fraction(0.01).count(64), 1);
        assert_eq!(
            MaxFeatures::parse("0.33"),
            Some(MaxFeatures::Fraction(0.33))
        );
        assert_eq!(MaxFeatures::parse("1.5"), None);
        Ok(())
    }
}
