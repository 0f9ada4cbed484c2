//! The TypeScript client types, generated from the Rust API types (ts-rs),
//! and the facts the UI must not keep copies of (the metrics and their
//! rules), as constants beside them.

use crate::error::ErrorCode;
use crate::ops::{
    Affected, CancelRunsRequest, CompareRunsRequest, CreateExperimentRequest, DatasetName, Empty,
    ExperimentRef, ListRunsRequest, OPERATIONS, ProjectPath, RunExperimentRequest, RunRef,
    SpecText, StorageName, operation_map,
};
use crate::{
    AddStorageRequest, AddVendorRequest, Agreements, ApiError, Candidate, CandidateComparison,
    CandidateKind, DatasetInfo, EvaluateRequest, EvaluationDetail, EvaluationInfo,
    EvaluationProgress, EvaluationSummary, Event, ExperimentDetail, ExperimentId, ExperimentInfo,
    ExperimentOutcome, ExperimentSpec, FetchRequest, ImportOutcome, ImportRequest, JobId, JobInfo,
    JobKind, JobStatus, ModelRef, ModelVersionDetail, ModelVersionInfo, PairComparison,
    PreviewDatasetRequest, ProjectSummary, PublicationInfo, PublishOutcome, PublishRequest,
    QueryRequest, RegisterModelRequest, RemoteVersion, RunComparison, RunDetail, RunEvent, RunId,
    RunInfo, RunPage, SetAliasRequest, Stage, StorageTargetInfo, VendorInfo, VendorTest, Verdict,
};
use datalab_data::{DatasetProfile, QueryOutput};
use datalab_ml::catalog::ModelSpec;
use ts_rs::TS;

/// Declares `T` for the TypeScript file.
fn declare<T: TS>(config: &ts_rs::Config) -> String {
    // `decl` carries the type's doc comment.
    format!("export {}\n", T::decl(config))
}

