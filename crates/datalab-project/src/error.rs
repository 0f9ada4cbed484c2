//! Errors of the project layer, each with a message a person can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(
        "{} is not a Data Lab project (no datalab.sqlite there or in any parent folder); \
         create one with `datalab init DIR` or pass --project DIR",
        dir.display()
    )]
    NotAProject { dir: PathBuf },

    #[error("{} already holds a Data Lab project", dir.display())]
    AlreadyExists { dir: PathBuf },

    #[error(
        "the project database {} has schema version {found}, but this Data Lab only knows \
         versions up to {supported}; it was written by a newer Data Lab: upgrade Data Lab to open it",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "the project database {} is locked by another process (waited {waited_ms} ms); \
         finish or close the other Data Lab command or window and try again",
        path.display()
    )]
    Locked { path: PathBuf, waited_ms: u64 },

    #[error("no {kind} named or numbered '{key}' in this project")]
    NotFound { kind: &'static str, key: String },

    #[error("a {kind} named '{name}' already exists in this project; choose another name")]
    NameTaken { kind: &'static str, name: String },

    #[error("cannot use {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("'{}' cannot be a {kind} name: {rule}", name.escape_debug())]
    InvalidName {
        kind: &'static str,
        name: String,
        rule: &'static str,
    },

    /// The request cannot be answered as asked (a bad sort column, say).
    #[error("{0}")]
    Invalid(String),

    #[error("project database error: {0}")]
    Database(#[from] rusqlite::Error),
}

impl ProjectError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ProjectError::Io {
            path: path.into(),
            source,
        }
    }
}
