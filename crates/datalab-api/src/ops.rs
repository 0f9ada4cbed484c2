//! The list of operations: every user operation by name, with its request
//! and response types, in one macro invocation. The HTTP server, the desktop
//! shell and `datalab call` dispatch through [`call`], and the TypeScript
//! client (`ui/src/api/types.ts`) is generated from the same list by
//! [`typescript`], so no transport and no UI type can drift from the API.
//!
//! Operations run against the [`Session`]'s current project, opened afresh
//! for each call (a SQLite connection is cheap, and it keeps the session
//! free of connection state shared across threads). Long operations run as
//! jobs: their events go to the call's [`EventSink`], and the job takes the
//! id the caller chose ([`CallContext::job`]), so any window can cancel it
//! with `cancel_job` before the first answer.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::JobContext;
use crate::places::{FolderListing, FolderRequest, Places};
use crate::serving::ServedModels;
use crate::{
    DatasetInfo, ExperimentDetail, ExperimentInfo, ExperimentOutcome, ImportOutcome, ImportRequest,
    PreviewDatasetRequest, ProjectSummary, QueryRequest, RunComparison, RunDetail, RunInfo,
};
use datalab_data::{DatasetProfile, QueryOutput};
pub use datalab_lab::{Event, EventSink, NoEvents};
use datalab_ml::catalog::ModelSpec;
use datalab_ml::spec::ExperimentSpec;
use datalab_project::{ExperimentId, JobId, Project, RunId};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use ts_rs::TS;

/// What one user (a window, a browser tab, a CLI call) works on: the current
/// project, if any, and the folders its paths may lead to.
#[derive(Debug, Default)]
pub struct Session {
    project: Mutex<Option<PathBuf>>,
    places: Places,
}

impl Session {
    /// A session on `project`, or on none yet, that may use any path.
    pub fn new(project: Option<PathBuf>) -> Self {
        Session::confined(project, Places::Anywhere)
    }

    /// A session whose paths stay within `places` (the server mode).
    pub fn confined(project: Option<PathBuf>, places: Places) -> Self {
        Session {
            project: Mutex::new(project),
            places,
        }
    }

    /// The folders this session's paths may lead to.
    pub fn places(&self) -> &Places {
        &self.places
    }

    /// The current project's folder.
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
    /// The window's (or tab's, or command's) current project.
    pub session: &'a Session,
    /// Where the events of the call's jobs go.
    pub events: &'a dyn EventSink,
    /// The caller's own stop flag (Ctrl-C, a closed window).
    pub cancel: &'a AtomicBool,
    /// The id the caller chose for the job the call runs, if it runs one.
    pub job: Option<JobId>,
    /// The versions this process serves: the transport's state.
    pub served: &'a ServedModels,
    /// The MLflow tracking server this process runs for its session's project.
    pub tracking: &'a crate::tracking::TrackingService,
}

impl std::fmt::Debug for CallContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("session", self.session)
            .field("cancel", self.cancel)
            .field("job", &self.job)
            .finish_non_exhaustive()
    }
}

impl CallContext<'_> {
    /// What the call's jobs are given.
    fn jobs(&self) -> JobContext<'_> {
        JobContext::new(self.events, self.cancel).with_id(self.job.clone())
    }
}

/// A folder to create or open a project in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProjectPath {
    /// The folder.
    pub path: PathBuf,
}

/// A dataset, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatasetName {
    /// The dataset's name.
    pub dataset: String,
}

/// An experiment, by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentRef {
    /// The experiment's number.
    pub experiment: ExperimentId,
}

/// A run, by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunRef {
    /// The run's number.
    pub run: RunId,
}

/// A spec to record as an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CreateExperimentRequest {
    /// The spec.
    pub spec: ExperimentSpec,
}

/// An experiment to run: its queued runs, and the ones a cancel or a dead
/// process stopped (resumed from their finished folds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunExperimentRequest {
    /// The experiment's number.
    pub experiment: ExperimentId,
    /// Trials at once (default: the spec's; 0: one per core).
    #[serde(default)]
    pub parallelism: Option<usize>,
}

