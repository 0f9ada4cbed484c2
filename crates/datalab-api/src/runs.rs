//! Runs: listed, paged for the runs table (filtered and sorted by the
//! database), shown with the metrics of each fold and their files, and
//! archived (and restored).

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
    /// Gain per feature of its trained model, largest first (boosting only).
    pub importance: Option<Vec<datalab_ml::trial::FeatureImportance>>,
    /// Its tags, by key.
    pub tags: Vec<(String, String)>,
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
    let files = RunFiles::of(project, id);
    Ok(RunDetail {
        run,
        folds,
        importance: files.read_json(RunFiles::IMPORTANCE).ok(),
        files: files.listed(),
        tags: project.run_tags(id)?,
    })
}

/// The most of a run's log one call returns.
const LOG_PAGE: u64 = 256 * 1024;

/// Which part of a run's log to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunLogRequest {
    /// The run.
    pub run: RunId,
    /// The byte to start from (0 first; then the `next` of the last answer).
    #[serde(default)]
    pub offset: u64,
}

/// A piece of a command trial's output (`log.txt`), read while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunLog {
    /// The text from `offset` (invalid UTF-8 replaced).
    pub text: String,
    /// Where the next read starts.
    pub next: u64,
    /// The log's size now.
    pub size: u64,
    /// Whether the run may still write to it.
    pub running: bool,
}

/// A command trial's output from `offset`, at most 256 KiB a call.
pub fn run_log(project: &Project, request: &RunLogRequest) -> Result<RunLog, ApiError> {
    use std::io::{Read, Seek, SeekFrom};
    let run = project.run(request.run)?;
    let running = !run.status.is_final();
    let path = RunFiles::of(project, request.run).path(RunFiles::LOG);
    let mut file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(_) => {
            return Ok(RunLog {
                text: String::new(),
                next: 0,
                size: 0,
                running,
            });
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let offset = request.offset.min(size);
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| ApiError::io(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(LOG_PAGE)
        .read_to_end(&mut bytes)
        .map_err(|e| ApiError::io(format!("cannot read {}: {e}", path.display())))?;
    Ok(RunLog {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        next: offset + bytes.len() as u64,
        size,
        running,
    })
}

/// A metric's history to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MetricHistoryRequest {
    /// The run.
    pub run: RunId,
    /// The metric; none: every metric the run logged.
    #[serde(default)]
    pub key: Option<String>,
    /// At most this many points per curve (LTTB keeps the shape); 1,000 by default.
    #[serde(default)]
    pub max_points: Option<usize>,
}

/// A run's logged metrics as curves over steps, downsampled in Rust.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MetricHistory {
    /// The run.
    pub run: RunId,
    /// One curve per metric: x is the step, y the value (NaN and infinities left out).
    pub series: Vec<datalab_ml::charts::Series>,
    /// Whether the run may still log more.
    pub running: bool,
}

/// The most points read from one metric's history.
const MAX_HISTORY: u64 = 2_000_000;

/// A run's metric histories (what its own code logged step by step).
pub fn metric_history(
    project: &Project,
    request: &MetricHistoryRequest,
) -> Result<MetricHistory, ApiError> {
    let run = project.run(request.run)?;
    let keys = match &request.key {
        Some(key) => vec![key.clone()],
        None => project.metric_keys(request.run)?,
    };
    let max_points = request.max_points.unwrap_or(1000).clamp(3, 100_000);
    let mut series = Vec::new();
    for key in keys {
        let points = project.metric_history(request.run, &key, 0, MAX_HISTORY)?;
        let (x, y): (Vec<f64>, Vec<f64>) = points
            .iter()
            .filter(|p| p.value.is_finite())
            .map(|p| (p.step as f64, p.value))
            .unzip();
        series.push(datalab_ml::charts::Series::downsampled(
            key, &x, &y, max_points,
        ));
    }
    Ok(MetricHistory {
        run: request.run,
        series,
        running: !run.status.is_final(),
    })
}

