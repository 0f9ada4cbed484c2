//! Publishing errors, each saying what went wrong and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "{target}: the storage refused the credentials ({detail}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    Credentials { target: String, detail: String },
    #[error(
        "{target}: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (they are never stored)"
    )]
    MissingCredentials { target: String },
    #[error(
        "{target}: the bucket '{bucket}' does not exist; create it, or fix the target's bucket"
    )]
    NoBucket { target: String, bucket: String },
    #[error(
        "{target}: cannot reach the storage ({detail}); is the endpoint right and the server up?"
    )]
    Unreachable { target: String, detail: String },
    #[error("{target}: {detail}")]
    Storage { target: String, detail: String },
    #[error(
        "{location} already holds a different package for this version; versions are never overwritten: register a new version"
    )]
    VersionExists { location: String },
    #[error("{location} holds no published model (no model.json there)")]
    NotPublished { location: String },
    #[error("{location} holds no bundle (no bundle.json there); push one first, or check the name")]
    NoBundle { location: String },
    #[error(
        "{file} does not match its recorded sha256 ({found}, expected {expected}): the stored copy was altered or damaged; nothing was kept"
    )]
    Tampered {
        file: String,
        expected: String,
        found: String,
    },
    #[error("the manifest is not valid: {0}")]
    Manifest(String),
    #[error("cannot use {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cancelled; nothing was published")]
    Cancelled,
    #[error("{0}")]
    Invalid(String),
}

impl PublishError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PublishError::Io {
            path: path.into(),
            source,
        }
    }
}
