//! A package loaded for serving: its manifest (the input schema, the
//! classes) and its fitted model, checked against the manifest's sha256s.
//! Requests arrive here as named columns of JSON values; a column that is
//! missing, unknown, of the wrong type or of the wrong length is refused
//! with a message that names it.

use crate::error::ServingError;
use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::models::Predictions;
use datalab_ml::trial::TrainedModel;
use datalab_publish::package::InputField;
use datalab_publish::{Manifest, package};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// A request the model cannot take, said so a caller can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn input_error(message: impl Into<String>) -> InputError {
    InputError(message.into())
}

/// What the model answers for one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    Label(String),
    Number(f64),
    Cluster(usize),
}

impl Prediction {
    pub fn to_json(&self) -> Value {
        match self {
            Prediction::Label(label) => Value::String(label.clone()),
            Prediction::Number(x) => {
                serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
            }
            Prediction::Cluster(c) => Value::from(*c),
        }
    }
}

/// Predictions for a batch, with class probabilities when the model gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub predictions: Vec<Prediction>,
    /// `probabilities[row][class]`, classes as in [`ServedModel::classes`].
    pub probabilities: Option<Vec<Vec<f64>>>,
}

#[derive(Debug)]
pub struct ServedModel {
    pub manifest: Manifest,
    model: TrainedModel,
    /// Where each input is in the schema: requests are matched to it by
    /// name in time linear in their size, however wide the model.
    positions: HashMap<String, usize>,
    /// The package's MODEL_CARD.md (checked against the manifest with the rest), when it has one.
    card: Option<String>,
}

/// The package file a served model shows as its card.
pub const CARD_FILE: &str = "MODEL_CARD.md";

