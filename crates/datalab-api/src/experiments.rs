//! Experiment operations: a spec checked and recorded as an experiment with
//! its runs queued; its queued runs run as one job of the job engine (a
//! shared queue, folds kept as they finish, cancel within a second inside
//! a trial, resume); experiments listed and shown; runs cancelled.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::JobContext;
use datalab_lab::command::TrackingEndpoint;
use datalab_lab::data::ExperimentData;
use datalab_lab::sweep::{CommandSetup, Sweep};
use datalab_lab::{JobSpec, RunInfo, RunTally};
use datalab_ml::spec::{ExperimentSpec, SpecError, TrialSpec};
use datalab_project::{
    ExperimentId, ExperimentOrigin, JobKind, JobStatus, Project, RunId, RunStatus,
};
use serde::{Deserialize, Serialize};

/// The most trials an experiment may hold by default.
pub const MAX_TRIALS: u64 = 100_000;

/// The most trials an experiment may hold: `DATALAB_MAX_TRIALS`, or [`MAX_TRIALS`].
fn max_trials() -> u64 {
    std::env::var("DATALAB_MAX_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_TRIALS)
}

pub(crate) fn spec_error(error: SpecError) -> ApiError {
    let field = match &error {
        SpecError::TooManyTrials { .. } => Some("search".to_string()),
        SpecError::Field { field, .. } => Some(field.clone()),
        _ => None,
    };
    let api = ApiError::invalid(error.to_string());
    match field {
        Some(field) => api.on_field(field),
        None => api,
    }
}

/// Parses a spec file's text.
pub fn parse_spec(text: &str) -> Result<ExperimentSpec, ApiError> {
    ExperimentSpec::from_toml(text).map_err(spec_error)
}

/// The spec of an experiment Data Lab runs. One whose runs are logged from
/// outside through the MLflow protocol has none: refused, saying so.
pub(crate) fn spec_of(
    record: &datalab_project::ExperimentRecord,
) -> Result<ExperimentSpec, ApiError> {
    if record.origin == ExperimentOrigin::Tracking {
        return Err(ApiError::invalid(format!(
            "experiment {} ('{}') holds runs logged from outside Data Lab through MLflow: it has no \
             spec, so Data Lab cannot run it, compare its runs fold by fold or evaluate vendors on \
             its test rows",
            record.id, record.name
        )));
    }
    parse_spec(&record.spec_toml)
}

/// The trials of a checked spec, within the size limit.
fn trials_of(spec: &ExperimentSpec) -> Result<Vec<TrialSpec>, ApiError> {
    spec.check().map_err(spec_error)?;
    spec.trials_within(max_trials()).map_err(spec_error)
}

/// An experiment as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentInfo {
    /// Its number.
    pub id: ExperimentId,
    /// Its spec's name (or the name MLflow clients gave it).
    pub name: String,
    /// Who runs its runs: Data Lab from a spec, or code outside through MLflow.
    pub origin: ExperimentOrigin,
    /// The snapshot its runs learn from.
    pub dataset_sha256: String,
    /// The project's dataset of that snapshot, when it has one (runs logged
    /// from outside learn from data Data Lab may not hold).
    pub dataset: Option<String>,
    /// Its spec, as TOML.
    pub spec_toml: String,
    /// When it was created.
    pub created_at: String,
    /// How many runs it has.
    pub runs: usize,
}

/// An experiment with its runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentDetail {
    /// The experiment.
    pub experiment: ExperimentInfo,
    /// Its runs, by trial.
    pub runs: Vec<RunInfo>,
}

/// What a run of an experiment's queue left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentOutcome {
    /// The experiment.
    pub experiment_id: ExperimentId,
    /// Its name.
    pub name: String,
    /// Every run of the experiment, as it is now.
    pub runs: Vec<RunInfo>,
}

fn info(
    project: &Project,
    e: datalab_project::ExperimentRecord,
) -> Result<ExperimentInfo, ApiError> {
    Ok(ExperimentInfo {
        runs: project.runs_of(e.id)?.len(),
        id: e.id,
        origin: e.origin,
        name: e.name,
        dataset: project
            .dataset_with_snapshot(&e.dataset_sha256)?
            .map(|d| d.fields.name),
        dataset_sha256: e.dataset_sha256,
        spec_toml: e.spec_toml,
        created_at: e.created_at,
    })
}

