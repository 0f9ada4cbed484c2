//! Looking into snapshots: a page of rows (sorted, filtered) and SQL over
//! one or more datasets. Only the requested rows are materialised.

use crate::error::DataError;
use crate::import::first_line;
use crate::table::{ColumnKind, Table, schema_of};
use polars::prelude::*;
use polars::sql::SQLContext;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The most rows one page or query result may carry to a caller.
pub const MAX_ROWS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Ascending,
    Descending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text contains the value (case-sensitive).
    Contains,
    IsNull,
    IsNotNull,
}

/// One condition on a column; a page keeps the rows meeting all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    /// Compared as the column's type; unused by `is_null` and `is_not_null`.
    #[serde(default)]
    pub value: Option<String>,
}

impl Filter {
    /// Reads one condition as people write it: `col >= 3`, `name ~ ann`,
    /// `species = 'Adelie'`, `sex is null`, `sex is not null`. The one
    /// reading of the CLI's `--filter` and the app's filter box.
    pub fn parse(text: &str) -> Result<Filter, DataError> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        for (suffix, op) in [
            (" is not null", FilterOp::IsNotNull),
            (" is null", FilterOp::IsNull),
        ] {
            if lower.ends_with(suffix) {
                let column = trimmed[..trimmed.len() - suffix.len()].trim();
                return Ok(Filter {
                    column: unquote(column).to_string(),
                    op,
                    value: None,
                });
            }
        }
        // Two-character operators first, so `<=` is not read as `<`.
        const OPS: [(&str, FilterOp); 8] = [
            ("!=", FilterOp::Ne),
            ("<=", FilterOp::Le),
            (">=", FilterOp::Ge),
            ("==", FilterOp::Eq),
            ("=", FilterOp::Eq),
            ("<", FilterOp::Lt),
            (">", FilterOp::Gt),
            ("~", FilterOp::Contains),
        ];
        for (symbol, op) in OPS {
            if let Some((column, value)) = trimmed.split_once(symbol) {
                let column = column.trim();
                if column.is_empty() {
                    break;
                }
                return Ok(Filter {
                    column: unquote(column).to_string(),
                    op,
                    value: Some(unquote(value.trim()).to_string()),
                });
            }
        }
        Err(DataError::InvalidRequest(format!(
            "cannot read the condition '{}': write COLUMN OP VALUE with OP one of = != < <= > >= ~ \
             (contains), or COLUMN is null / is not null",
            trimmed
        )))
    }

    /// Reads conditions joined by `and` (or `;`), all of which must hold; an
    /// `and` inside quotes is part of a value.
    pub fn parse_all(text: &str) -> Result<Vec<Filter>, DataError> {
        split_conditions(text, true)
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| Filter::parse(p))
            .collect()
    }
}

/// Splits `text` at the word `and` (any case, whitespace on both sides) and,
/// when `at_semicolons`, at `;`, but never inside '…' or "…" quotes. The
/// parts keep the whitespace around them. The one reading of "conditions
/// joined by AND" for the row filter and MLflow's search filters.
pub fn split_conditions(text: &str, at_semicolons: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if at_semicolons && c == ';' => {
                parts.push(std::mem::take(&mut current));
                i += 1;
                continue;
            }
            None => {
                let rest: String = chars[i..chars.len().min(i + 5)].iter().collect();
                let before_space = i > 0 && chars[i - 1].is_whitespace();
                if before_space
                    && rest.to_ascii_lowercase().starts_with("and")
                    && rest.chars().nth(3).is_some_and(char::is_whitespace)
                {
                    parts.push(std::mem::take(&mut current));
                    i += 3;
                    continue;
                }
            }
        }
        current.push(c);
        i += 1;
    }
    parts.push(current);
    parts
}

/// A column name or value without the quotes around it, if it has them.
fn unquote(text: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    text
}

/// Which rows of a dataset to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PreviewRequest {
    pub offset: u64,
    pub limit: u64,
    #[serde(default)]
    pub sort: Option<(String, SortOrder)>,
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// More conditions as written (`age > 30 and sex = female`, read by
    /// [`Filter::parse_all`]); all of them and `filters` must hold.
    #[serde(default)]
    pub filter_text: String,
}

