//! How much a served model takes from its clients: the largest request
//! body, how long a client may take to send its headers and its body, and
//! how many connections are open at once. Generous for real batches; each
//! is set by an environment variable its refusal names, so an operator who
//! hits one knows what to change.

use std::time::Duration;

/// The largest request body by default, in MiB (`DATALAB_SERVE_MAX_BODY_MB`).
pub const MAX_BODY_MB: u64 = 64;
/// Seconds a client has to send a request's headers, or to start its next
/// request on a kept-alive connection (`DATALAB_SERVE_HEADER_TIMEOUT_S`).
pub const HEADER_TIMEOUT_S: u64 = 15;
/// Seconds a client has to send a request's body (`DATALAB_SERVE_BODY_TIMEOUT_S`).
pub const BODY_TIMEOUT_S: u64 = 60;
/// Connections open at once (`DATALAB_SERVE_MAX_CONNECTIONS`); past it a
/// new connection is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&v| v > 0)
        .unwrap_or(default)
}

impl Limits {
    /// The limits the environment sets, each defaulting to the constant above.
    pub fn from_env() -> Limits {
        let mb = setting("DATALAB_SERVE_MAX_BODY_MB", MAX_BODY_MB);
        Limits {
            max_body_bytes: usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
            header_timeout: Duration::from_secs(setting(
                "DATALAB_SERVE_HEADER_TIMEOUT_S",
                HEADER_TIMEOUT_S,
            )),
            body_timeout: Duration::from_secs(setting(
                "DATALAB_SERVE_BODY_TIMEOUT_S",
                BODY_TIMEOUT_S,
            )),
            max_connections: usize::try_from(setting(
                "DATALAB_SERVE_MAX_CONNECTIONS",
                MAX_CONNECTIONS as u64,
            ))
            .unwrap_or(MAX_CONNECTIONS),
        }
    }

    /// Why a body of more than [`Limits::max_body_bytes`] is refused.
    pub fn body_too_large(&self) -> String {
        format!(
            "the request body is larger than {} MiB, the most this server reads: send fewer rows \
             per request (or set DATALAB_SERVE_MAX_BODY_MB to raise the limit)",
            self.max_body_bytes / (1024 * 1024)
        )
    }

    /// Why a body that arrives too slowly is refused.
    pub fn body_too_slow(&self) -> String {
        format!(
            "the request body did not arrive within {} s (set DATALAB_SERVE_BODY_TIMEOUT_S to \
             allow longer)",
            self.body_timeout.as_secs()
        )
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_env()
    }
}
