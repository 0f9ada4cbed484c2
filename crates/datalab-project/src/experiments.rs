//! Experiments, their runs, and run metrics.

use crate::error::ProjectError;
use crate::ids::{DatasetId, ExperimentId, JobId, RunId};
use crate::project::Project;
use rusqlite::Row;
use serde::{Deserialize, Serialize};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// Its process died while it was running.
    Interrupted,
    /// Early stopping ended it at a rung: its folds so far ranked outside the
    /// share of trials that go on. Never a candidate for best.
    Pruned,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Pruned => "pruned",
        }
    }

    fn parse(text: &str) -> RunStatus {
        match text {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "pruned" => RunStatus::Pruned,
            _ => RunStatus::Interrupted,
        }
    }

    /// Whether the run can still change.
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

/// Who runs an experiment's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentOrigin {
    /// Data Lab, from a spec.
    Spec,
    /// Code outside, logging through the MLflow protocol (no spec, no dataset).
    Tracking,
}

impl ExperimentOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            ExperimentOrigin::Spec => "spec",
            ExperimentOrigin::Tracking => "tracking",
        }
    }

    pub(crate) fn parse(text: &str) -> ExperimentOrigin {
        match text {
            "tracking" => ExperimentOrigin::Tracking,
            _ => ExperimentOrigin::Spec,
        }
    }
}

/// Who ran a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RunOrigin {
    /// A model of Data Lab's catalog.
    Catalog,
    /// A spec's command (a user's script or notebook), as a child process.
    Command,
    /// Code outside Data Lab, through the MLflow protocol.
    Tracking,
}

impl RunOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOrigin::Catalog => "catalog",
            RunOrigin::Command => "command",
            RunOrigin::Tracking => "tracking",
        }
    }

    pub(crate) fn parse(text: &str) -> RunOrigin {
        match text {
            "command" => RunOrigin::Command,
            "tracking" => RunOrigin::Tracking,
            _ => RunOrigin::Catalog,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRecord {
    pub id: ExperimentId,
    pub origin: ExperimentOrigin,
    pub name: String,
    pub dataset_id: Option<DatasetId>,
    pub dataset_sha256: String,
    pub spec_toml: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: RunId,
    /// The 32-hex id MLflow clients address the run by.
    pub uuid: String,
    pub origin: RunOrigin,
    /// A name given by the code that logged it (MLflow's run name).
    pub name: Option<String>,
    pub experiment_id: ExperimentId,
    pub trial: u32,
    pub model: String,
    pub params_json: String,
    pub status: RunStatus,
    pub error: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub wall_ms: Option<f64>,
    pub cpu_ms: Option<f64>,
    /// Per-metric mean and std over folds, as JSON defined by the ML layer.
    pub summary_json: Option<String>,
    /// A pruned run: the rung (1, 2, ...) whose comparison stopped it.
    pub rung: Option<u32>,
}

/// One metric of one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub fold: u32,
    pub name: String,
    pub value: f64,
}

/// What the runs table sorts by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "by", content = "name", rename_all = "snake_case")]
pub enum RunSort {
    Id,
    Model,
    Status,
    WallMs,
    /// A metric's mean over folds.
    Metric(String),
    /// A hyperparameter's value.
    Param(String),
}

/// A page of the runs table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunQuery {
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
    /// Runs matching this text as the table shows them (any case): every
    /// term (split by spaces) within the id, model, status or parameters,
    /// and `name=value` a parameter's exact value.
    #[serde(default)]
    pub text: Option<String>,
    pub sort: RunSort,
    #[serde(default)]
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

/// One term of the runs table's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RunTerm {
    /// `name=value`, as the table shows a parameter: that parameter has that value.
    Param { name: String, value: String },
    /// `tag:key` (the run has the tag) or `tag:key=value` (with that value).
    Tag { key: String, value: Option<String> },
    /// Anything else: within the run's id, model, status or parameters.
    Text(String),
}

