//! A dataset's profile: per column its type, counts, distinct values,
//! summary statistics, top values and histogram; correlations between
//! numeric columns. Computed once per snapshot and cached by the caller.
//!
//! Statistics come from polars expressions in one `select`; histograms and
//! correlations from plain loops over the numeric columns, which a single
//! pass does better than hundreds of expressions.

use crate::error::DataError;
use crate::import::first_line;
use crate::progress::{Progress, Stage};
use crate::table::{ColumnKind, schema_of};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Above this many rows distinct counts are estimated (HyperLogLog).
const EXACT_DISTINCT_ROWS: u64 = 10_000_000;
/// Histograms and correlations read at most about this many rows, evenly spaced.
const SAMPLE_ROWS: u64 = 2_000_000;
const HISTOGRAM_BINS: usize = 20;
const TOP_VALUES: usize = 10;
/// Columns with at most this many distinct values get top values even when numeric.
const FEW_DISTINCT: u64 = 50;
/// Correlations are computed over at most this many numeric columns.
const MAX_CORRELATED_COLUMNS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetProfile {
    pub rows: u64,
    pub snapshot_bytes: u64,
    pub columns: Vec<ColumnProfile>,
    pub correlations: Correlations,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    pub data_type: String,
    /// Values that are present.
    pub count: u64,
    pub nulls: u64,
    pub distinct: DistinctCount,
    pub numeric: Option<NumericSummary>,
    /// The most frequent values, most frequent first (ties by value).
    pub top_values: Vec<ValueCount>,
    pub histogram: Option<Histogram>,
}

/// How many different values a column holds, and whether that is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistinctCount {
    pub count: u64,
    /// False when estimated with HyperLogLog (large datasets), within about 2%.
    pub exact: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSummary {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1).
    pub std: Option<f64>,
    pub q25: Option<f64>,
    pub median: Option<f64>,
    pub q75: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// Counts of values between consecutive edges (the last bin includes its right edge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// Rows the histogram was built from: all of them, or an even sample.
    pub rows_used: u64,
}

/// Pearson correlations between numeric columns, over the rows where both are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    pub method: String,
    pub columns: Vec<String>,
    /// `matrix[i][j]`: correlation of `columns[i]` and `columns[j]`; null
    /// when undefined (a constant column, fewer than two shared rows).
    pub matrix: Vec<Vec<Option<f64>>>,
    pub rows_used: u64,
}

fn damaged(path: &Path) -> impl Fn(PolarsError) -> DataError + '_ {
    move |e| DataError::Snapshot {
        path: path.to_path_buf(),
        detail: first_line(&e.to_string()),
    }
}

fn f64_at(frame: &DataFrame, name: &str) -> Option<f64> {
    let value = frame.column(name).ok()?.get(0).ok()?;
    match value {
        AnyValue::Null => None,
        v => v.extract::<f64>().filter(|x| x.is_finite()),
    }
}

fn u64_at(frame: &DataFrame, name: &str) -> u64 {
    frame
        .column(name)
        .ok()
        .and_then(|c| c.get(0).ok())
        .and_then(|v| v.extract::<u64>())
        .unwrap_or(0)
}