/// Rows of a page or a query, and how many there were in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct QueryOutput {
    pub table: Table,
    /// Rows matching (before the page or limit was taken), when known.
    pub total_rows: Option<u64>,
    /// True when a limit cut the result short.
    pub truncated: bool,
}

fn scan(path: &Path) -> Result<LazyFrame, DataError> {
    if !path.is_file() {
        return Err(DataError::Snapshot {
            path: path.to_path_buf(),
            detail: "the file is missing".into(),
        });
    }
    crate::files::scan_parquet_file(path).map_err(|e| DataError::Snapshot {
        path: path.to_path_buf(),
        detail: first_line(&e.to_string()),
    })
}

/// Collects with polars' streaming engine, which bounds memory for sorts
/// with a limit and for scans of large snapshots.
fn collect_streaming(lazy: LazyFrame) -> PolarsResult<DataFrame> {
    // A query without sinks of its own has exactly one result frame.
    Ok(lazy.collect_with_engine(Engine::Streaming)?.unwrap_single())
}

fn polars_failure(error: PolarsError) -> DataError {
    DataError::Query(first_line(&error.to_string()))
}

fn condition(filter: &Filter, kind: ColumnKind) -> Result<Expr, DataError> {
    let column = col(filter.column.as_str());
    let raw = || {
        filter.value.clone().ok_or_else(|| {
            DataError::InvalidRequest(format!("the filter on '{}' needs a value", filter.column))
        })
    };
    let value = || -> Result<Expr, DataError> {
        let raw = raw()?;
        Ok(match kind {
            ColumnKind::Integer | ColumnKind::Float => {
                let number: f64 = raw.trim().parse().map_err(|_| {
                    DataError::InvalidRequest(format!(
                        "column '{}' holds numbers; '{raw}' is not a number",
                        filter.column
                    ))
                })?;
                lit(number)
            }
            ColumnKind::Boolean => match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => lit(true),
                "false" | "0" | "no" => lit(false),
                _ => {
                    return Err(DataError::InvalidRequest(format!(
                        "column '{}' holds true/false; '{raw}' is neither",
                        filter.column
                    )));
                }
            },
            _ => lit(raw),
        })
    };
    // Dates and other types compare as their text form, which orders ISO dates correctly.
    let comparable = match kind {
        ColumnKind::Text | ColumnKind::Integer | ColumnKind::Float | ColumnKind::Boolean => {
            column.clone()
        }
        _ => column.clone().cast(DataType::String),
    };
    Ok(match filter.op {
        FilterOp::IsNull => column.is_null(),
        FilterOp::IsNotNull => column.is_not_null(),
        FilterOp::Eq => comparable.eq(value()?),
        FilterOp::Ne => comparable.neq(value()?),
        FilterOp::Lt => comparable.lt(value()?),
        FilterOp::Le => comparable.lt_eq(value()?),
        FilterOp::Gt => comparable.gt(value()?),
        FilterOp::Ge => comparable.gt_eq(value()?),
        FilterOp::Contains => column
            .cast(DataType::String)
            .str()
            .contains_literal(lit(raw()?)),
    })
}

