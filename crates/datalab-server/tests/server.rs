//! The UI server over real HTTP on loopback: the token check, operations
//! through the one API list, errors as `{code, message}` with an HTTP
//! status, and the UI files.

use datalab_server::{ServeOptions, start};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into()
}

fn post(
    agent: &ureq::Agent,
    base: &str,
    token: Option<&str>,
    operation: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let mut request = agent.post(format!("{base}/api/{operation}"));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.send_json(body)?;
    let status = response.status().as_u16();
    let value: Value = response.body_mut().read_json()?;
    Ok((status, value))
}

#[test]
fn the_server_answers_only_with_its_token_and_speaks_the_api() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(&ui)?;
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>Data Lab</title>",
    )?;
    let runtime = tokio::runtime::Runtime::new()?;
    let server = runtime.block_on(start(ServeOptions {
        port: 0,
        ui_dir: Some(ui.clone()),
        project: None,
    }))?;
    assert!(server.address.ip().is_loopback());
    assert_eq!(server.token.len(), 64);
    let base = format!("http://{}", server.address);
    let token = server.token.clone();
    let agent = agent();

    // No token, a wrong token, a token one character short: 401, for the API and the UI.
    let (status, body) = post(&agent, &base, None, "list_datasets", json!({}))?;
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap_or("").contains("token"));
    let wrong = "0".repeat(64);
    assert_eq!(
        post(&agent, &base, Some(&wrong), "list_datasets", json!({}))?.0,
        401
    );
    assert_eq!(
        post(
            &agent,
            &base,
            Some(&token[..63]),
            "list_datasets",
            json!({})
        )?
        .0,
        401
    );
    assert_eq!(agent.get(format!("{base}/")).call()?.status().as_u16(), 401);

    // The printed URL works in a browser: the token in the query sets a cookie.
    let mut page = agent.get(server.url()).call()?;
    assert_eq!(page.status().as_u16(), 200);
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(cookie.contains("datalab_token=") && cookie.contains("HttpOnly"));
    assert!(page.body_mut().read_to_string()?.contains("Data Lab"));
    let with_cookie = agent
        .get(format!("{base}/index.html"))
        .header("Cookie", cookie.split(';').next().unwrap_or(""))
        .call()?;
    assert_eq!(with_cookie.status().as_u16(), 200);
    assert_eq!(
        agent
            .get(format!("{base}/../secret"))
            .header("Authorization", format!("Bearer {token}"))
            .call()?
            .status()
            .as_u16(),
        404
    );

    // No project yet: a clear conflict, then create one and use it.
    let (status, body) = post(&agent, &base, Some(&token), "list_datasets", json!({}))?;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "not_a_project");
    let lab = dir.path().join("lab");
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "create_project",
        json!({ "path": lab }),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["datasets"], 0);
    let csv = dir.path().join("points.csv");
    std::fs::write(&csv, "x,y,label\n1,2,a\n3,4,b\n5,6,a\n")?;
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "import_dataset",
        json!({ "path": csv }),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dataset"]["name"], "points");
    assert_eq!(body["dataset"]["rows"], 3);
    let (status, page) = post(
        &agent,
        &base,
        Some(&token),
        "preview_dataset",
        json!({ "dataset": "points", "offset": 1, "limit": 1 }),
    )?;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["table"]["rows"], json!([[3, 4, "b"]]));

    // Errors keep their code, with a fitting status.
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "show_dataset",
        json!({ "dataset": "nope" }),
    )?;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "show_dataset",
        json!({ "wrong": 1 }),
    )?;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("show_dataset")
    );
    let (status, _) = post(&agent, &base, Some(&token), "no_such_operation", json!({}))?;
    assert_eq!(status, 404);

    runtime.block_on(server.stop())?;
    Ok(())
}
