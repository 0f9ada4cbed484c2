//! Storage targets (a folder, or an S3-compatible bucket with credentials
//! from the environment), and moving model versions through them:
//! publishing and fetching run as jobs, every file checked.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::JobContext;
use crate::models::ModelVersionDetail;
use datalab_lab::{Event, JobSpec};
use datalab_project::{JobKind, Project, names};
use datalab_publish::Credentials;
use datalab_publish::storage::{StorageConfig, Target};
use datalab_publish::transfer::{self, PublishOutcome, RemoteVersion};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A storage target as the project keeps it.
pub struct StorageTargetInfo {
    /// Its name.
    pub name: String,
    /// Where it is (credentials are never kept).
    pub config: StorageConfig,
    /// Where packages go, as a person reads it.
    pub location: String,
    /// When it was added.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A storage target to add.
pub struct AddStorageRequest {
    /// Its name.
    pub name: String,
    /// Where it is.
    pub config: StorageConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A version to publish.
pub struct PublishRequest {
    /// `name`, `name:3` or `name@alias`.
    pub model: String,
    /// The storage target, by name.
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A published version to fetch.
pub struct FetchRequest {
    /// The storage target, by name.
    pub target: String,
    /// The model's name.
    pub name: String,
    /// Its version.
    pub version: u32,
}

/// Adds a storage target: a folder, or an S3 bucket (credentials come from
/// the environment when it is used).
pub fn add_storage(
    project: &Project,
    request: &AddStorageRequest,
) -> Result<StorageTargetInfo, ApiError> {
    names::check_name("storage target", &request.name)?;
    if let StorageConfig::S3 { bucket, .. } = &request.config
        && bucket.trim().is_empty()
    {
        return Err(ApiError::invalid_field(
            "config.bucket",
            "an S3 target needs a bucket",
        ));
    }
    let config_json =
        serde_json::to_string(&request.config).map_err(|e| ApiError::invalid(e.to_string()))?;
    let record = project.insert_storage_target(&request.name, &config_json)?;
    storage_info(record)
}

fn storage_info(
    record: datalab_project::StorageTargetRecord,
) -> Result<StorageTargetInfo, ApiError> {
    let config: StorageConfig = serde_json::from_str(&record.config_json).map_err(|e| {
        ApiError::internal(format!(
            "storage target '{}' has an unreadable configuration: {e}",
            record.name
        ))
    })?;
    Ok(StorageTargetInfo {
        name: record.name,
        location: config.describe(),
        config,
        created_at: record.created_at,
    })
}

/// Every storage target of the project.
pub fn list_storage(project: &Project) -> Result<Vec<StorageTargetInfo>, ApiError> {
    project
        .storage_targets()?
        .into_iter()
        .map(storage_info)
        .collect()
}

pub(crate) fn open_target(
    project: &Project,
    name: &str,
) -> Result<(datalab_project::StorageTargetRecord, Target), ApiError> {
    let record = project.storage_target(name)?;
    let info = storage_info(record.clone())?;
    let target = Target::open(name, &info.config, Credentials::from_env())?;
    Ok((record, target))
}

/// A transfer's progress, as every transfer reports it: on its job (what
/// `jobs` shows) and as a transfer event (what a window's progress bar follows).
pub(crate) fn transfer_progress(
    job: &datalab_lab::Job<'_>,
    operation: &str,
    phase: &str,
    done: u64,
    total: u64,
) {
    job.report(phase, done, total);
    job.emit(Event::Transfer {
        job: job.id().clone(),
        operation: operation.into(),
        done,
        total,
    });
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    // Two workers: parts go up and down while the calling task hashes and writes.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ApiError::internal(format!("cannot start I/O: {e}")))
}

/// Writes, reads back and deletes a small object in the target.
pub fn test_storage(project: &Project, name: &str) -> Result<StorageTargetInfo, ApiError> {
    let (record, target) = open_target(project, name)?;
    runtime()?.block_on(transfer::probe(&target))?;
    storage_info(record)
}

/// Publishes a version to a target as a job: files first, manifest last;
/// the same version again is recognised; a different package under the
/// same version is refused. Cancelled, it leaves no visible version (and
/// no orphaned upload parts).
pub fn publish_model(
    project: &Project,
    request: &PublishRequest,
    jobs: &JobContext<'_>,
) -> Result<PublishOutcome, ApiError> {
    let version = crate::models::publishable_version(project, &request.model)?;
    let (record, target) = open_target(project, &request.target)?;
    let dir = project.root().join(&version.package_dir);
    let label = format!("publish {} to {}", request.model, request.target);
    jobs.run(project, JobSpec::new(JobKind::Publish, label), |job| {
        let progress = |done: u64, total: u64| {
            transfer_progress(job, "publish_model", "uploading", done, total)
        };
        let outcome =
            runtime()?.block_on(transfer::publish(&target, &dir, &progress, job.flag()))?;
        project.record_publication(version.id, record.id, &outcome.location)?;
        Ok(outcome)
    })
}

/// The versions a target holds (whole ones only).
pub fn list_published(project: &Project, target: &str) -> Result<Vec<RemoteVersion>, ApiError> {
    let (_, target) = open_target(project, target)?;
    Ok(runtime()?.block_on(transfer::list_published(&target))?)
}

/// Fetches a published version into this project as a job, every file
/// checked; cancelled, it keeps nothing.
pub fn fetch_model(
    project: &Project,
    request: &FetchRequest,
    jobs: &JobContext<'_>,
) -> Result<ModelVersionDetail, ApiError> {
    names::check_name("model", &request.name)?;
    let (_, target) = open_target(project, &request.target)?;
    let relative = crate::models::package_place(&request.name, request.version);
    let dest: PathBuf = project.root().join(&relative);
    if project
        .model_version(&request.name, Some(request.version), None)
        .is_ok()
        || dest.exists()
    {
        return Err(ApiError::new(
            ErrorCode::NameTaken,
            format!(
                "this project has {}:{} already",
                request.name, request.version
            ),
        )
        .on_field("name"));
    }
    let label = format!(
        "fetch {}:{} from {}",
        request.name, request.version, request.target
    );
    let (manifest, manifest_sha256) =
        jobs.run(project, JobSpec::new(JobKind::Fetch, label), |job| {
            job.report("downloading", 0, 0);
            Ok(runtime()?.block_on(transfer::fetch(
                &target,
                &request.name,
                request.version,
                &dest,
                job.flag(),
            ))?)
        })?;
    let source = transfer::location(&target, &request.name, request.version);
    let recorded = project.insert_model_version(
        manifest.version,
        &datalab_project::NewModelVersion {
            model: &manifest.name,
            run_id: None,
            source: Some(&source),
            description: "",
            package_dir: &relative,
            manifest_sha256: &manifest_sha256,
            format: crate::models::version_format(manifest.kind),
        },
    );
    if let Err(e) = recorded {
        let _ = std::fs::remove_dir_all(&dest);
        return Err(e.into());
    }
    crate::show_model(project, &format!("{}:{}", request.name, request.version))
}
