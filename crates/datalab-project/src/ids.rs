//! Newtype ids, so a dataset id cannot be passed where a run id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }
    };
}

id_type!(
    /// A dataset in a project (its row id in `datasets`).
    DatasetId
);

id_type!(
    /// An experiment (its row id in `experiments`).
    ExperimentId
);

id_type!(
    /// One run: a model with fixed parameters, trained and tested (its row id in `runs`).
    RunId
);

id_type!(
    /// A registered model: a name whose versions come from runs (its row id in `models`).
    ModelId
);

id_type!(
    /// One version of a registered model (its row id in `model_versions`).
    ModelVersionId
);

id_type!(
    /// A place packages are published to (its row id in `storage_targets`).
    StorageTargetId
);

id_type!(
    /// A connector to a prediction service (its row id in `vendors`).
    VendorId
);

id_type!(
    /// An experiment's test rows sent through a vendor connector (its row id in `evaluations`).
    EvaluationId
);

/// A job (an import, a sweep, an evaluation, a publish): chosen by whoever
/// starts it, so a window can cancel its work before the first answer
/// arrives. Letters, digits, `-` and `_`, at most 64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct JobId(String);

impl JobId {
    /// The most characters an id has.
    pub const MAX_LEN: usize = 64;

    /// Checks `text` as a job id.
    pub fn parse(text: &str) -> Result<JobId, String> {
        let ok = !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(JobId(text.to_string()))
        } else {
            Err(format!(
                "'{text}' is not a job id: use 1 to {} letters, digits, '-' or '_'",
                Self::MAX_LEN
            ))
        }
    }

    /// An id made of random bytes, written in hex (always a valid id).
    pub fn from_random(bytes: [u8; 12]) -> JobId {
        JobId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JobId {
    type Error = String;
    fn try_from(text: String) -> Result<JobId, String> {
        JobId::parse(&text)
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> String {
        id.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl rusqlite::ToSql for JobId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl rusqlite::types::FromSql for JobId {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        String::column_result(value).map(JobId)
    }
}
