//! A dataset's profile: per column its type, counts, distinct values,
//! summary statistics, top values and histogram; correlations between
//! numeric columns, and Cramér's V between categorical ones. Computed once
//! per snapshot and cached by the caller.
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
/// Associations are computed between at most this many categorical columns,
/// each with 2 to `MAX_CATEGORIES` values: more levels than that make a
/// contingency table too sparse for its V to mean much (an id, free text).
const MAX_ASSOCIATED_COLUMNS: usize = 30;
const MAX_CATEGORIES: u64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatasetProfile {
    pub rows: u64,
    /// How long computing the profile took.
    pub compute_ms: u64,
    pub snapshot_bytes: u64,
    pub columns: Vec<ColumnProfile>,
    pub correlations: Correlations,
    /// Cramér's V between categorical columns (text and booleans with 2 to
    /// 50 values): how strongly one tells the other, from 0 to 1.
    pub associations: Correlations,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DistinctCount {
    pub count: u64,
    /// False when estimated with HyperLogLog (large datasets), within about 2%.
    pub exact: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// Counts of values between consecutive edges (the last bin includes its right edge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// Rows the histogram was built from: all of them, or an even sample.
    pub rows_used: u64,
}

/// A measure between every pair of some columns, over the rows where both
/// are present: Pearson correlation between numeric columns (`pearson`, −1
/// to 1), Cramér's V between categorical ones (`cramers_v`, 0 to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Correlations {
    pub method: String,
    pub columns: Vec<String>,
    /// `matrix[i][j]`: the measure of `columns[i]` and `columns[j]`; null
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

type Firsts = std::collections::HashMap<String, AnyValue<'static>>;

fn f64_at(stats: &Firsts, name: &str) -> Option<f64> {
    match stats.get(name)? {
        AnyValue::Null => None,
        v => v.extract::<f64>().filter(|x| x.is_finite()),
    }
}

fn u64_at(stats: &Firsts, name: &str) -> u64 {
    stats
        .get(name)
        .and_then(|v| v.extract::<u64>())
        .unwrap_or(0)
}

/// Snapshots up to this many cells are decoded once and profiled in memory;
/// larger ones are scanned from the file for each step.
const IN_MEMORY_CELLS: u64 = 200_000_000;

/// Profiles the snapshot at `path`.
pub fn profile_snapshot(path: &Path, progress: &dyn Progress) -> Result<DatasetProfile, DataError> {
    let snapshot_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut lazy = crate::files::scan_parquet_file(path).map_err(damaged(path))?;
    let width = lazy.collect_schema().map_err(damaged(path))?.len() as u64;
    let rows_frame = lazy
        .clone()
        .select([len().alias("rows")])
        .collect()
        .map_err(damaged(path))?;
    let rows = u64_at(&first_values(&rows_frame), "rows");
    let in_memory = rows.saturating_mul(width) <= IN_MEMORY_CELLS;
    let source = if in_memory {
        Source::Frame(lazy.collect().map_err(damaged(path))?)
    } else {
        Source::File(Box::new(lazy))
    };
    profile_source(source, rows, snapshot_bytes, progress, &damaged(path))
}

/// What a profile reads: a frame in memory (queried column by column, so
/// the cost is linear in cells however wide it is), or a file too large for
/// memory (scanned one column at a time).
enum Source {
    Frame(DataFrame),
    File(Box<LazyFrame>),
}

/// Columns of a frame per statistics query: polars' planning grows with the
/// expressions of a query, so a 20,000-column table is summarised in batches.
const COLUMNS_PER_QUERY: usize = 256;

impl Source {
    /// Column `name` cast to `kind`, every `step`-th row: in memory without
    /// a query at all (a query's planning costs more than a short column).
    fn sampled(&self, name: &str, kind: DataType, step: usize) -> PolarsResult<Series> {
        match self {
            Source::Frame(frame) => {
                let values = frame.column(name)?.as_materialized_series().cast(&kind)?;
                Ok(if step > 1 {
                    values.gather_every(step, 0)?
                } else {
                    values
                })
            }
            Source::File(lazy) => {
                let x = col(name).cast(kind);
                let x = if step > 1 { x.gather_every(step, 0) } else { x };
                let frame = lazy.clone().select([x.alias(name)]).collect()?;
                Ok(frame.column(name)?.as_materialized_series().clone())
            }
        }
    }

    /// Column `name` as text (booleans as "true"/"false"), every `step`-th row.
    fn texts(&self, name: &str, step: usize) -> PolarsResult<Series> {
        self.sampled(name, DataType::String, step)
    }

    /// Column `name` as numbers, every `step`-th row.
    fn numbers(&self, name: &str, step: usize) -> PolarsResult<Series> {
        self.sampled(name, DataType::Float64, step)
    }
}

/// Profiles a frame already in memory (an import that just read it).
pub(crate) fn profile_frame(
    frame: DataFrame,
    snapshot_bytes: u64,
    progress: &dyn Progress,
    fail: &dyn Fn(PolarsError) -> DataError,
) -> Result<DatasetProfile, DataError> {
    let rows = frame.height() as u64;
    profile_source(Source::Frame(frame), rows, snapshot_bytes, progress, fail)
}

/// The first value of each column of `frame`, by name: looked up in constant
/// time (a lookup by name in a frame of 100,000 columns is not).
fn first_values(frame: &DataFrame) -> std::collections::HashMap<String, AnyValue<'static>> {
    frame
        .columns()
        .iter()
        .filter_map(|c| Some((c.name().to_string(), c.get(0).ok()?.into_static())))
        .collect()
}

