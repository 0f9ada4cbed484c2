//! Early stopping of trials: asynchronous successive halving (ASHA, Li et
//! al. 2018) with a run's validation folds as its resource.
//!
//! A trial's rungs are fold counts `min_folds × reduction^k` below the
//! number of folds. When a trial has finished a rung's folds, its mean
//! headline metric over them is compared with every earlier trial that
//! reached the rung; it goes on when it is within the best
//! `1 / reduction` of them (the first to arrive always goes on), as
//! Optuna's `SuccessiveHalvingPruner` decides. Otherwise it is pruned: it
//! ends there, recorded with the rung it reached, and never trains a final
//! model.
//!
//! "Earlier" is by trial number, not by clock: the runner decides a rung
//! only once every lower-numbered trial has reached it or ended, so the
//! same spec prunes the same trials on one worker or many.

use serde::{Deserialize, Serialize};

/// A spec's `early_stop` table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EarlyStop {
    Asha {
        /// Only the best `1 / reduction` of trials at a rung go on.
        #[serde(default = "default_reduction")]
        reduction: u32,
        /// The folds of the first rung.
        #[serde(default = "default_min_folds")]
        min_folds: usize,
        /// At most this many rungs (all that fit below the folds when unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rungs: Option<usize>,
    },
}

fn default_reduction() -> u32 {
    3
}

fn default_min_folds() -> usize {
    1
}

impl EarlyStop {
    /// The fold counts at which a trial is compared, for `folds` folds; an
    /// error (for the spec's `early_stop` table) when the setting does not
    /// fit them.
    pub fn rungs(&self, folds: usize) -> Result<Vec<usize>, String> {
        let EarlyStop::Asha {
            reduction,
            min_folds,
            rungs,
        } = *self;
        if reduction < 2 {
            return Err(format!(
                "reduction is the share of trials a rung keeps (1 in reduction): at least 2, not {reduction}"
            ));
        }
        if min_folds == 0 {
            return Err("min_folds is the first rung's folds: at least 1".into());
        }
        if folds < 2 {
            return Err(
                "early stopping compares trials on their first folds: use k-fold validation with at least 2 folds"
                    .into(),
            );
        }
        let mut at = Vec::new();
        let mut folds_at = min_folds;
        while folds_at < folds {
            at.push(folds_at);
            folds_at = folds_at.saturating_mul(reduction as usize);
        }
        if at.is_empty() {
            return Err(format!(
                "the first rung (min_folds = {min_folds}) is not below the {folds} folds: lower min_folds or use more folds"
            ));
        }
        if let Some(wanted) = rungs {
            if wanted == 0 {
                return Err("rungs must be at least 1 (or leave it out)".into());
            }
            if wanted > at.len() {
                return Err(format!(
                    "{wanted} rungs do not fit {folds} folds: with min_folds = {min_folds} and reduction = {reduction} \
                     the rungs are at folds {} — ask for at most {} rungs, or use more folds",
                    join(&at),
                    at.len()
                ));
            }
            at.truncate(wanted);
        }
        Ok(at)
    }

    pub fn reduction(&self) -> u32 {
        let EarlyStop::Asha { reduction, .. } = *self;
        reduction
    }
}

fn join(values: &[usize]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a trial whose loss at a rung is `loss` (lower is better) goes on,
/// against the losses `earlier` trials had there: it must be no worse than
/// the `max(1, n / reduction)`-th best of all `n` including itself. A loss
/// that is not a number never goes on.
pub fn goes_on(loss: f64, earlier: &[f64], reduction: u32) -> bool {
    Cut::of(loss, earlier, reduction).admits(loss)
}

/// Where a rung cuts: the `keep` best of `of` trials (itself included) go
/// on, and the worst of them had `loss`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cut {
    pub keep: usize,
    pub of: usize,
    pub loss: f64,
}

impl Cut {
    pub fn of(loss: f64, earlier: &[f64], reduction: u32) -> Cut {
        let mut all: Vec<f64> = earlier.iter().copied().filter(|l| !l.is_nan()).collect();
        all.push(loss);
        all.sort_by(f64::total_cmp);
        let keep = (all.len() / reduction.max(1) as usize).max(1);
        Cut {
            keep,
            of: all.len(),
            loss: all.get(keep - 1).copied().unwrap_or(f64::NAN),
        }
    }

    /// Whether a trial with `loss` is among those that go on.
    pub fn admits(&self, loss: f64) -> bool {
        !loss.is_nan() && loss <= self.loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asha(reduction: u32, min_folds: usize, rungs: Option<usize>) -> EarlyStop {
        EarlyStop::Asha {
            reduction,
            min_folds,
            rungs,
        }
    }

    #[test]
    fn rungs_grow_by_the_reduction_below_the_folds() {
        assert_eq!(asha(3, 1, None).rungs(5), Ok(vec![1, 3]));
        assert_eq!(asha(2, 1, None).rungs(10), Ok(vec![1, 2, 4, 8]));
        assert_eq!(asha(2, 1, Some(2)).rungs(10), Ok(vec![1, 2]));
        assert_eq!(asha(3, 2, None).rungs(3), Ok(vec![2]));
    }

    #[test]
    fn settings_that_do_not_fit_the_folds_are_refused() {
        let more_rungs = asha(3, 1, Some(3)).rungs(5);
        assert!(
            more_rungs
                .as_ref()
                .is_err_and(|e| e.contains("3 rungs do not fit 5 folds") && e.contains("1, 3")),
            "{more_rungs:?}"
        );
        assert!(asha(3, 5, None).rungs(5).is_err());
        assert!(asha(1, 1, None).rungs(5).is_err());
        assert!(asha(3, 1, None).rungs(1).is_err());
        assert!(asha(3, 1, Some(0)).rungs(5).is_err());
    }

    #[test]
    fn only_the_best_share_goes_on() {
        // The first trial at a rung has nobody to lose to.
        assert!(goes_on(0.9, &[], 3));
        // Two before it: 3 / 3 = 1 goes on, so it must be the best.
        assert!(goes_on(0.1, &[0.2, 0.3], 3));
        assert!(!goes_on(0.25, &[0.2, 0.3], 3));
        // Six in all: the best two go on; a tie with the second goes on too.
        assert!(goes_on(0.2, &[0.1, 0.2, 0.5, 0.6, 0.7], 3));
        assert!(!goes_on(0.3, &[0.1, 0.2, 0.5, 0.6, 0.7], 3));
        assert!(!goes_on(f64::NAN, &[], 3));
        // Earlier trials without a number do not count.
        assert!(goes_on(0.5, &[f64::NAN], 3));
    }
}
