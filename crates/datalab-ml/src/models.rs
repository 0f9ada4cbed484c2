//! Fitting and predicting with the catalog's models. linfa does the work
//! where it is deterministic and right; trees, forests, boosting,
//! multinomial naive Bayes, least squares and logistic regression are our
//! own (see `tree.rs`, `boosting.rs`, `linear.rs`; linfa's multinomial naive
//! Bayes prints its internals to stderr on every fit), and so is k-means
//! (see `kmeans.rs`).
//!
//! A model that stops at its iteration limit before converging is an error,
//! not a silent result: linfa's elastic net returns whatever it reached, so
//! its optimality is checked here. And a fitted model whose parameters or
//! training predictions are not finite and sane fails its fit
//! ([`check_sane`]) instead of serving nonsense.

use crate::boosting::{BoostError, BoostParams, BoostTarget, Booster, EarlyStopping};
use crate::catalog::{ModelSpec, ParamValue};
use crate::features::Encoding;
use crate::kmeans::{KMeans, KMeansParams};
use crate::linear::{LeastSquares, Logistic, LogisticError, LogisticSettings};
use crate::tree::{Forest, ForestParams, Labels, MaxFeatures, SplitQuality, Tree, TreeParams};
use crate::watch::{Abandoned, Stopped, Watch, abandonable};
use linfa::prelude::*;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_clustering::{Dbscan, GaussianMixtureModel};
use linfa_elasticnet::ElasticNet;
use linfa_linear::FittedLinearRegression;
use linfa_logistic::{FittedLogisticRegression, MultiFittedLogisticRegression};
use linfa_svm::Svm;
use ndarray::{Array1, Array2};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Chosen hyperparameters; missing ones take the catalog's default.
pub type Params = BTreeMap<String, ParamValue>;

/// What the model learns from.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'a> {
    /// 0-based class of each row, and how many classes there are.
    Classes {
        values: &'a [usize],
        count: usize,
    },
    Numbers(&'a [f64]),
    /// Clustering: no target.
    None,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error(transparent)]
    Params(#[from] crate::catalog::ParamError),
    #[error("{model} does not fit this task: {detail}")]
    WrongTask { model: String, detail: String },
    #[error("{model} could not be fitted: {detail}")]
    Failed { model: String, detail: String },
    #[error("{model} {detail}")]
    NotConverged { model: String, detail: String },
    /// The watch asked the fit to stop.
    #[error("stopped")]
    Stopped,
}

impl From<Stopped> for FitError {
    fn from(_: Stopped) -> Self {
        FitError::Stopped
    }
}

/// A linfa fit run by [`abandonable`], its error as text.
fn waited<T>(model: &str, outcome: Result<Result<T, String>, Abandoned>) -> Result<T, FitError> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(detail)) => Err(failed(model, detail)),
        Err(Abandoned::Stopped) => Err(FitError::Stopped),
        Err(Abandoned::NoThread(detail)) => Err(failed(model, detail)),
    }
}

/// Predictions for a set of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Predictions {
    Classes {
        predicted: Vec<usize>,
        /// `probabilities[row][class]`, when the model gives them.
        probabilities: Option<Vec<Vec<f64>>>,
    },
    Values(Vec<f64>),
    Clusters(Vec<usize>),
}

/// A fitted model. Serialisable, so a run can keep it and a server can load it.
/// Variants are only ever added: models saved by older versions still load
/// (`BinaryLogistic`, `MultiLogistic` and `Linear` are linfa's, fitted before
/// issue 16).
#[derive(Debug, Serialize, Deserialize)]
pub enum Fitted {
    BinaryLogistic(FittedLogisticRegression<f64, usize>),
    MultiLogistic(MultiFittedLogisticRegression<f64, usize>),
    Logistic(Logistic),
    Tree(Tree),
    Forest(Forest),
    RegressionTree(Tree),
    RegressionForest(Forest),
    Boosted(Booster),
    LeastSquares(LeastSquares),
    GaussianNb(GaussianNb<f64, usize>),
    MultinomialNb(MultinomialNb),
    /// One probability model per class (one-vs-rest; a single one for two classes).
    Svm(Vec<Svm<f64, Pr>>),
    Linear(FittedLinearRegression<f64>),
    ElasticNet(ElasticNet<f64>),
    KMeans(KMeans),
    GaussianMixture(Box<GaussianMixtureModel<f64>>),
    /// DBSCAN labels the rows it was given; it has nothing to apply to new rows.
    Dbscan(Vec<usize>),
}

