//! The import dialog's preview: the first rows as they will be read, and
//! whether the file is imported already or its name is taken, with nothing
//! written; and the experiment form's suggestions from a dataset's profile.

use crate::common::{TestResult, demo, repo};
use datalab_api::{
    ImportOptions, ImportRequest, JobContext, NoEvents, inspect_import, list_datasets,
    suggest_experiment,
};
use datalab_ml::catalog::Task;
use std::sync::atomic::AtomicBool;

#[test]
fn the_preview_says_what_the_import_will_do_and_writes_nothing() -> TestResult {
    let (dir, project) = demo()?;
    let before = list_datasets(&project)?.len();
    let snapshots =
        |p: &datalab_api::Project| std::fs::read_dir(p.datasets_dir()).map(|d| d.count());
    let files_before = snapshots(&project)?;
    // The demo imported penguins.csv from its samples: the same bytes, with the default options.
    let penguins = project.root().join("samples/penguins.csv");
    let request = |path: std::path::PathBuf, name: Option<&str>| ImportRequest {
        path,
        name: name.map(String::from),
        options: ImportOptions::default(),
    };
    let known = inspect_import(&project, &request(penguins.clone(), None))?;
    assert_eq!(known.already_imported.as_deref(), Some("penguins"));
    assert!(!known.name_taken);
    assert_eq!(known.source.delimiter.as_deref(), Some(","));
    assert_eq!(known.source.table.columns.len(), 8);
    assert_eq!(known.source.table.rows.len(), 20);
    // Another file under a name in use.
    let adult = repo("assets/datasets/adult.csv");
    let taken = inspect_import(&project, &request(adult, Some("iris")))?;
    assert!(taken.already_imported.is_none());
    assert!(taken.name_taken);
    assert_eq!(taken.name, "iris");
    assert_eq!(list_datasets(&project)?.len(), before);
    assert_eq!(snapshots(&project)?, files_before);
    drop(dir);
    Ok(())
}

#[test]
fn the_form_is_offered_valid_targets_and_no_id_as_a_feature() -> TestResult {
    let (dir, project) = demo()?;
    let csv = dir.path().join("customers.csv");
    let mut text = String::from("customer_id,plan,monthly,churned\n");
    for i in 0..200 {
        text.push_str(&format!(
            "C{i:05},{},{}.5,{}\n",
            ["basic", "pro"][i % 2],
            20 + i % 37,
            ["no", "yes"][i % 3 / 2]
        ));
    }
    std::fs::write(&csv, text)?;
    let cancel = AtomicBool::new(false);
    let jobs = JobContext::new(&NoEvents, &cancel);
    datalab_api::import_dataset(
        &project,
        &ImportRequest {
            path: csv,
            name: Some("customers".into()),
            options: ImportOptions::default(),
        },
        &jobs,
    )?;
    let suggestion = suggest_experiment(&project, "customers", &jobs)?;
    let column = |name: &str| {
        suggestion
            .columns
            .iter()
            .find(|c| c.name == name)
            .ok_or(name.to_string())
    };
    let id = column("customer_id")?;
    assert!(!id.feature && id.targets.is_empty(), "{id:?}");
    assert!(id.note.as_deref().is_some_and(|n| n.contains("every row")));
    assert_eq!(column("churned")?.targets, vec![Task::Classification]);
    assert_eq!(column("monthly")?.targets, vec![Task::Regression]);
    assert!(column("plan")?.feature);
    Ok(())
}
