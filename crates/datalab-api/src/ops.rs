//! The list of operations: every user operation by name, with its request
//! and response types, in one macro invocation. The HTTP server, the desktop
//! shell and `datalab call` dispatch through [`call`], and the TypeScript
//! client (`ui/src/api/types.ts`) is generated from the same list by
//! [`typescript`], so no transport and no UI type can drift from the API.
//!
//! Operations run against the [`Session`]'s current project, opened afresh
//! for each call (a SQLite connection is cheap, and it keeps the session
//! free of connection state shared across threads).

use crate::error::{ApiError, ErrorCode};
use crate::experiments::{ExperimentDetail, ExperimentInfo, RunComparison, RunDetail, RunEvent};
use crate::{DatasetInfo, ImportOutcome, ImportRequest, PreviewDatasetRequest, QueryRequest};
use crate::{ExperimentOutcome, ProjectSummary, RunInfo};
use datalab_data::{DatasetProfile, QueryOutput, Stage};
use datalab_ml::catalog::ModelSpec;
use datalab_ml::spec::ExperimentSpec;
use datalab_project::{ExperimentId, Project, RunId};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

/// What long operations report while they work; transports forward these
/// to the UI (server-sent events, Tauri events).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// `done` of `total` units of an import or profile (bytes while checking).
    Progress {
        operation: String,
        stage: Stage,
        done: u64,
        total: u64,
    },
    /// A run started, finished a fold, or ended.
    Run { event: RunEvent },
    /// `done` of `total` bytes of an upload.
    Transfer {
        operation: String,
        done: u64,
        total: u64,
    },
    /// Rows of a vendor evaluation done, failed, and what it spent so far.
    Evaluation { progress: crate::EvaluationProgress },
}

/// Where a transport sends events.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

/// For callers that do not listen.
#[derive(Debug)]
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: Event) {}
}

/// What one user (a window, a browser tab, a CLI call) works on: the current
/// project, if any.
#[derive(Debug, Default)]
pub struct Session {
    project: Mutex<Option<PathBuf>>,
}

impl Session {
    pub fn new(project: Option<PathBuf>) -> Self {
        Session {
            project: Mutex::new(project),
        }
    }

    pub fn project_root(&self) -> Option<PathBuf> {
        self.project.lock().ok().and_then(|p| p.clone())
    }

    fn set_project(&self, root: PathBuf) {
        if let Ok(mut current) = self.project.lock() {
            *current = Some(root);
        }
    }

    fn open(&self) -> Result<Project, ApiError> {
        let root = self.project_root().ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotAProject,
                "no project is open: create one or open one first",
            )
        })?;
        Project::open(&root).map_err(ApiError::from)
    }
}

/// Everything a call may use besides its request.
pub struct CallContext<'a> {
    pub session: &'a Session,
    pub events: &'a dyn EventSink,
    pub cancel: &'a AtomicBool,
}

impl std::fmt::Debug for CallContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("session", self.session)
            .field("cancel", self.cancel)
            .finish_non_exhaustive()
    }
}

struct ProgressEvents<'a> {
    operation: &'static str,
    events: &'a dyn EventSink,
    cancel: &'a AtomicBool,
}

