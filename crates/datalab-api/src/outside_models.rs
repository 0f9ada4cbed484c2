//! Versions of models the user's own code made: a run logged through MLflow
//! (a script, a notebook, a command trial) registered from Data Lab, and a
//! version registered through the MLflow protocol, packaged when it is first
//! published. Either becomes a package like Data Lab's own (files first,
//! `model.json` last, every file's sha256) with a generated card, marked as
//! an MLflow model: the `MLmodel` and its files sit at the package's root,
//! so `mlflow models serve -m <package>` serves it, and the run's other
//! artifacts under `artifacts/`. Data Lab publishes and fetches such a
//! package, and says up front that it does not serve it.

use crate::error::ApiError;
use crate::models::{ModelVersionDetail, RegisterModelRequest};
use datalab_lab::RunFiles;
use datalab_project::{ModelVersionRecord, Project, RunOrigin, RunRecord, VersionFormat};
use datalab_publish::package::{FileSource, InputField, Manifest, PackageKind};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Where the run's artifacts go in a package.
const ARTIFACTS: &str = "artifacts";
/// The generated card's file name (as Data Lab's own packages).
const CARD: &str = "MODEL_CARD.md";
/// The run's params, tags and latest metrics, as JSON.
const RUN_FILE: &str = "evaluation/run.json";
/// Above this many files a folder is not a model to package whole.
const MAX_FILES: usize = 100_000;

/// An MLflow model the run left: a logged model's folder, or an artifact
/// folder holding an `MLmodel`.
#[derive(Debug, Clone)]
struct FoundModel {
    /// What the user calls it: the logged model's name, or the artifact path.
    label: String,
    dir: PathBuf,
}

/// Files under `dir`, relative, `/`-separated and sorted; upload leftovers
/// (`.upload-…`, `.….partial`) are not files of the run.
fn files_under(dir: &Path) -> Result<Vec<String>, ApiError> {
    let mut found = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(ApiError::io(format!(
                    "cannot list {}: {e}",
                    folder.display()
                )));
            }
        };
        for entry in entries {
            let entry = entry
                .map_err(|e| ApiError::io(format!("cannot list {}: {e}", folder.display())))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with(".upload-") || name.ends_with(".partial") {
                continue;
            }
            let relative = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(|e| {
                ApiError::io(format!("cannot read {}: {e}", entry.path().display()))
            })?;
            if kind.is_dir() {
                pending.push((entry.path(), relative));
            } else if kind.is_file() {
                found.push(relative);
            }
            if found.len() > MAX_FILES {
                return Err(ApiError::invalid(format!(
                    "{} holds more than {MAX_FILES} files: too many to package",
                    dir.display()
                )));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The flavours an `MLmodel` file lists: the keys under `flavors:`.
pub(crate) fn mlflow_flavors(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("MLmodel")) else {
        return Vec::new();
    };
    let mut flavors = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("flavors:") {
            inside = true;
        } else if inside {
            match line.strip_prefix("  ") {
                Some(rest) if !rest.starts_with(' ') => {
                    if let Some(key) = rest.strip_suffix(':') {
                        flavors.push(key.to_string());
                    }
                }
                Some(_) => {}
                None if line.trim().is_empty() => {}
                None => break,
            }
        }
    }
    flavors
}

/// The input columns an `MLmodel`'s signature names, with their kinds
/// (MLflow's column types: numbers, booleans, text), when it has one.
fn signature_inputs(dir: &Path) -> Vec<InputField> {
    let Ok(text) = std::fs::read_to_string(dir.join("MLmodel")) else {
        return Vec::new();
    };
    // `signature:\n  inputs: '[{"type": "double", "name": "x", …}]'`: a YAML
    // single-quoted scalar, folded over several lines when long (a line
    // break is a space; `''` is a quote).
    let mut lines = text.lines().skip_while(|l| !l.starts_with("signature:"));
    let Some(first) = lines.find_map(|l| l.trim_start().strip_prefix("inputs: '")) else {
        return Vec::new();
    };
    let mut json = String::new();
    let mut rest = first.to_string();
    loop {
        // The closing quote is a `'` not followed by another.
        let mut closed = None;
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                closed = Some(i);
                break;
            }
            i += 1;
        }
        match closed {
            Some(end) => {
                json.push_str(&rest[..end]);
                break;
            }
            None => {
                json.push_str(&rest);
                match lines.next() {
                    Some(next) => {
                        json.push(' ');
                        rest = next.trim_start().to_string();
                    }
                    None => return Vec::new(),
                }
            }
        }
    }
    let json = json.replace("''", "'");
    let Ok(serde_json::Value::Array(columns)) = serde_json::from_str(&json) else {
        return Vec::new();
    };
    columns
        .iter()
        .filter_map(|column| {
            let name = column.get("name")?.as_str()?.to_string();
            let kind = match column.get("type")?.as_str()? {
                "double" | "float" | "long" | "integer" => InputField::NUMBER,
                "boolean" => InputField::BOOLEAN,
                _ => InputField::TEXT,
            };
            Some(InputField {
                name,
                kind: kind.to_string(),
            })
        })
        .collect()
}

