//! The fake vendor over real HTTP on loopback: each protocol answers every
//! row from its key alone, the faults happen as planned (and only as often as
//! planned), the token is wanted, and the fault plan parses with errors that
//! name what is wrong.

use datalab_vendor_server::{
    Fault, FaultPlan, ServerConfig, VendorServer, label_for, row_key, value_for,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn agent() -> ureq::Agent {
    agent_with_timeout(Duration::from_secs(10))
}

fn iris_labels() -> Vec<String> {
    ["setosa", "versicolor", "virginica"]
        .map(str::to_owned)
        .to_vec()
}

/// POSTs `body`, returning the status and the raw body text.
fn post_text(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<(u16, String), Box<dyn std::error::Error>> {
    let mut request = agent.post(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.send_json(body)?;
    let status = response.status().as_u16();
    Ok((status, response.body_mut().read_to_string()?))
}

/// POSTs `body`, returning the status and the JSON answer.
fn post(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let (status, text) = post_text(agent, url, token, body)?;
    Ok((status, serde_json::from_str(&text)?))
}

/// Three rows of two columns, and their keys.
fn rows() -> (Vec<[Value; 2]>, Vec<String>) {
    let rows = vec![
        [json!(5.1), json!("Adelie")],
        [json!(6.2), json!("Gentoo")],
        [json!(4.7), json!(null)],
    ];
    let keys = rows.iter().map(|row| row_key(row)).collect();
    (rows, keys)
}

fn infer_request(rows: &[[Value; 2]]) -> Value {
    let column = |index: usize| {
        rows.iter()
            .map(|row| row[index].clone())
            .collect::<Vec<_>>()
    };
    json!({
        "id": "request-7",
        "inputs": [
            { "name": "bill_length", "shape": [rows.len()], "datatype": "FP64", "data": column(0) },
            { "name": "species", "shape": [rows.len(), 1], "datatype": "BYTES", "data": column(1) },
        ],
    })
}

#[test]
fn every_protocol_answers_each_row_from_its_key_alone() -> TestResult {
    let labels = iris_labels();
    let server = VendorServer::start(ServerConfig {
        labels: labels.clone(),
        ..ServerConfig::default()
    })?;
    let base = server.url();
    let agent = agent();
    let (rows, keys) = rows();
    assert_eq!(keys[0], r#"[5.1,"Adelie"]"#);
    let expected: Vec<Value> = keys
        .iter()
        .map(|key| json!(label_for(key, &labels)))
        .collect();

    // OIP v2: the same request twice, the same answers, each the key's label.
    let infer_url = format!("{base}/v2/models/penguins/infer");
    let (status, first) = post(&agent, &infer_url, None, &infer_request(&rows))?;
    assert_eq!(status, 200, "{first}");
    let (_, second) = post(&agent, &infer_url, None, &infer_request(&rows))?;
    assert_eq!(first, second);
    assert_eq!(first["model_name"], "penguins");
    assert_eq!(first["id"], "request-7");
    assert_eq!(first["outputs"][0]["datatype"], "BYTES");
    assert_eq!(first["outputs"][0]["shape"], json!([3]));
    assert_eq!(first["outputs"][0]["data"], json!(expected));
    // Inputs that disagree on the row count: 400 naming the input.
    let mut uneven = infer_request(&rows);
    uneven["inputs"][1]["shape"] = json!([2]);
    uneven["inputs"][1]["data"] = json!(["Adelie", "Gentoo"]);
    let (status, error) = post(&agent, &infer_url, None, &uneven)?;
    assert_eq!(status, 400);
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("species"), "{message}");

    // MLflow: the same rows in two formats, the same keys, the same answers.
    let invocations = format!("{base}/invocations");
    let split = json!({ "dataframe_split": {
        "columns": ["bill_length", "species"],
        "data": rows,
    }});
    let (status, answer) = post(&agent, &invocations, None, &split)?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["predictions"], json!(expected));
    let (_, answer) = post(&agent, &invocations, None, &json!({ "instances": rows }))?;
    assert_eq!(answer["predictions"], json!(expected));

    // Generic: the key is the compact body.
    let body = json!({ "bill_length": 5.1 });
    let (_, answer) = post(&agent, &format!("{base}/generic/predict"), None, &body)?;
    assert_eq!(
        answer.pointer("/result/prediction"),
        Some(&json!(label_for(r#"{"bill_length":5.1}"#, &labels)))
    );

    // OpenAI: labels from a prompt line, free text; then from a JSON schema, JSON content.
    let chat_url = format!("{base}/v1/chat/completions");
    let penguin = "bill_length: 5.1, island: Biscoe";
    let colours = ["red", "green"].map(str::to_owned).to_vec();
    let chat = json!({
        "model": "gpt-test",
        "messages": [
            { "role": "system", "content": "Classify the penguin.\nLabels: red, green" },
            { "role": "user", "content": penguin },
        ],
        "temperature": 0,
    });
    let (status, answer) = post(&agent, &chat_url, None, &chat)?;
    assert_eq!(status, 200, "{answer}");
    let (_, again) = post(&agent, &chat_url, None, &chat)?;
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        again["choices"][0]["message"]["content"]
    );
    let content = format!("Sure! The answer is: {}.", label_for(penguin, &colours));
    assert_eq!(answer["choices"][0]["message"]["content"], json!(content));
    assert_eq!(answer["model"], "gpt-test");
    let prompt_chars = "Classify the penguin.\nLabels: red, green".len() + penguin.len();
    let usage = &answer["usage"];
    assert_eq!(usage["prompt_tokens"], json!(prompt_chars.div_ceil(4)));
    assert_eq!(usage["completion_tokens"], json!(content.len().div_ceil(4)));

    let schema_chat = json!({
        "model": "gpt-test",
        "messages": [{ "role": "user", "content": penguin }],
        "response_format": { "type": "json_schema", "json_schema": { "name": "answer", "schema": {
            "type": "object",
            "properties": { "label": { "type": "string", "enum": labels } },
        }}},
    });
    let (_, answer) = post(&agent, &chat_url, None, &schema_chat)?;
    let content = answer["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default();
    let parsed: Value = serde_json::from_str(content)?;
    assert_eq!(parsed, json!({ "label": label_for(penguin, &labels) }));

    // Predictions counted; health, metadata and stats are not.
    let health = agent.get(format!("{base}/v2/health/ready")).call()?;
    assert_eq!(health.status().as_u16(), 200);
    let metadata: Value = agent
        .get(format!("{base}/v2/models/penguins"))
        .call()?
        .body_mut()
        .read_json()?;
    assert_eq!(metadata["outputs"][0]["datatype"], "BYTES");
    assert_eq!(server.requests(), 9);
    let stats: Value = agent
        .get(format!("{base}/_stats"))
        .call()?
        .body_mut()
        .read_json()?;
    assert_eq!(stats, json!({ "requests": 9 }));
    server.stop();
    Ok(())
}

#[test]
fn without_labels_the_vendor_answers_numbers() -> TestResult {
    let server = VendorServer::start(ServerConfig::default())?;
    let agent = agent();
    let (rows, keys) = rows();
    let infer_url = format!("{}/v2/models/prices/infer", server.url());
    let (_, answer) = post(&agent, &infer_url, None, &infer_request(&rows))?;
    let expected: Vec<f64> = keys.iter().map(|key| value_for(key)).collect();
    assert_eq!(answer["outputs"][0]["datatype"], "FP64");
    assert_eq!(answer["outputs"][0]["data"], json!(expected));

    let chat_url = format!("{}/v1/chat/completions", server.url());
    let question = "rooms: 3, area: 72";
    let chat = |response_format: Value| {
        let mut body = json!({
            "model": "m",
            "messages": [{ "role": "user", "content": question }],
        });
        if !response_format.is_null() {
            body["response_format"] = response_format;
        }
        body
    };
    let (_, answer) = post(
        &agent,
        &chat_url,
        None,
        &chat(json!({ "type": "json_object" })),
    )?;
    let content = answer["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default();
    let parsed: Value = serde_json::from_str(content)?;
    assert_eq!(parsed, json!({ "value": value_for(question) }));
    let (_, answer) = post(&agent, &chat_url, None, &chat(Value::Null))?;
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        json!(format!("Sure! The estimate is {}.", value_for(question)))
    );
    Ok(())
}

#[test]
fn faults_happen_as_planned() -> TestResult {
    let agent = agent();
    let body = json!({ "x": 1 });

    // Rate limited once: 429 with Retry-After, then the answer.
    let server = VendorServer::start(ServerConfig {
        faults: FaultPlan::parse("rate_limited_once=1000")?,
        retry_after_s: 3,
        ..ServerConfig::default()
    })?;
    let url = format!("{}/generic/predict", server.url());
    let mut response = agent.post(&url).send_json(&body)?;
    assert_eq!(response.status().as_u16(), 429);
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str());
    assert_eq!(retry_after.transpose()?, Some("3"));
    let error: Value = response.body_mut().read_json()?;
    assert_eq!(error["error"]["message"], "rate limited");
    let (status, answer) = post(&agent, &url, None, &body)?;
    assert_eq!(status, 200);
    assert_eq!(
        answer["result"]["prediction"],
        json!(value_for(r#"{"x":1}"#))
    );
    server.stop();

    // Malformed: a 200 whose JSON is cut off.
    let server = VendorServer::start(ServerConfig {
        faults: FaultPlan::parse("malformed=1000")?,
        ..ServerConfig::default()
    })?;
    let (status, text) = post_text(
        &agent,
        &format!("{}/invocations", server.url()),
        None,
        &json!({ "instances": [[1]] }),
    )?;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    server.stop();

    // Bad labels: an answer outside the label set, or not a number.
    let server = VendorServer::start(ServerConfig {
        faults: FaultPlan::parse("bad_label=1000")?,
        labels: iris_labels(),
        ..ServerConfig::default()
    })?;
    let (_, answer) = post(
        &agent,
        &format!("{}/invocations", server.url()),
        None,
        &json!({ "instances": [[1], [2]] }),
    )?;
    assert_eq!(answer["predictions"], json!(["not-a-label", "not-a-label"]));
    server.stop();

    // A careless vendor's 500 quotes the key it was sent.
    let server = VendorServer::start(ServerConfig {
        faults: FaultPlan::parse("server_error_always=1000")?,
        token: Some("sk-secret".to_owned()),
        echo_auth_in_errors: true,
        ..ServerConfig::default()
    })?;
    let url = format!("{}/generic/predict", server.url());
    for _ in 0..2 {
        let (status, error) = post(&agent, &url, Some("sk-secret"), &body)?;
        assert_eq!(status, 500);
        assert_eq!(error["error"]["authorization"], "Bearer sk-secret");
    }
    server.stop();

    // Slow answers late; a hanging one outlasts the client, and stopping the
    // server does not wait it out.
    let server = VendorServer::start(ServerConfig {
        faults: FaultPlan::parse("slow=1000")?,
        slow_ms: 60,
        ..ServerConfig::default()
    })?;
    let started = Instant::now();
    let (status, _) = post(
        &agent,
        &format!("{}/generic/predict", server.url()),
        None,
        &body,
    )?;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    server.stop();
    let server = VendorServer::start(ServerConfig {
        faults: FaultPlan::parse("timeout=1000")?,
        hang_ms: 20_000,
        ..ServerConfig::default()
    })?;
    let impatient = agent_with_timeout(Duration::from_millis(200));
    let url = format!("{}/generic/predict", server.url());
    assert!(impatient.post(&url).send_json(&body).is_err());
    let stopping = Instant::now();
    server.stop();
    assert!(stopping.elapsed() < Duration::from_secs(5));
    Ok(())
}

#[test]
fn the_token_is_wanted_on_every_route_but_health() -> TestResult {
    let server = VendorServer::start(ServerConfig {
        token: Some("s3cret".to_owned()),
        ..ServerConfig::default()
    })?;
    assert!(
        !format!(
            "{:?}",
            ServerConfig {
                token: Some("s3cret".to_owned()),
                ..ServerConfig::default()
            }
        )
        .contains("s3cret")
    );
    let agent = agent();
    let url = format!("{}/invocations", server.url());
    let body = json!({ "instances": [[1.5]] });
    for token in [None, Some("wrong")] {
        let (status, error) = post(&agent, &url, token, &body)?;
        assert_eq!(status, 401);
        assert_eq!(error["error"]["message"], "invalid api key");
    }
    assert_eq!(post(&agent, &url, Some("s3cret"), &body)?.0, 200);
    let metadata = agent.get(format!("{}/v2/models/m", server.url())).call()?;
    assert_eq!(metadata.status().as_u16(), 401);
    let live = agent
        .get(format!("{}/v2/health/live", server.url()))
        .call()?;
    assert_eq!(live.status().as_u16(), 200);
    assert_eq!(server.requests(), 3);
    Ok(())
}

#[test]
fn faults_fall_on_rows_at_the_planned_rates() {
    let plan = FaultPlan {
        slow: 100,
        timeout: 50,
        rate_limited_once: 150,
        server_error_once: 100,
        server_error_always: 50,
        malformed: 50,
        bad_label: 200,
    };
    let planned = [
        (Fault::Slow, 100),
        (Fault::Timeout, 50),
        (Fault::RateLimitedOnce, 150),
        (Fault::ServerErrorOnce, 100),
        (Fault::ServerErrorAlways, 50),
        (Fault::Malformed, 50),
        (Fault::BadLabel, 200),
        (Fault::None, 300),
    ];
    let faults: Vec<Fault> = (0..10_000)
        .map(|row| plan.fault_for(&format!("[{row},\"row\"]")))
        .collect();
    for (fault, per_mille) in planned {
        let count = faults.iter().filter(|seen| **seen == fault).count();
        // 10,000 rows: 2 percentage points are 200 rows.
        let expected = per_mille * 10;
        assert!(
            count.abs_diff(expected) <= 200,
            "{fault:?}: {count} rows, planned {expected}"
        );
    }
    assert_eq!(FaultPlan::default().fault_for("anything"), Fault::None);
}

#[test]
fn fault_plans_parse_and_errors_name_the_bad_field() {
    assert_eq!(
        FaultPlan::parse("slow=50, timeout=10,bad_label=5"),
        Ok(FaultPlan {
            slow: 50,
            timeout: 10,
            bad_label: 5,
            ..FaultPlan::default()
        })
    );
    assert_eq!(FaultPlan::parse(""), Ok(FaultPlan::default()));
    for (text, named) in [
        ("slow=50,sloww=3", "sloww"),
        ("timeout=ten", "timeout"),
        ("malformed=1001", "malformed"),
        ("slow", "slow"),
        ("slow=1,slow=2", "slow"),
        ("slow=600,timeout=600", "1200"),
    ] {
        let error = FaultPlan::parse(text).err().unwrap_or_default();
        assert!(error.contains(named), "{text}: {error}");
    }
}
