//! Models as services: which package to serve (a project's version, or one
//! fetched straight from storage), and "Serve locally": a version served on
//! 127.0.0.1 by this process, with a sample request, that can be added as a
//! vendor connector in one step so the comparison covers it. The versions a
//! process serves are [`ServedModels`], state the transport owns and hands
//! in with every call.

use crate::error::{ApiError, ErrorCode};
use crate::vendors::{AddVendorRequest, VendorInfo};
use datalab_project::Project;
use datalab_publish::StorageConfig;
use datalab_publish::package::InputField;
use datalab_serving::{BackgroundServer, ServedModel};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The package folder of a version of this project (`name`, `name:3`, `name@alias`).
pub fn package_dir(project: &Project, reference: &str) -> Result<PathBuf, ApiError> {
    let record = crate::models::servable_version(project, reference)?;
    Ok(project.root().join(record.package_dir))
}

/// Fetches `name` (its newest version, or `version`) from storage into a
/// folder under `cache`, every file checked, without a project: how a
/// container starts.
pub fn fetch_package(
    config: &StorageConfig,
    name: &str,
    version: Option<u32>,
    cache: &Path,
) -> Result<PathBuf, ApiError> {
    Ok(datalab_serving::source::fetch_package(
        config, name, version, cache,
    )?)
}

/// Loads a package for serving.
pub fn load_served_model(dir: &Path) -> Result<ServedModel, ApiError> {
    ServedModel::load(dir).map_err(|e| match e {
        // A package that fails its checks is an integrity failure wherever it is.
        datalab_serving::ServingError::Storage(e) => {
            ApiError::new(ErrorCode::Integrity, e.to_string())
        }
        other => other.into(),
    })
}

/// A version to serve locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServeRequest {
    /// `name`, `name:3` or `name@alias`.
    pub model: String,
    /// 0 or none: any free port.
    #[serde(default)]
    pub port: Option<u16>,
}

/// A version served by this process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServedInfo {
    /// The model's name.
    pub model: String,
    /// Its version.
    pub version: u32,
    /// The server's base URL.
    pub url: String,
    /// Open Inference Protocol v2.
    pub infer_url: String,
    /// MLflow scoring.
    pub invocations_url: String,
    /// Prometheus metrics.
    pub metrics_url: String,
    /// A request with one row, in the Open Inference Protocol.
    pub sample_oip: Value,
    /// The same row for MLflow scoring.
    pub sample_mlflow: Value,
    /// The OIP sample as a curl command.
    pub curl: String,
    /// Said when the port it was served on before was taken, so it moved.
    pub port_note: Option<String>,
}

struct Served {
    info: ServedInfo,
    server: BackgroundServer,
}

/// The versions a process serves, until it ends or they are stopped: owned
/// by the transport (the desktop app, the UI server), handed in with calls.
#[derive(Debug, Default)]
pub struct ServedModels {
    served: Mutex<Vec<Served>>,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("model", &self.info.model)
            .field("version", &self.info.version)
            .field("url", &self.info.url)
            .finish_non_exhaustive()
    }
}

impl ServedModels {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Vec<Served>>, ApiError> {
        self.served
            .lock()
            .map_err(|_| ApiError::internal("the served models' list is poisoned"))
    }
}

/// One row for the samples: the first test row of the model's experiment
/// when the project has it, else a typed placeholder per input.
fn sample_row(
    project: &Project,
    model: &ServedModel,
    run: Option<crate::RunId>,
) -> Vec<(String, Value)> {
    let from_experiment = run
        .and_then(|run| project.run(run).ok())
        .and_then(|run| {
            datalab_lab::test_rows::TestRows::of_experiment(project, run.experiment_id).ok()
        })
        .and_then(|test| test.first_row());
    let schema = &model.manifest.input_schema;
    schema
        .iter()
        .map(|field| {
            let value = from_experiment
                .as_ref()
                .and_then(|row| row.iter().find(|(name, _)| name == &field.name))
                .map(|(_, v)| match (field.kind.as_str(), v) {
                    // Test rows keep a boolean column as 0 and 1: a sample sends it
                    // as the boolean the input is.
                    (InputField::BOOLEAN, Value::Number(n)) => json!(n.as_f64() != Some(0.0)),
                    _ => v.clone(),
                })
                .unwrap_or_else(|| match field.kind.as_str() {
                    InputField::NUMBER => json!(0.0),
                    InputField::BOOLEAN => json!(false),
                    _ => json!(""),
                });
            (field.name.clone(), value)
        })
        .collect()
}

