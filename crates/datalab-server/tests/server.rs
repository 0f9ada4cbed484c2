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
        allowed_dirs: vec![dir.path().to_path_buf()],
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

    // A random search of a billion trials is refused before anything is
    // allocated for it (it once took this server to 5.3 GB).
    let (status, spec) = post(
        &agent,
        &base,
        Some(&token),
        "parse_spec",
        json!({ "toml": "name = \"huge\"\nsearch = { kind = \"random\", budget = 1000000000 }\n\
            [dataset]\nname = \"points\"\n[task]\nkind = \"classification\"\ntarget = \"label\"\n\
            [validation]\nkind = \"holdout\"\ntest_fraction = 0.34\n\
            [[models]]\nmodel = \"logistic_regression\"\nparams = { alpha = { min = 0.1, max = 10.0 } }\n" }),
    )?;
    assert_eq!(status, 200, "{spec}");
    let started = std::time::Instant::now();
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "create_experiment",
        json!({ "spec": spec }),
    )?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "search", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("DATALAB_MAX_TRIALS"),
        "{body}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let (_, experiments) = post(&agent, &base, Some(&token), "list_experiments", json!({}))?;
    assert_eq!(experiments, json!([]), "nothing was recorded");
    if let Some(peak) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
    {
        assert!(peak < 1024 * 1024, "the test process peaked at {peak} kB");
    }

    runtime.block_on(server.stop())?;
    Ok(())
}

/// One request as a browser (or a hostile page) sends it, over a raw
/// socket so every header is exactly as given: the status and the body.
fn raw(
    address: &std::net::SocketAddr,
    request: &str,
) -> Result<(u16, String), Box<dyn std::error::Error>> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {answer:?}"))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// A POST as a browser would send it: `headers` are added verbatim.
fn browser_post(host: &str, path: &str, headers: &[&str], body: &str) -> String {
    let mut request = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    request
}

#[test]
fn pages_of_other_sites_and_paths_outside_its_folders_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let allowed = dir.path().join("allowed");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&allowed)?;
    std::fs::create_dir_all(&outside)?;
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(&ui)?;
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>Data Lab</title>",
    )?;
    std::fs::write(allowed.join("points.csv"), "x,y\n1,2\n3,4\n")?;
    std::fs::write(outside.join("secret.csv"), "password\nhunter2\n")?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("secret.csv"), allowed.join("link.csv"))?;

    let runtime = tokio::runtime::Runtime::new()?;
    let server = runtime.block_on(start(ServeOptions {
        port: 0,
        ui_dir: Some(ui),
        project: None,
        allowed_dirs: vec![allowed.clone()],
    }))?;
    let base = format!("http://{}", server.address);
    let host = server.address.to_string();
    let token = server.token.clone();
    let agent = agent();
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "create_project",
        json!({ "path": allowed.join("lab") }),
    )?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &agent,
        &base,
        Some(&token),
        "import_dataset",
        json!({ "path": allowed.join("points.csv") }),
    )?;
    assert_eq!(status, 200, "{body}");

    // The browser holds the cookie the printed URL set.
    let page = agent.get(server.url()).call()?;
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .to_string();
    assert!(cookie.starts_with("datalab_token="));
    let cookie_header = format!("Cookie: {cookie}");
    let remove = r#"{"dataset":"points"}"#;

    // A plain HTML form on another local port: text/plain, the cookie, its Origin.
    let other_origin = format!("Origin: http://127.0.0.1:{}", server.address.port() + 1);
    let cases: Vec<(&str, Vec<&str>, u16)> = vec![
        (
            "a form from another port",
            vec![
                cookie_header.as_str(),
                "Content-Type: text/plain",
                other_origin.as_str(),
            ],
            403,
        ),
        (
            "a form with no Origin",
            vec![cookie_header.as_str(), "Content-Type: text/plain"],
            415,
        ),
        (
            "a form posting urlencoded data",
            vec![
                cookie_header.as_str(),
                "Content-Type: application/x-www-form-urlencoded",
            ],
            415,
        ),
        (
            "JSON with the cookie alone",
            vec![cookie_header.as_str(), "Content-Type: application/json"],
            401,
        ),
    ];
    for (what, headers, expected) in &cases {
        let (status, body) = raw(
            &server.address,
            &browser_post(&host, "/api/remove_dataset", headers, remove),
        )?;
        assert_eq!(status, *expected, "{what}: {body}");
    }

    // DNS rebinding: another name for 127.0.0.1, even with the real token.
    let bearer = format!("Authorization: Bearer {token}");
    let (status, body) = raw(
        &server.address,
        &browser_post(
            "evil.example:80",
            "/api/list_datasets",
            &[bearer.as_str(), "Content-Type: application/json"],
            "{}",
        ),
    )?;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("evil.example"), "{body}");
    let (status, _) = raw(
        &server.address,
        &format!(
            "GET /index.html HTTP/1.1\r\nHost: evil.example\r\n{cookie_header}\r\nConnection: close\r\n\r\n"
        ),
    )?;
    assert_eq!(status, 403);

    // Its own page, and a client that writes the scheme in lower case, are answered.
    let own_origin = format!("Origin: http://{host}");
    let lower = format!("Authorization: bearer {token}");
    for headers in [
        vec![
            bearer.as_str(),
            "Content-Type: application/json",
            own_origin.as_str(),
        ],
        vec![
            lower.as_str(),
            "Content-Type: application/json; charset=utf-8",
        ],
    ] {
        let (status, body) = raw(
            &server.address,
            &browser_post(&host, "/api/list_datasets", &headers, "{}"),
        )?;
        assert_eq!(status, 200, "{headers:?}: {body}");
        assert!(body.contains("points"), "nothing was removed: {body}");
    }
    // The events stream takes the token in its URL (EventSource sends no
    // headers), not the cookie alone.
    let (status, _) = raw(
        &server.address,
        &format!(
            "GET /api/events HTTP/1.1\r\nHost: {host}\r\n{cookie_header}\r\nConnection: close\r\n\r\n"
        ),
    )?;
    assert_eq!(status, 401);

    // Paths stay within the allowed folder: no file outside it, through a
    // link or `..`, and no project created outside it.
    let escapes = [
        (
            "import_dataset",
            json!({ "path": outside.join("secret.csv") }),
        ),
        ("import_dataset", json!({ "path": "/etc/passwd" })),
        (
            "import_dataset",
            json!({ "path": allowed.join("../outside/secret.csv") }),
        ),
        ("create_project", json!({ "path": outside.join("lab") })),
        ("open_project", json!({ "path": "/" })),
        ("list_folder", json!({ "path": outside })),
        (
            "add_storage",
            json!({ "name": "shelf", "config": { "kind": "folder", "path": outside.join("shelf") } }),
        ),
    ];
    #[cfg(unix)]
    let escapes = {
        let mut all = escapes.to_vec();
        all.push((
            "import_dataset",
            json!({ "path": allowed.join("link.csv") }),
        ));
        all
    };
    for (operation, request) in &escapes {
        let (status, body) = post(&agent, &base, Some(&token), operation, request.clone())?;
        assert_eq!(status, 403, "{operation} {request}: {body}");
        assert_eq!(body["code"], "forbidden", "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or("")
                .contains("--allow-dir"),
            "{body}"
        );
    }
    assert!(!outside.join("lab").exists() && !outside.join("shelf").exists());
    let (_, datasets) = post(&agent, &base, Some(&token), "list_datasets", json!({}))?;
    assert_eq!(datasets.as_array().map(Vec::len), Some(1), "{datasets}");

    // The page picks files through the allowed folder.
    let (status, places) = post(&agent, &base, Some(&token), "list_folder", json!({}))?;
    assert_eq!(status, 200, "{places}");
    let root = places["entries"][0]["path"]
        .as_str()
        .ok_or("no place")?
        .to_string();
    assert_eq!(
        std::path::Path::new(&root),
        std::fs::canonicalize(&allowed)?
    );
    let (status, listing) = post(
        &agent,
        &base,
        Some(&token),
        "list_folder",
        json!({ "path": root }),
    )?;
    assert_eq!(status, 200, "{listing}");
    let names: Vec<&str> = listing["entries"]
        .as_array()
        .ok_or("no entries")?
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        names.contains(&"points.csv") && names.contains(&"lab"),
        "{listing}"
    );
    assert_eq!(
        listing["parent"],
        Value::Null,
        "no way up out of the folder"
    );

    runtime.block_on(server.stop())?;
    Ok(())
}

