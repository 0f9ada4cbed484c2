//! The experiment runner through the API: events for every start, fold and
//! end, and cancellation that leaves no run queued or running.

use datalab_api::{NoProgress, RunEvent, RunStatus, create_demo, parse_spec, run_experiment};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

fn spec_text() -> String {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../assets/specs/iris.toml");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn every_start_fold_and_end_is_reported() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (project, _) = create_demo(&dir.path().join("lab"), &NoProgress)?;
    let spec = parse_spec(&spec_text())?;
    let events = Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    let outcome = run_experiment(
        &project,
        &spec,
        Some(2),
        &|e| {
            if let Ok(mut events) = events.lock() {
                events.push(e.clone());
            }
        },
        &cancel,
    )?;
    let events = events.into_inner().unwrap_or_default();
    let count = |f: fn(&RunEvent) -> bool| events.iter().filter(|e| f(e)).count();
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
    Ok(())
}

#[test]
fn cancelling_stops_the_sweep_cleanly() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (project, _) = create_demo(&dir.path().join("lab"), &NoProgress)?;
    // Trials long enough (a 100-tree forest, 5 folds) that a cancel lands mid-sweep.
    let spec = parse_spec(
        "name = \"forests\"\n[dataset]\nname = \"winequality-red\"\n[task]\nkind = \"classification\"\n\
         target = \"quality\"\n[validation]\nkind = \"k_fold\"\nfolds = 5\n[[models]]\nmodel = \"random_forest\"\n\
         params = { trees = 100, max_depth = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13] }\n",
    )?;
    let cancel = AtomicBool::new(false);
    let outcome = run_experiment(
        &project,
        &spec,
        Some(1),
        &|e| {
            if matches!(e, RunEvent::Finished { .. }) {
                cancel.store(true, Ordering::SeqCst);
            }
        },
        &cancel,
    )?;
    let statuses: Vec<RunStatus> = outcome.runs.iter().map(|r| r.status).collect();
    // The next trial may have started before the cancel arrived: it stops at
    // its next fold. Nothing is left queued or running.
    assert_eq!(statuses[0], RunStatus::Succeeded);
    assert!(
        statuses[1..].iter().all(|s| *s == RunStatus::Cancelled),
        "{statuses:?}"
    );
    Ok(())
}
