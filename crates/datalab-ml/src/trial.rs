//! One trial: a model with fixed hyperparameters, trained and tested on each
//! split of the validation, with preprocessing fitted on the training rows
//! only, timed, and scored by the shared metrics.

use crate::catalog::{ModelSpec, Task};
use crate::features::{FeatureError, InputColumn, Preprocessor};
use crate::metrics::{self, ClassificationMetrics, RegressionMetrics};
use crate::models::{self, FitError, Params, Predictions, Target};
use crate::rng::SplitMix64;
use crate::threshold::{Decision, ThresholdError, ThresholdRule};
use crate::validation::{self, Validation, ValidationError};
use crate::watch::Watch;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// The target column, prepared for the task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TargetColumn {
    /// Class index per row, into `labels` (sorted).
    Classes {
        labels: Vec<String>,
        values: Vec<usize>,
    },
    Numbers(Vec<f64>),
    /// Clustering.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Metrics {
    Classification(ClassificationMetrics),
    Regression(RegressionMetrics),
    Clustering {
        clusters: usize,
        silhouette: Option<f64>,
        inertia: f64,
    },
}

impl Metrics {
    /// The single numbers of these metrics, by name (for tables, sweeps and tests over folds).
    pub fn scalars(&self) -> Vec<(&'static str, f64)> {
        match self {
            Metrics::Classification(m) => {
                let mut out = vec![
                    ("accuracy", m.accuracy),
                    ("precision_macro", m.precision_macro),
                    ("recall_macro", m.recall_macro),
                    ("f1_macro", m.f1_macro),
                    ("precision_weighted", m.precision_weighted),
                    ("recall_weighted", m.recall_weighted),
                    ("f1_weighted", m.f1_weighted),
                ];
                if let Some(auc) = m.roc_auc {
                    out.push(("roc_auc", auc));
                }
                if let Some(loss) = m.log_loss {
                    out.push(("log_loss", loss));
                }
                if let Some(p) = &m.positive {
                    out.extend([
                        ("precision", p.precision),
                        ("recall", p.recall),
                        ("f1", p.f1),
                    ]);
                    if let Some(t) = p.threshold {
                        out.push(("threshold", t));
                    }
                }
                out
            }
            Metrics::Regression(m) => vec![("rmse", m.rmse), ("mae", m.mae), ("r2", m.r2)],
            Metrics::Clustering {
                clusters,
                silhouette,
                inertia,
            } => {
                let mut out = vec![("clusters", *clusters as f64), ("inertia", *inertia)];
                if let Some(s) = silhouette {
                    out.push(("silhouette", *s));
                }
                out
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    pub fold: usize,
    pub train_rows: usize,
    pub test_rows: Vec<usize>,
    pub metrics: Metrics,
    pub predictions: Predictions,
    pub fit_ms: f64,
    pub predict_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MeanStd {
    pub mean: f64,
    /// Sample standard deviation over folds (0 for one fold).
    pub std: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    pub folds: Vec<FoldResult>,
    pub summary: BTreeMap<String, MeanStd>,
    pub feature_names: Vec<String>,
    /// How the model a run keeps decides, under a decision threshold: the
    /// threshold every fold's out-of-fold probabilities choose together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrialError {
    #[error(transparent)]
    Fit(#[from] FitError),
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Params(#[from] crate::catalog::ParamError),
    #[error(transparent)]
    Threshold(#[from] ThresholdError),
    #[error("{model} is a {model_task:?} model, but the experiment's task is {task:?}")]
    WrongTask {
        model: String,
        model_task: Task,
        task: Task,
    },
    #[error("trial {0} is not in the experiment's spec")]
    UnknownTrial(u32),
    #[error("cancelled")]
    Cancelled,
    /// Early stopping ended it after `folds_done` folds.
    #[error("pruned after {folds_done} folds")]
    Pruned { folds_done: usize },
}

/// Rows scored by the silhouette at most (it costs the square of the rows).
const SILHOUETTE_ROWS: usize = 2_000;

/// What a running trial tells its runner, and asks it.
pub trait TrialObserver: Sync {
    /// Whether the trial should stop now: asked between folds, and inside
    /// fits between their steps (trees, iterations).
    fn stopped(&self) -> bool;
    /// Where the trial is: `stage`, and `done` of `total` steps of its current fit.
    fn progress(&self, stage: TrialStage, done: u64, total: u64);
    /// A fold was trained and scored: a runner keeps it, so a trial stopped
    /// later keeps its finished folds and a resumed one skips them.
    fn fold_done(&self, fold: &FoldResult);
    /// CPU time that threads started by a fit spent (a forest's trees).
    fn helper_cpu(&self, spent: std::time::Duration);
    /// Asked before each fold with the folds done so far: false stops the
    /// trial there as pruned (early stopping may wait here for the trials
    /// it is compared with).
    fn go_on(&self, _folds_done: usize) -> bool {
        true
    }
}

/// Where a trial is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum TrialStage {
    /// Training and scoring fold `fold` (0-based) of `folds`.
    Fold { fold: usize, folds: usize },
    /// Training the model the run keeps, on every training row.
    FinalModel,
}

/// An observer that only asks `cancelled`.
struct Asking<'a>(&'a (dyn Fn() -> bool + Sync));

impl TrialObserver for Asking<'_> {
    fn stopped(&self) -> bool {
        (self.0)()
    }
    fn progress(&self, _stage: TrialStage, _done: u64, _total: u64) {}
    fn fold_done(&self, _fold: &FoldResult) {}
    fn helper_cpu(&self, _spent: std::time::Duration) {}
}

/// One trial's inputs: a model with fixed parameters, the data, and the validation.
#[derive(Debug, Clone, Copy)]
pub struct TrialInput<'a> {
    pub columns: &'a [InputColumn],
    pub target: &'a TargetColumn,
    pub model: &'a str,
    pub params: &'a Params,
    pub validation: Validation,
    pub seed: u64,
    /// How a binary classifier decides, when not by the most probable class.
    pub threshold: Option<&'a ThresholdRule>,
}

fn fit_error(error: FitError) -> TrialError {
    match error {
        FitError::Stopped => TrialError::Cancelled,
        other => TrialError::Fit(other),
    }
}

/// Runs `model` with `params` under `validation`. `cancelled` is asked between folds.
pub fn run_trial(
    columns: &[InputColumn],
    target: &TargetColumn,
    model: &str,
    params: &Params,
    validation: Validation,
    seed: u64,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<TrialResult, TrialError> {
    let input = TrialInput {
        columns,
        target,
        model,
        params,
        validation,
        seed,
        threshold: None,
    };
    input.run(&[], &Asking(cancelled))
}

impl TargetColumn {
    /// The task a target makes.
    pub fn task(&self) -> Task {
        match self {
            TargetColumn::Classes { .. } => Task::Classification,
            TargetColumn::Numbers(_) => Task::Regression,
            TargetColumn::None => Task::Clustering,
        }
    }
}

impl TrialInput<'_> {
    /// The task of the target.
    fn task(&self) -> Task {
        self.target.task()
    }

    /// Trains and scores every fold, skipping those in `finished` (folds of
    /// an earlier, stopped attempt: the same splits, so the same results).
    pub fn run(
        &self,
        finished: &[FoldResult],
        observer: &dyn TrialObserver,
    ) -> Result<TrialResult, TrialError> {
        let spec = ModelSpec::find(self.model)?;
        let task = self.task();
        if spec.task != task {
            return Err(TrialError::WrongTask {
                model: self.model.to_string(),
                model_task: spec.task,
                task,
            });
        }
        let splits = splits_for(self.columns, self.target, self.validation, self.seed)?;
        let fold_count = splits.len();
        let mut folds = Vec::with_capacity(fold_count);
        let mut feature_names = Vec::new();
        for (fold, split) in splits.into_iter().enumerate() {
            if observer.stopped() {
                return Err(TrialError::Cancelled);
            }
            if !observer.go_on(fold) {
                return Err(if observer.stopped() {
                    TrialError::Cancelled
                } else {
                    TrialError::Pruned { folds_done: fold }
                });
            }
            if let Some(done) = finished
                .iter()
                .find(|f| f.fold == fold && f.test_rows == split.test)
            {
                folds.push(done.clone());
                continue;
            }
            let stage = TrialStage::Fold {
                fold,
                folds: fold_count,
            };
            observer.progress(stage, 0, 0);
            let result = self.run_fold(fold, split, stage, observer)?;
            feature_names = result.1;
            observer.fold_done(&result.0);
            folds.push(result.0);
        }
        if feature_names.is_empty() {
            // Every fold came from an earlier attempt: the names of the last one.
            let last = splits_for(self.columns, self.target, self.validation, self.seed)?;
            if let Some(split) = last.last() {
                let encoding = models::encoding(self.model);
                feature_names =
                    Preprocessor::fit(self.columns, &split.train, encoding)?.feature_names();
            }
        }
        let decision = match self.threshold {
            Some(rule) => Some(decide_folds(rule, self.target, self.model, &mut folds)?),
            None => None,
        };
        Ok(TrialResult {
            summary: summarize(&folds),
            folds,
            feature_names,
            decision,
        })
    }

    fn run_fold(
        &self,
        fold: usize,
        split: validation::Split,
        stage: TrialStage,
        observer: &dyn TrialObserver,
    ) -> Result<(FoldResult, Vec<String>), TrialError> {
        let (columns, target, model, params, seed) = (
            self.columns,
            self.target,
            self.model,
            self.params,
            self.seed,
        );
        let preprocessor = Preprocessor::fit(columns, &split.train, models::encoding(model))?;
        let categorical = preprocessor.categorical();
        let feature_names = preprocessor.feature_names();
        let x_train = preprocessor.transform(columns, &split.train)?;
        let x_test = preprocessor.transform(columns, &split.test)?;
        let pick =
            |values: &[usize], rows: &[usize]| rows.iter().map(|&r| values[r]).collect::<Vec<_>>();
        let pick_f =
            |values: &[f64], rows: &[usize]| rows.iter().map(|&r| values[r]).collect::<Vec<_>>();
        let stop = || observer.stopped();
        let step = |done: u64, total: u64| observer.progress(stage, done, total);
        let watch = Watch::new(&stop, &step);
        let started = Instant::now();
        let fitted = match target {
            TargetColumn::Classes { labels, values } => {
                let y = pick(values, &split.train);
                let target = Target::Classes {
                    values: &y,
                    count: labels.len(),
                };
                models::fit(model, params, &x_train, &categorical, &target, seed, &watch)
            }
            TargetColumn::Numbers(values) => {
                let y = pick_f(values, &split.train);
                models::fit(
                    model,
                    params,
                    &x_train,
                    &categorical,
                    &Target::Numbers(&y),
                    seed,
                    &watch,
                )
            }
            TargetColumn::None => models::fit(
                model,
                params,
                &x_train,
                &categorical,
                &Target::None,
                seed,
                &watch,
            ),
        };
        observer.helper_cpu(watch.helper_cpu());
        let fitted = fitted.map_err(fit_error)?;
        let classes = match target {
            TargetColumn::Classes { labels, .. } => labels.len(),
            _ => 0,
        };
        let fit_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        let predictions = fitted.predict(&x_test, classes);
        let predict_ms = started.elapsed().as_secs_f64() * 1e3;
        let metrics = match (target, &predictions) {
            (
                TargetColumn::Classes { labels, values },
                Predictions::Classes {
                    predicted,
                    probabilities,
                },
            ) => {
                let truth = pick(values, &split.test);
                Metrics::Classification(metrics::classification(
                    &truth,
                    predicted,
                    probabilities.as_deref(),
                    labels.len(),
                ))
            }
            (TargetColumn::Numbers(values), Predictions::Values(predicted)) => {
                Metrics::Regression(metrics::regression(&pick_f(values, &split.test), predicted))
            }
            (TargetColumn::None, Predictions::Clusters(labels)) => {
                let points: Vec<Vec<f64>> = x_test.outer_iter().map(|r| r.to_vec()).collect();
                let mut sample: Vec<usize> = (0..points.len()).collect();
                SplitMix64::new(seed).shuffle(&mut sample);
                sample.truncate(SILHOUETTE_ROWS);
                sample.sort_unstable();
                let sampled_points: Vec<Vec<f64>> =
                    sample.iter().map(|&i| points[i].clone()).collect();
                let sampled_labels: Vec<usize> = sample.iter().map(|&i| labels[i]).collect();
                let mut distinct = labels.clone();
                distinct.sort_unstable();
                distinct.dedup();
                Metrics::Clustering {
                    clusters: distinct.len(),
                    silhouette: metrics::silhouette(&sampled_points, &sampled_labels),
                    inertia: metrics::inertia(&points, labels),
                }
            }
            _ => {
                return Err(TrialError::WrongTask {
                    model: model.to_string(),
                    model_task: ModelSpec::find(model)?.task,
                    task: self.task(),
                });
            }
        };
        Ok((
            FoldResult {
                fold,
                train_rows: split.train.len(),
                test_rows: split.test,
                metrics,
                predictions,
                fit_ms,
                predict_ms,
            },
            feature_names,
        ))
    }

    /// Trains the model a run keeps (see [`TrainedModel`]), watched by
    /// `observer`; it decides by `decision` (the trial's) when there is one.
    pub fn train_final(
        &self,
        observer: &dyn TrialObserver,
        decision: Option<Decision>,
    ) -> Result<TrainedModel, TrialError> {
        let (columns, target, model, params, seed) = (
            self.columns,
            self.target,
            self.model,
            self.params,
            self.seed,
        );
        if observer.stopped() {
            return Err(TrialError::Cancelled);
        }
        let train: Vec<usize> = match self.validation {
            // The same training split the trial's one fold used.
            Validation::Holdout { .. } => {
                splits_for(columns, target, self.validation, seed)?
                    .remove(0)
                    .train
            }
            Validation::KFold { .. } => {
                (0..columns.first().map_or(0, |c| c.values.len())).collect()
            }
        };
        observer.progress(TrialStage::FinalModel, 0, 0);
        let preprocessor = Preprocessor::fit(columns, &train, models::encoding(model))?;
        let categorical = preprocessor.categorical();
        let x = preprocessor.transform(columns, &train)?;
        let stop = || observer.stopped();
        let step = |done: u64, total: u64| observer.progress(TrialStage::FinalModel, done, total);
        let watch = Watch::new(&stop, &step);
        let (fitted, labels) = match target {
            TargetColumn::Classes { labels, values } => {
                let y: Vec<usize> = train.iter().map(|&r| values[r]).collect();
                let target = Target::Classes {
                    values: &y,
                    count: labels.len(),
                };
                (
                    models::fit(model, params, &x, &categorical, &target, seed, &watch),
                    Some(labels.clone()),
                )
            }
            TargetColumn::Numbers(values) => {
                let y: Vec<f64> = train.iter().map(|&r| values[r]).collect();
                (
                    models::fit(
                        model,
                        params,
                        &x,
                        &categorical,
                        &Target::Numbers(&y),
                        seed,
                        &watch,
                    ),
                    None,
                )
            }
            TargetColumn::None => (
                models::fit(model, params, &x, &categorical, &Target::None, seed, &watch),
                None,
            ),
        };
        observer.helper_cpu(watch.helper_cpu());
        Ok(TrainedModel {
            model: model.to_string(),
            params: params.clone(),
            feature_names: preprocessor.feature_names(),
            preprocessor,
            labels,
            fitted: fitted.map_err(fit_error)?,
            decision,
        })
    }
}

/// Rescores each fold of a binary classifier at the threshold the other
/// folds' out-of-fold probabilities choose (so no fold's score saw its own
/// labels), and returns the decision all folds choose together.
fn decide_folds(
    rule: &ThresholdRule,
    target: &TargetColumn,
    model: &str,
    folds: &mut [FoldResult],
) -> Result<Decision, TrialError> {
    let TargetColumn::Classes { labels, values } = target else {
        return Err(ThresholdError::NotBinary { classes: 0 }.into());
    };
    let positive = rule.positive_of(labels)?;
    let label = &labels[positive];
    let scored: Vec<Vec<(f64, bool)>> = folds
        .iter()
        .map(|fold| match &fold.predictions {
            Predictions::Classes {
                probabilities: Some(p),
                ..
            } => Ok(fold
                .test_rows
                .iter()
                .zip(p)
                .map(|(&row, p)| {
                    (
                        p.get(positive).copied().unwrap_or(0.0),
                        values[row] == positive,
                    )
                })
                .collect()),
            _ => Err(ThresholdError::NoProbabilities {
                model: model.to_string(),
            }),
        })
        .collect::<Result<_, _>>()?;
    for (k, fold) in folds.iter_mut().enumerate() {
        let others: Vec<(f64, bool)> = scored
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        let decision = Decision {
            positive,
            threshold: rule.choose(&others, label)?,
        };
        decision.apply(&mut fold.predictions);
        let Predictions::Classes {
            predicted,
            probabilities: Some(probabilities),
        } = &fold.predictions
        else {
            continue;
        };
        let truth: Vec<usize> = fold.test_rows.iter().map(|&r| values[r]).collect();
        let mut scores =
            metrics::classification(&truth, predicted, Some(probabilities), labels.len());
        scores.positive = Some(Box::new(metrics::PositiveClass::of(
            &scores.confusion,
            positive,
            Some(decision.threshold),
        )));
        fold.metrics = Metrics::Classification(scores);
    }
    let all: Vec<(f64, bool)> = scored.into_iter().flatten().collect();
    Ok(Decision {
        positive,
        threshold: rule.choose(&all, label)?,
    })
}

/// How many folds a trial of `target` under `validation` trains and scores.
pub fn fold_count(target: &TargetColumn, validation: Validation) -> usize {
    validation.fold_count(target.task())
}

/// The splits of `validation` over the rows of `columns`: stratified by
/// class for classification; for clustering one split learning from and
/// scoring every row, since nothing is held out.
fn splits_for(
    columns: &[InputColumn],
    target: &TargetColumn,
    validation: Validation,
    seed: u64,
) -> Result<Vec<validation::Split>, ValidationError> {
    let rows = columns.first().map_or(0, |c| c.values.len());
    match target {
        TargetColumn::None => Ok(vec![validation::Split {
            train: (0..rows).collect(),
            test: (0..rows).collect(),
        }]),
        TargetColumn::Classes { values, .. } => {
            validation::splits(validation, rows, Some(values), seed)
        }
        TargetColumn::Numbers(_) => validation::splits(validation, rows, None, seed),
    }
}

/// The test rows of each split, exactly as [`run_trial`] tests on them: an
/// evaluation elsewhere (a vendor) is scored on the same rows and folds.
pub fn test_rows(
    columns: &[InputColumn],
    target: &TargetColumn,
    validation: Validation,
    seed: u64,
) -> Result<Vec<Vec<usize>>, ValidationError> {
    Ok(splits_for(columns, target, validation, seed)?
        .into_iter()
        .map(|split| split.test)
        .collect())
}

/// A prediction made outside this crate, for one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExternalAnswer {
    /// Index into the target's labels.
    Class(usize),
    Value(f64),
}

/// One fold of an outside evaluation: the rows answered are scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalFold {
    pub fold: usize,
    pub rows: usize,
    pub answered: usize,
    /// None when no row of the fold was answered.
    pub metrics: Option<Metrics>,
}

/// Scores outside predictions (`answers[row]`, none where the service gave
/// no usable answer) fold by fold with the metrics local runs use.
pub fn score_external(
    target: &TargetColumn,
    folds: &[Vec<usize>],
    answers: &[Option<ExternalAnswer>],
) -> (Vec<ExternalFold>, BTreeMap<String, MeanStd>) {
    let scored: Vec<ExternalFold> = folds
        .iter()
        .enumerate()
        .map(|(fold, rows)| {
            let answered: Vec<(usize, ExternalAnswer)> = rows
                .iter()
                .filter_map(|&r| answers.get(r).copied().flatten().map(|a| (r, a)))
                .collect();
            let metrics = match target {
                TargetColumn::Classes { labels, values } => {
                    let pairs: Vec<(usize, usize)> = answered
                        .iter()
                        .filter_map(|&(r, a)| match a {
                            ExternalAnswer::Class(c) if c < labels.len() => Some((values[r], c)),
                            _ => None,
                        })
                        .collect();
                    (!pairs.is_empty()).then(|| {
                        let (truth, predicted): (Vec<usize>, Vec<usize>) =
                            pairs.into_iter().unzip();
                        Metrics::Classification(metrics::classification(
                            &truth,
                            &predicted,
                            None,
                            labels.len(),
                        ))
                    })
                }
                TargetColumn::Numbers(values) => {
                    let pairs: Vec<(f64, f64)> = answered
                        .iter()
                        .filter_map(|&(r, a)| match a {
                            ExternalAnswer::Value(v) => Some((values[r], v)),
                            ExternalAnswer::Class(_) => None,
                        })
                        .collect();
                    (!pairs.is_empty()).then(|| {
                        let (truth, predicted): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
                        Metrics::Regression(metrics::regression(&truth, &predicted))
                    })
                }
                TargetColumn::None => None,
            };
            ExternalFold {
                fold,
                rows: rows.len(),
                answered: answered.len(),
                metrics,
            }
        })
        .collect();
    let summary = summarize_metrics(scored.iter().filter_map(|f| f.metrics.as_ref()));
    (scored, summary)
}

/// Each metric's mean and spread over `folds`.
pub fn summarize(folds: &[FoldResult]) -> BTreeMap<String, MeanStd> {
    summarize_metrics(folds.iter().map(|f| &f.metrics))
}

fn summarize_metrics<'a>(folds: impl Iterator<Item = &'a Metrics>) -> BTreeMap<String, MeanStd> {
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for metrics in folds {
        for (name, value) in metrics.scalars() {
            values.entry(name.to_string()).or_default().push(value);
        }
    }
    values
        .into_iter()
        .map(|(name, v)| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let std = if v.len() > 1 {
                (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            (name, MeanStd { mean, std })
        })
        .collect()
}

/// A model trained on all the training rows the validation allows (every
/// row for k-fold and clustering, the training split for holdout), with its
/// preprocessing: what a run keeps, and what gets published and served.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainedModel {
    pub model: String,
    pub params: Params,
    pub preprocessor: Preprocessor,
    pub feature_names: Vec<String>,
    /// Class names, for classifiers.
    pub labels: Option<Vec<String>>,
    pub fitted: models::Fitted,
    /// A binary classifier's decision threshold, when it has one (else it
    /// predicts the most probable class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// How much one feature contributed to a model's splits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FeatureImportance {
    pub feature: String,
    /// Total gain of the splits on it.
    pub gain: f64,
    /// Its share of all features' gain (0 to 1).
    pub share: f64,
}