impl datalab_data::Progress for ProgressEvents<'_> {
    fn report(&self, stage: Stage, done: u64, total: u64) {
        self.events.emit(Event::Progress {
            operation: self.operation.to_string(),
            stage,
            done,
            total,
        });
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A folder to create or open a project in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProjectPath {
    pub path: PathBuf,
}

/// A dataset, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatasetName {
    pub dataset: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentRef {
    pub experiment: ExperimentId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunRef {
    pub run: RunId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CreateExperimentRequest {
    pub spec: ExperimentSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunExperimentRequest {
    pub experiment: ExperimentId,
    /// Trials at once (default: the spec's; 0: one per core).
    #[serde(default)]
    pub parallelism: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListRunsRequest {
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CompareRunsRequest {
    pub runs: Vec<RunId>,
    /// The metric (default: accuracy, R² or silhouette).
    #[serde(default)]
    pub metric: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CancelRunsRequest {
    #[serde(default)]
    pub runs: Vec<RunId>,
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SpecText {
    pub toml: String,
}

/// A storage target, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StorageName {
    pub target: String,
}

/// Nothing to send or nothing to answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Empty {}

/// A count of things changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Affected {
    pub affected: usize,
}

/// The list: `name(Request) -> Response => |context, request| body`.
/// Generates [`OPERATIONS`], [`call`] and the `Operations` TypeScript map.
macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ($request:ty) -> $response:ty => |$cx:ident, $req:ident| $body:expr;
    )*) => {
        /// Every operation's name, in the list's order.
        pub const OPERATIONS: &[&str] = &[$(stringify!($name)),*];

        /// Runs operation `name` with a JSON request; answers JSON. Blocking:
        /// transports call it off their async threads.
        pub fn call(
            name: &str,
            request: serde_json::Value,
            context: &CallContext<'_>,
        ) -> Result<serde_json::Value, ApiError> {
            match name {
                $(stringify!($name) => {
                    let $req: $request = serde_json::from_value(request).map_err(|e| {
                        ApiError::new(
                            ErrorCode::InvalidRequest,
                            format!("{}: the request does not fit: {e}", stringify!($name)),
                        )
                    })?;
                    let $cx = context;
                    let response: $response = $body?;
                    serde_json::to_value(response).map_err(|e| {
                        ApiError::new(ErrorCode::Internal, format!("{}: {e}", stringify!($name)))
                    })
                })*
                other => Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("no operation named '{other}'"),
                )),
            }
        }

        /// The `Operations` map of the TypeScript client: name → request, response.
        fn operation_map(config: &ts_rs::Config) -> String {
            let mut out = String::from("export interface Operations {\n");
            $(
                $(out.push_str(&format!("  /**{} */\n", $doc));)*
                out.push_str(&format!(
                    "  {}: {{ request: {}; response: {} }};\n",
                    stringify!($name),
                    <$request as TS>::name(config),
                    <$response as TS>::name(config),
                ));
            )*
            out.push_str("}\n");
            out
        }
    };
}

operations! {
    /// The project this session works on, if any.
    current_project(Empty) -> Option<ProjectSummary> => |cx, _r| {
        match cx.session.project_root() {
            Some(_) => cx.session.open().and_then(|p| crate::project_summary(&p)).map(Some),
            None => Ok(None),
        }
    };
    /// Creates a project in a folder and makes it current.
    create_project(ProjectPath) -> ProjectSummary => |cx, r| {
        let (project, summary) = crate::init_project(&r.path)?;
        cx.session.set_project(project.root().to_path_buf());
        Ok::<_, ApiError>(summary)
    };
    /// Opens the project in a folder (or a parent) and makes it current.
    open_project(ProjectPath) -> ProjectSummary => |cx, r| {
        let project = crate::discover_project(&r.path)?;
        cx.session.set_project(project.root().to_path_buf());
        crate::project_summary(&project)
    };
    list_datasets(Empty) -> Vec<DatasetInfo> => |cx, _r| crate::list_datasets(&cx.session.open()?);
    /// Imports a file (CSV, TSV, Parquet, JSON); progress arrives as events.
    import_dataset(ImportRequest) -> ImportOutcome => |cx, r| {
        let progress = ProgressEvents { operation: "import_dataset", events: cx.events, cancel: cx.cancel };
        crate::import_dataset(&cx.session.open()?, &r, &progress)
    };
    show_dataset(DatasetName) -> DatasetInfo => |cx, r| crate::show_dataset(&cx.session.open()?, &r.dataset);
    /// A page of rows, sorted and filtered, fetched from the snapshot.
    preview_dataset(PreviewDatasetRequest) -> QueryOutput => |cx, r| crate::preview_dataset(&cx.session.open()?, &r);
    profile_dataset(DatasetName) -> DatasetProfile => |cx, r| {
        let progress = ProgressEvents { operation: "profile_dataset", events: cx.events, cancel: cx.cancel };
        crate::profile_dataset(&cx.session.open()?, &r.dataset, &progress)
    };
    /// SQL over the project's datasets, each a table named as the dataset.
    query_datasets(QueryRequest) -> QueryOutput => |cx, r| crate::query_datasets(&cx.session.open()?, &r);
    remove_dataset(DatasetName) -> DatasetInfo => |cx, r| crate::remove_dataset(&cx.session.open()?, &r.dataset);
    /// The models a spec can use, with their parameter spaces.
    model_catalog(Empty) -> Vec<ModelSpec> => |_cx, _r| Ok::<_, ApiError>(datalab_ml::catalog::catalog());
    /// Parses a spec file's text (TOML), reporting the line of an error.
    parse_spec(SpecText) -> ExperimentSpec => |_cx, r| crate::parse_spec(&r.toml);
    /// A spec as TOML, to save and run anywhere.
    spec_to_toml(CreateExperimentRequest) -> SpecText => |_cx, r| {
        r.spec.to_toml().map(|toml| SpecText { toml }).map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))
    };
    /// Records a spec as an experiment with its runs queued.
    create_experiment(CreateExperimentRequest) -> ExperimentDetail => |cx, r| crate::create_experiment(&cx.session.open()?, &r.spec);
    /// Runs an experiment's queued runs; each start, fold and end arrives as an event.
    run_experiment(RunExperimentRequest) -> ExperimentOutcome => |cx, r| {
        let events = |event: &RunEvent| cx.events.emit(Event::Run { event: event.clone() });
        crate::run_queued(&cx.session.open()?, r.experiment, r.parallelism, &events, cx.cancel)
    };
    list_experiments(Empty) -> Vec<ExperimentInfo> => |cx, _r| crate::list_experiments(&cx.session.open()?);
    show_experiment(ExperimentRef) -> ExperimentDetail => |cx, r| crate::show_experiment(&cx.session.open()?, r.experiment);
    list_runs(ListRunsRequest) -> Vec<RunInfo> => |cx, r| crate::list_runs(&cx.session.open()?, r.experiment);
    /// A page of the runs table, filtered and sorted by the database.
    query_runs(datalab_project::RunQuery) -> crate::RunPage => |cx, r| crate::query_runs(&cx.session.open()?, &r);
    show_run(RunRef) -> RunDetail => |cx, r| crate::show_run(&cx.session.open()?, r.run);
    /// A run's confusion matrix and curves, downsampled for drawing.
    run_charts(RunRef) -> crate::charts::RunCharts => |cx, r| crate::charts::run_charts(&cx.session.open()?, r.run);
    /// Runs side by side on one metric, with the corrected resampled t-test.
    compare_runs(CompareRunsRequest) -> RunComparison => |cx, r| crate::compare_runs(&cx.session.open()?, &r.runs, r.metric.as_deref());
    /// Promotes a succeeded run to the next version of a model, with its package.
    register_model(crate::RegisterModelRequest) -> crate::ModelVersionDetail => |cx, r| crate::register_model(&cx.session.open()?, &r);
    list_models(Empty) -> Vec<crate::ModelVersionInfo> => |cx, _r| crate::list_models(&cx.session.open()?);
    /// A version (`name`, `name:3`, `name@alias`) with its model card.
    show_model(crate::ModelRef) -> crate::ModelVersionDetail => |cx, r| crate::show_model(&cx.session.open()?, &r.model);
    set_model_alias(crate::SetAliasRequest) -> crate::ModelVersionInfo => |cx, r| crate::set_model_alias(&cx.session.open()?, &r);
    /// Adds a storage target: a folder, or an S3 bucket (credentials come from the environment).
    add_storage(crate::AddStorageRequest) -> crate::StorageTargetInfo => |cx, r| crate::add_storage(&cx.session.open()?, &r);
    list_storage(Empty) -> Vec<crate::StorageTargetInfo> => |cx, _r| crate::list_storage(&cx.session.open()?);
    /// Writes, reads back and deletes a small object in a target.
    test_storage(StorageName) -> crate::StorageTargetInfo => |cx, r| crate::test_storage(&cx.session.open()?, &r.target);
    /// Publishes a version to a target; progress arrives as transfer events.
    publish_model(crate::PublishRequest) -> crate::PublishOutcome => |cx, r| {
        let progress = |done: u64, total: u64| cx.events.emit(Event::Transfer { operation: "publish_model".into(), done, total });
        crate::publish_model(&cx.session.open()?, &r, &progress, cx.cancel)
    };
    /// The versions a target holds (whole ones only).
    list_published(StorageName) -> Vec<crate::RemoteVersion> => |cx, r| crate::list_published(&cx.session.open()?, &r.target);
    /// Fetches a published version into this project, every file checked.
    fetch_model(crate::FetchRequest) -> crate::ModelVersionDetail => |cx, r| crate::fetch_model(&cx.session.open()?, &r);
    /// Adds a vendor connector (the secret's source is kept, never the secret).
    add_vendor(crate::AddVendorRequest) -> crate::VendorInfo => |cx, r| crate::add_vendor(&cx.session.open()?, &r);
    list_vendors(Empty) -> Vec<crate::VendorInfo> => |cx, _r| crate::list_vendors(&cx.session.open()?);
    /// Sends an experiment's first test row through a vendor: the request, the answer, latency and cost.
    test_vendor(crate::vendors::TestVendorRequest) -> crate::VendorTest => |cx, r| crate::test_vendor(&cx.session.open()?, &r);
    /// Removes a connector; its evaluations stay.
    remove_vendor(crate::vendors::VendorName) -> crate::VendorInfo => |cx, r| crate::remove_vendor(&cx.session.open()?, &r.vendor);
    /// Sends an experiment's test rows through a vendor and scores the answers; progress arrives as events.
    evaluate_vendor(crate::EvaluateRequest) -> crate::EvaluationInfo => |cx, r| {
        let progress = |progress: crate::EvaluationProgress| cx.events.emit(Event::Evaluation { progress });
        crate::evaluate_vendor(&cx.session.open()?, &r, &progress, cx.cancel)
    };
    /// Asks a running evaluation to stop at its next call.
    cancel_evaluation(crate::vendors::EvaluationRef) -> crate::EvaluationInfo => |cx, r| crate::vendors::cancel_evaluation(&cx.session.open()?, r.evaluation);
    list_evaluations(crate::vendors::ListEvaluationsRequest) -> Vec<crate::EvaluationInfo> => |cx, r| crate::list_evaluations(&cx.session.open()?, r.experiment);
    /// An evaluation with its rows (failed ones first).
    show_evaluation(crate::vendors::EvaluationRef) -> crate::EvaluationDetail => |cx, r| crate::show_evaluation(&cx.session.open()?, r.evaluation);
    get_agreements(Empty) -> crate::Agreements => |cx, _r| crate::get_agreements(&cx.session.open()?);
    /// Sets what a chosen model must meet: a minimum metric, a maximum p95 latency, cost and error rate.
    set_agreements(crate::Agreements) -> crate::Agreements => |cx, r| crate::set_agreements(&cx.session.open()?, &r);
    /// Serves a version on 127.0.0.1 from this process (OIP v2 and MLflow), with sample requests.
    serve_model(crate::serving::ServeRequest) -> crate::serving::ServedInfo => |cx, r| crate::serving::serve_model(&cx.session.open()?, &r);
    /// The versions this process serves.
    list_served(Empty) -> Vec<crate::serving::ServedInfo> => |_cx, _r| Ok::<_, ApiError>(crate::serving::list_served());
    stop_serving(crate::ModelRef) -> crate::serving::ServedInfo => |cx, r| crate::serving::stop_serving(&cx.session.open()?, &r.model);
    /// Adds a served version as a vendor connector, so the comparison covers it.
    add_served_vendor(crate::serving::AddServedVendorRequest) -> crate::VendorInfo => |cx, r| crate::serving::add_served_vendor(&cx.session.open()?, &r);
    /// Local runs and vendor evaluations of an experiment side by side, against the agreements.
    compare_candidates(ExperimentRef) -> crate::CandidateComparison => |cx, r| crate::compare_candidates(&cx.session.open()?, r.experiment);
    /// Cancels runs: queued ones at once, running ones at their next fold.
    cancel_runs(CancelRunsRequest) -> Affected => |cx, r| {
        crate::cancel_runs(&cx.session.open()?, r.experiment, &r.runs).map(|affected| Affected { affected })
    };
}

