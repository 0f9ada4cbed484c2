//! The schema's life: a database made by the first release opens in this one
//! with its data intact; a newer one is refused; a lock is waited for, then
//! reported.

use datalab_project::{
    DATABASE_FILE, DatasetId, JobId, JobKind, JobProgress, JobStatus, NewDataset, NewJob, Project,
    ProjectError, migrations,
};
use rusqlite::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

/// A project database as the first schema version wrote it, with one dataset.
const V1_FIXTURE: &str = include_str!("../../../../tests/fixtures/project-v1.sql");

fn write_v1_project(dir: &Path) -> rusqlite::Result<()> {
    std::fs::create_dir_all(dir.join("datasets"))
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let conn = Connection::open(dir.join(DATABASE_FILE))?;
    conn.execute_batch(V1_FIXTURE)?;
    Ok(())
}

#[test]
fn a_first_version_database_upgrades_with_its_data() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    write_v1_project(dir.path())?;
    {
        let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        assert_eq!(migrations::current_version(&conn)?, 1);
    }

    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    let datasets = project.datasets()?;
    assert_eq!(datasets.len(), 1);
    let iris = &datasets[0];
    assert_eq!(iris.id, DatasetId(1));
    assert_eq!(iris.fields.name, "iris");
    assert_eq!(iris.fields.row_count, 150);
    assert_eq!(iris.created_at, "2026-11-01T09:30:00.000Z");
    let profile = project.cached_profile(iris.id, "datalab-profile-1")?;
    assert!(profile.is_some_and(|p| p.contains("\"rows\":150")));
    // Tables added after version 1 are there and usable.
    assert!(project.meta("created_at")?.is_some());
    let vendor = project.insert_vendor("svc", "mlflow", "{}")?;
    assert_eq!(project.vendors()?, vec![vendor]);
    project.cache_responses(&[(
        "h".into(),
        datalab_project::CachedResponse {
            response: "{}".into(),
            latency_ms: 1.0,
        },
    )])?;
    assert_eq!(
        project.cached_responses(&["h".into(), "x".into()])?.len(),
        1
    );
    project.set_meta("agreements", "{}")?;
    assert_eq!(project.meta("agreements")?.as_deref(), Some("{}"));
    drop(project);

    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_history ORDER BY version")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(versions, (1..=migrations::LATEST).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn the_fixture_matches_the_first_migration() -> Result<(), Box<dyn std::error::Error>> {
    // If migration 1 were edited, old databases would no longer match what
    // this build thinks version 1 is: compare the table layouts.
    let from_fixture = Connection::open_in_memory()?;
    from_fixture.execute_batch(V1_FIXTURE)?;
    let mut from_code = Connection::open_in_memory()?;
    migrations::migrate_to(&mut from_code, 1)?;
    let layout = |conn: &Connection| -> rusqlite::Result<Vec<(String, String, String)>> {
        conn.prepare(
            "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' ORDER BY m.name, p.cid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
    };
    assert_eq!(layout(&from_fixture)?, layout(&from_code)?);
    Ok(())
}

#[test]
fn a_database_from_a_newer_data_lab_is_refused() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    drop(Project::create(dir.path())?);
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    conn.execute_batch(&format!("PRAGMA user_version = {}", migrations::LATEST + 1))?;
    drop(conn);

    match Project::open(dir.path()) {
        Err(error @ ProjectError::NewerSchema { .. }) => {
            let message = error.to_string();
            assert!(message.contains("newer Data Lab"), "{message}");
            assert!(message.contains("upgrade Data Lab"), "{message}");
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    // Refusing did not touch it.
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    assert_eq!(migrations::current_version(&conn)?, migrations::LATEST + 1);
    Ok(())
}

fn sample_dataset(name: &str) -> NewDataset {
    NewDataset {
        name: name.into(),
        source_path: "/data/x.csv".into(),
        source_format: "csv".into(),
        source_sha256: "aa".into(),
        source_bytes: 10,
        import_options: "{}".into(),
        snapshot_sha256: "bb".into(),
        snapshot_bytes: 20,
        row_count: 3,
        column_count: 1,
        schema_json: "[]".into(),
    }
}

#[test]
fn a_lock_is_waited_for_then_reported() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut project = Project::create(dir.path())?;
    project.set_busy_timeout(Duration::from_millis(300))?;

    // Another process (here: another connection) holds the write lock.
    let other = Connection::open(dir.path().join(DATABASE_FILE))?;
    other.execute_batch("BEGIN IMMEDIATE; INSERT INTO project_meta VALUES ('k', 'v');")?;
    let started = Instant::now();
    match project.insert_dataset(&sample_dataset("first")) {
        Err(error @ ProjectError::Locked { .. }) => {
            assert!(
                started.elapsed() >= Duration::from_millis(250),
                "did not wait"
            );
            assert!(error.to_string().contains("locked by another process"));
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    assert!(project.datasets()?.is_empty());

    // A lock released while we wait is simply waited out.
    project.set_busy_timeout(Duration::from_secs(10))?;
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        other.execute_batch("COMMIT;")
    });
    let started = Instant::now();
    let record = project.insert_dataset(&sample_dataset("second"))?;
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "did not wait"
    );
    releaser.join().map_err(|_| "thread panicked")??;
    assert_eq!(record.fields.name, "second");
    assert_eq!(project.meta("k")?.as_deref(), Some("v"));
    Ok(())
}

