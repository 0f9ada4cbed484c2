//! The demo project: the sample datasets from `assets/datasets`, built into
//! the binary so `datalab demo` works wherever the binary is.

use crate::datasets::{DatasetInfo, ImportRequest, import_dataset};
use crate::error::{ApiError, ErrorCode};
use crate::jobs::JobContext;
use crate::project::{ProjectSummary, project_summary};
use datalab_data::ImportOptions;
use datalab_project::Project;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The sample files: name and bytes.
pub const SAMPLE_DATASETS: &[(&str, &[u8])] = &[
    (
        "iris.csv",
        include_bytes!("../../../assets/datasets/iris.csv"),
    ),
    (
        "penguins.csv",
        include_bytes!("../../../assets/datasets/penguins.csv"),
    ),
    (
        "winequality-red.csv",
        include_bytes!("../../../assets/datasets/winequality-red.csv"),
    ),
    (
        "diabetes.csv",
        include_bytes!("../../../assets/datasets/diabetes.csv"),
    ),
    (
        "sms_spam.csv",
        include_bytes!("../../../assets/datasets/sms_spam.csv"),
    ),
];

/// The demo project made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DemoOutcome {
    /// The project.
    pub project: ProjectSummary,
    /// Its sample datasets.
    pub datasets: Vec<DatasetInfo>,
    /// False when the demo project existed already and was reused.
    pub created: bool,
}

/// Creates (or completes) the demo project in `dir`: the sample files are
/// written to `dir/samples/` and imported. Running it again changes nothing.
pub fn create_demo(dir: &Path, jobs: &JobContext<'_>) -> Result<(Project, DemoOutcome), ApiError> {
    // Opened like any project, so runs a dead process left are marked interrupted.
    let (project, created) = match crate::project::open_project(dir) {
        Ok(project) => (project, false),
        Err(e) if e.code == ErrorCode::NotAProject => (Project::create(dir)?, true),
        Err(other) => return Err(other),
    };
    let samples = project.root().join("samples");
    std::fs::create_dir_all(&samples)
        .map_err(|e| ApiError::io(format!("cannot create {}: {e}", samples.display())))?;
    let mut datasets = Vec::new();
    for (file, bytes) in SAMPLE_DATASETS {
        let path = samples.join(file);
        if std::fs::read(&path).ok().as_deref() != Some(*bytes) {
            std::fs::write(&path, bytes)
                .map_err(|e| ApiError::io(format!("cannot write {}: {e}", path.display())))?;
        }
        let request = ImportRequest {
            path,
            name: None,
            options: ImportOptions::default(),
        };
        datasets.push(import_dataset(&project, &request, jobs)?.dataset);
    }
    let summary = project_summary(&project)?;
    Ok((
        project,
        DemoOutcome {
            project: summary,
            datasets,
            created,
        },
    ))
}