impl ServedModel {
    /// Loads a package folder, refusing one whose files do not match its manifest.
    pub fn load(dir: &Path) -> Result<ServedModel, ServingError> {
        let (manifest, _) = package::verify_package(dir)?;
        if manifest.kind == package::PackageKind::Mlflow {
            return Err(ServingError::Invalid(format!(
                "{}:{} is an MLflow model ({}) logged by the user's own code: Data Lab serves the \
                 models it trained; serve this one with `mlflow models serve -m {}`",
                manifest.name,
                manifest.version,
                if manifest.flavors.is_empty() {
                    "no MLmodel".to_string()
                } else {
                    manifest.flavors.join(", ")
                },
                dir.display()
            )));
        }
        let path = dir.join(package::MODEL_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            ServingError::Unreadable(format!("cannot read {}: {e}", path.display()))
        })?;
        let model: TrainedModel = serde_json::from_slice(&bytes).map_err(|e| {
            ServingError::Unreadable(format!(
                "{} is not a model this Data Lab can serve ({e}); it was written by Data Lab {}",
                path.display(),
                manifest.engine_version
            ))
        })?;
        let positions = manifest
            .input_schema
            .iter()
            .enumerate()
            .map(|(i, field)| (field.name.clone(), i))
            .collect();
        // Listed in the manifest means checked above; a card the manifest does not list is not shown.
        let card = manifest
            .files
            .iter()
            .any(|f| f.path == CARD_FILE)
            .then(|| std::fs::read_to_string(dir.join(CARD_FILE)).ok())
            .flatten();
        Ok(ServedModel {
            manifest,
            model,
            positions,
            card,
        })
    }

    /// The model's card (Markdown), when its package has one.
    pub fn card(&self) -> Option<&str> {
        self.card.as_deref()
    }

    /// The card's first paragraph of prose: what the model is, in a few lines.
    pub fn description(&self) -> Option<String> {
        let card = self.card()?;
        let paragraph: Vec<&str> = card
            .lines()
            .skip_while(|l| l.trim().is_empty() || l.starts_with('#'))
            .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        (!paragraph.is_empty()).then(|| paragraph.join(" "))
    }

    /// Where input `name` is in the schema, if the model takes it.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    /// Why input `name` is refused: the model does not take it.
    pub fn unknown_input(&self, name: &str) -> InputError {
        input_error(format!(
            "unknown input '{}': the model takes {}",
            cut(name, 60),
            self.expected_inputs()
        ))
    }

    /// The inputs, in order with their kinds, for messages (the first 20
    /// of a wide model).
    fn expected_inputs(&self) -> String {
        let schema = &self.manifest.input_schema;
        let mut listed = schema
            .iter()
            .take(20)
            .map(|f| format!("{} ({})", f.name, f.kind))
            .collect::<Vec<_>>()
            .join(", ");
        if schema.len() > 20 {
            listed.push_str(&format!(" and {} more", schema.len() - 20));
        }
        listed
    }

    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    pub fn version(&self) -> u32 {
        self.manifest.version
    }

    pub fn classes(&self) -> Option<&[String]> {
        self.manifest.classes.as_deref()
    }

    /// Whether predictions are numbers (regression) rather than labels.
    pub fn predicts_numbers(&self) -> bool {
        self.manifest.task == "regression"
    }

    /// Predicts rows given as named columns (every column the same length).
    pub fn predict(&self, columns: Vec<(String, Vec<Value>)>) -> Result<Batch, InputError> {
        let schema = &self.manifest.input_schema;
        let mut given: Vec<Option<Vec<Value>>> = vec![None; schema.len()];
        for (name, values) in columns {
            let position = self
                .position(&name)
                .ok_or_else(|| self.unknown_input(&name))?;
            if given[position].replace(values).is_some() {
                return Err(input_error(format!("input '{name}' is given twice")));
            }
        }
        let rows = given.iter().flatten().next().map_or(0, Vec::len);
        if rows == 0 {
            return Err(input_error("no rows to predict"));
        }
        let mut inputs = Vec::with_capacity(schema.len());
        for (field, values) in schema.iter().zip(given) {
            let values = values.ok_or_else(|| {
                input_error(format!(
                    "missing input '{}' ({}): the model takes {}",
                    field.name,
                    field.kind,
                    self.expected_inputs()
                ))
            })?;
            if values.len() != rows {
                return Err(input_error(format!(
                    "input '{}' has {} values for {rows} rows",
                    field.name,
                    values.len()
                )));
            }
            let wrong = |row: usize, what: &str, value: &Value| {
                input_error(format!(
                    "input '{}' is {what}, but row {row} holds {}",
                    field.name,
                    short(value)
                ))
            };
            let column = match field.kind.as_str() {
                // Booleans are not numbers: a client that sends `true` for a
                // number has its columns mixed up, and is told so.
                InputField::NUMBER => ColumnValues::Numbers(
                    values
                        .iter()
                        .enumerate()
                        .map(|(row, v)| match v {
                            Value::Null => Ok(None),
                            Value::Number(n) => Ok(n.as_f64()),
                            other => Err(wrong(row, "a number", other)),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                InputField::BOOLEAN => ColumnValues::Numbers(
                    values
                        .iter()
                        .enumerate()
                        .map(|(row, v)| match v {
                            Value::Null => Ok(None),
                            Value::Bool(b) => Ok(Some(f64::from(u8::from(*b)))),
                            Value::Number(n)
                                if n.as_f64() == Some(0.0) || n.as_f64() == Some(1.0) =>
                            {
                                Ok(n.as_f64())
                            }
                            other => Err(wrong(row, "a boolean (true or false, or 0 or 1)", other)),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                _ => ColumnValues::Texts(
                    values
                        .iter()
                        .enumerate()
                        .map(|(row, v)| match v {
                            Value::Null => Ok(None),
                            Value::String(s) => Ok(Some(s.clone())),
                            Value::Number(n) => Ok(Some(n.to_string())),
                            Value::Bool(b) => Ok(Some(b.to_string())),
                            other => Err(wrong(row, "text", other)),
                        })
                        .collect::<Result<_, _>>()?,
                ),
            };
            inputs.push(InputColumn {
                name: field.name.clone(),
                values: column,
            });
        }
        let predicted = self
            .model
            .predict(&inputs)
            .map_err(|e| input_error(format!("the model cannot predict these rows: {e}")))?;
        Ok(match predicted {
            Predictions::Classes {
                predicted,
                probabilities,
            } => {
                let classes = self.classes().unwrap_or_default();
                Batch {
                    predictions: predicted
                        .iter()
                        .map(|&c| {
                            Prediction::Label(
                                classes.get(c).cloned().unwrap_or_else(|| c.to_string()),
                            )
                        })
                        .collect(),
                    probabilities,
                }
            }
            Predictions::Values(values) => Batch {
                predictions: values.into_iter().map(Prediction::Number).collect(),
                probabilities: None,
            },
            Predictions::Clusters(clusters) => Batch {
                predictions: clusters.into_iter().map(Prediction::Cluster).collect(),
                probabilities: None,
            },
        })
    }
}

/// A value for an error message, cut short.
pub fn short(value: &Value) -> String {
    cut(&value.to_string(), 40)
}

/// `text` cut to `most` characters, marked when cut: a caller's key may be
/// a megabyte long.
fn cut(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
