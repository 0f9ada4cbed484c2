//! Experiment bundles: an experiment carried to a colleague through a storage
//! target, with everything needed to look at it and to run it again — its
//! spec, the dataset snapshot it ran on, every run with its metrics, tags,
//! metric histories and files, and the vendor evaluations with their rows.
//!
//! `push_experiment` writes the files (content-addressed: a snapshot storage
//! holds already is not sent again) and the index last; `pull_experiment`
//! brings one into this project with every file checked before anything is
//! recorded; `reproduce_experiment` runs the spec again on the same snapshot
//! and says, run by run, whether the numbers came out identical.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::JobContext;
use crate::storage::{open_target, runtime, transfer_progress};
use datalab_lab::{JobSpec, RunFiles};
use datalab_project::{
    EvaluationCopy, EvaluationRecord, EvaluationRow, ExperimentCopy, ExperimentId,
    ExperimentOrigin, JobKind, KeyedMetric, MetricPoint, MetricValue, NewDataset, NoteRecord,
    NoteSubject, Project, RunCopy, RunId, RunRecord, RunStatus, names,
};
use datalab_publish::PackageFile;
use datalab_publish::bundles::{self, BundleFile, PushCount};
use datalab_publish::package::hash_file;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files a pull downloads at once.
const DOWNLOADS_IN_FLIGHT: usize = 16;

