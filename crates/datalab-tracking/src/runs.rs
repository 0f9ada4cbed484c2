//! `runs/*` and `metrics/*`: a run's life, what it logs, and searches.

use crate::State;
use crate::error::TrackingError;
use crate::experiments::{lifecycle, named, offset_of};
use crate::fields::{Fields, double_of, int_of};
use crate::protocol::{self, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH};
use crate::search;
use axum::Json;
use axum::extract::State as Shared;
use datalab_project::{
    KeyedMetric, MetricPoint, NewTrackedRun, Project, RunInput, RunOrigin, RunRecord, RunSearch,
    RunUpdate,
};
use serde_json::{Value, json};
use std::sync::Arc;

type Answer = Result<Json<Value>, TrackingError>;

/// The most points one `get-history` page returns.
const MAX_HISTORY_PAGE: i64 = 1_000_000;

/// The run a request names.
pub fn run_of(project: &Project, uuid: &str) -> Result<RunRecord, TrackingError> {
    project
        .run_by_uuid(uuid)
        .map_err(|_| TrackingError::not_found(format!("Run '{uuid}' not found")))
}

/// The run a request logs into: it must not be deleted.
fn active_run(project: &Project, uuid: &str) -> Result<RunRecord, TrackingError> {
    let run = run_of(project, uuid)?;
    if project.run_deleted(run.id)? {
        return Err(TrackingError::invalid(format!(
            "The run {uuid} must be in the 'active' state. Current state is deleted."
        )));
    }
    Ok(run)
}

fn check_tags(tags: &[(String, String)]) -> Result<(), TrackingError> {
    for (key, value) in tags {
        protocol::check_key("tag", key)?;
        protocol::check_value("Tag", key, value, MAX_TAG_VALUE_LENGTH)?;
    }
    Ok(())
}

fn check_params(params: &[(String, String)]) -> Result<(), TrackingError> {
    for (key, value) in params {
        protocol::check_key("param", key)?;
        protocol::check_value("Param", key, value, MAX_PARAM_VALUE_LENGTH)?;
    }
    Ok(())
}

fn metric_of(fields: &Fields) -> Result<KeyedMetric, TrackingError> {
    let key = fields.text("key")?;
    protocol::check_key("metric", &key)?;
    let value = match fields.0.get("value") {
        Some(v) if !v.is_null() => double_of("value", v)?,
        _ => {
            return Err(TrackingError::invalid(format!(
                "Missing value for metric '{key}'"
            )));
        }
    };
    let timestamp_ms = match fields.0.get("timestamp") {
        Some(v) if !v.is_null() => int_of("timestamp", v)?,
        _ => protocol::now_ms(),
    };
    let step = fields.opt_int("step")?.unwrap_or(0);
    Ok(KeyedMetric {
        key,
        point: MetricPoint {
            value,
            timestamp_ms,
            step,
        },
    })
}

fn run_answer(project: &Project, run: &RunRecord) -> Answer {
    let tracked = project.tracked_run(run.id)?;
    Ok(Json(json!({"run": protocol::run(&tracked)})))
}

pub async fn create(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let experiment = fields
        .opt_text("experiment_id")?
        .unwrap_or_else(|| "0".to_string());
    let user = fields.opt_text("user_id")?;
    let mut tags = fields.pairs("tags")?;
    check_tags(&tags)?;
    let start_ms = fields
        .opt_int("start_time")?
        .unwrap_or_else(protocol::now_ms);
    let name = match fields.opt_text("run_name")?.filter(|n| !n.is_empty()) {
        Some(name) => name,
        None => match tags.iter().find(|(k, _)| k == "mlflow.runName") {
            Some((_, name)) => name.clone(),
            None => protocol::new_run_name()?,
        },
    };
    protocol::check_value("Run name", "run_name", &name, MAX_TAG_VALUE_LENGTH)?;
    tags.retain(|(k, _)| k != "mlflow.runName");
    tags.push(("mlflow.runName".to_string(), name.clone()));
    state
        .with_project(move |project| {
            let experiment = named(project, &experiment)?;
            let tracked = project.tracked_experiment(experiment)?;
            if tracked.deleted {
                return Err(TrackingError::invalid(format!(
                    "The experiment {experiment} must be in the 'active' state. Current state is deleted."
                )));
            }
            let run = project.create_tracked_run(&NewTrackedRun {
                experiment,
                name: &name,
                user_id: user.as_deref(),
                start_ms,
                tags: &tags,
            })?;
            run_answer(project, &run)
        })
        .await
}

pub async fn get(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    state
        .with_project(move |project| {
            let run = run_of(project, &uuid)?;
            run_answer(project, &run)
        })
        .await
}

