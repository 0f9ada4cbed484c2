//! The HTTP routes: Open Inference Protocol v2 (health, metadata, infer),
//! MLflow scoring (`/invocations` in its four JSON shapes, `/ping`), and
//! `/metrics`. Each request shape is turned into named columns for
//! [`ServedModel::predict`]; what cannot be turned is a 400 naming the input.

use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::model::{Batch, InputError, Prediction, ServedModel, short};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datalab_publish::package::InputField;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::Semaphore;

/// What the routes share: the model once loaded, the metrics, the limits.
#[derive(Debug)]
pub struct AppState {
    model: OnceLock<ServedModel>,
    /// Why loading failed, if it did (the readiness route says so).
    failed: OnceLock<String>,
    pub metrics: Metrics,
    pub limits: Limits,
    /// Predictions run off the async threads, a few at a time, so health
    /// probes and metrics answer while large batches are predicted.
    predicting: Arc<Semaphore>,
}

impl Default for AppState {
    fn default() -> AppState {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        AppState {
            model: OnceLock::new(),
            failed: OnceLock::new(),
            metrics: Metrics::default(),
            limits: Limits::from_env(),
            predicting: Arc::new(Semaphore::new(cores * 2)),
        }
    }
}

impl AppState {
    pub fn loaded(model: ServedModel) -> AppState {
        let state = AppState::default();
        let _ = state.model.set(model);
        state
    }

    /// Makes the server ready (once).
    pub fn set_model(&self, model: ServedModel) {
        let _ = self.model.set(model);
    }

    pub fn set_failed(&self, why: String) {
        let _ = self.failed.set(why);
    }

    pub fn model(&self) -> Option<&ServedModel> {
        self.model.get()
    }
}

type Shared = Arc<AppState>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v2", get(server_metadata))
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2/models/{name}", get(model_metadata))
        .route("/v2/models/{name}/ready", get(model_ready))
        .route("/v2/models/{name}/card", get(model_card))
        .route("/v2/models/{name}/infer", post(infer))
        .route(
            "/v2/models/{name}/versions/{version}",
            get(model_metadata_versioned),
        )
        .route(
            "/v2/models/{name}/versions/{version}/infer",
            post(infer_versioned),
        )
        .route("/invocations", post(invocations))
        .route("/ping", get(ping))
        .route("/health", get(ping))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(state)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Times a route and counts it in the metrics.
fn observed(
    state: &AppState,
    route: &'static str,
    started: Instant,
    rows: u64,
    response: Response,
) -> Response {
    state.metrics.observe(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
        rows,
    );
    response
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"error": "no such route: this server answers /v2/... (Open Inference Protocol v2), /invocations (MLflow) and /metrics"}),
    )
}

async fn server_metadata() -> Response {
    json_response(
        StatusCode::OK,
        json!({"name": "datalab", "version": env!("CARGO_PKG_VERSION"), "extensions": []}),
    )
}

async fn live(State(state): State<Shared>) -> Response {
    let started = Instant::now();
    let response = json_response(StatusCode::OK, json!({"live": true}));
    observed(&state, "health", started, 0, response)
}

/// Why a request cannot be answered: a status and its JSON body.
type Refusal = (StatusCode, Value);

fn refused((status, body): Refusal) -> Response {
    json_response(status, body)
}

fn readiness_of(state: &AppState) -> Refusal {
    match (state.model(), state.failed.get()) {
        (Some(_), _) => (StatusCode::OK, json!({"ready": true})),
        (None, Some(why)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"ready": false, "error": why}),
        ),
        (None, None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"ready": false, "error": "the model is still loading"}),
        ),
    }
}

fn readiness(state: &AppState) -> Response {
    refused(readiness_of(state))
}

async fn ready(State(state): State<Shared>) -> Response {
    let started = Instant::now();
    let response = readiness(&state);
    observed(&state, "health", started, 0, response)
}

async fn ping(State(state): State<Shared>) -> Response {
    let started = Instant::now();
    let response = match state.model() {
        Some(_) => (StatusCode::OK, "\n").into_response(),
        None => readiness(&state),
    };
    observed(&state, "health", started, 0, response)
}

