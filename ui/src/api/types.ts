// Generated from the Rust API types by datalab_api::ops::typescript().
// Do not edit: run `DATALAB_UPDATE_TYPES=1 cargo test -p datalab-api --test api typescript`.
/* eslint-disable */

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type DatasetId = number;

export type ExperimentId = number;

export type RunId = number;

export type JobId = string;

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "interrupted" | "pruned";

export type RunOrigin = "catalog" | "command" | "tracking";

export type ExperimentOrigin = "spec" | "tracking";

export type VersionFormat = "datalab" | "mlflow";

export type ProjectSummary = { 
/**
 * The project folder.
 */
root: string, 
/**
 * Its database file.
 */
database: string, 
/**
 * The database's schema version.
 */
schema_version: number, 
/**
 * When the project was created.
 */
created_at: string | null, 
/**
 * How many datasets it holds.
 */
datasets: number, };

export type ApiError = { 
/**
 * What kind of failure.
 */
code: ErrorCode, 
/**
 * What happened and what to do, in words.
 */
message: string, 
/**
 * The request field the error is about (`name`, `task.target`,
 * `base_url`), when it is about one.
 */
field: string | null, };

export type ErrorCode = "not_a_project" | "project_exists" | "newer_schema" | "locked" | "not_found" | "name_taken" | "bad_input" | "invalid_request" | "query" | "io" | "cancelled" | "storage" | "integrity" | "vendor" | "failed" | "forbidden" | "internal";

export type Event = { "kind": "job", job: JobInfo, } | { "kind": "progress", job: JobId, operation: string, stage: Stage, done: number, total: number, } | { "kind": "run", job: JobId, event: RunEvent, } | { "kind": "transfer", job: JobId, operation: string, done: number, total: number, } | { "kind": "evaluation", job: JobId, progress: EvaluationProgress, };

export type Stage = "checking" | "converting" | "profiling";

export type JobInfo = { id: JobId, kind: JobKind, 
/**
 * What it works on ("import sales.csv", "experiment 3").
 */
label: string, status: JobStatus, 
/**
 * What it is doing now, when it says.
 */
stage: string | null, done: number, total: number, 
/**
 * How it ended, in words.
 */
message: string | null, cancel_requested: boolean, 
/**
 * The process that runs it (`host, pid 123`).
 */
owner: string, 
/**
 * Whether this process runs it.
 */
mine: boolean, experiment: ExperimentId | null, evaluation: EvaluationId | null, started_at: string, finished_at: string | null, };

export type JobKind = "import" | "profile" | "experiment" | "evaluation" | "publish" | "fetch" | "mlflow_import" | "push" | "pull";

export type JobStatus = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

export type ListJobsRequest = { 
/**
 * At most this many (default 50), running ones first.
 */
limit: number | null, };

export type JobRef = { 
/**
 * The job's id.
 */
job: JobId, };

export type Empty = Record<symbol, never>;

export type Affected = { 
/**
 * How many.
 */
affected: number, };

export type ProjectPath = { 
/**
 * The folder.
 */
path: string, };

export type FolderRequest = { 
/**
 * The folder (default: the places this session may use).
 */
path: string | null, };

export type FolderListing = { 
/**
 * The folder listed; none for the starting places.
 */
path: string | null, 
/**
 * The folder above, if the session may go there.
 */
parent: string | null, 
/**
 * Folders first, then files, each by name.
 */
entries: Array<FolderEntry>, 
/**
 * Whether entries were left out past [`MAX_ENTRIES`].
 */
truncated: boolean, };

export type FolderEntry = { 
/**
 * Its name (for a starting place, its whole path).
 */
name: string, 
/**
 * Its full path, to list (a folder) or import (a file).
 */
path: string, 
/**
 * A folder (else a file).
 */
folder: boolean, 
/**
 * A file's size.
 */
bytes: number | null, };

export type DatasetName = { 
/**
 * The dataset's name.
 */
dataset: string, };

export type ExperimentRef = { 
/**
 * The experiment's number.
 */
experiment: ExperimentId, };

export type RunRef = { 
/**
 * The run's number.
 */
run: RunId, };

export type SpecText = { 
/**
 * The TOML text.
 */
toml: string, };

export type DatasetInfo = { 
/**
 * Its number in the project.
 */
id: DatasetId, 
/**
 * Its name, by which specs and SQL name it.
 */
name: string, 
/**
 * Rows in its snapshot.
 */
rows: number, 
/**
 * Its columns, with their types.
 */
columns: Array<ColumnSchema>, 
/**
 * The file it was imported from.
 */
source_path: string, 
/**
 * That file's format (`csv`, `parquet`, ...).
 */
source_format: string, 
/**
 * That file's SHA-256.
 */
source_sha256: string, 
/**
 * That file's size.
 */
source_bytes: number, 
/**
 * The snapshot's content hash: also its file name under `datasets/`.
 */
snapshot_sha256: string, 
/**
 * The snapshot's size.
 */
snapshot_bytes: number, 
/**
 * The options the import resolved (dialect, null markers, types).
 */
import_options: JsonValue, 
/**
 * When it was imported.
 */
created_at: string, };

export type ImportRequest = { 
/**
 * The file (CSV, TSV, Parquet, NDJSON or JSON).
 */
path: string, 
/**
 * The dataset's name; by default the file's name without extension.
 */
name: string | null, 
/**
 * How to read it (dialect, header, null markers, types), where the
 * guesses are not wanted.
 */
options: ImportOptions, };

export type ImportOutcome = { 
/**
 * The dataset.
 */
dataset: DatasetInfo, 
/**
 * True when the same file, with the same options, was imported before:
 * nothing new was written and `dataset` is the earlier one.
 */
already_imported: boolean, 
/**
 * Its profile.
 */
profile: DatasetProfile, 
/**
 * What the user should know about the data before using it.
 */
warnings: Array<string>, };

export type ImportOptions = { format: SourceFormat | null, 
/**
 * One character, such as `,`, `;`, `|`, or `\t` for a tab.
 */
delimiter: string | null, 
/**
 * One character, or an empty string for no quoting at all.
 */
quote: string | null, has_header: boolean | null, 
/**
 * Strings read as missing values; replaces the default list when given.
 */
null_values: Array<string> | null, 
/**
 * Columns whose type is given instead of inferred.
 */
column_types: { [key in string]: ColumnKind }, 
/**
 * How many rows to look at when inferring column types (all when 0).
 */
infer_schema_rows: number | null, };

export type CsvDialect = { 
/**
 * The field delimiter, one byte (`,`, `\t`, `;`, `|`, ...).
 */
delimiter: number, 
/**
 * The quote character, or none when quotes are ordinary characters.
 */
quote: number | null, 
/**
 * Whether the first row names the columns.
 */
has_header: boolean, };

export type SourceFormat = "csv" | "parquet" | "ndjson" | "json";

export type PreviewDatasetRequest = { 
/**
 * The dataset, by name.
 */
dataset: string, offset: number, limit: number, sort: [string, SortOrder] | null, filters: Array<Filter>, 
/**
 * More conditions as written (`age > 30 and sex = female`, read by
 * [`Filter::parse_all`]); all of them and `filters` must hold.
 */
filter_text: string, };

export type PreviewRequest = { offset: number, limit: number, sort: [string, SortOrder] | null, filters: Array<Filter>, 
/**
 * More conditions as written (`age > 30 and sex = female`, read by
 * [`Filter::parse_all`]); all of them and `filters` must hold.
 */
filter_text: string, };

export type Filter = { column: string, op: FilterOp, 
/**
 * Compared as the column's type; unused by `is_null` and `is_not_null`.
 */
value: string | null, };

export type FilterOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "contains" | "is_null" | "is_not_null";

export type SortOrder = "ascending" | "descending";

export type QueryRequest = { 
/**
 * SQL over the project's datasets, each a table named as the dataset.
 */
sql: string, 
/**
 * The most rows to answer.
 */
limit: number, };

export type QueryOutput = { table: Table, 
/**
 * Rows matching (before the page or limit was taken), when known.
 */
total_rows: number | null, 
/**
 * True when a limit cut the result short.
 */
truncated: boolean, };

export type Table = { columns: Array<ColumnSchema>, rows: Array<Array<JsonValue>>, };

export type ColumnSchema = { name: string, kind: ColumnKind, 
/**
 * The precise storage type, e.g. `i64`, `f64`, `str`, `datetime[μs]`.
 */
data_type: string, };

export type ColumnKind = "integer" | "float" | "boolean" | "text" | "categorical" | "date" | "datetime" | "duration" | "time" | "other";

