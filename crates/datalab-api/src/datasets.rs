//! Dataset operations: import, list, show, preview, profile, query, remove.
//! Imports and profiles run as jobs (progress, cancel from any window).

use crate::error::ApiError;
use crate::jobs::{DataProgress, JobContext};
use datalab_data::{
    ColumnSchema, DatasetProfile, ImportOptions, ImportResult, NewSnapshot, PROFILE_VERSION,
    PreviewRequest, Progress, QueryOutput, ScannedSource, Snapshot, snapshot_file_name,
};
use datalab_lab::JobSpec;
use datalab_project::{
    DatasetId, DatasetRecord, JobKind, NewDataset, Project, ProjectError, names,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A dataset as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatasetInfo {
    /// Its number in the project.
    pub id: DatasetId,
    /// Its name, by which specs and SQL name it.
    pub name: String,
    /// Rows in its snapshot.
    pub rows: u64,
    /// Its columns, with their types.
    pub columns: Vec<ColumnSchema>,
    /// The file it was imported from.
    pub source_path: String,
    /// That file's format (`csv`, `parquet`, ...).
    pub source_format: String,
    /// That file's SHA-256.
    pub source_sha256: String,
    /// That file's size.
    pub source_bytes: u64,
    /// The snapshot's content hash: also its file name under `datasets/`.
    pub snapshot_sha256: String,
    /// The snapshot's size.
    pub snapshot_bytes: u64,
    /// The options the import resolved (dialect, null markers, types).
    pub import_options: serde_json::Value,
    /// When it was imported.
    pub created_at: String,
}

impl DatasetInfo {
    fn from_record(record: DatasetRecord) -> Result<DatasetInfo, ApiError> {
        let fields = record.fields;
        let columns = serde_json::from_str(&fields.schema_json).map_err(|e| {
            ApiError::internal(format!(
                "dataset '{}' has an unreadable schema record: {e}",
                fields.name
            ))
        })?;
        Ok(DatasetInfo {
            id: record.id,
            name: fields.name,
            rows: fields.row_count,
            columns,
            source_path: fields.source_path,
            source_format: fields.source_format,
            source_sha256: fields.source_sha256,
            source_bytes: fields.source_bytes,
            snapshot_sha256: fields.snapshot_sha256,
            snapshot_bytes: fields.snapshot_bytes,
            import_options: serde_json::from_str(&fields.import_options)
                .unwrap_or(serde_json::Value::Null),
            created_at: record.created_at,
        })
    }
}

/// A file to import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportRequest {
    /// The file (CSV, TSV, Parquet, NDJSON or JSON).
    pub path: PathBuf,
    /// The dataset's name; by default the file's name without extension.
    #[serde(default)]
    pub name: Option<String>,
    /// How to read it (dialect, header, null markers, types), where the
    /// guesses are not wanted.
    #[serde(default)]
    pub options: ImportOptions,
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportOutcome {
    /// The dataset.
    pub dataset: DatasetInfo,
    /// True when the same file, with the same options, was imported before:
    /// nothing new was written and `dataset` is the earlier one.
    pub already_imported: bool,
    /// Its profile.
    pub profile: DatasetProfile,
    /// What the user should know about the data before using it.
    pub warnings: Vec<String>,
}

/// Warnings about a dataset's columns: row numbers written with the data.
fn warnings_of(project: &Project, record: &DatasetRecord) -> Vec<String> {
    let columns = datalab_lab::data::dataset_columns(record).unwrap_or_default();
    let path = snapshot_path(project, &record.fields.snapshot_sha256);
    datalab_data::row_index_columns(&path, &columns)
        .unwrap_or_default()
        .into_iter()
        .map(|name| {
            format!(
                "column '{name}' holds the row numbers (0, 1, 2, …) written with the data: \
                 experiments leave it out of their features unless a spec lists it, because \
                 on data sorted by class it gives the answer away"
            )
        })
        .collect()
}

pub(crate) fn snapshot_path(project: &Project, sha256: &str) -> PathBuf {
    project.datasets_dir().join(snapshot_file_name(sha256))
}

fn default_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "dataset".to_string())
}