/// Declares `T` for the TypeScript file.
fn declare<T: TS>(config: &ts_rs::Config) -> String {
    // `decl` carries the type's doc comment.
    format!("export {}\n", T::decl(config))
}

/// The TypeScript client types: every request, response and event type, and
/// the `Operations` map. `ui/src/api/types.ts` holds this text; a test fails
/// when it is stale (`DATALAB_UPDATE_TYPES=1 cargo test -p datalab-api` rewrites it).
pub fn typescript() -> String {
    let config = ts_rs::Config::new().with_large_int("number");
    let declarations = [
        declare::<serde_json::Value>(&config),
        declare::<datalab_project::DatasetId>(&config),
        declare::<ExperimentId>(&config),
        declare::<RunId>(&config),
        declare::<datalab_project::RunStatus>(&config),
        declare::<ProjectSummary>(&config),
        declare::<ApiError>(&config),
        declare::<ErrorCode>(&config),
        declare::<Event>(&config),
        declare::<Stage>(&config),
        declare::<Empty>(&config),
        declare::<Affected>(&config),
        declare::<ProjectPath>(&config),
        declare::<DatasetName>(&config),
        declare::<ExperimentRef>(&config),
        declare::<RunRef>(&config),
        declare::<SpecText>(&config),
        declare::<DatasetInfo>(&config),
        declare::<ImportRequest>(&config),
        declare::<ImportOutcome>(&config),
        declare::<datalab_data::ImportOptions>(&config),
        declare::<datalab_data::CsvDialect>(&config),
        declare::<datalab_data::SourceFormat>(&config),
        declare::<PreviewDatasetRequest>(&config),
        declare::<datalab_data::PreviewRequest>(&config),
        declare::<datalab_data::Filter>(&config),
        declare::<datalab_data::FilterOp>(&config),
        declare::<datalab_data::SortOrder>(&config),
        declare::<QueryRequest>(&config),
        declare::<QueryOutput>(&config),
        declare::<datalab_data::Table>(&config),
        declare::<datalab_data::ColumnSchema>(&config),
        declare::<datalab_data::ColumnKind>(&config),
        declare::<DatasetProfile>(&config),
        declare::<datalab_data::ColumnProfile>(&config),
        declare::<datalab_data::DistinctCount>(&config),
        declare::<datalab_data::NumericSummary>(&config),
        declare::<datalab_data::ValueCount>(&config),
        declare::<datalab_data::Histogram>(&config),
        declare::<datalab_data::Correlations>(&config),
        declare::<ModelSpec>(&config),
        declare::<datalab_ml::catalog::ParamSpec>(&config),
        declare::<datalab_ml::catalog::ParamDomain>(&config),
        declare::<datalab_ml::catalog::ParamValue>(&config),
        declare::<datalab_ml::catalog::Task>(&config),
        declare::<datalab_ml::catalog::Determinism>(&config),
        declare::<ExperimentSpec>(&config),
        declare::<datalab_ml::spec::DatasetRef>(&config),
        declare::<datalab_ml::spec::TaskSpec>(&config),
        declare::<datalab_ml::spec::Search>(&config),
        declare::<datalab_ml::spec::ModelSearch>(&config),
        declare::<datalab_ml::spec::ParamSpace>(&config),
        declare::<datalab_ml::validation::Validation>(&config),
        declare::<CreateExperimentRequest>(&config),
        declare::<RunExperimentRequest>(&config),
        declare::<ListRunsRequest>(&config),
        declare::<CompareRunsRequest>(&config),
        declare::<CancelRunsRequest>(&config),
        declare::<ExperimentInfo>(&config),
        declare::<ExperimentDetail>(&config),
        declare::<ExperimentOutcome>(&config),
        declare::<RunInfo>(&config),
        declare::<RunDetail>(&config),
        declare::<datalab_project::RunQuery>(&config),
        declare::<datalab_project::RunSort>(&config),
        declare::<crate::RunPage>(&config),
        declare::<RunEvent>(&config),
        declare::<datalab_ml::trial::MeanStd>(&config),
        declare::<RunComparison>(&config),
        declare::<crate::charts::RunCharts>(&config),
        declare::<StorageName>(&config),
        declare::<crate::RegisterModelRequest>(&config),
        declare::<crate::ModelRef>(&config),
        declare::<crate::SetAliasRequest>(&config),
        declare::<crate::ModelVersionInfo>(&config),
        declare::<crate::ModelVersionDetail>(&config),
        declare::<crate::PublicationInfo>(&config),
        declare::<datalab_publish::Manifest>(&config),
        declare::<datalab_publish::PackageFile>(&config),
        declare::<datalab_publish::package::InputField>(&config),
        declare::<crate::AddStorageRequest>(&config),
        declare::<crate::StorageTargetInfo>(&config),
        declare::<datalab_publish::StorageConfig>(&config),
        declare::<crate::PublishRequest>(&config),
        declare::<crate::PublishOutcome>(&config),
        declare::<crate::RemoteVersion>(&config),
        declare::<crate::FetchRequest>(&config),
        declare::<crate::charts::Series>(&config),
        declare::<crate::PairComparison>(&config),
        declare::<crate::Verdict>(&config),
        declare::<datalab_project::VendorId>(&config),
        declare::<datalab_project::EvaluationId>(&config),
        declare::<datalab_project::EvaluationStatus>(&config),
        declare::<datalab_vendors::Connector>(&config),
        declare::<datalab_vendors::Protocol>(&config),
        declare::<datalab_vendors::MlflowFormat>(&config),
        declare::<datalab_vendors::Header>(&config),
        declare::<datalab_vendors::Auth>(&config),
        declare::<datalab_vendors::SecretSource>(&config),
        declare::<datalab_vendors::Pricing>(&config),
        declare::<datalab_vendors::LatencySummary>(&config),
        declare::<datalab_vendors::FailureKind>(&config),
        declare::<crate::AddVendorRequest>(&config),
        declare::<crate::vendors::VendorName>(&config),
        declare::<crate::VendorInfo>(&config),
        declare::<crate::vendors::TestVendorRequest>(&config),
        declare::<crate::vendors::RequestPreview>(&config),
        declare::<crate::VendorTest>(&config),
        declare::<crate::EvaluateRequest>(&config),
        declare::<crate::vendors::FailureCount>(&config),
        declare::<crate::EvaluationSummary>(&config),
        declare::<crate::EvaluationInfo>(&config),
        declare::<crate::EvaluationProgress>(&config),
        declare::<crate::vendors::ListEvaluationsRequest>(&config),
        declare::<crate::vendors::EvaluationRef>(&config),
        declare::<crate::vendors::EvaluationRowInfo>(&config),
        declare::<crate::EvaluationDetail>(&config),
        declare::<crate::Agreements>(&config),
        declare::<crate::CandidateKind>(&config),
        declare::<crate::Candidate>(&config),
        declare::<crate::CandidateComparison>(&config),
        declare::<crate::serving::ServeRequest>(&config),
        declare::<crate::serving::ServedInfo>(&config),
        declare::<crate::serving::AddServedVendorRequest>(&config),
    ];
    let mut out = String::from(
        "// Generated from the Rust API types by datalab_api::ops::typescript().\n\
         // Do not edit: run `DATALAB_UPDATE_TYPES=1 cargo test -p datalab-api --test typescript`.\n\
         /* eslint-disable */\n\n",
    );
    for declaration in declarations {
        out.push_str(&declaration);
        out.push('\n');
    }
    out.push_str(&operation_map(&config));
    out.push_str(&format!(
        "\nexport const OPERATIONS = {} as const;\n",
        serde_json::to_string(OPERATIONS).unwrap_or_default()
    ));
    out
}
