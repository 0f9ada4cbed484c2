//! Import from an MLflow tracking server: experiments, runs with their
//! params, tags, metric histories and artifacts, copied into the project so
//! a team can move its history over (`datalab import mlflow --from URL`).
//!
//! It speaks the same REST API as a client: `experiments/search`,
//! `runs/search`, `metrics/get-history` (every point, paged), and the run's
//! artifacts listed with `artifacts/list` and downloaded through the
//! `mlflow-artifacts` proxy (or `get-artifact` for other artifact stores),
//! streamed to the run's folder. Credentials come from the environment as
//! the mlflow client reads them (`MLFLOW_TRACKING_TOKEN`, or
//! `MLFLOW_TRACKING_USERNAME` and `_PASSWORD`) and are never stored.
//!
//! An imported run carries the tag `datalab.imported_from` (the source
//! server and run id), set when all of it has arrived: importing again skips
//! the runs already imported, and a run that broke off half way is removed.

use crate::protocol;
use datalab_lab::RunFiles;
use datalab_project::{
    ExperimentId, KeyedMetric, MetricPoint, NewTrackedRun, Project, ProjectError, RunId, RunUpdate,
};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The tag an imported run carries: where it came from.
pub const IMPORTED_FROM: &str = "datalab.imported_from";

/// What went wrong talking to the source, or writing here.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot reach the MLflow server at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error(
        "the MLflow server refused the credentials ({status}): set MLFLOW_TRACKING_TOKEN, or \
         MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, as its clients use"
    )]
    Unauthorized { status: u16 },
    #[error("the MLflow server answered {status} to {what}: {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },
    #[error("no experiment named '{0}' on the MLflow server")]
    NoExperiment(String),
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What an import brought over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportTally {
    pub experiments: usize,
    pub runs: usize,
    /// Runs already imported before, left as they were.
    pub skipped: usize,
    pub params: usize,
    pub metric_points: usize,
    pub artifacts: usize,
    pub artifact_bytes: u64,
}

/// Where an import reports, and hears a cancel.
pub trait ImportObserver {
    fn progress(&self, stage: &str, done: u64, total: u64);
    fn cancelled(&self) -> bool;
}

/// The source server and how to authenticate to it.
pub struct Source {
    base: String,
    agent: ureq::Agent,
    authorization: Option<String>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn encode_path(path: &str) -> String {
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

impl Source {
    /// A source at `url`, with credentials from the environment as the mlflow client takes them.
    pub fn from_env(url: &str) -> Source {
        let user = std::env::var("MLFLOW_TRACKING_USERNAME").ok();
        let password = std::env::var("MLFLOW_TRACKING_PASSWORD").ok();
        let token = std::env::var("MLFLOW_TRACKING_TOKEN").ok();
        let authorization = match (user, password, token) {
            (Some(user), Some(password), _) => Some(format!(
                "Basic {}",
                base64(format!("{user}:{password}").as_bytes())
            )),
            (_, _, Some(token)) if !token.is_empty() => Some(format!("Bearer {token}")),
            _ => None,
        };
        Source {
            base: url.trim_end_matches('/').to_string(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_connect(Some(std::time::Duration::from_secs(10)))
                .build()
                .new_agent(),
            authorization,
        }
    }

    fn answer(
        &self,
        what: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, ImportError> {
        let response = response.map_err(|e| ImportError::Unreachable {
            url: self.base.clone(),
            detail: e.to_string(),
        })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(response),
            401 | 403 => Err(ImportError::Unauthorized { status }),
            _ => {
                let mut response = response;
                let body: Value = response.body_mut().read_json().unwrap_or(Value::Null);
                Err(ImportError::Refused {
                    what: what.to_string(),
                    status,
                    message: body["message"].as_str().unwrap_or("no message").to_string(),
                })
            }
        }
    }

    fn get(&self, path: &str) -> Result<Value, ImportError> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        let response = self.answer(path, request.call())?;
        Self::json_of(path, response)
    }

    /// A successful answer's JSON body.
    fn json_of(
        path: &str,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<Value, ImportError> {
        response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_json()
            .map_err(|e| ImportError::Refused {
                what: path.to_string(),
                status: 200,
                message: format!("not JSON: {e}"),
            })
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, ImportError> {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        let response = self.answer(path, request.send_json(body))?;
        Self::json_of(path, response)
    }

    /// Streams a file to `to` (under a temporary name, renamed when complete).
    fn download(&self, path: &str, to: &Path) -> Result<u64, ImportError> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        let response = self.answer(path, request.call())?;
        let write_error = |source| ImportError::Write {
            path: to.to_path_buf(),
            source,
        };
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        let partial = to.with_extension("import-partial");
        let mut file = std::fs::File::create(&partial).map_err(write_error)?;
        let mut reader = response
            .into_body()
            .into_with_config()
            .limit(u64::MAX)
            .reader();
        let copied = std::io::copy(&mut reader, &mut file);
        let bytes = match copied {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(ImportError::Unreachable {
                    url: self.base.clone(),
                    detail: format!("the download of {path} broke off: {e}"),
                });
            }
        };
        file.flush().map_err(write_error)?;
        std::fs::rename(&partial, to).map_err(write_error)?;
        Ok(bytes)
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| (text(&p["key"]), text(&p["value"])))
                .collect()
        })
        .unwrap_or_default()
}

