//! The MLflow tracking protocol, served by Data Lab: code outside the lab
//! (a notebook, a script, a command trial of a sweep) logs into a project
//! with the `mlflow` client it already uses, unchanged.
//!
//! `http://127.0.0.1:PORT` answers what the MLflow 2.x and 3.x Python
//! clients send (`../shared/notes/mlflow-tracking.md` records it from live
//! traffic): experiments, runs, params, metrics with their histories, tags,
//! inputs, MLflow 3's logged models, searches with MLflow's filter syntax,
//! and artifacts through the `mlflow-artifacts` proxy, streamed to the
//! project folder. Every call lands in the project's database and files:
//! an MLflow run is a row of `runs`, shown beside the lab's own.
//!
//! Rules kept here: ids and versions go out as JSON strings; NaN and the
//! infinities as `"NaN"`, `"Infinity"`, `"-Infinity"`; errors as
//! `{"error_code", "message"}` with MLflow's status for the code, never a
//! 5xx for a bad request (the client retries those for minutes); an
//! endpoint Data Lab does not serve answers `ENDPOINT_NOT_FOUND` as JSON.
//! The server listens on 127.0.0.1 only; unless started without auth, every
//! request carries the token (`MLFLOW_TRACKING_TOKEN`, sent as `Bearer`, or
//! as the password of `MLFLOW_TRACKING_USERNAME`/`PASSWORD`), and only
//! requests naming this server in `Host` and sending JSON as JSON are
//! taken, so a web page cannot drive it.

mod artifacts;
mod error;
mod experiments;
mod fields;
pub mod import;
mod models;
mod protocol;
mod registry;
mod runs;
mod search;

pub use error::{ErrorCode, TrackingError};

use axum::Router;
use axum::extract::{Request, State as Shared};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datalab_project::Project;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The MLflow version this server speaks as (`GET /version`): the client
/// gates features on it.
pub const MLFLOW_VERSION: &str = "3.17.2";

/// Who may call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Every request carries this token.
    Token(String),
    /// Anyone who can reach the loopback port (`--no-auth`).
    None,
}

/// How to start a tracking server.
#[derive(Debug, Clone)]
pub struct TrackingOptions {
    /// The project runs are logged into.
    pub project: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    pub auth: Auth,
}

/// What handlers share: the project, opened once.
pub(crate) struct State {
    project: Mutex<Project>,
    auth: Auth,
    hosts: Vec<String>,
}

impl State {
    /// Runs `work` on the project off the async threads (SQLite blocks).
    pub(crate) async fn with_project<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Project) -> Result<T, TrackingError> + Send + 'static,
    ) -> Result<T, TrackingError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let project = state.project.lock().map_err(|_| {
                TrackingError::internal("the project is unusable after an earlier failure")
            })?;
            work(&project)
        })
        .await
        .map_err(|e| TrackingError::internal(format!("the request's work stopped: {e}")))?
    }
}

/// A started tracking server.
#[derive(Debug)]
pub struct TrackingServer {
    pub address: SocketAddr,
    /// The token clients must send, if any.
    pub token: Option<String>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TrackingServer {
    /// What `MLFLOW_TRACKING_URI` must be.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops accepting requests and waits for the ones in flight.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.unwrap_or(Ok(()))
    }

    /// Serves until the server fails (or is stopped elsewhere).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.unwrap_or(Ok(()))
    }
}

/// Opens the project and binds 127.0.0.1.
pub async fn start(options: TrackingOptions) -> std::io::Result<TrackingServer> {
    let project = Project::open(&options.project)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let address = listener.local_addr()?;
    let port = address.port();
    let token = match &options.auth {
        Auth::Token(token) => Some(token.clone()),
        Auth::None => None,
    };
    let state = Arc::new(State {
        project: Mutex::new(project),
        auth: options.auth,
        hosts: vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ],
    });
    let app = router(state);
    let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = signal.await;
            })
            .await
    });
    Ok(TrackingServer {
        address,
        token,
        shutdown,
        task,
    })
}

