//! What MLflow's entities look like on the wire, and the protocol's rules:
//! its statuses mapped onto Data Lab's, its names and limits, its URIs.
//!
//! Responses are protobuf's JSON mapping: ids and versions are JSON
//! strings (a number makes the client's parser fail), timestamps are
//! milliseconds, and NaN and the infinities are the strings `"NaN"`,
//! `"Infinity"` and `"-Infinity"`.

use crate::error::TrackingError;
use datalab_project::{
    ExperimentId, KeyedMetric, LoggedModelRecord, RunStatus, TrackedExperiment, TrackedRun,
};
use serde_json::{Value, json};

/// MLflow's limits (`mlflow/utils/validation.py`).
pub const MAX_ENTITY_KEY_LENGTH: usize = 250;
pub const MAX_PARAM_VALUE_LENGTH: usize = 6000;
pub const MAX_TAG_VALUE_LENGTH: usize = 8000;
pub const MAX_PARAMS_TAGS_PER_BATCH: usize = 100;
pub const MAX_METRICS_PER_BATCH: usize = 1000;
pub const MAX_ENTITIES_PER_BATCH: usize = 1000;
pub const MAX_EXPERIMENT_NAME_LENGTH: usize = 500;
/// The most runs one search page returns (MLflow's server cap).
pub const MAX_RESULTS_PER_PAGE: u64 = 50_000;

/// The protocol's run status for a Data Lab status.
pub fn status_name(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Queued => "SCHEDULED",
        RunStatus::Running => "RUNNING",
        RunStatus::Succeeded => "FINISHED",
        RunStatus::Failed => "FAILED",
        // Stopped before its end, as Optuna's MLflow callback reports a pruned trial.
        RunStatus::Cancelled | RunStatus::Interrupted | RunStatus::Pruned => "KILLED",
    }
}

/// The Data Lab statuses a protocol status stands for (KILLED is a cancel,
/// a death and a pruning).
pub fn statuses_of(name: &str) -> Option<&'static [RunStatus]> {
    match name {
        "SCHEDULED" => Some(&[RunStatus::Queued]),
        "RUNNING" => Some(&[RunStatus::Running]),
        "FINISHED" => Some(&[RunStatus::Succeeded]),
        "FAILED" => Some(&[RunStatus::Failed]),
        "KILLED" => Some(&[
            RunStatus::Cancelled,
            RunStatus::Interrupted,
            RunStatus::Pruned,
        ]),
        _ => None,
    }
}

/// The Data Lab status a client sets with a protocol status (protobuf's
/// number for the enum is accepted too).
pub fn status_from(name: &str) -> Result<RunStatus, TrackingError> {
    let name = match name {
        "1" => "RUNNING",
        "2" => "SCHEDULED",
        "3" => "FINISHED",
        "4" => "FAILED",
        "5" => "KILLED",
        other => other,
    };
    statuses_of(name)
        .and_then(|s| s.first().copied())
        .ok_or_else(|| {
            TrackingError::invalid(format!(
                "Invalid run status '{name}': one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED"
            ))
        })
}

/// An experiment id as the protocol writes it, parsed.
pub fn experiment_id(text: &str) -> Result<ExperimentId, TrackingError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
        .map(ExperimentId)
        .ok_or_else(|| TrackingError::not_found(format!("No Experiment with id={text} exists")))
}

/// A metric's value as protobuf JSON writes a double.
pub fn double(value: f64) -> Value {
    if value.is_nan() {
        json!("NaN")
    } else if value == f64::INFINITY {
        json!("Infinity")
    } else if value == f64::NEG_INFINITY {
        json!("-Infinity")
    } else {
        json!(value)
    }
}

