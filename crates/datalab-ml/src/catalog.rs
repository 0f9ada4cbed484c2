//! The model catalog: every model a user can pick, with a typed
//! hyperparameter space that a UI renders as a form without knowing the model.

use serde::{Deserialize, Serialize};

/// What a model learns to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Classification,
    Regression,
    Clustering,
}

/// The range of one hyperparameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamDomain {
    Integer {
        min: i64,
        max: i64,
        default: i64,
    },
    /// `log`: searched and shown on a log scale (regularisation strengths).
    Float {
        min: f64,
        max: f64,
        default: f64,
        log: bool,
    },
    Choice {
        options: Vec<String>,
        default: String,
    },
    Boolean {
        default: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ParamSpec {
    pub name: String,
    pub description: String,
    pub domain: ParamDomain,
}

/// One model of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelSpec {
    /// Stable id used in experiment specs, e.g. `logistic_regression`.
    pub id: String,
    pub name: String,
    pub task: Task,
    pub description: String,
    pub params: Vec<ParamSpec>,
    /// Whether the same data and seed always give the same model, and if
    /// not, why.
    pub deterministic: Determinism,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Determinism {
    Yes,
    No { why: String },
}

fn int(name: &str, description: &str, min: i64, max: i64, default: i64) -> ParamSpec {
    ParamSpec {
        name: name.into(),
        description: description.into(),
        domain: ParamDomain::Integer { min, max, default },
    }
}

fn float(name: &str, description: &str, min: f64, max: f64, default: f64, log: bool) -> ParamSpec {
    ParamSpec {
        name: name.into(),
        description: description.into(),
        domain: ParamDomain::Float {
            min,
            max,
            default,
            log,
        },
    }
}

fn choice(name: &str, description: &str, options: &[&str], default: &str) -> ParamSpec {
    ParamSpec {
        name: name.into(),
        description: description.into(),
        domain: ParamDomain::Choice {
            options: options.iter().map(|o| o.to_string()).collect(),
            default: default.into(),
        },
    }
}

fn model(id: &str, name: &str, task: Task, description: &str, params: Vec<ParamSpec>) -> ModelSpec {
    ModelSpec {
        id: id.into(),
        name: name.into(),
        task,
        description: description.into(),
        params,
        deterministic: Determinism::Yes,
    }
}

/// Split choices of `max_features`, scikit-learn's names and shares.
pub const MAX_FEATURES: [&str; 5] = ["sqrt", "log2", "0.33", "0.5", "all"];

/// A random forest's parameters; `max_features` defaults as scikit-learn's
/// (`sqrt` for classification, every feature for regression).
fn forest_params(max_features: &str) -> Vec<ParamSpec> {
    vec![
        int("trees", "Number of trees", 1, 1_000, 100),
        int(
            "max_depth",
            "Deepest level of each tree (0: unlimited)",
            0,
            100,
            0,
        ),
        choice(
            "max_features",
            "Features each split chooses among",
            &MAX_FEATURES,
            max_features,
        ),
        int(
            "min_samples_split",
            "Fewest rows a node needs to be split",
            2,
            10_000,
            2,
        ),
        float(
            "bootstrap_fraction",
            "Share of rows drawn (with replacement) for each tree",
            0.1,
            1.0,
            1.0,
            false,
        ),
        float(
            "feature_fraction",
            "Share of features a tree may use at all (before max_features per split)",
            0.1,
            1.0,
            1.0,
            false,
        ),
    ]
}

/// `balanced` class weights, as scikit-learn's `class_weight`.
fn class_weight() -> ParamSpec {
    choice(
        "class_weight",
        "balanced: weigh each class by the inverse of its share of the rows",
        &["none", "balanced"],
        "none",
    )
}

/// Gradient boosting's parameters, with LightGBM's and scikit-learn's defaults.
fn boosting_params() -> Vec<ParamSpec> {
    vec![
        int(
            "rounds",
            "Boosting rounds (most, under early stopping)",
            1,
            10_000,
            100,
        ),
        float(
            "learning_rate",
            "Shrinkage of each tree",
            1e-3,
            1.0,
            0.1,
            true,
        ),
        int("max_leaves", "Most leaves per tree", 2, 4_096, 31),
        int("max_depth", "Deepest level (0: unlimited)", 0, 64, 0),
        int("min_leaf", "Fewest training rows in a leaf", 1, 10_000, 20),
        float(
            "l2",
            "L2 regularisation of leaf values",
            0.0,
            100.0,
            0.0,
            false,
        ),
        float(
            "row_fraction",
            "Share of rows each round sees",
            0.1,
            1.0,
            1.0,
            false,
        ),
        float(
            "column_fraction",
            "Share of features each tree sees",
            0.1,
            1.0,
            1.0,
            false,
        ),
        int("max_bins", "Bins per numeric feature", 8, 255, 255),
        choice(
            "early_stopping",
            "Stop when held-out training rows stop improving (auto: above 10,000 rows)",
            &["auto", "on", "off"],
            "auto",
        ),
        float(
            "validation_fraction",
            "Share of training rows held out for early stopping",
            0.05,
            0.5,
            0.1,
            false,
        ),
        int(
            "patience",
            "Rounds without improvement before stopping",
            1,
            1_000,
            10,
        ),
    ]
}

/// Every model, in the order a UI lists them.
pub fn catalog() -> Vec<ModelSpec> {
    use Task::*;
    vec![
        model(
            "logistic_regression",
            "Logistic regression",
            Classification,
            "Linear model of class probabilities; binary or multinomial.",
            vec![
                float(
                    "alpha",
                    "L2 regularisation strength (about 1/C in scikit-learn)",
                    1e-6,
                    1e3,
                    1.0,
                    true,
                ),
                int(
                    "max_iterations",
                    "Most L-BFGS iterations",
                    10,
                    10_000,
                    1_000,
                ),
                float(
                    "tolerance",
                    "Largest gradient entry at which the fit stops (scikit-learn's tol, whose default is 1e-4)",
                    1e-12,
                    1e-2,
                    crate::linear::LOGISTIC_TOLERANCE,
                    true,
                ),
                class_weight(),
            ],
        ),
        model(
            "decision_tree",
            "Decision tree",
            Classification,
            "CART tree with Gini or entropy splits.",
            vec![
                choice(
                    "split_quality",
                    "How a split is scored",
                    &["gini", "entropy"],
                    "gini",
                ),
                int("max_depth", "Deepest level (0: unlimited)", 0, 100, 10),
                int(
                    "min_samples_split",
                    "Fewest rows a node needs to be split",
                    2,
                    10_000,
                    2,
                ),
                class_weight(),
            ],
        ),
        model(
            "decision_tree_regressor",
            "Decision tree (regression)",
            Regression,
            "CART tree splitting by variance reduction; leaves predict their mean.",
            vec![
                int("max_depth", "Deepest level (0: unlimited)", 0, 100, 10),
                int(
                    "min_samples_split",
                    "Fewest rows a node needs to be split",
                    2,
                    10_000,
                    2,
                ),
            ],
        ),
        model(
            "random_forest",
            "Random forest",
            Classification,
            "Trees on bootstrap samples, each split choosing among a random subset of \
             the features; the trees' class distributions are averaged.",
            forest_params("sqrt")
                .into_iter()
                .chain([class_weight()])
                .collect(),
        ),
        model(
            "gradient_boosting",
            "Gradient-boosted trees",
            Classification,
            "Histogram-based boosting (as LightGBM): missing values and text categories \
             handled natively, early stopping on held-out training rows.",
            boosting_params()
                .into_iter()
                .chain([class_weight()])
                .collect(),
        ),
        model(
            "gaussian_nb",
            "Gaussian naive Bayes",
            Classification,
            "Independent normal features per class; fast baseline.",
            vec![float(
                "var_smoothing",
                "Added to variances, as a share of the largest",
                1e-12,
                1e-1,
                1e-9,
                true,
            )],
        ),
        model(
            "multinomial_nb",
            "Multinomial naive Bayes",
            Classification,
            "Word counts per class; the classic text baseline (use with a TF-IDF text column).",
            vec![float(
                "alpha",
                "Additive (Laplace) smoothing",
                1e-4,
                10.0,
                1.0,
                true,
            )],
        ),
        model(
            "svm",
            "Support vector machine",
            Classification,
            "Maximum-margin classifier; one-vs-rest for more than two classes.",
            vec![
                float("c", "Penalty for margin violations", 1e-3, 1e3, 1.0, true),
                choice("kernel", "Kernel", &["linear", "rbf"], "rbf"),
                float("gamma", "RBF kernel width (1/eps)", 1e-4, 1e2, 0.1, true),
            ],
        ),
        model(
            "linear_regression",
            "Linear regression",
            Regression,
            "Ordinary least squares (the minimum-norm solution when columns are collinear).",
            vec![],
        ),
        model(
            "random_forest_regressor",
            "Random forest (regression)",
            Regression,
            "Regression trees on bootstrap samples, averaged.",
            forest_params("all"),
        ),
        model(
            "gradient_boosting_regressor",
            "Gradient-boosted trees (regression)",
            Regression,
            "Histogram-based boosting of squared error (as LightGBM): missing values and \
             text categories handled natively, early stopping on held-out training rows.",
            boosting_params(),
        ),
        model(
            "elastic_net",
            "Elastic net",
            Regression,
            "Linear regression with L1 and L2 penalties: ridge at l1_ratio 0, lasso at 1.",
            vec![
                float(
                    "penalty",
                    "Overall penalty strength (alpha)",
                    1e-6,
                    1e2,
                    0.1,
                    true,
                ),
                float(
                    "l1_ratio",
                    "Share of L1 in the penalty",
                    0.0,
                    1.0,
                    0.5,
                    false,
                ),
                int(
                    "max_iterations",
                    "Most coordinate-descent iterations",
                    10,
                    100_000,
                    1_000,
                ),
            ],
        ),
        model(
            "kmeans",
            "K-means",
            Clustering,
            "Centroid clustering (k-means++ start, several restarts).",
            vec![
                int("clusters", "Number of clusters", 2, 100, 3),
                int(
                    "restarts",
                    "Independent starts; the best is kept",
                    1,
                    50,
                    10,
                ),
                int(
                    "max_iterations",
                    "Most iterations per start",
                    10,
                    10_000,
                    300,
                ),
            ],
        ),
        model(
            "dbscan",
            "DBSCAN",
            Clustering,
            "Density-based clusters; rows in sparse regions are noise.",
            vec![
                float(
                    "eps",
                    "Neighbourhood radius (on scaled features)",
                    1e-3,
                    100.0,
                    0.5,
                    true,
                ),
                int(
                    "min_points",
                    "Neighbours that make a core point (itself included)",
                    2,
                    1_000,
                    5,
                ),
            ],
        ),
        model(
            "gaussian_mixture",
            "Gaussian mixture",
            Clustering,
            "Soft clustering by a mixture of full-covariance normals (EM).",
            vec![
                int("clusters", "Number of components", 2, 50, 3),
                int("max_iterations", "Most EM iterations", 10, 10_000, 100),
                float(
                    "reg_covariance",
                    "Added to the covariance diagonals",
                    1e-9,
                    1e-1,
                    1e-6,
                    true,
                ),
            ],
        ),
    ]
}

/// A chosen value for a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum ParamValue {
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("no model '{0}' in the catalog; the models are: {1}")]
    UnknownModel(String, String),
    #[error("{model} has no parameter '{name}'; its parameters are: {known}")]
    UnknownParam {
        model: String,
        name: String,
        known: String,
    },
    #[error("{model}.{name} = {value} is out of range: it must be {expected}")]
    OutOfRange {
        model: String,
        name: String,
        value: String,
        expected: String,
    },
}

