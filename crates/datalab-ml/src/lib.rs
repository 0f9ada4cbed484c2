//! Machine learning for Data Lab: seeded validation splits, the metrics that
//! score local models and vendor services alike, and significance tests over
//! folds. (The model catalog and training over linfa join this crate next;
//! it will be the only crate that knows linfa.)
//!
//! Everything here is plain Rust over slices, deterministic for a given seed
//! on every platform.

pub mod catalog;
pub mod features;
pub mod metrics;
pub mod models;
pub mod rng;
pub mod spec;
pub mod stats;
pub mod tree;
pub mod trial;
pub mod validation;
