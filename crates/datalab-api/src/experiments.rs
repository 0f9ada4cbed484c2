//! Experiment operations: create an experiment from a spec, run its trials
//! in parallel, list and compare runs, cancel.
//!
//! Trials run on worker threads (CPU-bound work, kept off any async
//! runtime); the calling thread owns the database connection and records
//! every start and end as it happens, so a run is never left `running` by a
//! live process, and one that dies is marked `interrupted` at the next open.

use crate::error::{ApiError, ErrorCode};
use datalab_data::{ColumnData, snapshot_file_name};
use datalab_ml::catalog::Task;
use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::spec::ExperimentSpec;
use datalab_ml::trial::{MeanStd, TargetColumn, TrialError, run_trial_observed, train_final};
use datalab_project::{ExperimentId, MetricValue, Project, RunId, RunQuery, RunRecord, RunStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

/// A run as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunInfo {
    pub id: RunId,
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
}

impl RunInfo {
    /// The metric a table leads with: accuracy, R² or silhouette (all higher-is-better).
    pub fn headline_metric(&self) -> Option<(&'static str, MeanStd)> {
        ["accuracy", "r2", "silhouette"]
            .into_iter()
            .find_map(|name| self.metrics.get(name).map(|m| (name, *m)))
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

impl From<RunRecord> for RunInfo {
    fn from(r: RunRecord) -> Self {
        RunInfo {
            id: r.id,
            experiment_id: r.experiment_id,
            trial: r.trial,
            model: r.model,
            params: serde_json::from_str(&r.params_json).unwrap_or(serde_json::Value::Null),
            status: r.status,
            error: r.error,
            wall_ms: r.wall_ms,
            cpu_ms: r.cpu_ms,
            metrics: r
                .summary_json
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// What happens during a run of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    Started {
        run: RunId,
        trial: u32,
        model: String,
    },
    /// `done` of `folds` folds of a run are trained and scored.
    Fold {
        run: RunId,
        done: usize,
        folds: usize,
    },
    Finished {
        run: Box<RunInfo>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentOutcome {
    pub experiment_id: ExperimentId,
    pub name: String,
    pub runs: Vec<RunInfo>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

/// Target and features of the spec, read from the dataset; rows whose target is missing are left out.
pub(crate) fn prepare_data(
    project: &Project,
    spec: &ExperimentSpec,
) -> Result<
    (
        datalab_project::DatasetRecord,
        Vec<InputColumn>,
        TargetColumn,
    ),
    ApiError,
> {
    let record = project.find_dataset(&spec.dataset.name)?;
    if let Some(expected) = spec
        .dataset
        .sha256
        .as_ref()
        .filter(|expected| **expected != record.fields.snapshot_sha256)
    {
        return Err(invalid(format!(
            "the spec wants dataset '{}' with snapshot {expected}, but the project's has {}: \
             import the same data, or remove dataset.sha256 from the spec",
            spec.dataset.name, record.fields.snapshot_sha256
        )));
    }
    let columns: Vec<datalab_data::ColumnSchema> =
        serde_json::from_str(&record.fields.schema_json).unwrap_or_default();
    let target = spec.task.target.clone();
    let features: Vec<String> = if spec.task.features.is_empty() {
        columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| Some(n) != target.as_ref())
            .collect()
    } else {
        spec.task.features.clone()
    };
    if features.is_empty() {
        return Err(invalid("no feature columns: list some in task.features"));
    }
    if let Some(t) = target.as_ref().filter(|t| features.contains(t)) {
        return Err(invalid(format!(
            "'{t}' is the target; it cannot also be a feature"
        )));
    }
    let mut names = features.clone();
    names.extend(target.iter().cloned());
    let path = project
        .datasets_dir()
        .join(snapshot_file_name(&record.fields.snapshot_sha256));
    let mut loaded = datalab_data::load_columns(&path, &names)?;
    let target_data = target.as_ref().and_then(|_| loaded.pop());
    // Rows without a target cannot be learned from or scored.
    let keep: Vec<usize> = match &target_data {
        Some((_, ColumnData::Numbers(v))) => (0..v.len())
            .filter(|&i| v[i].is_some_and(f64::is_finite))
            .collect(),
        Some((_, ColumnData::Texts(v))) => (0..v.len()).filter(|&i| v[i].is_some()).collect(),
        None => (0..loaded.first().map_or(0, |(_, c)| c.len())).collect(),
    };
    let target_column = match (spec.task.kind, target_data) {
        (Task::Clustering, _) => TargetColumn::None,
        (Task::Regression, Some((_, ColumnData::Numbers(v)))) => {
            TargetColumn::Numbers(keep.iter().filter_map(|&i| v[i]).collect())
        }
        (Task::Regression, Some((name, ColumnData::Texts(_)))) => {
            return Err(invalid(format!(
                "target '{name}' holds text; regression needs a numeric target (or use classification)"
            )));
        }
        (Task::Classification, Some((name, data))) => {
            let texts: Vec<String> = match data {
                ColumnData::Texts(v) => keep.iter().filter_map(|&i| v[i].clone()).collect(),
                ColumnData::Numbers(v) => keep
                    .iter()
                    .filter_map(|&i| v[i])
                    .map(|x| format!("{x}"))
                    .collect(),
            };
            let mut labels = texts.clone();
            labels.sort();
            labels.dedup();
            if labels.len() < 2 {
                return Err(invalid(format!(
                    "target '{name}' has fewer than two classes: nothing to classify"
                )));
            }
            if labels.len() > 1_000 {
                return Err(invalid(format!(
                    "target '{name}' has {} distinct values: that looks like a regression target, not classes",
                    labels.len()
                )));
            }
            let values = texts
                .iter()
                .filter_map(|t| labels.binary_search(t).ok())
                .collect();
            TargetColumn::Classes { labels, values }
        }
        (_, None) => return Err(invalid("this task needs a target column: set task.target")),
    };
    let inputs = loaded
        .into_iter()
        .map(|(name, data)| InputColumn {
            name,
            values: match data {
                ColumnData::Numbers(v) => {
                    ColumnValues::Numbers(keep.iter().map(|&i| v[i]).collect())
                }
                ColumnData::Texts(v) => {
                    ColumnValues::Texts(keep.iter().map(|&i| v[i].clone()).collect())
                }
            },
        })
        .collect();
    Ok((record, inputs, target_column))
}

/// A trial's evaluation and the model trained for keeping, as JSON.
struct Evaluated {
    result: datalab_ml::trial::TrialResult,
    model_json: Result<String, String>,
}

enum WorkerMessage {
    Started(usize),
    Fold(usize, usize, usize),
    Finished(usize, Result<Evaluated, TrialError>, f64, f64),
}

/// A prepared experiment: its record, its runs still queued with their
/// trial, and the data they learn from.
struct Prepared {
    experiment: datalab_project::ExperimentRecord,
    queued: Vec<(RunRecord, datalab_ml::spec::TrialSpec)>,
    features: Vec<InputColumn>,
    target: TargetColumn,
    parallelism: usize,
    validation: datalab_ml::validation::Validation,
    seed: u64,
}

/// Checks `spec` against the project and its dataset, and records it as an
/// experiment with one queued run per trial; nothing runs yet.
pub fn create_experiment(
    project: &Project,
    spec: &ExperimentSpec,
) -> Result<ExperimentDetail, ApiError> {
    let prepared = prepare_experiment(project, spec)?;
    show_experiment(project, prepared.experiment.id)
}

fn prepare_experiment(project: &Project, spec: &ExperimentSpec) -> Result<Prepared, ApiError> {
    spec.check().map_err(|e| invalid(e.to_string()))?;
    let trials = spec.trials().map_err(|e| invalid(e.to_string()))?;
    let (dataset, features, target) = prepare_data(project, spec)?;
    let spec_toml = spec.to_toml().map_err(|e| invalid(e.to_string()))?;
    let trial_rows: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            (
                t.model.clone(),
                serde_json::to_string(&t.params).unwrap_or_default(),
            )
        })
        .collect();
    let (experiment, runs) = project.create_experiment(
        &spec.name,
        Some(dataset.id),
        &dataset.fields.snapshot_sha256,
        &spec_toml,
        &trial_rows,
    )?;
    Ok(Prepared {
        experiment,
        queued: runs.into_iter().zip(trials).collect(),
        features,
        target,
        parallelism: spec.parallelism,
        validation: spec.validation,
        seed: spec.seed,
    })
}

/// Creates an experiment from `spec` and runs every trial: see [`run_queued`].
pub fn run_experiment(
    project: &Project,
    spec: &ExperimentSpec,
    parallelism: Option<usize>,
    events: &dyn Fn(&RunEvent),
    cancel: &AtomicBool,
) -> Result<ExperimentOutcome, ApiError> {
    let prepared = prepare_experiment(project, spec)?;
    run_prepared(project, prepared, parallelism, events, cancel)
}

/// Runs the queued and interrupted runs of an experiment (made by
/// [`create_experiment`], or stopped by a process that died),
/// `parallelism` at a time (None: the spec's; 0: one per core). `events`
/// hears each start, fold and end; `cancel` stops queued trials and running
/// ones at their next fold. The dataset must still hold the snapshot the
/// experiment was created on.
pub fn run_queued(
    project: &Project,
    experiment: ExperimentId,
    parallelism: Option<usize>,
    events: &dyn Fn(&RunEvent),
    cancel: &AtomicBool,
) -> Result<ExperimentOutcome, ApiError> {
    let record = project.experiment(experiment)?;
    let spec = parse_spec(&record.spec_toml)?;
    let trials = spec.trials().map_err(|e| invalid(e.to_string()))?;
    let (dataset, features, target) = prepare_data(project, &spec)?;
    if dataset.fields.snapshot_sha256 != record.dataset_sha256 {
        return Err(invalid(format!(
            "dataset '{}' changed since experiment {experiment} was created (snapshot {}, now {}): \
             create a new experiment from its spec",
            spec.dataset.name, record.dataset_sha256, dataset.fields.snapshot_sha256
        )));
    }
    if let Some(running) = project
        .runs_of(experiment)?
        .iter()
        .find(|r| r.status == RunStatus::Running)
    {
        return Err(ApiError::new(
            ErrorCode::Locked,
            format!(
                "experiment {experiment} is being run by another process (run {} is running): \
                 wait for it, or cancel it with `datalab runs cancel --experiment {experiment}`",
                running.id
            ),
        ));
    }
    // An interrupted sweep resumes where it stopped.
    project.requeue_interrupted_runs(experiment)?;
    let queued = project
        .runs_of(experiment)?
        .into_iter()
        .filter(|r| r.status == RunStatus::Queued)
        .filter_map(|r| {
            let trial = trials.get(r.trial as usize)?.clone();
            Some((r, trial))
        })
        .collect();
    let prepared = Prepared {
        experiment: record,
        queued,
        features,
        target,
        parallelism: spec.parallelism,
        validation: spec.validation,
        seed: spec.seed,
    };
    run_prepared(project, prepared, parallelism, events, cancel)
}

fn run_prepared(
    project: &Project,
    prepared: Prepared,
    parallelism: Option<usize>,
    events: &dyn Fn(&RunEvent),
    cancel: &AtomicBool,
) -> Result<ExperimentOutcome, ApiError> {
    let Prepared {
        experiment,
        queued,
        features,
        target,
        parallelism: spec_parallelism,
        validation,
        seed,
    } = prepared;
    let class_labels: Vec<String> = match &target {
        TargetColumn::Classes { labels, .. } => labels.clone(),
        _ => Vec::new(),
    };
    let (runs, trials): (Vec<RunRecord>, Vec<datalab_ml::spec::TrialSpec>) =
        queued.into_iter().unzip();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let workers = match parallelism.unwrap_or(spec_parallelism) {
        0 => cores,
        n => n,
    }
    .clamp(1, trials.len().max(1));
    let next = AtomicUsize::new(0);
    let pid = std::process::id();
    // Per trial: stop it (asked by another process through the database).
    let stopped: Vec<AtomicBool> = (0..trials.len()).map(|_| AtomicBool::new(false)).collect();
    let run_index: BTreeMap<RunId, usize> =
        runs.iter().enumerate().map(|(k, r)| (r.id, k)).collect();
    let (sender, receiver) = mpsc::channel::<WorkerMessage>();
    let mut write_error: Option<ApiError> = None;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, trials, features, target, stopped) =
                (&next, &trials, &features, &target, &stopped);
            scope.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    if k >= trials.len() || cancel.load(Ordering::SeqCst) {
                        break;
                    }
                    let _ = sender.send(WorkerMessage::Started(k));
                    let wall = Instant::now();
                    let cpu = cpu_time::ThreadTime::try_now().ok();
                    let trial = &trials[k];
                    let result = run_trial_observed(
                        features,
                        target,
                        &trial.model,
                        &trial.params,
                        validation,
                        seed,
                        &|| cancel.load(Ordering::SeqCst) || stopped[k].load(Ordering::SeqCst),
                        &|done, folds| {
                            let _ = sender.send(WorkerMessage::Fold(k, done, folds));
                        },
                    )
                    .map(|result| {
                        let model_json = train_final(
                            features,
                            target,
                            &trial.model,
                            &trial.params,
                            validation,
                            seed,
                        )
                        .map_err(|e| e.to_string())
                        .and_then(|model| serde_json::to_string(&model).map_err(|e| e.to_string()));
                        Evaluated { result, model_json }
                    });
                    let cpu_ms = cpu
                        .and_then(|c| c.try_elapsed().ok())
                        .map_or(0.0, |d| d.as_secs_f64() * 1e3);
                    let wall_ms = wall.elapsed().as_secs_f64() * 1e3;
                    let _ = sender.send(WorkerMessage::Finished(k, result, wall_ms, cpu_ms));
                }
            });
        }
        drop(sender);
        let mut last_poll = Instant::now();
        loop {
            let message = match receiver.recv_timeout(std::time::Duration::from_millis(200)) {
                Ok(message) => Some(message),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            if last_poll.elapsed() >= std::time::Duration::from_millis(200) {
                last_poll = Instant::now();
                match project.cancelled_runs(experiment.id) {
                    Ok(ids) => {
                        for id in ids {
                            if let Some(&k) = run_index.get(&id) {
                                stopped[k].store(true, Ordering::SeqCst);
                            }
                        }
                    }
                    Err(e) => {
                        write_error.get_or_insert(e.into());
                    }
                }
            }
            let Some(message) = message else { continue };
            let outcome = match message {
                WorkerMessage::Started(k) => {
                    let run = &runs[k];
                    events(&RunEvent::Started {
                        run: run.id,
                        trial: run.trial,
                        model: run.model.clone(),
                    });
                    match project.start_run(run.id, pid) {
                        Ok(true) => Ok(()),
                        // Cancelled while queued: the worker stops before its first fold.
                        Ok(false) => {
                            stopped[k].store(true, Ordering::SeqCst);
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                WorkerMessage::Fold(k, done, folds) => {
                    events(&RunEvent::Fold {
                        run: runs[k].id,
                        done,
                        folds,
                    });
                    Ok(())
                }
                WorkerMessage::Finished(k, result, wall_ms, cpu_ms) => {
                    let run = &runs[k];
                    let recorded =
                        record_result(project, run.id, result, wall_ms, cpu_ms, &class_labels);
                    if let Ok(record) = project.run(run.id) {
                        events(&RunEvent::Finished {
                            run: Box::new(record.into()),
                        });
                    }
                    recorded
                }
            };
            if let Err(e) = outcome {
                // Keep draining so workers finish; report the first failure.
                cancel.store(true, Ordering::SeqCst);
                write_error.get_or_insert(e.into());
            }
        }
    });
    if cancel.load(Ordering::SeqCst) {
        project.cancel_queued_runs(experiment.id)?;
    }
    if let Some(error) = write_error {
        return Err(error);
    }
    Ok(ExperimentOutcome {
        experiment_id: experiment.id,
        name: experiment.name,
        runs: project
            .runs_of(experiment.id)?
            .into_iter()
            .map(RunInfo::from)
            .collect(),
    })
}

fn record_result(
    project: &Project,
    run: RunId,
    result: Result<Evaluated, TrialError>,
    wall_ms: f64,
    cpu_ms: f64,
    labels: &[String],
) -> Result<(), datalab_project::ProjectError> {
    match result {
        Ok(Evaluated {
            result: trial,
            model_json,
        }) => {
            let metrics: Vec<MetricValue> = trial
                .folds
                .iter()
                .flat_map(|f| {
                    f.metrics
                        .scalars()
                        .into_iter()
                        .map(move |(name, value)| MetricValue {
                            fold: f.fold as u32,
                            name: name.to_string(),
                            value,
                        })
                })
                .collect();
            let summary = serde_json::to_string(&trial.summary).ok();
            let error = save_run_files(project, run, &trial, model_json, labels).err();
            let status = if error.is_some() {
                RunStatus::Failed
            } else {
                RunStatus::Succeeded
            };
            project.finish_run(
                run,
                status,
                error.as_deref(),
                wall_ms,
                cpu_ms,
                summary.as_deref(),
                &metrics,
            )
        }
        Err(TrialError::Cancelled) => {
            project.finish_run(run, RunStatus::Cancelled, None, wall_ms, cpu_ms, None, &[])
        }
        Err(error) => project.finish_run(
            run,
            RunStatus::Failed,
            Some(&error.to_string()),
            wall_ms,
            cpu_ms,
            None,
            &[],
        ),
    }
}

/// `runs/<id>/evaluation.json` (each fold's test rows, predictions and
/// metrics), `runs/<id>/charts.json` (its charts, downsampled once here so
/// drawing them never reads the whole evaluation) and `runs/<id>/model.json`
/// (the trained model with its preprocessing), each written under a
/// temporary name, then renamed.
fn save_run_files(
    project: &Project,
    run: RunId,
    trial: &datalab_ml::trial::TrialResult,
    model_json: Result<String, String>,
    labels: &[String],
) -> Result<(), String> {
    let model_json =
        model_json.map_err(|e| format!("the final model could not be trained: {e}"))?;
    let dir = project.runs_dir().join(run.to_string());
    let write = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let temp = dir.join(format!(".{name}.partial"));
        std::fs::write(&temp, bytes)?;
        std::fs::rename(&temp, dir.join(name))
    };
    let evaluation = serde_json::to_vec(&trial.folds).map_err(|e| e.to_string())?;
    let charts = crate::charts::charts_of(run, &trial.folds, labels.to_vec());
    let charts = serde_json::to_vec(&charts).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir)
        .and_then(|()| write("evaluation.json", &evaluation))
        .and_then(|()| write("charts.json", &charts))
        .and_then(|()| write("model.json", model_json.as_bytes()))
        .map_err(|e| {
            format!(
                "the run's files could not be written to {}: {e}",
                dir.display()
            )
        })
}

