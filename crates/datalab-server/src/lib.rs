//! Data Lab over HTTP: the UI server mode (`datalab ui --serve`).
//!
//! The same UI as the desktop app, served with the same API: `POST
//! /api/<operation>` dispatches through [`datalab_api::ops::call`], and
//! `GET /api/events` streams the events of long operations (server-sent
//! events). It listens on 127.0.0.1 only, and every request must carry the
//! session's random token, as Jupyter does. A page of another site must not
//! be able to drive it, even with the browser's cookie and a DNS name that
//! points at 127.0.0.1:
//!
//! - `Host` must name this server (`127.0.0.1:PORT`, `localhost:PORT`), and
//!   `Origin`, when a browser sends one, must be this server's own: else 403;
//! - operations are `POST` with `Content-Type: application/json` (a plain HTML
//!   form cannot send that): else 415;
//! - operations take the token from the `Authorization: Bearer` header only
//!   (the events stream, which a browser opens without headers, also from
//!   `?token=`); the UI's files also from the `datalab_token` cookie that the
//!   printed URL's `?token=` sets. Anything else gets 401;
//! - paths in requests stay within the project and the folders given with
//!   `--allow-dir` ([`Places`]): else 403, code `forbidden`. The page picks
//!   files with `list_folder`, which lists those folders only.
//!
//! The UI is built into the binary (see `build.rs`), so the server needs no
//! build tree; a folder can stand in for it while the UI is being worked on.
//! A call may name its job with the `X-Datalab-Job` header, so the page
//! can cancel the work (`cancel_job`) before the answer arrives.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datalab_api::ops::{CallContext, Event, EventSink, Session};
use datalab_api::places::Places;
use datalab_api::serving::ServedModels;
use datalab_api::tracking::TrackingService;
use datalab_api::{ApiError, ErrorCode, JobId};
use futures_util::StreamExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::sync::broadcast;

mod ui_files {
    include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));
}

/// The header a call names its job with.
pub const JOB_HEADER: &str = "x-datalab-job";

/// How to start the UI server.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// 0 picks a free port.
    pub port: u16,
    /// The project to open first.
    pub project: Option<PathBuf>,
    /// Folders besides the project that requests may name paths in (to
    /// import from, to create projects in). With neither a project nor
    /// these, the current folder.
    pub allowed_dirs: Vec<PathBuf>,
    /// A built UI folder to serve instead of the one built into the binary
    /// (`DATALAB_UI_DIR`, for work on the UI).
    pub ui_dir: Option<PathBuf>,
}

/// A started server: where it listens and the token it wants.
#[derive(Debug)]
pub struct UiServer {
    pub address: SocketAddr,
    pub token: String,
    places: Vec<PathBuf>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl UiServer {
    /// The URL to open in a browser: it carries the token once, then a cookie does.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.address, self.token)
    }

    /// The folders requests may name paths in.
    pub fn places(&self) -> &[PathBuf] {
        &self.places
    }

    /// Stops accepting requests and waits for the ones in flight.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.unwrap_or(Ok(()))
    }
}

struct AppState {
    token: String,
    /// `Host` values that name this server.
    hosts: Vec<String>,
    session: Session,
    events: broadcast::Sender<String>,
    ui_dir: Option<PathBuf>,
    served: ServedModels,
    tracking: TrackingService,
}

struct Broadcast(broadcast::Sender<String>);

impl EventSink for Broadcast {
    fn emit(&self, event: Event) {
        if let Ok(text) = serde_json::to_string(&event) {
            // No listener is fine: events are for watching, not for the record.
            let _ = self.0.send(text);
        }
    }
}

/// A fresh random token: 32 bytes from the OS, as hex.
pub fn new_token() -> Result<String, std::io::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The folders a server's requests may name paths in: the project and the
/// allowed ones, or the current folder.
fn server_places(
    project: Option<&std::path::Path>,
    allowed: &[PathBuf],
) -> std::io::Result<Places> {
    let mut folders: Vec<PathBuf> = project.map(PathBuf::from).into_iter().collect();
    folders.extend(allowed.iter().cloned());
    if folders.is_empty() {
        folders.push(std::env::current_dir()?);
    }
    Places::within(&folders)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.message))
}