fn mlflow_routes() -> Router<Arc<State>> {
    Router::new()
        .route("/experiments/create", post(experiments::create))
        .route("/experiments/get", get(experiments::get))
        .route("/experiments/get-by-name", get(experiments::get_by_name))
        .route(
            "/experiments/search",
            post(experiments::search).get(experiments::search),
        )
        .route("/experiments/list", get(experiments::search))
        .route("/experiments/update", post(experiments::update))
        .route("/experiments/delete", post(experiments::delete))
        .route("/experiments/restore", post(experiments::restore))
        .route(
            "/experiments/set-experiment-tag",
            post(experiments::set_tag),
        )
        .route(
            "/experiments/delete-experiment-tag",
            post(experiments::delete_tag),
        )
        .route("/runs/create", post(runs::create))
        .route("/runs/get", get(runs::get))
        .route("/runs/update", post(runs::update))
        .route("/runs/delete", post(runs::delete))
        .route("/runs/restore", post(runs::restore))
        .route("/runs/search", post(runs::search).get(runs::search))
        .route("/runs/log-metric", post(runs::log_metric))
        .route("/runs/log-parameter", post(runs::log_parameter))
        .route("/runs/set-tag", post(runs::set_tag))
        .route("/runs/delete-tag", post(runs::delete_tag))
        .route("/runs/log-batch", post(runs::log_batch))
        .route("/runs/log-inputs", post(runs::log_inputs))
        .route("/runs/outputs", post(runs::log_outputs))
        .route("/runs/log-model", post(runs::log_model))
        .route("/metrics/get-history", get(runs::get_history))
        .route("/artifacts/list", get(artifacts::list_run))
        .route("/logged-models", post(models::create))
        .route("/logged-models/search", post(models::search))
        .route(
            "/logged-models/{id}",
            get(models::get)
                .patch(models::finalize)
                .delete(models::delete),
        )
        .route(
            "/logged-models/{id}/tags",
            axum::routing::patch(models::set_tags),
        )
        .route("/registered-models/create", post(registry::create))
        .route("/registered-models/get", get(registry::get))
        .route("/registered-models/search", get(registry::search))
        .route(
            "/registered-models/update",
            axum::routing::patch(registry::update),
        )
        .route("/registered-models/rename", post(registry::rename))
        .route(
            "/registered-models/delete",
            axum::routing::delete(registry::delete),
        )
        .route(
            "/registered-models/get-latest-versions",
            get(registry::latest_versions).post(registry::latest_versions),
        )
        .route(
            "/registered-models/alias",
            post(registry::set_alias)
                .get(registry::get_by_alias)
                .delete(registry::delete_alias),
        )
        .route("/model-versions/create", post(registry::create_version))
        .route("/model-versions/get", get(registry::get_version))
        .route(
            "/model-versions/get-download-uri",
            get(registry::download_uri_of),
        )
        .route("/model-versions/search", get(registry::search_versions))
        .route(
            "/model-versions/update",
            axum::routing::patch(registry::update_version),
        )
        .route(
            "/model-versions/delete",
            axum::routing::delete(registry::delete_version),
        )
        .route(
            "/model-versions/transition-stage",
            post(registry::transition_stage),
        )
}