/// Imports a file as a dataset, as a job: a snapshot, a record and its
/// profile. Importing the same file with the same options again returns the
/// earlier dataset. On any error, and when cancelled, nothing is left in
/// the project.
pub fn import_dataset(
    project: &Project,
    request: &ImportRequest,
    jobs: &JobContext<'_>,
) -> Result<ImportOutcome, ApiError> {
    match &request.name {
        Some(name) => names::check_dataset_name(name)?,
        // A name taken from the file's is checked as well: a file name may hold
        // newlines or escape sequences that would reach a terminal.
        None => names::check_dataset_name(&default_name(&request.path)).map_err(|e| {
            ApiError::from(e).with_hint("name the dataset yourself (`--name`, or the Name field)")
        })?,
    }
    let label = format!("import {}", request.path.display());
    jobs.run(project, JobSpec::new(JobKind::Import, label), |job| {
        let progress = DataProgress {
            job,
            operation: "import_dataset",
        };
        import_file(project, request, &progress)
    })
}

/// What an import would read, before it is made: for the import dialog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportPreview {
    /// The first rows as they will be read, with the dialect and types.
    pub source: datalab_data::SourcePreview,
    /// The name the dataset will have (the one asked for, or the file's).
    pub name: String,
    /// The dataset this file already is, with these options (importing it
    /// again writes nothing).
    pub already_imported: Option<String>,
    /// Another dataset has that name: a given name is refused, the file's
    /// name gets a number.
    pub name_taken: bool,
}

/// Reads the first rows of a file as `request` would import them, and says
/// whether it is imported already; writes nothing.
pub fn inspect_import(
    project: &Project,
    request: &ImportRequest,
) -> Result<ImportPreview, ApiError> {
    /// Rows shown.
    const ROWS: usize = 20;
    let source = datalab_data::preview_source(&request.path, &request.options, ROWS)?;
    let name = request
        .name
        .clone()
        .unwrap_or_else(|| default_name(&request.path));
    let scanned =
        datalab_data::prepare_import(&request.path, &request.options, &datalab_data::NoProgress)?;
    let already_imported = project
        .dataset_from_source(&scanned.sha256, &scanned.options_key())?
        .map(|record| record.fields.name);
    let name_taken =
        already_imported.as_deref() != Some(name.as_str()) && project.find_dataset(&name).is_ok();
    Ok(ImportPreview {
        source,
        name,
        already_imported,
        name_taken,
    })
}

fn import_file(
    project: &Project,
    request: &ImportRequest,
    progress: &dyn Progress,
) -> Result<ImportOutcome, ApiError> {
    let result = datalab_data::import_file(
        &request.path,
        &request.options,
        &project.datasets_dir(),
        progress,
        |source| -> Result<Option<DatasetRecord>, ApiError> {
            let existing = project.dataset_from_source(&source.sha256, &source.options_key())?;
            if let (None, Some(name)) = (&existing, &request.name) {
                // Refused before the conversion, which may take minutes on a large file.
                if project.find_dataset(name).is_ok() {
                    return Err(ProjectError::NameTaken {
                        kind: "dataset",
                        name: name.clone(),
                    }
                    .into());
                }
            }
            Ok(existing)
        },
    )?;
    let (source, snapshot, profile) = match result {
        ImportResult::Known(existing) => {
            let profile = profile_of(project, &existing, progress)?;
            let warnings = warnings_of(project, &existing);
            return Ok(ImportOutcome {
                dataset: DatasetInfo::from_record(existing)?,
                already_imported: true,
                profile,
                warnings,
            });
        }
        ImportResult::Imported(new) => {
            let NewSnapshot {
                source,
                snapshot,
                profile,
            } = *new;
            (source, snapshot, profile)
        }
    };
    let recorded = record_import(project, request, &source, &snapshot, &profile);
    match recorded {
        Ok(record) => {
            let mut warnings = warnings_of(project, &record);
            let wanted = default_name(&request.path);
            if request.name.is_none() && record.fields.name != wanted {
                warnings.insert(
                    0,
                    format!(
                        "a dataset named '{wanted}' holds another file, so this one is named '{}'",
                        record.fields.name
                    ),
                );
            }
            Ok(ImportOutcome {
                dataset: DatasetInfo::from_record(record)?,
                already_imported: false,
                profile,
                warnings,
            })
        }
        Err(error) => {
            forget_snapshot(project, &snapshot.sha256);
            Err(error)
        }
    }
}

