//! The records of runs logged through the MLflow protocol: params written
//! once, metric histories with NaN and infinities, latest values, searches.

use datalab_project::{
    Comparison, Condition, ExperimentId, KeyedMetric, Lifecycle, MetricPoint, NewTrackedRun,
    Operand, Project, RunField, RunOrder, RunRecord, RunSearch, RunStatus, RunUpdate,
};

fn point(key: &str, value: f64, step: i64, timestamp_ms: i64) -> KeyedMetric {
    KeyedMetric {
        key: key.to_string(),
        point: MetricPoint {
            value,
            timestamp_ms,
            step,
        },
    }
}

fn new_run(
    project: &Project,
    experiment: ExperimentId,
    name: &str,
    start_ms: i64,
) -> Result<RunRecord, Box<dyn std::error::Error>> {
    Ok(project.create_tracked_run(&NewTrackedRun {
        experiment,
        name,
        user_id: Some("ana"),
        start_ms,
        tags: &[("mlflow.runName".to_string(), name.to_string())],
    })?)
}

#[test]
fn a_logged_run_keeps_what_its_code_logged() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    project.ensure_default_experiment()?;
    assert_eq!(
        project.tracked_experiment(ExperimentId(0))?.record.name,
        "Default"
    );
    let experiment =
        project.create_tracked_experiment("churn", &[("team".into(), "growth".into())])?;
    assert!(project.create_tracked_experiment("churn", &[]).is_err());
    let run = new_run(&project, experiment, "first", 1_700_000_000_000)?;
    assert_eq!(run.status, RunStatus::Running);
    let params = vec![
        ("lr".to_string(), "0.1".to_string()),
        ("odd \"key\"".to_string(), "x".to_string()),
    ];
    let metrics = vec![
        point("loss", f64::NAN, 0, 1),
        point("loss", 0.5, 2, 3),
        point("loss", 0.7, 1, 9),
        point("gain", f64::INFINITY, 0, 1),
    ];
    project.log_batch(run.id, &params, &metrics, &[("note".into(), "hi".into())])?;
    // The same value again is fine; another is refused and logs nothing.
    project.log_batch(run.id, &params[..1], &[], &[])?;
    let changed = project.log_batch(
        run.id,
        &[("lr".into(), "0.2".into())],
        &[point("x", 1.0, 0, 0)],
        &[],
    );
    assert!(
        changed
            .map_err(|e| e.to_string())
            .is_err_and(|m| m.contains("Changing param values"))
    );
    let tracked = project.tracked_run(run.id)?;
    assert_eq!(tracked.params, params);
    assert!(
        tracked.metrics.iter().all(|m| m.key != "x"),
        "a refused batch logs nothing"
    );
    let loss = tracked
        .metrics
        .iter()
        .find(|m| m.key == "loss")
        .map(|m| m.point);
    assert_eq!(
        loss.map(|p| (p.value, p.step)),
        Some((0.5, 2)),
        "the latest is the highest step"
    );
    let gain = tracked
        .metrics
        .iter()
        .find(|m| m.key == "gain")
        .map(|m| m.point.value);
    assert_eq!(gain, Some(f64::INFINITY));
    let history = project.metric_history(run.id, "loss", 0, 100)?;
    assert_eq!(history.len(), 3);
    assert!(history[0].value.is_nan());
    assert_eq!(
        (history[1].value, history[2].value),
        (0.5, 0.7),
        "in the order logged"
    );
    // The runs table reads the latest finite values as the run's metrics.
    let summary = project.run(run.id)?.summary_json.unwrap_or_default();
    assert!(summary.contains("\"loss\":{\"mean\":0.5"), "{summary}");
    assert!(!summary.contains("gain"), "{summary}");
    project.update_tracked_run(
        run.id,
        &RunUpdate {
            status: Some(RunStatus::Succeeded),
            end_ms: Some(1_700_000_005_000),
            name: None,
        },
    )?;
    let ended = project.tracked_run(run.id)?;
    assert_eq!(ended.run.status, RunStatus::Succeeded);
    assert_eq!(ended.end_ms, Some(1_700_000_005_000));
    assert_eq!(ended.run.wall_ms, Some(5_000.0));
    Ok(())
}

#[test]
fn searches_filter_and_order_by_metrics_params_tags_and_attributes()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let experiment = project.create_tracked_experiment("sweep", &[])?;
    let mut ids = Vec::new();
    for i in 0..6_i64 {
        let run = new_run(
            &project,
            experiment,
            &format!("r{i}"),
            1_700_000_000_000 + i,
        )?;
        let model = if i % 2 == 0 { "xgb" } else { "rf" };
        project.log_batch(
            run.id,
            &[("model".into(), model.into())],
            &[point("rmse", i as f64 / 10.0, 0, 0)],
            &[("note".into(), format!("Try {i}"))],
        )?;
        ids.push(run.id);
    }
    let search = |conditions: Vec<Condition>, order: Vec<RunOrder>| {
        project
            .search_runs(&RunSearch {
                experiments: vec![experiment],
                lifecycle: Lifecycle::Active,
                conditions,
                order,
                offset: 0,
                limit: 100,
            })
            .map(|runs| runs.iter().map(|r| r.id).collect::<Vec<_>>())
    };
    let condition = |field, comparison, operand| Condition {
        field,
        comparison,
        operand,
    };
    let cheap_xgb = search(
        vec![
            condition(
                RunField::Metric("rmse".into()),
                Comparison::Lt,
                Operand::Number(0.45),
            ),
            condition(
                RunField::Param("model".into()),
                Comparison::Eq,
                Operand::Text("xgb".into()),
            ),
        ],
        vec![RunOrder {
            field: RunField::Metric("rmse".into()),
            descending: true,
        }],
    )?;
    assert_eq!(cheap_xgb, vec![ids[4], ids[2], ids[0]]);
    // LIKE is case-sensitive, ILIKE is not.
    let like = search(
        vec![condition(
            RunField::Tag("note".into()),
            Comparison::Like,
            Operand::Text("try%".into()),
        )],
        vec![],
    )?;
    assert!(like.is_empty());
    let ilike = search(
        vec![condition(
            RunField::Tag("note".into()),
            Comparison::ILike,
            Operand::Text("try _".into()),
        )],
        vec![],
    )?;
    assert_eq!(ilike.len(), 6);
    // Newest first by default.
    assert_eq!(
        search(vec![], vec![])?,
        ids.iter().rev().copied().collect::<Vec<_>>()
    );
    let named = search(
        vec![condition(
            RunField::Name,
            Comparison::In,
            Operand::List(vec!["r1".into(), "r3".into()]),
        )],
        vec![],
    )?;
    assert_eq!(named, vec![ids[3], ids[1]]);
    project.set_run_deleted(ids[3], true)?;
    let named = search(
        vec![condition(
            RunField::Name,
            Comparison::In,
            Operand::List(vec!["r1".into(), "r3".into()]),
        )],
        vec![],
    )?;
    assert_eq!(named, vec![ids[1]], "deleted runs are not searched");
    Ok(())
}
