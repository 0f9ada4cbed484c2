//! Files as polars reads them, in one place: a path is a path. polars
//! expands `*`, `?` and `[...]` in the paths it scans by default, so a file
//! named `sales[2024].csv` would read `sales2.csv` and `report*.csv` three
//! files as one; every scan here turns that off.

use polars::prelude::*;
use std::path::Path;

/// A path as polars takes it.
pub(crate) fn pl_path(path: &Path) -> PlRefPath {
    PlRefPath::from(path.to_string_lossy().as_ref())
}

/// One Parquet file, scanned lazily (never a glob).
pub(crate) fn scan_parquet_file(path: &Path) -> PolarsResult<LazyFrame> {
    LazyFrame::scan_parquet(
        pl_path(path),
        ScanArgsParquet {
            glob: false,
            ..ScanArgsParquet::default()
        },
    )
}

/// One NDJSON file, as a reader to configure (never a glob: polars' NDJSON
/// reader always expands paths, so it is handed the open file).
pub(crate) fn ndjson_file(path: &Path) -> PolarsResult<LazyJsonLineReader> {
    let file = std::fs::File::open(path)?;
    Ok(LazyJsonLineReader::new_with_sources(ScanSources::Files(
        Arc::from([file]),
    )))
}

/// One CSV file, as a reader to configure (never a glob).
pub(crate) fn csv_file(path: &Path) -> LazyCsvReader {
    LazyCsvReader::new(pl_path(path)).with_glob(false)
}