/// The served model if `name` (and `version`) are its own; otherwise the error response.
fn model_named<'a>(
    state: &'a AppState,
    name: &str,
    version: Option<&str>,
) -> Result<&'a ServedModel, Refusal> {
    let model = state.model().ok_or_else(|| readiness_of(state))?;
    if model.name() != name {
        return Err((
            StatusCode::NOT_FOUND,
            json!({"error": format!("no model '{name}' here: this server serves '{}'", model.name())}),
        ));
    }
    if let Some(version) = version
        && version != model.version().to_string()
    {
        return Err((
            StatusCode::NOT_FOUND,
            json!({"error": format!("'{name}' has no version {version} here: this server serves version {}", model.version())}),
        ));
    }
    Ok(model)
}

fn output_datatype(model: &ServedModel) -> &'static str {
    match model.manifest.task.as_str() {
        "regression" => "FP64",
        "clustering" => "INT64",
        _ => "BYTES",
    }
}

fn metadata(model: &ServedModel) -> Value {
    json!({
        "name": model.name(),
        "versions": [model.version().to_string()],
        "platform": "datalab",
        "inputs": model.manifest.input_schema.iter().map(|f| json!({
            "name": f.name,
            "datatype": f.datatype(),
            "shape": [-1, 1],
        })).collect::<Vec<_>>(),
        "outputs": [{"name": "predict", "datatype": output_datatype(model), "shape": [-1]}],
        "parameters": {
            "algorithm": model.manifest.algorithm,
            "task": model.manifest.task,
            "classes": model.classes(),
            "description": model.description(),
            "card": model.card().map(|_| format!("/v2/models/{}/card", model.name())),
        },
    })
}

/// The model's card, as Markdown.
async fn model_card(State(state): State<Shared>, Path(name): Path<String>) -> Response {
    let started = Instant::now();
    let response = match model_named(&state, &name, None) {
        Ok(model) => match model.card() {
            Some(card) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                card.to_string(),
            )
                .into_response(),
            None => json_response(
                StatusCode::NOT_FOUND,
                json!({"error": format!("'{name}' was packaged without a {}", crate::model::CARD_FILE)}),
            ),
        },
        Err(refusal) => refused(refusal),
    };
    observed(&state, "metadata", started, 0, response)
}

async fn model_metadata(State(state): State<Shared>, Path(name): Path<String>) -> Response {
    let started = Instant::now();
    let response = match model_named(&state, &name, None) {
        Ok(model) => json_response(StatusCode::OK, metadata(model)),
        Err(refusal) => refused(refusal),
    };
    observed(&state, "metadata", started, 0, response)
}

async fn model_metadata_versioned(
    State(state): State<Shared>,
    Path((name, version)): Path<(String, String)>,
) -> Response {
    let started = Instant::now();
    let response = match model_named(&state, &name, Some(&version)) {
        Ok(model) => json_response(StatusCode::OK, metadata(model)),
        Err(refusal) => refused(refusal),
    };
    observed(&state, "metadata", started, 0, response)
}

async fn model_ready(State(state): State<Shared>, Path(name): Path<String>) -> Response {
    let started = Instant::now();
    let response = match model_named(&state, &name, None) {
        Ok(_) => json_response(StatusCode::OK, json!({"name": name, "ready": true})),
        Err(refusal) => refused(refusal),
    };
    observed(&state, "health", started, 0, response)
}

fn bad_request(error: &InputError) -> Response {
    json_response(StatusCode::BAD_REQUEST, json!({"error": error.0}))
}

fn parse_json(body: &[u8]) -> Result<Value, InputError> {
    serde_json::from_slice(body)
        .map_err(|e| InputError(format!("the request body is not JSON: {e}")))
}

/// The model's input columns, in order, for messages.
fn column_names(model: &ServedModel) -> String {
    model
        .manifest
        .input_schema
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Flattens nested lists (row-major), as OIP `data` may be sent either way.
fn flatten(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| flatten(v, out)),
        other => out.push(other.clone()),
    }
}

const NUMERIC_TYPES: [&str; 11] = [
    "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32",
    "FP64",
];

