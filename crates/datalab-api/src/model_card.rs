//! MODEL_CARD.md, generated from the experiment: purpose, data, metrics,
//! the comparison with the other candidates and the vendor services
//! evaluated on the same test rows, and how to reproduce it.

use crate::evaluations::EvaluationInfo;
use datalab_lab::{RunInfo, params_text};
use datalab_ml::spec::ExperimentSpec;
use datalab_ml::validation::Validation;
use datalab_publish::Manifest;
use std::fmt::Write;

/// What a card is written from: a version made from `run` of `spec`'s experiment.
pub struct CardFacts<'a> {
    pub manifest: &'a Manifest,
    pub description: &'a str,
    pub spec: &'a ExperimentSpec,
    pub experiment_name: &'a str,
    pub run: &'a RunInfo,
    /// Every run of the experiment, this one included.
    pub candidates: &'a [RunInfo],
    pub evaluations: &'a [EvaluationInfo],
    /// Gain per feature of the trained model, when it measures it.
    pub importance: Option<&'a [datalab_ml::trial::FeatureImportance]>,
    /// The trained model's decision threshold, when it has one.
    pub decision: Option<datalab_ml::threshold::Decision>,
    /// The lab journal's notes on the experiment and on the run, oldest first.
    pub notes: &'a [datalab_project::NoteRecord],
}

