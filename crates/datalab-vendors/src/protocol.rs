//! The four protocols: how rows become request bodies, and how an answer
//! body becomes one prediction per row (or a reason per row why not). No
//! network here: `client` sends what this builds.

use crate::connector::{Connector, MlflowFormat, Protocol};
use crate::template;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// A feature column as the service sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// Numbers go as FP64 tensors; everything else as BYTES (text).
    pub numeric: bool,
}

/// The rows to send: `values[row][column]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rows {
    pub columns: Vec<Column>,
    pub values: Vec<Vec<Value>>,
}

impl Rows {
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// What an answer must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// One of these labels (classification).
    Labels(Vec<String>),
    /// A number (regression).
    Number,
}

/// One row's prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// Index into [`Expected::Labels`].
    Label(usize),
    Number(f64),
}

impl Answer {
    /// As text, for the database and for people.
    pub fn text(&self, expected: &Expected) -> String {
        match (self, expected) {
            (Answer::Label(i), Expected::Labels(labels)) => {
                labels.get(*i).cloned().unwrap_or_default()
            }
            (Answer::Label(i), Expected::Number) => i.to_string(),
            (Answer::Number(x), _) => format!("{x}"),
        }
    }
}

/// One HTTP call: where, what, and which rows it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: String,
    pub body: Value,
    /// Indices into [`Rows::values`].
    pub rows: Vec<usize>,
}

