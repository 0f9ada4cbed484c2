//! Long work through the server mode's HTTP API (`datalab ui --serve`), as
//! the page does it: each call names its job (`X-Datalab-Job`), and another
//! request cancels it with `cancel_job`. An import, a sweep (inside a trial),
//! a vendor evaluation and a publish to S3 each stop within two seconds, and
//! leave nothing half-made.

use crate::common::{TestResult, command, datalab};
use datalab_publish::test_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use datalab_vendor_server::{FaultPlan, ServerConfig, VendorServer};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The server mode on a project, with storage credentials in its environment.
struct UiServer {
    child: Child,
    base: String,
    token: String,
}

impl Drop for UiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl UiServer {
    /// `datalab ui --serve` in `lab`, its paths allowed in `allowed` too.
    fn start(lab: &Path, allowed: &Path) -> Result<UiServer, Box<dyn std::error::Error>> {
        let mut child = command(lab)
            .args(["ui", "--serve", "--allow-dir"])
            .arg(allowed)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let url = crate::common::printed_url(&mut child)?;
        let (base, token) = url.split_once("/?token=").ok_or("no token in the URL")?;
        Ok(UiServer {
            base: format!("http://{base}"),
            token: token.to_string(),
            child,
        })
    }

    /// Calls an operation, naming its job when given one: (status, body).
    fn call(
        &self,
        operation: &str,
        request: Value,
        job: Option<&str>,
    ) -> Result<(u16, Value), Box<dyn std::error::Error>> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let mut call = agent
            .post(format!("{}/api/{operation}", self.base))
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(job) = job {
            call = call.header("X-Datalab-Job", job);
        }
        let mut response = call.send_json(request)?;
        let status = response.status().as_u16();
        Ok((status, response.body_mut().read_json()?))
    }

    /// Starts `operation` as job `job` on a thread, waits until `started`
    /// says it is well under way, cancels it from a second request, and
    /// returns its answer and how long it took to arrive after the cancel.
    fn cancel_midway(
        &self,
        operation: &str,
        request: Value,
        job: &str,
        started: impl Fn(&Value) -> bool,
    ) -> Result<((u16, Value), Duration), Box<dyn std::error::Error>> {
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                self.call(operation, request, Some(job))
                    .map_err(|e| e.to_string())
            });
            let waiting = Instant::now();
            loop {
                let (status, info) = self.call("show_job", json!({ "job": job }), None)?;
                if status == 200 && info["status"] == "running" && started(&info) {
                    break;
                }
                if worker.is_finished() {
                    return Err(format!("{operation} ended before it could be cancelled").into());
                }
                if waiting.elapsed() > Duration::from_secs(120) {
                    return Err(format!("{operation} never got under way: {info}").into());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let asked = Instant::now();
            let (status, info) = self.call("cancel_job", json!({ "job": job }), None)?;
            assert_eq!(status, 200, "{info}");
            assert_eq!(info["cancel_requested"], true, "{info}");
            let answer = worker.join().map_err(|_| "the caller panicked")??;
            Ok((answer, asked.elapsed()))
        })
    }
}

fn within_two_seconds(what: &str, took: Duration) {
    assert!(
        took < Duration::from_secs(2),
        "{what}: the cancel took {took:?}"
    );
}