/// Records an imported snapshot and its profile, or neither.
fn record_import(
    project: &Project,
    request: &ImportRequest,
    source: &ScannedSource,
    snapshot: &Snapshot,
    profile: &DatasetProfile,
) -> Result<DatasetRecord, ApiError> {
    let name = match &request.name {
        Some(name) => name.clone(),
        None => project.free_dataset_name(&default_name(&request.path))?,
    };
    let source_path = request
        .path
        .canonicalize()
        .unwrap_or_else(|_| request.path.clone());
    let internal = |e: serde_json::Error| ApiError::internal(e.to_string());
    let new = NewDataset {
        name,
        source_path: source_path.to_string_lossy().to_string(),
        source_format: source.format.as_str().to_string(),
        source_sha256: source.sha256.clone(),
        source_bytes: source.bytes,
        import_options: source.options_key(),
        snapshot_sha256: snapshot.sha256.clone(),
        snapshot_bytes: snapshot.bytes,
        row_count: snapshot.rows,
        column_count: snapshot.columns.len() as u64,
        schema_json: serde_json::to_string(&snapshot.columns).map_err(internal)?,
    };
    let profile_json = serde_json::to_string(profile).map_err(internal)?;
    Ok(project.insert_dataset_with_profile(
        &new,
        PROFILE_VERSION,
        &profile_json,
        profile.compute_ms,
    )?)
}

/// Removes a snapshot file unless a dataset still refers to it.
fn forget_snapshot(project: &Project, sha256: &str) {
    if let Ok(None) = project.dataset_with_snapshot(sha256) {
        let _ = std::fs::remove_file(snapshot_path(project, sha256));
    }
}

/// The cached profile, computing and caching it first if needed.
fn profile_of(
    project: &Project,
    record: &DatasetRecord,
    progress: &dyn Progress,
) -> Result<DatasetProfile, ApiError> {
    // An unreadable cached profile is recomputed rather than reported.
    let cached = project.cached_profile(record.id, PROFILE_VERSION)?;
    if let Some(profile) = cached.and_then(|json| serde_json::from_str(&json).ok()) {
        return Ok(profile);
    }
    let path = snapshot_path(project, &record.fields.snapshot_sha256);
    let profile = datalab_data::profile_snapshot(&path, progress)?;
    let json = serde_json::to_string(&profile).map_err(|e| ApiError::internal(e.to_string()))?;
    project.save_profile(record.id, PROFILE_VERSION, &json, profile.compute_ms)?;
    Ok(profile)
}

/// Every dataset of the project.
pub fn list_datasets(project: &Project) -> Result<Vec<DatasetInfo>, ApiError> {
    project
        .datasets()?
        .into_iter()
        .map(DatasetInfo::from_record)
        .collect()
}

/// One dataset, by name or id.
pub fn show_dataset(project: &Project, dataset: &str) -> Result<DatasetInfo, ApiError> {
    DatasetInfo::from_record(project.find_dataset(dataset)?)
}

/// The profile of a dataset (computed once, as a job, then read from the cache).
pub fn profile_dataset(
    project: &Project,
    dataset: &str,
    jobs: &JobContext<'_>,
) -> Result<DatasetProfile, ApiError> {
    let record = project.find_dataset(dataset)?;
    let cached = project.cached_profile(record.id, PROFILE_VERSION)?;
    if let Some(profile) = cached.and_then(|json| serde_json::from_str(&json).ok()) {
        return Ok(profile);
    }
    let label = format!("profile {}", record.fields.name);
    jobs.run(project, JobSpec::new(JobKind::Profile, label), |job| {
        let progress = DataProgress {
            job,
            operation: "profile_dataset",
        };
        profile_of(project, &record, &progress)
    })
}

/// What a column is good for in an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ColumnSuggestion {
    /// The column's name.
    pub name: String,
    /// Its type.
    pub kind: datalab_data::ColumnKind,
    /// The tasks it can be the target of (none: not a target).
    pub targets: Vec<datalab_ml::catalog::Task>,
    /// Whether it is a feature by default.
    pub feature: bool,
    /// Why it is not a feature or a target by default, in words.
    pub note: Option<String>,
}

/// A dataset's columns as an experiment form offers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentSuggestion {
    /// The dataset, by name.
    pub dataset: String,
    /// Rows in its snapshot.
    pub rows: u64,
    /// Every column, in order.
    pub columns: Vec<ColumnSuggestion>,
}

