//! Trials on the sample datasets: the models learn what they should, the same
//! seed gives bit-identical numbers, and bad requests are refused clearly.

use datalab_ml::catalog::ParamValue;
use datalab_ml::features::{ColumnValues, InputColumn};
use datalab_ml::models::Params;
use datalab_ml::trial::{TargetColumn, TrialError, TrialResult, run_trial};
use datalab_ml::validation::Validation;
use std::path::Path;

/// A small RFC 4180 reader, enough for the sample files.
fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../assets/datasets")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let header = records.remove(0);
    (header, records)
}

fn numbers(rows: &[Vec<String>], column: usize) -> Vec<Option<f64>> {
    rows.iter().map(|r| r[column].parse().ok()).collect()
}

fn classes(rows: &[Vec<String>], column: usize) -> TargetColumn {
    let mut labels: Vec<String> = rows.iter().map(|r| r[column].clone()).collect();
    labels.sort();
    labels.dedup();
    let values = rows
        .iter()
        .filter_map(|r| labels.binary_search(&r[column]).ok())
        .collect();
    TargetColumn::Classes { labels, values }
}

fn iris() -> (Vec<InputColumn>, TargetColumn) {
    let (header, rows) = read_csv("iris.csv");
    let features = (0..4)
        .map(|c| InputColumn {
            name: header[c].clone(),
            values: ColumnValues::Numbers(numbers(&rows, c)),
        })
        .collect();
    (features, classes(&rows, 4))
}