/// The runs table's filter, read as the table shows runs: terms split by
/// spaces, all of which must match, any case; `name=value` (spaces around
/// `=` allowed) is a parameter's exact value; `tag:key` a tag the run has,
/// `tag:key=value` with that value.
fn run_filter_terms(text: &str) -> Vec<RunTerm> {
    let mut squeezed = text.trim().to_lowercase();
    while squeezed.contains(" =") || squeezed.contains("= ") {
        squeezed = squeezed.replace(" =", "=").replace("= ", "=");
    }
    squeezed
        .split_whitespace()
        .map(|term| {
            if let Some(tag) = term.strip_prefix("tag:").filter(|t| !t.is_empty()) {
                return match tag.split_once('=') {
                    Some((key, value)) => RunTerm::Tag {
                        key: key.to_string(),
                        value: Some(value.trim_matches(|c| c == '\'' || c == '"').to_string()),
                    },
                    None => RunTerm::Tag {
                        key: tag.to_string(),
                        value: None,
                    },
                };
            }
            match term.split_once('=') {
                Some((name, value)) if !name.is_empty() && !value.is_empty() => RunTerm::Param {
                    name: name.to_string(),
                    value: value.trim_matches(|c| c == '\'' || c == '"').to_string(),
                },
                _ => RunTerm::Text(term.to_string()),
            }
        })
        .collect()
}

/// `text` as a literal inside a LIKE pattern (escaped with `\\`).
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) const RUN_COLUMNS: &str = "id, experiment_id, trial, model, params_json, status, error, started_at, \
     finished_at, wall_ms, cpu_ms, summary_json, uuid, origin, name, rung";

pub(crate) fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let status: String = row.get(5)?;
    let origin: String = row.get(13)?;
    Ok(RunRecord {
        id: row.get(0)?,
        uuid: row.get(12)?,
        origin: RunOrigin::parse(&origin),
        name: row.get(14)?,
        experiment_id: row.get(1)?,
        trial: row.get(2)?,
        model: row.get(3)?,
        params_json: row.get(4)?,
        status: RunStatus::parse(&status),
        error: row.get(6)?,
        started_at: row.get(7)?,
        finished_at: row.get(8)?,
        wall_ms: row.get(9)?,
        cpu_ms: row.get(10)?,
        summary_json: row.get(11)?,
        rung: row.get(15)?,
    })
}

pub(crate) const EXPERIMENT_COLUMNS: &str =
    "id, name, dataset_id, dataset_sha256, spec_toml, created_at, origin";

pub(crate) fn experiment_from_row(row: &Row<'_>) -> rusqlite::Result<ExperimentRecord> {
    let origin: String = row.get(6)?;
    Ok(ExperimentRecord {
        id: row.get(0)?,
        origin: ExperimentOrigin::parse(&origin),
        name: row.get(1)?,
        dataset_id: row.get(2)?,
        dataset_sha256: row.get(3)?,
        spec_toml: row.get(4)?,
        created_at: row.get(5)?,
    })
}

/// How a run ended, as its row records it.
struct Ended<'a> {
    status: RunStatus,
    error: Option<&'a str>,
    wall_ms: f64,
    cpu_ms: f64,
    summary_json: Option<&'a str>,
    rung: Option<u32>,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