#[test]
fn the_server_mode_serves_mlflow_tracking_for_its_project() -> TestResult {
    let dir = tempfile::tempdir()?;
    let project = dir.path().join("p");
    datalab_api::init_project(&project)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let server = runtime.block_on(start(ServeOptions {
        port: 0,
        ui_dir: None,
        project: Some(project.clone()),
        allowed_dirs: vec![],
    }))?;
    let base = format!("http://{}", server.address);
    let agent = agent();
    let (status, info) = post(
        &agent,
        &base,
        Some(&server.token),
        "tracking_info",
        json!({}),
    )?;
    assert_eq!(status, 200, "{info}");
    let uri = info["uri"].as_str().unwrap_or_default().to_string();
    let token = info["token"].as_str().unwrap_or_default().to_string();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    assert_eq!(token.len(), 64);
    // Asked again, it is the same server.
    let (_, again) = post(
        &agent,
        &base,
        Some(&server.token),
        "tracking_info",
        json!({}),
    )?;
    assert_eq!(again["uri"].as_str(), Some(uri.as_str()));
    // An MLflow client with that token logs into the project the server has open.
    let created: Value = agent
        .post(format!("{uri}/api/2.0/mlflow/experiments/create"))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({"name": "from-a-notebook"}))?
        .body_mut()
        .read_json()?;
    assert_eq!(created["experiment_id"], json!("1"));
    let refused = agent
        .post(format!("{uri}/api/2.0/mlflow/experiments/create"))
        .send_json(json!({"name": "no-token"}))?;
    assert_eq!(refused.status().as_u16(), 401);
    let (_, experiments) = post(
        &agent,
        &base,
        Some(&server.token),
        "list_experiments",
        json!({}),
    )?;
    assert!(
        experiments.as_array().is_some_and(|list| list
            .iter()
            .any(|e| e["name"] == "from-a-notebook" && e["origin"] == "tracking")),
        "{experiments}"
    );
    runtime.block_on(server.stop())?;
    Ok(())
}
