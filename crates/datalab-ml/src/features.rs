//! From table columns to a numeric matrix: missing values imputed, text
//! one-hot encoded (few categories) or TF-IDF weighted (free text), numbers
//! standardised. Everything is fitted on the training rows only and kept, so
//! the same transformation applies to test rows and, later, to served inputs.

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One column as the data layer hands it over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColumnValues {
    Numbers(Vec<Option<f64>>),
    Texts(Vec<Option<String>>),
}

impl ColumnValues {
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Numbers(v) => v.len(),
            ColumnValues::Texts(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values of `rows`, in that order.
    pub fn pick(&self, rows: &[usize]) -> ColumnValues {
        match self {
            ColumnValues::Numbers(v) => ColumnValues::Numbers(rows.iter().map(|&i| v[i]).collect()),
            ColumnValues::Texts(v) => {
                ColumnValues::Texts(rows.iter().map(|&i| v[i].clone()).collect())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    pub name: String,
    pub values: ColumnValues,
}

/// Text columns with at most this many categories (in training) are one-hot encoded.
pub const MAX_CATEGORIES: usize = 50;
/// The largest TF-IDF vocabulary, by document frequency.
pub const MAX_VOCABULARY: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Transform {
    /// Missing values become the training mean; then (x - center) / scale.
    Number { fill: f64, center: f64, scale: f64 },
    /// One 0/1 feature per training category; unseen and missing are all zeros.
    OneHot { categories: Vec<String> },
    /// L2-normalised TF-IDF over a training vocabulary (smooth idf, as scikit-learn).
    TfIdf {
        vocabulary: Vec<String>,
        idf: Vec<f64>,
    },
}

/// A fitted transformation of input columns into features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    columns: Vec<(String, Transform)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    #[error("no features: choose at least one feature column")]
    NoFeatures,
    #[error("feature column '{0}' has no values in the training rows")]
    EmptyColumn(String),
    #[error("column '{0}' is missing from the input")]
    MissingColumn(String),
}

/// Lower-case words of two or more letters or digits (scikit-learn's default token pattern).
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|t| t.chars().count() >= 2)
        .map(|t| t.to_lowercase())
        .collect()
}

impl Preprocessor {
    /// Fits on `rows` of `columns`. `standardize` scales numbers to zero mean
    /// and unit variance (off for models that need non-negative counts).
    pub fn fit(
        columns: &[InputColumn],
        rows: &[usize],
        standardize: bool,
    ) -> Result<Self, FeatureError> {
        if columns.is_empty() {
            return Err(FeatureError::NoFeatures);
        }
        let mut fitted = Vec::with_capacity(columns.len());
        for column in columns {
            let transform = match &column.values {
                ColumnValues::Numbers(values) => {
                    let present: Vec<f64> = rows
                        .iter()
                        .filter_map(|&r| values.get(r).copied().flatten())
                        .filter(|v| v.is_finite())
                        .collect();
                    if present.is_empty() {
                        return Err(FeatureError::EmptyColumn(column.name.clone()));
                    }
                    let n = present.len() as f64;
                    let mean = present.iter().sum::<f64>() / n;
                    let std =
                        (present.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
                    let (center, scale) = if standardize && std > 0.0 {
                        (mean, std)
                    } else {
                        (0.0, 1.0)
                    };
                    Transform::Number {
                        fill: mean,
                        center,
                        scale,
                    }
                }
                ColumnValues::Texts(values) => {
                    let present: Vec<&str> = rows
                        .iter()
                        .filter_map(|&r| values.get(r).and_then(|v| v.as_deref()))
                        .collect();
                    if present.is_empty() {
                        return Err(FeatureError::EmptyColumn(column.name.clone()));
                    }
                    let categories: BTreeSet<&str> = present.iter().copied().collect();
                    if categories.len() <= MAX_CATEGORIES {
                        Transform::OneHot {
                            categories: categories.into_iter().map(String::from).collect(),
                        }
                    } else {
                        fit_tfidf(&present)
                    }
                }
            };
            fitted.push((column.name.clone(), transform));
        }
        Ok(Preprocessor { columns: fitted })
    }

    /// The names of the features, in matrix column order.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for (name, transform) in &self.columns {
            match transform {
                Transform::Number { .. } => names.push(name.clone()),
                Transform::OneHot { categories } => {
                    names.extend(categories.iter().map(|c| format!("{name}={c}")));
                }
                Transform::TfIdf { vocabulary, .. } => {
                    names.extend(vocabulary.iter().map(|w| format!("{name}:{w}")));
                }
            }
        }
        names
    }

