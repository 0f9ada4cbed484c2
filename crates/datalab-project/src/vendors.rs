//! Vendor connectors, evaluations with one row per test row, the response
//! cache and the project's agreements. Connector configurations are JSON
//! that `datalab-vendors` defines; they name where a secret comes from and
//! never hold one.

use crate::error::ProjectError;
use crate::ids::{EvaluationId, ExperimentId, JobId, VendorId};
use crate::project::Project;
use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VendorRecord {
    pub id: VendorId,
    pub name: String,
    pub protocol: String,
    pub config_json: String,
    pub created_at: String,
}

/// Where an evaluation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    Running,
    /// Every row was sent; some may have failed (each says why).
    Succeeded,
    /// Nothing useful came back (for instance every call was refused).
    Failed,
    Cancelled,
    /// Stopped before the spend cap was passed; the rows not sent say so.
    Capped,
    /// Its process died while it was running.
    Interrupted,
}

impl EvaluationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationStatus::Running => "running",
            EvaluationStatus::Succeeded => "succeeded",
            EvaluationStatus::Failed => "failed",
            EvaluationStatus::Cancelled => "cancelled",
            EvaluationStatus::Capped => "capped",
            EvaluationStatus::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> EvaluationStatus {
        match text {
            "running" => EvaluationStatus::Running,
            "succeeded" => EvaluationStatus::Succeeded,
            "failed" => EvaluationStatus::Failed,
            "cancelled" => EvaluationStatus::Cancelled,
            "capped" => EvaluationStatus::Capped,
            _ => EvaluationStatus::Interrupted,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRecord {
    pub id: EvaluationId,
    pub experiment_id: ExperimentId,
    pub vendor_id: Option<VendorId>,
    pub vendor_name: String,
    pub config_json: String,
    pub status: EvaluationStatus,
    pub message: Option<String>,
    pub spend_cap: Option<f64>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub wall_ms: Option<f64>,
    pub summary_json: Option<String>,
}

/// One test row of an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRow {
    /// Index into the experiment's rows (as the runs number them).
    pub row_index: u64,
    /// The answer as text (a label, or a number).
    pub answer: Option<String>,
    /// What kind of failure (`timeout`, `server_error`, …), for counting.
    pub failure_kind: Option<String>,
    /// Why there is no answer, in words.
    pub failure: Option<String>,
    /// The call that carried the row (rows of one batch share it).
    pub call_index: Option<u64>,
    pub latency_ms: Option<f64>,
    pub attempts: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost: f64,
    pub cached: bool,
}

/// A response kept for a request hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedResponse {
    pub response: String,
    pub latency_ms: f64,
}

const EVALUATION_COLUMNS: &str = "id, experiment_id, vendor_id, vendor_name, config_json, status, \
     message, spend_cap, started_at, finished_at, wall_ms, summary_json";

fn vendor_from_row(row: &Row<'_>) -> rusqlite::Result<VendorRecord> {
    Ok(VendorRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        protocol: row.get(2)?,
        config_json: row.get(3)?,
        created_at: row.get(4)?,
    })
}

fn evaluation_from_row(row: &Row<'_>) -> rusqlite::Result<EvaluationRecord> {
    let status: String = row.get(5)?;
    Ok(EvaluationRecord {
        id: row.get(0)?,
        experiment_id: row.get(1)?,
        vendor_id: row.get(2)?,
        vendor_name: row.get(3)?,
        config_json: row.get(4)?,
        status: EvaluationStatus::parse(&status),
        message: row.get(6)?,
        spend_cap: row.get(7)?,
        started_at: row.get(8)?,
        finished_at: row.get(9)?,
        wall_ms: row.get(10)?,
        summary_json: row.get(11)?,
    })
}

