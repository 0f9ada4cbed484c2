//! Plain, serialisable tables and column types: what leaves this crate
//! instead of polars' `DataFrame` and `DataType`.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// A column's type in words a person (and a form) understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Integer,
    Float,
    Boolean,
    Text,
    Categorical,
    Date,
    Datetime,
    Duration,
    Time,
    /// Lists, structs, binary and anything else nested or opaque.
    Other,
}

impl ColumnKind {
    pub fn of(dtype: &DataType) -> ColumnKind {
        match dtype {
            dt if dt.is_integer() => ColumnKind::Integer,
            dt if dt.is_float() || dt.is_decimal() => ColumnKind::Float,
            DataType::Boolean => ColumnKind::Boolean,
            DataType::String => ColumnKind::Text,
            DataType::Categorical(..) | DataType::Enum(..) => ColumnKind::Categorical,
            DataType::Date => ColumnKind::Date,
            DataType::Datetime(..) => ColumnKind::Datetime,
            DataType::Duration(..) => ColumnKind::Duration,
            DataType::Time => ColumnKind::Time,
            _ => ColumnKind::Other,
        }
    }

    /// Numbers, for which min, max, mean and a histogram make sense.
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Float)
    }

    /// The type a user's `--type col=KIND` asks polars for.
    pub(crate) fn polars_type(self) -> DataType {
        match self {
            ColumnKind::Integer => DataType::Int64,
            ColumnKind::Float => DataType::Float64,
            ColumnKind::Boolean => DataType::Boolean,
            ColumnKind::Date => DataType::Date,
            ColumnKind::Datetime => DataType::Datetime(TimeUnit::Microseconds, None),
            ColumnKind::Text | ColumnKind::Categorical | ColumnKind::Other => DataType::String,
            ColumnKind::Duration => DataType::Duration(TimeUnit::Microseconds),
            ColumnKind::Time => DataType::Time,
        }
    }

    /// Parses the names a user types (`text`, `str`, `int`, `float`, ...).
    pub fn from_name(name: &str) -> Option<ColumnKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "int" | "integer" | "i64" => ColumnKind::Integer,
            "float" | "number" | "f64" | "double" => ColumnKind::Float,
            "bool" | "boolean" => ColumnKind::Boolean,
            "text" | "str" | "string" => ColumnKind::Text,
            "category" | "categorical" => ColumnKind::Categorical,
            "date" => ColumnKind::Date,
            "datetime" | "timestamp" => ColumnKind::Datetime,
            "duration" => ColumnKind::Duration,
            "time" => ColumnKind::Time,
            _ => return None,
        })
    }
}

/// A column's name and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ColumnSchema {
    pub name: String,
    pub kind: ColumnKind,
    /// The precise storage type, e.g. `i64`, `f64`, `str`, `datetime[μs]`.
    pub data_type: String,
}

pub(crate) fn schema_of(schema: &Schema) -> Vec<ColumnSchema> {
    schema
        .iter()
        .map(|(name, dtype)| ColumnSchema {
            name: name.to_string(),
            kind: ColumnKind::of(dtype),
            data_type: dtype.to_string(),
        })
        .collect()
}

/// Rows of JSON values under named, typed columns: a page of a dataset or a
/// query result, small enough to send to a UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Table {
    pub columns: Vec<ColumnSchema>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl Table {
    pub(crate) fn from_frame(frame: &DataFrame) -> Table {
        let columns = schema_of(frame.schema());
        let height = frame.height();
        let mut rows = vec![Vec::with_capacity(columns.len()); height];
        for column in frame.columns() {
            let series = column.as_materialized_series();
            for (row, value) in rows.iter_mut().zip(series.iter()) {
                row.push(json_value(value));
            }
        }
        Table { columns, rows }
    }
}

fn json_value(value: AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(v) => v.into(),
        AnyValue::Int16(v) => v.into(),
        AnyValue::Int32(v) => v.into(),
        AnyValue::Int64(v) => v.into(),
        AnyValue::UInt8(v) => v.into(),
        AnyValue::UInt16(v) => v.into(),
        AnyValue::UInt32(v) => v.into(),
        AnyValue::UInt64(v) => v.into(),
        AnyValue::Float32(v) => float_value(v as f64),
        AnyValue::Float64(v) => float_value(v),
        other => Value::String(other.to_string().trim_matches('"').to_string()),
    }
}

/// JSON has no NaN or infinity: they travel as strings a person can read.
fn float_value(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v)
        .map(serde_json::Value::Number)
        .unwrap_or_else(|| serde_json::Value::String(v.to_string()))
}
