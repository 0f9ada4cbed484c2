//! Project operations: create, open, describe. Opening a project recovers
//! the jobs a dead process left (they become interrupted, their leftovers
//! are removed).

use crate::error::ApiError;
use datalab_project::Project;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a project is, at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProjectSummary {
    /// The project folder.
    pub root: PathBuf,
    /// Its database file.
    pub database: PathBuf,
    /// The database's schema version.
    pub schema_version: i64,
    /// When the project was created.
    pub created_at: Option<String>,
    /// How many datasets it holds.
    pub datasets: usize,
}

/// Creates a project folder with its database.
pub fn init_project(dir: &Path) -> Result<(Project, ProjectSummary), ApiError> {
    let project = Project::create(dir)?;
    let summary = project_summary(&project)?;
    Ok((project, summary))
}

/// Opens the project whose root is `dir`.
pub fn open_project(dir: &Path) -> Result<Project, ApiError> {
    let project = Project::open(dir)?;
    datalab_lab::recovery::recover(&project)?;
    Ok(project)
}

/// Opens the project containing `start` (it or a parent folder).
pub fn discover_project(start: &Path) -> Result<Project, ApiError> {
    let project = Project::discover(start)?;
    datalab_lab::recovery::recover(&project)?;
    Ok(project)
}

/// The project's folder, schema version, creation time and size.
pub fn project_summary(project: &Project) -> Result<ProjectSummary, ApiError> {
    Ok(ProjectSummary {
        root: project.root().to_path_buf(),
        database: project.database_path().to_path_buf(),
        schema_version: project.schema_version()?,
        created_at: project.meta("created_at")?,
        datasets: project.datasets()?.len(),
    })
}
