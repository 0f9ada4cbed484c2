//! The `datalab` binary, run as a user runs it: one test binary, a module
//! per area, and one shared helper (`common`) that starts the binary with a
//! clean environment.

mod basics;
mod bundles;
mod common;
mod experiments;
mod hostile;
mod jobs;
mod ledger;
mod modelling;
mod models;
mod notes;
mod report;
mod server_jobs;
mod serving;
mod serving_limits;
mod transports;
mod vendors;
