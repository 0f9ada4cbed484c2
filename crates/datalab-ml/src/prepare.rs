//! From a dataset's columns to what a trial learns from: which columns are
//! the features, and the target prepared for the task (classes as sorted
//! labels, numbers for regression), with the rows that have no target left
//! out. The API loads the columns; the rules are here, so a run, a vendor
//! evaluation and a registered model's input schema all agree on them.

use crate::catalog::Task;
use crate::features::{ColumnValues, InputColumn};
use crate::trial::TargetColumn;

/// The most classes a classification target may have: more looks like a
/// regression target or an id column.
pub const MAX_CLASSES: usize = 1_000;

/// Why a spec's columns cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    #[error("no feature columns: list some in task.features")]
    NoFeatures,
    #[error("'{0}' is the target; it cannot also be a feature")]
    TargetIsFeature(String),
    #[error("feature '{0}' is listed twice in task.features")]
    DuplicateFeature(String),
    #[error("this task needs a target column: set task.target")]
    NoTarget,
    #[error("target '{0}' holds text; regression needs a numeric target (or use classification)")]
    TextTarget(String),
    #[error("target '{0}' has fewer than two classes: nothing to classify")]
    OneClass(String),
    #[error(
        "target '{name}' has {classes} distinct values: that looks like a regression target, not classes"
    )]
    TooManyClasses { name: String, classes: usize },
}

impl PrepareError {
    /// The spec field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PrepareError::NoFeatures
            | PrepareError::TargetIsFeature(_)
            | PrepareError::DuplicateFeature(_) => "task.features",
            _ => "task.target",
        }
    }
}

/// The feature columns of a spec: the ones it lists, or every column but
/// the target and the `row_index` columns (row numbers written with the
/// data, which leak the row order) when it lists none.
pub fn feature_columns(
    columns: &[String],
    target: Option<&str>,
    listed: &[String],
    row_index: &[String],
) -> Result<Vec<String>, PrepareError> {
    let features: Vec<String> = if listed.is_empty() {
        columns
            .iter()
            .filter(|name| Some(name.as_str()) != target && !row_index.contains(name))
            .cloned()
            .collect()
    } else {
        listed.to_vec()
    };
    if features.is_empty() {
        return Err(PrepareError::NoFeatures);
    }
    if let Some(t) = target.filter(|t| features.iter().any(|f| f == t)) {
        return Err(PrepareError::TargetIsFeature(t.to_string()));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = features.iter().find(|f| !seen.insert(f.as_str())) {
        return Err(PrepareError::DuplicateFeature(twice.clone()));
    }
    Ok(features)
}

/// Values beyond which a column is not suggested as a classification target
/// (a spec may still name it, up to [`MAX_CLASSES`]).
pub const SUGGESTED_CLASSES: u64 = 100;

/// What a column holds, as far as choosing targets and features goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Numbers; `whole` when every one is an integer.
    Number {
        whole: bool,
    },
    Text,
    Boolean,
    /// Dates, times and the rest: neither a target nor an identifier.
    Other,
}

/// The facts about a column the suggestions below are made from (its
/// profile's counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnFacts {
    pub kind: ValueKind,
    pub rows: u64,
    /// Rows with a value.
    pub present: u64,
    pub distinct: u64,
}

/// Whether a column holds a value of its own on every row (a customer id, an
/// order number): as a feature it lets a model tell rows apart instead of
/// learning anything, so it is not suggested as one. Numbers with fractions
/// are measurements, not ids.
pub fn is_identifier(column: &ColumnFacts) -> bool {
    matches!(
        column.kind,
        ValueKind::Number { whole: true } | ValueKind::Text
    ) && column.rows >= 20
        && column.present == column.rows
        && column.distinct == column.rows
}

/// The tasks a column can be the target of: regression for numbers;
/// classification for text, booleans and whole numbers with at most
/// [`SUGGESTED_CLASSES`] values (other numbers with at most 20). A column with
/// one value, or an identifier, is no target.
pub fn target_tasks(column: &ColumnFacts) -> Vec<Task> {
    if column.distinct < 2 || is_identifier(column) {
        return Vec::new();
    }
    let mut tasks = Vec::new();
    if matches!(column.kind, ValueKind::Number { .. }) {
        tasks.push(Task::Regression);
    }
    let classes = match column.kind {
        ValueKind::Text | ValueKind::Boolean | ValueKind::Number { whole: true } => {
            SUGGESTED_CLASSES
        }
        ValueKind::Number { whole: false } => 20,
        ValueKind::Other => 0,
    };
    if column.distinct <= classes {
        tasks.insert(0, Task::Classification);
    }
    tasks
}