#[test]
fn projects_are_found_from_inside_them() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    drop(Project::create(dir.path())?);
    let inner = dir.path().join("samples").join("deeper");
    std::fs::create_dir_all(&inner)?;
    let project = Project::discover(&inner)?;
    assert_eq!(project.root(), dir.path().canonicalize()?);

    let elsewhere = tempfile::tempdir()?;
    match Project::discover(elsewhere.path()) {
        Err(ProjectError::NotAProject { .. }) => {}
        other => panic!("expected NotAProject, got {other:?}"),
    }
    match Project::create(dir.path()) {
        Err(ProjectError::AlreadyExists { .. }) => {}
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    Ok(())
}

fn job(project: &Project, id: &str) -> Result<JobId, Box<dyn std::error::Error>> {
    let id = JobId::parse(id)?;
    project.insert_job(&NewJob {
        id: &id,
        kind: JobKind::Experiment,
        label: "experiment 1",
        owner_json: "{}",
        heartbeat_ms: 0,
        experiment_id: None,
    })?;
    Ok(id)
}

#[test]
fn runs_of_a_dead_job_become_interrupted() -> Result<(), Box<dyn std::error::Error>> {
    use datalab_project::RunStatus;
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let trials = vec![("decision_tree".to_string(), "{}".to_string()); 3];
    let (experiment, runs) = project.create_experiment("e", None, "abc", "name = 'e'", &trials)?;
    let gone = job(&project, "gone")?; // a job whose owner died
    let alive = job(&project, "alive")?;
    assert!(project.start_run(runs[0].id, &gone)?);
    assert!(project.start_run(runs[1].id, &alive)?);
    // A run is started once: a second worker cannot take it.
    assert!(!project.start_run(runs[1].id, &gone)?);
    project.finish_run(
        runs[1].id,
        RunStatus::Succeeded,
        None,
        1.0,
        1.0,
        Some("{}"),
        &[],
    )?;
    assert!(project.interrupt_job(&gone, "its process stopped")?);
    // Recovered once: a second recovery finds nothing to do.
    assert!(!project.interrupt_job(&gone, "its process stopped")?);
    // The run of the dead job; the queued one may still be picked up by the live one.
    let statuses: Vec<RunStatus> = project
        .runs_of(experiment.id)?
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        vec![
            RunStatus::Interrupted,
            RunStatus::Succeeded,
            RunStatus::Queued
        ]
    );
    assert_eq!(project.job(&gone)?.status, JobStatus::Interrupted);
    // Once no job of the experiment is alive, its queued runs never will run.
    assert_eq!(project.interrupt_queued_runs(experiment.id)?, 1);
    let statuses: Vec<RunStatus> = project
        .runs_of(experiment.id)?
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        vec![
            RunStatus::Interrupted,
            RunStatus::Succeeded,
            RunStatus::Interrupted
        ]
    );
    // Resuming the experiment queues them again, fresh.
    assert_eq!(
        project.requeue_runs(experiment.id, &[RunStatus::Interrupted])?,
        2
    );
    let requeued = project.runs_of(experiment.id)?;
    assert_eq!(requeued[0].status, RunStatus::Queued);
    assert_eq!(requeued[0].started_at, None);
    assert_eq!(requeued[1].status, RunStatus::Succeeded);
    // Workers claim the queue in trial order, each run once.
    let first = project.claim_next_run(experiment.id, &alive)?;
    let second = project.claim_next_run(experiment.id, &alive)?;
    assert_eq!(first.map(|r| r.trial), Some(0));
    assert_eq!(second.map(|r| r.trial), Some(2));
    assert_eq!(project.claim_next_run(experiment.id, &alive)?, None);
    Ok(())
}

