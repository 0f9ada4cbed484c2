//! The models people actually use, through the binary: gradient boosting
//! reproducible bit for bit whatever the parallelism, a categorical column
//! with 100,000 levels, and a row-number column kept out of the features.

use crate::common::{TestResult, datalab, json, run_spec as run, stderr};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn model_json(lab: &Path, run: &Value) -> Result<String, Box<dyn std::error::Error>> {
    let id = run["id"].as_i64().unwrap_or(0);
    Ok(std::fs::read_to_string(
        lab.join("runs").join(id.to_string()).join("model.json"),
    )?)
}

#[test]
fn boosting_is_bit_identical_on_one_or_two_workers() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let spec = r#"
name = "penguins boosted"
seed = 3
[dataset]
name = "penguins"
[task]
kind = "classification"
target = "species"
[validation]
kind = "k_fold"
folds = 3
[[models]]
model = "gradient_boosting"
params = { learning_rate = [0.05, 0.2], row_fraction = [0.7], column_fraction = [0.8] }
"#;
    let one = run(&lab, spec, &["--parallelism", "1"])?;
    let two = run(&lab, spec, &["--parallelism", "2"])?;
    let runs = |v: &Value| v["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs(&one).len(), 2);
    for (a, b) in runs(&one).iter().zip(runs(&two).iter()) {
        assert_eq!(a["status"], "succeeded", "{a}");
        assert_eq!(a["metrics"], b["metrics"]);
        assert_eq!(model_json(&lab, a)?, model_json(&lab, b)?);
        let accuracy = a["metrics"]["accuracy"]["mean"].as_f64().unwrap_or(0.0);
        assert!(accuracy > 0.95, "accuracy {accuracy}");
    }
    // The run shows which features its splits gained most on.
    let id = one["runs"][0]["id"].to_string();
    let shown = json(&datalab(&lab, &["--json", "runs", "show", &id]))?;
    let importance = shown["importance"].as_array().cloned().unwrap_or_default();
    assert!(!importance.is_empty(), "{shown}");
    let total: f64 = importance.iter().filter_map(|f| f["share"].as_f64()).sum();
    assert!((total - 1.0).abs() < 1e-9, "{importance:?}");
    Ok(())
}

