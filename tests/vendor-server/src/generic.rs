//! `POST /generic/predict`: a home-made JSON API holding one row per request,
//! for clients configured with a URL, a body template and a JSON pointer.
//!
//! The key is the body re-serialised compactly (`serde_json::to_string` of
//! the parsed value), so whitespace does not matter but the values do. The
//! answer sits at the JSON pointer `/result/prediction`.

use crate::pipeline::{Protocol, Reply, VendorState, parse_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) async fn predict(
    State(state): State<Arc<VendorState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    state.admit(&headers)?;
    let request: Value = parse_body(&body)?;
    let key = request.to_string();
    state
        .meet_fault(Protocol::Generic, Some(&key), &headers)
        .await?;
    let prediction = state.answer(&key, &state.config.labels);
    Ok(
        Json(json!({ "result": { "prediction": prediction, "model": "generic-1" } }))
            .into_response(),
    )
}
