//! Jobs: the long work of a project (an import, a sweep, an evaluation, a
//! publish), one record each, whatever its kind: its progress, a cancel
//! request any process can set, the process that owns it and that owner's
//! heartbeat. What a job *means* (how to run it, how to tell its owner is
//! gone, what to clean up after a dead one) is `datalab-lab`'s; this module
//! only stores and queries the records.

use crate::error::ProjectError;
use crate::ids::{EvaluationId, ExperimentId, JobId};
use crate::project::Project;
use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A file becoming a dataset snapshot with its profile.
    Import,
    /// A dataset's profile computed again.
    Profile,
    /// An experiment's queued runs, trained and tested.
    Experiment,
    /// An experiment's test rows sent through a vendor.
    Evaluation,
    /// A model version written to a storage target.
    Publish,
    /// A model version fetched from a storage target.
    Fetch,
    /// Experiments and runs copied from an MLflow tracking server.
    MlflowImport,
    /// An experiment bundle written to a storage target.
    Push,
    /// An experiment bundle brought in from a storage target.
    Pull,
}

impl JobKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Import => "import",
            JobKind::Profile => "profile",
            JobKind::Experiment => "experiment",
            JobKind::Evaluation => "evaluation",
            JobKind::Publish => "publish",
            JobKind::Fetch => "fetch",
            JobKind::MlflowImport => "mlflow_import",
            JobKind::Push => "push",
            JobKind::Pull => "pull",
        }
    }

    fn parse(text: &str) -> Option<JobKind> {
        [
            JobKind::Import,
            JobKind::Profile,
            JobKind::Experiment,
            JobKind::Evaluation,
            JobKind::Publish,
            JobKind::Fetch,
            JobKind::MlflowImport,
            JobKind::Push,
            JobKind::Pull,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// Its owner stopped (killed, crashed, its machine gone) before it ended.
    Interrupted,
}

impl JobStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> JobStatus {
        match text {
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            _ => JobStatus::Interrupted,
        }
    }
}

/// A job as the database keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: JobId,
    pub kind: JobKind,
    /// What it works on, as a person reads it ("import sales.csv").
    pub label: String,
    pub status: JobStatus,
    /// What it is doing now ("checking", "fold 3 of 5"), when it says.
    pub stage: Option<String>,
    pub done: u64,
    pub total: u64,
    /// How it ended, in words.
    pub message: Option<String>,
    pub cancel_requested: bool,
    /// Who runs it, as JSON `datalab-lab` defines (never only a PID).
    pub owner_json: String,
    /// When the owner last said it was alive, in ms since the Unix epoch.
    pub heartbeat_ms: i64,
    pub experiment_id: Option<ExperimentId>,
    pub evaluation_id: Option<EvaluationId>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// A job about to start.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob<'a> {
    pub id: &'a JobId,
    pub kind: JobKind,
    pub label: &'a str,
    pub owner_json: &'a str,
    pub heartbeat_ms: i64,
    pub experiment_id: Option<ExperimentId>,
}

/// What a job's owner reports on each beat.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobProgress {
    pub stage: Option<String>,
    pub done: u64,
    pub total: u64,
}

const JOB_COLUMNS: &str = "id, kind, label, status, stage, done, total, message, cancel_requested, \
     owner_json, heartbeat_ms, experiment_id, evaluation_id, started_at, finished_at";

fn job_from_row(row: &Row<'_>) -> rusqlite::Result<JobRecord> {
    let kind: String = row.get(1)?;
    let status: String = row.get(3)?;
    Ok(JobRecord {
        id: row.get(0)?,
        kind: JobKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown job kind '{kind}'").into(),
            )
        })?,
        label: row.get(2)?,
        status: JobStatus::parse(&status),
        stage: row.get(4)?,
        done: row.get::<_, i64>(5)?.max(0) as u64,
        total: row.get::<_, i64>(6)?.max(0) as u64,
        message: row.get(7)?,
        cancel_requested: row.get(8)?,
        owner_json: row.get(9)?,
        heartbeat_ms: row.get(10)?,
        experiment_id: row.get(11)?,
        evaluation_id: row.get(12)?,
        started_at: row.get(13)?,
        finished_at: row.get(14)?,
    })
}

