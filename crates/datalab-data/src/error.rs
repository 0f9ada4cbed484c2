//! Errors of the data layer. Each names the file and, where it applies, the
//! line, and says what the user can do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },

    #[error("{}: cannot read it: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: {what} is not a format Data Lab imports; use CSV/TSV, Parquet, NDJSON or a JSON array of objects", path.display())]
    UnsupportedFormat { path: PathBuf, what: String },

    #[error(
        "{}: is not a regular file (a pipe, a socket or a device), which would be read forever: \
         save what it streams to a file and import that",
        path.display()
    )]
    NotAFile { path: PathBuf },

    #[error(
        "{}: line {line} nests arrays and objects more than {limit} deep, more than Data Lab \
         reads (set DATALAB_MAX_JSON_DEPTH to raise the limit, or flatten the data)",
        path.display()
    )]
    TooDeep {
        path: PathBuf,
        line: u64,
        limit: usize,
    },

    #[error(
        "{}: the file is {encoding} text; Data Lab reads UTF-8: convert it first, e.g. \
         `iconv -f {iconv} -t UTF-8 FILE > FILE.utf8.csv`",
        path.display()
    )]
    Encoding {
        path: PathBuf,
        encoding: &'static str,
        iconv: &'static str,
    },

    #[error(
        "{}: its lines end with a carriage return alone (old Mac text), which would read as \
         one long row: convert them first, e.g. `tr '\\r' '\\n' < FILE > FILE.unix.csv`",
        path.display()
    )]
    CrLineEndings { path: PathBuf },

    #[error(
        "column '{name}' holds {what}: a feature holds numbers, text, booleans, dates or times; \
         leave it out of task.features"
    )]
    UnusableColumn { name: String, what: &'static str },

    #[error("{}: the file is empty", path.display())]
    Empty { path: PathBuf },

    #[error("{}: it has a header but no data rows", path.display())]
    NoRows { path: PathBuf },

    #[error("{}: this is not a text file (binary data at line {line}); import CSV/TSV, Parquet, NDJSON or JSON", path.display())]
    NotText { path: PathBuf, line: u64 },

    #[error("{}: line {line} is not valid UTF-8 text; convert the file to UTF-8 (for example `iconv -f latin1 -t utf-8`) and import it again", path.display())]
    NotUtf8 { path: PathBuf, line: u64 },

    #[error("{}: line {line} has {found} fields, but the header (line {header_line}) has {expected}; fix that row, or give the right --delimiter", path.display())]
    RaggedRow {
        path: PathBuf,
        line: u64,
        header_line: u64,
        expected: u64,
        found: u64,
    },

    #[error("{}: the quoted field that starts on line {line} is never closed; a quote (\") is missing", path.display())]
    UnclosedQuote { path: PathBuf, line: u64 },

    #[error("{}: line {line}: column '{column}' holds '{value}', which is not {expected} like the rows before it; \
             import the column as text with --type {column}=text, or treat '{value}' as missing with --null-value '{value}'",
            path.display())]
    MixedTypes {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        expected: String,
    },

    #[error("{}: not a readable Parquet file: {detail}", path.display())]
    BadParquet { path: PathBuf, detail: String },

    #[error("{}: not valid JSON{}: {detail}", path.display(), line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    BadJson {
        path: PathBuf,
        line: Option<u64>,
        detail: String,
    },

    #[error("{}: cannot import it: {detail}", path.display())]
    Unparsable { path: PathBuf, detail: String },

    #[error("no column named '{name}'; the columns are: {available}")]
    UnknownColumn { name: String, available: String },

    #[error("{0}")]
    InvalidRequest(String),

    #[error("SQL query failed: {0}")]
    Query(String),

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the snapshot {} is missing or damaged: {detail}; import the dataset again", path.display())]
    Snapshot { path: PathBuf, detail: String },

    #[error("cancelled")]
    Cancelled,
}

impl DataError {
    pub(crate) fn open(path: &std::path::Path, error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::NotFound {
            DataError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            DataError::Unreadable {
                path: path.to_path_buf(),
                source: error,
            }
        }
    }
}
