//! CART decision trees and random forests, written here rather than taken
//! from linfa: linfa-trees keeps class weights in a `HashMap`, so ties break
//! differently from run to run and the same data can give another tree
//! (FIELD-NOTES measured 679–683 leaves). Here every choice is ordered
//! (features by index, rows by value then index, classes by index), leaves
//! keep class distributions (so trees give probabilities), and forests draw
//! their samples from our seeded generator.

use crate::rng::SplitMix64;
use crate::watch::{Stopped, Watch, thread_cpu};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitQuality {
    Gini,
    Entropy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeParams {
    pub quality: SplitQuality,
    /// None: grow until pure or too small.
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    Leaf {
        distribution: Vec<f64>,
    },
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
    classes: usize,
}

fn impurity(counts: &[f64], total: f64, quality: SplitQuality) -> f64 {
    if total <= 0.0 {
        return 0.0;
    }
    match quality {
        SplitQuality::Gini => {
            1.0 - counts
                .iter()
                .map(|c| (c / total) * (c / total))
                .sum::<f64>()
        }
        SplitQuality::Entropy => -counts
            .iter()
            .filter(|&&c| c > 0.0)
            .map(|c| (c / total) * (c / total).log2())
            .sum::<f64>(),
    }
}

/// What every node of one tree is grown from.
struct Growing<'a> {
    x: &'a Array2<f64>,
    y: &'a [usize],
    features: &'a [usize],
    params: &'a TreeParams,
    watch: &'a Watch<'a>,
}

struct Best {
    feature: usize,
    threshold: f64,
    score: f64,
}

impl Tree {
    /// Grows a tree on `rows` of `x`, using only `features`; `watch` is
    /// asked before each node.
    pub fn fit(
        x: &Array2<f64>,
        y: &[usize],
        classes: usize,
        rows: &[usize],
        features: &[usize],
        params: &TreeParams,
        watch: &Watch<'_>,
    ) -> Result<Tree, Stopped> {
        let mut tree = Tree {
            nodes: Vec::new(),
            classes,
        };
        let growing = Growing {
            x,
            y,
            features,
            params,
            watch,
        };
        tree.grow(&growing, rows.to_vec(), 0)?;
        Ok(tree)
    }