/// OIP input tensors as named columns: one tensor per column (`[n]` or
/// `[n, 1]`), or one `[n, k]` tensor holding every column in schema order.
fn oip_columns(
    model: &ServedModel,
    request: &Value,
) -> Result<Vec<(String, Vec<Value>)>, InputError> {
    let inputs = request
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| InputError("the request needs an 'inputs' list of tensors".into()))?;
    let schema = &model.manifest.input_schema;
    let mut columns = Vec::with_capacity(inputs.len());
    for (i, tensor) in inputs.iter().enumerate() {
        let name = tensor
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| InputError(format!("input tensor {i} has no name")))?;
        let datatype = tensor
            .get("datatype")
            .and_then(Value::as_str)
            .ok_or_else(|| InputError(format!("input '{name}' has no datatype")))?;
        let shape: Vec<u64> = tensor
            .get("shape")
            .and_then(Value::as_array)
            .map(|s| s.iter().filter_map(Value::as_u64).collect())
            .ok_or_else(|| InputError(format!("input '{name}' has no shape")))?;
        let mut data = Vec::new();
        flatten(
            tensor
                .get("data")
                .ok_or_else(|| InputError(format!("input '{name}' has no data")))?,
            &mut data,
        );
        // Checked: a caller may send any shape.
        let expected = shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
        if shape.is_empty() || expected != Some(data.len() as u64) {
            return Err(InputError(format!(
                "input '{name}' has shape {shape:?} but {} values",
                data.len()
            )));
        }
        let width = shape.get(1).copied().unwrap_or(1) as usize;
        let matrix = width > 1 && inputs.len() == 1 && model.position(name).is_none();
        if matrix {
            if width != schema.len() {
                return Err(InputError(format!(
                    "input '{name}' has {width} columns; the model takes {}: {}",
                    schema.len(),
                    column_names(model)
                )));
            }
            for (c, field) in schema.iter().enumerate() {
                columns.push((
                    field.name.clone(),
                    data.iter().skip(c).step_by(width).cloned().collect(),
                ));
            }
            continue;
        }
        if width != 1 || shape.len() > 2 {
            return Err(InputError(format!(
                "input '{name}' has shape {shape:?}: send one column per tensor, shaped [rows] or [rows, 1]"
            )));
        }
        if let Some(field) = model.position(name).map(|i| &schema[i]) {
            let numeric = NUMERIC_TYPES.contains(&datatype);
            match field.kind.as_str() {
                InputField::NUMBER if !numeric => {
                    return Err(InputError(format!(
                        "input '{name}' is a number: send it as FP64 (or another numeric type), not {datatype}"
                    )));
                }
                InputField::BOOLEAN if datatype != "BOOL" && !numeric => {
                    return Err(InputError(format!(
                        "input '{name}' is a boolean: send it as BOOL (or 0 and 1), not {datatype}"
                    )));
                }
                InputField::TEXT if datatype != "BYTES" => {
                    return Err(InputError(format!(
                        "input '{name}' is text: send it as BYTES, not {datatype}"
                    )));
                }
                _ => {}
            }
        }
        columns.push((name.to_string(), data));
    }
    let rows = columns.first().map_or(0, |(_, v)| v.len());
    if let Some((name, values)) = columns.iter().find(|(_, v)| v.len() != rows) {
        return Err(InputError(format!(
            "input '{name}' has {} rows, the first input {rows}",
            values.len()
        )));
    }
    Ok(columns)
}

fn oip_outputs(model: &ServedModel, batch: &Batch) -> Vec<Value> {
    let n = batch.predictions.len();
    let mut outputs = vec![json!({
        "name": "predict",
        "shape": [n],
        "datatype": output_datatype(model),
        "data": batch.predictions.iter().map(Prediction::to_json).collect::<Vec<_>>(),
    })];
    if let Some(probabilities) = &batch.probabilities {
        let k = probabilities.first().map_or(0, Vec::len);
        outputs.push(json!({
            "name": "probabilities",
            "shape": [n, k],
            "datatype": "FP64",
            "data": probabilities.iter().flatten().copied().collect::<Vec<f64>>(),
        }));
    }
    outputs
}

fn run_infer(state: &AppState, name: &str, version: Option<&str>, body: &[u8]) -> (Response, u64) {
    let model = match model_named(state, name, version) {
        Ok(model) => model,
        Err(refusal) => return (refused(refusal), 0),
    };
    let request = match parse_json(body) {
        Ok(request) => request,
        Err(error) => return (bad_request(&error), 0),
    };
    let batch = match oip_columns(model, &request).and_then(|columns| model.predict(columns)) {
        Ok(batch) => batch,
        Err(error) => return (bad_request(&error), 0),
    };
    let rows = batch.predictions.len() as u64;
    let response = json!({
        "model_name": model.name(),
        "model_version": model.version().to_string(),
        "id": request.get("id").cloned().unwrap_or(Value::String(String::new())),
        "outputs": oip_outputs(model, &batch),
    });
    (json_response(StatusCode::OK, response), rows)
}