fn params(pairs: &[(&str, ParamValue)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn never() -> bool {
    false
}

fn mean(result: &TrialResult, metric: &str) -> f64 {
    result.summary.get(metric).map_or(f64::NAN, |m| m.mean)
}

const FIVE_FOLD: Validation = Validation::KFold { folds: 5 };

#[test]
fn classifiers_learn_iris() -> Result<(), TrialError> {
    let (features, target) = iris();
    for (model, at_least) in [
        ("logistic_regression", 0.90),
        ("decision_tree", 0.90),
        ("random_forest", 0.90),
        ("gaussian_nb", 0.90),
        ("svm", 0.90),
    ] {
        let result = run_trial(
            &features,
            &target,
            model,
            &Params::new(),
            FIVE_FOLD,
            42,
            &never,
        )?;
        let accuracy = mean(&result, "accuracy");
        assert!(accuracy >= at_least, "{model}: accuracy {accuracy}");
        assert_eq!(result.folds.len(), 5);
        let tested: usize = result.folds.iter().map(|f| f.test_rows.len()).sum();
        assert_eq!(tested, 150, "{model}");
        assert!(mean(&result, "roc_auc") > 0.9, "{model}");
    }
    Ok(())
}

#[test]
fn the_same_seed_gives_bit_identical_metrics() -> Result<(), TrialError> {
    let (features, target) = iris();
    for model in [
        "decision_tree",
        "random_forest",
        "logistic_regression",
        "svm",
    ] {
        let p = if model == "random_forest" {
            params(&[
                ("trees", ParamValue::Integer(20)),
                ("feature_fraction", ParamValue::Float(0.5)),
            ])
        } else {
            Params::new()
        };
        let a = run_trial(&features, &target, model, &p, FIVE_FOLD, 7, &never)?;
        let b = run_trial(&features, &target, model, &p, FIVE_FOLD, 7, &never)?;
        for (fa, fb) in a.folds.iter().zip(&b.folds) {
            assert_eq!(fa.metrics, fb.metrics, "{model}");
            assert_eq!(fa.predictions, fb.predictions, "{model}");
        }
        let bits = |r: &TrialResult| {
            r.summary
                .values()
                .map(|m| m.mean.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b), "{model}");
    }
    Ok(())
}

#[test]
fn penguins_with_missing_values_and_categories() -> Result<(), TrialError> {
    let (header, rows) = read_csv("penguins.csv");
    let rows: Vec<Vec<String>> = rows.into_iter().filter(|r| r[6] != "NA").collect();
    let text = |c: usize| {
        ColumnValues::Texts(
            rows.iter()
                .map(|r| (r[c] != "NA").then(|| r[c].clone()))
                .collect(),
        )
    };
    let features = vec![
        InputColumn {
            name: header[1].clone(),
            values: text(1),
        },
        InputColumn {
            name: header[2].clone(),
            values: ColumnValues::Numbers(numbers(&rows, 2)),
        },
        InputColumn {
            name: header[3].clone(),
            values: ColumnValues::Numbers(numbers(&rows, 3)),
        },
        InputColumn {
            name: header[4].clone(),
            values: ColumnValues::Numbers(numbers(&rows, 4)),
        },
        InputColumn {
            name: header[5].clone(),
            values: ColumnValues::Numbers(numbers(&rows, 5)),
        },
    ];
    // Binary: sex, from body measurements and island (one-hot).
    let target = classes(&rows, 6);
    let result = run_trial(
        &features,
        &target,
        "logistic_regression",
        &Params::new(),
        FIVE_FOLD,
        1,
        &never,
    )?;
    assert!(result.feature_names.iter().any(|f| f == "island=Biscoe"));
    let accuracy = mean(&result, "accuracy");
    assert!(accuracy > 0.75, "accuracy {accuracy}");
    let roc = result.folds[0].metrics.clone();
    assert!(matches!(roc, datalab_ml::trial::Metrics::Classification(m) if m.roc_curve.is_some()));
    Ok(())
}

#[test]
fn regressors_on_wine_quality() -> Result<(), TrialError> {
    let (header, rows) = read_csv("winequality-red.csv");
    let features: Vec<InputColumn> = (0..11)
        .map(|c| InputColumn {
            name: header[c].clone(),
            values: ColumnValues::Numbers(numbers(&rows, c)),
        })
        .collect();
    let target = TargetColumn::Numbers(
        rows.iter()
            .map(|r| r[11].parse().unwrap_or(f64::NAN))
            .collect(),
    );
    let linear = run_trial(
        &features,
        &target,
        "linear_regression",
        &Params::new(),
        FIVE_FOLD,
        3,
        &never,
    )?;
    // Red wine quality is hard: linear models explain about a third of the variance.
    let r2 = mean(&linear, "r2");
    assert!(r2 > 0.25 && r2 < 0.5, "r2 {r2}");
    let net = run_trial(
        &features,
        &target,
        "elastic_net",
        &params(&[("penalty", ParamValue::Float(0.01))]),
        FIVE_FOLD,
        3,
        &never,
    )?;
    assert!(
        (mean(&net, "r2") - r2).abs() < 0.05,
        "{} vs {r2}",
        mean(&net, "r2")
    );
    assert!(mean(&net, "rmse") < 0.75);
    Ok(())
}

#[test]
fn text_classification_with_tfidf() -> Result<(), TrialError> {
    let (_, rows) = read_csv("sms_spam.csv");
    let rows: Vec<Vec<String>> = rows.into_iter().take(1500).collect();
    let features = vec![InputColumn {
        name: "text".into(),
        values: ColumnValues::Texts(rows.iter().map(|r| Some(r[1].clone())).collect()),
    }];
    let target = classes(&rows, 0);
    let result = run_trial(
        &features,
        &target,
        "multinomial_nb",
        &params(&[("alpha", ParamValue::Float(0.1))]),
        Validation::Holdout { test_fraction: 0.3 },
        11,
        &never,
    )?;
    assert!(result.feature_names.len() > 100);
    let f1 = mean(&result, "f1_macro");
    assert!(f1 > 0.85, "f1 {f1}");
    Ok(())
}

#[test]
fn clustering_iris() -> Result<(), TrialError> {
    let (features, _) = iris();
    let kmeans = run_trial(
        &features,
        &TargetColumn::None,
        "kmeans",
        &params(&[("clusters", ParamValue::Integer(3))]),
        FIVE_FOLD,
        5,
        &never,
    )?;
    assert_eq!(mean(&kmeans, "clusters"), 3.0);
    let silhouette = mean(&kmeans, "silhouette");
    assert!(silhouette > 0.35 && silhouette < 0.7, "{silhouette}");
    let again = run_trial(
        &features,
        &TargetColumn::None,
        "kmeans",
        &params(&[("clusters", ParamValue::Integer(3))]),
        FIVE_FOLD,
        5,
        &never,
    )?;
    assert_eq!(kmeans.folds[0].predictions, again.folds[0].predictions);
    let dbscan = run_trial(
        &features,
        &TargetColumn::None,
        "dbscan",
        &Params::new(),
        FIVE_FOLD,
        5,
        &never,
    )?;
    assert!(mean(&dbscan, "clusters") >= 2.0);
    Ok(())
}

#[test]
fn bad_requests_are_refused_clearly() {
    let (features, target) = iris();
    let wrong = run_trial(
        &features,
        &target,
        "linear_regression",
        &Params::new(),
        FIVE_FOLD,
        0,
        &never,
    );
    assert!(
        matches!(wrong, Err(TrialError::WrongTask { .. })),
        "{wrong:?}"
    );
    let out_of_range = run_trial(
        &features,
        &target,
        "decision_tree",
        &params(&[("max_depth", ParamValue::Integer(-3))]),
        FIVE_FOLD,
        0,
        &never,
    );
    let message = out_of_range
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.contains("max_depth") && message.contains("0 to 100"),
        "{message}"
    );
    let too_many_folds = run_trial(
        &features,
        &target,
        "decision_tree",
        &Params::new(),
        Validation::KFold { folds: 500 },
        0,
        &never,
    );
    assert!(matches!(too_many_folds, Err(TrialError::Validation(_))));
    let cancelled = run_trial(
        &features,
        &target,
        "decision_tree",
        &Params::new(),
        FIVE_FOLD,
        0,
        &|| true,
    );
    assert_eq!(cancelled.err(), Some(TrialError::Cancelled));
    assert!(
        run_trial(
            &[],
            &target,
            "decision_tree",
            &Params::new(),
            FIVE_FOLD,
            0,
            &never
        )
        .is_err()
    );
}

#[test]
fn a_model_stopped_before_converging_is_an_error_not_a_result() {
    let (features, target) = iris();
    // Nearly unregularised, so the optimum is far away; ten steps do not reach it.
    let stopped = run_trial(
        &features,
        &target,
        "logistic_regression",
        &params(&[
            ("alpha", ParamValue::Float(1e-6)),
            ("max_iterations", ParamValue::Integer(10)),
        ]),
        FIVE_FOLD,
        0,
        &never,
    );
    let message = stopped.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("did not converge in 10 iterations") && message.contains("max_iterations"),
        "{message}"
    );
}

