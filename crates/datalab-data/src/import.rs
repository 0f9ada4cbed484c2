//! Import: a source file becomes an immutable Parquet snapshot named by the
//! SHA-256 of its content.
//!
//! Two steps, so the caller can recognise a file imported before without
//! converting it again: [`prepare_import`] reads the source once (format,
//! dialect, hash, structure), then [`write_snapshot`] converts it with polars'
//! streaming engine, so a file larger than memory never has to fit in it.
//! The snapshot is written under a temporary name and renamed into place;
//! on any error nothing is left behind.

use crate::error::DataError;
use crate::format::{self, SourceFormat};
use crate::profile::DatasetProfile;
use crate::progress::{Progress, Stage};
use crate::scan::{self, SourceDigest};
use crate::sniff::{self, CsvDialect};
use crate::table::{ColumnKind, ColumnSchema, schema_of};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Strings read as missing values unless the user says otherwise (pandas' list, in short).
pub const DEFAULT_NULL_VALUES: &[&str] = &[
    "", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "#N/A",
];

const DEFAULT_INFER_ROWS: usize = 10_000;
const SNIFF_BYTES: usize = 64 << 10;

/// What the user may say about a source; anything left out is detected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ImportOptions {
    pub format: Option<SourceFormat>,
    /// One character, such as `,`, `;`, `|`, or `\t` for a tab.
    pub delimiter: Option<String>,
    /// One character, or an empty string for no quoting at all.
    pub quote: Option<String>,
    pub has_header: Option<bool>,
    /// Strings read as missing values; replaces the default list when given.
    pub null_values: Option<Vec<String>>,
    /// Columns whose type is given instead of inferred.
    pub column_types: BTreeMap<String, ColumnKind>,
    /// How many rows to look at when inferring column types (all when 0).
    pub infer_schema_rows: Option<usize>,
}

/// The options as they were resolved for a file: with the dialect detected.
/// Serialised canonically, it tells two imports of one file apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ResolvedOptions {
    format: SourceFormat,
    dialect: Option<CsvDialect>,
    null_values: Vec<String>,
    column_types: BTreeMap<String, ColumnKind>,
    infer_schema_rows: usize,
    /// ISO dates and date-times in text are read as dates (absent in the
    /// options of imports made before they were: those read them as text, so
    /// the same file imported now is a new import).
    #[serde(default)]
    dates: bool,
}

/// A source file read once and understood, ready to be converted.
#[derive(Debug, Clone)]
pub struct ScannedSource {
    pub path: PathBuf,
    pub format: SourceFormat,
    pub sha256: String,
    pub bytes: u64,
    /// For delimited text, the dialect used.
    pub dialect: Option<CsvDialect>,
    resolved: ResolvedOptions,
}

impl ScannedSource {
    /// The resolved options as canonical JSON, stored with the dataset.
    pub fn options_key(&self) -> String {
        serde_json::to_string(&self.resolved).unwrap_or_default()
    }
}

/// The first rows of a source as an import with the same options would read
/// them, and how it would read them: what an import dialog shows before
/// anything is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SourcePreview {
    pub format: SourceFormat,
    /// Delimited text's dialect, detected unless given: the delimiter and the
    /// quote as text (`\t` for a tab; an empty quote: none), and the header.
    pub delimiter: Option<String>,
    pub quote: Option<String>,
    pub has_header: Option<bool>,
    /// The strings read as missing values.
    pub null_values: Vec<String>,
    /// The first rows, each column with the type it will have.
    pub table: crate::table::Table,
}

