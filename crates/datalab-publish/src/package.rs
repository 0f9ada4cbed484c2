//! A model package on disk: its files, and the manifest that names them with
//! their sha256, written last so a package without a manifest is unfinished.

use crate::error::PublishError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The manifest's file name, in the package folder.
pub const MANIFEST_FILE: &str = "model.json";
/// The fitted model with its preprocessing.
pub const MODEL_FILE: &str = "model.bin";
/// The manifest format this build writes and reads.
pub const FORMAT: &str = "datalab-model-1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PackageFile {
    /// Relative to the package folder, with `/` separators.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One input column the model expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct InputField {
    pub name: String,
    /// `number`, `boolean` or `text` ([`InputField::NUMBER`] and the others).
    pub kind: String,
}

impl InputField {
    /// An input of numbers: JSON numbers, OIP's numeric datatypes. Not booleans.
    pub const NUMBER: &'static str = "number";
    /// An input of booleans: `true`/`false` (or 0 and 1), OIP's `BOOL`.
    pub const BOOLEAN: &'static str = "boolean";
    /// An input of text: JSON strings (numbers and booleans as their text), OIP's `BYTES`.
    pub const TEXT: &'static str = "text";

    /// The Open Inference Protocol datatype the input is sent as.
    pub fn datatype(&self) -> &'static str {
        match self.kind.as_str() {
            Self::NUMBER => "FP64",
            Self::BOOLEAN => "BOOL",
            _ => "BYTES",
        }
    }
}

/// What a package is: `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Manifest {
    pub format: String,
    pub name: String,
    pub version: u32,
    pub algorithm: String,
    pub parameters: serde_json::Value,
    pub task: String,
    pub target: Option<String>,
    pub input_schema: Vec<InputField>,
    pub classes: Option<Vec<String>>,
    /// Metric name → `{mean, std}` over the validation folds.
    pub metrics: serde_json::Value,
    pub dataset_sha256: String,
    pub run_id: Option<i64>,
    pub experiment_id: Option<i64>,
    pub engine_version: String,
    pub created_at: String,
    pub files: Vec<PackageFile>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex (how the manifest writes sha256 digests).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| PublishError::io(parent, e))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&temp, bytes).map_err(|e| PublishError::io(&temp, e))?;
    std::fs::rename(&temp, path).map_err(|e| PublishError::io(path, e))
}

/// Writes `files` into `dir`, then the manifest (with their sizes and
/// sha256) last. Answers the manifest and the sha256 of its bytes.
pub fn write_package(
    dir: &Path,
    mut manifest: Manifest,
    files: &[(String, Vec<u8>)],
) -> Result<(Manifest, String), PublishError> {
    manifest.format = FORMAT.to_string();
    manifest.files = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        if path == MANIFEST_FILE || path.contains("..") || path.starts_with('/') {
            return Err(PublishError::Invalid(format!(
                "'{path}' cannot be a package file"
            )));
        }
        write_atomically(&dir.join(path), bytes)?;
        manifest.files.push(PackageFile {
            path: path.clone(),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
        });
    }
    let text =
        serde_json::to_vec_pretty(&manifest).map_err(|e| PublishError::Manifest(e.to_string()))?;
    write_atomically(&dir.join(MANIFEST_FILE), &text)?;
    Ok((manifest, sha256_hex(&text)))
}

/// Reads a package's manifest and checks every file against it.
pub fn verify_package(dir: &Path) -> Result<(Manifest, Vec<u8>), PublishError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read(&path).map_err(|e| PublishError::io(&path, e))?;
    let manifest = parse_manifest(&text)?;
    for file in &manifest.files {
        let path = dir.join(&file.path);
        let bytes = std::fs::read(&path).map_err(|e| PublishError::io(&path, e))?;
        let found = sha256_hex(&bytes);
        if found != file.sha256 {
            return Err(PublishError::Tampered {
                file: file.path.clone(),
                expected: file.sha256.clone(),
                found,
            });
        }
    }
    Ok((manifest, text))
}

pub fn parse_manifest(text: &[u8]) -> Result<Manifest, PublishError> {
    let manifest: Manifest =
        serde_json::from_slice(text).map_err(|e| PublishError::Manifest(e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(PublishError::Manifest(format!(
            "format '{}' is not '{FORMAT}': published by another Data Lab version",
            manifest.format
        )));
    }
    for file in &manifest.files {
        let safe = !file.path.is_empty()
            && !file.path.starts_with('/')
            && file
                .path
                .split('/')
                .all(|part| !part.is_empty() && part != "..");
        if !safe || file.path == MANIFEST_FILE {
            return Err(PublishError::Manifest(format!(
                "'{}' is not a file a package may hold",
                file.path
            )));
        }
    }
    Ok(manifest)
}