/// The MLflow models `run` left: its logged models (MLflow 3) and the
/// artifact folders that hold an `MLmodel` (MLflow 2's `log_model`).
fn models_of_run(project: &Project, run: &RunRecord) -> Result<Vec<FoundModel>, ApiError> {
    let mut found: Vec<FoundModel> = project
        .logged_models_of_run(run.id)?
        .into_iter()
        // MLflow 3 marks a finished upload LOGGED_MODEL_READY (older: READY).
        .filter(|m| m.status.ends_with("READY"))
        .map(|m| FoundModel {
            label: m.name,
            dir: project.logged_models_dir().join(&m.id).join(ARTIFACTS),
        })
        .filter(|m| m.dir.join("MLmodel").is_file())
        .collect();
    let artifacts = RunFiles::of(project, run.id).artifacts_dir();
    for file in files_under(&artifacts)? {
        if let Some(folder) = file.strip_suffix("/MLmodel") {
            found.push(FoundModel {
                label: folder.to_string(),
                dir: artifacts.join(folder),
            });
        } else if file == "MLmodel" {
            found.push(FoundModel {
                label: ".".to_string(),
                dir: artifacts.clone(),
            });
        }
    }
    Ok(found)
}

/// What goes into an MLflow package besides its generated files.
struct Contents {
    /// The model at the package's root, if there is one.
    model: Option<FoundModel>,
    /// Run artifacts for `artifacts/` (none for a protocol version).
    artifacts: Option<PathBuf>,
}

/// What the card and manifest say of where the model came from.
struct Origin<'a> {
    run: Option<&'a RunRecord>,
    /// The MLflow source URI a protocol version was registered from.
    source: Option<&'a str>,
}

fn origin_words(origin: RunOrigin) -> &'static str {
    match origin {
        RunOrigin::Catalog => "a Data Lab catalog trial",
        RunOrigin::Command => {
            "a command trial (the user's script or notebook, run by a Data Lab sweep)"
        }
        RunOrigin::Tracking => "the user's own code, through the MLflow client",
    }
}

/// Writes `models/<name>/<version>/`: the model at the root, the run's
/// other artifacts, `evaluation/run.json`, the card, and the manifest last.
fn write_mlflow_package(
    project: &Project,
    name: &str,
    version: u32,
    description: &str,
    contents: &Contents,
    origin: &Origin<'_>,
) -> Result<(String, String), ApiError> {
    let (relative, dir) = crate::models::free_package_dir(project, name, version)?;
    let mut files: Vec<(String, FileSource)> = Vec::new();
    let mut flavors = Vec::new();
    let mut inputs = Vec::new();
    if let Some(model) = &contents.model {
        flavors = mlflow_flavors(&model.dir);
        inputs = signature_inputs(&model.dir);
        for file in files_under(&model.dir)? {
            files.push((file.clone(), FileSource::File(model.dir.join(&file))));
        }
    }
    if let Some(artifacts) = &contents.artifacts {
        // The model's own folder is at the root already.
        let skip = contents
            .model
            .as_ref()
            .and_then(|m| m.dir.strip_prefix(artifacts).ok().map(Path::to_path_buf));
        for file in files_under(artifacts)? {
            let inside_model = skip.as_ref().is_some_and(|folder| {
                folder.as_os_str().is_empty() || Path::new(&file).starts_with(folder)
            });
            if !inside_model {
                files.push((
                    format!("{ARTIFACTS}/{file}"),
                    FileSource::File(artifacts.join(&file)),
                ));
            }
        }
    }
    let tracked = origin
        .run
        .map(|run| project.tracked_run(run.id))
        .transpose()?;
    let params: serde_json::Map<String, serde_json::Value> = tracked
        .iter()
        .flat_map(|t| &t.params)
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let metrics: serde_json::Map<String, serde_json::Value> = tracked
        .iter()
        .flat_map(|t| &t.metrics)
        .map(|m| {
            (
                m.key.clone(),
                serde_json::json!({ "value": finite_or_text(m.point.value), "step": m.point.step }),
            )
        })
        .collect();
    let manifest = Manifest {
        format: String::new(),
        kind: PackageKind::Mlflow,
        flavors: flavors.clone(),
        name: name.to_string(),
        version,
        algorithm: if flavors.is_empty() {
            "mlflow".to_string()
        } else {
            format!("mlflow ({})", flavors.join(", "))
        },
        parameters: serde_json::Value::Object(params.clone()),
        task: "unknown".to_string(),
        target: None,
        input_schema: inputs,
        classes: None,
        metrics: serde_json::Value::Object(metrics.clone()),
        dataset_sha256: String::new(),
        run_id: origin.run.map(|r| r.id.0),
        experiment_id: origin.run.map(|r| r.experiment_id.0),
        engine_version: crate::VERSION.to_string(),
        created_at: crate::models::now(),
        files: Vec::new(),
    };
    let card = outside_card(&manifest, description, contents, origin, tracked.as_ref());
    files.push((CARD.to_string(), FileSource::Bytes(card.into_bytes())));
    let tags: serde_json::Map<String, serde_json::Value> = tracked
        .iter()
        .flat_map(|t| &t.tags)
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let run_json = serde_json::json!({
        "run_uuid": origin.run.map(|r| r.uuid.clone()),
        "params": params,
        "metrics": metrics,
        "tags": tags,
    });
    files.push((
        RUN_FILE.to_string(),
        FileSource::Bytes(serde_json::to_vec_pretty(&run_json).unwrap_or_default()),
    ));
    match datalab_publish::package::write_package_from(&dir, manifest, &files) {
        Ok((_, manifest_sha256)) => Ok((relative, manifest_sha256)),
        Err(e) => {
            // Nothing half-written stays behind.
            let _ = std::fs::remove_dir_all(&dir);
            Err(e.into())
        }
    }
}