export type DatasetProfile = { rows: number, 
/**
 * How long computing the profile took.
 */
compute_ms: number, snapshot_bytes: number, columns: Array<ColumnProfile>, correlations: Correlations, 
/**
 * Cramér's V between categorical columns (text and booleans with 2 to
 * 50 values): how strongly one tells the other, from 0 to 1.
 */
associations: Correlations, };

export type ColumnProfile = { name: string, kind: ColumnKind, data_type: string, 
/**
 * Values that are present.
 */
count: number, nulls: number, distinct: DistinctCount, numeric: NumericSummary | null, 
/**
 * The most frequent values, most frequent first (ties by value).
 */
top_values: Array<ValueCount>, histogram: Histogram | null, };

export type DistinctCount = { count: number, 
/**
 * False when estimated with HyperLogLog (large datasets), within about 2%.
 */
exact: boolean, };

export type NumericSummary = { min: number | null, max: number | null, mean: number | null, 
/**
 * Sample standard deviation (n - 1).
 */
std: number | null, q25: number | null, median: number | null, q75: number | null, };

export type ValueCount = { value: string, count: number, };

export type Histogram = { edges: Array<number>, counts: Array<number>, 
/**
 * Rows the histogram was built from: all of them, or an even sample.
 */
rows_used: number, };

export type Correlations = { method: string, columns: Array<string>, 
/**
 * `matrix[i][j]`: the measure of `columns[i]` and `columns[j]`; null
 * when undefined (a constant column, fewer than two shared rows).
 */
matrix: Array<Array<number | null>>, rows_used: number, };

export type ModelSpec = { 
/**
 * Stable id used in experiment specs, e.g. `logistic_regression`.
 */
id: string, name: string, task: Task, description: string, params: Array<ParamSpec>, 
/**
 * Whether the same data and seed always give the same model, and if
 * not, why.
 */
deterministic: Determinism, };

export type ParamSpec = { name: string, description: string, domain: ParamDomain, };

export type ParamDomain = { "type": "integer", min: number, max: number, default: number, } | { "type": "float", min: number, max: number, default: number, log: boolean, } | { "type": "choice", options: Array<string>, default: string, } | { "type": "boolean", default: boolean, };

export type ParamValue = number | number | boolean | string;

export type Task = "classification" | "regression" | "clustering";

export type Determinism = { "kind": "yes" } | { "kind": "no", why: string, };

export type MetricFact = { 
/**
 * The name metrics are stored and sent under.
 */
name: string, 
/**
 * How a person reads it.
 */
label: string, task: Task, higher_is_better: boolean, 
/**
 * Whether it is its task's headline: the metric a table leads with and
 * a comparison picks when none is named (one per task).
 */
headline: boolean, };

export type ExperimentSpec = { name: string, description: string, 
/**
 * The dataset (empty when the spec names several in `datasets`).
 */
dataset: DatasetRef, 
/**
 * Several datasets of the same task, each run with the same models and
 * validation (`[[datasets]]`); compared by ranks (`ranks`).
 */
datasets?: Array<StudyDataset>, task: TaskSpec, validation: Validation, search: Search, 
/**
 * Stops trials whose first folds already rank them out (ASHA).
 */
early_stop?: EarlyStop | null, models: Array<ModelSearch>, seed: number, 
/**
 * Trials run at once; 0 means one per core.
 */
parallelism: number, };

export type DatasetRef = { name: string, 
/**
 * The snapshot's SHA-256: when given, running against other data is refused.
 */
sha256?: string | null, };

export type TaskSpec = { kind: Task, 
/**
 * Required for classification and regression.
 */
target?: string | null, 
/**
 * The feature columns; empty means every column but the target.
 */
features: Array<string>, 
/**
 * How a binary classifier decides, when not by the most probable class.
 */
threshold?: ThresholdRule | null, };

export type Search = { "kind": "grid" } | { "kind": "random", budget: number, } | { "kind": "tpe", budget: number, startup: number, batch: number, };

export type EarlyStop = { "kind": "asha", 
/**
 * Only the best `1 / reduction` of trials at a rung go on.
 */
reduction: number, 
/**
 * The folds of the first rung.
 */
min_folds: number, 
/**
 * At most this many rungs (all that fit below the folds when unset).
 */
rungs?: number | null, };

export type ThresholdRule = { metric: ThresholdMetric, 
/**
 * The precision to reach, for `recall_at_precision` (above 0, at most 1).
 */
precision?: number | null, 
/**
 * The positive class's label; by default the second label in sorted
 * order (the class ROC and PR curves are drawn for).
 */
positive?: string | null, };

export type ThresholdMetric = "f1" | "recall_at_precision";

export type StudyDataset = { name: string, sha256?: string | null, target?: string | null, features?: Array<string>, };

export type ModelSearch = { 
/**
 * A catalog model's id; for a command, the name its runs show (by
 * default the script the command runs).
 */
model: string, 
/**
 * The user's own code to run per trial instead of a catalog model: a
 * shell command with `{param}` placeholders (values are shell-quoted)
 * and `{run_id}`, `{run_dir}`, `{artifacts}`, `{dataset}`, `{out}`.
 */
command?: string | null, 
/**
 * Where the command runs (relative paths: to the project folder).
 */
workdir?: string | null, 
/**
 * Environment variables the command gets, besides the MLflow ones.
 */
env?: { [key in string]: string }, 
/**
 * Seconds a trial of the command may take before it is stopped.
 */
timeout?: number | null, params: { [key in string]: ParamSpace }, };

export type ParamSpace = { min: number, max: number, log: boolean, } | Array<ParamValue> | ParamValue;

export type Validation = { "kind": "holdout", test_fraction: number, } | { "kind": "k_fold", folds: number, };

export type CreateExperimentRequest = { 
/**
 * The spec.
 */
spec: ExperimentSpec, };

export type RunExperimentRequest = { 
/**
 * The experiment's number.
 */
experiment: ExperimentId, 
/**
 * Trials at once (default: the spec's; 0: one per core).
 */
parallelism: number | null, };

export type ListRunsRequest = { 
/**
 * Of one experiment only.
 */
experiment: ExperimentId | null, };

export type CompareRunsRequest = { 
/**
 * The runs (two or more, measured on the same folds).
 */
runs: Array<RunId>, 
/**
 * The metric (default: accuracy, R² or silhouette).
 */
metric: string | null, };

export type StudyRef = { 
/**
 * The multi-dataset spec's `name`.
 */
study: string, };

export type StudyOutcome = { 
/**
 * The spec's name, the study's.
 */
study: string, 
/**
 * Each dataset's experiment, in the spec's order.
 */
datasets: Array<StudyDatasetOutcome>, 
/**
 * Models × datasets, ranked and tested.
 */
comparison: DatasetComparison, };

export type StudyDatasetOutcome = { 
/**
 * The dataset's name.
 */
dataset: string, 
/**
 * Its experiment, when it could be made.
 */
outcome: ExperimentOutcome | null, 
/**
 * Why it could not run (a missing target, a wrong type): the others go on.
 */
error: ApiError | null, };

export type DatasetComparison = { 
/**
 * The study's name.
 */
study: string, 
/**
 * The task's headline metric, which the models are ranked by.
 */
metric: string, 
/**
 * Its direction.
 */
higher_is_better: boolean, 
/**
 * The models, in the spec's order.
 */
models: Array<string>, 
/**
 * The datasets, in the spec's order.
 */
datasets: Array<ComparedDataset>, 
/**
 * `scores[dataset][model]`: the best succeeded trial's mean (None: no trial succeeded).
 */
scores: Array<Array<number | null>>, 
/**
 * The runs those scores come from.
 */
runs: Array<Array<RunId | null>>, 
/**
 * Ranks, Friedman and Nemenyi, over the datasets where every model has a score.
 */
test: RankTest | null, 
/**
 * Pairs Nemenyi's test separates at the test's level.
 */
differences: Array<RankDifference>, 
/**
 * Why there is no test, or what it left out.
 */
note: string | null, };

export type ComparedDataset = { 
/**
 * The dataset's name.
 */
name: string, 
/**
 * Its newest experiment in the study.
 */
experiment: ExperimentId, };

export type RankDifference = { 
/**
 * The model with the lower (better) mean rank.
 */
better: string, 
/**
 * The other.
 */
worse: string, 
/**
 * How far apart their mean ranks are.
 */
difference: number, };

