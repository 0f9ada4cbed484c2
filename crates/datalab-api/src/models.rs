//! Model registry and publishing operations: promote a run to a numbered
//! model version (its package written under `models/<name>/<version>/`),
//! aliases, storage targets, publishing a version to a target, listing what
//! a target holds, and fetching a version into this project.

use crate::error::{ApiError, ErrorCode};
use crate::experiments::RunInfo;
use datalab_ml::trial::TrainedModel;
use datalab_project::{ModelVersionRecord, Project, RunId, RunStatus};
use datalab_publish::package::{InputField, Manifest};
use datalab_publish::storage::{StorageConfig, Target};
use datalab_publish::transfer::{self, PublishOutcome, RemoteVersion};
use datalab_publish::{Credentials, PublishError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

impl From<PublishError> for ApiError {
    fn from(error: PublishError) -> Self {
        let code = match &error {
            PublishError::Credentials { .. }
            | PublishError::MissingCredentials { .. }
            | PublishError::NoBucket { .. }
            | PublishError::Unreachable { .. }
            | PublishError::Storage { .. } => ErrorCode::Storage,
            PublishError::Tampered { .. } | PublishError::Manifest(_) => ErrorCode::Integrity,
            PublishError::VersionExists { .. } => ErrorCode::NameTaken,
            PublishError::NotPublished { .. } => ErrorCode::NotFound,
            PublishError::Io { .. } => ErrorCode::Io,
            PublishError::Cancelled => ErrorCode::Cancelled,
            PublishError::Invalid(_) => ErrorCode::InvalidRequest,
        };
        ApiError::new(code, error.to_string())
    }
}

/// Where a registered version has been published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicationInfo {
    pub target: String,
    pub location: String,
    pub published_at: String,
}

/// A registered model version, with its lineage and its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelVersionInfo {
    pub name: String,
    pub version: u32,
    pub aliases: Vec<String>,
    pub description: String,
    /// The run it came from, in this project (none when fetched from storage).
    pub run: Option<RunId>,
    /// Where it was fetched from, when it was.
    pub source: Option<String>,
    /// The package folder, relative to the project.
    pub package_dir: String,
    pub created_at: String,
    pub manifest: Manifest,
    pub publications: Vec<PublicationInfo>,
}

/// A version with its model card's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelVersionDetail {
    pub info: ModelVersionInfo,
    pub model_card: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RegisterModelRequest {
    pub run: RunId,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Point this alias (`champion`, say) at the new version.
    #[serde(default)]
    pub alias: Option<String>,
}

/// `name`, `name:3` or `name@champion`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelRef {
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SetAliasRequest {
    pub model: String,
    pub alias: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StorageTargetInfo {
    pub name: String,
    pub config: StorageConfig,
    /// Where packages go, as a person reads it.
    pub location: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AddStorageRequest {
    pub name: String,
    pub config: StorageConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublishRequest {
    /// `name`, `name:3` or `name@alias`.
    pub model: String,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FetchRequest {
    pub target: String,
    pub name: String,
    pub version: u32,
}

fn check_name(kind: &str, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "'{name}' cannot be a {kind} name: use up to 64 letters, digits, '_', '-' or '.'"
        )))
    }
}

/// Parses `name`, `name:3` or `name@alias`.
pub fn parse_model_ref(reference: &str) -> Result<(String, Option<u32>, Option<String>), ApiError> {
    if let Some((name, alias)) = reference.split_once('@') {
        check_name("model", name)?;
        return Ok((name.to_string(), None, Some(alias.to_string())));
    }
    if let Some((name, version)) = reference.split_once(':') {
        check_name("model", name)?;
        let version = version.parse::<u32>().map_err(|_| {
            invalid(format!(
                "'{reference}': the version after ':' must be a number"
            ))
        })?;
        return Ok((name.to_string(), Some(version), None));
    }
    check_name("model", reference)?;
    Ok((reference.to_string(), None, None))
}

fn find_version(project: &Project, reference: &str) -> Result<ModelVersionRecord, ApiError> {
    let (name, version, alias) = parse_model_ref(reference)?;
    Ok(project.model_version(&name, version, alias.as_deref())?)
}

fn info_of(project: &Project, record: ModelVersionRecord) -> Result<ModelVersionInfo, ApiError> {
    let dir = project.root().join(&record.package_dir);
    let manifest_path = dir.join(datalab_publish::MANIFEST_FILE);
    let text = std::fs::read(&manifest_path).map_err(|e| {
        ApiError::new(
            ErrorCode::Io,
            format!("cannot read {}: {e}", manifest_path.display()),
        )
    })?;
    let manifest = datalab_publish::package::parse_manifest(&text)?;
    let publications = project
        .publications(record.id)?
        .into_iter()
        .map(|p| PublicationInfo {
            target: p.target,
            location: p.location,
            published_at: p.published_at,
        })
        .collect();
    Ok(ModelVersionInfo {
        name: record.model,
        version: record.version,
        aliases: record.aliases,
        description: record.description,
        run: record.run_id,
        source: record.source,
        package_dir: record.package_dir,
        created_at: record.created_at,
        manifest,
        publications,
    })
}