/// JSON has no NaN or infinities: those are written as MLflow writes them.
fn finite_or_text(value: f64) -> serde_json::Value {
    if value.is_finite() {
        serde_json::json!(value)
    } else if value.is_nan() {
        serde_json::json!("NaN")
    } else if value > 0.0 {
        serde_json::json!("Infinity")
    } else {
        serde_json::json!("-Infinity")
    }
}

/// The card of an MLflow package: what it is, where it came from, its
/// params, metrics, tags and inputs, and how to serve it.
fn outside_card(
    manifest: &Manifest,
    description: &str,
    contents: &Contents,
    origin: &Origin<'_>,
    tracked: Option<&datalab_project::TrackedRun>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} v{}\n", manifest.name, manifest.version);
    if !description.trim().is_empty() {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    let _ = writeln!(out, "## What it is\n");
    match &contents.model {
        Some(model) => {
            let _ = writeln!(
                out,
                "An MLflow model ({}), `{}` of its run, with its files at the root of this package.\n",
                if manifest.flavors.is_empty() {
                    "no flavours listed".to_string()
                } else {
                    format!("flavours: {}", manifest.flavors.join(", "))
                },
                model.label
            );
        }
        None => {
            let _ = writeln!(
                out,
                "The files a run logged (under `{ARTIFACTS}/`); it logged no MLflow model (no `MLmodel`).\n"
            );
        }
    }
    let _ = writeln!(
        out,
        "**Serving.** Data Lab serves the models it trains; it does not serve this one. Serve it \
         with MLflow: `mlflow models serve -m <this folder>`, or load it with \
         `mlflow.pyfunc.load_model(\"<this folder>\")`. Data Lab keeps, publishes and fetches it \
         like its own packages, every file checked against `model.json`.\n"
    );
    if !manifest.input_schema.is_empty() {
        let _ = writeln!(out, "Inputs (from its MLflow signature):\n");
        let _ = writeln!(out, "| column | kind |\n|---|---|");
        for field in &manifest.input_schema {
            let _ = writeln!(out, "| {} | {} |", cell(&field.name), field.kind);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Where it came from\n");
    if let Some(run) = origin.run {
        let _ = writeln!(
            out,
            "Run {} (`{}`, MLflow run id `{}`) of experiment {} in the Data Lab project it was \
             registered from, logged by {}.",
            run.id,
            run.name.as_deref().unwrap_or("unnamed"),
            run.uuid,
            run.experiment_id,
            origin_words(run.origin)
        );
        if let (Some(start), Some(end)) = (&run.started_at, &run.finished_at) {
            let _ = writeln!(out, "It ran from {start} to {end}.");
        }
    }
    if let Some(source) = origin.source {
        let _ = writeln!(
            out,
            "Registered through the MLflow protocol from `{source}`."
        );
    }
    out.push('\n');
    if let Some(tracked) = tracked {
        let tag = |key: &str| {
            tracked
                .tags
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        for (key, words) in [
            ("mlflow.user", "User"),
            ("mlflow.source.name", "Source"),
            ("mlflow.source.git.commit", "Git commit"),
        ] {
            if let Some(value) = tag(key) {
                let _ = writeln!(out, "- {words}: `{value}`");
            }
        }
        for input in &tracked.inputs {
            let _ = writeln!(
                out,
                "- Dataset `{}` (digest `{}`{})",
                input.name,
                input.digest,
                input
                    .context
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            );
        }
        out.push('\n');
        if !tracked.params.is_empty() {
            let _ = writeln!(out, "## Parameters\n\n| name | value |\n|---|---|");
            for (k, v) in &tracked.params {
                let _ = writeln!(out, "| {} | {} |", cell(k), cell(v));
            }
            out.push('\n');
        }
        if !tracked.metrics.is_empty() {
            let _ = writeln!(
                out,
                "## Metrics\n\nThe last value the run logged of each (its own code computed them; \
                 Data Lab did not score this model).\n\n| metric | value | step |\n|---|---:|---:|"
            );
            for m in &tracked.metrics {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    cell(&m.key),
                    m.point.value,
                    m.point.step
                );
            }
            out.push('\n');
        }
        let own: Vec<&(String, String)> = tracked
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("mlflow.") && !k.starts_with("datalab."))
            .collect();
        if !own.is_empty() {
            let _ = writeln!(out, "## Tags\n\n| tag | value |\n|---|---|");
            for (k, v) in own {
                let _ = writeln!(out, "| {} | {} |", cell(k), cell(v));
            }
            out.push('\n');
        }
    }
    out
}

/// Text safe in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Registers a run logged by the user's own code: its MLflow model (the one
/// it logged, or the one `request.logged_model` names) and its artifacts,
/// with a generated card.
pub(crate) fn register_outside_run(
    project: &Project,
    request: &RegisterModelRequest,
    run: &RunRecord,
) -> Result<ModelVersionDetail, ApiError> {
    let models = models_of_run(project, run)?;
    let model = match (&request.logged_model, models.len()) {
        (Some(wanted), _) => Some(
            models
                .iter()
                .find(|m| &m.label == wanted)
                .cloned()
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "logged_model",
                        format!(
                            "run {} logged no model named '{wanted}'; it logged: {}",
                            run.id,
                            labels(&models)
                        ),
                    )
                })?,
        ),
        (None, 0) => None,
        (None, 1) => models.first().cloned(),
        (None, _) => {
            return Err(ApiError::invalid_field(
                "logged_model",
                format!(
                    "run {} logged {} models ({}): say which one to register",
                    run.id,
                    models.len(),
                    labels(&models)
                ),
            ));
        }
    };
    let version = project.next_model_version(&request.name)?;
    let contents = Contents {
        model,
        artifacts: Some(RunFiles::of(project, run.id).artifacts_dir()),
    };
    let origin = Origin {
        run: Some(run),
        source: None,
    };
    let (relative, manifest_sha256) = write_mlflow_package(
        project,
        &request.name,
        version,
        &request.description,
        &contents,
        &origin,
    )?;
    crate::models::record_registered(
        project,
        request,
        version,
        &relative,
        &manifest_sha256,
        VersionFormat::Mlflow,
    )
}

