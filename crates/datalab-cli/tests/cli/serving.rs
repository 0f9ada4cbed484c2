//! `datalab serve` as a user and a container meet it, over real HTTP: every
//! route of both protocols and their errors, the metrics, a clean stop on
//! SIGTERM; a package served from storage without a project; a tampered
//! package refused; and a served model evaluated through the vendor
//! connectors scoring exactly as its local run.

use crate::common::{TestResult, datalab_with_env};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

fn datalab(dir: &Path, args: &[&str]) -> std::io::Result<Output> {
    datalab_with_env(dir, args, &[])
}

fn json_of(output: &Output) -> Result<Value, Box<dyn std::error::Error>> {
    let text = String::from_utf8(output.stdout.clone())?;
    if !output.status.success() {
        return Err(format!("{}{text}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?)
}

/// A served model: the child process and its URL; killed when dropped.
pub(crate) struct Served {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, args: &[&str]) -> Result<Served, Box<dyn std::error::Error>> {
    serve_with_env(dir, args, &[])
}

pub(crate) fn serve_with_env(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<Served, Box<dyn std::error::Error>> {
    let mut child = crate::common::command(dir)
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("unexpected first line: {line:?}"))?
        .to_string();
    let served = Served { child, url };
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&served.url, "/v2/health/ready")?.0 != 200 {
        if Instant::now() > deadline {
            return Err("the model never became ready".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(served)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

pub(crate) fn get(url: &str, path: &str) -> Result<(u16, String), Box<dyn std::error::Error>> {
    let mut response = agent().get(&format!("{url}{path}")).call()?;
    Ok((
        response.status().as_u16(),
        response.body_mut().read_to_string()?,
    ))
}

pub(crate) fn post(
    url: &str,
    path: &str,
    body: &str,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let mut response = agent()
        .post(&format!("{url}{path}"))
        .header("Content-Type", "application/json")
        .send(body)?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    Ok((
        status,
        serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?,
    ))
}

const HOLDOUT_SPEC: &str = r#"
name = "iris holdout"
seed = 7
[dataset]
name = "iris"
[task]
kind = "classification"
target = "species"
[validation]
kind = "holdout"
test_fraction = 0.3
[[models]]
model = "logistic_regression"
params = { alpha = [1.0] }
"#;

/// A demo project with one holdout run registered as `iris:1`.
fn lab() -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"])?.status.success());
    let lab = dir.path().join("lab");
    let spec = dir.path().join("holdout.toml");
    std::fs::write(&spec, HOLDOUT_SPEC)?;
    let ran = json_of(&datalab(&lab, &["--json", "run", &spec.to_string_lossy()])?)?;
    let run = ran["runs"][0]["id"].as_i64().ok_or("no run")?.to_string();
    json_of(&datalab(
        &lab,
        &["--json", "model", "register", &run, "--name", "iris"],
    )?)?;
    Ok((dir, lab))
}

fn oip_rows(rows: &[[f64; 4]]) -> Value {
    let names = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    json!({"inputs": names.iter().enumerate().map(|(c, name)| json!({
        "name": name, "shape": [rows.len(), 1], "datatype": "FP64",
        "data": rows.iter().map(|r| r[c]).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()})
}

#[test]
fn both_protocols_answer_check_their_inputs_count_and_stop_cleanly() -> TestResult {
    let (_dir, lab) = lab()?;
    let served = serve(&lab, &["iris"])?;
    let url = &served.url;
    assert_eq!(get(url, "/v2/health/live")?.0, 200);
    let (status, metadata) = get(url, "/v2/models/iris")?;
    assert_eq!(status, 200);
    let metadata: Value = serde_json::from_str(&metadata)?;
    assert_eq!(metadata["inputs"].as_array().map(Vec::len), Some(4));
    assert_eq!(get(url, "/v2/models/iris/versions/1")?.0, 200);
    // The model says what it is and where its card is; the card is the package's.
    assert!(
        metadata["parameters"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("model")),
        "{metadata}"
    );
    assert_eq!(metadata["parameters"]["card"], "/v2/models/iris/card");
    let (status, card) = get(url, "/v2/models/iris/card")?;
    assert_eq!(status, 200);
    let packaged = std::fs::read_to_string(lab.join("models/iris/1/MODEL_CARD.md"))?;
    assert_eq!(card, packaged);
    assert_eq!(get(url, "/v2/models/roses/card")?.0, 404);

    // A setosa, a versicolor and a virginica, as every iris classifier sees them.
    let rows = [
        [5.1, 3.5, 1.4, 0.2],
        [6.0, 2.7, 4.1, 1.1],
        [7.2, 3.2, 6.0, 2.2],
    ];
    let (status, answer) = post(url, "/v2/models/iris/infer", &oip_rows(&rows).to_string())?;
    assert_eq!(status, 200, "{answer}");
    let labels = answer["outputs"][0]["data"].clone();
    assert_eq!(labels, json!(["setosa", "versicolor", "virginica"]));
    assert_eq!(answer["outputs"][1]["name"], "probabilities");
    assert_eq!(answer["outputs"][1]["shape"], json!([3, 3]));

    // MLflow, in each of its shapes, answers the same.
    let columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    let records: Vec<Value> = rows
        .iter()
        .map(|r| json!({"sepal_length": r[0], "sepal_width": r[1], "petal_length": r[2], "petal_width": r[3]}))
        .collect();
    let shapes = [
        json!({"dataframe_split": {"columns": columns, "data": rows}}),
        json!({"dataframe_records": records}),
        json!({"instances": records}),
        json!({"instances": rows}),
        json!({"inputs": {"sepal_length": [5.1, 6.0, 7.2], "sepal_width": [3.5, 2.7, 3.2], "petal_length": [1.4, 4.1, 6.0], "petal_width": [0.2, 1.1, 2.2]}}),
    ];
    for body in &shapes {
        let (status, answer) = post(url, "/invocations", &body.to_string())?;
        assert_eq!((status, &answer["predictions"]), (200, &labels), "{body}");
    }

    // Errors name what is wrong.
    let mut wrong_type = oip_rows(&rows[..1]);
    wrong_type["inputs"][2]["datatype"] = json!("BYTES");
    wrong_type["inputs"][2]["data"] = json!(["long"]);
    let mut unknown = oip_rows(&rows[..1]);
    unknown["inputs"][0]["name"] = json!("sepal_lenght");
    let mut missing = oip_rows(&rows[..1]);
    missing["inputs"].as_array_mut().ok_or("no inputs")?.pop();
    let cases = [
        (
            "/v2/models/iris/infer",
            wrong_type.to_string(),
            400,
            "petal_length",
        ),
        (
            "/v2/models/iris/infer",
            unknown.to_string(),
            400,
            "sepal_lenght",
        ),
        (
            "/v2/models/iris/infer",
            missing.to_string(),
            400,
            "petal_width",
        ),
        (
            "/v2/models/iris/infer",
            "{\"inputs\": [".to_string(),
            400,
            "not JSON",
        ),
        (
            "/v2/models/iris/infer",
            json!({"inputs": [{"name": "sepal_length", "shape": [4294967296u64, 4294967296u64], "datatype": "FP64", "data": [1.0]}]}).to_string(),
            400,
            "has shape",
        ),
        (
            "/v2/models/roses/infer",
            oip_rows(&rows).to_string(),
            404,
            "serves 'iris'",
        ),
        (
            "/invocations",
            json!({"dataframe_split": {"columns": columns, "data": [[5.1, "wide", 1.4, 0.2]]}})
                .to_string(),
            400,
            "sepal_width",
        ),
        (
            "/invocations",
            json!({"rows": []}).to_string(),
            400,
            "dataframe_split",
        ),
    ];
    for (path, body, expected, named) in cases {
        let (status, answer) = post(url, path, &body)?;
        assert_eq!(status, expected, "{path} {body}: {answer}");
        assert!(
            answer.to_string().contains(named),
            "{path}: '{named}' not in {answer}"
        );
    }
    let mut response = agent()
        .post(&format!("{url}/invocations"))
        .header("Content-Type", "text/csv")
        .send("5.1,3.5,1.4,0.2")?;
    assert_eq!(response.status().as_u16(), 415);
    let _ = response.body_mut().read_to_string();

    let (status, metrics) = get(url, "/metrics")?;
    assert_eq!(status, 200);
    for line in [
        "datalab_model_info{name=\"iris\",version=\"1\",algorithm=\"logistic_regression\"} 1",
        "datalab_requests_total{route=\"infer\",status=\"200\"} 1",
        "datalab_requests_total{route=\"invocations\",status=\"200\"} 5",
        "datalab_requests_total{route=\"infer\",status=\"400\"} 5",
        "datalab_request_errors_total{route=\"infer\"} 6",
        "datalab_request_duration_seconds_count{route=\"invocations\"} 8",
        "datalab_predictions_total 18",
    ] {
        assert!(metrics.contains(line), "'{line}' not in\n{metrics}");
    }

    // SIGTERM, as Kubernetes stops a pod: a clean exit.
    let mut served = served;
    let pid = served.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()?
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = served.child.try_wait()? {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

#[test]
fn a_published_package_is_served_from_storage_and_a_tampered_one_refused() -> TestResult {
    let (dir, lab) = lab()?;
    let shelf = dir.path().join("shelf");
    assert!(
        datalab(
            &lab,
            &[
                "storage",
                "add",
                "shelf",
                "--folder",
                &shelf.to_string_lossy()
            ]
        )?
        .status
        .success()
    );
    assert!(
        datalab(&lab, &["model", "publish", "iris:1", "--to", "shelf"])?
            .status
            .success()
    );
    // No project here: the package comes from the storage, checked, then served.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere)?;
    let cache = dir.path().join("cache");
    let served = serve(
        &elsewhere,
        &[
            "iris",
            "--folder",
            &shelf.to_string_lossy(),
            "--cache",
            &cache.to_string_lossy(),
        ],
    )?;
    let (status, answer) = post(
        &served.url,
        "/v2/models/iris/infer",
        &oip_rows(&[[5.1, 3.5, 1.4, 0.2]]).to_string(),
    )?;
    assert_eq!(
        (status, &answer["outputs"][0]["data"]),
        (200, &json!(["setosa"]))
    );
    drop(served);

    // A package whose model file was altered is not served.
    let package = cache.join("iris-1");
    let model = package.join("model.bin");
    let mut bytes = std::fs::read(&model)?;
    bytes.extend_from_slice(b" ");
    std::fs::write(&model, bytes)?;
    let refused = datalab(
        &elsewhere,
        &[
            "serve",
            "--package",
            &package.to_string_lossy(),
            "--port",
            "0",
        ],
    )?;
    assert_eq!(
        refused.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("model.bin"));
    Ok(())
}

#[test]
fn a_served_model_evaluated_as_a_vendor_scores_as_its_local_run() -> TestResult {
    let (_dir, lab) = lab()?;
    let served = serve(&lab, &["iris:1"])?;
    let added = json_of(&datalab(
        &lab,
        &[
            "--json",
            "vendor",
            "add",
            "served-iris",
            "--protocol",
            "oip",
            "--url",
            &served.url,
            "--model",
            "iris",
            "--batch-size",
            "16",
        ],
    )?)?;
    assert_eq!(added["protocol"], "oip_v2");
    let evaluation = json_of(&datalab(
        &lab,
        &[
            "--json",
            "evaluate",
            "--vendor",
            "served-iris",
            "--experiment",
            "1",
        ],
    )?)?;
    assert_eq!(evaluation["summary"]["failed"], 0, "{evaluation}");
    let runs = json_of(&datalab(&lab, &["--json", "runs", "list"])?)?;
    let local = &runs[0]["metrics"];
    let remote = &evaluation["summary"]["metrics"];
    for metric in ["accuracy", "f1_macro", "precision_weighted", "recall_macro"] {
        assert_eq!(
            remote[metric]["mean"], local[metric]["mean"],
            "{metric}: served {remote} local {local}"
        );
    }

    // Known to serve iris:1 (as "Add as vendor" records it): on its own holdout
    // experiment it is a fair candidate; on a k-fold sweep of the same data it
    // learned from the rows it is scored on, is flagged and never the best.
    let config = lab.join("served.json");
    std::fs::write(
        &config,
        json!({"protocol": {"kind": "oip_v2", "model_name": "iris"}, "base_url": served.url, "batch_size": 16, "serves": "iris:1"}).to_string(),
    )?;
    json_of(&datalab(
        &lab,
        &[
            "--json",
            "vendor",
            "add",
            "iris-1",
            "--config",
            &config.to_string_lossy(),
        ],
    )?)?;
    let sweep = json_of(&datalab(
        &lab,
        &["--json", "run", &crate::common::spec_path()],
    )?)?;
    let sweep_id = sweep["experiment_id"]
        .as_i64()
        .ok_or("no experiment")?
        .to_string();
    for experiment in ["1", sweep_id.as_str()] {
        json_of(&datalab(
            &lab,
            &[
                "--json",
                "evaluate",
                "--vendor",
                "iris-1",
                "--experiment",
                experiment,
            ],
        )?)?;
    }
    let vendor_of = |comparison: &Value| -> Option<Value> {
        comparison["candidates"]
            .as_array()?
            .iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with("iris-1 ")))
            .cloned()
    };
    let own = json_of(&datalab(&lab, &["--json", "compare", "1"])?)?;
    assert_eq!(vendor_of(&own).ok_or("no vendor")?["caution"], Value::Null);
    let other = json_of(&datalab(&lab, &["--json", "compare", &sweep_id])?)?;
    let flagged = vendor_of(&other).ok_or("no vendor in the sweep's comparison")?;
    assert!(
        flagged["caution"]
            .as_str()
            .is_some_and(|c| c.contains("optimistic")),
        "{flagged}"
    );
    assert_eq!(flagged["best"], false);
    assert!(
        other["candidates"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["best"] == true && c["kind"] == "local"))
    );
    Ok(())
}

#[test]
fn a_package_published_to_s3_is_served_with_one_command() -> TestResult {
    use datalab_publish::test_server::{ACCESS_KEY, S3Server, SECRET_KEY};
    let (dir, lab) = lab()?;
    let data = dir.path().join("s3");
    let server = S3Server::start(&data, None)?;
    server.create_bucket("models")?;
    let endpoint = server.endpoint();
    let credentials = [
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ];
    let add = datalab(
        &lab,
        &[
            "storage",
            "add",
            "s3",
            "--bucket",
            "models",
            "--endpoint",
            &endpoint,
            "--prefix",
            "lab",
            "--path-style",
        ],
    )?;
    assert!(add.status.success());
    let published = datalab_with_env(
        &lab,
        &["model", "publish", "iris:1", "--to", "s3"],
        &credentials,
    )?;
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    let elsewhere = dir.path().join("pod");
    std::fs::create_dir_all(&elsewhere)?;
    let storage = [
        "iris",
        "--bucket",
        "models",
        "--endpoint",
        &endpoint,
        "--prefix",
        "lab",
        "--path-style",
    ];
    let cache = dir.path().join("pod-cache");
    let cache_text = cache.to_string_lossy().to_string();
    let with_cache: Vec<&str> = storage
        .iter()
        .copied()
        .chain(["--cache", &cache_text])
        .collect();
    let served = serve_with_env(&elsewhere, &with_cache, &credentials)?;
    let (status, answer) = post(
        &served.url,
        "/v2/models/iris/infer",
        &oip_rows(&[[7.2, 3.2, 6.0, 2.2]]).to_string(),
    )?;
    assert_eq!(
        (status, &answer["outputs"][0]["data"]),
        (200, &json!(["virginica"]))
    );
    assert!(
        cache.join("iris-1").join("model.json").is_file(),
        "the newest version was fetched"
    );
    drop(served);

    // Wrong credentials: the model is never ready, the process says why and exits 7.
    let other_cache = dir.path().join("other-cache").to_string_lossy().to_string();
    let refused_args: Vec<&str> = ["serve"]
        .into_iter()
        .chain(storage)
        .chain(["--port", "0", "--cache", &other_cache])
        .collect();
    let refused = datalab_with_env(
        &elsewhere,
        &refused_args,
        &[
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", "wrong-secret"),
        ],
    )?;
    assert_eq!(
        refused.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refused the credentials"));
    Ok(())
}
