//! What the lab knows about each metric it computes: its task, which way is
//! better, and which one leads a table. Every rule about metrics lives here:
//! the API, the CLI and the UI (through the generated `METRICS` constant of
//! `ui/src/api/types.ts`) read it instead of keeping their own lists.

use crate::catalog::Task;
use serde::Serialize;

/// One metric's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MetricFact {
    /// The name metrics are stored and sent under.
    pub name: &'static str,
    /// How a person reads it.
    pub label: &'static str,
    pub task: Task,
    pub higher_is_better: bool,
    /// Whether it is its task's headline: the metric a table leads with and
    /// a comparison picks when none is named (one per task).
    pub headline: bool,
}

const fn fact(
    name: &'static str,
    label: &'static str,
    task: Task,
    higher_is_better: bool,
    headline: bool,
) -> MetricFact {
    MetricFact {
        name,
        label,
        task,
        higher_is_better,
        headline,
    }
}

/// Every metric the lab computes, headlines first within each task.
pub const METRICS: &[MetricFact] = &[
    fact("accuracy", "accuracy", Task::Classification, true, true),
    fact("f1_macro", "F1 (macro)", Task::Classification, true, false),
    fact(
        "precision_macro",
        "precision (macro)",
        Task::Classification,
        true,
        false,
    ),
    fact(
        "recall_macro",
        "recall (macro)",
        Task::Classification,
        true,
        false,
    ),
    fact(
        "f1_weighted",
        "F1 (weighted)",
        Task::Classification,
        true,
        false,
    ),
    fact(
        "precision_weighted",
        "precision (weighted)",
        Task::Classification,
        true,
        false,
    ),
    fact(
        "recall_weighted",
        "recall (weighted)",
        Task::Classification,
        true,
        false,
    ),
    fact("roc_auc", "ROC AUC", Task::Classification, true, false),
    fact("log_loss", "log loss", Task::Classification, false, false),
    fact(
        "f1",
        "F1 (positive class)",
        Task::Classification,
        true,
        false,
    ),
    fact(
        "precision",
        "precision (positive class)",
        Task::Classification,
        true,
        false,
    ),
    fact(
        "recall",
        "recall (positive class)",
        Task::Classification,
        true,
        false,
    ),
    // Not a quality: where a binary classifier decides (higher only sorts).
    fact(
        "threshold",
        "decision threshold",
        Task::Classification,
        true,
        false,
    ),
    fact("r2", "R²", Task::Regression, true, true),
    fact("rmse", "RMSE", Task::Regression, false, false),
    fact("mae", "MAE", Task::Regression, false, false),
    fact("silhouette", "silhouette", Task::Clustering, true, true),
    fact("inertia", "inertia", Task::Clustering, false, false),
    fact("clusters", "clusters", Task::Clustering, true, false),
];

/// The facts of metric `name`, if the lab computes it.
pub fn fact_of(name: &str) -> Option<&'static MetricFact> {
    METRICS.iter().find(|m| m.name == name)
}

/// Whether a larger value of `name` is better (a metric the lab does not
/// know, such as one logged by a user's script, is taken as higher-is-better).
pub fn higher_is_better(name: &str) -> bool {
    fact_of(name).is_none_or(|m| m.higher_is_better)
}

/// +1 for a metric where lower is better, -1 where higher is: a value times
/// its sign is a loss (lower is better), and a loss times it the value again.
pub fn loss_sign(name: &str) -> f64 {
    if higher_is_better(name) { -1.0 } else { 1.0 }
}

/// The metric a task's tables lead with.
pub fn headline_of(task: Task) -> &'static str {
    METRICS
        .iter()
        .find(|m| m.task == task && m.headline)
        .map_or("accuracy", |m| m.name)
}

/// The headline metric for a set of results, each given by the names of
/// its metrics: the headline that most of them have (a project mixes
/// tasks), ties going to the earlier task (classification, regression,
/// clustering). None when no result has a headline metric.
pub fn leading_metric<'a, S, I>(results: I) -> Option<&'static str>
where
    I: IntoIterator<Item = S>,
    S: IntoIterator<Item = &'a str>,
{
    let headlines: Vec<&'static str> = METRICS
        .iter()
        .filter(|m| m.headline)
        .map(|m| m.name)
        .collect();
    let mut counts = vec![0usize; headlines.len()];
    for names in results {
        for name in names {
            if let Some(k) = headlines.iter().position(|h| *h == name) {
                counts[k] += 1;
            }
        }
    }
    let (best, count) =
        counts.iter().enumerate().fold(
            (0, 0),
            |best, (k, &c)| if c > best.1 { (k, c) } else { best },
        );
    (count > 0).then(|| headlines[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_task_has_one_headline_and_every_metric_a_direction() {
        for task in [Task::Classification, Task::Regression, Task::Clustering] {
            let headlines = METRICS
                .iter()
                .filter(|m| m.task == task && m.headline)
                .count();
            assert_eq!(headlines, 1, "{task:?}");
        }
        assert_eq!(headline_of(Task::Regression), "r2");
        for lower in ["rmse", "mae", "log_loss", "inertia"] {
            assert!(!higher_is_better(lower), "{lower}");
        }
        assert!(higher_is_better("accuracy") && higher_is_better("a_users_own_metric"));
    }

    #[test]
    fn the_leading_metric_is_the_headline_most_results_have() {
        let classifier = ["accuracy", "f1_macro"];
        let regressor = ["r2", "rmse"];
        assert_eq!(leading_metric([classifier, classifier]), Some("accuracy"));
        assert_eq!(
            leading_metric([regressor, regressor, classifier]),
            Some("r2")
        );
        // A tie goes to the earlier task.
        assert_eq!(leading_metric([regressor, classifier]), Some("accuracy"));
        assert_eq!(leading_metric([["rmse"]]), None);
        assert_eq!(leading_metric(Vec::<Vec<&str>>::new()), None);
    }

    #[test]
    fn every_metric_a_trial_reports_has_its_facts() {
        use crate::trial::Metrics;
        let classification = Metrics::Classification(crate::metrics::classification(
            &[0, 1, 1, 0],
            &[0, 1, 0, 0],
            Some(&[
                vec![0.9, 0.1],
                vec![0.2, 0.8],
                vec![0.6, 0.4],
                vec![0.7, 0.3],
            ]),
            2,
        ));
        let regression = Metrics::Regression(crate::metrics::regression(
            &[1.0, 2.0, 3.0],
            &[1.0, 2.5, 2.0],
        ));
        let clustering = Metrics::Clustering {
            clusters: 2,
            silhouette: Some(0.5),
            inertia: 1.0,
        };
        for metrics in [classification, regression, clustering] {
            for (name, _) in metrics.scalars() {
                assert!(fact_of(name).is_some(), "{name} has no facts");
            }
        }
    }
}
