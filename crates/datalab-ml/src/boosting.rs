//! Gradient-boosted trees, histogram-based as LightGBM and scikit-learn's
//! HistGradientBoosting are: each feature is cut into at most 255 bins once,
//! trees grow leaf-wise (the leaf whose best split gains most is split
//! next) on per-bin sums of gradients and hessians, and a child's
//! histogram is its parent's minus its sibling's, so only the smaller child
//! is counted.
//!
//! - Missing values (NaN) have a bin of their own; each split learns which
//!   side they go to. Unseen in training, they follow the larger child.
//! - Categorical features (category codes, see `features::Encoding::Native`)
//!   split on a set of categories: categories sorted by gradient over
//!   hessian, the best prefix taken (LightGBM's method), no one-hot.
//! - Losses: squared error, binary log loss, multinomial log loss (one tree
//!   per class per round).
//! - Early stopping holds out a seeded share of the training rows (by class
//!   for classifiers) and keeps the round with the lowest validation loss.
//!
//! Written here rather than taken from a crate: the Rust bindings of LightGBM
//! and XGBoost need CMake and a C++ toolchain (LightGBM 4.7 needs a CMake
//! newer than Debian 12's), and the pure-Rust `perpetual` has no learning
//! rate or round count to sweep and cannot report per round (see
//! ARCHITECTURE.md). Every sum runs in row order on one thread per feature,
//! so a model is bit-identical however many threads built it.

