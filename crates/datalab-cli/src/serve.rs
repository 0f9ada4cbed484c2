//! `datalab serve`: finds the package to serve (the project's version, a
//! folder, or storage), then serves it in the foreground until Ctrl-C or
//! SIGTERM. The server listens before the package is fetched and loaded, so
//! a container's liveness probe passes while its readiness probe waits.

use crate::args::ServeArgs;
use datalab_api::{self as api, ApiError, StorageConfig};
use datalab_serving::ServingError;
use datalab_serving::source::name_and_version;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What to load once listening.
enum Source {
    Folder(PathBuf),
    Storage {
        config: StorageConfig,
        name: String,
        version: Option<u32>,
        cache: PathBuf,
    },
}

pub fn serve(project: &Option<PathBuf>, args: ServeArgs) -> Result<(), ApiError> {
    let storage = match &args.from {
        Some(target) => {
            let project = crate::open(project)?;
            Some(
                api::list_storage(&project)?
                    .into_iter()
                    .find(|t| &t.name == target)
                    .ok_or_else(|| ApiError::not_found(format!("no storage target '{target}'")))?
                    .config,
            )
        }
        None => args.storage.config(),
    };
    let source = match (&args.package, storage, &args.model) {
        (Some(dir), _, _) => Source::Folder(dir.clone()),
        (None, Some(config), Some(reference)) => {
            let (name, version) = name_and_version(reference).map_err(ApiError::from)?;
            Source::Storage {
                config,
                name,
                version,
                cache: args.storage.cache_dir(),
            }
        }
        (None, None, Some(reference)) => Source::Folder(api::serving::package_dir(
            &crate::open(project)?,
            reference,
        )?),
        (None, _, None) => {
            return Err(ApiError::invalid(
                "name the model to serve, or give --package DIR",
            ));
        }
    };
    let failure: Arc<Mutex<Option<ApiError>>> = Arc::default();
    let failed = failure.clone();
    let load = move || {
        let loaded = match source {
            Source::Folder(dir) => api::serving::load_served_model(&dir),
            Source::Storage {
                config,
                name,
                version,
                cache,
            } => {
                eprintln!("fetching {name} from {} …", config.describe());
                api::serving::fetch_package(&config, &name, version, &cache)
                    .and_then(|dir| api::serving::load_served_model(&dir))
            }
        };
        match loaded {
            Ok(model) => {
                eprintln!(
                    "ready: {}:{} ({}) — POST /v2/models/{}/infer or /invocations; GET /metrics",
                    model.name(),
                    model.version(),
                    model.manifest.algorithm,
                    model.name()
                );
                Ok(model)
            }
            Err(error) => {
                // The API's error (with its code) is kept for the exit code.
                let message = error.message.clone();
                if let Ok(mut slot) = failed.lock() {
                    *slot = Some(error);
                }
                Err(ServingError::Invalid(message))
            }
        }
    };
    let served = datalab_serving::serve_until_signal(args.host, args.port, load, |url| {
        println!("listening on {url}");
        if !args.host.is_loopback() {
            eprintln!(
                "note: listening beyond this machine ({}); the model answers anyone who can reach it",
                args.host
            );
        }
    });
    match served {
        Ok(()) => Ok(()),
        Err(error) => Err(failure
            .lock()
            .ok()
            .and_then(|mut f| f.take())
            .unwrap_or_else(|| error.into())),
    }
}
