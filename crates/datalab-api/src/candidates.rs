//! The candidates of an experiment side by side: its local runs and the
//! vendor evaluations on its test rows, each checked against the project's
//! agreements (metric, latency, cost, error rate), with the best that meets
//! them marked, and a caution on a served model that learned from the rows
//! it is tested on (never the best).

use crate::error::ApiError;
use crate::evaluations::EvaluationInfo;
use datalab_lab::test_rows::TestRows;
use datalab_lab::{RunFiles, RunInfo, params_text};
use datalab_ml::catalog::Task;
use datalab_ml::metric_facts::{headline_of, higher_is_better};
use datalab_ml::trial::{MeanStd, TrainedModel};
use datalab_project::{EvaluationId, EvaluationStatus, ExperimentId, Project, RunId, RunStatus};
use datalab_vendors::{Expected, LatencySummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// What the project expects of a model it would choose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Agreements {
    /// The metric the minimum is on (default: the experiment's headline metric).
    #[serde(default)]
    pub metric: Option<String>,
    /// The least the metric may be (the most, for an error metric).
    #[serde(default)]
    pub min_metric: Option<f64>,
    /// Milliseconds per call, at the 95th percentile.
    #[serde(default)]
    pub max_p95_ms: Option<f64>,
    /// The most 1,000 predictions may cost.
    #[serde(default)]
    pub max_cost_per_1000: Option<f64>,
    /// Share of rows without an answer, 0 to 1.
    #[serde(default)]
    pub max_error_rate: Option<f64>,
}

const AGREEMENTS_KEY: &str = "agreements";
/// The experiment tag holding an experiment's own agreements (JSON): tags travel in bundles.
const EXPERIMENT_AGREEMENTS_TAG: &str = "datalab.agreements";

/// Whose agreements an experiment is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AgreementsSource {
    /// Its own.
    Experiment,
    /// The project's, as they apply to its task.
    Project,
    /// None apply.
    None,
}

/// The agreements an experiment is judged by, and whose they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExperimentAgreements {
    /// The experiment.
    pub experiment: ExperimentId,
    /// The agreements that apply.
    pub agreements: Agreements,
    /// Whose they are.
    pub source: AgreementsSource,
}

/// An experiment's own agreements to set (none: it goes back to the project's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SetExperimentAgreementsRequest {
    /// The experiment.
    pub experiment: ExperimentId,
    /// Its own agreements, or none to follow the project's.
    #[serde(default)]
    pub agreements: Option<Agreements>,
}

fn any_agreement(a: &Agreements) -> bool {
    a.min_metric.is_some()
        || a.max_p95_ms.is_some()
        || a.max_cost_per_1000.is_some()
        || a.max_error_rate.is_some()
}

/// The project's agreements as they apply to an experiment of `task`: a
/// minimum on a metric of another task does not (an accuracy minimum says
/// nothing of a regression); a minimum naming no metric is on accuracy,
/// the headline it was written against, so it holds for classification only.
fn project_agreements_for(project: &Project, task: Task) -> Result<Agreements, ApiError> {
    let mut agreements = get_agreements(project)?;
    if agreements.min_metric.is_some() {
        let metric_task = match agreements.metric.as_deref() {
            Some(metric) => datalab_ml::metric_facts::fact_of(metric).map(|f| f.task),
            None => Some(Task::Classification),
        };
        // A metric the lab does not know (a script's own) is taken at its word.
        if metric_task.is_some_and(|t| t != task) {
            agreements.min_metric = None;
            agreements.metric = None;
        }
    }
    Ok(agreements)
}

/// The agreements experiment `id` (of `task`) is judged by: its own, else the project's.
fn effective_agreements(
    project: &Project,
    id: ExperimentId,
    task: Task,
) -> Result<(Agreements, AgreementsSource), ApiError> {
    let own = project
        .experiment_tags(id)?
        .into_iter()
        .find(|(key, _)| key == EXPERIMENT_AGREEMENTS_TAG)
        .and_then(|(_, text)| serde_json::from_str::<Agreements>(&text).ok());
    if let Some(own) = own {
        return Ok((own, AgreementsSource::Experiment));
    }
    let project_wide = project_agreements_for(project, task)?;
    let source = if any_agreement(&project_wide) {
        AgreementsSource::Project
    } else {
        AgreementsSource::None
    };
    Ok((project_wide, source))
}

fn task_of(project: &Project, experiment: ExperimentId) -> Result<Task, ApiError> {
    Ok(
        match TestRows::of_experiment(project, experiment)?.expected {
            Expected::Labels(_) => Task::Classification,
            Expected::Number => Task::Regression,
        },
    )
}