fn samples(model: &ServedModel, row: &[(String, Value)], url: &str) -> (Value, Value, String) {
    let oip = json!({
        "inputs": row.iter().zip(&model.manifest.input_schema).map(|((name, value), field)| json!({
            "name": name,
            "shape": [1, 1],
            "datatype": field.datatype(),
            "data": [value],
        })).collect::<Vec<_>>()
    });
    let mlflow = json!({
        "dataframe_split": {
            "columns": row.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            "data": [row.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()],
        }
    });
    let curl = format!(
        "curl -s -H 'Content-Type: application/json' -d '{}' {url}/v2/models/{}/infer",
        oip.to_string().replace('\'', "'\\''"),
        model.name()
    );
    (oip, mlflow, curl)
}

/// Serves a version of this project on 127.0.0.1 from this process (the
/// desktop app or the UI server) until stopped; serving it again answers
/// where it already is.
pub fn serve_model(
    project: &Project,
    served: &ServedModels,
    request: &ServeRequest,
) -> Result<ServedInfo, ApiError> {
    let record = crate::models::servable_version(project, &request.model)?;
    let detail = crate::show_model(project, &request.model)?;
    let (name, version) = (detail.info.name.clone(), detail.info.version);
    let mut served = served.lock()?;
    if let Some(existing) = served
        .iter()
        .find(|s| s.info.model == name && s.info.version == version)
    {
        return Ok(existing.info.clone());
    }
    let package = project.root().join(&detail.info.package_dir);
    let model = load_served_model(&package)?;
    let row = sample_row(project, &model, detail.info.run);
    let listen_error = |port: u16, e: std::io::Error| {
        ApiError::io(format!("cannot listen on 127.0.0.1:{port}: {e}")).on_field("port")
    };
    let mut port_note = None;
    let server = match (request.port.filter(|p| *p != 0), record.served_port) {
        (Some(port), _) => {
            BackgroundServer::start(model, port).map_err(|e| listen_error(port, e))?
        }
        // Where it was served before, so what points at it still finds it;
        // elsewhere, saying so, when another program holds that port now.
        (None, Some(port)) => match BackgroundServer::start(model, port) {
            Ok(server) => server,
            Err(e) => {
                let server = BackgroundServer::start(load_served_model(&package)?, 0)
                    .map_err(|e| listen_error(0, e))?;
                port_note = Some(format!(
                    "port {port}, where {name}:{version} was served before, is not free ({e}): \
                     it is served on {} now; connectors and scripts that use the old port need the new one",
                    server.url()
                ));
                server
            }
        },
        (None, None) => BackgroundServer::start(model, 0).map_err(|e| listen_error(0, e))?,
    };
    project.set_served_port(record.id, server.port())?;
    let url = server.url().to_string();
    let model = server
        .model()
        .ok_or_else(|| ApiError::internal("the served model is not loaded"))?;
    let (sample_oip, sample_mlflow, curl) = samples(model, &row, &url);
    let info = ServedInfo {
        model: name.clone(),
        version,
        infer_url: format!("{url}/v2/models/{name}/infer"),
        invocations_url: format!("{url}/invocations"),
        metrics_url: format!("{url}/metrics"),
        url,
        sample_oip,
        sample_mlflow,
        curl,
        port_note,
    };
    served.push(Served {
        info: info.clone(),
        server,
    });
    Ok(info)
}

/// The versions this process serves.
pub fn list_served(served: &ServedModels) -> Vec<ServedInfo> {
    served
        .lock()
        .map(|served| served.iter().map(|s| s.info.clone()).collect())
        .unwrap_or_default()
}

