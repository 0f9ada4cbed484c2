//! The model registry and publishing, as a user runs them: register a run,
//! publish it to a folder and to an S3-compatible server (s3s-fs on
//! loopback), fetch it into a second project intact; wrong credentials and
//! a tampered file are refused clearly; the secret is never written down.

use crate::common::{TestResult, json, spec_path};
use datalab_publish::test_server::{S3Server, SECRET_KEY};
use std::path::Path;
use std::process::Output;

/// `datalab` with the test server's credentials, with `secret` as the secret key.
fn datalab(dir: &Path, args: &[&str], secret: Option<&str>) -> Result<Output, std::io::Error> {
    let credentials = secret.map(|secret| {
        [
            (
                "AWS_ACCESS_KEY_ID",
                datalab_publish::test_server::ACCESS_KEY,
            ),
            ("AWS_SECRET_ACCESS_KEY", secret),
        ]
    });
    crate::common::datalab_with_env(dir, args, credentials.as_ref().map_or(&[], |c| &c[..]))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_run_becomes_a_model_published_to_s3_and_fetched_into_another_project() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = S3Server::start(&dir.path().join("s3"), None)?;
    server.create_bucket("models")?;
    let endpoint = server.endpoint();
    assert!(
        datalab(dir.path(), &["demo", "lab"], None)?
            .status
            .success()
    );
    let lab = dir.path().join("lab");
    let ran = json(&datalab(&lab, &["--json", "run", &spec_path()], None)?)?;
    let best = ran["runs"]
        .as_array()
        .and_then(|runs| runs.iter().find(|r| r["model"] == "logistic_regression"))
        .map(|r| r["id"].to_string())
        .ok_or("no logistic run")?;

    // Register: version 1 with its package, then version 2 of the same name.
    let registered = json(&datalab(
        &lab,
        &[
            "--json",
            "model",
            "register",
            &best,
            "--name",
            "iris-classifier",
            "--alias",
            "champion",
        ],
        None,
    )?)?;
    let info = &registered["info"];
    assert_eq!(info["version"], 1);
    assert_eq!(info["aliases"], serde_json::json!(["champion"]));
    let files: Vec<&str> = info["manifest"]["files"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["path"].as_str()).collect())
        .unwrap_or_default();
    for file in [
        "model.bin",
        "MODEL_CARD.md",
        "REPORT.html",
        "spec.toml",
        "evaluation/metrics.json",
    ] {
        assert!(files.contains(&file), "{files:?}");
    }
    assert_eq!(
        info["manifest"]["classes"].as_array().map(Vec::len),
        Some(3)
    );
    // The input schema is the columns a caller sends, with their kinds.
    assert_eq!(
        info["manifest"]["input_schema"][0],
        serde_json::json!({ "name": "sepal_length", "kind": "number" })
    );
    assert_eq!(
        info["manifest"]["input_schema"].as_array().map(Vec::len),
        Some(4)
    );
    let card = registered["model_card"].as_str().unwrap_or("");
    assert!(
        card.contains("## How to reproduce")
            && card.contains("iris")
            && card.contains("**")
            && card.contains("[`REPORT.html`](REPORT.html)"),
        "{card}"
    );
    let second = json(&datalab(
        &lab,
        &[
            "--json",
            "model",
            "register",
            &best,
            "--name",
            "iris-classifier",
        ],
        None,
    )?)?;
    assert_eq!(second["info"]["version"], 2);
    let champion = json(&datalab(
        &lab,
        &["--json", "model", "show", "iris-classifier@champion"],
        None,
    )?)?;
    assert_eq!(champion["info"]["version"], 1);

    // Publish to a folder, and again: recognised.
    let shared = dir.path().join("shared");
    let added = datalab(
        &lab,
        &[
            "storage",
            "add",
            "shared",
            "--folder",
            &shared.to_string_lossy(),
        ],
        None,
    )?;
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let published = json(&datalab(
        &lab,
        &[
            "--json",
            "model",
            "publish",
            "iris-classifier@champion",
            "--to",
            "shared",
        ],
        None,
    )?)?;
    assert_eq!(published["already_published"], false);
    assert!(shared.join("models/iris-classifier/1/model.json").is_file());
    let again = json(&datalab(
        &lab,
        &[
            "--json",
            "model",
            "publish",
            "iris-classifier:1",
            "--to",
            "shared",
        ],
        None,
    )?)?;
    assert_eq!(again["already_published"], true);

    // Publish to S3 with credentials from the environment only.
    let add_s3 = [
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
    ];
    assert!(datalab(&lab, &add_s3, None)?.status.success());
    let no_credentials = datalab(&lab, &["storage", "test", "s3"], None)?;
    assert_eq!(no_credentials.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&no_credentials.stderr).contains("AWS_ACCESS_KEY_ID"));
    let wrong = datalab(&lab, &["storage", "test", "s3"], Some("wrong-secret"))?;
    assert_eq!(wrong.status.code(), Some(7));
    let message = String::from_utf8_lossy(&wrong.stderr).to_string();
    assert!(message.contains("refused the credentials"), "{message}");
    assert!(
        datalab(&lab, &["storage", "test", "s3"], Some(SECRET_KEY))?
            .status
            .success()
    );
    let to_s3 = datalab(
        &lab,
        &[
            "--json",
            "model",
            "publish",
            "iris-classifier:1",
            "--to",
            "s3",
        ],
        Some(SECRET_KEY),
    )?;
    assert!(
        to_s3.status.success(),
        "{}",
        String::from_utf8_lossy(&to_s3.stderr)
    );
    assert_eq!(
        json(&to_s3)?["location"],
        "s3://models/lab/models/iris-classifier/1/"
    );
    let shown = json(&datalab(
        &lab,
        &["--json", "model", "show", "iris-classifier:1"],
        None,
    )?)?;
    assert_eq!(
        shown["info"]["publications"].as_array().map(Vec::len),
        Some(2)
    );

    // A second project fetches it, intact.
    assert!(
        datalab(dir.path(), &["init", "other"], None)?
            .status
            .success()
    );
    let other = dir.path().join("other");
    assert!(datalab(&other, &add_s3, None)?.status.success());
    let remote = json(&datalab(
        &other,
        &["--json", "model", "remote", "s3"],
        Some(SECRET_KEY),
    )?)?;
    assert_eq!(remote.as_array().map(Vec::len), Some(1));
    assert_eq!(remote[0]["name"], "iris-classifier");
    let fetched = datalab(
        &other,
        &[
            "--json",
            "model",
            "fetch",
            "iris-classifier:1",
            "--from",
            "s3",
        ],
        Some(SECRET_KEY),
    )?;
    assert!(
        fetched.status.success(),
        "{}",
        String::from_utf8_lossy(&fetched.stderr)
    );
    let fetched = json(&fetched)?;
    assert_eq!(
        fetched["info"]["source"],
        "s3://models/lab/models/iris-classifier/1/"
    );
    assert_eq!(
        std::fs::read(lab.join("models/iris-classifier/1/model.bin"))?,
        std::fs::read(other.join("models/iris-classifier/1/model.bin"))?
    );
    let twice = datalab(
        &other,
        &["model", "fetch", "iris-classifier:1", "--from", "s3"],
        Some(SECRET_KEY),
    )?;
    assert_eq!(twice.status.code(), Some(3));

    // A file altered in storage: refused, naming it; nothing kept in the third project.
    std::fs::write(
        server
            .data
            .join("models/lab/models/iris-classifier/1/spec.toml"),
        "name = \"not the spec\"\n",
    )?;
    assert!(
        datalab(dir.path(), &["init", "third"], None)?
            .status
            .success()
    );
    let third = dir.path().join("third");
    assert!(datalab(&third, &add_s3, None)?.status.success());
    let tampered = datalab(
        &third,
        &["model", "fetch", "iris-classifier:1", "--from", "s3"],
        Some(SECRET_KEY),
    )?;
    assert_eq!(tampered.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&tampered.stderr).contains("spec.toml"));
    assert!(!third.join("models/iris-classifier/1").exists());
    let none = json(&datalab(&third, &["--json", "model", "list"], None)?)?;
    assert_eq!(none, serde_json::json!([]));

    // The secret is in no project database.
    for project in [&lab, &other, &third] {
        for file in ["datalab.sqlite", "datalab.sqlite-wal"] {
            let path = project.join(file);
            if path.is_file() {
                assert!(
                    !contains(&std::fs::read(&path)?, SECRET_KEY),
                    "{}",
                    path.display()
                );
            }
        }
    }
    Ok(())
}
