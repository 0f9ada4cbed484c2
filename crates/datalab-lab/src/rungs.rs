//! The runner's side of early stopping: each trial's fold losses, the
//! trials waiting at a rung, and the verdicts, given in trial order.
//!
//! The rule itself (rungs, who goes on) is `datalab_ml::early_stop`'s. Here
//! a trial at a rung is decided only once every lower-numbered trial still
//! running has reached that rung too, so the verdicts do not depend on
//! which worker was faster.

use datalab_ml::early_stop::{self, EarlyStop};
use datalab_ml::trial::FoldResult;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::Sender;

/// A verdict at a rung.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub trial: u32,
    /// 1-based.
    pub rung: u32,
    pub goes_on: bool,
    /// Why it was pruned, for its record.
    pub why: String,
}

pub(crate) struct Rungs {
    /// Fold counts of the rungs.
    at: Vec<usize>,
    reduction: u32,
    metric: &'static str,
    /// Turns the metric into a loss (lower is better).
    sign: f64,
    /// Each trial's losses by fold.
    losses: BTreeMap<u32, BTreeMap<usize, f64>>,
    /// Trials running in this job: they may still reach rungs.
    live: BTreeSet<u32>,
    /// Trials waiting at a rung (its index) for their verdict.
    waiting: BTreeMap<u32, (usize, Sender<bool>)>,
}

impl Rungs {
    pub fn new(stop: EarlyStop, folds: usize, metric: &'static str) -> Rungs {
        Rungs {
            at: stop.rungs(folds).unwrap_or_default(),
            reduction: stop.reduction(),
            metric,
            sign: datalab_ml::metric_facts::loss_sign(metric),
            losses: BTreeMap::new(),
            live: BTreeSet::new(),
            waiting: BTreeMap::new(),
        }
    }

    /// The fold counts of the rungs.
    pub fn folds(&self) -> Vec<usize> {
        self.at.clone()
    }

    /// A fold's headline metric, kept for comparisons.
    pub fn record_fold(&mut self, trial: u32, fold: &FoldResult) {
        self.record(trial, fold.fold, &fold.metrics.scalars());
    }

    /// A fold's metrics by name (from a fold or the database).
    pub fn record(&mut self, trial: u32, fold: usize, metrics: &[(&str, f64)]) {
        if let Some((_, value)) = metrics.iter().find(|(name, _)| *name == self.metric) {
            self.losses
                .entry(trial)
                .or_default()
                .insert(fold, self.sign * value);
        }
    }

    pub fn started(&mut self, trial: u32) {
        self.live.insert(trial);
    }

    /// The trial ended (a verdict it waited for is moot).
    pub fn ended(&mut self, trial: u32) {
        self.live.remove(&trial);
        self.waiting.remove(&trial);
    }

    /// The trial asks at `folds_done` folds whether it goes on.
    pub fn wait(&mut self, trial: u32, folds_done: usize, answer: Sender<bool>) {
        match self.at.iter().position(|&at| at == folds_done) {
            Some(rung) => {
                self.waiting.insert(trial, (rung, answer));
            }
            None => {
                let _ = answer.send(true);
            }
        }
    }

    /// The mean loss of a trial's first folds at rung `rung`, when it has them all.
    fn loss_at(&self, trial: u32, rung: usize) -> Option<f64> {
        let folds = self.at[rung];
        let losses = self.losses.get(&trial)?;
        let sum: f64 = (0..folds)
            .map(|fold| losses.get(&fold))
            .sum::<Option<f64>>()?;
        Some(sum / folds as f64)
    }

    /// Decides every waiting trial whose earlier trials have all reached its
    /// rung or ended, in trial order, and sends each its verdict.
    pub fn decide(&mut self) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        loop {
            let ready = self.waiting.iter().find_map(|(&trial, &(rung, _))| {
                let blocked = self
                    .live
                    .range(..trial)
                    .any(|&earlier| self.loss_at(earlier, rung).is_none());
                (!blocked).then_some((trial, rung))
            });
            let Some((trial, rung)) = ready else {
                return verdicts;
            };
            let verdict = self.verdict(trial, rung);
            if let Some((_, answer)) = self.waiting.remove(&trial) {
                let _ = answer.send(verdict.goes_on);
            }
            verdicts.push(verdict);
        }
    }

    fn verdict(&self, trial: u32, rung: usize) -> Verdict {
        let earlier: Vec<f64> = self
            .losses
            .range(..trial)
            .filter_map(|(&other, _)| self.loss_at(other, rung))
            .collect();
        let loss = self.loss_at(trial, rung).unwrap_or(f64::NAN);
        let cut = early_stop::Cut::of(loss, &earlier, self.reduction);
        let goes_on = cut.admits(loss);
        let why = format!(
            "pruned at rung {} ({} of its folds): {} {:.4}, outside the best {} of the {} trials that reached it (needed {:.4})",
            rung + 1,
            self.at[rung],
            self.metric,
            self.sign * loss,
            cut.keep,
            cut.of,
            self.sign * cut.loss
        );
        Verdict {
            trial,
            rung: rung as u32 + 1,
            goes_on,
            why,
        }
    }
}
