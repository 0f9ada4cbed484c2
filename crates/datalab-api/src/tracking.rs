//! The MLflow tracking server a transport runs for its session's project
//! while it runs (the desktop app, `datalab ui --serve`), so a notebook can
//! log into the project that is open: started when first asked for, on
//! port 5000 when it is free, moved when the session opens another project.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::JobContext;
use datalab_lab::JobSpec;
use datalab_project::JobKind;
use datalab_project::Project;
use datalab_tracking::import::{ImportError, ImportObserver};
use datalab_tracking::{Auth, BackgroundTracking, TrackingOptions};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;

/// The port MLflow's own server uses, and so what notebooks often name.
const PREFERRED_PORT: u16 = 5000;

/// A transport's tracking server: none until asked for.
#[derive(Debug, Default)]
pub struct TrackingService {
    running: Mutex<Option<(PathBuf, BackgroundTracking)>>,
}

/// Where code outside logs into the open project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TrackingInfo {
    /// `MLFLOW_TRACKING_URI`.
    pub uri: String,
    /// `MLFLOW_TRACKING_TOKEN`: random for each start of the app.
    pub token: String,
    /// The project runs land in.
    pub project: String,
}

/// The tracking server for the session's project (started, or moved to it).
pub fn tracking_info(
    service: &TrackingService,
    project: &Project,
) -> Result<TrackingInfo, ApiError> {
    let root = project.root().to_path_buf();
    let mut running = service
        .running
        .lock()
        .map_err(|_| ApiError::internal("the tracking server's state is poisoned"))?;
    if running
        .as_ref()
        .is_some_and(|(serving, _)| *serving != root)
    {
        // Another project was opened: the old server stops first, freeing its port.
        *running = None;
    }
    if running.is_none() {
        let token = datalab_tracking::new_token()
            .map_err(|e| ApiError::io(format!("no random token for the tracking server: {e}")))?;
        let start = |port| {
            BackgroundTracking::start(TrackingOptions {
                project: root.clone(),
                port,
                auth: Auth::Token(token.clone()),
            })
        };
        let server = start(PREFERRED_PORT)
            .or_else(|_| start(0))
            .map_err(|e| ApiError::io(format!("cannot start the MLflow tracking server: {e}")))?;
        *running = Some((root.clone(), server));
    }
    let (_, server) = running
        .as_ref()
        .ok_or_else(|| ApiError::internal("the tracking server did not start"))?;
    Ok(TrackingInfo {
        uri: server.uri(),
        token: server.token.clone().unwrap_or_default(),
        project: root.display().to_string(),
    })
}

/// Experiments to copy from an MLflow tracking server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportMlflowRequest {
    /// The server's tracking URI (`http://host:5000`). Its credentials come
    /// from this process's `MLFLOW_TRACKING_TOKEN` (or `_USERNAME` and
    /// `_PASSWORD`), as its clients take them; never stored.
    pub from: String,
    /// The experiments, by name (none: every active one).
    #[serde(default)]
    pub experiments: Vec<String>,
}

/// What an import brought over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportMlflowOutcome {
    /// Experiments imported into (new, or of the same name logged from outside).
    pub experiments: usize,
    /// Runs copied.
    pub runs: usize,
    /// Runs imported by an earlier import, left as they were.
    pub skipped: usize,
    /// Params copied.
    pub params: usize,
    /// Metric points copied (every step of every history).
    pub metric_points: usize,
    /// Artifact files copied.
    pub artifacts: usize,
    /// Their bytes.
    pub artifact_bytes: u64,
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> ApiError {
        let message = error.to_string();
        match error {
            ImportError::Unreachable { .. } | ImportError::Write { .. } => ApiError::io(message),
            ImportError::Unauthorized { .. } => ApiError::invalid_field("from", message),
            ImportError::Refused { .. } => ApiError::new(ErrorCode::Failed, message),
            ImportError::NoExperiment(_) => {
                ApiError::new(ErrorCode::NotFound, message).on_field("experiments")
            }
            ImportError::Cancelled => ApiError::new(ErrorCode::Cancelled, message),
            ImportError::Project(e) => e.into(),
        }
    }
}

struct JobObserver<'a, 'b>(&'a datalab_lab::Job<'b>);

impl ImportObserver for JobObserver<'_, '_> {
    fn progress(&self, stage: &str, done: u64, total: u64) {
        self.0.report(stage, done, total);
    }

    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// Copies experiments, runs, params, tags, metric histories and artifacts
/// from an MLflow tracking server into the project, as a job. Importing
/// again skips the runs already here.
pub fn import_mlflow(
    project: &Project,
    request: &ImportMlflowRequest,
    jobs: &JobContext<'_>,
) -> Result<ImportMlflowOutcome, ApiError> {
    let from = request.from.trim();
    if !(from.starts_with("http://") || from.starts_with("https://")) {
        return Err(ApiError::invalid_field(
            "from",
            format!("'{from}' is not an MLflow tracking URI: give http://host:port"),
        ));
    }
    let label = format!("import from MLflow at {from}");
    jobs.run(project, JobSpec::new(JobKind::MlflowImport, label), |job| {
        let tally = datalab_tracking::import::import(
            project,
            from,
            &request.experiments,
            &JobObserver(job),
        )?;
        Ok(ImportMlflowOutcome {
            experiments: tally.experiments,
            runs: tally.runs,
            skipped: tally.skipped,
            params: tally.params,
            metric_points: tally.metric_points,
            artifacts: tally.artifacts,
            artifact_bytes: tally.artifact_bytes,
        })
    })
}
