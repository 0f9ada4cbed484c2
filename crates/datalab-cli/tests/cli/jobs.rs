//! Long work from the terminal as the crash and concurrency drills met it:
//! a sweep killed with `kill -9` and resumed runs only what did not finish,
//! to the numbers of an uninterrupted sweep; Ctrl-C and SIGTERM exit 130;
//! a sweep whose every run failed exits 10; the job list shows and cancels
//! another terminal's work; and `datalab ui --serve` serves the UI built
//! into the binary, copied anywhere.

use crate::common::{TestResult, accuracies, command, datalab, json, spec_path};
use serde_json::Value;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Forests long enough to be caught mid-sweep: four trials, five folds.
fn slow_spec(dir: &Path) -> Result<String, Box<dyn std::error::Error>> {
    let spec = dir.join("slow.toml");
    std::fs::write(
        &spec,
        "name = \"slow\"\nparallelism = 1\n[dataset]\nname = \"winequality-red\"\n[task]\n\
         kind = \"classification\"\ntarget = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 5\n\
         [[models]]\nmodel = \"random_forest\"\nparams = { trees = 120, max_depth = [9, 10, 11, 12] }\n",
    )?;
    Ok(spec.to_string_lossy().to_string())
}

fn runs(lab: &Path) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    Ok(json(&datalab(lab, &["--json", "runs", "list"]))?
        .as_array()
        .cloned()
        .unwrap_or_default())
}

fn status_of(run: &Value) -> String {
    run["status"].as_str().unwrap_or("").to_string()
}

