//! Experiments across datasets: a spec with `[[datasets]]` runs as one
//! experiment per dataset (the same models, validation, search and seed),
//! tagged with the spec's name, and the study compares the models by their
//! ranks on each dataset (`datalab_ml::ranks`).

use crate::error::ApiError;
use crate::experiments::{ExperimentOutcome, spec_error};
use crate::jobs::JobContext;
use datalab_ml::ranks::RankTest;
use datalab_ml::spec::ExperimentSpec;
use datalab_project::{ExperimentId, Project, RunId, RunStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The experiment tag that names the study an experiment belongs to.
pub const STUDY_TAG: &str = "datalab.study";

/// Nemenyi's test level.
const ALPHA: f64 = 0.05;

/// How one dataset of a study went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StudyDatasetOutcome {
    /// The dataset's name.
    pub dataset: String,
    /// Its experiment, when it could be made.
    pub outcome: Option<ExperimentOutcome>,
    /// Why it could not run (a missing target, a wrong type): the others go on.
    pub error: Option<ApiError>,
}

/// A multi-dataset spec, run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StudyOutcome {
    /// The spec's name, the study's.
    pub study: String,
    /// Each dataset's experiment, in the spec's order.
    pub datasets: Vec<StudyDatasetOutcome>,
    /// Models × datasets, ranked and tested.
    pub comparison: DatasetComparison,
}

/// A dataset's column of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ComparedDataset {
    /// The dataset's name.
    pub name: String,
    /// Its newest experiment in the study.
    pub experiment: ExperimentId,
}

/// Two models whose mean ranks differ by at least the critical difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RankDifference {
    /// The model with the lower (better) mean rank.
    pub better: String,
    /// The other.
    pub worse: String,
    /// How far apart their mean ranks are.
    pub difference: f64,
}

/// Models × datasets: each model's best finished trial per dataset on the
/// task's headline metric, its ranks and the tests over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatasetComparison {
    /// The study's name.
    pub study: String,
    /// The task's headline metric, which the models are ranked by.
    pub metric: String,
    /// Its direction.
    pub higher_is_better: bool,
    /// The models, in the spec's order.
    pub models: Vec<String>,
    /// The datasets, in the spec's order.
    pub datasets: Vec<ComparedDataset>,
    /// `scores[dataset][model]`: the best succeeded trial's mean (None: no trial succeeded).
    pub scores: Vec<Vec<Option<f64>>>,
    /// The runs those scores come from.
    pub runs: Vec<Vec<Option<RunId>>>,
    /// Ranks, Friedman and Nemenyi, over the datasets where every model has a score.
    pub test: Option<RankTest>,
    /// Pairs Nemenyi's test separates at the test's level.
    pub differences: Vec<RankDifference>,
    /// Why there is no test, or what it left out.
    pub note: Option<String>,
}

/// Runs a spec with `[[datasets]]`: one experiment per dataset, in order.
/// A dataset that cannot run (missing, no such target, the wrong type for
/// the task) is reported and the others go on.
pub fn run_study(
    project: &Project,
    spec: &ExperimentSpec,
    parallelism: Option<usize>,
    jobs: &JobContext<'_>,
) -> Result<StudyOutcome, ApiError> {
    spec.check().map_err(spec_error)?;
    if spec.datasets.is_empty() {
        return Err(ApiError::invalid_field(
            "datasets",
            "this spec names one dataset: run it as an experiment",
        ));
    }
    let mut datasets = Vec::new();
    for index in 0..spec.datasets.len() {
        let Some(one) = spec.for_dataset(index) else {
            continue;
        };
        let name = one.dataset.name.clone();
        let outcome = crate::experiments::create_experiment(project, &one).and_then(|detail| {
            project.set_experiment_tag(detail.experiment.id, STUDY_TAG, &spec.name)?;
            crate::experiments::run_queued(project, detail.experiment.id, parallelism, jobs)
        });
        match outcome {
            Ok(outcome) => datasets.push(StudyDatasetOutcome {
                dataset: name,
                outcome: Some(outcome),
                error: None,
            }),
            Err(error) if error.code == crate::ErrorCode::Cancelled => return Err(error),
            Err(error) => datasets.push(StudyDatasetOutcome {
                dataset: name,
                outcome: None,
                error: Some(error),
            }),
        }
        if jobs.cancelled() {
            break;
        }
    }
    let comparison = compare_datasets(project, &spec.name)?;
    Ok(StudyOutcome {
        study: spec.name.clone(),
        datasets,
        comparison,
    })
}

