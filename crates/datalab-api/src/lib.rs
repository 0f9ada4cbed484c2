//! The one API surface of Data Lab.
//!
//! Every user operation is one function here, taking plain request types and
//! returning plain response types (serde). [`ops`] lists them by name: the
//! desktop shell, the HTTP server and `datalab call` dispatch through that
//! list, the CLI's own commands call the same functions, and the UI's
//! TypeScript types are generated from it, so nothing can drift apart.
//! Engine errors arrive as [`ApiError`]: a stable `code` for programs, a
//! `message` a person can act on, and the request `field` at fault.
//!
//! This crate is orchestration: it checks requests, finds records, and hands
//! long work to the job engine (`datalab-lab`); the rules of the domains
//! live in the crates that own them.

#![warn(missing_docs)]

mod bundles;
pub mod candidates;
pub mod charts;
mod datasets;
mod demo;
mod error;
pub mod evaluations;
mod experiments;
mod inventory;
pub mod jobs;
mod ledger;
mod model_card;
pub mod models;
mod notes;
pub mod ops;
mod outside_models;
pub mod places;
mod project;
mod report;
mod run_compare;
pub mod runs;
pub mod serving;
pub mod storage;
pub mod studies;
pub mod tracking;
mod typescript;
pub mod vendors;

pub use bundles::{
    BUNDLE_FORMAT, PullOutcome, PullRequest, PushOutcome, PushRequest, ReproduceReport, Reproduced,
    RunReproduction, list_bundles, pull_experiment, push_experiment, reproduce_experiment,
};
pub use candidates::{
    Agreements, AgreementsSource, Candidate, CandidateComparison, CandidateKind,
    ExperimentAgreements, SetExperimentAgreementsRequest, compare_candidates,
    experiment_agreements, get_agreements, set_agreements, set_experiment_agreements,
};
pub use datalab_data::{
    ColumnKind, ColumnProfile, ColumnSchema, Correlations, CsvDialect, DatasetProfile,
    DistinctCount, Filter, FilterOp, Histogram, ImportOptions, NumericSummary, PreviewRequest,
    QueryOutput, SortOrder, SourceFormat, Stage, Table, ValueCount,
};
pub use datalab_lab::evaluation::{EvaluationProgress, EvaluationSummary};
pub use datalab_lab::sweep::RunEvent;
pub use datalab_lab::{Event, EventSink, JobInfo, NoEvents, RunInfo, params_text};
pub use datalab_ml::spec::ExperimentSpec;
pub use datalab_ml::stats::Verdict;
pub use datalab_ml::trial::MeanStd;
pub use datalab_project::{ComputeSum, SpendSum};
pub use datalab_project::{DatasetId, Project};
pub use datalab_project::{
    EvaluationId, EvaluationStatus, ExperimentId, JobId, JobKind, JobStatus, RunId, RunQuery,
    RunSort, RunStatus, VendorId,
};
pub use datalab_project::{JournalEntry, NoteLink, NoteSubject};
pub use datalab_publish::StorageConfig;
pub use datalab_publish::bundles::PushCount;
pub use datalab_publish::transfer::{PublishOutcome, RemoteVersion};
pub use datalab_vendors::{
    Auth, Connector, FailureKind, Header, LatencySummary, MlflowFormat, Pricing, Protocol,
    SecretSource,
};
pub use datasets::{
    ColumnSuggestion, DatasetInfo, ExperimentSuggestion, ImportOutcome, ImportPreview,
    ImportRequest, PreviewDatasetRequest, QueryRequest, import_dataset, inspect_import,
    list_datasets, preview_dataset, profile_dataset, query_datasets, remove_dataset, show_dataset,
    suggest_experiment,
};
pub use demo::{DemoOutcome, SAMPLE_DATASETS, create_demo};
pub use error::{ApiError, ErrorCode};
pub use evaluations::{
    EvaluateRequest, EvaluationDetail, EvaluationInfo, evaluate_vendor, list_evaluations,
    show_evaluation,
};
pub use experiments::{
    ExperimentDetail, ExperimentInfo, ExperimentOutcome, MAX_TRIALS, cancel_runs,
    create_experiment, every_run_failed, list_experiments, parse_spec, resumable_experiment,
    run_experiment, run_queued, show_experiment,
};
pub use inventory::{Inventory, StoredBundle, StoredPackage, storage_inventory};
pub use jobs::JobContext;
pub use ledger::{
    AgreementStanding, BudgetInfo, Ledger, RemoveBudgetRequest, SetBudgetRequest, ledger,
    list_budgets, remove_budget, set_budget,
};
pub use models::{
    ModelRef, ModelVersionDetail, ModelVersionInfo, PublicationInfo, RegisterModelRequest,
    SetAliasRequest, list_models, parse_model_ref, register_model, set_model_alias, show_model,
};
pub use notes::{
    AddNoteRequest, EditNoteRequest, JournalRequest, NoteInfo, NoteRef, NotesRequest, add_note,
    delete_note, edit_note, journal, list_notes, version_subject,
};
pub use project::{ProjectSummary, discover_project, init_project, open_project, project_summary};
pub use report::{ReportOutcome, ReportRequest, experiment_report, write_report};
pub use run_compare::{PairComparison, RunComparison, compare_runs};
pub use runs::{
    ArchiveRunsRequest, RunDetail, RunPage, TagRunsRequest, archive_runs, list_runs, query_runs,
    show_run, tag_runs,
};
pub use storage::{
    AddStorageRequest, FetchRequest, PublishRequest, StorageTargetInfo, add_storage, fetch_model,
    list_published, list_storage, publish_model, test_storage,
};
pub use studies::{DatasetComparison, StudyOutcome, compare_datasets, run_study};
pub use vendors::{
    AddVendorRequest, VendorInfo, VendorTest, add_vendor, list_vendors, remove_vendor, test_vendor,
};

/// The version of this Data Lab build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