struct Reader<'a> {
    spec: &'a ModelSpec,
    params: &'a Params,
}

impl Reader<'_> {
    fn value(&self, name: &str) -> Result<ParamValue, FitError> {
        let value = match self.params.get(name) {
            Some(v) => v.clone(),
            None => self
                .spec
                .params
                .iter()
                .find(|p| p.name == name)
                .map(|p| match &p.domain {
                    crate::catalog::ParamDomain::Integer { default, .. } => {
                        ParamValue::Integer(*default)
                    }
                    crate::catalog::ParamDomain::Float { default, .. } => {
                        ParamValue::Float(*default)
                    }
                    crate::catalog::ParamDomain::Choice { default, .. } => {
                        ParamValue::Text(default.clone())
                    }
                    crate::catalog::ParamDomain::Boolean { default } => {
                        ParamValue::Boolean(*default)
                    }
                })
                .unwrap_or(ParamValue::Integer(0)),
        };
        self.spec.check(name, &value)?;
        Ok(value)
    }

    fn f64(&self, name: &str) -> Result<f64, FitError> {
        Ok(match self.value(name)? {
            ParamValue::Float(v) => v,
            ParamValue::Integer(v) => v as f64,
            _ => 0.0,
        })
    }

    fn usize(&self, name: &str) -> Result<usize, FitError> {
        Ok(match self.value(name)? {
            ParamValue::Integer(v) => v.max(0) as usize,
            ParamValue::Float(v) => v.max(0.0) as usize,
            _ => 0,
        })
    }

    fn text(&self, name: &str) -> Result<String, FitError> {
        Ok(match self.value(name)? {
            ParamValue::Text(v) => v,
            other => format!("{other:?}"),
        })
    }
}

/// How a model wants its features: boosting takes missing values and
/// categories natively; count models need non-negative inputs and trees do
/// not care about scale; the rest are standardised.
pub fn encoding(model: &str) -> Encoding {
    match model {
        "gradient_boosting" | "gradient_boosting_regressor" => Encoding::Native,
        "multinomial_nb"
        | "decision_tree"
        | "random_forest"
        | "decision_tree_regressor"
        | "random_forest_regressor" => Encoding::Unscaled,
        _ => Encoding::Standardized,
    }
}

fn failed(model: &str, error: impl std::fmt::Display) -> FitError {
    FitError::Failed {
        model: model.to_string(),
        detail: error.to_string(),
    }
}

/// Fits `model` with `params` on the rows of `x` (already selected as
/// training rows); `categorical[f]` marks features holding category codes
/// (see [`encoding`]). `watch` is asked between the fit's steps (trees,
/// iterations); linfa's solvers, which have no steps to stop between, run
/// on a thread of their own that is abandoned when the watch asks to stop.
pub fn fit(
    model: &str,
    params: &Params,
    x: &Array2<f64>,
    categorical: &[bool],
    target: &Target<'_>,
    seed: u64,
    watch: &Watch<'_>,
) -> Result<Fitted, FitError> {
    let fitted = fit_unchecked(model, params, x, categorical, target, seed, watch)?;
    check_sane(model, &fitted, x, target)?;
    Ok(fitted)
}

