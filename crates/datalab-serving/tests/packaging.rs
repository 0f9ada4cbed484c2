//! The container and Kubernetes manifests in `packaging/` hold together:
//! the image runs the `datalab-serve` binary this crate builds; the
//! Deployment's arguments, appended to the image's entrypoint, are a command
//! line that binary accepts, listening on the port the pod exposes; the
//! probes use the health routes the server answers; credentials come from a
//! Secret, never a literal; the Service selects the pods and targets their
//! port. And the binary itself serves a package.

use clap::Parser;
use datalab_serving::source::ServeCommand;
use serde_yaml_ng::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn packaging() -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../../packaging")
}

fn yaml(name: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(packaging().join("k8s").join(name))?;
    Ok(serde_yaml_ng::from_str(&text)?)
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Result<&'a str, String> {
    let mut at = value;
    for key in path {
        at = at
            .get(*key)
            .ok_or_else(|| format!("no {} in the manifest", path.join(".")))?;
    }
    at.as_str()
        .ok_or_else(|| format!("{} is not text", path.join(".")))
}

/// The exec-form ENTRYPOINT of the Dockerfile, as a list.
fn entrypoint(dockerfile: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let line = dockerfile
        .lines()
        .find(|l| l.starts_with("ENTRYPOINT"))
        .ok_or("the Dockerfile has no ENTRYPOINT")?;
    let list = line.trim_start_matches("ENTRYPOINT").trim();
    Ok(serde_json::from_str(list)?)
}

#[test]
fn the_image_runs_the_serving_binary_as_the_manifests_expect() -> TestResult {
    let dockerfile = std::fs::read_to_string(packaging().join("Dockerfile"))?;
    let entry = entrypoint(&dockerfile)?;
    assert_eq!(entry[0], "datalab-serve");
    assert!(
        dockerfile.contains("--bin datalab-serve")
            && dockerfile.contains("target/release/datalab-serve"),
        "the image builds and copies the datalab-serve binary"
    );
    assert!(
        dockerfile.contains("USER 10001"),
        "the image does not run as root"
    );
    let exposed: u16 = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("EXPOSE "))
        .ok_or("no EXPOSE")?
        .trim()
        .parse()?;

    let deployment = yaml("deployment.yaml")?;
    assert_eq!(text(&deployment, &["apiVersion"])?, "apps/v1");
    assert_eq!(text(&deployment, &["kind"])?, "Deployment");
    let spec = &deployment["spec"];
    let selector = &spec["selector"]["matchLabels"];
    let pod_labels = &spec["template"]["metadata"]["labels"];
    let selector_map = selector.as_mapping().ok_or("no selector labels")?;
    for (key, value) in selector_map {
        assert_eq!(
            pod_labels.get(key),
            Some(value),
            "the selector matches the pod's labels"
        );
    }
    let containers = spec["template"]["spec"]["containers"]
        .as_sequence()
        .ok_or("no containers")?;
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    assert!(text(container, &["image"])?.starts_with("datalab-serve:"));

    // The container's command line: the image's entrypoint and the manifest's args.
    let args: Vec<String> = container["args"]
        .as_sequence()
        .ok_or("no args")?
        .iter()
        .map(|a| a.as_str().map(String::from).ok_or("an arg is not text"))
        .collect::<Result<_, _>>()?;
    let command = ServeCommand::try_parse_from(entry.iter().chain(&args))?;
    assert!(
        command.host.is_unspecified(),
        "listens beyond the pod: {}",
        command.host
    );
    assert_eq!(command.port, exposed);
    assert_eq!(command.model.as_deref(), Some("iris:1"));
    assert!(
        command.storage.config().is_some(),
        "the package comes from storage"
    );

    let ports = container["ports"].as_sequence().ok_or("no ports")?;
    let http = ports
        .iter()
        .find(|p| p["name"].as_str() == Some("http"))
        .ok_or("no port named http")?;
    assert_eq!(
        http["containerPort"].as_u64(),
        Some(u64::from(command.port))
    );
    for (probe, path) in [
        ("startupProbe", "/v2/health/ready"),
        ("readinessProbe", "/v2/health/ready"),
        ("livenessProbe", "/v2/health/live"),
    ] {
        assert_eq!(
            text(container, &[probe, "httpGet", "path"])?,
            path,
            "{probe}"
        );
        assert_eq!(
            text(container, &[probe, "httpGet", "port"])?,
            "http",
            "{probe}"
        );
    }
    // Credentials from a Secret, never written in the manifest.
    let env = container["env"].as_sequence().ok_or("no env")?;
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        let var = env
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
            .ok_or_else(|| format!("{name} is not set"))?;
        assert!(
            var.get("value").is_none(),
            "{name} is written in the manifest"
        );
        assert!(
            var["valueFrom"]["secretKeyRef"]["name"].is_string(),
            "{name} comes from a Secret"
        );
    }
    // The package cache is writable although the root file system is not.
    let mount = text(&container["volumeMounts"][0], &["mountPath"])?;
    assert!(dockerfile.contains(&format!("DATALAB_MODEL_CACHE={mount}")));

    let service = yaml("service.yaml")?;
    assert_eq!(text(&service, &["kind"])?, "Service");
    let service_selector = service["spec"]["selector"]
        .as_mapping()
        .ok_or("no selector")?;
    for (key, value) in service_selector {
        assert_eq!(
            pod_labels.get(key),
            Some(value),
            "the Service selects the pods"
        );
    }
    assert_eq!(text(&service["spec"]["ports"][0], &["targetPort"])?, "http");
    Ok(())
}

#[test]
fn the_serving_binary_serves_a_package_folder() -> TestResult {
    // A package needs a trained model: write the smallest real one.
    let dir = tempfile::tempdir()?;
    let package = dir.path().join("package");
    datalab_serving::testing::write_tiny_package(&package)?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_datalab-serve"))
        .args(["--package", &package.to_string_lossy(), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or("no URL")?
        .to_string();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut ready = 0;
    while ready != 200 && std::time::Instant::now() < deadline {
        ready = agent
            .get(&format!("{url}/v2/health/ready"))
            .call()?
            .status()
            .as_u16();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let answer = agent
        .post(&format!("{url}/invocations"))
        .header("Content-Type", "application/json")
        .send(r#"{"dataframe_split": {"columns": ["x"], "data": [[0.0], [10.0]]}}"#)?
        .body_mut()
        .read_to_string()?;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(ready, 200);
    assert_eq!(answer, r#"{"predictions":["low","high"]}"#);
    Ok(())
}
