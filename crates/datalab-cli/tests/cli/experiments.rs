//! `datalab run` on a spec file, as a user runs it: runs recorded with
//! metrics, the same numbers on a second run, clear errors for bad specs.

use crate::common::{TestResult, datalab, json, spec_path};
use serde_json::Value;

/// Mean accuracy of each run of an experiment's outcome, by trial.
fn accuracies(outcome: &Value) -> Vec<(u64, u64)> {
    crate::common::accuracies(outcome["runs"].as_array().map_or(&[], Vec::as_slice))
}

#[test]
fn a_spec_runs_every_trial_and_reproduces_its_numbers() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let first = datalab(&lab, &["--json", "run", &spec_path(), "--parallelism", "2"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let first = json(&first)?;
    let runs = first["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 10);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    let best = runs
        .iter()
        .filter_map(|r| r["metrics"]["accuracy"]["mean"].as_f64())
        .fold(0.0, f64::max);
    assert!(best > 0.93, "best accuracy {best}");
    // Each run keeps its per-fold evaluation under runs/<id>/.
    let id = runs[0]["id"].as_i64().unwrap_or(0);
    assert!(
        lab.join("runs")
            .join(id.to_string())
            .join("evaluation.json")
            .is_file()
    );

    // The same spec again, one trial at a time: bit-identical metrics.
    let second = json(&datalab(
        &lab,
        &["--json", "run", &spec_path(), "--parallelism", "1"],
    ))?;
    assert_eq!(accuracies(&first), accuracies(&second));
    assert_ne!(first["experiment_id"], second["experiment_id"]);

    // The exported spec runs to the same numbers too.
    let exported = datalab(&lab, &["experiment", "export", "1"]);
    let path = dir.path().join("exported.toml");
    std::fs::write(&path, &exported.stdout)?;
    let third = json(&datalab(&lab, &["--json", "run", &path.to_string_lossy()]))?;
    assert_eq!(accuracies(&first), accuracies(&third));

    let listed = json(&datalab(
        &lab,
        &["--json", "runs", "list", "--experiment", "1"],
    ))?;
    assert_eq!(listed.as_array().map(|a| a.len()), Some(10));

    // A depth-1 tree (one split: two of three species) loses to logistic
    // regression, significantly; runs of two experiments of one spec share folds.
    let stump = runs
        .iter()
        .find(|r| r["params"]["max_depth"] == 1)
        .map(|r| r["id"].to_string())
        .unwrap_or_default();
    let logistic = second["runs"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["model"] == "logistic_regression"))
        .map(|r| r["id"].to_string())
        .unwrap_or_default();
    let compared = json(&datalab(
        &lab,
        &["--json", "runs", "compare", &stump, &logistic],
    ))?;
    assert_eq!(compared["metric"], "accuracy");
    assert_eq!(compared["record"][0], serde_json::json!([0, 0, 1]));
    assert_eq!(compared["record"][1], serde_json::json!([1, 0, 0]));
    assert!(
        compared["pairs"][0]["p_value"]
            .as_f64()
            .is_some_and(|p| p < 0.05)
    );
    Ok(())
}

#[test]
fn an_experiment_is_created_shown_then_run_and_its_runs_inspected() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let created = json(&datalab(
        &lab,
        &["--json", "experiment", "create", &spec_path()],
    ))?;
    let id = created["experiment"]["id"].to_string();
    let runs = created["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 10);
    assert!(runs.iter().all(|r| r["status"] == "queued"), "{runs:?}");

    let shown = datalab(&lab, &["experiment", "show", &id]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("iris: trees vs logistic regression")
            && text.contains("10 queued")
            && text.contains("[[models]]"),
        "{text}"
    );

    let ran = json(&datalab(&lab, &["--json", "run", "--experiment", &id]))?;
    assert_eq!(ran["experiment_id"].to_string(), id);
    let runs = ran["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 10);
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    // Nothing is left queued: running the experiment again does nothing.
    let again = json(&datalab(&lab, &["--json", "run", "--experiment", &id]))?;
    assert_eq!(again["runs"], ran["runs"]);

    let run = runs[0]["id"].to_string();
    let detail = json(&datalab(&lab, &["--json", "runs", "show", &run]))?;
    assert_eq!(detail["folds"].as_array().map(Vec::len), Some(5));
    let fold_accuracy: Vec<f64> = detail["folds"]
        .as_array()
        .map(|folds| {
            folds
                .iter()
                .filter_map(|f| f["accuracy"].as_f64())
                .collect()
        })
        .unwrap_or_default();
    let mean = fold_accuracy.iter().sum::<f64>() / fold_accuracy.len() as f64;
    let recorded = detail["run"]["metrics"]["accuracy"]["mean"]
        .as_f64()
        .unwrap_or(f64::NAN);
    assert!((mean - recorded).abs() < 1e-12, "{mean} vs {recorded}");
    let files: Vec<String> = detail["files"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        files,
        [
            format!("runs/{run}/charts.json"),
            format!("runs/{run}/evaluation.json"),
            format!("runs/{run}/model.json")
        ]
    );
    let table = datalab(&lab, &["runs", "show", &run]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("fold 4") && text.contains("accuracy"),
        "{text}"
    );

    let missing = datalab(&lab, &["runs", "show", "999"]);
    assert_eq!(missing.status.code(), Some(4));
    Ok(())
}

#[test]
fn bad_specs_and_bad_runs_are_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let text = std::fs::read_to_string(spec_path())?;

    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, text.replace("folds = 5", "fold = 5"))?;
    let output = datalab(&lab, &["run", &typo.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(3));
    let message = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        message.contains("typo.toml") && message.contains("line 15") && message.contains("fold"),
        "{message}"
    );

    let missing_target = dir.path().join("target.toml");
    std::fs::write(
        &missing_target,
        text.replace("target = \"species\"", "target = \"kind\""),
    )?;
    let output = datalab(&lab, &["run", &missing_target.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no column named 'kind'"));

    // Regression on a text target is refused before any run is recorded.
    let regression = dir.path().join("regression.toml");
    std::fs::write(
        &regression,
        "name = \"r\"\n[dataset]\nname = \"iris\"\n[task]\nkind = \"regression\"\ntarget = \"species\"\n\
         [validation]\nkind = \"holdout\"\ntest_fraction = 0.2\n[[models]]\nmodel = \"linear_regression\"\n",
    )?;
    let output = datalab(&lab, &["run", &regression.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds text"));
    let runs = json(&datalab(&lab, &["--json", "runs", "list"]))?;
    assert_eq!(runs, serde_json::json!([]));
    Ok(())
}

#[test]
fn a_sweep_is_cancelled_from_another_terminal() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let depths: Vec<String> = (1..=30).map(|d| d.to_string()).collect();
    let spec = dir.path().join("slow.toml");
    std::fs::write(
        &spec,
        format!(
            "name = \"slow\"\nparallelism = 1\n[dataset]\nname = \"winequality-red\"\n[task]\nkind = \"classification\"\n\
             target = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 5\n[[models]]\nmodel = \"random_forest\"\n\
             params = {{ trees = 100, max_depth = [{}] }}\n",
            depths.join(", ")
        ),
    )?;
    let mut child = crate::common::command(&lab)
        .args(["--json", "run", &spec.to_string_lossy()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let started = std::time::Instant::now();
    loop {
        let runs = json(&datalab(&lab, &["--json", "runs", "list"]))?;
        let busy = runs
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r["status"] == "running"));
        if busy {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "no run started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let cancel = datalab(&lab, &["runs", "cancel", "--experiment", "1"]);
    assert!(
        cancel.status.success(),
        "{}",
        String::from_utf8_lossy(&cancel.stderr)
    );
    let waited = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if waited.elapsed().as_secs() > 60 {
            let _ = child.kill();
            panic!("the sweep did not stop after cancel");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success());
    let runs = json(&datalab(&lab, &["--json", "runs", "list"]))?;
    let statuses: Vec<String> = runs
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r["status"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(statuses.len(), 30);
    assert!(
        statuses.iter().all(|s| s != "running" && s != "queued"),
        "{statuses:?}"
    );
    let cancelled = statuses.iter().filter(|s| *s == "cancelled").count();
    assert!(cancelled >= 25, "{statuses:?}");
    Ok(())
}
