//! The model registry: a succeeded run promoted to a numbered model
//! version (its package written under `models/<name>/<version>/`: model,
//! card, spec, evaluation; manifest last), versions listed and shown, and
//! aliases (`champion`) pointed at versions.

use crate::error::{ApiError, ErrorCode};
use datalab_lab::{RunFiles, RunInfo};
use datalab_ml::trial::TrainedModel;
use datalab_project::{ModelVersionRecord, Project, RunId, RunStatus, VersionFormat, names};
use datalab_publish::package::{InputField, Manifest, PackageKind};
use serde::{Deserialize, Serialize};

/// Where a registered version has been published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicationInfo {
    /// The storage target's name.
    pub target: String,
    /// Where the package is in it.
    pub location: String,
    /// When it was published.
    pub published_at: String,
}

/// A registered model version, with its lineage and its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelVersionInfo {
    /// The model's name.
    pub name: String,
    /// The version's number.
    pub version: u32,
    /// The aliases pointing at it.
    pub aliases: Vec<String>,
    /// What it is for, in words.
    pub description: String,
    /// The run it came from, in this project (none when fetched from storage).
    pub run: Option<RunId>,
    /// Where it was fetched from, when it was.
    pub source: Option<String>,
    /// The package folder, relative to the project.
    pub package_dir: String,
    /// When it was registered or fetched.
    pub created_at: String,
    /// A model Data Lab trained, or an MLflow model the user's own code
    /// logged (which Data Lab keeps and publishes but cannot serve).
    pub format: VersionFormat,
    /// Its package's manifest (none for an MLflow version registered
    /// through the protocol and not yet packaged).
    pub manifest: Option<Manifest>,
    /// An MLflow model's flavours, from its `MLmodel` (`sklearn`, `python_function`).
    pub mlflow_flavors: Vec<String>,
    /// Why Data Lab cannot serve it and what can, when it cannot (an MLflow model).
    pub not_servable: Option<String>,
    /// Where it has been published.
    pub publications: Vec<PublicationInfo>,
}

/// A version with its model card's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelVersionDetail {
    /// The version.
    pub info: ModelVersionInfo,
    /// Its MODEL_CARD.md.
    pub model_card: String,
}

/// A run to promote to a model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RegisterModelRequest {
    /// The run (succeeded).
    pub run: RunId,
    /// The model's name.
    pub name: String,
    /// What it is for, in words.
    #[serde(default)]
    pub description: String,
    /// Point this alias (`champion`, say) at the new version.
    #[serde(default)]
    pub alias: Option<String>,
    /// For a run logged by its own code that logged several MLflow models:
    /// which (a logged model's name, or the artifact folder of its `MLmodel`).
    #[serde(default)]
    pub logged_model: Option<String>,
}

/// `name`, `name:3` or `name@champion`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelRef {
    /// The version's reference.
    pub model: String,
}

/// An alias to point at a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SetAliasRequest {
    /// The version (`name`, `name:3`, `name@alias`).
    pub model: String,
    /// The alias (`champion`, say).
    pub alias: String,
}

/// Parses `name`, `name:3` or `name@alias`.
pub fn parse_model_ref(reference: &str) -> Result<(String, Option<u32>, Option<String>), ApiError> {
    if let Some((name, alias)) = reference.split_once('@') {
        names::check_name("model", name)?;
        return Ok((name.to_string(), None, Some(alias.to_string())));
    }
    if let Some((name, version)) = reference.split_once(':') {
        names::check_name("model", name)?;
        let version = version.parse::<u32>().map_err(|_| {
            ApiError::invalid_field(
                "model",
                format!("'{reference}': the version after ':' must be a number"),
            )
        })?;
        return Ok((name.to_string(), Some(version), None));
    }
    names::check_name("model", reference)?;
    Ok((reference.to_string(), None, None))
}

/// The record of a version (`name`, `name:3`, `name@alias`).
pub(crate) fn find_version(
    project: &Project,
    reference: &str,
) -> Result<ModelVersionRecord, ApiError> {
    let (name, version, alias) = parse_model_ref(reference)?;
    Ok(project.model_version(&name, version, alias.as_deref())?)
}

/// Where version `version` of `name` keeps its package, relative to the project.
pub(crate) fn package_place(name: &str, version: u32) -> String {
    format!("models/{name}/{version}")
}

/// The package folder of a new version (relative, and absolute), refused
/// when something is there already.
pub(crate) fn free_package_dir(
    project: &Project,
    name: &str,
    version: u32,
) -> Result<(String, std::path::PathBuf), ApiError> {
    let relative = package_place(name, version);
    let dir = project.root().join(&relative);
    if dir.exists() {
        return Err(ApiError::new(
            ErrorCode::NameTaken,
            format!(
                "{} exists already: remove it or choose another name",
                dir.display()
            ),
        )
        .on_field("name"));
    }
    Ok((relative, dir))
}

