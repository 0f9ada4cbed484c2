//! The `datalab-vendor-server` command: the fake vendor on a port, for
//! benchmarks and manual checks. It prints one line, `listening on
//! http://127.0.0.1:PORT`, once bound, and serves until Ctrl-C. Bad
//! arguments exit with code 2.

use datalab_vendor_server::{FaultPlan, ServerConfig, serve};
use std::io::Write;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use tokio::sync::watch;

const USAGE: &str = "usage: datalab-vendor-server [--port N] [--labels a,b,c] \
[--faults slow=50,timeout=10,...] [--token T] [--slow-ms N] [--hang-ms N] \
[--retry-after S] [--echo-auth]

faults (per mille of rows): slow, timeout, rate_limited_once, server_error_once,
server_error_always, malformed, bad_label";

/// What the arguments ask for.
#[derive(Debug)]
struct Options {
    /// 0 picks a free port.
    port: u16,
    config: ServerConfig,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("datalab-vendor-server: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("datalab-vendor-server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The options, or `None` for `--help`. Accepts `--name value` and `--name=value`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 0,
        config: ServerConfig::default(),
    };
    while let Some(arg) = args.next() {
        let (name, mut inline_value) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        match (name.as_str(), &inline_value) {
            ("-h" | "--help", _) => return Ok(None),
            ("--echo-auth", None) => {
                options.config.echo_auth_in_errors = true;
                continue;
            }
            ("--echo-auth", Some(_)) => return Err("--echo-auth takes no value".to_owned()),
            _ => {}
        }
        let mut value = || match inline_value.take() {
            Some(value) => Ok(value),
            None => args.next().ok_or_else(|| format!("{name} needs a value")),
        };
        let config = &mut options.config;
        match name.as_str() {
            "--port" => options.port = number(&name, &value()?)?,
            "--labels" => {
                config.labels = value()?
                    .split(',')
                    .map(str::trim)
                    .filter(|label| !label.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "--faults" => config.faults = FaultPlan::parse(&value()?)?,
            "--token" => config.token = Some(value()?),
            "--slow-ms" => config.slow_ms = number(&name, &value()?)?,
            "--hang-ms" => config.hang_ms = number(&name, &value()?)?,
            "--retry-after" => config.retry_after_s = number(&name, &value()?)?,
            _ => return Err(format!("unknown argument {name}")),
        }
    }
    Ok(Some(options))
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: \"{value}\" is not a valid number"))
}

fn run(options: Options) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let address = listener.local_addr()?;
        {
            // Scripts wait for this line to learn the port: flush it now.
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "listening on http://{address}")?;
            stdout.flush()?;
        }
        let (interrupt, mut interrupted) = watch::channel(false);
        ctrlc::set_handler(move || {
            let _ = interrupt.send(true);
        })
        .map_err(std::io::Error::other)?;
        let shutdown = async move {
            let _ = interrupted.wait_for(|interrupted| *interrupted).await;
        };
        serve(listener, options.config, shutdown).await
    })
}
