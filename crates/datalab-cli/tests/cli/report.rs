//! An experiment's report as a colleague receives it: one HTML file that
//! needs nothing from anywhere (no script, no link, no font), holding the
//! data's profile, the spec, every run, the comparison drawn as SVG, the
//! significance, the vendor against the agreements, and the notes, with
//! every text escaped.

use crate::common::{TestResult, datalab, iris_lab, iris_vendor, json, stderr};

#[test]
fn a_report_is_one_offline_file_with_everything_an_experiment_has() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (lab, ran) = iris_lab(dir.path())?;
    let experiment = ran["experiment_id"].to_string();
    let _server = iris_vendor(&lab, &[])?;
    let evaluated = datalab(
        &lab,
        &["evaluate", "--vendor", "svc", "--experiment", &experiment],
    );
    assert!(evaluated.status.success(), "{}", stderr(&evaluated));
    let noted = datalab(
        &lab,
        &[
            "note",
            "add",
            "--experiment",
            &experiment,
            "Depth <b>3</b> & up: \"enough\"",
        ],
    );
    assert!(noted.status.success(), "{}", stderr(&noted));

    let copy = dir.path().join("report.html");
    let written = json(&datalab(
        &lab,
        &[
            "--json",
            "report",
            "experiment",
            &experiment,
            "--out",
            &copy.to_string_lossy(),
        ],
    ))?;
    let path = written["path"].as_str().unwrap_or_default();
    assert!(
        path.ends_with(&format!("exports/reports/experiment-{experiment}.html")),
        "{path}"
    );
    let html = std::fs::read_to_string(path)?;
    assert_eq!(std::fs::read_to_string(&copy)?, html);

    // Nothing is fetched when it opens: no script, stylesheet, image or font from anywhere.
    for outside in ["<script", "src=", "href=", "url(", "@import", "https://"] {
        assert!(
            !html.contains(outside),
            "the report refers outside with {outside}"
        );
    }
    // Everything a reader needs.
    for part in [
        "Data</h2>",
        "sepal_length",
        "150 rows",
        "Spec</h2>",
        "logistic_regression",
        "Runs</h2>",
        "Significance</h2>",
        "Vendors and local models</h2>",
        "svc",
        "Notes</h2>",
    ] {
        assert!(html.contains(part), "the report has no {part}");
    }
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "the runs' chart and the candidates' chart"
    );
    let runs = ran["runs"].as_array().cloned().unwrap_or_default();
    for run in &runs {
        assert!(
            html.contains(&format!("run {} · ", run["id"])),
            "run {} is not drawn",
            run["id"]
        );
    }
    // Every text is escaped: a note cannot inject markup.
    assert!(html.contains("Depth &lt;b&gt;3&lt;/b&gt; &amp; up: &quot;enough&quot;"));
    assert!(!html.contains("<b>3</b>"));

    let missing = datalab(&lab, &["report", "experiment", "999"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("999"), "{}", stderr(&missing));
    Ok(())
}
