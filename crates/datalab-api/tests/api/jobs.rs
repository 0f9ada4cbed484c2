//! Jobs through the API: one recovery path for every kind of job a dead
//! owner leaves (tested kind by kind), owners elsewhere judged by their
//! heartbeat, and an import cancelled from "another window" by the id its
//! caller chose, leaving nothing behind.

use crate::common::{TestResult, demo};
use datalab_api::jobs::{ListJobsRequest, cancel_job, list_jobs};
use datalab_api::{
    ErrorCode, EvaluationStatus, ImportRequest, JobContext, JobId, JobKind, JobStatus, RunStatus,
    create_experiment, import_dataset, open_project, parse_spec,
};
use datalab_lab::owner::Owner;
use datalab_project::{NewJob, Project};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// An owner that was this host and PID namespace, and has ended.
fn dead_owner() -> Owner {
    Owner {
        id: "gone".into(),
        pid: u32::MAX - 1,
        ..Owner::current().clone()
    }
}

/// An owner in a container: another host name, another PID namespace.
fn container_owner() -> Owner {
    Owner {
        id: "container".into(),
        host: "worker-7f9c".into(),
        pid_namespace: Some("pid:[4026532999]".into()),
        pid: 1,
        started: Some(42),
    }
}

fn job(
    project: &Project,
    id: &str,
    kind: JobKind,
    owner: &Owner,
    heartbeat_ms: i64,
    experiment: Option<datalab_api::ExperimentId>,
) -> Result<JobId, Box<dyn std::error::Error>> {
    let id = JobId::parse(id)?;
    project.insert_job(&NewJob {
        id: &id,
        kind,
        label: id.as_str(),
        owner_json: &owner.to_json(),
        heartbeat_ms,
        experiment_id: experiment,
    })?;
    Ok(id)
}

fn now_ms() -> i64 {
    datalab_lab::owner::now_ms()
}

#[test]
fn every_kind_of_job_a_dead_owner_left_is_recovered() -> TestResult {
    let (dir, project) = demo()?;
    let root = dir.path().join("lab");
    let spec = parse_spec(&std::fs::read_to_string(crate::common::repo(
        "assets/specs/iris.toml",
    ))?)?;
    let experiment = create_experiment(&project, &spec)?.experiment.id;
    let runs = project.runs_of(experiment)?;
    let dead = dead_owner();

    // A sweep: the run it was running, and the queue nobody else works on.
    let sweep = job(
        &project,
        "sweep",
        JobKind::Experiment,
        &dead,
        now_ms(),
        Some(experiment),
    )?;
    assert!(project.start_run(runs[0].id, &sweep)?);
    // An evaluation.
    let vendor = project.insert_vendor("v", "mlflow", "{}")?;
    let evaluation = job(
        &project,
        "eval",
        JobKind::Evaluation,
        &dead,
        now_ms(),
        Some(experiment),
    )?;
    let evaluation_record = project.start_evaluation(experiment, &vendor, None, &evaluation)?;
    // An import killed mid-write, and one killed after placing its snapshot.
    job(&project, "import", JobKind::Import, &dead, now_ms(), None)?;
    let incoming = project.datasets_dir().join(".incoming-killed.parquet");
    std::fs::write(&incoming, b"half a snapshot")?;
    let orphan = project
        .datasets_dir()
        .join(format!("{}.parquet", "ab".repeat(32)));
    std::fs::write(&orphan, b"a snapshot nobody recorded")?;
    let kept: Vec<_> = std::fs::read_dir(project.datasets_dir())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != &incoming && p != &orphan)
        .collect();
    // A fetch killed while staging, a publish and a profile.
    job(&project, "fetch", JobKind::Fetch, &dead, now_ms(), None)?;
    let staging = project.models_dir().join("m").join(".1.partial");
    std::fs::create_dir_all(&staging)?;
    job(&project, "publish", JobKind::Publish, &dead, now_ms(), None)?;
    job(&project, "profile", JobKind::Profile, &dead, now_ms(), None)?;
    // A worker in a container that beat a moment ago, and one silent too long.
    job(
        &project,
        "alive-elsewhere",
        JobKind::Publish,
        &container_owner(),
        now_ms(),
        None,
    )?;
    job(
        &project,
        "silent",
        JobKind::Publish,
        &container_owner(),
        now_ms() - 3_600_000,
        None,
    )?;
    drop(project);

    // Opening the project (as any command does) recovers them.
    let project = open_project(&root)?;
    let status = |id: &str| -> Result<JobStatus, Box<dyn std::error::Error>> {
        Ok(project.job(&JobId::parse(id)?)?.status)
    };
    for id in [
        "sweep", "eval", "import", "fetch", "publish", "profile", "silent",
    ] {
        assert_eq!(status(id)?, JobStatus::Interrupted, "{id}");
    }
    assert_eq!(status("alive-elsewhere")?, JobStatus::Running);
    let message = project.job(&sweep)?.message.unwrap_or_default();
    assert!(message.contains("ended"), "{message}");
    let silent = project
        .job(&JobId::parse("silent")?)?
        .message
        .unwrap_or_default();
    assert!(silent.contains("not been heard from"), "{silent}");
    // What each left is recovered as its kind needs.
    let statuses: Vec<RunStatus> = project
        .runs_of(experiment)?
        .iter()
        .map(|r| r.status)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == RunStatus::Interrupted),
        "{statuses:?}"
    );
    assert_eq!(
        project.evaluation(evaluation_record.id)?.status,
        EvaluationStatus::Interrupted
    );
    assert!(!incoming.exists() && !orphan.exists());
    assert!(
        kept.iter().all(|p| p.exists()),
        "a recorded snapshot was removed"
    );
    assert!(!staging.exists());
    // Recovering again finds nothing more to do, and the list shows it all.
    assert_eq!(datalab_lab::recovery::recover(&project)?.jobs, 0);
    let listed = list_jobs(&project, &ListJobsRequest::default())?;
    assert_eq!(listed.first().map(|j| j.status), Some(JobStatus::Running));
    assert_eq!(
        listed.len(),
        8 + 5,
        "the eight above and the demo's five imports"
    );
    Ok(())
}