fn profile_source(
    source: Source,
    rows: u64,
    snapshot_bytes: u64,
    progress: &dyn Progress,
    fail: &dyn Fn(PolarsError) -> DataError,
) -> Result<DatasetProfile, DataError> {
    let started = std::time::Instant::now();
    let in_memory = matches!(source, Source::Frame(_));
    let schema = match &source {
        Source::Frame(frame) => frame.schema().clone(),
        Source::File(lazy) => lazy.as_ref().clone().collect_schema().map_err(fail)?,
    };
    let columns = schema_of(&schema);
    let steps = columns.len() as u64 + 2;
    progress.report(Stage::Profiling, 0, steps);
    let exact = rows <= EXACT_DISTINCT_ROWS;
    // Every `step`-th row feeds histograms, correlations and (when step is 1) quartiles.
    let step = rows.div_ceil(SAMPLE_ROWS).max(1) as usize;
    let sampled = step > 1;

    // 1. Counts and summary statistics: in memory all columns in one select
    // (polars runs them in parallel); from a file one column at a time.
    let mut per_column: Vec<Vec<Expr>> = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let c = || col(column.name.as_str());
        let mut exprs = vec![c().null_count().alias(format!("{i}:nulls"))];
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
            if sampled {
                // The sample would only approximate them: let polars compute them exactly.
                for (q, label) in [(0.25, "q25"), (0.5, "median"), (0.75, "q75")] {
                    exprs.push(
                        x().quantile(lit(q), QuantileMethod::Linear)
                            .alias(format!("{i}:{label}")),
                    );
                }
            }
        }
        per_column.push(exprs);
    }
    let mut stats = std::collections::HashMap::new();
    let batch = if in_memory { COLUMNS_PER_QUERY } else { 1 };
    for (group, exprs) in columns.chunks(batch).zip(per_column.chunks(batch)) {
        // In memory, each batch is queried on its own columns only.
        let lazy = match &source {
            Source::Frame(frame) => frame
                .select(group.iter().map(|c| c.name.as_str()))
                .map_err(fail)?
                .lazy(),
            Source::File(lazy) => lazy.as_ref().clone(),
        };
        let part = lazy
            .select(exprs.iter().flatten().cloned().collect::<Vec<_>>())
            .collect()
            .map_err(fail)?;
        stats.extend(first_values(&part));
        if progress.cancelled() {
            return Err(DataError::Cancelled);
        }
    }
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
    let values = numeric_vectors(&source, &numeric, step).map_err(fail)?;
    let rows_used = values.first().map(|v| v.len() as u64).unwrap_or(rows);
    let quartiles: Vec<Option<[f64; 3]>> = if sampled {
        Vec::new()
    } else {
        parallel_map(&values, |v| quartiles(v))
    };

    // 3. Per column: top values and histogram.
    let mut profiles = Vec::with_capacity(columns.len());
    let numeric_index: std::collections::HashMap<&str, usize> =
        numeric.iter().enumerate().map(|(k, n)| (*n, k)).collect();
    for (i, column) in columns.iter().enumerate() {
        let nulls = u64_at(&stats, &format!("{i}:nulls"));
        let distinct = DistinctCount {
            count: u64_at(&stats, &format!("{i}:distinct")),
            exact,
        };
        let k = numeric_index.get(column.name.as_str()).copied();
        let numeric_summary = column.kind.is_numeric().then(|| {
            let q = |label: &str, index: usize| match k.and_then(|k| quartiles.get(k)) {
                Some(computed) => computed.map(|q| q[index]),
                None => f64_at(&stats, &format!("{i}:{label}")),
            };
            NumericSummary {
                min: f64_at(&stats, &format!("{i}:min")),
                max: f64_at(&stats, &format!("{i}:max")),
                mean: f64_at(&stats, &format!("{i}:mean")),
                std: f64_at(&stats, &format!("{i}:std")),
                q25: q("q25", 0),
                median: q("median", 1),
                q75: q("q75", 2),
            }
        });
        let wants_top = !column.kind.is_numeric() || distinct.count <= FEW_DISTINCT;
        let top_values = if wants_top && column.kind != ColumnKind::Other {
            top_values(&source, &column.name).map_err(fail)?
        } else {
            Vec::new()
        };
        let histogram = k.and_then(|k| {
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

    // 5. Associations between categorical columns.
    let categorical: Vec<&str> = profiles
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Text | ColumnKind::Boolean))
        .filter(|c| (2..=MAX_CATEGORIES).contains(&c.distinct.count))
        .take(MAX_ASSOCIATED_COLUMNS)
        .map(|c| c.name.as_str())
        .collect();
    let codes = categorical
        .iter()
        .map(|name| category_codes(&source, name, step))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(fail)?;
    let associations = Correlations {
        method: "cramers_v".into(),
        columns: categorical.iter().map(|s| s.to_string()).collect(),
        rows_used: codes.first().map(|c| c.len() as u64).unwrap_or(0),
        matrix: association_matrix(&codes),
    };
    progress.report(Stage::Profiling, steps, steps);
    Ok(DatasetProfile {
        rows,
        compute_ms: started.elapsed().as_millis() as u64,
        snapshot_bytes,
        columns: profiles,
        correlations,
        associations,
    })
}

