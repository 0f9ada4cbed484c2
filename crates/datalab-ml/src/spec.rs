//! Experiment specs: dataset, task, validation, models with parameter
//! spaces, search, seed and parallelism. Saved as TOML and run from it,
//! anywhere, to the same numbers.

use crate::catalog::{ModelSpec, ParamDomain, ParamValue, Task};
use crate::models::Params;
use crate::rng::SplitMix64;
use crate::validation::Validation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The dataset (empty when the spec names several in `datasets`).
    #[serde(default)]
    pub dataset: DatasetRef,
    /// Several datasets of the same task, each run with the same models and
    /// validation (`[[datasets]]`); compared by ranks (`ranks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<StudyDataset>,
    pub task: TaskSpec,
    pub validation: Validation,
    #[serde(default)]
    pub search: Search,
    /// Stops trials whose first folds already rank them out (ASHA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stop: Option<crate::early_stop::EarlyStop>,
    pub models: Vec<ModelSearch>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Trials run at once; 0 means one per core.
    #[serde(default)]
    pub parallelism: usize,
}

fn default_seed() -> u64 {
    42
}

/// Which dataset, by name, and optionally the exact snapshot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct DatasetRef {
    pub name: String,
    /// The snapshot's SHA-256: when given, running against other data is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One dataset of a multi-dataset spec, with its own target and features
/// when they differ from the spec's `task`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct StudyDataset {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    pub kind: Task,
    /// Required for classification and regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The feature columns; empty means every column but the target.
    #[serde(default)]
    pub features: Vec<String>,
    /// How a binary classifier decides, when not by the most probable class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<crate::threshold::ThresholdRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Search {
    /// Every combination of the listed values.
    #[default]
    Grid,
    /// `budget` combinations drawn with the experiment's seed; ranges allowed.
    Random { budget: usize },
    /// `budget` trials chosen by the tree-structured Parzen estimator
    /// (`tpe.rs`): each model's first `startup` trials are drawn at random,
    /// the rest suggested from its finished trials when they start.
    ///
    /// A suggestion learns from a fixed set of earlier trials, never from
    /// whichever happened to finish first, so the same spec gives the same
    /// trials on one worker or many: each model's suggested trials come in
    /// groups of `batch`, all learning from the trials before the group (a
    /// batch as large as the workers keeps them all busy; 1 learns the most
    /// per trial and runs one suggested trial of a model at a time).
    Tpe {
        budget: usize,
        #[serde(default = "tpe_startup")]
        startup: usize,
        #[serde(default = "tpe_batch")]
        batch: usize,
    },
}

fn tpe_batch() -> usize {
    1
}

fn tpe_startup() -> usize {
    crate::tpe::STARTUP
}

impl Search {
    /// Whether the search draws from ranges (random and TPE do, a grid does not).
    pub fn draws(self) -> bool {
        !matches!(self, Search::Grid)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ModelSearch {
    /// A catalog model's id; for a command, the name its runs show (by
    /// default the script the command runs).
    #[serde(default)]
    pub model: String,
    /// The user's own code to run per trial instead of a catalog model: a
    /// shell command with `{param}` placeholders (values are shell-quoted)
    /// and `{run_id}`, `{run_dir}`, `{artifacts}`, `{dataset}`, `{out}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Where the command runs (relative paths: to the project folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    /// Environment variables the command gets, besides the MLflow ones.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Seconds a trial of the command may take before it is stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    #[serde(default)]
    pub params: BTreeMap<String, ParamSpace>,
}

/// Placeholders a command may use besides its params.
pub const COMMAND_PLACEHOLDERS: &[&str] = &["run_id", "run_dir", "artifacts", "dataset", "out"];

impl ModelSearch {
    /// The `{name}` placeholders of a command, in order.
    pub fn placeholders(command: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = command;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end)
                    if after[..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && end > 0 =>
                {
                    names.push(after[..end].to_string());
                    rest = &after[end + 1..];
                }
                _ => rest = after,
            }
        }
        names
    }

