//! A deterministic fake prediction vendor with fault injection, for tests and
//! benchmarks of the clients that call real ones.
//!
//! It speaks four protocols on one port: OpenAI chat completions
//! (`openai.rs`), the Open Inference Protocol v2 (`oip.rs`), MLflow scoring
//! (`mlflow.rs`) and a generic JSON API (`generic.rs`). Every answer is a
//! pure function of the row's key ([`label_for`], [`value_for`],
//! [`row_key`]), and so is every fault
//! ([`FaultPlan::fault_for`]): a client can check each prediction it gets,
//! and a benchmark meets the same faults on every run. [`VendorServer`]
//! runs it in-process on its own thread and runtime; the binary runs it
//! from the command line; both go through [`serve`].

mod faults;
mod generic;
mod keys;
mod mlflow;
mod oip;
mod openai;
mod pipeline;

pub use faults::{Fault, FaultPlan};
pub use keys::{label_for, row_key, value_for};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use pipeline::VendorState;
use serde_json::{Value, json};
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{oneshot, watch};

/// Bodies up to this size are read: benchmarks send large batches.
const BODY_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// How the vendor behaves.
#[derive(Clone)]
pub struct ServerConfig {
    /// Which rows misbehave, and how.
    pub faults: FaultPlan,
    /// Labels the tensor protocols (OIP v2, MLflow, generic) answer from; empty = regression (answer a number).
    pub labels: Vec<String>,
    /// The delay of `Fault::Slow`, in milliseconds.
    pub slow_ms: u64,
    /// The delay of `Fault::Timeout`, in milliseconds: longer than any client timeout in tests.
    pub hang_ms: u64,
    /// The `Retry-After` header of a 429, in seconds.
    pub retry_after_s: u32,
    /// When set, every route except health and `/_stats` requires `Authorization: Bearer <token>`;
    /// otherwise 401 `{"error":{"message":"invalid api key"}}`.
    pub token: Option<String>,
    /// A careless vendor: 500 bodies quote the Authorization header the request carried.
    /// Lets tests prove the client redacts secrets.
    pub echo_auth_in_errors: bool,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            faults: FaultPlan::default(),
            labels: Vec::new(),
            slow_ms: 100,
            hang_ms: 30_000,
            retry_after_s: 1,
            token: None,
            echo_auth_in_errors: false,
        }
    }
}

/// The token is a secret even here: tests search logs for it.
impl fmt::Debug for ServerConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ServerConfig")
            .field("faults", &self.faults)
            .field("labels", &self.labels)
            .field("slow_ms", &self.slow_ms)
            .field("hang_ms", &self.hang_ms)
            .field("retry_after_s", &self.retry_after_s)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("echo_auth_in_errors", &self.echo_auth_in_errors)
            .finish()
    }
}

/// A vendor running in-process, on a thread and runtime of its own (so tests
/// with blocking clients can use it), listening on 127.0.0.1.
#[derive(Debug)]
pub struct VendorServer {
    address: SocketAddr,
    requests: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl VendorServer {
    /// Binds 127.0.0.1 on a free port and serves on a 2-worker runtime in a
    /// new thread; returns once the port accepts connections.
    pub fn start(config: ServerConfig) -> std::io::Result<VendorServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("vendor-server-worker")
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let listener = {
            // Registering with the reactor needs the runtime's context.
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let requests = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = oneshot::channel();
        let counter = Arc::clone(&requests);
        let thread = std::thread::Builder::new()
            .name("vendor-server".to_owned())
            .spawn(move || {
                // A dropped sender stops the server too.
                let shutdown = async move {
                    let _ = stopped.await;
                };
                let served = runtime.block_on(serve_counting(listener, config, counter, shutdown));
                if let Err(error) = served {
                    eprintln!("datalab-vendor-server stopped: {error}");
                }
            })?;
        Ok(VendorServer {
            address,
            requests,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Requests received on the prediction routes (not health, metadata or `/_stats`),
    /// including those refused or failed on purpose.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Stops accepting, lets requests in flight finish (slow and hanging
    /// ones answer at once) and joins the thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panicked server thread has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

impl Drop for VendorServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Serves the vendor on `listener` until `shutdown` completes, then shuts
/// down gracefully. [`VendorServer::start`] and the binary both run this.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_counting(listener, config, Arc::new(AtomicU64::new(0)), shutdown).await
}

/// [`serve`], counting prediction requests in `requests`.
async fn serve_counting(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    requests: Arc<AtomicU64>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stopping_sender, stopping) = watch::channel(false);
    let state = Arc::new(VendorState::new(config, requests, stopping));
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Ends the waits of slow and hanging requests, which graceful shutdown waits for.
            let _ = stopping_sender.send(true);
        })
        .await
}

fn router(state: Arc<VendorState>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(openai::chat_completions))
        .route("/v2/health/live", get(oip::live))
        .route("/v2/health/ready", get(oip::ready))
        .route("/v2/models/{name}", get(oip::metadata))
        .route("/v2/models/{name}/infer", post(oip::infer))
        .route("/invocations", post(mlflow::invocations))
        .route("/generic/predict", post(generic::predict))
        .route("/_stats", get(stats))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}

/// `{"requests": N}`: prediction requests so far, for benchmarks run against the binary.
async fn stats(State(state): State<Arc<VendorState>>) -> Json<Value> {
    Json(json!({ "requests": state.requests() }))
}

/// A JSON 404, so a client pointed at the wrong route reads why.
async fn not_found(method: Method, uri: Uri) -> Response {
    pipeline::error_response(
        StatusCode::NOT_FOUND,
        &format!("no route for {method} {}", uri.path()),
    )
}