/// `f` over `items` on all cores, results in order.
fn parallel_map<T: Sync, R: Send + Default + Clone>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Linearly interpolated quartiles (as numpy's and polars' default), NaN skipped.
fn quartiles(values: &[f64]) -> Option<[f64; 3]> {
    let mut present: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = present.len();
    if n == 0 {
        return None;
    }
    let mut out = [0.0; 3];
    for (slot, q) in out.iter_mut().zip([0.25, 0.5, 0.75]) {
        let h = (n - 1) as f64 * q;
        let lo = h.floor() as usize;
        let fraction = h - lo as f64;
        let (_, at, above) = present.select_nth_unstable_by(lo, f64::total_cmp);
        let low = *at;
        let high = if fraction > 0.0 {
            above.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            low
        };
        *slot = low + fraction * (high - low);
    }
    Some(out)
}

/// Numeric columns as `f64` vectors, nulls as NaN, every `step`-th row.
/// Numeric columns as `f64` vectors, nulls as NaN, every `step`-th row.
/// From a file they are read one column at a time, so memory holds one
/// column's sample, not the dataset.
fn numeric_vectors(source: &Source, names: &[&str], step: usize) -> PolarsResult<Vec<Vec<f64>>> {
    names
        .iter()
        .map(|name| {
            let column = source.numbers(name, step)?;
            Ok(column
                .f64()?
                .iter()
                .map(|v| v.filter(|x| x.is_finite()).unwrap_or(f64::NAN))
                .collect())
        })
        .collect()
}

