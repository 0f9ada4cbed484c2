//! Experiment bundles, as two colleagues use them: one pushes an experiment
//! to shared storage (a folder, then an S3-compatible server), the other
//! pulls it into their own project and reproduces it bit for bit. A second
//! push sends nothing again; an altered file, a bundle from a newer Data Lab
//! and a name already taken are refused, saying so.

use crate::common::{TestResult, accuracies, datalab, datalab_with_env, iris_lab, json, stderr};
use datalab_publish::test_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use serde_json::Value;
use std::path::Path;

/// Runs of experiment `id` in `lab`, as `runs list` prints them.
fn runs_of(lab: &Path, id: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let listed = json(&datalab(
        lab,
        &["--json", "runs", "list", "--experiment", id],
    ))?;
    Ok(listed.as_array().cloned().unwrap_or_default())
}

fn succeeded(output: &std::process::Output) -> Result<(), String> {
    if output.status.success() {
        Ok(())
    } else {
        Err(stderr(output))
    }
}

#[test]
fn an_experiment_pushed_to_a_folder_is_pulled_elsewhere_and_reproduces_identically() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, ran) = iris_lab(dir.path())?;
    let experiment = ran["experiment_id"].to_string();
    let shared = dir.path().join("shared").to_string_lossy().to_string();
    succeeded(&datalab(
        &lab,
        &["storage", "add", "shared", "--folder", &shared],
    ))?;

    succeeded(&datalab(
        &lab,
        &[
            "note",
            "add",
            "--experiment",
            &experiment,
            "Depth 3 is enough.",
        ],
    ))?;
    let pushed = json(&datalab(
        &lab,
        &[
            "--json",
            "experiment",
            "push",
            &experiment,
            "--to",
            "shared",
        ],
    ))?;
    assert_eq!(pushed["name"], "iris-trees-vs-logistic-regression");
    assert_eq!(pushed["runs"], 10);
    assert!(
        pushed["count"]["files_sent"].as_u64().unwrap_or(0) > 16,
        "{pushed}"
    );
    // Pushed again unchanged: no snapshot, no file is sent again.
    let again = json(&datalab(
        &lab,
        &[
            "--json",
            "experiment",
            "push",
            &experiment,
            "--to",
            "shared",
        ],
    ))?;
    assert_eq!(again["count"]["files_sent"], 0, "{again}");
    assert_eq!(
        again["count"]["files_present"],
        pushed["count"]["files_sent"]
    );

    // The target's inventory: the bundle, its files, nothing left over; a stray
    // file is counted as named by no bundle.
    let inventory = json(&datalab(
        &lab,
        &["--json", "storage", "inventory", "shared"],
    ))?;
    assert_eq!(
        inventory["bundles"][0]["name"],
        "iris-trees-vs-logistic-regression"
    );
    assert_eq!(inventory["blobs"], pushed["count"]["files_sent"]);
    assert_eq!(inventory["unreferenced_blobs"], 0);
    std::fs::write(
        dir.path().join("shared/blobs/stray"),
        b"left by a push that stopped",
    )?;
    let inventory = json(&datalab(
        &lab,
        &["--json", "storage", "inventory", "shared"],
    ))?;
    assert_eq!(inventory["unreferenced_blobs"], 1);
    assert_eq!(inventory["unreferenced_bytes"], 27);

    // A colleague's empty project pulls it: runs, numbers, files and data all arrive.
    let other = dir.path().join("other");
    succeeded(&datalab(dir.path(), &["init", "other"]))?;
    succeeded(&datalab(
        &other,
        &["storage", "add", "shared", "--folder", &shared],
    ))?;
    let listed = json(&datalab(
        &other,
        &["--json", "experiment", "bundles", "--from", "shared"],
    ))?;
    assert_eq!(
        listed,
        serde_json::json!(["iris-trees-vs-logistic-regression"])
    );
    let pulled = json(&datalab(
        &other,
        &[
            "--json",
            "experiment",
            "pull",
            "iris-trees-vs-logistic-regression",
            "--from",
            "shared",
        ],
    ))?;
    assert_eq!(pulled["runs"], 10);
    assert_eq!(pulled["dataset"], "iris");
    assert_eq!(pulled["dataset_known"], false);
    let there = pulled["experiment"].to_string();
    let notes = json(&datalab(
        &other,
        &["--json", "note", "list", "--experiment", &there],
    ))?;
    assert_eq!(
        notes[0]["body"], "Depth 3 is enough.",
        "notes travel: {notes}"
    );
    let (mine, theirs) = (runs_of(&lab, &experiment)?, runs_of(&other, &there)?);
    assert_eq!(accuracies(&mine), accuracies(&theirs));
    let first = theirs.first().ok_or("no runs pulled")?["id"].to_string();
    let detail = json(&datalab(&other, &["--json", "runs", "show", &first]))?;
    assert!(
        detail["files"].to_string().contains("model.json"),
        "a pulled run keeps its files: {detail}"
    );

    // Reproduced there: every run identical, bit for bit.
    let reproduced = datalab(&other, &["--json", "experiment", "reproduce", &there]);
    succeeded(&reproduced)?;
    let report = json(&reproduced)?;
    assert_eq!(report["identical"], 10, "{report}");
    assert_eq!(report["different"], 0);

    // The same name again is refused; under another name the snapshot is known.
    let taken = datalab(
        &other,
        &[
            "experiment",
            "pull",
            "iris-trees-vs-logistic-regression",
            "--from",
            "shared",
        ],
    );
    assert!(!taken.status.success());
    assert!(stderr(&taken).contains("--as"), "{}", stderr(&taken));
    let renamed = json(&datalab(
        &other,
        &[
            "--json",
            "experiment",
            "pull",
            "iris-trees-vs-logistic-regression",
            "--from",
            "shared",
            "--as",
            "iris again",
        ],
    ))?;
    assert_eq!(renamed["dataset_known"], true);

    // A file altered in storage is refused by name, and nothing is recorded.
    let index_path = dir
        .path()
        .join("shared/bundles/iris-trees-vs-logistic-regression/bundle.json");
    let index: Value = serde_json::from_slice(&std::fs::read(&index_path)?)?;
    let model = index["files"]
        .as_array()
        .and_then(|files| {
            files.iter().find(|f| {
                f["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("model.json"))
            })
        })
        .ok_or("no model.json in the bundle")?;
    let blob = dir
        .path()
        .join("shared/blobs")
        .join(model["sha256"].as_str().unwrap_or_default());
    let original = std::fs::read(&blob)?;
    std::fs::write(&blob, b"{}")?;
    let before = json(&datalab(&other, &["--json", "experiment", "list"]))?;
    let refused = datalab(
        &other,
        &[
            "experiment",
            "pull",
            "iris-trees-vs-logistic-regression",
            "--from",
            "shared",
            "--as",
            "tampered",
        ],
    );
    assert!(!refused.status.success());
    let path = model["path"].as_str().unwrap_or_default();
    assert!(
        stderr(&refused).contains(path),
        "the altered file is named: {}",
        stderr(&refused)
    );
    assert_eq!(
        json(&datalab(&other, &["--json", "experiment", "list"]))?,
        before
    );
    std::fs::write(&blob, original)?;

    // A bundle from a newer Data Lab is refused, saying so.
    let mut newer = index.clone();
    newer["format"] = serde_json::json!(99);
    std::fs::write(&index_path, serde_json::to_vec(&newer)?)?;
    let refused = datalab(
        &other,
        &[
            "experiment",
            "pull",
            "iris-trees-vs-logistic-regression",
            "--from",
            "shared",
            "--as",
            "newer",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("newer Data Lab"),
        "{}",
        stderr(&refused)
    );
    Ok(())
}

#[test]
fn an_experiment_goes_through_an_s3_server_and_comes_back_whole() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = S3Server::start(&dir.path().join("s3"), None)?;
    server.create_bucket("team")?;
    let env = [
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ];
    let endpoint = server.endpoint();
    let add = [
        "storage",
        "add",
        "s3",
        "--bucket",
        "team",
        "--endpoint",
        &endpoint,
        "--prefix",
        "lab",
        "--path-style",
    ];
    let (lab, ran) = iris_lab(dir.path())?;
    let experiment = ran["experiment_id"].to_string();
    succeeded(&datalab(&lab, &add))?;
    let pushed = datalab_with_env(
        &lab,
        &[
            "--json",
            "experiment",
            "push",
            &experiment,
            "--to",
            "s3",
            "--name",
            "iris",
        ],
        &env,
    )?;
    succeeded(&pushed)?;
    // Without credentials the pull says which variables to set.
    succeeded(&datalab(dir.path(), &["init", "other"]))?;
    let other = dir.path().join("other");
    succeeded(&datalab(&other, &add))?;
    let refused = datalab(&other, &["experiment", "pull", "iris", "--from", "s3"]);
    assert!(
        stderr(&refused).contains("AWS_ACCESS_KEY_ID"),
        "{}",
        stderr(&refused)
    );
    let pulled = json(&datalab_with_env(
        &other,
        &["--json", "experiment", "pull", "iris", "--from", "s3"],
        &env,
    )?)?;
    let there = pulled["experiment"].to_string();
    assert_eq!(
        accuracies(&runs_of(&lab, &experiment)?),
        accuracies(&runs_of(&other, &there)?)
    );
    // A bundle that is not there is said to be missing.
    let missing = datalab_with_env(
        &other,
        &["experiment", "pull", "nothing", "--from", "s3"],
        &env,
    )?;
    assert!(
        stderr(&missing).contains("no bundle"),
        "{}",
        stderr(&missing)
    );
    Ok(())
}