/// Waits until `ready` holds for the runs (a minute at most).
fn wait_for(lab: &Path, ready: impl Fn(&[Value]) -> bool) -> TestResult {
    let started = Instant::now();
    loop {
        if ready(&runs(lab)?) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err(format!("never got there: {:?}", runs(lab)?).into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait(child: &mut Child, limit: Duration) -> Result<Option<i32>, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            return Err("the process did not stop".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) -> TestResult {
    let sent = std::process::Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()?;
    assert!(sent.success());
    Ok(())
}

/// The demo project with the slow sweep started in it by another process.
fn slow_sweep_running(
    dir: &Path,
) -> Result<(std::path::PathBuf, String, Child), Box<dyn std::error::Error>> {
    assert!(datalab(dir, &["demo", "lab"]).status.success());
    let lab = dir.join("lab");
    let spec = slow_spec(dir)?;
    let child = command(&lab)
        .args(["--json", "run", &spec])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok((lab, spec, child))
}

#[test]
fn a_sweep_killed_with_kill_9_resumes_only_what_did_not_finish() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, spec, mut child) = slow_sweep_running(dir.path())?;
    // Killed once a run has finished and the next one has finished a fold.
    let result = wait_for(&lab, |runs| {
        let folds_of_running = runs
            .iter()
            .find(|r| r["status"] == "running")
            .and_then(|r| r["id"].as_i64());
        runs.iter().any(|r| r["status"] == "succeeded")
            && folds_of_running.is_some_and(|id| {
                json(&datalab(&lab, &["--json", "runs", "show", &id.to_string()]))
                    .is_ok_and(|d| d["folds"].as_array().is_some_and(|f| !f.is_empty()))
            })
    });
    signal(&child, "-KILL")?;
    let _ = child.wait();
    result?;
    // Any command recovers what the dead process left: nothing stays running.
    let left = runs(&lab)?;
    let finished_before: Vec<(i64, String)> = left
        .iter()
        .filter(|r| r["status"] == "succeeded")
        .map(|r| {
            (
                r["id"].as_i64().unwrap_or(0),
                r["finished_at"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let statuses: Vec<String> = left.iter().map(status_of).collect();
    assert!(
        statuses
            .iter()
            .all(|s| s == "succeeded" || s == "interrupted"),
        "{statuses:?}"
    );
    // The run it was running (the queued ones after it are interrupted too, never started).
    let interrupted = left
        .iter()
        .find(|r| r["status"] == "interrupted" && r["started_at"].is_string())
        .and_then(|r| r["id"].as_i64())
        .ok_or("the running run was not interrupted")?;
    let kept = json(&datalab(
        &lab,
        &["--json", "runs", "show", &interrupted.to_string()],
    ))?;
    let kept_folds = kept["folds"].as_array().map_or(0, Vec::len);
    assert!(kept_folds >= 1, "the finished folds were lost: {kept}");
    let jobs = json(&datalab(&lab, &["--json", "jobs", "list"]))?;
    let sweep_job = jobs
        .as_array()
        .and_then(|j| j.iter().find(|j| j["kind"] == "experiment"))
        .ok_or("no sweep job")?;
    assert_eq!(sweep_job["status"], "interrupted", "{sweep_job}");

    // Running the same spec again says how to resume; resuming runs only the rest.
    let hint = datalab(&lab, &["run", "--experiment", "999"]);
    assert_eq!(hint.status.code(), Some(4));
    let resumed = datalab(&lab, &["--json", "run", "--experiment", "1"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let after = runs(&lab)?;
    assert!(
        after.iter().all(|r| r["status"] == "succeeded"),
        "{after:?}"
    );
    for (id, finished_at) in &finished_before {
        let run = after
            .iter()
            .find(|r| r["id"].as_i64() == Some(*id))
            .ok_or("a run vanished")?;
        assert_eq!(
            run["finished_at"].as_str(),
            Some(finished_at.as_str()),
            "run {id} ran again"
        );
    }
    // The numbers of a sweep that was never interrupted.
    let fresh = datalab(&lab, &["--json", "run", &spec]);
    let note = String::from_utf8_lossy(&fresh.stderr).to_string();
    let fresh = json(&fresh)?;
    let fresh_runs = fresh["runs"].as_array().cloned().unwrap_or_default();
    let first: Vec<Value> = after
        .iter()
        .filter(|r| r["experiment_id"] == 1)
        .cloned()
        .collect();
    assert_eq!(accuracies(&first), accuracies(&fresh_runs));
    assert!(
        !note.contains("resumes it"),
        "nothing was left to resume: {note}"
    );
    Ok(())
}

#[test]
fn interrupted_sweeps_exit_130_and_say_how_to_resume() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    let spec = slow_spec(dir.path())?;
    for (signal_name, experiment) in [("-INT", 1), ("-TERM", 2)] {
        let mut child = command(&lab)
            .args(["run", &spec])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        wait_for(&lab, |runs| {
            runs.iter()
                .any(|r| r["status"] == "running" && r["experiment_id"] == experiment)
        })?;
        let asked = Instant::now();
        signal(&child, signal_name)?;
        let code = wait(&mut child, Duration::from_secs(30))?;
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "{signal_name}: stopped after {:?}",
            asked.elapsed()
        );
        assert_eq!(code, Some(130), "{signal_name}");
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
        }
        assert!(
            stderr.contains(&format!("datalab run --experiment {experiment}")),
            "{signal_name}: {stderr}"
        );
        let left = runs(&lab)?;
        assert!(
            left.iter()
                .filter(|r| r["experiment_id"] == experiment)
                .all(|r| r["status"] != "running" && r["status"] != "queued"),
            "{left:?}"
        );
    }
    // Running the spec again says that experiment 2 is waiting to be resumed.
    let mut again = command(&lab)
        .args(["run", &spec, "--parallelism", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut lines = std::io::BufReader::new(again.stderr.take().ok_or("no stderr")?).lines();
    let note = lines.next().transpose()?.unwrap_or_default();
    let _ = again.kill();
    let _ = again.wait();
    assert!(
        note.contains("experiment 2") && note.contains("datalab run --experiment 2"),
        "{note}"
    );
    Ok(())
}

#[test]
fn a_sweep_whose_every_run_failed_exits_10() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    // Five points cannot make ten or twenty clusters: both runs fail.
    let points = dir.path().join("points.csv");
    std::fs::write(&points, "x,y\n1,2\n2,3\n3,1\n4,4\n5,0\n")?;
    assert!(
        datalab(&lab, &["dataset", "import", &points.to_string_lossy()])
            .status
            .success()
    );
    let spec = dir.path().join("fails.toml");
    std::fs::write(
        &spec,
        "name = \"fails\"\n[dataset]\nname = \"points\"\n[task]\nkind = \"clustering\"\n\
         [validation]\nkind = \"holdout\"\ntest_fraction = 0.2\n[[models]]\n\
         model = \"kmeans\"\nparams = { clusters = [10, 20] }\n",
    )?;
    let output = datalab(&lab, &["run", &spec.to_string_lossy()]);
    assert_eq!(
        output.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("every run") && message.contains("failed"),
        "{message}"
    );
    let jobs = json(&datalab(&lab, &["--json", "jobs", "list"]))?;
    assert_eq!(jobs[0]["kind"], "experiment");
    assert_eq!(jobs[0]["status"], "failed", "{jobs}");
    // Succeeding runs exit 0.
    let fine = datalab(&lab, &["run", &spec_path()]);
    assert_eq!(fine.status.code(), Some(0));
    Ok(())
}

#[test]
fn another_terminals_sweep_is_listed_and_cancelled_by_its_job() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, _, mut child) = slow_sweep_running(dir.path())?;
    wait_for(&lab, |runs| runs.iter().any(|r| r["status"] == "running"))?;
    let jobs = json(&datalab(&lab, &["--json", "jobs", "list"]))?;
    let sweep = jobs
        .as_array()
        .and_then(|j| j.iter().find(|j| j["kind"] == "experiment"))
        .ok_or("no sweep job")?;
    assert_eq!(sweep["status"], "running");
    assert_eq!(sweep["mine"], false, "listed from another process");
    let id = sweep["id"].as_str().ok_or("no id")?.to_string();
    let asked = Instant::now();
    let cancelled = datalab(&lab, &["--json", "jobs", "cancel", &id]);
    assert!(cancelled.status.success());
    assert_eq!(json(&cancelled)?[0]["cancel_requested"], true);
    let code = wait(&mut child, Duration::from_secs(30))?;
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "the cancel took {:?}",
        asked.elapsed()
    );
    // Cancelled by someone else: the sweep did as asked, and said so.
    assert_eq!(code, Some(0));
    let left = runs(&lab)?;
    assert!(
        left.iter()
            .all(|r| r["status"] != "running" && r["status"] != "queued"),
        "{left:?}"
    );
    let job = json(&datalab(&lab, &["--json", "jobs", "list"]))?;
    assert_eq!(job[0]["status"], "cancelled");
    Ok(())
}

#[test]
fn a_copied_binary_serves_the_ui_built_into_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin)?;
    let copied = bin.join("datalab");
    std::fs::copy(crate::common::BIN, &copied)?;
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty)?;
    let mut child = std::process::Command::new(&copied)
        .args(["ui", "--serve"])
        .current_dir(&empty)
        .env_remove("DATALAB_UI_DIR")
        .env_remove("DATALAB_PROJECT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let url = crate::common::printed_url(&mut child);
    let result = (|| -> TestResult {
        let url = url?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut page = agent.get(format!("http://{url}")).call()?;
        assert_eq!(page.status().as_u16(), 200);
        let html = page.body_mut().read_to_string()?;
        assert!(html.contains("<div id=\"app\">"), "{html}");
        // The page's script and styles come from the binary too.
        let (base, token) = url.split_once("/?token=").ok_or("no token")?;
        let script = html
            .split('"')
            .find(|part| part.starts_with("/assets/") && part.ends_with(".js"))
            .ok_or("no script in the page")?;
        let mut asset = agent
            .get(format!("http://{base}{script}"))
            .header("Authorization", format!("Bearer {token}"))
            .call()?;
        assert_eq!(asset.status().as_u16(), 200);
        assert_eq!(
            asset
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/javascript; charset=utf-8")
        );
        assert!(asset.body_mut().read_to_string()?.len() > 10_000);
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}