/// A request's body, read within the limits: a 413 past the size, a 408
/// past the time. A body past the size is still read to its end (and
/// dropped) within the time, so the client, still sending, reads the 413
/// instead of a reset connection.
async fn read_body(limits: &Limits, headers: &HeaderMap, mut body: Body) -> Result<Bytes, Refusal> {
    use http_body_util::BodyExt;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut over = declared.is_some_and(|n| n > limits.max_body_bytes as u64);
    let mut collected = Vec::new();
    let reading = tokio::time::timeout(limits.body_timeout, async {
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame?.into_data() else {
                continue;
            };
            if over {
                continue;
            }
            if collected.len() + data.len() > limits.max_body_bytes {
                over = true;
                collected = Vec::new();
            } else {
                collected.extend_from_slice(&data);
            }
        }
        Ok::<(), axum::Error>(())
    })
    .await;
    match reading {
        _ if over => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": limits.body_too_large()}),
        )),
        Ok(Ok(())) => Ok(Bytes::from(collected)),
        Ok(Err(error)) => Err((
            StatusCode::BAD_REQUEST,
            json!({"error": format!("the request body could not be read: {error}")}),
        )),
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            json!({"error": limits.body_too_slow()}),
        )),
    }
}

/// Runs `work` on a blocking thread, a few at a time, so the async threads
/// keep answering health probes while a large batch is parsed and predicted.
async fn off_the_async_threads(
    state: &Shared,
    work: impl FnOnce(&AppState) -> (Response, u64) + Send + 'static,
) -> (Response, u64) {
    let Ok(_permit) = state.predicting.clone().acquire_owned().await else {
        return (
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "the server is stopping"}),
            ),
            0,
        );
    };
    let shared = state.clone();
    match tokio::task::spawn_blocking(move || work(&shared)).await {
        Ok(answer) => answer,
        Err(e) => (
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": format!("the prediction stopped: {e}")}),
            ),
            0,
        ),
    }
}

async fn infer_route(
    state: Shared,
    name: String,
    version: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let (response, rows) = match read_body(&state.limits, &headers, body).await {
        Ok(body) => {
            off_the_async_threads(&state, move |state| {
                run_infer(state, &name, version.as_deref(), &body)
            })
            .await
        }
        Err(refusal) => (refused(refusal), 0),
    };
    observed(&state, "infer", started, rows, response)
}

async fn infer(
    State(state): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    infer_route(state, name, None, headers, body).await
}

async fn infer_versioned(
    State(state): State<Shared>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    infer_route(state, name, Some(version), headers, body).await
}

/// Rows as objects: a column per input the records name, in schema order;
/// a key missing from a record is null. Each key is looked up in the
/// schema as it is read, so an unknown one is refused at once and the work
/// is linear in the body, whatever keys a caller invents.
fn records_to_columns(
    model: &ServedModel,
    records: &[Value],
) -> Result<Vec<(String, Vec<Value>)>, InputError> {
    let schema = &model.manifest.input_schema;
    let mut columns: Vec<Option<Vec<Value>>> = vec![None; schema.len()];
    for (row, record) in records.iter().enumerate() {
        let object = record.as_object().ok_or_else(|| {
            InputError(format!("record {row} is not an object: {}", short(record)))
        })?;
        for (name, value) in object {
            let position = model
                .position(name)
                .ok_or_else(|| model.unknown_input(name))?;
            let column = columns[position].get_or_insert_with(|| vec![Value::Null; records.len()]);
            column[row] = value.clone();
        }
    }
    Ok(schema
        .iter()
        .zip(columns)
        .filter_map(|(field, values)| Some((field.name.clone(), values?)))
        .collect())
}

/// Rows as lists, in the schema's column order.
fn lists_to_columns(
    model: &ServedModel,
    rows: &[Value],
) -> Result<Vec<(String, Vec<Value>)>, InputError> {
    let schema = &model.manifest.input_schema;
    let mut columns: Vec<(String, Vec<Value>)> = schema
        .iter()
        .map(|f| (f.name.clone(), Vec::with_capacity(rows.len())))
        .collect();
    for (r, row) in rows.iter().enumerate() {
        let values: Vec<Value> = match row {
            Value::Array(values) => values.clone(),
            scalar if schema.len() == 1 => vec![scalar.clone()],
            other => {
                return Err(InputError(format!(
                    "row {r} is not a list: {}",
                    short(other)
                )));
            }
        };
        if values.len() != schema.len() {
            return Err(InputError(format!(
                "row {r} has {} values; the model takes {} in this order: {}",
                values.len(),
                schema.len(),
                column_names(model)
            )));
        }
        for (column, value) in columns.iter_mut().zip(values) {
            column.1.push(value);
        }
    }
    Ok(columns)
}

