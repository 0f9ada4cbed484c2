//! Paging, sorting and filtering a snapshot, and SQL over several.

use datalab_data::{
    DataError, Filter, FilterOp, ImportOptions, NoProgress, PreviewRequest, SortOrder,
    prepare_import, preview_snapshot, query_snapshots, snapshot_file_name, write_snapshot,
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
