//! The experiment runner through the API: events for every start, fold and
//! end; cancellation that leaves no run queued or running, inside a trial
//! within about a second, keeping finished folds; resuming only what did not
//! finish, to the same numbers; two workers sharing one queue.

use crate::common::{Heard, TestResult, demo};
use datalab_api::{
    ArchiveRunsRequest, Event, JobContext, JobStatus, RunEvent, RunStatus, archive_runs,
    create_experiment, parse_spec, query_runs, run_experiment, run_queued, show_run,
};
use datalab_project::RunQuery;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn spec_text() -> String {
    std::fs::read_to_string(crate::common::repo("assets/specs/iris.toml")).unwrap_or_default()
}

fn run_events(events: &[Event]) -> Vec<RunEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Run { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// A sweep whose trials are long enough to cancel inside one: forests of
/// many trees over the wine data, five folds each.
const SLOW: &str = "name = \"forests\"\nparallelism = 1\n[dataset]\nname = \"winequality-red\"\n[task]\n\
    kind = \"classification\"\ntarget = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 5\n\
    [[models]]\nmodel = \"random_forest\"\nparams = { trees = 150, max_depth = [12, 13] }\n";

#[test]
fn every_start_fold_and_end_is_reported() -> TestResult {
    let (_dir, project) = demo()?;
    let spec = parse_spec(&spec_text())?;
    let heard = Heard::default();
    let cancel = AtomicBool::new(false);
    let outcome = run_experiment(&project, &spec, Some(2), &JobContext::new(&heard, &cancel))?;
    let events = heard.taken();
    let runs = run_events(&events);
    let count = |f: fn(&RunEvent) -> bool| runs.iter().filter(|e| f(e)).count();
    assert_eq!(count(|e| matches!(e, RunEvent::Started { .. })), 10);
    assert_eq!(count(|e| matches!(e, RunEvent::Fold { .. })), 10 * 5);
    assert_eq!(count(|e| matches!(e, RunEvent::Finished { .. })), 10);
    assert!(
        outcome
            .runs
            .iter()
            .all(|r| r.status == RunStatus::Succeeded)
    );
    assert!(
        outcome
            .runs
            .iter()
            .all(|r| r.cpu_ms.is_some() && r.wall_ms.is_some())
    );
    // The sweep was one job, which every window heard start and end.
    let jobs: Vec<&datalab_api::JobInfo> = events
        .iter()
        .filter_map(|e| match e {
            Event::Job { job } => Some(job),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.first().map(|j| j.status), Some(JobStatus::Running));
    assert_eq!(jobs.last().map(|j| j.status), Some(JobStatus::Succeeded));
    assert!(jobs.iter().all(|j| j.id == jobs[0].id));
    Ok(())
}

#[test]
fn cancelling_stops_the_sweep_cleanly() -> TestResult {
    let (_dir, project) = demo()?;
    // Trials long enough (a 100-tree forest, 5 folds) that a cancel lands mid-sweep.
    let spec = parse_spec(
        "name = \"forests\"\n[dataset]\nname = \"winequality-red\"\n[task]\nkind = \"classification\"\n\
         target = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 5\n[[models]]\nmodel = \"random_forest\"\n\
         params = { trees = 100, max_depth = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13] }\n",
    )?;
    let cancel = AtomicBool::new(false);
    struct CancelAfterFirst<'a>(&'a AtomicBool);
    impl datalab_api::EventSink for CancelAfterFirst<'_> {
        fn emit(&self, event: Event) {
            if matches!(
                event,
                Event::Run {
                    event: RunEvent::Finished { .. },
                    ..
                }
            ) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
    }
    let sink = CancelAfterFirst(&cancel);
    let outcome = run_experiment(&project, &spec, Some(1), &JobContext::new(&sink, &cancel))?;
    let statuses: Vec<RunStatus> = outcome.runs.iter().map(|r| r.status).collect();
    // The next trial may have started before the cancel arrived: it stops
    // inside its fold. Nothing is left queued or running.
    assert_eq!(statuses[0], RunStatus::Succeeded);
    assert!(
        statuses[1..].iter().all(|s| *s == RunStatus::Cancelled),
        "{statuses:?}"
    );
    Ok(())
}

#[test]
fn a_cancel_inside_a_trial_is_honoured_in_a_second_and_keeps_its_folds() -> TestResult {
    let (_dir, project) = demo()?;
    let spec = parse_spec(SLOW)?;
    let experiment = create_experiment(&project, &spec)?.experiment.id;
    let cancel = AtomicBool::new(false);
    let asked: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);
    // Cancel once the first run has finished two folds and is inside its third.
    struct AfterTwoFolds<'a> {
        cancel: &'a AtomicBool,
        asked: &'a std::sync::Mutex<Option<Instant>>,
    }
    impl datalab_api::EventSink for AfterTwoFolds<'_> {
        fn emit(&self, event: Event) {
            if let Event::Run {
                event: RunEvent::Fold { done: 2, .. },
                ..
            } = event
                && let Ok(mut asked) = self.asked.lock()
                && asked.is_none()
            {
                *asked = Some(Instant::now());
                self.cancel.store(true, Ordering::SeqCst);
            }
        }
    }
    let sink = AfterTwoFolds {
        cancel: &cancel,
        asked: &asked,
    };
    let stopped = run_queued(
        &project,
        experiment,
        Some(1),
        &JobContext::new(&sink, &cancel),
    )?;
    let took = asked
        .lock()
        .ok()
        .and_then(|a| *a)
        .map(|at| at.elapsed())
        .ok_or("no fold finished")?;
    assert!(
        took < Duration::from_secs(2),
        "the cancel took {took:?} to be honoured"
    );
    let first = &stopped.runs[0];
    assert_eq!(first.status, RunStatus::Cancelled);
    // Its finished folds are kept: metrics of two folds, and their files.
    let detail = show_run(&project, first.id)?;
    assert_eq!(detail.folds.len(), 2, "{:?}", detail.folds);
    assert!(detail.folds.iter().all(|f| f.contains_key("accuracy")));
    let kept = project.runs_dir().join(first.id.to_string()).join(".folds");
    assert_eq!(std::fs::read_dir(&kept)?.count(), 2);
    assert!(
        stopped.runs[1..]
            .iter()
            .all(|r| r.status == RunStatus::Cancelled)
    );

    // Resumed, it runs only the three folds left of the first run, then the rest.
    let heard = Heard::default();
    let never = AtomicBool::new(false);
    let resumed = run_queued(
        &project,
        experiment,
        Some(2),
        &JobContext::new(&heard, &never),
    )?;
    assert!(
        resumed
            .runs
            .iter()
            .all(|r| r.status == RunStatus::Succeeded),
        "{:?}",
        resumed.runs
    );
    let folds_of_first = run_events(&heard.taken())
        .iter()
        .filter(|e| matches!(e, RunEvent::Fold { run, .. } if *run == first.id))
        .count();
    assert_eq!(folds_of_first, 3);
    assert!(!kept.exists(), "the kept folds go once the run succeeded");

    // The same numbers as a sweep run in one go.
    let again = run_experiment(
        &project,
        &spec,
        Some(1),
        &JobContext::new(&datalab_api::NoEvents, &never),
    )?;
    let accuracy = |runs: &[datalab_api::RunInfo]| -> Vec<u64> {
        runs.iter()
            .map(|r| r.metrics.get("accuracy").map_or(0, |m| m.mean.to_bits()))
            .collect()
    };
    assert_eq!(accuracy(&resumed.runs), accuracy(&again.runs));
    Ok(())
}