/// Checks `spec` against the project and its dataset, and records it as an
/// experiment with one queued run per trial; nothing runs yet.
pub fn create_experiment(
    project: &Project,
    spec: &ExperimentSpec,
) -> Result<ExperimentDetail, ApiError> {
    if !spec.datasets.is_empty() {
        return Err(ApiError::invalid_field(
            "datasets",
            "a spec with [[datasets]] runs one experiment per dataset: run it with `datalab run SPEC` (run_study)",
        ));
    }
    let trials = trials_of(spec)?;
    let data = ExperimentData::load(project, spec)?;
    // The folds must fit the rows (5 folds of 3 rows cannot): refused now, not in every run.
    datalab_ml::trial::test_rows(
        &data.prepared.features,
        &data.prepared.target,
        spec.validation,
        spec.seed,
    )
    .map_err(|e| {
        let field = match spec.validation {
            datalab_ml::validation::Validation::KFold { .. } => "validation.folds",
            datalab_ml::validation::Validation::Holdout { .. } => "validation.test_fraction",
        };
        ApiError::invalid_field(field, format!("spec: {field}: {e}"))
    })?;
    let spec_toml = spec.to_toml().map_err(spec_error)?;
    let trial_rows: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            (
                t.model.clone(),
                serde_json::to_string(&t.params).unwrap_or_default(),
            )
        })
        .collect();
    let (experiment, _) = project.create_experiment(
        &spec.name,
        Some(data.dataset.id),
        &data.dataset.fields.snapshot_sha256,
        &spec_toml,
        &trial_rows,
    )?;
    let commands: Vec<String> = spec
        .models
        .iter()
        .filter(|m| m.command.is_some())
        .map(|m| m.model.clone())
        .collect();
    project.mark_command_runs(experiment.id, &commands)?;
    show_experiment(project, experiment.id)
}

/// An experiment of this spec, on the same data, with runs not finished
/// (queued, interrupted, cancelled): `datalab run --experiment N` resumes it.
pub fn resumable_experiment(
    project: &Project,
    spec: &ExperimentSpec,
) -> Result<Option<(ExperimentId, u64)>, ApiError> {
    let Ok(spec_toml) = spec.to_toml() else {
        return Ok(None);
    };
    let Ok(dataset) = project.find_dataset(&spec.dataset.name) else {
        return Ok(None);
    };
    for experiment in project.experiments()?.into_iter().rev() {
        if experiment.spec_toml != spec_toml
            || experiment.dataset_sha256 != dataset.fields.snapshot_sha256
        {
            continue;
        }
        let unfinished: u64 = project
            .run_counts(experiment.id)?
            .iter()
            .filter(|(status, _)| {
                matches!(
                    status,
                    RunStatus::Queued | RunStatus::Interrupted | RunStatus::Cancelled
                )
            })
            .map(|(_, count)| count)
            .sum();
        if unfinished > 0 {
            return Ok(Some((experiment.id, unfinished)));
        }
    }
    Ok(None)
}

/// Creates an experiment from `spec` and runs every trial: see [`run_queued`].
pub fn run_experiment(
    project: &Project,
    spec: &ExperimentSpec,
    parallelism: Option<usize>,
    jobs: &JobContext<'_>,
) -> Result<ExperimentOutcome, ApiError> {
    let detail = create_experiment(project, spec)?;
    run_queued(project, detail.experiment.id, parallelism, jobs)
}