pub async fn update(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let status = fields
        .opt_text("status")?
        .map(|s| protocol::status_from(&s))
        .transpose()?;
    let end_ms = fields.opt_int("end_time")?;
    let name = fields.opt_text("run_name")?.filter(|n| !n.is_empty());
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            // A command trial's status is its process's exit, not what its script says.
            let owned_by_lab = run.origin == RunOrigin::Command;
            project.update_tracked_run(
                run.id,
                &RunUpdate {
                    status: if owned_by_lab { None } else { status },
                    end_ms: if owned_by_lab {
                        None
                    } else {
                        end_ms
                            .or_else(|| status.filter(|s| s.is_final()).map(|_| protocol::now_ms()))
                    },
                    name: name.as_deref(),
                },
            )?;
            if let Some(name) = &name {
                project.set_run_tag(run.id, "mlflow.runName", name)?;
            }
            let tracked = project.tracked_run(run.id)?;
            Ok(Json(json!({"run_info": protocol::run_info(&tracked)})))
        })
        .await
}

async fn set_deleted(state: Arc<State>, fields: Fields, deleted: bool) -> Answer {
    let uuid = fields.run_id()?;
    state
        .with_project(move |project| {
            let run = run_of(project, &uuid)?;
            project.set_run_deleted(run.id, deleted)?;
            Ok(Json(json!({})))
        })
        .await
}

pub async fn delete(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    set_deleted(state, fields, true).await
}

pub async fn restore(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    set_deleted(state, fields, false).await
}

/// Logs params, metrics and tags checked against MLflow's limits, all or nothing.
async fn log(
    state: Arc<State>,
    uuid: String,
    params: Vec<(String, String)>,
    metrics: Vec<KeyedMetric>,
    tags: Vec<(String, String)>,
) -> Answer {
    check_params(&params)?;
    check_tags(&tags)?;
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            project.log_batch(run.id, &params, &metrics, &tags)?;
            Ok(Json(json!({})))
        })
        .await
}

pub async fn log_batch(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let params = fields.pairs("params")?;
    let tags = fields.pairs("tags")?;
    let metrics = fields
        .objects("metrics")?
        .iter()
        .map(metric_of)
        .collect::<Result<Vec<_>, _>>()?;
    if metrics.len() > protocol::MAX_METRICS_PER_BATCH
        || params.len() > protocol::MAX_PARAMS_TAGS_PER_BATCH
        || tags.len() > protocol::MAX_PARAMS_TAGS_PER_BATCH
        || metrics.len() + params.len() + tags.len() > protocol::MAX_ENTITIES_PER_BATCH
    {
        return Err(TrackingError::invalid(format!(
            "A batch logging request can contain at most {} metrics, {} params and {} tags, \
             {} in all; this one has {} metrics, {} params and {} tags",
            protocol::MAX_METRICS_PER_BATCH,
            protocol::MAX_PARAMS_TAGS_PER_BATCH,
            protocol::MAX_PARAMS_TAGS_PER_BATCH,
            protocol::MAX_ENTITIES_PER_BATCH,
            metrics.len(),
            params.len(),
            tags.len()
        )));
    }
    log(state, uuid, params, metrics, tags).await
}

pub async fn log_metric(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let metric = metric_of(&fields)?;
    log(state, uuid, Vec::new(), vec![metric], Vec::new()).await
}

pub async fn log_parameter(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let param = (
        fields.text("key")?,
        fields.opt_text("value")?.unwrap_or_default(),
    );
    log(state, uuid, vec![param], Vec::new(), Vec::new()).await
}

pub async fn set_tag(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let key = fields.text("key")?;
    let value = fields.opt_text("value")?.unwrap_or_default();
    let name = (key == "mlflow.runName").then(|| value.clone());
    let tags = vec![(key, value)];
    check_tags(&tags)?;
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            project.log_batch(run.id, &[], &[], &tags)?;
            if let Some(name) = name {
                project.update_tracked_run(
                    run.id,
                    &RunUpdate {
                        name: Some(&name),
                        ..RunUpdate::default()
                    },
                )?;
            }
            Ok(Json(json!({})))
        })
        .await
}

pub async fn delete_tag(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let key = fields.text("key")?;
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            if !project.delete_run_tag(run.id, &key)? {
                return Err(TrackingError::not_found(format!(
                    "No tag with name: {key} in run with id {uuid}"
                )));
            }
            Ok(Json(json!({})))
        })
        .await
}