/// A page of a snapshot.
pub fn preview_snapshot(path: &Path, request: &PreviewRequest) -> Result<QueryOutput, DataError> {
    if request.limit as usize > MAX_ROWS {
        return Err(DataError::InvalidRequest(format!(
            "a page holds at most {MAX_ROWS} rows; ask for fewer (got {})",
            request.limit
        )));
    }
    let mut lazy = scan(path)?;
    let columns = schema_of(&*lazy.collect_schema().map_err(polars_failure)?);
    let kind_of = |name: &str| -> Result<ColumnKind, DataError> {
        columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.kind)
            .ok_or_else(|| DataError::UnknownColumn {
                name: name.to_string(),
                available: columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let written = Filter::parse_all(&request.filter_text)?;
    for filter in request.filters.iter().chain(&written) {
        let kind = kind_of(&filter.column)?;
        lazy = lazy.filter(condition(filter, kind)?);
    }
    let total = lazy
        .clone()
        .select([len().alias("n")])
        .collect()
        .map_err(polars_failure)?
        .column("n")
        .and_then(|c| c.get(0))
        .map_err(polars_failure)?
        .extract::<u64>()
        .unwrap_or(0);
    if let Some((column, order)) = &request.sort {
        kind_of(column)?;
        let options = SortMultipleOptions::default()
            .with_order_descending(*order == SortOrder::Descending)
            .with_nulls_last(true)
            .with_maintain_order(true);
        lazy = lazy.sort([column.as_str()], options);
    }
    // The streaming engine keeps a sorted page to a top-k of offset + limit
    // rows instead of sorting the whole dataset in memory.
    let page = lazy.slice(request.offset as i64, request.limit as IdxSize);
    let frame = collect_streaming(page).map_err(polars_failure)?;
    Ok(QueryOutput {
        truncated: request.offset + (frame.height() as u64) < total,
        table: Table::from_frame(&frame),
        total_rows: Some(total),
    })
}

/// Runs a SQL query over snapshots registered under their dataset names,
/// returning at most `limit` rows.
/// polars' SQL table functions: each reads any file (or URL) it is given.
const TABLE_FUNCTIONS: [&str; 4] = ["read_csv", "read_parquet", "read_ipc", "read_json"];

/// Refuses SQL that calls a table function (`FROM read_csv('/etc/passwd')`,
/// `read_csv('http://…')`): a query sees the project's datasets, nothing
/// else. Names are found outside string literals, quoted or not, in any case.
fn refuse_table_functions(sql: &str) -> Result<(), DataError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let name: Option<String> = if c == '\'' {
            // A string literal ('' is a quote inside it).
            i += 1;
            while i < chars.len() && !(chars[i] == '\'' && chars.get(i + 1) != Some(&'\'')) {
                i += if chars[i] == '\'' { 2 } else { 1 };
            }
            i += 1;
            None
        } else if c == '"' {
            let start = i + 1;
            i = start;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            let quoted: String = chars[start..i.min(chars.len())].iter().collect();
            i += 1;
            Some(quoted)
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Some(chars[start..i].iter().collect())
        } else {
            i += 1;
            None
        };
        if let Some(name) = name {
            let called = chars[i.min(chars.len())..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|&c| c == '(');
            if called
                && TABLE_FUNCTIONS
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(&name))
            {
                return Err(DataError::Query(format!(
                    "{name}(...) reads files from outside the project, which queries may not do: \
                     import the file as a dataset (`datalab dataset import FILE`) and query it by its name"
                )));
            }
        }
    }
    Ok(())
}

pub fn query_snapshots(
    tables: &[(String, PathBuf)],
    sql: &str,
    limit: usize,
) -> Result<QueryOutput, DataError> {
    if limit > MAX_ROWS {
        return Err(DataError::InvalidRequest(format!(
            "a query returns at most {MAX_ROWS} rows; ask for fewer (got {limit})"
        )));
    }
    refuse_table_functions(sql)?;
    let mut context = SQLContext::new();
    for (name, path) in tables {
        context.register(name, scan(path)?);
    }
    let lazy = context.execute(sql).map_err(|e| {
        let message = first_line(&e.to_string());
        let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
        if message.contains("not found") || message.contains("relation") {
            DataError::Query(format!(
                "{message}; the datasets you can query are: {} (quote names with dashes: \"my-data\")",
                names.join(", ")
            ))
        } else {
            DataError::Query(message)
        }
    })?;
    let frame = collect_streaming(lazy.limit(limit as IdxSize + 1)).map_err(polars_failure)?;
    let truncated = frame.height() > limit;
    let frame = frame.head(Some(limit));
    Ok(QueryOutput {
        table: Table::from_frame(&frame),
        total_rows: if truncated {
            None
        } else {
            Some(frame.height() as u64)
        },
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_functions_are_refused_wherever_they_hide() {
        for sql in [
            "SELECT * FROM read_csv('/etc/passwd')",
            "select * from READ_PARQUET ('x.parquet')",
            "SELECT * FROM iris, read_json('http://example.com/x')",
            "WITH x AS (SELECT * FROM \"read_csv\"('y')) SELECT * FROM x",
        ] {
            assert!(refuse_table_functions(sql).is_err(), "{sql}");
        }
        for sql in [
            "SELECT * FROM iris WHERE species = 'read_csv(x)'",
            "SELECT * FROM iris WHERE species = 'it''s read_csv(x)'",
            "SELECT read_csv_count FROM stats",
            "SELECT count(*) FROM iris",
        ] {
            assert!(refuse_table_functions(sql).is_ok(), "{sql}");
        }
    }
}
