//! Experiment bundles in storage.
//!
//! Every file of a bundle is stored once, by content: `<prefix>/blobs/<sha256>`,
//! so a dataset snapshot or a model file that storage already holds (from this
//! bundle's last push or another one) is not sent again. A bundle's index,
//! `<prefix>/bundles/<name>/bundle.json`, names its files by sha256 and is
//! written last, as a package's manifest is: a bundle is visible only once
//! every file it names is there, and a push stopped half-way leaves the
//! previous index (or none) in place. What an index holds is the API's
//! business; this module moves bytes and checks them.

use crate::error::PublishError;
use crate::package::PackageFile;
use crate::storage::Target;
use crate::transfer::{Sent, download_checked, read_optional, upload_file};
use futures_util::StreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Existence checks in flight at once during a push.
const HEADS_IN_FLIGHT: usize = 32;

/// The index's file name in a bundle's folder.
pub const BUNDLE_INDEX: &str = "bundle.json";

/// One file to push: where it is here, and what it is (its `path` names it in errors).
#[derive(Debug, Clone)]
pub struct BundleFile {
    pub local: PathBuf,
    pub file: PackageFile,
}

/// What a push sent and what storage had already.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PushCount {
    /// Files uploaded.
    pub files_sent: u64,
    /// Their bytes.
    pub bytes_sent: u64,
    /// Files storage held already (by content), not sent again.
    pub files_present: u64,
    /// Their bytes.
    pub bytes_present: u64,
}

fn under_prefix(target: &Target, parts: &[&str]) -> StorePath {
    let prefix = target.config.prefix();
    let mut all: Vec<String> = prefix.parts().map(|p| p.as_ref().to_string()).collect();
    all.extend(parts.iter().map(|p| p.to_string()));
    StorePath::from_iter(all)
}

fn blob_path(target: &Target, sha256: &str) -> StorePath {
    under_prefix(target, &["blobs", sha256])
}

fn index_path(target: &Target, name: &str) -> StorePath {
    under_prefix(target, &["bundles", name, BUNDLE_INDEX])
}

/// A person-readable location of bundle `name` in a target.
pub fn bundle_location(target: &Target, name: &str) -> String {
    match &target.config {
        crate::StorageConfig::Folder { path } => {
            path.join("bundles").join(name).display().to_string()
        }
        crate::StorageConfig::S3 { bucket, .. } => {
            format!(
                "s3://{bucket}/{}/",
                under_prefix(target, &["bundles", name])
            )
        }
    }
}

/// Pushes `files` (each once, by content) then `index` as bundle `name`,
/// replacing its earlier index. `progress(done, total)` hears bytes; `cancel`
/// stops between files (and parts), leaving the earlier index as it was.
pub async fn push_bundle(
    target: &Target,
    name: &str,
    files: &[BundleFile],
    index: &[u8],
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<PushCount, PublishError> {
    // A listing first: a missing bucket or refused credentials show before any upload.
    target
        .store
        .list_with_delimiter(Some(&target.config.prefix()))
        .await
        .map_err(|e| target.error(e))?;
    let mut seen = BTreeSet::new();
    let unique: Vec<&BundleFile> = files
        .iter()
        .filter(|f| seen.insert(f.file.sha256.clone()))
        .collect();
    let mut count = PushCount::default();
    let mut missing = Vec::new();
    // What storage holds already, asked many at a time: a bundle of many runs
    // is thousands of small files, and a second push should take seconds.
    let mut heads = futures_util::stream::iter(unique.into_iter().map(|file| {
        let path = blob_path(target, &file.file.sha256);
        async move { (file, target.store.head(&path).await) }
    }))
    .buffer_unordered(HEADS_IN_FLIGHT);
    while let Some((file, head)) = heads.next().await {
        if cancel.load(Ordering::SeqCst) {
            return Err(PublishError::Cancelled);
        }
        match head {
            Ok(meta) if meta.size == file.file.bytes => {
                count.files_present += 1;
                count.bytes_present += file.file.bytes;
            }
            Ok(_) | Err(object_store::Error::NotFound { .. }) => missing.push(file),
            Err(e) => return Err(target.error(e)),
        }
    }
    drop(heads);
    let total: u64 = missing.iter().map(|f| f.file.bytes).sum();
    let mut done = 0u64;
    progress(0, total);
    for file in missing {
        let sent = Sent {
            done: &mut done,
            total,
            progress,
        };
        upload_file(
            target,
            &blob_path(target, &file.file.sha256),
            &file.local,
            file.file.bytes,
            sent,
            cancel,
        )
        .await?;
        count.files_sent += 1;
        count.bytes_sent += file.file.bytes;
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(PublishError::Cancelled);
    }
    target
        .store
        .put(&index_path(target, name), PutPayload::from(index.to_vec()))
        .await
        .map_err(|e| target.error(e))?;
    Ok(count)
}

/// Bundle `name`'s index as storage holds it.
pub async fn read_bundle_index(target: &Target, name: &str) -> Result<Vec<u8>, PublishError> {
    read_optional(target, &index_path(target, name))
        .await?
        .ok_or_else(|| PublishError::NoBundle {
            location: bundle_location(target, name),
        })
}

/// The bundles a target holds (those whose index is there), by name.
pub async fn list_bundles(target: &Target) -> Result<Vec<String>, PublishError> {
    let listed = target
        .store
        .list_with_delimiter(Some(&under_prefix(target, &["bundles"])))
        .await
        .map_err(|e| target.error(e))?;
    let mut names = Vec::new();
    for folder in listed.common_prefixes {
        let Some(name) = folder.filename() else {
            continue;
        };
        if read_optional(target, &index_path(target, name))
            .await?
            .is_some()
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Downloads `file` of a bundle into `dest`, checked against its sha256
/// (a mismatch or a missing blob names `file.path`).
pub async fn fetch_bundle_file(
    target: &Target,
    file: &PackageFile,
    dest: &Path,
    cancel: &AtomicBool,
) -> Result<(), PublishError> {
    if cancel.load(Ordering::SeqCst) {
        return Err(PublishError::Cancelled);
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| PublishError::io(parent, e))?;
    }
    download_checked(target, &blob_path(target, &file.sha256), dest, file, cancel).await
}

/// Every object under the target's prefix: its path below the prefix (with
/// `/`) and its size, for an inventory.
pub async fn list_objects(target: &Target) -> Result<Vec<(String, u64)>, PublishError> {
    let prefix = target.config.prefix();
    let depth = prefix.parts().count();
    let mut listed = target.store.list(Some(&prefix));
    let mut objects = Vec::new();
    while let Some(meta) = listed.next().await {
        let meta = meta.map_err(|e| target.error(e))?;
        let below: Vec<String> = meta
            .location
            .parts()
            .skip(depth)
            .map(|p| p.as_ref().to_string())
            .collect();
        objects.push((below.join("/"), meta.size));
    }
    objects.sort();
    Ok(objects)
}
