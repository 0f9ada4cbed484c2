//! From table columns to a numeric matrix: missing values imputed, text
//! one-hot encoded (few categories) or TF-IDF weighted (free text), numbers
//! standardised; or, for gradient-boosted trees ([`Encoding::Native`]),
//! numbers as they are with missing values kept as NaN and text as category
//! codes. Everything is fitted on the training rows only and kept, so
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
/// Category codes a native text column keeps (the most frequent ones); the
/// rest share one more code. Boosting bins a code per category, 255 at most.
pub const MAX_CODES: usize = 254;

/// How columns become features, chosen by the model (see `models::encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Numbers to zero mean and unit variance, missing values as the mean,
    /// text one-hot or TF-IDF.
    Standardized,
    /// As `Standardized` without the scaling (counts stay counts).
    Unscaled,
    /// Numbers as they are, NaN where missing; text as a category code.
    Native,
}

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
    /// The number itself; missing (or not finite) is NaN.
    Raw,
    /// The index of the category in `categories` (sorted); a category not
    /// kept is `categories.len()` when `other` is set; unseen and missing are NaN.
    Codes {
        categories: Vec<String>,
        other: bool,
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
    /// Fits on `rows` of `columns`, encoded as `encoding` says.
    pub fn fit(
        columns: &[InputColumn],
        rows: &[usize],
        encoding: Encoding,
    ) -> Result<Self, FeatureError> {
        let standardize = encoding == Encoding::Standardized;
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
                    if encoding == Encoding::Native {
                        fitted.push((column.name.clone(), Transform::Raw));
                        continue;
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
                    if encoding == Encoding::Native {
                        fitted.push((column.name.clone(), fit_codes(&present)));
                        continue;
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
                Transform::Number { .. } | Transform::Raw | Transform::Codes { .. } => {
                    names.push(name.clone())
                }
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

    /// The input columns it reads, in order (before encoding).
    pub fn input_columns(&self) -> Vec<String> {
        self.columns.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Which features hold category codes, in matrix column order.
    pub fn categorical(&self) -> Vec<bool> {
        let mut out = Vec::new();
        for (_, transform) in &self.columns {
            match transform {
                Transform::Number { .. } | Transform::Raw => out.push(false),
                Transform::Codes { .. } => out.push(true),
                Transform::OneHot { categories } => out.extend(categories.iter().map(|_| false)),
                Transform::TfIdf { vocabulary, .. } => out.extend(vocabulary.iter().map(|_| false)),
            }
        }
        out
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
                (Transform::Raw, ColumnValues::Numbers(values)) => {
                    for (i, &r) in rows.iter().enumerate() {
                        matrix[[i, offset]] = values
                            .get(r)
                            .copied()
                            .flatten()
                            .filter(|v| v.is_finite())
                            .unwrap_or(f64::NAN);
                    }
                    offset += 1;
                }
                (Transform::Codes { categories, other }, ColumnValues::Texts(values)) => {
                    for (i, &r) in rows.iter().enumerate() {
                        matrix[[i, offset]] = match values.get(r).and_then(|v| v.as_deref()) {
                            None => f64::NAN,
                            Some(v) => match categories.binary_search_by(|c| c.as_str().cmp(v)) {
                                Ok(k) => k as f64,
                                Err(_) if *other => categories.len() as f64,
                                Err(_) => f64::NAN,
                            },
                        };
                    }
                    offset += 1;
                }
                // The column changed type since fitting: its features stay zero
                // (missing, for native encodings).
                (Transform::Raw | Transform::Codes { .. }, _) => {
                    matrix.column_mut(offset).fill(f64::NAN);
                    offset += 1;
                }
                (Transform::Number { .. }, _) => offset += 1,
                (Transform::OneHot { categories }, _) => offset += categories.len(),
                (Transform::TfIdf { vocabulary, .. }, _) => offset += vocabulary.len(),
            }
        }
        Ok(matrix)
    }
}

/// Codes for the most frequent categories (ties alphabetical); the rest,
/// if any, share one more code so that "rare" stays distinct from "missing".
fn fit_codes(present: &[&str]) -> Transform {
    let mut frequency: BTreeMap<&str, usize> = BTreeMap::new();
    for v in present {
        *frequency.entry(v).or_insert(0) += 1;
    }
    let other = frequency.len() > MAX_CODES;
    let mut ranked: Vec<(&str, usize)> = frequency.into_iter().collect();
    if other {
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        ranked.truncate(MAX_CODES - 1);
        ranked.sort_by(|a, b| a.0.cmp(b.0));
    }
    Transform::Codes {
        categories: ranked.into_iter().map(|(c, _)| c.to_string()).collect(),
        other,
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
        let pre = Preprocessor::fit(&columns, &[0, 1, 2], Encoding::Standardized)?;
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
        let pre = Preprocessor::fit(&columns, &rows, Encoding::Unscaled)?;
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

    #[test]
    fn native_encoding_keeps_missing_values_and_codes_categories() -> Result<(), FeatureError> {
        let mut colours: Vec<Option<String>> = vec![Some("red".into()), Some("blue".into()), None];
        // 300 rare categories beyond the kept ones share the "other" code.
        colours.extend((0..300).map(|i| Some(format!("c{i:03}"))));
        colours.extend((0..300).map(|i| Some(format!("c{i:03}"))));
        let n = colours.len();
        let columns = vec![
            InputColumn {
                name: "x".into(),
                values: ColumnValues::Numbers(
                    (0..n)
                        .map(|i| if i == 2 { None } else { Some(i as f64 * 10.0) })
                        .collect(),
                ),
            },
            InputColumn {
                name: "colour".into(),
                values: ColumnValues::Texts(colours),
            },
        ];
        let rows: Vec<usize> = (0..n).collect();
        let pre = Preprocessor::fit(&columns, &rows, Encoding::Native)?;
        assert_eq!(pre.feature_names(), vec!["x", "colour"]);
        assert_eq!(pre.categorical(), vec![false, true]);
        let m = pre.transform(&columns, &rows)?;
        assert_eq!(m[[1, 0]], 10.0);
        assert!(m[[2, 0]].is_nan());
        assert!(m[[2, 1]].is_nan());
        let codes: BTreeSet<u64> = (0..n)
            .filter(|&r| !m[[r, 1]].is_nan())
            .map(|r| m[[r, 1]] as u64)
            .collect();
        assert_eq!(codes.len(), MAX_CODES);
        assert_eq!(codes.iter().max(), Some(&(MAX_CODES as u64 - 1)));
        Ok(())
    }
}
