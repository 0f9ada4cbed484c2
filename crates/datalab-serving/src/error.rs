//! Why a package cannot be served, typed so a caller gives each its exit
//! code or status: storage refused, a package that fails its checks, a
//! request that names nothing servable, or the server itself.

use datalab_publish::PublishError;

/// Why a model could not be fetched, loaded or served.
#[derive(Debug, thiserror::Error)]
pub enum ServingError {
    /// Object storage refused or could not be reached, or a fetched file
    /// did not match its manifest.
    #[error(transparent)]
    Storage(#[from] PublishError),
    /// The package's model file cannot be read by this build.
    #[error("{0}")]
    Unreadable(String),
    /// Storage holds no such version.
    #[error("{0}")]
    NotFound(String),
    /// The request names nothing that can be served as asked.
    #[error("{0}")]
    Invalid(String),
    /// The server could not listen or run.
    #[error("{0}")]
    Server(String),
}
