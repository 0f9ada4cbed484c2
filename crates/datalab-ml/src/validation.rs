//! Seeded validation splits: holdout and k-fold, stratified by class for
//! classification so every part keeps the class proportions.

use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// How an experiment measures a model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Validation {
    /// Train on one part, test on the rest.
    Holdout { test_fraction: f64 },
    /// Each row is tested once, by a model trained on the other folds.
    KFold { folds: usize },
}

impl Validation {
    /// How many folds a trial of a `task` trains and scores: clustering
    /// holds nothing out, and holdout has one split.
    pub fn fold_count(self, task: crate::catalog::Task) -> usize {
        match (task, self) {
            (crate::catalog::Task::Clustering, _) | (_, Validation::Holdout { .. }) => 1,
            (_, Validation::KFold { folds }) => folds,
        }
    }
}

/// Row indices of one train/test split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the test fraction must be between 0 and 1 (exclusive), not {0}")]
    BadFraction(String),
    #[error("k-fold needs at least 2 folds, not {0}")]
    TooFewFolds(usize),
    #[error("{rows} rows are too few for {folds} folds: use at most {rows} folds, or holdout")]
    TooFewRows { rows: usize, folds: usize },
    #[error("the split leaves no rows to {0}: use more data or another test fraction")]
    EmptyPart(&'static str),
}

/// Groups row indices by class (all rows in one group without classes),
/// each group shuffled with the seed.
fn shuffled_groups(rows: usize, classes: Option<&[usize]>, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = SplitMix64::new(seed);
    let mut groups: Vec<Vec<usize>> = match classes {
        None => vec![(0..rows).collect()],
        Some(labels) => {
            let count = labels.iter().copied().max().map_or(0, |m| m + 1);
            let mut groups = vec![Vec::new(); count];
            for (row, &label) in labels.iter().enumerate().take(rows) {
                groups[label].push(row);
            }
            groups
        }
    };
    for group in &mut groups {
        rng.shuffle(group);
    }
    groups
}

/// The splits for `validation` over `rows` rows; `classes` (one label per
/// row, 0-based) makes them stratified.
pub fn splits(
    validation: Validation,
    rows: usize,
    classes: Option<&[usize]>,
    seed: u64,
) -> Result<Vec<Split>, ValidationError> {
    match validation {
        Validation::Holdout { test_fraction } => {
            if !(test_fraction > 0.0 && test_fraction < 1.0) {
                return Err(ValidationError::BadFraction(test_fraction.to_string()));
            }
            let mut split = Split {
                train: Vec::new(),
                test: Vec::new(),
            };
            for group in shuffled_groups(rows, classes, seed) {
                let test = (group.len() as f64 * test_fraction).round() as usize;
                split.test.extend_from_slice(&group[..test]);
                split.train.extend_from_slice(&group[test..]);
            }
            if split.test.is_empty() {
                return Err(ValidationError::EmptyPart("test"));
            }
            if split.train.is_empty() {
                return Err(ValidationError::EmptyPart("train"));
            }
            split.train.sort_unstable();
            split.test.sort_unstable();
            Ok(vec![split])
        }
        Validation::KFold { folds } => {
            if folds < 2 {
                return Err(ValidationError::TooFewFolds(folds));
            }
            if rows < folds {
                return Err(ValidationError::TooFewRows { rows, folds });
            }
            // Deal each class's rows round-robin, continuing where the last class
            // stopped, so fold sizes differ by at most one.
            let mut fold_of = vec![0usize; rows];
            let mut next = 0usize;
            for group in shuffled_groups(rows, classes, seed) {
                for row in group {
                    fold_of[row] = next % folds;
                    next += 1;
                }
            }
            Ok((0..folds)
                .map(|fold| {
                    let (test, train): (Vec<usize>, Vec<usize>) =
                        (0..rows).partition(|&row| fold_of[row] == fold);
                    Split { train, test }
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_fold_tests_every_row_once_and_keeps_class_shares() -> Result<(), ValidationError> {
        let classes: Vec<usize> = (0..90).map(|i| if i < 60 { 0 } else { 1 }).collect();
        let folds = splits(Validation::KFold { folds: 3 }, 90, Some(&classes), 1)?;
        let mut tested: Vec<usize> = folds.iter().flat_map(|s| s.test.clone()).collect();
        tested.sort_unstable();
        assert_eq!(tested, (0..90).collect::<Vec<_>>());
        for split in &folds {
            let ones = split.test.iter().filter(|&&r| classes[r] == 1).count();
            assert_eq!((split.test.len(), ones), (30, 10));
            assert_eq!(split.train.len(), 60);
        }
        Ok(())
    }

    #[test]
    fn the_same_seed_gives_the_same_split() -> Result<(), ValidationError> {
        let v = Validation::Holdout {
            test_fraction: 0.25,
        };
        assert_eq!(splits(v, 100, None, 42)?, splits(v, 100, None, 42)?);
        assert_ne!(splits(v, 100, None, 42)?, splits(v, 100, None, 43)?);
        assert_eq!(splits(v, 100, None, 42)?[0].test.len(), 25);
        Ok(())
    }

    #[test]
    fn impossible_splits_are_explained() {
        let too_few = splits(Validation::KFold { folds: 10 }, 4, None, 0);
        assert_eq!(
            too_few,
            Err(ValidationError::TooFewRows { rows: 4, folds: 10 })
        );
        let bad = splits(Validation::Holdout { test_fraction: 1.5 }, 10, None, 0);
        assert!(matches!(bad, Err(ValidationError::BadFraction(_))));
    }
}
