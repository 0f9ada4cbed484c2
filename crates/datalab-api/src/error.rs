//! The error every operation returns: `{code, message, field}`. Every
//! engine error becomes one here, once: its code (which transports turn
//! into exit codes and HTTP statuses), its message (which says what to do),
//! and the request field at fault when there is one, so a form can show
//! the message beside the field.

use datalab_data::DataError;
use datalab_lab::LabError;
use datalab_lab::evaluation::EvaluationError;
use datalab_lab::run_files::RunFileError;
use datalab_ml::prepare::PrepareError;
use datalab_project::ProjectError;
use datalab_publish::PublishError;
use datalab_serving::ServingError;
use datalab_vendors::VendorError;
use serde::{Deserialize, Serialize};

/// What kind of failure, for programs (exit codes, HTTP statuses, UI icons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No project here; create one or point at one.
    NotAProject,
    /// A project is there already.
    ProjectExists,
    /// The database was written by a newer Data Lab.
    NewerSchema,
    /// Another process holds the database, or is doing the work asked for.
    Locked,
    /// Nothing by that name or number.
    NotFound,
    /// The name is someone else's already.
    NameTaken,
    /// The user's file cannot be imported as it is.
    BadInput,
    /// The request itself is wrong (a bad option, an unknown column).
    InvalidRequest,
    /// A SQL query failed.
    Query,
    /// Reading or writing files failed.
    Io,
    /// The work stopped because it was asked to.
    Cancelled,
    /// Object storage refused or could not be reached (credentials, bucket, endpoint).
    Storage,
    /// A package does not match its manifest (a file altered or damaged).
    Integrity,
    /// A vendor service cannot be used: its secret is missing, or it refused or failed.
    Vendor,
    /// The work ran and failed (every run of a sweep, say).
    Failed,
    /// A path outside the folders this session may use (the server mode).
    Forbidden,
    /// A fault of Data Lab itself.
    Internal,
}

/// A failed operation: what kind, what to do, and which field is at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened and what to do, in words.
    pub message: String,
    /// The request field the error is about (`name`, `task.target`,
    /// `base_url`), when it is about one.
    #[serde(default)]
    pub field: Option<String>,
}

impl ApiError {
    /// An error of `code`, about no field in particular.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The same error, about `field`.
    pub fn on_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same error, with what to do added to its message.
    pub fn with_hint(mut self, hint: &str) -> Self {
        self.message = format!("{}: {hint}", self.message);
        self
    }

    /// The request is wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }

    /// The request's `field` is wrong.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::invalid(message).on_field(field)
    }

    /// Nothing of that name or number.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// Reading or writing a file failed.
    pub fn io(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Io, message)
    }

    /// A fault of Data Lab itself.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Internal, message)
    }

    /// A vendor service cannot be used.
    pub fn vendor(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Vendor, message)
    }
}

impl datalab_lab::JobError for ApiError {
    fn is_cancelled(&self) -> bool {
        self.code == ErrorCode::Cancelled
    }

    fn job_message(&self) -> String {
        self.message.clone()
    }
}

impl From<ProjectError> for ApiError {
    fn from(error: ProjectError) -> Self {
        let (code, field) = match &error {
            ProjectError::NotAProject { .. } => (ErrorCode::NotAProject, None),
            ProjectError::AlreadyExists { .. } => (ErrorCode::ProjectExists, None),
            ProjectError::NewerSchema { .. } => (ErrorCode::NewerSchema, None),
            ProjectError::Locked { .. } => (ErrorCode::Locked, None),
            ProjectError::NotFound { .. } => (ErrorCode::NotFound, None),
            ProjectError::NameTaken { .. } => (ErrorCode::NameTaken, Some("name")),
            ProjectError::InvalidName { .. } => (ErrorCode::InvalidRequest, Some("name")),
            ProjectError::Io { .. } => (ErrorCode::Io, None),
            ProjectError::Invalid(_) => (ErrorCode::InvalidRequest, None),
            ProjectError::Database(_) => (ErrorCode::Internal, None),
        };
        ApiError {
            code,
            message: error.to_string(),
            field: field.map(String::from),
        }
    }
}

