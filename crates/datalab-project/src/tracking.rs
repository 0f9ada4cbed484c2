//! The records of runs logged through the MLflow protocol: experiments
//! made by outside code, a run's tags, metric histories, inputs and outputs,
//! logged models, and run searches.
//!
//! A run logged from outside is a row of `runs` like any other (origin
//! `tracking`), and a run Data Lab started can be logged into the same way
//! (a command trial's script): one table of runs, addressed by MLflow
//! clients with their 32-hex `uuid`. Params of every run live in
//! `params_json` (catalog runs hold typed values; logged ones strings).
//! What the protocol's names and statuses mean is the tracking crate's
//! business; here are typed queries only.

use crate::error::ProjectError;
use crate::experiments::{
    EXPERIMENT_COLUMNS, ExperimentRecord, RUN_COLUMNS, RunRecord, RunStatus, experiment_from_row,
    run_from_row,
};
use crate::ids::{ExperimentId, RunId};
use crate::project::Project;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

/// Milliseconds since the Unix epoch, as SQL over an ISO-8601 text column.
pub(crate) fn ms_of(column: &str) -> String {
    format!("CAST(round((julianday({column}) - 2440587.5) * 86400000.0) AS INTEGER)")
}

/// The ISO-8601 text of a millisecond timestamp bound at `?N`.
fn iso_of(parameter: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', {parameter} / 1000.0, 'unixepoch')")
}

/// A param's value as text, whatever JSON type `params_json` holds it as.
const PARAM_TEXT: &str = "CASE type WHEN 'text' THEN value WHEN 'true' THEN 'True' \
     WHEN 'false' THEN 'False' WHEN 'null' THEN 'None' ELSE CAST(value AS TEXT) END";

/// Active, deleted, or both: MLflow's soft delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Active,
    Deleted,
    All,
}

impl Lifecycle {
    fn sql(self, column: &str) -> String {
        match self {
            Lifecycle::Active => format!("{column} = 'active'"),
            Lifecycle::Deleted => format!("{column} = 'deleted'"),
            Lifecycle::All => "1".to_string(),
        }
    }
}

/// An experiment as the tracking protocol shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedExperiment {
    pub record: ExperimentRecord,
    pub deleted: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub tags: Vec<(String, String)>,
}

/// One point of a metric's history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricPoint {
    /// NaN and the infinities included.
    pub value: f64,
    pub timestamp_ms: i64,
    pub step: i64,
}

/// A metric's point with its key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedMetric {
    pub key: String,
    pub point: MetricPoint,
}

/// A dataset a run said it used.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInput {
    pub name: String,
    pub digest: String,
    pub context: Option<String>,
    /// The dataset as the client sent it (a JSON object).
    pub dataset_json: String,
    /// Its tags (a JSON array of `{key, value}`).
    pub tags_json: String,
}

/// A run with everything the protocol returns of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedRun {
    pub run: RunRecord,
    pub user_id: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub deleted: bool,
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    /// The latest point of each metric.
    pub metrics: Vec<KeyedMetric>,
    pub inputs: Vec<RunInput>,
    /// Logged models the run produced, with the step they were logged at.
    pub outputs: Vec<(String, i64)>,
}

/// What a new run logged from outside starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTrackedRun<'a> {
    pub experiment: ExperimentId,
    pub name: &'a str,
    pub user_id: Option<&'a str>,
    pub start_ms: i64,
    pub tags: &'a [(String, String)],
}

/// A change to a run's record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunUpdate<'a> {
    pub status: Option<RunStatus>,
    pub end_ms: Option<i64>,
    pub name: Option<&'a str>,
}

/// A field a run search filters or sorts by.
#[derive(Debug, Clone, PartialEq)]
pub enum RunField {
    Metric(String),
    Param(String),
    Tag(String),
    /// The run's 32-hex id.
    Uuid,
    Name,
    /// Data Lab's status text (`succeeded`, …).
    Status,
    UserId,
    StartMs,
    EndMs,
    DatasetName,
    DatasetDigest,
    DatasetContext,
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `%` any run of characters, `_` one: case-sensitive.
    Like,
    /// The same, ignoring case.
    ILike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
}

/// What a condition compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Number(f64),
    Text(String),
    List(Vec<String>),
    Nothing,
}

/// One clause of a search: all of them must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: RunField,
    pub comparison: Comparison,
    pub operand: Operand,
}

/// One key of a search's order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOrder {
    pub field: RunField,
    pub descending: bool,
}

/// A search over runs of some experiments.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSearch {
    pub experiments: Vec<ExperimentId>,
    pub lifecycle: Lifecycle,
    pub conditions: Vec<Condition>,
    /// Empty: newest first.
    pub order: Vec<RunOrder>,
    pub offset: u64,
    pub limit: u64,
}

