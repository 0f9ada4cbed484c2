//! Moving packages to and from storage.
//!
//! Publishing writes every file first and the manifest last, with a
//! create-only put, so a version becomes visible only when it is whole, and a
//! version already there is never overwritten (the same package again is
//! recognised and answered as such). Large files go up in parts, with
//! progress and cancellation. Fetching reads the manifest, downloads each
//! file into a temporary folder checking its sha256, and moves the folder
//! into place only when every file matched.

use crate::error::PublishError;
use crate::package::{MANIFEST_FILE, Manifest, hex, parse_manifest, sha256_hex, verify_package};
use crate::storage::Target;
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Files larger than this go up in parts of this size.
pub const PART_BYTES: usize = 16 * 1024 * 1024;
/// Parts in flight at once for one file.
const PARTS_IN_FLIGHT: usize = 4;
/// Downloads: ranges of this size, this many in flight (as boto3 does: 8 MiB, 10).
const RANGE_BYTES: usize = 8 * 1024 * 1024;
const RANGES_IN_FLIGHT: usize = 12;

/// Where a version lives in a target: `<prefix>/models/<name>/<version>`.
pub fn version_path(target: &Target, name: &str, version: u32) -> StorePath {
    let prefix = target.config.prefix();
    let mut parts: Vec<String> = prefix.parts().map(|p| p.as_ref().to_string()).collect();
    parts.extend(["models".to_string(), name.to_string(), version.to_string()]);
    StorePath::from_iter(parts)
}