    /// The name a command's runs show when the spec gives none: the script
    /// or notebook it runs (`train.py`), else its program.
    fn command_name(command: &str) -> String {
        let words: Vec<&str> = command.split_whitespace().collect();
        words
            .iter()
            .find(|w| {
                [".py", ".ipynb", ".R", ".jl", ".sh"]
                    .iter()
                    .any(|e| w.ends_with(e))
            })
            .or(words.first())
            .map(|w| w.rsplit('/').next().unwrap_or(w).to_string())
            .unwrap_or_else(|| "command".to_string())
    }
}

/// A parameter's values to try: one, a list, or a range (random search).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum ParamSpace {
    Range {
        min: f64,
        max: f64,
        #[serde(default)]
        log: bool,
    },
    List(Vec<ParamValue>),
    One(ParamValue),
}

/// One model with fixed parameters: what a run trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSpec {
    pub model: String,
    pub params: Params,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    #[error("spec line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("spec: {0}")]
    Invalid(String),
    /// A field's value is wrong: `field` names it (`validation.folds`,
    /// `models[0].params.max_depth`), `line` where the spec text has it.
    #[error("spec{}: {field}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Field {
        field: String,
        line: Option<usize>,
        message: String,
    },
    #[error(
        "spec: the search makes {count} trials, more than the {limit} an experiment may hold: \
         narrow the grid or lower the budget (or set DATALAB_MAX_TRIALS to raise the limit)"
    )]
    TooManyTrials { count: u64, limit: u64 },
}

/// The line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `field` (`validation.folds`, `models[1].params.max_depth`)
/// is written in a spec's text: its key after its table's header (the n-th
/// `[[models]]` for a model's parameter).
fn line_of_field(text: &str, field: &str) -> Option<usize> {
    let (table, key) = field.rsplit_once('.').unwrap_or(("", field));
    let lines: Vec<&str> = text.lines().collect();
    let start = if let Some(index) = table
        .strip_prefix("models[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
    {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[models]]")
            .nth(index)
            .map_or(0, |(i, _)| i)
    } else if table.is_empty() {
        0
    } else {
        let header = format!("[{}]", table.split('.').next().unwrap_or(table));
        lines.iter().position(|l| l.trim() == header).unwrap_or(0)
    };
    let has_key = |l: &&str| {
        l.contains('=')
            && l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == key)
    };
    lines
        .iter()
        .enumerate()
        .skip(start)
        .find(|(_, l)| has_key(l))
        .or_else(|| lines.iter().enumerate().find(|(_, l)| has_key(l)))
        .map(|(i, _)| i + 1)
}

fn field_error(field: impl Into<String>, message: impl Into<String>) -> SpecError {
    SpecError::Field {
        field: field.into(),
        line: None,
        message: message.into(),
    }
}