/// The card of a version.
pub fn model_card(facts: &CardFacts<'_>) -> String {
    let CardFacts {
        manifest,
        description,
        spec,
        experiment_name,
        run,
        candidates,
        evaluations,
        importance,
        decision,
        notes,
    } = *facts;
    let mut out = String::new();
    let _ = writeln!(out, "# {} v{}\n", manifest.name, manifest.version);
    if !description.trim().is_empty() {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    let _ = writeln!(out, "## Purpose\n");
    let target = manifest
        .target
        .as_deref()
        .map(|t| format!(" predicting `{t}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "A {} model ({}, {}){target} from {} input columns. It is run {} of experiment {} \
         \"{experiment_name}\" in the Data Lab project it was registered from.\n",
        manifest.task,
        manifest.algorithm,
        params_text(&manifest.parameters, ", "),
        manifest.input_schema.len(),
        run.id,
        run.experiment_id,
    );
    if let Some(classes) = &manifest.classes {
        let _ = writeln!(out, "Classes: {}.\n", classes.join(", "));
        if let (Some(decision), Some(rule)) = (decision, &spec.task.threshold) {
            let goal = match (rule.metric, rule.precision) {
                (datalab_ml::threshold::ThresholdMetric::RecallAtPrecision, Some(p)) => {
                    format!("the best recall at a precision of at least {p}")
                }
                _ => "the best F1".to_string(),
            };
            let positive = classes.get(decision.positive).map_or("?", String::as_str);
            let _ = writeln!(
                out,
                "It answers `{positive}` when that class's probability is at least {:.4}, \
                 a threshold chosen for {goal} from out-of-fold probabilities; otherwise the other class.\n",
                decision.threshold
            );
        }
    }
    let _ = writeln!(out, "## Data\n");
    let _ = writeln!(
        out,
        "Dataset `{}`, snapshot sha256 `{}`.\n",
        spec.dataset.name, manifest.dataset_sha256
    );
    let _ = writeln!(out, "| input | kind |\n|---|---|");
    for field in &manifest.input_schema {
        let _ = writeln!(out, "| {} | {} |", field.name, field.kind);
    }
    let validation = match spec.validation {
        Validation::Holdout { test_fraction } => {
            format!("a holdout of {:.0} % of the rows", test_fraction * 100.0)
        }
        Validation::KFold { folds } => format!("{folds}-fold cross-validation"),
    };
    let _ = writeln!(out, "\n## Metrics\n");
    let _ = writeln!(
        out,
        "Measured with {validation} (seed {}); mean and standard deviation over the folds.\n",
        spec.seed
    );
    let _ = writeln!(out, "| metric | mean | std |\n|---|---:|---:|");
    for (name, m) in &run.metrics {
        let _ = writeln!(out, "| {name} | {:.4} | {:.4} |", m.mean, m.std);
    }
    if let Some(importance) = importance.filter(|i| !i.is_empty()) {
        let _ = writeln!(out, "\n## Feature importance\n");
        let _ = writeln!(
            out,
            "Total split gain per feature in the trained model, as a share of all \
             ({} features; the first 20 shown).\n",
            importance.len()
        );
        let _ = writeln!(out, "| feature | share of gain |\n|---|---:|");
        for f in importance.iter().take(20) {
            let _ = writeln!(out, "| {} | {:.1} % |", f.feature, f.share * 100.0);
        }
    }
    let _ = writeln!(out, "\n## Comparison with the other candidates\n");
    let succeeded: Vec<&RunInfo> = candidates
        .iter()
        .filter(|r| r.status == datalab_project::RunStatus::Succeeded)
        .collect();
    match succeeded.iter().find_map(|r| r.headline_metric()) {
        Some((metric, _)) => {
            let mut ranked = succeeded.clone();
            let higher = datalab_ml::metric_facts::higher_is_better(metric);
            ranked.sort_by(|a, b| {
                let value = |r: &RunInfo| r.metrics.get(metric).map_or(f64::NAN, |m| m.mean);
                let (a, b) = (value(a), value(b));
                if higher {
                    b.total_cmp(&a)
                } else {
                    a.total_cmp(&b)
                }
            });
            let _ = writeln!(
                out,
                "The {} runs of the same experiment, by {metric} (this model in bold):\n",
                ranked.len()
            );
            let _ = writeln!(
                out,
                "| run | model | parameters | {metric} |\n|---|---|---|---:|"
            );
            for r in ranked.iter().take(20) {
                let value = r
                    .metrics
                    .get(metric)
                    .map_or("-".into(), |m| format!("{:.4} ± {:.4}", m.mean, m.std));
                let bold = if r.id == run.id { "**" } else { "" };
                let _ = writeln!(
                    out,
                    "| {bold}{}{bold} | {bold}{}{bold} | {} | {bold}{value}{bold} |",
                    r.id,
                    r.model,
                    params_text(&r.params, ", ")
                );
            }
        }
        None => {
            let _ = writeln!(out, "No other candidate has a comparable metric.");
        }
    }
    vendor_table(&mut out, run, evaluations);
    if !notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for note in notes {
            let on = match note.subject {
                datalab_project::NoteSubject::Run(id) => format!("run {id}"),
                datalab_project::NoteSubject::Experiment(id) => format!("experiment {id}"),
                _ => "the project".to_string(),
            };
            let _ = writeln!(
                out,
                "*{} UTC, on {on}:*\n",
                note.created_at
                    .get(..16)
                    .unwrap_or(&note.created_at)
                    .replace('T', " ")
            );
            let _ = writeln!(out, "{}\n", note.body.trim());
        }
    }
    let _ = writeln!(out, "\n## How to reproduce\n");
    let _ = writeln!(
        out,
        "In a project holding dataset `{}` with snapshot `{}`:\n\n```sh\ndatalab run spec.toml\n```\n\n\
         The same spec on the same snapshot gives bit-identical metrics. `model.bin` is the \
         fitted model with its preprocessing (Data Lab {}); `model.json` lists every file of \
         this package with its sha256.",
        spec.dataset.name, manifest.dataset_sha256, manifest.engine_version
    );
    out
}

/// The newest finished evaluation of each vendor on this experiment, beside this model.
fn vendor_table(out: &mut String, run: &RunInfo, evaluations: &[EvaluationInfo]) {
    let newest = crate::candidates::newest_per_vendor(evaluations);
    let _ = writeln!(out, "\n### Vendor services\n");
    let Some((metric, mine)) = run.headline_metric() else {
        let _ = writeln!(out, "No comparable metric.");
        return;
    };
    if newest.is_empty() {
        let _ = writeln!(out, "None evaluated on this experiment's test rows yet.");
        return;
    }
    let _ = writeln!(
        out,
        "Evaluated on the same test rows (`datalab evaluate`), scored by the same code:\n"
    );
    let _ = writeln!(
        out,
        "| candidate | {metric} | p95 latency | cost per 1,000 | rows without an answer |\n|---|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| **this model** | **{:.4} ± {:.4}** | local | 0 | 0 |",
        mine.mean, mine.std
    );
    for e in newest {
        let s = &e.summary;
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} | {} of {} |",
            e.vendor,
            e.protocol,
            s.metrics
                .get(metric)
                .map_or("-".into(), |m| format!("{:.4} ± {:.4}", m.mean, m.std)),
            s.latency.map_or("-".into(), |l| format!("{:.1} ms", l.p95)),
            s.cost_per_1000.map_or("-".into(), |c| format!("{c:.4}")),
            s.failed,
            s.rows
        );
    }
}
