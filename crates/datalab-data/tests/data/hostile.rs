//! What the bad-input drills found, each a case that was read wrong (or
//! not at all) before: paths taken as globs, a key seen first after the
//! type-inference window, line endings, encodings, nesting deep enough to
//! overflow a parser, a pipe that would be read forever, polars' internal
//! messages, and a profile whose cost grew with the square of the columns.
//! Every refusal leaves nothing in the snapshot folder.

use datalab_data::{ColumnKind, DataError, ImportOptions, ImportResult, NoProgress, import_file};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn corpus(name: &str) -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../tests/corpus")
        .join(name)
}

/// Imports `path` (with `options`) into a fresh snapshot folder: the result,
/// after checking that a failure left that folder empty.
fn import(path: &Path, options: &ImportOptions) -> Result<datalab_data::NewSnapshot, DataError> {
    let dir = tempfile::tempdir().map_err(|e| DataError::InvalidRequest(e.to_string()))?;
    let result = import_file(path, options, dir.path(), &NoProgress, |_| {
        Ok::<Option<()>, DataError>(None)
    });
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    match result {
        Ok(ImportResult::Imported(new)) => Ok(*new),
        Ok(ImportResult::Known(())) => Err(DataError::InvalidRequest("known?".into())),
        Err(error) => {
            assert!(left.is_empty(), "a failed import left {left:?}");
            Err(error)
        }
    }
}

fn refused(path: &Path) -> DataError {
    match import(path, &ImportOptions::default()) {
        Ok(new) => panic!("{} imported as {:?}", path.display(), new.snapshot),
        Err(error) => error,
    }
}

#[test]
fn a_path_is_a_path_never_a_glob() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("sales2.csv"), "a,b\n1,2\n3,4\n5,6\n")?;
    std::fs::write(dir.path().join("sales[2024].csv"), "a,b\n7,8\n9,10\n")?;
    let imported = import(
        &dir.path().join("sales[2024].csv"),
        &ImportOptions::default(),
    )?;
    assert_eq!(imported.snapshot.rows, 2, "read another file's rows");
    // `*` is a character of a file name too.
    for name in ["report1.csv", "report2.csv", "report*.csv"] {
        std::fs::write(dir.path().join(name), "x\n1\n")?;
    }
    let one = import(&dir.path().join("report*.csv"), &ImportOptions::default())?;
    assert_eq!(one.snapshot.rows, 1, "read three files as one");
    // NDJSON and Parquet paths too.
    std::fs::write(
        dir.path().join("events2.ndjson"),
        "{\"a\": 1}\n{\"a\": 2}\n",
    )?;
    std::fs::write(dir.path().join("events[2].ndjson"), "{\"a\": 3}\n")?;
    let ndjson = import(
        &dir.path().join("events[2].ndjson"),
        &ImportOptions::default(),
    )?;
    assert_eq!(ndjson.snapshot.rows, 1);
    Ok(())
}

#[test]
fn every_key_of_an_ndjson_file_becomes_a_column() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("late.ndjson");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("{{\"id\": {i}, \"v\": {}}}\n", i % 7));
    }
    text.push_str("{\"id\": 20000, \"v\": 1, \"late\": \"here\"}\n");
    std::fs::write(&path, text)?;
    let imported = import(&path, &ImportOptions::default())?;
    assert_eq!(imported.snapshot.rows, 20_001);
    let late = imported
        .snapshot
        .columns
        .iter()
        .find(|c| c.name == "late")
        .ok_or("the key first seen on line 20,001 was dropped")?;
    assert_eq!(late.kind, ColumnKind::Text);
    Ok(())
}

