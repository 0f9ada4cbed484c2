//! What every prediction route does around its own parsing: count the
//! request, check the token, meet the request's fault, answer each row (with
//! the row's own bad-label fault), and shape error bodies the way vendors do
//! (`{"error":{"message":...}}`).
//!
//! A route reads its rows, then calls [`VendorState::meet_fault`] with the key
//! of the first row: the fault of that key is the fault of the whole request,
//! as a vendor's failure hits a whole batch.

use crate::{Fault, ServerConfig, label_for, value_for};
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// A route's outcome: the answer, or the refusal (an error or a fault) that replaces it.
pub(crate) type Reply = Result<Response, Refusal>;

/// Why a request gets no answer; becomes the response a vendor would send.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// 400 saying what is wrong with the request.
    BadRequest(String),
    /// 401: no token, or the wrong one.
    InvalidApiKey,
    /// 429 with `Retry-After` in seconds.
    RateLimited { retry_after_s: u32 },
    /// 500, quoting the Authorization header when the vendor is careless.
    InternalError {
        quoted_authorization: Option<String>,
    },
    /// 200 with a truncated JSON body.
    Malformed,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::BadRequest(message) => error_response(StatusCode::BAD_REQUEST, &message),
            Refusal::InvalidApiKey => error_response(StatusCode::UNAUTHORIZED, "invalid api key"),
            Refusal::RateLimited { retry_after_s } => {
                let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, "rate limited");
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
                response
            }
            Refusal::InternalError {
                quoted_authorization,
            } => {
                let mut error = json!({ "message": "internal error" });
                if let (Some(quoted), Some(fields)) = (quoted_authorization, error.as_object_mut())
                {
                    fields.insert("authorization".to_owned(), Value::String(quoted));
                }
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": error })),
                )
                    .into_response()
            }
            Refusal::Malformed => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                TRUNCATED_BODY,
            )
                .into_response(),
        }
    }
}

/// The answer a bad-label row gives in place of a label.
const NOT_A_LABEL: &str = "not-a-label";
/// The answer a bad-label row gives in place of a number.
const NOT_A_NUMBER: &str = "n/a";
/// The body a `Malformed` request gets: JSON cut off mid-array.
const TRUNCATED_BODY: &str = "{\"predictions\": [";

/// Which protocol a request came in on. Attempts are counted per protocol and
/// key, so running the same rows through two protocols meets each "once"
/// fault once per protocol, whatever the order of the runs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Protocol {
    OpenAi,
    Oip,
    Mlflow,
    Generic,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::OpenAi => "openai",
            Protocol::Oip => "oip",
            Protocol::Mlflow => "mlflow",
            Protocol::Generic => "generic",
        }
    }
}

/// The state all routes share.
#[derive(Debug)]
pub(crate) struct VendorState {
    pub(crate) config: ServerConfig,
    requests: Arc<AtomicU64>,
    /// Attempts seen per `protocol\nkey`, only for keys with a "once" fault.
    attempts: Mutex<HashMap<String, u32>>,
    /// Turns true when the server shuts down: slow and hanging answers stop
    /// waiting, so a graceful shutdown never waits out `hang_ms`.
    stopping: watch::Receiver<bool>,
}

impl VendorState {
    pub(crate) fn new(
        config: ServerConfig,
        requests: Arc<AtomicU64>,
        stopping: watch::Receiver<bool>,
    ) -> VendorState {
        VendorState {
            config,
            requests,
            attempts: Mutex::new(HashMap::new()),
            stopping,
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Counts a prediction request and checks its token. Returns the
    /// request's number (1 for the first), which OpenAI ids are made of.
    pub(crate) fn admit(&self, headers: &HeaderMap) -> Result<u64, Refusal> {
        let number = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        self.check_token(headers)?;
        Ok(number)
    }

    /// 401 unless the request carries `Authorization: Bearer <token>` (when a token is set).
    pub(crate) fn check_token(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Some(token) = &self.config.token else {
            return Ok(());
        };
        let expected = format!("Bearer {token}");
        let given = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if given == Some(expected.as_bytes()) {
            Ok(())
        } else {
            Err(Refusal::InvalidApiKey)
        }
    }

    /// Acts out the fault of the request whose first row has `first_key`:
    /// waits for the slow ones, or returns the refusal that replaces the
    /// answer. A request without rows has no fault.
    pub(crate) async fn meet_fault(
        &self,
        protocol: Protocol,
        first_key: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<(), Refusal> {
        let Some(key) = first_key else {
            return Ok(());
        };
        match self.config.faults.fault_for(key) {
            // A bad label is a per-row fault: `answer` gives it.
            Fault::None | Fault::BadLabel => Ok(()),
            Fault::Slow => {
                self.pause(self.config.slow_ms).await;
                Ok(())
            }
            Fault::Timeout => {
                self.pause(self.config.hang_ms).await;
                Ok(())
            }
            Fault::RateLimitedOnce if self.is_first_attempt(protocol, key) => {
                Err(Refusal::RateLimited {
                    retry_after_s: self.config.retry_after_s,
                })
            }
            Fault::ServerErrorOnce if self.is_first_attempt(protocol, key) => {
                Err(self.internal_error(headers))
            }
            Fault::RateLimitedOnce | Fault::ServerErrorOnce => Ok(()),
            Fault::ServerErrorAlways => Err(self.internal_error(headers)),
            Fault::Malformed => Err(Refusal::Malformed),
        }
    }

    /// The answer for one row: its label (or number when `labels` is empty),
    /// or a value outside the answer set when the row's fault is `BadLabel`.
    pub(crate) fn answer(&self, key: &str, labels: &[String]) -> Value {
        let bad = self.config.faults.fault_for(key) == Fault::BadLabel;
        match (labels.is_empty(), bad) {
            (false, false) => Value::String(label_for(key, labels)),
            (false, true) => Value::String(NOT_A_LABEL.to_owned()),
            (true, false) => Value::from(value_for(key)),
            (true, true) => Value::String(NOT_A_NUMBER.to_owned()),
        }
    }

    /// Records an attempt at `key` and says whether it was the first.
    fn is_first_attempt(&self, protocol: Protocol, key: &str) -> bool {
        // A poisoned map only means another request panicked mid-insert; the counts are still usable.
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = attempts
            .entry(format!("{}\n{key}", protocol.name()))
            .or_insert(0);
        *count = count.saturating_add(1);
        *count == 1
    }

    /// Sleeps `millis`, or less if the server shuts down meanwhile.
    async fn pause(&self, millis: u64) {
        let mut stopping = self.stopping.clone();
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(millis)) => {}
            _ = stopping.wait_for(|stopping| *stopping) => {}
        }
    }

    /// A 500; a careless vendor quotes the request's Authorization header in it.
    fn internal_error(&self, headers: &HeaderMap) -> Refusal {
        let quoted_authorization = headers
            .get(header::AUTHORIZATION)
            .filter(|_| self.config.echo_auth_in_errors)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        Refusal::InternalError {
            quoted_authorization,
        }
    }
}

/// `{"error":{"message":...}}` with `status`.
pub(crate) fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message } }))).into_response()
}

/// 400 saying what is wrong with the request.
pub(crate) fn bad_request(message: &str) -> Refusal {
    Refusal::BadRequest(message.to_owned())
}

/// The body as `T`, or a 400 quoting serde's account of what does not fit.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body)
        .map_err(|error| bad_request(&format!("invalid request body: {error}")))
}
