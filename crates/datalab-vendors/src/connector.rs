//! What a connector is: the protocol it speaks and how, where it lives, how
//! it authenticates (the *source* of a secret, never the secret), its limits
//! and its prices. This is what the project stores, as JSON.

use serde::{Deserialize, Serialize};

/// A prediction service and how to call it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Connector {
    pub protocol: Protocol,
    /// Scheme, host, port and any path prefix: `https://api.openai.com/v1`,
    /// `http://127.0.0.1:8080`.
    pub base_url: String,
    #[serde(default)]
    pub auth: Option<Auth>,
    /// Per call, from sending to the whole answer.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Further attempts after a 429, a 5xx, a timeout or a broken connection.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// Calls per second at most (none: as fast as the concurrency allows).
    #[serde(default)]
    pub requests_per_second: Option<f64>,
    /// Calls in flight at most.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Rows per call, where the protocol takes several (OIP v2, MLflow).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default)]
    pub pricing: Pricing,
    /// The Data Lab model version (`name:version`) this connector calls,
    /// when it was added by "Add as vendor": the comparison then knows what
    /// the service was trained on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub serves: Option<String>,
}

fn default_timeout_ms() -> u64 {
    30_000
}
fn default_max_retries() -> u32 {
    3
}
fn default_concurrency() -> usize {
    4
}
fn default_batch_size() -> usize {
    1
}

/// The protocol, with what it needs besides the base URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Protocol {
    /// OpenAI-compatible chat completions (`POST {base}/chat/completions`).
    OpenaiChat {
        model: String,
        #[serde(default)]
        system_prompt: Option<String>,
        /// The user message: `{{column}}` is a row's value, `{{row}}` every
        /// feature as `name: value` lines, `{{labels}}` the allowed labels.
        prompt_template: String,
        /// Ask for JSON matching a schema (`response_format`); off for
        /// services that do not take it: the answer is then found in the text.
        #[serde(default = "yes")]
        structured_output: bool,
        #[serde(default)]
        max_tokens: Option<u32>,
        #[serde(default)]
        temperature: Option<f64>,
    },
    /// Open Inference Protocol v2 (KServe, Triton, Seldon MLServer):
    /// `POST {base}/v2/models/{model_name}/infer`, one input tensor per column.
    OipV2 {
        model_name: String,
        /// The output tensor holding predictions (default: the first).
        #[serde(default)]
        output: Option<String>,
    },
    /// MLflow scoring (`POST {base}/invocations`).
    Mlflow {
        #[serde(default)]
        format: MlflowFormat,
    },
    /// Any JSON over HTTP: one row per call.
    Http {
        #[serde(default = "default_method")]
        method: String,
        /// Appended to the base URL.
        #[serde(default)]
        path: String,
        /// Extra headers that are not secret.
        #[serde(default)]
        headers: Vec<Header>,
        /// JSON with `{{column}}` placeholders, each replaced by the row's
        /// value as JSON (a string arrives quoted); `{{row}}` is the row as an object.
        body_template: String,
        /// Where the prediction is in the answer (RFC 6901), like `/result/prediction`.
        prediction_pointer: String,
    },
}

fn yes() -> bool {
    true
}
fn default_method() -> String {
    "POST".into()
}

/// The request shapes MLflow's `/invocations` accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MlflowFormat {
    #[default]
    DataframeSplit,
    DataframeRecords,
    Instances,
    Inputs,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The header a secret goes in, and where the secret comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    #[serde(default = "default_auth_header")]
    pub header: String,
    /// Put before the secret in the header's value.
    #[serde(default = "default_auth_prefix")]
    pub prefix: String,
    pub secret: SecretSource,
}

fn default_auth_header() -> String {
    "Authorization".into()
}
fn default_auth_prefix() -> String {
    "Bearer ".into()
}

/// Where a secret is read from when a connector is used. The secret itself
/// is never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretSource {
    /// An environment variable of the process that calls the service.
    Env { var: String },
}

/// What calls cost, in US dollars (or whatever one currency the project
/// prices all its vendors in: costs are only added and compared).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    #[serde(default)]
    pub per_call: f64,
    #[serde(default)]
    pub per_1k_input_tokens: f64,
    #[serde(default)]
    pub per_1k_output_tokens: f64,
}

impl Pricing {
    pub fn cost(&self, input_tokens: u64, output_tokens: u64) -> f64 {
        self.per_call
            + input_tokens as f64 * self.per_1k_input_tokens / 1000.0
            + output_tokens as f64 * self.per_1k_output_tokens / 1000.0
    }