impl Request {
    /// The cache key: method, URL and body. Headers (and so secrets) are left out.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.method.as_str().as_bytes());
        hasher.update(b" ");
        hasher.update(self.url.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.body.to_string().as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Tokens a call used, as the service counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// An answer body, read: one result per row of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub answers: Vec<Result<Answer, String>>,
    pub usage: Usage,
}

fn url(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

/// The instruction that tells a chat model what shape to answer in.
fn instruction(expected: &Expected, structured: bool) -> String {
    match expected {
        Expected::Labels(labels) => format!(
            "Labels: {}\nAnswer with exactly one of these labels{}.",
            labels.join(", "),
            if structured {
                ", as JSON: {\"label\": \"...\"}"
            } else {
                " and nothing else"
            }
        ),
        Expected::Number => format!(
            "Answer with a single number{}.",
            if structured {
                ", as JSON: {\"value\": 0.0}"
            } else {
                " and nothing else"
            }
        ),
    }
}

fn response_format(expected: &Expected) -> Value {
    let (name, property) = match expected {
        Expected::Labels(labels) => ("label", json!({"type": "string", "enum": labels})),
        Expected::Number => ("value", json!({"type": "number"})),
    };
    json!({
        "type": "json_schema",
        "json_schema": {
            "name": "prediction",
            "strict": true,
            "schema": {
                "type": "object",
                "properties": {name: property},
                "required": [name],
                "additionalProperties": false
            }
        }
    })
}

fn labels_of(expected: &Expected) -> &[String] {
    match expected {
        Expected::Labels(labels) => labels,
        Expected::Number => &[],
    }
}

/// Checks the connector's templates against the rows' columns.
pub fn check_against(connector: &Connector, rows: &Rows) -> Result<(), String> {
    let names = rows.column_names();
    match &connector.protocol {
        Protocol::OpenaiChat {
            prompt_template, ..
        } => template::check_names(prompt_template, &names, "prompt template"),
        Protocol::Http { body_template, .. } => {
            template::check_names(body_template, &names, "body template")
        }
        Protocol::OipV2 { .. } | Protocol::Mlflow { .. } => Ok(()),
    }
}

/// The calls that carry `rows`, in row order, `batch_size` rows per call
/// where the protocol allows.
pub fn build_requests(
    connector: &Connector,
    rows: &Rows,
    expected: &Expected,
) -> Result<Vec<Request>, String> {
    check_against(connector, rows)?;
    let names = rows.column_names();
    let per_call = if connector.protocol.batches() {
        connector.batch_size.max(1)
    } else {
        1
    };
    let indices: Vec<usize> = (0..rows.values.len()).collect();
    let mut requests = Vec::with_capacity(indices.len().div_ceil(per_call));
    for chunk in indices.chunks(per_call) {
        let request = match &connector.protocol {
            Protocol::OpenaiChat {
                model,
                system_prompt,
                prompt_template,
                structured_output,
                max_tokens,
                temperature,
            } => {
                let values = &rows.values[chunk[0]];
                let prompt =
                    template::render_text(prompt_template, &names, values, labels_of(expected))?;
                let mut system = system_prompt.clone().unwrap_or_default();
                if !system.is_empty() {
                    system.push('\n');
                }
                system.push_str(&instruction(expected, *structured_output));
                let mut body = json!({
                    "model": model,
                    "messages": [
                        {"role": "system", "content": system},
                        {"role": "user", "content": prompt},
                    ],
                });
                if *structured_output {
                    body["response_format"] = response_format(expected);
                }
                if let Some(n) = max_tokens {
                    body["max_tokens"] = json!(n);
                }
                if let Some(t) = temperature {
                    body["temperature"] = json!(t);
                }
                Request {
                    method: reqwest::Method::POST,
                    url: url(&connector.base_url, "/chat/completions"),
                    body,
                    rows: chunk.to_vec(),
                }
            }
            Protocol::OipV2 { model_name, .. } => {
                let inputs: Vec<Value> = rows
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(c, column)| {
                        let data: Vec<Value> =
                            chunk.iter().map(|&r| rows.values[r][c].clone()).collect();
                        json!({
                            "name": column.name,
                            "shape": [chunk.len(), 1],
                            "datatype": if column.numeric { "FP64" } else { "BYTES" },
                            "data": data,
                        })
                    })
                    .collect();
                Request {
                    method: reqwest::Method::POST,
                    url: url(
                        &connector.base_url,
                        &format!("/v2/models/{}/infer", percent_path(model_name)),
                    ),
                    body: json!({ "inputs": inputs }),
                    rows: chunk.to_vec(),
                }
            }
            Protocol::Mlflow { format } => {
                let records = || -> Vec<Value> {
                    chunk
                        .iter()
                        .map(|&r| {
                            Value::Object(
                                names
                                    .iter()
                                    .cloned()
                                    .zip(rows.values[r].iter().cloned())
                                    .collect(),
                            )
                        })
                        .collect()
                };
                let body = match format {
                    MlflowFormat::DataframeSplit => json!({
                        "dataframe_split": {
                            "columns": names,
                            "data": chunk.iter().map(|&r| Value::from(rows.values[r].clone())).collect::<Vec<_>>(),
                        }
                    }),
                    MlflowFormat::DataframeRecords => json!({ "dataframe_records": records() }),
                    MlflowFormat::Instances => json!({ "instances": records() }),
                    MlflowFormat::Inputs => {
                        let columns: Map<String, Value> = names
                            .iter()
                            .enumerate()
                            .map(|(c, name)| {
                                (
                                    name.clone(),
                                    Value::from(
                                        chunk
                                            .iter()
                                            .map(|&r| rows.values[r][c].clone())
                                            .collect::<Vec<_>>(),
                                    ),
                                )
                            })
                            .collect();
                        json!({ "inputs": columns })
                    }
                };
                Request {
                    method: reqwest::Method::POST,
                    url: url(&connector.base_url, "/invocations"),
                    body,
                    rows: chunk.to_vec(),
                }
            }
            Protocol::Http {
                method,
                path,
                body_template,
                ..
            } => Request {
                method: reqwest::Method::from_bytes(method.as_bytes())
                    .map_err(|_| format!("'{method}' is not an HTTP method"))?,
                url: url(&connector.base_url, path),
                body: template::render_json(
                    body_template,
                    &names,
                    &rows.values[chunk[0]],
                    labels_of(expected),
                )?,
                rows: chunk.to_vec(),
            },
        };
        requests.push(request);
    }
    Ok(requests)
}

/// A model name as one path segment.
fn percent_path(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An answer's text for a message: one line, at most `max` characters.
pub(crate) fn excerpt_of(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

fn excerpt(text: &str) -> String {
    excerpt_of(text, 120)
}

/// Reads one answer from a JSON value: a label, a number, or an object or
/// one-element list holding one.
pub fn answer_from_value(value: &Value, expected: &Expected) -> Result<Answer, String> {
    match value {
        Value::Object(map) => {
            for key in ["label", "value", "prediction", "answer", "predicted"] {
                if let Some(inner) = map.get(key) {
                    return answer_from_value(inner, expected);
                }
            }
            match map.values().next() {
                Some(inner) if map.len() == 1 => answer_from_value(inner, expected),
                _ => Err(format!("no prediction in {}", excerpt(&value.to_string()))),
            }
        }
        Value::Array(items) if items.len() == 1 => answer_from_value(&items[0], expected),
        _ => match expected {
            Expected::Labels(labels) => {
                let text = match value {
                    Value::String(s) => s.trim().to_string(),
                    Value::Number(n) => match n.as_f64() {
                        Some(x) => format!("{x}"),
                        None => n.to_string(),
                    },
                    Value::Bool(b) => b.to_string(),
                    Value::Null => return Err("the answer is empty (null)".into()),
                    other => other.to_string(),
                };
                find_label(&text, labels).ok_or_else(|| {
                    format!(
                        "answer '{}' is not one of the allowed labels ({})",
                        excerpt(&text),
                        labels.join(", ")
                    )
                })
            }
            Expected::Number => match value {
                Value::Number(n) => n
                    .as_f64()
                    .map(Answer::Number)
                    .ok_or_else(|| format!("answer {n} is not a number we can read")),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Answer::Number)
                    .ok_or_else(|| format!("answer '{}' is not a number", excerpt(s))),
                other => Err(format!(
                    "answer {} is not a number",
                    excerpt(&other.to_string())
                )),
            },
        },
    }
}

/// An exact label, or the same label in another case.
fn find_label(text: &str, labels: &[String]) -> Option<Answer> {
    labels
        .iter()
        .position(|l| l == text)
        .or_else(|| labels.iter().position(|l| l.eq_ignore_ascii_case(text)))
        .map(Answer::Label)
}

/// Reads one answer from a chat model's text, which may have words around it.
pub fn answer_from_text(text: &str, expected: &Expected) -> Result<Answer, String> {
    let trimmed = text.trim();
    // JSON, whole or inside the text (models wrap it in prose or code fences).
    let json_candidate = serde_json::from_str::<Value>(trimmed).ok().or_else(|| {
        let start = trimmed.find('{')?;
        let end = trimmed.rfind('}')?;
        (end > start)
            .then(|| serde_json::from_str::<Value>(&trimmed[start..=end]).ok())
            .flatten()
    });
    if let Some(value) = json_candidate.filter(|v| v.is_object()) {
        return answer_from_value(&value, expected);
    }
    let bare = trimmed.trim_matches(|c: char| c.is_whitespace() || "\"'`.!*:".contains(c));
    match expected {
        Expected::Labels(labels) => {
            if let Some(answer) = find_label(bare, labels) {
                return Ok(answer);
            }
            let lower = trimmed.to_lowercase();
            let mentioned: Vec<usize> = labels
                .iter()
                .enumerate()
                .filter(|(_, label)| contains_word(&lower, &label.to_lowercase()))
                .map(|(i, _)| i)
                .collect();
            match mentioned.as_slice() {
                [one] => Ok(Answer::Label(*one)),
                [] => Err(format!(
                    "none of the allowed labels ({}) is in the answer '{}'",
                    labels.join(", "),
                    excerpt(trimmed)
                )),
                several => Err(format!(
                    "the answer names several labels ({}): '{}'",
                    several
                        .iter()
                        .map(|&i| labels[i].as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    excerpt(trimmed)
                )),
            }
        }
        Expected::Number => first_number(trimmed)
            .map(Answer::Number)
            .ok_or_else(|| format!("no number in the answer '{}'", excerpt(trimmed))),
    }
}

/// Whether `needle` occurs in `haystack` with no letter or digit touching it.
fn contains_word(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let bytes = haystack.as_bytes();
    let mut from = 0;
    while let Some(at) = haystack[from..].find(needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = start == 0 || !(bytes[start - 1] as char).is_alphanumeric();
        let after = end == bytes.len() || !(bytes[end] as char).is_alphanumeric();
        if before && after {
            return true;
        }
        from = start + needle.len().max(1);
        while from < haystack.len() && !haystack.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// The first decimal number in a text, like `-12.5` or `3e2`.
fn first_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if starts {
            let mut end = i + 1;
            while end < bytes.len()
                && (bytes[end].is_ascii_digit()
                    || bytes[end] == b'.'
                    || ((bytes[end] == b'e' || bytes[end] == b'E')
                        && bytes
                            .get(end + 1)
                            .is_some_and(|b| b.is_ascii_digit() || *b == b'-')))
            {
                if bytes[end] == b'e' || bytes[end] == b'E' {
                    end += 1;
                }
                end += 1;
            }
            let candidate = text[i..end].trim_end_matches('.');
            if let Ok(x) = candidate.parse::<f64>() {
                return Some(x);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    None
}

/// Reads an answer body for `request`. `Err` fails every row of the call
/// (the body is not what the protocol promises); `Ok` has one result per row.
pub fn parse_response(
    connector: &Connector,
    expected: &Expected,
    request: &Request,
    body: &str,
) -> Result<Parsed, String> {
    let value: Value = serde_json::from_str(body).map_err(|e| {
        format!(
            "the service answered something that is not JSON ({e}): '{}'",
            excerpt(body)
        )
    })?;
    let rows = request.rows.len();
    match &connector.protocol {
        Protocol::OpenaiChat { .. } => {
            let content = value
                .pointer("/choices/0/message/content")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    format!(
                        "no choices[0].message.content in the answer: '{}'",
                        excerpt(body)
                    )
                })?;
            let usage = Usage {
                input_tokens: value
                    .pointer("/usage/prompt_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                output_tokens: value
                    .pointer("/usage/completion_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            };
            Ok(Parsed {
                answers: vec![answer_from_text(content, expected)],
                usage,
            })
        }
        Protocol::OipV2 { output, .. } => {
            let outputs = value
                .get("outputs")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("no 'outputs' in the answer: '{}'", excerpt(body)))?;
            let tensor = match output {
                Some(name) => outputs
                    .iter()
                    .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
                    .ok_or_else(|| format!("no output named '{name}' in the answer"))?,
                None => outputs
                    .first()
                    .ok_or_else(|| "the answer has no outputs".to_string())?,
            };
            let data = tensor
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| "the output tensor has no 'data' list".to_string())?;
            per_row(data, rows, expected)
        }
        Protocol::Mlflow { .. } => {
            let predictions = match &value {
                Value::Array(items) => items,
                Value::Object(map) => map
                    .get("predictions")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        format!("no 'predictions' list in the answer: '{}'", excerpt(body))
                    })?,
                _ => return Err(format!("no predictions in the answer: '{}'", excerpt(body))),
            };
            per_row(predictions, rows, expected)
        }
        Protocol::Http {
            prediction_pointer, ..
        } => {
            let found = value.pointer(prediction_pointer).ok_or_else(|| {
                format!(
                    "nothing at {prediction_pointer} in the answer: '{}'",
                    excerpt(body)
                )
            })?;
            Ok(Parsed {
                answers: vec![answer_from_value(found, expected)],
                usage: Usage::default(),
            })
        }
    }
}

fn per_row(data: &[Value], rows: usize, expected: &Expected) -> Result<Parsed, String> {
    if data.len() != rows {
        return Err(format!(
            "the service answered {} predictions for {rows} rows",
            data.len()
        ));
    }
    Ok(Parsed {
        answers: data
            .iter()
            .map(|v| answer_from_value(v, expected))
            .collect(),
        usage: Usage::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Expected {
        Expected::Labels(vec!["ham".into(), "spam".into()])
    }

    #[test]
    fn text_answers_are_found_among_words() {
        let e = labels();
        assert_eq!(answer_from_text("spam", &e), Ok(Answer::Label(1)));
        assert_eq!(answer_from_text("  \"Ham\".", &e), Ok(Answer::Label(0)));
        assert_eq!(
            answer_from_text("Sure! The answer is: spam.", &e),
            Ok(Answer::Label(1))
        );
        assert_eq!(
            answer_from_text("```json\n{\"label\": \"ham\"}\n```", &e),
            Ok(Answer::Label(0))
        );
        assert!(answer_from_text("spammy hamster", &e).is_err());
        assert!(answer_from_text("ham or spam", &e).is_err_and(|m| m.contains("several")));
        assert!(
            answer_from_text("{\"label\": \"maybe\"}", &e).is_err_and(|m| m.contains("'maybe'"))
        );
        assert_eq!(
            answer_from_text("The estimate is -12.5e1.", &Expected::Number),
            Ok(Answer::Number(-125.0))
        );
        assert_eq!(
            answer_from_text("{\"value\": 3}", &Expected::Number),
            Ok(Answer::Number(3.0))
        );
    }

    #[test]
    fn numeric_labels_match_their_text() {
        let e = Expected::Labels(vec!["3".into(), "5".into()]);
        assert_eq!(answer_from_value(&json!(5), &e), Ok(Answer::Label(1)));
        assert_eq!(answer_from_value(&json!(5.0), &e), Ok(Answer::Label(1)));
        assert_eq!(answer_from_value(&json!(["3"]), &e), Ok(Answer::Label(0)));
    }

    #[test]
    fn batches_carry_rows_in_order_and_hash_without_headers() -> Result<(), String> {
        let connector: Connector = serde_json::from_value(json!({
            "protocol": {"kind": "mlflow", "format": "dataframe_split"},
            "base_url": "http://127.0.0.1:1/",
            "batch_size": 2,
        }))
        .map_err(|e| e.to_string())?;
        let rows = Rows {
            columns: vec![Column {
                name: "x".into(),
                numeric: true,
            }],
            values: vec![vec![json!(1.5)], vec![json!(2)], vec![json!(null)]],
        };
        let requests = build_requests(&connector, &rows, &Expected::Number)?;
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].url, "http://127.0.0.1:1/invocations");
        assert_eq!(requests[1].rows, vec![2]);
        assert_eq!(
            requests[0].body,
            json!({"dataframe_split": {"columns": ["x"], "data": [[1.5], [2]]}})
        );
        assert_ne!(requests[0].hash(), requests[1].hash());
        let parsed = parse_response(
            &connector,
            &Expected::Number,
            &requests[0],
            r#"{"predictions": [1, "x"]}"#,
        )?;
        assert_eq!(parsed.answers[0], Ok(Answer::Number(1.0)));
        assert!(parsed.answers[1].is_err());
        assert!(
            parse_response(
                &connector,
                &Expected::Number,
                &requests[0],
                r#"{"predictions": [1]}"#
            )
            .is_err()
        );
        assert!(
            parse_response(
                &connector,
                &Expected::Number,
                &requests[0],
                r#"{"predictions": ["#
            )
            .is_err()
        );
        Ok(())
    }
}
