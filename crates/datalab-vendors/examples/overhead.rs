//! What the evaluation harness adds per call, at a fixed request rate,
//! against a bare reqwest loop sending the same bodies to the same server.
//!
//! Both are timed the same way: from the moment a call is let go (its rate
//! slot) to the moment its answer is in hand (the bare loop: the body read;
//! the harness: the call parsed, accounted and handed to the caller).
//!
//!   cargo run --release -p datalab-vendors --example overhead -- URL [RATE] [CALLS] [CONCURRENCY]
//!
//! URL is a running `datalab-vendor-server` (bench/vendors.sh starts one).

use datalab_vendors::{Column, Connector, Expected, Plan, Rows};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Percentiles as evaluations report them (`datalab_vendors::latency_summary`).
fn report(name: &str, latencies: &[f64], wall: Duration) {
    let Some(l) = datalab_vendors::latency_summary(latencies) else {
        println!("{name:<28} no calls");
        return;
    };
    println!(
        "{name:<28} calls {:>6}  p50 {:>7.3} ms  p95 {:>7.3} ms  p99 {:>7.3} ms  {:>7.1} calls/s",
        l.calls,
        l.p50,
        l.p95,
        l.p99,
        l.calls as f64 / wall.as_secs_f64()
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).ok_or("give the vendor server's URL")?.clone();
    let rate: f64 = args.get(2).map_or(Ok(500.0), |a| a.parse())?;
    let calls: usize = args.get(3).map_or(Ok(5_000), |a| a.parse())?;
    let concurrency: usize = args.get(4).map_or(Ok(8), |a| a.parse())?;
    let labels: Vec<String> = ["setosa", "versicolor", "virginica"]
        .map(String::from)
        .to_vec();
    let rows = Rows {
        columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"]
            .map(|name| Column {
                name: name.into(),
                numeric: true,
            })
            .to_vec(),
        values: (0..calls)
            .map(|i| (0..4).map(|c| json!((i * 4 + c) as f64 / 10.0)).collect())
            .collect(),
    };
    let connector: Connector = serde_json::from_value(json!({
        "protocol": {"kind": "oip_v2", "model_name": "iris"},
        "base_url": url,
        "concurrency": concurrency,
        "requests_per_second": rate,
        "timeout_ms": 5_000,
    }))?;
    let plan = Plan::new(&connector, &rows, &Expected::Labels(labels))?;
    let interval = Duration::from_secs_f64(1.0 / rate);

    // A bare loop: the same bodies, workers taking the next call, each let go at its slot.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let bare: Mutex<Vec<f64>> = Mutex::new(Vec::with_capacity(calls));
    let next = Mutex::new(0usize);
    let started = Instant::now();
    let first_slot = started + Duration::from_millis(50);
    runtime.block_on(async {
        let worker = || async {
            loop {
                let Some(i) = next.lock().ok().map(|mut n| {
                    *n += 1;
                    *n - 1
                }) else {
                    return;
                };
                let Some(request) = plan.requests().get(i) else {
                    return;
                };
                let slot = first_slot + interval * i as u32;
                tokio::time::sleep_until(slot.into()).await;
                let let_go = Instant::now();
                let answer = client.post(&request.url).json(&request.body).send().await;
                if let Ok(response) = answer {
                    let _ = response.text().await;
                }
                if let Ok(mut b) = bare.lock() {
                    b.push(let_go.elapsed().as_secs_f64() * 1e3);
                }
            }
        };
        futures_util::future::join_all((0..concurrency).map(|_| worker())).await;
    });
    report(
        "bare reqwest loop",
        &bare.into_inner().unwrap_or_default(),
        started.elapsed(),
    );

    // The harness: rate limit, retries, parsing, accounting, the caller's callback.
    let mut harness = Vec::with_capacity(calls);
    let started = Instant::now();
    let end = plan.run(
        None,
        &HashMap::new(),
        None,
        &AtomicBool::new(false),
        &mut |call| {
            if let Some(let_go) = call.started {
                harness.push(let_go.elapsed().as_secs_f64() * 1e3);
            }
        },
    )?;
    report("datalab evaluation harness", &harness, started.elapsed());
    if end.sent != calls {
        return Err(format!("{} of {calls} calls went out", end.sent).into());
    }
    Ok(())
}
