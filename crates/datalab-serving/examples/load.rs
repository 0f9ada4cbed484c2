//! A closed-loop load generator for model servers: CONNECTIONS clients each
//! send the same JSON body again and again for SECONDS, over keep-alive
//! connections; prints requests/s and p50/p99 latency. Used by
//! bench/serve.sh on Data Lab's server and on `mlflow models serve` alike.
//!
//!   cargo run --release -p datalab-serving --example load -- URL BODY_FILE CONNECTIONS SECONDS LABEL [fresh]
//!
//! With `fresh`, every request opens a new connection (as curl does): a server
//! that writes a response's head and body separately on a kept-alive
//! connection meets the client's delayed ACK (about 40 ms on Linux), and
//! this shows what it does without that stall.

use std::sync::Mutex;
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, body_file, connections, seconds, label, fresh) = match args.as_slice() {
        [_, url, body, connections, seconds, label] => {
            (url, body, connections, seconds, label, false)
        }
        [_, url, body, connections, seconds, label, mode] if mode == "fresh" => {
            (url, body, connections, seconds, label, true)
        }
        _ => return Err("usage: load URL BODY_FILE CONNECTIONS SECONDS LABEL [fresh]".into()),
    };
    let body = std::fs::read(body_file)?;
    let connections: usize = connections.parse()?;
    let duration = Duration::from_secs_f64(seconds.parse()?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let latencies = Mutex::new(Vec::<f64>::new());
    let errors = Mutex::new(0u64);
    // A short warm-up, not counted: connections opened, caches filled.
    let warm_until = Instant::now() + Duration::from_millis(500);
    let end = warm_until + duration;
    runtime.block_on(async {
        let client_loop = || async {
            let mut mine = Vec::new();
            let mut failed = 0u64;
            while Instant::now() < end {
                let started = Instant::now();
                let mut request = client.post(url).header("Content-Type", "application/json");
                if fresh {
                    request = request.header("Connection", "close");
                }
                let sent = request.body(body.clone()).send().await;
                let ok = match sent {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if started >= warm_until {
                    if ok {
                        mine.push(started.elapsed().as_secs_f64() * 1e3);
                    } else {
                        failed += 1;
                    }
                }
            }
            if let Ok(mut all) = latencies.lock() {
                all.extend(mine);
            }
            if let Ok(mut e) = errors.lock() {
                *e += failed;
            }
        };
        futures_util::future::join_all((0..connections).map(|_| client_loop())).await;
    });
    let mut latencies = latencies.into_inner().unwrap_or_default();
    let errors = errors.into_inner().unwrap_or_default();
    if latencies.is_empty() {
        return Err(format!("{label}: no request succeeded ({errors} failed)").into());
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "{label:<44} {:>9.0} req/s  p50 {:>8.3} ms  p99 {:>8.3} ms  ({} requests, {errors} failed, {connections} {})",
        latencies.len() as f64 / duration.as_secs_f64(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.len(),
        if fresh {
            "clients, a new connection per request"
        } else {
            "kept-alive connections"
        }
    );
    Ok(())
}