/// Profiles the snapshot at `path`.
pub fn profile_snapshot(path: &Path, progress: &dyn Progress) -> Result<DatasetProfile, DataError> {
    let lazy = LazyFrame::scan_parquet(
        PlRefPath::from(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )
    .map_err(damaged(path))?;
    let schema = lazy.clone().collect_schema().map_err(damaged(path))?;
    let columns = schema_of(&schema);
    let steps = columns.len() as u64 + 2;
    progress.report(Stage::Profiling, 0, steps);

    // 1. Counts and summary statistics, all columns in one select.
    let rows_frame = lazy
        .clone()
        .select([len().alias("rows")])
        .collect()
        .map_err(damaged(path))?;
    let rows = u64_at(&rows_frame, "rows");
    let exact = rows <= EXACT_DISTINCT_ROWS;
    let mut exprs = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let c = || col(column.name.as_str());
        exprs.push(c().null_count().alias(format!("{i}:nulls")));
        let distinct = if exact {
            c().drop_nulls().n_unique()
        } else {
            c().drop_nulls().approx_n_unique()
        };
        exprs.push(distinct.alias(format!("{i}:distinct")));
        if column.kind.is_numeric() {
            let x = || c().cast(DataType::Float64);
            exprs.push(x().min().alias(format!("{i}:min")));
            exprs.push(x().max().alias(format!("{i}:max")));
            exprs.push(x().mean().alias(format!("{i}:mean")));
            exprs.push(x().std(1).alias(format!("{i}:std")));
            for (q, label) in [(0.25, "q25"), (0.5, "median"), (0.75, "q75")] {
                exprs.push(
                    x().quantile(lit(q), QuantileMethod::Linear)
                        .alias(format!("{i}:{label}")),
                );
            }
        }
    }
    let stats = lazy
        .clone()
        .select(exprs)
        .collect()
        .map_err(damaged(path))?;
    progress.report(Stage::Profiling, 1, steps);
    if progress.cancelled() {
        return Err(DataError::Cancelled);
    }

    // 2. Numeric columns as plain vectors (an even sample of huge datasets).
    let numeric: Vec<&str> = columns
        .iter()
        .filter(|c| c.kind.is_numeric())
        .map(|c| c.name.as_str())
        .collect();
    let step = rows.div_ceil(SAMPLE_ROWS).max(1) as usize;
    let values = numeric_vectors(&lazy, &numeric, step).map_err(damaged(path))?;
    let rows_used = values.first().map(|v| v.len() as u64).unwrap_or(rows);

    // 3. Per column: top values and histogram.
    let mut profiles = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let nulls = u64_at(&stats, &format!("{i}:nulls"));
        let distinct = DistinctCount {
            count: u64_at(&stats, &format!("{i}:distinct")),
            exact,
        };
        let numeric_summary = column.kind.is_numeric().then(|| NumericSummary {
            min: f64_at(&stats, &format!("{i}:min")),
            max: f64_at(&stats, &format!("{i}:max")),
            mean: f64_at(&stats, &format!("{i}:mean")),
            std: f64_at(&stats, &format!("{i}:std")),
            q25: f64_at(&stats, &format!("{i}:q25")),
            median: f64_at(&stats, &format!("{i}:median")),
            q75: f64_at(&stats, &format!("{i}:q75")),
        });
        let wants_top = !column.kind.is_numeric() || distinct.count <= FEW_DISTINCT;
        let top_values = if wants_top && column.kind != ColumnKind::Other {
            top_values(&lazy, &column.name).map_err(damaged(path))?
        } else {
            Vec::new()
        };
        let histogram = numeric
            .iter()
            .position(|n| *n == column.name)
            .and_then(|k| {
                let summary = numeric_summary.as_ref()?;
                histogram(
                    &values[k],
                    summary.min?,
                    summary.max?,
                    column.kind == ColumnKind::Integer,
                )
            });
        profiles.push(ColumnProfile {
            name: column.name.clone(),
            kind: column.kind,
            data_type: column.data_type.clone(),
            count: rows.saturating_sub(nulls),
            nulls,
            distinct,
            numeric: numeric_summary,
            top_values,
            histogram,
        });
        progress.report(Stage::Profiling, 2 + i as u64, steps);
        if progress.cancelled() {
            return Err(DataError::Cancelled);
        }
    }

    // 4. Correlations.
    let correlated = numeric.len().min(MAX_CORRELATED_COLUMNS);
    let correlations = Correlations {
        method: "pearson".into(),
        columns: numeric[..correlated]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        matrix: correlation_matrix(&values[..correlated]),
        rows_used,
    };
    progress.report(Stage::Profiling, steps, steps);
    Ok(DatasetProfile {
        rows,
        snapshot_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        columns: profiles,
        correlations,
    })
}

/// Numeric columns as `f64` vectors, nulls as NaN, every `step`-th row.
fn numeric_vectors(lazy: &LazyFrame, names: &[&str], step: usize) -> PolarsResult<Vec<Vec<f64>>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let exprs: Vec<Expr> = names
        .iter()
        .map(|n| {
            let x = col(*n).cast(DataType::Float64);
            if step > 1 { x.gather_every(step, 0) } else { x }
        })
        .collect();
    let frame = lazy.clone().select(exprs).collect()?;
    names
        .iter()
        .map(|n| {
            let column = frame.column(n)?.as_materialized_series().f64()?.clone();
            Ok(column
                .iter()
                .map(|v| v.filter(|x| x.is_finite()).unwrap_or(f64::NAN))
                .collect())
        })
        .collect()
}

