//! Sending an evaluation's calls: answers from the cache first, then the
//! rest over HTTP with at most `concurrency` in flight, at most
//! `requests_per_second`, retries with backoff that honour `Retry-After`,
//! and a spend cap checked *before* each call (a call is only sent when its
//! estimated cost still fits). Each call's outcome goes to the caller as it
//! ends, on the caller's thread, so the caller can record it.

use crate::connector::{Connector, Protocol};
use crate::error::VendorError;
use crate::protocol::{self, Answer, Expected, Parsed, Request, Rows, Usage};
use crate::secret::{Secret, redact};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The longest `Retry-After` we wait for; longer, the call fails saying so.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Output tokens assumed per row when estimating a call's cost before it is
/// sent and the connector sets no `max_tokens`.
const ESTIMATED_OUTPUT_TOKENS: u64 = 16;

/// Why a row has no answer, by kind (for counting) and in words.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No answer within the timeout, on every attempt.
    Timeout,
    /// 429 on every attempt.
    RateLimited,
    /// A 5xx on every attempt.
    ServerError,
    /// 401 or 403: the credentials.
    Refused,
    /// Another 4xx: the service did not accept the request.
    Rejected,
    /// The connection failed.
    Unreachable,
    /// The answer is not what the protocol promises (not JSON, no predictions).
    Malformed,
    /// The answer is not an allowed label, or not a number.
    InvalidAnswer,
    /// Never sent: cancelled, over the spend cap, or after a refusal.
    NotSent,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Timeout => "timeout",
            FailureKind::RateLimited => "rate_limited",
            FailureKind::ServerError => "server_error",
            FailureKind::Refused => "refused",
            FailureKind::Rejected => "rejected",
            FailureKind::Unreachable => "unreachable",
            FailureKind::Malformed => "malformed",
            FailureKind::InvalidAnswer => "invalid_answer",
            FailureKind::NotSent => "not_sent",
        }
    }

    pub fn parse(text: &str) -> Option<FailureKind> {
        [
            FailureKind::Timeout,
            FailureKind::RateLimited,
            FailureKind::ServerError,
            FailureKind::Refused,
            FailureKind::Rejected,
            FailureKind::Unreachable,
            FailureKind::Malformed,
            FailureKind::InvalidAnswer,
            FailureKind::NotSent,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// A row without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// A response kept from an earlier evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedBody {
    pub body: String,
    pub latency_ms: f64,
}

/// How one call went.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub call_index: usize,
    /// Indices into the rows, as the call carried them.
    pub rows: Vec<usize>,
    /// One per row: the answer, or why there is none.
    pub answers: Vec<Result<Answer, Failure>>,
    /// Of the attempt that answered (or the last one); none when not sent.
    pub latency_ms: Option<f64>,
    pub attempts: u32,
    pub usage: Usage,
    /// At the vendor's prices (also for an answer from the cache).
    pub cost: f64,
    /// Answered from the cache: no HTTP call, nothing spent.
    pub cached: bool,
    /// When the call was let go (past the rate limit and the spend check);
    /// none when it was not sent. With `latency_ms`, a timeline of the evaluation.
    pub started: Option<Instant>,
    /// A fresh, well-formed answer to keep: (request hash, body, latency).
    pub to_cache: Option<(String, CachedBody)>,
}

/// Why an evaluation stopped before sending every call.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    Cancelled,
    /// The next call would have passed the cap.
    SpendCap {
        cap: f64,
    },
    /// The service refused the credentials: more calls would be refused too.
    Refused {
        message: String,
    },
}

/// What an evaluation did in all.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationEnd {
    pub calls: usize,
    /// Calls that went over HTTP.
    pub sent: usize,
    pub cached: usize,
    /// Money spent by this evaluation (cached answers cost nothing).
    pub spent: f64,
    pub stopped: Option<Stop>,
    pub wall_ms: f64,
}