fn top_values(source: &Source, name: &str) -> PolarsResult<Vec<ValueCount>> {
    let counted = match source {
        // In memory without a query: counted straight from the column.
        Source::Frame(frame) => frame
            .column(name)?
            .as_materialized_series()
            .cast(&DataType::String)?
            .drop_nulls()
            .with_name("value".into())
            .value_counts(false, false, "count".into(), false)?,
        Source::File(lazy) => lazy
            .clone()
            .select([col(name).cast(DataType::String).alias("value")])
            .filter(col("value").is_not_null())
            .group_by([col("value")])
            .agg([len().alias("count")])
            .collect()?,
    };
    // The most frequent first; ties by value, so the list is the same every time.
    let frame = counted
        .sort(
            ["count", "value"],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )?
        .head(Some(TOP_VALUES));
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

/// A column's mean over its present values: the shift that keeps the
/// one-pass sums below numerically sound.
fn mean_present(x: &[f64]) -> f64 {
    let (sum, n) = x
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Pearson correlation over the rows where both columns are present, in one
/// pass over shifted values.
fn pearson_shifted(x: &[f64], cx: f64, y: &[f64], cy: f64) -> Option<f64> {
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0u64, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        if a.is_nan() || b.is_nan() {
            continue;
        }
        let (dx, dy) = (a - cx, b - cy);
        n += 1;
        sx += dx;
        sy += dy;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if n < 2 {
        return None;
    }
    let n = n as f64;
    let cov = sxy - sx * sy / n;
    let vx = sxx - sx * sx / n;
    let vy = syy - sy * sy / n;
    let r = cov / (vx * vy).sqrt();
    (r.is_finite() && vx > 0.0 && vy > 0.0).then_some(r.clamp(-1.0, 1.0))
}

#[cfg(test)]
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson_shifted(x, mean_present(x), y, mean_present(y))
}

fn correlation_matrix(columns: &[Vec<f64>]) -> Vec<Vec<Option<f64>>> {
    let k = columns.len();
    let means: Vec<f64> = parallel_map(columns, |c| mean_present(c));
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
    let results = parallel_map(&pairs, |&(i, j)| {
        pearson_shifted(&columns[i], means[i], &columns[j], means[j])
    });
    let mut matrix = vec![vec![None; k]; k];
    for (&(i, j), r) in pairs.iter().zip(results) {
        // A column with spread correlates perfectly with itself.
        let r = if i == j { r.map(|_| 1.0) } else { r };
        matrix[i][j] = r;
        matrix[j][i] = r;
    }
    matrix
}

/// A categorical column as small integer codes (0, 1, … in order of first
/// appearance), none where the value is missing; every `step`-th row.
fn category_codes(source: &Source, name: &str, step: usize) -> PolarsResult<Vec<Option<u32>>> {
    let texts = source.texts(name, step)?;
    let mut seen: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let codes = texts
        .str()?
        .iter()
        .map(|value| {
            value.map(|v| {
                let next = seen.len() as u32;
                *seen.entry(v).or_insert(next)
            })
        })
        .collect();
    Ok(codes)
}

/// Cramér's V of two categorical columns over the rows where both are
/// present: √(χ² / (n · (min(r, c) − 1))), with r and c the levels seen in
/// those rows (scipy's `association(method="cramer")`, uncorrected). None
/// when either has a single level there.
fn cramers_v(x: &[Option<u32>], y: &[Option<u32>]) -> Option<f64> {
    // Codes are small (a column has at most about `MAX_CATEGORIES` levels):
    // the table is a dense r × c array.
    let width = |codes: &[Option<u32>]| codes.iter().flatten().max().map_or(0, |m| *m as usize + 1);
    let (r, c) = (width(x), width(y));
    let mut table = vec![0.0f64; r * c];
    let (mut row_sums, mut column_sums) = (vec![0.0f64; r], vec![0.0f64; c]);
    let mut n = 0.0;
    for (a, b) in x.iter().zip(y) {
        let (Some(a), Some(b)) = (a, b) else { continue };
        let (a, b) = (*a as usize, *b as usize);
        table[a * c + b] += 1.0;
        row_sums[a] += 1.0;
        column_sums[b] += 1.0;
        n += 1.0;
    }
    let seen = |sums: &[f64]| sums.iter().filter(|s| **s > 0.0).count();
    let levels = seen(&row_sums).min(seen(&column_sums));
    if levels < 2 {
        return None;
    }
    // χ² = Σ O²/E − n over the cells (an empty cell adds nothing to Σ O²/E).
    let mut observed = 0.0;
    for (a, row) in table.chunks(c.max(1)).enumerate() {
        for (b, o) in row.iter().enumerate() {
            if *o > 0.0 {
                observed += o * o * n / (row_sums[a] * column_sums[b]);
            }
        }
    }
    let chi2 = (observed - n).max(0.0);
    let v = (chi2 / (n * (levels - 1) as f64)).sqrt();
    v.is_finite().then_some(v.min(1.0))
}

fn association_matrix(columns: &[Vec<Option<u32>>]) -> Vec<Vec<Option<f64>>> {
    let k = columns.len();
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
    let results = parallel_map(&pairs, |&(i, j)| cramers_v(&columns[i], &columns[j]));
    let mut matrix = vec![vec![None; k]; k];
    for (&(i, j), v) in pairs.iter().zip(results) {
        matrix[i][j] = v;
        matrix[j][i] = v;
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cramers_v_is_one_for_a_column_that_tells_the_other_and_zero_for_independent_ones() {
        let x = [Some(0), Some(0), Some(1), Some(1), None];
        assert_eq!(
            cramers_v(&x, &[Some(5), Some(5), Some(7), Some(7), Some(9)]),
            Some(1.0)
        );
        let y = [Some(0), Some(1), Some(0), Some(1), Some(1)];
        assert_eq!(cramers_v(&x, &y), Some(0.0));
        // One level where both are present: undefined.
        assert_eq!(
            cramers_v(&x, &[Some(3), Some(3), Some(3), Some(3), None]),
            None
        );
    }

    #[test]
    fn pearson_of_a_line_is_one() {
        let x = [1.0, 2.0, 3.0, f64::NAN];
        let y = [2.0, 4.0, 6.0, 1.0];
        assert_eq!(pearson(&x, &y), Some(1.0));
        assert_eq!(pearson(&x, &[5.0, 5.0, 5.0, 5.0]), None);
    }

    #[test]
    fn quartiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 50, 75]) == [2, 3, 4]
        assert_eq!(
            quartiles(&[10.0, 1.0, f64::NAN, 4.0, 2.0, 3.0]),
            Some([2.0, 3.0, 4.0])
        );
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
        assert_eq!(quartiles(&[4.0, 3.0, 2.0, 1.0]), Some([1.75, 2.5, 3.25]));
        assert_eq!(quartiles(&[f64::NAN]), None);
    }

    #[test]
    fn integer_histogram_has_a_bin_per_value() -> Result<(), String> {
        let h = histogram(&[3.0, 4.0, 4.0, 8.0], 3.0, 8.0, true).ok_or("no histogram")?;
        assert_eq!(h.counts, vec![1, 2, 0, 0, 0, 1]);
        assert_eq!(h.edges.first(), Some(&2.5));
        Ok(())
    }
}
