//! Project operations: create, open, describe.

use crate::error::ApiError;
use datalab_project::Project;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a project is, at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProjectSummary {
    pub root: PathBuf,
    pub database: PathBuf,
    pub schema_version: i64,
    pub created_at: Option<String>,
    pub datasets: usize,
}

/// Creates a project folder with its database.
pub fn init_project(dir: &Path) -> Result<(Project, ProjectSummary), ApiError> {
    let project = Project::create(dir)?;
    let summary = project_summary(&project)?;
    Ok((project, summary))
}

/// Opens the project whose root is `dir`.
/// Runs left `running` by a process that died are marked `interrupted`.
pub fn open_project(dir: &Path) -> Result<Project, ApiError> {
    let project = Project::open(dir)?;
    crate::experiments::recover_interrupted_runs(&project)?;
    crate::vendors::recover_interrupted_evaluations(&project)?;
    Ok(project)
}

/// Opens the project containing `start` (it or a parent folder).
pub fn discover_project(start: &Path) -> Result<Project, ApiError> {
    let project = Project::discover(start)?;
    crate::experiments::recover_interrupted_runs(&project)?;
    crate::vendors::recover_interrupted_evaluations(&project)?;
    Ok(project)
}

pub fn project_summary(project: &Project) -> Result<ProjectSummary, ApiError> {
    Ok(ProjectSummary {
        root: project.root().to_path_buf(),
        database: project.database_path().to_path_buf(),
        schema_version: project.schema_version()?,
        created_at: project.meta("created_at")?,
        datasets: project.datasets()?.len(),
    })
}