use crate::rng::SplitMix64;
use crate::watch::{Stopped, Watch, thread_cpu};
use ndarray::{Array2, ArrayView1};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The bin of a missing value.
const MISSING: u8 = 255;
/// Histogram slots per feature: 255 value bins and the missing one.
const SLOTS: usize = 256;
/// Smallest hessian sum a child may have (LightGBM's `min_sum_hessian_in_leaf`).
const MIN_HESSIAN: f64 = 1e-3;
/// Extra L2 and smoothing for categorical splits (LightGBM's `cat_l2`, `cat_smooth`).
const CATEGORY_L2: f64 = 10.0;
const CATEGORY_SMOOTH: f64 = 10.0;
/// Most categories on one side of a categorical split (LightGBM's `max_cat_threshold`).
const MAX_CATEGORIES_LEFT: usize = 32;
/// Histogram work (rows × features) above which features are counted on several threads.
const PARALLEL_CELLS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum EarlyStopping {
    Off,
    /// Stop when the validation loss has not improved for `patience` rounds.
    On {
        validation_fraction: f64,
        patience: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoostParams {
    pub rounds: usize,
    pub learning_rate: f64,
    pub max_leaves: usize,
    /// None: only `max_leaves` limits a tree.
    pub max_depth: Option<usize>,
    /// Fewest training rows in a leaf.
    pub min_leaf: usize,
    pub l2: f64,
    /// Share of rows each round's trees see (drawn without replacement).
    pub row_fraction: f64,
    /// Share of features each tree may split on.
    pub column_fraction: f64,
    /// Value bins per numeric feature, at most 255.
    pub max_bins: usize,
    pub early_stopping: EarlyStopping,
}

impl Default for BoostParams {
    fn default() -> Self {
        BoostParams {
            rounds: 100,
            learning_rate: 0.1,
            max_leaves: 31,
            max_depth: None,
            min_leaf: 20,
            l2: 0.0,
            row_fraction: 1.0,
            column_fraction: 1.0,
            max_bins: 255,
            early_stopping: EarlyStopping::Off,
        }
    }
}

/// What is learned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoostTarget<'a> {
    Numbers(&'a [f64]),
    /// `weights[class]` scale each row's gradient (`balanced` class weights).
    Classes {
        values: &'a [usize],
        count: usize,
        weights: Option<&'a [f64]>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Objective {
    Squared,
    Binary,
    Multiclass,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoostError {
    #[error(
        "diverged at round {round}: scores are no longer finite; lower learning_rate \
         or raise l2"
    )]
    Diverged { round: usize },
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    Leaf {
        value: f64,
    },
    Numeric {
        feature: u32,
        /// Rows with a value ≤ threshold go left (bin ≤ `bin` while training).
        threshold: f64,
        bin: u8,
        missing_left: bool,
        left: u32,
        right: u32,
    },
    Category {
        feature: u32,
        /// Sorted codes that go left; others, unseen and missing go right.
        left_codes: Vec<u32>,
        left: u32,
        right: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BoostTree {
    nodes: Vec<Node>,
}

impl BoostTree {
    /// The leaf value reached by going left wherever `goes_left` says so.
    fn walk(&self, goes_left: impl Fn(&Node) -> bool) -> f64 {
        let mut at = 0usize;
        loop {
            let node = &self.nodes[at];
            match node {
                Node::Leaf { value } => return *value,
                Node::Numeric { left, right, .. } | Node::Category { left, right, .. } => {
                    at = if goes_left(node) { *left } else { *right } as usize;
                }
            }
        }
    }

    fn value(&self, row: ArrayView1<f64>) -> f64 {
        self.walk(|node| match node {
            Node::Numeric {
                feature,
                threshold,
                missing_left,
                ..
            } => {
                let v = row[*feature as usize];
                if v.is_nan() {
                    *missing_left
                } else {
                    v <= *threshold
                }
            }
            Node::Category {
                feature,
                left_codes,
                ..
            } => {
                let v = row[*feature as usize];
                let code =
                    (v >= 0.0 && v.fract() == 0.0 && v < u32::MAX as f64).then_some(v as u32);
                code.is_some_and(|c| left_codes.binary_search(&c).is_ok())
            }
            Node::Leaf { .. } => false,
        })
    }

    fn value_binned(&self, binned: &Binned, row: usize) -> f64 {
        self.walk(|node| match node {
            Node::Numeric {
                feature,
                bin,
                missing_left,
                ..
            } => {
                let b = binned.columns[*feature as usize][row];
                if b == MISSING {
                    *missing_left
                } else {
                    b <= *bin
                }
            }
            Node::Category {
                feature,
                left_codes,
                ..
            } => {
                let b = binned.columns[*feature as usize][row];
                b != MISSING && left_codes.binary_search(&u32::from(b)).is_ok()
            }
            Node::Leaf { .. } => false,
        })
    }
}

/// A fitted booster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booster {
    objective: Objective,
    /// Starting score per output.
    base: Vec<f64>,
    /// Round-major: `trees[round * outputs + output]`.
    trees: Vec<BoostTree>,
    outputs: usize,
    classes: usize,
    /// Total split gain per feature.
    pub importance: Vec<f64>,
    /// Rounds kept (the best round under early stopping).
    pub rounds: usize,
    /// Whether early stopping ended the fit before its last round.
    pub stopped_early: bool,
    /// The lowest and highest raw score of the rows it was fitted on, as the
    /// fit left them (every tree kept): what predicting those rows again
    /// would give, so a check of the fit need not predict them. Not kept
    /// with the model.
    #[serde(skip)]
    pub fitted_scores: Option<(f64, f64)>,
}

/// Feature values cut into bins.
struct Binned {
    /// Column-major bins, `columns[feature][row]`.
    columns: Vec<Vec<u8>>,
    /// Upper edge of each value bin of numeric features (empty for categorical ones).
    edges: Vec<Vec<f64>>,
    /// Value bins per feature.
    bins: Vec<usize>,
    categorical: Vec<bool>,
}

/// Upper edges between consecutive distinct values (sorted), the last one infinite.
fn midpoint_edges(distinct: &[f64]) -> Vec<f64> {
    let mut edges: Vec<f64> = distinct
        .windows(2)
        .map(|w| w[0] + (w[1] - w[0]) / 2.0)
        .collect();
    edges.push(f64::INFINITY);
    edges
}

impl Binned {
    fn fit(x: &Array2<f64>, rows: &[usize], categorical: &[bool], max_bins: usize) -> Binned {
        let width = x.ncols();
        let is_categorical = |f: usize| categorical.get(f).copied().unwrap_or(false);
        // Each feature's bins are found on its own (on the pool's threads):
        // the same whatever their number.
        let (edges, bins): (Vec<Vec<f64>>, Vec<usize>) = (0..width)
            .into_par_iter()
            .map(|f| {
                if is_categorical(f) {
                    let top = rows
                        .iter()
                        .map(|&r| x[[r, f]])
                        .filter(|v| *v >= 0.0 && *v < f64::from(MISSING))
                        .fold(0.0, f64::max);
                    return (Vec::new(), top as usize + 1);
                }
                // One sort serves both: the distinct values, and the row
                // quantiles (repeats included, as LightGBM's bins) when there
                // are too many of them.
                let mut values: Vec<f64> = rows
                    .iter()
                    .map(|&r| x[[r, f]])
                    .filter(|v| !v.is_nan())
                    .collect();
                values.sort_unstable_by(f64::total_cmp);
                let mut distinct = values.clone();
                distinct.dedup();
                let e = if distinct.len() <= max_bins {
                    midpoint_edges(&distinct)
                } else {
                    let mut quantiles: Vec<f64> = (1..max_bins)
                        .map(|i| values[i * values.len() / max_bins])
                        .collect();
                    quantiles.dedup();
                    quantiles.push(f64::INFINITY);
                    quantiles
                };
                let count = e.len();
                (e, count)
            })
            .unzip();
        let mut binned = Binned {
            columns: Vec::new(),
            edges,
            bins,
            categorical: categorical.to_vec(),
        };
        binned.columns = (0..width)
            .into_par_iter()
            .map(|f| (0..x.nrows()).map(|r| binned.bin(f, x[[r, f]])).collect())
            .collect();
        binned
    }

    fn bin(&self, feature: usize, v: f64) -> u8 {
        if v.is_nan() {
            return MISSING;
        }
        if self.categorical.get(feature).copied().unwrap_or(false) {
            return if v >= 0.0 && v < f64::from(MISSING) && v.fract() == 0.0 {
                v as u8
            } else {
                MISSING
            };
        }
        let edges = &self.edges[feature];
        edges.partition_point(|e| *e < v).min(edges.len() - 1) as u8
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    g: f64,
    h: f64,
    n: u32,
}

type Histogram = Vec<Slot>;

/// A round's gradients and hessians by row; no hessians when every one is
/// 1 (squared error without weights), so histograms count instead.
#[derive(Debug, Clone, Copy)]
struct Gradients<'a> {
    g: &'a [f64],
    h: Option<&'a [f64]>,
}

fn build_histogram(
    binned: &Binned,
    features: &[usize],
    rows: &[u32],
    gradients: &Gradients<'_>,
    watch: &Watch<'_>,
) -> Histogram {
    let width = binned.columns.len();
    let mut histogram = vec![Slot::default(); width * SLOTS];
    // The leaf's gradients gathered once, in row order (LightGBM's "ordered
    // gradients"): each feature then reads them in sequence.
    let g: Vec<f64> = rows.iter().map(|&r| gradients.g[r as usize]).collect();
    let h: Option<Vec<f64>> = gradients
        .h
        .map(|h| rows.iter().map(|&r| h[r as usize]).collect());
    let count_feature = |f: usize, slots: &mut [Slot]| {
        let column = &binned.columns[f];
        match &h {
            Some(h) => {
                for ((&r, &gr), &hr) in rows.iter().zip(&g).zip(h) {
                    let slot = &mut slots[column[r as usize] as usize];
                    slot.g += gr;
                    slot.h += hr;
                    slot.n += 1;
                }
            }
            None => {
                // Every hessian is 1: the hessian sum is the count, exactly.
                for (&r, &gr) in rows.iter().zip(&g) {
                    let slot = &mut slots[column[r as usize] as usize];
                    slot.g += gr;
                    slot.n += 1;
                }
                for slot in slots.iter_mut() {
                    slot.h = f64::from(slot.n);
                }
            }
        }
    };
    let mut by_feature: Vec<Option<&mut [Slot]>> = histogram.chunks_mut(SLOTS).map(Some).collect();
    let mut wanted: Vec<(usize, &mut [Slot])> = features
        .iter()
        .filter_map(|&f| by_feature[f].take().map(|slots| (f, slots)))
        .collect();
    if rows.len() * wanted.len() < PARALLEL_CELLS {
        for (f, slots) in wanted {
            count_feature(f, slots);
        }
        return histogram;
    }
    // Each feature is summed by one task in row order, so the sums do not
    // depend on how many threads the pool has.
    wanted.par_iter_mut().for_each(|(f, slots)| {
        let started = thread_cpu();
        count_feature(*f, slots);
        watch.add_helper_cpu(thread_cpu().saturating_sub(started));
    });
    histogram
}

#[derive(Debug, Clone)]
enum SplitRule {
    Numeric { bin: u8, missing_left: bool },
    Category { left_codes: Vec<u32> },
}

#[derive(Debug, Clone)]
struct Candidate {
    feature: usize,
    gain: f64,
    rule: SplitRule,
    /// Sums of the rows going left and right (the children's totals).
    left: Slot,
    right: Slot,
}

fn score(g: f64, h: f64, l2: f64) -> f64 {
    g * g / (h + l2)
}

/// The best split of one leaf, over `features`.
fn best_split(
    binned: &Binned,
    histogram: &Histogram,
    features: &[usize],
    totals: Slot,
    params: &BoostParams,
) -> Option<Candidate> {
    let min_leaf = params.min_leaf.max(1) as u32;
    let valid = |left: Slot, right: Slot| {
        left.n >= min_leaf && right.n >= min_leaf && left.h >= MIN_HESSIAN && right.h >= MIN_HESSIAN
    };
    let sub = |a: Slot, b: Slot| Slot {
        g: a.g - b.g,
        h: a.h - b.h,
        n: a.n - b.n,
    };
    let mut best: Option<Candidate> = None;
    let better = |best: &Option<Candidate>, gain: f64| {
        gain > 1e-12 && best.as_ref().is_none_or(|b| gain > b.gain)
    };
    for &f in features {
        let slots = &histogram[f * SLOTS..(f + 1) * SLOTS];
        let missing = slots[MISSING as usize];
        let bins = binned.bins[f];
        if binned.categorical[f] {
            let l2 = params.l2 + CATEGORY_L2;
            let parent = score(totals.g, totals.h, l2);
            let mut present: Vec<(u32, Slot)> = (0..bins.min(MISSING as usize))
                .filter(|&b| slots[b].n > 0)
                .map(|b| (b as u32, slots[b]))
                .collect();
            if present.len() < 2 {
                continue;
            }
            present.sort_by(|a, b| {
                let ra = a.1.g / (a.1.h + CATEGORY_SMOOTH);
                let rb = b.1.g / (b.1.h + CATEGORY_SMOOTH);
                ra.total_cmp(&rb).then(a.0.cmp(&b.0))
            });
            // Prefixes from either end of the order, up to MAX_CATEGORIES_LEFT.
            for reversed in [false, true] {
                let order: Vec<&(u32, Slot)> = if reversed {
                    present.iter().rev().collect()
                } else {
                    present.iter().collect()
                };
                let mut left = Slot::default();
                for (i, (_, slot)) in order
                    .iter()
                    .enumerate()
                    .take((present.len() - 1).min(MAX_CATEGORIES_LEFT))
                {
                    left.g += slot.g;
                    left.h += slot.h;
                    left.n += slot.n;
                    let right = sub(totals, left);
                    if !valid(left, right) {
                        continue;
                    }
                    let gain = score(left.g, left.h, l2) + score(right.g, right.h, l2) - parent;
                    if better(&best, gain) {
                        let mut codes: Vec<u32> = order[..=i].iter().map(|(c, _)| *c).collect();
                        codes.sort_unstable();
                        best = Some(Candidate {
                            feature: f,
                            gain,
                            rule: SplitRule::Category { left_codes: codes },
                            left,
                            right,
                        });
                    }
                }
            }
            continue;
        }
        let parent = score(totals.g, totals.h, params.l2);
        let directions: &[bool] = if missing.n > 0 {
            &[false, true]
        } else {
            &[false]
        };
        for &missing_left in directions {
            let mut left = if missing_left {
                missing
            } else {
                Slot::default()
            };
            for (b, slot) in slots.iter().enumerate().take(bins.saturating_sub(1)) {
                left.g += slot.g;
                left.h += slot.h;
                left.n += slot.n;
                let right = sub(totals, left);
                if !valid(left, right) {
                    continue;
                }
                let gain =
                    score(left.g, left.h, params.l2) + score(right.g, right.h, params.l2) - parent;
                // Missing values unseen in training follow the larger side.
                let missing_left = if missing.n > 0 {
                    missing_left
                } else {
                    left.n >= right.n
                };
                if better(&best, gain) {
                    best = Some(Candidate {
                        feature: f,
                        gain,
                        rule: SplitRule::Numeric {
                            bin: b as u8,
                            missing_left,
                        },
                        left,
                        right,
                    });
                }
            }
        }
    }
    best
}

struct Leaf {
    node: usize,
    rows: Vec<u32>,
    depth: usize,
    totals: Slot,
    histogram: Option<Histogram>,
    best: Option<Candidate>,
}

fn totals_of(rows: &[u32], gradients: &Gradients<'_>) -> Slot {
    let mut t = Slot::default();
    for &r in rows {
        t.g += gradients.g[r as usize];
        t.h += gradients.h.map_or(1.0, |h| h[r as usize]);
        t.n += 1;
    }
    t
}

/// Grows one tree on `rows` for gradients `g`, `h`.
#[allow(clippy::too_many_arguments)]
fn grow_tree(
    binned: &Binned,
    rows: Vec<u32>,
    features: &[usize],
    gradients: &Gradients<'_>,
    params: &BoostParams,
    importance: &mut [f64],
    watch: &Watch<'_>,
) -> (BoostTree, Vec<(f64, Vec<u32>)>) {
    let leaf_value = |t: Slot| -params.learning_rate * t.g / (t.h + params.l2).max(1e-12);
    let mut nodes = vec![Node::Leaf { value: 0.0 }];
    let totals = totals_of(&rows, gradients);
    let histogram = build_histogram(binned, features, &rows, gradients, watch);
    let can_split = |depth: usize, n: usize| {
        params.max_depth.is_none_or(|d| depth < d) && n >= 2 * params.min_leaf.max(1)
    };
    let best = can_split(0, rows.len())
        .then(|| best_split(binned, &histogram, features, totals, params))
        .flatten();
    let mut leaves = vec![Leaf {
        node: 0,
        rows,
        depth: 0,
        totals,
        histogram: Some(histogram),
        best,
    }];
    while leaves.len() < params.max_leaves.max(2) {
        // The leaf whose split gains most; ties to the earliest node.
        let Some(pick) = leaves
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.best.as_ref().map(|b| (i, b.gain, l.node)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|(i, _, _)| i)
        else {
            break;
        };
        let leaf = leaves.swap_remove(pick);
        let Some(candidate) = leaf.best else { break };
        let column = &binned.columns[candidate.feature];
        let goes_left = |r: u32| {
            let b = column[r as usize];
            match &candidate.rule {
                SplitRule::Numeric { bin, missing_left } => {
                    if b == MISSING {
                        *missing_left
                    } else {
                        b <= *bin
                    }
                }
                SplitRule::Category { left_codes } => {
                    b != MISSING && left_codes.binary_search(&u32::from(b)).is_ok()
                }
            }
        };
        let (left_rows, right_rows): (Vec<u32>, Vec<u32>) =
            leaf.rows.iter().partition(|&&r| goes_left(r));
        importance[candidate.feature] += candidate.gain;
        let (left_node, right_node) = (nodes.len(), nodes.len() + 1);
        nodes.push(Node::Leaf { value: 0.0 });
        nodes.push(Node::Leaf { value: 0.0 });
        nodes[leaf.node] = match &candidate.rule {
            SplitRule::Numeric { bin, missing_left } => Node::Numeric {
                feature: candidate.feature as u32,
                threshold: binned.edges[candidate.feature][*bin as usize],
                bin: *bin,
                missing_left: *missing_left,
                left: left_node as u32,
                right: right_node as u32,
            },
            SplitRule::Category { left_codes } => Node::Category {
                feature: candidate.feature as u32,
                left_codes: left_codes.clone(),
                left: left_node as u32,
                right: right_node as u32,
            },
        };
        let depth = leaf.depth + 1;
        let (left_totals, right_totals) = (candidate.left, candidate.right);
        let want_left = can_split(depth, left_rows.len());
        let want_right = can_split(depth, right_rows.len());
        let (left_histogram, right_histogram) = if want_left || want_right {
            // Count the smaller child; the larger is the parent minus it.
            let parent = leaf
                .histogram
                .unwrap_or_else(|| build_histogram(binned, features, &leaf.rows, gradients, watch));
            let left_smaller = left_rows.len() <= right_rows.len();
            let small_rows = if left_smaller {
                &left_rows
            } else {
                &right_rows
            };
            let small = build_histogram(binned, features, small_rows, gradients, watch);
            let mut large = parent;
            for (l, s) in large.iter_mut().zip(&small) {
                l.g -= s.g;
                l.h -= s.h;
                l.n -= s.n;
            }
            if left_smaller {
                (Some(small), Some(large))
            } else {
                (Some(large), Some(small))
            }
        } else {
            (None, None)
        };
        for (node, rows, totals, histogram, wanted) in [
            (left_node, left_rows, left_totals, left_histogram, want_left),
            (
                right_node,
                right_rows,
                right_totals,
                right_histogram,
                want_right,
            ),
        ] {
            let best = if wanted {
                histogram
                    .as_ref()
                    .and_then(|hist| best_split(binned, hist, features, totals, params))
            } else {
                None
            };
            leaves.push(Leaf {
                node,
                rows,
                depth,
                totals,
                histogram: if wanted { histogram } else { None },
                best,
            });
        }
    }
    let mut reached = Vec::with_capacity(leaves.len());
    for leaf in leaves {
        let value = leaf_value(leaf.totals);
        nodes[leaf.node] = Node::Leaf { value };
        reached.push((value, leaf.rows));
    }
    (BoostTree { nodes }, reached)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn softmax_into(scores: &[f64], out: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for (o, s) in out.iter_mut().zip(scores) {
        *o = (s - max).exp();
        total += *o;
    }
    out.iter_mut().for_each(|o| *o /= total);
}

/// Loss of raw `scores` (row-major, `outputs` per row) on `rows`.
fn loss(
    objective: Objective,
    scores: &[f64],
    outputs: usize,
    target: &BoostTarget<'_>,
    rows: &[usize],
) -> f64 {
    let mut total = 0.0;
    let mut p = vec![0.0; outputs];
    for (i, &r) in rows.iter().enumerate() {
        let s = &scores[i * outputs..(i + 1) * outputs];
        total += match (objective, target) {
            (Objective::Squared, BoostTarget::Numbers(y)) => (s[0] - y[r]).powi(2),
            (Objective::Binary, BoostTarget::Classes { values, .. }) => {
                let q = sigmoid(s[0]).clamp(1e-15, 1.0 - 1e-15);
                if values[r] == 1 {
                    -q.ln()
                } else {
                    -(1.0 - q).ln()
                }
            }
            (Objective::Multiclass, BoostTarget::Classes { values, .. }) => {
                softmax_into(s, &mut p);
                -p[values[r]].max(1e-15).ln()
            }
            _ => 0.0,
        };
    }
    total / rows.len().max(1) as f64
}

impl Booster {
    /// Fits on the rows of `x`. `categorical[f]` marks features holding
    /// category codes. `watch` is asked before every tree and hears rounds.
    pub fn fit(
        x: &Array2<f64>,
        target: BoostTarget<'_>,
        categorical: &[bool],
        params: &BoostParams,
        seed: u64,
        watch: &Watch<'_>,
    ) -> Result<Booster, BoostError> {
        let n = x.nrows();
        let width = x.ncols();
        if n == 0 {
            return Err(BoostError::BadInput("no training rows".into()));
        }
        let (objective, outputs, classes) = match target {
            BoostTarget::Numbers(y) => {
                if y.iter().any(|v| !v.is_finite()) {
                    return Err(BoostError::BadInput(
                        "the target holds NaN or infinity".into(),
                    ));
                }
                (Objective::Squared, 1, 0)
            }
            BoostTarget::Classes { count, .. } if count <= 2 => (Objective::Binary, 1, count),
            BoostTarget::Classes { count, .. } => (Objective::Multiclass, count, count),
        };
        let mut rng = SplitMix64::new(seed);
        // Validation rows for early stopping: a seeded share, by class for classifiers.
        let (train, valid, patience): (Vec<usize>, Vec<usize>, usize) = match params.early_stopping
        {
            EarlyStopping::On {
                validation_fraction,
                patience,
            } if n >= 20 => {
                let mut groups: Vec<Vec<usize>> = match target {
                    BoostTarget::Classes { values, count, .. } => {
                        let mut g = vec![Vec::new(); count.max(1)];
                        for (r, &c) in values.iter().enumerate() {
                            g[c.min(count.max(1) - 1)].push(r);
                        }
                        g
                    }
                    BoostTarget::Numbers(_) => vec![(0..n).collect()],
                };
                let (mut train, mut valid) = (Vec::new(), Vec::new());
                for group in &mut groups {
                    rng.shuffle(group);
                    let held = (group.len() as f64 * validation_fraction).round() as usize;
                    let held = held.min(group.len().saturating_sub(1));
                    valid.extend_from_slice(&group[..held]);
                    train.extend_from_slice(&group[held..]);
                }
                train.sort_unstable();
                valid.sort_unstable();
                if valid.is_empty() {
                    // Too few rows per class to hold any out: no early stopping.
                    ((0..n).collect(), Vec::new(), 0)
                } else {
                    (train, valid, patience.max(1))
                }
            }
            _ => ((0..n).collect(), Vec::new(), 0),
        };
        let binned = Binned::fit(x, &train, categorical, params.max_bins.clamp(2, 255));
        let base: Vec<f64> = match target {
            BoostTarget::Numbers(y) => {
                vec![train.iter().map(|&r| y[r]).sum::<f64>() / train.len() as f64]
            }
            BoostTarget::Classes {
                values,
                count,
                weights,
            } => {
                let mut counts = vec![0.0; count.max(2)];
                for &r in &train {
                    counts[values[r]] += weights.map_or(1.0, |w| w[values[r]]);
                }
                let total: f64 = counts.iter().sum();
                if objective == Objective::Binary {
                    let p = (counts[1] / total).clamp(1e-6, 1.0 - 1e-6);
                    vec![(p / (1.0 - p)).ln()]
                } else {
                    counts.iter().map(|c| (c / total).max(1e-6).ln()).collect()
                }
            }
        };
        // Raw scores of every row of x (training and validation), row-major.
        let mut scores: Vec<f64> = (0..n).flat_map(|_| base.iter().copied()).collect();
        let mut g = vec![0.0; n];
        let mut h = vec![0.0; n];
        let mut trees: Vec<BoostTree> = Vec::new();
        let mut importance = vec![0.0; width];
        let mut best = (f64::INFINITY, 0usize, Vec::<f64>::new());
        let mut stopped_early = false;
        let all_features: Vec<usize> = (0..width).collect();
        for round in 0..params.rounds {
            watch.check()?;
            watch.step(round as u64, params.rounds as u64);
            let bag: Vec<u32> = if params.row_fraction < 1.0 {
                let mut sample = train.clone();
                rng.shuffle(&mut sample);
                sample
                    .truncate(((train.len() as f64 * params.row_fraction).ceil() as usize).max(1));
                sample.sort_unstable();
                sample.into_iter().map(|r| r as u32).collect()
            } else {
                train.iter().map(|&r| r as u32).collect()
            };
            let mut round_importance = vec![0.0; width];
            let mut leaves_of_round: Vec<Vec<(f64, Vec<u32>)>> = Vec::with_capacity(outputs);
            for output in 0..outputs {
                // Every row's gradient (validation rows' too, unused: it
                // keeps the rows contiguous for the pool's threads).
                g.par_iter_mut()
                    .zip(h.par_iter_mut())
                    .enumerate()
                    .for_each_init(
                        || vec![0.0; outputs],
                        |probabilities, (r, (g, h))| {
                            let s = &scores[r * outputs..(r + 1) * outputs];
                            let (gr, hr) = match (objective, target) {
                                (Objective::Squared, BoostTarget::Numbers(y)) => (s[0] - y[r], 1.0),
                                (Objective::Binary, BoostTarget::Classes { values, .. }) => {
                                    let p = sigmoid(s[0]);
                                    (p - f64::from(values[r] == 1), (p * (1.0 - p)).max(1e-16))
                                }
                                (Objective::Multiclass, BoostTarget::Classes { values, .. }) => {
                                    softmax_into(s, probabilities);
                                    let p = probabilities[output];
                                    (
                                        p - f64::from(values[r] == output),
                                        (p * (1.0 - p)).max(1e-16),
                                    )
                                }
                                _ => (0.0, 1.0),
                            };
                            let weight = match target {
                                BoostTarget::Classes {
                                    values,
                                    weights: Some(w),
                                    ..
                                } => w[values[r]],
                                _ => 1.0,
                            };
                            *g = gr * weight;
                            *h = hr * weight;
                        },
                    );
                let features: Vec<usize> = if params.column_fraction < 1.0 {
                    let mut f = all_features.clone();
                    rng.shuffle(&mut f);
                    f.truncate(((width as f64 * params.column_fraction).ceil() as usize).max(1));
                    f.sort_unstable();
                    f
                } else {
                    all_features.clone()
                };
                // Squared error's hessians are all 1: histograms count them.
                let gradients = Gradients {
                    g: &g,
                    h: (objective != Objective::Squared).then_some(h.as_slice()),
                };
                let (tree, reached) = grow_tree(
                    &binned,
                    bag.clone(),
                    &features,
                    &gradients,
                    params,
                    &mut round_importance,
                    watch,
                );
                leaves_of_round.push(reached);
                let finite = tree.nodes.iter().all(|node| match node {
                    Node::Leaf { value } => value.is_finite(),
                    _ => true,
                });
                if !finite || round_importance.iter().any(|g| !g.is_finite()) {
                    return Err(BoostError::Diverged { round: round + 1 });
                }
                trees.push(tree);
            }
            // Every tree of the round is grown on the same scores (multiclass
            // too). Rows the trees were grown on take their leaf's value; the
            // others (validation, out of the bag) go down the tree.
            let first = trees.len() - outputs;
            let mut placed = vec![false; n];
            for (output, reached) in leaves_of_round.iter().enumerate() {
                for (value, rows) in reached {
                    for &r in rows {
                        scores[r as usize * outputs + output] += value;
                        placed[r as usize] = true;
                    }
                }
            }
            for r in (0..n).filter(|&r| !placed[r]) {
                for output in 0..outputs {
                    scores[r * outputs + output] += trees[first + output].value_binned(&binned, r);
                }
            }
            if scores.iter().any(|s| !s.is_finite()) {
                return Err(BoostError::Diverged { round: round + 1 });
            }
            if patience > 0 {
                let valid_scores: Vec<f64> = valid
                    .iter()
                    .flat_map(|&r| scores[r * outputs..(r + 1) * outputs].iter().copied())
                    .collect();
                let value = loss(objective, &valid_scores, outputs, &target, &valid);
                if value < best.0 - 1e-7 * best.0.abs().max(1e-12) {
                    best = (value, round + 1, importance.clone());
                    for (total, add) in best.2.iter_mut().zip(&round_importance) {
                        *total += add;
                    }
                } else if round + 1 - best.1 >= patience {
                    stopped_early = true;
                    for (total, add) in importance.iter_mut().zip(&round_importance) {
                        *total += add;
                    }
                    break;
                }
            }
            for (total, add) in importance.iter_mut().zip(&round_importance) {
                *total += add;
            }
        }
        let all_kept = !(patience > 0 && best.1 > 0 && best.1 * outputs < trees.len());
        let fitted_scores = all_kept.then(|| {
            scores
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &s| {
                    (low.min(s), high.max(s))
                })
        });
        let rounds = if patience > 0 && best.1 > 0 {
            trees.truncate(best.1 * outputs);
            importance = best.2;
            best.1
        } else {
            trees.len() / outputs.max(1)
        };
        watch.step(params.rounds as u64, params.rounds as u64);
        Ok(Booster {
            objective,
            base,
            trees,
            outputs,
            classes,
            importance,
            rounds,
            stopped_early,
            fitted_scores,
        })
    }

    /// Raw scores of one row into `scores`, one per output.
    fn raw_into(&self, row: ArrayView1<f64>, scores: &mut [f64]) {
        scores.copy_from_slice(&self.base);
        for round in self.trees.chunks(self.outputs) {
            for (score, tree) in scores.iter_mut().zip(round) {
                *score += tree.value(row);
            }
        }
    }

    /// Whether this booster predicts numbers (else classes).
    pub fn is_regression(&self) -> bool {
        self.objective == Objective::Squared
    }

    pub fn values(&self, x: &Array2<f64>) -> Vec<f64> {
        let mut scores = vec![0.0; self.outputs];
        x.outer_iter()
            .map(|row| {
                self.raw_into(row, &mut scores);
                scores[0]
            })
            .collect()
    }

    /// `probabilities[row][class]`.
    pub fn probabilities(&self, x: &Array2<f64>) -> Vec<Vec<f64>> {
        let mut scores = vec![0.0; self.outputs];
        x.outer_iter()
            .map(|row| {
                self.raw_into(row, &mut scores);
                match self.objective {
                    Objective::Binary => {
                        let p = sigmoid(scores[0]);
                        let mut out = vec![0.0; self.classes.max(2)];
                        out[0] = 1.0 - p;
                        out[1] = p;
                        out
                    }
                    _ => {
                        let mut out = vec![0.0; self.outputs];
                        softmax_into(&scores, &mut out);
                        out
                    }
                }
            })
            .collect()
    }

    /// Trees in the model (rounds × outputs).
    pub fn tree_count(&self) -> usize {
        self.trees.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
        let mut rng = SplitMix64::new(seed);
        let mut values = Vec::with_capacity(n * 3);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let (a, b, c) = (
                rng.unit() * 4.0 - 2.0,
                rng.unit() * 4.0 - 2.0,
                rng.below(5) as f64,
            );
            values.extend([a, b, c]);
            y.push(
                a.sin() * 2.0 + b * b * 0.5 + if c == 3.0 { 1.5 } else { 0.0 } + 0.1 * rng.unit(),
            );
        }
        (
            Array2::from_shape_vec((n, 3), values).unwrap_or_else(|_| Array2::zeros((n, 3))),
            y,
        )
    }

    #[test]
    fn boosting_fits_a_nonlinear_function_with_a_categorical_feature() -> Result<(), BoostError> {
        let (x, y) = data(3_000, 1);
        let train: Vec<usize> = (0..2_000).collect();
        let xt = x.select(ndarray::Axis(0), &train);
        let params = BoostParams {
            rounds: 200,
            ..BoostParams::default()
        };
        let model = Booster::fit(
            &xt,
            BoostTarget::Numbers(&y[..2_000]),
            &[false, false, true],
            &params,
            0,
            &Watch::unwatched(),
        )?;
        let test = x.select(ndarray::Axis(0), &(2_000..3_000).collect::<Vec<_>>());
        let predicted = model.values(&test);
        let mean = y[2_000..].iter().sum::<f64>() / 1_000.0;
        let total: f64 = y[2_000..].iter().map(|v| (v - mean).powi(2)).sum();
        let residual: f64 = predicted
            .iter()
            .zip(&y[2_000..])
            .map(|(p, v)| (p - v).powi(2))
            .sum();
        let r2 = 1.0 - residual / total;
        assert!(r2 > 0.97, "r2 {r2}");
        // The categorical feature matters and is split on as a set.
        assert!(model.importance[2] > 0.0);
        Ok(())
    }

    #[test]
    fn missing_values_learn_their_own_side() -> Result<(), BoostError> {
        // y is high exactly where the feature is missing.
        let n = 1_000;
        let values: Vec<f64> = (0..n)
            .map(|i| if i % 4 == 0 { f64::NAN } else { (i % 7) as f64 })
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if i % 4 == 0 {
                    10.0
                } else {
                    (i % 7) as f64 * 0.1
                }
            })
            .collect();
        let x = Array2::from_shape_vec((n, 1), values).unwrap_or_else(|_| Array2::zeros((n, 1)));
        let model = Booster::fit(
            &x,
            BoostTarget::Numbers(&y),
            &[false],
            &BoostParams::default(),
            0,
            &Watch::unwatched(),
        )?;
        let probe = Array2::from_shape_vec((2, 1), vec![f64::NAN, 3.0])
            .unwrap_or_else(|_| Array2::zeros((2, 1)));
        let p = model.values(&probe);
        assert!((p[0] - 10.0).abs() < 0.1, "{p:?}");
        assert!((p[1] - 0.3).abs() < 0.1, "{p:?}");
        Ok(())
    }

    #[test]
    fn early_stopping_keeps_the_best_round_and_is_reproducible() -> Result<(), BoostError> {
        let (x, y) = data(2_000, 2);
        let params = BoostParams {
            rounds: 2_000,
            learning_rate: 0.3,
            early_stopping: EarlyStopping::On {
                validation_fraction: 0.2,
                patience: 5,
            },
            ..BoostParams::default()
        };
        let a = Booster::fit(
            &x,
            BoostTarget::Numbers(&y),
            &[false, false, true],
            &params,
            4,
            &Watch::unwatched(),
        )?;
        assert!(a.stopped_early);
        assert!(a.rounds < 2_000);
        assert_eq!(a.tree_count(), a.rounds);
        let b = Booster::fit(
            &x,
            BoostTarget::Numbers(&y),
            &[false, false, true],
            &params,
            4,
            &Watch::unwatched(),
        )?;
        assert_eq!(a, b);
        Ok(())
    }

    #[test]
    fn classes_get_probabilities_that_sum_to_one() -> Result<(), BoostError> {
        let (x, y) = data(1_500, 3);
        let labels: Vec<usize> = y
            .iter()
            .map(|v| {
                if *v < 0.5 {
                    0
                } else if *v < 2.0 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let model = Booster::fit(
            &x,
            BoostTarget::Classes {
                values: &labels,
                count: 3,
                weights: None,
            },
            &[false, false, true],
            &BoostParams::default(),
            0,
            &Watch::unwatched(),
        )?;
        let probabilities = model.probabilities(&x);
        let mut correct = 0;
        for (p, &label) in probabilities.iter().zip(&labels) {
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let best = p
                .iter()
                .enumerate()
                .fold((0, -1.0), |b, (k, &v)| if v > b.1 { (k, v) } else { b })
                .0;
            correct += usize::from(best == label);
        }
        assert!(correct as f64 / 1_500.0 > 0.9);
        let binary: Vec<usize> = labels.iter().map(|&l| usize::from(l == 2)).collect();
        let model = Booster::fit(
            &x,
            BoostTarget::Classes {
                values: &binary,
                count: 2,
                weights: None,
            },
            &[false, false, true],
            &BoostParams::default(),
            0,
            &Watch::unwatched(),
        )?;
        assert_eq!(model.probabilities(&x)[0].len(), 2);
        Ok(())
    }

    #[test]
    fn the_scores_a_fit_keeps_are_its_predictions_on_its_rows() -> Result<(), BoostError> {
        let (x, y) = data(1_000, 5);
        let model = Booster::fit(
            &x,
            BoostTarget::Numbers(&y),
            &[false, false, true],
            &BoostParams::default(),
            0,
            &Watch::unwatched(),
        )?;
        let predicted = model.values(&x);
        let low = predicted.iter().copied().fold(f64::INFINITY, f64::min);
        let high = predicted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let Some((kept_low, kept_high)) = model.fitted_scores else {
            panic!("a fit that kept every tree knows its scores");
        };
        assert!((kept_low - low).abs() < 1e-9 && (kept_high - high).abs() < 1e-9);
        Ok(())
    }

    #[test]
    fn a_huge_learning_rate_on_huge_targets_is_reported_not_served() {
        let n = 200;
        let x = Array2::from_shape_fn((n, 1), |(r, _)| r as f64);
        let y: Vec<f64> = (0..n)
            .map(|r| if r % 2 == 0 { 1e300 } else { -1e300 })
            .collect();
        let params = BoostParams {
            rounds: 50,
            learning_rate: 1.0,
            min_leaf: 1,
            ..BoostParams::default()
        };
        let fit = Booster::fit(
            &x,
            BoostTarget::Numbers(&y),
            &[false],
            &params,
            0,
            &Watch::unwatched(),
        );
        assert!(matches!(fit, Err(BoostError::Diverged { .. })), "{fit:?}");
    }
}