fn mlflow_columns(
    model: &ServedModel,
    request: &Value,
) -> Result<Vec<(String, Vec<Value>)>, InputError> {
    let object = request
        .as_object()
        .ok_or_else(|| InputError("the request must be a JSON object".into()))?;
    let shapes = [
        "dataframe_split",
        "dataframe_records",
        "instances",
        "inputs",
    ];
    let given: Vec<&str> = shapes
        .into_iter()
        .filter(|k| object.contains_key(*k))
        .collect();
    let [shape] = given.as_slice() else {
        return Err(InputError(format!(
            "give exactly one of dataframe_split, dataframe_records, instances or inputs (found {})",
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            }
        )));
    };
    let value = &object[*shape];
    match *shape {
        "dataframe_split" => {
            let names: Vec<String> = value
                .get("columns")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .map(|n| {
                            n.as_str()
                                .map(String::from)
                                .unwrap_or_else(|| n.to_string())
                        })
                        .collect()
                })
                .ok_or_else(|| {
                    InputError("dataframe_split needs 'columns', a list of names".into())
                })?;
            if let Some(unknown) = names.iter().find(|n| model.position(n).is_none()) {
                return Err(model.unknown_input(unknown));
            }
            let data = value
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| InputError("dataframe_split needs 'data', a list of rows".into()))?;
            let mut columns: Vec<(String, Vec<Value>)> = names
                .iter()
                .map(|n| (n.clone(), Vec::with_capacity(data.len())))
                .collect();
            for (r, row) in data.iter().enumerate() {
                let values = row
                    .as_array()
                    .filter(|v| v.len() == names.len())
                    .ok_or_else(|| {
                        InputError(format!(
                            "row {r} of data does not have {} values",
                            names.len()
                        ))
                    })?;
                for (column, value) in columns.iter_mut().zip(values) {
                    column.1.push(value.clone());
                }
            }
            Ok(columns)
        }
        "dataframe_records" => records_to_columns(
            model,
            value
                .as_array()
                .ok_or_else(|| InputError("dataframe_records must be a list of objects".into()))?,
        ),
        _ => match value {
            Value::Array(rows) if rows.first().is_some_and(Value::is_object) => {
                records_to_columns(model, rows)
            }
            Value::Array(rows) => lists_to_columns(model, rows),
            Value::Object(map) => Ok(map
                .iter()
                .map(|(name, values)| {
                    let values = match values {
                        Value::Array(v) => v.clone(),
                        one => vec![one.clone()],
                    };
                    (name.clone(), values)
                })
                .collect()),
            other => Err(InputError(format!(
                "{shape} must be a list or an object, not {}",
                short(other)
            ))),
        },
    }
}

fn mlflow_error(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        json!({"error_code": "BAD_REQUEST", "message": message}),
    )
}

/// MLflow scoring: JSON in one of its four shapes, predictions out.
fn run_invocations(state: &AppState, body: &[u8]) -> (Response, u64) {
    let Some(model) = state.model() else {
        return (readiness(state), 0);
    };
    let batch = parse_json(body)
        .and_then(|request| mlflow_columns(model, &request))
        .and_then(|columns| model.predict(columns));
    match batch {
        Ok(batch) => {
            let rows = batch.predictions.len() as u64;
            let predictions: Vec<Value> =
                batch.predictions.iter().map(Prediction::to_json).collect();
            (
                json_response(StatusCode::OK, json!({ "predictions": predictions })),
                rows,
            )
        }
        Err(error) => (mlflow_error(StatusCode::BAD_REQUEST, &error.0), 0),
    }
}

async fn invocations(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let (response, rows) = 'answer: {
        if state.model().is_none() {
            break 'answer (readiness(&state), 0);
        }
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        if !content_type.starts_with("application/json") {
            break 'answer (
                mlflow_error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    &format!("send application/json, not {content_type}"),
                ),
                0,
            );
        }
        match read_body(&state.limits, &headers, body).await {
            Ok(body) => {
                off_the_async_threads(&state, move |state| run_invocations(state, &body)).await
            }
            Err((status, body)) => (
                mlflow_error(
                    status,
                    body.get("error")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                ),
                0,
            ),
        }
    };
    observed(&state, "invocations", started, rows, response)
}

async fn metrics(State(state): State<Shared>) -> Response {
    let model = state
        .model()
        .map(|m| (m.name(), m.version(), m.manifest.algorithm.as_str()));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(model),
    )
        .into_response()
}
