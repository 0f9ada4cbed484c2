//! An experiment copied in from elsewhere (a pulled bundle): its record, its
//! runs with their metrics, tags and metric histories, and its vendor
//! evaluations with their rows, written in one transaction so a copy is
//! whole or absent. The runs get ids and MLflow uuids of this project; their
//! times, statuses and numbers are kept as they were.

use crate::error::ProjectError;
use crate::experiments::{ExperimentOrigin, MetricValue, RunRecord};
use crate::ids::{DatasetId, EvaluationId, ExperimentId, RunId};
use crate::project::Project;
use crate::tracking::KeyedMetric;
use crate::vendors::{EvaluationRecord, EvaluationRow};

/// One run to copy.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCopy {
    /// The run as its first project recorded it (its id and uuid are not kept).
    pub record: RunRecord,
    /// Its metrics per fold.
    pub metrics: Vec<MetricValue>,
    pub tags: Vec<(String, String)>,
    /// Every point of its metric histories (runs logged through MLflow).
    pub points: Vec<KeyedMetric>,
}

/// One vendor evaluation to copy: the vendor is named, not linked (this
/// project may not have it).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationCopy {
    pub record: EvaluationRecord,
    pub rows: Vec<EvaluationRow>,
}

/// An experiment to copy in.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentCopy<'a> {
    pub name: &'a str,
    pub origin: ExperimentOrigin,
    pub dataset: Option<DatasetId>,
    pub dataset_sha256: &'a str,
    pub spec_toml: &'a str,
    pub created_at: &'a str,
    pub tags: &'a [(String, String)],
    pub runs: &'a [RunCopy],
    pub evaluations: &'a [EvaluationCopy],
}

/// Where the copy landed: the new experiment, and each run's and evaluation's
/// new id in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Copied {
    pub experiment: ExperimentId,
    pub runs: Vec<RunId>,
    pub evaluations: Vec<EvaluationId>,
}

impl Project {
    /// An experiment's tags, by key.
    pub fn experiment_tags(&self, id: ExperimentId) -> Result<Vec<(String, String)>, ProjectError> {
        self.query_all(
            "SELECT key, value FROM experiment_tags WHERE experiment_id = ?1 ORDER BY key",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    }

    /// A run's tags, by key.
    pub fn run_tags(&self, id: RunId) -> Result<Vec<(String, String)>, ProjectError> {
        self.query_all(
            "SELECT key, value FROM run_tags WHERE run_id = ?1 ORDER BY key",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    }

    /// Every point of every metric history of a run, in the order logged.
    pub fn metric_points(&self, id: RunId) -> Result<Vec<KeyedMetric>, ProjectError> {
        self.query_all(
            "SELECT key, value, timestamp_ms, step FROM metric_points WHERE run_id = ?1 ORDER BY rowid",
            [id],
            |row| {
                Ok(KeyedMetric {
                    key: row.get(0)?,
                    point: crate::tracking::MetricPoint {
                        value: row.get::<_, Option<f64>>(1)?.unwrap_or(f64::NAN),
                        timestamp_ms: row.get(2)?,
                        step: row.get(3)?,
                    },
                })
            },
        )
    }

    /// Writes `copy` in one transaction: all of it, or (on any error) nothing.
    pub fn copy_experiment_in(&self, copy: &ExperimentCopy<'_>) -> Result<Copied, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO experiments (name, dataset_id, dataset_sha256, spec_toml, created_at, origin) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    copy.name,
                    copy.dataset,
                    copy.dataset_sha256,
                    copy.spec_toml,
                    copy.created_at,
                    copy.origin.as_str()
                ],
            )
            .map_err(|e| self.db_error(e))?;
        let experiment = ExperimentId(self.conn.last_insert_rowid());
        for (key, value) in copy.tags {
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)",
                    rusqlite::params![experiment, key, value],
                )
                .map_err(|e| self.db_error(e))?;
        }
        let mut runs = Vec::with_capacity(copy.runs.len());
        for run in copy.runs {
            let r = &run.record;
            self.conn
                .execute(
                    "INSERT INTO runs (experiment_id, trial, model, params_json, status, error, started_at, \
                     finished_at, wall_ms, cpu_ms, summary_json, uuid, origin, name, rung) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, lower(hex(randomblob(16))), ?12, ?13, ?14)",
                    rusqlite::params![
                        experiment,
                        r.trial,
                        r.model,
                        r.params_json,
                        r.status.as_str(),
                        r.error,
                        r.started_at,
                        r.finished_at,
                        r.wall_ms,
                        r.cpu_ms,
                        r.summary_json,
                        r.origin.as_str(),
                        r.name,
                        r.rung
                    ],
                )
                .map_err(|e| self.db_error(e))?;
            let id = RunId(self.conn.last_insert_rowid());
            self.insert_metrics(id, &run.metrics)?;
            self.write_batch(id, &[], &run.points, &run.tags)?;
            // The copied summary stands (write_batch recomputes one from histories).
            self.conn
                .execute(
                    "UPDATE runs SET summary_json = ?2 WHERE id = ?1",
                    rusqlite::params![id, r.summary_json],
                )
                .map_err(|e| self.db_error(e))?;
            runs.push(id);
        }
        let mut evaluations = Vec::with_capacity(copy.evaluations.len());
        for evaluation in copy.evaluations {
            let e = &evaluation.record;
            self.conn
                .execute(
                    "INSERT INTO evaluations (experiment_id, vendor_name, config_json, status, message, spend_cap, \
                     started_at, finished_at, wall_ms, summary_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    rusqlite::params![
                        experiment,
                        e.vendor_name,
                        e.config_json,
                        e.status.as_str(),
                        e.message,
                        e.spend_cap,
                        e.started_at,
                        e.finished_at,
                        e.wall_ms,
                        e.summary_json
                    ],
                )
                .map_err(|err| self.db_error(err))?;
            let id = EvaluationId(self.conn.last_insert_rowid());
            self.insert_evaluation_rows(id, &evaluation.rows)?;
            evaluations.push(id);
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(Copied {
            experiment,
            runs,
            evaluations,
        })
    }
}