    /// The feature matrix of `rows`.
    pub fn transform(
        &self,
        columns: &[InputColumn],
        rows: &[usize],
    ) -> Result<Array2<f64>, FeatureError> {
        let width = self.feature_names().len();
        let mut matrix = Array2::<f64>::zeros((rows.len(), width));
        let mut offset = 0;
        for (name, transform) in &self.columns {
            let column = columns
                .iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| FeatureError::MissingColumn(name.clone()))?;
            match (transform, &column.values) {
                (
                    Transform::Number {
                        fill,
                        center,
                        scale,
                    },
                    ColumnValues::Numbers(values),
                ) => {
                    for (i, &r) in rows.iter().enumerate() {
                        let v = values
                            .get(r)
                            .copied()
                            .flatten()
                            .filter(|v| v.is_finite())
                            .unwrap_or(*fill);
                        matrix[[i, offset]] = (v - center) / scale;
                    }
                    offset += 1;
                }
                (Transform::OneHot { categories }, ColumnValues::Texts(values)) => {
                    for (i, &r) in rows.iter().enumerate() {
                        let category = values
                            .get(r)
                            .and_then(|v| v.as_deref())
                            .and_then(|v| categories.binary_search_by(|c| c.as_str().cmp(v)).ok());
                        if let Some(k) = category {
                            matrix[[i, offset + k]] = 1.0;
                        }
                    }
                    offset += categories.len();
                }
                (Transform::TfIdf { vocabulary, idf }, ColumnValues::Texts(values)) => {
                    for (i, &r) in rows.iter().enumerate() {
                        let Some(text) = values.get(r).and_then(|v| v.as_deref()) else {
                            continue;
                        };
                        let mut counts: BTreeMap<usize, f64> = BTreeMap::new();
                        for token in tokens(text) {
                            if let Ok(k) = vocabulary.binary_search(&token) {
                                *counts.entry(k).or_insert(0.0) += 1.0;
                            }
                        }
                        let norm = counts
                            .iter()
                            .map(|(k, c)| (c * idf[*k]).powi(2))
                            .sum::<f64>()
                            .sqrt();
                        if norm > 0.0 {
                            for (k, c) in counts {
                                matrix[[i, offset + k]] = c * idf[k] / norm;
                            }
                        }
                    }
                    offset += vocabulary.len();
                }
                // The column changed type since fitting: its features stay zero.
                (Transform::Number { .. }, _) => offset += 1,
                (Transform::OneHot { categories }, _) => offset += categories.len(),
                (Transform::TfIdf { vocabulary, .. }, _) => offset += vocabulary.len(),
            }
        }
        Ok(matrix)
    }
}

fn fit_tfidf(documents: &[&str]) -> Transform {
    let mut document_frequency: BTreeMap<String, usize> = BTreeMap::new();
    for document in documents {
        let unique: BTreeSet<String> = tokens(document).into_iter().collect();
        for token in unique {
            *document_frequency.entry(token).or_insert(0) += 1;
        }
    }
    // Most frequent words first, ties alphabetical: the same vocabulary every time.
    let mut ranked: Vec<(String, usize)> = document_frequency.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(MAX_VOCABULARY);
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    let n = documents.len() as f64;
    let idf = ranked
        .iter()
        .map(|(_, df)| ((1.0 + n) / (1.0 + *df as f64)).ln() + 1.0)
        .collect();
    Transform::TfIdf {
        vocabulary: ranked.into_iter().map(|(w, _)| w).collect(),
        idf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_on_training_rows_only() -> Result<(), FeatureError> {
        let columns = vec![
            InputColumn {
                name: "x".into(),
                values: ColumnValues::Numbers(vec![Some(1.0), Some(3.0), None, Some(100.0)]),
            },
            InputColumn {
                name: "colour".into(),
                values: ColumnValues::Texts(vec![
                    Some("red".into()),
                    Some("blue".into()),
                    None,
                    Some("green".into()),
                ]),
            },
        ];
        let pre = Preprocessor::fit(&columns, &[0, 1, 2], true)?;
        assert_eq!(pre.feature_names(), vec!["x", "colour=blue", "colour=red"]);
        let m = pre.transform(&columns, &[0, 1, 2, 3])?;
        // mean 2, std 1 from rows 0 and 1; the missing value gets the mean.
        assert_eq!(m.column(0).to_vec(), vec![-1.0, 1.0, 0.0, 98.0]);
        // 'green' was not seen in training: no feature lights up.
        assert_eq!(m.row(3).to_vec(), vec![98.0, 0.0, 0.0]);
        assert_eq!(m.row(1).to_vec(), vec![1.0, 1.0, 0.0]);
        Ok(())
    }

    #[test]
    fn free_text_gets_tfidf_as_scikit_learn_computes_it() -> Result<(), FeatureError> {
        // More than MAX_CATEGORIES distinct texts: TF-IDF. Smooth idf
        // ln((1 + n) / (1 + df)) + 1, rows L2-normalised (TfidfVectorizer's defaults).
        let mut texts: Vec<Option<String>> =
            vec![Some("free prize now".into()), Some("call me now".into())];
        texts.extend((0..MAX_CATEGORIES).map(|i| Some(format!("filler{i} words"))));
        let n = texts.len();
        let columns = vec![InputColumn {
            name: "sms".into(),
            values: ColumnValues::Texts(texts),
        }];
        let rows: Vec<usize> = (0..n).collect();
        let pre = Preprocessor::fit(&columns, &rows, false)?;
        let names = pre.feature_names();
        assert!(
            names.contains(&"sms:prize".to_string()) && names.contains(&"sms:words".to_string())
        );
        let m = pre.transform(&columns, &[0])?;
        let once = ((1.0 + n as f64) / 2.0).ln() + 1.0;
        let twice = ((1.0 + n as f64) / 3.0).ln() + 1.0;
        let norm = (2.0 * once * once + twice * twice).sqrt();
        let at = |word: &str| {
            names
                .iter()
                .position(|w| w == &format!("sms:{word}"))
                .map(|k| m[[0, k]])
        };
        assert!(at("free").is_some_and(|v| (v - once / norm).abs() < 1e-12));
        assert!(at("now").is_some_and(|v| (v - twice / norm).abs() < 1e-12));
        assert_eq!(at("call"), Some(0.0));
        let total: f64 = m.row(0).iter().map(|v| v * v).sum();
        assert!((total - 1.0).abs() < 1e-12);
        Ok(())
    }
}
