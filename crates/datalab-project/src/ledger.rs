//! The ledger's sums, read from the records they come from: compute time
//! (wall and CPU) of runs by experiment, model and day; vendor spend by
//! vendor and day or month, with the tokens and rows behind it; and the
//! monthly budgets an evaluation must stay within.

use crate::error::ProjectError;
use crate::project::Project;
use serde::{Deserialize, Serialize};

/// The budget over every vendor at once.
pub const ALL_VENDORS: &str = "*";

/// Compute time of the runs sharing a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ComputeSum {
    /// The experiment (`3 · name`), the model, or the day (`2026-12-08`).
    pub key: String,
    pub runs: u64,
    pub wall_ms: f64,
    pub cpu_ms: f64,
}

/// Vendor spend in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SpendSum {
    pub vendor: String,
    /// `2026-12-08` (a day) or `2026-12` (a month), by when the evaluation started.
    pub period: String,
    /// What was paid (answers from the cache cost nothing).
    pub cost: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Rows sent, and of those answered from the cache.
    pub rows: u64,
    pub cached_rows: u64,
    pub evaluations: u64,
}

/// A budget as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetRecord {
    /// A vendor's name, or [`ALL_VENDORS`].
    pub vendor: String,
    pub monthly_limit: f64,
    pub created_at: String,
}

/// Whether an evaluation or a model version met its experiment's agreements when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementCheck {
    /// `evaluation` or `model_version`.
    pub subject_kind: String,
    pub subject_id: i64,
    pub experiment_id: i64,
    /// None when no agreement applied.
    pub met: Option<bool>,
    /// What it missed (a JSON array of lines, as the API writes it).
    pub misses_json: String,
    /// The agreements as they were (JSON).
    pub agreements_json: String,
    pub checked_at: String,
}

/// How compute time is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputeBy {
    Experiment,
    Model,
    Day,
}

/// How spend is grouped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendBy {
    Day,
    Month,
}

/// Evaluations' spend summed by vendor and day or month, oldest first.
pub fn group_spend(evaluations: &[SpendSum], by: SpendBy) -> Vec<SpendSum> {
    let width = match by {
        SpendBy::Day => 10,
        SpendBy::Month => 7,
    };
    let mut groups: std::collections::BTreeMap<(String, String), SpendSum> = Default::default();
    for e in evaluations {
        let period = e.period.get(..width).unwrap_or(&e.period).to_string();
        let sum = groups
            .entry((period.clone(), e.vendor.clone()))
            .or_insert_with(|| SpendSum {
                vendor: e.vendor.clone(),
                period,
                cost: 0.0,
                input_tokens: 0,
                output_tokens: 0,
                rows: 0,
                cached_rows: 0,
                evaluations: 0,
            });
        sum.cost += e.cost;
        sum.input_tokens += e.input_tokens;
        sum.output_tokens += e.output_tokens;
        sum.rows += e.rows;
        sum.cached_rows += e.cached_rows;
        sum.evaluations += e.evaluations;
    }
    groups.into_values().collect()
}

impl Project {
    /// Compute time of ended runs, summed by `by`, in key order.
    pub fn compute_sums(&self, by: ComputeBy) -> Result<Vec<ComputeSum>, ProjectError> {
        let key = match by {
            ComputeBy::Experiment => "e.id || ' · ' || e.name",
            ComputeBy::Model => "r.model",
            ComputeBy::Day => "substr(COALESCE(r.started_at, r.finished_at, e.created_at), 1, 10)",
        };
        let order = match by {
            ComputeBy::Experiment => "min(e.id)",
            _ => "key",
        };
        self.query_all(
            &format!(
                "SELECT {key} AS key, count(*), COALESCE(sum(r.wall_ms), 0), COALESCE(sum(r.cpu_ms), 0) \
                 FROM runs r JOIN experiments e ON e.id = r.experiment_id \
                 WHERE r.wall_ms IS NOT NULL GROUP BY key ORDER BY {order}"
            ),
            [],
            |row| {
                Ok(ComputeSum {
                    key: row.get(0)?,
                    runs: row.get::<_, i64>(1)? as u64,
                    wall_ms: row.get(2)?,
                    cpu_ms: row.get(3)?,
                })
            },
        )
    }