/// Which runs to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListRunsRequest {
    /// Of one experiment only.
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
}

/// A study, by the name of its spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StudyRef {
    /// The multi-dataset spec's `name`.
    pub study: String,
}

/// Runs to compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CompareRunsRequest {
    /// The runs (two or more, measured on the same folds).
    pub runs: Vec<RunId>,
    /// The metric (default: accuracy, R² or silhouette).
    #[serde(default)]
    pub metric: Option<String>,
}

/// Runs to cancel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CancelRunsRequest {
    /// These runs.
    #[serde(default)]
    pub runs: Vec<RunId>,
    /// Every unfinished run of this experiment.
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
}

/// A spec as TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SpecText {
    /// The TOML text.
    pub toml: String,
}

/// A storage target, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StorageName {
    /// The target's name.
    pub target: String,
}

/// Nothing to send or nothing to answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Empty {}

/// A count of things changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Affected {
    /// How many.
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
                        ApiError::invalid(format!(
                            "{}: the request does not fit: {e}",
                            stringify!($name)
                        ))
                    })?;
                    let $cx = context;
                    let response: $response = $body?;
                    serde_json::to_value(response)
                        .map_err(|e| ApiError::internal(format!("{}: {e}", stringify!($name))))
                })*
                other => Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("no operation named '{other}'"),
                )),
            }
        }

        /// The `Operations` map of the TypeScript client: name → request, response.
        pub(crate) fn operation_map(config: &ts_rs::Config) -> String {
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
        let folder = cx.session.places().check(&r.path, "path")?;
        let (project, summary) = crate::init_project(&folder)?;
        cx.session.set_project(project.root().to_path_buf());
        Ok::<_, ApiError>(summary)
    };
    /// Opens the project in a folder (or a parent) and makes it current.
    open_project(ProjectPath) -> ProjectSummary => |cx, r| {
        let folder = cx.session.places().check(&r.path, "path")?;
        let project = crate::discover_project(&folder)?;
        // A project found in a parent must be inside the places too.
        cx.session.places().check(project.root(), "path")?;
        cx.session.set_project(project.root().to_path_buf());
        crate::project_summary(&project)
    };
    /// What a folder holds, for choosing a file or a project folder; within
    /// the folders the session may use.
    list_folder(FolderRequest) -> FolderListing => |cx, r| {
        crate::places::list_folder(cx.session.places(), cx.session.project_root().as_deref(), &r)
    };
    list_datasets(Empty) -> Vec<DatasetInfo> => |cx, _r| crate::list_datasets(&cx.session.open()?);
    /// The first rows of a file as an import would read them, its dialect and types, and whether it is imported already.
    inspect_import(ImportRequest) -> crate::ImportPreview => |cx, r| {
        let path = cx.session.places().check(&r.path, "path")?;
        crate::inspect_import(&cx.session.open()?, &ImportRequest { path, ..r })
    };
    /// Imports a file (CSV, TSV, Parquet, JSON); progress arrives as events.
    import_dataset(ImportRequest) -> ImportOutcome => |cx, r| {
        let path = cx.session.places().check(&r.path, "path")?;
        crate::import_dataset(&cx.session.open()?, &ImportRequest { path, ..r }, &cx.jobs())
    };
    show_dataset(DatasetName) -> DatasetInfo => |cx, r| crate::show_dataset(&cx.session.open()?, &r.dataset);
    /// A page of rows, sorted and filtered, fetched from the snapshot.
    preview_dataset(PreviewDatasetRequest) -> QueryOutput => |cx, r| crate::preview_dataset(&cx.session.open()?, &r);
    /// A dataset's profile (computed as a job the first time).
    profile_dataset(DatasetName) -> DatasetProfile => |cx, r| crate::profile_dataset(&cx.session.open()?, &r.dataset, &cx.jobs());
    /// Which columns can be targets and which are features by default (not row numbers or ids).
    suggest_experiment(DatasetName) -> crate::ExperimentSuggestion => |cx, r| crate::suggest_experiment(&cx.session.open()?, &r.dataset, &cx.jobs());
    /// SQL over the project's datasets, each a table named as the dataset.
    query_datasets(QueryRequest) -> QueryOutput => |cx, r| crate::query_datasets(&cx.session.open()?, &r);
    remove_dataset(DatasetName) -> DatasetInfo => |cx, r| crate::remove_dataset(&cx.session.open()?, &r.dataset);
    /// The models a spec can use, with their parameter spaces.
    model_catalog(Empty) -> Vec<ModelSpec> => |_cx, _r| Ok::<_, ApiError>(datalab_ml::catalog::catalog());
    /// Parses a spec file's text (TOML), reporting the line of an error.
    parse_spec(SpecText) -> ExperimentSpec => |_cx, r| crate::parse_spec(&r.toml);
    /// A spec as TOML, to save and run anywhere.
    spec_to_toml(CreateExperimentRequest) -> SpecText => |_cx, r| {
        r.spec.to_toml().map(|toml| SpecText { toml }).map_err(|e| ApiError::invalid(e.to_string()))
    };
    /// Records a spec as an experiment with its runs queued.
    create_experiment(CreateExperimentRequest) -> ExperimentDetail => |cx, r| crate::create_experiment(&cx.session.open()?, &r.spec);
    /// Runs an experiment's unfinished runs as a job (resuming stopped ones); each start, fold, step and end arrives as an event.
    run_experiment(RunExperimentRequest) -> ExperimentOutcome => |cx, r| crate::run_queued(&cx.session.open()?, r.experiment, r.parallelism, &cx.jobs());
    list_experiments(Empty) -> Vec<ExperimentInfo> => |cx, _r| crate::list_experiments(&cx.session.open()?);
    show_experiment(ExperimentRef) -> ExperimentDetail => |cx, r| crate::show_experiment(&cx.session.open()?, r.experiment);
    list_runs(ListRunsRequest) -> Vec<RunInfo> => |cx, r| crate::list_runs(&cx.session.open()?, r.experiment);
    /// A page of the runs table, filtered and sorted by the database.
    query_runs(datalab_project::RunQuery) -> crate::RunPage => |cx, r| crate::query_runs(&cx.session.open()?, &r);
    show_run(RunRef) -> RunDetail => |cx, r| crate::show_run(&cx.session.open()?, r.run);
    /// Copies experiments and runs (params, tags, metric histories, artifacts) from an MLflow tracking server, as a job.
    import_mlflow(crate::tracking::ImportMlflowRequest) -> crate::tracking::ImportMlflowOutcome => |cx, r| crate::tracking::import_mlflow(&cx.session.open()?, &r, &cx.jobs());
    /// Where notebooks and scripts log into the open project (MLflow's tracking URI and token); starts the server.
    tracking_info(Empty) -> crate::tracking::TrackingInfo => |cx, _r| crate::tracking::tracking_info(cx.tracking, &cx.session.open()?);
    /// A command trial's output from a byte offset, readable while it runs.
    run_log(crate::runs::RunLogRequest) -> crate::runs::RunLog => |cx, r| crate::runs::run_log(&cx.session.open()?, &r);
    /// The notebook a run executed (papermill's output), as its JSON, if it has one.
    run_notebook(RunRef) -> Option<serde_json::Value> => |cx, r| crate::runs::run_notebook(&cx.session.open()?, r.run);
    /// A run's metric histories as curves over steps, downsampled.
    metric_history(crate::runs::MetricHistoryRequest) -> crate::runs::MetricHistory => |cx, r| crate::runs::metric_history(&cx.session.open()?, &r);
    /// A run's confusion matrix and curves, downsampled for drawing.
    run_charts(RunRef) -> crate::charts::RunCharts => |cx, r| crate::charts::run_charts(&cx.session.open()?, r.run);
    /// Runs a spec with `[[datasets]]`: one experiment per dataset, then the models compared across them.
    run_study(CreateExperimentRequest) -> crate::StudyOutcome => |cx, r| crate::run_study(&cx.session.open()?, &r.spec, None, &cx.jobs());
    /// The project's studies (multi-dataset specs run), by name.
    list_studies(Empty) -> Vec<String> => |cx, _r| crate::studies::list_studies(&cx.session.open()?);
    /// A study's models × datasets: ranks, Friedman, Nemenyi's critical difference.
    compare_datasets(StudyRef) -> crate::DatasetComparison => |cx, r| crate::compare_datasets(&cx.session.open()?, &r.study);
    /// Runs side by side on one metric, with the corrected resampled t-test.
    compare_runs(CompareRunsRequest) -> RunComparison => |cx, r| crate::compare_runs(&cx.session.open()?, &r.runs, r.metric.as_deref());
    /// Promotes a succeeded run to the next version of a model, with its package.
    register_model(crate::RegisterModelRequest) -> crate::ModelVersionDetail => |cx, r| crate::register_model(&cx.session.open()?, &r);
    list_models(Empty) -> Vec<crate::ModelVersionInfo> => |cx, _r| crate::list_models(&cx.session.open()?);
    /// A version (`name`, `name:3`, `name@alias`) with its model card.
    show_model(crate::ModelRef) -> crate::ModelVersionDetail => |cx, r| crate::show_model(&cx.session.open()?, &r.model);
    set_model_alias(crate::SetAliasRequest) -> crate::ModelVersionInfo => |cx, r| crate::set_model_alias(&cx.session.open()?, &r);
    /// Adds a storage target: a folder, or an S3 bucket (credentials come from the environment).
    add_storage(crate::AddStorageRequest) -> crate::StorageTargetInfo => |cx, r| {
        let config = match r.config {
            datalab_publish::StorageConfig::Folder { path } => datalab_publish::StorageConfig::Folder {
                path: cx.session.places().check(&path, "config.path")?,
            },
            other => other,
        };
        crate::add_storage(&cx.session.open()?, &crate::AddStorageRequest { config, ..r })
    };
    list_storage(Empty) -> Vec<crate::StorageTargetInfo> => |cx, _r| crate::list_storage(&cx.session.open()?);
    /// Writes, reads back and deletes a small object in a target.
    test_storage(StorageName) -> crate::StorageTargetInfo => |cx, r| crate::test_storage(&cx.session.open()?, &r.target);
    /// Publishes a version to a target; progress arrives as transfer events.
    publish_model(crate::PublishRequest) -> crate::PublishOutcome => |cx, r| crate::publish_model(&cx.session.open()?, &r, &cx.jobs());
    /// The versions a target holds (whole ones only).
    list_published(StorageName) -> Vec<crate::RemoteVersion> => |cx, r| crate::list_published(&cx.session.open()?, &r.target);
    /// Fetches a published version into this project, every file checked.
    fetch_model(crate::FetchRequest) -> crate::ModelVersionDetail => |cx, r| crate::fetch_model(&cx.session.open()?, &r, &cx.jobs());
    /// Pushes an experiment with its snapshot, runs, files and evaluations to a target as a bundle.
    push_experiment(crate::PushRequest) -> crate::PushOutcome => |cx, r| crate::push_experiment(&cx.session.open()?, &r, &cx.jobs());
    /// The experiment bundles a target holds (whole ones only).
    list_bundles(StorageName) -> Vec<String> => |cx, r| crate::list_bundles(&cx.session.open()?, &r.target);
    /// Pulls a bundle into this project, every file checked.
    pull_experiment(crate::PullRequest) -> crate::PullOutcome => |cx, r| crate::pull_experiment(&cx.session.open()?, &r, &cx.jobs());
    /// Runs an experiment's spec again on its snapshot and compares the runs bit for bit.
    reproduce_experiment(ExperimentRef) -> crate::ReproduceReport => |cx, r| crate::reproduce_experiment(&cx.session.open()?, r.experiment, &cx.jobs());
    /// Writes a note on the project, an experiment, a run or a model version.
    add_note(crate::AddNoteRequest) -> crate::NoteInfo => |cx, r| crate::add_note(&cx.session.open()?, &r);
    /// Changes a note's text.
    edit_note(crate::EditNoteRequest) -> crate::NoteInfo => |cx, r| crate::edit_note(&cx.session.open()?, &r);
    /// Removes a note.
    delete_note(crate::NoteRef) -> Empty => |cx, r| crate::delete_note(&cx.session.open()?, r.note).map(|()| Empty {});
    /// The notes on a subject, oldest first, with their links looked up.
    list_notes(crate::NotesRequest) -> Vec<crate::NoteInfo> => |cx, r| crate::list_notes(&cx.session.open()?, r.subject);
    /// The project's history, newest first.
    journal(crate::JournalRequest) -> Vec<crate::JournalEntry> => |cx, r| crate::journal(&cx.session.open()?, &r);
    /// Compute time, vendor spend and budgets, summed from the records.
    ledger(Empty) -> crate::Ledger => |cx, _r| crate::ledger(&cx.session.open()?);
    /// What a storage target holds: bytes, packages, bundles, and bundle files no index names.
    storage_inventory(StorageName) -> crate::Inventory => |cx, r| crate::storage_inventory(&cx.session.open()?, &r.target);
    /// Sets a vendor's (or all vendors') monthly budget.
    set_budget(crate::SetBudgetRequest) -> crate::BudgetInfo => |cx, r| crate::set_budget(&cx.session.open()?, &r);
    /// Removes a budget.
    remove_budget(crate::RemoveBudgetRequest) -> Empty => |cx, r| crate::remove_budget(&cx.session.open()?, &r).map(|()| Empty {});
    /// Writes an experiment's report: one self-contained HTML file in the project's exports.
    write_report(crate::ReportRequest) -> crate::ReportOutcome => |cx, r| crate::write_report(&cx.session.open()?, &r, &cx.jobs());
    /// Adds a vendor connector (the secret's source is kept, never the secret).
    add_vendor(crate::AddVendorRequest) -> crate::VendorInfo => |cx, r| crate::add_vendor(&cx.session.open()?, &r);
    list_vendors(Empty) -> Vec<crate::VendorInfo> => |cx, _r| crate::list_vendors(&cx.session.open()?);
    /// Sends an experiment's first test row through a vendor: the request, the answer, latency and cost.
    test_vendor(crate::vendors::TestVendorRequest) -> crate::VendorTest => |cx, r| crate::test_vendor(&cx.session.open()?, &r);
    /// Removes a connector; its evaluations stay.
    remove_vendor(crate::vendors::VendorName) -> crate::VendorInfo => |cx, r| crate::remove_vendor(&cx.session.open()?, &r.vendor);
    /// Sends an experiment's test rows through a vendor and scores the answers; progress arrives as events.
    evaluate_vendor(crate::EvaluateRequest) -> crate::EvaluationInfo => |cx, r| crate::evaluate_vendor(&cx.session.open()?, &r, &cx.jobs());
    /// Asks a running evaluation to stop (through its job).
    cancel_evaluation(crate::evaluations::EvaluationRef) -> crate::EvaluationInfo => |cx, r| crate::evaluations::cancel_evaluation(&cx.session.open()?, r.evaluation);
    /// Evaluations, newest first.
    list_evaluations(crate::evaluations::ListEvaluationsRequest) -> Vec<crate::EvaluationInfo> => |cx, r| crate::list_evaluations(&cx.session.open()?, r.experiment);
    /// An evaluation with its rows (failed ones first).
    show_evaluation(crate::evaluations::EvaluationRef) -> crate::EvaluationDetail => |cx, r| crate::show_evaluation(&cx.session.open()?, r.evaluation);
    get_agreements(Empty) -> crate::Agreements => |cx, _r| crate::get_agreements(&cx.session.open()?);
    /// Sets what a chosen model must meet: a minimum metric, a maximum p95 latency, cost and error rate.
    set_agreements(crate::Agreements) -> crate::Agreements => |cx, r| crate::set_agreements(&cx.session.open()?, &r);
    /// The agreements an experiment is judged by (its own, else the project's for its task), and whose they are.
    experiment_agreements(ExperimentRef) -> crate::ExperimentAgreements => |cx, r| crate::experiment_agreements(&cx.session.open()?, r.experiment);
    /// Gives an experiment agreements of its own, or (none) returns it to the project's.
    set_experiment_agreements(crate::SetExperimentAgreementsRequest) -> crate::ExperimentAgreements => |cx, r| crate::set_experiment_agreements(&cx.session.open()?, &r);
    /// Serves a version on 127.0.0.1 from this process (OIP v2 and MLflow), with sample requests.
    serve_model(crate::serving::ServeRequest) -> crate::serving::ServedInfo => |cx, r| crate::serving::serve_model(&cx.session.open()?, cx.served, &r);
    /// The versions this process serves.
    list_served(Empty) -> Vec<crate::serving::ServedInfo> => |cx, _r| Ok::<_, ApiError>(crate::serving::list_served(cx.served));
    /// Stops serving a version.
    stop_serving(crate::ModelRef) -> crate::serving::ServedInfo => |cx, r| crate::serving::stop_serving(&cx.session.open()?, cx.served, &r.model);
    /// Sends an OIP request to a served version over HTTP and gives its answer.
    send_to_served(crate::serving::SendToServedRequest) -> crate::serving::ServedAnswer => |cx, r| crate::serving::send_to_served(&cx.session.open()?, cx.served, &r);
    /// Adds a served version as a vendor connector, so the comparison covers it.
    add_served_vendor(crate::serving::AddServedVendorRequest) -> crate::VendorInfo => |cx, r| crate::serving::add_served_vendor(&cx.session.open()?, cx.served, &r);
    /// Local runs and vendor evaluations of an experiment side by side, against the agreements.
    compare_candidates(ExperimentRef) -> crate::CandidateComparison => |cx, r| crate::compare_candidates(&cx.session.open()?, r.experiment);
    /// Cancels runs: queued ones at once, running ones within a second or so (keeping their finished folds).
    cancel_runs(CancelRunsRequest) -> Affected => |cx, r| {
        crate::cancel_runs(&cx.session.open()?, r.experiment, &r.runs).map(|affected| Affected { affected })
    };
    /// Archives finished runs (hidden from the table, comparisons and MLflow searches; files kept), or brings them back.
    /// Sets (or removes) a tag on runs; `tag:key` in the runs filter finds them.
    tag_runs(crate::TagRunsRequest) -> Affected => |cx, r| {
        crate::tag_runs(&cx.session.open()?, &r).map(|affected| Affected { affected })
    };
    archive_runs(crate::ArchiveRunsRequest) -> Affected => |cx, r| {
        crate::archive_runs(&cx.session.open()?, &r).map(|affected| Affected { affected })
    };
    /// The running and recent jobs of the project (of every process), running ones first.
    list_jobs(crate::jobs::ListJobsRequest) -> Vec<crate::JobInfo> => |cx, r| crate::jobs::list_jobs(&cx.session.open()?, &r);
    /// One job.
    show_job(crate::jobs::JobRef) -> crate::JobInfo => |cx, r| crate::jobs::show_job(&cx.session.open()?, &r.job);
    /// Asks a job to stop, whichever window or process runs it.
    cancel_job(crate::jobs::JobRef) -> crate::JobInfo => |cx, r| crate::jobs::cancel_job(&cx.session.open()?, &r.job);
}

pub use crate::typescript::typescript;