#[test]
fn an_ndjson_value_that_does_not_fit_its_type_is_named_with_its_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("typed.ndjson");
    let mut text = String::new();
    for i in 1..=6 {
        text.push_str(&format!("{{\"id\": {i}, \"amount\": {}}}\n", i * 10));
    }
    text.push_str("{\"id\": 7, \"amount\": \"abc\"}\n");
    std::fs::write(&path, text)?;
    let options = ImportOptions {
        column_types: [("amount".to_string(), ColumnKind::Integer)].into(),
        ..ImportOptions::default()
    };
    match import(&path, &options) {
        Err(DataError::MixedTypes {
            line,
            column,
            value,
            ..
        }) => {
            assert_eq!((line, column.as_str()), (7, "amount"));
            assert!(value.contains("abc"), "{value}");
        }
        other => panic!("expected the line of the bad value, got {other:?}"),
    }
    let shapes = refused(&corpus("object_or_number.ndjson")).to_string();
    assert!(
        shapes.contains("line 3") && shapes.contains("'meta'") && shapes.contains("line 1"),
        "{shapes}"
    );
    Ok(())
}

#[test]
fn line_endings_and_encodings_it_cannot_read_are_named() {
    let cr = refused(&corpus("cr_only.csv")).to_string();
    assert!(
        cr.contains("carriage return") && cr.contains("tr '"),
        "{cr}"
    );
    for (file, encoding) in [
        ("utf16le_bom.csv", "UTF-16 (little-endian)"),
        ("utf16be.csv", "UTF-16 (big-endian)"),
        ("utf32le_bom.csv", "UTF-32 (little-endian)"),
    ] {
        let message = refused(&corpus(file)).to_string();
        assert!(
            message.contains(encoding) && message.contains("iconv"),
            "{file}: {message}"
        );
    }
}

#[test]
fn deep_nesting_is_refused_before_any_parser_recurses() {
    let started = Instant::now();
    let error = refused(&corpus("deep.json"));
    assert!(
        matches!(error, DataError::TooDeep { limit: 64, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("DATALAB_MAX_JSON_DEPTH"));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn json_errors_say_what_is_wrong_in_words() {
    let message = refused(&corpus("cut_short.json")).to_string();
    assert!(
        !message.contains("TapeError") && !message.contains("InternalError"),
        "{message}"
    );
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn a_pipe_is_refused_instead_of_read_forever() -> TestResult {
    let dir = tempfile::tempdir()?;
    let fifo = dir.path().join("stream.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status()?;
    assert!(made.success());
    let started = Instant::now();
    let error = refused(&fifo);
    assert!(matches!(error, DataError::NotAFile { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    Ok(())
}

/// A table `columns` wide and 50 rows long, half numbers and half text.
fn wide(dir: &Path, columns: usize) -> Result<PathBuf, std::io::Error> {
    let path = dir.join(format!("wide{columns}.csv"));
    let mut text: String = (0..columns).map(|i| format!("c{i},")).collect();
    text.pop();
    text.push('\n');
    for row in 0..50 {
        let line: Vec<String> = (0..columns)
            .map(|i| {
                if i % 2 == 0 {
                    format!("{}", (row * 31 + i) % 97)
                } else {
                    format!("t{}", (row + i) % 5)
                }
            })
            .collect();
        text.push_str(&line.join(","));
        text.push('\n');
    }
    std::fs::write(&path, text)?;
    Ok(path)
}

#[test]
fn a_wide_table_imports_in_time_linear_in_its_cells() -> TestResult {
    let dir = tempfile::tempdir()?;
    let narrow = wide(dir.path(), 500)?;
    let broad = wide(dir.path(), 2_000)?;
    let time = |path: &Path| -> Result<Duration, Box<dyn std::error::Error>> {
        let started = Instant::now();
        let imported = import(path, &ImportOptions::default())?;
        assert_eq!(
            imported.profile.columns.len(),
            imported.snapshot.columns.len()
        );
        Ok(started.elapsed())
    };
    // Once each to warm up, then measured.
    time(&narrow)?;
    let (small, large) = (time(&narrow)?, time(&broad)?);
    // Four times the columns: about four times the time. The square would be
    // sixteen; the bound is generous, not a benchmark.
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-3);
    assert!(
        ratio < 9.0,
        "500 columns took {small:?}, 2,000 took {large:?} ({ratio:.1}×)"
    );
    Ok(())
}
