//! MLflow scoring: `POST /invocations` in the four input formats MLflow
//! serves, answered as `{"predictions":[...]}`.
//!
//! Each format comes down to rows of values in column order, keyed by
//! [`crate::row_key`]:
//! - `{"dataframe_split":{"columns":[..],"data":[[..],..]}}`: each data row as given.
//! - `{"dataframe_records":[{col:v,..},..]}`: the columns are the first
//!   record's keys sorted by name (explicitly: serde_json's map order depends
//!   on whether some crate in the build turns on `preserve_order`). Missing
//!   values are `null`.
//! - `{"instances":[..]}` and `{"inputs":[..]}`: rows as arrays, records as
//!   above, or scalars (a one-column row each).
//! - `{"inputs":{"col":[..],..}}`: columns sorted by name, as for records,
//!   all of the same length.

use crate::pipeline::{Protocol, Reply, VendorState, bad_request, parse_body};
use crate::row_key;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(crate) async fn invocations(
    State(state): State<Arc<VendorState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    state.admit(&headers)?;
    let request: Value = parse_body(&body)?;
    let rows = rows_of(&request).map_err(|message| bad_request(&message))?;
    let keys: Vec<String> = rows.iter().map(|values| row_key(values)).collect();
    state
        .meet_fault(Protocol::Mlflow, keys.first().map(String::as_str), &headers)
        .await?;

    let labels = &state.config.labels;
    let predictions: Vec<Value> = keys.iter().map(|key| state.answer(key, labels)).collect();
    Ok(Json(json!({ "predictions": predictions })).into_response())
}

/// The rows of a request in any of the four formats.
fn rows_of(request: &Value) -> Result<Vec<Vec<Value>>, String> {
    let formats = "dataframe_split, dataframe_records, instances or inputs";
    let Some(fields) = request.as_object() else {
        return Err(format!("the body must be a JSON object with {formats}"));
    };
    if let Some(split) = fields.get("dataframe_split") {
        split_rows(split)
    } else if let Some(records) = fields.get("dataframe_records") {
        let records = records
            .as_array()
            .ok_or("dataframe_records must be an array of objects")?;
        record_rows(records, "dataframe_records")
    } else if let Some(instances) = fields.get("instances") {
        tensor_rows(instances, "instances")
    } else if let Some(inputs) = fields.get("inputs") {
        tensor_rows(inputs, "inputs")
    } else {
        Err(format!("the body has none of {formats}"))
    }
}

/// `dataframe_split`: `data` rows, each as long as `columns` when columns are given.
fn split_rows(split: &Value) -> Result<Vec<Vec<Value>>, String> {
    let data = split
        .get("data")
        .and_then(Value::as_array)
        .ok_or("dataframe_split.data must be an array of rows")?;
    let column_count = split.get("columns").and_then(Value::as_array).map(Vec::len);
    data.iter()
        .enumerate()
        .map(|(index, row)| {
            let values = row
                .as_array()
                .ok_or_else(|| format!("dataframe_split.data[{index}] is not an array"))?;
            match column_count {
                Some(columns) if columns != values.len() => Err(format!(
                    "dataframe_split.data[{index}] has {} values for {columns} columns",
                    values.len()
                )),
                _ => Ok(values.clone()),
            }
        })
        .collect()
}

/// Records: the columns are the first record's keys, sorted by name.
fn record_rows(records: &[Value], field: &str) -> Result<Vec<Vec<Value>>, String> {
    let mut columns: Option<Vec<&String>> = None;
    records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let record = record
                .as_object()
                .ok_or_else(|| format!("{field}[{index}] is not an object"))?;
            let columns = columns.get_or_insert_with(|| {
                let mut keys: Vec<&String> = record.keys().collect();
                keys.sort();
                keys
            });
            Ok(columns
                .iter()
                .map(|column| record.get(*column).cloned().unwrap_or(Value::Null))
                .collect())
        })
        .collect()
}

/// `instances` / `inputs`: a list of rows, records or scalars, or (as an object) columns.
fn tensor_rows(tensor: &Value, field: &str) -> Result<Vec<Vec<Value>>, String> {
    match tensor {
        Value::Array(items) if items.first().is_some_and(Value::is_object) => {
            record_rows(items, field)
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::Array(values) => Ok(values.clone()),
                Value::Object(_) => Err(format!(
                    "{field}[{index}] is an object but {field}[0] is not: mix of records and rows"
                )),
                scalar => Ok(vec![scalar.clone()]),
            })
            .collect(),
        Value::Object(columns) => column_rows(columns, field),
        _ => Err(format!("{field} must be an array or an object of columns")),
    }
}

/// Columns of equal length, turned into rows.
fn column_rows(columns: &Map<String, Value>, field: &str) -> Result<Vec<Vec<Value>>, String> {
    let mut row_count = None;
    let mut arrays = Vec::with_capacity(columns.len());
    let mut sorted: Vec<(&String, &Value)> = columns.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (name, column) in sorted {
        let values = column
            .as_array()
            .ok_or_else(|| format!("{field}.{name} must be an array of values"))?;
        match row_count {
            None => row_count = Some((name, values.len())),
            Some((first, rows)) if rows != values.len() => {
                return Err(format!(
                    "{field}.{name} has {} values but {field}.{first} has {rows}",
                    values.len()
                ));
            }
            Some(_) => {}
        }
        arrays.push(values);
    }
    let row_count = row_count.map_or(0, |(_, rows)| rows);
    Ok((0..row_count)
        .map(|row| {
            arrays
                .iter()
                .map(|values| values.get(row).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect())
}
