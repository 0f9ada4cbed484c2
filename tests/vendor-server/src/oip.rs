//! The Open Inference Protocol v2 (KServe, Triton, Seldon MLServer): health,
//! model metadata and `POST /v2/models/{name}/infer`.
//!
//! Each input is one column, its `data` flat with one element per row; row
//! `i` is the `i`-th element of every input, in the order the inputs are
//! given, and its key is [`crate::row_key`] of those values. The model answers
//! from the server's labels (`BYTES`), or numbers (`FP64`) when it has none.

use crate::pipeline::{Protocol, Reply, VendorState, bad_request, parse_body};
use crate::row_key;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The datatypes a tabular client sends.
const DATATYPES: [&str; 6] = ["FP64", "FP32", "INT64", "INT32", "BOOL", "BYTES"];
/// The one output every model has.
const OUTPUT_NAME: &str = "predict";

/// The fields we read; `parameters` (of the request and of each input) are accepted and ignored.
#[derive(Debug, Deserialize)]
struct InferRequest {
    #[serde(default)]
    id: Option<String>,
    inputs: Vec<InferInput>,
}

#[derive(Debug, Deserialize)]
struct InferInput {
    name: String,
    shape: Vec<i64>,
    datatype: String,
    data: Vec<Value>,
}

pub(crate) async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

pub(crate) async fn ready() -> Json<Value> {
    Json(json!({ "ready": true }))
}

/// Model metadata. Wants the token like the prediction routes, but is not a
/// prediction, so it is not counted.
pub(crate) async fn metadata(
    State(state): State<Arc<VendorState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Reply {
    state.check_token(&headers)?;
    Ok(Json(json!({
        "name": name,
        "versions": ["1"],
        "platform": "datalab-vendor-server",
        "inputs": [],
        "outputs": [{
            "name": OUTPUT_NAME,
            "datatype": output_datatype(&state.config.labels),
            "shape": [-1],
        }],
    }))
    .into_response())
}

pub(crate) async fn infer(
    State(state): State<Arc<VendorState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    state.admit(&headers)?;
    let request: InferRequest = parse_body(&body)?;
    let rows = rows_of(&request.inputs).map_err(|message| bad_request(&message))?;
    let keys: Vec<String> = rows.iter().map(|values| row_key(values)).collect();
    state
        .meet_fault(Protocol::Oip, keys.first().map(String::as_str), &headers)
        .await?;

    let labels = &state.config.labels;
    let answers: Vec<Value> = keys.iter().map(|key| state.answer(key, labels)).collect();
    Ok(Json(json!({
        "model_name": name,
        "id": request.id.unwrap_or_default(),
        "outputs": [{
            "name": OUTPUT_NAME,
            "shape": [answers.len()],
            "datatype": output_datatype(labels),
            "data": answers,
        }],
    }))
    .into_response())
}

fn output_datatype(labels: &[String]) -> &'static str {
    if labels.is_empty() { "FP64" } else { "BYTES" }
}

/// The rows the inputs hold, checking each input's datatype and shape and
/// that all inputs agree on the row count.
fn rows_of(inputs: &[InferInput]) -> Result<Vec<Vec<Value>>, String> {
    let Some(first) = inputs.first() else {
        return Err("the request has no inputs".to_owned());
    };
    let mut row_count = None;
    for input in inputs {
        let name = &input.name;
        if !DATATYPES.contains(&input.datatype.as_str()) {
            return Err(format!(
                "input \"{name}\": unsupported datatype \"{}\" (expected one of {})",
                input.datatype,
                DATATYPES.join(", ")
            ));
        }
        let rows = match input.shape.as_slice() {
            [rows] | [rows, 1] => usize::try_from(*rows).ok(),
            _ => None,
        }
        .ok_or_else(|| {
            format!(
                "input \"{name}\": shape {:?} is not [n] or [n, 1]",
                input.shape
            )
        })?;
        if input.data.len() != rows {
            return Err(format!(
                "input \"{name}\": shape says {rows} rows but data holds {} elements (data must be flat, one element per row)",
                input.data.len()
            ));
        }
        match row_count {
            None => row_count = Some(rows),
            Some(expected) if expected != rows => {
                return Err(format!(
                    "input \"{name}\" has {rows} rows but input \"{}\" has {expected}",
                    first.name
                ));
            }
            Some(_) => {}
        }
    }
    let row_count = row_count.unwrap_or(0);
    Ok((0..row_count)
        .map(|row| {
            inputs
                .iter()
                .map(|input| input.data.get(row).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect())
}
