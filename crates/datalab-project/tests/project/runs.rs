//! The runs table's queries: pages filtered and sorted by the database.

use datalab_project::{Project, ProjectError, RunQuery, RunSort, RunStatus};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn query(sort: RunSort, descending: bool, text: Option<&str>, offset: u64, limit: u64) -> RunQuery {
    RunQuery {
        experiment: None,
        text: text.map(String::from),
        sort,
        descending,
        offset,
        limit,
    }
}

#[test]
fn runs_are_paged_sorted_and_filtered_in_the_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let trials: Vec<(String, String)> = (0..50)
        .map(|i| {
            let model = if i % 2 == 0 {
                "decision_tree"
            } else {
                "logistic_regression"
            };
            (model.to_string(), format!(r#"{{"max_depth":{}}}"#, i % 7))
        })
        .collect();
    let (_, runs) = project.create_experiment("e", None, "abc", "name = 'e'", &trials)?;
    let job = datalab_project::JobId::parse("runs").map_err(std::io::Error::other)?;
    project.insert_job(&datalab_project::NewJob {
        id: &job,
        kind: datalab_project::JobKind::Experiment,
        label: "runs",
        owner_json: "{}",
        heartbeat_ms: 0,
        experiment_id: None,
    })?;
    for (i, run) in runs.iter().enumerate() {
        // Run 5 never finishes: it has no metric and sorts last either way.
        if i == 5 {
            continue;
        }
        project.start_run(run.id, &job)?;
        let accuracy = (i * 37 % 50) as f64 / 50.0;
        let summary = format!(r#"{{"accuracy":{{"mean":{accuracy},"std":0}}}}"#);
        project.finish_run(
            run.id,
            RunStatus::Succeeded,
            None,
            i as f64,
            1.0,
            Some(&summary),
            &[],
        )?;
    }

    let (page, total) = project.query_runs(&query(RunSort::Id, true, None, 0, 10))?;
    assert_eq!(total, 50);
    assert_eq!(page.len(), 10);
    assert_eq!(page[0].id, runs[49].id);
    let (page, _) = project.query_runs(&query(RunSort::Id, true, None, 45, 10))?;
    assert_eq!(page.len(), 5);

    let accuracy = RunSort::Metric("accuracy".into());
    let (best, _) = project.query_runs(&query(accuracy.clone(), true, None, 0, 50))?;
    let means: Vec<Option<f64>> = best
        .iter()
        .map(|r| {
            r.summary_json
                .as_deref()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                .and_then(|v| v["accuracy"]["mean"].as_f64())
        })
        .collect();
    assert_eq!(means[0], Some(49.0 / 50.0));
    assert!(means.windows(2).take(48).all(|w| w[0] >= w[1]), "{means:?}");
    assert_eq!(best[49].id, runs[5].id);
    let (worst, _) = project.query_runs(&query(accuracy, false, None, 0, 50))?;
    assert_eq!(worst[49].id, runs[5].id, "no metric sorts last both ways");

    let (logistic, total) =
        project.query_runs(&query(RunSort::Id, false, Some("LOGISTIC"), 0, 100))?;
    assert_eq!(total, 25);
    assert!(logistic.iter().all(|r| r.model == "logistic_regression"));
    let (depth_three, total) = project.query_runs(&query(
        RunSort::Param("max_depth".into()),
        false,
        Some("\"max_depth\":3"),
        0,
        100,
    ))?;
    assert_eq!(total, 7);
    assert!(
        depth_three
            .iter()
            .all(|r| r.params_json.contains("\"max_depth\":3"))
    );
    // The filter reads runs as the table shows them: `name=value` is a
    // parameter's exact value (3, not 30), every term must match.
    let count = |text: &str| -> Result<u64, ProjectError> {
        Ok(project
            .query_runs(&query(RunSort::Id, false, Some(text), 0, 100))?
            .1)
    };
    assert_eq!(count("max_depth=3")?, 7);
    assert_eq!(count("MAX_DEPTH = 3")?, 7);
    assert_eq!(count("max_depth=3 logistic")?, 4);
    assert_eq!(count("max_depth=30")?, 0);
    assert_eq!(count("depth=3")?, 0, "a parameter's whole name");
    // LIKE's wildcards in the text are taken literally.
    assert_eq!(
        project
            .query_runs(&query(RunSort::Id, false, Some("%"), 0, 10))?
            .1,
        0
    );

    let injected = project.query_runs(&query(RunSort::Metric("x') --".into()), false, None, 0, 10));
    assert!(injected.is_err());
    Ok(())
}