fn labels(models: &[FoundModel]) -> String {
    if models.is_empty() {
        return "none".to_string();
    }
    models
        .iter()
        .map(|m| format!("'{}'", m.label))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A version ready to publish: one with a package as it is; an MLflow
/// version registered through the protocol (its files where its run logged
/// them) is first packaged under `models/<name>/<version>/`.
pub(crate) fn packaged(
    project: &Project,
    record: ModelVersionRecord,
) -> Result<ModelVersionRecord, ApiError> {
    let dir = project.root().join(&record.package_dir);
    if dir.join(datalab_publish::MANIFEST_FILE).is_file() {
        return Ok(record);
    }
    let run = record.run_id.map(|id| project.run(id)).transpose()?;
    let contents = Contents {
        model: Some(FoundModel {
            label: record
                .source
                .clone()
                .unwrap_or_else(|| record.package_dir.clone()),
            dir,
        }),
        artifacts: None,
    };
    let origin = Origin {
        run: run.as_ref(),
        source: record.source.as_deref(),
    };
    let (relative, manifest_sha256) = write_mlflow_package(
        project,
        &record.model,
        record.version,
        &record.description,
        &contents,
        &origin,
    )?;
    match project.set_model_version_package(record.id, &relative, &manifest_sha256) {
        Ok(updated) => Ok(updated),
        Err(e) => {
            let _ = std::fs::remove_dir_all(project.root().join(&relative));
            Err(e.into())
        }
    }
}
