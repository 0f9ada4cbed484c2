//! Whole columns as plain vectors, for training: numbers as `f64` (booleans
//! as 0/1), everything else as text. Only the requested columns are read.

use crate::error::DataError;
use crate::import::first_line;
use crate::table::{ColumnKind, ColumnSchema, schema_of};
use polars::prelude::*;
use std::path::Path;

/// A column's values, nulls as `None`.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Numbers(Vec<Option<f64>>),
    Texts(Vec<Option<String>>),
}

impl ColumnData {
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numbers(v) => v.len(),
            ColumnData::Texts(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads `names` from the snapshot at `path`, in that order.
pub fn load_columns(path: &Path, names: &[String]) -> Result<Vec<(String, ColumnData)>, DataError> {
    let damaged = |e: PolarsError| DataError::Snapshot {
        path: path.to_path_buf(),
        detail: first_line(&e.to_string()),
    };
    let mut lazy = crate::files::scan_parquet_file(path).map_err(damaged)?;
    let schema = schema_of(&*lazy.collect_schema().map_err(damaged)?);
    let mut exprs = Vec::with_capacity(names.len());
    let mut kinds = Vec::with_capacity(names.len());
    for name in names {
        let column =
            schema
                .iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| DataError::UnknownColumn {
                    name: name.clone(),
                    available: schema
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
        let numeric = matches!(
            column.kind,
            ColumnKind::Integer | ColumnKind::Float | ColumnKind::Boolean | ColumnKind::Duration
        );
        let expr = match column.kind {
            ColumnKind::Other => {
                return Err(DataError::UnusableColumn {
                    name: name.clone(),
                    what: "lists, structs or binary values",
                });
            }
            // A duration is a number of its time unit.
            ColumnKind::Duration => col(name.as_str())
                .cast(DataType::Int64)
                .cast(DataType::Float64),
            _ if numeric => col(name.as_str()).cast(DataType::Float64),
            _ => col(name.as_str()).cast(DataType::String),
        };
        exprs.push(expr);
        kinds.push(numeric);
    }
    let frame = lazy.select(exprs).collect().map_err(damaged)?;
    names
        .iter()
        .zip(kinds)
        .map(|(name, numeric)| {
            let series = frame
                .column(name)
                .map_err(damaged)?
                .as_materialized_series()
                .clone();
            let data = if numeric {
                ColumnData::Numbers(series.f64().map_err(damaged)?.iter().collect())
            } else {
                ColumnData::Texts(
                    series
                        .str()
                        .map_err(damaged)?
                        .iter()
                        .map(|v| v.map(str::to_string))
                        .collect(),
                )
            };
            Ok((name.clone(), data))
        })
        .collect()
}

/// Whether `name` is what a writer of row numbers leaves as a header: blank
/// (R's `write.csv`, pandas' `to_csv`), `Unnamed: 0` (pandas reading that
/// back), `...1` (readr).
pub fn is_index_name(name: &str) -> bool {
    let name = name.trim();
    name.is_empty() || name.starts_with("Unnamed: ") || name == "...1"
}

/// The columns of the snapshot at `path` that are row numbers someone wrote
/// with the data: an index-like name (see [`is_index_name`]) over whole
/// numbers counting up by one from 0 or 1. As a feature such a column leaks
/// the row order (on data sorted by class, it predicts the class).
pub fn row_index_columns(path: &Path, columns: &[ColumnSchema]) -> Result<Vec<String>, DataError> {
    let candidates: Vec<String> = columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Integer && is_index_name(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    Ok(load_columns(path, &candidates)?
        .into_iter()
        .filter(|(_, data)| match data {
            ColumnData::Numbers(values) => {
                let start = values.first().copied().flatten();
                matches!(start, Some(s) if s == 0.0 || s == 1.0)
                    && values
                        .iter()
                        .enumerate()
                        .all(|(i, v)| *v == start.map(|s| s + i as f64))
            }
            ColumnData::Texts(_) => false,
        })
        .map(|(name, _)| name)
        .collect())
}