/// Reads the first `rows` rows of `path` as [`import_file`] would with
/// `options` (the same detection, dialect, missing values, types and
/// inference window). Nothing is written; the file is not hashed.
pub fn preview_source(
    path: &Path,
    options: &ImportOptions,
    rows: usize,
) -> Result<SourcePreview, DataError> {
    let plan = plan(path, options)?;
    let unreadable = |e: PolarsError| DataError::Unparsable {
        path: path.to_path_buf(),
        detail: first_line(&e.to_string()),
    };
    let frame = match plan.format {
        SourceFormat::Csv => csv_reader(&plan)
            .and_then(|lazy| lazy.limit(rows as IdxSize).collect())
            .map_err(unreadable)?,
        SourceFormat::Ndjson => ndjson_reader(&plan)
            .and_then(|lazy| lazy.limit(rows as IdxSize).collect())
            .map_err(unreadable)?,
        SourceFormat::Json => read_json_array(&plan.path, &plan.resolved)
            .map(|frame| frame.head(Some(rows)))
            .map_err(unreadable)?,
        SourceFormat::Parquet => crate::files::scan_parquet_file(&plan.path)
            .and_then(|lazy| lazy.limit(rows as IdxSize).collect())
            .map_err(unreadable)?,
    };
    let text = |byte: u8| {
        if byte == b'\t' {
            "\\t".to_string()
        } else {
            (byte as char).to_string()
        }
    };
    Ok(SourcePreview {
        format: plan.format,
        delimiter: plan.dialect.as_ref().map(|d| text(d.delimiter)),
        quote: plan
            .dialect
            .as_ref()
            .map(|d| d.quote.map(text).unwrap_or_default()),
        has_header: plan.dialect.as_ref().map(|d| d.has_header),
        null_values: plan.resolved.null_values.clone(),
        table: crate::table::Table::from_frame(&frame),
    })
}

/// A snapshot in place under the snapshot folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub sha256: String,
    pub bytes: u64,
    pub rows: u64,
    pub columns: Vec<ColumnSchema>,
}

/// The file name of the snapshot with this content hash.
pub fn snapshot_file_name(sha256: &str) -> String {
    format!("{sha256}.parquet")
}

