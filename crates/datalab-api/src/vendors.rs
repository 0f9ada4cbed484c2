//! Vendor operations: add, list, test and remove connectors; evaluate one on
//! an experiment's test rows (the same rows and folds its local runs were
//! tested on, scored by the same metrics); the project's agreements; and
//! the comparison of local runs and vendors side by side.

use crate::error::{ApiError, ErrorCode};
use crate::experiments::{RunInfo, prepare_data};
use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::trial::{ExternalAnswer, MeanStd, TargetColumn, TrainedModel};
use datalab_project::{
    CachedResponse, EvaluationId, EvaluationRecord, EvaluationRow, EvaluationStatus, ExperimentId,
    Project, RunId, RunStatus, VendorId,
};
use datalab_vendors::{
    Answer, CachedBody, CallRecord, Column, Connector, Expected, FailureKind, LatencySummary, Plan,
    Rows, Secret, Stop,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

fn vendor_error(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Vendor, message)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AddVendorRequest {
    pub name: String,
    pub connector: Connector,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VendorName {
    pub vendor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VendorInfo {
    pub id: VendorId,
    pub name: String,
    pub protocol: String,
    pub connector: Connector,
    /// The environment variable the secret comes from, if the connector uses one.
    pub secret_env: Option<String>,
    /// Whether that variable is set in this process (its value is never shown).
    pub secret_available: bool,
    pub created_at: String,
}

fn vendor_info(record: &datalab_project::VendorRecord) -> Result<VendorInfo, ApiError> {
    let connector: Connector = serde_json::from_str(&record.config_json).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!(
                "vendor '{}' has a configuration this build cannot read: {e}",
                record.name
            ),
        )
    })?;
    let secret_env = connector.auth.as_ref().map(|auth| {
        let datalab_vendors::SecretSource::Env { var } = &auth.secret;
        var.clone()
    });
    let secret_available = connector
        .auth
        .as_ref()
        .is_none_or(|auth| Secret::resolve(&auth.secret).is_ok());
    Ok(VendorInfo {
        id: record.id,
        name: record.name.clone(),
        protocol: record.protocol.clone(),
        connector,
        secret_env,
        secret_available,
        created_at: record.created_at.clone(),
    })
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        return Err(invalid(format!(
            "'{name}' cannot name a vendor: use up to 64 letters, digits, '-', '_' or '.'"
        )));
    }
    Ok(())
}

/// Records a connector. Nothing secret is stored: only where the secret comes from.
pub fn add_vendor(project: &Project, request: &AddVendorRequest) -> Result<VendorInfo, ApiError> {
    check_name(&request.name)?;
    request
        .connector
        .check()
        .map_err(|e| invalid(format!("vendor '{}': {e}", request.name)))?;
    let config = serde_json::to_string(&request.connector)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let record =
        project.insert_vendor(&request.name, request.connector.protocol.name(), &config)?;
    vendor_info(&record)
}

pub fn list_vendors(project: &Project) -> Result<Vec<VendorInfo>, ApiError> {
    project.vendors()?.iter().map(vendor_info).collect()
}

/// Removes a connector; its evaluations stay, under its name.
pub fn remove_vendor(project: &Project, name: &str) -> Result<VendorInfo, ApiError> {
    vendor_info(&project.remove_vendor(name)?)
}

/// An experiment's rows as a vendor receives them, with the truth to score
/// against and the test rows of each fold.
struct TestData {
    rows: Rows,
    expected: Expected,
    target: TargetColumn,
    folds: Vec<Vec<usize>>,
    features: Vec<InputColumn>,
}

fn test_data(project: &Project, experiment: ExperimentId) -> Result<TestData, ApiError> {
    let record = project.experiment(experiment)?;
    let spec = crate::parse_spec(&record.spec_toml)?;
    let (_, features, target) = prepare_data(project, &spec)?;
    let expected = match &target {
        TargetColumn::Classes { labels, .. } => Expected::Labels(labels.clone()),
        TargetColumn::Numbers(_) => Expected::Number,
        TargetColumn::None => {
            return Err(invalid(format!(
                "experiment {experiment} is clustering: vendors are compared on classification and regression"
            )));
        }
    };
    let folds = datalab_ml::trial::test_rows(&features, &target, spec.validation, spec.seed)
        .map_err(|e| invalid(e.to_string()))?;
    let count = features.first().map_or(0, |c| c.values.len());
    let columns = features
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            numeric: matches!(c.values, ColumnValues::Numbers(_)),
        })
        .collect();
    let values = (0..count)
        .map(|row| {
            features
                .iter()
                .map(|c| match &c.values {
                    ColumnValues::Numbers(v) => v[row].map_or(serde_json::Value::Null, |x| {
                        serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
                    }),
                    ColumnValues::Texts(v) => v[row]
                        .clone()
                        .map_or(serde_json::Value::Null, serde_json::Value::String),
                })
                .collect()
        })
        .collect();
    Ok(TestData {
        rows: Rows { columns, values },
        expected,
        target,
        folds,
        features,
    })
}

