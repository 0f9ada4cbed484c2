//! The errors this crate returns: what about a connector or a call cannot
//! be done, each with a message a person can act on (secrets scrubbed).

use crate::connector::ConfigError;

/// Why a connector cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VendorError {
    /// A field of the connector is wrong (`field` names it).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The connector does not fit the rows it is to send (a template names
    /// a column they lack, say).
    #[error("{0}")]
    Rows(String),
    /// Its secret is not there to read.
    #[error("{0}")]
    Secret(String),
    /// The calls could not be set up (headers, HTTP).
    #[error("{0}")]
    Setup(String),
}

impl VendorError {
    /// The connector field at fault, when one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            VendorError::Config(e) => Some(e.field),
            _ => None,
        }
    }
}
