//! One streaming pass over a source file: its SHA-256, and for delimited text
//! a structural check that polars does not make (short rows, unclosed quotes,
//! invalid UTF-8, binary bytes), with the line where each problem is.
//!
//! Memory stays constant whatever the file's size.

use crate::error::DataError;
use crate::progress::{Progress, Stage};
use crate::sniff::CsvDialect;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

const CHUNK: usize = 1 << 20;
/// Report progress (and look for cancellation) every this many bytes.
const REPORT_EVERY: u64 = 16 << 20;

/// What the pass learned.
#[derive(Debug, Clone)]
pub(crate) struct SourceDigest {
    pub sha256: String,
    pub bytes: u64,
    /// For delimited text: the number of records, header included.
    pub records: Option<u64>,
}

/// The deepest nesting of JSON arrays and objects imported by default:
/// deeper ones overflow the parser's stack. `DATALAB_MAX_JSON_DEPTH` changes it.
pub const MAX_JSON_DEPTH: usize = 64;

/// The deepest JSON nesting allowed: `DATALAB_MAX_JSON_DEPTH`, or [`MAX_JSON_DEPTH`].
pub(crate) fn max_json_depth() -> usize {
    std::env::var("DATALAB_MAX_JSON_DEPTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&d| d > 0)
        .unwrap_or(MAX_JSON_DEPTH)
}

/// How deep JSON nests, outside strings, line by line: a file nested past
/// the limit is refused before a parser recurses into it.
struct DepthChecker<'a> {
    path: &'a Path,
    limit: usize,
    depth: usize,
    line: u64,
    in_string: bool,
    escaped: bool,
}