#[test]
fn a_categorical_column_with_100000_levels_is_boosted_without_blowing_up() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["init", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let mut csv = String::from("customer,segment,spend,churned\n");
    for i in 0..100_000u64 {
        let segment = ["a", "b", "c", "d"][(i % 4) as usize];
        let spend = (i * 7919 % 1000) as f64 / 10.0;
        let churned = if segment == "c" || spend > 80.0 {
            "yes"
        } else {
            "no"
        };
        writeln!(csv, "cust-{i:06},{segment},{spend},{churned}")?;
    }
    let file = dir.path().join("customers.csv");
    std::fs::write(&file, csv)?;
    let imported = datalab(&lab, &["dataset", "import", &file.to_string_lossy()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let spec = r#"
name = "many levels"
seed = 1
[dataset]
name = "customers"
[task]
kind = "classification"
target = "churned"
[validation]
kind = "holdout"
test_fraction = 0.2
[[models]]
model = "gradient_boosting"
params = { rounds = 20 }
"#;
    let outcome = run(&lab, spec, &[])?;
    let run = &outcome["runs"][0];
    assert_eq!(run["status"], "succeeded", "{run}");
    let accuracy = run["metrics"]["accuracy"]["mean"].as_f64().unwrap_or(0.0);
    assert!(accuracy > 0.99, "accuracy {accuracy}");
    Ok(())
}

#[test]
fn a_row_number_column_is_reported_and_left_out_of_the_features() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["init", "lab"]).status.success());
    let lab = dir.path().join("lab");
    // What R's write.csv leaves: a blank header over 1, 2, 3, … on data sorted by class.
    let iris = std::fs::read_to_string(crate::common::repo("assets/datasets/iris.csv"))?;
    let mut csv = String::new();
    for (i, line) in iris.lines().enumerate() {
        if i == 0 {
            writeln!(csv, "\"\",{line}")?;
        } else {
            writeln!(csv, "{i},{line}")?;
        }
    }
    let file = dir.path().join("iris_r.csv");
    std::fs::write(&file, csv)?;
    let imported = datalab(&lab, &["dataset", "import", &file.to_string_lossy()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stderr(&imported).contains("row numbers"),
        "{}",
        stderr(&imported)
    );
    let spec = r#"
name = "iris from R"
seed = 1
[dataset]
name = "iris_r"
[task]
kind = "classification"
target = "species"
[validation]
kind = "k_fold"
folds = 3
[[models]]
model = "decision_tree"
params = { max_depth = 1 }
"#;
    let outcome = run(&lab, spec, &[])?;
    let model: Value = serde_json::from_str(&model_json(&lab, &outcome["runs"][0])?)?;
    let features = model["feature_names"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(features.len(), 4, "{features:?}");
    assert!(!features.iter().any(|f| f == ""), "{features:?}");
    Ok(())
}

#[test]
fn a_tpe_sweep_suggests_its_trials_reproducibly() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let spec = r#"
name = "wine tpe"
seed = 5
[dataset]
name = "winequality-red"
[task]
kind = "regression"
target = "quality"
[validation]
kind = "k_fold"
folds = 3
[search]
kind = "tpe"
budget = 12
startup = 4
[[models]]
model = "decision_tree_regressor"
params = { max_depth = { min = 1, max = 12 }, min_samples_split = { min = 2, max = 200, log = true } }
"#;
    let params = |outcome: &Value| -> Vec<Value> {
        outcome["runs"]
            .as_array()
            .map(|runs| runs.iter().map(|r| r["params"].clone()).collect())
            .unwrap_or_default()
    };
    let first = run(&lab, spec, &["--parallelism", "1"])?;
    let suggested = params(&first);
    assert_eq!(suggested.len(), 12);
    for p in &suggested {
        // Every trial, the suggested ones too, ran with whole numbers in range.
        let depth = p["max_depth"].as_i64().unwrap_or(-1);
        let split = p["min_samples_split"].as_i64().unwrap_or(-1);
        assert!((1..=12).contains(&depth), "{p}");
        assert!((2..=200).contains(&split), "{p}");
    }
    let second = run(&lab, spec, &["--parallelism", "1"])?;
    assert_eq!(suggested, params(&second));
    let metrics = |outcome: &Value| -> Vec<Value> {
        outcome["runs"]
            .as_array()
            .map(|runs| runs.iter().map(|r| r["metrics"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(metrics(&first), metrics(&second));
    Ok(())
}

/// TPE with ASHA on the wine regression: trial 0's rung values decide who
/// goes on, so a weak tree is stopped after one fold.
const TPE_ASHA_SPEC: &str = r#"
name = "wine tpe asha"
seed = 11
[dataset]
name = "winequality-red"
[task]
kind = "regression"
target = "quality"
[validation]
kind = "k_fold"
folds = 5
[search]
kind = "tpe"
budget = 14
startup = 4
batch = 2
[early_stop]
kind = "asha"
reduction = 3
[[models]]
model = "decision_tree_regressor"
params = { max_depth = { min = 1, max = 14 }, min_samples_split = { min = 2, max = 300, log = true } }
"#;

#[test]
fn tpe_with_asha_prunes_the_same_trials_on_one_or_two_workers() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let one = run(&lab, TPE_ASHA_SPEC, &["--parallelism", "1"])?;
    let two = run(&lab, TPE_ASHA_SPEC, &["--parallelism", "2"])?;
    let runs = |v: &Value| v["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs(&one).len(), 14);
    let fields = ["trial", "params", "status", "rung", "metrics", "error"];
    for (a, b) in runs(&one).iter().zip(runs(&two).iter()) {
        for field in fields {
            assert_eq!(a[field], b[field], "{field} of trial {}", a["trial"]);
        }
    }
    let all = runs(&one);
    let pruned: Vec<&Value> = all.iter().filter(|r| r["status"] == "pruned").collect();
    assert!(!pruned.is_empty(), "nothing was pruned: {one}");
    for run in &pruned {
        // Pruned at rung 1 (one fold) or 2 (three folds), saying why, with
        // the folds it finished, and no model.
        let rung = run["rung"].as_u64().unwrap_or(0);
        assert!(rung == 1 || rung == 2, "{run}");
        let why = run["error"].as_str().unwrap_or("");
        assert!(why.starts_with(&format!("pruned at rung {rung}")), "{why}");
        assert!(run["metrics"]["r2"]["mean"].is_f64(), "{run}");
        let id = run["id"].as_i64().unwrap_or(0);
        assert!(
            !lab.join("runs")
                .join(id.to_string())
                .join("model.json")
                .exists()
        );
    }
    // The first trial has nobody to lose to, and startup trials still run
    // to the end when they are good enough.
    assert_eq!(runs(&one)[0]["status"], "succeeded");
    let succeeded = runs(&one)
        .iter()
        .filter(|r| r["status"] == "succeeded")
        .count();
    assert_eq!(succeeded + pruned.len(), 14, "{one}");

    // A pruned trial never becomes the best, even when its first folds
    // scored higher than any finished trial's five.
    let experiment = one["experiment_id"].as_i64().unwrap_or(0).to_string();
    let compared = datalab(&lab, &["--json", "compare", &experiment]);
    assert!(compared.status.success(), "{}", stderr(&compared));
    let compared = json(&compared)?;
    let candidates = compared["candidates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let best: Vec<&Value> = candidates.iter().filter(|c| c["best"] == true).collect();
    assert_eq!(best.len(), 1, "{compared}");
    assert!(
        !pruned.iter().any(|r| r["id"] == best[0]["run"]),
        "{compared}"
    );
    let top = all
        .iter()
        .filter(|r| r["status"] == "succeeded")
        .filter_map(|r| r["metrics"]["r2"]["mean"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(best[0]["score"].as_f64(), Some(top), "{compared}");
    assert_eq!(candidates.len(), succeeded, "{compared}");
    Ok(())
}

#[test]
fn asha_settings_that_do_not_fit_the_folds_are_refused_before_anything_runs() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let spec = TPE_ASHA_SPEC.replace("reduction = 3", "reduction = 3\nrungs = 3");
    let path = lab.join("too-many-rungs.toml");
    std::fs::write(&path, spec)?;
    let output = datalab(&lab, &["run", &path.to_string_lossy()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("early_stop") && message.contains("3 rungs do not fit 5 folds"),
        "{message}"
    );
    let listed = datalab(&lab, &["--json", "experiment", "list"]);
    assert!(json(&listed)?.as_array().is_some_and(|e| e.is_empty()));
    Ok(())
}

#[test]
fn a_tpe_space_of_one_point_runs_that_point() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let spec = r#"
name = "one point"
[dataset]
name = "iris"
[task]
kind = "classification"
target = "species"
[validation]
kind = "k_fold"
folds = 3
[search]
kind = "tpe"
budget = 5
startup = 2
[[models]]
model = "decision_tree"
params = { max_depth = 3 }
"#;
    let outcome = run(&lab, spec, &[])?;
    let runs = outcome["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 5);
    for run in &runs {
        assert_eq!(run["status"], "succeeded", "{run}");
        assert_eq!(run["params"]["max_depth"], 3, "{run}");
    }
    Ok(())
}

/// The ranks of `scores` (1 for the best, ties sharing their mean), as a
/// person would count them.
fn hand_ranks(scores: &[f64]) -> Vec<f64> {
    scores
        .iter()
        .map(|&s| {
            let better = scores.iter().filter(|&&o| o > s).count() as f64;
            let tied = scores.iter().filter(|&&o| o == s).count() as f64;
            better + (tied + 1.0) / 2.0
        })
        .collect()
}

#[test]
fn a_spec_across_datasets_ranks_its_models_and_tests_the_ranks() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let spec = r#"
name = "three datasets"
[task]
kind = "classification"
[validation]
kind = "k_fold"
folds = 3
[[datasets]]
name = "iris"
target = "species"
[[datasets]]
name = "penguins"
target = "species"
[[datasets]]
name = "diabetes"
target = "no_such_column"
[[datasets]]
name = "winequality-red"
target = "quality"
[[models]]
model = "decision_tree"
params = { max_depth = [1, 3] }
[[models]]
model = "gaussian_nb"
[[models]]
model = "logistic_regression"
"#;
    let outcome = run(&lab, spec, &[])?;
    let datasets = outcome["datasets"].as_array().cloned().unwrap_or_default();
    assert_eq!(datasets.len(), 4);
    // The dataset without its target fails with a message naming it; the others ran.
    let diabetes = &datasets[2];
    assert!(diabetes["outcome"].is_null(), "{diabetes}");
    let message = diabetes["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("no_such_column"), "{message}");
    for ran in [&datasets[0], &datasets[1], &datasets[3]] {
        let runs = ran["outcome"]["runs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(runs.len(), 4, "{ran}");
        assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{ran}");
    }

    let comparison = &outcome["comparison"];
    assert_eq!(comparison["metric"], "accuracy");
    let models: Vec<&str> = comparison["models"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        models,
        ["decision_tree", "gaussian_nb", "logistic_regression"]
    );
    let names: Vec<&str> = comparison["datasets"]
        .as_array()
        .map(|d| d.iter().filter_map(|d| d["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["iris", "penguins", "winequality-red"]);
    // Each cell is the model's best trial on that dataset, as its runs say.
    let scores: Vec<Vec<f64>> = comparison["scores"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    row.as_array()
                        .map(|r| r.iter().filter_map(Value::as_f64).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    for (row, ran) in scores
        .iter()
        .zip([&datasets[0], &datasets[1], &datasets[3]])
    {
        assert_eq!(row.len(), 3);
        let runs = ran["outcome"]["runs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (model, score) in models.iter().zip(row) {
            let best = runs
                .iter()
                .filter(|r| r["model"] == *model)
                .filter_map(|r| r["metrics"]["accuracy"]["mean"].as_f64())
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(*score, best, "{model}");
        }
    }
    // Ranks, mean ranks and Friedman's statistic, counted by hand.
    let test = &comparison["test"];
    assert_eq!(test["datasets_used"], 3);
    let ranks: Vec<Vec<f64>> = scores.iter().map(|row| hand_ranks(row)).collect();
    assert_eq!(test["ranks"], serde_json::json!(ranks));
    let (n, k) = (3.0, 3.0);
    let mean: Vec<f64> = (0..3)
        .map(|m| ranks.iter().map(|r| r[m]).sum::<f64>() / n)
        .collect();
    for (got, want) in test["mean_ranks"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(&mean)
    {
        assert!((got.as_f64().unwrap_or(f64::NAN) - want).abs() < 1e-12);
    }
    let chi2 = 12.0 * n / (k * (k + 1.0))
        * (mean.iter().map(|r| r * r).sum::<f64>() - k * (k + 1.0).powi(2) / 4.0);
    let got = test["friedman_chi2"].as_f64().unwrap_or(f64::NAN);
    assert!((got - chi2).abs() < 1e-9, "{got} vs {chi2}");
    // Nemenyi's CD for 3 models on 3 datasets: q = 2.343 (Demšar, table 5).
    let cd = test["critical_difference"].as_f64().unwrap_or(f64::NAN);
    assert!(
        (cd - 2.343 * (k * (k + 1.0) / (6.0 * n)).sqrt()).abs() < 2e-3,
        "{cd}"
    );
    assert!(comparison["note"].is_null(), "{comparison}");

    // The same table, asked for again, and as a person reads it.
    let again = datalab(&lab, &["--json", "compare", "--datasets", "three datasets"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(&json(&again)?, comparison);
    let shown = datalab(&lab, &["compare", "--datasets", "three datasets"]);
    let text = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(
        text.contains("mean rank") && text.contains("Friedman over 3 datasets"),
        "{text}"
    );
    assert!(text.contains("Nemenyi critical difference"), "{text}");
    let missing = datalab(&lab, &["compare", "--datasets", "no such study"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no study 'no such study'"));
    Ok(())
}
