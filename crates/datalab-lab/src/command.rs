//! Command trials: a trial of a sweep that runs the user's own code (a
//! script, a notebook through papermill) as a child process.
//!
//! The command runs under `sh -c` in a process group of its own, with
//! `MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN`, `MLFLOW_EXPERIMENT_ID` and
//! `MLFLOW_RUN_ID` set, so that its `mlflow` calls log into its Data Lab
//! run. Its exit status decides the run: 0 succeeded, anything else failed.
//! Its stdout and stderr go to the run's `log.txt` as they come (capped,
//! saying so). A cancel or a timeout stops the whole group (TERM, then KILL
//! after a grace period). The shell carries a parent-death signal
//! (`setpriv --pdeathsig`): if Data Lab dies, even by `kill -9`, the shell
//! kills its group, so no trial outlives it; recovery then marks the run
//! interrupted.

use crate::run_files::RunFiles;
use datalab_ml::catalog::ParamValue;
use datalab_ml::models::Params;
use datalab_ml::spec::ModelSearch;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The most of a command's output a run keeps (`DATALAB_COMMAND_LOG_MB`).
const DEFAULT_LOG_MB: u64 = 16;
/// How long a stopped command has between TERM and KILL.
const GRACE: Duration = Duration::from_secs(5);
/// How often a running command is looked at.
const LOOK: Duration = Duration::from_millis(50);

/// Where a command trial's MLflow calls go: the sweep's tracking server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingEndpoint {
    pub uri: String,
    pub token: Option<String>,
}

/// What a command trial needs besides its params.
#[derive(Debug, Clone)]
pub struct CommandContext<'a> {
    pub project_root: &'a Path,
    pub files: &'a RunFiles,
    pub run_uuid: &'a str,
    pub experiment: i64,
    pub dataset: &'a Path,
    pub tracking: &'a TrackingEndpoint,
}

/// How a command trial ended, when not with status 0.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("cancelled")]
    Cancelled,
    #[error("the command timed out after {seconds} s and was stopped{tail}")]
    TimedOut { seconds: f64, tail: String },
    #[error("the command exited with status {code}{hint}{tail}")]
    Exited {
        code: i32,
        hint: &'static str,
        tail: String,
    },
    #[error("the command was killed by signal {signal}{tail}")]
    Killed { signal: i32, tail: String },
    #[error("the command could not be started: {0}")]
    Start(String),
}

/// A shell word: the text in single quotes, safe whatever it holds.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn value_text(value: &ParamValue) -> String {
    match value {
        ParamValue::Text(text) => text.clone(),
        other => serde_json::to_value(other)
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            })
            .unwrap_or_default(),
    }
}

