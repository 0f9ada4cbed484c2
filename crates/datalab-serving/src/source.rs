//! Where the package to serve comes from: a folder, or object storage (an
//! S3 bucket or a folder target) from which it is fetched and checked. The
//! command-line options are shared by `datalab serve` and `datalab-serve`.

use crate::ServedModel;
use crate::error::ServingError;
use datalab_publish::storage::{Credentials, Target};
use datalab_publish::{MANIFEST_FILE, StorageConfig, transfer};
use std::path::{Path, PathBuf};

/// Where a package in storage is, as command-line options.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// An S3 bucket to fetch the package from (credentials from
    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, never stored).
    #[arg(long, conflicts_with = "folder")]
    pub bucket: Option<String>,
    /// For MinIO and other S3-compatible servers, e.g. http://minio:9000.
    #[arg(long, requires = "bucket")]
    pub endpoint: Option<String>,
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Packages are under PREFIX/models/NAME/VERSION/.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Path-style URLs (MinIO).
    #[arg(long)]
    pub path_style: bool,
    /// A folder target to fetch the package from.
    #[arg(long)]
    pub folder: Option<PathBuf>,
    /// Where fetched packages are kept (default: a temporary folder).
    #[arg(long, env = "DATALAB_MODEL_CACHE")]
    pub cache: Option<PathBuf>,
}

impl StorageArgs {
    /// The storage these options name, if any.
    pub fn config(&self) -> Option<StorageConfig> {
        match (&self.bucket, &self.folder) {
            (Some(bucket), _) => Some(StorageConfig::S3 {
                endpoint: self.endpoint.clone(),
                region: self.region.clone(),
                bucket: bucket.clone(),
                prefix: self.prefix.clone(),
                path_style: self.path_style,
            }),
            (None, Some(folder)) => Some(StorageConfig::Folder {
                path: std::path::absolute(folder).unwrap_or_else(|_| folder.clone()),
            }),
            (None, None) => None,
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("datalab-models"))
    }
}

/// The command line of `datalab-serve` (the serving container's binary).
#[derive(Debug, clap::Parser)]
#[command(
    name = "datalab-serve",
    version,
    about = "Serve a Data Lab model package (Open Inference Protocol v2, MLflow scoring, /metrics)"
)]
pub struct ServeCommand {
    /// NAME or NAME:VERSION of a package in storage (with --bucket or --folder).
    #[arg(required_unless_present = "package")]
    pub model: Option<String>,
    /// Serve this package folder (holding model.json).
    #[arg(long, conflicts_with_all = ["bucket", "folder"])]
    pub package: Option<PathBuf>,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// The address to listen on: loopback by default; 0.0.0.0 in a container.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

/// NAME or NAME:VERSION of a package in storage.
pub fn name_and_version(reference: &str) -> Result<(String, Option<u32>), ServingError> {
    match reference.split_once(':') {
        Some((name, version)) => Ok((
            name.to_string(),
            Some(version.parse().map_err(|_| {
                ServingError::Invalid(format!(
                    "'{reference}': the version after ':' must be a number"
                ))
            })?),
        )),
        None if reference.contains('@') => Err(ServingError::Invalid(
            "aliases live in a project: give NAME or NAME:VERSION to serve from storage".into(),
        )),
        None => Ok((reference.to_string(), None)),
    }
}

/// Fetches `name` (its newest version, or `version`) from storage into a
/// folder under `cache`, every file checked against the manifest. A package
/// fetched before is reused (and checked again when loaded).
pub fn fetch_package(
    config: &StorageConfig,
    name: &str,
    version: Option<u32>,
    cache: &Path,
) -> Result<PathBuf, ServingError> {
    let target = Target::open("storage", config, Credentials::from_env())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServingError::Server(format!("cannot start I/O: {e}")))?;
    let version = match version {
        Some(v) => v,
        None => runtime
            .block_on(transfer::list_published(&target))?
            .into_iter()
            .filter(|v| v.name == name)
            .map(|v| v.version)
            .max()
            .ok_or_else(|| {
                ServingError::NotFound(format!(
                    "{} holds no published version of '{name}'",
                    config.describe()
                ))
            })?,
    };
    let folder = cache.join(format!("{name}-{version}"));
    if folder.join(MANIFEST_FILE).is_file() {
        return Ok(folder);
    }
    std::fs::create_dir_all(cache)
        .map_err(|e| ServingError::Server(format!("cannot create {}: {e}", cache.display())))?;
    runtime.block_on(transfer::fetch(
        &target,
        name,
        version,
        &folder,
        &std::sync::atomic::AtomicBool::new(false),
    ))?;
    Ok(folder)
}

/// Fetches (when from storage) and loads the package to serve.
pub fn load(
    package: Option<&Path>,
    model: Option<&str>,
    storage: &StorageArgs,
) -> Result<ServedModel, ServingError> {
    let dir = match (package, storage.config(), model) {
        (Some(dir), _, _) => dir.to_path_buf(),
        (None, Some(config), Some(reference)) => {
            let (name, version) = name_and_version(reference)?;
            eprintln!("fetching {name} from {} …", config.describe());
            fetch_package(&config, &name, version, &storage.cache_dir())?
        }
        _ => {
            return Err(ServingError::Invalid(
                "give --package DIR, or NAME[:VERSION] with --bucket or --folder".into(),
            ));
        }
    };
    ServedModel::load(&dir)
}
