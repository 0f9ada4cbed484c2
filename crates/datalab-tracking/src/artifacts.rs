//! The `mlflow-artifacts` proxy: files a run or a logged model logs,
//! streamed to and from the project folder.
//!
//! An artifact path is `<experiment>/<run id>/artifacts/<file>` (a run's
//! files, kept in `runs/<id>/artifacts/`) or
//! `<experiment>/models/<model id>/artifacts/<file>` (a logged model's, in
//! `logged-models/<id>/artifacts/`). A file is written under a temporary
//! name and renamed when its last byte is on disk, so a broken upload
//! leaves nothing; no body size limit applies and no file is held in
//! memory. `..`, `.`, empty segments and backslashes are refused: nothing
//! is written outside the folder the path names.

use crate::State;
use crate::error::{ErrorCode, TrackingError};
use crate::fields::Fields;
use crate::protocol;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use datalab_lab::RunFiles;
use datalab_project::ExperimentId;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// The folder an artifact path's root names, and the rest of the path.
#[derive(Debug)]
struct Located {
    root: PathBuf,
    relative: Vec<String>,
    /// Data Lab's own packages are read, never written, through this proxy.
    read_only: bool,
}

impl Located {
    fn path(&self) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(&self.relative);
        path
    }
}

/// Splits a path into checked segments.
fn segments(path: &str) -> Result<Vec<String>, TrackingError> {
    let mut segments = Vec::new();
    for segment in path.trim_matches('/').split('/') {
        if segment.is_empty() && path.trim_matches('/').is_empty() {
            break;
        }
        if segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.contains('\\')
            || segment.contains('\0')
        {
            return Err(TrackingError::invalid(format!(
                "Invalid path '{}': artifact paths are relative, with no '.', '..' or empty parts",
                path.escape_debug()
            )));
        }
        segments.push(segment.to_string());
    }
    if path.starts_with('/') && segments.is_empty() {
        return Err(TrackingError::invalid(
            "Invalid path '/': an artifact path names a run's files",
        ));
    }
    Ok(segments)
}

fn unknown(path: &str) -> TrackingError {
    TrackingError::not_found(format!(
        "No artifact root for '{path}': paths are <experiment>/<run id>/artifacts/... or \
         <experiment>/models/<model id>/artifacts/..."
    ))
}

/// Where an artifact path points in the project.
async fn locate(state: &Arc<State>, path: &str) -> Result<Located, TrackingError> {
    let parts = segments(path)?;
    let owned = path.to_string();
    state
        .with_project(move |project| {
            if parts.first().map(String::as_str) == Some(crate::registry::PACKAGES_ROOT) {
                let (Some(name), Some(version)) = (parts.get(1), parts.get(2)) else {
                    return Err(unknown(&owned));
                };
                let found = project
                    .model_version(name, version.parse().ok(), None)
                    .map_err(|_| unknown(&owned))?;
                return Ok(Located {
                    root: project.root().join(&found.package_dir),
                    relative: parts[3..].to_vec(),
                    read_only: true,
                });
            }
            let experiment = parts
                .first()
                .and_then(|e| e.parse::<i64>().ok())
                .map(ExperimentId)
                .ok_or_else(|| unknown(&owned))?;
            match parts.get(1).map(String::as_str) {
                Some("models") => {
                    let model_id = parts.get(2).ok_or_else(|| unknown(&owned))?;
                    if parts.get(3).map(String::as_str) != Some("artifacts") {
                        return Err(unknown(&owned));
                    }
                    let model = project.logged_model(model_id)?;
                    if model.experiment_id != experiment {
                        return Err(unknown(&owned));
                    }
                    Ok(Located {
                        root: project
                            .logged_models_dir()
                            .join(&model.id)
                            .join("artifacts"),
                        relative: parts[4..].to_vec(),
                        read_only: false,
                    })
                }
                Some(uuid) => {
                    if parts.get(2).map(String::as_str) != Some("artifacts") {
                        return Err(unknown(&owned));
                    }
                    let run = project.run_by_uuid(uuid)?;
                    if run.experiment_id != experiment {
                        return Err(unknown(&owned));
                    }
                    Ok(Located {
                        root: RunFiles::of(project, run.id).artifacts_dir(),
                        relative: parts[3..].to_vec(),
                        read_only: false,
                    })
                }
                None => Err(unknown(&owned)),
            }
        })
        .await
}

fn io_error(path: &Path, error: std::io::Error) -> TrackingError {
    TrackingError::internal(format!("cannot use {}: {error}", path.display()))
}

