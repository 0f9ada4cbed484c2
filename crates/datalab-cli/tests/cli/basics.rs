//! The `datalab` binary, run as a user runs it: real files, a real project
//! folder, exit codes and `--json` output checked.

use crate::common::{TestResult, datalab, json, repo_str, stderr};
use std::path::{Path, PathBuf};

fn snapshot_files(project: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(project.join("datasets"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn init_import_explore_remove() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = datalab(dir.path(), &["init", "lab"]);
    assert!(init.status.success(), "{}", stderr(&init));
    let lab = dir.path().join("lab");
    assert!(lab.join("datalab.sqlite").is_file());

    // The project is found from a folder inside it.
    let inside = lab.join("notes");
    std::fs::create_dir_all(&inside)?;
    let import = datalab(
        &inside,
        &[
            "--json",
            "dataset",
            "import",
            &repo_str("assets/datasets/penguins.csv"),
        ],
    );
    assert!(import.status.success(), "{}", stderr(&import));
    let outcome = json(&import)?;
    assert_eq!(outcome["already_imported"], false);
    assert_eq!(outcome["dataset"]["name"], "penguins");
    assert_eq!(outcome["dataset"]["rows"], 344);
    assert_eq!(outcome["profile"]["rows"], 344);
    let snapshot = outcome["dataset"]["snapshot_sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        snapshot_files(&lab),
        vec![lab.join("datasets").join(format!("{snapshot}.parquet"))]
    );

    // Again: recognised, nothing new written.
    let again = datalab(
        &lab,
        &[
            "--json",
            "dataset",
            "import",
            &repo_str("assets/datasets/penguins.csv"),
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(json(&again)?["already_imported"], true);
    assert_eq!(snapshot_files(&lab).len(), 1);
    let list = json(&datalab(&lab, &["--json", "dataset", "list"]))?;
    assert_eq!(list.as_array().map(|a| a.len()), Some(1));

    // Readable output names what a person looks for.
    let profile = datalab(&lab, &["dataset", "profile", "penguins"]);
    let text = String::from_utf8(profile.stdout)?;
    assert!(
        text.contains("body_mass_g") && text.contains("Adelie (152)"),
        "{text}"
    );
    assert!(text.contains("flipper_length_mm ~ body_mass_g"), "{text}");

    let head = json(&datalab(
        &lab,
        &[
            "--json",
            "dataset",
            "head",
            "penguins",
            "-n",
            "2",
            "--sort",
            "body_mass_g",
            "--desc",
            "--filter",
            "sex = female",
        ],
    ))?;
    assert_eq!(head["total_rows"], 165);
    assert_eq!(head["table"]["rows"].as_array().map(|r| r.len()), Some(2));

    let query = json(&datalab(
        &lab,
        &[
            "--json",
            "dataset",
            "query",
            "SELECT island, count(*) AS n FROM penguins GROUP BY island ORDER BY n DESC",
        ],
    ))?;
    assert_eq!(
        query["table"]["rows"][0],
        serde_json::json!(["Biscoe", 168])
    );

    let removed = datalab(&lab, &["dataset", "remove", "penguins"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(snapshot_files(&lab).is_empty());
    let gone = datalab(&lab, &["dataset", "show", "penguins"]);
    assert_eq!(gone.status.code(), Some(4));
    assert!(stderr(&gone).contains("no dataset named or numbered 'penguins'"));
    Ok(())
}

#[test]
fn malformed_files_fail_with_exit_code_3_and_write_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["init", "."]).status.success());
    let cases = [
        ("ragged_short.csv", "line 4 has 2 fields"),
        ("unclosed_quote.csv", "starts on line 3 is never closed"),
        ("latin1.csv", "line 3 is not valid UTF-8"),
        ("binary.csv", "not a text file"),
        ("empty.csv", "the file is empty"),
        ("truncated.parquet", "not a readable Parquet file"),
        ("bad.ndjson", "not valid JSON at line 3"),
        ("not_a_table.xlsx", "Excel workbook"),
        ("missing.csv", "no such file"),
    ];
    for (file, expected) in cases {
        let path = repo_str(&format!("tests/corpus/{file}"));
        let output = datalab(dir.path(), &["dataset", "import", &path]);
        assert_eq!(output.status.code(), Some(3), "{file}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains(file) && message.contains(expected),
            "{file}: {message}"
        );
        assert!(!message.contains("panicked"), "{message}");
    }
    let mixed = datalab(
        dir.path(),
        &[
            "--json",
            "dataset",
            "import",
            "--infer-rows",
            "10",
            &repo_str("tests/corpus/mixed_types.csv"),
        ],
    );
    assert_eq!(mixed.status.code(), Some(3));
    let error = json(&mixed)?;
    assert_eq!(error["error"]["code"], "bad_input");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 32") && m.contains("--type amount=text"))
    );

    assert!(
        snapshot_files(dir.path()).is_empty(),
        "{:?}",
        snapshot_files(dir.path())
    );
    let list = json(&datalab(dir.path(), &["--json", "dataset", "list"]))?;
    assert_eq!(list, serde_json::json!([]));
    Ok(())
}

#[test]
fn options_shape_the_import() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["init", "."]).status.success());
    let typed = json(&datalab(
        dir.path(),
        &[
            "--json",
            "dataset",
            "import",
            "--name",
            "typed",
            "--type",
            "id=text",
            "--null-value",
            "abc",
            &repo_str("tests/corpus/mixed_types.csv"),
        ],
    ))?;
    let columns = &typed["dataset"]["columns"];
    assert_eq!(columns[0]["kind"], "text");
    assert_eq!(columns[1]["kind"], "integer");
    let amount = &typed["profile"]["columns"][1];
    assert_eq!(amount["nulls"], 1);

    let taken = datalab(
        dir.path(),
        &[
            "dataset",
            "import",
            "--name",
            "typed",
            &repo_str("assets/datasets/iris.csv"),
        ],
    );
    assert_eq!(taken.status.code(), Some(3));
    assert!(stderr(&taken).contains("already exists"));

    let bad_type = datalab(
        dir.path(),
        &[
            "dataset",
            "import",
            "--type",
            "id=bigint",
            &repo_str("assets/datasets/iris.csv"),
        ],
    );
    assert_eq!(bad_type.status.code(), Some(3));
    assert!(stderr(&bad_type).contains("unknown type 'bigint'"));
    Ok(())
}