export type RankTest = { 
/**
 * Datasets the test used (those where every model has a score).
 */
datasets_used: number, 
/**
 * Each used dataset's ranks, in model order (1 is best).
 */
ranks: Array<Array<number>>, 
/**
 * Each model's mean rank over the used datasets.
 */
mean_ranks: Array<number>, 
/**
 * Friedman's statistic, χ² with k − 1 degrees of freedom.
 */
friedman_chi2: number, friedman_p: number, 
/**
 * Iman and Davenport's F form of it, less conservative (Demšar's choice),
 * with k − 1 and (k − 1)(n − 1) degrees of freedom.
 */
iman_davenport_f: number, iman_davenport_p: number, 
/**
 * Two models whose mean ranks differ by at least this differ at `alpha`
 * (Nemenyi's test).
 */
critical_difference: number, alpha: number, };

export type CancelRunsRequest = { 
/**
 * These runs.
 */
runs: Array<RunId>, 
/**
 * Every unfinished run of this experiment.
 */
experiment: ExperimentId | null, };

export type ExperimentInfo = { 
/**
 * Its number.
 */
id: ExperimentId, 
/**
 * Its spec's name (or the name MLflow clients gave it).
 */
name: string, 
/**
 * Who runs its runs: Data Lab from a spec, or code outside through MLflow.
 */
origin: ExperimentOrigin, 
/**
 * The snapshot its runs learn from.
 */
dataset_sha256: string, 
/**
 * The project's dataset of that snapshot, when it has one (runs logged
 * from outside learn from data Data Lab may not hold).
 */
dataset: string | null, 
/**
 * Its spec, as TOML.
 */
spec_toml: string, 
/**
 * When it was created.
 */
created_at: string, 
/**
 * How many runs it has.
 */
runs: number, };

export type ExperimentDetail = { 
/**
 * The experiment.
 */
experiment: ExperimentInfo, 
/**
 * Its runs, by trial.
 */
runs: Array<RunInfo>, };

export type ExperimentOutcome = { 
/**
 * The experiment.
 */
experiment_id: ExperimentId, 
/**
 * Its name.
 */
name: string, 
/**
 * Every run of the experiment, as it is now.
 */
runs: Array<RunInfo>, };

export type RunInfo = { id: RunId, 
/**
 * The 32-hex id MLflow clients know the run by.
 */
uuid: string, 
/**
 * Who ran it: a catalog model, a spec's command, or outside code.
 */
origin: RunOrigin, 
/**
 * The name its code gave it, if any.
 */
name: string | null, experiment_id: ExperimentId, trial: number, model: string, params: JsonValue, status: RunStatus, error: string | null, wall_ms: number | null, cpu_ms: number | null, 
/**
 * Mean and standard deviation of each metric over the folds.
 */
metrics: { [key in string]: MeanStd }, started_at: string | null, finished_at: string | null, 
/**
 * A pruned run: the rung (1, 2, ...) of its folds where early stopping ended it.
 */
rung: number | null, };

export type RunDetail = { 
/**
 * The run.
 */
run: RunInfo, 
/**
 * `folds[i]`: metric name → value, for fold `i` (the finished folds of
 * a run that was stopped, too).
 */
folds: Array<{ [key in string]: number }>, 
/**
 * Files under the run's folder, as paths relative to the project.
 */
files: Array<string>, 
/**
 * Gain per feature of its trained model, largest first (boosting only).
 */
importance: Array<FeatureImportance> | null, 
/**
 * Its tags, by key.
 */
tags: Array<[string, string]>, };

export type RunLogRequest = { 
/**
 * The run.
 */
run: RunId, 
/**
 * The byte to start from (0 first; then the `next` of the last answer).
 */
offset: number, };

export type RunLog = { 
/**
 * The text from `offset` (invalid UTF-8 replaced).
 */
text: string, 
/**
 * Where the next read starts.
 */
next: number, 
/**
 * The log's size now.
 */
size: number, 
/**
 * Whether the run may still write to it.
 */
running: boolean, };

export type MetricHistoryRequest = { 
/**
 * The run.
 */
run: RunId, 
/**
 * The metric; none: every metric the run logged.
 */
key: string | null, 
/**
 * At most this many points per curve (LTTB keeps the shape); 1,000 by default.
 */
max_points: number | null, };

export type MetricHistory = { 
/**
 * The run.
 */
run: RunId, 
/**
 * One curve per metric: x is the step, y the value (NaN and infinities left out).
 */
series: Array<Series>, 
/**
 * Whether the run may still log more.
 */
running: boolean, };

export type TrackingInfo = { 
/**
 * `MLFLOW_TRACKING_URI`.
 */
uri: string, 
/**
 * `MLFLOW_TRACKING_TOKEN`: random for each start of the app.
 */
token: string, 
/**
 * The project runs land in.
 */
project: string, };

export type ImportMlflowRequest = { 
/**
 * The server's tracking URI (`http://host:5000`). Its credentials come
 * from this process's `MLFLOW_TRACKING_TOKEN` (or `_USERNAME` and
 * `_PASSWORD`), as its clients take them; never stored.
 */
from: string, 
/**
 * The experiments, by name (none: every active one).
 */
experiments: Array<string>, };

export type ImportMlflowOutcome = { 
/**
 * Experiments imported into (new, or of the same name logged from outside).
 */
experiments: number, 
/**
 * Runs copied.
 */
runs: number, 
/**
 * Runs imported by an earlier import, left as they were.
 */
skipped: number, 
/**
 * Params copied.
 */
params: number, 
/**
 * Metric points copied (every step of every history).
 */
metric_points: number, 
/**
 * Artifact files copied.
 */
artifacts: number, 
/**
 * Their bytes.
 */
artifact_bytes: number, };

export type RunQuery = { experiment: ExperimentId | null, 
/**
 * Runs matching this text as the table shows them (any case): every
 * term (split by spaces) within the id, model, status or parameters,
 * and `name=value` a parameter's exact value.
 */
text: string | null, sort: RunSort, descending: boolean, offset: number, limit: number, };

export type RunSort = { "by": "id" } | { "by": "model" } | { "by": "status" } | { "by": "wall_ms" } | { "by": "metric", "name": string } | { "by": "param", "name": string };

export type RunPage = { 
/**
 * The runs of the page.
 */
runs: Array<RunInfo>, 
/**
 * How many runs match the filter in all.
 */
total: number, };

export type RunEvent = { "event": "started", run: RunId, trial: number, model: string, } | { "event": "fold", run: RunId, done: number, folds: number, } | { "event": "step", run: RunId, stage: TrialStage, done: number, total: number, } | { "event": "finished", run: RunInfo, };

export type TrialStage = { "stage": "fold", fold: number, folds: number, } | { "stage": "final_model" };

export type MeanStd = { mean: number, 
/**
 * Sample standard deviation over folds (0 for one fold).
 */
std: number, };

export type FeatureImportance = { feature: string, 
/**
 * Total gain of the splits on it.
 */
gain: number, 
/**
 * Its share of all features' gain (0 to 1).
 */
share: number, };

export type RunComparison = { 
/**
 * The metric.
 */
metric: string, 
/**
 * Which way is better on it.
 */
higher_is_better: boolean, 
/**
 * The runs, in the order asked.
 */
runs: Array<RunInfo>, 
/**
 * Every ordered pair.
 */
pairs: Array<PairComparison>, 
/**
 * Per run, in `runs` order: (wins, ties, losses).
 */
record: Array<[number, number, number]>, };

export type RunCharts = { 
/**
 * The run.
 */
run: RunId, 
/**
 * Class names, in the confusion matrix's order (classifiers only).
 */
classes: Array<string>, 
/**
 * `confusion[truth][predicted]`, summed over the folds.
 */
confusion: Array<Array<number>> | null, 
/**
 * One curve per fold (binary and multiclass: one-vs-rest micro average, as metrics computes it).
 */
roc: Array<Series>, precision_recall: Array<Series>, 
/**
 * Regressors: residual (truth − prediction) by prediction, one series per
 * fold, sorted by prediction and downsampled keeping the extremes.
 */
residuals: Array<Series>, };

export type Charts = { 
/**
 * Class names, in the confusion matrix's order (classifiers only).
 */
classes: Array<string>, 
/**
 * `confusion[truth][predicted]`, summed over the folds.
 */
confusion: Array<Array<number>> | null, 
/**
 * One curve per fold (binary and multiclass: one-vs-rest micro average, as metrics computes it).
 */
roc: Array<Series>, precision_recall: Array<Series>, 
/**
 * Regressors: residual (truth − prediction) by prediction, one series per
 * fold, sorted by prediction and downsampled keeping the extremes.
 */
residuals: Array<Series>, };

export type StorageName = { 
/**
 * The target's name.
 */
target: string, };