fn number(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Every experiment of the source (named ones only, when names are given).
fn experiments(source: &Source, names: &[String]) -> Result<Vec<Value>, ImportError> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = serde_json::json!({"max_results": 1000, "view_type": "ACTIVE_ONLY"});
        if let Some(token) = &token {
            body["page_token"] = Value::String(token.clone());
        }
        let page = source.post("/api/2.0/mlflow/experiments/search", &body)?;
        found.extend(page["experiments"].as_array().cloned().unwrap_or_default());
        token = page["next_page_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(String::from);
        if token.is_none() {
            break;
        }
    }
    if names.is_empty() {
        return Ok(found);
    }
    let mut chosen = Vec::new();
    for name in names {
        let experiment = found
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
            .ok_or_else(|| ImportError::NoExperiment(name.clone()))?;
        chosen.push(experiment.clone());
    }
    Ok(chosen)
}

fn runs_of(source: &Source, experiment: &str) -> Result<Vec<Value>, ImportError> {
    let mut runs = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = serde_json::json!({
            "experiment_ids": [experiment],
            "max_results": 1000,
            "run_view_type": "ACTIVE_ONLY",
            "order_by": ["attributes.start_time ASC"],
        });
        if let Some(token) = &token {
            body["page_token"] = Value::String(token.clone());
        }
        let page = source.post("/api/2.0/mlflow/runs/search", &body)?;
        runs.extend(page["runs"].as_array().cloned().unwrap_or_default());
        token = page["next_page_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(String::from);
        if token.is_none() {
            return Ok(runs);
        }
    }
}

/// Every point of a metric, in the order the source keeps them.
fn history(source: &Source, run: &str, key: &str) -> Result<Vec<KeyedMetric>, ImportError> {
    let mut points = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!(
            "/api/2.0/mlflow/metrics/get-history?run_id={}&run_uuid={}&metric_key={}&max_results=25000",
            encode(run),
            encode(run),
            encode(key)
        );
        if let Some(token) = &token {
            path.push_str(&format!("&page_token={}", encode(token)));
        }
        let page = source.get(&path)?;
        for metric in page["metrics"].as_array().cloned().unwrap_or_default() {
            let value = crate::fields::double_of("value", &metric["value"]).unwrap_or(f64::NAN);
            points.push(KeyedMetric {
                key: key.to_string(),
                point: MetricPoint {
                    value,
                    timestamp_ms: number(&metric["timestamp"]).unwrap_or(0),
                    step: number(&metric["step"]).unwrap_or(0),
                },
            });
        }
        token = page["next_page_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(String::from);
        if token.is_none() {
            return Ok(points);
        }
    }
}