impl From<DataError> for ApiError {
    fn from(error: DataError) -> Self {
        let code = match &error {
            DataError::NotFound { .. }
            | DataError::Unreadable { .. }
            | DataError::UnsupportedFormat { .. }
            | DataError::NotAFile { .. }
            | DataError::TooDeep { .. }
            | DataError::Encoding { .. }
            | DataError::CrLineEndings { .. }
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
            DataError::UnknownColumn { .. }
            | DataError::UnusableColumn { .. }
            | DataError::InvalidRequest(_) => ErrorCode::InvalidRequest,
            DataError::Query(_) => ErrorCode::Query,
            DataError::Write { .. } | DataError::Snapshot { .. } => ErrorCode::Io,
            DataError::Cancelled => ErrorCode::Cancelled,
        };
        let field = matches!(error, DataError::UnusableColumn { .. }).then_some("task.features");
        let api = ApiError::new(code, error.to_string());
        match field {
            Some(field) => api.on_field(field),
            None => api,
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(error: PublishError) -> Self {
        let code = match &error {
            PublishError::Credentials { .. }
            | PublishError::MissingCredentials { .. }
            | PublishError::NoBucket { .. }
            | PublishError::Unreachable { .. }
            | PublishError::Storage { .. } => ErrorCode::Storage,
            PublishError::Tampered { .. } | PublishError::Manifest(_) => ErrorCode::Integrity,
            PublishError::VersionExists { .. } => ErrorCode::NameTaken,
            PublishError::NotPublished { .. } | PublishError::NoBundle { .. } => {
                ErrorCode::NotFound
            }
            PublishError::Io { .. } => ErrorCode::Io,
            PublishError::Cancelled => ErrorCode::Cancelled,
            PublishError::Invalid(_) => ErrorCode::InvalidRequest,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<PrepareError> for ApiError {
    fn from(error: PrepareError) -> Self {
        ApiError::invalid_field(error.field(), error.to_string())
    }
}

impl From<RunFileError> for ApiError {
    fn from(error: RunFileError) -> Self {
        let code = match &error {
            RunFileError::Missing { .. } => ErrorCode::NotFound,
            RunFileError::Unreadable { .. } | RunFileError::Write { .. } => ErrorCode::Io,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<VendorError> for ApiError {
    fn from(error: VendorError) -> Self {
        let code = match &error {
            VendorError::Config(_) | VendorError::Rows(_) => ErrorCode::InvalidRequest,
            VendorError::Secret(_) | VendorError::Setup(_) => ErrorCode::Vendor,
        };
        let field = error.field();
        let error = ApiError::new(code, error.to_string());
        match field {
            Some(field) => error.on_field(field),
            None => error,
        }
    }
}

impl From<ServingError> for ApiError {
    fn from(error: ServingError) -> Self {
        match error {
            ServingError::Storage(e) => e.into(),
            ServingError::Unreadable(message) => ApiError::new(ErrorCode::Integrity, message),
            ServingError::NotFound(message) => ApiError::not_found(message),
            ServingError::Invalid(message) => ApiError::invalid(message),
            ServingError::Server(message) => ApiError::io(message),
        }
    }
}

impl From<LabError> for ApiError {
    fn from(error: LabError) -> Self {
        match error {
            LabError::Project(e) => e.into(),
            LabError::Data(e) => e.into(),
            LabError::Prepare(e) => e.into(),
            LabError::RunFile(e) => e.into(),
            LabError::Invalid { field, message } => {
                let error = ApiError::invalid(message);
                match field {
                    Some(field) => error.on_field(field),
                    None => error,
                }
            }
            LabError::Vendor(message) => ApiError::vendor(message),
            LabError::Cancelled => ApiError::new(ErrorCode::Cancelled, "cancelled"),
            LabError::Internal(message) => ApiError::internal(message),
        }
    }
}

impl From<EvaluationError> for ApiError {
    fn from(error: EvaluationError) -> Self {
        match error {
            EvaluationError::Project(e) => e.into(),
            EvaluationError::Connector { vendor, error } => {
                let api: ApiError = error.into();
                ApiError {
                    message: format!("vendor '{vendor}': {}", api.message),
                    ..api
                }
            }
            EvaluationError::Vendor { message, .. } => ApiError::vendor(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_json_is_pinned() -> Result<(), serde_json::Error> {
        // The UI and scripts read these fields: their names and shapes stay.
        let error = ApiError::invalid_field("task.target", "target 'kind' is not a column");
        assert_eq!(
            serde_json::to_value(&error)?,
            serde_json::json!({
                "code": "invalid_request",
                "message": "target 'kind' is not a column",
                "field": "task.target"
            })
        );
        let plain = ApiError::new(ErrorCode::NotAProject, "no project");
        assert_eq!(
            serde_json::to_string(&plain)?,
            r#"{"code":"not_a_project","message":"no project","field":null}"#
        );
        // An older client's error without a field still reads.
        let old: ApiError = serde_json::from_str(r#"{"code":"io","message":"m"}"#)?;
        assert_eq!(old.field, None);
        Ok(())
    }

    #[test]
    fn a_taken_or_bad_name_is_about_the_name_field() {
        let taken: ApiError = ProjectError::NameTaken {
            kind: "vendor",
            name: "gpt".into(),
        }
        .into();
        assert_eq!(
            (taken.code, taken.field.as_deref()),
            (ErrorCode::NameTaken, Some("name"))
        );
        let bad: ApiError = datalab_project::names::check_name("model", "a b")
            .map_err(ApiError::from)
            .err()
            .unwrap_or_else(|| ApiError::internal("accepted"));
        assert_eq!(
            (bad.code, bad.field.as_deref()),
            (ErrorCode::InvalidRequest, Some("name"))
        );
    }
}