export type RegisterModelRequest = { 
/**
 * The run (succeeded).
 */
run: RunId, 
/**
 * The model's name.
 */
name: string, 
/**
 * What it is for, in words.
 */
description: string, 
/**
 * Point this alias (`champion`, say) at the new version.
 */
alias: string | null, 
/**
 * For a run logged by its own code that logged several MLflow models:
 * which (a logged model's name, or the artifact folder of its `MLmodel`).
 */
logged_model: string | null, };

export type ModelRef = { 
/**
 * The version's reference.
 */
model: string, };

export type SetAliasRequest = { 
/**
 * The version (`name`, `name:3`, `name@alias`).
 */
model: string, 
/**
 * The alias (`champion`, say).
 */
alias: string, };

export type ModelVersionInfo = { 
/**
 * The model's name.
 */
name: string, 
/**
 * The version's number.
 */
version: number, 
/**
 * The aliases pointing at it.
 */
aliases: Array<string>, 
/**
 * What it is for, in words.
 */
description: string, 
/**
 * The run it came from, in this project (none when fetched from storage).
 */
run: RunId | null, 
/**
 * Where it was fetched from, when it was.
 */
source: string | null, 
/**
 * The package folder, relative to the project.
 */
package_dir: string, 
/**
 * When it was registered or fetched.
 */
created_at: string, 
/**
 * A model Data Lab trained, or an MLflow model the user's own code
 * logged (which Data Lab keeps and publishes but cannot serve).
 */
format: VersionFormat, 
/**
 * Its package's manifest (none for an MLflow version registered
 * through the protocol and not yet packaged).
 */
manifest: Manifest | null, 
/**
 * An MLflow model's flavours, from its `MLmodel` (`sklearn`, `python_function`).
 */
mlflow_flavors: Array<string>, 
/**
 * Why Data Lab cannot serve it and what can, when it cannot (an MLflow model).
 */
not_servable: string | null, 
/**
 * Where it has been published.
 */
publications: Array<PublicationInfo>, };

export type ModelVersionDetail = { 
/**
 * The version.
 */
info: ModelVersionInfo, 
/**
 * Its MODEL_CARD.md.
 */
model_card: string, };

export type PublicationInfo = { 
/**
 * The storage target's name.
 */
target: string, 
/**
 * Where the package is in it.
 */
location: string, 
/**
 * When it was published.
 */
published_at: string, };

export type ExperimentSuggestion = { 
/**
 * The dataset, by name.
 */
dataset: string, 
/**
 * Rows in its snapshot.
 */
rows: number, 
/**
 * Every column, in order.
 */
columns: Array<ColumnSuggestion>, };

export type ImportPreview = { 
/**
 * The first rows as they will be read, with the dialect and types.
 */
source: SourcePreview, 
/**
 * The name the dataset will have (the one asked for, or the file's).
 */
name: string, 
/**
 * The dataset this file already is, with these options (importing it
 * again writes nothing).
 */
already_imported: string | null, 
/**
 * Another dataset has that name: a given name is refused, the file's
 * name gets a number.
 */
name_taken: boolean, };

export type SourcePreview = { format: SourceFormat, 
/**
 * Delimited text's dialect, detected unless given: the delimiter and the
 * quote as text (`\t` for a tab; an empty quote: none), and the header.
 */
delimiter: string | null, quote: string | null, has_header: boolean | null, 
/**
 * The strings read as missing values.
 */
null_values: Array<string>, 
/**
 * The first rows, each column with the type it will have.
 */
table: Table, };

export type ColumnSuggestion = { 
/**
 * The column's name.
 */
name: string, 
/**
 * Its type.
 */
kind: ColumnKind, 
/**
 * The tasks it can be the target of (none: not a target).
 */
targets: Array<Task>, 
/**
 * Whether it is a feature by default.
 */
feature: boolean, 
/**
 * Why it is not a feature or a target by default, in words.
 */
note: string | null, };

export type Manifest = { format: string, 
/**
 * Absent in packages written before MLflow packages existed: Data Lab's.
 */
kind: PackageKind, 
/**
 * An MLflow model's flavours, from its `MLmodel` (`sklearn`, `python_function`).
 */
flavors: Array<string>, name: string, version: number, algorithm: string, parameters: JsonValue, task: string, target: string | null, input_schema: Array<InputField>, classes: Array<string> | null, 
/**
 * Metric name → `{mean, std}` over the validation folds.
 */
metrics: JsonValue, dataset_sha256: string, run_id: number | null, experiment_id: number | null, engine_version: string, created_at: string, files: Array<PackageFile>, };

export type PackageKind = "datalab" | "mlflow";

export type PackageFile = { 
/**
 * Relative to the package folder, with `/` separators.
 */
path: string, sha256: string, bytes: number, };

export type InputField = { name: string, 
/**
 * `number`, `boolean` or `text` ([`InputField::NUMBER`] and the others).
 */
kind: string, };

export type AddStorageRequest = { 
/**
 * Its name.
 */
name: string, 
/**
 * Where it is.
 */
config: StorageConfig, };

export type StorageTargetInfo = { 
/**
 * Its name.
 */
name: string, 
/**
 * Where it is (credentials are never kept).
 */
config: StorageConfig, 
/**
 * Where packages go, as a person reads it.
 */
location: string, 
/**
 * When it was added.
 */
created_at: string, };

export type StorageConfig = { "kind": "folder", path: string, } | { "kind": "s3", 
/**
 * `http://127.0.0.1:9000` for MinIO; none for AWS S3.
 */
endpoint: string | null, region: string, bucket: string, 
/**
 * Packages go under `<prefix>/models/<name>/<version>/`.
 */
prefix: string, 
/**
 * Path-style URLs (`endpoint/bucket/key`), as MinIO wants.
 */
path_style: boolean, };

export type PublishRequest = { 
/**
 * `name`, `name:3` or `name@alias`.
 */
model: string, 
/**
 * The storage target, by name.
 */
target: string, };

export type PublishOutcome = { location: string, 
/**
 * True when this exact package was already there: nothing was uploaded.
 */
already_published: boolean, bytes_uploaded: number, };

export type RemoteVersion = { name: string, version: number, location: string, algorithm: string, created_at: string, };

export type FetchRequest = { 
/**
 * The storage target, by name.
 */
target: string, 
/**
 * The model's name.
 */
name: string, 
/**
 * Its version.
 */
version: number, };

export type PushRequest = { 
/**
 * The experiment to push.
 */
experiment: ExperimentId, 
/**
 * The storage target, by name.
 */
target: string, 
/**
 * The bundle's name in storage (the experiment's name when absent).
 */
name: string | null, };

export type PushOutcome = { 
/**
 * The bundle's name in storage.
 */
name: string, 
/**
 * Where it is, as a person reads it.
 */
location: string, 
/**
 * Runs in the bundle.
 */
runs: number, 
/**
 * Files sent, and those storage held already (not sent again).
 */
count: PushCount, };

export type PushCount = { 
/**
 * Files uploaded.
 */
files_sent: number, 
/**
 * Their bytes.
 */
bytes_sent: number, 
/**
 * Files storage held already (by content), not sent again.
 */
files_present: number, 
/**
 * Their bytes.
 */
bytes_present: number, };

export type PullRequest = { 
/**
 * The bundle's name in storage.
 */
name: string, 
/**
 * The storage target, by name.
 */
target: string, 
/**
 * The experiment's name here (the bundle's when absent).
 */
as: string | null, };

export type PullOutcome = { 
/**
 * The experiment it became here.
 */
experiment: ExperimentId, 
/**
 * Its name here.
 */
name: string, 
/**
 * The dataset the experiment runs on here.
 */
dataset: string, 
/**
 * True when this project had the snapshot already (nothing downloaded for it).
 */
dataset_known: boolean, 
/**
 * Runs brought in.
 */
runs: number, 
/**
 * Vendor evaluations brought in.
 */
evaluations: number, 
/**
 * Files downloaded, each checked.
 */
files: number, 
/**
 * Their bytes.
 */
bytes: number, };

export type ReproduceReport = { 
/**
 * The experiment reproduced.
 */
experiment: ExperimentId, 
/**
 * The new experiment holding the runs again.
 */
reproduction: ExperimentId, 
/**
 * Runs that came out identical.
 */
identical: number, 
/**
 * Runs that did not (different or missing).
 */
different: number, 
/**
 * Trial by trial.
 */
runs: Array<RunReproduction>, };

export type RunReproduction = { 
/**
 * The trial (the same on both sides).
 */
trial: number, 
/**
 * Its model.
 */
model: string, 
/**
 * The run as it was.
 */
original: RunId | null, 
/**
 * The run again.
 */
reproduced: RunId | null, 
/**
 * Identical, different or missing.
 */
verdict: Reproduced, 
/**
 * What differs, a line each (`accuracy, fold 2: 0.95 → 0.9466`).
 */
differences: Array<string>, };

