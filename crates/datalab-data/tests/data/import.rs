//! Import on real files: the sample datasets, the edge cases that must work,
//! and the corpus of malformed files that must be refused with the file and
//! line named and nothing written.

use datalab_data::{
    ColumnKind, DataError, ImportOptions, NoProgress, SourceFormat, prepare_import, preview_source,
    profile_snapshot, snapshot_file_name, write_snapshot,
};
use std::path::{Path, PathBuf};

fn corpus(name: &str) -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../tests/corpus")
        .join(name)
}

fn asset(name: &str) -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../assets/datasets")
        .join(name)
}

/// Imports into `dir`; returns the error, after checking nothing was left there.
fn import_error(path: &Path, options: &ImportOptions) -> DataError {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("no temp dir: {e}"),
    };
    let result = prepare_import(path, options, &NoProgress)
        .and_then(|source| write_snapshot(&source, dir.path(), &NoProgress));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "a failed import left files behind: {left:?}"
    );
    match result {
        Ok(snapshot) => panic!(
            "{} imported, but should not have: {snapshot:?}",
            path.display()
        ),
        Err(error) => {
            let message = error.to_string();
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            assert!(
                message.contains(&file),
                "the message does not name the file: {message}"
            );
            error
        }
    }
}

fn defaults() -> ImportOptions {
    ImportOptions::default()
}