#[test]
fn a_trained_model_survives_its_file() -> Result<(), Box<dyn std::error::Error>> {
    use datalab_ml::models::Predictions;
    use datalab_ml::trial::{TrainedModel, train_final};
    let (features, target) = iris();
    for model in ["logistic_regression", "random_forest", "svm", "gaussian_nb"] {
        let trained = train_final(&features, &target, model, &Params::new(), FIVE_FOLD, 3)?;
        let before = trained.predict(&features)?;
        let text = serde_json::to_string(&trained)?;
        let loaded: TrainedModel = serde_json::from_str(&text)?;
        let after = loaded.predict(&features)?;
        assert_eq!(before, after, "{model}");
        if let Predictions::Classes { predicted, .. } = after {
            let TargetColumn::Classes { values, .. } = &target else {
                unreachable!()
            };
            let right = predicted.iter().zip(values).filter(|(p, t)| p == t).count();
            assert!(
                right >= 140,
                "{model}: {right} of 150 on its own training data"
            );
        }
    }
    Ok(())
}

/// An observer that never stops a trial.
struct Unobserved;

impl datalab_ml::trial::TrialObserver for Unobserved {
    fn stopped(&self) -> bool {
        false
    }
    fn progress(&self, _: datalab_ml::trial::TrialStage, _: u64, _: u64) {}
    fn fold_done(&self, _: &datalab_ml::trial::FoldResult) {}
    fn helper_cpu(&self, _: std::time::Duration) {}
}

