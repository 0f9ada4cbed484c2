//! Makes a project with many finished runs, for the runs-table benchmark
//! (`bench/ui.sh`): one experiment sweeping two parameters, every run
//! succeeded with metrics drawn from a fixed-seed generator.
//!
//!   cargo run --release -p datalab-project --example many_runs -- DIR [RUNS]

use datalab_project::{Project, RunStatus};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: many_runs DIR [RUNS]")?;
    let count: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let project = Project::create(std::path::Path::new(&dir))?;
    let trials: Vec<(String, String)> = (0..count)
        .map(|i| {
            let model = if i % 3 == 0 {
                "logistic_regression"
            } else {
                "decision_tree"
            };
            let params = format!(
                r#"{{"max_depth":{},"min_samples_split":{}}}"#,
                1 + i % 20,
                2 + (i / 20) % 50
            );
            (model.to_string(), params)
        })
        .collect();
    let spec = "name = \"many runs\"\n";
    let started = std::time::Instant::now();
    let (_, runs) = project.create_experiment("many runs", None, "0", spec, &trials)?;
    let job = datalab_project::JobId::parse("bench").map_err(std::io::Error::other)?;
    project.insert_job(&datalab_project::NewJob {
        id: &job,
        kind: datalab_project::JobKind::Experiment,
        label: "bench",
        owner_json: "{}",
        heartbeat_ms: 0,
        experiment_id: None,
    })?;
    // A fixed-seed xorshift: the same metrics every time.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for run in &runs {
        project.start_run(run.id, &job)?;
        let accuracy = 0.6 + 0.39 * next();
        let summary = format!(
            r#"{{"accuracy":{{"mean":{accuracy},"std":{}}},"f1_macro":{{"mean":{},"std":0.01}}}}"#,
            0.05 * next(),
            accuracy - 0.02
        );
        project.finish_run(
            run.id,
            RunStatus::Succeeded,
            None,
            10.0 + 100.0 * next(),
            10.0,
            Some(&summary),
            &[],
        )?;
    }
    println!(
        "{} runs in {} ({:.1} s)",
        runs.len(),
        project.root().display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
