//! Which folders a session may read and write. The desktop app and the CLI
//! act for the person at the keyboard and may use any path; the server mode
//! answers whoever holds its token, so its paths are confined to the folders
//! the user chose when starting it (the project, and each `--allow-dir`).
//! Every path a request names (a file to import, a project folder, a folder
//! storage target, a folder to list) goes through [`Places::check`], and a
//! browser picks files through [`list_folder`] within the same folders.

use crate::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// Where a session's paths may lead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Places {
    /// Anywhere the process may go (the desktop app, the CLI).
    #[default]
    Anywhere,
    /// Inside these folders only (canonical paths), the first one the base
    /// of relative paths.
    Within(Vec<PathBuf>),
}

impl Places {
    /// Confined to `folders`, each of which must exist.
    pub fn within(folders: &[PathBuf]) -> Result<Places, ApiError> {
        let mut roots: Vec<PathBuf> = Vec::with_capacity(folders.len());
        for folder in folders {
            let root = std::fs::canonicalize(folder)
                .ok()
                .filter(|p| p.is_dir())
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "{} is not a folder: give folders that exist",
                        folder.display()
                    ))
                })?;
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
        if roots.is_empty() {
            return Err(ApiError::invalid(
                "a confined session needs at least one folder",
            ));
        }
        Ok(Places::Within(roots))
    }

    /// The folders a confined session may use; none for an unconfined one.
    pub fn roots(&self) -> &[PathBuf] {
        match self {
            Places::Anywhere => &[],
            Places::Within(roots) => roots,
        }
    }

    /// `path` if this session may use it, made absolute (and canonical when
    /// confined, so neither `..` nor a symbolic link leads out); otherwise a
    /// `forbidden` error about `field`. A path that does not exist yet (a
    /// new project's folder) is judged by the folder it would be made in.
    pub fn check(&self, path: &Path, field: &str) -> Result<PathBuf, ApiError> {
        let roots = match self {
            Places::Anywhere => {
                return Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
            }
            Places::Within(roots) => roots,
        };
        let forbidden = || {
            ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "{} is outside the folders this server may use ({}): choose a file inside \
                     them, or restart it with --allow-dir for another folder",
                    path.display(),
                    roots
                        .iter()
                        .map(|r| r.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .on_field(field)
        };
        let joined = match roots.first() {
            Some(base) if path.is_relative() => base.join(path),
            _ => path.to_path_buf(),
        };
        let resolved = resolve(&joined).ok_or_else(forbidden)?;
        if roots.iter().any(|root| resolved.starts_with(root)) {
            Ok(resolved)
        } else {
            Err(forbidden())
        }
    }
}

/// `path` with its longest existing part made canonical and the rest
/// appended, or `None` if the rest climbs (`..`) where it cannot be checked.
fn resolve(path: &Path) -> Option<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(canonical) => {
                let mut resolved = canonical;
                for part in rest.iter().rev() {
                    resolved.push(part);
                }
                return Some(resolved);
            }
            Err(_) => {
                let name = existing.file_name()?.to_os_string();
                let last = existing.components().next_back()?;
                if !matches!(last, Component::Normal(_)) {
                    return None;
                }
                rest.push(name);
                if !existing.pop() {
                    return None;
                }
            }
        }
    }
}

/// A folder to list; none for the session's starting places.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FolderRequest {
    /// The folder (default: the places this session may use).
    #[serde(default)]
    pub path: Option<PathBuf>,
}

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FolderEntry {
    /// Its name (for a starting place, its whole path).
    pub name: String,
    /// Its full path, to list (a folder) or import (a file).
    pub path: String,
    /// A folder (else a file).
    pub folder: bool,
    /// A file's size.
    #[ts(type = "number | null")]
    pub bytes: Option<u64>,
}

/// What a folder holds, folders first, names in order (hidden ones left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FolderListing {
    /// The folder listed; none for the starting places.
    pub path: Option<String>,
    /// The folder above, if the session may go there.
    pub parent: Option<String>,
    /// Folders first, then files, each by name.
    pub entries: Vec<FolderEntry>,
    /// Whether entries were left out past [`MAX_ENTRIES`].
    pub truncated: bool,
}

/// The most entries one listing holds.
pub const MAX_ENTRIES: usize = 5_000;

/// Lists `request.path` (or the starting places) for a file picker: what
/// the session may use only.
pub fn list_folder(
    places: &Places,
    project: Option<&Path>,
    request: &FolderRequest,
) -> Result<FolderListing, ApiError> {
    let Some(path) = &request.path else {
        let mut starts: Vec<PathBuf> = places.roots().to_vec();
        if starts.is_empty() {
            starts.extend(project.map(Path::to_path_buf));
            starts.extend(std::env::home_dir());
        }
        let entries = starts
            .iter()
            .map(|p| FolderEntry {
                name: p.display().to_string(),
                path: p.display().to_string(),
                folder: true,
                bytes: None,
            })
            .collect();
        return Ok(FolderListing {
            path: None,
            parent: None,
            entries,
            truncated: false,
        });
    };
    let folder = places.check(path, "path")?;
    let read = std::fs::read_dir(&folder).map_err(|e| {
        ApiError::new(
            ErrorCode::Io,
            format!("cannot list {}: {e}", folder.display()),
        )
        .on_field("path")
    })?;
    let mut entries = Vec::new();
    let mut truncated = false;
    for entry in read.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if entries.len() == MAX_ENTRIES {
            truncated = true;
            break;
        }
        // Followed, as opening it would be; a link that leads out is
        // refused when it is used.
        let metadata = std::fs::metadata(entry.path()).ok();
        let is_folder = metadata.as_ref().is_some_and(std::fs::Metadata::is_dir);
        entries.push(FolderEntry {
            name,
            path: entry.path().display().to_string(),
            folder: is_folder,
            bytes: metadata.filter(|m| m.is_file()).map(|m| m.len()),
        });
    }
    entries.sort_by(|a, b| b.folder.cmp(&a.folder).then_with(|| a.name.cmp(&b.name)));
    let parent = folder
        .parent()
        .filter(|p| places.check(p, "path").is_ok())
        .filter(|_| !places.roots().contains(&folder))
        .map(|p| p.display().to_string());
    Ok(FolderListing {
        path: Some(folder.display().to_string()),
        parent,
        entries,
        truncated,
    })
}
