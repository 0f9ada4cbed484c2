//! Fitting and predicting with the catalog's models. linfa does the work
//! where it is deterministic; trees, forests and multinomial naive Bayes are
//! our own (see `tree.rs`; linfa's multinomial naive Bayes prints its
//! internals to stderr on every fit), and so is k-means (see `kmeans.rs`).
//!
//! A model that stops at its iteration limit before converging is an error,
//! not a silent result: linfa's logistic regression and elastic net return
//! whatever they reached, so their optimality is checked here.

use crate::catalog::{ModelSpec, ParamValue};
use crate::kmeans::{KMeans, KMeansParams};
use crate::tree::{Forest, ForestParams, SplitQuality, Tree, TreeParams};
use crate::watch::{Abandoned, Stopped, Watch, abandonable};
use linfa::prelude::*;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_clustering::{Dbscan, GaussianMixtureModel};
use linfa_elasticnet::ElasticNet;
use linfa_linear::{FittedLinearRegression, LinearRegression};
use linfa_logistic::{
    FittedLogisticRegression, LogisticRegression, MultiFittedLogisticRegression,
    MultiLogisticRegression,
};
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
#[derive(Debug, Serialize, Deserialize)]
pub enum Fitted {
    BinaryLogistic(FittedLogisticRegression<f64, usize>),
    MultiLogistic(MultiFittedLogisticRegression<f64, usize>),
    Tree(Tree),
    Forest(Forest),
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

/// Whether features should be standardised for this model (not for count
/// models, which need non-negative inputs, nor for trees, which do not care).
pub fn wants_standardized_features(model: &str) -> bool {
    !matches!(model, "multinomial_nb" | "decision_tree" | "random_forest")
}

fn failed(model: &str, error: impl std::fmt::Display) -> FitError {
    FitError::Failed {
        model: model.to_string(),
        detail: error.to_string(),
    }
}

/// Fits `model` with `params` on the rows of `x` (already selected as
/// training rows). `watch` is asked between the fit's steps (trees,
/// iterations); linfa's solvers, which have no steps to stop between, run
/// on a thread of their own that is abandoned when the watch asks to stop.
pub fn fit(
    model: &str,
    params: &Params,
    x: &Array2<f64>,
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
    let rng = || Xoshiro256Plus::seed_from_u64(seed);
    match model {
        "logistic_regression" => {
            let (y, count) = classes()?;
            let dataset = Dataset::new(x.clone(), Array1::from(y.to_vec()));
            // The loss is a sum over rows: scale the tolerance with them (FIELD-NOTES).
            let tolerance = 1e-4 * x.nrows() as f64;
            let alpha = p.f64("alpha")?;
            let iterations = p.usize("max_iterations")?;
            let fitted = if count <= 2 {
                let solver = LogisticRegression::default()
                    .alpha(alpha)
                    .max_iterations(iterations as u64)
                    .gradient_tolerance(tolerance);
                waited(
                    model,
                    abandonable(watch, move || {
                        solver
                            .fit(&dataset)
                            .map(Fitted::BinaryLogistic)
                            .map_err(|e| e.to_string())
                    }),
                )?
            } else {
                let solver = MultiLogisticRegression::default()
                    .alpha(alpha)
                    .max_iterations(iterations as u64)
                    .gradient_tolerance(tolerance);
                waited(
                    model,
                    abandonable(watch, move || {
                        solver
                            .fit(&dataset)
                            .map(Fitted::MultiLogistic)
                            .map_err(|e| e.to_string())
                    }),
                )?
            };
            let gradient = logistic_gradient_norm(&fitted, x, y, count, alpha);
            // L-BFGS also stops when the loss stops changing, just above the
            // tolerance: only a gradient well above it means the limit was hit.
            if gradient > 10.0 * tolerance {
                return Err(FitError::NotConverged {
                    model: model.to_string(),
                    detail: format!(
                        "did not converge in {iterations} iterations (gradient norm {gradient:.3e}, \
                         tolerance {tolerance:.3e}); raise max_iterations or alpha"
                    ),
                });
            }
            Ok(fitted)
        }
        "decision_tree" | "random_forest" => {
            let (y, count) = classes()?;
            let depth = p.usize("max_depth")?;
            let tree = TreeParams {
                quality: if model == "decision_tree" && p.text("split_quality")? == "entropy" {
                    SplitQuality::Entropy
                } else {
                    SplitQuality::Gini
                },
                max_depth: (depth > 0).then_some(depth),
                min_samples_split: if model == "decision_tree" {
                    p.usize("min_samples_split")?
                } else {
                    2
                },
            };
            let rows: Vec<usize> = (0..x.nrows()).collect();
            if model == "decision_tree" {
                let features: Vec<usize> = (0..x.ncols()).collect();
                Ok(Fitted::Tree(Tree::fit(
                    x, y, count, &rows, &features, &tree, watch,
                )?))
            } else {
                let forest = ForestParams {
                    trees: p.usize("trees")?,
                    tree,
                    bootstrap_fraction: p.f64("bootstrap_fraction")?,
                    feature_fraction: p.f64("feature_fraction")?,
                };
                Ok(Fitted::Forest(Forest::fit(
                    x, y, count, &rows, &forest, seed, watch,
                )?))
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
            let dataset = Dataset::new(x.clone(), Array1::from(y.to_vec()));
            LinearRegression::new()
                .fit(&dataset)
                .map(Fitted::Linear)
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

/// Euclidean norm of the gradient of linfa's logistic loss (a sum over rows
/// plus `alpha / 2 × ‖w‖²`, intercepts not penalised) at the fitted parameters.
fn logistic_gradient_norm(
    fitted: &Fitted,
    x: &Array2<f64>,
    y: &[usize],
    classes: usize,
    alpha: f64,
) -> f64 {
    let Predictions::Classes {
        probabilities: Some(probabilities),
        ..
    } = fitted.predict(x, classes)
    else {
        return 0.0;
    };
    // Binary: one weight vector, for linfa's positive class.
    let (weights, width, positive): (Vec<f64>, usize, usize) = match fitted {
        Fitted::BinaryLogistic(m) => (m.params().to_vec(), 1, m.labels().pos.class),
        // A class missing from the training rows shifts linfa's columns: not checked then.
        Fitted::MultiLogistic(m) if m.params().ncols() == classes => {
            (m.params().iter().copied().collect(), classes, 0)
        }
        _ => return 0.0,
    };
    let features = x.ncols();
    let mut gradient = vec![0.0; (features + 1) * width];
    for ((row, probs), &label) in x.outer_iter().zip(&probabilities).zip(y) {
        for k in 0..width {
            let class = if width == 1 { positive } else { k };
            let residual = probs.get(class).copied().unwrap_or(0.0) - f64::from(label == class);
            for (j, v) in row.iter().enumerate() {
                gradient[j * width + k] += residual * v;
            }
            gradient[features * width + k] += residual;
        }
    }
    for (g, w) in gradient.iter_mut().zip(&weights) {
        *g += alpha * w;
    }
    gradient.iter().map(|g| g * g).sum::<f64>().sqrt()
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
            Fitted::Tree(tree) => from_probabilities(
                x.outer_iter()
                    .map(|r| tree.distribution(r).to_vec())
                    .collect(),
            ),
            Fitted::Forest(forest) => {
                from_probabilities(x.outer_iter().map(|r| forest.distribution(r)).collect())
            }
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
