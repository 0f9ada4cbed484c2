//! A real, tiny package for tests: a decision tree telling "low" from
//! "high" by one number `x`, trained by datalab-ml and written as a
//! package with its manifest.

use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::trial::{TargetColumn, train_final};
use datalab_ml::validation::Validation;
use datalab_publish::Manifest;
use datalab_publish::package::{InputField, MODEL_FILE, write_package};
use std::path::Path;

/// Writes the package into `dir` (created if needed).
pub fn write_tiny_package(dir: &Path) -> Result<Manifest, Box<dyn std::error::Error>> {
    let x: Vec<Option<f64>> = (0..20).map(|i| Some(f64::from(i) / 2.0)).collect();
    let columns = vec![InputColumn {
        name: "x".into(),
        values: ColumnValues::Numbers(x.clone()),
    }];
    let target = TargetColumn::Classes {
        labels: vec!["high".into(), "low".into()],
        values: x
            .iter()
            .map(|v| usize::from(v.unwrap_or(0.0) < 5.0))
            .collect(),
    };
    let model = train_final(
        &columns,
        &target,
        "decision_tree",
        &Default::default(),
        Validation::KFold { folds: 2 },
        1,
    )?;
    std::fs::create_dir_all(dir)?;
    let manifest = Manifest {
        format: String::new(),
        kind: Default::default(),
        flavors: Vec::new(),
        name: "tiny".into(),
        version: 1,
        algorithm: "decision_tree".into(),
        parameters: serde_json::json!({}),
        task: "classification".into(),
        target: Some("level".into()),
        input_schema: vec![InputField {
            name: "x".into(),
            kind: "number".into(),
        }],
        classes: Some(vec!["high".into(), "low".into()]),
        metrics: serde_json::json!({}),
        dataset_sha256: String::new(),
        run_id: None,
        experiment_id: None,
        engine_version: env!("CARGO_PKG_VERSION").into(),
        created_at: String::new(),
        files: Vec::new(),
    };
    let (manifest, _) = write_package(
        dir,
        manifest,
        &[(MODEL_FILE.into(), serde_json::to_vec(&model)?)],
    )?;
    Ok(manifest)
}
