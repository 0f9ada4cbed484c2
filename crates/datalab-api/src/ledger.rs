//! The ledger: compute time by experiment, model and day; vendor spend by
//! vendor and day or month with the tokens behind it; and monthly budgets,
//! which an evaluation checks before it starts and which cap it while it
//! runs (it stops before passing one), with a warning from 80% on.

use crate::error::{ApiError, ErrorCode};
use datalab_project::{
    ALL_VENDORS, BudgetRecord, ComputeBy, ComputeSum, Project, SpendBy, SpendSum,
};
use serde::{Deserialize, Serialize};

/// From this share of a budget spent on, the ledger warns.
pub const BUDGET_WARNING_SHARE: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A monthly budget and where this month stands against it.
pub struct BudgetInfo {
    /// The vendor, or `*` for all vendors together.
    pub vendor: String,
    /// What may be spent in a calendar month (UTC).
    pub monthly_limit: f64,
    /// This month (`2026-12`).
    pub month: String,
    /// Spent so far this month.
    pub spent: f64,
    /// `spent / monthly_limit` (1 or more: spent).
    pub share: f64,
    /// Said when 80% or more is spent, or the budget is below what was spent.
    pub warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A model version or a vendor evaluation against its experiment's
/// agreements: when it was made, and now.
pub struct AgreementStanding {
    /// `name:version` (with its aliases), or the vendor evaluated.
    pub name: String,
    /// `model_version` or `evaluation`.
    pub kind: String,
    /// Its experiment.
    pub experiment: i64,
    /// When it was checked (made).
    pub checked_at: String,
    /// Whether it met them then (none: no agreements applied).
    pub met_then: Option<bool>,
    /// What it missed then.
    pub misses_then: Vec<String>,
    /// Whether it meets them now, under the agreements as they are and the
    /// evaluations made since (none: no agreements apply, or it is gone).
    pub meets_now: Option<bool>,
    /// What it misses now.
    pub misses_now: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// The project's time, money and budgets.
pub struct Ledger {
    /// Runs' compute time per experiment.
    pub compute_by_experiment: Vec<ComputeSum>,
    /// Per model kind.
    pub compute_by_model: Vec<ComputeSum>,
    /// Per day the runs started.
    pub compute_by_day: Vec<ComputeSum>,
    /// Vendor spend per vendor and day.
    pub spend_by_day: Vec<SpendSum>,
    /// Per vendor and month.
    pub spend_by_month: Vec<SpendSum>,
    /// The budgets, this month.
    pub budgets: Vec<BudgetInfo>,
    /// Model versions and evaluations against their agreements, then and now.
    pub agreements: Vec<AgreementStanding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A monthly budget to set.
pub struct SetBudgetRequest {
    /// The vendor (none: all vendors together).
    #[serde(default)]
    pub vendor: Option<String>,
    /// What may be spent in a calendar month.
    pub monthly_limit: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
/// A budget to remove.
pub struct RemoveBudgetRequest {
    /// The vendor (none: the budget over all vendors).
    #[serde(default)]
    pub vendor: Option<String>,
}

fn who(vendor: &str) -> String {
    if vendor == ALL_VENDORS {
        "all vendors".to_string()
    } else {
        format!("vendor '{vendor}'")
    }
}

fn budget_info(
    project: &Project,
    record: BudgetRecord,
    month: &str,
) -> Result<BudgetInfo, ApiError> {
    let spent = project.spent_in_month(&record.vendor, month)?;
    let share = if record.monthly_limit > 0.0 {
        spent / record.monthly_limit
    } else if spent > 0.0 {
        f64::INFINITY
    } else {
        1.0
    };
    let warning = if spent > record.monthly_limit {
        Some(format!(
            "{spent:.4} was spent on {} in {month}, more than this budget of {}: their evaluations are refused until next month or a higher budget",
            who(&record.vendor),
            record.monthly_limit
        ))
    } else if share >= 1.0 {
        Some(format!(
            "the budget of {} for {month} ({}) is spent: their evaluations are refused until next month or a higher budget",
            who(&record.vendor),
            record.monthly_limit
        ))
    } else if share >= BUDGET_WARNING_SHARE {
        Some(format!(
            "{:.0}% of the budget of {} for {month} is spent ({spent:.4} of {})",
            100.0 * share,
            who(&record.vendor),
            record.monthly_limit
        ))
    } else {
        None
    };
    Ok(BudgetInfo {
        vendor: record.vendor,
        monthly_limit: record.monthly_limit,
        month: month.to_string(),
        spent,
        share,
        warning,
    })
}

/// The whole ledger.
pub fn ledger(project: &Project) -> Result<Ledger, ApiError> {
    // The rows are read once, for the days and the months.
    let spend = project.spend_by_evaluation()?;
    Ok(Ledger {
        compute_by_experiment: project.compute_sums(ComputeBy::Experiment)?,
        compute_by_model: project.compute_sums(ComputeBy::Model)?,
        compute_by_day: project.compute_sums(ComputeBy::Day)?,
        spend_by_day: datalab_project::group_spend(&spend, SpendBy::Day),
        spend_by_month: datalab_project::group_spend(&spend, SpendBy::Month),
        budgets: list_budgets(project)?,
        agreements: agreement_standings(project)?,
    })
}

/// Every check recorded, beside the same check made now.
fn agreement_standings(project: &Project) -> Result<Vec<AgreementStanding>, ApiError> {
    let mut comparisons = std::collections::BTreeMap::new();
    let mut standings = Vec::new();
    for check in project.agreement_checks()? {
        let experiment = datalab_project::ExperimentId(check.experiment_id);
        // Compared once per experiment; an experiment gone (or its data) has no "now".
        let now = comparisons
            .entry(check.experiment_id)
            .or_insert_with(|| crate::compare_candidates(project, experiment).ok());
        let (name, candidate) = if check.subject_kind == "model_version" {
            let version = project
                .model_version_by_id(datalab_project::ModelVersionId(check.subject_id))
                .ok();
            let name = version
                .as_ref()
                .map(|v| format!("{}:{}", v.model, v.version))
                .unwrap_or_else(|| format!("version {} (removed)", check.subject_id));
            let run = version.and_then(|v| v.run_id);
            let candidate = now.as_ref().and_then(|c| {
                c.candidates
                    .iter()
                    .find(|x| run.is_some() && x.run == run)
                    .cloned()
            });
            (name, candidate)
        } else {
            let candidate = now.as_ref().and_then(|c| {
                c.candidates
                    .iter()
                    .find(|x| x.evaluation.map(|e| e.0) == Some(check.subject_id))
                    .cloned()
            });
            let name = candidate
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_else(|| format!("evaluation {}", check.subject_id));
            (name, candidate)
        };
        standings.push(AgreementStanding {
            name,
            kind: check.subject_kind,
            experiment: check.experiment_id,
            checked_at: check.checked_at,
            met_then: check.met,
            misses_then: serde_json::from_str(&check.misses_json).unwrap_or_default(),
            meets_now: candidate.as_ref().and_then(|c| c.meets),
            misses_now: candidate.map(|c| c.misses).unwrap_or_default(),
        });
    }
    Ok(standings)
}

/// Every budget, this month.
pub fn list_budgets(project: &Project) -> Result<Vec<BudgetInfo>, ApiError> {
    let month = project.this_month()?;
    project
        .budgets()?
        .into_iter()
        .map(|record| budget_info(project, record, &month))
        .collect()
}

/// Sets a vendor's monthly budget (or all vendors'). One set below what was
/// already spent this month is kept, and its warning says so plainly.
pub fn set_budget(project: &Project, request: &SetBudgetRequest) -> Result<BudgetInfo, ApiError> {
    let vendor = match &request.vendor {
        Some(name) => project.vendor(name)?.name,
        None => ALL_VENDORS.to_string(),
    };
    let record = project
        .set_budget(&vendor, request.monthly_limit)
        .map_err(|e| ApiError::from(e).on_field("monthly_limit"))?;
    budget_info(project, record, &project.this_month()?)
}

/// Removes a budget.
pub fn remove_budget(project: &Project, request: &RemoveBudgetRequest) -> Result<(), ApiError> {
    let vendor = request.vendor.as_deref().unwrap_or(ALL_VENDORS);
    if project.remove_budget(vendor)? {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::NotFound,
            format!("{} has no budget", who(vendor)),
        ))
    }
}

/// What an evaluation of `vendor` may spend this month under the budgets
/// that apply (the vendor's and the one over all), with the budget that
/// binds in words; None when no budget applies. A budget already spent
/// refuses the evaluation.
pub(crate) fn budget_cap(
    project: &Project,
    vendor: &str,
) -> Result<Option<(f64, String)>, ApiError> {
    let month = project.this_month()?;
    let mut tightest: Option<(f64, String)> = None;
    for record in project.budgets()? {
        if record.vendor != ALL_VENDORS && record.vendor != vendor {
            continue;
        }
        let spent = project.spent_in_month(&record.vendor, &month)?;
        let left = record.monthly_limit - spent;
        if left <= 0.0 {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "the budget of {} for {month} ({}) is spent ({spent:.4}): raise it (datalab budget set) or wait for next month",
                    who(&record.vendor),
                    record.monthly_limit
                ),
            )
            .on_field("vendor"));
        }
        if tightest.as_ref().is_none_or(|(cap, _)| left < *cap) {
            let why = format!(
                "the {month} budget of {}: {} with {spent:.4} spent",
                who(&record.vendor),
                record.monthly_limit
            );
            tightest = Some((left, why));
        }
    }
    Ok(tightest)
}
