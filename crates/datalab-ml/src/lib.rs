//! Machine learning for Data Lab, the only crate that knows linfa: the model
//! catalog and its parameter spaces, preprocessing fitted on training rows,
//! fitting and predicting (linfa where it is deterministic, fast and right;
//! our own trees, forests, gradient boosting, least squares, logistic
//! regression, multinomial naive Bayes and k-means where it is not),
//! seeded validation splits, the metrics that score local models and vendor
//! services alike, significance tests over folds, and experiment specs.
//!
//! Everything is deterministic for a given seed on every platform.

pub mod boosting;
pub mod catalog;
pub mod charts;
pub mod early_stop;
pub mod features;
pub mod kmeans;
pub mod linear;
pub mod metric_facts;
pub mod metrics;
pub mod models;
pub mod prepare;
pub mod ranks;
pub mod rng;
pub mod spec;
pub mod stats;
pub mod threshold;
pub mod tpe;
pub mod tree;
pub mod trial;
pub mod validation;
pub mod watch;
