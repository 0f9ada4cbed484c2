//! The command line, as clap types.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Data Lab: explore datasets, run experiments, compare models.
#[derive(Debug, Parser)]
#[command(name = "datalab", version, propagate_version = true)]
pub struct Cli {
    /// The project folder (default: the current folder or the nearest parent holding a project).
    #[arg(long, global = true, env = "DATALAB_PROJECT", value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Print JSON instead of tables, for scripts.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project in DIR.
    Init { dir: PathBuf },
    /// Create (or refresh) the demo project with the sample datasets imported.
    Demo {
        /// Where to put it.
        #[arg(default_value = "datalab-demo")]
        dir: PathBuf,
    },
    /// Import and explore datasets.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Run an experiment spec (TOML), or the unfinished runs of an
    /// experiment: every trial, in parallel, recorded as runs. Exits 130
    /// when interrupted (Ctrl-C, SIGTERM), 10 when every run failed.
    Run {
        #[arg(required_unless_present = "experiment", conflicts_with = "experiment")]
        spec: Option<PathBuf>,
        /// Run the unfinished runs of this experiment: the queued ones (see
        /// `experiment create`) and those a cancel or a killed process
        /// stopped, resumed from their finished folds.
        #[arg(long)]
        experiment: Option<i64>,
        /// Trials at once (default: the spec's, or one per core).
        #[arg(long)]
        parallelism: Option<usize>,
    },
    /// Experiments of the project.
    #[command(subcommand)]
    Experiment(ExperimentCommand),
    /// The lab journal's notes (Markdown) on the project, an experiment, a
    /// run or a model version; `run 12`, `experiment 3` and `iris:3` in the
    /// text link to those records.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Compute time (wall and CPU) by experiment, model and day; vendor spend
    /// by vendor and day or month with its tokens; the budgets this month.
    Ledger {
        /// Spend by day instead of by month.
        #[arg(long)]
        daily: bool,
    },
    /// Reports: one self-contained HTML file (opens offline) per experiment.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Monthly budgets for vendor spend: an evaluation checks them before
    /// it starts and stops before passing one.
    #[command(subcommand)]
    Budget(BudgetCommand),
    /// The project's history, newest first: imports, experiments, notes,
    /// registrations, publications, evaluations.
    Journal {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Runs of the project.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Registered models: versions, aliases, packages, publishing and fetching.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Storage targets models are published to: folders and S3 buckets.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Vendor prediction services: connectors to compare local models with.
    #[command(subcommand)]
    Vendor(VendorCommand),
    /// Send an experiment's test rows through a vendor and score its answers
    /// (cached answers cost nothing).
    Evaluate {
        #[arg(long)]
        vendor: String,
        #[arg(long)]
        experiment: i64,
        /// Stop before spending more than this (the vendor's currency).
        #[arg(long)]
        spend_cap: Option<f64>,
    },
    /// Vendor evaluations done so far.
    #[command(subcommand)]
    Evaluations(EvaluationsCommand),
    /// Local runs and vendor evaluations of an experiment side by side:
    /// metrics, latency, cost, and whether each meets the agreements; or,
    /// with `--datasets STUDY`, the models of a multi-dataset spec across
    /// its datasets: ranks, the Friedman test and Nemenyi's critical difference.
    Compare {
        #[arg(required_unless_present = "datasets", conflicts_with = "datasets")]
        experiment: Option<i64>,
        /// A multi-dataset spec's name (its `name`).
        #[arg(long, value_name = "STUDY")]
        datasets: Option<String>,
    },
    /// What a chosen model must meet; without options, shows them.
    Agreements(AgreementArgs),
    /// Serve a model over HTTP (Open Inference Protocol v2 and MLflow
    /// scoring, /metrics): a version of the project, a package folder, or a
    /// package published in storage (fetched and checked first).
    Serve(Box<ServeArgs>),
    /// Open the desktop app on the project; with --serve (or with no
    /// display), serve the same UI over HTTP on 127.0.0.1 behind a token.
    Ui {
        /// Serve over HTTP instead of opening a window.
        #[arg(long)]
        serve: bool,
        /// Port for --serve (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// With --serve, a folder besides the project whose files the UI may
        /// import and where it may create projects; repeat for several.
        /// Requests naming any other path are refused.
        #[arg(long = "allow-dir", value_name = "DIR")]
        allow_dir: Vec<PathBuf>,
    },
    /// Long work (imports, sweeps, evaluations, publishes) of every process
    /// on the project: running and recent, with progress; cancel one.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// The MLflow tracking protocol: notebooks and scripts log runs into the
    /// project with the `mlflow` client they already use.
    #[command(subcommand)]
    Tracking(TrackingCommand),
    /// Copy history from elsewhere into the project.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Call any API operation by name with a JSON request, as the app and
    /// the server do (`datalab call list` lists them).
    Call {
        operation: String,
        /// The request, as JSON.
        #[arg(default_value = "{}")]
        request: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Copy experiments and runs (params, tags, every metric point,
    /// artifacts) from an MLflow tracking server. Credentials: the
    /// MLFLOW_TRACKING_TOKEN (or _USERNAME and _PASSWORD) of this shell.
    /// Running it again copies only runs not imported yet.
    Mlflow {
        /// The server's tracking URI, e.g. http://mlflow.internal:5000.
        #[arg(long = "from")]
        from: String,
        /// Only this experiment (by name); repeat for several.
        #[arg(long)]
        experiment: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrackingCommand {
    /// Serve the MLflow tracking API on 127.0.0.1 until Ctrl-C. Clients
    /// need MLFLOW_TRACKING_URI and, unless --no-auth, MLFLOW_TRACKING_TOKEN
    /// (taken from this process's environment when set there, else made up
    /// and printed).
    Serve {
        #[arg(long, default_value_t = 5000)]
        port: u16,
        /// Take requests without a token (anyone on this machine can log).
        #[arg(long)]
        no_auth: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// An experiment's report: the data's profile, the spec, the runs, the
    /// comparison drawn, the significance, the vendors against the
    /// agreements, the notes. Written to the project's exports/reports/.
    Experiment {
        id: i64,
        /// Also write it here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BudgetCommand {
    /// Set the monthly budget of a vendor (or, with --all, of all vendors together).
    Set {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        vendor: Option<String>,
        #[arg(long)]
        all: bool,
        /// What may be spent in a calendar month (UTC), in the vendors' currency.
        #[arg(long = "monthly")]
        monthly_limit: f64,
    },
    /// The budgets and this month's spend against them.
    List,
    /// Remove a vendor's budget (or, with --all, the one over all vendors).
    Remove {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        vendor: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

/// What a note is about: at most one of these (none: the project).
#[derive(Debug, clap::Args)]
pub struct NoteSubjectArgs {
    #[arg(long, conflicts_with_all = ["run", "model"])]
    pub experiment: Option<i64>,
    #[arg(long, conflicts_with = "model")]
    pub run: Option<i64>,
    /// A model version, `name:version`.
    #[arg(long)]
    pub model: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a note.
    Add {
        #[command(flatten)]
        subject: NoteSubjectArgs,
        /// The text (Markdown).
        text: String,
    },
    /// The notes on a subject, with their links (a broken one says so).
    List {
        #[command(flatten)]
        subject: NoteSubjectArgs,
    },
    /// Replace a note's text.
    Edit { id: i64, text: String },
    /// Remove a note.
    Delete { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Running and recent jobs, running ones first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
    /// Ask a job to stop, whichever process runs it.
    Cancel { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// Check a spec (TOML) against its dataset and record it as an experiment
    /// with its runs queued; `datalab run --experiment ID` runs them.
    Create { spec: PathBuf },
    /// List experiments.
    List,
    /// An experiment: its spec and its runs.
    Show { id: i64 },
    /// Print an experiment's spec as TOML, to save and run again anywhere.
    Export { id: i64 },
    /// Push an experiment to a storage target as a bundle: its spec, dataset
    /// snapshot, runs with their metrics and files, vendor evaluations. Files
    /// storage holds already are not sent again; the index goes last.
    Push {
        id: i64,
        /// The storage target (see `datalab storage list`).
        #[arg(long = "to")]
        target: String,
        /// The bundle's name in storage (the experiment's name by default).
        #[arg(long)]
        name: Option<String>,
    },
    /// Pull a bundle from a storage target into this project, every file
    /// checked before anything is recorded.
    Pull {
        /// The bundle's name in storage.
        name: String,
        /// The storage target.
        #[arg(long = "from")]
        target: String,
        /// The experiment's name here (the bundle's by default).
        #[arg(long = "as")]
        as_name: Option<String>,
    },
    /// The bundles a storage target holds.
    Bundles {
        /// The storage target.
        #[arg(long = "from")]
        target: String,
    },
    /// Run an experiment's spec again on its own snapshot and say, run by
    /// run, whether every metric of every fold came out identical. Exits 1
    /// when any run differs.
    Reproduce { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs with their metrics (newest first).
    List {
        /// Only the runs of this experiment.
        #[arg(long)]
        experiment: Option<i64>,
    },
    /// A run: parameters, metrics per fold, times and files.
    Show { id: i64 },
    /// A command trial's output (stdout and stderr); --follow keeps
    /// printing while the run runs.
    Log {
        id: i64,
        #[arg(long, short)]
        follow: bool,
    },
    /// Cancel runs (queued ones at once, running ones at their next fold),
    /// from any terminal.
    Cancel {
        runs: Vec<i64>,
        /// Every run of this experiment.
        #[arg(long)]
        experiment: Option<i64>,
    },
    /// Compare runs measured on the same folds: metric per run, pairwise
    /// corrected resampled t-test, wins/ties/losses.
    Compare {
        #[arg(required = true, num_args = 2..)]
        runs: Vec<i64>,
        /// The metric (default: accuracy, R² or silhouette).
        #[arg(long)]
        metric: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Import a CSV/TSV, Parquet, NDJSON or JSON file as a dataset.
    Import(ImportArgs),
    /// List the datasets of the project.
    List,
    /// Show a dataset's columns and where it came from.
    Show { dataset: String },
    /// Show rows of a dataset: a page, sorted and filtered.
    Head(HeadArgs),
    /// Show a dataset's profile: statistics, top values, histograms, correlations.
    Profile { dataset: String },
    /// Run SQL over the project's datasets (each is a table named as the dataset).
    Query {
        sql: String,
        /// The most rows to return.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Remove a dataset and its snapshot.
    Remove { dataset: String },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// The dataset's name (default: the file name without extension).
    #[arg(long)]
    pub name: Option<String>,
    /// csv, tsv, parquet, ndjson or json (default: detected).
    #[arg(long)]
    pub format: Option<String>,
    /// The field delimiter, one character; \t for tab (default: detected).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// The quote character, or "" for none (default: ").
    #[arg(long)]
    pub quote: Option<String>,
    /// The first row names the columns (default: detected).
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The first row is data.
    #[arg(long)]
    pub no_header: bool,
    /// A string read as a missing value; repeat for several. Replaces the
    /// default markers (NA, N/A, NULL, null); empty fields are always missing.
    #[arg(long = "null-value", value_name = "TEXT")]
    pub null_values: Vec<String>,
    /// A column's type instead of the inferred one, as COLUMN=KIND
    /// (KIND: text, integer, float, boolean, date, datetime); repeat for several.
    #[arg(long = "type", value_name = "COLUMN=KIND")]
    pub types: Vec<String>,
    /// Rows read to infer column types; 0 reads them all.
    #[arg(long, value_name = "N")]
    pub infer_rows: Option<usize>,
}

#[derive(Debug, Args)]
pub struct HeadArgs {
    pub dataset: String,
    /// How many rows.
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: u64,
    /// Rows to skip first.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Sort by this column.
    #[arg(long)]
    pub sort: Option<String>,
    /// Sort descending.
    #[arg(long, requires = "sort")]
    pub desc: bool,
    /// Keep rows where a condition holds: COLUMN OP VALUE with OP one of
    /// = != < <= > >= ~ (contains), or "COLUMN is null" / "COLUMN is not null".
    /// Repeat for several (all must hold).
    #[arg(long = "filter", value_name = "CONDITION")]
    pub filters: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Promote a succeeded run to the next version of a model (writes its
    /// package). A run logged by your own code through MLflow becomes an
    /// MLflow package: its model, artifacts and a generated card (Data Lab
    /// publishes it; MLflow serves it).
    Register {
        run: i64,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Point this alias (e.g. champion) at the new version.
        #[arg(long)]
        alias: Option<String>,
        /// For a run that logged several MLflow models: which one (its
        /// name, or the artifact folder holding its MLmodel).
        #[arg(long, value_name = "NAME")]
        logged_model: Option<String>,
    },
    /// List every version of every model.
    List,
    /// A version (NAME, NAME:VERSION or NAME@ALIAS): lineage, files, model card.
    Show { model: String },
    /// Point ALIAS at a version.
    Alias { model: String, alias: String },
    /// Publish a version to a storage target (files first, manifest last).
    Publish {
        model: String,
        #[arg(long = "to", value_name = "TARGET")]
        target: String,
    },
    /// List the versions a storage target holds.
    Remote { target: String },
    /// Fetch NAME:VERSION from a storage target into this project, every file checked.
    Fetch {
        model: String,
        #[arg(long = "from", value_name = "TARGET")]
        target: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// Add a target: --folder PATH, or --bucket NAME [--endpoint URL] for S3
    /// (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, never stored).
    Add {
        name: String,
        #[arg(long, conflicts_with = "bucket", required_unless_present = "bucket")]
        folder: Option<PathBuf>,
        #[arg(long)]
        bucket: Option<String>,
        /// For MinIO and other S3-compatible servers, e.g. http://127.0.0.1:9000.
        #[arg(long)]
        endpoint: Option<String>,
        #[arg(long, default_value = "us-east-1")]
        region: String,
        #[arg(long, default_value = "")]
        prefix: String,
        /// Path-style URLs (MinIO).
        #[arg(long)]
        path_style: bool,
    },
    /// List targets.
    List,
    /// Write, read back and delete a small object: do the target and the credentials work?
    Test { name: String },
    /// What a target holds: bytes, model packages (and whether this project
    /// records each), experiment bundles, and bundle files no index names.
    Inventory { name: String },
}

#[derive(Debug, Subcommand)]
pub enum VendorCommand {
    /// Add a connector. The API key is never given here: --key-env names the
    /// environment variable it is read from when the vendor is used.
    Add(Box<VendorAddArgs>),
    /// List connectors.
    List,
    /// Send an experiment's first test row: the request, the answer, latency and cost.
    Test {
        name: String,
        #[arg(long)]
        experiment: i64,
    },
    /// Remove a connector (its evaluations stay).
    Remove { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProtocolArg {
    /// OpenAI-compatible chat completions.
    Openai,
    /// Open Inference Protocol v2 (KServe, Triton, Seldon).
    Oip,
    /// MLflow scoring (/invocations).
    Mlflow,
    /// Any JSON over HTTP.
    Http,
}

#[derive(Debug, Args)]
pub struct VendorAddArgs {
    pub name: String,
    /// A whole connector as JSON (see `datalab vendor list --json`) instead of the options below.
    #[arg(long, conflicts_with_all = ["protocol", "url"])]
    pub config: Option<PathBuf>,
    #[arg(long, required_unless_present = "config")]
    pub protocol: Option<ProtocolArg>,
    /// The base URL, like https://api.openai.com/v1 or http://127.0.0.1:8080.
    #[arg(long, required_unless_present = "config")]
    pub url: Option<String>,
    /// The model: the chat model (openai), or the served model's name (oip).
    #[arg(long)]
    pub model: Option<String>,
    /// openai: the user message, with {{column}} placeholders ({{row}}: every feature).
    #[arg(long, default_value = "{{row}}")]
    pub prompt: String,
    /// openai: a system prompt before the answer-format instruction.
    #[arg(long)]
    pub system: Option<String>,
    /// openai: do not ask for JSON output (find the answer in the text).
    #[arg(long)]
    pub no_structured_output: bool,
    #[arg(long)]
    pub max_tokens: Option<u32>,
    #[arg(long)]
    pub temperature: Option<f64>,
    /// oip: the output tensor with the predictions (default: the first).
    #[arg(long)]
    pub output: Option<String>,
    /// mlflow: dataframe_split, dataframe_records, instances or inputs.
    #[arg(long, default_value = "dataframe_split")]
    pub format: String,
    /// http: the method.
    #[arg(long, default_value = "POST")]
    pub method: String,
    /// http: appended to the URL.
    #[arg(long, default_value = "")]
    pub path: String,
    /// http: a header that is not secret, NAME=VALUE (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// http: the JSON body with {{column}} placeholders.
    #[arg(long)]
    pub body: Option<String>,
    /// http: where the prediction is in the answer, like /result/prediction.
    #[arg(long)]
    pub pointer: Option<String>,
    /// The environment variable holding the API key (sent as "Authorization: Bearer KEY").
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
    #[arg(long, default_value = "Authorization")]
    pub auth_header: String,
    #[arg(long, default_value = "Bearer ")]
    pub auth_prefix: String,
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Calls per second at most.
    #[arg(long)]
    pub rps: Option<f64>,
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Rows per call (oip and mlflow).
    #[arg(long, default_value_t = 1)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 0.0)]
    pub price_per_call: f64,
    #[arg(long, default_value_t = 0.0)]
    pub price_per_1k_input: f64,
    #[arg(long, default_value_t = 0.0)]
    pub price_per_1k_output: f64,
}

#[derive(Debug, Subcommand)]
pub enum EvaluationsCommand {
    /// Evaluations, newest first.
    List {
        #[arg(long)]
        experiment: Option<i64>,
    },
    /// One evaluation with its failed rows.
    Show { id: i64 },
}

#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// The metric --min-metric is on (default: accuracy or r2).
    #[arg(long)]
    pub metric: Option<String>,
    #[arg(long)]
    pub min_metric: Option<f64>,
    #[arg(long)]
    pub max_p95_ms: Option<f64>,
    #[arg(long)]
    pub max_cost_per_1000: Option<f64>,
    /// A share of rows, 0 to 1.
    #[arg(long)]
    pub max_error_rate: Option<f64>,
    /// Forget every agreement (with --experiment: its own, so the project's apply again).
    #[arg(long)]
    pub clear: bool,
    /// This experiment's own agreements instead of the project's (which
    /// apply to every experiment of their metric's task that has none).
    #[arg(long)]
    pub experiment: Option<i64>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// NAME, NAME:VERSION or NAME@ALIAS in the project; NAME or NAME:VERSION
    /// in storage (with --from, --bucket or --folder).
    #[arg(required_unless_present = "package")]
    pub model: Option<String>,
    /// Serve this package folder (holding model.json) instead.
    #[arg(long, conflicts_with_all = ["from", "bucket", "folder"])]
    pub package: Option<PathBuf>,
    /// A storage target of the project to fetch the package from.
    #[arg(long, conflicts_with_all = ["bucket", "folder"])]
    pub from: Option<String>,
    #[command(flatten)]
    pub storage: datalab_serving::source::StorageArgs,
    /// The address to listen on: loopback by default; 0.0.0.0 in a container.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}
