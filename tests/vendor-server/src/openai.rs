//! `POST /v1/chat/completions`: an OpenAI-compatible chat model that answers
//! one row per request.
//!
//! The row's key is the content of the last `user` message. The label set
//! comes from the request, as a real client would send it: the enum of
//! `response_format.json_schema.schema.properties.label`, or else a line
//! `Labels: a, b, c` in any message; with neither, the answer is a number.
//! With a JSON `response_format` the content is JSON (`{"label":"X"}` /
//! `{"value":12.34}`); without one it is chatty free text a client must dig
//! the answer out of.

use crate::pipeline::{Protocol, Reply, VendorState, bad_request, parse_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The fields we read; `max_tokens`, `temperature` and the rest are accepted and ignored.
#[derive(Debug, Deserialize)]
struct ChatRequest {
    model: String,
    messages: Vec<ChatMessage>,
    #[serde(default)]
    response_format: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct ChatMessage {
    role: String,
    #[serde(default)]
    content: Value,
}

/// The prefix of the prompt line that lists the labels.
const LABELS_LINE: &str = "Labels:";

pub(crate) async fn chat_completions(
    State(state): State<Arc<VendorState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let number = state.admit(&headers)?;
    let request: ChatRequest = parse_body(&body)?;
    let texts = request
        .messages
        .iter()
        .enumerate()
        .map(|(index, message)| text_of(index, &message.content))
        .collect::<Result<Vec<String>, String>>()
        .map_err(|message| bad_request(&message))?;
    let key = request
        .messages
        .iter()
        .zip(&texts)
        .rev()
        .find(|(message, _)| message.role == "user")
        .map(|(_, text)| text.as_str())
        .ok_or_else(|| bad_request("no message has the role \"user\": nothing to answer"))?;
    state
        .meet_fault(Protocol::OpenAi, Some(key), &headers)
        .await?;

    let labels = labels_of(request.response_format.as_ref(), &texts);
    let answer = state.answer(key, &labels);
    let content = if wants_json(request.response_format.as_ref()) {
        let field = if labels.is_empty() { "value" } else { "label" };
        json!({ field: answer }).to_string()
    } else if labels.is_empty() {
        format!("Sure! The estimate is {}.", plain(&answer))
    } else {
        format!("Sure! The answer is: {}.", plain(&answer))
    };

    let prompt_chars: usize = texts.iter().map(|text| text.chars().count()).sum();
    let prompt_tokens = prompt_chars.div_ceil(4);
    let completion_tokens = content.chars().count().div_ceil(4);
    Ok(Json(json!({
        "id": format!("chatcmpl-{number}"),
        "object": "chat.completion",
        "created": 0,
        "model": request.model,
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content },
            "finish_reason": "stop",
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }))
    .into_response())
}

/// A message's text: a string, or the `text` of each part of a content array
/// (joined with newlines); no content is empty text.
fn text_of(index: usize, content: &Value) -> Result<String, String> {
    match content {
        Value::Null => Ok(String::new()),
        Value::String(text) => Ok(text.clone()),
        Value::Array(parts) => Ok(parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")),
        _ => Err(format!(
            "messages[{index}].content must be a string or an array of text parts"
        )),
    }
}

/// The labels the client offers: the JSON schema's enum first, else the first
/// `Labels:` line of any message; none means a number is wanted.
fn labels_of(response_format: Option<&Value>, texts: &[String]) -> Vec<String> {
    let schema_enum = response_format
        .and_then(|format| format.pointer("/json_schema/schema/properties/label/enum"))
        .and_then(Value::as_array);
    if let Some(values) = schema_enum {
        let labels: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if !labels.is_empty() {
            return labels;
        }
    }
    texts
        .iter()
        .flat_map(|text| text.lines())
        .find_map(|line| line.trim_start().strip_prefix(LABELS_LINE))
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|label| !label.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the client asked for JSON content (`json_schema` or `json_object`).
fn wants_json(response_format: Option<&Value>) -> bool {
    let kind = response_format
        .and_then(|format| format.get("type"))
        .and_then(Value::as_str);
    matches!(kind, Some("json_schema" | "json_object"))
}

/// An answer as prose: strings without their JSON quotes.
fn plain(answer: &Value) -> String {
    match answer {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
