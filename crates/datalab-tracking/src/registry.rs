//! `registered-models/*` and `model-versions/*`: MLflow's model registry
//! over Data Lab's. A version registered through MLflow points at files the
//! project already holds (a logged model's, or a run's artifacts) and is
//! marked as an MLflow model, which Data Lab lists but does not serve; Data
//! Lab's own versions are visible to MLflow clients too.

use crate::State;
use crate::error::{ErrorCode, TrackingError};
use crate::experiments::offset_of;
use crate::fields::Fields;
use crate::protocol;
use axum::Json;
use axum::extract::State as Shared;
use datalab_lab::RunFiles;
use datalab_project::{
    ModelRecord, ModelVersionRecord, Project, ProjectError, RunId, VersionFormat,
};
use serde_json::{Value, json};
use std::sync::Arc;

type Answer = Result<Json<Value>, TrackingError>;

/// Where Data Lab's own packages are, as an artifact path's first segment.
pub const PACKAGES_ROOT: &str = "datalab-packages";

fn model_of(project: &Project, name: &str) -> Result<ModelRecord, TrackingError> {
    project.model(name).map_err(|_| {
        TrackingError::not_found(format!("Registered Model with name={name} not found"))
    })
}

/// Data Lab's rule for model names, for models registered from anywhere.
fn check_name(name: &str) -> Result<(), TrackingError> {
    datalab_project::names::check_name("model", name)
        .map_err(|e| TrackingError::invalid(e.to_string()))
}

/// Where a version's files are, as an MLflow artifact URI.
fn download_uri(project: &Project, version: &ModelVersionRecord) -> Result<String, TrackingError> {
    let parts: Vec<&str> = version.package_dir.split('/').collect();
    match parts.as_slice() {
        ["logged-models", id, "artifacts", ..] => {
            let model = project.logged_model(id)?;
            Ok(protocol::logged_model_artifact_uri(model.experiment_id, id))
        }
        ["runs", id, "artifacts", rest @ ..] => {
            let run = project.run(RunId(id.parse().unwrap_or(-1)))?;
            let mut uri = protocol::run_artifact_uri(run.experiment_id, &run.uuid);
            for part in rest {
                uri.push('/');
                uri.push_str(part);
            }
            Ok(uri)
        }
        _ => Ok(format!(
            "mlflow-artifacts:/{PACKAGES_ROOT}/{}/{}",
            version.model, version.version
        )),
    }
}

fn version_json(project: &Project, version: &ModelVersionRecord) -> Result<Value, TrackingError> {
    let run_id = match version.run_id {
        Some(run) => project.run(run).map(|r| r.uuid).unwrap_or_default(),
        None => String::new(),
    };
    let source = match (&version.format, &version.source) {
        (VersionFormat::Mlflow, Some(source)) => source.clone(),
        _ => download_uri(project, version)?,
    };
    let mut tags = Vec::new();
    if version.format == VersionFormat::Datalab {
        tags.push(("datalab.format".to_string(), "datalab".to_string()));
    }
    Ok(json!({
        "name": version.model,
        "version": version.version.to_string(),
        "creation_timestamp": version.created_ms,
        "last_updated_timestamp": version.created_ms,
        "current_stage": "None",
        "description": version.description,
        "source": source,
        "run_id": run_id,
        // Registration is synchronous here: a version is READY when created
        // (the client polls for up to 300 s otherwise).
        "status": "READY",
        "run_link": "",
        "aliases": version.aliases,
        "tags": protocol::pairs(&tags),
    }))
}

fn model_json(project: &Project, model: &ModelRecord) -> Result<Value, TrackingError> {
    let versions = project.versions_of(&model.name)?;
    let mut aliases = Vec::new();
    for version in &versions {
        for alias in &version.aliases {
            aliases.push(json!({"alias": alias, "version": version.version.to_string()}));
        }
    }
    let updated = versions
        .iter()
        .map(|v| v.created_ms)
        .max()
        .unwrap_or(model.created_ms);
    let latest: Vec<Value> = versions
        .first()
        .map(|v| version_json(project, v))
        .transpose()?
        .into_iter()
        .collect();
    Ok(json!({
        "name": model.name,
        "creation_timestamp": model.created_ms,
        "last_updated_timestamp": updated,
        "description": model.description,
        "latest_versions": latest,
        "aliases": aliases,
        "tags": [],
    }))
}

pub async fn create(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    check_name(&name)?;
    let description = fields.opt_text("description")?.unwrap_or_default();
    state
        .with_project(move |project| {
            let model = project
                .create_model(&name, &description)
                .map_err(|e| match e {
                    ProjectError::NameTaken { .. } => TrackingError::new(
                        ErrorCode::ResourceAlreadyExists,
                        format!("Registered Model (name={name}) already exists."),
                    ),
                    other => other.into(),
                })?;
            Ok(Json(
                json!({"registered_model": model_json(project, &model)?}),
            ))
        })
        .await
}