/// The rows of `data.rows` to send, in fold order (every row of a k-fold, the test part of a holdout).
fn rows_to_send(data: &TestData) -> Vec<usize> {
    let mut rows: Vec<usize> = data.folds.iter().flatten().copied().collect();
    let mut seen = vec![false; data.rows.values.len()];
    rows.retain(|&r| r < seen.len() && !std::mem::replace(&mut seen[r], true));
    rows
}

fn subset(rows: &Rows, picked: &[usize]) -> Rows {
    Rows {
        columns: rows.columns.clone(),
        values: picked.iter().map(|&r| rows.values[r].clone()).collect(),
    }
}

fn resolve_secret(connector: &Connector) -> Result<Option<Secret>, ApiError> {
    connector
        .auth
        .as_ref()
        .map(|auth| Secret::resolve(&auth.secret).map_err(vendor_error))
        .transpose()
}

fn truth_text(target: &TargetColumn, row: usize) -> Option<String> {
    match target {
        TargetColumn::Classes { labels, values } => values.get(row).map(|&v| labels[v].clone()),
        TargetColumn::Numbers(values) => values.get(row).map(|v| format!("{v}")),
        TargetColumn::None => None,
    }
}

/// The first row an evaluation of `experiment` sends, by column name.
pub(crate) fn first_test_row(
    project: &Project,
    experiment: ExperimentId,
) -> Result<Vec<(String, serde_json::Value)>, ApiError> {
    let data = test_data(project, experiment)?;
    let row = *rows_to_send(&data)
        .first()
        .ok_or_else(|| invalid("the experiment has no test rows"))?;
    Ok(data
        .rows
        .column_names()
        .into_iter()
        .zip(data.rows.values[row].iter().cloned())
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TestVendorRequest {
    pub vendor: String,
    /// The experiment whose first test row is sent.
    pub experiment: ExperimentId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RequestPreview {
    pub method: String,
    pub url: String,
    /// Secret values show as `***`.
    pub headers: Vec<datalab_vendors::Header>,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VendorTest {
    pub request: RequestPreview,
    pub row: u64,
    pub truth: Option<String>,
    pub answer: Option<String>,
    pub failure: Option<String>,
    pub latency_ms: Option<f64>,
    pub attempts: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost: f64,
}

/// Sends one test row through a connector (never from the cache) and shows
/// the request, the answer and what it cost.
pub fn test_vendor(project: &Project, request: &TestVendorRequest) -> Result<VendorTest, ApiError> {
    let vendor = vendor_info(&project.vendor(&request.vendor)?)?;
    let data = test_data(project, request.experiment)?;
    let row = *rows_to_send(&data)
        .first()
        .ok_or_else(|| invalid("the experiment has no test rows"))?;
    let plan = Plan::new(
        &vendor.connector,
        &subset(&data.rows, &[row]),
        &data.expected,
    )
    .map_err(|e| invalid(format!("vendor '{}': {e}", vendor.name)))?;
    let preview = plan
        .preview(0)
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "no request was built"))?;
    let secret = resolve_secret(&vendor.connector)?;
    let mut record: Option<CallRecord> = None;
    plan.run(
        secret.as_ref(),
        &HashMap::new(),
        None,
        &AtomicBool::new(false),
        &mut |call| record = Some(call),
    )
    .map_err(vendor_error)?;
    let call =
        record.ok_or_else(|| ApiError::new(ErrorCode::Internal, "the call reported nothing"))?;
    let (answer, failure) = match call.answers.first() {
        Some(Ok(answer)) => (Some(answer.text(&data.expected)), None),
        Some(Err(failure)) => (None, Some(failure.message.clone())),
        None => (None, Some("no answer".to_string())),
    };
    Ok(VendorTest {
        request: RequestPreview {
            method: preview.method,
            url: preview.url,
            headers: preview
                .headers
                .into_iter()
                .map(|(name, value)| datalab_vendors::Header { name, value })
                .collect(),
            body: preview.body,
        },
        row: row as u64,
        truth: truth_text(&data.target, row),
        answer,
        failure,
        latency_ms: call.latency_ms,
        attempts: call.attempts,
        input_tokens: call.usage.input_tokens,
        output_tokens: call.usage.output_tokens,
        cost: call.cost,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluateRequest {
    pub vendor: String,
    pub experiment: ExperimentId,
    /// Stop before spending more than this (in the connector's currency).
    #[serde(default)]
    pub spend_cap: Option<f64>,
}

/// How many rows failed for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FailureCount {
    pub kind: FailureKind,
    pub rows: u64,
    /// One of the messages, as an example.
    pub example: String,
}

/// What an evaluation measured, kept with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationSummary {
    pub rows: u64,
    pub answered: u64,
    pub failed: u64,
    pub calls: u64,
    /// Calls answered from the cache: no HTTP, nothing spent.
    pub cached_calls: u64,
    /// Money this evaluation spent.
    pub spent: f64,
    /// At the vendor's prices, per 1,000 answered rows (cached ones included).
    pub cost_per_1000: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Over the calls that reached the service (cached ones keep their first latency).
    pub latency: Option<LatencySummary>,
    /// Answered rows per second of this evaluation; none when the cache answered.
    pub throughput_per_s: Option<f64>,
    /// Mean and standard deviation over the folds of the answered rows.
    pub metrics: BTreeMap<String, MeanStd>,
    /// Per fold: metric → value (as runs keep them), for significance tests.
    pub folds: Vec<BTreeMap<String, f64>>,
    pub failures: Vec<FailureCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationInfo {
    pub id: EvaluationId,
    pub experiment_id: ExperimentId,
    pub vendor: String,
    pub protocol: String,
    pub status: EvaluationStatus,
    pub message: Option<String>,
    pub spend_cap: Option<f64>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub wall_ms: Option<f64>,
    pub summary: EvaluationSummary,
}

fn evaluation_info(record: EvaluationRecord) -> EvaluationInfo {
    let protocol = serde_json::from_str::<Connector>(&record.config_json)
        .map(|c| c.protocol.name().to_string())
        .unwrap_or_default();
    EvaluationInfo {
        id: record.id,
        experiment_id: record.experiment_id,
        vendor: record.vendor_name,
        protocol,
        status: record.status,
        message: record.message,
        spend_cap: record.spend_cap,
        started_at: record.started_at,
        finished_at: record.finished_at,
        wall_ms: record.wall_ms,
        summary: record
            .summary_json
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
    }
}

/// Progress of an evaluation, as events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationProgress {
    pub evaluation: EvaluationId,
    pub experiment: ExperimentId,
    pub vendor: String,
    pub done: u64,
    pub total: u64,
    pub failed: u64,
    pub cached: u64,
    pub spent: f64,
}

/// Rows recorded per transaction while an evaluation runs.
const ROWS_PER_WRITE: usize = 256;

/// Sends an experiment's test rows through a vendor, records every row
/// (answer or failure, latency, tokens, cost), and scores the answers fold
/// by fold as local runs are scored. Answers already cached cost nothing.
pub fn evaluate_vendor(
    project: &Project,
    request: &EvaluateRequest,
    progress: &dyn Fn(EvaluationProgress),
    cancel: &AtomicBool,
) -> Result<EvaluationInfo, ApiError> {
    if let Some(cap) = request.spend_cap
        && !(cap >= 0.0 && cap.is_finite())
    {
        return Err(invalid("the spend cap must be a number of 0 or more"));
    }
    let vendor_record = project.vendor(&request.vendor)?;
    let vendor = vendor_info(&vendor_record)?;
    let data = test_data(project, request.experiment)?;
    let sent_rows = rows_to_send(&data);
    let plan = Plan::new(
        &vendor.connector,
        &subset(&data.rows, &sent_rows),
        &data.expected,
    )
    .map_err(|e| invalid(format!("vendor '{}': {e}", vendor.name)))?;
    let secret = resolve_secret(&vendor.connector)?;
    let cached: HashMap<String, CachedBody> = project
        .cached_responses(&plan.request_hashes())?
        .into_iter()
        .map(|(hash, hit)| {
            (
                hash,
                CachedBody {
                    body: hit.response,
                    latency_ms: hit.latency_ms,
                },
            )
        })
        .collect();
    let evaluation = project.start_evaluation(
        request.experiment,
        &vendor_record,
        request.spend_cap,
        std::process::id(),
    )?;
    let started = Instant::now();
    let total = sent_rows.len() as u64;
    // The id is known from the first event on, so a UI can cancel at once.
    progress(EvaluationProgress {
        evaluation: evaluation.id,
        experiment: request.experiment,
        vendor: vendor.name.clone(),
        done: 0,
        total,
        failed: 0,
        cached: 0,
        spent: 0.0,
    });
    // Stops on the caller's flag (Ctrl-C, a closed window) or on a cancel
    // recorded in the database by another process or window.
    let stop = AtomicBool::new(false);
    let finished = AtomicBool::new(false);
    let mut answers: Vec<Option<ExternalAnswer>> = vec![None; data.rows.values.len()];
    let mut buffer: Vec<EvaluationRow> = Vec::new();
    let mut to_cache: Vec<(String, CachedResponse)> = Vec::new();
    let mut latencies: Vec<f64> = Vec::new();
    let mut failures: BTreeMap<FailureKind, FailureCount> = BTreeMap::new();
    let (mut done, mut failed, mut cached_calls, mut calls) = (0u64, 0u64, 0u64, 0u64);
    let (mut spent, mut priced, mut input_tokens, mut output_tokens) = (0.0, 0.0, 0u64, 0u64);
    let mut write_error: Option<ApiError> = None;
    let mut flush = |buffer: &mut Vec<EvaluationRow>,
                     to_cache: &mut Vec<(String, CachedResponse)>| {
        let written = project
            .record_evaluation_rows(evaluation.id, buffer)
            .and_then(|()| project.cache_responses(to_cache));
        if let Err(e) = written
            && write_error.is_none()
        {
            write_error = Some(e.into());
        }
        buffer.clear();
        to_cache.clear();
    };
    let root = project.root().to_path_buf();
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| watch_cancel(&root, evaluation.id, cancel, &stop, &finished));
        let outcome = plan.run(
            secret.as_ref(),
            &cached,
            request.spend_cap,
            &stop,
            &mut |call| {
                calls += 1;
                if call.cached {
                    cached_calls += 1;
                } else {
                    spent += call.cost;
                }
                latencies.extend(call.latency_ms);
                input_tokens += call.usage.input_tokens;
                output_tokens += call.usage.output_tokens;
                let share = 1.0 / call.rows.len().max(1) as f64;
                for (position, answer) in call.rows.iter().zip(&call.answers) {
                    let row = sent_rows[*position];
                    done += 1;
                    let mut record = EvaluationRow {
                        row_index: row as u64,
                        answer: None,
                        failure_kind: None,
                        failure: None,
                        call_index: call.latency_ms.map(|_| call.call_index as u64),
                        latency_ms: call.latency_ms,
                        attempts: call.attempts,
                        input_tokens: (call.usage.input_tokens as f64 * share).round() as u64,
                        output_tokens: (call.usage.output_tokens as f64 * share).round() as u64,
                        cost: call.cost * share,
                        cached: call.cached,
                    };
                    match answer {
                        Ok(answer) => {
                            priced += call.cost * share;
                            record.answer = Some(answer.text(&data.expected));
                            answers[row] = Some(match answer {
                                Answer::Label(i) => ExternalAnswer::Class(*i),
                                Answer::Number(x) => ExternalAnswer::Value(*x),
                            });
                        }
                        Err(failure) => {
                            failed += 1;
                            record.failure_kind = Some(failure.kind.as_str().to_string());
                            record.failure = Some(failure.message.clone());
                            failures
                                .entry(failure.kind)
                                .or_insert_with(|| FailureCount {
                                    kind: failure.kind,
                                    rows: 0,
                                    example: failure.message.clone(),
                                })
                                .rows += 1;
                        }
                    }
                    buffer.push(record);
                }
                if let Some((hash, body)) = call.to_cache {
                    to_cache.push((
                        hash,
                        CachedResponse {
                            response: body.body,
                            latency_ms: body.latency_ms,
                        },
                    ));
                }
                if buffer.len() >= ROWS_PER_WRITE {
                    flush(&mut buffer, &mut to_cache);
                }
                progress(EvaluationProgress {
                    evaluation: evaluation.id,
                    experiment: request.experiment,
                    vendor: vendor.name.clone(),
                    done,
                    total,
                    failed,
                    cached: cached_calls,
                    spent,
                });
            },
        );
        finished.store(true, Ordering::SeqCst);
        outcome
    });
    flush(&mut buffer, &mut to_cache);
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let end = match outcome {
        Ok(end) => end,
        Err(message) => {
            let message = datalab_vendors::redact(secret.as_ref(), &message);
            project.finish_evaluation(
                evaluation.id,
                EvaluationStatus::Failed,
                Some(&message),
                wall_ms,
                None,
            )?;
            return Err(vendor_error(message));
        }
    };
    if let Some(error) = write_error {
        let _ = project.finish_evaluation(
            evaluation.id,
            EvaluationStatus::Failed,
            Some(&error.message),
            wall_ms,
            None,
        );
        return Err(error);
    }
    let (folds, metrics) = datalab_ml::trial::score_external(&data.target, &data.folds, &answers);
    let answered = total - failed;
    let summary = EvaluationSummary {
        rows: total,
        answered,
        failed,
        calls,
        cached_calls,
        spent,
        cost_per_1000: (answered > 0).then(|| priced / answered as f64 * 1000.0),
        input_tokens,
        output_tokens,
        latency: datalab_vendors::latency_summary(&latencies),
        throughput_per_s: (cached_calls == 0 && answered > 0)
            .then(|| answered as f64 / (end.wall_ms / 1e3).max(1e-9)),
        metrics,
        folds: folds
            .iter()
            .map(|f| {
                f.metrics
                    .as_ref()
                    .map(|m| {
                        m.scalars()
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect(),
        failures: failures.into_values().collect(),
    };
    let (status, message) = match &end.stopped {
        Some(Stop::Cancelled) => (EvaluationStatus::Cancelled, Some("cancelled".to_string())),
        Some(Stop::SpendCap { cap }) => (
            EvaluationStatus::Capped,
            Some(format!(
                "stopped at the spend cap of {cap}: {spent:.4} spent, {} of {total} rows not sent",
                summary
                    .failures
                    .iter()
                    .filter(|f| f.kind == FailureKind::NotSent)
                    .map(|f| f.rows)
                    .sum::<u64>()
            )),
        ),
        Some(Stop::Refused { message }) => (EvaluationStatus::Failed, Some(message.clone())),
        None if answered == 0 => (
            EvaluationStatus::Failed,
            Some(
                summary
                    .failures
                    .first()
                    .map(|f| format!("no row was answered: {}", f.example))
                    .unwrap_or_else(|| "no row was answered".into()),
            ),
        ),
        None if cached_calls == calls => (
            EvaluationStatus::Succeeded,
            Some(format!(
                "all {calls} calls answered from the cache: nothing spent"
            )),
        ),
        None => (EvaluationStatus::Succeeded, None),
    };
    let message = message.map(|m| datalab_vendors::redact(secret.as_ref(), &m));
    let summary_json = serde_json::to_string(&summary)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let record = project.finish_evaluation(
        evaluation.id,
        status,
        message.as_deref(),
        wall_ms,
        Some(&summary_json),
    )?;
    Ok(evaluation_info(record))
}

/// Polls for a reason to stop until the evaluation has finished.
fn watch_cancel(
    root: &std::path::Path,
    id: EvaluationId,
    cancel: &AtomicBool,
    stop: &AtomicBool,
    finished: &AtomicBool,
) {
    let project = Project::open(root).ok();
    let mut polls = 0u32;
    while !finished.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(50));
        polls += 1;
        let asked = cancel.load(Ordering::SeqCst)
            || (polls.is_multiple_of(4)
                && project
                    .as_ref()
                    .is_some_and(|p| p.evaluation_cancel_requested(id).unwrap_or(false)));
        if asked {
            stop.store(true, Ordering::SeqCst);
            return;
        }
    }
}

/// Asks a running evaluation to stop; the rows not sent are recorded as such.
pub fn cancel_evaluation(project: &Project, id: EvaluationId) -> Result<EvaluationInfo, ApiError> {
    project.request_evaluation_cancel(id)?;
    Ok(evaluation_info(project.evaluation(id)?))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListEvaluationsRequest {
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
}

pub fn list_evaluations(
    project: &Project,
    experiment: Option<ExperimentId>,
) -> Result<Vec<EvaluationInfo>, ApiError> {
    Ok(project
        .evaluations(experiment)?
        .into_iter()
        .map(evaluation_info)
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationRef {
    pub evaluation: EvaluationId,
}

/// One row of an evaluation, as a person checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationRowInfo {
    pub row: u64,
    pub truth: Option<String>,
    pub answer: Option<String>,
    pub failure_kind: Option<FailureKind>,
    pub failure: Option<String>,
    pub latency_ms: Option<f64>,
    pub attempts: u32,
    pub cost: f64,
    pub cached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationDetail {
    pub evaluation: EvaluationInfo,
    /// Failed rows first, then the others, at most [`DETAIL_ROWS`].
    pub rows: Vec<EvaluationRowInfo>,
    pub rows_total: u64,
}

/// Rows an evaluation's detail carries.
pub const DETAIL_ROWS: usize = 1_000;

pub fn show_evaluation(project: &Project, id: EvaluationId) -> Result<EvaluationDetail, ApiError> {
    let record = project.evaluation(id)?;
    let truth = test_data(project, record.experiment_id)
        .ok()
        .map(|d| d.target);
    let mut rows = project.evaluation_rows(id)?;
    let rows_total = rows.len() as u64;
    rows.sort_by_key(|r| (r.failure.is_none(), r.row_index));
    rows.truncate(DETAIL_ROWS);
    Ok(EvaluationDetail {
        evaluation: evaluation_info(record),
        rows: rows
            .into_iter()
            .map(|r| EvaluationRowInfo {
                row: r.row_index,
                truth: truth
                    .as_ref()
                    .and_then(|t| truth_text(t, r.row_index as usize)),
                answer: r.answer,
                failure_kind: r.failure_kind.as_deref().and_then(FailureKind::parse),
                failure: r.failure,
                latency_ms: r.latency_ms,
                attempts: r.attempts,
                cost: r.cost,
                cached: r.cached,
            })
            .collect(),
        rows_total,
    })
}

/// What the project expects of a model it would choose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Agreements {
    /// The metric the minimum is on (default: the experiment's headline metric).
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub min_metric: Option<f64>,
    /// Milliseconds per call, at the 95th percentile.
    #[serde(default)]
    pub max_p95_ms: Option<f64>,
    #[serde(default)]
    pub max_cost_per_1000: Option<f64>,
    /// Share of rows without an answer, 0 to 1.
    #[serde(default)]
    pub max_error_rate: Option<f64>,
}

const AGREEMENTS_KEY: &str = "agreements";

pub fn get_agreements(project: &Project) -> Result<Agreements, ApiError> {
    Ok(project
        .meta(AGREEMENTS_KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

pub fn set_agreements(project: &Project, agreements: &Agreements) -> Result<Agreements, ApiError> {
    let numbers = [
        ("min_metric", agreements.min_metric),
        ("max_p95_ms", agreements.max_p95_ms),
        ("max_cost_per_1000", agreements.max_cost_per_1000),
        ("max_error_rate", agreements.max_error_rate),
    ];
    for (name, value) in numbers {
        if value.is_some_and(|v| !v.is_finite() || (name != "min_metric" && v < 0.0)) {
            return Err(invalid(format!("{name} must be a number of 0 or more")));
        }
    }
    if agreements.max_error_rate.is_some_and(|r| r > 1.0) {
        return Err(invalid("max_error_rate is a share of rows, from 0 to 1"));
    }
    let text = serde_json::to_string(agreements)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    project.set_meta(AGREEMENTS_KEY, &text)?;
    Ok(agreements.clone())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    Local,
    Vendor,
}

/// A local run or a vendor evaluation, measured on the same test rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Candidate {
    pub kind: CandidateKind,
    pub name: String,
    pub run: Option<RunId>,
    pub evaluation: Option<EvaluationId>,
    pub metrics: BTreeMap<String, MeanStd>,
    /// The agreements' metric (or the headline metric), mean over folds.
    pub score: Option<f64>,
    /// Per call: one row through the service, or one row through the local model.
    pub latency: Option<LatencySummary>,
    pub throughput_per_s: Option<f64>,
    /// A local model costs nothing per prediction here; its compute is not priced.
    pub cost_per_1000: Option<f64>,
    pub error_rate: f64,
    pub train_ms: Option<f64>,
    /// Time to predict 1,000 rows (a local model, in one batch; a vendor, from its throughput).
    pub inference_ms_per_1000: Option<f64>,
    /// Whether it meets every agreement (none when the project sets none).
    pub meets: Option<bool>,
    /// The agreements it misses, in words.
    pub misses: Vec<String>,
    /// Why its score cannot be trusted here, if it cannot: a model of this
    /// project that learned from rows this experiment tests on. Such a
    /// candidate is never marked best.
    pub caution: Option<String>,
    pub best: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CandidateComparison {
    pub experiment: ExperimentId,
    pub metric: String,
    pub higher_is_better: bool,
    pub agreements: Agreements,
    pub candidates: Vec<Candidate>,
}

fn higher_is_better(metric: &str) -> bool {
    !matches!(metric, "rmse" | "mae" | "log_loss" | "inertia")
}

/// Rows predicted one at a time to measure a local model's latency.
const LATENCY_ROWS: usize = 200;

/// One row at a time through a run's saved model, as a served model would
/// answer; kept in `runs/<id>/latency.json` once measured.
fn local_latency(project: &Project, run: RunId, data: &TestData) -> Option<LatencySummary> {
    let dir = project.runs_dir().join(run.to_string());
    let kept = dir.join("latency.json");
    if let Some(summary) = std::fs::read(&kept)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<LatencySummary>(&bytes).ok())
    {
        return Some(summary);
    }
    let model: TrainedModel =
        serde_json::from_slice(&std::fs::read(dir.join("model.json")).ok()?).ok()?;
    let rows: Vec<usize> = rows_to_send(data).into_iter().take(LATENCY_ROWS).collect();
    let mut latencies = Vec::with_capacity(rows.len());
    for &row in &rows {
        let one: Vec<InputColumn> = data
            .features
            .iter()
            .map(|c| InputColumn {
                name: c.name.clone(),
                values: match &c.values {
                    ColumnValues::Numbers(v) => ColumnValues::Numbers(vec![v[row]]),
                    ColumnValues::Texts(v) => ColumnValues::Texts(vec![v[row].clone()]),
                },
            })
            .collect();
        let started = Instant::now();
        model.predict(&one).ok()?;
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let summary = datalab_vendors::latency_summary(&latencies)?;
    if let Ok(bytes) = serde_json::to_vec(&summary) {
        let _ = std::fs::write(&kept, bytes);
    }
    Some(summary)
}

/// Batch inference time of a run, from its evaluation file: ms per 1,000 rows.
fn local_inference_ms_per_1000(project: &Project, run: RunId) -> Option<f64> {
    let path = project
        .runs_dir()
        .join(run.to_string())
        .join("evaluation.json");
    let folds: Vec<datalab_ml::trial::FoldResult> =
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let rows: usize = folds.iter().map(|f| f.test_rows.len()).sum();
    let ms: f64 = folds.iter().map(|f| f.predict_ms).sum();
    (rows > 0).then(|| ms / rows as f64 * 1000.0)
}

/// Local runs and vendor evaluations of an experiment side by side, each
/// checked against the project's agreements; the best that meets them is marked.
pub fn compare_candidates(
    project: &Project,
    experiment: ExperimentId,
) -> Result<CandidateComparison, ApiError> {
    let agreements = get_agreements(project)?;
    let data = test_data(project, experiment)?;
    let runs: Vec<RunInfo> = project
        .runs_of(experiment)?
        .into_iter()
        .map(RunInfo::from)
        .filter(|r| r.status == RunStatus::Succeeded)
        .collect();
    let metric = agreements.metric.clone().unwrap_or_else(|| {
        match data.expected {
            Expected::Labels(_) => "accuracy",
            Expected::Number => "r2",
        }
        .to_string()
    });
    let higher = higher_is_better(&metric);
    let mut candidates: Vec<Candidate> = runs
        .iter()
        .map(|run| (run, local_inference_ms_per_1000(project, run.id)))
        .map(|(run, inference_ms_per_1000)| Candidate {
            kind: CandidateKind::Local,
            name: format!(
                "run {} · {} {}",
                run.id,
                run.model,
                crate::params_text(&run.params, " ")
            ),
            run: Some(run.id),
            evaluation: None,
            score: run.metrics.get(&metric).map(|m| m.mean),
            metrics: run.metrics.clone(),
            latency: local_latency(project, run.id, &data),
            throughput_per_s: inference_ms_per_1000.map(|ms| 1000.0 / (ms / 1e3).max(1e-9)),
            cost_per_1000: Some(0.0),
            error_rate: 0.0,
            train_ms: run.wall_ms,
            inference_ms_per_1000,
            meets: None,
            misses: Vec::new(),
            caution: None,
            best: false,
        })
        .collect();
    let evaluations = list_evaluations(project, Some(experiment))?;
    for evaluation in newest_per_vendor(&evaluations) {
        let s = &evaluation.summary;
        candidates.push(Candidate {
            kind: CandidateKind::Vendor,
            name: format!("{} ({})", evaluation.vendor, evaluation.protocol),
            run: None,
            evaluation: Some(evaluation.id),
            score: s.metrics.get(&metric).map(|m| m.mean),
            metrics: s.metrics.clone(),
            latency: s.latency,
            throughput_per_s: s.throughput_per_s,
            cost_per_1000: s.cost_per_1000,
            error_rate: if s.rows > 0 {
                s.failed as f64 / s.rows as f64
            } else {
                1.0
            },
            train_ms: None,
            inference_ms_per_1000: s.throughput_per_s.map(|t| 1000.0 / t * 1e3),
            meets: None,
            misses: Vec::new(),
            caution: serves_a_model_trained_on_these_rows(project, experiment, evaluation),
            best: false,
        });
    }
    let any_agreement = agreements.min_metric.is_some()
        || agreements.max_p95_ms.is_some()
        || agreements.max_cost_per_1000.is_some()
        || agreements.max_error_rate.is_some();
    for candidate in &mut candidates {
        let mut misses = Vec::new();
        if let Some(min) = agreements.min_metric {
            match candidate.score {
                Some(score) if (higher && score >= min) || (!higher && score <= min) => {}
                Some(score) => misses.push(format!(
                    "{metric} {score:.4} {} {min}",
                    if higher { "<" } else { ">" }
                )),
                None => misses.push(format!("no {metric}")),
            }
        }
        if let Some(max) = agreements.max_p95_ms {
            match candidate.latency {
                Some(l) if l.p95 <= max => {}
                Some(l) => misses.push(format!("p95 {:.1} ms > {max} ms", l.p95)),
                None => misses.push("latency not measured".into()),
            }
        }
        if let Some(max) = agreements.max_cost_per_1000 {
            match candidate.cost_per_1000 {
                Some(c) if c <= max => {}
                Some(c) => misses.push(format!("cost {c:.4} per 1,000 > {max}")),
                None => misses.push("cost not measured".into()),
            }
        }
        if let Some(max) = agreements.max_error_rate
            && candidate.error_rate > max
        {
            misses.push(format!(
                "error rate {:.1} % > {:.1} %",
                candidate.error_rate * 100.0,
                max * 100.0
            ));
        }
        candidate.meets = any_agreement.then_some(misses.is_empty());
        candidate.misses = misses;
    }
    // Best: meets the agreements (or there are none), then the best score,
    // then the cheaper, then the faster.
    let key = |c: &Candidate| {
        (
            c.score
                .map(|s| if higher { s } else { -s })
                .unwrap_or(f64::NEG_INFINITY),
            -c.cost_per_1000.unwrap_or(f64::INFINITY),
            -c.latency.map_or(f64::INFINITY, |l| l.p95),
        )
    };
    let best = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.meets != Some(false) && c.score.is_some() && c.caution.is_none())
        .max_by(|(_, a), (_, b)| {
            let (a, b) = (key(a), key(b));
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        })
        .map(|(i, _)| i);
    if let Some(best) = best {
        candidates[best].best = true;
    }
    Ok(CandidateComparison {
        experiment,
        metric,
        higher_is_better: higher,
        agreements,
        candidates,
    })
}

/// A vendor that serves a model of this project which learned from rows
/// `experiment` tests on: trained on the same dataset, and not on exactly
/// the training part of this experiment's holdout (a k-fold run's final
/// model learns from every row).
fn serves_a_model_trained_on_these_rows(
    project: &Project,
    experiment: ExperimentId,
    evaluation: &EvaluationInfo,
) -> Option<String> {
    let record = project.evaluation(evaluation.id).ok()?;
    let connector: Connector = serde_json::from_str(&record.config_json).ok()?;
    let served = connector.serves?;
    let model = crate::show_model(project, &served).ok()?;
    let this = project.experiment(experiment).ok()?;
    if model.info.manifest.dataset_sha256 != this.dataset_sha256 {
        return None;
    }
    let holdout_of_this_experiment = model.info.manifest.experiment_id == Some(experiment.0)
        && crate::parse_spec(&this.spec_toml).is_ok_and(|spec| {
            matches!(
                spec.validation,
                datalab_ml::validation::Validation::Holdout { .. }
            )
        });
    (!holdout_of_this_experiment).then(|| {
        format!(
            "{served} learned from rows this experiment tests on (its final model is trained on {}): its score here is optimistic",
            if model.info.manifest.experiment_id == Some(experiment.0) {
                "every row of the k-fold"
            } else {
                "the same dataset"
            }
        )
    })
}

/// The newest finished (succeeded or capped) evaluation of each vendor, from
/// a newest-first list: the one that speaks for the vendor.
pub(crate) fn newest_per_vendor(evaluations: &[EvaluationInfo]) -> Vec<&EvaluationInfo> {
    let mut seen: Vec<&str> = Vec::new();
    evaluations
        .iter()
        .filter(|e| {
            matches!(
                e.status,
                EvaluationStatus::Succeeded | EvaluationStatus::Capped
            )
        })
        .filter(|e| {
            let first = !seen.contains(&e.vendor.as_str());
            seen.push(&e.vendor);
            first
        })
        .collect()
}

/// Evaluations left running by a dead process become `interrupted`.
pub fn recover_interrupted_evaluations(project: &Project) -> Result<usize, ApiError> {
    Ok(project.mark_interrupted_evaluations(crate::experiments::process_alive)?)
}