/// The content hash a snapshot file is named by, if `file_name` is one.
pub fn snapshot_sha256_of(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".parquet")
        .filter(|sha| sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn parse_char(what: &str, value: &str) -> Result<u8, DataError> {
    let value = match value {
        "\\t" | "tab" | "TAB" => "\t",
        other => other,
    };
    match value.as_bytes() {
        [byte] if byte.is_ascii() && *byte != b'\n' && *byte != b'\r' => Ok(*byte),
        _ => Err(DataError::InvalidRequest(format!(
            "the {what} must be one ASCII character (or \\t for a tab), not '{value}'"
        ))),
    }
}

/// A source understood from its first bytes, before the full pass.
#[derive(Clone)]
struct Plan {
    path: PathBuf,
    format: SourceFormat,
    bytes: u64,
    dialect: Option<CsvDialect>,
    resolved: ResolvedOptions,
}

fn plan(path: &Path, options: &ImportOptions) -> Result<Plan, DataError> {
    let metadata = std::fs::metadata(path).map_err(|e| DataError::open(path, e))?;
    if metadata.is_dir() {
        return Err(DataError::UnsupportedFormat {
            path: path.to_path_buf(),
            what: "a folder".into(),
        });
    }
    // A pipe, a socket or a device would be read forever (or block): only files.
    if !metadata.is_file() {
        return Err(DataError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let head = read_head(path)?;
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    if text.iter().all(|b| b.is_ascii_whitespace()) && (metadata.len() as usize) <= head.len() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    let format = match options.format {
        Some(format) => format,
        None => format::detect(path, &head)?,
    };
    let dialect = match format {
        SourceFormat::Csv => {
            let delimiter = options
                .delimiter
                .as_deref()
                .map(|d| parse_char("delimiter", d))
                .transpose()?;
            let quote = match options.quote.as_deref() {
                None => None,
                Some("") | Some("none") => Some(None),
                Some(q) => Some(Some(parse_char("quote character", q)?)),
            };
            let complete = (metadata.len() as usize) <= head.len();
            Some(sniff::sniff(
                &head,
                complete,
                delimiter,
                quote,
                options.has_header,
            ))
        }
        _ => None,
    };
    if format != SourceFormat::Parquet {
        if let Some((encoding, iconv)) = wide_encoding(&head) {
            return Err(DataError::Encoding {
                path: path.to_path_buf(),
                encoding,
                iconv,
            });
        }
        if format == SourceFormat::Csv && head.contains(&b'\r') && !head.contains(&b'\n') {
            return Err(DataError::CrLineEndings {
                path: path.to_path_buf(),
            });
        }
    }
    if format != SourceFormat::Parquet && head.iter().take(8192).any(|&b| b == 0) {
        let line = 1 + head
            .iter()
            .take_while(|&&b| b != 0)
            .filter(|&&b| b == b'\n')
            .count() as u64;
        return Err(DataError::NotText {
            path: path.to_path_buf(),
            line,
        });
    }
    let resolved = ResolvedOptions {
        format,
        dialect: dialect.clone(),
        null_values: options
            .null_values
            .clone()
            .unwrap_or_else(|| DEFAULT_NULL_VALUES.iter().map(|s| s.to_string()).collect()),
        column_types: options.column_types.clone(),
        // JSON's keys can first appear anywhere: its schema comes from every row
        // (a key seen first on line 50,000 is a column too), CSV's from a window.
        infer_schema_rows: options.infer_schema_rows.unwrap_or(match format {
            SourceFormat::Json | SourceFormat::Ndjson => 0,
            _ => DEFAULT_INFER_ROWS,
        }),
        dates: format == SourceFormat::Csv,
    };
    Ok(Plan {
        path: path.to_path_buf(),
        format,
        bytes: metadata.len(),
        dialect,
        resolved,
    })
}

/// UTF-16 or UTF-32 text, by its byte order mark or, without one, by the
/// zero bytes every other (or three in four) byte of ASCII text leaves.
fn wide_encoding(head: &[u8]) -> Option<(&'static str, &'static str)> {
    match head {
        [0xFF, 0xFE, 0, 0, ..] => return Some(("UTF-32 (little-endian)", "UTF-32LE")),
        [0, 0, 0xFE, 0xFF, ..] => return Some(("UTF-32 (big-endian)", "UTF-32BE")),
        [0xFF, 0xFE, ..] => return Some(("UTF-16 (little-endian)", "UTF-16LE")),
        [0xFE, 0xFF, ..] => return Some(("UTF-16 (big-endian)", "UTF-16BE")),
        _ => {}
    }
    let sample = &head[..head.len().min(4096) & !3];
    if sample.len() < 16 {
        return None;
    }
    let zero_at = |offset: usize, step: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(step)
            .filter(|&&b| b == 0)
            .count()
            * step
            >= sample.len() * 9 / 10
    };
    let zeros = sample.iter().filter(|&&b| b == 0).count();
    if zeros * 4 >= sample.len() * 3 * 9 / 10 && zero_at(1, 4) && zero_at(2, 4) && zero_at(3, 4) {
        return Some(("UTF-32 (little-endian)", "UTF-32LE"));
    }
    if zero_at(1, 2) && !zero_at(0, 2) {
        return Some(("UTF-16 (little-endian)", "UTF-16LE"));
    }
    if zero_at(0, 2) && !zero_at(1, 2) {
        return Some(("UTF-16 (big-endian)", "UTF-16BE"));
    }
    None
}

/// The full pass over the source (hash and structure), completing the plan.
fn digest(plan: &Plan, progress: &dyn Progress) -> Result<ScannedSource, DataError> {
    let SourceDigest {
        sha256,
        bytes,
        records,
    } = scan::digest_file(
        &plan.path,
        plan.dialect.as_ref(),
        matches!(plan.format, SourceFormat::Json | SourceFormat::Ndjson),
        progress,
    )?;
    if let (Some(dialect), Some(records)) = (&plan.dialect, records) {
        if records == 0 {
            return Err(DataError::Empty {
                path: plan.path.clone(),
            });
        }
        if dialect.has_header && records == 1 {
            return Err(DataError::NoRows {
                path: plan.path.clone(),
            });
        }
    }
    Ok(ScannedSource {
        path: plan.path.clone(),
        format: plan.format,
        sha256,
        bytes,
        dialect: plan.dialect.clone(),
        resolved: plan.resolved.clone(),
    })
}

/// Reads `path` once: detects its format and dialect, hashes it and checks
/// its structure. Nothing is written.
pub fn prepare_import(
    path: &Path,
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ScannedSource, DataError> {
    digest(&plan(path, options)?, progress)
}

/// Sources up to this size are read into memory while the structure pass
/// runs beside them, and profiled from memory; larger ones are streamed.
const IN_MEMORY_BYTES: u64 = 1 << 30;

/// What [`import_file`] did.
#[derive(Debug)]
pub enum ImportResult<T> {
    /// The caller already knew this source (same bytes, same options):
    /// nothing was written.
    Known(T),
    /// A new snapshot is in place, with its profile.
    Imported(Box<NewSnapshot>),
}

/// A snapshot just written, what it came from, and its profile.
#[derive(Debug)]
pub struct NewSnapshot {
    pub source: ScannedSource,
    pub snapshot: Snapshot,
    pub profile: DatasetProfile,
}

/// Imports `path` into a snapshot in `snapshot_dir` and profiles it.
///
/// `known` is asked, once the source is hashed, whether the caller has it
/// already; if it answers `Some`, nothing is written. On error nothing is
/// left in `snapshot_dir`.
pub fn import_file<T, E: From<DataError>>(
    path: &Path,
    options: &ImportOptions,
    snapshot_dir: &Path,
    progress: &dyn Progress,
    mut known: impl FnMut(&ScannedSource) -> Result<Option<T>, E>,
) -> Result<ImportResult<T>, E> {
    let plan = plan(path, options)?;
    if plan.bytes > IN_MEMORY_BYTES {
        let source = digest(&plan, progress)?;
        if let Some(existing) = known(&source)? {
            return Ok(ImportResult::Known(existing));
        }
        let (snapshot, placed) = stream_snapshot(&source, snapshot_dir, progress)?;
        let profile = match crate::profile::profile_snapshot(&placed.path, progress) {
            Ok(profile) => profile,
            Err(error) => {
                placed.undo();
                return Err(error.into());
            }
        };
        return Ok(ImportResult::Imported(Box::new(NewSnapshot {
            source,
            snapshot,
            profile,
        })));
    }
    // Both passes read the file; running them side by side hides one behind
    // the other. polars' read cannot be interrupted: a cancel stops waiting
    // for it (it finishes on its own thread, and its frame is dropped).
    // JSON is checked first (its nesting, before a recursive parser sees it).
    let checked_first = matches!(plan.format, SourceFormat::Json | SourceFormat::Ndjson);
    let early = checked_first.then(|| digest(&plan, progress)).transpose()?;
    let (sender, frame) = std::sync::mpsc::channel();
    let reading = plan.clone();
    std::thread::Builder::new()
        .name("datalab-read".into())
        .spawn(move || {
            let _ = sender.send(read_frame(&reading));
        })
        .map_err(|e| DataError::Unparsable {
            path: plan.path.clone(),
            detail: format!("no thread could be started to read it: {e}"),
        })?;
    let source = match early {
        Some(source) => source,
        None => digest(&plan, progress)?,
    };
    if let Some(existing) = known(&source)? {
        return Ok(ImportResult::Known(existing));
    }
    let frame = loop {
        match frame.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(frame) => break frame,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if progress.cancelled() => {
                return Err(DataError::Cancelled.into());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(DataError::Unparsable {
                    path: plan.path.clone(),
                    detail: "reading it stopped unexpectedly".into(),
                }
                .into());
            }
        }
    };
    let mut frame = frame.map_err(|e| explain(&source, e))?;
    // One chunk per column: faster to write and to profile than the reader's many.
    frame.rechunk_mut_par();
    if progress.cancelled() {
        return Err(DataError::Cancelled.into());
    }
    progress.report(Stage::Converting, 0, source.bytes);
    let fail = |e: PolarsError| DataError::Unparsable {
        path: source.path.clone(),
        detail: first_line(&e.to_string()),
    };
    // Writing and profiling only read the frame: let them share the cores.
    let (written, profiled) = std::thread::scope(|scope| {
        let copy = frame.clone();
        let writer = scope.spawn(move || write_frame(copy, snapshot_dir));
        let profiled = crate::profile::profile_frame(frame, 0, progress, &fail);
        let written = writer.join().unwrap_or_else(|_| {
            Err(DataError::Unparsable {
                path: source.path.clone(),
                detail: "writing the snapshot stopped unexpectedly".into(),
            })
        });
        (written, profiled)
    });
    let (snapshot, placed) = written?;
    match profiled {
        Ok(mut profile) => {
            profile.snapshot_bytes = snapshot.bytes;
            Ok(ImportResult::Imported(Box::new(NewSnapshot {
                source,
                snapshot,
                profile,
            })))
        }
        Err(error) => {
            placed.undo();
            Err(error.into())
        }
    }
}

/// The whole source as a frame, parsed with the plan's options.
fn read_frame(plan: &Plan) -> PolarsResult<DataFrame> {
    let resolved = &plan.resolved;
    match plan.format {
        SourceFormat::Csv => csv_reader(plan)?.collect(),
        SourceFormat::Ndjson => ndjson_reader(plan)?.collect(),
        SourceFormat::Json => read_json_array(&plan.path, resolved),
        SourceFormat::Parquet => crate::files::scan_parquet_file(&plan.path)?.collect(),
    }
}

/// Writes a frame as a snapshot (temporary name, hash, rename).
fn write_frame(frame: DataFrame, snapshot_dir: &Path) -> Result<(Snapshot, Placed), DataError> {
    let temp = incoming_file(snapshot_dir)?;
    let write_error = |e: PolarsError| DataError::Write {
        path: temp.to_path_buf(),
        source: std::io::Error::other(first_line(&e.to_string())),
    };
    // The streaming sink encodes columns in parallel: about twice as fast as ParquetWriter.
    parquet_sink(frame.clone().lazy(), &temp).map_err(write_error)?;
    let rows = frame.height() as u64;
    let columns = schema_of(frame.schema());
    let digest = scan::digest_file(&temp, None, false, &crate::progress::NoProgress)?;
    let placed = place(temp, snapshot_dir, &digest.sha256)?;
    Ok((
        Snapshot {
            sha256: digest.sha256,
            bytes: digest.bytes,
            rows,
            columns,
        },
        placed,
    ))
}

fn read_head(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::open(path, e))?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| DataError::open(path, e))?;
    Ok(head)
}

