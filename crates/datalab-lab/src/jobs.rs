//! Jobs: how long work runs. [`run_job`] records the job, starts its
//! watcher, runs the work and records how it ended, whatever the work is.
//!
//! The watcher is the one cancel watcher: a thread of the job's own, with
//! its own database connection, that beats the owner's heartbeat, writes
//! the job's progress, sends it as events (a few times a second at most),
//! and hears a cancel request from any process or window (the job's
//! record) or from the caller's own flag (Ctrl-C, a closed window).

use crate::events::{Event, EventSink};
use crate::owner::{Owner, now_ms};
use datalab_project::{
    EvaluationId, ExperimentId, JobId, JobKind, JobProgress, JobRecord, JobStatus, NewJob, Project,
    ProjectError,
};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the watcher looks for a cancel request.
const LOOK: Duration = Duration::from_millis(100);
/// How often the owner's heartbeat is written, at least.
const BEAT: Duration = Duration::from_secs(1);
/// The fastest progress is written and sent.
const REPORT: Duration = Duration::from_millis(250);
/// How many recent jobs the job list shows by default.
pub const RECENT_JOBS: u64 = 50;

/// A job as a person sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct JobInfo {
    pub id: JobId,
    pub kind: JobKind,
    /// What it works on ("import sales.csv", "experiment 3").
    pub label: String,
    pub status: JobStatus,
    /// What it is doing now, when it says.
    pub stage: Option<String>,
    pub done: u64,
    pub total: u64,
    /// How it ended, in words.
    pub message: Option<String>,
    pub cancel_requested: bool,
    /// The process that runs it (`host, pid 123`).
    pub owner: String,
    /// Whether this process runs it.
    pub mine: bool,
    pub experiment: Option<ExperimentId>,
    pub evaluation: Option<EvaluationId>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl JobInfo {
    /// From its record, as seen from this process.
    pub fn from_record(record: JobRecord) -> JobInfo {
        let owner = Owner::from_json(&record.owner_json);
        JobInfo {
            mine: owner.as_ref().is_some_and(|o| o.id == Owner::current().id),
            owner: owner.map_or_else(|| "unknown".into(), |o| o.describe()),
            id: record.id,
            kind: record.kind,
            label: record.label,
            status: record.status,
            stage: record.stage,
            done: record.done,
            total: record.total,
            message: record.message,
            cancel_requested: record.cancel_requested,
            experiment: record.experiment_id,
            evaluation: record.evaluation_id,
            started_at: record.started_at,
            finished_at: record.finished_at,
        }
    }
}

/// A job about to start.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// The id its caller chose (a window, to cancel it before its first
    /// answer); a new random one when none.
    pub id: Option<JobId>,
    pub kind: JobKind,
    pub label: String,
    pub experiment: Option<ExperimentId>,
}

impl JobSpec {
    pub fn new(kind: JobKind, label: impl Into<String>) -> JobSpec {
        JobSpec {
            id: None,
            kind,
            label: label.into(),
            experiment: None,
        }
    }

    /// The same, with the caller's id.
    pub fn with_id(mut self, id: Option<JobId>) -> JobSpec {
        self.id = id;
        self
    }

    /// The same, working on `experiment`.
    pub fn on_experiment(mut self, experiment: ExperimentId) -> JobSpec {
        self.experiment = Some(experiment);
        self
    }
}

/// A new random job id.
pub fn new_job_id() -> JobId {
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&now_ms().to_le_bytes());
    }
    JobId::from_random(bytes)
}

/// What the errors of a job's work say about how it ended.
pub trait JobError {
    /// It stopped because it was asked to.
    fn is_cancelled(&self) -> bool;
    /// In words, for the job's record.
    fn job_message(&self) -> String;
}

/// A running job, as its work sees it.
pub struct Job<'a> {
    id: JobId,
    kind: JobKind,
    label: String,
    experiment: Option<ExperimentId>,
    started_at: String,
    events: &'a dyn EventSink,
    external: &'a AtomicBool,
    cancel: AtomicBool,
    progress: Mutex<JobProgress>,
    changed: AtomicBool,
    end: Mutex<Option<(JobStatus, Option<String>)>>,
}

