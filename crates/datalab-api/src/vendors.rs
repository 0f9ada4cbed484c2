//! Vendor connectors: added (the secret's source is kept, never the
//! secret), listed, tried on one test row, removed.

use crate::error::ApiError;
use datalab_lab::test_rows::TestRows;
use datalab_project::{ExperimentId, Project, VendorId, names};
use datalab_vendors::{CallRecord, Connector, Plan, Secret};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// A connector to add, under a name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AddVendorRequest {
    /// Its name in the project.
    pub name: String,
    /// How to reach the service.
    pub connector: Connector,
}

/// A vendor, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VendorName {
    /// The vendor's name.
    pub vendor: String,
}

/// A connector as the project keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VendorInfo {
    /// Its number.
    pub id: VendorId,
    /// Its name.
    pub name: String,
    /// Its protocol's short name.
    pub protocol: String,
    /// How to reach the service.
    pub connector: Connector,
    /// The environment variable the secret comes from, if the connector uses one.
    pub secret_env: Option<String>,
    /// Whether that variable is set in this process (its value is never shown).
    pub secret_available: bool,
    /// When it was added.
    pub created_at: String,
}

/// A vendor's record as the API shows it.
pub(crate) fn vendor_info(record: &datalab_project::VendorRecord) -> Result<VendorInfo, ApiError> {
    let connector = connector_of(&record.name, &record.config_json)?;
    let secret_env = connector.auth.as_ref().map(|auth| {
        let datalab_vendors::SecretSource::Env { var } = &auth.secret;
        var.clone()
    });
    let secret_available = connector
        .auth
        .as_ref()
        .is_none_or(|auth| Secret::resolve(&auth.secret).is_ok());
    Ok(VendorInfo {
        id: record.id,
        name: record.name.clone(),
        protocol: record.protocol.clone(),
        connector,
        secret_env,
        secret_available,
        created_at: record.created_at.clone(),
    })
}

/// A stored connector configuration, read back.
pub(crate) fn connector_of(name: &str, config_json: &str) -> Result<Connector, ApiError> {
    serde_json::from_str(config_json).map_err(|e| {
        ApiError::internal(format!(
            "vendor '{name}' has a configuration this build cannot read: {e}"
        ))
    })
}

/// The connector's secret, read now from where it says.
pub(crate) fn resolve_secret(connector: &Connector) -> Result<Option<Secret>, ApiError> {
    Ok(connector
        .auth
        .as_ref()
        .map(|auth| Secret::resolve(&auth.secret))
        .transpose()?)
}

/// Records a connector. Nothing secret is stored: only where the secret comes from.
pub fn add_vendor(project: &Project, request: &AddVendorRequest) -> Result<VendorInfo, ApiError> {
    names::check_name("vendor", &request.name)?;
    request.connector.check().map_err(|e| {
        let field = e.field;
        ApiError::invalid_field(field, format!("vendor '{}': {e}", request.name))
    })?;
    let config =
        serde_json::to_string(&request.connector).map_err(|e| ApiError::internal(e.to_string()))?;
    let record =
        project.insert_vendor(&request.name, request.connector.protocol.name(), &config)?;
    vendor_info(&record)
}

/// Every connector of the project.
pub fn list_vendors(project: &Project) -> Result<Vec<VendorInfo>, ApiError> {
    project.vendors()?.iter().map(vendor_info).collect()
}

/// Removes a connector; its evaluations stay, under its name.
pub fn remove_vendor(project: &Project, name: &str) -> Result<VendorInfo, ApiError> {
    vendor_info(&project.remove_vendor(name)?)
}

/// A vendor to try on an experiment's first test row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TestVendorRequest {
    /// The vendor's name.
    pub vendor: String,
    /// The experiment whose first test row is sent.
    pub experiment: ExperimentId,
}

/// A request as it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RequestPreview {
    /// The HTTP method.
    pub method: String,
    /// The URL.
    pub url: String,
    /// Secret values show as `***`.
    pub headers: Vec<datalab_vendors::Header>,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// What one test row through a vendor gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct VendorTest {
    /// The request sent.
    pub request: RequestPreview,
    /// The experiment row sent.
    pub row: u64,
    /// The row's true answer.
    pub truth: Option<String>,
    /// The vendor's answer, when there is one.
    pub answer: Option<String>,
    /// Why there is none, when there is none.
    pub failure: Option<String>,
    /// How long the call took.
    pub latency_ms: Option<f64>,
    /// Tries it took (retries included).
    pub attempts: u32,
    /// Tokens in, as the vendor counted them.
    pub input_tokens: u64,
    /// Tokens out.
    pub output_tokens: u64,
    /// What the call cost.
    pub cost: f64,
}

/// Sends one test row through a connector (never from the cache) and shows
/// the request, the answer and what it cost.
pub fn test_vendor(project: &Project, request: &TestVendorRequest) -> Result<VendorTest, ApiError> {
    let vendor = vendor_info(&project.vendor(&request.vendor)?)?;
    let test = TestRows::of_experiment(project, request.experiment)?;
    let row = *test
        .to_send()
        .first()
        .ok_or_else(|| ApiError::invalid("the experiment has no test rows"))?;
    let plan = Plan::new(&vendor.connector, &test.subset(&[row]), &test.expected).map_err(|e| {
        let api: ApiError = e.into();
        ApiError {
            message: format!("vendor '{}': {}", vendor.name, api.message),
            ..api
        }
    })?;
    let preview = plan
        .preview(0)
        .ok_or_else(|| ApiError::internal("no request was built"))?;
    let secret = resolve_secret(&vendor.connector)?;
    let mut record: Option<CallRecord> = None;
    plan.run(
        secret.as_ref(),
        &HashMap::new(),
        None,
        &AtomicBool::new(false),
        &mut |call| record = Some(call),
    )
    .map_err(|e| ApiError::vendor(e.to_string()))?;
    let call = record.ok_or_else(|| ApiError::internal("the call reported nothing"))?;
    let (answer, failure) = match call.answers.first() {
        Some(Ok(answer)) => (Some(answer.text(&test.expected)), None),
        Some(Err(failure)) => (None, Some(failure.message.clone())),
        None => (None, Some("no answer".to_string())),
    };
    Ok(VendorTest {
        request: RequestPreview {
            method: preview.method,
            url: preview.url,
            headers: preview
                .headers
                .into_iter()
                .map(|(name, value)| datalab_vendors::Header { name, value })
                .collect(),
            body: preview.body,
        },
        row: row as u64,
        truth: test.truth(row),
        answer,
        failure,
        latency_ms: call.latency_ms,
        attempts: call.attempts,
        input_tokens: call.usage.input_tokens,
        output_tokens: call.usage.output_tokens,
        cost: call.cost,
    })
}
