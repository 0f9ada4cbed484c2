//! Benchmark: metric points written per second into a project database, as
//! the runner writes them (one transaction per finished run).
//!
//!   cargo run --release -p datalab-project --example metric_writes [RUNS] [POINTS_PER_RUN]

use datalab_project::{MetricValue, Project, RunStatus};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let points: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    let project = Project::create(dir.path())?;
    let trials = vec![("decision_tree".to_string(), "{}".to_string()); runs];
    let (_, records) = project.create_experiment("bench", None, "x", "name = 'bench'", &trials)?;
    let job = datalab_project::JobId::parse("bench").map_err(std::io::Error::other)?;
    project.insert_job(&datalab_project::NewJob {
        id: &job,
        kind: datalab_project::JobKind::Experiment,
        label: "bench",
        owner_json: "{}",
        heartbeat_ms: 0,
        experiment_id: None,
    })?;
    // Points like a long run's: 10 metrics per step (fold) over many steps.
    let metrics: Vec<MetricValue> = (0..points)
        .map(|i| MetricValue {
            fold: (i / 10) as u32,
            name: format!("metric_{}", i % 10),
            value: i as f64 * 0.001,
        })
        .collect();
    let started = Instant::now();
    for run in &records {
        project.start_run(run.id, &job)?;
        project.finish_run(
            run.id,
            RunStatus::Succeeded,
            None,
            1.0,
            1.0,
            Some("{}"),
            &metrics,
        )?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let total = (runs * points) as f64;
    println!(
        "{runs} runs x {points} points = {total:.0} points in {seconds:.2} s: {:.0} points/s ({:.2} ms per run)",
        total / seconds,
        seconds * 1e3 / runs as f64
    );
    Ok(())
}
