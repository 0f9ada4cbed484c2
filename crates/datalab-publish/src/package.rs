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

/// What model a package holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    /// A model Data Lab trained (`model.bin`): Data Lab serves it.
    #[default]
    Datalab,
    /// An MLflow model logged by the user's own code (its `MLmodel` and
    /// files at the package's root, when it logged one): Data Lab keeps and
    /// publishes it, MLflow loads and serves it; Data Lab cannot serve it.
    Mlflow,
}

/// What a package is: `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Manifest {
    pub format: String,
    /// Absent in packages written before MLflow packages existed: Data Lab's.
    #[serde(default)]
    pub kind: PackageKind,
    /// An MLflow model's flavours, from its `MLmodel` (`sklearn`, `python_function`).
    #[serde(default)]
    pub flavors: Vec<String>,
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

/// Where a package file's bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum FileSource {
    Bytes(Vec<u8>),
    /// A file on disk, linked into the package where it can be (the same
    /// file system) and copied where not; read once either way, to hash it.
    File(std::path::PathBuf),
}

/// Whether `path` may name a file inside a package: relative, `/`-separated,
/// no empty, `.` or `..` parts, not the manifest.
fn is_package_path(path: &str) -> bool {
    !path.is_empty()
        && path != MANIFEST_FILE
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The sha256 and size of a file, read in blocks (never whole into memory).
pub fn hash_file(path: &Path) -> Result<(String, u64), PublishError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| PublishError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| PublishError::io(path, e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok((hex(&hasher.finalize()), bytes))
}

/// Puts `source` at `path`: a hard link (package files are never written
/// in place, so sharing the inode is safe), else a copy through a
/// temporary name.
fn place_file(source: &Path, path: &Path) -> Result<(), PublishError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| PublishError::io(parent, e))?;
    }
    if std::fs::hard_link(source, path).is_ok() {
        return Ok(());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.partial"));
    std::fs::copy(source, &temp).map_err(|e| PublishError::io(source, e))?;
    std::fs::rename(&temp, path).map_err(|e| PublishError::io(path, e))
}

/// Writes `files` into `dir`, then the manifest (with their sizes and
/// sha256) last. Answers the manifest and the sha256 of its bytes.
pub fn write_package(
    dir: &Path,
    manifest: Manifest,
    files: &[(String, Vec<u8>)],
) -> Result<(Manifest, String), PublishError> {
    let files: Vec<(String, FileSource)> = files
        .iter()
        .map(|(path, bytes)| (path.clone(), FileSource::Bytes(bytes.clone())))
        .collect();
    write_package_from(dir, manifest, &files)
}

/// [`write_package`] with files that may come from disk.
pub fn write_package_from(
    dir: &Path,
    mut manifest: Manifest,
    files: &[(String, FileSource)],
) -> Result<(Manifest, String), PublishError> {
    manifest.format = FORMAT.to_string();
    manifest.files = Vec::with_capacity(files.len());
    for (path, source) in files {
        if !is_package_path(path) {
            return Err(PublishError::Invalid(format!(
                "'{path}' cannot be a package file"
            )));
        }
        let (sha256, bytes) = match source {
            FileSource::Bytes(bytes) => {
                write_atomically(&dir.join(path), bytes)?;
                (sha256_hex(bytes), bytes.len() as u64)
            }
            FileSource::File(source) => {
                let placed = dir.join(path);
                place_file(source, &placed)?;
                hash_file(&placed)?
            }
        };
        manifest.files.push(PackageFile {
            path: path.clone(),
            sha256,
            bytes,
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
        let (found, _) = hash_file(&dir.join(&file.path))?;
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
        if !is_package_path(&file.path) {
            return Err(PublishError::Manifest(format!(
                "'{}' is not a file a package may hold",
                file.path
            )));
        }
    }
    Ok(manifest)
}