impl Project {
    /// Records a job as running. An id already used is refused.
    pub fn insert_job(&self, job: &NewJob<'_>) -> Result<JobRecord, ProjectError> {
        let inserted = self.conn.execute(
            "INSERT INTO jobs (id, kind, label, status, owner_json, heartbeat_ms, experiment_id) \
             VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)",
            rusqlite::params![
                job.id,
                job.kind.as_str(),
                job.label,
                job.owner_json,
                job.heartbeat_ms,
                job.experiment_id
            ],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(ProjectError::NameTaken {
                    kind: "job",
                    name: job.id.to_string(),
                });
            }
            other => other.map_err(|e| self.db_error(e))?,
        };
        self.job(job.id)
    }

    pub fn job(&self, id: &JobId) -> Result<JobRecord, ProjectError> {
        self.query_one(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            job_from_row,
            "job",
            id,
        )
    }

    /// Jobs still running (by their record), oldest first: an indexed
    /// lookup however many jobs the project has had.
    pub fn running_jobs(&self) -> Result<Vec<JobRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE status = 'running' ORDER BY heartbeat_ms"
            ),
            [],
            job_from_row,
        )
    }

    /// The newest `limit` jobs, running ones first, then by start.
    pub fn recent_jobs(&self, limit: u64) -> Result<Vec<JobRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {JOB_COLUMNS} FROM jobs ORDER BY status = 'running' DESC, started_at DESC, rowid DESC LIMIT ?1"
            ),
            [limit as i64],
            job_from_row,
        )
    }

    /// The owner's heartbeat, with its progress. Answers whether someone
    /// asked the job to stop, or `None` when the job is no longer running
    /// (recovered as interrupted by another process, say): its owner must stop.
    pub fn beat_job(
        &self,
        id: &JobId,
        heartbeat_ms: i64,
        progress: &JobProgress,
    ) -> Result<Option<bool>, ProjectError> {
        self.conn
            .query_row(
                "UPDATE jobs SET heartbeat_ms = ?2, stage = ?3, done = ?4, total = ?5 \
                 WHERE id = ?1 AND status = 'running' RETURNING cancel_requested",
                rusqlite::params![
                    id,
                    heartbeat_ms,
                    progress.stage,
                    progress.done as i64,
                    progress.total as i64
                ],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// Whether someone asked the job to stop (false for one that ended).
    pub fn job_cancel_requested(&self, id: &JobId) -> Result<bool, ProjectError> {
        let asked: Option<bool> = self
            .conn
            .query_row(
                "SELECT cancel_requested FROM jobs WHERE id = ?1 AND status = 'running'",
                [id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_error(e))?;
        Ok(asked.unwrap_or(false))
    }

    /// Asks a running job to stop; its owner sees it at its next look.
    /// Returns the job as it is now.
    pub fn request_job_cancel(&self, id: &JobId) -> Result<JobRecord, ProjectError> {
        self.conn
            .execute(
                "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1 AND status = 'running'",
                [id],
            )
            .map_err(|e| self.db_error(e))?;
        self.job(id)
    }

    /// Records how a job ended (a job that already ended keeps its end).
    pub fn finish_job(
        &self,
        id: &JobId,
        status: JobStatus,
        message: Option<&str>,
        progress: &JobProgress,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE jobs SET status = ?2, message = ?3, stage = ?4, done = ?5, total = ?6, \
                     finished_at = {NOW} WHERE id = ?1 AND status = 'running'"
                ),
                rusqlite::params![
                    id,
                    status.as_str(),
                    message,
                    progress.stage,
                    progress.done as i64,
                    progress.total as i64
                ],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Links an evaluation to the job running it.
    pub fn set_job_evaluation(
        &self,
        id: &JobId,
        evaluation: EvaluationId,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "UPDATE jobs SET evaluation_id = ?2 WHERE id = ?1",
                rusqlite::params![id, evaluation],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Marks a job whose owner is gone as interrupted, with what it left:
    /// its running runs, and its evaluation. Returns false when the job had
    /// already ended (another process recovered it first).
    pub fn interrupt_job(&self, id: &JobId, message: &str) -> Result<bool, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        let changed = self
            .conn
            .execute(
                &format!(
                    "UPDATE jobs SET status = 'interrupted', message = ?2, finished_at = {NOW} \
                     WHERE id = ?1 AND status = 'running'"
                ),
                rusqlite::params![id, message],
            )
            .map_err(|e| self.db_error(e))?;
        if changed == 1 {
            self.conn
                .execute(
                    &format!(
                        "UPDATE runs SET status = 'interrupted', finished_at = {NOW} \
                         WHERE job_id = ?1 AND status = 'running'"
                    ),
                    [id],
                )
                .map_err(|e| self.db_error(e))?;
            self.conn
                .execute(
                    &format!(
                        "UPDATE evaluations SET status = 'interrupted', finished_at = {NOW}, message = ?2 \
                         WHERE job_id = ?1 AND status = 'running'"
                    ),
                    rusqlite::params![id, message],
                )
                .map_err(|e| self.db_error(e))?;
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(changed == 1)
    }
}