    pub fn is_free(&self) -> bool {
        self.per_call == 0.0 && self.per_1k_input_tokens == 0.0 && self.per_1k_output_tokens == 0.0
    }
}

/// A configuration that cannot work, said so before any call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        message: message.into(),
    }
}

impl Protocol {
    /// A short name for lists and the database.
    pub fn name(&self) -> &'static str {
        match self {
            Protocol::OpenaiChat { .. } => "openai_chat",
            Protocol::OipV2 { .. } => "oip_v2",
            Protocol::Mlflow { .. } => "mlflow",
            Protocol::Http { .. } => "http",
        }
    }

    /// Whether a call can carry several rows.
    pub fn batches(&self) -> bool {
        matches!(self, Protocol::OipV2 { .. } | Protocol::Mlflow { .. })
    }
}

impl Connector {
    /// Checks what can be checked without a dataset or a network.
    pub fn check(&self) -> Result<(), ConfigError> {
        let url = reqwest::Url::parse(&self.base_url).map_err(|e| {
            bad(
                "base_url",
                format!(
                    "'{}' is not a URL ({e}); write it like http://127.0.0.1:8080",
                    self.base_url
                ),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(
                "base_url",
                format!("use http or https, not {}", url.scheme()),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "base_url",
                "credentials in the URL would be stored with it: put them in an environment variable named by auth",
            ));
        }
        if self.timeout_ms == 0 {
            return Err(bad("timeout_ms", "must be above 0"));
        }
        if self.concurrency == 0 || self.concurrency > 1024 {
            return Err(bad("concurrency", "must be between 1 and 1024"));
        }
        if self.batch_size == 0 {
            return Err(bad("batch_size", "must be at least 1"));
        }
        if self.batch_size > 1 && !self.protocol.batches() {
            return Err(bad(
                "batch_size",
                format!("{} takes one row per call: use 1", self.protocol.name()),
            ));
        }
        if let Some(rate) = self.requests_per_second
            && !(rate > 0.0 && rate.is_finite())
        {
            return Err(bad("requests_per_second", "must be a number above 0"));
        }
        let prices = [
            self.pricing.per_call,
            self.pricing.per_1k_input_tokens,
            self.pricing.per_1k_output_tokens,
        ];
        if prices.iter().any(|p| !(p.is_finite() && *p >= 0.0)) {
            return Err(bad("pricing", "prices must be numbers of 0 or more"));
        }
        if let Some(auth) = &self.auth {
            if auth.header.is_empty()
                || !auth
                    .header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(bad(
                    "auth.header",
                    format!("'{}' is not a header name", auth.header),
                ));
            }
            let SecretSource::Env { var } = &auth.secret;
            if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                // The value is not repeated: it may be a key pasted in the wrong place.
                return Err(bad(
                    "auth.secret.var",
                    "that is not an environment variable name (letters, digits and _ only): give the variable's name, like OPENAI_API_KEY, never the key itself",
                ));
            }
        }
        match &self.protocol {
            Protocol::OpenaiChat {
                model,
                prompt_template,
                ..
            } => {
                if model.trim().is_empty() {
                    return Err(bad("protocol.model", "name the model, like gpt-4o-mini"));
                }
                crate::template::placeholders(prompt_template)
                    .map_err(|e| bad("protocol.prompt_template", e))?;
            }
            Protocol::OipV2 { model_name, .. } => {
                if model_name.trim().is_empty() {
                    return Err(bad("protocol.model_name", "name the served model"));
                }
            }
            Protocol::Mlflow { .. } => {}
            Protocol::Http {
                method,
                body_template,
                prediction_pointer,
                headers,
                ..
            } => {
                if reqwest::Method::from_bytes(method.as_bytes()).is_err() {
                    return Err(bad(
                        "protocol.method",
                        format!("'{method}' is not an HTTP method"),
                    ));
                }
                crate::template::placeholders(body_template)
                    .map_err(|e| bad("protocol.body_template", e))?;
                if !(prediction_pointer.is_empty() || prediction_pointer.starts_with('/')) {
                    return Err(bad(
                        "protocol.prediction_pointer",
                        "a JSON pointer starts with '/', like /result/prediction",
                    ));
                }
                for header in headers {
                    if reqwest::header::HeaderName::from_bytes(header.name.as_bytes()).is_err() {
                        return Err(bad(
                            "protocol.headers",
                            format!("'{}' is not a header name", header.name),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