/// A person-readable location of a version in a target.
pub fn location(target: &Target, name: &str, version: u32) -> String {
    match &target.config {
        crate::StorageConfig::Folder { path } => path
            .join("models")
            .join(name)
            .join(version.to_string())
            .display()
            .to_string(),
        crate::StorageConfig::S3 { bucket, .. } => {
            format!("s3://{bucket}/{}/", version_path(target, name, version))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublishOutcome {
    pub location: String,
    /// True when this exact package was already there: nothing was uploaded.
    pub already_published: bool,
    pub bytes_uploaded: u64,
}

/// Publishes the package in `dir` (checked against its manifest first).
/// `progress(done, total)` hears bytes uploaded; `cancel` stops between parts.
pub async fn publish(
    target: &Target,
    dir: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<PublishOutcome, PublishError> {
    let (manifest, manifest_bytes) = verify_package(dir)?;
    // A listing first: a missing bucket or refused credentials show before any upload
    // (some servers create a bucket on the first write instead of refusing it).
    target
        .store
        .list_with_delimiter(Some(&target.config.prefix()))
        .await
        .map_err(|e| target.error(e))?;
    let base = version_path(target, &manifest.name, manifest.version);
    let where_ = location(target, &manifest.name, manifest.version);
    let manifest_path = base.clone().join(MANIFEST_FILE);
    if let Some(existing) = read_optional(target, &manifest_path).await? {
        return if existing == manifest_bytes {
            Ok(PublishOutcome {
                location: where_,
                already_published: true,
                bytes_uploaded: 0,
            })
        } else {
            Err(PublishError::VersionExists { location: where_ })
        };
    }
    let total: u64 = manifest.files.iter().map(|f| f.bytes).sum();
    let mut done = 0u64;
    progress(0, total);
    for file in &manifest.files {
        let object = object_path(&base, &file.path);
        let local = dir.join(&file.path);
        let sent = Sent {
            done: &mut done,
            total,
            progress,
        };
        upload_file(target, &object, &local, file.bytes, sent, cancel).await?;
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(PublishError::Cancelled);
    }
    // The manifest last, create-only: the version appears whole, or not at all.
    let put = target
        .store
        .put_opts(
            &manifest_path,
            PutPayload::from(manifest_bytes.clone()),
            PutOptions::from(PutMode::Create),
        )
        .await;
    match put {
        Ok(_) => Ok(PublishOutcome {
            location: where_,
            already_published: false,
            bytes_uploaded: done,
        }),
        Err(object_store::Error::AlreadyExists { .. }) => {
            let existing = read_optional(target, &manifest_path).await?;
            if existing.as_deref() == Some(manifest_bytes.as_slice()) {
                Ok(PublishOutcome {
                    location: where_,
                    already_published: true,
                    bytes_uploaded: done,
                })
            } else {
                Err(PublishError::VersionExists { location: where_ })
            }
        }
        Err(e) => Err(target.error(e)),
    }
}

/// Bytes sent so far of a transfer of `total`, and who hears of each step.
pub(crate) struct Sent<'a> {
    pub done: &'a mut u64,
    pub total: u64,
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
}

/// Uploads `local` (`bytes` long) to `object`: in one put, or in parts when
/// large. Checks `cancel` first.
pub(crate) async fn upload_file(
    target: &Target,
    object: &StorePath,
    local: &Path,
    bytes: u64,
    sent: Sent<'_>,
    cancel: &AtomicBool,
) -> Result<(), PublishError> {
    if bytes as usize > PART_BYTES {
        return upload_in_parts(
            target,
            object,
            local,
            sent.done,
            sent.total,
            sent.progress,
            cancel,
        )
        .await;
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(PublishError::Cancelled);
    }
    let content = std::fs::read(local).map_err(|e| PublishError::io(local, e))?;
    target
        .store
        .put(object, PutPayload::from(content))
        .await
        .map_err(|e| target.error(e))?;
    *sent.done += bytes;
    (sent.progress)(*sent.done, sent.total);
    Ok(())
}

/// Uploads `local` in parts of [`PART_BYTES`], a few in flight. Any failure
/// (the file, the server, a cancel) aborts the upload, so storage keeps no
/// orphaned parts.
async fn upload_in_parts(
    target: &Target,
    object: &StorePath,
    local: &Path,
    done: &mut u64,
    total: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<(), PublishError> {
    let mut file = std::fs::File::open(local).map_err(|e| PublishError::io(local, e))?;
    let mut upload = target
        .store
        .put_multipart(object)
        .await
        .map_err(|e| target.error(e))?;
    let mut parts = tokio::task::JoinSet::new();
    let joined = |part: Result<object_store::Result<()>, tokio::task::JoinError>| match part {
        Ok(result) => result.map_err(|e| target.error(e)),
        Err(e) => Err(PublishError::Storage {
            target: target.name.clone(),
            detail: format!("a part's upload stopped: {e}"),
        }),
    };
    let sent: Result<(), PublishError> = async {
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(PublishError::Cancelled);
            }
            // Every part but the last must be whole: S3 refuses small middle parts.
            let mut buffer = vec![0u8; PART_BYTES];
            let read = read_full(&mut file, &mut buffer).map_err(|e| PublishError::io(local, e))?;
            if read == 0 {
                break;
            }
            buffer.truncate(read);
            while parts.len() >= PARTS_IN_FLIGHT {
                if let Some(part) = parts.join_next().await {
                    joined(part)?;
                }
            }
            parts.spawn(upload.put_part(PutPayload::from(buffer)));
            *done += read as u64;
            progress(*done, total);
        }
        while let Some(part) = parts.join_next().await {
            joined(part)?;
        }
        upload.complete().await.map_err(|e| target.error(e))?;
        Ok(())
    }
    .await;
    if sent.is_err() {
        parts.abort_all();
        let _ = upload.abort().await;
    }
    sent
}

/// Reads until `buffer` is full or the file ends; how much was read.
fn read_full(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) async fn read_optional(
    target: &Target,
    path: &StorePath,
) -> Result<Option<Vec<u8>>, PublishError> {
    match target.store.get(path).await {
        Ok(result) => Ok(Some(
            result.bytes().await.map_err(|e| target.error(e))?.to_vec(),
        )),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(target.error(e)),
    }
}

/// A version that storage holds (its manifest is there: it is whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RemoteVersion {
    pub name: String,
    pub version: u32,
    pub location: String,
    pub algorithm: String,
    pub created_at: String,
}

/// Every published version in a target, by name and version.
pub async fn list_published(target: &Target) -> Result<Vec<RemoteVersion>, PublishError> {
    let mut models = target.config.prefix();
    models = models.join("models");
    let names = target
        .store
        .list_with_delimiter(Some(&models))
        .await
        .map_err(|e| target.error(e))?;
    let mut out = Vec::new();
    for name_path in names.common_prefixes {
        let Some(name) = name_path.filename().map(str::to_string) else {
            continue;
        };
        let versions = target
            .store
            .list_with_delimiter(Some(&name_path))
            .await
            .map_err(|e| target.error(e))?;
        for version_path in versions.common_prefixes {
            let Some(version) = version_path.filename().and_then(|v| v.parse::<u32>().ok()) else {
                continue;
            };
            // A version without its manifest is unfinished: not listed.
            let Some(bytes) =
                read_optional(target, &version_path.clone().join(MANIFEST_FILE)).await?
            else {
                continue;
            };
            let Ok(manifest) = parse_manifest(&bytes) else {
                continue;
            };
            out.push(RemoteVersion {
                location: location(target, &name, version),
                name: name.clone(),
                version,
                algorithm: manifest.algorithm,
                created_at: manifest.created_at,
            });
        }
    }
    out.sort_by(|a, b| (&a.name, a.version).cmp(&(&b.name, b.version)));
    Ok(out)
}

/// Fetches version `version` of `name` into `dest` (which must not exist),
/// checking every file against the manifest's sha256. On any mismatch
/// nothing is kept and the error names the file. `cancel` stops it between
/// chunks, keeping nothing.
pub async fn fetch(
    target: &Target,
    name: &str,
    version: u32,
    dest: &Path,
    cancel: &AtomicBool,
) -> Result<(Manifest, String), PublishError> {
    let base = version_path(target, name, version);
    let manifest_bytes = read_optional(target, &base.clone().join(MANIFEST_FILE))
        .await?
        .ok_or_else(|| PublishError::NotPublished {
            location: location(target, name, version),
        })?;
    let manifest = parse_manifest(&manifest_bytes)?;
    if manifest.name != name || manifest.version != version {
        return Err(PublishError::Manifest(format!(
            "{} says it is {}:{}, not {name}:{version}",
            location(target, name, version),
            manifest.name,
            manifest.version
        )));
    }
    let parent = dest
        .parent()
        .ok_or_else(|| PublishError::Invalid(format!("{} has no parent", dest.display())))?;
    std::fs::create_dir_all(parent).map_err(|e| PublishError::io(parent, e))?;
    let staging = parent.join(format!(
        ".{}.partial",
        dest.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_dir_all(&staging);
    let result = fetch_files(target, &base, &manifest, &manifest_bytes, &staging, cancel).await;
    if let Err(error) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    std::fs::rename(&staging, dest).map_err(|e| PublishError::io(dest, e))?;
    Ok((manifest, sha256_hex(&manifest_bytes)))
}

async fn fetch_files(
    target: &Target,
    base: &StorePath,
    manifest: &Manifest,
    manifest_bytes: &[u8],
    staging: &Path,
    cancel: &AtomicBool,
) -> Result<(), PublishError> {
    for file in &manifest.files {
        let object = object_path(base, &file.path);
        let local = staging.join(&file.path);
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent).map_err(|e| PublishError::io(parent, e))?;
        }
        download_checked(target, &object, &local, file, cancel).await?;
    }
    let path = staging.join(MANIFEST_FILE);
    std::fs::write(&path, manifest_bytes).map_err(|e| PublishError::io(&path, e))
}

/// Downloads `object` into `local` (created), as large files in ranges
/// several at a time, hashing behind the writes: a file whose sha256 is not
/// `file`'s (or which storage lacks) is [`PublishError::Tampered`], named by
/// `file.path`. Stops between chunks when `cancel` is set.
pub(crate) async fn download_checked(
    target: &Target,
    object: &StorePath,
    local: &Path,
    file: &crate::package::PackageFile,
    cancel: &AtomicBool,
) -> Result<(), PublishError> {
    use futures_util::StreamExt;
    use futures_util::stream::BoxStream;
    use std::io::Write;
    {
        let mut out = std::fs::File::create(local).map_err(|e| PublishError::io(local, e))?;
        // A file missing from storage is a package that does not match its manifest.
        let stored_error = |e: object_store::Error| match e {
            object_store::Error::NotFound { .. } => PublishError::Tampered {
                file: file.path.clone(),
                expected: file.sha256.clone(),
                found: "missing".into(),
            },
            other => target.error(other),
        };
        let mut chunks: BoxStream<'_, Result<bytes::Bytes, PublishError>> =
            if file.bytes as usize > PART_BYTES {
                // Large files come down as ranges, several in flight (spawned, so
                // they go on while this task writes), taken in order.
                let ranges: Vec<std::ops::Range<u64>> = (0..file.bytes)
                    .step_by(RANGE_BYTES)
                    .map(|start| start..(start + RANGE_BYTES as u64).min(file.bytes))
                    .collect();
                futures_util::stream::iter(ranges)
                    .map(|range| {
                        let store = target.store.clone();
                        let object = object.clone();
                        tokio::spawn(async move { store.get_range(&object, range).await })
                    })
                    .buffered(RANGES_IN_FLIGHT)
                    .map(|joined| match joined {
                        Ok(part) => part.map_err(stored_error),
                        Err(e) => Err(PublishError::Storage {
                            target: target.name.clone(),
                            detail: format!("a download stopped: {e}"),
                        }),
                    })
                    .boxed()
            } else {
                target
                    .store
                    .get(object)
                    .await
                    .map_err(stored_error)?
                    .into_stream()
                    .map(|chunk| chunk.map_err(|e| target.error(e)))
                    .boxed()
            };
        // The hash runs on a thread of its own, behind the writes.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<bytes::Bytes>(RANGES_IN_FLIGHT);
        let hashing = std::thread::spawn(move || {
            let mut hasher = Sha256::new();
            for chunk in receiver {
                hasher.update(&chunk);
            }
            hex(&hasher.finalize())
        });
        let mut failure = None;
        while let Some(chunk) = chunks.next().await {
            if cancel.load(Ordering::SeqCst) {
                failure = Some(PublishError::Cancelled);
                break;
            }
            let written = chunk.and_then(|c| {
                out.write_all(&c)
                    .map_err(|e| PublishError::io(local, e))
                    .map(|()| c)
            });
            match written {
                Ok(chunk) => {
                    if sender.send(chunk).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        drop(sender);
        let found = hashing.join().unwrap_or_default();
        if let Some(error) = failure {
            return Err(error);
        }
        if found != file.sha256 {
            return Err(PublishError::Tampered {
                file: file.path.clone(),
                expected: file.sha256.clone(),
                found,
            });
        }
    }
    Ok(())
}

/// A package file's object: its path's parts under the version's folder.
fn object_path(base: &StorePath, file: &str) -> StorePath {
    file.split('/')
        .fold(base.clone(), |path, part| path.join(part))
}

/// Writes, reads back and deletes a small object: does the target work with these credentials?
pub async fn probe(target: &Target) -> Result<(), PublishError> {
    target
        .store
        .list_with_delimiter(Some(&target.config.prefix()))
        .await
        .map_err(|e| target.error(e))?;
    let path = target.config.prefix().join(".datalab-probe");
    let payload = b"datalab storage test".to_vec();
    target
        .store
        .put(&path, PutPayload::from(payload.clone()))
        .await
        .map_err(|e| target.error(e))?;
    let back = read_optional(target, &path).await?;
    target
        .store
        .delete(&path)
        .await
        .map_err(|e| target.error(e))?;
    if back.as_deref() != Some(payload.as_slice()) {
        return Err(PublishError::Storage {
            target: target.name.clone(),
            detail: "an object written could not be read back the same".into(),
        });
    }
    Ok(())
}