/// An experiment's data, ready for trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub features: Vec<InputColumn>,
    pub target: TargetColumn,
    /// The dataset rows kept (those with a target), in order.
    pub rows: Vec<usize>,
}

/// Prepares `features` and the `target` column (`None` for clustering) for
/// `task`: rows whose target is missing (or not finite) are left out of both.
pub fn prepare(
    task: Task,
    features: Vec<InputColumn>,
    target: Option<InputColumn>,
) -> Result<Prepared, PrepareError> {
    let rows_in = features.first().map_or(0, |c| c.values.len());
    // A target given to clustering is not learned from, but its missing rows are left out too.
    let keep: Vec<usize> = match target.as_ref().map(|t| &t.values) {
        Some(ColumnValues::Numbers(v)) => (0..v.len())
            .filter(|&i| v[i].is_some_and(f64::is_finite))
            .collect(),
        Some(ColumnValues::Texts(v)) => (0..v.len()).filter(|&i| v[i].is_some()).collect(),
        None if task == Task::Clustering => (0..rows_in).collect(),
        None => return Err(PrepareError::NoTarget),
    };
    let target = match (task, target) {
        (Task::Clustering, _) => TargetColumn::None,
        (_, None) => return Err(PrepareError::NoTarget),
        (Task::Regression, Some(column)) => match column.values {
            ColumnValues::Numbers(v) => {
                TargetColumn::Numbers(keep.iter().filter_map(|&i| v[i]).collect())
            }
            ColumnValues::Texts(_) => return Err(PrepareError::TextTarget(column.name)),
        },
        (Task::Classification, Some(column)) => classes(column, &keep)?,
    };
    let features = features
        .into_iter()
        .map(|column| InputColumn {
            name: column.name,
            values: column.values.pick(&keep),
        })
        .collect();
    Ok(Prepared {
        features,
        target,
        rows: keep,
    })
}

