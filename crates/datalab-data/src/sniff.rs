//! Guessing a CSV file's dialect (delimiter, quote, header) from its start,
//! as Python's `csv.Sniffer` does, but with rules simple enough to explain.

use serde::{Deserialize, Serialize};

/// How a delimited text file is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CsvDialect {
    /// The field delimiter, one byte (`,`, `\t`, `;`, `|`, ...).
    pub delimiter: u8,
    /// The quote character, or none when quotes are ordinary characters.
    pub quote: Option<u8>,
    /// Whether the first row names the columns.
    pub has_header: bool,
}

const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];
const SAMPLE_RECORDS: usize = 100;

/// Splits `sample` into records of fields, honouring quotes; the last record
/// is dropped when the sample may have cut it short.
fn split_records(
    sample: &[u8],
    delimiter: u8,
    quote: Option<u8>,
    complete: bool,
) -> Vec<Vec<Vec<u8>>> {
    let mut records = Vec::new();
    let mut record: Vec<Vec<u8>> = Vec::new();
    let mut field = Vec::new();
    let mut in_quotes = false;
    let mut i = 0;
    while i < sample.len() && records.len() < SAMPLE_RECORDS {
        let byte = sample[i];
        if in_quotes {
            if Some(byte) == quote {
                if sample.get(i + 1) == Some(&byte) {
                    field.push(byte);
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(byte);
            }
        } else if Some(byte) == quote && field.is_empty() {
            in_quotes = true;
        } else if byte == delimiter {
            record.push(std::mem::take(&mut field));
        } else if byte == b'\n' {
            if field.last() == Some(&b'\r') {
                field.pop();
            }
            record.push(std::mem::take(&mut field));
            if !(record.len() == 1 && record[0].is_empty()) {
                records.push(std::mem::take(&mut record));
            }
            record.clear();
        } else {
            field.push(byte);
        }
        i += 1;
    }
    if complete && (!field.is_empty() || !record.is_empty()) && records.len() < SAMPLE_RECORDS {
        record.push(field);
        records.push(record);
    }
    records
}

fn looks_numeric(field: &[u8]) -> bool {
    let text = String::from_utf8_lossy(field);
    let text = text.trim();
    !text.is_empty() && text.parse::<f64>().is_ok()
}

/// Guesses the dialect from the start of a file (`complete` when `sample` is the whole file).
/// Given values (`Some`) are kept as they are.
pub(crate) fn sniff(
    sample: &[u8],
    complete: bool,
    delimiter: Option<u8>,
    quote: Option<Option<u8>>,
    has_header: Option<bool>,
) -> CsvDialect {
    let sample = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    let quote = quote.unwrap_or(Some(b'"'));
    let delimiter = delimiter.unwrap_or_else(|| best_delimiter(sample, quote, complete));
    let has_header = has_header.unwrap_or_else(|| {
        let records = split_records(sample, delimiter, quote, complete);
        guess_header(&records)
    });
    CsvDialect {
        delimiter,
        quote,
        has_header,
    }
}

/// The candidate that splits the most records into the same number (> 1) of fields.
fn best_delimiter(sample: &[u8], quote: Option<u8>, complete: bool) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for candidate in CANDIDATES {
        let records = split_records(sample, candidate, quote, complete);
        let Some(first) = records.first() else {
            continue;
        };
        let width = first.len();
        if width < 2 {
            continue;
        }
        let consistent = records.iter().take_while(|r| r.len() == width).count();
        // Prefer more consistent records, then more columns.
        if (consistent, width) > (best.1, best.2) {
            best = (candidate, consistent, width);
        }
    }
    best.0
}

/// A header is a first row of text above a column that holds numbers, or,
/// failing that, a first row with no numbers at all.
fn guess_header(records: &[Vec<Vec<u8>>]) -> bool {
    let Some((first, rest)) = records.split_first() else {
        return true;
    };
    if rest.is_empty() {
        return !first.iter().any(|f| looks_numeric(f));
    }
    let numeric_below = |column: usize| {
        rest.iter()
            .filter_map(|r| r.get(column))
            .filter(|f| !f.is_empty())
            .all(|f| looks_numeric(f))
    };
    let mut any_numeric_column = false;
    for (column, value) in first.iter().enumerate() {
        if numeric_below(column) {
            any_numeric_column = true;
            if !looks_numeric(value) {
                return true;
            }
        }
    }
    if any_numeric_column {
        // Every numeric column has a number on top too: the first row is data.
        return false;
    }
    !first.iter().any(|f| looks_numeric(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tab_and_semicolon() {
        let tsv = b"a\tb\tc\n1\t2\t3\n4\t5\t6\n";
        assert_eq!(sniff(tsv, true, None, None, None).delimiter, b'\t');
        let semi = b"\"fixed acidity\";\"pH\"\n7.4;3.51\n7.8;3.2\n";
        let dialect = sniff(semi, true, None, None, None);
        assert_eq!(dialect.delimiter, b';');
        assert!(dialect.has_header);
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        let csv = b"name,comment\nann,\"a; b; c\"\nbob,\"x; y\"\n";
        assert_eq!(sniff(csv, true, None, None, None).delimiter, b',');
    }

    #[test]
    fn numbers_on_top_mean_no_header() {
        let csv = b"1,2,3\n4,5,6\n";
        assert!(!sniff(csv, true, None, None, None).has_header);
        let with_header = b"x,y,label\n1,2,a\n4,5,b\n";
        assert!(sniff(with_header, true, None, None, None).has_header);
    }
}
