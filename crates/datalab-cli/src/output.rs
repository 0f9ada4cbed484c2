//! Printing API responses: readable tables by default, JSON with `--json`.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use datalab_api::params_text;
use datalab_api::{
    ApiError, ColumnProfile, DatasetInfo, DatasetProfile, DemoOutcome, ErrorCode, ExperimentDetail,
    ExperimentInfo, ExperimentOutcome, ImportOutcome, JobInfo, Project, ProjectSummary,
    QueryOutput, RunComparison, RunDetail, RunEvent, RunInfo, Verdict as RunVerdict,
};
use datalab_api::{
    ModelVersionDetail, ModelVersionInfo, PublishOutcome, RemoteVersion, StorageTargetInfo,
};
use serde::Serialize;
use std::collections::BTreeMap;

pub struct Output {
    pub json: bool,
}

pub(crate) fn print_json<T: Serialize>(value: &T) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    println!("{text}");
    Ok(())
}

pub(crate) fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(Cell::new));
    table
}

pub(crate) fn right(text: impl ToString) -> Cell {
    Cell::new(text.to_string()).set_alignment(CellAlignment::Right)
}

/// Bytes as a person reads them.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A number short enough for a table cell.
fn num(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v == v.trunc() && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) if v.abs() >= 1e6 || v.abs() < 1e-3 => format!("{v:.3e}"),
        Some(v) => format!("{v:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
    }
}

fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::String(s) => {
            if s.chars().count() > 60 {
                let cut: String = s.chars().take(57).collect();
                format!("{cut}...")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn sparkline(counts: &[u64]) -> String {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BARS[((c as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

impl Output {
    pub fn project_created(&self, summary: &ProjectSummary) -> Result<(), ApiError> {
        if self.json {
            return print_json(summary);
        }
        println!("Created a Data Lab project in {}", summary.root.display());
        println!(
            "Next: datalab --project {} dataset import FILE",
            summary.root.display()
        );
        Ok(())
    }

    pub fn demo(&self, _project: &Project, outcome: &DemoOutcome) -> Result<(), ApiError> {
        if self.json {
            return print_json(outcome);
        }
        let verb = if outcome.created {
            "Created"
        } else {
            "Refreshed"
        };
        println!(
            "{verb} the demo project in {} ({} datasets)",
            outcome.project.root.display(),
            outcome.datasets.len()
        );
        self.datasets(&outcome.datasets)
    }

    pub fn imported(&self, outcome: &ImportOutcome) -> Result<(), ApiError> {
        // On stderr in either mode, so a script reading the JSON sees them too.
        for warning in &outcome.warnings {
            eprintln!("warning: {warning}");
        }
        if self.json {
            return print_json(outcome);
        }
        let d = &outcome.dataset;
        if outcome.already_imported {
            println!(
                "Already imported as '{}' (id {}): same file, same options; nothing new was written.",
                d.name, d.id
            );
        } else {
            println!(
                "Imported '{}' (id {}): {} rows x {} columns, snapshot {} ({}).",
                d.name,
                d.id,
                d.rows,
                d.columns.len(),
                &d.snapshot_sha256[..12.min(d.snapshot_sha256.len())],
                human_bytes(d.snapshot_bytes)
            );
        }
        println!("See its profile with: datalab dataset profile {}", d.name);
        Ok(())
    }

    pub fn datasets(&self, datasets: &[DatasetInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&datasets);
        }
        if datasets.is_empty() {
            println!("No datasets yet. Import one with: datalab dataset import FILE");
            return Ok(());
        }
        let mut t = table(&[
            "id", "name", "rows", "columns", "format", "snapshot", "imported",
        ]);
        for d in datasets {
            t.add_row(vec![
                right(d.id),
                Cell::new(&d.name),
                right(d.rows),
                right(d.columns.len()),
                Cell::new(&d.source_format),
                right(human_bytes(d.snapshot_bytes)),
                Cell::new(&d.created_at),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn dataset(&self, d: &DatasetInfo) -> Result<(), ApiError> {
        if self.json {
            return print_json(d);
        }
        println!("{} (id {})", d.name, d.id);
        println!("  rows       {}", d.rows);
        println!(
            "  source     {} ({}, {})",
            d.source_path,
            d.source_format,
            human_bytes(d.source_bytes)
        );
        println!("  sha256     {}", d.source_sha256);
        println!(
            "  snapshot   datasets/{}.parquet ({})",
            d.snapshot_sha256,
            human_bytes(d.snapshot_bytes)
        );
        println!("  imported   {}", d.created_at);
        println!("  options    {}", d.import_options);
        let mut t = table(&["#", "column", "type", "storage"]);
        for (i, c) in d.columns.iter().enumerate() {
            t.add_row(vec![
                right(i + 1),
                Cell::new(&c.name),
                Cell::new(format!("{:?}", c.kind).to_lowercase()),
                Cell::new(&c.data_type),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn page(&self, result: &QueryOutput, offset: u64) -> Result<(), ApiError> {
        if self.json {
            return print_json(result);
        }
        let header: Vec<&str> = result
            .table
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let mut t = table(&header);
        for row in &result.table.rows {
            t.add_row(row.iter().map(|v| match v {
                serde_json::Value::Number(_) => right(cell_text(v)),
                _ => Cell::new(cell_text(v)),
            }));
        }
        println!("{t}");
        let shown = result.table.rows.len() as u64;
        match result.total_rows {
            Some(total) if shown > 0 => {
                println!("rows {}-{} of {total}", offset + 1, offset + shown)
            }
            Some(total) => println!("no rows (of {total})"),
            None => println!("{shown} rows shown; more were cut off by the limit"),
        }
        Ok(())
    }

    pub fn profile(&self, name: &str, p: &DatasetProfile) -> Result<(), ApiError> {
        if self.json {
            return print_json(p);
        }
        println!(
            "Profile of '{name}': {} rows x {} columns, snapshot {}",
            p.rows,
            p.columns.len(),
            human_bytes(p.snapshot_bytes)
        );
        let mut t = table(&[
            "column",
            "type",
            "nulls",
            "distinct",
            "min",
            "q25",
            "median",
            "q75",
            "max",
            "mean",
            "std",
            "histogram / top values",
        ]);
        for c in &p.columns {
            let mut row = vec![
                Cell::new(&c.name),
                Cell::new(format!("{:?}", c.kind).to_lowercase()),
                right(c.nulls),
                right(format!(
                    "{}{}",
                    if c.distinct.exact { "" } else { "~" },
                    c.distinct.count
                )),
            ];
            match &c.numeric {
                Some(n) => {
                    for v in [n.min, n.q25, n.median, n.q75, n.max, n.mean, n.std] {
                        row.push(right(num(v)));
                    }
                }
                None => row.extend((0..7).map(|_| right("-"))),
            }
            row.push(Cell::new(detail(c)));
            t.add_row(row);
        }
        println!("{t}");
        let corr = &p.correlations;
        let mut pairs = Vec::new();
        for i in 0..corr.columns.len() {
            for j in i + 1..corr.columns.len() {
                if let Some(r) = corr.matrix[i][j] {
                    pairs.push((r, i, j));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        if !pairs.is_empty() {
            println!("Strongest correlations (Pearson, {} rows):", corr.rows_used);
            for (r, i, j) in pairs.iter().take(5) {
                println!("  {:>6.3}  {} ~ {}", r, corr.columns[*i], corr.columns[*j]);
            }
        }
        Ok(())
    }

    pub fn removed(&self, d: &DatasetInfo) -> Result<(), ApiError> {
        if self.json {
            return print_json(d);
        }
        println!("Removed dataset '{}' (id {}).", d.name, d.id);
        Ok(())
    }
}

/// One line per run start and end (and fold, on a terminal), on stderr, while an experiment runs.
pub fn run_event(event: &RunEvent) {
    match event {
        RunEvent::Started { run, trial, model } => {
            eprintln!("run {run} (trial {trial}): {model} started")
        }
        RunEvent::Fold { run, done, folds } => {
            // Per-fold lines only where a person watches.
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprintln!("run {run}: fold {done}/{folds} done");
            }
        }
        // Steps inside a fold come a few times a second: a line each would drown the rest.
        RunEvent::Step { .. } => {}
        RunEvent::Finished { run } => {
            let headline = run
                .headline_metric()
                .map(|(name, m)| format!("{name} {:.4} ± {:.4}", m.mean, m.std))
                .unwrap_or_default();
            let error = run
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            eprintln!(
                "run {} (trial {}): {} {} in {:.0} ms {headline}{error}",
                run.id,
                run.trial,
                run.model,
                format!("{:?}", run.status).to_lowercase(),
                run.wall_ms.unwrap_or(0.0)
            );
        }
    }
}

impl Output {
    pub fn experiment_outcome(&self, outcome: &ExperimentOutcome) -> Result<(), ApiError> {
        if self.json {
            return print_json(outcome);
        }
        println!(
            "Experiment {} '{}': {} runs",
            outcome.experiment_id,
            outcome.name,
            outcome.runs.len()
        );
        let mut runs = outcome.runs.clone();
        runs.sort_by(|a, b| {
            let score = |r: &RunInfo| {
                r.headline_metric()
                    .map_or(f64::NEG_INFINITY, |(_, m)| m.mean)
            };
            score(b).total_cmp(&score(a))
        });
        self.runs(&runs)
    }

    /// Each dataset's experiment, what could not run, then the comparison.
    pub fn study_outcome(&self, study: &datalab_api::StudyOutcome) -> Result<(), ApiError> {
        if self.json {
            return print_json(study);
        }
        for dataset in &study.datasets {
            match (&dataset.outcome, &dataset.error) {
                (Some(outcome), _) => self.experiment_outcome(outcome)?,
                (None, Some(error)) => {
                    eprintln!("error: {}: {}", dataset.dataset, error.message);
                }
                (None, None) => {}
            }
        }
        self.dataset_comparison(&study.comparison)
    }

    /// Models × datasets with mean ranks, and the tests over them.
    pub fn dataset_comparison(&self, c: &datalab_api::DatasetComparison) -> Result<(), ApiError> {
        if self.json {
            return print_json(c);
        }
        println!(
            "Study '{}': {} ({}), each model's best finished trial per dataset",
            c.study,
            c.metric,
            if c.higher_is_better {
                "higher is better"
            } else {
                "lower is better"
            }
        );
        let mut header = vec!["dataset".to_string()];
        header.extend(c.models.iter().cloned());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = table(&header);
        let used = c.test.as_ref().map(|test| &test.ranks);
        let mut used_row = 0;
        for (row, dataset) in c.scores.iter().zip(&c.datasets) {
            let complete = row.iter().all(Option::is_some);
            let ranks = if complete {
                used_row += 1;
                used.and_then(|r| r.get(used_row - 1))
            } else {
                None
            };
            let mut cells = vec![Cell::new(&dataset.name)];
            for (index, score) in row.iter().enumerate() {
                let text = match (score, ranks.and_then(|r| r.get(index))) {
                    (Some(s), Some(rank)) => format!("{s:.4} ({rank})"),
                    (Some(s), None) => format!("{s:.4}"),
                    (None, _) => "-".to_string(),
                };
                cells.push(Cell::new(text));
            }
            t.add_row(cells);
        }
        if let Some(test) = &c.test {
            let mut cells = vec![Cell::new("mean rank")];
            cells.extend(test.mean_ranks.iter().map(|r| Cell::new(format!("{r:.3}"))));
            t.add_row(cells);
        }
        println!("{t}");
        if let Some(test) = &c.test {
            println!(
                "Friedman over {} datasets: χ² = {:.3}, p = {:.4}; Iman–Davenport F = {:.3}, p = {:.4}.",
                test.datasets_used,
                test.friedman_chi2,
                test.friedman_p,
                test.iman_davenport_f,
                test.iman_davenport_p
            );
            println!(
                "Nemenyi critical difference at α = {}: {:.3}.",
                test.alpha, test.critical_difference
            );
            if c.differences.is_empty() {
                println!("No two models' mean ranks differ by that much.");
            }
            for d in &c.differences {
                println!(
                    "{} ranks better than {} (by {:.3}).",
                    d.better, d.worse, d.difference
                );
            }
        }
        if let Some(note) = &c.note {
            println!("note: {note}");
        }
        Ok(())
    }

    pub fn jobs(&self, jobs: &[JobInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&jobs);
        }
        let mut t = table(&["job", "what", "status", "progress", "owner", "started"]);
        for job in jobs {
            let progress = match (&job.stage, job.total) {
                (Some(stage), _) => stage.clone(),
                (None, 0) => "-".into(),
                (None, total) => format!("{} of {total}", job.done),
            };
            let status = match (&job.message, job.cancel_requested) {
                (Some(message), _) => format!("{:?}: {message}", job.status).to_lowercase(),
                (None, true) => format!("{:?} (cancel asked)", job.status).to_lowercase(),
                (None, false) => format!("{:?}", job.status).to_lowercase(),
            };
            t.add_row(vec![
                Cell::new(&job.id),
                Cell::new(&job.label),
                Cell::new(status),
                Cell::new(progress),
                Cell::new(&job.owner),
                Cell::new(&job.started_at),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn runs(&self, runs: &[RunInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&runs);
        }
        let mut t = table(&[
            "run", "exp", "model", "params", "status", "metric", "mean", "std", "wall ms", "cpu ms",
        ]);
        for run in runs {
            let (name, value) = match run.headline_metric() {
                Some((name, m)) => (name.to_string(), Some(m)),
                None => (run.error.clone().unwrap_or_default(), None),
            };
            t.add_row(vec![
                right(run.id),
                right(run.experiment_id),
                Cell::new(&run.model),
                Cell::new(params_text(&run.params, " ")),
                Cell::new(format!("{:?}", run.status).to_lowercase()),
                Cell::new(name),
                right(value.map_or("-".into(), |m| format!("{:.4}", m.mean))),
                right(value.map_or("-".into(), |m| format!("{:.4}", m.std))),
                right(run.wall_ms.map_or("-".into(), |v| format!("{v:.0}"))),
                right(run.cpu_ms.map_or("-".into(), |v| format!("{v:.0}"))),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn comparison(&self, c: &RunComparison) -> Result<(), ApiError> {
        if self.json {
            return print_json(c);
        }
        let direction = if c.higher_is_better {
            "higher is better"
        } else {
            "lower is better"
        };
        println!(
            "{} ({direction}); significance: corrected resampled t-test, 5 %",
            c.metric
        );
        let mut header = vec![
            "run".to_string(),
            "model".into(),
            "params".into(),
            "mean".into(),
            "std".into(),
            "W/T/L".into(),
        ];
        header.extend(c.runs.iter().map(|r| format!("p vs {}", r.id)));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut t = table(&header);
        for (i, run) in c.runs.iter().enumerate() {
            let m = run.metrics.get(&c.metric);
            let (w, ti, l) = c.record[i];
            let mut row = vec![
                right(run.id),
                Cell::new(&run.model),
                Cell::new(params_text(&run.params, " ")),
                right(m.map_or("-".into(), |m| format!("{:.4}", m.mean))),
                right(m.map_or("-".into(), |m| format!("{:.4}", m.std))),
                right(format!("{w}/{ti}/{l}")),
            ];
            for other in &c.runs {
                let cell = c
                    .pairs
                    .iter()
                    .find(|p| p.run == run.id && p.other == other.id)
                    .map_or("".to_string(), |p| match (p.p_value, p.verdict) {
                        (Some(v), RunVerdict::Win) => format!("{v:.3} +"),
                        (Some(v), RunVerdict::Loss) => format!("{v:.3} -"),
                        (Some(v), RunVerdict::Tie) => format!("{v:.3}"),
                        (None, _) => "n/a".into(),
                    });
                row.push(right(cell));
            }
            t.add_row(row);
        }
        println!("{t}");
        Ok(())
    }

    pub fn experiment(&self, detail: &ExperimentDetail) -> Result<(), ApiError> {
        if self.json {
            return print_json(detail);
        }
        let e = &detail.experiment;
        println!(
            "Experiment {} '{}', created {}, dataset snapshot {}",
            e.id, e.name, e.created_at, e.dataset_sha256
        );
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for run in &detail.runs {
            *counts
                .entry(format!("{:?}", run.status).to_lowercase())
                .or_default() += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!(
            "Runs: {}\n\nSpec:\n{}",
            counts.join(", "),
            e.spec_toml.trim_end()
        );
        println!();
        self.runs(&detail.runs)
    }

    pub fn run_detail(&self, detail: &RunDetail) -> Result<(), ApiError> {
        if self.json {
            return print_json(detail);
        }
        let run = &detail.run;
        println!(
            "Run {} (experiment {}, trial {}): {} {}",
            run.id,
            run.experiment_id,
            run.trial,
            run.model,
            format!("{:?}", run.status).to_lowercase()
        );
        println!("Parameters: {}", params_text(&run.params, " "));
        if let Some(error) = &run.error {
            println!("Error: {error}");
        }
        println!(
            "Started {}, finished {}; wall {} ms, CPU {} ms",
            run.started_at.as_deref().unwrap_or("-"),
            run.finished_at.as_deref().unwrap_or("-"),
            run.wall_ms.map_or("-".into(), |v| format!("{v:.0}")),
            run.cpu_ms.map_or("-".into(), |v| format!("{v:.0}")),
        );
        if !run.metrics.is_empty() {
            let mut header = vec!["metric".to_string(), "mean".into(), "std".into()];
            header.extend((0..detail.folds.len()).map(|i| format!("fold {i}")));
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut t = table(&header);
            for (name, m) in &run.metrics {
                let mut row = vec![
                    Cell::new(name),
                    right(format!("{:.4}", m.mean)),
                    right(format!("{:.4}", m.std)),
                ];
                row.extend(
                    detail.folds.iter().map(|fold| {
                        right(fold.get(name).map_or("-".into(), |v| format!("{v:.4}")))
                    }),
                );
                t.add_row(row);
            }
            println!("{t}");
        }
        if let Some(importance) = detail.importance.as_ref().filter(|i| !i.is_empty()) {
            let mut t = table(&["feature", "share of gain"]);
            for f in importance.iter().take(15) {
                t.add_row(vec![
                    Cell::new(&f.feature),
                    right(format!("{:.1} %", f.share * 100.0)),
                ]);
            }
            println!(
                "Feature importance ({} features, largest first):",
                importance.len()
            );
            println!("{t}");
        }
        for file in &detail.files {
            println!("File: {file}");
        }
        Ok(())
    }

    pub fn model(&self, detail: &ModelVersionDetail) -> Result<(), ApiError> {
        if self.json {
            return print_json(detail);
        }
        let info = &detail.info;
        let Some(m) = &info.manifest else {
            println!("Model {}:{}", info.name, info.version);
            if let Some(why) = &info.not_servable {
                println!("{why}");
            }
            println!("Files: {}", info.package_dir);
            if let Some(source) = &info.source {
                println!("Source: {source}");
            }
            return Ok(());
        };
        println!(
            "Model {}:{} ({}, {})",
            info.name, info.version, m.algorithm, m.task
        );
        if let Some(why) = &info.not_servable {
            println!("Not served by Data Lab: {why}");
        }
        if !info.aliases.is_empty() {
            println!("Aliases: {}", info.aliases.join(", "));
        }
        match (&info.run, &info.source) {
            (Some(run), _) => println!(
                "Lineage: run {run} of experiment {}{}",
                m.experiment_id.map_or("-".into(), |e| e.to_string()),
                if m.dataset_sha256.is_empty() {
                    String::new()
                } else {
                    format!(", dataset snapshot {}", m.dataset_sha256)
                }
            ),
            (None, Some(source)) => println!("Fetched from {source}"),
            (None, None) => {}
        }
        println!("Package: {}", info.package_dir);
        for file in &m.files {
            println!(
                "  {} ({} bytes, sha256 {})",
                file.path,
                file.bytes,
                &file.sha256[..16.min(file.sha256.len())]
            );
        }
        for p in &info.publications {
            println!(
                "Published to {} at {} ({})",
                p.target, p.location, p.published_at
            );
        }
        println!("\n{}", detail.model_card.trim_end());
        Ok(())
    }

    pub fn models(&self, models: &[ModelVersionInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&models);
        }
        let mut t = table(&[
            "model",
            "version",
            "aliases",
            "algorithm",
            "run",
            "published",
            "created",
        ]);
        for m in models {
            t.add_row(vec![
                Cell::new(&m.name),
                right(m.version),
                Cell::new(m.aliases.join(", ")),
                Cell::new(m.manifest.as_ref().map_or_else(
                    || format!("mlflow: {}", m.mlflow_flavors.join(", ")),
                    |manifest| manifest.algorithm.clone(),
                )),
                Cell::new(
                    m.run
                        .map_or(m.source.clone().unwrap_or_default(), |r| r.to_string()),
                ),
                Cell::new(
                    m.publications
                        .iter()
                        .map(|p| p.target.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Cell::new(&m.created_at),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn published(&self, outcome: &PublishOutcome) -> Result<(), ApiError> {
        if self.json {
            return print_json(outcome);
        }
        if outcome.already_published {
            println!("Already published, unchanged: {}", outcome.location);
        } else {
            println!(
                "Published {} to {}",
                human_bytes(outcome.bytes_uploaded),
                outcome.location
            );
        }
        Ok(())
    }

    pub fn notes(&self, notes: &[datalab_api::NoteInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&notes);
        }
        for note in notes {
            println!(
                "Note {} · {} UTC",
                note.id,
                note.created_at
                    .get(..16)
                    .unwrap_or(&note.created_at)
                    .replace('T', " ")
            );
            println!("{}", note.body.trim_end());
            let broken: Vec<&str> = note
                .links
                .iter()
                .filter(|l| l.target.is_none())
                .map(|l| l.text.as_str())
                .collect();
            if !broken.is_empty() {
                println!("(broken links: {})", broken.join(", "));
            }
            println!();
        }
        Ok(())
    }

    pub fn journal(&self, entries: &[datalab_api::JournalEntry]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&entries);
        }
        for entry in entries {
            let when = entry.at.get(..16).unwrap_or(&entry.at).replace('T', " ");
            match &entry.body {
                Some(body) => println!("{when}  note: {}", body.lines().next().unwrap_or_default()),
                None => println!("{when}  {}", entry.title),
            }
        }
        Ok(())
    }

    pub fn report(
        &self,
        report: &datalab_api::ReportOutcome,
        copy: Option<&std::path::Path>,
    ) -> Result<(), ApiError> {
        if self.json {
            return print_json(&serde_json::json!({ "path": report.path, "bytes": report.bytes }));
        }
        println!(
            "Report written to {} ({})",
            report.path,
            human_bytes(report.bytes)
        );
        if let Some(copy) = copy {
            println!("and to {}", copy.display());
        }
        Ok(())
    }

    pub fn inventory(&self, inventory: &datalab_api::Inventory) -> Result<(), ApiError> {
        if self.json {
            return print_json(inventory);
        }
        println!(
            "{}: {} objects, {}",
            inventory.target,
            inventory.objects,
            human_bytes(inventory.bytes)
        );
        for p in &inventory.packages {
            println!(
                "  package {} · {}{}{}",
                p.model,
                human_bytes(p.bytes),
                if p.whole { "" } else { " · incomplete" },
                if p.recorded {
                    ""
                } else {
                    " · not recorded in this project"
                }
            );
        }
        for b in &inventory.bundles {
            println!(
                "  bundle {} · {} files, {}",
                b.name,
                b.files,
                human_bytes(b.bytes)
            );
        }
        println!(
            "  bundle files: {} ({}); {} ({}) named by no bundle",
            inventory.blobs,
            human_bytes(inventory.blob_bytes),
            inventory.unreferenced_blobs,
            human_bytes(inventory.unreferenced_bytes)
        );
        Ok(())
    }

    pub fn budgets(&self, budgets: &[datalab_api::BudgetInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&budgets);
        }
        let mut t = table(&["vendor", "monthly", "month", "spent", "share"]);
        for b in budgets {
            t.add_row(vec![
                Cell::new(if b.vendor == "*" {
                    "all vendors"
                } else {
                    &b.vendor
                }),
                right(b.monthly_limit),
                Cell::new(&b.month),
                right(format!("{:.4}", b.spent)),
                right(format!("{:.0}%", 100.0 * b.share)),
            ]);
        }
        println!("{t}");
        for b in budgets {
            if let Some(warning) = &b.warning {
                println!("warning: {warning}");
            }
        }
        Ok(())
    }

    pub fn ledger(&self, ledger: &datalab_api::Ledger, daily: bool) -> Result<(), ApiError> {
        if self.json {
            return print_json(ledger);
        }
        for (title, sums) in [
            ("Compute by experiment", &ledger.compute_by_experiment),
            ("Compute by model", &ledger.compute_by_model),
            ("Compute by day", &ledger.compute_by_day),
        ] {
            println!("{title}");
            let mut t = table(&["", "runs", "wall", "CPU"]);
            for s in sums {
                t.add_row(vec![
                    Cell::new(&s.key),
                    right(s.runs),
                    right(format!("{:.1} s", s.wall_ms / 1000.0)),
                    right(format!("{:.1} s", s.cpu_ms / 1000.0)),
                ]);
            }
            println!("{t}\n");
        }
        let spend = if daily {
            &ledger.spend_by_day
        } else {
            &ledger.spend_by_month
        };
        println!("Vendor spend by {}", if daily { "day" } else { "month" });
        let mut t = table(&[
            "vendor",
            "period",
            "cost",
            "input tokens",
            "output tokens",
            "rows",
            "cached",
        ]);
        for s in spend {
            t.add_row(vec![
                Cell::new(&s.vendor),
                Cell::new(&s.period),
                right(format!("{:.4}", s.cost)),
                right(s.input_tokens),
                right(s.output_tokens),
                right(s.rows),
                right(s.cached_rows),
            ]);
        }
        println!("{t}\n");
        if !ledger.budgets.is_empty() {
            println!("Budgets");
            self.budgets(&ledger.budgets)?;
        }
        Ok(())
    }

    pub fn pushed(&self, outcome: &datalab_api::PushOutcome) -> Result<(), ApiError> {
        if self.json {
            return print_json(outcome);
        }
        let c = &outcome.count;
        println!(
            "Pushed '{}' ({} runs) to {}: sent {} files ({}); {} files ({}) were there already",
            outcome.name,
            outcome.runs,
            outcome.location,
            c.files_sent,
            human_bytes(c.bytes_sent),
            c.files_present,
            human_bytes(c.bytes_present)
        );
        Ok(())
    }

    pub fn pulled(&self, outcome: &datalab_api::PullOutcome) -> Result<(), ApiError> {
        if self.json {
            return print_json(outcome);
        }
        println!(
            "Pulled experiment {} '{}': {} runs, {} vendor evaluations, {} files ({}) checked; dataset '{}'{}",
            outcome.experiment,
            outcome.name,
            outcome.runs,
            outcome.evaluations,
            outcome.files,
            human_bytes(outcome.bytes),
            outcome.dataset,
            if outcome.dataset_known {
                " (this project had its snapshot)"
            } else {
                ""
            }
        );
        Ok(())
    }

    pub fn bundles(&self, names: &[String]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&names);
        }
        for name in names {
            println!("{name}");
        }
        Ok(())
    }

    pub fn reproduced(&self, report: &datalab_api::ReproduceReport) -> Result<(), ApiError> {
        if self.json {
            return print_json(report);
        }
        let mut t = table(&["trial", "model", "run", "again", "verdict", "differences"]);
        for r in &report.runs {
            let id = |id: Option<datalab_api::RunId>| id.map(|i| i.to_string()).unwrap_or_default();
            t.add_row(vec![
                right(r.trial),
                Cell::new(&r.model),
                right(id(r.original)),
                right(id(r.reproduced)),
                Cell::new(format!("{:?}", r.verdict).to_lowercase()),
                Cell::new(r.differences.join("\n")),
            ]);
        }
        println!("{t}");
        println!(
            "Experiment {} run again as experiment {}: {} identical, {} not",
            report.experiment, report.reproduction, report.identical, report.different
        );
        Ok(())
    }

    pub fn remote(&self, versions: &[RemoteVersion]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&versions);
        }
        let mut t = table(&["model", "version", "algorithm", "created", "location"]);
        for v in versions {
            t.add_row(vec![
                Cell::new(&v.name),
                right(v.version),
                Cell::new(&v.algorithm),
                Cell::new(&v.created_at),
                Cell::new(&v.location),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn storage(&self, targets: &[StorageTargetInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&targets);
        }
        let mut t = table(&["name", "location", "created"]);
        for target in targets {
            t.add_row(vec![
                Cell::new(&target.name),
                Cell::new(&target.location),
                Cell::new(&target.created_at),
            ]);
        }
        println!("{t}");
        Ok(())
    }

    pub fn experiments(&self, experiments: &[ExperimentInfo]) -> Result<(), ApiError> {
        if self.json {
            return print_json(&experiments);
        }
        let mut t = table(&["id", "name", "runs", "dataset snapshot", "created"]);
        for e in experiments {
            t.add_row(vec![
                right(e.id),
                Cell::new(&e.name),
                right(e.runs),
                Cell::new(&e.dataset_sha256[..12.min(e.dataset_sha256.len())]),
                Cell::new(&e.created_at),
            ]);
        }
        println!("{t}");
        Ok(())
    }
}

/// A histogram as a sparkline, or the top values as `value (count)`.
fn detail(c: &ColumnProfile) -> String {
    if let Some(h) = c
        .histogram
        .as_ref()
        .filter(|h| c.top_values.is_empty() || h.counts.len() > 3)
    {
        return sparkline(&h.counts);
    }
    c.top_values
        .iter()
        .take(3)
        .map(|v| {
            let value = if v.value.chars().count() > 16 {
                format!("{}...", v.value.chars().take(13).collect::<String>())
            } else {
                v.value.clone()
            };
            format!("{value} ({})", v.count)
        })
        .collect::<Vec<_>>()
        .join(", ")
}