    /// Each evaluation's spend, with its vendor and the day it started: the
    /// rows summed once per evaluation, in their own order ([`group_spend`]
    /// sums these by vendor and day or month).
    pub fn spend_by_evaluation(&self) -> Result<Vec<SpendSum>, ProjectError> {
        self.query_all(
            "SELECT e.vendor_name, substr(e.started_at, 1, 10), COALESCE(r.cost, 0), COALESCE(r.input_tokens, 0), \
             COALESCE(r.output_tokens, 0), COALESCE(r.rows, 0), COALESCE(r.cached, 0) \
             FROM evaluations e LEFT JOIN ( \
                 SELECT evaluation_id, sum(CASE WHEN cached THEN 0 ELSE cost END) AS cost, \
                 sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, \
                 count(*) AS rows, sum(cached) AS cached FROM evaluation_rows GROUP BY evaluation_id \
             ) r ON r.evaluation_id = e.id",
            [],
            |row| {
                Ok(SpendSum {
                    vendor: row.get(0)?,
                    period: row.get(1)?,
                    cost: row.get(2)?,
                    input_tokens: row.get::<_, i64>(3)? as u64,
                    output_tokens: row.get::<_, i64>(4)? as u64,
                    rows: row.get::<_, i64>(5)? as u64,
                    cached_rows: row.get::<_, i64>(6)? as u64,
                    evaluations: 1,
                })
            },
        )
    }

    /// What was spent in `month` (`2026-12`) on `vendor` ([`ALL_VENDORS`]: on all).
    pub fn spent_in_month(&self, vendor: &str, month: &str) -> Result<f64, ProjectError> {
        self.query_one(
            "SELECT COALESCE(sum(CASE WHEN r.cached THEN 0 ELSE r.cost END), 0) \
             FROM evaluations e JOIN evaluation_rows r ON r.evaluation_id = e.id \
             WHERE substr(e.started_at, 1, 7) = ?2 AND (?1 = '*' OR e.vendor_name = ?1)",
            rusqlite::params![vendor, month],
            |row| row.get(0),
            "spend",
            vendor,
        )
    }

    /// The month it is now (UTC), as the ledger writes months.
    pub fn this_month(&self) -> Result<String, ProjectError> {
        self.query_one(
            "SELECT strftime('%Y-%m', 'now')",
            [],
            |row| row.get(0),
            "month",
            "now",
        )
    }

    /// Sets (or replaces) the monthly budget of `vendor` ([`ALL_VENDORS`]: of all).
    pub fn set_budget(
        &self,
        vendor: &str,
        monthly_limit: f64,
    ) -> Result<BudgetRecord, ProjectError> {
        if !(monthly_limit >= 0.0 && monthly_limit.is_finite()) {
            return Err(ProjectError::Invalid(
                "a budget is a number of 0 or more".into(),
            ));
        }
        self.conn
            .execute(
                "INSERT INTO budgets (vendor, monthly_limit) VALUES (?1, ?2) \
                 ON CONFLICT (vendor) DO UPDATE SET monthly_limit = excluded.monthly_limit",
                rusqlite::params![vendor, monthly_limit],
            )
            .map_err(|e| self.db_error(e))?;
        self.query_one(
            "SELECT vendor, monthly_limit, created_at FROM budgets WHERE vendor = ?1",
            [vendor],
            |row| {
                Ok(BudgetRecord {
                    vendor: row.get(0)?,
                    monthly_limit: row.get(1)?,
                    created_at: row.get(2)?,
                })
            },
            "budget",
            vendor,
        )
    }

    /// Records whether an evaluation or a model version met its agreements now, as it is made.
    pub fn record_agreement_check(&self, check: &AgreementCheck) -> Result<(), ProjectError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO agreement_checks (subject_kind, subject_id, experiment_id, met, misses_json, agreements_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    check.subject_kind,
                    check.subject_id,
                    check.experiment_id,
                    check.met,
                    check.misses_json,
                    check.agreements_json
                ],
            )
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Every recorded check, oldest first.
    pub fn agreement_checks(&self) -> Result<Vec<AgreementCheck>, ProjectError> {
        self.query_all(
            "SELECT subject_kind, subject_id, experiment_id, met, misses_json, agreements_json, checked_at \
             FROM agreement_checks ORDER BY checked_at, subject_kind, subject_id",
            [],
            |row| {
                Ok(AgreementCheck {
                    subject_kind: row.get(0)?,
                    subject_id: row.get(1)?,
                    experiment_id: row.get(2)?,
                    met: row.get(3)?,
                    misses_json: row.get(4)?,
                    agreements_json: row.get(5)?,
                    checked_at: row.get(6)?,
                })
            },
        )
    }

    /// Removes a budget; false when there was none.
    pub fn remove_budget(&self, vendor: &str) -> Result<bool, ProjectError> {
        let changed = self
            .conn
            .execute("DELETE FROM budgets WHERE vendor = ?1", [vendor])
            .map_err(|e| self.db_error(e))?;
        Ok(changed > 0)
    }

    /// Every budget, the one over all vendors first.
    pub fn budgets(&self) -> Result<Vec<BudgetRecord>, ProjectError> {
        self.query_all(
            "SELECT vendor, monthly_limit, created_at FROM budgets ORDER BY vendor <> '*', vendor",
            [],
            |row| {
                Ok(BudgetRecord {
                    vendor: row.get(0)?,
                    monthly_limit: row.get(1)?,
                    created_at: row.get(2)?,
                })
            },
        )
    }
}