#[test]
fn a_cancel_never_waits_on_a_job_whose_owner_is_gone() -> TestResult {
    let (_dir, project) = demo()?;
    // A worker in a container that beat a moment ago: the cancel waits for it to hear.
    let beating = job(
        &project,
        "beating",
        JobKind::Publish,
        &container_owner(),
        now_ms(),
        None,
    )?;
    let info = cancel_job(&project, &beating)?;
    assert_eq!(
        (info.status, info.cancel_requested),
        (JobStatus::Running, true)
    );
    assert!(!info.mine);
    // One that died while it was PID 1 in its container: it beats no more, and
    // nobody will ever hear the cancel. It is recovered instead of left running.
    let stuck = job(
        &project,
        "stuck",
        JobKind::Experiment,
        &container_owner(),
        now_ms() - 3_600_000,
        None,
    )?;
    let info = cancel_job(&project, &stuck)?;
    assert_eq!(info.status, JobStatus::Interrupted);
    Ok(())
}

#[test]
fn an_import_is_cancelled_by_its_job_id_and_leaves_nothing() -> TestResult {
    let (dir, project) = demo()?;
    let root = dir.path().join("lab");
    let big = dir.path().join("big.csv");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&big)?);
        writeln!(file, "a,b,c,d,label")?;
        for i in 0..1_500_000u64 {
            writeln!(
                file,
                "{i},{},{}.5,text {},{}",
                i * 7 % 1000,
                i % 97,
                i % 13,
                i % 3
            )?;
        }
    }
    let before: Vec<_> = std::fs::read_dir(project.datasets_dir())?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let id = JobId::parse("import-from-window-1")?;
    let cancel = AtomicBool::new(false);
    let jobs = JobContext::new(&datalab_api::NoEvents, &cancel).with_id(Some(id.clone()));
    let (result, took) = std::thread::scope(|scope| {
        // Another window: waits for the job to appear, then cancels it by its id.
        let canceller = scope.spawn(|| -> Result<Instant, String> {
            let project = Project::open(&root).map_err(|e| e.to_string())?;
            let started = Instant::now();
            loop {
                if project.job(&id).is_ok() {
                    std::thread::sleep(Duration::from_millis(200));
                    cancel_job(&project, &id).map_err(|e| e.message)?;
                    return Ok(Instant::now());
                }
                if started.elapsed() > Duration::from_secs(30) {
                    return Err("the job never appeared".into());
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let result = import_dataset(
            &project,
            &ImportRequest {
                path: big.clone(),
                name: None,
                options: Default::default(),
            },
            &jobs,
        );
        let ended = Instant::now();
        let asked = canceller.join();
        (
            result,
            asked.map(|a| a.map(|at| ended.saturating_duration_since(at))),
        )
    });
    let took = took.map_err(|_| "the canceller panicked")??;
    match result {
        Err(error) => assert_eq!(error.code, ErrorCode::Cancelled, "{}", error.message),
        Ok(outcome) => panic!("imported {} rows despite the cancel", outcome.dataset.rows),
    }
    eprintln!("import cancel took {took:?}");
    assert!(took < Duration::from_secs(2), "the cancel took {took:?}");
    assert_eq!(project.job(&id)?.status, JobStatus::Cancelled);
    // Nothing is left: no dataset, no snapshot, no temporary file.
    assert!(project.find_dataset("big").is_err());
    let after: Vec<_> = std::fs::read_dir(project.datasets_dir())?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(before, after);
    Ok(())
}
