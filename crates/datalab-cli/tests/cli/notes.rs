//! The lab journal as a person keeps it: notes on the project, an experiment,
//! a run and a model version, their links looked up (a broken one shown as
//! broken, not an error), notes in the model card, the project's history in
//! order, and notes that are not there or empty refused clearly.

use crate::common::{TestResult, datalab, iris_lab, json, stderr};

#[test]
fn notes_link_records_show_in_the_card_and_the_journal_tells_the_history() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, ran) = iris_lab(dir.path())?;
    let experiment = ran["experiment_id"].to_string();
    let run = ran["runs"][0]["id"].to_string();

    let on_project = json(&datalab(
        &lab,
        &["--json", "note", "add", "Started the iris study."],
    ))?;
    assert_eq!(on_project[0]["subject"]["kind"], "project");
    let text = format!(
        "Trees against logistic: run {run} looks best; run 999 was never made; see experiment {experiment}."
    );
    let on_experiment = json(&datalab(
        &lab,
        &["--json", "note", "add", "--experiment", &experiment, &text],
    ))?;
    let links = on_experiment[0]["links"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(links.len(), 3, "{links:?}");
    assert_eq!(
        links[0]["target"],
        serde_json::json!({ "kind": "run", "id": ran["runs"][0]["id"] })
    );
    assert_eq!(links[1]["text"], "run 999");
    assert!(
        links[1]["target"].is_null(),
        "a link to nothing is broken, not an error"
    );
    let listed = datalab(&lab, &["note", "list", "--experiment", &experiment]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("(broken links: run 999)"));

    // A note on the run goes into the card of the version registered from it.
    let on_run = json(&datalab(
        &lab,
        &[
            "--json",
            "note",
            "add",
            "--run",
            &run,
            "Stable across folds.",
        ],
    ))?;
    let registered = json(&datalab(
        &lab,
        &["--json", "model", "register", &run, "--name", "iris-notes"],
    ))?;
    let card = registered["model_card"].as_str().unwrap_or_default();
    assert!(
        card.contains("## Notes")
            && card.contains("Stable across folds.")
            && card.contains("run 999"),
        "{card}"
    );
    let on_version = json(&datalab(
        &lab,
        &[
            "--json",
            "note",
            "add",
            "--model",
            "iris-notes:1",
            "Shipped to the pilot.",
        ],
    ))?;
    assert_eq!(on_version[0]["subject"]["kind"], "model_version");

    // Edited, a note keeps when it was written; deleted, it is gone.
    let id = on_run[0]["id"].to_string();
    let edited = json(&datalab(
        &lab,
        &[
            "--json",
            "note",
            "edit",
            &id,
            "Stable across all five folds.",
        ],
    ))?;
    assert_eq!(edited[0]["created_at"], on_run[0]["created_at"]);
    assert_eq!(edited[0]["body"], "Stable across all five folds.");

    // The journal, newest first: the version's note, the registration, the
    // notes, the experiment, the imports.
    let journal = json(&datalab(&lab, &["--json", "journal", "--limit", "100"]))?;
    let kinds: Vec<&str> = journal
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    let first = |kind: &str| kinds.iter().position(|k| *k == kind).unwrap_or(usize::MAX);
    assert_eq!(kinds.first(), Some(&"note"), "{kinds:?}");
    assert!(first("registration") < first("experiment"), "{kinds:?}");
    assert!(first("experiment") < first("import"), "{kinds:?}");
    let times: Vec<&str> = journal
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["at"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "note").count(), 4);

    assert!(datalab(&lab, &["note", "delete", &id]).status.success());
    let left = json(&datalab(&lab, &["--json", "note", "list", "--run", &run]))?;
    assert_eq!(left, serde_json::json!([]));

    // A note on nothing, or of nothing, is refused saying why.
    let missing = datalab(&lab, &["note", "add", "--run", "999", "text"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("999"), "{}", stderr(&missing));
    let empty = datalab(&lab, &["note", "add", "   "]);
    assert!(!empty.status.success());
    assert!(
        stderr(&empty).contains("needs some text"),
        "{}",
        stderr(&empty)
    );
    Ok(())
}