#[test]
fn ragged_rows_are_refused_with_their_line() {
    match import_error(&corpus("ragged_short.csv"), &defaults()) {
        DataError::RaggedRow {
            line: 4,
            expected: 3,
            found: 2,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    match import_error(&corpus("ragged_long.csv"), &defaults()) {
        DataError::RaggedRow {
            line: 3,
            expected: 3,
            found: 4,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unclosed_quote_is_refused_where_it_opens() {
    match import_error(&corpus("unclosed_quote.csv"), &defaults()) {
        DataError::UnclosedQuote { line: 3, .. } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_value_of_another_type_names_line_column_and_value() {
    // Types are inferred from the first 10 rows here, so 'abc' on line 32
    // arrives after 'amount' was decided to be whole numbers.
    let options = ImportOptions {
        infer_schema_rows: Some(10),
        ..defaults()
    };
    match import_error(&corpus("mixed_types.csv"), &options) {
        DataError::MixedTypes {
            line,
            column,
            value,
            ..
        } => {
            assert_eq!(
                (line, column.as_str(), value.as_str()),
                (32, "amount", "abc")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mixed_column_inside_the_inference_window_becomes_text() -> Result<(), DataError> {
    let dir = tempfile::tempdir().map_err(|e| DataError::Write {
        path: "tmp".into(),
        source: e,
    })?;
    let source = prepare_import(&corpus("mixed_types.csv"), &defaults(), &NoProgress)?;
    let snapshot = write_snapshot(&source, dir.path(), &NoProgress)?;
    let amount = snapshot
        .columns
        .iter()
        .find(|c| c.name == "amount")
        .map(|c| c.kind);
    assert_eq!(amount, Some(ColumnKind::Text));
    Ok(())
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert!(matches!(
        import_error(&corpus("empty.csv"), &defaults()),
        DataError::Empty { .. }
    ));
    assert!(matches!(
        import_error(&corpus("header_only.csv"), &defaults()),
        DataError::NoRows { .. }
    ));
}

#[test]
fn binary_and_non_utf8_files_are_refused() {
    assert!(matches!(
        import_error(&corpus("binary.csv"), &defaults()),
        DataError::NotText { .. }
    ));
    match import_error(&corpus("latin1.csv"), &defaults()) {
        DataError::NotUtf8 { line: 3, .. } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn broken_parquet_and_json_are_refused() {
    assert!(matches!(
        import_error(&corpus("truncated.parquet"), &defaults()),
        DataError::BadParquet { .. }
    ));
    match import_error(&corpus("bad.json"), &defaults()) {
        DataError::BadJson { line: Some(4), .. } => {}
        other => panic!("{other:?}"),
    }
    match import_error(&corpus("bad.ndjson"), &defaults()) {
        DataError::BadJson { line: Some(3), .. } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsupported_and_missing_files_are_refused() {
    match import_error(&corpus("not_a_table.xlsx"), &defaults()) {
        DataError::UnsupportedFormat { what, .. } => assert!(what.contains("Excel")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        import_error(&corpus("no-such-file.csv"), &defaults()),
        DataError::NotFound { .. }
    ));
}

/// Imports a valid file; returns (rows, column names, kinds).
fn import_ok(path: &Path) -> Result<(u64, Vec<String>, Vec<ColumnKind>), DataError> {
    let dir = tempfile::tempdir().map_err(|e| DataError::Write {
        path: "tmp".into(),
        source: e,
    })?;
    let source = prepare_import(path, &defaults(), &NoProgress)?;
    let snapshot = write_snapshot(&source, dir.path(), &NoProgress)?;
    assert!(
        dir.path()
            .join(snapshot_file_name(&snapshot.sha256))
            .is_file()
    );
    Ok((
        snapshot.rows,
        snapshot.columns.iter().map(|c| c.name.clone()).collect(),
        snapshot.columns.iter().map(|c| c.kind).collect(),
    ))
}

#[test]
fn edge_cases_that_must_import() -> Result<(), DataError> {
    use ColumnKind::*;
    // A byte-order mark does not end up in the first column's name.
    assert_eq!(
        import_ok(&corpus("bom.csv"))?,
        (2, vec!["x".into(), "y".into()], vec![Integer, Integer])
    );
    let (rows, names, _) = import_ok(&corpus("semicolon_quoted.csv"))?;
    assert_eq!((rows, names), (3, vec!["name".into(), "note".into()]));
    let (rows, names, kinds) = import_ok(&corpus("no_header.tsv"))?;
    assert_eq!((rows, names.len(), kinds[0]), (4, 3, Integer));
    assert_eq!(import_ok(&corpus("crlf.csv"))?.0, 3);
    let (rows, _, kinds) = import_ok(&corpus("nulls.csv"))?;
    assert_eq!((rows, kinds), (5, vec![Integer, Integer, Integer]));
    let (rows, names, kinds) = import_ok(&corpus("people.json"))?;
    assert_eq!(
        (rows, names.len(), kinds),
        (4, 3, vec![Text, Integer, Float])
    );
    assert_eq!(import_ok(&corpus("events.ndjson"))?.0, 6);
    Ok(())
}

#[test]
fn the_same_content_makes_the_same_snapshot() -> Result<(), DataError> {
    let dir = tempfile::tempdir().map_err(|e| DataError::Write {
        path: "tmp".into(),
        source: e,
    })?;
    let first = prepare_import(&asset("iris.csv"), &defaults(), &NoProgress)?;
    let a = write_snapshot(&first, dir.path(), &NoProgress)?;
    let copy = dir.path().join("copy-of-iris.csv");
    std::fs::copy(asset("iris.csv"), &copy).map_err(|e| DataError::Write {
        path: copy.clone(),
        source: e,
    })?;
    let second = prepare_import(&copy, &defaults(), &NoProgress)?;
    assert_eq!(first.sha256, second.sha256);
    assert_eq!(first.options_key(), second.options_key());
    let b = write_snapshot(&second, dir.path(), &NoProgress)?;
    assert_eq!(a.sha256, b.sha256);
    let parquet_files = std::fs::read_dir(dir.path())
        .map_err(|e| DataError::Write {
            path: dir.path().into(),
            source: e,
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
        .count();
    assert_eq!(parquet_files, 1);
    // Other options make another dataset.
    let no_header = ImportOptions {
        has_header: Some(false),
        ..defaults()
    };
    let third = prepare_import(&asset("iris.csv"), &no_header, &NoProgress)?;
    assert_ne!(first.options_key(), third.options_key());
    assert_eq!(first.format, SourceFormat::Csv);
    Ok(())
}

/// The profile of a sample dataset, imported with the defaults into a scratch folder.
fn profile_of(file: &str) -> Result<datalab_data::DatasetProfile, DataError> {
    let dir = tempfile::tempdir().map_err(|e| DataError::Write {
        path: "tmp".into(),
        source: e,
    })?;
    let source = prepare_import(&asset(file), &defaults(), &NoProgress)?;
    let snapshot = write_snapshot(&source, dir.path(), &NoProgress)?;
    profile_snapshot(
        &dir.path().join(snapshot_file_name(&snapshot.sha256)),
        &NoProgress,
    )
}

#[test]
fn the_iris_profile_matches_the_published_statistics() -> Result<(), DataError> {
    let profile = profile_of("iris.csv")?;
    assert_eq!(profile.rows, 150);
    let column = |name: &str| profile.columns.iter().find(|c| c.name == name);
    let sepal =
        column("sepal_length").ok_or(DataError::InvalidRequest("no sepal_length".into()))?;
    let stats = sepal
        .numeric
        .clone()
        .ok_or(DataError::InvalidRequest("no stats".into()))?;
    // Fisher's iris, as R's summary() and pandas' describe() report it.
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-5);
    assert!(close(stats.mean, 5.843333), "{stats:?}");
    assert!(close(stats.std, 0.8280661), "{stats:?}");
    assert!(close(stats.min, 4.3) && close(stats.max, 7.9) && close(stats.median, 5.8));
    assert!(close(stats.q25, 5.1) && close(stats.q75, 6.4));
    assert_eq!((sepal.count, sepal.nulls), (150, 0));
    assert_eq!(sepal.distinct.count, 35);
    assert!(sepal.distinct.exact);
    let histogram = sepal
        .histogram
        .clone()
        .ok_or(DataError::InvalidRequest("no histogram".into()))?;
    assert_eq!(histogram.counts.iter().sum::<u64>(), 150);
    assert_eq!(histogram.edges.len(), histogram.counts.len() + 1);

    let species = column("species").ok_or(DataError::InvalidRequest("no species".into()))?;
    assert_eq!(species.kind, ColumnKind::Text);
    let top: Vec<(&str, u64)> = species
        .top_values
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    assert_eq!(
        top,
        vec![("setosa", 50), ("versicolor", 50), ("virginica", 50)]
    );

    let corr = &profile.correlations;
    let at = |a: &str, b: &str| {
        let i = corr.columns.iter().position(|c| c == a)?;
        let j = corr.columns.iter().position(|c| c == b)?;
        corr.matrix[i][j]
    };
    assert!(
        close(at("petal_length", "petal_width"), 0.9628654),
        "{:?}",
        at("petal_length", "petal_width")
    );
    assert!(close(at("sepal_length", "sepal_width"), -0.1175698));
    Ok(())
}

#[test]
fn penguins_missing_values_are_counted() -> Result<(), DataError> {
    let profile = profile_of("penguins.csv")?;
    let nulls: Vec<(&str, u64)> = profile
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.nulls))
        .collect();
    assert!(nulls.contains(&("sex", 11)), "{nulls:?}");
    assert!(nulls.contains(&("body_mass_g", 2)), "{nulls:?}");
    let mass = profile.columns.iter().find(|c| c.name == "body_mass_g");
    assert_eq!(
        mass.map(|c| (c.kind, c.count)),
        Some((ColumnKind::Integer, 342))
    );
    Ok(())
}

#[test]
fn penguins_categorical_columns_are_associated_as_scipy_says() -> Result<(), DataError> {
    let profile = profile_of("penguins.csv")?;
    let v = &profile.associations;
    assert_eq!(v.method, "cramers_v");
    assert_eq!(v.columns, ["species", "island", "sex"]);
    let at = |a: &str, b: &str| {
        let i = v.columns.iter().position(|c| c == a)?;
        let j = v.columns.iter().position(|c| c == b)?;
        v.matrix[i][j]
    };
    // scipy.stats.contingency.association(pandas.crosstab(d[a], d[b]), method="cramer")
    // on the same file (rows with a missing value left out, as crosstab does).
    for (a, b, expected) in [
        ("species", "island", 0.6598431008795325),
        ("species", "sex", 0.0120817001245789),
        ("island", "sex", 0.01315181039078428),
    ] {
        let got = at(a, b).ok_or(DataError::InvalidRequest(format!("no V for {a}, {b}")))?;
        assert!(
            (got - expected).abs() < 1e-9,
            "{a} × {b}: {got} against {expected}"
        );
        assert_eq!(at(b, a), Some(got));
    }
    assert_eq!(at("species", "species"), Some(1.0));
    Ok(())
}

#[test]
fn iso_dates_and_times_are_read_as_such_and_previewed_as_imported() -> Result<(), DataError> {
    let dir = tempfile::tempdir().map_err(|e| DataError::InvalidRequest(e.to_string()))?;
    let csv = dir.path().join("orders.csv");
    std::fs::write(
        &csv,
        "order;placed;shipped_at;amount\n1;2021-06-07;2021-06-08 10:15:00;12.5\n\
         2;2021-06-09;2021-06-10 08:00:00;7\n3;;;3.25\n",
    )
    .map_err(|e| DataError::InvalidRequest(e.to_string()))?;
    let source = prepare_import(&csv, &defaults(), &NoProgress)?;
    let snapshot = write_snapshot(&source, dir.path(), &NoProgress)?;
    let kinds: Vec<(String, ColumnKind)> = snapshot
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("order".to_string(), ColumnKind::Integer),
            ("placed".to_string(), ColumnKind::Date),
            ("shipped_at".to_string(), ColumnKind::Datetime),
            ("amount".to_string(), ColumnKind::Float),
        ]
    );
    // The dialog's preview reads the same: the dialect found, the types the import gives.
    let preview = preview_source(&csv, &defaults(), 2)?;
    assert_eq!(preview.delimiter.as_deref(), Some(";"));
    assert_eq!(preview.has_header, Some(true));
    assert_eq!(preview.table.rows.len(), 2);
    let previewed: Vec<ColumnKind> = preview.table.columns.iter().map(|c| c.kind).collect();
    assert_eq!(previewed, kinds.iter().map(|(_, k)| *k).collect::<Vec<_>>());
    // A type given for a column is the preview's too.
    let mut options = defaults();
    options
        .column_types
        .insert("placed".to_string(), ColumnKind::Text);
    let as_text = preview_source(&csv, &options, 2)?;
    assert_eq!(as_text.table.columns[1].kind, ColumnKind::Text);
    assert_eq!(as_text.table.rows[0][1], serde_json::json!("2021-06-07"));
    Ok(())
}
