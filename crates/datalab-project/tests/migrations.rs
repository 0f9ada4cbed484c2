//! The schema's life: a database made by the first release opens in this one
//! with its data intact; a newer one is refused; a lock is waited for, then
//! reported.

use datalab_project::{DATABASE_FILE, DatasetId, NewDataset, Project, ProjectError, migrations};
use rusqlite::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

/// A project database as the first schema version wrote it, with one dataset.
const V1_FIXTURE: &str = include_str!("../../../tests/fixtures/project-v1.sql");

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

#[test]
fn runs_of_a_dead_process_become_interrupted() -> Result<(), Box<dyn std::error::Error>> {
    use datalab_project::RunStatus;
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let trials = vec![("decision_tree".to_string(), "{}".to_string()); 3];
    let (experiment, runs) = project.create_experiment("e", None, "abc", "name = 'e'", &trials)?;
    // Created and never run: the runs wait in the queue, whoever is alive.
    assert_eq!(project.mark_interrupted_runs(|_| false)?, 0);
    project.start_run(runs[0].id, 4_000_000)?; // a process that has gone
    project.start_run(runs[1].id, 77)?; // one that is alive
    project.finish_run(
        runs[1].id,
        RunStatus::Succeeded,
        None,
        1.0,
        1.0,
        Some("{}"),
        &[],
    )?;
    let marked = project.mark_interrupted_runs(|pid| pid == 77)?;
    // The run of the dead process; the queued one may still be picked up by the live one.
    assert_eq!(marked, 1);
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
    // Once no process of the experiment is alive, its queued runs never will run.
    assert_eq!(project.mark_interrupted_runs(|_| false)?, 1);
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
    assert_eq!(project.requeue_interrupted_runs(experiment.id)?, 2);
    let requeued = project.runs_of(experiment.id)?;
    assert_eq!(requeued[0].status, RunStatus::Queued);
    assert_eq!(requeued[0].started_at, None);
    assert_eq!(requeued[1].status, RunStatus::Succeeded);
    assert!(project.start_run(runs[0].id, 5)?);
    Ok(())
}
