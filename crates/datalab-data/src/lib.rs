//! Datasets: import from CSV/TSV, Parquet, NDJSON and JSON into immutable,
//! content-addressed Parquet snapshots; profiles; paged previews; SQL.
//!
//! This crate is the only one that knows polars. Everything it hands out is
//! plain serde data (`Table`, `DatasetProfile`, `ColumnSchema`): no polars
//! type crosses its boundary. It never touches the project database; the
//! caller records what it returns.

mod columns;
mod error;
mod files;
mod format;
mod import;
mod profile;
mod progress;
mod query;
mod scan;
mod sniff;
mod table;

pub use columns::{ColumnData, is_index_name, load_columns, row_index_columns};
pub use error::DataError;
pub use format::SourceFormat;
pub use import::{
    INCOMING_PREFIX, ImportOptions, ImportResult, NewSnapshot, ScannedSource, Snapshot,
    SourcePreview, import_file, prepare_import, preview_source, snapshot_file_name,
    snapshot_sha256_of, write_snapshot,
};
pub use profile::{
    ColumnProfile, Correlations, DatasetProfile, DistinctCount, Histogram, NumericSummary,
    ValueCount, profile_snapshot,
};
pub use progress::{NoProgress, Progress, Stage};
pub use query::{
    Filter, FilterOp, PreviewRequest, QueryOutput, SortOrder, preview_snapshot, query_snapshots,
    split_conditions,
};
pub use sniff::CsvDialect;
pub use table::{ColumnKind, ColumnSchema, Table};

/// Bumped whenever profiles computed by an older build should be recomputed.
pub const PROFILE_VERSION: &str = "datalab-profile-2";
