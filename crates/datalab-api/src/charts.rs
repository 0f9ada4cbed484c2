//! A run's charts, ready to draw: read from `runs/<id>/charts.json`, written
//! when the run finished; for runs recorded before that file existed,
//! computed from its evaluation. The maths is `datalab_ml::charts`.

use crate::error::ApiError;
use datalab_lab::RunFiles;
use datalab_ml::charts::{Charts, charts_of};
use datalab_ml::trial::FoldResult;
use datalab_project::{Project, RunId};
use serde::{Deserialize, Serialize};

/// A run's charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunCharts {
    /// The run.
    pub run: RunId,
    /// Its charts.
    #[serde(flatten)]
    pub charts: Charts,
}

#[derive(Deserialize)]
struct ModelLabels {
    #[serde(default)]
    labels: Option<Vec<String>>,
}

/// The charts of a run.
pub fn run_charts(project: &Project, run: RunId) -> Result<RunCharts, ApiError> {
    project.run(run)?;
    let files = RunFiles::of(project, run);
    if files.path(RunFiles::CHARTS).is_file() {
        return Ok(RunCharts {
            run,
            charts: files.read_json(RunFiles::CHARTS)?,
        });
    }
    let folds: Vec<FoldResult> = files.read_json(RunFiles::EVALUATION)?;
    let classes = files
        .read_json::<ModelLabels>(RunFiles::MODEL)
        .ok()
        .and_then(|m| m.labels)
        .unwrap_or_default();
    Ok(RunCharts {
        run,
        charts: charts_of(&folds, classes),
    })
}