impl std::fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Job<'_> {
    pub fn id(&self) -> &JobId {
        &self.id
    }

    /// Whether the work should stop: someone asked (from any window or
    /// process), or the caller's own flag is set.
    pub fn cancelled(&self) -> bool {
        self.external.load(Ordering::SeqCst) || self.cancel.load(Ordering::SeqCst)
    }

    /// A flag that turns true when the job should stop (at most a tenth of
    /// a second after [`Job::cancelled`] does), for work that takes one.
    pub fn flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Where the work is: `done` of `total`, and what it is doing.
    pub fn report(&self, stage: impl Into<String>, done: u64, total: u64) {
        if let Ok(mut progress) = self.progress.lock() {
            *progress = JobProgress {
                stage: Some(stage.into()),
                done,
                total,
            };
        }
        self.changed.store(true, Ordering::SeqCst);
    }

    /// Sends an event of this job's work.
    pub fn emit(&self, event: Event) {
        self.events.emit(event);
    }

    /// Ends the job as `status` whatever the work returns (a sweep whose
    /// every run failed returns its runs, and the job failed).
    pub fn end_as(&self, status: JobStatus, message: Option<String>) {
        if let Ok(mut end) = self.end.lock() {
            *end = Some((status, message));
        }
    }

    fn progress(&self) -> JobProgress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn info(&self, status: JobStatus, message: Option<String>) -> JobInfo {
        let progress = self.progress();
        let here = Owner::current();
        JobInfo {
            id: self.id.clone(),
            kind: self.kind,
            label: self.label.clone(),
            status,
            stage: progress.stage,
            done: progress.done,
            total: progress.total,
            message,
            cancel_requested: self.cancelled(),
            owner: here.describe(),
            mine: true,
            experiment: self.experiment,
            evaluation: None,
            started_at: self.started_at.clone(),
            finished_at: None,
        }
    }

    /// Beats, hears a cancel and sends progress until `done`.
    fn watch(&self, root: &Path, done: &AtomicBool) {
        let project = Project::open(root).ok();
        let due =
            |last: Option<Instant>, every: Duration| last.is_none_or(|at| at.elapsed() >= every);
        let (mut last_beat, mut last_report, mut last_look) = (None, None, None);
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(LOOK);
            if self.external.load(Ordering::SeqCst) {
                self.cancel.store(true, Ordering::SeqCst);
            }
            let changed = self.changed.load(Ordering::SeqCst);
            if changed && due(last_report, REPORT) {
                self.changed.store(false, Ordering::SeqCst);
                last_report = Some(Instant::now());
                self.events.emit(Event::Job {
                    job: self.info(JobStatus::Running, None),
                });
                // The record moves with the events: other windows read it.
                last_beat = None;
            }
            let Some(project) = project.as_ref() else {
                continue;
            };
            if due(last_beat, BEAT) {
                last_beat = Some(Instant::now());
                last_look = last_beat;
                match project.beat_job(&self.id, now_ms(), &self.progress()) {
                    Ok(Some(asked)) => {
                        if asked {
                            self.cancel.store(true, Ordering::SeqCst);
                        }
                    }
                    // Recovered as interrupted by another process (this one
                    // was silent too long): the work must stop.
                    Ok(None) => self.cancel.store(true, Ordering::SeqCst),
                    // Locked for a moment: the next look tries again.
                    Err(_) => {}
                }
            } else if due(last_look, REPORT) {
                last_look = Some(Instant::now());
                if project.job_cancel_requested(&self.id).unwrap_or(false) {
                    self.cancel.store(true, Ordering::SeqCst);
                }
            }
        }
    }
}

/// Runs `work` as a job: records it as running in this process, watches
/// it (heartbeat, progress, cancel), and records how it ended: succeeded,
/// cancelled (its error says it was), failed (with the error's message), or
/// what the work chose with [`Job::end_as`].
pub fn run_job<T, E>(
    project: &Project,
    spec: JobSpec,
    events: &dyn EventSink,
    external_cancel: &AtomicBool,
    work: impl FnOnce(&Job<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: JobError + From<ProjectError>,
{
    let id = spec.id.clone().unwrap_or_else(new_job_id);
    let owner = Owner::current().to_json();
    let record = project.insert_job(&NewJob {
        id: &id,
        kind: spec.kind,
        label: &spec.label,
        owner_json: &owner,
        heartbeat_ms: now_ms(),
        experiment_id: spec.experiment,
    })?;
    let job = Job {
        id,
        kind: spec.kind,
        label: spec.label,
        experiment: spec.experiment,
        started_at: record.started_at,
        events,
        external: external_cancel,
        cancel: AtomicBool::new(false),
        progress: Mutex::new(JobProgress::default()),
        changed: AtomicBool::new(false),
        end: Mutex::new(None),
    };
    job.emit(Event::Job {
        job: job.info(JobStatus::Running, None),
    });
    let done = AtomicBool::new(false);
    let root = project.root().to_path_buf();
    let result = std::thread::scope(|scope| {
        scope.spawn(|| job.watch(&root, &done));
        let result = work(&job);
        done.store(true, Ordering::SeqCst);
        result
    });
    let chosen = job.end.lock().ok().and_then(|mut end| end.take());
    let (status, message) = match (&result, chosen) {
        (_, Some(chosen)) => chosen,
        (Ok(_), None) => (JobStatus::Succeeded, None),
        // Its status says it all.
        (Err(e), None) if e.is_cancelled() => (JobStatus::Cancelled, None),
        (Err(e), None) => (JobStatus::Failed, Some(e.job_message())),
    };
    let finished = project.finish_job(&job.id, status, message.as_deref(), &job.progress());
    let info = project
        .job(&job.id)
        .map(JobInfo::from_record)
        .unwrap_or_else(|_| job.info(status, message));
    job.emit(Event::Job { job: info });
    finished?;
    result
}

/// The running and recent jobs of a project, running ones first.
pub fn list_jobs(project: &Project, limit: u64) -> Result<Vec<JobInfo>, ProjectError> {
    Ok(project
        .recent_jobs(limit)?
        .into_iter()
        .map(JobInfo::from_record)
        .collect())
}

/// Asks a job to stop, from any process: its watcher hears it within a
/// fraction of a second. A job whose owner is gone is recovered instead.
pub fn cancel_job(project: &Project, id: &JobId) -> Result<JobInfo, ProjectError> {
    let record = project.request_job_cancel(id)?;
    if record.status == JobStatus::Running {
        // Its owner may be dead: then nobody would ever hear the request.
        crate::recovery::recover(project)?;
    }
    Ok(JobInfo::from_record(project.job(id)?))
}
