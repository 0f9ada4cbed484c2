//! Storage targets: a local folder (the default: nothing to set up) or an
//! S3-compatible bucket (MinIO, AWS S3 and others) through object_store.
//! The configuration is stored in the project; credentials never are: they
//! come from the standard AWS environment variables when a target is opened.

use crate::error::PublishError;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StorageConfig {
    /// A folder on this machine (or a mounted share).
    Folder { path: PathBuf },
    /// A bucket of an S3-compatible service.
    S3 {
        /// `http://127.0.0.1:9000` for MinIO; none for AWS S3.
        #[serde(default)]
        endpoint: Option<String>,
        #[serde(default = "default_region")]
        region: String,
        bucket: String,
        /// Packages go under `<prefix>/models/<name>/<version>/`.
        #[serde(default)]
        prefix: String,
        /// Path-style URLs (`endpoint/bucket/key`), as MinIO wants.
        #[serde(default)]
        path_style: bool,
    },
}

fn default_region() -> String {
    "us-east-1".into()
}

impl StorageConfig {
    /// Where packages go, as a person reads it.
    pub fn describe(&self) -> String {
        match self {
            StorageConfig::Folder { path } => path.display().to_string(),
            StorageConfig::S3 {
                endpoint,
                bucket,
                prefix,
                ..
            } => {
                let base = format!("s3://{bucket}/{}", prefix.trim_matches('/'));
                match endpoint {
                    Some(e) => format!("{} (at {e})", base.trim_end_matches('/')),
                    None => base.trim_end_matches('/').to_string(),
                }
            }
        }
    }

    pub fn prefix(&self) -> StorePath {
        match self {
            StorageConfig::Folder { .. } => StorePath::default(),
            StorageConfig::S3 { prefix, .. } => StorePath::from(prefix.trim_matches('/')),
        }
    }
}

/// S3 credentials, read from the environment when a target is opened.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, if set, `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Option<Self> {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Some(Credentials {
            access_key_id: get("AWS_ACCESS_KEY_ID")?,
            secret_access_key: get("AWS_SECRET_ACCESS_KEY")?,
            session_token: get("AWS_SESSION_TOKEN"),
        })
    }
}

/// A target opened for use: the store and the prefix packages go under.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub config: StorageConfig,
    pub store: Arc<dyn ObjectStore>,
}

impl Target {
    /// Opens `config` (credentials for S3 from `credentials`).
    pub fn open(
        name: &str,
        config: &StorageConfig,
        credentials: Option<Credentials>,
    ) -> Result<Target, PublishError> {
        let store: Arc<dyn ObjectStore> = match config {
            StorageConfig::Folder { path } => {
                std::fs::create_dir_all(path).map_err(|e| PublishError::io(path, e))?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(path)
                        .map_err(|e| PublishError::Storage {
                            target: name.to_string(),
                            detail: e.to_string(),
                        })?
                        .with_automatic_cleanup(true),
                )
            }
            StorageConfig::S3 {
                endpoint,
                region,
                bucket,
                path_style,
                ..
            } => {
                let credentials = credentials.ok_or_else(|| PublishError::MissingCredentials {
                    target: name.to_string(),
                })?;
                // Few, quick retries: a wrong endpoint should say so in seconds, not minutes.
                let retry = object_store::RetryConfig {
                    max_retries: 3,
                    retry_timeout: Duration::from_secs(20),
                    ..Default::default()
                };
                let options = object_store::ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(600))
                    .with_allow_http(
                        endpoint
                            .as_deref()
                            .is_some_and(|e| e.starts_with("http://")),
                    );
                let mut builder = AmazonS3Builder::new()
                    .with_region(region)
                    .with_bucket_name(bucket)
                    .with_access_key_id(&credentials.access_key_id)
                    .with_secret_access_key(&credentials.secret_access_key)
                    .with_virtual_hosted_style_request(!path_style)
                    .with_retry(retry)
                    .with_client_options(options);
                if let Some(token) = &credentials.session_token {
                    builder = builder.with_token(token);
                }
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                Arc::new(builder.build().map_err(|e| PublishError::Storage {
                    target: name.to_string(),
                    detail: e.to_string(),
                })?)
            }
        };
        Ok(Target {
            name: name.to_string(),
            config: config.clone(),
            store,
        })
    }

    /// An object_store error as a message a person can act on.
    pub(crate) fn error(&self, error: object_store::Error) -> PublishError {
        let target = self.name.clone();
        let text = error.to_string();
        let mut chain = text.clone();
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        match &error {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => {
                return PublishError::Credentials {
                    target,
                    detail: first_line(&text),
                };
            }
            _ => {}
        }
        if chain.contains("NoSuchBucket") {
            let bucket = match &self.config {
                StorageConfig::S3 { bucket, .. } => bucket.clone(),
                StorageConfig::Folder { .. } => String::new(),
            };
            return PublishError::NoBucket { target, bucket };
        }
        if chain.contains("SignatureDoesNotMatch")
            || chain.contains("InvalidAccessKeyId")
            || chain.contains("AccessDenied")
        {
            return PublishError::Credentials {
                target,
                detail: first_line(&text),
            };
        }
        let lower = chain.to_lowercase();
        if lower.contains("connect") || lower.contains("connection") || lower.contains("dns") {
            return PublishError::Unreachable {
                target,
                detail: first_line(&chain),
            };
        }
        PublishError::Storage {
            target,
            detail: chain,
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}