#[test]
fn a_job_beats_reports_and_hears_a_cancel() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let id = job(&project, "sweep-1")?;
    let progress = JobProgress {
        stage: Some("fold 2 of 5".into()),
        done: 3,
        total: 10,
    };
    assert_eq!(project.beat_job(&id, 1_000, &progress)?, Some(false));
    let record = project.job(&id)?;
    assert_eq!(
        (record.done, record.total, record.heartbeat_ms),
        (3, 10, 1_000)
    );
    assert_eq!(record.stage.as_deref(), Some("fold 2 of 5"));
    // Any process may ask it to stop; the owner hears it at its next beat.
    assert!(project.request_job_cancel(&id)?.cancel_requested);
    assert!(project.job_cancel_requested(&id)?);
    assert_eq!(project.beat_job(&id, 2_000, &progress)?, Some(true));
    project.finish_job(&id, JobStatus::Cancelled, Some("cancelled"), &progress)?;
    // An ended job is not beaten, and keeps its end.
    assert_eq!(project.beat_job(&id, 3_000, &progress)?, None);
    project.finish_job(&id, JobStatus::Succeeded, None, &progress)?;
    assert_eq!(project.job(&id)?.status, JobStatus::Cancelled);
    assert!(project.running_jobs()?.is_empty());
    assert_eq!(project.recent_jobs(10)?.len(), 1);
    // One id, one job.
    assert!(matches!(
        job(&project, "sweep-1").map_err(|e| e.to_string()),
        Err(message) if message.contains("already exists")
    ));
    Ok(())
}

#[test]
fn work_an_older_build_left_running_is_interrupted_by_the_jobs_migration()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        // A database as the build before jobs left it: a sweep half run by a
        // process (a PID), one of its runs queued, an evaluation running.
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        migrations::migrate_to(&mut conn, 7)?;
        conn.execute_batch(
            "INSERT INTO experiments (id, name, dataset_sha256, spec_toml) VALUES (1, 'e', 'abc', 'name = \"e\"');
             INSERT INTO runs (id, experiment_id, trial, model, params_json, status, pid, started_at)
                 VALUES (1, 1, 0, 'decision_tree', '{}', 'succeeded', 41, '2026-11-30T10:00:00Z'),
                        (2, 1, 1, 'decision_tree', '{}', 'running', 41, '2026-11-30T10:00:01Z'),
                        (3, 1, 2, 'decision_tree', '{}', 'queued', NULL, NULL);
             INSERT INTO vendors (id, name, protocol, config_json) VALUES (1, 'v', 'mlflow', '{}');
             INSERT INTO evaluations (id, experiment_id, vendor_id, vendor_name, config_json, status, pid)
                 VALUES (1, 1, 1, 'v', '{}', 'running', 41);",
        )?;
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    let statuses: Vec<datalab_project::RunStatus> = project
        .runs_of(datalab_project::ExperimentId(1))?
        .iter()
        .map(|r| r.status)
        .collect();
    use datalab_project::RunStatus::{Interrupted, Queued, Succeeded};
    assert_eq!(statuses, [Succeeded, Interrupted, Queued]);
    let evaluation = project.evaluation(datalab_project::EvaluationId(1))?;
    assert_eq!(
        evaluation.status,
        datalab_project::EvaluationStatus::Interrupted
    );
    // The queue is claimable by the new build's jobs; PIDs are gone.
    let worker = job(&project, "after-upgrade")?;
    let claimed = project.claim_next_run(datalab_project::ExperimentId(1), &worker)?;
    assert_eq!(claimed.map(|r| r.trial), Some(2));
    drop(project);
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    let pid_columns: i64 = conn.query_row(
        "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'pid'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(pid_columns, 0);
    Ok(())
}

