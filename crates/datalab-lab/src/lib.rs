//! The job engine of Data Lab: how long work runs, whatever it is.
//!
//! - [`jobs`]: one kind of job record (kind, status, progress, cancel
//!   request, owner, heartbeat) and [`jobs::run_job`], which runs work as a
//!   job with its one cancel watcher;
//! - [`owner`]: who owns a job and whether that owner is alive (never a PID
//!   alone: a heartbeat decides across hosts and containers);
//! - [`recovery`]: one recovery, for every kind, of jobs left by a dead owner;
//! - [`events`]: the progress stream every transport forwards;
//! - [`sweep`]: the experiment runner (a shared queue of runs, folds kept as
//!   they finish, cancel within a second inside a trial, resume);
//! - [`command`]: command trials, the user's own code run per trial as a
//!   child process that logs into its run through MLflow;
//! - [`evaluation`]: the vendor evaluation runner;
//! - [`data`], [`test_rows`], [`run_files`]: an experiment's data, its test
//!   rows as a vendor receives them, and the files of a run.
//!
//! The API decides *what* to run (it checks requests and specs); this crate
//! runs it and records what happens.

pub mod command;
pub mod data;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod jobs;
pub mod owner;
pub mod recovery;
pub mod run_files;
pub mod run_info;
mod rungs;
pub mod sweep;
pub mod test_rows;

pub use error::LabError;
pub use events::{Event, EventSink, NoEvents};
pub use jobs::{Job, JobError, JobInfo, JobSpec, run_job};
pub use run_files::RunFiles;
pub use run_info::{RunInfo, RunTally, params_text};
