//! A model package served over HTTP.
//!
//! [`ServedModel`] loads a package (checking every file against its
//! manifest) and predicts rows given as named columns, refusing inputs that
//! do not fit the package's schema. [`routes`] speaks the Open Inference
//! Protocol v2 and MLflow's scoring protocol over it and counts everything
//! for `/metrics`. Two ways to run it: [`serve_until_signal`] in the
//! foreground (`datalab serve`, a container), listening before the model is
//! loaded so health probes can tell "alive" from "ready"; and
//! [`BackgroundServer`] on a thread of its own ("Serve locally" in the app,
//! tests). Either way every request is bounded ([`limits`]): its body's size
//! and time, its headers' time, the connections open at once.
//!
//! This crate knows the package format and HTTP; not the project. The API
//! resolves which package to serve.

mod connections;
mod error;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod routes;
pub mod source;
#[cfg(feature = "testing")]
pub mod testing;

pub use connections::serve;
pub use error::ServingError;
pub use limits::Limits;
pub use model::{Batch, InputError, Prediction, ServedModel};
pub use routes::{AppState, router};

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Resolves on Ctrl-C or SIGTERM (how Kubernetes stops a pod).
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Listens on `host:port`, tells `listening` the URL, loads the model with
/// `load` (the health route is live meanwhile, the readiness route not yet),
/// then serves until Ctrl-C or SIGTERM. Blocking.
pub fn serve_until_signal(
    host: IpAddr,
    port: u16,
    load: impl FnOnce() -> Result<ServedModel, ServingError> + Send + 'static,
    listening: impl FnOnce(&str),
) -> Result<(), ServingError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServingError::Server(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, port))
            .await
            .map_err(|e| ServingError::Server(format!("cannot listen on {host}:{port}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| ServingError::Server(format!("cannot read the listening address: {e}")))?;
        listening(&format!("http://{address}"));
        let state = Arc::new(AppState::default());
        let loading = {
            let state = state.clone();
            tokio::task::spawn_blocking(move || match load() {
                Ok(model) => {
                    state.set_model(model);
                    Ok(())
                }
                Err(why) => {
                    state.set_failed(why.to_string());
                    Err(why)
                }
            })
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, state, async move {
            let _ = stopped.await;
        }));
        // A model that cannot be loaded ends the process with its reason,
        // so a supervisor restarts it or a person reads why.
        let loaded = match loading.await {
            Ok(result) => result,
            Err(e) => Err(ServingError::Server(format!(
                "loading the model stopped: {e}"
            ))),
        };
        if loaded.is_ok() {
            stop_signal().await;
        }
        let _ = stop.send(());
        let served = server.await;
        loaded?;
        match served {
            Ok(result) => {
                result.map_err(|e| ServingError::Server(format!("the server stopped: {e}")))
            }
            Err(e) => Err(ServingError::Server(format!("the server stopped: {e}"))),
        }
    })
}

/// A served model on a thread of its own, on 127.0.0.1; stops when dropped.
#[derive(Debug)]
pub struct BackgroundServer {
    url: String,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    state: Arc<AppState>,
}

impl BackgroundServer {
    /// Starts serving `model` on 127.0.0.1:`port` (0: any free port).
    pub fn start(model: ServedModel, port: u16) -> std::io::Result<BackgroundServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))?;
        let address = listener.local_addr()?;
        let url = format!("http://{address}");
        let state = Arc::new(AppState::loaded(model));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::Builder::new()
            .name("datalab-serving".into())
            .spawn(move || {
                let _ = runtime.block_on(serve(listener, served, async move {
                    let _ = stopped.await;
                }));
            })?;
        Ok(BackgroundServer {
            url,
            port: address.port(),
            stop: Some(stop),
            thread: Some(thread),
            state,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port it listens on (the one chosen when asked for any).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn model(&self) -> Option<&ServedModel> {
        self.state.model()
    }

    /// Stops accepting requests, answers those in flight, and returns.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}
