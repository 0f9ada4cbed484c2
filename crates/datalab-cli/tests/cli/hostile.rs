//! What the bad-input drills found, from the command line: each case
//! exits with its code and says what to change, leaves nothing behind, and
//! (where the defect was unbounded) finishes within a generous bound.

use crate::common::{TestResult, command, datalab, json, peak_resident_mib, stderr};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn lab() -> Result<(tempfile::TempDir, std::path::PathBuf), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    assert!(datalab(dir.path(), &["demo", "lab"]).status.success());
    let lab = dir.path().join("lab");
    Ok((dir, lab))
}

fn spec(dir: &Path, name: &str, text: &str) -> Result<String, std::io::Error> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path.to_string_lossy().to_string())
}

const HEAD: &str = "name = \"s\"\n[dataset]\nname = \"iris\"\n[task]\nkind = \"classification\"\ntarget = \"species\"\n";

#[test]
fn specs_that_cannot_run_are_refused_naming_field_and_line() -> TestResult {
    let (dir, lab) = lab()?;
    let cases: [(&str, String, &str, Option<&str>); 7] = [
        (
            "no folds",
            format!(
                "{HEAD}[validation]\nkind = \"k_fold\"\nfolds = 1\n[[models]]\nmodel = \"decision_tree\"\n"
            ),
            "validation.folds",
            Some("line 9"),
        ),
        (
            "more folds than rows",
            format!(
                "{HEAD}[validation]\nkind = \"k_fold\"\nfolds = 1000\n[[models]]\nmodel = \"decision_tree\"\n"
            ),
            "validation.folds",
            None,
        ),
        (
            "a fraction outside (0, 1)",
            format!(
                "{HEAD}[validation]\nkind = \"holdout\"\ntest_fraction = 1.5\n[[models]]\nmodel = \"decision_tree\"\n"
            ),
            "validation.test_fraction",
            Some("line 9"),
        ),
        (
            "a range upside down",
            format!(
                "search = {{ kind = \"random\", budget = 3 }}\n{HEAD}[validation]\nkind = \"k_fold\"\nfolds = 3\n\
                 [[models]]\nmodel = \"logistic_regression\"\nparams = {{ alpha = {{ min = 10.0, max = 0.1 }} }}\n"
            ),
            "models[0].params.alpha",
            Some("line 13"),
        ),
        (
            "a fraction for a whole number",
            format!(
                "{HEAD}[validation]\nkind = \"k_fold\"\nfolds = 3\n[[models]]\nmodel = \"decision_tree\"\nparams = {{ max_depth = 2.5 }}\n"
            ),
            "models[0].params.max_depth",
            Some("line 12"),
        ),
        (
            "an empty list of values",
            format!(
                "{HEAD}[validation]\nkind = \"k_fold\"\nfolds = 3\n[[models]]\nmodel = \"decision_tree\"\nparams = {{ max_depth = [] }}\n"
            ),
            "models[0].params.max_depth",
            Some("line 12"),
        ),
        (
            "a budget of a billion",
            format!(
                "search = {{ kind = \"random\", budget = 1000000000 }}\n{HEAD}[validation]\nkind = \"k_fold\"\nfolds = 3\n\
                 [[models]]\nmodel = \"logistic_regression\"\nparams = {{ alpha = {{ min = 0.1, max = 10.0 }} }}\n"
            ),
            "search",
            None,
        ),
    ];
    for (what, text, field, line) in cases {
        let path = spec(dir.path(), "bad.toml", &text)?;
        let started = Instant::now();
        let output = datalab(&lab, &["--json", "experiment", "create", &path]);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: took {:?}",
            started.elapsed()
        );
        assert_eq!(output.status.code(), Some(3), "{what}: {}", stderr(&output));
        let error = json(&output)?;
        assert_eq!(error["error"]["field"], field, "{what}: {error}");
        if let Some(line) = line {
            let message = error["error"]["message"].as_str().unwrap_or("");
            assert!(message.contains(line), "{what}: {message}");
        }
    }
    // Nothing was recorded.
    let listed = json(&datalab(&lab, &["--json", "experiment", "list"]))?;
    assert_eq!(listed, serde_json::json!([]));
    Ok(())
}

