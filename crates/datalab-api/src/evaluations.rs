//! Vendor evaluations: an experiment's test rows sent through a connector
//! as a job of the job engine (the same rows and folds its runs are tested
//! on, scored by the same metrics), cancelled from any window, listed, and
//! shown row by row.

use crate::error::ApiError;
use crate::jobs::JobContext;
use crate::vendors::{connector_of, resolve_secret, vendor_info};
use datalab_lab::JobSpec;
use datalab_lab::evaluation::{Evaluation, EvaluationSummary};
use datalab_lab::test_rows::TestRows;
use datalab_project::{
    EvaluationId, EvaluationRecord, EvaluationStatus, ExperimentId, JobKind, Project,
};
use datalab_vendors::FailureKind;
use serde::{Deserialize, Serialize};

/// A vendor to evaluate on an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluateRequest {
    /// The vendor's name.
    pub vendor: String,
    /// The experiment whose test rows are sent.
    pub experiment: ExperimentId,
    /// Stop before spending more than this (in the connector's currency).
    #[serde(default)]
    pub spend_cap: Option<f64>,
}

/// An evaluation as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationInfo {
    /// Its number.
    pub id: EvaluationId,
    /// The experiment whose rows it sent.
    pub experiment_id: ExperimentId,
    /// The vendor's name (kept after the vendor is removed).
    pub vendor: String,
    /// The connector's protocol.
    pub protocol: String,
    /// Where it is in its life.
    pub status: EvaluationStatus,
    /// How it ended, in words.
    pub message: Option<String>,
    /// The spend cap it ran under.
    pub spend_cap: Option<f64>,
    /// When it started.
    pub started_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
    /// How long it took.
    pub wall_ms: Option<f64>,
    /// What it measured.
    pub summary: EvaluationSummary,
}

/// An evaluation's record as the API shows it.
pub(crate) fn evaluation_info(record: EvaluationRecord) -> EvaluationInfo {
    let protocol = connector_of(&record.vendor_name, &record.config_json)
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

/// Sends an experiment's test rows through a vendor as a job, records
/// every row (answer or failure, latency, tokens, cost), and scores the
/// answers fold by fold as local runs are scored. Answers already cached
/// cost nothing.
pub fn evaluate_vendor(
    project: &Project,
    request: &EvaluateRequest,
    jobs: &JobContext<'_>,
) -> Result<EvaluationInfo, ApiError> {
    if let Some(cap) = request.spend_cap
        && !(cap >= 0.0 && cap.is_finite())
    {
        return Err(ApiError::invalid_field(
            "spend_cap",
            "the spend cap must be a number of 0 or more",
        ));
    }
    let vendor_record = project.vendor(&request.vendor)?;
    let vendor = vendor_info(&vendor_record)?;
    let test = TestRows::of_experiment(project, request.experiment)?;
    let secret = resolve_secret(&vendor.connector)?;
    // A monthly budget caps the evaluation at what is left of it (a spent one refuses it).
    let (spend_cap, cap_source) = match crate::ledger::budget_cap(project, &vendor.name)? {
        Some((left, why)) if request.spend_cap.is_none_or(|cap| left < cap) => {
            (Some(left), Some(why))
        }
        _ => (request.spend_cap, None),
    };
    let label = format!(
        "evaluate {} on experiment {}",
        vendor.name, request.experiment
    );
    let spec = JobSpec::new(JobKind::Evaluation, label).on_experiment(request.experiment);
    jobs.run(project, spec, |job| {
        let evaluation = Evaluation {
            experiment: request.experiment,
            vendor: &vendor_record,
            connector: &vendor.connector,
            secret,
            test: &test,
            spend_cap,
            cap_source: cap_source.clone(),
        };
        Ok(evaluation_info(evaluation.run(project, job)?))
    })
    .inspect(|info| {
        // Whether it met the agreements when it was made; the evaluation stands either way.
        let _ = crate::candidates::record_agreement_check(
            project,
            request.experiment,
            crate::candidates::AgreementSubject::Evaluation(info.id),
        );
    })
}

/// Asks a running evaluation to stop (through its job); the rows not sent
/// are recorded as such.
pub fn cancel_evaluation(project: &Project, id: EvaluationId) -> Result<EvaluationInfo, ApiError> {
    let record = project.evaluation(id)?;
    if let Some(job) = project.evaluation_job(id)?
        && record.status == EvaluationStatus::Running
    {
        datalab_lab::jobs::cancel_job(project, &job)?;
    }
    Ok(evaluation_info(project.evaluation(id)?))
}

/// Which evaluations to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListEvaluationsRequest {
    /// Of one experiment only.
    #[serde(default)]
    pub experiment: Option<ExperimentId>,
}

/// Evaluations, newest first; of one experiment when given.
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

/// An evaluation, by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationRef {
    /// The evaluation's number.
    pub evaluation: EvaluationId,
}

/// One row of an evaluation, as a person checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationRowInfo {
    /// The experiment row.
    pub row: u64,
    /// Its true answer.
    pub truth: Option<String>,
    /// The vendor's answer.
    pub answer: Option<String>,
    /// Why there is no answer, as a kind.
    pub failure_kind: Option<FailureKind>,
    /// Why there is no answer, in words.
    pub failure: Option<String>,
    /// Its call's latency.
    pub latency_ms: Option<f64>,
    /// Tries its call took.
    pub attempts: u32,
    /// Its share of its call's cost.
    pub cost: f64,
    /// Answered from the cache.
    pub cached: bool,
}

/// An evaluation with its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct EvaluationDetail {
    /// The evaluation.
    pub evaluation: EvaluationInfo,
    /// Failed rows first, then the others, at most [`DETAIL_ROWS`].
    pub rows: Vec<EvaluationRowInfo>,
    /// How many rows it has in all.
    pub rows_total: u64,
}

/// Rows an evaluation's detail carries.
pub const DETAIL_ROWS: usize = 1_000;

/// An evaluation with its rows, failed ones first.
pub fn show_evaluation(project: &Project, id: EvaluationId) -> Result<EvaluationDetail, ApiError> {
    let record = project.evaluation(id)?;
    let truth = TestRows::of_experiment(project, record.experiment_id).ok();
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
                truth: truth.as_ref().and_then(|t| t.truth(r.row_index as usize)),
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