impl Project {
    pub fn insert_vendor(
        &self,
        name: &str,
        protocol: &str,
        config_json: &str,
    ) -> Result<VendorRecord, ProjectError> {
        let inserted = self.conn.execute(
            "INSERT INTO vendors (name, protocol, config_json) VALUES (?1, ?2, ?3)",
            [name, protocol, config_json],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(ProjectError::NameTaken {
                    kind: "vendor",
                    name: name.to_string(),
                });
            }
            other => other.map_err(|e| self.db_error(e))?,
        };
        self.vendor(name)
    }

    pub fn vendor(&self, name: &str) -> Result<VendorRecord, ProjectError> {
        self.query_one(
            "SELECT id, name, protocol, config_json, created_at FROM vendors WHERE name = ?1",
            [name],
            vendor_from_row,
            "vendor",
            name,
        )
    }

    pub fn vendors(&self) -> Result<Vec<VendorRecord>, ProjectError> {
        self.query_all(
            "SELECT id, name, protocol, config_json, created_at FROM vendors ORDER BY name",
            [],
            vendor_from_row,
        )
    }

    /// Removes a connector; its evaluations stay, under its name.
    pub fn remove_vendor(&self, name: &str) -> Result<VendorRecord, ProjectError> {
        let record = self.vendor(name)?;
        self.conn
            .execute("DELETE FROM vendors WHERE id = ?1", [record.id])
            .map_err(|e| self.db_error(e))?;
        Ok(record)
    }

    /// Records an evaluation as running in `job` (and links the job to it).
    pub fn start_evaluation(
        &self,
        experiment: ExperimentId,
        vendor: &VendorRecord,
        spend_cap: Option<f64>,
        job: &JobId,
    ) -> Result<EvaluationRecord, ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.conn
            .execute(
                "INSERT INTO evaluations (experiment_id, vendor_id, vendor_name, config_json, status, job_id, spend_cap) \
                 VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6)",
                rusqlite::params![
                    experiment,
                    vendor.id,
                    vendor.name,
                    vendor.config_json,
                    job,
                    spend_cap
                ],
            )
            .map_err(|e| self.db_error(e))?;
        let id = EvaluationId(self.conn.last_insert_rowid());
        self.set_job_evaluation(job, id)?;
        tx.commit().map_err(|e| self.db_error(e))?;
        self.evaluation(id)
    }

    /// The job that runs (or ran) an evaluation, if any did.
    pub fn evaluation_job(&self, id: EvaluationId) -> Result<Option<JobId>, ProjectError> {
        self.query_one(
            "SELECT job_id FROM evaluations WHERE id = ?1",
            [id],
            |row| row.get(0),
            "evaluation",
            id,
        )
    }

    /// Adds rows to an evaluation in one transaction (a row recorded again replaces the first).
    pub fn record_evaluation_rows(
        &self,
        id: EvaluationId,
        rows: &[EvaluationRow],
    ) -> Result<(), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        self.insert_evaluation_rows(id, rows)?;
        tx.commit().map_err(|e| self.db_error(e))
    }

    /// [`Project::record_evaluation_rows`] inside the caller's transaction.
    pub(crate) fn insert_evaluation_rows(
        &self,
        id: EvaluationId,
        rows: &[EvaluationRow],
    ) -> Result<(), ProjectError> {
        {
            let mut insert = self
                .conn
                .prepare_cached(
                    "INSERT OR REPLACE INTO evaluation_rows (evaluation_id, row_index, answer, failure_kind, \
                     failure, call_index, latency_ms, attempts, input_tokens, output_tokens, cost, cached) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(|e| self.db_error(e))?;
            for row in rows {
                insert
                    .execute(rusqlite::params![
                        id,
                        row.row_index as i64,
                        row.answer,
                        row.failure_kind,
                        row.failure,
                        row.call_index.map(|c| c as i64),
                        row.latency_ms,
                        row.attempts,
                        row.input_tokens as i64,
                        row.output_tokens as i64,
                        row.cost,
                        row.cached,
                    ])
                    .map_err(|e| self.db_error(e))?;
            }
        }
        Ok(())
    }

    /// Records how an evaluation ended.
    pub fn finish_evaluation(
        &self,
        id: EvaluationId,
        status: EvaluationStatus,
        message: Option<&str>,
        wall_ms: f64,
        summary_json: Option<&str>,
    ) -> Result<EvaluationRecord, ProjectError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE evaluations SET status = ?2, message = ?3, wall_ms = ?4, summary_json = ?5, \
                     finished_at = {NOW} WHERE id = ?1"
                ),
                rusqlite::params![id, status.as_str(), message, wall_ms, summary_json],
            )
            .map_err(|e| self.db_error(e))?;
        self.evaluation(id)
    }

    pub fn evaluation(&self, id: EvaluationId) -> Result<EvaluationRecord, ProjectError> {
        self.query_one(
            &format!("SELECT {EVALUATION_COLUMNS} FROM evaluations WHERE id = ?1"),
            [id],
            evaluation_from_row,
            "evaluation",
            id,
        )
    }

    /// Evaluations, newest first; of one experiment when given.
    pub fn evaluations(
        &self,
        experiment: Option<ExperimentId>,
    ) -> Result<Vec<EvaluationRecord>, ProjectError> {
        self.query_all(
            &format!(
                "SELECT {EVALUATION_COLUMNS} FROM evaluations \
                 WHERE ?1 IS NULL OR experiment_id = ?1 ORDER BY id DESC"
            ),
            [experiment],
            evaluation_from_row,
        )
    }

    pub fn evaluation_rows(&self, id: EvaluationId) -> Result<Vec<EvaluationRow>, ProjectError> {
        self.query_all(
            "SELECT row_index, answer, failure_kind, failure, call_index, latency_ms, attempts, \
             input_tokens, output_tokens, cost, cached FROM evaluation_rows WHERE evaluation_id = ?1 ORDER BY row_index",
            [id],
            |row| {
                Ok(EvaluationRow {
                    row_index: row.get::<_, i64>(0)? as u64,
                    answer: row.get(1)?,
                    failure_kind: row.get(2)?,
                    failure: row.get(3)?,
                    call_index: row.get::<_, Option<i64>>(4)?.map(|c| c as u64),
                    latency_ms: row.get(5)?,
                    attempts: row.get(6)?,
                    input_tokens: row.get::<_, i64>(7)? as u64,
                    output_tokens: row.get::<_, i64>(8)? as u64,
                    cost: row.get(9)?,
                    cached: row.get(10)?,
                })
            },
        )
    }

    /// The cached responses among `hashes`.
    pub fn cached_responses(
        &self,
        hashes: &[String],
    ) -> Result<HashMap<String, CachedResponse>, ProjectError> {
        let mut found = HashMap::new();
        let mut select = self
            .conn
            .prepare_cached(
                "SELECT response, latency_ms FROM response_cache WHERE request_sha256 = ?1",
            )
            .map_err(|e| self.db_error(e))?;
        for hash in hashes {
            let hit = select
                .query_row([hash], |row| {
                    Ok(CachedResponse {
                        response: row.get(0)?,
                        latency_ms: row.get(1)?,
                    })
                })
                .optional()
                .map_err(|e| self.db_error(e))?;
            if let Some(hit) = hit {
                found.insert(hash.clone(), hit);
            }
        }
        Ok(found)
    }

    /// Keeps responses for their request hashes, in one transaction.
    pub fn cache_responses(
        &self,
        entries: &[(String, CachedResponse)],
    ) -> Result<(), ProjectError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db_error(e))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO response_cache (request_sha256, response, latency_ms) \
                     VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| self.db_error(e))?;
            for (hash, cached) in entries {
                insert
                    .execute(rusqlite::params![hash, cached.response, cached.latency_ms])
                    .map_err(|e| self.db_error(e))?;
            }
        }
        tx.commit().map_err(|e| self.db_error(e))
    }

    /// Sets a value in the project's key/value metadata.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT INTO project_meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }
}
