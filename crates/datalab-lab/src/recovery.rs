//! Recovery of jobs whose owner is gone: one path for every kind of job.
//!
//! Run when a project is opened. It looks at the running jobs only (an
//! indexed lookup, however many jobs and runs the project holds), asks each
//! owner's [`Liveness`], and for each dead one marks the job interrupted
//! with what it left running (runs, an evaluation) in one transaction, then
//! cleans what its kind leaves on disk: an import's temporary and unrecorded
//! snapshots, a fetch's staging folder. A sweep's queued runs become
//! interrupted too when no live job works on the experiment any more.

use crate::owner::{Liveness, Owner, now_ms, timeout};
use datalab_project::{JobKind, JobRecord, Project, ProjectError};
use std::path::Path;
use std::time::Duration;

/// What a recovery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Jobs marked interrupted.
    pub jobs: usize,
    /// Queued runs whose sweep is gone, marked interrupted.
    pub queued_runs: usize,
    /// Files and folders dead jobs left, removed.
    pub leftovers: usize,
}

fn liveness(job: &JobRecord, here: &Owner, now: i64, timeout: Duration) -> Liveness {
    let silent = Duration::from_millis(u64::try_from(now - job.heartbeat_ms).unwrap_or(0));
    match Owner::from_json(&job.owner_json) {
        Some(owner) => owner.liveness(here, silent, timeout),
        None if silent > timeout => Liveness::Dead(format!(
            "its owner has not been heard from for {} s",
            silent.as_secs()
        )),
        None => Liveness::Alive,
    }
}

/// Marks the jobs of dead owners interrupted and cleans what they left.
pub fn recover(project: &Project) -> Result<Recovered, ProjectError> {
    let running = project.running_jobs()?;
    if running.is_empty() {
        return Ok(Recovered::default());
    }
    let here = Owner::current();
    let (now, timeout) = (now_ms(), timeout());
    let (mut alive, mut dead) = (Vec::new(), Vec::new());
    for job in running {
        match liveness(&job, here, now, timeout) {
            Liveness::Alive => alive.push(job),
            Liveness::Dead(why) => dead.push((job, why)),
        }
    }
    let mut recovered = Recovered::default();
    for (job, why) in &dead {
        if !project.interrupt_job(&job.id, &format!("interrupted: {why}"))? {
            continue; // another process recovered it first
        }
        recovered.jobs += 1;
        let alive_of = |kind: JobKind| alive.iter().any(|a| a.kind == kind);
        match job.kind {
            JobKind::Experiment => {
                let sibling = alive
                    .iter()
                    .any(|a| a.kind == JobKind::Experiment && a.experiment_id == job.experiment_id);
                if let (Some(experiment), false) = (job.experiment_id, sibling) {
                    recovered.queued_runs += project.interrupt_queued_runs(experiment)?;
                }
            }
            // A live import may be between placing its snapshot and recording it.
            JobKind::Import if !alive_of(JobKind::Import) => {
                recovered.leftovers += clean_snapshots(project)?;
            }
            JobKind::Fetch if !alive_of(JobKind::Fetch) => {
                recovered.leftovers += clean_staging(&project.models_dir());
            }
            // A pull downloads into `.pull-*` and may have placed its snapshot unrecorded.
            JobKind::Pull if !alive_of(JobKind::Pull) && !alive_of(JobKind::Import) => {
                recovered.leftovers += clean_pulls(project.root());
                recovered.leftovers += clean_snapshots(project)?;
            }
            _ => {}
        }
    }
    Ok(recovered)
}

/// Removes temporary snapshot files and snapshots no dataset refers to.
fn clean_snapshots(project: &Project) -> Result<usize, ProjectError> {
    let Ok(entries) = std::fs::read_dir(project.datasets_dir()) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let orphan = if name.starts_with(datalab_data::INCOMING_PREFIX) {
            true
        } else if let Some(sha) = datalab_data::snapshot_sha256_of(&name) {
            project.dataset_with_snapshot(sha)?.is_none()
        } else {
            false
        };
        if orphan && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes pulls' download folders (`.pull-*` in the project's root).
fn clean_pulls(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(PULL_STAGING_PREFIX)
        })
        .filter(|e| std::fs::remove_dir_all(e.path()).is_ok())
        .count()
}

/// The name a pull's download folder starts with, in the project's root.
pub const PULL_STAGING_PREFIX: &str = ".pull-";

/// Removes fetches' staging folders (`models/<name>/.<version>.partial`).
fn clean_staging(models: &Path) -> usize {
    let Ok(names) = std::fs::read_dir(models) else {
        return 0;
    };
    let mut removed = 0;
    for model in names.flatten() {
        let Ok(versions) = std::fs::read_dir(model.path()) else {
            continue;
        };
        for version in versions.flatten() {
            let name = version.file_name().to_string_lossy().into_owned();
            if name.starts_with('.')
                && name.ends_with(".partial")
                && std::fs::remove_dir_all(version.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}