/// A model an MLflow 3 client logged.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedModelRecord {
    pub id: String,
    pub experiment_id: ExperimentId,
    pub name: String,
    pub model_type: Option<String>,
    pub source_run: Option<RunRecord>,
    pub status: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// JSON objects of text values.
    pub params_json: String,
    pub tags_json: String,
}

/// A new logged model.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLoggedModel<'a> {
    pub id: &'a str,
    pub experiment: ExperimentId,
    pub name: &'a str,
    pub model_type: Option<&'a str>,
    pub source_run: Option<RunId>,
    pub status: &'a str,
    pub now_ms: i64,
    pub params: &'a [(String, String)],
    pub tags: &'a [(String, String)],
}

fn json_object(pairs: &[(String, String)]) -> String {
    let mut text = String::from("{");
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        push_json_string(&mut text, key);
        text.push(':');
        push_json_string(&mut text, value);
    }
    text.push('}');
    text
}

fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The ids as a JSON array, for `json_each` (one bound value, any count).
fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

fn same_number(a: &str, b: &str) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn value_of(value: Option<f64>) -> f64 {
    value.unwrap_or(f64::NAN)
}

/// A LIKE pattern (`%`, `_`) as a GLOB pattern: GLOB is case-sensitive, as
/// MLflow's LIKE is.
fn like_to_glob(pattern: &str) -> String {
    let mut glob = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '%' => glob.push('*'),
            '_' => glob.push('?'),
            '*' => glob.push_str("[*]"),
            '?' => glob.push_str("[?]"),
            '[' => glob.push_str("[[]"),
            c => glob.push(c),
        }
    }
    glob
}

const LOGGED_MODEL_COLUMNS: &str = "id, experiment_id, name, model_type, source_run_id, status, \
     created_ms, updated_ms, params_json, tags_json";

