//! The MLflow tracking server a transport runs for its session's project
//! while it runs (the desktop app, `datalab ui --serve`), so a notebook can
//! log into the project that is open: started when first asked for, on
//! port 5000 when it is free, moved when the session opens another project.

use crate::error::ApiError;
use datalab_project::Project;
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
