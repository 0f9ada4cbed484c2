//! The evaluation runner: an experiment's test rows sent through a vendor
//! connector as one job. Every row is recorded (its answer, or why there is
//! none; its call's latency, tokens and cost) in batches as calls end, and
//! the answers are scored fold by fold with the metrics local runs use.
//! Answers already cached cost nothing.

use crate::events::Event;
use crate::jobs::Job;
use crate::test_rows::TestRows;
use datalab_ml::trial::{ExternalAnswer, MeanStd};
use datalab_project::{
    CachedResponse, EvaluationId, EvaluationRecord, EvaluationRow, EvaluationStatus, ExperimentId,
    JobStatus, Project, ProjectError, VendorRecord,
};
use datalab_vendors::{
    Answer, CachedBody, Connector, FailureKind, LatencySummary, Plan, Secret, Stop,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

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

/// An evaluation ready to run.
#[derive(Debug)]
pub struct Evaluation<'a> {
    pub experiment: ExperimentId,
    pub vendor: &'a VendorRecord,
    pub connector: &'a Connector,
    pub secret: Option<Secret>,
    pub test: &'a TestRows,
    pub spend_cap: Option<f64>,
    /// Where the cap comes from when it is not the caller's own (a monthly budget), in words.
    pub cap_source: Option<String>,
}

/// Why an evaluation could not run to an end.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The connector cannot be used as configured, or does not fit the rows.
    #[error("vendor '{vendor}': {error}")]
    Connector {
        vendor: String,
        error: datalab_vendors::VendorError,
    },
    /// The service could not be used at all; the evaluation is recorded as failed.
    #[error("{message}")]
    Vendor {
        evaluation: EvaluationId,
        message: String,
    },
}

/// Counts kept while calls end.
#[derive(Default)]
struct Tally {
    done: u64,
    failed: u64,
    cached_calls: u64,
    calls: u64,
    spent: f64,
    priced: f64,
    input_tokens: u64,
    output_tokens: u64,
    latencies: Vec<f64>,
    failures: BTreeMap<FailureKind, FailureCount>,
}

impl Evaluation<'_> {
    /// Sends the test rows, records every row, and scores the answers.
    pub fn run(
        &self,
        project: &Project,
        job: &Job<'_>,
    ) -> Result<EvaluationRecord, EvaluationError> {
        let test = self.test;
        let sent_rows = test.to_send();
        let plan = Plan::new(self.connector, &test.subset(&sent_rows), &test.expected).map_err(
            |error| EvaluationError::Connector {
                vendor: self.vendor.name.clone(),
                error,
            },
        )?;
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
        let evaluation =
            project.start_evaluation(self.experiment, self.vendor, self.spend_cap, job.id())?;
        let started = Instant::now();
        let total = sent_rows.len() as u64;
        let progress = |tally: &Tally| {
            job.report(format!("{} of {total} rows", tally.done), tally.done, total);
            job.emit(Event::Evaluation {
                job: job.id().clone(),
                progress: EvaluationProgress {
                    evaluation: evaluation.id,
                    experiment: self.experiment,
                    vendor: self.vendor.name.clone(),
                    done: tally.done,
                    total,
                    failed: tally.failed,
                    cached: tally.cached_calls,
                    spent: tally.spent,
                },
            });
        };
        // The id is known from the first event on, so a window can follow it at once.
        let mut tally = Tally::default();
        progress(&tally);
        let mut answers: Vec<Option<ExternalAnswer>> = vec![None; test.rows.values.len()];
        let mut buffer: Vec<EvaluationRow> = Vec::new();
        let mut to_cache: Vec<(String, CachedResponse)> = Vec::new();
        let mut write_error: Option<ProjectError> = None;
        let mut flush = |buffer: &mut Vec<EvaluationRow>,
                         to_cache: &mut Vec<(String, CachedResponse)>| {
            let written = project
                .record_evaluation_rows(evaluation.id, buffer)
                .and_then(|()| project.cache_responses(to_cache));
            if let Err(e) = written
                && write_error.is_none()
            {
                write_error = Some(e);
            }
            buffer.clear();
            to_cache.clear();
        };
        let outcome = plan.run(
            self.secret.as_ref(),
            &cached,
            self.spend_cap,
            job.flag(),
            &mut |call| {
                tally.calls += 1;
                if call.cached {
                    tally.cached_calls += 1;
                } else {
                    tally.spent += call.cost;
                }
                tally.latencies.extend(call.latency_ms);
                tally.input_tokens += call.usage.input_tokens;
                tally.output_tokens += call.usage.output_tokens;
                let share = 1.0 / call.rows.len().max(1) as f64;
                for (position, answer) in call.rows.iter().zip(&call.answers) {
                    let row = sent_rows[*position];
                    tally.done += 1;
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
                            tally.priced += call.cost * share;
                            record.answer = Some(answer.text(&test.expected));
                            answers[row] = Some(match answer {
                                Answer::Label(i) => ExternalAnswer::Class(*i),
                                Answer::Number(x) => ExternalAnswer::Value(*x),
                            });
                        }
                        Err(failure) => {
                            tally.failed += 1;
                            record.failure_kind = Some(failure.kind.as_str().to_string());
                            record.failure = Some(failure.message.clone());
                            tally
                                .failures
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
                progress(&tally);
            },
        );
        flush(&mut buffer, &mut to_cache);
        let wall_ms = started.elapsed().as_secs_f64() * 1e3;
        let end = match outcome {
            Ok(end) => end,
            Err(error) => {
                let message = datalab_vendors::redact(self.secret.as_ref(), &error.to_string());
                project.finish_evaluation(
                    evaluation.id,
                    EvaluationStatus::Failed,
                    Some(&message),
                    wall_ms,
                    None,
                )?;
                return Err(EvaluationError::Vendor {
                    evaluation: evaluation.id,
                    message,
                });
            }
        };
        if let Some(error) = write_error {
            let _ = project.finish_evaluation(
                evaluation.id,
                EvaluationStatus::Failed,
                Some(&error.to_string()),
                wall_ms,
                None,
            );
            return Err(error.into());
        }
        let summary = summarize(test, &answers, tally, total, end.wall_ms);
        let (status, message) =
            outcome_of(&end.stopped, &summary, total, self.cap_source.as_deref());
        let message = message.map(|m| datalab_vendors::redact(self.secret.as_ref(), &m));
        let summary_json = serde_json::to_string(&summary).ok();
        let job_status = match status {
            EvaluationStatus::Cancelled => JobStatus::Cancelled,
            EvaluationStatus::Failed => JobStatus::Failed,
            _ => JobStatus::Succeeded,
        };
        // A cancel needs no words beyond its status.
        let job_message = message
            .clone()
            .filter(|_| job_status != JobStatus::Cancelled);
        job.end_as(job_status, job_message);
        Ok(project.finish_evaluation(
            evaluation.id,
            status,
            message.as_deref(),
            wall_ms,
            summary_json.as_deref(),
        )?)
    }
}