/// Every file of a run's artifacts, as paths relative to its root.
fn artifact_files(source: &Source, run: &str) -> Result<Vec<(String, u64)>, ImportError> {
    let mut files = Vec::new();
    let mut folders = vec![String::new()];
    while let Some(folder) = folders.pop() {
        let mut path = format!(
            "/api/2.0/mlflow/artifacts/list?run_id={}&run_uuid={}",
            encode(run),
            encode(run)
        );
        if !folder.is_empty() {
            path.push_str(&format!("&path={}", encode(&folder)));
        }
        let listing = source.get(&path)?;
        for entry in listing["files"].as_array().cloned().unwrap_or_default() {
            let name = text(&entry["path"]);
            if name.is_empty()
                || name
                    .split('/')
                    .any(|p| p.is_empty() || p == "." || p == "..")
            {
                continue;
            }
            if entry["is_dir"].as_bool() == Some(true) {
                folders.push(name);
            } else {
                files.push((name, entry["file_size"].as_u64().unwrap_or(0)));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// How to fetch one artifact of a run: through the `mlflow-artifacts`
/// proxy when its root is there, else the server's `get-artifact`.
fn artifact_url(artifact_uri: &str, run: &str, file: &str) -> String {
    if let Some(rest) = artifact_uri.strip_prefix("mlflow-artifacts:") {
        // `mlflow-artifacts:/1/<run>/artifacts` or `mlflow-artifacts://host:port/1/...`.
        let path = match rest.strip_prefix("//") {
            Some(with_host) => with_host.split_once('/').map_or("", |(_, p)| p),
            None => rest.trim_start_matches('/'),
        };
        return format!(
            "/api/2.0/mlflow-artifacts/artifacts/{}/{}",
            encode_path(path.trim_end_matches('/')),
            encode_path(file)
        );
    }
    format!(
        "/get-artifact?path={}&run_uuid={}",
        encode(file),
        encode(run)
    )
}

/// The project's experiment for a source experiment: the one of that name
/// logged from outside, else a new one.
fn experiment_here(
    project: &Project,
    name: &str,
    tags: &[(String, String)],
) -> Result<ExperimentId, ImportError> {
    if let Some(existing) = project.tracked_experiment_by_name(name)? {
        return Ok(existing.record.id);
    }
    Ok(project.create_tracked_experiment(name, tags)?)
}

/// The source runs already imported into `experiment`, by their `IMPORTED_FROM` tag.
fn imported(project: &Project, experiment: ExperimentId) -> Result<Vec<String>, ImportError> {
    let runs = project.runs_of(experiment)?;
    Ok(project
        .tracked_runs(runs)?
        .into_iter()
        .filter_map(|r| {
            r.tags
                .into_iter()
                .find(|(k, _)| k == IMPORTED_FROM)
                .map(|(_, v)| v)
        })
        .collect())
}

/// Imports one run; on any failure the partial run is removed.
fn import_run(
    source: &Source,
    project: &Project,
    experiment: ExperimentId,
    run: &Value,
    origin: &str,
    observer: &dyn ImportObserver,
    tally: &mut ImportTally,
) -> Result<(), ImportError> {
    let info = &run["info"];
    let data = &run["data"];
    let source_id = text(&info["run_id"]);
    let name = text(&info["run_name"]);
    let mut tags = pairs(&data["tags"]);
    tags.retain(|(k, _)| k != IMPORTED_FROM);
    let created = project.create_tracked_run(&NewTrackedRun {
        experiment,
        name: if name.is_empty() { &source_id } else { &name },
        user_id: info["user_id"].as_str(),
        start_ms: number(&info["start_time"]).unwrap_or_else(protocol::now_ms),
        tags: &tags,
    })?;
    let outcome = (|| -> Result<(), ImportError> {
        let params = pairs(&data["params"]);
        for chunk in params.chunks(protocol::MAX_PARAMS_TAGS_PER_BATCH) {
            project.log_batch(created.id, chunk, &[], &[])?;
        }
        tally.params += params.len();
        let keys: Vec<String> = data["metrics"]
            .as_array()
            .map(|m| m.iter().map(|m| text(&m["key"])).collect())
            .unwrap_or_default();
        for key in keys {
            if observer.cancelled() {
                return Err(ImportError::Cancelled);
            }
            let points = history(source, &source_id, &key)?;
            for chunk in points.chunks(protocol::MAX_METRICS_PER_BATCH) {
                project.log_batch(created.id, &[], chunk, &[])?;
            }
            tally.metric_points += points.len();
        }
        let root = RunFiles::of(project, created.id).artifacts_dir();
        let artifact_uri = text(&info["artifact_uri"]);
        for (file, _) in artifact_files(source, &source_id)? {
            if observer.cancelled() {
                return Err(ImportError::Cancelled);
            }
            let to = file
                .split('/')
                .fold(root.clone(), |path, part| path.join(part));
            tally.artifact_bytes +=
                source.download(&artifact_url(&artifact_uri, &source_id, &file), &to)?;
            tally.artifacts += 1;
        }
        let status = info["status"]
            .as_str()
            .and_then(|s| protocol::status_from(s).ok());
        project.update_tracked_run(
            created.id,
            &RunUpdate {
                status,
                end_ms: number(&info["end_time"]),
                name: None,
            },
        )?;
        // Last: the mark that the whole run is here.
        project.set_run_tag(created.id, IMPORTED_FROM, origin)?;
        Ok(())
    })();
    if outcome.is_err() {
        remove_partial(project, created.id);
    }
    outcome
}

fn remove_partial(project: &Project, run: RunId) {
    let _ = project.set_run_deleted(run, true);
    let _ = std::fs::remove_dir_all(RunFiles::of(project, run).dir());
}

/// Copies the source's experiments (those named in `names`, or all) with
/// their runs into the project.
pub fn import(
    project: &Project,
    url: &str,
    names: &[String],
    observer: &dyn ImportObserver,
) -> Result<ImportTally, ImportError> {
    let source = Source::from_env(url);
    let experiments = experiments(&source, names)?;
    let mut tally = ImportTally::default();
    let mut plan = Vec::new();
    for experiment in &experiments {
        let id = text(&experiment["experiment_id"]);
        plan.push((experiment.clone(), runs_of(&source, &id)?));
    }
    let total: u64 = plan.iter().map(|(_, runs)| runs.len() as u64).sum();
    let mut done = 0u64;
    for (experiment, runs) in plan {
        let name = text(&experiment["name"]);
        let here = experiment_here(project, &name, &pairs(&experiment["tags"]))?;
        tally.experiments += 1;
        let already = imported(project, here)?;
        for run in runs {
            if observer.cancelled() {
                return Err(ImportError::Cancelled);
            }
            let origin = format!("{}#{}", source.base, text(&run["info"]["run_id"]));
            if already.contains(&origin) {
                tally.skipped += 1;
            } else {
                import_run(&source, project, here, &run, &origin, observer, &mut tally)?;
                tally.runs += 1;
            }
            done += 1;
            observer.progress(&format!("{name}: {done} of {total} runs"), done, total);
        }
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_urls_follow_the_run_root() {
        assert_eq!(
            artifact_url("mlflow-artifacts:/1/abc/artifacts", "abc", "plots/a b.png"),
            "/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/plots/a%20b.png"
        );
        assert_eq!(
            artifact_url("mlflow-artifacts://host:5000/1/abc/artifacts", "abc", "x"),
            "/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/x"
        );
        assert_eq!(
            artifact_url("s3://bucket/1/abc/artifacts", "abc", "m/x.pkl"),
            "/get-artifact?path=m%2Fx.pkl&run_uuid=abc"
        );
        assert_eq!(base64(b"alice:s3cret"), "YWxpY2U6czNjcmV0");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
