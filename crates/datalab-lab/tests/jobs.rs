//! The job engine's one mechanism, on a real project database: a job is
//! recorded as it starts, beats while it runs, hears a cancel written by
//! another connection (another window or process) within a fraction of a
//! second, and records how it ended; a job another process recovered as
//! interrupted stops its work.

use datalab_lab::jobs::{JobError, JobSpec, run_job};
use datalab_lab::{Event, NoEvents};
use datalab_project::{JobId, JobKind, JobStatus, Project, ProjectError};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Debug)]
enum Failure {
    Cancelled,
    Broken(String),
    Project(ProjectError),
}

impl From<ProjectError> for Failure {
    fn from(e: ProjectError) -> Self {
        Failure::Project(e)
    }
}

impl JobError for Failure {
    fn is_cancelled(&self) -> bool {
        matches!(self, Failure::Cancelled)
    }
    fn job_message(&self) -> String {
        match self {
            Failure::Cancelled => "cancelled".into(),
            Failure::Broken(why) => why.clone(),
            Failure::Project(e) => e.to_string(),
        }
    }
}

/// Work that reports progress until it is told to stop (or 20 s pass).
fn until_cancelled(job: &datalab_lab::Job<'_>) -> Result<(), Failure> {
    let started = Instant::now();
    let mut step = 0;
    while started.elapsed() < Duration::from_secs(20) {
        if job.cancelled() {
            return Err(Failure::Cancelled);
        }
        step += 1;
        job.report(format!("step {step}"), step, 1_000);
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

#[test]
fn a_cancel_from_another_connection_stops_the_job_within_half_a_second() -> TestResult {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let id = JobId::parse("window-job")?;
    let events = Mutex::new(Vec::new());
    let sink = |event: Event| {
        if let Ok(mut events) = events.lock() {
            events.push(event);
        }
    };
    let asked_at: Mutex<Option<Instant>> = Mutex::new(None);
    let never = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| -> Result<(), ProjectError> {
            let other = Project::open(dir.path())?;
            while other.job(&id).is_err() {
                std::thread::sleep(Duration::from_millis(5));
            }
            // The job beats, with its progress.
            let waiting = Instant::now();
            loop {
                let seen = other.job(&id)?;
                if seen.done > 0 && seen.stage.is_some() {
                    break;
                }
                assert!(
                    waiting.elapsed() < Duration::from_secs(5),
                    "no beat: {seen:?}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            if let Ok(mut at) = asked_at.lock() {
                *at = Some(Instant::now());
            }
            other.request_job_cancel(&id)?;
            Ok(())
        });
        let spec = JobSpec::new(JobKind::Import, "import big.csv").with_id(Some(id.clone()));
        run_job(&project, spec, &sink, &never, until_cancelled)
    });
    let ended = Instant::now();
    assert!(matches!(result, Err(Failure::Cancelled)), "{result:?}");
    let asked = asked_at.lock().ok().and_then(|a| *a).ok_or("never asked")?;
    let took = ended.duration_since(asked);
    assert!(
        took < Duration::from_millis(500),
        "the cancel took {took:?}"
    );
    let record = project.job(&id)?;
    assert_eq!(record.status, JobStatus::Cancelled);
    assert!(record.finished_at.is_some());
    // Every window heard it start, move on and end.
    let events = events.into_inner().unwrap_or_default();
    let statuses: Vec<JobStatus> = events
        .iter()
        .filter_map(|e| match e {
            Event::Job { job } => Some(job.status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses.first(), Some(&JobStatus::Running));
    assert_eq!(statuses.last(), Some(&JobStatus::Cancelled));
    assert!(statuses.len() >= 3, "no progress was sent: {statuses:?}");
    Ok(())
}

#[test]
fn the_callers_own_flag_stops_it_and_the_end_is_recorded() -> TestResult {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    // Ctrl-C: the caller's flag.
    let ctrl_c = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            ctrl_c.store(true, Ordering::SeqCst);
        });
        run_job(
            &project,
            JobSpec::new(JobKind::Experiment, "experiment 1"),
            &NoEvents,
            &ctrl_c,
            until_cancelled,
        )
    });
    assert!(matches!(result, Err(Failure::Cancelled)));
    // Success and failure, with the work's message.
    let never = AtomicBool::new(false);
    let ok = run_job(
        &project,
        JobSpec::new(JobKind::Publish, "publish m:1"),
        &NoEvents,
        &never,
        |_| Ok::<_, Failure>(7),
    );
    assert!(matches!(ok, Ok(7)));
    let broken = run_job(
        &project,
        JobSpec::new(JobKind::Fetch, "fetch m:1"),
        &NoEvents,
        &never,
        |_| Err::<(), _>(Failure::Broken("the bucket is gone".into())),
    );
    assert!(broken.is_err());
    let jobs = project.recent_jobs(10)?;
    let by_label = |label: &str| {
        jobs.iter()
            .find(|j| j.label == label)
            .map(|j| (j.status, j.message.clone()))
    };
    assert_eq!(
        by_label("experiment 1").map(|j| j.0),
        Some(JobStatus::Cancelled)
    );
    assert_eq!(by_label("publish m:1"), Some((JobStatus::Succeeded, None)));
    assert_eq!(
        by_label("fetch m:1"),
        Some((JobStatus::Failed, Some("the bucket is gone".into())))
    );
    // An id is one job's: a second job with it is refused before it runs.
    let id = JobId::parse("once")?;
    let ran = AtomicBool::new(false);
    let spec = JobSpec::new(JobKind::Import, "a").with_id(Some(id.clone()));
    run_job(&project, spec.clone(), &NoEvents, &never, |_| {
        Ok::<_, Failure>(())
    })
    .map_err(|e| e.job_message())?;
    let again = run_job(&project, spec, &NoEvents, &never, |_| {
        ran.store(true, Ordering::SeqCst);
        Ok::<_, Failure>(())
    });
    assert!(matches!(
        again,
        Err(Failure::Project(ProjectError::NameTaken { .. }))
    ));
    assert!(!ran.load(Ordering::SeqCst));
    Ok(())
}

#[test]
fn a_job_recovered_as_interrupted_elsewhere_stops_its_work() -> TestResult {
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let id = JobId::parse("suspended")?;
    let never = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        // Another process judged this one dead (it was suspended too long, say).
        scope.spawn(|| -> Result<(), ProjectError> {
            let other = Project::open(dir.path())?;
            while other.job(&id).is_err() {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(100));
            other.interrupt_job(&id, "interrupted: not heard from")?;
            Ok(())
        });
        run_job(
            &project,
            JobSpec::new(JobKind::Experiment, "sweep").with_id(Some(id.clone())),
            &NoEvents,
            &never,
            until_cancelled,
        )
    });
    assert!(matches!(result, Err(Failure::Cancelled)), "{result:?}");
    // Its record keeps what the recovery said: it is not rewritten as cancelled.
    assert_eq!(project.job(&id)?.status, JobStatus::Interrupted);
    Ok(())
}