impl TrainedModel {
    /// Gain per feature, largest first, for models that measure it (boosting).
    pub fn feature_importance(&self) -> Option<Vec<FeatureImportance>> {
        let gains = self.fitted.importance()?;
        let total: f64 = gains.iter().sum();
        let mut out: Vec<FeatureImportance> = self
            .feature_names
            .iter()
            .zip(gains)
            .map(|(feature, &gain)| FeatureImportance {
                feature: feature.clone(),
                gain,
                share: if total > 0.0 { gain / total } else { 0.0 },
            })
            .collect();
        out.sort_by(|a, b| {
            b.gain
                .total_cmp(&a.gain)
                .then_with(|| a.feature.cmp(&b.feature))
        });
        Some(out)
    }

    /// Predicts rows given as input columns (named as in training).
    pub fn predict(&self, columns: &[InputColumn]) -> Result<Predictions, TrialError> {
        let rows: Vec<usize> = (0..columns.first().map_or(0, |c| c.values.len())).collect();
        let x = self.preprocessor.transform(columns, &rows)?;
        let mut predictions = self
            .fitted
            .predict(&x, self.labels.as_ref().map_or(0, Vec::len));
        if let Some(decision) = self.decision {
            decision.apply(&mut predictions);
        }
        Ok(predictions)
    }
}

/// Trains the model a run keeps (see [`TrainedModel`]).
pub fn train_final(
    columns: &[InputColumn],
    target: &TargetColumn,
    model: &str,
    params: &Params,
    validation: Validation,
    seed: u64,
) -> Result<TrainedModel, TrialError> {
    let input = TrialInput {
        columns,
        target,
        model,
        params,
        validation,
        seed,
        threshold: None,
    };
    input.train_final(&Asking(&|| false), None)
}