/// Runs an experiment's unfinished runs as one job: the queued ones, and
/// those a cancel or a dead process stopped (they resume from their
/// finished folds). `parallelism` trials at a time (None: the spec's; 0:
/// one per core). Several jobs may run one experiment at once: they share
/// its queue. The dataset must still hold the experiment's snapshot.
pub fn run_queued(
    project: &Project,
    experiment: ExperimentId,
    parallelism: Option<usize>,
    jobs: &JobContext<'_>,
) -> Result<ExperimentOutcome, ApiError> {
    let record = project.experiment(experiment)?;
    let spec = spec_of(&record)?;
    let trials = spec.trials().map_err(spec_error)?;
    let data = ExperimentData::load(project, &spec)?;
    if data.dataset.fields.snapshot_sha256 != record.dataset_sha256 {
        return Err(ApiError::invalid(format!(
            "dataset '{}' changed since experiment {experiment} was created (snapshot {}, now {}): \
             create a new experiment from its spec",
            spec.dataset.name, record.dataset_sha256, data.dataset.fields.snapshot_sha256
        )));
    }
    // A stopped sweep resumes where it stopped.
    datalab_lab::recovery::recover(project)?;
    project.requeue_runs(experiment, &[RunStatus::Interrupted, RunStatus::Cancelled])?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = match parallelism.unwrap_or(spec.parallelism) {
        0 => cores,
        n => n,
    };
    let commands: Vec<_> = spec
        .models
        .iter()
        .filter(|m| m.command.is_some())
        .cloned()
        .collect();
    // Command trials log through MLflow: a tracking server on this project
    // for the sweep's length, on a free loopback port, behind a fresh token.
    let tracking = if commands.is_empty() {
        None
    } else {
        let token = datalab_tracking::new_token().map_err(|e| {
            ApiError::io(format!(
                "no random token for the trials' tracking server: {e}"
            ))
        })?;
        Some(
            datalab_tracking::BackgroundTracking::start(datalab_tracking::TrackingOptions {
                project: project.root().to_path_buf(),
                port: 0,
                auth: datalab_tracking::Auth::Token(token),
            })
            .map_err(|e| ApiError::io(format!("cannot start the trials' tracking server: {e}")))?,
        )
    };
    let sweep = Sweep {
        experiment: record.clone(),
        trials,
        features: data.prepared.features,
        target: data.prepared.target,
        validation: spec.validation,
        seed: spec.seed,
        workers,
        adaptive: matches!(spec.search, datalab_ml::spec::Search::Tpe { .. }).then(|| spec.clone()),
        early_stop: spec.early_stop,
        threshold: spec.task.threshold.clone(),
        commands: tracking.as_ref().map(|server| CommandSetup {
            models: commands,
            tracking: TrackingEndpoint {
                uri: server.uri(),
                token: server.token.clone(),
            },
            dataset: crate::datasets::snapshot_path(project, &record.dataset_sha256),
            project_root: project.root().to_path_buf(),
        }),
    };
    let label = format!("experiment {experiment} · {}", record.name);
    let spec = JobSpec::new(JobKind::Experiment, label).on_experiment(experiment);
    jobs.run(project, spec, |job| {
        let ended = sweep.run(project, job)?;
        let runs: Vec<RunInfo> = ended
            .iter()
            .filter_map(|&id| project.run(id).ok())
            .map(RunInfo::from)
            .collect();
        let tally = RunTally::of(&runs);
        if job.cancelled() {
            job.end_as(JobStatus::Cancelled, None);
        } else if tally.all_failed() {
            job.end_as(
                JobStatus::Failed,
                Some(format!("all {} runs failed", tally.failed)),
            );
        }
        Ok(())
    })?;
    Ok(ExperimentOutcome {
        experiment_id: experiment,
        name: record.name,
        runs: project
            .runs_of(experiment)?
            .into_iter()
            .map(RunInfo::from)
            .collect(),
    })
}

/// Every experiment of the project.
pub fn list_experiments(project: &Project) -> Result<Vec<ExperimentInfo>, ApiError> {
    project
        .experiments()?
        .into_iter()
        .map(|e| info(project, e))
        .collect()
}

/// An experiment with its runs.
pub fn show_experiment(project: &Project, id: ExperimentId) -> Result<ExperimentDetail, ApiError> {
    let record = project.experiment(id)?;
    let runs: Vec<RunInfo> = project
        .runs_of(id)?
        .into_iter()
        .map(RunInfo::from)
        .collect();
    Ok(ExperimentDetail {
        experiment: ExperimentInfo {
            runs: runs.len(),
            ..info(project, record)?
        },
        runs,
    })
}

/// Cancels runs, from any process: queued ones at once, running ones within
/// a second or so (keeping their finished folds). Returns how many runs were
/// affected. A run whose job is gone is recovered as interrupted.
pub fn cancel_runs(
    project: &Project,
    experiment: Option<ExperimentId>,
    runs: &[RunId],
) -> Result<usize, ApiError> {
    if experiment.is_none() && runs.is_empty() {
        return Err(ApiError::invalid(
            "name the runs to cancel, or --experiment ID",
        ));
    }
    let affected = project.request_cancel(experiment, runs)?;
    datalab_lab::recovery::recover(project)?;
    Ok(affected)
}

/// `Err` with [`ErrorCode::Failed`] when every run of `outcome` failed.
pub fn every_run_failed(outcome: &ExperimentOutcome) -> Option<ApiError> {
    let tally = RunTally::of(&outcome.runs);
    tally.all_failed().then(|| {
        ApiError::new(
            ErrorCode::Failed,
            format!(
                "every run of experiment {} failed ({} runs): see `datalab runs show ID` for why",
                outcome.experiment_id, tally.failed
            ),
        )
    })
}