#[test]
fn features_that_cannot_be_learned_from_are_named_not_called_damage() -> TestResult {
    let (dir, lab) = lab()?;
    // A feature listed twice.
    let twice = spec(
        dir.path(),
        "twice.toml",
        &format!(
            "{HEAD}features = [\"sepal_length\", \"sepal_length\"]\n[validation]\nkind = \"k_fold\"\nfolds = 3\n\
             [[models]]\nmodel = \"decision_tree\"\n"
        ),
    )?;
    let output = datalab(&lab, &["--json", "experiment", "create", &twice]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let error = json(&output)?;
    assert_eq!(error["error"]["field"], "task.features");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("listed twice")),
        "{error}"
    );
    // A column of lists.
    let events = dir.path().join("tagged.ndjson");
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!(
            "{{\"x\": {i}, \"tags\": [{i}, {}], \"y\": \"{}\"}}\n",
            i + 1,
            if i % 2 == 0 { "a" } else { "b" }
        ));
    }
    std::fs::write(&events, text)?;
    assert!(
        datalab(&lab, &["dataset", "import", &events.to_string_lossy()])
            .status
            .success()
    );
    let lists = spec(
        dir.path(),
        "lists.toml",
        "name = \"l\"\n[dataset]\nname = \"tagged\"\n[task]\nkind = \"classification\"\ntarget = \"y\"\n\
         [validation]\nkind = \"k_fold\"\nfolds = 3\n[[models]]\nmodel = \"decision_tree\"\n",
    )?;
    let output = datalab(&lab, &["--json", "experiment", "create", &lists]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = json(&output)?["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        message.contains("'tags'") && message.contains("lists") && !message.contains("damaged"),
        "{message}"
    );
    Ok(())
}

#[test]
fn a_name_taken_from_a_file_is_checked_too() -> TestResult {
    let (dir, lab) = lab()?;
    let odd = dir.path().join("bad\u{1b}[31mname.csv");
    std::fs::write(&odd, "a,b\n1,2\n")?;
    let output = datalab(
        &lab,
        &["--json", "dataset", "import", &odd.to_string_lossy()],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let error = json(&output)?;
    assert_eq!(error["error"]["field"], "name");
    let text = output.stdout.clone();
    assert!(
        !text.contains(&0x1b),
        "an escape sequence reached the terminal"
    );
    // Named by the user, it imports.
    let named = datalab(
        &lab,
        &["dataset", "import", &odd.to_string_lossy(), "--name", "odd"],
    );
    assert!(named.status.success(), "{}", stderr(&named));
    Ok(())
}

#[test]
fn queries_see_the_projects_datasets_and_nothing_else() -> TestResult {
    let (dir, lab) = lab()?;
    let outside = dir.path().join("secret.csv");
    std::fs::write(&outside, "password\nhunter2\n")?;
    for sql in [
        format!("SELECT * FROM read_csv('{}')", outside.display()),
        "SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')".to_string(),
        format!("SELECT * FROM iris, READ_PARQUET('{}')", outside.display()),
    ] {
        let output = datalab(&lab, &["dataset", "query", &sql]);
        assert_eq!(output.status.code(), Some(3), "{sql}");
        let message = stderr(&output);
        assert!(message.contains("outside the project"), "{message}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains("hunter2"));
    }
    let fine = datalab(
        &lab,
        &["dataset", "query", "SELECT count(*) AS n FROM iris"],
    );
    assert!(fine.status.success());
    Ok(())
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() -> TestResult {
    let (_dir, lab) = lab()?;
    for args in [
        &["dataset", "list"][..],
        &["--json", "dataset", "head", "iris", "-n", "150"][..],
    ] {
        let mut child = command(&lab)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        // The reader goes away before the command writes (`datalab … | true`).
        drop(child.stdout.take());
        let output = child.wait_with_output()?;
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            !said.contains("panicked") && !said.contains("backtrace"),
            "{args:?}: {said}"
        );
        assert!(
            matches!(output.status.code(), Some(0) | Some(141)),
            "{args:?}: {:?}",
            output.status
        );
    }
    Ok(())
}

/// Runs `datalab args` in `dir` and watches its peak resident memory
/// (VmHWM, read every 20 ms until it exits): the exit code and the peak in MiB.
fn with_peak_memory(
    dir: &Path,
    args: &[&str],
) -> Result<(Option<i32>, u64), Box<dyn std::error::Error>> {
    let mut child = command(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut peak = 0u64;
    loop {
        peak = peak.max(peak_resident_mib(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait()? {
            return Ok((status.code(), peak));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_wide_json_object_imports_in_bounded_memory() -> TestResult {
    let (dir, lab) = lab()?;
    // 8,000 keys in each of three objects (~350 KB): memory grew with the
    // square of the keys (20,000 reached 12 GB, so 8,000 about 2 GB; now
    // about 250 MB in a debug build).
    let rows: Vec<serde_json::Value> = (0..3)
        .map(|r| {
            serde_json::Value::Object(
                (0..8_000)
                    .map(|i| (format!("key_{i}"), serde_json::json!((i * 7 + r) % 13)))
                    .collect(),
            )
        })
        .collect();
    let file = dir.path().join("wide.json");
    std::fs::write(&file, serde_json::to_string(&rows)?)?;
    let (code, peak) = with_peak_memory(&lab, &["dataset", "import", &file.to_string_lossy()])?;
    assert_eq!(code, Some(0));
    assert!(peak < 800, "importing 8,000 keys peaked at {peak} MiB");
    let shown = json(&datalab(&lab, &["--json", "dataset", "show", "wide"]))?;
    assert_eq!(shown["columns"].as_array().map(Vec::len), Some(8_000));
    Ok(())
}
