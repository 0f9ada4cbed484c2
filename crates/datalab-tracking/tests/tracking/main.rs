//! The tracking server over raw HTTP: the wire facts MLflow clients depend
//! on (string ids, JSON errors with MLflow's codes and statuses) and that no
//! bad request, of any shape on any route, is answered with a 5xx (the
//! client retries those for minutes). The real clients are driven by
//! `tests/mlflow/`.

use datalab_tracking::{Auth, TrackingOptions};
use serde_json::{Value, json};

struct Server {
    base: String,
    runtime: tokio::runtime::Runtime,
    server: Option<datalab_tracking::TrackingServer>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.stop());
        }
    }
}

fn start(auth: Auth) -> Result<Server, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    datalab_project::Project::create(dir.path())?;
    let runtime = tokio::runtime::Runtime::new()?;
    let server = runtime.block_on(datalab_tracking::start(TrackingOptions {
        project: dir.path().to_path_buf(),
        port: 0,
        auth,
    }))?;
    Ok(Server {
        base: server.uri(),
        runtime,
        server: Some(server),
        _dir: dir,
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// Sends a request and returns its status and JSON body (Null if none).
fn send(
    method: &str,
    url: &str,
    body: Option<&str>,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let agent = agent();
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer token-for-tests");
    let response = match body {
        Some(body) => agent.run(request.body(body.to_string())?)?,
        None => agent.run(request.body(())?)?,
    };
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[test]
fn ids_are_strings_and_errors_carry_mlflow_codes() -> Result<(), Box<dyn std::error::Error>> {
    let server = start(Auth::Token("token-for-tests".into()))?;
    let api = format!("{}/api/2.0/mlflow", server.base);
    let (status, missing) = send(
        "GET",
        &format!("{api}/experiments/get-by-name?experiment_name=nope"),
        None,
    )?;
    assert_eq!(
        (status, missing["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    let (_, created) = send(
        "POST",
        &format!("{api}/experiments/create"),
        Some(r#"{"name":"e"}"#),
    )?;
    assert_eq!(
        created["experiment_id"],
        json!("1"),
        "ids go out as JSON strings"
    );
    let (status, again) = send(
        "POST",
        &format!("{api}/experiments/create"),
        Some(r#"{"name":"e"}"#),
    )?;
    assert_eq!(
        (status, again["error_code"].as_str()),
        (400, Some("RESOURCE_ALREADY_EXISTS"))
    );
    let (_, default) = send(
        "GET",
        &format!("{api}/experiments/get?experiment_id=0"),
        None,
    )?;
    assert_eq!(default["experiment"]["name"], json!("Default"));
    let (_, run) = send(
        "POST",
        &format!("{api}/runs/create"),
        Some(r#"{"experiment_id":"1","start_time":"1700000000000"}"#),
    )?;
    let info = &run["run"]["info"];
    assert_eq!(info["experiment_id"], json!("1"));
    assert_eq!(
        info["status"],
        json!("RUNNING"),
        "a status is always sent (its absence reads as RUNNING)"
    );
    assert_eq!(info["run_id"].as_str().map(str::len), Some(32));
    assert!(
        info["artifact_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("mlflow-artifacts:/1/"))
    );
    assert!(
        !info["run_name"].as_str().unwrap_or_default().is_empty(),
        "a run without a name gets one"
    );
    let (status, unknown) = send("GET", &format!("{api}/no/such/route"), None)?;
    assert_eq!(
        (status, unknown["error_code"].as_str()),
        (404, Some("ENDPOINT_NOT_FOUND"))
    );
    let (status, version) = (
        send("GET", &format!("{}/version", server.base), None)?.0,
        datalab_tracking::MLFLOW_VERSION,
    );
    assert_eq!(status, 200);
    assert!(version.starts_with('3'));
    Ok(())
}

#[test]
fn the_token_is_checked_before_anything_else() -> Result<(), Box<dyn std::error::Error>> {
    let server = start(Auth::Token("the-real-token".into()))?;
    let (status, body) = send(
        "GET",
        &format!(
            "{}/api/2.0/mlflow/experiments/get?experiment_id=0",
            server.base
        ),
        None,
    )?;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    let open = start(Auth::None)?;
    let (status, _) = send(
        "GET",
        &format!(
            "{}/api/2.0/mlflow/experiments/get?experiment_id=0",
            open.base
        ),
        None,
    )?;
    assert_eq!(status, 200);
    Ok(())
}

#[test]
fn no_bad_request_is_answered_with_a_server_error() -> Result<(), Box<dyn std::error::Error>> {
    let server = start(Auth::Token("token-for-tests".into()))?;
    let api = format!("{}/api/2.0/mlflow", server.base);
    let (_, run) = send("POST", &format!("{api}/runs/create"), Some("{}"))?;
    let run_id = run["run"]["info"]["run_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let routes = [
        ("POST", "experiments/create"),
        ("GET", "experiments/get"),
        ("GET", "experiments/get-by-name"),
        ("POST", "experiments/search"),
        ("POST", "experiments/update"),
        ("POST", "experiments/delete"),
        ("POST", "experiments/set-experiment-tag"),
        ("POST", "runs/create"),
        ("GET", "runs/get"),
        ("POST", "runs/update"),
        ("POST", "runs/search"),
        ("POST", "runs/log-metric"),
        ("POST", "runs/log-parameter"),
        ("POST", "runs/set-tag"),
        ("POST", "runs/delete-tag"),
        ("POST", "runs/log-batch"),
        ("POST", "runs/log-inputs"),
        ("POST", "runs/outputs"),
        ("POST", "runs/log-model"),
        ("GET", "metrics/get-history"),
        ("POST", "logged-models"),
        ("POST", "logged-models/search"),
        ("PATCH", "logged-models/m-nope"),
        ("POST", "registered-models/create"),
        ("GET", "registered-models/get"),
        ("POST", "model-versions/create"),
        ("GET", "model-versions/get-download-uri"),
        ("POST", "registered-models/alias"),
    ];
    let bodies = [
        "".to_string(),
        "{".to_string(),
        "[]".to_string(),
        "null".to_string(),
        r#"{"experiment_id": {"x": 1}}"#.to_string(),
        r#"{"name": 5, "run_id": [1], "key": null}"#.to_string(),
        format!(r#"{{"run_id": "{run_id}", "metrics": [{{"key": "k", "value": "high", "timestamp": 1}}]}}"#),
        format!(r#"{{"run_id": "{run_id}", "metrics": "all", "params": [{{"key": ""}}]}}"#),
        format!(r#"{{"run_id": "{run_id}", "key": "{}", "value": "v"}}"#, "k".repeat(300)),
        format!(r#"{{"run_id": "{run_id}", "status": "SLEEPING", "end_time": 1.5}}"#),
        r#"{"experiment_ids": ["x"], "filter": "metrics.a < 'b' or (", "max_results": -3, "page_token": "zz"}"#.to_string(),
        r#"{"name": "../../etc", "source": "file:///etc/passwd", "alias": "bad alias", "version": "one"}"#.to_string(),
    ];
    for (method, route) in routes {
        for body in &bodies {
            let url = format!("{api}/{route}");
            let (status, answer) = if method == "GET" {
                send(
                    method,
                    &format!("{url}?experiment_id=abc&run_id=nope&max_results=x"),
                    None,
                )?
            } else {
                send(method, &url, Some(body))?
            };
            assert!(
                (400..500).contains(&status) || status == 200,
                "{method} {route} with {body:?} answered {status}: {answer}"
            );
            if status != 200 {
                assert!(
                    answer["error_code"].is_string(),
                    "{method} {route}: {answer}"
                );
            }
        }
    }
    for path in [
        "1/../../x",
        "1/nope/artifacts/a",
        "x/y",
        "/",
        "1//artifacts/a",
    ] {
        let (status, _) = send(
            "PUT",
            &format!("{}/api/2.0/mlflow-artifacts/artifacts/{path}", server.base),
            Some("data"),
        )?;
        assert!((400..500).contains(&status), "PUT {path}: {status}");
    }
    Ok(())
}