/// Which columns of a dataset can be targets, and which are features by
/// default (not row numbers, not identifiers), from its profile.
pub fn suggest_experiment(
    project: &Project,
    dataset: &str,
    jobs: &JobContext<'_>,
) -> Result<ExperimentSuggestion, ApiError> {
    use datalab_ml::prepare::{ColumnFacts, ValueKind, is_identifier, target_tasks};
    let record = project.find_dataset(dataset)?;
    let profile = profile_dataset(project, dataset, jobs)?;
    let schema = datalab_lab::data::dataset_columns(&record).unwrap_or_default();
    let path = snapshot_path(project, &record.fields.snapshot_sha256);
    let row_index = datalab_data::row_index_columns(&path, &schema).unwrap_or_default();
    let columns = profile
        .columns
        .iter()
        .map(|column| {
            use datalab_data::ColumnKind as K;
            let facts = ColumnFacts {
                kind: match column.kind {
                    K::Integer => ValueKind::Number { whole: true },
                    K::Float => ValueKind::Number { whole: false },
                    K::Text | K::Categorical => ValueKind::Text,
                    K::Boolean => ValueKind::Boolean,
                    _ => ValueKind::Other,
                },
                rows: profile.rows,
                present: column.count,
                distinct: if column.distinct.exact {
                    column.distinct.count
                } else {
                    // An estimate is never taken for every row being unique.
                    column.distinct.count.min(profile.rows.saturating_sub(1))
                },
            };
            let (feature, note) = if row_index.contains(&column.name) {
                (
                    false,
                    Some("row numbers written with the data: as a feature they leak the row order".into()),
                )
            } else if is_identifier(&facts) {
                (
                    false,
                    Some("a different value on every row (an id?): as a feature it lets a model tell rows apart instead of learning".into()),
                )
            } else {
                (true, None)
            };
            ColumnSuggestion {
                name: column.name.clone(),
                kind: column.kind,
                targets: target_tasks(&facts),
                feature,
                note,
            }
        })
        .collect();
    Ok(ExperimentSuggestion {
        dataset: record.fields.name.clone(),
        rows: profile.rows,
        columns,
    })
}

/// A page of a dataset's rows to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PreviewDatasetRequest {
    /// The dataset, by name.
    pub dataset: String,
    /// Offset, limit, sort and filters.
    #[serde(flatten)]
    pub page: PreviewRequest,
}

/// A page of a dataset's rows.
pub fn preview_dataset(
    project: &Project,
    request: &PreviewDatasetRequest,
) -> Result<QueryOutput, ApiError> {
    let record = project.find_dataset(&request.dataset)?;
    let path = snapshot_path(project, &record.fields.snapshot_sha256);
    Ok(datalab_data::preview_snapshot(&path, &request.page)?)
}

/// SQL to run over the datasets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct QueryRequest {
    /// SQL over the project's datasets, each a table named as the dataset.
    pub sql: String,
    /// The most rows to answer.
    pub limit: usize,
}

/// Runs SQL over the project's datasets.
pub fn query_datasets(project: &Project, request: &QueryRequest) -> Result<QueryOutput, ApiError> {
    let tables: Vec<(String, PathBuf)> = project
        .datasets()?
        .into_iter()
        .map(|r| {
            let path = snapshot_path(project, &r.fields.snapshot_sha256);
            (r.fields.name, path)
        })
        .collect();
    Ok(datalab_data::query_snapshots(
        &tables,
        &request.sql,
        request.limit,
    )?)
}

/// Removes a dataset: its record, its cached profile and, unless another
/// dataset shares it, its snapshot file.
pub fn remove_dataset(project: &Project, dataset: &str) -> Result<DatasetInfo, ApiError> {
    let record = project.find_dataset(dataset)?;
    let sha = record.fields.snapshot_sha256.clone();
    let info = DatasetInfo::from_record(record.clone())?;
    let shared = project.delete_dataset(record.id)?;
    if !shared {
        let path = snapshot_path(project, &sha);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ApiError::io(format!(
                    "dataset '{}' was removed, but its snapshot {} could not be deleted: {e}",
                    info.name,
                    path.display()
                )));
            }
        }
    }
    Ok(info)
}
