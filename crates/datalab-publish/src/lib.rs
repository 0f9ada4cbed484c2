//! Model packages and where they go: the only crate that knows object_store.
//!
//! A package is a folder (layout in DESIGN.md): `model.json`, the manifest
//! with the sha256 of every other file, written last; `model.bin`, the fitted
//! model with its preprocessing; `MODEL_CARD.md`; `spec.toml`; `evaluation/`.
//! [`package`] writes and verifies one on disk; [`storage`] opens a folder or
//! an S3-compatible bucket; [`transfer`] publishes a package (files first,
//! manifest last, never overwriting a version), lists what storage holds and
//! fetches a version back with every file checked against its sha256;
//! [`bundles`] keeps experiment bundles as content-addressed files and an
//! index written last.

pub mod bundles;
mod error;
pub mod package;
pub mod storage;
#[cfg(feature = "test-server")]
pub mod test_server;
pub mod transfer;

pub use error::PublishError;
pub use package::{MANIFEST_FILE, Manifest, PackageFile};
pub use storage::{Credentials, StorageConfig};