fn summarize(
    test: &TestRows,
    answers: &[Option<ExternalAnswer>],
    tally: Tally,
    total: u64,
    calls_wall_ms: f64,
) -> EvaluationSummary {
    let (folds, metrics) = datalab_ml::trial::score_external(&test.target, &test.folds, answers);
    let answered = total - tally.failed;
    EvaluationSummary {
        rows: total,
        answered,
        failed: tally.failed,
        calls: tally.calls,
        cached_calls: tally.cached_calls,
        spent: tally.spent,
        cost_per_1000: (answered > 0).then(|| tally.priced / answered as f64 * 1000.0),
        input_tokens: tally.input_tokens,
        output_tokens: tally.output_tokens,
        latency: datalab_vendors::latency_summary(&tally.latencies),
        throughput_per_s: (tally.cached_calls == 0 && answered > 0)
            .then(|| answered as f64 / (calls_wall_ms / 1e3).max(1e-9)),
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
        failures: tally.failures.into_values().collect(),
    }
}

/// How an evaluation ended, and why in words.
fn outcome_of(
    stopped: &Option<Stop>,
    summary: &EvaluationSummary,
    total: u64,
    cap_source: Option<&str>,
) -> (EvaluationStatus, Option<String>) {
    let source = cap_source.map(|s| format!(" ({s})")).unwrap_or_default();
    match stopped {
        Some(Stop::Cancelled) => (EvaluationStatus::Cancelled, Some("cancelled".to_string())),
        Some(Stop::SpendCap { cap }) => (
            EvaluationStatus::Capped,
            Some(format!(
                "stopped at the spend cap of {cap}{source}: {:.4} spent, {} of {total} rows not sent",
                summary.spent,
                summary
                    .failures
                    .iter()
                    .filter(|f| f.kind == FailureKind::NotSent)
                    .map(|f| f.rows)
                    .sum::<u64>()
            )),
        ),
        Some(Stop::Refused { message }) => (EvaluationStatus::Failed, Some(message.clone())),
        None if summary.answered == 0 => (
            EvaluationStatus::Failed,
            Some(
                summary
                    .failures
                    .first()
                    .map(|f| format!("no row was answered: {}", f.example))
                    .unwrap_or_else(|| "no row was answered".into()),
            ),
        ),
        None if summary.cached_calls == summary.calls => (
            EvaluationStatus::Succeeded,
            Some(format!(
                "all {} calls answered from the cache: nothing spent",
                summary.calls
            )),
        ),
        None => (EvaluationStatus::Succeeded, None),
    }
}