/// Fails a fit whose parameters are not finite, or whose predictions on its
/// own training rows are not finite or lie absurdly far from the target's
/// range (more than 100 ranges away): such a model would serve nonsense.
pub fn check_sane(
    model: &str,
    fitted: &Fitted,
    x: &Array2<f64>,
    target: &Target<'_>,
) -> Result<(), FitError> {
    let insane = |detail: String| FitError::Failed {
        model: model.to_string(),
        detail: format!("{detail}; the model is not kept"),
    };
    let parameters_finite = match fitted {
        Fitted::Logistic(m) => m.parameters().all(|v| v.is_finite()),
        Fitted::LeastSquares(m) => {
            m.intercept.is_finite() && m.coefficients.iter().all(|v| v.is_finite())
        }
        _ => true,
    };
    if !parameters_finite {
        return Err(insane("its coefficients are not finite numbers".into()));
    }
    // A booster knows its scores on the rows it was fitted on (finite: it
    // fails a fit whose scores are not): a regression's are its predictions.
    if let Fitted::Boosted(booster) = fitted
        && let Some((low_score, high_score)) = booster.fitted_scores
    {
        return match target {
            Target::Numbers(y) => in_range(y, &[low_score, high_score]).map_err(insane),
            _ => Ok(()),
        };
    }
    match (fitted, target) {
        (
            Fitted::LeastSquares(_)
            | Fitted::ElasticNet(_)
            | Fitted::Boosted(_)
            | Fitted::RegressionTree(_)
            | Fitted::RegressionForest(_),
            Target::Numbers(y),
        ) => {
            let Predictions::Values(predicted) = fitted.predict(x, 0) else {
                return Ok(());
            };
            in_range(y, &predicted).map_err(insane)?;
        }
        (Fitted::Logistic(_) | Fitted::Boosted(_), Target::Classes { count, .. }) => {
            if let Predictions::Classes {
                probabilities: Some(p),
                ..
            } = fitted.predict(x, *count)
                && p.iter().flatten().any(|v| !v.is_finite())
            {
                return Err(insane("its class probabilities are not finite".into()));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether `predicted` values are finite and within 100 ranges of the
/// target `y`'s; else what is wrong, in words.
fn in_range(y: &[f64], predicted: &[f64]) -> Result<(), String> {
    let (low, high) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let range = (high - low)
        .max(high.abs().max(low.abs()) * 1e-9)
        .max(1e-12);
    match predicted
        .iter()
        .find(|p| !p.is_finite() || **p < low - 100.0 * range || **p > high + 100.0 * range)
    {
        Some(bad) => Err(format!(
            "it predicts {bad:e} on its own training rows, whose target lies in [{low}, {high}]"
        )),
        None => Ok(()),
    }
}

/// scikit-learn's `balanced` weights: `rows / (classes present × rows of the class)`.
pub fn balanced_weights(y: &[usize], count: usize) -> Vec<f64> {
    let mut rows = vec![0usize; count];
    for &c in y {
        if let Some(r) = rows.get_mut(c) {
            *r += 1;
        }
    }
    let present = rows.iter().filter(|&&r| r > 0).count().max(1) as f64;
    let n = y.len() as f64;
    rows.iter()
        .map(|&r| if r > 0 { n / (present * r as f64) } else { 0.0 })
        .collect()
}

fn boosting_params(p: &Reader<'_>, rows: usize) -> Result<BoostParams, FitError> {
    let depth = p.usize("max_depth")?;
    let stopping = match p.text("early_stopping")?.as_str() {
        "on" => true,
        "off" => false,
        // scikit-learn's rule for HistGradientBoosting.
        _ => rows > 10_000,
    };
    Ok(BoostParams {
        rounds: p.usize("rounds")?,
        learning_rate: p.f64("learning_rate")?,
        max_leaves: p.usize("max_leaves")?,
        max_depth: (depth > 0).then_some(depth),
        min_leaf: p.usize("min_leaf")?,
        l2: p.f64("l2")?,
        row_fraction: p.f64("row_fraction")?,
        column_fraction: p.f64("column_fraction")?,
        max_bins: p.usize("max_bins")?,
        early_stopping: if stopping {
            EarlyStopping::On {
                validation_fraction: p.f64("validation_fraction")?,
                patience: p.usize("patience")?,
            }
        } else {
            EarlyStopping::Off
        },
    })
}

fn fit_unchecked(
    model: &str,
    params: &Params,
    x: &Array2<f64>,
    categorical: &[bool],
    target: &Target<'_>,
    seed: u64,
    watch: &Watch<'_>,
) -> Result<Fitted, FitError> {
    let spec = ModelSpec::find(model)?;
    for (name, value) in params {
        spec.check(name, value)?;
    }
    let p = Reader {
        spec: &spec,
        params,
    };
    let wrong = |detail: &str| FitError::WrongTask {
        model: model.to_string(),
        detail: detail.to_string(),
    };
    let classes = || match target {
        Target::Classes { values, count } => Ok((*values, *count)),
        _ => Err(wrong(
            "it is a classifier; choose a target column with classes",
        )),
    };
    let numbers = || match target {
        Target::Numbers(values) => Ok(*values),
        _ => Err(wrong("it is a regressor; choose a numeric target column")),
    };
    if x.nrows() == 0 {
        return Err(failed(model, "no training rows"));
    }
    let has_class_weight = spec.params.iter().any(|q| q.name == "class_weight");
    let class_weights = match target {
        Target::Classes { values, count }
            if has_class_weight && p.text("class_weight")? == "balanced" =>
        {
            Some(balanced_weights(values, *count))
        }
        _ => None,
    };
    let rng = || Xoshiro256Plus::seed_from_u64(seed);
    match model {
        "logistic_regression" => {
            let (y, count) = classes()?;
            let iterations = p.usize("max_iterations")?;
            let settings = LogisticSettings {
                alpha: p.f64("alpha")?,
                max_iterations: iterations,
                tolerance: p.f64("tolerance")?,
                class_weights: class_weights.as_deref(),
            };
            match Logistic::fit(x, y, count, &settings, watch) {
                Ok(fitted) => Ok(Fitted::Logistic(fitted)),
                Err(LogisticError::Stopped(_)) => Err(FitError::Stopped),
                Err(e @ (LogisticError::IterationLimit { .. } | LogisticError::Stalled { .. })) => {
                    Err(FitError::NotConverged {
                        model: model.to_string(),
                        detail: e.to_string(),
                    })
                }
                Err(e) => Err(failed(model, e)),
            }
        }
        "decision_tree"
        | "random_forest"
        | "decision_tree_regressor"
        | "random_forest_regressor" => {
            let regression = model.ends_with("_regressor");
            let labels = if regression {
                Labels::Numbers(numbers()?)
            } else {
                let (values, count) = classes()?;
                Labels::Classes {
                    values,
                    count,
                    weights: class_weights.as_deref(),
                }
            };
            let forest = model.starts_with("random_forest");
            let depth = p.usize("max_depth")?;
            let tree = TreeParams {
                quality: if regression {
                    SplitQuality::SquaredError
                } else if model == "decision_tree" && p.text("split_quality")? == "entropy" {
                    SplitQuality::Entropy
                } else {
                    SplitQuality::Gini
                },
                max_depth: (depth > 0).then_some(depth),
                min_samples_split: p.usize("min_samples_split")?,
                max_features: if forest {
                    let choice = p.text("max_features")?;
                    MaxFeatures::parse(&choice).ok_or_else(|| {
                        failed(
                            model,
                            format!("max_features '{choice}' is not a share or a rule"),
                        )
                    })?
                } else {
                    MaxFeatures::All
                },
            };
            let rows: Vec<usize> = (0..x.nrows()).collect();
            if !forest {
                let features: Vec<usize> = (0..x.ncols()).collect();
                let grown = Tree::fit(x, labels, &rows, &features, &tree, seed, watch)?;
                Ok(if regression {
                    Fitted::RegressionTree(grown)
                } else {
                    Fitted::Tree(grown)
                })
            } else {
                let params = ForestParams {
                    trees: p.usize("trees")?,
                    tree,
                    bootstrap_fraction: p.f64("bootstrap_fraction")?,
                    feature_fraction: p.f64("feature_fraction")?,
                };
                let grown = Forest::fit(x, labels, &rows, &params, seed, watch)?;
                Ok(if regression {
                    Fitted::RegressionForest(grown)
                } else {
                    Fitted::Forest(grown)
                })
            }
        }
        "gradient_boosting" | "gradient_boosting_regressor" => {
            let boost_target = if model == "gradient_boosting_regressor" {
                BoostTarget::Numbers(numbers()?)
            } else {
                let (values, count) = classes()?;
                BoostTarget::Classes {
                    values,
                    count,
                    weights: class_weights.as_deref(),
                }
            };
            let params = boosting_params(&p, x.nrows())?;
            match Booster::fit(x, boost_target, categorical, &params, seed, watch) {
                Ok(booster) => Ok(Fitted::Boosted(booster)),
                Err(BoostError::Stopped(_)) => Err(FitError::Stopped),
                Err(e) => Err(failed(model, e)),
            }
        }
        "gaussian_nb" => {
            let (y, _) = classes()?;
            let dataset = Dataset::new(x.clone(), Array1::from(y.to_vec()));
            GaussianNb::params()
                .var_smoothing(p.f64("var_smoothing")?)
                .fit(&dataset)
                .map(Fitted::GaussianNb)
                .map_err(|e| failed(model, e))
        }
        "multinomial_nb" => {
            let (y, count) = classes()?;
            if x.iter().any(|v| *v < 0.0) {
                return Err(failed(
                    model,
                    "it needs counts or frequencies: every feature must be 0 or more",
                ));
            }
            Ok(Fitted::MultinomialNb(MultinomialNb::fit(
                x,
                y,
                count,
                p.f64("alpha")?,
            )))
        }
        "svm" => {
            let (y, count) = classes()?;
            let c = p.f64("c")?;
            let kernel = p.text("kernel")?;
            let gamma = p.f64("gamma")?;
            let positives: Vec<usize> = if count <= 2 {
                vec![1]
            } else {
                (0..count).collect()
            };
            let mut models = Vec::with_capacity(positives.len());
            let classes_to_fit = positives.len() as u64;
            for (done, class) in positives.into_iter().enumerate() {
                watch.step(done as u64, classes_to_fit);
                let targets: Array1<bool> = y.iter().map(|&v| v == class).collect();
                let dataset = Dataset::new(x.clone(), targets);
                let params = Svm::<f64, Pr>::params().pos_neg_weights(c, c).eps(1e-3);
                let params = if kernel == "linear" {
                    params.linear_kernel()
                } else {
                    params.gaussian_kernel(1.0 / gamma)
                };
                models.push(waited(
                    model,
                    abandonable(watch, move || {
                        params.fit(&dataset).map_err(|e| e.to_string())
                    }),
                )?);
            }
            Ok(Fitted::Svm(models))
        }
        "linear_regression" => {
            let y = numbers()?;
            LeastSquares::fit(x, y)
                .map(Fitted::LeastSquares)
                .map_err(|e| failed(model, e))
        }
        "elastic_net" => {
            let y = numbers()?;
            let dataset = Dataset::new(x.clone(), Array1::from(y.to_vec()));
            let iterations = p.usize("max_iterations")? as u32;
            let solver = ElasticNet::params()
                .penalty(p.f64("penalty")?)
                .l1_ratio(p.f64("l1_ratio")?)
                .max_iterations(iterations);
            let fitted = waited(
                model,
                abandonable(watch, move || {
                    solver.fit(&dataset).map_err(|e| e.to_string())
                }),
            )?;
            // linfa stops at the limit with whatever it reached; its own
            // convergence test is a duality gap below 1e-4 × ‖y - ȳ‖².
            let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
            let scale: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
            if fitted.n_steps() >= iterations && fitted.duality_gap() >= 1e-4 * scale {
                return Err(FitError::NotConverged {
                    model: model.to_string(),
                    detail: format!(
                        "did not converge in {iterations} iterations (duality gap {:.3e}); \
                         raise max_iterations or penalty",
                        fitted.duality_gap()
                    ),
                });
            }
            Ok(Fitted::ElasticNet(fitted))
        }
        "kmeans" => {
            let k = p.usize("clusters")?;
            if x.nrows() < k {
                return Err(failed(
                    model,
                    format!("{} rows are fewer than {k} clusters", x.nrows()),
                ));
            }
            let params = KMeansParams {
                clusters: k,
                restarts: p.usize("restarts")?,
                max_iterations: p.usize("max_iterations")?,
                tolerance: 1e-4,
            };
            KMeans::fit(x, &params, seed, watch)
                .map(Fitted::KMeans)
                .map_err(|e| match e {
                    crate::kmeans::KMeansError::NotConverged { .. } => FitError::NotConverged {
                        model: model.to_string(),
                        detail: e.to_string(),
                    },
                    crate::kmeans::KMeansError::Stopped => FitError::Stopped,
                    other => failed(model, other),
                })
        }
        "gaussian_mixture" => {
            let k = p.usize("clusters")?;
            let solver = GaussianMixtureModel::params_with_rng(k, rng())
                .max_n_iterations(p.usize("max_iterations")? as u64)
                .reg_covariance(p.f64("reg_covariance")?);
            let data = DatasetBase::from(x.clone());
            waited(
                model,
                abandonable(watch, move || {
                    solver
                        .fit(&data)
                        .map(|m| Fitted::GaussianMixture(Box::new(m)))
                        .map_err(|e| e.to_string())
                }),
            )
        }
        "dbscan" => {
            let solver = Dbscan::params(p.usize("min_points")?).tolerance(p.f64("eps")?);
            let data = x.clone();
            let labels = waited(
                model,
                abandonable(watch, move || {
                    solver.transform(&data).map_err(|e| e.to_string())
                }),
            )?;
            let noise = labels.iter().flatten().copied().max().map_or(0, |m| m + 1);
            Ok(Fitted::Dbscan(
                labels.iter().map(|l| l.unwrap_or(noise)).collect(),
            ))
        }
        other => Err(failed(other, "not implemented")),
    }
}

/// Turns per-class probabilities into predictions (ties go to the lower class).
fn from_probabilities(probabilities: Vec<Vec<f64>>) -> Predictions {
    let predicted = probabilities
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (k, &p)| {
                    if p > best.1 { (k, p) } else { best }
                })
                .0
        })
        .collect();
    Predictions::Classes {
        predicted,
        probabilities: Some(probabilities),
    }
}

impl Fitted {
    /// Total split gain per feature, for models that have it.
    pub fn importance(&self) -> Option<&[f64]> {
        match self {
            Fitted::Boosted(booster) => Some(&booster.importance),
            _ => None,
        }
    }

    /// Predicts the rows of `x`.
    pub fn predict(&self, x: &Array2<f64>, classes: usize) -> Predictions {
        match self {
            Fitted::BinaryLogistic(model) => {
                let p_positive = model.predict_probabilities(x);
                let positive = model.labels().pos.class;
                from_probabilities(
                    p_positive
                        .iter()
                        .map(|&p| {
                            let mut row = vec![0.0; classes.max(2)];
                            row[positive.min(1)] = p;
                            row[1 - positive.min(1)] = 1.0 - p;
                            row
                        })
                        .collect(),
                )
            }
            Fitted::MultiLogistic(model) => {
                let p = model.predict_probabilities(x);
                let order: Vec<usize> = model.classes().to_vec();
                from_probabilities(
                    p.outer_iter()
                        .map(|row| {
                            let mut out = vec![0.0; classes];
                            for (k, &class) in order.iter().enumerate() {
                                if class < classes {
                                    out[class] = row[k];
                                }
                            }
                            out
                        })
                        .collect(),
                )
            }
            Fitted::Logistic(model) => from_probabilities(model.probabilities(x)),
            Fitted::RegressionTree(tree) => {
                Predictions::Values(x.outer_iter().map(|r| tree.value(r)).collect())
            }
            Fitted::RegressionForest(forest) => Predictions::Values(forest.values(x)),
            Fitted::Boosted(booster) if booster.is_regression() => {
                Predictions::Values(booster.values(x))
            }
            Fitted::Boosted(booster) => from_probabilities(booster.probabilities(x)),
            Fitted::LeastSquares(model) => Predictions::Values(model.predict(x)),
            Fitted::Tree(tree) => from_probabilities(
                x.outer_iter()
                    .map(|r| tree.distribution(r).to_vec())
                    .collect(),
            ),
            Fitted::Forest(forest) => from_probabilities(forest.distributions(x)),
            Fitted::GaussianNb(model) => {
                let (p, order) = model.predict_proba(x.view());
                let order: Vec<usize> = order.into_iter().copied().collect();
                from_probabilities(
                    p.outer_iter()
                        .map(|row| {
                            let mut out = vec![0.0; classes];
                            for (k, &class) in order.iter().enumerate() {
                                if class < classes {
                                    out[class] = if row[k].is_finite() { row[k] } else { 0.0 };
                                }
                            }
                            out
                        })
                        .collect(),
                )
            }
            Fitted::MultinomialNb(model) => from_probabilities(model.probabilities(x)),
            Fitted::Svm(models) => {
                let scores: Vec<Vec<f64>> = models
                    .iter()
                    .map(|m| m.predict(x).iter().map(|p| **p as f64).collect())
                    .collect();
                let rows = x.nrows();
                let probabilities = (0..rows)
                    .map(|r| {
                        if models.len() == 1 {
                            let p = scores[0][r];
                            vec![1.0 - p, p]
                        } else {
                            let total: f64 = scores.iter().map(|s| s[r]).sum();
                            scores
                                .iter()
                                .map(|s| {
                                    if total > 0.0 {
                                        s[r] / total
                                    } else {
                                        1.0 / models.len() as f64
                                    }
                                })
                                .collect()
                        }
                    })
                    .collect();
                from_probabilities(probabilities)
            }
            Fitted::Linear(model) => Predictions::Values(model.predict(x).to_vec()),
            Fitted::ElasticNet(model) => Predictions::Values(model.predict(x).to_vec()),
            Fitted::KMeans(model) => Predictions::Clusters(model.predict(x)),
            Fitted::GaussianMixture(model) => Predictions::Clusters(model.predict(x).to_vec()),
            Fitted::Dbscan(labels) => Predictions::Clusters(labels.clone()),
        }
    }
}

/// Multinomial naive Bayes over non-negative features (counts, TF-IDF, one-hot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultinomialNb {
    log_prior: Vec<f64>,
    /// `log_likelihood[class][feature]`.
    log_likelihood: Vec<Vec<f64>>,
}

