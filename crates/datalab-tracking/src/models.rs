//! `logged-models/*`: MLflow 3's logged models. A 3.x client cannot log a
//! model (`log_model`, autolog) without them.

use crate::State;
use crate::error::TrackingError;
use crate::experiments::{named, offset_of};
use crate::fields::Fields;
use crate::protocol;
use axum::Json;
use axum::extract::{Path as UrlPath, State as Shared};
use datalab_project::NewLoggedModel;
use serde_json::{Value, json};
use std::sync::Arc;

type Answer = Result<Json<Value>, TrackingError>;

fn model_of(
    project: &datalab_project::Project,
    id: &str,
) -> Result<datalab_project::LoggedModelRecord, TrackingError> {
    project
        .logged_model(id)
        .map_err(|_| TrackingError::not_found(format!("Logged model with ID '{id}' not found.")))
}

fn model_answer(project: &datalab_project::Project, id: &str) -> Answer {
    let model = model_of(project, id)?;
    Ok(Json(json!({"model": protocol::logged_model(&model)})))
}

pub async fn create(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let experiment = fields.text("experiment_id")?;
    let name = fields.opt_text("name")?.filter(|n| !n.is_empty());
    let model_type = fields.opt_text("model_type")?;
    let source_run = fields.opt_text("source_run_id")?.filter(|r| !r.is_empty());
    let params = fields.pairs("params")?;
    let tags = fields.pairs("tags")?;
    for (key, value) in params.iter().chain(&tags) {
        protocol::check_key("logged model", key)?;
        protocol::check_value("Logged model", key, value, protocol::MAX_TAG_VALUE_LENGTH)?;
    }
    let id = format!("m-{}", protocol::new_hex_id()?);
    let name = match name {
        Some(name) => name,
        None => protocol::new_run_name()?,
    };
    state
        .with_project(move |project| {
            let experiment = named(project, &experiment)?;
            let source_run = source_run
                .map(|uuid| crate::runs::run_of(project, &uuid).map(|r| r.id))
                .transpose()?;
            project.create_logged_model(&NewLoggedModel {
                id: &id,
                experiment,
                name: &name,
                model_type: model_type.as_deref(),
                source_run,
                status: "LOGGED_MODEL_PENDING",
                now_ms: protocol::now_ms(),
                params: &params,
                tags: &tags,
            })?;
            model_answer(project, &id)
        })
        .await
}

pub async fn get(Shared(state): Shared<Arc<State>>, UrlPath(id): UrlPath<String>) -> Answer {
    state
        .with_project(move |project| model_answer(project, &id))
        .await
}

/// `PATCH logged-models/{id}`: finalizes the model (ready, or upload failed).
pub async fn finalize(
    Shared(state): Shared<Arc<State>>,
    UrlPath(id): UrlPath<String>,
    fields: Fields,
) -> Answer {
    let status = fields.text("status")?;
    let status = match status.as_str() {
        "LOGGED_MODEL_READY" | "2" => "LOGGED_MODEL_READY",
        "LOGGED_MODEL_UPLOAD_FAILED" | "3" => "LOGGED_MODEL_UPLOAD_FAILED",
        "LOGGED_MODEL_PENDING" | "1" => "LOGGED_MODEL_PENDING",
        other => {
            return Err(TrackingError::invalid(format!(
                "Invalid logged model status '{other}': LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED"
            )));
        }
    };
    state
        .with_project(move |project| {
            model_of(project, &id)?;
            project.set_logged_model_status(&id, status, protocol::now_ms())?;
            model_answer(project, &id)
        })
        .await
}

pub async fn delete(Shared(state): Shared<Arc<State>>, UrlPath(id): UrlPath<String>) -> Answer {
    state
        .with_project(move |project| {
            model_of(project, &id)?;
            project.delete_logged_model(&id)?;
            Ok(Json(json!({})))
        })
        .await
}

pub async fn set_tags(
    Shared(state): Shared<Arc<State>>,
    UrlPath(id): UrlPath<String>,
    fields: Fields,
) -> Answer {
    let tags = fields.pairs("tags")?;
    for (key, value) in &tags {
        protocol::check_key("tag", key)?;
        protocol::check_value("Tag", key, value, protocol::MAX_TAG_VALUE_LENGTH)?;
    }
    state
        .with_project(move |project| {
            model_of(project, &id)?;
            project.set_logged_model_tags(&id, &tags, protocol::now_ms())?;
            model_answer(project, &id)
        })
        .await
}

/// `POST logged-models/search`: by experiment, and by name with the filter
/// `name = '<name>'` (what `register_model` and `runs:/` URIs send).
pub async fn search(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let experiments = fields.texts("experiment_ids")?;
    let filter = fields.opt_text("filter")?.unwrap_or_default();
    let name = name_filter(&filter)?;
    let limit = fields
        .opt_int("max_results")?
        .unwrap_or(100)
        .clamp(1, 10_000) as u64;
    let offset = offset_of(fields.opt_text("page_token")?)?;
    state
        .with_project(move |project| {
            let experiments = experiments
                .iter()
                .map(|e| named(project, e))
                .collect::<Result<Vec<_>, _>>()?;
            let mut models =
                project.search_logged_models(&experiments, name.as_deref(), offset, limit)?;
            let more = models.len() as u64 > limit;
            models.truncate(limit as usize);
            let mut answer =
                json!({"models": models.iter().map(protocol::logged_model).collect::<Vec<_>>()});
            if more {
                answer["next_page_token"] = json!((offset + limit).to_string());
            }
            Ok(Json(answer))
        })
        .await
}

/// The name of `name = 'x'` (or empty: no filter).
fn name_filter(filter: &str) -> Result<Option<String>, TrackingError> {
    let filter = filter.trim();
    if filter.is_empty() {
        return Ok(None);
    }
    let value = filter
        .strip_prefix("name")
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix('='))
        .map(str::trim)
        .and_then(|v| {
            v.strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .or_else(|| v.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        });
    value.map(|v| Some(v.to_string())).ok_or_else(|| {
        TrackingError::invalid(format!(
            "Invalid logged model filter '{filter}': Data Lab searches logged models by name = 'x'"
        ))
    })
}