impl Project {
    fn tracked_experiment_from(
        &self,
        record: ExperimentRecord,
    ) -> Result<TrackedExperiment, ProjectError> {
        let (deleted, created_ms, updated_ms): (bool, i64, i64) = self.query_one(
            &format!(
                "SELECT lifecycle_stage = 'deleted', {created}, COALESCE(updated_ms, {created}) \
                 FROM experiments WHERE id = ?1",
                created = ms_of("created_at")
            ),
            [record.id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            "experiment",
            record.id,
        )?;
        let tags = self.query_all(
            "SELECT key, value FROM experiment_tags WHERE experiment_id = ?1 ORDER BY key",
            [record.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(TrackedExperiment {
            record,
            deleted,
            created_ms,
            updated_ms,
            tags,
        })
    }

    /// Experiment 0, "Default": where runs go that name no experiment. MLflow
    /// clients expect it to exist.
    pub fn ensure_default_experiment(&self) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO experiments (id, name, dataset_sha256, spec_toml, origin) \
                 VALUES (0, 'Default', '', '', 'tracking')",
                [],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn tracked_experiment(&self, id: ExperimentId) -> Result<TrackedExperiment, ProjectError> {
        let record = self.experiment(id)?;
        self.tracked_experiment_from(record)
    }

    /// The experiment with this name (active or deleted; the lowest id if
    /// Data Lab's own experiments share it).
    pub fn tracked_experiment_by_name(
        &self,
        name: &str,
    ) -> Result<Option<TrackedExperiment>, ProjectError> {
        let record = self
            .conn
            .query_row(
                &format!(
                    "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?1 \
                     ORDER BY lifecycle_stage = 'deleted', id LIMIT 1"
                ),
                [name],
                experiment_from_row,
            )
            .optional()
            .map_err(|e| self.db_error(e))?;
        record
            .map(|record| self.tracked_experiment_from(record))
            .transpose()
    }

    /// A new experiment for runs logged from outside. A name in use (even by
    /// a deleted experiment) is [`ProjectError::NameTaken`].
    pub fn create_tracked_experiment(
        &self,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<ExperimentId, ProjectError> {
        if self.tracked_experiment_by_name(name)?.is_some() {
            return Err(ProjectError::NameTaken {
                kind: "experiment",
                name: name.to_string(),
            });
        }
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO experiments (name, dataset_sha256, spec_toml, origin) VALUES (?1, '', '', 'tracking')",
                [name],
            )
            .map_err(|e| self.db_error(e))?;
        let id = ExperimentId(self.conn.last_insert_rowid());
        for (key, value) in tags {
            self.set_experiment_tag(id, key, value)?;
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(id)
    }

    pub fn set_experiment_tag(
        &self,
        id: ExperimentId,
        key: &str,
        value: &str,
    ) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
                rusqlite::params![id, key, value],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn delete_experiment_tag(&self, id: ExperimentId, key: &str) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "DELETE FROM experiment_tags WHERE experiment_id = ?1 AND key = ?2",
                rusqlite::params![id, key],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Renames an experiment; a name in use is [`ProjectError::NameTaken`].
    pub fn rename_experiment(
        &self,
        id: ExperimentId,
        name: &str,
        now_ms: i64,
    ) -> Result<(), ProjectError> {
        if let Some(other) = self.tracked_experiment_by_name(name)?
            && other.record.id != id
        {
            return Err(ProjectError::NameTaken {
                kind: "experiment",
                name: name.to_string(),
            });
        }
        self.conn
            .execute(
                "UPDATE experiments SET name = ?2, updated_ms = ?3 WHERE id = ?1",
                rusqlite::params![id, name, now_ms],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// MLflow's soft delete (`deleted`) or restore (`!deleted`), with the
    /// experiment's runs.
    pub fn set_experiment_deleted(
        &self,
        id: ExperimentId,
        deleted: bool,
        now_ms: i64,
    ) -> Result<(), ProjectError> {
        let stage = if deleted { "deleted" } else { "active" };
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        let changed = self
            .conn
            .execute(
                "UPDATE experiments SET lifecycle_stage = ?2, updated_ms = ?3 WHERE id = ?1",
                rusqlite::params![id, stage, now_ms],
            )
            .map_err(|e| self.db_error(e))?;
        if changed == 0 {
            return Err(ProjectError::NotFound {
                kind: "experiment",
                key: id.to_string(),
            });
        }
        self.conn
            .execute(
                "UPDATE runs SET lifecycle_stage = ?2 WHERE experiment_id = ?1",
                rusqlite::params![id, stage],
            )
            .map_err(|e| self.db_error(e))?;
        tx.commit().map_err(|e| self.db_error(e))
    }

    /// Experiments in id order, whose name matches `name_like` (LIKE, any
    /// case, `\` escaping) when given, and that carry every tag in `tags`.
    pub fn search_tracked_experiments(
        &self,
        lifecycle: Lifecycle,
        name_like: Option<&str>,
        tags: &[(String, String)],
        offset: u64,
        limit: u64,
    ) -> Result<Vec<TrackedExperiment>, ProjectError> {
        let mut sql = format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE {} AND (?1 IS NULL OR name LIKE ?1 ESCAPE '\\')",
            lifecycle.sql("lifecycle_stage")
        );
        let mut values: Vec<Value> = vec![name_like.map_or(Value::Null, |n| Value::Text(n.into()))];
        for (key, value) in tags {
            values.push(Value::Text(key.clone()));
            values.push(Value::Text(value.clone()));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = experiments.id \
                 AND t.key = ?{} AND t.value = ?{})",
                values.len() - 1,
                values.len()
            ));
        }
        values.push(Value::Integer(limit as i64));
        values.push(Value::Integer(offset as i64));
        sql.push_str(&format!(
            " ORDER BY id LIMIT ?{} OFFSET ?{}",
            values.len() - 1,
            values.len()
        ));
        let records = self.query_all(
            &sql,
            rusqlite::params_from_iter(values),
            experiment_from_row,
        )?;
        records
            .into_iter()
            .map(|record| self.tracked_experiment_from(record))
            .collect()
    }

    /// A run by the id MLflow clients use.
    pub fn run_by_uuid(&self, uuid: &str) -> Result<RunRecord, ProjectError> {
        self.query_one(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE uuid = ?1"),
            [uuid],
            run_from_row,
            "run",
            uuid,
        )
    }

    /// A run logged from outside, running from `start_ms`.
    pub fn create_tracked_run(&self, new: &NewTrackedRun<'_>) -> Result<RunRecord, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        let id: RunId = self
            .conn
            .query_row(
                &format!(
                    "INSERT INTO runs (experiment_id, trial, model, params_json, status, uuid, origin, \
                     name, user_id, start_ms, started_at) \
                     VALUES (?1, (SELECT COALESCE(max(trial) + 1, 0) FROM runs WHERE experiment_id = ?1), \
                     'mlflow', '{{}}', 'running', lower(hex(randomblob(16))), 'tracking', ?2, ?3, ?4, {}) \
                     RETURNING id",
                    iso_of("?4")
                ),
                rusqlite::params![new.experiment, new.name, new.user_id, new.start_ms],
                |row| row.get(0),
            )
            .map_err(|e| self.db_error(e))?;
        for (key, value) in new.tags {
            self.set_run_tag(id, key, value)?;
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        self.run(id)
    }

    /// A run's record changed by its logger: its status, end and name.
    pub fn update_tracked_run(
        &self,
        id: RunId,
        update: &RunUpdate<'_>,
    ) -> Result<(), ProjectError> {
        let status = update.status.map(RunStatus::as_str);
        self.conn
            .execute(
                &format!(
                    "UPDATE runs SET status = COALESCE(?2, status), \
                     end_ms = COALESCE(?3, end_ms), \
                     finished_at = CASE WHEN ?3 IS NULL THEN finished_at ELSE {} END, \
                     name = COALESCE(?4, name), \
                     wall_ms = CASE WHEN ?3 IS NOT NULL AND start_ms IS NOT NULL THEN ?3 - start_ms ELSE wall_ms END \
                     WHERE id = ?1",
                    iso_of("?3")
                ),
                rusqlite::params![id, status, update.end_ms, update.name],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// A run Data Lab started (a command trial) taken over by its script's
    /// logger: it keeps its status, which the process's exit decides.
    pub fn set_run_user(&self, id: RunId, user_id: &str) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "UPDATE runs SET user_id = COALESCE(user_id, ?2) WHERE id = ?1",
                rusqlite::params![id, user_id],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Marks the runs of `models` in an experiment as command trials.
    pub fn mark_command_runs(
        &self,
        experiment: ExperimentId,
        models: &[String],
    ) -> Result<(), ProjectError> {
        for model in models {
            self.conn
                .execute(
                    "UPDATE runs SET origin = 'command' WHERE experiment_id = ?1 AND model = ?2",
                    rusqlite::params![experiment, model],
                )
                .map_err(|e| self.db_error(e))?;
        }
        Ok(())
    }

    /// Whether a run is soft-deleted.
    pub fn run_deleted(&self, id: RunId) -> Result<bool, ProjectError> {
        self.query_one(
            "SELECT lifecycle_stage = 'deleted' FROM runs WHERE id = ?1",
            [id],
            |row| row.get(0),
            "run",
            id,
        )
    }

    pub fn set_run_deleted(&self, id: RunId, deleted: bool) -> Result<(), ProjectError> {
        let stage = if deleted { "deleted" } else { "active" };
        self.conn
            .execute(
                "UPDATE runs SET lifecycle_stage = ?2 WHERE id = ?1",
                rusqlite::params![id, stage],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    pub fn set_run_tag(&self, id: RunId, key: &str, value: &str) -> Result<(), ProjectError> {
        self.conn
            .prepare_cached(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut statement| statement.execute(rusqlite::params![id, key, value]))
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Removes a tag; false when the run has no such tag.
    pub fn delete_run_tag(&self, id: RunId, key: &str) -> Result<bool, ProjectError> {
        let changed = self
            .conn
            .execute(
                "DELETE FROM run_tags WHERE run_id = ?1 AND key = ?2",
                rusqlite::params![id, key],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(changed > 0)
    }

    /// A param's value as text, if the run has it.
    pub fn run_param(&self, id: RunId, key: &str) -> Result<Option<String>, ProjectError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {PARAM_TEXT} FROM runs, json_each(runs.params_json) WHERE runs.id = ?1 AND key = ?2"
                ),
                rusqlite::params![id, key],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// Logs params, metric points and tags in one transaction. Params are
    /// written once: the same value again is fine, another is
    /// [`ProjectError::Invalid`] naming the param, and nothing is logged.
    pub fn log_batch(
        &self,
        id: RunId,
        params: &[(String, String)],
        metrics: &[KeyedMetric],
        tags: &[(String, String)],
    ) -> Result<(), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.write_batch(id, params, metrics, tags)?;
        tx.commit().map_err(|e| self.db_error(e))
    }

    /// [`Project::log_batch`] inside the caller's transaction.
    pub(crate) fn write_batch(
        &self,
        id: RunId,
        params: &[(String, String)],
        metrics: &[KeyedMetric],
        tags: &[(String, String)],
    ) -> Result<(), ProjectError> {
        let mut new_params: Vec<(String, String)> = Vec::new();
        for (key, value) in params {
            match self.run_param(id, key)? {
                // A command trial's script logs the value its sweep gave it,
                // written its own way (1e-05 for 1.0e-05): the same number.
                Some(old) if &old == value || same_number(&old, value) => {}
                Some(old) => {
                    return Err(ProjectError::Invalid(format!(
                        "Changing param values is not allowed. Param with key='{key}' was already logged \
                         with value='{old}' for run ID='{}'. Attempted logging new value '{value}'.",
                        self.run(id)?.uuid
                    )));
                }
                None => {
                    if let Some((_, earlier)) = new_params.iter().find(|(k, _)| k == key) {
                        if earlier != value {
                            return Err(ProjectError::Invalid(format!(
                                "Duplicate parameter keys have been submitted: '{key}' with values \
                                 '{earlier}' and '{value}'"
                            )));
                        }
                    } else {
                        new_params.push((key.clone(), value.clone()));
                    }
                }
            }
        }
        if !new_params.is_empty() {
            // json_patch merges by key: no JSON path to quote a key into.
            self.conn
                .execute(
                    "UPDATE runs SET params_json = json_patch(params_json, ?2) WHERE id = ?1",
                    rusqlite::params![id, json_object(&new_params)],
                )
                .map_err(|e| self.db_error(e))?;
        }
        {
            let mut point = self
                .conn
                .prepare_cached(
                    "INSERT INTO metric_points (run_id, key, value, timestamp_ms, step) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| self.db_error(e))?;
            let mut latest = self
                .conn
                .prepare_cached(
                    "INSERT INTO latest_metrics (run_id, key, value, timestamp_ms, step) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, \
                     timestamp_ms = excluded.timestamp_ms, step = excluded.step \
                     WHERE excluded.step > step OR (excluded.step = step AND excluded.timestamp_ms >= timestamp_ms)",
                )
                .map_err(|e| self.db_error(e))?;
            for metric in metrics {
                let p = &metric.point;
                let args = rusqlite::params![id, metric.key, p.value, p.timestamp_ms, p.step];
                point.execute(args).map_err(|e| self.db_error(e))?;
                latest.execute(args).map_err(|e| self.db_error(e))?;
            }
        }
        for (key, value) in tags {
            self.set_run_tag(id, key, value)?;
        }
        if !metrics.is_empty() {
            // A run whose own code logs its metrics shows their latest values
            // where the runs table reads a run's metrics (finite ones: JSON
            // has no NaN), with a spread of 0 as one fold has.
            self.conn
                .prepare_cached(
                    "UPDATE runs SET summary_json = (SELECT json_group_object(key, json_object('mean', value, 'std', 0.0)) \
                     FROM latest_metrics WHERE run_id = ?1 AND value IS NOT NULL AND abs(value) <= 1.7976931348623157e308) \
                     WHERE id = ?1 AND origin IN ('tracking', 'command')",
                )
                .and_then(|mut statement| statement.execute([id]))
                .map_err(|e| self.db_error(e))?;
        }
        Ok(())
    }

    /// A metric's points in the order they were logged, a page at a time.
    pub fn metric_history(
        &self,
        id: RunId,
        key: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<MetricPoint>, ProjectError> {
        self.query_all(
            "SELECT value, timestamp_ms, step FROM metric_points WHERE run_id = ?1 AND key = ?2 \
             ORDER BY rowid LIMIT ?3 OFFSET ?4",
            rusqlite::params![id, key, limit as i64, offset as i64],
            |row| {
                Ok(MetricPoint {
                    value: value_of(row.get(0)?),
                    timestamp_ms: row.get(1)?,
                    step: row.get(2)?,
                })
            },
        )
    }

    /// The keys of a run's metric histories.
    pub fn metric_keys(&self, id: RunId) -> Result<Vec<String>, ProjectError> {
        self.query_all(
            "SELECT key FROM latest_metrics WHERE run_id = ?1 ORDER BY key",
            [id],
            |row| row.get(0),
        )
    }

    /// Records datasets a run used; one already recorded is kept as it was.
    pub fn log_inputs(&self, id: RunId, inputs: &[RunInput]) -> Result<(), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        for input in inputs {
            self.conn
                .execute(
                    "INSERT OR IGNORE INTO run_inputs (run_id, name, digest, context, dataset_json, tags_json) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![
                        id,
                        input.name,
                        input.digest,
                        input.context,
                        input.dataset_json,
                        input.tags_json
                    ],
                )
                .map_err(|e| self.db_error(e))?;
        }
        tx.commit().map_err(|e| self.db_error(e))
    }

    /// Records that a run produced a logged model.
    pub fn log_outputs(&self, id: RunId, models: &[(String, i64)]) -> Result<(), ProjectError> {
        for (model, step) in models {
            self.conn
                .execute(
                    "INSERT INTO run_outputs (run_id, model_id, step) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (run_id, model_id) DO UPDATE SET step = excluded.step",
                    rusqlite::params![id, model, step],
                )
                .map_err(|e| self.db_error(e))?;
        }
        Ok(())
    }

    /// Runs with everything the protocol returns of them, in the given order.
    pub fn tracked_runs(&self, runs: Vec<RunRecord>) -> Result<Vec<TrackedRun>, ProjectError> {
        if runs.is_empty() {
            return Ok(Vec::new());
        }
        let ids = id_list(runs.iter().map(|r| r.id.0));
        let index: std::collections::HashMap<i64, usize> =
            runs.iter().enumerate().map(|(i, r)| (r.id.0, i)).collect();
        let mut tracked: Vec<TrackedRun> = runs
            .into_iter()
            .map(|run| TrackedRun {
                run,
                user_id: None,
                start_ms: None,
                end_ms: None,
                deleted: false,
                params: Vec::new(),
                tags: Vec::new(),
                metrics: Vec::new(),
                inputs: Vec::new(),
                outputs: Vec::new(),
            })
            .collect();
        let in_ids = "IN (SELECT value FROM json_each(?1))";
        for (id, user, start, end, deleted) in self.query_all(
            &format!(
                "SELECT id, user_id, COALESCE(start_ms, {}), COALESCE(end_ms, {}), lifecycle_stage = 'deleted' \
                 FROM runs WHERE id {in_ids}",
                ms_of("started_at"),
                ms_of("finished_at")
            ),
            [&ids],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )? {
            if let Some(&i) = index.get(&id) {
                let run = &mut tracked[i];
                run.user_id = user;
                run.start_ms = start;
                run.end_ms = end;
                run.deleted = deleted;
            }
        }
        for (id, key, value) in self.query_all(
            &format!(
                "SELECT runs.id, key, {PARAM_TEXT} FROM runs, json_each(runs.params_json) WHERE runs.id {in_ids}"
            ),
            [&ids],
            |row| Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?)),
        )? {
            if let Some(&i) = index.get(&id) {
                tracked[i].params.push((key, value));
            }
        }
        for (id, key, value) in self.query_all(
            &format!("SELECT run_id, key, value FROM run_tags WHERE run_id {in_ids} ORDER BY key"),
            [&ids],
            |row| Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?)),
        )? {
            if let Some(&i) = index.get(&id) {
                tracked[i].tags.push((key, value));
            }
        }
        for (id, metric) in self.query_all(
            &format!(
                "SELECT run_id, key, value, timestamp_ms, step FROM latest_metrics WHERE run_id {in_ids} ORDER BY key"
            ),
            [&ids],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    KeyedMetric {
                        key: row.get(1)?,
                        point: MetricPoint {
                            value: value_of(row.get(2)?),
                            timestamp_ms: row.get(3)?,
                            step: row.get(4)?,
                        },
                    },
                ))
            },
        )? {
            if let Some(&i) = index.get(&id) {
                tracked[i].metrics.push(metric);
            }
        }
        for (id, input) in self.query_all(
            &format!(
                "SELECT run_id, name, digest, context, dataset_json, tags_json FROM run_inputs \
                 WHERE run_id {in_ids} ORDER BY rowid"
            ),
            [&ids],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    RunInput {
                        name: row.get(1)?,
                        digest: row.get(2)?,
                        context: row.get(3)?,
                        dataset_json: row.get(4)?,
                        tags_json: row.get(5)?,
                    },
                ))
            },
        )? {
            if let Some(&i) = index.get(&id) {
                tracked[i].inputs.push(input);
            }
        }
        for (id, model, step) in self.query_all(
            &format!("SELECT run_id, model_id, step FROM run_outputs WHERE run_id {in_ids}"),
            [&ids],
            |row| Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?)),
        )? {
            if let Some(&i) = index.get(&id) {
                tracked[i].outputs.push((model, step));
            }
        }
        Ok(tracked)
    }

    pub fn tracked_run(&self, id: RunId) -> Result<TrackedRun, ProjectError> {
        let run = self.run(id)?;
        self.tracked_runs(vec![run])?
            .pop()
            .ok_or_else(|| ProjectError::NotFound {
                kind: "run",
                key: id.to_string(),
            })
    }

    /// Runs matching a search, a page at a time (`limit + 1` are read, so a
    /// caller can tell whether another page follows).
    pub fn search_runs(&self, search: &RunSearch) -> Result<Vec<RunRecord>, ProjectError> {
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |value: Value| -> String {
            values.push(value);
            format!("?{}", values.len())
        };
        let experiments = bind(Value::Text(id_list(search.experiments.iter().map(|e| e.0))));
        let mut sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE experiment_id IN (SELECT value FROM json_each({experiments})) \
             AND {}",
            search.lifecycle.sql("lifecycle_stage")
        );
        for condition in &search.conditions {
            sql.push_str(" AND ");
            sql.push_str(&condition_sql(condition, &mut bind)?);
        }
        sql.push_str(" ORDER BY ");
        if search.order.is_empty() {
            sql.push_str(&format!(
                "{} DESC, id DESC",
                field_sql(&RunField::StartMs, &mut bind)
            ));
        } else {
            for order in &search.order {
                let direction = if order.descending { "DESC" } else { "ASC" };
                sql.push_str(&format!(
                    "{} {direction} NULLS LAST, ",
                    field_sql(&order.field, &mut bind)
                ));
            }
            sql.push_str("id DESC");
        }
        let limit = bind(Value::Integer(search.limit.saturating_add(1) as i64));
        let offset = bind(Value::Integer(search.offset as i64));
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        self.query_all(&sql, rusqlite::params_from_iter(values), run_from_row)
    }

    pub fn create_logged_model(&self, new: &NewLoggedModel<'_>) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT INTO logged_models (id, experiment_id, name, model_type, source_run_id, status, \
                 created_ms, updated_ms, params_json, tags_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
                rusqlite::params![
                    new.id,
                    new.experiment,
                    new.name,
                    new.model_type,
                    new.source_run,
                    new.status,
                    new.now_ms,
                    json_object(new.params),
                    json_object(new.tags)
                ],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    fn logged_model_from(
        &self,
        row: (LoggedModelRecord, Option<RunId>),
    ) -> Result<LoggedModelRecord, ProjectError> {
        let (mut model, source) = row;
        if let Some(run) = source {
            model.source_run = Some(self.run(run)?);
        }
        Ok(model)
    }

    pub fn logged_model(&self, id: &str) -> Result<LoggedModelRecord, ProjectError> {
        let row = self.query_one(
            &format!("SELECT {LOGGED_MODEL_COLUMNS} FROM logged_models WHERE id = ?1"),
            [id],
            logged_model_from_row,
            "logged model",
            id,
        )?;
        self.logged_model_from(row)
    }

    pub fn set_logged_model_status(
        &self,
        id: &str,
        status: &str,
        now_ms: i64,
    ) -> Result<(), ProjectError> {
        let changed = self
            .conn
            .execute(
                "UPDATE logged_models SET status = ?2, updated_ms = ?3 WHERE id = ?1",
                rusqlite::params![id, status, now_ms],
            )
            .map_err(|e| self.db_error(e))?;
        if changed == 0 {
            return Err(ProjectError::NotFound {
                kind: "logged model",
                key: id.to_string(),
            });
        }
        Ok(())
    }

    pub fn set_logged_model_tags(
        &self,
        id: &str,
        tags: &[(String, String)],
        now_ms: i64,
    ) -> Result<(), ProjectError> {
        let changed = self
            .conn
            .execute(
                "UPDATE logged_models SET tags_json = json_patch(tags_json, ?2), updated_ms = ?3 WHERE id = ?1",
                rusqlite::params![id, json_object(tags), now_ms],
            )
            .map_err(|e| self.db_error(e))?;
        if changed == 0 {
            return Err(ProjectError::NotFound {
                kind: "logged model",
                key: id.to_string(),
            });
        }
        Ok(())
    }

    pub fn delete_logged_model(&self, id: &str) -> Result<(), ProjectError> {
        self.conn
            .execute("DELETE FROM logged_models WHERE id = ?1", [id])
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The models a run logged (MLflow 3's `log_model`), oldest first.
    pub fn logged_models_of_run(&self, run: RunId) -> Result<Vec<LoggedModelRecord>, ProjectError> {
        let rows = self.query_all(
            &format!(
                "SELECT {LOGGED_MODEL_COLUMNS} FROM logged_models WHERE source_run_id = ?1 \
                 ORDER BY created_ms, id"
            ),
            [run],
            logged_model_from_row,
        )?;
        rows.into_iter()
            .map(|row| self.logged_model_from(row))
            .collect()
    }

    /// Logged models of some experiments, named `name` when given, newest first.
    pub fn search_logged_models(
        &self,
        experiments: &[ExperimentId],
        name: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<LoggedModelRecord>, ProjectError> {
        let rows = self.query_all(
            &format!(
                "SELECT {LOGGED_MODEL_COLUMNS} FROM logged_models \
                 WHERE experiment_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR name = ?2) \
                 ORDER BY created_ms DESC, id LIMIT ?3 OFFSET ?4"
            ),
            rusqlite::params![
                id_list(experiments.iter().map(|e| e.0)),
                name,
                limit.saturating_add(1) as i64,
                offset as i64
            ],
            logged_model_from_row,
        )?;
        rows.into_iter()
            .map(|row| self.logged_model_from(row))
            .collect()
    }
}

fn logged_model_from_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(LoggedModelRecord, Option<RunId>)> {
    Ok((
        LoggedModelRecord {
            id: row.get(0)?,
            experiment_id: row.get(1)?,
            name: row.get(2)?,
            model_type: row.get(3)?,
            source_run: None,
            status: row.get(5)?,
            created_ms: row.get(6)?,
            updated_ms: row.get(7)?,
            params_json: row.get(8)?,
            tags_json: row.get(9)?,
        },
        row.get(4)?,
    ))
}

/// The SQL expression of a field, binding what it needs.
fn field_sql(field: &RunField, bind: &mut impl FnMut(Value) -> String) -> String {
    match field {
        RunField::Metric(key) => format!(
            "(SELECT value FROM latest_metrics m WHERE m.run_id = runs.id AND m.key = {})",
            bind(Value::Text(key.clone()))
        ),
        RunField::Param(key) => format!(
            "(SELECT {PARAM_TEXT} FROM json_each(runs.params_json) WHERE key = {})",
            bind(Value::Text(key.clone()))
        ),
        RunField::Tag(key) => format!(
            "(SELECT value FROM run_tags t WHERE t.run_id = runs.id AND t.key = {})",
            bind(Value::Text(key.clone()))
        ),
        RunField::Uuid => "runs.uuid".to_string(),
        RunField::Name => "runs.name".to_string(),
        RunField::Status => "runs.status".to_string(),
        RunField::UserId => "runs.user_id".to_string(),
        RunField::StartMs => format!("COALESCE(runs.start_ms, {})", ms_of("runs.started_at")),
        RunField::EndMs => format!("COALESCE(runs.end_ms, {})", ms_of("runs.finished_at")),
        RunField::DatasetName => "i.name".to_string(),
        RunField::DatasetDigest => "i.digest".to_string(),
        RunField::DatasetContext => "i.context".to_string(),
    }
}

fn operand_value(operand: &Operand) -> Result<Value, ProjectError> {
    match operand {
        Operand::Number(n) => Ok(Value::Real(*n)),
        Operand::Text(t) => Ok(Value::Text(t.clone())),
        Operand::List(_) | Operand::Nothing => Err(ProjectError::Invalid(
            "this comparison needs a single value".to_string(),
        )),
    }
}

/// The SQL of one condition, binding its operands.
fn condition_sql(
    condition: &Condition,
    bind: &mut impl FnMut(Value) -> String,
) -> Result<String, ProjectError> {
    let dataset = matches!(
        condition.field,
        RunField::DatasetName | RunField::DatasetDigest | RunField::DatasetContext
    );
    let field = field_sql(&condition.field, bind);
    let test = match condition.comparison {
        Comparison::IsNull => format!("{field} IS NULL"),
        Comparison::IsNotNull => format!("{field} IS NOT NULL"),
        Comparison::In | Comparison::NotIn => {
            let Operand::List(items) = &condition.operand else {
                return Err(ProjectError::Invalid(
                    "IN and NOT IN need a list of values: ('a', 'b')".to_string(),
                ));
            };
            let list = bind(Value::Text(format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| {
                        let mut s = String::new();
                        push_json_string(&mut s, i);
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            )));
            let not = if condition.comparison == Comparison::NotIn {
                "NOT "
            } else {
                ""
            };
            format!("{field} {not}IN (SELECT value FROM json_each({list}))")
        }
        Comparison::Like => {
            let Operand::Text(pattern) = &condition.operand else {
                return Err(ProjectError::Invalid(
                    "LIKE needs a quoted pattern".to_string(),
                ));
            };
            format!("{field} GLOB {}", bind(Value::Text(like_to_glob(pattern))))
        }
        Comparison::ILike => {
            let Operand::Text(pattern) = &condition.operand else {
                return Err(ProjectError::Invalid(
                    "ILIKE needs a quoted pattern".to_string(),
                ));
            };
            format!(
                "lower({field}) GLOB {}",
                bind(Value::Text(like_to_glob(&pattern.to_lowercase())))
            )
        }
        comparison => {
            let op = match comparison {
                Comparison::Eq => "=",
                Comparison::Ne => "!=",
                Comparison::Lt => "<",
                Comparison::Le => "<=",
                Comparison::Gt => ">",
                _ => ">=",
            };
            format!("{field} {op} {}", bind(operand_value(&condition.operand)?))
        }
    };
    Ok(if dataset {
        format!("EXISTS (SELECT 1 FROM run_inputs i WHERE i.run_id = runs.id AND {test})")
    } else {
        test
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_become_case_sensitive_globs() {
        assert_eq!(like_to_glob("%rf_%"), "*rf?*");
        assert_eq!(like_to_glob("a*b?[c"), "a[*]b[?][[]c");
    }

    #[test]
    fn json_objects_escape_what_json_needs() {
        assert_eq!(
            json_object(&[("a\"b".into(), "x\\y\n".into())]),
            r#"{"a\"b":"x\\y\n"}"#
        );
    }
}