impl DepthChecker<'_> {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), DataError> {
        for &byte in chunk {
            if self.in_string {
                match (self.escaped, byte) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                if byte == b'\n' {
                    self.line += 1;
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > self.limit {
                        return Err(DataError::TooDeep {
                            path: self.path.to_path_buf(),
                            line: self.line,
                            limit: self.limit,
                        });
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                b'\n' => self.line += 1,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Hashes `path`, checking it as delimited text written in `dialect` when
/// given, and its JSON nesting when `json` is.
pub(crate) fn digest_file(
    path: &Path,
    dialect: Option<&CsvDialect>,
    json: bool,
    progress: &dyn Progress,
) -> Result<SourceDigest, DataError> {
    let mut file = std::fs::File::open(path).map_err(|e| DataError::open(path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut checker = dialect.map(|d| CsvChecker::new(path, d));
    let mut depth = json.then(|| DepthChecker {
        path,
        limit: max_json_depth(),
        depth: 0,
        line: 1,
        in_string: false,
        escaped: false,
    });
    let mut buffer = vec![0u8; CHUNK];
    let mut done = 0u64;
    let mut next_report = REPORT_EVERY;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(DataError::Unreadable {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        };
        let chunk = &buffer[..n];
        hasher.update(chunk);
        if let Some(checker) = checker.as_mut() {
            checker.feed(chunk)?;
        }
        if let Some(depth) = depth.as_mut() {
            depth.feed(chunk)?;
        }
        done += n as u64;
        // Asked at every buffer (two atomic loads): a cancel lands at once.
        if progress.cancelled() {
            return Err(DataError::Cancelled);
        }
        if done >= next_report {
            next_report = done + REPORT_EVERY;
            progress.report(Stage::Checking, done, total);
        }
    }
    progress.report(Stage::Checking, done, total);
    let records = match checker {
        Some(checker) => Some(checker.finish()?),
        None => None,
    };
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok(SourceDigest {
        sha256,
        bytes: done,
        records,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside a field that is not quoted.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a closing quote or the first of `""`.
    QuoteInQuoted,
}

/// A byte-at-a-time check of delimited text, in the spirit of RFC 4180 but as
/// lenient as polars is about stray quotes inside unquoted fields.
struct CsvChecker<'a> {
    path: &'a Path,
    delimiter: u8,
    quote: u8,
    quoting: bool,
    state: State,
    /// 1-based physical line being read.
    line: u64,
    /// The line where the current record (or open quoted field) began.
    record_line: u64,
    quote_line: u64,
    fields: u64,
    record_has_content: bool,
    expected: Option<(u64, u64)>,
    records: u64,
    /// An incomplete UTF-8 sequence carried to the next chunk.
    utf8_carry: Vec<u8>,
    /// Bytes that end an unquoted field: the delimiter and `\n`.
    field_end: [bool; 256],
    started: bool,
}

impl<'a> CsvChecker<'a> {
    fn new(path: &'a Path, dialect: &CsvDialect) -> Self {
        CsvChecker {
            path,
            delimiter: dialect.delimiter,
            quote: dialect.quote.unwrap_or(0),
            quoting: dialect.quote.is_some(),
            state: State::FieldStart,
            line: 1,
            record_line: 1,
            quote_line: 1,
            fields: 0,
            record_has_content: false,
            expected: None,
            records: 0,
            utf8_carry: Vec::new(),
            field_end: {
                let mut table = [false; 256];
                table[dialect.delimiter as usize] = true;
                table[b'\n' as usize] = true;
                table
            },
            started: false,
        }
    }

    fn feed(&mut self, mut chunk: &[u8]) -> Result<(), DataError> {
        if !self.started {
            self.started = true;
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        self.check_utf8(chunk)?;
        if let Some(at) = memchr::memchr(0, chunk) {
            return Err(DataError::NotText {
                path: self.path.to_path_buf(),
                line: self.line + memchr::memchr_iter(b'\n', &chunk[..at]).count() as u64,
            });
        }
        let n = chunk.len();
        let mut i = 0;
        while i < n {
            let byte = chunk[i];
            match self.state {
                State::Quoted => {
                    // Inside quotes only the quote and line ends matter: jump to them.
                    match memchr::memchr2(self.quote, b'\n', &chunk[i..]) {
                        None => i = n,
                        Some(k) => {
                            i += k;
                            if chunk[i] == b'\n' {
                                self.line += 1;
                            } else {
                                self.state = State::QuoteInQuoted;
                            }
                            i += 1;
                        }
                    }
                    continue;
                }
                State::QuoteInQuoted if byte == self.quote => {
                    self.state = State::Quoted;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            i += 1;
            if byte == b'\n' {
                self.end_record()?;
                self.line += 1;
                self.record_line = self.line;
            } else if byte == self.delimiter {
                self.fields += 1;
                self.record_has_content = true;
                self.state = State::FieldStart;
            } else if byte == b'\r' {
                // Part of a CRLF line end; a lone CR is kept as data by polars too.
            } else if self.quoting && byte == self.quote && self.state == State::FieldStart {
                self.state = State::Quoted;
                self.quote_line = self.line;
                self.record_has_content = true;
            } else {
                self.state = State::Unquoted;
                self.record_has_content = true;
                // The rest of an unquoted field: nothing but the delimiter or a line end ends it.
                while i < n && !self.field_end[chunk[i] as usize] {
                    i += 1;
                }
            }
        }
        Ok(())
    }

    fn end_record(&mut self) -> Result<(), DataError> {
        if self.record_has_content {
            let found = self.fields + 1;
            match self.expected {
                None => self.expected = Some((found, self.record_line)),
                Some((expected, header_line)) if expected != found => {
                    return Err(DataError::RaggedRow {
                        path: self.path.to_path_buf(),
                        line: self.record_line,
                        header_line,
                        expected,
                        found,
                    });
                }
                Some(_) => {}
            }
            self.records += 1;
        }
        self.fields = 0;
        self.record_has_content = false;
        self.state = State::FieldStart;
        Ok(())
    }

    /// Validates UTF-8 across chunk boundaries. Runs before the chunk's
    /// bytes are counted, so `self.line` is the line the chunk starts on.
    fn check_utf8(&mut self, chunk: &[u8]) -> Result<(), DataError> {
        if self.utf8_carry.is_empty() {
            return self.check_utf8_slice(chunk);
        }
        let mut joined = std::mem::take(&mut self.utf8_carry);
        joined.extend_from_slice(chunk);
        self.check_utf8_slice(&joined)
    }

    fn check_utf8_slice(&mut self, bytes: &[u8]) -> Result<(), DataError> {
        match std::str::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(error) if error.error_len().is_none() => {
                // Cut at the end of the chunk: the rest comes next time.
                self.utf8_carry = bytes[error.valid_up_to()..].to_vec();
                Ok(())
            }
            Err(error) => {
                let before = &bytes[..error.valid_up_to()];
                let newlines = before.iter().filter(|&&b| b == b'\n').count() as u64;
                Err(DataError::NotUtf8 {
                    path: self.path.to_path_buf(),
                    line: self.line + newlines,
                })
            }
        }
    }

    /// Ends the last record; returns the number of records.
    fn finish(mut self) -> Result<u64, DataError> {
        if !self.utf8_carry.is_empty() {
            return Err(DataError::NotUtf8 {
                path: self.path.to_path_buf(),
                line: self.line,
            });
        }
        if self.state == State::Quoted {
            return Err(DataError::UnclosedQuote {
                path: self.path.to_path_buf(),
                line: self.quote_line,
            });
        }
        self.end_record()?;
        Ok(self.records)
    }
}

/// Finds the line of the first record whose field in `column` is `value`.
/// Only used to explain a type error, so clarity beats speed here.
pub(crate) fn line_of_value(
    path: &Path,
    dialect: &CsvDialect,
    column: &str,
    value: &str,
) -> std::io::Result<Option<u64>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path)?;
    let mut reader = std::io::BufReader::new(file);
    let quote = dialect.quote;
    let mut index: Option<usize> = if dialect.has_header {
        None
    } else {
        // polars names the columns of a headerless file column_1, column_2, ...
        column
            .strip_prefix("column_")
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n.saturating_sub(1))
    };
    let mut line_no = 0u64;
    let mut record_line = 1u64;
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut field = Vec::new();
    let mut in_quotes = false;
    let mut first_record = true;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            return Ok(None);
        }
        line_no += 1;
        if !in_quotes {
            record_line = line_no;
        }
        let mut bytes = &raw[..];
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if in_quotes {
                if Some(b) == quote {
                    if bytes.get(i + 1) == Some(&b) {
                        field.push(b);
                        i += 1;
                    } else {
                        in_quotes = false;
                    }
                } else {
                    field.push(b);
                }
            } else if Some(b) == quote && field.is_empty() {
                in_quotes = true;
            } else if b == dialect.delimiter {
                fields.push(std::mem::take(&mut field));
            } else if b != b'\n' && b != b'\r' {
                field.push(b);
            }
            i += 1;
        }
        if in_quotes {
            continue;
        }
        fields.push(std::mem::take(&mut field));
        let record = std::mem::take(&mut fields);
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if first_record && dialect.has_header {
            first_record = false;
            index = record
                .iter()
                .position(|f| f.as_slice() == column.as_bytes());
            continue;
        }
        first_record = false;
        if index.is_some_and(|i| record.get(i).map(|f| f.as_slice()) == Some(value.as_bytes())) {
            return Ok(Some(record_line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    fn check(bytes: &[u8]) -> Result<SourceDigest, DataError> {
        let dir = tempfile::tempdir().map_err(|e| DataError::Write {
            path: "tmp".into(),
            source: e,
        })?;
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).map_err(|e| DataError::Write {
            path: path.clone(),
            source: e,
        })?;
        let dialect = CsvDialect {
            delimiter: b',',
            quote: Some(b'"'),
            has_header: true,
        };
        digest_file(&path, Some(&dialect), false, &NoProgress)
    }

    #[test]
    fn counts_records_with_quoted_newlines() {
        let digest = check(b"a,b\n1,\"x\ny\"\n2,\"q\"\"q\"\r\n\n3,4").ok();
        assert_eq!(digest.and_then(|d| d.records), Some(4));
    }

    #[test]
    fn ragged_row_names_its_line() {
        match check(b"a,b\n1,2\n3\n") {
            Err(DataError::RaggedRow {
                line,
                found,
                expected,
                ..
            }) => {
                assert_eq!((line, found, expected), (3, 1, 2));
            }
            other => panic!("expected a ragged row, got {other:?}"),
        }
    }

    #[test]
    fn unclosed_quote_names_where_it_opened() {
        match check(b"a,b\n1,2\n3,\"open\n4,5\n") {
            Err(DataError::UnclosedQuote { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected an unclosed quote, got {other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        match check(b"a,b\n1,2\ncaf\xe9,3\n") {
            Err(DataError::NotUtf8 { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected invalid UTF-8, got {other:?}"),
        }
    }
}