/// Where a version's `MLmodel` is: its package's root either way (an MLflow
/// package keeps the model's files there).
fn flavor_dir(project: &Project, record: &ModelVersionRecord) -> std::path::PathBuf {
    project.root().join(&record.package_dir)
}

/// The record format of a package of `kind`.
pub(crate) fn version_format(kind: PackageKind) -> VersionFormat {
    match kind {
        PackageKind::Datalab => VersionFormat::Datalab,
        PackageKind::Mlflow => VersionFormat::Mlflow,
    }
}

/// A version Data Lab can publish: any, an MLflow version registered through
/// the protocol being packaged first.
pub(crate) fn publishable_version(
    project: &Project,
    reference: &str,
) -> Result<ModelVersionRecord, ApiError> {
    crate::outside_models::packaged(project, find_version(project, reference)?)
}

/// A version Data Lab can serve: a Data Lab package. An MLflow model is
/// refused up front, saying what to do instead.
pub(crate) fn servable_version(
    project: &Project,
    reference: &str,
) -> Result<ModelVersionRecord, ApiError> {
    let record = find_version(project, reference)?;
    let flavors = crate::outside_models::mlflow_flavors(&flavor_dir(project, &record));
    match not_servable(&record, &flavors) {
        Some(why) => Err(ApiError::invalid(why).on_field("model")),
        None => Ok(record),
    }
}

/// Why Data Lab cannot serve a version, and what serves it instead; none
/// for a model Data Lab trained. The one place this is said.
fn not_servable(record: &ModelVersionRecord, flavors: &[String]) -> Option<String> {
    if record.format != VersionFormat::Mlflow {
        return None;
    }
    let what = if flavors.is_empty() {
        "files logged by the user's own code, with no MLmodel".to_string()
    } else {
        format!("an MLflow model ({})", flavors.join(", "))
    };
    Some(format!(
        "{}:{} is {what}: Data Lab keeps and publishes it, and MLflow clients load it \
         (models:/{}/{}), but Data Lab serves only the models it trains; serve it with \
         `mlflow models serve -m models:/{}/{}` against this project's tracking server",
        record.model, record.version, record.model, record.version, record.model, record.version
    ))
}

fn info_of(project: &Project, record: ModelVersionRecord) -> Result<ModelVersionInfo, ApiError> {
    let dir = project.root().join(&record.package_dir);
    let manifest_path = dir.join(datalab_publish::MANIFEST_FILE);
    // An MLflow version registered through the protocol has no manifest
    // until it is packaged (to be published).
    let manifest = if record.format == VersionFormat::Datalab || manifest_path.is_file() {
        let text = std::fs::read(&manifest_path)
            .map_err(|e| ApiError::io(format!("cannot read {}: {e}", manifest_path.display())))?;
        Some(datalab_publish::package::parse_manifest(&text)?)
    } else {
        None
    };
    let flavors = match (&manifest, record.format) {
        (Some(m), _) => m.flavors.clone(),
        (None, VersionFormat::Mlflow) => crate::outside_models::mlflow_flavors(&dir),
        (None, VersionFormat::Datalab) => Vec::new(),
    };
    let publications = project
        .publications(record.id)?
        .into_iter()
        .map(|p| PublicationInfo {
            target: p.target,
            location: p.location,
            published_at: p.published_at,
        })
        .collect();
    let why_not_served = not_servable(&record, &flavors);
    Ok(ModelVersionInfo {
        name: record.model,
        version: record.version,
        aliases: record.aliases,
        description: record.description,
        run: record.run_id,
        source: record.source,
        package_dir: record.package_dir,
        created_at: record.created_at,
        format: record.format,
        manifest,
        not_servable: why_not_served,
        mlflow_flavors: flavors,
        publications,
    })
}

