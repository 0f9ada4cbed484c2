//! A request's fields, as MLflow clients send them: GET requests as a query
//! string (a repeated key is a list), the others as a JSON body.
//!
//! Accessors are as tolerant as protobuf's JSON parser is: an `int64` may be
//! a number or a string of digits, a `double` may be `"NaN"` or
//! `"Infinity"`. A field that is missing or of the wrong type is
//! `INVALID_PARAMETER_VALUE` naming it.

use crate::error::{ErrorCode, TrackingError};
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::Method;
use serde_json::{Map, Value};

/// The largest JSON body accepted: a dataset profile in `log-inputs` may be
/// 16 MB (MLflow's own limit), and a batch of 1,000 metrics is far less.
pub const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Fields(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = TrackingError;

    async fn from_request(request: Request<Body>, _state: &S) -> Result<Fields, TrackingError> {
        let mut fields = Map::new();
        if let Some(query) = request.uri().query() {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
                TrackingError::new(
                    ErrorCode::BadRequest,
                    format!("malformed query string: {e}"),
                )
            })?;
            for (key, value) in pairs {
                match fields.get_mut(&key) {
                    Some(Value::Array(items)) => items.push(Value::String(value)),
                    Some(existing) => {
                        let first = existing.take();
                        *existing = Value::Array(vec![first, Value::String(value)]);
                    }
                    None => {
                        fields.insert(key, Value::String(value));
                    }
                }
            }
        }
        if request.method() != Method::GET {
            let bytes = axum::body::to_bytes(request.into_body(), MAX_JSON_BODY)
                .await
                .map_err(|e| {
                    TrackingError::new(
                        ErrorCode::BadRequest,
                        format!("the request body could not be read (at most {MAX_JSON_BODY} bytes): {e}"),
                    )
                })?;
            if !bytes.iter().all(u8::is_ascii_whitespace) {
                let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    TrackingError::new(
                        ErrorCode::BadRequest,
                        format!("Malformed JSON in the request body: {e}"),
                    )
                })?;
                let Value::Object(body) = body else {
                    return Err(TrackingError::new(
                        ErrorCode::BadRequest,
                        "the request body must be a JSON object",
                    ));
                };
                fields.extend(body);
            }
        }
        Ok(Fields(fields))
    }
}

fn missing(name: &str) -> TrackingError {
    TrackingError::invalid(format!("Missing value for required parameter '{name}'."))
}

fn wrong(name: &str, expected: &str, value: &Value) -> TrackingError {
    let mut shown = value.to_string();
    if shown.len() > 100 {
        shown.truncate(100);
        shown.push('…');
    }
    TrackingError::invalid(format!(
        "Invalid value {shown} for parameter '{name}' supplied: expected {expected}."
    ))
}

/// A double as protobuf JSON writes one.
pub fn double_of(name: &str, value: &Value) -> Result<f64, TrackingError> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| wrong(name, "a number", value)),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            text => text
                .trim()
                .parse::<f64>()
                .map_err(|_| wrong(name, "a number", value)),
        },
        _ => Err(wrong(name, "a number", value)),
    }
}

/// An int64 as protobuf JSON writes one.
pub fn int_of(name: &str, value: &Value) -> Result<i64, TrackingError> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| wrong(name, "an integer", value)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| wrong(name, "an integer", value)),
        _ => Err(wrong(name, "an integer", value)),
    }
}

/// A string field: numbers are taken as their text (a client may send an
/// experiment id as a number).
pub fn text_of(name: &str, value: &Value) -> Result<String, TrackingError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(wrong(name, "a string", value)),
    }
}

impl Fields {
    fn present(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn text(&self, name: &str) -> Result<String, TrackingError> {
        let value = self.present(name).ok_or_else(|| missing(name))?;
        text_of(name, value)
    }

    pub fn opt_text(&self, name: &str) -> Result<Option<String>, TrackingError> {
        self.present(name).map(|v| text_of(name, v)).transpose()
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, TrackingError> {
        self.present(name).map(|v| int_of(name, v)).transpose()
    }

    /// A repeated string field (a single value is a list of one).
    pub fn texts(&self, name: &str) -> Result<Vec<String>, TrackingError> {
        match self.present(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().map(|v| text_of(name, v)).collect(),
            Some(value) => Ok(vec![text_of(name, value)?]),
        }
    }

    /// A repeated message field.
    pub fn objects(&self, name: &str) -> Result<Vec<Fields>, TrackingError> {
        match self.present(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(Fields(map.clone())),
                    other => Err(wrong(name, "a list of objects", other)),
                })
                .collect(),
            Some(other) => Err(wrong(name, "a list of objects", other)),
        }
    }

    /// A message field.
    pub fn object(&self, name: &str) -> Result<Option<Fields>, TrackingError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields(map.clone()))),
            Some(other) => Err(wrong(name, "an object", other)),
        }
    }

    /// The run a request is about: `run_id`, or the older `run_uuid`.
    pub fn run_id(&self) -> Result<String, TrackingError> {
        match self.opt_text("run_id")? {
            Some(id) if !id.is_empty() => Ok(id),
            _ => self.text("run_uuid"),
        }
    }

    /// `{key, value}` pairs (tags, params).
    pub fn pairs(&self, name: &str) -> Result<Vec<(String, String)>, TrackingError> {
        self.objects(name)?
            .iter()
            .map(|pair| {
                Ok((
                    pair.text("key")?,
                    pair.opt_text("value")?.unwrap_or_default(),
                ))
            })
            .collect()
    }
}