    fn grow(&mut self, g: &Growing<'_>, rows: Vec<usize>, depth: usize) -> Result<usize, Stopped> {
        let (x, y, features, params) = (g.x, g.y, g.features, g.params);
        g.watch.check()?;
        let mut counts = vec![0.0; self.classes];
        for &r in &rows {
            counts[y[r]] += 1.0;
        }
        let total = rows.len() as f64;
        let here = impurity(&counts, total, params.quality);
        let index = self.nodes.len();
        self.nodes.push(Node::Leaf {
            distribution: counts.iter().map(|c| c / total.max(1.0)).collect(),
        });
        let stop = here <= 0.0
            || rows.len() < params.min_samples_split.max(2)
            || params.max_depth.is_some_and(|d| depth >= d);
        if stop {
            return Ok(index);
        }
        // As in scikit-learn, a split that does not lower the impurity is still
        // taken (XOR needs one); growth ends because each child is smaller.
        let Some(best) = self.best_split(x, y, &rows, features, &counts, params.quality) else {
            return Ok(index);
        };
        let (left_rows, right_rows): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&r| x[[r, best.feature]] <= best.threshold);
        let left = self.grow(g, left_rows, depth + 1)?;
        let right = self.grow(g, right_rows, depth + 1)?;
        self.nodes[index] = Node::Split {
            feature: best.feature,
            threshold: best.threshold,
            left,
            right,
        };
        Ok(index)
    }

    fn best_split(
        &self,
        x: &Array2<f64>,
        y: &[usize],
        rows: &[usize],
        features: &[usize],
        counts: &[f64],
        quality: SplitQuality,
    ) -> Option<Best> {
        let total = rows.len() as f64;
        let mut best: Option<Best> = None;
        let mut order = rows.to_vec();
        for &feature in features {
            order.sort_by(|&a, &b| x[[a, feature]].total_cmp(&x[[b, feature]]).then(a.cmp(&b)));
            let mut left = vec![0.0; self.classes];
            for k in 0..order.len() - 1 {
                left[y[order[k]]] += 1.0;
                let (value, next) = (x[[order[k], feature]], x[[order[k + 1], feature]]);
                if value == next {
                    continue;
                }
                let n_left = (k + 1) as f64;
                let right: Vec<f64> = counts.iter().zip(&left).map(|(c, l)| c - l).collect();
                let score = (n_left * impurity(&left, n_left, quality)
                    + (total - n_left) * impurity(&right, total - n_left, quality))
                    / total;
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

    /// The class distribution of the leaf `row` falls in.
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

    pub fn leaves(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Leaf { .. }))
            .count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    pub trees: usize,
    pub tree: TreeParams,
    /// Rows drawn with replacement for each tree, as a share of the training rows.
    pub bootstrap_fraction: f64,
    /// Features each tree sees, as a share of all features (drawn without replacement).
    pub feature_fraction: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    trees: Vec<Tree>,
    classes: usize,
}

impl Forest {
    /// Grows the trees on the cores: `watch` hears each tree grown, is
    /// asked before each node, and counts the CPU time of the threads.
    pub fn fit(
        x: &Array2<f64>,
        y: &[usize],
        classes: usize,
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
        let samples: Vec<(Vec<usize>, Vec<usize>)> = tree_seeds
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
                (sample, features)
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
                            .map(|(sample, features)| {
                                let tree = Tree::fit(
                                    x,
                                    y,
                                    classes,
                                    sample,
                                    features,
                                    &params.tree,
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
            classes,
        })
    }

    /// The mean of the trees' leaf distributions.
    pub fn distribution(&self, row: ndarray::ArrayView1<f64>) -> Vec<f64> {
        let mut sum = vec![0.0; self.classes];
        for tree in &self.trees {
            for (s, p) in sum.iter_mut().zip(tree.distribution(row)) {
                *s += p;
            }
        }
        let n = self.trees.len().max(1) as f64;
        sum.iter().map(|s| s / n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        };
        let rows: Vec<usize> = (0..8).collect();
        let tree = Tree::fit(&x, &y, 2, &rows, &[0, 1], &params, &Watch::unwatched())?;
        for (r, &label) in y.iter().enumerate() {
            assert_eq!(tree.distribution(x.row(r))[label], 1.0);
        }
        assert_eq!(tree.leaves(), 4);
        let stump = Tree::fit(
            &x,
            &y,
            2,
            &rows,
            &[0, 1],
            &TreeParams {
                max_depth: Some(0),
                ..params
            },
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
            &y,
            2,
            &train,
            &[0, 1],
            &tree_params,
            &Watch::unwatched(),
        )?;
        let forest_params = ForestParams {
            trees: 50,
            tree: tree_params,
            bootstrap_fraction: 1.0,
            feature_fraction: 1.0,
        };
        let forest = Forest::fit(&x, &y, 2, &train, &forest_params, 1, &Watch::unwatched())?;
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
            },
            bootstrap_fraction: 1.0,
            feature_fraction: 1.0,
        };
        let rows: Vec<usize> = (0..8).collect();
        let watch = Watch::unwatched();
        let a = Forest::fit(&x, &y, 2, &rows, &params, 5, &watch)?;
        let b = Forest::fit(&x, &y, 2, &rows, &params, 5, &watch)?;
        assert_eq!(a, b);
        assert_ne!(a, Forest::fit(&x, &y, 2, &rows, &params, 6, &watch)?);
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
        let stopped = Forest::fit(&x, &y, 2, &rows, &params, 5, &Watch::new(&stop, &step));
        assert_eq!(stopped, Err(Stopped));
        assert!(grown.load(std::sync::atomic::Ordering::SeqCst) < 1_000);
    }
}
