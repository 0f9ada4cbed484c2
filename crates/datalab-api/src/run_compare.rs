//! Runs side by side on one metric, with the corrected resampled t-test for
//! every pair (as Weka's Experimenter). Which metric leads, which way is
//! better and what counts as significant are `datalab_ml`'s rules.

use crate::error::ApiError;
use datalab_lab::RunInfo;
use datalab_ml::metric_facts::{higher_is_better, leading_metric};
use datalab_ml::stats::{Verdict, compare_folds};
use datalab_project::{Project, RunId, RunRecord};
use serde::{Deserialize, Serialize};

/// One run against another, on the comparison's metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PairComparison {
    /// The run.
    pub run: RunId,
    /// The run it is compared with.
    pub other: RunId,
    /// Mean over folds of `run - other`.
    pub mean_difference: f64,
    /// Two-sided p-value of the corrected resampled t-test (None with one fold).
    pub p_value: Option<f64>,
    /// Significant at 5 % in `run`'s favour (win) or against it (loss).
    pub verdict: Verdict,
}

/// Runs compared on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunComparison {
    /// The metric.
    pub metric: String,
    /// Which way is better on it.
    pub higher_is_better: bool,
    /// The runs, in the order asked.
    pub runs: Vec<RunInfo>,
    /// Every ordered pair.
    pub pairs: Vec<PairComparison>,
    /// Per run, in `runs` order: (wins, ties, losses).
    pub record: Vec<(u32, u32, u32)>,
}

/// Compares runs measured on the same folds on `metric` (default: their
/// headline metric).
pub fn compare_runs(
    project: &Project,
    ids: &[RunId],
    metric: Option<&str>,
) -> Result<RunComparison, ApiError> {
    if ids.len() < 2 {
        return Err(ApiError::invalid_field(
            "runs",
            "give at least two runs to compare",
        ));
    }
    let records: Vec<RunRecord> = ids
        .iter()
        .map(|&id| project.run(id))
        .collect::<Result<_, _>>()?;
    // Runs are comparable when their folds are the same rows: same data, validation and seed.
    let fold_key = |r: &RunRecord| -> Result<(String, String), ApiError> {
        let experiment = project.experiment(r.experiment_id)?;
        let spec = crate::experiments::spec_of(&experiment)?;
        Ok((
            experiment.dataset_sha256,
            format!("{:?} seed {}", spec.validation, spec.seed),
        ))
    };
    let first_key = fold_key(&records[0])?;
    for r in &records[1..] {
        if fold_key(r)? != first_key {
            return Err(ApiError::invalid_field(
                "runs",
                format!(
                    "run {} was not measured on the same folds as run {} (other data, validation or seed): \
                     compare runs of one spec",
                    r.id, records[0].id
                ),
            ));
        }
    }
    let infos: Vec<RunInfo> = records.iter().cloned().map(RunInfo::from).collect();
    let metric = match metric {
        Some(m) => m.to_string(),
        None => leading_metric(infos.iter().map(|r| r.metrics.keys().map(String::as_str)))
            .filter(|m| infos.iter().all(|r| r.metrics.contains_key(*m)))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "metric",
                    "these runs share no headline metric: name one with --metric",
                )
            })?
            .to_string(),
    };
    let higher = higher_is_better(&metric);
    let per_fold: Vec<Vec<f64>> = records
        .iter()
        .map(|r| {
            let values: Vec<f64> = project
                .run_metrics(r.id)?
                .into_iter()
                .filter(|m| m.name == metric)
                .map(|m| m.value)
                .collect();
            if values.is_empty() {
                return Err(ApiError::invalid(format!(
                    "run {} has no '{metric}' (status: {:?})",
                    r.id, r.status
                )));
            }
            Ok(values)
        })
        .collect::<Result<_, ApiError>>()?;
    let mut pairs = Vec::new();
    let mut record = vec![(0u32, 0u32, 0u32); records.len()];
    for i in 0..records.len() {
        for j in (0..records.len()).filter(|&j| j != i) {
            let compared = compare_folds(&per_fold[i], &per_fold[j], higher);
            match compared.verdict {
                Verdict::Win => record[i].0 += 1,
                Verdict::Tie => record[i].1 += 1,
                Verdict::Loss => record[i].2 += 1,
            }
            pairs.push(PairComparison {
                run: records[i].id,
                other: records[j].id,
                mean_difference: compared.mean_difference,
                p_value: compared.p_value,
                verdict: compared.verdict,
            });
        }
    }
    Ok(RunComparison {
        metric,
        higher_is_better: higher,
        runs: infos,
        pairs,
        record,
    })
}
