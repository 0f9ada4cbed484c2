//! The one API surface of Data Lab.
//!
//! Every user operation is one function here, taking plain request types and
//! returning plain response types (serde). [`ops`] lists them by name: the
//! desktop shell, the HTTP server and `datalab call` dispatch through that
//! list, the CLI's own commands call the same functions, and the UI's
//! TypeScript types are generated from it, so nothing can drift apart. Engine errors arrive as [`ApiError`]: a stable
//! `code` for programs and a `message` a person can act on.

pub mod charts;
mod datasets;
mod demo;
mod error;
mod experiments;
mod model_card;
pub mod models;
pub mod ops;
mod project;
pub mod serving;
pub mod vendors;

pub use datalab_data::{
    ColumnKind, ColumnProfile, ColumnSchema, Correlations, CsvDialect, DatasetProfile,
    DistinctCount, Filter, FilterOp, Histogram, ImportOptions, NoProgress, NumericSummary,
    PreviewRequest, Progress, QueryOutput, SortOrder, SourceFormat, Stage, Table, ValueCount,
};
pub use datalab_ml::spec::ExperimentSpec;
pub use datalab_ml::trial::MeanStd;
pub use datalab_project::{DatasetId, Project};
pub use datalab_project::{
    EvaluationId, EvaluationStatus, ExperimentId, RunId, RunQuery, RunSort, RunStatus, VendorId,
};
pub use datalab_publish::StorageConfig;
pub use datalab_publish::transfer::{PublishOutcome, RemoteVersion};
pub use datalab_vendors::{
    Auth, Connector, FailureKind, Header, LatencySummary, MlflowFormat, Pricing, Protocol,
    SecretSource,
};
pub use datasets::{
    DatasetInfo, ImportOutcome, ImportRequest, PreviewDatasetRequest, QueryRequest, import_dataset,
    list_datasets, preview_dataset, profile_dataset, query_datasets, remove_dataset, show_dataset,
};
pub use demo::{DemoOutcome, SAMPLE_DATASETS, create_demo};
pub use error::{ApiError, ErrorCode};
pub use experiments::{
    ExperimentDetail, ExperimentInfo, ExperimentOutcome, PairComparison, RunComparison, RunDetail,
    RunEvent, RunInfo, RunPage, Verdict, cancel_runs, compare_runs, create_experiment,
    list_experiments, list_runs, params_text, parse_spec, query_runs, recover_interrupted_runs,
    run_experiment, run_queued, show_experiment, show_run,
};
pub use models::{
    AddStorageRequest, FetchRequest, ModelRef, ModelVersionDetail, ModelVersionInfo,
    PublicationInfo, PublishRequest, RegisterModelRequest, SetAliasRequest, StorageTargetInfo,
    add_storage, fetch_model, list_models, list_published, list_storage, parse_model_ref,
    publish_model, register_model, set_model_alias, show_model, test_storage,
};
pub use project::{ProjectSummary, discover_project, init_project, open_project, project_summary};
pub use vendors::{
    AddVendorRequest, Agreements, Candidate, CandidateComparison, CandidateKind, EvaluateRequest,
    EvaluationDetail, EvaluationInfo, EvaluationProgress, EvaluationSummary, VendorInfo,
    VendorTest, add_vendor, compare_candidates, evaluate_vendor, get_agreements, list_evaluations,
    list_vendors, remove_vendor, set_agreements, show_evaluation, test_vendor,
};

/// The version of this Data Lab build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
