//! The progress stream: what long work reports while it runs. Every
//! transport forwards these events as they are (server-sent events, Tauri
//! events, a terminal's progress bars), so each window sees every job of
//! its process; jobs of other processes are seen through their records.

use crate::evaluation::EvaluationProgress;
use crate::jobs::JobInfo;
use crate::sweep::RunEvent;
use datalab_data::Stage;
use datalab_project::JobId;
use serde::Serialize;

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A job started, moved on, or ended (at most a few times a second).
    Job { job: JobInfo },
    /// `done` of `total` units of an import or profile (bytes while checking).
    Progress {
        job: JobId,
        operation: String,
        stage: Stage,
        done: u64,
        total: u64,
    },
    /// A run started, finished a fold, moved on inside a fold, or ended.
    Run { job: JobId, event: RunEvent },
    /// `done` of `total` bytes of an upload or a download.
    Transfer {
        job: JobId,
        operation: String,
        done: u64,
        total: u64,
    },
    /// Rows of a vendor evaluation done, failed, and what it spent so far.
    Evaluation {
        job: JobId,
        progress: EvaluationProgress,
    },
}

/// Where a transport sends events.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

/// For callers that do not listen.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: Event) {}
}

impl<F: Fn(Event) + Send + Sync> EventSink for F {
    fn emit(&self, event: Event) {
        self(event)
    }
}