/// The largest notebook a run's page shows.
const MAX_NOTEBOOK_BYTES: u64 = 32 * 1024 * 1024;

/// The notebook a run executed (papermill's `{out}`, `artifacts/output.ipynb`),
/// as its JSON, for the run's page to show; none when the run has none.
pub fn run_notebook(project: &Project, run: RunId) -> Result<Option<serde_json::Value>, ApiError> {
    project.run(run)?;
    let path = RunFiles::of(project, run)
        .artifacts_dir()
        .join("output.ipynb");
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(None);
    };
    if meta.len() > MAX_NOTEBOOK_BYTES {
        return Err(ApiError::invalid(format!(
            "run {run}'s notebook is {} MB, over the {} MB the app shows: open {} in Jupyter",
            meta.len() / (1024 * 1024),
            MAX_NOTEBOOK_BYTES / (1024 * 1024),
            path.display()
        )));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| ApiError::io(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::invalid(format!("{} is not a notebook: {e}", path.display())))
}

/// Runs to archive, or to bring back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ArchiveRunsRequest {
    /// These runs.
    pub runs: Vec<RunId>,
    /// True to archive them, false to bring them back (undo).
    pub archived: bool,
}

/// Tags to set on runs (or, without a value, to remove from them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TagRunsRequest {
    /// The runs.
    pub runs: Vec<RunId>,
    /// The tag's key: letters, digits, `_`, `-` or `.`, as the runs filter's `tag:key` names it.
    pub key: String,
    /// Its value (none: the tag is removed).
    #[serde(default)]
    pub value: Option<String>,
}

/// Sets (or removes) a tag on runs; `tag:key` and `tag:key=value` in the
/// runs table's filter find them. Returns how many runs changed.
pub fn tag_runs(project: &Project, request: &TagRunsRequest) -> Result<usize, ApiError> {
    if request.runs.is_empty() {
        return Err(ApiError::invalid_field("runs", "choose the runs to tag"));
    }
    datalab_project::names::check_name("tag", &request.key)
        .map_err(|e| ApiError::from(e).on_field("key"))?;
    if let Some(value) = &request.value
        && (value.len() > 500 || value.chars().any(char::is_control))
    {
        return Err(ApiError::invalid_field(
            "value",
            "a tag's value is at most 500 characters, on one line",
        ));
    }
    for &id in &request.runs {
        project.run(id)?;
    }
    let mut changed = 0;
    for &id in &request.runs {
        match &request.value {
            Some(value) => {
                project.set_run_tag(id, &request.key, value.trim())?;
                changed += 1;
            }
            None => {
                if project.delete_run_tag(id, &request.key)? {
                    changed += 1;
                }
            }
        }
    }
    Ok(changed)
}

/// Archives finished runs, or brings them back: an archived run leaves the
/// runs table, comparisons and MLflow searches (it is a deleted run to
/// MLflow clients, which can restore it too) and keeps its files, metrics
/// and any model registered from it. A run still queued or running is
/// refused: cancel it first. Returns how many runs changed.
pub fn archive_runs(project: &Project, request: &ArchiveRunsRequest) -> Result<usize, ApiError> {
    if request.runs.is_empty() {
        return Err(ApiError::invalid_field(
            "runs",
            "choose the runs to archive",
        ));
    }
    let mut changed = Vec::new();
    for &id in &request.runs {
        let run = project.run(id)?;
        if request.archived && !run.status.is_final() {
            return Err(ApiError::invalid_field(
                "runs",
                format!(
                    "run {id} is {}: cancel it before archiving it",
                    run.status.as_str()
                ),
            ));
        }
        if project.run_deleted(id)? != request.archived {
            changed.push(id);
        }
    }
    for &id in &changed {
        project.set_run_deleted(id, request.archived)?;
    }
    Ok(changed.len())
}
