//! An experiment's test rows as a vendor receives them: the same rows and
//! folds its local runs are tested on, as JSON values by column, with the
//! truth to score the answers against.

use crate::data::ExperimentData;
use crate::error::LabError;
use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::spec::ExperimentSpec;
use datalab_ml::trial::TargetColumn;
use datalab_project::{ExperimentId, Project};
use datalab_vendors::{Column, Expected, Rows};

/// An experiment's rows for vendors, with the truth and each fold's test rows.
#[derive(Debug)]
pub struct TestRows {
    /// Every row of the experiment (after rows without a target are left out).
    pub rows: Rows,
    pub expected: Expected,
    pub target: TargetColumn,
    /// The test rows of each fold, as the runs' folds are.
    pub folds: Vec<Vec<usize>>,
    /// The feature columns, for predicting with a local model.
    pub features: Vec<InputColumn>,
}

fn json_value(values: &ColumnValues, row: usize) -> serde_json::Value {
    match values {
        ColumnValues::Numbers(v) => v[row].map_or(serde_json::Value::Null, |x| {
            serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
        }),
        ColumnValues::Texts(v) => v[row]
            .clone()
            .map_or(serde_json::Value::Null, serde_json::Value::String),
    }
}

impl TestRows {
    /// The test rows of `experiment`, read from its dataset as its spec says.
    pub fn of_experiment(
        project: &Project,
        experiment: ExperimentId,
    ) -> Result<TestRows, LabError> {
        let record = project.experiment(experiment)?;
        if record.origin == datalab_project::ExperimentOrigin::Tracking {
            return Err(LabError::invalid(format!(
                "experiment {experiment} holds runs logged through MLflow: it has no spec, so no \
                 test rows to send a vendor"
            )));
        }
        let spec = ExperimentSpec::from_toml(&record.spec_toml)
            .map_err(|e| LabError::Internal(format!("experiment {experiment}'s spec: {e}")))?;
        let data = ExperimentData::load(project, &spec)?;
        let (features, target) = (data.prepared.features, data.prepared.target);
        let expected = match &target {
            TargetColumn::Classes { labels, .. } => Expected::Labels(labels.clone()),
            TargetColumn::Numbers(_) => Expected::Number,
            TargetColumn::None => {
                return Err(LabError::invalid(format!(
                    "experiment {experiment} is clustering: vendors are compared on classification and regression"
                )));
            }
        };
        let folds = datalab_ml::trial::test_rows(&features, &target, spec.validation, spec.seed)
            .map_err(|e| LabError::invalid_field("validation", e.to_string()))?;
        let count = features.first().map_or(0, |c| c.values.len());
        let columns = features
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                numeric: matches!(c.values, ColumnValues::Numbers(_)),
            })
            .collect();
        let values = (0..count)
            .map(|row| {
                features
                    .iter()
                    .map(|c| json_value(&c.values, row))
                    .collect()
            })
            .collect();
        Ok(TestRows {
            rows: Rows { columns, values },
            expected,
            target,
            folds,
            features,
        })
    }

    /// The rows to send, in fold order: every row of a k-fold, the test
    /// part of a holdout; each once.
    pub fn to_send(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self.folds.iter().flatten().copied().collect();
        let mut seen = vec![false; self.rows.values.len()];
        rows.retain(|&r| r < seen.len() && !std::mem::replace(&mut seen[r], true));
        rows
    }

    /// The rows `picked`, in that order.
    pub fn subset(&self, picked: &[usize]) -> Rows {
        Rows {
            columns: self.rows.columns.clone(),
            values: picked
                .iter()
                .filter_map(|&r| self.rows.values.get(r).cloned())
                .collect(),
        }
    }

    /// The true answer of `row`, as text.
    pub fn truth(&self, row: usize) -> Option<String> {
        match &self.target {
            TargetColumn::Classes { labels, values } => values.get(row).map(|&v| labels[v].clone()),
            TargetColumn::Numbers(values) => values.get(row).map(|v| format!("{v}")),
            TargetColumn::None => None,
        }
    }

    /// The first row an evaluation sends, by column name.
    pub fn first_row(&self) -> Option<Vec<(String, serde_json::Value)>> {
        let row = *self.to_send().first()?;
        Some(
            self.rows
                .column_names()
                .into_iter()
                .zip(self.rows.values[row].iter().cloned())
                .collect(),
        )
    }

    /// One row as input columns, for a local model.
    pub fn row_columns(&self, row: usize) -> Vec<InputColumn> {
        self.features
            .iter()
            .map(|c| InputColumn {
                name: c.name.clone(),
                values: c.values.pick(&[row]),
            })
            .collect()
    }
}