/// Promotes a succeeded run to the next version of model `name`: writes its
/// package (model, card, spec, evaluation; manifest last) and records it.
pub fn register_model(
    project: &Project,
    request: &RegisterModelRequest,
) -> Result<ModelVersionDetail, ApiError> {
    check_name("model", &request.name)?;
    if let Some(alias) = &request.alias {
        check_name("alias", alias)?;
    }
    let record = project.run(request.run)?;
    if record.status != RunStatus::Succeeded {
        return Err(invalid(format!(
            "run {} is {:?}: only a succeeded run becomes a model",
            request.run, record.status
        )));
    }
    let run = RunInfo::from(record);
    let experiment = project.experiment(run.experiment_id)?;
    let spec = crate::parse_spec(&experiment.spec_toml)?;
    let run_dir = project.runs_dir().join(run.id.to_string());
    let read = |name: &str| {
        std::fs::read(run_dir.join(name)).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("run {} has no {name} ({e}): run it again", run.id),
            )
        })
    };
    let model_bytes = read("model.json")?;
    let trained: TrainedModel = serde_json::from_slice(&model_bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::Io,
            format!("runs/{}/model.json cannot be read: {e}", run.id),
        )
    })?;
    let columns: Vec<datalab_data::ColumnSchema> = experiment
        .dataset_id
        .and_then(|id| project.dataset(id).ok())
        .and_then(|d| serde_json::from_str(&d.fields.schema_json).ok())
        .unwrap_or_default();
    // The columns a caller sends (before one-hot encoding or TF-IDF), as the spec chose them.
    let inputs: Vec<String> = if spec.task.features.is_empty() {
        columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| Some(n) != spec.task.target.as_ref())
            .collect()
    } else {
        spec.task.features.clone()
    };
    let input_schema = inputs
        .iter()
        .map(|name| InputField {
            name: name.clone(),
            kind: match columns.iter().find(|c| &c.name == name).map(|c| c.kind) {
                Some(
                    datalab_data::ColumnKind::Integer
                    | datalab_data::ColumnKind::Float
                    | datalab_data::ColumnKind::Boolean,
                ) => "number".into(),
                _ => "text".into(),
            },
        })
        .collect();
    let version = project.next_model_version(&request.name)?;
    let folds = crate::show_run(project, run.id)?.folds;
    let others = project
        .runs_of(run.experiment_id)?
        .into_iter()
        .map(RunInfo::from)
        .collect::<Vec<_>>();
    let manifest = Manifest {
        format: String::new(),
        name: request.name.clone(),
        version,
        algorithm: run.model.clone(),
        parameters: run.params.clone(),
        task: format!("{:?}", spec.task.kind).to_lowercase(),
        target: spec.task.target.clone(),
        input_schema,
        classes: trained.labels.clone(),
        metrics: serde_json::to_value(&run.metrics).unwrap_or_default(),
        dataset_sha256: experiment.dataset_sha256.clone(),
        run_id: Some(run.id.0),
        experiment_id: Some(experiment.id.0),
        engine_version: crate::VERSION.to_string(),
        created_at: now(),
        files: Vec::new(),
    };
    let vendors = crate::vendors::list_evaluations(project, Some(experiment.id))?;
    let card = crate::model_card::model_card(
        &manifest,
        &request.description,
        &spec,
        &experiment.name,
        &run,
        &others,
        &vendors,
    );
    let mut files = vec![
        (
            datalab_publish::package::MODEL_FILE.to_string(),
            model_bytes,
        ),
        ("MODEL_CARD.md".to_string(), card.into_bytes()),
        (
            "spec.toml".to_string(),
            experiment.spec_toml.clone().into_bytes(),
        ),
        (
            "evaluation/metrics.json".to_string(),
            serde_json::to_vec_pretty(
                &serde_json::json!({ "summary": run.metrics, "folds": folds }),
            )
            .unwrap_or_default(),
        ),
    ];
    if let Ok(charts) = read("charts.json") {
        files.push(("evaluation/charts.json".to_string(), charts));
    }
    let relative = format!("models/{}/{version}", request.name);
    let dir = project.root().join(&relative);
    if dir.exists() {
        return Err(ApiError::new(
            ErrorCode::NameTaken,
            format!(
                "{} exists already: remove it or choose another name",
                dir.display()
            ),
        ));
    }
    let (_, manifest_sha256) = datalab_publish::package::write_package(&dir, manifest, &files)?;
    let recorded = project.insert_model_version(
        version,
        &datalab_project::NewModelVersion {
            model: &request.name,
            run_id: Some(run.id),
            source: None,
            description: &request.description,
            package_dir: &relative,
            manifest_sha256: &manifest_sha256,
        },
    );
    let recorded = match recorded {
        Ok(r) => r,
        Err(e) => {
            // Nothing half-registered: the package goes with the failed record.
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e.into());
        }
    };
    if let Some(alias) = &request.alias {
        project.set_model_alias(recorded.id, alias)?;
    }
    show_model(project, &format!("{}:{version}", request.name))
}