#[test]
fn two_workers_on_one_experiment_share_its_queue() -> TestResult {
    let (dir, project) = demo()?;
    let spec = parse_spec(&spec_text())?;
    let experiment = create_experiment(&project, &spec)?.experiment.id;
    let root = dir.path().join("lab");
    let run_in_another = |root: &Path| -> Result<Vec<datalab_api::RunId>, String> {
        let project = datalab_api::open_project(root).map_err(|e| e.message)?;
        let never = AtomicBool::new(false);
        let heard = Heard::default();
        run_queued(
            &project,
            experiment,
            Some(1),
            &JobContext::new(&heard, &never),
        )
        .map_err(|e| e.message)?;
        Ok(run_events(&heard.taken())
            .into_iter()
            .filter_map(|e| match e {
                RunEvent::Finished { run } => Some(run.id),
                _ => None,
            })
            .collect())
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| run_in_another(&root));
        let b = scope.spawn(|| run_in_another(&root));
        (a.join(), b.join())
    });
    let (a, b) = (
        a.map_err(|_| "a worker panicked")??,
        b.map_err(|_| "a worker panicked")??,
    );
    // Every run ran once, by one of them, and none was cancelled.
    let mut all: Vec<_> = a.iter().chain(&b).copied().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 10);
    assert_eq!(a.len() + b.len(), 10, "a run ran twice: {a:?} {b:?}");
    let runs = datalab_api::list_runs(&project, Some(experiment))?;
    assert!(
        runs.iter().all(|r| r.status == RunStatus::Succeeded),
        "{runs:?}"
    );
    Ok(())
}

#[test]
fn archived_runs_leave_the_table_and_come_back_on_undo_and_unfinished_ones_are_refused()
-> TestResult {
    let (_dir, project) = demo()?;
    let created = create_experiment(&project, &parse_spec(&spec_text())?)?;
    let queued = created.runs.first().ok_or("no run")?.id;
    // A queued run cannot be archived: it would run unseen.
    let refused = archive_runs(
        &project,
        &ArchiveRunsRequest {
            runs: vec![queued],
            archived: true,
        },
    )
    .err()
    .ok_or("a queued run was archived")?;
    assert_eq!(refused.field.as_deref(), Some("runs"));
    assert!(refused.message.contains("cancel it"), "{}", refused.message);

    let cancel = AtomicBool::new(false);
    run_queued(
        &project,
        created.experiment.id,
        Some(1),
        &JobContext::new(&datalab_api::NoEvents, &cancel),
    )?;
    let everything = RunQuery {
        experiment: Some(created.experiment.id),
        text: None,
        sort: datalab_project::RunSort::Id,
        descending: false,
        offset: 0,
        limit: 100,
    };
    let before = query_runs(&project, &everything)?.total;
    let archived = archive_runs(
        &project,
        &ArchiveRunsRequest {
            runs: vec![queued],
            archived: true,
        },
    )?;
    assert_eq!(archived, 1);
    assert_eq!(query_runs(&project, &everything)?.total, before - 1);
    // Its record and files stay: show_run still reads it.
    assert_eq!(show_run(&project, queued)?.run.id, queued);
    // Archiving it again changes nothing; undo brings it back.
    let again = ArchiveRunsRequest {
        runs: vec![queued],
        archived: true,
    };
    assert_eq!(archive_runs(&project, &again)?, 0);
    let undo = ArchiveRunsRequest {
        runs: vec![queued],
        archived: false,
    };
    assert_eq!(archive_runs(&project, &undo)?, 1);
    assert_eq!(query_runs(&project, &everything)?.total, before);
    Ok(())
}
