//! One trial: a model with fixed hyperparameters, trained and tested on each
//! split of the validation, with preprocessing fitted on the training rows
//! only, timed, and scored by the shared metrics.

use crate::catalog::{ModelSpec, Task};
use crate::features::{FeatureError, InputColumn, Preprocessor};
use crate::metrics::{self, ClassificationMetrics, RegressionMetrics};
use crate::models::{self, FitError, Params, Predictions, Target};
use crate::rng::SplitMix64;
use crate::validation::{self, Validation, ValidationError};
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
    #[error("{model} is a {model_task:?} model, but the experiment's task is {task:?}")]
    WrongTask {
        model: String,
        model_task: Task,
        task: Task,
    },
    #[error("cancelled")]
    Cancelled,
}

/// Rows scored by the silhouette at most (it costs the square of the rows).
const SILHOUETTE_ROWS: usize = 2_000;

/// Runs `model` with `params` under `validation`. `cancelled` is asked between folds.
pub fn run_trial(
    columns: &[InputColumn],
    target: &TargetColumn,
    model: &str,
    params: &Params,
    validation: Validation,
    seed: u64,
    cancelled: &dyn Fn() -> bool,
) -> Result<TrialResult, TrialError> {
    run_trial_observed(
        columns,
        target,
        model,
        params,
        validation,
        seed,
        cancelled,
        &|_, _| {},
    )
}

/// [`run_trial`], telling `fold_done(done, folds)` after each fold.
#[allow(clippy::too_many_arguments)]
pub fn run_trial_observed(
    columns: &[InputColumn],
    target: &TargetColumn,
    model: &str,
    params: &Params,
    validation: Validation,
    seed: u64,
    cancelled: &dyn Fn() -> bool,
    fold_done: &dyn Fn(usize, usize),
) -> Result<TrialResult, TrialError> {
    let spec = ModelSpec::find(model)?;
    let task = match target {
        TargetColumn::Classes { .. } => Task::Classification,
        TargetColumn::Numbers(_) => Task::Regression,
        TargetColumn::None => Task::Clustering,
    };
    if spec.task != task {
        return Err(TrialError::WrongTask {
            model: model.to_string(),
            model_task: spec.task,
            task,
        });
    }
    let splits = splits_for(columns, target, validation, seed)?;
    let standardize = models::wants_standardized_features(model);
    let mut folds = Vec::with_capacity(splits.len());
    let mut feature_names = Vec::new();
    let fold_count = splits.len();
    for (fold, split) in splits.into_iter().enumerate() {
        if cancelled() {
            return Err(TrialError::Cancelled);
        }
        let preprocessor = Preprocessor::fit(columns, &split.train, standardize)?;
        feature_names = preprocessor.feature_names();
        let x_train = preprocessor.transform(columns, &split.train)?;
        let x_test = preprocessor.transform(columns, &split.test)?;
        let pick =
            |values: &[usize], rows: &[usize]| rows.iter().map(|&r| values[r]).collect::<Vec<_>>();
        let pick_f =
            |values: &[f64], rows: &[usize]| rows.iter().map(|&r| values[r]).collect::<Vec<_>>();
        let started = Instant::now();
        let (fitted, classes) = match target {
            TargetColumn::Classes { labels, values } => {
                let y = pick(values, &split.train);
                let fitted = models::fit(
                    model,
                    params,
                    &x_train,
                    &Target::Classes {
                        values: &y,
                        count: labels.len(),
                    },
                    seed,
                )?;
                (fitted, labels.len())
            }
            TargetColumn::Numbers(values) => {
                let y = pick_f(values, &split.train);
                (
                    models::fit(model, params, &x_train, &Target::Numbers(&y), seed)?,
                    0,
                )
            }
            TargetColumn::None => (
                models::fit(model, params, &x_train, &Target::None, seed)?,
                0,
            ),
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
                    model_task: spec.task,
                    task,
                });
            }
        };
        fold_done(fold + 1, fold_count);
        folds.push(FoldResult {
            fold,
            train_rows: split.train.len(),
            test_rows: split.test,
            metrics,
            predictions,
            fit_ms,
            predict_ms,
        });
    }
    Ok(TrialResult {
        summary: summarize(&folds),
        folds,
        feature_names,
    })
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

fn summarize(folds: &[FoldResult]) -> BTreeMap<String, MeanStd> {
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
}

impl TrainedModel {
    /// Predicts rows given as input columns (named as in training).
    pub fn predict(&self, columns: &[InputColumn]) -> Result<Predictions, TrialError> {
        let rows: Vec<usize> = (0..columns.first().map_or(0, |c| c.values.len())).collect();
        let x = self.preprocessor.transform(columns, &rows)?;
        Ok(self
            .fitted
            .predict(&x, self.labels.as_ref().map_or(0, Vec::len)))
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
    let train: Vec<usize> = match validation {
        // The same training split the trial's one fold used.
        Validation::Holdout { .. } => {
            splits_for(columns, target, validation, seed)?
                .remove(0)
                .train
        }
        Validation::KFold { .. } => (0..columns.first().map_or(0, |c| c.values.len())).collect(),
    };
    let preprocessor =
        Preprocessor::fit(columns, &train, models::wants_standardized_features(model))?;
    let x = preprocessor.transform(columns, &train)?;
    let (fitted, labels) = match target {
        TargetColumn::Classes { labels, values } => {
            let y: Vec<usize> = train.iter().map(|&r| values[r]).collect();
            let target = Target::Classes {
                values: &y,
                count: labels.len(),
            };
            (
                models::fit(model, params, &x, &target, seed)?,
                Some(labels.clone()),
            )
        }
        TargetColumn::Numbers(values) => {
            let y: Vec<f64> = train.iter().map(|&r| values[r]).collect();
            (
                models::fit(model, params, &x, &Target::Numbers(&y), seed)?,
                None,
            )
        }
        TargetColumn::None => (models::fit(model, params, &x, &Target::None, seed)?, None),
    };
    Ok(TrainedModel {
        model: model.to_string(),
        params: params.clone(),
        feature_names: preprocessor.feature_names(),
        preprocessor,
        labels,
        fitted,
    })
}