pub async fn get(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    state
        .with_project(move |project| {
            let model = model_of(project, &name)?;
            Ok(Json(
                json!({"registered_model": model_json(project, &model)?}),
            ))
        })
        .await
}

/// The name of a `name = 'x'` or `name LIKE 'x%'` filter, as a LIKE pattern.
fn name_pattern(filter: &str) -> Result<Option<String>, TrackingError> {
    let filter = filter.trim();
    if filter.is_empty() {
        return Ok(None);
    }
    let bad = || {
        TrackingError::invalid(format!(
            "Invalid filter '{filter}': Data Lab searches the registry by name = 'x' or name LIKE 'x%'"
        ))
    };
    let rest = filter.strip_prefix("name").ok_or_else(bad)?.trim_start();
    let (like, value) = if let Some(v) = rest.strip_prefix('=') {
        (false, v.trim())
    } else if rest.len() > 4 && rest[..4].eq_ignore_ascii_case("like") {
        (true, rest[4..].trim())
    } else if rest.len() > 5 && rest[..5].eq_ignore_ascii_case("ilike") {
        (true, rest[5..].trim())
    } else {
        return Err(bad());
    };
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .ok_or_else(bad)?;
    Ok(Some(if like {
        value.to_string()
    } else {
        value
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    }))
}

pub async fn search(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let pattern = name_pattern(&fields.opt_text("filter")?.unwrap_or_default())?;
    let limit = fields.opt_int("max_results")?.unwrap_or(100).clamp(1, 1000) as u64;
    let offset = offset_of(fields.opt_text("page_token")?)?;
    state
        .with_project(move |project| {
            let mut models = project.search_models(pattern.as_deref(), offset, limit + 1)?;
            let more = models.len() as u64 > limit;
            models.truncate(limit as usize);
            let models = models
                .iter()
                .map(|m| model_json(project, m))
                .collect::<Result<Vec<_>, _>>()?;
            let mut answer = json!({"registered_models": models});
            if more {
                answer["next_page_token"] = json!((offset + limit).to_string());
            }
            Ok(Json(answer))
        })
        .await
}

pub async fn update(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let description = fields.opt_text("description")?;
    state
        .with_project(move |project| {
            model_of(project, &name)?;
            if let Some(description) = description {
                project.set_model_description(&name, &description)?;
            }
            let model = model_of(project, &name)?;
            Ok(Json(
                json!({"registered_model": model_json(project, &model)?}),
            ))
        })
        .await
}

pub async fn rename(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let new_name = fields.text("new_name")?;
    check_name(&new_name)?;
    state
        .with_project(move |project| {
            model_of(project, &name)?;
            project.rename_model(&name, &new_name)?;
            let model = model_of(project, &new_name)?;
            Ok(Json(
                json!({"registered_model": model_json(project, &model)?}),
            ))
        })
        .await
}

pub async fn delete(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    state
        .with_project(move |project| {
            model_of(project, &name)?;
            project.delete_model(&name)?;
            Ok(Json(json!({})))
        })
        .await
}

/// `registered-models/get-latest-versions`: the newest version (stages are
/// not kept: every version is in stage "None").
pub async fn latest_versions(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    state
        .with_project(move |project| {
            model_of(project, &name)?;
            let versions = project.versions_of(&name)?;
            let latest = versions
                .first()
                .map(|v| version_json(project, v))
                .transpose()?;
            Ok(Json(
                json!({"model_versions": latest.into_iter().collect::<Vec<_>>()}),
            ))
        })
        .await
}

fn version_of(
    project: &Project,
    name: &str,
    version: &str,
) -> Result<ModelVersionRecord, TrackingError> {
    let number: u32 = version.trim().parse().map_err(|_| {
        TrackingError::invalid(format!("Model version must be a number, not '{version}'"))
    })?;
    project
        .model_version(name, Some(number), None)
        .map_err(|_| {
            TrackingError::not_found(format!(
                "Model Version (name={name}, version={version}) not found"
            ))
        })
}

