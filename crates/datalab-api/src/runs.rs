//! Runs: listed, paged for the runs table (filtered and sorted by the
//! database), and shown with the metrics of each fold and their files.

use crate::error::ApiError;
use datalab_lab::{RunFiles, RunInfo};
use datalab_project::{ExperimentId, Project, RunId, RunQuery};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most runs a page holds.
pub const MAX_PAGE: u64 = 10_000;

/// Every run of an experiment (by trial), or of the project (newest first).
pub fn list_runs(
    project: &Project,
    experiment: Option<ExperimentId>,
) -> Result<Vec<RunInfo>, ApiError> {
    let records = match experiment {
        Some(id) => project.runs_of(id)?,
        None => project.all_runs()?,
    };
    Ok(records.into_iter().map(RunInfo::from).collect())
}

/// A page of the runs table and how many runs match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunPage {
    /// The runs of the page.
    pub runs: Vec<RunInfo>,
    /// How many runs match the filter in all.
    pub total: u64,
}

/// One page of runs, filtered and sorted by the database (the runs table).
pub fn query_runs(project: &Project, query: &RunQuery) -> Result<RunPage, ApiError> {
    if query.limit > MAX_PAGE {
        return Err(ApiError::invalid_field(
            "limit",
            "a page holds at most 10,000 runs",
        ));
    }
    let (records, total) = project.query_runs(query)?;
    Ok(RunPage {
        runs: records.into_iter().map(RunInfo::from).collect(),
        total,
    })
}

/// A run with the metrics of each fold and the files it left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunDetail {
    /// The run.
    pub run: RunInfo,
    /// `folds[i]`: metric name → value, for fold `i` (the finished folds of
    /// a run that was stopped, too).
    pub folds: Vec<BTreeMap<String, f64>>,
    /// Files under the run's folder, as paths relative to the project.
    pub files: Vec<String>,
}

/// A run with the metrics of each of its folds and its files.
pub fn show_run(project: &Project, id: RunId) -> Result<RunDetail, ApiError> {
    let run = RunInfo::from(project.run(id)?);
    let mut folds: Vec<BTreeMap<String, f64>> = Vec::new();
    for m in project.run_metrics(id)? {
        let fold = m.fold as usize;
        if folds.len() <= fold {
            folds.resize_with(fold + 1, BTreeMap::new);
        }
        folds[fold].insert(m.name, m.value);
    }
    Ok(RunDetail {
        run,
        folds,
        files: RunFiles::of(project, id).listed(),
    })
}