/// Binds 127.0.0.1 and starts serving in the background.
pub async fn start(options: ServeOptions) -> std::io::Result<UiServer> {
    let token = new_token()?;
    let places = server_places(options.project.as_deref(), &options.allowed_dirs)?;
    let roots = places.roots().to_vec();
    let (events, _) = broadcast::channel(1024);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let address = listener.local_addr()?;
    let port = address.port();
    let state = Arc::new(AppState {
        token: token.clone(),
        hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")],
        session: Session::confined(options.project, places),
        events,
        ui_dir: options.ui_dir,
        served: ServedModels::default(),
        tracking: TrackingService::default(),
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
    Ok(UiServer {
        address,
        token,
        places: roots,
        shutdown,
        task,
    })
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/events", get(events))
        .route("/api/{operation}", post(operation))
        .fallback(get(static_file))
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_site_only,
        ))
        .with_state(state)
}

/// Equal-time comparison, so the token cannot be guessed byte by byte from timings.
fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Where a request may carry the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenPlaces {
    /// Operations: the header only.
    Header,
    /// The events stream (a browser's EventSource sends no headers): the header or `?token=`.
    HeaderOrQuery,
    /// The UI's files: the header, `?token=` or the cookie it sets.
    Anywhere,
}

/// The token a request carries where `places` allow, and whether it came in the query.
fn token_of(
    headers: &HeaderMap,
    query: Option<&str>,
    places: TokenPlaces,
) -> (Option<String>, bool) {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110): `bearer` works too.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
    {
        return (Some(bearer.trim().to_string()), false);
    }
    if places == TokenPlaces::Header {
        return (None, false);
    }
    if let Some(from_query) = query.and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_string)
    }) {
        return (Some(from_query), true);
    }
    if places == TokenPlaces::HeaderOrQuery {
        return (None, false);
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("datalab_token=").map(str::to_string));
    (cookie, false)
}