/// Where a source URI's files are in the project, relative to its root, and
/// the run they came from.
fn resolve_source(
    project: &Project,
    source: &str,
) -> Result<(String, Option<RunId>), TrackingError> {
    let refuse = || {
        TrackingError::invalid(format!(
            "Data Lab registers models whose files this project holds: a source of the form \
             models:/m-…, runs:/<run id>/<path> or mlflow-artifacts:/…, not '{source}'"
        ))
    };
    let run_path = |uuid: &str, rest: &[&str]| -> Result<(String, Option<RunId>), TrackingError> {
        let run = crate::runs::run_of(project, uuid)?;
        let mut relative = format!("runs/{}/{}", run.id, RunFiles::ARTIFACTS);
        for part in rest {
            if part.is_empty() || *part == "." || *part == ".." {
                return Err(refuse());
            }
            relative.push('/');
            relative.push_str(part);
        }
        Ok((relative, Some(run.id)))
    };
    if let Some(id) = source.strip_prefix("models:/") {
        let id = id.trim_end_matches('/');
        let model = project.logged_model(id).map_err(|_| {
            TrackingError::not_found(format!("Logged model with ID '{id}' not found."))
        })?;
        return Ok((
            format!("logged-models/{}/artifacts", model.id),
            model.source_run.map(|r| r.id),
        ));
    }
    if let Some(rest) = source.strip_prefix("runs:/") {
        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
        return match parts.split_first() {
            Some((uuid, rest)) => run_path(uuid, rest),
            None => Err(refuse()),
        };
    }
    if let Some(rest) = source.strip_prefix("mlflow-artifacts:/") {
        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
        return match parts.as_slice() {
            [_, "models", id, "artifacts", ..] => resolve_source(project, &format!("models:/{id}")),
            [_, uuid, "artifacts", rest @ ..] => run_path(uuid, rest),
            _ => Err(refuse()),
        };
    }
    Err(refuse())
}

pub async fn create_version(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    check_name(&name)?;
    let source = fields.text("source")?;
    let run_uuid = fields.opt_text("run_id")?.filter(|r| !r.is_empty());
    let model_id = fields.opt_text("model_id")?.filter(|m| !m.is_empty());
    let description = fields.opt_text("description")?.unwrap_or_default();
    state
        .with_project(move |project| {
            model_of(project, &name)?;
            let (package_dir, source_run) = match &model_id {
                Some(id) => resolve_source(project, &format!("models:/{id}"))?,
                None => resolve_source(project, &source)?,
            };
            let run = match &run_uuid {
                Some(uuid) => Some(crate::runs::run_of(project, uuid)?.id),
                None => source_run,
            };
            let version = project.insert_mlflow_model_version(
                &name,
                run,
                &source,
                &description,
                &package_dir,
            )?;
            Ok(Json(
                json!({"model_version": version_json(project, &version)?}),
            ))
        })
        .await
}

pub async fn get_version(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let version = fields.text("version")?;
    state
        .with_project(move |project| {
            let version = version_of(project, &name, &version)?;
            Ok(Json(
                json!({"model_version": version_json(project, &version)?}),
            ))
        })
        .await
}

pub async fn download_uri_of(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let version = fields.text("version")?;
    state
        .with_project(move |project| {
            let version = version_of(project, &name, &version)?;
            Ok(Json(
                json!({"artifact_uri": download_uri(project, &version)?}),
            ))
        })
        .await
}

pub async fn search_versions(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let filter = fields.opt_text("filter")?.unwrap_or_default();
    let name = name_pattern(&filter)?;
    state
        .with_project(move |project| {
            let mut versions = Vec::new();
            for model in project.search_models(name.as_deref(), 0, 10_000)? {
                for version in project.versions_of(&model.name)? {
                    versions.push(version_json(project, &version)?);
                }
            }
            Ok(Json(json!({"model_versions": versions})))
        })
        .await
}

pub async fn update_version(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let version = fields.text("version")?;
    let description = fields.opt_text("description")?;
    state
        .with_project(move |project| {
            let found = version_of(project, &name, &version)?;
            if let Some(description) = description {
                project.set_version_description(found.id, &description)?;
            }
            let found = version_of(project, &name, &version)?;
            Ok(Json(
                json!({"model_version": version_json(project, &found)?}),
            ))
        })
        .await
}

/// Stages are deprecated in MLflow; Data Lab keeps none and answers with the version.
pub async fn transition_stage(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    get_version(Shared(state), fields).await
}

pub async fn delete_version(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let version = fields.text("version")?;
    state
        .with_project(move |project| {
            let found = version_of(project, &name, &version)?;
            project.delete_model_version(found.id)?;
            Ok(Json(json!({})))
        })
        .await
}

pub async fn set_alias(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let alias = fields.text("alias")?;
    let version = fields.text("version")?;
    datalab_project::names::check_name("alias", &alias)
        .map_err(|e| TrackingError::invalid(e.to_string()))?;
    state
        .with_project(move |project| {
            let found = version_of(project, &name, &version)?;
            project.set_model_alias(found.id, &alias)?;
            Ok(Json(json!({})))
        })
        .await
}

pub async fn get_by_alias(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let alias = fields.text("alias")?;
    state
        .with_project(move |project| {
            let version = project
                .model_version(&name, None, Some(&alias))
                .map_err(|_| {
                    TrackingError::not_found(format!("Registered model alias {alias} not found."))
                })?;
            Ok(Json(
                json!({"model_version": version_json(project, &version)?}),
            ))
        })
        .await
}

pub async fn delete_alias(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    let alias = fields.text("alias")?;
    state
        .with_project(move |project| {
            model_of(project, &name)?;
            project.delete_model_alias(&name, &alias)?;
            Ok(Json(json!({})))
        })
        .await
}