impl Project {
    /// Records an experiment and one queued run per trial `(model, params_json)`.
    pub fn create_experiment(
        &self,
        name: &str,
        dataset: Option<DatasetId>,
        dataset_sha256: &str,
        spec_toml: &str,
        trials: &[(String, String)],
    ) -> Result<(ExperimentRecord, Vec<RunRecord>), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO experiments (name, dataset_id, dataset_sha256, spec_toml) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![name, dataset, dataset_sha256, spec_toml],
            )
            .map_err(|e| self.db_error(e))?;
        let id = ExperimentId(self.conn.last_insert_rowid());
        for (trial, (model, params)) in trials.iter().enumerate() {
            self.conn
                .execute(
                    "INSERT INTO runs (experiment_id, trial, model, params_json, status, uuid) \
                     VALUES (?1, ?2, ?3, ?4, 'queued', lower(hex(randomblob(16))))",
                    rusqlite::params![id, trial as u32, model, params],
                )
                .map_err(|e| self.db_error(e))?;
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok((self.experiment(id)?, self.runs_of(id)?))
    }

    pub fn experiment(&self, id: ExperimentId) -> Result<ExperimentRecord, ProjectError> {
        self.query_one(
            &format!("SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?1"),
            [id],
            experiment_from_row,
            "experiment",
            id,
        )
    }

    pub fn experiments(&self) -> Result<Vec<ExperimentRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE lifecycle_stage = 'active' ORDER BY id"
            ),
            [],
            experiment_from_row,
        )
    }

    /// The values tag `key` has on active experiments, each once, in the
    /// order they first appeared.
    pub fn experiment_tag_values(&self, key: &str) -> Result<Vec<String>, ProjectError> {
        self.query_all(
            "SELECT t.value FROM experiment_tags t JOIN experiments e ON e.id = t.experiment_id \
             WHERE t.key = ?1 AND e.lifecycle_stage = 'active' GROUP BY t.value ORDER BY min(e.id)",
            [key],
            |row| row.get(0),
        )
    }

    /// The active experiments whose tag `key` is `value`, oldest first.
    pub fn experiments_tagged(
        &self,
        key: &str,
        value: &str,
    ) -> Result<Vec<ExperimentRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE lifecycle_stage = 'active' AND id IN \
                 (SELECT experiment_id FROM experiment_tags WHERE key = ?1 AND value = ?2) ORDER BY id"
            ),
            rusqlite::params![key, value],
            experiment_from_row,
        )
    }

    pub fn runs_of(&self, experiment: ExperimentId) -> Result<Vec<RunRecord>, ProjectError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE experiment_id = ?1 ORDER BY trial");
        self.query_all(&sql, [experiment], run_from_row)
    }

    pub fn run(&self, id: RunId) -> Result<RunRecord, ProjectError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
        self.query_one(&sql, [id], run_from_row, "run", id)
    }

    /// Every run, newest first.
    pub fn all_runs(&self) -> Result<Vec<RunRecord>, ProjectError> {
        self.query_all(
            &format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC"),
            [],
            run_from_row,
        )
    }

    /// One page of runs, filtered and sorted in SQL, and how many match in
    /// all: the runs table pages through 100,000 runs without loading them.
    pub fn query_runs(&self, query: &RunQuery) -> Result<(Vec<RunRecord>, u64), ProjectError> {
        let order = match &query.sort {
            RunSort::Id => "id".to_string(),
            RunSort::Model => "model".to_string(),
            RunSort::Status => "status".to_string(),
            RunSort::WallMs => "wall_ms".to_string(),
            // Names go into a JSON path: only plain identifiers, so nothing can be injected.
            RunSort::Metric(name) if is_identifier(name) => {
                format!("json_extract(summary_json, '$.\"{name}\".mean')")
            }
            RunSort::Param(name) if is_identifier(name) => {
                format!("json_extract(params_json, '$.\"{name}\"')")
            }
            RunSort::Metric(name) | RunSort::Param(name) => {
                return Err(ProjectError::Invalid(format!(
                    "cannot sort by '{name}': names are letters, digits and underscores"
                )));
            }
        };
        let direction = if query.descending { "DESC" } else { "ASC" };
        // What the runs table shows of a run, and each term of the text against it.
        let mut values: Vec<rusqlite::types::Value> = vec![query.experiment.map(|e| e.0).into()];
        let mut filter =
            String::from("lifecycle_stage = 'active' AND (?1 IS NULL OR experiment_id = ?1)");
        for term in run_filter_terms(query.text.as_deref().unwrap_or_default()) {
            // A tag is matched in its table (any case, as the rest of the filter).
            if let RunTerm::Tag { key, value } = &term {
                values.push(key.clone().into());
                let key_at = values.len();
                let value_test = match value {
                    Some(value) => {
                        values.push(value.clone().into());
                        format!(" AND lower(t.value) = ?{}", values.len())
                    }
                    None => String::new(),
                };
                filter.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND lower(t.key) = ?{key_at}{value_test})"
                ));
                continue;
            }
            let patterns = match &term {
                RunTerm::Param { name, value } => {
                    let (name, value) = (like_literal(name), like_literal(value));
                    // serde_json and SQLite write JSON compactly: a number, a
                    // boolean or a string, followed by a comma or the end.
                    vec![
                        format!("%\"{name}\":{value},%"),
                        format!("%\"{name}\":{value}}}%"),
                        format!("%\"{name}\":\"{value}\"%"),
                    ]
                }
                RunTerm::Text(text) => vec![format!("%{}%", like_literal(text))],
                RunTerm::Tag { .. } => continue,
            };
            let column = match term {
                RunTerm::Param { .. } | RunTerm::Tag { .. } => "lower(params_json)",
                RunTerm::Text(_) => {
                    "lower(CAST(id AS TEXT) || ' ' || model || ' ' || status || ' ' || params_json)"
                }
            };
            let alternatives: Vec<String> = patterns
                .into_iter()
                .map(|pattern| {
                    values.push(pattern.into());
                    format!("{column} LIKE ?{} ESCAPE '\\'", values.len())
                })
                .collect();
            filter.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
        }
        let total: u64 = self.query_one(
            &format!("SELECT count(*) FROM runs WHERE {filter}"),
            rusqlite::params_from_iter(values.iter()),
            |row| row.get(0),
            "runs",
            "count",
        )?;
        let (limit, offset) = (values.len() + 1, values.len() + 2);
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE {filter} \
             ORDER BY {order} {direction} NULLS LAST, id {direction} LIMIT ?{limit} OFFSET ?{offset}"
        );
        values.push((query.limit as i64).into());
        values.push((query.offset as i64).into());
        let runs = self.query_all(
            &sql,
            rusqlite::params_from_iter(values.iter()),
            run_from_row,
        )?;
        Ok((runs, total))
    }

    /// Marks a queued run as running in `job`. False when it is no longer
    /// queued (cancelled, or claimed by another worker): then it must not run.
    pub fn start_run(&self, id: RunId, job: &JobId) -> Result<bool, ProjectError> {
        let changed = self
            .conn
            .execute(
                &format!(
                    "UPDATE runs SET status = 'running', job_id = ?2, started_at = {NOW}, cancel_requested = 0 \
                     WHERE id = ?1 AND status = 'queued'"
                ),
                rusqlite::params![id, job],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(changed == 1)
    }

    /// Sets the parameters of a run that has just started (a TPE trial's,
    /// suggested when it starts).
    pub fn set_run_params(&self, id: RunId, params_json: &str) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "UPDATE runs SET params_json = ?2 WHERE id = ?1",
                rusqlite::params![id, params_json],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The trial number of the next queued run of `experiment`, the one
    /// [`Project::claim_next_run`] would claim.
    pub fn next_queued_trial(&self, experiment: ExperimentId) -> Result<Option<u32>, ProjectError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT trial FROM runs WHERE experiment_id = ?1 AND status = 'queued' ORDER BY trial LIMIT 1",
                [experiment],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// Claims the next queued run of `experiment` (lowest trial first) for
    /// `job`, in one statement: two workers sharing a queue never get the
    /// same run. None when nothing is queued.
    pub fn claim_next_run(
        &self,
        experiment: ExperimentId,
        job: &JobId,
    ) -> Result<Option<RunRecord>, ProjectError> {
        let sql = format!(
            "UPDATE runs SET status = 'running', job_id = ?2, started_at = {NOW}, cancel_requested = 0 \
             WHERE id = (SELECT id FROM runs WHERE experiment_id = ?1 AND status = 'queued' \
             ORDER BY trial LIMIT 1) AND status = 'queued' RETURNING {RUN_COLUMNS}"
        );
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(&sql, rusqlite::params![experiment, job], run_from_row)
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// Records how a run ended, with its metrics, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_run(
        &self,
        id: RunId,
        status: RunStatus,
        error: Option<&str>,
        wall_ms: f64,
        cpu_ms: f64,
        summary_json: Option<&str>,
        metrics: &[MetricValue],
    ) -> Result<(), ProjectError> {
        let ended = Ended {
            status,
            error,
            wall_ms,
            cpu_ms,
            summary_json,
            rung: None,
        };
        self.end_run(id, &ended, metrics)
    }

    /// Records that early stopping ended a run at `rung`, saying why, with
    /// the folds it finished and their summary.
    #[allow(clippy::too_many_arguments)]
    pub fn prune_run(
        &self,
        id: RunId,
        rung: u32,
        why: &str,
        wall_ms: f64,
        cpu_ms: f64,
        summary_json: Option<&str>,
        metrics: &[MetricValue],
    ) -> Result<(), ProjectError> {
        let ended = Ended {
            status: RunStatus::Pruned,
            error: Some(why),
            wall_ms,
            cpu_ms,
            summary_json,
            rung: Some(rung),
        };
        self.end_run(id, &ended, metrics)
    }

    fn end_run(
        &self,
        id: RunId,
        ended: &Ended<'_>,
        metrics: &[MetricValue],
    ) -> Result<(), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                &format!(
                    "UPDATE runs SET status = ?2, error = ?3, wall_ms = ?4, cpu_ms = ?5, summary_json = ?6,
                         rung = ?7, finished_at = {NOW} WHERE id = ?1"
                ),
                rusqlite::params![
                    id,
                    ended.status.as_str(),
                    ended.error,
                    ended.wall_ms,
                    ended.cpu_ms,
                    ended.summary_json,
                    ended.rung
                ],
            )
            .map_err(|e| self.db_error(e))?;
        self.insert_metrics(id, metrics)?;
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Writes metrics of a run (a value written again replaces the first);
    /// the caller holds the transaction.
    pub(crate) fn insert_metrics(
        &self,
        id: RunId,
        metrics: &[MetricValue],
    ) -> Result<(), ProjectError> {
        let mut insert = self
            .conn
            .prepare_cached("INSERT OR REPLACE INTO run_metrics (run_id, fold, name, value) VALUES (?1, ?2, ?3, ?4)")
            .map_err(|e| self.db_error(e))?;
        for m in metrics {
            insert
                .execute(rusqlite::params![id, m.fold, m.name, m.value])
                .map_err(|e| self.db_error(e))?;
        }
        Ok(())
    }

    /// Records the metrics of one fold a running run finished (its end
    /// records them all again, with the rest).
    pub fn record_fold_metrics(
        &self,
        id: RunId,
        metrics: &[MetricValue],
    ) -> Result<(), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.insert_metrics(id, metrics)?;
        tx.commit().map_err(|e| self.db_error(e))
    }

    /// Cancels runs still queued (a running one stops at its next fold).
    pub fn cancel_queued_runs(&self, experiment: ExperimentId) -> Result<usize, ProjectError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE runs SET status = 'cancelled', finished_at = {NOW}
                     WHERE experiment_id = ?1 AND status = 'queued'"
                ),
                [experiment],
            )
            .map_err(|e| self.db_error(e))
    }

    /// Cancels runs: queued ones at once, running ones within a second or
    /// so (the job running them sees the request). `experiment` selects all
    /// of its runs, `runs` particular ones. Returns how many were affected.
    pub fn request_cancel(
        &self,
        experiment: Option<ExperimentId>,
        runs: &[RunId],
    ) -> Result<usize, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        let mut affected = 0;
        let mut apply = |filter: &str, key: i64| -> Result<(), ProjectError> {
            affected += self
                .conn
                .execute(
                    &format!("UPDATE runs SET status = 'cancelled', finished_at = {NOW} WHERE status = 'queued' AND {filter} = ?1"),
                    [key],
                )
                .map_err(|e| self.db_error(e))?;
            affected += self
                .conn
                .execute(
                    &format!("UPDATE runs SET cancel_requested = 1 WHERE status = 'running' AND {filter} = ?1"),
                    [key],
                )
                .map_err(|e| self.db_error(e))?;
            Ok(())
        };
        if let Some(experiment) = experiment {
            apply("experiment_id", experiment.0)?;
        }
        for run in runs {
            apply("id", run.0)?;
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(affected)
    }

    /// Runs `job` is running that someone asked to stop.
    pub fn cancelled_runs(&self, job: &JobId) -> Result<Vec<RunId>, ProjectError> {
        self.query_all(
            "SELECT id FROM runs WHERE job_id = ?1 AND status = 'running' AND cancel_requested = 1",
            [job],
            |row| row.get(0),
        )
    }

    pub fn run_metrics(&self, id: RunId) -> Result<Vec<MetricValue>, ProjectError> {
        self.query_all(
            "SELECT fold, name, value FROM run_metrics WHERE run_id = ?1 ORDER BY fold, name",
            [id],
            |row| {
                Ok(MetricValue {
                    fold: row.get(0)?,
                    name: row.get(1)?,
                    value: row.get(2)?,
                })
            },
        )
    }

    /// Queued runs of `experiment` become interrupted: the sweep that was
    /// to run them is gone. Returns how many.
    pub fn interrupt_queued_runs(&self, experiment: ExperimentId) -> Result<usize, ProjectError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE runs SET status = 'interrupted', finished_at = {NOW} \
                     WHERE experiment_id = ?1 AND status = 'queued'"
                ),
                [experiment],
            )
            .map_err(|e| self.db_error(e))
    }

    /// Puts an experiment's runs in one of `statuses` back in the queue, to
    /// run again (their finished folds stay in their folders). Returns how many.
    pub fn requeue_runs(
        &self,
        experiment: ExperimentId,
        statuses: &[RunStatus],
    ) -> Result<usize, ProjectError> {
        let mut requeued = 0;
        for status in statuses.iter().filter(|s| s.is_final()) {
            requeued += self
                .conn
                .execute(
                    "UPDATE runs SET status = 'queued', job_id = NULL, started_at = NULL, finished_at = NULL, \
                     error = NULL, rung = NULL, cancel_requested = 0 WHERE experiment_id = ?1 AND status = ?2",
                    rusqlite::params![experiment, status.as_str()],
                )
                .map_err(|e| self.db_error(e))?;
        }
        Ok(requeued)
    }

    /// How many runs of `experiment` are in each status.
    pub fn run_counts(
        &self,
        experiment: ExperimentId,
    ) -> Result<Vec<(RunStatus, u64)>, ProjectError> {
        self.query_all(
            "SELECT status, count(*) FROM runs WHERE experiment_id = ?1 GROUP BY status ORDER BY status",
            [experiment],
            |row| {
                let status: String = row.get(0)?;
                Ok((RunStatus::parse(&status), row.get::<_, i64>(1)?.max(0) as u64))
            },
        )
    }
}