fn router(state: Arc<State>) -> Router {
    let artifacts = Router::new()
        .route("/artifacts", get(artifacts::list))
        .route(
            "/artifacts/{*path}",
            get(artifacts::download)
                .put(artifacts::upload)
                .delete(artifacts::delete),
        );
    Router::new()
        .nest("/api/2.0/mlflow", mlflow_routes())
        .nest("/ajax-api/2.0/mlflow", mlflow_routes())
        .nest("/api/2.0/mlflow-artifacts", artifacts)
        .route("/api/3.0/mlflow/server-info", get(server_info))
        .route("/version", get(|| async { MLFLOW_VERSION }))
        .route("/health", get(|| async { "OK" }))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// What this server offers: no multipart uploads (those hand out presigned
/// cloud URLs; a file here is one streamed PUT).
async fn server_info() -> Response {
    axum::Json(serde_json::json!({
        "store_type": "SqlStore",
        "workspaces_enabled": false,
        "trace_archival_enabled": false,
        "multipart_uploads_enabled": false,
        "multipart_downloads_enabled": false,
    }))
    .into_response()
}

async fn not_found(request: Request) -> Response {
    TrackingError::new(
        ErrorCode::EndpointNotFound,
        format!(
            "Data Lab's tracking server does not serve {} {}",
            request.method(),
            request.uri().path()
        ),
    )
    .into_response()
}

/// A fresh random token: 32 bytes from the OS, as hex.
pub fn new_token() -> std::io::Result<String> {
    protocol::new_hex_id()
        .and_then(|a| protocol::new_hex_id().map(|b| a + &b))
        .map_err(|e| std::io::Error::other(e.message))
}

/// Equal-time comparison, so the token cannot be guessed from timings.
fn same_token(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Standard base64 (what HTTP Basic carries), or None if it is not.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// Whether the request carries the token: as `Bearer`, or as the password
/// of `Basic` (MLflow sends Basic when a username and password are set).
fn authorized(request: &Request, token: &str) -> bool {
    let Some((scheme, value)) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
    else {
        return false;
    };
    if scheme.eq_ignore_ascii_case("bearer") {
        return same_token(value.trim().as_bytes(), token.as_bytes());
    }
    if scheme.eq_ignore_ascii_case("basic")
        && let Some(decoded) = base64_decode(value.trim())
        && let Some(colon) = decoded.iter().position(|b| *b == b':')
    {
        return same_token(&decoded[colon + 1..], token.as_bytes());
    }
    false
}

/// The token, this server's own `Host`, and JSON sent as JSON.
async fn guard(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let host_ok = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| state.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)));
    if !host_ok {
        return TrackingError::new(
            ErrorCode::PermissionDenied,
            "the Host header does not name this server (127.0.0.1 or localhost and its port)",
        )
        .into_response();
    }
    if let Auth::Token(token) = &state.auth
        && !authorized(&request, token)
        && request.uri().path() != "/health"
    {
        return TrackingError::new(
            ErrorCode::Unauthenticated,
            "this Data Lab tracking server needs its token: set MLFLOW_TRACKING_TOKEN to the token \
             `datalab tracking serve` printed",
        )
        .into_response();
    }
    // A plain HTML form can POST text/plain anywhere; only JSON is taken.
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if request.method() == Method::POST && !is_json && request.uri().path().contains("/mlflow/") {
        let has_body = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v != "0");
        if has_body {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                axum::Json(serde_json::json!({
                    "error_code": "BAD_REQUEST",
                    "message": "send the request body as Content-Type: application/json",
                })),
            )
                .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode() {
        assert_eq!(
            base64_decode("YWxpY2U6czNjcmV0").as_deref(),
            Some(&b"alice:s3cret"[..])
        );
        assert_eq!(base64_decode("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("!!"), None);
    }
}

/// A tracking server on a thread of its own, with its own runtime: for
/// callers that are not async (a sweep's command trials, the desktop app).
/// Dropping it stops the server.
#[derive(Debug)]
pub struct BackgroundTracking {
    pub address: SocketAddr,
    pub token: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundTracking {
    /// Starts the server and waits until it listens.
    pub fn start(options: TrackingOptions) -> std::io::Result<BackgroundTracking> {
        let (ready_sender, ready) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("tracking".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_sender.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match start(options).await {
                        Ok(server) => {
                            let _ = ready_sender.send(Ok((server.address, server.token.clone())));
                            let _ = stopped.await;
                            let _ = server.stop().await;
                        }
                        Err(e) => {
                            let _ = ready_sender.send(Err(e));
                        }
                    }
                });
            })?;
        let (address, token) = ready
            .recv()
            .map_err(|_| std::io::Error::other("the tracking server's thread stopped"))??;
        Ok(BackgroundTracking {
            address,
            token,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// What `MLFLOW_TRACKING_URI` must be.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for BackgroundTracking {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