/// Promotes a succeeded run to the next version of model `name`: writes its
/// package (model, card, spec, evaluation; manifest last) and records it.
pub fn register_model(
    project: &Project,
    request: &RegisterModelRequest,
) -> Result<ModelVersionDetail, ApiError> {
    names::check_name("model", &request.name)?;
    if let Some(alias) = &request.alias {
        names::check_name("alias", alias)?;
    }
    let record = project.run(request.run)?;
    if record.status != RunStatus::Succeeded {
        return Err(ApiError::invalid_field(
            "run",
            format!(
                "run {} is {:?}: only a succeeded run becomes a model",
                request.run, record.status
            ),
        ));
    }
    if record.origin != datalab_project::RunOrigin::Catalog {
        return crate::outside_models::register_outside_run(project, request, &record);
    }
    let run = RunInfo::from(record);
    let experiment = project.experiment(run.experiment_id)?;
    let spec = crate::experiments::spec_of(&experiment)?;
    let files = RunFiles::of(project, run.id);
    let model_bytes = files
        .read(RunFiles::MODEL)
        .map_err(|e| ApiError::io(format!("{e}: run it again")))?;
    let trained: TrainedModel = serde_json::from_slice(&model_bytes)
        .map_err(|e| ApiError::io(format!("runs/{}/model.json cannot be read: {e}", run.id)))?;
    let columns: Vec<datalab_data::ColumnSchema> = experiment
        .dataset_id
        .and_then(|id| project.dataset(id).ok())
        .and_then(|d| datalab_lab::data::dataset_columns(&d).ok())
        .unwrap_or_default();
    // The columns a caller sends (before one-hot encoding or TF-IDF): the
    // ones the model was trained on.
    let inputs = trained.preprocessor.input_columns();
    let input_schema = inputs
        .iter()
        .map(|name| InputField {
            name: name.clone(),
            kind: match columns.iter().find(|c| &c.name == name).map(|c| c.kind) {
                Some(datalab_data::ColumnKind::Integer | datalab_data::ColumnKind::Float) => {
                    InputField::NUMBER.into()
                }
                Some(datalab_data::ColumnKind::Boolean) => InputField::BOOLEAN.into(),
                _ => InputField::TEXT.into(),
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
        kind: PackageKind::Datalab,
        flavors: Vec::new(),
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
    let vendors = crate::list_evaluations(project, Some(experiment.id))?;
    let importance = trained.feature_importance();
    let mut notes = project.notes_on(datalab_project::NoteSubject::Experiment(experiment.id))?;
    notes.extend(project.notes_on(datalab_project::NoteSubject::Run(run.id))?);
    let card = crate::model_card::model_card(&crate::model_card::CardFacts {
        manifest: &manifest,
        description: &request.description,
        spec: &spec,
        experiment_name: &experiment.name,
        run: &run,
        candidates: &others,
        evaluations: &vendors,
        importance: importance.as_deref(),
        decision: trained.decision,
        notes: &notes,
    });
    let run_files = files;
    // The experiment's report travels beside the card (a profile not yet
    // computed is computed now, as the report's own command would).
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let report = crate::report::experiment_report(
        project,
        experiment.id,
        &crate::jobs::JobContext::new(&datalab_lab::NoEvents, &cancel),
    )?;
    let card = format!(
        "{}\nThe experiment's full report (data, every run, the comparison, notes) is \
         [`{REPORT_FILE}`]({REPORT_FILE}), beside this card: one HTML file that opens offline.\n",
        card.trim_end()
    );
    let mut package = vec![
        (
            datalab_publish::package::MODEL_FILE.to_string(),
            model_bytes,
        ),
        ("MODEL_CARD.md".to_string(), card.into_bytes()),
        (REPORT_FILE.to_string(), report.into_bytes()),
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
    if let Ok(charts) = run_files.read(RunFiles::CHARTS) {
        package.push(("evaluation/charts.json".to_string(), charts));
    }
    let (relative, dir) = free_package_dir(project, &request.name, version)?;
    let (_, manifest_sha256) = datalab_publish::package::write_package(&dir, manifest, &package)?;
    record_registered(
        project,
        request,
        version,
        &relative,
        &manifest_sha256,
        VersionFormat::Datalab,
    )
}

/// The experiment's report in a package, beside its card.
pub const REPORT_FILE: &str = "REPORT.html";

/// Records version `version` of `request`'s run whose package is written at
/// `relative` (removed again when it cannot be recorded), points the
/// alias, and shows it.
pub(crate) fn record_registered(
    project: &Project,
    request: &RegisterModelRequest,
    version: u32,
    relative: &str,
    manifest_sha256: &str,
    format: VersionFormat,
) -> Result<ModelVersionDetail, ApiError> {
    let recorded = project.insert_model_version(
        version,
        &datalab_project::NewModelVersion {
            model: &request.name,
            run_id: Some(request.run),
            source: None,
            description: &request.description,
            package_dir: relative,
            manifest_sha256,
            format,
        },
    );
    let recorded = match recorded {
        Ok(r) => r,
        Err(e) => {
            // Nothing half-registered: the package goes with the failed record.
            let _ = std::fs::remove_dir_all(project.root().join(relative));
            return Err(e.into());
        }
    };
    if let Some(alias) = &request.alias {
        project.set_model_alias(recorded.id, alias)?;
    }
    // Whether the run met the agreements when it became a version; the version stands either way.
    if let Ok(run) = project.run(request.run) {
        let _ = crate::candidates::record_agreement_check(
            project,
            run.experiment_id,
            crate::candidates::AgreementSubject::Version {
                run: run.id,
                version: recorded.id,
            },
        );
    }
    show_model(project, &format!("{}:{version}", request.name))
}

pub(crate) fn now() -> String {
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

/// Every registered version.
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

/// Points an alias at a version.
pub fn set_model_alias(
    project: &Project,
    request: &SetAliasRequest,
) -> Result<ModelVersionInfo, ApiError> {
    names::check_name("alias", &request.alias)?;
    let record = find_version(project, &request.model)?;
    project.set_model_alias(record.id, &request.alias)?;
    let record = project.model_version_by_id(record.id)?;
    info_of(project, record)
}
