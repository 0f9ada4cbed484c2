//! The error every operation returns: `{code, message}`.

use datalab_data::DataError;
use datalab_project::ProjectError;
use serde::{Deserialize, Serialize};

/// What kind of failure, for programs (exit codes, HTTP statuses, UI icons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No project here; create one or point at one.
    NotAProject,
    ProjectExists,
    /// The database was written by a newer Data Lab.
    NewerSchema,
    /// Another process holds the database, or is doing the work asked for.
    Locked,
    NotFound,
    NameTaken,
    /// The user's file cannot be imported as it is.
    BadInput,
    /// The request itself is wrong (a bad option, an unknown column).
    InvalidRequest,
    /// A SQL query failed.
    Query,
    /// Reading or writing files failed.
    Io,
    Cancelled,
    /// Object storage refused or could not be reached (credentials, bucket, endpoint).
    Storage,
    /// A package does not match its manifest (a file altered or damaged).
    Integrity,
    /// A vendor service cannot be used: its secret is missing, or it refused or failed.
    Vendor,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl From<ProjectError> for ApiError {
    fn from(error: ProjectError) -> Self {
        let code = match &error {
            ProjectError::NotAProject { .. } => ErrorCode::NotAProject,
            ProjectError::AlreadyExists { .. } => ErrorCode::ProjectExists,
            ProjectError::NewerSchema { .. } => ErrorCode::NewerSchema,
            ProjectError::Locked { .. } => ErrorCode::Locked,
            ProjectError::NotFound { .. } => ErrorCode::NotFound,
            ProjectError::NameTaken { .. } => ErrorCode::NameTaken,
            ProjectError::Io { .. } => ErrorCode::Io,
            ProjectError::Invalid(_) => ErrorCode::InvalidRequest,
            ProjectError::Database(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<DataError> for ApiError {
    fn from(error: DataError) -> Self {
        let code = match &error {
            DataError::NotFound { .. }
            | DataError::Unreadable { .. }
            | DataError::UnsupportedFormat { .. }
            | DataError::Empty { .. }
            | DataError::NoRows { .. }
            | DataError::NotText { .. }
            | DataError::NotUtf8 { .. }
            | DataError::RaggedRow { .. }
            | DataError::UnclosedQuote { .. }
            | DataError::MixedTypes { .. }
            | DataError::BadParquet { .. }
            | DataError::BadJson { .. }
            | DataError::Unparsable { .. } => ErrorCode::BadInput,
            DataError::UnknownColumn { .. } | DataError::InvalidRequest(_) => {
                ErrorCode::InvalidRequest
            }
            DataError::Query(_) => ErrorCode::Query,
            DataError::Write { .. } | DataError::Snapshot { .. } => ErrorCode::Io,
            DataError::Cancelled => ErrorCode::Cancelled,
        };
        ApiError::new(code, error.to_string())
    }
}
