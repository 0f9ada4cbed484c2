//! The errors of the job engine, typed so the API can give each its code
//! and, where a request's field is at fault, name the field.

use datalab_data::DataError;
use datalab_ml::prepare::PrepareError;
use datalab_project::ProjectError;

/// Why a job, or the preparing of one, failed.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The request or the spec is wrong; `field` names what, when known.
    #[error("{message}")]
    Invalid {
        field: Option<&'static str>,
        message: String,
    },
    /// A vendor service cannot be used (its secret, its answers).
    #[error("{0}")]
    Vendor(String),
    #[error(transparent)]
    RunFile(#[from] crate::run_files::RunFileError),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Internal(String),
}

impl LabError {
    pub fn invalid(message: impl Into<String>) -> LabError {
        LabError::Invalid {
            field: None,
            message: message.into(),
        }
    }

    pub fn invalid_field(field: &'static str, message: impl Into<String>) -> LabError {
        LabError::Invalid {
            field: Some(field),
            message: message.into(),
        }
    }
}

impl crate::jobs::JobError for LabError {
    fn is_cancelled(&self) -> bool {
        matches!(
            self,
            LabError::Cancelled | LabError::Data(DataError::Cancelled)
        )
    }

    fn job_message(&self) -> String {
        self.to_string()
    }
}