/// The command with its placeholders filled (every value shell-quoted).
pub fn render(template: &str, params: &Params, context: &CommandContext<'_>) -> String {
    let known = |name: &str| -> Option<String> {
        if let Some(value) = params.get(name) {
            return Some(value_text(value));
        }
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        match name {
            "run_id" => Some(context.run_uuid.to_string()),
            "run_dir" => Some(path(context.files.dir().to_path_buf())),
            "artifacts" => Some(path(context.files.artifacts_dir())),
            "dataset" => Some(path(context.dataset.to_path_buf())),
            "out" => Some(path(context.files.artifacts_dir().join("output.ipynb"))),
            _ => None,
        }
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after
            .find('}')
            .and_then(|end| known(&after[..end]).map(|v| (end, v)))
        {
            Some((end, value)) => {
                out.push_str(&quoted(&value));
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn log_cap() -> u64 {
    std::env::var("DATALAB_COMMAND_LOG_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|mb| *mb > 0)
        .unwrap_or(DEFAULT_LOG_MB)
        * 1024
        * 1024
}

/// Copies a child's output into the log, up to the shared cap; the rest is
/// read (so the child never blocks on a full pipe) and counted.
fn copy_output(
    mut from: impl Read,
    log: Arc<std::sync::Mutex<(std::fs::File, u64, u64)>>,
    cap: u64,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let Ok(mut guard) = log.lock() else { return };
        let (file, written, dropped) = &mut *guard;
        let room = cap.saturating_sub(*written) as usize;
        let kept = n.min(room);
        if kept > 0 && file.write_all(&buffer[..kept]).is_ok() {
            *written += kept as u64;
        }
        *dropped += (n - kept) as u64;
    }
}

/// The end of the log, for an error message.
fn log_tail(path: &Path) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return String::new();
    };
    let start = bytes.len().saturating_sub(600);
    let text = String::from_utf8_lossy(&bytes[start..]);
    let lines: Vec<&str> = text.lines().rev().take(6).collect();
    if lines.is_empty() {
        String::new()
    } else {
        let tail: Vec<&str> = lines.into_iter().rev().collect();
        format!(": …{}", tail.join(" ⏎ "))
    }
}

/// Sends `signal` to a process group, with the shell's own `kill` (a
/// minimal system may have no `kill` program).
fn signal_group(group: u32, signal: &str) {
    let _ = Command::new("sh")
        .args(["-c", &format!("kill -s {signal} -- -{group} 2>/dev/null")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Stops the child's whole process group: TERM, then KILL after the grace.
fn stop_group(child: &mut Child) {
    signal_group(child.id(), "TERM");
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(LOOK);
    }
    signal_group(child.id(), "KILL");
    let _ = child.wait();
}

/// Whether `setpriv` can give the shell a parent-death signal here.
fn has_setpriv() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        Command::new("setpriv")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Runs one trial of a command model until it exits, is stopped (`stop`
/// set, or the job cancelled through it) or times out.
pub fn run_command(
    search: &ModelSearch,
    params: &Params,
    context: &CommandContext<'_>,
    stop: &dyn Fn() -> bool,
) -> Result<(), CommandError> {
    let template = search.command.as_deref().unwrap_or_default();
    let rendered = render(template, params, context);
    std::fs::create_dir_all(context.files.artifacts_dir())
        .map_err(|e| CommandError::Start(format!("cannot make the run's folder: {e}")))?;
    let log_path = context.files.path(RunFiles::LOG);
    let log_file = std::fs::File::create(&log_path)
        .map_err(|e| CommandError::Start(format!("cannot write {}: {e}", log_path.display())))?;
    let workdir = match &search.workdir {
        Some(dir) => context.project_root.join(dir),
        None => context.project_root.to_path_buf(),
    };
    if !workdir.is_dir() {
        return Err(CommandError::Start(format!(
            "the command's workdir {} is not a folder",
            workdir.display()
        )));
    }
    // The shell is the group's guard: told by the kernel when Data Lab
    // dies, it kills the whole group, itself included.
    let guarded = format!("trap 'kill -KILL 0' TERM; ( {rendered} ) & wait $!");
    let mut command = if has_setpriv() {
        let mut c = Command::new("setpriv");
        c.args(["--pdeathsig", "TERM", "--", "sh", "-c", &guarded]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &guarded]);
        c
    };
    use std::os::unix::process::CommandExt;
    command
        .current_dir(&workdir)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MLFLOW_") {
            command.env_remove(key);
        }
    }
    command
        .envs(&search.env)
        .env("MLFLOW_TRACKING_URI", &context.tracking.uri)
        .env("MLFLOW_EXPERIMENT_ID", context.experiment.to_string())
        .env("MLFLOW_RUN_ID", context.run_uuid)
        .env("DATALAB_RUN_DIR", context.files.dir())
        .env("DATALAB_DATASET", context.dataset)
        .env("PYTHONUNBUFFERED", "1");
    if let Some(token) = &context.tracking.token {
        command.env("MLFLOW_TRACKING_TOKEN", token);
    }
    let mut child = command
        .spawn()
        .map_err(|e| CommandError::Start(format!("{e} (running `sh -c {rendered}`)")))?;
    let log = Arc::new(std::sync::Mutex::new((log_file, 0u64, 0u64)));
    let cap = log_cap();
    let copiers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let log = Arc::clone(&log);
        std::thread::spawn(move || copy_output(stream, log, cap))
    })
    .collect();
    let started = Instant::now();
    let timeout = search.timeout.map(Duration::from_secs_f64);
    let stopped = AtomicBool::new(false);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if stop() {
            stopped.store(true, Ordering::SeqCst);
            stop_group(&mut child);
            break None;
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            stop_group(&mut child);
            break None;
        }
        std::thread::sleep(LOOK);
    };
    // Whatever the shell left behind in its group goes with it.
    signal_group(child.id(), "KILL");
    for copier in copiers {
        let _ = copier.join();
    }
    if let Ok(mut guard) = log.lock() {
        let (file, written, dropped) = &mut *guard;
        if *dropped > 0 {
            let _ = writeln!(
                file,
                "\n[Data Lab: the log is capped at {} MB; {} more bytes of output were not kept \
                 (DATALAB_COMMAND_LOG_MB raises the cap)]",
                cap / (1024 * 1024),
                *dropped
            );
        }
        let _ = written;
    }
    let tail = || log_tail(&log_path);
    match status {
        None if stopped.load(Ordering::SeqCst) => Err(CommandError::Cancelled),
        None => Err(CommandError::TimedOut {
            seconds: search.timeout.unwrap_or_default(),
            tail: tail(),
        }),
        Some(status) if status.success() => Ok(()),
        Some(status) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(code), _) => Err(CommandError::Exited {
                    code,
                    hint: match code {
                        127 => " (command not found)",
                        126 => " (not executable)",
                        _ => "",
                    },
                    tail: tail(),
                }),
                (None, Some(signal)) => Err(CommandError::Killed {
                    signal,
                    tail: tail(),
                }),
                (None, None) => Err(CommandError::Killed {
                    signal: 0,
                    tail: tail(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_whatever_they_hold() {
        assert_eq!(quoted("a b"), "'a b'");
        assert_eq!(quoted("it's; rm -rf /"), "'it'\\''s; rm -rf /'");
    }
}