fn top_values(lazy: &LazyFrame, name: &str) -> PolarsResult<Vec<ValueCount>> {
    let frame = lazy
        .clone()
        .select([col(name).cast(DataType::String).alias("value")])
        .filter(col("value").is_not_null())
        .group_by([col("value")])
        .agg([len().alias("count")])
        .sort(
            ["count", "value"],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(TOP_VALUES as IdxSize)
        .collect()?;
    let values = frame
        .column("value")?
        .as_materialized_series()
        .str()?
        .clone();
    let counts = frame
        .column("count")?
        .as_materialized_series()
        .cast(&DataType::UInt64)?;
    let counts = counts.u64()?;
    Ok(values
        .iter()
        .zip(counts.iter())
        .filter_map(|(v, c)| {
            Some(ValueCount {
                value: v?.to_string(),
                count: c?,
            })
        })
        .collect())
}

/// Equal-width bins; whole-number columns with a small range get one bin per value.
fn histogram(values: &[f64], min: f64, max: f64, integer: bool) -> Option<Histogram> {
    if !(min.is_finite() && max.is_finite()) {
        return None;
    }
    let span = max - min;
    let (start, width, bins) = if integer && span < HISTOGRAM_BINS as f64 * 2.0 {
        (min - 0.5, 1.0, span as usize + 1)
    } else if span == 0.0 {
        (min - 0.5, 1.0, 1)
    } else {
        (min, span / HISTOGRAM_BINS as f64, HISTOGRAM_BINS)
    };
    let mut counts = vec![0u64; bins];
    let mut used = 0u64;
    for &v in values {
        if v.is_nan() {
            continue;
        }
        let bin = (((v - start) / width) as usize).min(bins - 1);
        counts[bin] += 1;
        used += 1;
    }
    let edges = (0..=bins).map(|b| start + width * b as f64).collect();
    Some(Histogram {
        edges,
        counts,
        rows_used: used,
    })
}

/// Pearson correlation over the rows where both columns are present.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mut n, mut sx, mut sy) = (0u64, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            n += 1;
            sx += a;
            sy += b;
        }
    }
    if n < 2 {
        return None;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            let (da, db) = (a - mx, b - my);
            sxy += da * db;
            sxx += da * da;
            syy += db * db;
        }
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r.clamp(-1.0, 1.0))
}

fn correlation_matrix(columns: &[Vec<f64>]) -> Vec<Vec<Option<f64>>> {
    let k = columns.len();
    let pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(pairs.len().max(1));
    let chunk = pairs.len().div_ceil(threads).max(1);
    let results: Vec<((usize, usize), Option<f64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&(i, j)| ((i, j), pearson(&columns[i], &columns[j])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut matrix = vec![vec![None; k]; k];
    for (i, row) in matrix.iter_mut().enumerate() {
        let has_spread = pearson(&columns[i], &columns[i]).is_some();
        row[i] = has_spread.then_some(1.0);
    }
    for ((i, j), r) in results {
        matrix[i][j] = r;
        matrix[j][i] = r;
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_of_a_line_is_one() {
        let x = [1.0, 2.0, 3.0, f64::NAN];
        let y = [2.0, 4.0, 6.0, 1.0];
        assert_eq!(pearson(&x, &y), Some(1.0));
        assert_eq!(pearson(&x, &[5.0, 5.0, 5.0, 5.0]), None);
    }

    #[test]
    fn integer_histogram_has_a_bin_per_value() -> Result<(), String> {
        let h = histogram(&[3.0, 4.0, 4.0, 8.0], 3.0, 8.0, true).ok_or("no histogram")?;
        assert_eq!(h.counts, vec![1, 2, 0, 0, 0, 1]);
        assert_eq!(h.edges.first(), Some(&2.5));
        Ok(())
    }
}