impl MultinomialNb {
    fn fit(x: &Array2<f64>, y: &[usize], classes: usize, alpha: f64) -> Self {
        let width = x.ncols();
        let mut totals = vec![vec![0.0; width]; classes];
        let mut rows = vec![0.0; classes];
        for (row, &class) in x.outer_iter().zip(y) {
            rows[class] += 1.0;
            for (t, v) in totals[class].iter_mut().zip(row) {
                *t += v;
            }
        }
        let n: f64 = rows.iter().sum();
        MultinomialNb {
            log_prior: rows.iter().map(|r| (r.max(1e-300) / n).ln()).collect(),
            log_likelihood: totals
                .iter()
                .map(|t| {
                    let sum: f64 = t.iter().sum::<f64>() + alpha * width as f64;
                    t.iter().map(|v| ((v + alpha) / sum).ln()).collect()
                })
                .collect(),
        }
    }

    /// Class probabilities by a max-shifted softmax of the joint log likelihoods.
    fn probabilities(&self, x: &Array2<f64>) -> Vec<Vec<f64>> {
        x.outer_iter()
            .map(|row| {
                let joint: Vec<f64> = self
                    .log_prior
                    .iter()
                    .zip(&self.log_likelihood)
                    .map(|(prior, ll)| prior + ll.iter().zip(row).map(|(l, v)| l * v).sum::<f64>())
                    .collect();
                let max = joint.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let exp: Vec<f64> = joint.iter().map(|j| (j - max).exp()).collect();
                let total: f64 = exp.iter().sum();
                exp.iter().map(|e| e / total).collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What linfa's QR gave on a singular design: coefficients of 1e17. Such
    /// a model fails its fit instead of being kept and served.
    #[test]
    fn an_absurd_linear_fit_is_refused() {
        let x = Array2::from_shape_fn((4, 2), |(r, c)| ((r + c) % 2) as f64);
        let y = [1.0, 2.0, 1.5, 2.5];
        let absurd = Fitted::LeastSquares(LeastSquares {
            coefficients: vec![1e17, -1e17 + 512.0],
            intercept: 3.0,
        });
        let refused = check_sane("linear_regression", &absurd, &x, &Target::Numbers(&y));
        assert!(
            matches!(&refused, Err(FitError::Failed { detail, .. }) if detail.contains("not kept")),
            "{refused:?}"
        );
        let not_finite = Fitted::LeastSquares(LeastSquares {
            coefficients: vec![f64::NAN, 1.0],
            intercept: 0.0,
        });
        assert!(check_sane("linear_regression", &not_finite, &x, &Target::Numbers(&y)).is_err());
        let fine = Fitted::LeastSquares(LeastSquares {
            coefficients: vec![0.5, 0.5],
            intercept: 1.0,
        });
        assert_eq!(
            check_sane("linear_regression", &fine, &x, &Target::Numbers(&y)),
            Ok(())
        );
    }

    #[test]
    fn balanced_weights_are_scikit_learns() {
        // 3 rows of class 0, 1 of class 1, none of class 2: 4 / (2 × 3) and 4 / (2 × 1).
        let w = balanced_weights(&[0, 0, 0, 1], 3);
        assert!((w[0] - 4.0 / 6.0).abs() < 1e-12);
        assert!((w[1] - 2.0).abs() < 1e-12);
        assert_eq!(w[2], 0.0);
    }

    /// Trees and forests now fit regression targets; they used to be refused.
    #[test]
    fn trees_forests_and_boosting_fit_regression() -> Result<(), FitError> {
        let x = Array2::from_shape_fn((200, 2), |(r, c)| ((r * (c + 3)) % 17) as f64);
        let y: Vec<f64> = x.outer_iter().map(|r| r[0] * 2.0 + r[1]).collect();
        for model in [
            "decision_tree_regressor",
            "random_forest_regressor",
            "gradient_boosting_regressor",
        ] {
            let fitted = fit(
                model,
                &Params::new(),
                &x,
                &[false, false],
                &Target::Numbers(&y),
                1,
                &Watch::unwatched(),
            )?;
            let Predictions::Values(predicted) = fitted.predict(&x, 0) else {
                return Err(failed(model, "did not predict numbers"));
            };
            let error = predicted
                .iter()
                .zip(&y)
                .map(|(p, t)| (p - t).abs())
                .fold(0.0, f64::max);
            assert!(error < 10.0, "{model}: largest error {error}");
        }
        Ok(())
    }
}
