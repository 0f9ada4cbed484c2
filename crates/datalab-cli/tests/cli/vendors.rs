//! Vendors as a user meets them from the command line, against the test
//! vendor server on loopback: add one with its key in an environment
//! variable, evaluate it on an experiment's test rows under injected faults,
//! evaluate again from the cache without a call, stop at a spend cap, and
//! compare it with the local runs against agreements. The key never lands
//! in the project's database or in anything the commands print.

use crate::common::TestResult;
use datalab_vendor_server::{FaultPlan, ServerConfig, VendorServer};
use serde_json::Value;
use std::process::Output;

const KEY_VAR: &str = "DATALAB_TEST_VENDOR_KEY";

struct Lab {
    dir: tempfile::TempDir,
    key: String,
    printed: std::cell::RefCell<String>,
}

impl Lab {
    fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("lab")
    }

    /// Runs `datalab` in the project with the key in its environment; keeps what it printed.
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_key(args, Some(&self.key))
    }

    fn run_with_key(&self, args: &[&str], key: Option<&str>) -> Output {
        let mut command = crate::common::command(&self.root());
        command.args(args).env_remove(KEY_VAR);
        if let Some(key) = key {
            command.env(KEY_VAR, key);
        }
        let output = match command.output() {
            Ok(output) => output,
            Err(e) => panic!("cannot run datalab: {e}"),
        };
        let mut printed = self.printed.borrow_mut();
        printed.push_str(&String::from_utf8_lossy(&output.stdout));
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
        output
    }

    fn json(&self, args: &[&str]) -> Result<Value, Box<dyn std::error::Error>> {
        let output = self.run(args);
        let text = String::from_utf8(output.stdout.clone())?;
        if !output.status.success() {
            return Err(format!(
                "datalab {args:?} failed: {}{text}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?)
    }
}

/// A demo project with the iris sweep run (10 runs, 5 folds).
fn lab_with_runs() -> Result<Lab, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let key = format!(
        "sk-test-{}",
        std::process::id() as u64 * 7_919 + 123_456_789
    );
    let status = crate::common::command(dir.path())
        .args(["demo", "lab"])
        .output()?
        .status;
    assert!(status.success());
    let lab = Lab {
        dir,
        key,
        printed: Default::default(),
    };
    lab.json(&["--json", "run", &crate::common::spec_path()])?;
    Ok(lab)
}

fn species() -> Vec<String> {
    ["setosa", "versicolor", "virginica"]
        .map(String::from)
        .to_vec()
}

fn count(summary: &Value, kind: &str) -> u64 {
    summary["failures"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["kind"] == kind))
        .and_then(|f| f["rows"].as_u64())
        .unwrap_or(0)
}