/// Parses a spec file's text.
pub fn parse_spec(text: &str) -> Result<ExperimentSpec, ApiError> {
    ExperimentSpec::from_toml(text).map_err(|e| invalid(e.to_string()))
}

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
    pub runs: Vec<RunInfo>,
    pub total: u64,
}

/// One page of runs, filtered and sorted by the database (the runs table).
pub fn query_runs(project: &Project, query: &RunQuery) -> Result<RunPage, ApiError> {
    if query.limit > 10_000 {
        return Err(invalid("a page holds at most 10,000 runs"));
    }
    let (records, total) = project.query_runs(query)?;
    Ok(RunPage {
        runs: records.into_iter().map(RunInfo::from).collect(),
        total,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentInfo {
    pub id: ExperimentId,
    pub name: String,
    pub dataset_sha256: String,
    pub spec_toml: String,
    pub created_at: String,
    pub runs: usize,
}

pub fn list_experiments(project: &Project) -> Result<Vec<ExperimentInfo>, ApiError> {
    project
        .experiments()?
        .into_iter()
        .map(|e| {
            Ok(ExperimentInfo {
                runs: project.runs_of(e.id)?.len(),
                id: e.id,
                name: e.name,
                dataset_sha256: e.dataset_sha256,
                spec_toml: e.spec_toml,
                created_at: e.created_at,
            })
        })
        .collect()
}

/// An experiment with its runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentDetail {
    pub experiment: ExperimentInfo,
    pub runs: Vec<RunInfo>,
}

pub fn show_experiment(project: &Project, id: ExperimentId) -> Result<ExperimentDetail, ApiError> {
    let e = project.experiment(id)?;
    let runs: Vec<RunInfo> = project
        .runs_of(id)?
        .into_iter()
        .map(RunInfo::from)
        .collect();
    Ok(ExperimentDetail {
        experiment: ExperimentInfo {
            id: e.id,
            name: e.name,
            dataset_sha256: e.dataset_sha256,
            spec_toml: e.spec_toml,
            created_at: e.created_at,
            runs: runs.len(),
        },
        runs,
    })
}

/// A run with the metrics of each fold and the files it left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunDetail {
    pub run: RunInfo,
    /// `folds[i]`: metric name → value, for fold `i`.
    pub folds: Vec<BTreeMap<String, f64>>,
    /// Files under the run's folder, as paths relative to the project.
    pub files: Vec<String>,
}

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
    let dir = project.runs_dir().join(id.to_string());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.'))
                .map(|name| format!("runs/{id}/{name}"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    Ok(RunDetail { run, folds, files })
}

/// Runs whose process died are marked `interrupted` (called when a project is opened).
pub fn recover_interrupted_runs(project: &Project) -> Result<usize, ApiError> {
    Ok(project.mark_interrupted_runs(process_alive)?)
}

/// Whether process `pid` (this one, or another on this machine) still runs.
pub(crate) fn process_alive(pid: u32) -> bool {
    pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// How one run fared against another on a metric over the same folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Win,
    Tie,
    Loss,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PairComparison {
    pub run: RunId,
    pub other: RunId,
    /// Mean over folds of `run - other`.
    pub mean_difference: f64,
    /// Two-sided p-value of the corrected resampled t-test (None with one fold).
    pub p_value: Option<f64>,
    /// Significant at 5 % in `run`'s favour (win) or against it (loss).
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunComparison {
    pub metric: String,
    pub higher_is_better: bool,
    pub runs: Vec<RunInfo>,
    /// Every ordered pair.
    pub pairs: Vec<PairComparison>,
    /// Per run, in `runs` order: (wins, ties, losses).
    pub record: Vec<(u32, u32, u32)>,
}

/// Compares runs measured on the same folds, metric by metric, with the
/// corrected resampled t-test (as Weka's Experimenter).
pub fn compare_runs(
    project: &Project,
    ids: &[RunId],
    metric: Option<&str>,
) -> Result<RunComparison, ApiError> {
    if ids.len() < 2 {
        return Err(invalid("give at least two runs to compare"));
    }
    let records: Vec<RunRecord> = ids
        .iter()
        .map(|&id| project.run(id))
        .collect::<Result<_, _>>()?;
    // Runs are comparable when their folds are the same rows: same data, validation and seed.
    let fold_key = |r: &RunRecord| -> Result<(String, String), ApiError> {
        let experiment = project.experiment(r.experiment_id)?;
        let spec =
            ExperimentSpec::from_toml(&experiment.spec_toml).map_err(|e| invalid(e.to_string()))?;
        Ok((
            experiment.dataset_sha256,
            format!("{:?} seed {}", spec.validation, spec.seed),
        ))
    };
    let first_key = fold_key(&records[0])?;
    for r in &records[1..] {
        if fold_key(r)? != first_key {
            return Err(invalid(format!(
                "run {} was not measured on the same folds as run {} (other data, validation or seed): \
                 compare runs of one spec",
                r.id, records[0].id
            )));
        }
    }
    let infos: Vec<RunInfo> = records.iter().cloned().map(RunInfo::from).collect();
    let metric = match metric {
        Some(m) => m.to_string(),
        None => ["accuracy", "r2", "silhouette"]
            .into_iter()
            .find(|m| infos.iter().all(|r| r.metrics.contains_key(*m)))
            .ok_or_else(|| invalid("these runs share no headline metric: name one with --metric"))?
            .to_string(),
    };
    let higher_is_better = !matches!(metric.as_str(), "rmse" | "mae" | "log_loss" | "inertia");
    let per_fold: Vec<Vec<f64>> = records
        .iter()
        .map(|r| {
            let values: Vec<f64> = project
                .run_metrics(r.id)?
                .into_iter()
                .filter(|m| m.name == metric)
                .map(|m| m.value)
                .collect();
            if values.is_empty() {
                return Err(invalid(format!(
                    "run {} has no '{metric}' (status: {:?})",
                    r.id, r.status
                )));
            }
            Ok(values)
        })
        .collect::<Result<_, ApiError>>()?;
    let folds = per_fold[0].len();
    let test_over_train = if folds > 1 {
        1.0 / (folds as f64 - 1.0)
    } else {
        0.0
    };
    let mut pairs = Vec::new();
    let mut record = vec![(0u32, 0u32, 0u32); records.len()];
    for i in 0..records.len() {
        for j in 0..records.len() {
            if i == j {
                continue;
            }
            let test = datalab_ml::stats::corrected_resampled_t_test(
                &per_fold[i],
                &per_fold[j],
                test_over_train,
            );
            let mean_difference = test.as_ref().map_or_else(
                || {
                    per_fold[i].iter().sum::<f64>() / folds as f64
                        - per_fold[j].iter().sum::<f64>() / folds as f64
                },
                |t| t.mean_difference,
            );
            let p_value = test.as_ref().map(|t| t.p_value);
            let better = if higher_is_better {
                mean_difference > 0.0
            } else {
                mean_difference < 0.0
            };
            let verdict = match p_value {
                Some(p) if p < 0.05 && better => Verdict::Win,
                Some(p) if p < 0.05 => Verdict::Loss,
                _ => Verdict::Tie,
            };
            match verdict {
                Verdict::Win => record[i].0 += 1,
                Verdict::Tie => record[i].1 += 1,
                Verdict::Loss => record[i].2 += 1,
            }
            pairs.push(PairComparison {
                run: records[i].id,
                other: records[j].id,
                mean_difference,
                p_value,
                verdict,
            });
        }
    }
    Ok(RunComparison {
        metric,
        higher_is_better,
        runs: infos,
        pairs,
        record,
    })
}

/// Cancels runs, from any process: queued ones at once, running ones at
/// their next fold. Returns how many runs were affected.
pub fn cancel_runs(
    project: &Project,
    experiment: Option<ExperimentId>,
    runs: &[RunId],
) -> Result<usize, ApiError> {
    if experiment.is_none() && runs.is_empty() {
        return Err(invalid("name the runs to cancel, or --experiment ID"));
    }
    Ok(project.request_cancel(experiment, runs)?)
}
