//! The project: a folder with a SQLite database (`datalab.sqlite`) that indexes
//! everything, and large files beside it (`datasets/`, `runs/`, `models/`, `exports/`).
//!
//! This crate is the only one that speaks SQL. It owns the schema and its
//! forward-only migrations, the newtype ids, and typed queries over the
//! records. It knows nothing of polars or linfa: values it does not need to
//! understand (a dataset's schema, a profile) are stored as JSON text that the
//! crate producing them defines.

mod copies;
mod datasets;
mod error;
mod experiments;
mod ids;
mod jobs;
mod ledger;
pub mod migrations;
pub mod names;
mod notes;
mod project;
mod registry;
mod tracking;
mod vendors;

pub use copies::{Copied, EvaluationCopy, ExperimentCopy, RunCopy};
pub use datasets::{DatasetRecord, NewDataset};
pub use error::ProjectError;
pub use experiments::{
    ExperimentOrigin, ExperimentRecord, MetricValue, RunOrigin, RunQuery, RunRecord, RunSort,
    RunStatus,
};
pub use ids::{
    DatasetId, EvaluationId, ExperimentId, JobId, ModelId, ModelVersionId, RunId, StorageTargetId,
    VendorId,
};
pub use jobs::{JobKind, JobProgress, JobRecord, JobStatus, NewJob};
pub use ledger::{
    ALL_VENDORS, AgreementCheck, BudgetRecord, ComputeBy, ComputeSum, SpendBy, SpendSum,
    group_spend,
};
pub use notes::{JournalEntry, MAX_NOTE_BYTES, NoteLink, NoteRecord, NoteSubject};
pub use project::{DATABASE_FILE, Project};
pub use registry::{
    ModelRecord, ModelVersionRecord, NewModelVersion, PublicationRecord, StorageTargetRecord,
    VersionFormat,
};
pub use tracking::{
    Comparison, Condition, KeyedMetric, Lifecycle, LoggedModelRecord, MetricPoint, NewLoggedModel,
    NewTrackedRun, Operand, RunField, RunInput, RunOrder, RunSearch, RunUpdate, TrackedExperiment,
    TrackedRun,
};
pub use vendors::{
    CachedResponse, EvaluationRecord, EvaluationRow, EvaluationStatus, VendorRecord,
};