/// The studies of the project (multi-dataset specs run here), by name.
pub fn list_studies(project: &Project) -> Result<Vec<String>, ApiError> {
    Ok(project.experiment_tag_values(STUDY_TAG)?)
}

/// The study's models × datasets table with ranks and tests, from the
/// newest experiment of each of its datasets.
pub fn compare_datasets(project: &Project, study: &str) -> Result<DatasetComparison, ApiError> {
    let experiments = project.experiments_tagged(STUDY_TAG, study)?;
    if experiments.is_empty() {
        return Err(ApiError::not_found(format!(
            "no study '{study}': run a spec with [[datasets]] named '{study}' first"
        )));
    }
    // The newest experiment per dataset: a study run again replaces its columns.
    let mut newest: BTreeMap<String, (usize, ExperimentId, ExperimentSpec)> = BTreeMap::new();
    let mut objective = None;
    for (order, record) in experiments.iter().enumerate() {
        let spec = ExperimentSpec::from_toml(&record.spec_toml).map_err(spec_error)?;
        objective.get_or_insert(spec.objective());
        let first = newest
            .get(&spec.dataset.name)
            .map_or(order, |(first, _, _)| *first);
        newest.insert(spec.dataset.name.clone(), (first, record.id, spec));
    }
    let Some(metric) = objective else {
        return Err(ApiError::not_found(format!("no study '{study}'")));
    };
    let higher = datalab_ml::metric_facts::higher_is_better(metric);
    let sign = datalab_ml::metric_facts::loss_sign(metric);
    let mut columns: Vec<(usize, String, ExperimentId, ExperimentSpec)> = newest
        .into_iter()
        .map(|(name, (first, id, spec))| (first, name, id, spec))
        .collect();
    columns.sort_by_key(|(first, ..)| *first);
    let mut models: Vec<String> = Vec::new();
    for (.., spec) in &columns {
        for search in &spec.models {
            if !models.contains(&search.model) {
                models.push(search.model.clone());
            }
        }
    }
    let mut scores = Vec::new();
    let mut runs = Vec::new();
    for (_, _, id, _) in &columns {
        let mut best: BTreeMap<&str, (f64, RunId)> = BTreeMap::new();
        let records = project.runs_of(*id)?;
        for run in records.iter().filter(|r| r.status == RunStatus::Succeeded) {
            let Some(value) = datalab_lab::run_info::metrics_of(run.summary_json.as_deref())
                .get(metric)
                .map(|v| v.mean)
                .filter(|v| v.is_finite())
            else {
                continue;
            };
            // Lower loss is better, whichever way the metric points.
            let better = best
                .get(run.model.as_str())
                .is_none_or(|(b, _)| sign * value < sign * *b);
            if better {
                best.insert(run.model.as_str(), (value, run.id));
            }
        }
        scores.push(
            models
                .iter()
                .map(|m| best.get(m.as_str()).map(|b| b.0))
                .collect(),
        );
        runs.push(
            models
                .iter()
                .map(|m| best.get(m.as_str()).map(|b| b.1))
                .collect(),
        );
    }
    let test = datalab_ml::ranks::rank_test(&scores, higher, ALPHA);
    let incomplete = scores
        .iter()
        .filter(|row: &&Vec<Option<f64>>| row.iter().any(Option::is_none))
        .count();
    let note = match &test {
        None => Some(format!(
            "no rank test: it needs at least two datasets on which every model has a finished trial ({} of {} have)",
            scores.len() - incomplete,
            scores.len()
        )),
        Some(_) if incomplete > 0 => Some(format!(
            "{incomplete} dataset(s) left out of the test: a model has no finished trial there"
        )),
        Some(_) => None,
    };
    let mut differences = Vec::new();
    if let Some(test) = &test {
        for a in 0..models.len() {
            for b in 0..models.len() {
                let difference = test.mean_ranks[b] - test.mean_ranks[a];
                if difference >= test.critical_difference {
                    differences.push(RankDifference {
                        better: models[a].clone(),
                        worse: models[b].clone(),
                        difference,
                    });
                }
            }
        }
    }
    Ok(DatasetComparison {
        study: study.to_string(),
        metric: metric.to_string(),
        higher_is_better: higher,
        models,
        datasets: columns
            .into_iter()
            .map(|(_, name, experiment, _)| ComparedDataset { name, experiment })
            .collect(),
        scores,
        runs,
        test,
        differences,
        note,
    })
}