export type Reproduced = "identical" | "different" | "missing";

export type NoteSubject = { "kind": "project" } | { "kind": "experiment", "id": ExperimentId } | { "kind": "run", "id": RunId } | { "kind": "model_version", "id": ModelVersionId };

export type NoteLink = { 
/**
 * The words as written.
 */
text: string, 
/**
 * Where they lead, when that record exists.
 */
target: NoteSubject | null, };

export type NoteInfo = { 
/**
 * Its id.
 */
id: number, 
/**
 * What it is about.
 */
subject: NoteSubject, 
/**
 * Its text, in Markdown.
 */
body: string, 
/**
 * When it was written, and last changed.
 */
created_at: string, 
/**
 * When it was last changed.
 */
updated_at: string, 
/**
 * The links its text makes (`run 12`, `experiment 3`, `iris:3`); one
 * without a target is broken.
 */
links: Array<NoteLink>, };

export type AddNoteRequest = { 
/**
 * What it is about.
 */
subject: NoteSubject, 
/**
 * Its text, in Markdown.
 */
body: string, };

export type EditNoteRequest = { 
/**
 * The note.
 */
note: number, 
/**
 * Its text, in Markdown.
 */
body: string, };

export type NoteRef = { 
/**
 * The note.
 */
note: number, };

export type NotesRequest = { 
/**
 * What they are about.
 */
subject: NoteSubject, };

export type JournalRequest = { 
/**
 * Entries before this time (ISO 8601), for the next page.
 */
before: string | null, 
/**
 * How many (at most [`MAX_JOURNAL_PAGE`]; 200 when absent).
 */
limit: number | null, };

export type JournalEntry = { 
/**
 * When (ISO 8601, UTC).
 */
at: string, 
/**
 * `import`, `experiment`, `note`, `registration`, `publication` or `evaluation`.
 */
kind: string, 
/**
 * What happened, in a line.
 */
title: string, 
/**
 * The record it is about (a note's subject for a note), when it has one.
 */
subject: NoteSubject | null, 
/**
 * A note's id and text.
 */
note: number | null, body: string | null, };

export type ComputeSum = { 
/**
 * The experiment (`3 · name`), the model, or the day (`2026-12-08`).
 */
key: string, runs: number, wall_ms: number, cpu_ms: number, };

export type SpendSum = { vendor: string, 
/**
 * `2026-12-08` (a day) or `2026-12` (a month), by when the evaluation started.
 */
period: string, 
/**
 * What was paid (answers from the cache cost nothing).
 */
cost: number, input_tokens: number, output_tokens: number, 
/**
 * Rows sent, and of those answered from the cache.
 */
rows: number, cached_rows: number, evaluations: number, };

export type BudgetInfo = { 
/**
 * The vendor, or `*` for all vendors together.
 */
vendor: string, 
/**
 * What may be spent in a calendar month (UTC).
 */
monthly_limit: number, 
/**
 * This month (`2026-12`).
 */
month: string, 
/**
 * Spent so far this month.
 */
spent: number, 
/**
 * `spent / monthly_limit` (1 or more: spent).
 */
share: number, 
/**
 * Said when 80% or more is spent, or the budget is below what was spent.
 */
warning: string | null, };

export type AgreementStanding = { 
/**
 * `name:version` (with its aliases), or the vendor evaluated.
 */
name: string, 
/**
 * `model_version` or `evaluation`.
 */
kind: string, 
/**
 * Its experiment.
 */
experiment: number, 
/**
 * When it was checked (made).
 */
checked_at: string, 
/**
 * Whether it met them then (none: no agreements applied).
 */
met_then: boolean | null, 
/**
 * What it missed then.
 */
misses_then: Array<string>, 
/**
 * Whether it meets them now, under the agreements as they are and the
 * evaluations made since (none: no agreements apply, or it is gone).
 */
meets_now: boolean | null, 
/**
 * What it misses now.
 */
misses_now: Array<string>, };

export type Ledger = { 
/**
 * Runs' compute time per experiment.
 */
compute_by_experiment: Array<ComputeSum>, 
/**
 * Per model kind.
 */
compute_by_model: Array<ComputeSum>, 
/**
 * Per day the runs started.
 */
compute_by_day: Array<ComputeSum>, 
/**
 * Vendor spend per vendor and day.
 */
spend_by_day: Array<SpendSum>, 
/**
 * Per vendor and month.
 */
spend_by_month: Array<SpendSum>, 
/**
 * The budgets, this month.
 */
budgets: Array<BudgetInfo>, 
/**
 * Model versions and evaluations against their agreements, then and now.
 */
agreements: Array<AgreementStanding>, };

export type ReportRequest = { 
/**
 * The experiment.
 */
experiment: ExperimentId, };

export type TagRunsRequest = { 
/**
 * The runs.
 */
runs: Array<RunId>, 
/**
 * The tag's key: letters, digits, `_`, `-` or `.`, as the runs filter's `tag:key` names it.
 */
key: string, 
/**
 * Its value (none: the tag is removed).
 */
value: string | null, };

export type StoredPackage = { 
/**
 * `name:version`.
 */
model: string, 
/**
 * Its files' bytes.
 */
bytes: number, 
/**
 * Whether it is whole (its manifest is there).
 */
whole: boolean, 
/**
 * Whether this project records that version.
 */
recorded: boolean, };

export type StoredBundle = { 
/**
 * Its name.
 */
name: string, 
/**
 * The bytes of the files its index names (shared files counted in each bundle).
 */
bytes: number, 
/**
 * Files its index names.
 */
files: number, };

export type Inventory = { 
/**
 * The target.
 */
target: string, 
/**
 * Objects under its prefix, and their bytes.
 */
objects: number, 
/**
 * All their bytes.
 */
bytes: number, 
/**
 * Model packages.
 */
packages: Array<StoredPackage>, 
/**
 * Experiment bundles.
 */
bundles: Array<StoredBundle>, 
/**
 * Bundle files (by content) stored, and their bytes.
 */
blobs: number, 
/**
 * Their bytes.
 */
blob_bytes: number, 
/**
 * Bundle files no index names, and their bytes: what could be removed.
 */
unreferenced_blobs: number, 
/**
 * Their bytes.
 */
unreferenced_bytes: number, 
/**
 * Objects that are none of the above (not written by Data Lab).
 */
other_objects: number, };

export type AgreementsSource = "experiment" | "project" | "none";

export type ExperimentAgreements = { 
/**
 * The experiment.
 */
experiment: ExperimentId, 
/**
 * The agreements that apply.
 */
agreements: Agreements, 
/**
 * Whose they are.
 */
source: AgreementsSource, };

export type SetExperimentAgreementsRequest = { 
/**
 * The experiment.
 */
experiment: ExperimentId, 
/**
 * Its own agreements, or none to follow the project's.
 */
agreements: Agreements | null, };

export type ReportOutcome = { 
/**
 * Where it was written in the project (`exports/reports/experiment-<id>.html`).
 */
path: string, 
/**
 * Its size.
 */
bytes: number, 
/**
 * The document itself, for a window to save or show.
 */
html: string, };

export type SetBudgetRequest = { 
/**
 * The vendor (none: all vendors together).
 */
vendor: string | null, 
/**
 * What may be spent in a calendar month.
 */
monthly_limit: number, };

export type RemoveBudgetRequest = { 
/**
 * The vendor (none: the budget over all vendors).
 */
vendor: string | null, };

export type Series = { name: string, x: Array<number>, y: Array<number>, 
/**
 * Points before downsampling.
 */
points: number, };

export type PairComparison = { 
/**
 * The run.
 */
run: RunId, 
/**
 * The run it is compared with.
 */
other: RunId, 
/**
 * Mean over folds of `run - other`.
 */
mean_difference: number, 
/**
 * Two-sided p-value of the corrected resampled t-test (None with one fold).
 */
p_value: number | null, 
/**
 * Significant at 5 % in `run`'s favour (win) or against it (loss).
 */
verdict: Verdict, };

export type Verdict = "win" | "tie" | "loss";

export type VendorId = number;

export type EvaluationId = number;

export type ModelVersionId = number;

export type EvaluationStatus = "running" | "succeeded" | "failed" | "cancelled" | "capped" | "interrupted";