/// Refuses requests that do not come from this server's own pages: a
/// `Host` that names another (DNS rebinding), an `Origin` of another site,
/// an operation that is not JSON (what a plain HTML form sends).
async fn same_site_only(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !host.is_some_and(|h| state.hosts.iter().any(|ours| ours.eq_ignore_ascii_case(h))) {
        return error_response(
            StatusCode::FORBIDDEN,
            &ApiError::invalid(format!(
                "this Data Lab server answers requests for {} only, not for {}",
                state.hosts.join(" or "),
                host.unwrap_or("no host")
            )),
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && !state
            .hosts
            .iter()
            .any(|ours| origin.eq_ignore_ascii_case(&format!("http://{ours}")))
    {
        return error_response(
            StatusCode::FORBIDDEN,
            &ApiError::invalid(format!(
                "a page of {origin} may not use this Data Lab server: open its own URL"
            )),
        );
    }
    let is_operation =
        request.method() == axum::http::Method::POST && request.uri().path().starts_with("/api/");
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if is_operation && !json {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &ApiError::invalid("operations take JSON: send Content-Type: application/json"),
        );
    }
    next.run(request).await
}

async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let places = if path == "/api/events" {
        TokenPlaces::HeaderOrQuery
    } else if path.starts_with("/api/") {
        TokenPlaces::Header
    } else {
        TokenPlaces::Anywhere
    };
    let (given, from_query) = token_of(request.headers(), request.uri().query(), places);
    match given {
        Some(token) if same_token(&token, &state.token) => {
            let mut response = next.run(request).await;
            if from_query && places == TokenPlaces::Anywhere {
                let cookie = format!(
                    "datalab_token={}; Path=/; HttpOnly; SameSite=Strict",
                    state.token
                );
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        _ => error_response(
            StatusCode::UNAUTHORIZED,
            &ApiError::new(
                ErrorCode::InvalidRequest,
                "this Data Lab server wants its token: open the URL it printed (with ?token=)",
            ),
        ),
    }
}

fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::BadInput | ErrorCode::InvalidRequest | ErrorCode::Query => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::NotAProject | ErrorCode::ProjectExists | ErrorCode::NameTaken => {
            StatusCode::CONFLICT
        }
        ErrorCode::Locked => StatusCode::LOCKED,
        ErrorCode::NewerSchema => StatusCode::CONFLICT,
        ErrorCode::Cancelled => StatusCode::CONFLICT,
        ErrorCode::Storage | ErrorCode::Vendor => StatusCode::BAD_GATEWAY,
        ErrorCode::Integrity | ErrorCode::Failed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Io | ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn error_response(status: StatusCode, error: &ApiError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_else(|_| "{}".into());
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response()
}

async fn operation(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let job = match headers.get(JOB_HEADER).map(|v| v.to_str()) {
        None => None,
        Some(Ok(text)) => match JobId::parse(text) {
            Ok(id) => Some(id),
            Err(message) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    &ApiError::invalid(message).on_field(JOB_HEADER),
                );
            }
        },
        Some(Err(_)) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &ApiError::invalid("the job header is not text").on_field(JOB_HEADER),
            );
        }
    };
    let request: serde_json::Value = if body.is_empty() {
        serde_json::json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(e) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    &ApiError::new(
                        ErrorCode::InvalidRequest,
                        format!("the body is not JSON: {e}"),
                    ),
                );
            }
        }
    };
    let worker = state.clone();
    // Operations are blocking (SQLite, polars, training): off the async threads.
    let result = tokio::task::spawn_blocking(move || {
        let cancel = AtomicBool::new(false);
        let sink = Broadcast(worker.events.clone());
        let context = CallContext {
            session: &worker.session,
            events: &sink,
            cancel: &cancel,
            job,
            served: &worker.served,
            tracking: &worker.tracking,
        };
        datalab_api::ops::call(&name, request, &context)
    })
    .await;
    match result {
        Ok(Ok(value)) => axum::Json(value).into_response(),
        Ok(Err(error)) => error_response(status_of(error.code), &error),
        Err(join) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::new(
                ErrorCode::Internal,
                format!("the operation stopped: {join}"),
            ),
        ),
    }
}

async fn events(State(state): State<Arc<AppState>>) -> Response {
    let stream = tokio_stream::wrappers::BroadcastStream::new(state.events.subscribe()).filter_map(
        |item| async move {
            item.ok()
                .map(|text| Ok::<_, std::convert::Infallible>(format!("data: {text}\n\n")))
        },
    );
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

fn content_type(path: &std::path::Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// A file of the UI: from the folder standing in for it, or built in.
async fn ui_file(state: &AppState, relative: &str) -> Option<Vec<u8>> {
    match &state.ui_dir {
        Some(dir) => tokio::fs::read(dir.join(relative)).await.ok(),
        None => ui_files::UI_FILES
            .iter()
            .find(|(name, _)| *name == relative)
            .map(|(_, bytes)| bytes.to_vec()),
    }
}

async fn static_file(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let relative = request.uri().path().trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    // Only plain names below the UI folder: no `..`, no absolute paths.
    let safe = std::path::Path::new(relative)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !safe {
        return StatusCode::NOT_FOUND.into_response();
    }
    match ui_file(&state, relative).await {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(std::path::Path::new(relative))),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
                ),
            ],
            bytes,
        )
            .into_response(),
        None if relative == "index.html" => (
            StatusCode::NOT_FOUND,
            match &state.ui_dir {
                Some(dir) => format!(
                    "the UI is not built in {}: run `npm --prefix ui ci && npm --prefix ui run build`",
                    dir.display()
                ),
                None => "this build of Data Lab has no UI in it: build the UI \
                         (`npm --prefix ui ci && npm --prefix ui run build`), then Data Lab"
                    .to_string(),
            },
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
