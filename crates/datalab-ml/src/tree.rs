//! CART decision trees and random forests, written here rather than taken
//! from linfa: linfa-trees keeps class weights in a `HashMap`, so ties break
//! differently from run to run and the same data can give another tree
//! (FIELD-NOTES measured 679–683 leaves). Here every choice is ordered
//! (features by index, rows by value then index, classes by index), leaves
//! keep class distributions (so trees give probabilities) or means (for
//! regression), and forests draw their samples from our seeded generator.
//!
//! A forest is a random forest in Breiman's sense, as scikit-learn's: a
//! bootstrap sample per tree (its distinct rows, each weighing as often as
//! it was drawn) and a fresh random subset of the features at every split
//! (`max_features`). The data is laid out by feature; a two-valued feature
//! (a one-hot column) is a byte a row and split without sorting; a feature
//! found constant in a node is skipped below it. Other features are sorted
//! once per node into a reused buffer and every threshold is scored in
//! constant time (running class counts, or running sums for regression), so
//! no threshold allocates.

use crate::rng::SplitMix64;
use crate::watch::{Stopped, Watch, thread_cpu};
use ndarray::Array2;
use rayon::prelude::*;
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

    /// Counts a row without keeping `sum` up to date (see [`Side::settle`]).
    fn count(&mut self, quality: SplitQuality, class: usize, y: f64, amount: f64) {
        self.rows += amount;
        match quality {
            SplitQuality::Gini | SplitQuality::Entropy => self.counts[class] += amount,
            SplitQuality::SquaredError => self.sum += amount * y,
        }
    }

    /// Makes `sum` agree with the counts after [`Side::count`].
    fn settle(&mut self, quality: SplitQuality) {
        match quality {
            SplitQuality::Gini => self.sum = self.counts.iter().map(|c| c * c).sum(),
            SplitQuality::Entropy => self.sum = self.counts.iter().map(|&c| Side::x_ln_x(c)).sum(),
            SplitQuality::SquaredError => {}
        }
    }

    /// `whole` without `part` (both settled), into `self`.
    fn set_difference(&mut self, quality: SplitQuality, whole: &Side, part: &Side) {
        self.rows = whole.rows - part.rows;
        for ((c, w), p) in self.counts.iter_mut().zip(&whole.counts).zip(&part.counts) {
            *c = w - p;
        }
        match quality {
            SplitQuality::SquaredError => self.sum = whole.sum - part.sum,
            _ => self.settle(quality),
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
    /// `x` laid out by feature.
    columns: &'a [Column],
    labels: Labels<'a>,
    /// Each row's weight: its class weight times the times it was drawn (a
    /// forest's bootstrap sample; once for a tree alone).
    weights: &'a [f64],
    features: &'a [usize],
    params: &'a TreeParams,
    watch: &'a Watch<'a>,
}

impl Growing<'_> {
    /// A row's class, value and weight.
    fn label_of(&self, row: usize) -> (usize, f64, f64) {
        let w = self.weights[row];
        match self.labels {
            Labels::Classes { values, .. } => (values[row], 0.0, w),
            Labels::Numbers(values) => (0, values[row], w),
        }
    }
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
        let columns = by_feature(x);
        let weights: Vec<f64> = (0..x.nrows()).map(|r| label_of(labels, r).2).collect();
        Tree::grow_on(
            &columns, labels, &weights, rows, features, params, seed, watch,
        )
    }

    /// [`Tree::fit`] on `x` laid out by feature ([`by_feature`]), each row
    /// weighing `weights[row]`; `rows` are distinct.
    #[allow(clippy::too_many_arguments)]
    fn grow_on(
        columns: &[Column],
        labels: Labels<'_>,
        weights: &[f64],
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
            columns,
            labels,
            weights,
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
        let known = vec![0u64; columns.len().div_ceil(64)];
        tree.grow(&growing, &mut scratch, rows.to_vec(), 0, &known)?;
        Ok(tree)
    }

    /// Grows the node of `rows`, in which the features set in `constant` (a
    /// bit per feature) are known to hold one value (they did in an ancestor).
    fn grow(
        &mut self,
        g: &Growing<'_>,
        scratch: &mut Scratch,
        rows: Vec<usize>,
        depth: usize,
        constant: &[u64],
    ) -> Result<usize, Stopped> {
        g.watch.check()?;
        let (leaf, pure) = match g.labels {
            Labels::Classes { count, .. } => {
                let mut counts = vec![0.0; count];
                for &r in &rows {
                    let (class, _, w) = g.label_of(r);
                    counts[class] += w;
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
                let (sum, weight) = rows.iter().fold((0.0, 0.0), |(sum, weight), &r| {
                    let (_, y, w) = g.label_of(r);
                    (sum + w * y, weight + w)
                });
                let mean = if weight > 0.0 { sum / weight } else { 0.0 };
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
        let mut constant = constant.to_vec();
        let Some(best) = best_split(g, scratch, &rows, &mut constant) else {
            return Ok(index);
        };
        let column = &g.columns[best.feature];
        let (left_rows, right_rows): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&r| column.value(r) <= best.threshold);
        drop(rows);
        let left = self.grow(g, scratch, left_rows, depth + 1, &constant)?;
        let right = self.grow(g, scratch, right_rows, depth + 1, &constant)?;
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

/// The best threshold over the features a split may look at. As
/// scikit-learn's splitter: features are drawn in a random order (when
/// `max_features` is below all) one at a time (a lazy shuffle), and drawing
/// stops after `max_features` of them, constant ones included, unless every
/// one drawn was constant; then it goes on to the first that is not.
/// Features set in `constant` (a bit per feature) are known constant and
/// skipped; those found constant here are set, for the children.
fn best_split(
    g: &Growing<'_>,
    scratch: &mut Scratch,
    rows: &[usize],
    constant: &mut [u64],
) -> Option<Best> {
    let quality = g.params.quality;
    let wanted = g.params.max_features.count(g.features.len());
    let Scratch {
        pairs,
        features,
        left,
        right,
        rng,
    } = scratch;
    features.copy_from_slice(g.features);
    let sampled = wanted < features.len();
    let is_constant = |constant: &[u64], f: usize| constant[f / 64] & (1 << (f % 64)) != 0;
    // Everything starts on the right; rows move left one by one.
    right.reset();
    for &r in rows {
        let (class, y, w) = g.label_of(r);
        right.add(quality, class, y, w);
    }
    let full_right = right.clone();
    let total = full_right.rows;
    let mut best: Option<Best> = None;
    let mut consider = |feature: usize, value: f64, next: f64, left: &Side, right: &Side| {
        let score = (left.weighted_impurity(quality) + right.weighted_impurity(quality)) / total;
        if best.as_ref().is_none_or(|b| score < b.score - 1e-12) {
            best = Some(Best {
                feature,
                threshold: value + (next - value) / 2.0,
                score,
            });
        }
    };
    let (mut visited, mut scored) = (0, 0);
    for i in 0..features.len() {
        if visited >= wanted && scored > 0 {
            break;
        }
        visited += 1;
        if sampled {
            let j = i + rng.below((features.len() - i) as u64) as usize;
            features.swap(i, j);
        }
        let feature = features[i];
        if is_constant(constant, feature) {
            continue;
        }
        let column = match &g.columns[feature] {
            Column::TwoValued {
                low,
                high,
                high_rows,
            } => {
                // One threshold, between the two values: the rows at the
                // lower one go left. Read from a byte a row.
                left.reset();
                let mut highs = 0usize;
                for &r in rows {
                    if high_rows[r] == 0 {
                        let (class, y, w) = g.label_of(r);
                        left.count(quality, class, y, w);
                    } else {
                        highs += 1;
                    }
                }
                if highs == 0 || highs == rows.len() {
                    // Constant here (and in every node below): does not
                    // count towards max_features.
                    constant[feature / 64] |= 1 << (feature % 64);
                    continue;
                }
                scored += 1;
                left.settle(quality);
                right.set_difference(quality, &full_right, left);
                consider(feature, *low, *high, left, right);
                continue;
            }
            Column::Values(values) => values,
        };
        let first = rows.first().map_or(0.0, |&r| column[r]);
        if rows.iter().all(|&r| column[r] == first) {
            constant[feature / 64] |= 1 << (feature % 64);
            continue;
        }
        scored += 1;
        left.reset();
        right.clone_from(&full_right);
        pairs.clear();
        pairs.extend(rows.iter().map(|&r| (column[r], r)));
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for k in 0..pairs.len() - 1 {
            let (value, row) = pairs[k];
            let (class, y, w) = g.label_of(row);
            left.add(quality, class, y, w);
            right.add(quality, class, y, -w);
            let next = pairs[k + 1].0;
            if value == next {
                continue;
            }
            consider(feature, value, next, left, right);
        }
    }
    best
}

/// One feature of every row.
#[derive(Debug, Clone)]
enum Column {
    Values(Vec<f64>),
    /// A feature of two values (a one-hot column), a byte a row (1: `high`):
    /// a node's rows are read from an eighth of the memory, without sorting.
    TwoValued {
        low: f64,
        high: f64,
        high_rows: Vec<u8>,
    },
}

impl Column {
    fn value(&self, row: usize) -> f64 {
        match self {
            Column::Values(values) => values[row],
            Column::TwoValued {
                low,
                high,
                high_rows,
            } => {
                if high_rows[row] == 0 {
                    *low
                } else {
                    *high
                }
            }
        }
    }
}

/// `x` laid out by feature: a node reads one feature of its rows from one
/// place, not one row-sized stride apart.
fn by_feature(x: &Array2<f64>) -> Vec<Column> {
    x.columns()
        .into_iter()
        .map(|column| {
            let first = column.first().copied().unwrap_or(0.0);
            let other = column.iter().copied().find(|v| *v != first);
            match other {
                Some(other)
                    if !first.is_nan()
                        && !other.is_nan()
                        && column.iter().all(|v| *v == first || *v == other) =>
                {
                    let (low, high) = if first < other {
                        (first, other)
                    } else {
                        (other, first)
                    };
                    Column::TwoValued {
                        low,
                        high,
                        high_rows: column.iter().map(|v| u8::from(*v == high)).collect(),
                    }
                }
                _ => Column::Values(column.to_vec()),
            }
        })
        .collect()
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
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let chunk = tree_seeds.len().div_ceil(threads).max(1);
        let total = tree_seeds.len() as u64;
        let grown = std::sync::atomic::AtomicU64::new(0);
        let columns = by_feature(x);
        let class_weights: Vec<f64> = (0..x.nrows()).map(|r| label_of(labels, r).2).collect();
        // One tree from its seed: its bootstrap sample as the distinct rows
        // drawn, each weighing its class weight times the times it was drawn.
        let grow_one = |tree_seed: u64, weights: &mut Vec<f64>| -> Result<Tree, Stopped> {
            let mut rng = SplitMix64::new(tree_seed);
            weights.clear();
            weights.resize(x.nrows(), 0.0);
            for _ in 0..draws {
                let r = rows[rng.below(rows.len() as u64) as usize];
                weights[r] += class_weights[r];
            }
            let mut sample: Vec<usize> =
                rows.iter().copied().filter(|&r| weights[r] > 0.0).collect();
            sample.sort_unstable();
            sample.dedup();
            let mut features: Vec<usize> = (0..width).collect();
            rng.shuffle(&mut features);
            features.truncate(feature_count);
            features.sort_unstable();
            let split_seed = rng.next_u64();
            Tree::grow_on(
                &columns,
                labels,
                weights,
                &sample,
                &features,
                &params.tree,
                split_seed,
                watch,
            )
        };
        let trees: Result<Vec<Vec<Tree>>, Stopped> = std::thread::scope(|scope| {
            let handles: Vec<_> = tree_seeds
                .chunks(chunk)
                .map(|part| {
                    let grown = &grown;
                    let grow_one = &grow_one;
                    scope.spawn(move || {
                        let started = thread_cpu();
                        let mut weights = Vec::new();
                        let trees = part
                            .iter()
                            .map(|&tree_seed| {
                                let tree = grow_one(tree_seed, &mut weights)?;
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

    /// [`Forest::distribution`] of every row of `x`, the same numbers. A
    /// block of rows goes down one tree after another, so each tree is read
    /// once a block while it is in the cache, not once a row; blocks are
    /// shared among the pool's threads.
    pub fn distributions(&self, x: &Array2<f64>) -> Vec<Vec<f64>> {
        const BLOCK: usize = 512;
        let width = self.classes.max(1);
        let n = self.trees.len().max(1) as f64;
        let rows: Vec<usize> = (0..x.nrows()).collect();
        rows.par_chunks(BLOCK)
            .flat_map_iter(|block| {
                let mut sums = vec![vec![0.0; width]; block.len()];
                for tree in &self.trees {
                    for (sum, &r) in sums.iter_mut().zip(block) {
                        for (s, p) in sum.iter_mut().zip(tree.distribution(x.row(r))) {
                            *s += p;
                        }
                    }
                }
                for sum in &mut sums {
                    sum.iter_mut().for_each(|s| *s /= n);
                }
                sums
            })
            .collect()
    }

    /// [`Forest::value`] of every row of `x`.
    pub fn values(&self, x: &Array2<f64>) -> Vec<f64> {
        self.distributions(x)
            .into_iter()
            .map(|d| d.first().copied().unwrap_or(f64::NAN))
            .collect()
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
    fn a_two_valued_column_splits_as_the_sorted_scan_would() -> Result<(), Stopped> {
        // Column 0 is one-hot in the rows grown on; column 1 is noise. In
        // `three` an extra row, left out of the fit, gives column 0 a third
        // value, so its splits take the sorted scan instead of the byte scan.
        let mut rng = SplitMix64::new(4);
        let n = 400;
        let mut values = Vec::with_capacity((n + 1) * 2);
        let mut y = Vec::with_capacity(n + 1);
        for _ in 0..n {
            let hot = rng.below(2) as f64;
            let noise = rng.unit();
            values.extend([hot, noise]);
            y.push(usize::from((hot == 1.0) ^ (noise < 0.2)));
        }
        values.extend([0.5, 0.5]);
        y.push(0);
        let three = Array2::from_shape_vec((n + 1, 2), values)
            .unwrap_or_else(|_| Array2::zeros((n + 1, 2)));
        let mut two = three.clone();
        two[[n, 0]] = 1.0;
        let rows: Vec<usize> = (0..n).collect();
        let params = TreeParams {
            quality: SplitQuality::Gini,
            max_depth: Some(6),
            min_samples_split: 2,
            max_features: MaxFeatures::All,
        };
        let fit = |x: &Array2<f64>| {
            Tree::fit(
                x,
                classes(&y),
                &rows,
                &[0, 1],
                &params,
                3,
                &Watch::unwatched(),
            )
        };
        let (fast, sorted) = (fit(&two)?, fit(&three)?);
        assert!(matches!(by_feature(&two)[0], Column::TwoValued { .. }));
        assert!(matches!(by_feature(&three)[0], Column::Values(_)));
        assert_eq!(fast, sorted);
        assert!(fast.leaves() > 2);
        Ok(())
    }

    #[test]
    fn a_forest_predicts_a_block_of_rows_as_it_predicts_each() -> Result<(), Stopped> {
        let mut rng = SplitMix64::new(8);
        let n = 1_500;
        let x = Array2::from_shape_fn((n, 3), |_| rng.unit());
        let y: Vec<usize> = (0..n)
            .map(|r| usize::from(x[[r, 0]] + x[[r, 1]] > 1.0))
            .collect();
        let rows: Vec<usize> = (0..n).collect();
        let forest = Forest::fit(
            &x,
            classes(&y),
            &rows,
            &ForestParams {
                trees: 20,
                tree: TreeParams {
                    quality: SplitQuality::Gini,
                    max_depth: None,
                    min_samples_split: 2,
                    max_features: MaxFeatures::Sqrt,
                },
                bootstrap_fraction: 1.0,
                feature_fraction: 1.0,
            },
            5,
            &Watch::unwatched(),
        )?;
        let each: Vec<Vec<f64>> = x.outer_iter().map(|row| forest.distribution(row)).collect();
        assert_eq!(forest.distributions(&x), each);
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
