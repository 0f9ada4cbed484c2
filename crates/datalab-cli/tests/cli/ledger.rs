//! The ledger and budgets as a user meets them: compute time and vendor
//! spend summed from the records they come from (and equal to them), a
//! monthly budget that stops an evaluation before it is passed, a warning
//! from 80% on, and a budget set below what was spent said plainly.

use crate::common::{TestResult, datalab, iris_lab, iris_vendor, json, stderr};
use serde_json::Value;

fn sum(values: &Value, field: &str) -> f64 {
    values
        .as_array()
        .map(|a| a.iter().filter_map(|v| v[field].as_f64()).sum())
        .unwrap_or(0.0)
}

#[test]
fn budgets_stop_evaluations_and_the_ledger_sums_its_records() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, _) = iris_lab(dir.path())?;
    let server = iris_vendor(&lab, &["--price-per-call", "0.01", "--concurrency", "1"])?;

    // 0.055 a month: five calls of 0.01 fit, the sixth would pass it.
    let set = json(&datalab(
        &lab,
        &["--json", "budget", "set", "svc", "--monthly", "0.055"],
    ))?;
    assert_eq!(set[0]["spent"], 0.0);
    let capped = json(&datalab(
        &lab,
        &["--json", "evaluate", "--vendor", "svc", "--experiment", "1"],
    ))?;
    assert_eq!(capped["status"], "capped", "{capped}");
    assert_eq!(server.requests(), 5);
    assert!(
        capped["message"]
            .as_str()
            .is_some_and(|m| m.contains("budget of vendor 'svc'")),
        "{capped}"
    );

    // Over all vendors, 0.06: 0.05 spent is past 80%, and the ledger warns.
    let all = json(&datalab(
        &lab,
        &["--json", "budget", "set", "--all", "--monthly", "0.06"],
    ))?;
    let warning = all[0]["warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("83%") && warning.contains("all vendors"),
        "{warning}"
    );

    // Set below what was spent: kept, and said plainly; the next evaluation is refused.
    let below = json(&datalab(
        &lab,
        &["--json", "budget", "set", "svc", "--monthly", "0.04"],
    ))?;
    let said = below[0]["warning"].as_str().unwrap_or_default();
    assert!(said.contains("more than this budget"), "{said}");
    let refused = datalab(&lab, &["evaluate", "--vendor", "svc", "--experiment", "1"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is spent"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(server.requests(), 5, "a refused evaluation makes no call");

    // The ledger's sums are the sums of the records.
    let ledger = json(&datalab(&lab, &["--json", "ledger"]))?;
    let runs = json(&datalab(&lab, &["--json", "runs", "list"]))?;
    let wall = sum(&runs, "wall_ms");
    for by in [
        "compute_by_experiment",
        "compute_by_model",
        "compute_by_day",
    ] {
        assert!(
            (sum(&ledger[by], "wall_ms") - wall).abs() < 1e-6,
            "{by}: {}",
            ledger[by]
        );
        assert_eq!(
            sum(&ledger[by], "runs") as usize,
            runs.as_array().map_or(0, Vec::len)
        );
    }
    let evaluations = json(&datalab(&lab, &["--json", "evaluations", "list"]))?;
    let spent: f64 = evaluations
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["summary"]["spent"].as_f64())
                .sum()
        })
        .unwrap_or(0.0);
    assert!((spent - 0.05).abs() < 1e-9, "{evaluations}");
    for by in ["spend_by_month", "spend_by_day"] {
        assert!(
            (sum(&ledger[by], "cost") - spent).abs() < 1e-9,
            "{by}: {}",
            ledger[by]
        );
    }
    assert_eq!(ledger["budgets"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[test]
fn agreements_belong_to_an_experiment_or_to_the_task_they_were_written_for() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, iris) = iris_lab(dir.path())?;
    let classification = iris["experiment_id"].to_string();
    let spec = lab.join("wine.toml");
    std::fs::write(
        &spec,
        "name = \"wine\"\n[dataset]\nname = \"winequality-red\"\n[task]\nkind = \"regression\"\n\
         target = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 3\n[[models]]\n\
         model = \"decision_tree_regressor\"\nparams = { max_depth = [2, 4] }\n",
    )?;
    let wine = json(&datalab(&lab, &["--json", "run", &spec.to_string_lossy()]))?;
    let regression = wine["experiment_id"].to_string();

    // The project's minimum, written against accuracy, holds for classification only.
    let set = datalab(&lab, &["agreements", "--min-metric", "0.99"]);
    assert!(set.status.success(), "{}", stderr(&set));
    let iris_cmp = json(&datalab(&lab, &["--json", "compare", &classification]))?;
    assert_eq!(iris_cmp["agreements_source"], "project");
    assert!(
        iris_cmp["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["meets"] == false))
    );
    let wine_cmp = json(&datalab(&lab, &["--json", "compare", &regression]))?;
    assert_eq!(
        wine_cmp["agreements_source"], "none",
        "{}",
        wine_cmp["agreements"]
    );
    assert!(
        wine_cmp["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["meets"].is_null()))
    );

    // The regression experiment gets its own, on r2; the other keeps the project's.
    let own = json(&datalab(
        &lab,
        &[
            "--json",
            "agreements",
            "--experiment",
            &regression,
            "--metric",
            "r2",
            "--min-metric=-100",
        ],
    ))?;
    assert_eq!(own["source"], "experiment");
    let wine_cmp = json(&datalab(&lab, &["--json", "compare", &regression]))?;
    assert_eq!(wine_cmp["agreements_source"], "experiment");
    assert!(
        wine_cmp["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["meets"] == true)),
        "{wine_cmp}"
    );
    assert_eq!(
        json(&datalab(&lab, &["--json", "compare", &classification]))?["agreements_source"],
        "project"
    );
    // A version made now met them; under stricter agreements later, the ledger
    // shows it met them when made and misses them now.
    let run = wine["runs"][0]["id"].to_string();
    let registered = datalab(&lab, &["model", "register", &run, "--name", "wine"]);
    assert!(registered.status.success(), "{}", stderr(&registered));
    let strict = datalab(
        &lab,
        &[
            "agreements",
            "--experiment",
            &regression,
            "--min-metric",
            "0.999",
        ],
    );
    assert!(strict.status.success(), "{}", stderr(&strict));
    let ledger = json(&datalab(&lab, &["--json", "ledger"]))?;
    let standing = ledger["agreements"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["kind"] == "model_version"))
        .cloned()
        .ok_or("the version has no standing in the ledger")?;
    assert_eq!(standing["name"], "wine:1");
    assert_eq!(standing["met_then"], true, "{standing}");
    assert_eq!(standing["meets_now"], false, "{standing}");
    assert!(
        standing["misses_now"][0]
            .as_str()
            .is_some_and(|m| m.contains("r2")),
        "{standing}"
    );

    // Cleared, it follows the project's again (which say nothing of r2).
    let cleared = json(&datalab(
        &lab,
        &[
            "--json",
            "agreements",
            "--experiment",
            &regression,
            "--clear",
        ],
    ))?;
    assert_eq!(cleared["source"], "none");
    Ok(())
}