/// The bundle format this Data Lab writes and the newest it reads.
pub const BUNDLE_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// An experiment to push.
pub struct PushRequest {
    /// The experiment to push.
    pub experiment: ExperimentId,
    /// The storage target, by name.
    pub target: String,
    /// The bundle's name in storage (the experiment's name when absent).
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// What a push did.
pub struct PushOutcome {
    /// The bundle's name in storage.
    pub name: String,
    /// Where it is, as a person reads it.
    pub location: String,
    /// Runs in the bundle.
    pub runs: u64,
    /// Files sent, and those storage held already (not sent again).
    pub count: PushCount,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A bundle to pull into this project.
pub struct PullRequest {
    /// The bundle's name in storage.
    pub name: String,
    /// The storage target, by name.
    pub target: String,
    /// The experiment's name here (the bundle's when absent).
    #[serde(default, rename = "as")]
    pub as_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// What a pull brought in.
pub struct PullOutcome {
    /// The experiment it became here.
    pub experiment: ExperimentId,
    /// Its name here.
    pub name: String,
    /// The dataset the experiment runs on here.
    pub dataset: String,
    /// True when this project had the snapshot already (nothing downloaded for it).
    pub dataset_known: bool,
    /// Runs brought in.
    pub runs: u64,
    /// Vendor evaluations brought in.
    pub evaluations: u64,
    /// Files downloaded, each checked.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
/// How a run came out when run again.
pub enum Reproduced {
    /// The same status, parameters and every metric of every fold, bit for bit.
    Identical,
    /// Something differs: see the differences.
    Different,
    /// The run again has no counterpart (a trial missing on one side).
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// One run and its run again.
pub struct RunReproduction {
    /// The trial (the same on both sides).
    pub trial: u32,
    /// Its model.
    pub model: String,
    /// The run as it was.
    pub original: Option<RunId>,
    /// The run again.
    pub reproduced: Option<RunId>,
    /// Identical, different or missing.
    pub verdict: Reproduced,
    /// What differs, a line each (`accuracy, fold 2: 0.95 → 0.9466`).
    pub differences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// An experiment run again on its own snapshot, compared run by run.
pub struct ReproduceReport {
    /// The experiment reproduced.
    pub experiment: ExperimentId,
    /// The new experiment holding the runs again.
    pub reproduction: ExperimentId,
    /// Runs that came out identical.
    pub identical: u64,
    /// Runs that did not (different or missing).
    pub different: u64,
    /// Trial by trial.
    pub runs: Vec<RunReproduction>,
}

/// The bundle's index (`bundle.json`), written last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BundleIndex {
    /// [`BUNDLE_FORMAT`] when written: a newer one is refused.
    format: u32,
    datalab_version: String,
    experiment: BundledExperiment,
    dataset: Option<NewDataset>,
    runs: Vec<BundledRun>,
    evaluations: Vec<BundledEvaluation>,
    /// The lab journal's notes on the experiment and its runs.
    #[serde(default)]
    notes: Vec<BundledNote>,
    /// Every file by its path in the bundle: `datasets/<sha256>.parquet`,
    /// `runs/<id>/…`, `evaluations/<id>.json`, `histories/<run id>.json`.
    files: Vec<PackageFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BundledExperiment {
    id: ExperimentId,
    name: String,
    origin: ExperimentOrigin,
    dataset_sha256: String,
    spec_toml: String,
    created_at: String,
    tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BundledRun {
    record: RunRecord,
    metrics: Vec<MetricValue>,
    tags: Vec<(String, String)>,
    /// `histories/<id>.json` when the run has metric histories.
    history: Option<String>,
}

/// A note, on the experiment (`run` None) or on one of its runs (by its id there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BundledNote {
    run: Option<RunId>,
    body: String,
    created_at: String,
    updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BundledEvaluation {
    record: EvaluationRecord,
    /// `evaluations/<id>.json`: its rows.
    rows: String,
}

/// A metric point as a history file keeps it: the value as text, so NaN
/// and the infinities travel (JSON has none) and every bit comes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct HistoryPoint(String, i64, i64, String);

/// The bundle's name: the one asked for, or the experiment's made plain
/// (`iris: trees` becomes `iris-trees`), or `experiment-<id>`.
fn bundle_name_of(
    request_name: Option<&str>,
    experiment: &datalab_project::ExperimentRecord,
) -> Result<String, ApiError> {
    let name = match request_name {
        Some(name) => name.trim().to_string(),
        None => {
            names::slug(&experiment.name).unwrap_or_else(|| format!("experiment-{}", experiment.id))
        }
    };
    names::check_name("bundle", &name).map_err(|e| ApiError::from(e).on_field("name"))?;
    Ok(name)
}

/// Every file under `dir` (not those whose name starts with a dot: a run's
/// unfinished folds), as paths relative to it with `/`.
fn files_under(dir: &Path) -> Result<Vec<String>, ApiError> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        let entries = match std::fs::read_dir(&here) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ApiError::io(format!("cannot read {}: {e}", here.display()))),
        };
        for entry in entries {
            let entry =
                entry.map_err(|e| ApiError::io(format!("cannot read {}: {e}", here.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = relative.join(&name);
            let kind = entry
                .file_type()
                .map_err(|e| ApiError::io(format!("cannot read {}: {e}", path.display())))?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                found.push(
                    path.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A file of the bundle, hashed now.
fn hashed(local: PathBuf, path: String) -> Result<BundleFile, ApiError> {
    let (sha256, bytes) = hash_file(&local)?;
    Ok(BundleFile {
        local,
        file: PackageFile {
            path,
            sha256,
            bytes,
        },
    })
}

/// Pushes an experiment to a storage target as a job: its files first (those
/// storage holds already are not sent again), its index last, replacing the
/// bundle's earlier index. Cancelled or failed, the earlier bundle (or none)
/// stays what storage shows.
pub fn push_experiment(
    project: &Project,
    request: &PushRequest,
    jobs: &JobContext<'_>,
) -> Result<PushOutcome, ApiError> {
    let experiment = project.experiment(request.experiment)?;
    let name = bundle_name_of(request.name.as_deref(), &experiment)?;
    let (_, target) = open_target(project, &request.target)?;
    let records = project.runs_of(experiment.id)?;
    if let Some(busy) = records
        .iter()
        .find(|r| matches!(r.status, RunStatus::Queued | RunStatus::Running))
    {
        return Err(ApiError::invalid(format!(
            "run {} of experiment {} is {}: push the experiment when its runs have ended (or cancel them)",
            busy.id,
            experiment.id,
            busy.status.as_str()
        )));
    }
    let scratch = tempfile::Builder::new()
        .prefix(datalab_lab::recovery::PULL_STAGING_PREFIX)
        .tempdir_in(project.root())
        .map_err(|e| ApiError::io(format!("cannot make a scratch folder in the project: {e}")))?;
    let mut files: Vec<BundleFile> = Vec::new();
    let dataset = project.dataset_with_snapshot(&experiment.dataset_sha256)?;
    if let Some(dataset) = &dataset {
        let local = crate::datasets::snapshot_path(project, &dataset.fields.snapshot_sha256);
        // A snapshot is named by its content's hash and never changes: not hashed again.
        let bytes = std::fs::metadata(&local)
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::Integrity,
                    format!(
                        "dataset '{}' has no snapshot at {} ({e}): import it again",
                        dataset.fields.name,
                        local.display()
                    ),
                )
            })?
            .len();
        files.push(BundleFile {
            local,
            file: PackageFile {
                path: format!("datasets/{}.parquet", dataset.fields.snapshot_sha256),
                sha256: dataset.fields.snapshot_sha256.clone(),
                bytes,
            },
        });
    }
    let bundled_note = |n: NoteRecord, run: Option<RunId>| BundledNote {
        run,
        body: n.body,
        created_at: n.created_at,
        updated_at: n.updated_at,
    };
    let mut notes: Vec<BundledNote> = project
        .notes_on(NoteSubject::Experiment(experiment.id))?
        .into_iter()
        .map(|n| bundled_note(n, None))
        .collect();
    let mut runs = Vec::with_capacity(records.len());
    for record in records {
        notes.extend(
            project
                .notes_on(NoteSubject::Run(record.id))?
                .into_iter()
                .map(|n| bundled_note(n, Some(record.id))),
        );
        let run_files = RunFiles::of(project, record.id);
        for relative in files_under(run_files.dir())? {
            files.push(hashed(
                run_files.dir().join(&relative),
                format!("runs/{}/{relative}", record.id),
            )?);
        }
        let points = project.metric_points(record.id)?;
        let history = if points.is_empty() {
            None
        } else {
            let path = format!("histories/{}.json", record.id);
            let local = scratch.path().join(format!("history-{}.json", record.id));
            let rows: Vec<HistoryPoint> = points
                .iter()
                .map(|m| {
                    HistoryPoint(
                        m.key.clone(),
                        m.point.step,
                        m.point.timestamp_ms,
                        m.point.value.to_string(),
                    )
                })
                .collect();
            write_json(&local, &rows)?;
            files.push(hashed(local, path.clone())?);
            Some(path)
        };
        runs.push(BundledRun {
            metrics: project.run_metrics(record.id)?,
            tags: project.run_tags(record.id)?,
            history,
            record,
        });
    }
    let mut evaluations = Vec::new();
    for record in project.evaluations(Some(experiment.id))? {
        let rows = project.evaluation_rows(record.id)?;
        let path = format!("evaluations/{}.json", record.id);
        let local = scratch
            .path()
            .join(format!("evaluation-{}.json", record.id));
        write_json(&local, &rows)?;
        files.push(hashed(local, path.clone())?);
        evaluations.push(BundledEvaluation { record, rows: path });
    }
    let index = BundleIndex {
        format: BUNDLE_FORMAT,
        datalab_version: env!("CARGO_PKG_VERSION").to_string(),
        experiment: BundledExperiment {
            id: experiment.id,
            name: experiment.name.clone(),
            origin: experiment.origin,
            dataset_sha256: experiment.dataset_sha256.clone(),
            spec_toml: experiment.spec_toml.clone(),
            created_at: experiment.created_at.clone(),
            tags: project.experiment_tags(experiment.id)?,
        },
        dataset: dataset.map(|d| d.fields),
        runs,
        evaluations,
        notes,
        files: files.iter().map(|f| f.file.clone()).collect(),
    };
    let index_bytes = serde_json::to_vec_pretty(&index)
        .map_err(|e| ApiError::internal(format!("cannot write the bundle's index: {e}")))?;
    let label = format!("push experiment {} to {}", experiment.id, request.target);
    let count = jobs.run(project, JobSpec::new(JobKind::Push, label), |job| {
        let progress = |done: u64, total: u64| {
            transfer_progress(job, "push_experiment", "uploading", done, total)
        };
        Ok(runtime()?.block_on(bundles::push_bundle(
            &target,
            &name,
            &files,
            &index_bytes,
            &progress,
            job.flag(),
        ))?)
    })?;
    Ok(PushOutcome {
        location: bundles::bundle_location(&target, &name),
        name,
        runs: index.runs.len() as u64,
        count,
    })
}

/// The bundles a target holds (whole ones only), by name.
pub fn list_bundles(project: &Project, target: &str) -> Result<Vec<String>, ApiError> {
    let (_, target) = open_target(project, target)?;
    Ok(runtime()?.block_on(bundles::list_bundles(&target))?)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| ApiError::internal(format!("cannot write {}: {e}", path.display())))?;
    std::fs::write(path, bytes)
        .map_err(|e| ApiError::io(format!("cannot write {}: {e}", path.display())))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, ApiError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ApiError::io(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::Integrity,
            format!("the bundle's {what} cannot be read: {e}"),
        )
    })
}

/// Reads an index, refusing a format newer than this Data Lab's before
/// anything else is read of it.
fn parse_index(bytes: &[u8], location: &str) -> Result<BundleIndex, ApiError> {
    #[derive(Deserialize)]
    struct Format {
        format: u32,
        #[serde(default)]
        datalab_version: String,
    }
    let format: Format = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::Integrity,
            format!("{location}: the bundle's index is not a Data Lab bundle index: {e}"),
        )
    })?;
    if format.format > BUNDLE_FORMAT {
        return Err(ApiError::new(
            ErrorCode::NewerSchema,
            format!(
                "{location} was written by a newer Data Lab ({}; bundle format {}, this Data Lab {} reads up to {BUNDLE_FORMAT}): update Data Lab to pull it",
                format.datalab_version,
                format.format,
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::Integrity,
            format!("{location}: the bundle's index cannot be read: {e}"),
        )
    })
}

/// Pulls a bundle into this project as a job: every file is downloaded and
/// checked against its sha256 first (a mismatch names the file, and nothing
/// is kept); then the dataset (unless this project has its snapshot), the
/// experiment, its runs and evaluations are recorded in one transaction,
/// and the runs' files moved into place.
pub fn pull_experiment(
    project: &Project,
    request: &PullRequest,
    jobs: &JobContext<'_>,
) -> Result<PullOutcome, ApiError> {
    names::check_name("bundle", &request.name).map_err(|e| ApiError::from(e).on_field("name"))?;
    let (_, target) = open_target(project, &request.target)?;
    let location = bundles::bundle_location(&target, &request.name);
    // The index is read before the job: a missing or newer bundle is said at once.
    let index_bytes = runtime()?.block_on(bundles::read_bundle_index(&target, &request.name))?;
    let index = parse_index(&index_bytes, &location)?;
    let name = request
        .as_name
        .clone()
        .unwrap_or_else(|| index.experiment.name.clone());
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            "as",
            "an experiment's name needs visible characters (no newlines or tabs)",
        ));
    }
    if project.experiments()?.iter().any(|e| e.name == name) {
        return Err(ApiError::new(
            ErrorCode::NameTaken,
            format!("this project has an experiment named '{name}' already: pull it under another name (--as NAME)"),
        )
        .on_field("as"));
    }
    let by_path: BTreeMap<&str, &PackageFile> =
        index.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let known = project.dataset_with_snapshot(&index.experiment.dataset_sha256)?;
    let staging = tempfile::Builder::new()
        .prefix(datalab_lab::recovery::PULL_STAGING_PREFIX)
        .tempdir_in(project.root())
        .map_err(|e| ApiError::io(format!("cannot make a scratch folder in the project: {e}")))?;
    let wanted: Vec<&PackageFile> = index
        .files
        .iter()
        .filter(|f| !(known.is_some() && f.path.starts_with("datasets/")))
        .collect();
    let label = format!("pull {} from {}", request.name, request.target);
    let (files, bytes) = jobs.run(project, JobSpec::new(JobKind::Pull, label), |job| {
        let total: u64 = wanted.iter().map(|f| f.bytes).sum();
        let mut done = 0u64;
        let rt = runtime()?;
        // Many files at a time: a bundle of many runs is thousands of small files.
        rt.block_on(async {
            use futures_util::StreamExt;
            let mut downloads = futures_util::stream::iter(wanted.iter().map(|file| {
                let dest = staging.path().join(&file.path);
                let target = &target;
                async move {
                    bundles::fetch_bundle_file(target, file, &dest, job.flag())
                        .await
                        .map(|()| file.bytes)
                }
            }))
            .buffer_unordered(DOWNLOADS_IN_FLIGHT);
            job.report("downloading", 0, total);
            while let Some(fetched) = downloads.next().await {
                done += fetched?;
                transfer_progress(job, "pull_experiment", "downloading", done, total);
            }
            Ok::<(), ApiError>(())
        })?;
        Ok((wanted.len() as u64, total))
    })?;
    // Every file is here and checked: now the records.
    let (dataset_id, dataset_name, dataset_known) = match &known {
        Some(record) => (Some(record.id), record.fields.name.clone(), true),
        None => match &index.dataset {
            Some(fields) => {
                let snapshot = format!("datasets/{}.parquet", fields.snapshot_sha256);
                if !by_path.contains_key(snapshot.as_str()) {
                    return Err(ApiError::new(
                        ErrorCode::Integrity,
                        format!(
                            "{location} names dataset '{}' but holds no snapshot of it",
                            fields.name
                        ),
                    ));
                }
                let place = crate::datasets::snapshot_path(project, &fields.snapshot_sha256);
                if let Some(parent) = place.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        ApiError::io(format!("cannot make {}: {e}", parent.display()))
                    })?;
                }
                std::fs::rename(staging.path().join(&snapshot), &place).map_err(|e| {
                    ApiError::io(format!(
                        "cannot move the snapshot to {}: {e}",
                        place.display()
                    ))
                })?;
                let mut fields = fields.clone();
                if project.find_dataset(&fields.name).is_ok() {
                    fields.name = format!("{}-{}", fields.name, &fields.snapshot_sha256[..8]);
                }
                let record = project.insert_dataset(&fields)?;
                (Some(record.id), record.fields.name, false)
            }
            None => (None, String::new(), false),
        },
    };
    let spec_toml = respelled_spec(&index.experiment, &dataset_name)?;
    let mut runs = Vec::with_capacity(index.runs.len());
    for run in &index.runs {
        let points = match &run.history {
            Some(path) => read_json::<Vec<HistoryPoint>>(&staging.path().join(path), path)?
                .into_iter()
                .map(|HistoryPoint(key, step, timestamp_ms, value)| {
                    let value = value.parse::<f64>().map_err(|_| {
                        ApiError::new(
                            ErrorCode::Integrity,
                            format!("{path}: '{value}' is not a number"),
                        )
                    })?;
                    Ok(KeyedMetric {
                        key,
                        point: MetricPoint {
                            value,
                            timestamp_ms,
                            step,
                        },
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?,
            None => Vec::new(),
        };
        runs.push(RunCopy {
            record: run.record.clone(),
            metrics: run.metrics.clone(),
            tags: run.tags.clone(),
            points,
        });
    }
    let mut evaluations = Vec::with_capacity(index.evaluations.len());
    for evaluation in &index.evaluations {
        let rows: Vec<EvaluationRow> =
            read_json(&staging.path().join(&evaluation.rows), &evaluation.rows)?;
        evaluations.push(EvaluationCopy {
            record: evaluation.record.clone(),
            rows,
        });
    }
    let mut tags = index.experiment.tags.clone();
    tags.retain(|(k, _)| k != "datalab.bundle");
    tags.push((
        "datalab.bundle".to_string(),
        format!("{location} (experiment {} there)", index.experiment.id),
    ));
    let copied = project.copy_experiment_in(&ExperimentCopy {
        name: &name,
        origin: index.experiment.origin,
        dataset: dataset_id,
        dataset_sha256: &index.experiment.dataset_sha256,
        spec_toml: &spec_toml,
        created_at: &index.experiment.created_at,
        tags: &tags,
        runs: &runs,
        evaluations: &evaluations,
    })?;
    for note in &index.notes {
        let subject = match note.run {
            None => NoteSubject::Experiment(copied.experiment),
            Some(there) => {
                let here = index.runs.iter().zip(&copied.runs);
                match here.into_iter().find(|(r, _)| r.record.id == there) {
                    Some((_, id)) => NoteSubject::Run(*id),
                    None => continue,
                }
            }
        };
        project.copy_note_in(subject, &note.body, &note.created_at, &note.updated_at)?;
    }
    for (run, id) in index.runs.iter().zip(&copied.runs) {
        let from = staging.path().join("runs").join(run.record.id.to_string());
        if !from.exists() {
            continue;
        }
        let to = RunFiles::of(project, *id).dir().to_path_buf();
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| ApiError::io(format!("cannot make {}: {e}", parent.display())))?;
        }
        std::fs::rename(&from, &to)
            .map_err(|e| ApiError::io(format!("cannot move run files to {}: {e}", to.display())))?;
    }
    Ok(PullOutcome {
        experiment: copied.experiment,
        name,
        dataset: dataset_name,
        dataset_known,
        runs: copied.runs.len() as u64,
        evaluations: copied.evaluations.len() as u64,
        files,
        bytes,
    })
}

/// The experiment's spec naming the dataset as this project calls it.
fn respelled_spec(experiment: &BundledExperiment, dataset: &str) -> Result<String, ApiError> {
    if experiment.origin == ExperimentOrigin::Tracking {
        return Ok(experiment.spec_toml.clone());
    }
    let mut spec = crate::experiments::parse_spec(&experiment.spec_toml)?;
    if spec.dataset.name == dataset {
        return Ok(experiment.spec_toml.clone());
    }
    spec.dataset.name = dataset.to_string();
    spec.to_toml().map_err(crate::experiments::spec_error)
}

/// Runs an experiment's spec again, as a new experiment on the same snapshot
/// (tagged with the one it reproduces), and compares the runs trial by
/// trial: status, parameters and every metric of every fold, bit for bit.
pub fn reproduce_experiment(
    project: &Project,
    experiment: ExperimentId,
    jobs: &JobContext<'_>,
) -> Result<ReproduceReport, ApiError> {
    let record = project.experiment(experiment)?;
    let mut spec = crate::experiments::spec_of(&record)?;
    let dataset = project
        .dataset_with_snapshot(&record.dataset_sha256)?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "this project no longer has the snapshot experiment {experiment} ran on ({}): pull the experiment again",
                    record.dataset_sha256
                ),
            )
        })?;
    spec.dataset.name = dataset.fields.name.clone();
    spec.dataset.sha256 = Some(record.dataset_sha256.clone());
    spec.name = format!("{} · reproduced", record.name);
    let created = crate::experiments::create_experiment(project, &spec)?;
    let again = created.experiment.id;
    project.set_experiment_tag(again, "datalab.reproduces", &experiment.to_string())?;
    crate::experiments::run_queued(project, again, None, jobs)?;
    let originals = project.runs_of(experiment)?;
    let repeats = project.runs_of(again)?;
    let mut runs = Vec::new();
    let trials: std::collections::BTreeSet<u32> =
        originals.iter().chain(&repeats).map(|r| r.trial).collect();
    for trial in trials {
        let first = originals.iter().find(|r| r.trial == trial);
        let second = repeats.iter().find(|r| r.trial == trial);
        let model = first
            .or(second)
            .map(|r| r.model.clone())
            .unwrap_or_default();
        let (verdict, differences) = match (first, second) {
            (Some(a), Some(b)) => {
                let differences = run_differences(project, a, b)?;
                let verdict = if differences.is_empty() {
                    Reproduced::Identical
                } else {
                    Reproduced::Different
                };
                (verdict, differences)
            }
            _ => (
                Reproduced::Missing,
                vec!["no run of this trial on one side".to_string()],
            ),
        };
        runs.push(RunReproduction {
            trial,
            model,
            original: first.map(|r| r.id),
            reproduced: second.map(|r| r.id),
            verdict,
            differences,
        });
    }
    Ok(ReproduceReport {
        experiment,
        reproduction: again,
        identical: runs
            .iter()
            .filter(|r| r.verdict == Reproduced::Identical)
            .count() as u64,
        different: runs
            .iter()
            .filter(|r| r.verdict != Reproduced::Identical)
            .count() as u64,
        runs,
    })
}