#[test]
fn a_vendor_is_evaluated_under_faults_cached_capped_and_compared() -> TestResult {
    let lab = lab_with_runs()?;
    let server = VendorServer::start(ServerConfig {
        labels: species(),
        token: Some(lab.key.clone()),
        echo_auth_in_errors: true,
        retry_after_s: 1,
        faults: FaultPlan {
            rate_limited_once: 60,
            server_error_always: 80,
            malformed: 60,
            bad_label: 60,
            ..FaultPlan::default()
        },
        ..ServerConfig::default()
    })?;
    let url = server.url();
    let added = lab.json(&[
        "--json",
        "vendor",
        "add",
        "iris-svc",
        "--protocol",
        "oip",
        "--url",
        &url,
        "--model",
        "iris",
        "--key-env",
        KEY_VAR,
        "--concurrency",
        "8",
        "--retries",
        "1",
        "--timeout-ms",
        "3000",
        "--price-per-call",
        "0.001",
    ])?;
    assert_eq!(added["secret_env"], KEY_VAR);
    assert_eq!(added["secret_available"], true);

    // One row first, as a user checks a new connector.
    let test = lab.json(&["--json", "vendor", "test", "iris-svc", "--experiment", "1"])?;
    assert!(test["truth"].is_string(), "{test}");
    assert!(
        test["request"]["headers"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h["value"] == "Bearer ***"))
    );

    // The whole test split: 150 rows over 5 folds, one row per call.
    let evaluation = lab.json(&[
        "--json",
        "evaluate",
        "--vendor",
        "iris-svc",
        "--experiment",
        "1",
    ])?;
    assert_eq!(evaluation["status"], "succeeded", "{evaluation}");
    let summary = &evaluation["summary"];
    let rows = summary["rows"].as_u64().unwrap_or(0);
    let (answered, failed) = (
        summary["answered"].as_u64().unwrap_or(0),
        summary["failed"].as_u64().unwrap_or(0),
    );
    assert_eq!(rows, 150);
    assert_eq!(answered + failed, rows);
    // Every injected fault shows up under its own kind; 429s were retried away.
    let (errors, malformed, invalid) = (
        count(summary, "server_error"),
        count(summary, "malformed"),
        count(summary, "invalid_answer"),
    );
    assert!(errors > 0 && malformed > 0 && invalid > 0, "{summary}");
    assert_eq!(errors + malformed + invalid, failed, "{summary}");
    assert_eq!(count(summary, "rate_limited"), 0);
    assert!(
        summary["metrics"]["accuracy"]["mean"]
            .as_f64()
            .is_some_and(|a| (0.0..=1.0).contains(&a))
    );
    assert!(summary["latency"]["p95"].as_f64().is_some());
    assert_eq!(summary["folds"].as_array().map(Vec::len), Some(5));
    let calls_made = server.requests();
    assert!(calls_made > 150, "retries add calls: {calls_made}");
    // Every row is recorded, failed ones saying why.
    let id = evaluation["id"].as_i64().unwrap_or(0).to_string();
    let detail = lab.json(&["--json", "evaluations", "show", &id])?;
    assert_eq!(detail["rows_total"], 150);
    let first = &detail["rows"][0];
    assert!(
        first["failure"].is_string() && first["failure_kind"].is_string(),
        "{first}"
    );

    // Again: every answer the service gave comes from the cache.
    let again = lab.json(&[
        "--json",
        "evaluate",
        "--vendor",
        "iris-svc",
        "--experiment",
        "1",
    ])?;
    let cached_calls = again["summary"]["cached_calls"].as_u64().unwrap_or(0);
    assert_eq!(
        cached_calls,
        answered + invalid,
        "answers and well-formed wrong labels are cached"
    );
    assert_eq!(
        server.requests() - calls_made,
        errors * 2 + malformed,
        "only the calls that failed are made again (a 500 with its one retry; malformed answers are not retried)"
    );
    assert!(
        again["summary"]["spent"]
            .as_f64()
            .is_some_and(|s| s < summary["spent"].as_f64().unwrap_or(0.0))
    );

    // A spend cap stops a fresh evaluation before the call that would pass it.
    let priced = VendorServer::start(ServerConfig {
        labels: species(),
        ..ServerConfig::default()
    })?;
    lab.json(&[
        "--json",
        "vendor",
        "add",
        "iris-svc-2",
        "--protocol",
        "oip",
        "--url",
        &priced.url(),
        "--model",
        "iris",
        "--price-per-call",
        "0.01",
        "--concurrency",
        "2",
    ])?;
    let capped = lab.json(&[
        "--json",
        "evaluate",
        "--vendor",
        "iris-svc-2",
        "--experiment",
        "1",
        "--spend-cap",
        "0.035",
    ])?;
    assert_eq!(capped["status"], "capped", "{capped}");
    assert_eq!(priced.requests(), 3, "three calls of 0.01 fit under 0.035");
    assert_eq!(count(&capped["summary"], "not_sent"), 147);

    // Local runs and the vendor side by side, against agreements.
    lab.json(&[
        "--json",
        "agreements",
        "--min-metric",
        "0.9",
        "--max-cost-per-1000",
        "0.5",
    ])?;
    let comparison = lab.json(&["--json", "compare", "1"])?;
    let candidates = comparison["candidates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        candidates.iter().filter(|c| c["kind"] == "local").count(),
        10
    );
    let vendor = candidates
        .iter()
        .find(|c| {
            c["kind"] == "vendor"
                && c["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("iris-svc "))
        })
        .ok_or("the vendor is not among the candidates")?;
    assert_eq!(
        vendor["meets"], false,
        "a vendor answering at random misses 0.9: {vendor}"
    );
    assert!(
        vendor["cost_per_1000"]
            .as_f64()
            .is_some_and(|c| (c - 1.0).abs() < 1e-9),
        "{vendor}"
    );
    let best: Vec<&Value> = candidates.iter().filter(|c| c["best"] == true).collect();
    assert_eq!(best.len(), 1);
    assert_eq!(best[0]["kind"], "local");
    assert_eq!(best[0]["meets"], true);
    assert!(
        best[0]["latency"]["p50"].as_f64().is_some(),
        "local latency is measured: {}",
        best[0]
    );

    // The model card of a version from this experiment lists the vendors beside it.
    let run = best[0]["run"]
        .as_i64()
        .ok_or("the best has no run")?
        .to_string();
    lab.json(&["--json", "model", "register", &run, "--name", "iris"])?;
    let shown = lab.json(&["--json", "model", "show", "iris"])?;
    let card = shown["model_card"].as_str().unwrap_or_default();
    assert!(card.contains("### Vendor services"), "{card}");
    assert!(card.contains("| iris-svc (oip_v2) |"), "{card}");

    // Without the key: a clear error naming the variable, and exit code 9.
    let missing = lab.run_with_key(
        &["evaluate", "--vendor", "iris-svc", "--experiment", "1"],
        None,
    );
    assert_eq!(missing.status.code(), Some(9));
    assert!(String::from_utf8_lossy(&missing.stderr).contains(KEY_VAR));
    // A wrong key: refused at once, recorded as failed, exit code 9.
    lab.json(&[
        "--json",
        "vendor",
        "add",
        "iris-svc-3",
        "--protocol",
        "oip",
        "--url",
        &url,
        "--model",
        "iris-3",
        "--key-env",
        KEY_VAR,
    ])?;
    let wrong = lab.run_with_key(
        &["evaluate", "--vendor", "iris-svc-3", "--experiment", "1"],
        Some("sk-wrong-000000"),
    );
    assert_eq!(wrong.status.code(), Some(9));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("refused the credentials"));

    // The key is nowhere: not in the database (nor its WAL), not in anything printed.
    drop(server);
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(lab.root())? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("datalab.sqlite"))
        {
            stored.extend(std::fs::read(&path)?);
        }
    }
    assert!(stored.len() > 4096);
    let needle = lab.key.as_bytes();
    assert!(
        !stored.windows(needle.len()).any(|w| w == needle),
        "the key is in the database"
    );
    let printed = lab.printed.borrow();
    assert!(
        printed.contains("***"),
        "the echoed key shows masked in what was printed"
    );
    assert!(!printed.contains(&lab.key), "the key was printed");
    Ok(())
}