#[test]
fn runs_from_before_tracking_get_mlflow_ids_and_keep_their_params()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        migrations::migrate_to(&mut conn, 8)?;
        conn.execute_batch(
            "INSERT INTO experiments (id, name, dataset_sha256, spec_toml) VALUES (1, 'e', 'abc', 'name = \"e\"');
             INSERT INTO runs (id, experiment_id, trial, model, params_json, status, started_at, finished_at, summary_json)
                 VALUES (1, 1, 0, 'decision_tree', '{\"max_depth\":3}', 'succeeded', '2026-11-30T10:00:00.250Z',
                         '2026-11-30T10:00:02Z', '{\"accuracy\":{\"mean\":0.9,\"std\":0.01}}'),
                        (2, 1, 1, 'decision_tree', '{\"max_depth\":5}', 'queued', NULL, NULL, NULL);",
        )?;
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    let runs = project.runs_of(datalab_project::ExperimentId(1))?;
    assert_eq!(runs.len(), 2);
    for run in &runs {
        assert_eq!(run.uuid.len(), 32);
        assert!(run.uuid.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(run.origin, datalab_project::RunOrigin::Catalog);
    }
    assert_ne!(runs[0].uuid, runs[1].uuid);
    assert_eq!(project.run_by_uuid(&runs[1].uuid)?.id, runs[1].id);
    // An MLflow client sees the old run's typed params as text, and its times in ms.
    let tracked = project.tracked_run(runs[0].id)?;
    assert_eq!(
        tracked.params,
        vec![("max_depth".to_string(), "3".to_string())]
    );
    assert_eq!(tracked.start_ms, Some(1_796_032_800_250));
    let experiment = project.experiment(datalab_project::ExperimentId(1))?;
    assert_eq!(experiment.origin, datalab_project::ExperimentOrigin::Spec);
    // New experiments' runs get ids too.
    let (_, created) = project.create_experiment(
        "f",
        None,
        "abc",
        "name = \"f\"",
        &[("knn".into(), "{}".into())],
    )?;
    assert_eq!(created[0].uuid.len(), 32);
    Ok(())
}

#[test]
fn the_runs_rebuild_keeps_every_run_and_what_points_at_it() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        migrations::migrate_to(&mut conn, 9)?;
        conn.execute_batch(
            "INSERT INTO experiments (id, name, dataset_sha256, spec_toml) VALUES (1, 'e', 'abc', 'name = \"e\"');
             INSERT INTO runs (id, experiment_id, trial, model, params_json, status, summary_json, uuid, name)
                 VALUES (7, 1, 0, 'knn', '{\"k\":3}', 'succeeded', '{\"accuracy\":{\"mean\":0.9,\"std\":0.0}}',
                         '0123456789abcdef0123456789abcdef', 'first'),
                        (8, 1, 1, 'knn', '{\"k\":5}', 'queued', NULL, 'fedcba9876543210fedcba9876543210', NULL);
             INSERT INTO run_metrics (run_id, fold, name, value) VALUES (7, 0, 'accuracy', 0.9);
             INSERT INTO run_tags (run_id, key, value) VALUES (7, 'team', 'a');
             INSERT INTO models (id, name) VALUES (1, 'm');
             INSERT INTO model_versions (id, model_id, version, run_id, package_dir, manifest_sha256)
                 VALUES (1, 1, 1, 7, 'models/m/1', 'x');",
        )?;
        // A version-9 database refuses the status this build writes.
        let refused = conn.execute("UPDATE runs SET status = 'pruned' WHERE id = 8", []);
        assert!(refused.is_err());
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    let runs = project.runs_of(datalab_project::ExperimentId(1))?;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].uuid, "0123456789abcdef0123456789abcdef");
    assert_eq!(runs[0].name.as_deref(), Some("first"));
    assert_eq!(runs[0].params_json, "{\"k\":3}");
    assert_eq!(runs[1].status, datalab_project::RunStatus::Queued);
    assert_eq!(project.run_metrics(runs[0].id)?.len(), 1);
    // The queue still works, and a pruned run keeps its rung.
    let job = job(&project, "job-after-rebuild")?;
    let claimed = project.claim_next_run(datalab_project::ExperimentId(1), &job)?;
    assert_eq!(claimed.map(|r| r.id.0), Some(8));
    project.prune_run(runs[1].id, 1, "pruned at rung 1", 1.0, 1.0, None, &[])?;
    let pruned = project.run(runs[1].id)?;
    assert_eq!(pruned.status, datalab_project::RunStatus::Pruned);
    assert_eq!(pruned.rung, Some(1));
    // Foreign keys still point at the rebuilt table: deleting the
    // experiment takes its runs' metrics and tags along, and the registered
    // version loses its run but stays.
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM experiments WHERE id = 1;")?;
    let count = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0));
    assert_eq!(count("SELECT count(*) FROM runs")?, 0);
    assert_eq!(count("SELECT count(*) FROM run_metrics")?, 0);
    assert_eq!(count("SELECT count(*) FROM run_tags")?, 0);
    assert_eq!(
        count("SELECT count(*) FROM model_versions WHERE run_id IS NULL")?,
        1
    );
    assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check")?, 0);
    Ok(())
}