/// Class labels, sorted (numbers written as numbers are), and each kept row's class.
fn classes(column: InputColumn, keep: &[usize]) -> Result<TargetColumn, PrepareError> {
    let texts: Vec<String> = match column.values {
        ColumnValues::Texts(v) => keep.iter().filter_map(|&i| v[i].clone()).collect(),
        ColumnValues::Numbers(v) => keep
            .iter()
            .filter_map(|&i| v[i])
            .map(|x| format!("{x}"))
            .collect(),
    };
    let mut labels = texts.clone();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(PrepareError::OneClass(column.name));
    }
    if labels.len() > MAX_CLASSES {
        return Err(PrepareError::TooManyClasses {
            name: column.name,
            classes: labels.len(),
        });
    }
    let values = texts
        .iter()
        .filter_map(|t| labels.binary_search(t).ok())
        .collect();
    Ok(TargetColumn::Classes { labels, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(name: &str, v: &[Option<f64>]) -> InputColumn {
        InputColumn {
            name: name.into(),
            values: ColumnValues::Numbers(v.to_vec()),
        }
    }

    fn texts(name: &str, v: &[Option<&str>]) -> InputColumn {
        InputColumn {
            name: name.into(),
            values: ColumnValues::Texts(v.iter().map(|t| t.map(String::from)).collect()),
        }
    }

    #[test]
    fn features_default_to_every_column_but_the_target() -> Result<(), PrepareError> {
        let columns: Vec<String> = ["a", "b", "y"].map(String::from).to_vec();
        assert_eq!(feature_columns(&columns, Some("y"), &[], &[])?, ["a", "b"]);
        // A row index is left out by default, and kept when listed.
        assert_eq!(
            feature_columns(&columns, Some("y"), &[], &["a".into()])?,
            ["b"]
        );
        assert_eq!(
            feature_columns(&columns, Some("y"), &["a".into()], &["a".into()])?,
            ["a"]
        );
        assert_eq!(
            feature_columns(&columns, Some("y"), &["b".into()], &[])?,
            ["b"]
        );
        assert_eq!(
            feature_columns(&columns, Some("y"), &["a".into(), "y".into()], &[]),
            Err(PrepareError::TargetIsFeature("y".into()))
        );
        assert_eq!(
            feature_columns(&["y".into()], Some("y"), &[], &[]),
            Err(PrepareError::NoFeatures)
        );
        assert_eq!(
            feature_columns(
                &columns,
                Some("y"),
                &["a".into(), "b".into(), "a".into()],
                &[]
            ),
            Err(PrepareError::DuplicateFeature("a".into()))
        );
        Ok(())
    }

    #[test]
    fn rows_without_a_target_are_left_out_and_classes_are_sorted() -> Result<(), PrepareError> {
        let x = numbers("x", &[Some(1.0), Some(2.0), None, Some(4.0)]);
        let y = texts("y", &[Some("b"), None, Some("a"), Some("b")]);
        let prepared = prepare(Task::Classification, vec![x], Some(y))?;
        assert_eq!(prepared.rows, [0, 2, 3]);
        assert_eq!(
            prepared.target,
            TargetColumn::Classes {
                labels: vec!["a".into(), "b".into()],
                values: vec![1, 0, 1]
            }
        );
        assert_eq!(
            prepared.features[0].values,
            ColumnValues::Numbers(vec![Some(1.0), None, Some(4.0)])
        );
        Ok(())
    }

    #[test]
    fn regression_needs_finite_numbers() -> Result<(), PrepareError> {
        let x = numbers("x", &[Some(1.0), Some(2.0), Some(3.0)]);
        let y = numbers("y", &[Some(0.5), Some(f64::NAN), Some(2.5)]);
        let prepared = prepare(Task::Regression, vec![x.clone()], Some(y))?;
        assert_eq!(prepared.target, TargetColumn::Numbers(vec![0.5, 2.5]));
        assert_eq!(
            prepare(
                Task::Regression,
                vec![x.clone()],
                Some(texts("t", &[Some("a"); 3]))
            ),
            Err(PrepareError::TextTarget("t".into()))
        );
        assert_eq!(
            prepare(
                Task::Classification,
                vec![x.clone()],
                Some(texts("t", &[Some("a"); 3]))
            ),
            Err(PrepareError::OneClass("t".into()))
        );
        assert_eq!(
            prepare(Task::Regression, vec![x.clone()], None),
            Err(PrepareError::NoTarget)
        );
        let clusters = prepare(Task::Clustering, vec![x], None)?;
        assert_eq!(
            (clusters.target, clusters.rows.len()),
            (TargetColumn::None, 3)
        );
        Ok(())
    }
}

#[cfg(test)]
mod suggestion_tests {
    use super::*;

    fn facts(kind: ValueKind, rows: u64, present: u64, distinct: u64) -> ColumnFacts {
        ColumnFacts {
            kind,
            rows,
            present,
            distinct,
        }
    }

    #[test]
    fn a_value_of_its_own_on_every_row_is_an_identifier_not_a_target() {
        let id = facts(ValueKind::Number { whole: true }, 5_000, 5_000, 5_000);
        assert!(is_identifier(&id));
        assert!(target_tasks(&id).is_empty());
        let code = facts(ValueKind::Text, 5_000, 5_000, 5_000);
        assert!(is_identifier(&code));
        // A measurement unique on every row is not an id; nor is a column with gaps.
        assert!(!is_identifier(&facts(
            ValueKind::Number { whole: false },
            5_000,
            5_000,
            5_000
        )));
        assert!(!is_identifier(&facts(ValueKind::Text, 5_000, 4_990, 4_990)));
    }

    #[test]
    fn targets_follow_the_values() {
        let species = facts(ValueKind::Text, 344, 344, 3);
        assert_eq!(target_tasks(&species), vec![Task::Classification]);
        let mass = facts(ValueKind::Number { whole: true }, 344, 342, 94);
        assert_eq!(
            target_tasks(&mass),
            vec![Task::Classification, Task::Regression]
        );
        let price = facts(ValueKind::Number { whole: false }, 344, 344, 300);
        assert_eq!(target_tasks(&price), vec![Task::Regression]);
        assert!(target_tasks(&facts(ValueKind::Text, 344, 344, 1)).is_empty());
        assert!(target_tasks(&facts(ValueKind::Other, 344, 344, 100)).is_empty());
        assert!(target_tasks(&facts(ValueKind::Text, 5_000, 5_000, 400)).is_empty());
    }
}
