//! Serving a registered version from the app's process: the sample request
//! the panel shows is typed as the model's inputs (a boolean column is sent
//! as a boolean, not as the 0.0 test rows keep), and the served model
//! answers it.

use crate::common::{TestResult, demo};
use datalab_api::serving::{
    SendToServedRequest, ServeRequest, ServedModels, send_to_served, serve_model, stop_serving,
};
use datalab_api::{
    ImportOptions, ImportRequest, JobContext, NoEvents, RegisterModelRequest, create_experiment,
    import_dataset, parse_spec, register_model, run_queued,
};
use std::io::{Read, Write};
use std::sync::atomic::AtomicBool;

/// POSTs JSON to `url` (http://host:port/path) and answers the body.
fn post(url: &str, body: &str) -> Result<String, Box<dyn std::error::Error>> {
    let rest = url.strip_prefix("http://").ok_or("not an http URL")?;
    let (host, path) = rest.split_once('/').ok_or("no path")?;
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    if !answer.starts_with("HTTP/1.1 200") {
        return Err(format!("the server answered {answer}").into());
    }
    Ok(answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default())
}

/// A demo project with a classifier registered as `members-churn`, trained
/// on a table with a boolean column.
fn members_churn()
-> Result<(tempfile::TempDir, datalab_project::Project), Box<dyn std::error::Error>> {
    let (dir, project) = demo()?;
    let csv = dir.path().join("members.csv");
    let mut text = String::from("spend,member,churned\n");
    for i in 0..80 {
        let member = i % 3 == 0;
        let churned = if (i % 5 == 0) != member { "yes" } else { "no" };
        text.push_str(&format!("{},{member},{churned}\n", 10.0 + (i % 17) as f64));
    }
    std::fs::write(&csv, text)?;
    let cancel = AtomicBool::new(false);
    let jobs = JobContext::new(&NoEvents, &cancel);
    import_dataset(
        &project,
        &ImportRequest {
            path: csv,
            name: Some("members".into()),
            options: ImportOptions::default(),
        },
        &jobs,
    )?;
    let spec = parse_spec(
        "name = \"churn\"\n[dataset]\nname = \"members\"\n[task]\nkind = \"classification\"\n\
         target = \"churned\"\n[validation]\nkind = \"holdout\"\ntest_fraction = 0.25\n\
         [[models]]\nmodel = \"logistic_regression\"\n",
    )?;
    let created = create_experiment(&project, &spec)?;
    let outcome = run_queued(&project, created.experiment.id, Some(1), &jobs)?;
    let run = outcome.runs.first().ok_or("no run")?.id;
    register_model(
        &project,
        &RegisterModelRequest {
            run,
            name: "members-churn".into(),
            description: String::new(),
            alias: None,
            logged_model: None,
        },
    )?;
    Ok((dir, project))
}

#[test]
fn the_sample_request_sends_a_boolean_input_as_a_boolean_and_is_answered() -> TestResult {
    let (_dir, project) = members_churn()?;
    let served = ServedModels::default();
    let info = serve_model(
        &project,
        &served,
        &ServeRequest {
            model: "members-churn".into(),
            port: None,
        },
    )?;
    let inputs = info.sample_oip["inputs"].as_array().ok_or("no inputs")?;
    let member = inputs
        .iter()
        .find(|i| i["name"] == "member")
        .ok_or("no member input")?;
    assert_eq!(member["datatype"], "BOOL", "{member}");
    assert!(member["data"][0].is_boolean(), "{member}");
    let answer = post(
        &format!("{}/v2/models/members-churn/infer", info.url),
        &info.sample_oip.to_string(),
    )?;
    assert!(answer.contains("\"outputs\""), "{answer}");
    stop_serving(&project, &served, "members-churn")?;
    Ok(())
}

fn serve(
    project: &datalab_project::Project,
    served: &ServedModels,
) -> Result<datalab_api::serving::ServedInfo, datalab_api::ApiError> {
    serve_model(
        project,
        served,
        &ServeRequest {
            model: "members-churn".into(),
            port: None,
        },
    )
}

#[test]
fn a_version_served_again_after_a_restart_keeps_its_port_unless_it_is_taken() -> TestResult {
    let (_dir, project) = members_churn()?;
    let first = {
        // The app serves it, then ends: its servers end with it.
        let app = ServedModels::default();
        serve(&project, &app)?
    };
    assert_eq!(first.port_note, None);
    let restarted = ServedModels::default();
    let again = serve(&project, &restarted)?;
    assert_eq!(again.url, first.url, "served again on the port it had");
    assert_eq!(again.port_note, None);
    stop_serving(&project, &restarted, "members-churn")?;

    // Another program holds the port now: served elsewhere, and said so.
    let port = first.url.rsplit(':').next().ok_or("no port")?;
    let holder = std::net::TcpListener::bind(format!("127.0.0.1:{port}"))?;
    let moved = serve(&project, &ServedModels::default())?;
    assert_ne!(moved.url, first.url);
    let note = moved.port_note.clone().ok_or("no note on the moved port")?;
    assert!(note.contains(port) && note.contains(&moved.url), "{note}");
    drop(holder);
    Ok(())
}

#[test]
fn a_request_sent_to_a_served_version_is_answered_with_its_class_probabilities() -> TestResult {
    let (_dir, project) = members_churn()?;
    let served = ServedModels::default();
    let info = serve(&project, &served)?;
    let answer = send_to_served(
        &project,
        &served,
        &SendToServedRequest {
            model: "members-churn".into(),
            body: info.sample_oip.clone(),
        },
    )?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mut classes = answer.classes.clone();
    classes.sort();
    assert_eq!(classes, ["no", "yes"]);
    let outputs = answer.body["outputs"].as_array().ok_or("no outputs")?;
    let probabilities = outputs
        .iter()
        .find(|o| o["name"] == "probabilities")
        .ok_or("no probabilities")?;
    let p: Vec<f64> = probabilities["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    assert_eq!(p.len(), 2);
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");

    // A request the model cannot answer is an answer too: the server's 400.
    let refused = send_to_served(
        &project,
        &served,
        &SendToServedRequest {
            model: "members-churn".into(),
            body: serde_json::json!({"inputs": []}),
        },
    )?;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("error"),
        "{}",
        refused.body
    );
    stop_serving(&project, &served, "members-churn")?;
    Ok(())
}
