//! `experiments/*`: the experiments runs are logged into. Data Lab's own
//! experiments are visible too (a command trial logs into its sweep's).

use crate::State;
use crate::error::{ErrorCode, TrackingError};
use crate::fields::Fields;
use crate::protocol::{self, MAX_EXPERIMENT_NAME_LENGTH};
use axum::Json;
use axum::extract::State as Shared;
use datalab_project::{ExperimentId, Lifecycle, Project};
use serde_json::{Value, json};
use std::sync::Arc;

type Answer = Result<Json<Value>, TrackingError>;

/// The experiment a request names, which must exist (experiment 0 always does).
pub fn named(project: &Project, id: &str) -> Result<ExperimentId, TrackingError> {
    let id = protocol::experiment_id(id)?;
    if id.0 == 0 {
        project.ensure_default_experiment()?;
    }
    project
        .tracked_experiment(id)
        .map(|e| e.record.id)
        .map_err(|_| TrackingError::not_found(format!("No Experiment with id={id} exists")))
}

fn check_name(name: &str) -> Result<(), TrackingError> {
    if name.trim().is_empty() {
        return Err(TrackingError::invalid("Experiment name must not be empty"));
    }
    if name.chars().count() > MAX_EXPERIMENT_NAME_LENGTH {
        return Err(TrackingError::invalid(format!(
            "Experiment name is longer than {MAX_EXPERIMENT_NAME_LENGTH} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(TrackingError::invalid(format!(
            "Experiment name '{}' has control characters",
            name.escape_debug()
        )));
    }
    Ok(())
}

pub async fn create(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("name")?;
    check_name(&name)?;
    let tags = fields.pairs("tags")?;
    state
        .with_project(move |project| {
            project.ensure_default_experiment()?;
            let id = project
                .create_tracked_experiment(&name, &tags)
                .map_err(|e| match e {
                    datalab_project::ProjectError::NameTaken { .. } => TrackingError::new(
                        ErrorCode::ResourceAlreadyExists,
                        format!("Experiment '{name}' already exists."),
                    ),
                    other => other.into(),
                })?;
            Ok(Json(json!({"experiment_id": id.to_string()})))
        })
        .await
}

pub async fn get(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let id = fields.text("experiment_id")?;
    state
        .with_project(move |project| {
            let id = named(project, &id)?;
            let experiment = project.tracked_experiment(id)?;
            Ok(Json(
                json!({"experiment": protocol::experiment(&experiment)}),
            ))
        })
        .await
}

pub async fn get_by_name(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let name = fields.text("experiment_name")?;
    state
        .with_project(move |project| {
            if name == "Default" {
                project.ensure_default_experiment()?;
            }
            match project.tracked_experiment_by_name(&name)? {
                Some(experiment) => Ok(Json(
                    json!({"experiment": protocol::experiment(&experiment)}),
                )),
                None => Err(TrackingError::not_found(format!(
                    "Could not find experiment with name '{name}'"
                ))),
            }
        })
        .await
}

/// The view type of a search (`ACTIVE_ONLY` by default; protobuf's numbers too).
pub fn lifecycle(view: Option<String>) -> Result<Lifecycle, TrackingError> {
    match view.as_deref() {
        None | Some("ACTIVE_ONLY") | Some("1") => Ok(Lifecycle::Active),
        Some("DELETED_ONLY") | Some("2") => Ok(Lifecycle::Deleted),
        Some("ALL") | Some("3") => Ok(Lifecycle::All),
        Some(other) => Err(TrackingError::invalid(format!(
            "Invalid view type '{other}': ACTIVE_ONLY, DELETED_ONLY or ALL"
        ))),
    }
}

/// A page token: the offset of the next page, as text.
pub fn offset_of(token: Option<String>) -> Result<u64, TrackingError> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(token) => token
            .parse::<u64>()
            .map_err(|_| TrackingError::invalid(format!("Invalid page token '{token}'"))),
    }
}

/// A name pattern (LIKE) and the tags an experiment must carry.
type ExperimentFilter = (Option<String>, Vec<(String, String)>);