/// The TypeScript client types: every request, response and event type, the
/// `Operations` map, and the metric facts. `ui/src/api/types.ts` holds this
/// text; a test fails when it is stale (`DATALAB_UPDATE_TYPES=1 cargo test
/// -p datalab-api` rewrites it).
pub fn typescript() -> String {
    let config = ts_rs::Config::new().with_large_int("number");
    let declarations = [
        declare::<serde_json::Value>(&config),
        declare::<datalab_project::DatasetId>(&config),
        declare::<ExperimentId>(&config),
        declare::<RunId>(&config),
        declare::<JobId>(&config),
        declare::<datalab_project::RunStatus>(&config),
        declare::<datalab_project::RunOrigin>(&config),
        declare::<datalab_project::ExperimentOrigin>(&config),
        declare::<datalab_project::VersionFormat>(&config),
        declare::<ProjectSummary>(&config),
        declare::<ApiError>(&config),
        declare::<ErrorCode>(&config),
        declare::<Event>(&config),
        declare::<Stage>(&config),
        declare::<JobInfo>(&config),
        declare::<JobKind>(&config),
        declare::<JobStatus>(&config),
        declare::<crate::jobs::ListJobsRequest>(&config),
        declare::<crate::jobs::JobRef>(&config),
        declare::<Empty>(&config),
        declare::<Affected>(&config),
        declare::<ProjectPath>(&config),
        declare::<crate::places::FolderRequest>(&config),
        declare::<crate::places::FolderListing>(&config),
        declare::<crate::places::FolderEntry>(&config),
        declare::<DatasetName>(&config),
        declare::<ExperimentRef>(&config),
        declare::<RunRef>(&config),
        declare::<SpecText>(&config),
        declare::<DatasetInfo>(&config),
        declare::<ImportRequest>(&config),
        declare::<ImportOutcome>(&config),
        declare::<datalab_data::ImportOptions>(&config),
        declare::<datalab_data::CsvDialect>(&config),
        declare::<datalab_data::SourceFormat>(&config),
        declare::<PreviewDatasetRequest>(&config),
        declare::<datalab_data::PreviewRequest>(&config),
        declare::<datalab_data::Filter>(&config),
        declare::<datalab_data::FilterOp>(&config),
        declare::<datalab_data::SortOrder>(&config),
        declare::<QueryRequest>(&config),
        declare::<QueryOutput>(&config),
        declare::<datalab_data::Table>(&config),
        declare::<datalab_data::ColumnSchema>(&config),
        declare::<datalab_data::ColumnKind>(&config),
        declare::<DatasetProfile>(&config),
        declare::<datalab_data::ColumnProfile>(&config),
        declare::<datalab_data::DistinctCount>(&config),
        declare::<datalab_data::NumericSummary>(&config),
        declare::<datalab_data::ValueCount>(&config),
        declare::<datalab_data::Histogram>(&config),
        declare::<datalab_data::Correlations>(&config),
        declare::<ModelSpec>(&config),
        declare::<datalab_ml::catalog::ParamSpec>(&config),
        declare::<datalab_ml::catalog::ParamDomain>(&config),
        declare::<datalab_ml::catalog::ParamValue>(&config),
        declare::<datalab_ml::catalog::Task>(&config),
        declare::<datalab_ml::catalog::Determinism>(&config),
        declare::<datalab_ml::metric_facts::MetricFact>(&config),
        declare::<ExperimentSpec>(&config),
        declare::<datalab_ml::spec::DatasetRef>(&config),
        declare::<datalab_ml::spec::TaskSpec>(&config),
        declare::<datalab_ml::spec::Search>(&config),
        declare::<datalab_ml::early_stop::EarlyStop>(&config),
        declare::<datalab_ml::threshold::ThresholdRule>(&config),
        declare::<datalab_ml::threshold::ThresholdMetric>(&config),
        declare::<datalab_ml::spec::StudyDataset>(&config),
        declare::<datalab_ml::spec::ModelSearch>(&config),
        declare::<datalab_ml::spec::ParamSpace>(&config),
        declare::<datalab_ml::validation::Validation>(&config),
        declare::<CreateExperimentRequest>(&config),
        declare::<RunExperimentRequest>(&config),
        declare::<ListRunsRequest>(&config),
        declare::<CompareRunsRequest>(&config),
        declare::<crate::ops::StudyRef>(&config),
        declare::<crate::studies::StudyOutcome>(&config),
        declare::<crate::studies::StudyDatasetOutcome>(&config),
        declare::<crate::studies::DatasetComparison>(&config),
        declare::<crate::studies::ComparedDataset>(&config),
        declare::<crate::studies::RankDifference>(&config),
        declare::<datalab_ml::ranks::RankTest>(&config),
        declare::<CancelRunsRequest>(&config),
        declare::<ExperimentInfo>(&config),
        declare::<ExperimentDetail>(&config),
        declare::<ExperimentOutcome>(&config),
        declare::<RunInfo>(&config),
        declare::<RunDetail>(&config),
        declare::<crate::runs::RunLogRequest>(&config),
        declare::<crate::runs::RunLog>(&config),
        declare::<crate::runs::MetricHistoryRequest>(&config),
        declare::<crate::runs::MetricHistory>(&config),
        declare::<crate::tracking::TrackingInfo>(&config),
        declare::<crate::tracking::ImportMlflowRequest>(&config),
        declare::<crate::tracking::ImportMlflowOutcome>(&config),
        declare::<datalab_project::RunQuery>(&config),
        declare::<datalab_project::RunSort>(&config),
        declare::<RunPage>(&config),
        declare::<RunEvent>(&config),
        declare::<datalab_ml::trial::TrialStage>(&config),
        declare::<datalab_ml::trial::MeanStd>(&config),
        declare::<datalab_ml::trial::FeatureImportance>(&config),
        declare::<RunComparison>(&config),
        declare::<crate::charts::RunCharts>(&config),
        declare::<datalab_ml::charts::Charts>(&config),
        declare::<StorageName>(&config),
        declare::<RegisterModelRequest>(&config),
        declare::<ModelRef>(&config),
        declare::<SetAliasRequest>(&config),
        declare::<ModelVersionInfo>(&config),
        declare::<ModelVersionDetail>(&config),
        declare::<PublicationInfo>(&config),
        declare::<crate::ExperimentSuggestion>(&config),
        declare::<crate::ImportPreview>(&config),
        declare::<datalab_data::SourcePreview>(&config),
        declare::<crate::ColumnSuggestion>(&config),
        declare::<datalab_publish::Manifest>(&config),
        declare::<datalab_publish::package::PackageKind>(&config),
        declare::<datalab_publish::PackageFile>(&config),
        declare::<datalab_publish::package::InputField>(&config),
        declare::<AddStorageRequest>(&config),
        declare::<StorageTargetInfo>(&config),
        declare::<datalab_publish::StorageConfig>(&config),
        declare::<PublishRequest>(&config),
        declare::<PublishOutcome>(&config),
        declare::<RemoteVersion>(&config),
        declare::<FetchRequest>(&config),
        declare::<datalab_ml::charts::Series>(&config),
        declare::<PairComparison>(&config),
        declare::<Verdict>(&config),
        declare::<datalab_project::VendorId>(&config),
        declare::<datalab_project::EvaluationId>(&config),
        declare::<datalab_project::EvaluationStatus>(&config),
        declare::<datalab_vendors::Connector>(&config),
        declare::<datalab_vendors::Protocol>(&config),
        declare::<datalab_vendors::MlflowFormat>(&config),
        declare::<datalab_vendors::Header>(&config),
        declare::<datalab_vendors::Auth>(&config),
        declare::<datalab_vendors::SecretSource>(&config),
        declare::<datalab_vendors::Pricing>(&config),
        declare::<datalab_vendors::LatencySummary>(&config),
        declare::<datalab_vendors::FailureKind>(&config),
        declare::<AddVendorRequest>(&config),
        declare::<crate::vendors::VendorName>(&config),
        declare::<VendorInfo>(&config),
        declare::<crate::vendors::TestVendorRequest>(&config),
        declare::<crate::vendors::RequestPreview>(&config),
        declare::<VendorTest>(&config),
        declare::<EvaluateRequest>(&config),
        declare::<datalab_lab::evaluation::FailureCount>(&config),
        declare::<EvaluationSummary>(&config),
        declare::<EvaluationInfo>(&config),
        declare::<EvaluationProgress>(&config),
        declare::<crate::evaluations::ListEvaluationsRequest>(&config),
        declare::<crate::evaluations::EvaluationRef>(&config),
        declare::<crate::evaluations::EvaluationRowInfo>(&config),
        declare::<EvaluationDetail>(&config),
        declare::<Agreements>(&config),
        declare::<CandidateKind>(&config),
        declare::<Candidate>(&config),
        declare::<CandidateComparison>(&config),
        declare::<crate::serving::ServeRequest>(&config),
        declare::<crate::serving::ServedInfo>(&config),
        declare::<crate::serving::AddServedVendorRequest>(&config),
        declare::<crate::serving::SendToServedRequest>(&config),
        declare::<crate::serving::ServedAnswer>(&config),
    ];
    let mut out = String::from(
        "// Generated from the Rust API types by datalab_api::ops::typescript().\n\
         // Do not edit: run `DATALAB_UPDATE_TYPES=1 cargo test -p datalab-api --test api typescript`.\n\
         /* eslint-disable */\n\n",
    );
    for declaration in declarations {
        out.push_str(&declaration);
        out.push('\n');
    }
    out.push_str(&operation_map(&config));
    out.push_str(&format!(
        "\nexport const OPERATIONS = {} as const;\n",
        serde_json::to_string(OPERATIONS).unwrap_or_default()
    ));
    out.push_str(&format!(
        "\n/** Every metric the lab computes: its task, its direction, and whether it is its task's headline (datalab_ml::metric_facts). */\n\
         export const METRICS: readonly MetricFact[] = {};\n",
        serde_json::to_string_pretty(datalab_ml::metric_facts::METRICS).unwrap_or_default()
    ));
    out
}