pub async fn log_inputs(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let mut inputs = Vec::new();
    for input in fields.objects("datasets")? {
        let dataset = input
            .object("dataset")?
            .ok_or_else(|| TrackingError::invalid("Each dataset input needs a 'dataset'"))?;
        let tags = input.pairs("tags")?;
        check_tags(&tags)?;
        inputs.push(RunInput {
            name: dataset.text("name")?,
            digest: dataset.text("digest")?,
            context: tags
                .iter()
                .find(|(k, _)| k == "mlflow.data.context")
                .map(|(_, v)| v.clone()),
            dataset_json: Value::Object(dataset.0).to_string(),
            tags_json: protocol::pairs(&tags).to_string(),
        });
    }
    let models = model_outputs(&fields, "models")?;
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            project.log_inputs(run.id, &inputs)?;
            if !models.is_empty() {
                project.log_outputs(run.id, &models)?;
            }
            Ok(Json(json!({})))
        })
        .await
}

fn model_outputs(fields: &Fields, name: &str) -> Result<Vec<(String, i64)>, TrackingError> {
    fields
        .objects(name)?
        .iter()
        .map(|m| Ok((m.text("model_id")?, m.opt_int("step")?.unwrap_or(0))))
        .collect()
}

pub async fn log_outputs(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let models = model_outputs(&fields, "models")?;
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            for (model, _) in &models {
                project.logged_model(model)?;
            }
            project.log_outputs(run.id, &models)?;
            Ok(Json(json!({})))
        })
        .await
}

/// MLflow 2's `runs/log-model`: the model's description is kept as a tag,
/// as MLflow's own server does (`mlflow.log-model.history`).
pub async fn log_model(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let model = fields.text("model_json")?;
    state
        .with_project(move |project| {
            let run = active_run(project, &uuid)?;
            let mut history: Vec<Value> = project
                .tracked_run(run.id)?
                .tags
                .iter()
                .find(|(k, _)| k == "mlflow.log-model.history")
                .and_then(|(_, v)| serde_json::from_str(v).ok())
                .unwrap_or_default();
            history.push(serde_json::from_str(&model).unwrap_or(Value::String(model)));
            let text = Value::Array(history).to_string();
            if text.chars().count() <= MAX_TAG_VALUE_LENGTH {
                project.set_run_tag(run.id, "mlflow.log-model.history", &text)?;
            }
            Ok(Json(json!({})))
        })
        .await
}

pub async fn get_history(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let uuid = fields.run_id()?;
    let key = fields.text("metric_key")?;
    let limit = fields
        .opt_int("max_results")?
        .unwrap_or(MAX_HISTORY_PAGE)
        .clamp(1, MAX_HISTORY_PAGE) as u64;
    let offset = offset_of(fields.opt_text("page_token")?)?;
    state
        .with_project(move |project| {
            let run = run_of(project, &uuid)?;
            let points = project.metric_history(run.id, &key, offset, limit + 1)?;
            let more = points.len() as u64 > limit;
            let metrics: Vec<Value> = points
                .iter()
                .take(limit as usize)
                .map(|p| {
                    json!({"key": key, "value": protocol::double(p.value), "timestamp": p.timestamp_ms, "step": p.step})
                })
                .collect();
            let mut answer = json!({"metrics": metrics});
            if more {
                answer["next_page_token"] = json!((offset + limit).to_string());
            }
            Ok(Json(answer))
        })
        .await
}

pub async fn search(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let experiments = fields.texts("experiment_ids")?;
    let conditions = search::parse_filter(&fields.opt_text("filter")?.unwrap_or_default())?;
    let order = fields
        .texts("order_by")?
        .iter()
        .map(|o| search::parse_order(o))
        .collect::<Result<Vec<_>, _>>()?;
    let lifecycle = lifecycle(fields.opt_text("run_view_type")?)?;
    let limit = fields.opt_int("max_results")?.unwrap_or(1000);
    if !(1..=protocol::MAX_RESULTS_PER_PAGE as i64).contains(&limit) {
        return Err(TrackingError::invalid(format!(
            "Invalid value {limit} for parameter 'max_results' supplied: it must be at most {}",
            protocol::MAX_RESULTS_PER_PAGE
        )));
    }
    let offset = offset_of(fields.opt_text("page_token")?)?;
    state
        .with_project(move |project| {
            let experiments = experiments
                .iter()
                .map(|e| named(project, e))
                .collect::<Result<Vec<_>, _>>()?;
            let mut runs = project.search_runs(&RunSearch {
                experiments,
                lifecycle,
                conditions,
                order,
                offset,
                limit: limit as u64,
            })?;
            let more = runs.len() as u64 > limit as u64;
            runs.truncate(limit as usize);
            let tracked = project.tracked_runs(runs)?;
            let mut answer = json!({"runs": tracked.iter().map(protocol::run).collect::<Vec<_>>()});
            if more {
                answer["next_page_token"] = json!((offset + limit as u64).to_string());
            }
            Ok(Json(answer))
        })
        .await
}