export type Connector = { protocol: Protocol, 
/**
 * Scheme, host, port and any path prefix: `https://api.openai.com/v1`,
 * `http://127.0.0.1:8080`.
 */
base_url: string, auth: Auth | null, 
/**
 * Per call, from sending to the whole answer.
 */
timeout_ms: number, 
/**
 * Further attempts after a 429, a 5xx, a timeout or a broken connection.
 */
max_retries: number, 
/**
 * Calls per second at most (none: as fast as the concurrency allows).
 */
requests_per_second: number | null, 
/**
 * Calls in flight at most.
 */
concurrency: number, 
/**
 * Rows per call, where the protocol takes several (OIP v2, MLflow).
 */
batch_size: number, pricing: Pricing, 
/**
 * The Data Lab model version (`name:version`) this connector calls,
 * when it was added by "Add as vendor": the comparison then knows what
 * the service was trained on.
 */
serves?: string, };

export type Protocol = { "kind": "openai_chat", model: string, system_prompt: string | null, 
/**
 * The user message: `{{column}}` is a row's value, `{{row}}` every
 * feature as `name: value` lines, `{{labels}}` the allowed labels.
 */
prompt_template: string, 
/**
 * Ask for JSON matching a schema (`response_format`); off for
 * services that do not take it: the answer is then found in the text.
 */
structured_output: boolean, max_tokens: number | null, temperature: number | null, } | { "kind": "oip_v2", model_name: string, 
/**
 * The output tensor holding predictions (default: the first).
 */
output: string | null, } | { "kind": "mlflow", format: MlflowFormat, } | { "kind": "http", method: string, 
/**
 * Appended to the base URL.
 */
path: string, 
/**
 * Extra headers that are not secret.
 */
headers: Array<Header>, 
/**
 * JSON with `{{column}}` placeholders, each replaced by the row's
 * value as JSON (a string arrives quoted); `{{row}}` is the row as an object.
 */
body_template: string, 
/**
 * Where the prediction is in the answer (RFC 6901), like `/result/prediction`.
 */
prediction_pointer: string, };

export type MlflowFormat = "dataframe_split" | "dataframe_records" | "instances" | "inputs";

export type Header = { name: string, value: string, };

export type Auth = { header: string, 
/**
 * Put before the secret in the header's value.
 */
prefix: string, secret: SecretSource, };

export type SecretSource = { "from": "env", var: string, };

export type Pricing = { per_call: number, per_1k_input_tokens: number, per_1k_output_tokens: number, };

export type LatencySummary = { p50: number, p95: number, p99: number, mean: number, calls: number, };

export type FailureKind = "timeout" | "rate_limited" | "server_error" | "refused" | "rejected" | "unreachable" | "malformed" | "invalid_answer" | "not_sent";

export type AddVendorRequest = { 
/**
 * Its name in the project.
 */
name: string, 
/**
 * How to reach the service.
 */
connector: Connector, };

export type VendorName = { 
/**
 * The vendor's name.
 */
vendor: string, };

export type VendorInfo = { 
/**
 * Its number.
 */
id: VendorId, 
/**
 * Its name.
 */
name: string, 
/**
 * Its protocol's short name.
 */
protocol: string, 
/**
 * How to reach the service.
 */
connector: Connector, 
/**
 * The environment variable the secret comes from, if the connector uses one.
 */
secret_env: string | null, 
/**
 * Whether that variable is set in this process (its value is never shown).
 */
secret_available: boolean, 
/**
 * When it was added.
 */
created_at: string, };

export type TestVendorRequest = { 
/**
 * The vendor's name.
 */
vendor: string, 
/**
 * The experiment whose first test row is sent.
 */
experiment: ExperimentId, };

export type RequestPreview = { 
/**
 * The HTTP method.
 */
method: string, 
/**
 * The URL.
 */
url: string, 
/**
 * Secret values show as `***`.
 */
headers: Array<Header>, 
/**
 * The JSON body.
 */
body: JsonValue, };

export type VendorTest = { 
/**
 * The request sent.
 */
request: RequestPreview, 
/**
 * The experiment row sent.
 */
row: number, 
/**
 * The row's true answer.
 */
truth: string | null, 
/**
 * The vendor's answer, when there is one.
 */
answer: string | null, 
/**
 * Why there is none, when there is none.
 */
failure: string | null, 
/**
 * How long the call took.
 */
latency_ms: number | null, 
/**
 * Tries it took (retries included).
 */
attempts: number, 
/**
 * Tokens in, as the vendor counted them.
 */
input_tokens: number, 
/**
 * Tokens out.
 */
output_tokens: number, 
/**
 * What the call cost.
 */
cost: number, };

export type EvaluateRequest = { 
/**
 * The vendor's name.
 */
vendor: string, 
/**
 * The experiment whose test rows are sent.
 */
experiment: ExperimentId, 
/**
 * Stop before spending more than this (in the connector's currency).
 */
spend_cap: number | null, };

export type FailureCount = { kind: FailureKind, rows: number, 
/**
 * One of the messages, as an example.
 */
example: string, };

export type EvaluationSummary = { rows: number, answered: number, failed: number, calls: number, 
/**
 * Calls answered from the cache: no HTTP, nothing spent.
 */
cached_calls: number, 
/**
 * Money this evaluation spent.
 */
spent: number, 
/**
 * At the vendor's prices, per 1,000 answered rows (cached ones included).
 */
cost_per_1000: number | null, input_tokens: number, output_tokens: number, 
/**
 * Over the calls that reached the service (cached ones keep their first latency).
 */
latency: LatencySummary | null, 
/**
 * Answered rows per second of this evaluation; none when the cache answered.
 */
throughput_per_s: number | null, 
/**
 * Mean and standard deviation over the folds of the answered rows.
 */
metrics: { [key in string]: MeanStd }, 
/**
 * Per fold: metric → value (as runs keep them), for significance tests.
 */
folds: Array<{ [key in string]: number }>, failures: Array<FailureCount>, };

export type EvaluationInfo = { 
/**
 * Its number.
 */
id: EvaluationId, 
/**
 * The experiment whose rows it sent.
 */
experiment_id: ExperimentId, 
/**
 * The vendor's name (kept after the vendor is removed).
 */
vendor: string, 
/**
 * The connector's protocol.
 */
protocol: string, 
/**
 * Where it is in its life.
 */
status: EvaluationStatus, 
/**
 * How it ended, in words.
 */
message: string | null, 
/**
 * The spend cap it ran under.
 */
spend_cap: number | null, 
/**
 * When it started.
 */
started_at: string, 
/**
 * When it ended.
 */
finished_at: string | null, 
/**
 * How long it took.
 */
wall_ms: number | null, 
/**
 * What it measured.
 */
summary: EvaluationSummary, };

export type EvaluationProgress = { evaluation: EvaluationId, experiment: ExperimentId, vendor: string, done: number, total: number, failed: number, cached: number, spent: number, };

export type ListEvaluationsRequest = { 
/**
 * Of one experiment only.
 */
experiment: ExperimentId | null, };

export type EvaluationRef = { 
/**
 * The evaluation's number.
 */
evaluation: EvaluationId, };

export type EvaluationRowInfo = { 
/**
 * The experiment row.
 */
row: number, 
/**
 * Its true answer.
 */
truth: string | null, 
/**
 * The vendor's answer.
 */
answer: string | null, 
/**
 * Why there is no answer, as a kind.
 */
failure_kind: FailureKind | null, 
/**
 * Why there is no answer, in words.
 */
failure: string | null, 
/**
 * Its call's latency.
 */
latency_ms: number | null, 
/**
 * Tries its call took.
 */
attempts: number, 
/**
 * Its share of its call's cost.
 */
cost: number, 
/**
 * Answered from the cache.
 */
cached: boolean, };

export type EvaluationDetail = { 
/**
 * The evaluation.
 */
evaluation: EvaluationInfo, 
/**
 * Failed rows first, then the others, at most [`DETAIL_ROWS`].
 */
rows: Array<EvaluationRowInfo>, 
/**
 * How many rows it has in all.
 */
rows_total: number, };

export type Agreements = { 
/**
 * The metric the minimum is on (default: the experiment's headline metric).
 */
metric: string | null, 
/**
 * The least the metric may be (the most, for an error metric).
 */
min_metric: number | null, 
/**
 * Milliseconds per call, at the 95th percentile.
 */
max_p95_ms: number | null, 
/**
 * The most 1,000 predictions may cost.
 */
max_cost_per_1000: number | null, 
/**
 * Share of rows without an answer, 0 to 1.
 */
max_error_rate: number | null, };

export type CandidateKind = "local" | "vendor";

