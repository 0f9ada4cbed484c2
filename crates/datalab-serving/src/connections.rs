//! The accept loop: HTTP/1.1 connections with a deadline for their headers
//! (a client that trickles them, or idles on a kept-alive connection, is
//! let go), a bound on how many are open at once (past it a connection is
//! answered 503 and closed), and a graceful stop that answers requests in
//! flight. `axum::serve` has neither the deadline nor the bound.

use crate::limits::Limits;
use crate::routes::{AppState, router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How long a stop waits for requests in flight before it lets them go
/// (Kubernetes gives a pod 30 s after SIGTERM).
const STOP_GRACE: Duration = Duration::from_secs(25);

/// Serves `state` on `listener` until `shutdown` resolves; requests in
/// flight are answered before it returns.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let app = router(state);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it
                // was accepted: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tokio::spawn(turn_away(stream, limits));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = graceful.watch(
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone())),
        );
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(STOP_GRACE, graceful.shutdown()).await;
    Ok(())
}

/// Answers a connection past the limit with a 503 and closes it.
async fn turn_away(mut stream: TcpStream, limits: Limits) {
    let body = format!(
        "{{\"error\":\"this server has {} connections open, the most it keeps: retry shortly (or \
         set DATALAB_SERVE_MAX_CONNECTIONS to allow more)\"}}",
        limits.max_connections
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