/// Checks a param, metric or tag key: non-empty, at most 250 characters, no
/// `..` path and no control characters (keys become file and URL names in
/// MLflow's own stores; here they are only ever bound as SQL values).
pub fn check_key(kind: &str, key: &str) -> Result<(), TrackingError> {
    if key.is_empty() {
        return Err(TrackingError::invalid(format!(
            "A {kind} key must not be empty."
        )));
    }
    if key.chars().count() > MAX_ENTITY_KEY_LENGTH {
        return Err(TrackingError::invalid(format!(
            "{kind} '{}…' has a key of {} characters, over the limit of {MAX_ENTITY_KEY_LENGTH}.",
            key.chars().take(40).collect::<String>(),
            key.chars().count()
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(TrackingError::invalid(format!(
            "Invalid {kind} name: '{}'. Names may not contain control characters.",
            key.escape_debug()
        )));
    }
    Ok(())
}

/// Checks a value against its limit.
pub fn check_value(kind: &str, key: &str, value: &str, limit: usize) -> Result<(), TrackingError> {
    let length = value.chars().count();
    if length > limit {
        return Err(TrackingError::invalid(format!(
            "{kind} '{key}' has a value of {length} characters, over the limit of {limit}."
        )));
    }
    Ok(())
}

pub fn pairs(pairs: &[(String, String)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(key, value)| json!({"key": key, "value": value}))
            .collect(),
    )
}

pub fn experiment(experiment: &TrackedExperiment) -> Value {
    let id = experiment.record.id;
    json!({
        "experiment_id": id.to_string(),
        "name": experiment.record.name,
        "artifact_location": format!("mlflow-artifacts:/{id}"),
        "lifecycle_stage": if experiment.deleted { "deleted" } else { "active" },
        "creation_time": experiment.created_ms,
        "last_update_time": experiment.updated_ms,
        "tags": pairs(&experiment.tags),
    })
}

/// Where a run's artifacts are: on this server, whatever its port.
pub fn run_artifact_uri(experiment: ExperimentId, uuid: &str) -> String {
    format!("mlflow-artifacts:/{experiment}/{uuid}/artifacts")
}

pub fn logged_model_artifact_uri(experiment: ExperimentId, model: &str) -> String {
    format!("mlflow-artifacts:/{experiment}/models/{model}/artifacts")
}

/// A run's name: the one it was given, or one made from what it ran.
pub fn run_name(run: &TrackedRun) -> String {
    run.run
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", run.run.model, run.run.id))
}

pub fn run_info(run: &TrackedRun) -> Value {
    let uuid = &run.run.uuid;
    let mut info = json!({
        "run_id": uuid,
        "run_uuid": uuid,
        "run_name": run_name(run),
        "experiment_id": run.run.experiment_id.to_string(),
        "user_id": run.user_id.clone().unwrap_or_default(),
        "status": status_name(run.run.status),
        "artifact_uri": run_artifact_uri(run.run.experiment_id, uuid),
        "lifecycle_stage": if run.deleted { "deleted" } else { "active" },
    });
    if let Some(start) = run.start_ms {
        info["start_time"] = json!(start);
    }
    if let (Some(end), true) = (run.end_ms, run.run.status.is_final()) {
        info["end_time"] = json!(end);
    }
    info
}

pub fn metric(metric: &KeyedMetric) -> Value {
    json!({
        "key": metric.key,
        "value": double(metric.point.value),
        "timestamp": metric.point.timestamp_ms,
        "step": metric.point.step,
    })
}

pub fn run(run: &TrackedRun) -> Value {
    let mut tags = run.tags.clone();
    if !tags.iter().any(|(k, _)| k == "mlflow.runName") {
        tags.push(("mlflow.runName".to_string(), run_name(run)));
    }
    let inputs: Vec<Value> = run
        .inputs
        .iter()
        .map(|input| {
            json!({
                "tags": serde_json::from_str::<Value>(&input.tags_json).unwrap_or(json!([])),
                "dataset": serde_json::from_str::<Value>(&input.dataset_json).unwrap_or(json!({})),
            })
        })
        .collect();
    let outputs: Vec<Value> = run
        .outputs
        .iter()
        .map(|(model, step)| json!({"model_id": model, "step": step}))
        .collect();
    json!({
        "info": run_info(run),
        "data": {
            "metrics": run.metrics.iter().map(metric).collect::<Vec<_>>(),
            "params": pairs(&run.params),
            "tags": pairs(&tags),
        },
        "inputs": {"dataset_inputs": inputs},
        "outputs": {"model_outputs": outputs},
    })
}

fn object_pairs(json_text: &str) -> Value {
    let map: serde_json::Map<String, Value> = serde_json::from_str(json_text).unwrap_or_default();
    Value::Array(
        map.into_iter()
            .map(|(key, value)| {
                let value = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                json!({"key": key, "value": value})
            })
            .collect(),
    )
}

pub fn logged_model(model: &LoggedModelRecord) -> Value {
    let mut info = json!({
        "model_id": model.id,
        "experiment_id": model.experiment_id.to_string(),
        "name": model.name,
        "creation_timestamp_ms": model.created_ms,
        "last_updated_timestamp_ms": model.updated_ms,
        "artifact_uri": logged_model_artifact_uri(model.experiment_id, &model.id),
        "status": model.status,
        "tags": object_pairs(&model.tags_json),
    });
    if let Some(kind) = &model.model_type {
        info["model_type"] = json!(kind);
    }
    if let Some(run) = &model.source_run {
        info["source_run_id"] = json!(run.uuid);
    }
    json!({
        "info": info,
        "data": {"params": object_pairs(&model.params_json), "metrics": []},
    })
}

/// A random 32-hex id (MLflow's uuid4().hex shape).
pub fn new_hex_id() -> Result<String, TrackingError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| TrackingError::internal(format!("no randomness from the OS: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

const ADJECTIVES: &[&str] = &[
    "amber", "bold", "brisk", "calm", "clever", "crisp", "eager", "gentle", "keen", "lively",
    "merry", "nimble", "quiet", "rapid", "steady", "sunny", "swift", "tidy", "vivid", "wise",
];
const NOUNS: &[&str] = &[
    "otter", "heron", "lynx", "falcon", "badger", "finch", "marten", "panda", "raven", "salmon",
    "tiger", "wren", "bison", "crane", "gecko", "koala", "moose", "newt", "owl", "yak",
];

/// A run name for a run that was given none, as MLflow makes them
/// ("swift-otter-417").
pub fn new_run_name() -> Result<String, TrackingError> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes)
        .map_err(|e| TrackingError::internal(format!("no randomness from the OS: {e}")))?;
    let adjective = ADJECTIVES[bytes[0] as usize % ADJECTIVES.len()];
    let noun = NOUNS[bytes[1] as usize % NOUNS.len()];
    let number = u16::from_le_bytes([bytes[2], bytes[3]]) % 1000;
    Ok(format!("{adjective}-{noun}-{number}"))
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