#[test]
fn long_work_is_cancelled_over_http_by_its_job_id() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    // A package large enough that its upload takes a while: written straight
    // into the project, and recorded as a version fetched from storage.
    let package = lab.join("models/big/1");
    let manifest = datalab_publish::Manifest {
        format: String::new(),
        kind: Default::default(),
        flavors: Vec::new(),
        name: "big".into(),
        version: 1,
        algorithm: "decision_tree".into(),
        parameters: json!({}),
        task: "classification".into(),
        target: Some("species".into()),
        input_schema: Vec::new(),
        classes: None,
        metrics: json!({}),
        dataset_sha256: "0".repeat(64),
        run_id: None,
        experiment_id: None,
        engine_version: "test".into(),
        created_at: "2026-12-01T00:00:00Z".into(),
        files: Vec::new(),
    };
    // What the bytes are does not matter to storage: only how many there are.
    let noise = vec![0x5au8; 256 << 20];
    let (_, manifest_sha256) = datalab_publish::package::write_package(
        &package,
        manifest,
        &[("model.bin".to_string(), noise)],
    )?;
    datalab_project::Project::open(&lab)?.insert_model_version(
        1,
        &datalab_project::NewModelVersion {
            model: "big",
            run_id: None,
            source: Some("test"),
            description: "",
            package_dir: "models/big/1",
            manifest_sha256: &manifest_sha256,
            format: datalab_project::VersionFormat::Datalab,
        },
    )?;
    let s3 = S3Server::start(&dir.path().join("s3"), None)?;
    s3.create_bucket("models")?;
    let vendor = VendorServer::start(ServerConfig {
        labels: ["setosa", "versicolor", "virginica"]
            .map(String::from)
            .to_vec(),
        slow_ms: 300,
        faults: FaultPlan {
            slow: 1000,
            ..FaultPlan::default()
        },
        ..ServerConfig::default()
    })?;
    let server = UiServer::start(&lab, dir.path())?;

    // An import of a large file, cancelled while it is being read.
    let big = dir.path().join("big.csv");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&big)?);
        writeln!(file, "a,b,c,label")?;
        for i in 0..1_500_000u64 {
            writeln!(file, "{i},{},{}.25,{}", i * 7 % 1000, i % 97, i % 3)?;
        }
    }
    let ((status, body), took) =
        server.cancel_midway("import_dataset", json!({ "path": big }), "import-1", |_| {
            true
        })?;
    within_two_seconds("import", took);
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("cancelled")),
        "{body}"
    );
    let (_, datasets) = server.call("list_datasets", json!({}), None)?;
    assert_eq!(
        datasets.as_array().map(Vec::len),
        Some(5),
        "the import left a dataset"
    );

    // A sweep, cancelled inside a trial (a forest is growing its trees).
    let spec = "name = \"slow\"\nparallelism = 1\n[dataset]\nname = \"winequality-red\"\n[task]\n\
        kind = \"classification\"\ntarget = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 5\n\
        [[models]]\nmodel = \"random_forest\"\nparams = { trees = 300, max_depth = [12, 13] }\n";
    let (_, parsed) = server.call("parse_spec", json!({ "toml": spec }), None)?;
    let (status, created) = server.call("create_experiment", json!({ "spec": parsed }), None)?;
    assert_eq!(status, 200, "{created}");
    let experiment = created["experiment"]["id"].clone();
    let ((status, body), took) = server.cancel_midway(
        "run_experiment",
        json!({ "experiment": experiment, "parallelism": 1 }),
        "sweep-1",
        |info| info["stage"].as_str().is_some_and(|s| s.contains("run ")),
    )?;
    within_two_seconds("sweep", took);
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> = body["runs"]
        .as_array()
        .map(|runs| runs.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert!(statuses.iter().all(|s| *s == "cancelled"), "{statuses:?}");
    let (_, job) = server.call("show_job", json!({ "job": "sweep-1" }), None)?;
    assert_eq!(job["status"], "cancelled");

    // A vendor evaluation: every answer takes 300 ms.
    let (_, iris) = server.call(
        "parse_spec",
        json!({ "toml": std::fs::read_to_string(crate::common::repo("assets/specs/iris.toml"))? }),
        None,
    )?;
    let (_, iris) = server.call("create_experiment", json!({ "spec": iris }), None)?;
    let connector = json!({
        "protocol": {"kind": "oip_v2", "model_name": "iris"},
        "base_url": vendor.url(),
        "batch_size": 1,
        "concurrency": 1,
        "timeout_ms": 10_000,
    });
    let (status, added) = server.call(
        "add_vendor",
        json!({ "name": "slow-vendor", "connector": connector }),
        None,
    )?;
    assert_eq!(status, 200, "{added}");
    let ((status, body), took) = server.cancel_midway(
        "evaluate_vendor",
        json!({ "vendor": "slow-vendor", "experiment": iris["experiment"]["id"] }),
        "evaluate-1",
        |info| info["done"].as_u64().is_some_and(|d| d >= 2),
    )?;
    within_two_seconds("evaluation", took);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled", "{body}");
    assert!(body["summary"]["rows"].as_u64().is_some_and(|r| r == 150));

    // A publish to S3, cancelled mid-upload: no version appears there.
    let (status, target) = server.call(
        "add_storage",
        json!({ "name": "s3", "config": s3.config("models") }),
        None,
    )?;
    assert_eq!(status, 200, "{target}");
    let ((status, body), took) = server.cancel_midway(
        "publish_model",
        json!({ "model": "big:1", "target": "s3" }),
        "publish-1",
        |info| info["done"].as_u64().is_some_and(|d| d > 0),
    )?;
    within_two_seconds("publish", took);
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("cancelled")),
        "{body}"
    );
    let (_, published) = server.call("list_published", json!({ "target": "s3" }), None)?;
    assert_eq!(published, json!([]));
    Ok(())
}
