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
    /// Run an experiment spec (TOML), or the queued runs of an experiment:
    /// every trial, in parallel, recorded as runs.
    Run {
        #[arg(required_unless_present = "experiment", conflicts_with = "experiment")]
        spec: Option<PathBuf>,
        /// Run the queued runs of this experiment (see `experiment create`).
        #[arg(long)]
        experiment: Option<i64>,
        /// Trials at once (default: the spec's, or one per core).
        #[arg(long)]
        parallelism: Option<usize>,
    },
    /// Experiments of the project.
    #[command(subcommand)]
    Experiment(ExperimentCommand),
    /// Runs of the project.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Registered models: versions, aliases, packages, publishing and fetching.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Storage targets models are published to: folders and S3 buckets.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Open the desktop app on the project; with --serve (or with no
    /// display), serve the same UI over HTTP on 127.0.0.1 behind a token.
    Ui {
        /// Serve over HTTP instead of opening a window.
        #[arg(long)]
        serve: bool,
        /// Port for --serve (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
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
    /// Promote a succeeded run to the next version of a model (writes its package).
    Register {
        run: i64,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Point this alias (e.g. champion) at the new version.
        #[arg(long)]
        alias: Option<String>,
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
}