/// The agreements an experiment is judged by, and whose they are.
pub fn experiment_agreements(
    project: &Project,
    experiment: ExperimentId,
) -> Result<ExperimentAgreements, ApiError> {
    let task = task_of(project, experiment)?;
    let (agreements, source) = effective_agreements(project, experiment, task)?;
    Ok(ExperimentAgreements {
        experiment,
        agreements,
        source,
    })
}

/// Gives an experiment agreements of its own (each checked), or, with
/// none, returns it to the project's.
pub fn set_experiment_agreements(
    project: &Project,
    request: &SetExperimentAgreementsRequest,
) -> Result<ExperimentAgreements, ApiError> {
    project.experiment(request.experiment)?;
    match &request.agreements {
        Some(agreements) => {
            check_agreements(agreements)?;
            let text =
                serde_json::to_string(agreements).map_err(|e| ApiError::internal(e.to_string()))?;
            project.set_experiment_tag(request.experiment, EXPERIMENT_AGREEMENTS_TAG, &text)?;
        }
        None => project.delete_experiment_tag(request.experiment, EXPERIMENT_AGREEMENTS_TAG)?,
    }
    experiment_agreements(project, request.experiment)
}

/// The project's agreements (none set: every field empty).
pub fn get_agreements(project: &Project) -> Result<Agreements, ApiError> {
    Ok(project
        .meta(AGREEMENTS_KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Sets the project's agreements, each checked.
pub fn set_agreements(project: &Project, agreements: &Agreements) -> Result<Agreements, ApiError> {
    check_agreements(agreements)?;
    let text = serde_json::to_string(agreements).map_err(|e| ApiError::internal(e.to_string()))?;
    project.set_meta(AGREEMENTS_KEY, &text)?;
    Ok(agreements.clone())
}

fn check_agreements(agreements: &Agreements) -> Result<(), ApiError> {
    let numbers = [
        ("min_metric", agreements.min_metric),
        ("max_p95_ms", agreements.max_p95_ms),
        ("max_cost_per_1000", agreements.max_cost_per_1000),
        ("max_error_rate", agreements.max_error_rate),
    ];
    for (name, value) in numbers {
        if value.is_some_and(|v| !v.is_finite() || (name != "min_metric" && v < 0.0)) {
            return Err(ApiError::invalid_field(
                name,
                format!("{name} must be a number of 0 or more"),
            ));
        }
    }
    if agreements.max_error_rate.is_some_and(|r| r > 1.0) {
        return Err(ApiError::invalid_field(
            "max_error_rate",
            "max_error_rate is a share of rows, from 0 to 1",
        ));
    }
    Ok(())
}

/// Where a candidate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// A run of the experiment, predicting in this process.
    Local,
    /// A vendor service, evaluated on the experiment's test rows.
    Vendor,
}

/// A local run or a vendor evaluation, measured on the same test rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Candidate {
    /// Local run or vendor.
    pub kind: CandidateKind,
    /// How a person reads it.
    pub name: String,
    /// The run, for a local candidate.
    pub run: Option<RunId>,
    /// The evaluation, for a vendor.
    pub evaluation: Option<EvaluationId>,
    /// Mean and standard deviation of each metric over the folds.
    pub metrics: BTreeMap<String, MeanStd>,
    /// The agreements' metric (or the headline metric), mean over folds.
    pub score: Option<f64>,
    /// Per call: one row through the service, or one row through the local model.
    pub latency: Option<LatencySummary>,
    /// Rows predicted per second.
    pub throughput_per_s: Option<f64>,
    /// A local model costs nothing per prediction here; its compute is not priced.
    pub cost_per_1000: Option<f64>,
    /// Share of rows without an answer.
    pub error_rate: f64,
    /// How long training took (local runs).
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
    /// The best candidate that meets the agreements.
    pub best: bool,
}

/// An experiment's candidates side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CandidateComparison {
    /// The experiment.
    pub experiment: ExperimentId,
    /// The metric candidates are scored on.
    pub metric: String,
    /// Which way is better on it.
    pub higher_is_better: bool,
    /// The agreements they were checked against.
    pub agreements: Agreements,
    /// Whose agreements those are.
    pub agreements_source: AgreementsSource,
    /// The candidates.
    pub candidates: Vec<Candidate>,
}

/// Rows predicted one at a time to measure a local model's latency.
const LATENCY_ROWS: usize = 200;