use crate::files::pl_path;

fn overrides(resolved: &ResolvedOptions) -> Option<SchemaRef> {
    if resolved.column_types.is_empty() {
        return None;
    }
    let schema: Schema = resolved
        .column_types
        .iter()
        .map(|(name, kind)| Field::new(name.as_str().into(), kind.polars_type()))
        .collect();
    Some(Arc::new(schema))
}

/// A temporary file for a snapshot being written, in the snapshot folder
/// itself so the final rename cannot cross file systems. Removed when
/// dropped unless placed.
fn incoming_file(snapshot_dir: &Path) -> Result<tempfile::TempPath, DataError> {
    std::fs::create_dir_all(snapshot_dir).map_err(|e| DataError::Write {
        path: snapshot_dir.to_path_buf(),
        source: e,
    })?;
    sweep_abandoned(snapshot_dir);
    Ok(tempfile::Builder::new()
        .prefix(INCOMING_PREFIX)
        .suffix(".parquet")
        .tempfile_in(snapshot_dir)
        .map_err(|e| DataError::Write {
            path: snapshot_dir.to_path_buf(),
            source: e,
        })?
        .into_temp_path())
}

/// A snapshot file this import put in place, or found there already.
#[derive(Debug)]
struct Placed {
    path: PathBuf,
    /// False when the same content was already there (another dataset's).
    created: bool,
}

