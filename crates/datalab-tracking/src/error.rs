//! Errors as MLflow clients read them: `{"error_code", "message"}` with the
//! HTTP status that goes with the code.
//!
//! The client retries 408, 429 and 5xx for minutes, so only a fault of the
//! server itself may be a 5xx; anything a request got wrong is a 4xx.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use datalab_project::ProjectError;

/// MLflow's error codes that Data Lab answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidParameterValue,
    BadRequest,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    EndpointNotFound,
    Unauthenticated,
    PermissionDenied,
    InternalError,
    /// The project is locked by another process: worth a retry.
    TemporarilyUnavailable,
}

impl ErrorCode {
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => "INVALID_PARAMETER_VALUE",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::ResourceAlreadyExists => "RESOURCE_ALREADY_EXISTS",
            ErrorCode::ResourceDoesNotExist => "RESOURCE_DOES_NOT_EXIST",
            ErrorCode::EndpointNotFound => "ENDPOINT_NOT_FOUND",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::PermissionDenied => "PERMISSION_DENIED",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::TemporarilyUnavailable => "TEMPORARILY_UNAVAILABLE",
        }
    }

    /// The status MLflow's server gives the code (`ERROR_CODE_TO_HTTP_STATUS`).
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidParameterValue
            | ErrorCode::BadRequest
            | ErrorCode::ResourceAlreadyExists => StatusCode::BAD_REQUEST,
            ErrorCode::ResourceDoesNotExist | ErrorCode::EndpointNotFound => StatusCode::NOT_FOUND,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::PermissionDenied => StatusCode::FORBIDDEN,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A request the tracking server cannot carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TrackingError {
    pub code: ErrorCode,
    pub message: String,
}

impl TrackingError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> TrackingError {
        TrackingError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> TrackingError {
        TrackingError::new(ErrorCode::InvalidParameterValue, message)
    }

    pub fn not_found(message: impl Into<String>) -> TrackingError {
        TrackingError::new(ErrorCode::ResourceDoesNotExist, message)
    }

    pub fn internal(message: impl Into<String>) -> TrackingError {
        TrackingError::new(ErrorCode::InternalError, message)
    }
}

impl From<ProjectError> for TrackingError {
    fn from(error: ProjectError) -> TrackingError {
        let code = match &error {
            ProjectError::NotFound { .. } => ErrorCode::ResourceDoesNotExist,
            ProjectError::NameTaken { .. } => ErrorCode::ResourceAlreadyExists,
            ProjectError::InvalidName { .. } | ProjectError::Invalid(_) => {
                ErrorCode::InvalidParameterValue
            }
            ProjectError::Locked { .. } => ErrorCode::TemporarilyUnavailable,
            _ => ErrorCode::InternalError,
        };
        TrackingError::new(code, error.to_string())
    }
}

impl IntoResponse for TrackingError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error_code": self.code.name(),
            "message": self.message,
        });
        (self.code.status(), Json(body)).into_response()
    }
}
