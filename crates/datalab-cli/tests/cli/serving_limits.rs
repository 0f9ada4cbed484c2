//! A served model under the load drills, over real sockets: booleans are
//! checked against the schema, records with invented keys are refused at
//! once in bounded memory while health probes keep answering, and bodies,
//! slow clients and connection floods hit limits that say what to change.

use crate::common::{TestResult, datalab, json, peak_resident_mib};
use crate::serving::{get, post, serve_with_env};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SPEC: &str = r#"
name = "members"
seed = 3
[dataset]
name = "members"
[task]
kind = "classification"
target = "stays"
[validation]
kind = "holdout"
test_fraction = 0.25
[[models]]
model = "decision_tree"
"#;

/// A project whose model takes a number `visits` and a boolean `member`,
/// registered as `members:1`.
fn members_lab() -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let lab = dir.path().join("lab");
    assert!(datalab(dir.path(), &["init", "lab"]).status.success());
    let mut csv = String::from("visits,member,stays\n");
    for i in 0..80 {
        let member = i % 3 == 0;
        let stays = if member || i % 5 == 0 { "yes" } else { "no" };
        csv.push_str(&format!("{},{member},{stays}\n", i % 17));
    }
    let file = dir.path().join("members.csv");
    std::fs::write(&file, csv)?;
    let imported = datalab(
        &lab,
        &["--json", "dataset", "import", &file.to_string_lossy()],
    );
    assert!(imported.status.success(), "{imported:?}");
    let spec = dir.path().join("members.toml");
    std::fs::write(&spec, SPEC)?;
    let ran = json(&datalab(&lab, &["--json", "run", &spec.to_string_lossy()]))?;
    let run = ran["runs"][0]["id"].as_i64().ok_or("no run")?.to_string();
    let registered = datalab(
        &lab,
        &["--json", "model", "register", &run, "--name", "members"],
    );
    assert!(registered.status.success(), "{registered:?}");
    Ok((dir, lab))
}

fn address(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(url.strip_prefix("http://").ok_or("not http")?.to_string())
}

/// Whether the server closed `stream` (a read returns end of file or an error).
fn closed_within(stream: &mut TcpStream, wait: Duration) -> Result<bool, std::io::Error> {
    stream.set_read_timeout(Some(wait))?;
    let mut buffer = [0u8; 512];
    Ok(match stream.read(&mut buffer) {
        Ok(0) => true,
        Ok(_) => {
            // An answer (a 408) then the close.
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).is_ok()
        }
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    })
}

#[test]
fn booleans_follow_the_schema() -> TestResult {
    let (_dir, lab) = members_lab()?;
    let served = serve_with_env(&lab, &["members"], &[])?;
    let url = &served.url;
    let (status, metadata) = get(url, "/v2/models/members")?;
    assert_eq!(status, 200);
    let metadata: Value = serde_json::from_str(&metadata)?;
    let kinds: Vec<(String, String)> = metadata["inputs"]
        .as_array()
        .ok_or("no inputs")?
        .iter()
        .map(|i| (i["name"].to_string(), i["datatype"].to_string()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("\"visits\"".into(), "\"FP64\"".into()),
            ("\"member\"".into(), "\"BOOL\"".into())
        ]
    );

    // A boolean input takes true/false, or 0/1; a number input refuses a boolean.
    let accepted = [
        json!({"dataframe_records": [{"visits": 3, "member": true}, {"visits": 4, "member": false}]}),
        json!({"dataframe_records": [{"visits": 3, "member": 1}, {"visits": 4, "member": 0}]}),
    ];
    let mut answers = Vec::new();
    for body in &accepted {
        let (status, answer) = post(url, "/invocations", &body.to_string())?;
        assert_eq!(status, 200, "{body}: {answer}");
        answers.push(answer["predictions"].clone());
    }
    assert_eq!(answers[0], answers[1], "true/false and 1/0 predict alike");
    let (status, answer) = post(
        url,
        "/v2/models/members/infer",
        &json!({"inputs": [
            {"name": "visits", "shape": [1], "datatype": "FP64", "data": [3]},
            {"name": "member", "shape": [1], "datatype": "BOOL", "data": [true]},
        ]})
        .to_string(),
    )?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outputs"][0]["data"][0], answers[0][0]);

    let refused = [
        (
            json!({"dataframe_records": [{"visits": true, "member": true}]}),
            "'visits' is a number",
        ),
        (
            json!({"dataframe_records": [{"visits": 3, "member": 2}]}),
            "'member' is a boolean",
        ),
        (
            json!({"dataframe_records": [{"visits": 3, "member": "yes"}]}),
            "'member' is a boolean",
        ),
    ];
    for (body, named) in refused {
        let (status, answer) = post(url, "/invocations", &body.to_string())?;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.to_string().contains(named), "{named}: {answer}");
    }
    let (status, answer) = post(
        url,
        "/v2/models/members/infer",
        &json!({"inputs": [
            {"name": "visits", "shape": [1], "datatype": "BOOL", "data": [true]},
            {"name": "member", "shape": [1], "datatype": "BOOL", "data": [true]},
        ]})
        .to_string(),
    )?;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.to_string().contains("'visits' is a number"),
        "{answer}"
    );
    Ok(())
}