impl Placed {
    /// Undoes the placing, leaving a file that was there before alone.
    fn undo(&self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Moves a finished temporary snapshot to its content-addressed name.
fn place(temp: tempfile::TempPath, snapshot_dir: &Path, sha256: &str) -> Result<Placed, DataError> {
    let path = snapshot_dir.join(snapshot_file_name(sha256));
    if path.exists() {
        drop(temp);
        return Ok(Placed {
            path,
            created: false,
        });
    }
    temp.persist(&path).map_err(|e| DataError::Write {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(Placed {
        path,
        created: true,
    })
}

/// Converts a scanned source into a snapshot in `snapshot_dir` with polars'
/// streaming engine: the source never has to fit in memory.
pub fn write_snapshot(
    source: &ScannedSource,
    snapshot_dir: &Path,
    progress: &dyn Progress,
) -> Result<Snapshot, DataError> {
    stream_snapshot(source, snapshot_dir, progress).map(|(snapshot, _)| snapshot)
}

fn stream_snapshot(
    source: &ScannedSource,
    snapshot_dir: &Path,
    progress: &dyn Progress,
) -> Result<(Snapshot, Placed), DataError> {
    if progress.cancelled() {
        return Err(DataError::Cancelled);
    }
    progress.report(Stage::Converting, 0, source.bytes);
    let temp = incoming_file(snapshot_dir)?;
    convert(source, &temp).map_err(|e| explain(source, e))?;
    if progress.cancelled() {
        return Err(DataError::Cancelled);
    }
    let snapshot = describe_snapshot(&temp)?;
    let digest = scan::digest_file(&temp, None, false, &crate::progress::NoProgress)?;
    let placed = place(temp, snapshot_dir, &digest.sha256)?;
    progress.report(Stage::Converting, source.bytes, source.bytes);
    Ok((
        Snapshot {
            sha256: digest.sha256,
            bytes: digest.bytes,
            ..snapshot
        },
        placed,
    ))
}

/// How the name of a snapshot being written starts (in `datasets/`).
pub const INCOMING_PREFIX: &str = ".incoming-";
/// A temporary snapshot this old belongs to an import that was killed.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Removes temporary snapshots left by imports that were killed (a normal
/// failure removes its own). Young ones may belong to an import running now.
fn sweep_abandoned(snapshot_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(snapshot_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_incoming = entry
            .file_name()
            .to_string_lossy()
            .starts_with(INCOMING_PREFIX);
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if is_incoming && age.is_some_and(|age| age > ABANDONED_AFTER) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn parquet_sink(lazy: LazyFrame, out: &Path) -> PolarsResult<()> {
    lazy.sink(
        SinkDestination::File {
            target: SinkTarget::Path(pl_path(out)),
        },
        FileWriteFormat::Parquet(Arc::new(ParquetWriteOptions::default())),
        UnifiedSinkArgs::default(),
    )?
    .collect_with_engine(Engine::Streaming)?;
    Ok(())
}

fn csv_reader(plan: &Plan) -> PolarsResult<LazyFrame> {
    let resolved = &plan.resolved;
    let dialect = plan.dialect.clone().unwrap_or(CsvDialect {
        delimiter: b',',
        quote: Some(b'"'),
        has_header: true,
    });
    let nulls = NullValues::AllColumns(
        resolved
            .null_values
            .iter()
            .map(|s| s.as_str().into())
            .collect(),
    );
    let infer = match resolved.infer_schema_rows {
        0 => None,
        n => Some(n),
    };
    crate::files::csv_file(&plan.path)
        .with_separator(dialect.delimiter)
        .with_quote_char(dialect.quote)
        .with_has_header(dialect.has_header)
        .with_null_values(Some(nulls))
        .with_infer_schema_length(infer)
        .with_dtype_overwrite(overrides(resolved))
        .with_try_parse_dates(resolved.dates)
        .with_truncate_ragged_lines(false)
        .with_raise_if_empty(true)
        .finish()
}

fn ndjson_reader(plan: &Plan) -> PolarsResult<LazyFrame> {
    let infer = std::num::NonZeroUsize::new(plan.resolved.infer_schema_rows);
    crate::files::ndjson_file(&plan.path)?
        .with_infer_schema_length(infer)
        .with_schema_overwrite(overrides(&plan.resolved))
        .finish()
}

fn read_json_array(path: &Path, resolved: &ResolvedOptions) -> PolarsResult<DataFrame> {
    let file = std::fs::File::open(path)?;
    let infer = std::num::NonZeroUsize::new(resolved.infer_schema_rows);
    let mut frame = JsonReader::new(file)
        .with_json_format(JsonFormat::Json)
        .infer_schema_len(infer)
        .finish()?;
    if let Some(schema) = overrides(resolved) {
        for (name, dtype) in schema.iter() {
            if let Some(column) = frame.column(name).ok().cloned() {
                frame.with_column(column.cast(dtype)?)?;
            }
        }
    }
    Ok(frame)
}

fn convert(source: &ScannedSource, out: &Path) -> PolarsResult<()> {
    let plan = Plan {
        path: source.path.clone(),
        format: source.format,
        bytes: source.bytes,
        dialect: source.dialect.clone(),
        resolved: source.resolved.clone(),
    };
    match source.format {
        SourceFormat::Csv => parquet_sink(csv_reader(&plan)?, out),
        SourceFormat::Ndjson => parquet_sink(ndjson_reader(&plan)?, out),
        SourceFormat::Json => {
            // polars has no streaming reader for a JSON array: it is read whole.
            let mut frame = read_json_array(&source.path, &source.resolved)?;
            let mut file = std::fs::File::create(out)?;
            ParquetWriter::new(&mut file).finish(&mut frame)?;
            Ok(())
        }
        SourceFormat::Parquet => {
            // Re-encoding reads every page, so a damaged file is caught now.
            let lazy = crate::files::scan_parquet_file(&source.path)?;
            parquet_sink(lazy, out)
        }
    }
}

/// Rows and columns of a written snapshot (from its footer).
pub(crate) fn describe_snapshot(path: &Path) -> Result<Snapshot, DataError> {
    let damaged = |e: PolarsError| DataError::Snapshot {
        path: path.to_path_buf(),
        detail: first_line(&e.to_string()),
    };
    let mut lazy = crate::files::scan_parquet_file(path).map_err(damaged)?;
    let schema = lazy.collect_schema().map_err(damaged)?;
    let rows = lazy
        .select([len().alias("rows")])
        .collect()
        .map_err(damaged)?
        .column("rows")
        .and_then(|c| c.get(0))
        .map_err(damaged)?
        .extract::<u64>()
        .unwrap_or(0);
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(Snapshot {
        sha256: String::new(),
        bytes,
        rows,
        columns: schema_of(&schema),
    })
}

pub(crate) fn first_line(message: &str) -> String {
    message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .to_string()
}

/// Turns a polars failure into a message about the user's file.
fn explain(source: &ScannedSource, error: PolarsError) -> DataError {
    let message = error.to_string();
    let path = source.path.clone();
    match source.format {
        SourceFormat::Csv => {
            if let Some((value, dtype, column)) = parse_failure(&message) {
                let line = source
                    .dialect
                    .as_ref()
                    .and_then(|d| {
                        scan::line_of_value(&path, d, &column, &value)
                            .ok()
                            .flatten()
                    })
                    .unwrap_or(0);
                return DataError::MixedTypes {
                    path,
                    line,
                    column,
                    value,
                    expected: describe_dtype(&dtype),
                };
            }
            DataError::Unparsable {
                path,
                detail: first_line(&message),
            }
        }
        SourceFormat::Parquet => DataError::BadParquet {
            path,
            detail: first_line(&message),
        },
        SourceFormat::Json | SourceFormat::Ndjson => {
            match diagnose_json(&source.path, source.format, &source.resolved.column_types) {
                Some(JsonProblem::Mismatch {
                    line,
                    column,
                    value,
                    expected,
                }) => DataError::MixedTypes {
                    path,
                    line,
                    column,
                    value,
                    expected,
                },
                Some(JsonProblem::At { line, detail }) => DataError::BadJson {
                    path,
                    line: Some(line),
                    detail,
                },
                // Never polars' internals (`InternalError(TapeError)`): say what it means.
                None => DataError::BadJson {
                    path,
                    line: None,
                    detail: readable_json_error(&message),
                },
            }
        }
    }
}

/// polars' JSON error, in words a person can act on.
fn readable_json_error(message: &str) -> String {
    let first = first_line(message);
    if first.contains("TapeError") || first.contains("InternalError") {
        "the file is not well-formed JSON (an unclosed bracket or string, or a stray character)"
            .into()
    } else {
        first
    }
}

fn describe_dtype(dtype: &str) -> String {
    match dtype {
        "i64" | "i32" | "u64" | "u32" => "a whole number".into(),
        "f64" | "f32" => "a number".into(),
        "bool" => "true or false".into(),
        "date" => "a date".into(),
        other if other.starts_with("datetime") => "a date and time".into(),
        other => format!("of type {other}"),
    }
}

/// Picks value, dtype and column out of polars' "could not parse `v` as dtype `t` at column 'c'".
fn parse_failure(message: &str) -> Option<(String, String, String)> {
    let rest = message.split("could not parse `").nth(1)?;
    let (value, rest) = rest.split_once("` as dtype `")?;
    let (dtype, rest) = rest.split_once("` at column '")?;
    let (column, _) = rest.split_once("' (column number")?;
    Some((value.to_string(), dtype.to_string(), column.to_string()))
}

/// The line of the first JSON syntax error, found with serde_json (only on the error path).
/// What is wrong in a JSON source, found by reading it again record by record.
enum JsonProblem {
    /// A value that does not fit the type asked for its column.
    Mismatch {
        line: u64,
        column: String,
        value: String,
        expected: String,
    },
    /// A line that is not valid JSON, or a key whose values cannot share a column.
    At { line: u64, detail: String },
}

/// The shape of a JSON value, for telling which values can share a column.
fn shape(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Object(_) => "an object",
        serde_json::Value::Array(_) => "a list",
        _ => "a value",
    }
}

/// Whether `value` can be read as `kind` (null always can).
fn fits(value: &serde_json::Value, kind: ColumnKind) -> bool {
    use serde_json::Value;
    match (kind, value) {
        (_, Value::Null) => true,
        (ColumnKind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (ColumnKind::Float, Value::Number(_)) => true,
        (ColumnKind::Boolean, Value::Bool(_)) => true,
        (ColumnKind::Text | ColumnKind::Categorical, Value::Object(_) | Value::Array(_)) => false,
        (ColumnKind::Text | ColumnKind::Categorical, _) => true,
        (ColumnKind::Date | ColumnKind::Datetime | ColumnKind::Time, Value::String(_)) => true,
        _ => false,
    }
}

/// Reads a JSON source record by record (NDJSON: line by line) for the first
/// problem: a line that does not parse, a value that does not fit its
/// column's asked type, or a key holding objects in one record and values in
/// another. Only on the error path.
fn diagnose_json(
    path: &Path,
    format: SourceFormat,
    types: &BTreeMap<String, ColumnKind>,
) -> Option<JsonProblem> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let records: Box<dyn Iterator<Item = (u64, Result<serde_json::Value, serde_json::Error>)>> =
        match format {
            SourceFormat::Json => {
                match serde_json::from_reader::<_, Vec<serde_json::Value>>(reader) {
                    Ok(values) => Box::new(
                        values
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (i as u64 + 1, Ok(v))),
                    ),
                    Err(e) => {
                        return Some(JsonProblem::At {
                            line: e.line() as u64,
                            detail: e.to_string(),
                        });
                    }
                }
            }
            _ => Box::new(
                reader
                    .lines()
                    .enumerate()
                    .map_while(|(i, line)| line.ok().map(|l| (i as u64 + 1, l)))
                    .filter(|(_, l)| !l.trim().is_empty())
                    .map(|(n, l)| (n, serde_json::from_str(&l))),
            ),
        };
    let record_word = if format == SourceFormat::Json {
        "record"
    } else {
        "line"
    };
    let mut first_shape: BTreeMap<String, (&'static str, u64)> = BTreeMap::new();
    for (number, record) in records {
        let record = match record {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) => {
                return Some(JsonProblem::At {
                    line: number,
                    detail: format!("{record_word} {number} is not an object of column values"),
                });
            }
            Err(e) => {
                return Some(JsonProblem::At {
                    line: number,
                    detail: e.to_string(),
                });
            }
        };
        for (key, value) in &record {
            if let Some(kind) = types.get(key)
                && !fits(value, *kind)
            {
                return Some(JsonProblem::Mismatch {
                    line: number,
                    column: key.clone(),
                    value: value.to_string(),
                    expected: describe_kind(*kind),
                });
            }
            if value.is_null() {
                continue;
            }
            let (seen, at) = *first_shape
                .entry(key.clone())
                .or_insert((shape(value), number));
            if seen != shape(value) {
                return Some(JsonProblem::At {
                    line: number,
                    detail: format!(
                        "key '{key}' holds {} on {record_word} {number}, but {seen} on {record_word} {at}: \
                         one column cannot hold both",
                        shape(value)
                    ),
                });
            }
        }
    }
    None
}

fn describe_kind(kind: ColumnKind) -> String {
    match kind {
        ColumnKind::Integer => "a whole number".into(),
        ColumnKind::Float => "a number".into(),
        ColumnKind::Boolean => "true or false".into(),
        ColumnKind::Date => "a date".into(),
        ColumnKind::Datetime => "a date and time".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}
