//! An experiment's data: the columns of its dataset's snapshot that its
//! spec uses, prepared for its task (rows without a target left out), the
//! same for its runs, its vendor evaluations and its registered models.

use crate::error::LabError;
use datalab_data::{ColumnData, ColumnSchema, snapshot_file_name};
use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::prepare::{self, Prepared};
use datalab_ml::spec::ExperimentSpec;
use datalab_project::{DatasetRecord, Project};

/// An experiment's data, ready for trials.
#[derive(Debug)]
pub struct ExperimentData {
    pub dataset: DatasetRecord,
    pub prepared: Prepared,
}

fn values(data: ColumnData) -> ColumnValues {
    match data {
        ColumnData::Numbers(v) => ColumnValues::Numbers(v),
        ColumnData::Texts(v) => ColumnValues::Texts(v),
    }
}

/// The columns of a dataset, as its record keeps their schema.
pub fn dataset_columns(dataset: &DatasetRecord) -> Result<Vec<ColumnSchema>, LabError> {
    serde_json::from_str(&dataset.fields.schema_json).map_err(|e| {
        LabError::Internal(format!(
            "dataset '{}' has an unreadable schema record: {e}",
            dataset.fields.name
        ))
    })
}

/// The columns a caller of a model trained on `spec` sends: the spec's
/// features, before one-hot encoding or TF-IDF. `dataset`'s row-number
/// columns are left out unless the spec lists them.
pub fn input_columns(
    project: &Project,
    dataset: &DatasetRecord,
    spec: &ExperimentSpec,
) -> Result<Vec<String>, LabError> {
    let columns = dataset_columns(dataset)?;
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let row_index = if spec.task.features.is_empty() {
        datalab_data::row_index_columns(&snapshot_path(project, dataset), &columns)?
    } else {
        Vec::new()
    };
    Ok(prepare::feature_columns(
        &names,
        spec.task.target.as_deref(),
        &spec.task.features,
        &row_index,
    )?)
}

/// Where `dataset`'s snapshot is.
pub fn snapshot_path(project: &Project, dataset: &DatasetRecord) -> std::path::PathBuf {
    project
        .datasets_dir()
        .join(snapshot_file_name(&dataset.fields.snapshot_sha256))
}

impl ExperimentData {
    /// Reads the spec's columns from its dataset's snapshot and prepares
    /// them. A spec that names a snapshot (`dataset.sha256`) is refused
    /// against other data.
    pub fn load(project: &Project, spec: &ExperimentSpec) -> Result<ExperimentData, LabError> {
        let dataset = project.find_dataset(&spec.dataset.name)?;
        if let Some(expected) = spec
            .dataset
            .sha256
            .as_ref()
            .filter(|expected| **expected != dataset.fields.snapshot_sha256)
        {
            return Err(LabError::invalid_field(
                "dataset.sha256",
                format!(
                    "the spec wants dataset '{}' with snapshot {expected}, but the project's has {}: \
                     import the same data, or remove dataset.sha256 from the spec",
                    spec.dataset.name, dataset.fields.snapshot_sha256
                ),
            ));
        }
        let features = input_columns(project, &dataset, spec)?;
        let target = spec.task.target.clone();
        let mut names = features.clone();
        names.extend(target.iter().cloned());
        let path = snapshot_path(project, &dataset);
        let mut loaded = datalab_data::load_columns(&path, &names)?;
        let target_column = target
            .as_ref()
            .and_then(|_| loaded.pop())
            .map(|(name, data)| InputColumn {
                name,
                values: values(data),
            });
        let features = loaded
            .into_iter()
            .map(|(name, data)| InputColumn {
                name,
                values: values(data),
            })
            .collect();
        let prepared = prepare::prepare(spec.task.kind, features, target_column)?;
        Ok(ExperimentData { dataset, prepared })
    }
}
