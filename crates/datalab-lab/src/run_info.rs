//! A run as every window shows it, made from its record.

use datalab_ml::trial::MeanStd;
use datalab_project::{ExperimentId, RunId, RunOrigin, RunRecord, RunStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A run as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunInfo {
    pub id: RunId,
    /// The 32-hex id MLflow clients know the run by.
    pub uuid: String,
    /// Who ran it: a catalog model, a spec's command, or outside code.
    pub origin: RunOrigin,
    /// The name its code gave it, if any.
    pub name: Option<String>,
    pub experiment_id: ExperimentId,
    pub trial: u32,
    pub model: String,
    pub params: serde_json::Value,
    pub status: RunStatus,
    pub error: Option<String>,
    pub wall_ms: Option<f64>,
    pub cpu_ms: Option<f64>,
    /// Mean and standard deviation of each metric over the folds.
    pub metrics: BTreeMap<String, MeanStd>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// A pruned run: the rung (1, 2, ...) of its folds where early stopping ended it.
    pub rung: Option<u32>,
}

impl RunInfo {
    /// The metric a table leads with: its task's headline metric.
    pub fn headline_metric(&self) -> Option<(&'static str, MeanStd)> {
        let name =
            datalab_ml::metric_facts::leading_metric([self.metrics.keys().map(|k| k.as_str())])?;
        self.metrics.get(name).map(|m| (name, *m))
    }
}

/// Parameters as `name=value` joined by `separator`, or "defaults".
pub fn params_text(params: &serde_json::Value, separator: &str) -> String {
    match params.as_object() {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(separator)
            .replace('"', ""),
        _ => "defaults".into(),
    }
}

/// A run record's per-metric mean and std over folds (none when it has no
/// summary, or one this build cannot read).
pub fn metrics_of(summary_json: Option<&str>) -> BTreeMap<String, MeanStd> {
    summary_json
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

impl From<RunRecord> for RunInfo {
    fn from(r: RunRecord) -> Self {
        RunInfo {
            id: r.id,
            uuid: r.uuid,
            origin: r.origin,
            name: r.name,
            experiment_id: r.experiment_id,
            trial: r.trial,
            model: r.model,
            params: serde_json::from_str(&r.params_json).unwrap_or(serde_json::Value::Null),
            status: r.status,
            error: r.error,
            wall_ms: r.wall_ms,
            cpu_ms: r.cpu_ms,
            metrics: metrics_of(r.summary_json.as_deref()),
            started_at: r.started_at,
            finished_at: r.finished_at,
            rung: r.rung,
        }
    }
}

/// Whether every run of a set is over, and how they ended, for exit codes
/// and job outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTally {
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub interrupted: usize,
    /// Ended by early stopping: a verdict, not a failure.
    pub pruned: usize,
    pub unfinished: usize,
}

impl RunTally {
    pub fn of(runs: &[RunInfo]) -> RunTally {
        let mut tally = RunTally::default();
        for run in runs {
            match run.status {
                RunStatus::Succeeded => tally.succeeded += 1,
                RunStatus::Failed => tally.failed += 1,
                RunStatus::Cancelled => tally.cancelled += 1,
                RunStatus::Interrupted => tally.interrupted += 1,
                RunStatus::Pruned => tally.pruned += 1,
                RunStatus::Queued | RunStatus::Running => tally.unfinished += 1,
            }
        }
        tally
    }

    /// Runs were tried and none succeeded: every one failed.
    pub fn all_failed(&self) -> bool {
        self.failed > 0 && self.succeeded == 0
    }
}