impl ModelSpec {
    pub fn find(id: &str) -> Result<ModelSpec, ParamError> {
        let all = catalog();
        let known = all
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        all.iter()
            .find(|m| m.id == id)
            .cloned()
            .ok_or_else(|| ParamError::UnknownModel(id.to_string(), known))
    }

    /// Checks `value` against the parameter `name`'s domain.
    pub fn check(&self, name: &str, value: &ParamValue) -> Result<(), ParamError> {
        let Some(param) = self.params.iter().find(|p| p.name == name) else {
            return Err(ParamError::UnknownParam {
                model: self.id.clone(),
                name: name.to_string(),
                known: self
                    .params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let out_of_range = |expected: String| ParamError::OutOfRange {
            model: self.id.clone(),
            name: name.to_string(),
            value: match value {
                ParamValue::Integer(v) => v.to_string(),
                ParamValue::Float(v) => v.to_string(),
                ParamValue::Boolean(v) => v.to_string(),
                ParamValue::Text(v) => format!("'{v}'"),
            },
            expected,
        };
        match (&param.domain, value) {
            (ParamDomain::Integer { min, max, .. }, ParamValue::Integer(v))
                if v < min || v > max =>
            {
                Err(out_of_range(format!("a whole number from {min} to {max}")))
            }
            (ParamDomain::Integer { .. }, ParamValue::Integer(_)) => Ok(()),
            (ParamDomain::Integer { min, max, .. }, _) => {
                Err(out_of_range(format!("a whole number from {min} to {max}")))
            }
            (ParamDomain::Float { min, max, .. }, ParamValue::Float(v))
                if !(v >= min && v <= max) =>
            {
                Err(out_of_range(format!("a number from {min} to {max}")))
            }
            (ParamDomain::Float { min, max, .. }, ParamValue::Integer(v))
                if !((*v as f64) >= *min && (*v as f64) <= *max) =>
            {
                Err(out_of_range(format!("a number from {min} to {max}")))
            }
            (ParamDomain::Float { .. }, ParamValue::Float(_) | ParamValue::Integer(_)) => Ok(()),
            (ParamDomain::Float { min, max, .. }, _) => {
                Err(out_of_range(format!("a number from {min} to {max}")))
            }
            (ParamDomain::Choice { options, .. }, ParamValue::Text(v)) if options.contains(v) => {
                Ok(())
            }
            (ParamDomain::Choice { options, .. }, _) => {
                Err(out_of_range(format!("one of {}", options.join(", "))))
            }
            (ParamDomain::Boolean { .. }, ParamValue::Boolean(_)) => Ok(()),
            (ParamDomain::Boolean { .. }, _) => Err(out_of_range("true or false".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_defaults_in_range() {
        let all = catalog();
        let mut ids: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for model in &all {
            for param in &model.params {
                let default = match &param.domain {
                    ParamDomain::Integer { default, .. } => ParamValue::Integer(*default),
                    ParamDomain::Float { default, .. } => ParamValue::Float(*default),
                    ParamDomain::Choice { default, .. } => ParamValue::Text(default.clone()),
                    ParamDomain::Boolean { default } => ParamValue::Boolean(*default),
                };
                assert_eq!(
                    model.check(&param.name, &default),
                    Ok(()),
                    "{}.{}",
                    model.id,
                    param.name
                );
            }
        }
    }

    #[test]
    fn bad_parameters_are_explained() -> Result<(), ParamError> {
        let tree = ModelSpec::find("decision_tree")?;
        let error = tree.check("max_depth", &ParamValue::Integer(-1));
        assert!(
            matches!(&error, Err(ParamError::OutOfRange { expected, .. }) if expected.contains("0 to 100"))
        );
        let unknown = tree.check("depth", &ParamValue::Integer(3));
        assert!(
            matches!(&unknown, Err(ParamError::UnknownParam { known, .. }) if known.contains("max_depth"))
        );
        let kernel = ModelSpec::find("svm")?.check("kernel", &ParamValue::Text("poly".into()));
        assert!(kernel.is_err());
        assert!(matches!(
            ModelSpec::find("xgboost"),
            Err(ParamError::UnknownModel(..))
        ));
        Ok(())
    }
}