#[test]
fn versions_registered_before_served_ports_upgrade_with_none_and_keep_one_set()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        migrations::migrate_to(&mut conn, 10)?;
        conn.execute_batch(
            "INSERT INTO models (id, name) VALUES (1, 'm');
             INSERT INTO model_versions (id, model_id, version, package_dir, manifest_sha256)
                 VALUES (1, 1, 1, 'models/m/1', 'x');",
        )?;
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    let version = project.model_version("m", Some(1), None)?;
    assert_eq!(version.served_port, None);
    project.set_served_port(version.id, 40123)?;
    assert_eq!(
        project.model_version("m", Some(1), None)?.served_port,
        Some(40123)
    );
    // A port no socket can have is refused by the schema itself.
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    assert!(
        conn.execute("UPDATE model_versions SET served_port = 70000", [])
            .is_err()
    );
    Ok(())
}

#[test]
fn a_project_from_before_the_journal_upgrades_and_takes_notes()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        migrations::migrate_to(&mut conn, 11)?;
        conn.execute_batch(
            "INSERT INTO experiments (id, name, dataset_sha256, spec_toml) VALUES (1, 'old', 'x', '');",
        )?;
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    let subject = datalab_project::NoteSubject::Experiment(datalab_project::ExperimentId(1));
    let note = project.add_note(subject, "Written after the upgrade, about run 1.")?;
    assert_eq!(project.notes_on(subject)?, vec![note]);
    let journal = project.journal(None, 10)?;
    assert_eq!(
        journal.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        vec!["note", "experiment"]
    );
    // A project note names no record; a record's note names one: the schema says so.
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    assert!(
        conn.execute(
            "INSERT INTO notes (subject_kind, subject_id, body) VALUES ('project', 3, 'x')",
            []
        )
        .is_err()
    );
    assert!(
        conn.execute(
            "INSERT INTO notes (subject_kind, subject_id, body) VALUES ('run', NULL, 'x')",
            []
        )
        .is_err()
    );
    Ok(())
}

#[test]
fn a_project_from_before_budgets_upgrades_and_keeps_one() -> Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        migrations::migrate_to(&mut conn, 12)?;
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    assert!(project.budgets()?.is_empty());
    project.set_budget(datalab_project::ALL_VENDORS, 10.0)?;
    project.set_budget(datalab_project::ALL_VENDORS, 12.5)?;
    let budgets = project.budgets()?;
    assert_eq!(budgets.len(), 1);
    assert_eq!(budgets[0].monthly_limit, 12.5);
    assert!(project.set_budget("x", -1.0).is_err());
    assert!(project.set_budget("x", f64::NAN).is_err());
    let month = project.this_month()?;
    assert_eq!(project.spent_in_month("*", &month)?, 0.0);
    Ok(())
}

#[test]
fn a_project_from_before_agreement_checks_upgrades_and_records_one()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("datasets"))?;
    {
        let mut conn = Connection::open(dir.path().join(DATABASE_FILE))?;
        migrations::migrate_to(&mut conn, 13)?;
    }
    let project = Project::open(dir.path())?;
    assert_eq!(project.schema_version()?, migrations::LATEST);
    assert!(project.agreement_checks()?.is_empty());
    let check = datalab_project::AgreementCheck {
        subject_kind: "model_version".into(),
        subject_id: 4,
        experiment_id: 2,
        met: Some(false),
        misses_json: r#"["accuracy 0.8 < 0.9"]"#.into(),
        agreements_json: "{}".into(),
        checked_at: String::new(),
    };
    project.record_agreement_check(&check)?;
    let recorded = project.agreement_checks()?;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].met, Some(false));
    assert_eq!(recorded[0].misses_json, check.misses_json);
    // What it is of is checked by the schema.
    let conn = Connection::open(dir.path().join(DATABASE_FILE))?;
    assert!(
        conn.execute(
            "INSERT INTO agreement_checks (subject_kind, subject_id, experiment_id, agreements_json) VALUES ('run', 1, 1, '{}')",
            []
        )
        .is_err()
    );
    Ok(())
}