export type Candidate = { 
/**
 * Local run or vendor.
 */
kind: CandidateKind, 
/**
 * How a person reads it.
 */
name: string, 
/**
 * The run, for a local candidate.
 */
run: RunId | null, 
/**
 * The evaluation, for a vendor.
 */
evaluation: EvaluationId | null, 
/**
 * Mean and standard deviation of each metric over the folds.
 */
metrics: { [key in string]: MeanStd }, 
/**
 * The agreements' metric (or the headline metric), mean over folds.
 */
score: number | null, 
/**
 * Per call: one row through the service, or one row through the local model.
 */
latency: LatencySummary | null, 
/**
 * Rows predicted per second.
 */
throughput_per_s: number | null, 
/**
 * A local model costs nothing per prediction here; its compute is not priced.
 */
cost_per_1000: number | null, 
/**
 * Share of rows without an answer.
 */
error_rate: number, 
/**
 * How long training took (local runs).
 */
train_ms: number | null, 
/**
 * Time to predict 1,000 rows (a local model, in one batch; a vendor, from its throughput).
 */
inference_ms_per_1000: number | null, 
/**
 * Whether it meets every agreement (none when the project sets none).
 */
meets: boolean | null, 
/**
 * The agreements it misses, in words.
 */
misses: Array<string>, 
/**
 * Why its score cannot be trusted here, if it cannot: a model of this
 * project that learned from rows this experiment tests on. Such a
 * candidate is never marked best.
 */
caution: string | null, 
/**
 * The best candidate that meets the agreements.
 */
best: boolean, };

export type CandidateComparison = { 
/**
 * The experiment.
 */
experiment: ExperimentId, 
/**
 * The metric candidates are scored on.
 */
metric: string, 
/**
 * Which way is better on it.
 */
higher_is_better: boolean, 
/**
 * The agreements they were checked against.
 */
agreements: Agreements, 
/**
 * Whose agreements those are.
 */
agreements_source: AgreementsSource, 
/**
 * The candidates.
 */
candidates: Array<Candidate>, };

export type ServeRequest = { 
/**
 * `name`, `name:3` or `name@alias`.
 */
model: string, 
/**
 * 0 or none: any free port.
 */
port: number | null, };

export type ServedInfo = { 
/**
 * The model's name.
 */
model: string, 
/**
 * Its version.
 */
version: number, 
/**
 * The server's base URL.
 */
url: string, 
/**
 * Open Inference Protocol v2.
 */
infer_url: string, 
/**
 * MLflow scoring.
 */
invocations_url: string, 
/**
 * Prometheus metrics.
 */
metrics_url: string, 
/**
 * A request with one row, in the Open Inference Protocol.
 */
sample_oip: JsonValue, 
/**
 * The same row for MLflow scoring.
 */
sample_mlflow: JsonValue, 
/**
 * The OIP sample as a curl command.
 */
curl: string, 
/**
 * Said when the port it was served on before was taken, so it moved.
 */
port_note: string | null, };

export type AddServedVendorRequest = { 
/**
 * A served version: `name`, `name:3` or `name@alias`.
 */
model: string, 
/**
 * The vendor's name (default `served-<name>-<version>`).
 */
vendor: string | null, };

export type SendToServedRequest = { 
/**
 * A served version: `name`, `name:3` or `name@alias`.
 */
model: string, 
/**
 * An Open Inference Protocol v2 request body.
 */
body: unknown, };

export type ArchiveRunsRequest = { 
/**
 * These runs.
 */
runs: Array<RunId>, 
/**
 * True to archive them, false to bring them back (undo).
 */
archived: boolean, };

export type ServedAnswer = { 
/**
 * The HTTP status.
 */
status: number, 
/**
 * From sending the request to reading the whole answer.
 */
elapsed_ms: number, 
/**
 * The body (JSON; a body that is not JSON is given as a string).
 */
body: unknown, 
/**
 * The classes the `probabilities` output's columns stand for.
 */
classes: Array<string>, };

