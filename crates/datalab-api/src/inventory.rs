//! What a storage target holds, for the ledger: its bytes and objects, the
//! model packages (and whether this project records each version), the
//! experiment bundles, and the bundle files no bundle's index names any
//! more (left by a push that stopped, or by an index pushed again since).

use crate::error::ApiError;
use crate::storage::{open_target, runtime};
use datalab_project::Project;
use datalab_publish::bundles;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A model package in storage.
pub struct StoredPackage {
    /// `name:version`.
    pub model: String,
    /// Its files' bytes.
    pub bytes: u64,
    /// Whether it is whole (its manifest is there).
    pub whole: bool,
    /// Whether this project records that version.
    pub recorded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// An experiment bundle in storage.
pub struct StoredBundle {
    /// Its name.
    pub name: String,
    /// The bytes of the files its index names (shared files counted in each bundle).
    pub bytes: u64,
    /// Files its index names.
    pub files: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A storage target's inventory.
pub struct Inventory {
    /// The target.
    pub target: String,
    /// Objects under its prefix, and their bytes.
    pub objects: u64,
    /// All their bytes.
    pub bytes: u64,
    /// Model packages.
    pub packages: Vec<StoredPackage>,
    /// Experiment bundles.
    pub bundles: Vec<StoredBundle>,
    /// Bundle files (by content) stored, and their bytes.
    pub blobs: u64,
    /// Their bytes.
    pub blob_bytes: u64,
    /// Bundle files no index names, and their bytes: what could be removed.
    pub unreferenced_blobs: u64,
    /// Their bytes.
    pub unreferenced_bytes: u64,
    /// Objects that are none of the above (not written by Data Lab).
    pub other_objects: u64,
}

/// What a target holds, read by listing it (and each bundle's index).
pub fn storage_inventory(project: &Project, target: &str) -> Result<Inventory, ApiError> {
    let (_, opened) = open_target(project, target)?;
    let rt = runtime()?;
    let objects = rt.block_on(bundles::list_objects(&opened))?;
    let mut packages: BTreeMap<(String, u32), (u64, bool)> = BTreeMap::new();
    let mut blobs: BTreeMap<String, u64> = BTreeMap::new();
    let mut bundle_names = BTreeSet::new();
    let mut other = 0u64;
    for (path, size) in &objects {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["models", name, version, rest @ ..] if !rest.is_empty() => {
                match version.parse::<u32>() {
                    Ok(v) => {
                        let entry = packages.entry((name.to_string(), v)).or_default();
                        entry.0 += size;
                        entry.1 |= rest == [datalab_publish::MANIFEST_FILE];
                    }
                    Err(_) => other += 1,
                }
            }
            ["blobs", sha] => {
                blobs.insert(sha.to_string(), *size);
            }
            ["bundles", name, file] if *file == bundles::BUNDLE_INDEX => {
                bundle_names.insert(name.to_string());
            }
            _ => other += 1,
        }
    }
    let mut referenced = BTreeSet::new();
    let mut stored_bundles = Vec::new();
    for name in &bundle_names {
        let index = rt.block_on(bundles::read_bundle_index(&opened, name))?;
        // Only the files matter here: a newer index's other fields are not read.
        #[derive(Deserialize)]
        struct Files {
            files: Vec<datalab_publish::PackageFile>,
        }
        let files = serde_json::from_slice::<Files>(&index)
            .map(|f| f.files)
            .unwrap_or_default();
        stored_bundles.push(StoredBundle {
            name: name.clone(),
            bytes: files.iter().map(|f| f.bytes).sum(),
            files: files.len() as u64,
        });
        referenced.extend(files.into_iter().map(|f| f.sha256));
    }
    let unreferenced: Vec<u64> = blobs
        .iter()
        .filter(|(sha, _)| !referenced.contains(*sha))
        .map(|(_, size)| *size)
        .collect();
    Ok(Inventory {
        target: target.to_string(),
        objects: objects.len() as u64,
        bytes: objects.iter().map(|(_, size)| size).sum(),
        packages: packages
            .into_iter()
            .map(|((name, version), (bytes, whole))| StoredPackage {
                recorded: project.model_version(&name, Some(version), None).is_ok(),
                model: format!("{name}:{version}"),
                bytes,
                whole,
            })
            .collect(),
        bundles: stored_bundles,
        blobs: blobs.len() as u64,
        blob_bytes: blobs.values().sum(),
        unreferenced_blobs: unreferenced.len() as u64,
        unreferenced_bytes: unreferenced.iter().sum(),
        other_objects: other,
    })
}