#[test]
fn hostile_requests_are_bounded_and_health_keeps_answering() -> TestResult {
    let (_dir, lab) = members_lab()?;
    let served = serve_with_env(
        &lab,
        &["members"],
        &[
            ("DATALAB_SERVE_MAX_BODY_MB", "4"),
            ("DATALAB_SERVE_HEADER_TIMEOUT_S", "1"),
            ("DATALAB_SERVE_BODY_TIMEOUT_S", "1"),
        ],
    )?;
    let url = served.url.clone();
    let pid = served.child.id();

    // 2,500 records, each inventing 20 keys of its own (~1 MiB): refused at
    // the first, in bounded memory (a column per key, a row per record, was
    // gigabytes), while health probes answer.
    let records: Vec<Value> = (0..2_500)
        .map(|r| {
            let keys: serde_json::Map<String, Value> = (0..20)
                .map(|k| (format!("feature_{:06}", r * 20 + k), json!(k)))
                .collect();
            Value::Object(keys)
        })
        .collect();
    let body = json!({"dataframe_records": records}).to_string();
    assert!(body.len() > 700_000);
    let floods: Vec<_> = (0..4)
        .map(|_| {
            let (url, body) = (url.clone(), body.clone());
            std::thread::spawn(move || post(&url, "/invocations", &body).map_err(|e| e.to_string()))
        })
        .collect();
    let started = Instant::now();
    let (status, _) = get(&url, "/v2/health/live")?;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "health took {:?} beside the floods",
        started.elapsed()
    );
    for flood in floods {
        let (status, answer) = flood.join().map_err(|_| "flood thread panicked")??;
        assert_eq!(status, 400, "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("unknown input 'feature_") && message.contains("visits"),
            "{message}"
        );
        assert!(message.len() < 400, "a bounded message: {message}");
    }
    let peak = peak_resident_mib(pid).ok_or("no VmHWM")?;
    assert!(peak < 400, "the server peaked at {peak} MiB");

    // A body over the limit: 413, saying which variable raises it.
    let large = format!("{{\"instances\": [{}]}}", "0.5,".repeat(1_200_000) + "0.5");
    let (status, answer) = post(&url, "/invocations", &large)?;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("DATALAB_SERVE_MAX_BODY_MB")),
        "{answer}"
    );

    // Slow headers and idle connections are let go; a slow body is a 408.
    let host = address(&url)?;
    let mut slow_headers = TcpStream::connect(&host)?;
    slow_headers.write_all(b"POST /invocations HTTP/1.1\r\nHost: x\r\n")?;
    let mut idle = TcpStream::connect(&host)?;
    let mut slow_body = TcpStream::connect(&host)?;
    slow_body.write_all(
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inst",
    )?;
    assert!(closed_within(&mut slow_headers, Duration::from_secs(5))?);
    assert!(closed_within(&mut idle, Duration::from_secs(5))?);
    slow_body.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut answer = String::new();
    let _ = slow_body.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("DATALAB_SERVE_BODY_TIMEOUT_S"), "{answer}");

    Ok(())
}

#[test]
fn past_its_connection_limit_a_server_answers_503_at_once() -> TestResult {
    let (_dir, lab) = members_lab()?;
    let served = serve_with_env(
        &lab,
        &["members"],
        &[("DATALAB_SERVE_MAX_CONNECTIONS", "16")],
    )?;
    let host = address(&served.url)?;
    // Sixteen idle connections hold every place (the header deadline, 15 s,
    // is far off).
    let flood: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(&host))
        .collect::<Result<_, _>>()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let mut turned_away = TcpStream::connect(&host)?;
        turned_away
            .write_all(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        turned_away.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut answer = String::new();
        let _ = turned_away.read_to_string(&mut answer);
        // The flood's connections are accepted in the background: until all
        // sixteen are, a probe may still get in.
        if answer.starts_with("HTTP/1.1 503") || Instant::now() > deadline {
            break answer;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("DATALAB_SERVE_MAX_CONNECTIONS"), "{answer}");
    // The flood gone, the server answers again.
    drop(flood);
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&served.url, "/v2/health/live")
        .map(|(s, _)| s)
        .unwrap_or(0)
        != 200
    {
        assert!(Instant::now() < deadline, "the server never recovered");
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
