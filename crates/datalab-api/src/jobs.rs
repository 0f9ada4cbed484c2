//! Long operations run as jobs of the job engine: [`JobContext`] is what a
//! caller hands them (who hears the events, its own stop flag, the id it
//! chose), and the job list and cancel work across windows and processes.

use crate::error::ApiError;
use datalab_data::{Progress, Stage};
use datalab_lab::{Event, EventSink, Job, JobInfo, JobSpec};
use datalab_project::{JobId, Project};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

/// What a caller gives the jobs its call runs.
pub struct JobContext<'a> {
    /// Hears every event of the jobs.
    pub events: &'a dyn EventSink,
    /// The caller's own stop flag (Ctrl-C, a closed window).
    pub cancel: &'a AtomicBool,
    /// The id the caller chose for the (first) job, to cancel it by.
    id: Mutex<Option<JobId>>,
}

impl std::fmt::Debug for JobContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext")
            .field("cancel", &self.cancel)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<'a> JobContext<'a> {
    /// Jobs that send their events to `events` and stop when `cancel` is set.
    pub fn new(events: &'a dyn EventSink, cancel: &'a AtomicBool) -> Self {
        JobContext {
            events,
            cancel,
            id: Mutex::new(None),
        }
    }

    /// The same, the first job taking `id`.
    pub fn with_id(self, id: Option<JobId>) -> Self {
        if let Ok(mut slot) = self.id.lock() {
            *slot = id;
        }
        self
    }

    /// Whether the caller asked to stop (Ctrl-C, a closed window).
    pub fn cancelled(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `work` as a job described by `spec` (see [`datalab_lab::run_job`]).
    pub fn run<T>(
        &self,
        project: &Project,
        spec: JobSpec,
        work: impl FnOnce(&Job<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let id = self.id.lock().ok().and_then(|mut slot| slot.take());
        datalab_lab::run_job(project, spec.with_id(id), self.events, self.cancel, work)
    }
}

/// A job's progress and cancel, as the data layer asks for them.
pub(crate) struct DataProgress<'a> {
    pub job: &'a Job<'a>,
    pub operation: &'static str,
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Checking => "checking",
        Stage::Converting => "converting",
        Stage::Profiling => "profiling",
    }
}

impl Progress for DataProgress<'_> {
    fn report(&self, stage: Stage, done: u64, total: u64) {
        self.job.report(stage_name(stage), done, total);
        self.job.emit(Event::Progress {
            job: self.job.id().clone(),
            operation: self.operation.to_string(),
            stage,
            done,
            total,
        });
    }

    fn cancelled(&self) -> bool {
        self.job.cancelled()
    }
}

/// Which jobs to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListJobsRequest {
    /// At most this many (default 50), running ones first.
    #[serde(default)]
    pub limit: Option<u64>,
}

/// A job, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct JobRef {
    /// The job's id.
    pub job: JobId,
}

/// The running and recent jobs of the project, of every process; jobs whose
/// owner is gone are shown interrupted.
pub fn list_jobs(project: &Project, request: &ListJobsRequest) -> Result<Vec<JobInfo>, ApiError> {
    datalab_lab::recovery::recover(project)?;
    let limit = request
        .limit
        .unwrap_or(datalab_lab::jobs::RECENT_JOBS)
        .min(1_000);
    Ok(datalab_lab::jobs::list_jobs(project, limit)?)
}

/// One job.
pub fn show_job(project: &Project, id: &JobId) -> Result<JobInfo, ApiError> {
    Ok(JobInfo::from_record(project.job(id)?))
}

/// Asks a job to stop, whichever process or window runs it: it stops
/// within a second or so, keeping what it finished.
pub fn cancel_job(project: &Project, id: &JobId) -> Result<JobInfo, ApiError> {
    Ok(datalab_lab::jobs::cancel_job(project, id)?)
}