/// Stops serving a version (requests in flight are answered first).
pub fn stop_serving(
    project: &Project,
    served: &ServedModels,
    reference: &str,
) -> Result<ServedInfo, ApiError> {
    let detail = crate::show_model(project, reference)?;
    let stopped = {
        let mut served = served.lock()?;
        let at = served
            .iter()
            .position(|s| s.info.model == detail.info.name && s.info.version == detail.info.version)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "{}:{} is not being served",
                    detail.info.name, detail.info.version
                ))
            })?;
        served.remove(at)
    };
    let info = stopped.info.clone();
    stopped.server.stop();
    Ok(info)
}

/// A request to send to a served version, as a user would with curl.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SendToServedRequest {
    /// A served version: `name`, `name:3` or `name@alias`.
    pub model: String,
    /// An Open Inference Protocol v2 request body.
    #[ts(type = "unknown")]
    pub body: Value,
}

/// What a served version answered, over HTTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// From sending the request to reading the whole answer.
    pub elapsed_ms: f64,
    /// The body (JSON; a body that is not JSON is given as a string).
    #[ts(type = "unknown")]
    pub body: Value,
    /// The classes the `probabilities` output's columns stand for.
    pub classes: Vec<String>,
}

/// A version this process serves, with its classes; refused (on `model`)
/// when it is not served.
fn served_now(
    project: &Project,
    served: &ServedModels,
    reference: &str,
) -> Result<(ServedInfo, Vec<String>), ApiError> {
    let detail = crate::show_model(project, reference)?;
    let served = served.lock()?;
    let found = served
        .iter()
        .find(|s| s.info.model == detail.info.name && s.info.version == detail.info.version)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "model",
                format!(
                    "{}:{} is not being served: serve it locally first",
                    detail.info.name, detail.info.version
                ),
            )
        })?;
    let classes = found
        .server
        .model()
        .and_then(|m| m.classes())
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    Ok((found.info.clone(), classes))
}

/// Sends a request to a served version's OIP infer URL over HTTP and gives
/// its answer: what a client would see, errors included (a 400 is an answer,
/// not a failure of this call).
pub fn send_to_served(
    project: &Project,
    served: &ServedModels,
    request: &SendToServedRequest,
) -> Result<ServedAnswer, ApiError> {
    let (info, classes) = served_now(project, served, &request.model)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .new_agent();
    let started = std::time::Instant::now();
    let mut response = agent
        .post(&info.infer_url)
        .header("Content-Type", "application/json")
        .send(request.body.to_string())
        .map_err(|e| ApiError::io(format!("{} did not answer: {e}", info.infer_url)))?;
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| ApiError::io(format!("{} answered unreadably: {e}", info.infer_url)))?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(ServedAnswer {
        status: response.status().as_u16(),
        elapsed_ms,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        classes,
    })
}

/// A served version to add as a vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AddServedVendorRequest {
    /// A served version: `name`, `name:3` or `name@alias`.
    pub model: String,
    /// The vendor's name (default `served-<name>-<version>`).
    #[serde(default)]
    pub vendor: Option<String>,
}

/// Adds a served version as a vendor connector (OIP v2, batches of 32), so
/// it is evaluated and compared like any other service.
pub fn add_served_vendor(
    project: &Project,
    served: &ServedModels,
    request: &AddServedVendorRequest,
) -> Result<VendorInfo, ApiError> {
    let (info, _) = served_now(project, served, &request.model)?;
    let name = request
        .vendor
        .clone()
        .unwrap_or_else(|| format!("served-{}-{}", info.model, info.version));
    let connector: datalab_vendors::Connector = serde_json::from_value(json!({
        "protocol": {"kind": "oip_v2", "model_name": info.model},
        "base_url": info.url,
        "batch_size": 32,
        "concurrency": 4,
        "timeout_ms": 10_000,
        "serves": format!("{}:{}", info.model, info.version),
    }))
    .map_err(|e| ApiError::internal(e.to_string()))?;
    crate::add_vendor(project, &AddVendorRequest { name, connector })
}