fn now() -> String {
    // Seconds since the epoch as an RFC 3339 UTC time, without a date library.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (h, m, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

pub fn list_models(project: &Project) -> Result<Vec<ModelVersionInfo>, ApiError> {
    project
        .model_versions()?
        .into_iter()
        .map(|r| info_of(project, r))
        .collect()
}

/// A version (`name`, `name:3`, `name@alias`) with its model card.
pub fn show_model(project: &Project, reference: &str) -> Result<ModelVersionDetail, ApiError> {
    let record = find_version(project, reference)?;
    let card_path = project
        .root()
        .join(&record.package_dir)
        .join("MODEL_CARD.md");
    let model_card = std::fs::read_to_string(&card_path).unwrap_or_default();
    Ok(ModelVersionDetail {
        info: info_of(project, record)?,
        model_card,
    })
}

pub fn set_model_alias(
    project: &Project,
    request: &SetAliasRequest,
) -> Result<ModelVersionInfo, ApiError> {
    check_name("alias", &request.alias)?;
    let record = find_version(project, &request.model)?;
    project.set_model_alias(record.id, &request.alias)?;
    let record = project.model_version_by_id(record.id)?;
    info_of(project, record)
}

pub fn add_storage(
    project: &Project,
    request: &AddStorageRequest,
) -> Result<StorageTargetInfo, ApiError> {
    check_name("storage target", &request.name)?;
    if let StorageConfig::S3 { bucket, .. } = &request.config
        && bucket.trim().is_empty()
    {
        return Err(invalid("an S3 target needs a bucket"));
    }
    let config_json = serde_json::to_string(&request.config).map_err(|e| invalid(e.to_string()))?;
    let record = project.insert_storage_target(&request.name, &config_json)?;
    storage_info(record)
}

fn storage_info(
    record: datalab_project::StorageTargetRecord,
) -> Result<StorageTargetInfo, ApiError> {
    let config: StorageConfig = serde_json::from_str(&record.config_json).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!(
                "storage target '{}' has an unreadable configuration: {e}",
                record.name
            ),
        )
    })?;
    Ok(StorageTargetInfo {
        name: record.name,
        location: config.describe(),
        config,
        created_at: record.created_at,
    })
}

pub fn list_storage(project: &Project) -> Result<Vec<StorageTargetInfo>, ApiError> {
    project
        .storage_targets()?
        .into_iter()
        .map(storage_info)
        .collect()
}

fn open_target(
    project: &Project,
    name: &str,
) -> Result<(datalab_project::StorageTargetRecord, Target), ApiError> {
    let record = project.storage_target(name)?;
    let info = storage_info(record.clone())?;
    let target = Target::open(name, &info.config, Credentials::from_env())?;
    Ok((record, target))
}

fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    // Two workers: parts go up and down while the calling task hashes and writes.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot start I/O: {e}")))
}

/// Writes, reads back and deletes a small object in the target.
pub fn test_storage(project: &Project, name: &str) -> Result<StorageTargetInfo, ApiError> {
    let (record, target) = open_target(project, name)?;
    runtime()?.block_on(transfer::probe(&target))?;
    storage_info(record)
}

/// Publishes a version to a target: files first, manifest last; the same
/// version again is recognised; a different package under the same version is refused.
pub fn publish_model(
    project: &Project,
    request: &PublishRequest,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<PublishOutcome, ApiError> {
    let version = find_version(project, &request.model)?;
    let (record, target) = open_target(project, &request.target)?;
    let dir = project.root().join(&version.package_dir);
    let outcome = runtime()?.block_on(transfer::publish(&target, &dir, progress, cancel))?;
    project.record_publication(version.id, record.id, &outcome.location)?;
    Ok(outcome)
}

pub fn list_published(project: &Project, target: &str) -> Result<Vec<RemoteVersion>, ApiError> {
    let (_, target) = open_target(project, target)?;
    Ok(runtime()?.block_on(transfer::list_published(&target))?)
}

/// Fetches a published version into this project, every file checked.
pub fn fetch_model(
    project: &Project,
    request: &FetchRequest,
) -> Result<ModelVersionDetail, ApiError> {
    check_name("model", &request.name)?;
    let (_, target) = open_target(project, &request.target)?;
    let relative = format!("models/{}/{}", request.name, request.version);
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
        ));
    }
    let (manifest, manifest_sha256) = runtime()?.block_on(transfer::fetch(
        &target,
        &request.name,
        request.version,
        &dest,
    ))?;
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
        },
    );
    if let Err(e) = recorded {
        let _ = std::fs::remove_dir_all(&dest);
        return Err(e.into());
    }
    show_model(project, &format!("{}:{}", request.name, request.version))
}