impl ExperimentSpec {
    /// Parses and checks a TOML spec; errors name the line and the field.
    pub fn from_toml(text: &str) -> Result<ExperimentSpec, SpecError> {
        let mut spec: ExperimentSpec = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            let mut line = e.span().map_or(0, |s| line_of(text, s.start));
            // For a field inside a tagged table the span is the whole table:
            // point at the misspelt key itself.
            if let Some(field) = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next())
            {
                let key_line =
                    text.lines()
                        .enumerate()
                        .skip(line.saturating_sub(1))
                        .find(|(_, l)| {
                            l.trim_start()
                                .strip_prefix(field)
                                .is_some_and(|rest| rest.trim_start().starts_with('='))
                        });
                if let Some((index, _)) = key_line {
                    line = index + 1;
                }
            }
            SpecError::Syntax { line, message }
        })?;
        for search in &mut spec.models {
            if let (Some(command), true) = (&search.command, search.model.is_empty()) {
                search.model = ModelSearch::command_name(command);
            }
        }
        spec.check().map_err(|e| match e {
            SpecError::Field { field, message, .. } => SpecError::Field {
                line: line_of_field(text, &field),
                field,
                message,
            },
            other => other,
        })?;
        Ok(spec)
    }

    pub fn to_toml(&self) -> Result<String, SpecError> {
        toml::to_string_pretty(self).map_err(|e| SpecError::Invalid(e.to_string()))
    }

    /// Checks what the types alone cannot: models exist and fit the task, values are in range.
    pub fn check(&self) -> Result<(), SpecError> {
        match (self.dataset.name.is_empty(), self.datasets.is_empty()) {
            (true, true) => {
                return Err(field_error(
                    "dataset",
                    "no dataset: add [dataset] name = \"...\", or several [[datasets]] tables",
                ));
            }
            (false, false) => {
                return Err(field_error(
                    "datasets",
                    "name one [dataset] or several [[datasets]], not both",
                ));
            }
            _ => {}
        }
        for (index, entry) in self.datasets.iter().enumerate() {
            if entry.name.trim().is_empty() {
                return Err(field_error(
                    format!("datasets[{index}].name"),
                    "a dataset needs its name",
                ));
            }
            if self.datasets[..index].iter().any(|e| e.name == entry.name) {
                return Err(field_error(
                    format!("datasets[{index}].name"),
                    format!("'{}' is named twice", entry.name),
                ));
            }
        }
        if !self.datasets.is_empty() {
            // Each dataset's spec is checked as it would run.
            for index in 0..self.datasets.len() {
                if let Some(one) = self.for_dataset(index) {
                    one.check()?;
                }
            }
            return Ok(());
        }
        if self.models.is_empty() {
            return Err(SpecError::Invalid(
                "no models: add at least one [[models]] table".into(),
            ));
        }
        if self.task.kind != Task::Clustering && self.task.target.is_none() {
            return Err(SpecError::Invalid(format!(
                "a {:?} task needs a target column: set task.target",
                self.task.kind
            )));
        }
        match self.validation {
            Validation::KFold { folds } if folds < 2 => {
                return Err(field_error(
                    "validation.folds",
                    format!(
                        "k-fold needs at least 2 folds, not {folds} (or use kind = \"holdout\")"
                    ),
                ));
            }
            Validation::Holdout { test_fraction }
                if !(test_fraction > 0.0 && test_fraction < 1.0) =>
            {
                return Err(field_error(
                    "validation.test_fraction",
                    format!(
                        "the test fraction is a share of the rows between 0 and 1 (exclusive), not {test_fraction}"
                    ),
                ));
            }
            _ => {}
        }
        self.check_early_stop()?;
        self.check_threshold()?;
        for (index, search) in self.models.iter().enumerate() {
            if let Some(command) = &search.command {
                self.check_command(index, search, command)?;
                continue;
            }
            if search.model.is_empty() {
                return Err(field_error(
                    format!("models[{index}].model"),
                    "name a catalog model (model = \"random_forest\"), or give a command"
                        .to_string(),
                ));
            }
            let model =
                ModelSpec::find(&search.model).map_err(|e| SpecError::Invalid(e.to_string()))?;
            if model.task != self.task.kind {
                return Err(SpecError::Invalid(format!(
                    "model '{}' is for {:?}, but the task is {:?}",
                    model.id, model.task, self.task.kind
                )));
            }
            for (name, space) in &search.params {
                let field = format!("models[{index}].params.{name}");
                let integer = model
                    .params
                    .iter()
                    .any(|p| p.name == *name && matches!(p.domain, ParamDomain::Integer { .. }));
                let values: Vec<ParamValue> = match space {
                    ParamSpace::One(v) => vec![v.clone()],
                    ParamSpace::List(vs) if vs.is_empty() => {
                        return Err(field_error(
                            field,
                            "lists no values: give at least one, or leave the parameter out for its default",
                        ));
                    }
                    ParamSpace::List(vs) => vs.clone(),
                    ParamSpace::Range { min, max, .. } => {
                        if !self.search.draws() {
                            return Err(field_error(
                                field,
                                format!(
                                    "{}.{name} is a range, which only random or TPE search can draw from: \
                                     list values for a grid, or set search.kind = \"random\" or \"tpe\"",
                                    model.id
                                ),
                            ));
                        }
                        // Incomparable (a NaN end) is refused as well as upside down.
                        if matches!(
                            min.partial_cmp(max),
                            None | Some(std::cmp::Ordering::Greater)
                        ) {
                            return Err(field_error(
                                field,
                                format!(
                                    "the range's min ({min}) is not at or below its max ({max})"
                                ),
                            ));
                        }
                        // A range of an integer is drawn and rounded: its ends are checked as such.
                        vec![
                            integer_if_needed(&model, name, ParamValue::Float(*min)),
                            integer_if_needed(&model, name, ParamValue::Float(*max)),
                        ]
                    }
                };
                for value in values {
                    if let (true, ParamValue::Float(v)) = (integer, &value)
                        && v.fract() != 0.0
                    {
                        return Err(field_error(
                            field,
                            format!("{}.{name} is a whole number, not {v}", model.id),
                        ));
                    }
                    let value = integer_if_needed(&model, name, value);
                    model
                        .check(name, &value)
                        .map_err(|e| field_error(field.clone(), e.to_string()))?;
                }
            }
        }
        if let Search::Random { budget: 0 } | Search::Tpe { budget: 0, .. } = self.search {
            return Err(field_error(
                "search.budget",
                "the budget must be at least 1 trial",
            ));
        }
        Ok(())
    }

    /// A command model: its placeholders are its params or the known ones,
    /// its name is its own, its timeout is a positive number of seconds.
    fn check_command(
        &self,
        index: usize,
        search: &ModelSearch,
        command: &str,
    ) -> Result<(), SpecError> {
        let field = format!("models[{index}].command");
        if command.trim().is_empty() {
            return Err(field_error(field, "the command is empty".to_string()));
        }
        for name in ModelSearch::placeholders(command) {
            if !search.params.contains_key(&name) && !COMMAND_PLACEHOLDERS.contains(&name.as_str())
            {
                return Err(field_error(
                    field,
                    format!(
                        "{{{name}}} is neither a param of this model nor one of {}",
                        COMMAND_PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        if ModelSpec::find(&search.model).is_ok() {
            return Err(field_error(
                format!("models[{index}].model"),
                format!(
                    "'{}' is a catalog model's name: name the command otherwise",
                    search.model
                ),
            ));
        }
        let same_name = self
            .models
            .iter()
            .enumerate()
            .any(|(other, m)| other != index && m.model == search.model);
        if same_name {
            return Err(field_error(
                format!("models[{index}].model"),
                format!(
                    "two models are named '{}': give each command its own model = \"name\"",
                    search.model
                ),
            ));
        }
        if let Some(timeout) = search.timeout
            && !(timeout.is_finite() && timeout > 0.0)
        {
            return Err(field_error(
                format!("models[{index}].timeout"),
                format!("the timeout is a positive number of seconds, not {timeout}"),
            ));
        }
        for (name, space) in &search.params {
            if let ParamSpace::List(values) = space
                && values.is_empty()
            {
                return Err(field_error(
                    format!("models[{index}].params.{name}"),
                    "an empty list of values gives no trial".to_string(),
                ));
            }
            if matches!(space, ParamSpace::Range { .. }) && !self.search.draws() {
                return Err(field_error(
                    format!("models[{index}].params.{name}"),
                    "a range needs random or TPE search: set [search] kind = \"random\" or \"tpe\", or list values"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }

    /// The spec of one dataset of a multi-dataset spec: the same models,
    /// validation, search and seed, with that dataset's target and features.
    pub fn for_dataset(&self, index: usize) -> Option<ExperimentSpec> {
        let entry = self.datasets.get(index)?;
        let mut one = self.clone();
        one.name = format!("{} · {}", self.name, entry.name);
        one.dataset = DatasetRef {
            name: entry.name.clone(),
            sha256: entry.sha256.clone(),
        };
        if entry.target.is_some() {
            one.task.target = entry.target.clone();
        }
        if !entry.features.is_empty() {
            one.task.features = entry.features.clone();
        }
        one.datasets = Vec::new();
        Some(one)
    }

    fn check_early_stop(&self) -> Result<(), SpecError> {
        let Some(stop) = self.early_stop else {
            return Ok(());
        };
        if self.models.iter().any(|m| m.command.is_some()) {
            return Err(field_error(
                "early_stop",
                "early stopping compares the lab's models fold by fold; a command's trials log their own metrics and cannot be stopped at a rung: remove early_stop or the command models",
            ));
        }
        stop.rungs(self.validation.fold_count(self.task.kind))
            .map(|_| ())
            .map_err(|message| field_error("early_stop", message))
    }

    fn check_threshold(&self) -> Result<(), SpecError> {
        let Some(rule) = &self.task.threshold else {
            return Ok(());
        };
        if self.task.kind != Task::Classification {
            return Err(field_error(
                "task.threshold",
                format!(
                    "a decision threshold is for binary classification, and the task is {:?}: remove [task.threshold]",
                    self.task.kind
                ),
            ));
        }
        if let Some(problem) = rule.problem() {
            let field = if rule.precision.is_some() {
                "task.threshold.precision"
            } else {
                "task.threshold.metric"
            };
            return Err(field_error(field, problem));
        }
        if let Validation::Holdout { .. } = self.validation {
            return Err(field_error(
                "task.threshold",
                "a threshold is chosen from out-of-fold probabilities, which holdout does not give: use [validation] kind = \"k_fold\"",
            ));
        }
        if self.early_stop.is_some() {
            return Err(field_error(
                "early_stop",
                "early stopping compares folds before a threshold is chosen from all of them: remove early_stop or [task.threshold]",
            ));
        }
        if self.models.iter().any(|m| m.command.is_some()) {
            return Err(field_error(
                "task.threshold",
                "a command's trials score their own predictions and cannot be decided at a threshold: remove [task.threshold] or the command models",
            ));
        }
        Ok(())
    }

    /// The metric a search optimises and a study ranks by: the threshold's
    /// goal when the spec has one, else the task's headline.
    pub fn objective(&self) -> &'static str {
        self.task.threshold.as_ref().map_or_else(
            || crate::metric_facts::headline_of(self.task.kind),
            |rule| rule.objective(),
        )
    }

    /// The command model named `model`, if it is one.
    pub fn command_of(&self, model: &str) -> Option<&ModelSearch> {
        self.models
            .iter()
            .find(|m| m.command.is_some() && m.model == model)
    }

    /// How many trials the search asks for, counted without making them
    /// (a grid's product saturates instead of overflowing).
    pub fn trial_count(&self) -> u64 {
        match self.search {
            Search::Grid => self
                .models
                .iter()
                .map(|search| {
                    search.params.values().fold(1u64, |count, space| {
                        let values = match space {
                            ParamSpace::One(_) => 1,
                            ParamSpace::List(vs) => vs.len() as u64,
                            ParamSpace::Range { .. } => 0,
                        };
                        count.saturating_mul(values)
                    })
                })
                .fold(0u64, u64::saturating_add),
            Search::Random { budget } | Search::Tpe { budget, .. } => budget as u64,
        }
    }

    /// Whether trial `trial` of a TPE search is suggested when it starts
    /// (its model's startup trials are drawn in advance).
    pub fn suggested_later(&self, trial: usize) -> bool {
        match self.search {
            Search::Tpe { startup, .. } => trial / self.models.len().max(1) >= startup,
            _ => false,
        }
    }

    /// Whether TPE's suggestion for trial `trial` learns from trial
    /// `earlier`: the same model's trials before `trial`'s batch. The runner
    /// starts `trial` once all of them have ended.
    pub fn learns_from(&self, trial: usize, earlier: usize) -> bool {
        let Search::Tpe { startup, batch, .. } = self.search else {
            return false;
        };
        let models = self.models.len().max(1);
        let (index, other) = (trial / models, earlier / models);
        if earlier % models != trial % models || index < startup {
            return false;
        }
        let batch = batch.max(1);
        other < startup + (index - startup) / batch * batch
    }

    /// Suggests trial `trial`'s parameters by TPE from its model's finished
    /// trials (`observations`, losses: lower is better), seeded by the
    /// experiment's seed and the trial number.
    pub fn suggest(&self, trial: usize, observations: &[crate::tpe::Observation]) -> TrialSpec {
        let search = &self.models[trial % self.models.len().max(1)];
        let mut rng =
            SplitMix64::new(self.seed ^ (trial as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let params = crate::tpe::suggest(&search.params, observations, &mut rng);
        finalize(TrialSpec {
            model: search.model.clone(),
            params,
        })
    }

    /// The trials the search asks for, in a fixed order; refused (before
    /// anything is made) when there would be more than `limit`.
    pub fn trials_within(&self, limit: u64) -> Result<Vec<TrialSpec>, SpecError> {
        let count = self.trial_count();
        if count > limit {
            return Err(SpecError::TooManyTrials { count, limit });
        }
        self.trials()
    }

    /// The trials the search asks for, in a fixed order.
    pub fn trials(&self) -> Result<Vec<TrialSpec>, SpecError> {
        let mut trials = Vec::new();
        match self.search {
            Search::Grid => {
                for search in &self.models {
                    let mut combos: Vec<Params> = vec![Params::new()];
                    for (name, space) in &search.params {
                        let values = match space {
                            ParamSpace::One(v) => vec![v.clone()],
                            ParamSpace::List(vs) => vs.clone(),
                            ParamSpace::Range { .. } => Vec::new(),
                        };
                        combos = combos
                            .into_iter()
                            .flat_map(|c| {
                                values.iter().map(move |v| {
                                    let mut c = c.clone();
                                    c.insert(name.clone(), v.clone());
                                    c
                                })
                            })
                            .collect();
                    }
                    trials.extend(combos.into_iter().map(|params| TrialSpec {
                        model: search.model.clone(),
                        params,
                    }));
                }
            }
            Search::Random { budget } => {
                let mut rng = SplitMix64::new(self.seed);
                for k in 0..budget {
                    let search = &self.models[k % self.models.len()];
                    trials.push(TrialSpec {
                        model: search.model.clone(),
                        params: crate::tpe::draw(&search.params, &mut rng),
                    });
                }
            }
            Search::Tpe { budget, .. } => {
                // Startup trials are drawn as random search draws them; the
                // others are placeholders until they start (`suggest`).
                let mut rng = SplitMix64::new(self.seed);
                for k in 0..budget {
                    let search = &self.models[k % self.models.len()];
                    trials.push(TrialSpec {
                        model: search.model.clone(),
                        params: if self.suggested_later(k) {
                            Params::new()
                        } else {
                            crate::tpe::draw(&search.params, &mut rng)
                        },
                    });
                }
            }
        }
        Ok(trials.into_iter().map(finalize).collect())
    }
}

/// Integer parameters drawn from a range are rounded to whole numbers.
fn finalize(mut trial: TrialSpec) -> TrialSpec {
    if let Ok(model) = ModelSpec::find(&trial.model) {
        for (name, value) in trial.params.iter_mut() {
            *value = integer_if_needed(&model, name, value.clone());
        }
    }
    trial
}

fn integer_if_needed(model: &ModelSpec, name: &str, value: ParamValue) -> ParamValue {
    let integer = model
        .params
        .iter()
        .any(|p| p.name == name && matches!(p.domain, ParamDomain::Integer { .. }));
    match value {
        ParamValue::Float(v) if integer => ParamValue::Integer(v.round() as i64),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_is_checked_where_it_is_written() -> Result<(), SpecError> {
        let base = SPEC.replace("kind = \"classification\"\ntarget = \"species\"", "kind = \"classification\"\ntarget = \"species\"\n[task.threshold]\nmetric = \"recall_at_precision\"\nprecision = 0.9\n");
        assert!(base.contains("[task.threshold]"), "the sample spec changed");
        let spec = ExperimentSpec::from_toml(&base)?;
        assert_eq!(spec.objective(), "recall");
        let cases = [
            (
                base.replace("precision = 0.9", "precision = 1.2"),
                "task.threshold.precision",
            ),
            (
                base.replace("precision = 0.9\n", ""),
                "task.threshold.metric",
            ),
            (
                base.replace("metric = \"recall_at_precision\"", "metric = \"f1\""),
                "task.threshold.precision",
            ),
        ];
        for (text, field) in cases {
            match ExperimentSpec::from_toml(&text) {
                Err(SpecError::Field { field: f, line, .. }) => {
                    assert_eq!(f, field);
                    assert!(line.is_some(), "{field} has no line");
                }
                other => panic!("{field}: {other:?}"),
            }
        }
        Ok(())
    }

    const SPEC: &str = r#"
name = "iris trees"
seed = 7

[dataset]
name = "iris"

[task]
kind = "classification"
target = "species"

[validation]
kind = "k_fold"
folds = 5

[[models]]
model = "decision_tree"
params = { max_depth = [2, 4, 8], split_quality = ["gini", "entropy"] }

[[models]]
model = "logistic_regression"
params = { alpha = 0.5 }
"#;

    #[test]
    fn a_grid_expands_to_every_combination() -> Result<(), SpecError> {
        let spec = ExperimentSpec::from_toml(SPEC)?;
        let trials = spec.trials()?;
        assert_eq!(trials.len(), 3 * 2 + 1);
        assert_eq!(
            trials[0].params.get("max_depth"),
            Some(&ParamValue::Integer(2))
        );
        assert_eq!(trials[6].model, "logistic_regression");
        // It survives a round trip through TOML.
        let again = ExperimentSpec::from_toml(&spec.to_toml()?)?;
        assert_eq!(again, spec);
        Ok(())
    }

    #[test]
    fn typos_name_the_line_and_field() {
        let typo = SPEC.replace("folds = 5", "fold = 5");
        match ExperimentSpec::from_toml(&typo) {
            Err(SpecError::Syntax { line, message }) => {
                assert_eq!(line, 14, "{message}");
                assert!(message.contains("fold"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let range = SPEC.replace("max_depth = [2, 4, 8]", "max_depth = [2, 400]");
        let message = ExperimentSpec::from_toml(&range)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("max_depth") && message.contains("0 to 100"),
            "{message}"
        );
        let wrong_task = SPEC.replace("model = \"logistic_regression\"", "model = \"kmeans\"");
        assert!(ExperimentSpec::from_toml(&wrong_task).is_err());
    }

    #[test]
    fn random_search_draws_the_budget_reproducibly() -> Result<(), SpecError> {
        let text = SPEC
            .replace(
                "seed = 7",
                "seed = 7\nsearch = { kind = \"random\", budget = 10 }",
            )
            .replace("max_depth = [2, 4, 8]", "max_depth = { min = 1, max = 20 }");
        let spec = ExperimentSpec::from_toml(&text)?;
        let a = spec.trials()?;
        assert_eq!(a.len(), 10);
        assert_eq!(a, spec.trials()?);
        for trial in a.iter().filter(|t| t.model == "decision_tree") {
            match trial.params.get("max_depth") {
                Some(ParamValue::Integer(d)) => assert!((1..=20).contains(d)),
                other => panic!("{other:?}"),
            }
        }
        Ok(())
    }
}
