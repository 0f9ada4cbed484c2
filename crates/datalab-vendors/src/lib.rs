//! Connectors to prediction services, and evaluations through them.
//!
//! A [`Connector`] says how to reach a service: the OpenAI-compatible chat
//! completions API, the Open Inference Protocol v2, MLflow's scoring
//! protocol, or any JSON over HTTP. [`Plan`] turns an experiment's test rows
//! into calls and sends them with the connector's limits (concurrency, rate,
//! retries, timeout, spend cap), reporting every call's answers, latency,
//! tokens and cost. Secrets are read when a connector is used
//! ([`Secret::resolve`]) and scrubbed from every message.
//!
//! This crate knows HTTP and JSON, not the project: the API crate stores
//! connectors and evaluations and scores the answers with the same metrics
//! as local runs.

pub mod connector;
mod error;
mod evaluate;
pub mod protocol;
mod secret;
mod stats;
pub mod template;

pub use connector::{
    Auth, ConfigError, Connector, Header, MlflowFormat, Pricing, Protocol, SecretSource,
};
pub use error::VendorError;
pub use evaluate::{
    CachedBody, CallRecord, EvaluationEnd, Failure, FailureKind, Plan, RequestPreview, Stop,
};
pub use protocol::{Answer, Column, Expected, Rows, Usage};
pub use secret::{Secret, redact};
pub use stats::{LatencySummary, latency_summary};
