//! Paging, sorting and filtering a snapshot, and SQL over several.

use datalab_data::{
    DataError, Filter, FilterOp, ImportOptions, NoProgress, PreviewRequest, SortOrder,
    prepare_import, preview_snapshot, query_snapshots, snapshot_file_name, split_conditions,
    write_snapshot,
};
use std::path::{Path, PathBuf};

fn snapshot(dir: &Path, asset: &str) -> Result<PathBuf, DataError> {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../assets/datasets")
        .join(asset);
    let source = prepare_import(&path, &ImportOptions::default(), &NoProgress)?;
    let snapshot = write_snapshot(&source, dir, &NoProgress)?;
    Ok(dir.join(snapshot_file_name(&snapshot.sha256)))
}

fn temp() -> Result<tempfile::TempDir, DataError> {
    tempfile::tempdir().map_err(|e| DataError::Write {
        path: "tmp".into(),
        source: e,
    })
}

#[test]
fn pages_sort_and_filter() -> Result<(), DataError> {
    let dir = temp()?;
    let penguins = snapshot(dir.path(), "penguins.csv")?;
    let request = PreviewRequest {
        offset: 0,
        limit: 5,
        sort: Some(("body_mass_g".into(), SortOrder::Descending)),
        filters: vec![
            Filter {
                column: "species".into(),
                op: FilterOp::Eq,
                value: Some("Adelie".into()),
            },
            Filter {
                column: "sex".into(),
                op: FilterOp::IsNotNull,
                value: None,
            },
        ],
        filter_text: String::new(),
    };
    let page = preview_snapshot(&penguins, &request)?;
    assert_eq!(page.total_rows, Some(146));
    assert_eq!(page.table.rows.len(), 5);
    let mass = page
        .table
        .columns
        .iter()
        .position(|c| c.name == "body_mass_g")
        .ok_or(DataError::Query("no column".into()))?;
    let masses: Vec<i64> = page
        .table
        .rows
        .iter()
        .filter_map(|r| r[mass].as_i64())
        .collect();
    assert_eq!(masses.first(), Some(&4775));
    assert!(masses.windows(2).all(|w| w[0] >= w[1]), "{masses:?}");

    let later = preview_snapshot(
        &penguins,
        &PreviewRequest {
            offset: 143,
            ..request.clone()
        },
    )?;
    assert_eq!(later.table.rows.len(), 3);
    assert!(!later.truncated);
    Ok(())
}

#[test]
fn bad_requests_say_what_is_wrong() -> Result<(), DataError> {
    let dir = temp()?;
    let iris = snapshot(dir.path(), "iris.csv")?;
    let request = |filters| PreviewRequest {
        offset: 0,
        limit: 5,
        sort: None,
        filters,
        filter_text: String::new(),
    };
    let unknown = preview_snapshot(
        &iris,
        &request(vec![Filter {
            column: "petal".into(),
            op: FilterOp::Gt,
            value: Some("1".into()),
        }]),
    );
    match unknown {
        Err(DataError::UnknownColumn { name, available }) => {
            assert_eq!(name, "petal");
            assert!(available.contains("petal_length"));
        }
        other => panic!("{other:?}"),
    }
    let not_a_number = preview_snapshot(
        &iris,
        &request(vec![Filter {
            column: "petal_length".into(),
            op: FilterOp::Gt,
            value: Some("long".into()),
        }]),
    );
    assert!(
        matches!(not_a_number, Err(DataError::InvalidRequest(m)) if m.contains("not a number"))
    );
    Ok(())
}

#[test]
fn sql_joins_datasets_and_limits_rows() -> Result<(), DataError> {
    let dir = temp()?;
    let tables = vec![
        ("iris".to_string(), snapshot(dir.path(), "iris.csv")?),
        (
            "penguins".to_string(),
            snapshot(dir.path(), "penguins.csv")?,
        ),
    ];
    let result = query_snapshots(
        &tables,
        "SELECT species, count(*) AS n FROM penguins GROUP BY species ORDER BY n DESC",
        100,
    )?;
    let rows: Vec<(String, i64)> = result
        .table
        .rows
        .iter()
        .filter_map(|r| Some((r[0].as_str()?.to_string(), r[1].as_i64()?)))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Adelie".into(), 152),
            ("Gentoo".into(), 124),
            ("Chinstrap".into(), 68)
        ]
    );

    let both = query_snapshots(
        &tables,
        "SELECT i.species FROM iris i CROSS JOIN penguins p",
        10,
    )?;
    assert_eq!(both.table.rows.len(), 10);
    assert!(both.truncated);

    match query_snapshots(&tables, "SELECT * FROM wine", 10) {
        Err(DataError::Query(message)) => assert!(message.contains("iris, penguins"), "{message}"),
        other => panic!("{other:?}"),
    }
    Ok(())
}

#[test]
fn conditions_are_read_as_people_write_them() -> Result<(), DataError> {
    let f = Filter::parse("bill_length_mm >= 40.5")?;
    assert_eq!(
        (f.column.as_str(), f.op, f.value.as_deref()),
        ("bill_length_mm", FilterOp::Ge, Some("40.5"))
    );
    let f = Filter::parse("species = 'Adelie'")?;
    assert_eq!((f.op, f.value.as_deref()), (FilterOp::Eq, Some("Adelie")));
    let f = Filter::parse("sex is not null")?;
    assert_eq!((f.column.as_str(), f.op), ("sex", FilterOp::IsNotNull));
    assert!(Filter::parse("nonsense").is_err());
    let all = Filter::parse_all("island = 'Biscoe and Dream' and body_mass_g > 4000; sex is null")?;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].value.as_deref(), Some("Biscoe and Dream"));
    assert_eq!(
        (all[1].column.as_str(), all[1].op),
        ("body_mass_g", FilterOp::Gt)
    );
    assert_eq!(all[2].op, FilterOp::IsNull);
    assert!(Filter::parse_all("  ")?.is_empty());
    Ok(())
}

#[test]
fn conditions_split_at_and_outside_quotes_and_at_semicolons_only_when_asked() {
    // MLflow's search filters: AND in any case, never inside quotes; no ';'.
    let parts = split_conditions("name LIKE 'R and D%' AND tags.team = 'a;b'", false);
    let parts: Vec<&str> = parts.iter().map(|p| p.trim()).collect();
    assert_eq!(parts, ["name LIKE 'R and D%'", "tags.team = 'a;b'"]);
    let parts = split_conditions("a = 1; b = 2 and c = \"x AND y\"", true);
    let parts: Vec<&str> = parts.iter().map(|p| p.trim()).collect();
    assert_eq!(parts, ["a = 1", "b = 2", "c = \"x AND y\""]);
    // A word that only starts with "and" is not a join.
    assert_eq!(split_conditions("brand = android", false).len(), 1);
}

#[test]
fn written_conditions_filter_a_page() -> Result<(), DataError> {
    let dir = temp()?;
    let penguins = snapshot(dir.path(), "penguins.csv")?;
    let request = |text: &str| PreviewRequest {
        offset: 0,
        limit: 500,
        sort: None,
        filters: Vec::new(),
        filter_text: text.to_string(),
    };
    let page = preview_snapshot(
        &penguins,
        &request("species = Gentoo and body_mass_g >= 5000"),
    )?;
    assert_eq!(page.total_rows, Some(67));
    let bad = preview_snapshot(&penguins, &request("body_mass_g 5000"));
    assert!(
        matches!(&bad, Err(DataError::InvalidRequest(m)) if m.contains("cannot read the condition")),
        "{bad:?}"
    );
    Ok(())
}