export interface Operations {
  /** The project this session works on, if any. */
  current_project: { request: Empty; response: ProjectSummary | null };
  /** Creates a project in a folder and makes it current. */
  create_project: { request: ProjectPath; response: ProjectSummary };
  /** Opens the project in a folder (or a parent) and makes it current. */
  open_project: { request: ProjectPath; response: ProjectSummary };
  /** What a folder holds, for choosing a file or a project folder; within */
  /** the folders the session may use. */
  list_folder: { request: FolderRequest; response: FolderListing };
  list_datasets: { request: Empty; response: Array<DatasetInfo> };
  /** The first rows of a file as an import would read them, its dialect and types, and whether it is imported already. */
  inspect_import: { request: ImportRequest; response: ImportPreview };
  /** Imports a file (CSV, TSV, Parquet, JSON); progress arrives as events. */
  import_dataset: { request: ImportRequest; response: ImportOutcome };
  show_dataset: { request: DatasetName; response: DatasetInfo };
  /** A page of rows, sorted and filtered, fetched from the snapshot. */
  preview_dataset: { request: PreviewDatasetRequest; response: QueryOutput };
  /** A dataset's profile (computed as a job the first time). */
  profile_dataset: { request: DatasetName; response: DatasetProfile };
  /** Which columns can be targets and which are features by default (not row numbers or ids). */
  suggest_experiment: { request: DatasetName; response: ExperimentSuggestion };
  /** SQL over the project's datasets, each a table named as the dataset. */
  query_datasets: { request: QueryRequest; response: QueryOutput };
  remove_dataset: { request: DatasetName; response: DatasetInfo };
  /** The models a spec can use, with their parameter spaces. */
  model_catalog: { request: Empty; response: Array<ModelSpec> };
  /** Parses a spec file's text (TOML), reporting the line of an error. */
  parse_spec: { request: SpecText; response: ExperimentSpec };
  /** A spec as TOML, to save and run anywhere. */
  spec_to_toml: { request: CreateExperimentRequest; response: SpecText };
  /** Records a spec as an experiment with its runs queued. */
  create_experiment: { request: CreateExperimentRequest; response: ExperimentDetail };
  /** Runs an experiment's unfinished runs as a job (resuming stopped ones); each start, fold, step and end arrives as an event. */
  run_experiment: { request: RunExperimentRequest; response: ExperimentOutcome };
  list_experiments: { request: Empty; response: Array<ExperimentInfo> };
  show_experiment: { request: ExperimentRef; response: ExperimentDetail };
  list_runs: { request: ListRunsRequest; response: Array<RunInfo> };
  /** A page of the runs table, filtered and sorted by the database. */
  query_runs: { request: RunQuery; response: RunPage };
  show_run: { request: RunRef; response: RunDetail };
  /** Copies experiments and runs (params, tags, metric histories, artifacts) from an MLflow tracking server, as a job. */
  import_mlflow: { request: ImportMlflowRequest; response: ImportMlflowOutcome };
  /** Where notebooks and scripts log into the open project (MLflow's tracking URI and token); starts the server. */
  tracking_info: { request: Empty; response: TrackingInfo };
  /** A command trial's output from a byte offset, readable while it runs. */
  run_log: { request: RunLogRequest; response: RunLog };
  /** The notebook a run executed (papermill's output), as its JSON, if it has one. */
  run_notebook: { request: RunRef; response: JsonValue | null };
  /** A run's metric histories as curves over steps, downsampled. */
  metric_history: { request: MetricHistoryRequest; response: MetricHistory };
  /** A run's confusion matrix and curves, downsampled for drawing. */
  run_charts: { request: RunRef; response: RunCharts };
  /** Runs a spec with `[[datasets]]`: one experiment per dataset, then the models compared across them. */
  run_study: { request: CreateExperimentRequest; response: StudyOutcome };
  /** The project's studies (multi-dataset specs run), by name. */
  list_studies: { request: Empty; response: Array<string> };
  /** A study's models × datasets: ranks, Friedman, Nemenyi's critical difference. */
  compare_datasets: { request: StudyRef; response: DatasetComparison };
  /** Runs side by side on one metric, with the corrected resampled t-test. */
  compare_runs: { request: CompareRunsRequest; response: RunComparison };
  /** Promotes a succeeded run to the next version of a model, with its package. */
  register_model: { request: RegisterModelRequest; response: ModelVersionDetail };
  list_models: { request: Empty; response: Array<ModelVersionInfo> };
  /** A version (`name`, `name:3`, `name@alias`) with its model card. */
  show_model: { request: ModelRef; response: ModelVersionDetail };
  set_model_alias: { request: SetAliasRequest; response: ModelVersionInfo };
  /** Adds a storage target: a folder, or an S3 bucket (credentials come from the environment). */
  add_storage: { request: AddStorageRequest; response: StorageTargetInfo };
  list_storage: { request: Empty; response: Array<StorageTargetInfo> };
  /** Writes, reads back and deletes a small object in a target. */
  test_storage: { request: StorageName; response: StorageTargetInfo };
  /** Publishes a version to a target; progress arrives as transfer events. */
  publish_model: { request: PublishRequest; response: PublishOutcome };
  /** The versions a target holds (whole ones only). */
  list_published: { request: StorageName; response: Array<RemoteVersion> };
  /** Fetches a published version into this project, every file checked. */
  fetch_model: { request: FetchRequest; response: ModelVersionDetail };
  /** Pushes an experiment with its snapshot, runs, files and evaluations to a target as a bundle. */
  push_experiment: { request: PushRequest; response: PushOutcome };
  /** The experiment bundles a target holds (whole ones only). */
  list_bundles: { request: StorageName; response: Array<string> };
  /** Pulls a bundle into this project, every file checked. */
  pull_experiment: { request: PullRequest; response: PullOutcome };
  /** Runs an experiment's spec again on its snapshot and compares the runs bit for bit. */
  reproduce_experiment: { request: ExperimentRef; response: ReproduceReport };
  /** Writes a note on the project, an experiment, a run or a model version. */
  add_note: { request: AddNoteRequest; response: NoteInfo };
  /** Changes a note's text. */
  edit_note: { request: EditNoteRequest; response: NoteInfo };
  /** Removes a note. */
  delete_note: { request: NoteRef; response: Empty };
  /** The notes on a subject, oldest first, with their links looked up. */
  list_notes: { request: NotesRequest; response: Array<NoteInfo> };
  /** The project's history, newest first. */
  journal: { request: JournalRequest; response: Array<JournalEntry> };
  /** Compute time, vendor spend and budgets, summed from the records. */
  ledger: { request: Empty; response: Ledger };
  /** What a storage target holds: bytes, packages, bundles, and bundle files no index names. */
  storage_inventory: { request: StorageName; response: Inventory };
  /** Sets a vendor's (or all vendors') monthly budget. */
  set_budget: { request: SetBudgetRequest; response: BudgetInfo };
  /** Removes a budget. */
  remove_budget: { request: RemoveBudgetRequest; response: Empty };
  /** Writes an experiment's report: one self-contained HTML file in the project's exports. */
  write_report: { request: ReportRequest; response: ReportOutcome };
  /** Adds a vendor connector (the secret's source is kept, never the secret). */
  add_vendor: { request: AddVendorRequest; response: VendorInfo };
  list_vendors: { request: Empty; response: Array<VendorInfo> };
  /** Sends an experiment's first test row through a vendor: the request, the answer, latency and cost. */
  test_vendor: { request: TestVendorRequest; response: VendorTest };
  /** Removes a connector; its evaluations stay. */
  remove_vendor: { request: VendorName; response: VendorInfo };
  /** Sends an experiment's test rows through a vendor and scores the answers; progress arrives as events. */
  evaluate_vendor: { request: EvaluateRequest; response: EvaluationInfo };
  /** Asks a running evaluation to stop (through its job). */
  cancel_evaluation: { request: EvaluationRef; response: EvaluationInfo };
  /** Evaluations, newest first. */
  list_evaluations: { request: ListEvaluationsRequest; response: Array<EvaluationInfo> };
  /** An evaluation with its rows (failed ones first). */
  show_evaluation: { request: EvaluationRef; response: EvaluationDetail };
  get_agreements: { request: Empty; response: Agreements };
  /** Sets what a chosen model must meet: a minimum metric, a maximum p95 latency, cost and error rate. */
  set_agreements: { request: Agreements; response: Agreements };
  /** The agreements an experiment is judged by (its own, else the project's for its task), and whose they are. */
  experiment_agreements: { request: ExperimentRef; response: ExperimentAgreements };
  /** Gives an experiment agreements of its own, or (none) returns it to the project's. */
  set_experiment_agreements: { request: SetExperimentAgreementsRequest; response: ExperimentAgreements };
  /** Serves a version on 127.0.0.1 from this process (OIP v2 and MLflow), with sample requests. */
  serve_model: { request: ServeRequest; response: ServedInfo };
  /** The versions this process serves. */
  list_served: { request: Empty; response: Array<ServedInfo> };
  /** Stops serving a version. */
  stop_serving: { request: ModelRef; response: ServedInfo };
  /** Sends an OIP request to a served version over HTTP and gives its answer. */
  send_to_served: { request: SendToServedRequest; response: ServedAnswer };
  /** Adds a served version as a vendor connector, so the comparison covers it. */
  add_served_vendor: { request: AddServedVendorRequest; response: VendorInfo };
  /** Local runs and vendor evaluations of an experiment side by side, against the agreements. */
  compare_candidates: { request: ExperimentRef; response: CandidateComparison };
  /** Cancels runs: queued ones at once, running ones within a second or so (keeping their finished folds). */
  cancel_runs: { request: CancelRunsRequest; response: Affected };
  /** Archives finished runs (hidden from the table, comparisons and MLflow searches; files kept), or brings them back. */
  /** Sets (or removes) a tag on runs; `tag:key` in the runs filter finds them. */
  tag_runs: { request: TagRunsRequest; response: Affected };
  archive_runs: { request: ArchiveRunsRequest; response: Affected };
  /** The running and recent jobs of the project (of every process), running ones first. */
  list_jobs: { request: ListJobsRequest; response: Array<JobInfo> };
  /** One job. */
  show_job: { request: JobRef; response: JobInfo };
  /** Asks a job to stop, whichever window or process runs it. */
  cancel_job: { request: JobRef; response: JobInfo };
}

export const OPERATIONS = ["current_project","create_project","open_project","list_folder","list_datasets","inspect_import","import_dataset","show_dataset","preview_dataset","profile_dataset","suggest_experiment","query_datasets","remove_dataset","model_catalog","parse_spec","spec_to_toml","create_experiment","run_experiment","list_experiments","show_experiment","list_runs","query_runs","show_run","import_mlflow","tracking_info","run_log","run_notebook","metric_history","run_charts","run_study","list_studies","compare_datasets","compare_runs","register_model","list_models","show_model","set_model_alias","add_storage","list_storage","test_storage","publish_model","list_published","fetch_model","push_experiment","list_bundles","pull_experiment","reproduce_experiment","add_note","edit_note","delete_note","list_notes","journal","ledger","storage_inventory","set_budget","remove_budget","write_report","add_vendor","list_vendors","test_vendor","remove_vendor","evaluate_vendor","cancel_evaluation","list_evaluations","show_evaluation","get_agreements","set_agreements","experiment_agreements","set_experiment_agreements","serve_model","list_served","stop_serving","send_to_served","add_served_vendor","compare_candidates","cancel_runs","tag_runs","archive_runs","list_jobs","show_job","cancel_job"] as const;

/** Every metric the lab computes: its task, its direction, and whether it is its task's headline (datalab_ml::metric_facts). */
export const METRICS: readonly MetricFact[] = [
  {
    "name": "accuracy",
    "label": "accuracy",
    "task": "classification",
    "higher_is_better": true,
    "headline": true
  },
  {
    "name": "f1_macro",
    "label": "F1 (macro)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "precision_macro",
    "label": "precision (macro)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "recall_macro",
    "label": "recall (macro)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "f1_weighted",
    "label": "F1 (weighted)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "precision_weighted",
    "label": "precision (weighted)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "recall_weighted",
    "label": "recall (weighted)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "roc_auc",
    "label": "ROC AUC",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "log_loss",
    "label": "log loss",
    "task": "classification",
    "higher_is_better": false,
    "headline": false
  },
  {
    "name": "f1",
    "label": "F1 (positive class)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "precision",
    "label": "precision (positive class)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "recall",
    "label": "recall (positive class)",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "threshold",
    "label": "decision threshold",
    "task": "classification",
    "higher_is_better": true,
    "headline": false
  },
  {
    "name": "r2",
    "label": "R²",
    "task": "regression",
    "higher_is_better": true,
    "headline": true
  },
  {
    "name": "rmse",
    "label": "RMSE",
    "task": "regression",
    "higher_is_better": false,
    "headline": false
  },
  {
    "name": "mae",
    "label": "MAE",
    "task": "regression",
    "higher_is_better": false,
    "headline": false
  },
  {
    "name": "silhouette",
    "label": "silhouette",
    "task": "clustering",
    "higher_is_better": true,
    "headline": true
  },
  {
    "name": "inertia",
    "label": "inertia",
    "task": "clustering",
    "higher_is_better": false,
    "headline": false
  },
  {
    "name": "clusters",
    "label": "clusters",
    "task": "clustering",
    "higher_is_better": true,
    "headline": false
  }
];