/// What differs between a run and its run again: status, parameters, and
/// each metric of each fold compared bit for bit.
fn run_differences(
    project: &Project,
    a: &RunRecord,
    b: &RunRecord,
) -> Result<Vec<String>, ApiError> {
    let mut differences = Vec::new();
    if a.status != b.status {
        differences.push(format!(
            "status: {} → {}",
            a.status.as_str(),
            b.status.as_str()
        ));
    }
    let params = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    if params(&a.params_json) != params(&b.params_json) {
        differences.push(format!("parameters: {} → {}", a.params_json, b.params_json));
    }
    let metrics = |id: RunId| -> Result<BTreeMap<(String, u32), f64>, ApiError> {
        Ok(project
            .run_metrics(id)?
            .into_iter()
            .map(|m| ((m.name, m.fold), m.value))
            .collect())
    };
    let (first, second) = (metrics(a.id)?, metrics(b.id)?);
    let keys: std::collections::BTreeSet<&(String, u32)> =
        first.keys().chain(second.keys()).collect();
    for key in keys {
        let (name, fold) = key;
        match (first.get(key), second.get(key)) {
            (Some(x), Some(y)) if x.to_bits() == y.to_bits() => {}
            (Some(x), Some(y)) => differences.push(format!("{name}, fold {fold}: {x} → {y}")),
            (Some(x), None) => differences.push(format!("{name}, fold {fold}: {x} → (none)")),
            (None, Some(y)) => differences.push(format!("{name}, fold {fold}: (none) → {y}")),
            (None, None) => {}
        }
    }
    Ok(differences)
}