/// The filter of an experiment search: `name = 'x'`, `name LIKE 'x%'`,
/// `tags.k = 'v'`, joined with AND.
fn experiment_filter(filter: &str) -> Result<ExperimentFilter, TrackingError> {
    let mut name = None;
    let mut tags = Vec::new();
    for clause in datalab_data::split_conditions(filter, false) {
        let clause = clause.trim();
        if clause.is_empty() {
            continue;
        }
        let bad = || {
            TrackingError::invalid(format!(
                "Invalid experiment filter '{clause}': use name = 'x', name LIKE 'x%' or tags.key = 'v'"
            ))
        };
        let (field, rest) = clause.split_once(char::is_whitespace).ok_or_else(bad)?;
        let rest = rest.trim();
        let (operator, value) = rest.split_once(char::is_whitespace).ok_or_else(bad)?;
        let value = value.trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
            .ok_or_else(bad)?
            .to_string();
        let field = field
            .trim_start_matches("attributes.")
            .trim_start_matches("attribute.");
        match (field, operator.to_ascii_uppercase().as_str()) {
            ("name", "=") => {
                name = Some(
                    value
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_"),
                )
            }
            ("name", "LIKE" | "ILIKE") => name = Some(value),
            (tag, "=") if tag.starts_with("tags.") => tags.push((
                tag.trim_start_matches("tags.")
                    .trim_matches('`')
                    .to_string(),
                value,
            )),
            _ => return Err(bad()),
        }
    }
    Ok((name, tags))
}

pub async fn search(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let lifecycle = lifecycle(fields.opt_text("view_type")?)?;
    let limit = fields
        .opt_int("max_results")?
        .unwrap_or(1000)
        .clamp(1, 50_000) as u64;
    let offset = offset_of(fields.opt_text("page_token")?)?;
    let (name, tags) = experiment_filter(&fields.opt_text("filter")?.unwrap_or_default())?;
    state
        .with_project(move |project| {
            project.ensure_default_experiment()?;
            let mut found = project.search_tracked_experiments(
                lifecycle,
                name.as_deref(),
                &tags,
                offset,
                limit + 1,
            )?;
            let more = found.len() as u64 > limit;
            found.truncate(limit as usize);
            let mut answer = json!({
                "experiments": found.iter().map(protocol::experiment).collect::<Vec<_>>()
            });
            if more {
                answer["next_page_token"] = json!((offset + limit).to_string());
            }
            Ok(Json(answer))
        })
        .await
}

pub async fn update(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let id = fields.text("experiment_id")?;
    let name = fields.opt_text("new_name")?;
    state
        .with_project(move |project| {
            let id = named(project, &id)?;
            if let Some(name) = name {
                check_name(&name)?;
                project.rename_experiment(id, &name, protocol::now_ms())?;
            }
            Ok(Json(json!({})))
        })
        .await
}

async fn set_deleted(state: Arc<State>, fields: Fields, deleted: bool) -> Answer {
    let id = fields.text("experiment_id")?;
    state
        .with_project(move |project| {
            let id = named(project, &id)?;
            if id.0 == 0 && deleted {
                return Err(TrackingError::invalid(
                    "Cannot delete the default experiment '0'.",
                ));
            }
            project.set_experiment_deleted(id, deleted, protocol::now_ms())?;
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

pub async fn set_tag(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let id = fields.text("experiment_id")?;
    let key = fields.text("key")?;
    let value = fields.opt_text("value")?.unwrap_or_default();
    protocol::check_key("tag", &key)?;
    protocol::check_value("Tag", &key, &value, protocol::MAX_TAG_VALUE_LENGTH)?;
    state
        .with_project(move |project| {
            let id = named(project, &id)?;
            project.set_experiment_tag(id, &key, &value)?;
            Ok(Json(json!({})))
        })
        .await
}

pub async fn delete_tag(Shared(state): Shared<Arc<State>>, fields: Fields) -> Answer {
    let id = fields.text("experiment_id")?;
    let key = fields.text("key")?;
    state
        .with_project(move |project| {
            let id = named(project, &id)?;
            project.delete_experiment_tag(id, &key)?;
            Ok(Json(json!({})))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn experiment_filters_parse() {
        let (name, tags) =
            experiment_filter("name LIKE 'iris%' and tags.team = 'a and b'").unwrap_or_default();
        assert_eq!(name.as_deref(), Some("iris%"));
        assert_eq!(tags, vec![("team".to_string(), "a and b".to_string())]);
        assert!(experiment_filter("colour = 'red'").is_err());
    }
}
