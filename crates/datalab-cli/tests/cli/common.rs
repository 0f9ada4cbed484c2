//! What every CLI test shares: the `datalab` binary started in a folder with
//! a clean environment (never the project, storage credentials or settings
//! of the shell that runs the tests), its JSON output read, and the
//! repository's files found at run time.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_datalab");

/// Variables a shell may carry that would change what the binary does.
const CLEARED: &[&str] = &[
    "DATALAB_PROJECT",
    "DATALAB_UI_DIR",
    "DATALAB_DESKTOP",
    "DATALAB_MAX_TRIALS",
    "DATALAB_JOB_TIMEOUT_S",
    "DATALAB_MODEL_CACHE",
    "DATALAB_MAX_JSON_DEPTH",
    "DATALAB_SERVE_MAX_BODY_MB",
    "DATALAB_SERVE_HEADER_TIMEOUT_S",
    "DATALAB_SERVE_BODY_TIMEOUT_S",
    "DATALAB_SERVE_MAX_CONNECTIONS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
];

/// `datalab`, to be run in `dir`, with the variables above removed.
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir);
    for name in CLEARED {
        command.env_remove(name);
    }
    command
}

/// Runs `datalab args` in `dir` with `env` added.
pub fn datalab_with_env(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::io::Result<Output> {
    command(dir).args(args).envs(env.iter().copied()).output()
}

/// Runs `datalab args` in `dir`; the binary not starting is a broken test.
pub fn datalab(dir: &Path, args: &[&str]) -> Output {
    match datalab_with_env(dir, args, &[]) {
        Ok(output) => output,
        Err(e) => panic!("cannot run datalab: {e}"),
    }
}

/// What it printed on stdout, as JSON (the message says what it was instead).
pub fn json(output: &Output) -> Result<Value, Box<dyn std::error::Error>> {
    let text = String::from_utf8(output.stdout.clone())?;
    Ok(serde_json::from_str(&text)
        .map_err(|e| format!("{e}: {text} {}", String::from_utf8_lossy(&output.stderr)))?)
}

/// What it printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// A file of the repository, found through the `CARGO_MANIFEST_DIR` cargo
/// sets when it runs the tests (never the one compiled in).
pub fn repo(path: &str) -> PathBuf {
    Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../..")
        .join(path)
}

/// [`repo`], as a string for a command line.
pub fn repo_str(path: &str) -> String {
    repo(path).to_string_lossy().to_string()
}

/// The iris spec every experiment test starts from.
pub fn spec_path() -> String {
    repo_str("assets/specs/iris.toml")
}

/// Reads lines of `child`'s stdout until one starting with `http://`: that
/// URL without its scheme. The rest of the output is drained on a thread,
/// so the child never writes into a closed pipe.
pub fn printed_url(child: &mut std::process::Child) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::BufRead;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.trim().strip_prefix("http://").map(String::from))
        .ok_or("no URL printed")?;
    std::thread::spawn(move || lines.for_each(drop));
    Ok(url)
}

/// Each run's mean accuracy, bit for bit, by trial: what "the same numbers" means.
pub fn accuracies(runs: &[Value]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = runs
        .iter()
        .map(|r| {
            (
                r["trial"].as_u64().unwrap_or(0),
                r["metrics"]["accuracy"]["mean"]
                    .as_f64()
                    .unwrap_or(f64::NAN)
                    .to_bits(),
            )
        })
        .collect();
    out.sort_unstable();
    out
}

/// A process's peak resident memory so far (VmHWM, Linux), in MiB.
pub fn peak_resident_mib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?;
    Some(kib / 1024)
}

/// Writes `spec` (TOML) into the project `lab` and runs it with `--json`
/// and `extra` arguments; the run must succeed. Its outcome, as JSON.
pub fn run_spec(
    lab: &Path,
    spec: &str,
    extra: &[&str],
) -> Result<Value, Box<dyn std::error::Error>> {
    let path = lab.join(format!("spec-{}.toml", spec.len()));
    std::fs::write(&path, spec)?;
    let path = path.to_string_lossy().to_string();
    let mut args = vec!["--json", "run", path.as_str()];
    args.extend_from_slice(extra);
    let output = datalab(lab, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    json(&output)
}

/// The demo project in `dir/lab` with the iris sweep run (10 runs): the
/// project's folder and the run's outcome, as JSON.
pub fn iris_lab(dir: &Path) -> Result<(PathBuf, Value), Box<dyn std::error::Error>> {
    let made = datalab(dir, &["demo", "lab"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let lab = dir.join("lab");
    let ran = json(&datalab(&lab, &["--json", "run", &spec_path()]))?;
    Ok((lab, ran))
}

/// A test vendor answering iris species, added to `lab` as `svc` over OIP
/// with `extra` arguments (a price, a concurrency). Keep the server alive.
pub fn iris_vendor(
    lab: &Path,
    extra: &[&str],
) -> Result<datalab_vendor_server::VendorServer, Box<dyn std::error::Error>> {
    let server = datalab_vendor_server::VendorServer::start(datalab_vendor_server::ServerConfig {
        labels: ["setosa", "versicolor", "virginica"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    })?;
    let url = server.url();
    let mut args = vec![
        "vendor",
        "add",
        "svc",
        "--protocol",
        "oip",
        "--url",
        &url,
        "--model",
        "iris",
    ];
    args.extend_from_slice(extra);
    let added = datalab(lab, &args);
    assert!(added.status.success(), "{}", stderr(&added));
    Ok(server)
}
