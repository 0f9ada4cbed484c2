//! Progress reporting and cancellation for long dataset work.

/// What a long operation is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reading the source once: hashing it and checking its structure.
    Checking,
    /// Converting the source into a Parquet snapshot.
    Converting,
    /// Computing the profile.
    Profiling,
}

/// Receives progress; may ask the work to stop.
pub trait Progress: Send + Sync {
    /// `done` of `total` units (bytes while checking) have been processed.
    fn report(&self, stage: Stage, done: u64, total: u64);

    /// When true, the work stops at the next opportunity with
    /// [`crate::DataError::Cancelled`], leaving nothing behind.
    fn cancelled(&self) -> bool {
        false
    }
}

/// For callers that do not watch.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _stage: Stage, _done: u64, _total: u64) {}
}