#[test]
fn outside_a_project_says_how_to_make_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let output = datalab(dir.path(), &["dataset", "list"]);
    assert_eq!(output.status.code(), Some(5));
    assert!(stderr(&output).contains("datalab init"));
    let usage = datalab(dir.path(), &["dataset", "frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
    Ok(())
}

#[test]
fn the_demo_project_holds_the_samples_and_can_be_made_again() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = datalab(dir.path(), &["--json", "demo", "demo"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let outcome = json(&first)?;
    let names: Vec<&str> = outcome["datasets"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        vec![
            "iris",
            "penguins",
            "winequality-red",
            "diabetes",
            "sms_spam"
        ]
    );
    assert_eq!(outcome["created"], true);

    let second = json(&datalab(dir.path(), &["--json", "demo", "demo"]))?;
    assert_eq!(second["created"], false);
    assert_eq!(second["datasets"].as_array().map(|a| a.len()), Some(5));
    assert_eq!(snapshot_files(&dir.path().join("demo")).len(), 5);

    let spam = json(&datalab(
        &dir.path().join("demo"),
        &["--json", "dataset", "profile", "sms_spam"],
    ))?;
    let label = &spam["columns"][0];
    assert_eq!(label["name"], "label");
    assert_eq!(label["top_values"][0]["value"], "ham");
    Ok(())
}
