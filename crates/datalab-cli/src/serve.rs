//! `datalab serve`: finds the package to serve (the project's version, a
//! folder, or storage), then serves it in the foreground until Ctrl-C or
//! SIGTERM. The server listens before the package is fetched and loaded, so
//! a container's liveness probe passes while its readiness probe waits.

use crate::args::ServeArgs;
use datalab_api::{self as api, ApiError, ErrorCode, StorageConfig};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

/// NAME or NAME:VERSION of a package in storage.
fn name_and_version(reference: &str) -> Result<(String, Option<u32>), ApiError> {
    match reference.split_once(':') {
        Some((name, version)) => Ok((
            name.to_string(),
            Some(version.parse().map_err(|_| {
                invalid(format!(
                    "'{reference}': the version after ':' must be a number"
                ))
            })?),
        )),
        None if reference.contains('@') => Err(invalid(
            "aliases live in a project: give NAME or NAME:VERSION to serve from storage",
        )),
        None => Ok((reference.to_string(), None)),
    }
}

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
    let storage = match (&args.from, &args.bucket, &args.folder) {
        (Some(target), _, _) => {
            let project = crate::open(project)?;
            Some(
                api::list_storage(&project)?
                    .into_iter()
                    .find(|t| &t.name == target)
                    .ok_or_else(|| {
                        ApiError::new(ErrorCode::NotFound, format!("no storage target '{target}'"))
                    })?
                    .config,
            )
        }
        (None, Some(bucket), _) => Some(StorageConfig::S3 {
            endpoint: args.endpoint.clone(),
            region: args.region.clone(),
            bucket: bucket.clone(),
            prefix: args.prefix.clone(),
            path_style: args.path_style,
        }),
        (None, None, Some(folder)) => Some(StorageConfig::Folder {
            path: std::path::absolute(folder).unwrap_or_else(|_| folder.clone()),
        }),
        (None, None, None) => None,
    };
    let source = match (&args.package, storage, &args.model) {
        (Some(dir), _, _) => Source::Folder(dir.clone()),
        (None, Some(config), Some(reference)) => {
            let (name, version) = name_and_version(reference)?;
            Source::Storage {
                config,
                name,
                version,
                cache: args
                    .cache
                    .clone()
                    .unwrap_or_else(|| std::env::temp_dir().join("datalab-models")),
            }
        }
        (None, None, Some(reference)) => Source::Folder(api::serving::package_dir(
            &crate::open(project)?,
            reference,
        )?),
        (None, _, None) => return Err(invalid("name the model to serve, or give --package DIR")),
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
                let message = error.message.clone();
                if let Ok(mut slot) = failed.lock() {
                    *slot = Some(error);
                }
                Err(message)
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
        Err(message) => Err(failure
            .lock()
            .ok()
            .and_then(|mut f| f.take())
            .unwrap_or_else(|| ApiError::new(ErrorCode::Io, message))),
    }
}
