//! Connectors against the test vendor server (`tests/vendor-server`), a real
//! HTTP server on loopback: every protocol's answers, every injected fault
//! accounted for row by row, the spend cap, the cache, refused credentials
//! and secrets kept out of messages.

use datalab_vendor_server::{Fault, FaultPlan, ServerConfig, VendorServer, label_for, row_key};
use datalab_vendors::{
    Answer, CachedBody, CallRecord, Column, Connector, Expected, FailureKind, Plan, Rows, Secret,
    Stop,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn labels() -> Vec<String> {
    vec!["setosa".into(), "versicolor".into(), "virginica".into()]
}

/// `n` rows of two numeric features and one text feature.
fn rows(n: usize) -> Rows {
    Rows {
        columns: vec![
            Column {
                name: "length".into(),
                numeric: true,
            },
            Column {
                name: "width".into(),
                numeric: true,
            },
            Column {
                name: "site".into(),
                numeric: false,
            },
        ],
        values: (0..n)
            .map(|i| {
                vec![
                    json!(i as f64 / 4.0),
                    json!(i % 7),
                    json!(format!("site-{}", i % 3)),
                ]
            })
            .collect(),
    }
}

fn connector(config: Value) -> Result<Connector, serde_json::Error> {
    serde_json::from_value(config)
}

/// Runs a plan, collecting every call in call order.
fn run(
    plan: &Plan,
    secret: Option<&Secret>,
    cached: &HashMap<String, CachedBody>,
    cap: Option<f64>,
) -> Result<(Vec<CallRecord>, datalab_vendors::EvaluationEnd), String> {
    let mut calls = Vec::new();
    let end = plan
        .run(secret, cached, cap, &AtomicBool::new(false), &mut |c| {
            calls.push(c)
        })
        .map_err(|e| e.to_string())?;
    calls.sort_by_key(|c| c.call_index);
    Ok((calls, end))
}

fn label_index(label: &str) -> Option<usize> {
    labels().iter().position(|l| l == label)
}

#[test]
fn every_fault_is_accounted_for_row_by_row() -> TestResult {
    let plan_of_faults = FaultPlan {
        slow: 60,
        timeout: 25,
        rate_limited_once: 60,
        server_error_once: 60,
        server_error_always: 40,
        malformed: 40,
        bad_label: 40,
    };
    let server = VendorServer::start(ServerConfig {
        faults: plan_of_faults,
        labels: labels(),
        slow_ms: 50,
        hang_ms: 5_000,
        retry_after_s: 1,
        ..ServerConfig::default()
    })?;
    let data = rows(160);
    let connector = connector(json!({
        "protocol": {"kind": "oip_v2", "model_name": "iris"},
        "base_url": server.url(),
        "timeout_ms": 400,
        "max_retries": 2,
        "concurrency": 8,
    }))?;
    let plan = Plan::new(&connector, &data, &Expected::Labels(labels()))?;
    let (calls, end) = run(&plan, None, &HashMap::new(), None)?;
    assert_eq!(end.stopped, None);
    assert_eq!(calls.len(), 160);
    let mut seen = HashMap::<Fault, usize>::new();
    for call in &calls {
        let row = call.rows[0];
        let key = row_key(&data.values[row]);
        let fault = plan_of_faults.fault_for(&key);
        *seen.entry(fault).or_default() += 1;
        let answer = &call.answers[0];
        match fault {
            Fault::None | Fault::Slow | Fault::RateLimitedOnce | Fault::ServerErrorOnce => {
                let expected = label_index(&label_for(&key, &labels())).map(Answer::Label);
                assert_eq!(
                    answer.as_ref().ok().copied(),
                    expected,
                    "row {row} ({fault:?}): {answer:?}"
                );
                let attempts = if matches!(fault, Fault::RateLimitedOnce | Fault::ServerErrorOnce) {
                    2
                } else {
                    1
                };
                assert_eq!(call.attempts, attempts, "row {row} ({fault:?})");
            }
            Fault::Timeout => {
                assert!(
                    answer.as_ref().is_err_and(
                        |f| f.kind == FailureKind::Timeout && f.message.contains("400 ms")
                    ),
                    "row {row}: {answer:?}"
                );
                assert_eq!(call.attempts, 3, "a timeout is tried again, twice");
            }
            Fault::ServerErrorAlways => {
                assert!(
                    answer
                        .as_ref()
                        .is_err_and(|f| f.kind == FailureKind::ServerError
                            && f.message.contains("HTTP 500")),
                    "row {row}: {answer:?}"
                );
                assert_eq!(call.attempts, 3);
            }
            Fault::Malformed => {
                assert!(
                    answer.as_ref().is_err_and(
                        |f| f.kind == FailureKind::Malformed && f.message.contains("not JSON")
                    ),
                    "row {row}: {answer:?}"
                );
            }
            Fault::BadLabel => {
                assert!(
                    answer
                        .as_ref()
                        .is_err_and(|f| f.kind == FailureKind::InvalidAnswer
                            && f.message.contains("not-a-label")),
                    "row {row}: {answer:?}"
                );
            }
        }
    }
    // The data set exercises every fault, or the test proves less than it says.
    for fault in [
        Fault::Slow,
        Fault::Timeout,
        Fault::RateLimitedOnce,
        Fault::ServerErrorOnce,
        Fault::ServerErrorAlways,
        Fault::Malformed,
        Fault::BadLabel,
    ] {
        assert!(
            seen.get(&fault).is_some_and(|n| *n > 0),
            "no row drew {fault:?}: {seen:?}"
        );
    }
    Ok(())
}

#[test]
fn batches_of_every_mlflow_shape_and_the_generic_connector_answer_per_row() -> TestResult {
    let server = VendorServer::start(ServerConfig {
        labels: labels(),
        ..ServerConfig::default()
    })?;
    let data = rows(23);
    let expected: Vec<Option<Answer>> = data
        .values
        .iter()
        .map(|v| label_index(&label_for(&row_key(v), &labels())).map(Answer::Label))
        .collect();
    for format in ["dataframe_split", "instances", "inputs"] {
        let connector = connector(json!({
            "protocol": {"kind": "mlflow", "format": format},
            "base_url": server.url(),
            "batch_size": 5,
        }))?;
        let plan = Plan::new(&connector, &data, &Expected::Labels(labels()))?;
        assert_eq!(plan.requests().len(), 5, "23 rows in batches of 5");
        let (calls, _) = run(&plan, None, &HashMap::new(), None)?;
        let answers: Vec<Option<Answer>> = calls
            .iter()
            .flat_map(|c| c.answers.iter().map(|a| a.as_ref().ok().copied()))
            .collect();
        // Records and columns arrive keyed by name: the server reads them in
        // name order (length, site, width), the order its row keys are made of.
        let by_name: Vec<Option<Answer>> = data
            .values
            .iter()
            .map(|v| {
                let key = row_key(&[v[0].clone(), v[2].clone(), v[1].clone()]);
                label_index(&label_for(&key, &labels())).map(Answer::Label)
            })
            .collect();
        let wanted = if format == "dataframe_split" {
            &expected
        } else {
            &by_name
        };
        assert_eq!(&answers, wanted, "{format}");
    }
    let generic = connector(json!({
        "protocol": {
            "kind": "http",
            "path": "/generic/predict",
            "body_template": "{\"features\": {\"length\": {{length}}, \"site\": {{site}}}}",
            "prediction_pointer": "/result/prediction",
        },
        "base_url": server.url(),
    }))?;
    let plan = Plan::new(&generic, &data, &Expected::Labels(labels()))?;
    let (calls, _) = run(&plan, None, &HashMap::new(), None)?;
    for (call, request) in calls.iter().zip(plan.requests()) {
        let key = request.body.to_string();
        assert_eq!(
            call.answers[0].as_ref().ok().copied(),
            label_index(&label_for(&key, &labels())).map(Answer::Label)
        );
    }
    Ok(())
}

#[test]
fn chat_answers_are_read_from_json_or_prose_and_priced_by_tokens() -> TestResult {
    let server = VendorServer::start(ServerConfig::default())?;
    let data = rows(6);
    for structured in [true, false] {
        let connector = connector(json!({
            "protocol": {
                "kind": "openai_chat",
                "model": "test-model",
                "prompt_template": "Flower at {{site}}: length {{length}}, width {{width}}. Which species?",
                "structured_output": structured,
            },
            "base_url": format!("{}/v1", server.url()),
            "pricing": {"per_1k_input_tokens": 0.5, "per_1k_output_tokens": 1.5},
        }))?;
        let plan = Plan::new(&connector, &data, &Expected::Labels(labels()))?;
        let (calls, end) = run(&plan, None, &HashMap::new(), None)?;
        for (call, request) in calls.iter().zip(plan.requests()) {
            let prompt = request.body["messages"][1]["content"]
                .as_str()
                .unwrap_or_default();
            assert_eq!(
                call.answers[0].as_ref().ok().copied(),
                label_index(&label_for(prompt, &labels())).map(Answer::Label),
                "structured {structured}"
            );
            assert!(call.usage.input_tokens > 0 && call.usage.output_tokens > 0);
            let cost = call.usage.input_tokens as f64 * 0.5 / 1000.0
                + call.usage.output_tokens as f64 * 1.5 / 1000.0;
            assert!((call.cost - cost).abs() < 1e-12);
        }
        let total: f64 = calls.iter().map(|c| c.cost).sum();
        assert!((end.spent - total).abs() < 1e-12 && total > 0.0);
    }
    Ok(())
}

#[test]
fn the_spend_cap_stops_before_the_call_that_would_pass_it() -> TestResult {
    let server = VendorServer::start(ServerConfig {
        labels: labels(),
        ..ServerConfig::default()
    })?;
    let connector = connector(json!({
        "protocol": {"kind": "oip_v2", "model_name": "iris"},
        "base_url": server.url(),
        "concurrency": 4,
        "pricing": {"per_call": 0.01},
    }))?;
    let plan = Plan::new(&connector, &rows(40), &Expected::Labels(labels()))?;
    let (calls, end) = run(&plan, None, &HashMap::new(), Some(0.055))?;
    assert_eq!(end.stopped, Some(Stop::SpendCap { cap: 0.055 }));
    assert_eq!(
        server.requests(),
        5,
        "five calls of 0.01 fit under 0.055, a sixth would not"
    );
    assert!((end.spent - 0.05).abs() < 1e-9);
    let not_sent = calls
        .iter()
        .filter(|c| {
            c.answers[0]
                .as_ref()
                .is_err_and(|f| f.kind == FailureKind::NotSent)
        })
        .count();
    assert_eq!((calls.len(), not_sent), (40, 35));
    Ok(())
}

#[test]
fn cached_answers_make_no_http_call_and_cost_nothing() -> TestResult {
    let server = VendorServer::start(ServerConfig {
        labels: labels(),
        ..ServerConfig::default()
    })?;
    let connector = connector(json!({
        "protocol": {"kind": "oip_v2", "model_name": "iris"},
        "base_url": server.url(),
        "batch_size": 4,
        "pricing": {"per_call": 0.002},
    }))?;
    let plan = Plan::new(&connector, &rows(30), &Expected::Labels(labels()))?;
    let (first, end) = run(&plan, None, &HashMap::new(), None)?;
    assert_eq!((server.requests(), end.sent, end.cached), (8, 8, 0));
    let cache: HashMap<String, CachedBody> =
        first.iter().filter_map(|c| c.to_cache.clone()).collect();
    assert_eq!(cache.len(), 8);
    let (again, end) = run(&plan, None, &cache, None)?;
    assert_eq!(server.requests(), 8, "the second evaluation made no call");
    assert_eq!((end.sent, end.cached, end.spent), (0, 8, 0.0));
    let answers =
        |calls: &[CallRecord]| calls.iter().map(|c| c.answers.clone()).collect::<Vec<_>>();
    assert_eq!(answers(&again), answers(&first));
    assert!(again.iter().all(|c| c.cached && c.to_cache.is_none()));
    Ok(())
}

#[test]
fn refused_credentials_stop_the_evaluation_and_secrets_never_show() -> TestResult {
    let server = VendorServer::start(ServerConfig {
        labels: labels(),
        token: Some("right-token-123".into()),
        faults: FaultPlan {
            server_error_always: 1000,
            ..FaultPlan::default()
        },
        echo_auth_in_errors: true,
        ..ServerConfig::default()
    })?;
    let with_auth = |concurrency: usize| {
        connector(json!({
            "protocol": {"kind": "oip_v2", "model_name": "iris"},
            "base_url": server.url(),
            "concurrency": concurrency,
            "max_retries": 0,
            "auth": {"secret": {"from": "env", "var": "UNUSED_IN_THIS_TEST"}},
        }))
    };
    // A wrong key: refused, and the evaluation stops instead of sending the rest.
    let plan = Plan::new(&with_auth(1)?, &rows(50), &Expected::Labels(labels()))?;
    let wrong = Secret::new("wrong-key-98765");
    let (calls, end) = run(&plan, Some(&wrong), &HashMap::new(), None)?;
    assert!(
        matches!(end.stopped, Some(Stop::Refused { .. })),
        "{:?}",
        end.stopped
    );
    assert_eq!(server.requests(), 1);
    let first = calls[0].answers[0]
        .clone()
        .err()
        .ok_or("the refused row has an answer")?;
    assert_eq!(first.kind, FailureKind::Refused);
    assert!(
        first.message.contains("UNUSED_IN_THIS_TEST"),
        "{}",
        first.message
    );
    // The right key, and a careless server that quotes it back in its errors.
    let right = Secret::new("right-token-123");
    let plan = Plan::new(&with_auth(2)?, &rows(5), &Expected::Labels(labels()))?;
    let (calls, _) = run(&plan, Some(&right), &HashMap::new(), None)?;
    for call in &calls {
        let failure = call.answers[0]
            .clone()
            .err()
            .ok_or("a 500 row has an answer")?;
        assert_eq!(failure.kind, FailureKind::ServerError);
        assert!(
            failure.message.contains("***"),
            "the echo is there, masked: {}",
            failure.message
        );
        assert!(
            !failure.message.contains("right-token-123"),
            "{}",
            failure.message
        );
    }
    let preview = plan.preview(0).ok_or("no preview")?;
    assert!(
        preview
            .headers
            .iter()
            .any(|(name, value)| name == "Authorization" && value == "Bearer ***")
    );
    Ok(())
}

#[test]
fn an_unreachable_service_fails_each_row_saying_so() -> TestResult {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let connector = connector(json!({
        "protocol": {"kind": "mlflow"},
        "base_url": format!("http://127.0.0.1:{port}"),
        "max_retries": 1,
    }))?;
    let plan = Plan::new(&connector, &rows(3), &Expected::Number)?;
    let (calls, _) = run(&plan, None, &HashMap::new(), None)?;
    for call in calls {
        let failure = call.answers[0].clone().err().ok_or("answered by nobody")?;
        assert_eq!(failure.kind, FailureKind::Unreachable);
        assert!(
            failure.message.contains("could not connect"),
            "{}",
            failure.message
        );
    }
    Ok(())
}

#[test]
fn a_template_naming_a_missing_column_is_refused_before_any_call() -> TestResult {
    let connector = connector(json!({
        "protocol": {"kind": "openai_chat", "model": "m", "prompt_template": "{{lenght}}?"},
        "base_url": "http://127.0.0.1:9/v1",
    }))?;
    let error = Plan::new(&connector, &rows(2), &Expected::Number)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("{{lenght}}") && error.contains("length, width, site"),
        "{error}"
    );
    Ok(())
}