/// One row at a time through a run's saved model, as a served model would
/// answer; kept in the run's files once measured.
fn local_latency(project: &Project, run: RunId, test: &TestRows) -> Option<LatencySummary> {
    let files = RunFiles::of(project, run);
    if let Ok(summary) = files.read_json::<LatencySummary>(RunFiles::LATENCY) {
        return Some(summary);
    }
    let model: TrainedModel = files.read_json(RunFiles::MODEL).ok()?;
    let rows: Vec<usize> = test.to_send().into_iter().take(LATENCY_ROWS).collect();
    let mut latencies = Vec::with_capacity(rows.len());
    for &row in &rows {
        let one = test.row_columns(row);
        let started = Instant::now();
        model.predict(&one).ok()?;
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let summary = datalab_vendors::latency_summary(&latencies)?;
    if let Ok(bytes) = serde_json::to_vec(&summary) {
        let _ = files.write(RunFiles::LATENCY, &bytes);
    }
    Some(summary)
}

/// Batch inference time of a run, from its evaluation file: ms per 1,000 rows.
fn local_inference_ms_per_1000(project: &Project, run: RunId) -> Option<f64> {
    let folds: Vec<datalab_ml::trial::FoldResult> = RunFiles::of(project, run)
        .read_json(RunFiles::EVALUATION)
        .ok()?;
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
    let test = TestRows::of_experiment(project, experiment)?;
    let runs: Vec<RunInfo> = project
        .runs_of(experiment)?
        .into_iter()
        .map(RunInfo::from)
        .filter(|r| r.status == RunStatus::Succeeded)
        .collect();
    let task = match test.expected {
        Expected::Labels(_) => Task::Classification,
        Expected::Number => Task::Regression,
    };
    let (agreements, agreements_source) = effective_agreements(project, experiment, task)?;
    let metric = agreements
        .metric
        .clone()
        .unwrap_or_else(|| headline_of(task).to_string());
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
                params_text(&run.params, " ")
            ),
            run: Some(run.id),
            evaluation: None,
            score: run.metrics.get(&metric).map(|m| m.mean),
            metrics: run.metrics.clone(),
            latency: local_latency(project, run.id, &test),
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
    let evaluations = crate::list_evaluations(project, Some(experiment))?;
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
    let any_agreement = any_agreement(&agreements);
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
        agreements_source,
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
    let connector = crate::vendors::connector_of(&record.vendor_name, &record.config_json).ok()?;
    let served = connector.serves?;
    let model = crate::show_model(project, &served).ok()?;
    let manifest = model.info.manifest.as_ref()?;
    let this = project.experiment(experiment).ok()?;
    if manifest.dataset_sha256 != this.dataset_sha256 {
        return None;
    }
    let holdout_of_this_experiment = manifest.experiment_id == Some(experiment.0)
        && crate::parse_spec(&this.spec_toml).is_ok_and(|spec| {
            matches!(
                spec.validation,
                datalab_ml::validation::Validation::Holdout { .. }
            )
        });
    (!holdout_of_this_experiment).then(|| {
        format!(
            "{served} learned from rows this experiment tests on (its final model is trained on {}): its score here is optimistic",
            if manifest.experiment_id == Some(experiment.0) {
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

/// Records whether a vendor evaluation (`evaluation`) or a model version
/// made from a run (`run`, recorded as `version`) met experiment
/// `experiment`'s agreements as they are now, for the ledger to set beside
/// what they say later.
pub(crate) fn record_agreement_check(
    project: &Project,
    experiment: ExperimentId,
    subject: AgreementSubject,
) -> Result<(), ApiError> {
    let comparison = compare_candidates(project, experiment)?;
    let candidate = comparison.candidates.iter().find(|c| match subject {
        AgreementSubject::Evaluation(id) => c.evaluation == Some(id),
        AgreementSubject::Version { run, .. } => c.run == Some(run),
    });
    let Some(candidate) = candidate else {
        return Ok(());
    };
    let (kind, id) = match subject {
        AgreementSubject::Evaluation(id) => ("evaluation", id.0),
        AgreementSubject::Version { version, .. } => ("model_version", version.0),
    };
    project.record_agreement_check(&datalab_project::AgreementCheck {
        subject_kind: kind.to_string(),
        subject_id: id,
        experiment_id: experiment.0,
        met: candidate.meets,
        misses_json: serde_json::to_string(&candidate.misses).unwrap_or_else(|_| "[]".into()),
        agreements_json: serde_json::to_string(&comparison.agreements)
            .unwrap_or_else(|_| "{}".into()),
        checked_at: String::new(),
    })?;
    Ok(())
}

/// What an agreement check is of.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AgreementSubject {
    Evaluation(EvaluationId),
    Version {
        run: RunId,
        version: datalab_project::ModelVersionId,
    },
}
