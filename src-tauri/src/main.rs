//! The Data Lab desktop app: a window over the UI (`ui/dist`), and thin
//! wiring to the API. The UI calls one command, `call`, which runs an
//! operation of the list in `datalab_api::ops` off the UI thread (with the
//! job id the page chose, so it can cancel the work); events of long
//! operations are forwarded as `datalab://event` events, and File menu items
//! as `datalab://menu` events. The models this process serves are state of
//! the app, handed to every call. A file the page saves (a chart, a table)
//! is a download, put in the user's Downloads folder and reported as a
//! `datalab://saved` event. No domain logic lives here.
//!
//! `datalab-desktop [PROJECT]` opens PROJECT (or the project around it) at start.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use datalab_api::ops::{CallContext, Event, EventSink, Session};
use datalab_api::serving::ServedModels;
use datalab_api::tracking::TrackingService;
use datalab_api::{ApiError, ErrorCode, JobId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::webview::DownloadEvent;
use tauri::{AppHandle, Emitter, Manager, State, WebviewWindowBuilder};

/// Sends the API's events to the window.
struct WindowEvents(AppHandle);

impl EventSink for WindowEvents {
    fn emit(&self, event: Event) {
        // A closed window cannot hear it; the API keeps the record.
        let _ = self.0.emit("datalab://event", event);
    }
}

/// Runs one operation of the API list, off the UI thread; `job` names the
/// job it runs, if it runs one.
#[tauri::command]
async fn call(
    app: AppHandle,
    session: State<'_, Arc<Session>>,
    served: State<'_, Arc<ServedModels>>,
    tracking: State<'_, Arc<TrackingService>>,
    operation: String,
    request: serde_json::Value,
    job: Option<String>,
) -> Result<serde_json::Value, ApiError> {
    let job = job
        .map(|id| JobId::parse(&id).map_err(|e| ApiError::invalid(e).on_field("job")))
        .transpose()?;
    let session = Arc::clone(session.inner());
    let served = Arc::clone(served.inner());
    let tracking = Arc::clone(tracking.inner());
    tauri::async_runtime::spawn_blocking(move || {
        let cancel = AtomicBool::new(false);
        let events = WindowEvents(app);
        let context = CallContext {
            session: &session,
            events: &events,
            cancel: &cancel,
            job,
            served: &served,
            tracking: &tracking,
        };
        datalab_api::ops::call(&operation, request, &context)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the operation stopped: {e}")))?
}

/// Where a download named `name` goes: the user's Downloads folder (their
/// home's `Downloads` when the system names none), under a name no file
/// there has yet ("table (2).csv").
fn download_path(app: &AppHandle, name: &Path) -> PathBuf {
    let folder = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir().map(|home| home.join("Downloads")))
        .unwrap_or_else(|_| std::env::temp_dir());
    let _ = std::fs::create_dir_all(&folder);
    let name = name
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| "download".into());
    let stem = name
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    let extension = name
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()));
    let mut path = folder.join(&name);
    let mut n = 2;
    while path.exists() {
        path = folder.join(format!(
            "{stem} ({n}){}",
            extension.as_deref().unwrap_or("")
        ));
        n += 1;
    }
    path
}

/// The main window, as configured, with downloads sent to the Downloads
/// folder (WebKitGTK would write them to the working directory) and their
/// outcome told to the page.
fn main_window(app: &tauri::App) -> tauri::Result<()> {
    let Some(config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
    else {
        return Ok(());
    };
    let handle = app.handle().clone();
    WebviewWindowBuilder::from_config(app, &config)?
        .on_download(move |_webview, event| {
            match event {
                DownloadEvent::Requested { destination, .. } => {
                    *destination = download_path(&handle, destination);
                }
                DownloadEvent::Finished { path, success, .. } => {
                    let _ = handle.emit(
                        "datalab://saved",
                        serde_json::json!({ "path": path, "success": success }),
                    );
                }
                _ => {}
            }
            true
        })
        .title("Data Lab")
        .build()?;
    Ok(())
}

fn menu(app: &AppHandle) -> tauri::Result<Menu<tauri::Wry>> {
    let file = Submenu::with_items(
        app,
        "File",
        true,
        &[
            &MenuItem::with_id(
                app,
                "close_project",
                "Switch project…",
                true,
                Some("CmdOrCtrl+Shift+O"),
            )?,
            &PredefinedMenuItem::separator(app)?,
            &PredefinedMenuItem::quit(app, Some("Quit Data Lab"))?,
        ],
    )?;
    Menu::with_items(app, &[&file])
}

fn main() {
    // A project given on the command line (as `datalab ui` does) opens first;
    // opening it also marks runs a dead process left as interrupted.
    let project: Option<PathBuf> = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .and_then(|path| match datalab_api::discover_project(&path) {
            Ok(project) => Some(project.root().to_path_buf()),
            Err(error) => {
                eprintln!("datalab-desktop: {}", error.message);
                None
            }
        });
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(Arc::new(Session::new(project)))
        .manage(Arc::new(ServedModels::default()))
        .manage(Arc::new(TrackingService::default()))
        .setup(|app| {
            let handle = app.handle();
            handle.set_menu(menu(handle)?)?;
            main_window(app)?;
            Ok(())
        })
        .on_menu_event(|app, event| {
            let _ = app.emit("datalab://menu", event.id().0.clone());
        })
        .invoke_handler(tauri::generate_handler![call])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("datalab-desktop: the window could not start: {error}");
        std::process::exit(1);
    }
}