/// `PUT /api/2.0/mlflow-artifacts/artifacts/<path>`: the body, streamed to the file.
pub async fn upload(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    UrlPath(path): UrlPath<String>,
    request: Request,
) -> Result<Json<Value>, TrackingError> {
    let located = locate(&state, &path).await?;
    if located.relative.is_empty() || located.read_only {
        return Err(TrackingError::invalid(format!(
            "Invalid path '{path}': name a file under a run's or a logged model's artifact root"
        )));
    }
    let target = located.path();
    let folder = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| located.root.clone());
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|e| io_error(&folder, e))?;
    if tokio::fs::metadata(&target).await.is_ok_and(|m| m.is_dir()) {
        return Err(TrackingError::invalid(format!(
            "Invalid path '{path}': a folder of artifacts has that name"
        )));
    }
    let temporary = folder.join(format!(".upload-{}", protocol::new_hex_id()?));
    let written = async {
        let mut file = tokio::fs::File::create(&temporary)
            .await
            .map_err(|e| io_error(&temporary, e))?;
        let mut body = request.into_body().into_data_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                TrackingError::new(ErrorCode::BadRequest, format!("the upload broke off: {e}"))
            })?;
            file.write_all(&chunk)
                .await
                .map_err(|e| io_error(&temporary, e))?;
        }
        file.sync_all().await.map_err(|e| io_error(&temporary, e))?;
        tokio::fs::rename(&temporary, &target)
            .await
            .map_err(|e| io_error(&target, e))
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&temporary).await;
    }
    written?;
    Ok(Json(json!({})))
}

fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt" | "log" | "yaml" | "yml" | "md" | "py") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("html" | "htm") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "text/plain; charset=utf-8",
        Some("csv") => "text/csv",
        _ if name == "MLmodel" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /api/2.0/mlflow-artifacts/artifacts/<path>`: the file, streamed.
pub async fn download(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    UrlPath(path): UrlPath<String>,
) -> Result<Response, TrackingError> {
    let located = locate(&state, &path).await?;
    let target = located.path();
    let file = match tokio::fs::File::open(&target).await {
        Ok(file) if file.metadata().await.is_ok_and(|m| m.is_file()) => file,
        _ => {
            return Err(TrackingError::not_found(format!("No artifact at '{path}'")));
        }
    };
    let name = located.relative.last().cloned().unwrap_or_default();
    let length = file.metadata().await.map(|m| m.len()).ok();
    let mut response =
        Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 20))
            .into_response();
    let headers = response.headers_mut();
    // Served as data, never rendered: an HTML artifact must not run in the app's origin.
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&name)),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(
            |c: char| c == '"' || c == '\\' || c.is_control() || !c.is_ascii(),
            "_"
        )
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length
        && let Ok(value) = HeaderValue::from_str(&length.to_string())
    {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    Ok(response)
}

/// `DELETE /api/2.0/mlflow-artifacts/artifacts/<path>`.
pub async fn delete(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    UrlPath(path): UrlPath<String>,
) -> Result<Json<Value>, TrackingError> {
    let located = locate(&state, &path).await?;
    if located.relative.is_empty() || located.read_only {
        return Err(TrackingError::invalid(
            "name a file or folder under a run's or a logged model's artifact root",
        ));
    }
    let target = located.path();
    match tokio::fs::metadata(&target).await {
        Ok(m) if m.is_dir() => tokio::fs::remove_dir_all(&target).await,
        Ok(_) => tokio::fs::remove_file(&target).await,
        Err(_) => return Err(TrackingError::not_found(format!("No artifact at '{path}'"))),
    }
    .map_err(|e| io_error(&target, e))?;
    Ok(Json(json!({})))
}

/// The entries of a folder, sorted, as `{path, is_dir, file_size}` with
/// `path` made by `name_of` from the entry's base name.
async fn entries(dir: &Path, name_of: impl Fn(&str) -> String) -> Vec<Value> {
    let mut files = Vec::new();
    let Ok(mut reader) = tokio::fs::read_dir(dir).await else {
        return files;
    };
    while let Ok(Some(entry)) = reader.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".upload-") {
            continue;
        }
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let path = name_of(&name);
        files.push(if meta.is_dir() {
            json!({"path": path, "is_dir": true})
        } else {
            json!({"path": path, "is_dir": false, "file_size": meta.len()})
        });
    }
    files.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    files
}

/// `GET /api/2.0/mlflow-artifacts/artifacts?path=…`: a folder's entries by
/// base name; `{}` for a path that is not a folder (the client relies on it).
pub async fn list(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    fields: Fields,
) -> Result<Json<Value>, TrackingError> {
    let path = fields.opt_text("path")?.unwrap_or_default();
    let located = match locate(&state, &path).await {
        Ok(located) => located,
        Err(e) if e.code == ErrorCode::ResourceDoesNotExist => return Ok(Json(json!({}))),
        Err(e) => return Err(e),
    };
    let files = entries(&located.path(), str::to_string).await;
    Ok(Json(if files.is_empty() {
        json!({})
    } else {
        json!({ "files": files })
    }))
}

/// `GET /api/2.0/mlflow/artifacts/list?run_id=&path=`: a run's folder, with
/// paths relative to the run's artifact root.
pub async fn list_run(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    fields: Fields,
) -> Result<Json<Value>, TrackingError> {
    let uuid = fields.run_id()?;
    let sub = fields.opt_text("path")?.unwrap_or_default();
    let relative = segments(&sub)?;
    let (experiment, root) = state
        .with_project(move |project| {
            let run = project.run_by_uuid(&uuid)?;
            Ok((
                protocol::run_artifact_uri(run.experiment_id, &run.uuid),
                RunFiles::of(project, run.id).artifacts_dir(),
            ))
        })
        .await?;
    let mut dir = root;
    dir.extend(&relative);
    let prefix = relative.join("/");
    let files = entries(&dir, |name| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    })
    .await;
    Ok(Json(json!({"root_uri": experiment, "files": files})))
}
