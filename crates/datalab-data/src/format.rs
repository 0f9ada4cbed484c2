//! Which format a source file is in: from its first bytes, then its name.

use crate::error::DataError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A format Data Lab imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Delimited text: CSV, TSV, or another single-byte delimiter.
    Csv,
    Parquet,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    Json,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Csv => "csv",
            SourceFormat::Parquet => "parquet",
            SourceFormat::Ndjson => "ndjson",
            SourceFormat::Json => "json",
        }
    }

    /// Parses a name a user would type (`csv`, `tsv`, `parquet`, `ndjson`, `jsonl`, `json`).
    pub fn from_name(name: &str) -> Option<SourceFormat> {
        match name.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" | "tab" => Some(SourceFormat::Csv),
            "parquet" | "pq" => Some(SourceFormat::Parquet),
            "ndjson" | "jsonl" => Some(SourceFormat::Ndjson),
            "json" => Some(SourceFormat::Json),
            _ => None,
        }
    }
}

const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Decides the format of `path` from `head` (its first bytes).
pub(crate) fn detect(path: &Path, head: &[u8]) -> Result<SourceFormat, DataError> {
    if head.starts_with(PARQUET_MAGIC) {
        return Ok(SourceFormat::Parquet);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(what) = known_unsupported(head, &extension) {
        return Err(DataError::UnsupportedFormat {
            path: path.to_path_buf(),
            what: what.to_string(),
        });
    }
    if matches!(extension.as_str(), "parquet" | "pq") {
        // Named Parquet but without its magic bytes: say so rather than guess.
        return Ok(SourceFormat::Parquet);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = text.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let json_like = match first {
        Some(b'[') => Some(SourceFormat::Json),
        Some(b'{') => Some(SourceFormat::Ndjson),
        _ => None,
    };
    match extension.as_str() {
        "ndjson" | "jsonl" => Ok(SourceFormat::Ndjson),
        "json" => Ok(json_like.unwrap_or(SourceFormat::Json)),
        "csv" | "tsv" | "tab" | "txt" | "psv" => Ok(SourceFormat::Csv),
        _ => Ok(json_like.unwrap_or(SourceFormat::Csv)),
    }
}

/// Formats people try to import that we recognise but do not read.
fn known_unsupported(head: &[u8], extension: &str) -> Option<&'static str> {
    if head.starts_with(b"PK\x03\x04") {
        return Some(match extension {
            "xlsx" | "xlsm" => "an Excel workbook (save it as CSV first)",
            _ => "a ZIP archive (extract it first)",
        });
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some("a gzip-compressed file (decompress it first)");
    }
    if head.starts_with(b"SQLite format 3\0") {
        return Some("a SQLite database");
    }
    if head.starts_with(b"ARROW1") {
        return Some("an Arrow IPC file");
    }
    match extension {
        "xls" => Some("an Excel workbook (save it as CSV first)"),
        "avro" => Some("an Avro file"),
        "orc" => Some("an ORC file"),
        _ => None,
    }
}
