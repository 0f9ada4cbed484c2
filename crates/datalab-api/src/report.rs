//! An experiment's report: one self-contained HTML file (no script, no
//! font, no request to anywhere: it opens offline and prints as it shows)
//! with the dataset's profile summary, the spec, the runs table, the
//! comparison drawn as SVG, the significance of the best run against the
//! others, the vendor comparison against the agreements, and the notes.

use crate::error::ApiError;
use crate::jobs::JobContext;
use datalab_lab::{RunInfo, params_text};
use datalab_project::{ExperimentId, NoteSubject, Project, RunStatus};
use std::fmt::Write;

/// `text` safe inside HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten at or above `value`
/// (positive): an axis ending there has ticks a person reads at a glance.
fn nice_ceiling(value: f64) -> f64 {
    let power = 10f64.powf(value.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|step| step * power)
        .find(|candidate| *candidate >= value * (1.0 - 1e-12))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_a_number_read_at_a_glance() {
        assert_eq!(nice_ceiling(1.0073), 1.2);
        assert_eq!(nice_ceiling(0.9971), 1.0);
        assert_eq!(nice_ceiling(0.43), 0.5);
        assert_eq!(nice_ceiling(180.0), 200.0);
        assert_eq!(nice_ceiling(2.2), 2.5);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

/// One bar of a chart: a label, a value and its spread (drawn as a whisker).
struct Bar {
    label: String,
    value: f64,
    spread: f64,
    highlight: bool,
}

/// A horizontal bar chart as inline SVG, starting at 0 so small gaps are not
/// made to look large; each bar's value is written beside it.
fn bar_chart(title: &str, unit: &str, bars: &[Bar]) -> String {
    let row = 26.0;
    let (left, width, top) = (230.0, 420.0, 34.0);
    let height = top + row * bars.len() as f64 + 30.0;
    let finite = bars.iter().filter(|b| b.value.is_finite());
    let most = finite
        .map(|b| b.value + b.spread.max(0.0))
        .fold(0.0f64, f64::max);
    let most = nice_ceiling(if most > 0.0 { most } else { 1.0 });
    let x = |v: f64| left + width * (v.max(0.0) / most);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 {height}" width="760" height="{height}" role="img" aria-label="{}">"#,
        esc(title)
    );
    let _ = write!(
        svg,
        r#"<text x="10" y="20" class="title">{}</text>"#,
        esc(title)
    );
    for tick in 0..=4 {
        let v = most * f64::from(tick) / 4.0;
        let _ = write!(
            svg,
            r#"<line x1="{0}" x2="{0}" y1="{top}" y2="{1}" class="grid"/><text x="{0}" y="{2}" class="tick">{3}</text>"#,
            x(v),
            height - 24.0,
            height - 8.0,
            number(v)
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        // A long label is cut to fit left of the bars; the whole of it is its tooltip.
        let shown: String = if bar.label.chars().count() > 34 {
            bar.label.chars().take(33).chain(['…']).collect()
        } else {
            bar.label.clone()
        };
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="label"><title>{}</title>{}</text>"#,
            left - 8.0,
            y + 17.0,
            esc(&bar.label),
            esc(&shown)
        );
        if !bar.value.is_finite() {
            continue;
        }
        let class = if bar.highlight { "bar best" } else { "bar" };
        let _ = write!(
            svg,
            r#"<rect x="{left}" y="{}" width="{}" height="{}" class="{class}"><title>{}: {}{unit}</title></rect>"#,
            y + 5.0,
            (x(bar.value) - left).max(0.5),
            row - 10.0,
            esc(&bar.label),
            number(bar.value)
        );
        if bar.spread > 0.0 {
            let (a, b) = (x(bar.value - bar.spread), x(bar.value + bar.spread));
            let mid = y + row / 2.0;
            let _ = write!(
                svg,
                r#"<path d="M{a} {mid}H{b}M{a} {}V{}M{b} {}V{}" class="whisker"/>"#,
                mid - 5.0,
                mid + 5.0,
                mid - 5.0,
                mid + 5.0
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="value">{}{}</text>"#,
            x(bar.value + bar.spread.max(0.0)) + 6.0,
            y + 17.0,
            number(bar.value),
            if bar.spread > 0.0 {
                format!(" ± {}", number(bar.spread))
            } else {
                String::new()
            }
        );
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#1d232a;padding:0 16px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dde3e9;padding-bottom:4px}\
table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #e6eaee;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f5f7}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}pre{background:#f8f9fa;padding:10px;overflow:auto}\
.muted{color:#68737d}.fail{color:#b42318}.meets{color:#1a7f37}.chart .title{font-weight:600;font-size:13px}\
.chart .label{text-anchor:end;font-size:12px}.chart .value,.chart .tick{font-size:11px;fill:#68737d}.chart .tick{text-anchor:middle}\
.chart .grid{stroke:#e6eaee}.chart .bar{fill:#8fb3d9}.chart .bar.best{fill:#2f6db5}.chart .whisker{stroke:#1d232a;fill:none}\
.note{border-left:3px solid #dde3e9;padding-left:10px;margin:8px 0;white-space:pre-wrap}";

/// Writes experiment `id`'s report as one HTML document.
pub fn experiment_report(
    project: &Project,
    id: ExperimentId,
    jobs: &JobContext<'_>,
) -> Result<String, ApiError> {
    let detail = crate::show_experiment(project, id)?;
    let experiment = &detail.experiment;
    let runs: Vec<&RunInfo> = detail.runs.iter().collect();
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Experiment {} · {}</title><style>{STYLE}</style></head><body>",
        experiment.id,
        esc(&experiment.name)
    );
    let _ = write!(
        html,
        "<h1>Experiment {} · {}</h1><p class=\"muted\">Created {} · dataset {} (snapshot <code>{}</code>) · report written by Data Lab {}</p>",
        experiment.id,
        esc(&experiment.name),
        esc(&experiment.created_at),
        esc(experiment
            .dataset
            .as_deref()
            .unwrap_or("(not in this project)")),
        esc(&experiment.dataset_sha256),
        crate::VERSION
    );

    // The data.
    html.push_str("<h2>Data</h2>");
    match experiment.dataset.as_deref() {
        Some(name) => {
            let profile = crate::profile_dataset(project, name, jobs)?;
            let _ = write!(
                html,
                "<p>{} rows, {} columns.</p><table><tr><th>column</th><th>type</th><th class=\"num\">missing</th><th class=\"num\">distinct</th><th class=\"num\">min</th><th class=\"num\">mean</th><th class=\"num\">max</th></tr>",
                profile.rows,
                profile.columns.len()
            );
            for c in &profile.columns {
                let n = c.numeric.as_ref();
                let cell = |v: Option<f64>| v.map(number).unwrap_or_default();
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&c.name),
                    esc(&c.data_type),
                    c.nulls,
                    c.distinct.count,
                    cell(n.and_then(|n| n.min)),
                    cell(n.and_then(|n| n.mean)),
                    cell(n.and_then(|n| n.max))
                );
            }
            html.push_str("</table>");
        }
        None => html.push_str("<p class=\"muted\">The snapshot is not in this project.</p>"),
    }

    // The spec.
    let _ = write!(
        html,
        "<h2>Spec</h2><pre>{}</pre>",
        esc(&experiment.spec_toml)
    );

    // The runs, and the headline metric drawn.
    let metric = datalab_ml::metric_facts::leading_metric(
        runs.iter().map(|r| r.metrics.keys().map(String::as_str)),
    );
    html.push_str("<h2>Runs</h2>");
    let _ = write!(
        html,
        "<table><tr><th class=\"num\">run</th><th>model</th><th>parameters</th><th>status</th><th class=\"num\">{}</th><th class=\"num\">wall</th></tr>",
        esc(metric.unwrap_or("metric"))
    );
    for r in &runs {
        let value = metric
            .and_then(|m| r.metrics.get(m))
            .map(|v| format!("{} ± {}", number(v.mean), number(v.std)))
            .unwrap_or_default();
        let status = match (&r.status, &r.error) {
            (RunStatus::Failed, Some(why)) => {
                format!("<span class=\"fail\">failed: {}</span>", esc(why))
            }
            (status, _) => esc(status.as_str()),
        };
        let _ = write!(
            html,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{status}</td><td class=\"num\">{value}</td><td class=\"num\">{}</td></tr>",
            r.id,
            esc(&r.model),
            esc(&params_text(&r.params, ", ")),
            r.wall_ms
                .map(|ms| format!("{:.1} s", ms / 1000.0))
                .unwrap_or_default()
        );
    }
    html.push_str("</table>");
    let succeeded: Vec<&&RunInfo> = runs
        .iter()
        .filter(|r| r.status == RunStatus::Succeeded)
        .collect();
    if let Some(metric) = metric {
        let higher = datalab_ml::metric_facts::higher_is_better(metric);
        let score = |r: &RunInfo| r.metrics.get(metric).map(|m| m.mean);
        let best = succeeded
            .iter()
            .filter_map(|r| score(r).map(|s| (r.id, s)))
            .fold(
                None::<(datalab_project::RunId, f64)>,
                |acc, (id, s)| match acc {
                    Some((_, b)) if (higher && b >= s) || (!higher && b <= s) => acc,
                    _ => Some((id, s)),
                },
            )
            .map(|(id, _)| id);
        let bars: Vec<Bar> = succeeded
            .iter()
            .filter_map(|r| {
                let m = r.metrics.get(metric)?;
                Some(Bar {
                    label: format!("run {} · {}", r.id, r.model),
                    value: m.mean,
                    spread: m.std,
                    highlight: Some(r.id) == best,
                })
            })
            .collect();
        if !bars.is_empty() {
            html.push_str(&bar_chart(
                &format!(
                    "{metric} per run, mean ± std over folds ({} is better)",
                    if higher { "higher" } else { "lower" }
                ),
                "",
                &bars,
            ));
        }

        // The best run against each other run, fold by fold.
        if let Some(best) = best
            && succeeded.len() >= 2
        {
            let mut ids = vec![best];
            ids.extend(succeeded.iter().map(|r| r.id).filter(|&id| id != best));
            if let Ok(comparison) = crate::compare_runs(project, &ids, Some(metric)) {
                let _ = write!(
                    html,
                    "<h2>Significance</h2><p>Run {best} against each other run on {} (the corrected resampled t-test over the same folds).</p><table><tr><th class=\"num\">against run</th><th class=\"num\">mean difference</th><th class=\"num\">p-value</th><th>verdict</th></tr>",
                    esc(metric)
                );
                for pair in comparison.pairs.iter().filter(|p| p.run == best) {
                    let _ = write!(
                        html,
                        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                        pair.other,
                        number(pair.mean_difference),
                        pair.p_value.map(number).unwrap_or_else(|| "–".into()),
                        esc(&format!("{:?}", pair.verdict).to_lowercase())
                    );
                }
                html.push_str("</table>");
            }
        }
    }

    // The vendors beside the local runs, against the agreements.
    if let Ok(candidates) = crate::compare_candidates(project, id)
        && candidates
            .candidates
            .iter()
            .any(|c| c.kind == crate::CandidateKind::Vendor)
    {
        let _ = write!(
            html,
            "<h2>Vendors and local models</h2><table><tr><th>candidate</th><th class=\"num\">{}</th><th class=\"num\">cost / 1,000 rows</th><th class=\"num\">error rate</th><th>agreements</th></tr>",
            esc(&candidates.metric)
        );
        let mut bars = Vec::new();
        for c in &candidates.candidates {
            let meets = match c.meets {
                Some(true) => "<span class=\"meets\">met</span>".to_string(),
                Some(false) => format!(
                    "<span class=\"fail\">missed: {}</span>",
                    esc(&c.misses.join("; "))
                ),
                None => "<span class=\"muted\">no agreements</span>".to_string(),
            };
            let _ = write!(
                html,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{meets}</td></tr>",
                esc(&c.name),
                c.score.map(number).unwrap_or_default(),
                c.cost_per_1000.map(number).unwrap_or_default(),
                number(c.error_rate)
            );
            if let Some(score) = c.score {
                bars.push(Bar {
                    label: c.name.clone(),
                    value: score,
                    spread: 0.0,
                    highlight: c.kind == crate::CandidateKind::Vendor,
                });
            }
        }
        html.push_str("</table>");
        html.push_str(&bar_chart(
            &format!(
                "{} of every candidate on the same test rows",
                candidates.metric
            ),
            "",
            &bars,
        ));
    }

    // The notes.
    let mut notes = project.notes_on(NoteSubject::Experiment(id))?;
    for r in &runs {
        notes.extend(project.notes_on(NoteSubject::Run(r.id))?);
    }
    if !notes.is_empty() {
        html.push_str("<h2>Notes</h2>");
        for note in &notes {
            let on = match note.subject {
                NoteSubject::Run(run) => format!("run {run}"),
                _ => "the experiment".to_string(),
            };
            let _ = write!(
                html,
                "<div class=\"note\"><span class=\"muted\">{} UTC, on {on}</span>\n{}</div>",
                esc(note.created_at.get(..16).unwrap_or(&note.created_at)).replace('T', " "),
                esc(note.body.trim())
            );
        }
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

/// A report to write.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ReportRequest {
    /// The experiment.
    pub experiment: ExperimentId,
}

/// A report written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ReportOutcome {
    /// Where it was written in the project (`exports/reports/experiment-<id>.html`).
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// The document itself, for a window to save or show.
    pub html: String,
}

/// Writes experiment `id`'s report into the project's `exports/reports/`.
pub fn write_report(
    project: &Project,
    request: &ReportRequest,
    jobs: &JobContext<'_>,
) -> Result<ReportOutcome, ApiError> {
    let html = experiment_report(project, request.experiment, jobs)?;
    let dir = project.root().join("exports").join("reports");
    std::fs::create_dir_all(&dir)
        .map_err(|e| ApiError::io(format!("cannot make {}: {e}", dir.display())))?;
    let path = dir.join(format!("experiment-{}.html", request.experiment));
    std::fs::write(&path, &html)
        .map_err(|e| ApiError::io(format!("cannot write {}: {e}", path.display())))?;
    Ok(ReportOutcome {
        path: path.display().to_string(),
        bytes: html.len() as u64,
        html,
    })
}