#[test]
fn a_decision_threshold_is_chosen_from_the_other_folds_and_kept_by_the_model()
-> Result<(), Box<dyn std::error::Error>> {
    use datalab_ml::models::Predictions;
    use datalab_ml::threshold::{ThresholdMetric, ThresholdRule};
    use datalab_ml::trial::{Metrics, TrialInput};
    // Versicolor against virginica: the two iris species that overlap.
    let (header, rows) = read_csv("iris.csv");
    let rows: Vec<Vec<String>> = rows.into_iter().filter(|r| r[4] != "setosa").collect();
    let features: Vec<InputColumn> = (0..4)
        .map(|c| InputColumn {
            name: header[c].clone(),
            values: ColumnValues::Numbers(numbers(&rows, c)),
        })
        .collect();
    let target = classes(&rows, 4);
    let TargetColumn::Classes { values, .. } = &target else {
        unreachable!()
    };
    // The first label is the positive class here, not the default second.
    let rule = ThresholdRule {
        metric: ThresholdMetric::F1,
        precision: None,
        positive: Some("versicolor".into()),
    };
    let input = TrialInput {
        columns: &features,
        target: &target,
        model: "gaussian_nb",
        params: &Params::new(),
        validation: FIVE_FOLD,
        seed: 5,
        threshold: Some(&rule),
    };
    let result = input.run(&[], &Unobserved)?;
    let scored: Vec<Vec<(f64, bool)>> = result
        .folds
        .iter()
        .map(|fold| match &fold.predictions {
            Predictions::Classes {
                probabilities: Some(p),
                ..
            } => fold
                .test_rows
                .iter()
                .zip(p)
                .map(|(&r, p)| (p[0], values[r] == 0))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    for (k, fold) in result.folds.iter().enumerate() {
        let others: Vec<(f64, bool)> = scored
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .flat_map(|(_, s)| s.clone())
            .collect();
        let Metrics::Classification(metrics) = &fold.metrics else {
            panic!("fold {k} is not scored as classification")
        };
        let positive = metrics
            .positive
            .as_deref()
            .ok_or("no positive-class scores")?;
        assert_eq!(positive.class, 0);
        assert_eq!(
            positive.threshold,
            Some(rule.choose(&others, "versicolor")?)
        );
        let Predictions::Classes { predicted, .. } = &fold.predictions else {
            panic!("fold {k} predicted no classes")
        };
        let t = positive.threshold.unwrap_or(f64::NAN);
        let decided: Vec<usize> = scored[k]
            .iter()
            .map(|&(p, _)| if p >= t { 0 } else { 1 })
            .collect();
        assert_eq!(predicted, &decided, "fold {k}");
    }
    assert!(result.summary.contains_key("f1") && result.summary.contains_key("threshold"));
    let all: Vec<(f64, bool)> = scored.into_iter().flatten().collect();
    let decision = result.decision.ok_or("no decision")?;
    assert_eq!(decision.threshold, rule.choose(&all, "versicolor")?);
    // The kept model decides at that threshold, after a round trip through its file.
    let trained = input.train_final(&Unobserved, result.decision)?;
    let loaded: datalab_ml::trial::TrainedModel =
        serde_json::from_str(&serde_json::to_string(&trained)?)?;
    let Predictions::Classes {
        predicted,
        probabilities: Some(p),
    } = loaded.predict(&features)?
    else {
        panic!("no probabilities from the kept model")
    };
    for (row, (&class, p)) in predicted.iter().zip(&p).enumerate() {
        assert_eq!(class == 0, p[0] >= decision.threshold, "row {row}");
    }
    // A threshold is for two classes.
    let three = TrialInput {
        columns: &iris().0,
        target: &iris().1,
        ..input
    };
    let Err(error) = three.run(&[], &Unobserved) else {
        panic!("three classes were decided at a threshold")
    };
    assert!(error.to_string().contains("two classes"), "{error}");
    Ok(())
}