/// A request as it will be sent, with secrets masked: for "test with one row".
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPreview {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

/// The calls of an evaluation, built and ready to send.
#[derive(Debug)]
pub struct Plan {
    connector: Connector,
    expected: Expected,
    requests: Vec<Request>,
}

struct Spending {
    committed: f64,
    reserved: f64,
}

enum Sent {
    Answered {
        body: String,
        latency_ms: f64,
        attempts: u32,
    },
    Failed {
        kind: FailureKind,
        message: String,
        latency_ms: Option<f64>,
        attempts: u32,
    },
}

impl Plan {
    /// Builds every call for `rows`; the error says what in the connector
    /// does not fit these rows.
    pub fn new(
        connector: &Connector,
        rows: &Rows,
        expected: &Expected,
    ) -> Result<Plan, VendorError> {
        connector.check()?;
        Ok(Plan {
            requests: protocol::build_requests(connector, rows, expected)
                .map_err(VendorError::Rows)?,
            connector: connector.clone(),
            expected: expected.clone(),
        })
    }

    pub fn requests(&self) -> &[Request] {
        &self.requests
    }

    /// The cache key of each call, in order.
    pub fn request_hashes(&self) -> Vec<String> {
        self.requests.iter().map(Request::hash).collect()
    }

    /// Call `index` as it will go out; the secret shows as `***`.
    pub fn preview(&self, index: usize) -> Option<RequestPreview> {
        let request = self.requests.get(index)?;
        let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        if let Protocol::Http { headers: extra, .. } = &self.connector.protocol {
            headers.extend(extra.iter().map(|h| (h.name.clone(), h.value.clone())));
        }
        if let Some(auth) = &self.connector.auth {
            headers.push((auth.header.clone(), format!("{}***", auth.prefix)));
        }
        Some(RequestPreview {
            method: request.method.to_string(),
            url: request.url.clone(),
            headers,
            body: request.body.clone(),
        })
    }

    fn estimate(&self, request: &Request) -> f64 {
        let pricing = &self.connector.pricing;
        if pricing.is_free() {
            return 0.0;
        }
        let input = request.body.to_string().len() as u64 / 4;
        let output = match &self.connector.protocol {
            Protocol::OpenaiChat {
                max_tokens: Some(n),
                ..
            } => u64::from(*n),
            _ => ESTIMATED_OUTPUT_TOKENS * request.rows.len() as u64,
        };
        pricing.cost(input, output)
    }

    fn read(&self, request: &Request, body: &str) -> Result<Parsed, Failure> {
        protocol::parse_response(&self.connector, &self.expected, request, body).map_err(
            |message| Failure {
                kind: FailureKind::Malformed,
                message,
            },
        )
    }

    fn record(
        &self,
        call_index: usize,
        request: &Request,
        parsed: Result<Parsed, Failure>,
        latency_ms: Option<f64>,
        attempts: u32,
        cached: bool,
    ) -> CallRecord {
        let rows = request.rows.clone();
        match parsed {
            Ok(parsed) => CallRecord {
                call_index,
                answers: parsed
                    .answers
                    .into_iter()
                    .map(|a| {
                        a.map_err(|message| Failure {
                            kind: FailureKind::InvalidAnswer,
                            message,
                        })
                    })
                    .collect(),
                rows,
                latency_ms,
                attempts,
                usage: parsed.usage,
                cost: self
                    .connector
                    .pricing
                    .cost(parsed.usage.input_tokens, parsed.usage.output_tokens),
                cached,
                started: None,
                to_cache: None,
            },
            Err(failure) => CallRecord {
                call_index,
                answers: vec![Err(failure); rows.len()],
                rows,
                latency_ms,
                attempts,
                usage: Usage::default(),
                cost: 0.0,
                cached,
                started: None,
                to_cache: None,
            },
        }
    }

    /// Sends the calls not in `cached`, telling `on_call` about every call
    /// (cached ones first) as it ends. Blocking: it runs its own runtime.
    pub fn run(
        &self,
        secret: Option<&Secret>,
        cached: &HashMap<String, CachedBody>,
        spend_cap: Option<f64>,
        cancel: &AtomicBool,
        on_call: &mut dyn FnMut(CallRecord),
    ) -> Result<EvaluationEnd, VendorError> {
        let started = Instant::now();
        let hashes = self.request_hashes();
        let mut end = EvaluationEnd {
            calls: self.requests.len(),
            sent: 0,
            cached: 0,
            spent: 0.0,
            stopped: None,
            wall_ms: 0.0,
        };
        let mut pending = VecDeque::new();
        for (index, (request, hash)) in self.requests.iter().zip(&hashes).enumerate() {
            match cached.get(hash) {
                Some(hit) => {
                    end.cached += 1;
                    let parsed = self.read(request, &hit.body);
                    on_call(self.record(index, request, parsed, Some(hit.latency_ms), 0, true));
                }
                None => pending.push_back(index),
            }
        }
        if pending.is_empty() {
            end.wall_ms = started.elapsed().as_secs_f64() * 1e3;
            return Ok(end);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(self.connector.timeout_ms))
            .pool_max_idle_per_host(self.connector.concurrency)
            .build()
            .map_err(|e| VendorError::Setup(format!("could not set up HTTP: {e}")))?;
        let headers = self.headers(secret)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| VendorError::Setup(format!("could not start the HTTP runtime: {e}")))?;
        let queue = Mutex::new(pending);
        let spending = Mutex::new(Spending {
            committed: 0.0,
            reserved: 0.0,
        });
        let stop: Mutex<Option<Stop>> = Mutex::new(None);
        let stopping = AtomicBool::new(false);
        let next_slot = Mutex::new(Instant::now());
        let interval = self
            .connector
            .requests_per_second
            .and_then(|rate| Duration::try_from_secs_f64(1.0 / rate).ok());
        let (sender, mut receiver) = mpsc::unbounded_channel::<CallRecord>();
        let mut not_sent: Vec<usize> = Vec::new();
        runtime.block_on(async {
            let worker = |sender: mpsc::UnboundedSender<CallRecord>| {
                let (client, headers, queue, spending, stop, stopping, next_slot, hashes) = (
                    &client, &headers, &queue, &spending, &stop, &stopping, &next_slot, &hashes,
                );
                async move {
                    loop {
                        if cancel.load(Ordering::SeqCst) {
                            set_stop(stop, stopping, Stop::Cancelled);
                        }
                        if stopping.load(Ordering::SeqCst) {
                            return;
                        }
                        let Some(index) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                            return;
                        };
                        let request = &self.requests[index];
                        let estimate = self.estimate(request);
                        if let Some(cap) = spend_cap {
                            let fits = spending.lock().is_ok_and(|mut s| {
                                let fits = s.committed + s.reserved + estimate <= cap + 1e-12;
                                if fits {
                                    s.reserved += estimate;
                                }
                                fits
                            });
                            if !fits {
                                if let Ok(mut q) = queue.lock() {
                                    q.push_front(index);
                                }
                                set_stop(stop, stopping, Stop::SpendCap { cap });
                                return;
                            }
                        }
                        if let Some(interval) = interval {
                            let slot = next_slot.lock().map(|mut next| {
                                let slot = (*next).max(Instant::now());
                                *next = slot + interval;
                                slot
                            });
                            if let Ok(slot) = slot {
                                tokio::time::sleep_until(slot.into()).await;
                            }
                        }
                        let let_go = Instant::now();
                        let sent =
                            send(client, headers, request, &self.connector, secret, cancel).await;
                        let mut record = match sent {
                            Sent::Answered {
                                body,
                                latency_ms,
                                attempts,
                            } => {
                                let parsed = self.read(request, &body);
                                let keep = parsed.is_ok();
                                let mut record = self.record(
                                    index,
                                    request,
                                    parsed,
                                    Some(latency_ms),
                                    attempts,
                                    false,
                                );
                                if keep {
                                    record.to_cache = Some((
                                        hashes[index].clone(),
                                        CachedBody {
                                            body: redact(secret, &body),
                                            latency_ms,
                                        },
                                    ));
                                }
                                record
                            }
                            Sent::Failed {
                                kind,
                                message,
                                latency_ms,
                                attempts,
                            } => {
                                if kind == FailureKind::Refused {
                                    set_stop(
                                        stop,
                                        stopping,
                                        Stop::Refused {
                                            message: message.clone(),
                                        },
                                    );
                                }
                                self.record(
                                    index,
                                    request,
                                    Err(Failure { kind, message }),
                                    latency_ms,
                                    attempts,
                                    false,
                                )
                            }
                        };
                        record.started = Some(let_go);
                        if let Ok(mut s) = spending.lock() {
                            s.reserved = (s.reserved - estimate).max(0.0);
                            s.committed += record.cost;
                        }
                        if sender.send(record).is_err() {
                            return;
                        }
                    }
                }
            };
            let workers: Vec<_> = (0..self.connector.concurrency.max(1))
                .map(|_| worker(sender.clone()))
                .collect();
            drop(sender);
            let collect = async {
                while let Some(record) = receiver.recv().await {
                    end.sent += 1;
                    end.spent += record.cost;
                    on_call(record);
                }
            };
            tokio::join!(join_all(workers), collect);
        });
        if let Ok(mut q) = queue.lock() {
            not_sent.extend(q.drain(..));
        }
        end.stopped = stop.lock().ok().and_then(|s| s.clone());
        let reason = match &end.stopped {
            Some(Stop::Cancelled) => "not sent: the evaluation was cancelled".to_string(),
            Some(Stop::SpendCap { cap }) => {
                format!("not sent: the next call would have passed the spend cap of {cap}")
            }
            Some(Stop::Refused { .. }) => {
                "not sent: the service refused the credentials".to_string()
            }
            None => "not sent".to_string(),
        };
        not_sent.sort_unstable();
        for index in not_sent {
            let request = &self.requests[index];
            let failure = Failure {
                kind: FailureKind::NotSent,
                message: reason.clone(),
            };
            on_call(self.record(index, request, Err(failure), None, 0, false));
        }
        end.wall_ms = started.elapsed().as_secs_f64() * 1e3;
        Ok(end)
    }

    fn headers(&self, secret: Option<&Secret>) -> Result<reqwest::header::HeaderMap, VendorError> {
        use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
        let mut headers = HeaderMap::new();
        if let Protocol::Http { headers: extra, .. } = &self.connector.protocol {
            for header in extra {
                let name = HeaderName::from_bytes(header.name.as_bytes()).map_err(|_| {
                    VendorError::Setup(format!("'{}' is not a header name", header.name))
                })?;
                let value = HeaderValue::from_str(&header.value).map_err(|_| {
                    VendorError::Setup(format!("the value of header {} is not valid", header.name))
                })?;
                headers.insert(name, value);
            }
        }
        if let Some(auth) = &self.connector.auth {
            let secret = secret.ok_or_else(|| {
                VendorError::Secret(format!(
                    "the connector needs a secret for its {} header, and none was given",
                    auth.header
                ))
            })?;
            let name = HeaderName::from_bytes(auth.header.as_bytes()).map_err(|_| {
                VendorError::Setup(format!("'{}' is not a header name", auth.header))
            })?;
            let mut value = HeaderValue::from_str(&format!("{}{}", auth.prefix, secret.expose()))
                .map_err(|_| {
                VendorError::Secret("the secret has characters a header cannot carry".into())
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(headers)
    }
}

fn set_stop(stop: &Mutex<Option<Stop>>, stopping: &AtomicBool, why: Stop) {
    if let Ok(mut current) = stop.lock()
        && current.is_none()
    {
        *current = Some(why);
    }
    stopping.store(true, Ordering::SeqCst);
}

/// How long to wait before attempt `attempt + 1`: the server's `Retry-After`
/// when it gives one, else exponential backoff from 100 ms.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << attempt.min(7)))
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<f64>() {
        // A server may send anything: a wait too long for a Duration is simply too long.
        return Duration::try_from_secs_f64(seconds)
            .ok()
            .or((seconds > 0.0).then_some(Duration::MAX));
    }
    let when = httpdate(value)?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires.
fn httpdate(text: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u64 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as u64
        + 1;
    let year: u64 = parts[3].parse().ok()?;
    let hms: Vec<u64> = parts[4].split(':').filter_map(|p| p.parse().ok()).collect();
    if hms.len() != 3 || !(1970..=9999).contains(&year) || day > 31 || hms.iter().any(|&v| v > 60) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Some(std::time::UNIX_EPOCH + Duration::from_secs(seconds))
}

fn retryable(status: reqwest::StatusCode) -> bool {
    status.as_u16() == 429 || status.as_u16() == 408 || status.is_server_error()
}

/// An error body, as much as a message shows of it.
fn excerpt(text: &str) -> String {
    protocol::excerpt_of(text, 160)
}

/// One call with its retries.
async fn send(
    client: &reqwest::Client,
    headers: &reqwest::header::HeaderMap,
    request: &Request,
    connector: &Connector,
    secret: Option<&Secret>,
    cancel: &AtomicBool,
) -> Sent {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let started = Instant::now();
        let outcome = async {
            let response = client
                .request(request.method.clone(), &request.url)
                .headers(headers.clone())
                .json(&request.body)
                .send()
                .await?;
            let status = response.status();
            let retry = retry_after(response.headers());
            let body = response.text().await?;
            Ok::<_, reqwest::Error>((status, retry, body))
        }
        .await;
        let latency_ms = started.elapsed().as_secs_f64() * 1e3;
        let can_retry = attempts <= connector.max_retries && !cancel.load(Ordering::SeqCst);
        let wait = match outcome {
            Ok((status, _, body)) if status.is_success() => {
                return Sent::Answered {
                    body,
                    latency_ms,
                    attempts,
                };
            }
            Ok((status, retry, body)) => {
                let message = redact(
                    secret,
                    &format!("HTTP {}: {}", status.as_u16(), excerpt(&body)),
                );
                if status.as_u16() == 401 || status.as_u16() == 403 {
                    let hint = match &connector.auth {
                        Some(auth) => {
                            let crate::connector::SecretSource::Env { var } = &auth.secret;
                            format!("check the key in the environment variable {var}")
                        }
                        None => "the connector sends no credentials: add auth".to_string(),
                    };
                    return Sent::Failed {
                        kind: FailureKind::Refused,
                        message: format!("the service refused the credentials ({message}): {hint}"),
                        latency_ms: Some(latency_ms),
                        attempts,
                    };
                }
                let kind = match status.as_u16() {
                    429 => FailureKind::RateLimited,
                    408 => FailureKind::Timeout,
                    s if s >= 500 => FailureKind::ServerError,
                    _ => FailureKind::Rejected,
                };
                if !retryable(status) || !can_retry {
                    return Sent::Failed {
                        kind,
                        message: if retryable(status) {
                            format!("{message} (after {attempts} attempts)")
                        } else {
                            message
                        },
                        latency_ms: Some(latency_ms),
                        attempts,
                    };
                }
                if let Some(wait) = retry.filter(|w| *w > MAX_RETRY_AFTER) {
                    return Sent::Failed {
                        kind,
                        message: format!(
                            "{message}: the service asks to wait {} s before trying again, more than the {} s we wait",
                            wait.as_secs(),
                            MAX_RETRY_AFTER.as_secs()
                        ),
                        latency_ms: Some(latency_ms),
                        attempts,
                    };
                }
                retry.unwrap_or_else(|| backoff(attempts))
            }
            Err(error) => {
                let (kind, message) = if error.is_timeout() {
                    (
                        FailureKind::Timeout,
                        format!("no answer within {} ms", connector.timeout_ms),
                    )
                } else if error.is_connect() {
                    (
                        FailureKind::Unreachable,
                        format!(
                            "could not connect to {}: is the service running?",
                            host_of(&request.url)
                        ),
                    )
                } else {
                    (
                        FailureKind::Unreachable,
                        redact(secret, &format!("the call failed: {error}")),
                    )
                };
                if !can_retry {
                    return Sent::Failed {
                        kind,
                        message: format!("{message} (after {attempts} attempts)"),
                        latency_ms: None,
                        attempts,
                    };
                }
                backoff(attempts)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .map(|u| {
            format!(
                "{}:{}",
                u.host_str().unwrap_or("?"),
                u.port_or_known_default().unwrap_or(0)
            )
        })
        .unwrap_or_else(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("2"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        assert_eq!(
            httpdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(std::time::UNIX_EPOCH + Duration::from_secs(784_111_777))
        );
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }
}
